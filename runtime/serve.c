/* SPDX-License-Identifier: MIT */
/*
 * hutch serve: warm sandboxes behind a unix socket; hutch client: its
 * command-line client.
 *
 *   hutch serve --socket PATH [--profile NAME] [--workers N]
 *   hutch client --socket PATH [--result FILE|-] -- PROGRAM [ARG...]
 *
 * The server loads the profile once, compiles its seccomp program once and
 * keeps one warm sandbox (sandbox/hutch-warm.h) per worker, made before the
 * first request. Each connection is served by one worker, one run at a
 * time; a sandbox whose run was killed is replaced.
 *
 * Protocol, SOCK_SEQPACKET (one message each way per run):
 *   request: struct serve_req, then argc NUL-terminated strings (argv), with
 *            three fds attached: the program's stdin, stdout and stderr
 *            (the program reads and writes them directly; output limits
 *            apply as for hutch run);
 *   reply:   the result as `hutch run --result` writes it, plus
 *            "exit_status" (the `hutch run` contract) and "sandbox_runs"
 *            (how many runs the warm sandbox has served, this one included).
 * The environment is the profile's (environment.set), not the client's.
 * The socket is created mode 0600: only root may send runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "hutch-warm.h"
#include "profile.h"
#include "result.h"
#include "units.h"
#include "seccomp.h"
#include "util.h"

#define SERVE_MAGIC 0x68737631u /* "hsv1" */
#define SERVE_MSG_MAX (128u << 10)
#define SERVE_ARGS_MAX 1024u
#define SERVE_WORKERS_MAX 64

struct serve_req {
	uint32_t magic;
	uint32_t argc;
	uint32_t flags; /* bit 0: redirect stderr into stdout */
	uint32_t reserved;
};

struct server {
	struct hutch_spec tmpl;
	struct profile *prof;
	struct hutch_seccomp *sc;
	struct hutch_cgroup_host *cg_host;
	char **env;
	int listen_fd;
	int stop_fd; /* eventfd: readable when the server stops */
};

