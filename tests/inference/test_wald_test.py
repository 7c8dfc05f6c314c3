"""Wald tests of linear hypotheses (fit.wald_test) against car::linearHypothesis, and the reading of
hypotheses written in the model's column names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import json
import re
import warnings

import glmstat as gs
from conftest import FIXTURES, load_data
from glmstat.inference.hypothesis_text import hypothesis_matrix
from inference2_refs import CASES, assert_p, fit, ref


def own_hypotheses():
    return [pytest.param(cid, k, h, id=f"{cid}-{k}") for cid in CASES
            for k, h in enumerate(ref(cid).get("hypotheses", []))]


@pytest.mark.parametrize("cid, k, h", own_hypotheses())
def test_matches_linear_hypothesis(cid, k, h):
    f = fit(cid)
    chi = f.wald_test(h["glmstat"])
    np.testing.assert_allclose(chi.statistic, h["chisq"], rtol=1e-6)
    assert chi.df == h["df"] and chi.df_residual is None
    assert_p([chi.p_value], [h["p_chisq"]])
    F = f.wald_test(h["glmstat"], test="F")
    np.testing.assert_allclose(F.statistic, h["F"], rtol=1e-6)
    assert F.df_residual == h["df_residual"]
    assert_p([F.p_value], [h["p_F"]])


@pytest.mark.parametrize("cid", ["mtcars_logit_hyp", "warpbreaks_interaction", "anorexia_gauss"])
def test_matches_shared_reference(cid):
    r = ref(cid)
    h = r["hypothesis_chisq"]
    got = fit(cid).wald_test(h["hypotheses"])
    np.testing.assert_allclose(got.statistic, h["statistic"], rtol=1e-6)
    assert_p([got.p_value], [h["p_value"]])
    if "hypothesis_f" in r:
        got = fit(cid).wald_test(h["hypotheses"], test="F")
        np.testing.assert_allclose(got.statistic, r["hypothesis_f"]["statistic"], rtol=1e-6)
        assert_p([got.p_value], [r["hypothesis_f"]["p_value"]])


def test_r_spellings_and_matrix_form_agree_with_r():
    """R's names (tensionL, (Intercept)) and an L matrix with rhs give R's statistic too."""
    h = ref("warpbreaks_quasipoisson")["hypotheses"][0]
    f = fit("warpbreaks_quasipoisson")
    np.testing.assert_allclose(f.wald_test(["tensionL = 2 * tensionM", "woolB = -0.2"]).statistic, h["chisq"],
                               rtol=1e-6)
    L = pd.DataFrame({"tension[T.L]": [1.0, 0.0], "tension[T.M]": [-2.0, 0.0], "wool[T.B]": [0.0, 1.0]})
    np.testing.assert_allclose(f.wald_test(L, rhs=[0.0, -0.2]).statistic, h["chisq"], rtol=1e-6)
    M = np.zeros((2, len(f.column_names)))
    M[0, f.column_names.index("tension[T.L]")], M[0, f.column_names.index("tension[T.M]")] = 1, -2
    M[1, f.column_names.index("wool[T.B]")] = 1
    np.testing.assert_allclose(f.wald_test(M, [0, -0.2], test="F").statistic, h["F"], rtol=1e-6)


@pytest.mark.parametrize("wrap", [pd.Series, pd.Index, np.array, lambda h: pd.DataFrame({"h": h})["h"]])
def test_hypotheses_as_a_series_or_array_of_strings_agree_with_r(wrap):
    """A pandas Series or Index, or a numpy array, of equations is R's character vector (it was read as a
    matrix of numbers and refused)."""
    h = ref("warpbreaks_quasipoisson")["hypotheses"][0]
    got = fit("warpbreaks_quasipoisson").wald_test(wrap(["tensionL = 2 * tensionM", "woolB = -0.2"]))
    np.testing.assert_allclose(got.statistic, h["chisq"], rtol=1e-6)
    assert got.hypotheses == ("tensionL = 2 * tensionM", "woolB = -0.2")


def test_r_names_of_levels_with_operators():
    """R's coefficient names of levels holding '+', '-' and '/' are whole names too."""
    h = ref("esoph_binomial_cbind")["hypotheses"][0]
    got = fit("esoph_binomial_cbind").wald_test("alcgp120+ = alcgp80-119")
    np.testing.assert_allclose(got.statistic, h["chisq"], rtol=1e-6)


