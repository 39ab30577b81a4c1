/* SPDX-License-Identifier: MIT */
/*
 * The sandbox's network: egress and publish around the clone (net.h has
 * the sequence, docs/network.md the reasons).
 *
 * Names. A run holds one *slot* of the address pool, slot N being the
 * pool's N-th /30: N*4+1 is the host's side (the gateway), N*4+2 the
 * sandbox's. The slot names everything of the run: nftables table
 * hutch_N, host interface hutchN, resolv file /run/hutch/net/resolv.N.conf.
 * The table is created with NLM_F_EXCL and owned by the run's netlink
 * socket, so it is also the slot's lock, held by the kernel for as long as
 * the supervisor lives: two runs never share a slot, a dead supervisor's
 * slot frees itself, and whoever holds slot N may remove any interface or
 * file of slot N it finds (a crash's leftovers).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "error.h"
#include "mount.h"
#include "net-internal.h"
#include "util.h"

/* Files of runs, one directory per network namespace of supervisors (a
 * run's slot is a name in its supervisor's namespace only):
 * NET_STATE_DIR/<inode of /proc/self/ns/net>/resolv.<slot>.conf */
#define NET_STATE_DIR "/run/hutch/net"
#define NET_SLOT_PREFIX 30 /* one /30 per run */
#define NET_MAX_CLAIMS 4096 /* slots tried before calling the pool full */

struct net_run {
	const struct hutch_spec *spec;
	struct hutch_spec mount_spec; /* spec + the resolv.conf bind */
	struct hutch_bind *binds;
	char resolv_dst[PATH_MAX];
	int nft_fd; /* owns the table: closing it deletes the table */
	unsigned slot;
	bool have_table;
	char table[32];
	char ifname[IFNAMSIZ];
	char state_dir[64];
	char resolv_path[96];
	bool resolv_written;
	struct in_addr sandbox, gateway;
	bool route_localnet;
	struct nl_sock *sk;
};

bool net_mode_has_veth(enum hutch_net_mode mode)
{
	return mode == HUTCH_NET_EGRESS || mode == HUTCH_NET_PUBLISH;
}

static void pool_of(const struct hutch_net_options *o, struct in_addr *ret_pool, uint8_t *ret_prefix)
{
	if (o->pool_prefix) {
		*ret_pool = o->pool;
		*ret_prefix = o->pool_prefix;
	} else {
		ret_pool->s_addr = htonl(HUTCH_NET_DEFAULT_POOL);
		*ret_prefix = HUTCH_NET_DEFAULT_POOL_PREFIX;
	}
}

static bool host_bits_zero(struct in_addr a, uint8_t prefix)
{
	uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

	return (ntohl(a.s_addr) & ~mask) == 0;
}

static int check_ports(const char *what, const uint16_t *ports, size_t n, struct hutch_error *err)
{
	if (n && !ports)
		return herr(err, EINVAL, "network: %s: %zu ports but no array", what, n);
	if (n > HUTCH_NET_MAX_PORTS)
		return herr(err, E2BIG, "network: more than %d %s ports", HUTCH_NET_MAX_PORTS, what);
	for (size_t i = 0; i < n; i++)
		if (ports[i] == 0)
			return herr(err, EINVAL, "network: %s port 0", what);
	return 0;
}

int net_check_spec(const struct hutch_spec *spec, struct hutch_error *err)
{
	const struct hutch_net_options *o = &spec->net_opts;
	struct in_addr pool;
	uint8_t prefix;
	char a[INET_ADDRSTRLEN];
	int r;

	if ((unsigned)spec->net > HUTCH_NET_PUBLISH)
		return herr(err, EINVAL, "network: unknown mode %d", (int)spec->net);
	if (!net_mode_has_veth(spec->net))
		return 0;
	pool_of(o, &pool, &prefix);
	if (prefix < 8 || prefix > 28 || !host_bits_zero(pool, prefix))
		return herr(err, EINVAL, "network: address pool %s/%u: expected a network of prefix 8..28",
			    inet_ntop(AF_INET, &pool, a, sizeof(a)), prefix);
	if (o->n_allow > HUTCH_NET_MAX_ALLOW || (o->n_allow && !o->allow))
		return herr(err, E2BIG, "network: at most %d allowed destinations", HUTCH_NET_MAX_ALLOW);
	for (size_t i = 0; i < o->n_allow; i++)
		if (o->allow[i].prefix > 32 || !host_bits_zero(o->allow[i].addr, o->allow[i].prefix))
			return herr(err, EINVAL, "network: allowed destination %s/%u: host bits set or prefix > 32",
				    inet_ntop(AF_INET, &o->allow[i].addr, a, sizeof(a)), o->allow[i].prefix);
	r = check_ports("publish", o->publish, o->n_publish, err);
	if (r == 0)
		r = check_ports("host", o->host_ports, o->n_host_ports, err);
	if (r < 0)
		return r;
	if (o->n_publish && spec->net != HUTCH_NET_PUBLISH)
		return herr(err, EINVAL, "network: published ports need network mode publish");
	if (o->n_dns > HUTCH_NET_MAX_DNS || (o->n_dns && !o->dns))
		return herr(err, E2BIG, "network: at most %d resolvers", HUTCH_NET_MAX_DNS);
	return 0;
}

