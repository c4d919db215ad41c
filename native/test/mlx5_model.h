/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A software model of an mlx5 (ConnectX-4/5) Ethernet port, for tests: it owns in-memory CQ, RQ and SQ rings and
 * doorbell records in the formats of rdma-core's mlx5dv.h, plays the adapter's part on them, and opens the
 * driver's port handle on that memory. The driver's Direct Verbs datapath (native/src/jbp_rdma_dv.c) runs on it
 * unchanged: the only difference from hardware is where the ring memory comes from.
 *
 * What the model does, as the adapter would (NVIDIA PRM; rdma-core providers/mlx5; Linux mlx5e):
 * - transmit: reads the send doorbell record, parses each WQE (ctrl, Ethernet segment with inline headers, data
 *   segments, wrapping round the SQ), checks opcode, WQE index, QP number, lkey and address against the memory
 *   region, computes IPv4/TCP/UDP checksums when the WQE asks, and writes a CQE when the WQE asks for one;
 *   checks that the BlueFlame register holds the doorbell of the last WQE posted;
 * - receive: steers a frame by destination MAC (own unicast, multicast and broadcast), picks a queue with a real
 *   Toeplitz hash over an indirection table, scatters into the next posted RQ WQE, verifies checksums for the
 *   CQE's L3/L4 OK bits, and writes CQEs (compressed sessions when enabled, with holes left as the hardware
 *   leaves them) with the ownership bit of the lap, body first and op_own last;
 * - counts what the adapter counts (out-of-buffer drops, frames not steered) and injects errors;
 * - refuses queue state changes as the adapter does: a reset must name the queue's actual current state (RTS or
 *   RDY, or ERR after an error completion: the driver's hw_err), and only a queue in RESET may be started;
 * - raises completion events for armed CQs, and can run as a hardware thread (mlx5_model_hw_start);
 * - enforces a vport inline mode (L2, IP, L4) on send WQEs, and steers by the flow rules the driver installed when
 *   the fake rdma-core (fake_verbs.c) recorded them.
 */
#ifndef JBP_MLX5_MODEL_H
#define JBP_MLX5_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "jbp_rdma.h"

#define MLX5_MODEL_MAX_FRAME 9216
/* The most one send WQE gathers: an LSO super-frame (the largest IPv4 datagram with its Ethernet header). */
#define MLX5_MODEL_MAX_GATHER (JBP_MAX_FRAME + 256)
#define MLX5_MODEL_LKEY 0x5a17u
#define MLX5_MODEL_QPN 0x1c3u
#define MLX5_MODEL_BF_SIZE 256u
#define MLX5_MODEL_INLINE_L2 0
#define MLX5_MODEL_INLINE_IP 1
#define MLX5_MODEL_INLINE_L4 2

struct mlx5_model_cfg {
    uint32_t n_rxq;        /* 1..JBP_RDMA_MAX_RXQ */
    uint32_t rx_size;      /* RQ WQEs per queue */
    uint32_t tx_size;      /* SQ WQEBBs */
    uint32_t mtu;          /* the port MTU: larger frames are dropped on receive and fail on transmit */
    uint64_t mac;          /* the MAC the driver's steering rules name, low 48 bits */
    int compression;       /* write compressed CQE sessions on receive */
    uint32_t max_session;  /* packets per compressed session at most (2..64 typical) */
    int csum;              /* checksum offload on transmit */
    int poison_holes;      /* fill what the hardware leaves undefined with bytes that look valid to a careless
                              driver (compressed holes, unused mini-CQEs) */
    int inline_mode;       /* the vport's minimum WQE inline mode: MLX5_MODEL_INLINE_L2 (the default), _IP or _L4;
                              a send WQE inlining less fails with a local QP operation error */
    uint32_t max_tso;      /* LSO (MLX5_OPCODE_TSO WQEs): the longest super-frame, headers included; 0: LSO WQEs
                              fail with a local QP operation error, as on an adapter without it */
};

/*
 * A flow rule as the driver installed it (recorded by the fake verbs provider from ibv_create_flow and the QP it
 * names): the model steers by these when any is installed, as the adapter's flow table would, instead of by
 * cfg.mac. A frame goes to the trapping rule of lowest priority value that matches (ibv_create_flow(3)); rules
 * with IBV_FLOW_ATTR_FLAGS_DONT_TRAP copy it and let it go on to the kernel.
 */
#define MLX5_MODEL_MAX_FLOWS 32
struct mlx5_model_flow {
    int active;
    uint64_t mac, mask;     /* destination MAC value and mask, low 48 bits */
    int l3;                 /* 0 any, 4 IPv4, 6 IPv6 (an IPv4/IPv6 spec) */
    int l4;                 /* 0 any, 6 TCP, 17 UDP (a TCP/UDP spec) */
    uint16_t priority;
    int dont_trap;
    uint64_t hash_fields;   /* the QP's IBV_RX_HASH_* fields; 0 hashes nothing (table entry 0) */
    int queue0;             /* the QP's indirection table holds only queue 0 */
};

