/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Direct Verbs datapath on the mlx5 model: one executable, one ctest case per function (argv[1] names it).
 * Two model ports joined by mlx5_model_wire play two hosts on a cable; a test pool tracks the owner of every
 * buffer, so a buffer handed out twice, freed twice, or never returned fails the test.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jbp_rdma.h"
#include "mlx5_model.h"

#include "rdma_test_util.h"

/* ---- one host: a model port and the driver's port on it ---- */

struct side {
    struct mlx5_model *m;
    struct jbp_rdma_port *p;
    struct tpool pool;
    struct jbp_desc rx[BURST];
    struct jbp_desc tx[BURST];
    uint32_t ntx;
    /* Bursts for send queues 1..3 (queue 0 uses tx), as pollers of receive queues 1..3 would hold them. */
    struct jbp_desc qtx[4][BURST];
    uint32_t nqtx[4];
};

static struct mlx5_model_cfg cfg_default(uint64_t mac)
{
    return (struct mlx5_model_cfg){ .n_rxq = 1, .rx_size = 256, .tx_size = 256, .mtu = 1500, .mac = mac };
}

static void side_reclaim(struct side *s)
{
    uint64_t n = s->p->status[JBP_ST_RECLAIM_COUNT];
    CHECK(n == s->p->reclaim_n, "status reclaim count %llu != %u", (unsigned long long)n, s->p->reclaim_n);
    for (uint64_t i = 0; i < n; i++)
        tp_free(&s->pool, s->p->reclaim[i]);
}

static void side_open(struct side *s, struct mlx5_model_cfg cfg, uint32_t nbuf, uint32_t bs)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < BURST; i++) {
        s->rx[i].buffer = JBP_NO_BUFFER;
        s->tx[i].buffer = JBP_NO_BUFFER;
        for (int q = 0; q < 4; q++)
            s->qtx[q][i].buffer = JBP_NO_BUFFER;
    }
    s->m = mlx5_model_create(&cfg);
    CHECK(s->m != NULL, "model");
    tp_init(&s->pool, nbuf, bs);
    s->p = mlx5_model_open_port(s->m, s->pool.mem, bs, nbuf);
    CHECK(s->p != NULL, "open port");
    CHECK(jbp_port_check(s->p) == 0, "port check");
    uint32_t total = cfg.n_rxq * cfg.rx_size;
    uint32_t *bufs = calloc(total, sizeof(uint32_t));
    for (uint32_t i = 0; i < total; i++)
        bufs[i] = tp_alloc(&s->pool);
    CHECK(jbp_port_fill_rx(s->p, bufs, total) == 0, "fill");
    free(bufs);
}

/* Arms every empty slot of the receive burst (the Link contract), from slot 0. */
static void side_arm(struct side *s, uint32_t cap)
{
    for (uint32_t i = 0; i < cap; i++)
        if (s->rx[i].buffer == JBP_NO_BUFFER)
            s->rx[i].buffer = tp_alloc(&s->pool);
}

static int side_receive(struct side *s, uint32_t q, uint32_t cap)
{
    side_arm(s, cap);
    int n = jbp_port_receive(s->p, q, s->rx, cap);
    side_reclaim(s);
    return n;
}

/* Takes the frame in rx slot i away from the burst (the stack "processes" it) and frees it. */
static void side_consume(struct side *s, uint32_t i)
{
    tp_free(&s->pool, s->rx[i].buffer);
    s->rx[i].buffer = JBP_NO_BUFFER;
}

/* Transmits the burst and does with it what RdmaLink does (the Link contract): the frames the port did not
 * accept move to the front; the slots of accepted ones, whose buffers the port now holds, are cleared. */
static int side_transmit_on(struct side *s, uint32_t q, struct jbp_desc *tx, uint32_t *ntx)
{
    uint32_t before = *ntx;
    struct jbp_desc sent[BURST];
    memcpy(sent, tx, sizeof(sent));
    int n = jbp_port_transmit(s->p, q, tx, before);
    side_reclaim(s);
    CHECK(n >= 0 && (uint32_t)n <= before, "transmit returned %d of %u", n, before);
    CHECK(memcmp(sent, tx, sizeof(sent)) == 0, "transmit rewrote the burst");
    *ntx = before - (uint32_t)n;
    memmove(tx, tx + n, (size_t)*ntx * sizeof(tx[0]));
    for (uint32_t i = *ntx; i < BURST; i++)
        tx[i].buffer = JBP_NO_BUFFER;
    return n;
}

static int side_transmit(struct side *s)
{
    return side_transmit_on(s, 0, s->tx, &s->ntx);
}

/* Transmits on send queue q from that queue's burst (queue 0: the side's usual one). */
static int side_transmit_q(struct side *s, uint32_t q)
{
    return q == 0 ? side_transmit(s) : side_transmit_on(s, q, s->qtx[q], &s->nqtx[q]);
}

static void side_close(struct side *s)
{
    int n = jbp_port_quiesce(s->p);
    CHECK(n >= 0, "quiesce");
    side_reclaim(s);
    for (int i = 0; i < BURST; i++) {
        if (s->rx[i].buffer != JBP_NO_BUFFER)
            tp_free(&s->pool, s->rx[i].buffer);
        if (s->tx[i].buffer != JBP_NO_BUFFER)
            tp_free(&s->pool, s->tx[i].buffer);
        for (int q = 1; q < 4; q++)
            if (s->qtx[q][i].buffer != JBP_NO_BUFFER)
                tp_free(&s->pool, s->qtx[q][i].buffer);
    }
    CHECK(tp_in_use(&s->pool) == 0, "%u buffers leaked", tp_in_use(&s->pool));
    CHECK(s->m->stats.doorbell_mismatch == 0, "%llu doorbells did not match the last WQE",
          (unsigned long long)s->m->stats.doorbell_mismatch);
    for (uint32_t q = 0; q < s->m->cfg.n_rxq; q++)
        CHECK(s->m->sq[q].cq.overruns == 0 && s->m->rq[q].cq.overruns == 0, "CQ overrun on queue %u", q);
    CHECK(s->m->stats.bad_transitions == 0, "%llu queue state changes the adapter refuses",
          (unsigned long long)s->m->stats.bad_transitions);
    s->p->backend->destroy(s->p);
    mlx5_model_destroy(s->m);
    free(s->pool.mem);
    free(s->pool.held);
    free(s->pool.stack);
}

static uint64_t txst(struct side *s, int w)
{
    return s->p->status[JBP_ST_TXQ_BASE(0) + w];
}

static uint64_t txst_q(struct side *s, uint32_t q, int w)
{
    return s->p->status[JBP_ST_TXQ_BASE(q) + w];
}

static uint64_t rxst(struct side *s, uint32_t q, int w)
{
    return s->p->status[JBP_ST_RXQ_BASE(q) + w];
}

static const struct flow FLOW_AB = { 0xc6120001, 0xc6120002, 1000, 2000, 17 };
static const struct flow FLOW_BA = { 0xc6120002, 0xc6120001, 2000, 1000, 17 };

/* Queues one frame for transmit in the next free slot of send queue q's burst. */
static void queue_frame_q(struct side *s, uint32_t q, uint32_t len, uint64_t dst, const struct flow *fl,
                          uint32_t seq, uint32_t flags)
{
    struct jbp_desc *tx = q == 0 ? s->tx : s->qtx[q];
    uint32_t *ntx = q == 0 ? &s->ntx : &s->nqtx[q];
    CHECK(*ntx < BURST, "tx burst full");
    uint32_t b = tp_alloc(&s->pool);
    CHECK(b != JBP_NO_BUFFER, "pool empty");
    build(tp_buf(&s->pool, b), len, dst, s->m->cfg.mac, fl, seq, flags != 0);
    tx[(*ntx)++] = (struct jbp_desc){ .buffer = b, .length = len, .flags = flags };
}

/* The same frame as a chain of two buffers (its first 100 bytes, then the rest), for the gather path. */
static void queue_chain_q(struct side *s, uint32_t q, uint32_t len, uint64_t dst, const struct flow *fl,
                          uint32_t seq)
{
    struct jbp_desc *tx = q == 0 ? s->tx : s->qtx[q];
    uint32_t *ntx = q == 0 ? &s->ntx : &s->nqtx[q];
    CHECK(*ntx + 1 < BURST && len > 100, "tx burst full");
    uint8_t f[2048];
    build(f, len, dst, s->m->cfg.mac, fl, seq, 0);
    uint32_t b0 = tp_alloc(&s->pool), b1 = tp_alloc(&s->pool);
    CHECK(b0 != JBP_NO_BUFFER && b1 != JBP_NO_BUFFER, "pool empty");
    memcpy(tp_buf(&s->pool, b0), f, 100);
    memcpy(tp_buf(&s->pool, b1), f + 100, len - 100);
    tx[(*ntx)++] = (struct jbp_desc){ .buffer = b0, .length = 100, .flags = JBP_DESC_CONTINUES };
    tx[(*ntx)++] = (struct jbp_desc){ .buffer = b1, .length = len - 100, .flags = 0 };
}

/* Queues one frame for transmit in the next free tx slot (send queue 0). */
static void queue_frame(struct side *s, uint32_t len, uint64_t dst, const struct flow *fl, uint32_t seq,
                        uint32_t flags)
{
    queue_frame_q(s, 0, len, dst, fl, seq, flags);
}

/* Expected length of the frame with sequence number `seq` in most tests: varied, 60..1514. */
static uint32_t len_of(uint32_t seq)
{
    return 60 + (seq * 37) % (1514 - 60 + 1);
}

/* Receives until `expect` frames arrived on queue q (checking their sequence and contents), returns them. */
static void expect_frames(struct side *s, uint32_t q, uint32_t cap, uint32_t *next_seq, uint32_t expect,
                          uint32_t (*len_fn)(uint32_t))
{
    uint32_t got = 0;
    for (int idle = 0; got < expect;) {
        int n = side_receive(s, q, cap);
        CHECK(n >= 0, "receive %d", n);
        idle = n == 0 ? idle + 1 : 0;
        CHECK(idle < 3, "stalled: only %u of %u frames arrived", got, expect);
        for (int i = 0; i < n; i++) {
            const uint8_t *f = tp_buf(&s->pool, s->rx[i].buffer);
            uint32_t seq = frame_seq(f);
            CHECK(seq == *next_seq, "frame %u arrived, expected %u", seq, *next_seq);
            CHECK(s->rx[i].length == len_fn(seq), "frame %u: length %u, expected %u", seq, s->rx[i].length,
                  len_fn(seq));
            uint8_t ref[2048];
            build(ref, s->rx[i].length, s->m->cfg.mac, MAC_A == s->m->cfg.mac ? MAC_B : MAC_A,
                  MAC_A == s->m->cfg.mac ? &FLOW_BA : &FLOW_AB, seq, 0);
            CHECK(memcmp(ref, f, s->rx[i].length) == 0, "frame %u: contents differ", seq);
            CHECK(s->rx[i].flags & JBP_RX_L3_CSUM_OK, "frame %u: L3 not verified", seq);
            CHECK(s->rx[i].flags & JBP_RX_L4_CSUM_OK, "frame %u: L4 not verified", seq);
            (*next_seq)++;
            side_consume(s, (uint32_t)i);
        }
        got += (uint32_t)n;
        if (n == 0)
            mlx5_model_rx_flush(s->m);
    }
    CHECK(got == expect, "got %u frames, expected %u", got, expect);
}

/* Sends `count` frames from a to b in bursts of `burst`, moving them over the wire, and checks them at b. */
static void pump(struct side *a, struct side *b, uint32_t count, uint32_t burst, uint32_t rx_cap,
                 uint32_t (*len_fn)(uint32_t))
{
    uint32_t seq = 0, next = 0;
    const struct flow *fl = a->m->cfg.mac == MAC_A ? &FLOW_AB : &FLOW_BA;
    while (seq < count) {
        uint32_t k = count - seq < burst ? count - seq : burst;
        for (uint32_t i = 0; i < k; i++, seq++)
            queue_frame(a, len_fn(seq), b->m->cfg.mac, fl, seq, 0);
        while (a->ntx > 0) {
            side_transmit(a);
            mlx5_model_wire(a->m, b->m);
            expect_frames(b, 0, rx_cap, &next, seq - next - a->ntx, len_fn);
        }
    }
    /* reap the last completions */
    side_transmit(a);
    CHECK(next == count, "received %u of %u", next, count);
}

static uint32_t len_small(uint32_t seq)
{
    return 60 + seq % 8;
}

/* ---- the cases ---- */

