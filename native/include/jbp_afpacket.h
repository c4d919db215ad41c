/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver: a Linux netdev driven through an AF_PACKET socket, as a plain C API on an opaque handle.
 *
 * Receive uses one of two ring layouts (Documentation/networking/packet_mmap.rst), chosen at open:
 *   - JBP_AFP_RX_BLOCK, TPACKET_V3: the kernel fills blocks of variable-size frames and hands a block over when it
 *     is full or when its retire timeout (1 ms at least) expires. Few wakeups and cache misses at high rates, but
 *     at low rates a frame waits up to the timeout in a block that does not fill.
 *   - JBP_AFP_RX_FRAME, TPACKET_V2: fixed-size frame slots, each handed over (and its poll(2) waiter woken) as soon
 *     as the kernel has written it; what libpcap's immediate mode uses. No added latency; one status word and one
 *     wakeup per frame.
 * Either way each received frame is copied into the armed pool buffer of the next burst slot. Transmit takes a
 * whole burst in one system call, in one of two ways, and the buffers are free again when it returns:
 *   - JBP_AFP_TX_RING: each frame is copied into the next free slot of a PACKET_TX_RING (the same TPACKET version
 *     as the receive ring) and one send(2) has the kernel transmit every slot marked for sending. The kernel's
 *     loop (tpacket_snd()) has no rescheduling point between frames. A burst of one frame while the ring is idle
 *     (the reply of a request/response) skips the ring: one sendmsg(2) on a send-only socket, which the kernel
 *     copies once into a linear skb, where the ring's frame would be copied into its slot and then made a page
 *     fragment that a veth or a device without scatter-gather copies again. It goes at once from its pool buffer,
 *     or, with deferred transmission, is copied aside and sent by the kick, before the ring's frames.
 *   - otherwise one sendmmsg(2) whose iovecs point straight into pool memory; the kernel copies each frame during
 *     the call. __sys_sendmmsg() calls cond_resched() after every message: when a frame wakes the receiver on this
 *     CPU (a veth peer, whose receive runs in the sender's softirq), the sender is preempted frame by frame.
 * An idle caller sleeps in an epoll instance of its thread's own (epoll_pwait2(2); ppoll(2) where it is missing, or
 * beyond eight waiting threads) on the socket and an eventfd that jbp_afpacket_wakeup() signals.
 *
 * Threads: one thread drives a handle (rx, tx, wait, refresh, close); jbp_afpacket_wakeup() may be called from
 * any thread while the handle is open. Every function returns a count or -errno; nothing on the hot path logs,
 * allocates or blocks.
 */
#ifndef JBP_AFPACKET_H
#define JBP_AFPACKET_H

#include <stdint.h>
#include <sys/uio.h>

#include "jbp_burst.h"

struct jbp_afpacket;

