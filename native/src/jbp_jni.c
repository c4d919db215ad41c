/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The helpers that hold the native contract of every JNI binding (jbp_jni.h): registration, argument checks, the
 * shared natives. Also linked into the test-only model library (native/test), whose binding follows the same
 * contract.
 */
#define _GNU_SOURCE /* the GNU strerror_r */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "jbp_jni.h"

int jbp_jni_register(JNIEnv *env, const struct jbp_jni_binding *binding)
{
    jclass cls = (*env)->FindClass(env, binding->class_name);
    if (cls == NULL) {
        /* Only a class that is not there is skipped (a trimmed class path); any other failure stays fatal. */
        jthrowable thrown = (*env)->ExceptionOccurred(env);
        (*env)->ExceptionClear(env);
        jclass missing = (*env)->FindClass(env, "java/lang/NoClassDefFoundError");
        int absent = missing != NULL && thrown != NULL && (*env)->IsInstanceOf(env, thrown, missing);
        if (missing != NULL)
            (*env)->DeleteLocalRef(env, missing);
        if (absent) {
            (*env)->DeleteLocalRef(env, thrown);
            return 0;
        }
        if (thrown != NULL) {
            (*env)->Throw(env, thrown);
            (*env)->DeleteLocalRef(env, thrown);
        }
        return -1;
    }
    int rc = (*env)->RegisterNatives(env, cls, binding->methods, binding->count);
    (*env)->DeleteLocalRef(env, cls);
    return rc == 0 ? 1 : -1; /* RegisterNatives leaves NoSuchMethodError pending */
}

int jbp_jni_string(JNIEnv *env, jstring s, char *dst, size_t capacity)
{
    if (s == NULL || capacity == 0)
        return -EINVAL;
    jsize utf_length = (*env)->GetStringUTFLength(env, s);
    if (utf_length <= 0 || (size_t)utf_length >= capacity)
        return -EINVAL;
    (*env)->GetStringUTFRegion(env, s, 0, (*env)->GetStringLength(env, s), dst);
    dst[utf_length] = '\0';
    return 0;
}

void *jbp_jni_direct(JNIEnv *env, jobject buffer, jlong min_bytes)
{
    /* GetDirectBufferAddress is not defined for a null reference. */
    if (buffer == NULL)
        return NULL;
    void *address = (*env)->GetDirectBufferAddress(env, buffer);
    if (address == NULL || (*env)->GetDirectBufferCapacity(env, buffer) < min_bytes)
        return NULL;
    return address;
}

int jbp_jni_array_fits(JNIEnv *env, jarray array, jsize length)
{
    return array != NULL && (*env)->GetArrayLength(env, array) >= length;
}

int jbp_jni_put_text(JNIEnv *env, jobjectArray out, jsize index, const char *text)
{
    jstring s = (*env)->NewStringUTF(env, text);
    if (s == NULL) {
        (*env)->ExceptionClear(env); /* OutOfMemoryError: the native says so with its result instead */
        return -ENOMEM;
    }
    (*env)->SetObjectArrayElement(env, out, index, s);
    (*env)->DeleteLocalRef(env, s);
    return 0;
}

jlong JNICALL jbp_jni_address(JNIEnv *env, jclass cls, jobject buffer)
{
    (void)cls;
    void *address = jbp_jni_direct(env, buffer, 0);
    return address == NULL ? -EINVAL : (jlong)(intptr_t)address;
}

jstring JNICALL jbp_jni_error_message(JNIEnv *env, jclass cls, jint err)
{
    (void)cls;
    char buffer[128];
    const char *message = strerror_r(err < 0 ? -err : err, buffer, sizeof(buffer));
    return (*env)->NewStringUTF(env, message);
}
