#!/bin/bash
# Language runtimes: recipes validated, images built once (cached by recipe
# key under the state directory, which survives between CI runs on the same
# machine), used read-only by profiles, a missing one named with the command
# that builds it, failed and interrupted builds cleaned up.
#
# HUTCH_TEST_RUNTIMES picks the images to build and use (default: all
# three). python is the smallest; a CI without the time for the others can
# set HUTCH_TEST_RUNTIMES=python and the rest are skipped with that reason.
. "$(dirname "$0")/lib.sh"
need_root
STATE=${HUTCH_STATE_DIR:-/var/lib/hutch}
RUNTIMES=${HUTCH_TEST_RUNTIMES:-python gcc node}
P=$T/profiles
R=$T/recipes
mkdir -p "$P" "$R"
put() { printf '%s\n' "$2" >"$P/$1.json"; }
want() { case " $RUNTIMES " in *" $1 "*) return 0 ;; esac; return 1; }

command -v debootstrap >/dev/null || { echo "1..0 # SKIP debootstrap is not installed (make deps)"; exit 77; }

"$HUTCH" runtime list >"$T/out" 2>&1
is $? 0 "runtime list"
for n in python node gcc; do
	like "$(cat "$T/out")" "^$n " "the $n recipe is listed"
done

# ---- recipes are validated like profiles: file, JSON path, expectation
recipe_err() { # recipe_err NAME JSON EXPECTED
	printf '%s\n' "$2" >"$R/$1.json"
	HUTCH_RUNTIME_PATH=$R "$HUTCH" runtime build "$1" >"$T/out" 2>&1
	local rc=$?
	if [ $rc != 0 ] && grep -qF -- "$3" "$T/out"; then ok 0 "recipe $1: $3"
	else ok 1 "recipe $1: $3"; echo "#   rc $rc: $(head -c 300 "$T/out")"; fi
}
recipe_err r-key '{"debian": {"packages": ["x"]}, "npmm": []}' "r-key.json: (top level): unknown key 'npmm'"
recipe_err r-pkg '{"debian": {"packages": ["python3; rm -rf /"]}}' "r-pkg.json: debian.packages: item 0: expected a Debian package name"
recipe_err r-nodeb '{"description": "x"}' "r-nodeb.json: debian: missing"
recipe_err r-mirror '{"debian": {"mirror": "ftp://x", "packages": ["x"]}}' "debian.mirror: expected an http:// or https:// URL"
recipe_err r-check '{"debian": {"packages": ["x"]}, "check": ["python3 --version"]}' "check[0]: expected a command: an array of strings"
HUTCH_RUNTIME_PATH=$R "$HUTCH" runtime build no-such-runtime >"$T/out" 2>&1
like "$(cat "$T/out")" "no recipe for runtime 'no-such-runtime'" "an unknown runtime is named"

# ---- a profile naming an image that is not built says how to build it
put needs-node '{"extends": "grade-node", "rootfs": {"image": "node"}}'
HUTCH_STATE_DIR=$T/empty-state "$HUTCH" run --profile-path "$P:$REPO/profiles" -p needs-node -- /bin/true >/dev/null 2>"$T/err"
is $? 125 "a missing runtime image: exit 125"
like "$(cat "$T/err")" "run .hutch runtime build node." "the error says which command builds it"

# ---- build (or find up to date) the images
# Debian's archive must be reachable for a build that is not cached.
archive_ok=1
timeout 15 curl -sfI -o /dev/null http://deb.debian.org/debian/dists/bookworm/Release 2>/dev/null || archive_ok=0
for n in python gcc node; do
	if ! want "$n"; then
		skip "runtime $n: not in HUTCH_TEST_RUNTIMES ($RUNTIMES)"
		continue
	fi
	if [ "$archive_ok" = 0 ] && ! "$HUTCH" runtime list 2>/dev/null | grep -Eq "^$n +ready"; then
		skip "runtime $n: not built and deb.debian.org is not reachable from here"
		RUNTIMES=$(echo " $RUNTIMES " | sed "s/ $n / /")
		continue
	fi
	start=$SECONDS
	"$HUTCH" runtime build -q "$n" >"$T/build-$n" 2>&1
	rc=$?
	is "$rc" 0 "runtime build $n ($((SECONDS - start)) s)"
	grep -E "^\[|up to date" "$T/build-$n" | sed 's/^/#   /'
	[ $rc = 0 ] || tail -n 20 "$T/build-$n" | sed 's/^/#   /'
done
if want python; then
	start=$SECONDS
	"$HUTCH" runtime build python >"$T/out" 2>&1
	like "$(cat "$T/out")" "up to date" "a second build of an unchanged recipe does nothing ($((SECONDS - start)) s)"
fi
"$HUTCH" runtime list >"$T/out" 2>&1
sed 's/^/#   /' "$T/out"
if want python; then
	like "$(cat "$T/out")" "^python +ready +[0-9.]+ MiB" "runtime list: python ready, with its size"
fi

