/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JNI binding of the rdma driver: the natives of org.jbypass.provider.driver.RdmaNative. The datapath natives
 * take only primitives (the handle, a queue, the burst's descriptor address, a count) and cross JNI once per
 * burst. Under the contract of jbp_jni.h: counts or -errno, arguments checked, nothing thrown; what went wrong
 * beyond errno comes back in open's String[] (the error and the warnings), then in the port's error text
 * (lastError).
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "jbp_jni.h"
#include "jbp_rdma.h"
#include "jbp_rdma_device.h"

static struct jbp_rdma_port *port(jlong h)
{
    return (struct jbp_rdma_port *)(uintptr_t)h;
}

/* The texts open hands back in its String[]: RdmaNative.REPORT_* mirror them. */
enum { REPORT_ERROR, REPORT_WARNINGS, REPORT_LENGTH };

/* The rdma-core library names and the sysfs and /dev roots are paths. */
#define PATH_ARG_MAX 4096

static jlong report(JNIEnv *env, jobjectArray out, jlong rc, const char *error, const char *warnings)
{
    if (jbp_jni_put_text(env, out, REPORT_ERROR, error) < 0
        || jbp_jni_put_text(env, out, REPORT_WARNINGS, warnings) < 0)
        return rc < 0 ? rc : -ENOMEM;
    return rc;
}

static jlong JNICALL rdma_open(JNIEnv *env, jclass cls, jstring host_if, jint mode, jint rxq, jint rx_size,
                               jint tx_size, jlong mac, jint mtu, jboolean allow_netdev_mac, jboolean compression,
                               jobject pool, jint buf_size, jint buf_count, jstring ibverbs, jstring mlx5,
                               jstring sys_root, jstring dev_root, jobjectArray texts)
{
    (void)cls;
    if (!jbp_jni_array_fits(env, texts, REPORT_LENGTH))
        return -EINVAL;
    uint8_t *base = NULL;
    if (buf_size > 0 && buf_count > 0)
        base = jbp_jni_direct(env, pool, (jlong)buf_size * buf_count);
    if (base == NULL || rxq <= 0 || rx_size <= 0 || tx_size <= 0 || mtu <= 0)
        return report(env, texts, -EINVAL, "the packet pool is not a direct buffer of bufferSize x bufferCount bytes, "
                      "or a queue count, ring size or the MTU is not positive", "");
    char h[IFNAMSIZ];
    char lv[PATH_ARG_MAX], lm[PATH_ARG_MAX], sr[PATH_ARG_MAX], dr[PATH_ARG_MAX];
    if (jbp_jni_string(env, host_if, h, sizeof(h)) < 0)
        return report(env, texts, -EINVAL, "the interface name is missing or longer than IFNAMSIZ - 1 bytes", "");
    if (jbp_jni_string(env, ibverbs, lv, sizeof(lv)) < 0 || jbp_jni_string(env, mlx5, lm, sizeof(lm)) < 0
        || jbp_jni_string(env, sys_root, sr, sizeof(sr)) < 0 || jbp_jni_string(env, dev_root, dr, sizeof(dr)) < 0)
        return report(env, texts, -EINVAL, "a library name or a sysfs or /dev root is missing or too long", "");
    char err[JBP_RDMA_ERR_LEN] = "";
    char warn[JBP_RDMA_ERR_LEN] = "";
    struct jbp_rdma_open_args a = {
        .host_if = h, .mode = mode, .n_rxq = (uint32_t)rxq, .rx_size = (uint32_t)rx_size,
        .tx_size = (uint32_t)tx_size, .mac = (uint64_t)mac, .mtu = (uint32_t)mtu,
        .allow_netdev_mac = allow_netdev_mac, .cqe_compression = compression, .pool_base = base,
        .buf_size = (uint32_t)buf_size, .buf_count = (uint32_t)buf_count, .ibverbs_name = lv,
        .mlx5_name = lm, .sys_root = sr, .dev_root = dr,
    };
    int code = 0;
    struct jbp_rdma_port *p = jbp_rdma_device_open(&a, &code, err, sizeof(err), warn, sizeof(warn));
    jlong rc = report(env, texts, p != NULL ? (jlong)(uintptr_t)p : code, err, warn);
    if (p != NULL && rc < 0) {
        /* Java will never know of the port: close it here (no buffer was posted yet). */
        jbp_port_quiesce(p);
        p->backend->destroy(p);
    }
    return rc;
}

static jint JNICALL rdma_check(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    struct jbp_rdma_port *p = port(h);
    int rc = jbp_port_check(p);
    /* A port that another library opened (the mlx5 model's, in tests) runs this library's datapath from now on,
     * as a port opened here does. */
    if (rc == 0)
        jbp_port_set_mode(p, p->mode);
    return rc;
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
    if (count < 0)
        return -EINVAL;
    const uint32_t *b = jbp_jni_direct(env, buffers, (jlong)count * 4);
    if (b == NULL)
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

static jint JNICALL rdma_transmit(JNIEnv *env, jclass cls, jlong h, jint q, jlong descriptors, jint count)
{
    (void)env;
    (void)cls;
    if (q < 0 || count < 0)
        return -EINVAL;
    return jbp_port_transmit(port(h), (uint32_t)q, (const struct jbp_desc *)(uintptr_t)descriptors,
                             (uint32_t)count);
}

static jint JNICALL rdma_multicast(JNIEnv *env, jclass cls, jlong h, jlong mac, jboolean join)
{
    (void)env;
    (void)cls;
    return jbp_port_multicast(port(h), (uint64_t)mac, join != JNI_FALSE);
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

static jint JNICALL rdma_destroy(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    struct jbp_rdma_port *p = port(h);
    p->backend->destroy(p);
    return 0;
}

static jstring JNICALL rdma_last_error(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    return (*env)->NewStringUTF(env, port(h)->error);
}

static jstring JNICALL rdma_syndrome_words(JNIEnv *env, jclass cls, jint mode, jint code)
{
    (void)cls;
    return (*env)->NewStringUTF(env, jbp_rdma_syndrome_str(mode & 0xff, (uint8_t)code));
}

static jint JNICALL rdma_abi(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jint)JBP_RDMA_ABI;
}

static const JNINativeMethod rdma_methods[] = {
    { "open",
      "(Ljava/lang/String;IIIIJIZZLjava/nio/ByteBuffer;IILjava/lang/String;Ljava/lang/String;"
      "Ljava/lang/String;Ljava/lang/String;[Ljava/lang/String;)J",
      (void *)rdma_open },
    { "check", "(J)I", (void *)rdma_check },
    { "status", "(J)Ljava/nio/ByteBuffer;", (void *)rdma_status },
    { "reclaim", "(J)Ljava/nio/ByteBuffer;", (void *)rdma_reclaim },
    { "fillRx", "(JLjava/nio/ByteBuffer;I)I", (void *)rdma_fill_rx },
    { "receive", "(JIJI)I", (void *)rdma_receive },
    { "transmit", "(JIJI)I", (void *)rdma_transmit },
    { "setMac", "(JJ)I", (void *)rdma_set_mac },
    { "multicast", "(JJZ)I", (void *)rdma_multicast },
    { "await", "(JJ)I", (void *)rdma_await },
    { "wakeup", "(J)I", (void *)rdma_wakeup },
    { "quiesce", "(J)I", (void *)rdma_quiesce },
    { "destroy", "(J)I", (void *)rdma_destroy },
    { "lastError", "(J)Ljava/lang/String;", (void *)rdma_last_error },
    { "abi", "()I", (void *)rdma_abi },
    { "syndromeWords", "(II)Ljava/lang/String;", (void *)rdma_syndrome_words },
    JBP_JNI_ADDRESS_METHOD,
    JBP_JNI_ERROR_MESSAGE_METHOD,
};

const struct jbp_jni_binding jbp_rdma_binding = {
    .class_name = "org/jbypass/provider/driver/RdmaNative",
    .methods = rdma_methods,
    .count = (int)(sizeof(rdma_methods) / sizeof(rdma_methods[0])),
};
