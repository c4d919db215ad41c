/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device path (jbp_rdma_device.c) end to end on the fake rdma-core (fake_verbs.c), the mlx5 model as the
 * adapter, the fake sysfs tree (fake_sysfs.h) as the host and a fake rtnetlink kernel: open, the flow rules the
 * driver installs steering the model's traffic (unicast by RSS over the QPs' hash fields, ARP to queue 0,
 * broadcast copied, other MACs left to the kernel), transmit, a MAC change, queue resets naming the current
 * state, MAC admission at open and removal at close, and the failures users meet.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_verbs.h"
#include "jbp_rdma.h"
#include "jbp_rdma_admit.h"
#include "jbp_rdma_device.h"
#include "mlx5_model.h"
#include "rdma_test_util.h"

#include "fake_sysfs.h"

static const char *fake_lib; /* argv: the fake rdma-core's path */
static jbp_fake_verbs_configure_fn configure;
static jbp_fake_verbs_model_fn fake_model;
static jbp_fake_verbs_stats_fn fake_stats;
static jbp_fake_verbs_inject_event_fn inject_event;
static void (*fail_destroy)(int e);

/* ---- a fake rtnetlink kernel that acknowledges every request and records it ---- */

static struct {
    uint16_t type[64];
    uint64_t mac[64];
    int ifindex[64];
    int n;
    uint8_t answer[64];
    size_t answer_len;
} NL;

static int nl_send(struct jbp_nl *nl, const void *buf, size_t len)
{
    (void)nl;
    const uint8_t *b = buf;
    struct nlmsghdr h;
    memcpy(&h, b, sizeof(h));
    CHECK(len == h.nlmsg_len && NL.n < 64, "request");
    NL.type[NL.n] = h.nlmsg_type;
    NL.ifindex[NL.n] = 0;
    NL.mac[NL.n] = 0;
    if (h.nlmsg_type != RTM_GETNEIGH) {
        struct ndmsg nd;
        memcpy(&nd, b + NLMSG_HDRLEN, sizeof(nd));
        NL.ifindex[NL.n] = nd.ndm_ifindex;
        for (int i = 0; i < 6; i++)
            NL.mac[NL.n] = (NL.mac[NL.n] << 8) | b[32 + i];
    }
    NL.n++;
    /* An acknowledgement, or an empty dump. */
    memset(NL.answer, 0, sizeof(NL.answer));
    struct nlmsghdr *r = (struct nlmsghdr *)NL.answer;
    r->nlmsg_seq = h.nlmsg_seq;
    if (h.nlmsg_type == RTM_GETNEIGH) {
        r->nlmsg_type = NLMSG_DONE;
        r->nlmsg_len = NLMSG_LENGTH(4);
    } else {
        r->nlmsg_type = NLMSG_ERROR;
        r->nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr));
    }
    NL.answer_len = r->nlmsg_len;
    return 0;
}

static int nl_recv(struct jbp_nl *nl, void *buf, size_t cap)
{
    (void)nl;
    if (NL.answer_len == 0)
        return -ETIMEDOUT;
    CHECK(cap >= NL.answer_len, "cap");
    memcpy(buf, NL.answer, NL.answer_len);
    int n = (int)NL.answer_len;
    NL.answer_len = 0;
    return n;
}

static struct jbp_nl fake_nl = { .send = nl_send, .recv = nl_recv, .fd = -1 };

static int nl_count(uint16_t type, uint64_t mac)
{
    int c = 0;
    for (int i = 0; i < NL.n; i++)
        c += NL.type[i] == type && NL.mac[i] == mac && NL.ifindex[i] == 5;
    return c;
}

/* ---- the port under test and its peer (a model port, the other end of the cable) ---- */

#define MAC_US 0x02aabbcc0001ull
#define MAC_PEER 0x02aabbcc0002ull
#define NRXQ 4
#define RING 256

static struct tpool pool, peer_pool;
static struct jbp_rdma_port *port, *peer;
static struct mlx5_model *peer_m;
static char warn[2048];

static struct jbp_fake_verbs_cfg cfg_default(void)
{
    return (struct jbp_fake_verbs_cfg){ .name = "mlx5_0", .n_rxq = NRXQ, .rx_size = RING, .tx_size = RING,
                                        .mtu = 1500, .dv_supported = 1, .cqe_v1 = 1 };
}

static struct jbp_rdma_port *open_dev(int mode, int *code, char *err, size_t len)
{
    char state[600];
    snprintf(state, sizeof(state), "%s/run", root);
    struct jbp_rdma_open_args a = {
        .host_if = "eth5", .mode = mode, .n_rxq = NRXQ, .rx_size = RING, .tx_size = RING, .mac = MAC_US,
        .mtu = 1500, .cqe_compression = 1, .pool_base = pool.mem, .buf_size = pool.bs, .buf_count = pool.n,
        .ibverbs_name = fake_lib, .mlx5_name = fake_lib, .sys_root = sys, .dev_root = dev, .state_dir = state,
        .netlink = &fake_nl,
    };
    warn[0] = '\0';
    return jbp_rdma_device_open(&a, code, err, len, warn, sizeof(warn));
}

static void setup(struct jbp_fake_verbs_cfg cfg)
{
    make_tree();
    memset(&NL, 0, sizeof(NL));
    configure(&cfg);
    tp_init(&pool, 2048, 2048);
    tp_init(&peer_pool, 1024, 2048);
}

static void fill(struct jbp_rdma_port *p, struct tpool *tp, uint32_t n)
{
    uint32_t *b = calloc(n, sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++)
        b[i] = tp_alloc(tp);
    CHECK(jbp_port_fill_rx(p, b, n) == 0, "fill");
    free(b);
}

static void reclaim(struct jbp_rdma_port *p, struct tpool *tp)
{
    for (uint32_t i = 0; i < p->reclaim_n; i++)
        tp_free(tp, p->reclaim[i]);
}

