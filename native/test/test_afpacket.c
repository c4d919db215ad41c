/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the afpacket driver over veth pairs (ctest: one process per case and receive ring layout,
 * `test_afpacket CASE block|frame`): every case runs against the TPACKET_V3 block ring and the TPACKET_V2 frame
 * ring, which must behave alike but for the documented differences (what counts as cut by the ring, freezes).
 *
 * Each process moves itself into a network namespace of its own (unshare(CLONE_NEWNET)) before creating its veth
 * pair, so the pair vanishes with the process however it ends (even SIGKILL from a ctest timeout), and parallel
 * runs cannot see each other's interfaces or traffic. IPv6 is disabled in the namespace before any interface
 * exists, so the only frames on the wire are the tests' own. Needs root (CAP_SYS_ADMIN, CAP_NET_RAW); exits 77,
 * which ctest reports as skipped, without it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jbp_afpacket.h"

#define SKIP 77
#define TEST_ETHERTYPE 0x88B5 /* IEEE 802 "local experimental" EtherType 1 */
#define DEADLINE_NS (5 * 1000000000LL)

static int failures;
/* The receive ring layout under test (JBP_AFP_RX_BLOCK or JBP_AFP_RX_FRAME), from the command line. */
static uint32_t rx_ring = JBP_AFP_RX_BLOCK;
/* JBP_AFP_TX_RING, or 0 for sendmmsg(2): every case runs with both transmit paths. */
static uint32_t tx_flags = JBP_AFP_TX_RING;

/* Each evaluates its condition exactly once: conditions often are the calls under test. */
#define CHECK(cond, ...) check_that((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)
#define REQUIRE(cond, ...)                                                                                         \
    do {                                                                                                           \
        if (!CHECK(cond, __VA_ARGS__))                                                                             \
            exit(1);                                                                                               \
    } while (0)

__attribute__((format(printf, 5, 6))) static int check_that(int ok, const char *file, int line, const char *text,
                                                             const char *format, ...)
{
    if (ok)
        return 1;
    fprintf(stderr, "%s:%d: CHECK(%s) failed: ", file, line, text);
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    failures++;
    return 0;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* environment */

/* Runs a shell command; returns 0 if it exited with 0, else -1. */
static int run(const char *format, ...)
{
    char command[512];
    va_list args;
    va_start(args, format);
    vsnprintf(command, sizeof(command), format, args);
    va_end(args);
    int status = system(command);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *value)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL, "cannot open %s: %s", path, strerror(errno));
    fputs(value, f);
    REQUIRE(fclose(f) == 0, "cannot write %s: %s", path, strerror(errno));
}

static void enter_private_namespace(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root to create a network namespace and veth pairs\n");
        exit(SKIP);
    }
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
        exit(SKIP);
    }
    /* Before any interface exists, so that none sends router solicitations, MLD reports or DAD probes. */
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
}

/* A veth pair "jbpaN"/"jbpbN" in the private namespace, both ends up. */
static void make_veth(char *a, char *b, int mtu)
{
    snprintf(a, 16, "jbpa%d", (int)getpid());
    snprintf(b, 16, "jbpb%d", (int)getpid());
    REQUIRE(run("ip link add %s mtu %d type veth peer name %s mtu %d", a, mtu, b, mtu) == 0, "ip link add %s", a);
    REQUIRE(run("ip link set %s up && ip link set %s up", a, b) == 0, "link up");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* pools and handles */

struct pool {
    uint8_t *base;
    uint32_t buffer_size;
    uint32_t buffer_count;
};

static struct pool make_pool(uint32_t buffer_size, uint32_t buffer_count)
{
    size_t bytes = (size_t)buffer_size * buffer_count;
    void *base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(base != MAP_FAILED, "mmap pool: %s", strerror(errno));
    return (struct pool){base, buffer_size, buffer_count};
}

static uint8_t *buffer_of(const struct pool *p, uint32_t index)
{
    return p->base + (size_t)index * p->buffer_size;
}

static struct jbp_afpacket_config base_config(const char *ifname, const struct pool *p,
                                              struct jbp_afpacket_stats *stats)
{
    struct jbp_afpacket_config c = {
        .ifname = ifname,
        .pool_base = p->base,
        .buffer_size = p->buffer_size,
        .buffer_count = p->buffer_count,
        .rx_ring = rx_ring,
        .block_size = 1u << 16,
        /* Room for about 1000 test frames of 60..1514 bytes: 1 MiB of blocks, or 1200 frame slots of 2176 bytes. */
        .block_count = rx_ring == JBP_AFP_RX_FRAME ? 40 : 16,
        .block_timeout_ms = 1,
        .tx_queue_size = 256,
        .mtu = 0,
        .mac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01},
        .flags = tx_flags,
        .stats = stats,
    };
    c.mac[5] = (uint8_t)(uintptr_t)stats; /* distinct per handle */
    return c;
}

static struct jbp_afpacket *open_or_die(const struct jbp_afpacket_config *c)
{
    struct jbp_afpacket *h;
    struct jbp_afpacket_info info;
    int rc = jbp_afpacket_open(c, &h, &info);
    REQUIRE(rc == 0, "open %s: %s at step %s", c->ifname, strerror(-rc), jbp_afpacket_step_name(info.failed_step));
    return h;
}

/* What most cases start from: in a network namespace of the process's own, a veth pair of MTU 1500, a pool of 256
 * buffers of 2048 bytes, statistics and the base configuration for each end, and then (veth_pair_open(), once the
 * case has changed the configurations) a handle on each end. */
struct veth_pair {
    char a[16], b[16];
    struct pool pa, pb;
    struct jbp_afpacket_stats sa, sb;
    struct jbp_afpacket_config ca, cb;
    struct jbp_afpacket *ha, *hb;
};

static void veth_pair_make(struct veth_pair *v)
{
    memset(v, 0, sizeof(*v));
    enter_private_namespace();
    make_veth(v->a, v->b, 1500);
    v->pa = make_pool(2048, 256);
    v->pb = make_pool(2048, 256);
    v->ca = base_config(v->a, &v->pa, &v->sa);
    v->cb = base_config(v->b, &v->pb, &v->sb);
    if (v->ca.mac[5] == v->cb.mac[5]) /* base_config's low byte of the statistics' address: keep them distinct */
        v->cb.mac[5]++;
}

static void veth_pair_open(struct veth_pair *v)
{
    v->ha = open_or_die(&v->ca);
    v->hb = open_or_die(&v->cb);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* frames */

/* A test frame: broadcast destination, TEST_ETHERTYPE, then a 32-bit sequence number and a pattern from it. */
static void make_frame(uint8_t *frame, uint32_t length, uint32_t sequence)
{
    memset(frame, 0xff, 6);
    memcpy(frame + 6, (uint8_t[]){0x02, 0x00, 0x5e, 0x00, 0x00, 0x99}, 6);
    frame[12] = TEST_ETHERTYPE >> 8;
    frame[13] = TEST_ETHERTYPE & 0xff;
    uint32_t be = htonl(sequence);
    memcpy(frame + 14, &be, 4);
    for (uint32_t i = 18; i < length; i++)
        frame[i] = (uint8_t)(sequence * 31 + i * 7);
}

/* Returns the frame's sequence number, or -1 if it is not a well-formed test frame of that length. */
static int64_t check_frame(const uint8_t *frame, uint32_t length)
{
    if (length < 18 || frame[12] != (TEST_ETHERTYPE >> 8) || frame[13] != (TEST_ETHERTYPE & 0xff))
        return -1;
    uint32_t be;
    memcpy(&be, frame + 14, 4);
    uint32_t sequence = ntohl(be);
    for (uint32_t i = 18; i < length; i++)
        if (frame[i] != (uint8_t)(sequence * 31 + i * 7))
            return -1;
    return sequence;
}

/* The length of test frame n: 60..1514 bytes, covering the minimum and maximum Ethernet frames. */
static uint32_t frame_length(uint32_t sequence)
{
    return 60 + (sequence * 97) % (1514 - 60 + 1);
}

/* Sends frames first..first+count-1 in bursts of up to 32 from buffers 0..31 of the pool. */
static void send_frames(struct jbp_afpacket *h, struct pool *p, uint32_t first, uint32_t count)
{
    struct jbp_desc burst[32];
    uint32_t sent = 0;
    while (sent < count) {
        uint32_t n = count - sent < 32 ? count - sent : 32;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t length = frame_length(first + sent + i);
            make_frame(buffer_of(p, i), length, first + sent + i);
            burst[i] = (struct jbp_desc){.buffer = i, .length = length};
        }
        int rc = jbp_afpacket_tx_burst(h, burst, n);
        REQUIRE(rc == (int)n, "tx burst of %u accepted %d", n, rc);
        sent += n;
    }
}

/*
 * Receives until `expected` test frames arrived (or the deadline passed), checking that they come in order,
 * whole and in the armed buffers. Frames that are not test frames are counted in *others.
 */
static uint32_t receive_frames(struct jbp_afpacket *h, struct pool *p, uint32_t first, uint32_t expected,
                               uint32_t arm, uint32_t *others)
{
    struct jbp_desc burst[64];
    uint32_t received = 0;
    int64_t deadline = now_ns() + DEADLINE_NS;
    while (received < expected && now_ns() < deadline) {
        /* Arm `arm` slots with buffers 100.. and leave the rest without one. */
        for (uint32_t i = 0; i < 64; i++)
            burst[i] = (struct jbp_desc){.buffer = i < arm ? 100 + i : JBP_NO_BUFFER, .length = 0xdead};
        int n = jbp_afpacket_rx_burst(h, burst, 64);
        REQUIRE(n >= 0 && (uint32_t)n <= arm, "rx burst returned %d with %u armed", n, arm);
        for (int i = 0; i < n; i++) {
            CHECK(burst[i].buffer == 100u + (uint32_t)i, "slot %d: buffer %u is not the armed one", i,
                  burst[i].buffer);
            int64_t sequence = check_frame(buffer_of(p, burst[i].buffer), burst[i].length);
            if (sequence < 0) {
                (*others)++;
                continue;
            }
            CHECK(sequence == first + received, "frame %lld arrived where %u was expected", (long long)sequence,
                  first + received);
            CHECK(burst[i].length == frame_length((uint32_t)sequence), "frame %lld is %u bytes, sent %u",
                  (long long)sequence, burst[i].length, frame_length((uint32_t)sequence));
            received++;
        }
        for (uint32_t i = (uint32_t)n; i < 64; i++)
            CHECK(burst[i].length == 0xdead, "slot %u beyond the count was written", i);
        if (n == 0)
            jbp_afpacket_wait(h, 100 * 1000000LL);
    }
    return received;
}

/*
 * Receives until the n frames given by sequence and length arrived, in that order (or the deadline passed); returns
 * how many did: for frames whose lengths are not those of frame_length().
 */
