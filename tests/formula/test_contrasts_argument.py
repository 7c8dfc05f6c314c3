"""``glm(contrasts=)``: R's ``glm(contrasts = list(wool = "contr.sum"))``, factors' contrasts named outside the
formula.  The reference numbers are R 4.2's (``glm`` and ``car::Anova``, printed with 17 digits):

    glm(breaks ~ wool * tension, data = warpbreaks, family = poisson(),
        contrasts = list(wool = "contr.sum", tension = "contr.sum"))
    glm(breaks ~ wool + tension, data = warpbreaks, family = poisson(),
        contrasts = list(tension = "contr.helmert"))
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

SUM_COEF = [3.301352686024924932, 0.090556915480508163, 0.267070583804974226, -0.032524028668727091,
            0.137756664666516870, -0.181331742487831099]
SUM_SE = [0.026543157692743385, 0.026543157692743406, 0.035219822656458920, 0.037577803004707117,
          0.035219822656458899, 0.037577803004707110]
SUM_TYPE3_LR = [11.678003502126074, 63.297146135693026, 28.086757476607033]
HELMERT_COEF = [3.41202683558128461, -0.20598844264886340, -0.16066021580009579, -0.11927609357241609]


@pytest.fixture(scope="module")
def warp() -> pd.DataFrame:
    return gs.load_dataset("warpbreaks")


def test_sum_contrasts_by_name_match_r(warp):
    fit = gs.glm("breaks ~ wool * tension", warp, family=gs.Poisson(),
                 contrasts={"wool": "contr.sum", "tension": "sum"})
    assert list(fit.coef.index) == ["Intercept", "wool[S.A]", "tension[S.L]", "tension[S.M]",
                                    "wool[S.A]:tension[S.L]", "wool[S.A]:tension[S.M]"]
    np.testing.assert_allclose(fit.coef, SUM_COEF, rtol=1e-9)
    # (R's vcov has the weights of its last iteration's start: convergence="R" reproduces it)
    at_r = gs.glm("breaks ~ wool * tension", warp, family=gs.Poisson(), convergence="R",
                  contrasts={"wool": "contr.sum", "tension": "sum"})
    np.testing.assert_allclose(at_r.std_errors, SUM_SE, rtol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.ContrastsWarning)  # (contrasts that sum to zero: no warning)
        np.testing.assert_allclose(fit.anova(type=3)["statistic"], SUM_TYPE3_LR, rtol=1e-9)


def test_helmert_on_one_factor_leaves_the_others_treatment_coded(warp):
    fit = gs.glm("breaks ~ wool + tension", warp, family=gs.Poisson(), contrasts={"tension": "helmert"})
    assert list(fit.coef.index) == ["Intercept", "wool[T.B]", "tension[H.M]", "tension[H.H]"]
    np.testing.assert_allclose(fit.coef, HELMERT_COEF, rtol=1e-9)


def test_the_same_model_as_c_in_the_formula_refits_and_predicts_alike(warp):
    """The mapping is kept with the model: predict encodes new rows with it, and a refit with another
    formula (update, step) reuses it for the factors it still has."""
    named = gs.glm("breaks ~ wool * tension", warp, family=gs.Poisson(), contrasts={"wool": "sum", "tension": "sum"})
    inline = gs.glm("breaks ~ C(wool, sum) * C(tension, sum)", warp, family=gs.Poisson())
    np.testing.assert_array_equal(named.coef.to_numpy(), inline.coef.to_numpy())
    np.testing.assert_array_equal(named.predict(warp.iloc[::7]).to_numpy(), inline.predict(warp.iloc[::7]).to_numpy())
    smaller = named.update("~ . - wool:tension - wool")  # (wool gone: its entry is passed over)
    assert list(smaller.coef.index) == ["Intercept", "tension[S.L]", "tension[S.M]"]
    assert smaller.deviance == pytest.approx(gs.glm("breaks ~ tension", warp, family=gs.Poisson()).deviance,
                                             rel=1e-12)


def test_a_streamed_fit_takes_the_same_contrasts(warp, tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "warp.parquet"
    warp.to_parquet(path, row_group_size=10, index=False)
    streamed = gs.glm("breaks ~ wool + tension", str(path), family=gs.Poisson(), contrasts={"wool": "contr.sum"})
    in_memory = gs.glm("breaks ~ wool + tension", warp, family=gs.Poisson(), contrasts={"wool": "contr.sum"})
    # (tension's levels are sorted in the file, L M H in memory: compare wool's coefficient and the deviance)
    assert streamed.coef.index[1] == in_memory.coef.index[1] == "wool[S.A]"
    assert streamed.coef["wool[S.A]"] == pytest.approx(in_memory.coef["wool[S.A]"], rel=1e-10)
    assert streamed.deviance == pytest.approx(in_memory.deviance, rel=1e-12)


@pytest.mark.parametrize("contrasts, message", [
    ({"wol": "sum"}, "contrasts= names 'wol', which is neither a variable of the formula nor a column of the data; "
                     "the formula's factors are 'wool', 'tension'"),
    ({"wool": "contr.bogus"}, "contrasts= for 'wool': unknown contrasts 'contr.bogus'"),
    ({"wool": len}, "contrasts must be a name such as 'contr.sum' or a matrix, got a builtin_function_or_method"),
    # (a function is a name of nothing here: never called)
    ([("wool", "sum")], "must be a mapping from factor names to contrasts"),
    ({1: "sum"}, "keyed by factor names"),
])
def test_a_name_or_contrast_that_is_not_there_is_refused(warp, contrasts, message):
    with pytest.raises(gs.FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gs.glm("breaks ~ wool * tension", warp, family=gs.Poisson(), contrasts=contrasts)


def test_a_numeric_variable_has_no_contrasts(warp):
    d = warp.assign(x=np.arange(len(warp), dtype=float))
    with pytest.raises(gs.FormulaError, match="'x', which is not a factor in the model"):
        gs.glm("breaks ~ wool + x", d, family=gs.Poisson(), contrasts={"x": "sum"})


def test_the_factors_a_refusal_lists_are_cut():
    # every factor of the formula was listed (a formula of 300 factors: 2,700 characters)
    d = pd.DataFrame({f"f{i}": list("ab") * 3 for i in range(300)}).assign(y=[1.0, 2, 3, 4, 5, 6])
    with pytest.raises(gs.FormulaError, match=r"the formula's factors are 'f0', 'f1', .*'f9', \.\.\.$"):
        gs.glm("y ~ " + " + ".join(f"f{i}" for i in range(300)), d, contrasts={"nope": "sum"})


@pytest.mark.parametrize("formula, contrasts", [("y ~ C(g, sum)", None), ("y ~ g", {"g": "sum"})])
def test_contrasts_of_a_factor_with_an_unused_level_are_kept(formula, contrasts):
    """A Categorical with an unused category: its contrasts apply to the levels used.  R 4.2 drops C()'s
    contrasts then ("contrasts dropped from factor C(g, sum) due to missing levels", treatment coding instead:
    1.5, 2.333333); glmstat fits what was asked, R's fit of the factor without the unused level:
    coef(glm(y ~ C(droplevels(g), sum))) with g = factor(c("a","a","b","b","a","b"), levels = c("a","b","c")),
    y = c(1, 2, 3, 5, 1.5, 3.5) is 2.66666666666667, -1.16666666666667 (contrasts= gives R's numbers too)."""
    d = pd.DataFrame({"g": pd.Categorical(list("aabbab"), categories=list("abc")), "y": [1.0, 2, 3, 5, 1.5, 3.5]})
    fit = gs.glm(formula, d, contrasts=contrasts)
    np.testing.assert_allclose(fit.coef.to_numpy(), [2.66666666666667, -1.16666666666667], rtol=1e-12)
    assert fit.coef.index[1].endswith("[S.a]")
