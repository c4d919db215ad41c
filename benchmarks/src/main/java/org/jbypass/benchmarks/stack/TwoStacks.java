package org.jbypass.benchmarks.stack;

import java.util.function.BooleanSupplier;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;

/**
 * Two stacks on a {@link MemoryWire} that moves each frame with one copy, as a NIC's DMA does
 * ({@link MemoryWire.Builder#holdTransmitBuffers}), A at 198.18.0.1 and B at 198.18.0.2 on one /24, driven by the
 * calling thread with a simulated clock, as the stack's two-stack tests drive them. A {@link #step()} moves the clock by
 * {@value #STEP_NANOS} ns and polls A, then B: what A's sockets queued since the last step goes out on A's poll
 * and is received and delivered to B's sockets on B's, and what B's sockets sent (ACKs) reaches A on the next step.
 */
final class TwoStacks implements AutoCloseable
{
    static final int IP_A = Ipv4Address.parse("198.18.0.1");
    static final int IP_B = Ipv4Address.parse("198.18.0.2");
    /** Simulated time per step: timers (delayed ACKs, RTOs, ARP ageing) run as they would at this pace. */
    static final long STEP_NANOS = 1_000;

    private static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    /** Steps {@link #stepUntil} allows before it declares the stacks stuck: 10 simulated seconds. */
    private static final int MAX_STEPS = 10_000_000;

    final Stack a;
    final Stack b;
    private long now = 1_000_000_000L;

    TwoStacks()
    {
        this(true);
    }

    /** @param gro whether software GRO coalesces what each stack receives ({@code interface.NAME.gro}) */
    TwoStacks(final boolean gro)
    {
        this(StackConfig.builder().poolBuffers(4096).seed(1).build(),
            StackConfig.builder().poolBuffers(4096).seed(2).build(), gro);
    }

    TwoStacks(final StackConfig configA, final StackConfig configB)
    {
        this(configA, configB, true);
    }

    TwoStacks(final StackConfig configA, final StackConfig configB, final boolean gro)
    {
        this(configA, configB, gro, Checksums.SOFTWARE);
    }

    /**
     * @param gro       whether software GRO coalesces what each stack receives ({@code interface.NAME.gro})
     * @param checksums who computes and verifies the TCP and UDP checksums
     */
    TwoStacks(final boolean gro, final Checksums checksums)
    {
        this(StackConfig.builder().poolBuffers(4096).seed(1).build(),
            StackConfig.builder().poolBuffers(4096).seed(2).build(), gro, checksums);
    }

    TwoStacks(final StackConfig configA, final StackConfig configB, final boolean gro, final Checksums checksums)
    {
        a = new Stack(configA, now);
        b = new Stack(configB, now);
        // Frames cross with one copy, as a NIC's DMA moves them (the sender's buffer held until the receiver copied
        // it out): the stacks' cost, not a second copy through the wire's queue.
        final MemoryWire wire = checksums == Checksums.SOFTWARE
            ? MemoryWire.builder().holdTransmitBuffers(true).build()
            : MemoryWire.builder().holdTransmitBuffers(true).capabilities(LinkCapabilities.TX_L4_CHECKSUM)
                .passPartialChecksums(true).build();
        a.addInterface("a0", wire.attach(a.pool(), MAC_A), IP_A, 24, 0).gro(gro);
        b.addInterface("b0", wire.attach(b.pool(), MAC_B), IP_B, 24, 0).gro(gro);
        step();
    }

    /** Who computes and verifies the TCP and UDP checksums of what crosses the wire. */
    enum Checksums
    {
        /**
         * Both stacks, in software: the sender computes every checksum and the receiver verifies it, as over a
         * link without checksum offload (the memory wire's default).
         */
        SOFTWARE,
        /**
         * The link, as a veth does: the sender leaves the pseudo-header sum for the link to complete
         * (TX_L4_CHECKSUM) and the frame reaches the receiver as a partial checksum it trusts
         * (RX_L4_CHECKSUM_OK), as Linux passes CHECKSUM_PARTIAL across a veth pair and as a ConnectX computes
         * and verifies checksums in hardware. The IPv4 header checksum is still the stacks' in software.
         */
        OFFLOAD;

        /** The value a benchmark's {@code checksums} parameter names: {@code software} or {@code offload}. */
        static Checksums named(final String name)
        {
            return switch (name)
            {
                case "software" -> SOFTWARE;
                case "offload" -> OFFLOAD;
                default -> throw new IllegalArgumentException("checksums must be software or offload: " + name);
            };
        }
    }

    /** Moves the clock one step and polls A, then B. */
    void step()
    {
        now += STEP_NANOS;
        a.poll(now);
        b.poll(now);
    }

    /**
     * Steps until {@code done} holds: setting up a connection, resolving ARP, draining what is in flight.
     *
     * @throws IllegalStateException naming {@code what} if it does not hold within 10 simulated seconds
     */
    void stepUntil(final BooleanSupplier done, final String what)
    {
        for (int i = 0; !done.getAsBoolean(); i++)
        {
            if (i == MAX_STEPS)
            {
                throw new IllegalStateException("the stacks never got to: " + what + "\nA " + a.tcpCounters()
                    + "\nB " + b.tcpCounters());
            }
            step();
        }
    }

    @Override
    public void close()
    {
        a.close();
        b.close();
    }
}
