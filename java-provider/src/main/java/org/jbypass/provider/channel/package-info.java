/**
 * The channels the provider hands out: each decides at bind, connect or first send whether the jbypass stack or the
 * JDK serves it, and then behaves as the JDK's channel of its kind, whichever serves it.
 *
 * <h2>Shape</h2>
 * The JDK makes every kind of channel extend its own abstract class, so each ({@code BypassSocketChannel},
 * {@code BypassServerSocketChannel}, {@code BypassDatagramChannel}, the ends of {@code BypassPipe}) holds a
 * {@link org.jbypass.provider.channel.ChannelCore} that does what they do alike: the backing slot and its choice
 * (the {@code config.Router} decides), options set before the choice ({@code PendingOptions}, replayed onto the
 * backing), the {@code socket()} adaptor, the selector keys ({@code ChannelKeys}) and what the hybrid selector sees,
 * close and blocking mode. A channel adds only its kind's operations, each asking the core for its backing.
 *
 * <h2>Backings</h2>
 * A {@code Backing} serves a channel once chosen; {@code SocketBackend}, {@code ListenerBackend} and
 * {@code DatagramBackend} add each kind's operations. Two families implement them:
 * <ul>
 *   <li>{@code PlatformBacking}: the JDK's own channel, untouched; every call that can close it runs through one
 *       wrapper, which closes the provider's channel too, as the JDK's would have been.</li>
 *   <li>{@code StackBacking}: a socket of the stack, with the JDK's semantics rebuilt on the stack's
 *       non-blocking, {@code -errno} API ({@code Errors} maps the codes to the JDK's exceptions). Options come from
 *       one {@code OptionTable} per kind of socket. Every operation is an attempt under the stack lock, made once
 *       or, in blocking mode, repeated by {@code StackBacking.block} between waits on the socket's condition: the
 *       one place where an application thread waits for the stack.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * A channel's own locks (registration, read, write, accept) come before the stack lock. The stack's listener
 * ({@code StackBacking.onReadinessChange}) runs on whichever thread holds the stack lock, signals blocked threads
 * and tells the channel's selector keys; it never calls back into the stack.
 */
package org.jbypass.provider.channel;
