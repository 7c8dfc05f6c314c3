"""Separation of a fit that ran along the separating direction, then leapt away from it
(tests/fixtures/cauchit_cells_went_away, made by ``scripts/make_cauchit_cells_went_away.R``).

``y ~ C(factor(g), contr.sum) + g:h`` with the cauchit link: 11 cells of g:h whose responses are all 0 or all 1.
The fit's deviance falls while its estimates double at each step along the separating direction, until working
weights of 1e-30 set columns aside and a step leaps away (R's glm ends at a deviance of 62,537, unconverged,
"fitted probabilities numerically 0 or 1").  Where the rows are streamed (or the design is beyond
``separation.LP_MAX_CELLS``) separation is checked along the next step from the estimate, and the estimate: both
were noise there, and glmstat gave only the non-convergence warning.  The steps that lowered the deviance are
checked too now.  Found by the structured differential hunt (seed 405, 16,479 rows).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.diagnosis import separation

HERE = FIXTURES / "cauchit_cells_went_away"
R = json.loads((HERE / "r.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")


def _fit(data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.GLMStatWarning)
        fit = gs.glm(R["formula"], data, family=gs.Binomial(link="cauchit"), tol=1e-12, max_iter=100)
    return fit, caught


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    pytest.importorskip("pyarrow")
    path = tmp_path_factory.mktemp("went_away") / "rows.parquet"
    DATA.to_parquet(path, row_group_size=500, index=False)
    return _fit(str(path))


@pytest.fixture(scope="module")
def in_memory():
    return _fit(DATA)


@pytest.fixture(scope="module")
def beyond_lp():
    """In memory, checked as a design beyond LP_MAX_CELLS is (the hunt's 16,479 x 500 columns) -- by the fit's
    own directions over the rows, not a linear program."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(separation, "LP_MAX_CELLS", 0)
        return _fit(DATA)


def _moved_rows(fit) -> np.ndarray:
    """Rows whose linear predictor the separating direction moves (beyond rounding)."""
    sep = fit.separation
    X = fit.model_matrix()[list(sep.columns)].to_numpy(float)
    move = X @ np.asarray(sep.directions)
    return np.flatnonzero(np.abs(move) > 1e-9 * np.abs(move).max())


@pytest.mark.parametrize("which", ["streamed", "beyond_lp", "in_memory"])
def test_the_separation_is_found_and_moves_only_r_s_separated_cells(which, request):
    fit, caught = request.getfixturevalue(which)
    assert not R["converged"] and "glm.fit: fitted probabilities numerically 0 or 1 occurred" in R["warnings"]
    assert not fit.converged
    assert any(issubclass(w.category, gs.SeparationWarning) for w in caught)
    rows = _moved_rows(fit)
    cells = (DATA.g + ":" + DATA.h).to_numpy()
    assert rows.size and set(cells[rows]) <= set(R["separated_cells"])
    # each moved row on its side: the direction raises the successes' linear predictors, lowers the failures'
    X = fit.model_matrix()[list(fit.separation.columns)].to_numpy(float)
    move = (X @ np.asarray(fit.separation.directions))[rows]
    y = DATA.y.to_numpy()[rows]
    assert np.all(np.where(y == 1, move > 0, move < 0))


def test_the_columns_kept_are_the_design_s(streamed):
    """R's rank (105) is decided at its last iterate, whose working weights of 1e-30 hide dependencies; the design's
    own rank (R's qr of the model matrix) is 86: 9 empty cells, and the intercept with the 18 sum-coded columns of
    g, which the cells of g:h span."""
    fit, _ = streamed
    assert fit.rank == R["design_rank"] and fit.nobs == R["nobs"]