__attribute__((format(printf, 1, 2))) static void serve_log(const char *fmt, ...)
{
	va_list ap;

	fputs("hutch serve: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Receive a request: argv into *ret_argv (one allocation with the
 * strings), fds[3]. 1: got one; 0: EOF; -1: malformed (fds closed). */
static int recv_req(int conn, char ***ret_argv, uint32_t *ret_flags, int fds[3])
{
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	char *buf = malloc(SERVE_MSG_MAX + 1);
	struct iovec iov = { .iov_base = buf, .iov_len = SERVE_MSG_MAX };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct serve_req req;
	struct cmsghdr *c;
	char **argv = NULL, *p, *end;
	int n = 0;
	ssize_t len;

	fds[0] = fds[1] = fds[2] = -1;
	if (!buf)
		return -1;
	do
		len = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	while (len < 0 && errno == EINTR);
	if (len <= 0) {
		free(buf);
		return len == 0 ? 0 : -1;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t m = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < m; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (n < 3)
					fds[n++] = fd;
				else
					close(fd);
			}
		}
	if (n != 3 || (size_t)len < sizeof(req) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		goto bad;
	memcpy(&req, buf, sizeof(req));
	if (req.magic != SERVE_MAGIC || req.argc == 0 || req.argc > SERVE_ARGS_MAX)
		goto bad;
	/* One allocation: the pointer array, then the strings. */
	argv = malloc((req.argc + 1) * sizeof(char *) + (size_t)len);
	if (!argv)
		goto bad;
	p = (char *)(argv + req.argc + 1);
	memcpy(p, buf + sizeof(req), (size_t)len - sizeof(req));
	end = p + ((size_t)len - sizeof(req));
	for (uint32_t i = 0; i < req.argc; i++) {
		char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			goto bad;
		argv[i] = p;
		p = z + 1;
	}
	argv[req.argc] = NULL;
	free(buf);
	*ret_argv = argv;
	*ret_flags = req.flags;
	return 1;
bad:
	free(argv);
	free(buf);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	fds[0] = fds[1] = fds[2] = -1;
	return -1;
}

static void send_reply(int conn, const struct hutch_result *res, int status, uint64_t runs)
{
	char *json = result_to_json(res, false);
	char *out = NULL;
	size_t n;

	if (!json)
		return;
	n = strlen(json);
	while (n && (json[n - 1] == '\n' || json[n - 1] == '}'))
		json[--n] = '\0';
	if (asprintf(&out, "%s,\"exit_status\":%d,\"sandbox_runs\":%llu}\n", json, status,
		     (unsigned long long)runs) > 0)
		(void)send(conn, out, strlen(out), MSG_NOSIGNAL); /* a gone client is not our error */
	free(out);
	free(json);
}

static void send_error(int conn, const char *msg)
{
	struct hutch_result res = { .status = HUTCH_XX, .exit_code = -1, .seccomp_syscall = -1 };

	hu_strlcpy(res.message, msg, sizeof(res.message));
	send_reply(conn, &res, 125, 0);
}

struct worker {
	struct server *srv;
	pthread_t thread;
	struct hutch_warm *warm;
};

static int ensure_warm(struct worker *wk)
{
	struct hutch_error err = { 0 };

	if (hutch_warm_alive(wk->warm))
		return 0;
	hutch_warm_free(wk->warm);
	wk->warm = NULL;
	if (hutch_warm_new(&wk->srv->tmpl, &wk->warm, &err) < 0) {
		serve_log("warm sandbox: %s", err.msg);
		return -1;
	}
	return 0;
}

static void serve_conn(struct worker *wk, int conn)
{
	struct server *srv = wk->srv;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = conn, .events = POLLIN }, { .fd = srv->stop_fd, .events = POLLIN } };
		struct hutch_spec job;
		struct hutch_result res;
		struct hutch_error err = { 0 };
		char **argv = NULL;
		uint32_t flags = 0;
		int fds[3], r;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return;
		if (pfd[1].revents)
			return;
		if (!pfd[0].revents)
			continue;
		r = recv_req(conn, &argv, &flags, fds);
		if (r == 0)
			return;
		if (r < 0) {
			send_error(conn, "bad request: expected struct serve_req, argv and 3 fds");
			return;
		}
		if (ensure_warm(wk) < 0) {
			send_error(conn, "no warm sandbox (see the server's log)");
		} else {
			hutch_spec_init(&job);
			job.argv = argv;
			job.envp = srv->env;
			job.stdin_fd = fds[0];
			job.stdout_fd = fds[1];
			job.stderr_fd = fds[2];
			job.redirect_stderr = flags & 1;
			job.cancel_fd = srv->stop_fd;
			job.cwd = "/box";
			/* A failure is in res too (XX, with err's message): the
			 * client gets it either way. */
			(void)hutch_warm_run(wk->warm, &job, &res, &err);
			send_reply(conn, &res, hutch_result_exit_status(&res), hutch_warm_runs(wk->warm));
		}
		for (int i = 0; i < 3; i++)
			close(fds[i]);
		free(argv);
	}
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct server *srv = wk->srv;

	/* Warm before the first request. */
	(void)ensure_warm(wk);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = srv->listen_fd, .events = POLLIN }, { .fd = srv->stop_fd, .events = POLLIN } };
		int conn;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		conn = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (conn < 0)
			continue; /* another worker took it */
		if (fcntl(conn, F_SETFL, 0) < 0) {
			close(conn);
			continue;
		}
		serve_conn(wk, conn);
		close(conn);
	}
	hutch_warm_free(wk->warm);
	wk->warm = NULL;
	return NULL;
}

/* The template spec from a profile: what `hutch run` would use without
 * options. */
