#!/usr/bin/env bash
# The seeds' production topology on one machine, from native processes: a Redis Cluster of
# 3 masters + 3 replicas (cluster-enabled, AOF, as in the seeds' redis-cluster service) and
# 3 neo-events nodes on it (engine.redis.cluster), each with the deployment config
# deploy/config/neo-events.yaml and the overrides a local run needs (listen ports, seeds).
#
#   scripts/local-cluster.sh up       start everything (builds the release binary if missing)
#   scripts/local-cluster.sh status   what runs, the cluster's state, each node's /ready
#   scripts/local-cluster.sh down     stop everything (SIGTERM, then SIGKILL after 15 s)
#
# Settings (environment):
#   NEO_CLUSTER_DIR             state: data, logs, pids, secrets (default /var/tmp/neo-events-cluster)
#   NEO_CLUSTER_REDIS_PORTS     six ports (default "7000 7001 7002 7003 7004 7005")
#   NEO_CLUSTER_REDIS_BUS_PORTS six cluster-bus ports (default: each port + 10000)
#   NEO_CLUSTER_NODE_PORTS      three public ports (default "8001 8002 8003")
#   NEO_CLUSTER_INTERNAL_PORTS  three internal ports: /metrics /health /ready /api (default "9001 9002 9003")
#   NEO_EVENTS_BIN              the server binary (default build/release/src/cli/neo-events)
# Secrets (HMAC secret, API key) are made once into $NEO_CLUSTER_DIR/secrets.env; `up` prints
# how to make a token and publish with them. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD

dir=${NEO_CLUSTER_DIR:-/var/tmp/neo-events-cluster}
read -r -a redis_ports <<<"${NEO_CLUSTER_REDIS_PORTS:-7000 7001 7002 7003 7004 7005}"
read -r -a node_ports <<<"${NEO_CLUSTER_NODE_PORTS:-8001 8002 8003}"
read -r -a internal_ports <<<"${NEO_CLUSTER_INTERNAL_PORTS:-9001 9002 9003}"
if [[ -n "${NEO_CLUSTER_REDIS_BUS_PORTS:-}" ]]; then
  read -r -a bus_ports <<<"$NEO_CLUSTER_REDIS_BUS_PORTS"
else
  bus_ports=()
  for p in "${redis_ports[@]}"; do bus_ports+=($((p + 10000))); done
fi
bin=${NEO_EVENTS_BIN:-$project/build/release/src/cli/neo-events}
config=$project/deploy/config/neo-events.yaml

