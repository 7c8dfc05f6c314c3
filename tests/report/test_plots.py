"""Plots: R's plot() of a glm panel by panel against what R 4.2 draws, R's lowess, the IRLS trace figure on a
hand-written IRLS, effects, links, the half-normal envelope, the missing-matplotlib error, and that no figure
changes the fit.

R's numbers come from tests/fixtures/scripts/make_plot_fixtures.R (tests/fixtures/plots/*.json), which
records the graphics calls R's plot.lm makes."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import glmstat as gs  # noqa: E402
from glmstat.report.plots import lowess, trace_figure  # noqa: E402
from glmstat.report.plots.halfnormal import halfnormal_scores  # noqa: E402

from conftest import FIXTURES  # noqa: E402
LOWESS = json.loads((FIXTURES / "plots" / "lowess.json").read_text())["cases"]
PLOTS = {c["id"]: c for c in json.loads((FIXTURES / "plots" / "plot_glm.json").read_text())}
FAMILIES = {"binomial": gs.Binomial, "poisson": gs.Poisson, "gaussian": gs.Gaussian}


def _r_data(case: dict) -> pd.DataFrame:
    """The case's data as R read it, row labels "1".."n" as R's row names."""
    name = Path(case["file"]).name
    path = FIXTURES / "data" / name
    d = pd.read_csv(path) if path.exists() else gs.load_dataset(Path(name).stem)
    d.index = pd.Index([str(i) for i in range(1, len(d) + 1)])
    return d


def _r_fit(case: dict) -> gs.GLMResults:
    d = _r_data(case)
    weights = None
    if case.get("weights"):
        weights = d[case["weights"]].to_numpy(dtype=float).copy()
        weights[np.asarray(case.get("zero_rows", []), dtype=int) - 1] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm(case["formula"], d, family=FAMILIES[case["family"]](), weights=weights)


def _r_panels(case: dict) -> list[list[dict]]:
    """R's recorded graphics calls, split into the four panels (each starts with a plot.default call)."""
    panels: list[list[dict]] = []
    for call in case["calls"]:
        if call["kind"] == "plot":
            panels.append([])
        panels[-1].append(call)
    assert len(panels) == 4
    return panels


def _first(calls: list[dict], kind: str, **match) -> dict:
    return next(c for c in calls if c["kind"] == kind and all(c.get(k) == v for k, v in match.items()))


def _arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def _line(ax, gid: str):
    return [ln for ln in ax.lines if ln.get_gid() == gid]


def _labels(ax) -> list:
    return [t for t in ax.texts if t.get_gid() == "id"]


# -- lowess ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", LOWESS, ids=[c["id"] for c in LOWESS])
def test_lowess_matches_r(case):
    kw = {"delta": case["delta"]} if "delta" in case else {}
    xs, ys = lowess(_arr(case["x"]), _arr(case["y"]), f=case["f"], iter=case["iter"], **kw)
    np.testing.assert_array_equal(xs, _arr(case["out_x"]))
    np.testing.assert_allclose(ys, _arr(case["out_y"]), rtol=1e-12, atol=1e-12)


# -- fit.plot(): R's plot.lm on a glm -----------------------------------------------------------------------

@pytest.fixture(scope="module", params=sorted(PLOTS))
def r_case(request):
    case = PLOTS[request.param]
    fit = _r_fit(case)
    return case, fit, fit.plot()


def _check_points(ax, r_plot: dict, rtol=1e-7):
    pts = _line(ax, "points")[0].get_xydata()
    np.testing.assert_allclose(pts[:, 0], _arr(r_plot["x"]), rtol=rtol, atol=1e-9)
    np.testing.assert_allclose(pts[:, 1], _arr(r_plot["y"]), rtol=rtol, atol=1e-9)


