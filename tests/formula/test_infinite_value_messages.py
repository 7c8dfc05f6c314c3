"""An infinite offset or design value is refused naming where it comes from: the offset() term or offset=
argument (or the design column), the first row by its label and the value -- in memory and in streamed row groups
alike (the rows' labels are the data's index)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


@pytest.fixture()
def d() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 12
    return pd.DataFrame({"count": rng.poisson(3, n).astype(float), "x": rng.normal(size=n),
                         "expo": rng.uniform(1, 3, n), "o": np.zeros(n)},
                        index=[f"r{i}" for i in range(n)])


def refuse(match: str, formula: str, data, **kw) -> str:
    with pytest.raises(gs.DataError, match=match) as info:
        gs.glm(formula, data, family=gs.Poisson(), **kw)
    return str(info.value)


def test_an_offset_term_at_a_zero_exposure_names_the_term_the_row_and_the_value(d):
    d.loc[["r4", "r9"], "expo"] = 0.0
    refuse(r"^the offset has infinite values: offset\(log\(expo\)\) is -inf in row 'r4' \(log of a zero exposure\?\); "
           r"drop such rows or correct the values$", "count ~ x + offset(log(expo))", d)


def test_the_offset_part_that_is_infinite_is_the_one_named(d):
    d.loc["r7", "o"] = np.inf
    refuse(r"offset column 'o' is inf in row 'r7' \(log", "count ~ x + offset(log(expo))", d, offset="o")
    refuse(r"offset= is inf in row 'r7' \(log", "count ~ x + offset(log(expo))", d, offset=d["o"].to_numpy())
    d.loc["r7", "o"] = 0.0
    d.loc["r2", "expo"] = 0.0
    refuse(r"offset\(log\(expo\)\) is -inf in row 'r2'", "count ~ x + offset(log(expo))", d, offset="o")


def test_an_infinite_offset_in_a_row_dropped_for_a_missing_value_is_no_refusal(d):
    d.loc["r3", "expo"] = 0.0
    d.loc["r3", "x"] = np.nan
    d.loc["r5", "expo"] = 0.0
    # the first infinite offset among the rows used is row 'r5'
    refuse(r"is -inf in row 'r5' \(log", "count ~ x + offset(log(expo))", d)


def test_an_infinite_design_value_names_the_row_and_the_value(d):
    d.loc[["r6", "r8"], "x"] = [np.inf, -np.inf]
    refuse(r"^the design column 'x' has infinite values \(row 'r6' has inf\); remove or transform them$",
           "count ~ x", d)
    d.loc[["r6", "r8"], "x"] = [1.0, 0.0]
    refuse(r"^the design column 'log\(x\)' has infinite values \(row 'r8' has -inf\)", "count ~ log(x)",
           d.assign(x=d["x"].abs()))


def test_an_infinite_value_times_zero_in_an_interaction_is_named_as_a_nan(d):
    # log(0) * 0 is NaN in R too, whose glm.fit stops with "NA/NaN/Inf in 'x'"; numpy's "invalid value" warning
    # (an error under this suite's filters) no longer leaks from the product
    d["o"] = 1.0
    d.loc["r3", ["x", "o"]] = 0.0
    refuse(r"^the design column 'log\(abs\(x\)\):o' has values that are not numbers \(row 'r3' has NaN: an "
           r"infinite value times 0\); remove or transform them$", "count ~ log(abs(x)):o", d)


def test_a_new_row_of_an_infinite_value_times_zero_is_predicted_as_missing(d):
    # (R's predict.glm gives NA for such a row, without a word)
    fit = gs.glm("count ~ log(abs(x)):o", d.assign(o=1.0 + np.arange(len(d)) % 3), family=gs.Poisson())
    new = pd.DataFrame({"x": [0.0, 1.5], "o": [0.0, 2.0]})
    p = fit.predict(new, type="link", se_fit=True)
    assert np.isnan(p["fit"].iloc[0]) and np.isnan(p["se"].iloc[0])
    b = fit.coef.to_numpy()
    assert p["fit"].iloc[1] == pytest.approx(b[0] + b[1] * np.log(1.5) * 2.0, rel=1e-12)


def test_streamed_rows_are_named_by_their_labels_too(d, tmp_path):
    pytest.importorskip("pyarrow")
    d = d.reset_index(drop=True)
    d.loc[9, "expo"] = 0.0
    d.loc[10, "x"] = np.inf
    path = tmp_path / "d.parquet"
    d.to_parquet(path, row_group_size=4)
    # (a Parquet file's rows are labelled 0, 1, ... across its row groups)
    refuse(r"offset\(log\(expo\)\) is -inf in row 9 \(log", "count ~ offset(log(expo))", str(path))
    refuse(r"the design column 'x' has infinite values \(row 10 has inf\)", "count ~ x", str(path))


@pytest.mark.parametrize("column", ["s", "f"])
def test_an_infinite_count_of_a_cbind_response_is_refused_not_dropped_as_missing(d, column):
    # (the proportion inf/inf is NaN, and the row was dropped with "1 of 12 rows dropped for missing values
    # (cbind(s, f): 1)"; R stops, with "missing value where TRUE/FALSE needed")
    d = d.assign(s=d["count"], f=3.0)
    d.loc[["r2", "r5"], column] = np.inf
    with pytest.raises(gs.DataError, match=rf"^'{column}' must be finite counts; row 'r2' has inf; remove or "
                                           r"correct it$"):
        gs.glm("cbind(s, f) ~ x", d, family=gs.Binomial())
