/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rdma port handle: its memory shared with Java (status block, reclaim array), the dispatch of one burst to
 * the datapath selected once at open (struct jbp_rdma_datapath: Direct Verbs or verbs), queue recovery, and the
 * orderly release of every buffer at close.
 * Backend-neutral: the same code runs for an adapter (jbp_rdma_device.c) and for the mlx5 model (native/test).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_rdma.h"

/* A queue that keeps failing is given up after this many recoveries rather than reset forever. */
#define JBP_RDMA_MAX_RECOVERIES 64
/* Async events are read every this many receive calls (a non-blocking read on the async fd). */
#define JBP_RDMA_EVENT_POLL_MASK 4095u

static void *zalloc_aligned(size_t bytes)
{
    void *m = NULL;
    if (posix_memalign(&m, 4096, bytes ? bytes : 1) != 0)
        return NULL;
    memset(m, 0, bytes);
    return m;
}

struct jbp_rdma_port *jbp_port_alloc(uint32_t n_rxq, uint32_t rx_size, uint32_t tx_size)
{
    if (n_rxq == 0 || n_rxq > JBP_RDMA_MAX_RXQ)
        return NULL;
    struct jbp_rdma_port *p = zalloc_aligned(sizeof(*p));
    if (p == NULL)
        return NULL;
    p->magic = JBP_RDMA_MAGIC;
    p->abi = JBP_RDMA_ABI;
    p->size = sizeof(*p);
    p->n_rxq = n_rxq;
    p->status = zalloc_aligned(JBP_ST_WORDS(n_rxq) * sizeof(uint64_t));
    p->n_txq = n_rxq;
    /* Everything the port can hold at once: the RX rings, the TX rings and the frames of one burst that may be
     * dropped (PacketBurst holds 4096 descriptors at most). */
    p->reclaim_cap = n_rxq * (rx_size + tx_size) + 4096;
    p->reclaim = zalloc_aligned((size_t)p->reclaim_cap * sizeof(uint32_t));
    if (p->status == NULL || p->reclaim == NULL) {
        jbp_port_free(p);
        return NULL;
    }
    p->status[JBP_ST_MAGIC] = JBP_RDMA_MAGIC;
    p->status[JBP_ST_RXQ_COUNT] = n_rxq;
    p->status[JBP_ST_RX_RING] = rx_size;
    p->status[JBP_ST_TX_RING] = tx_size;
    for (uint32_t q = 0; q < n_rxq; q++) {
        p->txq[q].st = jbp_port_txq_status(p, q);
        p->rxq[q].st = jbp_port_rxq_status(p, q);
    }
    return p;
}

void jbp_port_free(struct jbp_rdma_port *p)
{
    if (p == NULL)
        return;
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        free(p->rxq[q].bufs);
        jbp_ibv_rxq_free(&p->rxq[q]);
        free(p->txq[q].bufs);
        free(p->txq[q].xbufs);
        jbp_ibv_txq_free(&p->txq[q]);
    }
    free((void *)p->status);
    free(p->reclaim);
    p->magic = 0;
    free(p);
}

int jbp_port_check(const struct jbp_rdma_port *p)
{
    if (p == NULL || p->magic != JBP_RDMA_MAGIC)
        return -EINVAL;
    if (p->abi != JBP_RDMA_ABI || p->size != sizeof(*p))
        return -EPROTO; /* built from a different jbp_rdma.h */
    return 0;
}

void jbp_port_seterr(struct jbp_rdma_port *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
}

void jbp_port_set_mode(struct jbp_rdma_port *p, int mode)
{
    p->mode = mode;
    p->datapath = mode == JBP_RDMA_MODE_DV ? &jbp_dv_datapath : &jbp_ibv_datapath;
    p->status[JBP_ST_MODE] = (uint64_t)mode;
}

int jbp_port_fill_rx(struct jbp_rdma_port *p, const uint32_t *buffers, uint32_t count)
{
    uint32_t need = 0;
    for (uint32_t q = 0; q < p->n_rxq; q++)
        need += p->rxq[q].size;
    if (count != need)
        return -EINVAL;
    for (uint32_t i = 0; i < count; i++)
        if (buffers[i] >= p->pool.count)
            return -EINVAL;
    uint32_t off = 0;
    for (uint32_t q = 0; q < p->n_rxq; q++) {
        int rc = p->datapath->rxq_fill(p, q, buffers + off, p->rxq[q].size);
        if (rc < 0)
            return rc;
        off += p->rxq[q].size;
    }
    return 0;
}

