"""``fit.hosmer_lemeshow(groups)`` against R: ResourceSelection's ``hoslem.test(y, fitted(fit), g)`` (and, where no
quantiles tie, ``performance::performance_hosmer``, which the R script checks agrees) on six binomial fits --
statistic, df, p-value, the groups' labels and their observed and expected counts, and print.htest's lines
(tests/fixtures/hosmer_lemeshow, from scripts/make_hosmer_lemeshow.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data

REF = json.loads((FIXTURES / "hosmer_lemeshow" / "ref.json").read_text())


def _fit(ref: dict) -> gs.GLMResults:
    return gs.glm(ref["formula"], load_data(ref["data"]), family=gs.Binomial(link=ref["link"]), tol=1e-12,
                  max_iter=100)


@pytest.mark.parametrize("ref", REF, ids=[f"{r['formula']}-g{r['groups']}" for r in REF])
def test_hosmer_lemeshow_is_r_s(ref):
    t = _fit(ref).hosmer_lemeshow(ref["groups"])
    assert t.df == ref["df"] and t.groups == ref["groups"]
    assert_close([t.statistic, t.p_value], [ref["statistic"], ref["p_value"]], rtol=1e-6)
    assert list(t.table.index) == ref["labels"]
    for column in ("observed_1", "expected_1", "observed_0", "expected_0"):
        assert_close(t.table[column], ref[column], rtol=1e-6)


@pytest.mark.parametrize("ref", REF, ids=[f"{r['formula']}-g{r['groups']}" for r in REF])
def test_prints_r_s_lines_then_the_groups(ref):
    ours = str(_fit(ref).hosmer_lemeshow(ref["groups"])).splitlines()
    r = ref["lines"]
    assert ours[:3] == r[:3] and ours[4:6] == r[4:6]  # (the data line names glmstat's response, R its call's)
    assert ours[3] == f"data:  {_fit(ref).model_frame.response_name}, fitted(fit)"
    assert ours[6] == "Observed and expected counts by group of fitted probabilities:"
    assert [ln.split()[0] for ln in ours[8:]] == ref["labels"]


def test_the_html_shows_the_line_and_the_groups():
    t = _fit(REF[0]).hosmer_lemeshow()
    html = t._repr_html_()
    assert "Hosmer and Lemeshow goodness of fit (GOF) test" in html and "X-squared = 4.9517" in html
    assert html.count("<tr") == 11 and "[3.45e-08,0.000775]" in html


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_give_the_in_memory_test(kind, tmp_path):
    from streamed_cases import as_streamed

    ref = REF[1]
    d = load_data(ref["data"])
    mem = _fit(ref).hosmer_lemeshow()
    streamed = gs.glm(ref["formula"], as_streamed(d, kind, tmp_path, rows=23), family=gs.Binomial(), tol=1e-12,
                      max_iter=100).hosmer_lemeshow()
    assert_close([streamed.statistic, streamed.p_value], [mem.statistic, mem.p_value], rtol=1e-9)
    assert list(streamed.table.index) == list(mem.table.index)


@pytest.mark.parametrize("formula, family, data, message", [
    ("counts ~ outcome", gs.Poisson(), "dobson", "for binomial fits of 0/1 responses"),
    ("cbind(numdead, numalive) ~ ldose", gs.Binomial(), "budworm", "not a single 0/1 trial"),
])
def test_fits_it_does_not_apply_to_are_refused(formula, family, data, message):
    with pytest.raises(gs.GLMStatError, match=message):
        gs.glm(formula, load_data(data), family=family).hosmer_lemeshow()


@pytest.mark.parametrize("groups", [2, 0, 2.5, "10", True, 10**9])
def test_groups_must_be_a_whole_number_of_at_least_three(groups):
    with pytest.raises(gs.GLMStatError, match="groups must be a whole number from 3"):
        _fit(REF[0]).hosmer_lemeshow(groups)


def test_weights_other_than_one_are_refused():
    d = load_data("mtcars").assign(w=2.0)
    with pytest.raises(gs.GLMStatError, match="not a single 0/1 trial"):
        gs.glm("am ~ hp + wt", d, family=gs.Binomial(), weights="w").hosmer_lemeshow()


def test_one_fitted_probability_has_no_groups():
    d = pd.DataFrame({"y": [0, 1, 0, 1, 0, 1, 1, 0]})
    with pytest.raises(gs.GLMStatError, match="every fitted probability is the same"):
        gs.glm("y ~ 1", d, family=gs.Binomial()).hosmer_lemeshow(3)
    assert np.isfinite(gs.glm("y ~ 1", d.assign(x=range(8)), family=gs.Binomial()).deviance)


def test_the_fitted_probabilities_it_holds_are_bounded_by_the_fit_s_limits(tmp_path):
    # a streamed fit holds a row group at a time within max_design_bytes; the test's quantiles need every row's
    # fitted probability at once (8 bytes a row), refused beyond the same bound
    from streamed_cases import as_streamed

    rng = np.random.default_rng(2)
    d = pd.DataFrame({"x": rng.normal(size=4000)}).assign(y=lambda f: (rng.random(4000) < 0.5 + 0.2 * np.tanh(f.x))
                                                          .astype(int))
    fit = gs.glm("y ~ x", as_streamed(d, "parquet", tmp_path, rows=100), family=gs.Binomial(),
                 limits=gs.FormulaLimits(max_design_bytes=20_000))
    with pytest.raises(gs.GLMStatError, match="fitted probabilities of 4,000 rows .* max_design_bytes"):
        fit.hosmer_lemeshow()


# -- the calibration plot ----------------------------------------------------------------------------------------
def _drawn(ax, gid: str) -> list[np.ndarray]:
    return [ln.get_xydata() for ln in ax.lines if ln.get_gid() == gid]


@pytest.mark.parametrize("ref", REF[:3], ids=[f"{r['formula']}-g{r['groups']}" for r in REF[:3]])
@pytest.mark.parametrize("level, key", [(0.95, "ci95"), (0.8, "ci80")])
def test_calibration_plot_draws_the_groups_and_binom_test_intervals(ref, level, key):
    pytest.importorskip("matplotlib")
    fit = _fit(ref)
    ax = fit.plot("calibration", groups=ref["groups"], level=level).axes[0]
    n = np.add(ref["observed_1"], ref["observed_0"])
    (points,) = _drawn(ax, "groups")
    assert_close(points[:, 0], np.divide(ref["expected_1"], n), rtol=1e-6)
    assert_close(points[:, 1], np.divide(ref["observed_1"], n), rtol=1e-12)
    bars = _drawn(ax, "intervals")
    assert len(bars) == len(n)
    assert_close(np.array([b[:, 1] for b in bars]), np.array(ref[key]), rtol=1e-9, atol=1e-12)
    (diagonal,) = _drawn(ax, "diagonal")
    assert diagonal.tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_calibration_plot_is_refused_where_the_test_is():
    pytest.importorskip("matplotlib")
    with pytest.raises(gs.GLMStatError, match="for binomial fits of 0/1 responses"):
        gs.glm("counts ~ outcome", load_data("dobson"), family=gs.Poisson()).plot("calibration")
    with pytest.raises(gs.GLMStatError, match="level must be between 0 and 1"):
        _fit(REF[0]).plot("calibration", level=1.5)
