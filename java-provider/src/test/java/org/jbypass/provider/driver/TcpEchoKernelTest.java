package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.jbypass.netstack.tcp.TcpConfig;
import org.jbypass.netstack.tcp.TcpSocket;
import org.jbypass.netstack.util.Errno;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.provider.testing.BackgroundCommand;
import org.jbypass.provider.testing.KernelPeer;
import org.jbypass.provider.testing.StackOverVeth;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A TCP echo service on the stack, used by kernel-side clients: several {@code socat} processes in the kernel's
 * namespace send random files through it at once and compare what comes back. Needs root.
 */
class TcpEchoKernelTest
{
    private static final int PORT = 7;
    private static final int CLIENTS = 4;
    private static final int BYTES = 2_000_000;

    @BeforeAll
    static void needsRoot()
    {
        KernelPeer.assumeAvailable();
    }

    /** One echoed connection: what was read and not yet written back. */
    private static final class Echo
    {
        final TcpSocket socket;
        final ByteBuffer pending = ByteBuffer.allocate(64 * 1024);
        boolean inputDone;
        boolean closed;

        Echo(final TcpSocket socket)
        {
            this.socket = socket;
            pending.flip();
        }

        /** Reads what fits, writes back what it can, half-closes after the client's end; returns whether it moved. */
        boolean pump()
        {
            boolean moved = false;
            if (pending.hasRemaining())
            {
                final int w = socket.write(pending);
                moved = w > 0;
                if (w < 0 && w != -Errno.EAGAIN)
                {
                    fail("echo write: " + Errno.name(w));
                }
            }
            if (!pending.hasRemaining() && !inputDone)
            {
                pending.clear();
                final int r = socket.read(pending);
                pending.flip();
                if (r == Errno.END_OF_STREAM)
                {
                    inputDone = true;
                }
                else if (r < 0 && r != -Errno.EAGAIN)
                {
                    fail("echo read: " + Errno.name(r));
                }
                moved |= r > 0;
            }
            if (inputDone && !pending.hasRemaining() && !closed)
            {
                // Everything echoed: close; the FIN follows the data.
                socket.close();
                closed = true;
                moved = true;
            }
            return moved;
        }
    }

    @Test
    void shouldEchoForKernelClients() throws InterruptedException
    {
        try (KernelPeer peer = KernelPeer.create();
             StackOverVeth side = new StackOverVeth(peer, TcpConfig.defaults(), UnaryOperator.identity()))
        {
            final TcpSocket listener = side.stack.openTcp();
            assertEquals(0, listener.bind(0, PORT));
            assertEquals(0, listener.listen(16));
            final String address = Ipv4Address.toString(peer.stackAddress());
            final String tag = peer.namespace();
            final List<BackgroundCommand> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++)
            {
                final String in = "/tmp/" + tag + "-echo" + i + ".in";
                final String out = "/tmp/" + tag + "-echo" + i + ".out";
                clients.add(peer.start("sh", "-c", "head -c " + BYTES + " /dev/urandom > " + in
                    + " && socat -t 30 -T 60 - TCP:" + address + ":" + PORT + " < " + in + " > " + out
                    + " && cmp " + in + " " + out + " && echo ECHOED; rm -f " + in + " " + out));
            }
            final List<Echo> echoes = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (clients.stream().anyMatch(BackgroundCommand::isAlive))
            {
                side.poll();
                TcpSocket accepted;
                while ((accepted = listener.accept()) != null)
                {
                    echoes.add(new Echo(accepted));
                }
                boolean moved = false;
                for (final Echo echo : echoes)
                {
                    moved |= echo.pump();
                }
                if (moved)
                {
                    side.stack.flush();
                }
                assertTrue(System.nanoTime() - deadline < 0, "echo clients did not finish: " + side.stack.tcpCounters());
            }
            for (final BackgroundCommand client : clients)
            {
                assertEquals(0, client.waitFor(Duration.ofSeconds(5)), client.stdout() + client.stderr());
                assertTrue(client.stdout().contains("ECHOED"), "the client got back what it sent: " + client.stdout()
                    + client.stderr());
            }
            assertEquals(CLIENTS, echoes.size(), "one connection per client");
            listener.close();
            System.out.println("echoed " + CLIENTS + " x " + BYTES + " bytes for kernel clients: "
                + side.stack.tcpCounters());
        }
    }
}
