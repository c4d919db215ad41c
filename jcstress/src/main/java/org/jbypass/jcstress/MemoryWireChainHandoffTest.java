package org.jbypass.jcstress;

import static org.jbypass.jcstress.WireFrames.MAC_A;
import static org.jbypass.jcstress.WireFrames.MAC_B;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.LinkCapabilities;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.link.virtual.MemoryWire;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A wire that passes super-segments whole ({@code passChainsWhole}): one stack's thread transmits a TCP
 * super-segment, which takes four consecutive slots of the receiving queue (claimed at once, published one by one),
 * then a plain frame, while the other stack's thread receives. The receiver never takes a chain whose slots are not
 * all published: it sees nothing, the whole chain, or the chain and the frame, never a part. Result: frames the
 * consumer saw while racing, all frames once the arbiter drained the rest, and 1 when both came whole, in order,
 * with the chain's segment size and checksum state, and every buffer went back.
 */
@JCStressTest
@Description("MemoryWire handoff of a super-segment passed whole, between one producer and one consumer thread")
@Outcome(id = {"0, 2, 1", "1, 2, 1", "2, 2, 1"}, expect = Expect.ACCEPTABLE,
    desc = "The chain crossed whole, then the frame; the consumer saw a prefix of whole frames while racing.")
@Outcome(expect = Expect.FORBIDDEN, desc = "A chain was torn, or a frame lost, duplicated or reordered.")
@State
public class MemoryWireChainHandoffTest
{
    /** The super-segment: headers (54 bytes) and 200 bytes of payload, segment size 28 (MTU 68). */
    private static final int CHAIN_LENGTH = 254;
    private static final int MSS = 28;
    private static final int GSO = PacketBurst.TX_L4_CHECKSUM | PacketBurst.gso(PacketBurst.GSO_TCPV4, MSS);

    private final PacketPool producerPool = WireFrames.pool(4);
    private final PacketPool consumerPool = WireFrames.pool(8);
    private final MemoryWire wire = MemoryWire.builder().mtu(WireFrames.MTU).queueCapacity(8)
        .capabilities(LinkCapabilities.TX_TCP_SEGMENTATION).passChainsWhole(true).build();
    private final MemoryWire.Port producer = wire.attach(producerPool, MAC_A);
    private final MemoryWire.Port consumer = wire.attach(consumerPool, MAC_B);
    private final PacketBurst transmit = new PacketBurst(2);
    private final PacketBurst plain = new PacketBurst(1);
    private final PacketBurst receive = new PacketBurst(8);
    private final FrameChain chain = new FrameChain();
    private final byte[] bytes = new byte[CHAIN_LENGTH];
    private final int[] last = {-1, -1, -1};
    private int seen;
    private boolean bad;

    @Actor
    public void produce()
    {
        final ByteBuffer memory = producerPool.memory();
        final int first = producerPool.allocate();
        final int second = producerPool.allocate();
        final ByteBuffer frame = ByteBuffer.allocate(CHAIN_LENGTH);
        superSegment(frame);
        final int split = producerPool.bufferSize();
        memory.put(producerPool.offset(first), frame, 0, split);
        memory.put(producerPool.offset(second), frame, split, CHAIN_LENGTH - split);
        transmit.add(first, split, GSO | PacketBurst.CONTINUES);
        transmit.add(second, CHAIN_LENGTH - split, 0);
        producer.transmit(0, transmit);
        WireFrames.send(producer, plain, MAC_B, 0, 1);
    }

    @Actor
    public void consume(final III_Result result)
    {
        take();
        result.r1 = seen;
    }

    @Arbiter
    public void drain(final III_Result result)
    {
        take();
        result.r2 = seen;
        result.r3 = bad || producerPool.inUse() != 0 || consumerPool.inUse() != 0 ? 0 : 1;
    }

    /** Receives what is waiting: first the chain (whole), then the plain frame (sender 0, number 1). */
    private void take()
    {
        final ByteBuffer memory = consumerPool.memory();
        receive.arm(consumerPool);
        final int count = consumer.receive(0, receive);
        for (int i = 0; i < count; )
        {
            if (seen == 0)
            {
                final int flags = receive.flags(i);
                if (!chain.wrap(consumerPool, receive, i) || chain.length() != CHAIN_LENGTH
                    || PacketBurst.gsoSize(flags) != MSS || (flags & PacketBurst.RX_L4_CHECKSUM_PARTIAL) == 0)
                {
                    bad = true;
                    break;
                }
                chain.copyOut(0, ByteBuffer.wrap(bytes), 0, CHAIN_LENGTH);
                final ByteBuffer expected = ByteBuffer.allocate(CHAIN_LENGTH);
                superSegment(expected);
                bad |= !expected.equals(ByteBuffer.wrap(bytes));
                i += chain.descriptors();
            }
            else if (seen == 1)
            {
                bad |= !WireFrames.intact(memory, consumerPool.offset(receive.buffer(i)), receive.length(i), 0, 1);
                i++;
            }
            else
            {
                bad = true;
                break;
            }
            seen++;
        }
        receive.count(0);
        receive.releaseAll(consumerPool);
    }

    /** The IPv4 TCP super-segment from A to B: total length the chain's, protocol 6, payload a pattern. */
    private static void superSegment(final ByteBuffer frame)
    {
        frame.putShort(0, (short)(MAC_B >>> 32)).putInt(2, (int)MAC_B).putShort(6, (short)(MAC_A >>> 32))
            .putInt(8, (int)MAC_A).putShort(12, (short)0x0800);
        frame.put(14, (byte)0x45).putShort(16, (short)(CHAIN_LENGTH - 14)).put(22, (byte)64).put(23, (byte)6)
            .putInt(26, 0xC6120001).putInt(30, 0xC6120002);
        frame.put(46, (byte)0x50).put(47, (byte)0x10);
        for (int i = 54; i < CHAIN_LENGTH; i++)
        {
            frame.put(i, (byte)(i * 7));
        }
    }
}
