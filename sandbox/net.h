/* SPDX-License-Identifier: MIT */
/*
 * The sandbox's network (prefix net_). docs/network.md is the long form.
 *
 * Every run gets a new network namespace (clone3 with CLONE_NEWNET, owned by
 * the sandbox's user namespace). none and loopback stop there (loopback only
 * brings lo up). egress and publish add, around the clone:
 *
 *   net_run_prepare()   supervisor, before clone: claim an address slot
 *                       of the pool by creating the run's nftables table
 *                       (NAT, filter) owned by this run's netlink socket;
 *                       write the sandbox's resolv.conf.
 *   net_run_attach()    supervisor, after clone, before init is released:
 *                       a veth pair (libnl-route), the inside end moved
 *                       into init's namespace, the host end addressed and up.
 *   net_inside_setup()  sandbox init, inside: lo, the inside end's address
 *                       and the default route (allocation-free rtnetlink).
 *   net_run_destroy()   supervisor, at the end: interface, table, file.
 *
 * A supervisor killed by SIGKILL leaves nothing: the kernel deletes the
 * table with the socket that owns it and the veth pair with the sandbox's
 * namespace; the next run that takes the slot removes anything that
 * survived a crash.
 */
#ifndef HUTCH_NET_H
#define HUTCH_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hutch.h"

/* Name of the sandbox's end of the veth pair, inside. */
#define NET_INSIDE_IFNAME "eth0"

/* What the sandbox's init sets up in its own namespace: plain data made by
 * the supervisor, so the child needs no allocation. */
struct net_inside {
	bool lo_up;            /* bring lo up */
	bool veth;             /* configure NET_INSIDE_IFNAME */
	struct in_addr addr;   /* network order */
	struct in_addr gateway;
	uint8_t prefix;
};

struct net_run;

/* Validate spec->net and spec->net_opts (bounds, prefixes, ports). */
int net_check_spec(const struct hutch_spec *spec, struct hutch_error *err);

/* Whether mode needs net_run_* (a veth pair to the host). */
bool net_mode_has_veth(enum hutch_net_mode mode);

/* Supervisor, before clone (egress/publish only). On failure nothing is
 * left and *ret is untouched. */
int net_run_prepare(const struct hutch_spec *spec, struct net_run **ret, struct hutch_error *err);

/* The spec the mount plan is made from: spec with the generated
 * resolv.conf added to its binds. Valid while n lives. */
const struct hutch_spec *net_run_mount_spec(const struct net_run *n);

/* Fill *ret for the sandbox's init. n may be NULL (none/loopback). */
void net_inside_plan(const struct hutch_spec *spec, const struct net_run *n,
		     struct net_inside *ret);

/* Supervisor, after clone, before init is released: the veth pair, its
 * inside end moved into the network namespace of pid. */
int net_run_attach(struct net_run *n, pid_t pid, struct hutch_error *err);

/* Supervisor, once init is released: tell the caller (spec's on_ready). */
void net_run_ready(const struct net_run *n);

/* Remove everything of the run. Accepts NULL and half-made runs. */
void net_run_destroy(struct net_run *n);

/* Inside the sandbox (its init, root of the user namespace that owns the
 * network namespace). Allocation-free. */
int net_inside_setup(const struct net_inside *cfg, struct hutch_error *err);

#endif
