#!/usr/bin/env bash
# Builds one flavour: `release` (optimised server and load generator, no tests), `asan` (ASan +
# UBSan, what the tests use), `tsan` (ThreadSanitizer: the server and the unit tests, -O1) or
# `fuzz` (clang-14, libFuzzer + ASan + UBSan; only the targets of tests/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DNEO_SANITIZE=OFF -DNEO_BUILD_TESTS=OFF) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DNEO_SANITIZE=ON) ;;
  # -O1: TSan makes every memory access a call; -O0 on top would make the suite crawl.
  tsan) flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DNEO_SANITIZE=thread
               -DNEO_BUILD_BENCH=OFF) ;;
  fuzz) flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" -DNEO_FUZZ=ON
               -DCMAKE_CXX_COMPILER=clang++-14) ;;
  *) echo "usage: $0 release|asan|tsan|fuzz" >&2; exit 2 ;;
esac
# ccache, when the machine has it, makes rebuilds in several checkouts cheap; never required.
if command -v ccache >/dev/null; then flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
targets=()
if [[ "$flavour" == fuzz ]]; then targets=(--target fuzz); fi  # only the fuzzers, not the rest again
cmake -S . -B "build/$flavour" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)" "${targets[@]}"
