package org.jbypass.provider.semantics;

import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;

import org.jbypass.provider.channel.PlatformProvider;

/** The suite against the JDK's own provider over loopback: what every other run must match. */
class JdkChannelSemanticsTest extends ChannelSemanticsSuite
{
    @Override
    protected SelectorProvider clientProvider()
    {
        return PlatformProvider.get();
    }

    @Override
    protected SelectorProvider serverProvider()
    {
        return PlatformProvider.get();
    }

    @Override
    protected InetAddress serverAddress()
    {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    protected InetAddress clientAddress()
    {
        return InetAddress.getLoopbackAddress();
    }
}
