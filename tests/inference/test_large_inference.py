"""Inference beyond summary.glm on large structured designs against R (tests/fixtures/large/inference2):
car::Anova type II/III (LR, Wald, F), car::linearHypothesis, car::vif, emmeans, MASS::stepAIC and average
marginal effects, on 70,000 rows (two in-memory blocks) of the large data set.  Made by the project's
``scripts/make_inference2.R`` (from tests/fixtures, with the data decompressed into DIR):
``LC_ALL=C Rscript scripts/make_inference2.R large/inference2/cases.json DIR large/inference2``.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, family_of
from glmstat.design.structured import StructuredDesign

HERE = FIXTURES / "large" / "inference2"
IDS = [c["id"] for c in json.loads((HERE / "cases.json").read_text())]
ANOVA = (("anova_type2_lr", 2, "LR", "LR Chisq"), ("anova_type2_wald", 2, "Wald", "Chisq"),
         ("anova_type3_lr", 3, "LR", "LR Chisq"), ("anova_type3_wald", 3, "Wald", "Chisq"),
         ("anova_type2_f", 2, "F", "F value"))


def ref(case_id: str) -> dict:
    return json.loads((HERE / f"{case_id}.json").read_text())


@lru_cache(maxsize=None)
def fit(case_id: str) -> gs.GLMResults:
    r = ref(case_id)
    d = pd.read_csv(FIXTURES / "large" / "data" / "large.csv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(r["formula"], d, family=family_of(r["family"]), tol=1e-12, max_iter=100)


def _p(got, want):
    """p-values to 1e-5 relative, or 1e-3 on the log scale below 1e-8; below the smallest normal double R's
    value is subnormal (1.6107e-320 for a chi-square of 1465 on 1 df, four digits at most) where scipy's
    tail underflows to 0: both must be below 1e-300 there."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    tiny, sub = want < 1e-8, want < np.finfo(float).tiny
    assert_close(got[~tiny], want[~tiny], rtol=1e-5)
    assert np.all(got[sub] < 1e-300)
    tiny &= ~sub
    np.testing.assert_allclose(np.log(got[tiny]), np.log(want[tiny]), rtol=1e-3)


@pytest.mark.parametrize("case_id", IDS)
def test_large_inference_fit_is_structured(case_id):
    f = fit(case_id)
    assert isinstance(f.model_frame.design, StructuredDesign) and f.nobs > 65536
    assert_close(f.coef, ref(case_id)["coefficients"])


@pytest.mark.parametrize("case_id", IDS)
def test_large_anova_types_match_car(case_id):
    r, f = ref(case_id), fit(case_id)
    for key, typ, test, stat in ANOVA:
        if key not in r:
            continue
        a = r[key]
        cols = dict(zip(a["columns"], a["values"]))
        rows = [i for i, t in enumerate(a["terms"]) if t not in ("(Intercept)", "Residuals")]
        t = f.anova(type=typ, test=test).loc[[a["terms"][i] for i in rows]]
        assert_close(t["statistic"], [cols[stat][i] for i in rows])
        assert_close(t["df"], [cols["Df"][i] for i in rows])
        _p(t["p_value"], [cols["Pr(>F)" if test == "F" else "Pr(>Chisq)"][i] for i in rows])


@pytest.mark.parametrize("case_id", IDS)
def test_large_hypotheses_and_vif_match_car(case_id):
    r, f = ref(case_id), fit(case_id)
    h = r["hypothesis_chisq"]
    w = f.wald_test(h["hypotheses"])
    assert_close([w.statistic], [h["statistic"]])
    _p([w.p_value], [h["p_value"]])
    if "hypothesis_f" in r:
        wf = f.wald_test(h["hypotheses"], test="F")
        assert_close([wf.statistic], [r["hypothesis_f"]["statistic"]])
        _p([wf.p_value], [r["hypothesis_f"]["p_value"]])
    assert_close(f.vif().loc[r["vif"]["terms"], "gvif"], r["vif"]["gvif"])


@pytest.mark.parametrize("case_id", IDS)
def test_large_emmeans_and_marginal_effects_match_r(case_id):
    r, f = ref(case_id), fit(case_id)
    e = r["emmeans"]
    t = f.emmeans(e["term"]).loc[e["levels"]]
    for col in ("estimate", "std_error", "lower", "upper"):
        assert_close(t[col], e[col])
    a = f.average_marginal_effects().set_index(["term", "contrast"])
    want = r["ame"]
    got = a.loc[[(x["term"], x["contrast"]) for x in want]]
    assert_close(got["estimate"], [x["estimate"] for x in want], rtol=1e-5)
    assert_close(got["std_error"], [x["std_error"] for x in want], rtol=1e-5)


@pytest.mark.parametrize("case_id", [i for i in IDS if "step" in ref(i)])
def test_large_step_matches_step_aic(case_id):
    r, f = ref(case_id), fit(case_id)
    s = f.step(direction="backward")
    assert list(s.term_labels) == r["step"]["terms"]
    assert_close([s.aic], [r["step"]["aic"]])
