#!/bin/sh
# check.sh - pfinet's checks on a built Debian postfix tree; run from the
# top of the tree by debian/rules (override_dh_auto_test-arch, skipped with
# DEB_BUILD_OPTIONS=nocheck), after dh_auto_build and before anything is
# installed or stripped.
#
#  (a) nm: lib/libpostfix-util.so defines (dynamic symbol table) the
#      functions pfinet replaces or adds, and exports no Rust-internal
#      symbol (_ZN*, _R*, rust_*, __rust*); no other ELF file under lib/,
#      bin/ or libexec/ defines any of those names (symbol table and
#      dynamic symbol table).
#  (b) Postfix's own unit tests of the replaced modules, run in the built
#      tree against its shared libraries (the Makefiles' own SHLIB_ENV, and
#      LD_LIBRARY_PATH=<tree>/lib in the environment: SHLIB_ENV itself must
#      not be there, 3.10's namadr_list.in expands it as a command; ldd must
#      resolve libpostfix-util.so in the tree), with a
#      main.cf of their own (MAIL_CONFIG) that names users every Debian
#      system has (mail_owner mail, setgid_group news, default_privs
#      nobody), so no "postfix" user is needed.
#
# Exit status 0 only when every check passed. Output: one line per check.
set -eu
unset MAKEFLAGS MFLAGS MAKELEVEL   # the test targets run in a make of their own

tree=$(pwd)
work=$tree/pfinet/target/check
say() { echo "pfinet check: $*"; }
failures=0
fail() { echo "pfinet check: FAIL: $*"; failures=$((failures + 1)); }

# Postfix's names that pfinet defines: the replaced C functions and pfinet's
# additions for match_ops.c, dict_cidr.c and match_list.c, from pfinet's
# symbols.txt (groups "replaced" and "added").
symbols=$tree/pfinet/symbols.txt
[ -f "$symbols" ] || { fail "no $symbols"; exit 1; }
names=$(awk '{ sub(/#.*/, "") } $2 == "replaced" || $2 == "added" { print $1 }' "$symbols")
names=$(echo $names)
[ -n "$names" ] || { fail "$symbols lists no replaced or added symbol"; exit 1; }
util=lib/libpostfix-util.so

# --- (a) nm ------------------------------------------------------------------
[ -f "$util" ] || { fail "no $util (shared=yes build expected)"; exit 1; }
dyn=$(nm -D --defined-only "$util" | awk '{ print $NF }')
missing=
for s in $names; do
    echo "$dyn" | grep -qx "$s" || missing="$missing $s"
done
if [ -z "$missing" ]; then
    say "$util defines all $(echo $names | wc -w) names (nm -D --defined-only), among them inet_proto_init inet_addr_local mynetworks cidr_match_parse match_hostaddr_literal"
else
    fail "$util does not define:$missing"
fi
rust=$(echo "$dyn" | grep -E '^(_ZN|_R|rust_|__rust)' || true)
if [ -z "$rust" ]; then
    say "$util exports no Rust-internal symbol ($(echo "$dyn" | wc -l) defined dynamic symbols, none _ZN*, _R*, rust_*, __rust*)"
else
    fail "$util exports Rust-internal symbols: $(echo $rust | cut -c1-300)"
fi
n_elf=0
for f in $(find lib bin libexec -type f | sort); do
    [ "$(od -An -tx1 -N4 "$f" | tr -d ' \n')" = 7f454c46 ] || continue
    [ "$f" = "$util" ] && continue
    n_elf=$((n_elf + 1))
    defs=$({ nm --defined-only "$f" 2>/dev/null; nm -D --defined-only "$f" 2>/dev/null; } |
           awk -v names=" $names " 'index(names, " " $NF " ") { print $NF }' | sort -u)
    [ -z "$defs" ] || fail "$f defines $(echo $defs)"
done
say "no other ELF file under lib/ bin/ libexec/ ($n_elf files) defines any of them"

# --- (b) Postfix's unit tests -----------------------------------------------
rm -rf "$work"
mkdir -p "$work/conf" "$work/queue"
cat >"$work/conf/main.cf" <<CF
# written by pfinet's packaging/debian/check.sh for Postfix's unit tests
myhostname = host.example.com
mydomain = example.com
myorigin = host.example.com
queue_directory = $work/queue
mail_owner = mail
setgid_group = news
default_privs = nobody
compatibility_level = 3.6
CF
# Postfix waits for a main.cf younger than a couple of seconds.
touch -d '1 hour ago' "$work/conf/main.cf"
export MAIL_CONFIG="$work/conf"
shlib_env="LD_LIBRARY_PATH=$tree/lib"

tests="util/inet_addr_list_test util/dict_cidr_test util/dict_cidr_file_test
 util/miss_endif_cidr_test util/dict_inline_cidr_test util/valid_hostname_test
 global/namadr_list_test global/server_acl_test"
n=0
for t in $tests; do
    dir=src/${t%%/*} target=${t#*/}
    n=$((n + 1))
    if (cd "$dir" && env "$shlib_env" make -s "$target") >"$work/$target.log" 2>&1; then
        say "pass  $t"
    else
        fail "$t (make -C $dir $target):"
        tail -n 15 "$work/$target.log" | sed 's/^/    /'
    fi
done
# The test drivers ran against this tree's libraries, not installed ones.
for drv in src/util/dict_open src/util/inet_addr_list src/global/server_acl; do
    [ -x "$drv" ] || { fail "no test driver $drv"; continue; }
    where=$(env "$shlib_env" ldd "$drv" | awk '$1 == "libpostfix-util.so" { print $3 }')
    [ "$where" = "$tree/$util" ] || fail "$drv: ldd finds libpostfix-util.so at '$where', not $tree/$util"
done
say "test drivers load $tree/$util (ldd with $shlib_env)"

if [ "$failures" -eq 0 ]; then
    say "OK: nm, and $n of Postfix's unit tests of the replaced modules"
    exit 0
fi
say "$failures failure(s)"
exit 1
