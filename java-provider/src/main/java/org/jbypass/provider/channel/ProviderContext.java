package org.jbypass.provider.channel;

import java.io.IOException;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.locks.ReentrantLock;

import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.config.Router;
import org.jbypass.provider.engine.LinkFactory;
import org.jbypass.provider.engine.StackEngine;

/**
 * What every channel of one provider shares: the provider itself, the JDK's provider, the configuration (read at
 * first use) and the stack (started the first time a socket is routed to it).
 *
 * <p>Without any configuration (the {@code jbypass.config} property not set: jbypass.jar is merely on the class path,
 * and its service file made this the system-wide provider) every socket goes to the JDK, and one INFO line on the
 * {@code org.jbypass.provider} logger says so. A configuration that is given but fails to load fails every later use
 * with the same message: the provider never falls back to the kernel because of it. A stack that fails to start (a link that cannot be opened) does the same for every
 * socket routed to it; kernel sockets are unaffected.
 */
public final class ProviderContext
{
    /** Where the configuration comes from. */
    @FunctionalInterface
    public interface ConfigSource
    {
        /** No configuration: every socket goes to the JDK. */
        ConfigSource NONE = () -> null;

        /**
         * Reads the configuration.
         *
         * @return the configuration, or null when none was given (every socket then goes to the JDK)
         * @throws ConfigurationException when a configuration was given but is missing or wrong
         */
        BypassConfig load() throws ConfigurationException;
    }

    private static final System.Logger LOG = System.getLogger("org.jbypass.provider");

    private final SelectorProvider provider;
    private final SelectorProvider platform;
    private final ConfigSource configSource;
    private final LinkFactory links;
    private final AdaptorFactory adaptors;
    private final ReentrantLock startLock = new ReentrantLock();
    private volatile Router router;
    private volatile ConfigurationException configFailure;
    private volatile StackEngine engine;
    private volatile IOException engineFailure;

    /**
     * @param provider     the provider whose channels these are
     * @param platform     the JDK's provider
     * @param configSource reads the configuration, at first use
     * @param links        opens the links of configured interfaces
     * @param adaptors     makes the socket() adaptors of channels
     */
    public ProviderContext(final SelectorProvider provider, final SelectorProvider platform,
        final ConfigSource configSource, final LinkFactory links, final AdaptorFactory adaptors)
    {
        this.adaptors = adaptors;
        this.provider = provider;
        this.platform = platform;
        this.configSource = configSource;
        this.links = links;
    }

    /**
     * The configuration named by the {@code jbypass.config} system property: none when the property is not set;
     * a property set to nothing is a mistake (an unset variable in a start script) and fails naming the key.
     */
    public static ConfigSource systemConfig()
    {
        return () ->
        {
            final String file = System.getProperty(BypassConfig.FILE_PROPERTY);
            if (file == null)
            {
                return null;
            }
            if (file.isBlank())
            {
                throw new ConfigurationException(null, BypassConfig.FILE_PROPERTY, "no configuration file given: "
                    + "start the JVM with -D" + BypassConfig.FILE_PROPERTY + "=FILE or with "
                    + "-javaagent:jbypass.jar=config=FILE");
            }
            return BypassConfig.load(java.nio.file.Path.of(file));
        };
    }

    public SelectorProvider provider()
    {
        return provider;
    }

    public SelectorProvider platform()
    {
        return platform;
    }

    public AdaptorFactory adaptors()
    {
        return adaptors;
    }

    /**
     * The routing decision of the configuration, reading the configuration the first time.
     *
     * @throws ConfigurationException when the configuration is missing or wrong
     */
    public Router router() throws ConfigurationException
    {
        final Router r = router;
        if (r != null)
        {
            return r;
        }
        startLock.lock();
        try
        {
            if (router == null)
            {
                rethrowConfigFailure();
                try
                {
                    final BypassConfig config = configSource.load();
                    if (config == null)
                    {
                        LOG.log(System.Logger.Level.INFO, "jbypass: no configuration (-D" + BypassConfig.FILE_PROPERTY
                            + " is not set): every socket is served by the JDK");
                        router = Router.kernelOnly();
                    }
                    else
                    {
                        router = new Router(config);
                    }
                }
                catch (final ConfigurationException e)
                {
                    configFailure = e;
                    throw e;
                }
            }
            return router;
        }
        finally
        {
            startLock.unlock();
        }
    }

    private void rethrowConfigFailure() throws ConfigurationException
    {
        final ConfigurationException e = configFailure;
        if (e != null)
        {
            // A new exception, so the trace shows this call site, with the same message and the first as cause.
            throw new ConfigurationException(e.file(), e.key(), e.detail(), e);
        }
    }

    /** The running stack if it has started, else null; starts nothing. */
    public StackEngine startedEngine()
    {
        return engine;
    }

    /**
     * The running stack, started the first time.
     *
     * @throws IOException when the configuration is wrong or a link cannot be opened
     */
    public StackEngine engine() throws IOException
    {
        final StackEngine e = engine;
        if (e != null)
        {
            return e;
        }
        final Router r = router();
        startLock.lock();
        try
        {
            if (engine == null)
            {
                if (r.config() == null)
                {
                    // Unreachable: without configuration the router sends nothing to the stack.
                    throw new IOException("jbypass has no configuration: no socket can be served by the stack");
                }
                if (engineFailure != null)
                {
                    throw new IOException("jbypass stack could not start: " + engineFailure.getMessage(),
                        engineFailure);
                }
                try
                {
                    final StackEngine started = StackEngine.start(r.config(), links);
                    if (r.config().interfaces().stream().anyMatch(i -> i.pcap() != null))
                    {
                        // Captures are written a buffer at a time: close the stack at exit so that the end of the
                        // capture reaches the file. (Without captures, the process's exit releases everything.)
                        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "jbypass-shutdown"));
                    }
                    engine = started;
                }
                catch (final IOException | RuntimeException failure)
                {
                    engineFailure = failure instanceof IOException ? (IOException)failure : new IOException(failure);
                    throw engineFailure;
                }
            }
            return engine;
        }
        finally
        {
            startLock.unlock();
        }
    }

    /** Stops the stack, if it was started. */
    public void shutdown()
    {
        final StackEngine e = engine;
        if (e != null)
        {
            e.close();
        }
    }
}
