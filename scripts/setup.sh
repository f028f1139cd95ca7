#!/usr/bin/env bash
# Installs every Debian package awrap needs to build, test, benchmark and run its lab.
# Idempotent: packages already present are not reinstalled and apt-get update runs only when
# something is missing. Must run as root on Debian 12.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git clang-format clang-14 clang-tidy-14 libfuzzer-14-dev
  libpq-dev libmariadb-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  postgresql-15 postgresql-server-dev-15 mariadb-server mariadb-client libmariadbd-dev
  python3 python3-botocore python3-psycopg python3-pymysql gnuplot-nox nodejs
  python3-dev python3-pybind11 python3-pytest python3-psycopg2
  iptables iproute2 kmod procps openssl util-linux
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# npm (the AWS Node.js wrapper in bench/peers/node and its test): Debian's nodejs comes without
# it, a nodejs build that bundles npm conflicts with the npm package, so only when it is absent.
if ! command -v npm >/dev/null; then
  missing+=(npm)
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup.sh: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packaged servers must not start their system-wide instances: the lab starts its own.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup.sh: all packages present"
