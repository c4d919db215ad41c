package org.jbypass.provider.it;

/**
 * Every test of {@link VethTcpAppsIT} again with both veth ends as Linux creates them (TSO, GSO, GRO, checksum
 * offload on), what users have on every container network, with nothing turned off, and at the sizes of issue 11:
 * 100 MB each way through NIO channels (the echo sample with the stack as server and as client, Netty), java.net
 * sockets under the agent (as server and as client), the JDK's HttpServer (curl downloading and uploading) and the
 * JDK's HttpClient, every byte checked by SHA-256. The kernel sends the stack 64 KiB GSO super-frames, which it
 * takes as chains of packet buffers, and the stack sends TSO super-segments.
 */
class VethTcpAppsDefaultOffloadsIT extends VethTcpAppsIT
{
    @Override
    boolean defaultOffloads()
    {
        return true;
    }

    @Override
    int bulkMegabytes(final int usual)
    {
        return 100;
    }
}