static void dv_tx_rx_bursts(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cfg_default(MAC_B), 2048, 2048);
    pump(&a, &b, 3000, 32, 64, len_of);
    pump(&b, &a, 3000, 100, 256, len_of);
    CHECK(txst(&a, JBP_TXQ_PACKETS) == 3000, "A sent %llu", (unsigned long long)txst(&a, JBP_TXQ_PACKETS));
    CHECK(rxst(&b, 0, JBP_RXQ_PACKETS) == 3000, "B received");
    CHECK(rxst(&a, 0, JBP_RXQ_PACKETS) == 3000, "A received");
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 0, "A still has frames in flight");
    CHECK(rxst(&b, 0, JBP_RXQ_DROPS) == 0 && txst(&a, JBP_TXQ_DROPS) == 0, "drops");
    CHECK(a.p->status[JBP_ST_MODE] == JBP_RDMA_MODE_DV, "mode");
    side_close(&a);
    side_close(&b);
}

static void dv_wraparound_16bit_counters(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A), cb = cfg_default(MAC_B);
    ca.rx_size = cb.rx_size = 64;
    ca.tx_size = cb.tx_size = 64;
    side_open(&a, ca, 512, 2048);
    side_open(&b, cb, 512, 2048);
    /* From zero, 140000 frames: SQ and RQ WQE counters wrap twice, the CQs go round thousands of laps. */
    pump(&a, &b, 140000, 16, 32, len_small);
    CHECK(a.p->txq[0].pi == 140000 && a.p->txq[0].ci == 140000, "tx counters %u/%u", a.p->txq[0].pi, a.p->txq[0].ci);
    CHECK(a.p->txq[0].dbrec[MLX5_SND_DBR] == htobe32(140000 & 0xffff), "SQ doorbell record");
    CHECK(b.p->rxq[0].dbrec[MLX5_RCV_DBR] == htobe32((140000 + 64) & 0xffff), "RQ doorbell record");
    CHECK(b.p->rxq[0].cq.dbrec[0] == htobe32(140000 & 0xffffff), "RX CQ consumer index");
    side_close(&a);
    side_close(&b);

    /* And across the 24-bit CQ index and the 32-bit free-running counters, by starting both the driver and the
     * model just below the wrap (they only have to agree; the hardware starts at 0). */
    side_open(&a, ca, 512, 2048);
    memset(&b, 0, sizeof(b));
    b.m = mlx5_model_create(&cb);
    tp_init(&b.pool, 512, 2048);
    for (int i = 0; i < BURST; i++) {
        b.rx[i].buffer = b.tx[i].buffer = JBP_NO_BUFFER;
        for (int q = 0; q < 4; q++)
            b.qtx[q][i].buffer = JBP_NO_BUFFER;
    }
    b.p = mlx5_model_open_port(b.m, b.pool.mem, 2048, 512);
    b.p->rxq[0].cq.ci = b.m->rq[0].cq.pi = 0xffffc0u;
    b.m->rq[0].cq.dbrec[0] = htobe32(0xffffc0u);
    b.p->rxq[0].pi = b.p->rxq[0].ci = b.m->rq[0].ci = 0xffffffd0u;
    a.p->txq[0].pi = a.p->txq[0].ci = a.m->sq[0].ci = 0xffffffe0u;
    a.p->txq[0].cq.ci = a.m->sq[0].cq.pi = 0xffff00u;
    a.m->sq[0].cq.dbrec[0] = htobe32(0xffff00u);
    uint32_t bufs[64];
    for (int i = 0; i < 64; i++)
        bufs[i] = tp_alloc(&b.pool);
    CHECK(jbp_port_fill_rx(b.p, bufs, 64) == 0, "fill");
    pump(&a, &b, 2000, 16, 32, len_small);
    CHECK(a.p->txq[0].pi == 0xffffffe0u + 2000, "tx pi wrapped to %u", a.p->txq[0].pi);
    CHECK(b.p->rxq[0].cq.ci == 0xffffc0u + 2000, "rx cq ci %u", b.p->rxq[0].cq.ci);
    CHECK(b.p->rxq[0].cq.dbrec[0] == htobe32((0xffffc0u + 2000) & 0xffffff), "24-bit CQ index wrapped");
    side_close(&a);
    side_close(&b);
}

static void dv_deliver_one(struct side *a, struct side *b, uint32_t seq)
{
    queue_frame(a, 64, MAC_B, &FLOW_AB, seq, 0);
    side_transmit(a);
    mlx5_model_wire(a->m, b->m);
}

static void mlx5_cq_ownership_flips(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A), cb = cfg_default(MAC_B);
    cb.rx_size = 64; /* a CQ of 128 entries */
    side_open(&a, ca, 1024, 2048);
    side_open(&b, cb, 512, 2048);
    struct jbp_dv_cq *cq = &b.p->rxq[0].cq;
    CHECK(cq->cqe_cnt == 128, "CQ of %u", cq->cqe_cnt);
    for (uint32_t seq = 0; seq < 1000; seq++) {
        dv_deliver_one(&a, &b, seq);
        uint32_t idx = cq->ci;
        const uint8_t *slot = cq->buf + (size_t)(idx & 127) * 64;
        CHECK((slot[63] & 1) == ((idx >> 7) & 1), "CQE %u written with owner %u on lap %u", idx, slot[63] & 1,
              idx >> 7);
        int n = side_receive(&b, 0, 8);
        CHECK(n == 1, "frame %u: received %d", seq, n);
        CHECK(frame_seq(tp_buf(&b.pool, b.rx[0].buffer)) == seq, "sequence");
        side_consume(&b, 0);
        /* The entry just consumed still carries this lap's owner bit: it must not be taken again. */
        CHECK(side_receive(&b, 0, 8) == 0, "frame %u delivered twice", seq);
        side_transmit(&a);
    }
    /* A stale entry with the previous lap's owner bit at the next index is hardware-owned. */
    uint32_t idx = cq->ci;
    uint8_t *slot = cq->buf + (size_t)(idx & 127) * 64;
    uint8_t saved = slot[63];
    slot[63] = (uint8_t)((MLX5_CQE_RESP_SEND << 4) | (((idx >> 7) & 1) ^ 1));
    CHECK(side_receive(&b, 0, 8) == 0, "took an entry of the wrong lap");
    /* ... and so is one with opcode INVALID, whatever its owner bit (rdma-core get_sw_cqe). */
    slot[63] = (uint8_t)((MLX5_CQE_INVALID << 4) | ((idx >> 7) & 1));
    CHECK(side_receive(&b, 0, 8) == 0, "took an invalid entry");
    slot[63] = saved;
    side_close(&a);
    side_close(&b);
}

static uint32_t len_compress(uint32_t seq)
{
    /* Lengths whose low byte is 0x20 or 0x21 make a mini-CQE array's last byte look like a valid op_own. */
    static const uint32_t special[] = { 0x120, 0x121, 0x220, 0x221, 0x520, 0x521 };
    return seq % 3 == 0 ? special[(seq / 3) % 6] : 60 + (seq * 53) % 1455;
}

static void mlx5_compressed_cqe_sessions(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A), cb = cfg_default(MAC_B);
    cb.rx_size = 64;
    cb.compression = 1;
    cb.max_session = 64;
    cb.poison_holes = 1;
    side_open(&a, ca, 2048, 2048);
    side_open(&b, cb, 1024, 2048);
    /* Bursts of 1..64 frames: sessions of every size, across many laps of a 128-entry CQ. */
    uint32_t seq = 0, next = 0;
    for (uint32_t round = 0; round < 400; round++) {
        uint32_t k = 1 + (round * 7) % 64;
        for (uint32_t i = 0; i < k; i++, seq++)
            queue_frame(&a, len_compress(seq), MAC_B, &FLOW_AB, seq, 0);
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        expect_frames(&b, 0, 256, &next, k, len_compress);
        CHECK(side_receive(&b, 0, 256) == 0, "ghost frames after round %u", round);
    }
    side_transmit(&a);
    CHECK(b.m->stats.rx_sessions > 300, "only %llu sessions", (unsigned long long)b.m->stats.rx_sessions);
    CHECK(b.m->stats.rx_sessions_wrapped > 0, "no session straddled the end of the CQ");
    CHECK(rxst(&b, 0, JBP_RXQ_COMPRESSED) == b.m->stats.rx_sessions, "sessions seen %llu, written %llu",
          (unsigned long long)rxst(&b, 0, JBP_RXQ_COMPRESSED), (unsigned long long)b.m->stats.rx_sessions);
    CHECK(rxst(&b, 0, JBP_RXQ_PACKETS) == seq, "packets");
    side_close(&a);
    side_close(&b);
}

static void mlx5_compressed_cqe_split_across_bursts(void)
{
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.rx_size = 128;
    cb.compression = 1;
    cb.max_session = 64;
    cb.poison_holes = 1;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cb, 1024, 2048);
    /* Receive bursts of 3 (and of 1): every session is delivered over several calls. */
    uint32_t seq = 0, next = 0;
    for (uint32_t round = 0; round < 100; round++) {
        uint32_t k = 20 + round % 45;
        for (uint32_t i = 0; i < k; i++, seq++)
            queue_frame(&a, len_compress(seq), MAC_B, &FLOW_AB, seq, 0);
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        expect_frames(&b, 0, round % 2 ? 3 : 1, &next, k, len_compress);
    }
    side_transmit(&a);
    CHECK(b.m->stats.rx_sessions >= 100, "sessions");
    CHECK(rxst(&b, 0, JBP_RXQ_NO_BUFFER) == 0, "no-buffer");
    side_close(&a);
    side_close(&b);
}

static void mlx5_compressed_holes_invalidated(void)
{
    /* Lap 0 plain CQEs, lap 1 a compressed session over the same slots, lap 2 plain again: the stale lap-0
     * entries in lap 1's holes carry lap 2's owner bit, so a driver that left them would see ghosts. */
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.rx_size = 64;
    cb.max_session = 64;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cb, 1024, 2048);
    /* Chunks chosen so that, on the plain laps, the next index the driver looks at is a hole of the previous
     * lap's sessions. */
    static const uint32_t plain_chunks[] = { 5, 13, 46, 64 };
    static const uint32_t session_chunks[] = { 40, 40, 48 };
    uint32_t seq = 0, next = 0;
    for (int lap = 0; lap < 6; lap++) {
        b.m->cfg.compression = lap % 2;
        const uint32_t *chunks = lap % 2 ? session_chunks : plain_chunks;
        uint32_t nchunks = lap % 2 ? 3 : 4;
        for (uint32_t part = 0; part < nchunks; part++) {
            for (uint32_t i = 0; i < chunks[part]; i++, seq++)
                queue_frame(&a, len_compress(seq), MAC_B, &FLOW_AB, seq, 0);
            side_transmit(&a);
            mlx5_model_wire(a.m, b.m);
            expect_frames(&b, 0, 256, &next, chunks[part], len_compress);
            for (int extra = 0; extra < 3; extra++)
                CHECK(side_receive(&b, 0, 256) == 0, "ghost frame on lap %d", lap);
        }
    }
    side_transmit(&a);
    CHECK(b.m->stats.rx_sessions == 9, "sessions %llu", (unsigned long long)b.m->stats.rx_sessions);
    side_close(&a);
    side_close(&b);
}

static void mlx5_tx_error_cqe_recovers(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    for (int i = 0; i < 10; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    expect_frames(&b, 0, 64, &next, 10, len_of);

    /* The adapter fails the next WQE: an error CQE, then flushes. */
    a.m->inject_tx_syndrome = MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
    for (int i = 0; i < 10; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 64) == 0, "a failed send arrived");
    /* The next call sees the error CQE: the queue goes to the error state... */
    CHECK(side_transmit(&a) == 0, "nothing to send");
    CHECK(a.p->txq[0].state == JBP_Q_ERROR, "state %d", a.p->txq[0].state);
    CHECK(txst(&a, JBP_TXQ_CQE_ERRORS) >= 1, "error counted");
    CHECK((txst(&a, JBP_TXQ_LAST_SYNDROME) & 0xff) == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR, "syndrome %llx",
          (unsigned long long)txst(&a, JBP_TXQ_LAST_SYNDROME));
    CHECK(strstr(a.p->error, "protection") != NULL, "error text: %s", a.p->error);
    /* ... and the one after recovers it: every buffer of the failed WQEs comes back, frames flow again. */
    next = seq;
    for (int i = 0; i < 10; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    CHECK(side_transmit(&a) == 10, "accepted after recovery");
    CHECK(a.p->txq[0].state == JBP_Q_OK, "recovered");
    CHECK(txst(&a, JBP_TXQ_RECOVERIES) == 1, "one recovery");
    mlx5_model_wire(a.m, b.m);
    expect_frames(&b, 0, 64, &next, 10, len_of);
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 0, "in flight");
    side_close(&a);
    side_close(&b);
}

