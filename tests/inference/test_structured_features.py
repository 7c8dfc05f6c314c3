"""Features at a structured size against R, from memory and from a Parquet file of several row groups
(fixtures/structured_features, made by ``scripts/make_structured_features.R``): 20,000 rows, a 300-level factor,
two numeric columns, 100 rows missing x1 (dropped and counted).  What the other structured references leave out:
influence.measures, drop1 (LRT, Rao, F) and anova's Rao and F tests, add1, Hosmer-Lemeshow, MASS's dose.p and
gamma.shape, emmeans' pairs and treatment-versus-control contrasts over the wide factor, sandwich's vcovCL
(clusters not nested in the factor), predict(type = "terms", se.fit = TRUE) of a weighted fit with an offset,
AER's dispersiontest and statmod's quantile residuals of a Gamma fit.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "structured_features"
REF = json.loads((HERE / "ref.json").read_text())
KINDS = ["in-memory", "parquet"]


@lru_cache(maxsize=None)
def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv.gz")


@lru_cache(maxsize=None)
def source(kind: str, tmp: str):
    if kind == "in-memory":
        return data()
    path = f"{tmp}/structured_features.parquet"
    data().to_parquet(path, row_group_size=3000, index=False)
    return path


@lru_cache(maxsize=None)
def fitted(name: str, kind: str, tmp: str) -> gs.GLMResults:
    ref = REF[name]
    family = {"logit": gs.Binomial(), "poisson": gs.Poisson(), "gamma": gs.Gamma(link="log")}[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm(ref["formula"], source(kind, tmp), family=family, weights=ref.get("weights"),
                      offset=ref.get("offset"), tol=1e-12)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("structured_features"))


def rows(ref: dict) -> np.ndarray:
    return np.asarray(ref["sample"]) - 1  # (R's positions among the rows used, from 1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["logit", "poisson", "gamma"])
def test_the_fit_and_its_dropped_rows(name, kind, tmp):
    ref, fit = REF[name], fitted(name, kind, tmp)
    assert fit.nobs == ref["nobs"] == 19900 and fit.n_dropped == 100 and fit.dropped_by == {"x1": 100}
    assert "(100 observations deleted due to missingness)" in str(fit.summary())
    assert_close(fit.deviance, ref["deviance"], rtol=1e-9)
    assert_close(fit.coef.iloc[:3], ref["coefficients"], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_logit_influence_measures(kind, tmp):
    ref, fit = REF["logit"], fitted("logit", kind, tmp)
    table = fit.influence_measures()
    for column, want in ref["influence"].items():
        assert_close(table[column].iloc[rows(ref)], want, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_logit_drop1_add1_and_rao(kind, tmp):
    ref, fit = REF["logit"], fitted("logit", kind, tmp)
    chisq, rao = fit.drop1(test="Chisq"), fit.drop1(test="Rao")
    assert_close(chisq["deviance"], ref["drop1_deviance"], rtol=1e-9)
    assert_close(chisq["aic"], ref["drop1_aic"], rtol=1e-9)
    assert_close(chisq["statistic"].iloc[1:], ref["drop1_lrt"][1:], rtol=1e-7)
    assert_close(rao["statistic"].iloc[1:], ref["drop1_rao"][1:], rtol=1e-7)
    assert_close(fit.anova(test="Rao")["rao"].iloc[1:], ref["anova_rao"][1:], rtol=1e-7)
    add = fit.add1("~ . + x1:x2", test="Chisq")
    assert_close(add["deviance"], ref["add1_deviance"], rtol=1e-9)
    assert_close(add["statistic"].iloc[1:], ref["add1_lrt"][1:], rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_logit_hosmer_lemeshow_and_dose(kind, tmp):
    ref, fit = REF["logit"], fitted("logit", kind, tmp)
    assert_close(fit.hosmer_lemeshow(10).statistic, ref["hosmer_lemeshow"], rtol=1e-7)
    dose = fit.dose_p([0.25, 0.5])
    assert_close(dose["dose"], ref["dose"], rtol=1e-7)
    assert_close(dose["std_error"], ref["dose_se"], rtol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
def test_logit_emmeans_pairs_and_treatment_contrasts(kind, tmp):
    ref, fit = REF["logit"], fitted("logit", kind, tmp)
    means = fit.emmeans("g")
    pick = [0, 1, 149, 299]
    assert_close(means["estimate"].iloc[pick], ref["emmeans_prob"], rtol=1e-7)
    assert_close(means["std_error"].iloc[pick], ref["emmeans_se"], rtol=1e-6)
    pairs = fit.emmeans_pairs("g", adjust="none")
    assert len(pairs) == 44850
    at = [0, 1, 298, 44849]
    assert [c.replace(" / ", " - ") for c in pairs.index[at]] == ref["pairs_contrast"]
    assert_close(np.log(pairs["estimate"].iloc[at]), ref["pairs_estimate"], rtol=1e-7, atol=1e-10)
    assert_close(pairs["statistic"].iloc[at], ref["pairs_z"], rtol=1e-6, atol=1e-10)
    trt = fit.emmeans_contrasts("g", "trt.vs.ctrl", adjust="none")
    assert len(trt) == 299
    assert_close(np.log(trt["estimate"].iloc[[0, 99, 298]]), ref["trt_estimate"], rtol=1e-7, atol=1e-10)
    d = np.log(trt["estimate"].iloc[[0, 99, 298]]).to_numpy()
    assert_close(d / trt["statistic"].iloc[[0, 99, 298]].to_numpy(), ref["trt_se"], rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_poisson_cluster_sandwich_and_terms(kind, tmp):
    ref, fit = REF["poisson"], fitted("poisson", kind, tmp)
    assert_close(fit.robust("HC0", cluster="cl").std_errors.iloc[:3], ref["cluster_hc0_se"], rtol=1e-6)
    assert_close(fit.robust("HC1", cluster="cl").std_errors.iloc[:3], ref["cluster_hc1_se"], rtol=1e-6)
    new = data().iloc[[0, 1, 2, 16, 249]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        terms = fit.predict(new, type="terms", se_fit=True)
    for column, key in [("x1", "terms_x1"), ("g", "terms_g"), ("se(x1)", "terms_se_x1"), ("se(g)", "terms_se_g")]:
        assert_close(terms[column].reindex(new.index), ref[key], rtol=1e-6, atol=1e-12)
    drop = fit.drop1(test="Chisq")
    assert_close(drop["deviance"], ref["drop1_deviance"], rtol=1e-9)
    assert_close(drop["aic"], ref["drop1_aic"], rtol=1e-9)


@pytest.mark.parametrize("kind", KINDS)
def test_poisson_dispersion_test(kind, tmp):
    ref = REF["poisson"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm(ref["formula"], source(kind, tmp), family=gs.Poisson(), offset=ref["offset"], tol=1e-12)
    assert_close(fit.deviance, ref["unweighted_deviance"], rtol=1e-9)
    test = fit.overdispersion()
    assert_close(test.score_statistic, ref["dispersion_z"], rtol=1e-7)
    assert_close(test.alpha, ref["dispersion_alpha"], rtol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
def test_gamma_shape_f_tests_and_quantile_residuals(kind, tmp):
    ref, fit = REF["gamma"], fitted("gamma", kind, tmp)
    assert_close(fit.dispersion, ref["dispersion"], rtol=1e-8)
    shape = fit.gamma_shape()
    assert_close(shape.alpha, ref["alpha"], rtol=1e-7)
    assert_close(shape.se, ref["alpha_se"], rtol=1e-6)
    drop = fit.drop1(test="F")
    assert_close(drop["deviance"], ref["drop1_deviance"], rtol=1e-9)
    assert_close(drop["statistic"].iloc[1:], ref["drop1_f"][1:], rtol=1e-7)
    assert_close(drop["p_value"].iloc[1:], ref["drop1_p"][1:], rtol=1e-6, atol=1e-300)
    table = fit.anova(test="F")
    assert_close(table["statistic"].iloc[1:], ref["anova_f"][1:], rtol=1e-7)
    assert_close(table["p_value"].iloc[1:], ref["anova_p"][1:], rtol=1e-6, atol=1e-300)
    at = rows(ref)
    assert_close(fit.residuals("quantile").iloc[at], ref["qresiduals"], rtol=1e-7, atol=1e-12)
    measures = fit.influence_measures()
    assert_close(measures["dfb_x1"].iloc[at], ref["dfb_x1"], rtol=1e-6, atol=1e-12)
    assert_close(measures["cov_ratio"].iloc[at], ref["cov_r"], rtol=1e-7)
    assert_close(measures["dffit"].iloc[at], ref["dffit"], rtol=1e-6, atol=1e-12)