static void tx_reap(struct jbp_rdma_port *p, uint32_t q)
{
    if (p->txq[q].state != JBP_Q_OK)
        return;
    p->datapath->tx_reap(p, q);
}

/* q: the send queue the call used (its in-flight count is published), or n_txq when none. */
static void publish_reclaim(struct jbp_rdma_port *p, uint32_t q)
{
    p->status[JBP_ST_RECLAIM_COUNT] = p->reclaim_n;
    if (q < p->n_txq)
        p->txq[q].st[JBP_TXQ_IN_FLIGHT] = p->txq[q].pi - p->txq[q].ci;
}

const char *jbp_rdma_event_str(int event)
{
    switch (event) {
    case IBV_EVENT_CQ_ERR:
        return "IBV_EVENT_CQ_ERR (its CQ is in error: an overrun, or the adapter could not write it)";
    case IBV_EVENT_QP_FATAL:
        return "IBV_EVENT_QP_FATAL (a catastrophic error on the send QP)";
    case IBV_EVENT_WQ_FATAL:
        return "IBV_EVENT_WQ_FATAL (a catastrophic error on the receive WQ)";
    default:
        return "an async event";
    }
}

/*
 * A CQ in error takes no completion again, whatever is done to the queues on it (PRM, "Completion Queue Error";
 * the kernel reports it as IBV_EVENT_CQ_ERR), and a queue with a catastrophic error may not come back through a
 * reset: the CQ and the queue on it are destroyed and created again, as the Linux mlx5e driver reopens a channel.
 * The buffers the old send ring held are reclaimed once the QP is destroyed (nothing reads them after that).
 */
static int recreate_txq(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    const char *why = jbp_rdma_event_str((int)t->st[JBP_TXQ_RECREATE_EVENT]);
    if (t->st[JBP_TXQ_RECREATIONS] >= JBP_RDMA_MAX_RECOVERIES) {
        t->state = JBP_Q_DEAD;
        t->st[JBP_TXQ_STATE] = JBP_Q_DEAD;
        jbp_port_seterr(p, "send queue %u: its CQ and QP were created again %d times (last after %s); giving up on "
                        "it", q, JBP_RDMA_MAX_RECOVERIES, why);
        return -EIO;
    }
    t->st[JBP_TXQ_RECREATIONS]++;
    int rc = p->backend->txq_destroy(p, q);
    if (rc != 0) {
        /* The QP may still read its ring's buffers: they stay the queue's (quiesce returns them at close). */
        t->state = JBP_Q_DEAD;
        t->st[JBP_TXQ_STATE] = JBP_Q_DEAD;
        char cause[JBP_RDMA_ERR_LEN];
        snprintf(cause, sizeof(cause), "%s", p->error);
        jbp_port_seterr(p, "send queue %u: destroying it after %s failed: %s; the queue is stopped", q, why, cause);
        return rc;
    }
    if (t->bufs != NULL)
        for (uint32_t i = t->ci; i != t->pi; i++)
            jbp_txq_release(p, t, i);
    t->ci = t->pi = 0;
    t->st[JBP_TXQ_IN_FLIGHT] = 0;
    rc = p->backend->txq_create(p, q);
    t->hw_err = 0;
    t->state = rc == 0 ? JBP_Q_OK : JBP_Q_DEAD;
    t->st[JBP_TXQ_STATE] = (uint64_t)t->state;
    if (rc == 0)
        jbp_port_seterr(p, "send queue %u: after %s, its CQ and send QP were destroyed and created again "
                        "(recreation %llu); the frames in flight were dropped", q, why,
                        (unsigned long long)t->st[JBP_TXQ_RECREATIONS]);
    else {
        char cause[JBP_RDMA_ERR_LEN];
        snprintf(cause, sizeof(cause), "%s", p->error);
        jbp_port_seterr(p, "send queue %u: creating its CQ and send QP again after %s failed: %s; the queue is "
                        "stopped (its frames are dropped)", q, why, cause);
    }
    return rc;
}

