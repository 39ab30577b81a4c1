/* SPDX-License-Identifier: MIT */
/*
 * hutch: the command-line front end of libhutch.
 *   hutch run [OPTIONS] -- PROGRAM [ARG...]
 *   hutch info
 *   hutch profile ...
 * It turns a profile plus command-line overrides into a hutch_spec, runs
 * it, prints the result and exits with the `hutch run` contract's status.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "error.h"
#include "netopts.h"
#include "overrides.h"
#include "profile.h"
#include "result.h"
#include "seccomp.h"
#include "units.h"
#include "util.h"

extern char **environ;

static void usage_main(FILE *f)
{
	fputs("Usage: hutch COMMAND [OPTIONS]\n"
	      "\n"
	      "Run untrusted programs in a fresh, fully isolated Linux sandbox.\n"
	      "\n"
	      "Commands:\n"
	      "  run       run a program in a sandbox (hutch run --help)\n"
	      "  info      show what this host supports: cgroups, namespaces, kernel\n"
	      "  profile   list, show, check, explain, diff, audit, learn profiles\n"
	      "            (hutch profile --help)\n"
	      "  runtime   build, list, remove language root filesystems (hutch runtime --help)\n"
	      "  serve     keep warm sandboxes and run programs sent on a socket (hutch serve --help)\n"
	      "  client    run a program through hutch serve (hutch client --help)\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "hutch must run as root. See README.md and docs/ for details.\n",
	      f);
}

static void usage_run(FILE *f)
{
	fputs("Usage: hutch run [OPTIONS] -- PROGRAM [ARG...]\n"
	      "\n"
	      "Run PROGRAM in a new sandbox made from a profile (default: \"default\"): new\n"
	      "user, pid, mount, ipc, uts, net and cgroup namespaces; an overlay root with\n"
	      "read-only /usr and /etc; no capabilities; a seccomp filter; cgroup limits.\n"
	      "PROGRAM is looked up in the sandbox's PATH.\n"
	      "\n"
	      "Profile and limits (a value may lower a limit, never raise it above the\n"
	      "profile's ceiling; SIZE takes K, M, G suffixes; SEC takes decimals or ms):\n"
	      "  -p, --profile NAME|PATH   profile to use (hutch profile list)\n"
	      "      --profile-path DIRS   where profile names are looked up (colon-separated;\n"
	      "                            default $HUTCH_PROFILE_PATH, else /etc/hutch/profiles,\n"
	      "                            then the installed profiles)\n"
	      "      --set PATH=VALUE      a profile value for this run, by its JSON path:\n"
	      "                            limits.NAME=VALUE (up to its ceiling), network.mode\n"
	      "  -t, --time SEC            CPU time of the whole process tree\n"
	      "  -w, --wall-time SEC       wall-clock time\n"
	      "  -m, --memory SIZE         memory of the whole tree (swap off)\n"
	      "      --pids N              processes and threads at once\n"
	      "      --fsize SIZE          largest file the program may write\n"
	      "      --output-limit SIZE   bytes kept of stdout, and of stderr; past it: OL\n"
	      "      --nofile N            open files per process\n"
	      "      --stack SIZE          stack size per process\n"
	      "      --tmpfs-size SIZE     writable root layer and /tmp\n"
	      "      --shm-size SIZE       /dev/shm\n"
	      "\n"
	      "Files:\n"
	      "  -d, --workdir DIR         mount host DIR read-write at /box and start there;\n"
	      "                            files the program writes are owned by host uid\n"
	      "                            2000001000 (docs/identity.md)\n"
	      "  -x, --workdir-exec        allow executing files from /box (compile steps);\n"
	      "                            the default is noexec unless the profile allows it\n"
	      "  -b, --bind SRC[:DST][:rw][:exec]\n"
	      "                            bind host SRC at DST (default: same path),\n"
	      "                            read-only and noexec unless :rw / :exec\n"
	      "      --cwd DIR             start in DIR inside (default /box)\n"
	      "\n"
	      "Streams and results:\n"
	      "      --stdin FILE          program's stdin (default: hutch's stdin unless it is\n"
	      "                            a terminal, then /dev/null; '-' forces hutch's stdin)\n"
	      "      --stdout FILE         write the program's stdout to FILE (default: stdout)\n"
	      "      --stderr FILE         write the program's stderr to FILE (default: stderr)\n"
	      "      --redirect-stderr     send the program's stderr into its stdout stream\n"
	      "  -r, --result FILE|-       write the JSON result to FILE, or '-' for stdout\n"
	      "      --timings             add the start-up steps' timestamps to the result\n"
	      "\n"
	      "Environment and network:\n"
	      "  -e, --env NAME=VALUE      set a variable (the environment is otherwise only\n"
	      "                            what the profile sets or allows)\n"
	      "  -n, --net MODE            none (default), loopback, egress or publish, within\n"
	      "                            the profile's network.allowed (docs/network.md)\n"
	      "      --publish PORT        publish mode: the program's TCP PORT answers at the\n"
	      "                            sandbox's address, from this host only (repeatable;\n"
	      "                            implies --net publish)\n"
	      "      --net-info FILE       once the network is up, write its interface, the\n"
	      "                            sandbox's address and the gateway to FILE (JSON)\n"
	      "\n"
	      "Exit status: the program's exit status; 128+N if it died of signal N;\n"
	      "125 if the sandbox failed (the message says which step and why); 126 if\n"
	      "PROGRAM cannot be executed; 127 if it is not found.\n"
	      "\n"
	      "Result statuses: OK (exit 0), RE (non-zero exit), SG (signal), TO (CPU or wall\n"
	      "time limit), ML (memory limit), OL (output or file size limit), XX (sandbox\n"
	      "error).\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static void die_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("hutch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Parse SRC[:DST][:rw][:exec]. */
