/* SPDX-License-Identifier: MIT */
/*
 * A minimal netlink message builder and request/acknowledge exchange.
 *
 * Why not libnl here: the sandbox's init configures its own interfaces
 * right after a raw clone3() of a possibly threaded process, where nothing
 * may allocate; and nftables has no libnl binding at all. Both need only a
 * handful of attribute types, so a few dozen lines over a caller's buffer
 * do it without allocating, without global state and with every error
 * returned (libnftables, the other choice for nftables, exits the process
 * when its netlink socket cannot be opened and keeps a process-wide
 * interface cache: see docs/network.md).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "net-internal.h"
#include "util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

void nlb_init(struct nlb *b, void *buf, size_t cap, uint32_t first_seq)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->msg = 0;
	b->seq = first_seq - 1;
	b->overflow = false;
}

/* Reserve len bytes (plus padding to NLA/NLMSG alignment, both 4), zeroed.
 * Returns NULL and marks the buffer unusable when it does not fit. */
static void *nlb_reserve(struct nlb *b, size_t len)
{
	size_t aligned = NLMSG_ALIGN(len);
	void *p;

	if (b->overflow || aligned > b->cap - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = b->buf + b->len;
	memset(p, 0, aligned);
	b->len += aligned;
	return p;
}

void nlb_msg(struct nlb *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen)
{
	struct nlmsghdr *h;
	void *fam;

	b->msg = b->len;
	h = nlb_reserve(b, NLMSG_HDRLEN);
	if (!h)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = ++b->seq;
	fam = nlb_reserve(b, hdrlen);
	if (fam && hdrlen)
		memcpy(fam, hdr, hdrlen);
}

void nlb_msg_end(struct nlb *b)
{
	if (b->overflow)
		return;
	((struct nlmsghdr *)(void *)(b->buf + b->msg))->nlmsg_len = (uint32_t)(b->len - b->msg);
}

void nlb_put(struct nlb *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;

	if (len > 0xffff - NLA_HDRLEN) {
		b->overflow = true;
		return;
	}
	a = nlb_reserve(b, NLA_HDRLEN + len);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
}

void nlb_put_u8(struct nlb *b, uint16_t type, uint8_t v)
{
	nlb_put(b, type, &v, sizeof(v));
}

void nlb_put_u32(struct nlb *b, uint16_t type, uint32_t v)
{
	nlb_put(b, type, &v, sizeof(v));
}

void nlb_put_be32(struct nlb *b, uint16_t type, uint32_t v)
{
	v = htonl(v);
	nlb_put(b, type, &v, sizeof(v));
}

void nlb_put_str(struct nlb *b, uint16_t type, const char *s)
{
	nlb_put(b, type, s, strlen(s) + 1);
}

size_t nlb_nest(struct nlb *b, uint16_t type)
{
	size_t off = b->len;

	nlb_put(b, type | NLA_F_NESTED, NULL, 0);
	return off;
}

void nlb_nest_end(struct nlb *b, size_t off)
{
	struct nlattr *a;

	if (b->overflow)
		return;
	if (b->len - off > 0xffff) {
		b->overflow = true;
		return;
	}
	a = (struct nlattr *)(void *)(b->buf + off);
	a->nla_len = (uint16_t)(b->len - off);
}

int nlk_open(int protocol)
{
	int one = 1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -errno;
	/* Both are optional comforts (kernel messages, short acks): a kernel
	 * without them still works, so their failure is ignored on purpose. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

/* Copy the NLMSGERR_ATTR_MSG text of an extended ack, if there is one. */
static void ext_ack_msg(const struct nlmsghdr *h, char *ext, size_t ext_len)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off, end = h->nlmsg_len;

	if (!ext || !ext_len || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* With NETLINK_CAP_ACK the echoed request is its header only. */
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)((const char *)h + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;
			if (n >= ext_len)
				n = ext_len - 1;
			memcpy(ext, (const char *)a + NLA_HDRLEN, n);
			ext[n] = '\0';
			ext[strcspn(ext, "\n")] = '\0';
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

int nlk_talk(int fd, const struct nlb *b, uint32_t first_seq, uint32_t *ret_seq, char *ext,
	     size_t ext_len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192] __attribute__((aligned(4)));
	size_t expected = 0, got = 0, off;
	int first_err = 0;
	uint32_t err_seq = 0;
	ssize_t n;

	if (ext && ext_len)
		ext[0] = '\0';
	if (b->overflow)
		return -E2BIG;
	/* Count the messages that will be answered. */
	for (off = 0; off + NLMSG_HDRLEN <= b->len;) {
		const struct nlmsghdr *h = (const void *)(b->buf + off);
		if (h->nlmsg_flags & NLM_F_ACK)
			expected++;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	do
		n = sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != b->len)
		return -EIO;

	while (got < expected) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr;

		/* Answers are queued before sendto returns; the timeout only
		 * guards against a kernel that broke that rule. */
		pr = poll(&pfd, 1, 5000);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr < 0 ? -errno : -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first_seq || h->nlmsg_seq > b->seq)
				continue;
			e = NLMSG_DATA(h);
			got++;
			if (e->error && !first_err) {
				first_err = e->error;
				err_seq = h->nlmsg_seq;
				ext_ack_msg(h, ext, ext_len);
			}
			/* An error on a message that did not ask for an ack
			 * (nftables' batch begin) is all there will be. */
			if (e->error && !(e->msg.nlmsg_flags & NLM_F_ACK))
				got = expected;
		}
	}
	if (first_err && ret_seq)
		*ret_seq = err_seq;
	return first_err;
}