static void open_both(void)
{
    char err[1024];
    int code = 0;
    port = open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err));
    CHECK(port != NULL, "open: %d %s", code, err);
    fill(port, &pool, NRXQ * RING);
    struct mlx5_model_cfg pc = { .n_rxq = 1, .rx_size = RING, .tx_size = RING, .mtu = 1500, .mac = MAC_PEER };
    peer_m = mlx5_model_create(&pc);
    peer = mlx5_model_open_port(peer_m, peer_pool.mem, peer_pool.bs, peer_pool.n);
    CHECK(peer != NULL, "peer");
    fill(peer, &peer_pool, RING);
}

static void close_both(void)
{
    jbp_port_quiesce(port);
    reclaim(port, &pool);
    port->backend->destroy(port);
    jbp_port_quiesce(peer);
    reclaim(peer, &peer_pool);
    peer->backend->destroy(peer);
    mlx5_model_destroy(peer_m);
    CHECK(tp_in_use(&pool) == 0 && tp_in_use(&peer_pool) == 0, "buffers leaked: %u %u", tp_in_use(&pool),
          tp_in_use(&peer_pool));
    free(pool.mem);
    free(pool.held);
    free(pool.stack);
    free(peer_pool.mem);
    free(peer_pool.held);
    free(peer_pool.stack);
    remove_tree();
}

/* The peer sends frames (each built by fn into a pool buffer); the cable carries them. */
static void peer_send(uint32_t count, void (*fn)(uint8_t *f, uint32_t *len, uint32_t i))
{
    struct jbp_desc d[64];
    CHECK(count <= 64, "count");
    for (uint32_t i = 0; i < count; i++) {
        d[i].buffer = tp_alloc(&peer_pool);
        fn(tp_buf(&peer_pool, d[i].buffer), &d[i].length, i);
        d[i].flags = 0;
    }
    CHECK(jbp_port_transmit(peer, 0, d, count) == (int)count, "peer transmit");
    reclaim(peer, &peer_pool);
    mlx5_model_wire(peer_m, fake_model());
}

struct got {
    uint32_t q;
    uint32_t seq;
    uint32_t hash;
    uint32_t flags;
    uint32_t len;
    uint8_t head[64];
};

/* Receives everything waiting on every queue. */
static int receive_all(struct got *out, int max)
{
    int n = 0;
    for (uint32_t q = 0; q < NRXQ; q++) {
        struct jbp_desc d[64];
        for (int i = 0; i < 64; i++)
            d[i].buffer = tp_alloc(&pool);
        int r = jbp_port_receive(port, q, d, 64);
        reclaim(port, &pool);
        CHECK(r >= 0 || (r == -EIO && port->rxq[q].state == JBP_Q_DEAD), "receive %d: %s", r, port->error);
        if (r < 0)
            r = 0; /* a stopped queue */
        for (int i = 0; i < 64; i++) {
            if (i < r) {
                CHECK(n < max, "too many frames");
                const uint8_t *f = tp_buf(&pool, d[i].buffer);
                out[n] = (struct got){ .q = q, .hash = d[i].hash, .flags = d[i].flags, .len = d[i].length };
                memcpy(out[n].head, f, 64);
                out[n].seq = d[i].length >= 46 ? frame_seq(f) : 0;
                n++;
            }
            if (d[i].buffer != JBP_NO_BUFFER)
                tp_free(&pool, d[i].buffer);
        }
    }
    return n;
}

static struct flow flow_of(uint32_t i, uint8_t proto)
{
    return (struct flow){ 0xc6120002, 0xc6120001, (uint16_t)(40000 + 17 * i), 7000, proto };
}

static void udp_to_us(uint8_t *f, uint32_t *len, uint32_t i)
{
    struct flow fl = flow_of(i, 17);
    *len = 200;
    build(f, *len, MAC_US, MAC_PEER, &fl, i, 0);
}

static void tcp_to_us(uint8_t *f, uint32_t *len, uint32_t i)
{
    struct flow fl = flow_of(i, 6);
    *len = 300;
    build(f, *len, MAC_US, MAC_PEER, &fl, 1000 + i, 0);
}

static uint64_t steer_mac = MAC_US;
static void arp_to(uint8_t *f, uint32_t *len, uint32_t i)
{
    (void)i;
    *len = 60;
    memset(f, 0, *len);
    put_mac(f, steer_mac);
    put_mac(f + 6, MAC_PEER);
    f[12] = 0x08;
    f[13] = 0x06;
}

/* The queue the adapter picks for a flow: Toeplitz over the QP's fields, then the round-robin table. */
static uint32_t expected_queue(const struct flow *fl, int with_ports)
{
    static const uint8_t key[] = JBP_RDMA_RSS_KEY;
    uint8_t in[12];
    for (int i = 0; i < 4; i++) {
        in[i] = (uint8_t)(fl->src_ip >> (24 - 8 * i));
        in[4 + i] = (uint8_t)(fl->dst_ip >> (24 - 8 * i));
    }
    in[8] = (uint8_t)(fl->sport >> 8);
    in[9] = (uint8_t)fl->sport;
    in[10] = (uint8_t)(fl->dport >> 8);
    in[11] = (uint8_t)fl->dport;
    uint32_t h = mlx5_model_toeplitz(key, sizeof(key), in, with_ports ? 12 : 8);
    return (h & (NRXQ - 1)) % NRXQ;
}

/* ---- cases ---- */

