/* SPDX-License-Identifier: MIT */
/*
 * `hutch profile list | show | check | explain | diff` (audit and learn are
 * in profile_audit.c and profile_learn.c): what admins use to see, verify
 * and compare profiles. Everything here works on the resolved profile (the
 * `extends` chain applied), never on one file alone, because that is what
 * a run gets.
 */
#include <arpa/inet.h>
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "netopts.h"
#include "policy.h"
#include "profile.h"
#include "units.h"
#include "util.h"

const char *cli_state_dir(void)
{
	const char *s = getenv("HUTCH_STATE_DIR");

	return s && *s ? s : "/var/lib/hutch";
}

int cli_require_root(const char *what)
{
	if (geteuid() != 0) {
		fprintf(stderr,
			"hutch: %s must run as root: it creates namespaces, cgroups and mounts (try: sudo "
			"hutch %s ...)\n",
			what, what);
		return -1;
	}
	if (setgroups(0, NULL) < 0) {
		fprintf(stderr, "hutch: setgroups: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int cli_parse_bind(char *arg, struct hutch_bind *b, struct hutch_error *err)
{
	char *parts[4] = { 0 };
	int n = 0;

	for (char *tok = arg; tok && n < 4;) {
		char *c = strchr(tok, ':');
		if (c)
			*c = '\0';
		parts[n++] = tok;
		tok = c ? c + 1 : NULL;
	}
	if (!parts[0] || parts[0][0] != '/')
		return herr(err, 0, "--bind %s: SRC must be an absolute host path", arg);
	b->src = parts[0];
	b->dst = parts[0];
	b->flags = 0;
	for (int i = 1; i < n; i++) {
		if (strcmp(parts[i], "rw") == 0)
			b->flags |= HUTCH_BIND_RW;
		else if (strcmp(parts[i], "exec") == 0)
			b->flags |= HUTCH_BIND_EXEC;
		else if (strcmp(parts[i], "ro") == 0)
			continue;
		else if (i == 1 && parts[i][0] == '/')
			b->dst = parts[i];
		else
			return herr(err, 0, "--bind: unknown part '%s' (expected DST, rw, ro or exec)", parts[i]);
	}
	return 0;
}

static void usage_profile(FILE *f)
{
	fputs("Usage: hutch profile [--profile-path DIRS] COMMAND\n"
	      "\n"
	      "  list              the profiles on the search path\n"
	      "  show NAME         the fully resolved profile (extends applied) as JSON\n"
	      "  check FILE...     validate profiles; each error names the file and JSON path\n"
	      "  explain NAME      what a program under NAME can and cannot do, in words\n"
	      "  diff A B          what changes from A to B, both resolved (exit 1: they differ)\n"
	      "  audit NAME        run a battery of escape and abuse probes in sandboxes made\n"
	      "                    from NAME; exit 1 if any result disagrees with the profile\n"
	      "  learn -- CMD...   run CMD, record its syscalls, print a profile with a\n"
	      "                    deny-by-default seccomp allowlist for it\n"
	      "\n"
	      "NAME is a profile name or a path to a .json file. Names are looked up in\n"
	      "--profile-path, else $HUTCH_PROFILE_PATH (colon-separated), else\n"
	      "/etc/hutch/profiles, then the installed profiles, then the source tree's.\n"
	      "The format is documented in profiles/README.md.\n",
	      f);
}

static const char *search_path_or_default(const char *sp)
{
	const char *env = getenv("HUTCH_PROFILE_PATH");

	if (sp && *sp)
		return sp;
	if (env && *env)
		return env;
	return "/etc/hutch/profiles:" HUTCH_INSTALLED_PROFILE_DIR ":" HUTCH_PROFILE_DIR;
}

/* ---------------------------------------------------------------- show */

static void format_limit(const struct limit_desc *d, uint64_t v, char *buf, size_t len)
{
	if (v == 0)
		snprintf(buf, len, "unlimited");
	else if (d->kind == LK_SIZE)
		hu_format_size(v, buf, (unsigned)len);
	else if (d->kind == LK_TIME)
		hu_format_time(v, buf, (unsigned)len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static cJSON *limit_json(const struct limit_desc *d, uint64_t v)
{
	char buf[32];

	if (v == 0)
		return cJSON_CreateString("unlimited");
	if (d->kind == LK_SIZE) {
		hu_format_size(v, buf, sizeof(buf));
		return cJSON_CreateString(buf);
	}
	if (d->kind == LK_TIME)
		return cJSON_CreateNumber((double)v / 1e6);
	return cJSON_CreateNumber((double)v);
}

static const char *const sc_action_names[] = { "allow", "errno", "kill", "log" };

static cJSON *errno_json(int e)
{
	const char *n = strerrorname_np(e ? e : EPERM);

	return n ? cJSON_CreateString(n) : cJSON_CreateNumber(e);
}

static void net_options_json(cJSON *n, const struct hutch_net_options *o)
{
	char buf[64];
	cJSON *arr;

	if (o->allow_only) {
		arr = cJSON_AddArrayToObject(n, "allow");
		for (size_t i = 0; i < o->n_allow; i++) {
			netopt_format_dest(&o->allow[i], buf, sizeof(buf));
			cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
		}
	}
	if (o->n_publish) {
		arr = cJSON_AddArrayToObject(n, "publish");
		for (size_t i = 0; i < o->n_publish; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(o->publish[i]));
	}
	if (o->n_host_ports) {
		arr = cJSON_AddArrayToObject(n, "host_ports");
		for (size_t i = 0; i < o->n_host_ports; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(o->host_ports[i]));
	}
	if (o->dns) {
		arr = cJSON_AddArrayToObject(n, "dns");
		for (size_t i = 0; i < o->n_dns; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(inet_ntop(AF_INET, &o->dns[i], buf,
									       sizeof(buf))));
	}
}

/* Two loaded rules that came from one JSON rule: same action, errno and
 * conditions (only the syscall differs). */
static bool same_template(const struct hutch_sc_rule *a, const struct hutch_sc_rule *b)
{
	if (a->action != b->action || a->errno_value != b->errno_value || a->n_args != b->n_args)
		return false;
	for (unsigned k = 0; k < a->n_args; k++)
		if (a->args[k].index != b->args[k].index || a->args[k].op != b->args[k].op ||
		    a->args[k].value != b->args[k].value || a->args[k].mask != b->args[k].mask)
			return false;
	return true;
}

static char *profile_to_json(const struct profile *p)
{
	cJSON *o = cJSON_CreateObject(), *l, *rf, *n, *sc, *env, *id, *arr;
	char *s;

	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "file", p->path);
	if (p->description)
		cJSON_AddStringToObject(o, "description", p->description);
	l = cJSON_AddObjectToObject(o, "limits");
	for (int i = 0; i < LIM__MAX; i++) {
		cJSON *e = cJSON_AddObjectToObject(l, limit_table[i].key);
		cJSON_AddItemToObject(e, "default", limit_json(&limit_table[i], p->def[i]));
		cJSON_AddItemToObject(e, "ceiling", limit_json(&limit_table[i], p->ceil[i]));
	}
	rf = cJSON_AddObjectToObject(o, "rootfs");
	if (p->image)
		cJSON_AddStringToObject(rf, "image", p->image);
	else
		cJSON_AddNullToObject(rf, "image");
	arr = cJSON_AddArrayToObject(rf, "masked");
	for (size_t i = 0; p->masked && p->masked[i]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->masked[i]));
	arr = cJSON_AddArrayToObject(rf, "binds");
	for (size_t i = 0; i < p->n_binds; i++) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "src", p->binds[i].src);
		cJSON_AddStringToObject(b, "dst", p->binds[i].dst);
		cJSON_AddBoolToObject(b, "rw", p->binds[i].flags & HUTCH_BIND_RW);
		cJSON_AddBoolToObject(b, "exec", p->binds[i].flags & HUTCH_BIND_EXEC);
		if (p->binds[i].flags & HUTCH_BIND_OPTIONAL)
			cJSON_AddBoolToObject(b, "optional", true);
		cJSON_AddItemToArray(arr, b);
	}
	cJSON_AddBoolToObject(rf, "workdir_exec", p->workdir_exec);
	n = cJSON_AddObjectToObject(o, "network");
	cJSON_AddStringToObject(n, "mode", net_mode_name(p->net));
	arr = cJSON_AddArrayToObject(n, "allowed");
	for (int m = 0; m <= HUTCH_NET_PUBLISH; m++)
		if (p->net_allowed & (1u << m))
			cJSON_AddItemToArray(arr, cJSON_CreateString(net_mode_name((enum hutch_net_mode)m)));
	net_options_json(n, &p->net_opts);
	sc = cJSON_AddObjectToObject(o, "seccomp");
	cJSON_AddBoolToObject(sc, "enabled", p->seccomp_enabled);
	cJSON_AddStringToObject(sc, "default_action", sc_action_names[p->seccomp.default_action]);
	if (p->seccomp.default_action == HUTCH_SC_ERRNO)
		cJSON_AddItemToObject(sc, "default_errno", errno_json(p->seccomp.default_errno));
	arr = cJSON_AddArrayToObject(sc, "rules");
	/* In the profile format, so that a child can restate its parent's
	 * rules: the loader keeps one entry per name, consecutive entries of
	 * one JSON rule share action and conditions and are joined again. */
	for (size_t i = 0, j; i < p->seccomp.n_rules; i = j) {
		const struct hutch_sc_rule *r = &p->seccomp.rules[i];
		cJSON *e = cJSON_CreateObject(), *names = cJSON_AddArrayToObject(e, "syscalls");

		for (j = i; j < p->seccomp.n_rules && same_template(r, &p->seccomp.rules[j]); j++)
			cJSON_AddItemToArray(names, cJSON_CreateString(p->seccomp.rules[j].syscall));
		cJSON_AddStringToObject(e, "action", sc_action_names[r->action]);
		if (r->action == HUTCH_SC_ERRNO)
			cJSON_AddItemToObject(e, "errno", errno_json(r->errno_value));
		if (r->n_args) {
			cJSON *args = cJSON_AddArrayToObject(e, "args");
			for (unsigned k = 0; k < r->n_args; k++) {
				static const char *const ops[] = { "eq", "ne", "lt", "le", "gt", "ge", "masked_eq" };
				cJSON *a = cJSON_CreateObject();
				char hex[32];
				cJSON_AddNumberToObject(a, "index", r->args[k].index);
				cJSON_AddStringToObject(a, "op", ops[r->args[k].op]);
				snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->args[k].value);
				cJSON_AddStringToObject(a, "value", hex);
				if (r->args[k].op == HUTCH_SC_MASKED_EQ) {
					snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->args[k].mask);
					cJSON_AddStringToObject(a, "mask", hex);
				}
				cJSON_AddItemToArray(args, a);
			}
		}
		cJSON_AddItemToArray(arr, e);
	}
	env = cJSON_AddObjectToObject(o, "environment");
	arr = cJSON_AddArrayToObject(env, "set");
	for (size_t i = 0; p->env_set && p->env_set[i]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->env_set[i]));
	arr = cJSON_AddArrayToObject(env, "allow");
	for (size_t i = 0; p->env_allow && p->env_allow[i]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(p->env_allow[i]));
	id = cJSON_AddObjectToObject(o, "identity");
	cJSON_AddNumberToObject(id, "uid", p->uid);
	cJSON_AddNumberToObject(id, "gid", p->gid);
	s = cJSON_Print(o);
	cJSON_Delete(o);
	return s;
}

