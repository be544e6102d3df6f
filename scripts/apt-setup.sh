#!/usr/bin/env bash
# Install what pfinet's tests need on a Debian machine and make sure Debian's
# source packages (deb-src) are reachable, so stock Postfix can be fetched.
# Idempotent; needs root (CI runs as root).
set -euo pipefail

src_list=/etc/apt/sources.list.d/pfinet-src.sources
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
    cat >"$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    need_update=1
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
