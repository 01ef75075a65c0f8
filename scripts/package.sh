#!/usr/bin/env bash
# Builds the Debian package: bash scripts/package.sh → build/package/leadwire_X.Y.Z_amd64.deb
# (the Release build of scripts/build.sh, with packaging/'s unit, config and
# maintainer scripts; dependencies computed by dpkg-shlibdeps). Prints its path.
#   sudo apt install ./build/package/leadwire_*.deb    (README, "Install on Debian")
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2
scripts/build.sh release >&2
cmake -S . -B build/release -DLEADWIRE_PACKAGE=ON >/dev/null
rm -rf build/package
(cd build/release && cpack -G DEB >&2)
version=$(sed -n 's/^project(leadwire VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb="build/package/leadwire_${version}_$(dpkg --print-architecture).deb"
test -f "$deb" || { echo "package.sh: $deb was not made" >&2; exit 1; }
echo "$deb"
