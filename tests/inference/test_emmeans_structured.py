"""emmeans of a factor-coded design against R's (fixtures/emmeans_model_kinds, scripts/make_emmeans_model_kinds.R):
a weighted quasipoisson fit of y ~ G + H + x over 3,000 rows with a 30-level G, a design of 102,000 cells (more than
65,536: its factors held as codes, never expanded).  The means (equal and proportional weights), Tukey's comparisons
of G's 435 pairs, Dunnett's (dunnettx), consec, eff and del.eff, in memory and streamed (Parquet, dask)."""

from __future__ import annotations

import pytest

from emmeans_kind_refs import check_model, fit


@pytest.mark.parametrize("streamed", [None, "parquet", "dask"], ids=["memory", "parquet", "dask"])
@pytest.mark.parametrize("model", ["structured"])
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)


def test_the_design_is_factor_coded():
    """The case tests what it says: G and H held as codes (a StructuredDesign), not expanded into columns."""
    source = fit("structured").fit_data.source
    assert type(source.X).__name__ == "StructuredDesign"
    assert source.n_rows * source.n_cols > 2**16
