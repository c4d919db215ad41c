package org.jbypass.provider.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a queue's snapshot names its state, its recreations and its last error completion. */
class RdmaQueueCountersTest
{
    private static RdmaQueueCounters tx(final int state, final long lastSyndrome, final String words,
        final long recreations)
    {
        return new RdmaQueueCounters("tx1", 10, 1000, 0, 0, 1, 0, lastSyndrome, state, 3, 0, 0, words, recreations);
    }

    @Test
    void shouldNameEveryState()
    {
        assertEquals("ok", tx(RdmaNative.Q_OK, 0, "", 0).state());
        assertEquals("error", tx(RdmaNative.Q_ERROR, 0, "", 0).state());
        assertEquals("recreating", tx(RdmaNative.Q_RECREATE, 0, "", 0).state());
        assertEquals("dead", tx(RdmaNative.Q_DEAD, 0, "", 0).state());
    }

    @Test
    void shouldShowRecreationsAndTheLastSyndromeInWords()
    {
        final RdmaQueueCounters c = tx(RdmaNative.Q_OK, 0x5104, "local protection error (bad lkey)", 2);
        assertEquals(2, c.recreations());
        assertEquals("local protection error (bad lkey)", c.lastSyndromeWords());
        final String text = c.toString();
        assertTrue(text.contains(" recreations=2 "), text);
        assertTrue(text.contains("last_syndrome=0x5104 (local protection error (bad lkey), vendor syndrome 0x51)"),
            text);
        assertTrue(!tx(RdmaNative.Q_OK, 0, "", 0).toString().contains("vendor"), "no error, no words");
    }
}
