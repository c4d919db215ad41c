package org.jbypass.provider.driver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.jbypass.netstack.buffer.PacketPool;

/** An {@link RdmaLink} on a port of the mlx5 model, and the model itself for the test to step. */
final class ModelPort implements AutoCloseable
{
    final long model;
    final RdmaLink link;
    final PacketPool pool;
    final RdmaOptions options;

    private ModelPort(final long model, final RdmaLink link, final PacketPool pool, final RdmaOptions options)
    {
        this.model = model;
        this.link = link;
        this.pool = pool;
        this.options = options;
    }

    /**
     * @param compression the model writes compressed CQE sessions (and poisons what it leaves undefined)
     * @param checksums   the model computes checksums on transmit when asked
     */
    static ModelPort open(final RdmaOptions options, final PacketPool pool, final boolean compression,
        final boolean checksums)
    {
        return open(options, pool, compression, checksums, 0);
    }

    /** @param maxTso the model's LSO limit (super-frame bytes, headers included); 0 for none */
    static ModelPort open(final RdmaOptions options, final PacketPool pool, final boolean compression,
        final boolean checksums, final int maxTso)
    {
        final long mac = options.mac();
        final long model = Mlx5ModelNative.create(options.rxQueues(), options.rxQueueSize(), options.txQueueSize(),
            options.mtu(), mac, compression, 64, checksums, compression, maxTso);
        if (model <= 0)
        {
            throw new IllegalStateException("model " + model);
        }
        final long handle = Mlx5ModelNative.openPort(model, pool.memory(), pool.bufferSize(), pool.capacity());
        if (handle <= 0)
        {
            Mlx5ModelNative.destroy(model);
            throw new IllegalStateException("model port " + handle);
        }
        return new ModelPort(model, RdmaLink.attach(handle, options, pool, mac, ""), pool, options);
    }

    static RdmaOptions options(final String name, final long mac)
    {
        return RdmaOptions.builder(name).hostIf("model0").mac(mac).rxQueueSize(256).txQueueSize(256).build();
    }

    /** Moves frames both ways between two model ports, as a cable would. */
    static int wire(final ModelPort a, final ModelPort b)
    {
        return Mlx5ModelNative.wire(a.model, b.model);
    }

    /** Runs this port's transmit side into buffers the test reads: frames back to back, lengths alongside. */
    Captured transmitted()
    {
        final Captured c = new Captured();
        c.count = Mlx5ModelNative.tx(model, c.frames, c.lengths, 1024);
        return c;
    }

    long stat(final int which)
    {
        return Mlx5ModelNative.stat(model, which);
    }

    @Override
    public void close()
    {
        link.close();
        Mlx5ModelNative.destroy(model);
    }

    static final class Captured
    {
        final ByteBuffer frames = ByteBuffer.allocateDirect(1024 * 2048);
        final ByteBuffer lengths = ByteBuffer.allocateDirect(1024 * 4).order(ByteOrder.nativeOrder());
        int count;

        int length(final int i)
        {
            return lengths.getInt(i * 4);
        }
    }
}