/*
 * Every CQE error syndrome of the PRM's table (rdma-core's MLX5_CQE_SYNDROME_* names) in words, the verbs statuses
 * rdma-core makes of them in the same words, and, injected on a send queue one after the other, each named in the
 * port's error text (the log line and the exception) with its vendor syndrome, the queue brought back each time.
 */
static void mlx5_syndrome_words(void)
{
    static const struct { uint8_t syndrome; int status; const char *words; } table[] = {
        { MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, IBV_WC_LOC_LEN_ERR, "local length error" },
        { MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, IBV_WC_LOC_QP_OP_ERR, "local QP operation error" },
        { MLX5_CQE_SYNDROME_LOCAL_PROT_ERR, IBV_WC_LOC_PROT_ERR, "local protection error" },
        { MLX5_CQE_SYNDROME_WR_FLUSH_ERR, IBV_WC_WR_FLUSH_ERR, "work request flushed" },
        { MLX5_CQE_SYNDROME_MW_BIND_ERR, IBV_WC_MW_BIND_ERR, "memory window bind error" },
        { MLX5_CQE_SYNDROME_BAD_RESP_ERR, IBV_WC_BAD_RESP_ERR, "bad response" },
        { MLX5_CQE_SYNDROME_LOCAL_ACCESS_ERR, IBV_WC_LOC_ACCESS_ERR, "local access error" },
        { MLX5_CQE_SYNDROME_REMOTE_INVAL_REQ_ERR, IBV_WC_REM_INV_REQ_ERR, "remote invalid request" },
        { MLX5_CQE_SYNDROME_REMOTE_ACCESS_ERR, IBV_WC_REM_ACCESS_ERR, "remote access error" },
        { MLX5_CQE_SYNDROME_REMOTE_OP_ERR, IBV_WC_REM_OP_ERR, "remote operation error" },
        { MLX5_CQE_SYNDROME_TRANSPORT_RETRY_EXC_ERR, IBV_WC_RETRY_EXC_ERR, "transport retry exceeded" },
        { MLX5_CQE_SYNDROME_RNR_RETRY_EXC_ERR, IBV_WC_RNR_RETRY_EXC_ERR, "RNR retry exceeded" },
        { MLX5_CQE_SYNDROME_REMOTE_ABORTED_ERR, IBV_WC_REM_ABORT_ERR, "remote aborted" },
    };
    const size_t n = sizeof(table) / sizeof(table[0]);
    for (size_t i = 0; i < n; i++) {
        const char *w = jbp_mlx5_syndrome_str(table[i].syndrome);
        CHECK(strncmp(w, table[i].words, strlen(table[i].words)) == 0, "syndrome 0x%02x: %s", table[i].syndrome, w);
        CHECK(strcmp(jbp_ibv_status_str(table[i].status), w) == 0, "status %d: %s", table[i].status,
              jbp_ibv_status_str(table[i].status));
        CHECK(jbp_rdma_syndrome_str(JBP_RDMA_MODE_DV, table[i].syndrome) == w, "dv mode");
        CHECK(jbp_rdma_syndrome_str(JBP_RDMA_MODE_IBV, (uint8_t)table[i].status) == w, "verbs mode");
    }
    CHECK(strcmp(jbp_mlx5_syndrome_str(0x77), "unknown syndrome") == 0, "unknown syndrome");
    CHECK(strcmp(jbp_ibv_status_str(IBV_WC_GENERAL_ERR), "general error") == 0, "general error");
    CHECK(strncmp(jbp_ibv_status_str(IBV_WC_FATAL_ERR), "fatal error", 11) == 0, "fatal");
    CHECK(strcmp(jbp_ibv_status_str(999), "unknown status") == 0, "unknown status");

    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    for (size_t i = 0; i < n; i++) {
        a.m->inject_tx_syndrome = table[i].syndrome;
        for (int k = 0; k < 4; k++, seq++)
            queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        CHECK(side_receive(&b, 0, 64) == 0, "a failed send arrived");
        side_transmit(&a); /* reaps the error CQE */
        CHECK(a.p->txq[0].state == JBP_Q_ERROR, "syndrome 0x%02x: state %d", table[i].syndrome, a.p->txq[0].state);
        CHECK(strstr(a.p->error, table[i].words) != NULL, "syndrome 0x%02x: error text: %s", table[i].syndrome,
              a.p->error);
        CHECK(strstr(a.p->error, "vendor syndrome 0x") != NULL, "vendor syndrome: %s", a.p->error);
        CHECK((txst(&a, JBP_TXQ_LAST_SYNDROME) & 0xff) == table[i].syndrome, "last syndrome");
        /* Brought back by the next call; frames flow. */
        next = seq;
        for (int k = 0; k < 4; k++, seq++)
            queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
        CHECK(side_transmit(&a) == 4, "accepted after recovery");
        mlx5_model_wire(a.m, b.m);
        expect_frames(&b, 0, 64, &next, 4, len_of);
    }
    CHECK(txst(&a, JBP_TXQ_RECOVERIES) == n, "one recovery per error: %llu",
          (unsigned long long)txst(&a, JBP_TXQ_RECOVERIES));
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

/* Copies a frame into a chain of fresh pool buffers, the first holding `first` bytes and the others up to the
 * buffer size, as descriptors d[0..]; flags go on the first, CONTINUES on all but the last. Returns the count. */
static uint32_t chain_of(struct side *s, struct jbp_desc *d, const uint8_t *f, uint32_t len, uint32_t first,
                         uint32_t flags)
{
    uint32_t n = 0;
    for (uint32_t off = 0; off < len; n++) {
        uint32_t take = n == 0 ? first : len - off < s->pool.bs ? len - off : s->pool.bs;
        if (take > len - off)
            take = len - off;
        d[n].buffer = tp_alloc(&s->pool);
        memcpy(tp_buf(&s->pool, d[n].buffer), f + off, take);
        d[n].length = take;
        d[n].flags = n == 0 ? flags : 0;
        d[n].hash = 0;
        off += take;
    }
    for (uint32_t k = 0; k + 1 < n; k++)
        d[k].flags |= JBP_DESC_CONTINUES;
    return n;
}

static uint16_t be16_at(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Whether a TCP/IPv4 frame's two checksums verify (RFC 1071 over the header; over pseudo-header and segment). */
static int tcp4_checksums_ok(const uint8_t *f, uint32_t len)
{
    const uint8_t *ip = f + 14;
    uint32_t ihl = (uint32_t)(ip[0] & 15) * 4, tot = be16_at(ip + 2);
    if (14 + tot != len || csum16(ip, ihl, 0) != 0)
        return 0;
    uint32_t pseudo = (csum16(ip + 12, 8, 0) ^ 0xffff) + 6 + (tot - ihl);
    return csum16(ip + ihl, tot - ihl, pseudo) == 0;
}

/*
 * Multi-segment gather and LSO on the model: a frame chained over three buffers leaves as the one frame they
 * make; a 20000-byte TCP/IPv4 super-frame chained over eleven buffers goes out as one LSO WQE (MLX5_OPCODE_TSO,
 * the MSS and every header inlined in the Ethernet segment, one data segment per buffer) and arrives as MSS-sized
 * segments cut as the adapter cuts them: headers replicated, IPv4 length and identification, TCP sequence and
 * flags per segment, both checksums right, the payload intact in order. What the queue cannot send (LSO on a
 * queue without it, headers outside the first buffer, a chain past the burst) is dropped and counted, its buffers
 * back.
 */
static void mlx5_lso_and_gather(void)
{
    struct mlx5_model_cfg ca = cfg_default(MAC_A);
    ca.csum = 1;
    ca.max_tso = 65536;
    struct side a, b;
    side_open(&a, ca, 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    CHECK(a.p->txq[0].max_tso == 65536 && txst(&a, JBP_TXQ_MAX_TSO) == 65536, "LSO on");
    CHECK(a.p->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP_SEGMENTATION, "capability published");
    static uint8_t f[24000];
    const struct flow fl = { 0xc6120001, 0xc6120002, 7000, 40000, 6 };

    /* A plain frame of 1400 bytes in three buffers. */
    build(f, 1400, MAC_B, MAC_A, &fl, 77, 0);
    static const uint32_t part[3] = { 100, 700, 600 };
    for (uint32_t k = 0, at = 0; k < 3; at += part[k], k++) {
        a.tx[k] = (struct jbp_desc){ .buffer = tp_alloc(&a.pool), .length = part[k],
                                     .flags = k < 2 ? JBP_DESC_CONTINUES : 0 };
        memcpy(tp_buf(&a.pool, a.tx[k].buffer), f + at, part[k]);
    }
    a.ntx = 3;
    CHECK(side_transmit(&a) == 3, "the chain accepted whole");
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 64) == 1 && b.rx[0].length == 1400, "one frame");
    CHECK(memcmp(tp_buf(&b.pool, b.rx[0].buffer), f, 1400) == 0, "gathered in order");
    side_consume(&b, 0);
    CHECK(a.m->stats.tx_gather_segs == 1, "one WQE gathered three segments");

    /* A TCP/IPv4 super-frame: 20000 bytes of payload, MSS 1460, CWR|PSH|ACK|FIN set. */
    const uint32_t payload = 20000, mss = 1460, hdr = 54;
    build(f, hdr + payload, MAC_B, MAC_A, &fl, 5, 1);
    f[14 + 4] = 0x12;
    f[14 + 5] = 0x34;
    f[34 + 4] = 0x00;
    f[34 + 5] = 0x00;
    f[34 + 6] = 0x10;
    f[34 + 7] = 0x00; /* seq 4096 */
    f[34 + 13] = 0x80 | 0x18 | 0x01;
    a.ntx = chain_of(&a, a.tx, f, hdr + payload, 1000, JBP_GSO_TCPV4 | JBP_TX_L4_CSUM | (mss << JBP_GSO_SIZE_SHIFT));
    CHECK(a.ntx == 11, "%u buffers", a.ntx);
    CHECK(side_transmit(&a) == 11, "the super-frame accepted whole");
    CHECK(txst(&a, JBP_TXQ_TSO_FRAMES) == 1, "one LSO WQE");
    mlx5_model_wire(a.m, b.m);
    const uint32_t nseg = (payload + mss - 1) / mss;
    CHECK(a.m->stats.tx_tso_wqes == 1 && a.m->stats.tx_tso_segments == nseg, "%llu segments",
          (unsigned long long)a.m->stats.tx_tso_segments);
    uint32_t got = 0, off = 0;
    while (got < nseg) {
        int n = side_receive(&b, 0, 64);
        CHECK(n > 0, "segments arrive (%u of %u)", got, nseg);
        for (int i = 0; i < n; i++, got++) {
            const uint8_t *g = tp_buf(&b.pool, b.rx[i].buffer);
            uint32_t chunk = payload - off < mss ? payload - off : mss;
            int last = got == nseg - 1;
            CHECK(b.rx[i].length == hdr + chunk, "segment %u: %u bytes", got, b.rx[i].length);
            CHECK(memcmp(g, f, 14) == 0 && memcmp(g + 14 + 12, f + 14 + 12, 8) == 0, "addresses replicated");
            CHECK(be16_at(g + 14 + 2) == 40 + chunk, "IPv4 total length");
            CHECK(be16_at(g + 14 + 4) == (uint16_t)(0x1234 + got), "IPv4 identification %x", be16_at(g + 18));
            CHECK(be32_at(g + 34 + 4) == 4096 + off, "TCP sequence %u", be32_at(g + 38));
            uint8_t want = (uint8_t)(0x10 | (got == 0 ? 0x80 : 0) | (last ? 0x09 : 0));
            CHECK(g[34 + 13] == want, "segment %u flags %02x, want %02x", got, g[47], want);
            CHECK(tcp4_checksums_ok(g, b.rx[i].length), "segment %u checksums", got);
            CHECK(b.rx[i].flags & JBP_RX_L4_CSUM_OK, "the receiver's adapter agrees");
            CHECK(memcmp(g + hdr, f + hdr + off, chunk) == 0, "segment %u payload", got);
            off += chunk;
            side_consume(&b, (uint32_t)i);
        }
    }
    CHECK(off == payload, "all of it");
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 0, "every WQE completed, every buffer back");

    /* Refused: LSO headers beyond the first buffer; a chain that runs past the end of the burst. */
    uint64_t drops = txst(&a, JBP_TXQ_DROPS);
    a.ntx = chain_of(&a, a.tx, f, hdr + 4000, 40, JBP_GSO_TCPV4 | (mss << JBP_GSO_SIZE_SHIFT));
    uint32_t n1 = a.ntx;
    CHECK(side_transmit(&a) == (int)n1, "accepted and dropped");
    a.ntx = chain_of(&a, a.tx, f, 3000, 1500, 0);
    a.tx[a.ntx - 1].flags |= JBP_DESC_CONTINUES; /* the chain claims to go on past the burst */
    CHECK(side_transmit(&a) == 2, "accepted and dropped");
    CHECK(txst(&a, JBP_TXQ_DROPS) == drops + 2, "counted");
    side_close(&a);
    side_close(&b);

    /* A queue without LSO refuses super-frames (the stack is never told it may send them). */
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    CHECK(a.p->txq[0].max_tso == 0 && !(a.p->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP_SEGMENTATION), "no LSO");
    build(f, hdr + 4000, MAC_B, MAC_A, &fl, 5, 1);
    a.ntx = chain_of(&a, a.tx, f, hdr + 4000, 2048, JBP_GSO_TCPV4 | (mss << JBP_GSO_SIZE_SHIFT));
    CHECK(side_transmit(&a) == 2 && txst(&a, JBP_TXQ_DROPS) == 1 && a.m->stats.tx_frames == 0, "dropped");
    side_close(&a);
}

