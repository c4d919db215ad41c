/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of jbp_vnet_parse(): the virtio_net_hdr of received frames, well-formed (plain frames, each checksum
 * state, TCP and UDP super-frames) and hostile or inconsistent (each refusal reason, and every truncation of a
 * super-frame). Usage: test_vnet CASE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_burst.h"
#include "jbp_vnet.h"

static int failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                                \
        }                                                                              \
    } while (0)

#define EXPECT_VERDICT(vh, frame, length, want)                                                                  \
    do {                                                                                                         \
        uint32_t flags_;                                                                                         \
        int got_ = jbp_vnet_parse((vh), (frame), (length), (length), &flags_);                                 \
        if (got_ != (want)) {                                                                                    \
            fprintf(stderr, "%s:%d: verdict %s, expected %s\n", __FILE__, __LINE__, jbp_vnet_verdict_name(got_), \
                    jbp_vnet_verdict_name(want));                                                                \
            failures++;                                                                                          \
        }                                                                                                        \
        if ((want) != JBP_VNET_OK)                                                                               \
            CHECK(flags_ == 0);                                                                                  \
    } while (0)

#define EXPECT_VERDICT2(vh, frame, readable, length, want)                                                       \
    do {                                                                                                         \
        uint32_t flags_;                                                                                         \
        int got_ = jbp_vnet_parse((vh), (frame), (readable), (length), &flags_);                                 \
        if (got_ != (want)) {                                                                                    \
            fprintf(stderr, "%s:%d: verdict %s, expected %s\n", __FILE__, __LINE__, jbp_vnet_verdict_name(got_), \
                    jbp_vnet_verdict_name(want));                                                                \
            failures++;                                                                                          \
        }                                                                                                        \
    } while (0)

static uint8_t frame[70000];

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (ihl 5) + TCP (doff 8, options as Linux sends) or UDP, `payload` bytes after the headers.
 * Returns the frame's length. */
static uint32_t build(uint32_t protocol, uint32_t payload)
{
    memset(frame, 0, sizeof(frame));
    put16(frame + 12, 0x0800);
    uint8_t *ip = frame + 14;
    ip[0] = 0x45;
    uint32_t l4_len = protocol == 6 ? 32 : 8;
    put16(ip + 2, 20 + l4_len + payload);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = (uint8_t)protocol;
    uint8_t *l4 = ip + 20;
    if (protocol == 6)
        l4[12] = 8 << 4;
    else
        put16(l4 + 4, 8 + payload);
    for (uint32_t i = 0; i < payload; i++)
        l4[l4_len + i] = (uint8_t)(i * 7);
    return 14 + 20 + l4_len + payload;
}

static struct jbp_vnet_hdr hdr(uint8_t flags, uint8_t gso_type, uint16_t hdr_len, uint16_t gso_size,
                               uint16_t csum_start, uint16_t csum_offset)
{
    struct jbp_vnet_hdr vh = {flags, gso_type, hdr_len, gso_size, csum_start, csum_offset};
    return vh;
}

static void plain_frames(void)
{
    uint32_t length = build(6, 100);
    struct jbp_vnet_hdr vh = hdr(0, JBP_VNET_GSO_NONE, 0, 0, 0, 0);
    uint32_t flags = 1;
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == 0);
    /* Not IPv4 at all (an ARP frame): nothing to check, nothing to say. */
    memset(frame, 0, 60);
    put16(frame + 12, 0x0806);
    CHECK(jbp_vnet_parse(&vh, frame, 60, 60, &flags) == JBP_VNET_OK && flags == 0);
    /* hdr_len as the kernel fills it (the linear part: here the whole frame) is fine. */
    length = build(17, 10);
    vh.hdr_len = (uint16_t)length;
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK && flags == 0);
}

