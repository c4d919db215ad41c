/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JNI binding of the afpacket driver: the static natives of org.jbypass.provider.driver.AfPacketNative, under the
 * contract of jbp_jni.h (counts or -errno, arguments checked, nothing thrown).
 *
 * Handles and addresses cross as jlong; bursts cross as the address of their descriptor array, taken once per
 * burst object (address()), so the hot natives (receive, transmit) take only primitives and do no JNI callbacks.
 * What open learned about the netdev, and which step failed, comes back in a long[]; AfPacketLink words it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include "jbp_afpacket.h"
#include "jbp_vnet.h"
#include "jbp_jni.h"

/* Indices of the long[] that open() fills; AfPacketNative.INFO_* mirror them. */
enum {
    INFO_FAILED_STEP,
    INFO_IFINDEX,
    INFO_NETDEV_MTU,
    INFO_MTU,
    INFO_IFFLAGS,
    INFO_LINK_TYPE,
    INFO_NETDEV_MAC,
    INFO_RX_RING_BYTES,
    INFO_RX_RING_FRAMES,
    INFO_RX_FRAME_SIZE,
    INFO_LENGTH
};

static inline struct jbp_afpacket *handle_of(jlong handle)
{
    return (struct jbp_afpacket *)(intptr_t)handle;
}

/* Into an array that jbp_jni_array_fits() accepted. */
static void put_info(JNIEnv *env, jlongArray out, const struct jbp_afpacket_info *info)
{
    uint64_t mac = 0;
    for (int i = 0; i < 6; i++)
        mac = (mac << 8) | info->netdev_mac[i];
    jlong values[INFO_LENGTH] = {
        [INFO_FAILED_STEP] = info->failed_step,
        [INFO_IFINDEX] = info->ifindex,
        [INFO_NETDEV_MTU] = info->netdev_mtu,
        [INFO_MTU] = info->mtu,
        [INFO_IFFLAGS] = info->ifflags,
        [INFO_LINK_TYPE] = info->link_type,
        [INFO_NETDEV_MAC] = (jlong)mac,
        [INFO_RX_RING_BYTES] = (jlong)info->rx_ring_bytes,
        [INFO_RX_RING_FRAMES] = info->rx_ring_frames,
        [INFO_RX_FRAME_SIZE] = info->rx_frame_size,
    };
    (*env)->SetLongArrayRegion(env, out, 0, INFO_LENGTH, values);
}

static jlong JNICALL afp_open(JNIEnv *env, jclass cls, jstring ifname, jobject pool, jint buffer_size,
                              jint buffer_count, jint rx_ring, jint block_size, jint block_count, jint block_timeout_ms,
                              jint tx_queue_size, jint mtu, jlong mac, jint flags, jobject stats, jlongArray info_out)
{
    (void)cls;
    if (!jbp_jni_array_fits(env, info_out, INFO_LENGTH))
        return -EINVAL;
    struct jbp_afpacket_info info;
    memset(&info, 0, sizeof(info));
    info.failed_step = JBP_AFP_STEP_ARGUMENTS;
    char name[IFNAMSIZ];
    void *pool_base = NULL;
    void *stats_base = NULL;
    if (buffer_size > 0 && buffer_count > 0) {
        pool_base = jbp_jni_direct(env, pool, (jlong)buffer_size * buffer_count);
        stats_base = jbp_jni_direct(env, stats, (jlong)sizeof(struct jbp_afpacket_stats));
    }
    if (jbp_jni_string(env, ifname, name, sizeof(name)) < 0 || pool_base == NULL || stats_base == NULL
        || ((uintptr_t)stats_base & 7) != 0 || rx_ring < 0 || block_size <= 0 || block_count <= 0
        || block_timeout_ms <= 0 || tx_queue_size <= 0 || mtu < 0) {
        put_info(env, info_out, &info);
        return -EINVAL;
    }

    struct jbp_afpacket_config config = {
        .ifname = name,
        .pool_base = pool_base,
        .buffer_size = (uint32_t)buffer_size,
        .buffer_count = (uint32_t)buffer_count,
        .rx_ring = (uint32_t)rx_ring,
        .block_size = (uint32_t)block_size,
        .block_count = (uint32_t)block_count,
        .block_timeout_ms = (uint32_t)block_timeout_ms,
        .tx_queue_size = (uint32_t)tx_queue_size,
        .mtu = (uint32_t)mtu,
        .flags = (uint32_t)flags,
        .stats = stats_base,
    };
    for (int i = 0; i < 6; i++)
        config.mac[i] = (uint8_t)((uint64_t)mac >> (40 - 8 * i));

    struct jbp_afpacket *h;
    int rc = jbp_afpacket_open(&config, &h, &info);
    put_info(env, info_out, &info);
    return rc < 0 ? rc : (jlong)(intptr_t)h;
}

