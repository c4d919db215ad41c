/**
 * The contract between the stack and its drivers: how frames cross, in bursts, between the stack and a wire.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.link.Link}: the driver interface. The provider's drivers (AF_PACKET, RDMA) and
 *       the software links of {@code link.virtual} implement it; the stack's interfaces drive it.</li>
 *   <li>{@link org.jbypass.netstack.link.PacketBurst}: an off-heap array of 16-byte descriptors {buffer, length,
 *       flags, hash} in native byte order, the unit of every crossing. Native code reads and writes the same
 *       memory ({@code native/include/jbp_burst.h}), so one JNI call moves a whole burst.</li>
 *   <li>{@link org.jbypass.netstack.link.LinkCapabilities} (the offloads a link does: checksums, RSS hash, a ring
 *       the stack may look at), {@link org.jbypass.netstack.link.LinkCounters}, and
 *       {@link org.jbypass.netstack.link.LinkDecorator}, the base of a link that wraps another (after gVisor's
 *       {@code nested.Endpoint}).</li>
 * </ul>
 *
 * <h2>Contract</h2>
 * Receive is armed: before {@code receive} every slot holds a free pool buffer, and the link fills slots from 0,
 * taking the armed buffer in exchange for (or copying into it) the one that holds the frame, so that a driver
 * refills its ring without calling back into Java. Transmit accepts a prefix of the burst and owns those buffers
 * from then on; the rest move to the front of the burst for the next call. A link whose transmit ends in a system
 * call may defer it until {@code kick}, which the provider calls after releasing the stack's lock. One thread
 * drives a link at a time; only {@code wakeup} and {@code kick} may come from any thread. {@link
 * org.jbypass.netstack.link.Link} states each rule in full.
 *
 * <p>May use {@code buffer}, {@code wire} and {@code util}; knows no protocol above Ethernet.
 */
package org.jbypass.netstack.link;