static void device_open_steer_transmit_close(void)
{
    setup(cfg_default());
    open_both();
    const struct jbp_fake_verbs_stats *st = fake_stats();
    struct mlx5_model *m = fake_model();
    CHECK(port->mode == JBP_RDMA_MODE_DV && port->status[JBP_ST_MODE] == JBP_RDMA_MODE_DV, "Direct Verbs");
    /* The rules: TCP and UDP over IPv4 and IPv6 (priority 0), IPv4 and IPv6 (1), the MAC alone (2), and the
     * group-bit copy rule; seven hash or direct QPs; compressed receive CQs as asked. */
    CHECK(st->flows_created == 8 && m->n_flows == 8 && st->hash_qps == 7, "%llu flows, %llu QPs",
          (unsigned long long)st->flows_created, (unsigned long long)st->hash_qps);
    CHECK(st->compressed_cqs == NRXQ, "compressed CQs %llu", (unsigned long long)st->compressed_cqs);
    int tcp4 = 0, copy = 0;
    for (int i = 0; i < MLX5_MODEL_MAX_FLOWS; i++) {
        const struct mlx5_model_flow *r = &m->flows[i];
        if (r->active && r->mac == MAC_US && r->mask == 0xffffffffffffull && r->l3 == 4 && r->l4 == 6
            && r->priority == 0 && r->hash_fields == (IBV_RX_HASH_SRC_IPV4 | IBV_RX_HASH_DST_IPV4
                                                      | IBV_RX_HASH_SRC_PORT_TCP | IBV_RX_HASH_DST_PORT_TCP))
            tcp4++;
        if (r->active && r->mac == 0x010000000000ull && r->mask == 0x010000000000ull && r->dont_trap && r->queue0)
            copy++;
    }
    CHECK(tcp4 == 1 && copy == 1, "the TCP/IPv4 hash rule and the multicast copy rule");
    /* Admission: our MAC in eth5's FDB (ifindex 5), reported; the SR-IOV PF warning says it is registered. */
    CHECK(nl_count(RTM_NEWNEIGH, MAC_US) == 1, "RTM_NEWNEIGH for our MAC");
    CHECK(port->status[JBP_ST_MAC_ADMISSION] == JBP_ADMIT_ADDED && port->status[JBP_ST_FDB_ADDED] == 1, "reported");
    CHECK(strstr(warn, "SR-IOV PF with 2 VFs") != NULL && strstr(warn, "is registered in its FDB") != NULL, "%s",
          warn);

    /* UDP and TCP flows land on the queue RSS over the rule's QP picks, with the hash reported. */
    peer_send(32, udp_to_us);
    struct got g[256];
    int n = receive_all(g, 256);
    CHECK(n == 32, "%d UDP frames", n);
    for (int i = 0; i < n; i++) {
        struct flow fl = flow_of(g[i].seq, 17);
        CHECK(g[i].q == expected_queue(&fl, 1), "UDP frame %u on queue %u, expected %u", g[i].seq, g[i].q,
              expected_queue(&fl, 1));
        CHECK(g[i].flags & JBP_RX_HASH_VALID, "hash reported");
    }
    peer_send(32, tcp_to_us);
    n = receive_all(g, 256);
    CHECK(n == 32, "%d TCP frames", n);
    uint32_t used = 0;
    for (int i = 0; i < n; i++) {
        struct flow fl = flow_of(g[i].seq - 1000, 6);
        CHECK(g[i].q == expected_queue(&fl, 1), "TCP frame on queue %u", g[i].q);
        used |= 1u << g[i].q;
    }
    CHECK(used == (1u << NRXQ) - 1, "flows spread over every queue (%x)", used);
    /* ARP (no IP spec matches) goes to queue 0 through the MAC-only rule; broadcast is copied to queue 0 and
     * left to the kernel too; another host's unicast is the kernel's alone. */
    peer_send(1, arp_to);
    steer_mac = 0xffffffffffffull;
    peer_send(1, arp_to);
    steer_mac = 0x02aabbcc00ffull;
    uint64_t not_steered = m->stats.rx_not_steered;
    peer_send(1, arp_to);
    steer_mac = MAC_US;
    n = receive_all(g, 256);
    CHECK(n == 2 && g[0].q == 0 && g[1].q == 0 && m->stats.rx_copied == 1, "ARP and broadcast on queue 0");
    CHECK(m->stats.rx_not_steered == not_steered + 1, "another MAC not steered");

    /* Transmit: the peer receives what the port sends. */
    struct jbp_desc d[16];
    for (uint32_t i = 0; i < 16; i++) {
        d[i].buffer = tp_alloc(&pool);
        struct flow fl = { 0xc6120001, 0xc6120002, 7000, 40000, 17 };
        d[i].length = 100;
        d[i].flags = 0;
        build(tp_buf(&pool, d[i].buffer), 100, MAC_PEER, MAC_US, &fl, 500 + i, 0);
    }
    CHECK(jbp_port_transmit(port, 0, d, 16) == 16, "transmit");
    reclaim(port, &pool);
    CHECK(mlx5_model_wire(fake_model(), peer_m) == 16, "16 frames on the wire");
    CHECK(peer_m->stats.rx_frames == 16, "the peer got them");

    /* Close: rules gone, the MAC removed from the FDB. */
    close_both();
    CHECK(st->flows_destroyed == 8 && m->n_flows == 0 && st->closed, "torn down");
    CHECK(nl_count(RTM_DELNEIGH, MAC_US) == 1, "RTM_DELNEIGH at close");
}

/* IPv6 flows from the peer: 2001:db8::2 port 40000 + 17 i (varying the source's low byte too) to 2001:db8::1. */
static struct flow6 flow6_of(uint32_t i, uint8_t proto)
{
    struct flow6 fl = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
                        (uint16_t)(40000 + 17 * i), 7000, proto };
    fl.src[14] = (uint8_t)i;
    return fl;
}

static void tcp6_to_us(uint8_t *f, uint32_t *len, uint32_t i)
{
    struct flow6 fl = flow6_of(i, 6);
    *len = 300;
    build6(f, *len, MAC_US, MAC_PEER, &fl, i);
}

static void udp6_to_us(uint8_t *f, uint32_t *len, uint32_t i)
{
    struct flow6 fl = flow6_of(i, 17);
    *len = 200;
    build6(f, *len, MAC_US, MAC_PEER, &fl, i);
}

/* NDP's multicast: a neighbour solicitation's frame to the solicited-node group of 2001:db8::1, then all-nodes. */
static void ndp_multicast(uint8_t *f, uint32_t *len, uint32_t i)
{
    struct flow6 fl = { { 0xfe, 0x80, [15] = 2 }, { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 }, 0, 0, 17 };
    *len = 100;
    build6(f, *len, i == 0 ? 0x3333ff000001ull : 0x333300000001ull, MAC_PEER, &fl, i);
}

