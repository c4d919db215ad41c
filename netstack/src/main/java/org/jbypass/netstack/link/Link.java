package org.jbypass.netstack.link;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.Errno;

/**
 * A network link: the driver interface of the stack, and what every decorator wraps.
 *
 * <p>A link moves Ethernet II frames between the stack and a wire (a NIC ring, an AF_PACKET socket, an in-memory
 * wire) in bursts of {@link PacketBurst} descriptors over buffers of one {@link PacketPool}, the pool the link was
 * opened with. It is driven by one thread at a time, the one that drives the stack; only {@link #wakeup()} and
 * {@link #kick()} may be called from any thread.
 *
 * <h2>Receive</h2>
 * Before {@link #receive} every slot of the burst, from slot 0, holds a free buffer ("armed", see
 * {@link PacketBurst#arm}). The link fills slots 0, 1, ... with received frames, taking the armed buffer of each
 * slot in exchange for the one that holds the frame (or copying into it), and stops at the first slot without a
 * buffer or when the burst is full. Buffers in slots it did not fill are left where they are.
 *
 * <h2>Transmit</h2>
 * Slots {@code 0..count-1} of the burst hold frames. {@link #transmit} accepts a prefix of them and returns its
 * length; the buffers of accepted frames now belong to the link, which returns them to the pool once the wire is
 * done with them. Frames not accepted (a full ring) stay with the caller: the link moves them to the front of the
 * burst and sets the burst's count to their number, so that {@code transmit} may simply be called again later.
 * Slots at or beyond the count are not the caller's: their buffer fields mean nothing.
 *
 * <h2>Deferred transmission</h2>
 * A link whose transmit ends in a system call may offer to leave it out ({@link #deferTransmit()}): frames it
 * accepts then wait in its own ring, as in a NIC's, until {@link #kick()} hands them to the wire. A caller that
 * drives the stack under a lock kicks after releasing it, so that the system call, and whatever the kernel does in
 * it, holds no other thread up.
 */
public interface Link extends AutoCloseable
{
    /** A name for logs and counters, e.g. "afpacket:jbp0". */
    String name();

    /** The link's MAC address, in the low 48 bits. */
    long macAddress();

    /** The link's MTU: the largest IP datagram one frame carries (1500 on standard Ethernet). */
    int mtu();

    /** The number of receive queues, 1 or more. */
    int rxQueueCount();

    /** The number of transmit queues, 1 or more. */
    int txQueueCount();

    /** What the link offers, a combination of {@link LinkCapabilities} bits. */
    int capabilities();

    /**
     * The longest frame the link takes as a super-frame on transmit (Ethernet header included) when it has
     * {@link LinkCapabilities#TX_TCP_SEGMENTATION}: Linux's gso_max_size plus the Ethernet header.
     */
    default int maxSuperFrameLength()
    {
        return PacketBurst.MAX_FRAME_LENGTH;
    }

    /** The pool whose buffers the link takes and returns. */
    PacketPool pool();

    /**
     * Receives up to a burst of frames from one queue; never blocks.
     *
     * @return the number of frames now in slots {@code 0..n-1}; the burst's count is set to it
     */
    int receive(int queue, PacketBurst burst);

    /**
     * Transmits frames from one queue; never blocks.
     *
     * @return the number of frames accepted, from slot 0; the burst's count becomes the number not accepted
     */
    int transmit(int queue, PacketBurst burst);

    /**
     * Transmits one frame at once, without queueing it: {@code headLength} bytes of pool buffer {@code head} (the
     * headers, and maybe the first payload bytes) followed by {@code count} slices of heap arrays, slice {@code i}
     * being {@code lengths[i]} bytes of {@code arrays[i]} from {@code offsets[i]}; {@code flags} as the first
     * descriptor of a frame in a burst ({@link PacketBurst#TX_L4_CHECKSUM}, a GSO type and size). Links with
     * {@link LinkCapabilities#TX_GATHER} only. Frames accepted by {@link #transmit} before go first. The link is done
     * with the arrays and the head buffer when it returns: the head buffer stays the caller's, whatever the result.
     *
     * @return 0 when the frame went to the wire; -EAGAIN when it cannot go now (a full queue: the stack holds it back
     *         and its transport sends it again later); another -errno when it was dropped (malformed, the device
     *         failed)
     */
    default int transmitGather(final int queue, final int head, final int headLength, final int flags,
        final byte[][] arrays, final int[] offsets, final int[] lengths, final int count)
    {
        return -Errno.EOPNOTSUPP;
    }

