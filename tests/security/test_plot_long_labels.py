"""Figures of labels of a million characters: a column name, a factor level or a row label from the data is drawn
by matplotlib in time linear in its characters, at every layout pass and draw -- labels of 10,000 characters made
``fit.plot("partial", term=...)`` 14 s where it took 0.5 s (a label of a million, a 1 MB CSV file: minutes).  A
figure now draws a label of at most 1,000 characters, cut with ``...`` as the padded tables cut it (its tick
labels, titles, axis labels, legends and the row labels written next to points).  Checked by the texts drawn, not
by time.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("matplotlib")

from matplotlib.text import Text  # noqa: E402

LONG = 20_000
N = 30


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(3)
    name, level = "x" * LONG, "L" * LONG
    df = pd.DataFrame({"y": rng.poisson(3, N).astype(float), name: rng.normal(size=N),
                       "g": np.tile(["a", level, "c"], N // 3)}, index=["R" * LONG] + [f"r{i}" for i in range(1, N)])
    df.iloc[0, 0] = 25.0  # (an outlier: its row label is written next to its point)
    return gs.glm("y ~ .", df, family=gs.Poisson())


@pytest.mark.parametrize("kind, kwargs", [
    ("diagnostics", {}), ("effects", {"term": "g"}), ("effects", {"term": "x" * LONG}),
    ("partial", {"term": "x" * LONG}), ("partial", {"term": "g"}), ("trace", {}),
    ("halfnormal", {"nsim": 2, "seed": 1}),
], ids=["diagnostics", "effects-factor", "effects-numeric", "partial-numeric", "partial-factor", "trace",
        "halfnormal"])
def test_a_figure_draws_long_labels_cut(fit, kind, kwargs):
    fig = fit.plot() if kind == "diagnostics" else fit.plot(kind, **kwargs)
    fig.savefig(io.BytesIO(), format="png")  # (tick labels are made as the figure is drawn)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert max(map(len, texts)) <= 1_003, sorted(map(len, texts))[-3:]
    assert any(t.endswith("...") and len(t) == 1_003 for t in texts)
