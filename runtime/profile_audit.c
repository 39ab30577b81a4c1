/* SPDX-License-Identifier: MIT */
/*
 * `hutch profile audit NAME`: prove what a profile holds by trying it. Each
 * case runs the probe program (tests/helpers/probe.c, installed as
 * hutch-probe) in a fresh sandbox made from the profile exactly as `hutch
 * run` makes it, tries one escape or abuse, and compares what happened
 * with what the profile says should happen:
 *
 *   expected "denied"   the profile forbids it (a seccomp rule, a limit, a
 *                       read-only or hidden path, its network mode) or
 *                       hutch never allows it (host files, root, raw
 *                       sockets, the host's loopback);
 *   expected "allowed"  the profile promises it (the work directory is
 *                       writable, exec from it with workdir_exec, outbound
 *                       connections in egress mode);
 *   "-"                 the profile takes no position (a syscall its policy
 *                       lets through may still be refused by the kernel),
 *                       or a limit is unlimited and the probe is not run.
 *
 * A case whose outcome contradicts the expectation is a MISMATCH and the
 * command exits 1. Expectations come from the resolved profile, read the
 * way an admin reads it: a policy that denies @namespaces means "no new
 * namespaces", and the probe tries every road to one (unshare, clone,
 * clone3), so a policy that forgot clone's flags is caught.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "policy.h"
#include "profile.h"
#include "prun.h"
#include "units.h"
#include "util.h"

#define PROBE_IN "/.hutch-probe" /* where the probe is bound inside */
#define AUD_ARGS 24
#define OUTSIDE_ADDR "1.1.1.1" /* an address on the internet, for "connect out" */
#define OUTSIDE_PORT_NUM 443
#define OUTSIDE_PORT "443"

enum want { WANT_DENIED, WANT_ALLOWED, WANT_ANY };
enum got { GOT_DENIED, GOT_ALLOWED, GOT_UNCLEAR, GOT_SKIPPED };

struct audit {
	const struct profile *p;
	struct prun_ctx ctx;
	const char *probe;
	char workdir[64];
	char token[32];
	char image_root[4096]; /* host path of the sandbox's root filesystem */
	int loopback_port;     /* a listener on the host's 127.0.0.1 */
	bool quick;
	bool verbose;
	int mismatches;
};

/* One case's run: the probe's arguments, then what came of it. */
struct run {
	char *argv[AUD_ARGS];
	char store[AUD_ARGS][256];
	size_t argc;
	char want_why[160];
	char detail[200];
	const char *out;
	const struct hutch_result *res;
};

struct acase {
	const char *what;
	bool slow;
	const char *arg; /* the case's parameter (a syscall name, a limit key) */
	enum want (*plan)(struct audit *a, struct run *r, const char *arg);
	enum got (*judge)(struct audit *a, struct run *r, const char *arg);
};

__attribute__((format(printf, 2, 3))) static void add(struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->argc >= AUD_ARGS - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(r->store[r->argc], sizeof(r->store[0]), fmt, ap);
	va_end(ap);
	r->argv[r->argc] = r->store[r->argc];
	r->argc++;
	r->argv[r->argc] = NULL;
}

__attribute__((format(printf, 2, 3))) static void why(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, 160, fmt, ap);
	va_end(ap);
}

/* What the probe printed after "LABEL: " (first such line), or NULL. */
static const char *pline(const struct run *r, const char *label, char *buf, size_t len)
{
	size_t ll = strlen(label);

	for (const char *l = r->out; l && *l;) {
		const char *e = strchrnul(l, '\n');
		if ((size_t)(e - l) > ll + 1 && strncmp(l, label, ll) == 0 && l[ll] == ':' && l[ll + 1] == ' ') {
			size_t n = (size_t)(e - l) - ll - 2;
			if (n >= len)
				n = len - 1;
			memcpy(buf, l + ll + 2, n);
			buf[n] = '\0';
			return buf;
		}
		l = *e ? e + 1 : e;
	}
	return NULL;
}

/* The number after "key=" in text (the probe's "count=N", "bytes=N"). */
static bool num_after(const char *text, const char *key, unsigned long *ret)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p)
		return false;
	errno = 0;
	*ret = strtoul(p + strlen(key), &end, 10);
	return errno == 0 && end != p + strlen(key);
}