static int parse_bind(char *arg, struct hutch_bind *b)
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
	if (!parts[0] || parts[0][0] != '/') {
		die_msg("--bind %s: SRC must be an absolute host path", arg);
		return -1;
	}
	b->src = parts[0];
	b->dst = parts[0];
	b->flags = 0;
	for (int i = 1; i < n; i++) {
		if (strcmp(parts[i], "rw") == 0)
			b->flags |= HUTCH_BIND_RW;
		else if (strcmp(parts[i], "ro") == 0)
			;
		else if (strcmp(parts[i], "exec") == 0)
			b->flags |= HUTCH_BIND_EXEC;
		else if (i == 1 && parts[i][0] == '/')
			b->dst = parts[i];
		else {
			die_msg("--bind: unknown part '%s' (expected DST, rw, ro or exec)", parts[i]);
			return -1;
		}
	}
	return 0;
}

static int set_limit_opt(struct run_overrides *o, enum limit_id id, const char *arg)
{
	struct hutch_error err = { 0 };

	if (ovr_limit(o, id, arg, limit_table[id].option, &err) < 0) {
		die_msg("%s", err.msg);
		return -1;
	}
	return 0;
}

struct envv {
	char **v;
	size_t n, cap;
};

static int env_put(struct envv *e, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], kv, klen) == 0 && e->v[i][klen] == '=') {
			e->v[i] = (char *)kv;
			return 0;
		}
	if (e->n + 2 > e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 32;
		char **nv = realloc(e->v, nc * sizeof(char *));
		if (!nv)
			return -ENOMEM;
		e->v = nv;
		e->cap = nc;
	}
	e->v[e->n++] = (char *)kv;
	e->v[e->n] = NULL;
	return 0;
}

/* Absolute, lexically normalised form of path (no symlink is resolved). */
static int lexical_abs(const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX * 2], cwd[PATH_MAX];
	size_t o = 0;

	if (path[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	else
		return -1;
	for (char *c = strtok(tmp, "/"); c; c = strtok(NULL, "/")) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + strlen(c) + 2 > len)
			return -1;
		out[o++] = '/';
		memcpy(out + o, c, strlen(c));
		o += strlen(c);
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0' || strcmp(dir, "/") == 0);
}

