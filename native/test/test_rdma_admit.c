/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MAC admission through rtnetlink and the netdev-MAC guard (jbp_rdma_netlink.c, jbp_rdma_admit.c):
 * - the request builder checked byte by byte against the rtnetlink(7) layout, and the parser fed hand-made
 *   answers, malformed ones included;
 * - the open path (stale entries of crashed processes removed, the MAC added, changed, removed at close, the
 *   state file kept) against a fake kernel: a struct jbp_nl whose send decodes the request bytes itself and
 *   whose recv returns answers the test builds, so nothing here needs privileges or touches the host's FDB;
 * - the guard on the fake sysfs tree (fake_sysfs.h) plus the fake kernel's FDB.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jbp_rdma_admit.h"
#include "jbp_rdma_netlink.h"
#include "jbp_rdma_sysfs.h"
#include "test_check.h"

#include "fake_sysfs.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static void wr32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void wr16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static uint64_t mac_at(const uint8_t *p)
{
    uint64_t m = 0;
    for (int i = 0; i < 6; i++)
        m = (m << 8) | p[i];
    return m;
}

/* ---- answers, built by hand (not with the code under test) ---- */

struct answer {
    uint8_t b[4096];
    size_t n;
};

static uint8_t *msg(struct answer *a, uint16_t type, uint16_t flags, uint32_t seq, size_t payload)
{
    size_t len = 16 + payload;
    CHECK(a->n + ((len + 3) & ~3u) <= sizeof(a->b), "answer too long");
    uint8_t *h = a->b + a->n;
    memset(h, 0, (len + 3) & ~3u);
    wr32(h, (uint32_t)len);
    wr16(h + 4, type);
    wr16(h + 6, flags);
    wr32(h + 8, seq);
    a->n += (len + 3) & ~3u;
    return h + 16;
}

static void ans_error(struct answer *a, uint32_t seq, int error)
{
    uint8_t *p = msg(a, NLMSG_ERROR, 0, seq, 4 + 16);
    int32_t e = error;
    memcpy(p, &e, 4);
}

static void ans_done(struct answer *a, uint32_t seq)
{
    uint8_t *p = msg(a, NLMSG_DONE, NLM_F_MULTI, seq, 4);
    memset(p, 0, 4);
}

/* An FDB entry: ndmsg (12 bytes) and one NDA_LLADDR attribute (4 + 6 bytes, padded to 12). */
static void ans_neigh(struct answer *a, uint32_t seq, int ifindex, uint8_t flags, uint16_t state, uint64_t mac)
{
    uint8_t *p = msg(a, RTM_NEWNEIGH, NLM_F_MULTI, seq, 12 + 10);
    p[0] = AF_BRIDGE;
    wr32(p + 4, (uint32_t)ifindex);
    wr16(p + 8, state);
    p[10] = flags;
    wr16(p + 12, 10);
    wr16(p + 14, NDA_LLADDR);
    for (int i = 0; i < 6; i++)
        p[16 + i] = (uint8_t)(mac >> (40 - 8 * i));
}

/*
 * A PF's RTM_NEWLINK with its VF list: ifinfomsg (16 bytes), IFLA_MTU (8), then IFLA_VFINFO_LIST (nested) holding
 * per VF an IFLA_VF_INFO (nested) with IFLA_VF_MAC (struct ifla_vf_mac, 36 bytes) and IFLA_VF_SPOOFCHK (12).
 */
static void ans_link(struct answer *a, uint32_t seq, int ifindex, int n, const int *vfs, const uint64_t *macs)
{
    const size_t info = 4 + 40 + 12;
    uint8_t *p = msg(a, RTM_NEWLINK, 0, seq, 16 + 8 + 4 + (size_t)n * info);
    wr32(p + 4, (uint32_t)ifindex);
    wr16(p + 16, 8);
    wr16(p + 18, IFLA_MTU);
    wr32(p + 20, 9000);
    uint8_t *l = p + 24;
    wr16(l, (uint16_t)(4 + n * info));
    wr16(l + 2, IFLA_VFINFO_LIST | NLA_F_NESTED);
    for (int i = 0; i < n; i++) {
        uint8_t *v = l + 4 + (size_t)i * info;
        wr16(v, (uint16_t)info);
        wr16(v + 2, IFLA_VF_INFO | NLA_F_NESTED);
        wr16(v + 4, 40);
        wr16(v + 6, IFLA_VF_MAC);
        wr32(v + 8, (uint32_t)vfs[i]);
        for (int k = 0; k < 6; k++)
            v[12 + k] = (uint8_t)(macs[i] >> (40 - 8 * k));
        wr16(v + 44, 12);
        wr16(v + 46, IFLA_VF_SPOOFCHK);
        wr32(v + 48, (uint32_t)vfs[i]);
        wr32(v + 52, 1);
    }
}

/* ---- the fake kernel ---- */

struct fdb {
    int ifindex;
    uint64_t mac;
    uint8_t flags;
};

struct fake {
    struct fdb fdb[128];
    int n_fdb;
    int add_errno;         /* answer every add with this error (EPERM, ...) */
    int del_errno;
    /* the requests seen, decoded from their bytes */
    struct {
        uint16_t type;
        int ifindex;
        uint64_t mac;
    } log[256];
    int n_log;
    /* the VFs the PF with ifindex vf_pf lists (RTM_GETLINK with RTEXT_FILTER_VF) */
    int vf_pf;
    int vf_index[8];
    uint64_t vf_mac[8];
    int n_vf;
    struct answer out[4];  /* datagrams waiting to be received */
    int n_out, next_out;
};

