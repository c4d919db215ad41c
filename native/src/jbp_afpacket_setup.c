/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The afpacket driver's setup (see jbp_afpacket.h for the API and its contracts): checking the configuration,
 * querying the netdev, the socket and its options, the receive and TX rings and their mapping, the MAC membership,
 * the eventfd for wakeups; and close. The datapath is in jbp_afpacket_rx.c and jbp_afpacket_tx.c.
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
 *   - PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP with PACKET_MR_MULTICAST (jbp_afpacket_multicast):
 *     dev_mc_add()/dev_mc_del() on the netdev, so that a NIC with a multicast filter takes the frames of the groups
 *     the stack joined; the kernel counts each address per socket and drops them all when the socket closes.
 *   - PACKET_ADD_MEMBERSHIP with PACKET_MR_UNICAST: dev_uc_add() on the netdev, so a NIC with a unicast filter
 *     accepts the stack's MAC while the netdev keeps its own traffic (a NIC without one falls back to promiscuous
 *     mode by itself); PACKET_MR_PROMISC when asked.
 *   - PACKET_IGNORE_OUTGOING (Linux 4.20): our own transmissions are not looped back into our ring.
 */
#define _GNU_SOURCE /* struct mmsghdr (jbp_afpacket_internal.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jbp_afpacket_internal.h"
#include "jbp_vnet.h"

