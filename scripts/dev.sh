#!/usr/bin/env bash
# Quick start: install what is needed (and build the JS packages and the portals, web/dist),
# build, and run `neo-events demo`: the server on its development setup (memory engine,
# 127.0.0.1:8000, fresh secrets) serving the three portals at http://127.0.0.1:8000/ with a demo
# login, and the simulated services (examples/services) publishing into it as its child process.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/release/src/cli/neo-events demo "$@"