# ---- the images in use
W=$T/w
fresh() { rm -rf "$W"; mkdir -p "$W"; chmod 755 "$W"; }
if want python; then
	put py-image '{"extends": "grade-python", "rootfs": {"image": "python"}}'
	fresh
	printf 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n' >"$W/a.py"
	echo "1 2 3" >"$T/in"
	"$HUTCH" run --profile-path "$P:$REPO/profiles" -p py-image -d "$W" --stdin "$T/in" -- /bin/sh -c \
		'python3 a.py; test -e /usr/bin/gcc && echo host-gcc; id -un' >"$T/out" 2>"$T/err"
	is "$?/$(tr '\n' ' ' <"$T/out")" "0/6 hutch " "python image: a program runs in the image (no host gcc; the sandbox user has a name)"
	# writes go to the run's own layer, never into the shared image
	hrun --profile-path "$P:$REPO/profiles" -p py-image -- /bin/sh -c 'echo x >/var/tmp/hutch-mark && cat /var/tmp/hutch-mark'
	is "$RC/$OUT" "0/x" "python image: a run may write to its own layer"
	ok $([ ! -e "$STATE/runtimes/python/rootfs/var/tmp/hutch-mark" ]; echo $?) "the write did not reach the image"
	hrun --profile-path "$P:$REPO/profiles" -p py-image -- /bin/sh -c 'test ! -e /var/tmp/hutch-mark'
	is "$RC" 0 "the next run does not see it"
	if [ -x "$REPO/build/hutch-probe" ]; then
		HUTCH_PROBE=$REPO/build/hutch-probe "$HUTCH" profile --profile-path "$P:$REPO/profiles" audit --quick py-image >"$T/out" 2>&1
		is $? 0 "audit of a profile on the python image: no mismatch"
		grep -E "MISMATCH|mismatch" "$T/out" | sed 's/^/#   /'
	fi
else
	skip "python image: not built"
fi
if want gcc; then
	put c-image '{"extends": "grade-c", "rootfs": {"image": "gcc"}}'
	fresh
	printf '#include <stdio.h>\nint main(void){printf("%%d\\n", 6*7);return 0;}\n' >"$W/main.c"
	hrun --profile-path "$P:$REPO/profiles" -p c-image -d "$W" --set limits.memory=500M --time 10 --wall-time 20 -- \
		/bin/sh -c 'gcc -O2 -o main main.c && ./main && test ! -e /usr/bin/python3'
	is "$RC/$OUT" "0/42" "gcc image: compile and run C (no python in this image)"
else
	skip "gcc image: not built"
fi
if want node; then
	fresh
	cat >"$W/solution.js" <<'EOF'
module.exports = { add: (a, b) => a + b, mul: (a, b) => a + b /* a student's bug */ };
EOF
	cat >"$W/test.js" <<'EOF'
const assert = require('assert');
const s = require('./solution');
describe('solution', () => {
  it('adds', () => assert.strictEqual(s.add(2, 3), 5));
  it('multiplies', () => assert.strictEqual(s.mul(2, 3), 6));
});
EOF
	hrun -p grade-mocha -d "$W" -- mocha --reporter dot test.js
	is "$RC" 1 "grade-mocha: an instructor's mocha suite runs in the node image; one test fails"
	like "$OUT" "1 passing" "mocha reports the passing test"
	like "$OUT" "1 failing" "and the failing one"
	sed -i 's|a + b /\* a student.s bug \*/|a * b|' "$W/solution.js"
	hrun -p grade-mocha -d "$W" -- mocha --reporter dot test.js
	is "$RC" 0 "grade-mocha: the fixed solution passes"
else
	skip "node image: not built"
fi

# ---- failed and interrupted builds leave nothing behind
leftovers() { find "$STATE/runtimes" -maxdepth 1 -name '.build-*' -o -maxdepth 1 -name '.old-*' | wc -l; }
mounts() { grep -c "$STATE/runtimes" /proc/self/mountinfo || true; }
if [ -d "$STATE/runtimes/.base" ] && [ -n "$(ls "$STATE/runtimes/.base" 2>/dev/null)" ]; then
	printf '{"debian": {"packages": ["hutch-no-such-package-%s"]}}\n' $$ >"$R/hutch-test-bad.json"
	HUTCH_RUNTIME_PATH=$R "$HUTCH" runtime build -q hutch-test-bad >"$T/out" 2>&1
	is $? 1 "a build that fails (an unknown package): exit 1"
	like "$(cat "$T/out")" "build failed" "says so"
	is "$(leftovers)" 0 "no partial build left"
	ok $([ ! -e "$STATE/runtimes/hutch-test-bad" ]; echo $?) "no image made"

	printf '{"debian": {"packages": ["hello"]}, "check": [["hello", "-g", "hutch"]]}\n' >"$R/hutch-test-int.json"
	HUTCH_RUNTIME_PATH=$R "$HUTCH" runtime build hutch-test-int >"$T/int" 2>&1 &
	bpid=$!
	for i in $(seq 300); do grep -q "apt-get update\|apt-get install" "$T/int" && break; sleep 0.1; done
	kill -INT $bpid
	wait $bpid
	ok $([ $? != 0 ]; echo $?) "an interrupted build fails"
	is "$(leftovers)" 0 "and leaves no partial build"
	is "$(mounts)" 0 "nor a mount"

	if [ "$archive_ok" = 0 ]; then
		skip "a small recipe from the cached base: deb.debian.org is not reachable from here"
	else
		HUTCH_RUNTIME_PATH=$R "$HUTCH" runtime build -q hutch-test-int >"$T/out" 2>&1
		is $? 0 "a small recipe builds from the cached base"
		like "$(cat "$T/out")" "check .hello -g hutch.: hutch" "its check ran in a sandbox on the image"
		"$HUTCH" runtime rm hutch-test-int >"$T/out" 2>&1
		is $? 0 "runtime rm"
		ok $([ ! -e "$STATE/runtimes/hutch-test-int" ]; echo $?) "the image is gone"
	fi
else
	skip "build failure tests: no cached base (no image was built)"
fi
done_testing
