"""``fit.dose_p(p, cf)`` against R's ``MASS::dose.p`` (tests/fixtures/mass_extras, from
scripts/make_mass_extras.R): the budworm fits of Venables & Ripley (logit, probit, cloglog, quasi-binomial) and a
0/1 logistic fit, several probabilities each; the coefficients named as R names them or as glmstat does; the
refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

REF = json.loads((FIXTURES / "mass_extras" / "ref.json").read_text())
FAMILIES = {"binomial": gs.Binomial, "quasibinomial": gs.QuasiBinomial}


def _fit(ref: dict) -> gs.GLMResults:
    return gs.glm(ref["formula"], gs.load_dataset(ref["data"]), family=FAMILIES[ref["family"]](link=ref["link"]),
                  tol=1e-12, max_iter=100)


@pytest.mark.parametrize("ref", REF["dose"], ids=[r["id"] for r in REF["dose"]])
def test_dose_and_standard_error_are_r_s(ref):
    t = _fit(ref).dose_p(ref["p"], cf=ref["cf"])  # (R's names: sexF, (Intercept))
    assert list(t.columns) == ["dose", "std_error"] and t.index.name == "p"
    assert_close(t.index.to_numpy(), np.atleast_1d(ref["p"]), rtol=0)
    assert_close(t["dose"], np.atleast_1d(ref["dose"]), rtol=1e-8)
    assert_close(t["std_error"], np.atleast_1d(ref["se"]), rtol=1e-8)


def test_glmstat_s_names_and_the_default_coefficients():
    ref = REF["dose"][2]  # cbind(numdead, numalive) ~ ldose: cf = 1:2 is R's default
    fit = _fit(ref)
    for cf in (None, ["Intercept", "ldose"]):
        assert_close(fit.dose_p(ref["p"], cf=cf)["dose"], ref["dose"], rtol=1e-8)
    by_sex = _fit(REF["dose"][0])
    assert_close(by_sex.dose_p(0.5, cf=["sex[F]", "ldose"])["dose"], [REF["dose"][0]["dose"][1]], rtol=1e-8)


@pytest.mark.parametrize("p, cf, message", [
    (0.5, ["Intercept", "dose"], "cf names 'dose', which is not a coefficient of this fit"),
    (0.5, "ldose", "cf must name two coefficients"),
    (0.5, ["Intercept"], "cf must name two coefficients"),
    (1.0, None, "p = 1 has no finite linear predictor under the logit link"),
    ("half", None, "p must be a probability"),
    ([], None, "p must be a probability or a list"),
])
def test_refusals_name_the_argument(p, cf, message):
    fit = _fit(REF["dose"][2] | {"link": "logit"})
    with pytest.raises(gs.GLMStatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fit.dose_p(p, cf=cf)


@pytest.mark.filterwarnings("ignore::glmstat.AliasingWarning")
def test_an_aliased_slope_is_refused():
    d = gs.load_dataset("budworm").assign(ldose2=lambda d: 2 * d["ldose"])
    fit = gs.glm("cbind(numdead, numalive) ~ ldose + ldose2", d, family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="ldose2 is aliased"):
        fit.dose_p(0.5, cf=["Intercept", "ldose2"])


@pytest.mark.parametrize("p", ["0.5", 10**400, 10**5000, float("nan"), float("inf"), 0.5 + 0j, object(), True,
                               [0.5, 10**400], [[0.5]], range(10**12), []],
                         ids=["str", "big", "huge", "nan", "inf", "complex", "object", "bool", "list-big", "nested",
                              "range", "empty"])
def test_hostile_probabilities_are_refused_by_name(p):
    # (10**5000 has no repr within Python's 4,300 digits; range(10**12) must not be listed)
    fit = _fit(REF["dose"][2])
    with pytest.raises(gs.GLMStatError, match="^p must be a probability"):
        fit.dose_p(p)


def test_a_zero_dimensional_array_is_one_probability():
    fit = _fit(REF["dose"][2])
    assert fit.dose_p(np.array(0.5)).equals(fit.dose_p(0.5))


@pytest.mark.parametrize("cf", [10**400, ["Intercept", 10**400], ("Intercept", "ldose", "x"), {"a": 1},
                                ["Intercept", "(Intercept)"]], ids=["big", "list-big", "three", "dict", "twice"])
def test_hostile_coefficient_names_are_refused(cf):
    with pytest.raises(gs.GLMStatError, match="^cf "):
        _fit(REF["dose"][2]).dose_p(0.5, cf=cf)
