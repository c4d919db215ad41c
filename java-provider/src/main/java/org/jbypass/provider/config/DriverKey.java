package org.jbypass.provider.config;

import java.util.List;

/**
 * An optional per-interface key that only some drivers have ({@code interface.NAME.rx-block-size}, ...), with the
 * type and range its value must have.
 *
 * @param name       the key's suffix after {@code interface.NAME.}
 * @param type       what the value is
 * @param min        the smallest number allowed (numbers only)
 * @param max        the largest number allowed (numbers only)
 * @param powerOfTwo whether a number must be a power of two
 * @param choices    the words allowed (choices only)
 */
public record DriverKey(String name, Type type, int min, int max, boolean powerOfTwo, List<String> choices)
{
    /** The kinds of value. */
    public enum Type
    {
        INTEGER, BOOLEAN, CHOICE
    }

    static DriverKey integer(final String name, final int min, final int max)
    {
        return new DriverKey(name, Type.INTEGER, min, max, false, List.of());
    }

    static DriverKey powerOfTwo(final String name, final int min, final int max)
    {
        return new DriverKey(name, Type.INTEGER, min, max, true, List.of());
    }

    static DriverKey bool(final String name)
    {
        return new DriverKey(name, Type.BOOLEAN, 0, 0, false, List.of());
    }

    static DriverKey choice(final String name, final String... choices)
    {
        return new DriverKey(name, Type.CHOICE, 0, 0, false, List.of(choices));
    }
}