/* Whether a TCP/IPv6 frame's payload length and TCP checksum (over the RFC 8200 8.1 pseudo-header) verify. */
static int tcp6_checksum_ok(const uint8_t *f, uint32_t len)
{
    const uint8_t *ip = f + 14;
    uint32_t pl = be16_at(ip + 4);
    if (54 + pl != len || ip[6] != 6)
        return 0;
    uint32_t pseudo = (csum16(ip + 8, 32, 0) ^ 0xffff) + 6 + pl;
    return csum16(ip + 40, pl, pseudo) == 0;
}

/*
 * LSO of IPv6 TCP super-frames (GSO_TCPV6): a 30000-byte chain goes out as one LSO WQE with Ethernet, IPv6 and TCP
 * inlined, and arrives as MSS-sized segments whose IPv6 payload length is each segment's, with nothing else of
 * the IPv6 header changed (no identification to advance: the flow label, traffic class and hop limit replicated),
 * the TCP sequence and flags per segment, the checksum over the IPv6 pseudo-header right. Refused and counted: a
 * GSO_TCPV6 chain carrying IPv4, a GSO_TCPV4 chain carrying IPv6, an extension header before TCP.
 */
static void mlx5_lso_ipv6(void)
{
    struct mlx5_model_cfg ca = cfg_default(MAC_A);
    ca.csum = 1;
    ca.max_tso = 65536;
    struct side a, b;
    side_open(&a, ca, 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    static uint8_t f[32000];
    const struct flow6 fl = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, 7000,
                              40000, 6 };
    const uint32_t payload = 30000, mss = 1440, hdr = 74;
    build6(f, hdr + payload, MAC_B, MAC_A, &fl, 9);
    f[14 + 1] = 0x0a; /* traffic class and flow label: replicated as they are */
    f[14 + 2] = 0xbc;
    f[14 + 3] = 0xde;
    f[54 + 4] = 0xff;
    f[54 + 5] = 0xff;
    f[54 + 6] = 0xf0;
    f[54 + 7] = 0x00; /* seq 0xfffff000: wraps within the super-frame */
    f[54 + 13] = 0x80 | 0x18 | 0x01;
    a.ntx = chain_of(&a, a.tx, f, hdr + payload, 200, JBP_GSO_TCPV6 | JBP_TX_L4_CSUM | (mss << JBP_GSO_SIZE_SHIFT));
    uint32_t nd = a.ntx;
    CHECK(side_transmit(&a) == (int)nd, "the super-frame accepted whole");
    CHECK(txst(&a, JBP_TXQ_TSO_FRAMES) == 1 && txst(&a, JBP_TXQ_DROPS) == 0, "one LSO WQE");
    mlx5_model_wire(a.m, b.m);
    const uint32_t nseg = (payload + mss - 1) / mss;
    CHECK(a.m->stats.tx_tso_wqes == 1 && a.m->stats.tx_tso_segments == nseg, "%llu segments",
          (unsigned long long)a.m->stats.tx_tso_segments);
    uint32_t got = 0, off = 0;
    while (got < nseg) {
        int n = side_receive(&b, 0, 64);
        CHECK(n > 0, "segments arrive (%u of %u)", got, nseg);
        for (int i = 0; i < n; i++, got++) {
            const uint8_t *g = tp_buf(&b.pool, b.rx[i].buffer);
            uint32_t chunk = payload - off < mss ? payload - off : mss;
            int last = got == nseg - 1;
            CHECK(b.rx[i].length == hdr + chunk, "segment %u: %u bytes", got, b.rx[i].length);
            CHECK(memcmp(g, f, 18) == 0 && memcmp(g + 20, f + 20, 34 + 4) == 0,
                  "Ethernet, version, class, flow label, next header, hop limit, addresses, ports replicated");
            CHECK(be16_at(g + 14 + 4) == 20 + chunk, "IPv6 payload length %u", be16_at(g + 18));
            CHECK(be32_at(g + 54 + 4) == 0xfffff000u + off, "TCP sequence %x", be32_at(g + 58));
            uint8_t want = (uint8_t)(0x10 | (got == 0 ? 0x80 : 0) | (last ? 0x09 : 0));
            CHECK(g[54 + 13] == want, "segment %u flags %02x, want %02x", got, g[67], want);
            CHECK(tcp6_checksum_ok(g, b.rx[i].length), "segment %u checksum", got);
            CHECK(b.rx[i].flags & JBP_RX_L4_CSUM_OK, "the receiver's adapter agrees");
            CHECK(memcmp(g + hdr, f + hdr + off, chunk) == 0, "segment %u payload", got);
            off += chunk;
            side_consume(&b, (uint32_t)i);
        }
    }
    CHECK(off == payload, "all of it");
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 0, "every WQE completed, every buffer back");

    /* The GSO type must name the frame's IP version, and TCP must follow the fixed IPv6 header. */
    uint64_t drops = txst(&a, JBP_TXQ_DROPS), frames = a.m->stats.tx_frames;
    static uint8_t f4[6000];
    const struct flow fl4 = { 0xc6120001, 0xc6120002, 7000, 40000, 6 };
    build(f4, 54 + 4000, MAC_B, MAC_A, &fl4, 5, 0);
    a.ntx = chain_of(&a, a.tx, f4, 54 + 4000, 2048, JBP_GSO_TCPV6 | (mss << JBP_GSO_SIZE_SHIFT));
    CHECK(side_transmit(&a) == 2, "IPv4 as GSO_TCPV6: accepted and dropped");
    a.ntx = chain_of(&a, a.tx, f, hdr + 4000, 2048, JBP_GSO_TCPV4 | (mss << JBP_GSO_SIZE_SHIFT));
    CHECK(side_transmit(&a) == 2, "IPv6 as GSO_TCPV4: accepted and dropped");
    f[14 + 6] = 0; /* a hop-by-hop options header before TCP */
    a.ntx = chain_of(&a, a.tx, f, hdr + 4000, 2048, JBP_GSO_TCPV6 | (mss << JBP_GSO_SIZE_SHIFT));
    CHECK(side_transmit(&a) == 2, "an extension header: accepted and dropped");
    f[14 + 6] = 6;
    CHECK(txst(&a, JBP_TXQ_DROPS) == drops + 3 && a.m->stats.tx_frames == frames, "counted, nothing sent");
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 0, "their buffers back");
    side_close(&a);
    side_close(&b);
}

static void mlx5_rx_error_cqe_nonfatal(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    b.m->inject_rx_syndrome = MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
    for (int i = 0; i < 5; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    next = 1; /* frame 0 met the error */
    expect_frames(&b, 0, 64, &next, 4, len_of);
    CHECK(rxst(&b, 0, JBP_RXQ_CQE_ERRORS) == 1 && rxst(&b, 0, JBP_RXQ_DROPS) == 1, "counted");
    CHECK(b.p->rxq[0].state == JBP_Q_OK, "a length error does not stop the queue");
    CHECK(b.p->rxq[0].pi - b.p->rxq[0].ci == b.p->rxq[0].size, "ring refilled");
    side_close(&a);
    side_close(&b);

    /* The same from a real oversized frame: a 1024-byte receive buffer, a 1500-byte frame. */
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 1024);
    queue_frame(&a, 1500, MAC_B, &FLOW_AB, 0, 0);
    queue_frame(&a, 100, MAC_B, &FLOW_AB, 1, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 64) == 1 && b.rx[0].length == 100, "the short frame passes");
    side_consume(&b, 0);
    CHECK((rxst(&b, 0, JBP_RXQ_LAST_SYNDROME) & 0xff) == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "syndrome");
    side_close(&a);
    side_close(&b);
}

