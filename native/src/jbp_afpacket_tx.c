/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver's transmit side (see jbp_afpacket.h): a burst through one sendmmsg(2), or copied into a
 * PACKET_TX_RING and sent with one send(2), now or by jbp_afpacket_kick(). Kernel interfaces:
 * Documentation/networking/packet_mmap.rst ("TX ring"), packet(7), sendmmsg(2).
 */
#define _GNU_SOURCE /* sendmmsg(2) */
#include <errno.h>
#include <string.h>

#include "jbp_afpacket_internal.h"

/* Errors that say the interface itself cannot send: every frame of the burst would fail the same way. */
static inline int is_device_error(int err)
{
    return err == ENETDOWN || err == ENXIO || err == ENODEV;
}

/* Errors that mean "not now": the kernel's queue is full. ENOBUFS comes from a full qdisc or, with
 * PACKET_QDISC_BYPASS, a busy device queue; the frame was not sent, so it is refused rather than dropped. */
static inline int is_backpressure(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS;
}

/* What a failed transmission means for the frames left: returns the new count of descriptors done, to return.
 * span: the descriptors of the frame that failed, dropped alone when the error is its own. */
static int tx_error(struct jbp_afpacket *h, int err, uint32_t done, uint32_t count, uint32_t span, int *finished)
{
    *finished = 1;
    if (is_backpressure(err)) {
        h->stats->tx_refused += count - done;
        return (int)done;
    }
    record_error(h, err);
    if (is_device_error(err)) {
        h->stats->tx_dropped += count - done;
        return (int)count;
    }
    /* An error for this one frame (EMSGSIZE, EINVAL, ...): drop it and go on with the rest. */
    *finished = 0;
    h->stats->tx_dropped++;
    return (int)(done + span);
}

/*
 * The frame that starts at burst[i]: sets *span to the descriptors it takes (at least one, never past count: a
 * chain that the burst cuts ends at count), *length to its bytes and *vh to the virtio_net_hdr it is sent with.
 * Returns 0 when it can be sent, -1 when it is malformed and must be dropped: a buffer outside the pool or a
 * length beyond one, a chain on a socket without PACKET_VNET_HDR or longer than the largest frame, offloads the
 * headers do not bear out (jbp_vnet_tx_header()), a frame or a segment longer than the MTU allows.
 */
