/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mlx5 Direct Verbs datapath: pure ring logic over the memory that mlx5dv_init_obj returns (or that the mlx5
 * model provides in tests). No verbs call happens here.
 *
 * Formats (rdma-core providers/mlx5/mlx5dv.h; Linux include/linux/mlx5/device.h for fields rdma-core leaves
 * reserved; NVIDIA "Mellanox Adapters Programmer's Reference Manual" (PRM) chapters on send and receive queues):
 * - CQ: cqe_cnt entries of 64 bytes (struct mlx5_cqe64). Byte 63 is op_own: owner bit 0, solicited bit 1, CQE
 *   format bits 3:2 (0 plain, 1 32-byte inline scatter, 3 compressed), opcode bits 7:4. An entry at index i
 *   belongs to software when its owner bit equals bit log2(cqe_cnt) of i, i.e. the parity of the lap; rdma-core
 *   also rejects opcode MLX5_CQE_INVALID, which it writes into every entry at creation (providers/mlx5/cq.c,
 *   get_sw_cqe). The consumer index goes to doorbell record word 0 (MLX5_CQ_SET_CI), 24 bits, big endian.
 * - RQ (a WQ of type RQ): wqe_cnt entries of one struct mlx5_wqe_data_seg {be32 byte_count, be32 lkey,
 *   be64 addr}; the number of WQEs posted goes to dbrec[MLX5_RCV_DBR], 16 bits, big endian (rdma-core
 *   providers/mlx5/qp.c, mlx5_post_wq_recv). Receive WQEs complete in order (rdma-core takes the completed WQE
 *   from the RQ tail, not from the CQE: providers/mlx5/cq.c, handle_responder).
 * - SQ: wqe_cnt 64-byte basic blocks (MLX5_SEND_WQE_BB). Each frame here is one block: ctrl segment (16 bytes),
 *   Ethernet segment with the first 18 bytes of the frame inline (32 bytes), one data segment for the rest
 *   (16 bytes): DS = 4 (VPP src/plugins/rdma/output.c uses the same single-block WQE).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_rdma.h"

/* CQ doorbell record words and the CQ doorbell offset in its UAR (rdma-core providers/mlx5/mlx5.h and mlx5dv.h). */
#define JBP_MLX5_CQ_SET_CI 0
#define JBP_MLX5_CQ_ARM_DB 1
/* CQE fields that rdma-core's struct mlx5_cqe64 leaves reserved (Linux include/linux/mlx5/device.h, mlx5_cqe64):
 * rss_hash_result at 0x0C and rss_hash_type at 0x10. */
#define JBP_CQE_RSS_HASH_RESULT 0x0C
#define JBP_CQE_RSS_HASH_TYPE 0x10
/* l4_hdr_type_etc (byte 0x1D): bit 7 IP fragment, bits 6:4 L4 header type, bits 3:2 L3 header type
 * (VPP src/plugins/rdma/rdma_mlx5dv.h foreach_cqe_rx_field; Linux device.h get_cqe_l4_hdr_type). */
#define JBP_CQE_IP_FRAG 0x80
#define JBP_CQE_L4_NONE 0
#define JBP_CQE_L4_TCP_ACK_AND_DATA 4
/* CQE formats (op_own bits 3:2; Linux device.h MLX5_COMPRESSED, rdma-core MLX5_INLINE_SCATTER_32 = format 1). */
#define JBP_CQE_FORMAT_PLAIN 0
#define JBP_CQE_FORMAT_INLINE32 1
#define JBP_CQE_FORMAT_COMPRESSED 3
/* What software writes over the op_own of entries it consumed inside a compressed session: opcode INVALID and
 * the owner bit of the current lap, which reads as "hardware owned" on the next lap (VPP input.c
 * compressed_cqe_reset_owner; Linux en_rx.c mlx5e_cqes_update_owner writes the owner bit the same way). */
#define JBP_CQE_INVALIDATED (MLX5_CQE_INVALID << 4)
#define JBP_MINI_CQE_PER_ARRAY 8 /* Linux device.h MLX5_MINI_CQE_ARRAY_SIZE */

_Static_assert(sizeof(struct mlx5_cqe64) == 64, "64-byte CQEs");
_Static_assert(sizeof(struct mlx5_wqe_ctrl_seg) == 16, "ctrl segment");
_Static_assert(sizeof(struct mlx5_wqe_eth_seg) == 32, "eth segment with 18 inline bytes");
_Static_assert(sizeof(struct mlx5_wqe_data_seg) == 16, "data segment");
_Static_assert(offsetof(struct mlx5_cqe64, byte_cnt) == 0x2C, "byte_cnt at 0x2C");
_Static_assert(offsetof(struct mlx5_cqe64, wqe_counter) == 0x3C, "wqe_counter at 0x3C");
_Static_assert(offsetof(struct mlx5_cqe64, op_own) == 0x3F, "op_own at 0x3F");
_Static_assert(offsetof(struct mlx5_cqe64, hds_ip_ext) == 0x1C, "hds_ip_ext at 0x1C");
_Static_assert(offsetof(struct mlx5_err_cqe, syndrome) == 0x37, "error syndrome at 0x37");
_Static_assert(offsetof(struct mlx5_err_cqe, wqe_counter) == 0x3C, "error CQE wqe_counter at 0x3C");

static inline int is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static inline uint32_t log2u(uint32_t v)
{
    return 31u - (uint32_t)__builtin_clz(v);
}

static inline struct mlx5_cqe64 *cqe_at(const struct jbp_dv_cq *cq, uint32_t idx)
{
    return (struct mlx5_cqe64 *)(cq->buf + ((size_t)(idx & (cq->cqe_cnt - 1)) << 6));
}

static inline uint8_t lap_owner(const struct jbp_dv_cq *cq, uint32_t idx)
{
    return (uint8_t)((idx >> cq->log_cnt) & 1u);
}

/* The CQE at idx if software owns it, else NULL; its contents may be read only after this returns it. */
static inline struct mlx5_cqe64 *cqe_sw(const struct jbp_dv_cq *cq, uint32_t idx, uint8_t *op_own)
{
    struct mlx5_cqe64 *c = cqe_at(cq, idx);
    uint8_t oo = *(volatile uint8_t *)&c->op_own;
    if ((oo >> 4) == MLX5_CQE_INVALID || (oo & MLX5_CQE_OWNER_MASK) != lap_owner(cq, idx))
        return NULL;
    /* rdma-core providers/mlx5/cq.c mlx5_get_next_cqe: read the entry only after its ownership. */
    jbp_dma_rmb();
    *op_own = oo;
    return c;
}

