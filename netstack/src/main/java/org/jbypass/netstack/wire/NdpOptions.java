package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;

/**
 * The options of a neighbour discovery message (RFC 4861 section 4.6), parsed once into the few the stack uses.
 *
 * <pre>
 *   0      1        2
 *   +------+--------+-------------------------+
 *   | type | length | value (length x 8 - 2)  |   length in units of 8 octets, never 0
 *   +------+--------+-------------------------+
 *   source/target link-layer address (types 1, 2, length 1): the 6-byte MAC at offset 2
 *   nonce (type 14, length 1 as the stack sends it; longer ones are allowed): 6 random bytes at offset 2
 * </pre>
 *
 * {@link #parse} walks the options within the message and nothing past it: an option of length 0, or one that runs
 * past the end, makes the whole message invalid (RFC 4861 sections 4.6 and 7.1.1: "the receiver MUST silently
 * discard"). Each option takes at least 8 bytes, so the walk is bounded by the message's length. Options the stack
 * does not use are skipped, as section 4.6 asks; of a repeated link-layer address option the first counts.
 */
public final class NdpOptions
{
    public static final int SOURCE_LINK_LAYER_ADDRESS = 1;
    public static final int TARGET_LINK_LAYER_ADDRESS = 2;
    public static final int PREFIX_INFORMATION = 3;
    public static final int REDIRECTED_HEADER = 4;
    public static final int MTU = 5;
    /** RFC 7527 section 3: a random value a DAD solicitation carries, to recognise it when it loops back. */
    public static final int NONCE = 14;
    /** A link-layer address option on Ethernet: 8 bytes (RFC 2464 section 6). */
    public static final int LINK_LAYER_OPTION_LENGTH = 8;
    /** {@link #sourceLinkLayer()} and {@link #targetLinkLayer()} when the message carried none. */
    public static final long NONE = -1L;
    /** {@link #nonce()} of a nonce longer than 6 bytes: never one the stack sent. */
    public static final long LONG_NONCE = -2L;

    private long sourceLinkLayer;
    private long targetLinkLayer;
    private long nonce;
    private int count;

    /**
     * Parses the options in {@code [offset, offset + length)}.
     *
     * @return false when they are malformed (a zero length, or past the end): the message must be dropped
     */
    public boolean parse(final ByteBuffer buffer, final int offset, final int length)
    {
        sourceLinkLayer = NONE;
        targetLinkLayer = NONE;
        nonce = NONE;
        count = 0;
        int at = offset;
        final int end = offset + length;
        while (at < end)
        {
            if (end - at < 2)
            {
                return false;
            }
            final int type = buffer.get(at) & 0xFF;
            final int optionLength = (buffer.get(at + 1) & 0xFF) * 8;
            if (optionLength == 0 || optionLength > end - at)
            {
                return false;
            }
            if (optionLength == LINK_LAYER_OPTION_LENGTH)
            {
                if (type == SOURCE_LINK_LAYER_ADDRESS && sourceLinkLayer == NONE)
                {
                    sourceLinkLayer = MacAddress.read(buffer, at + 2);
                }
                else if (type == TARGET_LINK_LAYER_ADDRESS && targetLinkLayer == NONE)
                {
                    targetLinkLayer = MacAddress.read(buffer, at + 2);
                }
            }
            if (type == NONCE && nonce == NONE)
            {
                nonce = optionLength == LINK_LAYER_OPTION_LENGTH ? MacAddress.read(buffer, at + 2) : LONG_NONCE;
            }
            count++;
            at += optionLength;
        }
        return true;
    }

    /** The source link-layer address option's MAC, or {@link #NONE}. */
    public long sourceLinkLayer()
    {
        return sourceLinkLayer;
    }

    /** The target link-layer address option's MAC, or {@link #NONE}. */
    public long targetLinkLayer()
    {
        return targetLinkLayer;
    }

    /** The nonce option's 6 bytes as a 48-bit value, {@link #LONG_NONCE}, or {@link #NONE}. */
    public long nonce()
    {
        return nonce;
    }

    /** How many options the last parse found. */
    public int count()
    {
        return count;
    }

    /** Writes a link-layer address option (type 1 or 2) for an Ethernet MAC; returns its length, 8. */
    public static int writeLinkLayer(final ByteBuffer buffer, final int offset, final int type, final long mac)
    {
        buffer.put(offset, (byte)type);
        buffer.put(offset + 1, (byte)1);
        MacAddress.write(buffer, offset + 2, mac);
        return LINK_LAYER_OPTION_LENGTH;
    }

    /** Writes a nonce option (RFC 7527 section 3) of 6 bytes, the low 48 bits of {@code nonce}; returns 8. */
    public static int writeNonce(final ByteBuffer buffer, final int offset, final long nonce)
    {
        buffer.put(offset, (byte)NONCE);
        buffer.put(offset + 1, (byte)1);
        MacAddress.write(buffer, offset + 2, nonce);
        return LINK_LAYER_OPTION_LENGTH;
    }
}
