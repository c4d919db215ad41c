package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;
import static org.jbypass.jcstress.WireFrames.MAC_B;
import static org.jbypass.jcstress.WireFrames.MAC_C;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.PacketBurst;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Two stacks transmit to a third at the same time (the wire as a small switch): the producers contend for the slots
 * of the receiving queue (the CAS on its tail). Every frame arrives once, whole, in its sender's order. Two actors
 * only, so that the test runs on two CPUs; {@link MemoryWireHandoffTest} races a consumer against a producer.
 */
@JCStressTest
@Description("MemoryWire handoff from two producer threads into one receive queue")
@Outcome(id = "4, 1", expect = Expect.ACCEPTABLE, desc = "Every frame crossed once, whole and in its sender's order.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A frame was lost, duplicated, reordered or torn.")
@State
public class MemoryWireTwoProducersTest
{
    private final PacketPool poolA = WireFrames.pool(2);
    private final PacketPool poolB = WireFrames.pool(4);
    private final PacketPool poolC = WireFrames.pool(2);
    private final MemoryWire wire = WireFrames.wire(4);
    private final MemoryWire.Port a = wire.attach(poolA, MAC_A);
    private final MemoryWire.Port b = wire.attach(poolB, MAC_B);
    private final MemoryWire.Port c = wire.attach(poolC, MAC_C);
    private final PacketBurst transmitA = new PacketBurst(1);
    private final PacketBurst transmitC = new PacketBurst(1);
    private final PacketBurst receive = new PacketBurst(4);

    @Actor
    public void produceA()
    {
        WireFrames.send(a, transmitA, MAC_B, 1, 0);
        WireFrames.send(a, transmitA, MAC_B, 1, 1);
    }

    @Actor
    public void produceC()
    {
        WireFrames.send(c, transmitC, MAC_B, 2, 0);
        WireFrames.send(c, transmitC, MAC_B, 2, 1);
    }

    @Arbiter
    public void consume(final II_Result result)
    {
        final int[] last = {-1, -1, -1};
        final int count = WireFrames.receive(b, receive, last);
        result.r1 = count;
        result.r2 = count == 4 && last[1] == 1 && last[2] == 1 && b.overruns() == 0
            && poolA.inUse() + poolB.inUse() + poolC.inUse() == 0 ? 1 : 0;
    }
}
