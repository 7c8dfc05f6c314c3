"""Type II and III tests (fit.anova(type=..., test=...)) against car::Anova (fixtures/inference2)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close
from inference2_refs import CASES, SHARED_CASES, as_list, assert_p, fit, ref, values

SHARED_KEYS = {"anova_type2_lr": "II_LR", "anova_type2_wald": "II_Wald", "anova_type3_lr": "III_LR",
               "anova_type3_wald": "III_Wald", "anova_type2_f": "II_F"}
STAT = {"LR": "LR Chisq", "Wald": "Chisq", "F": "F value"}


def tables():
    out = []
    for cid in CASES:
        for key, table in ref(cid).get("anova", {}).items():
            if key.endswith("_reduced") or (key.startswith("II_") and "error" in table):
                continue  # car fails on aliased coefficients in its type II Wald test: see the test below
            out.append(pytest.param(cid, key, table, id=f"{cid}-{key}"))
    for cid in SHARED_CASES:
        for key, name in SHARED_KEYS.items():
            if key in ref(cid):
                out.append(pytest.param(cid, name, ref(cid)[key], id=f"{cid}-{name}"))
    return out


@pytest.mark.parametrize("cid, key, table", tables())
def test_matches_car_anova(cid, key, table):
    typ, test = key.split("_")[:2]
    f = fit(cid)
    if "error" in table:  # car refuses type III with aliased coefficients; so does glmstat, saying why
        assert "aliased" in table["error"]
        with pytest.raises(gs.GLMStatError, match="aliased"):
            f.anova(type=typ, test=test)
        return
    with np.errstate(all="ignore"):
        got = f.anova(type=typ, test=test)
    rows = [t for t in as_list(table["terms"]) if t != "Residuals"] + (["Residuals"] if test == "F" else [])
    assert list(got.index) == rows
    terms = [t for t in rows if t != "Residuals"]
    # car's type III F table says "F values"
    stat = "F values" if "F values" in as_list(table["columns"]) else STAT[test]
    assert_close(got.loc[terms, "statistic"], values(table, stat, terms))
    assert_close(got.loc[terms, "df"], values(table, "Df", terms))
    assert_p(got.loc[terms, "p_value"], values(table, "Pr(>F)" if test == "F" else "Pr(>Chisq)", terms))
    if test == "F":
        assert_close(got["sum_sq"], values(table, "Sum Sq", rows))
        assert got.loc["Residuals", "df"] == values(table, "Df", ["Residuals"])[0]


def test_aliased_type2_wald_tests_the_estimable_terms():
    """car's type II Wald test fails on aliased coefficients; the estimable terms' statistics are those of the
    model without the aliased term (R), and the aliased term has 0 df."""
    table = ref("mtcars_gauss_aliased")["anova"]["II_Wald_reduced"]
    got = fit("mtcars_gauss_aliased").anova(type=2, test="Wald")
    terms = as_list(table["terms"])
    assert_close(got.loc[terms, "statistic"], values(table, "Chisq", terms))
    assert_close(got.loc[terms, "df"], values(table, "Df", terms))
    assert got.loc["I(2 * wt)", "df"] == 0 and np.isnan(got.loc["I(2 * wt)", "statistic"])


def test_sequential_table_unchanged_without_type():
    f = fit("birthwt_logit")
    assert list(f.anova().index)[0] == "NULL"
    assert "resid_dev" in f.anova().columns


@pytest.mark.parametrize("typ", [2, "II", "2", np.int64(2), np.int32(2), 2.0])
def test_type_spellings(typ):
    # (a numpy integer was refused as "unknown anova type 2; use 2"; R's Anova reads 2.0 as "2" too)
    f = fit("insectsprays_poisson")
    a, b = f.anova(type=typ), f.anova(type=2, test="LR")
    pd.testing.assert_frame_equal(a, b)


def test_bad_type_and_test():
    f = fit("insectsprays_poisson")
    for bad in (4, 2.5, True, np.nan, [2]):
        with pytest.raises(gs.GLMStatError, match="unknown anova type"):
            f.anova(type=bad)
    with pytest.raises(gs.GLMStatError, match="unknown test"):
        f.anova(type=2, test="Rao")


def test_f_with_fixed_dispersion_warns():
    with pytest.warns(gs.GLMStatWarning, match="Pearson"):
        fit("insectsprays_poisson").anova(type=2, test="F")


def test_heading_names_the_type():
    a = fit("birthwt_logit").anova(type=3, test="Wald")
    assert "Type III" in a.attrs["heading"] and a.index[0] == "(Intercept)"


def _warpbreaks(formula: str) -> gs.GLMResults:
    d = gs.load_dataset("warpbreaks").assign(x=lambda df: np.arange(len(df)) / 10.0)
    return gs.glm(formula, d, family=gs.Poisson())


def test_type3_warns_that_its_tests_hold_a_treatment_coded_factor_at_its_reference_level():
    """With treatment contrasts the type III test of wool in wool * tension is the wool effect at tension's
    reference level 'L' (car's documentation warns of this; car does not): a ContrastsWarning names what each
    test holds fixed and how to code the factors for tests averaged over the levels."""
    f = _warpbreaks("breaks ~ wool * tension + x")
    with pytest.warns(gs.ContrastsWarning) as caught:
        f.anova(type=3)
    msg = str(caught[0].message)
    assert caught[0].filename == __file__  # (reported at the caller's line)
    assert "the test of 'wool' is at tension = 'L' (its reference level)" in msg
    assert "the test of 'tension' is at wool = 'A' (its reference level)" in msg
    assert "C(tension, sum), C(wool, sum)" in msg and "'x'" not in msg


def test_type3_warns_that_a_term_interacting_with_a_covariate_is_tested_at_0():
    with pytest.warns(gs.ContrastsWarning, match=r"the test of 'wool' is at x = 0; .*center a covariate"):
        _warpbreaks("breaks ~ wool * x").anova(type=3, test="Wald")


@pytest.mark.parametrize("formula", ["breaks ~ C(wool, sum) * C(tension, sum)", "breaks ~ wool + tension",
                                     "breaks ~ C(wool, sum) * C(tension, helmert)"])
def test_type3_with_contrasts_summing_to_zero_or_no_interaction_does_not_warn(formula):
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ContrastsWarning)
        _warpbreaks(formula).anova(type=3)
        _warpbreaks(formula.replace("C(wool, sum)", "wool").replace("C(tension, sum)", "tension")).anova(type=2)


def test_a_submodel_scoring_cannot_fit_from_rs_start_is_refitted_from_the_models_estimate():
    """Type III LR test of ``a`` in y ~ a*x + b (Gamma, log link, 40 levels): its submodel (a:x without a's
    columns) walks off to the edge of the domain from R's starting values -- car::Anova stops there, with
    "NA/NaN/Inf in 'x'" -- and the refit returned its deviance at max_iter, 2.5e18, as if converged: a
    statistic of 3.8e18.  Refitted from the model's own estimate it converges to the submodel's minimum,
    which fixtures/anova_submodel_start finds with R by Newton steps on the (convex) deviance."""
    import json

    from conftest import FIXTURES

    here = FIXTURES / "anova_submodel_start"
    ref = json.loads((here / "ref.json").read_text())
    assert ref["car_error"]
    d = pd.read_csv(here / "data.csv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        fit = gs.glm(ref["formula"], d, family=gs.Gamma(link="log"), weights="w", tol=1e-12, max_iter=100)
        assert_close([fit.deviance, fit.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
        warnings.simplefilter("ignore", gs.ContrastsWarning)
        got = fit.anova(type=3, test="LR").loc["a"]
    want = ref["type3_a"]
    assert_close([got["statistic"], got["df"]], [want["statistic"], want["df"]], rtol=1e-8)
    assert_p([got["p_value"]], [want["p_value"]])


@pytest.mark.parametrize("typ", [2, 3])
def test_a_submodel_r_refuses_from_its_start_is_fitted(typ):
    """Poisson identity link, y ~ poly(x1, 3, raw = TRUE) + exp(x2/5) (the random case s751_0218): R's first step
    for the submodel y ~ exp(x2/5) leaves the domain, so car::Anova stops ("no valid set of coefficients"); from a
    valid start R reaches the submodel's interior optimum (fixtures/anova_submodel_domain_start), and so does
    glmstat's refit."""
    import json

    from conftest import FIXTURES

    here = FIXTURES / "anova_submodel_domain_start"
    ref = json.loads((here / "ref.json").read_text())
    assert "no valid set of coefficients" in ref["car_error"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ConvergenceWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(here / "data.csv"), family=gs.Poisson(link="identity"), tol=1e-12)
        assert_close([fit.deviance], [ref["deviance"]], rtol=1e-8)
        got = fit.anova(type=typ, test="LR")
    for term, want in ref["lr"].items():
        assert_close([got.loc[term, "statistic"], got.loc[term, "df"]], [want["statistic"], want["df"]], rtol=1e-8)
        assert_p([got.loc[term, "p_value"]], [want["p_value"]])


def test_a_submodel_that_does_not_converge_is_said(monkeypatch):
    """A refit that stops at max_iter from every start gives its deviance with a ConvergenceWarning naming
    the submodel, never silently (R's glm.fit warns "algorithm did not converge")."""
    from dataclasses import replace

    import glmstat.inference.submodels as submodels

    fit = gs.glm("breaks ~ wool + tension", gs.load_dataset("warpbreaks"), family=gs.Poisson())
    real = submodels.irls
    monkeypatch.setattr(submodels, "irls", lambda *a, **k: replace(real(*a, **k), converged=False))
    with pytest.warns(gs.ConvergenceWarning, match=r"submodel with 'Intercept', 'tension\[T\.M\]'.* did not converge"):
        table = fit.anova(type=2)
    assert np.all(np.isfinite(table["statistic"]))


@pytest.mark.parametrize("typ", [2, 3])
def test_f_without_residual_degrees_of_freedom_is_nan_not_an_exception(typ):
    # a saturated Gaussian fit (3 rows, 3 coefficients): the F table divided Pearson's chi-square by 0 residual
    # df in Python floats and raised ZeroDivisionError; with no error estimate F and p are NaN, as the
    # sequential table's (car::Anova prints F = 0 and p NaN)
    d = pd.DataFrame({"x": [0.0, 1, 3], "z": [2, -1, 0.5], "y": [1.5, 0.25, 4]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y ~ x + z", d)
        table = fit.anova(type=typ, test="F")
    assert table.loc["Residuals", "df"] == 0
    assert np.isnan(table.loc[["x", "z"], "statistic"]).all() and np.isnan(table.loc[["x", "z"], "p_value"]).all()


@pytest.mark.parametrize("test", ["LR", "F"])
def test_a_robust_fit_warns_that_its_covariance_is_not_in_lr_and_f_tables(test):
    """Likelihood-ratio and F tests are differences of deviances: a fit.robust() result gives the model-based
    table, and says so (car::Anova warns 'vcov. argument ignored'); its Wald table uses the covariance and
    names it."""
    f = fit("insectsprays_poisson")
    robust = f.robust("HC0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = f.anova(type=2, test=test)
    with pytest.warns(gs.GLMStatWarning, match=r"do not use this fit's covariance \(HC0\).*test='Wald'") as caught:
        got = robust.anova(type=2, test=test)
    assert caught[0].filename == __file__
    pd.testing.assert_frame_equal(got, plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.GLMStatWarning)
        wald = robust.anova(type=2, test="Wald")
    assert ("covariance: HC0" in wald.attrs["heading"]
            and "covariance" not in f.anova(type=2, test="Wald").attrs["heading"])
    spray = [c for c in f.column_names if c.startswith("spray")]
    assert_close(wald.loc["spray", "statistic"], robust.wald_test([f"{c} = 0" for c in spray]).statistic, rtol=1e-10)
