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

/* flags */
#define JBP_RX_L3_CSUM_OK (1u << 0)
#define JBP_RX_L4_CSUM_OK (1u << 1)
#define JBP_RX_HASH_VALID (1u << 2)
#define JBP_TX_L3_CSUM (1u << 8)
#define JBP_TX_L4_CSUM (1u << 9)

struct jbp_desc {
    uint32_t buffer; /* pool buffer index, or JBP_NO_BUFFER */
    uint32_t length; /* frame length from the start of the buffer */
    uint32_t flags;  /* JBP_RX_* on receive, JBP_TX_* on transmit */
    uint32_t hash;   /* RSS hash when JBP_RX_HASH_VALID */
};

_Static_assert(sizeof(struct jbp_desc) == 16, "PacketBurst.DESCRIPTOR_SIZE is 16");

#endif
