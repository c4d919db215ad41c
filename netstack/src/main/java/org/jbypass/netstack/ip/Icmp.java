package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.util.StackTime;
import org.jbypass.netstack.wire.Checksum;
import org.jbypass.netstack.wire.IcmpHeader;
import org.jbypass.netstack.wire.Ipv4Header;

/**
 * ICMPv4 (RFC 792, with the host rules of RFC 1122 section 3.2.2): answers echo requests, sends rate-limited
 * errors for datagrams the stack cannot deliver, and hands errors about datagrams the stack sent to the transport
 * that sent them. Everything else is counted and ignored.
 */
final class Icmp implements Ipv4Protocol
{
    /** How much of the offending datagram an error quotes: as much as fits in 576 bytes (RFC 1812 4.3.2.3). */
    private static final int MAX_ERROR_DATAGRAM = 576;

    private final Ipv4Layer ipv4;
    private final IpCounters counters;
    private final StackTime time;
    private final IcmpHeader icmp = new IcmpHeader();
    private final Ipv4Header quoted = new Ipv4Header();
    private final Ipv4Header original = new Ipv4Header();
    /** Token bucket of the error rate limit, in nanoseconds of credit. */
    private final long costNanos;
    private final long maxCreditNanos;
    private long creditNanos;
    private long lastRefill;
    private boolean bucketStarted;

    Icmp(final Ipv4Layer ipv4, final IpCounters counters, final IpConfig config, final StackTime time)
    {
        this.ipv4 = ipv4;
        this.counters = counters;
        this.time = time;
        this.costNanos = 1_000_000_000L / config.icmpRatePerSecond();
        this.maxCreditNanos = costNanos * config.icmpBurst();
    }

    @Override
    public int receive(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos, final int ttl, final int rxFlags)
    {
        counters.icmpInMsgs++;
        icmp.wrap(memory, offset, length);
        if (!icmp.isLongEnough() || !icmp.checksumOk())
        {
            counters.icmpInErrors++;
            return CONSUMED;
        }
        switch (icmp.type())
        {
            case IcmpHeader.TYPE_ECHO_REQUEST -> echo(memory, offset, length, source, destination, tos);
            case IcmpHeader.TYPE_DESTINATION_UNREACHABLE, IcmpHeader.TYPE_TIME_EXCEEDED,
                IcmpHeader.TYPE_PARAMETER_PROBLEM -> error(memory, offset, length);
            default -> counters.icmpInIgnored++;
        }
        return CONSUMED;
    }

    @Override
    public void icmpError(final int type, final int code, final int info, final int source, final int destination,
        final ByteBuffer memory, final int quotedOffset, final int quotedLength)
    {
        // Errors about our own ICMP messages (echo replies) need no action: nothing waits for them.
    }

    private void echo(final ByteBuffer memory, final int offset, final int length, final int source,
        final int destination, final int tos)
    {
        counters.icmpInEchos++;
        if (!ipv4.isLocalAddress(destination))
        {
            // Echo requests to broadcast addresses are ignored, as Linux does by default (icmp_echo_ignore_broadcasts):
            // answering them makes the stack a smurf amplifier (RFC 1122 3.2.2.6 allows silence).
            counters.icmpInIgnored++;
            return;
        }
        // The reply is the request with the type changed (RFC 792 "Echo or Echo Reply Message"): change it in place,
        // patch the checksum incrementally (RFC 1624), and send the bytes back.
        final int oldWord = (IcmpHeader.TYPE_ECHO_REQUEST << 8) | icmp.code();
        final int newWord = (IcmpHeader.TYPE_ECHO_REPLY << 8) | icmp.code();
        icmp.type(IcmpHeader.TYPE_ECHO_REPLY).checksum(Checksum.update16(icmp.checksum(), oldWord, newWord));
        final int result = ipv4.sendFromMemory(memory, offset, length, destination, source,
            Ipv4Header.PROTOCOL_ICMP, tos, ipv4.defaultTtl());
        if (result == 0)
        {
            counters.icmpOutMsgs++;
            counters.icmpOutEchoReps++;
        }
    }

