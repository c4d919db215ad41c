package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The machine's runnable threads for {@code poller.busy-wait-yield = auto} ({@link RunnableThreads}): the number
 * before the slash of {@code /proc/loadavg}'s fourth field, -1 for anything else.
 */
class RunnableThreadsTest
{
    private static int parse(final String line)
    {
        final byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        return RunnableThreads.parse(bytes, bytes.length);
    }

    @Test
    void shouldReadTheRunnableCountOfALoadavgLine()
    {
        assertEquals(3, parse("0.52 0.58 0.59 3/249 12345\n"));
        assertEquals(26, parse("17.16 16.99 12.39 26/508 32759\n"));
        assertEquals(1, parse("0.00 0.00 0.00 1/73 4\n"));
    }

    @Test
    void shouldRefuseWhatIsNotOne()
    {
        assertEquals(-1, parse(""));
        assertEquals(-1, parse("0.52 0.58 0.59"));
        assertEquals(-1, parse("0.52 0.58 0.59 /249 12345"));
        assertEquals(-1, parse("0.52 0.58 0.59 3 249 12345"));
        assertEquals(-1, parse("0.52 0.58 0.59 12345678901/249 1"));
        assertEquals(-1, parse("a b c d/e"));
    }

    @Test
    void shouldSampleOncePerPeriodAndKeepTheCountBetween()
    {
        final int[] reads = {0};
        final RunnableThreads sampler = new RunnableThreads(() -> 10 + reads[0]++, 1_000);
        assertEquals(-1, sampler.count(999), "nothing sampled before the first sample is due");
        assertEquals(10, sampler.count(1_000));
        assertEquals(10, sampler.count(1_000 + RunnableThreads.PERIOD_NANOS - 1), "the period's sample");
        assertEquals(1, reads[0]);
        assertEquals(11, sampler.count(1_000 + RunnableThreads.PERIOD_NANOS));
        assertEquals(2, reads[0]);
    }

    @Test
    void shouldCountAtLeastTheThreadThatAsksOnLinux() throws Exception
    {
        if (!Files.isReadable(Path.of("/proc/loadavg")))
        {
            assertEquals(-1, RunnableThreads.machine().count(System.nanoTime()), "unknown without /proc/loadavg");
            return;
        }
        // The first call of a period samples; this thread is running when the kernel counts.
        final int count = RunnableThreads.machine().count(System.nanoTime() + RunnableThreads.PERIOD_NANOS * 1000);
        assertTrue(count >= 1, () -> "runnable threads " + count);
    }
}
