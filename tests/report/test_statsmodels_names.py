"""statsmodels' names for the summary quantities: params, bse, tvalues, pvalues (R's numbers through the
reference fits' coef, std_errors, statistic, p_values) and term_labels (R's term.labels)."""

from __future__ import annotations

import numpy as np

from conftest import assert_close, fit_ref, load_ref


def test_aliases_are_the_same_series_as_r():
    ref = load_ref("mtcars_logit")
    f = fit_ref(ref)
    assert f.params is f.coef and f.bse is f.std_errors and f.tvalues is f.statistic and f.pvalues is f.p_values
    assert_close(f.params, ref["coefficients"])
    assert_close(f.bse, ref["std_errors"])
    assert_close(f.tvalues, ref["statistic"])
    np.testing.assert_allclose(f.pvalues, ref["p_values"], rtol=1e-5)


def test_term_labels():
    from inference2_refs import fit

    assert fit("mtcars_gauss_interaction").term_labels == ["factor(cyl)", "wt", "hp", "poly(disp, 2)",
                                                           "factor(cyl):wt"]
    assert fit("ships_poisson_offset").term_labels == ["type", "year", "period"]
