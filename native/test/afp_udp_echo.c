/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A UDP echo on port 7 in C over the afpacket driver, for measurements only (not a ctest): the floor of the
 * driver's path, against which the stack's echo and the kernel's are compared with the same udp_rtt client
 * (scripts/echo-floor.sh; docs/PERFORMANCE.md (a, fourth round)). It opens the driver as the provider does
 * (TPACKET_V2 frame ring, TX ring, super-frames, deferred transmit and a kick), answers every IPv4 UDP datagram to
 * port 7 by swapping the Ethernet, IP and UDP addresses in place (both checksums stay valid: the sums do not
 * depend on the order of their words) and sends it back from the same buffer, until killed.
 *
 *     afp_udp_echo IFNAME [spin]      the stack's MAC is 02:00:5e:10:00:01; prints "ready" once open
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jbp_afpacket.h"

#define BUFFER_SIZE 2048u
#define BUFFERS 256u
#define BURST 8u

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Turns the frame into its echo in place; 0 when it is not an IPv4 UDP datagram to port 7. */
static int make_echo(uint8_t *f, uint32_t length)
{
    if (length < 42 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4 || f[23] != 17)
        return 0;
    uint32_t ihl = (f[14] & 15u) * 4u;
    if (ihl < 20 || length < 14 + ihl + 8)
        return 0;
    uint8_t *udp = f + 14 + ihl;
    if (udp[2] != 0 || udp[3] != 7)
        return 0;
    swap_bytes(f, f + 6, 6);
    swap_bytes(f + 26, f + 30, 4);
    swap_bytes(udp, udp + 2, 2);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s IFNAME [spin]\n", argv[0]);
        return 2;
    }
    int spin = argc == 3 && strcmp(argv[2], "spin") == 0;
    uint8_t *pool = mmap(NULL, (size_t)BUFFER_SIZE * BUFFERS, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    if (pool == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    static struct jbp_afpacket_stats stats;
    struct jbp_afpacket_config c = {
        .ifname = argv[1],
        .pool_base = pool,
        .buffer_size = BUFFER_SIZE,
        .buffer_count = BUFFERS,
        .rx_ring = JBP_AFP_RX_FRAME,
        .block_size = 1u << 16,
        .block_count = 16,
        .block_timeout_ms = 1,
        .tx_queue_size = 256,
        .mac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01},
        .flags = JBP_AFP_TX_RING | JBP_AFP_SUPER_FRAMES,
        .stats = &stats,
    };
    struct jbp_afpacket *h;
    struct jbp_afpacket_info info;
    int rc = jbp_afpacket_open(&c, &h, &info);
    if (rc < 0) {
        fprintf(stderr, "open %s: %s at step %s\n", argv[1], strerror(-rc), jbp_afpacket_step_name(info.failed_step));
        return 1;
    }
    if (jbp_afpacket_defer_tx(h, 1) < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    struct jbp_desc burst[BURST];
    for (;;) {
        for (uint32_t i = 0; i < BURST; i++)
            burst[i] = (struct jbp_desc){.buffer = i};
        int n = jbp_afpacket_rx_burst(h, burst, BURST);
        if (n <= 0) {
            if (!spin)
                jbp_afpacket_wait(h, 1000000000LL);
            continue;
        }
        uint32_t echoes = 0;
        int in_chain = 0;
        for (int i = 0; i < n; i++) {
            /* A chain (a super-frame) is never an echo request of udp_rtt's: skip all its slots. */
            int chained = in_chain || (burst[i].flags & JBP_DESC_CONTINUES) != 0;
            in_chain = (burst[i].flags & JBP_DESC_CONTINUES) != 0;
            if (!chained && make_echo(pool + (size_t)burst[i].buffer * BUFFER_SIZE, burst[i].length)) {
                burst[echoes] = burst[i];
                burst[echoes].flags = 0;
                echoes++;
            }
        }
        if (echoes > 0) {
            jbp_afpacket_tx_burst(h, burst, echoes);
            jbp_afpacket_kick(h);
        }
    }
}
