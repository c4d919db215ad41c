/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver's handle, private to its three files: jbp_afpacket_setup.c (open, rings, membership,
 * options, close), jbp_afpacket_rx.c (receive, statistics, the idle wait) and jbp_afpacket_tx.c (transmit, kick).
 * Each includes this after defining _GNU_SOURCE (struct mmsghdr).
 */
#ifndef JBP_AFPACKET_INTERNAL_H
#define JBP_AFPACKET_INTERNAL_H

#include <linux/if_packet.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "jbp_afpacket.h"
#include "jbp_vnet.h"

#define ETH_HEADER 14u
/* Threads that may wait on a handle with an epoll instance of their own: the poller and the readers that wait on
 * its ring in turn (org.jbypass.provider.engine.RingWait); more wait with ppoll(2). */
#define JBP_AFP_WAITERS 8
#define JBP_AFP_WAITER_CLAIMED ((uintptr_t)1)
enum { JBP_AFP_LONE_IDLE = 0, JBP_AFP_LONE_STAGED, JBP_AFP_LONE_SENDING };

struct jbp_afpacket {
    /* Receive state, touched on every burst. */
    uint8_t *ring;
    uint32_t block_size;
    uint32_t block_count;
    uint32_t rx_block;   /* the block being read, or the one the kernel will hand over next */
    uint32_t rx_left;    /* block mode: frames of rx_block not yet consumed, 0 when no block is open;
                          * frame mode: slots of rx_block from rx_frame on */
    uint8_t *rx_frame;   /* the next frame of rx_block (frame mode: the next slot, never NULL) */
    uint32_t frame_mode; /* TPACKET_V2 frame slots rather than TPACKET_V3 blocks */
    uint32_t frame_size; /* frame mode: the size of a slot */
    uint32_t frames_per_block;
    uint32_t super_frames; /* JBP_AFP_SUPER_FRAMES: a virtio_net_hdr before each frame, chains */
    uint32_t rx_min_mac;   /* the least tp_mac of a correct kernel: the frame header, sockaddr_ll (and vnet_hdr) */
    struct iovec *rx_iovs; /* frame mode with super-frames: a virtio_net_hdr and the buffers of a chain */
    uint8_t *pool;
    uint32_t buffer_size;
    uint32_t buffer_count;
    uint32_t max_tx_frame;
    int fd;
    struct jbp_afpacket_stats *stats;
    /* Transmit batch: each message's iovecs are a run of iovs (its virtio_net_hdr in tx_vnets, then the buffers
     * of its frame); tx_msg_descs and tx_msg_bytes say how many burst descriptors and bytes each one took. */
    struct mmsghdr *msgs;
    struct iovec *iovs;
    uint32_t iov_capacity;
    struct jbp_vnet_hdr *tx_vnets;
    uint32_t *tx_msg_descs;
    uint32_t *tx_msg_bytes;
    /* Chains (JBP_AFP_SUPER_FRAMES): at most max_chain descriptors. With a TX ring they, and bursts of one frame
     * while the ring is idle, go through chain_fd, a second packet socket that only sends (packet_sendmsg() on a
     * socket with a TX ring reads only the ring). */
    uint32_t max_chain;
    int chain_fd;
    struct iovec *chain_iovs;
    struct iovec gather_iovs[2 + JBP_AFP_MAX_GATHER]; /* jbp_afpacket_tx_gather(): header, head, pieces */
    /* TX ring (JBP_AFP_TX_RING): tx_frames slots of tx_frame_size bytes, tx_frames_per_block to a block of
     * tx_block_size; a frame's bytes start tx_data_offset into its slot. tx_head is the next slot to fill, which
     * is also the kernel's next slot to send: we never leave a slot marked for sending after a burst. */
    uint8_t *tx_ring;
    uint32_t tx_frames;
    uint32_t tx_frame_size;
    uint32_t tx_frames_per_block;
    uint32_t tx_block_size;
    uint32_t tx_data_offset;
    uint32_t tx_head;     /* written by the driving thread, read by kickers */
    uint32_t tx_sent;     /* kickers: the first slot the kernel may not have taken yet; equal to tx_head once a
                           * kick's send(2) has returned with every slot taken (release: tx_direct() reads it) */
    uint32_t tx_deferred; /* jbp_afpacket_defer_tx() */
    /* Deferred transmission: a lone frame (tx_direct()) waits here for the kick, its virtio_net_hdr (tx_vnet bytes)
     * and then its bytes, lone_length in all. lone_state (JBP_AFP_LONE_*) goes IDLE -> STAGED by the driving thread,
     * STAGED -> SENDING by whoever sends it (a kicker, or the driving thread's wait retrying after a full
     * SO_SNDBUF), and back to IDLE when sent or to STAGED when refused. */
    uint8_t *lone;
    uint32_t lone_length;
    uint32_t lone_state;
    uint32_t tx_vnet;     /* bytes of virtio_net_hdr before each frame sent: 10 with super-frames, else 0 */
    /* The idle wait (jbp_afpacket_rx.c): an epoll instance per waiting thread, in which the socket and the eventfd
     * are registered once, edge-triggered. thread is 0 while the slot is free, JBP_AFP_WAITER_CLAIMED while its
     * instance is being made, then the owner's pthread_self() (release: epfd is set before). Threads beyond the
     * slots, or a kernel without epoll_pwait2(2) (no_epoll), wait with ppoll(2). */
    struct {
        uintptr_t thread;
        int epfd;
    } waiters[JBP_AFP_WAITERS];
    uint32_t no_epoll;
    /* Cold. */
    int efd;
    int ifindex;
    size_t ring_bytes;    /* the receive ring */
    size_t tx_ring_bytes; /* the TX ring, mapped right after the receive ring */
};

static inline struct tpacket_block_desc *block_at(const struct jbp_afpacket *h, uint32_t index)
{
    return (struct tpacket_block_desc *)(h->ring + (size_t)index * h->block_size);
}

static inline void record_error(struct jbp_afpacket *h, int err)
{
    h->stats->errors++;
    h->stats->last_errno = (uint64_t)err;
}

/* Whether the slot the kernel would send next still waits to be sent (jbp_afpacket_tx.c; any thread). */
int jbp_afp_tx_waiting(const struct jbp_afpacket *h);

/* Deferred transmission, from the driving thread's wait: sends a staged lone frame that a kick could not, then the
 * ring's frames; 1 when frames still wait, else 0 (jbp_afpacket_tx.c). */
int jbp_afp_tx_retry(struct jbp_afpacket *h);

#endif
