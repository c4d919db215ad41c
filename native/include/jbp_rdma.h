/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rdma driver's shared declarations: the port handle that Java holds, the queue structures both datapaths
 * (Direct Verbs and plain verbs) run on, the status block shared with Java, and the backend operations that make
 * the same datapath run on a ConnectX adapter or on the software model of one (native/test/mlx5_model.c).
 *
 * A port handle is created either by jbp_rdma_device.c (libibverbs + libmlx5, a real adapter) or by the test-only
 * model library; the datapath in jbp_rdma_dv.c and jbp_rdma_verbs.c does not know which. Everything the datapath
 * needs is in these structs: ring memory, doorbell records, the BlueFlame register, counts and strides. That is
 * the whole difference between hardware and the model: where the ring memory comes from.
 *
 * This header is included by libjbypass.so and by the model library, which may drive a handle created by the
 * other; the struct layout is therefore versioned (JBP_RDMA_ABI) and checked where a handle crosses over.
 */
#ifndef JBP_RDMA_H
#define JBP_RDMA_H

#include <stddef.h>
#include <stdint.h>

#include <infiniband/mlx5dv.h>

#include "jbp_burst.h"

#define JBP_RDMA_MAGIC 0x4a425244u /* "JBRD" */
#define JBP_RDMA_ABI 6u

#define JBP_RDMA_MAX_RXQ 64
#define JBP_RDMA_MIN_RING 64
#define JBP_RDMA_MAX_RING 32768 /* WQE counters are 16 bits wide: a ring must stay below 2^16 entries */
#define JBP_RDMA_ERR_LEN 1024

/* The L2 header bytes inlined in every TX WQE (rdma-core providers/mlx5/wqe.h MLX5_ETH_L2_INLINE_HEADER_SIZE;
 * rdma-core inlines exactly this much unless the device reports inline mode NONE, providers/mlx5/mlx5.c). */
#define JBP_MLX5_INLINE_HDR 18
/* The most a send WQE inlines when headers up to L4 are inlined: Ethernet with a VLAN tag (18), IPv4 with options
 * (60) or IPv6 (40), TCP with options (60); rounded up. */
#define JBP_MLX5_MAX_INLINE 160
/* Frames shorter than this are refused on transmit: they cannot fill the mandatory inline header. */
#define JBP_RDMA_MIN_FRAME JBP_MLX5_INLINE_HDR
/* The 16-byte units (DS) of one send WQE at most: the adapter's limit is 63 (the 6-bit DS count); VPP's rdma
 * plugin stops at 60 (src/plugins/rdma/output.c RDMA_MLX5_WQE_DS_MAX), and so do we. */
#define JBP_MLX5_MAX_DS 60
/* A send WQE's chain buffers beyond its first are kept per basic block it occupies: four data segments fit in a
 * 64-byte block, so a WQE never has more buffers than 4 x its blocks. */
#define JBP_TX_XBUFS_PER_BB 4
/* LinkCapabilities bits the native side sets in JBP_ST_CAPABILITIES. */
#define JBP_CAP_TX_TCP_SEGMENTATION (1u << 6)
#define JBP_CAP_TX_TCP6_SEGMENTATION (1u << 8) /* LinkCapabilities.TX_TCP6_SEGMENTATION: LSO of GSO_TCPV6 chains */
/* A TX completion is requested at least every this many WQEs (and on the last WQE of every burst). */
#define JBP_RDMA_TX_SIGNAL_EVERY 64

/*
 * The Toeplitz RSS key: the Microsoft RSS verification key ("RSS hashing: verifying the RSS hash calculation",
 * Windows driver documentation), the default of many adapters; its published test vectors check the model's
 * hash, and so the queue choice the tests expect.
 */
#define JBP_RDMA_RSS_KEY_LEN 40
#define JBP_RDMA_RSS_KEY                                                                                         \
    {                                                                                                            \
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, \
            0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7,    \
            0x3b, 0xbe, 0xac, 0x01, 0xfa                                                                         \
    }

/*
 * log2 of the RSS indirection table size for n queues: n itself when a power of two, else a table eight times
 * larger than n, filled round robin, so that no queue gets more than 1/8 more than its share (VPP fills the
 * device's largest table for the same reason, src/plugins/rdma/device.c rdma_rxq_finalize).
 */