/* Which of flow6_of's flows a received IPv6 frame is: from its source port. */
static uint32_t flow6_index(const struct got *g)
{
    return (uint32_t)(((g->head[54] << 8) | g->head[55]) - 40000) / 17;
}

/* The queue the adapter picks for an IPv6 flow: Toeplitz over both addresses and both ports, then the table. */
static uint32_t expected_queue6(const struct flow6 *fl)
{
    static const uint8_t key[] = JBP_RDMA_RSS_KEY;
    uint8_t in[36];
    memcpy(in, fl->src, 16);
    memcpy(in + 16, fl->dst, 16);
    in[32] = (uint8_t)(fl->sport >> 8);
    in[33] = (uint8_t)fl->sport;
    in[34] = (uint8_t)(fl->dport >> 8);
    in[35] = (uint8_t)fl->dport;
    return (mlx5_model_toeplitz(key, sizeof(key), in, 36) & (NRXQ - 1)) % NRXQ;
}

/*
 * IPv6 through the rules the driver installs (the model steers by the specs the fake recorded): TCP and UDP over
 * IPv6 to our MAC reach the queue that the IPv6 hash QPs' fields (both addresses, both ports) pick, over every
 * queue; NDP's multicast frames (solicited-node, all-nodes) are copied to queue 0 and left to the kernel too; the
 * stack's multicast MACs are registered in the netdev's FDB when joined and withdrawn when left or at close.
 */
static void device_ipv6_steering(void)
{
    setup(cfg_default());
    open_both();
    struct mlx5_model *m = fake_model();
    int tcp6 = 0;
    for (int i = 0; i < MLX5_MODEL_MAX_FLOWS; i++) {
        const struct mlx5_model_flow *r = &m->flows[i];
        tcp6 += r->active && r->mac == MAC_US && r->l3 == 6 && r->l4 == 6
            && r->hash_fields == (IBV_RX_HASH_SRC_IPV6 | IBV_RX_HASH_DST_IPV6 | IBV_RX_HASH_SRC_PORT_TCP
                                  | IBV_RX_HASH_DST_PORT_TCP);
    }
    CHECK(tcp6 == 1, "the TCP/IPv6 hash rule");
    struct got g[256];
    peer_send(48, tcp6_to_us);
    int n = receive_all(g, 256);
    CHECK(n == 48, "%d TCP/IPv6 frames", n);
    uint32_t used = 0;
    for (int i = 0; i < n; i++) {
        struct flow6 fl = flow6_of(flow6_index(&g[i]), 6);
        CHECK(g[i].q == expected_queue6(&fl), "TCP/IPv6 frame %u on queue %u, expected %u", flow6_index(&g[i]),
              g[i].q, expected_queue6(&fl));
        CHECK((g[i].flags & (JBP_RX_HASH_VALID | JBP_RX_L4_CSUM_OK)) == (JBP_RX_HASH_VALID | JBP_RX_L4_CSUM_OK),
              "hash and checksum reported");
        used |= 1u << g[i].q;
    }
    CHECK(used == (1u << NRXQ) - 1, "IPv6 flows spread over every queue (%x)", used);
    peer_send(32, udp6_to_us);
    n = receive_all(g, 256);
    CHECK(n == 32, "%d UDP/IPv6 frames", n);
    for (int i = 0; i < n; i++) {
        struct flow6 fl = flow6_of(flow6_index(&g[i]), 17);
        CHECK(g[i].q == expected_queue6(&fl), "UDP/IPv6 frame on queue %u", g[i].q);
    }
    uint64_t copied = m->stats.rx_copied;
    peer_send(2, ndp_multicast);
    n = receive_all(g, 256);
    CHECK(n == 2 && g[0].q == 0 && g[1].q == 0 && !(g[0].flags & JBP_RX_HASH_VALID), "NDP multicast on queue 0");
    CHECK(g[0].head[0] == 0x33 && g[0].head[2] == 0xff && g[1].head[5] == 0x01, "solicited-node, all-nodes");
    CHECK(m->stats.rx_copied == copied + 2, "copies: the kernel gets them too");

    /* The stack joins its groups: registered in eth5's FDB (ifindex 5); left, withdrawn; the rest at close. */
    CHECK(jbp_port_multicast(port, 0x3333ff000001ull, 1) == 0, "join solicited-node: %s", port->error);
    CHECK(jbp_port_multicast(port, 0x333300000001ull, 1) == 0, "join all-nodes: %s", port->error);
    CHECK(nl_count(RTM_NEWNEIGH, 0x3333ff000001ull) == 1 && nl_count(RTM_NEWNEIGH, 0x333300000001ull) == 1,
          "RTM_NEWNEIGH for each");
    CHECK(port->status[JBP_ST_FDB_ADDED] == 3, "counted with the MAC: %llu",
          (unsigned long long)port->status[JBP_ST_FDB_ADDED]);
    CHECK(jbp_port_multicast(port, 0x333300000001ull, 0) == 0 && nl_count(RTM_DELNEIGH, 0x333300000001ull) == 1,
          "left");
    CHECK(jbp_port_multicast(port, MAC_US, 1) == -EINVAL, "a unicast MAC refused");
    close_both();
    CHECK(nl_count(RTM_DELNEIGH, 0x3333ff000001ull) == 1, "withdrawn at close");
}

