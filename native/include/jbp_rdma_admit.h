/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stack's MAC on a ConnectX port: admitted by the adapter's embedded switch, and never a Linux netdev's.
 *
 * Admission. The embedded switch of a VF, of a PF with SR-IOV enabled, or of a PF behind the multi-PF switch
 * forwards unicast only to MACs a driver registered for that function; flow rules only steer what arrived. So
 * the MAC is added to the netdev's own FDB (its unicast list, jbp_rdma_netlink.h) when the port opens and
 * removed when it closes. A process that dies in between leaves it there: every admission is recorded in a
 * state file (STATE_DIR/rdma-fdb-IFNAME, one line "MAC IFINDEX PID STARTTIME" each, under flock), and the next
 * open on that netdev removes the entries of processes that no longer run. The state directory defaults to
 * /run/jbypass, a tmpfs that a reboot clears together with the FDB.
 *
 * The guard. Whoever installs flow rules can take any MAC's traffic; a MAC that the host already uses is refused
 * unless allowed: the address of any netdev of this network namespace, of any netdev of another function of the
 * same adapter (other ports, the PF's VFs, a VF's PF and siblings: sysfs), and any secondary unicast address of
 * a netdev (its FDB: a macvlan's address on its lower device, another program's registration, another jbypass
 * process). The message names the netdev that owns the MAC.
 *
 * Multicast MACs (jbp_rdma_admit_group). The same switch forwards a multicast MAC to a VF, or to a PF with SR-IOV,
 * only when it is in that function's multicast list (or the function is in allmulti): the port's multicast copy
 * rule sees nothing else. So the MACs of the groups the stack joins (IPv6's all-nodes and solicited-node groups
 * for NDP, IPv4 groups) are registered the same way: an FDB entry with NTF_SELF on a multicast MAC, which the
 * kernel's default ndo_fdb_add puts in the netdev's multicast list (dev_mc_add_excl) and mlx5_core in the
 * function's vport context. One the netdev has already (the kernel's own groups) is used and left there. Recorded
 * in the same state file, so a crash's leftovers are removed at the next open.
 *
 * Open-time warnings, each with the command that fixes it: the netdev is administratively down (the port then
 * reports DOWN), a PF has SR-IOV VFs enabled (only registered MACs reach it), a VF's MAC is not the stack's.
 */
#ifndef JBP_RDMA_ADMIT_H
#define JBP_RDMA_ADMIT_H

#include <stddef.h>
#include <stdint.h>

#include "jbp_rdma_netlink.h"
#include "jbp_rdma_sysfs.h"

/* The state of the stack's MAC in the netdev's FDB (status word JBP_ST_MAC_ADMISSION). */
enum jbp_admit_state {
    JBP_ADMIT_NONE = 0,    /* not attempted (not open) */
    JBP_ADMIT_ADDED = 1,   /* added by this port; removed at close */
    JBP_ADMIT_PRESENT = 2, /* the netdev had it already (EEXIST): left there at close */
    JBP_ADMIT_FAILED = 3,  /* the kernel refused it: see the warning and JBP_ST_MAC_ADMIT_ERRNO */
};

#define JBP_ADMIT_MAX_GROUPS 64 /* multicast MACs registered at most; beyond, the copy rule alone */

struct jbp_rdma_admit_env {
    const char *sys_root;  /* "/sys" */
    const char *state_dir; /* "/run/jbypass" when NULL */
    const char *proc_root; /* "/proc" when NULL */
    struct jbp_nl *nl;     /* a test's fake; NULL opens rtnetlink */
};

struct jbp_rdma_admit {
    struct jbp_nl own_nl;
    struct jbp_nl *nl;     /* NULL when rtnetlink could not be opened */
    int nl_error;
    char sys_root[256];
    char proc_root[128];
    char state_path[512];
    char ifname[64];
    int ifindex;
    uint64_t mac;
    int state;             /* enum jbp_admit_state */
    int error;             /* -errno of the last failed admission, else 0 */
    uint64_t added;        /* FDB entries added */
    uint64_t removed;      /* FDB entries removed by this port (close, MAC change) */
    uint64_t stale_removed; /* entries of dead processes removed at open */
    uint64_t failures;     /* admissions or removals the kernel refused */
    int n_groups;
    struct jbp_admit_group {
        uint64_t mac;
        int added;         /* 1: this port added it (removed when left or at release); 0: present already */
    } groups[JBP_ADMIT_MAX_GROUPS];
};

/* Opens rtnetlink (or takes env->nl) and removes what crashed jbypass processes left in the FDB of the netdev.
 * Problems are not fatal: they are described in warn. Returns 0. */
int jbp_rdma_admit_init(struct jbp_rdma_admit *a, const struct jbp_rdma_admit_env *env, const char *ifname,
                        int ifindex, char *warn, size_t wlen);

/* The guard: 0 when `mac` belongs to no netdev of this host, else -EADDRINUSE with a message naming the owner. */
int jbp_rdma_mac_guard(struct jbp_rdma_admit *a, const struct jbp_rdma_sysfs *s, uint64_t mac, char *err,
                       size_t len);

/* Admits `mac` (then removes the previous MAC this port admitted). Failures only warn. Returns the new state. */
int jbp_rdma_admit_mac(struct jbp_rdma_admit *a, uint64_t mac, char *warn, size_t wlen);

/* Registers (join != 0) or withdraws a multicast MAC in the netdev's FDB, i.e. its multicast list (see above).
 * Failures only warn and count (a PF without SR-IOV needs none): returns 0 when the MAC is registered or was
 * already there, else -errno; the caller's join does not fail on it. */
int jbp_rdma_admit_group(struct jbp_rdma_admit *a, uint64_t mac, int join, char *warn, size_t wlen);
/* Removes what this port admitted (its MAC and its multicast MACs) and closes rtnetlink. */
void jbp_rdma_admit_release(struct jbp_rdma_admit *a);

/* The open-time warnings (netdev down, SR-IOV PF, VF MAC) for a netdev and the stack's MAC, appended to warn. */
void jbp_rdma_admit_warnings(const struct jbp_rdma_admit *a, const struct jbp_rdma_sysfs *s, uint64_t mac,
                             char *warn, size_t wlen);

/* "aa:bb:cc:dd:ee:ff" into out (18 bytes). */
void jbp_rdma_format_mac(uint64_t mac, char *out);

#endif
