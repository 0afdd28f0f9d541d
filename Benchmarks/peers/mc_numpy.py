#!/usr/bin/env python3
"""The numpy peer of `coopsim run`: today's default model (Scenarios/model.toml) on a scenario.

The peer of coopsim's Monte Carlo engine in `make bench-peers` (`peers.py --only run`). It does the
work `coopsim run SCENARIO --draws N` does, the way a numpy user would write it: arrays over all
paths, one Python loop over the years, numpy's Philox generator and its samplers, and the same
summaries per metric and year (mean, sd, 5/25/50/75/95th percentiles, Monte Carlo standard error)
and target probabilities, written as summary.csv and targets.csv. Its random numbers differ from
coopsim's (Philox streams keyed by path, year and equation), so results agree in distribution, not
path by path: check_mc_numpy.py checks every mean and target probability within Monte Carlo error.

What it reads (tomllib), so it follows the files when they change:
  * the scenario and the files it `extends` (observed values, levers and assumptions as yearly
    paths: linear between given years, held with `step = true`, flat before the first and after
    the last; targets; seed, draws, horizon);
  * the calibration: each behavioural equation's terms, coefficients beta_hat, covariance V_hat,
    sigma (gaussian) and alpha (NB2);
  * the model: the peer's equations are written out below by hand, as a numpy user would; the
    model file is checked to hold exactly these equations (text, family, trials, order) and the
    calibration to use only terms the peer computes, so a changed model stops the peer with a
    message instead of letting it simulate another model.

Per path the coefficients of every behavioural equation are drawn once from N(beta_hat, V_hat)
(a Cholesky factor of V_hat; an eigen-factor when V_hat is only semi-definite); then each year, in
the model file's order: NB2 counts (entries, group_entries) as numpy's negative_binomial(1/alpha,
1/(1 + alpha mu)), mu = exp(eta); binomial counts with trials max(0, round(trials)) and probability
invlogit(eta); gaussian equations as eta + sigma z solved for their variable (dlog: x = lag(x)
exp(.), the logit difference: x = invlogit(logit(lag(trained_share)) + .)); the identities.

Usage: mc_numpy.py [SCENARIO] [--draws N] [--seed S] [--out FOLDER] [--repeat K]
  (SCENARIO defaults to Scenarios/haiphong-2014-plan.toml; prints one JSON line with timings)
"""
import argparse
import csv
import json
import os
import time
import tomllib

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_SCENARIO = os.path.join(ROOT, "Scenarios", "haiphong-2014-plan.toml")
WORKLOAD = os.path.join(ROOT, "Benchmarks", "peers", "mc_workload.json")
QUANTILES = [5, 25, 50, 75, 95]