def test_single_coefficient_is_the_squared_z():
    """One coefficient = 0: the Wald chi-square is (estimate / se)^2 of the summary."""
    f = fit("cars_invgauss")
    for spelling in ("I(speed^2) = 0", "I(speed ** 2)", "I( speed^2 ) = 0", "`I(speed^2)` = 0", "0 = I(speed^2)"):
        np.testing.assert_allclose(f.wald_test(spelling).statistic, f.statistic["I(speed^2)"] ** 2, rtol=1e-10)
    np.testing.assert_allclose(f.wald_test("(Intercept) = 0").statistic, f.statistic["Intercept"] ** 2, rtol=1e-10)


COLUMNS = ["Intercept", "x1", "x10", "I(x1^2)", "poly(hp, 2)[1]", "poly(hp, 2)[2]", "factor(cyl)[T.6]",
           "factor(cyl)[T.6]:wt", "g[T.a b]", "`my var`", "log(x1)", "MPG.city"]


@pytest.mark.parametrize("text, row, rhs", [
    ("x1 = x10", {"x1": 1, "x10": -1}, 0),
    ("2*x1 + x10 = 1", {"x1": 2, "x10": 1}, 1),
    ("x10/4 - 3 = -x1", {"x1": 1, "x10": 0.25}, 3),
    ("I(x1 ** 2) = 2 * (x1 - log(x1))", {"I(x1^2)": 1, "x1": -2, "log(x1)": 2}, 0),
    ("poly(hp,2)[1] = poly(hp, 2)[2]", {"poly(hp, 2)[1]": 1, "poly(hp, 2)[2]": -1}, 0),
    ("factor(cyl)[T.6]:wt = factor(cyl)[T.6]", {"factor(cyl)[T.6]:wt": 1, "factor(cyl)[T.6]": -1}, 0),
    ("factor(cyl)6:wt", {"factor(cyl)[T.6]:wt": 1}, 0),
    ("g[T.a b] + my var = 0.5", {"g[T.a b]": 1, "`my var`": 1}, 0.5),
    ("-(MPG.city - 2e-1 * x1) = 1e3", {"MPG.city": -1, "x1": 0.2}, 1000),
    ("(Intercept) + Intercept = 0", {"Intercept": 2}, 0),
])
def test_reads_names_as_whole_names(text, row, rhs):
    L, r = hypothesis_matrix(COLUMNS, text)
    want = np.zeros(len(COLUMNS))
    for name, v in row.items():
        want[COLUMNS.index(name)] = v
    np.testing.assert_allclose(L[0], want)
    np.testing.assert_allclose(r[0], rhs)


NUMERIC_NAMES = ["Intercept", "x", "`2`", "`1e1`", "`-x`", "`2*x`"]


@pytest.mark.parametrize("text, row, rhs", [
    ("x = 2", {"x": 1}, 2),                      # the number 2, not the column `2`
    ("x - 2 = 0", {"x": 1}, 2),
    ("x = 2*1", {"x": 1}, 2),
    ("x = 1e1", {"x": 1}, 10),
    ("-x = 1", {"x": -1}, 1),                    # minus x, not the column `-x`
    ("2*x = 0", {"x": 2}, 0),
    ("x = `2`", {"x": 1, "`2`": -1}, 0),         # backticks name the column
    ("`-x` + `1e1` = `2*x`", {"`-x`": 1, "`1e1`": 1, "`2*x`": -1}, 0),
])
def test_text_that_reads_as_arithmetic_is_arithmetic_beside_columns_of_that_name(text, row, rhs):
    """A column named 2 (a CSV header) is `2` in the model; written without backticks, 2 is the number, as R
    reads it: the hypothesis x = 2 was x = `2` (rhs 0) for such a model, silently another test."""
    L, r = hypothesis_matrix(NUMERIC_NAMES, text)
    want = np.zeros(len(NUMERIC_NAMES))
    for name, v in row.items():
        want[NUMERIC_NAMES.index(name)] = v
    np.testing.assert_array_equal(L[0] + 0.0, want)  # (+ 0.0: -0.0 and 0.0 alike)
    assert r[0] == rhs


@pytest.mark.parametrize("text, match", [
    ("x2 = 0", r"did you mean 'x1'"),
    ("poly(hp, 2)[3] = 0", r"did you mean 'poly\(hp, 2\)\[2\]', 'poly\(hp, 2\)\[1\]'"),
    ("x1 * x10 = 0", "not linear"),
    ("x1 = x1", "involves no coefficient"),
    ("x1 = 0 = x10", "more than one"),
    ("x1 = ", "empty side"),
    ("x1 +* 2", "cannot read"),
])
def test_bad_hypotheses_are_explained(text, match):
    with pytest.raises(gs.GLMStatError, match=match):
        hypothesis_matrix(COLUMNS, text)


