package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an Ethernet II header (IEEE 802.3 clause 3.2.6, "Type" interpretation).
 *
 * <pre>
 *   0                   6                   12      14
 *   +-------------------+-------------------+-------+
 *   | destination MAC   | source MAC        | type  |
 *   +-------------------+-------------------+-------+
 * </pre>
 *
 * The frame check sequence is not present: links deliver frames without it.
 */
public final class EthernetHeader
{
    public static final int LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    /** An 802.1Q tag: the stack does not speak VLANs and drops such frames with a counter rather than misparse them. */
    public static final int TYPE_VLAN = 0x8100;
    /** An 802.1ad (QinQ) service tag, dropped like {@link #TYPE_VLAN}. */
    public static final int TYPE_QINQ = 0x88A8;
    public static final int TYPE_IPV6 = 0x86DD;
    /** Values below this are 802.3 lengths, not EtherTypes. */
    public static final int MIN_ETHERTYPE = 0x0600;

    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int TYPE = 12;

    private ByteBuffer buffer;
    private int offset;
    private int frameLength;

    /**
     * Points the flyweight at a frame.
     *
     * @param frameLength the bytes available from {@code offset}: the whole frame
     */
    public EthernetHeader wrap(final ByteBuffer buffer, final int offset, final int frameLength)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.frameLength = frameLength;
        return this;
    }

    /** Whether the frame is long enough for the header; the accessors may be used only after this passed. */
    public boolean isValid()
    {
        return frameLength >= LENGTH;
    }

    public long destination()
    {
        return MacAddress.read(buffer, offset + DESTINATION);
    }

    public long source()
    {
        return MacAddress.read(buffer, offset + SOURCE);
    }

    public int type()
    {
        return buffer.getShort(offset + TYPE) & 0xFFFF;
    }

    public EthernetHeader destination(final long mac)
    {
        MacAddress.write(buffer, offset + DESTINATION, mac);
        return this;
    }

    public EthernetHeader source(final long mac)
    {
        MacAddress.write(buffer, offset + SOURCE, mac);
        return this;
    }

    /**
     * Writes the whole header in two 8-byte stores (the second overlaps the first by the source's first two bytes,
     * which both write alike) instead of five narrow ones, each bounds-checked: once per frame sent.
     */
    public EthernetHeader write(final long destinationMac, final long sourceMac, final int type)
    {
        buffer.putLong(offset + DESTINATION, destinationMac << 16 | (sourceMac >>> 32 & 0xFFFF));
        buffer.putLong(offset + SOURCE, sourceMac << 16 | (type & 0xFFFF));
        return this;
    }

    public EthernetHeader type(final int type)
    {
        buffer.putShort(offset + TYPE, (short)type);
        return this;
    }

    /** Offset of the payload in the buffer. */
    public int payloadOffset()
    {
        return offset + LENGTH;
    }

    /** Length of the payload (the frame minus the header). */
    public int payloadLength()
    {
        return frameLength - LENGTH;
    }
}