static inline uint32_t jbp_rdma_ind_log(uint32_t n)
{
    uint32_t log = 0;
    while ((1u << log) < n)
        log++;
    return (1u << log) == n ? log : log + 3;
}

enum jbp_rdma_mode {
    JBP_RDMA_MODE_AUTO = 0,
    JBP_RDMA_MODE_DV = 1,
    JBP_RDMA_MODE_IBV = 2,
};

/* Queue states, published in the status block. */
enum jbp_rdma_qstate {
    JBP_Q_OK = 0,
    JBP_Q_ERROR = 1, /* a completion error put the hardware queue in the error state: recover before use */
    JBP_Q_DEAD = 2,  /* recovery failed or the device is gone: the queue is not used again */
    JBP_Q_RECREATE = 3, /* its CQ is in error (IBV_EVENT_CQ_ERR) or the queue fatally so (IBV_EVENT_QP_FATAL,
                           IBV_EVENT_WQ_FATAL): no reset helps; the CQ and the queue are destroyed and created
                           again before the next use */
};

/* How bad a state is: a queue's state only ever moves to a worse one until it is recovered. */
static inline int jbp_qstate_rank(int state)
{
    return state == JBP_Q_OK ? 0 : state == JBP_Q_ERROR ? 1 : state == JBP_Q_RECREATE ? 2 : 3;
}

/*
 * The status block: native-order u64 words that native code writes and Java reads through a direct ByteBuffer
 * (org.jbypass.provider.driver.RdmaNative declares the same offsets). Counters are written only by the thread
 * that drives the port; monitoring threads may read slightly stale values.
 */
enum jbp_rdma_status_word {
    JBP_ST_MAGIC = 0,
    JBP_ST_MODE = 1,         /* JBP_RDMA_MODE_DV or JBP_RDMA_MODE_IBV: the mode in use, | JBP_ST_MODE_DV_FALLBACK */
    JBP_ST_RXQ_COUNT = 2,
    JBP_ST_PORT_STATE = 3,   /* enum ibv_port_state of the port, refreshed on async events */
    JBP_ST_ASYNC_EVENTS = 4, /* async events seen */
    JBP_ST_DEVICE_FATAL = 5, /* 1 after IBV_EVENT_DEVICE_FATAL */
    JBP_ST_RECLAIM_COUNT = 6, /* valid entries in the reclaim array after the last call */
    JBP_ST_CAPABILITIES = 7, /* org.jbypass.netstack.link.LinkCapabilities bits */
    JBP_ST_TX_RING = 8,      /* TX ring entries in use at most */
    JBP_ST_RX_RING = 9,      /* RX ring entries per queue */
    /* The stack's MAC in the netdev's FDB (jbp_rdma_admit.h): enum jbp_admit_state, the errno of a refusal, and
     * entries added, removed, removed for crashed processes at open, and refused. */
    JBP_ST_MAC_ADMISSION = 10,
    JBP_ST_MAC_ADMIT_ERRNO = 11,
    JBP_ST_FDB_ADDED = 12,
    JBP_ST_FDB_REMOVED = 13,
    JBP_ST_FDB_STALE_REMOVED = 14,
    JBP_ST_FDB_FAILURES = 15,
    JBP_ST_HEADER_WORDS = 16,
};

