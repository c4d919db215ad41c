package org.jbypass.netstack.ip;

import java.nio.ByteBuffer;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MldMessage;

/**
 * ICMPv6 (RFC 4443): answers echo requests, hands neighbour discovery to the interface's {@link Ndp} and multicast
 * listener discovery to its {@link Mld}, learns path
 * MTUs from packet-too-big messages (RFC 8201), passes errors about what the stack sent to the transport that sent
 * it, and sends errors about what it cannot deliver, rate-limited by a token bucket (section 2.4(f)) and never where
 * section 2.4(e) forbids: about an error, about a packet to a multicast group or link-layer multicast (except
 * packet too big and parameter problem code 2), or to a source that names no single node.
 */
final class Icmpv6
{
    private final Ipv6Layer ipv6;
    private final IpCounters counters;
    private final PathMtuCache pathMtus;
    private final Icmpv6Header icmp = new Icmpv6Header();
    private final Icmpv6Header error = new Icmpv6Header();
    private final Ipv6Header quoted = new Ipv6Header();
    private final Ipv6ExtensionHeaders quotedHeaders;
    private final long costNanos;
    private final long maxCreditNanos;
    private long creditNanos;
    private long lastRefill;
    private boolean bucketStarted;

    Icmpv6(final Ipv6Layer ipv6, final IpCounters counters, final IpConfig config, final PathMtuCache pathMtus)
    {
        this.ipv6 = ipv6;
        this.counters = counters;
        this.pathMtus = pathMtus;
        this.quotedHeaders = new Ipv6ExtensionHeaders(new IpCounters());
        this.costNanos = 1_000_000_000L / config.icmpRatePerSecond();
        this.maxCreditNanos = costNanos * config.icmpBurst();
    }

    /** Handles a received ICMPv6 message; its memory stays the caller's and may be rewritten in place. */
    void input(final Ipv6Interface v6, final ByteBuffer memory, final int offset, final int length,
        final long sourceHi, final long sourceLo, final long destinationHi, final long destinationLo,
        final int trafficClass, final int hopLimit, final long sourceMac, final long now)
    {
        counters.icmp6InMsgs++;
        icmp.wrap(memory, offset, length);
        if (!icmp.isLongEnough() || !icmp.checksumOk(sourceHi, sourceLo, destinationHi, destinationLo))
        {
            counters.icmp6InErrors++;
            return;
        }
        switch (icmp.type())
        {
            case Icmpv6Header.TYPE_ECHO_REQUEST -> echo(memory, offset, length,
                Ipv6Address.withScope(sourceHi, Ipv6Layer.scopeOf(v6.nif)), sourceLo,
                Ipv6Address.withScope(destinationHi, Ipv6Layer.scopeOf(v6.nif)),
                destinationLo, trafficClass);
            case Icmpv6Header.TYPE_ECHO_REPLY ->
            {
                counters.icmp6InEchoReplies++;
                counters.icmp6InIgnored++;
            }
            case Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION -> v6.ndp.solicitation(memory, offset, length, sourceHi,
                sourceLo, destinationHi, destinationLo, hopLimit, sourceMac, now);
            case Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT -> v6.ndp.advertisement(memory, offset, length,
                destinationHi, hopLimit, sourceMac, now);
            case MldMessage.TYPE_QUERY -> v6.mld.query(memory, offset, length, sourceHi, destinationHi, destinationLo,
                hopLimit, now);
            case MldMessage.TYPE_V1_REPORT, MldMessage.TYPE_V2_REPORT, MldMessage.TYPE_V1_DONE -> v6.mld.report(memory,
                offset, length, sourceHi, sourceLo, hopLimit);
            case Icmpv6Header.TYPE_ROUTER_ADVERTISEMENT -> v6.routers.advertisement(memory, offset, length,
                icmp.code(), sourceHi, sourceLo, hopLimit, now);
            case Icmpv6Header.TYPE_ROUTER_SOLICITATION, Icmpv6Header.TYPE_REDIRECT ->
                counters.ndpInRouterMessagesIgnored++;
            case Icmpv6Header.TYPE_DESTINATION_UNREACHABLE, Icmpv6Header.TYPE_PACKET_TOO_BIG,
                Icmpv6Header.TYPE_TIME_EXCEEDED, Icmpv6Header.TYPE_PARAMETER_PROBLEM -> error(memory, offset, length,
                Ipv6Layer.scopeOf(v6.nif), now);
            default -> counters.icmp6InIgnored++;
        }
    }