static void checksum_states(void)
{
    uint32_t length = build(6, 100);
    uint32_t flags;
    struct jbp_vnet_hdr vh = hdr(JBP_VNET_F_DATA_VALID, 0, 66, 0, 0, 0);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == JBP_RX_L4_CSUM_OK);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, 0, 66, 0, 34, 16);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL));
    length = build(17, 100);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, 0, 42, 0, 34, 6);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL));
    /* UDP's partial checksum at TCP's field, TCP's at UDP's: not where the header's checksum is. */
    vh.csum_offset = 16;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    length = build(6, 100);
    vh.csum_offset = 6;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    /* csum_start not at the L4 header. */
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, 0, 0, 0, 14, 16);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    /* Both flags at once: the kernel says one or the other. */
    vh = hdr(JBP_VNET_F_NEEDS_CSUM | JBP_VNET_F_DATA_VALID, 0, 0, 0, 34, 16);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_FLAGS);
    vh = hdr(4 /* RSC_INFO */, 0, 0, 0, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_FLAGS);
    vh = hdr(0x80, 0, 0, 0, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_FLAGS);
}

static void tcp_super_frames(void)
{
    uint32_t length = build(6, 1448 * 44);
    uint32_t flags;
    struct jbp_vnet_hdr vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV4, 66, 1448, 34, 16);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL | JBP_GSO_TCPV4 | (1448u << JBP_GSO_SIZE_SHIFT)));
    /* ECN on a TCP super-frame: the segments carry CWR in turn; nothing for the receiver to do. */
    vh.gso_type = JBP_VNET_GSO_TCPV4 | JBP_VNET_GSO_ECN;
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    /* A GRO super-frame a NIC verified. */
    vh = hdr(JBP_VNET_F_DATA_VALID, JBP_VNET_GSO_TCPV4, 66, 1448, 0, 0);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_GSO_TCPV4 | (1448u << JBP_GSO_SIZE_SHIFT)));
    /* Only the head of the frame readable (a frame ring's cut copy): the headers suffice. */
    CHECK(jbp_vnet_parse(&vh, frame, 200, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_GSO_TCPV4 | (1448u << JBP_GSO_SIZE_SHIFT)));
    /* A head that does not reach the end of the TCP header. */
    EXPECT_VERDICT2(&vh, frame, 60, length, JBP_VNET_BAD_HEADERS);
    /* The largest: an IPv4 total length of 65535. */
    length = build(6, 65535 - 52);
    CHECK(length == 14 + 65535);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV4, 66, 65483, 34, 16);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK((flags >> JBP_GSO_SIZE_SHIFT) == 65483);
}

static void udp_super_frames(void)
{
    uint32_t length = build(17, 1200 * 10 + 7);
    uint32_t flags;
    struct jbp_vnet_hdr vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_UDP_L4, 42, 1200, 34, 6);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL | JBP_GSO_UDP_L4 | (1200u << JBP_GSO_SIZE_SHIFT)));
    /* The UDP length must cover the whole super-datagram, as udp_send_skb() writes it. */
    put16(frame + 34 + 4, 1208);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_LENGTH);
    /* UDP_L4 over a TCP frame, TCPV4 over a UDP frame. */
    length = build(6, 5000);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    vh.csum_offset = 16;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    length = build(17, 5000);
    vh = hdr(JBP_VNET_F_DATA_VALID, JBP_VNET_GSO_TCPV4, 0, 1000, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
}

