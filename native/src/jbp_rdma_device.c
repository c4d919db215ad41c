/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A ConnectX port opened through libibverbs, after FD.io VPP's rdma driver (src/plugins/rdma/device.c): the
 * netdev mapped to its RDMA device through sysfs, one protection domain, one memory region over the packet pool,
 * a raw-packet QP to send (created before the receive side, as VPP does, so that the port does not receive its
 * own broadcasts), receive WQs with their CQs behind an indirection table and Toeplitz hash QPs, and flow rules
 * that steer the frames for our MAC to us while the Linux netdev keeps the rest (bifurcation).
 *
 * Every failure a user can meet ends in a message saying what failed, why, and what to do.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jbp_rdma.h"
#include "jbp_rdma_admit.h"
#include "jbp_rdma_device.h"
#include "jbp_rdma_ibv.h"
#include "jbp_rdma_sysfs.h"

/* The hash QPs of the receive side: one per traffic class, because a TIR hashes either IPv4 or IPv6 and either
 * TCP or UDP ports (Linux drivers/infiniband/hw/mlx5/qp.c create_rss_raw_qp_tir rejects mixing them). */
enum { QP_DIRECT, QP_TCP4, QP_UDP4, QP_IP4, QP_TCP6, QP_UDP6, QP_IP6, QP_COUNT };
#define MAX_FLOWS 16

struct jbp_rdma_dev {
    struct jbp_ibv_lib lib;
    struct jbp_rdma_sysfs sysfs;
    char sys_root[256];
    int allow_netdev_mac;
    struct ibv_context *ctx;
    uint8_t port_num;
    struct ibv_pd *pd;
    struct ibv_mr *mr;
    struct ibv_comp_channel *channel;
    struct ibv_cq *tx_cq[JBP_RDMA_MAX_RXQ]; /* one send QP and CQ per receive queue (its poller's) */
    struct ibv_qp *tx_qp[JBP_RDMA_MAX_RXQ];
    struct ibv_cq *rx_cq[JBP_RDMA_MAX_RXQ];
    struct ibv_wq *rx_wq[JBP_RDMA_MAX_RXQ];
    struct ibv_rwq_ind_table *ind_all;
    struct ibv_rwq_ind_table *ind_q0;
    struct ibv_qp *rss_qp[QP_COUNT];
    struct ibv_flow *flows[MAX_FLOWS];
    int n_flows;
    int wake_fd;
    pthread_mutex_t await_lock;
    struct jbp_rdma_admit admit; /* the MAC in the netdev's FDB (jbp_rdma_admit.h) */
    int admit_ready;
    int dv_failed;               /* a Direct Verbs step failed (mlx5dv_create_cq, mlx5dv_init_obj, the rings) */
    /* What the queues were opened with, to create one again after IBV_EVENT_CQ_ERR or a fatal queue error. */
    uint32_t tx_size, rx_size, max_table;
    int tx_csum, compress;
    uint32_t max_tso; /* LSO on the send queues (Direct Verbs only): the longest super-frame; 0 none */
};

static struct jbp_rdma_dev *dev_of(struct jbp_rdma_port *p)
{
    return p->backend_data;
}

/* ---- capability hints ---- */

static uint64_t cap_eff(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t caps = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "CapEff:", 7) == 0)
            caps = strtoull(line + 7, NULL, 16);
    fclose(f);
    return caps;
}

#define JBP_CAP_NET_RAW 13
#define JBP_CAP_IPC_LOCK 14

static void raw_hint(char *err, size_t len, const char *what, int e, const char *ifname)
{
    int has = (cap_eff() >> JBP_CAP_NET_RAW) & 1;
    if (e == EPERM || e == EACCES)
        snprintf(err, len, "%s on '%s' failed: %s. Raw Ethernet QPs and flow rules need CAP_NET_RAW, which this "
                 "process %s: run as root, or grant it (setcap cap_net_raw+ep on the java binary, "
                 "AmbientCapabilities=CAP_NET_RAW in a systemd unit, --cap-add=NET_RAW for a container)", what,
                 ifname, strerror(e), has ? "has in its own namespace but not in the device's network namespace"
                                          : "does not have");
    else
        snprintf(err, len, "%s on '%s' failed: %s", what, ifname, strerror(e));
}

/* Every object the adapter reads or writes pins its memory (the pool's region, and each CQ, WQ and QP ring):
 * ENOMEM there is most often RLIMIT_MEMLOCK (ib_umem_get refuses beyond it without CAP_IPC_LOCK). */
static void memlock_hint(char *err, size_t len, const char *what, size_t bytes, int e, const char *ifname)
{
    struct rlimit rl = { 0, 0 };
    getrlimit(RLIMIT_MEMLOCK, &rl);
    int has_ipc_lock = (cap_eff() >> JBP_CAP_IPC_LOCK) & 1;
    char limit[64];
    if (rl.rlim_cur == RLIM_INFINITY)
        snprintf(limit, sizeof(limit), "unlimited");
    else
        snprintf(limit, sizeof(limit), "%llu KiB", (unsigned long long)rl.rlim_cur / 1024);
    snprintf(err, len, "%s (%zu KiB) on the adapter of '%s' failed: %s. It pins memory, which counts against "
             "RLIMIT_MEMLOCK (now %s%s): raise it (ulimit -l unlimited; LimitMEMLOCK=infinity in a systemd unit; "
             "docker run --ulimit memlock=-1) or grant CAP_IPC_LOCK", what, (bytes + 1023) / 1024, ifname,
             strerror(e), limit, has_ipc_lock ? ", though this process has CAP_IPC_LOCK" : "");
}

/* ---- flow rules ---- */

struct flow_spec_buf {
    uint8_t bytes[sizeof(struct ibv_flow_attr) + sizeof(struct ibv_flow_spec_eth) + sizeof(struct ibv_flow_spec_ipv6)
                  + sizeof(struct ibv_flow_spec_tcp_udp)];
    size_t used;
};

static void *spec_add(struct flow_spec_buf *b, size_t size)
{
    void *p = b->bytes + b->used;
    memset(p, 0, size);
    b->used += size;
    return p;
}

static void mac_bytes(uint64_t mac, uint8_t out[6])
{
    for (int i = 0; i < 6; i++)
        out[i] = (uint8_t)(mac >> (40 - 8 * i));
}

/*
 * One rule: destination MAC (under a mask), optionally an L3 type (4 or 6) and an L4 type (IPPROTO_TCP or
 * IPPROTO_UDP), to a QP. Laid out as rdma-core's ibv_create_flow(3) describes: the attribute, then the specs, with
 * attr.size covering them all. mlx5 matches the ethertype and IP protocol that the L3/L4 specs imply.
 */
static struct ibv_flow *flow_create(struct jbp_rdma_dev *d, struct ibv_qp *qp, uint64_t mac, uint64_t mask, int l3,
                                    int l4, uint16_t priority, uint32_t flags)
{
    struct flow_spec_buf b = { .used = 0 };
    struct ibv_flow_attr *attr = spec_add(&b, sizeof(*attr));
    struct ibv_flow_spec_eth *eth = spec_add(&b, sizeof(*eth));
    attr->type = IBV_FLOW_ATTR_NORMAL;
    attr->priority = priority;
    attr->port = d->port_num;
    attr->flags = flags;
    attr->num_of_specs = 1;
    eth->type = IBV_FLOW_SPEC_ETH;
    eth->size = sizeof(*eth);
    mac_bytes(mac, eth->val.dst_mac);
    mac_bytes(mask, eth->mask.dst_mac);
    if (l3 == 4) {
        struct ibv_flow_spec_ipv4 *ip = spec_add(&b, sizeof(*ip));
        ip->type = IBV_FLOW_SPEC_IPV4;
        ip->size = sizeof(*ip);
        attr->num_of_specs++;
    } else if (l3 == 6) {
        struct ibv_flow_spec_ipv6 *ip = spec_add(&b, sizeof(*ip));
        ip->type = IBV_FLOW_SPEC_IPV6;
        ip->size = sizeof(*ip);
        attr->num_of_specs++;
    }
    if (l4 != 0) {
        struct ibv_flow_spec_tcp_udp *t = spec_add(&b, sizeof(*t));
        t->type = l4 == 6 ? IBV_FLOW_SPEC_TCP : IBV_FLOW_SPEC_UDP;
        t->size = sizeof(*t);
        attr->num_of_specs++;
    }
    attr->size = (uint16_t)b.used;
    return ibv_create_flow(qp, attr);
}

