/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plain verbs datapath (jbp_rdma_verbs.c) on a fake verbs provider. ibv_post_send, ibv_poll_cq and
 * ibv_post_wq_recv are inline in rdma-core's verbs.h and dispatch through the context's ops and the WQ's
 * post_recv (Firedancer's fd_ibverbs_mock fakes the same entry points), so a context whose ops are ours runs the
 * production code unchanged. The fake keeps posted receive buffers and send work requests, moves frames between
 * two such "ports", and returns the work completions a provider would, with any status the test injects.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "jbp_rdma.h"
#include "rdma_test_util.h"

#define RING 64
#define FAKE_Q 4096

struct fake_cq {
    struct ibv_cq cq;
    struct ibv_wc wc[FAKE_Q];
    uint32_t head, tail;
};

struct fake_posted {
    uint64_t wr_id;
    uint64_t addr;
    uint32_t len;
    uint32_t lkey;
};

struct fake_wq {
    struct ibv_wq wq;
    struct fake_cq *cq;
    struct fake_posted posted[FAKE_Q];
    uint32_t head, tail;
    int ready;
    int accept_posts; /* accept this many receive WRs, refuse the rest of that call, then accept all (-1) */
};

struct fake_frame {
    uint8_t bytes[2048];
    uint32_t len;
    int ip_csum;
};

struct fake_qp {
    struct ibv_qp qp;
    struct fake_cq *cq;
    struct fake_frame out[FAKE_Q];
    uint32_t head, tail;
    int ready;
    int accept_posts; /* accept this many send WRs, then refuse (-1: all) */
    enum ibv_wc_status next_status; /* of the next send completion */
};

struct fake_port {
    struct ibv_context ctx;
    struct fake_cq tx_cq, rx_cq;
    struct fake_qp qp;
    struct fake_wq wq;
    enum ibv_wc_status next_rx_status;
    uint64_t rx_dropped;
    struct jbp_rdma_port *p;
    struct tpool pool;
    struct jbp_desc rx[BURST];
    struct jbp_desc tx[BURST];
    uint32_t ntx;
};

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static void cq_push(struct fake_cq *c, const struct ibv_wc *wc)
{
    CHECK(c->tail - c->head < FAKE_Q, "fake CQ overflow");
    c->wc[c->tail++ % FAKE_Q] = *wc;
}

static int fake_poll_cq(struct ibv_cq *cq, int n, struct ibv_wc *wc)
{
    struct fake_cq *c = CONTAINER(cq, struct fake_cq, cq);
    int got = 0;
    while (got < n && c->head != c->tail)
        wc[got++] = c->wc[c->head++ % FAKE_Q];
    return got;
}

static int fake_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad)
{
    struct fake_qp *q = CONTAINER(qp, struct fake_qp, qp);
    for (; wr != NULL; wr = wr->next) {
        if (!q->ready || q->accept_posts == 0) {
            *bad = wr;
            return EINVAL;
        }
        if (q->accept_posts > 0)
            q->accept_posts--;
        CHECK(wr->opcode == IBV_WR_SEND && wr->num_sge == 1, "a send WR of one SGE");
        struct fake_frame *f = &q->out[q->tail++ % FAKE_Q];
        memcpy(f->bytes, (const void *)(uintptr_t)wr->sg_list[0].addr, wr->sg_list[0].length);
        f->len = wr->sg_list[0].length;
        f->ip_csum = (wr->send_flags & IBV_SEND_IP_CSUM) != 0;
        if (wr->send_flags & IBV_SEND_SIGNALED) {
            struct ibv_wc wc = { .wr_id = wr->wr_id, .status = q->next_status, .opcode = IBV_WC_SEND };
            q->next_status = IBV_WC_SUCCESS;
            cq_push(q->cq, &wc);
        }
    }
    return 0;
}

static int fake_post_recv(struct ibv_wq *wq, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad)
{
    struct fake_wq *w = CONTAINER(wq, struct fake_wq, wq);
    for (; wr != NULL; wr = wr->next) {
        if (w->accept_posts == 0) {
            w->accept_posts = -1;
            *bad = wr;
            return ENOMEM;
        }
        if (w->accept_posts > 0)
            w->accept_posts--;
        CHECK(wr->num_sge == 1, "one SGE");
        w->posted[w->tail++ % FAKE_Q] = (struct fake_posted){ wr->wr_id, wr->sg_list[0].addr, wr->sg_list[0].length,
                                                              wr->sg_list[0].lkey };
    }
    return 0;
}

