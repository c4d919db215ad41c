/* SPDX-License-Identifier: Apache-2.0 */
/* The stack's MAC admitted by the embedded switch, and the netdev-MAC guard: see jbp_rdma_admit.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jbp_rdma_admit.h"

#define STATE_MAX_RECORDS 256 /* lines of a state file read at most: a bound, not an expectation */

struct record {
    uint64_t mac;
    int ifindex;
    long pid;
    unsigned long long start; /* the process's start time (proc(5) /proc/PID/stat field 22): pids are reused */
};

void jbp_rdma_format_mac(uint64_t mac, char *out)
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff, (unsigned)(mac >> 32) & 0xff,
             (unsigned)(mac >> 24) & 0xff, (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff,
             (unsigned)mac & 0xff);
}

static void __attribute__((format(printf, 3, 4))) append(char *buf, size_t len, const char *f, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf + used, len - used, f, ap);
    va_end(ap);
}

/* ---- process identity ---- */

static unsigned long long start_time(const char *proc_root, long pid)
{
    char path[256], buf[1024];
    snprintf(path, sizeof(path), "%s/%ld/stat", proc_root, pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: fields are counted from the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    p++;
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p + 1, ' ');
    }
    return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

static int alive(const struct jbp_rdma_admit *a, const struct record *r)
{
    unsigned long long st = start_time(a->proc_root, r->pid);
    return st != 0 && st == r->start;
}

/* ---- the state file ---- */

static int state_open(const struct jbp_rdma_admit *a)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", a->state_path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return -errno;
    }
    int fd = open(a->state_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int state_read(int fd, struct record *r, int max)
{
    char buf[STATE_MAX_RECORDS * 64];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    int count = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line != NULL && count < max; line = strtok_r(NULL, "\n", &save)) {
        char mac[32];
        struct record x;
        /* A malformed line (a torn write, an edit by hand) is dropped: it names nothing we could remove. */
        if (sscanf(line, "%31s %d %ld %llu", mac, &x.ifindex, &x.pid, &x.start) == 4
            && jbp_rdma_parse_mac(mac, &x.mac) == 0 && x.pid > 0)
            r[count++] = x;
    }
    return count;
}

static int state_write(int fd, const struct record *r, int n)
{
    char buf[STATE_MAX_RECORDS * 64];
    size_t used = 0;
    for (int i = 0; i < n; i++) {
        char mac[18];
        jbp_rdma_format_mac(r[i].mac, mac);
        int w = snprintf(buf + used, sizeof(buf) - used, "%s %d %ld %llu\n", mac, r[i].ifindex, r[i].pid,
                         r[i].start);
        if (w < 0 || (size_t)w >= sizeof(buf) - used)
            break;
        used += (size_t)w;
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, used, 0) != (ssize_t)used)
        return -errno;
    return 0;
}

static struct record self_record(const struct jbp_rdma_admit *a, uint64_t mac)
{
    long pid = (long)getpid();
    return (struct record){ .mac = mac, .ifindex = a->ifindex, .pid = pid, .start = start_time(a->proc_root, pid) };
}

/* Adds (add = 1) or removes (add = 0) this process's record of `mac`. */
static int state_update(const struct jbp_rdma_admit *a, uint64_t mac, int add)
{
    int fd = state_open(a);
    if (fd < 0)
        return fd;
    struct record r[STATE_MAX_RECORDS + 1];
    int n = state_read(fd, r, STATE_MAX_RECORDS);
    int rc = n;
    if (n >= 0) {
        struct record me = self_record(a, mac);
        int kept = 0;
        for (int i = 0; i < n; i++)
            if (!(r[i].mac == mac && r[i].pid == me.pid && r[i].ifindex == me.ifindex))
                r[kept++] = r[i];
        if (add && kept < STATE_MAX_RECORDS)
            r[kept++] = me;
        rc = state_write(fd, r, kept);
    }
    close(fd);
    return rc;
}

/* ---- admission ---- */