static void flows_destroy(struct ibv_flow **flows, int n)
{
    for (int i = 0; i < n; i++)
        if (flows[i] != NULL)
            ibv_destroy_flow(flows[i]);
}

/*
 * The steering (VPP device.c rdma_dev_set_ucast, refined):
 * - frames to our MAC go to us only ("trap"): with one queue, to the direct QP; with several, by class to the
 *   hash QPs, most specific first: user priority 0 for MAC+L3+L4, 1 for MAC+L3, 2 for MAC alone (ARP, other
 *   ethertypes: queue 0). Lower values win (ibv_create_flow(3));
 * - multicast and broadcast (the group bit of the destination) are copied to queue 0 with DONT_TRAP, so the
 *   Linux netdev, which sits below verbs steering, still gets them (ibv_create_flow(3), IBV_FLOW_ATTR_FLAGS_DONT_TRAP);
 *   the stack's multicast groups need no rule of their own: the stack filters this copy by group (docs/RDMA.md);
 * - everything else stays with the Linux netdev: that is the bifurcation.
 */
static int flows_install(struct jbp_rdma_port *p, uint64_t mac, struct ibv_flow **out, int *n_out, char *err,
                         size_t len)
{
    struct jbp_rdma_dev *d = dev_of(p);
    const uint64_t all = 0xffffffffffffull;
    const uint64_t group = 0x010000000000ull;
    struct {
        int qp, l3, l4;
        uint16_t prio;
    } uc[] = {
        { QP_TCP4, 4, 6, 0 }, { QP_UDP4, 4, 17, 0 }, { QP_TCP6, 6, 6, 0 }, { QP_UDP6, 6, 17, 0 },
        { QP_IP4, 4, 0, 1 },  { QP_IP6, 6, 0, 1 },   { QP_DIRECT, 0, 0, 2 },
    };
    int n = 0;
    for (size_t i = 0; i < sizeof(uc) / sizeof(uc[0]); i++) {
        if (p->n_rxq == 1 && uc[i].qp != QP_DIRECT)
            continue;
        out[n] = flow_create(d, d->rss_qp[uc[i].qp], mac, all, uc[i].l3, uc[i].l4, p->n_rxq == 1 ? 0 : uc[i].prio,
                             0);
        if (out[n] == NULL)
            goto fail;
        n++;
    }
    out[n] = flow_create(d, d->rss_qp[QP_DIRECT], group, group, 0, 0, 0, IBV_FLOW_ATTR_FLAGS_DONT_TRAP);
    if (out[n] == NULL)
        goto fail;
    n++;
    *n_out = n;
    return 0;
fail: {
    int e = errno;
    flows_destroy(out, n);
    if (e == EPERM || e == EACCES)
        raw_hint(err, len, "installing flow rules", e, d->sysfs.ifname);
    else
        snprintf(err, len, "installing flow rule %d for '%s' failed: %s%s", n, d->sysfs.ifname, strerror(e),
                 e == ENXIO || e == EOPNOTSUPP || e == EINVAL
                     ? " (the port must be in Ethernet mode with device-managed flow steering: check the firmware "
                       "settings, mlxconfig LINK_TYPE_P1=2, and that no other process holds a conflicting rule)"
                     : "");
    return -e;
}
}

/* Whoever can install flow rules can take any MAC's traffic: a MAC that a Linux netdev on this host uses is
 * refused unless the configuration says it is meant (VPP rdma_doc.rst and DPDK mlx5.rst warn of the same). Every
 * netdev of the adapter and every secondary unicast address counts (jbp_rdma_admit.h). */
static int netdev_mac_check(struct jbp_rdma_dev *d, uint64_t mac, char *err, size_t len)
{
    return d->allow_netdev_mac ? 0 : jbp_rdma_mac_guard(&d->admit, &d->sysfs, mac, err, len);
}

static void admit_publish(struct jbp_rdma_port *p, const struct jbp_rdma_admit *a)
{
    p->status[JBP_ST_MAC_ADMISSION] = (uint64_t)a->state;
    p->status[JBP_ST_MAC_ADMIT_ERRNO] = (uint64_t)-a->error;
    p->status[JBP_ST_FDB_ADDED] = a->added;
    p->status[JBP_ST_FDB_REMOVED] = a->removed;
    p->status[JBP_ST_FDB_STALE_REMOVED] = a->stale_removed;
    p->status[JBP_ST_FDB_FAILURES] = a->failures;
}

static int dev_set_mac(struct jbp_rdma_port *p, uint64_t mac)
{
    struct jbp_rdma_dev *d = dev_of(p);
    int check = netdev_mac_check(d, mac, p->error, sizeof(p->error));
    if (check != 0)
        return check;
    struct ibv_flow *fresh[MAX_FLOWS] = { 0 };
    int n = 0;
    int rc = flows_install(p, mac, fresh, &n, p->error, sizeof(p->error));
    if (rc != 0)
        return rc;
    /* The new rules are in place before the old ones go, so no frame for either MAC is lost in between; the new
     * MAC is admitted by the embedded switch before the old one is withdrawn, for the same reason. A refused
     * admission does not stop the port (a PF without SR-IOV needs none): the status words say it. */
    char warn[JBP_RDMA_ERR_LEN] = "";
    jbp_rdma_admit_mac(&d->admit, mac, warn, sizeof(warn));
    admit_publish(p, &d->admit);
    flows_destroy(d->flows, d->n_flows);
    memcpy(d->flows, fresh, sizeof(fresh));
    d->n_flows = n;
    return 0;
}

/* A multicast MAC the stack joined: the copy rule already carries what reaches the port; the embedded switch must
 * let it reach the port (jbp_rdma_admit.h, "Multicast MACs"). Refusals are counted and described in p->error. */
static int dev_multicast(struct jbp_rdma_port *p, uint64_t mac, int join)
{
    struct jbp_rdma_dev *d = dev_of(p);
    if (!d->admit_ready)
        return 0;
    char warn[JBP_RDMA_ERR_LEN] = "";
    int rc = jbp_rdma_admit_group(&d->admit, mac, join, warn, sizeof(warn));
    admit_publish(p, &d->admit);
    if (warn[0] != '\0')
        jbp_port_seterr(p, "%s", warn);
    return rc;
}

/* ---- queue state transitions (recovery) ---- */

static int qp_to_rts(struct jbp_rdma_dev *d, struct ibv_qp *qp)
{
    struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = d->port_num };
    int rc = d->lib.modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PORT);
    if (rc == 0) {
        a = (struct ibv_qp_attr){ .qp_state = IBV_QPS_RTR };
        rc = d->lib.modify_qp(qp, &a, IBV_QP_STATE);
    }
    if (rc == 0) {
        a = (struct ibv_qp_attr){ .qp_state = IBV_QPS_RTS };
        rc = d->lib.modify_qp(qp, &a, IBV_QP_STATE);
    }
    return rc;
}

static int dev_txq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    /* The current state is named (ERR after an error completion), as mlx5e names it to the firmware (en_main.c
     * mlx5e_modify_sq with curr_state ERR). Caveat: for a raw-packet QP, mlx5_ib checks IBV_QP_CUR_STATE but then
     * names its own cached SQ state in the firmware command (drivers/infiniband/hw/mlx5/qp.c
     * modify_raw_packet_qp_sq); whether the firmware accepts that for an SQ in error is unproven (docs/RDMA.md). */
    struct ibv_qp_attr a = { .qp_state = IBV_QPS_RESET, .cur_qp_state = p->txq[q].hw_err ? IBV_QPS_ERR : IBV_QPS_RTS };
    int rc = d->lib.modify_qp(d->tx_qp[q], &a, IBV_QP_STATE | IBV_QP_CUR_STATE);
    if (rc != 0)
        jbp_port_seterr(p, "resetting send QP %u failed: %s", q, strerror(rc));
    return -rc;
}

static int dev_txq_start(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    int rc = qp_to_rts(d, d->tx_qp[q]);
    if (rc != 0)
        jbp_port_seterr(p, "bringing send QP %u back to RTS failed: %s", q, strerror(rc));
    return -rc;
}

