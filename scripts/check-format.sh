#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format (the root .clang-format) makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find include src tests tools bench -name '*.[ch]pp')
if ((${#bad[@]})); then
  echo "clang-format would change: ${bad[*]}" >&2
  echo "fix with: clang-format -i <files>" >&2
  exit 1
fi
echo "format check passed"
