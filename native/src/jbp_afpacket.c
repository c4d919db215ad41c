/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver (see jbp_afpacket.h for the API and its contracts).
 *
 * Kernel interfaces used, all documented in Documentation/networking/packet_mmap.rst and packet(7):
 *   - TPACKET_V3 receive ring (block mode): blocks of variable-size frames; block_status goes TP_STATUS_KERNEL ->
 *     TP_STATUS_USER when the kernel closes a block (full, or its retire timer fired), and back when we release it.
 *   - TPACKET_V2 receive ring (frame mode): fixed-size frame slots; each slot's tp_status goes TP_STATUS_KERNEL ->
 *     TP_STATUS_USER as soon as the kernel has written the frame (and woken poll(2)), and back when we release it.
 *   - transmit: a PACKET_TX_RING (TPACKET_V2 or V3, as the receive ring) whose slots go TP_STATUS_AVAILABLE ->
 *     TP_STATUS_SEND_REQUEST when we fill them -> TP_STATUS_SENDING when send(2) made an skb of them -> available
 *     again when the skb is freed (tpacket_destruct_skb()); or sendmmsg(2) on the bound socket. PACKET_QDISC_BYPASS
 *     optional either way.
 *   - PACKET_ADD_MEMBERSHIP with PACKET_MR_UNICAST: dev_uc_add() on the netdev, so a NIC with a unicast filter
 *     accepts the stack's MAC while the netdev keeps its own traffic (a NIC without one falls back to promiscuous
 *     mode by itself); PACKET_MR_PROMISC when asked.
 *   - PACKET_IGNORE_OUTGOING (Linux 4.20): our own transmissions are not looped back into our ring.
 */
#define _GNU_SOURCE /* sendmmsg(2), ppoll(2) */
#include "jbp_afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HEADER 14u
#define VLAN_TAG 4u
#define RX_FRAME_SIZE 2048u /* tp_frame_size: unused by the V3 layout, but the kernel checks the geometry with it */

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
    uint8_t *pool;
    uint32_t buffer_size;
    uint32_t buffer_count;
    uint32_t max_tx_frame;
    int fd;
    struct jbp_afpacket_stats *stats;
    /* Transmit batch: msg_hdr.msg_iov of each message points at its iovec once and for all. */
    struct mmsghdr *msgs;
    struct iovec *iovs;
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
    uint32_t tx_sent;     /* kickers: the first slot the kernel may not have taken yet */
    uint32_t tx_deferred; /* jbp_afpacket_defer_tx() */
    /* Cold. */
    int efd;
    size_t ring_bytes;    /* the receive ring */
    size_t tx_ring_bytes; /* the TX ring, mapped right after the receive ring */
};

static inline struct tpacket_block_desc *block_at(const struct jbp_afpacket *h, uint32_t index)
{
    return (struct tpacket_block_desc *)(h->ring + (size_t)index * h->block_size);
}

static void record_error(struct jbp_afpacket *h, int err)
{
    h->stats->errors++;
    h->stats->last_errno = (uint64_t)err;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* open / close */

static int fail(struct jbp_afpacket_info *info, int step, int err)
{
    info->failed_step = step;
    return -err;
}

/* Reads what the netdev is (index, link type, MAC, flags, MTU) with an unprivileged socket, so that "no such
 * interface" is reported as such even to a user who could not open an AF_PACKET socket. */
static int query_netdev(const char *ifname, struct jbp_afpacket_info *info)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return fail(info, JBP_AFP_STEP_INTERFACE, errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    int rc = 0;
    if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
        rc = fail(info, JBP_AFP_STEP_INTERFACE, errno);
        goto out;
    }
    info->ifindex = ifr.ifr_ifindex;
    if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
        rc = fail(info, JBP_AFP_STEP_INTERFACE, errno);
        goto out;
    }
    info->link_type = ifr.ifr_hwaddr.sa_family;
    memcpy(info->netdev_mac, ifr.ifr_hwaddr.sa_data, 6);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        rc = fail(info, JBP_AFP_STEP_INTERFACE, errno);
        goto out;
    }
    info->ifflags = (uint16_t)ifr.ifr_flags;
    if (ioctl(s, SIOCGIFMTU, &ifr) < 0) {
        rc = fail(info, JBP_AFP_STEP_INTERFACE, errno);
        goto out;
    }
    info->netdev_mtu = ifr.ifr_mtu;
