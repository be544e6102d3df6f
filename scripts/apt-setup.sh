#!/usr/bin/env bash
# Install what pfinet's tests need on a Debian machine and make sure Debian's
# source packages (deb-src) are reachable, so stock Postfix can be fetched.
# Idempotent; needs root (CI runs as root).
set -euo pipefail

# Suites whose source packages the scripts fetch: bookworm (3.7.11),
# trixie (3.10.13), forky (Debian's testing: scripts/debian-package.sh
# --suite forky builds its postfix).
src_list=/etc/apt/sources.list.d/pfinet-src.sources
src_text='Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates trixie forky
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
other_src() { # deb-src lines or stanzas that are not ours
    grep -lrs '^Types:.*deb-src' /etc/apt/sources.list.d/ | grep -vx "$src_list"
    grep -s '^deb-src' /etc/apt/sources.list
}
if [ -f "$src_list" ] || [ -z "$(other_src)" ]; then
    if [ "$(cat "$src_list" 2>/dev/null)" != "$src_text" ]; then
        printf '%s\n' "$src_text" >"$src_list"
        need_update=1
    fi
fi

# Postfix's build (libdb-dev, m4; and what its makedefs looks for: ICU,
# libnsl, pkg-config), Debian source packages (dpkg-dev), namespaces
# (iproute2), the C tests (gcc, make, binutils; gcc brings its sanitizer
# runtimes), the memory checks (valgrind: tests/memcheck.rs), the manual
# page check (groff-base: groff -man -ww), the fuzz targets (clang: stock
# Postfix's C rebuilt with ASan and libFuzzer coverage; its
# libclang-rt-*-dev, a dependency, supplies libFuzzer), the Debian package
# build (mmdebstrap: scripts/debian-package.sh; git, xz-utils).
pkgs=(dpkg-dev mmdebstrap git xz-utils libdb-dev m4 libicu-dev libnsl-dev pkg-config iproute2 gcc make binutils python3 valgrind groff-base clang)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ -n "${need_update:-}" ] || [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