static inline void cq_update_ci(struct jbp_dv_cq *cq)
{
    /* The reads of the consumed entries (and our rewrites of compressed holes) come before the index that lets
     * the device write over them (VPP input.c: store barrier, then cq_db; rdma-core update_cons_index). */
    jbp_dma_mb();
    cq->dbrec[JBP_MLX5_CQ_SET_CI] = htobe32(cq->ci & 0xffffffu);
}

static inline uint32_t cqe_be32(const struct mlx5_cqe64 *c, size_t off)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)c + off, sizeof(v));
    return be32toh(v);
}

int jbp_dv_cq_ready(const struct jbp_dv_cq *cq)
{
    uint8_t oo;
    return cq->buf != NULL && cqe_sw(cq, cq->ci, &oo) != NULL;
}

void jbp_dv_cq_arm(struct jbp_dv_cq *cq)
{
    /* rdma-core providers/mlx5/cq.c mlx5_arm_cq: {sn, cmd, ci} into doorbell record word 1, then the same with
     * the CQ number as one 64-bit write to the CQ doorbell in the UAR, with write-combining barriers around. */
    uint32_t sn = cq->arm_sn & 3u;
    uint32_t ci = cq->ci & 0xffffffu;
    uint32_t v = (sn << 28) | (uint32_t)MLX5_CQ_DB_REQ_NOT | ci;
    cq->dbrec[JBP_MLX5_CQ_ARM_DB] = htobe32(v);
    jbp_mmio_flush();
    uint64_t db = ((uint64_t)v << 32) | cq->cqn;
    jbp_mmio_write64((uint8_t *)cq->uar + MLX5_CQ_DOORBELL, htobe64(db));
    jbp_mmio_flush();
}

static int cq_setup(struct jbp_dv_cq *cq, void *buf, volatile __be32 *dbrec, uint32_t cqe_cnt, uint32_t cqe_size,
                    void *uar, uint32_t cqn)
{
    /* VPP device.c applies the same checks to what mlx5dv_init_obj returns. The CQ must have 64-byte entries:
     * MLX5_CQE_SIZE=128 in the environment would otherwise change it (VPP 844a0e8b070). */
    if (buf == NULL || dbrec == NULL || cqe_size != sizeof(struct mlx5_cqe64) || !is_pow2(cqe_cnt)
        || ((uintptr_t)buf & 63) != 0)
        return -EINVAL;
    cq->buf = buf;
    cq->dbrec = dbrec;
    cq->uar = uar;
    cq->cqn = cqn;
    cq->cqe_cnt = cqe_cnt;
    cq->log_cnt = log2u(cqe_cnt);
    cq->ci = 0;
    cq->arm_sn = 0;
    return 0;
}

int jbp_dv_txq_setup(struct jbp_rdma_port *p, uint32_t q, const struct jbp_dv_txq_rings *r, uint32_t limit)
{
    if (q >= p->n_txq)
        return -EINVAL;
    struct jbp_rdma_txq *t = &p->txq[q];
    if (r->sq_buf == NULL || r->qp_dbrec == NULL || r->bf_reg == NULL || r->sq_stride != MLX5_SEND_WQE_BB
        || !is_pow2(r->sq_wqe_cnt) || r->sq_wqe_cnt < limit || ((uintptr_t)r->sq_buf & 63) != 0) {
        jbp_port_seterr(p, "unsupported Direct Verbs send queue: %u WQEs of %u bytes at %p (need a power of two "
                        ">= %u of 64 bytes, 64-byte aligned)", r->sq_wqe_cnt, r->sq_stride, r->sq_buf, limit);
        return -EINVAL;
    }
    /* At most one completion per WQE in flight, so a CQ of `limit` entries can never overflow. */
    if (cq_setup(&t->cq, r->cq_buf, r->cq_dbrec, r->cqe_cnt, r->cqe_size, r->cq_uar, r->cqn) < 0
        || r->cqe_cnt < limit) {
        jbp_port_seterr(p, "unsupported Direct Verbs send CQ: %u entries of %u bytes (need 64-byte entries, a "
                        "power of two >= %u)", r->cqe_cnt, r->cqe_size, limit);
        return -EINVAL;
    }
    free(t->bufs);
    free(t->xbufs);
    t->bufs = malloc((size_t)r->sq_wqe_cnt * sizeof(uint32_t));
    t->xbufs = malloc((size_t)r->sq_wqe_cnt * JBP_TX_XBUFS_PER_BB * sizeof(uint32_t));
    if (t->bufs == NULL || t->xbufs == NULL)
        return -ENOMEM;
    memset(t->bufs, 0xff, (size_t)r->sq_wqe_cnt * sizeof(uint32_t)); /* JBP_NO_BUFFER */
    memset(t->xbufs, 0xff, (size_t)r->sq_wqe_cnt * JBP_TX_XBUFS_PER_BB * sizeof(uint32_t));
    t->size = r->sq_wqe_cnt;
    t->mask = r->sq_wqe_cnt - 1;
    t->limit = limit;
    t->pi = 0;
    t->ci = 0;
    t->wqes = r->sq_buf;
    t->dbrec = r->qp_dbrec;
    t->bf_reg = r->bf_reg;
    t->bf_size = r->bf_size;
    t->bf_offset = 0;
    t->qpn = r->qpn;
    t->max_frame = jbp_port_max_frame(p);
    t->state = JBP_Q_OK;
    t->st[JBP_TXQ_STATE] = JBP_Q_OK;
    return 0;
}

void jbp_dv_txq_set_tso(struct jbp_rdma_port *p, uint32_t q, uint32_t max_tso)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    /* The adapter computes each segment's checksums from the inlined headers: LSO without checksum offload is
     * not a combination it offers (PRM, "Large Send Offload"; mlx5e sets the checksum flags on every LSO WQE). */
    t->max_tso = t->csum && max_tso > JBP_MLX5_INLINE_HDR ? max_tso : 0;
    t->st[JBP_TXQ_MAX_TSO] = t->max_tso;
}