static void hostile_headers(void)
{
    uint32_t length = build(6, 10000);
    struct jbp_vnet_hdr good = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV4, 66, 1448, 34, 16);
    struct jbp_vnet_hdr vh = good;
    /* gso_size 0 */
    vh.gso_size = 0;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_GSO_SIZE);
    /* TCPV6 over an IPv4 frame. */
    vh = good;
    vh.gso_type = JBP_VNET_GSO_TCPV6;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* GSO types the stack does not take: UFO, unknown; ECN without a type. */
    static const uint8_t types[] = {JBP_VNET_GSO_UDP, 2, 6, 0x7f, JBP_VNET_GSO_ECN};
    for (size_t i = 0; i < sizeof(types); i++) {
        vh = good;
        vh.gso_type = types[i];
        EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_GSO_TYPE);
    }
    /* csum_start beyond the frame, csum_offset past its end, the field's two bytes straddling the end. */
    vh = good;
    vh.csum_start = (uint16_t)length;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    vh.csum_start = 0xffff;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    vh = good;
    vh.csum_offset = 0xffff;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, 0, 0, 0, 58, 1);
    EXPECT_VERDICT(&vh, frame, 60, JBP_VNET_BAD_CSUM);
    /* hdr_len that lies: more than the frame holds. */
    vh = good;
    vh.hdr_len = (uint16_t)(length + 1);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HDR_LEN);
    /* A super-frame longer than its IPv4 header claims, and shorter. */
    vh = good;
    EXPECT_VERDICT(&vh, frame, length + 100, JBP_VNET_BAD_LENGTH);
    EXPECT_VERDICT(&vh, frame, length - 100, JBP_VNET_BAD_LENGTH);
    /* Headers that are not IPv4 TCP: another Ethernet type, IP version, a fragment, a TCP data offset beyond the
     * frame or below 20, an IHL below 5. */
    put16(frame + 12, 0x86dd);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    build(6, 10000);
    frame[14] = 0x65;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    build(6, 10000);
    put16(frame + 14 + 6, 0x2000);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    build(6, 10000);
    frame[34 + 12] = 4 << 4;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    build(6, 10000);
    frame[14] = 0x44;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* Without NEEDS_CSUM the same malformed headers are still refused for a GSO frame. */
    vh = hdr(JBP_VNET_F_DATA_VALID, JBP_VNET_GSO_TCPV4, 0, 1448, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
}

/* Ethernet + IPv6 + TCP (doff 8) or UDP, `payload` bytes after the headers; returns the frame's length. */
static uint32_t build6(uint32_t next_header, uint32_t payload)
{
    memset(frame, 0, sizeof(frame));
    put16(frame + 12, 0x86dd);
    uint8_t *ip = frame + 14;
    ip[0] = 0x60;
    uint32_t l4_len = next_header == 6 ? 32 : 8;
    put16(ip + 4, l4_len + payload);
    ip[6] = (uint8_t)next_header;
    ip[7] = 64;
    uint8_t *l4 = ip + 40;
    if (next_header == 6)
        l4[12] = 8 << 4;
    else
        put16(l4 + 4, 8 + payload);
    return 14 + 40 + l4_len + payload;
}

/* IPv6 (RFC 8200): TCP super-frames (GSO_TCPV6), UDP super-datagrams (UDP_L4) and partial checksums, at the L4
 * header right after the fixed header; TCPV4 refused over IPv6, TCPV6 over an IPv6 UDP frame, and any type over a
 * frame with an extension header. */
