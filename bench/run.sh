#!/usr/bin/env bash
# The benchmark of issues 5 and 9, in one command: installs the peers (nats-server, mosquitto,
# nginx + nchan, redis-server) from Debian if missing, builds neo-events and neo-loadgen
# (release), then for each scenario and target starts a fresh server on free loopback ports in a
# temp dir, drives it with neo-loadgen, stops it, and finally prints a Markdown report (ours vs
# peers, with ratios). Raw results: bench/results/<timestamp>/*.json (one per run), report.md,
# machine.json.
#
#   bench/run.sh                       everything (about 40 minutes: 25 before neo-pb and
#                                      neo-deflate, each of which adds about as much as neo)
#   bench/run.sh --quick               smaller and shorter: a smoke test of the whole pipeline
#   bench/run.sh --only S2,S3          some scenarios (S1 idle density, S2 broadcast,
#                                      S3 tenant shape, S4 publish API)
#   bench/run.sh --targets neo,nats    some targets: neo (memory engine), neo-pb,
#                                      neo-deflate and neo-tls (the same, other subscribers:
#                                      see below; neo-tls is not in the default list),
#                                      neo-redis (Redis engine, one local redis-server), nats,
#                                      mqtt, nchan; and the other Redis topologies (not in the
#                                      default list): neo-redis-shards (3 redis-servers),
#                                      neo-redis-cluster (a Redis Cluster of 3 masters),
#                                      neo-redis-sentinel (a master, a replica, one sentinel)
#   --s2-sizes 1000                    S2 only at these subscriber counts (default 1000,10000)
#   --patterns single                  S2/S3 only in these publishing patterns (single, batch)
#   --no-install / --no-build          skip those steps
#   --profile                          also record neo-events with perf (cpu-clock, call graphs)
#                                      during S2/S3; flat and caller reports next to the results
#
# S2 and S3 publish in two patterns, named in each run (S2-neo-single-1000, S2-neo-batch-1000):
#   single  one publication per request, as services do: neo(-redis) POST /api/publish, nats one
#           PUB + PING each; 8 keep-alive connections, up to 64 requests pipelined on each
#   batch   neo(-redis) POST /api/batch with up to 100 publications, 2 connections, one request
#           in flight; nats runs of up to 100 PUBs closed by a PING, 2 connections, 4 in flight
# mosquitto (QoS 1 PUBLISH) and nchan (POST /pub) are one message per request anyway: one run
# each (S2-mqtt-1000). Every S2/S3 run ends with a step at half its own peak rate (latency).
# neo-redis*: S2, S3 and S4 (not S1); its server CPU includes every redis-server's (and the
# sentinel's). All of them in memory only (--save '' --appendonly no), on this machine's cores.
# neo-pb and neo-deflate: S1, S2 and S3 like neo (memory engine, the same HTTP API publishers),
# only the subscribers differ: neo-pb's speak protobuf (subprotocol centrifuge-protobuf, binary
# frames); neo-deflate's speak JSON with permessage-deflate (no context takeover either way),
# the server started with websocket.compression on and compression_min_size 0, so every
# message to them is compressed. A 101 that does not take the offer fails the connection.
# neo-tls: the same with every subscriber on wss (TLS 1.3, a self-signed P-256 certificate
# made for the run); the publishers use the plain internal port (http.internal_listen).
#
# Every run is bounded: each loadgen call has its own timeout and every step a fixed length.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

only="S1,S2,S3,S4"
targets="neo,neo-pb,neo-deflate,neo-redis,nats,mqtt,nchan"
quick=0
profile=0
install=1
build=1
s2_override=
patterns_only=
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --only) only=$2; shift ;;
    --targets) targets=$2; shift ;;
    --s2-sizes) s2_override=$2; shift ;;
    --patterns) patterns_only=$2; shift ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    --profile) profile=1 ;;
    -h|--help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
wants() { [[ ",$only," == *",$1,"* ]]; }
IFS=, read -r -a target_list <<<"$targets"

log() { echo "bench: $*" >&2; }