static void recover_stale(struct jbp_rdma_admit *a, char *warn, size_t wlen)
{
    int fd = state_open(a);
    if (fd < 0) {
        append(warn, wlen, "cannot use %s (%s): a MAC this process registers with '%s' stays there if it "
               "crashes. ", a->state_path, strerror(-fd), a->ifname);
        return;
    }
    struct record r[STATE_MAX_RECORDS];
    int n = state_read(fd, r, STATE_MAX_RECORDS);
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (alive(a, &r[i])) {
            r[kept++] = r[i];
            continue;
        }
        if (r[i].ifindex != a->ifindex)
            continue; /* the netdev was recreated since: its FDB went with it */
        int rc = a->nl != NULL ? jbp_nl_fdb_modify(a->nl, 0, a->ifindex, r[i].mac) : -ENOTCONN;
        if (rc == 0 || rc == -ENOENT) {
            /* ENOENT: the process died between recording and registering, or someone removed it. */
            if (rc == 0)
                a->stale_removed++;
            continue;
        }
        char mac[18];
        jbp_rdma_format_mac(r[i].mac, mac);
        a->failures++;
        append(warn, wlen, "MAC %s, registered with '%s' by jbypass process %ld which no longer runs, could not be "
               "removed (%s): bridge fdb del %s dev %s self. ", mac, a->ifname, r[i].pid, strerror(-rc), mac,
               a->ifname);
        r[kept++] = r[i];
    }
    if (n >= 0 && kept != n)
        state_write(fd, r, kept);
    close(fd);
}

int jbp_rdma_admit_init(struct jbp_rdma_admit *a, const struct jbp_rdma_admit_env *env, const char *ifname,
                        int ifindex, char *warn, size_t wlen)
{
    memset(a, 0, sizeof(*a));
    a->own_nl.fd = -1;
    snprintf(a->sys_root, sizeof(a->sys_root), "%s", env->sys_root != NULL ? env->sys_root : "/sys");
    snprintf(a->proc_root, sizeof(a->proc_root), "%s", env->proc_root != NULL ? env->proc_root : "/proc");
    snprintf(a->state_path, sizeof(a->state_path), "%s/rdma-fdb-%s",
             env->state_dir != NULL ? env->state_dir : "/run/jbypass", ifname);
    snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
    a->ifindex = ifindex;
    if (env->nl != NULL) {
        a->nl = env->nl;
    } else if ((a->nl_error = jbp_nl_open(&a->own_nl)) == 0) {
        a->nl = &a->own_nl;
    } else {
        append(warn, wlen, "cannot open rtnetlink (%s): the MAC is not registered with '%s' and its FDB is not "
               "checked. ", strerror(-a->nl_error), ifname);
    }
    if (ifindex <= 0) {
        append(warn, wlen, "the ifindex of '%s' is unknown: its FDB is left alone. ", ifname);
        return 0;
    }
    recover_stale(a, warn, wlen);
    return 0;
}

int jbp_rdma_admit_mac(struct jbp_rdma_admit *a, uint64_t mac, char *warn, size_t wlen)
{
    char text[18];
    jbp_rdma_format_mac(mac, text);
    if (mac == a->mac && (a->state == JBP_ADMIT_ADDED || a->state == JBP_ADMIT_PRESENT))
        return a->state;
    uint64_t old = a->mac;
    int old_state = a->state;
    int rc;
    if (a->nl == NULL || a->ifindex <= 0) {
        rc = a->nl == NULL ? a->nl_error : -ENODEV;
    } else {
        /* Recorded before it is registered: a crash in between leaves a record of nothing (removed as ENOENT),
         * never an entry without a record. */
        int st = state_update(a, mac, 1);
        if (st < 0)
            append(warn, wlen, "cannot record MAC %s in %s (%s): if this process crashes, remove it with bridge fdb "
                   "del %s dev %s self. ", text, a->state_path, strerror(-st), text, a->ifname);
        rc = jbp_nl_fdb_modify(a->nl, 1, a->ifindex, mac);
        if (rc != 0)
            state_update(a, mac, 0);
    }
    a->mac = mac;
    if (rc == 0) {
        a->state = JBP_ADMIT_ADDED;
        a->error = 0;
        a->added++;
    } else if (rc == -EEXIST) {
        a->state = JBP_ADMIT_PRESENT; /* someone else's: theirs to remove */
        a->error = 0;
    } else {
        a->state = JBP_ADMIT_FAILED;
        a->error = rc;
        a->failures++;
        append(warn, wlen, "registering MAC %s in the FDB of '%s' failed (%s%s): on an SR-IOV VF, a PF with VFs, "
               "or a multi-host adapter the embedded switch then forwards no unicast frame to it (ARP requests "
               "leave, replies never come back). Register it: bridge fdb add %s dev %s self permanent. ", text,
               a->ifname, strerror(-rc), rc == -EPERM ? ": it needs CAP_NET_ADMIN" : "", text, a->ifname);
    }
    if (old_state == JBP_ADMIT_ADDED && old != mac) {
        int del = jbp_nl_fdb_modify(a->nl, 0, a->ifindex, old);
        if (del == 0 || del == -ENOENT) {
            a->removed += del == 0;
            state_update(a, old, 0);
        } else {
            char o[18];
            jbp_rdma_format_mac(old, o);
            a->failures++;
            append(warn, wlen, "removing the previous MAC %s from the FDB of '%s' failed (%s): bridge fdb del %s "
                   "dev %s self. ", o, a->ifname, strerror(-del), o, a->ifname);
        }
    }
    return a->state;
}

