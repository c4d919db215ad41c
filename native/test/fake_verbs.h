/* SPDX-License-Identifier: Apache-2.0 */
/* The fake rdma-core (fake_verbs.c): its configuration and what it counted, for tests of jbp_rdma_device.c. */
#ifndef JBP_FAKE_VERBS_H
#define JBP_FAKE_VERBS_H

#include <stdint.h>

struct mlx5_model;

struct jbp_fake_verbs_cfg {
    const char *name;       /* the RDMA device's name, as sysfs names it (mlx5_0) */
    uint32_t n_rxq, rx_size, tx_size, mtu; /* the model's geometry: what the driver will ask for */
    int dv_supported;       /* mlx5dv_is_supported */
    int cqe_v1;             /* mlx5dv_query_device reports CQE version 1 */
    int port_down;
    int refuse_compression; /* mlx5dv_create_cq refuses compressed CQs */
    int no_compression;     /* mlx5dv_query_device offers no CQE compression */
    int no_rss;             /* no RSS on raw-packet QPs in rss_caps */
    uint64_t hash_fields_missing; /* IBV_RX_HASH_* left out of rss_caps.rx_hash_fields_mask */
    uint32_t max_wq;        /* max_wq_type_rq (0: 64) */
    uint32_t max_qp_wr;     /* orig_attr.max_qp_wr, the longest ring (0: 32768) */
    int no_flow_steering;   /* IBV_DEVICE_MANAGED_FLOW_STEERING left out */
    int no_tso;             /* tso_caps left empty (no LSO on raw-packet QPs) */
    int fail_dv_cq;         /* mlx5dv_create_cq fails with EINVAL from the Nth call on (1: the first) */
    int fail_init_obj;      /* mlx5dv_init_obj fails with EINVAL */
    int open_errno, reg_mr_errno, qp_errno, flow_errno, cq_errno, wq_errno; /* make that call fail */
    int destroy_errno;      /* ibv_destroy_wq and ibv_destroy_qp (send QPs) fail with it, destroying nothing */
};

struct jbp_fake_verbs_stats {
    uint64_t modify_qp, modify_wq;
    uint64_t qp_resets, wq_resets;
    uint64_t resets_from_err;       /* resets that named ERR as the current state, correctly */
    uint64_t refused_transitions;   /* state changes refused: wrong current state, or not a transition */
    uint64_t flows_created, flows_destroyed;
    uint64_t hash_qps;
    uint64_t compressed_cqs;
    uint64_t cq_events, cq_events_acked;
    uint64_t verbs_cqs;             /* plain ibv_create_cq (verbs mode) */
    uint64_t cqs_destroyed, cqs_recreated, qps_recreated, wqs_recreated;
    uint64_t async_events_read, async_events_acked;
    uint64_t tso_qps;               /* send QPs created with IBV_QP_INIT_ATTR_MAX_TSO_HEADER */
    uint32_t max_tso_header;        /* what the last of them asked for */
    int closed;
};

/* Resolved with dlsym by the tests (the fake is loaded with dlopen, as the driver loads rdma-core). */
typedef void (*jbp_fake_verbs_configure_fn)(const struct jbp_fake_verbs_cfg *cfg);
typedef struct mlx5_model *(*jbp_fake_verbs_model_fn)(void);
typedef const struct jbp_fake_verbs_stats *(*jbp_fake_verbs_stats_fn)(void);
/* jbp_fake_verbs_inject_event(enum ibv_event_type, int rx, uint32_t q): see fake_verbs.c. */
typedef int (*jbp_fake_verbs_inject_event_fn)(int type, int rx, uint32_t q);

#endif