static struct fake K;

static int fake_send(struct jbp_nl *nl, const void *buf, size_t len)
{
    (void)nl;
    const uint8_t *b = buf;
    CHECK(len >= 16 && le32(b) == len, "request length %zu, header says %u", len, le32(b));
    uint16_t type = le16(b + 4), flags = le16(b + 6);
    uint32_t seq = le32(b + 8);
    CHECK(flags & NLM_F_REQUEST, "not a request");
    K.n_out = K.next_out = 0;
    memset(K.out, 0, sizeof(K.out));
    if (type == RTM_GETLINK) {
        CHECK(len == 40 && b[16] == AF_UNSPEC && le16(b + 32) == 8 && le16(b + 34) == IFLA_EXT_MASK
                  && (le32(b + 36) & RTEXT_FILTER_VF), "a VF query of one link");
        int ifindex = (int)le32(b + 20);
        K.log[K.n_log].type = type;
        K.log[K.n_log++].ifindex = ifindex;
        if (ifindex == K.vf_pf)
            ans_link(&K.out[0], seq, ifindex, K.n_vf, K.vf_index, K.vf_mac);
        ans_error(&K.out[0], seq, ifindex == K.vf_pf ? 0 : -ENODEV);
        K.n_out = 1;
        return 0;
    }
    CHECK(b[16] == AF_BRIDGE, "family %u", b[16]);
    if (type == RTM_GETNEIGH) {
        CHECK(flags & NLM_F_DUMP, "a dump");
        /* Two datagrams, as the kernel splits a dump that does not fit one. */
        for (int i = 0; i < K.n_fdb; i++)
            ans_neigh(&K.out[i < K.n_fdb / 2 ? 0 : 1], seq, K.fdb[i].ifindex, K.fdb[i].flags, NUD_PERMANENT,
                      K.fdb[i].mac);
        ans_done(&K.out[1], seq);
        K.n_out = 2;
        K.log[K.n_log++].type = type;
        return 0;
    }
    CHECK(type == RTM_NEWNEIGH || type == RTM_DELNEIGH, "type %u", type);
    CHECK(flags & NLM_F_ACK, "asks for an acknowledgement");
    CHECK(len == 40 && le16(b + 28) == 10 && le16(b + 30) == NDA_LLADDR, "one NDA_LLADDR");
    CHECK(le16(b + 24) == NUD_PERMANENT && b[26] == NTF_SELF, "permanent, self");
    int ifindex = (int)le32(b + 20);
    uint64_t mac = mac_at(b + 32);
    CHECK(K.n_log < 256, "log");
    K.log[K.n_log].type = type;
    K.log[K.n_log].ifindex = ifindex;
    K.log[K.n_log].mac = mac;
    K.n_log++;
    int found = -1;
    for (int i = 0; i < K.n_fdb; i++)
        if (K.fdb[i].ifindex == ifindex && K.fdb[i].mac == mac)
            found = i;
    int err = 0;
    if (type == RTM_NEWNEIGH) {
        if (K.add_errno)
            err = -K.add_errno;
        else if (found >= 0 && (flags & NLM_F_EXCL))
            err = -EEXIST;
        else if (found < 0)
            K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = ifindex, .mac = mac, .flags = NTF_SELF };
    } else {
        if (K.del_errno)
            err = -K.del_errno;
        else if (found < 0)
            err = -ENOENT;
        else
            K.fdb[found] = K.fdb[--K.n_fdb];
    }
    /* A stale answer to an earlier sequence number first: the driver must skip it. */
    ans_error(&K.out[0], seq - 1, -EINVAL);
    ans_error(&K.out[0], seq, err);
    K.n_out = 1;
    return 0;
}

static int fake_recv(struct jbp_nl *nl, void *buf, size_t cap)
{
    (void)nl;
    if (K.next_out >= K.n_out)
        return -ETIMEDOUT;
    struct answer *a = &K.out[K.next_out++];
    CHECK(a->n <= cap, "buffer");
    memcpy(buf, a->b, a->n);
    return (int)a->n;
}

static struct jbp_nl fake_nl(void)
{
    memset(&K, 0, sizeof(K));
    return (struct jbp_nl){ .send = fake_send, .recv = fake_recv, .fd = -1, .seq = 1000 };
}

static int fdb_has(int ifindex, uint64_t mac)
{
    for (int i = 0; i < K.n_fdb; i++)
        if (K.fdb[i].ifindex == ifindex && K.fdb[i].mac == mac)
            return 1;
    return 0;
}

/* ---- state files ---- */

static char state_dir[400];

static void read_state(char *out, size_t len)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/rdma-fdb-eth5", state_dir);
    out[0] = '\0';
    FILE *f = fopen(p, "r");
    if (f == NULL)
        return;
    size_t n = fread(out, 1, len - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void write_state(const char *content)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/rdma-fdb-eth5", state_dir);
    mkdir(state_dir, 0755);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL, "state file");
    fputs(content, f);
    fclose(f);
}

static unsigned long long my_start(void)
{
    char p[64], buf[1024];
    snprintf(p, sizeof(p), "/proc/%d/stat", getpid());
    FILE *f = fopen(p, "r");
    CHECK(f != NULL, "stat");
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')') + 2;
    for (int field = 3; field < 22; field++)
        s = strchr(s, ' ') + 1;
    return strtoull(s, NULL, 10);
}

/* A pid that ran and is gone (reaped): nothing runs under it with its start time. */
static long dead_pid(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}