/* The same for a receive queue: its WQ and CQ, and with them the steering that names the WQ (the indirection
 * tables, hash QPs and flow rules, which the backend rebuilds). The buffers the ring held are posted on the new
 * ring in their old order; frames in the CQ that was lost are lost with it. */
static int recreate_rxq(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    const char *why = jbp_rdma_event_str((int)r->st[JBP_RXQ_RECREATE_EVENT]);
    if (r->st[JBP_RXQ_RECREATIONS] >= JBP_RDMA_MAX_RECOVERIES) {
        r->state = JBP_Q_DEAD;
        r->st[JBP_RXQ_STATE] = JBP_Q_DEAD;
        jbp_port_seterr(p, "receive queue %u: its CQ and WQ were created again %d times (last after %s); giving up "
                        "on it", q, JBP_RDMA_MAX_RECOVERIES, why);
        return -EIO;
    }
    r->st[JBP_RXQ_RECREATIONS]++;
    int rc = p->backend->rxq_destroy(p, q);
    if (rc != 0) {
        /* The WQ may still write into its ring's buffers: they stay the queue's (quiesce returns them at close). */
        r->state = JBP_Q_DEAD;
        r->st[JBP_RXQ_STATE] = JBP_Q_DEAD;
        char cause[JBP_RDMA_ERR_LEN];
        snprintf(cause, sizeof(cause), "%s", p->error);
        jbp_port_seterr(p, "receive queue %u: destroying it after %s failed: %s; the queue is stopped", q, why,
                        cause);
        return rc;
    }
    /* The ring's buffers, oldest first, kept aside: setting up the new ring replaces r->bufs. */
    uint32_t n = r->bufs != NULL ? r->pi - r->ci : 0;
    uint32_t *kept = r->bufs;
    if (kept != NULL)
        jbp_rotate_left(kept, r->size, r->ci & r->mask);
    r->bufs = NULL;
    r->pi = r->ci = 0;
    r->sess_count = r->sess_next = 0;
    rc = p->backend->rxq_create(p, q);
    if (rc == 0 && n > 0)
        rc = p->datapath->rxq_fill(p, q, kept, n);
    if (rc != 0) {
        /* Nothing posted them: they go back to the pool, and the queue stops. */
        for (uint32_t i = 0; i < n; i++)
            jbp_port_reclaim(p, kept[i]);
        if (r->bufs != NULL)
            r->pi = r->ci;
    }
    free(kept);
    r->hw_err = 0;
    r->state = rc == 0 ? JBP_Q_OK : JBP_Q_DEAD;
    r->st[JBP_RXQ_STATE] = (uint64_t)r->state;
    if (rc == 0)
        jbp_port_seterr(p, "receive queue %u: after %s, its CQ and WQ were destroyed and created again with the "
                        "steering that names them (recreation %llu); %u buffers posted again", q, why,
                        (unsigned long long)r->st[JBP_RXQ_RECREATIONS], n);
    else {
        char cause[JBP_RDMA_ERR_LEN];
        snprintf(cause, sizeof(cause), "%s", p->error);
        jbp_port_seterr(p, "receive queue %u: creating its CQ and WQ again after %s failed: %s; the queue is "
                        "stopped", q, why, cause);
    }
    return rc;
}

