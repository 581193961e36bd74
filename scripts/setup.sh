#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: Node >= 22 on PATH (Node 24 from the npm
# registry's `node` package when the machine's is older), pnpm, dependencies, build.
# Sourced by scripts/start and scripts/test; safe to run again (it skips what is done).
set -euo pipefail

NODE_MIN="22.18"  # type stripping (running .ts directly) is on by default from 22.18
NODE_PACKAGE="node@24"
PNPM_VERSION="10.34.9"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[setup] %s\n' "$*" >&2; }

# True when the node on PATH is at least NODE_MIN.
node_is_recent() {
  node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    const [x, y] = process.argv[1].split(".").map(Number);
    process.exit(a > x || (a === x && b >= y) ? 0 : 1);
  ' "$NODE_MIN" 2>/dev/null
}

# /usr/local/bin precedes /usr/bin on Debian's PATH, so links there win in every new shell.
tools_prefix=/usr/local
[ -w "$tools_prefix/bin" ] || tools_prefix="$HOME/.local"
bin_dir="$tools_prefix/bin"

ensure_node() {
  if node_is_recent; then return; fi
  command -v npm >/dev/null || { log "npm is required to install Node 24"; exit 1; }
  local lib_dir="$tools_prefix/lib/br-sdk-node"
  log "node $(node --version 2>/dev/null || echo none) is older than $NODE_MIN: installing $NODE_PACKAGE into $lib_dir"
  mkdir -p "$bin_dir" "$lib_dir"
  npm install --prefix "$lib_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$NODE_PACKAGE" >&2
  ln -sf "$lib_dir/node_modules/node/bin/node" "$bin_dir/node"
  hash -r
  case ":$PATH:" in *":$bin_dir:"*) ;; *) export PATH="$bin_dir:$PATH"; log "add $bin_dir to PATH in your shell profile";; esac
  node_is_recent || { log "Node install failed: $(command -v node) is $(node --version)"; exit 1; }
  log "node $(node --version) at $(command -v node)"
}

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return; fi
  log "installing pnpm $PNPM_VERSION"
  # An explicit prefix: npm would otherwise derive it from wherever the node binary lives.
  npm install --global --prefix "$tools_prefix" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2
  hash -r
}

# sqlite3 (under store-sqlite) compiles its Node-API addon from source, and node-gyp cannot download
# Node's headers here: point it at the ones Debian's nodejs package installs. Node-API is stable
# across Node versions, so Node 20's headers build an addon that Node 24 loads.
ensure_node_headers() {
  if [ -n "${npm_config_nodedir:-}" ]; then return; fi
  if [ -f /usr/include/node/node_api.h ]; then
    export npm_config_nodedir=/usr
  else
    log "Node headers not found in /usr/include/node: installing sqlite3 may fail (Debian: apt-get install nodejs)"
  fi
}

# The Python and C++ connectors, and the C# example, build and test against Debian's packages
# (the project reaches no other registry for them): install whichever are missing.
DEBIAN_PACKAGES=(python3 python3-pika python3-pytest python3-cryptography cmake make g++ pkg-config librabbitmq-dev libssl-dev
  nlohmann-json3-dev libgtest-dev libcurl4-openssl-dev mono-mcs libmono-system-net-http4.0-cil)
ensure_debian_packages() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then return; fi
  if ! command -v apt-get >/dev/null; then
    log "not Debian: install these (or their equivalents) for the connectors: ${missing[*]}"
    return
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

ensure_node
ensure_pnpm
ensure_node_headers
ensure_debian_packages
cd "$root"
pnpm install --frozen-lockfile --reporter=silent >&2
pnpm -r --filter './packages/**' run build >&2
