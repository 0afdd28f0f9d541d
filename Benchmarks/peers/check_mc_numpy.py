#!/usr/bin/env python3
"""Checks that mc_numpy.py simulates the same model as `coopsim run`, within Monte Carlo error.

Runs `coopsim run SCENARIO --draws N` and `mc_numpy.py SCENARIO --draws N` (different random
numbers: coopsim's keyed Philox streams, numpy's Philox generator) and compares:

  * the levers and assumptions of every year (coopsim's levers.csv against the peer's reading of
    the scenario): equal;
  * every metric-year mean of summary.csv: z = (m1 - m2) / sqrt(se1^2 + se2^2) with each side's
    Monte Carlo standard error sd / sqrt(N); |z| > Z fails. Both sides independent and N large,
    z is standard normal under the same model: with Z = 4.5 and 231 metric-years (33 metrics x 7
    years on the Hai Phong plan) the expected number of false alarms is 231 x 6.8e-6 = 0.0016;
  * every evaluated target's probability: z = (p1 - p2) / sqrt(p (1 - p) 2 / N), p pooled
    (binomial error; 0 when both are 0 or both 1), the same threshold;
  * every metric-year variance, where s^2 is near normal (both sd's above 0 and the peer's
    kurtosis below N / 100, i.e. not a rare event): z = (s1^2 - s2^2) / sqrt(2 (mu4 - s2^4) / N)
    with the peer's fourth central moment mu4 (delta method; the same threshold, nominal: the
    normal approximation of s^2 is rougher than that of a mean). This is the test that sees the
    parameter uncertainty: a peer with coefficients fixed at beta_hat gave |z| = 12 at 200,000
    draws, one with 1.5 x V_hat 5.8, while every mean stayed within 3.4;
  * as information only (not a test): the largest relative difference of the sd's.

Usage (from the repository root, after a release build):
    python3 Benchmarks/peers/check_mc_numpy.py [SCENARIO] [--draws 20000] [--bin .build/release/coopsim] [--z 4.5]
Exit status 0 when everything agrees, 1 otherwise; prints the worst z of each kind.
"""
import argparse
import csv
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import mc_numpy  # noqa: E402


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def normal_two_sided(z):
    return math.erfc(z / math.sqrt(2))


