#!/usr/bin/env bash
# Benchmark: stock Postfix's inet_addr_local test driver against pfinet's
# (c_tests/inet_addr_local.c linked with the release libpfinet.a), side by
# side, in a network namespace holding 10,000 IPv4 and 10,000 IPv6
# addresses on one link (the `big` topology of tests/netns.rs).
#
#   scripts/bench-inet-addr-local.sh [--runs N] [--all-methods]
#
# Root only (it creates the namespace pft-bench-<pid>, deleted on exit).
# Default: 20 runs of each driver for each of `all`, `ipv4`, `ipv6`, with
# the compiled-in lookup method (getifaddrs: Postfix's choice for Linux).
# --all-methods also times SIOCGIFCONF (`siocgif`) and /proc/net/if_inet6
# (`procnet`): stock drivers built from c_tests/stock_ial_method.c,
# pfinet's with -m. Runs alternate between stock and pfinet; the
# median wall time of each is reported with the ratio stock/pfinet. Before
# timing, the two outputs are compared (they must be identical). A case
# that ends in "cannot find any active network interfaces" (siocgif with
# ipv6: Linux's SIOCGIFCONF has no IPv6) is marked: stock's msg_fatal()
# sleeps one second before exiting, so its time is not the lookup's.
#
# A benchmark, not a test: nothing here asserts a speed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

runs=20
methods=(getifaddrs)
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
        --all-methods) methods=(getifaddrs siocgif procnet); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "bench-inet-addr-local.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench-inet-addr-local.sh: must run as root (ip netns)" >&2; exit 1; }

log() { echo "bench: $*" >&2; }

# Stock Postfix (built by the test harness's script; prints its cache path).
cache=$(bash scripts/stock-postfix.sh | tail -n1)
tree=$cache/stock
out=$repo/target/bench-inet-addr-local
mkdir -p "$out"

# Stock drivers, optimised as Postfix builds itself (-g -O).
for m in "${methods[@]}"; do
    if [ "$m" = getifaddrs ]; then
        src=("$tree/src/util/inet_addr_local.c")
    else
        src=("-I$tree/src/util" "-DPFINET_IAL_${m^^}" c_tests/stock_ial_method.c)
    fi
    # shellcheck disable=SC2046  # driver.cflags/.libs are word lists
    cc -g -O -w -DTEST $(cat "$tree/driver.cflags") "${src[@]}" \
        $(cat "$tree/driver.libs") -o "$out/stock-$m"
done

# pfinet's driver against the release library, as README.md shows.
log "cargo build --release"
cargo build --release --lib --quiet
cc -O2 -Wall -Wextra -Werror -Iinclude -Itarget/release/include c_tests/inet_addr_local.c \
    target/release/libpfinet.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc \
    -o "$out/pfinet"

ns=pft-bench-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad &&
    echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad'
log "namespace $ns: adding 10,000 IPv4 and 10,000 IPv6 addresses"
awk 'BEGIN {
    print "link set lo up"; print "link add va type veth peer name vb"
    for (i = 0; i < 10000; i++) {
        a = 10 * 16777216 + i * 256 + (i * 7) % 254 + 1
        printf "addr add %d.%d.%d.%d/%d dev va\n", int(a / 16777216), int(a / 65536) % 256,
            int(a / 256) % 256, a % 256, 8 + i % 25
    }
    for (i = 0; i < 10000; i++)
        printf "addr add 2001:db8:%x:%x::%x/%d dev va nodad\n", int(i / 256), i % 256,
            (i * 13) % 65535 + 1, 1 + i % 128
    print "link set va up"; print "link set vb up"
}' | ip -n "$ns" -batch -
# Let addrconf add the link-local addresses (asynchronous after link up).
for _ in $(seq 100); do
    [ "$(ip -n "$ns" -o -6 addr show scope link 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.1
done
log "addresses in $ns: $(ip -n "$ns" -o addr show | wc -l)"

# The timing loop runs inside the namespace (one `ip netns exec` for all),
# argv[0] inet_addr_local for both, output to /dev/null; wall time per run
# in microseconds from date +%s%N around each run.
ip netns exec "$ns" bash -s -- "$runs" "$out" "${methods[@]}" <<'EOF'
set -euo pipefail
runs=$1 out=$2; shift 2
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
now() { date +%s%N; }
printf '%-11s %-5s %10s %10s %8s   (%s runs each, median wall time)\n' method proto stock_ms pfinet_ms ratio "$runs"
for m in "$@"; do
    if [ "$m" = getifaddrs ]; then mflag=(); else mflag=(-m "$m"); fi
    for proto in all ipv4 ipv6; do
        s_out=$( (exec -a inet_addr_local "$out/stock-$m" "$proto") 2>&1; echo "exit=$?")
        p_out=$( (exec -a inet_addr_local "$out/pfinet" "${mflag[@]}" "$proto") 2>&1; echo "exit=$?")
        if [ "$s_out" != "$p_out" ]; then
            echo "warning: $m $proto: pfinet's output differs from stock's" >&2
        fi
        : >"$out/t-stock" ; : >"$out/t-pfinet"
        for _ in $(seq "$runs"); do
            t0=$(now); (exec -a inet_addr_local "$out/stock-$m" "$proto") >/dev/null 2>&1 || true; t1=$(now)
            echo $(( (t1 - t0) / 1000 )) >>"$out/t-stock"
            t0=$(now); (exec -a inet_addr_local "$out/pfinet" "${mflag[@]}" "$proto") >/dev/null 2>&1 || true; t1=$(now)
            echo $(( (t1 - t0) / 1000 )) >>"$out/t-pfinet"
        done
        s=$(median <"$out/t-stock"); p=$(median <"$out/t-pfinet")
        note=
        case "$s_out" in
            *"exit=0") ;;
            # Postfix's msg_fatal() sleeps 1 s before it exits; pfinet's
            # driver prints the same message and returns at once.
            *) note="  (fatal exit: stock's msg_fatal() sleeps 1 s)" ;;
        esac
        awk -v m="$m" -v pr="$proto" -v s="$s" -v p="$p" -v note="$note" \
            'BEGIN { printf "%-11s %-5s %10.2f %10.2f %8.2f%s\n", m, pr, s / 1000, p / 1000, s / p, note }'
    done
done
EOF
