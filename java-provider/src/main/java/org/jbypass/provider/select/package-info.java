/**
 * The hybrid selector: one {@link java.nio.channels.Selector} over channels the JDK serves and channels the stack
 * serves, with the JDK's semantics.
 *
 * <p>Its only blocking primitive is an inner JDK selector. A JDK-served channel registers its JDK channel there; a
 * stack-served channel pushes readiness instead: the stack's listener queues the channel's keys on a lock-free
 * {@link org.jbypass.provider.select.SignalQueue} and wakes the inner selector, once per wait. A channel tells its
 * keys when its backing is chosen ({@link org.jbypass.provider.select.HybridKey#backingChanged()}), and the
 * selector moves the key from one source to the other. Every change to the inner selector is made on the selecting
 * thread, at the start of a selection operation, so no registration races a select. A selection over stack keys
 * alone may first drive the stack through {@link org.jbypass.provider.select.StackPolling} with its signal queue
 * disarmed (keys then only queue themselves), and arms and drains it again before it blocks.
 *
 * <p>The selector knows channels only through {@link org.jbypass.provider.select.HybridChannel} and its
 * {@link org.jbypass.provider.select.SelectorView}, so this package depends on nothing else of the provider.
 * Monitors are taken in the JDK's order (selector, selected-key set, cancelled-key set) and never with the stack
 * lock held.
 */
package org.jbypass.provider.select;