static int server_setup(struct server *srv, const char *profile_name,
			const struct run_overrides *ov_in)
{
	struct hutch_error err = { 0 };
	struct run_overrides ov = *ov_in;
	struct hutch_spec *t = &srv->tmpl;
	size_t n = 0;
	int r;

	r = profile_load(profile_name, NULL, &srv->prof, &err);
	if (r < 0) {
		serve_log("%s", err.msg);
		return -1;
	}
	if (srv->prof->image) {
		serve_log("profile %s: runtime images are not served warm yet", srv->prof->name);
		return -1;
	}
	hutch_spec_init(t);
	if (profile_apply_limits(srv->prof, &ov, &t->limits, &err) < 0) {
		serve_log("%s", err.msg);
		return -1;
	}
	t->net = srv->prof->net;
	if (srv->prof->seccomp_enabled) {
		_cleanup_close_ int cache_fd = cli_seccomp_cache_dir();

		if (hutch_seccomp_compile_cached(&srv->prof->seccomp, cache_fd, &srv->sc, &err) < 0) {
			serve_log("profile %s: seccomp: %s", srv->prof->name, err.msg);
			return -1;
		}
	}
	for (char **e = srv->prof->env_set; e && *e; e++)
		n++;
	srv->env = calloc(n + 2, sizeof(char *));
	if (!srv->env)
		return -1;
	for (size_t i = 0; i < n; i++)
		srv->env[i] = srv->prof->env_set[i];
	if (!n)
		srv->env[0] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin";
	t->envp = srv->env;
	t->masked_paths = (const char *const *)srv->prof->masked;
	t->binds = srv->prof->binds;
	t->n_binds = srv->prof->n_binds;
	t->uid = srv->prof->uid;
	t->gid = srv->prof->gid;
	t->seccomp = srv->sc;
	if (hutch_cgroup_detect(&srv->cg_host, &err) < 0) {
		serve_log("cgroups: %s", err.msg);
		return -1;
	}
	if (hutch_cgroup_cleanup_stale(srv->cg_host, &err) < 0)
		serve_log("warning: cleaning stale cgroups: %s", err.msg);
	cli_favor_dynmods(srv->cg_host);
	t->cgroups = srv->cg_host;
	return 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		serve_log("--socket %s: path too long", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1); /* length checked above */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	(void)unlink(path); /* a stale socket of an earlier server */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 128) < 0) {
		serve_log("--socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "time", required_argument, NULL, 't' },
		{ "wall-time", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct server srv = { .listen_fd = -1, .stop_fd = -1 };
	struct run_overrides ov = { 0 };
	struct worker *wk = NULL;
	const char *sock_path = NULL, *profile_name = "default";
	long workers = 2;
	sigset_t sigs;
	int c, sig, status = 125;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:p:w:t:W:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
		case 'W': {
			enum limit_id id = c == 't' ? LIM_TIME : LIM_WALL_TIME;

			if (hu_parse_time(optarg, &ov.val[id]) < 0 || ov.val[id] == 0) {
				serve_log("--%s %s: expected seconds, e.g. 1.5 or 500ms",
					  c == 't' ? "time" : "wall-time", optarg);
				return 125;
			}
			ov.set[id] = true;
			break;
		}
		case 's': sock_path = optarg; break;
		case 'p': profile_name = optarg; break;
		case 'w':
			workers = strtol(optarg, NULL, 10);
			if (workers < 1 || workers > SERVE_WORKERS_MAX) {
				serve_log("--workers %s: expected 1..%d", optarg, SERVE_WORKERS_MAX);
				return 125;
			}
			break;
		case 'h':
			puts("Usage: hutch serve --socket PATH [--profile NAME] [--workers N] [--time SEC]\n"
			     "                   [--wall-time SEC]\n"
			     "\n"
			     "Keep N warm sandboxes of the profile (default: default, N = 2) and run the\n"
			     "programs sent on the unix socket PATH (mode 0600), one at a time per\n"
			     "sandbox. Every run gets fresh /tmp, /var/tmp, /dev/shm and /box, a fresh\n"
			     "IPC namespace, and no process of an earlier run survives it; the root is\n"
			     "read-only. SIGTERM or SIGINT stops the server (runs are cancelled).\n"
			     "Use `hutch client` or the protocol in runtime/serve.c.");
			return 0;
		default:
			fputs("Try 'hutch serve --help'.\n", stderr);
			return 125;
		}
	}
	if (!sock_path) {
		serve_log("--socket PATH is required");
		return 125;
	}
	/* Signals are taken by sigwait below, and blocked in every thread. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (server_setup(&srv, profile_name, &ov) < 0)
		goto out;
	srv.stop_fd = eventfd(0, EFD_CLOEXEC);
	srv.listen_fd = listen_on(sock_path);
	if (srv.stop_fd < 0 || srv.listen_fd < 0)
		goto out;
	wk = calloc((size_t)workers, sizeof(*wk));
	if (!wk)
		goto out;
	for (long i = 0; i < workers; i++) {
		wk[i].srv = &srv;
		if (pthread_create(&wk[i].thread, NULL, worker_main, &wk[i]) != 0) {
			serve_log("pthread_create failed");
			workers = i;
			break;
		}
	}
	serve_log("listening on %s with %ld warm sandbox(es) of profile %s", sock_path, workers,
		  srv.prof->name);
	while (sigwait(&sigs, &sig) != 0)
		;
	status = 0;
	/* Stop: workers leave their loops (running runs are cancelled
	 * through the same eventfd) and free their sandboxes. */
	{
		uint64_t one = 1;
		if (write(srv.stop_fd, &one, sizeof(one)) != sizeof(one))
			status = 125;
	}
	for (long i = 0; i < workers; i++)
		pthread_join(wk[i].thread, NULL);
	(void)unlink(sock_path);
out:
	free(wk);
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	if (srv.stop_fd >= 0)
		close(srv.stop_fd);
	hutch_seccomp_free(srv.sc);
	hutch_cgroup_host_free(srv.cg_host);
	free(srv.env);
	profile_free(srv.prof);
	return status;
}