static void mlx5_rx_error_cqe_fatal_recovers(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    b.m->inject_rx_syndrome = MLX5_CQE_SYNDROME_WR_FLUSH_ERR;
    for (int i = 0; i < 5; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 64) == 0, "nothing before the error");
    CHECK(b.p->rxq[0].state == JBP_Q_ERROR, "queue in error");
    CHECK(strstr(b.p->error, "flushed") != NULL, "error text: %s", b.p->error);
    CHECK(b.m->stats.rx_errors >= 5, "the model dropped the rest");
    /* The next receive recovers: WQ reset, CQ drained, all 256 buffers posted again from index 0. */
    CHECK(side_receive(&b, 0, 64) == 0, "empty after recovery");
    CHECK(b.p->rxq[0].state == JBP_Q_OK && rxst(&b, 0, JBP_RXQ_RECOVERIES) == 1, "recovered");
    CHECK(b.p->rxq[0].pi == 256 && b.p->rxq[0].ci == 0, "ring %u/%u", b.p->rxq[0].ci, b.p->rxq[0].pi);
    CHECK(b.m->rq[0].dbrec[MLX5_RCV_DBR] == htobe32(256), "doorbell after RDY");
    next = seq;
    for (int i = 0; i < 20; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    expect_frames(&b, 0, 64, &next, 20, len_of);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

/*
 * The datapath against the adversarial adapter: a hardware thread (mlx5_model_hw_start) executes A's send WQEs
 * and writes B's receive completions concurrently with this thread, which transmits on A and receives on B, with
 * seeded random delays on both sides. Per seed: 1 or 4 receive queues, CQE compression off or on (with poisoned
 * holes), 8 flows. Checked: every frame arrives intact and in order within its flow, or is counted by the model
 * as dropped for want of a posted WQE (a real adapter's rx_out_of_buffer); no WQE changed after its doorbell; no
 * CQ overran; every buffer came back.
 */
/* n_sq: A's send queues (and receive queues); flow f is sent on send queue f % n_sq, as a flow's frames are sent
 * by the poller that owns it, so each flow stays in order across the adapter's arbitration between SQs. */
static void hw_thread_seed(uint32_t seed, uint32_t n_sq)
{
    uint32_t rng = seed * 2654435761u + 1;
#define RND() (rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5, rng)
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.n_rxq = (seed & 1) ? 4 : 1;
    cb.compression = (seed & 2) != 0;
    cb.poison_holes = cb.compression;
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A);
    ca.inline_mode = (seed & 4) ? MLX5_MODEL_INLINE_L4 : MLX5_MODEL_INLINE_L2;
    ca.n_rxq = n_sq;
    side_open(&a, ca, n_sq * 256 + 1024, 2048);
    side_open(&b, cb, cb.n_rxq * 256 + 512, 2048);
    /* Seeds 4-7 mod 8: WQEs of several blocks, inlining up to L4 (as after an inline-mode detection). */
    for (uint32_t q = 0; q < n_sq; q++)
        a.p->txq[q].inline_l4 = (seed & 4) != 0;
    struct mlx5_model_hw *hw = mlx5_model_hw_start(a.m, b.m, seed, 3000);
    CHECK(hw != NULL, "hardware thread");
    struct flow flows[8];
    uint32_t next_tx[8] = { 0 }, last_rx[8], got_flow[8] = { 0 };
    for (int f = 0; f < 8; f++) {
        flows[f] = FLOW_AB;
        flows[f].sport = (uint16_t)(1000 + 7 * f);
        flows[f].dport = (uint16_t)(2000 + 13 * f);
        last_rx[f] = UINT32_MAX;
    }
    const uint32_t total = 3000;
    uint64_t accepted[4] = { 0 };
    uint32_t sent = 0, got = 0;
    uint64_t dropped = 0;
    for (uint64_t iter = 0;; iter++) {
        CHECK(iter < 50000000ull, "seed %u stuck: sent %u, got %u, dropped %llu", seed, sent, got,
              (unsigned long long)dropped);
        uint32_t burst = 1 + RND() % 32;
        for (uint32_t i = 0; i < burst && sent < total && a.pool.top > 1; i++, sent++) {
            uint32_t f = RND() % 8, q = f % n_sq;
            if ((q == 0 ? a.ntx : a.nqtx[q]) + 1 >= BURST)
                break;
            uint32_t seq = (next_tx[f]++ << 3) | f;
            /* Seeds 8-15 mod 16: every third frame longer than 100 bytes goes as a two-buffer chain (gather). */
            if ((seed & 8) && seq % 3 == 0 && len_of(seq) > 100)
                queue_chain_q(&a, q, len_of(seq), MAC_B, &flows[f], seq);
            else
                queue_frame_q(&a, q, len_of(seq), MAC_B, &flows[f], seq, 0);
        }
        for (uint32_t q = 0; q < n_sq; q++) {
            accepted[q] += (uint64_t)side_transmit_q(&a, q);
            /* A's poller of queue q reaps send queue q's completions. */
            CHECK(side_receive(&a, q, 16) == 0, "A receives nothing");
        }
        for (uint32_t q = 0; q < cb.n_rxq; q++) {
            int n = side_receive(&b, q, 1 + RND() % 64);
            CHECK(n >= 0, "receive %d", n);
            for (int i = 0; i < n; i++) {
                const uint8_t *fr = tp_buf(&b.pool, b.rx[i].buffer);
                uint32_t seq = frame_seq(fr);
                uint32_t f = seq & 7;
                CHECK(last_rx[f] == UINT32_MAX || seq > last_rx[f], "seed %u flow %u: frame %u after %u", seed, f,
                      seq, last_rx[f]);
                last_rx[f] = seq;
                CHECK(b.rx[i].length == len_of(seq), "seed %u frame %u: length %u", seed, seq, b.rx[i].length);
                uint8_t ref[2048];
                build(ref, b.rx[i].length, MAC_B, MAC_A, &flows[f], seq, 0);
                CHECK(memcmp(ref, fr, b.rx[i].length) == 0, "seed %u frame %u: contents differ", seed, seq);
                got_flow[f]++;
                side_consume(&b, (uint32_t)i);
            }
            got += (uint32_t)n;
        }
        dropped = __atomic_load_n(&b.m->stats.rx_out_of_buffer, __ATOMIC_RELAXED);
        uint32_t in_flight = 0;
        for (uint32_t q = 0; q < n_sq; q++)
            in_flight += a.p->txq[q].pi - a.p->txq[q].ci;
        if (sent == total && got + dropped == total && in_flight == 0)
            break;
        if ((RND() & 7) == 0) {
            volatile uint32_t spin = 0;
            while (spin < RND() % 2000)
                spin++;
        }
    }
    uint64_t steps = mlx5_model_hw_stop(hw);
    CHECK(b.m->stats.rx_errors == 0 && b.m->stats.rx_not_steered == 0, "no errors");
    CHECK(a.m->stats.tx_wqe_rewritten == 0 && b.m->stats.rx_wqe_rewritten == 0,
          "seed %u: WQEs rewritten after their doorbell: %llu send, %llu receive", seed,
          (unsigned long long)a.m->stats.tx_wqe_rewritten, (unsigned long long)b.m->stats.rx_wqe_rewritten);
    for (uint32_t q = 0; q < cb.n_rxq; q++)
        CHECK(b.m->rq[q].cq.overruns == 0 && rxst(&b, q, JBP_RXQ_CQE_ERRORS) == 0, "queue %u", q);
    uint64_t tx_total = 0;
    for (uint32_t q = 0; q < n_sq; q++) {
        CHECK(txst_q(&a, q, JBP_TXQ_CQE_ERRORS) == 0, "seed %u: send queue %u errors", seed, q);
        CHECK(txst_q(&a, q, JBP_TXQ_PACKETS) == a.m->sq[q].frames, "seed %u: send queue %u sent %llu, its SQ %llu",
              seed, q, (unsigned long long)txst_q(&a, q, JBP_TXQ_PACKETS), (unsigned long long)a.m->sq[q].frames);
        CHECK(n_sq == 1 || a.m->sq[q].frames > 0, "seed %u: send queue %u unused", seed, q);
        /* Everything reaped: the queue is done with every descriptor it accepted (a chain's two included). */
        CHECK(txst_q(&a, q, JBP_TXQ_DONE) == accepted[q], "seed %u: send queue %u done with %llu of %llu", seed, q,
              (unsigned long long)txst_q(&a, q, JBP_TXQ_DONE), (unsigned long long)accepted[q]);
        tx_total += txst_q(&a, q, JBP_TXQ_PACKETS);
    }
    CHECK(tx_total == total, "sent %llu", (unsigned long long)tx_total);
    CHECK(a.m->stats.tx_inline_short == 0, "no WQE short of the inline mode");
    CHECK(!(seed & 8) || a.m->stats.tx_gather_segs > 0, "seed %u: chains gathered", seed);
    printf("  seed %u: %u send queues, %u receive queues, compression %d: %u delivered, %llu dropped for want of "
           "a WQE, %llu hardware steps\n", seed, n_sq, cb.n_rxq, cb.compression, got, (unsigned long long)dropped, (unsigned long long)steps);
    side_close(&a);
    side_close(&b);
#undef RND
}

static void count_frame(void *ctx, const uint8_t *frame, uint32_t len)
{
    (void)frame;
    (void)len;
    (*(int *)ctx)++;
}

/* The adversary's snapshot catches what it must: a send WQE the driver rewrites after its doorbell, before the
 * adapter executed it, is counted (the hardware-thread tests assert this count is 0, so it must be able to move).
 * The model reads the WQEs as the hardware thread does, stepped by the test: one WQE executed (all four copied),
 * then the third rewritten in the ring, then the rest executed. */
static void mlx5_rewritten_wqe_caught(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    CHECK(mlx5_model_snapshot_mode(a.m) == 0, "snapshot mode");
    for (uint32_t i = 0; i < 4; i++)
        queue_frame(&a, 100 + i, MAC_B, &FLOW_AB, i, 0);
    CHECK(side_transmit(&a) == 4, "four posted");
    int frames = 0;
    a.m->tx_budget = 1;
    mlx5_model_tx(a.m, count_frame, &frames);
    CHECK(frames == 1 && a.m->stats.tx_wqe_rewritten == 0, "one executed, nothing rewritten yet");
    struct mlx5_wqe_data_seg *d = (struct mlx5_wqe_data_seg *)(a.p->txq[0].wqes + 2 * 64 + 32);
    d->byte_count = htobe32(be32toh(d->byte_count) + 1);
    a.m->tx_budget = 0;
    mlx5_model_tx(a.m, count_frame, &frames);
    CHECK(frames == 4, "all executed: %d", frames);
    CHECK(a.m->stats.tx_wqe_rewritten == 1, "the rewritten WQE counted: %llu",
          (unsigned long long)a.m->stats.tx_wqe_rewritten);
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_DONE) == 4, "completed");
    side_close(&a);
    side_close(&b);
}

static void dv_adversarial_hw_thread(void)
{
    /* JBP_HW_SEEDS=N runs more seeds (the default keeps ctest short on a shared machine). */
    const char *env = getenv("JBP_HW_SEEDS");
    uint32_t seeds = env != NULL ? (uint32_t)strtoul(env, NULL, 10) : 16;
    for (uint32_t seed = 1; seed <= seeds; seed++)
        hw_thread_seed(seed, 1);
}

/* Four send queues, one per poller, under the hardware thread: frames of each flow in order, every send queue's
 * count that of its SQ, no error, every buffer back (side_close). */
