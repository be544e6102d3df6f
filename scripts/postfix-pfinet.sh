#!/usr/bin/env bash
# Build Postfix with pfinet and test it: the patched Postfix passes every
# Postfix unit test that stock Postfix passes, and answers cidr: lookups as
# stock does. The proof that its programs take the replaced functions from
# libpfinet.a (nm, ld --trace-symbol) and the postconf mynetworks matrix,
# stock vs patched, are Rust tests on the trees built here
# (tests/postfix_pfinet.rs, run by cargo test after this script).
#
#   scripts/postfix-pfinet.sh [--version 3.7.11|3.8.6|3.10.13|3.11.6] [--rebuild]
#                             [--build-only]             (default 3.7.11)
#
# Steps (each one logs a "== step" header; the result is a summary at the
# end and the exit status: 0 only when every check passed):
#
#  1. pfinet: cargo build of libpfinet.a with the Postfix host binding
#     (feature "postfix") in its own target dir, target/postfix-pfinet/, and
#     the native libraries rustc says a static link needs.
#  2. Trees, in <cache>/<version>-pfinet/ (git-ignored; <cache> is
#     $PFINET_CACHE or .cache/postfix, as for scripts/stock-postfix.sh):
#       src/      the pristine source, never built: Debian's source package
#                 (apt-get source), or for a release Debian's archive lacks
#                 the tarball in $PFINET_POSTFIX_SOURCES, checked against its
#                 SHA256SUMS (scripts/postfix-versions.sh; exit status 3
#                 when the source cannot be had)
#       stock/    a copy of scripts/stock-postfix.sh's stock tree
#                 (CCARGS="-DNO_NIS"), completed with Postfix's "make"
#       patched/  src/ + patches/postfix-pfinet.patch (patch -p1
#                 --fuzz=0), built with Postfix's own knobs:
#                   make makefiles CCARGS="-DNO_NIS -DUSE_PFINET" \
#                     AUXLIBS="<libpfinet.a> <tree>/lib/libglobal.a \
#                              <tree>/lib/libutil.a <native-static-libs>"
#                   make
#     A tree is rebuilt only when its inputs changed (patch, libpfinet.a,
#     build flags, stock tree) or with --rebuild (--build-only stops here,
#     for tests that only need the trees). Also checked: without
#     -DUSE_PFINET each patched .c file preprocesses exactly as stock's.
#  3. Postfix's own unit tests: every test of the "tests" targets in
#     src/util and src/global (group targets expanded), run by name in both
#     trees, as user nobody (several .ref files expect a non-root user),
#     each with a private /tmp and with MAIL_CONFIG pointing at a prepared
#     main.cf. Also the TEST drivers of the replaced files that "make tests"
#     does not run (inet_proto, inet_addr_local, inet_addr_list with other
#     input, valid_mailhost_addr, own_inet_addr, mynetworks): the same
#     arguments in both trees, output compared. One line per test: name,
#     stock result, patched result. Failure: a test that passes on stock
#     and not on patched, a driver whose output differs, or a required test
#     (inet_addr_list_test, dict_cidr_test, ...) that does not pass on both.
#  4. postmap -q - cidr:TABLE, stock vs patched, on 200 random tables
#     (scripts/gen_cidr_tables.py: broken rules, '!', if/endif, comments,
#     continuations): same answers, same warnings, same exit status.
#
# Needs root (apt, and runuser for the tests). The tests need the users
# Postfix's defaults name: a "postfix" user and a "postdrop" group are
# created (as system accounts) if missing; Postfix's test drivers call
# mail_params_init(), which exits (3.7.11: crashes) without them.
#
# Output: progress on stderr, build and test logs in <cache>/<version>-pfinet/
# logs/, the results (tables, summary) on stdout.
set -euo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL

version=3.7.11
rebuild=
build_only=
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --version=*) version="${1#--version=}"; shift ;;
        --rebuild) rebuild=1; shift ;;
        --build-only) build_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "postfix-pfinet.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/postfix-versions.sh"
source_label=$(postfix_source_label "$version") || exit 2

repo_root=$(cd "$script_dir/.." && pwd)
patch_file=$repo_root/patches/postfix-pfinet.patch
base=${PFINET_CACHE:-$repo_root/.cache/postfix}
work=$base/$version-pfinet
logs=$work/logs
test_user=nobody
started=$(date +%s)

