#!/usr/bin/env bash
# Benchmark (not a test): a real smtpd, stock against pfinet-patched, with
# a big check_client_access cidr: table and a big mynetworks, end to end.
#
#   scripts/bench-smtpd.sh [--version 3.7.11|3.10.13] [--rules "100000 1000000"]
#                          [--clients C] [--per-client M] [--parallel P]
#                          [--mynetworks N]
#
# In two network namespaces made for the run (a server and a client, one
# veth pair, 10.77.0.0/16; nothing leaves them), for each table size and
# each side -- stock, patched, patched with the table compiled ("pfinet
# compile", so every smtpd maps it) -- one Postfix (master, smtpd and the
# services it needs; the trees of scripts/postfix-pfinet.sh) with
#
#   smtpd_client_restrictions = check_client_access cidr:TABLE
#   mynetworks = N networks (default 10,000), none of the clients
#
# TABLE: random /24 rules (value REJECT) away from the clients, then one
# /32 rule for every other client address at the end (stock walks the
# whole table for every client). Postfix's own smtp-source then sends
# C x M sessions (default 200 x 10): for each of C client addresses in turn
# (the client namespace's route to the server is given that source
# address), "smtp-source -A -s P -m M" (P in parallel, default 10). Every
# session ends rejected at RCPT (Client host rejected, or Relay access
# denied), so nothing is queued. Reported per size and side: sessions per
# second, the smtpd processes alive at the end (each exits after max_use
# 100 sessions, so their number varies), their summed private memory
# (RssAnon) and proportional set size (Pss: shared pages divided among
# their users), the ratio to stock, and the Pss per smtpd. Before the timed
# run, scripts/debian-serve/smtp_session.py records one whole session's
# replies from each of 10 client addresses on every side; they must equal
# stock's. After it, every timed session's reply, as smtpd logged it (one
# "NOQUEUE: reject:" line per session: client address, reply code and
# text), must equal stock's, session for session (counted per client and
# reply), and there must be one for every session sent.
#
# Run as root (namespaces). Uses the postfix user and postdrop group that
# scripts/postfix-pfinet.sh creates.
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.7.11
rules_list="100000 1000000"
clients=200
per_client=10
parallel=10
mynets=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version=$2; shift 2 ;;
        --rules) rules_list=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --per-client) per_client=$2; shift 2 ;;
        --parallel) parallel=$2; shift 2 ;;
        --mynetworks) mynets=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "bench-smtpd.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
