/* SPDX-License-Identifier: MIT */
#include "netopts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static uint32_t prefix_mask(uint8_t prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/* A decimal number of at most `digits` digits, no sign, no spaces. */
static int parse_small(const char *s, size_t len, unsigned digits, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (len == 0 || len > digits)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int netopt_parse_port(const char *s, uint16_t *ret)
{
	unsigned long v;

	if (parse_small(s, strlen(s), 5, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int netopt_parse_cidr(const char *s, struct in_addr *ret_addr, uint8_t *ret_prefix)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix = 32;
	struct in_addr a;

	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return -EINVAL;
	if (slash && parse_small(slash + 1, strlen(slash + 1), 2, 32, &prefix) < 0)
		return -EINVAL;
	if (ntohl(a.s_addr) & ~prefix_mask((uint8_t)prefix))
		return -EINVAL; /* "10.1.2.3/8": a typo more often than not */
	*ret_addr = a;
	*ret_prefix = (uint8_t)prefix;
	return 0;
}

int netopt_parse_dest(const char *s, struct hutch_net_dest *ret)
{
	char cidr[INET_ADDRSTRLEN + 4];
	const char *colon = strchr(s, ':');
	size_t clen = colon ? (size_t)(colon - s) : strlen(s);
	struct hutch_net_dest d = { 0 };

	if (clen >= sizeof(cidr))
		return -EINVAL;
	memcpy(cidr, s, clen);
	cidr[clen] = '\0';
	if (netopt_parse_cidr(cidr, &d.addr, &d.prefix) < 0)
		return -EINVAL;
	if (colon && netopt_parse_port(colon + 1, &d.port) < 0)
		return -EINVAL;
	*ret = d;
	return 0;
}

bool netopt_dest_covers(const struct hutch_net_dest *outer, const struct hutch_net_dest *inner)
{
	uint32_t m = prefix_mask(outer->prefix);

	if (inner->prefix < outer->prefix)
		return false;
	if ((ntohl(inner->addr.s_addr) & m) != (ntohl(outer->addr.s_addr) & m))
		return false;
	return outer->port == 0 || outer->port == inner->port;
}

void netopt_format_dest(const struct hutch_net_dest *d, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &d->addr, a, sizeof(a));
	if (d->port)
		snprintf(buf, len, "%s/%u:%u", a, d->prefix, d->port);
	else
		snprintf(buf, len, "%s/%u", a, d->prefix);
}

int netopt_apply(const struct hutch_net_options *profile_opts, const struct net_overrides *o,
		 struct hutch_spec *spec, struct hutch_error *err)
{
	spec->net_opts = *profile_opts;
	if (o && o->publish_set) {
		if (spec->net != HUTCH_NET_PUBLISH && o->n_publish)
			return herr(err, EINVAL, "published ports need network mode publish");
		spec->net_opts.publish = o->publish;
		spec->net_opts.n_publish = o->n_publish;
	}
	if (spec->net != HUTCH_NET_PUBLISH) {
		/* the profile's default ports mean nothing in other modes */
		spec->net_opts.publish = NULL;
		spec->net_opts.n_publish = 0;
	}
	return 0;
}
