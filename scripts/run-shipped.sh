#!/usr/bin/env bash
# `make run`: runs every shipped scenario into out/shipped/, compares each plan with its baseline
# into out/shipped/compare-PLAN/, and writes reports. It writes only under out/shipped/, so the
# folders of the README's first session (out/hcmc, out/hcmc-compare) and anything else in out/
# are never touched, however often it runs.
# Usage: scripts/run-shipped.sh PATH/TO/coopsim [WORKDIR]   (WORKDIR holds Scenarios/; default: the repository)
set -euo pipefail
bin=$(realpath "${1:-.build/release/coopsim}")
cd "${2:-$(dirname "$0")/..}"
dest=out/shipped
mkdir -p "$dest"
"$bin" run --out "$dest/all"
for pair in "hcmc-baseline hcmc-2024-plan" "haiphong-baseline haiphong-2014-plan" \
            "national-baseline national-20nqtw" "province-2023-baseline province-2023-plan" \
            "haugiang-baseline haugiang-2021-plan"; do
  set -- $pair
  "$bin" compare "Scenarios/$1.toml" "Scenarios/$2.toml" --out "$dest/compare-$2"
  "$bin" report "$dest/compare-$2" --format html --out "$dest/compare-$2/report.html"
done
"$bin" report "$dest/all" --format html --out "$dest/all/report.html"
echo "make run: results in $dest/all/ (summary.csv, targets.csv, run.json, report.html) and $dest/compare-*/ (compare.csv, report.html)" >&2
