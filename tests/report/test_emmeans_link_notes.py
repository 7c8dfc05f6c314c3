"""emmeans' notes and numbers for links the earlier fixtures left out (probit, cloglog, sqrt, 1/mu^2, identity links
of Poisson and Gamma fits, quasi families, an inverse Gaussian log link) and for a link together with a transformed
response, under ``emmeans()`` and under ``emmeans_contrasts()`` for the methods ``"pairwise"``, ``"consec"`` (adjusted
by Holm's method: emmeans' default ``"mvt"`` is simulated), ``"eff"``, ``"poly"`` and ``"trt.vs.ctrl"``, on one factor
and with ``by=``, ``type="response"`` and ``"link"``: the notes in emmeans' words and order, the estimates, standard
errors, df, z or t ratios, p-values and the pairs' intervals at level 0.9.

A link with a transformed response: emmeans' ``contrast()`` handles the link (its ``misc$tran``) and names the scale by
it -- ``Results are given on the log (not the response) scale.`` for differences of a log link's linear predictors of a
``log(y)`` response, ``Note: contrasts are still on the inverse scale`` for an inverse link's.  glmstat wrote the
composite of the response's transformation and the link there (``Note: contrasts are still on the log[log] scale``,
``... on the log[inverse] scale``), which emmeans writes only of the means' back-transformation.

Where emmeans' numbers are not the comparisons' (R's, recorded in the README): its ``contrast()`` leaves the response's
transformation (``misc$tran2``) in place, so that with ``type = "response"`` it back-transforms a difference d of the
linear predictors through a composite -- a "ratio" exp(exp(d)) for a log link of ``log(y)``, which is no ratio of the
means exp(exp(eta)) (its null value is e), exp(exp(d)) under an inverse link of ``log(y)`` too and d^4 of ``sqrt(y)``,
with ``Tests are performed on the log[log] scale`` (``sqrt[sqrt]``) -- and with ``type = "link"`` it adds ``Results
are given on the log (not the response) scale.`` under an inverse link's differences.  glmstat's comparisons there are
the differences d on the link scale (R's own with ``type = "link"``), with the note of the link's scale.

A power link emmeans does not know by name (R's ``quasi(link = power(1/3))``, ``"mu^0.333"``; statmod's
``tweedie(link.power = 0)``, ``"mu^0"``, and ``link.power = 0.5``, ``"mu^0.5"``): emmeans prints ``Unknown
transformation "mu^0.333": no transformation done`` and its ``type = "response"`` means are those on the link's scale;
glmstat's are back-transformed through the link (R's link-scale means cubed, exponentiated, squared), with ``Intervals
are back-transformed from the mu^0.333 scale`` (the README).  A Tweedie log link is named ``log`` (statmod's
``mu^0``).

R's output: tests/fixtures/emmeans_link_notes/make_emmeans_link_notes.R -> r.json, make_emmeans_unknown_link.R ->
unknown_link.json (emmeans 1.8).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import glmstat as gs
from glmstat.links import Power
from conftest import FIXTURES, load_data

R = json.loads((FIXTURES / "emmeans_link_notes" / "r.json").read_text())
FAMILIES = {"probit": lambda: gs.Binomial(link="probit"), "cloglog": lambda: gs.Binomial(link="cloglog"),
            "poisson_sqrt": lambda: gs.Poisson(link="sqrt"), "poisson_identity": lambda: gs.Poisson(link="identity"),
            "inverse_gaussian": gs.InverseGaussian, "inverse_gaussian_log": lambda: gs.InverseGaussian(link="log"),
            "gamma_identity": lambda: gs.Gamma(link="identity"), "gamma_log": lambda: gs.Gamma(link="log"),
            "gamma_inverse": gs.Gamma, "gaussian_inverse": lambda: gs.Gaussian(link="inverse"),
            "quasipoisson_sqrt": lambda: gs.QuasiPoisson(link="sqrt"),
            "quasibinomial_cloglog": lambda: gs.QuasiBinomial(link="cloglog")}
# (a link with a transformed response: where emmeans' contrasts keep the response's transformation -- the README)
TRANSFORMED = {"log_link_log_response", "inverse_link_log_response", "inverse_link_sqrt_response"}
_FITS: dict = {}


def _fit(case: dict) -> gs.GLMResults:
    key = (case["data"], case["family"], case["formula"])
    if key not in _FITS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _FITS[key] = gs.glm(case["formula"], load_data(case["data"]), family=FAMILIES[case["family"]](),
                                tol=1e-14, max_iter=100)
    return _FITS[key]


def _by(case: dict) -> str | None:
    return case["by"] if isinstance(case["by"], str) else None


def _lines(notes: str | list) -> list:
    return [notes] if isinstance(notes, str) else list(notes)  # (jsonlite's auto_unbox writes one line as a string)


def _numbers(values) -> np.ndarray:
    """R's column as numbers: NA (null) is NaN, and a df of Inf, which jsonlite writes as null, inf."""
    return np.array([np.nan if v is None else v for v in np.ravel([values]).tolist()], dtype=float)


def _close(got, want, atol: float = 0.0) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), _numbers(want), rtol=1e-6, atol=atol)


def _r_differs(case: dict) -> bool:
    """emmeans' contrasts of a link with a transformed response keep the response's transformation (the docstring)."""
    return case["id"] in TRANSFORMED