/* The sandbox killed the probe for a syscall (seccomp kill rule). */
static bool killed_by_seccomp(const struct run *r)
{
	return r->res->seccomp_syscall >= 0 || r->res->signal == SIGSYS;
}

/* A plain "LABEL: ok|errno E" verdict: allowed, denied, or killed. */
static enum got judge_line(struct run *r, const char *label)
{
	char v[160];

	if (!pline(r, label, v, sizeof(v))) {
		if (killed_by_seccomp(r)) {
			snprintf(r->detail, sizeof(r->detail), "killed (%.180s)", r->res->message);
			return GOT_DENIED;
		}
		snprintf(r->detail, sizeof(r->detail), "no answer (%s)", hutch_status_name(r->res->status));
		return GOT_UNCLEAR;
	}
	if (strncmp(v, "ok", 2) == 0) {
		snprintf(r->detail, sizeof(r->detail), "succeeded");
		return GOT_ALLOWED;
	}
	snprintf(r->detail, sizeof(r->detail), "%s", v);
	return strncmp(v, "errno ", 6) == 0 ? GOT_DENIED : GOT_UNCLEAR;
}

/* ------------------------------------------------------ file system */

static enum want plan_root_write(struct audit *a, struct run *r, const char *dir)
{
	add(r, "create");
	add(r, "%s/.hutch-audit-%s", dir, a->token);
	why(r->want_why, "the root is read-only or private to the run");
	return WANT_DENIED;
}

static enum got judge_root_write(struct audit *a, struct run *r, const char *dir)
{
	char host[4200], label[300];
	enum got g;

	snprintf(host, sizeof(host), "%s%s/.hutch-audit-%s", a->image_root, dir, a->token);
	if (access(host, F_OK) == 0) {
		(void)unlink(host); /* the audit's own marker; report comes next */
		snprintf(r->detail, sizeof(r->detail), "the file appeared on the host at %.160s", host);
		return GOT_ALLOWED;
	}
	snprintf(label, sizeof(label), "create %s/.hutch-audit-%s", dir, a->token);
	g = judge_line(r, label);
	if (g == GOT_ALLOWED)
		snprintf(r->detail, sizeof(r->detail), "written to the run's private layer only");
	return GOT_DENIED;
}

static enum want plan_workdir_write(struct audit *a, struct run *r, const char *arg)
{
	add(r, "create");
	add(r, "/box/.hutch-audit-%s", a->token);
	why(r->want_why, "/box is the run's work directory");
	return WANT_ALLOWED;
}

static enum got judge_workdir_write(struct audit *a, struct run *r, const char *arg)
{
	char label[300];

	snprintf(label, sizeof(label), "create /box/.hutch-audit-%s", a->token);
	return judge_line(r, label);
}

static enum want plan_exec(struct audit *a, struct run *r, const char *arg)
{
	add(r, "exec-written");
	add(r, "/box");
	why(r->want_why, "rootfs.workdir_exec is %s", a->p->workdir_exec ? "true" : "false");
	return a->p->workdir_exec ? WANT_ALLOWED : WANT_DENIED;
}

static enum got judge_exec(struct audit *a, struct run *r, const char *arg)
{
	char v[160];

	if (pline(r, "exec-written /box", v, sizeof(v)) && strncmp(v, "ran", 3) == 0) {
		snprintf(r->detail, sizeof(r->detail), "the copied program ran");
		return GOT_ALLOWED;
	}
	return judge_line(r, "exec-written /box");
}

/* One per profile bind: arg is the index as text. */
static enum want plan_bind(struct audit *a, struct run *r, const char *arg)
{
	const struct hutch_bind *b = &a->p->binds[strtoul(arg, NULL, 10)];
	struct stat st;

	if (stat(b->src, &st) < 0) {
		why(r->want_why, "%s is missing on this host", b->src);
		return WANT_ANY;
	}
	if (S_ISDIR(st.st_mode)) {
		add(r, "create");
		add(r, "%s/.hutch-audit-%s", b->dst, a->token);
	} else {
		add(r, "open-write"); /* never writes a byte into an admin's file */
		add(r, "%s", b->dst);
	}
	why(r->want_why, "the bind is %s", b->flags & HUTCH_BIND_RW ? "read-write" : "read-only");
	return b->flags & HUTCH_BIND_RW ? WANT_ALLOWED : WANT_DENIED;
}

