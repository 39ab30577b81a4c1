/* SPDX-License-Identifier: MIT */
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "netopts.h"

/* Set "K=V" in parts->env, replacing an earlier K. */
static int env_put(struct spec_parts *parts, const char *kv)
{
	size_t klen = strcspn(kv, "=");

	if (kv[klen] != '=' || klen == 0)
		return -EINVAL;
	for (size_t i = 0; parts->env && parts->env[i]; i++)
		if (strncmp(parts->env[i], kv, klen) == 0 && parts->env[i][klen] == '=') {
			parts->env[i] = (char *)kv;
			return 0;
		}
	if (!parts->env || parts->n_env + 2 > parts->cap_env) {
		size_t nc = parts->cap_env ? parts->cap_env * 2 : 32;
		char **nv = reallocarray(parts->env, nc, sizeof(char *));
		if (!nv)
			return -ENOMEM;
		parts->env = nv;
		parts->cap_env = nc;
	}
	parts->env[parts->n_env++] = (char *)kv;
	parts->env[parts->n_env] = NULL;
	return 0;
}

void spec_parts_free(struct spec_parts *parts)
{
	if (!parts)
		return;
	free(parts->env);
	free(parts->binds);
	memset(parts, 0, sizeof(*parts));
}

int spec_build(const struct profile *p, const struct run_overrides *o, const struct spec_extras *x,
	       struct spec_parts *parts, struct hutch_spec *spec, struct hutch_error *err)
{
	static const struct spec_extras none = { 0 };
	int r;

	if (!x)
		x = &none;
	memset(parts, 0, sizeof(*parts));
	r = profile_apply_limits(p, o, &spec->limits, err);
	if (r < 0)
		return r;
	if (o && o->net_set) {
		if (!(p->net_allowed & (1u << o->net)))
			return herr(err, EPERM, "network mode %s is not allowed by profile %s (network.allowed)",
				    net_mode_name(o->net), p->name);
		spec->net = o->net;
	} else {
		spec->net = p->net;
	}
	/* The profile's allowlist, host ports, resolvers, pool and published
	 * ports (egress/publish): without them an allowlisted profile would
	 * get unrestricted egress. */
	r = netopt_apply(&p->net_opts, NULL, spec, err);
	if (r < 0)
		return r;
	if (p->image) {
		int n;
		if (p->image[0] == '/')
			n = snprintf(parts->image_path, sizeof(parts->image_path), "%s", p->image);
		else
			n = snprintf(parts->image_path, sizeof(parts->image_path), "%s/runtimes/%s/rootfs",
				     x->state_dir ? x->state_dir : "/var/lib/hutch", p->image);
		if (n < 0 || (size_t)n >= sizeof(parts->image_path))
			return herr(err, ENAMETOOLONG, "profile %s: image path", p->name);
		if (access(parts->image_path, F_OK) < 0)
			return herr(err, ENOENT,
				    "profile %s needs the runtime image '%s', which is not built (%s): run `hutch "
				    "runtime build %s`",
				    p->name, p->image, parts->image_path, p->image);
		spec->rootfs = parts->image_path;
	}

	/* Environment: the profile's, the caller's allowed names, the extras. */
	for (size_t i = 0; p->env_set && p->env_set[i]; i++)
		if ((r = env_put(parts, p->env_set[i])) < 0)
			goto fail;
	for (size_t i = 0; p->env_allow && p->env_allow[i] && x->caller_env; i++) {
		size_t kl = strlen(p->env_allow[i]);
		for (const char *const *e = x->caller_env; *e; e++)
			if (strncmp(*e, p->env_allow[i], kl) == 0 && (*e)[kl] == '=' && (r = env_put(parts, *e)) < 0)
				goto fail;
	}
	for (size_t i = 0; x->env && x->env[i]; i++)
		if ((r = env_put(parts, x->env[i])) < 0)
			goto fail;
	if (!parts->env && (r = env_put(parts, "PATH=/usr/local/bin:/usr/bin:/bin")) < 0)
		goto fail;

	parts->binds = calloc(p->n_binds + x->n_binds + 1, sizeof(*parts->binds));
	if (!parts->binds) {
		r = -ENOMEM;
		goto fail;
	}
	if (p->n_binds)
		memcpy(parts->binds, p->binds, p->n_binds * sizeof(*parts->binds));
	if (x->n_binds)
		memcpy(parts->binds + p->n_binds, x->binds, x->n_binds * sizeof(*parts->binds));

	spec->envp = parts->env;
	spec->binds = parts->binds;
	spec->n_binds = p->n_binds + x->n_binds;
	spec->masked_paths = (const char *const *)p->masked;
	spec->workdir_exec = p->workdir_exec || (o && o->workdir_exec);
	spec->uid = p->uid;
	spec->gid = p->gid;
	spec->seccomp = p->seccomp_enabled ? x->seccomp : NULL;
	return 0;
fail:
	spec_parts_free(parts);
	return herr(err, -r, "profile %s: environment", p->name);
}