def _link_record(case: dict) -> dict:
    """R's record of the same model with type = "link": its contrasts are the differences on the link scale."""
    return next(c for c in R if c["id"] == case["id"] and c["type"] == "link")


def _expected_notes(case: dict, notes: list, link: str) -> list:
    """R's notes of contrasts, but for what emmeans writes of the response's transformation it keeps (the
    docstring): no tests or intervals "on the log[log] scale", no "Results are given on the log (not the response)
    scale." under an inverse link's differences, and the note of the link's scale."""
    if not _r_differs(case):
        return notes
    kept = [line for line in notes if not line.startswith(("Tests are performed", "Intervals are back-transformed"))
            and not (link != "log" and line.startswith("Results are given on the"))]
    if case["type"] == "response" or link != "log":
        still = f"Note: contrasts are still on the {link} scale"
        if still not in kept:
            kept.insert(1 if kept[0].startswith("Results are averaged") else 0, still)
    return kept


IDS = [f"{c['id']}-{c['type']}" for c in R]


@pytest.mark.parametrize("case", R, ids=IDS)
def test_emmeans_grid_as_emmeans(case):
    means = _fit(case).emmeans(case["term"], by=_by(case), type=case["type"])
    assert means.attrs["heading"].split("\n")[1:] == _lines(case["notes"])
    for column, key in (("estimate", "estimate"), ("std_error", "se"), ("lower", "lower"), ("upper", "upper")):
        _close(means[column], case[key])


@pytest.mark.parametrize("case", R, ids=IDS)
def test_emmeans_contrasts_as_emmeans(case):
    fit = _fit(case)
    link = fit.family.link.name
    numbers = _link_record(case) if _r_differs(case) else case
    for r, r_numbers in zip(case["contrasts"], numbers["contrasts"]):
        adjust = r["adjust"] if isinstance(r["adjust"], str) else None
        table = fit.emmeans_contrasts(case["term"], r["method"], adjust, by=_by(case), type=case["type"])
        assert table.attrs["heading"].split("\n")[1:] == _expected_notes(case, _lines(r["notes"]), link), r["method"]
        assert list(table.index.get_level_values("contrast")) == _lines(r_numbers["contrast"]), r["method"]
        df = _numbers(r_numbers["df"])
        np.testing.assert_array_equal(table["df"].to_numpy(), np.where(np.isnan(df), np.inf, df))
        for column, key in (("estimate", "estimate"), ("std_error", "se"), ("statistic", "statistic")):
            _close(table[column], r_numbers[key])
        # (R's ptukey keeps no digits below 1e-10 and is good to about 3e-11 absolute in its tail)
        _close(table["p_value"], r_numbers["p_value"], atol=3e-11)


@pytest.mark.parametrize("case", R, ids=IDS)
def test_pairs_intervals_and_their_notes_as_emmeans(case):
    fit = _fit(case)
    table = fit.emmeans_pairs(case["term"], by=_by(case), type=case["type"], level=0.9)
    notes = _expected_notes(case, _lines(case["pairs_level_notes"]), fit.family.link.name)
    assert table.attrs["heading"].split("\n")[1:] == notes
    numbers = _link_record(case) if _r_differs(case) else case
    # (an end near 0 is the difference of d and q se, whose relative digits cancel: 1e-6 of the ends' size)
    size = np.abs(_numbers(numbers["pairs_lower"] + numbers["pairs_upper"])).max()
    _close(table["lower"], numbers["pairs_lower"], atol=1e-6 * size)
    _close(table["upper"], numbers["pairs_upper"], atol=1e-6 * size)


UNKNOWN = json.loads((FIXTURES / "emmeans_link_notes" / "unknown_link.json").read_text())
# (the family, its inverse link and that's derivative)
UNKNOWN_FAMILIES = {"quasi_cube_root": (lambda: gs.Quasi(link=Power(1 / 3), variance="mu"), lambda eta: eta**3,
                                        lambda eta: 3 * eta**2),
                    "tweedie_log": (lambda: gs.Tweedie(1.5, 0), np.exp, np.exp),
                    "tweedie_sqrt": (lambda: gs.Tweedie(1.5, 0.5), np.square, lambda eta: 2 * eta)}


@pytest.mark.parametrize("case", UNKNOWN, ids=[f"{c['family']}-{c['type']}" for c in UNKNOWN])
def test_a_power_link_emmeans_does_not_know_is_back_transformed(case):
    family, inverse, derivative = UNKNOWN_FAMILIES[case["family"]]
    fit = gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=family(), tol=1e-14, max_iter=100)
    means = fit.emmeans("tension", type=case["type"])
    eta, se = _numbers(case["estimate"]), _numbers(case["se"])  # (R's means on the link's scale, both types)
    if case["type"] == "link":
        _close(means["estimate"], eta)
        _close(means["std_error"], se)
    else:
        _close(means["estimate"], inverse(eta))
        _close(means["std_error"], derivative(eta) * se)
    link = fit.family.link.name
    notes = [line.replace(case["link"], link) for line in _lines(case["notes"])
             if not line.startswith("Unknown transformation")]
    if case["type"] == "response":
        notes.append(f"Intervals are back-transformed from the {link} scale")
    assert means.attrs["heading"].split("\n")[1:] == notes
