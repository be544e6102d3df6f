#!/bin/sh
# chroot-build.sh - the steps scripts/debian-package.sh runs inside the clean
# chroot that mmdebstrap made (as root, from mmdebstrap's customize hooks).
# Everything lives in /build: the source package (.dsc and its tarballs) and
# this script; results go to /build/out.
#
#   chroot-build.sh prepare DSC DEBIAN_VERSION RUST_PACKAGE
#       add the user "builder", unpack DSC (dpkg-source -x) as /build/src,
#       install its Build-Depends (apt-get build-dep, with network), print
#       the Rust toolchain installed (it must be 1.85), and write Debian's Installed-Size of
#       postfix DEBIAN_VERSION (from the archive's Packages) to
#       out/debian-installed-size
#   chroot-build.sh build DEB_BUILD_OPTIONS
#       dpkg-buildpackage -b -uc -us in /build/src as "builder", with no
#       network (unshare --net); the log is out/build.log, the exit status
#       out/status, the packages built out/*.deb (+ .buildinfo, .changes)
#   chroot-build.sh lintian DEBIAN_VERSION
#       install lintian, fetch Debian's own binary packages of
#       DEBIAN_VERSION, run lintian on both sets (without -dbgsym):
#       out/lintian-{ours,debian}.txt; and lintian on our source package:
#       out/lintian-source.txt
set -eu
cd /build
mkdir -p out

case "${1:-}" in
prepare)
    dsc=$2 debver=$3 rustpkg=$4
    grep -q '^builder:' /etc/passwd || {
        echo 'builder:x:1000:1000:package builder:/build/home:/bin/sh' >>/etc/passwd
        echo 'builder:x:1000:' >>/etc/group
    }
    mkdir -p home
    dpkg-source -x "$dsc" src
    chown -R builder:builder /build
    echo "chroot: apt-get build-dep ./src"
    DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends ./src
    echo "chroot: Rust toolchain: $(dpkg-query -W -f '${Package} ${Version}' "$rustpkg") ($(rustc --version); $(cargo --version))"
    case "$(rustc --version)" in
        "rustc 1.85."*) ;;
        *) echo "chroot: the build must use Rust 1.85 (the apt pin failed)"; exit 1 ;;
    esac
    apt-cache show "postfix=$debver" | sed -n 's/^Installed-Size: //p' | head -n 1 >out/debian-installed-size
    ;;
build)
    opts=$2
    echo "chroot: dpkg-buildpackage -b -uc -us, DEB_BUILD_OPTIONS=\"$opts\", no network (unshare --net)"
    start=$(date +%s)
    rc=0
    unshare --net -- runuser -u builder -- env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/build/home LANG=C.UTF-8 \
        DEB_BUILD_OPTIONS="$opts" \
        sh -c 'cd /build/src && dpkg-buildpackage -b -uc -us' >out/build.log 2>&1 || rc=$?
    echo "$(( $(date +%s) - start ))" >out/build-seconds
    echo "$rc" >out/status
    for f in /build/*.deb /build/*.buildinfo /build/*.changes; do
        [ -e "$f" ] && cp "$f" out/
    done
    echo "chroot: dpkg-buildpackage exit status $rc"
    ;;
lintian)
    debver=$2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lintian >/dev/null
    mkdir -p debian-debs && cd debian-debs
    # Debian's binary packages of this version: the same names as ours.
    # (-dbgsym packages are not in the main archive: left out on both sides)
    for deb in $(ls /build/out/*.deb | grep -v -- -dbgsym_); do
        pkg=$(dpkg-deb -f "$deb" Package)
        apt-get download -q "$pkg=$debver" >/dev/null 2>&1 || echo "chroot: no $pkg=$debver in the archive"
    done
    cd /build
    lintian --tag-display-limit 0 $(ls out/*.deb | grep -v -- -dbgsym_) >out/lintian-ours.txt 2>&1 || true
    lintian --tag-display-limit 0 debian-debs/*.deb >out/lintian-debian.txt 2>&1 || true
    lintian --tag-display-limit 0 /build/*.dsc >out/lintian-source.txt 2>&1 || true
    ;;
*)
    echo "usage: chroot-build.sh prepare|build|lintian ..." >&2
    exit 2
    ;;
esac