/* Open flags. */
#define JBP_AFP_PROMISCUOUS (1u << 0)  /* PACKET_MR_PROMISC instead of a PACKET_MR_UNICAST membership */
#define JBP_AFP_QDISC_BYPASS (1u << 1) /* PACKET_QDISC_BYPASS: skip the qdisc, drops instead of queueing */
#define JBP_AFP_TX_RING (1u << 2)      /* transmit through a PACKET_TX_RING and one send(2) per burst */
/* Receive GSO/GRO super-frames (PACKET_VNET_HDR): each frame comes with a virtio_net_hdr (jbp_vnet.h) and a frame
 * longer than a pool buffer is delivered as a chain of burst slots (jbp_burst.h), up to JBP_MAX_FRAME bytes.
 *   - frame mode: the slots stay sized for one buffer. With PACKET_COPY_THRESH the kernel puts the head of a
 *     longer frame in its slot, flagged TP_STATUS_COPY, and queues the whole frame on the socket (tpacket_rcv());
 *     the driver reads it with one recvmsg(2) whose iovecs are the chain's buffers, so the ring's memory does not
 *     grow with the largest frame and the kernel copies the frame once, straight into the pool. SO_RCVBUF bounds
 *     how many such frames may wait (a frame beyond it is cut and counted as truncated).
 *   - block mode: blocks must hold the largest frame whole (block_size >= JBP_AFP_MIN_SUPER_BLOCK).
 * Every frame sent then carries a virtio_net_hdr too, which the driver puts in front of it: no offload for a plain
 * frame; NEEDS_CSUM for one with JBP_TX_L4_CSUM; GSO_TCPV4 or GSO_TCPV6 for a TCP super-segment (a chain with
 * JBP_GSO_TCPV4 or JBP_GSO_TCPV6),
 * which the kernel cuts into segments in software (GSO: any netdev, whatever its TSO setting, since
 * packet_snd()/tpacket_snd() take the header through virtio_net_hdr_to_skb() and the skb meets
 * validate_xmit_skb() like any locally made GSO skb) or hands whole to a device that takes it (a veth, TSO NIC).
 * Transmit bursts may then hold chains: through sendmmsg(2) each is one message with an iovec per buffer; with a
 * TX ring, whose slots hold one buffer, one sendmsg(2) on a second, send-only socket, after the ring's frames. */
#define JBP_AFP_SUPER_FRAMES (1u << 3)

/* Receive ring layouts (config.rx_ring). */
enum jbp_afp_rx_ring {
    JBP_AFP_RX_BLOCK = 0, /* TPACKET_V3 blocks, handed over full or after block_timeout_ms */
    JBP_AFP_RX_FRAME = 1, /* TPACKET_V2 frame slots, each handed over at once */
};

/*
 * TPACKET_V2 slot size for a pool's buffers: the kernel puts the frame at tp_mac = TPACKET_ALIGN(TPACKET2_HDRLEN +
 * 16) - 14 = 66 bytes into its slot (tpacket_rcv()), so a slot of 128 + buffer_size bytes, 16-aligned
 * (TPACKET_ALIGNMENT), holds every frame a buffer can take whole, and a frame up to 62 bytes longer whole too, so
 * that such a frame is counted as oversize rather than as cut by the ring. AfPacketLink mirrors this formula.
 */
#define JBP_AFP_RX_FRAME_HEADROOM 128u
#define JBP_AFP_RX_FRAME_SLOT(buffer_size) ((JBP_AFP_RX_FRAME_HEADROOM + (uint32_t)(buffer_size) + 15u) & ~15u)
/* With JBP_AFP_SUPER_FRAMES the frame starts 10 bytes further in its slot (the virtio_net_hdr before it:
 * tpacket_rcv() adds vnet_hdr_sz to netoff), still within the headroom. A block-mode block must hold the largest
 * frame, its headers and the block's own. */
#define JBP_AFP_MIN_SUPER_BLOCK (128u * 1024u)

/* Limits of the geometry accepted by jbp_afpacket_open(). */
#define JBP_AFP_MIN_BLOCK_SIZE 4096u           /* one page; must be a power of two */
#define JBP_AFP_MAX_BLOCK_SIZE (4u << 20)      /* the kernel's largest contiguous allocation for a block */
#define JBP_AFP_MAX_RING_BYTES (1ull << 30)    /* 1 GiB of receive ring per handle */
#define JBP_AFP_MAX_BLOCK_TIMEOUT_MS 1000u
#define JBP_AFP_MAX_TX_QUEUE 65536u
#define JBP_AFP_TX_BATCH 1024u                 /* frames per sendmmsg(2) call (UIO_MAXIOV) */

/*
 * Which step of jbp_afpacket_open() failed, so that the caller can say what to do about it. The errno alone is
 * ambiguous: ENOMEM from PACKET_RX_RING means "ring too large", ENODEV from SIOCGIFINDEX means "no such interface".
 */
