#!/bin/bash
# Each shipped profile runs a real program of its kind: gcc and g++ compile
# and run, Python, Node, an npm ci && npm run build, a Node server and a
# static file server reached from the host. (grade-mocha needs the node
# runtime image: tests/integration/55-runtimes.t.)
. "$(dirname "$0")/lib.sh"
need_root
W=$T/w
fresh() { rm -rf "$W"; mkdir -p "$W"; chmod 755 "$W"; }

# ---- grade-c: the compile step runs gcc in /box, the run step its output
fresh
cat >"$W/main.c" <<'EOF'
#include <stdio.h>
int main(void) { long a, b; if (scanf("%ld %ld", &a, &b) != 2) return 2; printf("%ld\n", a + b); return 0; }
EOF
hrun -p grade-c -d "$W" --set limits.memory=500M --time 10 --wall-time 20 -- /usr/bin/gcc -O2 -o main main.c
is "$RC" 0 "grade-c: gcc compiles in the sandbox"
echo "40 2" >"$T/in"
"$HUTCH" run -p grade-c -d "$W" --stdin "$T/in" --result "$T/res.json" -- ./main >"$T/out" 2>"$T/err"
is "$?/$(cat "$T/out")" "0/42" "grade-c: the binary runs from /box with the test input"
hrun -p grade-c -d "$W" -- /bin/sh -c './main </dev/null'
is "$RC" 2 "grade-c: its exit status comes through"
hrun -p default -d "$W" -- ./main
is "$RC" 126 "the same binary cannot run under default (noexec /box)"

# ---- grade-cpp
fresh
cat >"$W/main.cpp" <<'EOF'
#include <iostream>
#include <vector>
#include <numeric>
int main() { std::vector<int> v(10); std::iota(v.begin(), v.end(), 1); std::cout << std::accumulate(v.begin(), v.end(), 0) << "\n"; }
EOF
hrun -p grade-cpp -d "$W" --set limits.memory=500M --time 15 --wall-time 20 -- /bin/sh -c '/usr/bin/g++ -O2 -o main main.cpp && ./main'
is "$RC/$OUT" "0/55" "grade-cpp: g++ compiles and the result runs"

# ---- grade-python
fresh
cat >"$W/script.py" <<'EOF'
import sys, statistics
nums = [float(x) for x in sys.stdin.read().split()]
print(f"{statistics.mean(nums):.2f}")
EOF
printf '1 2 3 4\n' >"$T/in"
"$HUTCH" run -p grade-python -d "$W" --stdin "$T/in" --result "$T/res.json" -- /usr/bin/python3 script.py >"$T/out" 2>"$T/err"
is "$?/$(cat "$T/out")" "0/2.50" "grade-python: a Python program reads its input and answers"
ok $([ ! -e "$W/__pycache__" ]; echo $?) "grade-python: no bytecode written to /box"
hrun -p grade-python -d "$W" -- /usr/bin/python3 -c 'x = bytearray(400 * 1024 * 1024)'
is "$(jget status)" ML "grade-python: past its memory limit: ML"

# ---- grade-node (mocha when the host has it; the runtime image test has it always)
fresh
cat >"$W/solution.js" <<'EOF'
module.exports = { add: (a, b) => a + b };
EOF
cat >"$W/test.js" <<'EOF'
const assert = require('assert');
const { add } = require('./solution');
assert.strictEqual(add(2, 3), 5);
console.log('1 passing');
EOF
hrun -p grade-node -d "$W" -- /usr/bin/node test.js
is "$RC/$OUT" "0/1 passing" "grade-node: node runs a test of a student's module"
if command -v mocha >/dev/null 2>&1; then
	hrun -p grade-node -d "$W" -- mocha test.js
	is "$RC" 0 "grade-node: mocha on the host"
else
	skip "grade-node: no mocha on the host (grade-mocha with the node image: 55-runtimes.t)"
fi

# ---- build-node: npm ci && npm run build, with the network out
fresh
cp "$REPO"/tests/data/build-node/* "$W/"
chmod -R a+rX "$W"
hrun -p build-node -- /bin/true
if [ "$RC" != 0 ]; then
	skip "build-node: egress is not available here: $ERR"
else
	"$HUTCH" run -p build-node -d "$W" --wall-time 300 --result "$T/res.json" -- /bin/sh -c 'npm ci && npm run build' \
		>"$T/out" 2>"$T/err" </dev/null
	RC=$?
	if [ "$RC" = 0 ]; then
		ok 0 "build-node: npm ci && npm run build"
		is "$(cat "$W/dist/index.html" 2>/dev/null)" "<p>built: yes</p>" "build-node: the build used the dependency npm installed"
		ok $([ -f "$W/node_modules/is-number/package.json" ]; echo $?) "build-node: node_modules in /box"
	elif grep -qiE "ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network|registry|certificate" "$T/err" "$T/out"; then
		skip "build-node: the npm registry is not reachable from here: $(grep -m1 -iE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network|registry|certificate' "$T/err" "$T/out" | cut -c1-200)"
	else
		ok 1 "build-node: npm ci && npm run build (exit $RC)"
		tail -n 15 "$T/err" | sed 's/^/#   /'
	fi
fi

# ---- serve-node and serve-static: long-running, reached from the host
serve() { # serve NAME PROFILE -- PROGRAM...: start, fetch /, stop
	local name=$1 profile=$2 info=$T/$1.net pid addr body i
	shift 3
	rm -f "$info"
	"$HUTCH" run -p "$profile" -d "$W" --net-info "$info" --result "$T/$name.res" -- "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	pid=$!
	for i in $(seq 100); do [ -s "$info" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	addr=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$info" 2>/dev/null)
	body=
	if [ -n "$addr" ]; then
		for i in $(seq 50); do
			body=$(curl -s --max-time 2 --noproxy '*' "http://$addr:8080/") && [ -n "$body" ] && break
			sleep 0.1
		done
	fi
	kill -TERM $pid 2>/dev/null
	wait $pid
	SERVE_RC=$?
	SERVE_BODY=$body
	SERVE_ERR=$(head -c 400 "$T/$name.err")
}
fresh
cat >"$W/server.js" <<'EOF'
const http = require('http');
http.createServer((req, res) => res.end(`hello from ${process.env.NODE_ENV}\n`))
    .listen(Number(process.env.PORT), process.env.HOST);
EOF
hrun -p serve-node -- /bin/true
if [ "$RC" != 0 ]; then
	skip "serve-node: publish mode is not available here: $ERR"
	skip "serve-static: publish mode is not available here"
else
	serve node serve-node -- /usr/bin/node server.js
	is "$SERVE_BODY" "hello from production" "serve-node: the app answers on its published port"
	is "$SERVE_RC" 143 "serve-node: no time limit; SIGTERM to hutch stops it (128+15)"
	fresh
	echo '<h1>static</h1>' >"$W/index.html"
	chmod 644 "$W/index.html"
	serve static serve-static -- /usr/bin/python3 -m http.server 8080 --bind 0.0.0.0 --directory /box
	is "$SERVE_BODY" "<h1>static</h1>" "serve-static: a file server serves /box on the published port"
	is "$SERVE_RC" 143 "serve-static: stopped by SIGTERM"
fi
is "$(count_hutch_cgroups)" 0 "no run cgroup left behind"
done_testing
