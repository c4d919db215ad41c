/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the fake sysfs and /dev tree of fake_sysfs.h under DIR, for the bring-up script's dry run in CI. */
#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                                                                                \
    do {                                                                                                         \
        fprintf(stderr, __VA_ARGS__);                                                                            \
        fprintf(stderr, "\n");                                                                                   \
        exit(1);                                                                                                 \
    } while (0)
#define CHECK(c, ...)                                                                                            \
    do {                                                                                                         \
        if (!(c))                                                                                                \
            FAIL(__VA_ARGS__);                                                                                   \
    } while (0)

#include "fake_sysfs.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fake_sysfs_tree DIR\n");
        return 2;
    }
    make_tree_at(argv[1]);
    printf("%s/sys %s/dev\n", root, root);
    return 0;
}
