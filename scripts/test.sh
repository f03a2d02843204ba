#!/usr/bin/env bash
# The whole test suite: installs what is needed, builds with ASan + UBSan, runs the unit tests
# and the integration suites (real binary, real redis-server, real centrifuge-js and cent.js,
# real Chromium) through ctest; then, for the whole suite (no ctest arguments given), builds
# with ThreadSanitizer (build/tsan) and runs the unit tests and the integration suite (memory
# engine) again, and builds the libFuzzer targets with clang (build/fuzz) and runs each for a
# short while on its corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build/asan --output-on-failure -j "$(nproc)" "$@"
if (($# == 0)); then
  scripts/build.sh tsan
  # Every report fails: a unit test exits 66, the integration harness looks for the report in the
  # server's stderr. tests/tsan.supp lists only reports that are not races of ours, each with why.
  export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
  ctest --test-dir build/tsan --output-on-failure -j "$(nproc)" -L unit
  ctest --test-dir build/tsan --output-on-failure -R '^integration$'
  scripts/build.sh fuzz
  # All at once (each for NEO_FUZZ_SECONDS, 20 s): the stage takes ~20 s, whatever the cores.
  ctest --test-dir build/fuzz -L fuzz --output-on-failure -j 8
fi
