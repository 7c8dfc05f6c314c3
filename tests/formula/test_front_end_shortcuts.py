"""The front end's one-reduction shortcuts decide exactly as the row-by-row checks they skip.

A NaN anywhere sends evaluate_rows to the per-row masks, a value outside the support or not whole sends
check_model_frame to its per-row scan (which looks only at rows with a positive weight), and the dense form of
a small structured design is the structured design's own matrix.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.design.dense import DenseDesign
from glmstat.design.policy import for_fitting
from glmstat.design.structured import Factor, StructuredDesign
from glmstat.errors import DataError
from glmstat.formula.frame import build_model_frame
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.validation import check_model_frame
from glmstat.inputs import model_frame_and_source


@pytest.fixture
def d() -> pd.DataFrame:
    r = np.random.default_rng(3)
    n = 40
    return pd.DataFrame({"x": r.normal(size=n), "z": r.uniform(1, 2, n), "g": list("abcd") * 10,
                         "y": r.poisson(3, n).astype(float), "w": r.uniform(0.5, 2, n)})


def _frame_and_source(formula, data, family, **kw):
    kw = {"weights": None, "offset": None, "na_action": "drop", "context": None, "limits": DEFAULT_LIMITS, **kw}
    return model_frame_and_source(formula, data, family, **kw)


def test_toarray_is_the_design_column_by_column():
    codes = np.array([0, 2, 1, 2, 0, 1])
    X = StructuredDesign(6, 0, np.arange(12.0).reshape(6, 2), [1, 4],
                         [Factor(codes, np.array([-1, 2, 3])), Factor(codes[::-1].copy(), np.array([-1, 5, -1]))])
    dense = X.toarray()
    np.testing.assert_array_equal(dense, X._dense_columns(np.arange(6)))
    assert dense.flags.c_contiguous


def test_a_small_structured_design_is_fitted_from_its_dense_matrix(d):
    frame = build_model_frame("y ~ x + g", d, gs.Poisson())
    assert isinstance(frame.design, StructuredDesign)
    dense = for_fitting(frame.design)
    assert isinstance(dense, DenseDesign) and dense.X.flags.c_contiguous  # C order, as the engine was tuned on
    np.testing.assert_array_equal(dense.X, frame.design.toarray())


@pytest.mark.parametrize("where", ["x", "y", "g", "log(z)", "w"])
def test_rows_dropped_for_missing_values_are_those_of_the_per_row_masks(d, where):
    d = d.copy()
    rows = [3, 17, 30]
    if where == "g":
        d["g"] = d["g"].astype(object)
        d.loc[rows, "g"] = None
    elif where == "log(z)":
        d.loc[rows, "z"] = -1.0  # log of a negative number: NaN, though no column is missing
    else:
        d.loc[rows, where] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(-1)
        frame = build_model_frame("y ~ x + g + log(z)", d, gs.Poisson(), weights="w")
    assert dict(frame.dropped_by) == {where: 3}  # (log(z): the term NaN where no column is missing)
    assert frame.n_dropped == 3
    np.testing.assert_array_equal(frame.row_positions, np.setdiff1d(np.arange(len(d)), rows))


def test_complete_data_uses_every_row(d):
    frame = build_model_frame("y ~ x + g", d, gs.Poisson(), weights="w")
    assert frame.n_dropped == 0 and dict(frame.dropped_by) == {}
    np.testing.assert_array_equal(frame.row_positions, np.arange(len(d)))


def test_a_missing_value_next_to_an_infinite_one_is_dropped_and_the_infinity_refused(d):
    d = d.copy()
    d.loc[2, "x"], d.loc[5, "x"] = np.nan, np.inf
    with pytest.raises(DataError, match="'x' has infinite values"):
        build_model_frame("y ~ x", d, gs.Poisson())


def test_responses_outside_the_support_count_whatever_their_weight(d):
    # (as R's families check every row; a negative count of weight 0 once passed here and the fit then failed
    # to find starting values: tests/formula/test_zero_weight_support.py)
    d = d.copy()
    d.loc[4, "y"] = -1.0
    d.loc[4, "w"] = 0.0
    frame, source = _frame_and_source("y ~ x", d, gs.Poisson(), weights="w")
    with pytest.raises(DataError, match=r"row 4 has -1 \(1 row outside\); that row has weight 0"):
        check_model_frame(frame, source, gs.Poisson())
    d.loc[4, "w"] = 1.0
    frame, source = _frame_and_source("y ~ x", d, gs.Poisson(), weights="w")
    with pytest.raises(DataError, match=r"row 4 has -1 \(1 row outside\)"):
        check_model_frame(frame, source, gs.Poisson())


def test_non_integer_counts_warn_only_with_a_positive_weight(d):
    d = d.copy()
    d.loc[[6, 9], "y"] = 2.5
    d.loc[6, "w"] = 0.0
    frame, source = _frame_and_source("y ~ x", d, gs.Poisson(), weights="w")
    (finding,) = check_model_frame(frame, source, gs.Poisson())
    assert finding[0] is gs.errors.DataWarning and re.search(r"row 9 has 2.5; 1 row\)", finding[1])
    d.loc[9, "w"] = 0.0
    frame, source = _frame_and_source("y ~ x", d, gs.Poisson(), weights="w")
    assert check_model_frame(frame, source, gs.Poisson()) == ()


@pytest.mark.parametrize("scale, match", [(1e150, "values as large as"), (1e-150, "no value larger than")])
def test_design_columns_out_of_double_range_are_named(d, scale, match):
    d = d.assign(x=d.x * scale)
    frame, source = _frame_and_source("y ~ z + x", d, gs.Poisson())
    with pytest.raises(DataError, match=f"design column 'x' has {match}"):
        check_model_frame(frame, source, gs.Poisson())
