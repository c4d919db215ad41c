/**
 * {@code java.net}'s sockets over the provider's channels, so that code that never touches NIO is routed as channel
 * code is.
 *
 * <p>The adaptors ({@code BypassSocketAdaptor}, {@code BypassServerSocketAdaptor},
 * {@code BypassDatagramSocketAdaptor}) are what a channel's {@code socket()} returns: every public method of the
 * JDK's class is overridden onto the channel, with the JDK's exceptions ({@code SocketExceptions}) and SO_TIMEOUT
 * on the blocking operations. The impls ({@code BypassSocketImpl}, {@code BypassDatagramSocketImpl}) are what the
 * agent's factories ({@link org.jbypass.provider.net.LegacySocketFactories}) give {@code Socket},
 * {@code ServerSocket} and {@code DatagramSocket}: a provider channel in blocking mode, driven through its adaptor.
 * The impls' option IDs map onto the channel's standard options through one table, {@code LegacyOptions}; the
 * channel checks and serves them.
 */
package org.jbypass.provider.net;
