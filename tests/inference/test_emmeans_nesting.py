"""emmeans with nested factors against R's (fixtures/emmeans_model_kinds, scripts/make_emmeans_model_kinds.R).

emmeans finds nesting in the data (C's levels each with one level of A) and in the formula (B in ``A/B`` or
``A + A:B``, whatever the data: B's labels are crossed with A's there; B in A and D in ``A + A:B:D + D``; none in
``A:B - 1`` or ``A * B``).  The means of a nested factor are given within its parents' levels that it occurs with
(``~ B`` is B's means with A's, nine rows; ``~ B | A`` three within each level of A), and the comparisons of them
are made over those rows: without by one family of all of them, with by within each group, which may differ in size
(nested_ragged: 3, 3 and 2 means).  In groups of one size emmeans' Tukey adjustment takes k = the number of all the
groups' comparisons (nested_four: two groups of four means, k = 12), its rbind's famSize; in groups of different
sizes each group's own k.  Weights other than equal, with a nested factor averaged over, weigh the cells within
each level of its parents (the rows of that level), then the parents' levels by their rows (emmeans' two calls in
.nested_emm).  Every method but one's own (which emmeans does not take with nesting), in memory and streamed
(Parquet, dask)."""

from __future__ import annotations

import pytest

import glmstat as gs
from emmeans_kind_refs import check_model, inputs, fit, frame

MODELS = ["nested_formula", "nested_data", "nested_written_out", "interaction_only", "crossed", "nested_in_two",
          "parent_aliased", "nested_ragged", "nested_four", "nested_weights_data", "nested_weights_formula"]


@pytest.mark.parametrize("model, streamed", inputs(MODELS))
def test_means_and_contrasts_as_emmeans(model, streamed, tmp_path):
    check_model(model, streamed, tmp_path)


@pytest.mark.parametrize("model, nested, parent", [("nested_formula", "B", "A"), ("nested_data", "C", "A")])
def test_a_nested_factor_as_by_is_refused_with_its_parents(model, nested, parent):
    with pytest.raises(gs.GLMStatError, match=f"by='{nested}' is nested in {parent}"):
        fit(model).emmeans(parent, by=nested)


def test_weights_with_two_nested_factors_are_refused():
    """y ~ A/B + C with C's levels within A's: B and C both nested (emmeans recurses through them: not copied)."""
    with pytest.warns(gs.AliasingWarning):  # (C's columns and A:B's, one factor's levels written twice)
        f = gs.glm("y ~ A/B + C", frame("nested"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="'proportional' with more than one nested factor is not supported"):
        f.emmeans("A", weights="proportional")
