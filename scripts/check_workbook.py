#!/usr/bin/env python3
"""Checks a coopsim workbook against the CSV files of its run folder, read by another package.

Usage: check_workbook.py WORKBOOK.xlsx RUN_FOLDER

openpyxl reads the workbook; Python's csv module reads every *.csv of the folder. For each CSV
there must be a sheet of the same name whose first row is the CSV header, that is frozen below
the header, and whose cells equal the CSV's: a numeric cell (int or float in openpyxl) equals
float() of the CSV field to 16 significant digits (libxlsxwriter stores numbers as "%.16G";
Excel itself computes with 15; the CSV keeps all 17), that is within 6e-16 relative, a text cell equals the field (Vietnamese included, compared as
NFC-normalised bytes would be: exactly), an empty cell is an empty field. Columns that coopsim
documents as numbers must hold numbers (not text) wherever the CSV has a value. The README sheet
comes first and names every table sheet. Prints a one-line summary; exit 1 with the first
mismatches otherwise.
"""
import csv
import os
import sys

import openpyxl

# Columns written as numbers (Guides/Outputs.md): the workbook must not store them as text.
NUMERIC = {
    "summary": ["year", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mc_se"],
    "targets": ["year", "value", "probability", "mc_se"],
    "compare": ["year", "mean_diff", "sd_diff", "p05_diff", "p50_diff", "p95_diff", "prob_increase"],
    "history": ["year", "value"],
    "scenarios": ["last_observed_year", "horizon", "draws"],
    "paths": ["path", "year", "value"],
    "levers": ["year", "value"],
}


def main(book_path, folder):
    wb = openpyxl.load_workbook(book_path)  # values as stored (the workbook has no formulas)
    problems = []
    if wb.sheetnames[0] != "README":
        problems.append(f"first sheet is {wb.sheetnames[0]!r}, expected 'README'")
    readme_text = " ".join(str(c) for row in wb["README"].iter_rows(values_only=True) for c in row if c is not None)
    csv_files = sorted(f for f in os.listdir(folder) if f.endswith(".csv"))
    cells = 0
    worst = 0.0
    for f in csv_files:
        name = f[:-4]
        if name not in wb.sheetnames:
            problems.append(f"no sheet {name!r} for {f}")
            continue
        if name not in readme_text:
            problems.append(f"README sheet does not name {name!r}")
        ws = wb[name]
        with open(os.path.join(folder, f), newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        header, data = rows[0], rows[1:]
        got = list(ws.iter_rows(values_only=True))
        if ws.freeze_panes != "A2":
            problems.append(f"{name}: header not frozen (freeze_panes {ws.freeze_panes!r})")
        if list(got[0][: len(header)]) != header:
            problems.append(f"{name}: header {got[0]!r} != {header!r}")
        if len(got) - 1 != len(data):
            problems.append(f"{name}: {len(got) - 1} rows, CSV has {len(data)}")
        numeric = {header.index(c) for c in NUMERIC.get(name, []) if c in header}
        for r, (want_row, got_row) in enumerate(zip(data, got[1:]), start=2):
            for c, want in enumerate(want_row):
                have = got_row[c] if c < len(got_row) else None
                cells += 1
                where = f"{name}!{openpyxl.utils.get_column_letter(c + 1)}{r} ({header[c]})"
                if want in ("", "NA"):
                    if have is not None:
                        problems.append(f"{where}: expected an empty cell, got {have!r}")
                elif isinstance(have, (int, float)) and not isinstance(have, bool):
                    w = float(want)
                    rel = abs(float(have) - w) / abs(w) if w != 0 else abs(float(have))
                    worst = max(worst, rel)
                    if float(have) != w and (rel > 6e-16 or float(f"{w:.16G}") != float(have)):
                        problems.append(f"{where}: {have!r} != {want!r}")
                elif isinstance(have, str):
                    if c in numeric:
                        problems.append(f"{where}: a number stored as text {have!r}")
                    elif have != want:
                        problems.append(f"{where}: {have!r} != {want!r}")
                else:
                    problems.append(f"{where}: unexpected {have!r} for {want!r}")
                if len(problems) > 20:
                    break
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        return 1
    charts = sum(len(ws._charts) for ws in wb.worksheets)
    print(f"ok: {len(csv_files)} tables, {cells} cells equal to the CSV files (numbers to 16 significant digits, "
          f"largest relative difference {worst:.1e}); sheets {wb.sheetnames}; {charts} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
