"""emmeans of fits with prior weights against R's (fixtures/emmeans_model_kinds, scripts/make_emmeans_model_kinds.R):
emmeans' weights proportional, outer, cells and flat count a cell's rows, not their prior weights (its ref_grid sums
the recovered data's "(weights)" column, which a glm's does not hold), rows of prior weight 0 included; the means
and every method of contrasts with their level-0.9 intervals, for a Poisson and a t-based gaussian fit, in memory and
streamed (Parquet, dask)."""

from __future__ import annotations

import pytest

from emmeans_kind_refs import check_model, inputs


@pytest.mark.parametrize("model, streamed", inputs(["weighted_poisson", "weighted_gaussian"]))
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)