def _check_smooth(ax, r_lines: dict):
    # lowess is not smooth in its input: allow for the 1e-9 differences between R's fit and the exact MLE
    xy = _line(ax, "smooth")[0].get_xydata()
    np.testing.assert_allclose(xy[:, 0], _arr(r_lines["x"]), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(xy[:, 1], _arr(r_lines["y"]), rtol=1e-6, atol=1e-8)


def _check_labels(ax, r_text: dict, points: np.ndarray):
    labels = _labels(ax)
    assert [t.get_text() for t in labels] == r_text["labels"]
    xy = np.array([t.xy for t in labels])
    np.testing.assert_allclose(xy[:, 0], _arr(r_text["x"]), rtol=1e-7, atol=1e-9)
    # R lowers labels of negative points by a third of a line; the anchor is the point itself
    for (x, y), lab in zip(xy, r_text["labels"]):
        assert any(np.isclose(x, px) and np.isclose(y, py) for px, py in points), lab


def test_diagnostics_figure_has_r_panels_and_titles(r_case):
    case, fit, fig = r_case
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    panels = _r_panels(case)
    for ax, calls in zip(fig.axes, panels):
        plot = calls[0]
        mtexts = [c["text"] for c in calls if c["kind"] == "mtext"]
        assert ax.get_title() == mtexts[-1]  # the caption; a factor-level panel also names its factor
        assert ax.get_xlabel().split("\n") == [plot["xlab"], *mtexts[:-1]]
        ylab = "\u221a|Std. Pearson resid.|" if plot["ylab"].startswith("expression(sqrt(abs(") else plot["ylab"]
        assert ax.get_ylabel() == ylab
    assert fig.get_suptitle() == f"glm({case['formula']})"


def test_residuals_vs_fitted_as_r(r_case):
    case, fit, fig = r_case
    ax, calls = fig.axes[0], _r_panels(case)[0]
    _check_points(ax, calls[0])
    _check_smooth(ax, _first(calls, "lines"))
    _check_labels(ax, _first(calls, "text"), _line(ax, "points")[0].get_xydata())


def test_normal_qq_as_r(r_case):
    case, fit, fig = r_case
    ax, calls = fig.axes[1], _r_panels(case)[1]
    # x: qnorm(ppoints(n)) at the ranks of y, the standardized Pearson residuals.  Tied residuals (equal
    # responses in one cell) differ in R by rounding noise that orders them, so compare x within ties as sets.
    pts = _line(ax, "points")[0].get_xydata()
    rx, ry = _arr(calls[0]["x"]), _arr(calls[0]["y"])
    np.testing.assert_allclose(pts[:, 1], ry, rtol=1e-7, atol=1e-9)
    for i in range(len(ry)):
        tied = np.isclose(ry, ry[i], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(np.sort(pts[tied, 0]), np.sort(rx[tied]), rtol=1e-12)
    qqline = _line(ax, "qqline")[0]
    (x1, y1), (x2, y2) = qqline.get_xy1(), qqline.get_xy2()
    slope = (y2 - y1) / (x2 - x1)
    r_abline = _first(calls, "abline")
    np.testing.assert_allclose([y1 - slope * x1, slope], [r_abline["a"], r_abline["b"]], rtol=1e-7)
    _check_labels(ax, _first(calls, "text"), _line(ax, "points")[0].get_xydata())


def test_scale_location_as_r(r_case):
    case, fit, fig = r_case
    ax, calls = fig.axes[2], _r_panels(case)[2]
    _check_points(ax, calls[0])
    _check_smooth(ax, _first(calls, "lines"))
    _check_labels(ax, _first(calls, "text"), _line(ax, "points")[0].get_xydata())


def test_residuals_vs_leverage_as_r(r_case):
    case, fit, fig = r_case
    ax, calls = fig.axes[3], _r_panels(case)[3]
    _check_points(ax, calls[0])
    lines = [c for c in calls if c["kind"] == "lines"]
    _check_smooth(ax, lines[0])
    texts = [c for c in calls if c["kind"] == "text"]
    _check_labels(ax, texts[-1], _line(ax, "points")[0].get_xydata())
    if calls[0]["xlab"] == "Factor Level Combinations":  # constant leverage: R's factor-level panel
        axis = next(c for c in calls if c["kind"] == "axis" and c["side"] == 1 and c["labels"])
        ticks = [t for t in ax.get_xticklabels()]
        assert [t.get_text() for t in ticks] == axis["labels"]
        np.testing.assert_allclose(ax.get_xticks(), _arr(axis["at"]))
        return
    # Cook's distance contours sqrt(level * p * (1 - h) / h), dashed: R draws +0.5, -0.5, +1, -1
    contours = _line(ax, "cook-0.5") + _line(ax, "cook-1")
    assert len(contours) == 4 and all(c.get_linestyle() == "--" for c in contours)
    for mine, r_line in zip(contours, lines[1:5]):
        xy = mine.get_xydata()
        np.testing.assert_allclose(xy[:, 0], _arr(r_line["x"]), rtol=1e-7)
        np.testing.assert_allclose(xy[:, 1], _arr(r_line["y"]), rtol=1e-7)
    assert "Cook's distance" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_labels_are_the_row_labels_of_the_data():
    d = gs.load_dataset("students_overlap").set_index(pd.Index(list("abcdefg")))
    fit = gs.glm("passed ~ hours", d, family=gs.Binomial())
    ref = PLOTS["students_overlap_logit"]
    r_labels = [c["labels"] for c in ref["calls"] if c["kind"] == "text" and len(c["labels"]) == 3]
    fig = fit.plot()
    mine = [[t.get_text() for t in _labels(ax)] for ax in fig.axes]
    assert mine == [["abcdefg"[int(i) - 1] for i in labels] for labels in r_labels]


# -- the figures never change the fit or the data ------------------------------------------------------------

def test_figures_do_not_change_the_fit():
    d = gs.load_dataset("students_overlap")
    before_data = d.copy()
    fit = gs.glm("passed ~ hours", d, family=gs.Binomial())
    state = (fit.coef.copy(), fit.fitted_values.copy(), fit.augment().copy(), fit.deviance)
    figures = [fit.plot(), fit.plot("effects", term="hours"), fit.plot("halfnormal", nsim=5, seed=1)]
    assert all(isinstance(f, Figure) for f in figures)
    pd.testing.assert_series_equal(fit.coef, state[0])
    pd.testing.assert_series_equal(fit.fitted_values, state[1])
    pd.testing.assert_frame_equal(fit.augment(), state[2])
    assert fit.deviance == state[3]
    pd.testing.assert_frame_equal(d, before_data)


def test_unknown_kind_is_refused():
    fit = gs.glm("passed ~ hours", gs.load_dataset("students_overlap"), family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="unknown plot kind 'qq'"):
        fit.plot("qq")


# -- matplotlib is optional -----------------------------------------------------------------------------

def test_import_glmstat_does_not_import_matplotlib():
    code = ("import sys, glmstat as gs; assert 'matplotlib' not in sys.modules; "
            "assert callable(gs.plot_links) and 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("draw", [
    lambda fit: fit.plot(),
    lambda fit: fit.plot("effects", term="hours"),
    lambda fit: fit.plot("halfnormal", nsim=2),
    lambda fit: gs.plot_links(["logit"]),
    lambda fit: trace_figure(pd.DataFrame({"iteration": [1], "deviance": [1.0]})),
], ids=["diagnostics", "effects", "halfnormal", "plot_links", "trace_figure"])
def test_missing_matplotlib_names_the_extra(monkeypatch, draw):
    fit = gs.glm("passed ~ hours", gs.load_dataset("students_overlap"), family=gs.Binomial())
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules makes the import fail
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(gs.MissingDependencyError, match=r"pip install glmstat\[plot\]") as info:
        draw(fit)
    assert isinstance(info.value, ImportError) and isinstance(info.value, gs.GLMStatError)


# -- trace: a hand-written IRLS ----------------------------------------------------------------------------

def _hand_irls() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fisher scoring for a logistic regression, written out in numpy (no glmstat), recording each step."""
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    y = np.array([0.0, 0, 1, 0, 1, 0, 1, 1])
    X = np.column_stack([np.ones_like(x), x])
    mu = (y + 0.5) / 2  # R's binomial starting values for one trial
    eta = np.log(mu / (1 - mu))
    rows, means = [], {}
    for it in range(1, 8):
        w = mu * (1 - mu)
        z = eta + (y - mu) / w
        beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * z))
        eta = X @ beta
        mu = 1 / (1 + np.exp(-eta))
        loglik = float(np.sum(y * np.log(mu) + (1 - y) * np.log(1 - mu)))
        rows.append({"iteration": it, "deviance": -2 * loglik, "loglik": loglik, "halvings": 0,
                     "(Intercept)": beta[0], "x": beta[1]})
        means[it] = mu.copy()
    trace = pd.DataFrame(rows)
    trace.loc[2, "halvings"] = 1  # pretend the third step was halved, to see it marked
    return trace, pd.DataFrame(means)


def test_trace_figure_draws_the_trace():
    trace, fitted = _hand_irls()
    fig = trace_figure(trace, fitted)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    ax1, ax2, ax3 = fig.axes
    for name in ("(Intercept)", "x"):
        xy = _line(ax1, f"coef:{name}")[0].get_xydata()
        np.testing.assert_array_equal(xy[:, 0], trace["iteration"])
        np.testing.assert_array_equal(xy[:, 1], trace[name])
    np.testing.assert_array_equal(_line(ax2, "deviance")[0].get_ydata(), trace["deviance"])
    np.testing.assert_array_equal(_line(ax2, "halvings")[0].get_xydata(), [[3, trace["deviance"][2]]])
    paths = [c for c in ax3.collections if isinstance(c, LineCollection)][0].get_segments()
    assert len(paths) == len(fitted)
    for path, (_, row) in zip(paths, fitted.iterrows()):
        np.testing.assert_array_equal(path[:, 0], fitted.columns)
        np.testing.assert_array_equal(path[:, 1], row.to_numpy())
    assert [ax.get_title() for ax in fig.axes] == ["Coefficients", "Deviance", "Fitted values"]
    assert len(trace_figure(trace).axes) == 2


@pytest.mark.parametrize("paths, legend", [(8, 2), (5, 1)])  # every row and the legend; 5 of 8 rows, no legend
def test_trace_figure_of_many_rows_and_coefficients_draws_a_sample_and_counts_them(paths, legend, monkeypatch):
    """Beyond MAX_PATHS rows panel 3 draws that many evenly spaced (the first and the last among them) and its title
    says so; beyond MAX_LEGEND coefficients panel 1 has no legend and its title counts them (a 300-level factor's
    legend of 301 entries overflowed the figure, and 100,000 paths were one black band)."""
    import glmstat.report.plots.trace as trace_module

    monkeypatch.setattr(trace_module, "MAX_PATHS", paths)
    monkeypatch.setattr(trace_module, "MAX_LEGEND", legend)
    trace, fitted = _hand_irls()
    ax1, _, ax3 = trace_figure(trace, fitted).axes
    drawn = [c for c in ax3.collections if isinstance(c, LineCollection)][0].get_segments()
    rows = [0, 2, 4, 5, 7] if paths == 5 else list(range(8))  # (round(linspace(0, 7, 5)): 0, 1.75, 3.5, 5.25, 7)
    assert len(drawn) == len(rows)
    for path, i in zip(drawn, rows):
        np.testing.assert_array_equal(path[:, 1], fitted.iloc[i].to_numpy())
    assert ax3.get_title() == ("Fitted values" if paths == 8 else "Fitted values (5 of 8 rows)")
    assert (ax1.get_legend() is not None) == (legend == 2)
    assert ax1.get_title() == ("Coefficients" if legend == 2 else "Coefficients (2)")


def test_hand_irls_reaches_glmstat_estimate():
    # the trace used above is a real IRLS path: its last row is the maximum-likelihood estimate
    trace, _ = _hand_irls()
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8], "y": [0.0, 0, 1, 0, 1, 0, 1, 1]})
    fit = gs.glm("y ~ x", d, family=gs.Binomial())
    np.testing.assert_allclose(trace[["(Intercept)", "x"]].iloc[-1], fit.coef, rtol=1e-9)


def test_fit_plot_trace_uses_the_fits_trace():
    fit = gs.glm("passed ~ hours", gs.load_dataset("students_overlap"), family=gs.Binomial())
    fig = fit.plot("trace")
    assert len(fig.axes) == 3
    np.testing.assert_array_equal(_line(fig.axes[1], "deviance")[0].get_ydata(), fit.trace["deviance"])


@pytest.mark.parametrize("formula,family", [("mpg ~ 0", gs.Gaussian()), ("carb ~ 0 + offset(log(hp))", gs.Poisson())])
def test_trace_of_a_model_without_coefficients_is_empty(formula, family):
    # R: glm(mpg ~ 0, data = mtcars, trace = TRUE) prints no iteration ($iter is 0); the trace tables and
    # the trace figure raised a raw ValueError (an empty array reshaped)
    fit = gs.glm(formula, gs.load_dataset("mtcars"), family=family)
    assert fit.iterations == 0 and len(fit.trace) == 0
    assert list(fit.trace.columns) == ["iteration", "deviance", "loglik", "halvings"]
    assert fit.trace_fitted.shape == (32, 0)
    if formula == "mpg ~ 0":
        assert fit.deviance == pytest.approx(14042.31)  # R: deviance(glm(mpg ~ 0, data = mtcars)) = sum(mpg^2)
    fig = fit.plot("trace")
    assert [ax.get_title() for ax in fig.axes] == ["Coefficients", "Deviance", "Fitted values"]
    assert len(_line(fig.axes[1], "deviance")[0].get_xdata()) == 0


# -- effects -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def birthwt_fit():
    d = pd.read_csv(FIXTURES / "data" / "birthwt.csv")
    return gs.glm("low ~ age + lwt + race + smoke", d, family=gs.Binomial()), d


def test_effects_numeric_term(birthwt_fit):
    fit, d = birthwt_fit
    fig = fit.plot("effects", term="lwt")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    x, y = _line(ax, "fit")[0].get_xdata(), _line(ax, "fit")[0].get_ydata()
    assert x[0] == d["lwt"].min() and x[-1] == d["lwt"].max()
    new = pd.DataFrame({"lwt": x, "age": d["age"].mean(), "race": "black", "smoke": d["smoke"].mean()})
    pred = fit.predict(new, se_fit=True, interval="confidence")
    np.testing.assert_allclose(y, pred["fit"], rtol=1e-12)
    band = [c for c in ax.collections if c.get_gid() == "band"][0].get_paths()[0].vertices
    for xi, lo, hi in zip(x, pred["lower"], pred["upper"]):  # the band's edges at each grid point
        at = band[band[:, 0] == xi, 1]
        np.testing.assert_allclose([at.min(), at.max()], [lo, hi], rtol=1e-12)
    assert np.all(pred["lower"] < pred["fit"]) and np.all(pred["fit"] < pred["upper"])
    assert ax.get_ylabel() == "Fitted probability of low" and ax.get_xlabel() == "lwt"
    held = ax.get_legend().get_title().get_text()
    assert f"age = {d['age'].mean():.4g} (mean)" in held and "race = black (reference level)" in held


def test_effects_factor_term(birthwt_fit):
    fit, d = birthwt_fit
    ax = fit.plot("effects", term="race").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["black", "other", "white"]
    new = pd.DataFrame({"race": ["black", "other", "white"], "age": d["age"].mean(), "lwt": d["lwt"].mean(),
                        "smoke": d["smoke"].mean()})
    pred = fit.predict(new, se_fit=True, interval="confidence")
    np.testing.assert_allclose(_line(ax, "fit")[0].get_ydata(), pred["fit"], rtol=1e-12)


def test_effects_unknown_term_names_the_predictors(birthwt_fit):
    fit, _ = birthwt_fit
    with pytest.raises(gs.GLMStatError, match="'age', 'lwt', 'race', 'smoke'"):
        fit.plot("effects", term="bwt")
    with pytest.raises(gs.GLMStatError, match="needs term="):
        fit.plot("effects")



def test_effects_hold_a_column_only_the_offset_reads_at_its_mean():
    rng = np.random.default_rng(5)
    d = pd.DataFrame({"x": rng.normal(size=60), "expo": rng.uniform(1, 4, 60), "f": rng.choice(["u", "v"], 60)})
    d["y"] = rng.poisson(d["expo"] * np.exp(0.3 * d["x"]))
    fit = gs.glm("y ~ x + factor(f) + offset(log(expo))", d, family=gs.Poisson())
    ax = fit.plot("effects", term="x").axes[0]
    x = _line(ax, "fit")[0].get_xdata()
    new = pd.DataFrame({"x": x, "f": "u", "expo": d["expo"].mean()})
    np.testing.assert_allclose(_line(ax, "fit")[0].get_ydata(), fit.predict(new, type="response"), rtol=1e-12)
    held = ax.get_legend().get_title().get_text()
    assert "f = u (reference level)" in held and f"expo = {d['expo'].mean():.4g} (mean)" in held
    # a factor variable is asked by its column or its spelling in the formula
    ticks = [t.get_text() for t in fit.plot("effects", term="factor(f)").axes[0].get_xticklabels()]
    assert ticks == ["u", "v"]


def test_effects_label_the_response_of_a_name_holding_a_tilde(birthwt_fit):
    """The response's label is the text before the formula's own '~', which the lexer finds: a backtick-quoted
    name holding one (`low~birth`) was cut at it (the label was "`low")."""
    _, d = birthwt_fit
    fit = gs.glm("`low~birth` ~ lwt", d.rename(columns={"low": "low~birth"}), family=gs.Binomial())
    assert fit.plot("effects", term="lwt").axes[0].get_ylabel() == "Fitted probability of low~birth"


# -- links -----------------------------------------------------------------------------------------------

def test_plot_links_draws_links_and_inverses():
    fig = gs.plot_links(["logit", "probit", "cloglog"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    closed = {  # g and g^-1 in closed form
        "logit": (lambda m: np.log(m / (1 - m)), special.expit),
        "probit": (stats.norm.ppf, stats.norm.cdf),
        "cloglog": (lambda m: np.log(-np.log(1 - m)), lambda e: 1 - np.exp(-np.exp(e))),
    }
    for name, (g, ginv) in closed.items():
        mu, eta = _line(left, f"link:{name}")[0].get_data()
        np.testing.assert_allclose(eta, g(mu), rtol=1e-9, atol=1e-12)
        eta, mu = _line(right, f"inverse:{name}")[0].get_data()
        np.testing.assert_allclose(mu, ginv(eta), rtol=1e-9, atol=1e-15)
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["logit", "probit", "cloglog"]


def test_plot_links_hides_what_is_not_an_inverse():
    right = gs.plot_links(["sqrt", "inverse", gs.links.Power(1 / 3)]).axes[1]
    for gid in ("inverse:sqrt", "inverse:inverse", "inverse:mu^0.333"):
        eta, mu = _line(right, gid)[0].get_data()
        assert np.all(np.isnan(mu[eta < 0])) and np.all(np.isfinite(mu[eta > 0.01]))
    with pytest.raises(gs.FamilyError):
        gs.plot_links(["logt"])


# -- half-normal envelope ----------------------------------------------------------------------------------

def test_halfnormal_scores_closed_form():
    # Atkinson (1985): Phi^-1((i + n - 1/8) / (2n + 1/2)); for n = 1, Phi^-1(1.875 / 2.5) = Phi^-1(0.75)
    np.testing.assert_allclose(halfnormal_scores(1), [stats.norm.ppf(0.75)])
    np.testing.assert_allclose(halfnormal_scores(4), stats.norm.ppf((np.arange(1, 5) + 3.875) / 8.5))


@pytest.mark.parametrize("formula,data,family", [
    ("cbind(numdead, numalive) ~ sex + ldose", "budworm", gs.Binomial()),
    ("Days ~ Eth + Sex + Age", "quine", gs.Poisson()),
    ("mpg ~ wt + hp", "mtcars", gs.Gaussian()),
], ids=["binomial-cbind", "poisson", "gaussian"])
def test_halfnormal_envelope(formula, data, family):
    d = pd.read_csv(FIXTURES / "data" / f"{data}.csv")
    fit = gs.glm(formula, d, family=family)
    fig = fit.plot("halfnormal", nsim=9, seed=3)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    pts = _line(ax, "points")[0].get_xydata()
    np.testing.assert_allclose(pts[:, 0], halfnormal_scores(fit.nobs))
    np.testing.assert_allclose(pts[:, 1], np.sort(np.abs(fit.augment()["std_resid"])))
    envelope = [c for c in ax.collections if c.get_gid() == "envelope"][0].get_paths()[0].vertices
    mean = _line(ax, "envelope-mean")[0].get_ydata()
    assert envelope[:, 1].min() <= mean.min() and mean.max() <= envelope[:, 1].max()
    again = fit.plot("halfnormal", nsim=9, seed=3).axes[0]
    np.testing.assert_array_equal(_line(again, "envelope-mean")[0].get_ydata(), mean)
    assert ax.get_xlabel() == "Half-normal scores" and ax.get_ylabel() == "|Std. deviance resid.|"


def test_halfnormal_needs_a_response_column():
    d = pd.read_csv(FIXTURES / "data" / "cars.csv")
    fit = gs.glm("log(dist) ~ speed", d)
    with pytest.raises(gs.GLMStatError, match="response must be a column"):
        fit.plot("halfnormal", nsim=2)


def test_halfnormal_reads_the_parsed_response_not_its_text():
    # names that need backticks, and cbind() of a computed column (not a column of the data: refused)
    d = pd.read_csv(FIXTURES / "data" / "budworm.csv").rename(columns={"numdead": "dead (n)", "numalive": "alive"})
    fit = gs.glm("cbind(`dead (n)`, alive) ~ sex + ldose", d, family=gs.Binomial())
    plain = gs.glm("cbind(numdead, numalive) ~ sex + ldose", pd.read_csv(FIXTURES / "data" / "budworm.csv"),
                   family=gs.Binomial())
    a = _line(fit.plot("halfnormal", nsim=4, seed=2).axes[0], "envelope-mean")[0].get_ydata()
    b = _line(plain.plot("halfnormal", nsim=4, seed=2).axes[0], "envelope-mean")[0].get_ydata()
    np.testing.assert_allclose(a, b, rtol=1e-12)
    twice = gs.glm("cbind(2 * alive, alive) ~ ldose", d, family=gs.Binomial())
    with pytest.raises(gs.GLMStatError, match="response must be a column"):
        twice.plot("halfnormal", nsim=2)


def test_halfnormal_refuses_a_fit_it_cannot_refit():
    d = pd.read_csv(FIXTURES / "data" / "cars.csv")
    fit = gs.glm("dist ~ f(speed)", d, context={"f": np.sqrt})  # context= is not kept by the fit
    with pytest.raises(gs.GLMStatError, match="cannot reproduce this fit"):
        fit.plot("halfnormal", nsim=2)


def test_halfnormal_with_zero_weights_and_a_proportion_response():
    case = PLOTS["mtcars_gaussian_zero_weights"]
    fit = _r_fit(case)
    pts = _line(fit.plot("halfnormal", nsim=4, seed=5).axes[0], "points")[0].get_xydata()
    assert len(pts) == fit.nobs == 30
    d = pd.read_csv(FIXTURES / "data" / "budworm.csv")
    fit = gs.glm("p ~ sex + ldose", d, family=gs.Binomial(), weights="total")
    assert len(_line(fit.plot("halfnormal", nsim=4, seed=5).axes[0], "points")[0].get_xdata()) == 12


def test_halfnormal_draws_one_outcome_per_row_of_a_weighted_factor_response(monkeypatch):
    # R's binomial()$simulate draws rbinom(size = 1) for a factor response, whatever the prior weights: each
    # row's simulated outcome is "Yes" with probability mu (the fitted share, 68/200 here).  Drawing the
    # proportion of w = 2 trials and calling it "Yes" only when it exceeds 1/2 gave "Yes" with mu^2.
    from glmstat.report.plots import halfnormal

    d = gs.load_dataset("pima.tr")
    fit = gs.glm("type ~ 1", d, family=gs.Binomial(), weights=np.full(len(d), 2.0))
    assert fit.fitted_values.iloc[0] == pytest.approx(68 / 200)  # R: mean(Pima.tr$type == "Yes")
    shares = []
    refit = halfnormal._Refitter.refit

    def spy(self, y):
        shares.append(float((self._with_response(y)["type"] == "Yes").mean()))
        return refit(self, y)

    monkeypatch.setattr(halfnormal._Refitter, "refit", spy)
    halfnormal.simulated_envelope(fit, nsim=50, seed=4)
    simulated = np.mean(shares[1:])  # (the first refit is of the observed response)
    assert abs(simulated - 68 / 200) < 4 * np.sqrt(0.34 * 0.66 / (50 * 200))


def test_halfnormal_refuses_non_integer_binomial_trials():
    # R: simulate(glm(Menarche/Total ~ Age, binomial, menarche, weights = Total / 2)) stops with "cannot
    # simulate from non-integer prior.weights"; rounding the trials drew the envelope from another model
    d = gs.load_dataset("menarche").assign(p=lambda m: m["Menarche"] / m["Total"], half=lambda m: m["Total"] / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DataWarning)  # non-integer successes, as R warns
        fit = gs.glm("p ~ Age", d, family=gs.Binomial(), weights="half")
    assert (d["Total"] % 2 == 1).any()
    with pytest.raises(gs.FamilyError, match="non-integer trials"):
        fit.plot("halfnormal", nsim=3, seed=1)
    whole = gs.glm("p ~ Age", d, family=gs.Binomial(), weights="Total")
    assert len(_line(whole.plot("halfnormal", nsim=3, seed=1).axes[0], "points")[0].get_xdata()) == 25


@pytest.mark.parametrize("family,mean,var", [
    (gs.Gaussian(), 2.0, 0.5 * 1 / 2),            # dispersion / w
    (gs.Binomial(), 0.3, 0.3 * 0.7 / 2),          # mu (1 - mu) / trials, as a proportion
    (gs.Poisson(), 2.0, 2.0),
    (gs.Gamma(), 2.0, 0.5 * 4 / 2),               # dispersion mu^2 / w
    (gs.InverseGaussian(), 2.0, 0.5 * 8 / 2),     # dispersion mu^3 / w
    (gs.NegativeBinomial(theta=3.0), 2.0, 2.0 + 4 / 3),
], ids=lambda v: type(v).__name__ if isinstance(v, gs.Family) else None)
def test_family_simulate_moments(family, mean, var):
    rng = np.random.default_rng(11)
    n = 200_000
    y = family.simulate(np.full(n, mean), np.full(n, 2.0), 0.5, rng)
    assert abs(y.mean() - mean) < 4 * np.sqrt(var / n)
    assert abs(y.var() / var - 1) < 0.03


@pytest.mark.parametrize("family", [gs.QuasiPoisson(), gs.QuasiBinomial(), gs.Tweedie(1.5), gs.Quasi()],
                         ids=lambda f: f.name)
def test_families_without_a_distribution_do_not_simulate(family):
    with pytest.raises(gs.FamilyError, match="no distribution"):
        family.simulate(np.ones(3), np.ones(3), 1.0, np.random.default_rng(0))
