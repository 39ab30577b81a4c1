/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the network module (sandbox/net*.c) and the text forms of
 * its options (runtime/netopts.c).
 *
 * Without privilege: the netlink message builder, spec validation, option
 * parsing. As root, in a network namespace of the test's own (nothing of
 * the host's network is seen or touched): nftables tables owned by their
 * socket (the slot lock; gone when the socket closes), the guard table,
 * the run's ruleset as nft(8) reads it back, and one whole egress run
 * side (prepare, attach to a process in a further namespace, the inside
 * set-up, traffic checks, destroy) with nothing left after it.
 */
#include "net-internal.h"
#include "netopts.h"
#include "profile.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netfilter/nfnetlink.h>

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

/* Output of a shell command (run in our namespaces), trailing newline cut. */
static char *sh(const char *cmd)
{
	static char out[16384];
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return strcpy(out, "(popen failed)");
	n = fread(out, 1, sizeof(out) - 1, p);
	pclose(p);
	out[n] = '\0';
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static void test_builder(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlb b;
	size_t nest;
	const struct nlmsghdr *h;
	const struct nlattr *a;

	nlb_init(&b, buf, sizeof(buf), 7);
	nlb_msg(&b, 42, NLM_F_REQUEST, "abcd", 4);
	nlb_put_str(&b, 1, "xyz");
	nest = nlb_nest(&b, 2);
	nlb_put_be32(&b, 3, 0x01020304);
	nlb_put_u8(&b, 4, 9);
	nlb_nest_end(&b, nest);
	nlb_msg_end(&b);
	h = (const void *)buf;
	is_int(b.seq, 7, "builder: first message gets the first sequence number");
	is_int(h->nlmsg_len, b.len, "builder: message length covers everything");
	is_int(b.len % 4, 0, "builder: 4-byte aligned");
	a = (const void *)(buf + NLMSG_HDRLEN + 4);
	is_int(a->nla_len, NLA_HDRLEN + 4, "builder: string attribute carries its NUL");
	a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	ok(a->nla_type == (2 | NLA_F_NESTED) && a->nla_len == NLA_HDRLEN + 8 + 8,
	   "builder: nest length covers its attributes (got %u)", a->nla_len);
	ok(memcmp((const char *)a + 2 * NLA_HDRLEN, "\x01\x02\x03\x04", 4) == 0,
	   "builder: be32 is in network order");
	ok(!b.overflow, "builder: no overflow");

	nlb_init(&b, buf, 32, 1);
	nlb_msg(&b, 42, NLM_F_REQUEST, NULL, 0);
	nlb_put(&b, 1, buf + 64, 100);
	ok(b.overflow, "builder: an attribute that does not fit marks the buffer");
	is_int(nlk_talk(-1, &b, 1, NULL, NULL, 0), -E2BIG, "builder: an overflowed buffer is never sent");
}

static void test_check_spec(void)
{
	struct hutch_spec s;
	struct hutch_error e;
	struct hutch_net_dest d = { .addr = ip("198.18.0.0"), .prefix = 15, .port = 443 };
	uint16_t ports[] = { 8080 }, zero[] = { 0 };

	hutch_spec_init(&s);
	s.net = HUTCH_NET_EGRESS;
	is_int(net_check_spec(&s, &e), 0, "check: egress with defaults");
	s.net_opts.allow = &d;
	s.net_opts.n_allow = 1;
	s.net_opts.allow_only = true;
	is_int(net_check_spec(&s, &e), 0, "check: an allowlist");
	d.addr = ip("198.18.0.1");
	is_int(net_check_spec(&s, &e), -EINVAL, "check: allowlist entry with host bits refused");
	d.addr = ip("198.18.0.0");
	s.net_opts.pool = ip("10.99.0.0");
	s.net_opts.pool_prefix = 30;
	is_int(net_check_spec(&s, &e), -EINVAL, "check: a pool too small for one run refused");
	s.net_opts.pool_prefix = 16;
	is_int(net_check_spec(&s, &e), 0, "check: a pool of one's own");
	s.net_opts.pool = ip("10.99.1.0");
	is_int(net_check_spec(&s, &e), -EINVAL, "check: a pool with host bits refused");
	s.net_opts.pool_prefix = 0;
	s.net_opts.publish = ports;
	s.net_opts.n_publish = 1;
	is_int(net_check_spec(&s, &e), -EINVAL, "check: published ports need mode publish");
	s.net = HUTCH_NET_PUBLISH;
	is_int(net_check_spec(&s, &e), 0, "check: publish 8080");
	s.net_opts.publish = zero;
	is_int(net_check_spec(&s, &e), -EINVAL, "check: port 0 refused");
	s.net_opts.n_publish = HUTCH_NET_MAX_PORTS + 1;
	is_int(net_check_spec(&s, &e), -E2BIG, "check: too many ports refused");
	s.net = HUTCH_NET_NONE;
	is_int(net_check_spec(&s, &e), 0, "check: none ignores the options");
}

static void test_netopts(void)
{
	struct hutch_net_dest d, outer;
	char buf[64];
	struct in_addr a;
	uint8_t p;
	uint16_t port;

	is_int(netopt_parse_dest("198.18.0.0/15:443", &d), 0, "parse: CIDR and port");
	netopt_format_dest(&d, buf, sizeof(buf));
	is_str(buf, "198.18.0.0/15:443", "parse: round trip");
	is_int(netopt_parse_dest("203.0.113.7", &d), 0, "parse: a bare address");
	ok(d.prefix == 32 && d.port == 0, "parse: a bare address is /32, any port");
	is_int(netopt_parse_dest("10.1.2.3/8", &d), -EINVAL, "parse: host bits set refused");
	is_int(netopt_parse_dest("10.0.0.0/33", &d), -EINVAL, "parse: prefix 33 refused");
	is_int(netopt_parse_dest("10.0.0.0/8:0", &d), -EINVAL, "parse: port 0 refused");
	is_int(netopt_parse_dest("10.0.0.0/8:65536", &d), -EINVAL, "parse: port 65536 refused");
	is_int(netopt_parse_dest("10.0.0.0/8:+80", &d), -EINVAL, "parse: signs refused");
	is_int(netopt_parse_dest("example.com:80", &d), -EINVAL, "parse: names refused");
	is_int(netopt_parse_cidr("0.0.0.0/0", &a, &p), 0, "parse: 0.0.0.0/0");
	is_int(netopt_parse_port("8080", &port), 0, "parse: a port");
	is_int(netopt_parse_port("08080x", &port), -EINVAL, "parse: junk after a port refused");

	netopt_parse_dest("198.18.0.0/15", &outer);
	netopt_parse_dest("198.19.1.0/24:80", &d);
	ok(netopt_dest_covers(&outer, &d), "covers: a subnet and one port of an any-port network");
	ok(!netopt_dest_covers(&d, &outer), "covers: not the other way round");
	netopt_parse_dest("198.18.0.0/15:443", &outer);
	ok(!netopt_dest_covers(&outer, &d), "covers: another port is not covered");
	netopt_parse_dest("198.20.0.0/24", &d);
	ok(!netopt_dest_covers(&outer, &d), "covers: another network is not covered");
}

/* Profile keys of "network" and their way into the spec (spec_build, the
 * path hutchd takes, and netopt_apply). */
static int load_text(const char *text, const char *name, const char *dir, struct profile **p,
		     struct hutch_error *e)
{
	return profile_load_text(text, strlen(text), name, dir, p, e);
}

static void test_profile(void)
{
	char dir[] = "/tmp/hutch-test-net.XXXXXX", path[256];
	const char *parent = "{\"network\": {\"mode\": \"egress\", \"allowed\": [\"none\", \"egress\", \"publish\"],"
			     " \"allow\": [\"198.18.0.0/15\"], \"host_ports\": [4873, 5000], \"publish\": [8080]}}";
	struct profile *p = NULL;
	struct hutch_spec spec;
	struct spec_parts parts;
	struct hutch_error e = { 0 };
	FILE *f;
	int r;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/netparent.json", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(parent, f);
	fclose(f);

	r = profile_load(path, dir, &p, &e);
	if (is_int(r, 0, "profile: network keys load (%s)", e.msg)) {
		hutch_spec_init(&spec);
		r = spec_build(p, NULL, NULL, &parts, &spec, &e);
		is_int(r, 0, "profile: spec built (%s)", e.msg);
		ok(spec.net == HUTCH_NET_EGRESS && spec.net_opts.allow_only && spec.net_opts.n_allow == 1 &&
			   spec.net_opts.n_host_ports == 2,
		   "profile: allowlist and host ports reach the spec");
		is_int(spec.net_opts.n_publish, 0, "profile: published ports only in publish mode");
		spec_parts_free(&parts);
		profile_free(p);
	}
	p = NULL;
	r = load_text("{\"extends\": \"netparent\", \"network\": {\"allow\": [\"198.19.4.0/24:443\"], "
			      "\"host_ports\": [4873]}}", "narrow.json", dir, &p, &e);
	is_int(r, 0, "profile: a child may narrow the allowlist and host ports (%s)", e.msg);
	profile_free(p);
	p = NULL;
	r = load_text("{\"extends\": \"netparent\", \"network\": {\"allow\": [\"0.0.0.0/0\"]}}", "wide.json", dir, &p, &e);
	ok(r < 0 && strstr(e.msg, "outside the parent's allowlist"), "profile: a child may not widen it (%s)", e.msg);
	profile_free(p);
	p = NULL;
	r = load_text("{\"extends\": \"netparent\", \"network\": {\"host_ports\": [22]}}", "port.json", dir, &p, &e);
	ok(r < 0 && strstr(e.msg, "port 22 is not"), "profile: nor add a host port (%s)", e.msg);
	profile_free(p);
	p = NULL;
	r = load_text("{\"extends\": \"netparent\", \"network\": {\"dns\": [\"203.0.113.1\"]}}", "dns.json", dir, &p, &e);
	ok(r < 0 && strstr(e.msg, "network.dns"), "profile: nor pick resolvers under an allowlist (%s)", e.msg);
	profile_free(p);
	unlink(path);
	rmdir(dir);
}

static int list_count;
static void count_table(const char *name, void *arg)
{
	if (strcmp(name, (const char *)arg) == 0)
		list_count++;
}

static int table_listed(int fd, const char *name)
{
	struct hutch_error e;

	list_count = 0;
	if (nft_list_tables(fd, NET_TABLE_PREFIX, count_table, (void *)name, &e) < 0)
		return -1;
	return list_count;
}

static void test_nft(void)
{
	struct hutch_net_dest allow = { .addr = ip("198.18.0.0"), .prefix = 15, .port = 443 };
	uint16_t host_ports[] = { 5000 }, publish[] = { 8080 };
	struct hutch_net_options o = { .allow = &allow, .n_allow = 1, .allow_only = true,
				       .host_ports = host_ports, .n_host_ports = 1,
				       .publish = publish, .n_publish = 1 };
	struct nft_run_rules rr = { .table = "hutch_7", .ifname = "hutch7", .comment = "unit test",
				    .sandbox = ip("10.213.0.30"), .gateway = ip("10.213.0.29"),
				    .pool = ip("10.213.0.0"), .pool_prefix = 16, .opt = &o,
				    .dns_dnat = ip("127.0.0.53"), .has_dns_dnat = true };
	struct hutch_error e = { 0 };
	int a = nlk_open(NETLINK_NETFILTER), b = nlk_open(NETLINK_NETFILTER);
	char *out;

	ok(a >= 0 && b >= 0, "nft: two netlink sockets");
	is_int(nft_create_run_table(a, &rr, &e), 0, "nft: run table created (%s)", e.msg);
	is_int(table_listed(b, "hutch_7"), 1, "nft: listed");
	is_int(nft_create_run_table(b, &rr, &e), -EEXIST, "nft: a second creator gets EEXIST (the slot is taken)");
	is_int(nft_create_lock_table(b, "hutch_7", &e), -EEXIST, "nft: a lock table of the same slot too");

	out = sh("nft list table inet hutch_7");
	ok(strstr(out, "flags owner") != NULL, "nft: owned by its socket");
	ok(strstr(out, "oifname != \"hutch7\" ip saddr 10.213.0.30 masquerade") != NULL, "nft: masquerade of the sandbox's address");
	ok(strstr(out, "iifname \"hutch7\" ip daddr 10.213.0.29 tcp dport 5000 dnat ip to 127.0.0.1") != NULL,
	   "nft: host port DNATed to loopback");
	ok(strstr(out, "iifname \"hutch7\" ip daddr 10.213.0.29 udp dport 53 dnat ip to 127.0.0.53") != NULL,
	   "nft: loopback resolver DNATed");
	ok(strstr(out, "ct original ip daddr 10.213.0.29 tcp dport 5000 accept") != NULL,
	   "nft: input admits the host port by its original address");
	ok(strstr(out, "iifname \"hutch7\" ip daddr 10.213.0.0/16 reject with icmpx admin-prohibited") != NULL,
	   "nft: other sandboxes refused");
	ok(strstr(out, "iifname \"hutch7\" ip daddr 198.18.0.0/15 tcp dport 443 accept") != NULL &&
		   strstr(out, "iifname \"hutch7\" ip daddr 198.18.0.0/15 udp dport 443 accept") != NULL,
	   "nft: allowlist entry, TCP and UDP");
	ok(strstr(out, "oifname \"hutch7\" tcp dport 8080 accept") != NULL, "nft: published port admitted from the host");
	ok(strstr(out, "oifname \"hutch7\" drop") != NULL, "nft: nothing new forwarded into the sandbox");
	if (tap_failed)
		printf("# nft list table inet hutch_7:\n# %s\n", out);

	close(a);
	is_int(table_listed(b, "hutch_7"), 0, "nft: closing the owner socket deletes the table");
	is_int(nft_create_lock_table(b, "hutch_7", &e), 0, "nft: the slot is free again");
	is_int(nft_delete_table(b, "hutch_7", &e), 0, "nft: deleted by its owner");
	is_int(table_listed(b, "hutch_7"), 0, "nft: gone");

	is_int(nft_ensure_guard(b, &e), 0, "guard: created (%s)", e.msg);
	is_int(nft_ensure_guard(b, &e), 0, "guard: a second call is fine");
	is_str(sh("nft list chain inet hutch_guard forward | grep -cE '^\\s+(iifname|oifname|drop)'"), "3",
	       "guard: still three rules, not six");
	close(b);
	is_str(sh("nft list table inet hutch_guard >/dev/null 2>&1 && echo present"), "present",
	       "guard: outlives the socket (it guards a sysctl that does too)");
	sh("nft delete table inet hutch_guard");
}

/* A child in a network namespace of its own: the "sandbox". It waits for a
 * byte on `go`, sets its side up, runs the checks, reports one line. */
static void sandbox_child(int go, int report, const struct net_inside *in)
{
	struct hutch_error e = { 0 };
	char c, line[512];
	int r;

	if (read(go, &c, 1) != 1)
		_exit(1);
	r = net_inside_setup(in, &e);
	{
		/* sh() returns one static buffer: one call per line */
		bool addr = strstr(sh("ip -o -4 addr show dev eth0"), "10.213.") != NULL;
		bool route = strstr(sh("ip route"), "default via") != NULL;
		bool lo = strstr(sh("ip -o link show lo"), "LOWER_UP") != NULL;
		char gw[64];

		hu_strlcpy(gw, sh("gw=$(ip route | awk '/^default/ {print $3}'); "
				  "timeout 3 bash -c \"exec 3<>/dev/tcp/$gw/22\" 2>&1 | "
				  "grep -q refused && echo refused || echo other"),
			   sizeof(gw));
		snprintf(line, sizeof(line), "setup=%d addr=%s route=%s gw=%s lo=%s", r, addr ? "yes" : "no",
			 route ? "yes" : "no", gw, lo ? "up" : "down");
	}
	if (write(report, line, strlen(line) + 1) < 0)
		_exit(1);
	if (read(go, &c, 1) < 0) /* wait until the parent is done */
		_exit(1);
	_exit(0);
}

static void test_run(void)
{
	struct hutch_spec s;
	struct hutch_net_dest allow = { .addr = ip("198.18.0.0"), .prefix = 15 };
	struct in_addr dns[] = { ip("127.0.0.53") };
	struct net_run *n = NULL;
	struct net_inside in;
	struct hutch_error e = { 0 };
	int go[2], rep[2], r;
	char line[512] = "";
	pid_t pid;

	hutch_spec_init(&s);
	s.net = HUTCH_NET_EGRESS;
	s.net_opts.allow = &allow;
	s.net_opts.n_allow = 1;
	s.net_opts.allow_only = true;
	s.net_opts.dns = dns;
	s.net_opts.n_dns = 1;

	/* A new namespace inherits the host's ip_forward: start from off, as
	 * on a host that never ran hutch. */
	sh("echo 0 > /proc/sys/net/ipv4/ip_forward");
	r = net_run_prepare(&s, &n, &e);
	if (!is_int(r, 0, "run: prepare (%s)", e.msg))
		return;
	is_str(sh("cat /proc/sys/net/ipv4/ip_forward"), "1", "run: forwarding on (in this test's namespace)");
	ok(strstr(sh("nft list tables"), "hutch_guard") != NULL, "run: with the guard table");
	{
		const struct hutch_spec *ms = net_run_mount_spec(n);
		ok(ms->n_binds == 1 && strcmp(ms->binds[0].dst, "/etc/resolv.conf") == 0,
		   "run: resolv.conf joins the binds");
		snprintf(line, sizeof(line), "cat %s", ms->binds[0].src);
		ok(strstr(sh(line), "nameserver 10.213.") != NULL,
		   "run: a loopback resolver is named by the gateway's address");
	}
	net_inside_plan(&s, n, &in);
	ok(in.veth && in.lo_up && in.prefix == 30, "run: inside plan");

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(rep[1], "U", 1) != 1)
			_exit(1);
		sandbox_child(go[0], rep[1], &in);
	}
	if (read(rep[0], line, 1) != 1)
		abort();
	r = net_run_attach(n, pid, &e);
	is_int(r, 0, "run: attach (%s)", e.msg);
	if (write(go[1], "G", 1) != 1 || read(rep[0], line, sizeof(line)) <= 0)
		strcpy(line, "(no report)");
	is_str(line, "setup=0 addr=yes route=yes gw=refused lo=up",
	       "run: inside configured; the host itself refuses the sandbox");
	ok(strstr(sh("ip -o -4 addr"), "10.213.") != NULL, "run: host side addressed");

	net_run_destroy(n);
	if (write(go[1], "E", 1) != 1)
		abort();
	waitpid(pid, NULL, 0);
	/* the pair goes with the child's namespace, torn down asynchronously */
	for (int i = 0; i < 50 && strcmp(sh("ip -o link | grep -c ' hutch[0-9]'"), "0") != 0; i++)
		usleep(100000);
	is_str(sh("ip -o link | grep -c ' hutch[0-9]'"), "0", "run: no interface left");
	is_str(sh("nft list tables | grep -c 'hutch_[0-9]'"), "0", "run: no table left");
	is_str(sh("ip -o -4 addr | grep -c '10\\.213\\.'"), "0", "run: no address left");
	is_str(sh("ls /run/hutch/net/$(stat -L -c %i /proc/self/ns/net) | wc -l"), "0", "run: no file left");
	sh("rmdir /run/hutch/net/$(stat -L -c %i /proc/self/ns/net)");
	close(go[0]);
	close(go[1]);
	close(rep[0]);
	close(rep[1]);
}

int main(void)
{
	test_builder();
	test_check_spec();
	test_netopts();
	test_profile();
	if (geteuid() != 0) {
		tap_skip("nftables and interfaces need root");
		return done_testing();
	}
	if (unshare(CLONE_NEWNET) < 0) {
		tap_skip("no network namespace");
		return done_testing();
	}
	if (system("ip link set lo up") != 0 || system("nft list tables >/dev/null 2>&1") != 0) {
		tap_skip("ip(8) and nft(8) are needed to check from outside");
		return done_testing();
	}
	test_nft();
	test_run();
	return done_testing();
}
