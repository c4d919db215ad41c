/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test-only JNI library (libjbp_mlx5_model.so) for the Java tests of RdmaLink: it builds mlx5 model ports and
 * opens the driver's port handle on their rings. Java then drives that handle through RdmaLink and the
 * production natives of libjbypass.so, so the Direct Verbs datapath that runs is the production one; only the
 * ring memory and the "adapter" (the model, stepped by the test) differ. jbypass.jar contains nothing of this.
 *
 * Natives of org.jbypass.provider.driver.Mlx5ModelNative (java-provider/src/test), under the same contract as the
 * production bindings (jbp_jni.h, whose helpers it links): counts or -errno, arguments checked, nothing thrown.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "jbp_jni.h"
#include "mlx5_model.h"

static struct mlx5_model *model(jlong h)
{
    return (struct mlx5_model *)(uintptr_t)h;
}

static jlong JNICALL m_create(JNIEnv *env, jclass cls, jint n_rxq, jint rx_size, jint tx_size, jint mtu, jlong mac,
                              jboolean compression, jint max_session, jboolean csum, jboolean poison,
                              jint max_tso)
{
    (void)env;
    (void)cls;
    struct mlx5_model_cfg cfg = {
        .n_rxq = (uint32_t)n_rxq, .rx_size = (uint32_t)rx_size, .tx_size = (uint32_t)tx_size,
        .mtu = (uint32_t)mtu, .mac = (uint64_t)mac, .compression = compression,
        .max_session = (uint32_t)max_session, .csum = csum, .poison_holes = poison,
        .max_tso = max_tso > 0 ? (uint32_t)max_tso : 0,
    };
    struct mlx5_model *m = mlx5_model_create(&cfg);
    return m != NULL ? (jlong)(uintptr_t)m : -EINVAL;
}

static jlong JNICALL m_open_port(JNIEnv *env, jclass cls, jlong m, jobject pool, jint buf_size, jint count)
{
    (void)cls;
    if (buf_size <= 0 || count <= 0)
        return -EINVAL;
    uint8_t *base = jbp_jni_direct(env, pool, (jlong)buf_size * count);
    if (base == NULL)
        return -EINVAL;
    struct jbp_rdma_port *p = mlx5_model_open_port(model(m), base, (uint32_t)buf_size, (uint32_t)count);
    return p != NULL ? (jlong)(uintptr_t)p : -ENOMEM;
}

static jint JNICALL m_wire(JNIEnv *env, jclass cls, jlong a, jlong b)
{
    (void)env;
    (void)cls;
    return mlx5_model_wire(model(a), model(b));
}

struct capture {
    uint8_t *out;
    int32_t *lens;
    jint max;
    jint n;
    jint cap_bytes;
    jint used;
};

static void capture_frame(void *ctx, const uint8_t *frame, uint32_t len)
{
    struct capture *c = ctx;
    if (c->n < c->max && c->used + (jint)len <= c->cap_bytes) {
        memcpy(c->out + c->used, frame, len);
        c->lens[c->n++] = (int32_t)len;
        c->used += (jint)len;
    }
}

/* Runs the model's transmit side; frames go, one after the other, to `out`, their lengths to `lens`. */
static jint JNICALL m_tx(JNIEnv *env, jclass cls, jlong m, jobject out, jobject lens, jint max)
{
    (void)cls;
    if (max < 0)
        return -EINVAL;
    struct capture c = { .max = max };
    c.out = jbp_jni_direct(env, out, 0);
    c.lens = jbp_jni_direct(env, lens, (jlong)max * 4);
    if (c.out == NULL || c.lens == NULL)
        return -EINVAL;
    c.cap_bytes = (jint)(*env)->GetDirectBufferCapacity(env, out);
    mlx5_model_tx(model(m), capture_frame, &c);
    return c.n;
}

static jint JNICALL m_rx(JNIEnv *env, jclass cls, jlong m, jobject frame, jint offset, jint len)
{
    (void)cls;
    if (offset < 0 || len < 0)
        return -EINVAL;
    uint8_t *f = jbp_jni_direct(env, frame, (jlong)offset + len);
    if (f == NULL)
        return -EINVAL;
    return mlx5_model_rx(model(m), f + offset, (uint32_t)len);
}

static jint JNICALL m_flush(JNIEnv *env, jclass cls, jlong m)
{
    (void)env;
    (void)cls;
    mlx5_model_rx_flush(model(m));
    return 0;
}

static jint JNICALL m_inject(JNIEnv *env, jclass cls, jlong m, jboolean tx, jint syndrome)
{
    (void)env;
    (void)cls;
    if (tx)
        model(m)->inject_tx_syndrome = (uint8_t)syndrome;
    else
        model(m)->inject_rx_syndrome = (uint8_t)syndrome;
    return 0;
}

static jint JNICALL m_set_compression(JNIEnv *env, jclass cls, jlong m, jboolean on)
{
    (void)env;
    (void)cls;
    model(m)->cfg.compression = on;
    return 0;
}