#define RX_FRAME_SIZE 2048u /* tp_frame_size: unused by the V3 layout, but the kernel checks the geometry with it */

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
        /* With super-frames a block must hold the largest one whole, after the block's and the frame's headers. */
        if ((c->flags & JBP_AFP_SUPER_FRAMES) && c->block_size < JBP_AFP_MIN_SUPER_BLOCK)
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
    if ((c->flags & ~(JBP_AFP_PROMISCUOUS | JBP_AFP_QDISC_BYPASS | JBP_AFP_TX_RING | JBP_AFP_SUPER_FRAMES)) != 0)
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
    if (c->flags & JBP_AFP_SUPER_FRAMES) {
        /* PACKET_VNET_HDR (refused once a ring exists): the kernel hands GSO/GRO super-frames over whole, with a
         * virtio_net_hdr before each frame saying their segmentation and checksum state (tpacket_rcv(),
         * virtio_net_hdr_from_skb()), instead of frames the ring could only cut. */
        int one = 1;
        if (setsockopt(h->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
            return -errno;
        h->super_frames = 1;
        if (frame_mode) {
            /* PACKET_COPY_THRESH (TPACKET_V1/V2 only): a frame longer than its slot is also queued whole on the
             * socket, its slot flagged TP_STATUS_COPY, rather than only cut. SO_RCVBUF bounds the frames queued so:
             * room for the bytes of the ring's frames (SO_RCVBUFFORCE past net.core.rmem_max with CAP_NET_ADMIN). */
            if (setsockopt(h->fd, SOL_PACKET, PACKET_COPY_THRESH, &one, sizeof(one)) < 0)
                return -errno;
            uint64_t bytes = (uint64_t)c->block_size * c->block_count;
            int rcvbuf = bytes > (uint64_t)(INT32_MAX / 2) ? INT32_MAX / 2 : (int)bytes;
            if (setsockopt(h->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0
                && setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
                return -errno;
            h->rx_iovs = calloc(1 + (JBP_MAX_FRAME + c->buffer_size - 1) / c->buffer_size, sizeof(*h->rx_iovs));
            if (h->rx_iovs == NULL)
                return -ENOMEM;
        }
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
    h->rx_min_mac = (frame_mode ? TPACKET2_HDRLEN : TPACKET3_HDRLEN) + (h->super_frames ? JBP_VNET_HDR_LEN : 0);
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
    uint32_t frame_size = TPACKET_ALIGN(offset + h->tx_vnet + c->buffer_size);
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

/* With a TX ring, chains and lone frames (jbp_afpacket_tx.c, tx_direct()) go out through a second packet socket
 * bound to the netdev with protocol 0, which registers no receive hook (packet_do_bind()): it only sends (with a
 * virtio_net_hdr when the ring's frames carry one) through packet_snd(), which takes the frame's protocol from
 * its Ethernet header (packet_parse_headers() for SOCK_RAW). Both sockets hand their frames to the same device
 * queue selection (netdev_pick_tx(): XPS or the flow hash, no socket state for packet sockets), so a flow's frames
 * keep the order in which they were sent. */
static int setup_chain_socket(struct jbp_afpacket *h, const struct jbp_afpacket_config *c)
{
    h->chain_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (h->chain_fd < 0)
        return -errno;
    int one = 1;
    if (h->tx_vnet != 0 && setsockopt(h->chain_fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
        return -errno;
    /* Room for a few longest chains: more would only queue behind the ring's frames. */
    int sndbuf = 4 * (int)JBP_MAX_FRAME;
    if (setsockopt(h->chain_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0
        && setsockopt(h->chain_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
        return -errno;
    if ((c->flags & JBP_AFP_QDISC_BYPASS)
        && setsockopt(h->chain_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
        return -errno;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = 0;
    sll.sll_ifindex = h->ifindex;
    if (bind(h->chain_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        return -errno;
    h->chain_iovs = calloc(1 + h->max_chain, sizeof(*h->chain_iovs));
    h->lone = malloc(h->tx_vnet + c->buffer_size);
    return h->chain_iovs == NULL || h->lone == NULL ? -ENOMEM : 0;
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
    /* With PACKET_VNET_HDR every frame sent starts with a virtio_net_hdr too (packet_snd(), tpacket_snd()). */
    h->tx_vnet = h->super_frames ? JBP_VNET_HDR_LEN : 0;
    /* A chain takes one descriptor per buffer of the largest frame, at most (jbp_burst.h). */
    h->max_chain = h->super_frames ? (JBP_MAX_FRAME + c->buffer_size - 1) / c->buffer_size : 1;
    if (c->flags & JBP_AFP_TX_RING) {
        int rc = setup_tx_ring(h, c);
        if (rc < 0)
            return rc;
        return setup_chain_socket(h, c);
    }
    /* Per message: the virtio_net_hdr, when there is one, and a frame's buffers; room for a batch of one-buffer
     * frames and one longest chain more. */
    h->iov_capacity = 2 * JBP_AFP_TX_BATCH + h->max_chain;
    h->msgs = calloc(JBP_AFP_TX_BATCH, sizeof(*h->msgs));
    h->iovs = calloc(h->iov_capacity, sizeof(*h->iovs));
    h->tx_vnets = calloc(JBP_AFP_TX_BATCH, sizeof(*h->tx_vnets));
    h->tx_msg_descs = calloc(JBP_AFP_TX_BATCH, sizeof(*h->tx_msg_descs));
    h->tx_msg_bytes = calloc(JBP_AFP_TX_BATCH, sizeof(*h->tx_msg_bytes));
    if (h->msgs == NULL || h->iovs == NULL || h->tx_vnets == NULL || h->tx_msg_descs == NULL
        || h->tx_msg_bytes == NULL)
        return -ENOMEM;
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

int jbp_afpacket_multicast(struct jbp_afpacket *h, const uint8_t mac[6], int add)
{
    if ((mac[0] & 1) == 0)
        return -EINVAL;
    /* The socket is bound to its netdev: its address names the ifindex, which the handle need not keep. */
    struct sockaddr_ll sll;
    socklen_t length = sizeof(sll);
    memset(&sll, 0, sizeof(sll));
    if (getsockname(h->fd, (struct sockaddr *)&sll, &length) < 0)
        return -errno;
    struct packet_mreq mreq;
    memset(&mreq, 0, sizeof(mreq));
    mreq.mr_ifindex = sll.sll_ifindex;
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = 6;
    memcpy(mreq.mr_address, mac, 6);
    if (setsockopt(h->fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mreq,
                   sizeof(mreq)) < 0)
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
    h->chain_fd = -1;
    h->ifindex = info->ifindex;
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
    for (int i = 0; i < JBP_AFP_WAITERS; i++) {
        if (h->waiters[i].thread > JBP_AFP_WAITER_CLAIMED)
            close(h->waiters[i].epfd);
    }
    if (h->chain_fd >= 0)
        close(h->chain_fd);
    free(h->msgs);
    free(h->tx_vnets);
    free(h->tx_msg_descs);
    free(h->tx_msg_bytes);
    free(h->chain_iovs);
    free(h->lone);
    free(h->rx_iovs);
    free(h->iovs);
    free(h);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* options and names */

int jbp_afpacket_defer_tx(struct jbp_afpacket *h, int on)
{
    if (h->tx_ring == NULL)
        return -EINVAL;
    h->tx_deferred = on != 0;
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