static struct jbp_rdma_admit_env env_for(struct jbp_nl *nl)
{
    snprintf(state_dir, sizeof(state_dir), "%s/run/jbypass", root);
    mkdirs("run"); /* /run exists on every host; the driver creates /run/jbypass */
    return (struct jbp_rdma_admit_env){ .sys_root = sys, .state_dir = state_dir, .proc_root = "/proc", .nl = nl };
}

static struct jbp_rdma_sysfs probe_ok(const char *ifname)
{
    struct jbp_rdma_sysfs s;
    char err[1024] = "";
    CHECK(jbp_rdma_sysfs_probe(sys, dev, ifname, &s, err, sizeof(err)) == 0, "probe %s: %s", ifname, err);
    return s;
}

/* ---- cases ---- */

static void netlink_request_bytes(void)
{
    uint8_t b[JBP_NL_REQ_MAX];
    size_t n = jbp_nl_build_fdb(b, 1, 0x01020304, 5, 0x02aabbccddeeull);
    static const uint8_t want_add[40] = {
        40, 0, 0, 0,             /* nlmsg_len */
        28, 0,                   /* RTM_NEWNEIGH */
        0x05, 0x06,              /* NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE */
        4, 3, 2, 1,              /* seq */
        0, 0, 0, 0,              /* pid */
        7, 0, 0, 0,              /* ndm_family AF_BRIDGE, pads */
        5, 0, 0, 0,              /* ndm_ifindex */
        0x80, 0,                 /* ndm_state NUD_PERMANENT */
        0x02,                    /* ndm_flags NTF_SELF */
        0,                       /* ndm_type */
        10, 0, 2, 0,             /* rta_len 10, NDA_LLADDR */
        0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0, 0,
    };
    CHECK(n == sizeof(want_add) && memcmp(b, want_add, n) == 0, "RTM_NEWNEIGH bytes (%zu)", n);
    n = jbp_nl_build_fdb(b, 0, 7, 5, 0x02aabbccddeeull);
    CHECK(n == 40 && b[4] == 29 && b[6] == 0x05 && b[7] == 0 && b[8] == 7, "RTM_DELNEIGH: no CREATE/EXCL");
    CHECK(memcmp(b + 16, want_add + 16, 24) == 0, "same body");
    n = jbp_nl_build_fdb_dump(b, 9);
    static const uint8_t want_dump[28] = { 28, 0, 0, 0, 30, 0, 0x01, 0x03, 9, 0, 0, 0, 0, 0, 0, 0,
                                           7,  0, 0, 0, 0,  0, 0,    0,    0, 0, 0, 0 };
    CHECK(n == sizeof(want_dump) && memcmp(b, want_dump, n) == 0, "RTM_GETNEIGH dump bytes");
    n = jbp_nl_build_vf_query(b, 11, 5);
    static const uint8_t want_vfs[40] = {
        40, 0, 0, 0,             /* nlmsg_len */
        18, 0,                   /* RTM_GETLINK */
        0x05, 0,                 /* NLM_F_REQUEST | NLM_F_ACK: one link, not a dump */
        11, 0, 0, 0,             /* seq */
        0, 0, 0, 0,              /* pid */
        0, 0, 0, 0,              /* ifi_family AF_UNSPEC, pad, ifi_type */
        5, 0, 0, 0,              /* ifi_index */
        0, 0, 0, 0,              /* ifi_flags */
        0, 0, 0, 0,              /* ifi_change */
        8, 0, 29, 0,             /* rta_len 8, IFLA_EXT_MASK */
        0x09, 0, 0, 0,           /* RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS */
    };
    CHECK(n == sizeof(want_vfs) && memcmp(b, want_vfs, n) == 0, "RTM_GETLINK VF query bytes (%zu)", n);
}

struct vfs_seen {
    struct jbp_vf_mac v[8];
    int n;
};

static void collect_vf(void *ctx, const struct jbp_vf_mac *v)
{
    struct vfs_seen *s = ctx;
    if (s->n < 8)
        s->v[s->n++] = *v;
}

/* The PF's VF list (IFLA_VFINFO_LIST): each VF's index and MAC; nested attributes checked like any other. */
static void netlink_parse_vf_list(void)
{
    struct answer a = { .n = 0 };
    struct vfs_seen s = { .n = 0 };
    const int vfs[2] = { 0, 7 };
    const uint64_t macs[2] = { 0x021122334450ull, 0x02aabb000007ull };
    ans_link(&a, 43, 5, 2, vfs, macs);
    CHECK(jbp_nl_parse_vfs(a.b, a.n, 43, collect_vf, &s) == 0, "more to come (the ack)");
    CHECK(s.n == 2 && s.v[0].vf == 0 && s.v[0].mac == 0x021122334450ull && s.v[1].vf == 7
              && s.v[1].mac == 0x02aabb000007ull, "VFs %d", s.n);
    ans_error(&a, 43, 0);
    s.n = 0;
    CHECK(jbp_nl_parse_vfs(a.b, a.n, 43, collect_vf, &s) == 1 && s.n == 2, "complete");
    /* An FDB parse of the same answer skips the RTM_NEWLINK and completes on the ack. */
    CHECK(jbp_nl_parse(a.b, a.n, 43, NULL, NULL) == 1, "FDB parse skips RTM_NEWLINK");
    /* Malformed nesting: an IFLA_VF_INFO longer than its list, an IFLA_VF_MAC too short for struct ifla_vf_mac. */
    a.n = 0;
    ans_link(&a, 43, 5, 2, vfs, macs);
    wr16(a.b + 16 + 28, 300);
    CHECK(jbp_nl_parse_vfs(a.b, a.n, 43, collect_vf, &s) == -EBADMSG, "VF info overruns its list");
    a.n = 0;
    ans_link(&a, 43, 5, 1, vfs, macs);
    wr16(a.b + 16 + 28 + 4, 8);
    CHECK(jbp_nl_parse_vfs(a.b, a.n, 43, collect_vf, &s) == -EBADMSG, "short IFLA_VF_MAC");
    /* Every prefix and a corrupted byte: never a crash or an over-read. */
    a.n = 0;
    ans_link(&a, 43, 5, 2, vfs, macs);
    ans_error(&a, 43, 0);
    uint32_t rng = 777;
    for (size_t cut = 0; cut <= a.n; cut++) {
        uint8_t copy[512];
        CHECK(a.n <= sizeof(copy), "copy");
        memcpy(copy, a.b, a.n);
        rng = rng * 1103515245u + 12345u;
        copy[(rng >> 8) % a.n] = (uint8_t)(rng >> 20);
        s.n = 0;
        int rc = jbp_nl_parse_vfs(copy, cut, 43, collect_vf, &s);
        CHECK(rc <= 1 && s.n <= 2, "cut %zu: rc %d", cut, rc);
    }
}

