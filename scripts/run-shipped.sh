#!/usr/bin/env bash
# `make run`: runs every shipped scenario into out/, compares each plan with its baseline,
# and writes reports. Usage: scripts/run-shipped.sh PATH/TO/coopsim
set -euo pipefail
bin=${1:-.build/release/coopsim}
cd "$(dirname "$0")/.."
"$bin" run --out out
for pair in "hcmc-baseline hcmc-2024-plan" "haiphong-baseline haiphong-2014-plan" \
            "national-baseline national-20nqtw" "province-2023-baseline province-2023-plan" \
            "haugiang-baseline haugiang-2021-plan"; do
  set -- $pair
  "$bin" compare "Scenarios/$1.toml" "Scenarios/$2.toml" --out "out/compare-$2"
  "$bin" report "out/compare-$2" --format html --out "out/compare-$2/report.html"
done
"$bin" report out --format html --out out/report.html
echo "make run: results in out/ (summary.csv, targets.csv, run.json, report.html) and out/compare-*/ (compare.csv, report.html)" >&2
