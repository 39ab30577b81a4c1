/* SPDX-License-Identifier: MIT */
/*
 * The nftables side of egress/publish, spoken as raw nf_tables netlink.
 *
 * One table per run, family inet, "hutch_<slot>", created with its chains
 * and rules in one transaction and flagged NFT_TABLE_F_OWNER (Linux 5.12):
 * it belongs to the supervisor's netlink socket and the kernel deletes it
 * when that socket is closed, so even a supervisor killed by SIGKILL leaves
 * no rule behind. The same property makes the table the slot's lock: a
 * second run cannot create a table of the same name while the first lives.
 *
 * In nft syntax, for interface hutchN, sandbox S, gateway G (the ruleset
 * `nft list table inet hutch_N` prints is the same, modulo formatting):
 *
 *   chain prerouting  { type nat hook prerouting priority dstnat;
 *     iifname hutchN ip daddr G tcp dport H dnat ip to 127.0.0.1  # host_ports
 *     iifname hutchN ip daddr G udp/tcp dport 53 dnat ip to R     # loopback resolver
 *   }
 *   chain postrouting { type nat hook postrouting priority srcnat;
 *     oifname != hutchN ip saddr S masquerade
 *   }
 *   chain input { type filter hook input priority filter;         # sandbox -> host
 *     iifname hutchN ct state established,related accept
 *     iifname hutchN ct original ip daddr G tcp dport H accept     # host_ports
 *     iifname hutchN ct original ip daddr G|R udp/tcp dport 53 accept
 *     iifname hutchN tcp reject with tcp reset
 *     iifname hutchN reject with icmpx admin-prohibited
 *   }
 *   chain forward { type filter hook forward priority filter;
 *     oifname hutchN ct state established,related accept
 *     oifname hutchN drop                     # nothing new into the sandbox
 *     iifname hutchN meta nfproto != ipv4 drop
 *     iifname hutchN ip daddr R udp/tcp dport 53 accept
 *     iifname hutchN ip daddr POOL reject     # other sandboxes
 *     iifname hutchN ip daddr 169.254.0.0/16 reject   # metadata services
 *     iifname hutchN ip daddr A [dport P] accept      # allow_only: allow[]
 *     iifname hutchN reject                           # allow_only
 *   }
 *   chain output { type filter hook output priority filter;     # host -> sandbox
 *     oifname hutchN ct state established,related accept
 *     oifname hutchN tcp dport P accept               # publish
 *     oifname hutchN reject
 *   }
 *
 * Rejections answer at once (TCP reset, ICMP administratively prohibited)
 * so that a denied connect() fails fast instead of timing out.
 *
 * Only the interface *name* is matched (iifname, not iif): the rules exist
 * before the interface does, and a name match needs no ifindex lookup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <net/if.h>

#include "error.h"
#include "net-internal.h"
#include "util.h"

#define CT_ESTABLISHED_RELATED (NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))
#define CT_DIR_ORIGINAL 0 /* enum ip_conntrack_dir, not in the uapi headers */
#define NFT_TYPE(msg) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (msg)))

/* Comment of the table, as nft(8) stores it (libnftnl's udata TLV). */
#define UDATA_TABLE_COMMENT 0

/* A batch of a run's ruleset: 5 chains, a few dozen rules of < 300 bytes. */
#define BATCH_MAX 65536

struct nfgenmsg_ {
	uint8_t family;
	uint8_t version;
	uint16_t res_id; /* network order */
};

static void msg_start(struct nlb *b, uint8_t msg, uint16_t flags, uint8_t family)
{
	struct nfgenmsg_ g = { .family = family, .version = NFNETLINK_V0, .res_id = 0 };

	nlb_msg(b, NFT_TYPE(msg), NLM_F_REQUEST | flags, &g, sizeof(g));
}

static void batch_mark(struct nlb *b, uint16_t type)
{
	struct nfgenmsg_ g = { .family = AF_UNSPEC, .version = NFNETLINK_V0,
			       .res_id = htons(NFNL_SUBSYS_NFTABLES) };

	nlb_msg(b, type, NLM_F_REQUEST, &g, sizeof(g));
	nlb_msg_end(b);
}

/* ---- expressions: each loads into or reads NFT_REG_1 ---- */

static size_t expr_start(struct nlb *b, const char *name, size_t *data)
{
	size_t elem = nlb_nest(b, NFTA_LIST_ELEM);

	nlb_put_str(b, NFTA_EXPR_NAME, name);
	*data = nlb_nest(b, NFTA_EXPR_DATA);
	return elem;
}

