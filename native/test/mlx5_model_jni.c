/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test-only JNI library (libjbp_mlx5_model.so) for the Java tests of RdmaLink: it builds mlx5 model ports and
 * opens the driver's port handle on their rings. Java then drives that handle through RdmaLink and the
 * production natives of libjbypass.so, so the Direct Verbs datapath that runs is the production one; only the
 * ring memory and the "adapter" (the model, stepped by the test) differ. jbypass.jar contains nothing of this.
 *
 * Natives of org.jbypass.provider.driver.Mlx5ModelNative (java-provider/src/test).
 */
#include <errno.h>
#include <jni.h>
#include <string.h>

#include "mlx5_model.h"

#define EXPORT __attribute__((visibility("default")))

static struct mlx5_model *model(jlong h)
{
    return (struct mlx5_model *)(uintptr_t)h;
}

static jlong JNICALL m_create(JNIEnv *env, jclass cls, jint n_rxq, jint rx_size, jint tx_size, jint mtu, jlong mac,
                              jboolean compression, jint max_session, jboolean csum, jboolean poison)
{
    (void)env;
    (void)cls;
    struct mlx5_model_cfg cfg = {
        .n_rxq = (uint32_t)n_rxq, .rx_size = (uint32_t)rx_size, .tx_size = (uint32_t)tx_size,
        .mtu = (uint32_t)mtu, .mac = (uint64_t)mac, .compression = compression,
        .max_session = (uint32_t)max_session, .csum = csum, .poison_holes = poison,
    };
    return (jlong)(uintptr_t)mlx5_model_create(&cfg);
}

static jlong JNICALL m_open_port(JNIEnv *env, jclass cls, jlong m, jobject pool, jint buf_size, jint count)
{
    (void)cls;
    uint8_t *base = (*env)->GetDirectBufferAddress(env, pool);
    if (base == NULL || (*env)->GetDirectBufferCapacity(env, pool) < (jlong)buf_size * count)
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
    struct capture c = { .max = max };
    c.out = (*env)->GetDirectBufferAddress(env, out);
    c.lens = (*env)->GetDirectBufferAddress(env, lens);
    c.cap_bytes = (jint)(*env)->GetDirectBufferCapacity(env, out);
    if (c.out == NULL || c.lens == NULL)
        return -EINVAL;
    mlx5_model_tx(model(m), capture_frame, &c);
    return c.n;
}

static jint JNICALL m_rx(JNIEnv *env, jclass cls, jlong m, jobject frame, jint offset, jint len)
{
    (void)cls;
    uint8_t *f = (*env)->GetDirectBufferAddress(env, frame);
    if (f == NULL || offset < 0 || len < 0 || (*env)->GetDirectBufferCapacity(env, frame) < (jlong)offset + len)
        return -EINVAL;
    return mlx5_model_rx(model(m), f + offset, (uint32_t)len);
}

static void JNICALL m_flush(JNIEnv *env, jclass cls, jlong m)
{
    (void)env;
    (void)cls;
    mlx5_model_rx_flush(model(m));
}

static void JNICALL m_inject(JNIEnv *env, jclass cls, jlong m, jboolean tx, jint syndrome)
{
    (void)env;
    (void)cls;
    if (tx)
        model(m)->inject_tx_syndrome = (uint8_t)syndrome;
    else
        model(m)->inject_rx_syndrome = (uint8_t)syndrome;
}

static void JNICALL m_set_compression(JNIEnv *env, jclass cls, jlong m, jboolean on)
{
    (void)env;
    (void)cls;
    model(m)->cfg.compression = on;
}

/* The model's counters, in the order of struct mlx5_model_stats, then the CQ overruns. */
static jlong JNICALL m_stat(JNIEnv *env, jclass cls, jlong m, jint which)
{
    (void)env;
    (void)cls;
    struct mlx5_model *md = model(m);
    const uint64_t *s = (const uint64_t *)&md->stats;
    int n = (int)(sizeof(md->stats) / sizeof(uint64_t));
    if (which >= 0 && which < n)
        return (jlong)s[which];
    if (which == n) {
        uint64_t o = md->sq.cq.overruns;
        for (uint32_t q = 0; q < md->cfg.n_rxq; q++)
            o += md->rq[q].cq.overruns;
        return (jlong)o;
    }
    return -1;
}

static void JNICALL m_destroy(JNIEnv *env, jclass cls, jlong m)
{
    (void)env;
    (void)cls;
    mlx5_model_destroy(model(m));
}

EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    static const JNINativeMethod methods[] = {
        { "create", "(IIIIJZIZZ)J", (void *)m_create },
        { "openPort", "(JLjava/nio/ByteBuffer;II)J", (void *)m_open_port },
        { "wire", "(JJ)I", (void *)m_wire },
        { "tx", "(JLjava/nio/ByteBuffer;Ljava/nio/ByteBuffer;I)I", (void *)m_tx },
        { "rx", "(JLjava/nio/ByteBuffer;II)I", (void *)m_rx },
        { "flush", "(J)V", (void *)m_flush },
        { "inject", "(JZI)V", (void *)m_inject },
        { "setCompression", "(JZ)V", (void *)m_set_compression },
        { "stat", "(JI)J", (void *)m_stat },
        { "destroy", "(J)V", (void *)m_destroy },
    };
    jclass cls = (*env)->FindClass(env, "org/jbypass/provider/driver/Mlx5ModelNative");
    if (cls == NULL)
        return JNI_ERR;
    if ((*env)->RegisterNatives(env, cls, methods, (jint)(sizeof(methods) / sizeof(methods[0]))) != 0)
        return JNI_ERR;
    return JNI_VERSION_1_8;
}