/* The wire: every frame `from` sent lands in the next receive buffer `to` posted, with a completion. */
static void wire(struct fake_port *from, struct fake_port *to)
{
    struct fake_qp *q = &from->qp;
    while (q->head != q->tail) {
        struct fake_frame *f = &q->out[q->head++ % FAKE_Q];
        struct fake_wq *w = &to->wq;
        if (!w->ready || w->head == w->tail) {
            to->rx_dropped++;
            continue;
        }
        struct fake_posted *b = &w->posted[w->head++ % FAKE_Q];
        struct ibv_wc wc = { .wr_id = b->wr_id, .status = to->next_rx_status, .opcode = IBV_WC_RECV,
                             .byte_len = f->len, .wc_flags = IBV_WC_IP_CSUM_OK };
        to->next_rx_status = IBV_WC_SUCCESS;
        if (wc.status == IBV_WC_SUCCESS && f->len <= b->len)
            memcpy((void *)(uintptr_t)b->addr, f->bytes, f->len);
        cq_push(w->cq, &wc);
    }
}

static int fake_txq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    (void)q;
    struct fake_port *fp = p->backend_data;
    fp->qp.ready = 0;
    return 0;
}

static int fake_txq_start(struct jbp_rdma_port *p, uint32_t q)
{
    (void)q;
    struct fake_port *fp = p->backend_data;
    fp->qp.ready = 1;
    fp->qp.accept_posts = -1;
    return 0;
}

static int fake_rxq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    (void)q;
    struct fake_port *fp = p->backend_data;
    fp->wq.ready = 0;
    fp->wq.head = fp->wq.tail; /* RESET forgets the posted WQEs */
    return 0;
}

static int fake_rxq_start(struct jbp_rdma_port *p, uint32_t q)
{
    (void)q;
    ((struct fake_port *)p->backend_data)->wq.ready = 1;
    return 0;
}

static void fake_quiesce(struct jbp_rdma_port *p)
{
    struct fake_port *fp = p->backend_data;
    fp->qp.ready = 0;
    fp->wq.ready = 0;
}

static void fake_destroy(struct jbp_rdma_port *p)
{
    jbp_port_free(p);
}

static const struct jbp_rdma_backend fake_backend = {
    .name = "fake-verbs",
    .txq_stop = fake_txq_stop,
    .txq_start = fake_txq_start,
    .rxq_stop = fake_rxq_stop,
    .rxq_start = fake_rxq_start,
    .quiesce = fake_quiesce,
    .destroy = fake_destroy,
};

static struct fake_port *port_open(uint64_t mac)
{
    struct fake_port *fp = calloc(1, sizeof(*fp));
    fp->ctx.ops.poll_cq = fake_poll_cq;
    fp->ctx.ops.post_send = fake_post_send;
    fp->tx_cq.cq.context = &fp->ctx;
    fp->rx_cq.cq.context = &fp->ctx;
    fp->qp.qp.context = &fp->ctx;
    fp->qp.cq = &fp->tx_cq;
    fp->qp.ready = 1;
    fp->qp.accept_posts = -1;
    fp->wq.wq.context = &fp->ctx;
    fp->wq.wq.post_recv = fake_post_recv;
    fp->wq.cq = &fp->rx_cq;
    fp->wq.ready = 1;
    fp->wq.accept_posts = -1;
    for (int i = 0; i < BURST; i++)
        fp->rx[i].buffer = fp->tx[i].buffer = JBP_NO_BUFFER;
    tp_init(&fp->pool, 1024, 2048);
    fp->p = jbp_port_alloc(1, RING, RING);
    struct jbp_rdma_port *p = fp->p;
    p->backend = &fake_backend;
    p->backend_data = fp;
    p->mac = mac;
    p->mtu = 1500;
    p->pool = (struct jbp_rdma_pool){ .base = fp->pool.mem, .buf_size = 2048, .count = 1024, .lkey = 0x77 };
    jbp_port_set_mode(p, JBP_RDMA_MODE_IBV);
    CHECK(jbp_ibv_txq_setup(p, 0, &fp->qp.qp, &fp->tx_cq.cq, RING, 1) == 0, "tx setup");
    CHECK(jbp_ibv_rxq_setup(p, 0, &fp->wq.wq, &fp->rx_cq.cq, RING) == 0, "rx setup");
    uint32_t bufs[RING];
    for (int i = 0; i < RING; i++)
        bufs[i] = tp_alloc(&fp->pool);
    CHECK(jbp_port_fill_rx(p, bufs, RING) == 0, "fill");
    CHECK(fp->wq.tail - fp->wq.head == RING, "all posted");
    CHECK(fp->wq.posted[0].lkey == 0x77 && fp->wq.posted[0].len == 2048, "SGE of the pool");
    return fp;
}

