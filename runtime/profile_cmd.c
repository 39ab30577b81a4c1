/* SPDX-License-Identifier: MIT */
/* `hutch profile list | show | check`: what admins use to see and verify
 * profiles. */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "profile.h"
#include "units.h"
#include "util.h"

const char *cli_state_dir(void)
{
	const char *s = getenv("HUTCH_STATE_DIR");

	return s && *s ? s : "/var/lib/hutch";
}

static void usage_profile(FILE *f)
{
	fputs("Usage: hutch profile COMMAND\n"
	      "\n"
	      "  list            list the profiles found on the search path\n"
	      "  show NAME       print the fully resolved profile (after extends) as JSON\n"
	      "  check FILE...   validate profile files; print each error with its JSON path\n"
	      "\n"
	      "Search path: $HUTCH_PROFILE_PATH (colon-separated), else /etc/hutch/profiles,\n"
	      "then the installed profiles, then the source tree's profiles/.\n"
	      "The format is documented in profiles/README.md.\n",
	      f);
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

static char *profile_to_json(const struct profile *p)
{
	static const char *const actions[] = { "allow", "errno", "kill", "log" };
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
		cJSON_AddItemToArray(arr, b);
	}
	cJSON_AddBoolToObject(rf, "workdir_exec", p->workdir_exec);
	n = cJSON_AddObjectToObject(o, "network");
	cJSON_AddStringToObject(n, "mode", net_mode_name(p->net));
	arr = cJSON_AddArrayToObject(n, "allowed");
	for (int m = 0; m <= HUTCH_NET_PUBLISH; m++)
		if (p->net_allowed & (1u << m))
			cJSON_AddItemToArray(arr, cJSON_CreateString(net_mode_name((enum hutch_net_mode)m)));
	sc = cJSON_AddObjectToObject(o, "seccomp");
	cJSON_AddBoolToObject(sc, "enabled", p->seccomp_enabled);
	cJSON_AddStringToObject(sc, "default_action", actions[p->seccomp.default_action]);
	arr = cJSON_AddArrayToObject(sc, "rules");
	for (size_t i = 0; i < p->seccomp.n_rules; i++) {
		const struct hutch_sc_rule *r = &p->seccomp.rules[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "syscall", r->syscall);
		cJSON_AddStringToObject(e, "action", actions[r->action]);
		if (r->action == HUTCH_SC_ERRNO)
			cJSON_AddNumberToObject(e, "errno", r->errno_value ? r->errno_value : 1);
		if (r->n_args)
			cJSON_AddNumberToObject(e, "arg_conditions", r->n_args);
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

static int cmd_list(void)
{
	const char *sp = getenv("HUTCH_PROFILE_PATH");
	char *path = strdup(sp && *sp ? sp
				      : "/etc/hutch/profiles:" HUTCH_INSTALLED_PROFILE_DIR ":" HUTCH_PROFILE_DIR);
	int found = 0;

	if (!path)
		return 125;
	for (char *dir = strtok(path, ":"); dir; dir = strtok(NULL, ":")) {
		DIR *d = opendir(dir);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			char full[4096];
			struct profile *p = NULL;
			struct hutch_error err = { 0 };

			if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0)
				continue;
			snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
			if (profile_load(full, NULL, &p, &err) < 0) {
				printf("%-16s %s (INVALID: %s)\n", e->d_name, dir, err.msg);
			} else {
				printf("%-16s %-10s %s\n", p->name, net_mode_name(p->net),
				       p->description ? p->description : "");
				profile_free(p);
			}
			found++;
		}
		closedir(d);
	}
	free(path);
	if (!found)
		fprintf(stderr, "hutch: no profiles found on the search path\n");
	return found ? 0 : 1;
}

int cmd_profile(int argc, char **argv)
{
	struct hutch_error err = { 0 };
	struct profile *p = NULL;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage_profile(argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (strcmp(argv[1], "show") == 0) {
		char *s;
		if (argc != 3) {
			fputs("Usage: hutch profile show NAME|PATH\n", stderr);
			return 125;
		}
		if (profile_load(argv[2], NULL, &p, &err) < 0) {
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
	if (strcmp(argv[1], "check") == 0) {
		int bad = 0;
		if (argc < 3) {
			fputs("Usage: hutch profile check FILE...\n", stderr);
			return 125;
		}
		for (int i = 2; i < argc; i++) {
			struct hutch_seccomp *sc = NULL;
			if (profile_load(argv[i], NULL, &p, &err) < 0 ||
			    (p->seccomp_enabled && hutch_seccomp_compile(&p->seccomp, &sc, &err) < 0)) {
				fprintf(stderr, "%s\n", err.msg);
				bad++;
			} else {
				printf("%s: ok\n", argv[i]);
			}
			hutch_seccomp_free(sc);
			profile_free(p);
			p = NULL;
		}
		return bad ? 125 : 0;
	}
	fprintf(stderr, "hutch: unknown profile command '%s' (try 'hutch profile --help')\n", argv[1]);
	return 125;
}