static enum got judge_bind(struct audit *a, struct run *r, const char *arg)
{
	const struct hutch_bind *b = &a->p->binds[strtoul(arg, NULL, 10)];
	char host[4200], label[4300];

	if (r->argc < 3)
		return GOT_SKIPPED;
	snprintf(host, sizeof(host), "%s/.hutch-audit-%s", b->src, a->token);
	(void)unlink(host); /* the audit's marker, if it got there */
	snprintf(label, sizeof(label), "%s %s", r->argv[1], r->argv[2]);
	return judge_line(r, label);
}

static enum want plan_read_secret(struct audit *a, struct run *r, const char *arg)
{
	add(r, "read");
	add(r, "/etc/shadow");
	add(r, "/etc/gshadow");
	for (size_t i = 0; a->p->masked && a->p->masked[i]; i++)
		add(r, "%s", a->p->masked[i]);
	why(r->want_why, "/etc/shadow and rootfs.masked are hidden, root-only on the host");
	return WANT_DENIED;
}

static enum got judge_read_secret(struct audit *a, struct run *r, const char *arg)
{
	bool leaked = false;

	r->detail[0] = '\0';
	for (size_t i = 2; i < r->argc; i++) {
		char label[300], v[160];
		unsigned long n = 0;

		snprintf(label, sizeof(label), "read %s", r->argv[i]);
		if (!pline(r, label, v, sizeof(v)))
			continue;
		if ((num_after(v, "bytes=", &n) || num_after(v, "entries=", &n)) && n > 0) {
			leaked = true;
			snprintf(r->detail, sizeof(r->detail), "%s: %s", r->argv[i], v);
			break;
		}
	}
	if (!leaked)
		snprintf(r->detail, sizeof(r->detail), "nothing readable");
	return leaked ? GOT_ALLOWED : GOT_DENIED;
}

static enum want plan_simple(struct audit *a, struct run *r, const char *arg)
{
	/* arg: "probe-args|why" */
	char buf[256];
	const char *bar = strchr(arg, '|');
	char *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%.*s", (int)(bar - arg), arg);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		add(r, "%s", tok);
	why(r->want_why, "%s", bar + 1);
	return WANT_DENIED;
}

static enum got judge_procs(struct audit *a, struct run *r, const char *arg)
{
	char v[4096];
	unsigned long count = 0;

	if (!pline(r, "proc-pids", v, sizeof(v)) || !num_after(v, "count=", &count))
		return judge_line(r, "proc-pids");
	snprintf(r->detail, sizeof(r->detail), "%lu visible: %.120s", count, strchr(v, ' ') ? strchr(v, ' ') + 1 : "");
	return count > 3 ? GOT_ALLOWED : GOT_DENIED;
}

static enum got judge_root(struct audit *a, struct run *r, const char *arg)
{
	return judge_line(r, "setresuid 0");
}

static enum got judge_caps(struct audit *a, struct run *r, const char *arg)
{
	char v[300], eff[32] = "", prm[32] = "";
	const char *e, *p;

	if (!pline(r, "caps", v, sizeof(v)))
		return judge_line(r, "caps");
	e = strstr(v, "eff=");
	p = strstr(v, "prm=");
	if (e)
		sscanf(e, "eff=%31s", eff);
	if (p)
		sscanf(p, "prm=%31s", prm);
	snprintf(r->detail, sizeof(r->detail), "effective %s, permitted %s", eff, prm);
	return strspn(eff, "0") == strlen(eff) && strspn(prm, "0") == strlen(prm) && eff[0] ? GOT_DENIED
											   : GOT_ALLOWED;
}

/* ------------------------------------------------------- system calls */

static enum want want_policy(struct audit *a, struct run *r, const char *const *syscalls)
{
	const struct hutch_sc_policy *pol = &a->p->seccomp;

	if (!a->p->seccomp_enabled) {
		why(r->want_why, "no seccomp filter: left to the kernel");
		return WANT_ANY;
	}
	for (; *syscalls; syscalls++)
		if (!pol_denies(pol, *syscalls)) {
			why(r->want_why, "the policy lets %s through", *syscalls);
			return WANT_ANY;
		}
	why(r->want_why, "the seccomp policy denies it");
	return WANT_DENIED;
}

static enum want plan_namespaces(struct audit *a, struct run *r, const char *arg)
{
	static const char *const sc[] = { "unshare", NULL };