static void reclaim(struct fake_port *fp)
{
    for (uint64_t i = 0; i < fp->p->status[JBP_ST_RECLAIM_COUNT]; i++)
        tp_free(&fp->pool, fp->p->reclaim[i]);
}

static void send_frames(struct fake_port *fp, uint32_t first, uint32_t n, uint64_t dst)
{
    static const struct flow fl = { 0xc6120001, 0xc6120002, 1000, 2000, 17 };
    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = tp_alloc(&fp->pool);
        uint32_t len = 60 + ((first + i) * 41) % 1400;
        build(tp_buf(&fp->pool, b), len, dst, fp->p->mac, &fl, first + i, 0);
        fp->tx[fp->ntx++] = (struct jbp_desc){ .buffer = b, .length = len, .flags = JBP_TX_L4_CSUM };
    }
}

/* Transmits the burst and does with it what RdmaLink does (the Link contract): the frames the port did not
 * accept move to the front; the slots of accepted ones, whose buffers the port now holds, are cleared. */
static int transmit(struct fake_port *fp)
{
    int n = jbp_port_transmit(fp->p, 0, fp->tx, fp->ntx);
    reclaim(fp);
    fp->ntx -= (uint32_t)n;
    memmove(fp->tx, fp->tx + n, (size_t)fp->ntx * sizeof(fp->tx[0]));
    for (uint32_t i = fp->ntx; i < BURST; i++)
        fp->tx[i].buffer = JBP_NO_BUFFER;
    return n;
}

static int receive(struct fake_port *fp, uint32_t cap)
{
    for (uint32_t i = 0; i < cap; i++)
        if (fp->rx[i].buffer == JBP_NO_BUFFER)
            fp->rx[i].buffer = tp_alloc(&fp->pool);
    int n = jbp_port_receive(fp->p, 0, fp->rx, cap);
    reclaim(fp);
    return n;
}

/* Checks the received frames' sequence numbers from *next on and frees them. */
static void take(struct fake_port *fp, int n, uint32_t *next)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *f = tp_buf(&fp->pool, fp->rx[i].buffer);
        CHECK(frame_seq(f) == *next, "frame %u, expected %u", frame_seq(f), *next);
        CHECK(fp->rx[i].length == 60 + (*next * 41) % 1400, "length");
        CHECK(fp->rx[i].flags == (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK), "IBV_WC_IP_CSUM_OK maps to both");
        (*next)++;
        tp_free(&fp->pool, fp->rx[i].buffer);
        fp->rx[i].buffer = JBP_NO_BUFFER;
    }
}

static void port_close(struct fake_port *fp)
{
    jbp_port_quiesce(fp->p);
    reclaim(fp);
    for (int i = 0; i < BURST; i++) {
        if (fp->rx[i].buffer != JBP_NO_BUFFER)
            tp_free(&fp->pool, fp->rx[i].buffer);
        if (fp->tx[i].buffer != JBP_NO_BUFFER && (uint32_t)i < fp->ntx)
            tp_free(&fp->pool, fp->tx[i].buffer);
    }
    CHECK(tp_in_use(&fp->pool) == 0, "%u buffers leaked", tp_in_use(&fp->pool));
    fp->p->backend->destroy(fp->p);
    free(fp->pool.mem);
    free(fp->pool.held);
    free(fp->pool.stack);
    free(fp);
}