struct seen {
    struct jbp_fdb_entry e[8];
    int n;
};

static void collect(void *ctx, const struct jbp_fdb_entry *e)
{
    struct seen *s = ctx;
    if (s->n < 8)
        s->e[s->n++] = *e;
}

static void netlink_parse_answers(void)
{
    struct answer a = { .n = 0 };
    struct seen s = { .n = 0 };
    /* A dump: two entries, one for another request (skipped), then DONE. */
    ans_neigh(&a, 42, 5, NTF_SELF, NUD_PERMANENT, 0x02aabbccddeeull);
    ans_neigh(&a, 41, 6, NTF_SELF, NUD_PERMANENT, 0x0200000000ffull);
    ans_neigh(&a, 42, 7, NTF_MASTER, NUD_REACHABLE, 0x0211223344ffull);
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == 0, "more to come");
    CHECK(s.n == 2 && s.e[0].ifindex == 5 && s.e[0].mac == 0x02aabbccddeeull && s.e[0].flags == NTF_SELF
              && s.e[0].state == NUD_PERMANENT && s.e[1].ifindex == 7 && s.e[1].flags == NTF_MASTER,
          "entries %d", s.n);
    ans_done(&a, 42);
    s.n = 0;
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == 1 && s.n == 2, "done");
    /* Acknowledgements and errors. */
    a.n = 0;
    ans_error(&a, 42, 0);
    CHECK(jbp_nl_parse(a.b, a.n, 42, NULL, NULL) == 1, "ack");
    a.n = 0;
    ans_error(&a, 41, 0);
    ans_error(&a, 42, -EPERM);
    CHECK(jbp_nl_parse(a.b, a.n, 42, NULL, NULL) == -EPERM, "error of our request, after a stale ack");
    /* Malformed: a length beyond the buffer, a length below the header, an attribute overrunning its message,
     * a positive error, a truncated error. */
    a.n = 0;
    ans_neigh(&a, 42, 5, NTF_SELF, NUD_PERMANENT, 1);
    CHECK(jbp_nl_parse(a.b, a.n - 3, 42, collect, &s) == -EBADMSG, "cut short");
    wr32(a.b, 8);
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == -EBADMSG, "length below the header");
    a.n = 0;
    ans_neigh(&a, 42, 5, NTF_SELF, NUD_PERMANENT, 1);
    wr16(a.b + 16 + 12, 200);
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == -EBADMSG, "attribute overruns");
    wr16(a.b + 16 + 12, 2);
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == -EBADMSG, "attribute shorter than its header");
    a.n = 0;
    ans_error(&a, 42, 5);
    CHECK(jbp_nl_parse(a.b, a.n, 42, NULL, NULL) == -EBADMSG, "positive error");
    a.n = 0;
    msg(&a, NLMSG_ERROR, 0, 42, 2);
    CHECK(jbp_nl_parse(a.b, a.n, 42, NULL, NULL) == -EBADMSG, "truncated error");
    /* A MAC attribute of the wrong size names nothing: skipped, not delivered. */
    a.n = 0;
    ans_neigh(&a, 42, 5, NTF_SELF, NUD_PERMANENT, 1);
    wr16(a.b + 16 + 12, 8);
    s.n = 0;
    CHECK(jbp_nl_parse(a.b, a.n, 42, collect, &s) == 0 && s.n == 0, "odd-sized address skipped");
    /* Every prefix and every single-byte corruption of a valid answer: never a crash or an over-read. */
    a.n = 0;
    ans_neigh(&a, 42, 5, NTF_SELF, NUD_PERMANENT, 0x02aabbccddeeull);
    ans_done(&a, 42);
    uint32_t rng = 12345;
    for (size_t cut = 0; cut <= a.n; cut++) {
        uint8_t copy[256];
        memcpy(copy, a.b, a.n);
        rng = rng * 1103515245u + 12345u;
        copy[(rng >> 8) % a.n] = (uint8_t)(rng >> 20);
        s.n = 0;
        int rc = jbp_nl_parse(copy, cut, 42, collect, &s);
        CHECK(rc <= 1 && s.n <= 1, "cut %zu: rc %d", cut, rc);
    }
}