static void expr_end(struct nlb *b, size_t elem, size_t data)
{
	nlb_nest_end(b, data);
	nlb_nest_end(b, elem);
}

static void ex_meta(struct nlb *b, uint32_t key)
{
	size_t d, e = expr_start(b, "meta", &d);

	nlb_put_be32(b, NFTA_META_KEY, key);
	nlb_put_be32(b, NFTA_META_DREG, NFT_REG_1);
	expr_end(b, e, d);
}

static void ex_cmp(struct nlb *b, uint32_t op, const void *data, size_t len)
{
	size_t d, e = expr_start(b, "cmp", &d), v;

	nlb_put_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nlb_put_be32(b, NFTA_CMP_OP, op);
	v = nlb_nest(b, NFTA_CMP_DATA);
	nlb_put(b, NFTA_DATA_VALUE, data, len);
	nlb_nest_end(b, v);
	expr_end(b, e, d);
}

static void ex_payload(struct nlb *b, uint32_t base, uint32_t offset, uint32_t len)
{
	size_t d, e = expr_start(b, "payload", &d);

	nlb_put_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nlb_put_be32(b, NFTA_PAYLOAD_BASE, base);
	nlb_put_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	nlb_put_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, e, d);
}

/* reg1 = (reg1 & mask) ^ 0, len bytes */
static void ex_and(struct nlb *b, const void *mask, uint32_t len)
{
	static const char zero[16];
	size_t d, e = expr_start(b, "bitwise", &d), v;

	nlb_put_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
	nlb_put_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
	nlb_put_be32(b, NFTA_BITWISE_LEN, len);
	v = nlb_nest(b, NFTA_BITWISE_MASK);
	nlb_put(b, NFTA_DATA_VALUE, mask, len);
	nlb_nest_end(b, v);
	v = nlb_nest(b, NFTA_BITWISE_XOR);
	nlb_put(b, NFTA_DATA_VALUE, zero, len);
	nlb_nest_end(b, v);
	expr_end(b, e, d);
}

static void ex_ct(struct nlb *b, uint32_t key, int dir)
{
	size_t d, e = expr_start(b, "ct", &d);

	nlb_put_be32(b, NFTA_CT_DREG, NFT_REG_1);
	nlb_put_be32(b, NFTA_CT_KEY, key);
	if (dir >= 0)
		nlb_put_u8(b, NFTA_CT_DIRECTION, (uint8_t)dir);
	expr_end(b, e, d);
}

static void ex_verdict(struct nlb *b, int32_t code)
{
	size_t d, e = expr_start(b, "immediate", &d), v, vv;

	nlb_put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	v = nlb_nest(b, NFTA_IMMEDIATE_DATA);
	vv = nlb_nest(b, NFTA_DATA_VERDICT);
	nlb_put_be32(b, NFTA_VERDICT_CODE, (uint32_t)code);
	nlb_nest_end(b, vv);
	nlb_nest_end(b, v);
	expr_end(b, e, d);
}

static void ex_reject(struct nlb *b, uint32_t type, uint8_t code)
{
	size_t d, e = expr_start(b, "reject", &d);

	nlb_put_be32(b, NFTA_REJECT_TYPE, type);
	nlb_put_u8(b, NFTA_REJECT_ICMP_CODE, code);
	expr_end(b, e, d);
}

static void ex_masq(struct nlb *b)
{
	size_t d, e = expr_start(b, "masq", &d);

	expr_end(b, e, d);
}

/* dnat ip to addr (a single address, same port) */
static void ex_dnat4(struct nlb *b, struct in_addr addr)
{
	size_t d, e = expr_start(b, "immediate", &d), v;

	nlb_put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_1);
	v = nlb_nest(b, NFTA_IMMEDIATE_DATA);
	nlb_put(b, NFTA_DATA_VALUE, &addr, 4);
	nlb_nest_end(b, v);
	expr_end(b, e, d);

	e = expr_start(b, "nat", &d);
	nlb_put_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	nlb_put_be32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
	nlb_put_be32(b, NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
	nlb_put_be32(b, NFTA_NAT_REG_ADDR_MAX, NFT_REG_1);
	nlb_put_be32(b, NFTA_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS);
	expr_end(b, e, d);
}

/* ---- matches built from expressions ---- */

enum dir { IN, OUT };

