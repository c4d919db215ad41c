/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JNI entry point. Natives are registered with RegisterNatives rather than exported as Java_ symbols, so the
 * library exports nothing but JNI_OnLoad (-fvisibility=hidden) and a binding class that is absent from the class
 * path is simply not registered.
 */
#include "jbp_jni.h"

/* Weak so that each driver's binding can be built and tested on its own branch before the other lands. */
int jbp_afpacket_register(JNIEnv *env) __attribute__((weak));
int jbp_rdma_register(JNIEnv *env) __attribute__((weak));

int jbp_register_natives(JNIEnv *env, const char *class_name, const JNINativeMethod *methods, int count)
{
    jclass cls = (*env)->FindClass(env, class_name);
    if (cls == NULL)
        return -1; /* NoClassDefFoundError pending */
    int rc = (*env)->RegisterNatives(env, cls, methods, count);
    (*env)->DeleteLocalRef(env, cls);
    return rc == 0 ? 0 : -1;
}

JBP_EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    if (jbp_afpacket_register && jbp_afpacket_register(env) < 0)
        return JNI_ERR;
    if (jbp_rdma_register && jbp_rdma_register(env) < 0)
        return JNI_ERR;
    return JNI_VERSION_1_8;
}