int jbp_dv_rxq_setup(struct jbp_rdma_port *p, uint32_t q, const struct jbp_dv_rxq_rings *rr, uint32_t size)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    /* One data segment per WQE: a stride of 16 bytes. rdma-core makes it larger only for more than one SGE or
     * with MLX5_RWQ_SIGNATURE set (providers/mlx5/verbs.c, mlx5_calc_rwq_size), neither of which applies. */
    if (rr->wq_buf == NULL || rr->wq_dbrec == NULL || rr->stride != sizeof(struct mlx5_wqe_data_seg)
        || rr->wqe_cnt != size || !is_pow2(size) || ((uintptr_t)rr->wq_buf & 15) != 0) {
        jbp_port_seterr(p, "unsupported Direct Verbs receive queue %u: %u WQEs of %u bytes (need %u of 16 bytes; "
                        "is MLX5_RWQ_SIGNATURE set?)", q, rr->wqe_cnt, rr->stride, size);
        return -EINVAL;
    }
    /* Completions never outnumber posted WQEs, so a CQ at least as large as the ring cannot overflow. */
    if (cq_setup(&r->cq, rr->cq_buf, rr->cq_dbrec, rr->cqe_cnt, rr->cqe_size, rr->cq_uar, rr->cqn) < 0
        || rr->cqe_cnt < size) {
        jbp_port_seterr(p, "unsupported Direct Verbs receive CQ %u: %u entries of %u bytes (need 64-byte "
                        "entries, a power of two >= %u)", q, rr->cqe_cnt, rr->cqe_size, size);
        return -EINVAL;
    }
    free(r->bufs);
    r->bufs = calloc(size, sizeof(uint32_t));
    if (r->bufs == NULL)
        return -ENOMEM;
    r->size = size;
    r->mask = size - 1;
    r->pi = 0;
    r->ci = 0;
    r->wqes = rr->wq_buf;
    r->dbrec = rr->wq_dbrec;
    r->sess_count = 0;
    r->sess_next = 0;
    /* Length and key never change: write them once and only the address on refill (VPP input.c). */
    for (uint32_t i = 0; i < size; i++) {
        r->wqes[i].byte_count = htobe32(p->pool.buf_size);
        r->wqes[i].lkey = htobe32(p->pool.lkey);
        r->wqes[i].addr = 0;
    }
    r->state = JBP_Q_OK;
    r->st[JBP_RXQ_STATE] = JBP_Q_OK;
    return 0;
}

static inline uint64_t buf_addr(const struct jbp_rdma_pool *pool, uint32_t b)
{
    return (uint64_t)(uintptr_t)(pool->base + (size_t)b * pool->buf_size);
}

static inline void rx_post(struct jbp_rdma_rxq *r, const struct jbp_rdma_pool *pool, uint32_t b)
{
    uint32_t slot = r->pi & r->mask;
    r->bufs[slot] = b;
    r->wqes[slot].addr = htobe64(buf_addr(pool, b));
    r->pi++;
}

static inline void rx_doorbell(struct jbp_rdma_rxq *r)
{
    /* WQE writes first, then the record (rdma-core mlx5_post_wq_recv: udma_to_device_barrier, then
     * db[MLX5_RCV_DBR] = htobe32(head & 0xffff)). */
    jbp_dma_wmb();
    r->dbrec[MLX5_RCV_DBR] = htobe32(r->pi & 0xffffu);
}

static int rxq_fill(struct jbp_rdma_port *p, uint32_t q, const uint32_t *buffers, uint32_t n)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    if (n > r->size - (r->pi - r->ci))
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++)
        rx_post(r, &p->pool, buffers[i]);
    rx_doorbell(r);
    return 0;
}

/*
 * Receive flags from a CQE's hds_ip_ext (byte 0x1C: L2/L3/L4 OK bits, mlx5dv.h MLX5_CQE_L*_OK) and
 * l4_hdr_type_etc (byte 0x1D). The L3 bit speaks for an IPv4 header only; the L4 bit for TCP or UDP of an
 * unfragmented packet (Linux en_rx.c mlx5e_handle_csum takes CHECKSUM_UNNECESSARY only with both OK bits).
 */
static inline uint32_t rx_flags(uint8_t hds_ip_ext, uint8_t l4l3)
{
    uint32_t f = 0;
    uint8_t l3 = (l4l3 >> 2) & 3;
    uint8_t l4 = (l4l3 >> 4) & 7;
    if (l3 == MLX5_CQE_L3_HDR_TYPE_IPV4 && (hds_ip_ext & MLX5_CQE_L3_OK))
        f |= JBP_RX_L3_CSUM_OK;
    if (l3 != MLX5_CQE_L3_HDR_TYPE_NONE && !(l4l3 & JBP_CQE_IP_FRAG) && l4 != JBP_CQE_L4_NONE
        && l4 <= JBP_CQE_L4_TCP_ACK_AND_DATA && (hds_ip_ext & MLX5_CQE_L3_OK) && (hds_ip_ext & MLX5_CQE_L4_OK))
        f |= JBP_RX_L4_CSUM_OK;
    return f;
}

/*
 * Completes the next RQ WQE (in order) with a frame of `len` bytes: the armed buffer of the burst slot takes its
 * place in the ring and the slot receives the frame's buffer. Frames of impossible length are dropped and their
 * buffer goes straight back into the ring. Returns 1 if the slot was filled.
 */
static inline int rx_complete(struct jbp_rdma_port *p, struct jbp_rdma_rxq *r, struct jbp_desc *d, uint32_t len,
                              uint32_t flags, uint32_t hash)
{
    uint32_t got = r->bufs[r->ci & r->mask];
    r->ci++;
    if (len < 14 || len > p->pool.buf_size) {
        rx_post(r, &p->pool, got);
        r->st[JBP_RXQ_DROPS]++;
        return 0;
    }
    rx_post(r, &p->pool, d->buffer);
    d->buffer = got;
    d->length = len;
    d->flags = flags;
    d->hash = hash;
    r->st[JBP_RXQ_PACKETS]++;
    r->st[JBP_RXQ_BYTES] += len;
    return 1;
}

static inline void invalidate_cqe(struct jbp_dv_cq *cq, uint32_t idx)
{
    *(volatile uint8_t *)&cqe_at(cq, idx)->op_own = (uint8_t)(JBP_CQE_INVALIDATED | lap_owner(cq, idx));
}

/* Copies a mini-CQE array (8 x {be32 rx_hash_result, be32 byte_cnt}): software rewrites the op_own byte of the
 * slot it occupies, which is the last byte of the eighth mini-CQE (Linux en_rx.c mlx5e_read_mini_arr_slot). */
static inline void load_mini_array(struct jbp_rdma_rxq *r, uint32_t idx)
{
    memcpy(r->mini, cqe_at(&r->cq, idx), sizeof(r->mini));
}

