#!/usr/bin/env python3
"""The peer of `coopsim fit FILE --formula "y ~ x1 + ... " --se HC3`: pandas.read_csv, then
statsmodels OLS with HC3 standard errors. Run as a script it is the whole-process peer (imports
included, as a user pays them) and prints {"names", "params", "bse"} as JSON; peers.py imports
`read` and `fit` for the in-process timings.

    python3 fit_pandas.py FILE.csv y x1 x2 ...
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm


def read(path):
    return pd.read_csv(path)


def fit(df, response, regressors):
    X = sm.add_constant(df[regressors].to_numpy(), has_constant="add")
    r = sm.OLS(df[response].to_numpy(), X).fit(cov_type="HC3")
    return np.asarray(r.params), np.asarray(r.bse)


if __name__ == "__main__":
    path, response, *regressors = sys.argv[1:]
    params, bse = fit(read(path), response, regressors)
    json.dump({"names": ["Intercept"] + regressors, "params": params.tolist(), "bse": bse.tolist()}, sys.stdout)
