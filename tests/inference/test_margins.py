"""Average marginal effects (fit.average_marginal_effects) against R: central differences of the fitted mean
and delta-method standard errors from a numerical Jacobian (fixtures/inference2)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from conftest import FIXTURES
from inference2_refs import fit, params, ref


def table(cid, variables=None, at=None):
    t = fit(cid).average_marginal_effects(variables, at=at)
    return t.set_index(["term", "contrast"])


@pytest.mark.parametrize("cid", params("ame"))
def test_matches_r(cid):
    want = ref(cid)["ame"]
    got = table(cid)
    keys = [(w["term"], w["contrast"]) for w in want]
    np.testing.assert_allclose(got.loc[keys, "estimate"], [w["estimate"] for w in want], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(got.loc[keys, "std_error"], [w["std_error"] for w in want], rtol=1e-5)


@pytest.mark.parametrize("cid", params("ame_at"))
def test_at_values_matches_r(cid):
    r = ref(cid)["ame_at"]
    want = r["effects"] if isinstance(r["effects"], list) else [r["effects"]]
    got = table(cid, list(dict.fromkeys(w["term"] for w in want)), at=r["at"])
    keys = [(w["term"], w["contrast"]) for w in want]
    np.testing.assert_allclose(got.loc[keys, "estimate"], [w["estimate"] for w in want], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(got.loc[keys, "std_error"], [w["std_error"] for w in want], rtol=1e-5)
    for name, value in r["at"].items():
        assert np.all(got[name] == value)


def test_columns_tests_and_intervals():
    t = fit("birthwt_logit").average_marginal_effects(level=0.9)
    assert list(t.columns) == ["term", "contrast", "estimate", "std_error", "statistic", "p_value", "conf_low",
                               "conf_high"]
    z = t["estimate"] / t["std_error"]
    np.testing.assert_allclose(t["statistic"], z)
    np.testing.assert_allclose(t["p_value"], 2 * stats.norm.sf(np.abs(z)))
    np.testing.assert_allclose(t["conf_high"] - t["estimate"], stats.norm.ppf(0.95) * t["std_error"])
    assert list(t.loc[t.term == "race", "contrast"]) == ["other", "white"]  # the reference level is black


def test_identity_link_effect_is_the_coefficient():
    """Gaussian identity, x entering once: the average marginal effect is the coefficient and its se."""
    f = fit("mtcars_gauss_weights")
    t = f.average_marginal_effects("hp").iloc[0]
    np.testing.assert_allclose(t["estimate"], f.coef["hp"], rtol=1e-8)
    np.testing.assert_allclose(t["std_error"], f.std_errors["hp"], rtol=1e-6)


def test_factor_wrapped_numeric_named_by_column_or_label():
    f = fit("mtcars_gamma_log")
    a = f.average_marginal_effects("am")
    b = f.average_marginal_effects("factor(am)")
    assert list(a["contrast"]) == ["1"] and a.equals(b)
    with pytest.raises(gs.GLMStatError, match="not a variable"):
        f.average_marginal_effects("cyl")


def test_factor_read_alone_is_encoded_once(monkeypatch):
    """A factor the model reads only in a term of its own moves every row's linear predictor by the same
    c_l b_T when it is set to level l: its effects need one encoding of the rows, not one per level (each a
    dense n x p design when the model has interactions: 77 s for a 300-level factor on 20,000 rows).  Closed
    form: in y ~ g (Poisson, log link) the fitted mean of level l is its mean of y, so the effect of l is
    ybar_l - ybar_a, with variance ybar_l / n_l + ybar_a / n_a (the levels' means are independent)."""
    from glmstat.inference import margins

    n, k = 4000, 40
    i = np.arange(n)
    g = np.array([f"g{j:02d}" for j in range(k)])[i % k]
    y = 1 + (i * 7) % 5 + (i % k) % 3
    f = gs.glm("y ~ g", pd.DataFrame({"y": y, "g": g}), family=gs.Poisson(), tol=1e-12)
    encoded = []
    original = margins.encode_spec_design
    monkeypatch.setattr(margins, "encode_spec_design", lambda spec, data: encoded.append(len(data)) or
                        original(spec, data))
    got = f.average_marginal_effects("g")
    assert sum(encoded) <= 2 * n
    means = np.array([y[g == lv].mean() for lv in sorted(set(g))])
    np.testing.assert_allclose(got["estimate"], means[1:] - means[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["std_error"], np.sqrt(means[1:] / (n / k) + means[0] / (n / k)), rtol=1e-9)


def test_variable_read_only_in_the_offset():
    """service in offset(log(service)) is a variable of the model too (R's AME perturbs it like any column:
    d mu / d service = mu / service); glmstat refused it as not on the right-hand side and left it out of
    the default table (fixtures/inference2/more/ame_offset.json, scripts/make_ame_offset.R: exact delta method)."""
    r = json.loads((FIXTURES / "inference2" / "more" / "ame_offset.json").read_text())
    d = pd.read_csv(FIXTURES / "data" / "ships.csv")
    f = gs.glm(r["formula"], d, family=gs.Poisson(), tol=1e-12)
    assert f.nobs == r["nobs"]
    got = f.average_marginal_effects().set_index("term").loc["service"]
    np.testing.assert_allclose(got["estimate"], r["estimate"], rtol=1e-8)
    np.testing.assert_allclose(got["std_error"], r["std_error"], rtol=1e-8)


def test_effects_the_data_do_not_determine_are_rs_numbers_with_a_warning():
    """birthwt, low ~ race + lwt with weight 0 for every row of race = other: the column of 'other' is aliased.
    R's effects from predict() take its coefficient as 0 ('other': 0 with standard error 0) and warn that a
    prediction from a rank-deficient fit may be misleading; lwt's effect averages over the rows of 'other'
    too ('white' - 'black' does not move the aliased column).  glmstat gave the same numbers without a word;
    it now names those effects and the aliased column in an AliasingWarning, as predict() does for such rows
    (fixtures/inference2/more/ame_zero_weight_level.json, scripts/make_ame_zero_weight_level.R)."""
    r = json.loads((FIXTURES / "inference2" / "more" / "ame_zero_weight_level.json").read_text())
    assert r["predict_warning"] == ["prediction from a rank-deficient fit may be misleading"]
    d = pd.read_csv(FIXTURES / "data" / "birthwt.csv").assign(w=lambda df: (df["race"] != "other") * 1.0)
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm(r["formula"][0], d, family=gs.Binomial(), weights="w", tol=1e-12)
    with pytest.warns(gs.AliasingWarning, match=r"effect\(s\) 'race: other', 'lwt: dydx' are not "
                                                r"estimable.*'race\[T.other\]'") as caught:
        got = f.average_marginal_effects().set_index(["term", "contrast"])
    assert caught[0].filename == __file__
    keys = list(zip(r["term"], r["contrast"]))
    np.testing.assert_allclose(got.loc[keys, "estimate"], r["estimate"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(got.loc[keys, "std_error"], r["std_error"], rtol=1e-5, atol=1e-12)


def test_estimable_effects_of_a_fit_with_an_aliased_column_do_not_warn():
    """y ~ x + g + I(2 * x): the effect of g does not move the aliased column; x's moves both together."""
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"x": rng.normal(size=60), "g": np.repeat(["a", "b", "c"], 20)})
    d["y"] = rng.poisson(np.exp(0.3 * d["x"]))
    with pytest.warns(gs.AliasingWarning):
        f = gs.glm("y ~ x + g + I(2 * x)", d, family=gs.Poisson())
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.AliasingWarning)
        assert len(f.average_marginal_effects()) == 3


@pytest.mark.parametrize("name", ["self", "data", "kwargs"])
def test_a_column_named_as_a_pandas_argument_has_the_same_margins(name):
    """emmeans() and the marginal effects set columns of a copy of the data; ``data.assign(self=...)`` is a
    TypeError (``self`` is assign's own argument).  Renaming a column changes none of the numbers."""
    r = np.random.default_rng(1)
    df = pd.DataFrame({"x": r.normal(size=60), "g": np.repeat(list("abc"), 20)})
    df["y"] = r.poisson(np.exp(0.3 * df["x"]))
    plain = gs.glm("y ~ x + g", df, gs.Poisson())
    named = gs.glm(f"y ~ {name} + g", df.rename(columns={"x": name}), gs.Poisson())
    np.testing.assert_allclose(named.emmeans("g").to_numpy(), plain.emmeans("g").to_numpy(), rtol=1e-12)
    a, b = named.average_marginal_effects(), plain.average_marginal_effects()
    assert list(a["term"]) == [name, "g", "g"]
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
    np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-12)


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "parquet"])
def test_a_factor_read_through_its_level_codes_is_contrasted_in_level_order(streamed, tmp_path):
    """R's ?esoph model, agegp + unclass(tobgp) + unclass(alcgp): tobgp and alcgp are factors of the data read
    through their codes, contrasted level by level against the first in their levels' order (alcgp 40-79, 80-119,
    120+; sorted as text, 120+ came first), with R's mean predictions at each level and delta-method standard
    errors (fixtures/inference2/more/emmeans_unclass.json, scripts/make_emmeans_unclass.R)."""
    ame = json.loads((FIXTURES / "inference2" / "more" / "emmeans_unclass.json").read_text())["ame"]
    here = FIXTURES / "level_codes"
    d = pd.read_csv(here / "esoph.csv")
    for col, lv in json.loads((here / "ref.json").read_text())["levels"].items():
        d[col] = pd.Categorical(d[col], categories=lv, ordered=True)
    data = d
    if streamed:
        pytest.importorskip("pyarrow")
        data = str(tmp_path / "esoph.parquet")
        d.to_parquet(data, row_group_size=13, index=False)
    t = gs.glm(ame["formula"], data, family=gs.Binomial(), tol=1e-12).average_marginal_effects(["tobgp", "alcgp"])
    assert list(t["term"]) == ame["term"] and list(t["contrast"]) == ame["contrast"]
    np.testing.assert_allclose(t["estimate"], ame["estimate"], rtol=1e-7)
    np.testing.assert_allclose(t["std_error"], ame["std_error"], rtol=1e-6)
