#!/usr/bin/env bash
# Client-side instructions per `SELECT 1` round trip, counted by callgrind (repeatable whatever
# the machine is doing): direct libpq vs awrap without plugins vs awrap with the default plugins.
# Usage: bench/overhead_instructions.sh [build-dir]   (needs the lab's itest-pg server up)
set -euo pipefail
build=${1:-build/release}
n=2000
count() {  # mode iterations -> total instructions
  local out
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/bench/select_loop" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  echo "$out"
}
printf "%-24s %s\n" "client" "instructions per call"
for mode in direct_libpq awrap_no_plugins awrap_default_plugins; do
  a=$(count "$mode" "$n")
  b=$(count "$mode" $((2 * n)))
  per=$(((b - a) / n))
  printf "%-24s %d\n" "$mode" "$per"
  eval "per_$mode=$per"
done
awk -v d="$per_direct_libpq" -v a="$per_awrap_no_plugins" -v p="$per_awrap_default_plugins" \
  'BEGIN { printf "awrap_no_plugins / direct = %.3f, awrap_default_plugins / direct = %.3f\n", a / d, p / d }'
