/* SPDX-License-Identifier: Apache-2.0 */
/* rdma-core loaded with dlopen: see jbp_rdma_ibv.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jbp_rdma_ibv.h"

static void *sym(void *h, const char *name, int *missing, const char **first)
{
    void *p = dlsym(h, name);
    if (p == NULL && (*missing)++ == 0)
        *first = name;
    return p;
}

int jbp_ibv_load(struct jbp_ibv_lib *lib, const char *ibverbs_name, const char *mlx5_name, char *err, size_t len)
{
    memset(lib, 0, sizeof(*lib));
    /* RTLD_LOCAL: our names never interpose on a libibverbs the application itself may have loaded. */
    lib->ibverbs = dlopen(ibverbs_name, RTLD_NOW | RTLD_LOCAL);
    if (lib->ibverbs == NULL) {
        snprintf(err, len,
                 "the rdma driver needs rdma-core, and %s could not be loaded (%s). Install rdma-core's user-space "
                 "libraries: apt-get install libibverbs1 ibverbs-providers (Debian, Ubuntu) or dnf install "
                 "libibverbs (RHEL, Fedora); in a container image too",
                 ibverbs_name, dlerror());
        return -ENOENT;
    }
    int missing = 0;
    const char *first = NULL;
    void *h = lib->ibverbs;
#define LOAD(field, name) lib->field = (__typeof__(lib->field))sym(h, name, &missing, &first)
    LOAD(get_device_list, "ibv_get_device_list");
    LOAD(free_device_list, "ibv_free_device_list");
    LOAD(get_device_name, "ibv_get_device_name");
    LOAD(open_device, "ibv_open_device");
    LOAD(close_device, "ibv_close_device");
    LOAD(query_device, "ibv_query_device");
    LOAD(query_port, "ibv_query_port");
    LOAD(alloc_pd, "ibv_alloc_pd");
    LOAD(dealloc_pd, "ibv_dealloc_pd");
    LOAD(reg_mr, "ibv_reg_mr");
    LOAD(dereg_mr, "ibv_dereg_mr");
    LOAD(create_cq, "ibv_create_cq");
    LOAD(destroy_cq, "ibv_destroy_cq");
    LOAD(create_qp, "ibv_create_qp");
    LOAD(modify_qp, "ibv_modify_qp");
    LOAD(destroy_qp, "ibv_destroy_qp");
    LOAD(create_comp_channel, "ibv_create_comp_channel");
    LOAD(destroy_comp_channel, "ibv_destroy_comp_channel");
    LOAD(get_cq_event, "ibv_get_cq_event");
    LOAD(ack_cq_events, "ibv_ack_cq_events");
    LOAD(get_async_event, "ibv_get_async_event");
    LOAD(ack_async_event, "ibv_ack_async_event");
    LOAD(event_type_str, "ibv_event_type_str");
    LOAD(wc_status_str, "ibv_wc_status_str");
    if (missing != 0) {
        snprintf(err, len, "%s lacks %d verbs (first: %s): rdma-core is too old; the rdma driver is built against "
                 "rdma-core 44", ibverbs_name, missing, first);
        jbp_ibv_unload(lib);
        return -ENOENT;
    }
    /* libmlx5 is optional: without it (or with an old one) only plain verbs mode is possible. */
    lib->mlx5 = dlopen(mlx5_name, RTLD_NOW | RTLD_LOCAL);
    if (lib->mlx5 != NULL) {
        h = lib->mlx5;
        missing = 0;
        LOAD(mlx5dv_query_device, "mlx5dv_query_device");
        LOAD(mlx5dv_init_obj, "mlx5dv_init_obj");
        LOAD(mlx5dv_create_cq, "mlx5dv_create_cq");
        LOAD(mlx5dv_is_supported, "mlx5dv_is_supported");
        if (missing != 0) {
            lib->mlx5dv_query_device = NULL;
            lib->mlx5dv_init_obj = NULL;
            lib->mlx5dv_create_cq = NULL;
            lib->mlx5dv_is_supported = NULL;
        }
    }
#undef LOAD
    return 0;
}

void jbp_ibv_unload(struct jbp_ibv_lib *lib)
{
    if (lib->mlx5 != NULL)
        dlclose(lib->mlx5);
    if (lib->ibverbs != NULL)
        dlclose(lib->ibverbs);
    memset(lib, 0, sizeof(*lib));
}

int jbp_ibv_query_port(const struct jbp_ibv_lib *lib, struct ibv_context *ctx, uint8_t port,
                       struct ibv_port_attr *attr)
{
    /* As verbs.h ___ibv_query_port: the context op when the provider has it, else the compat symbol. */
    struct verbs_context *vctx = verbs_get_ctx_op(ctx, query_port);
    if (vctx != NULL)
        return vctx->query_port(ctx, port, attr, sizeof(*attr));
    memset(attr, 0, sizeof(*attr));
    return lib->query_port(ctx, port, (struct _compat_ibv_port_attr *)attr);
}

int jbp_ibv_query_device_ex(const struct jbp_ibv_lib *lib, struct ibv_context *ctx, struct ibv_device_attr_ex *attr)
{
    /* As verbs.h ibv_query_device_ex. */
    struct verbs_context *vctx = verbs_get_ctx_op(ctx, query_device_ex);
    if (vctx != NULL) {
        int rc = vctx->query_device_ex(ctx, NULL, attr, sizeof(*attr));
        if (rc != EOPNOTSUPP && rc != ENOSYS)
            return rc;
    }
    memset(attr, 0, sizeof(*attr));
    return lib->query_device(ctx, &attr->orig_attr);
}
