#!/usr/bin/env bash
# Installs the build in $1 into a temporary prefix and builds tests/package against it, with
# CMake's find_package and with pkg-config. Run by CTest (test "package_consumer").
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$here" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer_shared" | grep -q "connect_timeout"
"$work/consumer/consumer_static" | grep -q "connect_timeout"
"$work/consumer/ext_consumer" | grep -q "driver pg port 5432"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
c++ -std=c++20 "$here/consumer.cpp" -o "$work/consumer_pc" $(pkg-config --cflags --libs awrap) \
  -Wl,-rpath,"$work/prefix/lib" -Wl,-rpath,"$work/prefix/lib/x86_64-linux-gnu"
"$work/consumer_pc" | grep -q "connect_timeout"
echo "package check passed: find_package(awrap) shared and static, a plugin on the extension API, pkg-config"
