/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a Linux netdev to its RDMA device, through sysfs, with the diagnosis users need when that fails: no such
 * interface, not a ConnectX function, mlx5_ib or ib_uverbs not loaded, /dev/infiniband/uverbsN missing (a
 * container) or not accessible, and what an SR-IOV VF implies. The roots are parameters so that tests run the
 * diagnosis on a fake tree.
 */
#ifndef JBP_RDMA_SYSFS_H
#define JBP_RDMA_SYSFS_H

#include <stddef.h>
#include <stdint.h>

struct jbp_rdma_sysfs {
    char ifname[64];
    char pci[64];        /* PCI address of the function, e.g. 0000:03:00.1 */
    char driver[64];     /* its kernel driver */
    char ibdev[64];      /* its RDMA device, e.g. mlx5_1 */
    char uverbs[256];    /* /dev/infiniband/uverbsN */
    int dev_port;        /* /sys/class/net/IF/dev_port: the port is dev_port + 1 */
    uint64_t mac;        /* the netdev's MAC */
    uint32_t mtu;        /* the netdev's MTU */
    int is_vf;           /* an SR-IOV virtual function */
    char pf_ifname[64];  /* for a VF: its PF's netdev, if known */
    int vf_index;        /* for a VF: its index on the PF, or -1 */
    int ifindex;         /* /sys/class/net/IF/ifindex, 0 if unknown */
    uint32_t flags;      /* /sys/class/net/IF/flags: IFF_UP and friends */
    int sriov_numvfs;    /* device/sriov_numvfs of a PF: VFs enabled (0 without SR-IOV) */
    char dev_path[512];  /* the PCI function's directory in sysfs (resolved) */
    char node_note[1024]; /* why the verbs node looks inaccessible (mode, owner, our ids), or "": ibv_open_device
                            decides (a process may hold capabilities that access(2) does not see) */
};

/* Returns 0, or -errno with an explanation in err. */
int jbp_rdma_sysfs_probe(const char *sys_root, const char *dev_root, const char *ifname, struct jbp_rdma_sysfs *out,
                         char *err, size_t len);

/* The Linux netdev that has `mac` (low 48 bits) as its address, if any: 1 and its name, else 0. */
int jbp_rdma_sysfs_mac_owner(const char *sys_root, uint64_t mac, char *ifname, size_t len);

/*
 * The netdev of another PCI function of the same adapter that has `mac` as its address: the other functions of
 * the same PCI device (a dual-port ConnectX is two functions, 0000:03:00.0 and .1) and the SR-IOV siblings (a PF's
 * VFs, a VF's PF and sibling VFs), whichever network namespace their netdevs are in as long as sysfs shows them.
 * Returns 1 with its name and PCI address, else 0.
 */
int jbp_rdma_sysfs_mac_owner_pci(const char *sys_root, const char *dev_path, uint64_t mac, char *ifname,
                                 size_t len, char *pci, size_t pci_len);

/* The name of the netdev with this ifindex (from /sys/class/net/.../ifindex): 1 and its name, else 0. */
int jbp_rdma_sysfs_ifname_of(const char *sys_root, int ifindex, char *ifname, size_t len);

/* Parses "aa:bb:cc:dd:ee:ff"; returns 0 or -EINVAL. */
int jbp_rdma_parse_mac(const char *s, uint64_t *mac);

#endif
