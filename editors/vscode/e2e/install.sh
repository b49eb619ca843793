#!/usr/bin/env bash
# Install the e2e harness (code-server + playwright-core) exactly as package-lock.json says.
#
# Needs Debian's chromium (the browser), ripgrep, libkrb5-dev, g++, make and python3: code-server's
# postinstall runs `npm install` in its lib/vscode, which compiles VS Code's native modules
# (node-pty, @vscode/spdlog, kerberos, ...) against the machine's Node 20 headers, and whose
# @vscode/ripgrep would download rg from GitHub. That download cannot happen here, so its cache is
# seeded with Debian's rg first (the names below follow code-server 4.100.3's @vscode/ripgrep 1.15.11).
set -euo pipefail
cd "$(dirname "$0")"

rg_bin=$(command -v rg || true)
if [ -z "$rg_bin" ]; then
  echo "e2e/install.sh: ripgrep is missing (apt-get install ripgrep)" >&2
  exit 1
fi
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
asset="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$asset" ]; then
  mkdir -p "$cache"
  stage=$(mktemp -d)
  cp "$rg_bin" "$stage/rg"
  tar czf "$asset.tmp" -C "$stage" rg && mv "$asset.tmp" "$asset"
  rm -rf "$stage"
fi

# unsafe-perm: code-server's postinstall refuses to run as root without it; yes: node-pty's
# post-install runs `npx node-gyp`, which must not wait for a confirmation; nodedir: node-gyp builds
# against the installed Node headers instead of downloading them.
export npm_config_unsafe_perm=true npm_config_yes=true
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
npm ci --no-audit --no-fund "$@"
test -x node_modules/.bin/code-server