install_peers() {
  local packages=() missing=() t p
  for t in "${target_list[@]}"; do  # only the peers of the targets asked for
    case "$t" in
      nats) packages+=(nats-server) ;;
      mqtt) packages+=(mosquitto) ;;
      nchan) packages+=(nginx libnginx-mod-nchan) ;;
      neo-redis*) packages+=(redis-server) ;;
    esac
  done
  for p in "${packages[@]+"${packages[@]}"}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The packages may also start system services; they are left alone (this benchmark starts
  # its own instances on free ports), but an idle service still shares the machine.
}

build_release() {
  scripts/build.sh release
}

((install)) && install_peers
((build)) && build_release
NEO=${NEO_BENCH_BIN:-$ROOT/build/release/src/cli/neo-events}  # NEO_BENCH_BIN: compare another build
LOADGEN=$ROOT/build/release/bench/loadgen/neo-loadgen
[[ -x $NEO && -x $LOADGEN ]] || { echo "run.sh: build first (no --no-build)" >&2; exit 1; }

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/$STAMP
mkdir -p "$OUT"

server_pids=()
# In start order's sequence: neo-events stops before the redis-server it uses.
stop_server() {
  local pid
  for pid in "${server_pids[@]+"${server_pids[@]}"}"; do
    kill "$pid" 2>/dev/null || true
    # bounded: neo exits within 10 s of SIGTERM; anything still there after 12 s is killed
    for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  server_pids=()
}
# Servers' config and data live here for the run; removed with them on any exit.
WORK=$(mktemp -d /tmp/neo-bench.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"
  return 1
}

# redis_server DIR LOG PORT [ARGS...]: one redis-server of this run, in memory only; its pid
# joins redis_pids. Returns once it accepts connections.
redis_server() {
  local dir=$1 log=$2 port=$3; shift 3
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
    --logfile '' "$@" >>"$log" 2>&1 &
  redis_pids+=($!)
  wait_port "$port"
}

# start_redis_topology KIND DIR LOG: the Redis of target KIND; sets REDIS_ENV (the engine's
# settings) and redis_pids.
#   neo-redis           one redis-server
#   neo-redis-shards    three, channels sharded over them
#   neo-redis-cluster   a Redis Cluster of three masters (redis-cli --cluster create)
#   neo-redis-sentinel  a master, a replica of it and one sentinel that names it
start_redis_topology() {
  local kind=$1 dir=$2 log=$3 port ports=() urls=() i
  case "$kind" in
    neo-redis|neo-redis-shards)
      for i in $(seq "$([[ $kind == neo-redis ]] && echo 1 || echo 3)"); do
        port=$(free_port); redis_server "$dir/r$i" "$log" "$port" || return 1
        urls+=("redis://127.0.0.1:$port")
      done
      REDIS_ENV=("NEO_EVENTS_ENGINE_REDIS_ADDRESSES=$(IFS=,; echo "${urls[*]}")") ;;
    neo-redis-cluster)
      for i in 1 2 3; do
        port=$(free_port); ports+=("$port"); urls+=("redis://127.0.0.1:$port")
        redis_server "$dir/c$i" "$log" "$port" --cluster-enabled yes \
          --cluster-config-file nodes.conf --cluster-port "$(free_port)" || return 1
      done
      redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes \
        >>"$log" 2>&1 || return 1
      for port in "${ports[@]}"; do
        for i in $(seq 100); do
          redis-cli -p "$port" cluster info | grep -q cluster_state:ok && break
          ((i < 100)) || { log "$kind: no cluster_state:ok on $port"; return 1; }
          sleep 0.2
        done
      done
      REDIS_ENV=(NEO_EVENTS_ENGINE_REDIS_ADDRESSES= "NEO_EVENTS_ENGINE_REDIS_CLUSTER=$(IFS=,; echo "${urls[*]}")") ;;
    neo-redis-sentinel)
      local master replica sentinel
      master=$(free_port); replica=$(free_port); sentinel=$(free_port)
      redis_server "$dir/master" "$log" "$master" || return 1
      redis_server "$dir/replica" "$log" "$replica" --replicaof 127.0.0.1 "$master" || return 1
      mkdir -p "$dir/sentinel"
      printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor bench 127.0.0.1 %s 1\n' \
        "$sentinel" "$dir/sentinel" "$master" >"$dir/sentinel/sentinel.conf"
      redis-server "$dir/sentinel/sentinel.conf" --sentinel >>"$log" 2>&1 &
      redis_pids+=($!)
      wait_port "$sentinel" || return 1
      REDIS_ENV=(NEO_EVENTS_ENGINE_REDIS_ADDRESSES= NEO_EVENTS_ENGINE_REDIS_SENTINEL_MASTER_NAME=bench
                 "NEO_EVENTS_ENGINE_REDIS_SENTINEL_ADDRESSES=redis://127.0.0.1:$sentinel") ;;
  esac
}

