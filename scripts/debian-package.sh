#!/usr/bin/env bash
# Rebuild Debian's own postfix source package with pfinet, offline, in a
# clean chroot of the suite, and write the binary packages to a folder.
#
#   scripts/debian-package.sh --suite bookworm|trixie|forky --out DIR [--lintian]
#                             [--install-check] [--work DIR]
#
#   --suite   bookworm: postfix 3.7.11-0+deb12u1, Rust rustc-web/cargo-web 1.85
#             trixie:   postfix 3.10.13-0+deb13u1, Rust rustc/cargo 1.85
#             forky:    Debian's testing: the postfix its archive serves now
#                       (3.11.7-1 on 2026-12-03), its own Rust (>= 1.85)
#   --out     where the .deb files go (every binary package built, with the
#             .buildinfo, .changes and the build log); the new source package
#             goes to DIR/source/
#   --lintian also run the suite's lintian on our packages and on Debian's
#             own packages of the same version, and list the tags only ours
#             have (DIR/lintian-*.txt)
#   --install-check
#             also install the postfix package built into a second clean
#             chroot (mmdebstrap --variant=apt) and show what an admin sees:
#             dpkg -l postfix, postconf mail_version, postconf mynetworks
#   --work    working folder (default .cache/debpkg/<suite>; emptied first)
#
# pfinet comes from the git tree this script lives in: `git archive HEAD`,
# so only COMMITTED changes are packaged (the script warns when the tree
# has uncommitted changes).
#
# Steps:
#  1. Debian's source package (apt-get source --download-only, with the
#     deb-src lines of scripts/apt-setup.sh), cached in .cache/debsrc/<suite>/.
#  2. The component tarball postfix_<upstream>.orig-pfinet.tar.xz: pfinet's
#     tree (git archive HEAD) plus `cargo vendor` of every crate in its
#     Cargo.lock (pfinet/vendor/) and pfinet/.cargo/config.toml pointing
#     cargo at them, so the package build needs no network.
#  3. The new source package <debian version>+pfinet1: Debian's, unpacked
#     with dpkg-source -x, plus pfinet/ (the component), and in debian/:
#     patches/pfinet.patch (patches/postfix-pfinet.patch with a DEP-3
#     header) at the end of patches/series, pfinet.mk (packaging/debian/)
#     included by rules, the Rust toolchain in Build-Depends, pfinet/target/
#     in clean, a changelog entry; then dpkg-source -b.
#  4. mmdebstrap --variant=buildd of the suite from Debian's archive (the
#     .debs it downloads are kept in .cache/debs/<suite>/ and given back to
#     the next run: mmdebstrap's sync-in/sync-out idiom); inside it
#     (packaging/debian/chroot-build.sh): dpkg-source -x of the new .dsc,
#     apt-get build-dep (the Rust packages pinned to 1.85, Debian's
#     minimum for pfinet), then dpkg-buildpackage -b -uc -us as an
#     unprivileged user with no network (unshare --net). The chroot is
#     thrown away afterwards.
#  5. The results to --out; build time and the postfix package's
#     Installed-Size (and Debian's, from the archive) on stdout.
#
# Environment: DEB_BUILD_OPTIONS is passed to the build (default
# "parallel=<number of CPUs>"); nocheck skips pfinet's checks
# (packaging/debian/check.sh, run by debian/rules' override_dh_auto_test).
# DEBFULLNAME/DEBEMAIL name the changelog entry's maintainer (default: git's
# user.name/user.email). CARGO selects the cargo that vendors (default cargo).
#
# Needs root (mmdebstrap, chroot); installs mmdebstrap and the rest with
# scripts/apt-setup.sh. Network only to Debian's archive and crates.io.
set -euo pipefail

suite=
out=
work=
lintian=
install_check=
while [ $# -gt 0 ]; do
    case "$1" in
        --suite) suite="${2:?--suite needs a value}"; shift 2 ;;
        --suite=*) suite="${1#--suite=}"; shift ;;
        --out) out="${2:?--out needs a value}"; shift 2 ;;
        --out=*) out="${1#--out=}"; shift ;;
        --work) work="${2:?--work needs a value}"; shift 2 ;;
        --work=*) work="${1#--work=}"; shift ;;
        --lintian) lintian=1; shift ;;
        --install-check) install_check=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "debian-package.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