out:
    close(s);
    return rc;
}

static int check_config(const struct jbp_afpacket_config *c)
{
    size_t name_length = c->ifname == NULL ? 0 : strnlen(c->ifname, IFNAMSIZ);
    if (name_length == 0 || name_length >= IFNAMSIZ)
        return -EINVAL;
    if (c->pool_base == NULL || c->buffer_count == 0 || c->buffer_size < 128 || c->stats == NULL)
        return -EINVAL;
    if (c->block_size < JBP_AFP_MIN_BLOCK_SIZE || c->block_size > JBP_AFP_MAX_BLOCK_SIZE
        || (c->block_size & (c->block_size - 1)) != 0)
        return -EINVAL;
    if (c->block_count < 2 || (uint64_t)c->block_size * c->block_count > JBP_AFP_MAX_RING_BYTES)
        return -EINVAL;
    if (c->rx_ring == JBP_AFP_RX_BLOCK) {
        if (c->block_timeout_ms == 0 || c->block_timeout_ms > JBP_AFP_MAX_BLOCK_TIMEOUT_MS)
            return -EINVAL;
    } else if (c->rx_ring == JBP_AFP_RX_FRAME) {
        /* A slot must fit a block: the kernel lays slots out within blocks, never across two. */
        if (c->buffer_size > JBP_AFP_MAX_BLOCK_SIZE || JBP_AFP_RX_FRAME_SLOT(c->buffer_size) > c->block_size)
            return -EINVAL;
    } else {
        return -EINVAL;
    }
    if (c->tx_queue_size == 0 || c->tx_queue_size > JBP_AFP_MAX_TX_QUEUE)
        return -EINVAL;
    if ((c->flags & ~(JBP_AFP_PROMISCUOUS | JBP_AFP_QDISC_BYPASS | JBP_AFP_TX_RING)) != 0)
        return -EINVAL;
    return 0;
}

