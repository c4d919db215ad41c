/**
 * UDP (RFC 768, with the host requirements of RFC 1122 section 4.1), as Linux's behaves for an application.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.udp.UdpLayer}: the {@code Ipv4Protocol} for protocol 17. Validates datagrams
 *       (length, checksum unless the link verified it), finds the socket through a table indexed by local port
 *       (best match: connected, then bound address, then wildcard), gives a broadcast datagram to every socket on
 *       its port (4.1.3.6), answers a unicast datagram no socket wants with the verdict "port unreachable" for IPv4
 *       to send (4.1.3.1), and turns ICMP errors into errors of connected sockets only, as Linux without
 *       {@code IP_RECVERR} (4.1.3.3).</li>
 *   <li>{@link org.jbypass.netstack.udp.UdpSocket}: bind (ephemeral ports per RFC 6056), connect, send and receive,
 *       each non-blocking and returning a count or {@code -errno}; broadcast only with {@code SO_BROADCAST}
 *       (EACCES otherwise); a socket bound to a broadcast or multicast address receives there and sends from its
 *       interface's address.</li>
 *   <li>Multicast: a socket joins groups per interface, for any source or for some (the Linux options
 *       IP_ADD_MEMBERSHIP, IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE and their inverses, with Linux's errors); a
 *       datagram to a group goes to every socket on its port (bound to the wildcard or the group) that joined it on
 *       the interface it came in on and whose filter lets its source in (and to no other: as the JDK sets
 *       IP_MULTICAST_ALL off). Sending to a group uses IP_MULTICAST_IF, IP_MULTICAST_TTL (1) and
 *       IP_MULTICAST_LOOP (on). IPv6 groups the same way on an IPv6 socket ({@code joinGroup6}, {@code joinSource6}
 *       and the rest; IPV6_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP, MCAST_BLOCK_SOURCE), the TTL being the hop limit
 *       (IPV6_MULTICAST_HOPS); one implementation for both, the memberships holding IPv4 groups IPv4-mapped.</li>
 *   <li>{@code DatagramQueue}: a socket's receive buffer, a byte ring of records; a datagram that does not fit is
 *       dropped whole and counted ({@code rcvbufErrors}, {@code drops()}). A record from an IPv6 source carries
 *       its sixteen address bytes after the IPv4 record's header.</li>
 *   <li>IPv6 (RFC 8200 section 8.1): {@code UdpLayer} is the {@code Ipv6Protocol} for next header 17 too. The
 *       checksum covers IPv6's pseudo-header and is mandatory: a zero one is dropped and counted
 *       ({@code inZeroChecksums6}). A socket opened with {@code open6} (AF_INET6) binds, connects and sends to
 *       IPv6 addresses ({@code bind6}, {@code connect6}, {@code send6}); bound to {@code ::} without IPV6_V6ONLY it
 *       receives IPv4 too (RFC 3493 section 3.7) and tells the sources apart ({@code lastSourceIs6}); to an
 *       IPv4-mapped address it sends over IPv4. ICMPv6 destination unreachable becomes a connected socket's
 *       error, as Linux's {@code icmpv6_err_convert} words it. Datagrams to a group arrive through
 *       {@code receiveMulticast6} and go out through {@code Ipv6MulticastOutput.sendMulticast6}.</li>
 * </ul>
 *
 * <h2>Memory</h2>
 * Sending copies the payload straight into a pool buffer and hands it to IPv4: UDP keeps no send queue. A datagram
 * larger than one frame is built in the layer's 64 KiB scratch memory and fragmented by IPv4. Received payloads are
 * copied into the socket's queue, so no pool buffer outlives its burst and a slow reader never starves the driver;
 * a unicast super-datagram that arrived as a chain of buffers (UDP_SEGMENT, GSO_UDP_L4) is taken in place
 * ({@code receiveChain}, {@code receiveChain6}): its checksum summed over the chain, each datagram copied straight
 * from the chain into the queue. Demultiplexing and delivery allocate nothing.
 *
 * <p>May use {@code transport}, {@code ip} (only {@code Ipv4Output}, {@code Ipv4MulticastOutput},
 * {@code MulticastMembership}, {@code Ipv4Protocol}, {@code Ipv6Output}, {@code Ipv6MulticastOutput} and
 * {@code Ipv6Protocol}), {@code link}'s flag bits and {@code FrameChain}, {@code buffer}, {@code wire} and
 * {@code util}.
 */
package org.jbypass.netstack.udp;
