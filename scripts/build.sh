#!/usr/bin/env bash
# Builds Leadwire: scripts/build.sh release|asan|fuzz  → build/<kind>/leadwire
#   release: -O2, for the demo and benchmarks
#   asan:    Debug with AddressSanitizer + UndefinedBehaviorSanitizer, for the tests
#   fuzz:    the libFuzzer targets (clang 16, ASan + UBSan) → build/fuzz/fuzz_*
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DLEADWIRE_TESTS=OFF) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DLEADWIRE_SANITIZE=ON -DCMAKE_CXX_FLAGS_DEBUG="-g -O1") ;;
  fuzz) flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-16 -DLEADWIRE_FUZZ=ON
               -DLEADWIRE_TESTS=OFF -DCMAKE_CXX_FLAGS_DEBUG="-g -O1") ;;
  *) echo "usage: scripts/build.sh release|asan|fuzz" >&2; exit 2 ;;
esac
# Warnings are errors here (the test command and CI), not in a plain CMake build.
cmake -S . -B "build/$kind" -G Ninja -DLEADWIRE_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "build/$kind" -j "$(nproc)"