log() { echo "postfix-pfinet[$version]: $*" >&2; }
step() { echo "== $*"; log "$*"; }
die() { log "FAILED: $*"; echo "FAILED: $*"; exit 1; }
elapsed() { echo "$(( $(date +%s) - started ))s"; }

# Tests that must pass on both trees (issue 5).
required_tests="util/inet_addr_list_test util/dict_cidr_test
 util/dict_cidr_file_test util/miss_endif_cidr_test util/dict_inline_cidr_test
 util/valid_hostname_test global/namadr_list_test global/server_acl_test"

[ "$(id -u)" = 0 ] || die "run as root (apt-get, runuser)"
[ -f "$patch_file" ] || die "missing $patch_file"
mkdir -p "$work" "$logs"
exec 9>"$work/.lock"
flock 9

failures=()
fail() { failures+=("$*"); echo "FAIL: $*"; }

# A release Debian's archive lacks: is its checked tarball there? (status 3)
if [ -z "$(postfix_debian_version "$version")" ] && ! postfix_check_tarball "$version" >/dev/null; then
    echo "FAILED: no source for Postfix $version ($source_label)"; exit 3
fi

# ---------------------------------------------------------------------------
step "1. pfinet (cargo, feature postfix)"
export CARGO_TARGET_DIR=$repo_root/target/postfix-pfinet
# cargo rustc = cargo build --release --lib --features postfix, plus rustc's
# list of native libraries for a static link (cargo replays the note when
# the library is already fresh).
if ! (cd "$repo_root" && cargo rustc --release --lib --features postfix \
        -- --print native-static-libs) >"$logs/cargo.log" 2>&1; then
    tail -n 30 "$logs/cargo.log" >&2
    die "cargo build of libpfinet.a"
fi
libpfinet=$CARGO_TARGET_DIR/release/libpfinet.a
native_libs=$(sed -n 's/.*note: native-static-libs: //p' "$logs/cargo.log" | tail -n1)
[ -f "$libpfinet" ] || die "no $libpfinet"
[ -n "$native_libs" ] || die "cargo printed no native-static-libs"
echo "libpfinet.a: $libpfinet"
echo "native-static-libs: $native_libs"

# ---------------------------------------------------------------------------
step "2. Postfix trees: stock (scripts/stock-postfix.sh) and patched"
rc=0
stock_cache=$(bash "$script_dir/stock-postfix.sh" --version "$version" | tail -n1) || rc=$?
[ "$rc" = 0 ] || { [ "$rc" = 3 ] && echo "FAILED: no source for Postfix $version ($source_label)"; exit "$rc"; }
[ -f "$stock_cache/.complete" ] || die "stock-postfix.sh gave no complete tree"

# Postfix's default mail_owner and setgid_group, which its test drivers
# look up.
getent group postdrop >/dev/null || groupadd --system postdrop
getent passwd postfix >/dev/null ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin postfix

# The pristine source, fetched once (postfix-versions.sh).
rc=0
postfix_fetch_source "$version" "$work/src" || rc=$?
[ "$rc" = 0 ] || { log "FAILED: no source for Postfix $version ($source_label)"
                   echo "FAILED: no source for Postfix $version ($source_label)"; exit "$rc"; }

# build_done <tree> <stamp text>: is <tree> built from these inputs?
build_done() { [ -z "$rebuild" ] && [ -f "$1/.pfinet-stamp" ] && [ "$(cat "$1/.pfinet-stamp")" = "$2" ]; }

# Stock: a copy of stock-postfix.sh's tree (which has libutil.a and
# libglobal.a, and is shared with the C tests, so it is never written to),
# completed with Postfix's top-level "make": some tests run postmap.
stock=$work/stock
stock_stamp="stock $(cat "$stock_cache/.complete" | tr '\n' ' ')"
if build_done "$stock" "$stock_stamp"; then
    echo "stock tree: reused ($stock, built from the same stock tree)"
