/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The burst descriptor shared with Java (org.jbypass.netstack.link.PacketBurst): the two declarations must agree.
 * Descriptors are in the platform's byte order; buffer indices name buffers of the packet pool, whose base address
 * and buffer size are given to the driver once, at open.
 */
#ifndef JBP_BURST_H
#define JBP_BURST_H

#include <stdint.h>

#define JBP_NO_BUFFER 0xFFFFFFFFu

/*
 * Chained frames (PacketBurst's "Chained frames"): a frame longer than one pool buffer, a GSO/GRO super-frame of up
 * to JBP_MAX_FRAME bytes, spans consecutive descriptors. Every descriptor of a chain but the last carries
 * JBP_DESC_CONTINUES; each one's length counts the bytes in its own buffer, from the buffer's first byte; the
 * frame is their concatenation. The first descriptor carries the frame's metadata (checksum bits, hash, and the
 * segmentation offload: JBP_GSO_* type and the segment size in the upper 16 bits of flags); the others' flags hold
 * only JBP_DESC_CONTINUES. The Ethernet, IPv4 and TCP/UDP headers are all in the first buffer. A chain never
 * crosses the end of a burst: a driver delivers and accepts whole frames only.
 */

/* flags */
#define JBP_RX_L3_CSUM_OK (1u << 0)
#define JBP_RX_L4_CSUM_OK (1u << 1)
#define JBP_RX_HASH_VALID (1u << 2)
#define JBP_DESC_CONTINUES (1u << 3)      /* the frame continues in the next descriptor */
#define JBP_RX_L4_CSUM_PARTIAL (1u << 4)  /* the L4 checksum field holds only the pseudo-header sum (NEEDS_CSUM) */
#define JBP_GSO_TYPE_MASK (3u << 5)
#define JBP_GSO_NONE 0u
#define JBP_GSO_TCPV4 (1u << 5)
#define JBP_GSO_UDP_L4 (2u << 5)
#define JBP_GSO_TCPV6 (3u << 5) /* an IPv6 TCP super-segment (afpacket and rdma LSO send it) */
#define JBP_TX_L3_CSUM (1u << 8)
#define JBP_TX_L4_CSUM (1u << 9)
#define JBP_GSO_SIZE_SHIFT 16 /* payload bytes per segment, in the first descriptor's upper 16 bits */

/* The longest frame a chain carries: Ethernet with one VLAN tag around the largest IPv4 datagram. */
#define JBP_MAX_FRAME (14u + 4u + 65535u)

struct jbp_desc {
    uint32_t buffer; /* pool buffer index, or JBP_NO_BUFFER */
    uint32_t length; /* bytes in this buffer, from its start (the whole frame's unless JBP_DESC_CONTINUES) */
    uint32_t flags;  /* JBP_RX_* on receive, JBP_TX_* on transmit */
    uint32_t hash;   /* RSS hash when JBP_RX_HASH_VALID */
};

_Static_assert(sizeof(struct jbp_desc) == 16, "PacketBurst.DESCRIPTOR_SIZE is 16");

#endif
