/* SPDX-License-Identifier: Apache-2.0 */
/* The mlx5 port model: see mlx5_model.h for what it does and why. */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "mlx5_model.h"

#define CQE_INVALID_INIT (MLX5_CQE_INVALID << 4) /* rdma-core initialises every CQE so (providers/mlx5/cq.c) */
#define CQE_FORMAT_COMPRESSED 3
/* rss_hash_type bits (Linux include/linux/mlx5/device.h CQE_RSS_HTYPE_IP / _L4). */
#define RSS_HTYPE_IPV4 (1u << 2)
#define RSS_HTYPE_IPV6 (2u << 2)
#define RSS_HTYPE_TCP (1u << 6)
#define RSS_HTYPE_UDP (2u << 6)

static void *zalloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 4096, n) != 0)
        return NULL;
    memset(p, 0, n);
    return p;
}

static uint32_t log2u(uint32_t v)
{
    return 31u - (uint32_t)__builtin_clz(v);
}

static int cq_init(struct mlx5_model_cq *cq, uint32_t entries)
{
    /* rdma-core sizes a CQ of n entries as the next power of two above n (providers/mlx5/verbs.c
     * align_queue_size(cqe + 1)); the model does the same. */
    uint32_t cnt = 1;
    while (cnt < entries + 1)
        cnt <<= 1;
    cq->buf = zalloc((size_t)cnt * 64);
    cq->dbrec = zalloc(64);
    cq->uar = zalloc(4096);
    if (cq->buf == NULL || cq->dbrec == NULL || cq->uar == NULL)
        return -ENOMEM;
    cq->cqe_cnt = cnt;
    cq->log_cnt = log2u(cnt);
    for (uint32_t i = 0; i < cnt; i++)
        cq->buf[(size_t)i * 64 + 63] = CQE_INVALID_INIT;
    return 0;
}

static void cq_free(struct mlx5_model_cq *cq)
{
    free(cq->buf);
    free(cq->dbrec);
    free(cq->uar);
}

int mlx5_model_cq_recreate(struct mlx5_model_cq *cq)
{
    uint32_t entries = cq->cqe_cnt - 1;
    uint64_t generation = cq->generation;
    cq_free(cq);
    memset(cq, 0, sizeof(*cq));
    cq->generation = generation + 1;
    return cq_init(cq, entries);
}

static inline uint8_t *cq_slot(const struct mlx5_model_cq *cq, uint32_t idx)
{
    return cq->buf + ((size_t)(idx & (cq->cqe_cnt - 1)) << 6);
}

static inline uint8_t cq_owner(const struct mlx5_model_cq *cq, uint32_t idx)
{
    return (uint8_t)((idx >> cq->log_cnt) & 1u);
}

/* Entries the driver has not yet released (its consumer index is 24 bits in the doorbell record). */
static inline uint32_t cq_used(const struct mlx5_model_cq *cq)
{
    uint32_t sw_ci = be32toh(cq->dbrec[0]) & 0xffffffu;
    return (cq->pi - sw_ci) & 0xffffffu;
}

/* Writes one CQE the way the adapter does: the body, then (after a release fence) the op_own byte with the
 * owner bit of the lap, so a driver that checks ownership first never sees a half-written entry. */
static int cq_push(struct mlx5_model_cq *cq, const uint8_t cqe[64])
{
    if (cq->error) {
        cq->lost++;
        return -EIO;
    }
    if (cq_used(cq) >= cq->cqe_cnt) {
        cq->overruns++;
        return -ENOSPC;
    }
    uint8_t *slot = cq_slot(cq, cq->pi);
    memcpy(slot, cqe, 63);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&slot[63], (uint8_t)((cqe[63] & 0xFE) | cq_owner(cq, cq->pi)), __ATOMIC_RELEASE);
    cq->pi++;
    return 0;
}

/*
 * The adapter's side of CQ arming: the driver writes {sn, cmd, ci} to doorbell record word 1, then the same with
 * the CQ number as one 64-bit store to the UAR at MLX5_CQ_DOORBELL (rdma-core mlx5_arm_cq). A new UAR value arms
 * the CQ for its consumer index; the event fires once an entry lies past it (at once if one already does), and
 * the CQ is disarmed until the next arm.
 */
static void cq_check_arm(struct mlx5_model *m, struct mlx5_model_cq *cq)
{
    uint64_t raw;
    memcpy(&raw, cq->uar + MLX5_CQ_DOORBELL, sizeof(raw));
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (raw != 0 && raw != cq->last_arm) {
        uint64_t v = be64toh(raw);
        uint32_t word = (uint32_t)(v >> 32);
        cq->last_arm = raw;
        if (be32toh(cq->dbrec[1]) != word)
            cq->arm_mismatch++;
        cq->armed = 1;
        cq->arm_ci = word & 0xffffffu;
    }
    if (cq->armed && ((cq->pi - cq->arm_ci) & 0xffffffu) != 0 && ((cq->pi - cq->arm_ci) & 0xffffffu) <= cq->cqe_cnt) {
        cq->armed = 0;
        cq->events++;
        m->stats.cq_events++;
        uint64_t one = 1;
        if (m->event_fd >= 0 && write(m->event_fd, &one, sizeof(one)) != sizeof(one))
            m->stats.rx_errors++;
    }
}

static void check_rx_arms(struct mlx5_model *m)
{
    for (uint32_t q = 0; q < m->cfg.n_rxq; q++)
        cq_check_arm(m, &m->rq[q].cq);
}

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t model_rand(struct mlx5_model *m)
{
    /* xorshift32: deterministic poison bytes */
    uint32_t x = m->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    m->rng = x;
    return x;
}

struct mlx5_model *mlx5_model_create(const struct mlx5_model_cfg *cfg)
{
    if (cfg->n_rxq == 0 || cfg->n_rxq > JBP_RDMA_MAX_RXQ || cfg->rx_size == 0 || cfg->tx_size == 0
        || (cfg->rx_size & (cfg->rx_size - 1)) != 0 || (cfg->tx_size & (cfg->tx_size - 1)) != 0)
        return NULL;
    struct mlx5_model *m = zalloc(sizeof(*m));
    if (m == NULL)
        return NULL;
    m->cfg = *cfg;
    m->tx_sq = -1;
    if (m->cfg.mtu == 0)
        m->cfg.mtu = 1500;
    if (m->cfg.max_session < 2 || m->cfg.max_session > 64)
        m->cfg.max_session = 64;
    m->lkey = MLX5_MODEL_LKEY;
    m->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m->rng = 0x9e3779b9u;
    int bad = 0;
    for (uint32_t q = 0; q < cfg->n_rxq; q++) {
        struct mlx5_model_sq *sq = &m->sq[q];
        sq->wqe_cnt = cfg->tx_size;
        sq->wqes = zalloc((size_t)cfg->tx_size * 64);
        sq->dbrec = zalloc(64);
        sq->bf = zalloc(2 * MLX5_MODEL_BF_SIZE);
        bad |= sq->wqes == NULL || sq->dbrec == NULL || sq->bf == NULL;
        bad |= cq_init(&sq->cq, cfg->tx_size) != 0;
        sq->qpn = MLX5_MODEL_QPN + q;
        sq->ready = 1;
    }
    for (uint32_t q = 0; q < cfg->n_rxq; q++) {
        struct mlx5_model_rq *rq = &m->rq[q];
        rq->wqe_cnt = cfg->rx_size;
        rq->wqes = zalloc((size_t)cfg->rx_size * sizeof(struct mlx5_wqe_data_seg));
        rq->dbrec = zalloc(64);
        rq->pending = calloc(64, sizeof(*rq->pending));
        bad |= rq->wqes == NULL || rq->dbrec == NULL || rq->pending == NULL;
        bad |= cq_init(&rq->cq, cfg->rx_size) != 0;
        rq->ready = 1;
    }
    /* The indirection table the driver creates (jbp_rdma_device.c): round robin over the queues. */
    m->ind_size = 1u << jbp_rdma_ind_log(cfg->n_rxq);
    if (m->ind_size > sizeof(m->ind_table) / sizeof(m->ind_table[0]))
        bad = 1;
    for (uint32_t i = 0; !bad && i < m->ind_size; i++)
        m->ind_table[i] = i % cfg->n_rxq;
    if (bad) {
        mlx5_model_destroy(m);
        return NULL;
    }
    return m;
}

