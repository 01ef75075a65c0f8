#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running demo:
# installs, builds, and runs `leadwire demo` (SQLite in ./leadwire-demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/release/leadwire demo "$@"
