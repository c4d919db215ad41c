/**
 * The stack as one object: {@link org.jbypass.netstack.core.Stack} builds the layers over one packet pool from a
 * validated {@link org.jbypass.netstack.core.StackConfig}, adds interfaces over links, and is driven from outside.
 *
 * <h2>Contract</h2>
 * The stack is passive: it starts no thread and reads no clock. {@code poll(nowNanos)} receives a burst from every
 * queue of every interface, runs the timers that are due, delivers traffic to the stack's own addresses, transmits
 * what was queued, dispatches readiness events, and returns when it must run next ({@code Long.MAX_VALUE} when only
 * a frame or an operation can give it work). An application's operation on a socket ({@code openUdp},
 * {@code openTcp} and the sockets' methods) comes after {@code time().advance(now)} and ends with {@code flush()},
 * which transmits what the operation queued. One thread at a time: the provider's stack lock makes it so, and a
 * poller that owns one receive queue uses {@code pollQueue}.
 *
 * <p>{@code close()} returns every buffer the layers hold to the pool and closes the links; tests assert that the
 * pool is then whole.
 *
 * <p>May use every package of netstack; only the provider uses it.
 */
package org.jbypass.netstack.core;