void mlx5_model_destroy(struct mlx5_model *m)
{
    if (m == NULL)
        return;
    if (m->event_fd >= 0)
        close(m->event_fd);
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        free(m->rq_snap[q]);
        free(m->sq[q].snap);
        free(m->sq[q].wqes);
        free(m->sq[q].dbrec);
        free(m->sq[q].bf);
        cq_free(&m->sq[q].cq);
    }
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        free(m->rq[q].wqes);
        free(m->rq[q].dbrec);
        free(m->rq[q].pending);
        cq_free(&m->rq[q].cq);
    }
    free(m);
}

/* ---- checksums (RFC 1071) ---- */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)(p[n - 1] << 8);
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

struct parsed {
    int ipv4, ipv6, frag;
    uint8_t proto;
    const uint8_t *l3;
    uint32_t l3_len; /* header length */
    const uint8_t *l4;
    uint32_t l4_len; /* L4 header + payload */
};

static int parse(const uint8_t *f, uint32_t len, struct parsed *p)
{
    memset(p, 0, sizeof(*p));
    if (len < 14)
        return -1;
    uint16_t et = get_be16(f + 12);
    if (et == 0x0800 && len >= 34) {
        const uint8_t *ip = f + 14;
        uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
        uint32_t tot = get_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || 14 + tot > len)
            return -1;
        p->ipv4 = 1;
        p->l3 = ip;
        p->l3_len = ihl;
        p->proto = ip[9];
        p->frag = (get_be16(ip + 6) & 0x3fff) != 0;
        p->l4 = ip + ihl;
        p->l4_len = tot - ihl;
        return 0;
    }
    if (et == 0x86dd && len >= 54) {
        const uint8_t *ip = f + 14;
        uint32_t pl = get_be16(ip + 4);
        if ((ip[0] >> 4) != 6 || 54 + pl > len)
            return -1;
        p->ipv6 = 1;
        p->l3 = ip;
        p->l3_len = 40;
        p->proto = ip[6];
        p->l4 = ip + 40;
        p->l4_len = pl;
        return 0;
    }
    return -1;
}

static uint32_t l4_pseudo(const struct parsed *p)
{
    uint32_t sum = 0;
    if (p->ipv4)
        sum = csum_add(sum, p->l3 + 12, 8);
    else
        sum = csum_add(sum, p->l3 + 8, 32);
    sum += p->proto;
    sum += p->l4_len;
    return sum;
}

static int l4_ok(const struct parsed *p)
{
    if (p->proto == 6 && p->l4_len >= 20)
        return csum_fold(csum_add(l4_pseudo(p), p->l4, p->l4_len)) == 0;
    if (p->proto == 17 && p->l4_len >= 8) {
        if (p->ipv4 && get_be16(p->l4 + 6) == 0)
            return 1; /* no checksum (RFC 768) */
        return csum_fold(csum_add(l4_pseudo(p), p->l4, p->l4_len)) == 0;
    }
    return 0;
}

/* Transmit offload: what the adapter fills in when the Ethernet segment's cs_flags ask for it. */
static void tx_offload(struct mlx5_model *m, uint8_t *f, uint32_t len, uint8_t cs_flags)
{
    struct parsed p;
    if (!m->cfg.csum || cs_flags == 0 || parse(f, len, &p) < 0)
        return;
    m->stats.tx_csum_offloads++;
    if ((cs_flags & MLX5_ETH_WQE_L3_CSUM) && p.ipv4) {
        uint8_t *ip = (uint8_t *)p.l3;
        ip[10] = 0;
        ip[11] = 0;
        put_be16(ip + 10, csum_fold(csum_add(0, ip, p.l3_len)));
    }
    if ((cs_flags & MLX5_ETH_WQE_L4_CSUM) && !p.frag) {
        uint8_t *l4 = (uint8_t *)p.l4;
        uint32_t off = p.proto == 6 ? 16 : p.proto == 17 ? 6 : 0;
        if (off == 0 || p.l4_len < off + 2)
            return;
        l4[off] = 0;
        l4[off + 1] = 0;
        uint16_t c = csum_fold(csum_add(l4_pseudo(&p), l4, p.l4_len));
        if (p.proto == 17 && c == 0)
            c = 0xffff;
        put_be16(l4 + off, c);
    }
}

uint32_t mlx5_model_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *in, uint32_t len)
{
    /* For every set bit of the input (most significant first), XOR in the 32 key bits starting there. */
    uint32_t result = 0;
    uint32_t window = get_be32(key);
    uint32_t next_bit = 32;
    for (uint32_t i = 0; i < len; i++) {
        for (int b = 7; b >= 0; b--) {
            if (in[i] & (1u << b))
                result ^= window;
            uint32_t kb = next_bit < key_len * 8 ? (key[next_bit / 8] >> (7 - next_bit % 8)) & 1u : 0;
            window = (window << 1) | kb;
            next_bit++;
        }
    }
    return result;
}

/* ---- transmit ---- */

static int tx_error(struct mlx5_model *m, struct mlx5_model_sq *sq, uint16_t wqe_index, uint8_t syndrome)
{
    uint8_t cqe[64] = { 0 };
    struct mlx5_err_cqe *e = (struct mlx5_err_cqe *)cqe;
    e->syndrome = syndrome;
    e->vendor_err_synd = 0x51;
    e->s_wqe_opcode_qpn = htobe32(((uint32_t)MLX5_OPCODE_SEND << 24) | sq->qpn);
    e->wqe_counter = htobe16(wqe_index);
    e->op_own = (uint8_t)(MLX5_CQE_REQ_ERR << 4);
    sq->error = 1;
    m->stats.tx_errors++;
    return cq_push(&sq->cq, cqe);
}

/*
 * The bytes a WQE must inline under the vport's minimum inline mode (PRM "min_wqe_inline_mode"; what mlx5e
 * computes in en_tx.c mlx5e_calc_min_inline): L2 the Ethernet header and VLAN tags, IP up to the end of the IP
 * header, transport up to the end of the TCP or UDP header; never more than the frame.
 */
static uint32_t required_inline(const uint8_t *f, uint32_t len, int mode)
{
    uint32_t off = 14;
    uint16_t et = get_be16(f + 12);
    while ((et == 0x8100 || et == 0x88a8) && off + 4 <= len) {
        et = get_be16(f + off + 2);
        off += 4;
    }
    uint32_t need = off;
    if (mode >= MLX5_MODEL_INLINE_IP) {
        uint8_t proto = 0;
        int first = 1;
        if (et == 0x0800 && off + 20 <= len) {
            need = off + (uint32_t)(f[off] & 15) * 4;
            proto = f[off + 9];
            first = (get_be16(f + off + 6) & 0x1fff) == 0;
        } else if (et == 0x86dd && off + 40 <= len) {
            need = off + 40;
            proto = f[off + 6];
        }
        if (mode >= MLX5_MODEL_INLINE_L4 && first) {
            if (proto == 6 && need + 20 <= len)
                need += (uint32_t)(f[need + 12] >> 4) * 4;
            else if (proto == 17 && need + 8 <= len)
                need += 8;
        }
    }
    return need < len ? need : len;
}