enum jbp_rdma_txq_word {
    JBP_TXQ_PACKETS = 0,
    JBP_TXQ_BYTES = 1,
    JBP_TXQ_DROPS = 2,       /* frames accepted but not sent: invalid length or buffer index */
    JBP_TXQ_RING_FULL = 3,   /* frames refused because the send ring was full */
    JBP_TXQ_CQE_ERRORS = 4,  /* error completions (the first puts the queue in error, flushes follow) */
    JBP_TXQ_DOORBELLS = 5,
    JBP_TXQ_RECOVERIES = 6,
    JBP_TXQ_LAST_SYNDROME = 7, /* (vendor syndrome << 8) | syndrome of the last error CQE */
    JBP_TXQ_STATE = 8,
    JBP_TXQ_POST_ERRORS = 9, /* verbs mode: ibv_post_send failures */
    JBP_TXQ_IN_FLIGHT = 10,  /* send WQE basic blocks not yet completed (one per frame with L2 inlining) */
    JBP_TXQ_INLINE = 11,     /* the headers inlined in each WQE: 0 L2 (18 bytes), 1 up to the end of L4 */
    JBP_TXQ_RECREATIONS = 12, /* times the CQ and the send QP were destroyed and created again */
    JBP_TXQ_RECREATE_EVENT = 13, /* the async event (enum ibv_event_type) that asked for the last recreation */
    JBP_TXQ_MAX_TSO = 14,    /* LSO: the longest super-frame the queue segments (0: no LSO on this queue) */
    JBP_TXQ_TSO_FRAMES = 15, /* super-frames sent as one LSO WQE each */
    /* Descriptors (burst slots) the queue accepted and is done with: completed, dropped, or discarded by a reset,
     * a recreation or the close; free running from the open. Accepted descriptors minus this are still the
     * adapter's: the stack keeps a flow on this queue until its last frame's count is reached (docs/RDMA.md,
     * "Per-flow order"), as Linux's ooo_okay waits for a socket's last skb to be freed. */
    JBP_TXQ_DONE = 16,
    JBP_TXQ_WORDS = 20,
};

enum jbp_rdma_rxq_word {
    JBP_RXQ_PACKETS = 0,
    JBP_RXQ_BYTES = 1,
    JBP_RXQ_DROPS = 2,       /* frames received but dropped: error CQE, bad length */
    JBP_RXQ_NO_BUFFER = 3,   /* calls that left completions waiting because the burst had no armed buffer */
    JBP_RXQ_CQE_ERRORS = 4,
    JBP_RXQ_COMPRESSED = 5,  /* compressed CQE sessions started */
    JBP_RXQ_RECOVERIES = 6,
    JBP_RXQ_LAST_SYNDROME = 7,
    JBP_RXQ_STATE = 8,
    JBP_RXQ_POST_ERRORS = 9, /* verbs mode: ibv_post_wq_recv failures */
    JBP_RXQ_WQE_MISMATCH = 10, /* CQEs whose wqe_counter is not the next WQE: the queue is reset, nothing delivered */
    JBP_RXQ_RECREATIONS = 11, /* times the CQ and the receive WQ were destroyed and created again */
    JBP_RXQ_RECREATE_EVENT = 12, /* the async event (enum ibv_event_type) that asked for the last recreation */
    JBP_RXQ_WORDS = 16,
};

/* In JBP_ST_MODE: verbs mode because Direct Verbs setup failed although the adapter reported it (mode = auto). */
#define JBP_ST_MODE_DV_FALLBACK 0x100u

/* Each queue pair's words: its send queue's, then its receive queue's (queue 0's layout is that of a port with
 * one send queue). */
#define JBP_ST_QUEUE_WORDS (JBP_TXQ_WORDS + JBP_RXQ_WORDS)
#define JBP_ST_TXQ_BASE(q) (JBP_ST_HEADER_WORDS + (q) * JBP_ST_QUEUE_WORDS)
#define JBP_ST_RXQ_BASE(q) (JBP_ST_TXQ_BASE(q) + JBP_TXQ_WORDS)
#define JBP_ST_WORDS(nrxq) JBP_ST_TXQ_BASE(nrxq)

/* The packet-buffer pool: one memory region registered once, buffers named by index. */
struct jbp_rdma_pool {
    uint8_t *base;
    uint32_t buf_size;
    uint32_t count;
    uint32_t lkey;
};

/* A completion queue of 64-byte CQEs (struct mlx5_cqe64), reached directly (DV mode and the model). */
struct jbp_dv_cq {
    uint8_t *buf;
    volatile __be32 *dbrec; /* [0] = MLX5_CQ_SET_CI, [1] = MLX5_CQ_ARM_DB (rdma-core providers/mlx5/mlx5.h) */
    void *uar;              /* the CQ doorbell UAR page (mlx5dv_cq.cq_uar): arming writes at +MLX5_CQ_DOORBELL */
    uint32_t cqn;
    uint32_t cqe_cnt;       /* a power of two */
    uint32_t log_cnt;
    uint32_t ci;            /* consumer index, free running; 24 bits reach the doorbell record */
    uint32_t arm_sn;        /* arm sequence number, bumped per completion event (rdma-core mlx5_cq_event) */
};