static int setup_rx_ring(struct jbp_afpacket *h, const struct jbp_afpacket_config *c)
{
    int frame_mode = c->rx_ring == JBP_AFP_RX_FRAME;
    int version = frame_mode ? TPACKET_V2 : TPACKET_V3;
    if (c->flags & JBP_AFP_TX_RING) {
        /* PACKET_LOSS (refused once a ring exists): a TX slot the kernel cannot send (never one of ours: lengths
         * are checked first) is skipped rather than left in TP_STATUS_WRONG_FORMAT, where the kernel's position in
         * the ring would stay. */
        int one = 1;
        if (setsockopt(h->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one)) < 0)
            return -errno;
    }
    if (setsockopt(h->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
        return -errno;
    /* tpacket_req3 begins with the four fields of tpacket_req; the kernel reads only those for TPACKET_V2. */
    struct tpacket_req3 req;
    memset(&req, 0, sizeof(req));
    req.tp_block_size = c->block_size;
    req.tp_block_nr = c->block_count;
    if (frame_mode) {
        req.tp_frame_size = JBP_AFP_RX_FRAME_SLOT(c->buffer_size);
        /* The kernel insists on exactly frames-per-block x blocks (packet_set_ring()). */
        req.tp_frame_nr = (c->block_size / req.tp_frame_size) * c->block_count;
    } else {
        req.tp_frame_size = RX_FRAME_SIZE < c->block_size ? RX_FRAME_SIZE : c->block_size;
        req.tp_frame_nr = (c->block_size / req.tp_frame_size) * c->block_count;
        req.tp_retire_blk_tov = c->block_timeout_ms;
    }
    socklen_t length = frame_mode ? sizeof(struct tpacket_req) : sizeof(req);
    if (setsockopt(h->fd, SOL_PACKET, PACKET_RX_RING, &req, length) < 0)
        return -errno;
    h->ring_bytes = (size_t)c->block_size * c->block_count;
    h->block_size = c->block_size;
    h->block_count = c->block_count;
    h->frame_mode = (uint32_t)frame_mode;
    if (frame_mode) {
        h->frame_size = req.tp_frame_size;
        h->frames_per_block = c->block_size / req.tp_frame_size;
    }
    return 0;
}

/* The TX ring's geometry: blocks of TX_BLOCK_SIZE (order-4 pages, which the kernel falls back to vmalloc for), each
 * holding as many slots of header + one pool buffer as fit, enough blocks for tx_queue_size slots. */
#define TX_BLOCK_SIZE 65536u

static int setup_tx_ring(struct jbp_afpacket *h, const struct jbp_afpacket_config *c)
{
    /* The kernel reads a frame at tp_hdrlen - sizeof(struct sockaddr_ll) into its slot (tpacket_parse_header()
     * without PACKET_TX_HAS_OFF): the aligned size of the version's header. */
    uint32_t offset = h->frame_mode ? TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
                                    : TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
    uint32_t frame_size = TPACKET_ALIGN(offset + c->buffer_size);
    uint32_t block_size = TX_BLOCK_SIZE;
    while (block_size < frame_size)
        block_size <<= 1;
    uint32_t per_block = block_size / frame_size;
    uint32_t blocks = (c->tx_queue_size + per_block - 1) / per_block;
    struct tpacket_req3 req;
    memset(&req, 0, sizeof(req)); /* TPACKET_V3: no retire timeout, private area or features on a TX ring */
    req.tp_block_size = block_size;
    req.tp_block_nr = blocks;
    req.tp_frame_size = frame_size;
    req.tp_frame_nr = per_block * blocks;
    socklen_t length = h->frame_mode ? sizeof(struct tpacket_req) : sizeof(req);
    if (setsockopt(h->fd, SOL_PACKET, PACKET_TX_RING, &req, length) < 0)
        return -errno;
    h->tx_frames = req.tp_frame_nr;
    h->tx_frame_size = frame_size;
    h->tx_frames_per_block = per_block;
    h->tx_block_size = block_size;
    h->tx_data_offset = offset;
    h->tx_ring_bytes = (size_t)block_size * blocks;
    return 0;
}

/* Maps the receive ring and, when there is one, the TX ring after it: one mapping covers both (packet_mmap()). */
static int map_rings(struct jbp_afpacket *h)
{
    size_t bytes = h->ring_bytes + h->tx_ring_bytes;
    /* MAP_POPULATE: fault the rings in now rather than on the first frames of each block. */
    void *ring = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, h->fd, 0);
    if (ring == MAP_FAILED)
        return -errno;
    h->ring = ring;
    if (h->tx_ring_bytes != 0)
        h->tx_ring = h->ring + h->ring_bytes;
    if (h->frame_mode) {
        h->rx_frame = h->ring;
        h->rx_left = h->frames_per_block;
    }
    return 0;
}

