/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio_net_hdr that an AF_PACKET socket with PACKET_VNET_HDR puts before each received frame (af_packet.c
 * tpacket_rcv(), filled by virtio_net_hdr_from_skb()): how the kernel's segmentation and checksum offloads left the
 * frame. jbp_vnet_parse() checks it against the frame it describes and turns it into the metadata of a burst's
 * first descriptor (jbp_burst.h); a header that is hostile or inconsistent with its frame is refused with a reason,
 * never trusted. Pure functions on memory: no system call, no state, so that they are tested (and fuzzed) alone.
 *
 * Fields are in the platform's byte order: packet sockets use virtio's legacy little-endian layout (vio_le()),
 * which is the host's on every platform jbypass builds for.
 */
#ifndef JBP_VNET_H
#define JBP_VNET_H

#include <stdint.h>

/* struct virtio_net_hdr (include/uapi/linux/virtio_net.h), declared again so that older headers do not matter. */
struct jbp_vnet_hdr {
    uint8_t flags;        /* JBP_VNET_F_* */
    uint8_t gso_type;     /* JBP_VNET_GSO_*, with JBP_VNET_GSO_ECN */
    uint16_t hdr_len;     /* the length of the skb's linear part (skb_headlen()): a hint, at most the frame */
    uint16_t gso_size;    /* payload bytes per segment */
    uint16_t csum_start;  /* NEEDS_CSUM: where the checksummed range starts, from the frame's first byte */
    uint16_t csum_offset; /* NEEDS_CSUM: where the checksum field is, from csum_start */
};
_Static_assert(sizeof(struct jbp_vnet_hdr) == 10, "struct virtio_net_hdr is 10 bytes");

#define JBP_VNET_HDR_LEN 10u

#define JBP_VNET_F_NEEDS_CSUM 1u /* the L4 checksum field holds the pseudo-header sum: CHECKSUM_PARTIAL */
#define JBP_VNET_F_DATA_VALID 2u /* the checksum was verified: CHECKSUM_UNNECESSARY */

#define JBP_VNET_GSO_NONE 0u
#define JBP_VNET_GSO_TCPV4 1u
#define JBP_VNET_GSO_UDP 3u    /* UFO, IPv4 fragmentation offload: never from a current kernel; refused */
#define JBP_VNET_GSO_TCPV6 4u
#define JBP_VNET_GSO_UDP_L4 5u /* UDP_SEGMENT */
#define JBP_VNET_GSO_ECN 0x80u

/* Why a header was refused: one counter each in struct jbp_afpacket_stats would be too many; the driver counts
 * every refusal in rx_bad_vnet and tests name the reason. */
enum jbp_vnet_verdict {
    JBP_VNET_OK = 0,
    JBP_VNET_BAD_FLAGS,       /* a flag other than NEEDS_CSUM or DATA_VALID, or both */
    JBP_VNET_BAD_GSO_TYPE,    /* not NONE, TCPV4, TCPV6 or UDP_L4 (UFO and unknown types) */
    JBP_VNET_BAD_GSO_SIZE,    /* a GSO frame with gso_size 0 */
    JBP_VNET_BAD_HDR_LEN,     /* hdr_len beyond the frame */
    JBP_VNET_BAD_CSUM,        /* NEEDS_CSUM: csum_start/csum_offset outside the frame, or not the L4 checksum */
    JBP_VNET_BAD_HEADERS,     /* a GSO frame whose Ethernet/IP/TCP/UDP headers are missing, cut or wrong */
    JBP_VNET_BAD_LENGTH,      /* a GSO frame longer or shorter than its IP (or UDP) header says */
    JBP_VNET_VERDICTS
};

/*
 * Checks the header of a received frame of `length` bytes (the Ethernet frame as the kernel delivered it, without
 * the header), of which the first `readable` bytes are at `frame` (the whole frame, or the head of one that the
 * ring cut: the headers must lie within them), and returns JBP_VNET_OK with the first descriptor's metadata in
 * *flags (JBP_RX_L4_CSUM_OK, JBP_RX_L4_CSUM_PARTIAL, JBP_GSO_* and the segment size), or the reason it is
 * refused. What is checked, and why:
 *   - NEEDS_CSUM: the kernel's own rule (skb_partial_csum_set(): the checksum field inside the frame), and, for an
 *     IPv4 or IPv6 TCP or UDP frame, that csum_start is its L4 header and csum_offset its checksum field. Such a
 *     frame was made on this host; like Linux (skb_csum_unnecessary() for CHECKSUM_PARTIAL) the stack accepts its
 *     checksum.
 *   - DATA_VALID: the device or the kernel verified the checksum (virtio_net_hdr_from_skb() with has_data_valid).
 *   - GSO: a type the stack handles, gso_size > 0, and headers that say exactly the frame: Ethernet type IPv4 (TCPV4,
 *     UDP_L4) or IPv6 (TCPV6, UDP_L4; the L4 header right after the fixed header), an IP header of the type's protocol,
 *     the whole L4 header in the frame, an IP length equal to the frame after Ethernet (UDP_L4: the UDP length
 *     too). hdr_len is the skb's linear length, not the headers', so only its bound is checked.
 */
int jbp_vnet_parse(const struct jbp_vnet_hdr *vh, const uint8_t *frame, uint32_t readable, uint32_t length,
                   uint32_t *flags);

/*
 * The header a frame to be sent needs (af_packet.c packet_snd()/tpacket_snd() read it with
 * virtio_net_hdr_to_skb()), from the first descriptor's flags (jbp_burst.h), the frame's first head_len bytes
 * (its headers must lie within them) and its length. A frame without offload gets a zeroed header; JBP_TX_L4_CSUM
 * asks NEEDS_CSUM over the IPv4 or IPv6 TCP/UDP header found in the frame; JBP_GSO_TCPV4 or JBP_GSO_TCPV6 (which
 * need JBP_TX_L4_CSUM, and a frame of their family, the IPv6 one without extension headers) asks the kernel to cut
 * the frame into segments of gso_size payload bytes, as tcp_gso_segment() does, or to pass it whole to a peer that
 * takes it (a veth). Returns JBP_VNET_OK, or why the frame cannot be sent as it says.
 */
int jbp_vnet_tx_header(uint32_t flags, const uint8_t *head, uint32_t head_len, uint32_t length,
                       struct jbp_vnet_hdr *vh);

/* A name for a verdict, for tests and logs. */
const char *jbp_vnet_verdict_name(int verdict);

#endif