static int rx_error_cqe(struct jbp_rdma_port *p, uint32_t q, struct jbp_rdma_rxq *r, const struct mlx5_cqe64 *c,
                        uint8_t opcode)
{
    const struct mlx5_err_cqe *e = (const struct mlx5_err_cqe *)c;
    r->st[JBP_RXQ_CQE_ERRORS]++;
    r->st[JBP_RXQ_DROPS]++;
    r->st[JBP_RXQ_LAST_SYNDROME] = ((uint64_t)e->vendor_err_synd << 8) | e->syndrome;
    /* The WQE is consumed either way; its buffer goes back into the ring. */
    uint32_t got = r->bufs[r->ci & r->mask];
    r->ci++;
    rx_post(r, &p->pool, got);
    /* Only these syndromes leave the queue in the error state (Linux en/health.h cqe_syndrome_needs_recover;
     * a local length error, an oversized frame, does not since "net/mlx5e: Do not recover from a non-fatal
     * syndrome"). */
    if (opcode != MLX5_CQE_RESP_ERR || e->syndrome == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR
        || e->syndrome == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR || e->syndrome == MLX5_CQE_SYNDROME_WR_FLUSH_ERR) {
        r->state = JBP_Q_ERROR;
        r->hw_err = 1;
        r->st[JBP_RXQ_STATE] = JBP_Q_ERROR;
        jbp_port_seterr(p, "receive queue %u: error completion, syndrome 0x%02x (%s), vendor syndrome 0x%02x", q,
                        e->syndrome, jbp_mlx5_syndrome_str(e->syndrome), e->vendor_err_synd);
        return -1;
    }
    return 0;
}

static void rx_fail(struct jbp_rdma_port *p, uint32_t q, struct jbp_rdma_rxq *r, const char *why, uint8_t op_own)
{
    r->st[JBP_RXQ_CQE_ERRORS]++;
    r->state = JBP_Q_ERROR;
    r->st[JBP_RXQ_STATE] = JBP_Q_ERROR;
    jbp_port_seterr(p, "receive queue %u: %s (op_own 0x%02x at CQ index %u, RQ %u/%u)", q, why, op_own, r->cq.ci,
                    r->ci, r->pi);
}

static int rx_burst(struct jbp_rdma_port *p, uint32_t q, struct jbp_desc *d, uint32_t cap)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    struct jbp_dv_cq *cq = &r->cq;
    const uint32_t cq_ci0 = cq->ci;
    const uint32_t pi0 = r->pi;
    uint32_t n = 0;

    while (n < cap) {
        if (r->sess_next < r->sess_count) {
            /* Inside a compressed session: packet i of the session owns CQ index title + i; its length and hash
             * are in mini-CQE i % 8 of the array at title + 1 (i < 8) or title + i (i a multiple of 8), the rest
             * comes from the title (Linux en_rx.c mlx5e_decompress_cqes_cont; DPDK mlx5_rx.c "7 then 8"). */
            if (d[n].buffer >= p->pool.count) {
                r->st[JBP_RXQ_NO_BUFFER]++;
                break;
            }
            uint32_t i = r->sess_next;
            uint32_t idx = r->sess_ci + i;
            if (i != 0 && (i % JBP_MINI_CQE_PER_ARRAY) == 0)
                load_mini_array(r, idx);
            uint32_t len = be32toh(r->mini[i % JBP_MINI_CQE_PER_ARRAY].byte_cnt);
            uint32_t hash = be32toh(r->mini[i % JBP_MINI_CQE_PER_ARRAY].hash);
            invalidate_cqe(cq, idx);
            cq->ci = idx + 1;
            r->sess_next = i + 1;
            uint32_t flags = rx_flags(r->sess_hds_ip_ext, r->sess_l4_l3);
            if (r->sess_hash_type != 0)
                flags |= JBP_RX_HASH_VALID;
            n += (uint32_t)rx_complete(p, r, &d[n], len, flags, r->sess_hash_type != 0 ? hash : 0);
            continue;
        }

        uint8_t op_own;
        struct mlx5_cqe64 *c = cqe_sw(cq, cq->ci, &op_own);
        if (c == NULL)
            break;
        if (d[n].buffer >= p->pool.count) {
            /* A frame waits but the burst has no free buffer to put in its place: leave it in the ring. */
            r->st[JBP_RXQ_NO_BUFFER]++;
            break;
        }
        if (r->pi == r->ci) {
            rx_fail(p, q, r, "completion without a posted receive WQE", op_own);
            break;
        }
        uint8_t opcode = op_own >> 4;
        uint8_t format = (op_own >> 2) & 3;
        if (opcode == MLX5_CQE_RESP_SEND && be16toh(c->wqe_counter) != (uint16_t)r->ci) {
            /* A cyclic RQ completes in order and the CQE names the WQE it used (Linux en_rx.c reads the buffer
             * at mlx5_wq_cyc_ctr2ix(wqe_counter); a compressed title names its first packet's). Another value
             * means the data is in another buffer than the one we would deliver: never deliver it, reset. */
            r->st[JBP_RXQ_WQE_MISMATCH]++;
            rx_fail(p, q, r, "completion names another WQE than the next one (wqe_counter mismatch)", op_own);
            break;
        }
        if (opcode == MLX5_CQE_RESP_SEND && format == JBP_CQE_FORMAT_PLAIN) {
            uint32_t len = be32toh(c->byte_cnt);
            uint32_t flags = rx_flags(c->hds_ip_ext, c->l4_hdr_type_etc);
            uint8_t hash_type = ((const uint8_t *)c)[JBP_CQE_RSS_HASH_TYPE];
            uint32_t hash = 0;
            if (hash_type != 0) {
                flags |= JBP_RX_HASH_VALID;
                hash = cqe_be32(c, JBP_CQE_RSS_HASH_RESULT);
            }
            cq->ci++;
            n += (uint32_t)rx_complete(p, r, &d[n], len, flags, hash);
        } else if (opcode == MLX5_CQE_RESP_SEND && format == JBP_CQE_FORMAT_COMPRESSED) {
            /* A title: its byte_cnt holds the number of packets in the session (Linux en_rx.c
             * mlx5e_read_title_slot); the session takes that many CQ indices from here. */
            uint32_t count = be32toh(c->byte_cnt);
            if (count == 0 || count > r->pi - r->ci || count > cq->cqe_cnt) {
                rx_fail(p, q, r, "compressed CQE session of impossible size", op_own);
                break;
            }
            r->sess_ci = cq->ci;
            r->sess_count = count;
            r->sess_next = 0;
            r->sess_hds_ip_ext = c->hds_ip_ext;
            r->sess_l4_l3 = c->l4_hdr_type_etc;
            r->sess_hash_type = ((const uint8_t *)c)[JBP_CQE_RSS_HASH_TYPE];
            load_mini_array(r, cq->ci + 1);
            r->st[JBP_RXQ_COMPRESSED]++;
        } else if (opcode == MLX5_CQE_RESP_SEND && format == JBP_CQE_FORMAT_INLINE32) {
            /* Scatter to CQE: a frame of up to 32 bytes is in the CQE's first 32 bytes, not in the buffer
             * (rdma-core cq.c handle_responder, MLX5_INLINE_SCATTER_32). Only runts are that short. */
            uint32_t len = be32toh(c->byte_cnt);
            uint32_t got = r->bufs[r->ci & r->mask];
            if (len <= 32)
                memcpy(p->pool.base + (size_t)got * p->pool.buf_size, c, len);
            cq->ci++;
            n += (uint32_t)rx_complete(p, r, &d[n], len <= 32 ? len : 0, 0, 0);
        } else if (opcode == MLX5_CQE_RESP_ERR) {
            cq->ci++;
            if (rx_error_cqe(p, q, r, c, opcode) < 0)
                break;
        } else {
            rx_fail(p, q, r, "unexpected completion opcode on a receive CQ", op_own);
            break;
        }
    }
    if (r->pi != pi0)
        rx_doorbell(r);
    if (cq->ci != cq_ci0)
        cq_update_ci(cq);
    return (int)n;
}

