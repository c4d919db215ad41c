/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plain verbs datapath, for adapters (or configurations) without mlx5 Direct Verbs: ibv_post_wq_recv,
 * ibv_post_send and ibv_poll_cq. These are inline in rdma-core's verbs.h and dispatch through the objects'
 * context ops, so this file needs no libibverbs symbol and works with the library loaded by dlopen.
 *
 * Unlike VPP's verbs path (src/plugins/rdma/input.c, output.c), every completion's status is checked: a failed
 * receive completion drops its frame and recycles the buffer, a failed send completion puts the queue in the
 * error state that jbp_rdma_port.c recovers from.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_rdma.h"

/* Completions taken from a CQ per ibv_poll_cq call. */
#define JBP_IBV_WC_BATCH 64

void jbp_ibv_rxq_free(struct jbp_rdma_rxq *q)
{
    free(q->ibv.wr);
    free(q->ibv.sge);
    free(q->ibv.wc);
    q->ibv.wr = NULL;
    q->ibv.sge = NULL;
    q->ibv.wc = NULL;
}

void jbp_ibv_txq_free(struct jbp_rdma_txq *q)
{
    free(q->ibv.wr);
    free(q->ibv.sge);
    free(q->ibv.wc);
    q->ibv.wr = NULL;
    q->ibv.sge = NULL;
    q->ibv.wc = NULL;
}

int jbp_ibv_rxq_setup(struct jbp_rdma_port *p, uint32_t q, struct ibv_wq *wq, struct ibv_cq *cq, uint32_t size)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    if (size == 0 || (size & (size - 1)) != 0)
        return -EINVAL;
    jbp_ibv_rxq_free(r);
    free(r->bufs);
    r->bufs = calloc(size, sizeof(uint32_t));
    r->ibv.wr = calloc(size, sizeof(struct ibv_recv_wr));
    r->ibv.sge = calloc(size, sizeof(struct ibv_sge));
    r->ibv.wc = calloc(JBP_IBV_WC_BATCH, sizeof(struct ibv_wc));
    if (r->bufs == NULL || r->ibv.wr == NULL || r->ibv.sge == NULL || r->ibv.wc == NULL)
        return -ENOMEM;
    r->ibv.wq = wq;
    r->ibv.cq = cq;
    r->size = size;
    r->mask = size - 1;
    r->pi = 0;
    r->ci = 0;
    r->state = JBP_Q_OK;
    r->st[JBP_RXQ_STATE] = JBP_Q_OK;
    return 0;
}

int jbp_ibv_txq_setup(struct jbp_rdma_port *p, uint32_t q, struct ibv_qp *qp, struct ibv_cq *cq, uint32_t size,
                      int ip_csum)
{
    if (q >= p->n_txq)
        return -EINVAL;
    struct jbp_rdma_txq *t = &p->txq[q];
    if (size == 0 || (size & (size - 1)) != 0)
        return -EINVAL;
    jbp_ibv_txq_free(t);
    free(t->bufs);
    t->bufs = calloc(size, sizeof(uint32_t));
    t->ibv.wr = calloc(size, sizeof(struct ibv_send_wr));
    t->ibv.sge = calloc(size, sizeof(struct ibv_sge));
    t->ibv.wc = calloc(JBP_IBV_WC_BATCH, sizeof(struct ibv_wc));
    if (t->bufs == NULL || t->ibv.wr == NULL || t->ibv.sge == NULL || t->ibv.wc == NULL)
        return -ENOMEM;
    t->ibv.qp = qp;
    t->ibv.cq = cq;
    t->ibv.ip_csum = ip_csum;
    t->csum = ip_csum;
    t->size = size;
    t->mask = size - 1;
    t->limit = size;
    t->pi = 0;
    t->ci = 0;
    t->max_frame = jbp_port_max_frame(p);
    t->state = JBP_Q_OK;
    t->st[JBP_TXQ_STATE] = JBP_Q_OK;
    return 0;
}

static inline uint64_t buf_addr(const struct jbp_rdma_pool *pool, uint32_t b)
{
    return (uint64_t)(uintptr_t)(pool->base + (size_t)b * pool->buf_size);
}

/* Appends a receive WR for buffer b to the list being built (wr_id names the buffer). */
static inline void rx_stage(struct jbp_rdma_rxq *r, const struct jbp_rdma_pool *pool, uint32_t b, uint32_t *staged)
{
    uint32_t i = *staged;
    struct ibv_sge *s = &r->ibv.sge[i];
    struct ibv_recv_wr *w = &r->ibv.wr[i];
    s->addr = buf_addr(pool, b);
    s->length = pool->buf_size;
    s->lkey = pool->lkey;
    w->wr_id = b;
    w->sg_list = s;
    w->num_sge = 1;
    w->next = NULL;
    if (i > 0)
        r->ibv.wr[i - 1].next = w;
    r->bufs[r->pi & r->mask] = b;
    r->pi++;
    *staged = i + 1;
}

