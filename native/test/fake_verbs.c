/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake rdma-core for tests: a shared library that exports the libibverbs and libmlx5 symbols the driver resolves
 * with dlopen (jbp_rdma_ibv.c), and fills a verbs_context with the operations that verbs.h's inline verbs dispatch
 * to (create_wq, modify_wq, create_rwq_ind_table, create_qp_ex, ibv_create_flow, query_device_ex, query_port),
 * all backed by the mlx5 model (mlx5_model.c). So the whole device path, jbp_rdma_device.c, runs in CI: opening,
 * capabilities, CQ/QP/WQ creation, mlx5dv_init_obj, indirection tables and hash QPs, flow rules, MAC changes,
 * queue resets, completion channels and MAC admission, with the model as the adapter.
 *
 * What it records and enforces, as the adapter and the kernel would:
 * - every flow rule's specs (ibv_create_flow(3) layout: the attribute, then eth/ipv4/ipv6/tcp/udp specs) and the
 *   hash fields and indirection table of the QP it names; the model steers by them (mlx5_model_flow);
 * - the QP and WQ state machines: RESET -> INIT -> RTR -> RTS for the send QP, RESET <-> RDY for WQs, and a reset
 *   must name the actual current state (IBV_QP_CUR_STATE / IBV_WQ_ATTR_CURR_STATE; without them the state the
 *   provider last set, as rdma-core and mlx5_ib do), else EINVAL;
 * - 64-byte CQEs and the compression format the driver asks for (the model compresses when asked);
 * - async events the test injects (jbp_fake_verbs_inject_event: a CQ in error, a fatal QP or WQ), with the model
 *   put in the state the event reports, and CQs, QPs and WQs destroyed and created again afterwards: a new CQ has
 *   new memory, a new send QP a new QP number, a new WQ an empty ring.
 * A test configures it through jbp_fake_verbs_configure() and reaches the model through jbp_fake_verbs_model().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

#include "fake_verbs.h"
#include "mlx5_model.h"

/* verbs.h wraps these exported symbols in macros; the fake defines the symbols themselves. */
#undef ibv_get_device_list
#undef ibv_query_port
#undef ibv_reg_mr

#define EXPORT __attribute__((visibility("default")))

enum { QS_RESET, QS_INIT, QS_RTR, QS_RTS, QS_ERR };

struct fake_qp {
    struct ibv_qp qp;
    int is_send;
    int sq;                   /* a send QP: the model's SQ behind it */
    int state;                /* the provider's idea of the state (what rdma-core caches) */
    uint64_t hash_fields;
    int queue0;
};

struct fake_wq {
    struct ibv_wq wq;
    uint32_t q;
    int state;                /* IBV_WQS_* as last set */
};

struct fake_table {
    struct ibv_rwq_ind_table t;
    int queue0;
};

struct fake_flow {
    struct ibv_flow flow;
    int slot;
};

static struct {
    struct jbp_fake_verbs_cfg cfg;
    struct ibv_device dev;
    struct ibv_device *list[2];
    struct mlx5_model *m;
    struct verbs_context *vctx;
    int async_fd;
    int n_cq;                 /* CQs created: send CQ 0, 1, ... (one per receive queue), then receive CQ 0, 1, ... */
    int n_wq;
    int wq_live[JBP_RDMA_MAX_RXQ];
    int dv_cq_calls;
    struct ibv_cq *cqs[2 * JBP_RDMA_MAX_RXQ];
    int n_sq;                 /* send QPs created (on CQs the model does not back) */
    uint64_t events_taken[JBP_RDMA_MAX_RXQ];
    struct ibv_qp *sq_qp[JBP_RDMA_MAX_RXQ]; /* the send QP behind each model SQ, for events that name it */
    int sq_made[JBP_RDMA_MAX_RXQ];
    struct ibv_wq *rq_wq[JBP_RDMA_MAX_RXQ];
    int rq_made[JBP_RDMA_MAX_RXQ];
    struct ibv_async_event events[16]; /* injected, not yet read */
    int n_events;
    struct jbp_fake_verbs_stats stats;
} F;

static int op_poll_cq(struct ibv_cq *cq, int n, struct ibv_wc *wc);
static int op_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad);
static int op_post_recv(struct ibv_wq *wq, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad);

EXPORT void jbp_fake_verbs_configure(const struct jbp_fake_verbs_cfg *cfg)
{
    memset(&F, 0, sizeof(F));
    F.cfg = *cfg;
    F.async_fd = -1;
}

/* Changes the failure of destroy calls while a port is open (jbp_fake_verbs_cfg.destroy_errno). */
EXPORT void jbp_fake_verbs_fail_destroy(int e)
{
    F.cfg.destroy_errno = e;
}

EXPORT struct mlx5_model *jbp_fake_verbs_model(void)
{
    return F.m;
}

