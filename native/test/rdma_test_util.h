/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the rdma C tests: assertions, a packet pool that tracks the owner of every buffer, frames. */
#ifndef JBP_RDMA_TEST_UTIL_H
#define JBP_RDMA_TEST_UTIL_H

#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_burst.h"
#include "test_check.h"

#define MAC_A 0x02aa00000001ull
#define MAC_B 0x02bb00000002ull
#define BURST 256

/* ---- a packet pool that knows who owns each buffer ---- */

struct tpool {
    uint8_t *mem;
    uint32_t bs;
    uint32_t n;
    uint8_t *held; /* 1 while owned by anyone but the pool */
    uint32_t *stack;
    uint32_t top;
};

static inline void tp_init(struct tpool *tp, uint32_t n, uint32_t bs)
{
    if (posix_memalign((void **)&tp->mem, 4096, (size_t)n * bs) != 0)
        FAIL("no memory");
    memset(tp->mem, 0xEE, (size_t)n * bs);
    tp->bs = bs;
    tp->n = n;
    tp->held = calloc(n, 1);
    tp->stack = calloc(n, sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++)
        tp->stack[i] = n - 1 - i;
    tp->top = n;
}

static inline uint32_t tp_alloc(struct tpool *tp)
{
    if (tp->top == 0)
        return JBP_NO_BUFFER;
    uint32_t b = tp->stack[--tp->top];
    CHECK(!tp->held[b], "buffer %u handed out twice", b);
    tp->held[b] = 1;
    return b;
}

static inline void tp_free(struct tpool *tp, uint32_t b)
{
    CHECK(b < tp->n, "buffer %u out of range", b);
    CHECK(tp->held[b], "buffer %u freed twice or never allocated", b);
    tp->held[b] = 0;
    tp->stack[tp->top++] = b;
}

static inline uint32_t tp_in_use(const struct tpool *tp)
{
    return tp->n - tp->top;
}

static inline uint8_t *tp_buf(const struct tpool *tp, uint32_t b)
{
    return tp->mem + (size_t)b * tp->bs;
}

/* ---- frames: Ethernet + IPv4 + UDP with a sequence number and a payload pattern derived from it ---- */

static inline uint16_t csum16(const uint8_t *p, uint32_t n, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline void put_mac(uint8_t *p, uint64_t mac)
{
    for (int i = 0; i < 6; i++)
        p[i] = (uint8_t)(mac >> (40 - 8 * i));
}

struct flow {
    uint32_t src_ip, dst_ip;
    uint16_t sport, dport;
    uint8_t proto; /* 17 UDP, 6 TCP */
};

/* Builds a frame of `len` bytes (>= 42 for UDP, >= 54 for TCP); checksums correct unless `zero_csum`. */
static inline void build(uint8_t *f, uint32_t len, uint64_t dst, uint64_t src, const struct flow *fl, uint32_t seq,
                         int zero_csum)
{
    memset(f, 0, len);
    put_mac(f, dst);
    put_mac(f + 6, src);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    uint32_t iplen = len - 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(iplen >> 8);
    ip[3] = (uint8_t)iplen;
    ip[8] = 64;
    ip[9] = fl->proto;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (uint8_t)(fl->src_ip >> (24 - 8 * i));
        ip[16 + i] = (uint8_t)(fl->dst_ip >> (24 - 8 * i));
    }
    uint8_t *l4 = ip + 20;
    uint32_t l4len = iplen - 20;
    l4[0] = (uint8_t)(fl->sport >> 8);
    l4[1] = (uint8_t)fl->sport;
    l4[2] = (uint8_t)(fl->dport >> 8);
    l4[3] = (uint8_t)fl->dport;
    uint32_t hdr = fl->proto == 6 ? 20 : 8;
    if (fl->proto == 6) {
        l4[12] = 5 << 4;
        l4[13] = 0x18; /* PSH ACK */
    } else {
        l4[4] = (uint8_t)(l4len >> 8);
        l4[5] = (uint8_t)l4len;
    }
    uint8_t *pl = l4 + hdr;
    uint32_t plen = l4len - hdr;
    if (plen >= 4) {
        pl[0] = (uint8_t)(seq >> 24);
        pl[1] = (uint8_t)(seq >> 16);
        pl[2] = (uint8_t)(seq >> 8);
        pl[3] = (uint8_t)seq;
    }
    for (uint32_t i = 4; i < plen; i++)
        pl[i] = (uint8_t)(seq * 31 + i * 7);
    if (zero_csum)
        return;
    uint16_t c = csum16(ip, 20, 0);
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint32_t pseudo = csum16(ip + 12, 8, 0) ^ 0xffff; /* fold of the addresses, uncomplemented */
    pseudo += fl->proto + l4len;
    uint32_t off = fl->proto == 6 ? 16 : 6;
    c = csum16(l4, l4len, pseudo);
    if (fl->proto == 17 && c == 0)
        c = 0xffff;
    l4[off] = (uint8_t)(c >> 8);
    l4[off + 1] = (uint8_t)c;
}