static uint32_t receive_exactly(struct jbp_afpacket *h, struct pool *p, const uint32_t *sequences,
                                const uint32_t *lengths, uint32_t n, uint32_t *others)
{
    struct jbp_desc burst[8];
    uint32_t received = 0;
    int64_t deadline = now_ns() + DEADLINE_NS;
    while (received < n && now_ns() < deadline) {
        for (uint32_t i = 0; i < 8; i++)
            burst[i] = (struct jbp_desc){.buffer = 100 + i};
        int count = jbp_afpacket_rx_burst(h, burst, 8);
        REQUIRE(count >= 0, "rx");
        for (int i = 0; i < count; i++) {
            int64_t sequence = check_frame(buffer_of(p, burst[i].buffer), burst[i].length);
            if (sequence < 0) {
                (*others)++;
                continue;
            }
            CHECK(received < n && sequence == sequences[received] && burst[i].length == lengths[received],
                  "frame %lld of %u bytes arrived where %u of %u was expected", (long long)sequence, burst[i].length,
                  received < n ? sequences[received] : 0, received < n ? lengths[received] : 0);
            received++;
        }
        if (count == 0)
            jbp_afpacket_wait(h, 100 * 1000000LL);
    }
    return received;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* cases */

static void test_missing_interface(void)
{
    enter_private_namespace();
    struct pool p = make_pool(2048, 64);
    struct jbp_afpacket_stats stats = {0};
    struct jbp_afpacket_config c = base_config("jbpnone0", &p, &stats);
    struct jbp_afpacket *h = (struct jbp_afpacket *)1;
    struct jbp_afpacket_info info;
    int rc = jbp_afpacket_open(&c, &h, &info);
    CHECK(rc == -ENODEV, "rc %d", rc);
    CHECK(info.failed_step == JBP_AFP_STEP_INTERFACE, "step %s", jbp_afpacket_step_name(info.failed_step));
    CHECK(h == NULL, "no handle on failure");
}

static int open_fails(struct jbp_afpacket_config *c, int expected_rc, int expected_step)
{
    struct jbp_afpacket *h;
    struct jbp_afpacket_info info;
    int rc = jbp_afpacket_open(c, &h, &info);
    if (rc == 0)
        jbp_afpacket_close(h);
    CHECK(rc == expected_rc && info.failed_step == expected_step, "%s: rc %d (%s) at step %s, expected %d at %s",
          c->ifname, rc, strerror(-rc), jbp_afpacket_step_name(info.failed_step), expected_rc,
          jbp_afpacket_step_name(expected_step));
    return info.failed_step;
}

static void test_open_errors(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 9000);
    struct pool p = make_pool(2048, 64);
    struct jbp_afpacket_stats stats = {0};

    struct jbp_afpacket_config c = base_config(a, &p, &stats);
    c.block_size = 3 * 4096; /* not a power of two */
    open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);
    c = base_config("an-interface-name-too-long", &p, &stats);
    open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);
    c = base_config(a, &p, &stats);
    c.block_count = 1;
    open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);

    /* MTU 9000 frames do not fit 2048-byte buffers; an MTU override that does is accepted, one above the
     * netdev's is not. */
    c = base_config(a, &p, &stats);
    open_fails(&c, -EMSGSIZE, JBP_AFP_STEP_MTU);
    c.mtu = 9001;
    open_fails(&c, -EINVAL, JBP_AFP_STEP_MTU);
    c.mtu = 1500;
    struct jbp_afpacket_info info;
    struct jbp_afpacket *h;
    REQUIRE(jbp_afpacket_open(&c, &h, &info) == 0, "open with an MTU override");
    CHECK(info.mtu == 1500 && info.netdev_mtu == 9000, "mtu %d netdev %d", info.mtu, info.netdev_mtu);
    CHECK(info.rx_ring_bytes == (uint64_t)c.block_size * c.block_count, "ring %llu",
          (unsigned long long)info.rx_ring_bytes);
    if (rx_ring == JBP_AFP_RX_FRAME) {
        /* 2048-byte buffers: 2176-byte slots, 30 to a 64 KiB block. */
        CHECK(info.rx_frame_size == 2176 && info.rx_ring_frames == 30 * c.block_count, "slots %u of %u bytes",
              info.rx_ring_frames, info.rx_frame_size);
    } else {
        CHECK(info.rx_frame_size == 0 && info.rx_ring_frames == 0, "block mode has no fixed slots");
    }
    jbp_afpacket_close(h);

    /* An unknown ring layout; in frame mode, a block that cannot hold one slot. */
    c.rx_ring = 7;
    open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);
    c.rx_ring = rx_ring;
    if (rx_ring == JBP_AFP_RX_FRAME) {
        c.block_size = 4096;
        c.buffer_size = 4096; /* a 4224-byte slot */
        open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);
        c.buffer_size = p.buffer_size; /* one 2176-byte slot a block */
        REQUIRE(jbp_afpacket_open(&c, &h, &info) == 0, "open with one slot a block");
        CHECK(info.rx_ring_frames == c.block_count, "slots %u", info.rx_ring_frames);
        jbp_afpacket_close(h);
        c.block_size = 1u << 16;
    }

    /* The stack's MAC must be unicast, non-zero, and not the netdev's own. */
    c.mac[0] = 0x03;
    open_fails(&c, -EINVAL, JBP_AFP_STEP_MAC);
    memcpy(c.mac, info.netdev_mac, 6);
    open_fails(&c, -EADDRINUSE, JBP_AFP_STEP_MAC);

    /* lo is not Ethernet; a down interface says so. */
    c = base_config("lo", &p, &stats);
    open_fails(&c, -EPROTONOSUPPORT, JBP_AFP_STEP_LINK_TYPE);
    REQUIRE(run("ip link set %s down", a) == 0, "down");
    c = base_config(a, &p, &stats);
    c.mtu = 1500;
    open_fails(&c, -ENETDOWN, JBP_AFP_STEP_LINK_DOWN);

    /* A ring beyond the driver's limit is refused before the kernel is asked. */
    REQUIRE(run("ip link set %s up", a) == 0, "up");
    c.block_size = JBP_AFP_MAX_BLOCK_SIZE;
    c.block_count = (uint32_t)(JBP_AFP_MAX_RING_BYTES / JBP_AFP_MAX_BLOCK_SIZE) + 1;
    open_fails(&c, -EINVAL, JBP_AFP_STEP_ARGUMENTS);
}

static void test_exchange(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);

    enum { FRAMES = 1000 };
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < FRAMES; i++)
        bytes += frame_length(i);

    /* Frames go in windows of 64, each received before the next is sent: a veth hands frames to the peer through
     * the kernel's per-CPU backlog (net.core.netdev_max_backlog, 1000 by default), which drops when a loaded machine
     * is slow to drain it, so sending all 1000 at once would test the machine's load, not the driver. */
    enum { WINDOW = 64 };
    uint32_t others = 0;
    uint32_t got = 0;
    for (uint32_t first = 0; first < FRAMES; first += WINDOW) {
        uint32_t n = FRAMES - first < WINDOW ? FRAMES - first : WINDOW;
        send_frames(v.ha, &v.pa, first, n);
        got += receive_frames(v.hb, &v.pb, first, n, 64, &others);
    }
    CHECK(got == FRAMES, "b received %u of %u", got, FRAMES);
    CHECK(others == 0, "b saw %u frames that are not the test's", others);
    CHECK(v.sa.tx_packets == FRAMES && v.sa.tx_bytes == bytes, "a tx %llu/%llu", (unsigned long long)v.sa.tx_packets,
          (unsigned long long)v.sa.tx_bytes);
    CHECK(v.sb.rx_packets == FRAMES && v.sb.rx_bytes == bytes, "b rx %llu/%llu", (unsigned long long)v.sb.rx_packets,
          (unsigned long long)v.sb.rx_bytes);
    /* PACKET_IGNORE_OUTGOING: a does not receive its own frames. */
    struct jbp_desc burst[8];
    for (int i = 0; i < 8; i++)
        burst[i] = (struct jbp_desc){.buffer = 100 + (uint32_t)i};
    CHECK(jbp_afpacket_rx_burst(v.ha, burst, 8) == 0, "a received its own frames");

    got = 0;
    for (uint32_t first = 0; first < FRAMES; first += WINDOW) {
        uint32_t n = FRAMES - first < WINDOW ? FRAMES - first : WINDOW;
        send_frames(v.hb, &v.pb, 5000 + first, n);
        got += receive_frames(v.ha, &v.pa, 5000 + first, n, 64, &others);
    }
    CHECK(got == FRAMES, "a received %u of %u", got, FRAMES);
    CHECK(others == 0, "a saw %u frames that are not the test's", others);
    CHECK(v.sa.rx_packets == FRAMES && v.sb.tx_packets == FRAMES, "a rx %llu, b tx %llu",
          (unsigned long long)v.sa.rx_packets, (unsigned long long)v.sb.tx_packets);
    CHECK(v.sa.rx_oversize + v.sa.rx_truncated + v.sa.rx_kernel_drops + v.sa.tx_dropped + v.sa.tx_refused
              + v.sa.errors == 0,
          "a counted drops or errors");
    CHECK(jbp_afpacket_refresh_stats(v.hb) == 0 && v.sb.rx_kernel_drops == 0, "b kernel drops %llu",
          (unsigned long long)v.sb.rx_kernel_drops);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/* A burst armed with fewer buffers than there are frames takes what fits; the rest stay in the ring, also when
 * the kernel's block is only partly consumed, and come in order with the next bursts. */
