#!/bin/bash
# The checks that scripts/debian-serve.sh runs inside each chroot (as
# /srv/debian-serve/checks.sh, through in-chroot.sh, in namespaces of their
# own). Everything printed is compared between Debian's chroot and the
# pfinet one, so print nothing that differs between two runs.
set -uo pipefail

serve_conf=/etc/postfix-serve   # /etc/postfix without mynetworks

case ${1:-} in
setup)
    # A copy of the installed configuration without Debian's explicit
    # mynetworks, so that postconf computes it from mynetworks_style.
    rm -rf "$serve_conf"
    cp -a /etc/postfix "$serve_conf"
    postconf -c "$serve_conf" -X mynetworks
    ;;

postfix-check)
    # postfix(1) and postfix-script report through postlog, which writes to
    # stderr only when it is a terminal: run it on a pty (script(1)).
    # Debian's postfix-script also copies /etc/services, /etc/hosts etc.
    # into the spool directory's chroot (smtpd runs chrooted) when they
    # differ, and says so; in a fresh chroot nothing has started Postfix
    # yet (policy-rc.d), so the first check does that: it is shown, the
    # second one must print nothing.
    for run in first second; do
        out=$(script -qec 'postfix check' /dev/null | tr -d '\r'); rc=$?
        printf '%s\n' "== $run postfix check: exit $rc"
        [ -z "$out" ] || printf '%s\n' "$out"
    done
    ;;

postmap)
    # A cidr table with IPv4 and IPv6 rules, negation, if/endif (nested,
    # negated, upper case, one left open: warning) and rules with host bits
    # set (warning, skipped); after tests/cli.rs's table.
    cat >/etc/postfix/test.cidr <<'CIDR'
# a comment
192.0.2.0/24 inside
if 10.0.0.0/8
10.1.0.0/16 ten-one
IF ![10.2.0.0/16]
10.0.0.0/8 ten-not-two
endif
endif
[2001:db8::]/32 v6
1.2.3.4/24 bad
[2001:db8::1]/16 bad6
if [2001:db9::]/32
2001:db9:0:1::/64 db9-one
endif
!192.0.2.0/23 not-192.0.2.0/23
!2001:db9::/32	not-db9
0.0.0.0/0 any
if ::/0
[::]/0 any6
CIDR
    # Twice: as written, then (where the pfinet command is installed, with
    # pfinet's packages) with /etc/postfix/test.cidr.pfinet beside it,
    # which postmap maps instead of parsing the table: the same answers and
    # the same warnings (replayed) as Debian's parse.
    for pass in text compiled; do
        if [ $pass = compiled ] && command -v pfinet >/dev/null; then
            pfinet compile /etc/postfix/test.cidr 2>/dev/null
            [ -f /etc/postfix/test.cidr.pfinet ] || echo "== pfinet compile wrote no /etc/postfix/test.cidr.pfinet"
        fi
        for a in 192.0.2.9 192.0.3.9 10.1.2.3 10.2.2.3 10.3.2.3 1.2.3.4 \
                 2001:db8::1 2001:db9::1 2001:db9:0:1::5 2001:dba::1 ::ffff:192.0.2.9 \
                 ::1 junk '[10.1.2.3]' '[IPv6:2001:db8::1]' 2001:db8::1::2 \
                 127.0.0.1 255.255.255.255; do
            postmap -q "$a" cidr:/etc/postfix/test.cidr >/tmp/serve.out 2>/tmp/serve.err
            rc=$?
            echo "== postmap -q $a ($pass): exit $rc"
            sed 's/^/stdout: /' /tmp/serve.out
            sed 's/^/stderr: /' /tmp/serve.err
        done
    done
    rm -f /tmp/serve.out /tmp/serve.err /etc/postfix/test.cidr.pfinet
    ;;

postconf-matrix)
    # postconf -h mynetworks for every inet_protocols x mynetworks_style x
    # inet_interfaces (all, loopback-only, the list given), and -h
    # inet_protocols; stdout and stderr merged in order, and the exit code.
    # postconf sleeps a second before it exits on a fatal error: the runs
    # go in parallel, their outputs are printed in order.
    two=$2 n=0 tmp=$(mktemp -d)
    for p in all ipv4 ipv6; do
        for s in host subnet class; do
            for i in all loopback-only "$two"; do
                n=$((n + 1))
                {
                    echo "== inet_protocols=$p mynetworks_style=$s inet_interfaces=$i"
                    postconf -c "$serve_conf" -o "inet_protocols=$p" \
                        -o "mynetworks_style=$s" -o "inet_interfaces=$i" \
                        -h mynetworks 2>&1
                    echo "exit $?"
                } >"$tmp/$n" &
            done
            n=$((n + 1))
            {
                echo "== inet_protocols=$p mynetworks_style=$s: -h inet_protocols"
                postconf -c "$serve_conf" -o "inet_protocols=$p" \
                    -o "mynetworks_style=$s" -h inet_protocols 2>&1
                echo "exit $?"
            } >"$tmp/$n" &
        done
    done
    wait
    for i in $(seq "$n"); do cat "$tmp/$i"; done
    rm -rf "$tmp"
    ;;

serve)
    # The SMTP relay test's server: Debian's main.cf and master.cf with
    # the settings below (saved first, restored after), started and
    # stopped with the chroot's init script (service(8) runs
    # /etc/init.d/postfix: no systemd here); runs until the file $2
    # appears (at most 300 s).
    stop=$2
    cp -a /etc/postfix/main.cf /etc/postfix/main.cf.serve-saved
    postconf -X mynetworks
    postconf -e 'myhostname = server.example' \
        'mydestination = server.example' \
        'inet_interfaces = 192.0.2.1, [2001:db8:77:1::1]' \
        'inet_protocols = all' \
        'mynetworks_style = subnet' \
        'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination' \
        'local_recipient_maps = inline:{ user=ok }' \
        'alias_maps =' \
        'smtpd_peername_lookup = no' \
        'smtpd_error_sleep_time = 0' \
        'maillog_file = /var/log/postfix-serve.log'
    echo "mynetworks: $(postconf -h mynetworks 2>&1)"
    service postfix start >/var/log/postfix-serve.service 2>&1
    echo "service postfix start: exit $?"
    for _ in $(seq 3000); do
        [ -e "$stop" ] && break
        sleep 0.1
    done
    service postfix stop >>/var/log/postfix-serve.service 2>&1
    echo "service postfix stop: exit $?"
    mv /etc/postfix/main.cf.serve-saved /etc/postfix/main.cf
    ;;

*)
    echo "usage: checks.sh setup|postfix-check|postmap|postconf-matrix LIST|serve STOPFILE" >&2
    exit 2
    ;;
esac