/* Whether one half of the BlueFlame register holds the doorbell of the WQE at `index` (the first 8 bytes of its
 * ctrl segment, as post_send_db writes them). */
static int bf_holds(const struct mlx5_model_sq *sq, uint16_t index)
{
    for (uint32_t half = 0; half < 2; half++) {
        const uint8_t *r = sq->bf + half * MLX5_MODEL_BF_SIZE;
        uint32_t opmod_idx_opcode = get_be32(r);
        uint32_t qpn_ds = get_be32(r + 4);
        uint32_t opcode = opmod_idx_opcode & 0xff;
        if ((opcode == MLX5_OPCODE_SEND || opcode == MLX5_OPCODE_TSO) && ((opmod_idx_opcode >> 8) & 0xffff) == index
            && (qpn_ds >> 8) == sq->qpn)
            return 1;
    }
    return 0;
}

/* Executes what one SQ has posted (at most *budget WQEs when budget != NULL). */
/*
 * Large send offload, as the adapter performs it (PRM, "Large Send Offload"; the segmentation Linux's
 * tcp_gso_segment does in software, which mlx5e hands to the adapter): the WQE's inlined headers (Ethernet, IPv4 or
 * IPv6, TCP: exactly these, all of them) are replicated in front of each mss bytes of the payload; in each segment
 * the IPv4 total length is the segment's and the identification the first one's plus the segment's number, or the
 * IPv6 payload length is the segment's (IPv6 has no identification outside a fragment header: ipv6_gso_segment
 * sets only payload_len); the TCP sequence number advanced by the payload before it, CWR kept only in the first
 * segment and FIN and PSH only in the last; the checksums computed (TCP's over the IPv6 pseudo-header, RFC 8200
 * 8.1). A WQE the adapter would refuse fails with the syndrome it would give: headers not wholly inlined, IPv6
 * with an extension header before TCP, no checksum flags or no MSS (local QP operation), a segment above the
 * port MTU (local length). Returns the segments sent, or -syndrome.
 */
static int tso_segment(struct mlx5_model *m, struct mlx5_model_sq *sq, const uint8_t *f, uint32_t len,
                       uint32_t inl, uint32_t mss, uint8_t cs_flags, mlx5_model_frame_fn fn, void *ctx)
{
    struct parsed p;
    if (len < 14 + 20)
        return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
    const int v6 = get_be16(f + 12) == 0x86dd;
    uint32_t ihl;
    if (v6) {
        if (len < 14 + 40 + 20 || (f[14] >> 4) != 6 || f[14 + 6] != 6)
            return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
        ihl = 40;
    } else {
        if (get_be16(f + 12) != 0x0800)
            return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
        ihl = (uint32_t)(f[14] & 15) * 4;
        if ((f[14] >> 4) != 4 || ihl < 20 || f[14 + 9] != 6 || 14 + ihl + 20 > len)
            return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
    }
    uint32_t hdr = 14 + ihl + (uint32_t)(f[14 + ihl + 12] >> 4) * 4;
    if (inl != hdr || hdr > len || mss == 0 || (cs_flags & (MLX5_ETH_WQE_L3_CSUM | MLX5_ETH_WQE_L4_CSUM))
        != (MLX5_ETH_WQE_L3_CSUM | MLX5_ETH_WQE_L4_CSUM))
        return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
    if (hdr + mss > m->cfg.mtu + 18 || hdr + mss > MLX5_MODEL_MAX_FRAME)
        return -MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
    const uint32_t payload = len - hdr;
    const uint16_t id0 = v6 ? 0 : get_be16(f + 14 + 4);
    const uint32_t seq0 = get_be32(f + 14 + ihl + 4);
    const uint8_t flags0 = f[14 + ihl + 13];
    int n = 0;
    m->stats.tx_tso_wqes++;
    for (uint32_t off = 0; off < payload || (payload == 0 && n == 0); off += mss) {
        uint32_t chunk = payload - off < mss ? payload - off : mss;
        int last = off + chunk >= payload;
        uint8_t *seg = m->segment;
        memcpy(seg, f, hdr);
        memcpy(seg + hdr, f + hdr + off, chunk);
        uint8_t *ip = seg + 14;
        uint8_t *tcp = ip + ihl;
        if (v6) {
            put_be16(ip + 4, (uint16_t)(hdr - 14 - 40 + chunk));
        } else {
            put_be16(ip + 2, (uint16_t)(hdr - 14 + chunk));
            put_be16(ip + 4, (uint16_t)(id0 + n));
        }
        put_be32(tcp + 4, seq0 + off);
        uint8_t fl = flags0;
        if (!last)
            fl &= (uint8_t)~0x09; /* FIN, PSH: the last segment's */
        if (n > 0)
            fl &= (uint8_t)~0x80; /* CWR: the first segment's */
        tcp[13] = fl;
        if (parse(seg, hdr + chunk, &p) < 0)
            return -MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
        tx_offload(m, seg, hdr + chunk, cs_flags);
        m->stats.tx_frames++;
        m->stats.tx_bytes += hdr + chunk;
        m->stats.tx_tso_segments++;
        sq->frames++;
        n++;
        if (fn != NULL)
            fn(ctx, seg, hdr + chunk);
        if (payload == 0)
            break;
    }
    return n;
}