case "$suite" in
    bookworm) rust_deps="rustc-web (>= 1.85), cargo-web"; rustpkg=rustc-web ;;
    trixie|forky) rust_deps="rustc (>= 1.85), cargo"; rustpkg=rustc ;;
    *) echo "debian-package.sh: --suite bookworm, trixie or forky (see --help)" >&2; exit 2 ;;
esac
. "$(dirname "${BASH_SOURCE[0]}")/postfix-versions.sh"
bash "$(dirname "${BASH_SOURCE[0]}")/apt-setup.sh"
debver=$(debian_suite_postfix "$suite") || exit 2
[ -n "$out" ] || { echo "debian-package.sh: --out DIR is required (see --help)" >&2; exit 2; }

started=$(date +%s)
log() { echo "debian-package[$suite]: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap and chroot need it)"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
upstream=${debver%%-*}
version=$debver+pfinet1
cache=$repo_root/.cache
work=${work:-$cache/debpkg/$suite}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# --- host tools (apt-setup.sh ran above) ------------------------------------
cargo=${CARGO:-cargo}
command -v "$cargo" >/dev/null || die "no $cargo on PATH (cargo vendor runs on the host)"

# --- 1. Debian's source package -------------------------------------------
srccache=$cache/debsrc/$suite
dsc_name=postfix_$debver.dsc
if [ ! -f "$srccache/$dsc_name" ]; then
    log "1. apt-get source --download-only postfix=$debver"
    mkdir -p "$srccache.tmp"
    (cd "$srccache.tmp" && apt-get source -qq --download-only -o APT::Sandbox::User=root \
        --only-source "postfix=$debver") || die "apt-get source postfix=$debver (deb-src lines: scripts/apt-setup.sh)"
    mkdir -p "$srccache"
    mv "$srccache.tmp"/* "$srccache/"
    rmdir "$srccache.tmp"
else
    log "1. Debian's source package: $srccache/$dsc_name (cached)"
fi

exec 9>"$cache/.debpkg-$suite.lock"
flock 9
# Only a folder this script made (it has the marker) is emptied.
if [ -e "$work" ] && [ -n "$(ls -A "$work")" ] && [ ! -f "$work/.debian-package-work" ]; then
    die "--work $work is not empty and was not made by this script"
fi
rm -rf "$work"
mkdir -p "$work/src"
touch "$work/.debian-package-work"

# --- 2. the component tarball -----------------------------------------------
commit=$(git -C "$repo_root" rev-parse HEAD)
if [ -n "$(git -C "$repo_root" status --porcelain --untracked-files=no)" ]; then
    log "WARNING: uncommitted changes in $repo_root are NOT packaged (git archive HEAD = ${commit:0:12})"
fi
epoch=$(git -C "$repo_root" log -1 --format=%ct HEAD)
pfinet_version=$(sed -n 's/^version = "\([^"]*\)"/\1/p' "$repo_root/Cargo.toml" | head -n 1)
log "2. component tarball: pfinet $pfinet_version, git ${commit:0:12}, with cargo vendor"
stage=$work/component
mkdir -p "$stage"
git -C "$repo_root" archive --prefix=pfinet/ HEAD | tar -x -C "$stage"
mkdir -p "$stage/pfinet/.cargo"
# --versioned-dirs: no crate folder name can match a pattern of Postfix's
# "make tidy" (such as */*/*core: serde_core); see pfinet-tidy.patch.
(cd "$stage/pfinet" && "$cargo" vendor --locked --versioned-dirs vendor) >"$work/cargo-vendor.log" 2>&1 ||
    { tail -n 20 "$work/cargo-vendor.log" >&2; die "cargo vendor"; }
# dh_clean deletes *.orig, *.rej, *.bak, *~ files everywhere in the tree,
# and cargo checks each vendored file against .cargo-checksum.json: such
# files (cargo vendor's Cargo.toml.orig) are dropped from both.
python3 - "$stage/pfinet/vendor" <<'PY_PRUNE' || die "pruning the vendored crates"
import fnmatch, json, os, sys
pats = ["*.orig", "*.rej", "*.bak", "*~", "#*#", "DEADJOE", ".SUMS", "TAGS"]
for crate in sorted(os.listdir(sys.argv[1])):
    top = os.path.join(sys.argv[1], crate)
    ck = os.path.join(top, ".cargo-checksum.json")
    sums = json.load(open(ck))
    for rel in list(sums["files"]):
        if any(fnmatch.fnmatch(os.path.basename(rel), p) for p in pats):
            os.remove(os.path.join(top, rel))
            del sums["files"][rel]
    json.dump(sums, open(ck, "w"), sort_keys=True)
PY_PRUNE
cat >"$stage/pfinet/.cargo/config.toml" <<'TOML'
# Written by scripts/debian-package.sh: the crates of Cargo.lock, vendored
# (cargo vendor --versioned-dirs), so that the package builds with
# cargo --offline --frozen.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"
TOML
# The vendored crates are all cargo needs: resolve with an empty CARGO_HOME.
(cd "$stage/pfinet" && CARGO_HOME=$work/cargo-home-empty "$cargo" metadata --offline --frozen \
    --format-version 1 >/dev/null) 2>"$work/cargo-metadata.log" ||
    { cat "$work/cargo-metadata.log" >&2; die "the vendored crates do not resolve offline"; }
rm -rf "$work/cargo-home-empty"
component=postfix_$upstream.orig-pfinet.tar.xz
(cd "$stage" && tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    -cf - pfinet | xz -T0 -6 >"$work/src/$component")
log "   $component: $(du -h "$work/src/$component" | cut -f1) ($(ls "$stage/pfinet/vendor" | wc -l) crates vendored)"

# --- 3. the new source package ----------------------------------------------
log "3. source package postfix $version"
cp "$srccache"/postfix_"$upstream".orig.tar.* "$srccache/postfix_$debver.debian.tar.xz" \
   "$srccache/$dsc_name" "$work/src/"
tree=$work/src/postfix-$upstream
dpkg-source -q -x --skip-patches "$work/src/$dsc_name" "$tree" 2>&1 | grep -v -e gpgv -e 'cannot verify' >&2 || true
[ -f "$tree/debian/rules" ] || die "dpkg-source -x $dsc_name"
mv "$stage/pfinet" "$tree/pfinet"
pf=$tree/pfinet/packaging/debian

# debian/patches: pfinet-tidy.patch (keeps Postfix's "make tidy" away from
# pfinet/Makefile), and the pfinet patch with a DEP-3 header (its own text as
# the long description), last in the series.
cp "$pf/pfinet-tidy.patch" "$tree/debian/patches/"
{
    echo "Description: build Postfix with pfinet (-DUSE_PFINET)"
    sed -n '/^diff /q; p' "$tree/pfinet/patches/postfix-pfinet.patch" | sed '1d' |
        sed -e 's/^$/./' -e 's/^/ /' | sed -e '1{/^ \.$/d}' -e '${/^ \.$/d}'
    echo "Origin: vendor, pfinet git ${commit:0:12}, patches/postfix-pfinet.patch"
    echo "Forwarded: not-needed"
    echo "Last-Update: $(date -u -d "@$epoch" +%Y-%m-%d)"
    echo "---"
    sed -n '/^diff /,$p' "$tree/pfinet/patches/postfix-pfinet.patch"
} >"$tree/debian/patches/pfinet.patch"
printf '%s\n' pfinet-tidy.patch pfinet.patch >>"$tree/debian/patches/series"

# debian/rules: pfinet's steps, from debian/pfinet.mk, after Debian's
# CCARGS/CONFARGS and before the first rule.
cp "$pf/pfinet.mk" "$tree/debian/pfinet.mk"
grep -q '^%:' "$tree/debian/rules" || die "debian/rules has no '%:' rule"
sed -i '0,/^%:/s//# pfinet: build pfinet, link it into libpostfix-util.so, check it\ninclude debian\/pfinet.mk\n\n%:/' \
    "$tree/debian/rules"

# debian/control: the Rust toolchain.
indent=$(sed -n '/^Build-Depends:/{n;s/^\([[:space:]]*\).*/\1/p;q}' "$tree/debian/control")
[ -n "$indent" ] || indent=" "
sed -i "0,/^Build-Depends: /s//Build-Depends: $rust_deps,\n$indent/" "$tree/debian/control"
grep -q "^Build-Depends: $rust_deps," "$tree/debian/control" || die "could not add $rust_deps to Build-Depends"