EXPORT const struct jbp_fake_verbs_stats *jbp_fake_verbs_stats(void)
{
    return &F.stats;
}

static struct mlx5_model_cq *model_cq(const struct ibv_cq *cq)
{
    for (int i = 0; i < F.n_cq; i++)
        if (F.cqs[i] == cq)
            return i < (int)F.m->cfg.n_rxq ? &F.m->sq[i].cq : &F.m->rq[i - (int)F.m->cfg.n_rxq].cq;
    return NULL;
}

/* ---- devices ---- */

EXPORT struct ibv_device **ibv_get_device_list(int *num)
{
    F.list[0] = &F.dev;
    F.list[1] = NULL;
    if (num != NULL)
        *num = 1;
    return F.list;
}

EXPORT void ibv_free_device_list(struct ibv_device **list)
{
    (void)list;
}

EXPORT const char *ibv_get_device_name(struct ibv_device *dev)
{
    (void)dev;
    return F.cfg.name;
}

EXPORT bool mlx5dv_is_supported(struct ibv_device *dev)
{
    (void)dev;
    return F.cfg.dv_supported;
}

static int op_query_device_ex(struct ibv_context *ctx, const struct ibv_query_device_ex_input *in,
                              struct ibv_device_attr_ex *a, size_t size)
{
    (void)ctx;
    (void)in;
    memset(a, 0, size);
    a->orig_attr.phys_port_cnt = 1;
    a->orig_attr.max_qp_wr = F.cfg.max_qp_wr != 0 ? (int)F.cfg.max_qp_wr : 32768;
    a->orig_attr.device_cap_flags = IBV_DEVICE_RAW_IP_CSUM;
    if (!F.cfg.no_flow_steering)
        a->orig_attr.device_cap_flags |= IBV_DEVICE_MANAGED_FLOW_STEERING;
    a->raw_packet_caps = IBV_RAW_PACKET_CAP_IP_CSUM;
    a->max_wq_type_rq = F.cfg.max_wq != 0 ? F.cfg.max_wq : 64;
    if (!F.cfg.no_tso) {
        /* What an mlx5 adapter reports (ibv_query_device_ex(3) tso_caps; mlx5_ib takes it from log_max_lso). */
        a->tso_caps.max_tso = 262144;
        a->tso_caps.supported_qpts = 1u << IBV_QPT_RAW_PACKET;
    }
    if (!F.cfg.no_rss) {
        a->rss_caps.supported_qpts = 1u << IBV_QPT_RAW_PACKET;
        a->rss_caps.max_rwq_indirection_table_size = 512;
        a->rss_caps.rx_hash_fields_mask = ~F.cfg.hash_fields_missing & ((IBV_RX_HASH_DST_PORT_UDP << 1) - 1);
        a->rss_caps.rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ;
    }
    return 0;
}

EXPORT int ibv_query_device(struct ibv_context *ctx, struct ibv_device_attr *a)
{
    struct ibv_device_attr_ex ex;
    int rc = op_query_device_ex(ctx, NULL, &ex, sizeof(ex));
    *a = ex.orig_attr;
    return rc;
}

static int op_query_port(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *a, size_t size)
{
    (void)ctx;
    memset(a, 0, size);
    if (port != 1)
        return EINVAL;
    a->state = F.cfg.port_down ? IBV_PORT_DOWN : IBV_PORT_ACTIVE;
    a->link_layer = IBV_LINK_LAYER_ETHERNET;
    a->active_mtu = IBV_MTU_4096;
    return 0;
}

EXPORT int ibv_query_port(struct ibv_context *ctx, uint8_t port, struct _compat_ibv_port_attr *compat)
{
    (void)ctx;
    (void)port;
    (void)compat;
    return EOPNOTSUPP; /* the driver uses the context's query_port op */
}

/* ---- the inline verbs' operations ---- */

static int op_req_notify_cq(struct ibv_cq *cq, int solicited)
{
    (void)cq;
    (void)solicited;
    return 0;
}

static struct ibv_wq *op_create_wq(struct ibv_context *ctx, struct ibv_wq_init_attr *a)
{
    int q = 0;
    while (q < (int)F.m->cfg.n_rxq && F.wq_live[q])
        q++;
    if (a->wq_type != IBV_WQT_RQ || q >= (int)F.m->cfg.n_rxq || a->max_wr > F.m->cfg.rx_size || a->max_sge != 1) {
        errno = EINVAL;
        return NULL;
    }
    if (F.cfg.wq_errno != 0) {
        errno = F.cfg.wq_errno;
        return NULL;
    }
    struct fake_wq *w = calloc(1, sizeof(*w));
    w->wq.context = ctx;
    w->wq.cq = a->cq;
    w->wq.wq_type = IBV_WQT_RQ;
    w->wq.post_recv = op_post_recv;
    w->q = (uint32_t)q;
    F.wq_live[q] = 1;
    F.n_wq++;
    w->state = IBV_WQS_RESET;
    struct mlx5_model_rq *rq = &F.m->rq[w->q];
    rq->ready = 0;
    if (F.rq_made[w->q]) {
        /* A WQ created again after its predecessor was destroyed: an empty ring of its own. */
        rq->error = 0;
        rq->ci = 0;
        rq->n_pending = 0;
        rq->dbrec[MLX5_RCV_DBR] = 0;
        F.m->rq_snap_pi[w->q] = 0;
        F.stats.wqs_recreated++;
    }
    F.rq_made[w->q] = 1;
    F.rq_wq[w->q] = &w->wq;
    return &w->wq;
}

