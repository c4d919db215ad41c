package org.jbypass.provider.semantics;

import java.lang.reflect.Method;

/** Virtual threads through reflection: the code is compiled for Java 17, where they do not exist. */
final class VirtualThreads
{
    private static final Method OF_VIRTUAL;
    private static final Method UNSTARTED;

    static
    {
        Method ofVirtual = null;
        Method unstarted = null;
        try
        {
            ofVirtual = Thread.class.getMethod("ofVirtual");
            unstarted = Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class);
        }
        catch (final ReflectiveOperationException e)
        {
            // Java 17: no virtual threads.
        }
        OF_VIRTUAL = ofVirtual;
        UNSTARTED = unstarted;
    }

    private VirtualThreads()
    {
    }

    static boolean available()
    {
        return OF_VIRTUAL != null;
    }

    static Thread unstarted(final Runnable task)
    {
        try
        {
            return (Thread)UNSTARTED.invoke(OF_VIRTUAL.invoke(null), task);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new IllegalStateException("virtual threads are not available", e);
        }
    }
}