# debian/clean: pfinet's cargo output.
echo 'pfinet/target/' >>"$tree/debian/clean"

# debian/changelog
name=${DEBFULLNAME:-$(git -C "$repo_root" config user.name || echo "pfinet packaging")}
email=${DEBEMAIL:-$(git -C "$repo_root" config user.email || echo "root@localhost")}
{
    echo "postfix ($version) $suite; urgency=medium"
    echo
    echo "  * Build with pfinet $pfinet_version (git ${commit:0:12}): Postfix's address"
    echo "    code (inet_proto, inet_addr_list, inet_addr_local, cidr_match,"
    echo "    valid_hostaddr, own_inet_addr, mynetworks) in Rust, linked into"
    echo "    libpostfix-util.so."
    echo "    - pfinet's source and its vendored crates: component tarball"
    echo "      orig-pfinet (pfinet/), built offline with Debian's Rust toolchain."
    echo "    - d/patches/pfinet.patch: Postfix's side (-DUSE_PFINET)."
    echo "    - d/patches/pfinet-tidy.patch: make tidy leaves pfinet/Makefile alone."
    echo "    - d/pfinet.mk, included by d/rules: build pfinet before configure;"
    echo "      dh_auto_test runs pfinet's checks (nm, Postfix's unit tests)."
    echo "    - Build-Depends: $rust_deps."
    echo
    echo " -- $name <$email>  $(date -u -R -d "@$epoch")"
    echo
    cat "$tree/debian/changelog"
} >"$tree/debian/changelog.new"
mv "$tree/debian/changelog.new" "$tree/debian/changelog"