static int op_modify_wq(struct ibv_wq *wq, struct ibv_wq_attr *a)
{
    struct fake_wq *w = (struct fake_wq *)wq;
    struct mlx5_model_rq *rq = &F.m->rq[w->q];
    if (!(a->attr_mask & IBV_WQ_ATTR_STATE))
        return 0;
    int actual = rq->error ? IBV_WQS_ERR : rq->ready ? IBV_WQS_RDY : IBV_WQS_RESET;
    int claimed = (a->attr_mask & IBV_WQ_ATTR_CURR_STATE) ? (int)a->curr_wq_state : w->state;
    F.stats.modify_wq++;
    if (claimed != actual) {
        F.stats.refused_transitions++;
        return EINVAL;
    }
    if (a->wq_state == IBV_WQS_RDY) {
        if (actual != IBV_WQS_RESET && actual != IBV_WQS_RDY) {
            F.stats.refused_transitions++;
            return EINVAL;
        }
        /* rdma-core zeroes the doorbell record on RESET -> RDY (verbs.c mlx5_modify_wq). */
        rq->dbrec[MLX5_RCV_DBR] = 0;
        rq->ready = 1;
    } else if (a->wq_state == IBV_WQS_RESET) {
        rq->ready = 0;
        rq->error = 0;
        rq->ci = 0;
        rq->n_pending = 0;
        F.stats.wq_resets++;
        if (actual == IBV_WQS_ERR)
            F.stats.resets_from_err++;
    } else {
        return EINVAL;
    }
    w->state = (int)a->wq_state;
    return 0;
}

static int op_destroy_wq(struct ibv_wq *wq)
{
    if (F.cfg.destroy_errno != 0)
        return F.cfg.destroy_errno;
    struct fake_wq *w = (struct fake_wq *)wq;
    F.m->rq[w->q].ready = 0;
    F.wq_live[w->q] = 0;
    if (F.rq_wq[w->q] == wq)
        F.rq_wq[w->q] = NULL;
    free(w);
    return 0;
}

static struct ibv_rwq_ind_table *op_create_table(struct ibv_context *ctx, struct ibv_rwq_ind_table_init_attr *a)
{
    struct fake_table *t = calloc(1, sizeof(*t));
    t->t.context = ctx;
    /* A table of one entry, receive WQ 0: the direct QP's (queue 0). Larger tables are the round robin the model
     * hashes over (m->ind_table). */
    t->queue0 = a->log_ind_tbl_size == 0 && ((struct fake_wq *)a->ind_tbl[0])->q == 0;
    if (a->log_ind_tbl_size > 0) {
        uint32_t size = 1u << a->log_ind_tbl_size;
        if (size > sizeof(F.m->ind_table) / sizeof(F.m->ind_table[0])) {
            free(t);
            errno = EINVAL;
            return NULL;
        }
        for (uint32_t i = 0; i < size; i++)
            F.m->ind_table[i] = ((struct fake_wq *)a->ind_tbl[i])->q;
        F.m->ind_size = size;
    }
    return &t->t;
}

static int op_destroy_table(struct ibv_rwq_ind_table *t)
{
    free(t);
    return 0;
}

static struct ibv_qp *create_send_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *a);

