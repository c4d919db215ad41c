/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native contract's helpers (jbp_jni.c) on a fake JNIEnv: what registration does when a binding class is
 * there, absent, or does not match; how strings, direct buffers and arrays are checked before use. The fake
 * implements only the JNI functions the helpers may call; any other is a NULL pointer, so a helper that called one
 * would crash the test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jbp_jni.h"
#include "test_check.h"

/* Distinct objects the fake hands out: classes and throwables are just their addresses. */
static char binding_class, no_class_def_class, no_class_def_error, out_of_memory_error, no_such_method_error;
#define AS_OBJECT(x) ((jobject)(void *)&(x))

static struct {
    int class_present;
    int find_fails_otherwise; /* FindClass fails with an OutOfMemoryError rather than NoClassDefFoundError */
    jint register_rc;
    jthrowable pending;
    int registered;
    int local_refs;                /* created minus deleted */
    jlong capacity;                /* of the fake direct buffer */
    int null_buffer_dereferenced;
} fake;

static jclass JNICALL find_class(JNIEnv *env, const char *name)
{
    (void)env;
    if (strcmp(name, "java/lang/NoClassDefFoundError") == 0) {
        fake.local_refs++;
        return (jclass)AS_OBJECT(no_class_def_class);
    }
    if (fake.class_present) {
        fake.local_refs++;
        return (jclass)AS_OBJECT(binding_class);
    }
    fake.pending = (jthrowable)(fake.find_fails_otherwise ? AS_OBJECT(out_of_memory_error)
                                                          : AS_OBJECT(no_class_def_error));
    fake.local_refs++;
    return NULL;
}

static jthrowable JNICALL exception_occurred(JNIEnv *env)
{
    (void)env;
    return fake.pending;
}

static void JNICALL exception_clear(JNIEnv *env)
{
    (void)env;
    fake.pending = NULL;
}

static jint JNICALL throw_(JNIEnv *env, jthrowable t)
{
    (void)env;
    fake.pending = t;
    return 0;
}

static jboolean JNICALL is_instance_of(JNIEnv *env, jobject o, jclass c)
{
    (void)env;
    return o == AS_OBJECT(no_class_def_error) && c == (jclass)AS_OBJECT(no_class_def_class);
}

static void JNICALL delete_local_ref(JNIEnv *env, jobject o)
{
    (void)env;
    if (o != NULL)
        fake.local_refs--;
}

static jint JNICALL register_natives(JNIEnv *env, jclass c, const JNINativeMethod *m, jint n)
{
    (void)env;
    (void)m;
    CHECK(c == (jclass)AS_OBJECT(binding_class), "natives registered on the binding's class");
    if (fake.register_rc != 0) {
        fake.pending = (jthrowable)AS_OBJECT(no_such_method_error);
        return fake.register_rc;
    }
    fake.registered = n;
    return 0;
}

/* Strings: a jstring is the address of a C string (ASCII, so its UTF-8 and UTF-16 lengths agree). */
static jsize JNICALL string_length(JNIEnv *env, jstring s)
{
    (void)env;
    return (jsize)strlen((const char *)s);
}

static void JNICALL string_utf_region(JNIEnv *env, jstring s, jsize start, jsize length, char *buf)
{
    (void)env;
    memcpy(buf, (const char *)s + start, (size_t)length);
    buf[length] = '\0'; /* as HotSpot does: the caller's buffer must have room for it */
}

static void *JNICALL direct_address(JNIEnv *env, jobject b)
{
    (void)env;
    if (b == NULL)
        fake.null_buffer_dereferenced = 1;
    return b;
}

static jlong JNICALL direct_capacity(JNIEnv *env, jobject b)
{
    (void)env;
    if (b == NULL)
        fake.null_buffer_dereferenced = 1;
    return fake.capacity;
}

static jsize JNICALL array_length(JNIEnv *env, jarray a)
{
    (void)env;
    return *(const jsize *)(const void *)a;
}

static struct JNINativeInterface_ table;
static const struct JNINativeInterface_ *table_pointer = &table;

static JNIEnv *fake_env(void)
{
    memset(&fake, 0, sizeof(fake));
    memset(&table, 0, sizeof(table));
    table.FindClass = find_class;
    table.ExceptionOccurred = exception_occurred;
    table.ExceptionClear = exception_clear;
    table.Throw = throw_;
    table.IsInstanceOf = is_instance_of;
    table.DeleteLocalRef = delete_local_ref;
    table.RegisterNatives = register_natives;
    table.GetStringUTFLength = string_length;
    table.GetStringLength = string_length;
    table.GetStringUTFRegion = string_utf_region;
    table.GetDirectBufferAddress = direct_address;
    table.GetDirectBufferCapacity = direct_capacity;
    table.GetArrayLength = array_length;
    return (JNIEnv *)&table_pointer;
}

