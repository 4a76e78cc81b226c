#!/usr/bin/env bash
# Runs every fuzz target for a short time and fails on any crash, printing the crashing input.
#
#   fuzz/run.sh [seconds-per-target]     (default 20)
#
# Needs a nightly toolchain (cargo-fuzz builds with sanitizers, which only nightly offers); it
# fails, never skips, without one. Installs cargo-fuzz when missing. Targets run one after
# another (one process at a time), each from its committed seeds (corpus/<target>/seed-*);
# what a run adds to the corpus goes to a temporary directory, so the checkout stays clean.
# Crashes land in fuzz/artifacts/<target>/. The long campaign is described in fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-20}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
    printf 'fuzz/run.sh: seconds per target must be a positive whole number, not %q\n' "$seconds" >&2
    exit 2
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
    printf 'fuzz/run.sh: no nightly toolchain: cargo-fuzz needs one for its sanitizers.\n' >&2
    printf 'Install it with: rustup toolchain install nightly\n' >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    printf '\n==> cargo install cargo-fuzz --locked\n'
    cargo install cargo-fuzz --locked
fi

# Debug assertions on: integer overflow and debug_assert! count as crashes too.
printf '\n==> cargo +nightly fuzz build --debug-assertions\n'
cargo +nightly fuzz build --debug-assertions

grown=$(mktemp -d)
trap 'rm -rf "$grown"' EXIT
failed=()
for target in $(cargo +nightly fuzz list); do
    printf '\n==> %s (%s s)\n' "$target" "$seconds"
    mkdir -p "$grown/$target" "artifacts/$target"
    log="$grown/$target.log"
    # -timeout: an input taking over 10 s is a hang, reported like a crash.
    if cargo +nightly fuzz run --debug-assertions "$target" "$grown/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^(stat::number_of_executed_units|Done [0-9]+ runs)' "$log" || true
        continue
    fi
    failed+=("$target")
    # libFuzzer's report, without its progress lines: the panic message, the stack, and
    # where the input was written.
    grep -v -E '^(#[0-9]+\s+(pulse|NEW|REDUCE|INITED|RELOAD|DONE)|INFO:)' "$log" >&2 || true
    artifact=$(sed -n -E 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
    if [[ -n $artifact && -f $artifact ]]; then
        printf '\ncrashing input of %s: %s (%s bytes), in hex:\n' \
            "$target" "$artifact" "$(wc -c <"$artifact")" >&2
        od -A d -t x1 -v "$artifact" >&2
        printf 'reproduce: cd fuzz && cargo +nightly fuzz run %s %s\n' "$target" "$artifact" >&2
    else
        printf '\n%s failed without writing a crashing input; its log is above.\n' "$target" >&2
    fi
done

if ((${#failed[@]})); then
    printf '\nfuzz/run.sh: crashes in: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\nfuzz/run.sh: every target ran %s s without a crash.\n' "$seconds"