# The model the peer implements: Scenarios/model.toml's equations in order, (name, family or
# "identity", formula or identity text, trials). load_plan() checks the model file against it.
MODEL = [
    ("entries", "negbin", "entries ~ log(lag(coops)) + log1p(support) + log1p(promotion)", None),
    ("exits", "binomial", "exits ~ log1p(support) + lag(trained_share) + enforcement", "lag(coops)"),
    ("coops", "identity", "coops = lag(coops) + entries - exits", None),
    ("workers_per_coop", "gaussian", "dlog(workers_per_coop) ~ log1p(support)", None),
    ("trained_incumbent", "gaussian", "I(logit(trained_incumbent) - logit(lag(trained_share))) ~ training", None),
    ("trained_share", "identity", "trained_share = ((lag(coops) - exits) * trained_incumbent + entries * entrant_trained_share"
     " + (1 - (coops + 1 - abs(coops - 1)) / 2) * lag(trained_share)) / ((coops + 1 + abs(coops - 1)) / 2)", None),
    ("productivity", "gaussian", "dlog(productivity) ~ diff(trained_share) + log1p(support)", None),
    ("workers", "identity", "workers = coops * workers_per_coop", None),
    ("va", "identity", "va = workers * productivity / 1000", None),
    ("grdp", "identity", "grdp = lag(grdp) * exp(grdp_growth + normal(0, grdp_sd))", None),
    ("gdp_share", "identity", "gdp_share = va / grdp", None),
    ("exits_weak", "identity", "exits_weak = exits - (exits - lag(weak_count) + abs(exits - lag(weak_count))) / 2", None),
    ("exits_average", "identity", "exits_average = exits - exits_weak - (exits - exits_weak - (lag(coops) - lag(good_count)"
     " - lag(fair_count) - lag(weak_count)) + abs(exits - exits_weak - (lag(coops) - lag(good_count) - lag(fair_count)"
     " - lag(weak_count)))) / 2", None),
    ("exits_fair", "identity", "exits_fair = exits - exits_weak - exits_average - (exits - exits_weak - exits_average"
     " - lag(fair_count) + abs(exits - exits_weak - exits_average - lag(fair_count))) / 2", None),
    ("exits_good", "identity", "exits_good = exits - exits_weak - exits_average - exits_fair", None),
    ("weak_up", "binomial", "weak_up ~ enforcement + training + log1p(support)", "lag(weak_count) - exits_weak"),
    ("average_up", "binomial", "average_up ~ training + log1p(support)",
     "lag(coops) - lag(good_count) - lag(fair_count) - lag(weak_count) - exits_average"),
    ("average_down", "binomial", "average_down ~ log1p(support)",
     "lag(coops) - lag(good_count) - lag(fair_count) - lag(weak_count) - exits_average - average_up"),
    ("fair_up", "binomial", "fair_up ~ training + log1p(support)", "lag(fair_count) - exits_fair"),
    ("fair_down", "binomial", "fair_down ~ log1p(support)", "lag(fair_count) - exits_fair - fair_up"),
    ("good_down", "binomial", "good_down ~ log1p(support)", "lag(good_count) - exits_good"),
    ("good_count", "identity", "good_count = lag(good_count) - exits_good - good_down + fair_up", None),
    ("fair_count", "identity", "fair_count = lag(fair_count) - exits_fair - fair_up - fair_down + good_down + average_up", None),
    ("weak_count", "identity", "weak_count = lag(weak_count) - exits_weak - weak_up + average_down", None),
    ("average_count", "identity", "average_count = coops - good_count - fair_count - weak_count", None),
    ("good_share", "identity", "good_share = good_count / ((coops + 1 + abs(coops - 1)) / 2)", None),
    ("good_or_fair_share", "identity", "good_or_fair_share = (good_count + fair_count) / ((coops + 1 + abs(coops - 1)) / 2)", None),
    ("weak_share", "identity", "weak_share = weak_count / ((coops + 1 + abs(coops - 1)) / 2)", None),
    ("members_per_coop", "gaussian", "dlog(members_per_coop) ~ log1p(support) + I(entries / (coops + 1))", None),
    ("members", "identity", "members = coops * members_per_coop", None),
    ("group_entries", "negbin", "group_entries ~ log(lag(groups)) + log1p(support)", None),
    ("group_exits", "binomial", "group_exits ~ log1p(support)", "lag(groups)"),
    ("groups", "identity", "groups = lag(groups) + group_entries - group_exits", None),
]
# Variables read a year back: the scenario's [observed] gives their value in the last observed year.
LAGGED = ["coops", "trained_share", "workers_per_coop", "productivity", "grdp", "weak_count", "good_count",
          "fair_count", "members_per_coop", "groups"]
# Design columns the peer computes for each behavioural equation (the calibration's `terms` must
# be among them, in any order; "Intercept" may be absent when the formula removes it).
TERMS = {
    "entries": {"Intercept", "log(lag(coops))", "log1p(support)", "log1p(promotion)"},
    "exits": {"Intercept", "log1p(support)", "lag(trained_share)", "enforcement"},
    "workers_per_coop": {"Intercept", "log1p(support)"},
    "trained_incumbent": {"Intercept", "training"},
    "productivity": {"Intercept", "diff(trained_share)", "log1p(support)"},
    "weak_up": {"Intercept", "enforcement", "training", "log1p(support)"},
    "average_up": {"Intercept", "training", "log1p(support)"},
    "average_down": {"Intercept", "log1p(support)"},
    "fair_up": {"Intercept", "training", "log1p(support)"},
    "fair_down": {"Intercept", "log1p(support)"},
    "good_down": {"Intercept", "log1p(support)"},
    "members_per_coop": {"Intercept", "log1p(support)", "I(entries / (coops + 1))"},
    "group_entries": {"Intercept", "log(lag(groups))", "log1p(support)"},
    "group_exits": {"Intercept", "log1p(support)"},
}
OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}


class PeerError(Exception):
    pass


def _squash(s):
    return " ".join(s.split())


def _read_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def _year_path(node, years):
    """A lever's or assumption's value in each year: a number, or {year = value, ..., step = true}
    (linear between given years, held with step, flat before the first and after the last)."""
    if isinstance(node, (int, float)):
        return np.full(len(years), float(node))
    step = bool(node.get("step", False))
    pts = sorted((int(k), float(v)) for k, v in node.items() if k != "step")
    ys = np.array([p[0] for p in pts], dtype=float)
    vs = np.array([p[1] for p in pts])
    out = np.interp(years, ys, vs)       # linear between, flat outside
    if step:
        idx = np.searchsorted(ys, years, side="right") - 1
        out = np.where(idx < 0, vs[0], vs[np.clip(idx, 0, None)])
    return out


