package org.jbypass.provider.channel;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.MembershipKey;

/** What serves a {@link BypassDatagramChannel} once it is bound or connected: the JDK's channel or the stack's UDP. */
interface DatagramBackend extends Backing
{
    void bind(SocketAddress local) throws IOException;

    void connect(SocketAddress remote) throws IOException;

    void disconnect() throws IOException;

    boolean isConnected();

    SocketAddress remoteAddress() throws IOException;

    SocketAddress receive(ByteBuffer dst) throws IOException;

    int send(ByteBuffer src, SocketAddress target) throws IOException;

    int read(ByteBuffer dst) throws IOException;

    long read(ByteBuffer[] dsts, int offset, int length) throws IOException;

    int write(ByteBuffer src) throws IOException;

    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    MembershipKey join(InetAddress group, NetworkInterface interf) throws IOException;

    MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) throws IOException;

    /** Blocking receive into a packet with a timeout (0: none), for the adaptor. */
    void adaptorReceive(DatagramPacket packet, int timeoutMillis) throws IOException;

    /** Blocking send of a packet, for the adaptor. */
    void adaptorSend(DatagramPacket packet) throws IOException;
}
