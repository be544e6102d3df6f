#!/usr/bin/env bash
# Build Postfix with pfinet: a stock and a patched tree of one release, for
# the Rust tests that check them (cargo test, after this script):
#   tests/postfix_unit_tests.rs   Postfix's own unit tests (src/util,
#                                 src/global) and the test drivers of the
#                                 replaced files, stock vs patched
#   tests/postfix_cidr_tables.rs  postmap -q on 200 random cidr: tables
#                                 (scripts/gen_cidr_tables.py), stock vs
#                                 patched, then compiled, then stale
#   tests/postfix_pfinet.rs       the nm/ld proof of the swap, postconf
#                                 mynetworks stock vs patched
#   tests/postfix_netns.rs        postconf in namespaces, a real smtpd
#                                 (it runs this script itself)
# Those tests refuse a missing tree, or one built from another libpfinet.a
# than this checkout's (tests/common/postfix_trees.rs).
#
#   scripts/postfix-pfinet.sh [--version 3.7.11|3.8.6|3.10.13|3.11.6] [--rebuild]
#                                                        (default 3.7.11)
#
# Steps (each one logs a "== step" header; the exit status is 0 only when
# the trees are built and every check here passed):
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
#     build flags, stock tree) or with --rebuild. Also checked: without
#     -DUSE_PFINET each patched .c file preprocesses exactly as stock's.
#
# Needs root (apt). The tests on these trees need the users Postfix's
# defaults name: a "postfix" user and a "postdrop" group are created here
# (as system accounts) if missing; Postfix's test drivers call
# mail_params_init(), which exits (3.7.11: crashes) without them.
#
# Output: progress on stderr, build logs in <cache>/<version>-pfinet/logs/
# (where the tests write theirs too), the results on stdout; the last line
# says where the trees are.
set -euo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL

version=3.7.11
rebuild=
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --version=*) version="${1#--version=}"; shift ;;
        --rebuild) rebuild=1; shift ;;
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
started=$(date +%s)

log() { echo "postfix-pfinet[$version]: $*" >&2; }
step() { echo "== $*"; log "$*"; }
die() { log "FAILED: $*"; echo "FAILED: $*"; exit 1; }
elapsed() { echo "$(( $(date +%s) - started ))s"; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get, useradd)"
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
# (tests/postfix_unit_tests.rs) and tests/postfix_netns.rs look up.
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

echo "trees ready: $stock $patched ($(elapsed))"
if [ ${#failures[@]} -ne 0 ]; then
    echo "${#failures[@]} failure(s):"
    printf '  %s\n' "${failures[@]}"
    exit 1
fi
