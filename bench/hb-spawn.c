/* SPDX-License-Identifier: MIT */
/*
 * hb-spawn: the process launcher of `make bench`.
 *
 * bench.py decides what to run and in which order (interleaved, shuffled)
 * and does the statistics; this small C program does the launching, so that
 * every tool, the bare fork+exec baseline included, is started by the same
 * fork() + execve() + wait4() path with nothing of Python's in between.
 *
 *   hb-spawn CMDFILE
 *
 * CMDFILE holds the commands: each one is a list of NUL-terminated strings
 * ended by an empty string. The first string of a command is its mount
 * namespace: "-" for ours, or a path such as /proc/PID/ns/mnt to setns()
 * into before execve (crun on a hybrid cgroup host needs one where
 * /sys/fs/cgroup/unified is hidden). Then come argv[0] (an absolute path)
 * and the arguments. An argument "@ID@" becomes "hb<pid>" (the pid of the
 * launched process), for tools that need a name unique among concurrent
 * runs (crun's container id). A namespace field "@serve=PATH" sends the
 * command to a `hutch serve` socket instead (runtime/serve.c's protocol,
 * one connection per process), the warm path: stdin/stdout/stderr are
 * passed as fds and the reply's exit_status stands for the wait status.
 *
 * Requests arrive on stdin, one per line; each gets one line on stdout:
 *   L I            run command I once
 *                  -> "ns utime_us stime_us maxrss_kb wstatus"
 *   C I            the same, with the command's stdout captured
 *                  -> "ns utime_us stime_us maxrss_kb wstatus | first line"
 *   T I W MS       W workers run command I back to back for MS ms
 *                  -> "runs elapsed_ns failures"
 * The command's stdin is /dev/null and its stdout/stderr go to /dev/null;
 * wstatus tells bench.py whether it succeeded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 64

struct cmd {
	char *mntns;  /* NULL: ours */
	char *serve;  /* hutch serve socket, or NULL */
	char **argv;
};

static struct cmd cmds[MAX_CMDS];
static size_t n_cmds;
static int null_fd = -1;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int load_cmds(const char *path)
{
	struct stat st;
	char *buf, *p, *end;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		return -1;
	close(fd);
	buf[st.st_size] = '\0';
	end = buf + st.st_size;
	for (p = buf; p < end && n_cmds < MAX_CMDS;) {
		char *words[256];
		size_t n = 0;

		while (p < end && *p && n < 256) {
			words[n++] = p;
			p += strlen(p) + 1;
		}
		p++; /* the empty string that ends the command */
		if (n < 2)
			return -1;
		cmds[n_cmds].mntns = strcmp(words[0], "-") == 0 ? NULL : words[0];
		if (strncmp(words[0], "@serve=", 7) == 0) {
			cmds[n_cmds].serve = words[0] + 7;
			cmds[n_cmds].mntns = NULL;
		}
		cmds[n_cmds].argv = calloc(n, sizeof(char *));
		if (!cmds[n_cmds].argv)
			return -1;
		memcpy(cmds[n_cmds].argv, words + 1, (n - 1) * sizeof(char *));
		n_cmds++;
	}
	return 0;
}

/* fork + execve; the child never returns. out_fd >= 0 becomes stdout. */
static pid_t launch(const struct cmd *c, int out_fd)
{
	pid_t pid = fork();
	char id[32];

	if (pid != 0)
		return pid;
	snprintf(id, sizeof(id), "hb%d", (int)getpid());
	for (char **a = c->argv; *a; a++)
		if (strcmp(*a, "@ID@") == 0)
			*a = id;
	if (c->mntns) {
		int fd = open(c->mntns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNS) < 0)
			_exit(120);
		close(fd);
	}
	if (dup2(null_fd, 0) < 0 || dup2(out_fd >= 0 ? out_fd : null_fd, 1) < 0 ||
	    dup2(null_fd, 2) < 0)
		_exit(121);
	execv(c->argv[0], c->argv);
	_exit(127);
}

static int serve_fd = -1; /* this process's connection to hutch serve */

/* One run through hutch serve. Returns a wait status (exit_status << 8),
 * or -1 when the server could not be reached. */
static int serve_run(const struct cmd *c, int out_fd)
{
	struct {
		uint32_t magic, argc, flags, reserved;
	} req = { 0x68737631u, 0, 0, 0 };
	char buf[65536], reply[65536], cbuf[CMSG_SPACE(3 * sizeof(int))];
	int fds[3] = { null_fd, out_fd >= 0 ? out_fd : null_fd, null_fd };
	struct iovec iov = { .iov_base = buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	size_t len = sizeof(req);
	const char *k;
	ssize_t n;

	if (serve_fd < 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->serve);
		serve_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (serve_fd < 0 || connect(serve_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			if (serve_fd >= 0)
				close(serve_fd);
			serve_fd = -1;
			return -1;
		}
	}
	for (char **a = c->argv; *a; a++) {
		size_t l = strlen(*a) + 1;
		if (len + l > sizeof(buf))
			return -1;
		memcpy(buf + len, *a, l);
		len += l;
		req.argc++;
	}
	memcpy(buf, &req, sizeof(req));
	iov.iov_len = len;
	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cm), fds, sizeof(fds));
	if (sendmsg(serve_fd, &mh, MSG_NOSIGNAL) < 0)
		goto broken;
	do
		n = recv(serve_fd, reply, sizeof(reply) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		goto broken;
	reply[n] = '\0';
	k = strstr(reply, "\"exit_status\":");
	return k ? (atoi(k + 14) & 0xff) << 8 : -1;
broken:
	close(serve_fd);
	serve_fd = -1;
	return -1;
}