static int setup_tx(struct jbp_afpacket *h, const struct jbp_afpacket_config *c)
{
    /* Room for tx_queue_size frames in the kernel (the kernel doubles the value for its skb overhead). Above
     * net.core.wmem_max only SO_SNDBUFFORCE (CAP_NET_ADMIN) is obeyed; without it SO_SNDBUF is capped. */
    uint64_t bytes = (uint64_t)c->tx_queue_size * c->buffer_size;
    int sndbuf = bytes > (uint64_t)(INT32_MAX / 2) ? INT32_MAX / 2 : (int)bytes;
    if (setsockopt(h->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0
        && setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
        return -errno;
    if (c->flags & JBP_AFP_QDISC_BYPASS) {
        int one = 1;
        if (setsockopt(h->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
            return -errno;
    }
    if (c->flags & JBP_AFP_TX_RING)
        return setup_tx_ring(h, c);
    h->msgs = calloc(JBP_AFP_TX_BATCH, sizeof(*h->msgs));
    h->iovs = calloc(JBP_AFP_TX_BATCH, sizeof(*h->iovs));
    if (h->msgs == NULL || h->iovs == NULL)
        return -ENOMEM;
    for (uint32_t i = 0; i < JBP_AFP_TX_BATCH; i++) {
        h->msgs[i].msg_hdr.msg_iov = &h->iovs[i];
        h->msgs[i].msg_hdr.msg_iovlen = 1;
    }
    return 0;
}

static int accept_mac(struct jbp_afpacket *h, const struct jbp_afpacket_config *c, int ifindex)
{
    struct packet_mreq mreq;
    memset(&mreq, 0, sizeof(mreq));
    mreq.mr_ifindex = ifindex;
    if (c->flags & JBP_AFP_PROMISCUOUS) {
        mreq.mr_type = PACKET_MR_PROMISC;
    } else {
        mreq.mr_type = PACKET_MR_UNICAST;
        mreq.mr_alen = 6;
        memcpy(mreq.mr_address, c->mac, 6);
    }
    /* The membership lives as long as the socket: closing it removes the address (or promiscuity) again. */
    if (setsockopt(h->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
        return -errno;
    return 0;
}

int jbp_afpacket_open(const struct jbp_afpacket_config *c, struct jbp_afpacket **out,
                      struct jbp_afpacket_info *info_out)
{
    struct jbp_afpacket_info scratch;
    struct jbp_afpacket_info *info = info_out != NULL ? info_out : &scratch;
    memset(info, 0, sizeof(*info));
    *out = NULL;

    int rc = check_config(c);
    if (rc < 0)
        return fail(info, JBP_AFP_STEP_ARGUMENTS, -rc);
    rc = query_netdev(c->ifname, info);
    if (rc < 0)
        return rc;
    if (info->link_type != ARPHRD_ETHER)
        return fail(info, JBP_AFP_STEP_LINK_TYPE, EPROTONOSUPPORT);
    if (!(info->ifflags & IFF_UP))
        return fail(info, JBP_AFP_STEP_LINK_DOWN, ENETDOWN);
    if (c->mtu > (uint32_t)info->netdev_mtu)
        return fail(info, JBP_AFP_STEP_MTU, EINVAL);
    info->mtu = c->mtu != 0 ? (int32_t)c->mtu : info->netdev_mtu;
    if ((uint64_t)info->mtu + ETH_HEADER > c->buffer_size)
        return fail(info, JBP_AFP_STEP_MTU, EMSGSIZE);
    static const uint8_t zero[6];
    if ((c->mac[0] & 1) != 0 || memcmp(c->mac, zero, 6) == 0)
        return fail(info, JBP_AFP_STEP_MAC, EINVAL);
    /* The netdev's own MAC would make the kernel take the stack's frames as its own (and answer TCP segments
     * for connections it does not know with resets): the stack needs an address of its own. */
    if (memcmp(c->mac, info->netdev_mac, 6) == 0)
        return fail(info, JBP_AFP_STEP_MAC, EADDRINUSE);

    struct jbp_afpacket *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return fail(info, JBP_AFP_STEP_ARGUMENTS, ENOMEM);
    h->fd = -1;
    h->efd = -1;
    h->pool = c->pool_base;
    h->buffer_size = c->buffer_size;
    h->buffer_count = c->buffer_count;
    h->max_tx_frame = (uint32_t)info->mtu + ETH_HEADER;
    h->stats = c->stats;

    /* Protocol 0: nothing is queued to the socket until bind() names the protocol and the interface, so no
     * frame of another interface slips into the ring in between. */
    h->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (h->fd < 0) {
        rc = fail(info, JBP_AFP_STEP_SOCKET, errno);
        goto error;
    }
    rc = setup_rx_ring(h, c);
    if (rc < 0) {
        info->rx_ring_bytes = (uint64_t)c->block_size * c->block_count;
        fail(info, JBP_AFP_STEP_RX_RING, -rc);
        goto error;
    }
    info->rx_ring_bytes = h->ring_bytes;
    if (h->frame_mode) {
        info->rx_ring_frames = h->frames_per_block * h->block_count;
        info->rx_frame_size = h->frame_size;
    }
    int one = 1;
    /* Older kernels lack it (ENOPROTOOPT): the receive path also skips PACKET_OUTGOING frames itself. */
    (void)setsockopt(h->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    rc = setup_tx(h, c);
    if (rc < 0) {
        fail(info, JBP_AFP_STEP_TX_SETUP, -rc);
        goto error;
    }
    info->tx_ring_frames = h->tx_frames;
    info->tx_frame_size = h->tx_frame_size;
    rc = map_rings(h);
    if (rc < 0) {
        fail(info, h->tx_ring_bytes != 0 && rc == -ENOMEM ? JBP_AFP_STEP_TX_SETUP : JBP_AFP_STEP_RX_RING, -rc);
        goto error;
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = info->ifindex;
    if (bind(h->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        rc = fail(info, JBP_AFP_STEP_BIND, errno);
        goto error;
    }
    rc = accept_mac(h, c, info->ifindex);
    if (rc < 0) {
        fail(info, JBP_AFP_STEP_MEMBERSHIP, -rc);
        goto error;
    }
    h->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (h->efd < 0) {
        rc = fail(info, JBP_AFP_STEP_EVENTFD, errno);
        goto error;
    }
    *out = h;
    return 0;

error:
    jbp_afpacket_close(h);
    return rc;
}

void jbp_afpacket_close(struct jbp_afpacket *h)
{
    if (h == NULL)
        return;
    if (h->ring != NULL)
        munmap(h->ring, h->ring_bytes + h->tx_ring_bytes);
    if (h->fd >= 0)
        close(h->fd);
    if (h->efd >= 0)
        close(h->efd);
    free(h->msgs);
    free(h->iovs);
    free(h);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* receive */

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

/*
 * Delivers one frame into the armed buffer of *slot, or drops it and counts why. Returns 1 when delivered, 0
 * when the frame was skipped (the slot then stays armed for the next frame). Both ring layouts go through here, so
 * they treat frames alike: outgoing frames skipped, cut frames and oversize frames counted, VLAN tags restored,
 * checksum status mapped.
 */
static inline int deliver(struct jbp_afpacket *h, const struct rx_meta *f, struct jbp_desc *slot)
{
    if (f->pkttype == PACKET_OUTGOING) {
        /* Our own transmissions on kernels without PACKET_IGNORE_OUTGOING. */
        return 0;
    }
    uint32_t length = f->length;
    if (length < f->wire_length) {
        /* The ring cut the frame: larger than a block (block mode: what GRO/TSO super-frames of up to 64 KiB look
         * like) or than a slot (frame mode). Counted so that the binding can say that offloads must be off. */
        h->stats->rx_truncated++;
        return 0;
    }
    /* The kernel moves a VLAN tag into tp_vlan_tci (hardware or software untagging); put it back, so that the
     * stack sees the frame as it was on the wire and drops it as tagged rather than take it as its own. */
    int tagged = (f->status & TP_STATUS_VLAN_VALID) != 0 && length >= 12;
    uint32_t total = tagged ? length + VLAN_TAG : length;
    if (total > h->buffer_size) {
        h->stats->rx_oversize++;
        return 0;
    }
    uint8_t *to = h->pool + (size_t)slot->buffer * h->buffer_size;
    if (tagged) {
        uint16_t tpid = (f->status & TP_STATUS_VLAN_TPID_VALID) ? f->vlan_tpid : ETH_P_8021Q;
        uint16_t tag[2] = {htons(tpid), htons(f->vlan_tci)};
        memcpy(to, f->data, 12);
        memcpy(to + 12, tag, VLAN_TAG);
        memcpy(to + 12 + VLAN_TAG, f->data + 12, length - 12);
    } else {
        memcpy(to, f->data, length);
    }
    uint32_t flags = 0;
    /* TP_STATUS_CSUM_VALID: the NIC (or veth) verified the L4 checksum. TP_STATUS_CSUMNOTREADY: the frame was made
     * on this host with checksum offload (CHECKSUM_PARTIAL, e.g. the kernel across a veth) and its L4 checksum
     * field holds only the pseudo-header sum; the data never crossed a wire, so it is good. */
    if (f->status & (TP_STATUS_CSUM_VALID | TP_STATUS_CSUMNOTREADY))
        flags |= JBP_RX_L4_CSUM_OK;
    slot->length = total;
    slot->flags = flags;
    slot->hash = 0;
    return 1;
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

static int rx_burst_blocks(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity)
{
    uint32_t n = 0;
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
        if (frame_offset + f->tp_mac + f->tp_snaplen > h->block_size) {
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
        if (deliver(h, &meta, &burst[n])) {
            bytes += burst[n].length;
            n++;
        }
        next_frame(h, f);
    }
    h->stats->rx_packets += n;
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
        if ((size_t)f->tp_mac + f->tp_snaplen > h->frame_size) {
            /* A frame that leaves its slot: never written by a correct kernel. */
            record_error(h, EIO);
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
        if (deliver(h, &meta, &burst[n])) {
            bytes += burst[n].length;
            n++;
        }
        release_slot(h, f);
    }
    h->stats->rx_packets += n;
    h->stats->rx_bytes += bytes;
    return (int)n;
}

int jbp_afpacket_rx_burst(struct jbp_afpacket *h, struct jbp_desc *burst, uint32_t capacity)
{
    return h->frame_mode ? rx_burst_frames(h, burst, capacity) : rx_burst_blocks(h, burst, capacity);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* transmit */

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

/* What a failed transmission means for the frames left: returns the new count of frames done, to return. */
static int tx_error(struct jbp_afpacket *h, int err, uint32_t done, uint32_t count, int *finished)
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
    return (int)done + 1;
}

static inline int tx_frame_ok(const struct jbp_afpacket *h, const struct jbp_desc *d)
{
    return d->buffer < h->buffer_count && d->length >= ETH_HEADER && d->length <= h->max_tx_frame;
}

static int tx_burst_sendmmsg(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    uint32_t done = 0;
    while (done < count) {
        uint32_t n = 0;
        uint64_t bytes = 0;
        while (n < JBP_AFP_TX_BATCH && done + n < count) {
            const struct jbp_desc *d = &burst[done + n];
            if (!tx_frame_ok(h, d)) {
                if (n > 0)
                    break; /* send what comes before it first, to keep the accepted frames a prefix */
                h->stats->tx_dropped++;
                done++;
                continue;
            }
            h->iovs[n].iov_base = h->pool + (size_t)d->buffer * h->buffer_size;
            h->iovs[n].iov_len = d->length;
            bytes += d->length;
            n++;
        }
        if (n == 0)
            continue;
        int sent = sendmmsg(h->fd, h->msgs, n, MSG_DONTWAIT);
        if (sent == (int)n) {
            h->stats->tx_packets += n;
            h->stats->tx_bytes += bytes;
            done += n;
            continue;
        }
        int err;
        if (sent > 0) {
            for (int i = 0; i < sent; i++)
                h->stats->tx_bytes += h->iovs[i].iov_len;
            h->stats->tx_packets += (uint32_t)sent;
            done += (uint32_t)sent;
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
        int result = tx_error(h, err, done, count, &finished);
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

static int tx_burst_ring(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    uint32_t done = 0;
    while (done < count) {
        /* Fill free slots from tx_head with a run of good frames (bad ones before the run are dropped). */
        uint32_t first = h->tx_head;
        uint32_t slot_index = first;
        uint32_t n = 0;
        while (done + n < count) {
            const struct jbp_desc *d = &burst[done + n];
            if (!tx_frame_ok(h, d)) {
                if (n > 0)
                    break; /* send what comes before it first, to keep the accepted frames a prefix */
                h->stats->tx_dropped++;
                done++;
                continue;
            }
            uint8_t *slot = tx_slot(h, slot_index);
            uint32_t *status = tx_status(h, slot);
            /* Acquire: the kernel is done with the slot's bytes once it says TP_STATUS_AVAILABLE. Anything else is
             * a frame still in flight (TP_STATUS_SENDING): the ring is full. */
            if (__atomic_load_n(status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
                break;
            memcpy(slot + h->tx_data_offset, h->pool + (size_t)d->buffer * h->buffer_size, d->length);
            if (h->frame_mode) {
                ((struct tpacket2_hdr *)slot)->tp_len = d->length;
            } else {
                ((struct tpacket3_hdr *)slot)->tp_len = d->length;
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
        int result = tx_error(h, err, done, count, &finished);
        if (finished)
            return result;
        done = (uint32_t)result;
    }
    return (int)done;
}

int jbp_afpacket_tx_burst(struct jbp_afpacket *h, const struct jbp_desc *burst, uint32_t count)
{
    return h->tx_ring != NULL ? tx_burst_ring(h, burst, count) : tx_burst_sendmmsg(h, burst, count);
}

int jbp_afpacket_defer_tx(struct jbp_afpacket *h, int on)
{
    if (h->tx_ring == NULL)
        return -EINVAL;
    h->tx_deferred = on != 0;
    return 0;
}

/* Whether the slot the kernel would send next still waits to be sent (read-only: any thread). */
static inline int tx_waiting(const struct jbp_afpacket *h)
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
    int rc = 0;
    if (send(h->fd, NULL, 0, MSG_DONTWAIT) < 0 && !is_backpressure(errno) && errno != EINTR)
        rc = -errno;
    /* The kernel sends in ring order and stops at the first slot it cannot send: move past what it took, up to the
     * head as the driving thread last published it (slots it fills meanwhile are its own kicker's to send). */
    uint32_t head = __atomic_load_n(&h->tx_head, __ATOMIC_ACQUIRE);
    uint32_t sent = h->tx_sent;
    while (sent != head
           && __atomic_load_n(tx_status(h, tx_slot(h, sent)), __ATOMIC_ACQUIRE) != TP_STATUS_SEND_REQUEST)
        sent = sent + 1 == h->tx_frames ? 0 : sent + 1;
    __atomic_store_n(&h->tx_sent, sent, __ATOMIC_RELAXED);
    if (rc < 0)
        return rc;
    return sent != head;
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

int jbp_afpacket_wait(struct jbp_afpacket *h, int64_t timeout_ns)
{
    if (h->tx_deferred && tx_waiting(h)) {
        (void)send(h->fd, NULL, 0, MSG_DONTWAIT);
        if (tx_waiting(h) && timeout_ns > TX_RETRY_NS)
            timeout_ns = TX_RETRY_NS;
    }
    if (rx_ready(h))
        return 1;
    if (timeout_ns <= 0)
        return 0;
    struct pollfd fds[2] = {{.fd = h->fd, .events = POLLIN}, {.fd = h->efd, .events = POLLIN}};
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    int rc = ppoll(fds, 2, &timeout, NULL);
    if (rc < 0) {
        int err = errno;
        if (err == EINTR)
            return 0; /* a signal: a spurious return, which the caller's loop absorbs */
        record_error(h, err);
        return -err;
    }
    if (fds[0].revents & POLLERR) {
        /* The kernel parks ENETDOWN in sk_err when the netdev goes down (packet_notifier); poll() would report
         * it forever and turn the idle wait into a spin. SO_ERROR reads and clears it; the socket stays bound and
         * receives again once the netdev is back up. */
        int err = 0;
        socklen_t length = sizeof(err);
        if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &length) == 0 && err != 0)
            record_error(h, err);
    }
    if (fds[1].revents & POLLIN) {
        uint64_t value;
        /* Consume the wakeup, so the next wait blocks again. EAGAIN: another wait took it already. */
        if (read(h->efd, &value, sizeof(value)) < 0 && errno != EAGAIN)
            record_error(h, errno);
    }
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

const char *jbp_afpacket_step_name(int step)
{
    static const char *const names[JBP_AFP_STEP_COUNT] = {
        [JBP_AFP_STEP_NONE] = "none",
        [JBP_AFP_STEP_ARGUMENTS] = "arguments",
        [JBP_AFP_STEP_SOCKET] = "socket",
        [JBP_AFP_STEP_INTERFACE] = "interface",
        [JBP_AFP_STEP_LINK_TYPE] = "link-type",
        [JBP_AFP_STEP_LINK_DOWN] = "link-down",
        [JBP_AFP_STEP_MTU] = "mtu",
        [JBP_AFP_STEP_MAC] = "mac",
        [JBP_AFP_STEP_RX_RING] = "rx-ring",
        [JBP_AFP_STEP_TX_SETUP] = "tx-setup",
        [JBP_AFP_STEP_BIND] = "bind",
        [JBP_AFP_STEP_MEMBERSHIP] = "membership",
        [JBP_AFP_STEP_EVENTFD] = "eventfd",
    };
    return step >= 0 && step < JBP_AFP_STEP_COUNT ? names[step] : "unknown";
}
