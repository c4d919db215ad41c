package org.jbypass.netstack.link.virtual;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.link.Link;
import org.jbypass.netstack.link.LinkDecorator;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * A decorator that makes any {@link Link} lossy: frames are lost, reordered, duplicated and corrupted, each with a
 * probability, on receive, on transmit or both, so that the stack's recovery (TCP retransmission, reassembly,
 * checksums) is tested on demand, repeatably.
 *
 * <h2>What happens to a frame</h2>
 * Every frame draws the same six numbers from a generator seeded by {@link Config#seed}, whatever happens to it, so
 * a seed gives the same decisions for the same sequence of frames (per direction and queue: interleaving receive and
 * transmit differently changes nothing). In order:
 * <ol>
 *   <li>loss: the frame's buffer goes back to the pool;</li>
 *   <li>duplication: a copy (into a buffer from the pool; skipped and counted when the pool is empty) follows the
 *       frame;</li>
 *   <li>corruption: {@link Config#corruptBits} bits flip in the frame (the copy stays intact). By default only
 *       within the IPv4 datagram of IPv4 frames and the payload after the fixed header of IPv6 frames, the bytes
 *       the IPv4, ICMP, ICMPv6, TCP and UDP checksums cover, so that a single flip is always detectable (RFC 1071);
 *       {@link Config#corruptWholeFrame} lets it hit any byte of any
 *       frame. A corrupted received frame loses its {@code RX_*_CHECKSUM_OK} flags (a NIC would have seen the bad
 *       checksum), and a transmitted frame that asked for checksum offload has its checksums computed first, then
 *       is corrupted (the damage happens on the wire, after the NIC);</li>
 *   <li>reordering: the frame is held back until 1 to {@link Config#reorderDistance} later frames have overtaken
 *       it, or {@link Config#maxHoldCalls} calls into the link have passed, whichever comes first. At most
 *       {@link Config#maxHeld} frames are held per queue and direction; beyond that a frame is not reordered (and
 *       that is counted).</li>
 * </ol>
 *
 * <h2>Contracts</h2>
 * The receive contract holds: the caller's armed buffers are lent to the inner link through an internal burst,
 * frames come back in the caller's slots from 0, and slots not filled hold armed buffers again. The transmit
 * contract holds: this link accepts a frame only when it has room to stage it (and its duplicate), owns it from then
 * on, and hands staged frames to the inner link in order; frames the inner link refuses stay staged and go first
 * next time (on the next transmit or receive call), so back-pressure reaches the caller once the stage is full.
 * Every buffer the link holds (staged, held, ready for delivery) goes back to the pool on {@link #close()}, before
 * the inner link is closed.
 *
 * <h2>Chained frames</h2>
 * A super-frame (a chain of buffers, see {@link PacketBurst}; on transmit also a single buffer whose flags carry a
 * GSO type) is impaired as one frame, received or transmitted: lost whole, duplicated whole (a copy of every
 * buffer), never held back for reordering (counted in {@link Counters#chainsNotReordered}), delivered whole and
 * never cut at the end of the caller's burst, and corrupted as a wire would damage it, anywhere in its datagram,
 * any buffer of the chain. Its checksum is no longer partial then: before the flip, the IPv4 and the TCP or UDP
 * checksums are written in full over the whole chain ({@code ChecksumOffload.completeChain}), and every checksum
 * flag goes (RX_*_OK and RX_L4_CHECKSUM_PARTIAL on receive, TX_L3/TX_L4_CHECKSUM on transmit; the GSO type and size
 * stay). So the damage is always one a checksum catches, never one hidden by a checksum computed afterwards:
 * <ul>
 *   <li>a link that passes super-frames whole (a veth, the memory wire's {@code passChainsWhole} mode) delivers it
 *       without checksum flags, and the receiving stack's own checksum over the whole chain drops it;</li>
 *   <li>a link that segments it (afpacket's kernel GSO, the segmenting memory wire, a NIC's TSO) would compute
 *       every segment's checksum afresh, so it takes only super-segments with a partial checksum and refuses this
 *       one, counted in its {@code txDropped}: there the damage is a loss.</li>
 * </ul>
 *
 * <p>Driven by one thread at a time, like any link; nothing is allocated per frame.
 */
public final class ImpairedLink extends LinkDecorator
{
    /** Where impairments apply. */
    public enum Direction
    {
        RECEIVE, TRANSMIT, BOTH
    }

    private static final int RX_CHECKSUM_FLAGS = PacketBurst.RX_L3_CHECKSUM_OK | PacketBurst.RX_L4_CHECKSUM_OK;
    private static final int TX_CHECKSUM_FLAGS = PacketBurst.TX_L3_CHECKSUM | PacketBurst.TX_L4_CHECKSUM;
    /** The fixed IPv6 header's length (RFC 8200 section 3). */
    private static final int IPV6_HEADER = 40;

    private final PacketPool pool;
    private final ByteBuffer memory;
    private final double loss;
    private final double duplicate;
    private final double corrupt;
    private final double reorder;
    private final int reorderDistance;
    private final int maxHeld;
    private final int maxHoldCalls;
    private final int corruptBits;
    private final boolean corruptWholeFrame;
    private final boolean impairReceive;
    private final boolean impairTransmit;
    private final Direction direction;
    private final long seed;
    private final Receiver[] receivers;
    private final Transmitter[] transmitters;
    private final Counters rxCounters = new Counters();
    private final Counters txCounters = new Counters();
    private final ChecksumOffload offload = new ChecksumOffload();
    /** The super-frame being corrupted. */
    private final FrameChain damaged = new FrameChain();

    /** A chain's duplicate buffers while they are made (at most a burst's worth: the stage's capacity). */
    private final int[] dupBuffers;
    private int dupCount;
    /** Calls into the link so far: the clock that bounds how long a frame is held. */
    private long calls;
    private boolean closed;

    /**
     * @param inner  the link to impair; this link owns it from now on and closes it
     * @param config the probabilities and the seed (copied: later changes to it do not matter)
     */
    public ImpairedLink(final Link inner, final Config config)
    {
        super(inner);
        this.pool = inner.pool();
        this.memory = pool.memory();
        this.loss = config.loss;
        this.duplicate = config.duplicate;
        this.corrupt = config.corrupt;
        this.reorder = config.reorder;
        this.reorderDistance = config.reorderDistance;
        this.maxHeld = config.maxHeld;
        this.maxHoldCalls = config.maxHoldCalls;
        this.corruptBits = config.corruptBits;
        this.corruptWholeFrame = config.corruptWholeFrame;
        this.direction = config.direction;
        this.impairReceive = config.direction != Direction.TRANSMIT;
        this.impairTransmit = config.direction != Direction.RECEIVE;
        this.seed = config.seed;
        this.dupBuffers = new int[config.stageCapacity];
        this.receivers = new Receiver[impairReceive ? inner.rxQueueCount() : 0];
        for (int q = 0; q < receivers.length; q++)
        {
            receivers[q] = new Receiver(config, SeededRandom.derive(config.seed, 2L * q));
        }
        this.transmitters = new Transmitter[impairTransmit ? inner.txQueueCount() : 0];
        for (int q = 0; q < transmitters.length; q++)
        {
            transmitters[q] = new Transmitter(config, SeededRandom.derive(config.seed, 2L * q + 1));
        }
    }

    /** A configuration with nothing impaired yet, seed 0, both directions. */
    public static Config config()
    {
        return new Config();
    }


    /** What was done to received frames. */
    public Counters rxImpairments()
    {
        return rxCounters;
    }

    /** What was done to transmitted frames. */
    public Counters txImpairments()
    {
        return txCounters;
    }

    /** How many frames this link holds now (held back, staged or waiting for delivery); 0 after close. */
    public int framesHeld()
    {
        int frames = 0;
        for (final Receiver receiver : receivers)
        {
            frames += receiver.ready.size() + receiver.held.size();
        }
        for (final Transmitter transmitter : transmitters)
        {
            frames += transmitter.stage.count() + transmitter.held.size();
        }
        return frames;
    }

    @Override
    protected String kind()
    {
        return "impaired";
    }






    @Override
    public PacketPool pool()
    {
        return pool;
    }

    @Override
    public int receive(final int queue, final PacketBurst burst)
    {
        calls++;
        if (impairTransmit)
        {
            // Frames held or staged for transmission move on with the calls, even when the stack sends nothing.
            for (int q = 0; q < transmitters.length; q++)
            {
                service(q, transmitters[q]);
            }
        }
        if (!impairReceive || closed)
        {
            return inner.receive(queue, burst);
        }
        final Receiver receiver = receivers[queue];
        final FrameQueue ready = receiver.ready;
        receiver.held.releaseDue(calls, ready);
        final int armed = Bursts.armedSlots(burst);
        // New frames from the inner link are bounded so that each, its duplicate and every held frame fit.
        final int wanted = Math.min(Math.min(armed - ready.size(), receiver.stage.capacity()),
            (ready.free() - maxHeld) / 2);
        if (wanted > 0)
        {
            final PacketBurst stage = receiver.stage;
            final int lentFrom = armed - wanted;
            for (int i = 0; i < wanted; i++)
            {
                stage.set(i, burst.buffer(lentFrom + i), 0, 0);
                burst.set(lentFrom + i, PacketPool.NO_BUFFER, 0, 0);
            }
            stage.count(0);
            final int received = inner.receive(queue, stage);
            for (int i = 0; i < received; )
            {
                final int chain = stage.chainLength(i);
                if (chain == 1)
                {
                    impair(rxCounters, receiver.random, receiver.held, ready, null, stage.buffer(i), stage.length(i),
                        stage.flags(i), stage.hash(i), false);
                    stage.set(i, PacketPool.NO_BUFFER, 0, 0);
                    i++;
                }
                else
                {
                    // A chain the inner link cut at the end of the burst (never from a correct one) stays a chain
                    // for the stack to drop and count.
                    final int n = chain == 0 ? received - i : chain;
                    impairChain(rxCounters, receiver.random, receiver.held, ready, stage, i, n, null);
                    i += n;
                }
            }
            for (int i = received; i < wanted; i++)
            {
                final int buffer = stage.buffer(i);
                if (buffer != PacketPool.NO_BUFFER)
                {
                    pool.free(buffer);
                    stage.set(i, PacketPool.NO_BUFFER, 0, 0);
                }
            }
            stage.count(0);
        }
        int delivered = 0;
        while (delivered < armed && !ready.isEmpty())
        {
            // A chain never crosses the end of a burst: it waits for the next receive, or, longer than the
            // caller's whole burst, is dropped as a driver would drop it.
            final int chain = ready.headChainLength();
            if (chain > armed)
            {
                ready.dropHead(chain, pool);
                rxCounters.chainsTooLong++;
                continue;
            }
            if (delivered + chain > armed)
            {
                break;
            }
            for (int i = 0; i < chain; i++)
            {
                final int armedBuffer = burst.buffer(delivered);
                if (armedBuffer != PacketPool.NO_BUFFER)
                {
                    pool.free(armedBuffer);
                }
                ready.removeInto(burst, delivered);
                delivered++;
            }
        }
        // Slots lent to the inner link and not filled are armed again, as the caller left them.
        for (int i = delivered; i < armed; i++)
        {
            if (burst.buffer(i) == PacketPool.NO_BUFFER)
            {
                final int buffer = pool.allocate();
                if (buffer == PacketPool.NO_BUFFER)
                {
                    break;
                }
                burst.set(i, buffer, 0, 0);
            }
        }
        burst.count(delivered);
        return delivered;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Impaired on transmit, this link delays, reorders and duplicates on purpose and counts nothing done: the
     * stack may move a flow between its queues at any time (as on a link with one ordered wire).
     */
    @Override
    public long transmitDone(final int queue)
    {
        return impairTransmit ? Long.MAX_VALUE : inner.transmitDone(queue);
    }

    @Override
    public int transmit(final int queue, final PacketBurst burst)
    {
        calls++;
        if (!impairTransmit || closed)
        {
            return inner.transmit(queue, burst);
        }
        final Transmitter transmitter = transmitters[queue];
        final PacketBurst stage = transmitter.stage;
        service(queue, transmitter);
        final int count = burst.count();
        int accepted = 0;
        // Room for the frame (a chain: all its buffers) and its duplicate; held frames that fall due wait in the
        // held list if need be.
        while (accepted < count)
        {
            final int chain = burst.chainLength(accepted);
            // A chain cut by the end of the burst (never from a correct caller) goes on as it is, for the inner
            // link to drop and count.
            final int n = chain == 0 ? count - accepted : chain;
            if (2 * n > stage.capacity())
            {
                // A chain that the stage could never hold with its duplicate: dropped, as too long a frame is.
                for (int i = accepted; i < accepted + n; i++)
                {
                    pool.free(burst.buffer(i));
                    burst.set(i, PacketPool.NO_BUFFER, 0, 0);
                }
                txCounters.chainsTooLong++;
                accepted += n;
                continue;
            }
            if (stage.capacity() - stage.count() < 2 * n)
            {
                break;
            }
            // A super-segment that fits one buffer is still one (the inner link segments it and computes its
            // checksums afresh): only a plain frame may be corrupted.
            if (n == 1 && PacketBurst.gsoType(burst.flags(accepted)) == PacketBurst.GSO_NONE)
            {
                impair(txCounters, transmitter.random, transmitter.held, null, stage, burst.buffer(accepted),
                    burst.length(accepted), burst.flags(accepted), burst.hash(accepted), true);
            }
            else
            {
                impairChain(txCounters, transmitter.random, transmitter.held, null, burst, accepted, n, stage);
            }
            accepted += n;
        }
        Bursts.removeAccepted(burst, accepted);
        flush(queue, stage);
        return accepted;
    }

    /** Releases held frames that fell due into the stage and hands the stage to the inner link. */
    private void service(final int queue, final Transmitter transmitter)
    {
        transmitter.held.releaseDue(calls, transmitter.stage);
        flush(queue, transmitter.stage);
    }

    private void flush(final int queue, final PacketBurst stage)
    {
        final int count = stage.count();
        if (count > 0)
        {
            final int accepted = inner.transmit(queue, stage);
            // The inner link moved what it refused to the front; keep the rest of the stage empty whatever it did.
            Bursts.clear(stage, count - accepted, count);
            stage.count(count - accepted);
        }
    }

    /**
     * Decides a frame's fate and carries it out: the frame ends up lost (freed), held, or emitted (with its
     * duplicate) into {@code ready} (receive) or {@code stage} (transmit).
     */
    private void impair(final Counters counters, final SeededRandom random, final HeldFrames held,
        final FrameQueue ready, final PacketBurst stage, final int buffer, final int length, final int flags,
        final int hash, final boolean transmit)
    {
        // Always six draws, so that a frame's decisions depend on its position in the sequence and nothing else.
        final boolean lose = random.nextDouble() < loss;
        final boolean copy = random.nextDouble() < duplicate;
        final boolean damage = random.nextDouble() < corrupt;
        final boolean holdBack = random.nextDouble() < reorder;
        final int distance = 1 + random.nextInt(reorderDistance);
        final long damageBits = random.nextLong();

        counters.frames++;
        if (lose)
        {
            counters.lost++;
            pool.free(buffer);
            return;
        }
        int duplicateBuffer = PacketPool.NO_BUFFER;
        if (copy)
        {
            duplicateBuffer = pool.allocate();
            if (duplicateBuffer == PacketPool.NO_BUFFER)
            {
                counters.duplicateNoBuffer++;
            }
            else
            {
                pool.copy(buffer, duplicateBuffer, length);
                counters.duplicated++;
            }
        }
        int frameFlags = flags;
        if (damage)
        {
            if (transmit && (flags & TX_CHECKSUM_FLAGS) != 0)
            {
                offload.complete(memory, pool.offset(buffer), length, flags & TX_CHECKSUM_FLAGS);
                frameFlags &= ~TX_CHECKSUM_FLAGS;
            }
            if (flipBits(pool.offset(buffer), length, damageBits))
            {
                counters.corrupted++;
                if (!transmit)
                {
                    frameFlags &= ~(RX_CHECKSUM_FLAGS | PacketBurst.RX_L4_CHECKSUM_PARTIAL);
                }
            }
        }
        boolean emitted = false;
        if (holdBack && held.size() < maxHeld)
        {
            counters.reordered++;
            held.add(buffer, length, frameFlags, hash, distance, calls + maxHoldCalls);
        }
        else
        {
            if (holdBack)
            {
                counters.reorderHeldFull++;
            }
            emit(ready, stage, buffer, length, frameFlags, hash);
            emitted = true;
        }
        if (duplicateBuffer != PacketPool.NO_BUFFER)
        {
            emit(ready, stage, duplicateBuffer, length, flags, hash);
            emitted = true;
        }
        if (emitted)
        {
            // A frame went past the held ones (a held frame's own duplicate included).
            held.overtaken();
            if (ready != null)
            {
                held.releaseDue(calls, ready);
            }
            else
            {
                held.releaseDue(calls, stage);
            }
        }
    }

    /**
     * The impairments of a chained frame (a super-frame, see {@link PacketBurst}), received or transmitted, in
     * slots {@code first..first+n-1} of the stage: the same six draws as a frame; lost, duplicated (a copy of every
     * buffer) and corrupted ({@link #flipChainBits}) as a whole. It is never held back: a chain is not reordered
     * (counted).
     */
    private void impairChain(final Counters counters, final SeededRandom random, final HeldFrames held,
        final FrameQueue ready, final PacketBurst stage, final int first, final int n, final PacketBurst txStage)
    {
        final boolean lose = random.nextDouble() < loss;
        final boolean copy = random.nextDouble() < duplicate;
        final boolean damage = random.nextDouble() < corrupt;
        final boolean holdBack = random.nextDouble() < reorder;
        random.nextInt(reorderDistance);
        final long damageBits = random.nextLong();

        counters.frames++;
        counters.chains++;
        final int end = first + n;
        if (lose)
        {
            counters.lost++;
            for (int i = first; i < end; i++)
            {
                pool.free(stage.buffer(i));
                stage.set(i, PacketPool.NO_BUFFER, 0, 0);
            }
            return;
        }
        // The duplicate first, so that it stays intact when the original is corrupted.
        boolean duplicated = false;
        if (copy)
        {
            duplicated = ready == null || ready.free() >= 2 * n; // the transmit stage has room for both
            for (int i = first; duplicated && i < end; i++)
            {
                final int buffer = pool.allocate();
                if (buffer == PacketPool.NO_BUFFER)
                {
                    duplicated = false;
                    break;
                }
                pool.copy(stage.buffer(i), buffer, stage.length(i));
                dupBuffers[i - first] = buffer;
                dupCount = i - first + 1;
            }
            if (!duplicated)
            {
                for (int i = 0; i < dupCount; i++)
                {
                    pool.free(dupBuffers[i]);
                }
                counters.duplicateNoBuffer++;
            }
            else
            {
                counters.duplicated++;
            }
        }
        final int originalFlags = stage.flags(first);
        int flags = originalFlags;
        if (damage && flipChainBits(stage, first, damageBits))
        {
            counters.corrupted++;
            counters.chainsCorrupted++;
            flags &= ~(RX_CHECKSUM_FLAGS | PacketBurst.RX_L4_CHECKSUM_PARTIAL | TX_CHECKSUM_FLAGS);
        }
        if (holdBack)
        {
            counters.chainsNotReordered++;
        }
        for (int i = first; i < end; i++)
        {
            emit(ready, txStage, stage.buffer(i), stage.length(i), i == first ? flags : stage.flags(i),
                stage.hash(i));
        }
        if (duplicated)
        {
            for (int i = first; i < end; i++)
            {
                emit(ready, txStage, dupBuffers[i - first], stage.length(i),
                    i == first ? originalFlags : stage.flags(i), stage.hash(i));
            }
        }
        dupCount = 0;
        for (int i = first; i < end; i++)
        {
            stage.set(i, PacketPool.NO_BUFFER, 0, 0);
        }
        held.overtaken();
        if (ready != null)
        {
            held.releaseDue(calls, ready);
        }
        else
        {
            held.releaseDue(calls, txStage);
        }
    }

    private static void emit(final FrameQueue ready, final PacketBurst stage, final int buffer, final int length,
        final int flags, final int hash)
    {
        if (ready != null)
        {
            ready.add(buffer, length, flags, hash);
        }
        else
        {
            final int slot = stage.add(buffer, length, flags);
            stage.hash(slot, hash);
        }
    }

    /**
     * Corrupts the super-frame whose chain starts at {@code first} of {@code stage}: its checksums completed over
     * the whole chain first (see "Chained frames"), then {@link #corruptBits} bits chosen by {@code bits} flipped
     * within its IPv4 datagram, in whichever buffers they fall (anywhere in the frame with
     * {@link Config#corruptWholeFrame}).
     *
     * @return false when the chain is malformed or has no byte that may be corrupted
     */
    private boolean flipChainBits(final PacketBurst stage, final int first, final long bits)
    {
        if (!damaged.wrap(pool, stage, first))
        {
            return false;
        }
        final int length = damaged.length();
        final int head = pool.offset(stage.buffer(first));
        offload.completeChain(damaged, memory, head);
        final int start;
        final int end;
        if (corruptWholeFrame)
        {
            start = 0;
            end = length;
        }
        else
        {
            if (damaged.firstLength() >= EthernetHeader.LENGTH + IPV6_HEADER
                && (memory.getShort(head + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV6)
            {
                start = EthernetHeader.LENGTH + IPV6_HEADER;
                end = ipv6PayloadEnd(head, length);
                if (end <= start)
                {
                    return false;
                }
            }
            else
            {
                if (damaged.firstLength() < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                    || (memory.getShort(head + 12) & 0xFFFF) != EthernetHeader.TYPE_IPV4)
                {
                    return false;
                }
                final int totalLength = memory.getShort(head + EthernetHeader.LENGTH + 2) & 0xFFFF;
                start = EthernetHeader.LENGTH;
                end = EthernetHeader.LENGTH + Math.max(Ipv4Header.MIN_LENGTH,
                    Math.min(totalLength, length - EthernetHeader.LENGTH));
            }
        }
        final long span = (long)(end - start) * 8;
        for (int k = 0; k < corruptBits; k++)
        {
            final long bit = ((SeededRandom.mix(bits + k * 0x9E37_79B9_7F4A_7C15L) >>> 1) % span);
            int at = start + (int)(bit >>> 3);
            int slot = first;
            while (at >= stage.length(slot))
            {
                at -= stage.length(slot);
                slot++;
            }
            final int position = pool.offset(stage.buffer(slot)) + at;
            memory.put(position, (byte)(memory.get(position) ^ (1 << (int)(bit & 7))));
        }
        return true;
    }

    /**
     * Flips {@link #corruptBits} bits chosen by {@code bits} in the frame at {@code offset}: within the IPv4
     * datagram, or anywhere with {@link Config#corruptWholeFrame}.
     *
     * @return false when the frame has no byte that may be corrupted (empty, or not IPv4 without
     *         corruptWholeFrame)
     */
    /**
     * Where the payload of the IPv6 frame at {@code offset} ends (within its {@code length}): the bytes after the
     * fixed header, which the upper layer's checksum covers (RFC 8200 section 8.1; the fixed header has no checksum
     * of its own, and a flip in its hop limit or flow label would go unnoticed, so it is spared).
     */
    private int ipv6PayloadEnd(final int offset, final int length)
    {
        final int payload = memory.getShort(offset + EthernetHeader.LENGTH + 4) & 0xFFFF;
        return EthernetHeader.LENGTH + IPV6_HEADER + Math.min(payload, length - EthernetHeader.LENGTH - IPV6_HEADER);
    }

    private boolean flipBits(final int offset, final int length, final long bits)
    {
        final int start;
        final int end;
        if (corruptWholeFrame)
        {
            if (length <= 0)
            {
                return false;
            }
            start = 0;
            end = length;
        }
        else if (length >= EthernetHeader.LENGTH + IPV6_HEADER
            && (memory.getShort(offset + 12) & 0xFFFF) == EthernetHeader.TYPE_IPV6)
        {
            start = EthernetHeader.LENGTH + IPV6_HEADER;
            end = ipv6PayloadEnd(offset, length);
            if (end <= start)
            {
                return false;
            }
        }
        else
        {
            if (length < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                || (memory.getShort(offset + 12) & 0xFFFF) != EthernetHeader.TYPE_IPV4)
            {
                return false;
            }
            // Up to the datagram's end: flipping Ethernet padding would change nothing anyone checks.
            final int totalLength = memory.getShort(offset + EthernetHeader.LENGTH + 2) & 0xFFFF;
            start = EthernetHeader.LENGTH;
            end = EthernetHeader.LENGTH + Math.max(Ipv4Header.MIN_LENGTH,
                Math.min(totalLength, length - EthernetHeader.LENGTH));
        }
        final long span = (long)(end - start) * 8;
        for (int k = 0; k < corruptBits; k++)
        {
            final long bit = ((SeededRandom.mix(bits + k * 0x9E37_79B9_7F4A_7C15L) >>> 1) % span);
            final int at = offset + start + (int)(bit >>> 3);
            memory.put(at, (byte)(memory.get(at) ^ (1 << (int)(bit & 7))));
        }
        return true;
    }

    /**
     * Returns at once while this link holds frames (they move on with calls into the link, so the caller must keep
     * calling); otherwise waits on the inner link.
     */
    @Override
    public void awaitReceive(final long timeoutNanos)
    {
        if (timeoutNanos <= 0)
        {
            return;
        }
        if (!closed && framesHeld() > 0)
        {
            return;
        }
        inner.awaitReceive(timeoutNanos);
    }


    /** The inner link's counters: what really crossed the wire. See {@link #rxImpairments()} for the rest. */

    /** Returns every frame this link holds to the pool, then closes the inner link. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            for (final Receiver receiver : receivers)
            {
                receiver.ready.freeAll(pool);
                receiver.held.freeAll(pool);
                receiver.stage.releaseAll(pool);
            }
            for (final Transmitter transmitter : transmitters)
            {
                transmitter.held.freeAll(pool);
                // A transmit burst: only the slots below the count are frames (Link#transmit).
                transmitter.stage.releaseFrames(pool);
            }
        }
        finally
        {
            inner.close();
        }
    }

    @Override
    public String toString()
    {
        return "ImpairedLink{" + inner.name() + ", " + direction + ", loss=" + loss + ", reorder=" + reorder
            + ", duplicate=" + duplicate + ", corrupt=" + corrupt + ", seed=" + seed + '}';
    }

    /** One receive queue's state. */
    private static final class Receiver
    {
        final PacketBurst stage;
        final FrameQueue ready;
        final HeldFrames held;
        final SeededRandom random;

        Receiver(final Config config, final long seed)
        {
            this.stage = new PacketBurst(config.stageCapacity);
            this.ready = new FrameQueue(2 * config.stageCapacity + 2 * config.maxHeld);
            this.held = new HeldFrames(config.maxHeld);
            this.random = new SeededRandom(seed);
        }
    }

    /** One transmit queue's state. */
    private static final class Transmitter
    {
        final PacketBurst stage;
        final HeldFrames held;
        final SeededRandom random;

        Transmitter(final Config config, final long seed)
        {
            this.stage = new PacketBurst(config.stageCapacity);
            this.held = new HeldFrames(config.maxHeld);
            this.random = new SeededRandom(seed);
        }
    }

    /** A bounded first-in first-out queue of frame descriptors. */
    static final class FrameQueue
    {
        private final int[] buffers;
        private final int[] lengths;
        private final int[] flags;
        private final int[] hashes;
        private int head;
        private int size;

        FrameQueue(final int capacity)
        {
            buffers = new int[capacity];
            lengths = new int[capacity];
            flags = new int[capacity];
            hashes = new int[capacity];
        }

        int size()
        {
            return size;
        }

        int free()
        {
            return buffers.length - size;
        }

        boolean isEmpty()
        {
            return size == 0;
        }

        void add(final int buffer, final int length, final int frameFlags, final int hash)
        {
            if (size == buffers.length)
            {
                throw new IllegalStateException("frame queue overflow: a bound was miscomputed");
            }
            final int tail = (head + size) % buffers.length;
            buffers[tail] = buffer;
            lengths[tail] = length;
            flags[tail] = frameFlags;
            hashes[tail] = hash;
            size++;
        }

        /** How many descriptors the chain at the head holds (1 for a frame in one buffer); 0 when empty. */
        int headChainLength()
        {
            int n = 0;
            while (n < size)
            {
                final int index = (head + n) % buffers.length;
                n++;
                if ((flags[index] & PacketBurst.CONTINUES) == 0)
                {
                    break;
                }
            }
            return n;
        }

        /** Returns the first {@code n} descriptors' buffers to the pool. */
        void dropHead(final int n, final PacketPool pool)
        {
            for (int i = 0; i < n; i++)
            {
                pool.free(buffers[head]);
                head = (head + 1) % buffers.length;
                size--;
            }
        }

        /** Moves the oldest frame into a burst slot. */
        void removeInto(final PacketBurst burst, final int slot)
        {
            burst.set(slot, buffers[head], lengths[head], flags[head]);
            burst.hash(slot, hashes[head]);
            head = (head + 1) % buffers.length;
            size--;
        }

        void freeAll(final PacketPool pool)
        {
            while (size > 0)
            {
                pool.free(buffers[head]);
                head = (head + 1) % buffers.length;
                size--;
            }
        }
    }

    /** Frames held back for reordering, in the order they were held, each with when it falls due. */
    static final class HeldFrames
    {
        private final int[] buffers;
        private final int[] lengths;
        private final int[] flags;
        private final int[] hashes;
        /** Frames still to overtake this one. */
        private final int[] distances;
        /** The call count at which this one is released whatever the traffic. */
        private final long[] deadlines;
        private int size;

        HeldFrames(final int capacity)
        {
            buffers = new int[capacity];
            lengths = new int[capacity];
            flags = new int[capacity];
            hashes = new int[capacity];
            distances = new int[capacity];
            deadlines = new long[capacity];
        }

        int size()
        {
            return size;
        }

        void add(final int buffer, final int length, final int frameFlags, final int hash, final int distance,
            final long deadline)
        {
            buffers[size] = buffer;
            lengths[size] = length;
            flags[size] = frameFlags;
            hashes[size] = hash;
            distances[size] = distance;
            deadlines[size] = deadline;
            size++;
        }

        /** One more frame went past every held frame. */
        void overtaken()
        {
            for (int i = 0; i < size; i++)
            {
                distances[i]--;
            }
        }

        /** Moves due frames, oldest first, into a queue while it has room. */
        void releaseDue(final long now, final FrameQueue ready)
        {
            int i = 0;
            while (i < size)
            {
                if (isDue(i, now) && ready.free() > 0)
                {
                    ready.add(buffers[i], lengths[i], flags[i], hashes[i]);
                    remove(i);
                }
                else
                {
                    i++;
                }
            }
        }

        /** Moves due frames, oldest first, into a transmit stage while it has room. */
        void releaseDue(final long now, final PacketBurst stage)
        {
            int i = 0;
            while (i < size)
            {
                if (isDue(i, now) && !stage.isFull())
                {
                    final int slot = stage.add(buffers[i], lengths[i], flags[i]);
                    stage.hash(slot, hashes[i]);
                    remove(i);
                }
                else
                {
                    i++;
                }
            }
        }

        private boolean isDue(final int i, final long now)
        {
            return distances[i] <= 0 || now - deadlines[i] >= 0;
        }

        private void remove(final int i)
        {
            final int tail = size - i - 1;
            System.arraycopy(buffers, i + 1, buffers, i, tail);
            System.arraycopy(lengths, i + 1, lengths, i, tail);
            System.arraycopy(flags, i + 1, flags, i, tail);
            System.arraycopy(hashes, i + 1, hashes, i, tail);
            System.arraycopy(distances, i + 1, distances, i, tail);
            System.arraycopy(deadlines, i + 1, deadlines, i, tail);
            size--;
        }

        void freeAll(final PacketPool pool)
        {
            for (int i = 0; i < size; i++)
            {
                pool.free(buffers[i]);
            }
            size = 0;
        }
    }

    /** What the link did to the frames of one direction. Written by the driving thread; read it from there. */
    public static final class Counters
    {
        /** Frames that went through the impairments. */
        public long frames;
        public long lost;
        public long duplicated;
        /** Duplicates not made because the pool was empty. */
        public long duplicateNoBuffer;
        public long corrupted;
        /** Frames held back and released later. */
        public long reordered;
        /** Frames drawn for reordering but passed on in order because {@link Config#maxHeld} were held already. */
        public long reorderHeldFull;
        /** Chained frames (super-frames) among {@link #frames}. */
        public long chains;
        /** Chains (super-frames) among {@link #corrupted}, their checksums completed first (see "Chained frames"). */
        public long chainsCorrupted;
        /** Chains drawn for reordering but passed on in order: a chain is never held back. */
        public long chainsNotReordered;
        /** Received chains dropped because they were longer than the caller's whole burst; transmitted chains
         * dropped because the stage could not hold one with its duplicate. */
        public long chainsTooLong;

        public String describe()
        {
            return "frames=" + frames + " lost=" + lost + " duplicated=" + duplicated + " duplicate_no_buffer="
                + duplicateNoBuffer + " corrupted=" + corrupted + " reordered=" + reordered + " reorder_held_full="
                + reorderHeldFull + " chains=" + chains + " chains_not_reordered=" + chainsNotReordered
                + " chains_too_long=" + chainsTooLong + " chains_corrupted=" + chainsCorrupted;
        }
    }

    /** The settings of an {@link ImpairedLink}; each setter checks its value and names it when it is wrong. */
    public static final class Config
    {
        private double loss;
        private double duplicate;
        private double corrupt;
        private double reorder;
        private long seed;
        private Direction direction = Direction.BOTH;
        private int reorderDistance = 3;
        private int maxHeld = 16;
        private int maxHoldCalls = 8;
        private int corruptBits = 1;
        private boolean corruptWholeFrame;
        private int stageCapacity = 256;

        private Config()
        {
        }

        /** The probability that a frame is lost, 0 to 1. */
        public Config loss(final double probability)
        {
            this.loss = probability("loss", probability);
            return this;
        }

        /** The probability that a frame is duplicated, 0 to 1. */
        public Config duplicate(final double probability)
        {
            this.duplicate = probability("duplicate", probability);
            return this;
        }

        /** The probability that a frame is corrupted, 0 to 1. */
        public Config corrupt(final double probability)
        {
            this.corrupt = probability("corrupt", probability);
            return this;
        }

        /** The probability that a frame is held back and delivered after later ones, 0 to 1. */
        public Config reorder(final double probability)
        {
            this.reorder = probability("reorder", probability);
            return this;
        }

        /** The seed: the same seed gives the same decisions for the same frames. */
        public Config seed(final long seed)
        {
            this.seed = seed;
            return this;
        }

        /** Whether received frames, transmitted frames, or both are impaired. */
        public Config direction(final Direction direction)
        {
            if (direction == null)
            {
                throw new IllegalArgumentException("impairment direction must not be null");
            }
            this.direction = direction;
            return this;
        }

        /** A held frame is overtaken by 1 to this many later frames, 1..1024. */
        public Config reorderDistance(final int frames)
        {
            this.reorderDistance = range("reorderDistance", frames, 1, 1024);
            return this;
        }

        /** The most frames held back per queue and direction, 1..1024. */
        public Config maxHeld(final int frames)
        {
            this.maxHeld = range("maxHeld", frames, 1, 1024);
            return this;
        }

        /** A held frame is released after this many calls into the link even without later frames, 1..2^20. */
        public Config maxHoldCalls(final int calls)
        {
            this.maxHoldCalls = range("maxHoldCalls", calls, 1, 1 << 20);
            return this;
        }

        /** How many bits a corruption flips, 1..64; one flip is always caught by the Internet checksum. */
        public Config corruptBits(final int bits)
        {
            this.corruptBits = range("corruptBits", bits, 1, 64);
            return this;
        }

        /** Whether corruption may hit any byte of any frame (Ethernet header, ARP) rather than IPv4 datagrams. */
        public Config corruptWholeFrame(final boolean wholeFrame)
        {
            this.corruptWholeFrame = wholeFrame;
            return this;
        }

        /** The frames staged per queue between the caller and the inner link, 2..4096. */
        public Config stageCapacity(final int frames)
        {
            this.stageCapacity = range("stageCapacity", frames, 2, 4096);
            return this;
        }

        private static double probability(final String name, final double value)
        {
            if (!(value >= 0.0 && value <= 1.0))
            {
                throw new IllegalArgumentException("impairment " + name + " must be a probability, 0..1: " + value);
            }
            return value;
        }

        private static int range(final String name, final int value, final int min, final int max)
        {
            if (value < min || value > max)
            {
                throw new IllegalArgumentException("impairment " + name + " must be " + min + ".." + max + ": "
                    + value);
            }
            return value;
        }
    }
}