/* The model's counters by the indices of Mlx5ModelNative (named here, so that new counters in struct
 * mlx5_model_stats move no index), then the CQ overruns. */
static const size_t stat_offsets[] = {
    offsetof(struct mlx5_model_stats, tx_frames),         offsetof(struct mlx5_model_stats, tx_bytes),
    offsetof(struct mlx5_model_stats, tx_cqes),           offsetof(struct mlx5_model_stats, tx_errors),
    offsetof(struct mlx5_model_stats, tx_csum_offloads),  offsetof(struct mlx5_model_stats, doorbell_mismatch),
    offsetof(struct mlx5_model_stats, rx_frames),         offsetof(struct mlx5_model_stats, rx_bytes),
    offsetof(struct mlx5_model_stats, rx_out_of_buffer),  offsetof(struct mlx5_model_stats, rx_not_steered),
    offsetof(struct mlx5_model_stats, rx_oversize),       offsetof(struct mlx5_model_stats, rx_sessions),
    offsetof(struct mlx5_model_stats, rx_sessions_wrapped), offsetof(struct mlx5_model_stats, rx_errors),
};

static jlong JNICALL m_stat(JNIEnv *env, jclass cls, jlong m, jint which)
{
    (void)env;
    (void)cls;
    struct mlx5_model *md = model(m);
    int n = (int)(sizeof(stat_offsets) / sizeof(stat_offsets[0]));
    if (which >= 0 && which < n) {
        uint64_t v;
        memcpy(&v, (const uint8_t *)&md->stats + stat_offsets[which], sizeof(v));
        return (jlong)v;
    }
    if (which == n) {
        uint64_t o = 0;
        for (uint32_t q = 0; q < md->cfg.n_rxq; q++)
            o += md->sq[q].cq.overruns + md->rq[q].cq.overruns;
        return (jlong)o;
    }
    /* After CQ_OVERRUNS: Mlx5ModelNative.TX_TSO_WQES, TX_TSO_SEGMENTS. */
    if (which == n + 1)
        return (jlong)md->stats.tx_tso_wqes;
    if (which == n + 2)
        return (jlong)md->stats.tx_tso_segments;
    /* Then Mlx5ModelNative.TX_WQE_REWRITTEN, RX_WQE_REWRITTEN (threaded mode). */
    if (which == n + 3)
        return (jlong)md->stats.tx_wqe_rewritten;
    if (which == n + 4)
        return (jlong)md->stats.rx_wqe_rewritten;
    return -EINVAL;
}

/* Starts the adversarial hardware thread between two models (mlx5_model_hw_start): from then on it moves frames
 * and writes completions concurrently with the driver; the test never steps the models itself. */
static jlong JNICALL m_hw_start(JNIEnv *env, jclass cls, jlong a, jlong b, jint seed, jint max_spin)
{
    (void)env;
    (void)cls;
    if (max_spin < 0)
        return -EINVAL;
    struct mlx5_model_hw *hw = mlx5_model_hw_start(model(a), model(b), (uint32_t)seed, (uint32_t)max_spin);
    return hw != NULL ? (jlong)(uintptr_t)hw : -ENOMEM;
}

/* Stops it once everything posted was executed and completed; returns its step count. */
static jlong JNICALL m_hw_stop(JNIEnv *env, jclass cls, jlong hw)
{
    (void)env;
    (void)cls;
    return (jlong)mlx5_model_hw_stop((struct mlx5_model_hw *)(uintptr_t)hw);
}

static jint JNICALL m_destroy(JNIEnv *env, jclass cls, jlong m)
{
    (void)env;
    (void)cls;
    mlx5_model_destroy(model(m));
    return 0;
}

static const JNINativeMethod model_methods[] = {
    { "create", "(IIIIJZIZZI)J", (void *)m_create },
    { "openPort", "(JLjava/nio/ByteBuffer;II)J", (void *)m_open_port },
    { "wire", "(JJ)I", (void *)m_wire },
    { "tx", "(JLjava/nio/ByteBuffer;Ljava/nio/ByteBuffer;I)I", (void *)m_tx },
    { "rx", "(JLjava/nio/ByteBuffer;II)I", (void *)m_rx },
    { "flush", "(J)I", (void *)m_flush },
    { "inject", "(JZI)I", (void *)m_inject },
    { "setCompression", "(JZ)I", (void *)m_set_compression },
    { "stat", "(JI)J", (void *)m_stat },
    { "hwStart", "(JJII)J", (void *)m_hw_start },
    { "hwStop", "(J)J", (void *)m_hw_stop },
    { "destroy", "(J)I", (void *)m_destroy },
};

static const struct jbp_jni_binding model_binding = {
    .class_name = "org/jbypass/provider/driver/Mlx5ModelNative",
    .methods = model_methods,
    .count = (int)(sizeof(model_methods) / sizeof(model_methods[0])),
};

JBP_EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    return jbp_jni_register(env, &model_binding) < 0 ? JNI_ERR : JNI_VERSION_1_8;
}