def load_scenario(path):
    """The scenario after `extends`: later files override keys; observed, levers and assumptions
    merge key by key; targets are replaced as a whole. Paths resolve relative to each file."""
    chain = []
    current = os.path.abspath(path)
    while current is not None:
        doc = _read_toml(current)
        chain.append((current, doc))
        current = os.path.join(os.path.dirname(current), doc["extends"]) if "extends" in doc else None
    s = {"observed": {}, "paths": {}, "targets": None}
    for file, doc in reversed(chain):
        for k in ("name", "region", "last_observed_year", "horizon", "draws", "seed"):
            if k in doc:
                s[k] = doc[k]
        for k in ("model", "calibration"):
            if k in doc:
                s[k] = os.path.join(os.path.dirname(file), doc[k])
        s["observed"].update(doc.get("observed", {}))
        for kind in ("levers", "assumptions"):
            s["paths"].update(doc.get(kind, {}))
        if "targets" in doc:
            s["targets"] = doc["targets"]
    s["targets"] = [t for t in (s["targets"] or []) if t.get("evaluated", True)]
    return s


def load_plan(scenario_path=DEFAULT_SCENARIO):
    """Everything a run needs, read from the scenario, its model and its calibration."""
    s = load_scenario(scenario_path)
    years = np.arange(s["last_observed_year"] + 1, s["horizon"] + 1)
    return _plan(s, years, scenario_path)


def load_workload_plan(years, path=WORKLOAD):
    """The in-process benchmark workload (mc_workload.json, also read by coopsim-peers): the model
    and calibration it names, constant levers and assumptions, `years` simulated years."""
    with open(path) as f:
        w = json.load(f)
    s = {"name": "benchmark", "region": w["region"], "seed": w["seed"], "draws": 1000,
         "model": os.path.join(ROOT, w["model"]), "calibration": os.path.join(ROOT, w["calibration"]),
         "observed": w["observed"], "paths": w["exogenous"], "targets": []}
    first = w["last_observed_year"] + 1
    return _plan(s, np.arange(first, first + years), path)


def _plan(s, years, source):
    model = _read_toml(s["model"])
    cal = _read_toml(s["calibration"])
    eqs = model.get("equations", [])
    found = [(e["name"], "identity" if "identity" in e else e.get("family"),
              _squash(e.get("identity") or e.get("formula", "")), _squash(e["trials"]) if "trials" in e else None)
             for e in eqs]
    expected = [(n, f, _squash(t), _squash(tr) if tr else None) for n, f, t, tr in MODEL]
    if found != expected:
        diff = next((f"equation {i + 1}: the model file has {a}, the peer implements {b}"
                     for i, (a, b) in enumerate(zip(found, expected)) if a != b),
                    f"the model file has {len(found)} equations, the peer implements {len(expected)}")
        raise PeerError(f"{s['model']}: not the model mc_numpy.py implements ({diff}); update MODEL and simulate()")
    cal_eqs = {e["name"]: e for e in cal["equations"]}
    for name, terms in TERMS.items():
        if name not in cal_eqs:
            raise PeerError(f"{s['calibration']}: no calibration for equation '{name}'")
        unknown = [t for t in cal_eqs[name]["terms"] if t not in terms]
        if unknown:
            raise PeerError(f"{s['calibration']}: equation '{name}' has terms {unknown} the peer does not compute")
    names = list(model.get("levers", {})) + list(model.get("assumptions", {}))
    missing = [n for n in names if n not in s["paths"]] + [v for v in LAGGED if v not in s["observed"]]
    if missing:
        raise PeerError(f"{source}: no value for {missing}")
    return {
        "name": s["name"], "region": s["region"], "seed": s.get("seed", 0), "draws": s.get("draws", 1000),
        "years": years, "metrics": list(model["variables"]),
        "exogenous": {n: _year_path(s["paths"][n], years) for n in names},
        "observed": {v: float(s["observed"][v]) for v in LAGGED},
        "targets": list(s["targets"]),
        "equations": {n: cal_eqs[n] for n in TERMS},
    }


def draw_coefficients(rng, eq, draws):
    """(p, draws): each path's coefficients from N(beta_hat, V_hat)."""
    b = np.asarray(eq["coefficients"], dtype=float)
    v = np.asarray(eq["covariance"], dtype=float)
    try:
        factor = np.linalg.cholesky(v)
    except np.linalg.LinAlgError:       # semi-definite (a coefficient fixed by the calibration)
        w, q = np.linalg.eigh(v)
        factor = q * np.sqrt(np.clip(w, 0, None))
    return b[:, None] + factor @ rng.standard_normal((b.size, draws))


