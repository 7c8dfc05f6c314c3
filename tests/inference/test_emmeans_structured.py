"""emmeans of factor-coded designs against R's (fixtures/emmeans_model_kinds, scripts/make_emmeans_model_kinds.R):
weighted quasipoisson fits over 3,000 rows with a 30-level G, designs of more than 65,536 cells (their factors held
as codes, never expanded).  y ~ G + H + x (99,000 cells): the means (equal and proportional weights), Tukey's
comparisons of G's 435 pairs, Dunnett's (dunnettx), consec, eff and del.eff; y ~ H/G + x (G nested in H by the
formula, 273,000 cells): G's 90 means within H's levels and their comparisons within each.  In memory and streamed
(Parquet, dask)."""

from __future__ import annotations

import pytest

from emmeans_kind_refs import check_model, inputs, fit

MODELS = ["structured", "structured_nested"]


@pytest.mark.parametrize("model, streamed", inputs(MODELS))
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)


@pytest.mark.parametrize("model", MODELS)
def test_the_design_is_factor_coded(model):
    """The cases test what they say: G and H held as codes (a StructuredDesign), not expanded into columns."""
    source = fit(model).fit_data.source
    assert type(source.X).__name__ == "StructuredDesign"
    assert source.n_rows * source.n_cols > 2**16
