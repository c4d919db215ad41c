/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Netdev -> PCI function -> RDMA device -> uverbs node, through sysfs (Linux Documentation/ABI/stable/sysfs-class-net
 * and sysfs-class-infiniband): /sys/class/net/IF/device is the PCI function, whose infiniband/ directory names its
 * RDMA device when mlx5_ib is loaded and whose infiniband_verbs/ directory names its uverbs node when ib_uverbs is
 * loaded. VPP maps by PCI address too (src/plugins/rdma/device.c rdma_create_if).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jbp_rdma_sysfs.h"

/* snprintf for paths and names: a result that does not fit is an error, never a silently truncated path. */
static int __attribute__((format(printf, 3, 4))) fmt(char *buf, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, len, f, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    if (fgets(buf, (int)len, f) == NULL) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The first directory entry whose name starts with `prefix` (NULL for any), or -ENOENT. */
static int first_entry(const char *dir, const char *prefix, char *name, size_t len)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -errno;
    struct dirent *e;
    int rc = -ENOENT;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (prefix != NULL && strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        fmt(name, len, "%s", e->d_name);
        rc = 0;
        break;
    }
    closedir(d);
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s != NULL ? s + 1 : p;
}

int jbp_rdma_parse_mac(const char *s, uint64_t *mac)
{
    unsigned b[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return -EINVAL;
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = (v << 8) | b[i];
    *mac = v;
    return 0;
}

int jbp_rdma_sysfs_probe(const char *sys, const char *dev, const char *ifname, struct jbp_rdma_sysfs *o, char *err,
                         size_t len)
{
    char path[PATH_MAX], buf[PATH_MAX], real[PATH_MAX];
    memset(o, 0, sizeof(*o));
    o->vf_index = -1;
    if (strlen(sys) > 1024 || strlen(dev) > 128) {
        snprintf(err, len, "sysfs or /dev root path too long");
        return -ENAMETOOLONG;
    }
    if (ifname[0] == '\0' || strlen(ifname) >= 16 || strchr(ifname, '/') != NULL || strcmp(ifname, ".") == 0
        || strcmp(ifname, "..") == 0) {
        snprintf(err, len, "'%s' is not a valid network interface name", ifname);
        return -EINVAL;
    }
    fmt(o->ifname, sizeof(o->ifname), "%s", ifname);
    fmt(path, sizeof(path), "%s/class/net/%s", sys, ifname);
    if (!exists(path)) {
        snprintf(err, len, "there is no network interface named '%s' on this host (ip link lists them); in a "
                 "container, host-if must be an interface of the container's network namespace", ifname);
        return -ENODEV;
    }
    fmt(path, sizeof(path), "%s/class/net/%s/address", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        jbp_rdma_parse_mac(buf, &o->mac);
    fmt(path, sizeof(path), "%s/class/net/%s/mtu", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        o->mtu = (uint32_t)strtoul(buf, NULL, 10);
    fmt(path, sizeof(path), "%s/class/net/%s/dev_port", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        o->dev_port = (int)strtol(buf, NULL, 10);

    fmt(path, sizeof(path), "%s/class/net/%s/ifindex", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        o->ifindex = (int)strtol(buf, NULL, 10);
    fmt(path, sizeof(path), "%s/class/net/%s/flags", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        o->flags = (uint32_t)strtoul(buf, NULL, 16);
    fmt(path, sizeof(path), "%s/class/net/%s/device/sriov_numvfs", sys, ifname);
    if (read_line(path, buf, sizeof(buf)) == 0)
        o->sriov_numvfs = (int)strtol(buf, NULL, 10);

    fmt(path, sizeof(path), "%s/class/net/%s/device", sys, ifname);
    if (realpath(path, real) == NULL) {
        snprintf(err, len, "'%s' is not backed by a PCI function (a veth, bridge, bond, VLAN or tunnel interface "
                 "has no RDMA device): host-if must name the netdev of a ConnectX port or SR-IOV VF", ifname);
        return -ENODEV;
    }
    fmt(o->pci, sizeof(o->pci), "%s", base_name(real));
    fmt(o->dev_path, sizeof(o->dev_path), "%s", real);
    fmt(path, sizeof(path), "%s/driver", real);
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n > 0) {
        buf[n] = '\0';
        fmt(o->driver, sizeof(o->driver), "%s", base_name(buf));
    }
    if (strcmp(o->driver, "mlx5_core") != 0) {
        snprintf(err, len, "'%s' (PCI %s) is driven by '%s', not mlx5_core: the rdma driver needs an NVIDIA "
                 "(Mellanox) ConnectX-4 or later port or VF; use driver = afpacket for other adapters", ifname, o->pci,
                 o->driver[0] != '\0' ? o->driver : "no driver");
        return -ENOTSUP;
    }

    fmt(path, sizeof(path), "%s/infiniband", real);
    if (first_entry(path, NULL, o->ibdev, sizeof(o->ibdev)) != 0) {
        fmt(path, sizeof(path), "%s/module/mlx5_ib", sys);
        if (!exists(path))
            snprintf(err, len, "no RDMA device behind '%s' (PCI %s): the mlx5_ib kernel module is not loaded "
                     "(modprobe mlx5_ib; rdma-core's udev rules load it at boot)", ifname, o->pci);
        else
            snprintf(err, len, "no RDMA device behind '%s' (PCI %s) although mlx5_ib is loaded: RDMA may be "
                     "disabled on this function (devlink dev param show pci/%s name enable_roce; "
                     "rdma dev lists the RDMA devices)", ifname, o->pci, o->pci);
        return -ENODEV;
    }
    char node[64];
    fmt(path, sizeof(path), "%s/infiniband_verbs", real);
    if (first_entry(path, "uverbs", node, sizeof(node)) != 0) {
        fmt(path, sizeof(path), "%s/module/ib_uverbs", sys);
        if (!exists(path))
            snprintf(err, len, "RDMA device %s behind '%s' is not reachable from user space: the ib_uverbs kernel "
                     "module is not loaded (modprobe ib_uverbs)", o->ibdev, ifname);
        else
            snprintf(err, len, "RDMA device %s behind '%s' has no uverbs node although ib_uverbs is loaded "
                     "(ls %s/class/infiniband_verbs)", o->ibdev, ifname, sys);
        return -ENODEV;
    }
    fmt(o->uverbs, sizeof(o->uverbs), "%s/infiniband/%s", dev, node);
    struct stat st;
    if (stat(o->uverbs, &st) != 0) {
        snprintf(err, len, "%s (the verbs node of %s behind '%s') does not exist: in a container pass it in "
                 "(docker run --device=%s, or --device=%s/infiniband); on the host udev creates it", o->uverbs,
                 o->ibdev, ifname, o->uverbs, dev);
        return -ENOENT;
    }
    /* access(2) answers for the real user and ignores capabilities: it only explains a refusal, which is
     * ibv_open_device's to make (jbp_rdma_device.c). */
    if (access(o->uverbs, R_OK | W_OK) != 0)
        snprintf(o->node_note, sizeof(o->node_note), "this process (uid %u, gid %u) may not open %s (mode %04o, "
                 "owner %u:%u), the verbs node of %s behind '%s': grant read-write access with a udev rule or group "
                 "(e.g. rdma), or run as root. Whoever can open it can divert any MAC's traffic on this port: grant "
                 "it with care", (unsigned)geteuid(), (unsigned)getegid(), o->uverbs, (unsigned)(st.st_mode & 07777),
                 (unsigned)st.st_uid, (unsigned)st.st_gid, o->ibdev, ifname);
    fmt(path, sizeof(path), "%s/physfn", real);
    if (exists(path)) {
        o->is_vf = 1;
        fmt(buf, sizeof(buf), "%s/physfn/net", real);
        first_entry(buf, NULL, o->pf_ifname, sizeof(o->pf_ifname));
        for (int i = 0; i < 1024; i++) {
            char vf[PATH_MAX];
            fmt(buf, sizeof(buf), "%s/physfn/virtfn%d", real, i);
            if (realpath(buf, vf) == NULL)
                break;
            if (strcmp(vf, real) == 0) {
                o->vf_index = i;
                break;
            }
        }
    }
    return 0;
}

int jbp_rdma_sysfs_mac_owner(const char *sys, uint64_t mac, char *ifname, size_t len)
{
    char path[PATH_MAX], buf[64];
    fmt(path, sizeof(path), "%s/class/net", sys);
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        fmt(path, sizeof(path), "%s/class/net/%s/address", sys, e->d_name);
        uint64_t m;
        if (read_line(path, buf, sizeof(buf)) == 0 && jbp_rdma_parse_mac(buf, &m) == 0 && m == mac) {
            fmt(ifname, len, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* The netdev under PCI function directory `fn` (fn/net/NAME/address) that has `mac`: 1 and its name, else 0. */
static int fn_mac_owner(const char *fn, uint64_t mac, char *ifname, size_t len)
{
    char path[PATH_MAX], buf[64];
    if (fmt(path, sizeof(path), "%s/net", fn) != 0)
        return 0;
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        uint64_t m;
        if (e->d_name[0] == '.' || fmt(path, sizeof(path), "%s/net/%s/address", fn, e->d_name) != 0)
            continue;
        if (read_line(path, buf, sizeof(buf)) == 0 && jbp_rdma_parse_mac(buf, &m) == 0 && m == mac) {
            fmt(ifname, len, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

/* Checks fn and, when fn is a PF, its VFs (fn/virtfnN). */
static int fn_and_vfs_owner(const char *fn, uint64_t mac, char *ifname, size_t len, char *pci, size_t pci_len)
{
    char path[PATH_MAX], real[PATH_MAX];
    if (fn_mac_owner(fn, mac, ifname, len)) {
        fmt(pci, pci_len, "%s", base_name(fn));
        return 1;
    }
    for (int i = 0; i < 4096; i++) {
        if (fmt(path, sizeof(path), "%s/virtfn%d", fn, i) != 0 || realpath(path, real) == NULL)
            break;
        if (fn_mac_owner(real, mac, ifname, len)) {
            fmt(pci, pci_len, "%s", base_name(real));
            return 1;
        }
    }
    return 0;
}

int jbp_rdma_sysfs_mac_owner_pci(const char *sys_root, const char *dev_path, uint64_t mac, char *ifname,
                                 size_t len, char *pci, size_t pci_len)
{
    (void)sys_root;
    char path[PATH_MAX], real[PATH_MAX], parent[PATH_MAX];
    if (dev_path == NULL || dev_path[0] == '\0')
        return 0;
    /* A VF: its PF and the PF's other VFs. */
    if (fmt(path, sizeof(path), "%s/physfn", dev_path) == 0 && realpath(path, real) != NULL)
        return fn_and_vfs_owner(real, mac, ifname, len, pci, pci_len);
    /* A PF: every function of the same PCI device (domain:bus:device.*), and their VFs. The functions are
     * siblings in the directory of the bridge above them. */
    const char *fn_name = base_name(dev_path);
    const char *dot = strrchr(fn_name, '.');
    if (dot == NULL || fmt(parent, sizeof(parent), "%s", dev_path) != 0)
        return 0;
    size_t slot_len = (size_t)(dot - fn_name) + 1; /* "0000:03:00." */
    char *slash = strrchr(parent, '/');
    if (slash == NULL)
        return 0;
    *slash = '\0';
    DIR *d = opendir(parent);
    if (d == NULL)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, fn_name, slot_len) != 0 || fmt(path, sizeof(path), "%s/%s", parent, e->d_name) != 0)
            continue;
        found = fn_and_vfs_owner(path, mac, ifname, len, pci, pci_len);
    }
    closedir(d);
    return found;
}

int jbp_rdma_sysfs_ifname_of(const char *sys, int ifindex, char *ifname, size_t len)
{
    char path[PATH_MAX], buf[64];
    fmt(path, sizeof(path), "%s/class/net", sys);
    DIR *d = opendir(path);
    if (d == NULL || ifindex <= 0) {
        if (d != NULL)
            closedir(d);
        return 0;
    }
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || fmt(path, sizeof(path), "%s/class/net/%s/ifindex", sys, e->d_name) != 0)
            continue;
        if (read_line(path, buf, sizeof(buf)) == 0 && strtol(buf, NULL, 10) == ifindex) {
            fmt(ifname, len, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}