die() { echo "local-cluster: $*" >&2; exit 1; }
((${#redis_ports[@]} == 6 && ${#bus_ports[@]} == 6)) || die "NEO_CLUSTER_REDIS_PORTS and _BUS_PORTS need six ports each"
((${#node_ports[@]} == 3 && ${#internal_ports[@]} == 3)) || die "NEO_CLUSTER_NODE_PORTS and _INTERNAL_PORTS need three ports each"

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
pidfiles() { ls "$dir"/*.pid 2>/dev/null || true; }

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds=$1; shift
  for ((i = 0; i < seconds * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

start_redis() {
  local port=$1 bus=$2 data=$dir/redis-$1
  mkdir -p "$data"
  redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 --dir "$data" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
    --appendonly yes --save '' --daemonize yes --pidfile "$dir/redis-$port.pid" \
    --logfile "$dir/redis-$port.log"
  wait_for 10 redis-cli -p "$port" ping || die "redis-server on $port did not answer (see $dir/redis-$port.log)"
}

# cluster_state:ok and, in this node's view, three masters serving slots and three replicas.
cluster_ok() {
  local info nodes
  info=$(redis-cli -p "$1" cluster info) && [[ "$info" == *cluster_state:ok* ]] || return 1
  nodes=$(redis-cli -p "$1" cluster nodes) || return 1
  (($(awk '$3 ~ /master/ && $3 !~ /fail/ && NF > 8' <<<"$nodes" | wc -l) == 3)) &&
    (($(awk '$3 ~ /slave/ && $3 !~ /fail/' <<<"$nodes" | wc -l) == 3))
}

create_cluster() {
  if cluster_ok "${redis_ports[0]}"; then return; fi  # AOF and nodes.conf kept it from a previous `up`
  local hosts=()
  for p in "${redis_ports[@]}"; do hosts+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes >"$dir/cluster-create.log" ||
    die "redis-cli --cluster create failed (see $dir/cluster-create.log)"
  for p in "${redis_ports[@]}"; do
    wait_for 30 cluster_ok "$p" || die "the cluster did not reach 3 masters + 3 replicas on $p"
  done
}

start_node() {
  local k=$1 name=node-$(($1 + 1)) seeds
  seeds=$(printf 'redis://127.0.0.1:%s,' "${redis_ports[@]:0:3}")
  local settings=(
    "NEO_EVENTS_NODE_NAME=$name"
    "NEO_EVENTS_HTTP_LISTEN=127.0.0.1:${node_ports[k]}"
    "NEO_EVENTS_HTTP_INTERNAL_LISTEN=127.0.0.1:${internal_ports[k]}"
    "NEO_EVENTS_HTTP_ALLOWED_ORIGINS=*"  # local portals on any port; the deployment keeps its list
    "NEO_EVENTS_ENGINE_REDIS_ADDRESSES="
    "NEO_EVENTS_ENGINE_REDIS_CLUSTER=${seeds%,}"
  )
  # shellcheck disable=SC2016 # $1..$3 are the inner shell's arguments
  env "${settings[@]}" bash -c 'set -a; . "$1"; exec "$2" serve -c "$3"' _ "$dir/secrets.env" "$bin" "$config" \
    >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

# GET /ready answers 200 (bash's /dev/tcp: no curl on a bare machine).
ready() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
  IFS= read -r -t 2 line <&3 || true
  exec 3<&-
  [[ "$line" == "HTTP/1.1 200"* ]]
}

up() {
  command -v redis-server >/dev/null || die "redis-server is missing: run scripts/setup.sh"
  [[ -x "$bin" ]] || scripts/build.sh release
  mkdir -p "$dir"
  for f in $(pidfiles); do alive "$f" && die "already running (pid file $f): scripts/local-cluster.sh down first"; done
  if [[ ! -f "$dir/secrets.env" ]]; then
    umask 077
    printf 'NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET=%s\nNEO_EVENTS_API_KEY=%s\n' \
      "$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" \
      >"$dir/secrets.env"
  fi
  for k in "${!redis_ports[@]}"; do start_redis "${redis_ports[k]}" "${bus_ports[k]}"; done
  create_cluster
  for k in 0 1 2; do start_node "$k"; done
  for k in 0 1 2; do
    wait_for 30 ready "${internal_ports[k]}" || die "node-$((k + 1)) is not ready (see $dir/node-$((k + 1)).log)"
  done
  cat <<EOF
local-cluster: up. Redis Cluster on ${redis_ports[*]} (3 masters + 3 replicas, AOF), neo-events on:
$(for k in 0 1 2; do echo "  node-$((k + 1)): ws://127.0.0.1:${node_ports[k]}/connection/websocket  internal http://127.0.0.1:${internal_ports[k]} (/metrics /health /ready /api)"; done)
A token (secrets in $dir/secrets.env):
  (set -a; . $dir/secrets.env; $bin gentoken -c $config --user u-1 --tenant 1 --role tenant_admin)
Publish through node-1 (a catalogue event: the deployment config validates tenant channels):
  (set -a; . $dir/secrets.env; curl -s -H "X-API-Key: \$NEO_EVENTS_API_KEY" -d '{"channel":"tenant:1:deployments","data":{"type":"deployment_update","deploymentId":"d1","status":"running","timestamp":"2026-12-05T10:00:00Z"}}' http://127.0.0.1:${internal_ports[0]}/api/publish)
Logs in $dir; stop with: scripts/local-cluster.sh down
EOF
}

status() {
  local running=0
  for f in $(pidfiles); do
    if alive "$f"; then echo "running: $(basename "$f" .pid) (pid $(cat "$f"))"; running=$((running + 1)); fi
  done
  ((running)) || { echo "local-cluster: nothing runs"; return 0; }
  cluster_ok "${redis_ports[0]}" && echo "redis cluster: ok, 3 masters + 3 replicas" || echo "redis cluster: NOT ok"
  for k in 0 1 2; do
    ready "${internal_ports[k]}" && echo "node-$((k + 1)): ready" || echo "node-$((k + 1)): NOT ready"
  done
}

down() {
  local files
  files=$(pidfiles)
  for f in $files; do
    if alive "$f"; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
  done
  for f in $files; do
    # shellcheck disable=SC2016 # $1 is the inner shell's argument
    if ! wait_for 15 bash -c '! kill -0 "$1" 2>/dev/null' _ "$(cat "$f")"; then kill -KILL "$(cat "$f")" 2>/dev/null || true; fi
    rm -f "$f"
  done
  echo "local-cluster: down (data and logs stay in $dir; remove it for a new cluster)"
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