static inline void tx_fail_state(struct jbp_rdma_port *p, struct jbp_rdma_txq *t, const char *why, uint8_t syndrome,
                                 uint8_t vendor)
{
    t->state = JBP_Q_ERROR;
    t->st[JBP_TXQ_STATE] = JBP_Q_ERROR;
    jbp_port_seterr(p, "send queue %u: %s (syndrome 0x%02x %s, vendor syndrome 0x%02x, SQ %u/%u)",
                    (unsigned)(t - p->txq), why, syndrome,
                    jbp_mlx5_syndrome_str(syndrome), vendor, t->ci, t->pi);
}

static int tx_reap(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    struct jbp_dv_cq *cq = &t->cq;
    const uint32_t ci0 = cq->ci;
    uint32_t freed = 0;
    uint8_t op_own;
    struct mlx5_cqe64 *c;

    while ((c = cqe_sw(cq, cq->ci, &op_own)) != NULL) {
        cq->ci++;
        /* A completion covers its WQE and every unsignaled one before it; wqe_counter is the 16-bit index of the
         * WQE that asked for it (VPP output.c rdma_device_output_free_mlx5; rdma-core cq.c mlx5_poll_one). */
        /* Each send queue has its own CQ: a completion naming another QP (the low 24 bits of sop_drop_qpn, which
         * is s_wqe_opcode_qpn in an error CQE; rdma-core cq.c mlx5_poll_one finds the QP by them) must never
         * free this queue's buffers. */
        if ((be32toh(c->sop_drop_qpn) & 0xffffff) != t->qpn) {
            tx_fail_state(p, t, "completion for another send QP", 0, 0);
            t->st[JBP_TXQ_CQE_ERRORS]++;
            break;
        }
        uint16_t wqe = be16toh(c->wqe_counter);
        /* The completed WQE may span several basic blocks (inline headers up to L4, a chain's data segments, an
         * LSO WQE): its DS count says how many; the WQE is ours to read, it was posted by us and is complete. */
        uint32_t qpn_ds = be32toh(((const struct mlx5_wqe_ctrl_seg *)(t->wqes
            + ((size_t)(wqe & t->mask) << MLX5_SEND_WQE_SHIFT)))->qpn_ds);
        uint32_t nbb = ((qpn_ds & 0x3f) * 16 + 63) / 64;
        uint32_t done = (uint32_t)(uint16_t)(wqe - (uint16_t)t->ci) + nbb;
        if (done > t->pi - t->ci) {
            tx_fail_state(p, t, "completion for a WQE that is not in flight", 0, 0);
            t->st[JBP_TXQ_CQE_ERRORS]++;
            break;
        }
        for (uint32_t i = 0; i < done; i++)
            jbp_txq_release(p, t, t->ci + i);
        t->ci += done;
        freed += done;
        uint8_t opcode = op_own >> 4;
        if (opcode != MLX5_CQE_REQ) {
            /* MLX5_CQE_REQ_ERR: the send queue is now in the error state; the WQEs after this one will be
             * flushed. Anything else has no business on a send CQ. */
            const struct mlx5_err_cqe *e = (const struct mlx5_err_cqe *)c;
            t->st[JBP_TXQ_CQE_ERRORS]++;
            t->st[JBP_TXQ_LAST_SYNDROME] = ((uint64_t)e->vendor_err_synd << 8) | e->syndrome;
            t->hw_err = opcode == MLX5_CQE_REQ_ERR;
            tx_fail_state(p, t, opcode == MLX5_CQE_REQ_ERR ? "error completion" : "unexpected completion opcode",
                          e->syndrome, e->vendor_err_synd);
            if (opcode == MLX5_CQE_REQ_ERR && e->syndrome == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR) {
                /* A vport in inline mode network or transport refuses WQEs that inline only L2, each with a
                 * local QP operation error (rdma-core tells only "none" or "L2": mlx5.c eth_min_inline_size).
                 * From the reset on, every header up to L4 is inlined. */
                size_t n = strlen(p->error);
                snprintf(p->error + n, sizeof(p->error) - n, t->inline_l4
                         ? "; headers up to L4 were inlined already, so not the vport's inline mode"
                         : "; the vport may require inline mode network or transport (devlink dev eswitch show "
                           "pci/...): inlining headers up to L4 from now on");
                t->inline_l4 = 1;
                t->st[JBP_TXQ_INLINE] = 1;
            }
            break;
        }
    }
    if (cq->ci != ci0)
        cq_update_ci(cq);
    return (int)freed;
}

