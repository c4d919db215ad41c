package org.jbypass.netstack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jbypass.netstack.transport.Readiness;
import org.jbypass.netstack.util.Errno;
import org.junit.jupiter.api.Test;

/**
 * A writer at the layer's memory limit (tcp_mem[2]) is not told it can write, and is told once memory is given
 * back: readiness follows the memory, as Linux's tcp_poll follows sk_stream_memory_free, so a selector does not spin
 * on OP_WRITE and a blocked writer is woken by another connection's reader freeing memory.
 */
class TcpMemoryWriteTest
{
    private final TcpTestbench bench = new TcpTestbench(TcpConfig.builder().memoryLimit(64 * 1024).build());

    /** The hog's peer sends what the stack does not read until memory is refused. */
    private static void fillMemory(final TcpTestbench b, final PeerConnection hog)
    {
        int segments = 0;
        while (b.counters().memoryDrops() == 0)
        {
            hog.sendData(1000);
            b.drain();
            assertTrue(++segments < 1000, "the limit was never reached: " + b.counters());
        }
    }

    @Test
    void shouldNotBeWritableAtTheMemoryLimitAndBeSignalledWhenMemoryIsGivenBack()
    {
        final TcpSocket listener = bench.listen(80, 16);
        final PeerConnection hog = bench.acceptFrom(listener, 40000);
        final PeerConnection writer = bench.acceptFrom(listener, 40001);
        final int[] signals = new int[1];
        writer.socket.listener(s -> signals[0]++);
        assertEquals(Readiness.WRITE, writer.socket.readyOps() & Readiness.WRITE, "memory free: writable");
        fillMemory(bench, hog);
        assertEquals(64 * 1024, bench.layer.memoryInUse(), "at the limit");
        assertEquals(0, writer.socket.readyOps() & Readiness.WRITE, "no memory for a byte: not writable");
        assertEquals(-Errno.EAGAIN, writer.write(100), "and a write finds none");
        assertTrue(bench.counters().memoryWriteWaits() >= 1);
        bench.tick();
        signals[0] = 0;
        // Another connection's reader gives memory back: the waiting writer is signalled.
        assertTrue(hog.readAll() > 0);
        bench.tick();
        assertTrue(signals[0] >= 1, "the writer was told memory came back");
        assertEquals(Readiness.WRITE, writer.socket.readyOps() & Readiness.WRITE);
        assertEquals(100, writer.write(100));
    }

    @Test
    void shouldStayWritableIntoAChunkItAlreadyHoldsAtTheLimit()
    {
        final TcpSocket listener = bench.listen(80, 16);
        final PeerConnection hog = bench.acceptFrom(listener, 40000);
        final PeerConnection writer = bench.acceptFrom(listener, 40001);
        // The peer's window is closed, so the written bytes stay in the send ring, holding its first chunk.
        writer.window = 0;
        writer.send(Tcp.tcp(Tcp.ACK));
        assertEquals(10, writer.write(10));
        bench.drain();
        fillMemory(bench, hog);
        assertEquals(Readiness.WRITE, writer.socket.readyOps() & Readiness.WRITE,
            "the rest of the chunk it holds can be written without memory");
        assertEquals(TcpMemory.CHUNK_SIZE - 10, writer.write(TcpMemory.CHUNK_SIZE + 100), "what fits is taken");
        assertEquals(0, writer.socket.readyOps() & Readiness.WRITE);
        assertEquals(-Errno.EAGAIN, writer.write(1));
    }

    @Test
    void shouldWakeEveryWaitingWriterOnceMemoryIsGivenBack()
    {
        final TcpSocket listener = bench.listen(80, 16);
        final PeerConnection hog = bench.acceptFrom(listener, 40000);
        final PeerConnection[] writers = new PeerConnection[3];
        final int[] signals = new int[writers.length];
        for (int i = 0; i < writers.length; i++)
        {
            writers[i] = bench.acceptFrom(listener, 40001 + i);
            final int k = i;
            writers[i].socket.listener(s -> signals[k]++);
        }
        fillMemory(bench, hog);
        for (final PeerConnection w : writers)
        {
            assertEquals(0, w.socket.readyOps() & Readiness.WRITE);
        }
        bench.tick();
        java.util.Arrays.fill(signals, 0);
        assertTrue(hog.readAll() > 0);
        bench.tick();
        for (int i = 0; i < writers.length; i++)
        {
            assertEquals(1, signals[i], "writer " + i + " signalled once");
            assertEquals(Readiness.WRITE, writers[i].socket.readyOps() & Readiness.WRITE);
        }
    }
}