	add(r, "steps");
	add(r, "unshare");
	add(r, "user");
	add(r, "+");
	add(r, "clone-ns");
	add(r, "user");
	add(r, "+");
	add(r, "clone3");
	add(r, "user");
	return want_policy(a, r, sc);
}

static enum got judge_namespaces(struct audit *a, struct run *r, const char *arg)
{
	static const char *const labels[] = { "unshare user", "clone user", "clone3 user" };
	char v[160];

	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (pline(r, labels[i], v, sizeof(v)) && strncmp(v, "ok", 2) == 0) {
			snprintf(r->detail, sizeof(r->detail), "%s succeeded", labels[i]);
			return GOT_ALLOWED;
		}
	snprintf(r->detail, sizeof(r->detail), "unshare, clone and clone3 refused");
	return killed_by_seccomp(r) || pline(r, "unshare user", v, sizeof(v)) ? GOT_DENIED : GOT_UNCLEAR;
}

static enum want plan_mount(struct audit *a, struct run *r, const char *arg)
{
	static const char *const sc[] = { "mount", NULL };
	enum want w;

	add(r, "nested");
	w = want_policy(a, r, sc);
	if (w == WANT_ANY && a->p->seccomp_enabled && !pol_denies(&a->p->seccomp, "unshare"))
		return WANT_ANY;
	if (w == WANT_ANY && a->p->seccomp_enabled) {
		why(r->want_why, "no new user namespace, so no privilege to mount");
		return WANT_DENIED;
	}
	return w;
}

static enum got judge_mount(struct audit *a, struct run *r, const char *arg)
{
	char v[160];

	if (pline(r, "nested mount-tmpfs", v, sizeof(v)) && strncmp(v, "ok", 2) == 0) {
		snprintf(r->detail, sizeof(r->detail), "mounted a tmpfs as root of a new user namespace");
		return GOT_ALLOWED;
	}
	if (pline(r, "nested mount-tmpfs", v, sizeof(v)))
		snprintf(r->detail, sizeof(r->detail), "mount: %s", v);
	else
		return judge_line(r, "nested unshare");
	return GOT_DENIED;
}

static enum want plan_ptrace(struct audit *a, struct run *r, const char *arg)
{
	static const char *const sc[] = { "ptrace", "process_vm_readv", NULL };

	add(r, "ptrace");
	add(r, "child");
	return want_policy(a, r, sc);
}

static enum got judge_ptrace(struct audit *a, struct run *r, const char *arg)
{
	char v[160];

	if (pline(r, "process_vm_readv child", v, sizeof(v)) &&
	    (strncmp(v, "ok", 2) == 0 || strcmp(v, "errno EFAULT") == 0)) {
		snprintf(r->detail, sizeof(r->detail), "read another process's memory");
		return GOT_ALLOWED;
	}
	return judge_line(r, "ptrace child");
}

/* arg: "probe-name syscall" for `probe sys NAME` */
static enum want plan_sys(struct audit *a, struct run *r, const char *arg)
{
	char probe_name[64], sc_name[64];
	const char *sc[2] = { sc_name, NULL };

	if (sscanf(arg, "%63s %63s", probe_name, sc_name) != 2)
		return WANT_ANY;
	add(r, "sys");
	add(r, "%s", probe_name);
	return want_policy(a, r, sc);
}

static enum got judge_sys(struct audit *a, struct run *r, const char *arg)
{
	char probe_name[64], label[80];

	if (sscanf(arg, "%63s", probe_name) != 1)
		return GOT_UNCLEAR;
	snprintf(label, sizeof(label), "sys %s", probe_name);
	return judge_line(r, label);
}

/* ----------------------------------------------------------- network */

static enum want plan_socket(struct audit *a, struct run *r, const char *arg)
{
	static const char *const sc[] = { "socket", NULL };
	enum want w;

	add(r, "socket");
	add(r, "inet");
	add(r, "stream");
	w = want_policy(a, r, sc);
	if (w == WANT_ANY && a->p->seccomp_enabled) {
		why(r->want_why, "the policy allows sockets");
		return WANT_ALLOWED;
	}
	return w;
}

static enum got judge_socket(struct audit *a, struct run *r, const char *arg)
{
	return judge_line(r, "socket inet/stream");
}

static enum got judge_raw(struct audit *a, struct run *r, const char *arg)
{
	return judge_line(r, "socket inet/raw/icmp");
}