static void test_partial_bursts(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);

    uint32_t others = 0;
    send_frames(v.ha, &v.pa, 0, 50);
    CHECK(receive_frames(v.hb, &v.pb, 0, 50, 3, &others) == 50, "3 slots at a time");
    send_frames(v.ha, &v.pa, 50, 20);
    CHECK(receive_frames(v.hb, &v.pb, 50, 20, 1, &others) == 20, "1 slot at a time");
    CHECK(others == 0, "stray frames");

    /* No armed slot at all: nothing is taken. A slot naming a buffer outside the pool stops the burst. */
    send_frames(v.ha, &v.pa, 70, 1);
    REQUIRE(jbp_afpacket_wait(v.hb, DEADLINE_NS) == 1, "frame 70 ready");
    struct jbp_desc burst[2] = {{.buffer = JBP_NO_BUFFER}, {.buffer = 100}};
    CHECK(jbp_afpacket_rx_burst(v.hb, burst, 2) == 0, "a burst starting without a buffer takes nothing");
    CHECK(jbp_afpacket_rx_burst(v.hb, burst, 0) == 0, "an empty burst takes nothing");
    burst[0].buffer = v.pb.buffer_count;
    CHECK(jbp_afpacket_rx_burst(v.hb, burst, 2) == 0 && v.sb.rx_bad_slots == 1, "a buffer outside the pool");
    CHECK(receive_frames(v.hb, &v.pb, 70, 1, 2, &others) == 1, "frame 70 is still there");
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/* Malformed transmit descriptors are dropped and counted, and the frames around them still go, in order. */
static void test_transmit_checks(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);

    for (uint32_t i = 0; i < 3; i++)
        make_frame(buffer_of(&v.pa, i), frame_length(i), i);
    struct jbp_desc burst[6] = {
        {.buffer = 0, .length = frame_length(0)},
        {.buffer = v.pa.buffer_count, .length = 100}, /* outside the pool */
        {.buffer = 1, .length = frame_length(1)},
        {.buffer = 5, .length = 13},                 /* shorter than an Ethernet header */
        {.buffer = 5, .length = 1515},               /* longer than MTU 1500 allows */
        {.buffer = 2, .length = frame_length(2)},
    };
    CHECK(jbp_afpacket_tx_burst(v.ha, burst, 6) == 6, "every frame accepted");
    CHECK(v.sa.tx_packets == 3 && v.sa.tx_dropped == 3, "tx %llu dropped %llu", (unsigned long long)v.sa.tx_packets,
          (unsigned long long)v.sa.tx_dropped);
    uint32_t others = 0;
    CHECK(receive_frames(v.hb, &v.pb, 0, 3, 64, &others) == 3, "the good frames arrive");
    CHECK(jbp_afpacket_tx_burst(v.ha, burst, 0) == 0, "an empty burst");
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/* Deferred transmission: a burst fills the TX ring and is counted, the frames leave only with a kick, in order,
 * and the ring is reused round and round. Without a TX ring there is nothing to defer. */
static void test_deferred_kick(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);
    if (tx_flags == 0) {
        CHECK(jbp_afpacket_defer_tx(v.ha, 1) == -EINVAL, "no TX ring, nothing to defer");
        CHECK(jbp_afpacket_kick(v.ha) == 0, "a kick without a TX ring does nothing");
        jbp_afpacket_close(v.ha);
        jbp_afpacket_close(v.hb);
        return;
    }
    REQUIRE(jbp_afpacket_defer_tx(v.ha, 1) == 0, "defer");
    uint32_t others = 0;
    /* 600 frames through a ring of 256 slots (tx_queue_size), 40 at a time. */
    for (uint32_t first = 0; first < 600; first += 40) {
        send_frames(v.ha, &v.pa, first, 40);
        CHECK(v.sa.tx_packets == first + 40, "counted when put in the ring: %llu", (unsigned long long)v.sa.tx_packets);
        struct jbp_desc burst[4];
        for (int i = 0; i < 4; i++)
            burst[i] = (struct jbp_desc){.buffer = 100 + (uint32_t)i};
        CHECK(jbp_afpacket_rx_burst(v.hb, burst, 4) == 0, "frames %u.. left before the kick", first);
        CHECK(jbp_afpacket_kick(v.ha) == 0, "the kick sent everything");
        CHECK(receive_frames(v.hb, &v.pb, first, 40, 64, &others) == 40, "frames %u.. after the kick", first);
    }
    CHECK(others == 0, "stray frames");
    CHECK(jbp_afpacket_kick(v.ha) == 0, "a kick with nothing to send");
    CHECK(v.sa.tx_refused + v.sa.tx_dropped + v.sa.errors == 0, "a counted refusals, drops or errors");
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/* Sends frames first..first+count-1 (count <= 32) as one burst from buffers 0.. of the pool. */
static void send_burst(struct jbp_afpacket *h, struct pool *p, uint32_t first, uint32_t count)
{
    struct jbp_desc burst[32];
    for (uint32_t i = 0; i < count; i++) {
        make_frame(buffer_of(p, i), frame_length(first + i), first + i);
        burst[i] = (struct jbp_desc){.buffer = i, .length = frame_length(first + i)};
    }
    int rc = jbp_afpacket_tx_burst(h, burst, count);
    REQUIRE(rc == (int)count, "tx burst of %u accepted %d", count, rc);
}

/* Whether h has a frame to receive now (one non-blocking burst, which must take nothing that was not expected). */
static int frame_waiting(struct jbp_afpacket *h)
{
    struct jbp_desc burst[4];
    for (int i = 0; i < 4; i++)
        burst[i] = (struct jbp_desc){.buffer = 100 + (uint32_t)i};
    return jbp_afpacket_rx_burst(h, burst, 4) != 0;
}

/*
 * A burst of one frame while the TX ring is idle leaves through the send-only socket (tx_direct()); every other
 * goes through the ring. Bursts of one and of several, interleaved, arrive in the order sent, with and without a
 * virtio_net_hdr. With deferred transmission a lone frame is staged and leaves with the kick, before the ring's
 * frames put after it; one behind frames in the ring goes through the ring; a staged frame that no kick sent leaves
 * with the driving thread's wait.
 */
static void test_lone_frames(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 1500);
    struct pool pa = make_pool(2048, 256), pb = make_pool(2048, 256);
    struct jbp_afpacket_stats sb = {0};
    struct jbp_afpacket_config cb = base_config(b, &pb, &sb);
    struct jbp_afpacket *hb = open_or_die(&cb);
    static const uint32_t sizes[] = {1, 3, 1, 1, 2, 1, 5, 1, 1, 32, 1};
    uint32_t others = 0;
    uint32_t first = 0;
    for (int super = 0; super < 2; super++) {
        struct jbp_afpacket_stats sa = {0};
        struct jbp_afpacket_config ca = base_config(a, &pa, &sa);
        if (super) {
            ca.flags |= JBP_AFP_SUPER_FRAMES;
            if (rx_ring == JBP_AFP_RX_BLOCK) {
                ca.block_size = JBP_AFP_MIN_SUPER_BLOCK; /* a block holds the largest frame */
                ca.block_count = 8;
            }
        }
        struct jbp_afpacket *ha = open_or_die(&ca);
        uint32_t total = 0;
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            send_burst(ha, &pa, first + total, sizes[i]);
            total += sizes[i];
        }
        CHECK(receive_frames(hb, &pb, first, total, 64, &others) == total, "%s: the frames arrive in order",
              super ? "super-frames" : "plain");
        CHECK(sa.tx_packets == total && sa.tx_refused + sa.tx_dropped + sa.errors == 0, "a tx %llu of %u",
              (unsigned long long)sa.tx_packets, total);
        first += total;
        jbp_afpacket_close(ha);
    }
    CHECK(others == 0, "stray frames");
    if (tx_flags == 0) {
        jbp_afpacket_close(hb);
        return;
    }

    struct jbp_afpacket_stats sa = {0};
    struct jbp_afpacket_config ca = base_config(a, &pa, &sa);
    struct jbp_afpacket *ha = open_or_die(&ca);
    REQUIRE(jbp_afpacket_defer_tx(ha, 1) == 0, "defer");
    /* Deferred, a lone frame is staged and leaves with the kick, after the caller's lock, as the ring's do. */
    send_burst(ha, &pa, first, 1);
    CHECK(sa.tx_packets == 1, "counted when staged: %llu", (unsigned long long)sa.tx_packets);
    CHECK(!frame_waiting(hb), "a staged lone frame waits for the kick");
    CHECK(jbp_afpacket_kick(ha) == 0, "the kick sent it");
    CHECK(receive_frames(hb, &pb, first, 1, 64, &others) == 1, "the lone frame");
    CHECK(jbp_afpacket_kick(ha) == 0, "nothing for the kick");
    /* Staged, then a burst through the ring and a second lone frame behind it: the kick sends them in order. */
    send_burst(ha, &pa, first + 1, 1);
    send_burst(ha, &pa, first + 2, 2);
    send_burst(ha, &pa, first + 4, 1);
    CHECK(!frame_waiting(hb), "nothing leaves before the kick");
    CHECK(jbp_afpacket_kick(ha) == 0, "the kick sent everything");
    CHECK(receive_frames(hb, &pb, first + 1, 4, 64, &others) == 4, "the staged frame, the ring's, the lone one");
    for (uint32_t i = 5; i < 300; i++) {
        /* Round the ring: lone frames skip it, pairs go through it, and the ring stays in step with the kernel. */
        uint32_t n = i % 3 == 0 ? 2 : 1;
        send_burst(ha, &pa, first + i, n);
        CHECK(jbp_afpacket_kick(ha) == 0, "kick %u", i);
        CHECK(receive_frames(hb, &pb, first + i, n, 64, &others) == n, "frames %u..", first + i);
        i += n - 1;
    }
    /* A staged frame that no kick sent leaves with the driving thread's wait (the retry of frames a kick left). */
    send_burst(ha, &pa, first + 300, 1);
    CHECK(jbp_afpacket_wait(ha, 1000000) == 0, "a's wait");
    CHECK(receive_frames(hb, &pb, first + 300, 1, 64, &others) == 1, "the staged frame after the wait");
    CHECK(others == 0, "stray frames");
    CHECK(sa.tx_refused + sa.tx_dropped + sa.errors == 0, "a counted refusals, drops or errors");
    jbp_afpacket_close(ha);
    jbp_afpacket_close(hb);
}

struct kicker {
    struct jbp_afpacket *h;
    int stop;
    uint64_t kicks;
};

static void *kick_loop(void *arg)
{
    struct kicker *k = arg;
    while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
        jbp_afpacket_kick(k->h);
        k->kicks++;
    }
    jbp_afpacket_kick(k->h);
    return NULL;
}

/*
 * Deferred transmission with a kicker on another thread, as under the provider (the stack's lock holder fills the
 * ring, the thread that released it kicks): lone frames staged beside the ring and bursts through it, sent while
 * the kicker runs, arrive in the order sent. A kick that read the ring's head before a lone frame was staged must
 * not send frames put in the ring behind that frame before it.
 */
static void test_concurrent_kicks(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 1500);
    struct pool pa = make_pool(2048, 256), pb = make_pool(2048, 256);
    struct jbp_afpacket_stats sa = {0}, sb = {0};
    struct jbp_afpacket_config ca = base_config(a, &pa, &sa), cb = base_config(b, &pb, &sb);
    struct jbp_afpacket *ha = open_or_die(&ca), *hb = open_or_die(&cb);
    if (tx_flags == 0) {
        jbp_afpacket_close(ha);
        jbp_afpacket_close(hb);
        return;
    }
    REQUIRE(jbp_afpacket_defer_tx(ha, 1) == 0, "defer");
    struct kicker k = {.h = ha};
    pthread_t thread;
    REQUIRE(pthread_create(&thread, NULL, kick_loop, &k) == 0, "thread");
    uint32_t others = 0;
    uint32_t sent = 0;
    uint64_t seed = 12345;
    for (int window = 0; window < 400; window++) {
        /* A window of bursts of one to three frames (seeded), then every frame of it received, in order. */
        uint32_t first = sent;
        for (int burst = 0; burst < 6; burst++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t n = 1 + (uint32_t)(seed >> 62) % 3;
            send_burst(ha, &pa, sent, n);
            sent += n;
        }
        if (receive_frames(hb, &pb, first, sent - first, 64, &others) != sent - first) {
            CHECK(0, "window %d: frames %u..%u did not all arrive in order", window, first, sent - 1);
            break;
        }
    }
    __atomic_store_n(&k.stop, 1, __ATOMIC_RELEASE);
    pthread_join(thread, NULL);
    CHECK(others == 0, "stray frames");
    CHECK(sa.tx_packets == sent && sa.tx_refused + sa.tx_dropped + sa.errors == 0, "a tx %llu of %u",
          (unsigned long long)sa.tx_packets, sent);
    CHECK(k.kicks > 0, "the kicker ran");
    jbp_afpacket_close(ha);
    jbp_afpacket_close(hb);
}

