package org.jbypass.netstack.tcp;

import java.nio.ByteBuffer;

import org.jbypass.netstack.link.FrameChain;
import org.jbypass.netstack.wire.TcpHeader;

/**
 * An arriving segment, parsed once by {@link TcpLayer} into this reusable holder (one per layer, so parsing
 * allocates nothing). The payload stays where it arrived and is valid only during {@link TcpLayer#receive} (or
 * {@link TcpLayer#receiveChain}): in one buffer of IPv4's memory, or, for a super-segment the link delivered as a
 * chain of buffers, in that chain, from which {@link #copyPayload} copies it straight into a socket's ring.
 */
final class Segment
{
    /** The most SACK blocks an option can carry (RFC 2018 section 3: 40 bytes of options, 8 per block). */
    static final int MAX_SACK_BLOCKS = 4;

    /** Whether it came over IPv6: the addresses are then the *Hi/*Lo pairs, and the int ones are 0. */
    boolean v6;
    int source;
    int destination;
    long sourceHi;
    long sourceLo;
    long destinationHi;
    long destinationLo;
    int sourcePort;
    int destinationPort;
    int tos;
    int seq;
    int ack;
    int flags;
    /** The window field as sent, before scaling. */
    int window;
    /** The memory of a contiguous segment; its payload starts at {@link #payloadOffset} in it. */
    ByteBuffer memory;
    /**
     * The chain of a super-segment received in place, or null; its payload then starts at frame offset
     * {@link #payloadOffset} of the chain.
     */
    FrameChain chain;
    int payloadOffset;
    int payloadLength;
    /**
     * For a super-segment (a GRO or GSO super-frame the link delivered whole, {@code PacketBurst.GSO_TCPV4}), the
     * payload bytes of each segment it was made of (its gso_size); 0 for a plain segment.
     */
    int segmentSize;

    boolean hasMss;
    int mss;
    boolean hasWindowScale;
    int windowScale;
    boolean sackPermitted;
    boolean hasTimestamp;
    int tsVal;
    int tsEcr;
    int sackBlocks;
    final int[] sackStart = new int[MAX_SACK_BLOCKS];
    final int[] sackEnd = new int[MAX_SACK_BLOCKS];

    boolean syn()
    {
        return (flags & TcpHeader.SYN) != 0;
    }

    boolean fin()
    {
        return (flags & TcpHeader.FIN) != 0;
    }

    boolean rst()
    {
        return (flags & TcpHeader.RST) != 0;
    }

    boolean hasAck()
    {
        return (flags & TcpHeader.ACK) != 0;
    }

    /** SEG.LEN: the payload plus one for SYN and one for FIN (RFC 9293 section 3.4). */
    int length()
    {
        return payloadLength + (syn() ? 1 : 0) + (fin() ? 1 : 0);
    }

    /**
     * Copies {@code length} payload bytes from {@code offset} (counted as {@link #payloadOffset} is) into
     * {@code ring} at {@code ringOffset}, from the one buffer or out of the chain.
     */
    void copyPayload(final int offset, final ByteRing ring, final int ringOffset, final int length)
    {
        if (chain == null)
        {
            ring.write(ringOffset, memory, offset, length);
        }
        else
        {
            ring.write(ringOffset, chain, offset, length);
        }
    }

    void clearOptions()
    {
        hasMss = false;
        hasWindowScale = false;
        sackPermitted = false;
        hasTimestamp = false;
        sackBlocks = 0;
    }

    @Override
    public String toString()
    {
        return TcpOptions.describeFlags(flags) + " seq=" + Integer.toUnsignedString(seq) + " ack="
            + Integer.toUnsignedString(ack) + " win=" + window + " len=" + payloadLength;
    }
}