static void mlx5_verbs_bursts_both_ways(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    uint32_t sent = 0, next = 0;
    for (int round = 0; round < 500; round++) {
        uint32_t k = 1 + (uint32_t)round % 40;
        send_frames(a, sent, k, MAC_B);
        sent += k;
        CHECK(transmit(a) == (int)k, "accepted");
        wire(a, b);
        take(b, receive(b, 64), &next);
    }
    transmit(a);
    CHECK(next == sent && b->rx_dropped == 0, "received %u of %u, %llu dropped", next, sent,
          (unsigned long long)b->rx_dropped);
    CHECK(a->p->txq[0].pi == a->p->txq[0].ci, "every send completed");
    CHECK(a->p->status[JBP_ST_TXQ_BASE(0) + JBP_TXQ_PACKETS] == sent, "tx packets");
    CHECK(b->p->status[JBP_ST_RXQ_BASE(0) + JBP_RXQ_PACKETS] == sent, "rx packets");
    /* Send requests: the last of each burst and every 64th signaled, checksum offload asked for. */
    CHECK(a->qp.out[0].ip_csum, "IBV_SEND_IP_CSUM");
    port_close(a);
    port_close(b);
}

static void mlx5_verbs_rx_completion_status_checked(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    uint32_t next = 0;
    /* A length error: the frame is dropped, its buffer posted again, the queue keeps going. */
    b->next_rx_status = IBV_WC_LOC_LEN_ERR;
    send_frames(a, 0, 5, MAC_B);
    transmit(a);
    wire(a, b);
    next = 1;
    int n = receive(b, 64);
    CHECK(n == 4, "4 of 5");
    take(b, n, &next);
    volatile uint64_t *rs = b->p->status + JBP_ST_RXQ_BASE(0);
    CHECK(rs[JBP_RXQ_CQE_ERRORS] == 1 && rs[JBP_RXQ_DROPS] == 1 && rs[JBP_RXQ_LAST_SYNDROME] == IBV_WC_LOC_LEN_ERR,
          "counted with its status");
    CHECK(b->p->rxq[0].state == JBP_Q_OK && b->wq.tail - b->wq.head == RING, "ring whole");
    /* A flush: the WQ is in error; the next receive resets it and posts every buffer again. */
    b->next_rx_status = IBV_WC_WR_FLUSH_ERR;
    send_frames(a, 5, 5, MAC_B);
    transmit(a);
    wire(a, b);
    CHECK(receive(b, 64) == 0, "nothing before the flush");
    CHECK(b->p->rxq[0].state == JBP_Q_ERROR, "error state");
    CHECK(receive(b, 64) == 0, "recovering");
    CHECK(b->p->rxq[0].state == JBP_Q_OK && rs[JBP_RXQ_RECOVERIES] == 1, "recovered");
    CHECK(b->wq.tail - b->wq.head == RING, "all %d buffers posted again (%u)", RING, b->wq.tail - b->wq.head);
    next = 10;
    send_frames(a, 10, 20, MAC_B);
    transmit(a);
    wire(a, b);
    take(b, receive(b, 64), &next);
    CHECK(next == 30, "frames flow again");
    transmit(a);
    port_close(a);
    port_close(b);
}

static void mlx5_verbs_tx_completion_status_checked(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    a->qp.next_status = IBV_WC_LOC_PROT_ERR;
    send_frames(a, 0, 10, MAC_B);
    CHECK(transmit(a) == 10, "accepted");
    CHECK(transmit(a) == 0, "the failed completion is reaped");
    volatile uint64_t *ts = a->p->status + JBP_ST_TXQ_BASE(0);
    CHECK(a->p->txq[0].state == JBP_Q_ERROR && ts[JBP_TXQ_CQE_ERRORS] == 1
              && (ts[JBP_TXQ_LAST_SYNDROME] & 0xff) == IBV_WC_LOC_PROT_ERR, "error counted with its status");
    wire(a, b);
    uint32_t next = 0;
    take(b, receive(b, 64), &next);
    send_frames(a, 10, 10, MAC_B);
    CHECK(transmit(a) == 10, "accepted after recovery");
    CHECK(a->p->txq[0].state == JBP_Q_OK && ts[JBP_TXQ_RECOVERIES] == 1, "recovered");
    wire(a, b);
    take(b, receive(b, 64), &next);
    CHECK(next == 20, "frames flow");
    transmit(a);
    port_close(a);
    port_close(b);
}

