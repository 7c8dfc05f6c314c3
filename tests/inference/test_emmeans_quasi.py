"""emmeans of fits whose dispersion is estimated against R's (fixtures/emmeans_model_kinds,
scripts/make_emmeans_model_kinds.R): quasipoisson, quasibinomial and quasi(link = "log", variance = "mu^2") are
z-based (emmeans' rule for a glm: t only for the gaussian and Gamma families) with the estimated dispersion in the
standard errors; a weighted Gamma log and a gaussian log fit t-based on the residual df.  Means and every method of
contrasts with their level-0.9 intervals, in memory and streamed (Parquet, dask)."""

from __future__ import annotations

import pytest

from emmeans_kind_refs import check_model, inputs


@pytest.mark.parametrize("model, streamed", inputs(["quasipoisson", "quasibinomial", "quasi_log_mu2",
                                                  "gamma_log_weighted", "gaussian_log"]))
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)
