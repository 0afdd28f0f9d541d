#!/usr/bin/env python3
"""coopsim against its peers, in one run, on the same data: one table of ratios.

Rows (median wall time of --repeat runs each; every peer gets the same data in the same run):

  * OLS with HC3 standard errors (coopsim `LinearModel.fit(covariance: .hc3)`) against a bare
    LAPACK QR solve (`LAPACKE_dgels` called from Swift on the same matrix, in the same process),
    numpy `lstsq` and statsmodels `OLS(...).fit(cov_type="HC3")`;
  * Poisson GLM (coopsim `GeneralizedLinearModel.fit(family: .poisson)`) against statsmodels `GLM`;
  * Monte Carlo of the default model (coopsim's engine) against the vectorised numpy model
    (peers/mc_numpy.py, same equations, coefficients, draws and years; mc_workload.json) and
    against the raw speed of coopsim's random generator;
  * `coopsim run` on the Hai Phong plan against `mc_numpy.py` on the same scenario, as whole
    processes, with the two sides' outputs checked to agree (check_mc_numpy.py);
  * thread scaling of the Monte Carlo engine (1 against 2 threads);
  * peak memory (max RSS) of the Monte Carlo engine as draws grow;
  * `coopsim fit FILE --se HC3` on a CSV written by pandas against pandas.read_csv + statsmodels
    OLS(HC3) (peers/fit_pandas.py), both as whole processes and in process, and the CSV read alone
    against pandas.read_csv.

The data are generated here with numpy from fixed seeds, written once as raw little-endian
doubles to a temporary folder, and read by both sides (coopsim-peers and the Python peers).

Usage (from the repository root; `make bench-peers` builds coopsim-peers and runs this):
    python3 Benchmarks/peers/peers.py [--quick] [--repeat N] [--bin PATH] [--json OUT]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import mc_numpy  # noqa: E402

FULL = {
    "ols": [(1_000, 10), (100_000, 20), (1_000_000, 50)],
    "glm": [(1_000_000, 20)],
    "mc": (100_000, 10),          # draws x years
    "mc_memory": [1_000, 10_000, 100_000, 1_000_000],
    "rng": 50_000_000,
    "fit": (200_000, 20),         # rows x columns of the CSV (y and 19 regressors)
    "run": 200_000,               # draws of `coopsim run` on the Hai Phong plan (7 years)
}
QUICK = {
    "ols": [(1_000, 10), (20_000, 10)],
    "glm": [(20_000, 5)],
    "mc": (4_096, 5),
    "mc_memory": [1_024, 8_192],
    "rng": 2_000_000,
    "fit": (20_000, 20),
    "run": 4_096,
}


def median(xs):
    return statistics.median(xs)


def timed(repeats, fn, warmup=1):
    """Wall times of `repeats` calls of fn after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def timed_cpu(repeats, fn, warmup=1):
    """CPU seconds of this process (all threads) during each of `repeats` calls of fn."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return out


def timed_children_cpu(repeats, fn, warmup=1):
    """CPU seconds (user + system, all threads) of the child processes each call of fn runs:
    the load-robust view of a whole-process timing on a shared machine."""
    import resource
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        fn()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return out


def peers_json(bin_path, *args, env=None):
    """Runs coopsim-peers and parses the JSON it prints."""
    r = subprocess.run([bin_path, *map(str, args)], capture_output=True, text=True,
                       env=None if env is None else {**os.environ, **env})
    if r.returncode != 0:
        raise SystemExit(f"coopsim-peers {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stderr}")
    return json.loads(r.stdout)


def max_rss_kib(cmd):
    """Peak resident set size of a command, by /usr/bin/time -v (KiB), or None without it."""
    if not os.path.exists("/usr/bin/time"):
        return None
    r = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    for line in r.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1])
    return None


def write_regression(folder, n, p, kind, seed):
    """Writes X (column-major), y and meta.json; returns (X, y) as numpy arrays.

    OLS: intercept + standard normal columns, y = X b + heteroscedastic noise (sd 1 + |x1|/2), so
    that HC3 differs from the classical errors. Poisson: intercept + N(0, 0.3^2) columns,
    y ~ Poisson(exp(0.5 + X b)) with b_j = 0.1 (-1)^j, means near e^0.5.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    X = np.empty((n, p), order="F")
    X[:, 0] = 1.0
    if kind == "ols":
        X[:, 1:] = rng.standard_normal((n, p - 1))
        beta = np.linspace(1.0, -1.0, p)
        y = X @ beta + (1.0 + 0.5 * np.abs(X[:, 1] if p > 1 else 0.0)) * rng.standard_normal(n)
    else:
        X[:, 1:] = 0.3 * rng.standard_normal((n, p - 1))
        beta = np.array([0.5] + [0.1 * (-1) ** j for j in range(1, p)])
        y = rng.poisson(np.exp(X @ beta)).astype(float)
    X.T.astype("<f8").tofile(os.path.join(folder, "X.f64"))  # X.T in C order = X in column-major order
    y.astype("<f8").tofile(os.path.join(folder, "y.f64"))
    with open(os.path.join(folder, "meta.json"), "w") as f:
        json.dump({"n": n, "p": p, "kind": kind, "seed": seed}, f)
    return X, y