/* iifname/oifname == name (exact), or != name when neq. */
static void m_ifname(struct nlb *b, enum dir dir, const char *name, bool neq)
{
	char padded[IFNAMSIZ] = { 0 };

	hu_strlcpy(padded, name, sizeof(padded));
	ex_meta(b, dir == IN ? NFT_META_IIFNAME : NFT_META_OIFNAME);
	ex_cmp(b, neq ? NFT_CMP_NEQ : NFT_CMP_EQ, padded, sizeof(padded));
}

/* iifname/oifname "prefix*" */
static void m_ifname_prefix(struct nlb *b, enum dir dir, const char *prefix)
{
	ex_meta(b, dir == IN ? NFT_META_IIFNAME : NFT_META_OIFNAME);
	ex_cmp(b, NFT_CMP_EQ, prefix, strlen(prefix));
}

static void m_nfproto(struct nlb *b, uint8_t proto, bool neq)
{
	ex_meta(b, NFT_META_NFPROTO);
	ex_cmp(b, neq ? NFT_CMP_NEQ : NFT_CMP_EQ, &proto, 1);
}

static void m_l4proto(struct nlb *b, uint8_t proto)
{
	ex_meta(b, NFT_META_L4PROTO);
	ex_cmp(b, NFT_CMP_EQ, &proto, 1);
}

/* ip saddr/daddr within addr/prefix; the caller matched nfproto ipv4 */
static void m_ip(struct nlb *b, bool daddr, struct in_addr addr, uint8_t prefix)
{
	uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;

	ex_payload(b, NFT_PAYLOAD_NETWORK_HEADER, daddr ? 16 : 12, 4);
	if (prefix < 32)
		ex_and(b, &mask, 4);
	addr.s_addr &= mask;
	ex_cmp(b, NFT_CMP_EQ, &addr, 4);
}

/* th dport == port; the caller matched l4proto (tcp or udp) */
static void m_dport(struct nlb *b, uint16_t port)
{
	uint16_t p = htons(port);

	ex_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	ex_cmp(b, NFT_CMP_EQ, &p, 2);
}

static void m_ct_established(struct nlb *b)
{
	uint32_t mask = CT_ESTABLISHED_RELATED, zero = 0;

	ex_ct(b, NFT_CT_STATE, -1);
	ex_and(b, &mask, 4);
	ex_cmp(b, NFT_CMP_NEQ, &zero, 4);
}

/* ct original ip daddr == addr (before any DNAT) */
static void m_ct_orig_daddr(struct nlb *b, struct in_addr addr)
{
	ex_ct(b, NFT_CT_DST_IP, CT_DIR_ORIGINAL);
	ex_cmp(b, NFT_CMP_EQ, &addr, 4);
}

/* ---- rules ---- */

struct rule {
	struct nlb *b;
	size_t exprs;
};

static void rule_start(struct rule *r, struct nlb *b, const char *table, const char *chain)
{
	r->b = b;
	msg_start(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_INET);
	nlb_put_str(b, NFTA_RULE_TABLE, table);
	nlb_put_str(b, NFTA_RULE_CHAIN, chain);
	r->exprs = nlb_nest(b, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct rule *r)
{
	nlb_nest_end(r->b, r->exprs);
	nlb_msg_end(r->b);
}

/* The common end of a rule that denies: reset for TCP, ICMP otherwise. */
static void rules_reject(struct nlb *b, const char *table, const char *chain, enum dir dir,
			 const char *ifname)
{
	struct rule r;

	rule_start(&r, b, table, chain);
	m_ifname(b, dir, ifname, false);
	m_l4proto(b, IPPROTO_TCP);
	ex_reject(b, NFT_REJECT_TCP_RST, 0);
	rule_end(&r);
	rule_start(&r, b, table, chain);
	m_ifname(b, dir, ifname, false);
	ex_reject(b, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	rule_end(&r);
}

static void rule_ct_accept(struct nlb *b, const char *table, const char *chain, enum dir dir,
			   const char *ifname)
{
	struct rule r;

	rule_start(&r, b, table, chain);
	m_ifname(b, dir, ifname, false);
	m_ct_established(b);
	ex_verdict(b, NF_ACCEPT);
	rule_end(&r);
}

static void chain_add(struct nlb *b, const char *table, const char *name, const char *type,
		      uint32_t hook, int32_t prio)
{
	size_t h;

	msg_start(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_ACK, NFPROTO_INET);
	nlb_put_str(b, NFTA_CHAIN_TABLE, table);
	nlb_put_str(b, NFTA_CHAIN_NAME, name);
	h = nlb_nest(b, NFTA_CHAIN_HOOK);
	nlb_put_be32(b, NFTA_HOOK_HOOKNUM, hook);
	nlb_put_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)prio);
	nlb_nest_end(b, h);
	nlb_put_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
	nlb_put_str(b, NFTA_CHAIN_TYPE, type);
	nlb_msg_end(b);
}

