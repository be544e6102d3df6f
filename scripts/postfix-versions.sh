# Sourced by the scripts that fetch Postfix: the Postfix versions pfinet
# supports and their Debian source package versions.
#   debver=$(postfix_debian_version 3.7.11) || exit 2
# A new release: one word in POSTFIX_VERSIONS (read as text by the Rust
# tests, tests/common/mod.rs postfix_versions(), and by scripts/test.sh) and
# its line in postfix_debian_version.
POSTFIX_VERSIONS="3.7.11 3.10.13"
postfix_debian_version() {
    case "$1" in
        3.7.11)  echo 3.7.11-0+deb12u1 ;;   # bookworm
        3.10.13) echo 3.10.13-0+deb13u1 ;;  # trixie
        *) echo "unsupported Postfix version $1 (3.7.11 or 3.10.13)" >&2; return 1 ;;
    esac
}

# postfix_fetch_source VERSION DEST: Debian's source package of that
# Postfix, unpacked and patched as Debian ships it (apt-get source), at DEST
# (a folder that holds nothing else), fetched once: DEST/.complete marks a
# finished fetch.
postfix_fetch_source() {
    local version=$1 dest=$2 debver
    [ -f "$dest/.complete" ] && return 0
    debver=$(postfix_debian_version "$version") || return 1
    rm -rf "$dest" "$dest.fetch"
    mkdir -p "$dest.fetch"
    (cd "$dest.fetch" &&
     apt-get source -qq -o APT::Sandbox::User=root --only-source "postfix=$debver") \
        >"$dest.fetch/apt.log" 2>&1 || { tail -n 20 "$dest.fetch/apt.log" >&2; return 1; }
    [ -f "$dest.fetch/postfix-$version/makedefs" ] || return 1
    mv "$dest.fetch/postfix-$version" "$dest"
    rm -rf "$dest.fetch"
    echo "postfix=$debver" >"$dest/.complete"
}