static inline void tx_doorbell(struct jbp_rdma_txq *t, const struct mlx5_wqe_ctrl_seg *last)
{
    /* rdma-core providers/mlx5/qp.c post_send_db: WQEs before the doorbell record, the record before the
     * doorbell (mmio_wc_start), the first 8 bytes of the last WQE's ctrl segment as one 64-bit store to the
     * BlueFlame register, a flush of the write-combining buffer, then the other half of the register for the
     * next doorbell (bf->offset ^= bf->buf_size). VPP output.c does the same without the WC flush. */
    jbp_dma_wmb();
    t->dbrec[MLX5_SND_DBR] = htobe32(t->pi & 0xffffu);
    jbp_mmio_flush();
    uint64_t first8;
    memcpy(&first8, last, sizeof(first8));
    jbp_mmio_write64(t->bf_reg + t->bf_offset, first8);
    jbp_mmio_flush();
    t->bf_offset ^= t->bf_size;
    t->st[JBP_TXQ_DOORBELLS]++;
}

/*
 * How many bytes to inline so that every header up to the end of L4 is in the WQE (mlx5e inlines as much in
 * inline mode transport: en_tx.c mlx5e_calc_min_inline): Ethernet and VLAN tags, then IPv4 with its options or
 * IPv6, then TCP with its options or UDP (not for a fragment after the first). Other frames: their L2 header.
 */
static uint32_t l4_inline_len(const uint8_t *f, uint32_t len)
{
    uint32_t off = 14;
    uint16_t et = (uint16_t)((f[12] << 8) | f[13]);
    while ((et == 0x8100 || et == 0x88a8) && off + 4 <= len) {
        et = (uint16_t)((f[off + 2] << 8) | f[off + 3]);
        off += 4;
    }
    uint32_t n = off;
    uint8_t proto = 0;
    int first = 1;
    if (et == 0x0800 && off + 20 <= len) {
        uint32_t ihl = (uint32_t)(f[off] & 15) * 4;
        proto = f[off + 9];
        first = ((f[off + 6] & 0x1f) | f[off + 7]) == 0;
        n = off + (ihl >= 20 ? ihl : 20);
    } else if (et == 0x86dd && off + 40 <= len) {
        proto = f[off + 6];
        n = off + 40;
    }
    if (first && proto == 6 && n + 20 <= len)
        n += (uint32_t)(f[n + 12] >> 4) * 4 >= 20 ? (uint32_t)(f[n + 12] >> 4) * 4 : 20;
    else if (first && proto == 17 && n + 8 <= len)
        n += 8;
    if (n < JBP_MLX5_INLINE_HDR)
        n = JBP_MLX5_INLINE_HDR;
    if (n > len)
        n = len;
    return n > JBP_MLX5_MAX_INLINE ? JBP_MLX5_MAX_INLINE : n;
}

/*
 * A send WQE of several basic blocks (built whole, then stored block by block, wrapping round the end of the SQ as
 * the adapter reads it; rdma-core qp.c copies inline headers the same way): the ctrl segment; the Ethernet
 * segment, whose inline headers (`inl` bytes) run on past its 32 bytes in 16-byte units, with the MSS for an LSO
 * WQE (mlx5dv.h struct mlx5_wqe_eth_seg: cs_flags, mss, inline_hdr_sz, inline_hdr_start); then one data segment
 * for the rest of the first buffer and one per further buffer of the chain (VPP output.c gathers chains the same
 * way). The first buffer goes in bufs at the WQE's first block, the others in xbufs over its blocks; the other
 * blocks' bufs hold JBP_NO_BUFFER. Returns the ctrl segment in the ring.
 */
static struct mlx5_wqe_ctrl_seg *tx_post_wqe(struct jbp_rdma_txq *t, const struct jbp_rdma_pool *pool,
                                             const struct jbp_desc *f, uint32_t nd, uint32_t inl, uint32_t nbb,
                                             uint8_t ds, uint8_t fm_ce_se, uint8_t cs, uint8_t opcode, uint16_t mss)
{
    uint8_t wqe[16 * 64] __attribute__((aligned(16)));
    const uint8_t *frame = pool->base + (size_t)f[0].buffer * pool->buf_size;
    uint32_t eth_bytes = 16 + ((inl - 2 + 15) & ~15u);
    memset(wqe, 0, nbb * 64);
    struct mlx5_wqe_ctrl_seg *ctrl = (struct mlx5_wqe_ctrl_seg *)wqe;
    struct mlx5_wqe_eth_seg *eth = (struct mlx5_wqe_eth_seg *)(wqe + 16);
    mlx5dv_set_ctrl_seg(ctrl, (uint16_t)t->pi, opcode, 0, t->qpn, fm_ce_se, ds, 0, 0);
    eth->cs_flags = cs;
    eth->mss = htobe16(mss);
    eth->inline_hdr_sz = htobe16((uint16_t)inl);
    memcpy(eth->inline_hdr_start, frame, inl);
    struct mlx5_wqe_data_seg *dseg = (struct mlx5_wqe_data_seg *)(wqe + 16 + eth_bytes);
    if (f[0].length > inl)
        mlx5dv_set_data_seg(dseg++, f[0].length - inl, pool->lkey, (uintptr_t)(frame + inl));
    for (uint32_t k = 1; k < nd; k++)
        if (f[k].length > 0)
            mlx5dv_set_data_seg(dseg++, f[k].length, pool->lkey,
                                (uintptr_t)(pool->base + (size_t)f[k].buffer * pool->buf_size));
    for (uint32_t i = 0; i < nbb; i++) {
        uint32_t slot = (t->pi + i) & t->mask;
        memcpy(t->wqes + ((size_t)slot << MLX5_SEND_WQE_SHIFT), wqe + i * 64, 64);
        t->bufs[slot] = i == 0 ? f[0].buffer : JBP_NO_BUFFER;
        for (uint32_t k = 0; k < JBP_TX_XBUFS_PER_BB; k++) {
            uint32_t x = i * JBP_TX_XBUFS_PER_BB + k + 1; /* the chain's descriptor this entry keeps */
            t->xbufs[slot * JBP_TX_XBUFS_PER_BB + k] = x < nd ? f[x].buffer : JBP_NO_BUFFER;
        }
    }
    return (struct mlx5_wqe_ctrl_seg *)(t->wqes + ((size_t)(t->pi & t->mask) << MLX5_SEND_WQE_SHIFT));
}

/* The descriptors of the frame that starts at d[0]: 1 for a frame in one buffer, the chain's length otherwise,
 * 0 for a chain that runs past the burst (the Link contract says it never does). */
static uint32_t chain_len(const struct jbp_desc *d, uint32_t left)
{
    uint32_t n = 1;
    while (n <= left && (d[n - 1].flags & JBP_DESC_CONTINUES))
        n++;
    return n <= left ? n : 0;
}

