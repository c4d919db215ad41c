/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rdma driver's diagnosis of what users meet before any frame flows, on fake sysfs and /dev trees (the probe
 * takes its roots as parameters), and the real device path on this machine, which has libibverbs but no RDMA
 * device: each failure must end in a message that says what is wrong and what to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jbp_rdma.h"
#include "jbp_rdma_device.h"
#include "jbp_rdma_sysfs.h"
#include "test_check.h"

#include "fake_sysfs.h"

static int probe(const char *ifname, struct jbp_rdma_sysfs *o, char *err, size_t len)
{
    err[0] = '\0';
    return jbp_rdma_sysfs_probe(sys, dev, ifname, o, err, len);
}

#define EXPECT(rc_expr, want_rc, needle)                                                                         \
    do {                                                                                                         \
        int rc_ = (rc_expr);                                                                                     \
        CHECK(rc_ == (want_rc), "rc %d, expected %d (%s)", rc_, (want_rc), err);                                 \
        CHECK(strstr(err, needle) != NULL, "message lacks \"%s\": %s", needle, err);                             \
        printf("  message: %s\n", err);                                                                        \
    } while (0)

static void mlx5_probe_no_such_interface(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024];
    EXPECT(probe("eth9", &o, err, sizeof(err)), -ENODEV, "no network interface named 'eth9'");
    EXPECT(probe("../../etc", &o, err, sizeof(err)), -EINVAL, "not a valid network interface name");
}

static void mlx5_probe_not_pci(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024];
    EXPECT(probe("veth0", &o, err, sizeof(err)), -ENODEV, "not backed by a PCI function");
}

static void mlx5_probe_not_mlx5_core(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024];
    EXPECT(probe("ens5", &o, err, sizeof(err)), -ENOTSUP, "driven by 'virtio-pci', not mlx5_core");
    CHECK(strstr(err, "afpacket") != NULL, "suggests afpacket: %s", err);
}

static void mlx5_probe_mlx5_ib_not_loaded(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024], p[1024];
    path(p, sizeof(p), PF "/infiniband/mlx5_0");
    rmdir(p);
    path(p, sizeof(p), "sys/module/mlx5_ib");
    rmdir(p);
    EXPECT(probe("eth5", &o, err, sizeof(err)), -ENODEV, "mlx5_ib kernel module is not loaded (modprobe mlx5_ib");
    CHECK(strstr(err, "0000:03:00.0") != NULL, "names the PCI function: %s", err);
    mkdir(p, 0755);
    EXPECT(probe("eth5", &o, err, sizeof(err)), -ENODEV, "RDMA may be disabled on this function");
}

static void mlx5_probe_ib_uverbs_not_loaded(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024], p[1024];
    path(p, sizeof(p), PF "/infiniband_verbs/uverbs0");
    rmdir(p);
    path(p, sizeof(p), "sys/module/ib_uverbs");
    rmdir(p);
    EXPECT(probe("eth5", &o, err, sizeof(err)), -ENODEV, "ib_uverbs kernel module is not loaded (modprobe ib_uverbs)");
    CHECK(strstr(err, "mlx5_0") != NULL, "names the RDMA device: %s", err);
}

static void mlx5_probe_uverbs_node_missing(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024], p[1024];
    path(p, sizeof(p), "dev/infiniband/uverbs0");
    unlink(p);
    EXPECT(probe("eth5", &o, err, sizeof(err)), -ENOENT, "does not exist: in a container pass it in");
    CHECK(strstr(err, "--device=") != NULL && strstr(err, "uverbs0") != NULL, "says how: %s", err);
}

