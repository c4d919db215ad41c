/**
 * Utilities every layer shares, with no protocol in them: the stack's errors, time and timers.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.util.Errno}: Linux's error numbers. Every socket operation returns a count or
 *       {@code -errno} instead of throwing, so that no path of the stack allocates an exception.</li>
 *   <li>{@link org.jbypass.netstack.util.StackTime}: the stack's "now", which only {@code poll(nowNanos)} and the
 *       provider's operations move. netstack reads no clock, so a test decides what time it is.</li>
 *   <li>{@link org.jbypass.netstack.util.TimerQueue} of intrusive {@link org.jbypass.netstack.util.Timer}s: a
 *       binary min-heap in which scheduling, rescheduling and cancelling allocate nothing; the stack asks it for
 *       the next deadline and returns that from {@code poll}.</li>
 * </ul>
 *
 * <p>Uses nothing of netstack: every other package may use it.
 */
package org.jbypass.netstack.util;