/* The kernel puts a VLAN tag in the frame's metadata; the driver puts it back where it was on the wire. */
static void test_vlan_tag_restored(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);

    uint8_t *frame = buffer_of(&v.pa, 0);
    make_frame(frame, 200, 7);
    memmove(frame + 16, frame + 12, 200 - 12);
    memcpy(frame + 12, (uint8_t[]){0x81, 0x00, 0x20, 0x2a}, 4); /* 802.1Q, PCP 1, VID 42 */
    struct jbp_desc tx = {.buffer = 0, .length = 204};
    REQUIRE(jbp_afpacket_tx_burst(v.ha, &tx, 1) == 1, "tx");
    REQUIRE(jbp_afpacket_wait(v.hb, DEADLINE_NS) == 1, "rx ready");
    struct jbp_desc rx = {.buffer = 9};
    REQUIRE(jbp_afpacket_rx_burst(v.hb, &rx, 1) == 1, "rx");
    CHECK(rx.length == 204, "length %u", rx.length);
    CHECK(memcmp(buffer_of(&v.pb, 9), frame, 204) == 0, "the frame differs from the one sent");
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/*
 * Frames longer than a pool buffer, and frames the ring had to truncate, are dropped and counted. Block mode cuts
 * a frame longer than a block; frame mode one longer than a slot (a buffer + 62 bytes), and counts a frame that
 * fits its slot but not a buffer as oversize.
 */
static void test_oversize_and_truncated(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 9000);
    struct pool pa = make_pool(9024, 256), pb = make_pool(2048, 256), pc = make_pool(9024, 256);
    struct jbp_afpacket_stats sa = {0}, sb = {0}, sc = {0};
    struct jbp_afpacket_config ca = base_config(a, &pa, &sa);
    struct jbp_afpacket_config cb = base_config(b, &pb, &sb);
    cb.mtu = 1500; /* 2048-byte buffers on a 9000-byte netdev */
    struct jbp_afpacket_config cc = base_config(b, &pc, &sc);
    if (rx_ring == JBP_AFP_RX_BLOCK) {
        cc.block_size = 4096; /* a block cannot hold a 5000-byte frame */
        cc.block_count = 8;
    }
    struct jbp_afpacket *ha = open_or_die(&ca), *hb = open_or_die(&cb), *hc = open_or_die(&cc);

    const uint32_t sequences[3] = {0, 1, 2}, lengths[3] = {5000, 2100, 300};
    struct jbp_desc tx[3];
    for (uint32_t i = 0; i < 3; i++) {
        make_frame(buffer_of(&pa, i), lengths[i], sequences[i]);
        tx[i] = (struct jbp_desc){.buffer = i, .length = lengths[i]};
    }
    REQUIRE(jbp_afpacket_tx_burst(ha, tx, 3) == 3, "tx");

    uint32_t others = 0;
    CHECK(receive_exactly(hb, &pb, sequences + 2, lengths + 2, 1, &others) == 1, "b: the small frame");
    if (rx_ring == JBP_AFP_RX_BLOCK) {
        CHECK(sb.rx_oversize == 2 && sb.rx_truncated == 0, "b: oversize %llu truncated %llu",
              (unsigned long long)sb.rx_oversize, (unsigned long long)sb.rx_truncated);
    } else {
        CHECK(sb.rx_oversize == 1 && sb.rx_truncated == 1, "b: oversize %llu truncated %llu",
              (unsigned long long)sb.rx_oversize, (unsigned long long)sb.rx_truncated);
    }
    CHECK(sb.rx_packets == 1, "b: packets %llu", (unsigned long long)sb.rx_packets);
    if (rx_ring == JBP_AFP_RX_BLOCK) {
        CHECK(receive_exactly(hc, &pc, sequences + 1, lengths + 1, 2, &others) == 2, "c: the frames a block holds");
        CHECK(sc.rx_truncated == 1 && sc.rx_oversize == 0 && sc.rx_packets == 2, "c: truncated %llu packets %llu",
              (unsigned long long)sc.rx_truncated, (unsigned long long)sc.rx_packets);
    } else {
        CHECK(receive_exactly(hc, &pc, sequences, lengths, 3, &others) == 3,
              "c: 9024-byte buffers take every frame whole");
        CHECK(sc.rx_truncated == 0 && sc.rx_oversize == 0 && sc.rx_packets == 3, "c: truncated %llu packets %llu",
              (unsigned long long)sc.rx_truncated, (unsigned long long)sc.rx_packets);
    }
    CHECK(others == 0, "stray frames");
    jbp_afpacket_close(ha);
    jbp_afpacket_close(hb);
    jbp_afpacket_close(hc);
}

/* A ring that fills up: the kernel drops, flags the block TP_STATUS_LOSING, and the drops are counted. */
static void test_kernel_drops(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    v.cb.block_size = 4096; /* block mode: two or three frames a block; frame mode: one 2176-byte slot */
    v.cb.block_count = 4;
    veth_pair_open(&v);

    enum { FRAMES = 200 };
    send_frames(v.ha, &v.pa, 0, FRAMES);
    /* Everything the kernel has delivered to the socket is in the ring or counted as dropped. */
    uint32_t received = 0;
    struct jbp_desc burst[64];
    for (;;) {
        for (uint32_t i = 0; i < 64; i++)
            burst[i] = (struct jbp_desc){.buffer = 100 + i};
        int n = jbp_afpacket_rx_burst(v.hb, burst, 64);
        REQUIRE(n >= 0, "rx");
        received += (uint32_t)n;
        /* Quiet for half a second: generous, so that a loaded machine still delivers everything first. */
        if (n == 0 && jbp_afpacket_wait(v.hb, 500 * 1000000LL) == 0)
            break;
    }
    CHECK(jbp_afpacket_refresh_stats(v.hb) == 0, "refresh");
    CHECK(received > 0 && received < FRAMES, "received %u of %u through a tiny ring", received, FRAMES);
    CHECK(received + v.sb.rx_kernel_drops == FRAMES, "received %u + dropped %llu != %u", received,
          (unsigned long long)v.sb.rx_kernel_drops, FRAMES);
    /* Only TPACKET_V3 freezes a ring (it stops handing blocks over until one is released). */
    if (rx_ring == JBP_AFP_RX_BLOCK)
        CHECK(v.sb.rx_freezes > 0, "the kernel found the ring full");
    else
        CHECK(v.sb.rx_freezes == 0, "frame rings do not freeze");
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/*
 * The ring's checksum status becomes JBP_RX_L4_CSUM_OK: TP_STATUS_CSUMNOTREADY for a frame the kernel made on this
 * host with checksum offload (its UDP checksum is still to be filled in), TP_STATUS_CSUM_VALID for one the receiving
 * NIC verified (no veth does); a frame with neither gets no flag, so the stack checks it.
 */
static void test_checksum_status(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);
    struct jbp_desc rx[8];

    /* The kernel's own UDP datagram, sent with tx checksum offload on: CHECKSUM_PARTIAL across the veth. */
    REQUIRE(run("ethtool -K %s tx on >/dev/null 2>&1 && ip address add 198.18.0.1/24 dev %s && "
                "ip neigh add 198.18.0.2 lladdr 02:00:5e:10:00:02 dev %s", v.a, v.a, v.a) == 0,
            "kernel side of %s", v.a);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "198.18.0.2", &to.sin_addr);
    REQUIRE(s >= 0 && sendto(s, "checksum", 8, 0, (struct sockaddr *)&to, sizeof(to)) == 8, "sendto: %s",
            strerror(errno));
    close(s);
    uint32_t got = 0, flags = 0;
    int64_t deadline = now_ns() + DEADLINE_NS;
    while (got == 0 && now_ns() < deadline) {
        for (uint32_t i = 0; i < 8; i++)
            rx[i] = (struct jbp_desc){.buffer = 100 + i};
        int n = jbp_afpacket_rx_burst(v.hb, rx, 8);
        for (int i = 0; i < n; i++) {
            const uint8_t *frame = buffer_of(&v.pb, rx[i].buffer);
            /* IPv4, UDP, to port 9: the datagram (ARP or other frames are not expected, but skipped). */
            if (rx[i].length >= 42 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == 17 && frame[36] == 0
                && frame[37] == 9) {
                got++;
                flags = rx[i].flags;
            }
        }
        if (n == 0)
            jbp_afpacket_wait(v.hb, 100 * 1000000LL);
    }
    CHECK(got == 1 && (flags & JBP_RX_L4_CSUM_OK) != 0, "kernel datagram: got %u, flags %#x", got, flags);

    /* A frame of our own, sent raw through AF_PACKET (CHECKSUM_NONE), carries no status: no flag. */
    send_frames(v.ha, &v.pa, 0, 1);
    REQUIRE(jbp_afpacket_wait(v.hb, DEADLINE_NS) == 1, "frame 0 ready");
    rx[0] = (struct jbp_desc){.buffer = 100};
    CHECK(jbp_afpacket_rx_burst(v.hb, rx, 1) == 1 && check_frame(buffer_of(&v.pb, 100), rx[0].length) == 0,
          "frame 0");
    CHECK((rx[0].flags & JBP_RX_L4_CSUM_OK) == 0, "a raw frame carries no checksum flag (flags %#x)", rx[0].flags);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/*
 * PACKET_MR_UNICAST puts the stack's MAC in the netdev's unicast address list (dev_uc_add: the NIC's filter, or
 * promiscuous mode on a NIC without one, such as a veth) for as long as the socket lives; PACKET_MR_PROMISC
 * raises the promiscuity count instead. Both are undone by closing.
 */
