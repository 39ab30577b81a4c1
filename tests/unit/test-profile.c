/* SPDX-License-Identifier: MIT */
/* Profile loader: strict validation with file + JSON path in every error,
 * extends chains, ceilings, overrides. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overrides.h"
#include "policy.h"
#include "profile.h"
#include "tap.h"

static char dir[] = "/tmp/hutch-profile-test.XXXXXX";

static void put(const char *name, const char *json)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s.json", dir, name);
	f = fopen(p, "w");
	fputs(json, f);
	fclose(f);
}

/* Load name from the test dir; return the error message (or "ok"). */
static const char *load(const char *name, struct profile **ret)
{
	static struct hutch_error err;
	struct profile *p = NULL;

	memset(&err, 0, sizeof(err));
	if (profile_load(name, dir, &p, &err) < 0)
		return err.msg;
	if (ret)
		*ret = p;
	else
		profile_free(p);
	return "ok";
}

static void expect_error(const char *name, const char *json, const char *want)
{
	const char *msg;

	put(name, json);
	msg = load(name, NULL);
	if (!ok(strstr(msg, want) != NULL, "%s: error mentions '%s'", name, want))
		printf("#   got: %s\n", msg);
}

int main(void)
{
	struct profile *p = NULL;
	struct run_overrides o = { 0 };
	struct hutch_limits l;
	struct hutch_error err = { 0 };

	if (!mkdtemp(dir))
		tap_skip_all("mkdtemp failed");

	put("base", "{\"limits\": {\"memory\": {\"default\": \"64M\", \"ceiling\": \"256M\"},"
		    " \"time\": {\"default\": 1, \"ceiling\": 10}},"
		    " \"network\": {\"mode\": \"none\", \"allowed\": [\"none\", \"loopback\"]},"
		    " \"environment\": {\"set\": {\"PATH\": \"/bin\"}}}");
	is_str(load("base", &p), "ok", "base profile loads");
	if (p) {
		is_int(p->def[LIM_MEMORY], 64 << 20, "memory default 64M");
		is_int(p->ceil[LIM_MEMORY], 256 << 20, "memory ceiling 256M");
		is_int(p->def[LIM_TIME], 1000000, "time default 1 s");
		is_str(p->env_set[0], "PATH=/bin", "environment.set");
		is_str(p->name, "base", "name from the file");

		o.set[LIM_MEMORY] = true;
		o.val[LIM_MEMORY] = 128 << 20;
		is_int(profile_apply_limits(p, &o, &l, &err), 0, "override below the ceiling accepted");
		is_int(l.memory_bytes, 128 << 20, "override applied");
		o.val[LIM_MEMORY] = 512 << 20;
		is_int(profile_apply_limits(p, &o, &l, &err), -EPERM, "override above the ceiling refused");
		ok(strstr(err.msg, "--memory 512M is above the ceiling") != NULL &&
			   strstr(err.msg, "limits.memory.ceiling = 256M") != NULL,
		   "refusal names the option, the key and the ceiling: %s", err.msg);
		profile_free(p);
		p = NULL;
	}

	put("child", "{\"extends\": \"base\", \"limits\": {\"memory\": {\"default\": \"32M\"}}}");
	is_str(load("child", &p), "ok", "child extends base");
	if (p) {
		is_int(p->def[LIM_MEMORY], 32 << 20, "child overrides the default");
		is_int(p->ceil[LIM_MEMORY], 256 << 20, "child inherits the ceiling");
		is_int(p->def[LIM_TIME], 1000000, "child inherits other limits");
		profile_free(p);
		p = NULL;
	}
	expect_error("raise", "{\"extends\": \"base\", \"limits\": {\"memory\": {\"ceiling\": \"1G\"}}}",
		     "limits.memory.ceiling: raises the parent's ceiling");
	put("adminraise", "{\"extends\": \"base\", \"admin\": true, \"limits\": {\"memory\": {\"ceiling\": \"1G\"}}}");
	is_str(load("adminraise", NULL), "ok", "an admin profile may raise a ceiling");
	expect_error("netraise", "{\"extends\": \"base\", \"network\": {\"allowed\": [\"egress\"]}}",
		     "network.allowed: allows a mode the parent does not");

	put("cyc-a", "{\"extends\": \"cyc-b\"}");
	put("cyc-b", "{\"extends\": \"cyc-a\"}");
	expect_error("cyc-a", "{\"extends\": \"cyc-b\"}", "cycle");
	expect_error("orphan", "{\"extends\": \"no-such-parent\"}", "profile 'no-such-parent' not found");

	expect_error("unknown-top", "{\"limit\": {}}", "(top level): unknown key 'limit'");
	expect_error("unknown-limit", "{\"limits\": {\"memroy\": 1}}", "limits: unknown key 'memroy'");
	expect_error("neg", "{\"limits\": {\"memory\": {\"ceiling\": -5}}}", "limits.memory.ceiling: must not be negative");
	expect_error("badsize", "{\"limits\": {\"memory\": {\"ceiling\": \"12X\"}}}", "limits.memory.ceiling: expected a size");
	expect_error("absurd", "{\"limits\": {\"memory\": {\"ceiling\": \"900T\"}}}", "limits.memory.ceiling");
	expect_error("wrongtype", "{\"limits\": {\"pids\": {\"default\": \"many\"}}}", "limits.pids.default: expected a whole number");
	expect_error("defabove", "{\"limits\": {\"pids\": {\"default\": 100, \"ceiling\": 10}}}", "limits.pids.default: is above limits.pids.ceiling");
	expect_error("badnet", "{\"network\": {\"mode\": \"internet\"}}", "network.mode: expected");
	expect_error("netnotallowed", "{\"network\": {\"mode\": \"egress\", \"allowed\": [\"none\"]}}", "network.mode: \"egress\" is not in network.allowed");
	expect_error("badjson", "{\"limits\": ", "invalid JSON");
	expect_error("notobj", "[1,2]", "must be a JSON object");
	expect_error("deep", "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "nested deeper");
	expect_error("trailing", "{} x", "invalid JSON");
	expect_error("badmask", "{\"rootfs\": {\"masked\": [\"etc/shadow\"]}}", "rootfs.masked[0]: expected an absolute path");
	expect_error("dotdot", "{\"rootfs\": {\"masked\": [\"/etc/../root\"]}}", "rootfs.masked[0]");
	expect_error("badbind", "{\"rootfs\": {\"binds\": [{\"src\": \"rel\"}]}}", "rootfs.binds[0]: src");
	expect_error("bindkey", "{\"rootfs\": {\"binds\": [{\"src\": \"/x\", \"mode\": 1}]}}", "rootfs.binds[0]: unknown key 'mode'");
	expect_error("uid0", "{\"identity\": {\"uid\": 0}}", "identity.uid: expected a whole number 1..65535");
	expect_error("envkey", "{\"environment\": {\"set\": {\"A=B\": \"x\"}}}", "environment.set");
	expect_error("scaction", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"ptrace\"], \"action\": \"deny\"}]}}", "seccomp.rules[0].action: expected");
	expect_error("scname", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"not_a_syscall_xyz\"], \"action\": \"errno\"}]}}", "seccomp.rules[0].syscalls: unknown syscall \"not_a_syscall_xyz\"");
	expect_error("scgroup", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"@nonsense\"], \"action\": \"errno\"}]}}", "unknown syscall group \"@nonsense\"");
	expect_error("scerrno", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"ptrace\"], \"action\": \"kill\", \"errno\": \"EPERM\"}]}}", "only valid with \"action\": \"errno\"");
	expect_error("scarg", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"ioctl\"], \"action\": \"errno\", \"args\": [{\"index\": 9, \"value\": 1}]}]}}", "args[0]: index: expected 0..5");
	expect_error("badname", "{}", "ok"); /* sanity: empty profile loads */

	/* More of the invalid-profile corpus: each error names the JSON path. */
	expect_error("admin-type", "{\"admin\": \"yes\"}", "admin: expected true or false");
	expect_error("extends-type", "{\"extends\": 5}", "extends: expected a profile name");
	expect_error("desc-type", "{\"description\": 5}", "description: expected a string");
	expect_error("gid-range", "{\"identity\": {\"gid\": 70000}}", "identity.gid: expected a whole number 1..65535");
	expect_error("image-name", "{\"rootfs\": {\"image\": \"bad name!\"}}", "rootfs.image: expected a runtime name");
	expect_error("bind-dst", "{\"rootfs\": {\"binds\": [{\"src\": \"/x\", \"dst\": \"rel\"}]}}", "rootfs.binds[0]: dst");
	expect_error("allowed-bad", "{\"network\": {\"allowed\": [\"wifi\"]}}", "network.allowed: expected none, loopback");
	expect_error("env-allow", "{\"environment\": {\"allow\": \"HOME\"}}", "environment.allow: expected an array of strings");
	expect_error("arg-op", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"ioctl\"], \"action\": \"errno\", \"args\": [{\"index\": 1, \"op\": \"like\", \"value\": 1}]}]}}",
		     "seccomp.rules[0].args[0]: op: expected");
	expect_error("rule-key", "{\"seccomp\": {\"rules\": [{\"syscalls\": [\"ptrace\"], \"action\": \"errno\", \"errnum\": 1}]}}",
		     "seccomp.rules[0]: unknown key 'errnum'");
	expect_error("limit-key", "{\"limits\": {\"memory\": {\"max\": \"1G\"}}}", "limits.memory: unknown key 'max'");
	expect_error("time-absurd", "{\"limits\": {\"time\": 1e9}}", "limits.time");

	/* A three-level chain: each level may lower, the third may not raise
	 * above the second, and the error names the third file. */
	put("lvl1", "{\"limits\": {\"pids\": {\"default\": 50, \"ceiling\": 100}, \"memory\": {\"default\": \"64M\", \"ceiling\": \"1G\"}}}");
	put("lvl2", "{\"extends\": \"lvl1\", \"limits\": {\"pids\": {\"ceiling\": 80}}, \"environment\": {\"set\": {\"A\": \"1\"}}}");
	put("lvl3", "{\"extends\": \"lvl2\", \"limits\": {\"pids\": {\"default\": 20}}, \"rootfs\": {\"masked\": [\"/etc/x\"]}}");
	is_str(load("lvl3", &p), "ok", "three-level extends chain");
	if (p) {
		is_int(p->ceil[LIM_PIDS], 80, "the middle level's lowered ceiling holds");
		is_int(p->def[LIM_PIDS], 20, "the last level's default");
		is_int(p->ceil[LIM_MEMORY], 1 << 30, "untouched limits come from the root");
		ok(p->env_set && strcmp(p->env_set[0], "A=1") == 0 && !p->env_set[1], "environment.set inherited from the middle");
		ok(p->masked && strcmp(p->masked[0], "/etc/x") == 0 && !p->masked[1], "a list replaces the parent's whole list");
		profile_free(p);
		p = NULL;
	}
	expect_error("lvl3-raise", "{\"extends\": \"lvl2\", \"limits\": {\"pids\": {\"ceiling\": 90}}}",
		     "lvl3-raise.json: limits.pids.ceiling: raises the parent's ceiling");
	expect_error("lvl3-defabove", "{\"extends\": \"lvl2\", \"limits\": {\"pids\": {\"default\": 81}}}",
		     "limits.pids.default: is above limits.pids.ceiling");

	/* --set PATH=VALUE */
	{
		struct run_overrides so = { 0 };
		struct hutch_error e3 = { 0 };

		is_int(ovr_set(&so, "limits.memory=128M", &e3), 0, "--set limits.memory=128M");
		ok(so.set[LIM_MEMORY] && so.val[LIM_MEMORY] == 128 << 20, "sets the memory override");
		is_int(ovr_set(&so, "limits.time.default=1.5", &e3), 0, "--set limits.time.default=1.5");
		is_int(so.val[LIM_TIME], 1500000, "1.5 s");
		is_int(ovr_set(&so, "network.mode=loopback", &e3), 0, "--set network.mode=loopback");
		ok(so.net_set && so.net == HUTCH_NET_LOOPBACK, "sets the network mode");
		ok(ovr_set(&so, "limits.memory.ceiling=8G", &e3) < 0 && strstr(e3.msg, "a ceiling is the profile's"),
		   "a ceiling cannot be set: %s", e3.msg);
		ok(ovr_set(&so, "limits.memroy=1M", &e3) < 0 && strstr(e3.msg, "unknown limit"), "typo: %s", e3.msg);
		ok(ovr_set(&so, "limits.pids=0", &e3) < 0 && strstr(e3.msg, "zero"), "zero refused: %s", e3.msg);
		ok(ovr_set(&so, "limits.pids=many", &e3) < 0 && strstr(e3.msg, "expected a whole number"), "not a number: %s", e3.msg);
		ok(ovr_set(&so, "network.mode=wifi", &e3) < 0, "unknown mode refused");
		ok(ovr_set(&so, "rootfs.image=python", &e3) < 0 && strstr(e3.msg, "everything else is the profile's"),
		   "rootfs is the profile's: %s", e3.msg);
		ok(ovr_set(&so, "environment.set.A=1", &e3) < 0 && strstr(e3.msg, "--env"), "environment: use --env");
		ok(ovr_set(&so, "limits.memory", &e3) < 0 && strstr(e3.msg, "PATH=VALUE"), "no '=': %s", e3.msg);
		put("setbase", "{\"limits\": {\"memory\": {\"default\": \"64M\", \"ceiling\": \"256M\"}}}");
		if (strcmp(load("setbase", &p), "ok") == 0) {
			struct run_overrides big = { 0 };
			is_int(ovr_set(&big, "limits.memory=512M", &e3), 0, "--set above the ceiling parses");
			is_int(profile_apply_limits(p, &big, &l, &e3), -EPERM, "and is refused against the profile");
			ok(strstr(e3.msg, "limits.memory.ceiling = 256M") != NULL, "naming the ceiling: %s", e3.msg);
			profile_free(p);
			p = NULL;
		}
	}

	/* Reading policies (explain, diff, audit, learn) */
	{
		struct hutch_error e4 = { 0 };
		struct pol_verdict v;
		struct profile *d = NULL;

		ok(pol_name_covers("@debug", "ptrace"), "@debug covers ptrace through @ptrace");
		ok(pol_name_covers("@privileged", "chroot"), "@privileged covers chroot");
		ok(!pol_name_covers("@mount", "ptrace"), "@mount does not cover ptrace");
		if (profile_load("default", NULL, &d, &e4) == 0) {
			ok(pol_denies(&d->seccomp, "ptrace"), "default denies ptrace");
			ok(pol_denies(&d->seccomp, "init_module"), "default denies init_module");
			ok(!pol_denies(&d->seccomp, "read"), "default allows read");
			pol_syscall(&d->seccomp, "socket", &v);
			ok(v.conditional && v.action == HUTCH_SC_ALLOW, "socket is decided by its arguments");
			pol_syscall(&d->seccomp, "init_module", &v);
			ok(v.action == HUTCH_SC_KILL && !v.conditional, "init_module is a kill rule");
			{
				/* a learnt-style allowlist: socket only for AF_UNIX streams */
				struct hutch_sc_rule allow[2] = {
					{ .syscall = "read", .action = HUTCH_SC_ALLOW },
					{ .syscall = "socket", .action = HUTCH_SC_ALLOW, .n_args = 2,
					  .args = { { .index = 0, .op = HUTCH_SC_EQ, .value = 1 },
						    { .index = 1, .op = HUTCH_SC_MASKED_EQ, .value = 1, .mask = 0xf } } },
				};
				struct hutch_sc_policy child = { .default_action = HUTCH_SC_KILL, .rules = allow, .n_rules = 2 };
				char why[160] = "";
				ok(pol_is_tighter(&d->seccomp, true, &child, true, why, sizeof(why)),
				   "a deny-by-default allowlist within the parent is tighter: %s", why);
				allow[1].args[0].value = 17; /* AF_PACKET: the parent denies it */
				ok(!pol_is_tighter(&d->seccomp, true, &child, true, why, sizeof(why)) && strstr(why, "socket"),
				   "allowing a socket family the parent denies is not: %s", why);
				allow[1].n_args = 0;
				ok(!pol_is_tighter(&d->seccomp, true, &child, true, why, sizeof(why)),
				   "nor allowing socket whatever its arguments");
				ok(!pol_is_tighter(&d->seccomp, true, &d->seccomp, false, why, sizeof(why)) && strstr(why, "turns off"),
				   "turning the filter off is not");
				ok(pol_is_tighter(&d->seccomp, true, &d->seccomp, true, why, sizeof(why)), "a policy is as tight as itself");
			}
			profile_free(d);
		} else {
			printf("# default profile: %s\n", e4.msg);
			ok(0, "the shipped default profile loads");
		}
	}
	{
		struct hutch_error e2 = { 0 };
		struct profile *q = NULL;
		ok(profile_load("../etc/passwd", dir, &q, &e2) < 0, "a name with a path is treated as a path and must exist");
		ok(profile_load("bad name!", dir, &q, &e2) < 0 && strstr(e2.msg, "profile name"), "odd names refused");
	}
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# cleanup of %s failed\n", dir);
	}
	return done_testing();
}
