/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native contract shared by every JNI binding (docs/ARCHITECTURE.md, "Native contract"), and the helpers that
 * keep it in one place (jbp_jni.c):
 *   - Registration: a binding is a class name and a table of natives (struct jbp_jni_binding); JNI_OnLoad
 *     (jbp_onload.c) registers each binding of its explicit list. A binding class absent from the class path is
 *     skipped; one that is present but does not match its table fails the load.
 *   - Results: every native returns a count, a handle or 0 for success, or -errno; none throws. Addresses are
 *     results too: -EINVAL, never 0, for a buffer that is not direct.
 *   - Arguments: an object argument (string, buffer, array) is checked before use (null, not direct, too small,
 *     too long: -EINVAL); hot-path natives take only primitives.
 *   - Explanations: errno's text comes from errorMessage(errno), the same function in every binding; what a
 *     driver knows beyond errno goes into caller-allocated arrays at open (long[] facts, String[] texts) and, once
 *     a handle exists, into the handle's error text.
 *   - The Link contract (refused frames move to the front of the burst) is the Java link's: a transmit native
 *     returns how many frames, from slot 0, were accepted, and leaves the descriptors as they were.
 */
#ifndef JBP_JNI_H
#define JBP_JNI_H

#include <stddef.h>

#include <jni.h>

#define JBP_EXPORT __attribute__((visibility("default")))

/* A binding: the class whose static natives it implements, and their table. */
struct jbp_jni_binding {
    const char *class_name; /* binary name, "org/jbypass/provider/driver/AfPacketNative" */
    const JNINativeMethod *methods;
    int count;
};

extern const struct jbp_jni_binding jbp_afpacket_binding; /* jbp_afpacket_jni.c */
extern const struct jbp_jni_binding jbp_rdma_binding;     /* jbp_rdma_jni.c */

/*
 * Registers a binding's natives. Returns 1 when registered, 0 when its class is not on the class path (the
 * NoClassDefFoundError is cleared: that driver is unavailable, the others work), or -1 with an exception pending
 * (the class does not match the table: NoSuchMethodError), which JNI_OnLoad turns into a failed load.
 */
int jbp_jni_register(JNIEnv *env, const struct jbp_jni_binding *binding);

/* Copies a Java string into dst as NUL-terminated modified UTF-8: 0, or -EINVAL when it is null, empty or does
 * not fit in capacity bytes with its NUL. */
int jbp_jni_string(JNIEnv *env, jstring s, char *dst, size_t capacity);

/* The address of a direct buffer of at least min_bytes, or NULL when the buffer is null, not direct or smaller. */
void *jbp_jni_direct(JNIEnv *env, jobject buffer, jlong min_bytes);

/* Whether an array argument is non-null and holds at least length elements. */
int jbp_jni_array_fits(JNIEnv *env, jarray array, jsize length);

/* Stores a text as element index of a String[] that jbp_jni_array_fits() accepted. 0, or -ENOMEM. */
int jbp_jni_put_text(JNIEnv *env, jobjectArray out, jsize index, const char *text);

/* Natives that every binding declares the same way: address(ByteBuffer) is the buffer's address or -EINVAL;
 * errorMessage(int) is strerror(3) of an errno, positive or negative. */
jlong JNICALL jbp_jni_address(JNIEnv *env, jclass cls, jobject buffer);
jstring JNICALL jbp_jni_error_message(JNIEnv *env, jclass cls, jint err);

#define JBP_JNI_ADDRESS_METHOD {"address", "(Ljava/nio/ByteBuffer;)J", (void *)jbp_jni_address}
#define JBP_JNI_ERROR_MESSAGE_METHOD {"errorMessage", "(I)Ljava/lang/String;", (void *)jbp_jni_error_message}

#endif
