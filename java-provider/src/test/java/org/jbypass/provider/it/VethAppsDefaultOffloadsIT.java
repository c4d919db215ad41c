package org.jbypass.provider.it;

/** Every test of {@link VethAppsIT} again with both veth ends' offloads as Linux sets them up (nothing off). */
class VethAppsDefaultOffloadsIT extends VethAppsIT
{
    @Override
    boolean defaultOffloads()
    {
        return true;
    }
}
