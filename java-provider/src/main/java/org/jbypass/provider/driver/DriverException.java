package org.jbypass.provider.driver;

/**
 * A driver could not do what it was asked, for a reason outside the program: a missing interface, a permission,
 * memory the kernel would not give. The message says what went wrong and what to do about it, e.g.
 * {@code "afpacket: cannot open jbp0: Operation not permitted (needs CAP_NET_RAW)"}.
 *
 * <p>Unchecked, because drivers are opened where configuration is applied (the provider turns the exception into
 * its own start-up failure) and because {@link org.jbypass.netstack.link.Link}'s methods declare no checked
 * exceptions; the hot paths of a link never throw it: they count errors instead.
 */
public final class DriverException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String driver;
    private final String interfaceName;
    private final int errno;

    /**
     * @param driver        the driver's name, e.g. "afpacket"
     * @param interfaceName the interface it was working on
     * @param errno         the positive errno behind the failure, or 0 if there is none
     * @param message       the whole message, starting with the driver's name
     */
    public DriverException(final String driver, final String interfaceName, final int errno, final String message)
    {
        super(message);
        this.driver = driver;
        this.interfaceName = interfaceName;
        this.errno = errno;
    }

    /** The driver that failed, e.g. "afpacket". */
    public String driver()
    {
        return driver;
    }

    /** The interface the driver was working on. */
    public String interfaceName()
    {
        return interfaceName;
    }

    /** The (positive) errno behind the failure, or 0. */
    public int errno()
    {
        return errno;
    }
}
