#!/usr/bin/env bash
# Every pfinet test, as CI runs it (the README's test command).
#   - formatting and lints (cargo fmt, clippy -D warnings, for each feature set
#     sys_defs.h gives on Linux plus SIOCGLIF, with and without postfix; their
#     unit tests),
#     cargo doc without a warning, and the build with Debian's Rust 1.85
#     (scripts/msrv-check.sh)
#   - cargo test: Rust unit tests, the header check, the C tests against
#     stock Postfix (built from Debian's source package on first use), the
#     differential test, and (root) the network-namespace tests; the C tests
#     build the other library variants (no IPv6, Postfix host binding)
#     themselves. Also the robustness tests: ASan+UBSan and valgrind runs
#     (memcheck), the panic boundary, impossible arguments (misuse), fault
#     injection (faults, root) and the thread stress test (threads).
#   - Postfix 3.7.11, 3.8.6, 3.10.13 and 3.11.6 built with pfinet (patches/;
#     3.8.6 and 3.11.6 from the tarballs in $PFINET_POSTFIX_SOURCES, default
#     ../shared/postfix-src beside the repository): stock and patched trees
#     (scripts/postfix-pfinet.sh, before cargo test, which only builds);
#     on those trees, in cargo test, Postfix's own unit tests
#     (tests/postfix_unit_tests.rs), postmap -q on random cidr tables
#     (tests/postfix_cidr_tables.rs), the nm/ld proof of the swap and
#     postconf mynetworks stock vs patched (tests/postfix_pfinet.rs); the
#     struct layouts against each stock tree's headers (tests/layout.rs);
#     and 3.10.13 built shared as distributions do
#     (tests/postfix_shared.rs).
#   - the differential fuzz targets (fuzz/), each for 5 s (scripts/fuzz.sh),
#     with the stock side from the oldest and from the newest release.
#   - Debian's postfix packages for trixie and bookworm rebuilt with pfinet
#     (scripts/debian-package.sh) and checked installed
#     (scripts/debian-serve.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PFINET_POSTFIX_SOURCES=${PFINET_POSTFIX_SOURCES:-$PWD/../shared/postfix-src}

bash scripts/apt-setup.sh
bash scripts/stock-postfix.sh >/dev/null

cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --all-features -- -D warnings
cargo clippy --lib --features test_panic_hook -- -D warnings
# Every feature set Postfix's sys_defs.h gives on Linux (glibc >= 2.4: the
# default; -DNO_IPV6: none; glibc < 2.4: /proc/net/if_inet6), and
# Solaris's SIOCGLIF method (its code runs on Linux against faked ioctls),
# each with and without the Postfix host binding: clippy on every target;
# the unit tests standalone (the postfix binding's need Postfix's msg_*,
# so that library is only built; tests/c_tests.rs links it with Postfix).
feature_sets=("has_ipv6,have_getifaddrs" "" "emulated_ss_family" "has_ipv6,has_procnet_ifinet6" "has_ipv6,has_siocglif")
for set in "${feature_sets[@]}"; do
    for host in "" postfix; do
        features=$set${host:+${set:+,}$host}
        cargo clippy --all-targets --no-default-features --features "$features" -- -D warnings
    done
done
# Every public item documented, no broken doc links.
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --quiet
# The library and the command built with Debian's Rust 1.85 (rust-version).
bash scripts/msrv-check.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Postfix built with pfinet, every supported release (POSTFIX_VERSIONS):
# the stock and patched trees that tests/postfix_unit_tests.rs,
# tests/postfix_cidr_tables.rs, tests/postfix_pfinet.rs and
# tests/postfix_netns.rs check (cargo test, below).
# A release whose source cannot be had here (postfix-pfinet.sh exit 3: no
# tarball in $PFINET_POSTFIX_SOURCES) is left out of every check and counted
# in the last line; with PFINET_REQUIRE_ALL_RELEASES set (.ci/run) it fails
# the run.
. scripts/postfix-versions.sh
checked=() unchecked=()
for version in $POSTFIX_VERSIONS; do
    rc=0
    bash scripts/postfix-pfinet.sh --version "$version" 2>&1 | tee -a "$log" || rc=$?
    case $rc in
        0) checked+=("$version") ;;
        3)
            if [ -n "${PFINET_REQUIRE_ALL_RELEASES:-}" ]; then
                echo "test.sh: Postfix $version: its source cannot be had, and every release must be checked" >&2
                exit 1
            fi
            echo "test.sh: Postfix $version NOT CHECKED: its source cannot be had here" >&2
            unchecked+=("$version") ;;
        *) exit "$rc" ;;
    esac