/* Posts the staged WRs; what the provider refuses goes back to Java and the ring stays that much shorter. */
static int rx_post_staged(struct jbp_rdma_port *p, struct jbp_rdma_rxq *r, uint32_t staged)
{
    if (staged == 0)
        return 0;
    struct ibv_recv_wr *bad = NULL;
    int rc = ibv_post_wq_recv(r->ibv.wq, r->ibv.wr, &bad);
    if (rc == 0)
        return 0;
    uint32_t posted = bad != NULL ? (uint32_t)(bad - r->ibv.wr) : 0;
    for (uint32_t i = posted; i < staged; i++)
        jbp_port_reclaim(p, (uint32_t)r->ibv.wr[i].wr_id);
    r->pi -= staged - posted;
    r->st[JBP_RXQ_POST_ERRORS]++;
    jbp_port_seterr(p, "ibv_post_wq_recv failed: %s", strerror(rc));
    return -rc;
}

static int rxq_fill(struct jbp_rdma_port *p, uint32_t q, const uint32_t *buffers, uint32_t n)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    uint32_t staged = 0;
    if (n > r->size - (r->pi - r->ci))
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++)
        rx_stage(r, &p->pool, buffers[i], &staged);
    return rx_post_staged(p, r, staged);
}

static inline int rx_fatal_status(enum ibv_wc_status s)
{
    /* The statuses that leave the WQ in the error state (the verbs names of the mlx5 syndromes that Linux
     * en/health.h cqe_syndrome_needs_recover lists). */
    return s == IBV_WC_LOC_QP_OP_ERR || s == IBV_WC_LOC_PROT_ERR || s == IBV_WC_WR_FLUSH_ERR;
}

static int rx_burst(struct jbp_rdma_port *p, uint32_t q, struct jbp_desc *d, uint32_t cap)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    const struct jbp_rdma_pool *pool = &p->pool;
    uint32_t n = 0;
    uint32_t staged = 0;
    int stop = 0;

    while (!stop && n < cap) {
        /* Never take more completions than there are armed buffers to put in their place: a polled completion
         * cannot be put back. */
        uint32_t armed = 0;
        while (armed < JBP_IBV_WC_BATCH && n + armed < cap && d[n + armed].buffer < pool->count)
            armed++;
        if (armed == 0)
            break;
        int got = ibv_poll_cq(r->ibv.cq, (int)armed, r->ibv.wc);
        if (got < 0) {
            r->st[JBP_RXQ_CQE_ERRORS]++;
            r->state = JBP_Q_ERROR;
            r->st[JBP_RXQ_STATE] = JBP_Q_ERROR;
            jbp_port_seterr(p, "receive queue %u: ibv_poll_cq failed (%d)", q, got);
            break;
        }
        for (int i = 0; i < got; i++) {
            const struct ibv_wc *wc = &r->ibv.wc[i];
            uint32_t b = (uint32_t)wc->wr_id;
            if (r->ci == r->pi || b != r->bufs[r->ci & r->mask]) {
                /* Completions of a WQ come in posting order (rdma-core mlx5 takes them from the RQ tail); a
                 * completion that does not match is a broken ring, not a frame. */
                r->st[JBP_RXQ_CQE_ERRORS]++;
                r->state = JBP_Q_ERROR;
                r->st[JBP_RXQ_STATE] = JBP_Q_ERROR;
                jbp_port_seterr(p, "receive queue %u: completion for buffer %u out of order (expected %u)", q, b,
                                r->ci != r->pi ? r->bufs[r->ci & r->mask] : JBP_NO_BUFFER);
                stop = 1;
                break;
            }
            r->ci++;
            if (wc->status != IBV_WC_SUCCESS) {
                r->st[JBP_RXQ_CQE_ERRORS]++;
                r->st[JBP_RXQ_DROPS]++;
                r->st[JBP_RXQ_LAST_SYNDROME] = ((uint64_t)(wc->vendor_err & 0xff) << 8) | (uint64_t)wc->status;
                rx_stage(r, pool, b, &staged);
                if (rx_fatal_status(wc->status)) {
                    r->state = JBP_Q_ERROR;
                    r->hw_err = 1;
                    r->st[JBP_RXQ_STATE] = JBP_Q_ERROR;
                    jbp_port_seterr(p, "receive queue %u: ibv_poll_cq completion status %d (%s), vendor error "
                                    "0x%x", q, (int)wc->status, jbp_ibv_status_str(wc->status), wc->vendor_err);
                    stop = 1;
                    break;
                }
                continue;
            }
            uint32_t len = wc->byte_len;
            if (len < 14 || len > pool->buf_size) {
                r->st[JBP_RXQ_DROPS]++;
                rx_stage(r, pool, b, &staged);
                continue;
            }
            rx_stage(r, pool, d[n].buffer, &staged);
            /* rdma-core sets IBV_WC_IP_CSUM_OK for IPv4 with both the L3 and the L4 OK bits (mlx5 cq.c). */
            uint32_t flags = (wc->wc_flags & IBV_WC_IP_CSUM_OK) ? (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK) : 0;
            d[n] = (struct jbp_desc){ .buffer = b, .length = len, .flags = flags, .hash = 0 };
            r->st[JBP_RXQ_PACKETS]++;
            r->st[JBP_RXQ_BYTES] += len;
            n++;
        }
        if (got < (int)armed)
            break;
    }
    rx_post_staged(p, r, staged);
    return (int)n;
}