enum jbp_afp_step {
    JBP_AFP_STEP_NONE = 0,
    JBP_AFP_STEP_ARGUMENTS,  /* bad configuration (EINVAL) */
    JBP_AFP_STEP_SOCKET,     /* socket(AF_PACKET): EPERM without CAP_NET_RAW */
    JBP_AFP_STEP_INTERFACE,  /* SIOCGIFINDEX: ENODEV when there is no such interface */
    JBP_AFP_STEP_LINK_TYPE,  /* not an Ethernet netdev (EPROTONOSUPPORT); info.link_type says what it is */
    JBP_AFP_STEP_LINK_DOWN,  /* the netdev is administratively down (ENETDOWN) */
    JBP_AFP_STEP_MTU,        /* the pool's buffers cannot hold a frame of the MTU (EMSGSIZE) */
    JBP_AFP_STEP_MAC,        /* the stack's MAC is the netdev's own, or not unicast (EADDRINUSE, EINVAL) */
    JBP_AFP_STEP_RX_RING,    /* PACKET_VERSION, PACKET_RX_RING or its mmap (ENOMEM: ring too large) */
    JBP_AFP_STEP_TX_SETUP,   /* SO_SNDBUF, PACKET_QDISC_BYPASS */
    JBP_AFP_STEP_BIND,       /* bind(2) to the interface */
    JBP_AFP_STEP_MEMBERSHIP, /* PACKET_ADD_MEMBERSHIP (unicast address or promiscuous mode) */
    JBP_AFP_STEP_EVENTFD,    /* eventfd(2) for wakeups (EMFILE) */
    JBP_AFP_STEP_COUNT
};

struct jbp_afpacket_config {
    const char *ifname;
    /* The packet pool: buffer_count buffers of buffer_size bytes from pool_base. */
    void *pool_base;
    uint32_t buffer_size;
    uint32_t buffer_count;
    /* Receive ring: enum jbp_afp_rx_ring; block_count blocks of block_size bytes. In block mode a block is handed
     * over after block_timeout_ms at most; in frame mode each block holds block_size / JBP_AFP_RX_FRAME_SLOT(
     * buffer_size) frame slots (at least one) and block_timeout_ms is not used. */
    uint32_t rx_ring;
    uint32_t block_size;
    uint32_t block_count;
    uint32_t block_timeout_ms;
    /* Transmit: how many frames may wait in the kernel (sizes SO_SNDBUF, and the TX ring's slots with
     * JBP_AFP_TX_RING) before sends are refused. */
    uint32_t tx_queue_size;
    /* The largest IP datagram the stack sends and accepts; 0 for the netdev's MTU, else at most that. */
    uint32_t mtu;
    /* The stack's MAC, which the NIC is asked to accept (PACKET_MR_UNICAST). */
    uint8_t mac[6];
    uint32_t flags; /* JBP_AFP_* */
    /* Where the driver keeps its counters; caller-owned memory that must outlive the handle. */
    struct jbp_afpacket_stats *stats;
};

/* What open learned about the netdev, filled as far as open got (also on failure). */
struct jbp_afpacket_info {
    int32_t failed_step; /* enum jbp_afp_step, JBP_AFP_STEP_NONE on success */
    int32_t ifindex;
    int32_t netdev_mtu;
    int32_t mtu;         /* the effective MTU: config.mtu, or the netdev's */
    uint32_t ifflags;    /* IFF_* from SIOCGIFFLAGS */
    int32_t link_type;   /* ARPHRD_* from SIOCGIFHWADDR */
    uint8_t netdev_mac[6];
    uint16_t reserved;
    uint64_t rx_ring_bytes;
    uint32_t rx_ring_frames; /* frame mode: the ring's frame slots; block mode: 0 (frames vary in size) */
    uint32_t rx_frame_size;  /* frame mode: the size of a slot; block mode: 0 */
    uint32_t tx_ring_frames; /* JBP_AFP_TX_RING: the TX ring's frame slots; otherwise 0 */
    uint32_t tx_frame_size;  /* JBP_AFP_TX_RING: the size of a TX slot; otherwise 0 */
};

