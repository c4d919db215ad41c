package org.jbypass.provider.config;

/**
 * Settings of the stack as a whole ({@code stack.*}).
 *
 * @param buffers    the number of packet buffers in the pool shared by all interfaces
 * @param bufferSize the size of each, which bounds the largest frame (MTU + 14)
 * @param seed       the seed of the stack's randomness (initial sequence numbers, ephemeral ports), or null to
 *                   draw one from {@link java.security.SecureRandom} at start
 */
public record StackSettings(int buffers, int bufferSize, Long seed)
{
    public static final String BUFFERS = "stack.buffers";
    public static final String BUFFER_SIZE = "stack.buffer-size";
    public static final String SEED = "stack.seed";

    public static final int DEFAULT_BUFFERS = 16_384;
    public static final int DEFAULT_BUFFER_SIZE = 2_048;
    public static final int MIN_BUFFERS = 256;
    public static final int MAX_BUFFERS = 1 << 20;
    public static final int MIN_BUFFER_SIZE = 1_024;
    public static final int MAX_BUFFER_SIZE = 16_384;

    public static StackSettings defaults()
    {
        return new StackSettings(DEFAULT_BUFFERS, DEFAULT_BUFFER_SIZE, null);
    }
}
