/* SPDX-License-Identifier: MIT */
/*
 * hutchd: the controller. A thin front end: parse the command line and the
 * config file, then either serve (HTTP API, queue, workers) or run one
 * administrative command (tokens, config) against the same store.
 */
#include <dirent.h>
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
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "callback.h"
#include "cgroup.h"
#include "codec.h"
#include "config.h"
#include "error.h"
#include "http.h"
#include "judge.h"
#include "lang.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "store.h"
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

static int open_store(const struct hutchd_config *cfg, struct store **ret, struct hutch_error *err)
{
	struct store_options so = { .path = cfg->database, .sync = cfg->sqlite_synchronous };
	int r = mkdir_p(cfg->state_dir, 0755, err);

	if (r < 0)
		return herr_prefix(err, "state directory");
	return store_sqlite_open(&so, ret, err);
}

static void store_closep(struct store **st)
{
	if (*st)
		(*st)->ops->close(*st);
	*st = NULL;
}

static void fmt_ms(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* hutchd token create|list|revoke */
static int cmd_token(const struct hutchd_config *cfg, int argc, char **argv, const char *role_arg,
		     const char *name_arg)
{
	struct store *st __attribute__((cleanup(store_closep))) = NULL;
	struct hutch_error err = { 0 };
	const char *sub = argc > 0 ? argv[0] : "";

	if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0) {
		die_msg("token: expected create, list or revoke (try 'hutchd --help')");
		return 125;
	}
	if (open_store(cfg, &st, &err) < 0) {
		die_msg("%s", err.msg);
		return 1;
	}
	if (strcmp(sub, "create") == 0) {
		char tok[AUTH_TOKEN_LEN + 1];
		enum role role;
		int64_t id;

		if (!role_arg || role_parse(role_arg, &role) < 0 || role == ROLE_NONE) {
			die_msg("token create: --role admin or --role client is required");
			return 125;
		}
		if (name_arg && strlen(name_arg) > 63) {
			die_msg("token create: --name is at most 63 bytes");
			return 125;
		}
		if (auth_token_create(st, role, name_arg ? name_arg : "", tok, &id, &err) < 0) {
			die_msg("token create: %s", err.msg);
			return 1;
		}
		fprintf(stderr, "hutchd: created %s token %lld%s%s; it is shown only this once:\n", role_name(role),
			(long long)id, name_arg ? " " : "", name_arg ? name_arg : "");
		printf("%s\n", tok);
		return 0;
	}
	if (strcmp(sub, "list") == 0) {
		struct token_info *v = NULL;
		size_t n = 0;

		if (st->ops->token_list(st, &v, &n, &err) < 0) {
			die_msg("token list: %s", err.msg);
			return 1;
		}
		printf("%-6s %-7s %-24s %-21s %s\n", "ID", "ROLE", "NAME", "CREATED", "REVOKED");
		for (size_t i = 0; i < n; i++) {
			char c[32], rv[32];
			fmt_ms(v[i].created_ms, c, sizeof(c));
			fmt_ms(v[i].revoked_ms, rv, sizeof(rv));
			printf("%-6lld %-7s %-24s %-21s %s\n", (long long)v[i].id, role_name(v[i].role),
			       v[i].name[0] ? v[i].name : "-", c, rv);
		}
		free(v);
		return 0;
	}
	{
		char *end;
		long long id;

		if (argc < 2 || (errno = 0, id = strtoll(argv[1], &end, 10), errno || *end || id <= 0)) {
			die_msg("token revoke: expected a token id (hutchd token list)");
			return 125;
		}
		if (st->ops->token_revoke(st, id, &err) < 0) {
			die_msg("token revoke: %s", err.msg);
			return 1;
		}
		fprintf(stderr, "hutchd: token %lld revoked\n", id);
		return 0;
	}
}

/* One server per database: a second one would re-queue the first one's
 * running jobs at its start. The lock is held until exit. */
static int lock_database(const char *db, struct hutch_error *err)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s.lock", db) >= (int)sizeof(path))
		return herr(err, ENAMETOOLONG, "%s.lock", db);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return herr(err, errno, "%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		(void)close(fd);
		return herr(err, e, "%s: another hutchd serves this database", path);
	}
	return fd;
}

/* On the first start (no token at all), make an admin token and show it
 * once: a new user gets a working setup from one command. */
static int bootstrap_token(struct store *st, const struct hutchd_config *cfg, struct hutch_error *err)
{
	char tok[AUTH_TOKEN_LEN + 1];
	uint64_t n = 0;
	int64_t id;
	int r = st->ops->token_count(st, &n, err);

	if (r < 0 || n > 0 || cfg->anonymous_role == ROLE_ADMIN)
		return r;
	r = auth_token_create(st, ROLE_ADMIN, "bootstrap", tok, &id, err);
	if (r < 0)
		return r;
	log_warn("created the first admin token; it is shown only this once (more: hutchd token create)",
		 LSTR("token", tok), LINT("id", id));
	return 0;
}

/* <state_dir>/work, emptied: work dirs of jobs a crash interrupted are
 * removed (their jobs are queued again and get fresh ones). */
static int open_work_dir(struct app *app, const struct hutchd_config *cfg, struct hutch_error *err)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int fd, dup_fd;

	snprintf(path, sizeof(path), "%s/work", cfg->state_dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return herr(err, errno, "mkdir %s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return herr(err, errno, "%s", path);
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		int e2 = errno;
		if (dup_fd >= 0)
			(void)close(dup_fd);
		(void)close(fd);
		return herr(err, e2, "%s", path);
	}
	app->work_dirfd = fd;
	while ((e = readdir(d))) {
		char sub[PATH_MAX + 256];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		work_dir_remove(app, e->d_name, sub);
	}
	(void)closedir(d); /* a directory stream: nothing to flush */
	return fd;
}

