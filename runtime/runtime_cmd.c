/* SPDX-License-Identifier: MIT */
/*
 * `hutch runtime build | list | rm`: language root filesystems ("runtime
 * images") that profiles name in rootfs.image. Recipes are data
 * (recipe.c), the build is rtbuild.c; this file is the commands: the
 * state directory, one build at a time (a lock), leftovers of killed
 * builds, listing with sizes and build times.
 */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "recipe.h"
#include "rtbuild.h"
#include "util.h"

static char *path_join(const char *a, const char *b)
{
	char *s = NULL;

	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

static int runtimes_dir(char *buf, size_t len, bool create)
{
	const char *state = cli_state_dir();

	/* every path below it adds at most ~200 bytes */
	if (strlen(state) > PATH_MAX - 256 || rt_pathf(buf, len, "%s/runtimes", state) < 0) {
		fprintf(stderr, "hutch: state directory %s: path too long\n", state);
		return -1;
	}
	if (!create)
		return 0;
	if ((mkdir(state, 0755) < 0 && errno != EEXIST) || (mkdir(buf, 0755) < 0 && errno != EEXIST)) {
		fprintf(stderr, "hutch: mkdir %s: %s\n", buf, strerror(errno));
		return -1;
	}
	return 0;
}

static int lock_runtimes(const char *runtimes)
{
	_cleanup_free_ char *path = path_join(runtimes, ".lock");
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;

	if (fd < 0) {
		fprintf(stderr, "hutch: lock %s: %s\n", path ? path : runtimes, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		printf("runtime: another build is running; waiting for it\n");
		fflush(stdout);
		if (flock(fd, LOCK_EX) < 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Remove builds that a killed hutch left behind (their pid is gone). */
static void clean_leftovers(const char *runtimes)
{
	DIR *d = opendir(runtimes);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *dash;
		char path[PATH_MAX];
		if (strncmp(e->d_name, ".build-", 7) != 0 && strncmp(e->d_name, ".old-", 5) != 0)
			continue;
		dash = strrchr(e->d_name, '-');
		if (dash) {
			char *end;
			long pid = strtol(dash + 1, &end, 10);
			/* a build of a live hutch (not us) is not a leftover */
			if (*end == '\0' && pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0)
				continue;
		}
		rt_pathf(path, sizeof(path), "%s/%s", runtimes, e->d_name);
		printf("runtime: removing the leftover %s\n", path);
		(void)rt_rm_tree(path);
	}
	closedir(d);
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char runtimes[PATH_MAX];
	bool force = false, quiet = false;
	int c, lock = -1, sig_fd = -1, failed = 0;
	sigset_t sigs;

	optind = 1;
	while ((c = getopt_long(argc, argv, "fqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'q': quiet = true; break;
		case 'h':
			puts("Usage: hutch runtime build [--force] [--quiet] NAME...\n\n"
			     "Build each runtime image from its recipe (hutch runtime list shows them),\n"
			     "unless it is up to date with the recipe. --quiet prints the steps only.");
			return 0;
		default: return 125;
		}
	}
	if (optind >= argc) {
		fputs("Usage: hutch runtime build [--force] [--quiet] NAME...\n", stderr);
		return 125;
	}
	if (cli_require_root("runtime build") < 0 || runtimes_dir(runtimes, sizeof(runtimes), true) < 0)
		return 125;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == 0)
		sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	lock = lock_runtimes(runtimes);
	if (lock < 0)
		return 125;
	clean_leftovers(runtimes);
	for (int i = optind; i < argc; i++) {
		struct hutch_error err = { 0 };
		struct recipe *r = NULL;

		if (recipe_load(argv[i], &r, &err) < 0) {
			fprintf(stderr, "hutch: %s\n", err.msg);
			failed++;
			continue;
		}
		if (rt_build(r, runtimes, force, quiet, sig_fd) < 0)
			failed++;
		recipe_free(r);
		{
			struct pollfd p = { .fd = sig_fd, .events = POLLIN };
			if (sig_fd >= 0 && poll(&p, 1, 0) > 0)
				break; /* interrupted between builds */
		}
	}
	close(lock);
	if (sig_fd >= 0)
		close(sig_fd);
	return failed ? 1 : 0;
}

static int cmd_list(void)
{
	char runtimes[PATH_MAX], names[128][65];
	size_t n;

	if (runtimes_dir(runtimes, sizeof(runtimes), false) < 0)
		return 125;
	n = recipe_names(names, 128);
	printf("%-10s %-26s %10s %8s  %s\n", "NAME", "STATUS", "SIZE", "BUILT IN", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		struct hutch_error err = { 0 };
		struct recipe *r = NULL;
		char meta[PATH_MAX], key[64], status[64] = "not built", size[32] = "-", secs[32] = "-";
		_cleanup_free_ char *text = NULL;
		FILE *f;

		if (recipe_load(names[i], &r, &err) < 0) {
			printf("%-10s INVALID RECIPE: %s\n", names[i], err.msg);
			continue;
		}
		recipe_image_key(r, key, sizeof(key));
		rt_pathf(meta, sizeof(meta), "%s/%s/image.json", runtimes, r->name);
		if ((f = fopen(meta, "re"))) {
			text = calloc(1, 65536);
			if (text && fread(text, 1, 65535, f) > 0) {
				cJSON *j = cJSON_Parse(text);
				const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key");
				const cJSON *sz = cJSON_GetObjectItemCaseSensitive(j, "size_bytes");
				const cJSON *bs = cJSON_GetObjectItemCaseSensitive(j, "build_seconds");
				snprintf(status, sizeof(status), "%s",
					 cJSON_IsString(k) && strcmp(k->valuestring, key) == 0
						 ? "ready"
						 : "stale: the recipe changed");
				if (cJSON_IsNumber(sz))
					snprintf(size, sizeof(size), "%.1f MiB", sz->valuedouble / (1 << 20));
				if (cJSON_IsNumber(bs))
					snprintf(secs, sizeof(secs), "%.1f s", bs->valuedouble);
				cJSON_Delete(j);
			}
			fclose(f);
		}
		printf("%-10s %-26s %10s %8s  %s\n", r->name, status, size, secs, r->description);
		recipe_free(r);
	}
	printf("\nImages live in %s; recipes are looked up in", runtimes);
	{
		_cleanup_free_ char *sp = strdup(recipe_search_path());
		int k = 0;
		for (char *save = NULL, *d = sp ? strtok_r(sp, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
			char real[PATH_MAX];
			printf("%s %s", k++ ? "," : "", realpath(d, real) ? real : d);
		}
	}
	puts(".");
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	char runtimes[PATH_MAX];
	int lock, failed = 0;

	if (argc < 2) {
		fputs("Usage: hutch runtime rm NAME... | --cache\n", stderr);
		return 125;
	}
	if (cli_require_root("runtime rm") < 0 || runtimes_dir(runtimes, sizeof(runtimes), false) < 0)
		return 125;
	lock = lock_runtimes(runtimes);
	if (lock < 0)
		return 125;
	for (int i = 1; i < argc; i++) {
		char path[PATH_MAX];
		if (strcmp(argv[i], "--cache") == 0) {
			rt_pathf(path, sizeof(path), "%s/.base", runtimes);
		} else if (recipe_valid_name(argv[i])) {
			rt_pathf(path, sizeof(path), "%s/%s", runtimes, argv[i]);
			if (access(path, F_OK) < 0) {
				fprintf(stderr, "hutch: runtime %s is not built\n", argv[i]);
				failed++;
				continue;
			}
		} else {
			fprintf(stderr, "hutch: runtime name '%s': not a valid name\n", argv[i]);
			failed++;
			continue;
		}
		if (rt_rm_tree(path) < 0) {
			fprintf(stderr, "hutch: remove %s: %s\n", path, strerror(errno));
			failed++;
		} else {
			printf("removed %s\n", path);
		}
	}
	close(lock);
	return failed ? 1 : 0;
}

int cmd_runtime(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs("Usage: hutch runtime COMMAND\n"
		      "\n"
		      "  list              recipes, and the images built from them (size, build time)\n"
		      "  build NAME...     build images from recipes (skipped when up to date)\n"
		      "  rm NAME...        remove images; rm --cache removes the debootstrap bases\n"
		      "\n"
		      "A runtime image is a root filesystem a profile names in rootfs.image; runs\n"
		      "use it read-only. Recipes: runtime/runtimes/*.json (profiles/README.md).\n"
		      "Images: $HUTCH_STATE_DIR/runtimes (default /var/lib/hutch/runtimes).\n",
		      argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0)
		return cmd_rm(argc - 1, argv + 1);
	fprintf(stderr, "hutch: unknown runtime command '%s' (try 'hutch runtime --help')\n", argv[1]);
	return 125;
}
