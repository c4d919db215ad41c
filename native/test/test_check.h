/* SPDX-License-Identifier: Apache-2.0 */
/* The fatal assertions of the native tests that stop at the first failure: FAIL says where and why and exits 1;
 * CHECK(c, ...) fails with the condition's text when c is false. (test_afpacket.c counts failures instead.) */
#ifndef JBP_TEST_CHECK_H
#define JBP_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                                                                                \
    do {                                                                                                         \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                                          \
        fprintf(stderr, __VA_ARGS__);                                                                            \
        fprintf(stderr, "\n");                                                                                   \
        exit(1);                                                                                                 \
    } while (0)
#define CHECK(c, ...)                                                                                            \
    do {                                                                                                         \
        if (!(c)) {                                                                                              \
            fprintf(stderr, "check failed: %s: ", #c);                                                           \
            FAIL(__VA_ARGS__);                                                                                   \
        }                                                                                                        \
    } while (0)

#endif
