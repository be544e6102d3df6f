#!/usr/bin/env bash
# Benchmark (not a test): compiled match lists and cidr tables (pfinet)
# against stock Postfix's in-order walk, side by side in one run.
#   c_tests/bench_index.c built twice: against stock Postfix 3.7.11
#   (addr_match_list_init/_match, dict_cidr_open/dict_get; from
#   scripts/stock-postfix.sh) and against the release libpfinet.a
#   (pfinet_match_list_*, pfinet_cidr_table_*).
# For N = 1 ... 1,000,000 patterns (a.b.c.0/24 or [2001:db8:x:y::]/64) it
# prints build time, heap bytes per entry, and ns per lookup for addresses
# inside a random entry (hit) and outside all (miss), with stock/pfinet
# ratios; each row first checks that both answer 20 fixed addresses alike.
# Then namadr lists (host names and networks, MATCH_FLAG_PARENT; see
# c_tests/bench_index.c) up to 100,000 patterns: stock's walk calls two
# match functions per pattern, so larger sizes take minutes.
# Usage: scripts/bench-index.sh [N...]   (default: 1 10 100 1000 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1 10 100 1000 10000 100000 1000000}

cache=$(bash scripts/stock-postfix.sh)
tree=$cache/stock
cargo build -q --release --lib
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -Wextra -Werror -DPFINET_STOCK $(cat "$tree/driver.cflags") \
    c_tests/bench_index.c $(cat "$tree/driver.libs") -o "$work/stock"
cc -O2 -Wall -Wextra -Werror -Iinclude -Itarget/release/include c_tests/bench_index.c \
    target/release/libpfinet.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$work/pfinet"

printf '%-5s %-4s %8s | %10s %10s | %9s %9s | %12s %12s %9s | %12s %12s %9s\n' \
    kind fam N "build ms" "(pfinet)" "B/entry" "(pfinet)" "hit ns" "(pfinet)" ratio \
    "miss ns" "(pfinet)" ratio
for kind in list cidr namadr; do
    for fam in 4 6; do
        for n in $sizes; do
            [ "$kind" != namadr ] || [ "$n" -le 100000 ] || continue
            read -r _ _ _ sb sm sh sx sv < <("$work/stock" "$kind" "$fam" "$n")
            read -r _ _ _ pb pm ph px pv < <("$work/pfinet" "$kind" "$fam" "$n")
            if [ "$sv" != "$pv" ]; then
                echo "bench-index: $kind $fam $n: answers differ: stock $sv pfinet $pv" >&2
                exit 1
            fi
            printf '%-5s %-4s %8s | %10s %10s | %9s %9s | %12s %12s %8.0fx | %12s %12s %8.0fx\n' \
                "$kind" "ipv$fam" "$n" "$sb" "$pb" "$sm" "$pm" "$sh" "$ph" \
                "$(echo "$sh / $ph" | bc -l)" "$sx" "$px" "$(echo "$sx / $px" | bc -l)"
        done
    done
done
