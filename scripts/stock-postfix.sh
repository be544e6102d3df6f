#!/usr/bin/env bash
# Fetch and build stock Postfix, for pfinet's differential tests
# (c_tests/driver.c is linked against these trees). The source is Debian's
# source package where Debian's archive has the release (3.7.11, 3.10.13),
# otherwise the upstream tarball in $PFINET_POSTFIX_SOURCES, checked against
# the SHA256SUMS file there (scripts/postfix-versions.sh). Exit status 3: the
# release's source cannot be had here.
#
#   scripts/stock-postfix.sh [--version 3.7.11|3.8.6|3.10.13|3.11.6]  (default 3.7.11)
#
# Result: <cache>/<version>/ holding two trees, in each of which libutil.a
# and libglobal.a (all the driver needs) are built:
#   stock/         make makefiles CCARGS="-DNO_NIS"; make (all of Postfix)
#   stock-noipv6/  make makefiles CCARGS="-DNO_NIS -DNO_IPV6"
# where <cache> is $PFINET_CACHE if set, else <repo>/.cache/postfix
# (git-ignored). Nothing from Postfix is ever placed in the repository.
#
# Each tree also gets two one-line files that say how to build the driver
# against it (taken from the tree's own conf/makedefs.out, so they stay right
# whatever makedefs found on this machine):
#   driver.cflags  -Wno-comment -I<tree>/include -D<SYSTYPE> <CCARGS>
#   driver.libs    <tree>/lib/libglobal.a <tree>/lib/libutil.a <SYSLIBS>
#
# Idempotent: once <cache>/<version>/.complete exists nothing is rebuilt.
# A build happens in a temporary folder beside the result and is renamed into
# place only when both trees are done, so an interrupted run never leaves a
# half-built tree that looks complete. Concurrent runs serialise on a lock.
#
# stdout: only the path of <cache>/<version> (last line). Everything else,
# including apt and make output, goes to stderr (make output to a log file
# inside each tree, whose tail is shown on failure).
set -euo pipefail

version=3.7.11
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --version=*) version="${1#--version=}"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "stock-postfix.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/postfix-versions.sh"
source_label=$(postfix_source_label "$version") || exit 2

repo_root=$(cd "$script_dir/.." && pwd)
base=${PFINET_CACHE:-$repo_root/.cache/postfix}
dest=$base/$version

log() { echo "stock-postfix: $*" >&2; }

# Everything below writes to stderr only; fd 3 keeps the real stdout.
exec 3>&1 1>&2

# Packages and deb-src (idempotent, quick when all is there); apt-setup.sh
# also installs what makedefs looks for (ICU, libnsl, pkg-config), so the
# build and the driver's link line are the same on every machine.
bash "$script_dir/apt-setup.sh"

mkdir -p "$base"
exec 9>"$base/.lock-$version"
flock 9

# driver.cflags / driver.libs for a finished tree, from what makedefs decided
# for it (rewritten on every run: cheap, and right even if the cache moved).
write_flags() {   # write_flags <tree>
    local tree systype syslibs ccargs
    tree=$(realpath "$1")   # the same text from any checkout sharing the cache
    systype=$(sed -n 's/^SYSTYPE[[:space:]]*=[[:space:]]*//p' "$tree/conf/makedefs.out" | head -n1)
    syslibs=$(sed -n 's/^SYSLIBS[[:space:]]*=[[:space:]]*//p' "$tree/conf/makedefs.out" | head -n1)
    ccargs=$(sed -n 's/^# CCARGS=//p' "$tree/conf/makedefs.out" | head -n1)
    [ -n "$systype" ] || { log "$tree: no SYSTYPE in conf/makedefs.out"; exit 1; }
    # -Wno-comment: Postfix's headers nest "/*" in comments (Postfix's own
    # build uses it too); nothing else is needed for -Wall -Wextra -Werror.
    echo "-Wno-comment -I$tree/include -D$systype $ccargs" >"$tree/driver.cflags.tmp"
    syslibs=$(echo $syslibs)   # squeeze blanks
    echo "$tree/lib/libglobal.a $tree/lib/libutil.a $syslibs" >"$tree/driver.libs.tmp"
    mv "$tree/driver.cflags.tmp" "$tree/driver.cflags"
    mv "$tree/driver.libs.tmp" "$tree/driver.libs"
}

finish() {
    write_flags "$dest/stock"
    write_flags "$dest/stock-noipv6"
    echo "$dest" >&3
    exit 0
}

if [ -f "$dest/.complete" ] && [ -x "$dest/stock/bin/postconf" ] && [ -d "$dest/stock-noipv6/lib" ]; then
    log "already built: $dest"
    finish
fi

# Leftovers of an interrupted run (we hold the lock, so none is live).
rm -rf "$base/.build-$version".*
tmp=$(mktemp -d "$base/.build-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

log "fetching $source_label into $tmp"
src=$tmp/postfix-$version
rc=0
postfix_fetch_source "$version" "$src" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "cannot fetch the source of Postfix $version ($source_label)"
    exit "$rc"
fi
source_line=$(cat "$src/.complete")   # postfix=<Debian version> or the tarball's
rm -f "$src/.complete"

# The WARN value that Postfix's top-level Makefile passes to each directory.
postfix_warn="-Wmissing-prototypes -Wformat -Wno-comment -fno-common"

build_tree() {   # build_tree <name> <ccargs> [full]
    local name=$1 ccargs=$2 full=${3:-} tree=$tmp/$1 final=$dest/$1 buildlog
    cp -a "$src" "$tree"
    buildlog=$tree/pfinet-build.log
    log "building $name (CCARGS=\"$ccargs\"), log: $final/pfinet-build.log"
    # The IPv6 tree gets Postfix's full "make" (tests run its postconf).
    # Of the -DNO_IPV6 tree only src/util and src/global (libutil.a,
    # libglobal.a and the headers they install into include/) are built,
    # the way the top-level "make" builds each directory: a full "make"
    # fails there for 3.10.13 (src/smtpd/smtpd_peer.c uses ss_family).
    if ! (cd "$tree" &&
          make makefiles CCARGS="$ccargs" &&
          if [ -n "$full" ]; then
              make -j2
          else
              for d in src/util src/global; do
                  (cd "$d" && make -j2 "WARN=$postfix_warn" update MAKELEVEL=) || exit 1
              done
          fi) >"$buildlog" 2>&1; then
        log "build of $name failed; last lines of its log:"
        tail -n 40 "$buildlog" >&2
        exit 1
    fi
    for lib in libutil.a libglobal.a; do
        [ -f "$tree/lib/$lib" ] || { log "$name: missing lib/$lib"; exit 1; }
    done
    if [ -n "$full" ] && [ ! -x "$tree/bin/postconf" ]; then
        log "$name: missing bin/postconf"
        exit 1
    fi
}

build_tree stock "-DNO_NIS" full
build_tree stock-noipv6 "-DNO_NIS -DNO_IPV6"
rm -rf "$src"

{
    echo "$source_line"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$tmp/.complete"

# Replace any earlier incomplete result, then move the finished build in.
# The stamp is the last thing to appear under its final name.
if [ -e "$dest" ]; then
    rm -rf "$dest"
fi
mv "$tmp/.complete" "$tmp/complete.stamp"
mv "$tmp" "$dest"
trap - EXIT
mv "$dest/complete.stamp" "$dest/.complete"

log "done: $dest"
finish
