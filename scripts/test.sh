#!/usr/bin/env bash
# Every pfinet test, as CI runs it (the README's test command).
#   - formatting and lints (cargo fmt, clippy -D warnings, for each feature set),
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
#     ../shared/postfix-src beside the repository): Postfix's own
#     unit tests on stock and patched trees, the nm/ld proof of the swap,
#     postconf mynetworks stock vs patched (scripts/postfix-pfinet.sh);
#     and 3.10.13 built shared as distributions do (tests/postfix_shared.rs).
#   - the differential fuzz targets (fuzz/), each for 5 s (scripts/fuzz.sh).
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
cargo clippy --lib --no-default-features -- -D warnings
cargo clippy --lib --features postfix -- -D warnings
cargo clippy --lib --features test_panic_hook -- -D warnings
# Every public item documented, no broken doc links.
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --quiet
# The library and the command built with Debian's Rust 1.85 (rust-version).
bash scripts/msrv-check.sh

# Postfix built with pfinet (also builds the trees tests/postfix_netns.rs uses).
for v in 3.7.11 3.8.6 3.10.13 3.11.6; do
    bash scripts/postfix-pfinet.sh --version "$v"
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --no-default-features --lib 2>&1 | tee -a "$log"
cargo test -- --nocapture 2>&1 | tee -a "$log"

# Differential fuzzing, bounded: build, then each target for 5 s.
bash scripts/fuzz.sh --seconds 5

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

# One closing line for all of it (set -o pipefail made any failure fatal).
awk '/^test result:/ { p += $4; f += $6 }
     /^debian-serve: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
