#!/usr/bin/env bash
# Build the differential fuzz targets (fuzz/) and run each for a bounded
# time: pfinet against stock Postfix (3.7.11 unless --postfix-version says
# another supported release) in one process, under AddressSanitizer,
# LeakSanitizer and libFuzzer (see README.md, "Fuzzing").
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [--targets "T1 T2..."] [--build-only]
#                   [--postfix-version VERSION]
#
#   --seconds N   run each target for N seconds (default 10)
#   --runs N      stop each target after N executions instead (0: no limit)
#   --targets     the targets to run (default: all six)
#   --build-only  build, write the seed corpus, run nothing
#
# Any difference between stock and pfinet, crash, leak, sanitizer report
# or hang (10 s per input) stops that target and fails the script; the
# input is saved as fuzz/artifacts/<target>/crash-* (or leak-*, timeout-*).
# The corpus is fuzz/corpus/<target>/ (git-ignored): the seeds from
# scripts/fuzz_seeds.py plus what libFuzzer finds. Prints one line per
# target with its execution count, then the total.
#
# Needs clang (the stock C is built with it for ASan and coverage) and the
# Rust toolchain's sanitizer runtime; on a stable toolchain the unstable
# -Zsanitizer flag is enabled with RUSTC_BOOTSTRAP=1, as cargo-fuzz would
# on nightly. libFuzzer is clang's (libclang-rt-*-dev) when present, else
# the copy libfuzzer-sys builds.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
runs=0
targets="valid_hostaddr valid_mailhost match_hostaddr cidr_match procnet_ifinet6 inet_proto cidr_file"
build_only=
version=3.7.11
while [ $# -gt 0 ]; do
    case "$1" in
        --postfix-version) version="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --targets) targets="$2"; shift 2 ;;
        --build-only) build_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 0 ;;
        *) echo "fuzz.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done

cache=$(bash scripts/stock-postfix.sh --version "$version" | tail -n1)
export PFINET_STOCK_TREE="$cache/stock"

triple=x86_64-unknown-linux-gnu
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Zsanitizer=address \
-Cforce-frame-pointers"
libfuzzer="$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(uname -m).a"
if [ -f "$libfuzzer" ]; then
    export CUSTOM_LIBFUZZER_PATH="$libfuzzer"
fi
cargo build -q --release --target "$triple" --manifest-path fuzz/Cargo.toml --bins

python3 scripts/fuzz_seeds.py "$PFINET_STOCK_TREE" fuzz/corpus 2>/dev/null
[ -n "$build_only" ] && exit 0

bin=${CARGO_TARGET_DIR:-fuzz/target}/$triple/release
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
# Longest inputs: past Postfix's limits (hostnames 255, BUFSIZ lines 8191).
max_len() {
    case "$1" in
        procnet_ifinet6) echo 9000 ;;
        cidr_match) echo 600 ;;
        inet_proto) echo 128 ;;
        *) echo 300 ;;
    esac
}
# libFuzzer dictionaries (fuzz/dicts/).
dict() {
    case "$1" in
        inet_proto|procnet_ifinet6) echo "fuzz/dicts/$1.dict" ;;
        *) echo fuzz/dicts/addr.dict ;;
    esac
}
total=0
failed=0
for t in $targets; do
    mkdir -p "fuzz/artifacts/$t"
    start=$(date +%s)
    rc=0
    "$bin/$t" -max_total_time="$seconds" -runs="$((runs > 0 ? runs : -1))" \
        -max_len="$(max_len "$t")" -dict="$(dict "$t")" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" "fuzz/corpus/$t" >"$log/$t" 2>&1 || rc=$?
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log/$t" | tail -n1)
    n=${n:-0}
    total=$((total + n))
    secs=$(($(date +%s) - start))
    if [ "$rc" -ne 0 ]; then
        failed=1
        echo "fuzz (Postfix $version): $t: FAILED after $n runs ($secs s):"
        grep -v -E '^#[0-9]+|^INFO:|^stat::' "$log/$t" | tail -n 40
    elif [ "$n" -eq 0 ]; then
        # A target that ran nothing checked nothing: a failure, not a pass.
        failed=1
        echo "fuzz (Postfix $version): $t: FAILED: 0 executions in $secs s:"
        tail -n 20 "$log/$t"
    else
        echo "fuzz (Postfix $version): $t: $n runs in $secs s, no difference, crash or leak"
    fi
done
echo "fuzz (Postfix $version): total: $total runs"
exit "$failed"
