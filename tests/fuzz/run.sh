#!/bin/bash
# Run every built libFuzzer target for SECONDS each, as TAP (one line per
# target). Used by `make fuzz` and by tests/integration/97-fuzz-smoke.t.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# A target reads its seeds from tests/fuzz/corpus/NAME/ (never written) and
# grows a working corpus in BUILD_DIR/corpus/NAME/ (kept between runs, so a
# long local run makes the next short one start deeper). A crash, leak,
# timeout, out-of-memory or broken invariant fails the target; its input is
# saved as BUILD_DIR/artifacts/NAME-* and the line says how to replay it.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
SECONDS_EACH=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$REPO"/tests/fuzz/fuzz-*.c; do
		[ -e "$f" ] || continue
		n=${f##*/}
		targets+=("${n%.c}")
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "1..0 # SKIP no fuzz target in tests/fuzz"; exit 0; }

mkdir -p "$BUILD/corpus" "$BUILD/artifacts" "$BUILD/logs"
echo "1..${#targets[@]}"
n=0 failed=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	name=${t#fuzz-}
	bin=$BUILD/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "not ok $n - $name: $bin not built (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	seeds=$REPO/tests/fuzz/corpus/$name
	work=$BUILD/corpus/$name
	log=$BUILD/logs/$name.log
	mkdir -p "$work"
	opts=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536
	      -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$name-")
	[ -f "$REPO/tests/fuzz/$name.dict" ] && opts+=(-dict="$REPO/tests/fuzz/$name.dict")
	dirs=("$work")
	[ -d "$seeds" ] && dirs+=("$seeds")
	# libFuzzer wants one process per target; ASan/UBSan abort on the
	# first finding so that it is recorded, not skipped past.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
		"$bin" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1)
	corp=$(ls "$work" | wc -l)
	if [ $rc -eq 0 ]; then
		echo "ok $n - $name: ${SECONDS_EACH}s, ${runs:-?} runs, ${cov:-cov: ?}, $corp inputs in the working corpus"
	else
		failed=$((failed + 1))
		art=$(grep -ao "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //')
		echo "not ok $n - $name: exit $rc after ${runs:-?} runs${art:+; input saved as $art (replay: $bin $art)}"
		grep -aE 'ERROR|invariant|runtime error|SUMMARY|^ +#[0-9]+ ' "$log" | head -n 12 | sed 's/^/#   /'
	fi
done
exit $((failed > 0))