static jint JNICALL afp_receive(JNIEnv *env, jclass cls, jlong handle, jlong descriptors, jint capacity)
{
    (void)env;
    (void)cls;
    if (capacity <= 0)
        return 0;
    return jbp_afpacket_rx_burst(handle_of(handle), (struct jbp_desc *)(intptr_t)descriptors, (uint32_t)capacity);
}

static jint JNICALL afp_transmit(JNIEnv *env, jclass cls, jlong handle, jlong descriptors, jint count)
{
    (void)env;
    (void)cls;
    if (count <= 0)
        return 0;
    return jbp_afpacket_tx_burst(handle_of(handle), (const struct jbp_desc *)(intptr_t)descriptors,
                                 (uint32_t)count);
}

/*
 * jbp_afpacket_tx_gather() of a head pool buffer and `count` slices of Java byte arrays, slice i being lengths[i]
 * bytes of arrays[i] from offsets[i]. The arrays are pinned (GetPrimitiveArrayCritical) only for the sendmsg(2),
 * which copies them and never blocks (MSG_DONTWAIT); no other JNI call is made while they are. Slices outside their
 * arrays, or more than JBP_AFP_MAX_GATHER, are refused with -EINVAL before anything is sent.
 */
static jint JNICALL afp_transmit_gather(JNIEnv *env, jclass cls, jlong handle, jint head, jint head_length,
                                        jint flags, jobjectArray arrays, jintArray offsets, jintArray lengths,
                                        jint count)
{
    (void)cls;
    if (arrays == NULL || offsets == NULL || lengths == NULL || count < 0 || (uint32_t)count > JBP_AFP_MAX_GATHER
        || head < 0 || head_length < 0 || (*env)->GetArrayLength(env, arrays) < count
        || (*env)->GetArrayLength(env, offsets) < count || (*env)->GetArrayLength(env, lengths) < count
        || (*env)->EnsureLocalCapacity(env, count) < 0)
        return -EINVAL;
    jint off[JBP_AFP_MAX_GATHER];
    jint len[JBP_AFP_MAX_GATHER];
    jbyteArray array[JBP_AFP_MAX_GATHER];
    (*env)->GetIntArrayRegion(env, offsets, 0, count, off);
    (*env)->GetIntArrayRegion(env, lengths, 0, count, len);
    for (jint i = 0; i < count; i++) {
        array[i] = (jbyteArray)(*env)->GetObjectArrayElement(env, arrays, i);
        if (array[i] == NULL || off[i] < 0 || len[i] < 0
            || (int64_t)off[i] + len[i] > (*env)->GetArrayLength(env, array[i]))
            return -EINVAL; /* local references go when the native returns */
    }
    struct iovec payload[JBP_AFP_MAX_GATHER];
    jint pinned = 0;
    int rc = 0;
    for (; pinned < count; pinned++) {
        uint8_t *bytes = (*env)->GetPrimitiveArrayCritical(env, array[pinned], NULL);
        if (bytes == NULL) {
            rc = -ENOMEM;
            break;
        }
        payload[pinned].iov_base = bytes + off[pinned];
        payload[pinned].iov_len = (size_t)len[pinned];
    }
    if (rc == 0) {
        struct jbp_desc d = {.buffer = (uint32_t)head, .length = (uint32_t)head_length, .flags = (uint32_t)flags};
        rc = jbp_afpacket_tx_gather(handle_of(handle), &d, payload, (uint32_t)count);
    }
    while (pinned > 0) {
        pinned--;
        /* JNI_ABORT: nothing was written, nothing to copy back (a copy, were the JVM to make one, is freed). */
        (*env)->ReleasePrimitiveArrayCritical(env, array[pinned], (uint8_t *)payload[pinned].iov_base - off[pinned],
                                              JNI_ABORT);
    }
    return rc;
}

static jint JNICALL afp_defer_transmit(JNIEnv *env, jclass cls, jlong handle, jboolean on)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_defer_tx(handle_of(handle), on == JNI_TRUE);
}