static void table_add(struct nlb *b, const char *name, uint32_t flags, const char *comment)
{
	msg_start(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, NFPROTO_INET);
	nlb_put_str(b, NFTA_TABLE_NAME, name);
	nlb_put_be32(b, NFTA_TABLE_FLAGS, flags);
	if (comment) {
		char ud[2 + 128];
		size_t n = strlen(comment) + 1;

		if (n > sizeof(ud) - 2)
			n = sizeof(ud) - 2;
		ud[0] = UDATA_TABLE_COMMENT;
		ud[1] = (char)n;
		memcpy(ud + 2, comment, n);
		ud[1 + n] = '\0';
		nlb_put(b, NFTA_TABLE_USERDATA, ud, 2 + n);
	}
	nlb_msg_end(b);
}

/* Accept (in chain) TCP and UDP port `port` to the resolver or service,
 * matched by its original destination. */
static void rule_accept_service(struct nlb *b, const char *table, const char *chain,
				const char *ifname, struct in_addr orig_daddr, uint8_t proto,
				uint16_t port)
{
	struct rule r;

	rule_start(&r, b, table, chain);
	m_ifname(b, IN, ifname, false);
	m_nfproto(b, NFPROTO_IPV4, false);
	m_ct_orig_daddr(b, orig_daddr);
	m_l4proto(b, proto);
	m_dport(b, port);
	ex_verdict(b, NF_ACCEPT);
	rule_end(&r);
}

static void rule_dnat(struct nlb *b, const struct nft_run_rules *rr, uint8_t proto, uint16_t port,
		      struct in_addr to)
{
	struct rule r;

	rule_start(&r, b, rr->table, "prerouting");
	m_ifname(b, IN, rr->ifname, false);
	m_nfproto(b, NFPROTO_IPV4, false);
	m_ip(b, true, rr->gateway, 32);
	m_l4proto(b, proto);
	m_dport(b, port);
	ex_dnat4(b, to);
	rule_end(&r);
}

