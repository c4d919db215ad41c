package org.jbypass.provider.agent;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;

import org.jbypass.provider.BypassSelectorProvider;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.net.LegacySocketFactories;

/**
 * The {@code -javaagent:jbypass.jar=config=FILE} entry point. Before the application's main runs it:
 *
 * <ol>
 *   <li>sets {@code jbypass.config} from the agent argument;</li>
 *   <li>sets {@code java.nio.channels.spi.SelectorProvider} to {@link BypassSelectorProvider}, unless the user set
 *       it (the jar's service file would select it too: the agent jar is on the system class path);</li>
 *   <li>installs the socket implementation factories, so that {@code java.net.Socket}, {@code ServerSocket} and
 *       {@code DatagramSocket}, which do not go through the SelectorProvider, are routed too.</li>
 * </ol>
 *
 * It reads no configuration and starts no thread: both happen at the first socket's bind or connect. Arguments are
 * comma-separated {@code key=value} pairs; {@code config} is the only key.
 */
public final class BypassAgent
{
    private static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";
    private static boolean installed;

    private BypassAgent()
    {
    }

    public static void premain(final String args, final Instrumentation instrumentation) throws IOException
    {
        install(args);
    }

    public static void agentmain(final String args, final Instrumentation instrumentation) throws IOException
    {
        install(args);
    }

    static synchronized void install(final String args) throws IOException
    {
        if (installed)
        {
            return;
        }
        if (args != null && !args.isBlank())
        {
            for (final String pair : args.split(","))
            {
                final int eq = pair.indexOf('=');
                final String key = eq < 0 ? pair.trim() : pair.substring(0, eq).trim();
                final String value = eq < 0 ? "" : pair.substring(eq + 1).trim();
                if (!key.equals("config") || value.isEmpty())
                {
                    throw new IllegalArgumentException("jbypass agent: unknown argument '" + pair.trim()
                        + "' (expected -javaagent:jbypass.jar=config=FILE)");
                }
                System.setProperty(BypassConfig.FILE_PROPERTY, Path.of(value).toAbsolutePath().toString());
            }
        }
        if (System.getProperty(PROVIDER_PROPERTY) == null)
        {
            System.setProperty(PROVIDER_PROPERTY, BypassSelectorProvider.class.getName());
        }
        LegacySocketFactories.install(BypassAgent::provider);
        installed = true;
    }

    /** The system-wide provider, which the agent made ours. */
    private static SelectorProvider provider()
    {
        final SelectorProvider provider = SelectorProvider.provider();
        if (!(provider instanceof BypassSelectorProvider))
        {
            throw new IllegalStateException("jbypass agent: the system-wide SelectorProvider is "
                + (provider == null ? "not set up yet" : provider.getClass().getName()) + ", not "
                + BypassSelectorProvider.class.getName() + "; remove -D" + PROVIDER_PROPERTY);
        }
        return provider;
    }
}
