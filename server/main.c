/* SPDX-License-Identifier: MIT */
/*
 * hutchd: the controller. A thin front end: parse the command line and the
 * config file, then either serve (HTTP API, queue, workers) or run one
 * administrative command (tokens, config) against the same store.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "util.h"

static void usage(FILE *f)
{
	fputs("Usage: hutchd [OPTIONS] [COMMAND]\n"
	      "\n"
	      "The hutch controller: a Judge0-compatible grading API over libhutch, with a\n"
	      "durable job queue (SQLite) and a pool of sandbox workers.\n"
	      "\n"
	      "Commands:\n"
	      "  serve                 run the server (the default)\n"
	      "  token create --role admin|client [--name NAME]\n"
	      "                        make an API token; it is printed once, stored hashed\n"
	      "  token list            list tokens (id, role, name, created, revoked)\n"
	      "  token revoke ID       revoke a token\n"
	      "  config                print every configuration key with its value\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE     configuration file (default " HUTCHD_DEFAULT_CONFIG ",\n"
	      "                        used when it exists)\n"
	      "  -s, --set KEY=VALUE   set one configuration key (after the file)\n"
	      "  -l, --listen ADDR     same as --set listen=ADDR\n"
	      "  -p, --port N          same as --set port=N (0: any free port)\n"
	      "  -d, --state-dir DIR   same as --set state_dir=DIR\n"
	      "  -w, --workers N       same as --set workers=N\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\n"
	      "hutchd must run as root (it creates sandboxes). See docs/hutchd.md.\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static void die_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("hutchd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int mkdir_p(const char *path, mode_t mode, struct hutch_error *err)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return herr(err, ENAMETOOLONG, "%s", path);
	hu_strlcpy(buf, path, sizeof(buf));
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return herr(err, errno, "mkdir %s", buf);
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int write_port_file(const char *path, unsigned port, struct hutch_error *err)
{
	char tmp[PATH_MAX], text[16];
	_cleanup_close_ int fd = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return herr(err, ENAMETOOLONG, "port_file %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return herr(err, errno, "port_file %s", tmp);
	snprintf(text, sizeof(text), "%u\n", port);
	if (hu_write_all(fd, text, strlen(text)) < 0)
		return herr(err, errno, "write %s", tmp);
	/* Renamed into place so that a reader never sees a partial file. */
	if (rename(tmp, path) < 0)
		return herr(err, errno, "rename %s to %s", tmp, path);
	return 0;
}

