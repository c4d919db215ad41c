/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver's receive side (see jbp_afpacket.h): both ring layouts (TPACKET_V3 blocks, TPACKET_V2 frame
 * slots) read into armed bursts, the kernel's drop counters, and the idle wait for frames (epoll_pwait2(2), or
 * ppoll(2), on the socket and the wakeup eventfd). Kernel interfaces: Documentation/networking/packet_mmap.rst and packet(7).
 */
#define _GNU_SOURCE /* ppoll(2), struct mmsghdr */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jbp_afpacket_internal.h"
#include "jbp_vnet.h"

#define VLAN_TAG 4u

int jbp_afpacket_refresh_stats(struct jbp_afpacket *h)
{
    /* Reading PACKET_STATISTICS resets the kernel's counters, so the totals are accumulated here. A TPACKET_V2
     * socket fills only the leading struct tpacket_stats: it has no freeze count, which stays 0. */
    struct tpacket_stats_v3 st;
    memset(&st, 0, sizeof(st));
    socklen_t length = sizeof(st);
    if (getsockopt(h->fd, SOL_PACKET, PACKET_STATISTICS, &st, &length) < 0) {
        int err = errno;
        record_error(h, err);
        return -err;
    }
    h->stats->rx_kernel_drops += st.tp_drops;
    h->stats->rx_freezes += st.tp_freeze_q_cnt;
    return 0;
}

/* Hands the open block back to the kernel and moves on to the next one. */
static inline void release_block(struct jbp_afpacket *h)
{
    struct tpacket_block_desc *b = block_at(h, h->rx_block);
    /* Release: our reads of the block's frames happen before the kernel may overwrite them. */
    __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    h->rx_left = 0;
    h->rx_frame = NULL;
    h->rx_block = h->rx_block + 1 == h->block_count ? 0 : h->rx_block + 1;
}

/* Opens the next block if the kernel has handed it over; returns whether a block is open. */
static inline int open_block(struct jbp_afpacket *h)
{
    for (;;) {
        struct tpacket_block_desc *b = block_at(h, h->rx_block);
        /* Acquire: the kernel's writes of the frames are visible once we see TP_STATUS_USER. */
        uint32_t status = __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER))
            return 0;
        /* TP_STATUS_LOSING: the kernel dropped frames since its statistics were last read. */
        if (status & TP_STATUS_LOSING)
            jbp_afpacket_refresh_stats(h);
        uint32_t frames = b->hdr.bh1.num_pkts;
        uint32_t first = b->hdr.bh1.offset_to_first_pkt;
        if (frames == 0 || (size_t)first + TPACKET3_HDRLEN > h->block_size) {
            release_block(h);
            continue;
        }
        h->rx_left = frames;
        h->rx_frame = (uint8_t *)b + first;
        return 1;
    }
}

/* Moves past the current frame of the open block. */
static inline void next_frame(struct jbp_afpacket *h, const struct tpacket3_hdr *f)
{
    if (--h->rx_left == 0) {
        release_block(h);
        return;
    }
    uint8_t *block = (uint8_t *)block_at(h, h->rx_block);
    size_t offset = (size_t)(h->rx_frame - block) + f->tp_next_offset;
    if (f->tp_next_offset == 0 || offset + TPACKET3_HDRLEN > h->block_size) {
        /* A frame chain that leaves the block: never written by a correct kernel; drop the rest of the block
         * rather than read outside it. */
        record_error(h, EIO);
        release_block(h);
        return;
    }
    h->rx_frame = block + offset;
}

/* What either ring layout says about one frame. */
struct rx_meta {
    const uint8_t *data; /* the frame's first byte (tp_mac) */
    uint32_t status;     /* tp_status */
    uint32_t length;     /* tp_snaplen: the bytes in the ring */
    uint32_t wire_length; /* tp_len */
    uint16_t vlan_tci;
    uint16_t vlan_tpid;
    uint8_t pkttype;     /* sll_pkttype */
};

/* Sets the descriptors of a frame of `total` bytes just written into the buffers of `slots` slots from n
 * (jbp_burst.h: the first says the frame's metadata, every one but the last JBP_DESC_CONTINUES and full). */
