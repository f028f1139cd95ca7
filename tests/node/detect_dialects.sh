#!/usr/bin/env bash
# The AWS Advanced Node.js Wrapper, given no dialect, recognises every lab flavour as the
# deployment it emulates: it runs its own detection SQL (pg_settings' rds.extensions,
# aurora_version, rds_tools, mysql.rds_topology, ...) against real lab servers.
# Installs the pinned npm packages first (bench/peers/node/setup.sh; fails with a clear message
# when the npm registry cannot be reached). Cluster "nodedetect" on 127.0.0.141-142.
# Usage: tests/node/detect_dialects.sh   (as root, inside the lab lock when run by hand)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export AWLAB_ROOT=${AWLAB_ROOT:-/dev/shm/awlab}
lab() { /usr/bin/python3 "$root/lab/awlab" "$@"; }
name=nodedetect
base=127.0.0.141

bash "$root/bench/peers/node/setup.sh"
trap 'lab down --name $name >/dev/null 2>&1 || true' EXIT

# engine flavour host-to-ask (cluster endpoint = the writer, or a reader) expected-dialect-class
cases=(
  "pg plain cluster PgDatabaseDialect"
  "pg aurora cluster AuroraPgDatabaseDialect"
  "pg aurora reader AuroraPgDatabaseDialect"
  "pg multi-az cluster RdsMultiAZClusterPgDatabaseDialect"
  "pg multi-az reader RdsMultiAZClusterPgDatabaseDialect"
  "mariadb plain cluster MySQLDatabaseDialect"
  "mariadb multi-az cluster RdsMultiAZClusterMySQLDatabaseDialect"
  "mariadb multi-az reader RdsMultiAZClusterMySQLDatabaseDialect"
  "mariadb aurora cluster AuroraMySQLDatabaseDialect"
  "mariadb aurora reader AuroraMySQLDatabaseDialect"
)
passed=0
failed=0
current=""
for case in "${cases[@]}"; do
  read -r engine flavour where expected <<<"$case"
  if [[ $current != "$engine $flavour" ]]; then
    if ! lab up --name $name --engine "$engine" --flavour "$flavour" --nodes 2 --base $base >/dev/null; then
      echo "FAIL $engine $flavour: the lab could not start it"
      failed=$((failed + 1))
      current=""
      continue
    fi
    current="$engine $flavour"
  fi
  host=$name.cluster.awlab.test
  [[ $where == reader ]] && host=instance-2.$name.awlab.test
  driver=pg
  [[ $engine == mariadb ]] && driver=mysql
  got=$(cd "$root/bench/peers/node" && timeout 60 node detect_dialect.mjs --engine $driver --host "$host" 2>&1 |
        tail -1 | sed -n 's/.*"dialect":"\([A-Za-z]*\)".*/\1/p' || true)
  if [[ $got == "$expected" ]]; then
    echo "ok   $engine $flavour via $where ($host): $got"
    passed=$((passed + 1))
  else
    echo "FAIL $engine $flavour via $where ($host): expected $expected, got ${got:-an error}"
    failed=$((failed + 1))
  fi
done
echo "node dialect detection: $passed passed, $failed failed"
((failed == 0))