static void admit_open_change_close(void)
{
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    char warn[2048] = "";
    /* What an earlier run left: a crashed process's MAC (in the FDB), a record of a process that died before
     * registering (not in the FDB), a record for a netdev since recreated (ifindex 4), and a live process. */
    long gone = dead_pid();
    char st[1024];
    snprintf(st, sizeof(st), "02:00:00:00:0c:01 5 %ld 1\n02:00:00:00:0c:02 5 %ld 1\n02:00:00:00:0c:03 4 %ld 1\n"
             "garbage line\n02:00:00:00:0c:04 5 %d %llu\n", gone, gone, gone, getpid(), my_start());
    write_state(st);
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x020000000c01ull, .flags = NTF_SELF };
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x020000000c04ull, .flags = NTF_SELF };

    struct jbp_rdma_admit a;
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    CHECK(warn[0] == '\0', "no warning: %s", warn);
    CHECK(a.stale_removed == 1 && !fdb_has(5, 0x020000000c01ull) && fdb_has(5, 0x020000000c04ull),
          "the crashed process's entry removed, the live one's kept (%llu)", (unsigned long long)a.stale_removed);
    CHECK(K.n_log == 2 && K.log[0].type == RTM_DELNEIGH && K.log[1].type == RTM_DELNEIGH, "two removals tried");
    read_state(st, sizeof(st));
    CHECK(strstr(st, "0c:01") == NULL && strstr(st, "0c:02") == NULL && strstr(st, "0c:03") == NULL
              && strstr(st, "0c:04") != NULL && strstr(st, "garbage") == NULL, "state: %s", st);

    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbccddeeull, warn, sizeof(warn)) == JBP_ADMIT_ADDED, "added: %s", warn);
    CHECK(fdb_has(5, 0x02aabbccddeeull) && a.added == 1, "in the FDB");
    CHECK(K.log[K.n_log - 1].type == RTM_NEWNEIGH && K.log[K.n_log - 1].ifindex == 5, "RTM_NEWNEIGH on eth5");
    read_state(st, sizeof(st));
    char mine[64];
    snprintf(mine, sizeof(mine), "02:aa:bb:cc:dd:ee 5 %d %llu", getpid(), my_start());
    CHECK(strstr(st, mine) != NULL, "recorded: %s", st);

    /* A MAC change: the new one in before the old one goes. */
    int before = K.n_log;
    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbccdd01ull, warn, sizeof(warn)) == JBP_ADMIT_ADDED, "changed");
    CHECK(K.n_log == before + 2 && K.log[before].type == RTM_NEWNEIGH && K.log[before].mac == 0x02aabbccdd01ull
              && K.log[before + 1].type == RTM_DELNEIGH && K.log[before + 1].mac == 0x02aabbccddeeull,
          "add new, then remove old");
    CHECK(!fdb_has(5, 0x02aabbccddeeull) && fdb_has(5, 0x02aabbccdd01ull) && a.removed == 1 && a.added == 2,
          "FDB after the change");
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:aa:bb:cc:dd:ee") == NULL && strstr(st, "02:aa:bb:cc:dd:01") != NULL, "state: %s", st);

    jbp_rdma_admit_release(&a);
    CHECK(!fdb_has(5, 0x02aabbccdd01ull) && a.removed == 2 && a.failures == 0, "removed at close");
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:aa:bb:cc:dd:01") == NULL && strstr(st, "0c:04") != NULL, "state after close: %s", st);
    CHECK(warn[0] == '\0', "no warning: %s", warn);
}

static void admit_after_crash_next_open(void)
{
    /* A child process opens and dies without closing; the next open removes its MAC. */
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct jbp_rdma_admit a;
        char warn[1024] = "";
        jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
        _exit(jbp_rdma_admit_mac(&a, 0x02cccccccc01ull, warn, sizeof(warn)) == JBP_ADMIT_ADDED ? 0 : 1);
        /* no release: the crash */
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child");
    /* The child's fake kernel was its own copy: give ours what the real kernel would still hold. */
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x02cccccccc01ull, .flags = NTF_SELF };
    char st[1024];
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:cc:cc:cc:cc:01") != NULL, "the child recorded it: %s", st);
    struct jbp_rdma_admit a;
    char warn[1024] = "";
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    CHECK(a.stale_removed == 1 && !fdb_has(5, 0x02cccccccc01ull), "removed at the next open");
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:cc:cc:cc:cc:01") == NULL, "record gone: %s", st);
    jbp_rdma_admit_release(&a);
}

static void admit_refused_or_present(void)
{
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    char warn[2048] = "";
    struct jbp_rdma_admit a;
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    /* Already there (someone else's): kept at close. */
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x02aabbccddeeull, .flags = NTF_SELF };
    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbccddeeull, warn, sizeof(warn)) == JBP_ADMIT_PRESENT, "present");
    jbp_rdma_admit_release(&a);
    CHECK(fdb_has(5, 0x02aabbccddeeull) && a.removed == 0, "not ours to remove");
    char st[256];
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:aa:bb:cc:dd:ee") == NULL, "not recorded: %s", st);
    /* Refused (no CAP_NET_ADMIN): a warning with the command. */
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    K.add_errno = EPERM;
    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbcc0001ull, warn, sizeof(warn)) == JBP_ADMIT_FAILED, "failed");
    CHECK(a.error == -EPERM && a.failures == 1, "counted");
    CHECK(strstr(warn, "CAP_NET_ADMIN") != NULL && strstr(warn, "bridge fdb add 02:aa:bb:cc:00:01 dev eth5 self "
                                                                "permanent") != NULL, "warning: %s", warn);
    printf("  warning: %s\n", warn);
    read_state(st, sizeof(st));
    CHECK(strstr(st, "02:aa:bb:cc:00:01") == NULL, "no record of a failed admission: %s", st);
    jbp_rdma_admit_release(&a);
    /* No rtnetlink at all: the same warning, nothing sent. */
    struct jbp_nl broken = { .send = NULL, .recv = NULL };
    env.nl = &broken;
    warn[0] = '\0';
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbcc0001ull, warn, sizeof(warn)) == JBP_ADMIT_FAILED
              && strstr(warn, "bridge fdb add") != NULL, "%s", warn);
    jbp_rdma_admit_release(&a);
}

