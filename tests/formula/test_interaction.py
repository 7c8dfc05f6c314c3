"""``interaction()`` in a formula as R's (tests/fixtures/cut_interaction, ``make_cut_interaction.R``): fits of two
and three factors, of a factor and a number, with sep, lex.order, an unused combination and drop = TRUE against
R's glm (coefficients in R's order with R's names, standard errors, deviance, predictions of new rows), the levels
and codes of awkward arguments against R's, estimated marginal means, streamed data fitted as in memory, and a
formula combining two columns of 100,000 ids refused from the level counts, before any combination is built."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close
from factor_refs import REF, fit_as_r, formula_value, new_rows, r_names, reference_data
from glmstat.formula import values
from streamed_cases import (GROUP, as_streamed, assert_same_dask_fit, assert_same_fit, close, data, fit,
                            row_groups)

FITS = [f for f in REF["fits"] if "interaction(" in f["formula"]]


@pytest.mark.parametrize("ref", FITS, ids=[f["formula"] for f in FITS])
def test_fits_as_r(ref):
    got = fit_as_r(ref, reference_data())
    assert r_names(got.coef.index) == ref["coef_names"]
    assert_close(got.coef, ref["coefficients"], rtol=1e-8)
    assert_close(got.std_errors, ref["std_errors"], rtol=1e-7)
    assert_close(got.deviance, ref["deviance"], rtol=1e-10)
    new = new_rows()
    assert_close(got.predict(new), ref["predict"], rtol=1e-8)
    assert_close(got.predict(new.iloc[[1]]), ref["predict"][1:2], rtol=1e-8)


def _arguments() -> pd.DataFrame:
    a = REF["interaction_data"]
    return pd.DataFrame({"e": a["e"], "f": a["f"], "g": pd.Categorical(a["g"], categories=a["g_levels"]),
                         "l": a["l"], "h": np.asarray(a["h"], dtype=float)})


@pytest.mark.parametrize("case", REF["interactions"], ids=[c["expr"] for c in REF["interactions"]])
def test_levels_and_codes_as_r(case):
    """Texts that coincide merged into the first's level (``"a.b" + "c"``, ``"a" + "b.c"``), logicals written
    TRUE and FALSE, numbers sorted by value, a factor's unused level combined unless drop = TRUE."""
    f = formula_value(case["expr"], _arguments())
    assert isinstance(f, values.FactorVec) and not f.ordered
    assert list(f.levels) == case["levels"]
    assert_close(np.where(f.codes >= 0, f.codes + 1.0, np.nan), case["codes"], rtol=0, atol=0)


def test_an_unused_combination_has_no_column_as_in_r():
    ref = next(f for f in FITS if f["formula"] == "y ~ interaction(a, c)")
    d = reference_data()
    assert not ((d.a == "r") & (d.c == "w")).any()
    got = fit_as_r(ref, d)
    assert r_names(got.coef.index) == ref["coef_names"] and not any("r.w" in c for c in got.coef.index)


def test_emmeans_of_the_combined_variables_as_r():
    ref = REF["emmeans_interaction"]
    got = gs.glm(ref["formula"], reference_data(), family=gs.Poisson(), tol=1e-12)
    for var in ("a", "b"):
        table = got.emmeans(var)
        assert list(table.index) == ref[var]["levels"]
        assert_close(table["estimate"], ref[var]["estimate"], rtol=1e-7)
        assert_close(table["std_error"], ref[var]["std_error"], rtol=1e-7)


def test_emmeans_over_a_combination_no_row_takes_is_refused():
    """r.w is no row's: the grid's row of a = "r", c = "w" has no level of interaction(a, c).  R's emmeans gives it
    the reference level's mean (1.38 with the SE of p.k), under a note that results "may be misleading"; glmstat
    refuses it, naming the combination."""
    got = gs.glm("y ~ interaction(a, c)", reference_data(), family=gs.Poisson())
    with pytest.raises(gs.DataError, match=r"'interaction\(a, c\)' .* level\(s\) 'r.w' not seen when fitting"):
        got.emmeans("a")


def test_summary_anova_drop1_and_new_combinations():
    got = gs.glm("y ~ interaction(a, b) + x", reference_data(), family=gs.Poisson())
    assert "interaction(a, b)[T.q.u]" in str(got.summary())
    assert list(got.anova().index) == ["NULL", "interaction(a, b)", "x"]
    assert list(got.drop1().index) == ["<none>", "interaction(a, b)", "x"]
    with pytest.raises(gs.DataError, match=r"'interaction\(a, b\)' of the new data has level\(s\) 'p.z' not seen"):
        got.predict(pd.DataFrame({"a": ["p"], "b": ["z"], "x": [1.0]}))


STREAMED = "count ~ x1 + interaction(g, h) + offset(log(expo))"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def mem(frame) -> gs.GLMResults:
    return fit(STREAMED, frame, gs.Poisson(), None)


