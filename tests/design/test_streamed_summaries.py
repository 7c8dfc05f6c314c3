"""Summaries of whole columns in a formula (``I(x - mean(x))``, ``log(expo / median(expo))``,
``offset(log(expo / sum(expo)))``) on streamed data: a Parquet file read a row group at a time and a dask
DataFrame on a two-process cluster give the in-memory fit (1e-8), the summary of every row of every chunk.
mean, sd, var, sum, min, max and length merge a few numbers per chunk; median and a trimmed mean gather the
values, within max_design_bytes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import GROUP, N, assert_same_fit, close, data, fit, row_groups

pytest.importorskip("pyarrow")

SUMMARIES = {
    "poisson_centred": ("count ~ I(x1 - mean(x1, na.rm = TRUE)) + I((x2 - mean(x2, na.rm = TRUE))/sd(x2, na.rm = "
                        "TRUE)) + h + offset(log(expo/sum(expo)))", gs.Poisson()),
    "gaussian_median_range": ("z ~ log(expo/median(expo)) + I((expo - min(expo))/(max(expo) - min(expo))) + "
                              "I(x1/length(x1)) + g", gs.Gaussian()),
    "binomial_trim_var": ("yes ~ I(x2 - mean(x2, trim = 0.1, na.rm = TRUE)) + I(x1^2/var(x1, na.rm = TRUE))",
                          gs.Binomial()),
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data()


@pytest.fixture(scope="module")
def path(frame, tmp_path_factory) -> str:
    return row_groups(frame, tmp_path_factory.mktemp("summaries"))


@pytest.mark.parametrize("case", list(SUMMARIES))
def test_a_parquet_fit_of_summaries_equals_the_in_memory_fit(case, frame, path):
    formula, family = SUMMARIES[case]
    mem = fit(formula, frame, family, None)
    assert mem.n_dropped >= GROUP  # (the row group of missing x1 among them)
    streamed = fit(formula, path, family, None)
    assert_same_fit(streamed, mem, path, frame)
    one = frame.iloc[[7]]
    close(streamed.predict(one), mem.predict(one), what="one-row predict")


def test_a_summary_in_the_response_and_in_a_factor(frame, path):
    formula = "I(z - mean(z)) ~ x2 + factor(x1 > median(x1, na.rm = TRUE))"
    mem = fit(formula, frame, gs.Gaussian(), None)
    streamed = fit(formula, path, gs.Gaussian(), None)
    assert streamed.column_names == mem.column_names and (streamed.nobs, streamed.n_dropped) == (mem.nobs,
                                                                                                 mem.n_dropped)
    close(streamed.coef, mem.coef, what="coef")
    close(streamed.std_errors, mem.std_errors, what="se")


def test_a_summary_met_twice_counts_each_row_once(frame, path):
    formula = "count ~ I(expo/sd(expo)) + I((expo/sd(expo))^2) + x2"
    mem = fit(formula, frame, gs.Poisson(), None)
    close(fit(formula, path, gs.Poisson(), None).coef, mem.coef, what="coef")


def test_a_missing_value_is_counted_over_every_chunk(frame, path):
    missing = int(frame["x1"].isna().sum())
    assert missing == GROUP  # (a whole row group: the chunks' counts are added)
    for source in (frame, path):
        with pytest.raises(gs.DataError, match=rf"^mean\(x1\): x1 has {missing:,} missing value\(s\) \(NA or NaN\) "
                                               rf"among {N:,}, .*write mean\(x1, na.rm = TRUE\)"):
            fit("count ~ I(x1 - mean(x1))", source, gs.Poisson(), None)


def test_only_median_and_a_trimmed_mean_gather_the_values(path):
    small = gs.FormulaLimits(max_design_bytes=10_000)  # (the values of expo take 19,200 bytes)
    for summary in ("mean(expo)", "sd(expo)", "var(expo)", "sum(expo)", "min(expo)", "max(expo)", "length(expo)"):
        assert gs.glm(f"count ~ I(expo - {summary})", path, family=gs.Poisson(), limits=small).nobs == N
    for summary in ("median(expo)", "mean(expo, trim = 0.2)"):
        with pytest.raises(gs.FormulaError, match=rf"^the values gathered from every chunk of the data to learn "
                                                  rf"{re.escape(summary)} from need more memory than allowed "
                                                  r"\(bytes\): [\d,]+, where the limit max_design_bytes is 10,000"):
            gs.glm(f"count ~ I(expo - {summary})", path, family=gs.Poisson(), limits=small)


def test_a_summary_of_a_summary_is_refused_on_streamed_data(frame, path):
    formula = "count ~ I(expo - mean(expo - mean(expo)))"
    assert fit(formula, frame, gs.Poisson(), None).nobs == N
    with pytest.raises(gs.FormulaError, match=r"a stateful transform inside another \(mean\(expo\)\)"):
        fit(formula, path, gs.Poisson(), None)


def test_a_dask_fit_of_summaries_equals_the_in_memory_fit(frame):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    formula, family = SUMMARIES["poisson_centred"]
    mem = fit(formula, frame, family, None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster):
        parts = dd.from_pandas(frame, npartitions=N // GROUP, sort=False)
        streamed = fit(formula, parts, family, None)
        close(streamed.coef, mem.coef, what="coef")
        close(streamed.std_errors, mem.std_errors, what="se")
        close(streamed.deviance, mem.deviance, what="deviance")
        assert (streamed.nobs, streamed.n_dropped) == (mem.nobs, mem.n_dropped)
        close(streamed.predict(frame.iloc[[3]]), mem.predict(frame.iloc[[3]]), what="one-row predict")