die() { echo "bench-smtpd: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (network namespaces)"
[ "$clients" -le 60000 ] || die "at most 60000 clients"

bash scripts/postfix-pfinet.sh --version "$version" >/dev/null
base=${PFINET_CACHE:-$PWD/.cache/postfix}
cargo build --release --quiet --bin pfinet
pfinet_cmd=$PWD/target/release/pfinet
id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null ||
    die "no postfix user or postdrop group: run scripts/postfix-pfinet.sh"

work=$(mktemp -d /tmp/bench-smtpd.XXXXXX)
chmod 755 "$work"
ns_s=bsmtpd-s-$$
ns_c=bsmtpd-c-$$
master_pid=
stop_master() {
    if [ -n "$master_pid" ]; then
        kill -TERM "$master_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$master_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL -- "-$master_pid" 2>/dev/null || true
        wait "$master_pid" 2>/dev/null || true
        master_pid=
    fi
}
cleanup() {
    stop_master
    ip netns del "$ns_s" 2>/dev/null || true
    ip netns del "$ns_c" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# --- the namespaces -----------------------------------------------------------
ip netns add "$ns_s"
ip netns add "$ns_c"
ip link add bs0 netns "$ns_s" type veth peer name bc0 netns "$ns_c"
ip -n "$ns_s" addr add 10.77.0.1/16 dev bs0
for ns in "$ns_s" "$ns_c"; do ip -n "$ns" link set lo up; done
ip -n "$ns_s" link set bs0 up
ip -n "$ns_c" link set bc0 up
client_addr() { echo "10.77.$(( $1 / 250 + 1 )).$(( $1 % 250 + 1 ))"; }
for i in $(seq 0 $((clients - 1))); do echo "addr add $(client_addr "$i")/16 dev bc0"; done |
    ip -n "$ns_c" -batch -
# Addresses are usable once DAD is done (IPv4 has none) and the links are up.
for _ in $(seq 100); do
    ip netns exec "$ns_c" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1 && break
    sleep 0.1
done
use_source() { ip -n "$ns_c" route replace 10.77.0.1/32 dev bc0 src "$1"; }

# --- inputs -----------------------------------------------------------------
# tables: random /24s (seeded) outside 10.0.0.0/8, then every other client.
make_table() { # make_table N FILE
    python3 - "$1" "$clients" "$2" <<'PY'
import random, sys
n, clients, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = random.Random(n)
with open(path, "w") as f:
    for _ in range(n):
        a = r.randrange(11, 224)
        f.write("%d.%d.%d.0/24 REJECT\n" % (a, r.randrange(256), r.randrange(256)))
    for i in range(1, clients, 2):
        f.write("10.77.%d.%d REJECT\n" % (i // 250 + 1, i % 250 + 1))
PY
}
mynetworks=$(python3 - "$mynets" <<'PY'
import random, sys
r = random.Random(7)
print(" ".join(["127.0.0.0/8"] + ["100.%d.%d.0/24" % (r.randrange(64, 128), r.randrange(256))
                                  for _ in range(int(sys.argv[1]))]))
PY
)

# One Postfix instance's directories and configuration: instance DIR TREE TABLE
instance() {
    local dir=$1 tree=$2 table=$3 d
    mkdir -p "$dir/conf" "$dir/queue" "$dir/data"
    chown postfix:postfix "$dir/data"; chmod 700 "$dir/data"
    for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
        mkdir -p "$dir/queue/$d"; chown postfix "$dir/queue/$d"; chmod 700 "$dir/queue/$d"
    done
    mkdir -p "$dir/queue/pid" "$dir/queue/public" "$dir/queue/maildrop"
    chown postfix:postdrop "$dir/queue/public" "$dir/queue/maildrop"
    chmod 710 "$dir/queue/public"; chmod 730 "$dir/queue/maildrop"
    cat >"$dir/conf/main.cf" <<EOF
# scripts/bench-smtpd.sh
compatibility_level = 3.6
myhostname = server.example
mydomain = example
mydestination = server.example
inet_interfaces = 10.77.0.1
inet_protocols = ipv4
mynetworks = $mynetworks
smtpd_client_restrictions = check_client_access cidr:$table
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
local_recipient_maps =
alias_maps =
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_connection_count_limit = 0
queue_directory = $dir/queue
data_directory = $dir/data
daemon_directory = $tree/libexec
command_directory = $tree/bin
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
EOF
    cat >"$dir/conf/master.cf" <<'EOF'
# scripts/bench-smtpd.sh: smtpd on port 25 and the services it needs
25        inet  n       -       n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
anvil     unix  -       -       n       -       1       anvil
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    touch -d '1 hour ago' "$dir/conf/main.cf" "$dir/conf/master.cf"
}

start_master() { # start_master TREE CONF
    ip netns exec "$ns_s" setsid "$1/libexec/master" -c "$2" -d </dev/null >/dev/null 2>&1 &
    master_pid=$!
    for _ in $(seq 200); do
        ip netns exec "$ns_c" bash -c 'exec 3<>/dev/tcp/10.77.0.1/25' 2>/dev/null && return 0
        sleep 0.05
    done
    die "the master in $2 does not answer on port 25"
}

# The smtpd processes of master $master_pid: their count, and summed RssAnon
# and Pss in kB.
smtpd_memory() {
    local n=0 anon=0 pss=0 p a s
    for p in $(pgrep -g "$master_pid" -x smtpd || true); do
        a=$(awk '/^RssAnon:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
        s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        n=$((n + 1)); anon=$((anon + ${a:-0})); pss=$((pss + ${s:-0}))
    done
    echo "$n $anon $pss"
}

compared=0
printf '%-9s %-9s %9s %10s %7s %7s %12s %10s %7s %14s\n' rules side sessions "sessions/s" ratio smtpd "RssAnon kB" "Pss kB" ratio "Pss/smtpd kB"
for n in $rules_list; do
    table=$work/big-$n.cidr
    make_table "$n" "$table"
    declare -A rate=() pss=()
    for side in stock patched compiled; do
        tree=$base/$version-pfinet/$side
        [ "$side" = compiled ] && tree=$base/$version-pfinet/patched
        dir=$work/$side-$n
        instance "$dir" "$tree" "$table"
        rm -f "$table.pfinet"
        [ "$side" = compiled ] && "$pfinet_cmd" compile "$table"
        start_master "$tree" "$dir/conf"
        # The replies, one session from each of 10 clients (even: relay
        # denied; odd: the table's REJECT).
        for i in $(seq 0 9); do
            use_source "$(client_addr "$i")"
            ip netns exec "$ns_c" python3 scripts/debian-serve/smtp_session.py 10.77.0.1 \
                user@elsewhere.example
        done >"$dir/replies.txt" 2>&1 || die "smtp_session.py failed on $side: $dir/replies.txt"
        if [ "$side" != stock ] && ! cmp -s "$work/stock-$n/replies.txt" "$dir/replies.txt"; then
            diff "$work/stock-$n/replies.txt" "$dir/replies.txt" >&2 || true
            die "$side replies differ from stock's ($n rules)"
        fi
        # The timed run (its log starts after the replies' sessions).
        for _ in $(seq 100); do
            [ "$(grep -c 'NOQUEUE: ' "$dir/maillog")" = 10 ] && break
            sleep 0.05
        done
        before=$(wc -l <"$dir/maillog")
        t0=$(date +%s.%N)
        for i in $(seq 0 $((clients - 1))); do
            use_source "$(client_addr "$i")"
            ip netns exec "$ns_c" "$tree/bin/smtp-source" -A -s "$parallel" -m "$per_client" \
                -f sender@client.example -t user@elsewhere.example 10.77.0.1:25 >/dev/null 2>&1 ||
                die "smtp-source failed on $side (client $(client_addr "$i"))"
        done
        t1=$(date +%s.%N)
        read -r procs anon p < <(smtpd_memory)
        stop_master
        # Every timed session's reply: smtpd logs one "NOQUEUE: reject:" line
        # per session (client address and reply text); the list must be
        # stock's, and complete.
        tail -n +$((before + 1)) "$dir/maillog" | sed -n 's/.*NOQUEUE: //p' | sort | uniq -c >"$dir/rejects.txt"
        logged=$(awk '{ n += $1 } END { print n + 0 }' "$dir/rejects.txt")
        [ "$logged" = $((clients * per_client)) ] ||
            die "$side: $logged reject lines for $((clients * per_client)) sessions ($dir/maillog)"
        if [ "$side" != stock ] && ! cmp -s "$work/stock-$n/rejects.txt" "$dir/rejects.txt"; then
            diff "$work/stock-$n/rejects.txt" "$dir/rejects.txt" | head >&2 || true
            die "$side: the sessions' replies differ from stock's ($n rules)"
        fi
        [ "$side" != stock ] && compared=$((compared + logged))
        total=$((clients * per_client))
        rate[$side]=$(echo "$total / ($t1 - $t0)" | bc -l)
        pss[$side]=$p
        r=$(awk -v a="${rate[$side]}" -v b="${rate[stock]}" 'BEGIN { printf "%.2fx", a / b }')
        m=$(awk -v a="$p" -v b="${pss[stock]}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
        printf '%-9s %-9s %9d %10.1f %7s %7d %12d %10d %7s %14d\n' "$n" "$side" "$total" "${rate[$side]}" "$r" \
            "$procs" "$anon" "$p" "$m" "$((p / (procs > 0 ? procs : 1)))"
    done
    rm -f "$table" "$table.pfinet"
done
echo "bench-smtpd: $compared timed sessions of the patched sides answered as stock's, session for session"