static int serve(struct hutchd_config *cfg)
{
	struct app app = { .cfg = cfg, .work_dirfd = -1 };
	struct hutch_error err = { 0 };
	struct http_server *http = NULL;
	struct http_options ho;
	_cleanup_close_ int sfd = -1;
	sigset_t sigs;
	int status = 1;

	app.started_us = hu_now_us();
	if (mkdir_p(cfg->state_dir, 0755, &err) < 0) {
		log_error("state directory", LSTR("error", err.msg));
		return 1;
	}

	/* Signals are taken synchronously by the main thread (signalfd); every
	 * thread made from here on inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 || (sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		log_error("signalfd", LSTR("error", strerror(errno)));
		return 1;
	}

	memset(&ho, 0, sizeof(ho));
	ho.listen = cfg->listen;
	ho.port = (uint16_t)cfg->port;
	ho.threads = (unsigned)cfg->http_threads;
	ho.max_connections = (unsigned)cfg->max_connections;
	ho.connection_timeout_s = (unsigned)(cfg->connection_timeout / 1000000);
	ho.max_body = cfg->max_body;
	ho.max_headers = (unsigned)cfg->max_headers;
	ho.anonymous_role = cfg->anonymous_role;
	ho.routes = api_routes(&ho.n_routes);
	ho.auth = api_authenticate;
	ho.app = &app;
	if (http_start(&ho, &http, &err) < 0) {
		log_error("cannot listen", LSTR("error", err.msg));
		goto out;
	}
	app.http = http;
	if (cfg->port_file[0] && write_port_file(cfg->port_file, http_port(http), &err) < 0) {
		log_error("port file", LSTR("error", err.msg));
		goto out;
	}
	log_info("listening", LSTR("address", cfg->listen), LUINT("port", http_port(http)),
		 LSTR("version", HUTCH_VERSION));

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		int n = poll(&pfd, 1, 1000);

		if (n < 0 && errno != EINTR) {
			log_error("poll", LSTR("error", strerror(errno)));
			break;
		}
		if (n <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP ignored: restart hutchd to reload its configuration");
			continue;
		}
		log_info("shutting down", LSTR("signal", sigabbrev_np((int)si.ssi_signo)));
		atomic_store(&app.stopping, true);
		http_quiesce(http);
		break;
	}
	status = 0;
out:
	http_stop(http);
	log_info("stopped");
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "role", required_argument, NULL, 1001 },
		{ "name", required_argument, NULL, 1002 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static const char *const shortcut_keys[128] = {
		['l'] = "listen", ['p'] = "port", ['d'] = "state_dir", ['w'] = "workers",
	};
	struct hutchd_config cfg;
	struct hutch_error err = { 0 };
	const char *config_path = NULL;
	char **sets = calloc((size_t)argc + 1, sizeof(char *));
	char *owned[64] = { 0 };
	size_t n_sets = 0, n_owned = 0;
	const char *cmd;
	int c, status = 125;

	if (!sets) {
		die_msg("out of memory");
		return 125;
	}
	if (cfg_defaults(&cfg, &err) < 0) {
		die_msg("%s", err.msg);
		goto done;
	}
	while ((c = getopt_long(argc, argv, "c:s:l:p:d:w:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 's': sets[n_sets++] = optarg; break;
		case 'l': case 'p': case 'd': case 'w':
			if (n_owned >= ARRAY_SIZE(owned) ||
			    asprintf(&owned[n_owned], "%s=%s", shortcut_keys[c], optarg) < 0) {
				die_msg("too many options");
				goto done;
			}
			sets[n_sets++] = owned[n_owned++];
			break;
		case 1001: case 1002:
			/* token create's options: read again below. */
			break;
		case 'h': usage(stdout); status = 0; goto done;
		case 'V': printf("hutchd %s\n", HUTCH_VERSION); status = 0; goto done;
		default: fputs("Try 'hutchd --help'.\n", stderr); goto done;
		}
	}
	if (cfg_load_file(&cfg, config_path ? config_path : HUTCHD_DEFAULT_CONFIG, !config_path, &err) < 0) {
		die_msg("%s", err.msg);
		goto done;
	}
	for (size_t i = 0; i < n_sets; i++)
		if (cfg_set(&cfg, sets[i], &err) < 0) {
			die_msg("%s", err.msg);
			goto done;
		}
	if (cfg_finish(&cfg, &err) < 0) {
		die_msg("%s", err.msg);
		goto done;
	}
	log_setup(cfg.log_level, 2);

	cmd = optind < argc ? argv[optind] : "serve";
	if (strcmp(cmd, "config") == 0) {
		cfg_print(&cfg, stdout);
		status = 0;
		goto done;
	}
	if (strcmp(cmd, "serve") != 0) {
		die_msg("unknown command '%s' (try 'hutchd --help')", cmd);
		goto done;
	}
	if (geteuid() != 0) {
		die_msg("must run as root: it creates namespaces, cgroups and mounts for every job");
		goto done;
	}
	/* Supplementary groups would follow programs into their sandboxes
	 * (hutch_run refuses to run with any): drop them once, here. */
	if (setgroups(0, NULL) < 0) {
		die_msg("setgroups: %s", strerror(errno));
		goto done;
	}
	/* A client that goes away must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	status = serve(&cfg);
done:
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	free(sets);
	cfg_free(&cfg);
	return status;
}
