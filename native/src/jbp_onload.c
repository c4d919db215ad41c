/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JNI entry point. Natives are registered with RegisterNatives rather than exported as Java_ symbols, so the
 * library exports nothing but JNI_OnLoad (-fvisibility=hidden). The bindings are listed here, each a class and its
 * table (jbp_jni.h): a binding class absent from the class path is skipped, one that does not match fails the load.
 */
#include "jbp_jni.h"

static const struct jbp_jni_binding *const bindings[] = {
    &jbp_afpacket_binding,
    &jbp_rdma_binding,
};

JBP_EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
        if (jbp_jni_register(env, bindings[i]) < 0)
            return JNI_ERR;
    return JNI_VERSION_1_8;
}
