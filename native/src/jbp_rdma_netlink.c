/* SPDX-License-Identifier: Apache-2.0 */
/* rtnetlink FDB requests and their answers: see jbp_rdma_netlink.h for the messages and why they are sent. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "jbp_rdma_netlink.h"

_Static_assert(NLMSG_SPACE(sizeof(struct ndmsg)) + RTA_SPACE(6) <= JBP_NL_REQ_MAX, "request room");
_Static_assert(NLMSG_SPACE(sizeof(struct ifinfomsg)) + RTA_SPACE(4) <= JBP_NL_REQ_MAX, "request room");

static int sock_send(struct jbp_nl *nl, const void *buf, size_t len)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t n = sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
    return n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
}

static int sock_recv(struct jbp_nl *nl, void *buf, size_t cap)
{
    struct sockaddr_nl from;
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n;
    do
        n = recvmsg(nl->fd, &msg, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN ? -ETIMEDOUT : -errno;
    /* Only the kernel (port id 0) answers; a truncated datagram cannot be parsed. */
    if (from.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC))
        return -EBADMSG;
    return (int)n;
}

static void sock_close(struct jbp_nl *nl)
{
    if (nl->fd >= 0)
        close(nl->fd);
    nl->fd = -1;
}

int jbp_nl_open(struct jbp_nl *nl)
{
    memset(nl, 0, sizeof(*nl));
    nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl->fd < 0)
        return -errno;
    struct sockaddr_nl local = { .nl_family = AF_NETLINK };
    struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
    int buf = JBP_NL_BUF;
    if (bind(nl->fd, (struct sockaddr *)&local, sizeof(local)) < 0
        || setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
        || setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0) {
        int e = errno;
        close(nl->fd);
        nl->fd = -1;
        return -e;
    }
    nl->send = sock_send;
    nl->recv = sock_recv;
    nl->close = sock_close;
    nl->seq = (uint32_t)getpid() << 8;
    return 0;
}

void jbp_nl_close(struct jbp_nl *nl)
{
    if (nl->close != NULL)
        nl->close(nl);
    nl->close = NULL;
}

static void put_mac(uint8_t *p, uint64_t mac)
{
    for (int i = 0; i < 6; i++)
        p[i] = (uint8_t)(mac >> (40 - 8 * i));
}

size_t jbp_nl_build_fdb(uint8_t *buf, int add, uint32_t seq, int ifindex, uint64_t mac)
{
    memset(buf, 0, JBP_NL_REQ_MAX);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_type = add ? RTM_NEWNEIGH : RTM_DELNEIGH;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    h->nlmsg_seq = seq;
    struct ndmsg *nd = NLMSG_DATA(h);
    nd->ndm_family = AF_BRIDGE;
    nd->ndm_ifindex = ifindex;
    nd->ndm_state = NUD_PERMANENT;
    nd->ndm_flags = NTF_SELF;
    struct rtattr *a = (struct rtattr *)(buf + NLMSG_SPACE(sizeof(*nd)));
    a->rta_type = NDA_LLADDR;
    a->rta_len = RTA_LENGTH(6);
    put_mac(RTA_DATA(a), mac);
    h->nlmsg_len = (uint32_t)(NLMSG_SPACE(sizeof(*nd)) + RTA_SPACE(6));
    return h->nlmsg_len;
}

size_t jbp_nl_build_fdb_dump(uint8_t *buf, uint32_t seq)
{
    memset(buf, 0, JBP_NL_REQ_MAX);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_type = RTM_GETNEIGH;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    h->nlmsg_seq = seq;
    struct ndmsg *nd = NLMSG_DATA(h);
    nd->ndm_family = AF_BRIDGE;
    h->nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(*nd));
    return h->nlmsg_len;
}

size_t jbp_nl_build_vf_query(uint8_t *buf, uint32_t seq, int ifindex)
{
    memset(buf, 0, JBP_NL_REQ_MAX);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    h->nlmsg_type = RTM_GETLINK;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = seq;
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    struct rtattr *a = (struct rtattr *)(buf + NLMSG_SPACE(sizeof(*ifi)));
    a->rta_type = IFLA_EXT_MASK;
    a->rta_len = RTA_LENGTH(4);
    /* The VF list, without each VF's statistics (a smaller answer; kernels before RTEXT_FILTER_SKIP_STATS ignore
     * the bit and send them). */
    uint32_t mask = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS;
    memcpy(RTA_DATA(a), &mask, sizeof(mask));
    h->nlmsg_len = (uint32_t)(NLMSG_SPACE(sizeof(*ifi)) + RTA_SPACE(4));
    return h->nlmsg_len;
}