/* ---------------------------------------------------------------- list */

static int cmd_list(const char *search_path)
{
	_cleanup_free_ char *path = strdup(search_path_or_default(search_path));
	char **seen = NULL;
	size_t n_seen = 0;
	int found = 0;

	if (!path)
		return 125;
	printf("%-18s %-9s %-9s %s\n", "NAME", "NETWORK", "IMAGE", "DESCRIPTION");
	for (char *dir = strtok(path, ":"); dir; dir = strtok(NULL, ":")) {
		struct dirent **ents = NULL;
		int n = scandir(dir, &ents, NULL, alphasort);

		for (int k = 0; k < n; k++) {
			const char *nm = ents[k]->d_name;
			size_t len = strlen(nm);
			char full[4096], name[256];
			struct profile *p = NULL;
			struct hutch_error err = { 0 };
			bool shadowed = false;
			char **ns;

			if (len <= 5 || len - 5 >= sizeof(name) || strcmp(nm + len - 5, ".json") != 0)
				continue;
			memcpy(name, nm, len - 5);
			name[len - 5] = '\0';
			for (size_t i = 0; i < n_seen; i++)
				shadowed |= strcmp(seen[i], name) == 0;
			snprintf(full, sizeof(full), "%s/%s", dir, nm);
			if (shadowed) {
				printf("%-18s (%s: hidden by the one found first)\n", name, full);
				continue;
			}
			ns = realloc(seen, (n_seen + 1) * sizeof(*seen));
			if (ns) {
				seen = ns;
				seen[n_seen] = strdup(name);
				if (seen[n_seen])
					n_seen++;
			}
			if (profile_load(full, search_path, &p, &err) < 0) {
				printf("%-18s INVALID: %s\n", name, err.msg);
			} else {
				printf("%-18s %-9s %-9s %s\n", p->name, net_mode_name(p->net),
				       p->image ? p->image : "host", p->description ? p->description : "");
				profile_free(p);
			}
			found++;
		}
		for (int k = 0; k < n; k++)
			free(ents[k]);
		free(ents);
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	if (!found)
		fprintf(stderr, "hutch: no profiles found in %s\n", search_path_or_default(search_path));
	return found ? 0 : 1;
}

/* ------------------------------------------------------------- explain */

/* Print words wrapped at 78 columns, each line indented by ind. */
static void wrap(const char *ind, const char *text)
{
	size_t col = 0, il = strlen(ind);
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");
		if (col && col + 1 + w > 78) {
			putchar('\n');
			col = 0;
		}
		if (!col) {
			fputs(ind, stdout);
			col = il;
		} else {
			putchar(' ');
			col++;
		}
		fwrite(p, 1, w, stdout);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	if (col)
		putchar('\n');
}

/* A growing string for building sentences. */
struct sb {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			return;
		b->s = ns;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *sb_str(struct sb *b)
{
	return b->s ? b->s : "";
}

static const char *const net_words[] = {
	[HUTCH_NET_NONE] = "no network at all: not even loopback (socket() works, every connect fails)",
	[HUTCH_NET_LOOPBACK] = "its own loopback only (127.0.0.1 inside the sandbox; nothing of the host)",
	[HUTCH_NET_EGRESS] = "outbound connections through NAT (not to other sandboxes, not to link-local "
			     "addresses such as cloud metadata, not to the host)",
	[HUTCH_NET_PUBLISH] = "outbound connections, and its listening ports reachable from this host",
};

static void explain_network(const struct profile *p)
{
	struct sb b = { 0 };
	char buf[64];

	puts("\nNetwork");
	sb_add(&b, "By default the program has %s.", net_words[p->net]);
	wrap("  ", sb_str(&b));
	b.len = 0;
	sb_add(&b, "A run may choose:");
	for (int m = 0, n = 0; m <= HUTCH_NET_PUBLISH; m++)
		if (p->net_allowed & (1u << m))
			sb_add(&b, "%s %s", n++ ? "," : "", net_mode_name((enum hutch_net_mode)m));
	sb_add(&b, " (--net).");
	wrap("  ", sb_str(&b));
	if (p->net_opts.allow_only) {
		b.len = 0;
		sb_add(&b, "Outbound traffic may reach only:");
		for (size_t i = 0; i < p->net_opts.n_allow; i++) {
			netopt_format_dest(&p->net_opts.allow[i], buf, sizeof(buf));
			sb_add(&b, "%s %s", i ? "," : "", buf);
		}
		sb_add(&b, ".");
		wrap("  ", sb_str(&b));
	}
	if (p->net_opts.n_publish) {
		b.len = 0;
		sb_add(&b, "Published ports:");
		for (size_t i = 0; i < p->net_opts.n_publish; i++)
			sb_add(&b, "%s %u", i ? "," : "", p->net_opts.publish[i]);
		sb_add(&b, " (reachable from this host only).");
		wrap("  ", sb_str(&b));
	}
	if (p->net_opts.n_host_ports) {
		b.len = 0;
		sb_add(&b, "Host services it may reach at the gateway address: TCP");
		for (size_t i = 0; i < p->net_opts.n_host_ports; i++)
			sb_add(&b, "%s %u", i ? "," : "", p->net_opts.host_ports[i]);
		sb_add(&b, ".");
		wrap("  ", sb_str(&b));
	}
	free(b.s);
}

static void explain_files(const struct profile *p)
{
	struct sb b = { 0 };
	char tmpfs[32], shm[32];

	puts("\nFiles");
	if (p->image) {
		char path[4096];
		struct stat st;
		if (p->image[0] == '/')
			snprintf(path, sizeof(path), "%s", p->image);
		else
			snprintf(path, sizeof(path), "%s/runtimes/%s/rootfs", cli_state_dir(), p->image);
		sb_add(&b, "The root filesystem is the runtime image '%s', read-only, shared by every run", p->image);
		if (stat(path, &st) < 0)
			sb_add(&b, p->image[0] == '/' ? " (missing here)" : " (not built here: hutch runtime build %s)",
			       p->image);
		sb_add(&b, ".");
	} else {
		sb_add(&b, "The root filesystem is a read-only view of the host's /usr, /bin, /sbin, /lib* "
			   "and /etc (\"host view\"); the rest of the host (/home, /root, /var, /run, /srv, "
			   "/opt, /mnt) is not there.");
	}
	wrap("  ", sb_str(&b));
	b.len = 0;
	format_limit(&limit_table[LIM_TMPFS], p->def[LIM_TMPFS] ? p->def[LIM_TMPFS] : 64ull << 20, tmpfs,
		     sizeof(tmpfs));
	format_limit(&limit_table[LIM_SHM], p->def[LIM_SHM] ? p->def[LIM_SHM] : 16ull << 20, shm, sizeof(shm));
	sb_add(&b, "It can write: /box (the run's work directory, when one is given), /tmp (private "
		   "to the run, %s), /dev/shm (%s)",
	       tmpfs, shm);
	for (size_t i = 0; i < p->n_binds; i++)
		if (p->binds[i].flags & HUTCH_BIND_RW)
			sb_add(&b, ", %s (the host's %s)", p->binds[i].dst, p->binds[i].src);
	sb_add(&b, ". Every write elsewhere fails or lands in the run's own layer, gone when it ends.");
	wrap("  ", sb_str(&b));
	b.len = 0;
	sb_add(&b, "Programs written to /box %s.",
	       p->workdir_exec ? "can be executed (compile steps)" : "cannot be executed (noexec)");
	wrap("  ", sb_str(&b));
	for (size_t i = 0; i < p->n_binds; i++)
		if (!(p->binds[i].flags & HUTCH_BIND_RW)) {
			b.len = 0;
			sb_add(&b, "It can read the host's %s at %s%s%s.", p->binds[i].src, p->binds[i].dst,
			       p->binds[i].flags & HUTCH_BIND_EXEC ? " and run programs from it" : "",
			       p->binds[i].flags & HUTCH_BIND_OPTIONAL ? " (when it exists)" : "");
			wrap("  ", sb_str(&b));
		}
	if (p->masked && p->masked[0]) {
		b.len = 0;
		sb_add(&b, "Hidden (empty or absent):");
		for (size_t i = 0; p->masked[i]; i++)
			sb_add(&b, "%s %s", i ? "," : "", p->masked[i]);
		sb_add(&b, ".");
		wrap("  ", sb_str(&b));
	}
	free(b.s);
}

static const char *const limit_words[LIM__MAX] = {
	[LIM_TIME] = "CPU time (all processes)", [LIM_WALL_TIME] = "wall-clock time",
	[LIM_MEMORY] = "memory (all processes)", [LIM_PIDS] = "processes and threads",
	[LIM_FSIZE] = "largest file written",    [LIM_OUTPUT] = "output kept, per stream",
	[LIM_NOFILE] = "open files per process", [LIM_STACK] = "stack per process",
	[LIM_TMPFS] = "/tmp and root layer",     [LIM_SHM] = "/dev/shm",
};

static void explain_limits(const struct profile *p)
{
	/* 0 is "unlimited" for most limits but "hutch's built-in value" for
	 * these (a sandbox always has them bounded). */
	static const uint64_t builtin[LIM__MAX] = {
		[LIM_NOFILE] = 64, [LIM_STACK] = 8ull << 20, [LIM_TMPFS] = 64ull << 20, [LIM_SHM] = 16ull << 20,
	};

	puts("\nLimits                      default      a run may ask up to");
	for (int i = 0; i < LIM__MAX; i++) {
		char d[32], c[32];
		format_limit(&limit_table[i], p->def[i] ? p->def[i] : builtin[i], d, sizeof(d));
		format_limit(&limit_table[i], p->ceil[i], c, sizeof(c));
		printf("  %-26s %-12s %s\n", limit_words[i], d, c);
	}
}

static void explain_identity_env(const struct profile *p)
{
	struct sb b = { 0 };

	puts("\nIdentity and environment");
	sb_add(&b, "It runs as uid %u, gid %u, with no capabilities and no way to gain any (no_new_privs); "
		   "on the host its files belong to uid %u.",
	       (unsigned)p->uid, (unsigned)p->gid, (unsigned)(HUTCH_HOST_UID_BASE + p->uid));
	wrap("  ", sb_str(&b));
	b.len = 0;
	sb_add(&b, "Its environment is");
	for (size_t i = 0; p->env_set && p->env_set[i]; i++)
		sb_add(&b, "%s %s", i ? "," : "", p->env_set[i]);
	if (!p->env_set || !p->env_set[0])
		sb_add(&b, " PATH=/usr/local/bin:/usr/bin:/bin");
	if (p->env_allow && p->env_allow[0]) {
		sb_add(&b, "; from the caller it gets");
		for (size_t i = 0; p->env_allow[i]; i++)
			sb_add(&b, "%s %s", i ? "," : "", p->env_allow[i]);
	} else {
		sb_add(&b, "; nothing else of the caller's");
	}
	sb_add(&b, ", plus what a run sets with --env.");
	wrap("  ", sb_str(&b));
	free(b.s);
}

/* What a policy does with a group, in words, if it does one thing. */
static void explain_seccomp(const struct profile *p)
{
	const struct hutch_sc_policy *pol = &p->seccomp;
	const char *const *groups = hutch_seccomp_group_names();
	struct sb denied = { 0 }, partly = { 0 }, killed = { 0 }, allowed = { 0 }, cond = { 0 };
	bool deny_default = pol->default_action == HUTCH_SC_ERRNO || pol->default_action == HUTCH_SC_KILL;
	size_t n_allowed = 0;

	puts("\nSystem calls (seccomp)");
	if (!p->seccomp_enabled) {
		wrap("  ", "No seccomp filter: every system call reaches the kernel. Namespaces, no "
			   "capabilities and no_new_privs still apply.");
		return;
	}
	for (size_t g = 0; groups[g]; g++) {
		char gname[80];
		const char *members[512];
		size_t n, n_den = 0, n_kill = 0;

		snprintf(gname, sizeof(gname), "@%s", groups[g]);
		n = pol_group_syscalls(gname, members, ARRAY_SIZE(members));
		for (size_t i = 0; i < n; i++) {
			struct pol_verdict v;
			pol_syscall(pol, members[i], &v);
			if (!v.conditional && v.action == HUTCH_SC_KILL)
				n_kill++;
			else if (!v.conditional && v.action == HUTCH_SC_ERRNO)
				n_den++;
		}
		if (!n)
			continue;
		if (n_kill == n)
			sb_add(&killed, "%s%s", killed.len ? ", " : "", gname);
		else if (n_den + n_kill == n)
			sb_add(&denied, "%s%s", denied.len ? ", " : "", gname);
		else if (n_den + n_kill)
			sb_add(&partly, "%s%s (%zu of %zu)", partly.len ? ", " : "", gname, n_den + n_kill, n);
	}
	{
		size_t n_tab = 0;
		for (int nr = 0; nr < 1024; nr++) {
			const char *nm = hutch_seccomp_syscall_name(nr);
			struct pol_verdict v;
			if (!nm)
				continue;
			n_tab++;
			pol_syscall(pol, nm, &v);
			if (v.conditional)
				sb_add(&cond, "%s%s", cond.len ? ", " : "", nm);
			else if (v.action == HUTCH_SC_ALLOW || v.action == HUTCH_SC_LOG) {
				n_allowed++;
				if (deny_default)
					sb_add(&allowed, "%s%s", allowed.len ? ", " : "", nm);
			}
		}
		(void)n_tab;
	}
	if (deny_default) {
		struct sb b = { 0 };
		sb_add(&b, "Deny by default: a system call not listed %s. Allowed (%zu): %s.",
		       pol->default_action == HUTCH_SC_KILL ? "ends the run, and the result names it"
							    : "fails with an error",
		       n_allowed, sb_str(&allowed));
		wrap("  ", sb_str(&b));
		free(b.s);
	} else {
		wrap("  ", "Allow by default: system calls not denied below reach the kernel, except those "
			   "newer than hutch (ENOSYS) and those of other ABIs (i386, x32: killed).");
		if (denied.len) {
			struct sb b = { 0 };
			sb_add(&b, "Denied groups (the call fails): %s.", sb_str(&denied));
			wrap("  ", sb_str(&b));
			free(b.s);
		}
		if (killed.len) {
			struct sb b = { 0 };
			sb_add(&b, "Groups that end the run (named in the result): %s.", sb_str(&killed));
			wrap("  ", sb_str(&b));
			free(b.s);
		}
		if (partly.len) {
			struct sb b = { 0 };
			sb_add(&b, "Partly denied groups: %s.", sb_str(&partly));
			wrap("  ", sb_str(&b));
			free(b.s);
		}
	}
	if (cond.len) {
		struct sb b = { 0 };
		sb_add(&b, "Allowed or denied by their arguments: %s (see hutch profile show).", sb_str(&cond));
		wrap("  ", sb_str(&b));
		free(b.s);
	}
	free(denied.s);
	free(partly.s);
	free(killed.s);
	free(allowed.s);
	free(cond.s);
}

static int cmd_explain(const char *name, const char *search_path)
{
	struct hutch_error err = { 0 };
	struct profile *p = NULL;

	if (profile_load(name, search_path, &p, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		return 125;
	}
	printf("Profile %s (%s)\n", p->name, p->path);
	if (p->description)
		wrap("  ", p->description);
	explain_network(p);
	explain_files(p);
	explain_limits(p);
	explain_identity_env(p);
	explain_seccomp(p);
	profile_free(p);
	return 0;
}

/* ---------------------------------------------------------------- diff */

/* One profile as flat "path = value" lines (everything but the seccomp
 * rules, compared per syscall below). */
static cJSON *flatten(const struct profile *p)
{
	cJSON *f = cJSON_CreateObject();
	char key[256], val[1024];
	struct sb b = { 0 };

	for (int i = 0; i < LIM__MAX; i++) {
		snprintf(key, sizeof(key), "limits.%s.default", limit_table[i].key);
		format_limit(&limit_table[i], p->def[i], val, sizeof(val));
		cJSON_AddStringToObject(f, key, val);
		snprintf(key, sizeof(key), "limits.%s.ceiling", limit_table[i].key);
		format_limit(&limit_table[i], p->ceil[i], val, sizeof(val));
		cJSON_AddStringToObject(f, key, val);
	}
	cJSON_AddStringToObject(f, "rootfs.image", p->image ? p->image : "(host view)");
	for (size_t i = 0; p->masked && p->masked[i]; i++) {
		snprintf(key, sizeof(key), "rootfs.masked %s", p->masked[i]);
		cJSON_AddStringToObject(f, key, "hidden");
	}
	for (size_t i = 0; i < p->n_binds; i++) {
		const struct hutch_bind *bd = &p->binds[i];
		snprintf(key, sizeof(key), "rootfs.binds %s", bd->dst);
		snprintf(val, sizeof(val), "%s (%s%s%s)", bd->src, bd->flags & HUTCH_BIND_RW ? "rw" : "ro",
			 bd->flags & HUTCH_BIND_EXEC ? ", exec" : "",
			 bd->flags & HUTCH_BIND_OPTIONAL ? ", optional" : "");
		cJSON_AddStringToObject(f, key, val);
	}
	cJSON_AddStringToObject(f, "rootfs.workdir_exec", p->workdir_exec ? "true" : "false");
	cJSON_AddStringToObject(f, "network.mode", net_mode_name(p->net));
	for (int m = 0; m <= HUTCH_NET_PUBLISH; m++)
		sb_add(&b, "%s%s", (p->net_allowed & ((1u << m) - 1)) ? ", " : "",
		       (p->net_allowed & (1u << m)) ? net_mode_name((enum hutch_net_mode)m) : "");
	cJSON_AddStringToObject(f, "network.allowed", sb_str(&b));
	b.len = 0;
	if (p->net_opts.allow_only) {
		for (size_t i = 0; i < p->net_opts.n_allow; i++) {
			netopt_format_dest(&p->net_opts.allow[i], val, sizeof(val));
			sb_add(&b, "%s%s", i ? ", " : "", val);
		}
		cJSON_AddStringToObject(f, "network.allow", sb_str(&b));
		b.len = 0;
	}
	for (size_t i = 0; i < p->net_opts.n_publish; i++)
		sb_add(&b, "%s%u", i ? ", " : "", p->net_opts.publish[i]);
	cJSON_AddStringToObject(f, "network.publish", sb_str(&b));
	b.len = 0;
	for (size_t i = 0; i < p->net_opts.n_host_ports; i++)
		sb_add(&b, "%s%u", i ? ", " : "", p->net_opts.host_ports[i]);
	cJSON_AddStringToObject(f, "network.host_ports", sb_str(&b));
	for (size_t i = 0; p->env_set && p->env_set[i]; i++) {
		size_t kl = strcspn(p->env_set[i], "=");
		snprintf(key, sizeof(key), "environment.set %.*s", (int)kl, p->env_set[i]);
		cJSON_AddStringToObject(f, key, p->env_set[i] + kl + (p->env_set[i][kl] ? 1 : 0));
	}
	for (size_t i = 0; p->env_allow && p->env_allow[i]; i++) {
		snprintf(key, sizeof(key), "environment.allow %s", p->env_allow[i]);
		cJSON_AddStringToObject(f, key, "passed");
	}
	snprintf(val, sizeof(val), "%u", (unsigned)p->uid);
	cJSON_AddStringToObject(f, "identity.uid", val);
	snprintf(val, sizeof(val), "%u", (unsigned)p->gid);
	cJSON_AddStringToObject(f, "identity.gid", val);
	cJSON_AddStringToObject(f, "seccomp.enabled", p->seccomp_enabled ? "true" : "false");
	free(b.s);
	return f;
}

static int diff_values(const cJSON *fa, const cJSON *fb)
{
	const cJSON *it;
	int changes = 0;

	cJSON_ArrayForEach(it, fa) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(fb, it->string);
		if (!o) {
			printf("  %-34s %s -> (none)\n", it->string, it->valuestring);
			changes++;
		} else if (strcmp(o->valuestring, it->valuestring) != 0) {
			printf("  %-34s %s -> %s\n", it->string, it->valuestring[0] ? it->valuestring : "(none)",
			       o->valuestring[0] ? o->valuestring : "(none)");
			changes++;
		}
	}
	cJSON_ArrayForEach(it, fb) {
		if (!cJSON_GetObjectItemCaseSensitive(fa, it->string)) {
			printf("  %-34s (none) -> %s\n", it->string, it->valuestring);
			changes++;
		}
	}
	return changes;
}

/* Syscalls whose verdict differs, grouped by (before, after). */
static int diff_seccomp(const struct profile *a, const struct profile *b)
{
	struct change {
		char from[80], to[80];
		struct sb names;
	} ch[32];
	size_t n_ch = 0;
	int changes = 0;

	memset(ch, 0, sizeof(ch));
	for (int nr = 0; nr < 1024; nr++) {
		const char *nm = hutch_seccomp_syscall_name(nr);
		struct pol_verdict va, vb;
		char fa[80], fb[80];
		size_t k;

		if (!nm)
			continue;
		if (a->seccomp_enabled)
			pol_syscall(&a->seccomp, nm, &va);
		if (b->seccomp_enabled)
			pol_syscall(&b->seccomp, nm, &vb);
		if (a->seccomp_enabled)
			pol_verdict_str(&va, fa, sizeof(fa));
		else
			snprintf(fa, sizeof(fa), "allow (no filter)");
		if (b->seccomp_enabled)
			pol_verdict_str(&vb, fb, sizeof(fb));
		else
			snprintf(fb, sizeof(fb), "allow (no filter)");
		if (strcmp(fa, fb) == 0)
			continue;
		changes++;
		for (k = 0; k < n_ch; k++)
			if (strcmp(ch[k].from, fa) == 0 && strcmp(ch[k].to, fb) == 0)
				break;
		if (k == n_ch) {
			if (n_ch == ARRAY_SIZE(ch))
				k = n_ch - 1; /* more kinds than that: lump the rest in the last */
			else {
				snprintf(ch[k].from, sizeof(ch[k].from), "%s", fa);
				snprintf(ch[k].to, sizeof(ch[k].to), "%s", fb);
				n_ch++;
			}
		}
		sb_add(&ch[k].names, "%s%s", ch[k].names.len ? ", " : "", nm);
	}
	for (size_t k = 0; k < n_ch; k++) {
		printf("  seccomp: %s -> %s:\n", ch[k].from, ch[k].to);
		wrap("      ", sb_str(&ch[k].names));
		free(ch[k].names.s);
	}
	return changes;
}

static int cmd_diff(const char *na, const char *nb, const char *search_path)
{
	struct hutch_error err = { 0 };
	struct profile *a = NULL, *b = NULL;
	cJSON *fa = NULL, *fb = NULL;
	int changes, status = 125;

	if (profile_load(na, search_path, &a, &err) < 0 || profile_load(nb, search_path, &b, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		goto out;
	}
	printf("--- %s (%s)\n+++ %s (%s)\n", a->name, a->path, b->name, b->path);
	fa = flatten(a);
	fb = flatten(b);
	changes = diff_values(fa, fb) + diff_seccomp(a, b);
	if (!changes)
		puts("  (no difference once resolved)");
	status = changes ? 1 : 0;
out:
	cJSON_Delete(fa);
	cJSON_Delete(fb);
	profile_free(a);
	profile_free(b);
	return status;
}

/* --------------------------------------------------------------- check */

static int cmd_check(int argc, char **argv, const char *search_path)
{
	struct hutch_error err = { 0 };
	int bad = 0;

	if (argc < 1) {
		fputs("Usage: hutch profile check FILE...\n", stderr);
		return 125;
	}
	for (int i = 0; i < argc; i++) {
		struct hutch_seccomp *sc = NULL;
		struct profile *p = NULL;

		if (profile_load(argv[i], search_path, &p, &err) < 0 ||
		    (p->seccomp_enabled && hutch_seccomp_compile(&p->seccomp, &sc, &err) < 0)) {
			fprintf(stderr, "%s\n", err.msg);
			bad++;
		} else {
			printf("%s: ok\n", argv[i]);
		}
		hutch_seccomp_free(sc);
		profile_free(p);
	}
	return bad ? 125 : 0;
}

/* Take "--profile-path DIRS" / "--profile-path=DIRS" out of argv (before
 * a "--"), so it may come before or after the subcommand. Returns the new
 * argc. */
static int take_profile_path(int argc, char **argv, const char **ret)
{
	int o = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--profile-path") == 0 && i + 1 < argc) {
			*ret = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--profile-path=", 15) == 0) {
			*ret = argv[i] + 15;
			continue;
		}
		argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

int cmd_profile(int argc, char **argv)
{
	const char *sp = NULL, *cmd;

	argc = take_profile_path(argc, argv, &sp);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_profile(argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "list") == 0)
		return cmd_list(sp);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 2, argv + 2, sp);
	if (strcmp(cmd, "learn") == 0)
		return cmd_profile_learn(argc - 1, argv + 1, sp);
	if (strcmp(cmd, "audit") == 0)
		return cmd_profile_audit(argc - 1, argv + 1, sp);
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "explain") == 0) {
		struct hutch_error err = { 0 };
		struct profile *p = NULL;
		char *s;

		if (argc != 3) {
			fprintf(stderr, "Usage: hutch profile %s NAME|PATH\n", cmd);
			return 125;
		}
		if (cmd[0] == 'e')
			return cmd_explain(argv[2], sp);
		if (profile_load(argv[2], sp, &p, &err) < 0) {
			fprintf(stderr, "hutch: %s\n", err.msg);
			return 125;
		}
		s = profile_to_json(p);
		if (s)
			puts(s);
		free(s);
		profile_free(p);
		return 0;
	}
	if (strcmp(cmd, "diff") == 0) {
		if (argc != 4) {
			fputs("Usage: hutch profile diff A B\n", stderr);
			return 125;
		}
		return cmd_diff(argv[2], argv[3], sp);
	}
	fprintf(stderr, "hutch: unknown profile command '%s' (try 'hutch profile --help')\n", cmd);
	return 125;
}
