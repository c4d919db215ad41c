package org.jbypass.provider.semantics;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;

/**
 * The suite against two jbypass stacks joined by an in-memory wire, as {@link StackChannelSemanticsTest}, with the
 * latency profile: every blocking operation and every selection on stack keys drives the stack itself for a while
 * before it parks, racing the pollers for the rings. The JDK's semantics must hold all the same.
 */
class BusyWaitChannelSemanticsTest extends StackChannelSemanticsTest
{
    private static final Stacks STACKS = new Stacks("busy-semantics-", "198.18.241", Map.of("profile", "latency"));

    /** Hides the stack test's: JUnit runs this one, for this class's stacks. */
    @AfterAll
    static void shutdown()
    {
        STACKS.shutdown();
    }

    @Override
    protected Stacks stacks()
    {
        return STACKS;
    }
}
