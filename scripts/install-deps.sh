#!/usr/bin/env bash
# Installs what Leadwire needs on Debian 12, from Debian's packages only.
#   scripts/install-deps.sh          build + run (the demo)
#   scripts/install-deps.sh --test   also what the tests need
# Skips apt entirely when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libsqlite3-dev libpq-dev
  libspdlog-dev libfmt-dev libcli11-dev libxlsxwriter-dev libcurl4-openssl-dev
  dpkg-dev file  # scripts/package.sh: CPack's DEB generator runs dpkg-shlibdeps and file
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libgmock-dev sqlite3 curl openssl postgresql-15 chromium fonts-dejavu-core)
  packages+=(python3 python3-cryptography)  # an outside Ed25519 verifier (tests/integration/ed25519)
  packages+=(systemd)  # systemd-analyze verify and security for the packaged unit (tests/package)
  packages+=(clang-16 libclang-rt-16-dev)  # libFuzzer (scripts/fuzz.sh)
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