/* libnl's error codes are not errnos: map the ones that matter. */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_EXIST:
		return EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return ENODEV;
	case NLE_PERM:
	case NLE_NOACCESS:
		return EPERM;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_INVAL:
	case NLE_RANGE:
		return EINVAL;
	case NLE_OPNOTSUPP:
	case NLE_AF_NOSUPPORT:
		return EOPNOTSUPP;
	case NLE_BUSY:
		return EBUSY;
	default:
		return EIO;
	}
}

static int nlerr(struct hutch_error *err, int nle, const char *what, const char *name)
{
	return herr(err, nl_errno(nle), "%s %s: %s", what, name, nl_geterror(nle));
}

/* Write "value" to /proc/sys/<path>. */
static int sysctl_write(const char *path, const char *value, struct hutch_error *err)
{
	char full[128];
	int r;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	r = hu_write_file_at(AT_FDCWD, full, value);
	if (r < 0)
		return herr(err, -r, "write %s to %s", value, full);
	return 0;
}

static int sysctl_read_char(const char *path, char *ret)
{
	char full[128];
	int fd;
	ssize_t n;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, ret, 1);
	n = n < 0 ? -errno : n;
	close(fd);
	return n == 1 ? 0 : n < 0 ? (int)n : -EIO;
}

/* ---- resolvers and resolv.conf ---- */

/* The host's IPv4 resolvers from /etc/resolv.conf (at most max). */
static size_t host_resolvers(struct in_addr *ret, size_t max)
{
	char buf[16384];
	size_t n = 0;
	ssize_t len;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0; /* no resolver configured: none inside either */
	len = hu_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	for (char *line = buf, *next; line && n < max; line = next) {
		char addr[64];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &ret[n]) == 1)
			n++;
	}
	return n;
}

/* Resolvers of the run: a loopback one (systemd-resolved's 127.0.0.53, a
 * local dnsmasq) is reached at the gateway through a DNAT; any other is
 * reached directly (forwarded, and allowed whatever the allowlist says).
 * Fills rr and the resolv.conf text. */
static void plan_dns(const struct hutch_net_options *o, struct nft_run_rules *rr, char *text,
		     size_t text_len)
{
	struct in_addr all[HUTCH_NET_MAX_DNS];
	size_t n, i, used;
	char a[INET_ADDRSTRLEN];

	if (o->dns) {
		n = o->n_dns;
		memcpy(all, o->dns, n * sizeof(all[0]));
	} else {
		n = host_resolvers(all, HUTCH_NET_MAX_DNS);
	}
	used = (size_t)snprintf(text, text_len, "# made by hutch for this sandbox\n");
	for (i = 0; i < n && used < text_len; i++) {
		struct in_addr shown = all[i];

		if ((ntohl(all[i].s_addr) >> 24) == 127) {
			if (rr->has_dns_dnat)
				continue; /* one gateway, one loopback resolver */
			rr->has_dns_dnat = true;
			rr->dns_dnat = all[i];
			shown = rr->gateway;
		} else {
			rr->dns_fwd[rr->n_dns_fwd++] = all[i];
		}
		used += (size_t)snprintf(text + used, text_len - used, "nameserver %s\n",
					 inet_ntop(AF_INET, &shown, a, sizeof(a)));
	}
}