/* Verbs-mode objects of a queue: the datapath in jbp_rdma_verbs.c calls through the context ops (inline in
 * verbs.h), so it needs no symbol from libibverbs. */
struct jbp_ibv_rxq {
    struct ibv_wq *wq;
    struct ibv_cq *cq;
    struct ibv_recv_wr *wr; /* ring-size scratch arrays, allocated once */
    struct ibv_sge *sge;
    struct ibv_wc *wc;
};

struct jbp_ibv_txq {
    struct ibv_qp *qp;
    struct ibv_cq *cq;
    struct ibv_send_wr *wr;
    struct ibv_sge *sge;
    struct ibv_wc *wc;
    int ip_csum; /* IBV_SEND_IP_CSUM is usable */
};

struct jbp_rdma_rxq {
    uint32_t size; /* WQEs in the ring, a power of two */
    uint32_t mask;
    uint32_t pi;   /* WQEs posted, free running; 16 bits reach the doorbell record */
    uint32_t ci;   /* WQEs completed, free running */
    uint32_t *bufs; /* the pool buffer posted in each slot */
    volatile uint64_t *st; /* this queue's words in the status block */
    int state;
    int hw_err;    /* an error completion put the WQ in ERR (not a fault only software saw): the reset names ERR as
                      its current state (IBV_WQ_ATTR_CURR_STATE, as mlx5e does), else RDY */

    /* DV */
    struct jbp_dv_cq cq;
    struct mlx5_wqe_data_seg *wqes; /* one data segment per WQE (stride 16, checked at setup) */
    volatile __be32 *dbrec;         /* [MLX5_RCV_DBR] */
    /* An open compressed-CQE session (mlx5 CQE compression, see jbp_rdma_dv.c). */
    uint32_t sess_ci;       /* CQ index of the title CQE */
    uint32_t sess_count;    /* packets in the session */
    uint32_t sess_next;     /* next packet of the session to deliver */
    uint8_t sess_hds_ip_ext;
    uint8_t sess_l4_l3;
    uint8_t sess_hash_type;
    struct { __be32 hash; __be32 byte_cnt; } mini[8]; /* copy of the current mini-CQE array */

    /* verbs */
    struct jbp_ibv_rxq ibv;
};

struct jbp_rdma_txq {
    uint32_t size;  /* SQ WQEBBs, a power of two */
    uint32_t mask;
    uint32_t limit; /* WQEs in flight at most (the configured tx-queue-size) */
    uint32_t pi;    /* WQEs posted, free running */
    uint32_t ci;    /* WQEs completed */
    uint32_t *bufs;
    volatile uint64_t *st;
    int state;
    int hw_err;     /* an error completion put the QP in ERR: the reset names ERR as its current state, else RTS */
    int inline_l4;  /* inline every header up to the end of L4, not only L2: for a vport in inline mode network or
                       transport, detected by the local QP operation errors it gives L2-only WQEs */
    int csum;       /* the adapter computes IPv4/TCP/UDP checksums on request */
    uint32_t max_frame;
    uint32_t max_tso; /* Direct Verbs LSO: the longest super-frame (headers included) one WQE carries; 0 none */
    uint32_t *xbufs;  /* JBP_TX_XBUFS_PER_BB per basic block: the chain buffers of the WQE that occupies it, after
                         its first (which bufs holds); JBP_NO_BUFFER where none. NULL in verbs mode. */

    /* DV */
    struct jbp_dv_cq cq;
    uint8_t *wqes;          /* size * 64 bytes */
    volatile __be32 *dbrec; /* [MLX5_SND_DBR] */
    uint8_t *bf_reg;        /* mlx5dv_qp.bf.reg: BlueFlame/doorbell register (UAR, write-combining) */
    uint32_t bf_size;       /* mlx5dv_qp.bf.size: 0 without BlueFlame */
    uint32_t bf_offset;     /* alternates between the two halves, as rdma-core's post_send_db does */
    uint32_t qpn;

    /* verbs */
    struct jbp_ibv_txq ibv;
};

struct jbp_rdma_port;