static int sq_tx(struct mlx5_model *m, struct mlx5_model_sq *sq, mlx5_model_frame_fn fn, void *ctx)
{
    if (!sq->ready)
        return 0;
    uint16_t pi = (uint16_t)(be32toh(sq->dbrec[MLX5_SND_DBR]) & 0xffff);
    if (pi == (uint16_t)sq->ci)
        return 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    const uint32_t mask = sq->wqe_cnt - 1;
    const uint8_t *ring = sq->wqes;
    if (m->threaded) {
        /* What the adapter reads is what was there when the doorbell record moved: copy it now. (The BlueFlame
         * register may already hold a later doorbell than this record: not checked in this mode.) */
        while ((uint16_t)sq->snap_pi != pi) {
            uint32_t bb = sq->snap_pi & mask;
            memcpy(sq->snap + ((size_t)bb << 6), sq->wqes + ((size_t)bb << 6), 64);
            sq->snap_pi++;
        }
        ring = sq->snap;
    }
    int last_index = -1; /* the index of the last WQE executed: its doorbell must be in the BlueFlame register */
    int frames = 0;
    uint32_t budget = m->tx_budget;
    while ((uint16_t)sq->ci != pi) {
        if (m->tx_budget != 0 && budget-- == 0)
            break;
        const uint8_t *w = ring + ((size_t)(sq->ci & mask) << 6);
        if (m->threaded) {
            /* The driver must not touch a posted WQE before its completion: compare the WQE's first block
             * (ctrl, Ethernet segment, data segment) with its copy at doorbell time. */
            if (memcmp(w, sq->wqes + ((size_t)(sq->ci & mask) << 6), 64) != 0)
                m->stats.tx_wqe_rewritten++;
        }
        uint32_t oio = get_be32(w);
        uint32_t qpn_ds = get_be32(w + 4);
        uint8_t fm_ce_se = w[11];
        uint16_t index = (uint16_t)(oio >> 8);
        uint32_t ds = qpn_ds & 0x3f;
        last_index = index;
        uint32_t bbs = (ds * 16 + 63) / 64;
        if (sq->error) {
            /* After an error every WQE is flushed; one flush completion covers those posted so far. */
            sq->ci += bbs ? bbs : 1;
            if ((uint16_t)sq->ci == pi)
                tx_error(m, sq, index, MLX5_CQE_SYNDROME_WR_FLUSH_ERR);
            continue;
        }
        if (m->inject_tx_syndrome != 0) {
            uint8_t s = m->inject_tx_syndrome;
            m->inject_tx_syndrome = 0;
            sq->ci += bbs ? bbs : 1;
            tx_error(m, sq, index, s);
            continue;
        }
        /* The checks the adapter makes of a WQE: a bad one fails with a local QP operation error. */
        const int tso = (oio & 0xff) == MLX5_OPCODE_TSO && m->cfg.max_tso != 0;
        if (((oio & 0xff) != MLX5_OPCODE_SEND && !tso) || (oio >> 24) != 0 || index != (uint16_t)sq->ci
            || (qpn_ds >> 8) != sq->qpn || ds < 3 || bbs > sq->wqe_cnt) {
            /* A WQE naming another QP than the one whose ring holds it is malformed too. */
            sq->ci += bbs ? bbs : 1;
            tx_error(m, sq, index, MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR);
            continue;
        }
        /* Gather the WQE's 16-byte units, which may wrap round the end of the SQ. */
        uint8_t units[64 * 16];
        for (uint32_t u = 0; u < ds; u++) {
            uint32_t byte = u * 16;
            uint32_t bb = (sq->ci + byte / 64) & mask;
            memcpy(units + byte, ring + ((size_t)bb << 6) + byte % 64, 16);
        }
        const struct mlx5_wqe_eth_seg *eth = (const struct mlx5_wqe_eth_seg *)(units + 16);
        uint32_t inl = be16toh(eth->inline_hdr_sz);
        uint32_t eth_size = inl <= 2 ? 16 : 16 + ((inl - 2 + 15) & ~15u);
        uint32_t len = 0;
        int bad = inl > MLX5_MODEL_MAX_FRAME || 16 + eth_size > ds * 16;
        /* An LSO WQE gathers up to the super-frame limit, every other WQE up to the port MTU. */
        const uint32_t limit = tso ? m->cfg.max_tso : m->cfg.mtu + 18;
        uint32_t gathered = 0;
        if (!bad) {
            memcpy(m->frame, eth->inline_hdr_start, inl);
            len = inl;
        }
        uint8_t syndrome = MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
        for (uint32_t off = 16 + eth_size; !bad && off + 16 <= ds * 16; off += 16) {
            const struct mlx5_wqe_data_seg *dseg = (const struct mlx5_wqe_data_seg *)(units + off);
            uint32_t bc = be32toh(dseg->byte_count);
            uint32_t lkey = be32toh(dseg->lkey);
            uint64_t addr = be64toh(dseg->addr);
            if (bc & MLX5_INLINE_SEG) {
                bad = 1; /* inline data segments: not used by the driver, not modelled */
                break;
            }
            uint8_t *base = m->mr_base;
            if (lkey != m->lkey || addr < (uint64_t)(uintptr_t)base
                || addr + bc > (uint64_t)(uintptr_t)base + m->mr_len) {
                syndrome = MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
                bad = 1;
                break;
            }
            if (len + bc > MLX5_MODEL_MAX_GATHER || len + bc > limit) {
                syndrome = MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
                bad = 1;
                break;
            }
            memcpy(m->frame + len, (const void *)(uintptr_t)addr, bc);
            len += bc;
            gathered++;
        }
        if (gathered > 1)
            m->stats.tx_gather_segs++;
        if (!bad && len < 14) {
            syndrome = MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
            bad = 1;
        }
        if (!bad && inl < required_inline(m->frame, len, m->cfg.inline_mode)) {
            /* The vport's minimum inline mode is not met: the adapter fails the WQE. */
            m->stats.tx_inline_short++;
            bad = 1;
        }
        sq->ci += bbs;
        if (bad) {
            tx_error(m, sq, index, syndrome);
            continue;
        }
        if (tso) {
            int n = tso_segment(m, sq, m->frame, len, inl, be16toh(eth->mss), eth->cs_flags, fn, ctx);
            if (n < 0) {
                tx_error(m, sq, index, (uint8_t)-n);
                continue;
            }
            frames += n;
        } else {
            tx_offload(m, m->frame, len, eth->cs_flags);
            m->stats.tx_frames++;
            m->stats.tx_bytes += len;
            sq->frames++;
            frames++;
            if (fn != NULL)
                fn(ctx, m->frame, len);
        }
        if (fm_ce_se & MLX5_WQE_CTRL_CQ_UPDATE) {
            uint8_t cqe[64] = { 0 };
            struct mlx5_cqe64 *c = (struct mlx5_cqe64 *)cqe;
            c->sop_drop_qpn = htobe32(m->inject_tx_cqe_qpn != 0 ? m->inject_tx_cqe_qpn : sq->qpn);
            m->inject_tx_cqe_qpn = 0;
            c->wqe_counter = htobe16(index);
            c->op_own = (uint8_t)(MLX5_CQE_REQ << 4);
            cq_push(&sq->cq, cqe);
            m->stats.tx_cqes++;
        }
    }
    /* Synchronously, all posted WQEs were executed: the register holds the last one's doorbell (the driver
     * writes the record, then the register). In threaded mode a later doorbell may already be there. */
    if (!m->threaded && last_index >= 0 && (uint16_t)sq->ci == pi && !bf_holds(sq, (uint16_t)last_index))
        m->stats.doorbell_mismatch++;
    return frames;
}

int mlx5_model_tx(struct mlx5_model *m, mlx5_model_frame_fn fn, void *ctx)
{
    /* The SQs in turn, from a different one each call, as the adapter's send scheduler arbitrates between
     * them; tx_budget (threaded mode) bounds each SQ's share of the call. */
    int frames = 0;
    uint32_t n = m->cfg.n_rxq, first = m->tx_rr++ % n;
    if (m->tx_sq >= 0 && (uint32_t)m->tx_sq < n)
        return sq_tx(m, &m->sq[m->tx_sq], fn, ctx);
    for (uint32_t i = 0; i < n; i++)
        frames += sq_tx(m, &m->sq[(first + i) % n], fn, ctx);
    return frames;
}

/* ---- receive ---- */

static void rx_write_plain(struct mlx5_model *m, struct mlx5_model_rq *rq, const struct mlx5_model_pending *pk)
{
    (void)m;
    uint8_t cqe[64] = { 0 };
    struct mlx5_cqe64 *c = (struct mlx5_cqe64 *)cqe;
    put_be32(cqe + 0x0C, pk->hash);
    cqe[0x10] = pk->hash_type;
    c->hds_ip_ext = pk->hds_ip_ext;
    c->l4_hdr_type_etc = pk->l4l3;
    c->byte_cnt = htobe32(pk->len);
    c->wqe_counter = htobe16(pk->wqe_counter);
    c->op_own = (uint8_t)(MLX5_CQE_RESP_SEND << 4);
    cq_push(&rq->cq, cqe);
}

/* A byte that reads as a valid RESP_SEND op_own, on this lap or the next one (chosen at random): what stale
 * memory from two laps ago, or the tail of a byte count, can look like. */
static uint8_t poison_op_own(struct mlx5_model *m, const struct mlx5_model_cq *cq, uint32_t idx)
{
    return (uint8_t)((MLX5_CQE_RESP_SEND << 4) | (cq_owner(cq, idx) ^ (model_rand(m) & 1u)));
}