/*
 * Counters, written only by the driving thread. The layout is shared with Java (AfPacketLink reads it from a
 * direct ByteBuffer after every burst), so it is a flat array of u64 in the platform's byte order.
 */
struct jbp_afpacket_stats {
    uint64_t rx_packets;      /* frames delivered into bursts */
    uint64_t rx_bytes;
    uint64_t rx_oversize;     /* dropped: longer than a pool buffer or than the MTU allows */
    uint64_t rx_truncated;    /* dropped: cut short by the ring (tp_snaplen < tp_len): longer than a block (block
                               * mode, e.g. GRO super-frames) or than a frame slot (frame mode) */
    uint64_t rx_kernel_drops; /* dropped by the kernel for want of ring space (PACKET_STATISTICS tp_drops) */
    uint64_t rx_freezes;      /* times the kernel found the ring full (tp_freeze_q_cnt; block mode only) */
    uint64_t rx_bad_slots;    /* bursts cut short by a slot holding a buffer index outside the pool */
    uint64_t tx_packets;      /* frames the kernel took */
    uint64_t tx_bytes;
    uint64_t tx_refused;      /* frames not accepted now (EAGAIN): left with the caller */
    uint64_t tx_dropped;      /* frames accepted but dropped: bad descriptor, or an error from the kernel */
    uint64_t errors;          /* failed system calls */
    uint64_t last_errno;      /* the errno of the last failed system call */
    uint64_t rx_bad_vnet;     /* dropped: a virtio_net_hdr hostile or inconsistent with its frame (jbp_vnet.h) */
    uint64_t rx_super_frames; /* frames delivered as chains of more than one slot */
    uint64_t tx_super_frames; /* frames sent from chains of more than one slot (counted in tx_packets too) */
};

#define JBP_AFP_STATS_WORDS (sizeof(struct jbp_afpacket_stats) / sizeof(uint64_t))
_Static_assert(sizeof(struct jbp_afpacket_stats) == 16 * sizeof(uint64_t), "AfPacketStats mirrors this layout");

/*
 * Opens the driver on a netdev. Returns 0 and a handle in *out, or -errno with info->failed_step naming the step
 * that failed; info (may be NULL) says what was learned about the netdev either way.
 */
int jbp_afpacket_open(const struct jbp_afpacket_config *config, struct jbp_afpacket **out,
                      struct jbp_afpacket_info *info);

/*
 * Receives up to capacity frames into an armed burst: each frame is copied into the buffer of the next slot (with
 * JBP_AFP_SUPER_FRAMES, a frame longer than a buffer into the buffers of as many slots as it needs, a chain),
 * whose length and flags are set; stops at the first slot holding JBP_NO_BUFFER, and before a chain that the
 * slots left cannot hold (it waits in the ring for the next burst; one that no burst of this capacity could hold
 * is dropped as oversize). Returns the number of slots filled. Never blocks.
 */
int jbp_afpacket_rx_burst(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity);

/*
 * Transmits slots 0..count-1 with one system call (per JBP_AFP_TX_BATCH frames; with a TX ring, one more per
 * chain). Returns how many slots, from slot 0, were accepted, always whole frames: sent, or dropped and counted in
 * tx_dropped (a malformed descriptor or chain, offload flags its headers do not bear out, an error for that
 * frame). Frames
 * from the returned index on were refused because the kernel's queue is full; they may be sent again later.
 * The pool buffers of accepted frames are free again when this returns: the kernel copied them.
 */
int jbp_afpacket_tx_burst(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count);

/* The most payload pieces jbp_afpacket_tx_gather() takes after the head. */
#define JBP_AFP_MAX_GATHER 32u

