#!/usr/bin/env bash
# Runs every test: installs what is needed, builds with warnings as errors, runs the unit and
# integration suites (integration tests start real PostgreSQL and MariaDB servers through the
# lab), then builds with AddressSanitizer+UndefinedBehaviorSanitizer and runs both suites again.
# Usage: scripts/test.sh [--quick]   (--quick skips the sanitizer pass)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=0
[[ ${1:-} == --quick ]] && quick=1
jobs=${AWRAP_JOBS:-2}

bash scripts/setup.sh

export AWLAB_ROOT=${AWLAB_ROOT:-/dev/shm/awlab}
cleanup() { /usr/bin/python3 lab/awlab down --all >/dev/null 2>&1 || true; }
trap cleanup EXIT

run_suite() {  # build-dir, extra cmake args...
  local dir=$1; shift
  echo "== configure and build: $dir $*"
  cmake -S . -B "$dir" -G Ninja -DAWRAP_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== unit tests ($dir)"
  (cd "$dir" && ctest -L unit -j "$jobs" --output-on-failure)
  echo "== integration tests ($dir)"
  (cd "$dir" && ctest -L integration -j 1 --output-on-failure)
}

run_suite build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
if ((quick == 0)); then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/asan -DCMAKE_BUILD_TYPE=Debug -DAWRAP_SANITIZE=address -DAWRAP_BUILD_BENCH=OFF
fi
echo "== all tests passed"