(cd "$work/src" && dpkg-source -b "postfix-$upstream") >"$work/dpkg-source.log" 2>&1 ||
    { tail -n 20 "$work/dpkg-source.log" >&2; die "dpkg-source -b"; }
new_dsc=postfix_$version.dsc
[ -f "$work/src/$new_dsc" ] || die "dpkg-source -b wrote no $new_dsc"
grep -q "orig-pfinet.tar.xz" "$work/src/$new_dsc" || die "$new_dsc does not list the component tarball"
src_files=("$work/src/$new_dsc" "$work/src/postfix_$version.debian.tar.xz"
           "$work/src"/postfix_"$upstream".orig.tar.* "$work/src/$component")
rm -rf "$out/source"; mkdir -p "$out/source"
cp "${src_files[@]}" "$out/source/"
log "   $new_dsc (+ $component) in $out/source/"

# --- 4. clean chroot, build -------------------------------------------------
debcache=$cache/debs/$suite
mkdir -p "$debcache" "$work/result"
cached_before=$(find "$debcache" -name '*.deb' | wc -l)
mirror=http://deb.debian.org/debian
cat >"$work/rust-1.85.pref" <<PREF
# Debian's Rust 1.85 (pfinet's minimum), not a newer one the archive has
Package: /^(rustc|cargo|libstd-rust)/
Pin: version 1.85.*
Pin-Priority: 1001
PREF
deb_build_options=${DEB_BUILD_OPTIONS-parallel=$(nproc)}
log "4. mmdebstrap --variant=buildd $suite, build-dep, dpkg-buildpackage (log: $work/mmdebstrap.log, $out/postfix_${version}_build.log)"
t_chroot=$(date +%s)
rc=0
mmdebstrap --variant=buildd --include=fakeroot \
    --aptopt='Acquire::Retries "3"' \
    --skip=download/empty --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/ "$1"/etc/apt/preferences.d/' \
    --setup-hook="sync-in '$debcache' /var/cache/apt/archives/" \
    --setup-hook="copy-in '$work/rust-1.85.pref' /etc/apt/preferences.d/" \
    --customize-hook='mkdir -p "$1"/build' \
    --customize-hook="copy-in $(printf "'%s' " "${src_files[@]}" "$pf/chroot-build.sh") /build/" \
    --customize-hook="chroot \"\$1\" sh /build/chroot-build.sh prepare '$new_dsc' '$debver' '$rustpkg'" \
    --customize-hook="sync-out /var/cache/apt/archives '$debcache'" \
    --customize-hook="chroot \"\$1\" sh /build/chroot-build.sh build '$deb_build_options'" \
    ${lintian:+--customize-hook="chroot \"\$1\" sh /build/chroot-build.sh lintian '$debver'"} \
    --customize-hook="sync-out /build/out '$work/result'" \
    "$suite" /dev/null \
    "deb $mirror $suite main" "deb $mirror $suite-updates main" \
    "deb http://deb.debian.org/debian-security $suite-security main" \
    >"$work/mmdebstrap.log" 2>&1 || rc=$?
