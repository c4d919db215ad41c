/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rtnetlink messages the rdma driver sends about a netdev's forwarding database (FDB), and a transport to the
 * kernel that tests replace with a fake.
 *
 * Why: on an SR-IOV VF, on a PF with SR-IOV enabled, and on PFs behind the multi-PF switch (MPFS), a ConnectX's
 * embedded switch forwards a unicast frame to a function only if a driver registered its destination MAC for that
 * function; a verbs flow rule only steers what already reached the function. The netdev's FDB with NTF_SELF is
 * its own unicast address list (Linux net/core/rtnetlink.c ndo_dflt_fdb_add -> dev_uc_add_excl), which mlx5_core
 * programs into the vport context and the eswitch (drivers/net/ethernet/mellanox/mlx5/core en_fs.c, eswitch.c).
 * DPDK's mlx5 driver registers its MACs the same way (drivers/net/mlx5/linux/mlx5_nl.c, mlx5_nl_mac_addr_modify).
 *
 * Messages (rtnetlink(7), include/uapi/linux/neighbour.h):
 *   add/remove: RTM_NEWNEIGH / RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK (| NLM_F_CREATE | NLM_F_EXCL to add),
 *               struct ndmsg { family AF_BRIDGE, ifindex, state NUD_PERMANENT (the default handler refuses any
 *               other: "FDB only supports static addresses"), flags NTF_SELF }, attribute NDA_LLADDR (6 bytes).
 *   dump:       RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, a bare struct ndmsg { family AF_BRIDGE } (the strict and
 *               the legacy dump parsers both accept it, for every netdev); the answer is RTM_NEWNEIGH entries as
 *               above, one per address of each netdev's unicast and multicast lists, then NLMSG_DONE.
 *   VF MACs:    RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, struct ifinfomsg { AF_UNSPEC, the PF's ifindex }, attribute
 *               IFLA_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS; the answer is one RTM_NEWLINK whose
 *               IFLA_VFINFO_LIST holds an IFLA_VF_INFO per VF with IFLA_VF_MAC (struct ifla_vf_mac), what
 *               `ip link show PF` prints as "vf N link/ether ...": a VF's MAC even when its netdev is in another
 *               network namespace (or bound to vfio), where sysfs shows no netdev.
 *   answers:    NLMSG_ERROR with error 0 is the acknowledgement; a negative error is -errno.
 *
 * The parser trusts nothing: every length is checked against the buffer, a malformed message makes the whole
 * answer -EBADMSG, and answers to other sequence numbers (a late reply to an earlier request) are skipped.
 */
#ifndef JBP_RDMA_NETLINK_H
#define JBP_RDMA_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* Room for one request (header, ndmsg, one attribute); answers are read into JBP_NL_BUF bytes at a time. */
#define JBP_NL_REQ_MAX 64
#define JBP_NL_BUF 32768
/* An FDB dump stops after this many messages: a bound, not an expectation (hosts have dozens). */
#define JBP_NL_MAX_DUMP_MSGS 65536

/* A connection to the kernel's rtnetlink, or a test's fake of one. Each returns 0 / a byte count, or -errno. */
struct jbp_nl {
    int (*send)(struct jbp_nl *nl, const void *buf, size_t len);
    int (*recv)(struct jbp_nl *nl, void *buf, size_t cap);
    void (*close)(struct jbp_nl *nl);
    void *ctx;
    int fd;
    uint32_t seq;
};

/* One FDB entry of a dump. */
struct jbp_fdb_entry {
    int ifindex;
    uint64_t mac;  /* low 48 bits */
    uint8_t flags; /* NTF_* */
    uint16_t state; /* NUD_* */
};

/* Opens NETLINK_ROUTE with a receive timeout, so that a kernel that never answers cannot hang an open. */
int jbp_nl_open(struct jbp_nl *nl);
void jbp_nl_close(struct jbp_nl *nl);

/* Request builders: write one message into buf (at least JBP_NL_REQ_MAX bytes); return its length. */
size_t jbp_nl_build_fdb(uint8_t *buf, int add, uint32_t seq, int ifindex, uint64_t mac);
size_t jbp_nl_build_fdb_dump(uint8_t *buf, uint32_t seq);

/*
 * Parses what the kernel answered to request `seq`: calls fn for every AF_BRIDGE RTM_NEWNEIGH entry with a
 * 6-byte NDA_LLADDR (others are skipped). Returns 1 when the answer is complete (NLMSG_DONE, or an
 * acknowledgement), 0 when more is to come, -errno from an NLMSG_ERROR, or -EBADMSG for a malformed buffer.
 */
typedef void (*jbp_fdb_fn)(void *ctx, const struct jbp_fdb_entry *e);
int jbp_nl_parse(const uint8_t *buf, size_t len, uint32_t seq, jbp_fdb_fn fn, void *ctx);

/* One VF of a PF, as the PF's RTM_NEWLINK lists it. */
struct jbp_vf_mac {
    int vf;        /* its index on the PF */
    uint64_t mac;  /* low 48 bits; 0 when none was set */
};
typedef void (*jbp_vf_fn)(void *ctx, const struct jbp_vf_mac *v);

size_t jbp_nl_build_vf_query(uint8_t *buf, uint32_t seq, int ifindex);
/* As jbp_nl_parse, for the answer to a VF query: fn for every IFLA_VF_MAC of the RTM_NEWLINK. */
int jbp_nl_parse_vfs(const uint8_t *buf, size_t len, uint32_t seq, jbp_vf_fn fn, void *ctx);
/* The MACs of the VFs of the PF with ifindex pf_ifindex, into fn: 0 or -errno. */
int jbp_nl_vf_macs(struct jbp_nl *nl, int pf_ifindex, jbp_vf_fn fn, void *ctx);

/* Adds (NLM_F_EXCL: -EEXIST when the netdev has it already) or removes an address of a netdev's own FDB. */
int jbp_nl_fdb_modify(struct jbp_nl *nl, int add, int ifindex, uint64_t mac);
/* Dumps the FDB entries of every netdev of this network namespace into fn. */
int jbp_nl_fdb_dump(struct jbp_nl *nl, jbp_fdb_fn fn, void *ctx);

#endif
