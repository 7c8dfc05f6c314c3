"""emmeans of an aliased design against R's (fixtures/emmeans_model_kinds, scripts/make_emmeans_model_kinds.R):
y ~ A * B + D + x with no row in the cell a3:b2, whose column is aliased.  The means of A (averaged over B) and of D
are not estimable where they hold that cell (emmeans' nonEst: NaN estimate, standard error, df and interval), nor
are the contrasts with them -- but the contrasts of D, whose non-estimable parts cancel, are reported though none of
D's means is.  Every method, and the means under emmeans' weights other than equal (the empty cell has no rows and
no weight), in memory and streamed (Parquet, dask)."""

from __future__ import annotations

import pytest

from emmeans_kind_refs import check_model, inputs


@pytest.mark.parametrize("model, streamed", inputs(["aliased"]))
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)
