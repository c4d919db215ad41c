package org.jbypass.provider.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * What {@code poller.busy-wait-yield = auto} decides ({@link BusyWaitYield#autoYields}): spinners whose peer is
 * another thread of this JVM need a core each and no more, so on two cores a client and its server in one JVM spin
 * without yielding (yielding is what let them share one core, two context switches per round trip); a spinner whose
 * peer is outside the JVM (a kernel client over a veth) leaves two cores to others, as before.
 */
class BusyWaitYieldTest
{
    @Test
    void shouldNotYieldForAClientAndItsServerOfOneJvmOnTwoCores()
    {
        assertFalse(BusyWaitYield.autoYields(2, 2, 0), "both spinning");
        assertFalse(BusyWaitYield.autoYields(2, 1, 0), "one spinning, its peer running on the other core");
        assertFalse(BusyWaitYield.autoYields(2, 0, 0), "nobody else spinning");
    }

    @Test
    void shouldYieldWhenLocalSpinnersOutnumberTheCores()
    {
        assertTrue(BusyWaitYield.autoYields(1, 1, 0), "one core: the peer needs it");
        assertTrue(BusyWaitYield.autoYields(2, 3, 0));
        assertFalse(BusyWaitYield.autoYields(4, 4, 0));
        assertTrue(BusyWaitYield.autoYields(4, 5, 0));
    }

    @Test
    void shouldLeaveTwoCoresToOthersWhenAPeerIsOutsideTheJvm()
    {
        // The veth echo on two cores: the echo thread spins, the kernel client and its receive path need the rest.
        assertTrue(BusyWaitYield.autoYields(2, 0, 1));
        assertFalse(BusyWaitYield.autoYields(3, 0, 1));
        assertTrue(BusyWaitYield.autoYields(3, 0, 2));
        assertFalse(BusyWaitYield.autoYields(4, 0, 2));
    }

    @Test
    void shouldCountBothKindsTogether()
    {
        assertTrue(BusyWaitYield.autoYields(4, 2, 1), "2 local + 1 other + 2 for the other's peer and the rest");
        assertFalse(BusyWaitYield.autoYields(5, 2, 1));
        assertTrue(BusyWaitYield.autoYields(4, 1, 1), "the lone local spinner's peer takes a core too");
        assertFalse(BusyWaitYield.autoYields(5, 1, 1));
    }
}
