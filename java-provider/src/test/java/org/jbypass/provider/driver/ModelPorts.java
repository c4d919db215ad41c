package org.jbypass.provider.driver;

import org.jbypass.netstack.buffer.PacketPool;

/**
 * For tests of other packages (the engine's monitoring): an {@link RdmaLink} on a port of the mlx5 model, and the
 * model's cable between two of them. Test code only.
 */
public final class ModelPorts
{
    private ModelPorts()
    {
    }

    /** An open port: its link, and {@link AutoCloseable#close()} closing both link and model. */
    public static final class Port implements AutoCloseable
    {
        private final ModelPort port;

        Port(final ModelPort port)
        {
            this.port = port;
        }

        public RdmaLink link()
        {
            return port.link;
        }

        @Override
        public void close()
        {
            port.close();
        }
    }

    /** A port named {@code name} with {@code rxQueues} receive queues (and as many send queues) over {@code pool}. */
    public static Port open(final String name, final long mac, final int rxQueues, final PacketPool pool)
    {
        return new Port(ModelPort.open(RdmaOptions.builder(name).hostIf("model0").mac(mac).rxQueues(rxQueues)
            .rxQueueSize(64).txQueueSize(64).build(), pool, false, false));
    }
}
