#!/bin/sh
# Grade a submission against its test cases with `hutch run` and the
# default profile: one line per test case with the verdict, then a total.
# Usage: examples/grade.sh [PROBLEM_DIR]   (default: examples/reverse)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hutch=${HUTCH:-$here/../hutch}
problem=${1:-$here/reverse}
# The workdir holds only what the program may touch; results and outputs go
# to a separate directory the program cannot reach (it could forge them).
tmp=$(mktemp -d /tmp/hutch-grade.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
work=$tmp/box
mkdir "$work" "$tmp/out"
cp "$problem/main.py" "$work/"
pass=0 total=0
for input in "$problem"/tests/*.in; do
	name=$(basename "$input" .in)
	total=$((total + 1))
	set +e
	"$hutch" run --workdir "$work" --time 1 --memory 64M --result "$tmp/out/result.json" \
		--stdin "$input" --stdout "$tmp/out/out.txt" -- /usr/bin/python3 main.py
	set -e
	status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$tmp/out/result.json")
	time=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["time"])' "$tmp/out/result.json")
	if [ "$status" = OK ] && diff -q "$tmp/out/out.txt" "$problem/tests/$name.out" >/dev/null; then
		verdict="Accepted"; pass=$((pass + 1))
	elif [ "$status" = OK ]; then
		verdict="Wrong Answer"
	else
		verdict="$status ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$tmp/out/result.json"))"
	fi
	printf 'test %-4s %-14s cpu %ss\n' "$name" "$verdict" "$time"
done
echo "score: $pass/$total"
[ "$pass" -eq "$total" ]