static void ipv6_frames(void)
{
    uint32_t length = build6(6, 1428 * 40);
    uint32_t flags;
    struct jbp_vnet_hdr vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV6, 86, 1428, 54, 16);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL | JBP_GSO_TCPV6 | (1428u << JBP_GSO_SIZE_SHIFT)));
    vh.gso_type = JBP_VNET_GSO_TCPV6 | JBP_VNET_GSO_ECN;
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    /* only the head readable */
    CHECK(jbp_vnet_parse(&vh, frame, 200, length, &flags) == JBP_VNET_OK);
    EXPECT_VERDICT2(&vh, frame, 80, length, JBP_VNET_BAD_HEADERS);
    /* longer or shorter than the payload length says */
    vh.gso_type = JBP_VNET_GSO_TCPV6;
    EXPECT_VERDICT(&vh, frame, length + 8, JBP_VNET_BAD_LENGTH);
    EXPECT_VERDICT(&vh, frame, length - 8, JBP_VNET_BAD_LENGTH);
    /* the partial checksum must be TCP's own field */
    vh.csum_start = 14;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    vh.csum_start = 54;
    vh.csum_offset = 6;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_CSUM);
    /* TCPV4 over IPv6 */
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV4, 86, 1428, 54, 16);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* UDP_L4 over IPv6 (a kernel sender's UDP_SEGMENT over a veth), its UDP length the whole super-datagram */
    length = build6(17, 1200 * 5 + 3);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_UDP_L4, 62, 1200, 54, 6);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL | JBP_GSO_UDP_L4 | (1200u << JBP_GSO_SIZE_SHIFT)));
    EXPECT_VERDICT(&vh, frame, length + 8, JBP_VNET_BAD_LENGTH);
    put16(frame + 54 + 4, 1208);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_LENGTH);
    length = build6(17, 1200 * 5);
    vh.gso_type = JBP_VNET_GSO_TCPV6;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* UDP_L4 over an IPv6 TCP frame */
    length = build6(6, 5000);
    vh = hdr(JBP_VNET_F_DATA_VALID, JBP_VNET_GSO_UDP_L4, 0, 1000, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* UDP_L4 after an extension header */
    length = build6(17, 5000);
    frame[14 + 6] = 0;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    length = build6(17, 1200 * 5);
    /* a plain IPv6 UDP frame with its partial checksum: fine */
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, 0, 0, 0, 54, 6);
    CHECK(jbp_vnet_parse(&vh, frame, length, length, &flags) == JBP_VNET_OK);
    CHECK(flags == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL));
    /* an extension header before TCP: no super-frame */
    length = build6(6, 5000);
    frame[14 + 6] = 60;
    vh = hdr(JBP_VNET_F_DATA_VALID, JBP_VNET_GSO_TCPV6, 0, 1000, 0, 0);
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* a version that is not 6 */
    length = build6(6, 5000);
    frame[14] = 0x40;
    EXPECT_VERDICT(&vh, frame, length, JBP_VNET_BAD_HEADERS);
    /* every truncation of an IPv6 super-frame */
    length = build6(6, 3000);
    vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV6, 86, 1428, 54, 16);
    for (uint32_t cut = 0; cut <= length; cut++) {
        uint8_t *copy = malloc(cut == 0 ? 1 : cut);
        memcpy(copy, frame, cut);
        int verdict = jbp_vnet_parse(&vh, copy, cut, cut, &flags);
        CHECK(cut == length ? verdict == JBP_VNET_OK : verdict != JBP_VNET_OK && flags == 0);
        free(copy);
    }
}

/* jbp_vnet_tx_header(): the header a transmitted frame gets. A TCP super-segment of either family gets its GSO type,
 * NEEDS_CSUM at its TCP checksum and hdr_len over its headers; a frame of the other family, a UDP frame, one whose
 * IP length is not the frame's, or one without a partial checksum is refused; a plain frame gets a zeroed header or
 * NEEDS_CSUM alone. */
