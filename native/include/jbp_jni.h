/* SPDX-License-Identifier: Apache-2.0 */
/* Registration hooks: each binding file registers its class's natives from JNI_OnLoad (jbp_onload.c). */
#ifndef JBP_JNI_H
#define JBP_JNI_H

#include <jni.h>

#define JBP_EXPORT __attribute__((visibility("default")))

/* Each returns 0, or a negative value after leaving a pending Java exception. */
int jbp_afpacket_register(JNIEnv *env);
int jbp_rdma_register(JNIEnv *env);

/* Registers natives on a class given its binary name ("org/jbypass/provider/driver/AfPacketNative"). */
int jbp_register_natives(JNIEnv *env, const char *class_name, const JNINativeMethod *methods, int count);

#endif
