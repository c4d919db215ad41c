package org.jbypass.provider.engine;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;

/**
 * Reads a counters object of the stack (IP, UDP, TCP, link counters) into a map, by its public {@code long} fields
 * or its public no-argument methods returning {@code long}: the counter classes stay plain, and monitoring, which
 * runs seconds apart, pays the reflection.
 */
final class Counters
{
    private Counters()
    {
    }

    /** Puts {@code prefix + name -> value} for every counter of {@code counters} into {@code into}. */
    static void read(final String prefix, final Object counters, final Map<String, Long> into)
    {
        final Class<?> type = counters.getClass();
        try
        {
            for (final Field field : type.getFields())
            {
                if (field.getType() == long.class && !Modifier.isStatic(field.getModifiers()))
                {
                    into.put(prefix + field.getName(), field.getLong(counters));
                }
            }
            for (final Method method : type.getMethods())
            {
                if (method.getReturnType() == long.class && method.getParameterCount() == 0
                    && !Modifier.isStatic(method.getModifiers()) && method.getDeclaringClass() != Object.class)
                {
                    into.put(prefix + method.getName(), (Long)method.invoke(counters));
                }
            }
        }
        catch (final ReflectiveOperationException e)
        {
            throw new IllegalStateException("cannot read the counters of " + type.getName(), e);
        }
    }
}