else
    log "building stock (copy of $stock_cache/stock + make), log: $logs/stock-build.log"
    rm -rf "$stock"
    cp -a "$stock_cache/stock" "$stock"
    t0=$(date +%s)
    (cd "$stock" && make -j2) >"$logs/stock-build.log" 2>&1 ||
        { tail -n 30 "$logs/stock-build.log" >&2; die "stock make"; }
    echo "stock build: $(( $(date +%s) - t0 ))s"
    echo "$stock_stamp" >"$stock/.pfinet-stamp"
fi

# Patched. AUXLIBS: libpfinet.a, then Postfix's libglobal.a and libutil.a
# once more, because pfinet's objects call back into them (msg_*, vstring_*,
# sock_addr_cmp_addr; the parameters are weak references). Absolute paths:
# Debian's tree also builds rmail/, one level below the top, where
# ../../lib/ does not exist.
patched=$work/patched
ccargs="-DNO_NIS -DUSE_PFINET"
auxlibs="$libpfinet $patched/lib/libglobal.a $patched/lib/libutil.a $native_libs"
patched_stamp="patched $(sha256sum <"$patch_file" | cut -c1-64) $(sha256sum <"$libpfinet" | cut -c1-64) $ccargs | $auxlibs"
if build_done "$patched" "$patched_stamp"; then
    echo "patched tree: reused ($patched, built from the same patch, libpfinet.a and flags)"
else
    log "building patched tree, log: $logs/patched-build.log"
    rm -rf "$patched"
    cp -a "$work/src" "$patched"
    rm -f "$patched/.complete"
    (cd "$patched" && patch -p1 --fuzz=0 --no-backup-if-mismatch <"$patch_file") \
        >"$logs/patch.log" 2>&1 || { cat "$logs/patch.log" >&2; die "patch -p1 does not apply"; }
    if grep -Eq 'offset|fuzz|FAILED|reject' "$logs/patch.log"; then
        echo "patch applied (with offsets):"; sed 's/^/  /' "$logs/patch.log"
    else
        echo "patch applied cleanly"
    fi
    t0=$(date +%s)
    (cd "$patched" &&
     make makefiles CCARGS="$ccargs" AUXLIBS="$auxlibs" &&
     make -j2) >"$logs/patched-build.log" 2>&1 ||
        { tail -n 30 "$logs/patched-build.log" >&2; die "patched make"; }
    echo "patched build: $(( $(date +%s) - t0 ))s"
    echo "$patched_stamp" >"$patched/.pfinet-stamp"
fi
echo "build flags: make makefiles CCARGS=\"$ccargs\" AUXLIBS=\"$auxlibs\""
grep -q -- '-DUSE_PFINET' "$patched/conf/makedefs.out" || die "patched makedefs.out lacks -DUSE_PFINET"

# Without -DUSE_PFINET the patch changes nothing: each patched file
# preprocesses (gcc -E -P, with and without -DTEST) to exactly what the
# stock file does.
systype=$(sed -n 's/^SYSTYPE[[:space:]]*=[[:space:]]*//p' "$patched/conf/makedefs.out" | head -n1)
n_pp=0
for f in $(sed -n 's|^+++ b/||p' "$patch_file" | cut -f1); do
    case "$f" in *.c) ;; *) continue ;; esac
    for test_def in "" -DTEST; do
        for side in stock patched; do
            tree=$stock; [ $side = patched ] && tree=$patched
            (cd "$tree/${f%/*}" && gcc -E -P -D"$systype" -DNO_NIS $test_def -I. -I"$tree/include" "${f##*/}") \
                >"$logs/pp-$side.i" || die "gcc -E $tree/$f"
            [ -s "$logs/pp-$side.i" ] || die "gcc -E $tree/$f: no output"
        done
        if ! cmp -s "$logs/pp-stock.i" "$logs/pp-patched.i"; then
            fail "$f${test_def:+ ($test_def)}: without USE_PFINET the patched file preprocesses differently"
        fi
        n_pp=$((n_pp + 1))
    done
done
echo "without -DUSE_PFINET: the $((n_pp / 2)) patched .c files preprocess exactly as stock's (gcc -E -P, with and without -DTEST)"