int jbp_port_recover_txq(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_txq *t = &p->txq[q];
    if (t->state == JBP_Q_RECREATE && p->backend->txq_destroy != NULL)
        return recreate_txq(p, q);
    if (t->state == JBP_Q_RECREATE)
        t->state = JBP_Q_ERROR; /* a backend that cannot recreate: the reset is all it has */
    if (t->state != JBP_Q_ERROR)
        return 0;
    if (t->st[JBP_TXQ_RECOVERIES] >= JBP_RDMA_MAX_RECOVERIES) {
        t->state = JBP_Q_DEAD;
        jbp_port_seterr(p, "send queue %u failed %d times (last CQE syndrome 0x%02x %s, vendor syndrome 0x%02x); "
                        "giving up on it", q, JBP_RDMA_MAX_RECOVERIES, (unsigned)(t->st[JBP_TXQ_LAST_SYNDROME] & 0xff),
                        jbp_rdma_syndrome_str(p->mode, (uint8_t)t->st[JBP_TXQ_LAST_SYNDROME]),
                        (unsigned)((t->st[JBP_TXQ_LAST_SYNDROME] >> 8) & 0xff));
        t->st[JBP_TXQ_STATE] = (uint64_t)t->state;
        return -EIO;
    }
    /* Linux mlx5e recovers a send queue the same way (en/reporter_tx.c): move it to RESET so that the device
     * writes no more completions for it, drain the CQ, reset the ring, bring it back to RTS. */
    int rc = p->backend->txq_stop(p, q);
    if (rc == 0) {
        p->datapath->txq_reset(p, q);
        rc = p->backend->txq_start(p, q);
    }
    t->st[JBP_TXQ_RECOVERIES]++;
    t->state = rc == 0 ? JBP_Q_OK : JBP_Q_DEAD;
    if (rc == 0)
        t->hw_err = 0;
    t->st[JBP_TXQ_STATE] = (uint64_t)t->state;
    return rc;
}

int jbp_port_recover_rxq(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_rxq *r = &p->rxq[q];
    if (r->state == JBP_Q_RECREATE && p->backend->rxq_destroy != NULL)
        return recreate_rxq(p, q);
    if (r->state == JBP_Q_RECREATE)
        r->state = JBP_Q_ERROR;
    if (r->state != JBP_Q_ERROR)
        return 0;
    if (r->st[JBP_RXQ_RECOVERIES] >= JBP_RDMA_MAX_RECOVERIES) {
        r->state = JBP_Q_DEAD;
        jbp_port_seterr(p, "receive queue %u failed %d times (last CQE syndrome 0x%02x %s); giving up on it", q,
                        JBP_RDMA_MAX_RECOVERIES, (unsigned)(r->st[JBP_RXQ_LAST_SYNDROME] & 0xff),
                        jbp_rdma_syndrome_str(p->mode, (uint8_t)r->st[JBP_RXQ_LAST_SYNDROME]));
        r->st[JBP_RXQ_STATE] = (uint64_t)r->state;
        return -EIO;
    }
    /* DPDK's mlx5 driver recovers a receive queue this way (drivers/net/mlx5/mlx5_rx.c, mlx5_rx_err_handle):
     * WQ to RESET, drain the CQ, repost every buffer from index 0, WQ to RDY. */
    int rc = p->backend->rxq_stop(p, q);
    if (rc == 0) {
        p->datapath->rxq_reset(p, q);
        rc = p->backend->rxq_start(p, q);
    }
    if (rc == 0)
        rc = p->datapath->rxq_repost(p, q);
    r->st[JBP_RXQ_RECOVERIES]++;
    r->state = rc == 0 ? JBP_Q_OK : JBP_Q_DEAD;
    if (rc == 0)
        r->hw_err = 0;
    r->st[JBP_RXQ_STATE] = (uint64_t)r->state;
    return rc;
}

int jbp_port_receive(struct jbp_rdma_port *p, uint32_t q, struct jbp_desc *d, uint32_t cap)
{
    p->reclaim_n = 0;
    if (q >= p->n_rxq) {
        publish_reclaim(p, p->n_txq);
        return -EINVAL;
    }
    /* Send queue q's completions are reaped here too, so that sent buffers return to the pool while the poller
     * only receives: send queue q belongs to the poller of receive queue q, which alone calls with this q. */
    tx_reap(p, q);
    if (((++p->rx_calls & JBP_RDMA_EVENT_POLL_MASK) == 0 || __atomic_load_n(&p->events_pending, __ATOMIC_RELAXED))
        && p->backend->poll_events != NULL) {
        __atomic_store_n(&p->events_pending, 0, __ATOMIC_RELAXED);
        p->backend->poll_events(p);
    }

    struct jbp_rdma_rxq *r = &p->rxq[q];
    if (r->state == JBP_Q_ERROR || r->state == JBP_Q_RECREATE)
        jbp_port_recover_rxq(p, q);
    int n;
    if (r->state != JBP_Q_OK)
        n = -EIO;
    else
        n = p->datapath->rx_burst(p, q, d, cap);
    publish_reclaim(p, q);
    return n;
}

