package org.jbypass.provider.driver;

import java.nio.ByteBuffer;

/**
 * The natives of the rdma driver ({@code native/src/jbp_rdma_jni.c}), registered by the library's
 * {@code JNI_OnLoad}, under the native contract of {@code docs/ARCHITECTURE.md}: every call returns a count, a
 * handle or {@code -errno} and throws nothing; object arguments are checked ({@code -EINVAL}); the datapath calls
 * ({@link #receive}, {@link #transmit}) take only primitives and cross JNI once per burst. What went wrong beyond
 * errno comes back in {@link #open}'s texts and, once a port exists, in {@link #lastError}.
 *
 * <p>A port handle owns native memory that Java sees through two direct buffers: the status block (counters and
 * state, native-order {@code long}s at the offsets below, as {@code native/include/jbp_rdma.h} declares them) and
 * the reclaim array (native-order {@code int}s: the pool buffers the last call handed back).
 */
final class RdmaNative
{
    /** Modes, as {@code enum jbp_rdma_mode}. */
    static final int MODE_AUTO = 0;
    static final int MODE_DV = 1;
    static final int MODE_IBV = 2;

    /** Queue states, as {@code enum jbp_rdma_qstate}. */
    static final int Q_OK = 0;
    static final int Q_ERROR = 1;
    static final int Q_DEAD = 2;
    /** Its CQ is in error or the queue fatally so: CQ and queue are destroyed and created again at the next use. */
    static final int Q_RECREATE = 3;

    /** Status block words (each 8 bytes): the header. */
    static final int ST_MAGIC = 0;
    static final int ST_MODE = 1;
    static final int ST_RXQ_COUNT = 2;
    static final int ST_PORT_STATE = 3;
    static final int ST_ASYNC_EVENTS = 4;
    static final int ST_DEVICE_FATAL = 5;
    static final int ST_RECLAIM_COUNT = 6;
    static final int ST_CAPABILITIES = 7;
    static final int ST_TX_RING = 8;
    static final int ST_RX_RING = 9;
    /** The stack's MAC in the netdev's FDB: {@code enum jbp_admit_state} (none, added, present, failed). */
    static final int ST_MAC_ADMISSION = 10;
    /** In {@link #ST_MODE}: verbs mode because Direct Verbs setup failed although the adapter reported it. */
    static final long MODE_DV_FALLBACK = 0x100;
    static final int ST_MAC_ADMIT_ERRNO = 11;
    static final int ST_FDB_ADDED = 12;
    static final int ST_FDB_REMOVED = 13;
    static final int ST_FDB_STALE_REMOVED = 14;
    static final int ST_FDB_FAILURES = 15;
    static final int ST_HEADER_WORDS = 16;

    /** A send queue's words, from {@link #txqBase}. */
    static final int TXQ_PACKETS = 0;
    static final int TXQ_BYTES = 1;
    static final int TXQ_DROPS = 2;
    static final int TXQ_RING_FULL = 3;
    static final int TXQ_CQE_ERRORS = 4;
    static final int TXQ_DOORBELLS = 5;
    static final int TXQ_RECOVERIES = 6;
    static final int TXQ_LAST_SYNDROME = 7;
    static final int TXQ_STATE = 8;
    static final int TXQ_POST_ERRORS = 9;
    /** Headers inlined per send WQE: 0 L2, 1 up to the end of L4 (after a vport inline-mode refusal). */
    static final int TXQ_INLINE = 11;
    static final int TXQ_IN_FLIGHT = 10;
    /** Times the CQ and send QP were created again, and the async event ({@code ibv_event_type}) of the last. */
    static final int TXQ_RECREATIONS = 12;
    static final int TXQ_RECREATE_EVENT = 13;
    /** LSO: the longest super-frame the queue segments (0: none), and the super-frames sent as LSO WQEs. */
    static final int TXQ_MAX_TSO = 14;
    static final int TXQ_TSO_FRAMES = 15;
    /** Descriptors the queue accepted and is done with (completed, dropped, discarded), free running. */
    static final int TXQ_DONE = 16;
    static final int TXQ_WORDS = 20;

    /** A receive queue's words, from {@link #rxqBase}. */
    static final int RXQ_PACKETS = 0;
    static final int RXQ_BYTES = 1;
    static final int RXQ_DROPS = 2;
    static final int RXQ_NO_BUFFER = 3;
    static final int RXQ_CQE_ERRORS = 4;
    static final int RXQ_COMPRESSED = 5;
    static final int RXQ_RECOVERIES = 6;
    static final int RXQ_LAST_SYNDROME = 7;
    static final int RXQ_STATE = 8;
    static final int RXQ_POST_ERRORS = 9;
    /** Completions naming another WQE than the next (also counted in RXQ_CQE_ERRORS): the queue was reset. */
    static final int RXQ_WQE_MISMATCH = 10;
    /** Times the CQ and receive WQ were created again, and the async event ({@code ibv_event_type}) of the last. */
    static final int RXQ_RECREATIONS = 11;
    static final int RXQ_RECREATE_EVENT = 12;
    static final int RXQ_WORDS = 16;