/*
 * A compressed session of k >= 2 completions (Linux en_rx.c mlx5e_decompress_cqes_*, DPDK mlx5_rx.c): a title
 * CQE (format 3, byte_cnt = k, the other fields those of the session) at index t, mini-CQE arrays of 8 x
 * {be32 rx_hash_result, be32 byte_cnt} at t + 1 and t + 8, t + 16, ...; the session takes indices t .. t + k - 1
 * and the adapter leaves the other slots in that span (the holes) untouched.
 */
static int rx_write_session(struct mlx5_model *m, struct mlx5_model_rq *rq, const struct mlx5_model_pending *pk,
                            uint32_t k)
{
    struct mlx5_model_cq *cq = &rq->cq;
    if (cq->error) {
        cq->lost += k;
        return -EIO;
    }
    if (cq_used(cq) + k > cq->cqe_cnt) {
        cq->overruns++;
        return -ENOSPC;
    }
    const uint32_t t = cq->pi;
    for (uint32_t i = 1; i < k; i++) {
        uint32_t idx = t + i;
        if (i == 1 || i % 8 == 0)
            continue; /* array slots, written below */
        if (m->cfg.poison_holes) {
            uint8_t *s = cq_slot(cq, idx);
            for (int b = 0; b < 63; b++)
                s[b] = (uint8_t)model_rand(m);
            s[63] = poison_op_own(m, cq, idx);
        }
    }
    for (uint32_t a = 0; a * 8 < k; a++) {
        uint32_t idx = t + (a == 0 ? 1 : a * 8);
        uint8_t arr[64];
        for (uint32_t j = 0; j < 8; j++) {
            uint32_t pkt = a * 8 + j;
            if (pkt < k) {
                put_be32(arr + j * 8, pk[pkt].hash);
                put_be32(arr + j * 8 + 4, pk[pkt].len);
            } else {
                uint32_t junk = model_rand(m);
                put_be32(arr + j * 8, junk);
                put_be32(arr + j * 8 + 4, m->cfg.poison_holes ? (junk & 0xffffff00u) | poison_op_own(m, cq, idx)
                                                               : 0);
            }
        }
        memcpy(cq_slot(cq, idx), arr, 64);
    }
    uint8_t cqe[64] = { 0 };
    struct mlx5_cqe64 *c = (struct mlx5_cqe64 *)cqe;
    put_be32(cqe + 0x0C, pk[0].hash);
    cqe[0x10] = pk[0].hash_type;
    c->hds_ip_ext = pk[0].hds_ip_ext;
    c->l4_hdr_type_etc = pk[0].l4l3;
    c->byte_cnt = htobe32(k);
    c->wqe_counter = htobe16(pk[0].wqe_counter);
    uint8_t *title = cq_slot(cq, t);
    memcpy(title, cqe, 63);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&title[63],
                     (uint8_t)((MLX5_CQE_RESP_SEND << 4) | (CQE_FORMAT_COMPRESSED << 2) | cq_owner(cq, t)),
                     __ATOMIC_RELEASE);
    cq->pi = t + k;
    m->stats.rx_sessions++;
    if ((t & (cq->cqe_cnt - 1)) + k > cq->cqe_cnt)
        m->stats.rx_sessions_wrapped++;
    return 0;
}

static void rq_flush(struct mlx5_model *m, struct mlx5_model_rq *rq)
{
    uint32_t i = 0;
    while (i < rq->n_pending) {
        /* The adapter compresses completions whose other fields agree (PRM, CQE compression). */
        uint32_t k = 1;
        while (m->cfg.compression && i + k < rq->n_pending
               && rq->pending[i + k].hds_ip_ext == rq->pending[i].hds_ip_ext
               && rq->pending[i + k].l4l3 == rq->pending[i].l4l3
               && rq->pending[i + k].hash_type == rq->pending[i].hash_type)
            k++;
        if (k >= 2)
            rx_write_session(m, rq, &rq->pending[i], k);
        else
            rx_write_plain(m, rq, &rq->pending[i]);
        i += k;
    }
    rq->n_pending = 0;
}

void mlx5_model_rx_flush(struct mlx5_model *m)
{
    for (uint32_t q = 0; q < m->cfg.n_rxq; q++)
        rq_flush(m, &m->rq[q]);
    check_rx_arms(m);
}

static void rx_error(struct mlx5_model *m, struct mlx5_model_rq *rq, uint16_t wqe_counter, uint8_t syndrome)
{
    rq_flush(m, rq);
    uint8_t cqe[64] = { 0 };
    struct mlx5_err_cqe *e = (struct mlx5_err_cqe *)cqe;
    e->syndrome = syndrome;
    e->vendor_err_synd = 0x68;
    e->wqe_counter = htobe16(wqe_counter);
    e->op_own = (uint8_t)(MLX5_CQE_RESP_ERR << 4);
    cq_push(&rq->cq, cqe);
    m->stats.rx_errors++;
    if (syndrome == MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR || syndrome == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR
        || syndrome == MLX5_CQE_SYNDROME_WR_FLUSH_ERR)
        rq->error = 1;
}

/* The frame's L3 (4, 6 or 0) and L4 (6, 17 or 0: none, or a fragment) for rule matching. */
static void frame_types(const uint8_t *f, uint32_t len, int *l3, int *l4)
{
    struct parsed p;
    *l3 = 0;
    *l4 = 0;
    if (parse(f, len, &p) != 0)
        return;
    *l3 = p.ipv4 ? 4 : 6;
    if (!p.frag && ((p.proto == 6 && p.l4_len >= 20) || (p.proto == 17 && p.l4_len >= 8)))
        *l4 = p.proto;
}

/* Fills the CQE fields of a frame; hashes over `fields` (IBV_RX_HASH_*, 0: none) and returns the queue. */
static uint32_t rx_classify(struct mlx5_model *m, const uint8_t *f, uint32_t len, struct mlx5_model_pending *pk,
                            uint64_t fields)
{
    struct parsed p;
    uint8_t hds = MLX5_CQE_L2_OK;
    uint8_t l4l3 = 0;
    pk->hash = 0;
    pk->hash_type = 0;
    if (parse(f, len, &p) == 0) {
        if (p.ipv4) {
            l4l3 |= MLX5_CQE_L3_HDR_TYPE_IPV4 << 2;
            if (csum_fold(csum_add(0, p.l3, p.l3_len)) == 0)
                hds |= MLX5_CQE_L3_OK;
        } else {
            l4l3 |= MLX5_CQE_L3_HDR_TYPE_IPV6 << 2;
            hds |= MLX5_CQE_L3_OK;
        }
        if (p.frag)
            l4l3 |= 0x80;
        uint8_t l4 = 0;
        if (p.proto == 6 && p.l4_len >= 20)
            l4 = !(p.l4[13] & 0x10) ? 1 : (p.l4_len - (uint32_t)(p.l4[12] >> 4) * 4 == 0 ? 3 : 4);
        else if (p.proto == 17 && p.l4_len >= 8)
            l4 = 2;
        if (p.frag)
            l4 = 0;
        l4l3 |= (uint8_t)(l4 << 4);
        if (l4 != 0 && l4_ok(&p))
            hds |= MLX5_CQE_L4_OK;
        /* The TIR hashes the fields it was created with, over the frame's headers of those types only
         * (ibv_create_qp_ex(3) rx_hash_fields_mask). */
        uint64_t ip_fields = p.ipv4 ? (IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4)
                                    : (IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6);
        uint64_t port_fields = l4 == 2 ? (IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP)
                             : l4 != 0 ? (IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP) : 0;
        if ((fields & ip_fields) == ip_fields) {
            static const uint8_t key[] = JBP_RDMA_RSS_KEY;
            uint8_t in[36];
            uint32_t alen = p.ipv4 ? 4 : 16;
            memcpy(in, p.l3 + (p.ipv4 ? 12 : 8), alen);
            memcpy(in + alen, p.l3 + (p.ipv4 ? 16 : 24), alen);
            uint32_t n = 2 * alen;
            pk->hash_type = (uint8_t)(p.ipv4 ? RSS_HTYPE_IPV4 : RSS_HTYPE_IPV6);
            if (port_fields != 0 && (fields & port_fields) == port_fields) {
                memcpy(in + n, p.l4, 4);
                n += 4;
                pk->hash_type |= (uint8_t)(l4 == 2 ? RSS_HTYPE_UDP : RSS_HTYPE_TCP);
            }
            pk->hash = mlx5_model_toeplitz(key, sizeof(key), in, n);
        }
    }
    pk->hds_ip_ext = hds;
    pk->l4l3 = l4l3;
    if (pk->hash_type != 0)
        return m->ind_table[pk->hash & (m->ind_size - 1)];
    return 0;
}

