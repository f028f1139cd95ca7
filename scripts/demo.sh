#!/usr/bin/env bash
# The main job: a real local Aurora-like PostgreSQL cluster (3 nodes, synchronous standby), the
# same workload at the same time through awrap, the AWS Advanced Node.js Wrapper (when its npm
# packages can be installed), plain libpq (multi-host conninfo with
# target_session_attrs=read-write and a retry loop) and a DNS-only client, one writer crash, and
# what each application saw: downtime, errors, lost acknowledged writes, a table and a plot.
# Usage: scripts/demo.sh [bench/failover/run options]   (default: --demo, 1 crash run)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
export AWLAB_ROOT=${AWLAB_ROOT:-/dev/shm/awlab}
# Its own build folder: the test command's folders (build/release, ...) keep their options.
echo "== building awrap (build/demo)"
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWRAP_BUILD_TESTS=OFF \
  -DAWRAP_BUILD_BENCH=ON >/dev/null
cmake --build build/demo -j "${AWRAP_JOBS:-2}" --target awrap_cli failover_workload
mkdir -p out
echo "== failover demo: each run starts a fresh 3-node cluster on 127.0.0.111-113, all clients at once"
if [[ $# -eq 0 ]]; then set -- --demo; fi
/usr/bin/python3 bench/failover/run --build build/demo --json out/failover-demo.json \
  --plot out/failover-demo.png "$@"
echo "== the plot is out/failover-demo.png; every run's figures are in out/failover-demo.json"