grep '^chroot: ' "$work/mmdebstrap.log" | sed "s/^chroot: /debian-package[$suite]:    /" >&2 || true
t_end=$(date +%s)
[ -f "$work/result/build.log" ] && cp "$work/result/build.log" "$out/postfix_${version}_build.log"
if [ "$rc" != 0 ] || [ "$(cat "$work/result/status" 2>/dev/null)" != 0 ]; then
    if [ -f "$work/result/build.log" ]; then
        tail -n 40 "$work/result/build.log" >&2
        die "dpkg-buildpackage failed (exit $(cat "$work/result/status" 2>/dev/null)); log: $out/postfix_${version}_build.log"
    fi
    tail -n 30 "$work/mmdebstrap.log" >&2
    die "mmdebstrap (exit $rc); log: $work/mmdebstrap.log"
fi
cached_after=$(find "$debcache" -name '*.deb' | wc -l)

# --- 5. results --------------------------------------------------------------
cp "$work/result"/*.deb "$work/result"/*.buildinfo "$work/result"/*.changes "$out/"
our_deb=$out/postfix_${version}_$(dpkg --print-architecture).deb
[ -f "$our_deb" ] || die "no $our_deb"
ours_size=$(dpkg-deb -f "$our_deb" Installed-Size)
debian_size=$(cat "$work/result/debian-installed-size" 2>/dev/null || true)
# The shipped library: pfinet's names defined, no Rust internals exported.
mkdir -p "$work/deb"
dpkg-deb -x "$our_deb" "$work/deb"
shipped=$work/deb/usr/lib/postfix/libpostfix-util.so
[ -f "$shipped" ] || die "$our_deb has no usr/lib/postfix/libpostfix-util.so"
dyn=$(nm -D --defined-only "$shipped" | awk '{ print $NF }')
for s in inet_proto_init inet_addr_local mynetworks cidr_match_parse match_hostaddr_literal; do
    grep -qx "$s" <<<"$dyn" || die "the packaged libpostfix-util.so does not define $s"
done
! grep -Eq '^(_ZN|_R|rust_|__rust)' <<<"$dyn" || die "the packaged libpostfix-util.so exports Rust-internal symbols"
echo "packaged /usr/lib/postfix/libpostfix-util.so: defines inet_proto_init inet_addr_local mynetworks" \
     "cidr_match_parse match_hostaddr_literal and $(grep -c '^pfinet_' <<<"$dyn") pfinet_* (nm -D); no Rust-internal symbol"
echo "packages ($suite, postfix $version) in $out:"
(cd "$out" && ls -1 *.deb | sed 's/^/  /')
echo "build time: $(( t_end - started ))s in all; chroot + build-deps + build $(( t_end - t_chroot ))s, of which dpkg-buildpackage $(cat "$work/result/build-seconds")s (DEB_BUILD_OPTIONS=\"$deb_build_options\")"
echo "apt in the build chroot: $(grep -E '^Need to get' "$work/mmdebstrap.log" | tr '\n' ' ')(cache $debcache: $cached_after .debs, $(( cached_after - cached_before )) new)"
echo "installed size of postfix $version: $ours_size KiB (Debian's postfix $debver: ${debian_size:-?} KiB)"
if [ -n "$lintian" ]; then
    cp "$work/result"/lintian-*.txt "$out/" 2>/dev/null || true
    for f in ours debian source; do
        [ -f "$out/lintian-$f.txt" ] || { log "FAILED: lintian gave no lintian-$f.txt"; exit 1; }
    done
    # "severity package tag" of each lintian line, without the details
    tags() { sed -n 's/^\([EW]\): \([^:]*\): \([^ ]*\).*/\1 \2 \3/p' "$1" | sort -u; }
    new=$(comm -23 <(tags "$out/lintian-ours.txt") <(tags "$out/lintian-debian.txt"))
    echo "lintian on our source package: $(grep -c '^E: ' "$out/lintian-source.txt" || true) errors, $(grep -c '^W: ' "$out/lintian-source.txt" || true) warnings ($out/lintian-source.txt)"
    echo "lintian: $(grep -c '^E: ' "$out/lintian-ours.txt" || true) errors, $(grep -c '^W: ' "$out/lintian-ours.txt" || true) warnings on ours;" \
         "$(grep -c '^E: ' "$out/lintian-debian.txt" || true) errors, $(grep -c '^W: ' "$out/lintian-debian.txt" || true) warnings on Debian's"
    if [ -n "$new" ]; then echo "lintian tags only ours have:"; echo "$new" | sed 's/^/  /'; else echo "lintian: no tag that Debian's packages do not have"; fi
    # A Debian maintainer's bar: no lintian error that Debian's own packages
    # do not have, none on the source package.
    if grep -q '^E' <<<"$new" || grep -q '^E: ' "$out/lintian-source.txt"; then
        log "FAILED: lintian errors that Debian's packages do not have"
        exit 1
    fi