/*
 * One datapath: Direct Verbs (jbp_dv_datapath, jbp_rdma_dv.c) or plain verbs (jbp_ibv_datapath, jbp_rdma_verbs.c).
 * jbp_port_set_mode() selects it once, when the port is opened; jbp_rdma_port.c calls through it and never asks
 * which mode it is in. Every operation acts on queues the datapath's setup function prepared.
 */
struct jbp_rdma_datapath {
    const char *name;
    /* Posts n buffers (at most the ring's size) on an empty ring and rings the doorbell: the queue's initial
     * buffers, or those a queue created again inherits; 0 or -errno. */
    int (*rxq_fill)(struct jbp_rdma_port *p, uint32_t q, const uint32_t *buffers, uint32_t n);
    /* One burst each way: a count or -errno (see jbp_port_receive, jbp_port_transmit). */
    int (*rx_burst)(struct jbp_rdma_port *p, uint32_t q, struct jbp_desc *d, uint32_t cap);
    int (*tx_burst)(struct jbp_rdma_port *p, uint32_t q, const struct jbp_desc *d, uint32_t count);
    /* Takes send queue q's completions and reclaims their buffers; returns how many. */
    int (*tx_reap)(struct jbp_rdma_port *p, uint32_t q);
    /* After the queue was stopped (no more completions will come): drain its CQ and reset the ring indices. */
    void (*txq_reset)(struct jbp_rdma_port *p, uint32_t q);
    void (*rxq_reset)(struct jbp_rdma_port *p, uint32_t q);
    /* After the WQ is ready again: posts what rxq_reset kept; 0 or -errno. */
    int (*rxq_repost)(struct jbp_rdma_port *p, uint32_t q);
};

extern const struct jbp_rdma_datapath jbp_dv_datapath;
extern const struct jbp_rdma_datapath jbp_ibv_datapath;

/* What differs between an adapter and the model: resource lifetimes and queue state transitions. */
struct jbp_rdma_backend {
    const char *name;
    /* Moves send QP q to RESET (after which the hardware writes no more completions for it). */
    int (*txq_stop)(struct jbp_rdma_port *port, uint32_t q);
    /* Brings send QP q back to RTS after the rings were reset. */
    int (*txq_start)(struct jbp_rdma_port *port, uint32_t q);
    int (*rxq_stop)(struct jbp_rdma_port *port, uint32_t q);
    int (*rxq_start)(struct jbp_rdma_port *port, uint32_t q);
    /* Recreation (JBP_Q_RECREATE; NULL: the backend cannot, and the queue is reset instead): destroy the queue and
     * its CQ, after which nothing writes to their memory or the buffers they held; then create both again and set
     * up the datapath's rings on them (the receive side's steering included). 0 or -errno with p->error set. */
    int (*txq_destroy)(struct jbp_rdma_port *port, uint32_t q);
    int (*txq_create)(struct jbp_rdma_port *port, uint32_t q);
    int (*rxq_destroy)(struct jbp_rdma_port *port, uint32_t q);
    int (*rxq_create)(struct jbp_rdma_port *port, uint32_t q);
    /* Installs steering for a new MAC address (low 48 bits). */
    int (*set_mac)(struct jbp_rdma_port *port, uint64_t mac);
    /* Registers (join) or withdraws a multicast MAC with the adapter's embedded switch; NULL: nothing to do (the
     * steering's copy rule carries every multicast frame the port receives). 0 or -errno, never fatal. */
    int (*multicast)(struct jbp_rdma_port *port, uint64_t mac, int join);
    /* Reads pending async events without blocking; returns the number handled. */
    int (*poll_events)(struct jbp_rdma_port *port);
    /* Blocks until a completion may be pending on a receive queue, a wakeup or the timeout. */
    int (*await)(struct jbp_rdma_port *port, int64_t timeout_ns);
    int (*wakeup)(struct jbp_rdma_port *port);
    /* Stops all DMA into the pool: flows, QPs and WQs destroyed or reset. Called before buffers are reclaimed. */
    void (*quiesce)(struct jbp_rdma_port *port);
    /* Releases what quiesce left and the port itself. */
    void (*destroy)(struct jbp_rdma_port *port);
};

