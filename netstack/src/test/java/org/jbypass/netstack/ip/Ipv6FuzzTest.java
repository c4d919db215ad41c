package org.jbypass.netstack.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.testing.ChannelLink;
import org.jbypass.netstack.wire.EthernetHeader;
import org.jbypass.netstack.wire.Icmpv6Header;
import org.jbypass.netstack.wire.Ipv6Address;
import org.jbypass.netstack.wire.Ipv6Header;
import org.jbypass.netstack.wire.MacAddress;
import org.jbypass.netstack.wire.NdpOptions;

/**
 * Coverage-guided fuzzing of IPv6's receive path (DEVELOPERS.md, "Fuzzing"): a stack with 2001:db8::2/64 (and DAD
 * running, so that tentative addresses are exercised too) gets frames the fuzzer builds: mostly well-formed IPv6
 * with chains of extension headers (options of every action, routing headers, fragment headers of a few
 * identifications at offsets it picks), ICMPv6 echo requests, neighbour solicitations and advertisements with
 * options it picks, errors quoting packets of the stack's, all with correct checksums so that they get past
 * validation; some arbitrary bytes; the passing of time; and sends by the stack (to neighbours that answer or
 * not, large enough to fragment).
 *
 * <p>After every step: no exception escaped {@code poll}; the neighbour cache, reassembly slots and path MTU cache
 * stayed within their bounds. At the end, once time has passed: no reassembly left, and every packet buffer back in
 * the pool.
 */
class Ipv6FuzzTest
{
    private static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final long[] STACK6 = Ipv6Address.parse("2001:db8::2");
    private static final long[] STACK_LL = {Ipv6Address.LINK_LOCAL_HI, Ipv6Address.eui64(STACK_MAC)};
    private static final long[][] ADDRESSES = {Ipv6Address.parse("2001:db8::1"), STACK6, STACK_LL,
        Ipv6Address.parse("fe80::1"), {Ipv6Address.ALL_NODES_HI, Ipv6Address.ALL_NODES_LO},
        {Ipv6Address.solicitedNodeHi(), Ipv6Address.solicitedNodeLo(STACK6[1])}, {0, 0},
        Ipv6Address.parse("2001:db8::99"), Ipv6Address.parse("2001:db8:ff::1"), Ipv6Address.parse("::1"),
        Ipv6Address.parse("::ffff:198.18.0.1"), Ipv6Address.parse("ff05::2")};
    private static final long[] MACS = {STACK_MAC, 0x3333_0000_0001L, 0x3333_FF00_0002L, MacAddress.BROADCAST,
        PEER_MAC, 0x3333_FF00_0099L};
    private static final int[] NEXT_HEADERS = {0, 43, 44, 60, 58, 59, 6, 17, 50, 51, 135};
    private static final int CACHE = 16;

    private long now;
    private Stack stack;
    private ChannelLink link;
    private NetInterface nif;
    private int baseline;

    @FuzzTest(maxDuration = "5m")
    void frames(final FuzzedDataProvider data)
    {
        setUp(data.consumeInt(0, 2));
        try
        {
            for (int step = 0; step < 48 && data.remainingBytes() > 0; step++)
            {
                final int what = data.consumeInt(0, 11);
                if (what == 0)
                {
                    advance(data.consumeLong(1, 70_000_000_000L));
                }
                else if (what == 1)
                {
                    send(data);
                }
                else if (what == 2)
                {
                    link.inject(data.consumeBytes(data.consumeInt(0, 200)));
                }
                else
                {
                    link.inject(frame(data));
                }
                poll();
                checkBounds();
            }
            for (int i = 0; i < 6; i++)
            {
                advance(61_000_000_000L);
            }
            link.drain();
            assertEquals(0, stack.ipv6().reassembliesInProgress(), "reassemblies left");
            assertEquals(baseline, stack.pool().inUse(), "packet buffers held (leaked)");
        }
        finally
        {
            stack.close();
        }
    }

