/**
 * TCP: what users of a kernel-bypass stack expect from Linux's TCP, driven without threads.
 *
 * <h2>Parts</h2>
 * The connection's logic is split as Linux splits tcp_input.c, tcp_output.c, tcp_recovery.c and tcp_timer.c. One
 * instance of each processing class serves the whole layer and keeps no state between segments; what a connection
 * remembers lives in its {@code TcpSocket} and the small state classes it owns.
 * <ul>
 *   <li>{@link org.jbypass.netstack.tcp.TcpLayer}: the {@code Ipv4Protocol} IPv4 delivers to, and the
 *       {@code Ipv6Protocol} IPv6 delivers to; validation
 *       (checksum, header, options, addresses), demultiplexing by 4-tuple ({@code ConnectionTable}) and by listening
 *       address ({@code PortTable}), resets for closed ports, ICMP errors, and the secrets behind ISNs (RFC 6528)
 *       and SYN cookies (RFC 4987).</li>
 *   <li>{@link org.jbypass.netstack.tcp.TcpSocket}: the application's handle and the connection's control block,
 *       whose shared state sits in {@code SendSequence} (SND.*), {@code ReceiveSequence} (RCV.*, out-of-order data,
 *       what ACK is owed), {@code NegotiatedOptions} (MSS, window scaling, timestamps, SACK), {@code RecoveryState}
 *       (fast recovery, loss, PRR, tail loss probe, undo) and, for a listener, {@code AcceptQueue}.</li>
 *   <li>TIME_WAIT: {@code TcpTimeWait} (tcp_minisocks.c's half for it) over {@code TimeWaitTable}, compact records
 *       that replace the socket once a connection of either family enters TIME_WAIT, as Linux's
 *       inet_timewait_sock.</li>
 *   <li>Half-open passive connections: {@code SynRequest} records in a {@code RequestTable} (with their pool), as
 *       Linux's request_sock in its ehash; {@code TcpHandshake} sends and retransmits the SYN-ACK from the record and
 *       makes the connection's socket only when the handshake's last ACK arrives (tcp_check_req's part), so a SYN
 *       that never completes costs 128 bytes and no socket. A socket is in SYN-RECEIVED only after a simultaneous
 *       open.</li>
 *   <li>Arrival: {@code TcpInput} checks an arriving segment in the order of RFC 9293 section 3.10.7;
 *       {@code TcpHandshake} answers SYNs to listeners, SYN cookies and the end of a handshake;
 *       {@code TcpReceive} places the text and the FIN and schedules the ACK.</li>
 *   <li>The sender's side of an ACK: {@code TcpAck} (window, SACK blocks, what is newly acknowledged, duplicate
 *       ACKs) and {@code TcpRecovery} (RACK, PRR, NewReno, the start and end of recovery, the response to a
 *       timeout, undo).</li>
 *   <li>Output: {@code TcpOutput} decides what to send (windows, Nagle, NextSeg(), retransmissions, the tail loss
 *       probe); {@code SegmentBuilder} builds segments and hands them to IPv4; {@code TcpTimers} arms and fires the
 *       timers.</li>
 *   <li>{@code RttEstimator} (RFC 6298), {@code CongestionControl} with {@code Cubic} (RFC 9438) and
 *       {@code NewReno} (RFC 5681), {@code Scoreboard} (on SACK connections, every segment in flight: when it was
 *       last sent, SACKed, lost, retransmitted; pipe), {@code Rack} (RACK loss detection over it, and DupThresh),
 *       {@code RangeSet} (the out-of-order map), {@code ByteRing} (socket buffers) over {@code TcpMemory} (the layer's
 *       buffer memory, tcp_mem), {@code SynCookies}, {@code SipHash}.</li>
 * </ul>
 *
 * <h2>Design</h2>
 * Calls go one way along a segment's path: {@code TcpLayer} to {@code TcpInput}, which hands the ACK field to
 * {@code TcpAck} (then {@code TcpRecovery}), a listener's segments to {@code TcpHandshake} and the text to
 * {@code TcpReceive}; after each segment (or receive burst) {@code TcpOutput} runs once and uses
 * {@code SegmentBuilder}. Timers enter through {@code TcpTimers}, which calls the output and recovery classes.
 * The processing classes read and write the state classes directly, as Linux's files share the tcp_sock, but never
 * each other's fields: what one class decides for another it asks for by a call. How much payload a segment carries
 * is decided in one place ({@code SegmentBuilder.dataRoom}) and every data segment is built in one
 * ({@code SegmentBuilder.emit}), so segments larger than the MSS for offload touch those two and the output
 * decision's sizing only.
 *
 * <h2>Segmentation offload (TSO)</h2>
 * When the route's link segments ({@code Ipv4Output.segmentationLimit}, from the link's TX_TCP_SEGMENTATION), one
 * send carries {@code SegmentBuilder.sizeGoal} bytes: Linux's tcp_tso_autosize() (about 1 ms of the rate cwnd/SRTT
 * gives, plus the tso_rtt_log term for short paths, two segments at least, at most 64 KB and the link's limit, half
 * the peer's largest window), in whole segments as tcp_mss_split_point() cuts them (a short tail waits for Nagle).
 * {@code emit} builds it as a chain of pool buffers with the pseudo-header sum in its checksum field, and IPv4 sends
 * it whole (DF, total length over the chain) with gso_size = the MSS less the options. The scoreboard keeps one
 * record per super-segment, as Linux one skb: a cumulative ACK inside it trims it (tcp_trim_head()), a SACK block
 * inside it splits it (tcp_fragment()), RACK compares the pieces by time then sequence, and DupThresh counts SACKed
 * segments, not records. A lost record goes again as one super-segment of as many whole segments as cwnd - pipe
 * (PRR's window) allows, split there (Linux's __tcp_retransmit_skb() with tcp_xmit_retransmit_queue()'s segs); the
 * tail loss probe, the persist probe and NewReno's retransmissions stay one segment. A super-segment smaller than
 * the goal waits for the ACKs due shortly when the window room is small ({@code TcpOutput.deferTso}, Linux's
 * tcp_tso_should_defer()), at most min(SRTT, 1 ms), which the output timer enforces. Not done: pacing. On receive a
 * super-segment counts as the segments it holds
 * ({@code TcpReceive.segmentsIn}, tcp_measure_rcv_mss()): one ACK decision, an ACK at once.
 *
 * <h2>Where each behaviour lives</h2>
 * <table>
 *   <caption>RFC map</caption>
 *   <tr><th>behaviour</th><th>RFC</th><th>where</th></tr>
 *   <tr><td>state machine: active, passive, simultaneous open; half-close; simultaneous close; TIME_WAIT</td>
 *       <td>9293 3.5, 3.6, 3.10</td><td>TcpInput, TcpHandshake, TcpReceive.finArrives, TcpSocket,
 *       TcpLayer.enterTimeWait, TcpTimeWait</td></tr>
 *   <tr><td>TIME_WAIT reuse by a new SYN; its ISN past the old incarnation's</td><td>6191 2, 1122 4.2.2.13</td>
 *       <td>TcpTimeWait.arrives, newIncarnation</td></tr>
 *   <tr><td>resets ignored in TIME_WAIT</td><td>1337</td><td>TcpTimeWait.arrives</td></tr>
 *   <tr><td>challenge ACKs, exact RST, ACK validation, rate limit</td><td>5961 3, 4, 5, 7</td>
 *       <td>TcpInput.synchronizedArrives, TcpLayer.allowChallengeAck, SegmentBuilder.sendChallengeAck</td></tr>
 *   <tr><td>initial sequence numbers</td><td>6528</td><td>TcpLayer.isn</td></tr>
 *   <tr><td>ephemeral ports: bind, connect (double-hash)</td><td>6056 3.3.1, 3.3.4</td><td>PortTable</td></tr>
 *   <tr><td>receive-buffer auto-tuning (dynamic right-sizing)</td><td>7323 2</td><td>TcpReceive.spaceAdjust</td></tr>
 *   <tr><td>MSS, clamped to the route's MTU</td><td>9293 3.7.1, 6691</td><td>TcpOutput.updateSendMss,
 *       TcpHandshake.ourMss</td></tr>
 *   <tr><td>window scaling, timestamps, PAWS</td><td>7323</td><td>TcpOptions, NegotiatedOptions,
 *       SegmentBuilder.windowField, TcpInput</td></tr>
 *   <tr><td>SACK, D-SACK</td><td>2018, 2883</td><td>SegmentBuilder.chooseSackBlocks, TcpReceive.outOfOrderData,
 *       TcpAck.sackArrives</td></tr>
 *   <tr><td>SACK-based loss recovery: scoreboard, pipe, NextSeg()</td><td>6675</td>
 *       <td>Scoreboard, TcpOutput.sendSackRecovery, TcpRecovery.pipe</td></tr>
 *   <tr><td>RACK: time-based loss detection, reordering window (D-SACK adapted), RACK timer, lost
 *       retransmissions</td><td>8985 6</td><td>Rack, TcpRecovery.detectLoss, rackTimeout</td></tr>
 *   <tr><td>Proportional Rate Reduction during recovery</td><td>9937 (was 6937)</td>
 *       <td>TcpRecovery.proportionalRateReduction, enterRecovery</td></tr>
 *   <tr><td>tail loss probes and their outcome</td><td>8985 7</td>
 *       <td>TcpTimers.armRetransmitTimer, TcpOutput.tailLossProbe, TcpRecovery.tailLossProbeAcknowledged</td></tr>
 *   <tr><td>undo of a spurious congestion response (D-SACK)</td><td>3708, 4015</td>
 *       <td>TcpAck.dsackArrives, TcpRecovery.startUndo</td></tr>
 *   <tr><td>RTO: estimation, Karn, backoff, minimum; reneging</td><td>6298, 2018 8</td>
 *       <td>RttEstimator, TcpTimers.onRetransmitTimer, TcpRecovery.enterLoss, Scoreboard.markAllLost</td></tr>
 *   <tr><td>peers without SACK: fast retransmit and recovery, NewReno, limited transmit, early retransmit</td>
 *       <td>5681, 6582, 3042, 5827</td><td>TcpAck.duplicateAck, TcpRecovery.enterRecovery, dupThresh,
 *       TcpOutput.sendOne</td></tr>
 *   <tr><td>CUBIC (default), NewReno</td><td>9438, 5681, 3465, 6928, 7661</td><td>Cubic, NewReno</td></tr>
 *   <tr><td>the ACK of a FIN delayed so that a prompt close sends one FIN+ACK</td><td>1122 4.2.3.2</td>
 *       <td>TcpReceive.finArrives, scheduleAck</td></tr>
 *   <tr><td>delayed ACK, quick ACKs, every second segment</td><td>9293 3.8.6.3, 5681 4.2, 1122 4.2.3.2</td>
 *       <td>TcpReceive.scheduleAck, TcpTimers.onDelayedAckTimer</td></tr>
 *   <tr><td>one ACK (and one output pass) per receive burst for in-order data, as GRO's</td><td>5681 4.2</td>
 *       <td>TcpLayer.afterInput, burstEnd</td></tr>
 *   <tr><td>Nagle, TCP_NODELAY</td><td>9293 3.7.4</td><td>TcpOutput.sendNew</td></tr>
 *   <tr><td>silly-window avoidance, sender and receiver</td><td>9293 3.8.6.2</td><td>TcpOutput.sendNew,
 *       SegmentBuilder.windowField, TcpOutput.afterRead</td></tr>
 *   <tr><td>zero-window probing</td><td>9293 3.8.6.1</td><td>TcpTimers.persistTimeout</td></tr>
 *   <tr><td>keepalive</td><td>1122 4.2.3.6</td><td>TcpTimers.keepaliveTimeout</td></tr>
 *   <tr><td>RST on close with unread data or linger 0; data after close</td><td>2525 2.17, 1122 4.2.2.13</td>
 *       <td>TcpSocket.close, TcpInput</td></tr>
 *   <tr><td>SYN-RECEIVED of a passive open</td><td>9293 3.10.7.2, 3.10.7.4</td><td>SynRequest, RequestTable,
 *       TcpHandshake.requestArrives, requestTimeout, SegmentBuilder.sendRequestSynAck</td></tr>
 *   <tr><td>SYN cookies</td><td>4987 3.6</td><td>SynCookies, TcpHandshake.cookieArrives,
 *       SegmentBuilder.sendCookieSynAck, AcceptQueue</td></tr>
 *   <tr><td>ICMP errors, path MTU</td><td>1122 4.2.3.9, 5927, 1191</td><td>TcpInput.icmpError,
 *       TcpOutput.pathMtuChanged</td></tr>
 * </table>
 *
 * <h2>Memory</h2>
 * A connection's bytes live in two {@code ByteRing}s whose reach is its socket buffer sizes, made of 4 KiB chunks
 * that the layer's {@code TcpMemory} hands out as bytes arrive or are written and takes back as they are read or
 * acknowledged, as Linux charges socket memory: an idle connection holds no buffer memory, and chunks are recycled,
 * so the steady state allocates nothing ({@code TcpAllocationTest}). The one exception to "nothing is kept in pool
 * buffers once {@code receive} returns": an in-order super-segment that arrived as a chain keeps its payload buffers
 * (all but the first, which holds the headers) for the reader, lent by the burst ({@code LentPayload},
 * {@code FrameChain.lend}), so that its bytes are copied once, from the link's buffer to the reader's, as Linux's
 * receive queue holds the skbs; at most 512 buffers a connection, only while the pool stays half free, never with
 * out-of-order data held, and given back as they are read or when the connection goes. Out-of-order data is
 * written into the receive ring at its offset (taking only the chunks it covers) and tracked by a bounded
 * {@code RangeSet}, so the window advertised never exceeds the ring's reach.
 * {@code TcpMemory} has Linux's three tcp_mem levels: above {@code memoryPressure} windows stop growing and
 * out-of-order data is pruned ({@code TcpReceive.pruneOutOfOrder}); at {@code memoryLimit} chunks are refused, so
 * arriving text is dropped (the peer retransmits), writes take what fits and new connections wait, all counted.
 * Half-open connections hold no buffers and no socket, only their record. Segments are built by copying from the send ring into pool buffers; when
 * the pool is empty the connection retries on a short timer, having advanced nothing.
 *
 * <h2>IPv6</h2>
 * One state machine for both families (RFC 8200 section 8): a connection's family is {@code TcpSocket.v6} and its
 * IPv6 addresses the hi/lo pairs beside the IPv4 ints, as Linux's sock_common keeps skc_v6_daddr beside skc_daddr,
 * so the IPv4 path reads what it always read. What differs is the pseudo-header of the checksum, the headers'
 * length in the MSS (MTU - 60), the MSS values a SYN cookie carries ({@code SynCookies.MSS_TABLE6}), the 40-byte
 * SipHash input of ISNs, cookies and port choice, the output ({@code Ipv6Output}, at its {@code L4_OFFSET}; its
 * {@code segmentationLimit} and {@code sendChain} for TSO super-segments, the checksum field holding the IPv6
 * pseudo-header sum),
 * and ICMPv6, which {@code TcpLayer.icmp6Error} maps onto the ICMP errors {@code TcpInput} decides on. An IPv6
 * socket bound to {@code ::} without IPV6_V6ONLY listens for IPv4 too ({@code PortTable.findListener} falls back to
 * it); its IPv4 children, and its connects to IPv4-mapped addresses, are IPv4 connections. TIME_WAIT records keep
 * both families in one table, as Linux's inet_timewait_sock keeps tw_v6_daddr and tw_v6_rcv_saddr: an IPv6 record
 * is an IPv4 one whose address field names a slot of a second store holding its four longs, so IPv4 records stay
 * as small as they were; dispatch finds a record by the segment's family, the record answers through that family's
 * output, and holds its port against binds that overlap its address by {@code PortTable}'s rule for sockets.
 *
 * <h2>Containment</h2>
 * An exception or error such as OutOfMemoryError while one connection's segment, timer or output is processed, or
 * thrown by the application's readiness listener, is contained to that connection ({@code TcpLayer.contain}): it is
 * reset, counted and logged, and the layer goes on; a listener only loses the segment. The socket of a completed
 * handshake is built whole before it is published (into the connection table, then the accept queue), so a failure
 * while it is built leaves it in no table: its record goes too, the peer is reset, and {@code childFailures} counts
 * it ({@code TcpHandshake.requestArrives}, {@code cookieArrives}).
 *
 * <h2>Time</h2>
 * Only {@code StackTime.nanos()} and timers on the stack's {@code TimerQueue}: four per connection (retransmission,
 * which also carries the persist, tail-loss-probe and RACK reordering timeouts; delayed ACK; keepalive, which also
 * carries FIN_WAIT_2; output continuation after a burst or an empty pool), all fired into {@code TcpTimers}; and one
 * for all TIME_WAIT records, at the oldest one's expiry (records expire in the order of their last restart). The
 * stack's clock reads once per poll; the scoreboard stamps each transmission at least a nanosecond after the
 * previous one, so that RACK sees the connection's sending order exactly.
 *
 * <h2>Loss recovery on SACK connections</h2>
 * As in Linux: RACK decides what is lost (no duplicate-ACK count, no RFC 6675 IsLost()); the first loss starts
 * fast recovery with one congestion response per window (the recovery point), PRR paces what goes out while the
 * window shrinks to ssthresh; NextSeg() sends what is lost, then new data; a tail loss probe covers a lost tail
 * (also once in recovery, where a lost final ACK would otherwise wait for the RTO); the RTO marks everything not
 * SACKed lost. The scoreboard's records grow with the flight up to a bound set by the largest send buffer, and
 * allocate nothing once grown.
 */
package org.jbypass.netstack.tcp;
