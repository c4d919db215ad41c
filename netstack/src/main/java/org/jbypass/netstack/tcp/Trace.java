package org.jbypass.netstack.tcp;

/** Temporary diagnostic trace (not for commit). */
final class Trace
{
    static final boolean ON = Boolean.getBoolean("jbypass.tcp.trace");
    static final int N = 1 << 21;
    static final long[] T = ON ? new long[N] : null;
    static final int[] A = ON ? new int[N] : null;
    static final int[] B = ON ? new int[N] : null;
    static final byte[] K = ON ? new byte[N] : null;
    static int n;

    static void add(final int kind, final long t, final int a, final int b)
    {
        if (!ON || n >= N)
        {
            return;
        }
        T[n] = t;
        A[n] = a;
        B[n] = b;
        K[n] = (byte)kind;
        n++;
    }

    static
    {
        if (ON)
        {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (java.io.PrintWriter w = new java.io.PrintWriter("/tmp/perf-tcp-trace.txt"))
                {
                    for (int i = 0; i < n; i++)
                    {
                        w.println(T[i] + " " + "?ISRPTOLEcp".charAt(K[i]) + " " + Integer.toUnsignedString(A[i]) + " "
                            + B[i]);
                    }
                }
                catch (final Exception e)
                {
                    e.printStackTrace();
                }
            }));
        }
    }
}