/* An IPv6 flow: addresses, ports, TCP (6) or UDP (17). */
struct flow6 {
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint8_t proto;
};

/* Builds an Ethernet + IPv6 + TCP (20-byte header, PSH ACK) or UDP frame of `len` bytes (>= 62 for UDP, >= 74 for
 * TCP), the payload pattern of build(); the L4 checksum over the IPv6 pseudo-header (RFC 8200 8.1). */
static inline void build6(uint8_t *f, uint32_t len, uint64_t dst, uint64_t src, const struct flow6 *fl, uint32_t seq)
{
    memset(f, 0, len);
    put_mac(f, dst);
    put_mac(f + 6, src);
    f[12] = 0x86;
    f[13] = 0xdd;
    uint8_t *ip = f + 14;
    uint32_t l4len = len - 54;
    ip[0] = 0x60;
    ip[4] = (uint8_t)(l4len >> 8);
    ip[5] = (uint8_t)l4len;
    ip[6] = fl->proto;
    ip[7] = 64;
    memcpy(ip + 8, fl->src, 16);
    memcpy(ip + 24, fl->dst, 16);
    uint8_t *l4 = ip + 40;
    l4[0] = (uint8_t)(fl->sport >> 8);
    l4[1] = (uint8_t)fl->sport;
    l4[2] = (uint8_t)(fl->dport >> 8);
    l4[3] = (uint8_t)fl->dport;
    uint32_t hdr = fl->proto == 6 ? 20 : 8;
    if (fl->proto == 6) {
        l4[12] = 5 << 4;
        l4[13] = 0x18;
    } else {
        l4[4] = (uint8_t)(l4len >> 8);
        l4[5] = (uint8_t)l4len;
    }
    uint8_t *pl = l4 + hdr;
    uint32_t plen = l4len - hdr;
    if (plen >= 4) {
        pl[0] = (uint8_t)(seq >> 24);
        pl[1] = (uint8_t)(seq >> 16);
        pl[2] = (uint8_t)(seq >> 8);
        pl[3] = (uint8_t)seq;
    }
    for (uint32_t i = 4; i < plen; i++)
        pl[i] = (uint8_t)(seq * 31 + i * 7);
    uint32_t pseudo = (csum16(ip + 8, 32, 0) ^ 0xffff) + fl->proto + l4len;
    uint32_t off = fl->proto == 6 ? 16 : 6;
    uint16_t c = csum16(l4, l4len, pseudo);
    if (fl->proto == 17 && c == 0)
        c = 0xffff;
    l4[off] = (uint8_t)(c >> 8);
    l4[off + 1] = (uint8_t)c;
}

static inline uint32_t frame_seq(const uint8_t *f)
{
    uint32_t hdr = f[23] == 6 ? 20 : 8;
    const uint8_t *pl = f + 34 + hdr;
    return ((uint32_t)pl[0] << 24) | ((uint32_t)pl[1] << 16) | ((uint32_t)pl[2] << 8) | pl[3];
}

#endif
