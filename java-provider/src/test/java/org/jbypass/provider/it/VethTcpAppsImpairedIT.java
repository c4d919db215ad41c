package org.jbypass.provider.it;

/**
 * Every test of {@link VethTcpAppsIT} with the offloads Linux sets up and the stack's link impaired from the
 * configuration (the {@code impair.*} keys: 1% loss, 1% reordering, 0.5% duplication and 0.5% corruption, both
 * ways, seeded), so the applications' bytes cross loss recovery with super-frames both ways, a damaged super-frame
 * dropped by its checksum. 16 MB each way rather than the 100 MB of {@link VethTcpAppsDefaultOffloadsIT}, which
 * already moves those without impairment: recovery is what this run adds, and 16 MB through it keeps the suite
 * within its time (TcpKernelTest moves 50 MB each way impaired with the stack's API).
 */
class VethTcpAppsImpairedIT extends VethTcpAppsIT
{
    @Override
    boolean defaultOffloads()
    {
        return true;
    }

    @Override
    String extraConfiguration()
    {
        return String.join("\n",
            "interface.veth.impair.loss = 0.01",
            "interface.veth.impair.reorder = 0.01",
            "interface.veth.impair.duplicate = 0.005",
            "interface.veth.impair.corrupt = 0.005",
            "interface.veth.impair.seed = 11",
            "");
    }

    @Override
    int bulkMegabytes(final int usual)
    {
        return 16;
    }
}