static enum want plan_connect_out(struct audit *a, struct run *r, const char *arg)
{
	struct hutch_net_dest d = { .prefix = 32 };
	bool listed = !a->p->net_opts.allow_only;

	add(r, "connect-tcp");
	add(r, OUTSIDE_ADDR);
	add(r, OUTSIDE_PORT);
	if (a->p->net != HUTCH_NET_EGRESS && a->p->net != HUTCH_NET_PUBLISH) {
		why(r->want_why, "network mode %s", net_mode_name(a->p->net));
		return WANT_DENIED;
	}
	inet_pton(AF_INET, OUTSIDE_ADDR, &d.addr);
	for (size_t i = 0; !listed && i < a->p->net_opts.n_allow; i++) {
		const struct hutch_net_dest *x = &a->p->net_opts.allow[i];
		uint32_t m = x->prefix ? htonl(~0u << (32 - x->prefix)) : 0;
		listed = (d.addr.s_addr & m) == x->addr.s_addr && (!x->port || x->port == OUTSIDE_PORT_NUM);
	}
	why(r->want_why, "network mode %s%s", net_mode_name(a->p->net),
	    listed ? "" : ", " OUTSIDE_ADDR " not in network.allow");
	return listed ? WANT_ALLOWED : WANT_DENIED;
}

static enum got judge_connect(struct audit *a, struct run *r, const char *arg)
{
	char label[80], v[160];

	snprintf(label, sizeof(label), "connect-tcp %s:%s", r->argv[2], r->argv[3]);
	if (!pline(r, label, v, sizeof(v)))
		return judge_line(r, label);
	snprintf(r->detail, sizeof(r->detail), "%s", v);
	if (strncmp(v, "ok", 2) == 0 || strcmp(v, "errno ECONNREFUSED") == 0)
		return GOT_ALLOWED; /* an answer came back from the other side */
	if (strcmp(v, "timeout") == 0)
		return GOT_UNCLEAR;
	return GOT_DENIED;
}

static enum want plan_host_loopback(struct audit *a, struct run *r, const char *arg)
{
	if (a->loopback_port <= 0) {
		why(r->want_why, "could not open a listener on the host");
		return WANT_ANY;
	}
	add(r, "connect-tcp");
	add(r, "127.0.0.1");
	add(r, "%d", a->loopback_port);
	why(r->want_why, "the sandbox has its own network namespace");
	return WANT_DENIED;
}

static enum got judge_host_loopback(struct audit *a, struct run *r, const char *arg)
{
	enum got g;

	if (r->argc < 4)
		return GOT_SKIPPED;
	g = judge_connect(a, r, arg);
	/* ECONNREFUSED here is the sandbox's own loopback answering */
	if (g == GOT_ALLOWED && strncmp(r->detail, "ok", 2) != 0)
		return GOT_DENIED;
	return g;
}

/* -------------------------------------------------------------- limits */

static uint64_t mib_up(uint64_t bytes)
{
	return (bytes + (1u << 20) - 1) >> 20;
}

static enum want plan_limit(struct audit *a, struct run *r, const char *key)
{
	const struct profile *p = a->p;
	int id = -1;
	char v[32];

	for (int i = 0; i < LIM__MAX; i++)
		if (strcmp(limit_table[i].key, key) == 0)
			id = i;
	if (id < 0)
		return WANT_ANY;
	if (!p->def[id]) {
		why(r->want_why, "limits.%s is unlimited: not tried", key);
		return WANT_ANY;
	}
	if (limit_table[id].kind == LK_SIZE)
		hu_format_size(p->def[id], v, sizeof(v));
	else if (limit_table[id].kind == LK_TIME)
		hu_format_time(p->def[id], v, sizeof(v));
	else
		snprintf(v, sizeof(v), "%llu", (unsigned long long)p->def[id]);
	why(r->want_why, "limits.%s = %s", key, v);
	switch (id) {
	case LIM_PIDS:
		add(r, "forkbomb");
		add(r, "%llu", (unsigned long long)p->def[id] + 16);
		add(r, "2");
		break;
	case LIM_MEMORY:
		add(r, "heapbomb");
		add(r, "%llu", (unsigned long long)mib_up(p->def[id]) + 64);
		break;
	case LIM_TIME:
		add(r, "spin");
		add(r, "%llu", (unsigned long long)p->def[id] / 1000000 + 3);
		break;
	case LIM_WALL_TIME:
		add(r, "sleep");
		add(r, "%llu", (unsigned long long)p->def[id] / 1000000 + 3);
		break;
	case LIM_FSIZE:
		add(r, "fill");
		add(r, "/box/.hutch-audit-big");
		add(r, "%llu", (unsigned long long)mib_up(p->def[id]) + 2);
		break;
	case LIM_OUTPUT:
		add(r, "flood");
		add(r, "stdout");
		add(r, "%llu", (unsigned long long)mib_up(p->def[id]) + 2);
		break;
	case LIM_NOFILE:
		add(r, "nofile");
		add(r, "%llu", (unsigned long long)p->def[id] + 16);
		break;
	default:
		return WANT_ANY;
	}
	return WANT_DENIED;
}