struct jbp_rdma_port {
    uint32_t magic;
    uint32_t abi;
    uint32_t size; /* sizeof(struct jbp_rdma_port) */
    int mode;      /* JBP_RDMA_MODE_DV or JBP_RDMA_MODE_IBV */
    const struct jbp_rdma_datapath *datapath; /* the mode's: set with it by jbp_port_set_mode() */
    const struct jbp_rdma_backend *backend;
    void *backend_data;

    struct jbp_rdma_pool pool;
    uint64_t mac;
    uint32_t mtu;
    uint32_t n_rxq;
    uint32_t n_txq; /* = n_rxq: send queue q belongs to the poller of receive queue q, so that no two threads
                       share a send ring's producer index (as VPP rdma's per-thread txq, DPDK mlx5's txq per lcore) */
    uint32_t rx_calls; /* receive calls, to poll async events now and then */
    int events_pending; /* set (atomically) by a waiter that saw the async event fd readable */

    volatile uint64_t *status; /* JBP_ST_WORDS(n_rxq) words */
    uint32_t *reclaim;         /* buffers handed back to Java by the last call */
    uint32_t reclaim_cap;
    uint32_t reclaim_n;

    char error[JBP_RDMA_ERR_LEN]; /* the last error, for the Java exception or log */

    struct jbp_rdma_txq txq[JBP_RDMA_MAX_RXQ];
    struct jbp_rdma_rxq rxq[JBP_RDMA_MAX_RXQ];
};

/*
 * Barriers, after rdma-core util/udma_barrier.h (the definitions the mlx5 provider itself uses):
 * - jbp_dma_wmb: host memory writes (WQEs) are visible to the device before a later write (doorbell record);
 *   udma_to_device_barrier.
 * - jbp_dma_rmb: a CQE's contents are read only after its ownership byte (udma_from_device_barrier).
 * - jbp_mmio_flush: write-combining stores to the UAR leave the CPU now and in order (mmio_flush_writes); also
 *   used before the UAR write so the doorbell record is visible first (mmio_wc_start is the same on x86-64).
 * - jbp_dma_mb: orders the CQE reads of a poll before the consumer-index write that lets the device reuse them.
 */
#if defined(__x86_64__)
#define jbp_dma_wmb() __asm__ volatile("" ::: "memory")
#define jbp_dma_rmb() __asm__ volatile("lfence" ::: "memory")
#define jbp_mmio_flush() __asm__ volatile("sfence" ::: "memory")
#define jbp_dma_mb() __asm__ volatile("" ::: "memory")
#elif defined(__aarch64__)
#define jbp_dma_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#define jbp_dma_rmb() __asm__ volatile("dmb oshld" ::: "memory")
#define jbp_mmio_flush() __asm__ volatile("dsb st" ::: "memory")
#define jbp_dma_mb() __asm__ volatile("dmb osh" ::: "memory")
#else
#error "jbypass rdma: no DMA barrier definitions for this architecture (see rdma-core util/udma_barrier.h)"
#endif

/* 64-bit MMIO store of a value already in device (big-endian) byte order: one store instruction, never torn
 * (rdma-core util/mmio.h mmio_write64_be). */
static inline void jbp_mmio_write64(void *addr, uint64_t be_value)
{
    *(volatile uint64_t *)addr = be_value;
}

static inline volatile uint64_t *jbp_port_txq_status(struct jbp_rdma_port *p, uint32_t q)
{
    return p->status + JBP_ST_TXQ_BASE(q);
}

static inline volatile uint64_t *jbp_port_rxq_status(struct jbp_rdma_port *p, uint32_t q)
{
    return p->status + JBP_ST_RXQ_BASE(q);
}

/* Hands a buffer back to Java (it frees what the reclaim array holds after each call). */
static inline void jbp_port_reclaim(struct jbp_rdma_port *p, uint32_t buffer)
{
    /* Ring slots without a buffer (the extra basic blocks of a multi-block send WQE) hold JBP_NO_BUFFER. */
    if (buffer != JBP_NO_BUFFER && p->reclaim_n < p->reclaim_cap)
        p->reclaim[p->reclaim_n++] = buffer;
}

/* The send queue is done with n descriptors it accepted (JBP_TXQ_DONE). */
static inline void jbp_txq_done(struct jbp_rdma_txq *t, uint64_t n)
{
    t->st[JBP_TXQ_DONE] += n;
}

