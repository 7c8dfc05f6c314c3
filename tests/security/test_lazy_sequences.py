"""Arguments and data that hold far more values than their bytes: a ``range(10**12)`` (48 bytes), a run-end
encoded Arrow column of a trillion rows (a few bytes).

Each was read into an array before its length was compared with the rows -- ``np.asarray(range(10**12))`` asks
for 8 TB -- and the call ended in a raw ``MemoryError`` (pyarrow's ``ArrowMemoryError``), or, for sizes that
memory could just hold, took it.  They are now counted first (:func:`glmstat._arguments.items_given`) and
refused with a GLMStatError naming the argument and the count; a run-end encoded table is measured against
``FormulaLimits.max_design_bytes`` before it is decoded.  In-process: with the fix each refusal takes
milliseconds; without it numpy refuses the 8 TB at once (a MemoryError, which fails the test), never
allocating it.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat._arguments import items_given

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "g": list("abab" * 2)})
N = len(D)
HUGE = range(10**12)


def refused(call, cls: type, match: str) -> None:
    with pytest.raises(gs.GLMStatError) as info:
        call()
    assert isinstance(info.value, cls), f"{type(info.value).__name__}: {info.value}"
    assert re.search(match, str(info.value)), str(info.value)


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    return gs.glm("y ~ x + g", D)


@pytest.mark.parametrize("kwargs,match", [
    ({"weights": HUGE}, "^weights has 1,000,000,000,000 values but the data has 8 rows$"),
    ({"offset": HUGE}, "^offset has 1,000,000,000,000 values but the data has 8 rows$"),
    ({"weights": range(10**20)}, "^weights has 100,000,000,000,000,000,000 values"),  # (len() overflows)
    ({"weights": [HUGE] * N}, "^weights must be numbers, one value per row$"),  # (8 rows of a trillion)
])
def test_weights_and_offsets_are_counted_before_they_are_read(kwargs, match):
    refused(lambda: gs.glm("y ~ x", D, **kwargs), gs.DataError, match)


def test_a_range_of_one_value_per_row_is_still_read():
    w = gs.glm("y ~ x", D, weights=range(1, N + 1))
    assert w.coef.equals(gs.glm("y ~ x", D, weights=np.arange(1.0, N + 1)).coef)


@pytest.mark.parametrize("columns,match", [
    ({"y": list(D.y), "x": HUGE}, "^data columns must all have the same length: 'y' has 8 values and 'x' "
                                  "1,000,000,000,000$"),
    ({"y": HUGE, "x": HUGE}, "^data has columns of 1,000,000,000,000 values, more than memory holds$"),
])
def test_a_dict_of_columns_is_counted_before_it_is_read(columns, match):
    refused(lambda: gs.glm("y ~ x", columns), gs.DataError, match)


def test_new_data_and_refit_data_are_counted_before_they_are_read(fit):
    new = {"x": HUGE, "g": ["a"]}
    match = "^(new)?data columns must all have the same length: 'x' has 1,000,000,000,000 values and 'g' 1$"
    refused(lambda: fit.predict(new), gs.DataError, match)
    refused(lambda: fit.model_matrix(new), gs.DataError, match)
    refused(lambda: fit.update("~ .", data={"y": list(D.y), "x": HUGE, "g": list(D.g)}), gs.DataError,
            "columns must all have the same length")


def test_a_hypothesis_matrix_and_its_rhs_are_counted_before_they_are_read(fit):
    refused(lambda: fit.wald_test(HUGE), gs.GLMStatError,
            "^the hypothesis matrix has 1,000,000,000,000 rows .*more than the 3 coefficients")
    refused(lambda: fit.wald_test([[0, 1, 0]], rhs=HUGE), gs.GLMStatError,
            r"^rhs must have one value per hypothesis \(1\), got 1,000,000,000,000$")
    assert fit.wald_test([[0, 1, 0]], rhs=[0.0]).statistic == pytest.approx(fit.wald_test("x = 0").statistic)


def test_cluster_values_are_counted_before_they_are_read(fit):
    refused(lambda: fit.robust(cluster=HUGE), gs.DataError,
            r"^cluster has 1,000,000,000,000 values; it needs one per row used \(8\)")


def test_a_run_end_encoded_arrow_table_is_measured_before_it_is_decoded(fit):
    pa = pytest.importorskip("pyarrow")
    ones = pa.RunEndEncodedArray.from_arrays([10**12], [1.0])  # (a trillion rows in a few bytes)
    table = pa.table({"y": ones, "x": ones})
    match = (r"^the Arrow table's run-end encoded columns of 1,000,000,000,000 rows decode to more bytes than "
             r"allowed: 16,000,000,000,000, where the limit max_design_bytes")
    refused(lambda: gs.glm("y ~ x", table), gs.FormulaError, match)
    refused(lambda: fit.predict(pa.table({"x": ones, "g": pa.RunEndEncodedArray.from_arrays([10**12], ["a"])})),
            gs.FormulaError, "run-end encoded columns of 1,000,000,000,000 rows")
    # within the limit such a table is decoded and used as its values
    small = pa.table({"y": pa.array(D.y), "x": pa.RunEndEncodedArray.from_arrays([4, 8], [1.0, 2.0])})
    assert gs.glm("y ~ x", small).coef.tolist() == pytest.approx(
        gs.glm("y ~ x", D.assign(x=[1.0] * 4 + [2.0] * 4)).coef.tolist())


def test_items_given_closed_forms():
    assert items_given(range(10**20)) == 10**20
    assert items_given(range(0, 10**20, 7)) == -(-10**20 // 7)
    assert items_given(range(10**20, 0, -3)) == -(-10**20 // 3)
    assert items_given(range(5, 3)) == 0
    assert items_given([1, 2, 3]) == 3
    for value in (5, 2.5, "abc", b"ab", np.ones(3), pd.Series([1.0]), {"a": 1}, (v for v in "ab")):
        assert items_given(value) is None

    class Endless:
        def __len__(self):
            return sys.maxsize + 1  # (len() raises OverflowError)
    assert items_given(Endless()) == sys.maxsize


def test_rows_that_are_each_a_huge_sequence_are_refused(fit):
    # as many rows as the data or the hypotheses need, each a range(10**12): numpy refused the array with a
    # MemoryError (at once, for want of 8 TB a row) where a refusal belongs
    refused(lambda: fit.robust(cluster=[HUGE] * N), gs.DataError,
            "^cluster must be one value per row, got rows of many values each$")
    refused(lambda: fit.wald_test([HUGE]), gs.GLMStatError, "^the hypothesis matrix must be finite real numbers")
    refused(lambda: fit.wald_test([[0, 1, 0]], rhs=[HUGE]), gs.GLMStatError, "^rhs must be finite real numbers")
    refused(lambda: gs.glm("y ~ x + k", D, context={"k": [HUGE] * N}), gs.DataError,
            "^context= entry 'k' is not an array of numbers, booleans or strings$")
