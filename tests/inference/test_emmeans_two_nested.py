"""emmeans with two factors nested in one by the formula, averaged over together, against R's emmeans
(fixtures/emmeans_two_nested, made by scripts/make_emmeans_two_nested.R).

In ``y ~ H + G:H + F:H + D`` both G and F are nested in H (their labels are crossed in the data).  emmeans'
``.nested_emm`` averages F within each combination of H and G over F's levels that occur with both in some row,
then G within H: the means of H and of D differ from weights that take F's levels occurring with H alone where
some (H, G, F) cells have no rows (hunt si600_059, 15,013 rows: 183.4717 against 184.8850), and where a pair
(H, G) has none.  The means of G (given within H, F averaged over: one nested factor) are checked too, in memory
and from a Parquet file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "emmeans_two_nested"
REF = json.loads((HERE / "emmeans.json").read_text())


def _fit(data) -> gs.GLMResults:
    return gs.glm(REF["formula"], data, family=gs.Poisson(), tol=1e-12, max_iter=100)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(HERE / "data.csv")


@pytest.mark.parametrize("term", ["H", "D", "G"])
@pytest.mark.parametrize("streamed", [False, True], ids=["memory", "parquet"])
def test_means_over_two_nested_factors_as_emmeans(frame, term, streamed, tmp_path):
    data = frame
    if streamed:
        data = tmp_path / "d.parquet"
        frame.to_parquet(data, row_group_size=25)
    want = REF["means"][term]
    got = _fit(data).emmeans(term)
    labels = [":".join(k) for k in got.index] if isinstance(got.index, pd.MultiIndex) else list(got.index)
    assert labels == want["levels"]
    assert_close(got["estimate"].to_numpy(), np.asarray(want["estimate"]), rtol=1e-8)
    assert_close(got["std_error"].to_numpy(), np.asarray(want["std_error"]), rtol=1e-7)


@pytest.mark.parametrize("term", ["H", "D"])
def test_a_pair_of_nested_levels_no_row_takes_weighs_nothing(frame, term):
    """Without the rows of (h1, g1) no level of F occurs with that pair: its group's mean is empty (NaN), which must
    weigh nothing when G is averaged within h1 over g2 to g4 (R: 4.89594152774518 for h1), not make h1's mean NaN."""
    want = REF["without_h1_g1"][term]
    data = frame[~((frame.H == "h1") & (frame.G == "g1"))]
    with pytest.warns(gs.AliasingWarning):  # (G's columns within h1 sum to h1's)
        got = _fit(data).emmeans(term)
    assert list(got.index) == want["levels"]
    assert_close(got["estimate"].to_numpy(), np.asarray(want["estimate"]), rtol=1e-8)
    assert_close(got["std_error"].to_numpy(), np.asarray(want["std_error"]), rtol=1e-7)