/*
 * The attributes nested in an attribute's payload (`len` bytes at p): calls fn for each, after checking that it
 * lies inside. -EBADMSG when one does not.
 */
typedef int (*attr_fn)(void *ctx, uint16_t type, const uint8_t *payload, size_t len);

static int each_attr(const uint8_t *p, size_t len, attr_fn fn, void *ctx)
{
    size_t off = 0;
    while (off + sizeof(struct rtattr) <= len) {
        struct rtattr a;
        memcpy(&a, p + off, sizeof(a));
        if (a.rta_len < sizeof(struct rtattr) || a.rta_len > len - off)
            return -EBADMSG;
        int rc = fn(ctx, a.rta_type & NLA_TYPE_MASK, p + off + RTA_LENGTH(0), a.rta_len - RTA_LENGTH(0));
        if (rc < 0)
            return rc;
        off += RTA_ALIGN(a.rta_len);
    }
    return 0;
}

struct vf_walk {
    jbp_vf_fn fn;
    void *ctx;
};

/* Inside one IFLA_VF_INFO: IFLA_VF_MAC is struct ifla_vf_mac { __u32 vf; __u8 mac[32]; } (the first 6 bytes). */
static int vf_info_attr(void *ctx, uint16_t type, const uint8_t *payload, size_t len)
{
    struct vf_walk *w = ctx;
    if (type != IFLA_VF_MAC)
        return 0;
    if (len < sizeof(struct ifla_vf_mac))
        return -EBADMSG;
    struct ifla_vf_mac v;
    memcpy(&v, payload, sizeof(v));
    struct jbp_vf_mac m = { .vf = (int)v.vf, .mac = 0 };
    for (int i = 0; i < 6; i++)
        m.mac = (m.mac << 8) | v.mac[i];
    if (w->fn != NULL)
        w->fn(w->ctx, &m);
    return 0;
}

static int vf_list_attr(void *ctx, uint16_t type, const uint8_t *payload, size_t len)
{
    return type == IFLA_VF_INFO ? each_attr(payload, len, vf_info_attr, ctx) : 0;
}

static int link_attr(void *ctx, uint16_t type, const uint8_t *payload, size_t len)
{
    return type == IFLA_VFINFO_LIST ? each_attr(payload, len, vf_list_attr, ctx) : 0;
}

/* One RTM_NEWLINK: the ifinfomsg and its attributes, the VF list among them. */
static int parse_link(const uint8_t *payload, size_t len, jbp_vf_fn fn, void *ctx)
{
    if (len < sizeof(struct ifinfomsg))
        return -EBADMSG;
    struct vf_walk w = { .fn = fn, .ctx = ctx };
    return each_attr(payload + NLMSG_ALIGN(sizeof(struct ifinfomsg)),
                     len - NLMSG_ALIGN(sizeof(struct ifinfomsg)), link_attr, &w);
}

/* One RTM_NEWNEIGH: the ndmsg and its attributes, all inside `len` bytes of payload. */
static int parse_neigh(const uint8_t *payload, size_t len, jbp_fdb_fn fn, void *ctx)
{
    if (len < sizeof(struct ndmsg))
        return -EBADMSG;
    struct ndmsg nd;
    memcpy(&nd, payload, sizeof(nd));
    size_t off = NLMSG_ALIGN(sizeof(nd));
    struct jbp_fdb_entry e = { .ifindex = nd.ndm_ifindex, .flags = nd.ndm_flags, .state = nd.ndm_state };
    int have_mac = 0;
    while (off + sizeof(struct rtattr) <= len) {
        struct rtattr a;
        memcpy(&a, payload + off, sizeof(a));
        if (a.rta_len < sizeof(struct rtattr) || a.rta_len > len - off)
            return -EBADMSG;
        if (a.rta_type == NDA_LLADDR && a.rta_len == RTA_LENGTH(6)) {
            const uint8_t *m = payload + off + RTA_LENGTH(0);
            e.mac = 0;
            for (int i = 0; i < 6; i++)
                e.mac = (e.mac << 8) | m[i];
            have_mac = 1;
        }
        off += RTA_ALIGN(a.rta_len);
    }
    if (have_mac && nd.ndm_family == AF_BRIDGE && fn != NULL)
        fn(ctx, &e);
    return 0;
}

