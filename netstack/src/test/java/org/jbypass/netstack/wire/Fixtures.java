package org.jbypass.netstack.wire;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Frames of real traffic, byte for byte, for the flyweight tests.
 *
 * <p>How they were obtained: {@code netstack/src/test/scripts/capture-wire-fixtures.sh} put two network namespaces
 * on a veth pair (02:00:00:00:00:0a / 198.18.0.1 and 02:00:00:00:00:0b / 198.18.0.2; Linux 6.18; IPv6 and transmit
 * checksum offload off, so the checksums are the kernel's) and captured with tcpdump on the .2 side while the
 * kernel's own tools and sockets made the traffic: {@code ping -s 32 -p 6a627970617373} (the ARP exchange and the
 * echo request and reply), two UDP {@code sendto}s to a closed port (the datagrams and the kernel's port-unreachable
 * answers), a TCP connection from Python's socket module (the SYN, the SYN-ACK, one data segment), and
 * {@code ping -M dont -s 100} over a 100-byte MTU (an IPv4 fragment pair). The capture is
 * {@code src/test/resources/org/jbypass/netstack/wire/kernel-capture.pcap};
 * {@link KernelCaptureTest} checks that every constant here is a frame of it.
 *
 * <p>The kernel used for the capture had no 802.1Q module, so {@link #VLAN_ICMP_ECHO_REQUEST} was made with scapy
 * from {@link #ICMP_ECHO_REQUEST}: the same frame with an 802.1Q tag (PCP 5, VID 7) inserted after the MAC
 * addresses, as a tagged port would send it.
 */
final class Fixtures
{
    static final long MAC_A = 0x02_00_00_00_00_0AL;
    static final long MAC_B = 0x02_00_00_00_00_0BL;
    static final int IP_A = 0xC612_0001;
    static final int IP_B = 0xC612_0002;

    /** Frame 0: who-has 198.18.0.2 tell 198.18.0.1 (42 bytes: veth does not pad to 60). */
    static final String ARP_REQUEST =
        "ffffffffffff02000000000a0806000108000604000102000000000ac6120001000000000000c6120002";
    /** Frame 1: 198.18.0.2 is-at 02:00:00:00:00:0b. */
    static final String ARP_REPLY =
        "02000000000a02000000000b0806000108000604000202000000000bc612000202000000000ac6120001";
    /** Frame 2: ICMP echo request, id 8367, seq 1, 16 bytes of timestamp and 16 of the pattern "jbypass". */
    static final String ICMP_ECHO_REQUEST =
        "02000000000b02000000000a08004500003cd44440004001da54c6120001c61200020800781820af00014e5b076b0000" +
        "00008a0107000000000079706173736a6279706173736a627970";
    /** Frame 3: the echo reply. */
    static final String ICMP_ECHO_REPLY =
        "02000000000a02000000000b08004500003c3c7600004001b223c6120002c61200010000801820af00014e5b076b0000" +
        "00008a0107000000000079706173736a6279706173736a627970";
    /** Frame 4: UDP 198.18.0.1:40000 to 198.18.0.2:7777, "jbypass fixture" (15 bytes: an odd length). */
    static final String UDP_ODD =
        "02000000000b02000000000a08004500002b6ef7400040113fa3c6120001c61200029c401e610017473f6a6279706173" +
        "732066697874757265";
    /** Frame 5: ICMP port unreachable for frame 4 (TOS 0xc0), quoting the whole datagram. */
    static final String ICMP_PORT_UNREACHABLE =
        "02000000000a02000000000b080045c000473c7700004001b157c6120002c61200010303894d000000004500002b6ef7" +
        "400040113fa3c6120001c61200029c401e610017473f6a6279706173732066697874757265";
    /** Frame 6: UDP 198.18.0.1:40000 to 198.18.0.2:7777, "even length!" (12 bytes). */
    static final String UDP_EVEN =
        "02000000000b02000000000a0800450000286ef8400040113fa5c6120001c61200029c401e61001498a76576656e206c" +
        "656e67746821";
    /** Frame 8: TCP SYN 40001 to 8080 with MSS 1460, SACK permitted, timestamps, NOP and window scale 10. */
    static final String TCP_SYN =
        "02000000000b02000000000a08004500003c3b2940004006736bc6120001c61200029c411f90018ec5e600000000a002" +
        "faf05d760000020405b40402080a697b76ac000000000103030a";
    /** Frame 9: the SYN-ACK. */
    static final String TCP_SYN_ACK =
        "02000000000a02000000000b08004500003c000040004006ae94c6120002c61200011f909c41847ea6cb018ec5e7a012" +
        "fe884a5e0000020405b40402080ab26331c1697b76ac0103030a";
    /** Frame 11: PSH+ACK with timestamps and 25 bytes of data, "GET /jbypass HTTP/1.0\r\n\r\n". */
    static final String TCP_DATA =
        "02000000000b02000000000a08004500004d3b2b400040067358c6120001c61200029c411f90018ec5e7847ea6cc8018" +
        "003f2c2400000101080a697b76acb26331c1474554202f6a62797061737320485454502f312e300d0a0d0a";
    /** Frame 16: first fragment of a 108-byte ICMP echo request, id 0xd467, MF, offset 0, 80 bytes. */
    static final String FRAGMENT_FIRST =
        "02000000000b02000000000a080045000064d46720004001fa09c6120001c61200020800585920b500014e5b076b0000" +
        "0000c6d009000000000062706a62706a62706a62706a62706a62706a62706a62706a62706a62706a62706a62706a6270" +
        "6a62706a62706a62706a62706a62706a6270";
    /** Frame 17: the last fragment, offset 80 (field value 10), 28 bytes. */
    static final String FRAGMENT_LAST =
        "02000000000b02000000000a080045000030d467000a40011a34c6120001c61200026a62706a62706a62706a62706a62" +
        "706a62706a62706a62706a62706a";
    /** {@link #ICMP_ECHO_REQUEST} with an 802.1Q tag, TCI 0xa007 (PCP 5, DEI 0, VID 7), made with scapy. */
    static final String VLAN_ICMP_ECHO_REQUEST =
        "02000000000b02000000000a8100a00708004500003cd44440004001da54c6120001c61200020800781820af00014e5b" +
        "076b000000008a0107000000000079706173736a6279706173736a627970";

    private Fixtures()
    {
    }

    static byte[] bytes(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }

    /** The frame in a heap buffer of exactly its size: any read past its end throws. */
    static ByteBuffer exact(final String hex)
    {
        return ByteBuffer.wrap(bytes(hex));
    }

    /** The frame in a buffer of exactly {@code length} of its first bytes (a truncated capture). */
    static ByteBuffer truncated(final String hex, final int length)
    {
        return ByteBuffer.wrap(bytes(hex), 0, length).slice();
    }

    /** A direct buffer filled with 0xA5, for writing frames into with the setters. */
    static ByteBuffer filled(final int capacity)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(capacity);
        for (int i = 0; i < capacity; i++)
        {
            buffer.put(i, (byte)0xA5);
        }
        return buffer;
    }

    /** The bytes of a buffer range, for comparisons. */
    static byte[] range(final ByteBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.get(offset, bytes);
        return bytes;
    }
}
