/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JNI binding of the rdma driver: the natives of org.jbypass.provider.driver.RdmaNative. The datapath natives
 * take only primitives (the handle, a queue, the burst's descriptor address, a count) and cross JNI once per
 * burst; errors come back as -errno, with the explanation in the port's error text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jbp_jni.h"
#include "jbp_rdma.h"
#include "jbp_rdma_device.h"

static struct jbp_rdma_port *port(jlong h)
{
    return (struct jbp_rdma_port *)(uintptr_t)h;
}

static void put_text(JNIEnv *env, jobject buf, const char *text)
{
    if (buf == NULL)
        return;
    char *dst = (*env)->GetDirectBufferAddress(env, buf);
    jlong cap = (*env)->GetDirectBufferCapacity(env, buf);
    if (dst == NULL || cap <= 0)
        return;
    size_t n = strlen(text);
    if ((jlong)n >= cap)
        n = (size_t)cap - 1;
    memcpy(dst, text, n);
    dst[n] = '\0';
}

static jlong JNICALL rdma_open(JNIEnv *env, jclass cls, jstring host_if, jint mode, jint rxq, jint rx_size,
                               jint tx_size, jlong mac, jint mtu, jboolean allow_netdev_mac, jboolean compression,
                               jobject pool, jint buf_size, jint buf_count, jstring ibverbs, jstring mlx5,
                               jstring sys_root, jstring dev_root, jobject err_buf, jobject warn_buf)
{
    (void)cls;
    char err[JBP_RDMA_ERR_LEN] = "";
    char warn[JBP_RDMA_ERR_LEN] = "";
    uint8_t *base = (*env)->GetDirectBufferAddress(env, pool);
    jlong cap = (*env)->GetDirectBufferCapacity(env, pool);
    if (base == NULL || buf_size <= 0 || buf_count <= 0 || rxq <= 0 || rx_size <= 0 || tx_size <= 0 || mtu <= 0
        || cap < (jlong)buf_size * buf_count) {
        put_text(env, err_buf, "the packet pool is not a direct buffer of bufferSize x bufferCount bytes");
        return -EINVAL;
    }
    const char *h = (*env)->GetStringUTFChars(env, host_if, NULL);
    const char *lv = (*env)->GetStringUTFChars(env, ibverbs, NULL);
    const char *lm = (*env)->GetStringUTFChars(env, mlx5, NULL);
    const char *sr = (*env)->GetStringUTFChars(env, sys_root, NULL);
    const char *dr = (*env)->GetStringUTFChars(env, dev_root, NULL);
    jlong rc = -ENOMEM;
    if (h != NULL && lv != NULL && lm != NULL && sr != NULL && dr != NULL) {
        struct jbp_rdma_open_args a = {
            .host_if = h, .mode = mode, .n_rxq = (uint32_t)rxq, .rx_size = (uint32_t)rx_size,
            .tx_size = (uint32_t)tx_size, .mac = (uint64_t)mac, .mtu = (uint32_t)mtu,
            .allow_netdev_mac = allow_netdev_mac, .cqe_compression = compression, .pool_base = base,
            .buf_size = (uint32_t)buf_size, .buf_count = (uint32_t)buf_count, .ibverbs_name = lv,
            .mlx5_name = lm, .sys_root = sr, .dev_root = dr,
        };
        int code = 0;
        struct jbp_rdma_port *p = jbp_rdma_device_open(&a, &code, err, sizeof(err), warn, sizeof(warn));
        rc = p != NULL ? (jlong)(uintptr_t)p : code;
    } else {
        snprintf(err, sizeof(err), "out of memory");
    }
    if (h != NULL)
        (*env)->ReleaseStringUTFChars(env, host_if, h);
    if (lv != NULL)
        (*env)->ReleaseStringUTFChars(env, ibverbs, lv);
    if (lm != NULL)
        (*env)->ReleaseStringUTFChars(env, mlx5, lm);
    if (sr != NULL)
        (*env)->ReleaseStringUTFChars(env, sys_root, sr);
    if (dr != NULL)
        (*env)->ReleaseStringUTFChars(env, dev_root, dr);
    put_text(env, err_buf, err);
    put_text(env, warn_buf, warn);
    return rc;
}

static jint JNICALL rdma_check(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    return jbp_port_check(port(h));
}

static jobject JNICALL rdma_status(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    struct jbp_rdma_port *p = port(h);
    return (*env)->NewDirectByteBuffer(env, (void *)p->status, (jlong)JBP_ST_WORDS(p->n_rxq) * 8);
}

static jobject JNICALL rdma_reclaim(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    struct jbp_rdma_port *p = port(h);
    return (*env)->NewDirectByteBuffer(env, p->reclaim, (jlong)p->reclaim_cap * 4);
}

static jint JNICALL rdma_fill_rx(JNIEnv *env, jclass cls, jlong h, jobject buffers, jint count)
{
    (void)cls;
    const uint32_t *b = (*env)->GetDirectBufferAddress(env, buffers);
    if (b == NULL || count < 0 || (*env)->GetDirectBufferCapacity(env, buffers) < (jlong)count * 4)
        return -EINVAL;
    return jbp_port_fill_rx(port(h), b, (uint32_t)count);
}

static jint JNICALL rdma_receive(JNIEnv *env, jclass cls, jlong h, jint q, jlong descriptors, jint cap)
{
    (void)env;
    (void)cls;
    if (q < 0 || cap < 0)
        return -EINVAL;
    return jbp_port_receive(port(h), (uint32_t)q, (struct jbp_desc *)(uintptr_t)descriptors, (uint32_t)cap);
}

static jint JNICALL rdma_transmit(JNIEnv *env, jclass cls, jlong h, jlong descriptors, jint count)
{
    (void)env;
    (void)cls;
    if (count < 0)
        return -EINVAL;
    return jbp_port_transmit(port(h), (struct jbp_desc *)(uintptr_t)descriptors, (uint32_t)count);
}

static jint JNICALL rdma_set_mac(JNIEnv *env, jclass cls, jlong h, jlong mac)
{
    (void)env;
    (void)cls;
    return jbp_port_set_mac(port(h), (uint64_t)mac);
}

static jint JNICALL rdma_await(JNIEnv *env, jclass cls, jlong h, jlong timeout_ns)
{
    (void)env;
    (void)cls;
    return jbp_port_await(port(h), timeout_ns);
}

static jint JNICALL rdma_wakeup(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    return jbp_port_wakeup(port(h));
}

static jint JNICALL rdma_quiesce(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    return jbp_port_quiesce(port(h));
}

static void JNICALL rdma_destroy(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    struct jbp_rdma_port *p = port(h);
    p->backend->destroy(p);
}

static jstring JNICALL rdma_last_error(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    return (*env)->NewStringUTF(env, port(h)->error);
}

static jlong JNICALL rdma_address(JNIEnv *env, jclass cls, jobject buf)
{
    (void)cls;
    return (jlong)(uintptr_t)(*env)->GetDirectBufferAddress(env, buf);
}

int jbp_rdma_register(JNIEnv *env)
{
    static const JNINativeMethod methods[] = {
        { "open",
          "(Ljava/lang/String;IIIIJIZZLjava/nio/ByteBuffer;IILjava/lang/String;Ljava/lang/String;"
          "Ljava/lang/String;Ljava/lang/String;Ljava/nio/ByteBuffer;Ljava/nio/ByteBuffer;)J",
          (void *)rdma_open },
        { "check", "(J)I", (void *)rdma_check },
        { "status", "(J)Ljava/nio/ByteBuffer;", (void *)rdma_status },
        { "reclaim", "(J)Ljava/nio/ByteBuffer;", (void *)rdma_reclaim },
        { "fillRx", "(JLjava/nio/ByteBuffer;I)I", (void *)rdma_fill_rx },
        { "receive", "(JIJI)I", (void *)rdma_receive },
        { "transmit", "(JJI)I", (void *)rdma_transmit },
        { "setMac", "(JJ)I", (void *)rdma_set_mac },
        { "await", "(JJ)I", (void *)rdma_await },
        { "wakeup", "(J)I", (void *)rdma_wakeup },
        { "quiesce", "(J)I", (void *)rdma_quiesce },
        { "destroy", "(J)V", (void *)rdma_destroy },
        { "lastError", "(J)Ljava/lang/String;", (void *)rdma_last_error },
        { "address", "(Ljava/nio/ByteBuffer;)J", (void *)rdma_address },
    };
    return jbp_register_natives(env, "org/jbypass/provider/driver/RdmaNative", methods,
                                (int)(sizeof(methods) / sizeof(methods[0])));
}