static void device_mac_change(void)
{
    setup(cfg_default());
    open_both();
    struct mlx5_model *m = fake_model();
    const uint64_t fresh = 0x02aabbcc0077ull;
    CHECK(jbp_port_set_mac(port, fresh) == 0, "set_mac: %s", port->error);
    /* New rules before the old ones go; the new MAC admitted before the old one is removed. */
    CHECK(fake_stats()->flows_created == 16 && fake_stats()->flows_destroyed == 8 && m->n_flows == 8, "rules");
    CHECK(nl_count(RTM_NEWNEIGH, fresh) == 1 && nl_count(RTM_DELNEIGH, MAC_US) == 1, "admission moved");
    int add_new = -1, del_old = -1;
    for (int i = 0; i < NL.n; i++) {
        if (NL.type[i] == RTM_NEWNEIGH && NL.mac[i] == fresh)
            add_new = i;
        if (NL.type[i] == RTM_DELNEIGH && NL.mac[i] == MAC_US)
            del_old = i;
    }
    CHECK(add_new < del_old, "new before old");
    uint64_t before = m->stats.rx_not_steered;
    peer_send(1, arp_to); /* to the old MAC */
    steer_mac = fresh;
    peer_send(1, arp_to);
    steer_mac = MAC_US;
    struct got g[8];
    CHECK(receive_all(g, 8) == 1 && m->stats.rx_not_steered == before + 1, "only the new MAC steered");
    /* The guard holds for MAC changes: eth6's MAC, on the adapter's other port in another namespace. */
    CHECK(jbp_port_set_mac(port, 0xb8599f000011ull) == -EADDRINUSE && strstr(port->error, "'eth6'") != NULL,
          "%s", port->error);
    close_both();
    CHECK(nl_count(RTM_DELNEIGH, fresh) == 1, "the current MAC removed at close");
}

static void device_queue_resets_name_current_state(void)
{
    setup(cfg_default());
    open_both();
    struct mlx5_model *m = fake_model();
    const struct jbp_fake_verbs_stats *st = fake_stats();
    /* A send error: ibv_modify_qp to RESET naming ERR, then INIT, RTR, RTS. */
    m->inject_tx_syndrome = MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
    struct jbp_desc d[2];
    d[0].buffer = tp_alloc(&pool);
    d[0].length = 100;
    d[0].flags = 0;
    struct flow fl = { 0xc6120001, 0xc6120002, 7000, 40000, 17 };
    build(tp_buf(&pool, d[0].buffer), 100, MAC_PEER, MAC_US, &fl, 1, 0);
    CHECK(jbp_port_transmit(port, 0, d, 1) == 1, "transmit");
    reclaim(port, &pool);
    mlx5_model_wire(m, peer_m);
    CHECK(jbp_port_transmit(port, 0, d, 0) == 0, "reap");
    reclaim(port, &pool);
    CHECK(port->txq[0].state == JBP_Q_ERROR && port->txq[0].hw_err, "send queue in error");
    d[0].buffer = JBP_NO_BUFFER;
    CHECK(jbp_port_transmit(port, 0, d, 0) == 0, "recovering transmit");
    reclaim(port, &pool);
    CHECK(port->txq[0].state == JBP_Q_OK && st->qp_resets == 1 && st->resets_from_err == 1
              && st->refused_transitions == 0, "reset from ERR accepted: %s", port->error);
    /* A receive flush error: the WQ is reset naming ERR (IBV_WQ_ATTR_CURR_STATE). */
    m->inject_rx_syndrome = MLX5_CQE_SYNDROME_WR_FLUSH_ERR;
    peer_send(4, udp_to_us);
    struct got g[64];
    receive_all(g, 64);
    receive_all(g, 64);
    CHECK(st->wq_resets == 1 && st->resets_from_err == 2 && st->refused_transitions == 0, "WQ reset from ERR");
    for (uint32_t q = 0; q < NRXQ; q++)
        CHECK(port->rxq[q].state == JBP_Q_OK, "queue %u back", q);
    peer_send(8, udp_to_us);
    CHECK(receive_all(g, 64) == 8, "frames flow after the reset");
    close_both();
}

/* Frames from us to the peer on send queue q, each from a fresh pool buffer; returns how many were accepted. */
static int send_on(uint32_t q, uint32_t count, uint32_t seq0)
{
    struct jbp_desc d[32];
    memset(d, 0, sizeof(d));
    CHECK(count <= 32, "count");
    struct flow fl = { 0xc6120001, 0xc6120002, 7000, 40000, 17 };
    for (uint32_t i = 0; i < count; i++) {
        d[i].buffer = tp_alloc(&pool);
        d[i].length = 120;
        d[i].flags = 0;
        build(tp_buf(&pool, d[i].buffer), 120, MAC_PEER, MAC_US, &fl, seq0 + i, 0);
    }
    int n = jbp_port_transmit(port, q, d, count);
    reclaim(port, &pool);
    for (int i = n < 0 ? 0 : n; i < (int)count; i++)
        tp_free(&pool, d[i].buffer);
    return n;
}

/* What a poller's idle strategy does when nothing comes: waits in the port, which sees the async event fd. */
static void idle_wait(void)
{
    CHECK(jbp_port_await(port, 1000000) == 0, "await");
}

/*
 * IBV_EVENT_CQ_ERR on a send CQ and on a receive CQ, and IBV_EVENT_QP_FATAL on a send QP, injected through the
 * fake rdma-core with the model put in the state they report (a CQ that takes no completion, a QP in error): each
 * queue is marked for recreation when the event is read, named in the status words, and at its next use its CQ
 * and queue are destroyed and created again (a new CQ in new memory, a new QP number, an empty WQ with the steering
 * rebuilt); the buffers in flight come back, frames flow again, nothing leaks.
 */
