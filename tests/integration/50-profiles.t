#!/bin/bash
# Profiles as admins use them: the search path, extends and ceilings seen
# from the command line, --set, list/show/check/explain/diff, audit finding
# a deliberately weakened profile's hole, and learn producing an allowlist
# that runs the same command under a deny-by-default policy.
. "$(dirname "$0")/lib.sh"
need_root
P=$T/profiles
PP=$P:$REPO/profiles # a search path replaces the default one: keep the shipped parents
mkdir -p "$P"
put() { printf '%s\n' "$2" >"$P/$1.json"; }

# ---- search path: --profile-path, $HUTCH_PROFILE_PATH, the shipped default
put tight '{"extends": "default", "description": "test: lowered", "limits": {"memory": {"default": "32M", "ceiling": "64M"}, "pids": {"default": 16, "ceiling": 32}}}'
"$HUTCH" profile --profile-path "$PP" show tight >"$T/show.json" 2>"$T/err"
is $? 0 "profile show finds a profile through --profile-path"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["limits"]["memory"]["ceiling"], d["limits"]["pids"]["default"], d["limits"]["time"]["default"])' "$T/show.json")" \
	"64M 16 2" "show prints the resolved profile: the child's ceiling, the parent's defaults"
HUTCH_PROFILE_PATH=$PP "$HUTCH" profile show tight >/dev/null 2>&1
is $? 0 "and through \$HUTCH_PROFILE_PATH"
"$HUTCH" profile show tight >/dev/null 2>"$T/err"
is $? 125 "not on the default search path"
like "$(cat "$T/err")" "profile 'tight' not found in" "the error names the search path"
hrun --profile-path "$PP" --profile tight -- /bin/true
is "$RC" 0 "hutch run --profile-path"

# ---- ceilings and --set
hrun --profile-path "$PP" -p tight --set limits.memory=48M --result "$T/res.json" -- /bin/true
is "$RC" 0 "--set limits.memory below the ceiling runs"
hrun --profile-path "$PP" -p tight --set limits.memory=128M -- /bin/true
is "$RC" 125 "--set above the ceiling: exit 125"
like "$ERR" "above the ceiling of profile tight \\(limits.memory.ceiling = 64M\\)" "the refusal names the ceiling"
hrun --profile-path "$PP" -p tight --memory 128M -- /bin/true
is "$RC" 125 "--memory above the ceiling: exit 125 too"
hrun --profile-path "$PP" -p tight --set limits.memory.ceiling=1G -- /bin/true
is "$RC" 125 "--set of a ceiling: exit 125"
like "$ERR" "a ceiling is the profile's" "says why"
hrun --profile-path "$PP" -p tight --set rootfs.workdir_exec=true -- /bin/true
is "$RC" 125 "--set of a non-run value: exit 125"
hrun --profile-path "$PP" -p tight --set network.mode=egress -- /bin/true
is "$RC" 125 "--set network.mode outside network.allowed: exit 125"
hrun --profile-path "$PP" -p tight --set limits.pids=8 --result "$T/res.json" -- /bin/sh -c 'for i in $(seq 40); do sleep 1 & done; wait'
ok $([ "$RC" != 125 ] && grep -q "Resource temporarily unavailable\|fork" "$T/err"; echo $?) "--set limits.pids=8 is enforced (fork fails)"
put raise '{"extends": "tight", "limits": {"memory": {"ceiling": "1G"}}}'
hrun --profile-path "$PP" -p raise -- /bin/true
is "$RC" 125 "a child raising its parent's ceiling: exit 125"
like "$ERR" "raise.json: limits.memory.ceiling: raises the parent's ceiling" "the error names the file and JSON path"
put adminraise '{"extends": "tight", "admin": true, "limits": {"memory": {"ceiling": "1G"}}}'
hrun --profile-path "$PP" -p adminraise --memory 512M -- /bin/true
is "$RC" 0 "an admin child may raise it"
put cyc1 '{"extends": "cyc2"}'
put cyc2 '{"extends": "cyc1"}'
hrun --profile-path "$PP" -p cyc1 -- /bin/true
is "$RC" 125 "extends cycle: exit 125"
like "$ERR" "cycle" "named as a cycle"

