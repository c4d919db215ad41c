package org.jbypass.provider.channel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;

import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.HybridKey;

/**
 * A JDK pipe whose two ends are wrapped so that they can be registered on the provider's selectors (a JDK channel
 * cannot be). Everything else is the JDK's pipe.
 */
public final class BypassPipe extends Pipe
{
    private final Source source;
    private final Sink sink;

    BypassPipe(final ProviderContext context, final Pipe platform) throws IOException
    {
        this.source = new Source(context, platform.source());
        this.sink = new Sink(context, platform.sink());
    }

    @Override
    public SourceChannel source()
    {
        return source;
    }

    @Override
    public SinkChannel sink()
    {
        return sink;
    }

    /** The read end. */
    static final class Source extends Pipe.SourceChannel implements HybridChannel
    {
        private final Pipe.SourceChannel platform;
        private final ChannelKeys keys = new ChannelKeys();

        Source(final ProviderContext context, final Pipe.SourceChannel platform) throws IOException
        {
            super(context.provider());
            this.platform = platform;
            platform.configureBlocking(true);
        }

        private IOException failed(final IOException e)
        {
            if (!platform.isOpen() && isOpen())
            {
                try
                {
                    close();
                }
                catch (final IOException ignored)
                {
                    // The platform end is closed already.
                }
            }
            return e;
        }

        @Override
        public int read(final ByteBuffer dst) throws IOException
        {
            try
            {
                return platform.read(dst);
            }
            catch (final IOException e)
            {
                throw failed(e);
            }
        }

        @Override
        public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
        {
            try
            {
                return platform.read(dsts, offset, length);
            }
            catch (final IOException e)
            {
                throw failed(e);
            }
        }

        @Override
        public long read(final ByteBuffer[] dsts) throws IOException
        {
            return read(dsts, 0, dsts.length);
        }

        @Override
        protected void implCloseSelectableChannel() throws IOException
        {
            platform.close();
        }

        @Override
        protected void implConfigureBlocking(final boolean block) throws IOException
        {
            if (block)
            {
                keys.cancelInner();
            }
            platform.configureBlocking(block);
        }

        @Override
        public SelectableChannel platformChannel()
        {
            return platform;
        }

        @Override
        public int stackReadyOps()
        {
            return 0;
        }

        @Override
        public void keyRegistered(final HybridKey key)
        {
            keys.add(key);
        }

        @Override
        public void keyDeregistered(final HybridKey key)
        {
            keys.remove(key);
        }
    }

    /** The write end. */
    static final class Sink extends Pipe.SinkChannel implements HybridChannel
    {
        private final Pipe.SinkChannel platform;
        private final ChannelKeys keys = new ChannelKeys();

        Sink(final ProviderContext context, final Pipe.SinkChannel platform) throws IOException
        {
            super(context.provider());
            this.platform = platform;
            platform.configureBlocking(true);
        }

        private IOException failed(final IOException e)
        {
            if (!platform.isOpen() && isOpen())
            {
                try
                {
                    close();
                }
                catch (final IOException ignored)
                {
                    // The platform end is closed already.
                }
            }
            return e;
        }

        @Override
        public int write(final ByteBuffer src) throws IOException
        {
            try
            {
                return platform.write(src);
            }
            catch (final IOException e)
            {
                throw failed(e);
            }
        }

        @Override
        public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
        {
            try
            {
                return platform.write(srcs, offset, length);
            }
            catch (final IOException e)
            {
                throw failed(e);
            }
        }

        @Override
        public long write(final ByteBuffer[] srcs) throws IOException
        {
            return write(srcs, 0, srcs.length);
        }

        @Override
        protected void implCloseSelectableChannel() throws IOException
        {
            platform.close();
        }

        @Override
        protected void implConfigureBlocking(final boolean block) throws IOException
        {
            if (block)
            {
                keys.cancelInner();
            }
            platform.configureBlocking(block);
        }

        @Override
        public SelectableChannel platformChannel()
        {
            return platform;
        }

        @Override
        public int stackReadyOps()
        {
            return 0;
        }

        @Override
        public void keyRegistered(final HybridKey key)
        {
            keys.add(key);
        }

        @Override
        public void keyDeregistered(final HybridKey key)
        {
            keys.remove(key);
        }
    }
}
