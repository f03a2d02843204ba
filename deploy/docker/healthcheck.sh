#!/usr/bin/env bash
# Health check of the neo-events image, which has no curl or wget: GET a path (default /health)
# on the internal listener over bash's /dev/tcp; exit 0 when the answer is 200, 1 otherwise.
#   neo-events-healthcheck [/health|/ready]
# NEO_EVENTS_HEALTH_ADDR (default 127.0.0.1:9000) is the internal listener's address.
set -uo pipefail
addr=${NEO_EVENTS_HEALTH_ADDR:-127.0.0.1:9000}
path=${1:-/health}
host=${addr%:*}
port=${addr##*:}
{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || { echo "healthcheck: cannot connect to $addr" >&2; exit 1; }
printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$addr" >&3
IFS= read -r -t 5 status <&3 || { echo "healthcheck: no answer from $addr$path" >&2; exit 1; }
status=${status%$'\r'}
if [[ "$status" =~ ^HTTP/1\.[01]\ 200($|\ ) ]]; then exit 0; fi
echo "healthcheck: $addr$path answered: $status" >&2
exit 1