    /**
     * Section 4.2: the reply carries the request's identifier, sequence and data. A request to a multicast group is
     * answered from the interface's own address, as Linux does (icmp/echo_ignore_multicast = 0).
     */
    private void echo(final ByteBuffer memory, final int offset, final int length, final long sourceHi,
        final long sourceLo, final long destinationHi, final long destinationLo, final int trafficClass)
    {
        counters.icmp6InEchos++;
        final long fromHi;
        final long fromLo;
        if (Ipv6Address.isMulticast(destinationHi))
        {
            if (!ipv6.selectSource(sourceHi, sourceLo))
            {
                counters.icmp6InIgnored++;
                return;
            }
            fromHi = ipv6.sourceHi();
            fromLo = ipv6.sourceLo();
        }
        else
        {
            fromHi = destinationHi;
            fromLo = destinationLo;
        }
        icmp.type(Icmpv6Header.TYPE_ECHO_REPLY).computeChecksum(fromHi, fromLo, sourceHi, sourceLo);
        final int result = ipv6.sendFromMemory(memory, offset, length, fromHi, fromLo, sourceHi, sourceLo,
            Ipv6Header.NEXT_ICMPV6, trafficClass, ipv6.defaultHopLimit());
        if (result == 0)
        {
            counters.icmp6OutMsgs++;
            counters.icmp6OutEchoReplies++;
        }
    }

    /** An error about a packet: it must quote one of ours, with enough of it to name the transport. */
    private void error(final ByteBuffer memory, final int offset, final int length, final int scope,
        final long now)
    {
        final int type = icmp.type();
        switch (type)
        {
            case Icmpv6Header.TYPE_DESTINATION_UNREACHABLE -> counters.icmp6InDestUnreachs++;
            case Icmpv6Header.TYPE_PACKET_TOO_BIG -> counters.icmp6InPktTooBigs++;
            case Icmpv6Header.TYPE_TIME_EXCEEDED -> counters.icmp6InTimeExcds++;
            default -> counters.icmp6InParmProblems++;
        }
        final int quotedOffset = icmp.payloadOffset();
        final int available = icmp.payloadLength();
        quoted.wrap(memory, quotedOffset, available);
        // What the error quotes left by the interface it arrived on: its link-local addresses are on that link.
        final long quotedSourceHi = Ipv6Address.withScope(quoted.sourceHi(), scope);
        if (available < Ipv6Header.LENGTH + 8 || quoted.version() != 6
            || !ipv6.isLocalAddress(quotedSourceHi, quoted.sourceLo()))
        {
            counters.icmp6InBadErrors++;
            return;
        }
        final long quotedSourceLo = quoted.sourceLo();
        final long quotedDestinationHi = Ipv6Address.withScope(quoted.destinationHi(), scope);
        final long quotedDestinationLo = quoted.destinationLo();
        int info = icmp.rest();
        if (type == Icmpv6Header.TYPE_PACKET_TOO_BIG)
        {
            // RFC 8201 section 4: lower the destination's path MTU, never below 1280 (RFC 8200 section 5; nor
            // does a smaller value make the stack send atomic fragments, RFC 8021). The transport is told the MTU
            // it will now get from pathMtu.
            final int linkMtu = ipv6.linkMtu(quotedDestinationHi, quotedDestinationLo);
            if (linkMtu == 0)
            {
                counters.icmp6InBadErrors++;
                return;
            }
            info = pathMtus.learn(Ipv6Address.withoutScope(quotedDestinationHi), quotedDestinationLo, info, linkMtu,
                now);
        }
        // The transport header follows the quoted packet's extension headers; a fragment other than the first
        // quotes no transport header.
        final int end = quotedOffset + available;
        final int verdict = quotedHeaders.walk(memory, quotedOffset, quotedOffset + Ipv6Header.LENGTH, end,
            quoted.nextHeader(), quotedOffset + Ipv6Header.NEXT_HEADER, false);
        int l4 = quotedHeaders.offset();
        int nextHeader = quotedHeaders.nextHeader();
        if (verdict == Ipv6ExtensionHeaders.FRAGMENT)
        {
            if ((memory.getShort(l4 + 2) & 0xFFF8) != 0)
            {
                counters.icmp6InIgnored++;
                return;
            }
            nextHeader = memory.get(l4) & 0xFF;
            l4 += 8;
        }
        else if (verdict != Ipv6ExtensionHeaders.UPPER_LAYER)
        {
            counters.icmp6InBadErrors++;
            return;
        }
        if (end - l4 < 8 || nextHeader == Ipv6Header.NEXT_ICMPV6)
        {
            // Too little quoted to name a socket, or about our own ICMPv6 (echo replies): nothing waits for it.
            counters.icmp6InIgnored++;
            return;
        }
        final Ipv6Protocol handler = ipv6.protocol(nextHeader);
        if (handler == null)
        {
            counters.icmp6InIgnored++;
            return;
        }
        handler.icmp6Error(type, icmp.code(), info, quotedSourceHi, quotedSourceLo, quotedDestinationHi,
            quotedDestinationLo, memory, l4, end - l4);
    }