static void test_mac_membership(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 1500);
    struct pool p = make_pool(2048, 64);
    struct jbp_afpacket_stats stats = {0};
    struct jbp_afpacket_config c = base_config(a, &p, &stats);
    memcpy(c.mac, (uint8_t[]){0x02, 0x6a, 0x62, 0x70, 0x00, 0x2a}, 6);
    const char *listed = "bridge fdb show dev %s | grep -q '^02:6a:62:70:00:2a '";
    const char *promiscuous = "ip -d link show %s | grep -q 'promiscuity [1-9]'";

    CHECK(run(listed, a) != 0, "the address is not listed before open");
    struct jbp_afpacket *h = open_or_die(&c);
    CHECK(run(listed, a) == 0, "open adds the stack's MAC to the netdev's unicast addresses");
    jbp_afpacket_close(h);
    CHECK(run(listed, a) != 0, "close removes it");

    CHECK(run(promiscuous, a) != 0, "not promiscuous before");
    c.flags = JBP_AFP_PROMISCUOUS | tx_flags;
    h = open_or_die(&c);
    CHECK(run(promiscuous, a) == 0, "promiscuous while open");
    CHECK(run(listed, a) != 0, "no unicast entry in promiscuous mode");
    jbp_afpacket_close(h);
    CHECK(run(promiscuous, a) != 0, "not promiscuous after close");
}

/*
 * PACKET_MR_MULTICAST puts a group's MAC in the netdev's multicast list (dev_mc_add, /proc/net/dev_mcast and
 * `ip maddr`) while the socket wants it; the kernel counts additions per socket, and closing drops them all.
 */
static void test_multicast_membership(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 1500);
    struct pool p = make_pool(2048, 64);
    struct jbp_afpacket_stats stats = {0};
    struct jbp_afpacket_config c = base_config(a, &p, &stats);
    const uint8_t group[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
    const char *listed = "grep -q '%s .*01005e010203' /proc/net/dev_mcast";

    struct jbp_afpacket *h = open_or_die(&c);
    CHECK(run(listed, a) != 0, "the group's MAC is not listed before it is added");
    CHECK(jbp_afpacket_multicast(h, group, 1) == 0, "add");
    CHECK(run(listed, a) == 0, "added to the netdev's multicast list");
    CHECK(jbp_afpacket_multicast(h, group, 0) == 0, "drop");
    CHECK(run(listed, a) != 0, "dropped from the list");
    CHECK(jbp_afpacket_multicast(h, group, 0) == 0, "a second drop is harmless (packet_mc_drop finds nothing)");
    CHECK(run(listed, a) != 0, "and lists nothing");
    const uint8_t unicast[6] = {0x02, 0x00, 0x5e, 0x01, 0x02, 0x03};
    CHECK(jbp_afpacket_multicast(h, unicast, 1) == -EINVAL, "a unicast MAC is refused");
    CHECK(jbp_afpacket_multicast(h, group, 1) == 0, "add again");
    jbp_afpacket_close(h);
    CHECK(run(listed, a) != 0, "close drops it");
}

struct waiter {
    struct jbp_afpacket *h;
    int result;
    int64_t elapsed;
};

static void *wait_long(void *arg)
{
    struct waiter *w = arg;
    int64_t start = now_ns();
    w->result = jbp_afpacket_wait(w->h, 30 * 1000000000LL);
    w->elapsed = now_ns() - start;
    return NULL;
}

struct blocked_waiter {
    struct waiter w;
    pid_t tid;
};

static void *wait_long_tid(void *arg)
{
    struct blocked_waiter *b = arg;
    __atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
    int64_t start = now_ns();
    b->w.result = jbp_afpacket_wait(b->w.h, 2 * DEADLINE_NS);
    b->w.elapsed = now_ns() - start;
    return NULL;
}

/* Whether the thread is blocked in the idle wait's system call (epoll_pwait2(2) or ppoll(2)): the first field of
 * /proc/self/task/TID/syscall is the number of the call a blocked thread is in. */
static int blocked_in_wait(pid_t tid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    long number = -1;
    int fields = fscanf(f, "%ld", &number);
    fclose(f);
#ifdef SYS_epoll_pwait2
    if (number == SYS_epoll_pwait2)
        return fields == 1;
#endif
    return fields == 1 && number == SYS_ppoll;
}

/* Starts n threads that wait on h and returns once every one is blocked in the wait. */
static void start_blocked_waiters(struct blocked_waiter *waiters, pthread_t *threads, int n, struct jbp_afpacket *h)
{
    for (int i = 0; i < n; i++) {
        waiters[i] = (struct blocked_waiter){.w = {.h = h}};
        REQUIRE(pthread_create(&threads[i], NULL, wait_long_tid, &waiters[i]) == 0, "thread");
    }
    int64_t deadline = now_ns() + DEADLINE_NS;
    for (int i = 0; i < n; i++) {
        while (!(__atomic_load_n(&waiters[i].tid, __ATOMIC_ACQUIRE) != 0 && blocked_in_wait(waiters[i].tid)))
            REQUIRE(now_ns() < deadline, "waiter %d never blocked", i);
    }
}

/*
 * Several threads waiting on one handle at once (the poller and a reader on the ring, in a handover): a wakeup
 * releases every one of them, and so does a frame. With ppoll(2) and an eventfd that each waiter read, the first
 * woken could consume the wakeup before the others looked at it, and they slept on; each thread now waits in an
 * epoll instance of its own (one instance wakes one of its waiters per event) and none reads the eventfd.
 */
static void test_concurrent_waiters(void)
{
    enter_private_namespace();
    char a[16], b[16];
    make_veth(a, b, 1500);
    struct pool pa = make_pool(2048, 256), pb = make_pool(2048, 256);
    struct jbp_afpacket_stats sa = {0}, sb = {0};
    struct jbp_afpacket_config ca = base_config(a, &pa, &sa), cb = base_config(b, &pb, &sb);
    struct jbp_afpacket *ha = open_or_die(&ca), *hb = open_or_die(&cb);
    CHECK(jbp_afpacket_wait(hb, 1000000) == 0, "an idle wait of this thread first");

    enum { WAITERS = 3 };
    struct blocked_waiter waiters[WAITERS];
    pthread_t threads[WAITERS];
    for (int round = 0; round < 3; round++) {
        start_blocked_waiters(waiters, threads, WAITERS, hb);
        CHECK(jbp_afpacket_wakeup(hb) == 0, "wakeup");
        for (int i = 0; i < WAITERS; i++) {
            pthread_join(threads[i], NULL);
            CHECK(waiters[i].w.result == 0 && waiters[i].w.elapsed < DEADLINE_NS,
                  "round %d: waiter %d woken after %lld ns, result %d", round, i, (long long)waiters[i].w.elapsed,
                  waiters[i].w.result);
        }
    }
    start_blocked_waiters(waiters, threads, WAITERS, hb);
    send_frames(ha, &pa, 0, 1);
    CHECK(jbp_afpacket_kick(ha) == 0, "kick");
    for (int i = 0; i < WAITERS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(waiters[i].w.result == 1 && waiters[i].w.elapsed < DEADLINE_NS,
              "waiter %d saw the frame after %lld ns, result %d", i, (long long)waiters[i].w.elapsed,
              waiters[i].w.result);
    }
    uint32_t others = 0;
    CHECK(receive_frames(hb, &pb, 0, 1, 64, &others) == 1 && others == 0, "the frame");
    /* This thread was not waiting during the wakeups: its next wait returns (a wakeup is never lost), and the
     * one after it blocks for its timeout (none is left pending). */
    int64_t start = now_ns();
    CHECK(jbp_afpacket_wait(hb, 10 * 1000000000LL) == 0 && now_ns() - start < DEADLINE_NS, "the next wait");
    start = now_ns();
    jbp_afpacket_wait(hb, 50 * 1000000LL);
    CHECK(now_ns() - start >= 45 * 1000000LL, "a wakeup was left");
    CHECK(sb.errors == 0, "b counted errors, last %llu", (unsigned long long)sb.last_errno);
    jbp_afpacket_close(ha);
    jbp_afpacket_close(hb);
}

static void test_wait_and_wakeup(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    veth_pair_open(&v);

    /* Nothing to receive: the wait lasts its timeout; a zero timeout does not block. */
    int64_t start = now_ns();
    CHECK(jbp_afpacket_wait(v.hb, 50 * 1000000LL) == 0, "idle wait");
    int64_t elapsed = now_ns() - start;
    CHECK(elapsed >= 45 * 1000000LL, "returned after %lld ns", (long long)elapsed);
    CHECK(jbp_afpacket_wait(v.hb, 0) == 0, "zero timeout");

    /* A wakeup before the wait is not lost; it is consumed, so the wait after it blocks again. */
    CHECK(jbp_afpacket_wakeup(v.hb) == 0, "wakeup");
    start = now_ns();
    CHECK(jbp_afpacket_wait(v.hb, 10 * 1000000000LL) == 0, "woken wait");
    CHECK(now_ns() - start < 5 * 1000000000LL, "the wakeup was lost");
    start = now_ns();
    jbp_afpacket_wait(v.hb, 50 * 1000000LL);
    CHECK(now_ns() - start >= 45 * 1000000LL, "the wakeup was not consumed");

    /* A wakeup from another thread releases a blocked wait (whichever of the two comes first). */
    struct waiter w = {.h = v.hb};
    pthread_t thread;
    REQUIRE(pthread_create(&thread, NULL, wait_long, &w) == 0, "thread");
    CHECK(jbp_afpacket_wakeup(v.hb) == 0, "wakeup");
    pthread_join(thread, NULL);
    CHECK(w.result == 0 && w.elapsed < 5 * 1000000000LL, "woken after %lld ns, result %d", (long long)w.elapsed,
          w.result);

    /* A frame makes the wait return 1. This thread's wait may first return 0 once for the wakeup above, given
     * while it was not waiting (a spurious return, which the contract allows; the block ring hands the frame over
     * only after its retire timeout). */
    send_frames(v.ha, &v.pa, 0, 1);
    int64_t deadline = now_ns() + DEADLINE_NS;
    int ready;
    int returns = 0;
    do {
        ready = jbp_afpacket_wait(v.hb, DEADLINE_NS);
        returns++;
    } while (ready == 0 && now_ns() < deadline);
    CHECK(ready == 1 && returns <= 2, "a frame is ready: %d after %d returns", ready, returns);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}


#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* include/uapi/linux/udp.h */
#endif

/* Sends one UDP_SEGMENT super-datagram of `payload` bytes (gso_size `segment`) from the kernel's socket to
 * 198.18.0.2:9; the payload's byte i is (seed + i * 13). */
static void send_udp_super(uint32_t payload, int segment, uint8_t seed)
{
    static uint8_t data[65000];
    for (uint32_t i = 0; i < payload; i++)
        data[i] = (uint8_t)(seed + i * 13);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0 && setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &segment, sizeof(segment)) == 0, "UDP_SEGMENT: %s",
            strerror(errno));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "198.18.0.2", &to.sin_addr);
    REQUIRE(sendto(s, data, payload, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)payload, "sendto: %s",
            strerror(errno));
    close(s);
}