static struct ibv_qp *op_create_qp_ex(struct ibv_context *ctx, struct ibv_qp_init_attr_ex *a)
{
    if (a->qp_type == IBV_QPT_RAW_PACKET && !(a->comp_mask & IBV_QP_INIT_ATTR_RX_HASH)
        && (a->comp_mask & IBV_QP_INIT_ATTR_PD)) {
        /* A send QP through ibv_create_qp_ex: the driver asks for LSO headers this way (DPDK mlx5_verbs.c does
         * the same); mlx5 refuses it on a device without LSO on raw-packet QPs. */
        if ((a->comp_mask & IBV_QP_INIT_ATTR_MAX_TSO_HEADER) && (F.cfg.no_tso || a->max_tso_header == 0)) {
            errno = EINVAL;
            return NULL;
        }
        struct ibv_qp_init_attr base = { .send_cq = a->send_cq, .recv_cq = a->recv_cq, .cap = a->cap,
                                         .qp_type = a->qp_type, .sq_sig_all = a->sq_sig_all };
        struct ibv_qp *qp = create_send_qp(a->pd, &base);
        if (qp != NULL && (a->comp_mask & IBV_QP_INIT_ATTR_MAX_TSO_HEADER)) {
            F.stats.tso_qps++;
            F.stats.max_tso_header = a->max_tso_header;
        }
        return qp;
    }
    if (a->qp_type != IBV_QPT_RAW_PACKET || !(a->comp_mask & IBV_QP_INIT_ATTR_RX_HASH)
        || !(a->comp_mask & IBV_QP_INIT_ATTR_IND_TABLE) || a->rx_hash_conf.rx_hash_function != IBV_RX_HASH_FUNC_TOEPLITZ
        || a->rx_hash_conf.rx_hash_key_len != 40) {
        errno = EINVAL;
        return NULL;
    }
    struct fake_table *t = (struct fake_table *)a->rwq_ind_tbl;
    /* mlx5_ib create_rss_raw_qp_tir: no hash fields only over a one-entry table. */
    if (a->rx_hash_conf.rx_hash_fields_mask == 0 && !t->queue0 && F.m->cfg.n_rxq > 1) {
        errno = EINVAL;
        return NULL;
    }
    struct fake_qp *q = calloc(1, sizeof(*q));
    q->qp.context = ctx;
    q->qp.qp_type = IBV_QPT_RAW_PACKET;
    q->qp.qp_num = 0x200 + (uint32_t)F.stats.hash_qps++;
    q->hash_fields = a->rx_hash_conf.rx_hash_fields_mask;
    q->queue0 = t->queue0 || F.m->cfg.n_rxq == 1;
    return &q->qp;
}

static struct ibv_flow *op_create_flow(struct ibv_qp *qp, struct ibv_flow_attr *attr)
{
    struct fake_qp *q = (struct fake_qp *)qp;
    if (F.cfg.flow_errno != 0) {
        errno = F.cfg.flow_errno;
        return NULL;
    }
    int slot = -1;
    for (int i = 0; i < MLX5_MODEL_MAX_FLOWS; i++)
        if (!F.m->flows[i].active) {
            slot = i;
            break;
        }
    if (slot < 0 || attr->type != IBV_FLOW_ATTR_NORMAL || attr->port != 1 || q->is_send) {
        errno = EINVAL;
        return NULL;
    }
    struct mlx5_model_flow r = { .active = 1, .priority = attr->priority,
                                 .dont_trap = (attr->flags & IBV_FLOW_ATTR_FLAGS_DONT_TRAP) != 0,
                                 .hash_fields = q->hash_fields, .queue0 = q->queue0 };
    /* The specs follow the attribute, each starting with {type, size} (ibv_create_flow(3)); attr.size covers
     * them all. */
    const uint8_t *spec = (const uint8_t *)(attr + 1);
    size_t left = attr->size >= sizeof(*attr) ? attr->size - sizeof(*attr) : 0;
    for (int i = 0; i < attr->num_of_specs; i++) {
        struct ibv_flow_spec_eth hdr;
        if (left < 8) {
            errno = EINVAL;
            return NULL;
        }
        memcpy(&hdr, spec, 8);
        if (hdr.size < 8 || hdr.size > left) {
            errno = EINVAL;
            return NULL;
        }
        if (hdr.type == IBV_FLOW_SPEC_ETH) {
            struct ibv_flow_spec_eth e;
            memcpy(&e, spec, sizeof(e));
            for (int b = 0; b < 6; b++) {
                r.mac = (r.mac << 8) | e.val.dst_mac[b];
                r.mask = (r.mask << 8) | e.mask.dst_mac[b];
            }
        } else if (hdr.type == IBV_FLOW_SPEC_IPV4) {
            r.l3 = 4;
        } else if (hdr.type == IBV_FLOW_SPEC_IPV6) {
            r.l3 = 6;
        } else if (hdr.type == IBV_FLOW_SPEC_TCP) {
            r.l4 = 6;
        } else if (hdr.type == IBV_FLOW_SPEC_UDP) {
            r.l4 = 17;
        } else {
            errno = EOPNOTSUPP;
            return NULL;
        }
        spec += hdr.size;
        left -= hdr.size;
    }
    F.m->flows[slot] = r;
    F.m->n_flows++;
    F.stats.flows_created++;
    struct fake_flow *f = calloc(1, sizeof(*f));
    f->flow.context = qp->context;
    f->slot = slot;
    return &f->flow;
}

static int op_destroy_flow(struct ibv_flow *flow)
{
    struct fake_flow *f = (struct fake_flow *)flow;
    F.m->flows[f->slot].active = 0;
    F.m->n_flows--;
    F.stats.flows_destroyed++;
    free(f);
    return 0;
}

/* ---- contexts ---- */