static void mlx5_verbs_post_failures(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    /* The provider takes 3 of 8 send WRs: the other 5 are dropped (they were accepted), their buffers back. */
    a->qp.accept_posts = 3;
    send_frames(a, 0, 8, MAC_B);
    CHECK(transmit(a) == 8, "all accepted");
    volatile uint64_t *ts = a->p->status + JBP_ST_TXQ_BASE(0);
    CHECK(ts[JBP_TXQ_POST_ERRORS] == 1 && ts[JBP_TXQ_DROPS] == 5 && ts[JBP_TXQ_PACKETS] == 3, "counted");
    CHECK(a->p->txq[0].pi - a->p->txq[0].ci == 3, "3 in flight");
    CHECK(ts[JBP_TXQ_DONE] == 5, "the 5 refused are done, the 3 posted not yet");
    CHECK(strstr(a->p->error, "ibv_post_send failed") != NULL, "error text: %s", a->p->error);
    wire(a, b);
    uint32_t next = 0;
    take(b, receive(b, 64), &next);
    CHECK(next == 3, "3 arrived");
    /* Receive refills the provider refuses go back to the pool; the ring is that much shorter. */
    b->wq.accept_posts = 2;
    send_frames(a, 3, 4, MAC_B);
    transmit(a);
    wire(a, b);
    take(b, receive(b, 64), &next);
    CHECK(next == 7, "4 more arrived");
    CHECK(ts[JBP_TXQ_DONE] == 8, "the first 8 completed (reaped by the second transmit)");
    CHECK(b->p->status[JBP_ST_RXQ_BASE(0) + JBP_RXQ_POST_ERRORS] == 1, "post error counted");
    CHECK(b->wq.tail - b->wq.head == RING - 2 && b->p->rxq[0].pi - b->p->rxq[0].ci == RING - 2, "ring short by 2");
    transmit(a);
    port_close(a);
    port_close(b);
}

/* Verbs mode offers no LSO and no gather: a chain or a super-frame handed to it anyway (a broken Link contract)
 * is accepted and dropped whole, counted once, its buffers back; the frames around it go out. */
static void mlx5_verbs_chains_refused(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    send_frames(a, 0, 1, MAC_B);
    send_frames(a, 100, 3, MAC_B);
    a->tx[1].flags |= JBP_DESC_CONTINUES;
    a->tx[2].flags |= JBP_DESC_CONTINUES | JBP_GSO_TCPV4 | (1400u << JBP_GSO_SIZE_SHIFT);
    send_frames(a, 1, 1, MAC_B);
    CHECK(transmit(a) == 5, "all accepted");
    volatile uint64_t *ts = a->p->status + JBP_ST_TXQ_BASE(0);
    CHECK(ts[JBP_TXQ_DROPS] == 1 && ts[JBP_TXQ_PACKETS] == 2, "the chain dropped whole, counted once");
    CHECK(ts[JBP_TXQ_DONE] == 3, "its three descriptors done at once");
    wire(a, b);
    uint32_t next = 0;
    take(b, receive(b, 64), &next);
    CHECK(next == 2, "the frames around it arrived");
    transmit(a);
    CHECK(ts[JBP_TXQ_DONE] == 5, "and the two sent once their completions are reaped");
    port_close(a);
    port_close(b);
}

static void mlx5_verbs_rx_polls_no_more_than_armed(void)
{
    struct fake_port *a = port_open(MAC_A), *b = port_open(MAC_B);
    send_frames(a, 0, 10, MAC_B);
    transmit(a);
    wire(a, b);
    /* Three armed slots: a polled completion cannot be put back, so only three may be polled. */
    for (int i = 0; i < 3; i++)
        b->rx[i].buffer = tp_alloc(&b->pool);
    CHECK(jbp_port_receive(b->p, 0, b->rx, 16) == 3, "three");
    reclaim(b);
    CHECK(b->rx_cq.tail - b->rx_cq.head == 7, "seven completions left in the CQ");
    uint32_t next = 0;
    take(b, 3, &next);
    take(b, receive(b, 16), &next);
    CHECK(next == 10, "the rest");
    transmit(a);
    port_close(a);
    port_close(b);
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define CASE(x) { #x, x }
    CASE(mlx5_verbs_bursts_both_ways),
    CASE(mlx5_verbs_rx_completion_status_checked),
    CASE(mlx5_verbs_tx_completion_status_checked),
    CASE(mlx5_verbs_post_failures),
    CASE(mlx5_verbs_chains_refused),
    CASE(mlx5_verbs_rx_polls_no_more_than_armed),
#undef CASE
};

int main(int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0) {
            cases[i].fn();
            printf("ok %s\n", cases[i].name);
            ran++;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "");
        return 1;
    }
    return 0;
}