static void tx_headers(void)
{
    struct jbp_vnet_hdr vh;
    uint32_t gso4 = JBP_TX_L4_CSUM | JBP_GSO_TCPV4 | (1448u << JBP_GSO_SIZE_SHIFT);
    uint32_t gso6 = JBP_TX_L4_CSUM | JBP_GSO_TCPV6 | (1428u << JBP_GSO_SIZE_SHIFT);
    uint32_t length = build(6, 1448 * 10);
    CHECK(jbp_vnet_tx_header(gso4, frame, 200, length, &vh) == JBP_VNET_OK);
    CHECK(vh.flags == JBP_VNET_F_NEEDS_CSUM && vh.gso_type == JBP_VNET_GSO_TCPV4 && vh.gso_size == 1448
          && vh.csum_start == 34 && vh.csum_offset == 16 && vh.hdr_len == 66);
    CHECK(jbp_vnet_tx_header(gso6, frame, 200, length, &vh) == JBP_VNET_BAD_HEADERS);
    CHECK(jbp_vnet_tx_header(gso4, frame, 200, length - 1, &vh) == JBP_VNET_BAD_LENGTH);

    length = build6(6, 1428 * 40);
    CHECK(jbp_vnet_tx_header(gso6, frame, 200, length, &vh) == JBP_VNET_OK);
    CHECK(vh.flags == JBP_VNET_F_NEEDS_CSUM && vh.gso_type == JBP_VNET_GSO_TCPV6 && vh.gso_size == 1428
          && vh.csum_start == 54 && vh.csum_offset == 16 && vh.hdr_len == 86);
    /* the other family's type, no partial checksum, no segment size, a payload length that is not the frame's */
    CHECK(jbp_vnet_tx_header(gso4, frame, 200, length, &vh) == JBP_VNET_BAD_HEADERS);
    CHECK(jbp_vnet_tx_header(gso6 & ~JBP_TX_L4_CSUM, frame, 200, length, &vh) == JBP_VNET_BAD_GSO_TYPE);
    CHECK(jbp_vnet_tx_header(JBP_TX_L4_CSUM | JBP_GSO_TCPV6, frame, 200, length, &vh) == JBP_VNET_BAD_GSO_SIZE);
    CHECK(jbp_vnet_tx_header(gso6, frame, 200, length + 8, &vh) == JBP_VNET_BAD_LENGTH);
    /* headers cut short of the TCP header, an extension header before it */
    CHECK(jbp_vnet_tx_header(gso6, frame, 60, length, &vh) == JBP_VNET_BAD_HEADERS);
    frame[14 + 6] = 60;
    CHECK(jbp_vnet_tx_header(gso6, frame, 200, length, &vh) == JBP_VNET_BAD_HEADERS);
    /* a UDP frame */
    length = build6(17, 5000);
    CHECK(jbp_vnet_tx_header(gso6, frame, 200, length, &vh) == JBP_VNET_BAD_HEADERS);
    /* a plain IPv6 UDP frame with a partial checksum; a frame with nothing asked */
    CHECK(jbp_vnet_tx_header(JBP_TX_L4_CSUM, frame, 200, length, &vh) == JBP_VNET_OK);
    CHECK(vh.flags == JBP_VNET_F_NEEDS_CSUM && vh.gso_type == JBP_VNET_GSO_NONE && vh.csum_start == 54
          && vh.csum_offset == 6);
    CHECK(jbp_vnet_tx_header(0, frame, 200, length, &vh) == JBP_VNET_OK);
    CHECK(vh.flags == 0 && vh.gso_type == JBP_VNET_GSO_NONE && vh.csum_start == 0);
}

/* Every length from 0 to the whole super-frame: only the whole one passes, none reads outside what it is given. */
static void every_truncation(void)
{
    uint32_t length = build(6, 3000);
    struct jbp_vnet_hdr vh = hdr(JBP_VNET_F_NEEDS_CSUM, JBP_VNET_GSO_TCPV4, 66, 1448, 34, 16);
    for (uint32_t cut = 0; cut <= length; cut++) {
        /* A copy of exactly cut bytes on the heap, so that a read past it is an error under sanitizers. */
        uint8_t *copy = malloc(cut == 0 ? 1 : cut);
        memcpy(copy, frame, cut);
        uint32_t flags;
        int verdict = jbp_vnet_parse(&vh, copy, cut, cut, &flags);
        if (cut == length)
            CHECK(verdict == JBP_VNET_OK);
        else
            CHECK(verdict != JBP_VNET_OK && flags == 0);
        free(copy);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_vnet CASE\n");
        return 2;
    }
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"plain_frames", plain_frames},       {"checksum_states", checksum_states},
        {"tcp_super_frames", tcp_super_frames}, {"udp_super_frames", udp_super_frames},
        {"hostile_headers", hostile_headers}, {"every_truncation", every_truncation},
        {"ipv6_frames", ipv6_frames},         {"tx_headers", tx_headers},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            if (failures != 0) {
                fprintf(stderr, "%s: %d failures\n", argv[1], failures);
                return 1;
            }
            return 0;
        }
    }
    fprintf(stderr, "no case %s\n", argv[1]);
    return 2;
}
