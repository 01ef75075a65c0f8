#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs, builds
# with AddressSanitizer + UBSan, starts a throwaway PostgreSQL, runs the unit
# tests (ctest; the store's on SQLite and PostgreSQL), each libFuzzer target
# for a short while (clang 16, ASan + UBSan), the integration tests
# (node's test runner against the real binary, on each store in turn) and the
# browser tests (Debian's Chromium driven by playwright-core, same binary),
# a short seeded fault campaign on each store (tests/chaos/), and the Debian
# package (tests/package/: on CI also installed, served from and purged).
set -euo pipefail
cd "$(dirname "$0")/.."
# What the tree holds before: the run must leave it so (tests write under build/).
tree_before=$(git status --porcelain 2>/dev/null || true)
scripts/install-deps.sh --test
scripts/build.sh asan
# The demo's Release build must keep compiling too (-O2 finds other warnings).
scripts/build.sh release
# A throwaway PostgreSQL 15, so the store's tests run on both backends;
# stopped on the way out, whatever happens.
pg_dir=$(mktemp -d /tmp/leadwire-pg-XXXXXX)
trap 'scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
LEADWIRE_TEST_PG=$(scripts/pg-test-server.sh start "$pg_dir")
export LEADWIRE_TEST_PG

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== unit tests"
ctest --test-dir build/asan --output-on-failure -j "$(nproc)"

echo "== the Debian package: built and checked; installed, served, removed and purged on CI (tests/package/)"
timeout --kill-after=30 900 tests/package/package_test.sh

echo "== fuzzing: each target briefly from its committed seeds (scripts/fuzz.sh runs longer)"
scripts/build.sh fuzz
scripts/fuzz.sh 15

echo "== integration tests"
if [[ ! -d node_modules ]] || [[ package.json -nt node_modules ]]; then
  npm install --no-audit --no-fund --loglevel=error
fi
export LEADWIRE_BIN="$PWD/build/asan/leadwire"
# A test file that fails must not hang the run: --test-force-exit ends each
# file once its tests are done, and `timeout` bounds every stage (CI has 90
# minutes for everything; a stage here takes a few).
node_test() { timeout --kill-after=30 1500 node --test --test-force-exit "$@"; }
echo "-- on SQLite"
node_test --test-concurrency=2 tests/integration/
echo "-- on PostgreSQL"
LEADWIRE_TEST_STORE=postgresql node_test --test-concurrency=2 tests/integration/

echo "== browser tests"
node_test tests/e2e/

echo "== fault campaign: a short seeded one on each store (bash bench/chaos runs a long one)"
chaos() { timeout --kill-after=30 1200 node tests/chaos/campaign.mjs --bin "$LEADWIRE_BIN" "$@"; }
chaos --store postgresql --seconds 150
chaos --store sqlite --seconds 90

echo "== the tree is as the run found it"
tree_after=$(git status --porcelain 2>/dev/null || true)
if [[ "$tree_after" != "$tree_before" ]]; then
  echo "the test run changed the tree:"
  diff <(echo "$tree_before") <(echo "$tree_after") || true
  exit 1
fi
