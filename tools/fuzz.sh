#!/usr/bin/env bash
# Fuzzes every catalogue importer and feed-field parser for a bounded time (issue 7) and keeps what it finds.
#
#   tools/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      default: 30 s each, every target
#
# With a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`), runs libFuzzer with AddressSanitizer on the
# fuzz/ crate (which depends on crates/catalogue alone). Without them (stable only), falls back to the seeded
# mutation fuzzer in tests/fuzz_regressions.rs, which calls the same target functions (fuzz/targets.rs).
#
# Either way, crashing inputs are copied to tests/fixtures/fuzz/<target>/ and replayed by
# `cargo test --test fuzz_regressions` from then on. The seed corpus lives there too; libFuzzer's growing corpus
# stays in fuzz/corpus/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
shift || true
# engine_api (score/complete/judge/undo with arbitrary ids and SKUs) builds the whole app: `--features engine`.
all=(feed_csv feed_tsv feed_jsonl feed_xml parse_price parse_in_stock engine_api)
targets=("${@:-${all[@]}}")
fixtures=tests/fixtures/fuzz

if cargo +nightly --version >/dev/null 2>&1 && cargo fuzz --version >/dev/null 2>&1 && [ -z "${FUZZ_STABLE:-}" ]; then
    echo "libFuzzer (cargo +nightly fuzz), ${secs}s per target"
    (cd fuzz && cargo +nightly fuzz build -O --features engine)
    found=0
    for t in "${targets[@]}"; do
        mkdir -p "fuzz/corpus/$t" "$fixtures/$t"
        # The seeds and past crashes join the run; new inputs go to fuzz/corpus/$t. A crash stops libFuzzer, so
        # keep going until the time is used up, collecting each crash.
        end=$((SECONDS + secs))
        while [ $SECONDS -lt $end ]; do
            left=$((end - SECONDS))
            if (cd fuzz && cargo +nightly fuzz run -O --features engine "$t" "corpus/$t" "../$fixtures/$t" -- \
                -max_total_time="$left" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
                >"target/fuzz-$t.log" 2>&1); then
                break
            fi
            saved=0
            for c in fuzz/artifacts/"$t"/*; do
                [ -f "$c" ] || continue
                saved=1
                cp "$c" "$fixtures/$t/$(basename "$c")"
                rm "$c"
                found=$((found + 1))
                echo "  $t: crash saved to $fixtures/$t/$(basename "$c")"
            done
            grep -E "panicked|ERROR|SUMMARY" "fuzz/target/fuzz-$t.log" | head -3 || true
            [ "$saved" -eq 1 ] || { echo "$t: libFuzzer failed without a crash input; see fuzz/target/fuzz-$t.log"; break; }
        done
        echo "$t: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "fuzz/target/fuzz-$t.log" | grep -Eo '[0-9]+$' || echo '?') runs, corpus $(ls "fuzz/corpus/$t" | wc -l) inputs"
    done
    echo "crashes found: $found (replay: cargo test --test fuzz_regressions)"
    [ "$found" -eq 0 ]
else
    echo "no nightly cargo-fuzz: stable mutation fuzzer (tests/fuzz_regressions.rs), ${secs}s per target"
    FUZZ_SECONDS="$secs" FUZZ_TARGETS="$(IFS=,; echo "${targets[*]}")" \
        cargo test --test fuzz_regressions -- --ignored --nocapture mutation_fuzz
fi
