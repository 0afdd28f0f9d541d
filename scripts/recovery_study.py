"""Parameter recovery of the default model over many synthetic panels (Guides/Models.md, "Recovery").

For seeds S0 .. S0+R-1: `coopsim synth` draws a panel from Scenarios/model.toml with the known
coefficients of Scenarios/truth.toml (trained_incumbent kept, so the model is exactly the data's
law), `coopsim calibrate` fits it (cluster-robust covariance by region), and the nominal 95%
interval b +- 1.959964 se is checked against the truth, per coefficient. Prints the coverage per
coefficient and pooled by equation, with the binomial standard error of each rate.

Usage (from the repository root, after a release build):
    python3 scripts/recovery_study.py .build/release/coopsim [REPLICATIONS=200] [REGIONS=40] [YEARS=2010:2023]
Needs only the Python standard library.
"""
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib

bin_ = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
regions = sys.argv[3] if len(sys.argv) > 3 else "40"
years = sys.argv[4] if len(sys.argv) > 4 else "2010:2023"
z = 1.959963984540054

with open("Scenarios/truth.toml", "rb") as f:
    truth = tomllib.load(f)
text = open("Scenarios/truth.toml", encoding="utf-8").read()
text = re.sub(r'^omit = .*$', 'omit = []', text, flags=re.M)
covered, total = {}, {}
with tempfile.TemporaryDirectory() as tmp:
    tpath = os.path.join(tmp, "truth.toml")
    open(tpath, "w", encoding="utf-8").write(text)
    for r in range(reps):
        seed = 20_261_125 + r
        panel, cal = os.path.join(tmp, f"p{r}.csv"), os.path.join(tmp, f"c{r}.toml")
        subprocess.run([bin_, "synth", "--model", "Scenarios/model.toml", "--truth", tpath, "--regions", regions,
                        "--years", years, "--seed", str(seed), "--out", panel], check=True, capture_output=True)
        subprocess.run([bin_, "calibrate", panel, "--model", "Scenarios/model.toml", "--out", cal],
                       check=True, capture_output=True)
        with open(cal, "rb") as f:
            c = tomllib.load(f)
        for eq in c["equations"]:
            t = truth["equations"][eq["name"]]["coefficients"]
            for j, term in enumerate(eq["terms"]):
                se = math.sqrt(eq["covariance"][j][j])
                key = (eq["name"], term)
                total[key] = total.get(key, 0) + 1
                covered[key] = covered.get(key, 0) + (abs(eq["coefficients"][j] - t[term]) <= z * se)
        os.remove(panel); os.remove(cal)
by_eq = {}
print(f"coverage of nominal 95% intervals over {reps} panels of {regions} regions, years {years}")
for key in total:
    rate = covered[key] / total[key]
    print(f"  {key[0]:18s} {key[1]:22s} {covered[key]:4d}/{total[key]}  {rate:.3f} (se {math.sqrt(rate * (1 - rate) / total[key]):.3f})")
    a = by_eq.setdefault(key[0], [0, 0]); a[0] += covered[key]; a[1] += total[key]
print("pooled by equation:")
for name, (c, n) in by_eq.items():
    print(f"  {name:18s} {c}/{n} = {c / n:.3f}")
c = sum(covered.values()); n = sum(total.values())
print(f"pooled, all: {c}/{n} = {c / n:.3f}")