/*
 * Transmits one frame now, with one sendmsg(2) whose iovecs are the frame's virtio_net_hdr, the head (a pool
 * buffer's first head->length bytes: the headers, with head->flags as a burst's first descriptor) and `count`
 * pieces of memory anywhere in the process (a TCP super-segment's payload where the stack keeps it): the kernel
 * copies them into its skb, so the stack makes no copy of its own. Needs JBP_AFP_SUPER_FRAMES. Frames a TX ring still
 * holds go first. Returns 0 when sent; -EAGAIN when the kernel's queue is full (nothing sent, counted in
 * tx_refused); -EINVAL for a frame jbp_afpacket_tx_burst() would drop as malformed, or another -errno when the
 * device failed (both counted in tx_dropped). The memory is the caller's again when this returns.
 */
int jbp_afpacket_tx_gather(struct jbp_afpacket *h, const struct jbp_desc *head, const struct iovec *payload,
                           uint32_t count);

/*
 * With a TX ring: whether jbp_afpacket_tx_burst() only fills the ring (on) or also has the kernel send it (off, the
 * default). When on, the frames it accepts are counted as sent and belong to the ring, as with a NIC's ring, and
 * jbp_afpacket_kick() hands them to the kernel: a caller that drives the handle under a lock can make the system
 * call, and the receiver's work that the kernel does in it (a veth peer's receive runs in the sender's softirq),
 * after releasing its lock. Returns 0, or -EINVAL without a TX ring. Set it before the first transmit.
 */
int jbp_afpacket_defer_tx(struct jbp_afpacket *h, int on);

/*
 * Has the kernel send every frame the ring holds for it. Any thread, concurrently with the thread that drives the
 * handle (the kernel serialises its senders); callers of kick serialise among themselves. Returns 1 when frames are
 * still waiting (the kernel's SO_SNDBUF was full, or the device is down: jbp_afpacket_wait() sends them again),
 * 0 when none are, or -errno. Counts nothing: the frames were counted when they were put in the ring. A lone frame
 * that jbp_afpacket_tx_burst() staged (the ring being idle) goes first, with one sendmsg(2); no send(2) when
 * nothing was put in the ring since the last kick took everything.
 */
int jbp_afpacket_kick(struct jbp_afpacket *h);

/*
 * Waits until received frames may be ready, jbp_afpacket_wakeup() is called, a signal arrives or timeout_ns
 * passes. Returns 1 when frames are ready, 0 otherwise (timeout, wakeup, signal: spurious returns are allowed),
 * or -errno. With deferred transmission, first sends frames that a kick left waiting, and then waits 1 ms at most
 * before trying again.
 */
int jbp_afpacket_wait(struct jbp_afpacket *h, int64_t timeout_ns);

/*
 * 1 when the receive ring's next slot (or block) is ours to read, else 0: one load, no system call. For the
 * thread that receives, to poll for a while before it waits; from another thread only a hint.
 */
int jbp_afpacket_rx_ready(struct jbp_afpacket *h);

/*
 * Has the netdev accept (add != 0) or no longer accept frames to a multicast MAC (its group bit set), for the
 * groups the stack joins: PACKET_ADD/DROP_MEMBERSHIP with PACKET_MR_MULTICAST. The kernel counts additions of one
 * address per socket and forgets them at close. The driving thread. 0 or -errno (-EINVAL: not a multicast MAC).
 */
int jbp_afpacket_multicast(struct jbp_afpacket *h, const uint8_t mac[6], int add);

/* Makes every concurrent jbp_afpacket_wait() return, or each thread's next one (a thread's wait may so return once
 * for a wakeup given while it was not waiting: a spurious return). Any thread. */
int jbp_afpacket_wakeup(struct jbp_afpacket *h);

/* Reads the kernel's drop counters (PACKET_STATISTICS) into the stats; 0 or -errno. */
int jbp_afpacket_refresh_stats(struct jbp_afpacket *h);

/* Closes the socket, unmaps the ring and frees the handle. */
void jbp_afpacket_close(struct jbp_afpacket *h);

/* A name for a step, for logs and tests. */
const char *jbp_afpacket_step_name(int step);

#endif
