/* SPDX-License-Identifier: Apache-2.0 */
/* Checking the virtio_net_hdr of received frames (see jbp_vnet.h). */
#include "jbp_vnet.h"

#include "jbp_burst.h"

#define ETH_LEN 14u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define IPV6_LEN 40u
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u
#define TCP_CSUM_FIELD 16u /* RFC 9293 section 3.1 */
#define UDP_CSUM_FIELD 6u  /* RFC 768 */
#define UDP_LEN 8u

static inline uint32_t be16_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

/* Where an IPv4 or IPv6 TCP or UDP frame's L4 header starts and what its protocol is; 0 when the frame is not one
 * with a whole IP header and at least the L4 header's fixed part. An IPv6 frame counts only with the L4 header
 * right after the fixed header: Linux's GSO and partial checksums over IPv6 TCP/UDP come without extension
 * headers (a frame with them is refused for GSO, and its partial checksum taken without the position check). */
static uint32_t l4_offset(const uint8_t *frame, uint32_t length, uint32_t *protocol, uint32_t *ip_total,
                          int *ipv6)
/* (length here is how many bytes may be read: the headers must lie within them) */
{
    *ipv6 = 0;
    if (length < ETH_LEN + 20u)
        return 0;
    const uint8_t *ip = frame + ETH_LEN;
    uint32_t l4;
    if (be16_at(frame + 12) == ETHERTYPE_IPV6) {
        /* RFC 8200 section 3: the fixed header, then (here) the TCP or UDP header. */
        if (length < ETH_LEN + IPV6_LEN || (ip[0] >> 4) != 6)
            return 0;
        *ipv6 = 1;
        *protocol = ip[6];
        *ip_total = IPV6_LEN + be16_at(ip + 4);
        l4 = ETH_LEN + IPV6_LEN;
    } else {
        if (be16_at(frame + 12) != ETHERTYPE_IPV4)
            return 0;
        uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
        if ((ip[0] >> 4) != 4 || ihl < 20u || ETH_LEN + ihl > length)
            return 0;
        /* A fragment carries no L4 header of its own past the first; GSO and partial checksums never come as
         * one. */
        if ((be16_at(ip + 6) & 0x3fffu) != 0)
            return 0;
        *protocol = ip[9];
        *ip_total = be16_at(ip + 2);
        l4 = ETH_LEN + ihl;
    }
    uint32_t need = *protocol == IPPROTO_TCP_ ? 20u : *protocol == IPPROTO_UDP_ ? UDP_LEN : 0u;
    if (need == 0 || l4 + need > length)
        return 0;
    if (*protocol == IPPROTO_TCP_) {
        uint32_t doff = (uint32_t)(frame[l4 + 12] >> 4) * 4u;
        if (doff < 20u || l4 + doff > length)
            return 0;
    }
    return l4;
}

int jbp_vnet_parse(const struct jbp_vnet_hdr *vh, const uint8_t *frame, uint32_t readable, uint32_t length,
                   uint32_t *flags_out)
{
    if (readable > length)
        readable = length;
    uint32_t flags = 0;
    *flags_out = 0;
    uint32_t f = vh->flags;
    if ((f & ~(JBP_VNET_F_NEEDS_CSUM | JBP_VNET_F_DATA_VALID)) != 0
        || f == (JBP_VNET_F_NEEDS_CSUM | JBP_VNET_F_DATA_VALID))
        return JBP_VNET_BAD_FLAGS;
    uint32_t gso = vh->gso_type & ~JBP_VNET_GSO_ECN;
    if (gso != JBP_VNET_GSO_NONE && gso != JBP_VNET_GSO_TCPV4 && gso != JBP_VNET_GSO_TCPV6
        && gso != JBP_VNET_GSO_UDP_L4)
        return JBP_VNET_BAD_GSO_TYPE;
    if (gso == JBP_VNET_GSO_NONE && (vh->gso_type & JBP_VNET_GSO_ECN) != 0)
        return JBP_VNET_BAD_GSO_TYPE;
    if (vh->hdr_len > length)
        return JBP_VNET_BAD_HDR_LEN;

    uint32_t protocol = 0;
    uint32_t ip_total = 0;
    int ipv6 = 0;
    uint32_t l4 = l4_offset(frame, readable, &protocol, &ip_total, &ipv6);
    if (f & JBP_VNET_F_NEEDS_CSUM) {
        uint32_t start = vh->csum_start;
        uint32_t offset = vh->csum_offset;
        /* skb_partial_csum_set(): the two checksum bytes lie inside the frame. */
        if (start >= length || offset + 2u > length - start)
            return JBP_VNET_BAD_CSUM;
        /* An IPv4 or IPv6 TCP or UDP frame's partial checksum is its own L4 checksum, nothing else: a header that
         * points elsewhere would have the stack trust a checksum that no one ever computed. */
        if (l4 != 0) {
            uint32_t field = protocol == IPPROTO_TCP_ ? TCP_CSUM_FIELD : UDP_CSUM_FIELD;
            if (start != l4 || offset != field)
                return JBP_VNET_BAD_CSUM;
        }
        flags |= JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL;
    } else if (f & JBP_VNET_F_DATA_VALID) {
        flags |= JBP_RX_L4_CSUM_OK;
    }

    if (gso != JBP_VNET_GSO_NONE) {
        if (vh->gso_size == 0)
            return JBP_VNET_BAD_GSO_SIZE;
        uint32_t want = gso == JBP_VNET_GSO_UDP_L4 ? IPPROTO_UDP_ : IPPROTO_TCP_;
        /* TCPV6 over IPv6 only, TCPV4 over IPv4 only; UDP_L4 over either (SKB_GSO_UDP_L4 names no family:
         * udp4_ufo_fragment() and udp6_ufo_fragment() both cut it with __udp_gso_segment()). */
        if (l4 == 0 || protocol != want
            || (gso != JBP_VNET_GSO_UDP_L4 && ipv6 != (gso == JBP_VNET_GSO_TCPV6)))
            return JBP_VNET_BAD_HEADERS;
        /* The headers must say the frame exactly: a super-frame longer than its IP header claims (or shorter)
         * would have the stack split or take bytes that no header covers. No padding: a super-frame is never a
         * minimum-size Ethernet frame. */
        if (ETH_LEN + ip_total != length)
            return JBP_VNET_BAD_LENGTH;
        if (gso == JBP_VNET_GSO_UDP_L4 && be16_at(frame + l4 + 4) != length - l4)
            return JBP_VNET_BAD_LENGTH;
        flags |= (gso == JBP_VNET_GSO_TCPV4 ? JBP_GSO_TCPV4 : gso == JBP_VNET_GSO_TCPV6 ? JBP_GSO_TCPV6
                  : JBP_GSO_UDP_L4)
            | ((uint32_t)vh->gso_size << JBP_GSO_SIZE_SHIFT);
    }
    *flags_out = flags;
    return JBP_VNET_OK;
}

