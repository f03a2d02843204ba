#!/usr/bin/env bash
# Quick start: install what is needed, build, and run the server on its development setup
# (memory engine, 127.0.0.1:8000, fresh secrets and an example token printed at start).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/src/cli/neo-events serve "$@"