static void admit_warnings(void)
{
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    struct jbp_rdma_admit a;
    char warn[4096] = "";
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    struct jbp_rdma_sysfs pf = probe_ok("eth5");
    CHECK(pf.ifindex == 5 && pf.sriov_numvfs == 2 && (pf.flags & 1), "probe read ifindex, VFs, flags");
    /* A PF with VFs whose MAC registration failed: the command to register it. */
    a.state = JBP_ADMIT_FAILED;
    jbp_rdma_admit_warnings(&a, &pf, 0x02aabbccddeeull, warn, sizeof(warn));
    CHECK(strstr(warn, "SR-IOV PF with 2 VFs") != NULL && strstr(warn, "bridge fdb add 02:aa:bb:cc:dd:ee dev eth5 "
                                                                      "self permanent") != NULL, "%s", warn);
    printf("  warning: %s\n", warn);
    warn[0] = '\0';
    a.state = JBP_ADMIT_ADDED;
    jbp_rdma_admit_warnings(&a, &pf, 0x02aabbccddeeull, warn, sizeof(warn));
    CHECK(strstr(warn, "is registered in its FDB (bridge fdb show dev eth5") != NULL, "%s", warn);
    /* Down. */
    put("sys/class/net/eth5/flags", "0x1002\n");
    pf = probe_ok("eth5");
    warn[0] = '\0';
    jbp_rdma_admit_warnings(&a, &pf, 0x02aabbccddeeull, warn, sizeof(warn));
    CHECK(strstr(warn, "administratively down") != NULL && strstr(warn, "ip link set dev eth5 up") != NULL, "%s",
          warn);
    /* A PF without VFs, up: nothing to say. */
    put("sys/class/net/eth5/flags", "0x1003\n");
    put(PF "/sriov_numvfs", "0\n");
    pf = probe_ok("eth5");
    warn[0] = '\0';
    jbp_rdma_admit_warnings(&a, &pf, 0x02aabbccddeeull, warn, sizeof(warn));
    CHECK(warn[0] == '\0', "%s", warn);
    /* A VF with another MAC. */
    struct jbp_rdma_sysfs vf = probe_ok("eth5v1");
    jbp_rdma_admit_warnings(&a, &vf, 0x02aabbccddeeull, warn, sizeof(warn));
    CHECK(strstr(warn, "SR-IOV VF") != NULL && strstr(warn, "ip link set eth5 vf 1 spoofchk off trust on") != NULL,
          "%s", warn);
    warn[0] = '\0';
    jbp_rdma_admit_warnings(&a, &vf, 0x021122334455ull, warn, sizeof(warn));
    CHECK(warn[0] == '\0', "its own MAC: %s", warn);
    jbp_rdma_admit_release(&a);
}

static void guard_expect(struct jbp_rdma_admit *a, const struct jbp_rdma_sysfs *s, uint64_t mac, const char *needle)
{
    char err[1024] = "";
    int rc = jbp_rdma_mac_guard(a, s, mac, err, sizeof(err));
    if (needle == NULL) {
        CHECK(rc == 0, "%012llx refused: %s", (unsigned long long)mac, err);
        return;
    }
    CHECK(rc == -EADDRINUSE && strstr(err, needle) != NULL && strstr(err, "allow-netdev-mac = true") != NULL,
          "%012llx: rc %d, wanted \"%s\": %s", (unsigned long long)mac, rc, needle, err);
    printf("  message: %s\n", err);
}