/* Lexically normalise "/etc/" + target (or target when absolute) into dst. */
static int join_normalise(const char *target, char *dst, size_t len)
{
	char tmp[PATH_MAX];
	size_t out = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s", target[0] == '/' ? "" : "/etc/", target) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *save = NULL, *c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t cl = strlen(c);

		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (out > 0 && dst[--out] != '/')
				;
			continue;
		}
		if (out + 1 + cl + 1 > len)
			return -ENAMETOOLONG;
		dst[out++] = '/';
		memcpy(dst + out, c, cl);
		out += cl;
	}
	if (out == 0)
		return -EINVAL;
	dst[out] = '\0';
	return 0;
}

/* Where the generated resolv.conf goes inside: /etc/resolv.conf, or where
 * it points when it is a symlink (systemd-resolved's stub file under /run,
 * which is writable inside, so the mount point can be made there). */
static int resolv_dst(const struct hutch_spec *spec, char *dst, size_t len, struct hutch_error *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int r;

	hu_strlcpy(dst, "/etc/resolv.conf", len);
	if ((size_t)snprintf(path, sizeof(path), "%s/etc/resolv.conf", spec->rootfs ? spec->rootfs : "") >=
	    sizeof(path))
		return herr(err, ENAMETOOLONG, "resolv.conf of %s", spec->rootfs);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : herr(err, errno, "lstat %s", path);
	if (!S_ISLNK(st.st_mode))
		return 0;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return herr(err, errno, "readlink %s", path);
	target[n] = '\0';
	r = join_normalise(target, dst, len);
	if (r < 0)
		return herr(err, -r, "%s -> %s: cannot place resolv.conf there", path, target);
	return mnt_check_inside_path("resolv.conf", dst, err);
}