static int tx_frame(const struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t i, uint32_t count,
                    uint32_t *span, uint32_t *length, struct jbp_vnet_hdr *vh)
{
    const struct jbp_desc *first = &burst[i];
    uint32_t n = 1;
    uint64_t total = 0;
    int bad = 0;
    for (const struct jbp_desc *d = first;; d = &burst[i + n++]) {
        if (d->buffer >= h->buffer_count || d->length > h->buffer_size
            || (d != first && (d->length == 0 || (d->flags & ~JBP_DESC_CONTINUES) != 0)))
            bad = 1;
        total += d->length;
        if ((d->flags & JBP_DESC_CONTINUES) == 0)
            break;
        if (i + n == count) {
            bad = 1; /* a chain never crosses the end of a burst (jbp_burst.h) */
            break;
        }
    }
    *span = n;
    *length = (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
    if (bad || first->length < ETH_HEADER || total > JBP_MAX_FRAME || (n > 1 && (h->tx_vnet == 0 || n > h->max_chain)))
        return -1;
    if (h->tx_vnet == 0) {
        /* No virtio_net_hdr, no offload: the frame goes as it is, so one that asks for one cannot. */
        if ((first->flags & (JBP_GSO_TYPE_MASK | JBP_TX_L4_CSUM)) != 0 || total > h->max_tx_frame)
            return -1;
        return 0;
    }
    const uint8_t *head = h->pool + (size_t)first->buffer * h->buffer_size;
    if (jbp_vnet_tx_header(first->flags, head, first->length, (uint32_t)total, vh) != JBP_VNET_OK)
        return -1;
    if (vh->gso_type == JBP_VNET_GSO_NONE)
        return total <= h->max_tx_frame ? 0 : -1;
    /* Each segment the kernel cuts (headers and gso_size bytes) must fit the MTU: the kernel does not check it
     * for a packet socket's GSO frame (packet_snd() checks only the headers against the MTU). */
    return vh->hdr_len + (uint32_t)vh->gso_size <= h->max_tx_frame ? 0 : -1;
}

/* Counts the first k messages of a sendmmsg(2) batch as sent; returns the descriptors they took. */
static uint32_t tx_count_sent(struct jbp_afpacket *h, uint32_t k)
{
    uint32_t descs = 0;
    for (uint32_t i = 0; i < k; i++) {
        h->stats->tx_bytes += h->tx_msg_bytes[i];
        if (h->tx_msg_descs[i] > 1)
            h->stats->tx_super_frames++;
        descs += h->tx_msg_descs[i];
    }
    h->stats->tx_packets += k;
    return descs;
}

static int tx_burst_sendmmsg(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    uint32_t done = 0;
    while (done < count) {
        uint32_t n = 0;
        uint32_t iov = 0;
        uint32_t next = done;
        while (n < JBP_AFP_TX_BATCH && next < count) {
            uint32_t span;
            uint32_t length;
            if (tx_frame(h, burst, next, count, &span, &length, &h->tx_vnets[n]) < 0) {
                if (n > 0)
                    break; /* send what comes before it first, to keep the accepted frames a prefix */
                h->stats->tx_dropped++;
                next += span;
                done = next;
                continue;
            }
            uint32_t need = span + (h->tx_vnet != 0 ? 1 : 0);
            if (iov + need > h->iov_capacity)
                break; /* the next batch takes it (iov_capacity holds one longest chain after a full batch) */
            struct msghdr *m = &h->msgs[n].msg_hdr;
            m->msg_iov = &h->iovs[iov];
            m->msg_iovlen = need;
            if (h->tx_vnet != 0) {
                h->iovs[iov].iov_base = &h->tx_vnets[n];
                h->iovs[iov].iov_len = h->tx_vnet;
                iov++;
            }
            for (uint32_t k = 0; k < span; k++) {
                const struct jbp_desc *d = &burst[next + k];
                h->iovs[iov].iov_base = h->pool + (size_t)d->buffer * h->buffer_size;
                h->iovs[iov].iov_len = d->length;
                iov++;
            }
            h->tx_msg_descs[n] = span;
            h->tx_msg_bytes[n] = length;
            n++;
            next += span;
        }
        if (n == 0)
            continue;
        int sent = sendmmsg(h->fd, h->msgs, n, MSG_DONTWAIT);
        if (sent == (int)n) {
            done += tx_count_sent(h, n);
            continue;
        }
        int err;
        if (sent > 0) {
            done += tx_count_sent(h, (uint32_t)sent);
            /* sendmmsg(2) stopped at a frame it could not send. EAGAIN is not kept; any other error is parked in
             * sk_err, where it would fail the next send: SO_ERROR reads and clears it. */
            socklen_t length = sizeof(err);
            if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &length) < 0)
                err = errno;
            if (err == 0)
                err = EAGAIN;
        } else {
            err = errno;
            if (err == EINTR)
                continue;
        }
        int finished;
        int result = tx_error(h, err, done, count, h->tx_msg_descs[sent > 0 ? sent : 0], &finished);
        if (finished)
            return result;
        done = (uint32_t)result;
    }
    return (int)done;
}

/* The TX ring's slot i, and its status word (TPACKET_V2 and V3 keep it in different places). */
static inline uint8_t *tx_slot(const struct jbp_afpacket *h, uint32_t i)
{
    return h->tx_ring + (size_t)(i / h->tx_frames_per_block) * h->tx_block_size
        + (size_t)(i % h->tx_frames_per_block) * h->tx_frame_size;
}

static inline uint32_t *tx_status(const struct jbp_afpacket *h, uint8_t *slot)
{
    return h->frame_mode ? &((struct tpacket2_hdr *)slot)->tp_status : &((struct tpacket3_hdr *)slot)->tp_status;
}

/* Whether the ring holds frames the kernel has not taken: the last slot filled still waits (the kernel sends in
 * ring order, so every slot before it was taken when it is); or, deferred, a lone frame is staged beside the ring
 * (tx_direct()) or on its way, which a send(2) does not send: a sender that must not overtake the ring's frames
 * must not overtake it either (it goes with the kick, or tx_flush_lone()). */
static int tx_ring_pending(const struct jbp_afpacket *h)
{
    if (h->tx_deferred && __atomic_load_n(&h->lone_state, __ATOMIC_ACQUIRE) != JBP_AFP_LONE_IDLE)
        return 1;
    uint32_t last = h->tx_head == 0 ? h->tx_frames - 1 : h->tx_head - 1;
    return __atomic_load_n(tx_status(h, tx_slot(h, last)), __ATOMIC_ACQUIRE) == TP_STATUS_SEND_REQUEST;
}

