#!/usr/bin/env bash
# Production-install smoke test: the packaging path a deploy takes, end to end, in a scratch copy.
#
#   copy of this working tree → npm ci → npm run build → npm ci --omit=dev (no tsx, TypeScript, jest,
#   turbo) → npm run migrate -- --seed (twice) → npm start until GET /health and /ready answer 200,
#   then SIGTERM → npm run purge
#
# Needs what CI needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on :6379.
# It creates and drops its own database (samtal_prod_smoke_<pid>) and Redis prefix; the working tree
# and its node_modules/dist are never touched. About a minute with a warm npm cache.
#
#   scripts/prod-smoke.sh                 # exit 0 = a production install builds, migrates, starts, purges
#   scripts/prod-smoke.sh --use-build     # CI: reuse this tree's dist/ (after `npm run build`) instead of
#                                         # npm ci + build in the copy; still a real `npm ci --omit=dev`
#   PROD_SMOKE_KEEP=1 scripts/prod-smoke.sh   # keep the scratch copy (its path is printed)
#
# Env: PROD_SMOKE_PG (default postgres://postgres@127.0.0.1:5432), PROD_SMOKE_REDIS_URL
# (default redis://127.0.0.1:6379).
set -euo pipefail

USE_BUILD=""
case "${1:-}" in
  --use-build) USE_BUILD=1 ;;
  "") ;;
  *) echo "usage: $0 [--use-build]" >&2; exit 2 ;;
esac
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PG_BASE="${PROD_SMOKE_PG:-postgres://postgres@127.0.0.1:5432}"
REDIS_URL="${PROD_SMOKE_REDIS_URL:-redis://127.0.0.1:6379}"
DB="samtal_prod_smoke_$$"
PREFIX="prodsmoke$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/samtal-prod-smoke.XXXXXX")"
BACKEND_PID=""
BACKEND_PGID=""
start=$(date +%s)

say() { echo "prod-smoke: $*"; }
fail() {
  echo "prod-smoke: FAILED: $*" >&2
  exit 1
}

