package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * What {@code poller.busy-wait-yield = auto} decides ({@link BusyWaitYield#autoYields}): spinners whose peers are
 * threads of this JVM keep their cores while the machine has a core for them and for every other runnable thread,
 * so on an idle 2-core machine a client and its server in one JVM spin without yielding (yielding is what let them
 * share one core, two context switches per round trip), and on a loaded one they yield; a spinner whose peer is
 * outside the JVM (a kernel client over a veth) leaves two cores to others, as before, and so does every spinner
 * when the machine's runnable count is unknown.
 */
class BusyWaitYieldTest
{
    private static final int UNKNOWN = -1;

    @Test
    void shouldNotYieldForAClientAndItsServerOfOneJvmOnAnIdleTwoCoreMachine()
    {
        assertFalse(BusyWaitYield.autoYields(2, 2, 0, 2), "both spinning, nothing else runnable");
        assertFalse(BusyWaitYield.autoYields(2, 1, 0, 2), "one spinning, its peer running on the other core");
        assertFalse(BusyWaitYield.autoYields(2, 1, 0, 1), "one spinning, its peer parked");
        assertFalse(BusyWaitYield.autoYields(2, 2, 0, 1), "a stale sample counts no fewer than the spinners");
    }

    @Test
    void shouldYieldForThemWhenOtherThreadsWantTheCores()
    {
        assertTrue(BusyWaitYield.autoYields(2, 2, 0, 3), "the JIT, a poller or another process runs");
        assertTrue(BusyWaitYield.autoYields(2, 2, 0, 17), "a loaded machine");
        assertTrue(BusyWaitYield.autoYields(2, 1, 0, 3));
        assertFalse(BusyWaitYield.autoYields(4, 2, 0, 4));
        assertTrue(BusyWaitYield.autoYields(4, 2, 0, 5));
        assertTrue(BusyWaitYield.autoYields(1, 1, 0, 1), "one core: never keep it");
        assertTrue(BusyWaitYield.autoYields(2, 3, 0, 3), "more spinners than cores");
    }

    @Test
    void shouldLeaveTwoCoresToOthersWhenAPeerIsOutsideTheJvm()
    {
        // The veth echo on two cores: the echo thread spins, the kernel client and its receive path need the rest,
        // however idle the machine looks (the kernel's receive path runs in softirq, no runnable thread).
        assertTrue(BusyWaitYield.autoYields(2, 0, 1, 1));
        assertTrue(BusyWaitYield.autoYields(2, 0, 1, UNKNOWN));
        assertFalse(BusyWaitYield.autoYields(3, 0, 1, 1));
        assertTrue(BusyWaitYield.autoYields(3, 0, 2, 2));
        assertFalse(BusyWaitYield.autoYields(4, 0, 2, 30), "as before: the runnable count is not asked");
    }

    @Test
    void shouldCountEverySpinnerAsBeforeWhenAnyPeerIsOutsideOrTheCountIsUnknown()
    {
        assertTrue(BusyWaitYield.autoYields(4, 2, 1, 3), "2 local + 1 other + 2 for the other's peer and the rest");
        assertFalse(BusyWaitYield.autoYields(5, 2, 1, 3));
        assertTrue(BusyWaitYield.autoYields(2, 2, 0, UNKNOWN), "unknown: as before, one core each plus two");
        assertFalse(BusyWaitYield.autoYields(4, 2, 0, UNKNOWN));
    }
}