/*
 * Whether the TX ring is idle: the kernel has taken every frame put in it, and the send(2) that took them has
 * returned, so that a frame sent another way now cannot overtake one of the ring's. Without deferral the driving
 * thread makes that send(2) itself; with it, a kicker does, and says so by publishing tx_sent == tx_head after it
 * (a slot marked TP_STATUS_SENDING may still be on its way through the kicker's dev_queue_xmit()); and no lone frame
 * may be staged or on its way.
 */
static int tx_ring_idle(const struct jbp_afpacket *h)
{
    if (h->tx_deferred
        && __atomic_load_n(&h->tx_sent, __ATOMIC_ACQUIRE) != __atomic_load_n(&h->tx_head, __ATOMIC_RELAXED))
        return 0;
    return !tx_ring_pending(h);
}

/* One sendmsg(2) of a frame on the send-only socket: its virtio_net_hdr (tx_vnet bytes, when there is one) and its
 * bytes. 0, or -errno. */
static int tx_send_lone(const struct jbp_afpacket *h, const void *vh, const void *frame, uint32_t length)
{
    struct iovec iov[2];
    int n = 0;
    if (h->tx_vnet != 0) {
        iov[n].iov_base = (void *)vh;
        iov[n++].iov_len = h->tx_vnet;
    }
    iov[n].iov_base = (void *)frame;
    iov[n++].iov_len = length;
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)n;
    for (;;) {
        if (sendmsg(h->chain_fd, &msg, MSG_DONTWAIT) >= 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/*
 * A burst of one single-buffer frame while the ring is idle (the reply of a request/response, an ACK) skips the
 * ring: it is sent with one sendmsg(2) on the send-only socket, which packet_snd() copies, a frame under a page,
 * into a linear skb, once. Through the ring the same frame is copied into its slot, and tpacket_snd() then builds
 * an skb whose payload is a page fragment of the ring (tpacket_fill_skb()): the flow dissector reads the headers
 * out of the fragment, a device without scatter-gather linearises it (validate_xmit_skb(): a second allocation and
 * copy), and a veth copies the fragment out again before its peer may receive it (skb_orphan_frags_rx()). The ring
 * stays the way for bursts, which it sends with one system call.
 *
 * Without deferral the frame goes at once, straight from its pool buffer. With deferral it is copied aside
 * (h->lone) and the kick sends it, first, after the caller's lock is released, as it would the ring's frames; the
 * kick makes no other system call when the ring holds nothing new. Returns 1 when the frame was sent or staged
 * (and counted), 0 when it must go through the ring (a lone frame is already staged, a full SO_SNDBUF, any error:
 * the ring's path sends it, or refuses or drops and counts it).
 */
static int tx_direct(struct jbp_afpacket *h, const struct jbp_desc *d, const struct jbp_vnet_hdr *vh)
{
    const uint8_t *frame = h->pool + (size_t)d->buffer * h->buffer_size;
    if (h->tx_deferred) {
        memcpy(h->lone, vh, h->tx_vnet);
        memcpy(h->lone + h->tx_vnet, frame, d->length);
        h->lone_length = h->tx_vnet + d->length;
        /* Release: the frame is in place before a kicker may see it staged. */
        __atomic_store_n(&h->lone_state, JBP_AFP_LONE_STAGED, __ATOMIC_RELEASE);
    } else if (tx_send_lone(h, vh, frame, d->length) < 0) {
        return 0;
    }
    h->stats->tx_packets++;
    h->stats->tx_bytes += d->length;
    return 1;
}

/*
 * Sends the staged lone frame, if there is one and nobody else is sending it. Returns 0 when none is staged or it
 * was sent (or dropped for an error of its own), 1 when it still waits (a full SO_SNDBUF, or another thread is
 * sending it): frames put in the ring after it must wait too.
 */
static int tx_flush_lone(struct jbp_afpacket *h, int *err)
{
    uint32_t state = JBP_AFP_LONE_STAGED;
    if (!__atomic_compare_exchange_n(&h->lone_state, &state, JBP_AFP_LONE_SENDING, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_ACQUIRE))
        return state != JBP_AFP_LONE_IDLE;
    int rc = tx_send_lone(h, h->lone, h->lone + h->tx_vnet, h->lone_length - h->tx_vnet);
    if (rc < 0 && is_backpressure(-rc)) {
        __atomic_store_n(&h->lone_state, JBP_AFP_LONE_STAGED, __ATOMIC_RELEASE);
        return 1;
    }
    if (rc < 0)
        *err = rc; /* its own error: dropped, as the ring drops a frame the kernel refuses (PACKET_LOSS) */
    /* Release: the driving thread that sees IDLE (tx_ring_idle()) may overwrite h->lone, and comes after this
     * sendmsg(2). */
    __atomic_store_n(&h->lone_state, JBP_AFP_LONE_IDLE, __ATOMIC_RELEASE);
    return 0;
}

/* A chain, with a TX ring: a slot holds one buffer, so the chain goes through the sending socket with one
 * sendmsg(2) whose iovecs are its virtio_net_hdr and buffers (packet_snd() copies them into one skb). Frames the
 * ring still holds (deferred transmission) are sent first, so that the burst's order stays the wire's. Returns 0,
 * or -errno (-EAGAIN when the ring's frames or the chain cannot go now). */
static int tx_send_chain(struct jbp_afpacket *h, const struct jbp_desc *d, uint32_t span, const struct jbp_vnet_hdr *vh)
{
    int lone_error = 0;
    if (tx_flush_lone(h, &lone_error))
        return -EAGAIN; /* a lone frame staged before the ring's frames goes first (deferred transmission) */
    if (tx_ring_pending(h)) {
        if (send(h->fd, NULL, 0, MSG_DONTWAIT) < 0 && !is_backpressure(errno) && errno != EINTR)
            return -errno;
        if (tx_ring_pending(h))
            return -EAGAIN;
    }
    h->chain_iovs[0].iov_base = (void *)vh;
    h->chain_iovs[0].iov_len = h->tx_vnet;
    for (uint32_t k = 0; k < span; k++) {
        h->chain_iovs[1 + k].iov_base = h->pool + (size_t)d[k].buffer * h->buffer_size;
        h->chain_iovs[1 + k].iov_len = d[k].length;
    }
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = h->chain_iovs;
    msg.msg_iovlen = 1 + span;
    for (;;) {
        if (sendmsg(h->chain_fd, &msg, MSG_DONTWAIT) >= 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

static int tx_burst_ring(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    uint32_t done = 0;
    if (count == 1 && (burst[0].flags & JBP_DESC_CONTINUES) == 0 && tx_ring_idle(h)) {
        uint32_t span;
        uint32_t length;
        struct jbp_vnet_hdr vh;
        if (tx_frame(h, burst, 0, 1, &span, &length, &vh) == 0 && tx_direct(h, &burst[0], &vh))
            return 1;
    }
    while (done < count) {
        /* Fill free slots from tx_head with a run of good frames (bad ones before the run are dropped). */
        uint32_t first = h->tx_head;
        uint32_t slot_index = first;
        uint32_t n = 0;
        while (done + n < count) {
            const struct jbp_desc *d = &burst[done + n];
            uint32_t span;
            uint32_t length;
            struct jbp_vnet_hdr vh;
            if (tx_frame(h, burst, done + n, count, &span, &length, &vh) < 0) {
                if (n > 0)
                    break; /* send what comes before it first, to keep the accepted frames a prefix */
                h->stats->tx_dropped++;
                done += span;
                continue;
            }
            if (span > 1) {
                if (n > 0)
                    break; /* the ring's frames before the chain go first */
                int rc = tx_send_chain(h, d, span, &vh);
                if (rc == 0) {
                    h->stats->tx_packets++;
                    h->stats->tx_bytes += length;
                    h->stats->tx_super_frames++;
                    done += span;
                    continue;
                }
                int finished;
                int result = tx_error(h, -rc, done, count, span, &finished);
                if (finished)
                    return result;
                done = (uint32_t)result;
                continue;
            }
            uint8_t *slot = tx_slot(h, slot_index);
            uint32_t *status = tx_status(h, slot);
            /* Acquire: the kernel is done with the slot's bytes once it says TP_STATUS_AVAILABLE. Anything else is
             * a frame still in flight (TP_STATUS_SENDING): the ring is full. */
            if (__atomic_load_n(status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
                break;
            /* With PACKET_VNET_HDR the slot's data starts with a virtio_net_hdr (tpacket_snd()). */
            memcpy(slot + h->tx_data_offset, &vh, h->tx_vnet);
            memcpy(slot + h->tx_data_offset + h->tx_vnet, h->pool + (size_t)d->buffer * h->buffer_size, d->length);
            if (h->frame_mode) {
                ((struct tpacket2_hdr *)slot)->tp_len = h->tx_vnet + d->length;
            } else {
                ((struct tpacket3_hdr *)slot)->tp_len = h->tx_vnet + d->length;
                ((struct tpacket3_hdr *)slot)->tp_next_offset = 0;
            }
            /* Release: the frame's bytes and length are written before the kernel may see the request. */
            __atomic_store_n(status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
            n++;
            slot_index = slot_index + 1 == h->tx_frames ? 0 : slot_index + 1;
        }
        if (n == 0) {
            if (done < count) {
                /* The slot at tx_head is still in flight: the ring is full. */
                h->stats->tx_refused += count - done;
                return (int)done;
            }
            break;
        }
        /* Release: a kicker that reads the new head sees the slots before it filled. */
        __atomic_store_n(&h->tx_head, slot_index, __ATOMIC_RELEASE);
        if (h->tx_deferred) {
            /* The frames belong to the ring now; jbp_afpacket_kick() sends them. */
            for (uint32_t i = 0; i < n; i++)
                h->stats->tx_bytes += burst[done + i].length;
            h->stats->tx_packets += n;
            done += n;
            continue;
        }
        ssize_t rc = send(h->fd, NULL, 0, MSG_DONTWAIT);
        int err = rc < 0 ? errno : 0;
        /* The kernel sends slots in ring order from where it stopped last, which is first, and stops at the first
         * it cannot send (sock_alloc_send_skb() failing for a full SO_SNDBUF, a device error), leaving that one and
         * those after it marked for sending. Take them back, so that the kernel's position and ours stay equal and
         * the frames stay with the caller. */
        uint32_t sent = 0;
        slot_index = first;
        while (sent < n) {
            uint32_t *status = tx_status(h, tx_slot(h, slot_index));
            if (__atomic_load_n(status, __ATOMIC_ACQUIRE) == TP_STATUS_SEND_REQUEST)
                break;
            sent++;
            slot_index = slot_index + 1 == h->tx_frames ? 0 : slot_index + 1;
        }
        if (sent < n) {
            __atomic_store_n(&h->tx_head, slot_index, __ATOMIC_RELEASE);
            for (uint32_t i = sent; i < n; i++) {
                __atomic_store_n(tx_status(h, tx_slot(h, slot_index)), TP_STATUS_AVAILABLE, __ATOMIC_RELAXED);
                slot_index = slot_index + 1 == h->tx_frames ? 0 : slot_index + 1;
            }
        }
        for (uint32_t i = 0; i < sent; i++)
            h->stats->tx_bytes += burst[done + i].length;
        h->stats->tx_packets += sent;
        done += sent;
        if (sent == n) {
            if (err == 0)
                continue;
            /* Every frame went, yet send(2) failed: an error after the last one (a full SO_SNDBUF on the next
             * empty slot cannot happen; a device error can, for frames already handed to the device). */
            record_error(h, err);
            continue;
        }
        if (err == 0 || err == EINTR)
            err = EAGAIN; /* stopped short without an error: a full SO_SNDBUF (sock_alloc_send_skb()) */
        int finished;
        int result = tx_error(h, err, done, count, 1, &finished);
        if (finished)
            return result;
        done = (uint32_t)result;
    }
    return (int)done;
}

int jbp_afpacket_tx_gather(struct jbp_afpacket *h, const struct jbp_desc *head, const struct iovec *payload,
                           uint32_t count)
{
    uint64_t total = head->length;
    for (uint32_t i = 0; i < count; i++)
        total += payload[i].iov_len;
    struct jbp_vnet_hdr vh;
    /* The checks tx_frame() makes of a chain: a pool buffer, a frame within the largest, offloads its headers bear
     * out, segments that fit the MTU; and no more pieces than gather_iovs holds. */
    if (h->tx_vnet == 0 || count > JBP_AFP_MAX_GATHER || head->buffer >= h->buffer_count
        || head->length > h->buffer_size || head->length < ETH_HEADER || total > JBP_MAX_FRAME
        || (head->flags & JBP_DESC_CONTINUES) != 0
        || jbp_vnet_tx_header(head->flags, h->pool + (size_t)head->buffer * h->buffer_size, head->length,
                              (uint32_t)total, &vh) != JBP_VNET_OK
        || (vh.gso_type == JBP_VNET_GSO_NONE ? total > h->max_tx_frame
                                              : vh.hdr_len + (uint32_t)vh.gso_size > h->max_tx_frame)) {
        h->stats->tx_dropped++;
        return -EINVAL;
    }
    int fd = h->fd;
    if (h->tx_ring != NULL) {
        /* As tx_send_chain(): a staged lone frame and the ring's frames first, so that the wire's order is the
         * stack's. */
        fd = h->chain_fd;
        int lone_error = 0;
        if (tx_flush_lone(h, &lone_error)) {
            h->stats->tx_refused++;
            return -EAGAIN;
        }
        if (tx_ring_pending(h)) {
            if (send(h->fd, NULL, 0, MSG_DONTWAIT) < 0 && !is_backpressure(errno) && errno != EINTR) {
                int err = errno;
                record_error(h, err);
                h->stats->tx_dropped++;
                return -err;
            }
            if (tx_ring_pending(h)) {
                h->stats->tx_refused++;
                return -EAGAIN;
            }
        }
    }
    struct iovec *iov = h->gather_iovs;
    iov[0].iov_base = &vh;
    iov[0].iov_len = h->tx_vnet;
    iov[1].iov_base = h->pool + (size_t)head->buffer * h->buffer_size;
    iov[1].iov_len = head->length;
    memcpy(&iov[2], payload, count * sizeof(*payload));
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = 2 + count;
    for (;;) {
        if (sendmsg(fd, &msg, MSG_DONTWAIT) >= 0)
            break;
        int err = errno;
        if (err == EINTR)
            continue;
        if (is_backpressure(err)) {
            h->stats->tx_refused++;
            return -EAGAIN;
        }
        record_error(h, err);
        h->stats->tx_dropped++;
        return -err;
    }
    h->stats->tx_packets++;
    h->stats->tx_bytes += total;
    if (count > 0)
        h->stats->tx_super_frames++;
    return 0;
}

int jbp_afpacket_tx_burst(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    return h->tx_ring != NULL ? tx_burst_ring(h, burst, count) : tx_burst_sendmmsg(h, burst, count);
}

int jbp_afp_tx_retry(struct jbp_afpacket *h)
{
    int err = 0;
    if (tx_flush_lone(h, &err))
        return 1;
    if (!jbp_afp_tx_waiting(h))
        return 0;
    (void)send(h->fd, NULL, 0, MSG_DONTWAIT);
    return jbp_afp_tx_waiting(h);
}

/* Declared in jbp_afpacket_internal.h: jbp_afpacket_wait() sends such frames again before it waits. */
int jbp_afp_tx_waiting(const struct jbp_afpacket *h)
{
    uint32_t sent = __atomic_load_n(&h->tx_sent, __ATOMIC_RELAXED);
    uint32_t head = __atomic_load_n(&h->tx_head, __ATOMIC_ACQUIRE);
    return sent != head
        && __atomic_load_n(tx_status(h, tx_slot(h, sent)), __ATOMIC_ACQUIRE) == TP_STATUS_SEND_REQUEST;
}

int jbp_afpacket_kick(struct jbp_afpacket *h)
{
    if (h->tx_ring == NULL)
        return 0;
    /* The head first, then a staged lone frame, then the ring up to that head. A lone frame is staged only while
     * the ring is idle, so every frame in the ring at the head read was put there after a lone frame staged then;
     * and one staged after the read (with frames behind it in the ring) is left with them for the next kick, which
     * the thread that staged it makes: this kick then finds tx_sent == head and makes no send(2) that could take
     * those frames before it. */
    uint32_t head = __atomic_load_n(&h->tx_head, __ATOMIC_ACQUIRE);
    int rc = 0;
    if (tx_flush_lone(h, &rc))
        return 1;
    /* Nothing put in the ring since the last kick took everything: no system call. */
    if (h->tx_sent == head)
        return rc;
    if (send(h->fd, NULL, 0, MSG_DONTWAIT) < 0 && !is_backpressure(errno) && errno != EINTR)
        rc = -errno;
    /* The kernel sends in ring order and stops at the first slot it cannot send: move past what it took, up to the
     * head read above (slots filled meanwhile are the next kick's to account for). Release: a driving thread that
     * reads tx_sent == tx_head (tx_ring_idle()) comes after this send(2). */
    uint32_t sent = h->tx_sent;
    while (sent != head
           && __atomic_load_n(tx_status(h, tx_slot(h, sent)), __ATOMIC_ACQUIRE) != TP_STATUS_SEND_REQUEST)
        sent = sent + 1 == h->tx_frames ? 0 : sent + 1;
    __atomic_store_n(&h->tx_sent, sent, __ATOMIC_RELEASE);
    if (rc < 0)
        return rc;
    return sent != head;
}