static inline void set_chain(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t n, uint32_t slots,
                             uint32_t total, uint32_t flags)
{
    for (uint32_t i = 0; i < slots; i++) {
        struct jbp_desc *d = &burst[n + i];
        int last = i + 1 == slots;
        d->length = last ? total - i * h->buffer_size : h->buffer_size;
        d->flags = (i == 0 ? flags : 0) | (last ? 0 : JBP_DESC_CONTINUES);
        d->hash = 0;
    }
    if (slots > 1)
        h->stats->rx_super_frames++;
}

/* The armed buffer of a slot, or JBP_NO_BUFFER when the burst must stop there (counting a bad one). */
static inline uint32_t armed_buffer(struct jbp_afpacket *h, const struct jbp_desc *slot)
{
    uint32_t buffer = slot->buffer;
    if (buffer != JBP_NO_BUFFER && buffer >= h->buffer_count) {
        h->stats->rx_bad_slots++;
        return JBP_NO_BUFFER;
    }
    return buffer;
}

/* Copies `length` bytes of `from` to offset `at` of the frame whose chain starts at *first (each slot's buffer
 * holds buffer_size bytes of it, in order). */
static inline void scatter(const struct jbp_afpacket *h, const struct jbp_desc *first, uint32_t at,
                           const uint8_t *from, uint32_t length)
{
    while (length > 0) {
        uint32_t index = at / h->buffer_size;
        uint32_t offset = at % h->buffer_size;
        uint32_t chunk = h->buffer_size - offset < length ? h->buffer_size - offset : length;
        memcpy(h->pool + (size_t)first[index].buffer * h->buffer_size + offset, from, chunk);
        from += chunk;
        at += chunk;
        length -= chunk;
    }
}

/* Returned by deliver() when the frame needs more slots than the burst has left: it stays in the ring. */
#define RX_NO_ROOM (-1)

/* Takes the socket's copy of a frame whose slot says TP_STATUS_COPY and drops it: the queue and the ring's COPY
 * slots stay in step. Returns 0 (nothing delivered). */
static int discard_copy(struct jbp_afpacket *h, int oversize)
{
    uint8_t byte;
    if (recv(h->fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC) < 0)
        record_error(h, errno);
    if (oversize)
        h->stats->rx_oversize++;
    return 0;
}

/*
 * Frame mode with super-frames: the slot holds the head of a frame longer than a slot, flagged TP_STATUS_COPY, and
 * the kernel queued the whole frame on the socket in ring order (tpacket_rcv() with PACKET_COPY_THRESH). One
 * recvmsg(2) reads its virtio_net_hdr and the frame straight into the buffers of as many armed slots as it needs.
 * Returns the slots taken, 0 when the frame was dropped (and counted), RX_NO_ROOM when it must wait for the next
 * burst (then nothing is read: slot and copy stay).
 */