static void device_cq_error_recreates_queues(void)
{
    setup(cfg_default());
    open_both();
    struct mlx5_model *m = fake_model();
    const struct jbp_fake_verbs_stats *st = fake_stats();
    struct got g[256];

    /* Send queue 1: its CQ fails with frames in flight; they leave, but no completion comes back. */
    const uint32_t qpn1 = port->txq[1].qpn;
    CHECK(send_on(1, 8, 0) == 8, "sent on queue 1");
    CHECK(inject_event(IBV_EVENT_CQ_ERR, 0, 1) == 0, "inject");
    CHECK(mlx5_model_wire(m, peer_m) == 8 && m->sq[1].cq.lost >= 1, "frames out, completion lost");
    CHECK(send_on(1, 0, 0) == 0 && port->txq[1].pi - port->txq[1].ci == 8, "nothing completes");
    idle_wait();
    CHECK(receive_all(g, 256) == 0, "nothing received");
    CHECK(port->txq[1].state == JBP_Q_RECREATE && port->status[JBP_ST_TXQ_BASE(1) + JBP_TXQ_STATE] == JBP_Q_RECREATE
              && port->status[JBP_ST_TXQ_BASE(1) + JBP_TXQ_RECREATE_EVENT] == IBV_EVENT_CQ_ERR,
          "send queue 1 marked for recreation: state %d", port->txq[1].state);
    CHECK(st->async_events_read == 1 && st->async_events_acked == 1, "event read and acknowledged");
    /* Its next use creates CQ and QP again: the in-flight buffers come back, a new QP number is used. */
    CHECK(send_on(1, 8, 100) == 8, "sent after recreation: %s", port->error);
    CHECK(port->txq[1].state == JBP_Q_OK && port->status[JBP_ST_TXQ_BASE(1) + JBP_TXQ_RECREATIONS] == 1,
          "recreated once");
    CHECK(st->cqs_recreated == 1 && st->qps_recreated == 1 && m->sq[1].cq.generation == 1, "new CQ and QP");
    CHECK(port->txq[1].qpn == qpn1 + 0x100 && m->sq[1].qpn == qpn1 + 0x100, "new QP number %x", port->txq[1].qpn);
    CHECK(strstr(port->error, "IBV_EVENT_CQ_ERR") != NULL && strstr(port->error, "created again") != NULL, "%s",
          port->error);
    uint64_t before = peer_m->stats.rx_frames;
    CHECK(mlx5_model_wire(m, peer_m) == 8 && peer_m->stats.rx_frames == before + 8, "frames flow again");
    CHECK(send_on(1, 0, 0) == 0 && port->txq[1].pi == port->txq[1].ci, "every send completed");
    CHECK(port->txq[0].state == JBP_Q_OK && port->status[JBP_ST_TXQ_BASE(0) + JBP_TXQ_RECREATIONS] == 0,
          "the other send queues untouched");

    /* Receive queue 2: its CQ fails; what RSS sends it is lost until the CQ is created again. */
    CHECK(inject_event(IBV_EVENT_CQ_ERR, 1, 2) == 0, "inject");
    peer_send(32, udp_to_us);
    int lost = 0;
    for (uint32_t i = 0; i < 32; i++) {
        struct flow fl = flow_of(i, 17);
        lost += expected_queue(&fl, 1) == 2;
    }
    CHECK(lost > 0, "some flows hash to queue 2");
    int got = receive_all(g, 256);
    CHECK(got == 32 - lost, "the other queues deliver: %d of %d (%d lost)", got, 32 - lost, lost);
    CHECK(m->rq[2].cq.lost == (uint64_t)lost, "queue 2's completions lost: %llu",
          (unsigned long long)m->rq[2].cq.lost);
    idle_wait();
    CHECK(receive_all(g, 256) == 0, "nothing new");
    CHECK(port->rxq[2].state == JBP_Q_OK && port->status[JBP_ST_RXQ_BASE(2) + JBP_RXQ_RECREATIONS] == 1
              && port->status[JBP_ST_RXQ_BASE(2) + JBP_RXQ_RECREATE_EVENT] == IBV_EVENT_CQ_ERR,
          "receive queue 2 recreated: state %d, %s", port->rxq[2].state, port->error);
    CHECK(st->wqs_recreated == 1 && st->cqs_recreated == 2 && m->rq[2].cq.generation == 1, "new WQ and CQ");
    CHECK(st->flows_created == 16 && st->flows_destroyed == 8 && m->n_flows == 8, "steering rebuilt");
    CHECK(st->refused_transitions == 0, "no refused state change");
    CHECK(port->rxq[2].pi - port->rxq[2].ci == RING, "ring full again: %u", port->rxq[2].pi - port->rxq[2].ci);
    CHECK(strstr(port->error, "receive queue 2") != NULL && strstr(port->error, "IBV_EVENT_CQ_ERR") != NULL, "%s",
          port->error);
    peer_send(32, udp_to_us);
    int n = receive_all(g, 256);
    CHECK(n == 32, "every frame arrives after the recreation: %d", n);
    for (int i = 0; i < n; i++) {
        struct flow fl = flow_of(g[i].seq, 17);
        CHECK(g[i].q == expected_queue(&fl, 1), "frame on queue %u", g[i].q);
    }

    /* A catastrophic error on send QP 0: created again too, the event named. */
    CHECK(inject_event(IBV_EVENT_QP_FATAL, 0, 0) == 0, "inject");
    idle_wait();
    receive_all(g, 256);
    CHECK(port->txq[0].state == JBP_Q_RECREATE
              && port->status[JBP_ST_TXQ_BASE(0) + JBP_TXQ_RECREATE_EVENT] == IBV_EVENT_QP_FATAL, "marked");
    CHECK(send_on(0, 4, 200) == 4 && port->txq[0].state == JBP_Q_OK, "recreated: %s", port->error);
    CHECK(strstr(port->error, "IBV_EVENT_QP_FATAL") != NULL, "%s", port->error);
    before = peer_m->stats.rx_frames;
    CHECK(mlx5_model_wire(m, peer_m) == 4 && peer_m->stats.rx_frames == before + 4, "frames flow");
    send_on(0, 0, 0);

    /* The kernel refuses to destroy receive WQ 3: the queue stops with its buffers (the WQ may still write into
     * them: they go back only at close), the message says so, the other queues get their steering back. */
    fail_destroy(EBUSY);
    CHECK(inject_event(IBV_EVENT_WQ_FATAL, 1, 3) == 0, "inject");
    idle_wait();
    receive_all(g, 256);
    fail_destroy(0);
    CHECK(port->rxq[3].state == JBP_Q_DEAD && port->rxq[3].pi - port->rxq[3].ci == RING, "stopped, buffers kept");
    CHECK(strstr(port->error, "receive queue 3: destroying it after IBV_EVENT_WQ_FATAL") != NULL, "%s",
          port->error);
    CHECK(m->n_flows == 8, "steering restored: %d rules", m->n_flows);
    peer_send(32, udp_to_us);
    int lost3 = 0;
    for (uint32_t i = 0; i < 32; i++) {
        struct flow fl3 = flow_of(i, 17);
        lost3 += expected_queue(&fl3, 1) == 3;
    }
    CHECK(receive_all(g, 256) == 32 - lost3, "the other queues still receive");
    close_both();
}

