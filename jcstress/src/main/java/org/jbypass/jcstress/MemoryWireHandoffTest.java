package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;
import static org.jbypass.jcstress.WireFrames.MAC_B;

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
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * One stack's thread transmits three frames on its port while the other stack's thread receives on its own: every
 * frame crosses exactly once, whole, in order, however the two interleave. Result: frames the consumer saw while
 * racing the producer, all frames seen once the arbiter drained the rest, and 1 when none was damaged, repeated or
 * out of order.
 */
@JCStressTest
@Description("MemoryWire handoff between one producer thread and one consumer thread")
@Outcome(id = {"0, 3, 1", "1, 3, 1", "2, 3, 1", "3, 3, 1"}, expect = Expect.ACCEPTABLE,
    desc = "Every frame crossed once, whole and in order; the consumer saw a prefix while racing.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A frame was lost, duplicated, reordered or torn.")
@State
public class MemoryWireHandoffTest
{
    private final PacketPool producerPool = WireFrames.pool(4);
    private final PacketPool consumerPool = WireFrames.pool(4);
    private final MemoryWire wire = WireFrames.wire(4);
    private final MemoryWire.Port producer = wire.attach(producerPool, MAC_A);
    private final MemoryWire.Port consumer = wire.attach(consumerPool, MAC_B);
    private final PacketBurst transmit = new PacketBurst(1);
    private final PacketBurst receive = new PacketBurst(3);
    private final int[] last = {-1};
    private int seen;
    private boolean bad;

    @Actor
    public void produce()
    {
        for (int sequence = 0; sequence < 3; sequence++)
        {
            WireFrames.send(producer, transmit, MAC_B, 0, sequence);
        }
    }

    @Actor
    public void consume(final III_Result result)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            take();
        }
        result.r1 = seen;
    }

    @Arbiter
    public void drain(final III_Result result)
    {
        take();
        result.r2 = seen;
        result.r3 = bad ? 0 : 1;
        receive.releaseAll(consumerPool);
        if (producerPool.inUse() != 0 || consumerPool.inUse() != 0)
        {
            result.r3 = 0;
        }
    }

    private void take()
    {
        final int count = WireFrames.receive(consumer, receive, last);
        if (count < 0)
        {
            bad = true;
        }
        else
        {
            seen += count;
        }
    }
}
