/**
 * TCP: what users of a kernel-bypass stack expect from Linux's TCP, driven without threads.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link org.jbypass.netstack.tcp.TcpLayer}: the {@code Ipv4Protocol} IPv4 delivers to; validation
 *       (checksum, header, options, addresses), demultiplexing by 4-tuple ({@code ConnectionTable}) and by listening
 *       address ({@code PortTable}), resets for closed ports, ICMP errors, and the secrets behind ISNs (RFC 6528)
 *       and SYN cookies (RFC 4987).</li>
 *   <li>{@link org.jbypass.netstack.tcp.TcpSocket}: the application's handle and the connection's control block;
 *       {@code TcpInput} processes arriving segments in the order of RFC 9293 section 3.10.7; {@code TcpOutput}
 *       decides what to send, builds segments and runs the timers.</li>
 *   <li>{@code RttEstimator} (RFC 6298), {@code CongestionControl} with {@code Cubic} (RFC 9438) and
 *       {@code NewReno} (RFC 5681), {@code RangeSet} (the SACK scoreboard and the out-of-order map),
 *       {@code RetransmitLog} (lost retransmissions), {@code ByteRing} (socket buffers), {@code SynCookies},
 *       {@code SipHash}.</li>
 * </ul>
 *
 * <h2>Where each behaviour lives</h2>
 * <table>
 *   <caption>RFC map</caption>
 *   <tr><th>behaviour</th><th>RFC</th><th>where</th></tr>
 *   <tr><td>state machine: active, passive, simultaneous open; half-close; simultaneous close; TIME_WAIT</td>
 *       <td>9293 3.5, 3.6, 3.10</td><td>TcpInput, TcpSocket, TcpLayer.enterTimeWait</td></tr>
 *   <tr><td>TIME_WAIT reuse by a new SYN</td><td>6191</td><td>TcpInput.timeWaitAllowsNewConnection</td></tr>
 *   <tr><td>resets ignored in TIME_WAIT</td><td>1337</td><td>TcpInput.resetArrives</td></tr>
 *   <tr><td>challenge ACKs, exact RST, ACK validation, rate limit</td><td>5961 3, 4, 5, 7</td>
 *       <td>TcpInput.synchronizedArrives, TcpLayer.allowChallengeAck</td></tr>
 *   <tr><td>initial sequence numbers</td><td>6528</td><td>TcpLayer.isn</td></tr>
 *   <tr><td>ephemeral ports</td><td>6056 3.3.1</td><td>PortTable</td></tr>
 *   <tr><td>MSS, clamped to the route's MTU</td><td>9293 3.7.1, 6691</td><td>TcpOutput.updateSendMss</td></tr>
 *   <tr><td>window scaling, timestamps, PAWS</td><td>7323</td><td>TcpOptions, TcpOutput.windowField,
 *       TcpInput</td></tr>
 *   <tr><td>SACK, D-SACK</td><td>2018, 2883</td><td>TcpOutput.chooseSackBlocks, TcpInput.sackArrives</td></tr>
 *   <tr><td>SACK-based loss recovery</td><td>6675</td><td>TcpOutput.sendSackRecovery, pipe, lossLine</td></tr>
 *   <tr><td>RTO: estimation, Karn, backoff, minimum</td><td>6298</td><td>RttEstimator, TcpOutput</td></tr>
 *   <tr><td>fast retransmit and recovery; NewReno; limited transmit; early retransmit</td>
 *       <td>5681, 6582, 3042, 5827</td><td>TcpInput.duplicateAck, enterRecovery, TcpOutput.dupThresh</td></tr>
 *   <tr><td>tail loss probes; lost retransmissions</td><td>8985 7 (and 6.2's idea)</td>
 *       <td>TcpOutput.tailLossProbe, RetransmitLog</td></tr>
 *   <tr><td>CUBIC (default), NewReno</td><td>9438, 5681, 3465, 6928, 7661</td><td>Cubic, NewReno</td></tr>
 *   <tr><td>delayed ACK, quick ACKs, every second segment</td><td>9293 3.8.6.3, 5681 4.2, 1122 4.2.3.2</td>
 *       <td>TcpInput.scheduleAck</td></tr>
 *   <tr><td>one ACK (and one output pass) per receive burst for in-order data, as GRO's</td><td>5681 4.2</td>
 *       <td>TcpLayer.afterInput, burstEnd</td></tr>
 *   <tr><td>Nagle, TCP_NODELAY</td><td>9293 3.7.4</td><td>TcpOutput.sendNew</td></tr>
 *   <tr><td>silly-window avoidance, sender and receiver</td><td>9293 3.8.6.2</td><td>TcpOutput.sendNew,
 *       windowField, afterRead</td></tr>
 *   <tr><td>zero-window probing</td><td>9293 3.8.6.1</td><td>TcpOutput.persistTimeout</td></tr>
 *   <tr><td>keepalive</td><td>1122 4.2.3.6</td><td>TcpOutput.keepaliveTimeout</td></tr>
 *   <tr><td>RST on close with unread data or linger 0; data after close</td><td>2525 2.17, 1122 4.2.2.13</td>
 *       <td>TcpSocket.close, TcpInput</td></tr>
 *   <tr><td>SYN cookies</td><td>4987 3.6</td><td>SynCookies, TcpInput.cookieArrives,
 *       TcpOutput.sendCookieSynAck</td></tr>
 *   <tr><td>ICMP errors, path MTU</td><td>1122 4.2.3.9, 5927, 1191</td><td>TcpInput.icmpError,
 *       TcpOutput.pathMtuChanged</td></tr>
 * </table>
 *
 * <h2>Memory</h2>
 * A connection's bytes live in two {@code ByteRing}s sized by its socket buffers (heap arrays, recycled through
 * {@code ByteArrayCache}); nothing is kept in pool buffers once {@code receive} returns. Out-of-order data is written
 * into the receive ring at its offset and tracked by a bounded {@code RangeSet}, so the window advertised never
 * exceeds the ring's free space. Half-open connections hold no buffers. Segments are built by copying from the send
 * ring into pool buffers; when the pool is empty the connection retries on a short timer, having advanced nothing.
 * The steady state allocates nothing ({@code TcpAllocationTest}).
 *
 * <h2>Time</h2>
 * Only {@code StackTime.nanos()} and timers on the stack's {@code TimerQueue}: four per connection (retransmission,
 * which also carries the persist and probe timeouts; delayed ACK; keepalive, which also carries FIN_WAIT_2 and
 * TIME_WAIT; output continuation after a burst or an empty pool).
 */
package org.jbypass.netstack.tcp;