@pytest.mark.parametrize("text, where, near", [
    ("x1 + ) = 0", ")", "')'"),
    ("x1 + x10 = 1 +", None, "the end"),
    ("x1 = (x10", None, "the end"),
    ("poly(hp, 2)[1] + $ = 0", "$", "'$'"),
    ("x1 x10 = 0", "x10", "'x10'"),
    ("x10 = poly(hp, 2)[2] + 3 3", "3", "'3'"),
    ("x1[ = 0", "[", "'['"),
    ("factor( cyl )[T.6] + x1[ = 0", "[", "'['"),  # (after a bracketed name the reading replaced)
    ("factor( cyl )[T.6] + [T.6] = 0", "[", "'['"),
])
def test_a_syntax_error_points_into_the_hypothesis_as_written(text, where, near):
    # the sides are read with placeholders for the column names: the position is the user's, not the
    # placeholders' (counted from 1; one past the last character for an end too soon), and so is the text near it
    position = text.rindex(where) + 1 if where is not None else len(text) + 1
    with pytest.raises(gs.GLMStatError, match=rf"^cannot read the hypothesis .*at position {position} "
                                              rf"\(near {re.escape(near)}\)$"):
        hypothesis_matrix(COLUMNS, text)


def equals_cases():
    r = json.loads((FIXTURES / "inference2" / "more" / "hypothesis_equals.json").read_text())
    return [pytest.param(c, id=c["family"]) for c in r]


@pytest.mark.parametrize("c", equals_cases())
def test_column_names_holding_an_equals_sign(c):
    """A column named factor(tension, levels = c("H", "M", "L"))[T.L] holds an '=' of its own: the hypothesis
    was refused as having more than one '='; it is cut at the '=' outside parentheses and brackets, and gives
    car::linearHypothesis's chi-square and F (fixtures/inference2/more/hypothesis_equals.json,
    scripts/make_hypothesis_equals.R)."""
    family = gs.Poisson() if c["family"] == "poisson" else gs.Gamma(link="log")
    f = gs.glm(c["formula"], load_data("warpbreaks"), family=family, tol=1e-12, max_iter=100)
    chi = f.wald_test(c["hypotheses"])
    np.testing.assert_allclose(chi.statistic, c["chisq"], rtol=1e-6)
    assert chi.df == c["df"]
    assert_p([chi.p_value], [c["p_chisq"]])
    F = f.wald_test(c["hypotheses"], test="F")
    np.testing.assert_allclose(F.statistic, c["F"], rtol=1e-6)
    assert_p([F.p_value], [c["p_F"]])
    r_names = [n.replace("(Intercept)", "Intercept") for n in c["coef_names_r"]]  # R's spelling is read too
    np.testing.assert_allclose(f.wald_test(f"{r_names[3]} = 2 * {r_names[2]}").statistic,
                               f.wald_test(c["hypotheses"][0]).statistic, rtol=1e-12)


def test_long_hypotheses_are_refused_before_reading():
    with pytest.raises(gs.FormulaError, match="max_length"):
        hypothesis_matrix(COLUMNS, " + ".join(["x1"] * 10_000) + " = 0")
    L, r = hypothesis_matrix(COLUMNS, " + ".join(["x1"] * 500) + " = 0")
    assert L[0, 1] == 500
    # within the limit, however long the placeholders that stand for the names while it is read (19,497
    # characters were refused as 48,000: each x1 read as a placeholder of 20 characters)
    text = " + ".join(["x1"] * 3_900) + " = 0"
    assert len(text) < gs.FormulaLimits().max_length
    L, r = hypothesis_matrix(COLUMNS, text)
    assert L[0, 1] == 3_900 and r[0] == 0


def test_refuses_aliased_dependent_and_misshaped():
    f = fit("mtcars_gauss_aliased")
    with pytest.raises(gs.GLMStatError, match="aliased coefficient"):
        f.wald_test("I(2 * wt) = 0")
    with pytest.raises(gs.GLMStatError, match="linearly dependent"):
        f.wald_test(["wt = 0", "2*wt = 0"])
    with pytest.raises(gs.GLMStatError, match="one column per coefficient"):
        f.wald_test(np.ones((1, 2)))
    with pytest.raises(gs.GLMStatError, match="unknown test"):
        f.wald_test("wt = 0", test="LR")


@pytest.mark.parametrize("empty", ["matrix", "frame", "list"])
def test_no_hypothesis_is_refused(empty):
    # a matrix of no rows (one column per coefficient) ended in a ValueError from the statistic's empty
    # reduction (car: "'a' is 0-diml")
    f = fit("mtcars_gauss_weights")
    hypotheses = {"matrix": np.zeros((0, len(f.coef))), "frame": pd.DataFrame(columns=f.column_names),
                  "list": []}[empty]
    with pytest.raises(gs.GLMStatError, match="^(the hypothesis matrix has no rows|no hypothesis is given); give at "
                                              "least one"):
        f.wald_test(hypotheses)