# ---- check: an invalid-profile corpus, each with its exact JSON path
check_err() { # check_err NAME JSON EXPECTED-SUBSTRING
	put "$1" "$2"
	"$HUTCH" profile --profile-path "$PP" check "$P/$1.json" >/dev/null 2>"$T/cerr"
	local rc=$?
	if [ $rc = 125 ] && grep -qF -- "$3" "$T/cerr"; then ok 0 "check $1: $3"
	else ok 1 "check $1: $3"; echo "#   rc $rc: $(cat "$T/cerr")"; fi
}
check_err bad-key '{"limits": {"memroy": 1}}' "bad-key.json: limits: unknown key 'memroy'"
check_err bad-size '{"limits": {"memory": {"ceiling": "12X"}}}' "limits.memory.ceiling: expected a size"
check_err bad-neg '{"limits": {"pids": {"default": -1}}}' "limits.pids.default: must not be negative"
check_err bad-sys '{"seccomp": {"rules": [{"syscalls": ["ptrac"], "action": "errno"}]}}' 'seccomp.rules[0].syscalls: unknown syscall "ptrac"'
check_err bad-group '{"seccomp": {"rules": [{"syscalls": ["@mounts"], "action": "kill"}]}}' 'unknown syscall group "@mounts"'
check_err bad-conflict '{"seccomp": {"rules": [{"syscalls": ["ptrace"], "action": "errno"}, {"syscalls": ["@ptrace"], "action": "kill"}]}}' "conflicts with"
check_err bad-net '{"network": {"mode": "egress", "allowed": ["none"]}}' 'network.mode: "egress" is not in network.allowed'
check_err bad-uid '{"identity": {"uid": 0}}' "identity.uid: expected a whole number 1..65535"
check_err sc-off '{"extends": "default", "seccomp": {"enabled": false}}' "sc-off.json: seccomp: turns off the parent's seccomp filter; only a profile with \"admin\": true may"
check_err sc-loose '{"extends": "default", "seccomp": {"rules": [{"syscalls": ["@mount"], "action": "errno"}]}}' "seccomp: allows ioctl, which the parent allows only for some arguments"
python3 - "$REPO/profiles/default.json" >"$P/sc-tight.json" <<'EOF'
import json, sys
rules = json.load(open(sys.argv[1]))["seccomp"]["rules"] + [{"syscalls": ["bind", "listen"], "action": "errno", "errno": "EACCES"}]
print(json.dumps({"extends": "default", "seccomp": {"rules": rules}}))
EOF
"$HUTCH" profile --profile-path "$PP" check "$P/sc-tight.json" >/dev/null 2>&1
is $? 0 "a child that keeps its parent's rules and adds one is accepted (tighter)"
hrun --profile-path "$PP" -p "$P/sc-tight.json" -- /usr/bin/python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 0))'
like "$ERR" "PermissionError" "and its added rule holds"
"$HUTCH" profile check "$REPO"/profiles/*.json >"$T/out" 2>&1
is $? 0 "every shipped profile passes check"

# ---- list, explain, diff
"$HUTCH" profile list >"$T/out" 2>&1
like "$(cat "$T/out")" "grade-c .*none" "list shows the shipped profiles"
put default '{"extends": "/nonexistent/x.json"}'
"$HUTCH" profile --profile-path "$P:$REPO/profiles" list >"$T/out" 2>&1
like "$(cat "$T/out")" "default .*hidden by the one found first" "list marks a profile hidden by an earlier directory"
rm -f "$P/default.json"
"$HUTCH" profile explain default >"$T/out" 2>&1
is $? 0 "explain default"
EX=$(cat "$T/out")
like "$EX" "no network at all" "explain: network in words"
like "$EX" "Denied groups \\(the call fails\\): @bpf" "explain: denied syscall groups"
like "$EX" "@mount, @namespaces" "explain: ... @mount among them"
like "$EX" "cannot be executed \\(noexec\\)" "explain: no exec from /box"
like "$EX" "memory \\(all processes\\) +256M +4G" "explain: limits with default and ceiling"
"$HUTCH" profile explain grade-c >"$T/out" 2>&1
like "$(cat "$T/out")" "can be executed \\(compile steps\\)" "explain grade-c: exec from /box"
"$HUTCH" profile diff default grade-c >"$T/out" 2>&1
is $? 1 "diff of different profiles: exit 1"
DF=$(cat "$T/out")
like "$DF" "limits.time.default +2s -> 5s" "diff shows a changed default"
like "$DF" "rootfs.workdir_exec +false -> true" "diff shows workdir_exec"
"$HUTCH" profile diff default default >"$T/out" 2>&1
is $? 0 "diff of a profile with itself: exit 0"
put loose '{"extends": "default", "admin": true, "seccomp": {"rules": [{"syscalls": ["@mount"], "action": "errno"}]}}'
"$HUTCH" profile diff default "$P/loose.json" >"$T/out" 2>&1
like "$(cat "$T/out")" "seccomp: errno\\(EPERM\\) -> allow:" "diff groups syscalls whose verdict changed"
like "$(cat "$T/out")" "ptrace" "and lists them"

# ---- audit
if [ -x "$REPO/build/hutch-probe" ] || [ -x "$PROBE_DIR/probe" ]; then
	export HUTCH_PROBE=${HUTCH_PROBE:-$([ -x "$REPO/build/hutch-probe" ] && echo "$REPO/build/hutch-probe" || echo "$PROBE_DIR/probe")}
	"$HUTCH" profile audit default >"$T/audit" 2>&1
	is $? 0 "audit of default: every probe as the profile says (exit 0)"
	AU=$(cat "$T/audit")
	like "$AU" "create a namespace \\(unshare, clone, clone3\\) +denied +denied +ok" "audit: namespaces denied"
	like "$AU" "start more processes than the pid limit +denied +denied +ok" "audit: the pid limit holds"
	like "$AU" "allocate more memory than the limit +denied +denied +ok" "audit: the memory limit holds"
	like "$AU" "run past the CPU time limit +denied +denied +ok" "audit: the CPU time limit holds"
	like "$AU" "write to the work directory /box +allowed +allowed +ok" "audit: /box is writable"
	like "$AU" "0 mismatches" "audit: summary"
	# A deliberately weakened profile: an admin "simplified" the rules and
	# kept @namespaces, but dropped clone's and clone3's flag rules.
	put weak '{"extends": "default", "admin": true, "description": "weakened on purpose",
	  "seccomp": {"rules": [
	    {"syscalls": ["@namespaces", "@mount", "@ptrace", "@bpf", "@perf", "@io_uring", "@keyring", "@clock", "userfaultfd", "open_by_handle_at"], "action": "errno", "errno": "EPERM"},
	    {"syscalls": ["@module", "@reboot"], "action": "kill"}]}}'
	"$HUTCH" profile audit --quick "$P/weak.json" >"$T/audit" 2>&1
	is $? 1 "audit of the weakened profile: exit 1"
	AU=$(cat "$T/audit")
	like "$AU" "create a namespace \\(unshare, clone, clone3\\) +allowed +denied +MISMATCH" "audit finds the hole: a namespace through clone"
	like "$AU" "clone user succeeded" "and says which road was open"
	like "$AU" "1 mismatch" "only that one"
	put weak-exec '{"extends": "default", "rootfs": {"binds": [{"src": "'"$T"'/shared", "dst": "/shared"}]}}'
	mkdir -p "$T/shared"
	"$HUTCH" profile audit --quick "$P/weak-exec.json" >"$T/audit" 2>&1
	like "$(cat "$T/audit")" "write to /shared \\(the host's .*\\) +denied +denied +ok" "audit: a read-only bind stays read-only"
else
	skip "audit: no probe built (make)"
fi

# ---- learn
W=$T/learnwork
mkdir -p "$W" && chmod 755 "$W"
cat >"$W/main.py" <<'EOF'
import json, os, sys
data = [int(x) for x in sys.stdin.read().split()] if False else list(range(100))
print(json.dumps({"sum": sum(data), "files": sorted(os.listdir("."))}))
EOF
"$HUTCH" profile learn -d "$W" -o "$T/learned.json" -- /usr/bin/python3 main.py >"$T/out" 2>"$T/err"
is $? 0 "learn ran the program"
like "$(cat "$T/err")" "syscalls allowed; the run ended OK" "learn reports what it recorded"
python3 - "$T/learned.json" >"$T/check" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
sc = d["seccomp"]
names = [n for r in sc["rules"] for n in r["syscalls"]]
print(d["extends"], sc["default_action"], "read" in names, "ptrace" in names, "mount" in names, "execve" in names)
EOF
is "$(cat "$T/check")" "default kill True False False True" "the learnt profile: extends default, deny by default, read and execve allowed, ptrace and mount not"
"$HUTCH" profile check "$T/learned.json" >/dev/null 2>&1
is $? 0 "the learnt profile is valid"
hrun -p "$T/learned.json" -d "$W" -- /usr/bin/python3 main.py
is "$RC" 0 "the same command runs under the deny-by-default allowlist"
like "$OUT" '"sum": 4950' "with the same output"
hrun -p "$T/learned.json" -d "$W" -- /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)'
is "$(jget status)" SG "a syscall the learning run did not make ends the run"
like "$(jget message)" "seccomp: [a-z0-9_]+\\([0-9]+\\) denied by profile learned" "and the result names it"
"$HUTCH" profile explain "$T/learned.json" >"$T/out" 2>&1
like "$(cat "$T/out")" "Deny by default: a system call not listed ends the run" "explain reads a deny-by-default policy"
# a compile step: gcc's driver, cc1, as and ld, several processes, one allowlist
C=$T/learnc
mkdir -p "$C" && chmod 777 "$C"
printf '#include <stdio.h>\nint main(void){puts("compiled");return 0;}\n' >"$C/main.c"
"$HUTCH" profile learn -p grade-c -d "$C" --memory 500M --time 10 -o "$T/learned-c.json" -- \
	/bin/sh -c 'gcc -O2 -o main main.c && ./main' >/dev/null 2>"$T/err"
is $? 0 "learn a gcc compile-and-run under grade-c"
rm -f "$C/main"
hrun -p "$T/learned-c.json" -d "$C" --memory 500M --time 10 -- /bin/sh -c 'gcc -O2 -o main main.c && ./main'
is "$RC/$OUT" "0/compiled" "the compile and run work again under the learnt allowlist"
"$HUTCH" profile learn --deny errno -- /bin/sh -c 'echo hello' >"$T/learned2.json" 2>/dev/null
hrun -p "$T/learned2.json" -- /bin/sh -c 'echo hello'
is "$OUT/$RC" "hello/0" "learn --deny errno: the shell runs under its own allowlist"
done_testing