static int flow_matches(const struct mlx5_model_flow *r, uint64_t dst, int l3, int l4)
{
    return r->active && (dst & r->mask) == (r->mac & r->mask) && (r->l3 == 0 || r->l3 == l3)
        && (r->l4 == 0 || r->l4 == l4);
}

static int rx_deliver(struct mlx5_model *m, const uint8_t *f, uint32_t len, uint64_t fields, int queue0);

int mlx5_model_rx(struct mlx5_model *m, const uint8_t *f, uint32_t len)
{
    if (len < 14)
        return -EINVAL;
    if (len > m->cfg.mtu + 18) {
        m->stats.rx_oversize++;
        return -EMSGSIZE;
    }
    uint64_t dst = 0;
    for (int i = 0; i < 6; i++)
        dst = (dst << 8) | f[i];
    int multicast = (f[0] & 1) != 0;
    if (m->n_flows == 0) {
        /* No rule recorded (a port opened on the model directly): steer as the driver's rules would, own unicast
         * MAC hashed over addresses and ports, multicast and broadcast copied to queue 0. */
        if (!multicast && dst != (m->cfg.mac & 0xffffffffffffull)) {
            m->stats.rx_not_steered++;
            return -ENOENT;
        }
        uint64_t all = IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4 | IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6
            | IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP | IBV_RX_HASH_SRC_PORT_UDP
            | IBV_RX_HASH_DST_PORT_UDP;
        return rx_deliver(m, f, len, !multicast && m->cfg.n_rxq > 1 ? all : 0, multicast);
    }
    /* The flow table: the trapping rule of lowest priority value wins; copy rules deliver and pass the frame on. */
    int l3, l4;
    frame_types(f, len, &l3, &l4);
    const struct mlx5_model_flow *trap = NULL;
    int rc = -ENOENT;
    for (int i = 0; i < MLX5_MODEL_MAX_FLOWS; i++) {
        const struct mlx5_model_flow *r = &m->flows[i];
        if (!flow_matches(r, dst, l3, l4))
            continue;
        if (r->dont_trap) {
            m->stats.rx_copied++;
            rc = rx_deliver(m, f, len, r->hash_fields, r->queue0);
        } else if (trap == NULL || r->priority < trap->priority) {
            trap = r;
        }
    }
    if (trap != NULL)
        return rx_deliver(m, f, len, trap->hash_fields, trap->queue0);
    if (rc == -ENOENT)
        m->stats.rx_not_steered++;
    return rc;
}

static int rx_deliver(struct mlx5_model *m, const uint8_t *f, uint32_t len, uint64_t fields, int queue0)
{
    struct mlx5_model_pending pk;
    uint32_t q = rx_classify(m, f, len, &pk, fields);
    if (queue0)
        q = 0;
    struct mlx5_model_rq *rq = &m->rq[q];
    if (!rq->ready || rq->error) {
        m->stats.rx_errors++;
        return -EIO;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint16_t posted = (uint16_t)((be32toh(rq->dbrec[MLX5_RCV_DBR]) & 0xffff) - (uint16_t)rq->ci);
    if (posted == 0 || posted > rq->wqe_cnt) {
        m->stats.rx_out_of_buffer++;
        return -ENOBUFS;
    }
    const struct mlx5_wqe_data_seg *w = &rq->wqes[rq->ci & (rq->wqe_cnt - 1)];
    if (m->threaded) {
        uint16_t rpi = (uint16_t)(be32toh(rq->dbrec[MLX5_RCV_DBR]) & 0xffff);
        while ((uint16_t)m->rq_snap_pi[q] != rpi) {
            uint32_t slot = m->rq_snap_pi[q] & (rq->wqe_cnt - 1);
            m->rq_snap[q][slot] = rq->wqes[slot];
            m->rq_snap_pi[q]++;
        }
        const struct mlx5_wqe_data_seg *snap = &m->rq_snap[q][rq->ci & (rq->wqe_cnt - 1)];
        if (memcmp(snap, w, sizeof(*w)) != 0)
            m->stats.rx_wqe_rewritten++;
        w = snap;
    }
    uint16_t wqe_counter = (uint16_t)rq->ci;
    rq->ci++;
    uint32_t bc = be32toh(w->byte_count);
    uint32_t lkey = be32toh(w->lkey);
    uint64_t addr = be64toh(w->addr);
    if (m->inject_rx_syndrome != 0) {
        uint8_t s = m->inject_rx_syndrome;
        m->inject_rx_syndrome = 0;
        rx_error(m, rq, wqe_counter, s);
        return (int)q;
    }
    if (lkey != m->lkey || addr < (uint64_t)(uintptr_t)m->mr_base
        || addr + bc > (uint64_t)(uintptr_t)m->mr_base + m->mr_len) {
        rx_error(m, rq, wqe_counter, MLX5_CQE_SYNDROME_LOCAL_PROT_ERR);
        return (int)q;
    }
    if (len > bc) {
        rx_error(m, rq, wqe_counter, MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR);
        return (int)q;
    }
    memcpy((void *)(uintptr_t)addr, f, len);
    pk.len = len;
    pk.wqe_counter = (uint16_t)(wqe_counter + m->inject_rx_wqe_skew);
    m->inject_rx_wqe_skew = 0;
    m->stats.rx_frames++;
    m->stats.rx_bytes += len;
    rq->pending[rq->n_pending++] = pk;
    if (!m->cfg.compression || rq->n_pending >= m->cfg.max_session)
        rq_flush(m, rq);
    return (int)q;
}

struct wire_ctx {
    struct mlx5_model *to;
    int moved;
};

static void wire_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
    struct wire_ctx *w = ctx;
    mlx5_model_rx(w->to, frame, len);
    w->moved++;
}

int mlx5_model_wire(struct mlx5_model *a, struct mlx5_model *b)
{
    struct wire_ctx ab = { .to = b, .moved = 0 };
    struct wire_ctx ba = { .to = a, .moved = 0 };
    mlx5_model_tx(a, wire_deliver, &ab);
    mlx5_model_tx(b, wire_deliver, &ba);
    mlx5_model_rx_flush(a);
    mlx5_model_rx_flush(b);
    return ab.moved + ba.moved;
}

/* ---- the port on the model: backend operations ---- */

static struct mlx5_model *model_of(struct jbp_rdma_port *p)
{
    return p->backend_data;
}

static void cmd_lock(struct mlx5_model *m)
{
    if (m->lock != NULL)
        pthread_mutex_lock(m->lock);
}

