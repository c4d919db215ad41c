/**
 * JMH benchmarks of jbypass, run on request only: {@code scripts/bench-jmh.sh} (or
 * {@code java -jar benchmarks/target/benchmarks.jar}, which every build makes). No test runs them, and no test
 * asserts a figure: a figure is only worth something measured on a quiet machine, beside the kernel's in the same
 * run.
 *
 * <h2>What is measured</h2>
 * <ul>
 *   <li>{@link org.jbypass.benchmarks.stack}: the stack's own cost per packet, two stacks on an in-memory wire
 *       driven by one thread with a simulated clock: UDP send and receive, in-order TCP segments in and out. The
 *       figure is nanoseconds per packet for both ends together (sender's stack, the wire's copy, receiver's
 *       stack), with no thread handoff, no system call and no clock read in it: the floor under every driver.</li>
 *   <li>{@link org.jbypass.provider.driver.RdmaModelBenchmark}: the rdma driver's Direct Verbs datapath (the
 *       production natives of libjbypass.so) over two ports of the mlx5 model, alone and under two stacks: packets
 *       per second on one core. The model plays the adapter in software (it copies frames and writes completions
 *       that a ConnectX writes by DMA), so its share is in the figure, which is therefore a lower bound of what
 *       the datapath does on hardware. It lives in the driver's package because a model port attaches through
 *       the driver's package-private entry point, as the rdma tests' ports do.</li>
 *   <li>{@link org.jbypass.benchmarks.nio}: unmodified NIO request/response, 64 bytes, TCP and UDP, client and
 *       server threads in one JVM: on a stack address (local delivery inside one stack) against the JDK on the
 *       kernel's loopback, side by side through the {@code backend} parameter. Operations per second, and with
 *       {@code SampleTime} the latency percentiles.</li>
 * </ul>
 *
 * <h2>How to read the output</h2>
 * <ul>
 *   <li>{@code avgt} rows are time per operation; an operation is one packet (benchmarks that move a burst per
 *       call divide by the burst through {@code @OperationsPerInvocation}). {@code thrpt} rows are operations per
 *       second on the one benchmark thread: packets per second per core for the datapath benchmarks, round trips
 *       per second for request/response (where the server's and the pollers' threads take CPU too).</li>
 *   <li>{@code sample} rows give the distribution of single round trips: {@code p0.50}, {@code p0.99},
 *       {@code p0.999}. On a shared machine the tail is the scheduler's before it is anyone's.</li>
 *   <li>With {@code -prof gc}, {@code gc.alloc.rate.norm} is the bytes allocated per operation: 0 on the stack's
 *       and the driver's fast paths, which is the project's rule (a few bytes over billions of operations may show
 *       from JMH's own bookkeeping as a fraction near 10<sup>-3</sup>; anything proportional to packets shows as
 *       tens of bytes or more).</li>
 * </ul>
 *
 * <p>Every benchmark checks its own work when an iteration ends (every byte or datagram sent was received, nothing
 * retransmitted or dropped) and fails the run rather than print a figure for something other than what it
 * names.
 */
package org.jbypass.benchmarks;