/* Open a file hutch (root) writes for the caller. The program may have
 * planted things where it goes (CVE-2021-30465 class), so: no symlink in
 * any component (RESOLVE_NO_SYMLINKS), no FIFO or device (O_NONBLOCK then
 * S_ISREG: a FIFO would hang us), and never inside the workdir or a rw
 * bind, where the program could replace it during the run. */
static int open_output(const char *opt, const char *path, const char *const *rw_dirs, size_t n_rw)
{
	struct open_how how = { .flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW,
				.mode = 0644,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	char abs_path[PATH_MAX], dir_real[PATH_MAX], dir_lex[PATH_MAX];
	struct stat st;
	int fd;

	if (lexical_abs(path, abs_path, sizeof(abs_path)) < 0) {
		die_msg("%s %s: path too long", opt, path);
		return -1;
	}
	for (size_t i = 0; i < n_rw; i++) {
		if (!rw_dirs[i])
			continue;
		if ((lexical_abs(rw_dirs[i], dir_lex, sizeof(dir_lex)) == 0 && path_within(abs_path, dir_lex)) ||
		    (realpath(rw_dirs[i], dir_real) && path_within(abs_path, dir_real))) {
			die_msg("%s %s: inside %s, which the program can write: it could replace the "
				"file; write it outside the workdir and read-write binds",
				opt, path, rw_dirs[i]);
			return -1;
		}
	}
	fd = (int)syscall(SYS_openat2, AT_FDCWD, abs_path, &how, sizeof(how));
	if (fd < 0) {
		int e = errno;
		die_msg("%s %s: %s%s", opt, path, strerror(e),
			e == ELOOP ? " (output paths may not contain symlinks)"
			: e == ENXIO ? " (a FIFO without a reader: output must be a regular file)" : "");
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		die_msg("%s %s: not a regular file", opt, path);
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) < 0) {
		die_msg("%s %s: fcntl: %s", opt, path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct net_info_out {
	const char *path;
	const uint16_t *publish;
	size_t n_publish;
};

/* --net-info: the network's coordinates, for whoever connects to a
 * published port. Written whole to FILE.tmp, then renamed: a reader that
 * sees FILE sees all of it. Failures go to stderr; the run goes on. */
static void write_net_info(const struct hutch_net_info *info, void *arg)
{
	const struct net_info_out *o = arg;
	char addr[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], tmp[PATH_MAX];
	FILE *f;
	int fd;

	inet_ntop(AF_INET, &info->address, addr, sizeof(addr));
	inet_ntop(AF_INET, &info->gateway, gw, sizeof(gw));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", o->path) >= sizeof(tmp)) {
		die_msg("--net-info %s: path too long", o->path);
		return;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		die_msg("--net-info %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	fprintf(f, "{\"interface\": \"%s\", \"address\": \"%s\", \"gateway\": \"%s\", \"publish\": [",
		info->ifname, addr, gw);
	for (size_t i = 0; i < o->n_publish; i++)
		fprintf(f, "%s%u", i ? ", " : "", o->publish[i]);
	fputs("]}\n", f);
	if (fclose(f) != 0 || rename(tmp, o->path) < 0)
		die_msg("--net-info %s: %s", o->path, strerror(errno));
}

/* On hosts whose runs join v1 cgroups, keep that join cheap after idle
 * spells (favordynmods, sandbox/cgroup-dynmods.c). HUTCH_FAVORDYNMODS=0
 * leaves the host's default alone. A kernel without the option (< 6.0)
 * only makes the first run after an idle spell slower: no warning. */
void cli_favor_dynmods(const struct hutch_cgroup_host *host)
{
	struct hutch_error err = { 0 };
	const char *env = getenv("HUTCH_FAVORDYNMODS");

	if (env && strcmp(env, "0") == 0)
		return;
	if (mkdir(HUTCH_RUN_DIR, 0711) < 0 && errno != EEXIST) {
		die_msg("warning: mkdir %s: %s", HUTCH_RUN_DIR, strerror(errno));
		return;
	}
	if (hutch_cgroup_favor_dynmods(host, HUTCH_RUN_DIR "/cgroup-favordynmods", &err) < 0 &&
	    err.code != EINVAL)
		die_msg("warning: %s", err.msg);
}

/* Compiled seccomp programs, kept between runs (sandbox/seccomp-cache.c):
 * a directory only root can write. -1 (compile every time) if it cannot be
 * made. */
int cli_seccomp_cache_dir(void)
{
	if (mkdir(HUTCH_RUN_DIR, 0711) < 0 && errno != EEXIST)
		return -1;
	if (mkdir(HUTCH_RUN_DIR "/seccomp", 0700) < 0 && errno != EEXIST)
		return -1;
	return open(HUTCH_RUN_DIR "/seccomp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "wall-time", required_argument, NULL, 'w' },
		{ "memory", required_argument, NULL, 'm' },
		{ "pids", required_argument, NULL, 1000 + LIM_PIDS },
		{ "fsize", required_argument, NULL, 1000 + LIM_FSIZE },
		{ "output-limit", required_argument, NULL, 1000 + LIM_OUTPUT },
		{ "nofile", required_argument, NULL, 1000 + LIM_NOFILE },
		{ "stack", required_argument, NULL, 1000 + LIM_STACK },
		{ "tmpfs-size", required_argument, NULL, 1000 + LIM_TMPFS },
		{ "shm-size", required_argument, NULL, 1000 + LIM_SHM },
		{ "workdir", required_argument, NULL, 'd' },
		{ "workdir-exec", no_argument, NULL, 'x' },
		{ "bind", required_argument, NULL, 'b' },
		{ "cwd", required_argument, NULL, 2001 },
		{ "stdin", required_argument, NULL, 2002 },
		{ "stdout", required_argument, NULL, 2003 },
		{ "stderr", required_argument, NULL, 2004 },
		{ "redirect-stderr", no_argument, NULL, 2005 },
		{ "result", required_argument, NULL, 'r' },
		{ "timings", no_argument, NULL, 2006 },
		{ "env", required_argument, NULL, 'e' },
		{ "net", required_argument, NULL, 'n' },
		{ "publish", required_argument, NULL, 2007 },
		{ "net-info", required_argument, NULL, 2008 },
		{ "set", required_argument, NULL, 3001 },
		{ "profile-path", required_argument, NULL, 3002 },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_overrides ov = { 0 };
	struct hutch_spec spec;
	struct hutch_result res;
	struct hutch_error err = { 0 };
	struct profile *prof = NULL;
	struct hutch_seccomp *sc = NULL;
	struct hutch_cgroup_host *cg_host = NULL;
	struct hutch_bind *binds = NULL;
	struct envv env = { 0 };
	char **env_args = NULL;
	size_t n_binds = 0, n_env_args = 0;
	const char *profile_name = "default", *profile_path = NULL, *workdir = NULL, *cwd = NULL,
		   *stdin_path = NULL, *stdout_path = NULL, *stderr_path = NULL, *result_path = NULL;
	bool redirect = false, timings = false;
	uint16_t publish[HUTCH_NET_MAX_PORTS];
	size_t n_publish = 0;
	struct net_info_out net_info = { 0 };
	int cancel_fd = -1;
	sigset_t stop_sigs;
	char image_path[4096];
	int c, status = 125, in_fd = -1, out_fd = -1, err_fd = -1, res_fd = -1, r;

	binds = calloc((size_t)argc, sizeof(*binds));
	env_args = calloc((size_t)argc + 1, sizeof(char *));
	if (!binds || !env_args) {
		die_msg("out of memory");
		goto done;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:t:w:m:d:xb:r:e:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': profile_name = optarg; break;
		case 't': if (set_limit_opt(&ov, LIM_TIME, optarg) < 0) goto done; break;
		case 'w': if (set_limit_opt(&ov, LIM_WALL_TIME, optarg) < 0) goto done; break;
		case 'm': if (set_limit_opt(&ov, LIM_MEMORY, optarg) < 0) goto done; break;
		case 'd': workdir = optarg; break;
		case 'x': ov.workdir_exec = true; break;
		case 'b':
			if (parse_bind(optarg, &binds[n_binds]) < 0)
				goto done;
			n_binds++;
			break;
		case 'r': result_path = optarg; break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				die_msg("--env %s: expected NAME=VALUE", optarg);
				goto done;
			}
			env_args[n_env_args++] = optarg;
			break;
		case 'n':
			if (net_mode_parse(optarg, &ov.net) < 0) {
				die_msg("--net %s: expected none, loopback, egress or publish", optarg);
				goto done;
			}
			ov.net_set = true;
			break;
		case 'h': usage_run(stdout); status = 0; goto done;
		case 3001:
			if (ovr_set(&ov, optarg, &err) < 0) {
				die_msg("%s", err.msg);
				goto done;
			}
			break;
		case 3002: profile_path = optarg; break;
		case 2001: cwd = optarg; break;
		case 2002: stdin_path = optarg; break;
		case 2003: stdout_path = optarg; break;
		case 2004: stderr_path = optarg; break;
		case 2005: redirect = true; break;
		case 2006: timings = true; break;
		case 2007:
			if (n_publish >= HUTCH_NET_MAX_PORTS || netopt_parse_port(optarg, &publish[n_publish]) < 0) {
				die_msg("--publish %s: expected a port 1..65535 (at most %d)", optarg,
					HUTCH_NET_MAX_PORTS);
				goto done;
			}
			n_publish++;
			break;
		case 2008: net_info.path = optarg; break;
		default:
			if (c >= 1000 && c < 1000 + LIM__MAX) {
				if (set_limit_opt(&ov, (enum limit_id)(c - 1000), optarg) < 0)
					goto done;
				break;
			}
			fputs("Try 'hutch run --help'.\n", stderr);
			goto done;
		}
	}
	if (optind >= argc) {
		die_msg("no program given: hutch run [OPTIONS] -- PROGRAM [ARG...]");
		goto done;
	}

	r = profile_load(profile_name, profile_path, &prof, &err);
	if (r < 0) {
		die_msg("%s", err.msg);
		goto done;
	}
	hutch_spec_init(&spec);
	r = profile_apply_limits(prof, &ov, &spec.limits, &err);
	if (r < 0) {
		die_msg("%s", err.msg);
		goto done;
	}
	if (ov.net_set) {
		if (!(prof->net_allowed & (1u << ov.net))) {
			die_msg("--net %s: not allowed by profile %s (network.allowed)", net_mode_name(ov.net),
				prof->name);
			goto done;
		}
		spec.net = ov.net;
	} else {
		spec.net = prof->net;
	}
	/* --publish without --net: publish mode, if the profile allows it */
	if (n_publish && !ov.net_set) {
		if (!(prof->net_allowed & (1u << HUTCH_NET_PUBLISH))) {
			die_msg("--publish: network mode publish is not allowed by profile %s (network.allowed)",
				prof->name);
			goto done;
		}
		spec.net = HUTCH_NET_PUBLISH;
	}
	{
		struct net_overrides no = { .publish = publish, .n_publish = n_publish,
					    .publish_set = n_publish > 0 };
		if (netopt_apply(&prof->net_opts, &no, &spec, &err) < 0) {
			die_msg("--publish: %s", err.msg);
			goto done;
		}
	}
	if (net_info.path) {
		net_info.publish = spec.net_opts.publish;
		net_info.n_publish = spec.net_opts.n_publish;
		spec.net_opts.on_ready = write_net_info;
		spec.net_opts.on_ready_arg = &net_info;
	}
	if (prof->seccomp_enabled) {
		_cleanup_close_ int cache_fd = cli_seccomp_cache_dir();

		r = hutch_seccomp_compile_cached(&prof->seccomp, cache_fd, &sc, &err);
		if (r < 0) {
			die_msg("profile %s: seccomp: %s", prof->name, err.msg);
			goto done;
		}
	}
	if (prof->image) {
		if (prof->image[0] == '/')
			snprintf(image_path, sizeof(image_path), "%s", prof->image);
		else
			snprintf(image_path, sizeof(image_path), "%s/runtimes/%s/rootfs", cli_state_dir(),
				 prof->image);
		if (access(image_path, F_OK) < 0) {
			die_msg("profile %s needs the runtime image '%s', which is not built: run `hutch "
				"runtime build %s`",
				prof->name, prof->image, prof->image);
			goto done;
		}
		spec.rootfs = image_path;
	}

	/* Environment: profile's set, allowed variables of ours, then --env. */
	for (size_t i = 0; prof->env_set && prof->env_set[i]; i++)
		if (env_put(&env, prof->env_set[i]) < 0)
			goto oom;
	for (size_t i = 0; prof->env_allow && prof->env_allow[i]; i++) {
		size_t kl = strlen(prof->env_allow[i]);
		for (char **e = environ; *e; e++)
			if (strncmp(*e, prof->env_allow[i], kl) == 0 && (*e)[kl] == '=' &&
			    env_put(&env, *e) < 0)
				goto oom;
	}
	for (size_t i = 0; i < n_env_args; i++)
		if (env_put(&env, env_args[i]) < 0)
			goto oom;
	if (!env.v && env_put(&env, "PATH=/usr/local/bin:/usr/bin:/bin") < 0)
		goto oom;

	/* Binds: the profile's, then the command line's. */
	{
		struct hutch_bind *all = calloc(prof->n_binds + n_binds + 1, sizeof(*all));
		if (!all)
			goto oom;
		/* memcpy from NULL is undefined even for 0 bytes (UBSan, make asan) */
		if (prof->n_binds)
			memcpy(all, prof->binds, prof->n_binds * sizeof(*all));
		memcpy(all + prof->n_binds, binds, n_binds * sizeof(*all));
		free(binds);
		binds = all;
		n_binds += prof->n_binds;
	}

	if (stdin_path && strcmp(stdin_path, "-") == 0)
		spec.stdin_fd = 0;
	else if (stdin_path) {
		in_fd = open(stdin_path, O_RDONLY | O_CLOEXEC);
		if (in_fd < 0) {
			die_msg("--stdin %s: %s", stdin_path, strerror(errno));
			goto done;
		}
		spec.stdin_fd = in_fd;
	} else {
		spec.stdin_fd = isatty(0) ? -1 : 0;
	}
	spec.stdout_fd = 1;
	spec.stderr_fd = 2;
	{
		const char **rw = calloc(n_binds + 1, sizeof(char *));
		size_t n_rw = 0;
		bool bad = false;

		if (!rw)
			goto oom;
		rw[n_rw++] = workdir;
		for (size_t i = 0; i < n_binds; i++)
			if (binds[i].flags & HUTCH_BIND_RW)
				rw[n_rw++] = binds[i].src;
		if (stdout_path && (spec.stdout_fd = out_fd = open_output("--stdout", stdout_path, rw, n_rw)) < 0)
			bad = true;
		if (!bad && stderr_path &&
		    (spec.stderr_fd = err_fd = open_output("--stderr", stderr_path, rw, n_rw)) < 0)
			bad = true;
		if (!bad && result_path && strcmp(result_path, "-") != 0 &&
		    (res_fd = open_output("--result", result_path, rw, n_rw)) < 0)
			bad = true;
		free(rw);
		if (bad)
			goto done;
	}

	spec.argv = argv + optind;
	spec.envp = env.v;
	spec.masked_paths = (const char *const *)prof->masked;
	spec.workdir = workdir;
	spec.workdir_exec = prof->workdir_exec || ov.workdir_exec;
	spec.binds = binds;
	spec.n_binds = n_binds;
	spec.cwd = cwd ? cwd : "/box";
	spec.uid = prof->uid;
	spec.gid = prof->gid;
	spec.redirect_stderr = redirect;
	spec.seccomp = sc;
	spec.timings = timings;

	/* One detection per process; stale cgroups of crashed runs (their
	 * supervisor is dead) are killed and removed before we start. */
	r = hutch_cgroup_detect(&cg_host, &err);
	if (r < 0) {
		die_msg("cgroups: %s", err.msg);
		goto done;
	}
	if (hutch_cgroup_cleanup_stale(cg_host, &err) < 0)
		die_msg("warning: cleaning stale cgroups: %s", err.msg);
	cli_favor_dynmods(cg_host);
	spec.cgroups = cg_host;

	/* SIGTERM, SIGINT, SIGHUP, SIGQUIT to hutch cancel the run cleanly
	 * (sandbox killed, cgroups and mounts removed) instead of killing hutch
	 * mid-teardown. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGHUP);
	sigaddset(&stop_sigs, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &stop_sigs, NULL) == 0)
		cancel_fd = signalfd(-1, &stop_sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	spec.cancel_fd = cancel_fd;

	r = hutch_run(&spec, &res, &err);
	if (r < 0)
		die_msg("%s", err.msg);
	status = hutch_result_exit_status(&res);
	if (res.cancelled) {
		struct signalfd_siginfo si;
		int signo = SIGTERM;
		if (read(cancel_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			signo = (int)si.ssi_signo;
		snprintf(res.message, sizeof(res.message), "cancelled: hutch received SIG%s",
			 sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
		status = 128 + signo;
	}
	if (result_path) {
		int fd = res_fd >= 0 ? res_fd : 1;
		if (result_write_json(fd, &res, timings) < 0)
			die_msg("write result: %s", strerror(errno));
	}
	goto done;
oom:
	die_msg("out of memory");
done:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (res_fd >= 0)
		close(res_fd);
	if (cancel_fd >= 0)
		close(cancel_fd);
	hutch_seccomp_free(sc);
	hutch_cgroup_host_free(cg_host);
	profile_free(prof);
	free(binds);
	free(env_args);
	free(env.v);
	return status;
}

static int cmd_info(int argc, char **argv)
{
	struct hutch_cgroup_host *host = NULL;
	struct hutch_error err = { 0 };
	struct utsname u;
	char buf[4096];

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: hutch info\n\nPrint the kernel, the cgroup layout hutch detected (per\n"
		     "controller, with the reason), and the state directory.");
		return 0;
	}
	if (uname(&u) == 0)
		printf("kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	printf("hutch: %s\n", HUTCH_VERSION);
	printf("state directory: %s\n", cli_state_dir());
	if (hutch_cgroup_detect(&host, &err) < 0) {
		die_msg("cgroup detection: %s", err.msg);
		return 125;
	}
	if (hutch_cgroup_describe(host, buf, sizeof(buf)) >= 0)
		fputs(buf, stdout);
	hutch_cgroup_host_free(host);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return 125;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage_main(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("hutch %s\n", HUTCH_VERSION);
		return 0;
	}
	/* A closed stdout must not kill the supervisor mid-run. */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "info") == 0) {
		bool help = argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
		if (!help && geteuid() != 0) {
			die_msg("must run as root: it creates namespaces, cgroups and mounts "
				"(try: sudo hutch %s ...)", argv[1]);
			return 125;
		}
		/* Supplementary groups would follow the program into the sandbox
		 * with their host ids (group root!): drop them once, here. */
		if (!help && setgroups(0, NULL) < 0) {
			die_msg("setgroups: %s", strerror(errno));
			return 125;
		}
		if (strcmp(argv[1], "run") == 0)
			return cmd_run(argc - 1, argv + 1);
		return cmd_info(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "runtime") == 0)
		return cmd_runtime(argc - 1, argv + 1);
	if (strcmp(argv[1], "profile") == 0)
		return cmd_profile(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0 || strcmp(argv[1], "client") == 0) {
		bool help = argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
		if (!help && strcmp(argv[1], "serve") == 0 && (geteuid() != 0 || setgroups(0, NULL) < 0)) {
			die_msg("serve: must run as root (it creates namespaces, cgroups and mounts)");
			return 125;
		}
		return strcmp(argv[1], "serve") == 0 ? cmd_serve(argc - 1, argv + 1)
						     : cmd_client(argc - 1, argv + 1);
	}
	die_msg("unknown command '%s' (try 'hutch --help')", argv[1]);
	return 125;
}
