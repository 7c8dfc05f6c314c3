"""Model building against R: update() with R's '.' rules, add1.glm and MASS::stepAIC (fixtures/inference2),
and the shared reference's stepAIC case."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.report.call import call_text
from conftest import FIXTURES, assert_close, load_data, r_values, structured_in_blocks
from inference2_refs import CASES, as_list, assert_p, fit, numbers, ref, values

ADD1_COLUMNS = {"Df": "df", "Deviance": "deviance", "AIC": "aic", "LRT": "statistic", "scaled dev.": "statistic",
                "Rao score": "statistic", "scaled Rao sc.": "statistic", "F value": "statistic",
                "Pr(>Chi)": "p_value", "Pr(>F)": "p_value"}


def own(key):
    return [pytest.param(cid, k, item, id=f"{cid}-{k}") for cid in CASES
            for k, item in enumerate(ref(cid).get(key, []))]


@pytest.mark.filterwarnings("ignore::glmstat.DroppedRowsWarning")
@pytest.mark.parametrize("cid, k, u", own("update"))
def test_update_matches_r(cid, k, u):
    new = fit(cid).update(u["formula"])
    assert new.term_labels == as_list(u["terms"])
    assert new.model_frame.response_name == u["response"]
    assert len(new.rows_used) == u["nobs_used"]
    assert_close(new.coef, numbers(u["coefficients"]), rtol=1e-5)
    np.testing.assert_allclose(new.deviance, u["deviance"], rtol=1e-7)


def test_update_dot_rules():
    f = fit("birthwt_logit")
    assert f.update("~ . - race").formula == "low ~ age + lwt + smoke + ptl + ht + ui"
    assert f.update(". ~ . + smoke:ht - 1").formula == "low ~ age + lwt + race + smoke + ptl + ht + ui + smoke:ht - 1"
    g = fit("mtcars_gauss_weights")
    assert g.update("log(.) ~ .").formula == "log(qsec) ~ hp + wt + factor(am)"
    np.testing.assert_allclose(g.update("~ .").deviance, g.deviance, rtol=1e-10)  # weights carried
    s = fit("ships_poisson_offset")
    assert s.update("~ . - year").formula == "incidents ~ type + period + offset(log(service))"
    assert s.update("~ 1").formula == "incidents ~ 1"  # as R: the offset is part of the old right-hand side


def test_update_checks_the_depth_of_the_substituted_formula():
    # each formula is within max_depth, but '.' replaced by the old side nests twice as deep: refused before
    # anything walks it (deparse raised RecursionError); a long chain of terms, in either formula, costs nothing
    d = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                      "z": [3.0, 1, 2, 5, 4, 3, 2, 1]})
    deep = gs.glm("y ~ " + "abs(" * 190 + "x" + ")" * 190, d)
    with pytest.raises(gs.FormulaError, match="right-hand side, with '.' replaced by the fitted formula's, nests "
                                              "deeper than allowed: 201, where the limit max_depth is 200"):
        deep.update("~ " + "abs(" * 190 + "." + ")" * 190)
    assert [t.count("abs(") for t in deep.update("~ " + "abs(" * 5 + "." + ")" * 5).term_labels] == [195]
    # (RecursionError in the substitution before; R: y ~ x + z)
    assert gs.glm("y ~ x", d).update("~ . " + "+ z " * 3000).term_labels == ["x", "z"]
    long = gs.glm("y ~ " + " + ".join(["x"] * 1500) + " + z", d)
    assert long.update("~ . - x").term_labels == ["z"]


def test_update_checks_the_length_of_the_substituted_formula():
    # each formula is within max_length, but every '.' is the old side again, and every walk of the formula
    # visited each copy: 1,000 dots on a side of 16,000 characters took 45 s (4,000: 186 s), in update, add1 and
    # step; refused before '.' is replaced, as glm() refuses the formula written out
    d = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                      "z": [3.0, 1, 2, 5, 4, 3, 2, 1]})
    long = gs.glm("y ~ " + " + ".join(["x"] * 4000), d)
    dots = "~ " + " + ".join(["."] * 4000)
    for call in (lambda: long.update(dots), lambda: long.add1(dots), lambda: long.step(scope=dots)):
        with pytest.raises(gs.FormulaError, match="^the updated formula, with each '.' written out as the fitted "
                                                  r"formula's side, has more characters than allowed: 64,0[0-9,]+, "
                                                  "where the limit max_length is 20,000"):
            call()
    assert long.update("~ . + z").term_labels == ["x", "z"]  # (one copy: within the limit)
    assert long.update("log(.) ~ .").formula == "log(y) ~ x"


def test_update_with_other_data():
    f = fit("cars_invgauss")
    d = load_data("cars").iloc[:40]
    new = f.update("~ . - I(speed^2)", data=d)
    assert new.nobs == 40 and new.term_labels == ["speed"]
    with pytest.raises(gs.GLMStatError, match="weights or an offset given as values"):
        fit("ships_poisson_offset_arg").update("~ .", data=load_data("ships"))


def test_update_and_step_keep_a_weights_column():
    # weights= given as a column name are refitted from that column: the call names it, as R's update() and
    # stepAIC's do (in memory the values were passed, which lost 'weights = carb' from the call a streamed fit
    # kept), and other data given to update() have it (they were refused as weights given as values)
    g = fit("mtcars_gauss_weights")
    # (and the control fit() gives, as R's update() keeps control = in the call; R's deparse of this call)
    call = ('glm(formula = qsec ~ hp + factor(am), family = gaussian(link = "identity"), \n'
            '    weights = carb, control = glm.control(epsilon = 1e-12, maxit = 100))')
    new = g.update("~ . - wt")
    assert call_text(new) == call
    np.testing.assert_allclose(new.deviance, 80.9806578410087, rtol=1e-7)  # R's, as test_update_matches_r
    assert call_text(g.step(scope="~ . + disp")).endswith("weights = carb, control = glm.control(epsilon = 1e-12, "
                                                           "maxit = 100))")
    d = load_data("mtcars").iloc[:20]
    other = g.update("~ . - wt", data=d)
    direct = gs.glm("qsec ~ hp + factor(am)", d, weights="carb")
    assert call_text(other) == call
    np.testing.assert_allclose(other.coef, direct.coef, rtol=1e-10)


def test_update_keeps_rows_when_weights_were_values():
    d = load_data("airquality")
    w = np.linspace(1, 2, len(d))
    with pytest.warns(gs.DroppedRowsWarning):
        f = gs.glm("Ozone ~ Solar.R + Wind", d, family=gs.Gamma(link="log"), weights=w)
    with pytest.warns(gs.GLMStatWarning, match="stay dropped"):
        new = f.update("~ . - Solar.R")
    assert new.nobs == f.nobs


@pytest.mark.parametrize("cid, k, s", own("step"))
def test_step_matches_stepaic(cid, k, s):
    f = fit(cid)
    scope = s.get("upper")
    chosen = f.step(direction=s["direction"], k=s["k"], scope=scope)
    assert chosen.term_labels == as_list(s["terms"])
    np.testing.assert_allclose(chosen.aic, s["aic"], rtol=1e-7)
    assert_close(chosen.coef, numbers(s["coefficients"]), rtol=1e-5)
    path, want = chosen.step_path, s["path"]
    assert list(path.columns) == ["step", "df", "deviance", "resid_df", "resid_dev", "aic"]
    assert list(path["step"]) == as_list(want["step"])
    for col in ("df", "deviance", "resid_df", "resid_dev", "aic"):
        # R's glm.nb refits inside stepAIC stop theta early (about 1e-8 of the deviance): their differences
        # carry that error
        atol = 1e-5 if col == "deviance" and f.theta_se is not None else 1e-8
        assert_close(path[col], numbers(want[col]), rtol=1e-6, atol=atol)


def test_step_shared_reference():
    r = ref("mtcars_logit_hyp")["step"]
    chosen = fit("mtcars_logit_hyp").step(direction="backward")
    assert chosen.term_labels == r["terms"]
    np.testing.assert_allclose(chosen.aic, r["aic"], rtol=1e-7)
    assert isinstance(chosen, gs.GLMResults) and fit("mtcars_logit_hyp").step_path is None


def assert_add1_table(got, t):
    """An add1 table equals R's table ``t`` (its terms, then each of R's columns; p-values by assert_p)."""
    assert list(got.index) == as_list(t["terms"])
    for r_col in as_list(t["columns"]):
        col = ADD1_COLUMNS[r_col]
        want = values(t, r_col)
        if col == "p_value":
            assert_p(got[col].to_numpy()[1:], want[1:])
        else:
            assert_close(got[col], want, rtol=1e-6, atol=1e-8)


def add1_tables():
    return [pytest.param(cid, t, id=f"{cid}-{t['test']}") for cid in CASES if "add1" in ref(cid)
            for t in ref(cid)["add1"]["tables"]]


@pytest.mark.parametrize("cid, t", add1_tables())
def test_add1_matches_r(cid, t):
    scope = ref(cid)["add1"]["scope"]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # F tests of fixed-dispersion families warn, as R
        got = fit(cid).add1(scope, test=t["test"])
    assert_add1_table(got, t)


def test_add1_scope_spellings_and_errors():
    f = fit("mtcars_gamma_log")
    a = f.add1("~ . + qsec + drat")
    b = f.add1("~ qsec + drat")  # without the model's terms: they are kept (R would refuse this scope)
    c = f.add1(["qsec", "drat"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    with pytest.raises(gs.GLMStatError, match="no terms in scope"):
        f.add1("~ .")
    with pytest.raises(gs.GLMStatError, match="unknown test"):
        f.add1("~ . + qsec", test="Wald")


def test_step_refuses_bad_arguments():
    f = fit("birthwt_logit")
    with pytest.raises(gs.GLMStatError, match="unknown direction"):
        f.step(direction="sideways")
    with pytest.raises(gs.GLMStatError, match="lower"):
        f.step(scope={"upper": "~ .", "middle": "~ 1"})
    q = gs.glm("breaks ~ wool", load_data("warpbreaks"), family=gs.QuasiPoisson())
    with pytest.raises(gs.GLMStatError, match="AIC is not defined"):
        q.step()


def test_step_lower_scope_keeps_terms():
    chosen = fit("birthwt_logit").step(scope={"lower": "~ age + lwt", "upper": "~ ."}, direction="backward")
    assert {"age", "lwt"} <= set(chosen.term_labels)


def _step_scope_cases():
    import json

    from conftest import FIXTURES

    ref = json.loads((FIXTURES / "inference2" / "more" / "step_scope_check.json").read_text())
    return [pytest.param(ref["formula"], c, id=f"{'-'.join(c['scope'].values())}-{c['direction']}")
            for c in ref["cases"]]


@pytest.mark.parametrize("formula, case", _step_scope_cases())
def test_step_refuses_a_scope_that_does_not_bracket_the_model(formula, case):
    """stepAIC's factor.scope: a lower scope with a term outside the model, or an upper scope without one of the
    model's terms, is an error in every direction (glmstat added the lower scope's terms, or kept the model's
    terms outside the upper one); a bracketing scope gives R's model.  fixtures/inference2/more/
    step_scope_check.json, from scripts/make_step_scope_check.R (mtcars)."""
    import re

    f = gs.glm(formula, load_data("mtcars"))
    sc = case["scope"]
    scope = sc["upper"] if set(sc) == {"upper"} else sc
    if "error" in case:
        with pytest.raises(gs.GLMStatError, match=re.escape(case["error"])):
            f.step(direction=case["direction"], scope=scope)
    else:
        assert f.step(direction=case["direction"], scope=scope).term_labels == as_list(case["terms"])


def _add1_combined_fit_ref():
    import json

    from conftest import FIXTURES

    return json.loads((FIXTURES / "inference2" / "more" / "add1_combined_fit.json").read_text())


@pytest.mark.parametrize("case", _add1_combined_fit_ref()["fits"], ids=lambda c: c["family"])
def test_add1_with_missing_values_in_a_scope_term_uses_the_combined_rows(case):
    """R's add1.glm fits every model of the table on the rows complete for all of them, with a warning, and
    keeps the model's dispersion, residual df and extractAIC; glmstat refused ("number of rows in use has
    changed", stepAIC's rule).  fixtures/inference2/more/add1_combined_fit.json, from
    scripts/make_add1_combined_fit.R (airquality: Solar.R is missing in 5 of the model's 116 rows)."""
    family = gs.Gaussian() if case["family"] == "gaussian" else gs.Gamma(link=case["link"])
    with pytest.warns(gs.DroppedRowsWarning, match=r"37 of 153 rows dropped for missing values \(Ozone: 37\)"):
        f = gs.glm(case["formula"], load_data("airquality"), family=family, tol=1e-12, max_iter=100)
    assert f.nobs == case["nobs"] == 153 - 37
    for test, t in case["add1"].items():
        with pytest.warns(gs.DroppedRowsWarning, match=case["warning"]):
            got = f.add1(case["scope"], test=test)
        assert_add1_table(got, t)


_RAO_ILL = FIXTURES / "inference2" / "more" / "rao_ill_conditioned.json"


@pytest.mark.parametrize("path", ["memory", "blocks"])
@pytest.mark.parametrize("case", json.loads(_RAO_ILL.read_text()), ids=lambda c: c["data"])
def test_rao_score_of_nearly_collinear_columns_is_r_s(monkeypatch, case, path):
    """The Rao score regresses the working residuals on nearly collinear columns (s1_0334: weighted design of
    condition 6e6 with exp(x2/5):x2; s1_0009: x2, I(x2^2), exp(x2/5)); from X'WX, which squares the condition,
    glmstat's add1 score was 1.07520849 where exact arithmetic and R's QR give 1.0752471705 (s1_0009: 0.83559923
    against R's 0.83958943).  fixtures/inference2/more/rao_ill_conditioned.json, from
    scripts/make_rao_ill_conditioned.R; found by the drop1/add1 hunt (drop1_add1_hunt_compare.py).  Structured
    designs in blocks of 40 rows too (each block's triangle of the QR, stacked)."""
    if path == "blocks":
        structured_in_blocks(monkeypatch, 40)
    d = pd.read_csv(FIXTURES / "random" / "data" / f"{case['data']}.csv")
    family = (gs.Gaussian if case["family"] == "gaussian" else gs.InverseGaussian)(link=case["link"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = gs.glm(case["formula"], d, family=family)
        tables = {"add1": f.add1("~ .^2", test="Rao"), "drop1": f.drop1(test="Rao"),
                  "anova": gs.anova(f.update(case["smaller"]), f, test="Rao")}
    for kind, got in tables.items():
        ref = case[kind]
        cols = dict(zip(ref["columns"], ref["values"]))
        want = np.array([np.nan if v is None else v for v in cols["Rao" if kind == "anova" else "scaled Rao sc."]])
        have = got["rao" if kind == "anova" else "statistic"].to_numpy(float)
        np.testing.assert_allclose(have, want, rtol=1e-6, err_msg=kind)


def test_step_with_missing_values_in_a_new_variable_is_refused():
    """stepAIC cannot take a term that changes the rows (R stops, here with "(subscript) logical subscript
    too long" from the combined-fit add1 table: add1_combined_fit.json); glmstat says why."""
    assert _add1_combined_fit_ref()["step_error"]
    d = load_data("mtcars").assign(extra=lambda x: x.qsec.where(x.index > 2))
    f = gs.glm("mpg ~ wt", d)
    with pytest.raises(gs.GLMStatError, match="number of rows in use has changed"):
        f.step(scope="~ . + extra", direction="forward")


@pytest.mark.parametrize("old, new, want", [
    # R 4.2: print(update(old, new))
    ("y ~ x", "~ log(.)", "y ~ log(x)"),
    ("y ~ x + z", "~ log(.)", "y ~ log(x + z)"),
    ("y ~ log(x)", "~ . + I(.^2)", "y ~ log(x) + I(log(x)^2)"),
    ("y ~ x + z", "~ I(.^2)", "y ~ I((x + z)^2)"),
    ("y ~ x + z", "~ .:g", "y ~ x:g + z:g"),
    ("log(y) ~ x", "sqrt(.) ~ .", "sqrt(log(y)) ~ x"),
])
def test_update_substitutes_the_dot_as_r(old, new, want):
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.uniform(1, 3, 50), "z": rng.uniform(1, 3, 50), "g": rng.choice(list("ab"), 50),
                      "y": rng.poisson(2, 50) + 1.0})
    assert gs.glm(old, d).update(new).formula == want


def test_add1_learns_data_dependent_terms_from_every_row_as_r():
    """R's add1 evaluates each candidate's model frame on the whole data: ns() knots and poly()'s basis come
    from every row, also the 4 rows the model drops for a missing h (tests/fixtures/stepwise_transforms,
    from make_stepwise_transforms.R).  Learned on the 156 rows used instead, the candidates' deviances move
    by ~1e-3."""
    import json

    from conftest import FIXTURES

    here = FIXTURES / "stepwise_transforms"
    ref = json.loads((here / "ref.json").read_text())
    d = pd.read_csv(here / "data.csv")
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(ref["formula"], d, family=gs.Gamma(link="log"))
    assert fit.nobs == ref["nobs"]
    assert_close([fit.deviance], [ref["deviance"]])
    table = fit.add1("~ . + cl + x1 + poly(x2, 2)", test="Chisq")
    assert list(table.index) == ref["add1_terms"]
    assert_close(table["deviance"], ref["add1_deviance"])
    assert_close(table["aic"], ref["add1_aic"])


def test_add1_finds_an_interaction_whatever_the_order_of_its_variables():
    """R's add1.glm matches the model's term labels against those of the updated formula: ``y ~ x + g:z`` with
    the scope ``~ . + z`` becomes ``y ~ x + z + z:g`` there, the label ``g:z`` matches nothing, and R's whole
    table (``<none>`` included) leaves the interaction out, while the same model spelt ``z:g`` gives the table
    of the models that keep it (tests/fixtures/add1_label_order, from make_add1_label_order.R; 4,000 rows,
    fitted on the structured design).  glmstat matches terms by their variables: both spellings give R's
    ``z:g`` table."""
    import json

    from conftest import FIXTURES
    from glmstat.design.structured import StructuredDesign

    here = FIXTURES / "add1_label_order"
    ref = json.loads((here / "ref.json").read_text())
    d = pd.read_csv(here / "data.csv.gz")
    r_tables = ref["fits"]["y ~ x + z:g + offset(log(expo))"]["add1"]
    for formula, r in ref["fits"].items():
        f = gs.glm(formula, d, family=gs.Poisson(), tol=1e-12, max_iter=100)
        assert isinstance(f.fit_data.source.X, StructuredDesign)
        assert_close([f.deviance, f.aic], [r["deviance"], r["aic"]])
        for test, t in r_tables.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", gs.GLMStatWarning)  # (the F test of a Poisson model warns, as R)
                got = f.add1(ref["scope"], test=test)
            assert_add1_table(got, t)
    # R's table for the g:z spelling: the models without the interaction (its <none> is not the model)
    r_gz = ref["fits"]["y ~ x + g:z + offset(log(expo))"]
    assert values(r_gz["add1"]["LRT"], "Deviance")[0] > r_gz["deviance"] + 100


def test_add1_of_a_negative_binomial_keeps_the_models_theta():
    """R's add1.glm fits every model of the table with the model's family, for glm.nb the negative binomial at
    the fitted theta: ``<none>`` is the model itself.  Refitting the bigger model with a theta of its own gave
    ``<none>`` another deviance (and every row an other theta's).  tests/fixtures/add1_negbin, from
    make_add1_negbin.R (quine, glm.nb)."""
    import json

    from conftest import FIXTURES

    ref = json.loads((FIXTURES / "add1_negbin" / "ref.json").read_text())
    f = gs.glm(ref["formula"], load_data("quine"), family=gs.NegativeBinomial(), tol=1e-12, max_iter=100)
    assert_close([f.theta, f.deviance], [ref["theta"], ref["deviance"]], rtol=1e-7)
    for test, t in ref["add1"].items():
        got = f.add1(ref["scope"], test=test)
        assert got.loc["<none>", "deviance"] == pytest.approx(f.deviance, rel=1e-12)
        assert_add1_table(got, t)


# labels as R 4.x writes the names (deparse(as.name(.), backtick = TRUE)): U+2168 ROMAN NUMERAL NINE is a
# letter of a name, U+00BD VULGAR FRACTION ONE HALF and a leading U+00B2 SUPERSCRIPT TWO are not
@pytest.mark.parametrize("name, label", [("\u2168", "\u2168"), ("\u00bd", "`\u00bd`"), ("\u00b2x", "`\u00b2x`")],
                         ids=["letter-number", "fraction", "leading-superscript"])
def test_update_drop1_step_read_back_unicode_names(name, label):
    """update(), drop1() and step() write the fit's '.' and terms out as formula text: a name the formula lexer
    does not read bare (U+00BD, written without backticks) was a FormulaError after a fit that worked."""
    rng = np.random.default_rng(7)
    d = pd.DataFrame({name: rng.normal(size=40), "z": rng.normal(size=40), "w": rng.normal(size=40)})
    d["y"] = d[name] + rng.normal(size=40)
    f = gs.glm("y ~ .", d)
    assert list(f.coef.index) == ["Intercept", label, "z", "w"]
    direct = gs.glm(f"y ~ {label} + w", d)
    new = f.update("~ . - z")
    assert list(new.coef.index) == list(direct.coef.index)
    assert np.allclose(new.coef.to_numpy(), direct.coef.to_numpy(), rtol=1e-12)
    assert list(f.drop1().index) == ["<none>", label, "z", "w"]
    f.step()  # (refits of candidate formulas written from the term labels)


def test_a_column_named_dot_is_not_read_back_as_dot():
    """A column named '.' was written bare into the formula text update(), drop1() and step() refit, where it
    reads as '.', every other column: update('~ . - z') of 'y ~ .' kept z (fitted 'y ~ . + w')."""
    rng = np.random.default_rng(8)
    d = pd.DataFrame({".": rng.normal(size=40), "z": rng.normal(size=40), "w": rng.normal(size=40)})
    d["y"] = d["."] + rng.normal(size=40)
    f = gs.glm("y ~ .", d)
    direct = gs.glm("y ~ `.` + w", d)
    new = f.update("~ . - z")
    assert list(new.coef.index) == list(direct.coef.index) == ["Intercept", "`.`", "w"]
    assert np.allclose(new.coef.to_numpy(), direct.coef.to_numpy(), rtol=1e-12)
    assert list(direct.update("~ . - w").coef.index) == ["Intercept", "`.`"]
    chosen = f.step()
    assert set(chosen.coef.index) <= {"Intercept", "`.`", "z", "w"}
    assert np.isclose(chosen.deviance, gs.glm(chosen.formula, d).deviance, rtol=1e-12)


def test_rao_score_beyond_the_rows_qr_budget_solves_x_wx(monkeypatch):
    """The other side of rao_score.ROWS_QR_MAX_FLOPS (rao_two_factors_ill, the QR of the rows refused): the scores go
    through X'WX as before -- drop1's (its least-squares solve's smallest eigenvalue 4e-9 of the largest) still R's,
    without a warning; add1's (5e-14 and 6.5e-13: 23% and 0.1% off R's) finite, with an AliasingWarning that says
    X'WX cannot resolve them (at the default budget, the QR of the rows: R's, and no warning)."""
    from glmstat.inference import rao_score

    ref = json.loads((FIXTURES / "rao_two_factors_ill" / "r.json").read_text())
    d = pd.read_csv(FIXTURES / "rao_two_factors_ill" / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = gs.glm("y ~ x2 + I(x2^2) + exp(x2/5) + factor(k) + factor(j)", d, family=gs.InverseGaussian(link="log"))
    scope = "~ . + exp(x2/5):x2 + x2:I(x2^2)"
    with warnings.catch_warnings(record=True) as default_budget:
        warnings.simplefilter("always")
        f.add1(scope, test="Rao")
    assert not [w for w in default_budget if issubclass(w.category, gs.AliasingWarning)]
    monkeypatch.setattr(rao_score, "ROWS_QR_MAX_FLOPS", 0)
    with warnings.catch_warnings(record=True) as dropped:
        warnings.simplefilter("always")
        drop = f.drop1(test="Rao")
    assert not [w for w in dropped if issubclass(w.category, gs.AliasingWarning)]
    assert_close(drop["statistic"], r_values(ref["drop1_rao"]), rtol=1e-6)
    with pytest.warns(gs.AliasingWarning, match="too ill conditioned for X'WX to resolve it"):
        add = f.add1(scope, test="Rao")
    assert np.isfinite(add["statistic"].iloc[1:]).all()


@pytest.mark.parametrize("path", ["memory", "blocks"])
@pytest.mark.parametrize("fixture", ["rao_structured_ill", "rao_wide_factor_ill", "rao_two_factors_ill"])
def test_rao_score_of_nearly_collinear_columns_beside_a_factor_is_r_s(monkeypatch, fixture, path):
    """x2:exp(x2/5) nearly in the span of x2, I(x2^2), exp(x2/5) and a factor (inverse Gaussian log; fixtures
    rao_structured_ill, 30 levels, rao_wide_factor_ill, 80, and rao_two_factors_ill, 80 and 70, from
    scripts/make_rao_factor_ill.R): a structured design's score came from X'WX, which squares the condition number,
    and its least-squares solve set the direction aside -- add1 gave 5.05e-5 for R's 3.675 (30 levels) and 2.4% off
    (80 levels, in blocks).  The rows are now made dense a chunk at a time for the QR (Design.weighted_triangle),
    or, beside a wide factor, with its columns partialled out first (engine/passes.partialled_triangle); beside
    two factors, 73 columns besides the wide one's, too many to make dense for every score, only where X'WX
    cannot decide the rank (linalg.conditioned_normal_solutions)."""
    if path == "blocks":
        structured_in_blocks(monkeypatch, 40)
    ref = json.loads((FIXTURES / fixture / "r.json").read_text())
    d = pd.read_csv(FIXTURES / fixture / "data.csv")
    formula = "y ~ x2 + I(x2^2) + exp(x2/5) + factor(k)" + (" + factor(j)" if "j" in d else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = gs.glm(formula, d, family=gs.InverseGaussian(link="log"))
        add, drop = f.add1("~ . + exp(x2/5):x2 + x2:I(x2^2)", test="Rao"), f.drop1(test="Rao")
    assert_close([f.deviance], [ref["deviance"]], rtol=1e-9)
    assert list(add.index) == ref["add1_terms"] and list(drop.index) == ref["drop1_terms"]
    assert_close(add["statistic"], r_values(ref["add1_rao"]), rtol=1e-6)
    assert_close(drop["statistic"], r_values(ref["drop1_rao"]), rtol=1e-6)


@pytest.mark.parametrize("path,got", [
    (None, "got None"), ("a path", "got 'a path'"), ([["", np.nan]], "got \\[a list\\]"),
    (pd.DataFrame({"step": [""], "aic": [1.0]}), "got a DataFrame with columns 'step', 'aic'"),
])
def test_with_step_path_refuses_what_step_does_not_make(path, got):
    """with_step_path accepted anything as the fit's step_path (None, a string, a DataFrame of other columns)."""
    fit = gs.glm("y ~ x", pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2], "x": [0.0, 1, 2, 3]}))
    with pytest.raises(gs.GLMStatError, match="a step path is a pandas DataFrame with the columns step\\(\\) "
                                              "makes, step, df, deviance, resid_df, resid_dev, aic; " + got):
        fit.with_step_path(path)


def test_with_step_path_keeps_what_step_makes():
    fit = gs.glm("y ~ x", pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2], "x": [0.0, 1, 2, 3]}))
    chosen = fit.step()
    pd.testing.assert_frame_equal(fit.with_step_path(chosen.step_path).step_path, chosen.step_path)