/* The embedded switch's multicast list for this function (jbp_rdma_admit.h, "Multicast MACs"). */
int jbp_rdma_admit_group(struct jbp_rdma_admit *a, uint64_t mac, int join, char *warn, size_t wlen)
{
    char text[18];
    jbp_rdma_format_mac(mac, text);
    int i = 0;
    while (i < a->n_groups && a->groups[i].mac != mac)
        i++;
    if (!join) {
        if (i == a->n_groups)
            return -ENOENT;
        struct jbp_admit_group g = a->groups[i];
        a->groups[i] = a->groups[--a->n_groups];
        if (!g.added || a->nl == NULL)
            return 0;
        int rc = jbp_nl_fdb_modify(a->nl, 0, a->ifindex, mac);
        if (rc == 0 || rc == -ENOENT) {
            a->removed += rc == 0;
            state_update(a, mac, 0);
            return 0;
        }
        a->failures++;
        append(warn, wlen, "removing multicast MAC %s from the FDB of '%s' failed (%s): bridge fdb del %s dev %s "
               "self. ", text, a->ifname, strerror(-rc), text, a->ifname);
        return rc;
    }
    if (i < a->n_groups)
        return 0;
    if (a->n_groups == JBP_ADMIT_MAX_GROUPS) {
        a->failures++;
        append(warn, wlen, "multicast MAC %s not registered in the FDB of '%s': %d are already; on an SR-IOV VF "
               "or a PF with VFs, frames to it reach the port only in allmulti mode: ip link set dev %s allmulticast "
               "on. ", text, a->ifname, JBP_ADMIT_MAX_GROUPS, a->ifname);
        return -ENOSPC;
    }
    int rc;
    if (a->nl == NULL || a->ifindex <= 0) {
        rc = a->nl == NULL ? a->nl_error : -ENODEV;
    } else {
        /* Recorded first, as the unicast MAC is: a crash leaves a record of nothing, never an orphan entry. */
        state_update(a, mac, 1);
        rc = jbp_nl_fdb_modify(a->nl, 1, a->ifindex, mac);
        if (rc != 0)
            state_update(a, mac, 0);
    }
    if (rc == 0 || rc == -EEXIST) {
        a->groups[a->n_groups++] = (struct jbp_admit_group){ .mac = mac, .added = rc == 0 };
        a->added += rc == 0;
        return 0;
    }
    a->failures++;
    append(warn, wlen, "registering multicast MAC %s in the FDB of '%s' failed (%s%s): on an SR-IOV VF or a PF with "
           "VFs the embedded switch then forwards no frame for it (IPv6 neighbour discovery needs the solicited-node "
           "groups). Register it: bridge fdb add %s dev %s self permanent, or ip link set dev %s allmulticast on. ",
           text, a->ifname, strerror(-rc), rc == -EPERM ? ": it needs CAP_NET_ADMIN" : "", text, a->ifname,
           a->ifname);
    return rc;
}