    private void setUp(final int dadTransmits)
    {
        // Jazzer reuses the instance: start every input from nothing.
        now = 1_000_000_000L;
        stack = new Stack(StackConfig.builder().poolBuffers(512).seed(15).ipv6(new Ipv6Config(64, dadTransmits,
            CACHE, 30_000_000_000L, 1_000_000_000L, 5_000_000_000L, 3, 4, 8, 600_000_000_000L,
            new ReassemblyConfig(4, 16, 60_000_000_000L), 0)).build(), now);
        link = new ChannelLink(stack.pool(), STACK_MAC, 1500);
        nif = stack.addInterface("fuzz0", link, 0xC6120002, 24, 0);
        stack.addAddress6(nif, STACK6[0], STACK6[1], 64);
        stack.addRoute6(Ipv6Address.parse("2001:db8:ff::")[0], 0, 48, nif, Ipv6Address.parse("fe80::1")[0],
            Ipv6Address.parse("fe80::1")[1]);
        poll();
        link.drain();
        baseline = stack.pool().inUse();
    }

    private void poll()
    {
        stack.poll(now);
        link.drain();
    }

    private void advance(final long nanos)
    {
        now += nanos;
        poll();
    }

    private void checkBounds()
    {
        assertTrue(stack.ipv6().neighborCount(nif) <= CACHE, "neighbour cache");
        assertTrue(stack.ipv6().reassembliesInProgress() <= 4, "reassembly slots");
        assertTrue(stack.ipv6().pathMtuEntries() <= 8, "path MTU cache");
    }

    /** The stack sends an echo request (a transport's send, in effect), maybe large enough to fragment. */
    private void send(final FuzzedDataProvider data)
    {
        final long[] to = pick(data);
        final int length = data.consumeInt(8, 9000);
        final ByteBuffer message = ByteBuffer.allocate(length);
        new Icmpv6Header().wrap(message, 0, length).type(Icmpv6Header.TYPE_ECHO_REQUEST).code(0).rest(1)
            .computeChecksum(STACK6[0], STACK6[1], to[0], to[1]);
        stack.time().advance(now);
        stack.ipv6().sendFromMemory(message, 0, length, STACK6[0], STACK6[1], to[0], to[1], Ipv6Header.NEXT_ICMPV6,
            0, 64);
        stack.flush();
    }

    private static long[] pick(final FuzzedDataProvider data)
    {
        return data.consumeInt(0, 9) == 0 ? new long[] {data.consumeLong(), data.consumeLong()}
            : ADDRESSES[data.consumeInt(0, ADDRESSES.length - 1)];
    }

    private byte[] frame(final FuzzedDataProvider data)
    {
        final long dstMac = MACS[data.consumeInt(0, MACS.length - 1)];
        final long srcMac = data.consumeBoolean() ? PEER_MAC : data.consumeLong() & 0xFFFF_FFFF_FFFFL;
        final long[] src = pick(data);
        final long[] dst = pick(data);
        final int hopLimit = data.consumeBoolean() ? 255 : data.consumeInt(0, 255);
        final ByteBuffer upper = ByteBuffer.allocate(2048);
        int length = 0;
        int first = 58;
        int lastNextField = -1;
        // a chain of extension headers
        final int headers = data.consumeInt(0, 10);
        for (int i = 0; i < headers && length < 1600; i++)
        {
            final int type = NEXT_HEADERS[data.consumeInt(0, 3)];
            if (lastNextField < 0)
            {
                first = type;
            }
            else
            {
                upper.put(lastNextField, (byte)type);
            }
            lastNextField = length;
            if (type == 44)
            {
                upper.put(length + 1, (byte)0);
                upper.putShort(length + 2, (short)(data.consumeInt(0, 0x1FFF) << 3 | (data.consumeBoolean() ? 1 : 0)));
                upper.putInt(length + 4, data.consumeInt(0, 3));
                length += 8;
                continue;
            }
            final int units = data.consumeInt(0, 3);
            upper.put(length + 1, (byte)units);
            if (type == 43)
            {
                upper.put(length + 2, (byte)data.consumeInt(0, 4));
                upper.put(length + 3, (byte)data.consumeInt(0, 2));
            }
            else
            {
                // options: the fuzzer's bytes, often Pad1/PadN and types of each action
                for (int o = 2; o < 8 * (units + 1); o++)
                {
                    upper.put(length + o, data.consumeByte());
                }
            }
            length += 8 * (units + 1);
        }
        // the upper layer
        final int last = NEXT_HEADERS[data.consumeInt(4, NEXT_HEADERS.length - 1)];
        final int upperNext = last == 135 ? 58 : last;
        if (lastNextField < 0)
        {
            first = upperNext;
        }
        else
        {
            upper.put(lastNextField, (byte)upperNext);
        }
        final int upperStart = length;
        if (upperNext == 58)
        {
            length += icmp(data, upper, length, last == 135);
        }
        else
        {
            final byte[] bytes = data.consumeBytes(data.consumeInt(0, 64));
            upper.put(length, bytes);
            length += bytes.length;
        }
        if (upperNext == 58 && data.consumeInt(0, 7) != 0)
        {
            final int icmpLength = length - upperStart;
            new Icmpv6Header().wrap(upper, upperStart, icmpLength).computeChecksum(src[0], src[1], dst[0], dst[1]);
        }
        final int payloadLength = data.consumeInt(0, 15) == 0 ? data.consumeInt(0, 65535) : length;
        final ByteBuffer frame = ByteBuffer.allocate(Math.max(60, 54 + length));
        new EthernetHeader().wrap(frame, 0, frame.capacity()).destination(dstMac).source(srcMac)
            .type(EthernetHeader.TYPE_IPV6);
        new Ipv6Header().wrap(frame, 14, 40 + length).write(data.consumeInt(0, 255), 0, payloadLength, first,
            hopLimit, src[0], src[1], dst[0], dst[1]);
        frame.put(54, upper, 0, length);
        return frame.array();
    }

