package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.ConfigParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flush that precedes a wait ({@link StackLock#await}) can itself make the change the thread is about to wait
 * for: it delivers local traffic (a datagram or segment to the stack's own address, and whatever the stack answers
 * to it within the same flush). The waiter must hear of that change: it is linked before the flush, so the
 * readiness event the flush dispatches signals it and the wait returns at once. Linked after, the signal found no
 * waiter and the thread slept until the socket's next change, here the 20 s timeout.
 */
class AwaitOwnFlushTest
{
    private static final String ADDRESS = "198.18.247.1";
    private static final int PORT_A = 7301;
    private static final int PORT_B = 7302;

    private BypassSelectorProvider provider;

    @AfterEach
    void shutdown()
    {
        if (provider != null)
        {
            provider.shutdown();
        }
    }

    @Test
    void shouldWakeAWaiterForAChangeThatItsOwnFlushMade()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
        {
            provider = new BypassSelectorProvider(() ->
            {
                final Properties p = new Properties();
                p.setProperty("interface.m0.driver", "memory");
                p.setProperty("interface.m0.host-if", "await-flush-" + ProcessHandle.current().pid());
                p.setProperty("interface.m0.address", ADDRESS + "/24");
                p.setProperty("stack.seed", "23");
                return ConfigParser.parse(null, p);
            }, new Drivers()::open);
            final StackEngine engine = provider.context().engine();
            final StackLock lock = engine.lock();
            final StackLock.WaitQueue queue = new StackLock.WaitQueue(lock);
            final int address = (198 << 24) | (18 << 16) | (247 << 8) | 1;
            lock.enter();
            try
            {
                final Stack stack = engine.stack();
                final UdpSocket receiver = stack.openUdp();
                assertEquals(0, receiver.bind(address, PORT_A));
                receiver.listener(socket -> queue.signalAll());
                final UdpSocket sender = stack.openUdp();
                assertEquals(0, sender.bind(address, PORT_B));
                final ByteBuffer datagram = ByteBuffer.allocateDirect(16);
                datagram.putLong(0x6a62797061737321L).putLong(42).flip();
                assertTrue(sender.send(datagram, address, PORT_A) >= 0, "sent");
                final ByteBuffer got = ByteBuffer.allocateDirect(64);
                assertTrue(receiver.receive(got) < 0, "local delivery waits for the operation's flush");

                final long timeout = TimeUnit.SECONDS.toNanos(20);
                long left = lock.await(queue, timeout);
                // A wait may also return because the operation sent frames (the caller then looks again): look
                // again as callers do, and wait again if nothing came.
                while (receiver.receive(got) < 0)
                {
                    assertTrue(left > 0, "the waiter slept through the change its own flush made");
                    left = lock.await(queue, left);
                }
                assertTrue(left > timeout / 2, "woken by the delivery's signal, not by the timeout");
                assertEquals(42, got.flip().getLong(8));
                sender.close();
                receiver.close();
            }
            finally
            {
                lock.exit();
            }
        });
    }
}