static void dv_send_queues_hw_thread(void)
{
    const char *env = getenv("JBP_HW_SEEDS");
    uint32_t seeds = env != NULL ? (uint32_t)strtoul(env, NULL, 10) : 16;
    for (uint32_t seed = 1; seed <= seeds; seed++)
        hw_thread_seed(seed, 4);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * CQ arming and completion events (rdma-core mlx5_arm_cq, mlx5_cq_event): an event only for an armed CQ, one per
 * arm, at once when an entry is already past the armed index; the waits of the port return on the event. First
 * synchronously, then with the hardware thread delivering while the port waits: a lost wake-up would make a wait
 * run into its 20-second timeout, which fails the test.
 */
static void mlx5_cq_arming_events(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    /* Not armed: completions raise no event. */
    for (int i = 0; i < 3; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(b.m->stats.cq_events == 0, "no event without an arm");
    /* Armed with entries already past the index: the event at once; the wait does not block. */
    uint64_t t0 = mono_ns();
    CHECK(jbp_port_await(b.p, 20000000000ll) == 0, "await");
    CHECK(b.m->stats.cq_events == 1 && mono_ns() - t0 < 5000000000ull, "event at arm time");
    CHECK(b.m->rq[0].cq.arm_mismatch == 0, "UAR and doorbell record agree");
    expect_frames(&b, 0, 64, &next, 3, len_of);
    /* Armed, nothing there: a wait times out (100 ms); the next completion raises one event, and only one. */
    CHECK(jbp_port_await(b.p, 100000000ll) == 0, "await");
    CHECK(b.m->stats.cq_events == 1, "no event while empty");
    for (int i = 0; i < 2; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(b.m->stats.cq_events == 2, "the completion raised the event");
    for (int i = 0; i < 2; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(b.m->stats.cq_events == 2, "one event per arm");
    CHECK(jbp_port_await(b.p, 20000000000ll) == 0, "await");
    expect_frames(&b, 0, 64, &next, 4, len_of);
    uint32_t sn = b.p->rxq[0].cq.arm_sn;
    CHECK(sn == 2, "two events taken, arm sequence %u", sn);

    /* The hardware thread delivers while this thread waits. */
    struct mlx5_model_hw *hw = mlx5_model_hw_start(a.m, b.m, 7, 20000);
    CHECK(hw != NULL, "hardware thread");
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 1 + round % 5; i++, seq++)
            queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
        side_transmit(&a);
        uint32_t want = (uint32_t)(1 + round % 5), got = 0;
        while (got < want) {
            t0 = mono_ns();
            CHECK(jbp_port_await(b.p, 20000000000ll) == 0, "await");
            CHECK(mono_ns() - t0 < 10000000000ull, "round %d: the wait was not woken (lost event)", round);
            int n = side_receive(&b, 0, 64);
            for (int i = 0; i < n; i++) {
                CHECK(frame_seq(tp_buf(&b.pool, b.rx[i].buffer)) == next, "order");
                next++;
                side_consume(&b, (uint32_t)i);
            }
            got += (uint32_t)n;
        }
        CHECK(side_receive(&a, 0, 16) == 0, "reap");
    }
    mlx5_model_hw_stop(hw);
    CHECK(b.m->rq[0].cq.arm_mismatch == 0 && b.m->stats.rx_out_of_buffer == 0, "clean");
    printf("  %llu completion events\n", (unsigned long long)b.m->stats.cq_events);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

/* The model refuses what the adapter refuses: a reset naming the wrong current state, a start not from RESET. */
static void mlx5_strict_queue_states(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    CHECK(a.p->backend->txq_start(a.p, 0) == -EINVAL && a.p->backend->rxq_start(a.p, 0) == -EINVAL,
          "RTS/RDY cannot be started again");
    CHECK(strstr(a.p->error, "not in RESET") != NULL, "%s", a.p->error);
    /* A send error: the QP is in ERR, and the driver's recovery names ERR (hw_err), which the model accepts. */
    uint32_t seq = 0;
    a.m->inject_tx_syndrome = MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
    queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    seq++;
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    side_transmit(&a);
    CHECK(a.p->txq[0].state == JBP_Q_ERROR && a.p->txq[0].hw_err == 1, "send queue in error, in hardware too");
    a.m->stats.bad_transitions = 0;
    side_transmit(&a);
    CHECK(a.p->txq[0].state == JBP_Q_OK && a.p->txq[0].hw_err == 0 && a.m->stats.bad_transitions == 0,
          "recovered naming ERR: %s", a.p->error);
    /* Naming the wrong current state is refused, and the queue is given up rather than used in an unknown state. */
    a.m->inject_tx_syndrome = MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
    queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    seq++;
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    side_transmit(&a);
    CHECK(a.p->txq[0].state == JBP_Q_ERROR, "error again");
    a.p->txq[0].hw_err = 0; /* what a driver that assumed RTS (the kernel's cached state) would name */
    side_transmit(&a);
    CHECK(a.p->txq[0].state == JBP_Q_DEAD && a.m->stats.bad_transitions == 1, "refused: %s", a.p->error);
    CHECK(strstr(a.p->error, "named RTS/RDY as its current state, it is ERR") != NULL, "%s", a.p->error);
    a.m->stats.bad_transitions = 0;
    side_close(&a);
    side_close(&b);
}

/* Frames of every shape the inline logic meets: UDP, TCP with options, an IPv4 fragment, ARP-sized non-IP. */
static uint32_t inline_case_len(uint32_t seq)
{
    return 60 + (seq * 53) % 1400;
}

/*
 * A vport in inline mode transport (or network) refuses WQEs that inline only the L2 header: the first burst
 * fails with a local QP operation error, the driver says which inline mode to suspect, resets the queue and from
 * then on inlines every header up to L4, in WQEs of several basic blocks that wrap round the SQ; every frame after
 * that arrives intact.
 */
static void mlx5_inline_mode_detected(void)
{
    for (int mode = MLX5_MODEL_INLINE_IP; mode <= MLX5_MODEL_INLINE_L4; mode++) {
        struct side a, b;
        struct mlx5_model_cfg ca = cfg_default(MAC_A);
        ca.inline_mode = mode;
        ca.csum = 1; /* the adapter fills checksums into inlined headers too */
        side_open(&a, ca, 1024, 2048);
        side_open(&b, cfg_default(MAC_B), 1024, 2048);
        uint32_t seq = 0, next = 0;
        for (int i = 0; i < 4; i++, seq++)
            queue_frame(&a, inline_case_len(seq), MAC_B, &FLOW_AB, seq, 0);
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        side_transmit(&a);
        CHECK(a.m->stats.tx_inline_short == 1 && a.p->txq[0].state == JBP_Q_ERROR, "refused: %llu",
              (unsigned long long)a.m->stats.tx_inline_short);
        CHECK(strstr(a.p->error, "inline mode network or transport") != NULL && a.p->txq[0].inline_l4
                  && txst(&a, JBP_TXQ_INLINE) == 1, "says so: %s", a.p->error);
        printf("  message: %s\n", a.p->error);
        side_transmit(&a); /* recovers */
        CHECK(a.p->txq[0].state == JBP_Q_OK, "recovered");
        /* 600 frames through a 256-block ring: multi-block WQEs wrap round it many times. */
        next = seq;
        for (int round = 0; round < 30; round++) {
            for (int i = 0; i < 20; i++, seq++)
                queue_frame(&a, inline_case_len(seq), MAC_B, &FLOW_AB, seq, JBP_TX_L3_CSUM | JBP_TX_L4_CSUM);
            side_transmit(&a);
            mlx5_model_wire(a.m, b.m);
            expect_frames(&b, 0, 64, &next, 20, inline_case_len);
        }
        side_transmit(&a);
        CHECK(a.m->stats.tx_inline_short == 1 && a.m->stats.tx_errors == 2, "one refusal and its flush, nothing after (%llu)",
              (unsigned long long)a.m->stats.tx_errors);
        side_close(&a);
        side_close(&b);
    }
}

static void mlx5_rx_wqe_counter_mismatch(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t seq = 0, next = 0;
    /* The first completion names WQE 1 while WQE 0 is next: its data is not in the buffer the driver would hand
     * out. Nothing may be delivered; the mismatch is counted and the queue reset. */
    b.m->inject_rx_wqe_skew = 1;
    for (int i = 0; i < 5; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 64) == 0, "nothing delivered from a mismatched completion");
    CHECK(rxst(&b, 0, JBP_RXQ_WQE_MISMATCH) == 1 && rxst(&b, 0, JBP_RXQ_PACKETS) == 0, "counted, not delivered");
    CHECK(b.p->rxq[0].state == JBP_Q_ERROR && strstr(b.p->error, "wqe_counter mismatch") != NULL, "error: %s",
          b.p->error);
    /* The next receive recovers; frames flow again, in order, and every buffer is accounted for. */
    CHECK(side_receive(&b, 0, 64) == 0, "empty after recovery");
    CHECK(b.p->rxq[0].state == JBP_Q_OK && rxst(&b, 0, JBP_RXQ_RECOVERIES) == 1, "recovered");
    next = seq;
    for (int i = 0; i < 20; i++, seq++)
        queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    expect_frames(&b, 0, 64, &next, 20, len_of);
    CHECK(rxst(&b, 0, JBP_RXQ_WQE_MISMATCH) == 1, "no further mismatch");
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

static void mlx5_rx_unexpected_opcode(void)
{
    struct side b;
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    /* A requester completion has no business on a receive CQ: the queue stops, nothing crashes. */
    struct jbp_dv_cq *cq = &b.p->rxq[0].cq;
    uint8_t *slot = cq->buf;
    memset(slot, 0, 64);
    slot[63] = (uint8_t)(MLX5_CQE_REQ << 4);
    b.m->rq[0].cq.pi = 1;
    CHECK(side_receive(&b, 0, 16) == 0, "nothing delivered");
    CHECK(b.p->rxq[0].state == JBP_Q_ERROR, "error state");
    CHECK(strstr(b.p->error, "unexpected") != NULL, "error text: %s", b.p->error);
    CHECK(rxst(&b, 0, JBP_RXQ_CQE_ERRORS) == 1, "counted");
    side_close(&b);
}

static void dv_doorbell_values(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cfg_default(MAC_B), 2048, 2048);
    struct jbp_rdma_txq *t = &a.p->txq[0];
    uint32_t seq = 0;
    static const uint32_t bursts[] = { 1, 3, 64, 65, 2, 1 };
    for (uint32_t k = 0; k < sizeof(bursts) / sizeof(bursts[0]); k++) {
        uint32_t pi0 = t->pi;
        uint32_t half = t->bf_offset;
        for (uint32_t i = 0; i < bursts[k]; i++, seq++) {
            if (i == 0 && k == 5) {
                /* 18 bytes: all of it inline, no data segment */
                uint32_t b18 = tp_alloc(&a.pool);
                uint8_t *f = tp_buf(&a.pool, b18);
                put_mac(f, MAC_B);
                put_mac(f + 6, MAC_A);
                f[12] = 0x88;
                f[13] = 0xb5; /* local experimental ethertype */
                memset(f + 14, 0x42, 4);
                a.tx[a.ntx++] = (struct jbp_desc){ .buffer = b18, .length = 18 };
            } else {
                queue_frame(&a, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
            }
        }
        CHECK(side_transmit(&a) == (int)bursts[k], "accepted");
        CHECK(t->pi == pi0 + bursts[k], "pi");
        CHECK(t->dbrec[MLX5_SND_DBR] == htobe32(t->pi & 0xffff), "SQ doorbell record %08x",
              be32toh(t->dbrec[MLX5_SND_DBR]));
        CHECK(t->bf_offset == (half ^ MLX5_MODEL_BF_SIZE), "BlueFlame halves alternate");
        const uint8_t *last = t->wqes + (size_t)((t->pi - 1) & t->mask) * 64;
        CHECK(memcmp(a.m->sq[0].bf + half, last, 8) == 0, "the doorbell is the last WQE's first 8 bytes");
        for (uint32_t w = pi0; w != t->pi; w++) {
            const uint8_t *wqe = t->wqes + (size_t)(w & t->mask) * 64;
            const struct mlx5_wqe_ctrl_seg *c = (const void *)wqe;
            const struct mlx5_wqe_eth_seg *e = (const void *)(wqe + 16);
            const struct mlx5_wqe_data_seg *d = (const void *)(wqe + 48);
            uint32_t b = t->bufs[w & t->mask];
            CHECK(be32toh(c->opmod_idx_opcode) == (((w & 0xffff) << 8) | MLX5_OPCODE_SEND), "ctrl %u", w);
            uint32_t ds = be32toh(c->qpn_ds) & 0x3f;
            CHECK((be32toh(c->qpn_ds) >> 8) == MLX5_MODEL_QPN, "qpn");
            int signaled = (c->fm_ce_se & MLX5_WQE_CTRL_CQ_UPDATE) != 0;
            CHECK(signaled == (w == t->pi - 1 || (w & 63) == 63), "WQE %u signaled=%d", w, signaled);
            CHECK(be16toh(e->inline_hdr_sz) == 18, "inline header size");
            CHECK(memcmp(e->inline_hdr_start, tp_buf(&a.pool, b), 18) == 0, "inline header bytes");
            if (ds == 4) {
                CHECK(be32toh(d->lkey) == MLX5_MODEL_LKEY, "lkey");
                CHECK(be64toh(d->addr) == (uint64_t)(uintptr_t)(tp_buf(&a.pool, b) + 18), "address");
            } else {
                CHECK(ds == 3 && k == 5, "DS 3 only for the 18-byte frame");
            }
        }
        mlx5_model_wire(a.m, b.m);
        side_transmit(&a);
        CHECK(a.p->txq[0].cq.dbrec[0] == htobe32(a.p->txq[0].cq.ci & 0xffffff), "TX CQ consumer index");
    }
    /* Receive side: the RQ record counts posted WQEs, the CQ record consumed entries. */
    struct jbp_rdma_rxq *r = &b.p->rxq[0];
    uint32_t received = 0;
    for (;;) {
        int n = side_receive(&b, 0, 64);
        for (int i = 0; i < n; i++)
            side_consume(&b, (uint32_t)i);
        received += (uint32_t)n;
        if (n == 0)
            break;
    }
    CHECK(received == seq, "received %u of %u", received, seq);
    CHECK(rxst(&b, 0, JBP_RXQ_DROPS) == 0, "b drops");
    CHECK(r->dbrec[MLX5_RCV_DBR] == htobe32((256 + received) & 0xffff), "RQ doorbell record");
    CHECK(r->cq.dbrec[0] == htobe32(received), "RX CQ doorbell record");
    side_close(&a);
    side_close(&b);
}

static void dv_tx_ring_full(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A);
    ca.tx_size = 64;
    side_open(&a, ca, 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    uint32_t ids[100];
    for (uint32_t i = 0; i < 100; i++) {
        queue_frame(&a, len_of(i), MAC_B, &FLOW_AB, i, 0);
        ids[i] = a.tx[i].buffer;
    }
    CHECK(side_transmit(&a) == 64, "a full ring takes 64");
    CHECK(txst(&a, JBP_TXQ_RING_FULL) == 36, "ring-full counted %llu", (unsigned long long)txst(&a, JBP_TXQ_RING_FULL));
    CHECK(a.ntx == 36, "36 left");
    for (uint32_t i = 0; i < 36; i++)
        CHECK(a.tx[i].buffer == ids[64 + i], "refused frames moved to the front in order");
    CHECK(side_transmit(&a) == 0, "still full");
    mlx5_model_wire(a.m, b.m);
    CHECK(side_transmit(&a) == 36, "room after completions");
    mlx5_model_wire(a.m, b.m);
    uint32_t next = 0;
    expect_frames(&b, 0, 128, &next, 100, len_of);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

static void dv_rx_burst_not_armed(void)
{
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.rx_size = 64;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cb, 1024, 2048);
    for (uint32_t i = 0; i < 100; i++)
        queue_frame(&a, len_of(i), MAC_B, &FLOW_AB, i, 0);
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    /* 64 WQEs posted: the adapter drops the other 36 (its out-of-buffer counter). */
    CHECK(b.m->stats.rx_out_of_buffer == 36, "out of buffer %llu", (unsigned long long)b.m->stats.rx_out_of_buffer);
    /* A burst whose slot 0 has no buffer takes nothing, and says why. */
    CHECK(jbp_port_receive(b.p, 0, b.rx, 16) == 0, "took frames without a buffer to give");
    side_reclaim(&b);
    CHECK(rxst(&b, 0, JBP_RXQ_NO_BUFFER) == 1, "no-buffer counted");
    /* Three armed slots: three frames, and the fourth slot stays as it was. */
    for (int i = 0; i < 3; i++)
        b.rx[i].buffer = tp_alloc(&b.pool);
    CHECK(jbp_port_receive(b.p, 0, b.rx, 16) == 3, "three");
    side_reclaim(&b);
    CHECK(b.rx[3].buffer == JBP_NO_BUFFER, "slot 3 untouched");
    for (int i = 0; i < 3; i++)
        side_consume(&b, (uint32_t)i);
    uint32_t next = 3;
    expect_frames(&b, 0, 16, &next, 61, len_of);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

static void dv_tx_invalid_frames_dropped(void)
{
    struct side a, b;
    side_open(&a, cfg_default(MAC_A), 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    queue_frame(&a, 100, MAC_B, &FLOW_AB, 0, 0);
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = tp_alloc(&a.pool), .length = 10 };   /* runt */
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = tp_alloc(&a.pool), .length = 4000 }; /* beyond the buffer */
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = 99999, .length = 100 };             /* not a pool buffer */
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = tp_alloc(&a.pool), .length = 1600 }; /* beyond the MTU */
    queue_frame(&a, 200, MAC_B, &FLOW_AB, 1, 0);
    CHECK(side_transmit(&a) == 6, "all accepted");
    CHECK(txst(&a, JBP_TXQ_DROPS) == 4 && txst(&a, JBP_TXQ_PACKETS) == 2, "two sent, four dropped");
    CHECK(a.p->reclaim_n == 3, "the three pool buffers of dropped frames returned at once");
    CHECK(txst(&a, JBP_TXQ_DONE) == 4, "the dropped four are done at once, the sent two not yet");
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 16) == 2, "two arrive");
    side_consume(&b, 0);
    side_consume(&b, 1);
    side_transmit(&a);
    CHECK(txst(&a, JBP_TXQ_DONE) == 6, "their completion reaped: all six done");
    side_close(&a);
    side_close(&b);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void dv_buffer_recycling_no_leaks(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A), cb = cfg_default(MAC_B);
    ca.tx_size = cb.tx_size = 64;
    ca.rx_size = cb.rx_size = 64;
    cb.compression = 1;
    side_open(&a, ca, 400, 2048);
    side_open(&b, cb, 400, 2048);
    uint32_t seed = 12345;
    uint32_t sent_ab = 0, sent_ba = 0, recv_b = 0, recv_a = 0;
    for (int step = 0; step < 20000; step++) {
        uint32_t op = lcg(&seed) % 6;
        struct side *s = (lcg(&seed) & 1) ? &a : &b;
        struct side *o = s == &a ? &b : &a;
        if (op == 0 && s->pool.top > 4) {
            uint32_t k = 1 + lcg(&seed) % 16;
            for (uint32_t i = 0; i < k && s->ntx < BURST && s->pool.top > 2; i++) {
                uint32_t *sent = s == &a ? &sent_ab : &sent_ba;
                queue_frame(s, 60 + lcg(&seed) % 1400, o->m->cfg.mac, s == &a ? &FLOW_AB : &FLOW_BA, (*sent)++, 0);
            }
        } else if (op == 1) {
            side_transmit(s);
        } else if (op == 2) {
            mlx5_model_wire(a.m, b.m);
        } else {
            uint32_t cap = 1 + lcg(&seed) % 64;
            if (s->pool.top < cap + 8)
                cap = s->pool.top > 8 ? s->pool.top - 8 : 0;
            if (cap == 0)
                continue;
            int n = side_receive(s, 0, cap);
            /* The stack keeps some frames for a while (reassembly, ARP queue): hold back the last one. */
            for (int i = 0; i < n; i++)
                side_consume(s, (uint32_t)i);
            *(s == &a ? &recv_a : &recv_b) += (uint32_t)n;
        }
        /* Ownership: every buffer is in exactly one place. */
        uint32_t held_by_test = 0;
        for (int i = 0; i < BURST; i++)
            held_by_test += (a.rx[i].buffer != JBP_NO_BUFFER) + (a.tx[i].buffer != JBP_NO_BUFFER);
        uint32_t in_port = a.p->rxq[0].pi - a.p->rxq[0].ci + a.p->txq[0].pi - a.p->txq[0].ci;
        CHECK(tp_in_use(&a.pool) == held_by_test + in_port, "step %d: %u in use, %u accounted", step,
              tp_in_use(&a.pool), held_by_test + in_port);
    }
    CHECK(recv_b > 1000 && recv_a > 1000, "traffic flowed both ways (%u, %u)", recv_b, recv_a);
    side_close(&a);
    side_close(&b);
}

