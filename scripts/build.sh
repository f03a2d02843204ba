#!/usr/bin/env bash
# Builds one flavour: `release` (optimised) or `asan` (ASan + UBSan, what the tests use).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case "$flavour" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DNEO_SANITIZE=OFF) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DNEO_SANITIZE=ON) ;;
  *) echo "usage: $0 release|asan" >&2; exit 2 ;;
esac
cmake -S . -B "build/$flavour" -G Ninja "${flags[@]}" >/dev/null
cmake --build "build/$flavour" -j "$(nproc)"
