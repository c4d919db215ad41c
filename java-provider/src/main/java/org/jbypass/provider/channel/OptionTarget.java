package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.SocketOption;
import java.util.Set;

/** Something options can be set on: a backing of a channel. */
interface OptionTarget
{
    Set<SocketOption<?>> supportedOptions();

    <T> void setOption(SocketOption<T> name, T value) throws IOException;
}