# start_server KIND: sets WS_PORT, PUB_PORT, PIDS (comma list for /proc sampling), TARGET_ARGS.
# Each server's log goes to $OUT/server-KIND-N.log: warnings under load are results too.
server_starts=0
start_server() {
  local kind=$1 dir=$WORK/$1
  rm -rf "$dir"; mkdir -p "$dir"
  server_starts=$((server_starts + 1))
  local server_log=$OUT/server-$kind-$server_starts.log
  WS_PORT=$(free_port); PUB_PORT=$WS_PORT; TARGET_ARGS=()
  case "$kind" in
    neo|neo-redis*|neo-pb|neo-deflate|neo-tls)
      local key secret token engine=()
      redis_pids=()
      if [[ $kind == neo-redis* ]]; then
        # Redis of its own, started first and stopped last.
        start_redis_topology "$kind" "$dir" "${server_log%.log}.redis.log" || {
          cat "${server_log%.log}.redis.log" >&2; kill "${redis_pids[@]}" 2>/dev/null; return 1; }
        engine=(NEO_EVENTS_ENGINE_TYPE=redis "${REDIS_ENV[@]}")
      fi
      # neo-deflate: compress every message (the config file's websocket section has it off).
      if [[ $kind == neo-deflate ]]; then
        engine=(NEO_EVENTS_WEBSOCKET_COMPRESSION=true NEO_EVENTS_WEBSOCKET_COMPRESSION_MIN_SIZE=0)
      fi
      # neo-tls: wss on the public port with a throwaway self-signed certificate (P-256, as
      # production certificates mostly are); the publisher uses the plain internal port, as
      # services inside the cluster do.
      if [[ $kind == neo-tls ]]; then
        PUB_PORT=$(free_port)
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
          -subj /CN=127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
        engine=("NEO_EVENTS_HTTP_TLS_CERT_FILE=$dir/cert.pem" "NEO_EVENTS_HTTP_TLS_KEY_FILE=$dir/key.pem"
                "NEO_EVENTS_HTTP_INTERNAL_LISTEN=127.0.0.1:$PUB_PORT")
      fi
      key=$(openssl rand -hex 16); secret=$(openssl rand -hex 32)
      export NEO_EVENTS_HTTP_LISTEN=127.0.0.1:$WS_PORT NEO_EVENTS_API_KEY=$key \
             NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET=$secret
      token=$("$NEO" gentoken -c bench/config/neo-bench.yaml --user bench --role admin --ttl 2h)
      # NEO_LD_PRELOAD=/path/to/allocator.so compares allocators (BENCHMARKS.md, Allocator).
      env ${NEO_LD_PRELOAD:+LD_PRELOAD=$NEO_LD_PRELOAD} "${engine[@]+"${engine[@]}"}" \
        "$NEO" serve -c bench/config/neo-bench.yaml >"$server_log" 2>&1 &
      server_pids=($! "${redis_pids[@]+"${redis_pids[@]}"}")
      unset NEO_EVENTS_HTTP_LISTEN NEO_EVENTS_API_KEY NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET
      TARGET_ARGS=(--token "$token" --api-key "$key")
      case "$kind" in
        neo-pb) TARGET_ARGS+=(--neo-protobuf) ;;
        neo-deflate) TARGET_ARGS+=(--ws-deflate) ;;
        neo-tls) TARGET_ARGS+=(--tls) ;;
      esac
      ;;
    nats)
      PUB_PORT=$(free_port)
      sed -e "s/@WS_PORT@/$WS_PORT/" -e "s/@PUB_PORT@/$PUB_PORT/" bench/config/nats.conf.in >"$dir/nats.conf"
      GOMAXPROCS=2 nats-server -c "$dir/nats.conf" >"$server_log" 2>&1 &
      server_pids=($!)
      ;;
    mqtt)
      PUB_PORT=$(free_port)
      sed -e "s/@WS_PORT@/$WS_PORT/" -e "s/@PUB_PORT@/$PUB_PORT/" bench/config/mosquitto.conf.in >"$dir/mosquitto.conf"
      mosquitto -c "$dir/mosquitto.conf" >"$server_log" 2>&1 &
      server_pids=($!)
      ;;
    nchan)
      sed -e "s/@WS_PORT@/$WS_PORT/" -e "s|@DIR@|$dir|g" -e "s|@LOG@|$server_log|" \
        -e "s/@NOFILE@/$NOFILE/g" \
        bench/config/nginx-nchan.conf.in >"$dir/nginx.conf"
      nginx -p "$dir" -c "$dir/nginx.conf" >"$server_log" 2>&1 &
      server_pids=($!)
      ;;
  esac
  wait_port "$WS_PORT" && wait_port "$PUB_PORT" || { cat "$server_log" >&2; return 1; }
  if [[ $kind == neo-redis* ]]; then  # /health answers 200 once the Redis connections are up
    local ok=0
    for _ in $(seq 100); do
      curl -fsS -m 1 -o /dev/null "http://127.0.0.1:$WS_PORT/health" 2>/dev/null && { ok=1; break; }
      sleep 0.1
    done
    ((ok)) || { log "$kind: /health never answered 200"; cat "$server_log" >&2; return 1; }
  fi
  sleep 0.3
  PIDS=$(IFS=,; echo "${server_pids[*]}")  # neo-redis*: neo-events and its redis-servers
  if [[ $kind == nchan ]]; then  # the workers do the work: sample them too
    local worker
    for worker in $(pgrep -P "${server_pids[0]}"); do PIDS+=",$worker"; done
  fi
}