struct mlx5_model_cq {
    uint8_t *buf;
    __be32 *dbrec;      /* 2 words */
    uint8_t *uar;       /* CQ doorbell page (arming writes land at +0x20) */
    uint32_t cqe_cnt;
    uint32_t log_cnt;
    uint32_t pi;        /* entries written, free running */
    uint64_t overruns;  /* entries that did not fit: a driver bug on a real adapter */
    /* Arming (rdma-core mlx5_arm_cq): the last arm doorbell seen in the UAR, whether it is pending, and for which
     * consumer index; one completion event per arm, raised once an entry lies past that index. */
    uint64_t last_arm;
    int armed;
    uint32_t arm_ci;
    uint64_t events;
    uint64_t arm_mismatch; /* the UAR write and doorbell record word 1 disagreed */
    /* The CQ is in error (an overrun, or one injected with the async event IBV_EVENT_CQ_ERR): the adapter writes
     * no completion to it again; only destroying it and creating another helps (PRM, "Completion Queue Error"). */
    int error;
    uint64_t lost;       /* completions not written because the CQ was in error */
    uint64_t generation; /* times the CQ was destroyed and created again */
};

struct mlx5_model_pending {
    uint32_t len;
    uint32_t hash;
    uint16_t wqe_counter;
    uint8_t hash_type;
    uint8_t hds_ip_ext;
    uint8_t l4l3;
};

struct mlx5_model_rq {
    struct mlx5_wqe_data_seg *wqes;
    uint32_t wqe_cnt;
    __be32 *dbrec;
    uint32_t ci;        /* WQEs consumed, free running */
    int ready;
    int error;          /* a fatal completion error: frames are dropped until the WQ is reset */
    struct mlx5_model_cq cq;
    struct mlx5_model_pending *pending; /* completions not yet written (compression gathers a session) */
    uint32_t n_pending;
};

struct mlx5_model_sq {
    uint8_t *wqes;
    uint32_t wqe_cnt;
    __be32 *dbrec;
    uint8_t *bf;        /* 2 x MLX5_MODEL_BF_SIZE */
    uint32_t ci;        /* WQEBBs consumed */
    int ready;
    int error;
    struct mlx5_model_cq cq;
    uint32_t qpn;       /* MLX5_MODEL_QPN + the queue's index: WQEs and CQEs of this SQ carry it */
    uint64_t frames;    /* frames sent from this SQ */
    uint8_t *snap;      /* threaded mode: the WQEs as they were when the doorbell record moved */
    uint32_t snap_pi;
};

struct mlx5_model_stats {
    uint64_t tx_frames;
    uint64_t tx_bytes;
    uint64_t tx_cqes;
    uint64_t tx_errors;
    uint64_t tx_csum_offloads;
    uint64_t tx_inline_short;   /* send WQEs refused for inlining less than the vport's inline mode requires */
    uint64_t doorbell_mismatch; /* the BlueFlame register did not hold the last WQE's doorbell */
    uint64_t rx_frames;
    uint64_t rx_bytes;
    uint64_t rx_out_of_buffer;  /* the hardware counter of frames dropped for want of a posted WQE */
    uint64_t rx_not_steered;
    uint64_t rx_copied;         /* frames copied by DONT_TRAP rules (they went on to the kernel too) */
    uint64_t rx_oversize;
    uint64_t rx_sessions;       /* compressed sessions written */
    uint64_t rx_sessions_wrapped; /* sessions that straddled the end of the CQ */
    uint64_t rx_errors;
    uint64_t cq_events;         /* completion events raised (completion channel) */
    uint64_t bad_transitions;   /* queue state changes the adapter refuses (wrong current state, not from RESET) */
    uint64_t tx_wqe_rewritten;  /* send WQEs that changed between their doorbell and their execution */
    uint64_t tx_tso_wqes;       /* LSO WQEs executed */
    uint64_t tx_tso_segments;   /* the frames they were cut into */
    uint64_t tx_gather_segs;    /* WQEs that gathered more than one data segment */
    uint64_t rx_wqe_rewritten;  /* receive WQEs that changed between their doorbell and their use */
};

typedef void (*mlx5_model_frame_fn)(void *ctx, const uint8_t *frame, uint32_t len);