static jint JNICALL afp_kick(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_kick(handle_of(handle));
}

static jint JNICALL afp_receive_ready(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_rx_ready(handle_of(handle));
}

static jint JNICALL afp_multicast(JNIEnv *env, jclass cls, jlong handle, jlong mac, jboolean add)
{
    (void)env;
    (void)cls;
    uint8_t bytes[6];
    for (int i = 0; i < 6; i++)
        bytes[i] = (uint8_t)((uint64_t)mac >> (8 * (5 - i)));
    return jbp_afpacket_multicast(handle_of(handle), bytes, add == JNI_TRUE);
}

static jint JNICALL afp_await(JNIEnv *env, jclass cls, jlong handle, jlong timeout_ns)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_wait(handle_of(handle), timeout_ns);
}

static jint JNICALL afp_wakeup(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_wakeup(handle_of(handle));
}

static jint JNICALL afp_refresh_statistics(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    return jbp_afpacket_refresh_stats(handle_of(handle));
}

static jint JNICALL afp_close(JNIEnv *env, jclass cls, jlong handle)
{
    (void)env;
    (void)cls;
    jbp_afpacket_close(handle_of(handle));
    return 0;
}

static jint JNICALL afp_stats_words(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jint)JBP_AFP_STATS_WORDS;
}

static jint JNICALL afp_info_length(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return INFO_LENGTH;
}

/*
 * jbp_vnet_parse() on a virtio_net_hdr and a frame in direct buffers, for tests and fuzzing of the check the
 * receive path makes: the first descriptor's flags (>= 0), or -verdict when the header is refused, or -EINVAL-1000
 * for arguments outside the buffers.
 */
static jlong JNICALL afp_parse_vnet(JNIEnv *env, jclass cls, jobject header, jobject frame, jint readable,
                                    jint length)
{
    (void)cls;
    const uint8_t *h = header == NULL ? NULL : (*env)->GetDirectBufferAddress(env, header);
    const uint8_t *f = frame == NULL ? NULL : (*env)->GetDirectBufferAddress(env, frame);
    if (h == NULL || f == NULL || (*env)->GetDirectBufferCapacity(env, header) < JBP_VNET_HDR_LEN || readable < 0
        || length < 0 || (*env)->GetDirectBufferCapacity(env, frame) < readable)
        return -EINVAL - 1000;
    struct jbp_vnet_hdr vh;
    memcpy(&vh, h, sizeof(vh));
    uint32_t flags;
    int verdict = jbp_vnet_parse(&vh, f, (uint32_t)readable, (uint32_t)length, &flags);
    return verdict == JBP_VNET_OK ? (jlong)flags : -(jlong)verdict;
}

static const JNINativeMethod afpacket_methods[] = {
    {"open", "(Ljava/lang/String;Ljava/nio/ByteBuffer;IIIIIIIIJILjava/nio/ByteBuffer;[J)J", (void *)afp_open},
    {"receive", "(JJI)I", (void *)afp_receive},
    {"transmit", "(JJI)I", (void *)afp_transmit},
    {"transmitGather", "(JIII[[B[I[II)I", (void *)afp_transmit_gather},
    {"deferTransmit", "(JZ)I", (void *)afp_defer_transmit},
    {"kick", "(J)I", (void *)afp_kick},
    {"receiveReady", "(J)I", (void *)afp_receive_ready},
    {"multicast", "(JJZ)I", (void *)afp_multicast},
    {"await", "(JJ)I", (void *)afp_await},
    {"wakeup", "(J)I", (void *)afp_wakeup},
    {"refreshStatistics", "(J)I", (void *)afp_refresh_statistics},
    {"close", "(J)I", (void *)afp_close},
    JBP_JNI_ADDRESS_METHOD,
    JBP_JNI_ERROR_MESSAGE_METHOD,
    {"statsWords", "()I", (void *)afp_stats_words},
    {"infoLength", "()I", (void *)afp_info_length},
    {"parseVnet", "(Ljava/nio/ByteBuffer;Ljava/nio/ByteBuffer;II)J", (void *)afp_parse_vnet},
};

const struct jbp_jni_binding jbp_afpacket_binding = {
    .class_name = "org/jbypass/provider/driver/AfPacketNative",
    .methods = afpacket_methods,
    .count = (int)(sizeof(afpacket_methods) / sizeof(afpacket_methods[0])),
};
