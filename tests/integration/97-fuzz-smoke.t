#!/bin/bash
# A short pass of every libFuzzer target of tests/fuzz/ (issue 6): builds
# them (make fuzz-build: clang, ASan, UBSan) and runs each for
# $FUZZ_SMOKE_SECONDS (default 25) from its seed corpus. One TAP line per
# target; a crash, leak or broken invariant fails it and names the saved
# input. Long runs: make fuzz FUZZ_SECONDS=600 (docs/security-testing.md).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SECS=${FUZZ_SMOKE_SECONDS:-25}
BUILD=${FUZZ_BUILD:-build-fuzz}

# make asan runs this layer again against the sanitized hutch: once is enough.
if [ -n "${HUTCH_SANITIZED:-}" ]; then
	echo "1..0 # SKIP the fuzz pass runs in the plain make check"
	exit 77
fi
command -v clang >/dev/null || { echo "1..0 # SKIP clang not installed (make deps)"; exit 77; }
probe=$(mktemp -d /tmp/hutch-fuzzprobe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe/t.c"
if ! clang -fsanitize=fuzzer,address,undefined -o "$probe/t" "$probe/t.c" 2>/dev/null; then
	echo "1..0 # SKIP clang cannot link libFuzzer (install libclang-rt-\$VER-dev: make deps)"
	exit 77
fi
if ! make -C "$REPO" -s --no-print-directory fuzz-build >"$probe/build.log" 2>&1; then
	echo "1..1"
	echo "not ok 1 - make fuzz-build"
	sed 's/^/#   /' "$probe/build.log" | tail -n 30
	exit 1
fi
exec "$REPO/tests/fuzz/run.sh" "$BUILD" "$SECS"