/*
 * JBP_AFP_SUPER_FRAMES (PACKET_VNET_HDR): the kernel's UDP_SEGMENT super-datagram crosses the veth whole (veth
 * has UDP GSO, as it has TSO, on by default) and arrives as a chain of armed slots: every slot but the last full
 * and flagged JBP_DESC_CONTINUES, the first with the GSO type, the segment size and the partial checksum state,
 * the bytes exactly the datagram's. A chain the armed slots left cannot hold waits in the ring for the next
 * burst; one that no burst of the given capacity could hold is dropped as oversize. Frames sent through the
 * handle (a virtio_net_hdr before each) arrive whole at a plain handle, and plain frames arrive without flags.
 */
static void test_super_frames(void)
{
    struct veth_pair v;
    veth_pair_make(&v);
    v.cb.flags |= JBP_AFP_SUPER_FRAMES;
    v.cb.block_size = 1u << 20;
    v.cb.block_count = 8;
    veth_pair_open(&v);
    REQUIRE(run("ip address add 198.18.0.1/24 dev %s && ip neigh add 198.18.0.2 lladdr 02:00:5e:10:00:02 dev %s",
                v.a, v.a) == 0, "kernel side of %s", v.a);

    /* 10 segments of 1000 bytes and one of 7: a frame of 14 + 20 + 8 + 10007 = 10049 bytes, five 2048-byte slots. */
    const uint32_t payload = 10007, frame = 14 + 20 + 8 + payload;
    send_udp_super(payload, 1000, 5);
    REQUIRE(jbp_afpacket_wait(v.hb, DEADLINE_NS) == 1, "the super-datagram is ready");
    struct jbp_desc rx[16];
    /* Three armed slots: the chain does not fit, and waits. */
    for (uint32_t i = 0; i < 16; i++)
        rx[i] = (struct jbp_desc){.buffer = i < 3 ? 100 + i : JBP_NO_BUFFER};
    CHECK(jbp_afpacket_rx_burst(v.hb, rx, 16) == 0, "a chain of 5 into 3 armed slots");
    for (uint32_t i = 0; i < 16; i++)
        rx[i] = (struct jbp_desc){.buffer = 100 + i};
    int n = jbp_afpacket_rx_burst(v.hb, rx, 16);
    CHECK(n == 5, "the chain takes 5 slots: %d", n);
    if (n == 5) {
        uint32_t flags = rx[0].flags;
        CHECK((flags & JBP_GSO_TYPE_MASK) == JBP_GSO_UDP_L4 && (flags >> JBP_GSO_SIZE_SHIFT) == 1000,
              "GSO UDP_L4 of 1000: flags %#x", flags);
        CHECK((flags & (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL)) == (JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL),
              "a partial checksum, accepted: flags %#x", flags);
        uint32_t total = 0;
        static uint8_t whole[70000];
        for (int i = 0; i < 5; i++) {
            int last = i == 4;
            CHECK(((rx[i].flags & JBP_DESC_CONTINUES) != 0) == !last, "slot %d continues: flags %#x", i, rx[i].flags);
            CHECK(i == 0 || (rx[i].flags & ~JBP_DESC_CONTINUES) == 0, "slot %d: only CONTINUES", i);
            CHECK(last || rx[i].length == 2048, "slot %d is full: %u", i, rx[i].length);
            memcpy(whole + total, buffer_of(&v.pb, rx[i].buffer), rx[i].length);
            total += rx[i].length;
        }
        CHECK(total == frame, "the chain holds %u bytes of %u", total, frame);
        CHECK(whole[23] == 17 && ((whole[38] << 8) | whole[39]) == 8 + payload, "a UDP header for the whole");
        uint32_t bad = 0;
        for (uint32_t i = 0; i < payload && total == frame; i++)
            bad += whole[42 + i] != (uint8_t)(5 + i * 13);
        CHECK(bad == 0, "%u payload bytes differ", bad);
        CHECK(v.sb.rx_packets == 1 && v.sb.rx_super_frames == 1 && v.sb.rx_bytes == frame, "packets %llu super %llu",
              (unsigned long long)v.sb.rx_packets, (unsigned long long)v.sb.rx_super_frames);
    }

    /* A burst of 4 slots can never hold a chain of 5: dropped as oversize rather than stuck in the ring. */
    send_udp_super(payload, 1000, 9);
    REQUIRE(jbp_afpacket_wait(v.hb, DEADLINE_NS) == 1, "the second super-datagram is ready");
    for (uint32_t i = 0; i < 4; i++)
        rx[i] = (struct jbp_desc){.buffer = 100 + i};
    CHECK(jbp_afpacket_rx_burst(v.hb, rx, 4) == 0 && v.sb.rx_oversize == 1, "oversize %llu",
          (unsigned long long)v.sb.rx_oversize);
    CHECK(v.sb.rx_bad_vnet == 0, "no header refused");

    /* Transmit with a virtio_net_hdr before each frame: the plain handle gets the frames whole. */
    uint32_t others = 0;
    send_frames(v.hb, &v.pb, 0, 100);
    CHECK(receive_frames(v.ha, &v.pa, 0, 100, 64, &others) == 100, "b -> a: 100 frames");
    /* And plain frames arrive at b without flags, one slot each. */
    send_frames(v.ha, &v.pa, 100, 100);
    uint32_t got = 0;
    int64_t deadline = now_ns() + DEADLINE_NS;
    while (got < 100 && now_ns() < deadline) {
        for (uint32_t i = 0; i < 16; i++)
            rx[i] = (struct jbp_desc){.buffer = 100 + i};
        n = jbp_afpacket_rx_burst(v.hb, rx, 16);
        for (int i = 0; i < n; i++) {
            int64_t sequence = check_frame(buffer_of(&v.pb, rx[i].buffer), rx[i].length);
            if (sequence < 0)
                continue;
            CHECK(sequence == 100 + got && rx[i].flags == 0, "frame %lld flags %#x", (long long)sequence, rx[i].flags);
            got++;
        }
        if (n == 0)
            jbp_afpacket_wait(v.hb, 100 * 1000000LL);
    }
    CHECK(got == 100, "a -> b: %u frames", got);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* transmitting super-frames */

#define TSO_PAYLOAD 64000u
#define TSO_MSS 1448u
#define TSO_SEQ 1000000u

static uint32_t sum16(const uint8_t *p, uint32_t length, uint32_t sum)
{
    for (uint32_t i = 0; i + 1 < length; i += 2)
        sum += ((uint32_t)p[i] << 8) | p[i + 1];
    if (length & 1)
        sum += (uint32_t)p[length - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* The TCP pseudo-header sum (RFC 9293 section 3.1) of 198.18.0.1 -> 198.18.0.2 over tcp_length bytes. */
static uint32_t pseudo_sum(uint32_t tcp_length)
{
    return 0xc612 + 0x0001 + 0xc612 + 0x0002 + 6 + tcp_length;
}

/* The Ethernet header of the super-segments: to dst, from a fixed unicast MAC, of the given EtherType. */
static void write_ethernet(uint8_t *frame, const uint8_t *dst, uint16_t type)
{
    memcpy(frame, dst, 6);
    memcpy(frame + 6, (uint8_t[]){0x02, 0x00, 0x5e, 0x00, 0x00, 0x98}, 6);
    frame[12] = (uint8_t)(type >> 8);
    frame[13] = (uint8_t)type;
}

/* The TCP header of the super-segments (RFC 9293 section 3.1): port 1000 to 2000, sequence TSO_SEQ, ACK 1,
 * ACK|PSH, window 65535, the checksum field holding `partial`, the pseudo-header sum (CHECKSUM_PARTIAL). */
static void write_tcp_header(uint8_t *tcp, uint16_t partial)
{
    memset(tcp, 0, 20);
    tcp[0] = 0x03; tcp[1] = 0xe8; /* 1000 */
    tcp[2] = 0x07; tcp[3] = 0xd0; /* 2000 */
    uint32_t seq = htonl(TSO_SEQ), ack = htonl(1);
    memcpy(tcp + 4, &seq, 4);
    memcpy(tcp + 8, &ack, 4);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; /* PSH | ACK */
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    tcp[16] = (uint8_t)(partial >> 8);
    tcp[17] = (uint8_t)partial;
}

/* Copies the frame whole[0..total) into buffers first.. of the pool and describes it as a chain in d[], its first
 * descriptor carrying the transmit checksum and the GSO type and size of gso; returns the descriptor count. */
static uint32_t chain_into_pool(struct pool *p, uint32_t first, const uint8_t *whole, uint32_t total,
                                struct jbp_desc *d, uint32_t gso)
{
    uint32_t n = 0;
    for (uint32_t off = 0; off < total; off += p->buffer_size, n++) {
        uint32_t length = total - off < p->buffer_size ? total - off : p->buffer_size;
        memcpy(buffer_of(p, first + n), whole + off, length);
        d[n] = (struct jbp_desc){.buffer = first + n, .length = length, .flags = JBP_DESC_CONTINUES};
    }
    d[n - 1].flags = 0;
    d[0].flags = JBP_DESC_CONTINUES | JBP_TX_L4_CSUM | gso;
    return n;
}

/* Writes a TCP super-segment of TSO_PAYLOAD bytes (ACK|PSH) into buffers first.. of the pool, 2048 bytes each, as
 * the stack's Ipv4Output.sendChain does: the IPv4 header for the whole, the TCP checksum field holding the
 * pseudo-header sum (CHECKSUM_PARTIAL). Fills the chain's descriptors and returns how many. */
static uint32_t make_tso_chain(struct pool *p, uint32_t first, const uint8_t *dst, struct jbp_desc *d,
                               uint8_t *whole)
{
    uint32_t total = 14 + 20 + 20 + TSO_PAYLOAD;
    write_ethernet(whole, dst, 0x0800);
    uint8_t *ip = whole + 14;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((total - 14) >> 8);
    ip[3] = (uint8_t)(total - 14);
    ip[4] = 0x12;
    ip[5] = 0x34;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]){198, 18, 0, 1, 198, 18, 0, 2}, 8);
    uint16_t ipsum = (uint16_t)~fold(sum16(ip, 20, 0));
    ip[10] = (uint8_t)(ipsum >> 8);
    ip[11] = (uint8_t)ipsum;
    uint8_t *tcp = ip + 20;
    write_tcp_header(tcp, fold(pseudo_sum(20 + TSO_PAYLOAD)));
    for (uint32_t i = 0; i < TSO_PAYLOAD; i++)
        tcp[20 + i] = (uint8_t)(i * 7 + i / 251);
    return chain_into_pool(p, first, whole, total, d, JBP_GSO_TCPV4 | (TSO_MSS << JBP_GSO_SIZE_SHIFT));
}

/* Receives `expected` TCP frames of a family (ipv6: 0 for IPv4, 1 for IPv6, the TCP header right after the fixed
 * header), chains or plain, into slots 100.. of p, each concatenated into out one after another; their lengths and
 * first slots' flags in lengths[] and flags[]. Returns how many came before the deadline; other frames are skipped
 * (over IPv6, the kernel's own router solicitations and MLD reports on a fresh veth). */
