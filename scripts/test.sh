#!/usr/bin/env bash
# Runs every test: installs what is needed, builds with warnings as errors, runs the unit suite,
# the integration suite (real PostgreSQL and MariaDB servers started through the lab) and the
# cluster suite (lab clusters with real faults: crash, hang, black hole, failover), then rebuilds
# with AddressSanitizer+UndefinedBehaviorSanitizer and runs the unit and integration suites again,
# and with ThreadSanitizer for the unit suite and the threaded cluster tests (topology monitor,
# failover, host monitoring), and runs each libFuzzer target briefly (scripts/fuzz-smoke.sh).
# First, the layer check (scripts/check-layers.py) and a Clang build with -Wthread-safety that
# runs the unit suite and clang-tidy.
# Usage: scripts/test.sh [--quick]   (--quick skips the sanitizer and fuzzing passes)
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

run_suite() {  # build-dir, label regex, name regex ('' for all), targets ('' for all), cmake args...
  local dir=$1 labels=$2 names=$3 targets=$4; shift 4
  echo "== configure and build: $dir $*"
  # Every option the suite relies on is forced: a folder configured otherwise before (by hand,
  # by an earlier run) must not make a pass build less or find no tests.
  cmake -S . -B "$dir" -G Ninja -DAWRAP_WERROR=ON -DAWRAP_BUILD_TESTS=ON -DAWRAP_BUILD_BENCH=ON "$@" >/dev/null
  # A sanitizer pass builds only the test binaries it runs (their other dependencies follow):
  # compiling the rest again with instrumentation took minutes and tested nothing more.
  # shellcheck disable=SC2086  # targets: a space-separated list, or empty for all
  cmake --build "$dir" -j "$jobs" ${targets:+--target $targets}
  echo "== unit tests ($dir)"
  (cd "$dir" && ctest -L unit --no-tests=error -j "$jobs" --output-on-failure)
  echo "== $labels tests ($dir)"
  # Servers and clusters are shared within a suite: one test at a time.
  if [[ -n $names ]]; then
    (cd "$dir" && ctest -L "$labels" -R "$names" --no-tests=error -j 1 --output-on-failure)
  else
    (cd "$dir" && ctest -L "$labels" --no-tests=error -j 1 --output-on-failure)
  fi
}

started=$(date +%s)
bash scripts/check-format.sh
echo "== layers: every #include against cmake/layers.cmake, and the diagram in docs/architecture.md"
/usr/bin/python3 scripts/check-layers.py
# Clang build: -Wthread-safety -Werror checks the GUARDED_BY/REQUIRES annotations; clang-tidy
# (.clang-tidy) runs over the library with its compile commands. Unit tests only: the lab suites
# run in the GCC passes below.
echo "== configure and build: build/clang-thread-safety (Clang, -Wthread-safety)"
cmake --preset clang-thread-safety >/dev/null
cmake --build build/clang-thread-safety -j "$jobs" --target awrap_unit_tests
echo "== unit tests (build/clang-thread-safety)"
(cd build/clang-thread-safety &&
  ctest -L unit -E package_consumer --no-tests=error -j "$jobs" --output-on-failure)
echo "== clang-tidy"
bash scripts/clang-tidy.sh build/clang-thread-safety
# The Python package is required here, so its tests can never be skipped silently.
run_suite build/release 'integration|cluster' '' '' -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAWRAP_BUILD_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3
if ((quick == 0)); then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build/asan integration '' 'awrap_unit_tests awrap_integration_tests' -DCMAKE_BUILD_TYPE=Debug -DAWRAP_SANITIZE=address -DAWRAP_BUILD_BENCH=OFF
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    run_suite build/tsan cluster 'FailoverContract\..*/pg_aurora|HostMonitoring' \
    'awrap_unit_tests awrap_cluster_tests' \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWRAP_SANITIZE=thread -DAWRAP_BUILD_BENCH=OFF
  # No lab: every target parses text in memory (about 3 minutes on 2 cores, build included).
  bash scripts/fuzz-smoke.sh
fi
echo "== test.sh took $(( $(date +%s) - started )) s"
echo "== all tests passed"
