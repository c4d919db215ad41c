package org.jbypass.provider.channel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;

import org.jbypass.provider.select.HybridChannel;
import org.jbypass.provider.select.SelectorView;

/**
 * A JDK pipe whose two ends are wrapped so that they can be registered on the provider's selectors (a JDK channel
 * cannot be). Everything else is the JDK's pipe: each end's {@link ChannelCore} is backed by the JDK's end from the
 * start.
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

    /** A pipe's end as a backing: no options, no stack. */
    private static final class End<C extends SelectableChannel> extends PlatformBacking<C>
    {
        End(final ChannelCore<?> owner, final C channel)
        {
            super(owner, channel);
        }
    }

    /** The read end. */
    static final class Source extends Pipe.SourceChannel implements HybridChannel
    {
        private final ChannelCore<End<Pipe.SourceChannel>> core;
        private final End<Pipe.SourceChannel> platform;

        Source(final ProviderContext context, final Pipe.SourceChannel platform) throws IOException
        {
            super(context.provider());
            this.core = new ChannelCore<>(this, context, null, null, null, this::begin, this::end);
            this.platform = new End<>(core, platform);
            core.backedBy(this.platform);
        }

        @Override
        public int read(final ByteBuffer dst) throws IOException
        {
            return platform.call(() -> platform.channel.read(dst));
        }

        @Override
        public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
        {
            return platform.call(() -> platform.channel.read(dsts, offset, length));
        }

        @Override
        public long read(final ByteBuffer[] dsts) throws IOException
        {
            return read(dsts, 0, dsts.length);
        }

        @Override
        protected void implCloseSelectableChannel() throws IOException
        {
            core.implClose();
        }

        @Override
        protected void implConfigureBlocking(final boolean block) throws IOException
        {
            core.implConfigureBlocking(block);
        }

        @Override
        public SelectorView selectorView()
        {
            return core;
        }
    }

    /** The write end. */
    static final class Sink extends Pipe.SinkChannel implements HybridChannel
    {
        private final ChannelCore<End<Pipe.SinkChannel>> core;
        private final End<Pipe.SinkChannel> platform;

        Sink(final ProviderContext context, final Pipe.SinkChannel platform) throws IOException
        {
            super(context.provider());
            this.core = new ChannelCore<>(this, context, null, null, null, this::begin, this::end);
            this.platform = new End<>(core, platform);
            core.backedBy(this.platform);
        }

        @Override
        public int write(final ByteBuffer src) throws IOException
        {
            return platform.call(() -> platform.channel.write(src));
        }

        @Override
        public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
        {
            return platform.call(() -> platform.channel.write(srcs, offset, length));
        }

        @Override
        public long write(final ByteBuffer[] srcs) throws IOException
        {
            return write(srcs, 0, srcs.length);
        }

        @Override
        protected void implCloseSelectableChannel() throws IOException
        {
            core.implClose();
        }

        @Override
        protected void implConfigureBlocking(final boolean block) throws IOException
        {
            core.implConfigureBlocking(block);
        }

        @Override
        public SelectorView selectorView()
        {
            return core;
        }
    }
}