static int mkdir_state(const struct net_run *n, struct hutch_error *err)
{
	if (mkdir("/run/hutch", 0755) < 0 && errno != EEXIST)
		return herr(err, errno, "mkdir /run/hutch");
	if (mkdir(NET_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return herr(err, errno, "mkdir %s", NET_STATE_DIR);
	if (mkdir(n->state_dir, 0755) < 0 && errno != EEXIST)
		return herr(err, errno, "mkdir %s", n->state_dir);
	return 0;
}

static int write_resolv(struct net_run *n, const char *text, struct hutch_error *err)
{
	int fd, r;

	r = mkdir_state(n, err);
	if (r < 0)
		return r;
	/* A leftover of this slot (a crash) is ours to replace. */
	if (unlink(n->resolv_path) < 0 && errno != ENOENT)
		return herr(err, errno, "unlink %s", n->resolv_path);
	fd = open(n->resolv_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return herr(err, errno, "create %s", n->resolv_path);
	n->resolv_written = true;
	r = hu_write_all(fd, text, strlen(text));
	if (r == 0 && fchmod(fd, 0644) < 0) /* the umask must not hide it from the sandbox user */
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r < 0 ? herr(err, -r, "write %s", n->resolv_path) : 0;
}

/* ---- slots ---- */

static void slot_names(struct net_run *n, unsigned slot, const struct in_addr pool)
{
	uint32_t base = ntohl(pool.s_addr) + slot * 4u;

	n->slot = slot;
	snprintf(n->table, sizeof(n->table), NET_TABLE_PREFIX "%u", slot);
	snprintf(n->ifname, sizeof(n->ifname), NET_IF_PREFIX "%u", slot);
	snprintf(n->resolv_path, sizeof(n->resolv_path), "%s/resolv.%u.conf", n->state_dir, slot);
	n->gateway.s_addr = htonl(base + 1);
	n->sandbox.s_addr = htonl(base + 2);
}

static int route_socket(struct net_run *n, struct hutch_error *err)
{
	int r;

	if (n->sk)
		return 0;
	n->sk = nl_socket_alloc();
	if (!n->sk)
		return herr(err, ENOMEM, "netlink socket");
	r = nl_connect(n->sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(n->sk);
		n->sk = NULL;
		return nlerr(err, r, "connect", "rtnetlink");
	}
	return 0;
}

static int link_delete(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, name);
	r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	return r < 0 ? -nl_errno(r) : 0;
}

/* Is `name` one of hutch's interfaces ("hutch" + digits)? Its slot. */
static bool parse_slot(const char *name, const char *prefix, unsigned *ret)
{
	size_t pl = strlen(prefix);
	char *end;
	unsigned long v;

	if (strncmp(name, prefix, pl) != 0 || name[pl] < '0' || name[pl] > '9')
		return false;
	errno = 0;
	v = strtoul(name + pl, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return false;
	*ret = (unsigned)v;
	return true;
}

struct slot_set {
	unsigned *v;
	size_t n, cap;
};

static void slot_set_add(const char *name, void *arg)
{
	struct slot_set *s = arg;
	unsigned slot;

	if (!parse_slot(name, NET_TABLE_PREFIX, &slot))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		unsigned *v = reallocarray(s->v, cap, sizeof(*v));
		if (!v)
			return; /* a slot missing here is only not swept */
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = slot;
}

static bool slot_set_has(const struct slot_set *s, unsigned slot)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == slot)
			return true;
	return false;
}


/* Take slot `slot` (a table that only locks it), remove its interface and
 * file, give it back. A slot a live run holds cannot be taken: its things
 * are never touched. */
static void sweep_slot(struct net_run *n, unsigned slot, struct slot_set *live)
{
	char table[32], ifname[IFNAMSIZ], path[96];
	struct hutch_error e;

	if (slot == n->slot || slot_set_has(live, slot))
		return;
	snprintf(table, sizeof(table), NET_TABLE_PREFIX "%u", slot);
	snprintf(ifname, sizeof(ifname), NET_IF_PREFIX "%u", slot);
	snprintf(path, sizeof(path), "%s/resolv.%u.conf", n->state_dir, slot);
	if (nft_create_lock_table(n->nft_fd, table, &e) < 0)
		return; /* taken since the listing: a live run's */
	/* Best effort, all three: a failure leaves the leftover to the
	 * slot's next holder, which removes it before use. */
	(void)link_delete(n->sk, ifname);
	(void)unlink(path);
	(void)nft_delete_table(n->nft_fd, table, &e);
	slot_set_add(table, live); /* done: not again for the files */
}

/* Leftovers of crashed runs: interfaces hutchN and files resolv.N.conf of
 * slots no live run holds. A veth normally dies with its sandbox's
 * namespace and a table with its socket, so this rarely finds anything;
 * it is what makes "nothing left" hold whatever happened before. */
static void sweep_stale(struct net_run *n)
{
	struct slot_set live = { 0 };
	struct nl_cache *cache = NULL;
	struct hutch_error e;
	unsigned slot;
	DIR *d;

	if (nft_list_tables(n->nft_fd, NET_TABLE_PREFIX, slot_set_add, &live, &e) < 0)
		goto out; /* without the list of live slots, touch nothing */
	if (rtnl_link_alloc_cache(n->sk, AF_UNSPEC, &cache) == 0) {
		for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
			const char *name = rtnl_link_get_name((struct rtnl_link *)o);
			if (name && parse_slot(name, NET_IF_PREFIX, &slot))
				sweep_slot(n, slot, &live);
		}
		nl_cache_free(cache);
	}
	d = opendir(n->state_dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			char want[64];
			/* sscanf cannot report overflow: the snprintf round trip
			 * below rejects any name it misread */
			if (sscanf(de->d_name, "resolv.%u.conf", &slot) != 1) // NOLINT(cert-err34-c)
				continue;
			snprintf(want, sizeof(want), "resolv.%u.conf", slot);
			if (strcmp(want, de->d_name) == 0)
				sweep_slot(n, slot, &live);
		}
		closedir(d);
	}
out:
	free(live.v);
}

/* Turn IPv4 forwarding on for the run's interface. Replies from outside
 * arrive on the host's uplink and the kernel forwards a packet only when
 * forwarding is on for the interface it *arrived* on (IN_DEV_FORWARD in
 * ip_route_input_slow), so the uplinks need it too: hutch sets the global
 * net.ipv4.ip_forward when it is off, after installing the guard table
 * that keeps the host from forwarding anything else (docs/network.md). */
static int ensure_forwarding(struct net_run *n, struct hutch_error *err)
{
	char c = '0';
	int r = sysctl_read_char("net/ipv4/ip_forward", &c);

	if (r < 0)
		return herr(err, -r, "read /proc/sys/net/ipv4/ip_forward");
	if (c == '1')
		return 0;
	r = nft_ensure_guard(n->nft_fd, err);
	if (r < 0)
		return r;
	return sysctl_write("net/ipv4/ip_forward", "1", err);
}

