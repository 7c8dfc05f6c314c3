"""A context= function whose value for a row depends on the other rows (a rank, a standardization by the data's
own mean): fitted on the fit's rows as given, but never computed again on other rows -- new data, a model
matrix, a reference grid, the shifted rows of a marginal effect -- where it would silently give the same row
another value (R's predict() does, for such a function of its own)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

DATA = pd.DataFrame({"x": np.arange(1.0, 21.0) ** 1.5, "g": list("ab") * 10, "y": np.arange(20.0) % 7})


def _rank(v):
    return np.argsort(np.argsort(v)) + 1.0


def _standardize(v):
    return (v - v.mean()) / v.std()


FUNCTIONS = {"rank": _rank, "standardize": _standardize,
             "noise": lambda v: v + np.random.default_rng().normal(size=len(v))}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_new_rows_are_refused(name):
    fit = gs.glm("y ~ f(x) + g", DATA, context={"f": FUNCTIONS[name]})
    assert fit.fitted_values.size == 20
    for attempt in (lambda: fit.predict(DATA.iloc[[10]]), lambda: fit.model_matrix(DATA),
                    lambda: fit.average_marginal_effects(), lambda: fit.emmeans("g")):
        with pytest.raises(gs.FormulaError, match=r"'f\(x\)': the context= function's value for a row depends on "
                                                  "the other rows"):
            attempt()


def test_a_function_of_each_row_alone_predicts_as_it_fitted():
    fit = gs.glm("y ~ f(x) + g", DATA, context={"f": np.sqrt})
    np.testing.assert_allclose(fit.predict(DATA.iloc[[10, 3]]).to_numpy(), fit.fitted_values.iloc[[10, 3]],
                               rtol=1e-12)


def test_a_streamed_fit_of_one_chunk_refuses_new_rows_too(tmp_path):
    path = tmp_path / "d.parquet"
    DATA.to_parquet(path)  # (one row group: the data come in one chunk, which the function may see whole)
    fit = gs.glm("y ~ f(x)", str(path), context={"f": _rank})
    np.testing.assert_allclose(fit.coef, gs.glm("y ~ f(x)", DATA, context={"f": _rank}).coef, rtol=1e-12)
    with pytest.raises(gs.FormulaError, match="depends on the other rows"):
        fit.predict(DATA.head(3))


@pytest.mark.parametrize("where", [{"weights": "f(x)"}, {"subset": "f(x) > 4"}, {"formula": "f(y) ~ x + g"}])
def test_a_function_that_new_data_do_not_take_refuses_none(where):
    # (the weights, the subset and the response are the fit's rows' own: a prediction computes none of them again,
    # and was refused all the same; its linear predictor is the fitted one, the closed form X b)
    kwargs = {k: v for k, v in where.items() if k != "formula"}
    fit = gs.glm(where.get("formula", "y ~ x + g"), DATA, context={"f": _rank}, **kwargs)
    new = DATA.iloc[[12, 3, 7]]
    X = np.column_stack([np.ones(3), new["x"], new["g"] == "b"])
    np.testing.assert_allclose(fit.predict(new, type="link").to_numpy(), X @ fit.coef.to_numpy(), rtol=1e-12)
    assert fit.model_matrix(new).shape == (3, 3)


def test_a_function_in_the_offset_or_a_term_beside_weights_still_refuses():
    for formula, kwargs in [("y ~ x", {"offset": "f(x)"}), ("y ~ x + offset(f(x))", {}),
                            ("y ~ f(x)", {"weights": "f(x)"})]:
        fit = gs.glm(formula, DATA, context={"f": _rank}, **kwargs)
        with pytest.raises(gs.FormulaError, match="depends on the other rows"):
            fit.predict(DATA.head(3))


def test_a_streamed_fit_whose_chunks_hold_one_row_each_is_checked_across_them(tmp_path):
    # (the check compares a chunk's values with those of its halves, which a row alone has not: a rank, 1 on every
    # chunk, gave the streamed fit a constant column -- an aliased coefficient where the in-memory fit has a slope,
    # silently; tests read each Parquet row group as a chunk of its own)
    path = tmp_path / "d.parquet"
    DATA.to_parquet(path, row_group_size=1)
    with pytest.raises(gs.FormulaError, match=r"'f\(x\)': the context= function's value for a row depends on the "
                                              r"other rows \(on rows of several chunks together"):
        gs.glm("y ~ f(x) + g", str(path), context={"f": _rank})
    fit = gs.glm("y ~ f(x) + g", str(path), context={"f": np.sqrt})  # (of each row alone: the same together)
    np.testing.assert_allclose(fit.coef, gs.glm("y ~ f(x) + g", DATA, context={"f": np.sqrt}).coef, rtol=1e-10)


def test_chunks_whose_rows_are_alike_within_each_are_checked_across_them(tmp_path):
    # (a centring is 0 on every row of a chunk whose rows are alike, and on its halves too: row groups of two alike
    # rows made the streamed fit's column all 0 where the in-memory fit's is x - mean(x), silently)
    alike = pd.DataFrame({"x": np.repeat(np.arange(1.0, 11.0), 2), "y": np.arange(20.0) % 7})
    path = tmp_path / "alike.parquet"
    alike.to_parquet(path, row_group_size=2)

    def centre(v):
        return v - v.mean()

    assert np.isfinite(gs.glm("y ~ f(x)", alike, context={"f": centre}).coef).all()
    with pytest.raises(gs.FormulaError, match="on rows of several chunks together it gives them other values"):
        gs.glm("y ~ f(x)", str(path), context={"f": centre})