static void run_once(const struct cmd *c, bool capture)
{
	struct rusage ru;
	char out[256] = "";
	int ws = 0, p[2] = { -1, -1 };
	uint64_t t0, t1;
	pid_t pid;

	if (capture && pipe2(p, O_CLOEXEC) < 0) {
		printf("-1 0 0 0 -1\n");
		return;
	}
	t0 = now_ns();
	if (c->serve) {
		/* The program writes into p[1] from inside the server: keep our
		 * copy until the reply says it is done, then read. */
		ws = serve_run(c, p[1]);
		if (p[1] >= 0)
			close(p[1]);
		p[1] = -1;
		memset(&ru, 0, sizeof(ru));
		pid = 0;
	} else {
		pid = launch(c, p[1]);
		if (pid < 0) {
			printf("-1 0 0 0 -1\n");
			return;
		}
	}
	if (capture) {
		char sink[4096];
		size_t n = 0;
		ssize_t k;

		if (p[1] >= 0)
			close(p[1]);
		/* Keep the first bytes; read on to EOF so that the program
		 * never blocks on a full pipe. */
		for (;;) {
			bool room = n < sizeof(out) - 1;

			k = read(p[0], room ? out + n : sink, room ? sizeof(out) - 1 - n : sizeof(sink));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			if (room)
				n += (size_t)k;
		}
		out[n] = '\0';
		out[strcspn(out, "\n")] = '\0';
		close(p[0]);
	}
	while (pid > 0 && wait4(pid, &ws, 0, &ru) < 0 && errno == EINTR)
		;
	t1 = now_ns();
	printf("%llu %llu %llu %ld %d%s%s\n", (unsigned long long)(t1 - t0),
	       (unsigned long long)ru.ru_utime.tv_sec * 1000000ull + (unsigned long long)ru.ru_utime.tv_usec,
	       (unsigned long long)ru.ru_stime.tv_sec * 1000000ull + (unsigned long long)ru.ru_stime.tv_usec,
	       ru.ru_maxrss, ws, capture ? " | " : "", out);
}

/* One worker: run c back to back until the deadline; report through fd
 * "runs failures last_end_ns". */
static void worker(const struct cmd *c, uint64_t deadline, int fd)
{
	unsigned long long runs = 0, fails = 0;
	uint64_t last = now_ns();
	char line[96];
	int n;

	serve_fd = -1; /* the parent's connection is not ours */
	while (last < deadline) {
		int ws = 0;

		if (c->serve) {
			ws = serve_run(c, -1);
		} else {
			pid_t pid = launch(c, -1);

			if (pid < 0) {
				fails++;
				break;
			}
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
		}
		last = now_ns();
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			runs++;
		else
			fails++;
	}
	n = snprintf(line, sizeof(line), "%llu %llu %llu\n", runs, fails, (unsigned long long)last);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

static void throughput(const struct cmd *c, int workers, int ms)
{
	unsigned long long runs = 0, fails = 0, last_end = 0;
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)ms * 1000000u;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0) {
		printf("0 0 -1\n");
		return;
	}
	for (int w = 0; w < workers; w++) {
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			worker(c, deadline, p[1]);
		}
		if (pid < 0)
			fails++;
	}
	close(p[1]);
	{
		FILE *f = fdopen(p[0], "r");
		unsigned long long r, fl, end;

		while (f && fscanf(f, "%llu %llu %llu", &r, &fl, &end) == 3) {
			runs += r;
			fails += fl;
			if (end > last_end)
				last_end = end;
		}
		if (f)
			fclose(f);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	printf("%llu %llu %llu\n", runs, last_end > t0 ? last_end - t0 : 0, fails);
}

int main(int argc, char **argv)
{
	char line[256];

	if (argc != 2 || load_cmds(argv[1]) < 0) {
		fprintf(stderr, "usage: hb-spawn CMDFILE (see the head of bench/hb-spawn.c)\n");
		return 2;
	}
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned i;
		int w, ms;

		if (sscanf(line, "L %u", &i) == 1 && i < n_cmds)
			run_once(&cmds[i], false);
		else if (sscanf(line, "C %u", &i) == 1 && i < n_cmds)
			run_once(&cmds[i], true);
		else if (sscanf(line, "T %u %d %d", &i, &w, &ms) == 3 && i < n_cmds && w > 0 && ms > 0)
			throughput(&cmds[i], w, ms);
		else
			printf("ERR bad request\n");
	}
	return 0;
}