static void guard_every_netdev(void)
{
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    struct jbp_rdma_admit a;
    char warn[1024] = "";
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    struct jbp_rdma_sysfs pf = probe_ok("eth5");
    struct jbp_rdma_sysfs vf = probe_ok("eth5v1");
    /* Netdevs of this namespace. */
    guard_expect(&a, &pf, 0xb8599f000010ull, "belongs to the Linux interface 'eth5' (its address)");
    guard_expect(&a, &pf, 0x525400123456ull, "'ens5'");
    /* Another function of the same adapter, its netdev in another namespace; a VF moved into a container. */
    guard_expect(&a, &pf, 0xb8599f000011ull, "'eth6' (its address; PCI 0000:03:00.1, on the same adapter as 'eth5'");
    guard_expect(&a, &pf, 0x021122334450ull, "'eth5v0' (its address; PCI 0000:03:00.3");
    /* From a VF: its PF's other VFs. */
    guard_expect(&a, &vf, 0x021122334450ull, "'eth5v0'");
    /* A VF that sysfs does not show (its netdev in a VM, or a namespace whose sysfs this is not): its PF lists
     * its MAC; asked of the PF itself, and from a sibling VF (its PF by name). */
    K.vf_pf = 5;
    K.vf_index[0] = 7;
    K.vf_mac[0] = 0x02aabb000007ull;
    K.n_vf = 1;
    guard_expect(&a, &pf, 0x02aabb000007ull, "SR-IOV VF 7 of 'eth5' (its MAC as the PF lists it: ip link show eth5");
    guard_expect(&a, &vf, 0x02aabb000007ull, "SR-IOV VF 7 of 'eth5'");
    K.n_vf = 0;
    /* Secondary unicast addresses: a macvlan's on veth0 (ifindex 3), and one a live jbypass registered. */
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 3, .mac = 0x02000000aa01ull, .flags = NTF_SELF };
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 9, .mac = 0x02000000aa02ull, .flags = NTF_SELF };
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x02000000aa03ull, .flags = NTF_MASTER };
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x01005e000001ull, .flags = NTF_SELF };
    guard_expect(&a, &pf, 0x02000000aa01ull, "'veth0' (a secondary unicast address in its FDB: a macvlan");
    guard_expect(&a, &pf, 0x02000000aa02ull, "with ifindex 9 (a secondary unicast address in its FDB");
    guard_expect(&a, &pf, 0x02000000aa03ull, NULL); /* a bridge's learned entry: a remote host's */
    char st[128];
    snprintf(st, sizeof(st), "02:00:00:00:aa:04 5 %d %llu\n", getpid(), my_start());
    write_state(st);
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x02000000aa04ull, .flags = NTF_SELF };
    guard_expect(&a, &pf, 0x02000000aa04ull, "jbypass process");
    /* Free MACs, and this port's own admission (a MAC change back and forth). */
    guard_expect(&a, &pf, 0x02aabbccddeeull, NULL);
    CHECK(jbp_rdma_admit_mac(&a, 0x02aabbccddeeull, warn, sizeof(warn)) == JBP_ADMIT_ADDED, "%s", warn);
    guard_expect(&a, &pf, 0x02aabbccddeeull, NULL);
    jbp_rdma_admit_release(&a);
    /* Without rtnetlink the sysfs checks still hold. */
    struct jbp_nl broken = { .send = NULL, .recv = NULL };
    env.nl = &broken;
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    guard_expect(&a, &pf, 0xb8599f000011ull, "'eth6'");
    jbp_rdma_admit_release(&a);
}

/*
 * Multicast MACs (IPv6's all-nodes and solicited-node groups, IPv4 groups) registered in the netdev's FDB as the
 * stack joins them, so that the embedded switch of a VF or a PF with VFs forwards them: a new one added and
 * recorded, one the netdev had (the kernel's own all-nodes group) used and left there, each withdrawn when left or
 * at release; a refusal warns with both commands and does not fail; beyond the table, a warning; a crashed
 * process's group removed at the next open.
 */
static void admit_multicast_groups(void)
{
    struct jbp_nl nl = fake_nl();
    struct jbp_rdma_admit_env env = env_for(&nl);
    char warn[2048] = "";
    const uint64_t all_nodes = 0x333300000001ull, solicited = 0x3333ff00000bull;
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = all_nodes, .flags = NTF_SELF };
    struct jbp_rdma_admit a;
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    CHECK(jbp_rdma_admit_group(&a, all_nodes, 1, warn, sizeof(warn)) == 0, "all-nodes: %s", warn);
    CHECK(jbp_rdma_admit_group(&a, solicited, 1, warn, sizeof(warn)) == 0, "solicited-node: %s", warn);
    CHECK(K.n_log == 2 && K.log[1].type == RTM_NEWNEIGH && K.log[1].mac == solicited && K.log[1].ifindex == 5,
          "RTM_NEWNEIGH for each");
    CHECK(fdb_has(5, solicited) && a.added == 1 && a.n_groups == 2, "one added, one present");
    CHECK(jbp_rdma_admit_group(&a, solicited, 1, warn, sizeof(warn)) == 0 && K.n_log == 2, "a second join: nothing");
    char st[1024], mine[64];
    read_state(st, sizeof(st));
    snprintf(mine, sizeof(mine), "33:33:ff:00:00:0b 5 %d %llu", getpid(), my_start());
    CHECK(strstr(st, mine) != NULL && strstr(st, "33:33:00:00:00:01") == NULL, "recorded: %s", st);
    CHECK(jbp_rdma_admit_group(&a, all_nodes, 0, warn, sizeof(warn)) == 0 && K.n_log == 2, "present: left there");
    CHECK(fdb_has(5, all_nodes), "the kernel's own group stays");
    CHECK(jbp_rdma_admit_group(&a, all_nodes, 0, warn, sizeof(warn)) == -ENOENT, "never joined");
    /* The table's bound: a warning naming allmulticast, the join not failed by the caller. */
    int refused = 0;
    for (uint64_t g = 0; g < JBP_ADMIT_MAX_GROUPS; g++)
        refused += jbp_rdma_admit_group(&a, 0x01005e000100ull + g, 1, warn, sizeof(warn)) == -ENOSPC;
    CHECK(refused == 1 && a.n_groups == JBP_ADMIT_MAX_GROUPS && strstr(warn, "allmulticast on") != NULL, "%s", warn);
    jbp_rdma_admit_release(&a);
    CHECK(!fdb_has(5, solicited) && !fdb_has(5, 0x01005e000100ull) && fdb_has(5, all_nodes) && a.n_groups == 0,
          "ours removed at release, the kernel's kept");
    read_state(st, sizeof(st));
    CHECK(strstr(st, "33:33") == NULL && strstr(st, "01:00:5e") == NULL, "state after release: %s", st);

    /* Refused (no CAP_NET_ADMIN): counted, a warning with both ways out, nothing recorded. */
    warn[0] = '\0';
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    K.add_errno = EPERM;
    CHECK(jbp_rdma_admit_group(&a, solicited, 1, warn, sizeof(warn)) == -EPERM && a.failures == 1, "refused");
    CHECK(strstr(warn, "bridge fdb add 33:33:ff:00:00:0b dev eth5 self permanent") != NULL
              && strstr(warn, "ip link set dev eth5 allmulticast on") != NULL && strstr(warn, "CAP_NET_ADMIN") != NULL,
          "warning: %s", warn);
    K.add_errno = 0;
    jbp_rdma_admit_release(&a);

    /* A crashed process's group: removed at the next open. */
    long gone = dead_pid();
    snprintf(st, sizeof(st), "33:33:ff:00:00:0c 5 %ld 1\n", gone);
    write_state(st);
    K.fdb[K.n_fdb++] = (struct fdb){ .ifindex = 5, .mac = 0x3333ff00000cull, .flags = NTF_SELF };
    warn[0] = '\0';
    jbp_rdma_admit_init(&a, &env, "eth5", 5, warn, sizeof(warn));
    CHECK(!fdb_has(5, 0x3333ff00000cull) && a.stale_removed == 1, "stale group removed");
    jbp_rdma_admit_release(&a);
}