static int serve(struct hutchd_config *cfg)
{
	struct app app = { .cfg = cfg, .work_dirfd = -1 };
	struct hutch_error err = { 0 };
	struct http_server *http = NULL;
	struct store *st __attribute__((cleanup(store_closep))) = NULL;
	struct metrics *metrics = calloc(1, sizeof(*metrics));
	struct http_options ho;
	_cleanup_close_ int sfd = -1, lock_fd = -1;
	uint64_t recovered = 0;
	char host[48];
	sigset_t sigs;
	int status = 1;

	app.started_us = hu_now_us();
	app.metrics = metrics;
	if (!metrics) {
		log_error("out of memory");
		return 1;
	}
	if (gethostname(host, sizeof(host)) < 0)
		hu_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(app.node, sizeof(app.node), "%s:%d", host, (int)getpid());

	/* Signals are taken synchronously by the main thread (signalfd); every
	 * thread made from here on inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 || (sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		log_error("signalfd", LSTR("error", strerror(errno)));
		goto out;
	}

	if (open_store(cfg, &st, &err) < 0) {
		log_error("cannot open the store", LSTR("error", err.msg));
		goto out;
	}
	app.store = st;
	lock_fd = lock_database(cfg->database, &err);
	if (lock_fd < 0) {
		log_error("cannot lock the store", LSTR("error", err.msg));
		goto out;
	}
	if (bootstrap_token(st, cfg, &err) < 0) {
		log_error("cannot make the first token", LSTR("error", err.msg));
		goto out;
	}
	if (callbacks_global_init(&err) < 0) {
		log_error("libcurl", LSTR("error", err.msg));
		goto out;
	}

	/* Sandboxes: cgroups detected once for every run; cgroups of runs
	 * whose supervisor died (a crash) are removed first. */
	if (hutch_cgroup_detect(&app.cgroups, &err) < 0) {
		log_error("cgroups", LSTR("error", err.msg));
		goto out;
	}
	if (hutch_cgroup_cleanup_stale(app.cgroups, &err) < 0)
		log_warn("cannot clean stale cgroups", LSTR("error", err.msg));
	if (profiles_new(cfg->profile_path, &app.profiles) < 0 ||
	    langs_load(cfg->languages, app.profiles, cfg->state_dir, &app.langs, &err) < 0) {
		log_error("cannot load the languages", LSTR("error", err.msg));
		goto out;
	}
	for (size_t i = 0; i < app.langs->n; i++) {
		const struct lang *l = &app.langs->v[i];
		log_at(l->available ? LOG_INFO : LOG_WARN, l->available ? "language" : "language unavailable",
		       LINT("id", l->id), LSTR("name", l->name), LSTR("profile", l->prof->p->name),
		       LSTR("reason", l->unavailable));
	}
	app.work_dirfd = open_work_dir(&app, cfg, &err);
	if (app.work_dirfd < 0) {
		log_error("work directory", LSTR("error", err.msg));
		goto out;
	}

	/* Jobs a crash left running are queued again. */
	if (st->ops->job_recover(st, app.node, &recovered, &err) < 0) {
		log_error("cannot recover jobs", LSTR("error", err.msg));
		goto out;
	}
	if (recovered) {
		atomic_fetch_add(&metrics->jobs_recovered, recovered);
		log_warn("jobs left running by a previous hutchd were queued again", LUINT("jobs", recovered));
	}

	if (queue_start(&app, (unsigned)cfg->workers, &app.queue, &err) < 0) {
		log_error("cannot start the workers", LSTR("error", err.msg));
		goto out;
	}
	if (callbacks_start(&app, &app.callbacks, &err) < 0) {
		log_error("cannot start callbacks", LSTR("error", err.msg));
		goto out;
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
	ho.routes = api_routes(cfg, &ho.n_routes);
	ho.auth = api_authenticate;
	ho.observe = api_observe;
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
		 LUINT("workers", cfg->workers), LSTR("database", cfg->database), LSTR("version", HUTCH_VERSION));

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		int n = poll(&pfd, 1, 1000);

		if (n < 0 && errno != EINTR) {
			log_error("poll", LSTR("error", strerror(errno)));
			break;
		}
		queue_tick(app.queue);
		if (n <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP ignored: restart hutchd to reload its configuration");
			continue;
		}
		log_info("shutting down", LSTR("signal", sigabbrev_np((int)si.ssi_signo)));
		break;
	}
	status = 0;
out:
	/* Stop taking work, let running jobs finish (or cancel and requeue
	 * them after the grace period), answer the requests still waiting,
	 * then close. */
	atomic_store(&app.stopping, true);
	http_quiesce(http);
	queue_stop(app.queue, cfg->shutdown_grace);
	queue_resume_all(app.queue);
	callbacks_stop(app.callbacks);
	http_stop(http);
	queue_free(app.queue);
	langs_free(app.langs);
	profiles_free(app.profiles);
	hutch_cgroup_host_free(app.cgroups);
	if (app.work_dirfd >= 0)
		(void)close(app.work_dirfd); /* a directory: nothing to flush */
	free(metrics);
	log_info("stopped", LINT("status", status));
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
	const char *config_path = NULL, *role_arg = NULL, *name_arg = NULL;
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
		case 1001: role_arg = optarg; break;
		case 1002: name_arg = optarg; break;
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
	if (strcmp(cmd, "token") == 0) {
		status = cmd_token(&cfg, argc - optind - 1, argv + optind + 1, role_arg, name_arg);
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