/* A dead send queue behaves like a link that is down: frames are accepted and dropped, so the stack's queues
 * never wedge on a link that cannot send, and the buffers go back to the pool. */
static int tx_drop_all(struct jbp_rdma_port *p, struct jbp_rdma_txq *t, const struct jbp_desc *d, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (d[i].buffer < p->pool.count)
            jbp_port_reclaim(p, d[i].buffer);
    t->st[JBP_TXQ_DROPS] += count;
    jbp_txq_done(t, count);
    return (int)count;
}

int jbp_port_transmit(struct jbp_rdma_port *p, uint32_t q, const struct jbp_desc *d, uint32_t count)
{
    p->reclaim_n = 0;
    if (q >= p->n_txq) {
        publish_reclaim(p, p->n_txq);
        return -EINVAL;
    }
    struct jbp_rdma_txq *t = &p->txq[q];
    if (t->state == JBP_Q_ERROR || t->state == JBP_Q_RECREATE)
        jbp_port_recover_txq(p, q);
    int n;
    if (t->state != JBP_Q_OK)
        n = tx_drop_all(p, t, d, count);
    else
        n = p->datapath->tx_burst(p, q, d, count);
    publish_reclaim(p, q);
    return n;
}

int jbp_port_multicast(struct jbp_rdma_port *p, uint64_t mac, int join)
{
    mac &= 0xffffffffffffull;
    if (!((mac >> 40) & 1)) {
        jbp_port_seterr(p, "%012llx is not a multicast MAC address", (unsigned long long)mac);
        return -EINVAL;
    }
    return p->backend->multicast != NULL && p->backend->multicast(p, mac, join) != 0 ? 1 : 0;
}

int jbp_port_set_mac(struct jbp_rdma_port *p, uint64_t mac)
{
    mac &= 0xffffffffffffull;
    if (mac == 0 || (mac >> 40) & 1) {
        jbp_port_seterr(p, "%012llx is not a unicast MAC address", (unsigned long long)mac);
        return -EINVAL;
    }
    int rc = p->backend->set_mac(p, mac);
    if (rc == 0)
        p->mac = mac;
    return rc;
}

int jbp_port_await(struct jbp_rdma_port *p, int64_t timeout_ns)
{
    return p->backend->await(p, timeout_ns);
}

int jbp_port_wakeup(struct jbp_rdma_port *p)
{
    return p->backend->wakeup(p);
}

int jbp_port_quiesce(struct jbp_rdma_port *p)
{
    p->reclaim_n = 0;
    /* The device must stop writing into the pool before any ring buffer goes back to it. */
    p->backend->quiesce(p);
    for (uint32_t q = 0; q < p->n_txq; q++) {
        struct jbp_rdma_txq *t = &p->txq[q];
        if (t->bufs != NULL)
            for (uint32_t i = t->ci; i != t->pi; i++)
                jbp_txq_release(p, t, i);
        t->ci = t->pi;
        t->st[JBP_TXQ_IN_FLIGHT] = 0;
    }
    for (uint32_t q = 0; q < p->n_rxq; q++) {
        struct jbp_rdma_rxq *r = &p->rxq[q];
        if (r->bufs == NULL)
            continue;
        for (uint32_t i = r->ci; i != r->pi; i++)
            jbp_port_reclaim(p, r->bufs[i & r->mask]);
        r->ci = r->pi;
    }
    publish_reclaim(p, p->n_txq);
    return (int)p->reclaim_n;
}

/*
 * The CQE error syndromes in words: the PRM's completion-error table, with rdma-core's names
 * (providers/mlx5/mlx5dv.h MLX5_CQE_SYNDROME_*) and what each means on a raw Ethernet queue. The vendor syndrome
 * (mlx5_err_cqe.vendor_err_synd) has no public table: it is reported in hex beside these words.
 */