const char *jbp_vnet_verdict_name(int verdict)
{
    static const char *const names[JBP_VNET_VERDICTS] = {
        "ok", "bad flags", "bad gso_type", "bad gso_size", "bad hdr_len", "bad csum_start/csum_offset",
        "bad headers", "bad length",
    };
    return verdict >= 0 && verdict < JBP_VNET_VERDICTS ? names[verdict] : "unknown";
}

int jbp_vnet_tx_header(uint32_t flags, const uint8_t *head, uint32_t head_len, uint32_t length,
                       struct jbp_vnet_hdr *vh)
{
    vh->flags = 0;
    vh->gso_type = JBP_VNET_GSO_NONE;
    vh->hdr_len = 0;
    vh->gso_size = 0;
    vh->csum_start = 0;
    vh->csum_offset = 0;
    uint32_t gso = flags & JBP_GSO_TYPE_MASK;
    if ((flags & JBP_TX_L4_CSUM) == 0 && gso == JBP_GSO_NONE)
        return JBP_VNET_OK;
    /* Only a TCP super-segment with a partial checksum is asked of the kernel: tcp4_gso_segment(),
     * tcp6_gso_segment() and virtio_net_hdr_to_skb() take others too, but the stack never makes them, so anything
     * else is a caller's mistake that would have the kernel send bytes no one checked. */
    if (gso != JBP_GSO_NONE && ((gso != JBP_GSO_TCPV4 && gso != JBP_GSO_TCPV6) || (flags & JBP_TX_L4_CSUM) == 0))
        return JBP_VNET_BAD_GSO_TYPE;
    uint32_t protocol = 0;
    uint32_t ip_total = 0;
    int ipv6 = 0;
    uint32_t l4 = l4_offset(head, head_len, &protocol, &ip_total, &ipv6);
    if (l4 == 0)
        return JBP_VNET_BAD_HEADERS;
    /* NEEDS_CSUM: the kernel (skb_partial_csum_set(), then skb_checksum_help() or the device) folds the sum of
     * the bytes from csum_start into the field at csum_start + csum_offset, which holds the pseudo-header sum. */
    vh->flags = JBP_VNET_F_NEEDS_CSUM;
    vh->csum_start = (uint16_t)l4;
    vh->csum_offset = (uint16_t)(protocol == IPPROTO_TCP_ ? TCP_CSUM_FIELD : UDP_CSUM_FIELD);
    if (gso == JBP_GSO_NONE)
        return JBP_VNET_OK;
    uint32_t gso_size = flags >> JBP_GSO_SIZE_SHIFT;
    if (gso_size == 0)
        return JBP_VNET_BAD_GSO_SIZE;
    /* The type names the family: virtio_net_hdr_to_skb() takes a TCPV4 header over IPv6 (and the reverse) and
     * leaves the mismatch to the segmentation code, which drops the packet where no one counts it. */
    if (protocol != IPPROTO_TCP_ || ipv6 != (gso == JBP_GSO_TCPV6))
        return JBP_VNET_BAD_HEADERS;
    /* The IPv4 total length, or the IPv6 payload length after the fixed header (RFC 8200 section 3; no extension
     * header, l4_offset() saw the TCP header right after it), covers the whole chain: the kernel's segments take
     * their lengths from it (inet_gso_segment(), ipv6_gso_segment()), so a super-frame that says otherwise is
     * refused rather than cut or padded. */
    if (ETH_LEN + ip_total != length)
        return JBP_VNET_BAD_LENGTH;
    /* hdr_len: the headers' length, a hint for the linear part of the skb (virtio_net_hdr_to_skb() checks it is
     * at least csum_start + csum_offset + 2). */
    uint32_t doff = (uint32_t)(head[l4 + 12] >> 4) * 4u;
    vh->gso_type = gso == JBP_GSO_TCPV6 ? JBP_VNET_GSO_TCPV6 : JBP_VNET_GSO_TCPV4;
    vh->gso_size = (uint16_t)gso_size;
    vh->hdr_len = (uint16_t)(l4 + doff);
    return JBP_VNET_OK;
}
