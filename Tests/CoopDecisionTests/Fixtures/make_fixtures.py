#!/usr/bin/env python3
"""Makes the fixtures of CoopDecisionTests from SALib, SciPy and EMA Workbench.

    pip install SALib ema-workbench scipy pandas
    python3 make_fixtures.py        # from this folder; rewrites the files below

Files (the tests read them; no Python at test time):
  sobol_sequence.csv   scipy.stats.qmc.Sobol(d=20, scramble=False).random(256)
  ishigami_sobol.json  SALib sobol.sample/analyze on the Ishigami function (a=7, b=0.1), unscrambled
                       Sobol design with skip_values=N (N=256 design rows kept, N=256 and N=4096
                       estimates), and the analytic indices
  ishigami_morris.json SALib morris.sample (unit bounds, 4 levels, 200 trajectories) with the
                       Ishigami outputs and SALib morris.analyze statistics
  prim.json            EMA Workbench Prim(threshold=0.8, peel_alpha=0.05, paste_alpha=0.05,
                       mass_min=0.05).find_box() on a seeded data set: its data, peeling and
                       pasting trajectory and box limits
"""
import json, math, sys
import numpy as np
import pandas as pd
import scipy
from scipy.stats import qmc
import SALib
from importlib.metadata import version
from SALib.sample import sobol as sobol_sample, morris as morris_sample
from SALib.analyze import sobol as sobol_analyze, morris as morris_analyze

A, B = 7.0, 0.1

def ishigami(x):
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])

def analytic():
    v1 = 0.5 * (1 + B * math.pi ** 4 / 5) ** 2
    v2 = A ** 2 / 8
    v13 = 8 * B ** 2 * math.pi ** 8 / 225
    v = v1 + v2 + v13
    return {"first_order": [v1 / v, v2 / v, 0.0], "total": [(v1 + v13) / v, v2 / v, v13 / v], "variance": v}

versions = {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
            "SALib": version("SALib"), "ema_workbench": version("ema_workbench"), "pandas": pd.__version__}

# 1. Sobol sequence.
pts = qmc.Sobol(d=20, scramble=False).random(256)
np.savetxt("sobol_sequence.csv", pts, delimiter=",", fmt="%.17g")

# 2. Sobol indices of Ishigami.
unit = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
out = {"versions": versions, "a": A, "b": B, "analytic": analytic(), "estimates": {}}
for n in (256, 4096):
    X = sobol_sample.sample(unit, n, calc_second_order=False, scramble=False, skip_values=n)
    Y = ishigami(X * 2 * math.pi - math.pi)
    S = sobol_analyze.analyze(unit, Y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=1)
    out["estimates"][str(n)] = {"S1": S["S1"].tolist(), "S1_conf": S["S1_conf"].tolist(),
                                "ST": S["ST"].tolist(), "ST_conf": S["ST_conf"].tolist()}
    if n == 256:
        out["design_256"] = X.tolist()
with open("ishigami_sobol.json", "w") as f:
    json.dump(out, f, indent=1)

# 3. Morris on Ishigami.
X = morris_sample.sample(unit, 200, num_levels=4, seed=7)
Y = ishigami(X * 2 * math.pi - math.pi)
S = morris_analyze.analyze(unit, X, Y, num_levels=4, num_resamples=1000, conf_level=0.95, seed=7)
with open("ishigami_morris.json", "w") as f:
    json.dump({"versions": versions, "levels": 4, "points": X.tolist(), "outputs": Y.tolist(),
               "mu": S["mu"].tolist(), "mu_star": S["mu_star"].tolist(), "sigma": S["sigma"].tolist(),
               "mu_star_conf": S["mu_star_conf"].tolist()}, f, indent=1)

# 4. PRIM (EMA Workbench) on a seeded data set: failures concentrated where x1 > 0.6 and x2 < 0.4,
#    with 10% of the labels flipped at random; x3 is noise.
from ema_workbench.analysis import prim
rng = np.random.default_rng(20241)
n = 1000
x = pd.DataFrame({"x1": rng.uniform(0, 1, n), "x2": rng.uniform(0, 1, n), "x3": rng.uniform(0, 1, n)})
y = ((x.x1 > 0.6) & (x.x2 < 0.4)).to_numpy()
flip = rng.uniform(0, 1, n) < 0.1
y = np.where(flip, ~y, y)
p = prim.Prim(x, y.astype(int), threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
box = p.find_box()
traj = box.peeling_trajectory
steps = []
for i, lims in enumerate(box.box_lims):
    steps.append({"lower": lims.loc[0].tolist(), "upper": lims.loc[1].tolist(),
                  "coverage": float(traj.coverage[i]), "density": float(traj.density[i]),
                  "mass": float(traj.mass[i]), "res_dim": int(traj.res_dim[i])})
with open("prim.json", "w") as f:
    json.dump({"versions": versions, "columns": list(x.columns), "x": [x[c].tolist() for c in x.columns],
               "y": y.astype(int).tolist(), "peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05,
               "trajectory": steps}, f, indent=1)
print("fixtures written:", len(steps), "PRIM boxes")