cleanup() {
  local code=$?
  # npm start ran in its own process group: nothing of it (npm, sh, node) may outlive the script
  if [[ -n "$BACKEND_PGID" ]] && pgrep -g "$BACKEND_PGID" >/dev/null; then kill -KILL -- "-$BACKEND_PGID" 2>/dev/null || true; fi
  psql "$PG_BASE/postgres" -q -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS_URL" --scan --pattern "$PREFIX:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
  if [[ -n "${PROD_SMOKE_KEEP:-}" ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  if [[ $code -eq 0 ]]; then say "ok in $(($(date +%s) - start))s"; fi
  exit "$code"
}
trap cleanup EXIT

# --- 1. a copy of the working tree (tracked and new files, no node_modules, dist or .env) -------------
say "copying the working tree to $WORK"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
  (cd "$ROOT" && while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf '%s\0' "$f"; done) |
  (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$WORK"
cd "$WORK"

# --- 2. the build, with every dev tool -----------------------------------------------------------------
if [[ -n "$USE_BUILD" ]]; then
  say "reusing the build of $ROOT (apps/*/dist, packages/*/dist)"
  (cd "$ROOT" && tar -cf - apps/*/dist packages/*/dist) | tar -xf - -C "$WORK"
else
  say "npm ci (with dev dependencies)"
  npm ci --no-audit --no-fund --loglevel=error
  say "npm run build"
  npm run build -- --output-logs=errors-only
fi
[[ -f apps/backend/dist/main.js && -f apps/backend/dist/cli/migrate.js && -f apps/backend/dist/cli/purge.js ]] ||
  fail "apps/backend/dist lacks main.js or cli/*.js"
[[ -f packages/types/dist/index.js ]] || fail "packages/types/dist/index.js is missing"
tests_in_dist="$(find apps/*/dist packages/*/dist -name '*.test.*' | head -5)"
[[ -z "$tests_in_dist" ]] || fail "test files in dist: $tests_in_dist"
stray="$(find apps packages -path '*/node_modules' -prune -o -path '*/dist' -prune -o \( -name '*.js' -o -name '*.d.ts' -o -name '*.js.map' \) \
  -newer package.json -print | head -5)"
[[ -z "$stray" ]] || fail "the build wrote outside dist: $stray"

# --- 3. the production install over it ----------------------------------------------------------------
say "npm ci --omit=dev"
npm ci --omit=dev --no-audit --no-fund --loglevel=error
for dev in tsx typescript jest turbo @swc/core @biomejs/biome; do
  [[ ! -e "node_modules/$dev" ]] || fail "dev dependency $dev is installed"
done
[[ -f apps/backend/dist/main.js && -f packages/types/dist/index.js ]] || fail "npm ci --omit=dev removed the build"
[[ -f node_modules/supabase/package.json ]] || fail "the supabase CLI is not installed"
grep -q 'patched (samtal)' node_modules/postgres/cjs/src/connection.js || fail "patches/postgres+3.4.9.patch is not applied"
say "installed: $(find node_modules -maxdepth 2 -name package.json | wc -l) packages, no tsx/typescript/jest/turbo; postgres patched"

# --- 4. .env as a deploy would write it (.env.example + a scratch database) ---------------------------
PORT="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
{
  cat .env.example
  echo
  echo "# prod-smoke"
  echo "NODE_ENV=production"
  echo "DATABASE_URL=$PG_BASE/$DB"
  echo "REDIS_URL=$REDIS_URL"
  echo "REDIS_PREFIX=$PREFIX"
  echo "PORT=$PORT"
  echo "CALL_WINDOW=always"
  echo "LOG_LEVEL=warn"
} >.env
psql "$PG_BASE/postgres" -q -c "create database $DB"

# --- 5. migrate, start, purge -----------------------------------------------------------------------------
say "npm run migrate -- --seed"
npm run --silent migrate -- --seed
say "npm run migrate (again: nothing to apply)"
npm run --silent migrate | tee "$WORK/migrate-again.log"
grep -q 'up to date' "$WORK/migrate-again.log" || fail "the second migrate applied something"

say "npm start (port $PORT)"
setsid npm start >"$WORK/start.log" 2>&1 &
BACKEND_PID=$!
BACKEND_PGID=$BACKEND_PID
health=""
for _ in $(seq 1 300); do
  health="$(curl -fsS "http://127.0.0.1:$PORT/health" 2>/dev/null)" && break
  kill -0 "$BACKEND_PID" 2>/dev/null || { cat "$WORK/start.log" >&2; fail "npm start exited before /health answered"; }
  sleep 0.1
done
[[ -n "$health" ]] || { cat "$WORK/start.log" >&2; fail "/health did not answer 200 within 30 s"; }
say "GET /health → 200 $health"
ready="$(curl -fsS "http://127.0.0.1:$PORT/ready")" || fail "/ready did not answer 200"
say "GET /ready → 200 $ready"
# SIGTERM to the node process only, as a process manager stops the service (npm itself would report 143)
node_pid="$(pgrep -g "$BACKEND_PID" -f '^node( --[^ ]+)* dist/main.js' | head -1)"
[[ -n "$node_pid" ]] || fail "no 'node dist/main.js' process under npm start"
kill -TERM "$node_pid"
for _ in $(seq 1 150); do kill -0 "$BACKEND_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$BACKEND_PID" 2>/dev/null; then cat "$WORK/start.log" >&2; fail "npm start did not stop within 15 s of SIGTERM"; fi
wait "$BACKEND_PID" && code=0 || code=$?
BACKEND_PID=""
[[ $code -eq 0 ]] || { cat "$WORK/start.log" >&2; fail "npm start exited $code after SIGTERM"; }
say "SIGTERM → npm start exited 0"

say "npm run purge"
npm run --silent purge
