#!/usr/bin/env bash
# Installs the AWS Advanced Node.js Wrapper and its drivers, at the versions pinned in
# package-lock.json, into bench/peers/node/node_modules (not committed). Does nothing when that
# install is already there. Needs Debian's nodejs and npm (scripts/setup.sh) and the npm registry.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
stamp=$dir/node_modules/.awrap-installed
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench/peers/node/setup.sh: '$tool' not found; run scripts/setup.sh (Debian's nodejs and npm)" >&2
    exit 1
  fi
done
echo "bench/peers/node/setup.sh: installing the pinned npm packages (package-lock.json)" >&2
# Bounded: an unreachable registry fails within about a minute instead of npm's long retries.
if ! (cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error --fetch-retries=1 \
      --fetch-timeout=30000 >&2); then
  echo "bench/peers/node/setup.sh: could not install the pinned npm packages from the npm" \
       "registry (offline, or the registry unreachable?); the Node.js peer cannot run here" >&2
  exit 1
fi
echo "$want" >"$stamp"