static int parse_answer(const uint8_t *buf, size_t len, uint32_t seq, jbp_fdb_fn fn, jbp_vf_fn vf_fn, void *ctx);

int jbp_nl_parse(const uint8_t *buf, size_t len, uint32_t seq, jbp_fdb_fn fn, void *ctx)
{
    return parse_answer(buf, len, seq, fn, NULL, ctx);
}

int jbp_nl_parse_vfs(const uint8_t *buf, size_t len, uint32_t seq, jbp_vf_fn fn, void *ctx)
{
    return parse_answer(buf, len, seq, NULL, fn, ctx);
}

static int parse_answer(const uint8_t *buf, size_t len, uint32_t seq, jbp_fdb_fn fn, jbp_vf_fn vf_fn, void *ctx)
{
    size_t off = 0;
    int done = 0;
    while (off < len && !done) {
        if (len - off < sizeof(struct nlmsghdr))
            return -EBADMSG;
        struct nlmsghdr h;
        memcpy(&h, buf + off, sizeof(h));
        if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
            return -EBADMSG;
        const uint8_t *payload = buf + off + NLMSG_HDRLEN;
        size_t plen = h.nlmsg_len - NLMSG_HDRLEN;
        off += NLMSG_ALIGN(h.nlmsg_len) < len - off ? NLMSG_ALIGN(h.nlmsg_len) : len - off;
        if (h.nlmsg_seq != seq)
            continue; /* an answer to an earlier request that timed out */
        if (h.nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr err;
            if (plen < sizeof(err.error))
                return -EBADMSG;
            memcpy(&err.error, payload, sizeof(err.error));
            if (err.error > 0)
                return -EBADMSG;
            if (err.error < 0)
                return err.error;
            done = 1;
        } else if (h.nlmsg_type == NLMSG_DONE) {
            done = 1;
        } else if (h.nlmsg_type == RTM_NEWNEIGH && vf_fn == NULL) {
            int rc = parse_neigh(payload, plen, fn, ctx);
            if (rc < 0)
                return rc;
        } else if (h.nlmsg_type == RTM_NEWLINK && vf_fn != NULL) {
            int rc = parse_link(payload, plen, vf_fn, ctx);
            if (rc < 0)
                return rc;
        }
        /* NLMSG_NOOP, NLMSG_OVERRUN and other types carry nothing for us. */
    }
    return done;
}

static int transact(struct jbp_nl *nl, const uint8_t *req, size_t len, jbp_fdb_fn fn, jbp_vf_fn vf_fn, void *ctx)
{
    if (nl->send == NULL || nl->recv == NULL)
        return -ENOTCONN;
    const struct nlmsghdr *h = (const struct nlmsghdr *)req;
    int rc = nl->send(nl, req, len);
    if (rc < 0)
        return rc;
    /* Not the fast path: an open or a MAC change. */
    uint8_t *answer = malloc(JBP_NL_BUF);
    if (answer == NULL)
        return -ENOMEM;
    rc = -E2BIG;
    for (int i = 0; i < JBP_NL_MAX_DUMP_MSGS; i++) {
        int n = nl->recv(nl, answer, JBP_NL_BUF);
        if (n <= 0) {
            rc = n < 0 ? n : -ECONNRESET;
            break;
        }
        rc = parse_answer(answer, (size_t)n, h->nlmsg_seq, fn, vf_fn, ctx);
        if (rc != 0) {
            rc = rc < 0 ? rc : 0;
            break;
        }
        rc = -E2BIG;
    }
    free(answer);
    return rc;
}

int jbp_nl_fdb_modify(struct jbp_nl *nl, int add, int ifindex, uint64_t mac)
{
    uint8_t req[JBP_NL_REQ_MAX];
    size_t len = jbp_nl_build_fdb(req, add, ++nl->seq, ifindex, mac);
    return transact(nl, req, len, NULL, NULL, NULL);
}

int jbp_nl_fdb_dump(struct jbp_nl *nl, jbp_fdb_fn fn, void *ctx)
{
    uint8_t req[JBP_NL_REQ_MAX];
    size_t len = jbp_nl_build_fdb_dump(req, ++nl->seq);
    return transact(nl, req, len, fn, NULL, ctx);
}

int jbp_nl_vf_macs(struct jbp_nl *nl, int pf_ifindex, jbp_vf_fn fn, void *ctx)
{
    uint8_t req[JBP_NL_REQ_MAX];
    size_t len = jbp_nl_build_vf_query(req, ++nl->seq, pf_ifindex);
    return transact(nl, req, len, NULL, fn, ctx);
}
