/**
 * The links that reach a real network: {@link org.jbypass.netstack.link.Link}s over jbypass's native drivers.
 *
 * <p>{@link org.jbypass.provider.driver.AfPacketLink} drives a Linux netdev through an AF_PACKET socket and its
 * memory-mapped rings (any Ethernet device, the kernel still in the path); {@link org.jbypass.provider.driver.RdmaLink}
 * drives a ConnectX port's own rings through libibverbs and mlx5 Direct Verbs (the kernel out of the path). Each is
 * configured by its options class ({@code AfPacketOptions}, {@code RdmaOptions}), which parses and validates the
 * configuration keys and names the key that is wrong.
 *
 * <p>Native code is reached through one binding class per driver ({@code AfPacketNative}, {@code RdmaNative}), whose
 * natives {@link org.jbypass.provider.driver.NativeLibrary} registers when it loads {@code libjbypass.so}. Both
 * bindings keep one contract (docs/ARCHITECTURE.md, "Native contract"): a native returns a count, a handle or
 * {@code -errno} and never throws; object arguments are checked on the native side; the hot natives take only
 * primitives and cross JNI once per burst; what went wrong beyond errno comes back at open in arrays the link
 * allocates, later in the handle's error text. The link, not the native, applies the contract of
 * {@link org.jbypass.netstack.link.Link#transmit} ({@link org.jbypass.netstack.link.PacketBurst#retainUnaccepted}),
 * and turns errors into {@link org.jbypass.provider.driver.DriverException}s that say what to do.
 *
 * <p>Packet memory never leaves the stack's pool: the drivers are handed its address once, and bursts cross as the
 * address of their descriptors. Counters are native memory the links read as direct buffers, without a call.
 */
package org.jbypass.provider.driver;
