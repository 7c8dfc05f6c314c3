"""anova(test="Rao") and drop1(test="Rao") at R's default control of a cbind() response with prior weights
(fixtures/rao_cbind_weights_start, made by the R script beside it): cbind(k, f) ~ g + x, quasi-binomial log link,
weights w.  glm() starts a cbind() response from (n y + 0.5) / (n + 1), the trials alone; anova.glm, drop1.glm and
add1.glm refit each submodel with glm.fit(X, object$y, object$prior.weights), from (w n y + 0.5) / (w n + 1).  At R's
control the submodel stops where that path stops, and the score takes the working weights of its last step but one,
so the start shows in the statistics: g's sequential score was 1e-5 off R's when the refits started as glm() does.
Found by the R-default structured hunt 584 (st584_009)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, FIXTURES, structured_in_blocks

HERE = FIXTURES / "rao_cbind_weights_start"


@pytest.mark.parametrize("blocks", [None, 500], ids=["as it is", "structured, blocks of 500 rows"])
def test_rao_scores_refit_from_glm_fit_start(blocks, monkeypatch):
    if blocks:
        structured_in_blocks(monkeypatch, blocks)
    ref = json.loads((HERE / "ref.json").read_text())
    fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv.gz"), family=gs.QuasiBinomial(link="log"),
                 weights=ref["weights"], convergence="R")
    assert (fit.iterations, fit.converged) == (ref["iterations"], ref["converged"])
    assert_close([fit.deviance, fit.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
    a = fit.anova(test="Rao")
    assert list(a.index[1:]) == ref["anova_terms"]
    assert_close(a["resid_dev"].iloc[1:], ref["anova_resid_dev"], rtol=1e-8)
    assert_close(a["rao"].iloc[1:], ref["anova_rao"], rtol=1e-8)
    assert_close(a["p_value"].iloc[1:], ref["anova_p_value"], rtol=1e-6)
    d = fit.drop1(test="Rao")
    assert list(d.index[1:]) == ref["drop1_terms"]
    assert_close(d["deviance"].iloc[1:], ref["drop1_deviance"], rtol=1e-8)
    assert_close(d["statistic"].iloc[1:], ref["drop1_rao"], rtol=1e-8)
    assert_close(d["p_value"].iloc[1:], ref["drop1_p_value"], rtol=1e-6)
