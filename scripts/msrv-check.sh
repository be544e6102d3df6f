#!/usr/bin/env bash
# Build pfinet with Debian's own Rust 1.85 (Cargo.toml's rust-version), as a
# Debian package build of Postfix with pfinet would: bookworm's
# rustc-web/cargo-web 1.85.0+dfsg3-1~deb12u3 (trixie's rustc/cargo are 1.85
# too), --locked, into target/msrv.
#
#   scripts/msrv-check.sh
#
# - Installs rustc-web and cargo-web at that version with apt when they are
#   missing (root; idempotent, nothing to do once they are there). It
#   refuses, rather than change them, when they are installed at another
#   version, and when apt would upgrade, downgrade or remove any other
#   package to install them.
# - Checks that the library's build needs only libc, nix and ipnet
#   (dependencies) and cc (build dependency): no cbindgen (tests/header.rs
#   uses it, as a dev-dependency).
# - Builds the library (default features, and --features postfix) and the
#   pfinet command with /usr/bin/cargo and /usr/bin/rustc (debug profile).
#
# Exit status: 0 when every build passed, non-zero otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.85.0+dfsg3-1~deb12u3
# rustc-web's own dependency chain at the same version: pinned too, or apt
# would pick the newer libstd-rust-web-dev from bookworm-security.
pkgs=(rustc-web cargo-web libstd-rust-web-dev libstd-rust-web-1.85)

log() { echo "msrv-check: $*" >&2; }

installed() {   # installed <pkg>: its installed version, or nothing
    # dpkg-query fails for a package it has never seen: nothing, not an exit.
    { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; } |
        sed -n 's/^install ok installed //p'
}

missing=()
for p in "${pkgs[@]}"; do
    have=$(installed "$p")
    if [ -z "$have" ]; then
        missing+=("$p=$version")
    elif [ "$have" != "$version" ]; then
        log "$p $have is installed, not $version; not replacing it"
        exit 1
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        log "needs root to install ${missing[*]}"
        exit 1
    fi
    apt=(apt-get -o DPkg::Lock::Timeout=600 -y --no-install-recommends)
    if ! apt-cache show "rustc-web=$version" >/dev/null 2>&1; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq
    fi
    # Simulate first: only new packages may come in.
    sim=$("${apt[@]}" -s install "${missing[@]}")
    if grep -E '^(Remv|Inst [^ ]+ \[)' <<<"$sim" >&2; then
        log "apt would change installed packages (above) to install ${missing[*]}; not installing"
        exit 1
    fi
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" -qq install "${missing[@]}" >/dev/null
fi

# Debian's tools, whatever rustup puts first in PATH; no rustup override
# inherited from a caller.
unset RUSTUP_TOOLCHAIN
export CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export PATH=/usr/bin:$PATH
"$RUSTC" --version
"$CARGO" --version

target=(--locked --target-dir target/msrv)

# The library's build: libc, nix, ipnet and cc, nothing else.
direct=$("$CARGO" tree "${target[0]}" -e normal,build --depth 1 --prefix none --features postfix |
    sed 1d | awk '{print $1}' | sort -u | tr '\n' ' ')
if [ "$direct" != "cc ipnet libc nix " ]; then
    log "the library's build needs: $direct(expected: cc ipnet libc nix)"
    exit 1
fi

log "cargo build --lib --bin pfinet"
"$CARGO" build "${target[@]}" --lib --bin pfinet
log "cargo build --lib --features postfix"
"$CARGO" build "${target[@]}" --lib --features postfix
log "ok: $("$RUSTC" --version)"