    private void error(final ByteBuffer memory, final int offset, final int length)
    {
        if (icmp.type() == IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
        {
            counters.icmpInDestUnreachs++;
        }
        // The error quotes our datagram's IP header and at least 8 bytes of its payload (RFC 792).
        final int quotedIp = icmp.payloadOffset();
        final int available = icmp.payloadLength();
        quoted.wrap(memory, quotedIp, available);
        if (available < Ipv4Header.MIN_LENGTH || quoted.version() != 4
            || quoted.headerLength() < Ipv4Header.MIN_LENGTH || available < quoted.headerLength() + 8
            || !ipv4.isLocalAddress(quoted.source()) || quoted.fragmentOffset() != 0)
        {
            counters.icmpInErrors++;
            return;
        }
        final int protocol = quoted.protocol();
        if (protocol == Ipv4Header.PROTOCOL_ICMP)
        {
            counters.icmpInIgnored++;
            return;
        }
        final Ipv4Protocol handler = ipv4.protocol(protocol);
        if (handler == null)
        {
            counters.icmpInIgnored++;
            return;
        }
        final int l4Offset = quoted.payloadOffset();
        handler.icmpError(icmp.type(), icmp.code(), icmp.rest(), quoted.source(), quoted.destination(), memory,
            l4Offset, available - quoted.headerLength());
    }

    /**
     * Sends an ICMP error about a datagram, unless RFC 1122 3.2.2 forbids it or the rate limit is reached.
     *
     * @param headerMemory  where the offending datagram's IP header is
     * @param payloadMemory where its payload is (the same memory for a single frame; a reassembly buffer otherwise)
     */
    void sendError(final int type, final int code, final int rest, final ByteBuffer headerMemory,
        final int headerOffset, final int headerLength, final ByteBuffer payloadMemory, final int payloadOffset,
        final int payloadLength, final long now)
    {
        original.wrap(headerMemory, headerOffset, headerLength);
        final int offendingSource = original.source();
        final int offendingDestination = original.destination();
        // RFC 1122 3.2.2: never about a datagram whose source names no single host, or that was not for us alone.
        if (offendingSource == 0 || ipv4.isBroadcastOrMulticast(offendingSource)
            || !ipv4.isLocalAddress(offendingDestination))
        {
            return;
        }
        if (original.protocol() == Ipv4Header.PROTOCOL_ICMP && payloadLength >= 1
            && (payloadMemory.get(payloadOffset) & 0xFF) != IcmpHeader.TYPE_ECHO_REQUEST)
        {
            // Never an error about an ICMP error (or any ICMP but a request), lest two hosts bounce errors forever.
            return;
        }
        if (!takeToken(now))
        {
            counters.icmpRateLimited++;
            return;
        }
        final PacketPool pool = ipv4.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int quotedPayload = Math.min(payloadLength,
            MAX_ERROR_DATAGRAM - Ipv4Header.MIN_LENGTH - IcmpHeader.LENGTH - headerLength);
        final int l4Length = IcmpHeader.LENGTH + headerLength + quotedPayload;
        final ByteBuffer memory = pool.memory();
        final int base = pool.offset(buffer) + Ipv4Output.L4_OFFSET;
        memory.put(base + IcmpHeader.LENGTH, headerMemory, headerOffset, headerLength);
        memory.put(base + IcmpHeader.LENGTH + headerLength, payloadMemory, payloadOffset, quotedPayload);
        icmp.wrap(memory, base, l4Length).type(type).code(code).rest(rest).computeChecksum();
        final int result = ipv4.send(buffer, l4Length, offendingDestination, offendingSource,
            Ipv4Header.PROTOCOL_ICMP, 0, ipv4.defaultTtl(), false);
        if (result == 0)
        {
            counters.icmpOutMsgs++;
            if (type == IcmpHeader.TYPE_DESTINATION_UNREACHABLE)
            {
                counters.icmpOutDestUnreachs++;
            }
            else if (type == IcmpHeader.TYPE_TIME_EXCEEDED)
            {
                counters.icmpOutTimeExcds++;
            }
        }
    }

    /** RFC 792 time exceeded, code 1: fragments of a datagram did not all arrive in time. */
    void sendReassemblyTimeExceeded(final ByteBuffer firstHeader, final int firstHeaderLength, final ByteBuffer data,
        final int quotedLength, final int source, final int destination, final long now)
    {
        sendError(IcmpHeader.TYPE_TIME_EXCEEDED, IcmpHeader.CODE_REASSEMBLY_TIME_EXCEEDED, 0, firstHeader, 0,
            firstHeaderLength, data, 0, quotedLength, now);
    }

    private boolean takeToken(final long now)
    {
        if (!bucketStarted)
        {
            bucketStarted = true;
            lastRefill = now;
            creditNanos = maxCreditNanos;
        }
        final long elapsed = now - lastRefill;
        if (elapsed > 0)
        {
            creditNanos = Math.min(maxCreditNanos, creditNanos + elapsed);
            lastRefill = now;
        }
        if (creditNanos < costNanos)
        {
            return false;
        }
        creditNanos -= costNanos;
        return true;
    }
}
