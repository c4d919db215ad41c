package org.jbypass.provider.config;

/**
 * Impairments applied to an interface's frames, for testing ({@code interface.NAME.impair.*}). Each probability is
 * per frame, 0 to 1; the seed makes a run repeatable.
 */
public record ImpairmentConfig(double loss, double reorder, double duplicate, double corrupt, long seed)
{
    /** No impairment at all. */
    public static final ImpairmentConfig NONE = new ImpairmentConfig(0, 0, 0, 0, 1);

    /** The seed used when {@code impair.seed} is not given, so that runs repeat unless asked otherwise. */
    public static final long DEFAULT_SEED = 1;

    /** Whether any impairment is configured. */
    public boolean any()
    {
        return loss > 0 || reorder > 0 || duplicate > 0 || corrupt > 0;
    }
}
