package org.jbypass.provider.config;

/** Which implementation serves a socket, as decided by the {@link Router} at bind or connect time. */
public enum Backend
{
    /** The jbypass stack. */
    STACK,
    /** The JDK's own implementation, untouched: the kernel's sockets. */
    KERNEL
}
