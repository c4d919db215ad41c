/**
 * What the transports share with each other and with the provider: a socket's readiness and how its changes are
 * told.
 *
 * <ul>
 *   <li>{@link org.jbypass.netstack.transport.StackSocket}: the base of {@code udp.UdpSocket} and
 *       {@code tcp.TcpSocket}: {@code readyOps()}, a {@link org.jbypass.netstack.transport.SocketListener} and the
 *       provider's attachment.</li>
 *   <li>{@link org.jbypass.netstack.transport.Readiness}: READ, WRITE, CONNECT, ACCEPT, with the values of NIO's
 *       {@code SelectionKey} operations, so that the provider passes them through while netstack depends on no NIO
 *       class.</li>
 *   <li>{@link org.jbypass.netstack.transport.EventQueue}: the sockets whose readiness may have changed since the
 *       last dispatch, each at most once.</li>
 *   <li>{@link org.jbypass.netstack.transport.LinkScope}: RFC 4007's rules for a socket's link-local addresses, which
 *       the stack carries scoped to their link.</li>
 * </ul>
 *
 * <h2>Contract</h2>
 * A socket signals whenever its readiness may have changed; the stack dispatches once per {@code poll} or
 * {@code flush}, so a listener hears of a socket once per burst however many packets touched it, and only when the
 * stack's state is consistent. Listeners run on the thread that drives the stack and must not call back into it:
 * the provider only signals conditions, queues selector keys and wakes threads there.
 *
 * <p>May use {@code ip} and below ({@code LinkScope} uses {@code wire.Ipv6Address}); {@code udp}, {@code tcp} and
 * {@code core} use it.
 */
package org.jbypass.netstack.transport;