int cmd_client(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "result", required_argument, NULL, 'r' },
		{ "redirect-stderr", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock_path = NULL, *result_path = NULL;
	struct serve_req req = { .magic = SERVE_MAGIC };
	char *buf = NULL, reply[65536];
	size_t len = sizeof(req);
	int c, fd = -1, status = 125;
	ssize_t n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_path = optarg; break;
		case 'r': result_path = optarg; break;
		case 'R': req.flags |= 1; break;
		case 'h':
			puts("Usage: hutch client --socket PATH [--result FILE|-] [--redirect-stderr] -- PROGRAM [ARG...]\n"
			     "\n"
			     "Run PROGRAM in a warm sandbox of `hutch serve` listening on PATH, with this\n"
			     "process's stdin, stdout and stderr. Exit status as for `hutch run`.");
			return 0;
		default:
			fputs("Try 'hutch client --help'.\n", stderr);
			return 125;
		}
	}
	if (!sock_path || optind >= argc || strlen(sock_path) >= sizeof(sa.sun_path)) {
		fputs("hutch client: --socket PATH and a PROGRAM are required\n", stderr);
		return 125;
	}
	req.argc = (uint32_t)(argc - optind);
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len > SERVE_MSG_MAX || req.argc > SERVE_ARGS_MAX) {
		fputs("hutch client: arguments too long\n", stderr);
		return 125;
	}
	buf = malloc(len);
	if (!buf)
		return 125;
	memcpy(buf, &req, sizeof(req));
	{
		char *p = buf + sizeof(req);
		for (int i = optind; i < argc; i++)
			p = stpcpy(p, argv[i]) + 1;
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1); /* length checked above */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hutch client: connect %s: %s\n", sock_path, strerror(errno));
		goto out;
	}
	{
		int fds[3] = { 0, 1, 2 };
		char cbuf[CMSG_SPACE(sizeof(fds))];
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		memset(cbuf, 0, sizeof(cbuf));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
			fprintf(stderr, "hutch client: send: %s\n", strerror(errno));
			goto out;
		}
	}
	do
		n = recv(fd, reply, sizeof(reply) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		fputs("hutch client: no reply from the server\n", stderr);
		goto out;
	}
	reply[n] = '\0';
	{
		const char *k = strstr(reply, "\"exit_status\":");
		char *end = NULL;
		long v = k ? strtol(k + strlen("\"exit_status\":"), &end, 10) : -1;

		status = (k && end && v >= 0 && v <= 255) ? (int)v : 125;
	}
	if (result_path) {
		FILE *f = strcmp(result_path, "-") == 0 ? stdout : fopen(result_path, "we");
		if (!f || fputs(reply, f) < 0)
			fprintf(stderr, "hutch client: --result %s: %s\n", result_path, strerror(errno));
		if (f && f != stdout)
			fclose(f);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return status;
}
