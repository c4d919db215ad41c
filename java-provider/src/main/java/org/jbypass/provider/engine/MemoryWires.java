package org.jbypass.provider.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jbypass.netstack.link.virtual.MemoryWire;

/**
 * The in-memory wires of this JVM, by name: the interfaces of several providers that name the same wire in
 * {@code host-if} (driver {@code memory}) are joined by it. The first interface to open a wire sets its MTU and
 * queue size. Wires live as long as the JVM; each holds only its ports' queues.
 */
public final class MemoryWires
{
    private static final ConcurrentMap<String, MemoryWire> WIRES = new ConcurrentHashMap<>();

    private MemoryWires()
    {
    }

    /** The wire of that name, made with these settings if it does not exist yet. */
    public static MemoryWire wire(final String name, final int mtu, final int queueCapacity)
    {
        return WIRES.computeIfAbsent(name, n -> MemoryWire.builder().name(n).mtu(mtu).queueCapacity(queueCapacity)
            .build());
    }
}
