#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary links, one per line, so the
# Dockerfile's runtime stage installs exactly what the binary built in its build stage needs
# (no hand-kept list to drift). Fails when a library is missing or no package owns it.
#   deploy/docker/runtime-packages.sh build/release/src/cli/neo-events
set -euo pipefail
bin=${1:?usage: $0 BINARY}
if ! out=$(ldd "$bin" 2>&1); then
  echo "runtime-packages: ldd $bin failed: $out" >&2
  exit 1
fi
if grep -q 'not found' <<<"$out"; then
  echo "runtime-packages: $bin needs libraries this system lacks:" >&2
  grep 'not found' <<<"$out" >&2
  exit 1
fi
# "libx.so.1 => /path (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file.
mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out" | sort -u)
owner() {
  # bookworm merges /lib into /usr/lib, but dpkg records either spelling: try both.
  local candidate pkg
  for candidate in "$1" "$(readlink -f "$1")" "${1#/usr}" "/usr$1"; do
    pkg=$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -n1 | cut -d: -f1) || true
    if [[ -n "$pkg" ]]; then echo "$pkg"; return 0; fi
  done
  return 1
}
for lib in "${libs[@]}"; do
  owner "$lib" || { echo "runtime-packages: no Debian package owns $lib" >&2; exit 1; }
done | sort -u
