package org.jbypass.provider.channel;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own {@link SelectorProvider} (epoll on Linux), to which every socket the stack does not serve is
 * delegated, and whose selector is the hybrid selector's only blocking primitive.
 *
 * <p>No public API returns it: once a custom provider is installed, {@code SelectorProvider.provider()} returns
 * that one (and returns null while it is being constructed), and {@code sun.nio.ch.DefaultSelectorProvider.get()}
 * lives in a package {@code java.base} does not export. Two ways in, tried in this order:
 *
 * <ol>
 *   <li>If the package is exported to us (the user passed {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED},
 *       needed by some other framework anyway), call {@code DefaultSelectorProvider.get()} and use the JDK's own
 *       singleton.</li>
 *   <li>Otherwise load {@code sun.nio.ch.EPollSelectorProvider} by name (loading a class needs no export) and
 *       create an instance without running its constructor, through {@code sun.misc.Unsafe.allocateInstance}
 *       ({@code jdk.unsupported} opens {@code sun.misc} to everyone, and JDK 17 to 25 print no warning for this
 *       method). The class and its superclasses declare no instance fields and their constructors do nothing but a
 *       permission check that only a security manager makes, so the instance is indistinguishable from one built
 *       by {@code new}. Afterwards it is used only through the public {@code SelectorProvider} methods, so no
 *       access check ever applies.</li>
 * </ol>
 *
 * The second way is why neither launch form needs {@code --add-exports}. It was preferred over exporting the
 * package from the agent with {@code Instrumentation.redefineModule}, because that would work only under
 * {@code -javaagent}, not with {@code -Djava.nio.channels.spi.SelectorProvider}, and would open the JDK's internals
 * to the whole application as a side effect.
 */
public final class PlatformProvider
{
    private static final String DEFAULT_PROVIDER = "sun.nio.ch.DefaultSelectorProvider";
    private static final String EPOLL_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

    private PlatformProvider()
    {
    }

    /** The JDK's provider; the same instance every time. */
    public static SelectorProvider get()
    {
        return Holder.INSTANCE;
    }

    /** How the instance was obtained, for logs and tests: "exported" or "allocated". */
    public static String how()
    {
        return Holder.HOW;
    }

    private static final class Holder
    {
        private static final String HOW;
        private static final SelectorProvider INSTANCE;

        static
        {
            final boolean exported = Object.class.getModule().isExported("sun.nio.ch",
                PlatformProvider.class.getModule());
            SelectorProvider provider;
            try
            {
                provider = exported ? fromDefault() : allocate();
            }
            catch (final ReflectiveOperationException | RuntimeException e)
            {
                throw new IllegalStateException("jbypass cannot obtain the JDK's SelectorProvider ("
                    + System.getProperty("java.vendor") + ' ' + System.getProperty("java.version") + ", "
                    + System.getProperty("os.name") + "): only Linux JDKs 17 and later are supported", e);
            }
            INSTANCE = provider;
            HOW = exported ? "exported" : "allocated";
        }

        private static SelectorProvider fromDefault() throws ReflectiveOperationException
        {
            final Method get = Class.forName(DEFAULT_PROVIDER).getMethod("get");
            return (SelectorProvider)get.invoke(null);
        }

        private static SelectorProvider allocate() throws ReflectiveOperationException
        {
            // Reflectively, so that the build has no compile-time use of sun.misc (jdk.unsupported exports and
            // opens it, so no access check fails).
            final Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            final Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            final Object unsafe = field.get(null);
            final Class<?> type = Class.forName(EPOLL_PROVIDER, true, null);
            if (!SelectorProvider.class.isAssignableFrom(type))
            {
                throw new IllegalStateException(EPOLL_PROVIDER + " is not a SelectorProvider");
            }
            final Method allocate = unsafeClass.getMethod("allocateInstance", Class.class);
            return (SelectorProvider)allocate.invoke(unsafe, type);
        }
    }
}
