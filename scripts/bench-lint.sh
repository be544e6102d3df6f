#!/usr/bin/env bash
# Benchmark (not a test): `pfinet lint` and `pfinet lint --minimal` at scale,
# issue 16's target (1,000,000 rules in under 2 s and 200 MB), for the
# README's table.
#
#   scripts/bench-lint.sh [--entries N] [--seed S]
#
# Writes four inputs of N entries (default 1,000,000) into a temporary
# directory: cidr tables and match lists (read as `--list /file`) of random
# IPv4 /24s and IPv6 /64s (in 2001:db8::/32), one per line, duplicates
# allowed, as python's random with seed S (default 16) draws them. Each
# cell is one run of the release binary under /usr/bin/time: elapsed
# seconds and peak resident memory (MB of 10^6 bytes), with what
# --minimal says on standard error.
set -euo pipefail
cd "$(dirname "$0")/.."

entries=1000000
seed=16
while [ $# -gt 0 ]; do
    case "$1" in
    --entries) entries=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "usage: $0 [--entries N] [--seed S]" >&2; exit 2 ;;
    esac
done

cargo build --release --quiet --bin pfinet
bin=$PWD/target/release/pfinet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

python3 - "$dir" "$entries" "$seed" <<'PY'
import random, sys
d, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
v4 = ["%d.%d.%d.0/24" % (r.randrange(1, 224), r.randrange(256), r.randrange(256)) for _ in range(n)]
v6 = ["[2001:db8:%x:%x::]/64" % (r.randrange(65536), r.randrange(65536)) for _ in range(n)]
for name, nets in (("v4", v4), ("v6", v6)):
    with open("%s/%s.cidr" % (d, name), "w") as f:
        f.writelines("%s REJECT\n" % p for p in nets)
    with open("%s/%s.list" % (d, name), "w") as f:
        f.writelines("%s\n" % p for p in nets)
PY

# One cell: "S s, M MB" for `pfinet lint ARGS...` (exit 0 or 1 both fine).
cell() {
    local status=0
    /usr/bin/time -o "$dir/time" -f '%e %M' "$bin" lint "$@" >/dev/null 2>"$dir/err" || status=$?
    if [ "$status" -gt 1 ]; then
        cat "$dir/err" >&2
        exit 1
    fi
    tail -1 "$dir/time" | awk '{ printf "%.2f s, %d MB", $1, $2 * 1024 / 1000000 }'
}

echo "| input, $entries entries | \`pfinet lint\` | \`pfinet lint --minimal\` |"
echo "| --- | ---: | ---: |"
for what in "cidr table, IPv4:v4.cidr" "cidr table, IPv6:v6.cidr" \
    "match list (\`--list /file\`), IPv4:v4.list" "match list (\`--list /file\`), IPv6:v6.list"; do
    label=${what%%:*}
    file=$dir/${what##*:}
    case "$file" in
    *.cidr) args=("$file") ;;
    *) args=(--list "$file") ;;
    esac
    plain=$(cell "${args[@]}")
    minimal=$(cell --minimal "${args[@]}")
    echo "| $label | $plain | $minimal |"
    echo "  ${what##*:} --minimal: $(grep '^pfinet:' "$dir/err")" >&2
done