    /** Each queue pair's words in the status block: its send queue's, then its receive queue's. */
    static final int QUEUE_WORDS = TXQ_WORDS + RXQ_WORDS;

    /** The magic the status block starts with ("JBRD"). */
    static final long MAGIC = 0x4a425244L;

    /** The layout version of the port and its status block ({@code JBP_RDMA_ABI}). */
    static final int ABI = 6;

    /** The texts {@link #open} hands back: what failed, and warnings that did not stop the port. */
    static final int TEXT_ERROR = 0;
    static final int TEXT_WARNINGS = 1;
    static final int TEXT_COUNT = 2;

    static
    {
        NativeLibrary.load();
        if (abi() != ABI)
        {
            throw new UnsatisfiedLinkError("jbypass: libjbypass.so does not match the Java classes (rdma layout "
                + abi() + ", expected " + ABI + "): rebuild both with `mvn package`");
        }
    }

    private RdmaNative()
    {
    }

    /** The first status word of send queue {@code queue} (the one receive queue {@code queue}'s poller uses). */
    static int txqBase(final int queue)
    {
        return ST_HEADER_WORDS + queue * QUEUE_WORDS;
    }

    /** The first status word of receive queue {@code queue}. */
    static int rxqBase(final int queue)
    {
        return txqBase(queue) + TXQ_WORDS;
    }

    /**
     * Opens a port on a ConnectX netdev.
     *
     * @param texts out: at least {@link #TEXT_COUNT} elements; {@code texts[TEXT_ERROR]} says what failed and what
     *              to do (empty on success), {@code texts[TEXT_WARNINGS]} what did not stop the port
     * @return a handle (positive), or {@code -errno}
     */
    static native long open(String hostIf, int mode, int rxQueues, int rxQueueSize, int txQueueSize, long mac,
        int mtu, boolean allowNetdevMac, boolean cqeCompression, ByteBuffer pool, int bufferSize, int bufferCount,
        String libibverbs, String libmlx5, String sysRoot, String devRoot, String[] texts);

    /**
     * 0 if the handle is a port built from the same layout as this library, else {@code -errno}. A port opened by
     * another library (the mlx5 model's, in tests) runs this library's datapath from then on.
     */
    static native int check(long handle);

    /** The status block, as a direct buffer over native memory (valid until {@link #destroy}). */
    static native ByteBuffer status(long handle);

    /** The reclaim array, as a direct buffer over native memory (valid until {@link #destroy}). */
    static native ByteBuffer reclaim(long handle);

    /** Posts the initial receive buffers: {@code count} native-order ints, queue after queue. */
    static native int fillRx(long handle, ByteBuffer buffers, int count);

    /** Receives up to {@code capacity} frames into the armed burst at {@code descriptors}. */
    static native int receive(long handle, int queue, long descriptors, int capacity);

    /**
     * Transmits the first {@code count} frames of the burst at {@code descriptors} on send queue {@code queue};
     * returns how many, from slot 0, it took (sent, or dropped and reclaimed), and leaves the descriptors as they
     * were. A send queue's completions are also taken by {@link #receive} on the receive queue of the same index.
     */
    static native int transmit(long handle, int queue, long descriptors, int count);

    /** Rebuilds steering for a new MAC. */
    static native int setMac(long handle, long mac);

    /**
     * Registers ({@code join}) or withdraws a multicast MAC with the adapter's embedded switch (the netdev's FDB):
     * 0, 1 when the kernel refused the registration ({@link #lastError} says why; the join stands), or -errno.
     */
    static native int multicast(long handle, long mac, boolean join);

    /** Blocks until a receive queue may have frames, a wakeup or the timeout. */
    static native int await(long handle, long timeoutNanos);

    /** Releases a thread blocked in {@link #await}. */
    static native int wakeup(long handle);

    /** Stops the adapter's DMA into the pool and hands every buffer the port holds to the reclaim array. */
    static native int quiesce(long handle);

    /** Frees the port; the handle and its buffers are invalid afterwards. Returns 0. */
    static native int destroy(long handle);

    /** The port's last error text. */
    static native String lastError(long handle);

    /**
     * A queue's last syndrome (the low byte of its {@code last_syndrome} word) in words: an mlx5 CQE syndrome in
     * Direct Verbs mode, an {@code ibv_wc_status} in verbs mode ({@code mode} as {@link #ST_MODE}).
     */
    static native String syndromeWords(int mode, int code);

    /** {@code JBP_RDMA_ABI} of the library. */
    static native int abi();

    /** The address of a direct buffer, or {@code -EINVAL}. */
    static native long address(ByteBuffer direct);

    /** strerror(3) of an errno (positive or negative). */
    static native String errorMessage(int errno);
}