static int wq_state(struct jbp_rdma_port *p, uint32_t q, enum ibv_wq_state s)
{
    struct ibv_wq_attr a = { .attr_mask = IBV_WQ_ATTR_STATE, .wq_state = s };
    if (s == IBV_WQS_RESET) {
        /* mlx5e moves an RQ in error to RESET naming ERR as its current state (en/reporter_rx.c,
         * mlx5e_rq_to_ready: ERR -> RST -> RDY); without IBV_WQ_ATTR_CURR_STATE rdma-core names the state it last
         * set (RDY, verbs.c mlx5_modify_wq) and the firmware refuses the transition. */
        a.attr_mask |= IBV_WQ_ATTR_CURR_STATE;
        a.curr_wq_state = p->rxq[q].hw_err ? IBV_WQS_ERR : IBV_WQS_RDY;
    }
    int rc = ibv_modify_wq(dev_of(p)->rx_wq[q], &a);
    if (rc != 0)
        jbp_port_seterr(p, "moving receive WQ %u to %s failed: %s", q, s == IBV_WQS_RDY ? "RDY" : "RESET",
                        strerror(rc));
    return -rc;
}

static int dev_rxq_stop(struct jbp_rdma_port *p, uint32_t q)
{
    return wq_state(p, q, IBV_WQS_RESET);
}

static int dev_rxq_start(struct jbp_rdma_port *p, uint32_t q)
{
    return wq_state(p, q, IBV_WQS_RDY);
}

/* ---- async events and waiting ---- */

static void mark_queue(int *state, volatile uint64_t *st_word, int to)
{
    if (jbp_qstate_rank(*state) < jbp_qstate_rank(to)) {
        *state = to;
        *st_word = (uint64_t)to;
    }
}

static int dev_poll_events(struct jbp_rdma_port *p)
{
    struct jbp_rdma_dev *d = dev_of(p);
    struct ibv_async_event ev;
    int n = 0;
    /* async_fd is non-blocking: ibv_get_async_event returns -1 (EAGAIN) when none is pending. */
    while (n < 64 && d->lib.get_async_event(d->ctx, &ev) == 0) {
        n++;
        p->status[JBP_ST_ASYNC_EVENTS]++;
        switch (ev.event_type) {
        case IBV_EVENT_PORT_ACTIVE:
        case IBV_EVENT_PORT_ERR:
        case IBV_EVENT_LID_CHANGE: {
            struct ibv_port_attr pa;
            if (jbp_ibv_query_port(&d->lib, d->ctx, d->port_num, &pa) == 0)
                p->status[JBP_ST_PORT_STATE] = pa.state;
            break;
        }
        case IBV_EVENT_DEVICE_FATAL:
            /* The adapter needs a reset (firmware error, PCI error): nothing here works until the port is
             * reopened (VPP sets the link down; the kernel driver resets the device). */
            p->status[JBP_ST_DEVICE_FATAL] = 1;
            for (uint32_t q = 0; q < p->n_rxq; q++) {
                mark_queue(&p->txq[q].state, &p->txq[q].st[JBP_TXQ_STATE], JBP_Q_DEAD);
                mark_queue(&p->rxq[q].state, &p->rxq[q].st[JBP_RXQ_STATE], JBP_Q_DEAD);
            }
            jbp_port_seterr(p, "%s reported a fatal device error (IBV_EVENT_DEVICE_FATAL): the adapter must be "
                            "reset; see dmesg, then reopen the interface", d->sysfs.ibdev);
            break;
        case IBV_EVENT_QP_REQ_ERR:
        case IBV_EVENT_QP_ACCESS_ERR:
            /* An error a reset clears (ibv_get_async_event(3): the QP is in the error state). */
            for (uint32_t q = 0; q < p->n_txq; q++)
                if (ev.element.qp == d->tx_qp[q])
                    mark_queue(&p->txq[q].state, &p->txq[q].st[JBP_TXQ_STATE], JBP_Q_ERROR);
            break;
        case IBV_EVENT_QP_FATAL:
            /* A catastrophic error: the queue pair and its CQ are created again rather than reset. */
            for (uint32_t q = 0; q < p->n_txq; q++)
                if (ev.element.qp == d->tx_qp[q]) {
                    p->txq[q].st[JBP_TXQ_RECREATE_EVENT] = IBV_EVENT_QP_FATAL;
                    mark_queue(&p->txq[q].state, &p->txq[q].st[JBP_TXQ_STATE], JBP_Q_RECREATE);
                }
            break;
        case IBV_EVENT_WQ_FATAL:
            for (uint32_t q = 0; q < p->n_rxq; q++)
                if (ev.element.wq == d->rx_wq[q]) {
                    p->rxq[q].st[JBP_RXQ_RECREATE_EVENT] = IBV_EVENT_WQ_FATAL;
                    mark_queue(&p->rxq[q].state, &p->rxq[q].st[JBP_RXQ_STATE], JBP_Q_RECREATE);
                }
            break;
        case IBV_EVENT_CQ_ERR:
            /* The CQ takes no completion again (an overrun, which the ring sizing rules out, or the adapter could
             * not write it): no reset of the queues on it helps, so the CQ and its queue are created again. */
            for (uint32_t q = 0; q < p->n_txq; q++)
                if (ev.element.cq == d->tx_cq[q]) {
                    p->txq[q].st[JBP_TXQ_RECREATE_EVENT] = IBV_EVENT_CQ_ERR;
                    mark_queue(&p->txq[q].state, &p->txq[q].st[JBP_TXQ_STATE], JBP_Q_RECREATE);
                }
            for (uint32_t q = 0; q < p->n_rxq; q++)
                if (ev.element.cq == d->rx_cq[q]) {
                    p->rxq[q].st[JBP_RXQ_RECREATE_EVENT] = IBV_EVENT_CQ_ERR;
                    mark_queue(&p->rxq[q].state, &p->rxq[q].st[JBP_RXQ_STATE], JBP_Q_RECREATE);
                }
            break;
        default:
            break;
        }
        d->lib.ack_async_event(&ev);
    }
    return n;
}