def ols_rows(bin_path, tmp, sizes, repeats, notes):
    import statsmodels.api as sm
    rows = []
    for n, p in sizes:
        folder = os.path.join(tmp, f"ols_{n}x{p}")
        X, y = write_regression(folder, n, p, "ols", seed=n + p)
        sw = peers_json(bin_path, "ols", "--data", folder, "--repeat", repeats)
        coef_np = None

        def np_lstsq():
            nonlocal coef_np
            coef_np = np.linalg.lstsq(X, y, rcond=None)[0]

        t_np = timed(repeats, np_lstsq)
        se_sm = None

        def sm_hc3():
            nonlocal se_sm
            se_sm = np.asarray(sm.OLS(y, X).fit(cov_type="HC3").bse)

        t_sm = timed(repeats, sm_hc3)
        coef = np.asarray(sw["coefficients"])
        d_coef = float(np.max(np.abs(coef - coef_np) / np.maximum(np.abs(coef_np), 1e-300)))
        d_se = float(np.max(np.abs(np.asarray(sw["hc3_std_errors"]) - se_sm) / se_sm))
        notes.append(f"OLS {n:,} x {p}: coopsim vs numpy coefficients max rel diff {d_coef:.1e}, "
                     f"HC3 std errors vs statsmodels {d_se:.1e}; vs dgels {sw['max_rel_diff_vs_dgels']:.1e}")
        if d_coef > 1e-8 or d_se > 1e-8:
            raise SystemExit(f"OLS {n} x {p}: coopsim disagrees with numpy/statsmodels ({d_coef:.2e}, {d_se:.2e})")
        size = f"{n:,} x {p}"
        hc3, cls, dg = median(sw["coopsim_ols_hc3"]), median(sw["coopsim_ols_classical"]), median(sw["lapacke_dgels"])
        rows.append(("OLS + HC3 / bare dgels", size, hc3, dg, hc3 / dg, "<= 1.3", hc3 / dg <= 1.3))
        rows.append(("OLS classical / bare dgels", size, cls, dg, cls / dg, "", None))
        rows.append(("OLS + HC3 / numpy lstsq", size, hc3, median(t_np), hc3 / median(t_np), "< 1", hc3 < median(t_np)))
        rows.append(("OLS + HC3 / statsmodels HC3", size, hc3, median(t_sm), hc3 / median(t_sm), "< 1", hc3 < median(t_sm)))
        if (n, p) == sizes[-1]:
            rows += single_thread_rows(bin_path, folder, X, y, size, repeats)
    return rows


