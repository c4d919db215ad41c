package org.jbypass.provider.config;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A configuration that cannot be used: a missing or unreadable file, an unknown key or driver, a malformed address
 * or number, a missing required key. The message names the file and the key, so that the user can fix it without
 * reading code; the provider never falls back to the kernel silently when it sees one.
 *
 * <p>An {@link IOException} because it surfaces from the operations that first need the configuration
 * ({@code SocketChannel.open()}, {@code bind}, {@code connect}, {@code new Socket()}), all of which declare
 * {@code IOException}, so that applications report it as they report any other I/O failure.
 */
public final class ConfigurationException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String key;
    private final String detail;

    /**
     * @param file   the configuration file, or null when none was given
     * @param key    the offending key, or null when the problem is the file itself
     * @param detail what is wrong and, where it helps, what is expected
     */
    public ConfigurationException(final Path file, final String key, final String detail)
    {
        super(format(file, key, detail));
        this.file = file;
        this.key = key;
        this.detail = detail;
    }

    public ConfigurationException(final Path file, final String key, final String detail, final Throwable cause)
    {
        super(format(file, key, detail), cause);
        this.file = file;
        this.key = key;
        this.detail = detail;
    }

    /** The configuration file the error is about, or null when none was given. */
    public Path file()
    {
        return file;
    }

    /** The key the error is about, or null when it is about the file as a whole. */
    public String key()
    {
        return key;
    }

    /** What is wrong, without the file and the key. */
    public String detail()
    {
        return detail;
    }

    private static String format(final Path file, final String key, final String detail)
    {
        final StringBuilder sb = new StringBuilder("jbypass configuration");
        if (file != null)
        {
            sb.append(' ').append(file);
        }
        if (key != null)
        {
            sb.append(", key ").append(key);
        }
        return sb.append(": ").append(detail).toString();
    }
}
