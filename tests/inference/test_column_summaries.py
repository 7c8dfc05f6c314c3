"""Column summaries merged over chunks (what streamed fits read instead of the rows) equal the summaries of
all the rows at once, an empty chunk included."""

from __future__ import annotations

import numpy as np
import pandas as pd

from glmstat.inference.column_summaries import merge_chunks, summarize_chunk


def test_merged_chunks_give_the_whole_columns_extremes_mean_and_sd():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(1e6, 3.0, 500), "g": rng.choice(["a", "b", "c"], 500)})
    chunks = [frame.iloc[:170], frame.iloc[170:170], frame.iloc[170:400], frame.iloc[400:]]
    merged = summarize_chunk(chunks[0])
    for chunk in chunks[1:]:
        merged = merge_chunks(merged, summarize_chunk(chunk))
    x = merged.columns["x"]
    assert (x.minimum, x.maximum) == (frame["x"].min(), frame["x"].max())
    np.testing.assert_allclose([x.mean, x.sd], [frame["x"].mean(), frame["x"].std()], rtol=1e-12)
    assert merged.columns["g"].values == {"a", "b", "c"} and np.isnan(merged.columns["g"].minimum)
    # (the rows per value: the mean of a factor's level codes, for emmeans' grid of unclass(f))
    assert merged.columns["g"].counts == frame["g"].value_counts().to_dict()
    empty = summarize_chunk(frame.iloc[:0]).columns["x"]
    assert empty.n == 0 and np.isnan(empty.minimum) and np.isnan(empty.maximum)


def test_a_categorical_counts_only_the_values_its_rows_hold():
    """A categorical's unused categories are no values of it (value_counts lists them with 0 rows)."""
    g = pd.Series(pd.Categorical(["lo", "hi", "lo", None], categories=["lo", "mid", "hi"]))
    merged = merge_chunks(summarize_chunk(g.iloc[:2].to_frame("g")), summarize_chunk(g.iloc[2:].to_frame("g")))
    assert merged.columns["g"].counts == {"lo": 2, "hi": 1}