static int dev_await(struct jbp_rdma_port *p, int64_t timeout_ns)
{
    struct jbp_rdma_dev *d = dev_of(p);
    if (timeout_ns <= 0)
        return 0;
    pthread_mutex_lock(&d->await_lock);
    /* Arm every receive CQ for its next completion. The mlx5 adapter raises the event at once if entries past the
     * armed consumer index are already there, so a completion that raced with arming is not lost. The consumer
     * index may be advanced meanwhile by a thread receiving on that queue: an arm with a stale index only makes
     * the event early, a spurious return that the Link contract allows. */
    int ready = 0;
    for (uint32_t q = 0; q < p->n_rxq; q++) {
        /* A queue whose CQ is being created again (dev_rxq_destroy/create hold this lock while they change it,
         * and leave it zeroed in between) is skipped. */
        if (p->mode == JBP_RDMA_MODE_DV ? p->rxq[q].cq.buf == NULL : d->rx_cq[q] == NULL)
            continue;
        if (p->mode == JBP_RDMA_MODE_DV) {
            /* The ring fields change only under this lock; the consumer index is read once, atomically. */
            const struct jbp_dv_cq *cq = &p->rxq[q].cq;
            struct jbp_dv_cq snapshot = {
                .buf = cq->buf, .dbrec = cq->dbrec, .uar = cq->uar, .cqn = cq->cqn, .cqe_cnt = cq->cqe_cnt,
                .log_cnt = cq->log_cnt, .ci = __atomic_load_n(&cq->ci, __ATOMIC_RELAXED),
                .arm_sn = __atomic_load_n(&cq->arm_sn, __ATOMIC_RELAXED),
            };
            jbp_dv_cq_arm(&snapshot);
            ready |= jbp_dv_cq_ready(&snapshot);
        } else {
            ibv_req_notify_cq(d->rx_cq[q], 0);
        }
    }
    if (!ready) {
        struct pollfd fds[3] = {
            { .fd = d->channel->fd, .events = POLLIN },
            { .fd = d->wake_fd, .events = POLLIN },
            { .fd = d->ctx->async_fd, .events = POLLIN },
        };
        struct timespec ts = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
        if (ppoll(fds, 3, &ts, NULL) > 0) {
            if (fds[0].revents & POLLIN) {
                struct ibv_cq *cq;
                void *ctx;
                while (d->lib.get_cq_event(d->channel, &cq, &ctx) == 0) {
                    for (uint32_t q = 0; q < p->n_rxq; q++)
                        if (cq == d->rx_cq[q])
                            __atomic_add_fetch(&p->rxq[q].cq.arm_sn, 1, __ATOMIC_RELAXED);
                    d->lib.ack_cq_events(cq, 1);
                }
            }
            if (fds[1].revents & POLLIN) {
                uint64_t v;
                ssize_t r = read(d->wake_fd, &v, sizeof(v));
                (void)r;
            }
            if (fds[2].revents & POLLIN)
                __atomic_store_n(&p->events_pending, 1, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_unlock(&d->await_lock);
    return 0;
}

static int dev_wakeup(struct jbp_rdma_port *p)
{
    uint64_t one = 1;
    return write(dev_of(p)->wake_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

/* ---- teardown ---- */

static void dev_quiesce(struct jbp_rdma_port *p)
{
    struct jbp_rdma_dev *d = dev_of(p);
    /* Nothing may write into the pool once this returns: rules and QPs first, then the receive WQs. */
    flows_destroy(d->flows, d->n_flows);
    d->n_flows = 0;
    for (int i = 0; i < QP_COUNT; i++) {
        if (d->rss_qp[i] != NULL)
            d->lib.destroy_qp(d->rss_qp[i]);
        d->rss_qp[i] = NULL;
    }
    if (d->ind_all != NULL)
        ibv_destroy_rwq_ind_table(d->ind_all);
    if (d->ind_q0 != NULL)
        ibv_destroy_rwq_ind_table(d->ind_q0);
    d->ind_all = d->ind_q0 = NULL;
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        if (d->rx_wq[q] != NULL)
            ibv_destroy_wq(d->rx_wq[q]);
        d->rx_wq[q] = NULL;
        if (d->tx_qp[q] != NULL)
            d->lib.destroy_qp(d->tx_qp[q]);
        d->tx_qp[q] = NULL;
    }
}

static void dev_destroy(struct jbp_rdma_port *p)
{
    struct jbp_rdma_dev *d = dev_of(p);
    if (d != NULL) {
        dev_quiesce(p);
        if (d->admit_ready)
            jbp_rdma_admit_release(&d->admit);
        d->admit_ready = 0;
        for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
            if (d->rx_cq[q] != NULL)
                d->lib.destroy_cq(d->rx_cq[q]);
            if (d->tx_cq[q] != NULL)
                d->lib.destroy_cq(d->tx_cq[q]);
        }
        if (d->channel != NULL)
            d->lib.destroy_comp_channel(d->channel);
        if (d->mr != NULL)
            d->lib.dereg_mr(d->mr);
        if (d->pd != NULL)
            d->lib.dealloc_pd(d->pd);
        if (d->ctx != NULL)
            d->lib.close_device(d->ctx);
        if (d->wake_fd >= 0)
            close(d->wake_fd);
        pthread_mutex_destroy(&d->await_lock);
        jbp_ibv_unload(&d->lib);
        free(d);
    }
    jbp_port_free(p);
}

/* ---- recreation (JBP_Q_RECREATE: IBV_EVENT_CQ_ERR, IBV_EVENT_QP_FATAL, IBV_EVENT_WQ_FATAL) ---- */

static int open_txq(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t tx_size, uint32_t q, int tx_csum,
                    char *err, size_t len);
static int open_rxq(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t rx_size, uint32_t q, int *compress,
                    char *err, size_t len, char *warn, size_t wlen);
static int open_rss(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t max_table, char *err, size_t len);

static void rss_destroy(struct jbp_rdma_dev *d)
{
    flows_destroy(d->flows, d->n_flows);
    d->n_flows = 0;
    for (int i = 0; i < QP_COUNT; i++) {
        if (d->rss_qp[i] != NULL)
            d->lib.destroy_qp(d->rss_qp[i]);
        d->rss_qp[i] = NULL;
    }
    if (d->ind_all != NULL)
        ibv_destroy_rwq_ind_table(d->ind_all);
    if (d->ind_q0 != NULL)
        ibv_destroy_rwq_ind_table(d->ind_q0);
    d->ind_all = d->ind_q0 = NULL;
}

/* The QP first (the adapter stops reading its ring and writing its CQ), then the CQ (ibv_destroy_cq(3) refuses a
 * CQ a QP still uses). */
static int dev_txq_destroy(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    int rc = 0;
    if (d->tx_qp[q] != NULL && (rc = d->lib.destroy_qp(d->tx_qp[q])) != 0) {
        jbp_port_seterr(p, "ibv_destroy_qp of send QP %u failed: %s", q, strerror(rc));
        return -rc;
    }
    d->tx_qp[q] = NULL;
    if (d->tx_cq[q] != NULL && (rc = d->lib.destroy_cq(d->tx_cq[q])) != 0) {
        jbp_port_seterr(p, "ibv_destroy_cq of send CQ %u failed: %s", q, strerror(rc));
        return -rc;
    }
    d->tx_cq[q] = NULL;
    return 0;
}

static int dev_txq_create(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    char err[JBP_RDMA_ERR_LEN] = "";
    p->error[0] = '\0';
    int rc = open_txq(p, d, d->tx_size, q, d->tx_csum, err, sizeof(err));
    if (rc != 0)
        jbp_port_seterr(p, "%s", err);
    return rc;
}

/* A receive WQ is named by the indirection tables, which the hash QPs use, which the flow rules name: all of
 * them go before the WQ can (the kernel refuses to destroy a WQ a table holds), and come back after it. Until
 * then frames to the MAC go to the Linux netdev, which drops them (not its MAC). A waiter in await arms this
 * queue's CQ: it is woken and shut out while the CQ changes. */
static int dev_rxq_destroy(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    int rc = 0;
    dev_wakeup(p);
    pthread_mutex_lock(&d->await_lock);
    rss_destroy(d);
    if (d->rx_wq[q] != NULL && (rc = ibv_destroy_wq(d->rx_wq[q])) != 0)
        jbp_port_seterr(p, "ibv_destroy_wq of receive WQ %u failed: %s", q, strerror(rc));
    else
        d->rx_wq[q] = NULL;
    if (rc == 0 && d->rx_cq[q] != NULL && (rc = d->lib.destroy_cq(d->rx_cq[q])) != 0)
        jbp_port_seterr(p, "ibv_destroy_cq of receive CQ %u failed: %s", q, strerror(rc));
    else if (rc == 0)
        d->rx_cq[q] = NULL;
    if (rc == 0) {
        /* The CQ the port's ring fields point at is gone: nothing may arm it until the new one is set up. */
        memset(&p->rxq[q].cq, 0, sizeof(p->rxq[q].cq));
    } else {
        /* The queue stays as it is (and stops); the other queues get their steering back. */
        char err[JBP_RDMA_ERR_LEN];
        if (open_rss(p, d, d->max_table, err, sizeof(err)) != 0
            || flows_install(p, p->mac, d->flows, &d->n_flows, err, sizeof(err)) != 0) {
            size_t n = strlen(p->error);
            snprintf(p->error + n, sizeof(p->error) - n, "; restoring the steering failed too: %s", err);
        }
    }
    pthread_mutex_unlock(&d->await_lock);
    return -rc;
}

static int dev_rxq_create(struct jbp_rdma_port *p, uint32_t q)
{
    struct jbp_rdma_dev *d = dev_of(p);
    char err[JBP_RDMA_ERR_LEN] = "";
    char warn[JBP_RDMA_ERR_LEN] = "";
    p->error[0] = '\0';
    pthread_mutex_lock(&d->await_lock);
    int rc = open_rxq(p, d, d->rx_size, q, &d->compress, err, sizeof(err), warn, sizeof(warn));
    if (rc == 0)
        rc = open_rss(p, d, d->max_table, err, sizeof(err));
    if (rc == 0)
        rc = flows_install(p, p->mac, d->flows, &d->n_flows, err, sizeof(err));
    pthread_mutex_unlock(&d->await_lock);
    if (rc != 0)
        jbp_port_seterr(p, "%s", err);
    return rc;
}

static const struct jbp_rdma_backend device_backend = {
    .name = "ibverbs",
    .txq_stop = dev_txq_stop,
    .txq_start = dev_txq_start,
    .rxq_stop = dev_rxq_stop,
    .rxq_start = dev_rxq_start,
    .txq_destroy = dev_txq_destroy,
    .txq_create = dev_txq_create,
    .rxq_destroy = dev_rxq_destroy,
    .rxq_create = dev_rxq_create,
    .set_mac = dev_set_mac,
    .multicast = dev_multicast,
    .poll_events = dev_poll_events,
    .await = dev_await,
    .wakeup = dev_wakeup,
    .quiesce = dev_quiesce,
    .destroy = dev_destroy,
};

/* ---- opening ---- */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int is_pow2_in(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static int open_txq(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t tx_size, uint32_t q, int tx_csum,
                    char *err, size_t len)
{
    int dv = p->mode == JBP_RDMA_MODE_DV;
    if (dv) {
        /* 64-byte CQEs always: MLX5_CQE_SIZE=128 in the environment would otherwise change them (VPP commit
         * 844a0e8b070). No compression on the send CQ: its CQEs carry the WQE counter (VPP 00f5d96f043). */
        struct ibv_cq_init_attr_ex cqa = { .cqe = tx_size };
        struct mlx5dv_cq_init_attr dva = { .comp_mask = MLX5DV_CQ_INIT_ATTR_MASK_CQE_SIZE, .cqe_size = 64 };
        struct ibv_cq_ex *cq = d->lib.mlx5dv_create_cq(d->ctx, &cqa, &dva);
        d->tx_cq[q] = cq != NULL ? ibv_cq_ex_to_cq(cq) : NULL;
        d->dv_failed |= cq == NULL && errno != ENOMEM;
    } else {
        d->tx_cq[q] = d->lib.create_cq(d->ctx, (int)tx_size, NULL, NULL, 0);
    }
    if (d->tx_cq[q] == NULL) {
        int e = errno;
        if (e == ENOMEM)
            memlock_hint(err, len, "creating the send CQ", (size_t)tx_size * 2 * 64, e, d->sysfs.ifname);
        else
            snprintf(err, len, "creating send CQ %u (%u entries) on %s failed: %s", q, tx_size, d->sysfs.ibdev,
                     strerror(e));
        return -e;
    }
    struct ibv_qp_init_attr qa = {
        .send_cq = d->tx_cq[q],
        .recv_cq = d->tx_cq[q],
        .cap = { .max_send_wr = tx_size, .max_send_sge = 1 },
        .qp_type = IBV_QPT_RAW_PACKET,
        .sq_sig_all = 0,
    };
    if (dv && d->max_tso != 0) {
        /* LSO: the QP is told the longest header an LSO WQE inlines (ibv_create_qp_ex(3) max_tso_header; DPDK's
         * mlx5 verbs path asks the same way), which rdma-core sizes the send WQEs for. */
        struct ibv_qp_init_attr_ex qx = {
            .send_cq = qa.send_cq, .recv_cq = qa.recv_cq, .cap = qa.cap, .qp_type = qa.qp_type, .sq_sig_all = 0,
            .comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_MAX_TSO_HEADER, .pd = d->pd,
            .max_tso_header = JBP_MLX5_MAX_INLINE,
        };
        qx.cap.max_inline_data = JBP_MLX5_MAX_INLINE;
        d->tx_qp[q] = ibv_create_qp_ex(d->ctx, &qx);
    } else {
        d->tx_qp[q] = d->lib.create_qp(d->pd, &qa);
    }
    if (d->tx_qp[q] == NULL) {
        int e = errno;
        if (e == ENOMEM)
            memlock_hint(err, len, "creating the raw packet send QP", (size_t)tx_size * 64, e, d->sysfs.ifname);
        else
            raw_hint(err, len, "creating the raw packet send QP", e, d->sysfs.ifname);
        return -e;
    }
    int rc = qp_to_rts(d, d->tx_qp[q]);
    if (rc != 0) {
        snprintf(err, len, "moving send QP %u to RTS on port %u of %s failed: %s", q, d->port_num, d->sysfs.ibdev,
                 strerror(rc));
        return -rc;
    }
    if (!dv)
        return jbp_ibv_txq_setup(p, q, d->tx_qp[q], d->tx_cq[q], tx_size, tx_csum);
    struct mlx5dv_qp dq = { .comp_mask = 0 };
    struct mlx5dv_cq dc = { .comp_mask = 0 };
    struct mlx5dv_obj obj = { .qp = { .in = d->tx_qp[q], .out = &dq }, .cq = { .in = d->tx_cq[q], .out = &dc } };
    rc = d->lib.mlx5dv_init_obj(&obj, MLX5DV_OBJ_QP | MLX5DV_OBJ_CQ);
    if (rc != 0) {
        d->dv_failed = 1;
        snprintf(err, len, "mlx5dv_init_obj on send QP %u failed: %s", q, strerror(rc));
        return -rc;
    }
    struct jbp_dv_txq_rings r = {
        .sq_buf = dq.sq.buf, .sq_wqe_cnt = dq.sq.wqe_cnt, .sq_stride = dq.sq.stride, .qp_dbrec = dq.dbrec,
        .bf_reg = dq.bf.reg, .bf_size = dq.bf.size, .qpn = d->tx_qp[q]->qp_num,
        .cq_buf = dc.buf, .cq_dbrec = dc.dbrec, .cqe_cnt = dc.cqe_cnt, .cqe_size = dc.cqe_size,
        .cq_uar = dc.cq_uar, .cqn = dc.cqn,
    };
    rc = jbp_dv_txq_setup(p, q, &r, tx_size);
    if (rc != 0) {
        d->dv_failed = rc != -ENOMEM;
        snprintf(err, len, "%s", p->error);
        return rc;
    }
    p->txq[q].csum = tx_csum;
    jbp_dv_txq_set_tso(p, q, d->max_tso);
    return 0;
}

/* One send QP with its own CQ per receive queue: each poller transmits on its own ring. */
static int open_tx(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, const struct jbp_rdma_open_args *a, int tx_csum,
                   char *err, size_t len)
{
    for (uint32_t q = 0; q < p->n_txq; q++) {
        int rc = open_txq(p, d, a->tx_size, q, tx_csum, err, len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Receive queue q: its CQ (compressed when *compress, which a refusal turns off), its WQ, ready, and the
 * datapath's rings on them. */
static int open_rxq(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t rx_size, uint32_t q, int *compress,
                    char *err, size_t len, char *warn, size_t wlen)
{
    int dv = p->mode == JBP_RDMA_MODE_DV;
    if (dv) {
        struct ibv_cq_init_attr_ex cqa = { .cqe = rx_size, .channel = d->channel };
        struct mlx5dv_cq_init_attr dva = { .comp_mask = MLX5DV_CQ_INIT_ATTR_MASK_CQE_SIZE, .cqe_size = 64 };
        if (*compress) {
            /* Mini-CQEs carrying the RSS hash and the byte count (VPP input.c uses the same format). */
            dva.comp_mask |= MLX5DV_CQ_INIT_ATTR_MASK_COMPRESSED_CQE;
            dva.cqe_comp_res_format = MLX5DV_CQE_RES_FORMAT_HASH;
        }
        struct ibv_cq_ex *cq = d->lib.mlx5dv_create_cq(d->ctx, &cqa, &dva);
        if (cq == NULL && *compress) {
            /* The capability said yes but the CQ was refused with compression: run without it rather than
             * not at all, and say so. */
            int e = errno;
            *compress = 0;
            dva.comp_mask &= ~(uint64_t)MLX5DV_CQ_INIT_ATTR_MASK_COMPRESSED_CQE;
            cq = d->lib.mlx5dv_create_cq(d->ctx, &cqa, &dva);
            if (cq != NULL)
                snprintf(warn + strlen(warn), wlen - strlen(warn), "%s refused a compressed receive CQ (%s): "
                         "running without CQE compression. ", d->sysfs.ibdev, strerror(e));
        }
        d->rx_cq[q] = cq != NULL ? ibv_cq_ex_to_cq(cq) : NULL;
        d->dv_failed |= cq == NULL && errno != ENOMEM;
    } else {
        d->rx_cq[q] = d->lib.create_cq(d->ctx, (int)rx_size, NULL, d->channel, 0);
    }
    if (d->rx_cq[q] == NULL) {
        int e = errno;
        if (e == ENOMEM)
            memlock_hint(err, len, "creating a receive CQ", (size_t)rx_size * 2 * 64, e, d->sysfs.ifname);
        else
            snprintf(err, len, "creating receive CQ %u (%u entries) on %s failed: %s", q, rx_size,
                     d->sysfs.ibdev, strerror(e));
        return -e;
    }
    struct ibv_wq_init_attr wa = {
        .wq_type = IBV_WQT_RQ, .max_wr = rx_size, .max_sge = 1, .pd = d->pd, .cq = d->rx_cq[q],
    };
    d->rx_wq[q] = ibv_create_wq(d->ctx, &wa);
    if (d->rx_wq[q] == NULL) {
        int e = errno;
        if (e == ENOMEM)
            memlock_hint(err, len, "creating a receive WQ", (size_t)rx_size * 16, e, d->sysfs.ifname);
        else
            raw_hint(err, len, "creating a receive WQ", e, d->sysfs.ifname);
        return -e;
    }
    struct ibv_wq_attr wsa = { .attr_mask = IBV_WQ_ATTR_STATE, .wq_state = IBV_WQS_RDY };
    int rc = ibv_modify_wq(d->rx_wq[q], &wsa);
    if (rc != 0) {
        snprintf(err, len, "moving receive WQ %u to RDY failed: %s", q, strerror(rc));
        return -rc;
    }
    if (!dv) {
        rc = jbp_ibv_rxq_setup(p, q, d->rx_wq[q], d->rx_cq[q], rx_size);
    } else {
        struct mlx5dv_rwq dw = { .comp_mask = 0 };
        struct mlx5dv_cq dc = { .comp_mask = 0 };
        struct mlx5dv_obj obj = { .rwq = { .in = d->rx_wq[q], .out = &dw }, .cq = { .in = d->rx_cq[q], .out = &dc } };
        rc = -d->lib.mlx5dv_init_obj(&obj, MLX5DV_OBJ_RWQ | MLX5DV_OBJ_CQ);
        if (rc == 0) {
            struct jbp_dv_rxq_rings r = {
                .wq_buf = dw.buf, .wqe_cnt = dw.wqe_cnt, .stride = dw.stride, .wq_dbrec = dw.dbrec,
                .cq_buf = dc.buf, .cq_dbrec = dc.dbrec, .cqe_cnt = dc.cqe_cnt, .cqe_size = dc.cqe_size,
                .cq_uar = dc.cq_uar, .cqn = dc.cqn,
            };
            rc = jbp_dv_rxq_setup(p, q, &r, rx_size);
        }
        d->dv_failed |= rc != 0 && rc != -ENOMEM;
    }
    if (rc != 0) {
        snprintf(err, len, "setting up receive queue %u failed: %s", q, p->error[0] ? p->error : strerror(-rc));
        return rc;
    }
    return 0;
}

static int open_rx(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, const struct jbp_rdma_open_args *a,
                   int *compress, char *err, size_t len, char *warn, size_t wlen)
{
    for (uint32_t q = 0; q < a->n_rxq; q++) {
        int rc = open_rxq(p, d, a->rx_size, q, compress, err, len, warn, wlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static struct ibv_qp *hash_qp(struct jbp_rdma_dev *d, struct ibv_rwq_ind_table *tbl, uint64_t fields)
{
    static uint8_t key[JBP_RDMA_RSS_KEY_LEN] = JBP_RDMA_RSS_KEY;
    struct ibv_qp_init_attr_ex qa = {
        .qp_type = IBV_QPT_RAW_PACKET,
        .comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_IND_TABLE | IBV_QP_INIT_ATTR_RX_HASH,
        .pd = d->pd,
        .rwq_ind_tbl = tbl,
        .rx_hash_conf = { .rx_hash_function = IBV_RX_HASH_FUNC_TOEPLITZ, .rx_hash_key_len = sizeof(key),
                          .rx_hash_key = key, .rx_hash_fields_mask = fields },
    };
    return ibv_create_qp_ex(d->ctx, &qa);
}

static int open_rss(struct jbp_rdma_port *p, struct jbp_rdma_dev *d, uint32_t max_table, char *err, size_t len)
{
    uint32_t log = jbp_rdma_ind_log(p->n_rxq);
    while (log > 0 && (1u << log) > max_table && (1u << (log - 1)) >= p->n_rxq)
        log--;
    uint32_t size = 1u << log;
    struct ibv_wq *tbl[512];
    if (size > 512 || size < p->n_rxq) {
        snprintf(err, len, "%u receive queues need an RSS indirection table of %u entries; %s allows %u", p->n_rxq,
                 size, d->sysfs.ibdev, max_table);
        return -EINVAL;
    }
    for (uint32_t i = 0; i < size; i++)
        tbl[i] = d->rx_wq[i % p->n_rxq];
    struct ibv_rwq_ind_table_init_attr ia = { .log_ind_tbl_size = log, .ind_tbl = tbl };
    d->ind_all = ibv_create_rwq_ind_table(d->ctx, &ia);
    if (d->ind_all == NULL) {
        snprintf(err, len, "creating the RSS indirection table (%u entries) failed: %s", size, strerror(errno));
        return -errno;
    }
    struct ibv_rwq_ind_table *direct = d->ind_all;
    if (p->n_rxq > 1) {
        struct ibv_rwq_ind_table_init_attr i0 = { .log_ind_tbl_size = 0, .ind_tbl = tbl };
        d->ind_q0 = ibv_create_rwq_ind_table(d->ctx, &i0);
        if (d->ind_q0 == NULL) {
            snprintf(err, len, "creating the queue-0 indirection table failed: %s", strerror(errno));
            return -errno;
        }
        direct = d->ind_q0;
    }
    /* A hash QP without hash fields is allowed only over a one-entry table: the direct QP (mlx5_ib
     * create_rss_raw_qp_tir). */
    d->rss_qp[QP_DIRECT] = hash_qp(d, direct, 0);
    if (p->n_rxq > 1) {
        const uint64_t ip4 = IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4;
        const uint64_t ip6 = IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6;
        const uint64_t tcp = IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP;
        const uint64_t udp = IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
        d->rss_qp[QP_TCP4] = hash_qp(d, d->ind_all, ip4 | tcp);
        d->rss_qp[QP_UDP4] = hash_qp(d, d->ind_all, ip4 | udp);
        d->rss_qp[QP_IP4] = hash_qp(d, d->ind_all, ip4);
        d->rss_qp[QP_TCP6] = hash_qp(d, d->ind_all, ip6 | tcp);
        d->rss_qp[QP_UDP6] = hash_qp(d, d->ind_all, ip6 | udp);
        d->rss_qp[QP_IP6] = hash_qp(d, d->ind_all, ip6);
    }
    for (int i = 0; i < QP_COUNT; i++) {
        if (d->rss_qp[i] == NULL && (i == QP_DIRECT || p->n_rxq > 1)) {
            raw_hint(err, len, "creating a receive hash QP", errno, d->sysfs.ifname);
            return -EIO;
        }
    }
    return 0;
}

/* Destroys the send and receive queues and their CQs (before a fallback from Direct Verbs to verbs). */
static void close_queues(struct jbp_rdma_dev *d)
{
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        if (d->rx_wq[q] != NULL)
            ibv_destroy_wq(d->rx_wq[q]);
        d->rx_wq[q] = NULL;
        if (d->tx_qp[q] != NULL)
            d->lib.destroy_qp(d->tx_qp[q]);
        d->tx_qp[q] = NULL;
    }
    for (uint32_t q = 0; q < JBP_RDMA_MAX_RXQ; q++) {
        if (d->rx_cq[q] != NULL)
            d->lib.destroy_cq(d->rx_cq[q]);
        d->rx_cq[q] = NULL;
        if (d->tx_cq[q] != NULL)
            d->lib.destroy_cq(d->tx_cq[q]);
        d->tx_cq[q] = NULL;
    }
}

/*
 * What the port will use, checked before it is used (ibv_query_device_ex(3)), so that a missing capability is
 * named with what to configure instead, rather than surfacing as EINVAL from a later call: receive WQs for every
 * queue, and with several queues RSS on raw-packet QPs over the hash fields the driver asks for. Flow steering is
 * required, but a device that leaves the flag out is only warned about: the flow rules' own error says more.
 */
static int check_caps(const struct jbp_rdma_open_args *a, const struct jbp_rdma_dev *d,
                      const struct ibv_device_attr_ex *x, char *err, size_t len, char *warn, size_t wlen)
{
    const char *dev = d->sysfs.ibdev;
    if (x->max_wq_type_rq != 0 && a->n_rxq > x->max_wq_type_rq) {
        snprintf(err, len, "rx-queues = %u exceeds the %u receive WQs %s allows (max_wq_type_rq): lower rx-queues",
                 a->n_rxq, x->max_wq_type_rq, dev);
        return -EINVAL;
    }
    if (a->n_rxq > 1) {
        const uint64_t need = IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4 | IBV_RX_HASH_SRC_IPV6
            | IBV_RX_HASH_DST_IPV6 | IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP | IBV_RX_HASH_SRC_PORT_UDP
            | IBV_RX_HASH_DST_PORT_UDP;
        if (x->rss_caps.max_rwq_indirection_table_size == 0
            || !(x->rss_caps.supported_qpts & (1u << IBV_QPT_RAW_PACKET))) {
            snprintf(err, len, "rx-queues = %u needs RSS on raw-packet QPs, which %s does not report (rss_caps: "
                     "supported_qpts 0x%x, indirection tables of %u entries): set rx-queues = 1", a->n_rxq, dev,
                     x->rss_caps.supported_qpts, x->rss_caps.max_rwq_indirection_table_size);
            return -EOPNOTSUPP;
        }
        if ((x->rss_caps.rx_hash_fields_mask & need) != need) {
            snprintf(err, len, "rx-queues = %u hashes IPv4/IPv6 addresses and TCP/UDP ports, and %s cannot hash "
                     "on all of them (rss_caps.rx_hash_fields_mask 0x%llx lacks 0x%llx): set rx-queues = 1",
                     a->n_rxq, dev, (unsigned long long)x->rss_caps.rx_hash_fields_mask,
                     (unsigned long long)(need & ~x->rss_caps.rx_hash_fields_mask));
            return -EOPNOTSUPP;
        }
    }
    if (!(x->orig_attr.device_cap_flags & IBV_DEVICE_MANAGED_FLOW_STEERING))
        snprintf(warn + strlen(warn), wlen - strlen(warn), "%s does not report managed flow steering "
                 "(IBV_DEVICE_MANAGED_FLOW_STEERING), which steering frames to jbypass needs: if installing flow "
                 "rules fails, check the port is in Ethernet mode and the firmware is current. ", dev);
    return 0;
}

struct jbp_rdma_port *jbp_rdma_device_open(const struct jbp_rdma_open_args *a, int *code, char *err, size_t len,
                                           char *warn, size_t wlen)
{
    int rc = -EINVAL;
    warn[0] = '\0';
    err[0] = '\0';
    if (a->n_rxq < 1 || a->n_rxq > JBP_RDMA_MAX_RXQ || !is_pow2_in(a->rx_size, JBP_RDMA_MIN_RING, JBP_RDMA_MAX_RING)
        || !is_pow2_in(a->tx_size, JBP_RDMA_MIN_RING, JBP_RDMA_MAX_RING) || a->pool_base == NULL
        || a->buf_size < a->mtu + 18 || a->buf_count < a->n_rxq * a->rx_size) {
        snprintf(err, len, "invalid rdma port arguments (rx-queues %u, ring sizes %u/%u, pool of %u x %u bytes for "
                 "MTU %u)", a->n_rxq, a->rx_size, a->tx_size, a->buf_count, a->buf_size, a->mtu);
        *code = -EINVAL;
        return NULL;
    }
    struct jbp_rdma_dev *d = calloc(1, sizeof(*d));
    struct jbp_rdma_port *p = jbp_port_alloc(a->n_rxq, a->rx_size, a->tx_size);
    if (d == NULL || p == NULL) {
        free(d);
        jbp_port_free(p);
        snprintf(err, len, "out of memory");
        *code = -ENOMEM;
        return NULL;
    }
    d->wake_fd = -1;
    pthread_mutex_init(&d->await_lock, NULL);
    snprintf(d->sys_root, sizeof(d->sys_root), "%s", a->sys_root);
    d->allow_netdev_mac = a->allow_netdev_mac;
    p->backend = &device_backend;
    p->backend_data = d;
    p->mac = a->mac & 0xffffffffffffull;
    p->mtu = a->mtu;
    p->pool = (struct jbp_rdma_pool){ .base = a->pool_base, .buf_size = a->buf_size, .count = a->buf_count };

    /* rdma-core first: without it nothing else can be tried. */
    if ((rc = jbp_ibv_load(&d->lib, a->ibverbs_name, a->mlx5_name, err, len)) != 0)
        goto fail;
    if ((rc = jbp_rdma_sysfs_probe(a->sys_root, a->dev_root, a->host_if, &d->sysfs, err, len)) != 0)
        goto fail;
    /* Before the guard: what crashed processes left in the netdev's FDB is theirs no longer. */
    struct jbp_rdma_admit_env admit_env = { .sys_root = a->sys_root, .state_dir = a->state_dir, .nl = a->netlink };
    jbp_rdma_admit_init(&d->admit, &admit_env, a->host_if, d->sysfs.ifindex, warn, wlen);
    d->admit_ready = 1;
    admit_publish(p, &d->admit);
    if ((rc = netdev_mac_check(d, p->mac, err, len)) != 0)
        goto fail;
    rc = -EINVAL;
    if (a->mtu > d->sysfs.mtu) {
        snprintf(err, len, "mtu %u exceeds the MTU of '%s' (%u), which the adapter enforces: lower mtu, or raise "
                 "the netdev's (ip link set dev %s mtu %u)", a->mtu, a->host_if, d->sysfs.mtu, a->host_if, a->mtu);
        goto fail;
    }

    int n_dev = 0;
    struct ibv_device **list = d->lib.get_device_list(&n_dev);
    rc = -ENODEV;
    if (list == NULL) {
        if (errno == ENOSYS)
            snprintf(err, len, "libibverbs lists no RDMA device: it finds no kernel support for verbs from user "
                     "space (/sys/class/infiniband_verbs is missing: modprobe ib_uverbs)");
        else
            snprintf(err, len, "libibverbs lists no RDMA device (%s): is ib_uverbs loaded and /dev/infiniband "
                     "reachable?", strerror(errno));
        goto fail;
    }
    struct ibv_device *ibd = NULL;
    for (int i = 0; i < n_dev; i++)
        if (strcmp(d->lib.get_device_name(list[i]), d->sysfs.ibdev) == 0)
            ibd = list[i];
    if (ibd == NULL) {
        d->lib.free_device_list(list);
        snprintf(err, len, "libibverbs does not list %s (behind '%s'): its mlx5 provider is missing; install "
                 "ibverbs-providers (libmlx5.so.1, loaded through /etc/libibverbs.d/mlx5.driver)", d->sysfs.ibdev,
                 a->host_if);
        goto fail;
    }
    int is_mlx5 = d->lib.mlx5dv_is_supported != NULL && d->lib.mlx5dv_is_supported(ibd);
    d->ctx = d->lib.open_device(ibd);
    int open_errno = errno;
    d->lib.free_device_list(list);
    if (d->ctx == NULL) {
        rc = -open_errno;
        if ((open_errno == EACCES || open_errno == EPERM) && d->sysfs.node_note[0] != '\0')
            snprintf(err, len, "opening %s failed: %s: %s", d->sysfs.ibdev, strerror(open_errno), d->sysfs.node_note);
        else if (open_errno == EACCES || open_errno == EPERM)
            snprintf(err, len, "opening %s failed: %s: this process may not use %s (see its mode and owner); run as "
                     "root or grant access with a udev rule or group (an SELinux policy may refuse it too)",
                     d->sysfs.ibdev, strerror(open_errno), d->sysfs.uverbs);
        else
            snprintf(err, len, "opening %s (behind '%s') failed: %s", d->sysfs.ibdev, a->host_if,
                     strerror(open_errno));
        goto fail;
    }

    rc = -EIO;
    struct ibv_device_attr_ex dattr;
    if (jbp_ibv_query_device_ex(&d->lib, d->ctx, &dattr) != 0) {
        snprintf(err, len, "querying %s failed: %s", d->sysfs.ibdev, strerror(errno));
        goto fail;
    }
    d->port_num = (uint8_t)(d->sysfs.dev_port + 1);
    if (d->port_num > dattr.orig_attr.phys_port_cnt)
        d->port_num = 1;
    struct ibv_port_attr pattr;
    if (jbp_ibv_query_port(&d->lib, d->ctx, d->port_num, &pattr) != 0) {
        snprintf(err, len, "querying port %u of %s failed: %s", d->port_num, d->sysfs.ibdev, strerror(errno));
        goto fail;
    }
    if (pattr.link_layer != IBV_LINK_LAYER_ETHERNET) {
        rc = -EPROTONOSUPPORT;
        snprintf(err, len, "port %u of %s ('%s') runs InfiniBand, not Ethernet: set it to Ethernet (mlxconfig -d "
                 "%s set LINK_TYPE_P%u=2, then reset the adapter)", d->port_num, d->sysfs.ibdev, a->host_if,
                 d->sysfs.pci, d->port_num);
        goto fail;
    }
    p->status[JBP_ST_PORT_STATE] = pattr.state;
    if (pattr.state != IBV_PORT_ACTIVE)
        snprintf(warn + strlen(warn), wlen - strlen(warn), "port %u of %s ('%s') is not active (%s): frames flow "
                 "once the link is up. ", d->port_num, d->sysfs.ibdev, a->host_if,
                 pattr.state == IBV_PORT_DOWN ? "down" : "not yet active");
    if (a->tx_size > (uint32_t)dattr.orig_attr.max_qp_wr || a->rx_size > (uint32_t)dattr.orig_attr.max_qp_wr) {
        rc = -EINVAL;
        snprintf(err, len, "%s allows queues of %d entries at most: lower rx-queue-size / tx-queue-size",
                 d->sysfs.ibdev, dattr.orig_attr.max_qp_wr);
        goto fail;
    }
    int rx_csum = (dattr.orig_attr.device_cap_flags & IBV_DEVICE_RAW_IP_CSUM) != 0;
    int tx_csum = (dattr.raw_packet_caps & IBV_RAW_PACKET_CAP_IP_CSUM) != 0;
    if ((rc = check_caps(a, d, &dattr, err, len, warn, wlen)) != 0)
        goto fail;

    /* Direct Verbs when the adapter supports it (VPP: mlx5dv_query_device succeeds and reports CQE version 1). */
    const char *no_dv = NULL;
    struct mlx5dv_context dv = { .comp_mask = MLX5DV_CONTEXT_MASK_CQE_COMPRESION };
    if (d->lib.mlx5dv_query_device == NULL)
        no_dv = "libmlx5.so.1 (ibverbs-providers) is not installed or too old";
    else if (!is_mlx5)
        no_dv = "it is not an mlx5 device";
    else if (d->lib.mlx5dv_query_device(d->ctx, &dv) != 0)
        no_dv = "mlx5dv_query_device failed";
    else if (!(dv.flags & MLX5DV_CONTEXT_FLAGS_CQE_V1))
        no_dv = "it does not report CQE version 1";
    if (no_dv != NULL && a->mode == JBP_RDMA_MODE_DV) {
        rc = -EOPNOTSUPP;
        snprintf(err, len, "mode = dv, but %s does not support mlx5 Direct Verbs (%s): use mode = auto or ibv",
                 d->sysfs.ibdev, no_dv);
        goto fail;
    }
    jbp_port_set_mode(p, no_dv == NULL && a->mode != JBP_RDMA_MODE_IBV ? JBP_RDMA_MODE_DV : JBP_RDMA_MODE_IBV);
    int compress = p->mode == JBP_RDMA_MODE_DV && a->cqe_compression
        && (dv.comp_mask & MLX5DV_CONTEXT_MASK_CQE_COMPRESION) && dv.cqe_comp_caps.max_num > 0
        && (dv.cqe_comp_caps.supported_format & MLX5DV_CQE_RES_FORMAT_HASH);
    if (p->mode == JBP_RDMA_MODE_DV && a->cqe_compression && !compress)
        snprintf(warn + strlen(warn), wlen - strlen(warn), "%s does not offer CQE compression with the hash "
                 "mini-CQE format (mlx5dv cqe_comp_caps): running without it (cqe-compression = false silences "
                 "this). ", d->sysfs.ibdev);

    d->pd = d->lib.alloc_pd(d->ctx);
    if (d->pd == NULL) {
        rc = -errno;
        snprintf(err, len, "allocating a protection domain on %s failed: %s", d->sysfs.ibdev, strerror(errno));
        goto fail;
    }
    /* One region over the whole pool, registered once (VPP device.c rdma_dev_init). */
    size_t pool_bytes = (size_t)a->buf_size * a->buf_count;
    d->mr = d->lib.reg_mr(d->pd, a->pool_base, pool_bytes, IBV_ACCESS_LOCAL_WRITE);
    if (d->mr == NULL) {
        rc = -errno;
        memlock_hint(err, len, "registering the packet pool", pool_bytes, errno, a->host_if);
        goto fail;
    }
    p->pool.lkey = d->mr->lkey;
    d->channel = d->lib.create_comp_channel(d->ctx);
    d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->channel == NULL || d->wake_fd < 0 || set_nonblock(d->channel->fd) != 0
        || set_nonblock(d->ctx->async_fd) != 0) {
        rc = -errno;
        snprintf(err, len, "creating the event channels failed: %s", strerror(errno));
        goto fail;
    }

    /* LSO where the adapter offers it on raw-packet QPs (ibv_query_device_ex(3) tso_caps), in Direct Verbs mode
     * (where jbypass writes the LSO WQEs) with checksum offload (which LSO needs). Verbs mode offers none: there
     * the stack segments TCP itself (no TX_TCP_SEGMENTATION), as it does on any link without it. */
    if (p->mode == JBP_RDMA_MODE_DV && tx_csum && dattr.tso_caps.max_tso > 0
        && (dattr.tso_caps.supported_qpts & (1u << IBV_QPT_RAW_PACKET)))
        d->max_tso = dattr.tso_caps.max_tso < JBP_MAX_FRAME ? dattr.tso_caps.max_tso : JBP_MAX_FRAME;
    /* Send side before receive side (VPP device.c: so that we do not receive the broadcasts we send). */
    if ((rc = open_tx(p, d, a, tx_csum, err, len)) == 0)
        rc = open_rx(p, d, a, &compress, err, len, warn, wlen);
    if (rc != 0 && d->dv_failed && a->mode == JBP_RDMA_MODE_AUTO) {
        /* mlx5dv_is_supported and mlx5dv_query_device said yes, and a Direct Verbs step failed all the same (an
         * older provider, a device quirk): in auto mode run on plain verbs rather than not at all, and say so. */
        snprintf(warn + strlen(warn), wlen - strlen(warn), "Direct Verbs setup on %s failed although the adapter "
                 "reports it (%s): running in verbs mode (mode = ibv silences this; mode = dv makes it an error). ",
                 d->sysfs.ibdev, err);
        close_queues(d);
        jbp_port_set_mode(p, JBP_RDMA_MODE_IBV);
        d->max_tso = 0;
        p->status[JBP_ST_MODE] |= JBP_ST_MODE_DV_FALLBACK;
        err[0] = '\0';
        p->error[0] = '\0';
        compress = 0;
        if ((rc = open_tx(p, d, a, tx_csum, err, len)) == 0)
            rc = open_rx(p, d, a, &compress, err, len, warn, wlen);
    }
    d->tx_size = a->tx_size;
    d->rx_size = a->rx_size;
    d->tx_csum = tx_csum;
    d->compress = compress;
    d->max_table = dattr.rss_caps.max_rwq_indirection_table_size;
    if (rc != 0 || (rc = open_rss(p, d, dattr.rss_caps.max_rwq_indirection_table_size, err, len)) != 0)
        goto fail;
    if ((rc = dev_set_mac(p, p->mac)) != 0) {
        snprintf(err, len, "%s", p->error);
        goto fail;
    }
    if (d->admit.state == JBP_ADMIT_FAILED) {
        /* dev_set_mac keeps the reason to itself; at open the user is told. */
        char text[18];
        jbp_rdma_format_mac(p->mac, text);
        snprintf(warn + strlen(warn), wlen - strlen(warn), "registering MAC %s in the FDB of '%s' failed (%s): on "
                 "an SR-IOV VF, a PF with VFs, or a multi-host adapter no unicast frame reaches jbypass. Register "
                 "it: bridge fdb add %s dev %s self permanent. ", text, a->host_if, strerror(-d->admit.error), text,
                 a->host_if);
    }
    jbp_rdma_admit_warnings(&d->admit, &d->sysfs, p->mac, warn, wlen);
    uint64_t caps = 0;
    if (rx_csum)
        caps |= 1u | 2u; /* LinkCapabilities.RX_L3_CHECKSUM | RX_L4_CHECKSUM */
    if (tx_csum)
        caps |= 4u | 8u;
    if (p->mode == JBP_RDMA_MODE_DV && p->n_rxq > 1)
        caps |= 16u; /* RX_HASH */
    if (p->mode == JBP_RDMA_MODE_DV && d->max_tso != 0)
        caps |= JBP_CAP_TX_TCP_SEGMENTATION | JBP_CAP_TX_TCP6_SEGMENTATION;
    p->status[JBP_ST_CAPABILITIES] = caps;
    *code = 0;
    return p;

fail:
    *code = rc < 0 ? rc : -EIO;
    if (err[0] == '\0')
        snprintf(err, len, "opening the rdma port on '%s' failed", a->host_if);
    dev_destroy(p);
    return NULL;
}