def single_thread_rows(bin_path, folder, X, y, size, repeats):
    """The largest OLS again with one BLAS thread on every side: slower, but it does not depend on
    whether the other core is free, so it stays comparable on a shared machine."""
    rows = []
    sw = peers_json(bin_path, "ols", "--data", folder, "--repeat", repeats, env={"OPENBLAS_NUM_THREADS": "1"})
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return rows
    with threadpool_limits(limits=1):
        t_np = timed(repeats, lambda: np.linalg.lstsq(X, y, rcond=None))
    hc3, dg = median(sw["coopsim_ols_hc3"]), median(sw["lapacke_dgels"])
    rows.append(("OLS + HC3 / bare dgels, 1 BLAS thread", size, hc3, dg, hc3 / dg, "<= 1.3", hc3 / dg <= 1.3))
    rows.append(("OLS + HC3 / numpy lstsq, 1 BLAS thread", size, hc3, median(t_np), hc3 / median(t_np), "< 1", hc3 < median(t_np)))
    return rows


def glm_rows(bin_path, tmp, sizes, repeats, notes):
    import statsmodels.api as sm
    rows = []
    for n, p in sizes:
        folder = os.path.join(tmp, f"glm_{n}x{p}")
        X, y = write_regression(folder, n, p, "poisson", seed=7 * n + p)
        sw = peers_json(bin_path, "glm", "--data", folder, "--repeat", repeats)
        res = {}

        def sm_glm():
            fit = sm.GLM(y, X, family=sm.families.Poisson()).fit()
            res["params"], res["bse"], res["iter"] = np.asarray(fit.params), np.asarray(fit.bse), fit.fit_history["iteration"]

        t_sm = timed(repeats, sm_glm)
        d_coef = float(np.max(np.abs(np.asarray(sw["coefficients"]) - res["params"]) / np.maximum(np.abs(res["params"]), 1e-12)))
        d_se = float(np.max(np.abs(np.asarray(sw["std_errors"]) - res["bse"]) / res["bse"]))
        notes.append(f"Poisson GLM {n:,} x {p}: coopsim {sw['iterations']} IRLS iterations, statsmodels {res['iter']}; "
                     f"coefficients max rel diff {d_coef:.1e}, std errors {d_se:.1e}")
        if d_coef > 1e-6 or d_se > 1e-6:
            raise SystemExit(f"GLM {n} x {p}: coopsim disagrees with statsmodels ({d_coef:.2e}, {d_se:.2e})")
        c = median(sw["coopsim_glm_poisson"])
        rows.append(("Poisson GLM / statsmodels GLM", f"{n:,} x {p}", c, median(t_sm), c / median(t_sm), "< 1", c < median(t_sm)))
    return rows


