"""A structured design whose widest factor's cells span the intercept, against R (tests/fixtures/
structured_aliased_intercept): ``cbind(ks, kf) ~ x1 + f2:h``, binomial cloglog, 3,000 rows.

``f2:h`` without its margins has a column for each of the 171 cells, and every row is in one: the cells sum to
the intercept, and R sets the last cell aside.  glmstat solves X'WX through the cells' diagonal block; the
intercept's Schur complement there is rounding, which the block solve took for a well-conditioned column when its
sign was positive (it depends on the rows: these 3,000 of a seed-142 random structured case, found by a hunt
against R).  The first steps then kept every column, the next pass set the cell aside and zeroed its coefficient
without compensation, and ``convergence="R"`` took 5 iterations where R takes 4, its coefficients 3e-4 relative
from R's.  R made both references (``make_reference.R --qr-tol=1e-11``: the exact MLE and R's default control).
"""

from __future__ import annotations

import numpy as np

from conftest import FIXTURES, assert_close
from glmstat.design.structured import StructuredDesign
from trimmed_refs import TrimmedReferences, matrix_rows

REFS = TrimmedReferences(FIXTURES / "structured_aliased_intercept")
CASE = "cloglog_cells_span_intercept"


def test_the_design_is_structured_with_the_cells_as_its_diagonal_block():
    design = REFS.fitted(CASE).model_frame.design
    assert isinstance(design, StructuredDesign)
    assert len(design.diagonal_columns()) == 171


def test_the_exact_fit_matches_r():
    ref, f = REFS.load(CASE), REFS.fitted(CASE)
    assert list(np.isnan(f.coef.to_numpy())) == ref["aliased"]
    assert f.coef.index[np.isnan(f.coef.to_numpy())].tolist() == ["f2[f057]:h[h003]"]
    for got, key in ((f.coef, "coefficients"), (f.std_errors, "std_errors"), (f.statistic, "statistic")):
        assert_close(got, ref[key])
    assert_close(matrix_rows(f.vcov.to_numpy(), ref), ref["vcov"])
    for key in ("deviance", "null_deviance", "aic", "df_residual", "rank"):
        assert_close([getattr(f, key)], [ref[key]])
    at = np.asarray(ref["sample"])
    assert_close(f.fitted_values.to_numpy()[at], ref["fitted"])
    assert_close(f.linear_predictor.to_numpy()[at], ref["linear_predictor"])


def test_convergence_r_sets_the_cell_aside_from_the_first_step_as_r_does():
    REFS.assert_default_control_matches(CASE)
