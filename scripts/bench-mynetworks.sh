#!/usr/bin/env bash
# Benchmark (not a test): stock Postfix against pfinet, side by side in one
# run, in a network namespace with 10,000 IPv4 and 10,000 IPv6 addresses:
#   1. inet_interfaces = the 10,000 IPv4 addresses listed explicitly, with
#      inet_protocols = all (Postfix's default) and = ipv4 (Postfix finds
#      each one's netmask by scanning all local addresses of the enabled
#      families: quadratic; pfinet indexes them);
#   2. mynetworks with inet_interfaces = all (20,000 interface addresses).
# Stock: `postconf -c DIR -h mynetworks` from the stock tree built by
# scripts/stock-postfix.sh. pfinet: c_tests/mynetworks.c linked with the
# release libpfinet.a. Both outputs are checked equal before timing; both
# run from one shell inside the namespace (no `ip netns exec` per run).
# Prints median wall times over N runs and the ratio stock/pfinet.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-7}
[ "$(id -u)" = 0 ] || { echo "bench-mynetworks: needs root (network namespaces)" >&2; exit 1; }

cache=$(bash scripts/stock-postfix.sh)
postconf=$cache/stock/bin/postconf
cargo build -q --release --lib
work=$(mktemp -d)
ns=pfb-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cc -O2 -Wall -Wextra -Werror -Iinclude -Itarget/release/include c_tests/mynetworks.c \
    target/release/libpfinet.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o "$work/mynetworks"

ip netns add "$ns"
{
    echo "link set lo up"
    echo "link add b0 type veth peer name b1"
    echo "link set b0 up"
    echo "link set b1 up"
    for i in $(seq 0 9999); do
        echo "addr add 10.$((i / 250)).$((i % 250)).1/24 dev b0"
        printf 'addr add 2001:db8:%x::1/64 dev b0 nodad\n' "$i"
    done
} > "$work/batch"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
ip -n "$ns" -batch "$work/batch"

explicit=$(for i in $(seq 0 9999); do printf '10.%d.%d.1 ' $((i / 250)) $((i % 250)); done)

config() { # DIR PROTOCOLS STYLE INTERFACES
    mkdir -p "$1"
    printf 'myhostname = bench.example\ninet_protocols = %s\nmynetworks_style = %s\ninet_interfaces = %s\n' "$2" "$3" "$4" > "$1/main.cf"
    : > "$1/master.cf"
    touch -d '1 hour ago' "$1/main.cf" "$1/master.cf"
}

median_ms() { # command... ; prints the median wall time in ms over $runs runs
    local t=()
    for _ in $(seq "$runs"); do
        local s e
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1
        e=$(date +%s%N)
        t+=($(( (e - s) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

bench() { # NAME PROTOCOLS STYLE INTERFACES (run inside the namespace)
    local dir=$work/$1
    config "$dir" "$2" "$3" "$4"
    local want got
    want=$("$postconf" -c "$dir" -h mynetworks 2>&1)
    got=$("$work/mynetworks" "$2" "$3" "$4" 2>&1)
    if [ "$want" != "$got" ]; then
        echo "bench-mynetworks: $1: outputs differ (stock ${#want} bytes, pfinet ${#got} bytes)" >&2
        exit 1
    fi
    local s p
    s=$(median_ms "$postconf" -c "$dir" -h mynetworks)
    p=$(median_ms "$work/mynetworks" "$2" "$3" "$4")
    printf '%-44s stock %9s ms   pfinet %9s ms   stock/pfinet %6.1fx   (%d patterns)\n' \
        "$1" "$s" "$p" "$(echo "$s / $p" | bc -l)" "$(echo "$want" | wc -w)"
}

echo "median of $runs runs, namespace with 10,000 IPv4 + 10,000 IPv6 addresses"
# The programs are timed from a shell inside the namespace: `ip netns exec`
# (a few ms per start) is the harness's cost, not theirs.
export runs work postconf explicit
ip netns exec "$ns" bash -c "set -euo pipefail; $(declare -f config median_ms bench)
bench 'inet_interfaces = 10,000 addresses, protocols all' all host \"\$explicit\"
bench 'inet_interfaces = 10,000 addresses, protocols ipv4' ipv4 host \"\$explicit\"
bench 'mynetworks subnet, inet_interfaces = all' all subnet all
bench 'mynetworks host, inet_interfaces = all' all host all"
