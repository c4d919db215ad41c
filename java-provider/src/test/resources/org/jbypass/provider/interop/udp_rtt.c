/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UDP round-trip measurement with the kernel's sockets, for UdpEchoLatencyBenchmark (compiled by it with the
 * host's cc; not part of the product).
 *
 *   udp_rtt server PORT block|spin [6]
 *       echoes every datagram to its sender: blocking in recvfrom(2), or polling with MSG_DONTWAIT; on an IPv4
 *       socket bound to 0.0.0.0, or with "6" on an IPv6 one bound to [::] (IPV6_V6ONLY: IPv6 alone).
 *   udp_rtt client HOST PORT SIZE COUNT WARMUP GAP_US
 *       HOST is an IPv4 address, or an IPv6 one (it has a colon). A connected socket sends one SIZE-byte
 *       datagram, waits (blocking) for its echo, checks it byte for byte,
 *       pauses GAP_US microseconds, and so on: WARMUP untimed round trips, then COUNT timed ones (CLOCK_MONOTONIC
 *       around send and receive). Prints "rtt_ns n=.. min=.. p50=.. p90=.. p99=.. p999=.. max=.. mean=..", then
 *       "sched run_ns=.. wait_ns=.. nvcsw=.. nivcsw=..": its own CPU time, run-queue wait (schedstat) and context
 *       switches over the timed round trips. Its timer slack is 1 ns (prctl PR_SET_TIMERSLACK), so that the pause
 *       is GAP_US, not GAP_US plus the default 50 us slack.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* This process's CPU time and run-queue wait in ns (schedstat(5), the first two fields); 0 if unreadable. */
static void read_schedstat(long long *run, long long *wait)
{
    *run = 0;
    *wait = 0;
    FILE *f = fopen("/proc/self/schedstat", "r");
    if (f == NULL)
        return;
    if (fscanf(f, "%lld %lld", run, wait) != 2) {
        *run = 0;
        *wait = 0;
    }
    fclose(f);
}

static int compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t percentile(const int64_t *sorted, long n, double p)
{
    long index = (long)(p / 100.0 * (double)n + 0.999999) - 1;
    if (index < 0)
        index = 0;
    if (index >= n)
        index = n - 1;
    return sorted[index];
}

static int server(int port, int spin, int ipv6)
{
    int s = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 local6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    int only6 = 1;
    if (s < 0 || (ipv6 && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &only6, sizeof(only6)) < 0)
        || (ipv6 ? bind(s, (struct sockaddr *)&local6, sizeof(local6))
                 : bind(s, (struct sockaddr *)&local4, sizeof(local4))) < 0) {
        perror("server socket");
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    static char buffer[65536];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t length = sizeof(peer);
        ssize_t n = recvfrom(s, buffer, sizeof(buffer), spin ? MSG_DONTWAIT : 0, (struct sockaddr *)&peer, &length);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            perror("recvfrom");
            return 1;
        }
        if (sendto(s, buffer, (size_t)n, 0, (struct sockaddr *)&peer, length) < 0)
            perror("sendto");
    }
}

static int client(const char *host, int port, int size, long count, long warmup, long gap_us)
{
    int ipv6 = strchr(host, ':') != NULL;
    int s = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in remote4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 remote6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    int parsed = ipv6 ? inet_pton(AF_INET6, host, &remote6.sin6_addr) : inet_pton(AF_INET, host, &remote4.sin_addr);
    if (s < 0 || parsed != 1
        || (ipv6 ? connect(s, (struct sockaddr *)&remote6, sizeof(remote6))
                 : connect(s, (struct sockaddr *)&remote4, sizeof(remote4))) < 0) {
        perror("client socket");
        return 1;
    }
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char *out = malloc((size_t)size + 1), *in = malloc(65536);
    int64_t *samples = malloc(sizeof(int64_t) * (size_t)count);
    if (out == NULL || in == NULL || samples == NULL)
        return 1;
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0)
        perror("PR_SET_TIMERSLACK");
    printf("ready\n");
    fflush(stdout);
    long long run0 = 0, wait0 = 0;
    struct rusage usage0 = {0};
    for (long i = -warmup; i < count; i++) {
        if (i == 0) {
            read_schedstat(&run0, &wait0);
            getrusage(RUSAGE_SELF, &usage0);
        }
        for (int j = 0; j < size; j++)
            out[j] = (char)(i * 31 + j);
        int64_t start = now_ns();
        if (send(s, out, (size_t)size, 0) != size) {
            perror("send");
            return 1;
        }
        ssize_t n = recv(s, in, 65536, 0);
        int64_t elapsed = now_ns() - start;
        if (n < 0) {
            fprintf(stderr, "round trip %ld: %s\n", i, strerror(errno));
            return 1;
        }
        if (n != size || memcmp(in, out, (size_t)size) != 0) {
            fprintf(stderr, "round trip %ld: the echo differs (%zd bytes)\n", i, n);
            return 1;
        }
        if (i >= 0)
            samples[i] = elapsed;
        if (gap_us > 0) {
            struct timespec gap = {.tv_sec = gap_us / 1000000, .tv_nsec = (gap_us % 1000000) * 1000};
            nanosleep(&gap, NULL);
        }
    }
    long long run1, wait1;
    struct rusage usage1;
    read_schedstat(&run1, &wait1);
    getrusage(RUSAGE_SELF, &usage1);
    double sum = 0;
    for (long i = 0; i < count; i++)
        sum += (double)samples[i];
    qsort(samples, (size_t)count, sizeof(int64_t), compare);
    printf("rtt_ns n=%ld min=%lld p50=%lld p90=%lld p99=%lld p999=%lld max=%lld mean=%.0f\n", count,
           (long long)samples[0], (long long)percentile(samples, count, 50), (long long)percentile(samples, count, 90),
           (long long)percentile(samples, count, 99), (long long)percentile(samples, count, 99.9),
           (long long)samples[count - 1], sum / (double)count);
    printf("sched run_ns=%lld wait_ns=%lld nvcsw=%ld nivcsw=%ld\n", run1 - run0, wait1 - wait0,
           usage1.ru_nvcsw - usage0.ru_nvcsw, usage1.ru_nivcsw - usage0.ru_nivcsw);
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "6") == 0)) && strcmp(argv[1], "server") == 0)
        return server(atoi(argv[2]), strcmp(argv[3], "spin") == 0, argc == 5);
    if (argc == 8 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atoi(argv[4]), atol(argv[5]), atol(argv[6]), atol(argv[7]));
    fprintf(stderr, "usage: %s server PORT block|spin [6] | client HOST PORT SIZE COUNT WARMUP GAP_US\n", argv[0]);
    return 2;
}
