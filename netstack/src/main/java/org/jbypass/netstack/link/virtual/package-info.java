/**
 * Links made of software, for tests and for looking at traffic: virtual devices, as DPDK's {@code net_ring} and
 * {@code net_pcap} or Linux's veth and netem are.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.link.virtual.MemoryWire}: an Ethernet segment in memory joining stacks in one
 *       process, each through a port over its own pool; frames cross by copy through a bounded lock-free queue per
 *       port ({@code FrameRing}), so the stacks may run on different threads; or, with {@code holdTransmitBuffers},
 *       with one copy as a NIC's DMA, the sender's buffer held until the receiver copied it out and given back as a
 *       transmit completion ({@code TransmitCompletions}). It can do checksum offloads in
 *       software ({@code ChecksumOffload}), so that the stack's offload paths run without a NIC, and carry TCP
 *       super-segments: cut into segments on the way ({@code TcpSegmenter}, software GSO) or handed across whole as
 *       chains, as a veth does.</li>
 *   <li>{@link org.jbypass.netstack.link.virtual.ImpairedLink}: a decorator that loses, reorders, duplicates and
 *       corrupts frames of any link, driver included, from a seed ({@code SeededRandom}), so that recovery is
 *       tested repeatably; super-frames are impaired whole, and damaged so that a checksum catches it.</li>
 *   <li>{@link org.jbypass.netstack.link.virtual.PcapLink}: a decorator that records what any link receives and
 *       transmits into a pcap file ({@link org.jbypass.netstack.link.virtual.PcapWriter}) stamped with the stack's
 *       time, a super-frame as one record, without changing what the link offers.</li>
 * </ul>
 *
 * <h2>Contract</h2>
 * Each keeps both burst contracts of {@code link.Link} exactly and the pool's ownership rules: held or staged
 * frames go back to the pool on {@code close} (a memory wire's held transmit buffers once the port they were sent
 * to has copied them or closed), and tests assert that no buffer leaks. Nothing on their data paths
 * allocates, so a stack over them is measured as it would run over a driver. The provider builds them from the
 * configuration (the {@code memory} driver, an interface's {@code impair.*} and {@code pcap} keys).
 *
 * <p>May use {@code link}, {@code buffer}, {@code wire} and {@code util}; nothing of IP or above.
 */
package org.jbypass.netstack.link.virtual;