/*
 * The real kernel turns an NTF_SELF FDB entry on a multicast MAC into the netdev's multicast list (rtnl_fdb_add,
 * ndo_dflt_fdb_add, dev_mc_add_excl), which mlx5_core gives the function's vport: checked on a veth in a
 * network namespace of its own (/proc/net/dev_mcast lists it, then no longer after the removal).
 */
static int mcast_listed(const char *ifname, const char *hex)
{
    FILE *f = fopen("/proc/net/dev_mcast", "r");
    CHECK(f != NULL, "/proc/net/dev_mcast");
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        found |= strstr(line, ifname) != NULL && strstr(line, hex) != NULL;
    fclose(f);
    return found;
}

static void netlink_real_multicast_list(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        if (unshare(CLONE_NEWNET) != 0) {
            printf("skipped: unshare(CLONE_NEWNET): %s (needs root)\n", strerror(errno));
            fflush(stdout);
            _exit(77);
        }
        if (system("ip link add jbpmc0 type veth peer name jbpmc1 2>/dev/null && ip link set jbpmc0 up") != 0) {
            printf("skipped: cannot create a veth pair (ip, the veth module)\n");
            fflush(stdout);
            _exit(77);
        }
        int ifindex = (int)if_nametoindex("jbpmc0");
        CHECK(ifindex > 0, "ifindex");
        struct jbp_nl nl;
        CHECK(jbp_nl_open(&nl) == 0, "rtnetlink");
        CHECK(!mcast_listed("jbpmc0", "3333ff00000b"), "not joined yet");
        int rc = jbp_nl_fdb_modify(&nl, 1, ifindex, 0x3333ff00000bull);
        CHECK(rc == 0, "add: %s", strerror(-rc));
        CHECK(mcast_listed("jbpmc0", "3333ff00000b"), "in the multicast list");
        CHECK(jbp_nl_fdb_modify(&nl, 1, ifindex, 0x3333ff00000bull) == -EEXIST, "a second add: EEXIST");
        rc = jbp_nl_fdb_modify(&nl, 0, ifindex, 0x3333ff00000bull);
        CHECK(rc == 0, "del: %s", strerror(-rc));
        CHECK(!mcast_listed("jbpmc0", "3333ff00000b"), "gone from the multicast list");
        jbp_nl_close(&nl);
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child");
    if (WEXITSTATUS(status) == 77)
        exit(77);
    CHECK(WEXITSTATUS(status) == 0, "the child's checks failed");
}

static void netlink_real_socket_dump(void)
{
    /* The real kernel: a dump of this namespace's FDB parses (whatever it holds), with no privilege needed. */
    struct jbp_nl nl;
    int rc = jbp_nl_open(&nl);
    if (rc < 0) {
        printf("skipped: cannot open rtnetlink: %s\n", strerror(-rc));
        exit(77);
    }
    struct seen s = { .n = 0 };
    rc = jbp_nl_fdb_dump(&nl, collect, &s);
    CHECK(rc == 0, "dump: %s", strerror(-rc));
    printf("  %d FDB entries (first 8 kept)\n", s.n);
    /* A removal of an address no netdev has: the kernel answers (ENOENT, or EPERM/EOPNOTSUPP), never silence. */
    rc = jbp_nl_fdb_modify(&nl, 0, 1, 0x02fefefefefeull);
    CHECK(rc < 0 && rc != -ETIMEDOUT && rc != -EBADMSG, "an answer: %d", rc);
    /* The VF query of a link without VFs (lo): the kernel takes the request and its answer parses, no VF in it. */
    struct vfs_seen v = { .n = 0 };
    rc = jbp_nl_vf_macs(&nl, 1, collect_vf, &v);
    CHECK(rc == 0 && v.n == 0, "VF query of lo: %d, %d VFs", rc, v.n);
    jbp_nl_close(&nl);
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define CASE(x) { #x, x }
    CASE(netlink_request_bytes),
    CASE(netlink_parse_answers),
    CASE(netlink_parse_vf_list),
    CASE(netlink_real_socket_dump),
    CASE(netlink_real_multicast_list),
    CASE(admit_multicast_groups),
    CASE(admit_open_change_close),
    CASE(admit_after_crash_next_open),
    CASE(admit_refused_or_present),
    CASE(admit_warnings),
    CASE(guard_every_netdev),
#undef CASE
};

int main(int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0) {
            make_tree();
            cases[i].fn();
            remove_tree();
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
