/**
 * The network layer of a host: the interfaces and their Ethernet demultiplexing, ARP, IPv4 and ICMP, IPv6, ICMPv6
 * and neighbour discovery, between the links below and the transports above.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link org.jbypass.netstack.ip.NetInterface}: a link, the address and prefix the stack owns on it (none on
 *       an IPv6-only interface, which drops ARP and IPv4), its gateway and ARP cache, and the bursts frames cross
 *       the link in. It receives a burst at a time and hands each frame by EtherType to {@code Arp}, to IPv4, or
 *       (once it has an IPv6 address) to IPv6; frames to transmit wait in a burst until it fills or the stack
 *       flushes.</li>
 *   <li>{@code Arp}: one cache per interface, open-addressed and preallocated, with a bounded queue of packets per
 *       neighbour being resolved.</li>
 *   <li>{@link org.jbypass.netstack.ip.Ipv4Layer}: input (validation with a counter per reason, reassembly,
 *       delivery), output (routing through {@code RouteTable}, fragmentation, the Ethernet header, ARP), delivery of
 *       datagrams to the stack's own addresses through a bounded loopback queue ({@code LoopbackQueue}, which IPv6
 *       has too), and the interface list. {@code Icmp} answers echoes and sends and receives errors;
 *       {@code Reassembler} puts fragments together, keeping the ranges received in a {@code FragmentRanges} as
 *       IPv6's reassembly does.</li>
 *   <li>Multicast: {@code MulticastListener} is the listener's state machine of IGMPv3 and MLDv2 (one machine: MLDv2
 *       is IGMPv3 for IPv6) with their older versions' compatibility modes, per interface: the groups joined
 *       ({@code MulticastGroup}), each merging the filters of the memberships
 *       ({@link org.jbypass.netstack.ip.MulticastMembership}, a socket's or the interface's own), state-change
 *       reports, query answers, querier versions. {@code IgmpInterface} speaks it as IGMP (with {@code Igmp}, the
 *       IPv4 protocol that validates what arrives), {@code Mld} as MLD for IPv6: the groups sockets join and the
 *       interface's own, the solicited-node groups of its addresses (so that snooping switches keep forwarding
 *       neighbour solicitations to it). Groups and sources of both families are IPv6 addresses, IPv4 ones
 *       IPv4-mapped ({@code SourceList}, the source-list set operations). {@code MulticastMacFilter} is the
 *       interface's reference-counted filter of group MACs, told to the link; {@code QueryRate} the bound on
 *       queries taken.</li>
 *   <li>IPv6, beside IPv4 and sharing its counters: {@link org.jbypass.netstack.ip.Ipv6Layer} (input, delivery,
 *       output with fragmentation, the loopback queue, the IPv6 interface list), {@code Ipv6ExtensionHeaders} (the
 *       bounded walk of the header chain), {@code Ipv6Reassembler}, {@code Ipv6Routes}, {@code Icmpv6} (echo,
 *       errors and their rate limit), {@code PathMtuCache} (what packet-too-big messages taught), and per interface
 *       {@code Ipv6Interface} (its addresses and their duplicate address detection, its group memberships) with
 *       its {@code Ndp} (the neighbour cache and the solicitations and advertisements that keep it, confirmed by
 *       the transports' forward progress) and its {@code RouterDiscovery} (default routers, on-link prefixes and
 *       the MTU that router advertisements taught). Link-local addresses carry their interface above IPv6 as a
 *       scope in their second 16-bit word ({@code Ipv6Address.withScope}), so that a link-local peer is reached
 *       on its own link.</li>
 * </ul>
 *
 * <h2>Contract with the transports</h2>
 * A transport sees IPv4 through these interfaces and nothing else. {@link org.jbypass.netstack.ip.Ipv4Output} is what
 * it sends through: pool buffers with room for the headers in front ({@code L4_OFFSET}), routes (source address,
 * path MTU), the class of an address ({@code isBroadcast}, {@code isBroadcastOrMulticast}: the one test of "names
 * no single host" in the stack, since only IPv4 knows the subnets), and the send. It implements
 * {@link org.jbypass.netstack.ip.Ipv4Protocol} to be delivered datagrams and the ICMP errors about what it sent.
 * Delivery keeps no state between calls: the datagram's bytes are valid during {@code receive} only, and the
 * transport answers with a verdict, either consumed or the ICMP destination-unreachable code IPv4 is to send (UDP's
 * port unreachable), since IPv4 holds the header an error quotes. Datagrams to a group arrive through
 * {@code Ipv4Protocol.receiveMulticast}, with the interface they came in on, once the interface's filter let them in;
 * a transport that speaks multicast sends and joins through {@link org.jbypass.netstack.ip.Ipv4MulticastOutput}
 * (over IPv6, {@code Ipv6Protocol.receiveMulticast6} and {@link org.jbypass.netstack.ip.Ipv6MulticastOutput}).
 * The transports also hear where each receive burst begins and ends, so that TCP can acknowledge a burst of
 * in-order segments once. Over IPv6 the same contract is {@link org.jbypass.netstack.ip.Ipv6Output} (source
 * selection, path MTU, send, sendFromMemory; addresses as the two {@code long}s of
 * {@link org.jbypass.netstack.wire.Ipv6Address}) and {@link org.jbypass.netstack.ip.Ipv6Protocol}; IPv6 walks
 * extension headers and reassembles before it delivers, and answers the verdict with an ICMPv6 error.
 *
 * <p>A super-frame (a chain of buffers) is taken in place: {@code Ipv4Layer.inputChain} validates the header in the
 * first buffer and offers the datagram to {@code Ipv4Protocol.receiveChain}, through which TCP and UDP copy the
 * payload straight out of the chain; a transport that wants its datagram in one piece answers {@code CONTIGUOUS}, and IPv4
 * gathers the chain once (counted). IPv6 does the same for a packet with the transport header right after the fixed
 * header ({@code Ipv6Layer.inputChain}, {@code Ipv6Protocol.receiveChain6}); any other chained IPv6 packet is
 * gathered. {@code SoftwareGro} (one per family) coalesces the in-order TCP segments of one flow within a burst,
 * under Linux's GRO rules, into a super-segment that reaches TCP the same way, over the burst's own buffers.
 *
 * <h2>Where each behaviour lives</h2>
 * <table>
 *   <caption>RFC map</caption>
 *   <tr><th>behaviour</th><th>RFC</th><th>where</th></tr>
 *   <tr><td>Ethernet II demultiplexing; VLAN tags dropped, not misparsed</td><td>IEEE 802.3 3.2.6</td>
 *       <td>NetInterface.ethernetInput</td></tr>
 *   <tr><td>address resolution, cache, queue while resolving, re-confirmation</td><td>826, 1122 2.3.2</td>
 *       <td>Arp</td></tr>
 *   <tr><td>gratuitous ARP when an interface comes up; probes answered</td><td>5227 2.1.1, 3</td><td>Arp</td></tr>
 *   <tr><td>header validation; martian sources (loopback, multicast, broadcast, a subnet's broadcast)</td>
 *       <td>791 3.1, 1122 3.2.1.3</td><td>Ipv4Header.validate, Ipv4Layer.input</td></tr>
 *   <tr><td>a host delivers whatever the TTL (the check at zero is a router's)</td><td>1122 3.2.1.7</td>
 *       <td>Ipv4Layer.input</td></tr>
 *   <tr><td>weak host model: any local address on any interface; no forwarding</td><td>1122 3.3.4.2</td>
 *       <td>Ipv4Layer.acceptsDestination</td></tr>
 *   <tr><td>directed and limited broadcast</td><td>919, 922, 1122 3.2.1.3</td>
 *       <td>NetInterface.isBroadcast, Ipv4Layer.isBroadcast</td></tr>
 *   <tr><td>never a broadcast or multicast source</td><td>1122 3.2.1.3</td><td>Ipv4Layer.send</td></tr>
 *   <tr><td>fragmentation; identification</td><td>791 3.2, 6864</td>
 *       <td>Ipv4Layer.fragment, nextIdentification</td></tr>
 *   <tr><td>reassembly: bounded slots, timeout, overlaps drop the datagram</td><td>791 3.2, 815, 5722</td>
 *       <td>Reassembler</td></tr>
 *   <tr><td>longest-prefix routing, default gateways</td><td>1122 3.3.1</td><td>RouteTable</td></tr>
 *   <tr><td>multicast MAC mapping; the interface's MAC filter</td><td>1112 6.4</td>
 *       <td>MulticastMacFilter</td></tr>
 *   <tr><td>socket and interface filter state, their merging</td><td>3376 2, 3.2; 3810 2, 4.2</td>
 *       <td>MulticastMembership, MulticastGroup.merge, MulticastListener.listen</td></tr>
 *   <tr><td>state-change reports and their retransmission</td><td>3376 5.1; 3810 6.1</td>
 *       <td>MulticastListener.stateChanged</td></tr>
 *   <tr><td>answers to general, group and group-and-source queries, random delays</td><td>3376 5.2; 3810 6.2,
 *       6.3</td><td>MulticastListener.query, answerGeneralQuery, answerGroupQuery</td></tr>
 *   <tr><td>querier version; older-version querier present timers; v2 reports, leaves, suppression</td>
 *       <td>3376 7, 2236 3; 3810 8, 2710 4</td><td>MulticastListener.query, compatibilityChanged,
 *       otherReport</td></tr>
 *   <tr><td>IGMP queries: version by length, destination; TTL 1 and Router Alert on IGMP</td><td>3376 4, 7.1,
 *       2113</td><td>Igmp.query, IgmpInterface.transmit</td></tr>
 *   <tr><td>MLD queries: link-local source, hop limit 1, length, destination; reports to ff02::16, v1 reports to
 *       the group, Done to ff02::2; hop limit 1 and Router Alert</td><td>3810 5, 5.1.14, 5.2.14, 8.1; 2710 3;
 *       2711</td><td>Mld.query, Mld.report, Mld.transmit</td></tr>
 *   <tr><td>IPv6 multicast MAC mapping</td><td>2464 7</td><td>Ipv6Address.multicastMac, Mld.groupMac</td></tr>
 *   <tr><td>sending to an IPv6 group: interface, hop limit, loopback to the host's members</td><td>3493 5.2</td>
 *       <td>Ipv6Layer.sendMulticast6</td></tr>
 *   <tr><td>sending to a group: interface, TTL, loopback to the host's members</td><td>1112 6.1</td>
 *       <td>Ipv4Layer.sendMulticast</td></tr>
 *   <tr><td>echo; no answer to broadcast echoes</td><td>792, 1122 3.2.2.6</td><td>Icmp.echo</td></tr>
 *   <tr><td>errors: never about errors, broadcasts or non-hosts; rate-limited; quoting up to 576 bytes</td>
 *       <td>1122 3.2.2, 1812 4.3.2.3</td><td>Icmp.sendError</td></tr>
 *   <tr><td>protocol and port unreachable</td><td>792, 1122 3.2.2.1, 4.1.3.1</td><td>Ipv4Layer.deliver</td></tr>
 *   <tr><td>errors handed to the transport that sent the datagram</td><td>1122 3.2.2</td><td>Icmp.error</td></tr>
 *   <tr><td>IPv6 header validation; sources and destinations no packet may carry</td><td>8200 3, 4291 2.5.2,
 *       2.5.3, 2.5.5.2, 2.7</td><td>Ipv6Header.validate, Ipv6Layer.input</td></tr>
 *   <tr><td>extension headers: hop-by-hop only first, option actions, bounded chain</td><td>8200 4, 4.1, 4.2,
 *       4.3</td><td>Ipv6ExtensionHeaders</td></tr>
 *   <tr><td>routing headers with segments left refused (type 0 in particular)</td><td>8200 4.4, 5095 3</td>
 *       <td>Ipv6ExtensionHeaders</td></tr>
 *   <tr><td>unrecognised next header: parameter problem code 1</td><td>8200 4</td><td>Ipv6Layer.process</td></tr>
 *   <tr><td>fragmentation above the path MTU; unpredictable identifications; no atomic fragments</td>
 *       <td>8200 4.5, 7739, 8021</td><td>Ipv6Layer.fragment, nextFragmentId</td></tr>
 *   <tr><td>reassembly: bounded, 60 s, overlaps drop the packet, exact duplicates ignored, whole chain in the
 *       first fragment, time exceeded quoting it</td><td>8200 4.5, 5722, 7112</td><td>Ipv6Reassembler</td></tr>
 *   <tr><td>atomic fragments processed on their own</td><td>6946 4</td><td>Ipv6Layer.process</td></tr>
 *   <tr><td>source address selection (same scope, longest prefix, preferred only)</td><td>6724 5</td>
 *       <td>Ipv6Interface.preferredSource</td></tr>
 *   <tr><td>echo; errors never about errors, multicast (but PTB, PP code 2) or non-nodes; rate limit</td>
 *       <td>4443 2.4, 4.2</td><td>Icmpv6.echo, sendError</td></tr>
 *   <tr><td>packet too big: path MTU per destination, 1280 at least, aged after 10 minutes</td>
 *       <td>8201 4, 5.3; 8200 5</td><td>Icmpv6.error, PathMtuCache</td></tr>
 *   <tr><td>neighbour solicitation and advertisement: validation, answering, learning</td>
 *       <td>4861 7.1, 7.2.3 to 7.2.5</td><td>Ndp.solicitation, advertisement</td></tr>
 *   <tr><td>neighbour cache states, queue while resolving, unreachability detection</td>
 *       <td>4861 7.2.2, 7.3, appendix C</td><td>Ndp.output, onSweep</td></tr>
 *   <tr><td>all-nodes and solicited-node membership; 33:33 group MACs</td><td>4291 2.7.1, 2.8; 2464 7</td>
 *       <td>Ipv6Interface, MulticastMacFilter.addMac</td></tr>
 *   <tr><td>link-local address from the MAC</td><td>4291 appendix A, 4862 5.3</td><td>Ipv6Layer.addAddress</td></tr>
 *   <tr><td>duplicate address detection; tentative addresses unused</td><td>4862 5.4</td>
 *       <td>Ipv6Interface, Ndp</td></tr>
 *   <tr><td>upper-layer reachability confirmation</td><td>4861 7.3.1</td><td>Ndp.confirm,
 *       Ipv6Layer.confirmReachable</td></tr>
 *   <tr><td>router advertisements: validation, default routers, on-link prefixes, MTU</td>
 *       <td>4861 6.1.2, 6.3.4</td><td>RouterDiscovery</td></tr>
 *   <tr><td>scoped link-local addresses: zones, sending out of the scope's interface</td><td>4007 6, 9</td>
 *       <td>Ipv6Layer.resolve, input</td></tr>
 * </table>
 *
 * <h2>Memory and time</h2>
 * Received frames stay in their armed burst slot: every layer copies what it keeps (software GRO holds a segment in
 * its slot until the burst ends, no longer), so a steady receive frees and allocates no buffer. What the layer
 * holds is bounded by its configuration ({@code IpConfig}, {@code ArpConfig}, {@code ReassemblyConfig}): packets
 * waiting for ARP, the loopback queue, reassembly slots of 64 KiB allocated on first use;
 * {@code MulticastListener.MAX_GROUPS} groups per interface and family, bounded source lists; {@code release()} returns
 * every buffer to the pool. IPv6's bounds are {@code Ipv6Config}'s: neighbours per interface and packets queued per
 * neighbour, reassembly slots, path MTU entries; {@code Ipv6Interface.MAX_ADDRESSES} addresses per interface.
 * ARP, reassembly, IGMP, neighbour discovery and DAD run on the stack's {@code TimerQueue}. Counters
 * ({@code IpCounters}) are named after MIB-II, RFC 4293 and Linux's /proc/net/snmp and snmp6.
 *
 * <p>May use {@code link}, {@code buffer}, {@code wire} and {@code util}; knows no transport but through
 * {@code Ipv4Protocol} and {@code Ipv6Protocol}.
 */
package org.jbypass.netstack.ip;