static const JNINativeMethod methods[] = {
    {"a", "()I", NULL},
    {"b", "()I", NULL},
};
static const struct jbp_jni_binding binding = {"org/jbypass/Test", methods, 2};

static void register_present_class(void)
{
    JNIEnv *env = fake_env();
    fake.class_present = 1;
    CHECK(jbp_jni_register(env, &binding) == 1, "registered");
    CHECK(fake.registered == 2, "both natives");
    CHECK(fake.pending == NULL, "no exception");
    CHECK(fake.local_refs == 0, "%d local references left", fake.local_refs);
}

static void register_skips_absent_class(void)
{
    JNIEnv *env = fake_env();
    CHECK(jbp_jni_register(env, &binding) == 0, "skipped");
    CHECK(fake.registered == 0, "nothing registered");
    CHECK(fake.pending == NULL, "the NoClassDefFoundError is cleared: the library still loads");
    CHECK(fake.local_refs == 0, "%d local references left", fake.local_refs);
}

static void register_fails_on_mismatch(void)
{
    JNIEnv *env = fake_env();
    fake.class_present = 1;
    fake.register_rc = -1;
    CHECK(jbp_jni_register(env, &binding) == -1, "a class that does not match fails the load");
    CHECK(fake.pending == (jthrowable)AS_OBJECT(no_such_method_error), "NoSuchMethodError stays pending");
}

static void register_keeps_other_failures(void)
{
    JNIEnv *env = fake_env();
    fake.find_fails_otherwise = 1;
    CHECK(jbp_jni_register(env, &binding) == -1, "only an absent class is skipped");
    CHECK(fake.pending == (jthrowable)AS_OBJECT(out_of_memory_error), "the error is thrown again");
}

static void strings_checked(void)
{
    JNIEnv *env = fake_env();
    char dst[8];
    CHECK(jbp_jni_string(env, NULL, dst, sizeof(dst)) == -EINVAL, "null");
    CHECK(jbp_jni_string(env, (jstring)(void *)"", dst, sizeof(dst)) == -EINVAL, "empty");
    CHECK(jbp_jni_string(env, (jstring)(void *)"1234567", dst, sizeof(dst)) == 0, "7 bytes and the NUL fit 8");
    CHECK(strcmp(dst, "1234567") == 0, "copied: %s", dst);
    memset(dst, 'x', sizeof(dst));
    CHECK(jbp_jni_string(env, (jstring)(void *)"12345678", dst, sizeof(dst)) == -EINVAL, "8 bytes do not");
    CHECK(dst[0] == 'x', "nothing written when it does not fit");
}

static void buffers_and_arrays_checked(void)
{
    JNIEnv *env = fake_env();
    static char memory[64];
    fake.capacity = sizeof(memory);
    CHECK(jbp_jni_direct(env, NULL, 0) == NULL, "null");
    CHECK(!fake.null_buffer_dereferenced, "GetDirectBufferAddress is never called on null");
    CHECK(jbp_jni_direct(env, AS_OBJECT(memory), 64) == memory, "large enough");
    CHECK(jbp_jni_direct(env, AS_OBJECT(memory), 65) == NULL, "too small");
    CHECK(jbp_jni_address(env, NULL, NULL) == -EINVAL, "address of null: -EINVAL, not 0");
    CHECK(jbp_jni_address(env, NULL, AS_OBJECT(memory)) == (jlong)(intptr_t)memory, "address");
    jsize three = 3;
    CHECK(!jbp_jni_array_fits(env, NULL, 1), "null array");
    CHECK(jbp_jni_array_fits(env, (jarray)(void *)&three, 3), "three elements hold three");
    CHECK(!jbp_jni_array_fits(env, (jarray)(void *)&three, 4), "but not four");
}

static const struct {
    const char *name;
    void (*fn)(void);
} cases[] = {
    {"register_present_class", register_present_class},
    {"register_skips_absent_class", register_skips_absent_class},
    {"register_fails_on_mismatch", register_fails_on_mismatch},
    {"register_keeps_other_failures", register_keeps_other_failures},
    {"strings_checked", strings_checked},
    {"buffers_and_arrays_checked", buffers_and_arrays_checked},
};

int main(int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0) {
            cases[i].fn();
            printf("ok %s\n", cases[i].name);
            ran++;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "");
        return 1;
    }
    return 0;
}
