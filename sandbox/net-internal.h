/* SPDX-License-Identifier: MIT */
/*
 * Shared by the network module's own files (net.c, net-nl.c, net-nft.c):
 * a small netlink message builder, the request/acknowledge exchange, and
 * the nftables ruleset of one run. Nothing here is used outside sandbox/net*.
 *
 * The builder writes into a buffer the caller owns and never allocates, so
 * the same code serves the supervisor (nftables batches) and the sandbox's
 * init (rtnetlink requests after a raw clone3, where malloc is off limits).
 */
#ifndef HUTCH_NET_INTERNAL_H
#define HUTCH_NET_INTERNAL_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hutch.h"
#include "net.h"

/* ---- message builder (net-nl.c) ---- */

struct nlb {
	char *buf;
	size_t cap;
	size_t len;
	size_t msg;     /* offset of the message being built */
	uint32_t seq;   /* sequence number of the last message started */
	bool overflow;  /* something did not fit: the buffer must not be sent */
};

void nlb_init(struct nlb *b, void *buf, size_t cap, uint32_t first_seq);
/* Start a message: header, then `hdrlen` bytes of family header. The
 * message's sequence number is b->seq after the call. */
void nlb_msg(struct nlb *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen);
void nlb_msg_end(struct nlb *b);
void nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len);
void nlb_put_u8(struct nlb *b, uint16_t type, uint8_t v);
void nlb_put_u32(struct nlb *b, uint16_t type, uint32_t v);   /* host order */
void nlb_put_be32(struct nlb *b, uint16_t type, uint32_t v);  /* converted to network order */
void nlb_put_str(struct nlb *b, uint16_t type, const char *s); /* with its NUL */
/* Nested attribute: returns the offset to pass to nlb_nest_end. */
size_t nlb_nest(struct nlb *b, uint16_t type);
void nlb_nest_end(struct nlb *b, size_t off);

/* Open a netlink socket of `protocol` (O_CLOEXEC) with extended and capped
 * acknowledgements. Returns the fd or -errno. */
int nlk_open(int protocol);

/* Send the built buffer and collect one answer per message that asked for
 * an acknowledgement (NLM_F_ACK), in seq range [first_seq, b->seq]. The
 * kernel answers within sendmsg() for rtnetlink and nfnetlink, so all the
 * answers are queued when it returns and are read without blocking.
 * Returns 0 when every message succeeded, else the first error as -errno,
 * with the failing sequence number in *ret_seq (when not NULL) and the
 * kernel's extended-ack text, if any, in ext (size ext_len; may be NULL). */
int nlk_talk(int fd, const struct nlb *b, uint32_t first_seq, uint32_t *ret_seq, char *ext,
	     size_t ext_len);

/* ---- nftables (net-nft.c), supervisor side ---- */

/* Everything the ruleset of one run needs, in typed form. */
struct nft_run_rules {
	char table[32];       /* "hutch_<slot>" */
	char ifname[16];      /* host side of the veth */
	char comment[96];     /* shown by `nft list ruleset` */
	struct in_addr sandbox; /* network byte order */
	struct in_addr gateway;
	struct in_addr pool;  /* hutch's whole pool: other sandboxes live there */
	uint8_t pool_prefix;
	const struct hutch_net_options *opt;
	struct in_addr dns_dnat;    /* loopback resolver reached at gateway:53 */
	bool has_dns_dnat;
	struct in_addr dns_fwd[HUTCH_NET_MAX_DNS]; /* resolvers reached directly */
	size_t n_dns_fwd;
};

/* Create the run's table with its chains and rules, in one transaction,
 * owned by the netlink socket fd: the kernel deletes it when fd is closed,
 * so a supervisor killed by SIGKILL leaves nothing behind. -EEXIST when the
 * table exists (its slot is taken by a live run). */
int nft_create_run_table(int fd, const struct nft_run_rules *r, struct hutch_error *err);

/* Create an empty owned table `name`: takes a slot without a ruleset
 * (to remove a dead run's leftovers). -EEXIST when taken. */
int nft_create_lock_table(int fd, const char *name, struct hutch_error *err);

/* Delete table `name` of family inet through fd (its owner). */
int nft_delete_table(int fd, const char *name, struct hutch_error *err);

/* Make sure hutch's guard table exists (see docs/network.md, "Forwarding"):
 * while net.ipv4.ip_forward is 1 only because of hutch, the host forwards
 * nothing that does not come from or go to a hutch interface. Idempotent;
 * safe against concurrent callers. */
int nft_ensure_guard(int fd, struct hutch_error *err);

/* Call fn(name, arg) for every inet table whose name starts with prefix. */
int nft_list_tables(int fd, const char *prefix, void (*fn)(const char *name, void *arg), void *arg,
		    struct hutch_error *err);

#define NET_TABLE_PREFIX "hutch_"
#define NET_GUARD_TABLE "hutch_guard"
#define NET_IF_PREFIX "hutch"

#endif
