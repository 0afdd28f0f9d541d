#!/usr/bin/env python3
"""Converts a coopsim workbook with LibreOffice (headless) and checks what LibreOffice read.

Usage: check_workbook_soffice.py WORKBOOK.xlsx RUN_FOLDER

Runs `soffice --headless --convert-to csv` on the workbook, every sheet to its own CSV (filter
option 12 = -1, LibreOffice 7.2 and later), cell contents not "as shown" (full precision), UTF-8,
with a private user profile in a temporary folder (no state left behind, no clash with another
LibreOffice). Then, for each *.csv of the run folder, the sheet of the same name must hold the same
cells as read by Python's csv module: numbers equal to the CSV's within 1e-14 relative (LibreOffice
reads the workbook's 16 significant digits and writes 15: 5e-15 at most), text equal (Vietnamese
included), empty cells empty. A sheet LibreOffice could not read, or a conversion that fails, is
an error. Prints a one-line summary; exit 1 with the first mismatches otherwise.
"""
import csv
import glob
import os
import shutil
import subprocess
import sys
import tempfile


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def main(book, folder):
    soffice = shutil.which("soffice")
    if soffice is None:
        print("soffice not found (scripts/setup.sh installs libreoffice-calc-nogui)", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="coopsim-soffice-")
    try:
        profile = "file://" + os.path.join(work, "profile")
        out = os.path.join(work, "out")
        os.mkdir(out)
        options = "44,34,76,1,,0,false,true,false,false,false,-1"
        run = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                              "--convert-to", f"csv:Text - txt - csv (StarCalc):{options}", "--outdir", out, book],
                             capture_output=True, text=True, timeout=120)
        stem = os.path.splitext(os.path.basename(book))[0]
        converted = {os.path.basename(p)[len(stem) + 1:-4]: p for p in glob.glob(os.path.join(out, stem + "-*.csv"))}
        if run.returncode != 0 or not converted:
            print(f"soffice failed (status {run.returncode}): {run.stdout.strip()} {run.stderr.strip()}", file=sys.stderr)
            return 1
        problems, cells, worst = [], 0, 0.0
        tables = sorted(f for f in os.listdir(folder) if f.endswith(".csv"))
        for f in tables:
            name = f[:-4]
            if name not in converted:
                problems.append(f"LibreOffice wrote no sheet {name!r} (sheets: {sorted(converted)})")
                continue
            with open(os.path.join(folder, f), newline="", encoding="utf-8-sig") as fh:
                want_rows = list(csv.reader(fh))
            with open(converted[name], newline="", encoding="utf-8") as fh:
                got_rows = [r for r in csv.reader(fh)]
            while got_rows and not any(got_rows[-1]):
                got_rows.pop()
            if len(got_rows) != len(want_rows):
                problems.append(f"{name}: LibreOffice read {len(got_rows)} rows, the CSV has {len(want_rows)}")
            for r, (want, got) in enumerate(zip(want_rows, got_rows), start=1):
                for c, w in enumerate(want):
                    g = got[c] if c < len(got) else ""
                    cells += 1
                    where = f"{name} row {r} column {c + 1}"
                    if w in ("", "NA"):
                        if g != "":
                            problems.append(f"{where}: expected an empty cell, got {g!r}")
                        continue
                    wn, gn = number(w), number(g)
                    if wn is not None and gn is not None:
                        rel = abs(gn - wn) / abs(wn) if wn != 0 else abs(gn)
                        worst = max(worst, rel)
                        if rel > 1e-14:
                            problems.append(f"{where}: LibreOffice read {g!r}, the CSV has {w!r}")
                    elif g != w:
                        problems.append(f"{where}: LibreOffice read {g!r}, the CSV has {w!r}")
                    if len(problems) > 20:
                        break
        if problems:
            print("\n".join(problems[:20]), file=sys.stderr)
            return 1
        print(f"ok: LibreOffice converted {len(converted)} sheets; {len(tables)} tables, {cells} cells equal to the CSV files "
              f"(largest relative difference {worst:.1e})")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
