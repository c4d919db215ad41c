package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;
import static org.jbypass.jcstress.WireFrames.MAC_B;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A wire that holds the sender's buffers until the receiver copied them ({@code holdTransmitBuffers}): one stack's
 * thread transmits three frames and then frees what was given back (an empty transmit), while the other stack's
 * thread receives once and closes its port, which gives back the frames its queue still holds, and any the sender
 * publishes after the close is taken back by the sender. Whatever the interleaving, every frame the receiver saw
 * was whole and in order, and once the sender's port closed too both pools are whole: no buffer lost to the race
 * between a receiver's completions, its close, and the sender's offers and frees.
 */
@JCStressTest
@Description("MemoryWire held transmit buffers: completions, the receiver's close and the sender's frees racing")
@Outcome(id = {"0, 1", "1, 1", "2, 1", "3, 1"}, expect = Expect.ACCEPTABLE,
    desc = "The receiver saw a prefix, whole and in order; every buffer back in its pool.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A frame was torn or reordered, or a buffer was lost or freed twice.")
@State
public class MemoryWireHeldBufferTest
{
    private final PacketPool producerPool = WireFrames.pool(8);
    private final PacketPool consumerPool = WireFrames.pool(4);
    private final MemoryWire wire = MemoryWire.builder().mtu(WireFrames.MTU).queueCapacity(4)
        .holdTransmitBuffers(true).build();
    private final MemoryWire.Port producer = wire.attach(producerPool, MAC_A);
    private final MemoryWire.Port consumer = wire.attach(consumerPool, MAC_B);
    private final PacketBurst transmit = new PacketBurst(1);
    private final PacketBurst receive = new PacketBurst(3);
    private final int[] last = {-1};
    private int seen;
    private boolean bad;
    private RuntimeException failure;

    @Actor
    public void produce()
    {
        try
        {
            for (int sequence = 0; sequence < 3; sequence++)
            {
                WireFrames.send(producer, transmit, MAC_B, 0, sequence);
            }
            producer.transmit(0, transmit);
        }
        catch (final RuntimeException e)
        {
            failure = e;
        }
    }

    @Actor
    public void consume()
    {
        final int count = WireFrames.receive(consumer, receive, last);
        if (count < 0)
        {
            bad = true;
        }
        else
        {
            seen = count;
        }
        receive.releaseAll(consumerPool);
        consumer.close();
    }

    @Arbiter
    public void check(final II_Result result)
    {
        try
        {
            producer.transmit(0, transmit);
            producer.close();
        }
        catch (final RuntimeException e)
        {
            failure = e;
        }
        result.r1 = seen;
        result.r2 = !bad && failure == null && producerPool.inUse() == 0 && consumerPool.inUse() == 0 ? 1 : 0;
    }
}