void jbp_rdma_admit_release(struct jbp_rdma_admit *a)
{
    while (a->n_groups > 0) {
        /* One the kernel refuses to remove stays recorded: the next open, after this process, removes it. */
        char ignored[8] = "";
        (void)jbp_rdma_admit_group(a, a->groups[a->n_groups - 1].mac, 0, ignored, sizeof(ignored));
    }
    if (a->state == JBP_ADMIT_ADDED && a->nl != NULL) {
        int rc = jbp_nl_fdb_modify(a->nl, 0, a->ifindex, a->mac);
        if (rc == 0 || rc == -ENOENT) {
            a->removed += rc == 0;
            state_update(a, a->mac, 0);
        } else {
            /* Left recorded: the next open on this netdev, after this process is gone, removes it. */
            a->failures++;
        }
    }
    a->state = JBP_ADMIT_NONE;
    if (a->nl == &a->own_nl)
        jbp_nl_close(&a->own_nl);
    a->nl = NULL;
}

/* ---- the guard ---- */

struct fdb_search {
    uint64_t mac;
    int skip_ifindex; /* this port's own admission, when it holds the MAC */
    int found;
    int ifindex;
};

static void fdb_match(void *ctx, const struct jbp_fdb_entry *e)
{
    struct fdb_search *s = ctx;
    /* A netdev's own address list: NTF_SELF entries, permanent (ndo_dflt_fdb_dump). Bridges' learned entries
     * (NTF_MASTER) name remote hosts, not this one. */
    if (s->found || e->mac != s->mac || !(e->flags & NTF_SELF) || !(e->state & NUD_PERMANENT)
        || e->ifindex == s->skip_ifindex)
        return;
    s->found = 1;
    s->ifindex = e->ifindex;
}

/* The live jbypass process that recorded `mac` on this netdev, or 0. */
static long recorded_by(const struct jbp_rdma_admit *a, uint64_t mac)
{
    int fd = state_open(a);
    if (fd < 0)
        return 0;
    struct record r[STATE_MAX_RECORDS];
    int n = state_read(fd, r, STATE_MAX_RECORDS);
    close(fd);
    for (int i = 0; i < n; i++)
        if (r[i].mac == mac && r[i].ifindex == a->ifindex && alive(a, &r[i]))
            return r[i].pid;
    return 0;
}

struct vf_search {
    uint64_t mac;
    int vf; /* the VF that has it, or -1 */
};

static void vf_match(void *ctx, const struct jbp_vf_mac *v)
{
    struct vf_search *q = ctx;
    if (q->vf < 0 && v->mac == q->mac)
        q->vf = v->vf;
}

/* /sys/class/net/IF/ifindex, or 0. */
static int ifindex_of(const char *sys_root, const char *ifname)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/class/net/%s/ifindex", sys_root, ifname);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int ifindex = 0;
    if (fscanf(f, "%d", &ifindex) != 1)
        ifindex = 0;
    fclose(f);
    return ifindex;
}

