"""drop1 where R's drop1.glm refuses a submodel from its own start (fixtures/drop1_refused_start, made by the R
script beside it): a log-binomial model with a 44-level g, g:x2 and a 36-level f2 on 2,000 rows of a random
structured case (seed 573).  R's refits without f2 and without g:x2, started from binomial()'s mustart, step out of
(0, 1) ("no valid set of coefficients"); from a valid start each converges to an interior optimum, and glmstat's
refits, warm-started from the full fit, reach the same deviances, on the dense design and on the structured one."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, FIXTURES, structured_in_blocks

HERE = FIXTURES / "drop1_refused_start"


@pytest.mark.parametrize("structured", [False, True], ids=["dense", "structured in blocks"])
def test_drop1_matches_r_s_refits_from_a_valid_start(structured, monkeypatch):
    if structured:  # (the design kept structured however small, passes over blocks of 256 rows)
        structured_in_blocks(monkeypatch, 256)
    ref = json.loads((HERE / "ref.json").read_text())
    assert "no valid set of coefficients" in ref["r_error"] and ref["refused_from_r_start"] == ["f2", "g:x2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DataWarning)  # (non-integer successes: prior weights of 0.5)
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)
        warnings.simplefilter("error", gs.ConvergenceWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv"), family=gs.Binomial(link="log"),
                     weights="w", tol=1e-12)
        table = fit.drop1(test="Chisq")
    assert_close([fit.deviance, fit.aic, fit.rank], [ref["none"]["deviance"], ref["none"]["aic"], ref["none"]["rank"]],
                 rtol=1e-9)
    assert list(table.index) == ["<none>", *ref["terms"]]
    for term, want in ref["terms"].items():
        got = table.loc[term]
        assert_close([got["df"], got["deviance"], got["aic"], got["statistic"]],
                     [want["df"], want["deviance"], want["aic"], want["statistic"]], rtol=1e-8)
        assert_close([got["p_value"]], [want["p_value"]], rtol=1e-6)
