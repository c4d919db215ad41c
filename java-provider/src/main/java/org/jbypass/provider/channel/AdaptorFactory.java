package org.jbypass.provider.channel;

import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Makes the {@code socket()} adaptors of channels. The adaptors live in {@code org.jbypass.provider.net}, above
 * this package, so the provider hands this factory down instead of channels depending on them.
 */
public interface AdaptorFactory
{
    Socket socket(BypassSocketChannel channel);

    ServerSocket serverSocket(BypassServerSocketChannel channel);

    DatagramSocket datagramSocket(BypassDatagramChannel channel);
}