    /**
     * Sends an error about an invoking packet held contiguously from its IPv6 header, unless section 2.4(e)
     * forbids it or the rate limit is reached. The error quotes as much of the packet as fits in the minimum MTU.
     *
     * @param upperNextHeader the invoking packet's upper-layer protocol, and {@code upperOffset} where its header
     *                        is (-1 when unknown), to tell an ICMPv6 error (never answered) from anything else
     * @param linkMulticast   whether the packet came in a link-layer multicast or broadcast frame
     * @param scope           the scope of the interface it arrived on ({@link Ipv6Address#withScope}), so that an
     *                        error to a link-local source goes back out of that interface
     */
    void sendError(final int type, final int code, final int info, final ByteBuffer packet, final int ipOffset,
        final int packetLength, final int upperNextHeader, final int upperOffset, final boolean linkMulticast,
        final int scope, final long now)
    {
        quoted.wrap(packet, ipOffset, packetLength);
        final long sourceHi = Ipv6Address.withScope(quoted.sourceHi(), scope);
        final long sourceLo = quoted.sourceLo();
        final long destinationHi = Ipv6Address.withScope(quoted.destinationHi(), scope);
        final long destinationLo = quoted.destinationLo();
        final boolean exempt = type == Icmpv6Header.TYPE_PACKET_TOO_BIG
            || type == Icmpv6Header.TYPE_PARAMETER_PROBLEM && code == Icmpv6Header.CODE_UNRECOGNIZED_OPTION;
        if (upperNextHeader == Ipv6Header.NEXT_ICMPV6 && upperOffset >= 0
            && upperOffset < ipOffset + packetLength
            && ((packet.get(upperOffset) & 0xFF) < Icmpv6Header.FIRST_INFORMATIONAL
                || (packet.get(upperOffset) & 0xFF) == Icmpv6Header.TYPE_REDIRECT)
            || (Ipv6Address.isMulticast(destinationHi) || linkMulticast) && !exempt
            || Ipv6Address.isUnspecified(sourceHi, sourceLo) || Ipv6Address.isMulticast(sourceHi))
        {
            counters.icmp6ErrorsSuppressed++;
            return;
        }
        long fromHi = destinationHi;
        long fromLo = destinationLo;
        if (!ipv6.isLocalAddress(destinationHi, destinationLo))
        {
            if (!ipv6.selectSource(sourceHi, sourceLo))
            {
                return;
            }
            fromHi = ipv6.sourceHi();
            fromLo = ipv6.sourceLo();
        }
        if (!takeToken(now))
        {
            counters.icmp6RateLimited++;
            return;
        }
        final PacketPool pool = ipv6.pool();
        final int buffer = pool.allocate();
        if (buffer == PacketPool.NO_BUFFER)
        {
            return;
        }
        final int quotedLength = Math.min(packetLength,
            Math.min(Ipv6Header.MIN_MTU, pool.bufferSize() - Ipv6Output.L4_OFFSET) - Ipv6Header.LENGTH
                - Icmpv6Header.LENGTH);
        final int l4Length = Icmpv6Header.LENGTH + quotedLength;
        final ByteBuffer memory = pool.memory();
        final int base = pool.offset(buffer) + Ipv6Output.L4_OFFSET;
        memory.put(base + Icmpv6Header.LENGTH, packet, ipOffset, quotedLength);
        error.wrap(memory, base, l4Length).type(type).code(code).rest(info).computeChecksum(fromHi, fromLo,
            sourceHi, sourceLo);
        final int result = ipv6.send(buffer, l4Length, fromHi, fromLo, sourceHi, sourceLo, Ipv6Header.NEXT_ICMPV6,
            0, ipv6.defaultHopLimit());
        if (result == 0)
        {
            counters.icmp6OutMsgs++;
            switch (type)
            {
                case Icmpv6Header.TYPE_DESTINATION_UNREACHABLE -> counters.icmp6OutDestUnreachs++;
                case Icmpv6Header.TYPE_TIME_EXCEEDED -> counters.icmp6OutTimeExcds++;
                case Icmpv6Header.TYPE_PARAMETER_PROBLEM -> counters.icmp6OutParmProblems++;
                default ->
                {
                }
            }
        }
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