static void cmd_unlock(struct mlx5_model *m)
{
    if (m->lock != NULL)
        pthread_mutex_unlock(m->lock);
}

enum { MS_RESET, MS_READY, MS_ERR };
static const char *const ms_name[] = { "RESET", "RTS/RDY", "ERR" };

/* The modify command's check (PRM modify_sq / modify_rq: the current state given must be the actual one). */
static int check_current(struct mlx5_model *m, struct jbp_rdma_port *p, const char *what, int actual, int claimed)
{
    if (actual == claimed)
        return 0;
    m->stats.bad_transitions++;
    jbp_port_seterr(p, "mlx5 model: %s reset refused: the driver named %s as its current state, it is %s", what,
                    ms_name[claimed], ms_name[actual]);
    return -EINVAL;
}

static int model_txq_stop_locked(struct jbp_rdma_port *p, uint32_t q)
{
    struct mlx5_model *m = model_of(p);
    struct mlx5_model_sq *sq = &m->sq[q];
    int rc = check_current(m, p, "send QP", sq->error ? MS_ERR : sq->ready ? MS_READY : MS_RESET,
                           p->txq[q].hw_err ? MS_ERR : MS_READY);
    if (rc != 0)
        return rc;
    sq->snap_pi = 0;
    /* RESET: the SQ forgets its WQEs and counters; rdma-core zeroes the doorbell record (mlx5_modify_qp). */
    sq->ready = 0;
    sq->error = 0;
    sq->ci = 0;
    sq->dbrec[MLX5_SND_DBR] = 0;
    sq->dbrec[MLX5_RCV_DBR] = 0;
    return 0;
}

static int model_txq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    cmd_lock(model_of(p));
    int rc = model_txq_stop_locked(p, q);
    cmd_unlock(model_of(p));
    return rc;
}

static int model_txq_start(struct jbp_rdma_port *p, uint32_t q)
{
    struct mlx5_model *m = model_of(p);
    struct mlx5_model_sq *sq = &m->sq[q];
    int rc = 0;
    cmd_lock(m);
    if (sq->ready || sq->error) {
        /* RESET -> INIT -> RTR -> RTS only: RTS -> INIT is not a transition. */
        m->stats.bad_transitions++;
        jbp_port_seterr(p, "mlx5 model: send QP start refused: it is not in RESET");
        rc = -EINVAL;
    } else {
        sq->ready = 1;
    }
    cmd_unlock(m);
    return rc;
}

static int model_rxq_stop_locked(struct jbp_rdma_port *p, uint32_t q)
{
    struct mlx5_model_rq *rq = &model_of(p)->rq[q];
    int rc = check_current(model_of(p), p, "receive WQ", rq->error ? MS_ERR : rq->ready ? MS_READY : MS_RESET,
                           p->rxq[q].hw_err ? MS_ERR : MS_READY);
    if (rc != 0)
        return rc;
    model_of(p)->rq_snap_pi[q] = 0;
    rq->ready = 0;
    rq->error = 0;
    rq->ci = 0;
    rq->n_pending = 0;
    return 0;
}

static int model_rxq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    cmd_lock(model_of(p));
    int rc = model_rxq_stop_locked(p, q);
    cmd_unlock(model_of(p));
    return rc;
}

static int model_rxq_start(struct jbp_rdma_port *p, uint32_t q)
{
    struct mlx5_model_rq *rq = &model_of(p)->rq[q];
    int rc = 0;
    cmd_lock(model_of(p));
    if (rq->ready || rq->error) {
        model_of(p)->stats.bad_transitions++;
        jbp_port_seterr(p, "mlx5 model: receive WQ %u start refused: it is not in RESET", q);
        rc = -EINVAL;
    } else {
        /* RESET -> RDY: rdma-core zeroes the record here (verbs.c mlx5_modify_wq). */
        rq->dbrec[MLX5_RCV_DBR] = 0;
        rq->ready = 1;
    }
    cmd_unlock(model_of(p));
    return rc;
}

static int model_set_mac(struct jbp_rdma_port *p, uint64_t mac)
{
    cmd_lock(model_of(p));
    model_of(p)->cfg.mac = mac;
    cmd_unlock(model_of(p));
    return 0;
}

/* As the device path does (jbp_rdma_device.c dev_await): arm every receive CQ, return if one already has an
 * entry, else wait for a completion event or a wakeup on the model's channel. */
static int model_await(struct jbp_rdma_port *p, int64_t timeout_ns)
{
    struct mlx5_model *m = model_of(p);
    if (timeout_ns <= 0)
        return 0;
    int ready = 0;
    for (uint32_t q = 0; q < p->n_rxq; q++) {
        jbp_dv_cq_arm(&p->rxq[q].cq);
        ready |= jbp_dv_cq_ready(&p->rxq[q].cq);
    }
    /* The adapter evaluates an arm as it arrives: an entry already past the armed index raises the event. */
    cmd_lock(m);
    check_rx_arms(m);
    cmd_unlock(m);
    if (!ready) {
        struct pollfd fd = { .fd = m->event_fd, .events = POLLIN };
        poll(&fd, 1, (int)((timeout_ns + 999999) / 1000000));
    }
    uint64_t v;
    if (read(m->event_fd, &v, sizeof(v)) < 0)
        v = 0;
    /* One event per arm: the next arm of a CQ that raised one takes the next sequence number
     * (rdma-core mlx5_cq_event). */
    cmd_lock(m);
    for (uint32_t q = 0; q < p->n_rxq; q++) {
        uint64_t ev = m->rq[q].cq.events;
        p->rxq[q].cq.arm_sn += (uint32_t)(ev - m->seen_events[q]);
        m->seen_events[q] = ev;
    }
    cmd_unlock(m);
    return 0;
}