static void mlx5_checksum_offload(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A);
    ca.csum = 1;
    side_open(&a, ca, 1024, 2048);
    side_open(&b, cfg_default(MAC_B), 1024, 2048);
    /* Checksums left at zero, the adapter asked to fill them in. */
    struct flow tcp = FLOW_AB;
    tcp.proto = 6;
    for (uint32_t i = 0; i < 8; i++)
        queue_frame(&a, 100 + i * 50, MAC_B, i % 2 ? &tcp : &FLOW_AB, i, JBP_TX_L3_CSUM | JBP_TX_L4_CSUM);
    CHECK(a.p->txq[0].csum, "offload on");
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 16) == 8, "8 frames");
    for (uint32_t i = 0; i < 8; i++) {
        uint8_t ref[2048];
        build(ref, b.rx[i].length, MAC_B, MAC_A, i % 2 ? &tcp : &FLOW_AB, i, 0);
        CHECK(memcmp(ref, tp_buf(&b.pool, b.rx[i].buffer), b.rx[i].length) == 0, "frame %u: checksums filled", i);
        CHECK((b.rx[i].flags & (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK)) == (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK),
              "frame %u verified", i);
        side_consume(&b, i);
    }
    /* Without offload, wrong checksums arrive as they are and are not reported good. */
    a.p->txq[0].csum = 0;
    uint32_t buf = tp_alloc(&a.pool);
    build(tp_buf(&a.pool, buf), 120, MAC_B, MAC_A, &tcp, 99, 0);
    tp_buf(&a.pool, buf)[14 + 20 + 16] ^= 0x5a; /* break the TCP checksum */
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = buf, .length = 120, .flags = JBP_TX_L4_CSUM };
    buf = tp_alloc(&a.pool);
    build(tp_buf(&a.pool, buf), 120, MAC_B, MAC_A, &FLOW_AB, 100, 0);
    tp_buf(&a.pool, buf)[14 + 10] ^= 0x01; /* break the IPv4 header checksum */
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = buf, .length = 120 };
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 16) == 2, "2 frames");
    CHECK((b.rx[0].flags & JBP_RX_L4_CSUM_OK) == 0 && (b.rx[0].flags & JBP_RX_L3_CSUM_OK), "bad TCP checksum");
    CHECK((b.rx[1].flags & (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK)) == 0, "bad IP header checksum");
    side_consume(&b, 0);
    side_consume(&b, 1);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

static void mlx5_rss_toeplitz_vectors(void)
{
    /* Microsoft, "RSS hashing: verifying the RSS hash calculation": IPv4 vectors with the verification key. */
    static const struct {
        uint8_t dst[4], src[4];
        uint16_t dport, sport;
        uint32_t ip_only, with_ports;
    } v[] = {
        { { 161, 142, 100, 80 }, { 66, 9, 149, 187 }, 1766, 2794, 0x323e8fc2, 0x51ccc178 },
        { { 65, 69, 140, 83 }, { 199, 92, 111, 2 }, 4739, 14230, 0xd718262a, 0xc626b0ea },
        { { 12, 22, 207, 184 }, { 24, 19, 198, 95 }, 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
        { { 209, 142, 163, 6 }, { 38, 27, 205, 30 }, 2217, 48228, 0x82989176, 0xafc7327f },
        { { 202, 188, 127, 2 }, { 153, 39, 163, 191 }, 1303, 44251, 0x5d1809c5, 0x10e828a2 },
    };
    static const uint8_t key[] = JBP_RDMA_RSS_KEY;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t in[12];
        memcpy(in, v[i].src, 4);
        memcpy(in + 4, v[i].dst, 4);
        in[8] = (uint8_t)(v[i].sport >> 8);
        in[9] = (uint8_t)v[i].sport;
        in[10] = (uint8_t)(v[i].dport >> 8);
        in[11] = (uint8_t)v[i].dport;
        CHECK(mlx5_model_toeplitz(key, sizeof(key), in, 8) == v[i].ip_only, "vector %zu (addresses)", i);
        CHECK(mlx5_model_toeplitz(key, sizeof(key), in, 12) == v[i].with_ports, "vector %zu (ports)", i);
    }
    /* The same document's IPv6 vectors: source address, destination address, then the ports (what an IPv6
     * hash QP over IBV_RX_HASH_{SRC,DST}_IPV6 and the TCP ports hashes). */
    static const struct {
        const char *dst, *src;
        uint16_t dport, sport;
        uint32_t ip_only, with_ports;
    } v6[] = {
        { "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d },
        { "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf },
        { "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251, 0x4b61e985,
          0x02d1feef },
    };
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
        uint8_t in[36];
        CHECK(inet_pton(AF_INET6, v6[i].src, in) == 1 && inet_pton(AF_INET6, v6[i].dst, in + 16) == 1, "address");
        in[32] = (uint8_t)(v6[i].sport >> 8);
        in[33] = (uint8_t)v6[i].sport;
        in[34] = (uint8_t)(v6[i].dport >> 8);
        in[35] = (uint8_t)v6[i].dport;
        CHECK(mlx5_model_toeplitz(key, sizeof(key), in, 32) == v6[i].ip_only, "IPv6 vector %zu (addresses): %08x",
              i, mlx5_model_toeplitz(key, sizeof(key), in, 32));
        CHECK(mlx5_model_toeplitz(key, sizeof(key), in, 36) == v6[i].with_ports, "IPv6 vector %zu (ports): %08x", i,
              mlx5_model_toeplitz(key, sizeof(key), in, 36));
    }
}

static void mlx5_rss_spreads_flows(void)
{
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.n_rxq = 4;
    cb.rx_size = 128;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cb, 2048, 2048);
    int queue_of[64];
    uint32_t per_queue[4] = { 0 };
    static const uint8_t key[] = JBP_RDMA_RSS_KEY;
    for (int round = 0; round < 4; round++) {
        for (int f = 0; f < 64; f++) {
            struct flow fl = FLOW_AB;
            fl.sport = (uint16_t)(10000 + f * 17);
            fl.proto = f % 2 ? 6 : 17;
            queue_frame(&a, 200, MAC_B, &fl, (uint32_t)(round * 64 + f), 0);
        }
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        for (uint32_t q = 0; q < 4; q++) {
            int n = side_receive(&b, q, 128);
            for (int i = 0; i < n; i++) {
                const uint8_t *fr = tp_buf(&b.pool, b.rx[i].buffer);
                int f = (((fr[34] << 8) | fr[35]) - 10000) / 17;
                CHECK(f >= 0 && f < 64, "flow");
                if (round == 0)
                    queue_of[f] = (int)q;
                CHECK(queue_of[f] == (int)q, "flow %d moved from queue %d to %u", f, queue_of[f], q);
                CHECK(b.rx[i].flags & JBP_RX_HASH_VALID, "hash valid");
                uint8_t in[12];
                memcpy(in, fr + 26, 8);
                memcpy(in + 8, fr + 34, 4);
                CHECK(b.rx[i].hash == mlx5_model_toeplitz(key, sizeof(key), in, 12), "hash of flow %d", f);
                CHECK((b.rx[i].hash & 7) % 4 == q, "queue from the indirection table");
                per_queue[q]++;
                side_consume(&b, (uint32_t)i);
            }
        }
    }
    for (int q = 0; q < 4; q++)
        CHECK(per_queue[q] >= 16, "queue %d got %u frames", q, per_queue[q]);
    /* Broadcast goes to queue 0, unhashed. */
    uint32_t bb = tp_alloc(&a.pool);
    build(tp_buf(&a.pool, bb), 60, 0xffffffffffffull, MAC_A, &FLOW_AB, 7, 0);
    a.tx[a.ntx++] = (struct jbp_desc){ .buffer = bb, .length = 60 };
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 8) == 1 && !(b.rx[0].flags & JBP_RX_HASH_VALID), "broadcast on queue 0");
    side_consume(&b, 0);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

/*
 * IPv6 on four receive queues: TCP and UDP flows over IPv6 land on the queue the Toeplitz hash over both 16-byte
 * addresses and both ports picks (the IPv6 hash QPs' fields), each flow always on the same queue, the hash and
 * the checksum bits reported; the NDP multicast MACs (RFC 2464 7: 33:33 and the low 32 bits of the group), the
 * all-nodes 33:33:00:00:00:01 and a solicited-node 33:33:ff:xx:xx:xx, reach queue 0 unhashed (the copy rule).
 */
