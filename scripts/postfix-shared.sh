#!/usr/bin/env bash
# Build Postfix the way distributions do (make makefiles shared=yes
# dynamicmaps=yes pie=yes, Debian's compiler and linker flags) with pfinet,
# for tests/postfix_shared.rs, which checks the result.
#
#   scripts/postfix-shared.sh [--version 3.7.11|3.8.6|3.10.13|3.11.6] [--rebuild]   (default 3.10.13)
#
#  1. pfinet: `make postfix-object` (cargo, feature "postfix") in its own
#     target dir, target/postfix-shared/: release/pfinet-postfix.o, the one
#     object Postfix's util library links.
#  2. Debian's source package of that Postfix (apt-get source, fetched once),
#     patched with patches/postfix-pfinet.patch, built in
#     <cache>/<version>-shared/patched/ (<cache>: $PFINET_CACHE or
#     .cache/postfix, as for scripts/stock-postfix.sh) with debian/rules'
#     own knobs: CCARGS="-DDEBIAN -DMYORIGIN_FROM_FILE -DNO_NIS -DUSE_PFINET",
#     OPT from dpkg-buildflags with hardening=+all optimize=+lto (PIE,
#     -flto=auto -ffat-lto-objects, -fstack-protector-strong,
#     _FORTIFY_SOURCE, -Wl,-z,relro -Wl,-z,now), PLUGIN_LD, SHLIB_RPATH,
#     shlib_directory=/usr/lib/postfix, and PFINET_OBJ. Debian's optional map
#     and TLS/SASL libraries are left out (they are not what this checks);
#     the package build (scripts/debian-package.sh) has them all.
#     Rebuilt only when an input changed (patch, object, flags) or with
#     --rebuild.
#
# stdout: the tree's path (last line). Progress on stderr, the build log in
# <cache>/<version>-shared/build.log.
set -euo pipefail
unset MAKEFLAGS MFLAGS MAKELEVEL

version=3.10.13
rebuild=
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --version=*) version="${1#--version=}"; shift ;;
        --rebuild) rebuild=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "postfix-shared.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$script_dir/postfix-versions.sh"
source_label=$(postfix_source_label "$version") || exit 2

repo_root=$(cd "$script_dir/.." && pwd)
patch_file=$repo_root/patches/postfix-pfinet.patch
base=${PFINET_CACHE:-$repo_root/.cache/postfix}
work=$base/$version-shared
log() { echo "postfix-shared[$version]: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

exec 3>&1 1>&2
mkdir -p "$work"
exec 9>"$work/.lock"
flock 9

log "pfinet: make postfix-object"
export CARGO_TARGET_DIR=$repo_root/target/postfix-shared
make -C "$repo_root" -s postfix-object >"$work/pfinet.log" 2>&1 ||
    { tail -n 30 "$work/pfinet.log"; die "make postfix-object"; }
pfinet_obj=$CARGO_TARGET_DIR/release/pfinet-postfix.o
[ -f "$pfinet_obj" ] || die "no $pfinet_obj"

postfix_fetch_source "$version" "$work/src" || die "no source for Postfix $version ($source_label)"

flags=$(DEB_BUILD_MAINT_OPTIONS="hardening=+all optimize=+lto" \
        DEB_LDFLAGS_MAINT_STRIP=-Wl,-Bsymbolic-functions dpkg-buildflags --export=sh)
eval "$flags"
ccargs="-DDEBIAN -DMYORIGIN_FROM_FILE -DNO_NIS -DUSE_PFINET"
confargs=(CC=gcc DEBUG= "OPT=$CPPFLAGS $CFLAGS $LDFLAGS"
          "PLUGIN_LD=gcc -shared $LDFLAGS"
          "SHLIB_RPATH=-Wl,-rpath,/usr/lib/postfix $LDFLAGS"
          shlib_directory=/usr/lib/postfix shared=yes pie=yes dynamicmaps=yes
          "PFINET_OBJ=$pfinet_obj")

tree=$work/patched
stamp="$(sha256sum <"$patch_file" | cut -c1-64) $(sha256sum <"$pfinet_obj" | cut -c1-64) $ccargs ${confargs[*]}"
if [ -z "$rebuild" ] && [ -f "$tree/.pfinet-stamp" ] && [ "$(cat "$tree/.pfinet-stamp")" = "$stamp" ]; then
    log "reused $tree (same patch, object and flags)"
else
    rm -rf "$tree"
    cp -a "$work/src" "$tree"
    (cd "$tree" && patch -p1 -s --fuzz=0 --no-backup-if-mismatch <"$patch_file") ||
        die "patch -p1 does not apply"
    log "building (log: $work/build.log)"
    t0=$(date +%s)
    (cd "$tree" &&
     make makefiles CCARGS="$ccargs" "${confargs[@]}" &&
     make -j2) >"$work/build.log" 2>&1 ||
        { tail -n 30 "$work/build.log"; die "make"; }
    log "built in $(( $(date +%s) - t0 ))s"
    echo "$stamp" >"$tree/.pfinet-stamp"
fi
echo "$tree" >&3
