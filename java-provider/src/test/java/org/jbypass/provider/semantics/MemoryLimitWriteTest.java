package org.jbypass.provider.semantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.core.Stack;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.jbypass.provider.engine.StackEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * At the stack's TCP memory limit ({@code tcp.memory.limit}) a writer whose socket holds no memory, once a write
 * found none, is not selected for OP_WRITE, and a blocking write waits; once another connection gives memory back
 * the selector selects it and the blocked write completes. One stack on a memory wire, client and server in it.
 */
class MemoryLimitWriteTest
{
    private static final String WIRE = "memory-limit-" + ProcessHandle.current().pid();
    private static final String ADDRESS = "198.18.246.1";

    private final BypassSelectorProvider provider = new BypassSelectorProvider(() ->
    {
        final Properties p = new Properties();
        p.setProperty("interface.m0.driver", "memory");
        p.setProperty("interface.m0.host-if", WIRE);
        p.setProperty("interface.m0.address", ADDRESS + "/24");
        p.setProperty("stack.seed", "5");
        p.setProperty("tcp.memory.limit", "64k");
        return ConfigParser.parse(null, p);
    }, new Drivers());

    @AfterEach
    void shutdown()
    {
        provider.shutdown();
    }

    /** Bytes of socket buffer memory in use and bytes received in order, stack-wide. */
    private long[] memory() throws IOException
    {
        final StackEngine engine = provider.context().engine();
        engine.lock().enter();
        try
        {
            final Stack stack = engine.stack();
            return new long[] {stack.tcp().memoryInUse(), stack.tcpCounters().bytesIn()};
        }
        finally
        {
            engine.lock().exit();
        }
    }

    @Test
    void shouldHoldWritersAtTheMemoryLimitAndReleaseThemWhenMemoryComesBack() throws Throwable
    {
        final int limit = 64 * 1024;
        final int chunk = 4096;
        final int hogs = limit / chunk;
        final SocketChannel[] hog = new SocketChannel[hogs];
        final SocketChannel[] hogPeer = new SocketChannel[hogs];
        try (ServerSocketChannel listener = provider.openServerSocketChannel();
            SocketChannel selected = provider.openSocketChannel();
            SocketChannel blocking = provider.openSocketChannel();
            Selector selector = provider.openSelector())
        {
            listener.bind(new InetSocketAddress(ADDRESS, 7020));
            assertTrue(selected.connect(listener.getLocalAddress()));
            final SocketChannel selectedPeer = listener.accept();
            assertTrue(blocking.connect(listener.getLocalAddress()));
            final SocketChannel blockingPeer = listener.accept();
            // All but one hog send one chunk's worth that their peers never read; once it has arrived and been
            // acknowledged the receivers hold all but a chunk of the limit. The last hog's chunk then takes the limit
            // and stays in its send ring: its peer has no memory to store it, so nothing moves any more.
            // (Connected first: near the limit a connect fails with ENOBUFS.)
            for (int i = 0; i < hogs; i++)
            {
                hog[i] = provider.openSocketChannel();
                assertTrue(hog[i].connect(listener.getLocalAddress()));
                hogPeer[i] = listener.accept();
            }
            for (int i = 0; i < hogs - 1; i++)
            {
                assertEquals(chunk, hog[i].write(ByteBuffer.allocate(chunk)));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Blocking.STEP_SECONDS);
            final long stored = (long) (hogs - 1) * chunk;
            long[] m;
            while ((m = memory())[0] != stored || m[1] != stored)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the receivers never held their chunks: in use " + m[0] + ", received " + m[1]);
                }
                Thread.onSpinWait();
            }
            assertEquals(chunk, hog[hogs - 1].write(ByteBuffer.allocate(chunk)));
            assertEquals(limit, memory()[0]);
            selected.configureBlocking(false);
            final SelectionKey key = selected.register(selector, SelectionKey.OP_WRITE);
            // Readiness is pushed by the stack; the writer's last said WRITE, before the limit. As Linux's poll, it
            // may still say so now; a write that finds no memory sets it right (SOCK_NOSPACE), and from then on
            // the writer is not selected until memory comes back: no spinning on OP_WRITE.
            selector.selectNow();
            selector.selectedKeys().clear();
            assertEquals(0, selected.write(ByteBuffer.allocate(100)), "no memory for a byte");
            assertEquals(0, selector.selectNow(), "not selected for writing while there is none");
            final Blocking.Call<Integer> write = Blocking.start(() -> blocking.write(ByteBuffer.allocate(100)))
                .awaitBlocked();
            // One hog goes, its unread chunk with it: the writers are let through.
            hogPeer[0].close();
            assertEquals(1, selector.select(TimeUnit.SECONDS.toMillis(Blocking.STEP_SECONDS)),
                "selected once memory came back");
            assertTrue(key.isWritable());
            assertEquals(100, (int) write.join(), "the blocked write completed");
            selectedPeer.close();
            blockingPeer.close();
        }
        finally
        {
            for (int i = 0; i < hogs; i++)
            {
                if (hog[i] != null)
                {
                    hog[i].close();
                }
                if (hogPeer[i] != null)
                {
                    hogPeer[i].close();
                }
            }
        }
    }
}
