"""Large designs against R (tests/fixtures/large): fits that take the *structured* path (more than 2**16
cells: numeric block plus factor codes, never dummy columns) over more than one in-memory block (70,000 rows,
blocks of 65,536).

The data (``scripts/make_large_data.py``, gzip-compressed) have factors of 8 and 40 levels, missing values,
prior weights with every row of one level at weight 0 (its column is aliased), a numeric column that is a
linear combination of two others and a factor nested in another (both aliased), an offset and a
``cbind()`` response with prior weights.  ``scripts/make_reference.R --qr-tol=1e-11`` fitted them in R at the
exact MLE (with glm.fit's QR tolerance at R's default 1e-11, which the reference script's epsilon of 1e-13
would otherwise lower to 1e-16: see the script) and at R's default control.  Every quantity compares to 1e-6
relative (profile limits 1e-5); the default-control output to 1e-8 with R's iteration count.

The ``ab2_*`` cases (``data/ab2.csv.gz``, 20,000 rows, one block) are interactions of factors stored as codes:
a 30 x 4 factor pair with five empty cells (aliased columns), prior weights with a level at weight 0, ``a:b``
without its margins beside ``b:x``, ``a:x`` under a Gamma log link and ``b * poly(z, 2)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.design.structured import StructuredDesign
from trimmed_refs import TrimmedReferences

LARGE = TrimmedReferences(FIXTURES / "large")
IDS = LARGE.ids


@pytest.mark.parametrize("case_id", IDS)
def test_the_large_cases_are_fitted_structured_over_several_blocks(case_id):
    f = LARGE.fitted(case_id)
    assert isinstance(f.fit_data.source.X, StructuredDesign)
    assert f.model_frame.design.n_rows * len(f.coef) > 2**16
    assert f.model_frame.design.n_rows > 65536 or LARGE.load(case_id)["data"] != "large"


@pytest.mark.parametrize("case_id", IDS)
def test_large_fit_matches_r(case_id):
    LARGE.assert_fit_matches(case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_large_influence_sandwich_and_anova_match_r(case_id):
    LARGE.assert_influence_sandwich_anova_match(case_id)


def test_large_profile_intervals_match_r():
    """Profile limits of a few coefficients (each is a root-finding of refits over every row)."""
    ref, f = LARGE.load("large_poisson_offset"), LARGE.fitted("large_poisson_offset")
    names = list(f.coef.index)
    parm = ["x1", "g[T.a07]", "h[T.d5]"]
    want = [ref["confint_profile"][names.index(p)] for p in parm]
    assert_close(f.conf_int(method="profile", parm=parm), want, rtol=1e-5)


def test_offset_argument_gives_the_formula_offset_s_fit():
    """offset= log(exposure) as an argument is the same model as offset(log(exposure)) in the formula."""
    ref = LARGE.load("large_poisson_offset")
    formula = ref["formula"].replace(" + offset(log(exposure))", "")
    assert formula != ref["formula"]
    data = LARGE.data("large")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        f = gs.glm(formula, data, family=gs.Poisson(), offset=np.log(data["exposure"].to_numpy()), tol=1e-12,
                   max_iter=100)
    assert_close(f.coef, ref["coefficients"])
    assert_close(f.std_errors, ref["std_errors"])
    assert_close([f.deviance, f.null_deviance, f.aic], [ref["deviance"], ref["null_deviance"], ref["aic"]])


@pytest.mark.parametrize("case_id", [i for i in IDS if (LARGE.folder / "rdefault" / f"{i}.json").exists()])
def test_large_convergence_r_reproduces_r_s_default_output(case_id):
    """R's default control on the large designs: a cbind() response with prior weights starts from R's
    (n y + 0.5) / (n + 1) with n the trials, whatever the weights (binomial()$initialize)."""
    LARGE.assert_default_control_matches(case_id)
