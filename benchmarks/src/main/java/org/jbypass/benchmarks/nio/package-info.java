/**
 * What an application sees: unmodified NIO request/response code on jbypass beside the same code on the kernel.
 *
 * <p>Client and server run in one JVM, each on its own thread, with blocking channels opened from a
 * {@link java.nio.channels.spi.SelectorProvider} ({@link org.jbypass.benchmarks.nio.NioBackend}): jbypass's,
 * configured through a properties file with a {@code memory} interface whose address both ends use (the stack
 * delivers locally, no wire involved), or the JDK's on 127.0.0.1. The {@code backend} parameter runs both in one
 * JMH run, so that the two figures come from the same machine at the same time; on a shared machine only such
 * side-by-side figures mean anything.
 *
 * <p>Unlike {@link org.jbypass.benchmarks.stack}, these figures include everything an application pays: the
 * provider's channels and locks, the handoff between the application's threads and the stack's poller, and the
 * wakeups; on the kernel side, the system calls and the kernel's own wakeups. The poller's behaviour (and any
 * latency setting) comes from the stack's configuration: {@code -Djbypass.benchmark.config=FILE} adds a file's
 * keys to it.
 */
package org.jbypass.benchmarks.nio;
