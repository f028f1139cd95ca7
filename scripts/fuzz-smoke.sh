#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14 with ASan+UBSan) and runs each one briefly from
# its seed corpus; fails on any crash, sanitizer report, timeout or violated property. Part of
# scripts/test.sh. Long runs: bench/fuzz/run. See docs/fuzzing.md.
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 15; AWRAP_JOBS targets at a time)
# 15 s, not 20: 9 targets, 2 at a time, take 75 s, and with the build the smoke stays near the
# 3 minutes it may cost the test command on 2 cores (docs/fuzzing.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-${AWRAP_FUZZ_SECONDS:-15}}
# A fixed seed: the test command must give the same verdict on the same commit, so the smoke
# replays the same search each time; new ground is bench/fuzz/run's (random seeds, long runs).
seed=${AWRAP_FUZZ_SEED:-1}
jobs=${AWRAP_JOBS:-2}
build=build/fuzz
started=$(date +%s)

echo "== configure and build: $build (clang-14, libFuzzer)"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DAWRAP_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWRAP_BUILD_FUZZERS=ON -DAWRAP_BUILD_TESTS=OFF \
  -DAWRAP_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target awrap_fuzzers -j "$jobs"
built=$(date +%s)

targets=()
for f in fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
((${#targets[@]})) || { echo "fuzz-smoke: no fuzz targets found" >&2; exit 1; }
echo "== fuzz smoke: ${#targets[@]} targets, ${seconds} s each, $jobs at a time"
results=$build/smoke
rm -rf "$results"
mkdir -p "$results"
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  # A fresh corpus each time: the smoke proves the seeds and a short search, nothing more.
  (fuzz/run-target "$build" "$t" "$seconds" "$results/$t" -seed="$seed" >"$results/$t.summary" 2>"$results/$t.err" ||
    touch "$results/$t.failed") &
done
wait
failed=0
for t in "${targets[@]}"; do
  cat "$results/$t.summary"
  if [[ -e $results/$t.failed ]]; then
    failed=1
    cat "$results/$t.err" >&2
  fi
done
echo "== fuzz smoke took $(($(date +%s) - started)) s (build $((built - started)) s)"
((failed == 0)) || { echo "fuzz smoke FAILED (inputs in $results/*/artifacts)" >&2; exit 1; }
echo "== fuzz smoke passed"
