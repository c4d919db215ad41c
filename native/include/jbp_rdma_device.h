/* SPDX-License-Identifier: Apache-2.0 */
/* Opening a ConnectX port through libibverbs (and mlx5 Direct Verbs when available): jbp_rdma_device.c. */
#ifndef JBP_RDMA_DEVICE_H
#define JBP_RDMA_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "jbp_rdma.h"
#include "jbp_rdma_netlink.h"

struct jbp_rdma_open_args {
    const char *host_if;
    int mode;               /* enum jbp_rdma_mode */
    uint32_t n_rxq;
    uint32_t rx_size;
    uint32_t tx_size;
    uint64_t mac;           /* low 48 bits */
    uint32_t mtu;
    int allow_netdev_mac;
    int cqe_compression;    /* allow CQE compression on receive (Direct Verbs mode) */
    uint8_t *pool_base;     /* the packet pool, registered as one memory region */
    uint32_t buf_size;
    uint32_t buf_count;
    const char *ibverbs_name; /* "libibverbs.so.1" */
    const char *mlx5_name;    /* "libmlx5.so.1" */
    const char *sys_root;     /* "/sys" */
    const char *dev_root;     /* "/dev" */
    const char *state_dir;    /* where MAC admissions are recorded (jbp_rdma_admit.h); NULL: /run/jbypass */
    struct jbp_nl *netlink;   /* rtnetlink for the FDB; NULL opens it (tests pass a fake) */
};

/*
 * Opens the port, or returns NULL with -errno in *code and an explanation in err (what failed, why, and what to do). Warnings that do
 * not stop the port (link down, an SR-IOV VF whose MAC differs) go to warn.
 */
struct jbp_rdma_port *jbp_rdma_device_open(const struct jbp_rdma_open_args *a, int *code, char *err, size_t len,
                                           char *warn, size_t wlen);

#endif