static void tx_release(struct jbp_rdma_port *p, struct jbp_rdma_txq *t, uint32_t done)
{
    for (uint32_t i = 0; i < done; i++)
        jbp_port_reclaim(p, t->bufs[(t->ci + i) & t->mask]);
    t->ci += done;
    jbp_txq_done(t, done); /* one descriptor per WQE: verbs mode sends no chains */
}

static int tx_reap(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    uint32_t freed = 0;
    for (;;) {
        int got = ibv_poll_cq(t->ibv.cq, JBP_IBV_WC_BATCH, t->ibv.wc);
        if (got < 0) {
            t->st[JBP_TXQ_CQE_ERRORS]++;
            t->state = JBP_Q_ERROR;
            t->st[JBP_TXQ_STATE] = JBP_Q_ERROR;
            jbp_port_seterr(p, "send queue %u: ibv_poll_cq failed (%d)", q, got);
            break;
        }
        for (int i = 0; i < got; i++) {
            const struct ibv_wc *wc = &t->ibv.wc[i];
            /* wr_id is the free-running index of the WR; a completion covers it and every unsignaled WR
             * before it. */
            uint32_t done = (uint32_t)wc->wr_id - t->ci + 1u;
            if (done > t->pi - t->ci) {
                t->st[JBP_TXQ_CQE_ERRORS]++;
                t->state = JBP_Q_ERROR;
                t->st[JBP_TXQ_STATE] = JBP_Q_ERROR;
                jbp_port_seterr(p, "send queue %u: completion for WR %u, not in flight (%u..%u)", q,
                                (uint32_t)wc->wr_id, t->ci, t->pi);
                continue;
            }
            tx_release(p, t, done);
            freed += done;
            if (wc->status != IBV_WC_SUCCESS) {
                t->st[JBP_TXQ_CQE_ERRORS]++;
                t->st[JBP_TXQ_LAST_SYNDROME] = ((uint64_t)(wc->vendor_err & 0xff) << 8) | (uint64_t)wc->status;
                t->state = JBP_Q_ERROR;
                t->hw_err = 1; /* a work request in error moves the QP to ERR (ibv_post_send(3)) */
                t->st[JBP_TXQ_STATE] = JBP_Q_ERROR;
                jbp_port_seterr(p, "send queue %u: ibv_poll_cq completion status %d (%s), vendor error 0x%x", q,
                                (int)wc->status, jbp_ibv_status_str(wc->status), wc->vendor_err);
            }
        }
        if (got < JBP_IBV_WC_BATCH)
            break;
    }
    return (int)freed;
}

