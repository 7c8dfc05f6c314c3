"""method="firth" with fractional prior weights and a 300-level factor of small levels, on the structured design.

11,235 rows (fixtures/firth_many_levels): 298 levels of 2 to 6 rows each (60 of them all 0 or all 1) beside two
levels of 5,000 rows and two numeric columns, weights from runif(0.1, 2); 302 columns, more than 2**16 cells, so
the design is the factor's codes, never dummy columns.  The quasi-Fisher iteration b <- b + (X'WX)^{-1} U*(b)
overshoots along the small levels' coefficients, where the curvature of log |X'WX| / 2 is several times X'WX's
(a fixed-point eigenvalue near -3.8): relaxed and halved, it oscillated with steps of 1e-3 on g[T.L292] for 100
steps and stopped unconverged with a warning.  Once the iteration stops shrinking the logit fit now finishes by
quasi-Newton (BFGS) steps on the penalised log-likelihood, whose gradient is U*, and reaches brglm2's root.

R 4.2 (fixtures/firth_many_levels, make_firth_many_levels.R): brglm2's brglmFit, type = "AS_mean", epsilon 1e-12,
slowit 0.25.  At its default slowit = 1 brglm2 itself diverges on these data (steps of 1e16; the record
``default_slowit`` of r.json).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.design.structured import StructuredDesign

HERE = FIXTURES / "firth_many_levels"
R = json.loads((HERE / "r.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv.gz")


def _fit(rows, monkeypatch, link: str = "logit") -> gs.GLMResults:
    dense = StructuredDesign.toarray

    def refuse(self):  # (the null model's intercept column alone may be read densely)
        assert self.n_cols == 1, "the factor was expanded into dummy columns"
        return dense(self)

    monkeypatch.setattr(StructuredDesign, "toarray", refuse)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(R["formula"], rows, family=gs.Binomial(link=link), weights=R["weights"], method="firth",
                     tol=1e-12, max_iter=100)
    assert not [w for w in caught if issubclass(w.category, gs.ConvergenceWarning)]
    return fit


def _check(fit: gs.GLMResults, ref: dict = R) -> None:
    assert ref["converged"]
    assert fit.converged
    assert list(fit.coef.index[:3]) == ["Intercept", "x1", "x2"] and fit.coef.size == len(ref["coefficients"]) == 302
    np.testing.assert_allclose(fit.coef.to_numpy(), ref["coefficients"], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), ref["std_errors"], rtol=1e-7)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance], [ref["deviance"], ref["null_deviance"]], rtol=1e-9)


def test_bias_reduced_fit_of_many_small_levels_reaches_brglm2s_root(data, monkeypatch):
    fit = _fit(data, monkeypatch)
    assert isinstance(fit.fit_data.source.X, StructuredDesign)
    _check(fit)


def test_a_parquet_file_of_several_row_groups_gives_brglm2s_root(data, monkeypatch, tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    data.to_parquet(path, row_group_size=3000, index=False)
    _check(_fit(str(path), monkeypatch))


@pytest.mark.parametrize("link", ["probit"])
def test_other_links_reach_brglm2s_root_on_the_structured_design(data, monkeypatch, link):
    # (their quasi-Fisher steps oscillate along the small levels as the logit's do, and stopped unconverged after
    # 100; Newton's steps on U* = 0 finish them: fixtures/firth_many_levels, make_firth_many_levels_links.R)
    fit = _fit(data, monkeypatch, link)
    assert isinstance(fit.fit_data.source.X, StructuredDesign)
    _check(fit, json.loads((HERE / f"r_{link}.json").read_text()))