static void mlx5_rss_ipv6(void)
{
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.n_rxq = 4;
    cb.rx_size = 128;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cb, 2048, 2048);
    static const uint8_t key[] = JBP_RDMA_RSS_KEY;
    int queue_of[64];
    uint32_t per_queue[4] = { 0 };
    for (int round = 0; round < 4; round++) {
        for (int f = 0; f < 64; f++) {
            struct flow6 fl = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
                                (uint16_t)(10000 + f * 17), 443, (uint8_t)(f % 2 ? 6 : 17) };
            fl.src[14] = (uint8_t)f; /* addresses vary too */
            uint32_t bf = tp_alloc(&a.pool);
            build6(tp_buf(&a.pool, bf), 300, MAC_B, MAC_A, &fl, (uint32_t)(round * 64 + f));
            a.tx[a.ntx++] = (struct jbp_desc){ .buffer = bf, .length = 300 };
        }
        side_transmit(&a);
        mlx5_model_wire(a.m, b.m);
        for (uint32_t q = 0; q < 4; q++) {
            int n = side_receive(&b, q, 128);
            for (int i = 0; i < n; i++) {
                const uint8_t *fr = tp_buf(&b.pool, b.rx[i].buffer);
                int f = (((fr[54] << 8) | fr[55]) - 10000) / 17;
                CHECK(f >= 0 && f < 64 && fr[14 + 8 + 14] == f, "flow");
                if (round == 0)
                    queue_of[f] = (int)q;
                CHECK(queue_of[f] == (int)q, "flow %d moved from queue %d to %u", f, queue_of[f], q);
                CHECK(b.rx[i].flags & JBP_RX_HASH_VALID, "hash valid");
                /* IPv6 has no header checksum: only the L4 bit (the driver reports L3 for IPv4 alone). */
                CHECK((b.rx[i].flags & (JBP_RX_L3_CSUM_OK | JBP_RX_L4_CSUM_OK)) == JBP_RX_L4_CSUM_OK,
                      "checksum bits");
                uint8_t in[36];
                memcpy(in, fr + 22, 32);
                memcpy(in + 32, fr + 54, 4);
                CHECK(b.rx[i].hash == mlx5_model_toeplitz(key, sizeof(key), in, 36), "hash of flow %d", f);
                CHECK((b.rx[i].hash & 7) % 4 == q, "queue from the indirection table");
                per_queue[q]++;
                side_consume(&b, (uint32_t)i);
            }
        }
        side_transmit(&a);
    }
    for (int q = 0; q < 4; q++)
        CHECK(per_queue[q] >= 16, "queue %d got %u frames", q, per_queue[q]);
    /* NDP's multicast: all-nodes and the solicited-node group of 2001:db8::2 (ff02::1:ff00:2). */
    static const uint64_t groups[] = { 0x333300000001ull, 0x3333ff000002ull };
    for (int g = 0; g < 2; g++) {
        struct flow6 fl = { { 0xfe, 0x80, [15] = 1 }, { 0xff, 0x02, [15] = 1 }, 0, 0, 17 };
        uint32_t bf = tp_alloc(&a.pool);
        build6(tp_buf(&a.pool, bf), 100, groups[g], MAC_A, &fl, 1);
        a.tx[a.ntx++] = (struct jbp_desc){ .buffer = bf, .length = 100 };
    }
    side_transmit(&a);
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&b, 0, 8) == 2, "both groups on queue 0");
    for (int i = 0; i < 2; i++) {
        CHECK(!(b.rx[i].flags & JBP_RX_HASH_VALID), "unhashed");
        CHECK(memcmp(tp_buf(&b.pool, b.rx[i].buffer), (const uint8_t[]){ 0x33, 0x33 }, 2) == 0, "a 33:33 MAC");
        side_consume(&b, (uint32_t)i);
    }
    for (uint32_t q = 1; q < 4; q++)
        CHECK(side_receive(&b, q, 8) == 0, "nothing on queue %u", q);
    side_transmit(&a);
    side_close(&a);
    side_close(&b);
}

/* Receives at b, on every queue, until `expect` frames came; each of seqs [first, first + expect) once. */
static void expect_set(struct side *b, uint32_t first, uint32_t expect)
{
    uint8_t seen[1024] = { 0 };
    CHECK(expect <= sizeof(seen), "too many");
    uint32_t got = 0;
    for (int idle = 0; got < expect;) {
        int any = 0;
        for (uint32_t q = 0; q < b->m->cfg.n_rxq; q++) {
            int n = side_receive(b, q, 64);
            CHECK(n >= 0, "receive %d", n);
            for (int i = 0; i < n; i++) {
                const uint8_t *fr = tp_buf(&b->pool, b->rx[i].buffer);
                uint32_t seq = frame_seq(fr);
                CHECK(seq >= first && seq - first < expect && !seen[seq - first], "frame %u unexpected or twice", seq);
                seen[seq - first] = 1;
                CHECK(b->rx[i].length == len_of(seq), "frame %u: length %u", seq, b->rx[i].length);
                uint8_t ref[2048];
                build(ref, b->rx[i].length, MAC_B, MAC_A, &FLOW_AB, seq, 0);
                CHECK(memcmp(ref, fr, b->rx[i].length) == 0, "frame %u: contents differ", seq);
                side_consume(b, (uint32_t)i);
            }
            got += (uint32_t)n;
            any |= n > 0;
        }
        if (!any)
            mlx5_model_rx_flush(b->m);
        idle = any ? 0 : idle + 1;
        CHECK(idle < 3, "stalled: %u of %u frames arrived", got, expect);
    }
}

/*
 * One send queue per poller (issue 16 part 4): each send queue has its own SQ and CQ; frames go out on the SQ
 * of the queue they were given to, a send queue's completions are taken only by its own poller's calls (receive
 * or transmit on that queue), a completion naming another QP is refused, and every buffer comes back.
 */
static void mlx5_send_queue_per_poller(void)
{
    struct side a, b;
    struct mlx5_model_cfg ca = cfg_default(MAC_A), cb = cfg_default(MAC_B);
    ca.n_rxq = cb.n_rxq = 4;
    ca.rx_size = cb.rx_size = 128;
    side_open(&a, ca, 4096, 2048);
    side_open(&b, cb, 4096, 2048);
    CHECK(side_receive(&a, 0, 16) == 0, "nothing yet"); /* arms A's receive burst: its buffers stay out */
    const uint32_t in_use = tp_in_use(&a.pool);
    CHECK(a.p->n_txq == 4, "four send queues");
    for (uint32_t q = 0; q < 4; q++)
        for (uint32_t r = q + 1; r < 4; r++)
            CHECK(a.p->txq[q].qpn != a.p->txq[r].qpn && a.p->txq[q].wqes != a.p->txq[r].wqes
                  && a.p->txq[q].cq.buf != a.p->txq[r].cq.buf, "send queues %u and %u share a ring", q, r);
    uint32_t seq = 0;
    uint64_t per_q[4] = { 0 };
    for (uint32_t round = 0; round < 6; round++) {
        uint32_t first = seq, k[4];
        for (uint32_t q = 0; q < 4; q++) {
            k[q] = 3 + q * 5 + round;
            for (uint32_t i = 0; i < k[q]; i++, seq++)
                queue_frame_q(&a, q, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
        }
        for (uint32_t q = 4; q-- > 0;)
            CHECK(side_transmit_q(&a, q) == (int)k[q], "send queue %u took its burst", q);
        mlx5_model_wire(a.m, b.m);
        for (uint32_t q = 0; q < 4; q++) {
            per_q[q] += k[q];
            CHECK(a.m->sq[q].frames == per_q[q], "SQ %u sent %llu, expected %llu", q,
                  (unsigned long long)a.m->sq[q].frames, (unsigned long long)per_q[q]);
            CHECK(txst_q(&a, q, JBP_TXQ_PACKETS) == per_q[q], "send queue %u counted", q);
            CHECK(a.p->txq[q].pi - a.p->txq[q].ci == k[q], "send queue %u: its WQEs in flight", q);
        }
        expect_set(&b, first, seq - first);
        /* The poller of queue q takes send queue q's completions, and only those. */
        for (uint32_t q = 0; q < 4; q++) {
            CHECK(side_receive(&a, q, 16) == 0, "A receives nothing");
            for (uint32_t r = 0; r < 4; r++)
                CHECK(a.p->txq[r].pi - a.p->txq[r].ci == (r <= q ? 0 : k[r]),
                      "after the poller of queue %u: send queue %u has %u in flight", q, r,
                      a.p->txq[r].pi - a.p->txq[r].ci);
            CHECK(a.p->status[JBP_ST_TXQ_BASE(q) + JBP_TXQ_IN_FLIGHT] == 0, "in flight published");
        }
        CHECK(tp_in_use(&a.pool) == in_use, "round %u: %u buffers out, %u at the start", round,
              tp_in_use(&a.pool), in_use);
    }
    /* A completion naming another send queue's QP on send queue 1's CQ: refused, counted, the queue reset. */
    a.m->inject_tx_cqe_qpn = a.m->sq[2].qpn;
    queue_frame_q(&a, 1, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    seq++;
    CHECK(side_transmit_q(&a, 1) == 1, "sent");
    mlx5_model_wire(a.m, b.m);
    CHECK(side_receive(&a, 1, 16) == 0, "A receives nothing");
    CHECK(a.p->txq[1].state == JBP_Q_ERROR && txst_q(&a, 1, JBP_TXQ_CQE_ERRORS) == 1
          && strstr(a.p->error, "send queue 1: completion for another send QP") != NULL, "refused: %s", a.p->error);
    for (uint32_t q = 0; q < 4; q++)
        CHECK(q == 1 || (a.p->txq[q].state == JBP_Q_OK && txst_q(&a, q, JBP_TXQ_CQE_ERRORS) == 0),
              "send queue %u untouched", q);
    expect_set(&b, seq - 1, 1);
    uint32_t first = seq;
    for (uint32_t i = 0; i < 8; i++, seq++)
        queue_frame_q(&a, 1, len_of(seq), MAC_B, &FLOW_AB, seq, 0);
    CHECK(side_transmit_q(&a, 1) == 8 && a.p->txq[1].state == JBP_Q_OK && txst_q(&a, 1, JBP_TXQ_RECOVERIES) == 1,
          "send queue 1 recovered: %s", a.p->error);
    mlx5_model_wire(a.m, b.m);
    expect_set(&b, first, 8);
    CHECK(side_receive(&a, 1, 16) == 0 && a.p->txq[1].pi == a.p->txq[1].ci, "reaped");
    CHECK(tp_in_use(&a.pool) == in_use, "%u buffers out, %u at the start", tp_in_use(&a.pool), in_use);
    /* A queue the port does not have. */
    CHECK(jbp_port_transmit(a.p, 4, a.tx, 0) == -EINVAL, "send queue 4 of 4");
    side_close(&a);
    side_close(&b);
}

static void dv_port_quiesce_returns_all(void)
{
    struct side a, b;
    struct mlx5_model_cfg cb = cfg_default(MAC_B);
    cb.n_rxq = 2;
    side_open(&a, cfg_default(MAC_A), 2048, 2048);
    side_open(&b, cb, 2048, 2048);
    for (uint32_t i = 0; i < 100; i++)
        queue_frame(&a, len_of(i), MAC_B, &FLOW_AB, i, 0);
    side_transmit(&a);
    /* 100 frames in flight on A's send queue, B's two rings full: quiesce hands back exactly those. */
    CHECK(txst(&a, JBP_TXQ_IN_FLIGHT) == 100, "in flight");
    int n = jbp_port_quiesce(a.p);
    CHECK(n == 100 + 256, "A returned %d", n);
    CHECK(txst(&a, JBP_TXQ_DONE) == 100, "what was in flight counts as done once quiesced");
    CHECK(a.m->sq[0].ready == 0, "the adapter was stopped first");
    side_reclaim(&a);
    CHECK(tp_in_use(&a.pool) == 0, "A pool whole");
    n = jbp_port_quiesce(b.p);
    CHECK(n == 512, "B returned %d", n);
    side_reclaim(&b);
    CHECK(tp_in_use(&b.pool) == 0, "B pool whole");
    side_close(&a);
    side_close(&b);
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define CASE(x) { #x, x }
    CASE(dv_tx_rx_bursts),
    CASE(dv_wraparound_16bit_counters),
    CASE(mlx5_cq_ownership_flips),
    CASE(mlx5_compressed_cqe_sessions),
    CASE(mlx5_compressed_cqe_split_across_bursts),
    CASE(mlx5_compressed_holes_invalidated),
    CASE(mlx5_tx_error_cqe_recovers),
    CASE(mlx5_syndrome_words),
    CASE(mlx5_lso_and_gather),
    CASE(mlx5_lso_ipv6),
    CASE(mlx5_rx_error_cqe_nonfatal),
    CASE(mlx5_rx_error_cqe_fatal_recovers),
    CASE(mlx5_rx_wqe_counter_mismatch),
    CASE(mlx5_rewritten_wqe_caught),
    CASE(dv_adversarial_hw_thread),
    CASE(mlx5_send_queue_per_poller),
    CASE(dv_send_queues_hw_thread),
    CASE(mlx5_cq_arming_events),
    CASE(mlx5_strict_queue_states),
    CASE(mlx5_inline_mode_detected),
    CASE(mlx5_rx_unexpected_opcode),
    CASE(dv_doorbell_values),
    CASE(dv_tx_ring_full),
    CASE(dv_rx_burst_not_armed),
    CASE(dv_tx_invalid_frames_dropped),
    CASE(dv_buffer_recycling_no_leaks),
    CASE(mlx5_checksum_offload),
    CASE(mlx5_rss_toeplitz_vectors),
    CASE(mlx5_rss_spreads_flows),
    CASE(mlx5_rss_ipv6),
    CASE(dv_port_quiesce_returns_all),
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