/*
 * The Ethernet + IP + TCP header length of a TCP super-frame whose headers are all in its first `len` bytes (what an
 * LSO WQE must inline: the adapter replicates exactly these in every segment), or 0. `gso` says which IP version the
 * stack meant: JBP_GSO_TCPV4, IPv4 with its options (not a fragment); JBP_GSO_TCPV6, the 40-byte IPv6 header with
 * TCP as its next header (no extension headers: mlx5e's LSO path inlines through TCP the same way, en_tx.c
 * mlx5e_tx_get_gso_ihs, and the stack puts none on TCP segments). A frame of the other version is refused.
 */
static uint32_t tso_header_len(const uint8_t *f, uint32_t len, uint32_t gso)
{
    uint32_t off = 14, l3;
    if (gso == JBP_GSO_TCPV4) {
        if (len < off + 20 || f[12] != 0x08 || f[13] != 0x00)
            return 0;
        l3 = (uint32_t)(f[off] & 15) * 4;
        if ((f[off] >> 4) != 4 || l3 < 20 || f[off + 9] != 6 || (((f[off + 6] & 0x3f) | f[off + 7]) != 0))
            return 0; /* not IPv4, not TCP, or a fragment */
    } else if (gso == JBP_GSO_TCPV6) {
        if (len < off + 40 || f[12] != 0x86 || f[13] != 0xdd || (f[off] >> 4) != 6 || f[off + 6] != 6)
            return 0; /* not IPv6, or TCP not right after the fixed header */
        l3 = 40;
    } else {
        return 0;
    }
    if (off + l3 + 20 > len)
        return 0; /* the headers not in the first buffer */
    uint32_t thl = (uint32_t)(f[off + l3 + 12] >> 4) * 4;
    if (thl < 20 || off + l3 + thl > len || off + l3 + thl > JBP_MLX5_MAX_INLINE)
        return 0;
    return off + l3 + thl;
}

static int tx_burst(struct jbp_rdma_port *p, uint32_t q, const struct jbp_desc *d, uint32_t count)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    const struct jbp_rdma_pool *pool = &p->pool;
    struct mlx5_wqe_ctrl_seg *last = NULL;
    uint32_t accepted = 0;
    uint64_t bytes = 0;
    uint32_t sent = 0;

    tx_reap(p, q);
    if (t->state != JBP_Q_OK)
        return 0; /* the caller recovers the queue before the next burst */

    while (accepted < count) {
        const struct jbp_desc *f = &d[accepted];
        uint32_t nd = chain_len(f, count - accepted);
        if (nd != 1 || (f->flags & JBP_GSO_TYPE_MASK) != 0 || t->inline_l4) {
            /* A chain, a super-frame to segment, or a vport that wants headers up to L4 inline: a WQE of as many
             * blocks as it takes. What no adapter could send is accepted and dropped (never wedging the queue
             * behind it): a chain past the burst, a bad buffer or length, an LSO frame the queue cannot do or
             * whose headers are not in its first buffer, more data segments than a WQE holds. */
            int bad = nd == 0;
            if (nd == 0)
                nd = count - accepted;
            uint32_t total = 0, segs = 0;
            for (uint32_t k = 0; k < nd && !bad; k++) {
                bad = f[k].buffer >= pool->count || f[k].length > pool->buf_size;
                total += f[k].length;
                segs += k > 0 && f[k].length > 0;
            }
            const uint8_t *frame = f->buffer < pool->count ? pool->base + (size_t)f->buffer * pool->buf_size : NULL;
            uint32_t gso = f->flags & JBP_GSO_TYPE_MASK;
            uint16_t mss = (uint16_t)(f->flags >> JBP_GSO_SIZE_SHIFT);
            uint32_t inl = 0;
            if (!bad && gso != 0) {
                inl = mss != 0 && t->max_tso != 0 ? tso_header_len(frame, f->length, gso) : 0;
                bad = inl == 0 || total > t->max_tso || total <= inl;
            } else if (!bad) {
                bad = f->length < JBP_RDMA_MIN_FRAME || total > t->max_frame;
                inl = bad ? 0 : t->inline_l4 ? l4_inline_len(frame, f->length) : JBP_MLX5_INLINE_HDR;
            }
            uint32_t eth_bytes = 16 + ((inl - 2 + 15) & ~15u);
            uint32_t ds = (16 + eth_bytes) / 16 + (f->length > inl ? 1 : 0) + segs;
            bad |= ds > JBP_MLX5_MAX_DS;
            if (bad) {
                for (uint32_t k = 0; k < nd; k++)
                    if (f[k].buffer < pool->count)
                        jbp_port_reclaim(p, f[k].buffer);
                t->st[JBP_TXQ_DROPS]++;
                jbp_txq_done(t, nd);
                accepted += nd;
                continue;
            }
            uint32_t nbb = (ds * 16 + 63) / 64;
            if (t->pi + nbb - t->ci > t->limit) {
                t->st[JBP_TXQ_RING_FULL] += count - accepted;
                break;
            }
            /* A completion at least every JBP_RDMA_TX_SIGNAL_EVERY blocks: when this WQE covers such a block. */
            uint8_t fm = ((t->pi ^ (t->pi + nbb - 1)) & ~(JBP_RDMA_TX_SIGNAL_EVERY - 1u))
                    || ((t->pi + nbb - 1) & (JBP_RDMA_TX_SIGNAL_EVERY - 1)) == JBP_RDMA_TX_SIGNAL_EVERY - 1
                ? MLX5_WQE_CTRL_CQ_UPDATE : 0;
            uint8_t cs = 0;
            if (gso != 0) {
                cs = MLX5_ETH_WQE_L3_CSUM | MLX5_ETH_WQE_L4_CSUM;
            } else if (t->csum) {
                if (f->flags & JBP_TX_L3_CSUM)
                    cs |= MLX5_ETH_WQE_L3_CSUM;
                if (f->flags & JBP_TX_L4_CSUM)
                    cs |= MLX5_ETH_WQE_L4_CSUM;
            }
            last = tx_post_wqe(t, pool, f, nd, inl, nbb, (uint8_t)ds, fm, cs,
                               gso != 0 ? MLX5_OPCODE_TSO : MLX5_OPCODE_SEND, gso != 0 ? mss : 0);
            t->pi += nbb;
            t->st[JBP_TXQ_TSO_FRAMES] += gso != 0;
            sent++;
            bytes += total;
            accepted += nd;
            continue;
        }
        if (f->buffer >= pool->count || f->length < JBP_RDMA_MIN_FRAME || f->length > pool->buf_size
            || f->length > t->max_frame) {
            /* Accepted and dropped: a frame no adapter could send must not wedge the queue behind it. */
            if (f->buffer < pool->count)
                jbp_port_reclaim(p, f->buffer);
            t->st[JBP_TXQ_DROPS]++;
            jbp_txq_done(t, 1);
            accepted++;
            continue;
        }
        if (t->pi - t->ci >= t->limit) {
            t->st[JBP_TXQ_RING_FULL] += count - accepted;
            break;
        }
        uint8_t *frame = pool->base + (size_t)f->buffer * pool->buf_size;
        uint8_t *w = t->wqes + ((size_t)(t->pi & t->mask) << MLX5_SEND_WQE_SHIFT);
        struct mlx5_wqe_ctrl_seg *ctrl = (struct mlx5_wqe_ctrl_seg *)w;
        struct mlx5_wqe_eth_seg *eth = (struct mlx5_wqe_eth_seg *)(w + sizeof(*ctrl));
        struct mlx5_wqe_data_seg *dseg = (struct mlx5_wqe_data_seg *)(w + sizeof(*ctrl) + sizeof(*eth));
        uint32_t rest = f->length - JBP_MLX5_INLINE_HDR;
        /* A zero-length data segment is not "nothing" to the adapter: leave it out (DS 3) instead. */
        uint8_t ds = rest != 0 ? 4 : 3;
        uint8_t fm_ce_se = ((t->pi & (JBP_RDMA_TX_SIGNAL_EVERY - 1)) == JBP_RDMA_TX_SIGNAL_EVERY - 1)
            ? MLX5_WQE_CTRL_CQ_UPDATE : 0;
        mlx5dv_set_ctrl_seg(ctrl, (uint16_t)t->pi, MLX5_OPCODE_SEND, 0, t->qpn, fm_ce_se, ds, 0, 0);
        uint8_t cs = 0;
        if (t->csum) {
            if (f->flags & JBP_TX_L3_CSUM)
                cs |= MLX5_ETH_WQE_L3_CSUM;
            if (f->flags & JBP_TX_L4_CSUM)
                cs |= MLX5_ETH_WQE_L4_CSUM;
        }
        memset(eth, 0, offsetof(struct mlx5_wqe_eth_seg, inline_hdr_sz));
        eth->cs_flags = cs;
        eth->inline_hdr_sz = htobe16(JBP_MLX5_INLINE_HDR);
        memcpy(eth->inline_hdr_start, frame, JBP_MLX5_INLINE_HDR);
        if (rest != 0)
            mlx5dv_set_data_seg(dseg, rest, pool->lkey, (uintptr_t)(frame + JBP_MLX5_INLINE_HDR));
        t->bufs[t->pi & t->mask] = f->buffer;
        t->pi++;
        last = ctrl;
        sent++;
        bytes += f->length;
        accepted++;
    }
    if (last != NULL) {
        /* The last WQE of a burst always asks for a completion, so every buffer comes back (VPP output.c). */
        last->fm_ce_se |= MLX5_WQE_CTRL_CQ_UPDATE;
        tx_doorbell(t, last);
        t->st[JBP_TXQ_PACKETS] += sent;
        t->st[JBP_TXQ_BYTES] += bytes;
    }
    return (int)accepted;
}

