/**
 * The wire formats: flyweights that read and write protocol headers in place, in any {@link java.nio.ByteBuffer}
 * (a pool buffer, reassembly memory, a test's byte array), with absolute big-endian accessors.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.wire.EthernetHeader} (IEEE 802.3), {@link org.jbypass.netstack.wire.ArpPacket}
 *       (RFC 826), {@link org.jbypass.netstack.wire.Ipv4Header} (RFC 791),
 *       {@link org.jbypass.netstack.wire.IcmpHeader} (RFC 792), {@link org.jbypass.netstack.wire.Ipv6Header}
 *       (RFC 8200), {@link org.jbypass.netstack.wire.Icmpv6Header} (RFC 4443, with the neighbour messages' fields
 *       of RFC 4861), {@link org.jbypass.netstack.wire.NdpOptions} (RFC 4861 4.6, parsed within the message
 *       only), {@link org.jbypass.netstack.wire.UdpHeader} (RFC 768), {@link org.jbypass.netstack.wire.TcpHeader}
 *       (RFC 9293): each {@code wrap}s a region, says whether the bytes there can be read as its header
 *       ({@code isValid}, or {@code validate} naming the first fault), and reads or writes fields.</li>
 *   <li>{@link org.jbypass.netstack.wire.Checksum}: the Internet checksum (RFC 1071), its incremental update
 *       (RFC 1624), and the pseudo-headers of IPv4 and IPv6 (RFC 8200 section 8.1).</li>
 *   <li>{@link org.jbypass.netstack.wire.MacAddress}, {@link org.jbypass.netstack.wire.Ipv4Address} and
 *       {@link org.jbypass.netstack.wire.Ipv6Address}: addresses as a {@code long}, an {@code int} and two
 *       {@code long}s, with parsing, printing and the address classes any layer can tell without
 *       knowing the stack's configuration (multicast, loopback, the limited broadcast). Whether an address is a
 *       subnet's broadcast only IPv4 knows: {@code ip.Ipv4Output.isBroadcast}.</li>
 * </ul>
 *
 * <h2>Contract</h2>
 * A flyweight is reused for every packet, so reading allocates nothing. Its accessors never read outside the region
 * it wrapped: a header that claims more bytes than there are is reported invalid, never followed, so that hostile
 * input is counted and dropped by the layer that asked, and cannot throw from the middle of a burst
 * ({@code WireBoundsTest}, {@code WireFuzzTest}). Flyweights hold no state beyond the region and are not thread safe.
 *
 * <p>Knows no protocol logic and no other package of netstack but {@code util}: every layer above may use it.
 */
package org.jbypass.netstack.wire;
