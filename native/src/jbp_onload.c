/* SPDX-License-Identifier: Apache-2.0 */
/* JNI entry point: registers the natives of every binding class (RegisterNatives, not Java_ symbols). */
#include <jni.h>

#define JBP_EXPORT __attribute__((visibility("default")))

JBP_EXPORT jint JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    return JNI_VERSION_1_8;
}
