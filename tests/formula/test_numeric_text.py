"""A column of text whose values read as numbers is fitted as a factor, as R fits a character column, and says so
(DataWarning naming the column), in memory, from a Parquet file and from a dask DataFrame; ids written as whole
numbers, words and factor(x) say nothing."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


def _data(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=n), 3)
    return pd.DataFrame({
        "y": rng.poisson(np.exp(0.3 * x)).astype(float),
        "x_text": [f"{v:.3f}" for v in x],  # numbers kept as text
        "dose": [str(v) if i % 9 else "?" for i, v in enumerate(rng.integers(0, 30, n))],  # a stray token
        "clinic": [f"{i % 12:02d}" for i in range(n)],  # ids written as whole numbers
        "arm": np.where(x > 0, "treated", "control"),
    })


def _data_warnings(formula: str, data) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gs.glm(formula, data, family=gs.Poisson())
    return [str(w.message) for w in caught if issubclass(w.category, gs.DataWarning)]


@pytest.mark.filterwarnings("ignore::glmstat.SeparationWarning")  # (levels of one row with y = 0)
def test_numbers_as_text_are_a_factor_and_say_so():
    d = _data()
    levels = d["x_text"].nunique()
    with pytest.warns(gs.DataWarning, match=rf"column 'x_text' holds text, so it is fitted as a factor of {levels} "
                                            r"levels .* all of them read as numbers.*factor\(x_text\)"):
        fit = gs.glm("y ~ x_text", d, family=gs.Poisson())
    assert len(fit.coef) == levels  # the intercept and one column per level but the first, as R's factor


@pytest.mark.filterwarnings("ignore::glmstat.SeparationWarning")
def test_a_stray_token_is_named():
    d = _data()
    with pytest.warns(gs.DataWarning, match=r"column 'dose' .* of them read as numbers, all but '\?'"):
        gs.glm("y ~ dose", d, family=gs.Poisson())


@pytest.mark.parametrize("formula", ["y ~ clinic", "y ~ arm", "y ~ factor(x_text)"])
def test_ids_words_and_factor_calls_say_nothing(formula):
    assert _data_warnings(formula, _data()) == []


def test_digits_of_other_scripts_are_words():
    # Arabic-Indic numbers are text R and pandas do not read as numbers: a factor, and no warning (the pattern's
    # \d took them for digits, and pandas then raised a ValueError out of glm())
    d = pd.DataFrame({"y": np.arange(6.0),
                      "t": ["\u0661.\u0665", "\u0662.\u0665", "\u0663.\u0665", "1.5", "2.5", "3.5"]})
    assert _data_warnings("y ~ t", d.assign(y=d.y + 1)) == []


def test_parquet_and_dask_data_say_so_too(tmp_path):
    pytest.importorskip("pyarrow")
    dd = pytest.importorskip("dask.dataframe")
    d = _data()
    path = tmp_path / "d.parquet"
    d.to_parquet(path, row_group_size=25, index=False)
    for data in (str(path), dd.from_pandas(d, npartitions=3)):
        found = _data_warnings("y ~ x_text + dose + clinic", data)
        assert [m.split(" holds")[0] for m in found] == ["column 'x_text'", "column 'dose'"]


def test_python_numbers_that_dask_turns_into_text():
    # in memory an object column of floats is a number; dask's from_pandas stores it as strings, so the dask fit is a
    # factor of as many levels, and says so
    dd = pytest.importorskip("dask.dataframe")
    d = _data()
    d["x_obj"] = pd.Series([float(v) for v in d["x_text"]], dtype=object)
    assert _data_warnings("y ~ x_obj", d) == []
    data = dd.from_pandas(d, npartitions=3)
    if not pd.api.types.is_string_dtype(data["x_obj"].dtype):
        pytest.skip("this dask keeps object columns as objects")
    assert any("column 'x_obj' holds text" in m for m in _data_warnings("y ~ x_obj", data))