static enum got judge_limit(struct audit *a, struct run *r, const char *key)
{
	const struct hutch_result *res = r->res;
	char v[200];
	unsigned long n = 0;

	if (r->argc < 2)
		return GOT_SKIPPED;
	if (res->status == HUTCH_TO || res->status == HUTCH_ML || res->status == HUTCH_OL) {
		snprintf(r->detail, sizeof(r->detail), "stopped: %s (%.170s)", hutch_status_name(res->status),
			 res->message);
		return GOT_DENIED;
	}
	if (strcmp(key, "pids") == 0 && pline(r, "forkbomb", v, sizeof(v)) && num_after(v, "count=", &n)) {
		snprintf(r->detail, sizeof(r->detail), "%s", v);
		return n >= a->p->def[LIM_PIDS] + 16 ? GOT_ALLOWED : GOT_DENIED;
	}
	if (strcmp(key, "memory") == 0 && pline(r, "heapbomb", v, sizeof(v))) {
		snprintf(r->detail, sizeof(r->detail), "%s", v);
		return strstr(v, "errno") ? GOT_DENIED : GOT_ALLOWED;
	}
	if (strcmp(key, "nofile") == 0 && pline(r, "nofile", v, sizeof(v)) && num_after(v, "count=", &n)) {
		snprintf(r->detail, sizeof(r->detail), "%s", v);
		return n >= a->p->def[LIM_NOFILE] + 16 ? GOT_ALLOWED : GOT_DENIED;
	}
	if (strcmp(key, "fsize") == 0 && pline(r, "fill /box/.hutch-audit-big", v, sizeof(v))) {
		snprintf(r->detail, sizeof(r->detail), "%s", v);
		return strstr(v, "errno") ? GOT_DENIED : GOT_ALLOWED;
	}
	snprintf(r->detail, sizeof(r->detail), "ran to the end (%s)", hutch_status_name(res->status));
	return res->status == HUTCH_OK ? GOT_ALLOWED : GOT_UNCLEAR;
}

/* ------------------------------------------------------------- battery */

