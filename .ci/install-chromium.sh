#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/browser/), which drive it with
# playwright-core at /usr/bin/chromium (or $CHROMIUM_PATH): never a browser downloaded by a tool.
# Safe to run again: it does nothing when Chromium is there. .ci/run runs it; developers can too.
set -euo pipefail

log() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ -x $chromium ]]; then
  log "Chromium is installed: $("$chromium" --version 2>/dev/null || echo "$chromium")"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  log "error: no Chromium at $chromium: install Chromium and set CHROMIUM_PATH to it" >&2
  exit 1
fi
log 'installing chromium with apt-get'
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
log "installed: $(chromium --version)"
