/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake sysfs and /dev tree of a host with a ConnectX, for the rdma tests (test_mlx5_probe.c, test_rdma_admit.c)
 * and the bring-up script's dry run (fake_sysfs_tree.c): the driver's sysfs code takes its roots as parameters.
 *   PF  0000:03:00.0  eth5    mlx5_0  uverbs0  b8:59:9f:00:00:10  ifindex 5, up, 2 VFs enabled
 *   fn  0000:03:00.1  eth6    b8:59:9f:00:00:11  the second port, its netdev in another network namespace (only
 *                             under the PCI function, not in /sys/class/net)
 *   VF  0000:03:00.2  eth5v1  mlx5_2  uverbs2  02:11:22:33:44:55  ifindex 7, up, virtfn1 of the PF
 *   VF  0000:03:00.3  eth5v0  02:11:22:33:44:50  virtfn0 of the PF, moved into a container (not in class/net)
 *   ens5 a virtio NIC (ifindex 2), veth0 a veth (ifindex 3, no device).
 */
#ifndef JBP_FAKE_SYSFS_H
#define JBP_FAKE_SYSFS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CHECK
#error "include a test header defining CHECK first"
#endif

static __attribute__((unused)) char root[256];
static __attribute__((unused)) char sys[300];
static __attribute__((unused)) char dev[300];

static __attribute__((unused)) void path(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char rel[512];
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(out, len, "%s/%s", root, rel);
}

static __attribute__((unused)) void mkdirs(const char *fmt, ...)
{
    char rel[512], p[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    }
    mkdir(p, 0755);
}

static __attribute__((unused)) void put(const char *rel, const char *content)
{
    char p[1024];
    path(p, sizeof(p), "%s", rel);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL, "create %s", p);
    fputs(content, f);
    fclose(f);
}

static __attribute__((unused)) void link_to(const char *rel_link, const char *rel_target)
{
    char l[1024], t[1024];
    path(l, sizeof(l), "%s", rel_link);
    path(t, sizeof(t), "%s", rel_target);
    unlink(l);
    CHECK(symlink(t, l) == 0, "symlink %s", l);
}

#define PF "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0"
#define VF "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.2"

/* A ConnectX PF (eth5, mlx5_0, uverbs0) and one of its VFs (eth5v1, mlx5_2, uverbs2), everything loaded. */
static __attribute__((unused)) void make_tree_at(const char *dir)
{
    if (dir != NULL) {
        snprintf(root, sizeof(root), "%s", dir);
        mkdir(root, 0755);
    } else {
        snprintf(root, sizeof(root), "/tmp/jbp-mlx5-probe-XXXXXX");
        CHECK(mkdtemp(root) != NULL, "mkdtemp");
    }
    snprintf(sys, sizeof(sys), "%s/sys", root);
    snprintf(dev, sizeof(dev), "%s/dev", root);
    mkdirs("sys/bus/pci/drivers/mlx5_core");
    mkdirs("sys/bus/pci/drivers/virtio-pci");
    mkdirs("sys/module/mlx5_core");
    mkdirs("sys/module/mlx5_ib");
    mkdirs("sys/module/ib_uverbs");
    mkdirs("dev/infiniband");
    const char *fns[2] = { PF, VF };
    const char *ifs[2] = { "eth5", "eth5v1" };
    const char *ibs[2] = { "mlx5_0", "mlx5_2" };
    const char *uvs[2] = { "uverbs0", "uverbs2" };
    const char *macs[2] = { "b8:59:9f:00:00:10\n", "02:11:22:33:44:55\n" };
    for (int i = 0; i < 2; i++) {
        char rel[512];
        mkdirs("%s/infiniband/%s", fns[i], ibs[i]);
        mkdirs("%s/infiniband_verbs/%s", fns[i], uvs[i]);
        mkdirs("%s/net/%s", fns[i], ifs[i]);
        snprintf(rel, sizeof(rel), "%s/driver", fns[i]);
        link_to(rel, "sys/bus/pci/drivers/mlx5_core");
        mkdirs("sys/class/net/%s", ifs[i]);
        snprintf(rel, sizeof(rel), "sys/class/net/%s/device", ifs[i]);
        link_to(rel, fns[i]);
        snprintf(rel, sizeof(rel), "sys/class/net/%s/address", ifs[i]);
        put(rel, macs[i]);
        snprintf(rel, sizeof(rel), "sys/class/net/%s/mtu", ifs[i]);
        put(rel, "9000\n");
        snprintf(rel, sizeof(rel), "sys/class/net/%s/dev_port", ifs[i]);
        put(rel, "0\n");
        snprintf(rel, sizeof(rel), "sys/class/net/%s/ifindex", ifs[i]);
        put(rel, i == 0 ? "5\n" : "7\n");
        snprintf(rel, sizeof(rel), "sys/class/net/%s/flags", ifs[i]);
        put(rel, "0x1003\n"); /* IFF_UP | IFF_BROADCAST | IFF_MULTICAST */
        snprintf(rel, sizeof(rel), "%s/net/%s/address", fns[i], ifs[i]);
        put(rel, macs[i]);
        snprintf(rel, sizeof(rel), "dev/infiniband/%s", uvs[i]);
        put(rel, "");
        char p[1024];
        path(p, sizeof(p), "%s", rel);
        chmod(p, 0666);
    }
    put(PF "/sriov_numvfs", "2\n");
    link_to(VF "/physfn", PF);
    mkdirs(PF "/virtfn-dummy");
    mkdirs("sys/devices/pci0000:00/0000:00:02.0/0000:03:00.3/net/eth5v0");
    put("sys/devices/pci0000:00/0000:00:02.0/0000:03:00.3/net/eth5v0/address", "02:11:22:33:44:50\n");
    link_to("sys/devices/pci0000:00/0000:00:02.0/0000:03:00.3/physfn", PF);
    link_to(PF "/virtfn0", "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.3");
    link_to(PF "/virtfn1", VF);
    /* The adapter's second port, its netdev in another network namespace. */
    mkdirs("sys/devices/pci0000:00/0000:00:02.0/0000:03:00.1/net/eth6");
    put("sys/devices/pci0000:00/0000:00:02.0/0000:03:00.1/net/eth6/address", "b8:59:9f:00:00:11\n");
    /* A virtio NIC and a veth. */
    mkdirs("sys/devices/pci0000:00/0000:00:05.0/virtio1");
    link_to("sys/devices/pci0000:00/0000:00:05.0/virtio1/driver", "sys/bus/pci/drivers/virtio-pci");
    mkdirs("sys/class/net/ens5");
    link_to("sys/class/net/ens5/device", "sys/devices/pci0000:00/0000:00:05.0/virtio1");
    put("sys/class/net/ens5/address", "52:54:00:12:34:56\n");
    put("sys/class/net/ens5/ifindex", "2\n");
    mkdirs("sys/class/net/veth0");
    put("sys/class/net/veth0/address", "aa:bb:cc:00:00:01\n");
    put("sys/class/net/veth0/ifindex", "3\n");
}

static __attribute__((unused)) void make_tree(void)
{
    make_tree_at(NULL);
}

static __attribute__((unused)) void remove_tree(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
}


#endif
