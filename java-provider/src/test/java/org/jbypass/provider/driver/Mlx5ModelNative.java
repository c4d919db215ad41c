package org.jbypass.provider.driver;

import java.nio.ByteBuffer;

/**
 * The natives of the mlx5 model's test-only JNI library ({@code native/test/mlx5_model_jni.c}), which Maven builds
 * next to the native build and names in {@value #PROPERTY}. The model owns CQ, RQ and SQ rings in the formats of
 * mlx5dv.h and plays the adapter on them; the port handle it opens is driven by the production natives of
 * {@link RdmaNative}, so the Direct Verbs datapath under test is the one jbypass.jar ships.
 */
final class Mlx5ModelNative
{
    static final String PROPERTY = "jbypass.test.mlx5model";

    /** Indices of {@link #stat}: struct mlx5_model_stats, then the CQ overruns. */
    static final int TX_FRAMES = 0;
    static final int TX_BYTES = 1;
    static final int TX_CQES = 2;
    static final int TX_ERRORS = 3;
    static final int TX_CSUM_OFFLOADS = 4;
    static final int DOORBELL_MISMATCH = 5;
    static final int RX_FRAMES = 6;
    static final int RX_BYTES = 7;
    static final int RX_OUT_OF_BUFFER = 8;
    static final int RX_NOT_STEERED = 9;
    static final int RX_OVERSIZE = 10;
    static final int RX_SESSIONS = 11;
    static final int RX_SESSIONS_WRAPPED = 12;
    static final int RX_ERRORS = 13;
    static final int CQ_OVERRUNS = 14;
    /** LSO WQEs executed, and the segments they were cut into. */
    static final int TX_TSO_WQES = 15;
    static final int TX_TSO_SEGMENTS = 16;
    /** Threaded mode: send and receive WQEs that changed between their doorbell and their execution. */
    static final int TX_WQE_REWRITTEN = 17;
    static final int RX_WQE_REWRITTEN = 18;

    /** CQE syndromes (mlx5dv.h MLX5_CQE_SYNDROME_*). */
    static final int SYNDROME_LOCAL_LENGTH = 0x01;
    static final int SYNDROME_LOCAL_PROTECTION = 0x04;
    static final int SYNDROME_WR_FLUSH = 0x05;

    static
    {
        RdmaNative.rxqBase(0); // libjbypass.so first: the handles the model opens are driven through it
        final String path = System.getProperty(PROPERTY);
        if (path == null || path.isBlank())
        {
            throw new IllegalStateException("-D" + PROPERTY + " must name libjbp_mlx5_model.so (the Maven build sets it)");
        }
        System.load(path);
    }

    private Mlx5ModelNative()
    {
    }

    static native long create(int rxQueues, int rxQueueSize, int txQueueSize, int mtu, long mac, boolean compression,
        int maxSession, boolean checksumOffload, boolean poisonHoles, int maxTso);

    static native long openPort(long model, ByteBuffer pool, int bufferSize, int bufferCount);

    static native int wire(long a, long b);

    static native int tx(long model, ByteBuffer frames, ByteBuffer lengths, int max);

    static native int rx(long model, ByteBuffer frame, int offset, int length);

    static native int flush(long model);

    static native int inject(long model, boolean tx, int syndrome);

    static native int setCompression(long model, boolean on);

    static native long stat(long model, int which);

    /**
     * Starts the adversarial hardware thread between two models ({@code mlx5_model_hw_start}): it executes posted
     * send WQEs of one SQ at a time, picked at random, and writes completions, concurrently with the driver, with
     * seeded random delays. Returns a handle, or -errno.
     */
    static native long hwStart(long a, long b, int seed, int maxSpin);

    /** Stops the thread once everything posted was executed and completed; returns its step count. */
    static native long hwStop(long hw);

    static native int destroy(long model);
}
