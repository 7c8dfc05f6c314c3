"""emmeans' ``contrast(emm, "identity")`` (its ``identity.emmc``): each mean its own contrast, labelled by its
level, on the link scale whatever ``type`` (the mean offset kept: a linear combination whose coefficients do not
sum to 0 keeps the grid's offset), never a ratio, with emmeans' note ``Note: contrasts are still on the log scale``
(none for an identity link); not adjusted by default, a family of k for the adjustments asked for (Tukey's changed
to Sidak's, Scheffe's of rank k).  glmstat refused ``"identity"`` as an unknown comparison.

R's output: tests/fixtures/emmeans_identity/make_emmeans_identity.R -> r.json (emmeans 1.8.4: estimates, SEs,
df, z or t ratios, p-values, 90% intervals and the notes printed with and without them, for log, logit and
identity links, an offset, one and two factors, by groups, type "response" and "link").
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data

R = json.loads((FIXTURES / "emmeans_identity" / "r.json").read_text())
FAMILIES = {"poisson": gs.Poisson, "gaussian": gs.Gaussian, "binomial": gs.Binomial, "gamma_inverse": gs.Gamma}


def _lines(notes: str | list) -> list:
    return [notes] if isinstance(notes, str) else notes  # (jsonlite's auto_unbox writes one line as a string)


def _data(name: str) -> pd.DataFrame:
    data = load_data(name)
    return data[data["service"] > 0].reset_index(drop=True) if name == "ships" else data


_FITS: dict = {}


def _fit(case: dict) -> gs.GLMResults:
    key = (case["data"], case["formula"], case["family"])
    if key not in _FITS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            _FITS[key] = gs.glm(case["formula"], _data(case["data"]), family=FAMILIES[case["family"]](), tol=1e-14,
                                max_iter=100)
    return _FITS[key]


def _contrasts(case: dict, level: float | None = None) -> pd.DataFrame:
    by = case["by"] if isinstance(case["by"], str) else None
    return _fit(case).emmeans_contrasts(case["term"], "identity", case["adjust"], by=by, level=level,
                                        type=case["type"])


def _id(case: dict) -> str:
    return f"{case['id']}-{case['type']}-{case['adjust']}"


@pytest.mark.parametrize("case", R, ids=_id)
def test_identity_contrasts_are_emmeans(case):
    table = _contrasts(case, level=0.9)
    assert list(table.index.get_level_values("contrast")) == case["contrast"]
    assert_close(table["estimate"], case["estimate"], rtol=1e-7)
    assert_close(table["std_error"], case["se"], rtol=1e-6)
    df = case["df"]  # (R's Inf written as "Inf": the z-based tests of the families other than gaussian and Gamma)
    assert_close(table["df"], np.full(len(table), np.inf) if df == "Inf" else df, rtol=1e-12)
    assert_close(table["statistic"], case["ratio"], rtol=1e-6)
    # (p-values below 1e-300 are 0 in R; R's Sidak and Scheffe tails keep no digits below about 1e-15)
    assert_close(table["p_value"], case["p_value"], rtol=1e-6, atol=1e-14)
    assert_close(table["lower"], case["lower"], rtol=1e-6)
    assert_close(table["upper"], case["upper"], rtol=1e-6)


@pytest.mark.parametrize("case", R, ids=_id)
def test_identity_contrasts_carry_emmeans_notes(case):
    assert _contrasts(case).attrs["heading"].split("\n")[1:] == _lines(case["notes"])
    assert _contrasts(case, level=0.9).attrs["heading"].split("\n")[1:] == _lines(case["level_notes"])


def test_identity_by_groups_are_indexed_by_the_by_levels():
    case = next(c for c in R if c["id"] == "log_by")
    table = _contrasts(case)
    assert list(table.index.names) == ["wool", "contrast"]
    assert list(table.index.get_level_values("wool")) == ["A"] * 3 + ["B"] * 3


def test_identity_takes_no_control():
    case = R[0]
    with pytest.raises(gs.GLMStatError, match="ref= is for method=\"trt.vs.ctrl\""):
        _fit(case).emmeans_contrasts(case["term"], "identity", ref=1)