# The publishing patterns of S2/S3 per target: "single" and "batch" for the neo targets and nats,
# "-" (one run, no pattern in its name) for mosquitto and nchan, which publish one message per
# request either way.
patterns_for() {
  local all
  case "$1" in
    neo*|nats) all="single batch" ;;
    *) echo "-"; return ;;
  esac
  [[ -n $patterns_only ]] && all=${patterns_only//,/ }
  echo "$all"
}
# publisher_args TARGET PATTERN: the loadgen's publisher settings.
# single: one publication per request, 8 keep-alive connections, up to 64 requests pipelined on
#   each (neo: POST /api/publish; nats: PUB + PING, the PONG acknowledging that one PUB).
# batch: what lets each target reach its own limit rather than ours: HTTP /api/batch of up to
#   100, one request at a time per connection; NATS and MQTT stream, so keep a few in flight.
publisher_args() {
  case "$1:$2" in
    neo*:single) echo "--pub-conns 8 --pipeline 64 --batch 1 --neo-single" ;;
    nats:single) echo "--pub-conns 8 --pipeline 64 --batch 1" ;;
    neo*:batch) echo "--pub-conns 2 --pipeline 1 --batch 100" ;;
    nats:batch|mqtt:*) echo "--pub-conns 2 --pipeline 4 --batch 100" ;;
    nchan:*) echo "--pub-conns 6 --pipeline 1 --batch 1" ;;
  esac
}
# The loadgen's adapter: every neo-* target speaks neo-events' protocols (TARGET_ARGS add the
# subscribers' variant).
loadgen_kind() { [[ $1 == neo-* ]] && echo neo || echo "$1"; }