int net_run_prepare(const struct hutch_spec *spec, struct net_run **ret, struct hutch_error *err)
{
	const struct hutch_net_options *o = &spec->net_opts;
	struct net_run *n;
	struct nft_run_rules *rr = NULL;
	struct in_addr pool;
	uint8_t prefix;
	unsigned nslots, start, i;
	char resolv[512];
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return herr(err, ENOMEM, "network");
	n->spec = spec;
	n->nft_fd = -1;
	{
		struct stat ns;

		if (stat("/proc/self/ns/net", &ns) < 0) {
			r = herr(err, errno, "stat /proc/self/ns/net");
			goto fail;
		}
		snprintf(n->state_dir, sizeof(n->state_dir), NET_STATE_DIR "/%llu",
			 (unsigned long long)ns.st_ino);
	}
	rr = calloc(1, sizeof(*rr));
	if (!rr) {
		r = herr(err, ENOMEM, "network");
		goto fail;
	}
	r = nlk_open(NETLINK_NETFILTER);
	if (r < 0) {
		r = herr(err, -r, "netlink socket (nftables)");
		goto fail;
	}
	n->nft_fd = r;
	r = route_socket(n, err);
	if (r < 0)
		goto fail;

	pool_of(o, &pool, &prefix);
	nslots = 1u << (NET_SLOT_PREFIX - prefix);
	/* Start anywhere: concurrent runs then rarely try the same slot. */
	start = (unsigned)(((uint64_t)getpid() * 2654435761u) ^ ((uint64_t)gettid() * 40503u) ^
			   hu_now_us()) % nslots;
	rr->opt = o;
	rr->pool = pool;
	rr->pool_prefix = prefix;
	for (i = 0; i < nslots && i < NET_MAX_CLAIMS; i++) {
		slot_names(n, (start + i) % nslots, pool);
		hu_strlcpy(rr->table, n->table, sizeof(rr->table));
		hu_strlcpy(rr->ifname, n->ifname, sizeof(rr->ifname));
		snprintf(rr->comment, sizeof(rr->comment), "hutch run: supervisor pid %d, thread %d",
			 (int)getpid(), (int)gettid());
		rr->sandbox = n->sandbox;
		rr->gateway = n->gateway;
		rr->has_dns_dnat = false;
		rr->n_dns_fwd = 0;
		plan_dns(o, rr, resolv, sizeof(resolv));
		r = nft_create_run_table(n->nft_fd, rr, err);
		if (r != -EEXIST)
			break;
	}
	if (r == -EEXIST || i == nslots || i == NET_MAX_CLAIMS) {
		r = herr(err, EADDRINUSE, "network: no free address in the pool (%u slots tried)", i);
		goto fail;
	}
	if (r < 0)
		goto fail;
	n->have_table = true;
	n->route_localnet = rr->has_dns_dnat || o->n_host_ports > 0;

	/* Ours now: whatever of this slot remains from a crash goes. */
	r = link_delete(n->sk, n->ifname);
	if (r < 0 && r != -ENODEV) {
		r = herr(err, -r, "remove stale interface %s", n->ifname);
		goto fail;
	}
	sweep_stale(n);
	r = ensure_forwarding(n, err);
	if (r < 0)
		goto fail;
	r = resolv_dst(spec, n->resolv_dst, sizeof(n->resolv_dst), err);
	if (r == 0)
		r = write_resolv(n, resolv, err);
	if (r < 0) {
		herr_prefix(err, "resolv.conf");
		goto fail;
	}

	/* The mount plan's spec: the caller's binds, then resolv.conf. */
	n->binds = calloc(spec->n_binds + 1, sizeof(*n->binds));
	if (!n->binds) {
		r = herr(err, ENOMEM, "network");
		goto fail;
	}
	if (spec->n_binds)
		memcpy(n->binds, spec->binds, spec->n_binds * sizeof(*n->binds));
	n->binds[spec->n_binds] = (struct hutch_bind){ .src = n->resolv_path, .dst = n->resolv_dst };
	n->mount_spec = *spec;
	n->mount_spec.binds = n->binds;
	n->mount_spec.n_binds = spec->n_binds + 1;
	free(rr);
	*ret = n;
	return 0;
fail:
	free(rr);
	net_run_destroy(n);
	return r;
}

