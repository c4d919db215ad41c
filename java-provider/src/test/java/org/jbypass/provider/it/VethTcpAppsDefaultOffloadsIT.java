package org.jbypass.provider.it;

/**
 * Every test of {@link VethTcpAppsIT} again with both veth ends as Linux creates them (TSO, GSO, GRO, checksum
 * offload on): the kernel sends the stack 64 KiB GSO super-frames, which it takes as chains of packet buffers,
 * what users have on every container network. Nothing is turned off.
 */
class VethTcpAppsDefaultOffloadsIT extends VethTcpAppsIT
{
    @Override
    boolean defaultOffloads()
    {
        return true;
    }
}
