#!/usr/bin/env bash
# In-process micro-benchmarks of hot-path pieces (bench/micro/), release build, one command:
#   bench/micro.sh [extra Google Benchmark flags]
# Prints the table and writes bench/results/micro-<timestamp>.json with the machine's facts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
out="bench/results/micro-$(date -u +%Y%m%dT%H%M%SZ).json"
mkdir -p bench/results
build/release/bench/micro/neo-bench-catalogue --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json "$@"
echo "results: $out"
