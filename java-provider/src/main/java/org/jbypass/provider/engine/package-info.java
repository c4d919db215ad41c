/**
 * A configuration put to work: the running stack, its lock, its links and the threads that drive it.
 *
 * <p>{@link org.jbypass.provider.engine.StackEngine#start} builds a {@code Stack} from a validated
 * {@code BypassConfig}, opens each interface's link ({@link org.jbypass.provider.engine.Drivers}: the driver a
 * configuration names, wrapped in its impairment and capture decorators; errors name the configuration key) and
 * starts one {@link org.jbypass.provider.engine.Poller} per receive queue.
 *
 * <p>{@link org.jbypass.provider.engine.StackLock} guards the stack: pollers take it once per burst, application
 * threads once per operation, and blocked threads wait on its conditions. Links defer their transmit system call
 * until whoever held the lock has released it. A poller that finds nothing to do idles by its
 * {@link org.jbypass.provider.engine.IdleStrategy} (busy-spin, backoff, or blocking in the driver) without the
 * lock; an operation that makes the stack's next deadline earlier wakes it through its
 * {@link org.jbypass.provider.engine.IdleGate}, once per idle period. A thread about to wait may first drive the
 * stack itself for the configured busy-wait time ({@link org.jbypass.provider.engine.StackLock#pollWhileWaiting}):
 * it polls its interface's rings when they have frames, and returns as soon as its socket's change count moves,
 * so that a reply reaches it with no handoff (the latency profile). Then, rather than park, it waits on its
 * interface's ring in the poller's place ({@link org.jbypass.provider.engine.RingWait}), so that the kernel wakes
 * it, not the poller after a wakeup of its own.
 *
 * <p>This package uses {@code config} and {@code driver}; channels use it, never the reverse.
 * {@link org.jbypass.provider.engine.StackMonitor} exposes the stack's counters as an MXBean.
 */
package org.jbypass.provider.engine;