struct mlx5_model {
    struct mlx5_model_cfg cfg;
    uint8_t *mr_base;
    uint64_t mr_len;
    uint32_t lkey;
    struct mlx5_model_sq sq[JBP_RDMA_MAX_RXQ]; /* one send QP per receive queue (cfg.n_rxq of them) */
    struct mlx5_model_rq rq[JBP_RDMA_MAX_RXQ];
    struct mlx5_model_flow flows[MLX5_MODEL_MAX_FLOWS];
    int n_flows;                /* installed (active) rules; 0: steer by cfg.mac as the driver's rules would */
    uint32_t ind_table[128];
    uint32_t ind_size;
    struct mlx5_model_stats stats;
    /* error injection: 0 = off, else the syndrome of the next error CQE */
    uint8_t inject_tx_syndrome;
    uint32_t inject_tx_cqe_qpn; /* the QPN the next send completion names (then cleared; 0: its own) */
    uint8_t inject_rx_syndrome;
    uint16_t inject_rx_wqe_skew; /* added to the wqe_counter of the next receive completion (then cleared) */
    uint32_t rng;
    /* Threaded mode (mlx5_model_hw_start): the backend's commands take this lock, as firmware commands are
     * serialised against the adapter's work; WQEs are read from copies taken when their doorbell record moved. */
    pthread_mutex_t *lock;
    int threaded;
    int event_fd;               /* the completion channel: readable when an armed receive CQ raised an event */
    uint64_t seen_events[JBP_RDMA_MAX_RXQ]; /* per receive CQ, events the port's await has taken */
    uint32_t tx_budget;         /* WQEs executed per SQ and mlx5_model_tx call at most (0: all posted) */
    uint32_t tx_rr;             /* the SQ mlx5_model_tx starts with, rotating */
    int32_t tx_sq;              /* threaded mode: the one SQ the next mlx5_model_tx executes (-1: all in turn) */
    struct mlx5_wqe_data_seg *rq_snap[JBP_RDMA_MAX_RXQ];
    uint32_t rq_snap_pi[JBP_RDMA_MAX_RXQ];
    struct jbp_rdma_port *port;
    uint8_t frame[MLX5_MODEL_MAX_GATHER];
    uint8_t segment[MLX5_MODEL_MAX_FRAME]; /* one segment of an LSO super-frame */
};

struct mlx5_model *mlx5_model_create(const struct mlx5_model_cfg *cfg);
void mlx5_model_destroy(struct mlx5_model *m);

/* Opens the driver's port on the model's rings over a pool of `count` buffers of `buf_size` bytes at `base`
 * (which the model treats as its one memory region). The RX rings are empty until jbp_port_fill_rx. */
struct jbp_rdma_port *mlx5_model_open_port(struct mlx5_model *m, uint8_t *base, uint32_t buf_size, uint32_t count);

/* A CQ destroyed and created again (the fake rdma-core's ibv_destroy_cq, then mlx5dv_create_cq for the same
 * queue): new memory for its entries, doorbell record and UAR page (the old is freed, as the kernel frees it),
 * every entry invalid, nothing armed, no error. 0 or -ENOMEM. */
int mlx5_model_cq_recreate(struct mlx5_model_cq *cq);

/* Executes the WQEs posted since the last call; each frame goes to fn. Returns the number of frames. */
int mlx5_model_tx(struct mlx5_model *m, mlx5_model_frame_fn fn, void *ctx);
/* Receives one frame from the wire. Returns the queue it went to, or -ENOENT (not steered), -ENOBUFS (no WQE
 * posted), -EMSGSIZE (above the port MTU), -EIO (the queue is in error). CQEs may wait for mlx5_model_rx_flush. */
int mlx5_model_rx(struct mlx5_model *m, const uint8_t *frame, uint32_t len);
/* Writes every pending receive completion (compressed sessions close here). */
void mlx5_model_rx_flush(struct mlx5_model *m);
/* Moves frames both ways between two models, as a cable would; returns the frames moved. */
int mlx5_model_wire(struct mlx5_model *a, struct mlx5_model *b);

/*
 * The adversarial adapter: a thread that plays the hardware of two models joined by a cable, concurrently with
 * the driver's threads. Each step, under the models' lock, it executes a random number of posted send WQEs of
 * one side (delivering the frames to the other), or writes the pending receive completions of one side; between
 * steps it waits a random while. Randomness comes from `seed`; the interleaving with the driver's thread is up
 * to the scheduler, which is the point: barrier and ordering mistakes show up as corrupt frames, lost buffers or
 * rewritten WQEs (stats.tx_wqe_rewritten, rx_wqe_rewritten), over many seeds under load.
 */
struct mlx5_model_hw;
/* The hardware thread's way of reading WQEs, without the thread: WQEs are copied when the model sees their
 * doorbell record move and executed from the copies, and a WQE that changed in between is counted
 * (stats.tx_wqe_rewritten, rx_wqe_rewritten). The test steps the model itself (tx_budget bounds a step). 0 or
 * -ENOMEM. */
int mlx5_model_snapshot_mode(struct mlx5_model *m);
struct mlx5_model_hw *mlx5_model_hw_start(struct mlx5_model *a, struct mlx5_model *b, uint32_t seed,
                                          uint32_t max_spin);
/* Stops the thread after it executed every posted WQE and wrote every completion; returns its step count. */
uint64_t mlx5_model_hw_stop(struct mlx5_model_hw *hw);

/* The Toeplitz hash of the Microsoft RSS specification, as the adapter computes it. */
uint32_t mlx5_model_toeplitz(const uint8_t *key, uint32_t key_len, const uint8_t *in, uint32_t len);

#endif
