#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/) on purpose: runs the
# browser tests, which otherwise save theirs under build/screenshots/ so a
# test run leaves the tree as it found it. Needs a build (scripts/build.sh asan).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
[[ -d node_modules ]] || npm install --no-audit --no-fund --loglevel=error
LEADWIRE_BIN="${LEADWIRE_BIN:-$PWD/build/asan/leadwire}" LEADWIRE_SCREENSHOTS="$PWD/docs/screenshots/" \
  node --test --test-force-exit tests/e2e/
git status --short docs/screenshots/
