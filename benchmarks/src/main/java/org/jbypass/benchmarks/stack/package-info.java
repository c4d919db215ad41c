/**
 * The stack's cost per packet, with nothing else in the figure.
 *
 * <p>Two {@link org.jbypass.netstack.core.Stack}s are joined by a
 * {@link org.jbypass.netstack.link.virtual.MemoryWire} and driven by the benchmark's own thread through the public
 * API only: sockets, {@code poll(nowNanos)} with a simulated clock. There is no poller thread, no lock, no system
 * call, no clock read: what is left is the work the stack does per packet on both ends, plus the wire's two copies
 * of each frame (into the receiver's queue and out into its armed buffer), which a NIC does by DMA. That is the
 * floor under every driver: a packet over AF_PACKET or Direct Verbs costs this and the driver's share.
 *
 * <p>Each benchmark has a one-packet form (a poll of each stack per packet, the latency-bound case) and a burst
 * form (a poll per burst, what a busy poller sees), both reported per packet. The steady state allocates nothing:
 * {@code -prof gc} shows it.
 *
 * <p>{@code ManyConnectionsBenchmark} is the exception: it measures the tables and timers at scale (how fast many
 * connections are set up, what each one costs when idle), not a packet.
 */
package org.jbypass.benchmarks.stack;