const struct hutch_spec *net_run_mount_spec(const struct net_run *n)
{
	return &n->mount_spec;
}

void net_inside_plan(const struct hutch_spec *spec, const struct net_run *n, struct net_inside *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->lo_up = spec->net != HUTCH_NET_NONE;
	if (!n)
		return;
	ret->veth = true;
	ret->addr = n->sandbox;
	ret->gateway = n->gateway;
	ret->prefix = NET_SLOT_PREFIX;
}

/* The veth pair: host end n->ifname here, inside end NET_INSIDE_IFNAME
 * created directly in the network namespace of pid. */
static int veth_create(struct net_run *n, pid_t pid, struct hutch_error *err)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer;
	int r;

	if (!link)
		return herr(err, ENOMEM, "veth");
	peer = rtnl_link_veth_get_peer(link);
	if (!peer) {
		rtnl_link_put(link);
		return herr(err, ENOMEM, "veth peer");
	}
	rtnl_link_set_name(link, n->ifname);
	rtnl_link_set_name(peer, NET_INSIDE_IFNAME);
	rtnl_link_set_ns_pid(peer, pid);
	r = rtnl_link_add(n->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_put(link);
	if (r < 0)
		return nlerr(err, r, "create veth pair", n->ifname);
	return 0;
}

static int host_side_up(struct net_run *n, struct hutch_error *err)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	char path[96];
	int r, ifindex;

	/* Before it is up, so that it never gets an IPv6 link-local address
	 * (the sandbox has IPv4 only). No IPv6 in this kernel: nothing to do. */
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", n->ifname);
	r = sysctl_write(path, "1", err);
	if (r < 0 && r != -ENOENT)
		return r;
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/forwarding", n->ifname);
	r = sysctl_write(path, "1", err);
	if (r < 0)
		return r;
	if (n->route_localnet) {
		/* host_ports and a loopback resolver are DNATed to 127.0.0.1
		 * (or 127.0.0.53): routing to loopback addresses from this
		 * interface only; the input chain admits just those ports. */
		snprintf(path, sizeof(path), "net/ipv4/conf/%s/route_localnet", n->ifname);
		r = sysctl_write(path, "1", err);
		if (r < 0)
			return r;
	}

	r = rtnl_link_get_kernel(n->sk, 0, n->ifname, &link);
	if (r < 0)
		return nlerr(err, r, "look up", n->ifname);
	ifindex = rtnl_link_get_ifindex(link);
	addr = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &n->gateway, sizeof(n->gateway));
	change = rtnl_link_alloc();
	if (!addr || !local || !change) {
		r = herr(err, ENOMEM, "address of %s", n->ifname);
		goto out;
	}
	nl_addr_set_prefixlen(local, NET_SLOT_PREFIX);
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	r = rtnl_addr_add(n->sk, addr, 0);
	if (r < 0) {
		r = nlerr(err, r, "add address to", n->ifname);
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(n->sk, link, change, 0);
	if (r < 0)
		r = nlerr(err, r, "bring up", n->ifname);
out:
	if (change)
		rtnl_link_put(change);
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	rtnl_link_put(link);
	return r < 0 ? r : 0;
}

int net_run_attach(struct net_run *n, pid_t pid, struct hutch_error *err)
{
	int r = veth_create(n, pid, err);

	if (r == -EEXIST) {
		/* A sandbox of a crashed run whose namespace the kernel has
		 * not finished tearing down still holds the name: ours. */
		(void)link_delete(n->sk, n->ifname);
		r = veth_create(n, pid, err);
	}
	if (r == 0)
		r = host_side_up(n, err);
	if (r < 0)
		herr_prefix(err, "network");
	return r;
}

void net_run_ready(const struct net_run *n)
{
	const struct hutch_net_options *o = &n->spec->net_opts;
	struct hutch_net_info info = { .ifname = n->ifname, .address = n->sandbox,
				       .gateway = n->gateway };

	if (o->on_ready)
		o->on_ready(&info, o->on_ready_arg);
}