static int deliver_copy(struct jbp_afpacket *h, const struct rx_meta *f, struct jbp_desc *burst, uint32_t n,
                        uint32_t capacity)
{
    uint32_t total = f->wire_length;
    /* A tag would have to go back into the chain's bytes; the stack drops tagged frames anyway. */
    if ((f->status & TP_STATUS_VLAN_VALID) || total > JBP_MAX_FRAME)
        return discard_copy(h, 1);
    uint32_t slots = (total + h->buffer_size - 1) / h->buffer_size;
    if (slots > capacity)
        return discard_copy(h, 1);
    if (slots > capacity - n)
        return RX_NO_ROOM;
    for (uint32_t i = 1; i < slots; i++) {
        if (armed_buffer(h, &burst[n + i]) == JBP_NO_BUFFER)
            return RX_NO_ROOM;
    }
    struct jbp_vnet_hdr vh;
    h->rx_iovs[0].iov_base = &vh;
    h->rx_iovs[0].iov_len = sizeof(vh);
    for (uint32_t i = 0; i < slots; i++) {
        h->rx_iovs[1 + i].iov_base = h->pool + (size_t)burst[n + i].buffer * h->buffer_size;
        h->rx_iovs[1 + i].iov_len = h->buffer_size;
    }
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = h->rx_iovs;
    msg.msg_iovlen = 1 + slots;
    ssize_t got;
    do {
        got = recvmsg(h->fd, &msg, MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        /* No copy queued although the slot says so: never from a correct kernel. */
        record_error(h, errno);
        return 0;
    }
    if ((msg.msg_flags & MSG_TRUNC) || (size_t)got != sizeof(vh) + total) {
        /* Not the frame the slot announced: out of step with the ring, never from a correct kernel. */
        record_error(h, EIO);
        h->stats->rx_truncated++;
        return 0;
    }
    /* The headers are in the ring's head of the frame too, whole (a slot holds at least a buffer). */
    uint32_t flags;
    if (jbp_vnet_parse(&vh, f->data, f->length, total, &flags) != JBP_VNET_OK) {
        h->stats->rx_bad_vnet++;
        return 0;
    }
    if (f->status & TP_STATUS_CSUM_VALID)
        flags |= JBP_RX_L4_CSUM_OK;
    if (f->status & TP_STATUS_CSUMNOTREADY)
        flags |= JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL;
    set_chain(h, burst, n, slots, total, flags);
    return (int)slots;
}

/*
 * Delivers one frame into the armed buffers of the burst from slot n on, or drops it and counts why. Returns the
 * number of slots it took (1, or more for a chain), 0 when the frame was skipped (the slot then stays armed for the
 * next frame), or RX_NO_ROOM when the slots left cannot hold its chain (the caller ends the burst and leaves the
 * frame in the ring). Both ring layouts go through here, so they treat frames alike: outgoing frames skipped, cut
 * frames, oversize frames and hostile virtio_net_hdrs counted, VLAN tags restored, checksum status mapped.
 */
static inline int deliver(struct jbp_afpacket *h, const struct rx_meta *f, struct jbp_desc *burst, uint32_t n,
                          uint32_t capacity)
{
    if (f->pkttype == PACKET_OUTGOING) {
        /* Our own transmissions on kernels without PACKET_IGNORE_OUTGOING (and a copy of one, if queued). */
        return (f->status & TP_STATUS_COPY) ? discard_copy(h, 0) : 0;
    }
    uint32_t length = f->length;
    if (length < f->wire_length) {
        /* Frame mode with super-frames: the kernel queued the whole frame on the socket as well. */
        if (f->status & TP_STATUS_COPY)
            return h->rx_iovs != NULL ? deliver_copy(h, f, burst, n, capacity) : discard_copy(h, 1);
        /* The ring cut the frame: larger than a block (block mode) or than a slot (frame mode): without
         * JBP_AFP_SUPER_FRAMES, what GRO/TSO super-frames of up to 64 KiB look like. */
        h->stats->rx_truncated++;
        return 0;
    }
    uint32_t flags = 0;
    if (h->super_frames) {
        /* The kernel wrote the virtio_net_hdr right before the frame (tpacket_rcv(): macoff - vnet_hdr_sz). */
        struct jbp_vnet_hdr vh;
        memcpy(&vh, f->data - JBP_VNET_HDR_LEN, sizeof(vh));
        if (jbp_vnet_parse(&vh, f->data, length, length, &flags) != JBP_VNET_OK) {
            h->stats->rx_bad_vnet++;
            return 0;
        }
    }
    /* TP_STATUS_CSUM_VALID: the NIC (or veth) verified the L4 checksum. TP_STATUS_CSUMNOTREADY: the frame was made
     * on this host with checksum offload (CHECKSUM_PARTIAL, e.g. the kernel across a veth) and its L4 checksum
     * field holds only the pseudo-header sum; the data never crossed a wire, so it is good. */
    if (f->status & TP_STATUS_CSUM_VALID)
        flags |= JBP_RX_L4_CSUM_OK;
    if (f->status & TP_STATUS_CSUMNOTREADY)
        flags |= JBP_RX_L4_CSUM_OK | JBP_RX_L4_CSUM_PARTIAL;
    /* The kernel moves a VLAN tag into tp_vlan_tci (hardware or software untagging); put it back, so that the
     * stack sees the frame as it was on the wire and drops it as tagged rather than take it as its own. */
    int tagged = (f->status & TP_STATUS_VLAN_VALID) != 0 && length >= 12;
    uint32_t total = tagged ? length + VLAN_TAG : length;
    uint32_t slots = 1;
    if (total > h->buffer_size) {
        if (!h->super_frames || total > JBP_MAX_FRAME) {
            h->stats->rx_oversize++;
            return 0;
        }
        slots = (total + h->buffer_size - 1) / h->buffer_size;
        if (slots > capacity) {
            /* No burst of this capacity could ever hold it. */
            h->stats->rx_oversize++;
            return 0;
        }
        if (slots > capacity - n)
            return RX_NO_ROOM;
        for (uint32_t i = 1; i < slots; i++) {
            if (armed_buffer(h, &burst[n + i]) == JBP_NO_BUFFER)
                return RX_NO_ROOM;
        }
    }
    struct jbp_desc *first = &burst[n];
    if (tagged) {
        uint16_t tpid = (f->status & TP_STATUS_VLAN_TPID_VALID) ? f->vlan_tpid : ETH_P_8021Q;
        uint16_t tag[2] = {htons(tpid), htons(f->vlan_tci)};
        scatter(h, first, 0, f->data, 12);
        scatter(h, first, 12, (const uint8_t *)tag, VLAN_TAG);
        scatter(h, first, 12 + VLAN_TAG, f->data + 12, length - 12);
    } else if (slots == 1) {
        memcpy(h->pool + (size_t)first->buffer * h->buffer_size, f->data, length);
    } else {
        scatter(h, first, 0, f->data, length);
    }
    set_chain(h, burst, n, slots, total, flags);
    return (int)slots;
}

static int rx_burst_blocks(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity)
{
    uint32_t n = 0;
    uint64_t frames = 0;
    uint64_t bytes = 0;
    while (n < capacity) {
        if (h->rx_left == 0 && !open_block(h))
            break;
        if (armed_buffer(h, &burst[n]) == JBP_NO_BUFFER)
            break;
        const struct tpacket3_hdr *f = (const struct tpacket3_hdr *)h->rx_frame;
        const struct sockaddr_ll *sll =
            (const struct sockaddr_ll *)((const uint8_t *)f + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
        size_t frame_offset = (size_t)(h->rx_frame - (uint8_t *)block_at(h, h->rx_block));
        if (frame_offset + f->tp_mac + f->tp_snaplen > h->block_size || f->tp_mac < h->rx_min_mac) {
            record_error(h, EIO);
            release_block(h);
            continue;
        }
        struct rx_meta meta = {
            .data = (const uint8_t *)f + f->tp_mac,
            .status = f->tp_status,
            .length = f->tp_snaplen,
            .wire_length = f->tp_len,
            .vlan_tci = (uint16_t)f->hv1.tp_vlan_tci,
            .vlan_tpid = (uint16_t)f->hv1.tp_vlan_tpid,
            .pkttype = sll->sll_pkttype,
        };
        int taken = deliver(h, &meta, burst, n, capacity);
        if (taken == RX_NO_ROOM)
            break;
        for (int i = 0; i < taken; i++)
            bytes += burst[n++].length;
        frames += taken > 0;
        next_frame(h, f);
    }
    h->stats->rx_packets += frames;
    h->stats->rx_bytes += bytes;
    return (int)n;
}

/* Frame mode: hands the current slot back to the kernel and moves to the next one, across blocks. */
static inline void release_slot(struct jbp_afpacket *h, struct tpacket2_hdr *f)
{
    /* Release: our reads of the frame happen before the kernel may overwrite the slot. */
    __atomic_store_n(&f->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    if (--h->rx_left != 0) {
        h->rx_frame += h->frame_size;
        return;
    }
    h->rx_block = h->rx_block + 1 == h->block_count ? 0 : h->rx_block + 1;
    h->rx_frame = (uint8_t *)block_at(h, h->rx_block);
    h->rx_left = h->frames_per_block;
}

static int rx_burst_frames(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity)
{
    uint32_t n = 0;
    uint64_t frames = 0;
    uint64_t bytes = 0;
    while (n < capacity) {
        struct tpacket2_hdr *f = (struct tpacket2_hdr *)h->rx_frame;
        /* Acquire: the kernel's writes of the frame are visible once we see TP_STATUS_USER. */
        uint32_t status = __atomic_load_n(&f->tp_status, __ATOMIC_ACQUIRE);
        if (!(status & TP_STATUS_USER))
            break;
        if (armed_buffer(h, &burst[n]) == JBP_NO_BUFFER)
            break;
        /* TP_STATUS_LOSING: the kernel dropped frames since its statistics were last read. */
        if (status & TP_STATUS_LOSING)
            jbp_afpacket_refresh_stats(h);
        if ((size_t)f->tp_mac + f->tp_snaplen > h->frame_size || f->tp_mac < h->rx_min_mac) {
            /* A frame that leaves its slot: never written by a correct kernel. */
            record_error(h, EIO);
            if (status & TP_STATUS_COPY)
                discard_copy(h, 0);
            release_slot(h, f);
            continue;
        }
        const struct sockaddr_ll *sll =
            (const struct sockaddr_ll *)((const uint8_t *)f + TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
        struct rx_meta meta = {
            .data = (const uint8_t *)f + f->tp_mac,
            .status = status,
            .length = f->tp_snaplen,
            .wire_length = f->tp_len,
            .vlan_tci = f->tp_vlan_tci,
            .vlan_tpid = f->tp_vlan_tpid,
            .pkttype = sll->sll_pkttype,
        };
        int taken = deliver(h, &meta, burst, n, capacity);
        if (taken == RX_NO_ROOM)
            break;
        for (int i = 0; i < taken; i++)
            bytes += burst[n++].length;
        frames += taken > 0;
        release_slot(h, f);
    }
    h->stats->rx_packets += frames;
    h->stats->rx_bytes += bytes;
    return (int)n;
}

int jbp_afpacket_rx_burst(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity)
{
    return h->frame_mode ? rx_burst_frames(h, burst, capacity) : rx_burst_blocks(h, burst, capacity);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* idle */

static inline int rx_ready(const struct jbp_afpacket *h)
{
    if (h->frame_mode) {
        const struct tpacket2_hdr *f = (const struct tpacket2_hdr *)h->rx_frame;
        return (__atomic_load_n(&f->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
    }
    if (h->rx_left != 0)
        return 1;
    const struct tpacket_block_desc *b = block_at(h, h->rx_block);
    return (__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0;
}

int jbp_afpacket_rx_ready(struct jbp_afpacket *h)
{
    return rx_ready(h);
}

/* Deferred transmission: frames a kick could not send (a full SO_SNDBUF) are sent again before each wait, which
 * then lasts 1 ms at most, so that they never wait for traffic that may not come. */
#define TX_RETRY_NS 1000000

/* What a wait saw: an error parked on the socket, a wakeup on the eventfd. */
static void after_wait(struct jbp_afpacket *h, int socket_error, int woken)
{
    if (socket_error) {
        /* The kernel parks ENETDOWN in sk_err when the netdev goes down (packet_notifier); poll() would report
         * it forever and turn the idle wait into a spin. SO_ERROR reads and clears it; the socket stays bound and
         * receives again once the netdev is back up. */
        int err = 0;
        socklen_t length = sizeof(err);
        if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &length) == 0 && err != 0)
            record_error(h, err);
    }
    if (woken) {
        uint64_t value;
        /* Consume the wakeup, so the next wait blocks again. EAGAIN: another wait took it already. */
        if (read(h->efd, &value, sizeof(value)) < 0 && errno != EAGAIN)
            record_error(h, errno);
    }
}

#ifdef SYS_epoll_pwait2
_Static_assert(sizeof(struct timespec) == 16, "epoll_pwait2(2) takes a struct __kernel_timespec");

/*
 * The calling thread's epoll instance for this handle, made on its first wait: -1 when the slots are taken or
 * it cannot be made (the thread then waits with ppoll(2)). The socket and the eventfd are registered once,
 * edge-triggered, so that a wait neither registers on nor polls either descriptor before it sleeps (ppoll(2) does
 * both for each of the two, and again after the wakeup), and after it only the descriptors that signalled are
 * polled (ep_send_events()). Edge-triggered is enough: the caller looked at the ring first (rx_ready()), and every
 * frame the kernel writes calls sk_data_ready(), which queues the socket on each instance (ep_poll_callback()),
 * so one written between that look and the wait makes the wait return at once. One instance per thread, because
 * an epoll instance wakes one of the threads waiting in it per event (ep_poll() waits exclusively), where a
 * wakeup must release every thread waiting on the handle.
 */
static int waiter_epoll(struct jbp_afpacket *h)
{
    uintptr_t self = (uintptr_t)pthread_self();
    for (int i = 0; i < JBP_AFP_WAITERS; i++) {
        /* Acquire: the slot's epfd was set before its owner was published. */
        if (__atomic_load_n(&h->waiters[i].thread, __ATOMIC_ACQUIRE) == self)
            return h->waiters[i].epfd;
    }
    if (__atomic_load_n(&h->no_epoll, __ATOMIC_RELAXED))
        return -1;
    for (int i = 0; i < JBP_AFP_WAITERS; i++) {
        uintptr_t free_slot = 0;
        if (!__atomic_compare_exchange_n(&h->waiters[i].thread, &free_slot, JBP_AFP_WAITER_CLAIMED, 0,
                                         __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            continue;
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event on_socket = {.events = EPOLLIN | EPOLLET, .data.u32 = 0};
        struct epoll_event on_eventfd = {.events = EPOLLIN | EPOLLET, .data.u32 = 1};
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &on_socket) < 0
            || epoll_ctl(ep, EPOLL_CTL_ADD, h->efd, &on_eventfd) < 0) {
            record_error(h, errno);
            if (ep >= 0)
                close(ep);
            __atomic_store_n(&h->waiters[i].thread, 0, __ATOMIC_RELEASE);
            return -1;
        }
        h->waiters[i].epfd = ep;
        __atomic_store_n(&h->waiters[i].thread, self, __ATOMIC_RELEASE);
        return ep;
    }
    return -1;
}

/* Waits in the thread's epoll instance: 1 when it returned (events or not), 0 when the caller must use ppoll(2),
 * or -errno. */
static int wait_epoll(struct jbp_afpacket *h, const struct timespec *timeout)
{
    int ep = waiter_epoll(h);
    if (ep < 0)
        return 0;
    struct epoll_event events[2];
    /* The system call, not glibc's wrapper (2.35): the kernel's nanosecond timeout (Linux 5.11), no signal mask. */
    long rc = syscall(SYS_epoll_pwait2, ep, events, 2, timeout, NULL, 0);
    if (rc < 0) {
        int err = errno;
        if (err == EINTR)
            return 1; /* a signal: a spurious return, which the caller's loop absorbs */
        if (err == ENOSYS) {
            __atomic_store_n(&h->no_epoll, 1, __ATOMIC_RELAXED);
            return 0;
        }
        record_error(h, err);
        return -err;
    }
    /* The eventfd is not read: its events are edges, each jbp_afpacket_wakeup() queues it on every instance
     * (eventfd_write() wakes each), and the instance reports it once if the counter is not zero then
     * (ep_send_events() polls the descriptor again). Reading it would hide the wakeup from the other threads woken
     * with this one, whose instances would find the counter zero and sleep on. The counter so counts wakeups and
     * would refuse them (EAGAIN) only after 2^64 - 2 of them. */
    int socket_error = 0;
    for (long i = 0; i < rc; i++) {
        if (events[i].data.u32 == 0 && (events[i].events & EPOLLERR))
            socket_error = 1;
    }
    after_wait(h, socket_error, 0);
    return 1;
}
#endif

int jbp_afpacket_wait(struct jbp_afpacket *h, int64_t timeout_ns)
{
    if (h->tx_deferred && jbp_afp_tx_retry(h) && timeout_ns > TX_RETRY_NS)
        timeout_ns = TX_RETRY_NS;
    if (rx_ready(h))
        return 1;
    if (timeout_ns <= 0)
        return 0;
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
#ifdef SYS_epoll_pwait2
    int waited = wait_epoll(h, &timeout);
    if (waited < 0)
        return waited;
    if (waited > 0)
        return rx_ready(h);
#endif
    struct pollfd fds[2] = {{.fd = h->fd, .events = POLLIN}, {.fd = h->efd, .events = POLLIN}};
    int rc = ppoll(fds, 2, &timeout, NULL);
    if (rc < 0) {
        int err = errno;
        if (err == EINTR)
            return 0; /* a signal: a spurious return, which the caller's loop absorbs */
        record_error(h, err);
        return -err;
    }
    after_wait(h, (fds[0].revents & POLLERR) != 0, (fds[1].revents & POLLIN) != 0);
    return rx_ready(h);
}

int jbp_afpacket_wakeup(struct jbp_afpacket *h)
{
    uint64_t one = 1;
    /* EAGAIN only when the counter would overflow, i.e. a wakeup is pending anyway. */
    if (write(h->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return -errno;
    return 0;
}
