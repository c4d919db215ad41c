package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;
import static org.jbypass.jcstress.WireFrames.MAC_B;

import org.jbypass.netstack.link.virtual.MemoryWire;
import org.jbypass.netstack.link.PacketBurst;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * A poller that found its port empty blocks in {@code awaitReceive} with no timeout; the other stack's thread
 * transmits one frame to it. The frame's arrival must always bring the poller back and be received.
 */
@JCStressTest(Mode.Termination)
@Description("MemoryWire: a frame's arrival is never missed by a poller about to block")
@Outcome(id = "TERMINATED", expect = Expect.ACCEPTABLE, desc = "The poller woke up and received the frame.")
@Outcome(id = "STALE", expect = Expect.FORBIDDEN, desc = "The arrival was missed: the poller blocks for good.")
@State
public class MemoryWireArrivalWakeupTest
{
    private final MemoryWire wire = WireFrames.wire(2);
    private final MemoryWire.Port poller = wire.attach(WireFrames.pool(2), MAC_B);
    private final MemoryWire.Port sender = wire.attach(WireFrames.pool(1), MAC_A);
    private final PacketBurst receive = new PacketBurst(1);
    private final PacketBurst transmit = new PacketBurst(1);
    private final int[] last = {-1};

    @Actor
    public void poll()
    {
        while (WireFrames.receive(poller, receive, last) == 0)
        {
            poller.awaitReceive(Long.MAX_VALUE);
        }
    }

    @Signal
    public void transmit()
    {
        WireFrames.send(sender, transmit, MAC_B, 0, 0);
    }
}