# run_loadgen NAME TIMEOUT_S ARGS...: one measurement against the server just started.
run_loadgen() {
  local name=$1 limit=$2; shift 2
  log "$name"
  local status=0 perf_pid=
  if ((profile)) && [[ $name == S[23]-neo-* ]] && command -v perf >/dev/null; then
    # (-p takes the comma list: for neo-redis, redis-server is recorded too)
    perf record -q -e cpu-clock -F 499 -g -p "$PIDS" -o "$OUT/$name.perf.data" 2>/dev/null &
    perf_pid=$!
  fi
  timeout --kill-after=5 "$limit" "$LOADGEN" --host 127.0.0.1 --ws-port "$WS_PORT" \
    --pub-port "$PUB_PORT" --server-pids "$PIDS" --label "$name" "${TARGET_ARGS[@]+"${TARGET_ARGS[@]}"}" \
    "$@" >"$OUT/$name.json" 2>"$OUT/$name.log" || status=$?
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$OUT/$name.perf.data" --stdio --no-children --percent-limit 0.7 \
      --sort dso,symbol -g none >"$OUT/$name.perf-flat.txt" 2>/dev/null || true
    perf report -i "$OUT/$name.perf.data" --stdio --children --percent-limit 3 \
      --sort symbol -g caller,0.5,callee --max-stack 12 >"$OUT/$name.perf-tree.txt" 2>/dev/null || true
    log "$name: profile in $OUT/$name.perf-flat.txt"
  fi
  if ((status != 0)); then
    log "$name: exit status $status (see $OUT/$name.log)"
    echo "$name $status" >>"$OUT/failures.txt"
  fi
  [[ -s $OUT/$name.json ]] || rm -f "$OUT/$name.json"
}

machine_info() {
  python3 - "$OUT/machine.json" <<EOF
import json, os, platform, subprocess, sys
def sh(cmd):
    try:
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10)
        return (r.stdout + r.stderr).strip()
    except Exception as e:
        return str(e)
cpu = next((l.split(":",1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
info = {
  "date_utc": "$STAMP", "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
  "ram_gib": round(int(mem)/1024/1024, 1), "nofile": $NOFILE, "quick": bool($quick),
  "load_average_at_start": open("/proc/loadavg").read().split()[:3],
  "neo-events": sh("$NEO --version"),
  "neo-events commit": sh("git -C $ROOT rev-parse --short HEAD"),
  "nats-server": sh("nats-server --version"),
  "mosquitto": sh("dpkg-query -W -f='\${Version}' mosquitto"),
  "nginx": sh("nginx -v"),
  "nchan": sh("dpkg-query -W -f='\${Version}' libnginx-mod-nchan"),
  "redis-server": sh("redis-server --version"),
}
json.dump(info, open(sys.argv[1], "w"), indent=1)
EOF
}
machine_info

# Sizes and rates. Rates rise geometrically; a run stops at the first step with loss, errors
# or a publisher that cannot keep up, and the peak is the best step before it.
if ((quick)); then
  s1_sizes=(2000); s2_sizes=(1000); step=2; drain=2
  s3_subs=2000; s3_channels=200; s4_seconds=2
else
  max=$((NOFILE - 1000))  # the loadgen and each server are separate processes: each has NOFILE
  s1_sizes=(10000 "$max"); s2_sizes=(1000 10000); step=5; drain=3
  s3_subs=10000; s3_channels=1000; s4_seconds=5
fi
# (25 and 150 at 1,000 and 15 at 10,000 subscribers went with issue 9: every target passed
# them, and the two publishing patterns doubled the runs; the bench stays near 25 minutes.)
[[ -n $s2_override ]] && IFS=, read -r -a s2_sizes <<<"$s2_override"
rates_for() {  # per-channel-subscriber count -> publications/s per step
  case "$1" in
    1000) echo "50,100,200,300,450,650,1000,1500,2200,3300,5000" ;;
    10000) echo "2,5,10,20,30,45,65,100,150,220,330,500" ;;
    s3) echo "500,1000,2000,3000,4500,6500,10000,15000,22000,33000,50000,75000" ;;
  esac
}