def test_prints_readably():
    t = fit("birthwt_logit").wald_test(["race[T.other] = race[T.white]", "2*smoke + ht = 1"])
    text = str(t)
    assert "race[T.other] = race[T.white]" in text and "Chisq =" in text and "on 2 df" in text
    assert "<li><code>" in t._repr_html_() and repr(t).startswith("<WaldTest Chisq")
    frame = t.to_frame()
    assert list(frame.columns) == ["estimate", "rhs", "std_error"] and len(frame) == 2
    assert "F =" in str(fit("mtcars_gauss_weights").wald_test("hp = 0", test="F"))


def test_robust_covariance_is_used():
    f = fit("birthwt_logit").robust("HC0")
    want = (f.coef["lwt"] / f.std_errors["lwt"]) ** 2
    np.testing.assert_allclose(f.wald_test("lwt = 0").statistic, want, rtol=1e-10)
    assert "HC0" in str(f.wald_test("lwt = 0"))


def test_printed_hypotheses_escape_control_characters():
    # a coefficient named by a hostile column: the printed test shows the ESC as R's escape, not as a control
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"y": rng.normal(size=20), "a\x1b[2Jb": rng.normal(size=20)})
    fit = gs.glm("y ~ .", d)
    text = str(fit.wald_test(fit.coef.index[1] + " = 0"))
    assert "\x1b" not in text and "`a\\033[2Jb` = 0" in text


def test_tiny_p_values_print_by_r_display_rule():
    # R's format.pval (print.htest, digits 4) shows every p below the machine epsilon as "< 2.2e-16"; the
    # line printed "p-value = < 1e-16" for p = 0 and the number itself for 1e-16 <= p < 2.2e-16.
    # qchisq(1.5e-16, 1, lower.tail = FALSE) = 68.169874129795346 (R 4.2), so the test of b = b - sqrt(W) se
    # has the statistic W and p = 1.5e-16
    f = fit("birthwt_logit")
    b, se = f.coef["lwt"], f.std_errors["lwt"]
    L = (f.coef.index == "lwt").astype(float)[None, :]
    t = f.wald_test(L, [b - np.sqrt(68.169874129795346) * se])
    np.testing.assert_allclose(t.p_value, 1.5e-16, rtol=1e-6)
    assert str(t).endswith("on 1 df, p-value < 2.2e-16")
    assert "p-value &lt; 2.2e-16" in t._repr_html_()
    zero = f.wald_test(L, [b - 1e6 * se])  # p underflows to 0
    assert zero.p_value == 0 and str(zero).endswith("on 1 df, p-value < 2.2e-16")


def test_residual_df_of_a_large_fit_prints_in_full():
    # an F test on a fit of a million rows printed "on 1 and 1.00001e+06 df" ('%g'), hiding the count
    from dataclasses import replace

    t = replace(fit("mtcars_gauss_weights").wald_test("hp = 0", test="F"), df_residual=1000008.0)
    assert " on 1 and 1000008 df, " in str(t) and " on 1 and 1000008 df, " in t._repr_html_()


def test_a_hypothesis_matrix_is_printed_with_the_numbers_tested():
    # '%g' printed L = (1/3, 1.0000001), rhs 1234567 as "0.333333*... +1*... = 1.23457e+06", a hypothesis other
    # than the one tested; R's as.character (car's printed hypotheses) keeps 15 significant digits
    f = fit("birthwt_logit")
    L = np.zeros((1, len(f.coef)))
    L[0, list(f.coef.index).index("lwt")], L[0, list(f.coef.index).index("age")] = 1 / 3, 1.0000001
    t = f.wald_test(L, [1234567])
    assert t.hypotheses == ("1.0000001*age +0.333333333333333*lwt = 1234567",)
    assert "  1.0000001*age +0.333333333333333*lwt = 1234567" in str(t).splitlines()


def test_a_fit_without_residual_df_is_refused_for_its_nan_dispersion():
    # the refusal said L V L' "overflows" and to rescale the hypothesis matrix, which cannot help: the
    # dispersion of a saturated Gaussian fit is NaN (R's summary prints NaN standard errors)
    d = pd.DataFrame({"x": [0.0, 1, 3], "z": [2, -1, 0.5], "y": [1.5, 0.25, 4]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm("y ~ x + z", d)
    with pytest.raises(gs.GLMStatError, match="dispersion is NaN: the fit has 0 residual degrees of freedom"):
        f.wald_test("x = 0")