static const struct acase cases[] = {
	{ "write into the root filesystem (/usr), reaching the host", false, "/usr", plan_root_write,
	  judge_root_write },
	{ "write into /etc, reaching the host", false, "/etc", plan_root_write, judge_root_write },
	{ "write to the work directory /box", false, NULL, plan_workdir_write, judge_workdir_write },
	{ "run a program it wrote to /box", false, NULL, plan_exec, judge_exec },
	{ "read a host secret (/etc/shadow, masked paths)", false, NULL, plan_read_secret,
	  judge_read_secret },
	{ "see processes outside the sandbox", false, "proc-pids|hidden by the pid namespace", plan_simple,
	  judge_procs },
	{ "become root (setresuid 0)", false, "setresuid|no uid 0 is mapped into the sandbox", plan_simple,
	  judge_root },
	{ "hold a capability", false, "caps|every capability is dropped", plan_simple, judge_caps },
	{ "create a namespace (unshare, clone, clone3)", false, NULL, plan_namespaces, judge_namespaces },
	{ "mount a filesystem (in a new user namespace)", false, NULL, plan_mount, judge_mount },
	{ "trace or read another process (ptrace)", false, NULL, plan_ptrace, judge_ptrace },
	{ "load a BPF program", false, "bpf-prog bpf", plan_sys, judge_sys },
	{ "open a performance counter", false, "perf_event_open perf_event_open", plan_sys, judge_sys },
	{ "use io_uring", false, "io_uring_setup io_uring_setup", plan_sys, judge_sys },
	{ "use the kernel keyring", false, "add_key add_key", plan_sys, judge_sys },
	{ "create a userfaultfd", false, "userfaultfd userfaultfd", plan_sys, judge_sys },
	{ "open a file by handle (the 'shocker' escape)", false, "open_by_handle_at open_by_handle_at",
	  plan_sys, judge_sys },
	{ "set the system clock", false, "clock_settime clock_settime", plan_sys, judge_sys },
	{ "load a kernel module", false, "init_module init_module", plan_sys, judge_sys },
	{ "reboot the machine", false, "reboot reboot", plan_sys, judge_sys },
	{ "open an internet socket", false, NULL, plan_socket, judge_socket },
	{ "open a raw socket", false, "socket inet raw icmp|no CAP_NET_RAW; raw sockets denied", plan_simple,
	  judge_raw },
	{ "connect out to the internet (" OUTSIDE_ADDR ":" OUTSIDE_PORT ")", false, NULL, plan_connect_out,
	  judge_connect },
	{ "reach a service on the host's loopback", false, NULL, plan_host_loopback, judge_host_loopback },
	{ "start more processes than the pid limit", false, "pids", plan_limit, judge_limit },
	{ "allocate more memory than the limit", false, "memory", plan_limit, judge_limit },
	{ "write a file larger than fsize", false, "fsize", plan_limit, judge_limit },
	{ "print more than the output limit", false, "output", plan_limit, judge_limit },
	{ "open more files than nofile", false, "nofile", plan_limit, judge_limit },
	{ "run past the CPU time limit", true, "time", plan_limit, judge_limit },
	{ "run past the wall-clock limit", true, "wall_time", plan_limit, judge_limit },
};

static const char *want_str(enum want w)
{
	return w == WANT_DENIED ? "denied" : w == WANT_ALLOWED ? "allowed" : "-";
}

static const char *got_str(enum got g)
{
	return g == GOT_DENIED ? "denied" : g == GOT_ALLOWED ? "allowed" : g == GOT_SKIPPED ? "not run" : "unclear";
}

/* Run one case and print its row. */
static int audit_case(struct audit *a, const char *what, const struct acase *c, const char *arg)
{
	struct run r;
	struct hutch_result res;
	struct hutch_error err = { 0 };
	struct hutch_bind probe_bind = { .src = a->probe, .dst = PROBE_IN, .flags = HUTCH_BIND_EXEC };
	char *out = NULL;
	enum want w;
	enum got g = GOT_SKIPPED;
	const char *verdict;
	bool mismatch;

	memset(&r, 0, sizeof(r));
	add(&r, PROBE_IN);
	w = c->plan(a, &r, arg);
	r.detail[0] = '\0';
	if (c->slow && a->quick) {
		snprintf(r.detail, sizeof(r.detail), "skipped (--quick)");
	} else if (r.argc > 1 && !(w == WANT_ANY && c->plan == plan_limit)) {
		struct prun_opts o = {
			.argv = r.argv,
			.workdir = a->workdir,
			.binds = &probe_bind,
			.n_binds = 1,
			.capture_max = 256u << 10,
		};
		if (prun_run(&a->ctx, &o, &res, &out, &err) < 0) {
			fprintf(stderr, "hutch: audit: %s: %s\n", what, err.msg);
			free(out);
			return -1;
		}
		r.out = out;
		r.res = &res;
		g = c->judge(a, &r, arg);
	} else {
		snprintf(r.detail, sizeof(r.detail), "not tried");
	}
	mismatch = (w == WANT_DENIED && g == GOT_ALLOWED) || (w == WANT_ALLOWED && g == GOT_DENIED);
	verdict = mismatch ? "MISMATCH" : g == GOT_SKIPPED || g == GOT_UNCLEAR || w == WANT_ANY ? "-" : "ok";
	printf("%-56s %-8s %-8s %s\n", what, got_str(g), want_str(w), verdict);
	if (a->verbose || mismatch || g == GOT_UNCLEAR) {
		printf("    %s; expected because %s\n", r.detail, r.want_why);
		if ((mismatch || a->verbose) && out && *out) {
			int lines = 0;
			for (const char *l = out; *l && lines < 8; lines++) {
				const char *e = strchrnul(l, '\n');
				printf("    | %.*s\n", (int)(e - l > 160 ? 160 : e - l), l);
				l = *e ? e + 1 : e;
			}
		}
	}
	fflush(stdout);
	if (mismatch)
		a->mismatches++;
	free(out);
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path); /* best effort: our own temporary files */
	return 0;
}