def mc_rows(bin_path, draws, years, rng_count, repeats, notes):
    rows = []
    sw = peers_json(bin_path, "mc", "--draws", draws, "--years", years, "--threads", "1,2", "--repeat", repeats)
    workload = mc_numpy.load_workload_plan(years)
    result = {}

    def numpy_mc():
        result["out"], _ = mc_numpy.simulate(workload, draws)

    t_np = timed(repeats, numpy_mc)
    # Same model? Means of the stock in the last year must agree within Monte Carlo error.
    m_np, sd_np = result["out"]["coops"][-1, 0], result["out"]["coops"][-1, 1]
    m_sw = sw["coops_mean_last_year"]
    z = abs(m_np - m_sw) / (sd_np * (2.0 / draws) ** 0.5)
    notes.append(f"Monte Carlo {draws:,} draws x {years} years: mean cooperatives in the last year coopsim {m_sw:.2f}, "
                 f"numpy {m_np:.2f} (difference {z:.1f} Monte Carlo standard errors)")
    if z > 5:
        raise SystemExit(f"Monte Carlo: coopsim and numpy disagree on the mean stock ({m_sw} vs {m_np}, z = {z:.1f})")
    path_years = draws * years
    t1, t2, tn = median(sw["coopsim_mc"]["1"]), median(sw["coopsim_mc"]["2"]), median(t_np)
    size = f"{draws:,} x {years} y"
    rows.append(("MC 2 threads / numpy MC", size, t2, tn, t2 / tn, "<= 0.1", t2 / tn <= 0.1))
    rows.append(("MC 1 thread / numpy MC", size, t1, tn, t1 / tn, "", None))
    rows.append(("MC 2 threads; ratio = speed-up over 1 thread", size, t2, t1, t1 / t2, ">= 1.8", t1 / t2 >= 1.8))
    # Load-robust view of the same: CPU seconds (all threads) of a run on 2 threads against 1.
    # Twice the ratio is the speed-up 2 threads would give with both cores free.
    c1, c2 = median(sw["cpu_seconds"]["1"]), median(sw["cpu_seconds"]["2"])
    rows.append(("MC 2 threads, projected speed-up = 2 x CPU(1) / CPU(2)", size, c2, c1, 2 * c1 / c2, ">= 1.8",
                 2 * c1 / c2 >= 1.8))
    rng = peers_json(bin_path, "rng", "--count", rng_count, "--years", years, "--repeat", repeats)
    per_path_year = rng["words_per_path_year"]
    limit = median(rng["seconds"]) / rng_count * per_path_year * path_years  # one thread
    rows.append(("MC 1 thread / raw generator limit", size, t1, limit, t1 / limit, "", None))
    notes.append(f"Monte Carlo: {path_years / t2:,.0f} path-years/s on 2 threads, {path_years / t1:,.0f} on 1, "
                 f"numpy {path_years / tn:,.0f}; raw generator {rng_count / median(rng['seconds']):,.0f} "
                 f"64-bit words/s on 1 thread, the model uses about {per_path_year:.1f} per path-year "
                 f"(counted), so the generator alone would allow {path_years / limit:,.0f} path-years/s")
    return rows


