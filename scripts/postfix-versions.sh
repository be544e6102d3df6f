# Sourced by the scripts that fetch Postfix: the Postfix versions pfinet
# supports and where each one's source comes from.
#
# Source of a release:
#   - Debian's source package (apt-get source) for the releases Debian's
#     archive carries: 3.7.11 (bookworm), 3.10.13 (trixie); unpacked and
#     patched as Debian ships it.
#   - Otherwise the upstream source tarball postfix-VERSION.tar.gz in the
#     folder named by $PFINET_POSTFIX_SOURCES (.ci/run and scripts/test.sh
#     default it to ../shared/postfix-src beside the repository), checked
#     against the SHA256SUMS file in that folder: a missing folder, tarball,
#     SHA256SUMS file or entry, or a checksum mismatch is refused.
#
#   postfix_versions                 the supported releases, oldest first
#   postfix_debian_version VERSION   Debian's package version, or nothing
#                                    (status 0) for a tarball release;
#                                    status 1 for an unsupported version
#   postfix_source_label VERSION     one line: where the source comes from
#   postfix_fetch_source VERSION DEST
#
# Exit status 3 from the scripts (and status 3 from postfix_fetch_source):
# the release is supported but its source cannot be had here (no tarball, no
# SHA256SUMS entry, ...): the release is not checked.
# A new release: one word in POSTFIX_VERSIONS (read as text by the Rust
# tests, tests/common/mod.rs postfix_versions(), and by scripts/test.sh) and
# its line in postfix_debian_version.
POSTFIX_VERSIONS="3.7.11 3.8.6 3.10.13 3.11.6"
postfix_versions=$POSTFIX_VERSIONS

postfix_debian_version() {
    case "$1" in
        3.7.11)  echo 3.7.11-0+deb12u1 ;;   # bookworm
        3.10.13) echo 3.10.13-0+deb13u1 ;;  # trixie
        3.8.6|3.11.6) ;;                    # not in Debian's archive: tarball
        *) echo "unsupported Postfix version $1 (supported: $postfix_versions)" >&2; return 1 ;;
    esac
}

postfix_source_label() {
    local debver
    debver=$(postfix_debian_version "$1") || return 1
    if [ -n "$debver" ]; then
        echo "postfix=$debver (Debian source package)"
    else
        echo "postfix-$1.tar.gz from PFINET_POSTFIX_SOURCES=${PFINET_POSTFIX_SOURCES:-(unset)}"
    fi
}

# postfix_check_tarball VERSION: print the path of postfix-VERSION.tar.gz in
# $PFINET_POSTFIX_SOURCES after checking it against SHA256SUMS there; on any
# problem a message on stderr and status 3.
postfix_check_tarball() {
    local version=$1 dir=${PFINET_POSTFIX_SOURCES:-} name want got
    name=postfix-$version.tar.gz
    local what="Postfix $version is not in Debian's archive; its source is $name in \$PFINET_POSTFIX_SOURCES"
    if [ -z "$dir" ]; then
        echo "$what, which is not set" >&2; return 3
    fi
    if [ ! -d "$dir" ]; then
        echo "$what ($dir), which is not a folder" >&2; return 3
    fi
    if [ ! -f "$dir/$name" ]; then
        echo "$what: no $dir/$name" >&2; return 3
    fi
    if [ ! -f "$dir/SHA256SUMS" ]; then
        echo "$what: no $dir/SHA256SUMS to check $name against; refused" >&2; return 3
    fi
    # "HASH  NAME" or "HASH *NAME" (binary mode), as sha256sum writes it.
    want=$(awk -v n="$name" '($2 == n || $2 == "*" n) && length($1) == 64 { print tolower($1) }' "$dir/SHA256SUMS")
    case "$want" in
        "") echo "$what: $dir/SHA256SUMS has no entry for $name; refused" >&2; return 3 ;;
        *[!0-9a-f]*) echo "$what: $dir/SHA256SUMS has more than one or a malformed entry for $name; refused" >&2; return 3 ;;
    esac
    got=$(sha256sum <"$dir/$name" | cut -c1-64)
    if [ "$got" != "$want" ]; then
        echo "$what: $dir/$name has SHA-256 $got, SHA256SUMS says $want; refused" >&2; return 3
    fi
    echo "$dir/$name"
}

# postfix_fetch_source VERSION DEST: the pristine source of that Postfix at
# DEST (a folder that holds nothing else), fetched once: DEST/.complete marks
# a finished fetch and says where it came from. Debian's source package is
# unpacked and patched as Debian ships it (apt-get source); a tarball release
# is unpacked as is. Status 1 on failure, 3 when the source cannot be had.
postfix_fetch_source() {
    local version=$1 dest=$2 debver tarball sum
    [ -f "$dest/.complete" ] && return 0
    debver=$(postfix_debian_version "$version") || return 1
    if [ -z "$debver" ]; then
        tarball=$(postfix_check_tarball "$version") || return 3
    fi
    rm -rf "$dest" "$dest.fetch"
    mkdir -p "$dest.fetch"
    if [ -n "$debver" ]; then
        (cd "$dest.fetch" &&
         apt-get source -qq -o APT::Sandbox::User=root --only-source "postfix=$debver") \
            >"$dest.fetch/apt.log" 2>&1 || { tail -n 20 "$dest.fetch/apt.log" >&2; return 1; }
    else
        tar -xzf "$tarball" -C "$dest.fetch" --no-same-owner ||
            { echo "cannot unpack $tarball" >&2; return 1; }
    fi
    [ -f "$dest.fetch/postfix-$version/makedefs" ] ||
        { echo "no postfix-$version/makedefs in the fetched source" >&2; return 1; }
    mv "$dest.fetch/postfix-$version" "$dest"
    rm -rf "$dest.fetch"
    if [ -n "$debver" ]; then
        echo "postfix=$debver" >"$dest/.complete"
    else
        sum=$(sha256sum <"$tarball" | cut -c1-64)
        echo "postfix=$version ${tarball##*/} sha256=$sum" >"$dest/.complete"
    fi
}

# debian_suite_postfix SUITE: the version of Debian's postfix source package
# the packaging scripts (debian-package.sh, debian-serve.sh) build for SUITE:
# fixed for the stable releases, the archive's current one for forky
# (Debian's testing moves on; its Sources list comes from the deb-src line
# scripts/apt-setup.sh adds).
debian_suite_postfix() {
    local f v=
    case "$1" in
        bookworm) echo 3.7.11-0+deb12u1 ;;
        trixie) echo 3.10.13-0+deb13u1 ;;
        forky)
            for f in /var/lib/apt/lists/*_dists_forky_main_source_Sources*; do
                [ -e "$f" ] || continue
                v=$(/usr/lib/apt/apt-helper cat-file "$f" |
                    awk '/^Package: postfix$/ { p = 1 } p && /^Version:/ { print $2; exit }')
            done
            if [ -z "$v" ]; then
                echo "no postfix source package for forky in apt's lists (deb-src: scripts/apt-setup.sh)" >&2
                return 1
            fi
            echo "$v" ;;
        *) echo "unknown Debian suite $1 (bookworm, trixie, forky)" >&2; return 1 ;;
    esac
}
