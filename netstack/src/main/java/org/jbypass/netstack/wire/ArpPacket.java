package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an ARP packet for IPv4 over Ethernet (RFC 826).
 *
 * <pre>
 *   0       2       4   5   6       8           14      18          24      28
 *   +-------+-------+---+---+-------+-----------+-------+-----------+-------+
 *   | htype | ptype |hln|pln| oper  | sha       | spa   | tha       | tpa   |
 *   +-------+-------+---+---+-------+-----------+-------+-----------+-------+
 * </pre>
 */
public final class ArpPacket
{
    public static final int LENGTH = 28;
    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private static final int HTYPE = 0;
    private static final int PTYPE = 2;
    private static final int HLEN = 4;
    private static final int PLEN = 5;
    private static final int OPER = 6;
    private static final int SHA = 8;
    private static final int SPA = 14;
    private static final int THA = 18;
    private static final int TPA = 24;

    private ByteBuffer buffer;
    private int offset;
    private int length;

    public ArpPacket wrap(final ByteBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** Whether the packet is long enough for the fields below (frames may carry Ethernet padding after it). */
    public boolean isLongEnough()
    {
        return length >= LENGTH;
    }

    /** Whether it is Ethernet/IPv4 ARP, the only kind the stack speaks. Valid only after {@link #isLongEnough()}. */
    public boolean isEthernetIpv4()
    {
        return hardwareType() == HTYPE_ETHERNET && protocolType() == EthernetHeader.TYPE_IPV4
            && (buffer.get(offset + HLEN) & 0xFF) == 6 && (buffer.get(offset + PLEN) & 0xFF) == 4;
    }

    public int hardwareType()
    {
        return buffer.getShort(offset + HTYPE) & 0xFFFF;
    }

    public int protocolType()
    {
        return buffer.getShort(offset + PTYPE) & 0xFFFF;
    }

    public int operation()
    {
        return buffer.getShort(offset + OPER) & 0xFFFF;
    }

    public long senderMac()
    {
        return MacAddress.read(buffer, offset + SHA);
    }

    public int senderIp()
    {
        return buffer.getInt(offset + SPA);
    }

    public long targetMac()
    {
        return MacAddress.read(buffer, offset + THA);
    }

    public int targetIp()
    {
        return buffer.getInt(offset + TPA);
    }

    /** Writes a whole Ethernet/IPv4 ARP packet. */
    public ArpPacket write(final int operation, final long senderMac, final int senderIp, final long targetMac,
        final int targetIp)
    {
        buffer.putShort(offset + HTYPE, (short)HTYPE_ETHERNET);
        buffer.putShort(offset + PTYPE, (short)EthernetHeader.TYPE_IPV4);
        buffer.put(offset + HLEN, (byte)6);
        buffer.put(offset + PLEN, (byte)4);
        buffer.putShort(offset + OPER, (short)operation);
        MacAddress.write(buffer, offset + SHA, senderMac);
        buffer.putInt(offset + SPA, senderIp);
        MacAddress.write(buffer, offset + THA, targetMac);
        buffer.putInt(offset + TPA, targetIp);
        return this;
    }
}
