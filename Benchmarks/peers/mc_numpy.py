#!/usr/bin/env python3
"""A vectorised numpy implementation of coopsim's default model (Scenarios/model.toml).

The peer of coopsim's Monte Carlo engine in `make bench-peers`: the same equations, the same
coefficients (read from the same calibration file), the same draws x years, and the same
summaries per year and metric (mean, sd, 5/25/50/75/95th percentiles). It is written the way
an analyst would write it in numpy: arrays over all draws, one Python loop over years, numpy's
PCG64 generator and its samplers. Its random numbers differ from coopsim's (Philox streams keyed
by path), so results agree in distribution, not path by path; peers.py checks the means agree
within Monte Carlo error.

Per path the coefficients of each behavioural equation are drawn once from N(b, V); each year:

    entries  ~ NB2(mean = exp(b0 + b1 log(coops[t-1]) + b2 log1p(support) + b3 log1p(promotion)), alpha)
    exits    ~ Binomial(coops[t-1], expit(c0 + c1 log1p(support) + c2 trained_share[t-1] + c3 enforcement))
    coops    = coops[t-1] + entries - exits
    workers_per_coop  = workers_per_coop[t-1] exp(d0 + d1 log1p(support) + sigma_w z)
    trained_incumbent = expit(logit(trained_share[t-1]) + e0 + e1 training + sigma_t z)
    trained_share     = ((coops[t-1] - exits) trained_incumbent + entries entrant_trained_share) / coops
    productivity      = productivity[t-1] exp(f0 + f1 (trained_share - trained_share[t-1]) + f2 log1p(support) + sigma_p z)
    workers = coops workers_per_coop;  va = workers productivity / 1000
    grdp    = grdp[t-1] exp(grdp_growth + N(0, grdp_sd));  gdp_share = va / grdp

Usage: mc_numpy.py --draws 100000 --years 10 [--repeat 5]  (prints JSON timings)
"""
import argparse
import json
import os
import time
import tomllib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORKLOAD = os.path.join(ROOT, "Benchmarks", "peers", "mc_workload.json")
METRICS = ["entries", "exits", "coops", "workers_per_coop", "trained_incumbent", "trained_share",
           "productivity", "workers", "va", "grdp", "gdp_share"]
QUANTILES = [5, 25, 50, 75, 95]


def load_workload(path=WORKLOAD):
    with open(path) as f:
        w = json.load(f)
    with open(os.path.join(ROOT, w["calibration"]), "rb") as f:
        cal = tomllib.load(f)
    eqs = {e["name"]: e for e in cal["equations"]}
    return w, eqs


def draw_coefficients(rng, eq, draws):
    """(draws, p) coefficients from N(b, V) by the Cholesky factor of V (semidefinite allowed)."""
    b = np.asarray(eq["coefficients"], dtype=float)
    v = np.asarray(eq["covariance"], dtype=float)
    w, q = np.linalg.eigh(v)
    factor = q * np.sqrt(np.clip(w, 0, None))
    return b + rng.standard_normal((draws, b.size)) @ factor.T


def simulate(draws, years, seed=2024, workload=None):
    """Runs the model; returns {metric: (years, 7) array of mean, sd, p05, p25, p50, p75, p95}."""
    w, eqs = workload or load_workload()
    rng = np.random.default_rng(seed)
    x = w["exogenous"]
    obs = w["observed"]
    ls, lp = np.log1p(x["support"]), np.log1p(x["promotion"])
    be = draw_coefficients(rng, eqs["entries"], draws)
    bx = draw_coefficients(rng, eqs["exits"], draws)
    bw = draw_coefficients(rng, eqs["workers_per_coop"], draws)
    bt = draw_coefficients(rng, eqs["trained_incumbent"], draws)
    bp = draw_coefficients(rng, eqs["productivity"], draws)
    alpha = eqs["entries"]["alpha"]
    sw, st, sp = (eqs[n]["sigma"] for n in ("workers_per_coop", "trained_incumbent", "productivity"))
    # Year-invariant parts of the linear predictors (levers are constant in the workload).
    e_const = be[:, 0] + be[:, 2] * ls + be[:, 3] * lp
    x_const = bx[:, 0] + bx[:, 1] * ls + bx[:, 3] * x["enforcement"]
    w_const = bw[:, 0] + bw[:, 1] * ls
    t_const = bt[:, 0] + bt[:, 1] * x["training"]
    p_const = bp[:, 0] + bp[:, 2] * ls

    coops = np.full(draws, float(obs["coops"]))
    wpc = np.full(draws, float(obs["workers_per_coop"]))
    share = np.full(draws, float(obs["trained_share"]))
    prod = np.full(draws, float(obs["productivity"]))
    grdp = np.full(draws, float(obs["grdp"]))
    out = {m: np.empty((years, 7)) for m in METRICS}
    for t in range(years):
        mu = np.exp(e_const + be[:, 1] * np.log(coops))
        entries = rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mu)).astype(float)
        p_exit = 1.0 / (1.0 + np.exp(-(x_const + bx[:, 2] * share)))
        exits = rng.binomial(coops.astype(np.int64), p_exit).astype(float)
        new_coops = coops + entries - exits
        wpc = wpc * np.exp(w_const + sw * rng.standard_normal(draws))
        incumbent = 1.0 / (1.0 + np.exp(-(np.log(share / (1.0 - share)) + t_const + st * rng.standard_normal(draws))))
        new_share = ((coops - exits) * incumbent + entries * x["entrant_trained_share"]) / new_coops
        prod = prod * np.exp(p_const + bp[:, 1] * (new_share - share) + sp * rng.standard_normal(draws))
        coops, share = new_coops, new_share
        workers = coops * wpc
        va = workers * prod / 1000.0
        grdp = grdp * np.exp(x["grdp_growth"] + x["grdp_sd"] * rng.standard_normal(draws))
        values = {"entries": entries, "exits": exits, "coops": coops, "workers_per_coop": wpc,
                  "trained_incumbent": incumbent, "trained_share": share, "productivity": prod,
                  "workers": workers, "va": va, "grdp": grdp, "gdp_share": va / grdp}
        for m in METRICS:
            v = values[m]
            out[m][t, 0] = v.mean()
            out[m][t, 1] = v.std(ddof=1) if draws > 1 else 0.0
            out[m][t, 2:] = np.percentile(v, QUANTILES)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    workload = load_workload()
    simulate(min(a.draws, 1000), a.years, a.seed, workload)  # warm-up
    times = []
    result = None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        result = simulate(a.draws, a.years, a.seed, workload)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"draws": a.draws, "years": a.years, "numpy_mc": times,
                      "coops_mean_last_year": result["coops"][-1, 0]}))


if __name__ == "__main__":
    main()
