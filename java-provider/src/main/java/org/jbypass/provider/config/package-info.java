/**
 * The configuration: a properties file parsed and validated into records, and the routing decision it implies.
 *
 * <p>{@link org.jbypass.provider.config.ConfigParser} reads every key (docs/PROVIDER.md and the README list them
 * with their defaults and ranges) into {@link org.jbypass.provider.config.BypassConfig} and the records under it;
 * anything wrong fails at once with a {@link org.jbypass.provider.config.ConfigurationException} naming the file
 * and the key. Unknown keys are errors too: a misspelt key must not pass for a default.
 *
 * <p>{@link org.jbypass.provider.config.Router} decides, from the configuration alone, whether a socket goes to
 * the stack or to the JDK (by its local address, its destination's subnet or route), so that deciding for a kernel
 * socket never starts the stack. Without any configuration, {@code Router.kernelOnly()} sends every socket to the
 * JDK.
 *
 * <p>This package depends on netstack only (address parsing); the engine and the channels read it.
 */
package org.jbypass.provider.config;