const char *jbp_mlx5_syndrome_str(uint8_t syndrome)
{
    switch (syndrome) {
    case MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR:
        return "local length error (frame larger than the buffer or the port MTU)";
    case MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR:
        return "local QP operation error (malformed WQE, or the vport's inline mode)";
    case MLX5_CQE_SYNDROME_LOCAL_PROT_ERR:
        return "local protection error (buffer outside the memory region or bad lkey)";
    case MLX5_CQE_SYNDROME_WR_FLUSH_ERR:
        return "work request flushed (queue in error state after an earlier error)";
    case MLX5_CQE_SYNDROME_MW_BIND_ERR:
        return "memory window bind error (never posted by jbypass: report it)";
    case MLX5_CQE_SYNDROME_BAD_RESP_ERR:
        return "bad response (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_LOCAL_ACCESS_ERR:
        return "local access error (memory region access rights)";
    case MLX5_CQE_SYNDROME_REMOTE_INVAL_REQ_ERR:
        return "remote invalid request (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_REMOTE_ACCESS_ERR:
        return "remote access error (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_REMOTE_OP_ERR:
        return "remote operation error (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_TRANSPORT_RETRY_EXC_ERR:
        return "transport retry exceeded (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_RNR_RETRY_EXC_ERR:
        return "RNR retry exceeded (an RDMA transport error: not expected on a raw Ethernet queue)";
    case MLX5_CQE_SYNDROME_REMOTE_ABORTED_ERR:
        return "remote aborted (an RDMA transport error: not expected on a raw Ethernet queue)";
    default:
        return "unknown syndrome";
    }
}

/*
 * Verbs mode reports enum ibv_wc_status, not the syndrome: rdma-core turns each mlx5 syndrome into one status
 * (providers/mlx5/cq.c mlx5_handle_error_cqe), so the same words serve; the statuses with no mlx5 syndrome behind
 * them get their libibverbs names (ibv_wc_status_str).
 */
const char *jbp_ibv_status_str(int status)
{
    static const struct { int status; uint8_t syndrome; } map[] = {
        { IBV_WC_LOC_LEN_ERR, MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR },
        { IBV_WC_LOC_QP_OP_ERR, MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR },
        { IBV_WC_LOC_PROT_ERR, MLX5_CQE_SYNDROME_LOCAL_PROT_ERR },
        { IBV_WC_WR_FLUSH_ERR, MLX5_CQE_SYNDROME_WR_FLUSH_ERR },
        { IBV_WC_MW_BIND_ERR, MLX5_CQE_SYNDROME_MW_BIND_ERR },
        { IBV_WC_BAD_RESP_ERR, MLX5_CQE_SYNDROME_BAD_RESP_ERR },
        { IBV_WC_LOC_ACCESS_ERR, MLX5_CQE_SYNDROME_LOCAL_ACCESS_ERR },
        { IBV_WC_REM_INV_REQ_ERR, MLX5_CQE_SYNDROME_REMOTE_INVAL_REQ_ERR },
        { IBV_WC_REM_ACCESS_ERR, MLX5_CQE_SYNDROME_REMOTE_ACCESS_ERR },
        { IBV_WC_REM_OP_ERR, MLX5_CQE_SYNDROME_REMOTE_OP_ERR },
        { IBV_WC_RETRY_EXC_ERR, MLX5_CQE_SYNDROME_TRANSPORT_RETRY_EXC_ERR },
        { IBV_WC_RNR_RETRY_EXC_ERR, MLX5_CQE_SYNDROME_RNR_RETRY_EXC_ERR },
        { IBV_WC_REM_ABORT_ERR, MLX5_CQE_SYNDROME_REMOTE_ABORTED_ERR },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].status == status)
            return jbp_mlx5_syndrome_str(map[i].syndrome);
    switch (status) {
    case IBV_WC_SUCCESS:
        return "success";
    case IBV_WC_FATAL_ERR:
        return "fatal error (the device failed: see dmesg)";
    case IBV_WC_RESP_TIMEOUT_ERR:
        return "response timeout";
    case IBV_WC_GENERAL_ERR:
        return "general error";
    default:
        return "unknown status";
    }
}

const char *jbp_rdma_syndrome_str(int mode, uint8_t code)
{
    return mode == JBP_RDMA_MODE_IBV ? jbp_ibv_status_str(code) : jbp_mlx5_syndrome_str(code);
}
