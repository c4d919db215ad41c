package org.jbypass.provider.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads jbypass's native library, {@code libjbypass.so}, once per class loader.
 *
 * <p>The library travels inside the jar at {@value #RESOURCE} (Maven builds it with CMake and packs it there). It
 * is copied to a private temporary file (mode 0600, in {@code java.io.tmpdir} or the directory named by
 * {@value #DIRECTORY_PROPERTY}), loaded with {@link System#load}, and the file is deleted at once: the mapping
 * stays valid after the unlink, and nothing is left behind even if the JVM is killed. Setting
 * {@value #LIBRARY_PROPERTY} to a file loads that file instead (for native development).
 *
 * <p>Loading runs the library's {@code JNI_OnLoad}, which registers the natives of each binding class
 * ({@link AfPacketNative}, {@link RdmaNative}) with {@code RegisterNatives}; the library exports no other symbol.
 * A binding class absent from the class path is skipped (its driver is then unavailable); one that does not match
 * the library's table fails the load, and {@link #load} says to rebuild both.
 *
 * <p>JDK 24 and later print a warning when {@code System.load} is called from the class path (JEP 472: restricted
 * methods). It is harmless; {@code --enable-native-access=ALL-UNNAMED} silences it, and so does the
 * {@code Enable-Native-Access: ALL-UNNAMED} manifest attribute of {@code jbypass.jar} when the application is
 * started with {@code java -jar}. Nothing in the code can or should avoid it.
 *
 * <p>Thread safe: concurrent first calls load the library once; a failure is remembered and reported again, with
 * the same message, to every later caller.
 */
public final class NativeLibrary
{
    /** Where the library lives inside the jar. */
    public static final String RESOURCE = "/META-INF/native/linux-x86_64/libjbypass.so";
    /** A system property naming a library file to load instead of the one in the jar. */
    public static final String LIBRARY_PROPERTY = "jbypass.native.library";
    /** A system property naming the directory the library is extracted to (default: java.io.tmpdir). */
    public static final String DIRECTORY_PROPERTY = "jbypass.native.dir";

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static UnsatisfiedLinkError failure;

    private NativeLibrary()
    {
    }

    /**
     * Loads the library unless it is loaded already.
     *
     * @throws UnsatisfiedLinkError saying why, and what to do, when it cannot be loaded
     */
    public static void load()
    {
        if (loaded)
        {
            return;
        }
        synchronized (LOCK)
        {
            if (loaded)
            {
                return;
            }
            if (failure != null)
            {
                throw again(failure);
            }
            try
            {
                loadOnce();
                loaded = true;
            }
            catch (final UnsatisfiedLinkError e)
            {
                failure = e;
                throw e;
            }
        }
    }

    /** Whether the library has been loaded. */
    public static boolean isLoaded()
    {
        return loaded;
    }

    private static void loadOnce()
    {
        final String platformProblem = platformProblem(System.getProperty("os.name"), System.getProperty("os.arch"));
        if (platformProblem != null)
        {
            throw new UnsatisfiedLinkError(platformProblem);
        }
        final String explicit = System.getProperty(LIBRARY_PROPERTY);
        if (explicit != null && !explicit.isBlank())
        {
            loadFile(Paths.get(explicit).toAbsolutePath(), "the file named by -D" + LIBRARY_PROPERTY);
            return;
        }
        final Path file = extract();
        try
        {
            loadFile(file, "the copy extracted to " + file.getParent()
                + " (if that directory is mounted noexec, set -D" + DIRECTORY_PROPERTY + " to one that is not)");
        }
        finally
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException e)
            {
                file.toFile().deleteOnExit();
            }
        }
    }

    /**
     * Says why this platform cannot run the library, or returns null if it can. Package-private for tests.
     */
    static String platformProblem(final String osName, final String osArch)
    {
        final String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        final String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64")))
        {
            return null;
        }
        return "jbypass: the native library is built for linux-x86_64 only, and this JVM runs on " + osName + "/"
            + osArch + "; kernel bypass needs Linux on x86-64";
    }

    private static Path extract()
    {
        final String configured = System.getProperty(DIRECTORY_PROPERTY);
        final Path directory = Paths.get(configured != null && !configured.isBlank()
            ? configured : System.getProperty("java.io.tmpdir"));
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new UnsatisfiedLinkError("jbypass: the native library is missing from the class path ("
                    + RESOURCE + "); use jbypass.jar as built by `mvn package`, which builds it with CMake");
            }
            final Path file = Files.createTempFile(directory, "libjbypass-", ".so",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try
            {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final IOException e)
            {
                Files.deleteIfExists(file);
                throw e;
            }
            return file;
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            final UnsatisfiedLinkError error = new UnsatisfiedLinkError("jbypass: cannot extract the native library to "
                + directory + ": " + e + " (set -D" + DIRECTORY_PROPERTY + " to a writable directory)");
            error.initCause(e);
            throw error;
        }
    }

    private static void loadFile(final Path file, final String what)
    {
        try
        {
            System.load(file.toString());
        }
        catch (final UnsatisfiedLinkError e)
        {
            final UnsatisfiedLinkError error = new UnsatisfiedLinkError("jbypass: cannot load the native library, "
                + what + ": " + e.getMessage());
            error.initCause(e);
            throw error;
        }
        catch (final NoSuchMethodError e)
        {
            // JNI_OnLoad's RegisterNatives found a binding class without one of the library's natives.
            final UnsatisfiedLinkError error = new UnsatisfiedLinkError("jbypass: the native library, " + what
                + ", does not match the Java classes (" + e.getMessage() + "): rebuild both with `mvn package`");
            error.initCause(e);
            throw error;
        }
    }

    private static UnsatisfiedLinkError again(final UnsatisfiedLinkError first)
    {
        final UnsatisfiedLinkError error = new UnsatisfiedLinkError(first.getMessage());
        error.initCause(first);
        return error;
    }
}