void net_run_destroy(struct net_run *n)
{
	struct hutch_error e;

	if (!n)
		return;
	/* Failures below are not reported: the run's verdict stands, and
	 * what could not be removed is the slot's next holder's to remove. */
	if (n->resolv_written)
		(void)unlink(n->resolv_path);
	/* The veth pair is not deleted here: it goes with the sandbox's
	 * network namespace, which the kernel tears down as soon as init is
	 * reaped (the caller reaps it before this). Deleting it ourselves
	 * would wait for that teardown, which holds the rtnl lock through RCU
	 * grace periods: about 18 ms per run on the development machines,
	 * for nothing. A pair that outlives its run (a namespace pinned by
	 * something else) is removed by the slot's next holder. */
	if (n->sk)
		nl_socket_free(n->sk);
	if (n->nft_fd >= 0) {
		if (n->have_table)
			(void)nft_delete_table(n->nft_fd, n->table, &e);
		close(n->nft_fd); /* an owned table not deleted above goes now */
	}
	free(n->binds);
	free(n);
}

/* ---- inside the sandbox: no allocation below this line ---- */

static void put_addr_gen_mode_none(struct nlb *b)
{
	size_t spec = nlb_nest(b, IFLA_AF_SPEC), in6 = nlb_nest(b, AF_INET6);

	nlb_put_u8(b, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	nlb_nest_end(b, in6);
	nlb_nest_end(b, spec);
}

static void link_up_msg(struct nlb *b, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = IFF_UP, .ifi_change = IFF_UP };

	nlb_msg(b, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi, sizeof(ifi));
	nlb_msg_end(b);
}

int net_inside_setup(const struct net_inside *cfg, struct hutch_error *err)
{
	static const char *const steps[] = { "bring lo up", "address " NET_INSIDE_IFNAME,
					     "bring " NET_INSIDE_IFNAME " up", "default route" };
	char buf[1024] __attribute__((aligned(4)));
	char ext[160];
	struct ifreq ifr;
	struct nlb b;
	uint32_t bad = 0, seq = 1;
	int fd, r, ifindex = 0;

	if (!cfg->lo_up && !cfg->veth)
		return 0;
	fd = nlk_open(NETLINK_ROUTE);
	if (fd < 0)
		return herr(err, -fd, "rtnetlink socket");
	if (cfg->veth) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, NET_INSIDE_IFNAME, sizeof(NET_INSIDE_IFNAME));
		if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
			r = herr(err, errno, "find " NET_INSIDE_IFNAME);
			goto out;
		}
		ifindex = ifr.ifr_ifindex;
		/* No IPv6 link-local address either (the host side has IPv6
		 * off). A kernel without IPv6 refuses: nothing to turn off. */
		nlb_init(&b, buf, sizeof(buf), seq);
		{
			struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
			nlb_msg(&b, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, &ifi, sizeof(ifi));
			put_addr_gen_mode_none(&b);
			nlb_msg_end(&b);
		}
		(void)nlk_talk(fd, &b, seq, NULL, NULL, 0);
		seq = b.seq + 1;
	}

	nlb_init(&b, buf, sizeof(buf), seq);
	link_up_msg(&b, 1); /* lo is ifindex 1 in every namespace */
	if (cfg->veth) {
		struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = cfg->prefix,
					 .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (uint32_t)ifindex };
		struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN,
				     .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE,
				     .rtm_type = RTN_UNICAST };
		uint32_t mask = cfg->prefix ? ~0u << (32 - cfg->prefix) : 0;
		struct in_addr bcast = { .s_addr = htonl(ntohl(cfg->addr.s_addr) | ~mask) };

		nlb_msg(&b, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa,
			sizeof(ifa));
		nlb_put(&b, IFA_LOCAL, &cfg->addr, 4);
		nlb_put(&b, IFA_ADDRESS, &cfg->addr, 4);
		nlb_put(&b, IFA_BROADCAST, &bcast, 4);
		nlb_msg_end(&b);
		link_up_msg(&b, ifindex);
		nlb_msg(&b, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &rtm,
			sizeof(rtm));
		nlb_put(&b, RTA_GATEWAY, &cfg->gateway, 4);
		nlb_put_u32(&b, RTA_OIF, (uint32_t)ifindex);
		nlb_msg_end(&b);
	}
	r = nlk_talk(fd, &b, seq, &bad, ext, sizeof(ext));
	if (r < 0) {
		uint32_t step = bad - seq;
		r = herr(err, -r, "network inside: %s%s%s",
			 step < ARRAY_SIZE(steps) ? steps[step] : "rtnetlink", ext[0] ? ": " : "", ext);
	}
out:
	close(fd);
	return r;
}