EXPORT struct ibv_context *ibv_open_device(struct ibv_device *dev)
{
    if (F.cfg.open_errno != 0) {
        errno = F.cfg.open_errno;
        return NULL;
    }
    struct mlx5_model_cfg mc = { .n_rxq = F.cfg.n_rxq, .rx_size = F.cfg.rx_size, .tx_size = F.cfg.tx_size,
                                 .mtu = F.cfg.mtu, .csum = 1, .max_tso = F.cfg.no_tso ? 0 : 262144 };
    F.m = mlx5_model_create(&mc);
    F.vctx = calloc(1, sizeof(*F.vctx));
    if (F.m == NULL || F.vctx == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    for (uint32_t q = 0; q < F.cfg.n_rxq; q++)
        F.m->sq[q].ready = 0; /* the send QPs start in RESET */
    struct verbs_context *v = F.vctx;
    v->sz = sizeof(*v);
    v->context.abi_compat = __VERBS_ABI_IS_EXTENDED;
    v->context.device = dev;
    v->context.ops.req_notify_cq = op_req_notify_cq;
    v->context.ops.poll_cq = op_poll_cq;
    v->context.ops.post_send = op_post_send;
    v->query_port = op_query_port;
    v->query_device_ex = op_query_device_ex;
    v->create_wq = op_create_wq;
    v->modify_wq = op_modify_wq;
    v->destroy_wq = op_destroy_wq;
    v->create_rwq_ind_table = op_create_table;
    v->destroy_rwq_ind_table = op_destroy_table;
    v->create_qp_ex = op_create_qp_ex;
    v->ibv_create_flow = op_create_flow;
    v->ibv_destroy_flow = op_destroy_flow;
    F.async_fd = eventfd(0, EFD_CLOEXEC);
    v->context.async_fd = F.async_fd;
    v->context.num_comp_vectors = 1;
    return &v->context;
}

EXPORT int ibv_close_device(struct ibv_context *ctx)
{
    (void)ctx;
    if (F.async_fd >= 0)
        close(F.async_fd);
    F.async_fd = -1;
    F.stats.closed = 1;
    free(F.vctx);
    F.vctx = NULL;
    /* The model stays for the test to inspect (jbp_fake_verbs_model); the next configure forgets it. */
    return 0;
}

EXPORT struct ibv_pd *ibv_alloc_pd(struct ibv_context *ctx)
{
    struct ibv_pd *pd = calloc(1, sizeof(*pd));
    pd->context = ctx;
    return pd;
}

EXPORT int ibv_dealloc_pd(struct ibv_pd *pd)
{
    free(pd);
    return 0;
}

EXPORT struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t len, int access)
{
    if (F.cfg.reg_mr_errno != 0) {
        errno = F.cfg.reg_mr_errno;
        return NULL;
    }
    if (!(access & IBV_ACCESS_LOCAL_WRITE)) {
        errno = EINVAL;
        return NULL;
    }
    struct ibv_mr *mr = calloc(1, sizeof(*mr));
    mr->context = pd->context;
    mr->pd = pd;
    mr->addr = addr;
    mr->length = len;
    mr->lkey = MLX5_MODEL_LKEY;
    F.m->mr_base = addr;
    F.m->mr_len = len;
    return mr;
}

EXPORT int ibv_dereg_mr(struct ibv_mr *mr)
{
    free(mr);
    return 0;
}

/* Verbs mode: the objects exist and accept work, but carry no traffic (the verbs datapath runs on its own fake
 * provider in test_mlx5_verbs.c); enough to open, fall back to, and close a port in verbs mode. */
static int op_poll_cq(struct ibv_cq *cq, int n, struct ibv_wc *wc)
{
    (void)cq;
    (void)n;
    (void)wc;
    return 0;
}

static int op_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad)
{
    (void)qp;
    (void)wr;
    (void)bad;
    return 0;
}

static int op_post_recv(struct ibv_wq *wq, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad)
{
    (void)wq;
    (void)wr;
    (void)bad;
    return 0;
}

EXPORT struct ibv_cq *ibv_create_cq(struct ibv_context *ctx, int cqe, void *cq_context,
                                    struct ibv_comp_channel *channel, int comp_vector)
{
    (void)comp_vector;
    if (F.cfg.cq_errno != 0) {
        errno = F.cfg.cq_errno;
        return NULL;
    }
    struct ibv_cq *cq = calloc(1, sizeof(*cq));
    cq->context = ctx;
    cq->channel = channel;
    cq->cq_context = cq_context;
    cq->cqe = cqe;
    F.stats.verbs_cqs++;
    return cq;
}

