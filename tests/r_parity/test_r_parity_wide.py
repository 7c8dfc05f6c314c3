"""Wide factors against R (tests/fixtures/wide): a 510-level factor, whose 509 columns glmstat solves X'WX
through (the factor's diagonal block, ``DIAGONAL_SOLVE_COLUMNS``), and a 300-level factor interacting with a
covariate (``g300 * x2``: the factor's codes times the covariate's values).

10,000 rows (``README.md`` there): prior weights with zeros and one level all at weight 0 (its column aliased),
missing values, an offset, and a covariate constant within the levels of the wide factor (aliased after
it).  ``scripts/make_reference.R --qr-tol=1e-11`` fitted them in R at the exact MLE and at R's default
control; ``scripts/trim_large_refs.py`` kept per-row values at a sample of rows and every k-th row of the
covariance matrices.  Every quantity compares to 1e-6 relative; the default-control output to 1e-8 with R's
iteration count.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from glmstat.design.structured import StructuredDesign
from trimmed_refs import TrimmedReferences

WIDE = TrimmedReferences(FIXTURES / "wide")
IDS = WIDE.ids


@pytest.mark.parametrize("case_id", IDS)
def test_wide_fit_matches_r(case_id):
    design = WIDE.fitted(case_id).model_frame.design
    assert isinstance(design, StructuredDesign)
    if case_id.startswith("wide_"):  # the 510-level factor: X'WX solved through its diagonal block
        assert design.diagonal_columns() is not None and len(design.diagonal_columns()) == 509
    WIDE.assert_fit_matches(case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_wide_influence_sandwich_and_anova_match_r(case_id):
    WIDE.assert_influence_sandwich_anova_match(case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_wide_convergence_r_reproduces_r_s_default_output(case_id):
    WIDE.assert_default_control_matches(case_id)
