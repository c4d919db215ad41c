package org.jbypass.provider.semantics;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Helpers for tests of blocking operations: run one on its own thread, and know when it is blocked. */
final class Blocking
{
    /** How long any single step of a test may take before the test fails instead of hanging. */
    static final long STEP_SECONDS = 20;

    private Blocking()
    {
    }

    /** A blocking call running on its own platform thread. */
    static final class Call<T>
    {
        final Thread thread;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Call(final Callable<T> callable, final boolean virtual)
        {
            final Runnable body = () ->
            {
                try
                {
                    result.complete(callable.call());
                }
                catch (final Throwable t)
                {
                    result.completeExceptionally(t);
                }
            };
            thread = virtual ? VirtualThreads.unstarted(body) : new Thread(body, "blocking-call");
            thread.setDaemon(true);
            thread.start();
        }

        /** The call's result, or its exception's cause. */
        T join() throws Throwable
        {
            try
            {
                return result.get(STEP_SECONDS, TimeUnit.SECONDS);
            }
            catch (final ExecutionException e)
            {
                throw e.getCause();
            }
            catch (final TimeoutException e)
            {
                fail("blocking call did not finish within " + STEP_SECONDS + " s: " + stack(thread));
                return null;
            }
        }

        /** The exception the call ended with (fails if it returned normally). */
        Throwable failure()
        {
            try
            {
                join();
            }
            catch (final Throwable t)
            {
                return t;
            }
            fail("expected the blocking call to fail");
            return null;
        }

        /** Waits until the thread is blocked (parked, or in a native wait), so that a close or interrupt hits it there. */
        Call<T> awaitBlocked()
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
            while (!isBlocked(thread))
            {
                if (result.isDone())
                {
                    fail("the call finished instead of blocking: " + result);
                }
                if (System.nanoTime() - deadline > 0)
                {
                    fail("the call never blocked: " + stack(thread));
                }
                Thread.yield();
            }
            return this;
        }
    }

    static <T> Call<T> start(final Callable<T> callable)
    {
        return new Call<>(callable, false);
    }

    static <T> Call<T> startVirtual(final Callable<T> callable)
    {
        return new Call<>(callable, true);
    }

    static boolean isBlocked(final Thread thread)
    {
        final Thread.State state = thread.getState();
        if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
        {
            // Parked in a wait that is part of the operation (not, say, class loading).
            return inOperation(thread);
        }
        if (state == Thread.State.RUNNABLE)
        {
            final StackTraceElement[] frames = thread.getStackTrace();
            return frames.length > 0 && frames[0].isNativeMethod() && inOperation(thread);
        }
        return false;
    }

    private static boolean inOperation(final Thread thread)
    {
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            final String c = frame.getClassName();
            if (c.startsWith("sun.nio.ch.") || c.startsWith("org.jbypass.provider."))
            {
                return true;
            }
        }
        return false;
    }

    private static String stack(final Thread thread)
    {
        final StringBuilder sb = new StringBuilder(thread.toString()).append(' ').append(thread.getState());
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            sb.append("\n\tat ").append(frame);
        }
        return sb.toString();
    }
}