    /**
     * How many of the descriptors {@link #transmit} accepted on {@code queue} since the link opened it is done with
     * (sent and completed, or dropped): a free-running count in the units of transmit's return value. A frame whose
     * last descriptor is number n (counting every descriptor accepted on the queue) is no longer the link's once
     * this reaches n, and no frame given to another queue after that can overtake it. The stack keeps a flow on the
     * queue of its last frame until then (per-flow order across queues, as Linux's {@code ooo_okay}).
     *
     * <p>By default {@link Long#MAX_VALUE}: a link whose queues hand frames to one ordered wire in the order of the
     * transmit calls (or that has one queue) holds nothing another queue could overtake. A link whose adapter
     * serves its queues in any order (a NIC's send queues) counts completions. Called by the thread that drives the
     * stack; it must be cheap (a look at a counter, no system call).
     */
    default long transmitDone(final int queue)
    {
        return Long.MAX_VALUE;
    }

    /**
     * Blocks the calling thread until a receive queue may have frames, {@link #wakeup()} is called, the thread is
     * interrupted, or the timeout passes. Spurious returns are allowed.
     *
     * @param timeoutNanos how long to wait at most; 0 or less returns at once
     */
    void awaitReceive(long timeoutNanos);

    /**
     * Whether a receive queue holds frames, for a poller that polls for a while before it blocks: a look at the
     * ring that costs no system call, made without the stack's lock by the thread that polls the queue (a hint
     * only: another thread may be receiving from it). Links with {@link LinkCapabilities#RX_READY} implement it.
     */
    default boolean receiveReady(final int queue)
    {
        return false;
    }

    /**
     * Blocks like {@link #awaitReceive}, for a thread that waits on the ring in place of the thread that drives the
     * queue, while that thread does not wait ({@link LinkCapabilities#RX_AWAIT_SHARED}): an application thread
     * that would otherwise be woken by the driving thread once it has processed a frame. It returns when the ring
     * may have frames, {@link #wakeup()} is called or the timeout passes, and never because of an interrupt: the
     * caller's own interrupt handling (a channel's, which closes it) makes it return through {@link #wakeup()}.
     * Spurious returns are allowed.
     *
     * @param timeoutNanos how long to wait at most; 0 or less returns at once
     * @throws UnsupportedOperationException on links without {@link LinkCapabilities#RX_AWAIT_SHARED}
     */
    default void awaitReceiveShared(final long timeoutNanos)
    {
        throw new UnsupportedOperationException(name() + " has no shared receive wait");
    }

    /** Makes a thread blocked in {@link #awaitReceive} or {@link #awaitReceiveShared} return; from any thread. */
    void wakeup();

    /**
     * Asks the link to defer the system call of {@link #transmit} to {@link #kick()}; called once, before the first
     * transmit, by the thread that drives the stack.
     *
     * @return whether the link defers from now on; if not, transmit hands frames to the wire itself, as by default
     */
    default boolean deferTransmit()
    {
        return false;
    }

    /**
     * Hands the frames that wait in the link's ring to the wire; never blocks. Callable from any thread, without the
     * stack's lock, concurrently with any other method but {@link #close()} (the link makes close wait for it).
     * Frames the wire cannot take now stay in the ring, and the link retries in {@link #awaitReceive}.
     */
    default void kick()
    {
    }

    /**
     * Asks the link to accept frames sent to a multicast MAC (the stack joined a group that maps to it, RFC 1112
     * section 6.4), as a NIC's multicast filter does. The stack counts its joins per MAC and calls this once, when
     * the first group that maps to {@code mac} is joined; by the thread that drives the stack.
     *
     * <p>A link that hands up every multicast frame anyway (the software links, a promiscuous socket) has nothing to
     * do: the stack filters by group itself, so a link that accepts too much is never wrong, only busier.
     *
     * @param mac a multicast MAC (its group bit set), in the low 48 bits
     * @return 0, or -errno when the link cannot accept it (the join then fails)
     */
    default int addMulticast(final long mac)
    {
        return 0;
    }

    /** Undoes {@link #addMulticast} once the last group that maps to {@code mac} is left. @return 0 or -errno */
    default int removeMulticast(final long mac)
    {
        return 0;
    }

    /** The link's counters. */
    LinkCounters counters();

    /** Releases the link's resources and returns every buffer it holds to the pool. */
    @Override
    void close();
}