def compare(cs, npy, plan, n, zmax=4.5, fourth=None):
    """Compares coopsim's run folder `cs` with the peer's `npy` (both at n draws); returns a dict
    with the failures (empty when they agree), the worst z and a printable report. With `fourth`
    ({(metric, year): the peer's fourth central moment}) the variances are compared too."""
    failures, input_failures = [], []

    # 1. Inputs: levers and assumptions, year by year.
    years = set(plan["years"].tolist())
    compared_inputs = 0
    for row in read_csv(os.path.join(cs, "levers.csv")):
        if int(row["year"]) not in years:
            continue
        mine = plan["exogenous"][row["name"]][int(row["year"]) - int(plan["years"][0])]
        compared_inputs += 1
        if abs(mine - float(row["value"])) > 1e-12 * max(1.0, abs(mine)):
            input_failures.append(f"{row['name']} {row['year']}: coopsim {row['value']}, peer {mine!r}")
    expected_inputs = len(plan["exogenous"]) * len(plan["years"])
    if compared_inputs != expected_inputs:
        input_failures.append(f"levers.csv has {compared_inputs} lever/assumption-years, the peer {expected_inputs}")

    # 2. Means of every metric-year.
    c = {(row["metric"], row["year"]): row for row in read_csv(os.path.join(cs, "summary.csv"))}
    p = {(row["metric"], row["year"]): row for row in read_csv(os.path.join(npy, "summary.csv"))}
    if set(c) != set(p):
        failures.append(f"metric-years differ: only coopsim {sorted(set(c) - set(p))[:5]}, only peer {sorted(set(p) - set(c))[:5]}")
    zs, sd_rel, vz = [], [], []
    v_skipped = 0
    for key in sorted(set(c) & set(p)):
        m1, m2 = float(c[key]["mean"]), float(p[key]["mean"])
        s1, s2 = float(c[key]["sd"]), float(p[key]["sd"])
        se = math.sqrt((s1 * s1 + s2 * s2) / n)
        z = 0.0 if se == 0 and m1 == m2 else (math.inf if se == 0 else (m1 - m2) / se)
        zs.append((abs(z), z, key, m1, m2))
        if max(s1, s2) > 0:
            sd_rel.append((abs(s1 - s2) / max(s1, s2), key, s1, s2))
        if fourth is not None:
            # Var(s^2) ~ (mu4 - sigma^4) / n on each side (same model: the peer's moments for both).
            # s^2 is near normal only when many paths make it: a rare event (kurtosis mu4 / sigma^4
            # above n / 100: fewer than ~100 paths away from the mode) or an sd of 0 is not tested.
            if s1 == 0 or s2 == 0 or fourth[key] / s2 ** 4 > n / 100:
                if s1 != s2:
                    v_skipped += 1
                continue
            spread = 2 * max(fourth[key] - s2 ** 4, 0.0) / n
            zv = (s1 * s1 - s2 * s2) / math.sqrt(spread) if spread > 0 else (0.0 if s1 == s2 else math.inf)
            vz.append((abs(zv), zv, key, s1, s2))
            if not abs(zv) <= zmax:
                failures.append(f"sd of {key[0]} {key[1]}: coopsim {s1!r}, peer {s2!r}, z = {zv:.2f} (variances)")
        if not abs(z) <= zmax:
            failures.append(f"mean of {key[0]} {key[1]}: coopsim {m1!r}, peer {m2!r}, z = {z:.2f}")
    zs.sort(reverse=True)
    vz.sort(reverse=True)
    sd_rel.sort(reverse=True)

    # 3. Target probabilities (pooled binomial error).
    ct = {(row["metric"], row["year"], row["op"]): row for row in read_csv(os.path.join(cs, "targets.csv")) if row["probability"] != ""}
    pt = {(row["metric"], row["year"], row["op"]): row for row in read_csv(os.path.join(npy, "targets.csv"))}
    if set(ct) != set(pt):
        failures.append(f"targets differ: coopsim {sorted(ct)}, peer {sorted(pt)}")
    tz = []
    for key in sorted(set(ct) & set(pt)):
        p1, p2 = float(ct[key]["probability"]), float(pt[key]["probability"])
        pooled = (p1 + p2) / 2
        se = math.sqrt(pooled * (1 - pooled) * 2 / n)
        z = 0.0 if se == 0 else (p1 - p2) / se
        tz.append((abs(z), z, key, p1, p2, ct[key]["value"]))
        if not abs(z) <= zmax:
            failures.append(f"P({key[0]} {key[2]} {ct[key]['value']}, {key[1]}): coopsim {p1}, peer {p2}, z = {z:.2f}")
    tz.sort(reverse=True)

    k = len(zs) + len(vz) + len(tz)
    lines = [f"inputs: {compared_inputs} lever/assumption-years " + ("equal" if not input_failures else "DIFFER")]
    if zs:
        lines.append(f"means: {len(zs)} metric-years; worst |z| = {zs[0][0]:.2f} ({zs[0][2][0]} {zs[0][2][1]}: coopsim {zs[0][3]:.6g}, "
                     f"peer {zs[0][4]:.6g}); |z| > 3: {sum(1 for x in zs if x[0] > 3)}, |z| > 2: {sum(1 for x in zs if x[0] > 2)} "
                     f"(independent comparisons would give {len(zs) * normal_two_sided(3):.2f} and {len(zs) * normal_two_sided(2):.1f}; "
                     f"a metric's years are correlated)")
        lines.append("  5 largest: " + "; ".join(f"{x[2][0]} {x[2][1]} z={x[1]:+.2f}" for x in zs[:5]))
    if vz:
        lines.append(f"variances: {len(vz)} metric-years ({v_skipped} rare-event ones not tested); worst |z| = {vz[0][0]:.2f} ({vz[0][2][0]} {vz[0][2][1]}: sd coopsim "
                     f"{vz[0][3]:.6g}, peer {vz[0][4]:.6g}); |z| > 3: {sum(1 for x in vz if x[0] > 3)}")
        lines.append("  5 largest: " + "; ".join(f"{x[2][0]} {x[2][1]} z={x[1]:+.2f}" for x in vz[:5]))
    lines.append(f"target probabilities: {len(tz)}; " + "; ".join(
        f"P({x[2][0]} {x[2][2]} {x[5]}, {x[2][1]}) coopsim {x[3]:.5f} peer {x[4]:.5f} z={x[1]:+.2f}" for x in tz))
    lines.append(f"threshold |z| <= {zmax}: {k} comparisons, expected false alarms {k * normal_two_sided(zmax):.4f}")
    if sd_rel:
        s_ = sd_rel[0]
        lines.append(f"information: largest relative sd difference {s_[0]:.3%} ({s_[1][0]} {s_[1][1]}: coopsim {s_[2]:.6g}, peer {s_[3]:.6g})")
    worst = max([x[0] for x in zs] + [x[0] for x in vz] + [x[0] for x in tz] + [0.0])
    return {"failures": input_failures + failures, "worst_z": worst, "comparisons": k,
            "worst_variance_z": vz[0][0] if vz else None,
            "worst_mean": zs[0] if zs else None, "report": "\n".join(lines)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default=mc_numpy.DEFAULT_SCENARIO)
    ap.add_argument("--draws", type=int, default=20_000)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "coopsim"))
    ap.add_argument("--z", type=float, default=4.5, help="largest |z| accepted")
    ap.add_argument("--seed", type=int, help="seed of both runs (default: the scenario's)")
    ap.add_argument("--keep", help="keep both output folders under this folder")
    a = ap.parse_args()
    n = a.draws
    tmp = a.keep or tempfile.mkdtemp(prefix="coopsim-check-peer-")
    try:
        cs, npy = os.path.join(tmp, "coopsim"), os.path.join(tmp, "numpy")
        shutil.rmtree(cs, ignore_errors=True)
        seed = ["--seed", str(a.seed)] if a.seed is not None else []
        r = subprocess.run([a.bin, "run", a.scenario, "--draws", str(n), "--out", cs, *seed], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"coopsim run failed ({r.returncode}):\n{r.stderr[-2000:]}")
        plan = mc_numpy.load_plan(a.scenario)
        summary, probabilities = mc_numpy.simulate(plan, n, a.seed, fourth_moment=True)
        mc_numpy.write_outputs(npy, plan, n, summary, probabilities)
        fourth = {(m, str(int(y))): summary[m][t, 8] for m in plan["metrics"] for t, y in enumerate(plan["years"])}
        result = compare(cs, npy, plan, n, a.z, fourth)
        print(f"{a.scenario} at {n:,} draws each, seed {a.seed if a.seed is not None else 'of the scenario'} "
              f"(coopsim {a.bin}; numpy mc_numpy.py)")
        print(result["report"])
        if result["failures"]:
            print("DISAGREE:\n  " + "\n  ".join(result["failures"]))
            sys.exit(1)
        print("agree")
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