/* Forward-chain rule: iifname X ip daddr addr/prefix [proto dport port] verdict */
static void rule_fwd_dest(struct nlb *b, const struct nft_run_rules *rr, struct in_addr addr,
			  uint8_t prefix, uint8_t proto, uint16_t port, bool accept)
{
	struct rule r;

	rule_start(&r, b, rr->table, "forward");
	m_ifname(b, IN, rr->ifname, false);
	m_nfproto(b, NFPROTO_IPV4, false);
	m_ip(b, true, addr, prefix);
	if (proto) {
		m_l4proto(b, proto);
		m_dport(b, port);
	}
	if (accept)
		ex_verdict(b, NF_ACCEPT);
	else
		ex_reject(b, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
	rule_end(&r);
}

static const uint8_t l4[] = { IPPROTO_TCP, IPPROTO_UDP };

static void build_run_table(struct nlb *b, const struct nft_run_rules *rr)
{
	const struct hutch_net_options *o = rr->opt;
	const char *t = rr->table, *ifn = rr->ifname;
	struct in_addr loopback = { .s_addr = htonl(INADDR_LOOPBACK) };
	struct in_addr linklocal = { .s_addr = htonl(0xa9fe0000u) }; /* 169.254.0.0/16 */
	struct rule r;
	size_t i, k;

	table_add(b, t, NFT_TABLE_F_OWNER, rr->comment);
	chain_add(b, t, "prerouting", "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	chain_add(b, t, "postrouting", "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	chain_add(b, t, "input", "filter", NF_INET_LOCAL_IN, NF_IP_PRI_FILTER);
	chain_add(b, t, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	chain_add(b, t, "output", "filter", NF_INET_LOCAL_OUT, NF_IP_PRI_FILTER);

	/* prerouting: the host's loopback services behind the gateway */
	for (i = 0; i < o->n_host_ports; i++)
		rule_dnat(b, rr, IPPROTO_TCP, o->host_ports[i], loopback);
	if (rr->has_dns_dnat)
		for (k = 0; k < ARRAY_SIZE(l4); k++)
			rule_dnat(b, rr, l4[k], 53, rr->dns_dnat);

	/* postrouting: the sandbox's address, leaving by any other interface */
	rule_start(&r, b, t, "postrouting");
	m_nfproto(b, NFPROTO_IPV4, false);
	m_ifname(b, OUT, ifn, true);
	m_ip(b, false, rr->sandbox, 32);
	ex_masq(b);
	rule_end(&r);

	/* input: the sandbox talking to the host itself */
	rule_ct_accept(b, t, "input", IN, ifn);
	for (i = 0; i < o->n_host_ports; i++)
		rule_accept_service(b, t, "input", ifn, rr->gateway, IPPROTO_TCP, o->host_ports[i]);
	for (k = 0; k < ARRAY_SIZE(l4); k++) {
		if (rr->has_dns_dnat)
			rule_accept_service(b, t, "input", ifn, rr->gateway, l4[k], 53);
		/* a resolver on one of the host's own addresses */
		for (i = 0; i < rr->n_dns_fwd; i++)
			rule_accept_service(b, t, "input", ifn, rr->dns_fwd[i], l4[k], 53);
	}
	rules_reject(b, t, "input", IN, ifn);

	/* forward: into the sandbox only what answers it; out of it, by policy */
	rule_ct_accept(b, t, "forward", OUT, ifn);
	rule_start(&r, b, t, "forward");
	m_ifname(b, OUT, ifn, false);
	ex_verdict(b, NF_DROP);
	rule_end(&r);
	rule_start(&r, b, t, "forward");
	m_ifname(b, IN, ifn, false);
	m_nfproto(b, NFPROTO_IPV4, true);
	ex_verdict(b, NF_DROP);
	rule_end(&r);
	for (i = 0; i < rr->n_dns_fwd; i++)
		for (k = 0; k < ARRAY_SIZE(l4); k++)
			rule_fwd_dest(b, rr, rr->dns_fwd[i], 32, l4[k], 53, true);
	rule_fwd_dest(b, rr, rr->pool, rr->pool_prefix, 0, 0, false);
	rule_fwd_dest(b, rr, linklocal, 16, 0, 0, false);
	if (o->allow_only) {
		for (i = 0; i < o->n_allow; i++) {
			const struct hutch_net_dest *d = &o->allow[i];
			if (!d->port) {
				rule_fwd_dest(b, rr, d->addr, d->prefix, 0, 0, true);
				continue;
			}
			for (k = 0; k < ARRAY_SIZE(l4); k++)
				rule_fwd_dest(b, rr, d->addr, d->prefix, l4[k], d->port, true);
		}
		rules_reject(b, t, "forward", IN, ifn);
	}

	/* output: the host reaching into the sandbox */
	rule_ct_accept(b, t, "output", OUT, ifn);
	for (i = 0; i < o->n_publish; i++) {
		rule_start(&r, b, t, "output");
		m_ifname(b, OUT, ifn, false);
		m_l4proto(b, IPPROTO_TCP);
		m_dport(b, o->publish[i]);
		ex_verdict(b, NF_ACCEPT);
		rule_end(&r);
	}
	rules_reject(b, t, "output", OUT, ifn);
}

/* Send one transaction; turn the kernel's answer into the error contract.
 * Every batch here starts with its table, the message after the batch
 * begin. */
static int run_batch(int fd, struct nlb *b, uint32_t first_seq, const char *what,
		     struct hutch_error *err)
{
	char ext[256];
	uint32_t bad = 0;
	int r = nlk_talk(fd, b, first_seq, &bad, ext, sizeof(ext));

	/* The table exists: EEXIST, or EPERM when another socket owns it
	 * (nf_tables_newtable checks the owner first). An EPERM for lack of
	 * CAP_NET_ADMIN comes on the batch itself (first_seq), not here. */
	if (r == -EEXIST || (r == -EPERM && bad == first_seq + 1))
		return -EEXIST; /* the caller decides (slot taken, guard present) */
	if (r < 0)
		return herr(err, -r, "nftables: %s (message %u of the batch)%s%s", what,
			    bad - first_seq, ext[0] ? ": " : "", ext);
	return 0;
}

int nft_create_run_table(int fd, const struct nft_run_rules *rr, struct hutch_error *err)
{
	_cleanup_free_ char *buf = malloc(BATCH_MAX);
	struct nlb b;
	uint32_t seq = (uint32_t)hu_now_us() | 1u;

	if (!buf)
		return herr(err, ENOMEM, "nftables batch");
	nlb_init(&b, buf, BATCH_MAX, seq);
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	build_run_table(&b, rr);
	batch_mark(&b, NFNL_MSG_BATCH_END);
	if (b.overflow)
		return herr(err, E2BIG, "nftables: ruleset of %s larger than %d bytes", rr->table,
			    BATCH_MAX);
	return run_batch(fd, &b, seq, "create the run's table", err);
}

int nft_delete_table(int fd, const char *name, struct hutch_error *err)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlb b;
	uint32_t seq = (uint32_t)hu_now_us() | 1u;
	int r;

	nlb_init(&b, buf, sizeof(buf), seq);
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	msg_start(&b, NFT_MSG_DELTABLE, NLM_F_ACK, NFPROTO_INET);
	nlb_put_str(&b, NFTA_TABLE_NAME, name);
	nlb_msg_end(&b);
	batch_mark(&b, NFNL_MSG_BATCH_END);
	r = run_batch(fd, &b, seq, "delete table", err);
	if (r == -EEXIST)
		r = herr(err, EEXIST, "nftables: delete table %s", name);
	return r;
}

int nft_ensure_guard(int fd, struct hutch_error *err)
{
	char buf[2048] __attribute__((aligned(4)));
	struct nlb b;
	struct rule r;
	uint32_t seq = (uint32_t)hu_now_us() | 1u;
	int ret;

	/* Not owned: it must outlive the run, as the sysctl it guards does.
	 * The table is created in the same transaction as its rule, with
	 * NLM_F_EXCL: a concurrent creator's whole batch fails with EEXIST,
	 * so the rules are never doubled. */
	nlb_init(&b, buf, sizeof(buf), seq);
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	table_add(&b, NET_GUARD_TABLE, 0,
		  "hutch: ip_forward was turned on for hutch only; forward nothing else");
	chain_add(&b, NET_GUARD_TABLE, "forward", "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	rule_start(&r, &b, NET_GUARD_TABLE, "forward");
	m_ifname_prefix(&b, IN, NET_IF_PREFIX);
	ex_verdict(&b, NF_ACCEPT);
	rule_end(&r);
	rule_start(&r, &b, NET_GUARD_TABLE, "forward");
	m_ifname_prefix(&b, OUT, NET_IF_PREFIX);
	ex_verdict(&b, NF_ACCEPT);
	rule_end(&r);
	rule_start(&r, &b, NET_GUARD_TABLE, "forward");
	ex_verdict(&b, NF_DROP);
	rule_end(&r);
	batch_mark(&b, NFNL_MSG_BATCH_END);
	ret = run_batch(fd, &b, seq, "create the forwarding guard table " NET_GUARD_TABLE, err);
	return ret == -EEXIST ? 0 : ret;
}

/* Walk the attributes of an NFT_MSG_NEWTABLE for its name. */
static const char *table_name(const struct nlmsghdr *h)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg_));

	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const void *)((const char *)h + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME) {
			const char *s = (const char *)a + NLA_HDRLEN;
			size_t n = a->nla_len - NLA_HDRLEN;
			return n && s[n - 1] == '\0' ? s : NULL;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

int nft_list_tables(int fd, const char *prefix, void (*fn)(const char *name, void *arg), void *arg,
		    struct hutch_error *err)
{
	char req[64] __attribute__((aligned(4)));
	char buf[16384] __attribute__((aligned(4)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlb b;
	uint32_t seq = (uint32_t)hu_now_us() | 1u;
	size_t plen = strlen(prefix);

	nlb_init(&b, req, sizeof(req), seq);
	msg_start(&b, NFT_MSG_GETTABLE, NLM_F_DUMP, NFPROTO_INET);
	nlb_msg_end(&b);
	if (sendto(fd, b.buf, b.len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return herr(err, errno, "nftables: list tables");
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return herr(err, errno, "nftables: list tables");
		}
		len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const char *name;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return herr(err, e->error ? -e->error : EIO, "nftables: list tables");
			}
			name = table_name(h);
			if (name && strncmp(name, prefix, plen) == 0)
				fn(name, arg);
		}
	}
}

int nft_create_lock_table(int fd, const char *name, struct hutch_error *err)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlb b;
	uint32_t seq = (uint32_t)hu_now_us() | 1u;

	nlb_init(&b, buf, sizeof(buf), seq);
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	table_add(&b, name, NFT_TABLE_F_OWNER, "hutch: removing a crashed run's leftovers");
	batch_mark(&b, NFNL_MSG_BATCH_END);
	return run_batch(fd, &b, seq, "lock table", err);
}