/*
 * Everything send ring entry i holds goes back to the pool (after its completion, or once the queue is stopped),
 * and counts as done: one descriptor per buffer, since a posted WQE keeps every buffer of its frame (its first
 * in bufs, a chain's others in xbufs) and a descriptor without a valid buffer is never posted.
 */
static inline void jbp_txq_release(struct jbp_rdma_port *p, struct jbp_rdma_txq *t, uint32_t i)
{
    uint32_t slot = i & t->mask;
    uint32_t n = t->bufs[slot] != JBP_NO_BUFFER;
    jbp_port_reclaim(p, t->bufs[slot]);
    t->bufs[slot] = JBP_NO_BUFFER;
    if (t->xbufs != NULL)
        for (uint32_t k = 0; k < JBP_TX_XBUFS_PER_BB; k++) {
            n += t->xbufs[slot * JBP_TX_XBUFS_PER_BB + k] != JBP_NO_BUFFER;
            jbp_port_reclaim(p, t->xbufs[slot * JBP_TX_XBUFS_PER_BB + k]);
            t->xbufs[slot * JBP_TX_XBUFS_PER_BB + k] = JBP_NO_BUFFER;
        }
    jbp_txq_done(t, n);
}

/* The largest frame sent: the MTU plus an Ethernet header and one VLAN tag, within a pool buffer. */
static inline uint32_t jbp_port_max_frame(const struct jbp_rdma_port *p)
{
    uint32_t f = p->mtu + 18;
    return p->mtu == 0 || f > p->pool.buf_size ? p->pool.buf_size : f;
}

/* Rotates a[0..n) left by k in place (a[k] becomes a[0]): puts a ring's buffers back at slots 0.. after a reset. */
static inline void jbp_rotate_left(uint32_t *a, uint32_t n, uint32_t k)
{
    uint32_t ranges[3][2] = { { 0, k }, { k, n }, { 0, n } };
    for (int r = 0; r < 3; r++) {
        uint32_t from = ranges[r][0], to = ranges[r][1];
        while (from + 1 < to) {
            uint32_t x = a[from];
            a[from++] = a[--to];
            a[to] = x;
        }
    }
}

