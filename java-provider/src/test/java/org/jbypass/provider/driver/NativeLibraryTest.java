package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

class NativeLibraryTest
{
    @Test
    void shouldLoadOnceFromConcurrentCallers() throws InterruptedException
    {
        final CountDownLatch start = new CountDownLatch(1);
        final List<Throwable> failures = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            final Thread thread = new Thread(() ->
            {
                try
                {
                    start.await();
                    NativeLibrary.load();
                }
                catch (final Throwable t)
                {
                    synchronized (failures)
                    {
                        failures.add(t);
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertEquals(List.of(), failures);
        assertTrue(NativeLibrary.isLoaded());
        NativeLibrary.load();
    }

    @Test
    void shouldRegisterTheAfPacketNatives()
    {
        AfPacketNative.ensureLoaded();
        assertEquals("Operation not permitted", AfPacketNative.errorMessage(1));
        assertEquals("No such device", AfPacketNative.errorMessage(-19));
        assertEquals(AfPacketNative.STATS_WORDS, AfPacketNative.statsWords());
        assertEquals(-22, AfPacketNative.address(java.nio.ByteBuffer.allocate(16)));
        assertTrue(AfPacketNative.address(java.nio.ByteBuffer.allocateDirect(16)) > 0);
    }

    @Test
    void shouldExplainAnUnsupportedPlatform()
    {
        assertNull(NativeLibrary.platformProblem("Linux", "amd64"));
        assertNull(NativeLibrary.platformProblem("Linux", "x86_64"));
        assertEquals("jbypass: the native library is built for linux-x86_64 only, and this JVM runs on Mac OS X/aarch64;"
                + " kernel bypass needs Linux on x86-64",
            NativeLibrary.platformProblem("Mac OS X", "aarch64"));
        assertTrue(NativeLibrary.platformProblem("Linux", "aarch64").contains("Linux/aarch64"));
    }
}