static int model_wakeup(struct jbp_rdma_port *p)
{
    uint64_t one = 1;
    return write(model_of(p)->event_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

static void model_quiesce(struct jbp_rdma_port *p)
{
    struct mlx5_model *m = model_of(p);
    cmd_lock(m);
    for (uint32_t q = 0; q < m->cfg.n_rxq; q++) {
        m->sq[q].ready = 0;
        m->rq[q].ready = 0;
    }
    cmd_unlock(m);
}

static void model_destroy(struct jbp_rdma_port *p)
{
    struct mlx5_model *m = model_of(p);
    if (m != NULL && m->port == p)
        m->port = NULL;
    jbp_port_free(p);
}

static const struct jbp_rdma_backend model_backend = {
    .name = "mlx5-model",
    .txq_stop = model_txq_stop,
    .txq_start = model_txq_start,
    .rxq_stop = model_rxq_stop,
    .rxq_start = model_rxq_start,
    .set_mac = model_set_mac,
    .poll_events = NULL,
    .await = model_await,
    .wakeup = model_wakeup,
    .quiesce = model_quiesce,
    .destroy = model_destroy,
};

struct jbp_rdma_port *mlx5_model_open_port(struct mlx5_model *m, uint8_t *base, uint32_t buf_size, uint32_t count)
{
    if (m->port != NULL)
        return NULL;
    struct jbp_rdma_port *p = jbp_port_alloc(m->cfg.n_rxq, m->cfg.rx_size, m->cfg.tx_size);
    if (p == NULL)
        return NULL;
    m->mr_base = base;
    m->mr_len = (uint64_t)buf_size * count;
    p->backend = &model_backend;
    p->backend_data = m;
    p->pool = (struct jbp_rdma_pool){ .base = base, .buf_size = buf_size, .count = count, .lkey = m->lkey };
    p->mac = m->cfg.mac;
    p->mtu = m->cfg.mtu;
    jbp_port_set_mode(p, JBP_RDMA_MODE_DV);
    p->status[JBP_ST_PORT_STATE] = IBV_PORT_ACTIVE;
    p->status[JBP_ST_CAPABILITIES] = 1u | 2u | (m->cfg.n_rxq > 1 ? 16u : 0u) | (m->cfg.csum ? (4u | 8u) : 0u);
    int rc = 0;
    for (uint32_t q = 0; rc == 0 && q < m->cfg.n_rxq; q++) {
        struct mlx5_model_sq *sq = &m->sq[q];
        struct jbp_dv_txq_rings tr = {
            .sq_buf = sq->wqes, .sq_wqe_cnt = sq->wqe_cnt, .sq_stride = 64, .qp_dbrec = sq->dbrec,
            .bf_reg = sq->bf, .bf_size = MLX5_MODEL_BF_SIZE, .qpn = sq->qpn,
            .cq_buf = sq->cq.buf, .cq_dbrec = sq->cq.dbrec, .cqe_cnt = sq->cq.cqe_cnt, .cqe_size = 64,
            .cq_uar = sq->cq.uar, .cqn = 0x80 + q,
        };
        rc = jbp_dv_txq_setup(p, q, &tr, m->cfg.tx_size);
        p->txq[q].csum = m->cfg.csum;
        jbp_dv_txq_set_tso(p, q, m->cfg.max_tso);
    }
    if (m->cfg.max_tso != 0 && m->cfg.csum)
        p->status[JBP_ST_CAPABILITIES] |= JBP_CAP_TX_TCP_SEGMENTATION | JBP_CAP_TX_TCP6_SEGMENTATION;
    for (uint32_t q = 0; rc == 0 && q < m->cfg.n_rxq; q++) {
        struct mlx5_model_rq *rq = &m->rq[q];
        struct jbp_dv_rxq_rings rr = {
            .wq_buf = rq->wqes, .wqe_cnt = rq->wqe_cnt, .stride = 16, .wq_dbrec = rq->dbrec,
            .cq_buf = rq->cq.buf, .cq_dbrec = rq->cq.dbrec, .cqe_cnt = rq->cq.cqe_cnt, .cqe_size = 64,
            .cq_uar = rq->cq.uar, .cqn = 0x100 + q,
        };
        rc = jbp_dv_rxq_setup(p, q, &rr, m->cfg.rx_size);
    }
    if (rc != 0) {
        jbp_port_free(p);
        return NULL;
    }
    m->port = p;
    return p;
}

/* ---- the hardware thread ---- */

struct mlx5_model_hw {
    pthread_t thread;
    pthread_mutex_t lock;
    int stop;
    uint32_t rng;
    uint32_t max_spin;
    struct mlx5_model *m[2];
    uint64_t steps;
};

static uint32_t hw_rand(struct mlx5_model_hw *hw)
{
    uint32_t x = hw->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    hw->rng = x;
    return x;
}

static void hw_step(struct mlx5_model_hw *hw, uint32_t action)
{
    struct mlx5_model *from = hw->m[action & 1], *to = hw->m[(action & 1) ^ 1];
    if ((action >> 1) % 3 != 0) {
        /* Execute 1..64 send WQEs of one side; their frames arrive at the other (completions may wait). */
        struct wire_ctx w = { .to = to, .moved = 0 };
        /* One SQ, picked at random, so that the SQs are served in any order: nothing but the driver keeps the
         * frames of two send queues in the order they were posted (the PRM promises order within one SQ only). */
        from->tx_budget = 1 + hw_rand(hw) % 64;
        from->tx_sq = (int32_t)(hw_rand(hw) % from->cfg.n_rxq);
        mlx5_model_tx(from, wire_deliver, &w);
        from->tx_budget = 0;
        from->tx_sq = -1;
    } else {
        /* Write the receive completions a side has gathered (a compressed session closes here). */
        mlx5_model_rx_flush(to);
    }
}

static void *hw_main(void *arg)
{
    struct mlx5_model_hw *hw = arg;
    while (!__atomic_load_n(&hw->stop, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&hw->lock);
        hw_step(hw, hw_rand(hw));
        check_rx_arms(hw->m[0]);
        check_rx_arms(hw->m[1]);
        pthread_mutex_unlock(&hw->lock);
        hw->steps++;
        uint32_t r = hw_rand(hw);
        if ((r & 15) == 0) {
            sched_yield();
        } else {
            volatile uint32_t spin = 0;
            uint32_t n = hw->max_spin != 0 ? (r >> 4) % hw->max_spin : 0;
            while (spin < n)
                spin++;
        }
    }
    /* Everything posted is executed and completed before the thread ends. */
    pthread_mutex_lock(&hw->lock);
    for (int round = 0; round < 4; round++) {
        mlx5_model_wire(hw->m[0], hw->m[1]);
    }
    pthread_mutex_unlock(&hw->lock);
    return NULL;
}

int mlx5_model_snapshot_mode(struct mlx5_model *m)
{
    for (uint32_t q = 0; q < m->cfg.n_rxq; q++) {
        struct mlx5_model_sq *sq = &m->sq[q];
        if (sq->snap == NULL)
            sq->snap = zalloc((size_t)sq->wqe_cnt * 64);
        if (sq->snap == NULL)
            return -ENOMEM;
        /* Start from the present: what is posted now was posted before the thread (it copies it at once). */
        sq->snap_pi = sq->ci;
    }
    for (uint32_t q = 0; q < m->cfg.n_rxq; q++) {
        if (m->rq_snap[q] == NULL)
            m->rq_snap[q] = zalloc((size_t)m->rq[q].wqe_cnt * sizeof(struct mlx5_wqe_data_seg));
        if (m->rq_snap[q] == NULL)
            return -ENOMEM;
        for (uint32_t i = 0; i < m->rq[q].wqe_cnt; i++)
            m->rq_snap[q][i] = m->rq[q].wqes[i];
        m->rq_snap_pi[q] = be32toh(m->rq[q].dbrec[MLX5_RCV_DBR]) & 0xffff;
    }
    m->threaded = 1;
    return 0;
}

struct mlx5_model_hw *mlx5_model_hw_start(struct mlx5_model *a, struct mlx5_model *b, uint32_t seed,
                                          uint32_t max_spin)
{
    struct mlx5_model_hw *hw = calloc(1, sizeof(*hw));
    if (hw == NULL)
        return NULL;
    hw->rng = seed != 0 ? seed : 0x2545f491u;
    hw->max_spin = max_spin;
    hw->m[0] = a;
    hw->m[1] = b;
    pthread_mutex_init(&hw->lock, NULL);
    for (int i = 0; i < 2; i++) {
        if (mlx5_model_snapshot_mode(hw->m[i]) != 0)
            goto fail;
        hw->m[i]->lock = &hw->lock;
    }
    if (pthread_create(&hw->thread, NULL, hw_main, hw) != 0)
        goto fail;
    return hw;
fail:
    for (int i = 0; i < 2; i++) {
        hw->m[i]->lock = NULL;
        hw->m[i]->threaded = 0;
    }
    pthread_mutex_destroy(&hw->lock);
    free(hw);
    return NULL;
}

uint64_t mlx5_model_hw_stop(struct mlx5_model_hw *hw)
{
    __atomic_store_n(&hw->stop, 1, __ATOMIC_RELEASE);
    pthread_join(hw->thread, NULL);
    for (int i = 0; i < 2; i++) {
        hw->m[i]->lock = NULL;
        hw->m[i]->threaded = 0;
    }
    pthread_mutex_destroy(&hw->lock);
    uint64_t steps = hw->steps;
    free(hw);
    return steps;
}