done
[ ${#checked[@]} -gt 0 ] || { echo "test.sh: no Postfix release could be checked" >&2; exit 1; }
export PFINET_POSTFIX_RELEASES="${checked[*]}"
# The feature sets above: unit tests (the default's run with cargo test
# below), and each library with the postfix binding built (in a target dir
# of its own: target/debug/libpfinet.so stays the default one the tests use).
for set in "${feature_sets[@]:1}"; do
    cargo test --lib --no-default-features --features "$set" 2>&1 | tee -a "$log"
done
for set in "${feature_sets[@]}"; do
    cargo build --quiet --lib --no-default-features --features "$set${set:+,}postfix" --target-dir target/features
done
# Includes, on the trees postfix-pfinet.sh built above (every release
# checked): Postfix's unit tests (tests/postfix_unit_tests.rs), the cidr
# tables (tests/postfix_cidr_tables.rs), the nm/ld proof and postconf
# mynetworks (tests/postfix_pfinet.rs); their release-check lines feed the
# summary at the end.
cargo test -- --nocapture 2>&1 | tee -a "$log"

# Differential fuzzing, bounded: build, then each target for 5 s.
bash scripts/fuzz.sh --seconds 5 --postfix-version "${checked[0]}" 2>&1 | tee -a "$log"
bash scripts/fuzz.sh --seconds 5 --postfix-version "${checked[-1]}" 2>&1 | tee -a "$log"

# Debian's own postfix packages rebuilt with pfinet (trixie 3.10.13,
# bookworm 3.7.11): offline in a clean chroot with the suite's Rust 1.85,
# lintian against Debian's, then installed in fresh chroots and serving
# mail exactly as Debian's unmodified packages (debian-serve prints
# "debian-serve: N passed, M failed").
for suite in trixie bookworm; do
    out=.cache/debian-out/$suite
    rm -rf "$out"
    DEB_BUILD_OPTIONS=parallel=2 bash scripts/debian-package.sh --suite "$suite" --out "$out" --lintian
    bash scripts/debian-serve.sh --suite "$suite" --debs "$out" 2>&1 | tee -a "$log"
done

# Each release's checks, each with its counts (a check that failed stopped
# the run above; one that printed no line did not run, and fails it here).
checks=("unit tests" "cidr tables" "nm/ld" "postconf mynetworks" "struct layouts"
        "postconf in namespaces" "SMTP relay" "index differential" "index differential (namadr)"
        "pfinet match --postfix-version")
echo
echo "== Postfix releases"
missing=0
for version in "${checked[@]}"; do
    echo "Postfix $version:"
    for c in "${checks[@]}"; do
        line=$(grep -F "release-check: Postfix $version: $c: " "$log" | head -n1)
        if [ -n "$line" ]; then
            echo "  ${line#release-check: Postfix $version: }"
        else
            echo "  $c: NOT RUN"
            missing=$((missing + 1))
        fi
    done
done
[ "$missing" -eq 0 ] || { echo "test.sh: $missing per-release checks did not run" >&2; exit 1; }

# One closing line for all of it (set -o pipefail made any failure fatal).
awk -v checked="${#checked[@]}" -v unchecked="${#unchecked[@]}" -v list="${checked[*]}" -v left="${unchecked[*]}" \
    '/^test result:/ { p += $4; f += $6 }
     /^debian-serve: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "total: %d passed, %d failed; Postfix releases checked: %d (%s), not checked: %d%s\n",
                  p, f, checked, list, unchecked, unchecked ? " (" left ")" : "" }' "$log"