/* A listener on the host's 127.0.0.1 for "reach the host's loopback". */
static int open_loopback_listener(int *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -1;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

static void usage_audit(FILE *f)
{
	fputs("Usage: hutch profile audit [--quick] [-v] NAME|PATH\n"
	      "\n"
	      "Run a battery of escape and abuse probes, each in a fresh sandbox made from the\n"
	      "profile, and print probe, what happened, what the profile expects. Exit 0 when\n"
	      "every result agrees with the profile, 1 when one does not (MISMATCH), 125 when\n"
	      "the audit could not run.\n"
	      "\n"
	      "  --quick     skip the probes that wait for the time limits\n"
	      "  -v          print every probe's details\n",
	      f);
}

int cmd_profile_audit(int argc, char **argv, const char *search_path)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct audit a;
	struct hutch_error err = { 0 };
	struct profile *p = NULL;
	bool ctx_ok = false;
	int c, status = 125, lfd = -1;

	memset(&a, 0, sizeof(a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': a.quick = true; break;
		case 'v': a.verbose = true; break;
		case 'h': usage_audit(stdout); return 0;
		default: usage_audit(stderr); return 125;
		}
	}
	if (optind != argc - 1) {
		usage_audit(stderr);
		return 125;
	}
	if (cli_require_root("profile audit") < 0)
		return 125;
	a.probe = prun_probe_path();
	if (!a.probe) {
		fprintf(stderr, "hutch: the probe program (hutch-probe) was not found next to hutch or in "
				"$HUTCH_PROBE: run `make` (build/hutch-probe) or `make install`\n");
		return 125;
	}
	if (profile_load(argv[optind], search_path, &p, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		return 125;
	}
	a.p = p;
	if (p->image) {
		if (p->image[0] == '/')
			snprintf(a.image_root, sizeof(a.image_root), "%s", p->image);
		else
			snprintf(a.image_root, sizeof(a.image_root), "%s/runtimes/%s/rootfs", cli_state_dir(),
				 p->image);
	}
	snprintf(a.token, sizeof(a.token), "%d-%lx", (int)getpid(), (unsigned long)time(NULL));
	snprintf(a.workdir, sizeof(a.workdir), "/tmp/hutch-audit.XXXXXX");
	if (!mkdtemp(a.workdir) || chmod(a.workdir, 0755) < 0) {
		fprintf(stderr, "hutch: audit: work directory: %s\n", strerror(errno));
		a.workdir[0] = '\0';
		goto out;
	}
	if (prun_init(&a.ctx, p, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		goto out;
	}
	ctx_ok = true;
	lfd = open_loopback_listener(&a.loopback_port);

	printf("Audit of profile %s (%s), probe %s\n\n", p->name, p->path, a.probe);
	printf("%-56s %-8s %-8s %s\n", "PROBE", "RESULT", "EXPECTED", "");
	for (size_t i = 0; i < ARRAY_SIZE(cases) && !a.ctx.cancelled; i++) {
		if (audit_case(&a, cases[i].what, &cases[i], cases[i].arg) < 0)
			goto out;
		if (i == 2) /* after the workdir: one row per profile bind */
			for (size_t b = 0; b < p->n_binds; b++) {
				static const struct acase bind_case = { NULL, false, NULL, plan_bind, judge_bind };
				char what[300], idx[24];
				snprintf(what, sizeof(what), "write to %s (the host's %s)", p->binds[b].dst,
					 p->binds[b].src);
				snprintf(idx, sizeof(idx), "%zu", b);
				if (audit_case(&a, what, &bind_case, idx) < 0)
					goto out;
			}
	}
	if (a.ctx.cancelled) {
		fprintf(stderr, "hutch: audit cancelled\n");
		goto out;
	}
	printf("\n%d mismatch%s: %s\n", a.mismatches, a.mismatches == 1 ? "" : "es",
	       a.mismatches ? "the profile does not hold what it says (see MISMATCH rows)"
			    : "every probe came out as the profile says");
	status = a.mismatches ? 1 : 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (ctx_ok)
		prun_fini(&a.ctx);
	if (a.workdir[0])
		(void)nftw(a.workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	profile_free(p);
	return status;
}
