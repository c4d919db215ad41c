package org.jbypass.netstack.tcp;

/** The congestion-control algorithms a connection can use. */
public enum CongestionAlgorithm
{
    /** CUBIC (RFC 9438), the default, as in Linux. */
    CUBIC,
    /** NewReno (RFC 5681 slow start and congestion avoidance, RFC 6582 recovery). */
    NEWRENO
}