/* jbp_rdma_port.c: allocation of the port and its shared memory, the reclaim protocol, error text. */
struct jbp_rdma_port *jbp_port_alloc(uint32_t n_rxq, uint32_t rx_size, uint32_t tx_size);
void jbp_port_free(struct jbp_rdma_port *p);
int jbp_port_check(const struct jbp_rdma_port *p);
void jbp_port_seterr(struct jbp_rdma_port *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the mode (JBP_RDMA_MODE_DV or JBP_RDMA_MODE_IBV) and with it the datapath, before the queues are set up. */
void jbp_port_set_mode(struct jbp_rdma_port *p, int mode);
/* Posts the initial RX buffers of every queue (buffers[q * rx_size + i]). */
int jbp_port_fill_rx(struct jbp_rdma_port *p, const uint32_t *buffers, uint32_t count);
/*
 * One burst each way; return a count or -errno. The reclaim array is rewritten by every call. Transmit returns
 * how many frames, from slot 0, the port accepted (sent, or dropped and reclaimed) and leaves the burst as it
 * was: the buffers of accepted frames belong to the port until it reclaims them, the others stay the caller's
 * (RdmaLink moves them to the front of the burst, as the Link contract says).
 */
int jbp_port_receive(struct jbp_rdma_port *p, uint32_t q, struct jbp_desc *d, uint32_t cap);
int jbp_port_transmit(struct jbp_rdma_port *p, uint32_t q, const struct jbp_desc *d, uint32_t count);
/* Stops DMA and hands every buffer the port holds to the reclaim array. */
int jbp_port_quiesce(struct jbp_rdma_port *p);
/* Steers frames to a new MAC address (low 48 bits): the flow rules are rebuilt. 0 or -errno with p->error set. */
int jbp_port_set_mac(struct jbp_rdma_port *p, uint64_t mac);
/* The stack joined (join != 0) or left the last group of a multicast MAC: registered with the embedded switch
 * where the backend does that (jbp_rdma_admit.h, "Multicast MACs"). A registration the kernel refuses is counted
 * (JBP_ST_FDB_FAILURES) and described in p->error, and the join still succeeds: returns 0, 1 when the
 * registration was refused (a warning in p->error), or -EINVAL for a MAC without the group bit. */
int jbp_port_multicast(struct jbp_rdma_port *p, uint64_t mac, int join);
/* Blocks until a receive queue may have a completion, a wakeup, or the timeout; wakes such a wait. */
int jbp_port_await(struct jbp_rdma_port *p, int64_t timeout_ns);
int jbp_port_wakeup(struct jbp_rdma_port *p);
/* Tries to bring queues in JBP_Q_ERROR (a reset) or JBP_Q_RECREATE (a new CQ and queue) back; called by
 * receive/transmit. */
int jbp_port_recover_txq(struct jbp_rdma_port *p, uint32_t q);
int jbp_port_recover_rxq(struct jbp_rdma_port *p, uint32_t q);

/* jbp_rdma_dv.c: the Direct Verbs datapath (jbp_dv_datapath), pure ring logic; the setup of its queues. */
struct jbp_dv_txq_rings {
    void *sq_buf;
    uint32_t sq_wqe_cnt;
    uint32_t sq_stride;
    volatile __be32 *qp_dbrec;
    void *bf_reg;
    uint32_t bf_size;
    uint32_t qpn;
    void *cq_buf;
    volatile __be32 *cq_dbrec;
    uint32_t cqe_cnt;
    uint32_t cqe_size;
    void *cq_uar;
    uint32_t cqn;
};

struct jbp_dv_rxq_rings {
    void *wq_buf;
    uint32_t wqe_cnt;
    uint32_t stride;
    volatile __be32 *wq_dbrec;
    void *cq_buf;
    volatile __be32 *cq_dbrec;
    uint32_t cqe_cnt;
    uint32_t cqe_size;
    void *cq_uar;
    uint32_t cqn;
};

int jbp_dv_txq_setup(struct jbp_rdma_port *p, uint32_t q, const struct jbp_dv_txq_rings *r, uint32_t limit);
/* Lets send queue q segment TCP/IPv4 super-frames of up to max_tso bytes (LSO: MLX5_OPCODE_TSO WQEs), when the
 * adapter offers it on raw-packet QPs and computes checksums (LSO needs both); 0 turns it off. */
void jbp_dv_txq_set_tso(struct jbp_rdma_port *p, uint32_t q, uint32_t max_tso);
int jbp_dv_rxq_setup(struct jbp_rdma_port *p, uint32_t q, const struct jbp_dv_rxq_rings *r, uint32_t size);
/* Whether a completion is waiting on the queue's CQ. */
int jbp_dv_cq_ready(const struct jbp_dv_cq *cq);
/* Requests an event for the next completion (rdma-core providers/mlx5/cq.c mlx5_arm_cq). */
void jbp_dv_cq_arm(struct jbp_dv_cq *cq);

/* jbp_rdma_verbs.c: the plain verbs datapath (jbp_ibv_datapath); the setup and release of its queues. */
int jbp_ibv_rxq_setup(struct jbp_rdma_port *p, uint32_t q, struct ibv_wq *wq, struct ibv_cq *cq, uint32_t size);
int jbp_ibv_txq_setup(struct jbp_rdma_port *p, uint32_t q, struct ibv_qp *qp, struct ibv_cq *cq, uint32_t size,
                      int ip_csum);
void jbp_ibv_rxq_free(struct jbp_rdma_rxq *q);
void jbp_ibv_txq_free(struct jbp_rdma_txq *q);

/* CQE error syndromes in words (mlx5dv.h MLX5_CQE_SYNDROME_*, the PRM's completion errors), for logs; the same
 * words for the verbs statuses rdma-core makes of them (enum ibv_wc_status); and for a queue's last_syndrome
 * word's low byte in a port's mode (JBP_RDMA_MODE_DV: a syndrome; JBP_RDMA_MODE_IBV: an ibv_wc_status). */
const char *jbp_mlx5_syndrome_str(uint8_t syndrome);
const char *jbp_ibv_status_str(int status);
const char *jbp_rdma_syndrome_str(int mode, uint8_t code);
/* The async events that make a queue JBP_Q_RECREATE, in words for the log. */
const char *jbp_rdma_event_str(int event);

#endif