static void txq_reset(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    struct jbp_dv_cq *cq = &t->cq;
    uint8_t op_own;
    /* The QP is in RESET: whatever is in its CQ is stale (flush errors) and nothing more will come
     * (rdma-core cq.c __mlx5_cq_clean relies on the same). */
    uint32_t ci0 = cq->ci;
    while (cqe_sw(cq, cq->ci, &op_own) != NULL)
        cq->ci++;
    if (cq->ci != ci0)
        cq_update_ci(cq);
    for (uint32_t i = t->ci; i != t->pi; i++)
        jbp_txq_release(p, t, i);
    /* rdma-core zeroes the doorbell record when the QP enters RESET (verbs.c mlx5_modify_qp); the WQE counter
     * restarts from 0. */
    t->pi = 0;
    t->ci = 0;
    t->dbrec[MLX5_SND_DBR] = 0;
}

static void rxq_reset(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    struct jbp_dv_cq *cq = &r->cq;
    uint8_t op_own;
    struct mlx5_cqe64 *c;
    uint32_t ci0 = cq->ci;
    /* Discard what the CQ still holds, compressed sessions included: their holes must be invalidated too. */
    for (uint32_t i = r->sess_next; i < r->sess_count; i++)
        invalidate_cqe(cq, r->sess_ci + i);
    if (r->sess_next < r->sess_count)
        cq->ci = r->sess_ci + r->sess_count;
    r->sess_count = 0;
    r->sess_next = 0;
    while ((c = cqe_sw(cq, cq->ci, &op_own)) != NULL) {
        uint32_t span = 1;
        if ((op_own >> 4) == MLX5_CQE_RESP_SEND && ((op_own >> 2) & 3) == JBP_CQE_FORMAT_COMPRESSED) {
            span = be32toh(c->byte_cnt);
            if (span == 0 || span > cq->cqe_cnt)
                span = 1;
        }
        for (uint32_t i = 0; i < span; i++)
            invalidate_cqe(cq, cq->ci + i);
        cq->ci += span;
    }
    if (cq->ci != ci0)
        cq_update_ci(cq);
    /* Every buffer the ring held is still ours: repost them all from WQE 0, in their old order. The doorbell
     * waits until the WQ is ready again, because rdma-core zeroes the record on RESET -> RDY
     * (verbs.c mlx5_modify_wq). */
    uint32_t n = r->pi - r->ci;
    jbp_rotate_left(r->bufs, r->size, r->ci & r->mask);
    r->pi = 0;
    r->ci = 0;
    for (uint32_t i = 0; i < n; i++)
        rx_post(r, &p->pool, r->bufs[i]);
}

static int rxq_repost(struct jbp_rdma_port *p, uint32_t q)
{
    rx_doorbell(&p->rxq[q]);
    return 0;
}

const struct jbp_rdma_datapath jbp_dv_datapath = {
    .name = "dv",
    .rxq_fill = rxq_fill,
    .rx_burst = rx_burst,
    .tx_burst = tx_burst,
    .tx_reap = tx_reap,
    .txq_reset = txq_reset,
    .rxq_reset = rxq_reset,
    .rxq_repost = rxq_repost,
};
