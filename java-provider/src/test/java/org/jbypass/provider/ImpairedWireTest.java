package org.jbypass.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jbypass.provider.config.ConfigParser;
import org.jbypass.provider.engine.Drivers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The impairment and capture keys of the configuration, end to end: two providers on a memory wire that loses,
 * reorders, duplicates and corrupts frames still move a megabyte intact through the provider's channels, and the
 * capture file holds the frames.
 */
class ImpairedWireTest
{
    @TempDir
    Path dir;

    private BypassSelectorProvider provider(final String wire, final String address, final String pcap)
    {
        return new BypassSelectorProvider(() ->
        {
            final Properties p = new Properties();
            p.setProperty("interface.m0.driver", "memory");
            p.setProperty("interface.m0.host-if", wire);
            p.setProperty("interface.m0.address", address + "/24");
            p.setProperty("interface.m0.impair.loss", "0.02");
            p.setProperty("interface.m0.impair.reorder", "0.02");
            p.setProperty("interface.m0.impair.duplicate", "0.01");
            p.setProperty("interface.m0.impair.corrupt", "0.01");
            p.setProperty("interface.m0.impair.seed", "2024");
            if (pcap != null)
            {
                p.setProperty("interface.m0.pcap", pcap);
            }
            p.setProperty("stack.seed", "3");
            return ConfigParser.parse(dir.resolve("jbypass.properties"), p);
        }, new Drivers());
    }

    @Test
    void shouldMoveAMegabyteIntactOverAnImpairedWireAndCaptureIt() throws Exception
    {
        final String wire = "impaired-" + System.nanoTime();
        final BypassSelectorProvider server = provider(wire, "198.18.231.2", null);
        final BypassSelectorProvider client = provider(wire, "198.18.231.1", "client.pcap");
        final byte[] data = new byte[1 << 20];
        new Random(8).nextBytes(data);
        try (ServerSocketChannel listener = server.openServerSocketChannel();
            SocketChannel out = client.openSocketChannel())
        {
            listener.bind(new InetSocketAddress("198.18.231.2", 0));
            out.connect(listener.getLocalAddress());
            try (SocketChannel in = listener.accept())
            {
                final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        final ByteBuffer buffer = ByteBuffer.allocate(data.length);
                        while (buffer.hasRemaining() && in.read(buffer) >= 0)
                        {
                            // Until everything or the end of the stream.
                        }
                        return buffer.array();
                    }
                    catch (final IOException e)
                    {
                        throw new IllegalStateException(e);
                    }
                });
                out.write(ByteBuffer.wrap(data));
                final byte[] got = received.get(60, TimeUnit.SECONDS);
                final MessageDigest sha = MessageDigest.getInstance("SHA-256");
                assertArrayEquals(sha.digest(data), MessageDigest.getInstance("SHA-256").digest(got));
            }
        }
        finally
        {
            client.shutdown();
            server.shutdown();
        }
        final Path capture = dir.resolve("client.pcap");
        final ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(capture)).order(ByteOrder.LITTLE_ENDIAN);
        // pcap's magic (nanosecond variant) and Ethernet link type (LINKTYPE_ETHERNET = 1).
        assertEquals(0xA1B23C4D, header.getInt(0));
        assertEquals(1, header.getInt(20));
        assertTrue(Files.size(capture) > (1 << 20), "the capture holds the megabyte's frames: " + Files.size(capture));
    }
}