static uint32_t receive_tcp_frames_of(struct jbp_afpacket *h, struct pool *p, uint8_t *out, uint32_t *lengths,
                                      uint32_t *flags, uint32_t expected, int ipv6)
{
    const uint32_t min_length = ipv6 ? 74 : 34;
    const uint8_t type_hi = ipv6 ? 0x86 : 0x08, type_lo = ipv6 ? 0xdd : 0x00;
    const uint32_t protocol_at = ipv6 ? 20 : 23; /* IPv6 next header, IPv4 protocol */
    struct jbp_desc rx[64];
    uint32_t got = 0, at = 0;
    int64_t deadline = now_ns() + DEADLINE_NS;
    while (got < expected && now_ns() < deadline) {
        for (uint32_t i = 0; i < 64; i++)
            rx[i] = (struct jbp_desc){.buffer = 100 + i};
        int n = jbp_afpacket_rx_burst(h, rx, 64);
        REQUIRE(n >= 0, "rx");
        if (n == 0) {
            jbp_afpacket_wait(h, 100 * 1000000LL);
            continue;
        }
        for (int i = 0; i < n && got < expected; i++) {
            uint32_t total = 0;
            uint32_t first = rx[i].flags;
            for (;; i++) {
                memcpy(out + at + total, buffer_of(p, rx[i].buffer), rx[i].length);
                total += rx[i].length;
                if ((rx[i].flags & JBP_DESC_CONTINUES) == 0)
                    break;
            }
            const uint8_t *f = out + at;
            if (total < min_length || f[12] != type_hi || f[13] != type_lo || f[protocol_at] != 6)
                continue;
            lengths[got] = total;
            flags[got] = first;
            got++;
            at += total;
        }
    }
    return got;
}

/* receive_tcp_frames_of() for IPv4. */
static uint32_t receive_tcp_frames(struct jbp_afpacket *h, struct pool *p, uint8_t *out, uint32_t *lengths,
                                   uint32_t *flags, uint32_t expected)
{
    return receive_tcp_frames_of(h, p, out, lengths, flags, expected, 0);
}

/* A veth pair (veth_pair_make()) whose handles both take super-frames (JBP_AFP_SUPER_FRAMES), with receive blocks
 * that hold one (8 of 1 MiB), opened. */
static void veth_pair_open_super_frames(struct veth_pair *v)
{
    veth_pair_make(v);
    v->ca.flags |= JBP_AFP_SUPER_FRAMES;
    v->cb.flags |= JBP_AFP_SUPER_FRAMES;
    v->ca.block_size = v->cb.block_size = 1u << 20;
    v->ca.block_count = v->cb.block_count = 8;
    veth_pair_open(v);
}

/* Sends the chain d[0..n) of the super-segment sent[0..total) from a to b, which must take it whole, as one
 * super-frame of the same bytes with the GSO type (JBP_GSO_TCPV6 if ipv6, else JBP_GSO_TCPV4) and segment size the
 * chain's first descriptor gave, its checksum partial; got receives it. */
static void check_super_frame_whole(struct veth_pair *v, struct jbp_desc *d, uint32_t n, const uint8_t *sent,
                                    uint8_t *got, uint32_t total, int ipv6)
{
    const uint32_t type = ipv6 ? JBP_GSO_TCPV6 : JBP_GSO_TCPV4, mss = d[0].flags >> JBP_GSO_SIZE_SHIFT;
    CHECK(jbp_afpacket_tx_burst(v->ha, d, n) == (int)n, "the chain of %u is accepted", n);
    CHECK(v->sa.tx_packets == 1 && v->sa.tx_super_frames == 1 && v->sa.tx_bytes == total && v->sa.tx_dropped == 0,
          "tx packets %llu super %llu bytes %llu dropped %llu (errno %llu)", (unsigned long long)v->sa.tx_packets,
          (unsigned long long)v->sa.tx_super_frames, (unsigned long long)v->sa.tx_bytes,
          (unsigned long long)v->sa.tx_dropped, (unsigned long long)v->sa.last_errno);
    uint32_t lengths[1], flagses[1];
    CHECK(receive_tcp_frames_of(v->hb, &v->pb, got, lengths, flagses, 1, ipv6) == 1, "one frame");
    uint32_t length = lengths[0], flags = flagses[0];
    CHECK(length == total && memcmp(got, sent, total) == 0, "the super-frame arrives whole: %u bytes", length);
    CHECK((flags & JBP_GSO_TYPE_MASK) == type && (flags >> JBP_GSO_SIZE_SHIFT) == mss
              && (flags & JBP_RX_L4_CSUM_PARTIAL) != 0, "GSO TCPV%d of %u, partial: flags %#x", ipv6 ? 6 : 4, mss,
          flags);
}

#define TSO6_PAYLOAD 60000u
#define TSO6_MSS 1428u
/* 2001:db8::1 and 2001:db8::2 (RFC 3849), as the chain's source and destination. */
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* The TCP pseudo-header sum over IPv6 (RFC 8200 section 8.1) of SRC6 -> DST6 over tcp_length bytes. */
static uint32_t pseudo_sum6(uint32_t tcp_length)
{
    return sum16(SRC6, 16, sum16(DST6, 16, 0)) + (tcp_length >> 16) + (tcp_length & 0xffff) + 6;
}

/* make_tso_chain() over IPv6, as the stack's Ipv6Output.sendChain makes it: the fixed header with the payload
 * length of the whole, TCP right after it, its checksum field holding the IPv6 pseudo-header sum; JBP_GSO_TCPV6. */
static uint32_t make_tso6_chain(struct pool *p, uint32_t first, const uint8_t *dst, struct jbp_desc *d,
                                uint8_t *whole)
{
    uint32_t total = 14 + 40 + 20 + TSO6_PAYLOAD;
    write_ethernet(whole, dst, 0x86dd);
    uint8_t *ip = whole + 14;
    memset(ip, 0, 40);
    ip[0] = 0x60;
    ip[4] = (uint8_t)((20 + TSO6_PAYLOAD) >> 8);
    ip[5] = (uint8_t)(20 + TSO6_PAYLOAD);
    ip[6] = 6;
    ip[7] = 64;
    memcpy(ip + 8, SRC6, 16);
    memcpy(ip + 24, DST6, 16);
    uint8_t *tcp = ip + 40;
    write_tcp_header(tcp, fold(pseudo_sum6(20 + TSO6_PAYLOAD)));
    for (uint32_t i = 0; i < TSO6_PAYLOAD; i++)
        tcp[20 + i] = (uint8_t)(i * 11 + i / 253);
    return chain_into_pool(p, first, whole, total, d, JBP_GSO_TCPV6 | (TSO6_MSS << JBP_GSO_SIZE_SHIFT));
}

/*
 * Sends the chain d[0..n) of the super-segment sent[] (make_tso_chain(), or make_tso6_chain() if ipv6) from a,
 * its TSO and checksum offload turned off first, so that the kernel segments it in software (GSO, then
 * skb_checksum_help()); b must receive MSS segments with consecutive sequence numbers, PSH on the last only, each
 * IP length and checksum valid (IPv4 header checksum; TCP over the pseudo-header of the family), the payload whole.
 */
static void check_segmented_by_kernel(struct veth_pair *v, struct jbp_desc *d, uint32_t n, const uint8_t *sent,
                                      uint8_t *got, int ipv6)
{
    const uint32_t whole = ipv6 ? TSO6_PAYLOAD : TSO_PAYLOAD, mss = ipv6 ? TSO6_MSS : TSO_MSS;
    const uint32_t ip_length = ipv6 ? 40 : 20, headers = 14 + ip_length + 20;
    REQUIRE(run("ethtool -K %s tx off tso off >/dev/null 2>&1", v->a) == 0, "ethtool -K %s tx off tso off", v->a);
    CHECK(jbp_afpacket_tx_burst(v->ha, d, n) == (int)n, "the chain is accepted");
    uint32_t lengths[64], flagses[64];
    uint32_t segments = (whole + mss - 1) / mss, offset = 0, at = 0;
    CHECK(receive_tcp_frames_of(v->hb, &v->pb, got, lengths, flagses, segments, ipv6) == segments, "%u segments",
          segments);
    for (uint32_t k = 0; k < segments; k++) {
        uint32_t length = lengths[k], flags = flagses[k];
        uint32_t payload = k + 1 < segments ? mss : whole - offset;
        if (!CHECK(length == headers + payload, "segment %u: %u bytes, want %u", k, length, headers + payload))
            break;
        const uint8_t *ip = got + at + 14, *tcp = ip + ip_length;
        at += length;
        CHECK((flags & JBP_GSO_TYPE_MASK) == 0, "segment %u is no super-frame", k);
        if (ipv6) {
            CHECK((uint32_t)((ip[4] << 8) | ip[5]) == 20u + payload, "segment %u: IPv6 payload length", k);
        } else {
            CHECK((uint32_t)((ip[2] << 8) | ip[3]) == 40u + payload, "segment %u: IPv4 total length", k);
            CHECK(fold(sum16(ip, 20, 0)) == 0xffff, "segment %u: IPv4 checksum", k);
        }
        uint32_t pseudo = ipv6 ? pseudo_sum6(20 + payload) : pseudo_sum(20 + payload);
        CHECK(fold(sum16(tcp, 20 + payload, pseudo)) == 0xffff, "segment %u: TCP checksum", k);
        uint32_t seq;
        memcpy(&seq, tcp + 4, 4);
        CHECK(ntohl(seq) == TSO_SEQ + offset, "segment %u: sequence %u, want %u", k, ntohl(seq), TSO_SEQ + offset);
        CHECK(tcp[13] == (k + 1 < segments ? 0x10 : 0x18), "segment %u: flags %#x", k, tcp[13]);
        CHECK(memcmp(tcp + 20, sent + headers + offset, payload) == 0, "segment %u: payload", k);
        offset += payload;
    }
    CHECK(offset == whole, "%u of %u payload bytes arrived", offset, whole);
}

/*
 * JBP_AFP_SUPER_FRAMES on transmit: a TCP super-segment sent as a chain, with the GSO_TCPV4/NEEDS_CSUM header the
 * driver builds from its descriptors, crosses the veth whole (veth has TSO) and arrives at a super-frame handle as
 * the same chain, GSO type and segment size intact. With the sending end's TSO and checksum offload off, the
 * kernel segments it in software (GSO, then skb_checksum_help()): MSS segments with consecutive sequence numbers,
 * PSH on the last only, each IPv4 and TCP checksum valid, the payload whole. Malformed chains are dropped and
 * counted; the frame after them still goes.
 */