for target in "${target_list[@]}"; do
  kind=$(loadgen_kind "$target")
  if wants S1 && [[ $target != neo-redis* ]]; then
    for n in "${s1_sizes[@]}"; do
      start_server "$target"
      run_loadgen "S1-$target-$n" 180 --mode idle --target "$kind" --subscribers "$n" \
        --channels "$n" --channel 'bench:idle{}' --settle-seconds 3 --subscribe-timeout 90
      stop_server
    done
  fi
  for pattern in $(patterns_for "$target"); do
    suffix=; [[ $pattern != - ]] && suffix=-$pattern
    if wants S2; then
      for n in "${s2_sizes[@]}"; do
        start_server "$target"
        # shellcheck disable=SC2046
        run_loadgen "S2-$target$suffix-$n" 300 --mode fanout --target "$kind" --subscribers "$n" \
          --channels 1 --channel 'bench:fan{}' $(publisher_args "$target" "$pattern") \
          --rates "$(rates_for "$n")" --step-seconds "$step" --drain-seconds "$drain" --half-peak
        stop_server
      done
    fi
    if wants S3; then
      start_server "$target"
      # shellcheck disable=SC2046
      run_loadgen "S3-$target$suffix-$s3_subs" 300 --mode fanout --target "$kind" \
        --subscribers "$s3_subs" --channels "$s3_channels" --channel 'tenant:{}:deployments' \
        $(publisher_args "$target" "$pattern") --rates "$(rates_for s3)" --step-seconds "$step" \
        --drain-seconds "$drain" --half-peak
      stop_server
    fi
  done
  if wants S4 && [[ $target == neo || $target == neo-redis* || $target == nats ]]; then
    start_server "$target"
    if [[ $target == neo ]]; then
      run_loadgen "S4-neo-batch" 60 --mode publish --target neo --channels 100 \
        --channel 'bench:p{}' --pub-conns 4 --batch 100 --duration "$s4_seconds"
      run_loadgen "S4-neo-batch-history" 60 --mode publish --target neo --channels 100 \
        --channel 'hist:p{}' --pub-conns 4 --batch 100 --duration "$s4_seconds"
      run_loadgen "S4-neo-single" 60 --mode publish --target neo --channels 100 \
        --channel 'bench:p{}' --pub-conns 4 --batch 1 --neo-single --duration "$s4_seconds"
      # shellcheck disable=SC2046
      run_loadgen "S4-neo-single-pipelined" 60 --mode publish --target neo --channels 100 \
        --channel 'bench:p{}' $(publisher_args neo single) --duration "$s4_seconds"
    elif [[ $target == neo-redis* ]]; then
      run_loadgen "S4-$target-batch" 60 --mode publish --target neo --channels 100 \
        --channel 'bench:p{}' --pub-conns 4 --batch 100 --duration "$s4_seconds"
      # shellcheck disable=SC2046
      run_loadgen "S4-$target-single-pipelined" 60 --mode publish --target neo --channels 100 \
        --channel 'bench:p{}' $(publisher_args neo-redis single) --duration "$s4_seconds"
    else  # reference only: NATS PUB over TCP, no subscribers
      run_loadgen "S4-nats-pub" 60 --mode publish --target nats --channels 100 \
        --channel 'bench:p{}' --pub-conns 4 --pipeline 4 --batch 100 --duration "$s4_seconds"
      # shellcheck disable=SC2046
      run_loadgen "S4-nats-pub-single" 60 --mode publish --target nats --channels 100 \
        --channel 'bench:p{}' $(publisher_args nats single) --duration "$s4_seconds"
    fi
    stop_server
  fi
done

python3 bench/report.py "$OUT" | tee "$OUT/report.md"
log "raw results in $OUT"