fi
if [ -n "$install_check" ]; then
    log "6. install check: apt-get install ./$(basename "$our_deb") in a clean $suite chroot"
    mkdir -p "$work/install"
    rc=0
    mmdebstrap --variant=apt \
        --skip=download/empty --skip=essential/unlink \
        --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
        --setup-hook="sync-in '$debcache' /var/cache/apt/archives/" \
        --customize-hook='mkdir -p "$1"/tmp/debs "$1"/tmp/out' \
        --customize-hook="copy-in '$our_deb' /tmp/debs/" \
        --customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/debs/*.deb"' \
        --customize-hook="sync-out /var/cache/apt/archives '$debcache'" \
        --customize-hook='chroot "$1" sh -c "{ set -x; dpkg -l postfix | tail -n 1; postconf mail_version; postconf mynetworks_style mynetworks; ldd /usr/sbin/postconf | grep libpostfix-util; } >/tmp/out/install.txt 2>&1"' \
        --customize-hook="sync-out /tmp/out '$work/install'" \
        "$suite" /dev/null \
        "deb $mirror $suite main" "deb $mirror $suite-updates main" \
        "deb http://deb.debian.org/debian-security $suite-security main" \
        >"$work/install.log" 2>&1 || rc=$?
    [ "$rc" = 0 ] && [ -f "$work/install/install.txt" ] ||
        { tail -n 30 "$work/install.log" >&2; die "install check (log: $work/install.log)"; }
    echo "install check ($suite chroot):"
    sed 's/^/  /' "$work/install/install.txt"
    grep -q "^ii  postfix  *$version " "$work/install/install.txt" || die "install check: dpkg -l postfix does not show $version installed"
fi
log "done in $(( $(date +%s) - started ))s"
