/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rdma-core loaded at run time: libibverbs.so.1 and libmlx5.so.1 are opened with dlopen by the port that needs
 * them, so libjbypass.so links only libc and libdl and loads (and the other drivers work) on machines without
 * rdma-core. The verbs that rdma-core declares static inline in verbs.h (ibv_post_send, ibv_poll_cq,
 * ibv_post_wq_recv, ibv_create_wq, ibv_create_flow, ibv_create_qp_ex with extended attributes, ...) dispatch
 * through the context's ops and need no symbol; the others are resolved here.
 */
#ifndef JBP_RDMA_IBV_H
#define JBP_RDMA_IBV_H

#include <stddef.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

struct jbp_ibv_lib {
    void *ibverbs;
    void *mlx5;
    __typeof__(ibv_get_device_list) *get_device_list;
    __typeof__(ibv_free_device_list) *free_device_list;
    __typeof__(ibv_get_device_name) *get_device_name;
    __typeof__(ibv_open_device) *open_device;
    __typeof__(ibv_close_device) *close_device;
    __typeof__(ibv_query_device) *query_device;
    /* ibv_query_port is a macro over an inline in verbs.h; the exported function takes the compat struct,
     * a prefix of struct ibv_port_attr (see jbp_ibv_query_port). */
    int (*query_port)(struct ibv_context *, uint8_t, struct _compat_ibv_port_attr *);
    __typeof__(ibv_alloc_pd) *alloc_pd;
    __typeof__(ibv_dealloc_pd) *dealloc_pd;
    __typeof__(ibv_reg_mr) *reg_mr;
    __typeof__(ibv_dereg_mr) *dereg_mr;
    __typeof__(ibv_create_cq) *create_cq;
    __typeof__(ibv_destroy_cq) *destroy_cq;
    __typeof__(ibv_create_qp) *create_qp;
    __typeof__(ibv_modify_qp) *modify_qp;
    __typeof__(ibv_destroy_qp) *destroy_qp;
    __typeof__(ibv_create_comp_channel) *create_comp_channel;
    __typeof__(ibv_destroy_comp_channel) *destroy_comp_channel;
    __typeof__(ibv_get_cq_event) *get_cq_event;
    __typeof__(ibv_ack_cq_events) *ack_cq_events;
    __typeof__(ibv_get_async_event) *get_async_event;
    __typeof__(ibv_ack_async_event) *ack_async_event;
    __typeof__(ibv_event_type_str) *event_type_str;
    __typeof__(ibv_wc_status_str) *wc_status_str;
    /* libmlx5 (Direct Verbs); NULL when it is absent */
    __typeof__(mlx5dv_query_device) *mlx5dv_query_device;
    __typeof__(mlx5dv_init_obj) *mlx5dv_init_obj;
    __typeof__(mlx5dv_create_cq) *mlx5dv_create_cq;
    __typeof__(mlx5dv_is_supported) *mlx5dv_is_supported;
};

/* Opens libibverbs (required) and libmlx5 (optional: Direct Verbs only). Returns 0, or -ENOENT with a message
 * saying what is missing and how to install it. */
int jbp_ibv_load(struct jbp_ibv_lib *lib, const char *ibverbs_name, const char *mlx5_name, char *err, size_t len);
void jbp_ibv_unload(struct jbp_ibv_lib *lib);

/* The inlines of verbs.h that fall back to an exported symbol, rewritten to use the table. */
int jbp_ibv_query_port(const struct jbp_ibv_lib *lib, struct ibv_context *ctx, uint8_t port,
                       struct ibv_port_attr *attr);
int jbp_ibv_query_device_ex(const struct jbp_ibv_lib *lib, struct ibv_context *ctx, struct ibv_device_attr_ex *attr);

#endif