static void mlx5_probe_uverbs_node_not_accessible(void)
{
    char p[1024];
    path(p, sizeof(p), "dev/infiniband/uverbs0");
    CHECK(chmod(p, 0600) == 0, "chmod");
    /* access(2) answers for the real caller: as root, ask as an unprivileged user in a child. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        if (geteuid() == 0) {
            chmod(root, 0755);
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(3);
        } else {
            chmod(p, 0);
        }
        struct jbp_rdma_sysfs o;
        char err[1024];
        /* The probe only explains: ibv_open_device decides (a process with capabilities may open it). */
        int rc = probe("eth5", &o, err, sizeof(err));
        if (rc != 0 || strstr(o.node_note, "may not open") == NULL || strstr(o.node_note, "udev rule or group") == NULL
            || strstr(o.node_note, "divert any MAC") == NULL) {
            fprintf(stderr, "rc %d: %s / %s\n", rc, err, o.node_note);
            _exit(1);
        }
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}

static void mlx5_probe_ok_and_sriov_vf(void)
{
    struct jbp_rdma_sysfs o;
    char err[1024] = "";
    CHECK(probe("eth5", &o, err, sizeof(err)) == 0, "PF: %s", err);
    CHECK(strcmp(o.ibdev, "mlx5_0") == 0 && strcmp(o.pci, "0000:03:00.0") == 0 && strcmp(o.driver, "mlx5_core") == 0,
          "PF identity %s %s %s", o.ibdev, o.pci, o.driver);
    CHECK(strstr(o.uverbs, "/dev/infiniband/uverbs0") != NULL, "uverbs %s", o.uverbs);
    CHECK(o.mac == 0xb8599f000010ull && o.mtu == 9000 && o.dev_port == 0 && !o.is_vf, "PF details");
    CHECK(probe("eth5v1", &o, err, sizeof(err)) == 0, "VF: %s", err);
    CHECK(o.is_vf && o.vf_index == 1 && strcmp(o.pf_ifname, "eth5") == 0 && strcmp(o.ibdev, "mlx5_2") == 0,
          "VF %d index %d pf %s ibdev %s", o.is_vf, o.vf_index, o.pf_ifname, o.ibdev);
}

static void mlx5_probe_mac_owner(void)
{
    char name[64];
    CHECK(jbp_rdma_sysfs_mac_owner(sys, 0x021122334455ull, name, sizeof(name)) == 1 && strcmp(name, "eth5v1") == 0,
          "owner of the VF MAC");
    CHECK(jbp_rdma_sysfs_mac_owner(sys, 0x02aabbccddeeull, name, sizeof(name)) == 0, "a free MAC has no owner");
    uint64_t m;
    CHECK(jbp_rdma_parse_mac("02:aa:bb:cc:dd:ee", &m) == 0 && m == 0x02aabbccddeeull, "parse");
    CHECK(jbp_rdma_parse_mac("02:aa:bb:cc:dd", &m) == -EINVAL, "short");
    CHECK(jbp_rdma_parse_mac("02:aa:bb:cc:dd:ee:ff", &m) == -EINVAL, "long");
}

static uint64_t open_mac = 0x02aabbccddeeull;
static int open_allow;

static struct jbp_rdma_port *open_port(const char *host_if, const char *ibverbs, const char *sysroot,
                                       const char *devroot, int *code, char *err, size_t len)
{
    static uint8_t pool[2048 * 512] __attribute__((aligned(4096)));
    char warn[1024], state[600];
    snprintf(state, sizeof(state), "%s/run", root);
    struct jbp_rdma_open_args a = {
        .host_if = host_if, .mode = JBP_RDMA_MODE_AUTO, .n_rxq = 1, .rx_size = 64, .tx_size = 64,
        .mac = open_mac, .allow_netdev_mac = open_allow, .mtu = 1500, .pool_base = pool, .buf_size = 2048, .buf_count = 512,
        .ibverbs_name = ibverbs, .mlx5_name = "libmlx5.so.1", .sys_root = sysroot, .dev_root = devroot,
        .state_dir = state,
    };
    return jbp_rdma_device_open(&a, code, err, len, warn, sizeof(warn));
}