if [ -n "$build_only" ]; then
    # --build-only: the trees (steps 1 and 2) for other tests, no checks.
    echo "trees ready: $stock $patched"
    [ ${#failures[@]} -eq 0 ] || exit 1
    exit 0
fi

# ---------------------------------------------------------------------------
step "3. Postfix's unit tests (src/util, src/global), stock vs patched"

# Configuration for the tests: main.cf (backdated: Postfix waits for a
# main.cf younger than a couple of seconds) and a queue directory that
# mail_params_init() can chdir to.
conf=$work/conf
mkdir -p "$conf" "$work/queue"
cat >"$conf/main.cf" <<EOF
# written by scripts/postfix-pfinet.sh for Postfix's unit tests
myhostname = host.example.com
queue_directory = $work/queue
compatibility_level = 3.6
EOF
touch -d '1 hour ago' "$conf/main.cf"
chmod -R a+rX "$conf" "$work/queue"

# The test trees belong to the test user (tests build drivers and write
# .tmp files next to them).
chown -R "$test_user:" "$stock" "$patched"
for d in "$work" "$base"; do chmod a+x "$d"; done

# as_test_user <command...>: as the test user, with MAIL_CONFIG, and with a
# /tmp of its own (a tmpfs in a private mount namespace): namadr_list_test
# writes /tmp/junk, which the stock and the patched run would share, and
# which a leftover owned by another user would make fail. Trees that live
# under /tmp themselves (a checkout in /tmp, PFINET_CACHE=/tmp/...) are
# bound back into the private /tmp, so the tests still find them.
as_test_user() {
    unshare --mount --propagation private -- sh -c '
        keep=$1 user=$2 conf=$3; shift 3
        real=$(mktemp -d /run/pfinet-tmp.XXXXXX) || exit 125
        mount --bind /tmp "$real" || exit 125
        mount -t tmpfs -o mode=1777 pfinet-tmp /tmp || exit 125
        for p in $keep; do
            case $p in
            /tmp/?*)
                top=${p#/tmp/}
                top=${top%%/*}
                if [ ! -d "/tmp/$top" ]; then
                    mkdir "/tmp/$top" && mount --bind "$real/$top" "/tmp/$top" || exit 125
                fi ;;
            esac
        done
        exec runuser -u "$user" -- env MAIL_CONFIG="$conf" "$@"' \
        sh "$repo_root $base $work $conf" "$test_user" "$conf" "$@"
}

# Leaf test targets of "make tests" in a Makefile.in, in order: a target
# without a recipe (dict_pcre_tests, name_mask_tests, ...) stands for its
# prerequisites; "all" is skipped; each test once.
test_targets() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace('\\\n', ' ')
lines = text.split('\n')
rules = {}
for i, l in enumerate(lines):
    m = re.match(r'^([A-Za-z0-9_.-]+)\s*:(?!=)(.*)$', l)
    if m:
        recipe = i + 1 < len(lines) and lines[i + 1].startswith('\t')
        rules.setdefault(m.group(1), (m.group(2).split(), recipe))
def leaves(t):
    deps, recipe = rules.get(t, ([], True))
    if recipe:
        return [t]
    return [x for d in deps if d != 'all' for x in leaves(d)]
seen = []
for t in leaves('tests'):
    if t not in seen:  # 3.10's "tests" lists dict_test, and dict_tests again
        seen.append(t)
print('\n'.join(seen))
PY
}

# run_tests <tree> <name> -> $logs/tests-<name>.txt ("dir/target pass|FAIL")
run_tests() {
    local tree=$1 name=$2 out=$logs/tests-$2.txt d t r
    : >"$out"
    mkdir -p "$logs/$name"
    for d in util global; do
        for t in $(test_targets "$tree/src/$d/Makefile.in"); do
            if (cd "$tree/src/$d" &&
                as_test_user timeout --kill-after=10 180 make -s "$t" MAKELEVEL=) \
                    >"$logs/$name/$d-$t.log" 2>&1; then
                r=pass
            else
                r=FAIL
            fi
            echo "$d/$t $r" >>"$out"
        done
    done
}

t0=$(date +%s)
run_tests "$stock" stock & pid_stock=$!
run_tests "$patched" patched & pid_patched=$!
wait "$pid_stock" || die "test run (stock)"
wait "$pid_patched" || die "test run (patched)"
echo "tests ran in $(( $(date +%s) - t0 ))s (both trees in parallel); logs: $logs/{stock,patched}/"

# The TEST drivers of the replaced files that "make tests" does not run,
# with the same arguments in both trees; their output must be the same.
# "n/a" for stock: the driver does not link there (stock 3.7.11's
# own_inet_addr and mynetworks drivers define var_* that libglobal.a's
# mail_params.o defines too).
drivers=(
    "util inet_proto|all ipv4 ipv6 'ipv6, ipv4'"
    "util inet_proto|bogus"
    "util inet_addr_local|all"
    "util inet_addr_local|ipv4"
    "util inet_addr_local|ipv6"
    "util inet_addr_list|127.0.0.1 ::1 192.0.2.1 127.0.0.1 ::ffff:10.0.0.1 ::1 10.0.0.1"
    "global valid_mailhost_addr|<"
    "global own_inet_addr|all all"
    "global own_inet_addr|ipv4 all"
    "global own_inet_addr|all '127.0.0.1, [::1]'"
    "global mynetworks|all subnet all"
    "global mynetworks|all class all"
    "global mynetworks|all host all"
    "global mynetworks|ipv4 subnet all"
    "global mynetworks|ipv6 subnet all"
)
mailhost_input='1.2.3.4
[1.2.3.4]
IPv6:::1
ipv6:fe80::1
::1
1.2.3
256.1.1.1
IPv6:1:2:3:4:5:6:7:8:9
IPv6:1.2.3.4
IPv6:::ffff:1.2.3.4
[IPv6:2001:db8::1]
foo'
: >"$logs/drivers.txt"
for entry in "${drivers[@]}"; do
    dir=${entry%% *}; rest=${entry#* }; prog=${rest%%|*}; args=${rest#*|}
    key=driver-$prog-$(printf '%s' "$args" | tr -c 'A-Za-z0-9' _)
    for side in stock patched; do
        tree=$stock; [ $side = patched ] && tree=$patched
        out=$logs/$side/$key.out
        if ! (cd "$tree/src/$dir" && as_test_user make -s "$prog" MAKELEVEL=) >"$out.build" 2>&1; then
            echo "n/a" >"$out.rc"; : >"$out"; continue
        fi
        if [ "$args" = "<" ]; then
            (cd "$tree/src/$dir" && printf '%s\n' "$mailhost_input" | as_test_user timeout 60 "./$prog") >"$out" 2>&1 && rc=0 || rc=$?
        else
            (cd "$tree/src/$dir" && eval "as_test_user timeout 60 ./$prog $args") >"$out" 2>&1 && rc=0 || rc=$?
        fi
        echo "exit $rc" >"$out.rc"
    done
    s_rc=$(cat "$logs/stock/$key.out.rc"); p_rc=$(cat "$logs/patched/$key.out.rc")
    if [ "$p_rc" = n/a ]; then
        s=$s_rc; p="does not build"
    elif [ "$s_rc" = n/a ]; then
        s=n/a; p="$p_rc"
    elif [ "$s_rc" = "$p_rc" ] && cmp -s "$logs/stock/$key.out" "$logs/patched/$key.out"; then
        s="$s_rc"; p="same ($(wc -l <"$logs/patched/$key.out") lines)"
    else
        s="$s_rc"; p="DIFFERENT ($p_rc; diff $logs/{stock,patched}/$key.out)"
    fi
    echo "driver:$dir/$prog${args:+ $args}|$s|$p" >>"$logs/drivers.txt"
done

# The table.
printf '\n%-44s %-10s %s\n' "test" "stock" "patched"
printf '%-44s %-10s %s\n' "----" "-----" "-------"
n_tests=0; n_both=0; n_stock_fail=0; regress=()
while read -r name s_res; do
    p_res=$(awk -v n="$name" '$1 == n { print $2 }' "$logs/tests-patched.txt")
    [ -n "$p_res" ] || p_res=missing
    note=
    n_tests=$((n_tests + 1))
    if [ "$s_res" = pass ] && [ "$p_res" = pass ]; then
        n_both=$((n_both + 1))
    elif [ "$s_res" = pass ]; then
        note="  <-- REGRESSION"; regress+=("$name")
    elif [ "$p_res" = pass ]; then
        n_stock_fail=$((n_stock_fail + 1)); note="  (fails on stock only)"
    else
        n_stock_fail=$((n_stock_fail + 1)); note="  (fails on stock too)"
    fi
    case " $(echo $required_tests) " in *" $name "*) note="$note  [required]" ;; esac
    printf '%-44s %-10s %s%s\n' "$name" "$s_res" "$p_res" "$note"
done <"$logs/tests-stock.txt"
if ! cmp -s <(cut -d' ' -f1 "$logs/tests-stock.txt") <(cut -d' ' -f1 "$logs/tests-patched.txt"); then
    fail "the stock and patched trees have different test lists"
fi
echo
n_drv=0; n_drv_same=0; n_drv_na=0
while IFS='|' read -r label s p; do
    n_drv=$((n_drv + 1))
    case "$p" in
        same*) n_drv_same=$((n_drv_same + 1)) ;;
        "exit 0") n_drv_na=$((n_drv_na + 1)) ;;
        *) fail "driver $label: stock $s, patched $p" ;;
    esac
    printf '%-44s %-10s %s\n' "$label" "$s" "$p"
done <"$logs/drivers.txt"
for r in "${regress[@]}"; do
    fail "$r passes on stock, not on patched (log: $logs/patched/${r%%/*}-${r#*/}.log)"
done
for r in $required_tests; do
    grep -qx "$r pass" "$logs/tests-stock.txt" || fail "required test $r does not pass on stock"
    grep -qx "$r pass" "$logs/tests-patched.txt" || fail "required test $r does not pass on patched"
done
echo
echo "tests: $n_tests; pass on both: $n_both; fail on stock: $n_stock_fail; regressions: ${#regress[@]}"
echo "drivers of the replaced files: $n_drv; same output: $n_drv_same; build only with pfinet: $n_drv_na"

# ---------------------------------------------------------------------------
step "4. cidr: tables, stock vs patched postmap -q"
# scripts/gen_cidr_tables.py: 200 random tables (valid and broken rules,
# '!', if/endif, comments, continuation lines) with 60-80 keys each, looked
# up with "postmap -q - cidr:TABLE" (argv[0] "postmap" on both sides):
# stdout, stderr (the warnings of dict_cidr_open) and exit status must be
# the same. Then each table is compiled ("pfinet compile", which refuses
# tables with a NUL byte) and the patched postmap, now mapping TABLE.pfinet
# and replaying its warnings, must give stock's output again; and once more
# after the table is touched (a stale compiled file: one warning more, the
# table parsed, the same answers).
CARGO_TARGET_DIR=$repo_root/target cargo build --release --quiet --bin pfinet --manifest-path "$repo_root/Cargo.toml" ||
    die "cannot build the pfinet command"
pfinet_cmd=$repo_root/target/release/pfinet
# Keys are bytes, not all UTF-8: without SMTPUTF8 postmap takes them all.
ctconf=$work/cidr-conf
mkdir -p "$ctconf"
printf 'compatibility_level = 3.6\nsmtputf8_enable = no\n' >"$ctconf/main.cf"
touch -d '1 hour ago' "$ctconf/main.cf"
ct=$work/cidr-tables
rm -rf "$ct"; mkdir -p "$ct"
python3 "$repo_root/scripts/gen_cidr_tables.py" --seed 1 --count 200 "$ct" ||
    die "cannot generate cidr tables (scripts/gen_cidr_tables.py)"
n_ct=0; n_ct_same=0; n_ct_found=0; n_ct_warn=0; n_cf=0; n_cf_same=0; n_cf_stale=0; n_ct_nul=0
for table in "$ct"/t*.cidr; do
    t=${table%.cidr}
    for side in stock patched; do
        tree=$stock; [ $side = patched ] && tree=$patched
        rc=0
        bash -c 'exec -a postmap "$0" -c "$1" -q - "cidr:$2" <"$3"' \
            "$tree/src/postmap/postmap" "$ctconf" "$table" "$t.keys" >"$t.$side.out" 2>"$t.$side.err" || rc=$?
        echo "$rc" >>"$t.$side.err"
    done
    n_ct=$((n_ct + 1))
    if cmp -s "$t.stock.out" "$t.patched.out" && cmp -s "$t.stock.err" "$t.patched.err"; then
        n_ct_same=$((n_ct_same + 1))
    else
        fail "postmap -q on $table differs: diff $t.stock.out $t.patched.out; diff $t.stock.err $t.patched.err"
    fi
    # The compiled file: same output; when stale, one warning more.
    if tr -d '\000' <"$table" | cmp -s - "$table"; then
        "$pfinet_cmd" compile "$table" 2>"$t.compile.err" || fail "pfinet compile $table: $(cat "$t.compile.err")"
    else
        # A NUL byte: parsed by stock's code in the patched Postfix (above),
        # and not compiled.
        n_ct_nul=$((n_ct_nul + 1))
        ! "$pfinet_cmd" compile "$table" 2>"$t.compile.err" && grep -q 'holds a NUL byte' "$t.compile.err" ||
            fail "pfinet compile $table (a NUL byte) did not refuse it: $(cat "$t.compile.err")"
    fi
    [ -f "$table.pfinet" ] || continue
    n_cf=$((n_cf + 1))
    for state in fresh stale; do
        [ $state = stale ] && touch -d '1 minute ago' "$table"
        rc=0
        bash -c 'exec -a postmap "$0" -c "$1" -q - "cidr:$2" <"$3"' \
            "$patched/src/postmap/postmap" "$ctconf" "$table" "$t.keys" >"$t.$state.out" 2>"$t.$state.err" || rc=$?
        echo "$rc" >>"$t.$state.err"
        want=$t.stock.err
        if [ $state = stale ]; then
            want=$t.stale.want
            { echo "postmap: warning: cidr map $table: not using $table.pfinet: does not match the table (changed since it was compiled?)"
              cat "$t.stock.err"; } >"$want"
        fi
        if cmp -s "$t.stock.out" "$t.$state.out" && cmp -s "$want" "$t.$state.err"; then
            [ $state = fresh ] && n_cf_same=$((n_cf_same + 1))
            [ $state = stale ] && n_cf_stale=$((n_cf_stale + 1))
        else
            fail "postmap -q with $state $table.pfinet differs from stock: diff $t.stock.out $t.$state.out; diff $want $t.$state.err"
        fi
    done
    n_ct_found=$((n_ct_found + $(wc -l <"$t.stock.out")))
    n_ct_warn=$((n_ct_warn + $(grep -c warning "$t.stock.err" || true)))
done
# The run must have exercised both answers and warnings.
[ "$n_ct_found" -gt 1000 ] && [ "$n_ct_warn" -gt 500 ] ||
    fail "cidr tables: too few answers ($n_ct_found) or warnings ($n_ct_warn) to compare"
[ "$n_cf" -gt 150 ] || fail "cidr tables: only $n_cf of $n_ct compiled"
[ "$n_ct_nul" -gt 10 ] || fail "cidr tables: only $n_ct_nul with a NUL byte (stock's parser in the patched Postfix)"
echo "cidr tables: $n_ct tables ($n_ct_nul with a NUL byte), $n_ct_same identical (answers: $n_ct_found, warnings: $n_ct_warn);" \
     "compiled: $n_cf, identical mapped: $n_cf_same, stale refused with one warning: $n_cf_stale; files: $ct/"

# ---------------------------------------------------------------------------
echo
step "summary (Postfix $version, $(elapsed))"
if [ ${#failures[@]} -eq 0 ]; then
    echo "OK: patch applies; patched Postfix $version builds with libpfinet.a;" \
         "$n_both/$n_tests Postfix tests pass on both trees (the $n_stock_fail others fail on stock);" \
         "$n_drv_same driver runs identical, $n_drv_na only with pfinet;" \
         "postmap -q identical on $n_ct_same/$n_ct random cidr tables ($n_cf_same/$n_cf compiled ones mapped)"
    # One line per check for scripts/test.sh's closing summary.
    echo "release-check: Postfix $version: unit tests: $n_both/$n_tests pass on stock and patched (the $n_stock_fail others fail on stock), $n_drv_same test driver runs identical"
    echo "release-check: Postfix $version: cidr tables: postmap -q identical on $n_ct_same/$n_ct ($n_ct_found answers, $n_ct_warn warnings), $n_cf_same/$n_cf compiled mapped"
    exit 0
fi
echo "${#failures[@]} failure(s):"
printf '  %s\n' "${failures[@]}"
exit 1
