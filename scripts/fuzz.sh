#!/usr/bin/env bash
# Runs each libFuzzer target of Fuzz/ for SECONDS (default 10) on a copy of its seed corpus.
# Usage: scripts/fuzz.sh [SECONDS]   (make fuzz builds the targets first)
# New inputs libFuzzer finds go to a temporary folder (Fuzz/Corpus/ stays as committed); a crash
# is saved as out/fuzz/crash-<target>-* and the script exits 1. Not part of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
bin=Fuzz/.build/debug
mkdir -p out/fuzz
status=0
for target in csv toml formula; do
    work=$(mktemp -d)
    cp Fuzz/Corpus/"$target"/* "$work"/
    echo "== fuzz-$target: ${seconds}s"
    if ! "$bin/fuzz-$target" "$work" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="out/fuzz/crash-$target-" 2> "out/fuzz/$target.log"; then
        status=1
        echo "fuzz-$target found a failure: see out/fuzz/$target.log and out/fuzz/crash-$target-*" >&2
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "out/fuzz/$target.log" | sed 's/^/   /'
    echo "   corpus: $(ls Fuzz/Corpus/$target | wc -l) seeds -> $(ls "$work" | wc -l) inputs"
    rm -rf "$work"
done
exit $status