def _invlogit(x):
    return 1.0 / (1.0 + np.exp(-x))


def simulate(plan, draws, seed=None, fourth_moment=False):
    """Runs the plan over `draws` paths. Returns (summary, probabilities): summary[metric] is a
    (years, 8) array of mean, sd, p05, p25, p50, p75, p95, mc_se (with `fourth_moment`, a 9th
    column: the fourth central moment, for check_mc_numpy.py's test of the sd's); probabilities
    lists each target's."""
    rng = np.random.Generator(np.random.Philox(plan["seed"] if seed is None else seed))
    eqs = plan["equations"]
    coef = {n: draw_coefficients(rng, eqs[n], draws) for n in TERMS}

    def linear(name, cols):
        b = coef[name]
        eta = np.zeros(draws)
        for j, term in enumerate(eqs[name]["terms"]):
            eta += b[j] * cols[term]
        return eta

    def negbin(name, eta):
        mu = np.exp(eta)
        alpha = eqs[name]["alpha"]
        return rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mu)).astype(float)

    def binomial(eta, trials):
        n = np.maximum(np.round(trials), 0).astype(np.int64)
        return rng.binomial(n, _invlogit(eta)).astype(float)

    def gaussian(name, eta):
        return eta + eqs[name]["sigma"] * rng.standard_normal(draws)

    lag = {v: np.full(draws, x) for v, x in plan["observed"].items()}
    metrics = plan["metrics"]
    years = plan["years"]
    summary = {m: np.empty((len(years), 9 if fourth_moment else 8)) for m in metrics}
    probabilities = [None] * len(plan["targets"])
    X = plan["exogenous"]
    for t, year in enumerate(years):
        ls, lp = np.log1p(X["support"][t]), np.log1p(X["promotion"][t])
        training, enforcement = X["training"][t], X["enforcement"][t]
        coops0, share0, weak0, good0, fair0 = lag["coops"], lag["trained_share"], lag["weak_count"], lag["good_count"], lag["fair_count"]
        average0 = coops0 - good0 - fair0 - weak0
        v = {}
        v["entries"] = entries = negbin("entries", linear("entries", {
            "Intercept": 1.0, "log(lag(coops))": np.log(coops0), "log1p(support)": ls, "log1p(promotion)": lp}))
        v["exits"] = exits = binomial(linear("exits", {
            "Intercept": 1.0, "log1p(support)": ls, "lag(trained_share)": share0, "enforcement": enforcement}), coops0)
        v["coops"] = coops = coops0 + entries - exits
        v["workers_per_coop"] = lag["workers_per_coop"] * np.exp(gaussian("workers_per_coop", linear(
            "workers_per_coop", {"Intercept": 1.0, "log1p(support)": ls})))
        v["trained_incumbent"] = incumbent = _invlogit(np.log(share0 / (1.0 - share0)) + gaussian(
            "trained_incumbent", linear("trained_incumbent", {"Intercept": 1.0, "training": training})))
        at_least_one = np.maximum(coops, 1.0)
        v["trained_share"] = share = ((coops0 - exits) * incumbent + entries * X["entrant_trained_share"][t]
                                      + (1.0 - np.minimum(coops, 1.0)) * share0) / at_least_one
        v["productivity"] = lag["productivity"] * np.exp(gaussian("productivity", linear("productivity", {
            "Intercept": 1.0, "diff(trained_share)": share - share0, "log1p(support)": ls})))
        v["workers"] = coops * v["workers_per_coop"]
        v["va"] = v["workers"] * v["productivity"] / 1000.0
        v["grdp"] = lag["grdp"] * np.exp(X["grdp_growth"][t] + X["grdp_sd"][t] * rng.standard_normal(draws))
        v["gdp_share"] = v["va"] / v["grdp"]
        # Ratings: exits from the weak class first, then average, fair, good (each capped by its count).
        v["exits_weak"] = ew = np.minimum(exits, weak0)
        v["exits_average"] = ea = np.minimum(exits - ew, average0)
        v["exits_fair"] = ef = np.minimum(exits - ew - ea, fair0)
        v["exits_good"] = eg = exits - ew - ea - ef
        v["weak_up"] = weak_up = binomial(linear("weak_up", {
            "Intercept": 1.0, "enforcement": enforcement, "training": training, "log1p(support)": ls}), weak0 - ew)
        v["average_up"] = average_up = binomial(linear("average_up", {
            "Intercept": 1.0, "training": training, "log1p(support)": ls}), average0 - ea)
        v["average_down"] = average_down = binomial(linear("average_down", {
            "Intercept": 1.0, "log1p(support)": ls}), average0 - ea - average_up)
        v["fair_up"] = fair_up = binomial(linear("fair_up", {
            "Intercept": 1.0, "training": training, "log1p(support)": ls}), fair0 - ef)
        v["fair_down"] = fair_down = binomial(linear("fair_down", {"Intercept": 1.0, "log1p(support)": ls}), fair0 - ef - fair_up)
        v["good_down"] = good_down = binomial(linear("good_down", {"Intercept": 1.0, "log1p(support)": ls}), good0 - eg)
        v["good_count"] = good = good0 - eg - good_down + fair_up
        v["fair_count"] = fair = fair0 - ef - fair_up - fair_down + good_down + average_up
        v["weak_count"] = weak = weak0 - ew - weak_up + average_down
        v["average_count"] = coops - good - fair - weak
        v["good_share"] = good / at_least_one
        v["good_or_fair_share"] = (good + fair) / at_least_one
        v["weak_share"] = weak / at_least_one
        v["members_per_coop"] = lag["members_per_coop"] * np.exp(gaussian("members_per_coop", linear("members_per_coop", {
            "Intercept": 1.0, "log1p(support)": ls, "I(entries / (coops + 1))": entries / (coops + 1.0)})))
        v["members"] = coops * v["members_per_coop"]
        v["group_entries"] = ge = negbin("group_entries", linear("group_entries", {
            "Intercept": 1.0, "log(lag(groups))": np.log(lag["groups"]), "log1p(support)": ls}))
        v["group_exits"] = gx = binomial(linear("group_exits", {"Intercept": 1.0, "log1p(support)": ls}), lag["groups"])
        v["groups"] = lag["groups"] + ge - gx
        lag = {k: v[k] for k in LAGGED}

        values = np.stack([v[m] for m in metrics])            # (metrics, draws)
        mean = values.mean(axis=1)
        sd = values.std(axis=1, ddof=1) if draws > 1 else np.full(len(metrics), np.nan)
        q = np.percentile(values, QUANTILES, axis=1, method="lower")
        m4 = ((values - mean[:, None]) ** 4).mean(axis=1) if fourth_moment else None
        for i, m in enumerate(metrics):
            summary[m][t, 0], summary[m][t, 1] = mean[i], sd[i]
            summary[m][t, 2:7] = q[:, i]
            summary[m][t, 7] = sd[i] / np.sqrt(draws)
            if fourth_moment:
                summary[m][t, 8] = m4[i]
        for k, target in enumerate(plan["targets"]):
            if target["year"] == year:
                probabilities[k] = float(np.mean(OPS[target["op"]](v[target["metric"]], target["value"])))
    return summary, probabilities


