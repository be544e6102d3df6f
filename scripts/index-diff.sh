#!/usr/bin/env bash
# The long equivalence run for compiled lists (not part of CI, which runs a
# 400,000-lookup version in tests/addr_index.rs): c_tests/index_diff.c
# against stock Postfix 3.7.11's walk, with the release libpfinet.so.
# Usage: scripts/index-diff.sh [SEED LISTS LOOKUPS MAXLEN [namadr]]
#   default: 20261128 50000 200 1000 (10 million lookups), then 300 lists
#   of up to 10,000 entries with 1,000 lookups each; then the same two
#   runs in namadr mode (host-name and address lists, 10.3 million
#   (name, address) lookups).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$(bash scripts/stock-postfix.sh)/stock
cargo build -q --release --lib
exe=$(mktemp)
trap 'rm -f "$exe"' EXIT
cc -O2 -Wall -Wextra -Werror $(cat "$tree/driver.cflags") c_tests/index_diff.c \
    $(cat "$tree/driver.libs") -o "$exe"
so=$PWD/target/release/libpfinet.so
if [ $# -gt 0 ]; then
    "$exe" "$so" "$@"
else
    "$exe" "$so" 20261128 50000 200 1000
    "$exe" "$so" 99 300 1000 10000
    "$exe" "$so" 20261129 50000 200 1000 namadr
    "$exe" "$so" 98 300 1000 10000 namadr
fi
