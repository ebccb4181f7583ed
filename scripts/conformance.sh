#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, the version pinned with
# its whole dependency tree in test/server/mcp/conformance/package-lock.json) under Node 24 from the
# npm registry (scripts/node-bin.sh): since 0.1.14 the suite imports fs.globSync, which Node 20 lacks.
# It is installed once per lock file into a cache beside the Node binary, never into the project's
# node_modules, so `npm install` on Node 20 is untouched. Arguments go to the suite's CLI, e.g.
#   scripts/conformance.sh server --url http://localhost:3000/mcp -o /tmp/results
# Exits 75 when the registry is unreachable and nothing is cached (test/server/mcp/conformance.test.ts
# then skips, except under CI=true).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPEC="$ROOT/test/server/mcp/conformance"
NODE="$("$ROOT/scripts/node-bin.sh" 24)"
KEY="$(sha256sum "$SPEC/package-lock.json" | cut -c1-16)"
CACHE="${DEPUTY_CONFORMANCE_CACHE:-$(dirname "$(dirname "$(dirname "$NODE")")")/conformance-$KEY}"
BIN="$CACHE/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if [ ! -f "$BIN" ]; then
  tmp="$(mktemp -d "${CACHE}.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  cp "$SPEC/package.json" "$SPEC/package-lock.json" "$tmp/"
  # Node 24's own PATH, so npm's engine checks see the Node the suite runs under.
  if ! (cd "$tmp" && PATH="$(dirname "$NODE"):$PATH" npm ci --ignore-scripts --no-audit --no-fund \
    --loglevel=error >"$tmp/npm.log" 2>&1); then
    if grep -qiE 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network' "$tmp/npm.log"; then
      echo "[conformance] the npm registry is unreachable; cannot install the suite" >&2
      exit 75
    fi
    cat "$tmp/npm.log" >&2
    exit 1
  fi
  rm -f "$tmp/npm.log"
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
fi
exec "$NODE" "$BIN" "$@"