def run_rows(draws, repeats, notes):
    """Whole processes: `coopsim run` on the Hai Phong plan on 1 and 2 threads against
    `python3 peers/mc_numpy.py` on the same scenario (imports, reading the TOML files and writing
    summary.csv and targets.csv included) at the same draws and years, in CPU seconds of the child
    (user + system, all threads: load-robust) and wall seconds.

    The thread-scaling row is 2 x CPU(1 thread) / CPU(2 threads): the speed-up 2 threads give
    when both cores are free (equal CPU seconds on both = perfect scaling), measured without
    needing a free core. Both sides compute today's model (mc_numpy.py checks the model file
    holds the equations it implements); the outputs of the last runs are compared with
    check_mc_numpy.compare (every metric-year mean and target probability within 4.5 Monte
    Carlo standard errors), and the run stops if they disagree."""
    import check_mc_numpy
    cli = os.path.join(ROOT, ".build", "release", "coopsim")
    if not os.path.exists(cli):
        notes.append(f"`coopsim run` rows skipped: {cli} not built (make build)")
        return []
    scenario = os.path.join(ROOT, "Scenarios", "haiphong-2014-plan.toml")
    plan = mc_numpy.load_plan(scenario)
    years = len(plan["years"])  # 2014 to the plan's horizon 2020
    out = tempfile.mkdtemp(prefix="coopsim-bench-run-")
    rows = []
    try:
        def run(threads):
            folder = os.path.join(out, f"t{threads}")
            shutil.rmtree(folder, ignore_errors=True)
            r = subprocess.run([cli, "run", scenario, "--draws", str(draws), "--threads", str(threads), "--out", folder],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"coopsim run failed ({r.returncode}):\n{r.stderr[-2000:]}")

        def numpy_run():
            folder = os.path.join(out, "numpy")
            shutil.rmtree(folder, ignore_errors=True)
            # One OpenBLAS thread: the peer's only BLAS call (the coefficient draws) is small, and an
            # idle OpenBLAS worker spins, adding about 0.35 CPU s that is no work (measured).
            r = subprocess.run([sys.executable, os.path.join(HERE, "mc_numpy.py"), scenario, "--draws", str(draws),
                                "--out", folder], capture_output=True, text=True,
                               env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
            if r.returncode != 0:
                raise SystemExit(f"mc_numpy.py failed ({r.returncode}):\n{r.stderr[-2000:]}")

        cpu1 = timed_children_cpu(repeats, lambda: run(1))
        cpu2 = timed_children_cpu(repeats, lambda: run(2), warmup=0)
        cpu_np = timed_children_cpu(repeats, numpy_run)
        w2 = timed(repeats, lambda: run(2), warmup=0)
        w_np = timed(repeats, numpy_run, warmup=0)
        # Outputs do not depend on the number of threads (the engine's contract): check it here too.
        for name in sorted(os.listdir(os.path.join(out, "t1"))):
            a_, b_ = os.path.join(out, "t1", name), os.path.join(out, "t2", name)
            if name != "run.json" and os.path.isfile(a_) and open(a_, "rb").read() != open(b_, "rb").read():
                raise SystemExit(f"coopsim run: {name} differs between 1 and 2 threads")
        # Same model? Every mean and target probability within Monte Carlo error.
        agreement = check_mc_numpy.compare(os.path.join(out, "t2"), os.path.join(out, "numpy"), plan, draws)
        if agreement["failures"]:
            raise SystemExit("coopsim run and mc_numpy.py disagree:\n  " + "\n  ".join(agreement["failures"]))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    size = f"{draws:,} x {years} y"
    c1, c2, cn = median(cpu1), median(cpu2), median(cpu_np)
    rows.append(("`coopsim run` Hai Phong plan 2 threads / mc_numpy.py process, CPU", size, c2, cn, c2 / cn, "<= 0.1", c2 / cn <= 0.1))
    rows.append(("`coopsim run` 1 thread / mc_numpy.py process, CPU", size, c1, cn, c1 / cn, "", None))
    rows.append(("same, 2 threads, wall", size, median(w2), median(w_np), median(w2) / median(w_np), "<= 0.1", median(w2) / median(w_np) <= 0.1))
    rows.append(("`coopsim run` thread scaling: 2 x CPU(1) / CPU(2), CPU", size, c2, c1, 2 * c1 / c2, ">= 1.8", 2 * c1 / c2 >= 1.8))
    metrics = len(plan["metrics"])
    notes.append(f"`coopsim run Scenarios/haiphong-2014-plan.toml --draws {draws:,}`: {draws * years / c1:,.0f} path-years per CPU second "
                 f"on 1 thread, {draws * years / c2:,.0f} on 2; mc_numpy.py {draws * years / cn:,.0f} (1 OpenBLAS thread; both: {metrics} metrics, "
                 f"{len(mc_numpy.TERMS) + 1} random equations, start-up, reading the TOML files and writing the summaries included); outputs identical "
                 f"on 1 and 2 threads; coopsim and numpy agree: {agreement['comparisons']} means and target probabilities, "
                 f"worst |z| {agreement['worst_z']:.2f} (limit 4.5)")
    return rows


def memory_rows(bin_path, draws_list, years, notes):
    rows = []
    rss = []
    for d in draws_list:
        kib = max_rss_kib([bin_path, "mc", "--draws", d, "--years", years, "--threads", "2", "--repeat", 1, "--warmup", 0])
        rss.append(kib)
    if rss[0] is None:
        notes.append("peak memory: /usr/bin/time not found (apt-get install time)")
        return rows
    cli = os.path.join(ROOT, ".build", "release", "coopsim")
    cli_rss = []
    if os.path.exists(cli):
        scenario = os.path.join(ROOT, "Scenarios", "hcmc-baseline.toml")
        out = tempfile.mkdtemp(prefix="coopsim-bench-run-")
        try:
            for d in draws_list:
                shutil.rmtree(os.path.join(out, "o"), ignore_errors=True)
                try:
                    cli_rss.append(max_rss_kib([cli, "run", scenario, "--draws", d, "--out", os.path.join(out, "o")]))
                except SystemExit as e:
                    notes.append(f"peak memory of `coopsim run` not measured: {str(e).splitlines()[0]}")
                    cli_rss = []
                    break
        finally:
            shutil.rmtree(out, ignore_errors=True)
    base, top = rss[0], rss[-1]
    rows.append(("MC max RSS, most / fewest draws", f"{draws_list[-1]:,} / {draws_list[0]:,}",
                 top / 1024, base / 1024, top / base, "<= 1.5", top / base <= 1.5))
    notes.append("Monte Carlo engine (coopsim-peers mc) max RSS by draws: "
                 + ", ".join(f"{d:,}: {k / 1024:.1f} MiB" for d, k in zip(draws_list, rss)))
    if cli_rss:
        rows.append(("`coopsim run` max RSS, most / fewest", f"{draws_list[-1]:,} / {draws_list[0]:,}",
                     cli_rss[-1] / 1024, cli_rss[0] / 1024, cli_rss[-1] / cli_rss[0], "<= 1.5", cli_rss[-1] / cli_rss[0] <= 1.5))
        notes.append("`coopsim run Scenarios/hcmc-baseline.toml` max RSS by draws: "
                     + ", ".join(f"{d:,}: {k / 1024:.1f} MiB" for d, k in zip(draws_list, cli_rss)))
    return rows


def fit_rows(bin_path, tmp, size, repeats, notes):
    """`coopsim fit` against pandas.read_csv + statsmodels OLS(HC3), on one CSV written by pandas."""
    import pandas as pd
    import fit_pandas
    n, k = size
    rng = np.random.default_rng(20261129)
    X = rng.standard_normal((n, k - 1))
    y = X @ np.linspace(1.0, -1.0, k - 1) + 0.5 + (1.0 + 0.5 * np.abs(X[:, 0])) * rng.standard_normal(n)
    regressors = [f"x{j}" for j in range(1, k)]
    df = pd.DataFrame(X, columns=regressors)
    df.insert(0, "y", y)
    path = os.path.join(tmp, f"fit_{n}x{k}.csv")
    df.to_csv(path, index=False)  # pandas' default: the shortest repr of each double, up to 17 digits
    formula = "y ~ " + " + ".join(regressors)
    cli = os.path.join(ROOT, ".build", "release", "coopsim")
    # Whole processes: `coopsim fit` and `python3 fit_pandas.py` (imports included).
    out = {}

    def coopsim_cli():
        r = subprocess.run([cli, "fit", path, "--formula", formula, "--se", "HC3", "--format", "csv"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"coopsim fit failed ({r.returncode}):\n{r.stderr}")
        out["cli"] = r.stdout

    def pandas_cli():
        r = subprocess.run([sys.executable, os.path.join(HERE, "fit_pandas.py"), path, "y", *regressors],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"fit_pandas.py failed ({r.returncode}):\n{r.stderr}")
        out["py"] = json.loads(r.stdout)

    t_cli = timed(repeats, coopsim_cli)
    t_py = timed(repeats, pandas_cli)
    cpu_cli = timed_children_cpu(repeats, coopsim_cli, warmup=0)
    cpu_py = timed_children_cpu(repeats, pandas_cli, warmup=0)
    sw = peers_json(bin_path, "fit", "--csv", path, "--formula", formula, "--repeat", repeats)
    frame = {}
    t_read = timed(repeats, lambda: frame.__setitem__("df", fit_pandas.read(path)))
    res = {}

    def pandas_fit():
        d = fit_pandas.read(path)
        res["params"], res["bse"] = fit_pandas.fit(d, "y", regressors)

    t_fit = timed(repeats, pandas_fit)
    cpu_read = timed_cpu(repeats, lambda: fit_pandas.read(path), warmup=0)
    cpu_fit = timed_cpu(repeats, pandas_fit, warmup=0)
    # Same answers: in-process and command-line estimates and HC3 errors against statsmodels'.
    lines = out["cli"].strip().splitlines()[1:]
    cli_est = np.array([float(l.split(",")[1]) for l in lines])
    cli_se = np.array([float(l.split(",")[2]) for l in lines])
    d_coef = float(np.max(np.abs(np.asarray(sw["coefficients"]) - res["params"]) / np.abs(res["params"])))
    d_se = float(np.max(np.abs(np.asarray(sw["hc3_std_errors"]) - res["bse"]) / res["bse"]))
    d_cli = float(max(np.max(np.abs(cli_est - res["params"]) / np.abs(res["params"])),
                      np.max(np.abs(cli_se - res["bse"]) / res["bse"])))
    d_proc = float(np.max(np.abs(np.asarray(out["py"]["params"]) - res["params"])))
    notes.append(f"fit {n:,} x {k} CSV ({os.path.getsize(path) / 1e6:.1f} MB, written by pandas): coopsim vs statsmodels "
                 f"coefficients max rel diff {d_coef:.1e}, HC3 std errors {d_se:.1e}; `coopsim fit --format csv` "
                 f"{d_cli:.1e} (its 17 significant digits); both read {sw['rows']:,} rows")
    if d_coef > 1e-8 or d_se > 1e-8 or d_cli > 1e-8 or d_proc > 0 or sw["rows"] != n:
        raise SystemExit(f"fit: coopsim disagrees with statsmodels ({d_coef:.2e}, {d_se:.2e}, {d_cli:.2e}, rows {sw['rows']})")
    size_s = f"{n:,} x {k}"
    c_cli, p_cli = median(t_cli), median(t_py)
    c_fit, p_fit = median(sw["coopsim_fit_hc3"]), median(t_fit)
    c_read, p_read = median(sw["coopsim_csv_read"]), median(t_read)
    u_cli, u_py = median(cpu_cli), median(cpu_py)
    rows = [
        ("fit HC3 process / pandas+statsmodels process", size_s, c_cli, p_cli, c_cli / p_cli, "<= 0.333", c_cli / p_cli <= 1 / 3),
        ("fit HC3 process / pandas+statsmodels process, CPU", size_s, u_cli, u_py, u_cli / u_py, "<= 0.333", u_cli / u_py <= 1 / 3),
        ("fit HC3 in process / read_csv+OLS(HC3)", size_s, c_fit, p_fit, c_fit / p_fit, "<= 0.333", c_fit / p_fit <= 1 / 3),
        ("CSV read / pandas.read_csv", size_s, c_read, p_read, c_read / p_read, "<= 0.5", c_read / p_read <= 0.5),
    ]
    # The same in-process calls in CPU seconds (load-robust; both sides' BLAS threads counted).
    cf, pf = median(sw["coopsim_fit_hc3_cpu"]), median(cpu_fit)
    cr, pr = median(sw["coopsim_csv_read_cpu"]), median(cpu_read)
    rows += [
        ("fit HC3 in process / read_csv+OLS(HC3), CPU", size_s, cf, pf, cf / pf, "<= 0.333", cf / pf <= 1 / 3),
        ("CSV read / pandas.read_csv, CPU", size_s, cr, pr, cr / pr, "<= 0.5", cr / pr <= 0.5),
    ]
    return rows


def environment_notes(bin_path):
    notes = []
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("internal_api") == "openblas":
                notes.append(f"numpy's OpenBLAS {lib.get('version')}: kernel {lib.get('architecture')}, "
                             f"{lib.get('num_threads')} threads ({os.path.basename(lib.get('filepath', ''))})")
    except ImportError:
        notes.append("numpy's OpenBLAS kernel: unknown (pip install threadpoolctl to report it)")
    info = peers_json(bin_path, "info")
    notes.append(f"coopsim's OpenBLAS: kernel {info['openblas_core']}, {info['openblas_threads']} threads "
                 f"({info['openblas_config'].strip()})")
    unset = os.environ.get("COOPSIM_BENCH_UNSET_CORETYPE", "")
    if unset:
        notes.append(f"OPENBLAS_CORETYPE={unset} was set in the environment; it was unset for this run's commands")
    return notes


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def format_table(rows):
    head = "| comparison | size | coopsim (s) | peer (s) | ratio | goal | met |"
    lines = [head, "|---|---|---:|---:|---:|---|---|"]
    for name, size, c, p, r, goal, ok in rows:
        unit = " MiB" if "RSS" in name else (" CPU s" if "CPU" in name else "")
        unit_c = f"{c:.1f}{unit}" if "RSS" in name else f"{c:.4g}{unit}"
        unit_p = f"{p:.1f}{unit}" if "RSS" in name else f"{p:.4g}{unit}"
        met = "" if ok is None else ("yes" if ok else "**no**")
        lines.append(f"| {name} | {size} | {unit_c} | {unit_p} | {r:.3g} | {goal} | {met} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="coopsim against its peers: one table of ratios.")
    ap.add_argument("--quick", action="store_true", help="small sizes (CI smoke, about a minute)")
    ap.add_argument("--repeat", type=int, default=None, help="timed runs per measurement (median); default 5, 2 with --quick")
    ap.add_argument("--bin", default=os.path.join(ROOT, "Benchmarks", ".build", "release", "coopsim-peers"))
    ap.add_argument("--only", default="ols,glm,fit,mc,run,memory", help="comma-separated subset of ols,glm,fit,mc,run,memory")
    ap.add_argument("--json", help="also write rows and notes to this JSON file")
    a = ap.parse_args()
    sizes = QUICK if a.quick else FULL
    repeats = a.repeat or (2 if a.quick else 5)
    only = set(a.only.split(","))
    if not os.path.exists(a.bin):
        raise SystemExit(f"{a.bin} not found: build it with `swift build -c release --package-path Benchmarks --product coopsim-peers`")
    started = time.time()
    load_before = os.getloadavg()
    notes = environment_notes(a.bin)
    rows = []
    tmp = tempfile.mkdtemp(prefix="coopsim-peers-")
    try:
        if "ols" in only:
            rows += ols_rows(a.bin, tmp, sizes["ols"], repeats, notes)
        if "glm" in only:
            rows += glm_rows(a.bin, tmp, sizes["glm"], repeats, notes)
        if "fit" in only:
            rows += fit_rows(a.bin, tmp, sizes["fit"], repeats, notes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    draws, years = sizes["mc"]
    if "mc" in only:
        rows += mc_rows(a.bin, draws, years, sizes["rng"], repeats, notes)
    if "run" in only:
        rows += run_rows(sizes["run"], repeats, notes)
    if "memory" in only:
        rows += memory_rows(a.bin, sizes["mc_memory"], years, notes)
    load_after = os.getloadavg()
    print(f"coopsim peer comparison, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
          f"{cpu_model()}, {os.cpu_count()} cores, median of {repeats} runs"
          f"{' (--quick)' if a.quick else ''}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print("ratio = coopsim / peer (time or memory): below 1 coopsim is faster or smaller; "
          "the speed-up row is (1 thread) / (2 threads), above 1 is better.")
    print()
    print(format_table(rows))
    print()
    for n in notes:
        print(f"- {n}")
    print(f"\n(wall time of this comparison: {time.time() - started:.0f} s)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rows": rows, "notes": notes, "repeats": repeats, "quick": a.quick,
                       "cpu": cpu_model(), "started": started}, f, indent=1)


if __name__ == "__main__":
    main()