int jbp_rdma_mac_guard(struct jbp_rdma_admit *a, const struct jbp_rdma_sysfs *s, uint64_t mac, char *err,
                       size_t len)
{
    char text[18], owner[64], pci[64], where[512];
    jbp_rdma_format_mac(mac, text);
    where[0] = '\0';
    if (jbp_rdma_sysfs_mac_owner(a->sys_root, mac, owner, sizeof(owner))) {
        snprintf(where, sizeof(where), "belongs to the Linux interface '%s' (its address)", owner);
    } else if (jbp_rdma_sysfs_mac_owner_pci(a->sys_root, s->dev_path, mac, owner, sizeof(owner), pci, sizeof(pci))) {
        snprintf(where, sizeof(where), "belongs to the Linux interface '%s' (its address; PCI %s, on the same "
                 "adapter as '%s', perhaps in another network namespace)", owner, pci, s->ifname);
    }
    /* The PF's list of its VFs' MACs (IFLA_VFINFO_LIST): a VF whose netdev is in another namespace, or that is
     * bound to vfio for a VM, shows no netdev in this namespace's sysfs, but its PF names its MAC. */
    const char *pf = s->is_vf ? s->pf_ifname : s->ifname;
    int pf_ifindex = s->is_vf ? (pf[0] != '\0' ? ifindex_of(a->sys_root, pf) : 0) : s->ifindex;
    if (where[0] == '\0' && a->nl != NULL && pf_ifindex > 0 && (s->is_vf || s->sriov_numvfs > 0)) {
        struct vf_search q = { .mac = mac, .vf = -1 };
        if (jbp_nl_vf_macs(a->nl, pf_ifindex, vf_match, &q) == 0 && q.vf >= 0)
            snprintf(where, sizeof(where), "belongs to SR-IOV VF %d of '%s' (its MAC as the PF lists it: ip link "
                     "show %s; the VF's netdev is in another network namespace or a VM)", q.vf, pf, pf);
    }
    if (where[0] == '\0' && a->nl != NULL) {
        int own = mac == a->mac && a->state == JBP_ADMIT_ADDED;
        struct fdb_search q = { .mac = mac, .skip_ifindex = own ? a->ifindex : -1 };
        if (jbp_nl_fdb_dump(a->nl, fdb_match, &q) == 0 && q.found) {
            long pid = q.ifindex == a->ifindex ? recorded_by(a, mac) : 0;
            if (!jbp_rdma_sysfs_ifname_of(a->sys_root, q.ifindex, owner, sizeof(owner)))
                snprintf(where, sizeof(where), "belongs to the Linux interface with ifindex %d (a secondary unicast "
                         "address in its FDB; bridge fdb show | grep %s)", q.ifindex, text);
            else if (pid > 0)
                snprintf(where, sizeof(where), "belongs to the Linux interface '%s': jbypass process %ld registered "
                         "it there", owner, pid);
            else
                snprintf(where, sizeof(where), "belongs to the Linux interface '%s' (a secondary unicast address in "
                         "its FDB: a macvlan on it, or a program registered it; bridge fdb show dev %s)", owner,
                         owner);
        }
    }
    if (where[0] == '\0')
        return 0;
    snprintf(err, len, "MAC %s %s: steering it to jbypass would take that traffic away from the kernel. Choose "
             "another MAC, or set allow-netdev-mac = true if that is what "
             "you want (an SR-IOV VF used by jbypass alone)", text, where);
    return -EADDRINUSE;
}

/* ---- warnings ---- */

void jbp_rdma_admit_warnings(const struct jbp_rdma_admit *a, const struct jbp_rdma_sysfs *s, uint64_t mac,
                             char *warn, size_t wlen)
{
    char ours[18], theirs[18];
    jbp_rdma_format_mac(mac, ours);
    jbp_rdma_format_mac(s->mac, theirs);
    if (s->flags != 0 && !(s->flags & IFF_UP))
        append(warn, wlen, "'%s' is administratively down, so its port reports DOWN and no frame flows: ip link "
               "set dev %s up. ", s->ifname, s->ifname);
    if (!s->is_vf && s->sriov_numvfs > 0) {
        if (a->state == JBP_ADMIT_ADDED || a->state == JBP_ADMIT_PRESENT)
            append(warn, wlen, "'%s' (PCI %s) is an SR-IOV PF with %d VFs: its embedded switch forwards to the PF "
                   "only registered unicast MACs; %s is registered in its FDB (bridge fdb show dev %s | grep %s). ",
                   s->ifname, s->pci, s->sriov_numvfs, ours, s->ifname, ours);
        else
            append(warn, wlen, "'%s' (PCI %s) is an SR-IOV PF with %d VFs: its embedded switch forwards to the PF "
                   "only registered unicast MACs, and %s is not registered, so unicast to jbypass is dropped: "
                   "bridge fdb add %s dev %s self permanent (or disable the VFs: echo 0 > "
                   "/sys/class/net/%s/device/sriov_numvfs). ", s->ifname, s->pci, s->sriov_numvfs, ours, ours,
                   s->ifname, s->ifname);
    }
    if (s->is_vf && s->mac != mac)
        append(warn, wlen, "'%s' is an SR-IOV VF (PCI %s) with MAC %s, and jbypass sends from %s: the PF's spoof "
               "check drops such frames and the embedded switch delivers nothing to %s unless the VF is trusted. "
               "Either use the VF's MAC (mac = %s with allow-netdev-mac = true) or, on the host, ip link set %s vf "
               "%d spoofchk off trust on. ", s->ifname, s->pci, theirs, ours, ours, theirs,
               s->pf_ifname[0] ? s->pf_ifname : "<pf>", s->vf_index);
}
