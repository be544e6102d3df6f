#!/usr/bin/env bash
# Benchmark (not a test): what a Postfix process pays at start for a cidr:
# table or a match list, stock Postfix against the pfinet-patched Postfix of
# the same release, side by side in one run.
#
#   scripts/bench-open.sh [--version 3.7.11|3.10.13] [--runs R] [--sizes "N..."] [--kinds "cidr list namadr"]
#
# c_tests/bench_open.c is linked twice: with stock Postfix's libglobal.a and
# libutil.a (scripts/stock-postfix.sh) and with the patched tree's
# (scripts/postfix-pfinet.sh: Postfix built with -DUSE_PFINET
# and libpfinet.a), so each side runs its own dict_cidr_open(),
# addr_match_list_init() and namadr_list_init(). Every measurement is a
# fresh process; each cell is the median of R runs (default 3). For each
# kind, family (IPv4 /24, IPv6 /64 patterns) and N it prints open time,
# private (anonymous) resident growth after the open, peak resident growth
# during it, code pages included (kB), and the time
# of open + K lookups for K = 0, 1, 10, 100, each with patched/stock
# ratios; cidr rows with one repeated value, with distinct values, and
# "compiled": the patched side with the table compiled first ("pfinet
# compile", not timed), so its dict_cidr_open() maps TABLE.pfinet, against
# stock's open of the same table. The two sides must agree on how many of
# the K lookups match.
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.7.11
runs=3
sizes="1 10 100 1000 10000 100000 1000000"
kinds="cidr list namadr"
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --sizes) sizes=$2; shift 2 ;;
        --kinds) kinds=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "bench-open.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

cache=$(bash scripts/stock-postfix.sh --version "$version" | tail -n1)
stock=$cache/stock
bash scripts/postfix-pfinet.sh --version "$version" >/dev/null
base=${PFINET_CACHE:-$PWD/.cache/postfix}
patched=$base/$version-pfinet/patched
libpfinet=$PWD/target/postfix-pfinet/release/libpfinet.a
native=$(cat native-static-libs)

cargo build --release --quiet --bin pfinet
pfinet_cmd=$PWD/target/release/pfinet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cflags=$(cat "$stock/driver.cflags")
cc -O2 -Wall -Wextra -Werror $cflags c_tests/bench_open.c $(cat "$stock/driver.libs") \
    -o "$work/stock"
cc -O2 -Wall -Wextra -Werror ${cflags//$stock/$patched} c_tests/bench_open.c \
    "$patched/lib/libglobal.a" "$patched/lib/libutil.a" "$libpfinet" \
    "$patched/lib/libglobal.a" "$patched/lib/libutil.a" \
    $(cat "$stock/driver.libs" | tr ' ' '\n' | grep -v '\.a$' | tr '\n' ' ') $native \
    -o "$work/patched"

# median FIELD-NUMBER of R runs of one side: "open rss peak lookups answers"
measure() {   # measure side kind fam n k values
    local side=$1; shift
    for _ in $(seq "$runs"); do
        case $side in
            compiled) PFINET_COMPILE=$pfinet_cmd "$work/patched" "$@" ;;
            *) "$work/$side" "$@" ;;
        esac
    done |
        awk '{ o[NR] = $5; r[NR] = $6; p[NR] = $7; l[NR] = $8; a = $9 }
             function med(v,   n, i, j, t) { n = NR
                 for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                     if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
                 return v[int((n + 1) / 2)] }
             END { printf "%s %s %s %s %s\n", med(o), med(r), med(p), med(l), a }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

printf '%-13s %-4s %8s | %10s %10s %7s | %9s %9s %7s | %9s %9s %7s | %s\n' \
    kind fam N "open ms" "(pfinet)" ratio "anon kB" "(pfinet)" ratio "peak kB" "(pfinet)" ratio \
    "open+K lookups, patched/stock, K = 0 1 10 100"
for kind in $kinds; do
    variants=same
    [ "$kind" = cidr ] && variants="same distinct compiled"
    for variant in $variants; do
        values=$variant pside=patched
        [ "$variant" = compiled ] && values=same pside=compiled
        for fam in 4 6; do
            for n in $sizes; do
                [ "$kind" = cidr ] || [ "$n" -le 100000 ] || continue
                [ "$variant" != distinct ] || [ "$fam" = 4 ] || continue
                row=""
                for k in 0 1 10 100; do
                    read -r so sr sp sl sa < <(measure stock "$kind" "$fam" "$n" "$k" "$values")
                    read -r po pr pp pl pa < <(measure "$pside" "$kind" "$fam" "$n" "$k" "$values")
                    if [ "$sa" != "$pa" ]; then
                        echo "bench-open: $kind $fam $n K=$k: stock matched $sa, patched $pa" >&2
                        exit 1
                    fi
                    if [ "$k" = 0 ]; then
                        first=$(printf '%10.2f %10.2f %7s | %9s %9s %7s | %9s %9s %7s' \
                            "$(echo "$so / 1000" | bc -l)" "$(echo "$po / 1000" | bc -l)" \
                            "$(ratio "$po" "$so")" "$sr" "$pr" "$(ratio "$pr" "$sr")" \
                            "$sp" "$pp" "$(ratio "$pp" "$sp")")
                    fi
                    row="$row $(ratio "$(echo "$po + $pl" | bc -l)" "$(echo "$so + $sl" | bc -l)")"
                done
                label=$kind
                [ "$kind" = cidr ] && label="cidr/$variant"
                printf '%-13s %-4s %8s | %s |%s\n' "$label" "ipv$fam" "$n" "$first" "$row"
            done
        done
    done
done