static void test_tx_super_frames(void)
{
    struct veth_pair v;
    veth_pair_open_super_frames(&v);
    static uint8_t sent[70000], got[70000];
    struct jbp_desc d[40];
    const uint32_t total = 14 + 20 + 20 + TSO_PAYLOAD;

    /* Whole across the veth. */
    uint32_t n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    check_super_frame_whole(&v, d, n, sent, got, total, 0);

    /* Malformed: a chain cut by the end of the burst, a buffer outside the pool, GSO without a partial checksum,
     * an IPv4 total length that is not the chain's; each dropped, and a plain frame after them sent. */
    uint32_t dropped_before = (uint32_t)v.sa.tx_dropped;
    n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n - 1) == (int)n - 1, "a chain cut by the burst's end is taken");
    d[3].buffer = 100000;
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n) == (int)n, "a chain with a buffer outside the pool is taken");
    n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    d[0].flags &= ~JBP_TX_L4_CSUM;
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n) == (int)n, "GSO without a partial checksum is taken");
    n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    buffer_of(&v.pa, 0)[17] ^= 1; /* the IPv4 total length's low byte */
    make_frame(buffer_of(&v.pa, 200), 100, 7);
    d[n] = (struct jbp_desc){.buffer = 200, .length = 100};
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n + 1) == (int)n + 1, "a chain whose length lies, then a frame");
    CHECK(v.sa.tx_dropped - dropped_before == 4, "4 malformed chains dropped: %llu",
          (unsigned long long)(v.sa.tx_dropped - dropped_before));
    uint32_t others = 0;
    CHECK(receive_exactly(v.hb, &v.pb, (uint32_t[]){7}, (uint32_t[]){100}, 1, &others) == 1 && others == 0,
          "only the plain frame arrives (others %u)", others);

    /* Segmented by the kernel: a's TSO and checksum offload off. */
    n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    check_segmented_by_kernel(&v, d, n, sent, got, 0);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);

    /* Without PACKET_VNET_HDR no chain can go: dropped and counted. */
    struct jbp_afpacket_stats sc = {0};
    struct jbp_afpacket_config cc = base_config(v.a, &v.pa, &sc);
    struct jbp_afpacket *hc = open_or_die(&cc);
    n = make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    CHECK(jbp_afpacket_tx_burst(hc, d, n) == (int)n && sc.tx_dropped == 1 && sc.tx_packets == 0,
          "a chain without a virtio_net_hdr is dropped: dropped %llu", (unsigned long long)sc.tx_dropped);
    jbp_afpacket_close(hc);
}

/*
 * jbp_afpacket_tx_gather(): the super-segment of test_tx_super_frames() as a head of 100 bytes in a pool buffer and
 * its payload in uneven pieces of memory outside the pool (as the stack's send buffer holds it), sent with one
 * sendmsg(2), arrives whole and the same as the chain, after a frame the TX ring held for a kick. Too many
 * pieces, a frame whose IPv4 length lies, and a socket without PACKET_VNET_HDR are refused with -EINVAL and
 * counted.
 */
static void test_tx_gather(void)
{
    struct veth_pair v;
    veth_pair_open_super_frames(&v);
    if (v.ca.flags & JBP_AFP_TX_RING)
        REQUIRE(jbp_afpacket_defer_tx(v.ha, 1) == 0, "deferred transmit");
    static uint8_t sent[70000], got[70000], pieces[70000 + 64 * 7];
    struct jbp_desc d[40];
    const uint32_t total = 14 + 20 + 20 + TSO_PAYLOAD;
    (void)make_tso_chain(&v.pa, 0, v.cb.mac, d, sent);
    /* A plain frame first, through the ring (held for a kick when the ring defers) or sendmmsg(2). */
    make_frame(buffer_of(&v.pa, 200), 100, 7);
    struct jbp_desc plain = {.buffer = 200, .length = 100};
    CHECK(jbp_afpacket_tx_burst(v.ha, &plain, 1) == 1, "the plain frame is accepted");
    struct jbp_desc head = {.buffer = 0, .length = 100, .flags = d[0].flags & ~JBP_DESC_CONTINUES};
    struct iovec iov[JBP_AFP_MAX_GATHER + 1];
    uint32_t count = 0;
    for (uint32_t off = 100, k = 0; off < total; k++, count++) {
        uint32_t length = 4096 - 7 * k < total - off ? 4096 - 7 * k : total - off;
        uint8_t *piece = pieces + off + 7 * k;
        memcpy(piece, sent + off, length);
        iov[count] = (struct iovec){.iov_base = piece, .iov_len = length};
        off += length;
    }
    REQUIRE(count <= JBP_AFP_MAX_GATHER, "%u pieces", count);
    uint64_t dropped = v.sa.tx_dropped;
    CHECK(jbp_afpacket_tx_gather(v.ha, &head, iov, JBP_AFP_MAX_GATHER + 1) == -EINVAL, "too many pieces");
    CHECK(jbp_afpacket_tx_gather(v.ha, &head, iov, count - 1) == -EINVAL, "a frame shorter than its IPv4 length");
    CHECK(v.sa.tx_dropped - dropped == 2, "both dropped: %llu", (unsigned long long)(v.sa.tx_dropped - dropped));
    uint64_t packets = v.sa.tx_packets, supers = v.sa.tx_super_frames;
    CHECK(jbp_afpacket_tx_gather(v.ha, &head, iov, count) == 0, "the gathered frame is sent (errno %llu)",
          (unsigned long long)v.sa.last_errno);
    CHECK(v.sa.tx_packets == packets + 1 && v.sa.tx_super_frames == supers + 1, "counted as a super-frame");
    /* (The order, the ring's frame first, is AfPacketLinkTest's to check: this receive skips the plain frame.) */
    uint32_t lengths[64], flagses[64];
    CHECK(receive_tcp_frames(v.hb, &v.pb, got, lengths, flagses, 1) == 1, "one TCP frame");
    CHECK(lengths[0] == total && memcmp(got, sent, total) == 0, "the super-frame arrives whole: %u bytes",
          lengths[0]);
    CHECK((flagses[0] & JBP_GSO_TYPE_MASK) == JBP_GSO_TCPV4 && (flagses[0] >> JBP_GSO_SIZE_SHIFT) == TSO_MSS,
          "GSO TCPV4 of %u: flags %#x", TSO_MSS, flagses[0]);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);

    /* Without PACKET_VNET_HDR no super-frame can go. */
    struct jbp_afpacket_stats sc = {0};
    struct jbp_afpacket_config cc = base_config(v.a, &v.pa, &sc);
    struct jbp_afpacket *hc = open_or_die(&cc);
    CHECK(jbp_afpacket_tx_gather(hc, &head, iov, count) == -EINVAL && sc.tx_dropped == 1 && sc.tx_packets == 0,
          "refused without a virtio_net_hdr: dropped %llu", (unsigned long long)sc.tx_dropped);
    jbp_afpacket_close(hc);
}

/*
 * test_tx_super_frames() over IPv6: a GSO_TCPV6 chain crosses the veth whole and arrives as the same chain with
 * its GSO type and size; malformed ones (a payload length that is not the chain's, the IPv4 type over an IPv6
 * frame) are dropped and counted; with the sending end's TSO and checksum offload off the kernel cuts it
 * (tcp6_gso_segment()): MSS segments, each with its own payload length and a valid TCP checksum over the IPv6
 * pseudo-header, the payload whole.
 */
static void test_tx_super_frames6(void)
{
    struct veth_pair v;
    veth_pair_open_super_frames(&v);
    static uint8_t sent[70000], got[70000];
    struct jbp_desc d[40];
    const uint32_t total = 14 + 40 + 20 + TSO6_PAYLOAD;

    uint32_t n = make_tso6_chain(&v.pa, 0, v.cb.mac, d, sent);
    check_super_frame_whole(&v, d, n, sent, got, total, 1);

    /* Malformed: a payload length that is not the chain's; GSO_TCPV4 over the IPv6 frame. */
    uint32_t dropped_before = (uint32_t)v.sa.tx_dropped;
    n = make_tso6_chain(&v.pa, 0, v.cb.mac, d, sent);
    buffer_of(&v.pa, 0)[19] ^= 1;
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n) == (int)n, "a chain whose length lies is taken");
    n = make_tso6_chain(&v.pa, 0, v.cb.mac, d, sent);
    d[0].flags = (d[0].flags & ~JBP_GSO_TYPE_MASK) | JBP_GSO_TCPV4;
    CHECK(jbp_afpacket_tx_burst(v.ha, d, n) == (int)n, "a chain of the other family's type is taken");
    CHECK(v.sa.tx_dropped - dropped_before == 2, "2 malformed chains dropped: %llu",
          (unsigned long long)(v.sa.tx_dropped - dropped_before));

    /* Segmented by the kernel: a's TSO and checksum offload off. */
    n = make_tso6_chain(&v.pa, 0, v.cb.mac, d, sent);
    check_segmented_by_kernel(&v, d, n, sent, got, 1);
    jbp_afpacket_close(v.ha);
    jbp_afpacket_close(v.hb);
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"missing_interface", test_missing_interface},
    {"open_errors", test_open_errors},
    {"exchange", test_exchange},
    {"partial_bursts", test_partial_bursts},
    {"transmit_checks", test_transmit_checks},
    {"vlan_tag_restored", test_vlan_tag_restored},
    {"oversize_and_truncated", test_oversize_and_truncated},
    {"kernel_drops", test_kernel_drops},
    {"wait_and_wakeup", test_wait_and_wakeup},
    {"concurrent_waiters", test_concurrent_waiters},
    {"deferred_kick", test_deferred_kick},
    {"lone_frames", test_lone_frames},
    {"concurrent_kicks", test_concurrent_kicks},
    {"checksum_status", test_checksum_status},
    {"mac_membership", test_mac_membership},
    {"multicast_membership", test_multicast_membership},
    {"super_frames", test_super_frames},
    {"tx_super_frames", test_tx_super_frames},
    {"tx_gather", test_tx_gather},
    {"tx_super_frames6", test_tx_super_frames6},
};

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s CASE [block|frame [ring|sendmmsg]]\n", argv[0]);
        return 2;
    }
    if (argc == 4) {
        if (strcmp(argv[3], "sendmmsg") == 0) {
            tx_flags = 0;
        } else if (strcmp(argv[3], "ring") != 0) {
            fprintf(stderr, "no transmit path named %s\n", argv[3]);
            return 2;
        }
    }
    if (argc >= 3) {
        if (strcmp(argv[2], "frame") == 0) {
            rx_ring = JBP_AFP_RX_FRAME;
        } else if (strcmp(argv[2], "block") != 0) {
            fprintf(stderr, "no ring layout named %s\n", argv[2]);
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            if (failures != 0) {
                fprintf(stderr, "%s: %d checks failed\n", argv[1], failures);
                return 1;
            }
            printf("%s (%s ring, %s): passed\n", argv[1], rx_ring == JBP_AFP_RX_FRAME ? "frame" : "block",
                   tx_flags != 0 ? "TX ring" : "sendmmsg");
            return 0;
        }
    }
    fprintf(stderr, "no case named %s\n", argv[1]);
    return 2;
}
