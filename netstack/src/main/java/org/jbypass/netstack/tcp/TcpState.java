package org.jbypass.netstack.tcp;

/** The connection states of RFC 9293 section 3.3.2. */
public enum TcpState
{
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** Whether the state is one in which both sides' sequence numbers are known (RFC 9293 section 3.10.7.4). */
    public boolean isSynchronized()
    {
        return ordinal() >= ESTABLISHED.ordinal();
    }
}
