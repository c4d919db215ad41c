package org.jbypass.netstack.link;

/**
 * A link's counters. Plain fields written by the thread that drives the link; other threads read them for
 * monitoring without a lock, where a slightly stale value is fine.
 */
public class LinkCounters
{
    public long rxPackets;
    public long rxBytes;
    /** Frames the link dropped on receive (no buffer, ring overrun reported by the kernel or NIC, bad length). */
    public long rxDropped;
    public long txPackets;
    public long txBytes;
    /** Frames the link refused or dropped on transmit (ring full, send error). */
    public long txDropped;
    /** Errors reported by the link (completion errors, failed system calls). */
    public long errors;

    /** The counters as "name=value" pairs, for logs and the monitoring API. */
    public String describe()
    {
        return "rx_packets=" + rxPackets + " rx_bytes=" + rxBytes + " rx_dropped=" + rxDropped
            + " tx_packets=" + txPackets + " tx_bytes=" + txBytes + " tx_dropped=" + txDropped + " errors=" + errors;
    }
}