static void mlx5_open_without_rdma_core(void)
{
    char err[1024];
    int code = 0;
    struct jbp_rdma_port *p = open_port("eth5", "libjbypass-missing-ibverbs.so.1", sys, dev, &code, err, sizeof(err));
    CHECK(p == NULL && code == -ENOENT, "code %d", code);
    CHECK(strstr(err, "needs rdma-core") != NULL && strstr(err, "libjbypass-missing-ibverbs.so.1") != NULL
              && strstr(err, "apt-get install libibverbs1 ibverbs-providers") != NULL,
          "message: %s", err);
    printf("  message: %s\n", err);
}

static void mlx5_open_no_device_present(void)
{
    /* The real path on this machine: libibverbs is installed, no RDMA device is. */
    char err[1024];
    int code = 0;
    CHECK(open_port("lo", "libibverbs.so.1", "/sys", "/dev", &code, err, sizeof(err)) == NULL, "lo opened");
    CHECK(code == -ENODEV && strstr(err, "not backed by a PCI function") != NULL, "lo: %d %s", code, err);
    printf("  message: %s\n", err);
    CHECK(open_port("jbpnosuch0", "libibverbs.so.1", "/sys", "/dev", &code, err, sizeof(err)) == NULL, "opened");
    CHECK(code == -ENODEV && strstr(err, "no network interface named 'jbpnosuch0'") != NULL, "%d %s", code, err);
}

static void mlx5_open_device_not_listed(void)
{
    /* sysfs (fake) says there is an mlx5 device; libibverbs (real) lists none: its open fails cleanly. */
    char err[1024];
    int code = 0;
    CHECK(open_port("eth5", "libibverbs.so.1", sys, dev, &code, err, sizeof(err)) == NULL, "opened");
    CHECK(code == -ENODEV, "code %d: %s", code, err);
    CHECK(strstr(err, "libibverbs does not list mlx5_0") != NULL || strstr(err, "libibverbs lists no RDMA device")
          != NULL, "message: %s", err);
    printf("  message: %s\n", err);
}

static void mlx5_open_refuses_netdev_mac(void)
{
    /* The VF's own MAC, which the Linux netdev eth5v1 has: refused without allow-netdev-mac. */
    char err[1024];
    int code = 0;
    open_mac = 0x021122334455ull;
    CHECK(open_port("eth5v1", "libibverbs.so.1", sys, dev, &code, err, sizeof(err)) == NULL, "opened");
    CHECK(code == -EADDRINUSE && strstr(err, "belongs to the Linux interface 'eth5v1'") != NULL
              && strstr(err, "allow-netdev-mac = true") != NULL, "%d %s", code, err);
    printf("  message: %s\n", err);
    /* Allowed: the open goes on, to the next thing this machine lacks (an RDMA device libibverbs can list). */
    open_allow = 1;
    CHECK(open_port("eth5v1", "libibverbs.so.1", sys, dev, &code, err, sizeof(err)) == NULL, "opened");
    CHECK(code == -ENODEV && strstr(err, "libibverbs") != NULL, "%d %s", code, err);
    open_allow = 0;
    open_mac = 0x02aabbccddeeull;
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
#define CASE(x) { #x, x }
    CASE(mlx5_probe_no_such_interface),
    CASE(mlx5_probe_not_pci),
    CASE(mlx5_probe_not_mlx5_core),
    CASE(mlx5_probe_mlx5_ib_not_loaded),
    CASE(mlx5_probe_ib_uverbs_not_loaded),
    CASE(mlx5_probe_uverbs_node_missing),
    CASE(mlx5_probe_uverbs_node_not_accessible),
    CASE(mlx5_probe_ok_and_sriov_vf),
    CASE(mlx5_probe_mac_owner),
    CASE(mlx5_open_without_rdma_core),
    CASE(mlx5_open_no_device_present),
    CASE(mlx5_open_device_not_listed),
    CASE(mlx5_open_refuses_netdev_mac),
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
