# Sourced by the scripts that fetch Postfix: the Postfix versions pfinet
# supports and their Debian source package versions.
#   debver=$(postfix_debian_version 3.7.11) || exit 2
postfix_debian_version() {
    case "$1" in
        3.7.11)  echo 3.7.11-0+deb12u1 ;;   # bookworm
        3.10.13) echo 3.10.13-0+deb13u1 ;;  # trixie
        *) echo "unsupported Postfix version $1 (3.7.11 or 3.10.13)" >&2; return 1 ;;
    esac
}
