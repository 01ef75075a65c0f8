#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/*.cc, built by scripts/build.sh fuzz) for
# SECONDS each (default 300), starting from the committed seeds in
# fuzz/corpus/<target>/. Inputs that found new paths are kept in
# build/fuzz/corpus/<target>/ (not committed; copy the useful ones into
# fuzz/corpus/). A crash stops the run: its input is in build/fuzz/crashes/;
# fix it and turn it into a unit test.
#   scripts/fuzz.sh [SECONDS] [TARGET…]     e.g. scripts/fuzz.sh 600 retry_after
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(request_bodies http_routing addresses retry_after signature)
[[ -x build/fuzz/fuzz_${targets[0]} ]] || scripts/build.sh fuzz
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}"
mkdir -p build/fuzz/crashes
for t in "${targets[@]}"; do
  mkdir -p "build/fuzz/corpus/$t"
  echo "== fuzz_$t for ${seconds} s"
  build/fuzz/"fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="build/fuzz/crashes/$t-" -print_final_stats=1 \
    "build/fuzz/corpus/$t" "fuzz/corpus/$t" 2>&1 |
    grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|runtime error|Test unit written|^ +#[0-9]+ 0x" || true
  # grep swallows the fuzzer's exit status: a crash left its input behind.
  if compgen -G "build/fuzz/crashes/$t-*" >/dev/null; then
    echo "fuzz_$t found a crash: $(ls build/fuzz/crashes/$t-*)" >&2
    exit 1
  fi
done
