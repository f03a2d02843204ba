#!/usr/bin/env bash
# The ops checks (ctest `ops`): Grafana dashboards, Prometheus config and alert rules (promtool
# from Debian's `prometheus` package, which scripts/setup.sh installs), Kubernetes manifests,
# the Helm chart, the compose file and the Dockerfile, all offline (tests/ops/*.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/../.."
promtool=${PROMTOOL:-promtool}
if ! command -v "$promtool" >/dev/null; then
  echo "ops: $promtool not found: install Debian's prometheus package (scripts/setup.sh does)," \
       "or point PROMTOOL at a promtool" >&2
  exit 1
fi
if [[ ! -d node_modules/yaml || ! -d node_modules/kubernetes-models ]]; then
  echo "ops: node_modules lacks yaml / kubernetes-models: run scripts/setup.sh (npm ci)" >&2
  exit 1
fi
exec node --test tests/ops/*.test.mjs
