package org.jbypass.provider.config;

/** Where a bind to the wildcard address (0.0.0.0, ::, or no address at all) goes: {@code bind.wildcard}. */
public enum WildcardBinding
{
    /** To the JDK's own implementation: the application's wildcard listeners stay on the kernel (the default). */
    KERNEL("kernel"),
    /** To the stack: the socket is bound on every stack interface, and on no kernel interface. */
    STACK("stack");

    private final String configName;

    WildcardBinding(final String configName)
    {
        this.configName = configName;
    }

    public String configName()
    {
        return configName;
    }
}
