/* SPDX-License-Identifier: MIT */
/*
 * Text forms of the network options (profile "network" section, hutch run
 * options) and the rules that keep a child profile from widening what its
 * parent lets out. docs/network.md documents the syntax.
 */
#ifndef HUTCH_NETOPTS_H
#define HUTCH_NETOPTS_H

#include <stdbool.h>

#include "hutch.h"

/* "A.B.C.D" or "A.B.C.D/N" (host bits must be zero). 0 or -EINVAL. */
int netopt_parse_cidr(const char *s, struct in_addr *ret_addr, uint8_t *ret_prefix);

/* A destination: "A.B.C.D[/N][:PORT]" (no prefix: /32). 0 or -EINVAL. */
int netopt_parse_dest(const char *s, struct hutch_net_dest *ret);

/* A TCP/UDP port 1..65535 given as text. 0 or -EINVAL. */
int netopt_parse_port(const char *s, uint16_t *ret);

/* Whether every address and port `inner` admits, `outer` admits too. */
bool netopt_dest_covers(const struct hutch_net_dest *outer, const struct hutch_net_dest *inner);

/* "A.B.C.D/N[:PORT]" into buf. */
void netopt_format_dest(const struct hutch_net_dest *d, char *buf, size_t len);

/* What one run may choose about the network besides the mode (hutch run's
 * --publish, an API request's ports). */
struct net_overrides {
	const uint16_t *publish; /* replaces the profile's network.publish */
	size_t n_publish;
	bool publish_set;
};

/* spec->net_opts from the profile's network options and the run's
 * overrides; spec->net must already be chosen (within network.allowed).
 * Published ports need mode publish. Arrays stay the profile's and o's. */
int netopt_apply(const struct hutch_net_options *profile_opts, const struct net_overrides *o,
		 struct hutch_spec *spec, struct hutch_error *err);

#endif
