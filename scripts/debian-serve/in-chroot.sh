#!/usr/bin/env bash
# in-chroot.sh [--lo] [--hostname NAME] ROOT CMD [ARG...]
#
# Runs CMD chrooted into ROOT, like a small booted system: /proc, /sys, a
# fresh /dev (tmpfs with the usual nodes, its own devpts instance for
# ptys, /dev/shm). Must be called inside namespaces of its own, e.g.
#
#   unshare --uts --mount --pid --fork --kill-child [--net] in-chroot.sh ...
#   ip netns exec NS unshare --uts --mount --pid --fork --kill-child in-chroot.sh ...
#
# so that every mount made here disappears with the mount namespace and
# every process CMD leaves behind is killed when the PID namespace's first
# process (CMD, exec'd from here) exits. --lo brings the loopback link of
# the (new, empty) network namespace up, with the host's `ip`.
set -euo pipefail

lo=0 name=
while [ $# -gt 0 ]; do
    case $1 in
        --lo) lo=1; shift ;;
        --hostname) name=$2; shift 2 ;;
        *) break ;;
    esac
done
root=$1; shift
[ $# -gt 0 ] || { echo "usage: in-chroot.sh [--lo] [--hostname NAME] ROOT CMD..." >&2; exit 2; }

# Refuse to mount anything in the host's mount namespace.
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
    echo "in-chroot.sh: not in a mount namespace of its own" >&2
    exit 2
fi
mount --make-rprivate /

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t tmpfs -o mode=0755,nosuid dev "$root/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r f maj min <<<"$n"
    mknod -m 0666 "$root/dev/$f" c "$maj" "$min"
done
mkdir -m 0755 "$root/dev/pts" && mkdir -m 1777 "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

[ -z "$name" ] || hostname "$name"
[ "$lo" = 0 ] || ip link set lo up

exec chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 "$@"