static int tx_burst(struct jbp_rdma_port *p, uint32_t q, const struct jbp_desc *d, uint32_t count)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    const struct jbp_rdma_pool *pool = &p->pool;
    uint32_t accepted = 0;
    uint32_t staged = 0;
    uint64_t bytes = 0;
    const uint32_t pi0 = t->pi;

    tx_reap(p, q);
    if (t->state != JBP_Q_OK)
        return 0;

    for (; accepted < count; accepted++) {
        const struct jbp_desc *f = &d[accepted];
        if (f->flags & (JBP_DESC_CONTINUES | JBP_GSO_TYPE_MASK)) {
            const uint32_t first = accepted;
            /* Verbs mode offers neither LSO nor gather (no TX_TCP_SEGMENTATION: the stack segments TCP itself), so
             * a chain or a super-frame breaks the Link contract: the whole chain is accepted and dropped. */
            while (accepted + 1 < count && (d[accepted].flags & JBP_DESC_CONTINUES)) {
                if (d[accepted].buffer < pool->count)
                    jbp_port_reclaim(p, d[accepted].buffer);
                accepted++;
            }
            if (d[accepted].buffer < pool->count)
                jbp_port_reclaim(p, d[accepted].buffer);
            t->st[JBP_TXQ_DROPS]++;
            jbp_txq_done(t, accepted + 1 - first);
            continue;
        }
        if (f->buffer >= pool->count || f->length < JBP_RDMA_MIN_FRAME || f->length > pool->buf_size
            || f->length > t->max_frame) {
            if (f->buffer < pool->count)
                jbp_port_reclaim(p, f->buffer);
            t->st[JBP_TXQ_DROPS]++;
            jbp_txq_done(t, 1);
            continue;
        }
        if (t->pi - t->ci >= t->limit) {
            t->st[JBP_TXQ_RING_FULL] += count - accepted;
            break;
        }
        struct ibv_sge *s = &t->ibv.sge[staged];
        struct ibv_send_wr *w = &t->ibv.wr[staged];
        s->addr = buf_addr(pool, f->buffer);
        s->length = f->length;
        s->lkey = pool->lkey;
        memset(w, 0, sizeof(*w));
        w->wr_id = t->pi;
        w->sg_list = s;
        w->num_sge = 1;
        w->opcode = IBV_WR_SEND;
        if ((t->pi & (JBP_RDMA_TX_SIGNAL_EVERY - 1)) == JBP_RDMA_TX_SIGNAL_EVERY - 1)
            w->send_flags |= IBV_SEND_SIGNALED;
        if (t->ibv.ip_csum && (f->flags & (JBP_TX_L3_CSUM | JBP_TX_L4_CSUM)))
            w->send_flags |= IBV_SEND_IP_CSUM;
        if (staged > 0)
            t->ibv.wr[staged - 1].next = w;
        t->bufs[t->pi & t->mask] = f->buffer;
        t->pi++;
        staged++;
        bytes += f->length;
    }
    if (staged == 0)
        return (int)accepted;
    t->ibv.wr[staged - 1].send_flags |= IBV_SEND_SIGNALED;
    struct ibv_send_wr *bad = NULL;
    int rc = ibv_post_send(t->ibv.qp, t->ibv.wr, &bad);
    uint32_t posted = staged;
    if (rc != 0) {
        /* What the provider refused is dropped (it was accepted): count it and hand the buffers back. The
         * queue is probably in the error state; recovery runs before the next burst. */
        posted = bad != NULL ? (uint32_t)(bad - t->ibv.wr) : 0;
        for (uint32_t i = posted; i < staged; i++) {
            uint32_t b = t->bufs[(pi0 + i) & t->mask];
            jbp_port_reclaim(p, b);
            bytes -= t->ibv.sge[i].length;
        }
        t->pi = pi0 + posted;
        t->st[JBP_TXQ_DROPS] += staged - posted;
        jbp_txq_done(t, staged - posted);
        t->st[JBP_TXQ_POST_ERRORS]++;
        t->state = JBP_Q_ERROR;
        t->st[JBP_TXQ_STATE] = JBP_Q_ERROR;
        /* If the last posted WR asked for no completion, its buffers come back when the queue is reset. */
        jbp_port_seterr(p, "ibv_post_send failed: %s", strerror(rc));
    }
    t->st[JBP_TXQ_PACKETS] += posted;
    t->st[JBP_TXQ_BYTES] += bytes;
    t->st[JBP_TXQ_DOORBELLS]++;
    return (int)accepted;
}

static void txq_reset(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    /* The QP is in RESET: drain what its CQ still holds and take every buffer back. */
    while (ibv_poll_cq(t->ibv.cq, JBP_IBV_WC_BATCH, t->ibv.wc) > 0) {
    }
    tx_release(p, t, t->pi - t->ci);
    t->pi = 0;
    t->ci = 0;
}

static void rxq_reset(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    while (ibv_poll_cq(r->ibv.cq, JBP_IBV_WC_BATCH, r->ibv.wc) > 0) {
    }
    /* Keep the ring's buffers in order at slots 0..n-1; they are posted again once the WQ is ready. */
    uint32_t n = r->pi - r->ci;
    jbp_rotate_left(r->bufs, r->size, r->ci & r->mask);
    r->ci = 0;
    r->pi = n; /* "held", not posted: repost posts slots 0..n-1 */
}

static int rxq_repost(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    uint32_t n = r->pi;
    uint32_t staged = 0;
    r->pi = 0;
    for (uint32_t i = 0; i < n; i++)
        rx_stage(r, &p->pool, r->bufs[i], &staged);
    return rx_post_staged(p, r, staged);
}

const struct jbp_rdma_datapath jbp_ibv_datapath = {
    .name = "ibv",
    .rxq_fill = rxq_fill,
    .rx_burst = rx_burst,
    .tx_burst = tx_burst,
    .tx_reap = tx_reap,
    .txq_reset = txq_reset,
    .rxq_reset = rxq_reset,
    .rxq_repost = rxq_repost,
};
