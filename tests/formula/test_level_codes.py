"""A factor's level codes in a formula (as.numeric(f), as.integer(f), unclass(f)): R's ?esoph example, a linear
trend over ordered factors, against R (fixtures/level_codes, make_level_codes.R), in memory and from Parquet;
new data coded by the fit's levels; and the trap of levels that read as numbers, which warns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "level_codes"
REF = json.loads((HERE / "ref.json").read_text())


def esoph() -> pd.DataFrame:
    d = pd.read_csv(HERE / "esoph.csv")
    for col, levels in REF["levels"].items():
        d[col] = pd.Categorical(d[col], categories=levels, ordered=True)
    return d


@pytest.mark.parametrize("kind", ["in-memory", "parquet"])
@pytest.mark.parametrize("ref", REF["fits"], ids=["unclass", "as.numeric"])
def test_level_codes_as_r(ref, kind, tmp_path):
    d = esoph()
    data = d
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "e.parquet", row_group_size=13, index=False)
        data = str(tmp_path / "e.parquet")
    fit = gs.glm(ref["formula"], data, family=gs.Binomial(), tol=1e-12)
    assert_close(fit.coef, ref["coefficients"], rtol=1e-8)
    assert_close(fit.std_errors, ref["std_errors"], rtol=1e-7)
    assert_close(fit.deviance, ref["deviance"], rtol=1e-10)
    new = d.iloc[[r - 1 for r in ref["new_rows"]]]
    assert_close(fit.predict(new), ref["predict"], rtol=1e-8)
    # (new data whose factors hold only the levels of their rows: coded by the fit's levels all the same)
    plain = new.astype({c: str for c in REF["levels"]})
    assert_close(fit.predict(plain), ref["predict"], rtol=1e-8)


def test_a_level_the_fit_did_not_see_is_refused_and_numbers_pass_through_unclass():
    d = pd.DataFrame({"g": ["lo", "mid", "hi", "mid", "lo", "hi"], "x": [1.0, 2, 3, 4, 5, 6],
                      "y": [1.0, 2, 3, 2, 1, 4]})
    fit = gs.glm("y ~ as.numeric(g) + unclass(x)", d)  # (levels hi, lo, mid: codes 1, 2, 3)
    assert_close(fit.model_matrix()["as.numeric(g)"].to_numpy(), [2.0, 3, 1, 3, 2, 1])
    assert_close(fit.model_matrix()["unclass(x)"].to_numpy(), d.x.to_numpy())
    with pytest.raises(gs.FormulaError, match="'top' is not one of the levels the fit's rows take"):
        fit.predict(pd.DataFrame({"g": ["top"], "x": [1.0]}))


def test_levels_that_read_as_numbers_warn_that_the_codes_are_not_those_numbers():
    d = pd.DataFrame({"dose": ["10", "20", "40", "10", "20", "40"], "y": [1.0, 2, 4, 1, 3, 4]})
    with pytest.warns(gs.FormulaWarning, match=r"as.numeric\(dose\) gives the factor's level codes 1..3"):
        fit = gs.glm("y ~ as.numeric(dose)", d)
    assert_close(fit.model_matrix()["as.numeric(dose)"].to_numpy(), [1.0, 2, 3, 1, 2, 3])


@pytest.mark.parametrize("kind", ["in-memory", "parquet"])
def test_an_unused_category_counts_in_the_codes_as_in_r(kind, tmp_path):
    """R's as.numeric() of a factor counts its unused levels: tobgp of the rows with tobgp != "10-19" has codes
    1, 3, 4 (its level 10-19 unused), and the fit's column is those codes, from Parquet row groups too."""
    d = esoph()
    d = d[d.tobgp != "10-19"].reset_index(drop=True)
    data = d
    if kind == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "e.parquet", row_group_size=13, index=False)
        data = str(tmp_path / "e.parquet")
    fit = gs.glm("cbind(ncases, ncontrols) ~ unclass(tobgp)", data, family=gs.Binomial())
    want = d.tobgp.cat.codes.to_numpy() + 1.0
    assert set(want) == {1.0, 3.0, 4.0}
    assert_close(fit.model_matrix()["unclass(tobgp)"].to_numpy(), want)