EXPORT struct ibv_cq_ex *mlx5dv_create_cq(struct ibv_context *ctx, struct ibv_cq_init_attr_ex *a,
                                          struct mlx5dv_cq_init_attr *dv)
{
    /* The CQs are created in the driver's order at open (send CQ 0, 1, ..., receive CQ 0, 1, ...); after that,
     * a CQ takes the slot of the one destroyed (a CQ created again after an error). */
    int slot = F.n_cq;
    if (F.n_cq >= 2 * (int)F.m->cfg.n_rxq)
        for (slot = 0; slot < F.n_cq && F.cqs[slot] != NULL; slot++)
            ;
    if (slot >= 2 * (int)F.m->cfg.n_rxq || dv == NULL || !(dv->comp_mask & MLX5DV_CQ_INIT_ATTR_MASK_CQE_SIZE)
        || dv->cqe_size != 64) {
        errno = EINVAL;
        return NULL;
    }
    if (F.cfg.cq_errno != 0) {
        errno = F.cfg.cq_errno;
        return NULL;
    }
    if (F.cfg.fail_dv_cq != 0 && ++F.dv_cq_calls >= F.cfg.fail_dv_cq) {
        errno = EINVAL;
        return NULL;
    }
    const int n = (int)F.m->cfg.n_rxq;
    struct mlx5_model_cq *mcq = slot < n ? &F.m->sq[slot].cq : &F.m->rq[slot - n].cq;
    if (a->cqe + 1 > mcq->cqe_cnt) {
        errno = EINVAL;
        return NULL;
    }
    if (slot < F.n_cq) {
        if (mlx5_model_cq_recreate(mcq) != 0) {
            errno = ENOMEM;
            return NULL;
        }
        F.stats.cqs_recreated++;
    }
    if (dv->comp_mask & MLX5DV_CQ_INIT_ATTR_MASK_COMPRESSED_CQE) {
        if (slot < n || dv->cqe_comp_res_format != MLX5DV_CQE_RES_FORMAT_HASH || F.cfg.refuse_compression) {
            errno = EINVAL;
            return NULL;
        }
        F.m->cfg.compression = 1;
        F.stats.compressed_cqs++;
    }
    struct ibv_cq_ex *cq = calloc(1, sizeof(*cq));
    cq->context = ctx;
    cq->channel = a->channel;
    cq->cqe = (int)mcq->cqe_cnt - 1;
    F.cqs[slot] = (struct ibv_cq *)cq;
    if (slot == F.n_cq)
        F.n_cq++;
    return cq;
}

EXPORT int ibv_destroy_cq(struct ibv_cq *cq)
{
    /* A model-backed CQ's slot is free for the next CQ of the same queue (a CQ created again). */
    for (int i = 0; i < F.n_cq; i++)
        if (F.cqs[i] == cq) {
            F.cqs[i] = NULL;
            F.stats.cqs_destroyed++;
        }
    free(cq);
    return 0;
}

EXPORT int mlx5dv_query_device(struct ibv_context *ctx, struct mlx5dv_context *dv)
{
    (void)ctx;
    uint64_t asked = dv->comp_mask;
    memset(dv, 0, sizeof(*dv));
    dv->version = 1;
    dv->flags = F.cfg.cqe_v1 ? MLX5DV_CONTEXT_FLAGS_CQE_V1 : 0;
    if ((asked & MLX5DV_CONTEXT_MASK_CQE_COMPRESION) && !F.cfg.no_compression) {
        dv->comp_mask |= MLX5DV_CONTEXT_MASK_CQE_COMPRESION;
        dv->cqe_comp_caps.max_num = 64;
        dv->cqe_comp_caps.supported_format = MLX5DV_CQE_RES_FORMAT_HASH;
    }
    return 0;
}

EXPORT struct ibv_qp *ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *a)
{
    return create_send_qp(pd, a);
}

static struct ibv_qp *create_send_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *a)
{
    if (a->qp_type != IBV_QPT_RAW_PACKET || a->cap.max_send_wr > F.m->cfg.tx_size || a->cap.max_send_sge != 1) {
        errno = EINVAL;
        return NULL;
    }
    if (F.cfg.qp_errno != 0) {
        errno = F.cfg.qp_errno;
        return NULL;
    }
    struct fake_qp *q = calloc(1, sizeof(*q));
    q->qp.context = pd->context;
    q->qp.pd = pd;
    q->qp.qp_type = IBV_QPT_RAW_PACKET;
    /* The model's SQ behind this QP: the one whose CQ is the QP's send CQ (in verbs mode, where the model backs
     * no CQ, the next one). */
    q->sq = -1;
    for (int i = 0; i < F.n_cq && i < (int)F.m->cfg.n_rxq; i++)
        if (F.cqs[i] == a->send_cq)
            q->sq = i;
    if (q->sq < 0)
        q->sq = F.n_sq % (int)F.m->cfg.n_rxq;
    F.n_sq++;
    struct mlx5_model_sq *sq = &F.m->sq[q->sq];
    if (F.sq_made[q->sq]) {
        /* A send QP created again: the adapter gives it a new number and an empty ring. */
        sq->qpn += 0x100;
        sq->error = 0;
        sq->ci = 0;
        sq->snap_pi = 0;
        sq->dbrec[MLX5_SND_DBR] = 0;
        sq->dbrec[MLX5_RCV_DBR] = 0;
        F.stats.qps_recreated++;
    }
    F.sq_made[q->sq] = 1;
    F.sq_qp[q->sq] = &q->qp;
    q->qp.qp_num = sq->qpn;
    q->qp.send_cq = a->send_cq;
    q->is_send = 1;
    q->state = QS_RESET;
    return &q->qp;
}