def test_the_streamed_data_s_levels_differ_by_chunk(frame, mem):
    """g's level l99 is only in the last row group: sorted over each chunk's own levels, the combinations would
    not be in R's order (g varying fastest)."""
    assert (frame["g"].iloc[:-GROUP] != "l99").all() and (frame["g"].iloc[-40:] == "l99").all()
    assert mem.column_names[2:5] == ["interaction(g, h)[T.l01.a]", "interaction(g, h)[T.l02.a]",
                                     "interaction(g, h)[T.l03.a]"]
    assert mem.column_names[-1] == "interaction(g, h)[T.l99.c]"


def test_parquet_row_groups_fit_as_in_memory(frame, mem, tmp_path):
    pytest.importorskip("pyarrow")
    path = row_groups(frame, tmp_path)
    assert_same_fit(fit(STREAMED, path, gs.Poisson(), None), mem, path, frame)


def test_dask_partitions_fit_as_in_memory(frame, mem):
    pytest.importorskip("dask.dataframe")
    assert_same_dask_fit(STREAMED, frame, mem)


def test_lex_order_drop_and_sep_from_parquet(frame, tmp_path):
    pytest.importorskip("pyarrow")
    path = row_groups(frame, tmp_path)
    formula = "count ~ interaction(h, g, sep = \"/\", drop = TRUE, lex.order = TRUE) + offset(log(expo))"
    a, b = fit(formula, path, gs.Poisson(), None), fit(formula, frame, gs.Poisson(), None)
    assert a.column_names == b.column_names and a.column_names[1] == f"{formula[8:-20]}[T.a/l01]"
    close(a.coef, b.coef, what=formula)


def test_two_columns_of_100000_ids_are_refused_from_their_level_counts():
    n = 100_000
    ids = pd.DataFrame({"id1": [f"i{k}" for k in range(n)], "id2": [f"j{k}" for k in range(n)][::-1],
                        "y": np.ones(n)})
    # (the message is combination_functions._check_combinations', which reads the level counts before any
    # combination is built)
    with pytest.raises(gs.FormulaError, match=r"^interaction\(id1, id2\) combines 100,000 x 100,000 levels, more "
                                              r"combinations .*: 9,999,999,999, where the limit max_columns is 5,000"):
        gs.glm("y ~ interaction(id1, id2)", ids)


def test_the_bound_follows_the_limits():
    d = reference_data()
    with pytest.raises(gs.FormulaError, match=r"interaction\(a, b, c\) combines 3 x 2 x 3 levels, .*: 17, where "
                                              r"the limit max_columns is 10"):
        gs.glm("y ~ interaction(a, b, c)", d, family=gs.Poisson(), limits=gs.FormulaLimits(max_columns=10))
    assert gs.glm("y ~ interaction(a, b)", d, family=gs.Poisson(), limits=gs.FormulaLimits(max_columns=10)).rank == 6


def test_the_levels_each_chunk_of_streamed_data_gives_count_against_the_design_s_memory(tmp_path):
    # each chunk's record of its arguments' levels is kept until every chunk is read, and only their merged count
    # was bounded: chunks of the same 100 long ids piled up a copy each (10 chunks, 10 MB, past a limit of 4 MB)
    ids = [f"{k:03d}" + "a" * 5_000 for k in range(100)]
    frame = pd.DataFrame({"g": ids * 10, "h": ["p", "q"] * 500, "y": np.linspace(0, 1, 1_000)})
    limits = gs.FormulaLimits(max_design_bytes=4 * 2**20)
    with pytest.raises(gs.FormulaError, match=r"^the values gathered from every chunk of the data to learn "
                                              r"interaction\(g, h\) from need more memory than allowed"):
        gs.glm("y ~ interaction(g, h)", as_streamed(frame, "dask", tmp_path, rows=100), limits=limits)
    assert fit("y ~ interaction(g, h)", as_streamed(frame.iloc[:200], "dask", tmp_path, rows=100), None, None,
               ).rank == 100


REFUSED = [
    ("y ~ interaction()", r"interaction\(\): no factors given"),
    ("y ~ interaction(a, b, sep = 1)", r"interaction\(a, b, sep = 1\): sep must be a string, e.g. sep = \"_\", got 1"),
    ("y ~ interaction(a, b, drop = \"yes\")", r"drop must be TRUE or FALSE"),
    ("y ~ interaction(a, b, lex = TRUE)", r"unknown argument 'lex': the factors are given by position"),
    ("y ~ interaction(a, 2)", r"interaction\(a, 2\): needs a column or an expression of one value per row"),
]


@pytest.mark.parametrize("formula, message", REFUSED, ids=[f for f, _ in REFUSED])
def test_refusals_name_the_call_and_theformula_value(formula, message):
    with pytest.raises(gs.FormulaError, match=message):
        gs.glm(formula, reference_data(), family=gs.Poisson())