    /** An ICMPv6 message at {@code at}; returns its length. */
    private int icmp(final FuzzedDataProvider data, final ByteBuffer b, final int at, final boolean neighbor)
    {
        final int kind = neighbor ? data.consumeInt(0, 1) : data.consumeInt(0, 6);
        final Icmpv6Header icmp = new Icmpv6Header().wrap(b, at, 1024);
        switch (kind)
        {
            case 0, 1 ->
            {
                icmp.type(kind == 0 ? Icmpv6Header.TYPE_NEIGHBOR_SOLICITATION : Icmpv6Header.TYPE_NEIGHBOR_ADVERTISEMENT)
                    .code(data.consumeInt(0, 8) == 0 ? 1 : 0).rest(data.consumeInt());
                final long[] target = pick(data);
                icmp.target(target[0], target[1]);
                int length = 24;
                final int options = data.consumeInt(0, 4);
                for (int i = 0; i < options; i++)
                {
                    if (data.consumeBoolean())
                    {
                        length += NdpOptions.writeLinkLayer(b, at + length, data.consumeInt(1, 2),
                            data.consumeBoolean() ? PEER_MAC : data.consumeLong() & 0xFFFF_FFFF_FFFFL);
                    }
                    else
                    {
                        final int units = data.consumeInt(0, 3);
                        b.put(at + length, data.consumeByte()).put(at + length + 1, (byte)units);
                        length += Math.max(2, 8 * units);
                    }
                }
                return length;
            }
            case 2 ->
            {
                icmp.type(Icmpv6Header.TYPE_ECHO_REQUEST).code(0).rest(data.consumeInt());
                return 8 + data.consumeInt(0, 1500);
            }
            case 3, 4, 5 ->
            {
                // an error quoting a packet from the stack, with the fuzzer's MTU, code and quoted headers
                final int type = new int[] {Icmpv6Header.TYPE_PACKET_TOO_BIG, Icmpv6Header.TYPE_DESTINATION_UNREACHABLE,
                    Icmpv6Header.TYPE_PARAMETER_PROBLEM}[kind - 3];
                icmp.type(type).code(data.consumeInt(0, 4)).rest(data.consumeInt(0, 70000));
                final long[] to = pick(data);
                final int quoted = data.consumeInt(0, 100);
                new Ipv6Header().wrap(b, at + 8, 40).write(0, 0, quoted, NEXT_HEADERS[data.consumeInt(0,
                    NEXT_HEADERS.length - 1)], 64, STACK6[0], STACK6[1], to[0], to[1]);
                b.put(at + 48, data.consumeBytes(quoted));
                return 48 + quoted;
            }
            default ->
            {
                icmp.type(data.consumeInt(0, 255)).code(data.consumeInt(0, 255)).rest(data.consumeInt());
                return 8 + data.consumeInt(0, 64);
            }
        }
    }
}
