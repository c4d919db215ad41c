/**
 * The {@code -javaagent:jbypass.jar=config=FILE} entry: before the application's main runs, it names the
 * configuration, makes jbypass the system-wide {@code SelectorProvider} (unless the user chose one) and installs
 * the legacy socket factories, so that {@code java.net}'s sockets are routed too. It reads nothing and starts no
 * thread; both wait for the first socket's bind, connect or send.
 */
package org.jbypass.provider.agent;