static int qps_of(enum ibv_qp_state s)
{
    switch (s) {
    case IBV_QPS_RESET:
        return QS_RESET;
    case IBV_QPS_INIT:
        return QS_INIT;
    case IBV_QPS_RTR:
        return QS_RTR;
    case IBV_QPS_RTS:
        return QS_RTS;
    case IBV_QPS_ERR:
        return QS_ERR;
    default:
        return -1;
    }
}

EXPORT int ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
    struct fake_qp *q = (struct fake_qp *)qp;
    if (!(mask & IBV_QP_STATE) || !q->is_send)
        return EINVAL;
    struct mlx5_model_sq *sq = &F.m->sq[q->sq];
    F.stats.modify_qp++;
    int actual = sq->error ? QS_ERR : q->state;
    int claimed = (mask & IBV_QP_CUR_STATE) ? qps_of(a->cur_qp_state) : q->state;
    int next = qps_of(a->qp_state);
    if (claimed != actual || next < 0) {
        F.stats.refused_transitions++;
        return EINVAL;
    }
    /* IB spec 10.3.1 transitions for what the driver uses: any state to RESET, and RESET -> INIT (with the port),
     * INIT -> RTR, RTR -> RTS. */
    int ok = next == QS_RESET || (actual == QS_RESET && next == QS_INIT && (mask & IBV_QP_PORT) && a->port_num == 1)
        || (actual == QS_INIT && next == QS_RTR) || (actual == QS_RTR && next == QS_RTS);
    if (!ok) {
        F.stats.refused_transitions++;
        return EINVAL;
    }
    if (next == QS_RESET) {
        /* The SQ forgets its WQEs; rdma-core zeroes the doorbell record (mlx5_modify_qp). */
        sq->ready = 0;
        sq->error = 0;
        sq->ci = 0;
        sq->dbrec[MLX5_SND_DBR] = 0;
        sq->dbrec[MLX5_RCV_DBR] = 0;
        sq->snap_pi = 0;
        F.stats.qp_resets++;
        if (actual == QS_ERR)
            F.stats.resets_from_err++;
    }
    sq->ready = next == QS_RTS;
    q->state = next;
    return 0;
}

EXPORT int ibv_destroy_qp(struct ibv_qp *qp)
{
    struct fake_qp *q = (struct fake_qp *)qp;
    if (q->is_send && F.cfg.destroy_errno != 0)
        return F.cfg.destroy_errno;
    if (q->is_send) {
        F.m->sq[q->sq].ready = 0;
        if (F.sq_qp[q->sq] == qp)
            F.sq_qp[q->sq] = NULL;
    }
    free(q);
    return 0;
}

EXPORT int mlx5dv_init_obj(struct mlx5dv_obj *obj, uint64_t types)
{
    if (F.cfg.fail_init_obj)
        return EINVAL;
    if (types & MLX5DV_OBJ_QP) {
        struct fake_qp *fq = (struct fake_qp *)obj->qp.in;
        if (!fq->is_send)
            return EINVAL;
        struct mlx5_model_sq *sq = &F.m->sq[fq->sq];
        struct mlx5dv_qp *o = obj->qp.out;
        memset(o, 0, sizeof(*o));
        o->dbrec = sq->dbrec;
        o->sq.buf = sq->wqes;
        o->sq.wqe_cnt = sq->wqe_cnt;
        o->sq.stride = 64;
        o->bf.reg = sq->bf;
        o->bf.size = MLX5_MODEL_BF_SIZE;
    }
    if (types & MLX5DV_OBJ_CQ) {
        struct mlx5_model_cq *mcq = model_cq(obj->cq.in);
        if (mcq == NULL)
            return EINVAL;
        struct mlx5dv_cq *o = obj->cq.out;
        memset(o, 0, sizeof(*o));
        o->buf = mcq->buf;
        o->dbrec = mcq->dbrec;
        o->cqe_cnt = mcq->cqe_cnt;
        o->cqe_size = 64;
        o->cq_uar = mcq->uar;
        o->cqn = 0x80;
        for (int i = 0; i < F.n_cq; i++)
            if (F.cqs[i] == obj->cq.in)
                o->cqn = 0x80 + (uint32_t)i;
    }
    if (types & MLX5DV_OBJ_RWQ) {
        struct fake_wq *w = (struct fake_wq *)obj->rwq.in;
        struct mlx5dv_rwq *o = obj->rwq.out;
        memset(o, 0, sizeof(*o));
        o->buf = F.m->rq[w->q].wqes;
        o->dbrec = F.m->rq[w->q].dbrec;
        o->wqe_cnt = F.m->rq[w->q].wqe_cnt;
        o->stride = sizeof(struct mlx5_wqe_data_seg);
    }
    return 0;
}

