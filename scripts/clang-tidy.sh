#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy, every finding an error) over the library sources,
# with the compile commands of a Clang build folder. Part of scripts/test.sh.
# Usage: scripts/clang-tidy.sh [build-dir]   (default build/clang-thread-safety, configured first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/clang-thread-safety}
if [[ ! -f $build/compile_commands.json ]]; then
  echo "clang-tidy.sh: no $build/compile_commands.json; run: cmake --preset clang-thread-safety" >&2
  exit 1
fi
started=$(date +%s)
# Only the library (src/): tests and tools use gtest/CLI11 idioms the checks are not tuned for.
run-clang-tidy-14 -clang-tidy-binary clang-tidy-14 -p "$build" -j "${AWRAP_JOBS:-2}" -quiet "^$root/src/.*\.cpp$" \
  > "$build/clang-tidy.log" 2>&1 || {
  grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u >&2 || cat "$build/clang-tidy.log" >&2
  echo "clang-tidy.sh: findings above (full log: $build/clang-tidy.log)" >&2
  exit 1
}
echo "clang-tidy passed ($(grep -c '^clang-tidy' "$build/clang-tidy.log" || true) files, $(($(date +%s) - started)) s)"
