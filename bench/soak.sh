#!/usr/bin/env bash
# The soak of issue 15 item 5, in one command: builds the release server (unless --no-build),
# then runs bench/soak.mjs (10 minutes of connection churn by 200 clients across two nodes over
# one local redis-server; options --minutes N, --clients N, --warmup-seconds N). Prints the
# table for BENCHMARKS.md; raw numbers in bench/results/soak-<timestamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--no-build" ]]; then shift; else scripts/build.sh release; fi
command -v redis-server >/dev/null || { echo "soak: redis-server not on PATH (apt-get install redis-server)" >&2; exit 2; }
NEO_EVENTS_BIN=${NEO_EVENTS_BIN:-$PWD/build/release/src/cli/neo-events} exec node bench/soak.mjs "$@"