/*
 * LSO where the adapter offers it: tso_caps on raw-packet QPs and checksum offload make the send QPs ask for LSO
 * headers (IBV_QP_INIT_ATTR_MAX_TSO_HEADER), the port publish TX_TCP_SEGMENTATION and its limit, and a TCP
 * super-frame chained over pool buffers leave as one LSO WQE that the model cuts into MSS frames for the peer.
 * Without tso_caps, or in verbs mode, none of it: the stack then segments TCP itself.
 */
static void device_lso_where_offered(void)
{
    setup(cfg_default());
    open_both();
    const struct jbp_fake_verbs_stats *st = fake_stats();
    CHECK(port->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP_SEGMENTATION, "LSO offered");
    CHECK(port->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP6_SEGMENTATION, "IPv6 LSO offered");
    CHECK(st->tso_qps == NRXQ && st->max_tso_header == JBP_MLX5_MAX_INLINE, "QPs asked for LSO headers");
    for (uint32_t q = 0; q < NRXQ; q++)
        CHECK(port->txq[q].max_tso == JBP_MAX_FRAME
                  && port->status[JBP_ST_TXQ_BASE(q) + JBP_TXQ_MAX_TSO] == JBP_MAX_FRAME, "queue %u limit", q);
    /* A 9000-byte TCP payload as a chain of 2048-byte buffers, MSS 1400. */
    static uint8_t f[9054];
    struct flow fl = { 0xc6120001, 0xc6120002, 7000, 40000, 6 };
    build(f, sizeof(f), MAC_PEER, MAC_US, &fl, 9, 1);
    struct jbp_desc d[8];
    uint32_t n = 0;
    for (uint32_t off = 0; off < sizeof(f); n++) {
        uint32_t take = sizeof(f) - off < pool.bs ? (uint32_t)sizeof(f) - off : pool.bs;
        d[n] = (struct jbp_desc){ .buffer = tp_alloc(&pool), .length = take, .flags = JBP_DESC_CONTINUES };
        memcpy(tp_buf(&pool, d[n].buffer), f + off, take);
        off += take;
    }
    d[n - 1].flags = 0;
    d[0].flags |= JBP_GSO_TCPV4 | JBP_TX_L4_CSUM | (1400u << JBP_GSO_SIZE_SHIFT);
    CHECK(jbp_port_transmit(port, 0, d, n) == (int)n, "super-frame accepted: %s", port->error);
    reclaim(port, &pool);
    uint64_t before = peer_m->stats.rx_frames;
    CHECK(mlx5_model_wire(fake_model(), peer_m) == 7, "cut into 7 segments");
    CHECK(peer_m->stats.rx_frames == before + 7 && fake_model()->stats.tx_tso_wqes == 1, "the peer got them");
    CHECK(jbp_port_transmit(port, 0, d, 0) == 0 && port->txq[0].pi == port->txq[0].ci, "completed");
    reclaim(port, &pool);
    close_both();

    struct jbp_fake_verbs_cfg c = cfg_default();
    c.no_tso = 1;
    setup(c);
    open_both();
    CHECK(!(port->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP_SEGMENTATION) && port->txq[0].max_tso == 0
              && fake_stats()->tso_qps == 0, "no tso_caps, no LSO");
    close_both();

    setup(cfg_default());
    char err[1024];
    int code = 0;
    port = open_dev(JBP_RDMA_MODE_IBV, &code, err, sizeof(err));
    CHECK(port != NULL, "verbs mode: %s", err);
    CHECK(!(port->status[JBP_ST_CAPABILITIES] & JBP_CAP_TX_TCP_SEGMENTATION) && fake_stats()->tso_qps == 0,
          "verbs mode: the stack segments");
    fill(port, &pool, NRXQ * RING);
    struct mlx5_model_cfg pc = { .n_rxq = 1, .rx_size = RING, .tx_size = RING, .mtu = 1500, .mac = MAC_PEER };
    peer_m = mlx5_model_create(&pc);
    peer = mlx5_model_open_port(peer_m, peer_pool.mem, peer_pool.bs, peer_pool.n);
    fill(peer, &peer_pool, RING);
    close_both();
}

static void teardown(void)
{
    remove_tree();
    free(pool.mem);
    free(pool.held);
    free(pool.stack);
    free(peer_pool.mem);
    free(peer_pool.held);
    free(peer_pool.stack);
}

