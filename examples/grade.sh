#!/bin/sh
# Grade a submission against its test cases with `hutch run` and the
# default profile: one line per test case with the verdict, then a total.
# Usage: examples/grade.sh [PROBLEM_DIR]   (default: examples/reverse)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hutch=${HUTCH:-$here/../hutch}
problem=${1:-$here/reverse}
work=$(mktemp -d /tmp/hutch-grade.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$problem/main.py" "$work/"
pass=0 total=0
for input in "$problem"/tests/*.in; do
	name=$(basename "$input" .in)
	total=$((total + 1))
	set +e
	"$hutch" run --workdir "$work" --time 1 --memory 64M --result "$work/result.json" \
		--stdin "$input" --stdout "$work/out.txt" -- /usr/bin/python3 main.py
	set -e
	status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$work/result.json")
	time=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["time"])' "$work/result.json")
	if [ "$status" = OK ] && diff -q "$work/out.txt" "$problem/tests/$name.out" >/dev/null; then
		verdict="Accepted"; pass=$((pass + 1))
	elif [ "$status" = OK ]; then
		verdict="Wrong Answer"
	else
		verdict="$status ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$work/result.json"))"
	fi
	printf 'test %-4s %-14s cpu %ss\n' "$name" "$verdict" "$time"
done
echo "score: $pass/$total"
[ "$pass" -eq "$total" ]