/* ---- channels and events ---- */

EXPORT struct ibv_comp_channel *ibv_create_comp_channel(struct ibv_context *ctx)
{
    struct ibv_comp_channel *c = calloc(1, sizeof(*c));
    c->context = ctx;
    c->fd = F.m->event_fd; /* the model raises completion events there */
    return c;
}

EXPORT int ibv_destroy_comp_channel(struct ibv_comp_channel *c)
{
    free(c);
    return 0;
}

EXPORT int ibv_get_cq_event(struct ibv_comp_channel *c, struct ibv_cq **cq, void **cq_context)
{
    uint64_t v;
    if (read(c->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return -1;
    const uint32_t n = F.m->cfg.n_rxq;
    for (uint32_t q = 0; q < n && (int)(n + q) < F.n_cq; q++) {
        if (F.m->rq[q].cq.events > F.events_taken[q]) {
            F.events_taken[q]++;
            *cq = F.cqs[n + q];
            *cq_context = NULL;
            F.stats.cq_events++;
            return 0;
        }
    }
    errno = EAGAIN;
    return -1;
}

EXPORT void ibv_ack_cq_events(struct ibv_cq *cq, unsigned int n)
{
    (void)cq;
    F.stats.cq_events_acked += n;
}

/*
 * Injects an async event and puts the model in the state it reports: IBV_EVENT_CQ_ERR on queue q's send CQ
 * (rx = 0) or receive CQ (rx = 1): the CQ takes no completion again; IBV_EVENT_QP_FATAL on send QP q: the SQ is
 * in error (what it holds is flushed); IBV_EVENT_WQ_FATAL on receive WQ q: the WQ is in error. The context's async
 * fd becomes readable, as the kernel's does. 0, or -EINVAL for an object that does not exist.
 */
EXPORT int jbp_fake_verbs_inject_event(enum ibv_event_type type, int rx, uint32_t q)
{
    const uint32_t n = F.m->cfg.n_rxq;
    if (q >= n || F.n_events >= (int)(sizeof(F.events) / sizeof(F.events[0])))
        return -EINVAL;
    struct ibv_async_event ev = { .event_type = type };
    if (type == IBV_EVENT_CQ_ERR) {
        int slot = rx ? (int)(n + q) : (int)q;
        if (slot >= F.n_cq || F.cqs[slot] == NULL)
            return -EINVAL;
        ev.element.cq = F.cqs[slot];
        (rx ? &F.m->rq[q].cq : &F.m->sq[q].cq)->error = 1;
    } else if (type == IBV_EVENT_QP_FATAL && !rx) {
        if (F.sq_qp[q] == NULL)
            return -EINVAL;
        ev.element.qp = F.sq_qp[q];
        F.m->sq[q].error = 1;
    } else if (type == IBV_EVENT_WQ_FATAL && rx) {
        if (F.rq_wq[q] == NULL)
            return -EINVAL;
        ev.element.wq = F.rq_wq[q];
        F.m->rq[q].error = 1;
    } else {
        return -EINVAL;
    }
    F.events[F.n_events++] = ev;
    uint64_t one = 1;
    if (F.async_fd >= 0 && write(F.async_fd, &one, sizeof(one)) != sizeof(one))
        return -errno;
    return 0;
}

EXPORT int ibv_get_async_event(struct ibv_context *ctx, struct ibv_async_event *ev)
{
    (void)ctx;
    if (F.n_events == 0) {
        uint64_t v;
        if (F.async_fd >= 0 && read(F.async_fd, &v, sizeof(v)) < 0) {
            /* drained: the fd is not readable until the next event */
        }
        errno = EAGAIN;
        return -1;
    }
    *ev = F.events[0];
    memmove(F.events, F.events + 1, (size_t)--F.n_events * sizeof(F.events[0]));
    F.stats.async_events_read++;
    return 0;
}

EXPORT void ibv_ack_async_event(struct ibv_async_event *ev)
{
    (void)ev;
    F.stats.async_events_acked++;
}

EXPORT const char *ibv_event_type_str(enum ibv_event_type e)
{
    switch (e) {
    case IBV_EVENT_CQ_ERR:
        return "CQ error";
    case IBV_EVENT_QP_FATAL:
        return "local catastrophic error";
    case IBV_EVENT_WQ_FATAL:
        return "WQ fatal";
    default:
        return "fake event";
    }
}

EXPORT const char *ibv_wc_status_str(enum ibv_wc_status s)
{
    (void)s;
    return "fake status";
}