static void device_failures_explained(void)
{
    char err[1024];
    int code = 0;
    /* mode = dv on an adapter without CQE version 1. */
    struct jbp_fake_verbs_cfg c = cfg_default();
    c.cqe_v1 = 0;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_DV, &code, err, sizeof(err)) == NULL && code == -EOPNOTSUPP
              && strstr(err, "does not report CQE version 1") != NULL, "%d %s", code, err);
    teardown();
    /* Registration refused: the locked-memory hint. */
    c = cfg_default();
    c.reg_mr_errno = ENOMEM;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && strstr(err, "RLIMIT_MEMLOCK") != NULL,
          "%s", err);
    printf("  message: %s\n", err);
    teardown();
    /* Every pinning call gives the locked-memory hint: CQ, WQ, QP as well as the region. */
    for (int which = 0; which < 3; which++) {
        c = cfg_default();
        if (which == 0)
            c.cq_errno = ENOMEM;
        else if (which == 1)
            c.wq_errno = ENOMEM;
        else
            c.qp_errno = ENOMEM;
        setup(c);
        static const char *const what[] = { "creating the send CQ", "creating a receive WQ",
                                            "creating the raw packet send QP" };
        CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && code == -ENOMEM
                  && strstr(err, what[which]) != NULL && strstr(err, "RLIMIT_MEMLOCK") != NULL, "%s", err);
        teardown();
    }
    /* The verbs node: ibv_open_device decides; its refusal is explained with what sysfs shows. */
    c = cfg_default();
    c.open_errno = EACCES;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && code == -EACCES
              && strstr(err, "udev rule or group") != NULL, "%s", err);
    printf("  message: %s\n", err);
    teardown();
    /* Capabilities checked before use, each refusal naming the capability and what to configure instead. */
    c = cfg_default();
    c.no_rss = 1;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && code == -EOPNOTSUPP
              && strstr(err, "needs RSS on raw-packet QPs") != NULL && strstr(err, "set rx-queues = 1") != NULL,
          "%s", err);
    printf("  message: %s\n", err);
    teardown();
    c = cfg_default();
    c.hash_fields_missing = IBV_RX_HASH_SRC_PORT_UDP | IBV_RX_HASH_DST_PORT_UDP;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && strstr(err, "lacks 0xc0") != NULL,
          "%s", err);
    teardown();
    c = cfg_default();
    c.max_wq = 2;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && strstr(err, "max_wq_type_rq") != NULL,
          "%s", err);
    teardown();
    /* Rings longer than the adapter's max_qp_wr: refused, naming the limit and the keys. */
    c = cfg_default();
    c.max_qp_wr = RING / 2;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && code == -EINVAL
              && strstr(err, "allows queues of") != NULL && strstr(err, "rx-queue-size / tx-queue-size") != NULL,
          "%s", err);
    printf("  message: %s\n", err);
    teardown();
    /* Warnings only: no compression offered; no flow-steering flag (the rules then work on the fake). */
    c = cfg_default();
    c.no_compression = 1;
    c.no_flow_steering = 1;
    setup(c);
    struct jbp_rdma_port *w = open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err));
    CHECK(w != NULL && strstr(warn, "does not offer CQE compression") != NULL
              && strstr(warn, "IBV_DEVICE_MANAGED_FLOW_STEERING") != NULL && fake_stats()->compressed_cqs == 0,
          "%s / %s", err, warn);
    jbp_port_quiesce(w);
    w->backend->destroy(w);
    teardown();
    /* Direct Verbs reported but failing (a receive CQ refused, or mlx5dv_init_obj): auto falls back to verbs,
     * says so and flags it; mode = dv fails instead. */
    for (int which = 0; which < 2; which++) {
        c = cfg_default();
        if (which == 0)
            c.fail_dv_cq = NRXQ + 2; /* the send CQs and receive CQ 0 succeed; receive CQ 1 fails */
        else
            c.fail_init_obj = 1;
        setup(c);
        struct jbp_rdma_port *f = open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err));
        CHECK(f != NULL, "fallback open: %s", err);
        CHECK(f->mode == JBP_RDMA_MODE_IBV && f->status[JBP_ST_MODE] == (JBP_RDMA_MODE_IBV | JBP_ST_MODE_DV_FALLBACK),
              "verbs mode, flagged: mode %d status %llx %s", f->mode, (unsigned long long)f->status[JBP_ST_MODE], warn);
        CHECK(strstr(warn, "running in verbs mode") != NULL && fake_stats()->verbs_cqs == 2 * NRXQ, "%s", warn);
        printf("  warning: %s\n", warn);
        fill(f, &pool, NRXQ * RING);
        jbp_port_quiesce(f);
        reclaim(f, &pool);
        f->backend->destroy(f);
        CHECK(tp_in_use(&pool) == 0, "buffers back");
        teardown();
        setup(c);
        CHECK(open_dev(JBP_RDMA_MODE_DV, &code, err, sizeof(err)) == NULL, "mode = dv does not fall back");
        teardown();
    }
    /* Flow rules refused for want of CAP_NET_RAW; nothing is left registered. */
    c = cfg_default();
    c.flow_errno = EPERM;
    setup(c);
    CHECK(open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err)) == NULL && strstr(err, "CAP_NET_RAW") != NULL,
          "%s", err);
    printf("  message: %s\n", err);
    CHECK(nl_count(RTM_NEWNEIGH, MAC_US) == nl_count(RTM_DELNEIGH, MAC_US), "nothing left in the FDB");
    teardown();
    /* Compressed CQs refused: the port runs without, and says so. */
    c = cfg_default();
    c.refuse_compression = 1;
    setup(c);
    struct jbp_rdma_port *p = open_dev(JBP_RDMA_MODE_AUTO, &code, err, sizeof(err));
    CHECK(p != NULL && strstr(warn, "running without CQE compression") != NULL, "%s / %s", err, warn);
    jbp_port_quiesce(p);
    p->backend->destroy(p);
    teardown();
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define CASE(x) { #x, x }
    CASE(device_open_steer_transmit_close),
    CASE(device_mac_change),
    CASE(device_ipv6_steering),
    CASE(device_queue_resets_name_current_state),
    CASE(device_cq_error_recreates_queues),
    CASE(device_lso_where_offered),
    CASE(device_failures_explained),
#undef CASE
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_rdma_device FAKE_RDMA_CORE.so [CASE]\n");
        return 2;
    }
    fake_lib = argv[1];
    void *h = dlopen(fake_lib, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != NULL, "%s", dlerror());
    configure = (jbp_fake_verbs_configure_fn)dlsym(h, "jbp_fake_verbs_configure");
    fake_model = (jbp_fake_verbs_model_fn)dlsym(h, "jbp_fake_verbs_model");
    fake_stats = (jbp_fake_verbs_stats_fn)dlsym(h, "jbp_fake_verbs_stats");
    inject_event = (jbp_fake_verbs_inject_event_fn)dlsym(h, "jbp_fake_verbs_inject_event");
    fail_destroy = (void (*)(int))dlsym(h, "jbp_fake_verbs_fail_destroy");
    CHECK(configure != NULL && fake_model != NULL && fake_stats != NULL, "fake rdma-core symbols");
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (argc < 3 || strcmp(argv[2], cases[i].name) == 0) {
            cases[i].fn();
            printf("ok %s\n", cases[i].name);
            ran++;
        }
    }
    return ran > 0 ? 0 : 1;
}