def write_outputs(folder, plan, draws, summary, probabilities):
    """summary.csv and targets.csv, with coopsim's columns for these values."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "region", "year", "metric", "mean", "sd", "p05", "p25", "p50", "p75", "p95", "mc_se"])
        for m in plan["metrics"]:
            for t, year in enumerate(plan["years"]):
                w.writerow([plan["name"], plan["region"], int(year), m, *map(repr, summary[m][t, :8].tolist())])
    with open(os.path.join(folder, "targets.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scenario", "region", "metric", "year", "op", "value", "probability", "mc_se"])
        for target, p in zip(plan["targets"], probabilities):
            se = (p * (1 - p) / draws) ** 0.5
            w.writerow([plan["name"], plan["region"], target["metric"], target["year"], target["op"], target["value"], repr(p), repr(se)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
    ap.add_argument("--draws", type=int, help="paths (default: the scenario's draws)")
    ap.add_argument("--seed", type=int, help="seed of numpy's Philox generator (default: the scenario's seed)")
    ap.add_argument("--out", help="folder for summary.csv and targets.csv")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs in this process")
    a = ap.parse_args()
    try:
        plan = load_plan(a.scenario)
    except PeerError as e:
        raise SystemExit(f"mc_numpy.py: {e}")
    draws = a.draws or plan["draws"]
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        summary, probabilities = simulate(plan, draws, a.seed)
        if a.out:
            write_outputs(a.out, plan, draws, summary, probabilities)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"draws": draws, "years": len(plan["years"]), "metrics": len(plan["metrics"]), "numpy_mc": times,
                      "coops_mean_last_year": summary["coops"][-1, 0]}))


if __name__ == "__main__":
    main()
