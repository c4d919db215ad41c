package org.jbypass.provider.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.api.Test;

/** The JDK's provider, obtained without --add-exports, works through the public API. */
class PlatformProviderTest
{
    @Test
    void shouldAllocateTheEpollProviderWithoutExports() throws IOException
    {
        // The tests run without --add-exports, as users do: the provider is allocated, not fetched.
        assertEquals("allocated", PlatformProvider.how());
        final SelectorProvider platform = PlatformProvider.get();
        assertSame(platform, PlatformProvider.get());
        assertEquals("sun.nio.ch.EPollSelectorProvider", platform.getClass().getName());
        try (SocketChannel ch = platform.openSocketChannel(); AbstractSelector selector = platform.openSelector())
        {
            assertTrue(ch.getClass().getName().startsWith("sun.nio.ch."));
            assertSame(platform, ch.provider());
            assertEquals(0, selector.selectNow());
        }
    }
}
