"""Half-normal plot with a simulated envelope (Atkinson 1985, *Plots, Transformations and Regression*, 4.2).

The ordered absolute standardized deviance residuals |rs|_(1) <= ... <= |rs|_(n) (R's ``rstandard``) are
plotted against the half-normal scores Phi^{-1}((i + n - 1/8) / (2n + 1/2)).  The envelope: ``nsim``
responses are simulated from the fitted model (as R's ``simulate``: :mod:`glmstat.inference.simulate`; a
factor or logical binomial response one Bernoulli draw per row), the
model is refitted to each with ``glm()`` on a copy of the data whose response column holds the simulated
values, and the ordered |rs| of each refit give, at each i, the minimum, the mean and
the maximum over the simulations.  Points outside the envelope, or a systematic drift across it, suggest
a wrong family, link or linear predictor.  With Atkinson's 19 simulations each bound is exceeded by
chance with probability about 1/20 at each i.

A fit to streamed data (a Parquet path, a dask DataFrame) is refused: each refit would read every row again,
once per IRLS iteration, for each of the ``nsim + 1`` refits (some 20 x 5 passes over data too large for
memory) -- fit a sample of the rows in memory to look at the envelope.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..._arguments import integer_type, own_scalar, random_seed, shown
from ...distributions import normal_quantile

from ...errors import GLMStatError
from ...families import NegativeBinomial
from ...formula.nodes import Call, Name
from ...inference.fit_access import structure, used_data
from ...inference.simulate import draw, simulation_scale
from ._figure import literal_text, new_figure, style_axes
from ._model import response_expression, row_labels
from .diagnostics import extreme_rows

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...inference.results import GLMResults

__all__ = ["halfnormal_figure", "halfnormal_scores", "simulated_envelope", "MAX_NSIM"]

#: Most simulated responses of an envelope: each is a refit of the model (R's default is 19; 99 is ample)
MAX_NSIM = 1000


def halfnormal_scores(n: int) -> np.ndarray:
    """Atkinson's half-normal scores Phi^{-1}((i + n - 1/8) / (2n + 1/2)), i = 1..n."""
    i = np.arange(1, n + 1)
    return normal_quantile((i + n - 1 / 8) / (2 * n + 1 / 2))


def _abs_std_resid(fit: "GLMResults") -> np.ndarray:
    r = fit.augment()["std_resid"].to_numpy(dtype=float)
    return np.abs(r)


class _Refitter:
    """Refits the model to a simulated response: glm() on a copy of the rows used, with the response
    column(s) replaced and the fit's weights and non-formula offset passed explicitly."""

    def __init__(self, fit: "GLMResults") -> None:
        from ...api import glm
        from ...inference.prediction import has_offset_array

        self._glm = glm
        self.fit = fit
        self.data = used_data(fit).copy()
        frame = fit.model_frame
        node = structure(fit).response  # (the parsed left-hand side, never its text)
        self.cbind = None
        if (isinstance(node, Call) and node.func == "cbind" and not node.kwargs and len(node.args) == 2
                and all(isinstance(a, Name) for a in node.args)):
            self.cbind = (node.args[0].id, node.args[1].id)
        elif not (isinstance(node, Name) and node.id in map(str, self.data.columns)):
            raise GLMStatError(
                "the half-normal envelope refits the model to simulated responses, so the response must be a "
                f"column of the data or cbind() of two columns; here it is {shown(response_expression(fit))}")
        self.response = None if self.cbind else node.id
        # a factor or logical response is one outcome per row, whatever its prior weight
        kind = None if self.cbind else self.data[self.response].dtype
        self.binary = kind is not None and fit.family.binomial_response and (
            pd.api.types.is_bool_dtype(kind) or not pd.api.types.is_numeric_dtype(kind))
        prior = np.asarray(frame.prior_weights, dtype=float)
        self.weights = None if np.all(prior == 1) else prior
        # trials of a binomial response: cbind()'s row totals, else the prior weights (proportions)
        self.size = np.asarray(frame.trials if self.cbind else frame.total_weights, dtype=float)
        self.offset_column = getattr(getattr(frame, "spec", None), "offset_column_arg", None)
        family = fit.family
        if isinstance(family, NegativeBinomial) and fit.theta_se is not None:
            family = NegativeBinomial(link=family.link)  # theta was estimated: estimate it again
        self.family = family
        self.offset = None
        if self.offset_column is None and frame.has_offset:
            # what the formula does not recompute from the data: an offset= array
            # (predict() refuses new data without that array: give it as 0 to get the formula's part)
            zero = np.zeros(len(self.data)) if has_offset_array(fit) else None
            rest = fit.predict(self.data, type="link", offset=zero).to_numpy(dtype=float)
            extra = fit.linear_predictor.to_numpy(dtype=float) - rest
            if np.any(np.abs(extra) > 1e-10 * (1 + np.abs(rest))):
                self.offset = extra

    def _with_response(self, y: np.ndarray) -> pd.DataFrame:
        data = self.data.copy()
        if self.cbind is not None:
            k = np.round(y * self.size)
            data[self.cbind[0]] = k
            data[self.cbind[1]] = self.size - k
            return data
        column = data[self.response]
        if pd.api.types.is_bool_dtype(column.dtype):
            data[self.response] = y > 0.5
        elif self.fit.family.binomial_response and not pd.api.types.is_numeric_dtype(column.dtype):
            levels = (list(column.cat.categories) if isinstance(column.dtype, pd.CategoricalDtype)
                      else sorted(pd.unique(column.dropna())))
            data[self.response] = pd.Series(np.where(y > 0.5, levels[-1], levels[0]), index=data.index).astype(
                column.dtype)
        else:
            data[self.response] = y
        return data

    def refit(self, y: np.ndarray) -> "GLMResults":
        return self._glm(self.fit.formula, self._with_response(y), family=self.family, weights=self.weights,
                         offset=self.offset_column if self.offset_column is not None else self.offset,
                         method=self.fit.method)


def simulated_envelope(fit: "GLMResults", nsim: int = 19, seed: int | None = None) -> tuple[np.ndarray, int]:
    """The sorted |standardized deviance residuals| of ``nsim`` refits to simulated responses, one row per
    successful simulation, and the number of refits that failed."""
    if (isinstance(nsim, bool) or not integer_type(nsim) or not own_scalar(nsim)
            or not 1 <= nsim <= MAX_NSIM):  # (an int subclass's comparisons are its own code)
        raise GLMStatError(f"nsim must be a whole number from 1 to {MAX_NSIM:,} (each is a refit of the model), "
                           f"got {shown(nsim)}")
    seed = random_seed(seed)
    if not fit.model_frame.in_memory:
        raise GLMStatError(
            f"the half-normal envelope refits the model to {nsim} simulated responses (and once to the observed "
            f"one), and a fit to streamed data (a Parquet path or a dask DataFrame) would read all its rows again "
            f"for each of those {nsim + 1} refits; fit a sample of the rows as a DataFrame to draw this plot")
    refitter = _Refitter(fit)
    observed_y = fit.fitted_values.to_numpy(dtype=float) + fit.residuals("response").to_numpy(dtype=float)
    cannot = "cannot reproduce this fit from its formula and data, so no envelope can be simulated"
    try:  # the refit of the observed response must give the fit back, or the envelope would be wrong
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check = refitter.refit(observed_y)
    except GLMStatError as e:
        raise GLMStatError(f"{cannot}: {e}") from e
    if not np.allclose(check.coef.to_numpy(dtype=float), fit.coef.to_numpy(dtype=float), rtol=1e-6,
                       atol=1e-8, equal_nan=True):
        raise GLMStatError(f"{cannot} (the refit's coefficients differ)")
    mu = fit.fitted_values.to_numpy(dtype=float)
    sim_family = fit.family
    positive = refitter.size > 0 if fit.family.binomial_response else (
        np.asarray(fit.model_frame.total_weights, dtype=float) > 0)
    weights = refitter.size if fit.family.binomial_response else np.asarray(fit.model_frame.total_weights, float)
    if refitter.binary:  # one Bernoulli draw per row, as R's binomial()$simulate draws for a factor response
        weights = np.ones_like(weights)  # (the proportion of w trials would become FALSE unless all w succeed)
    rng = np.random.default_rng(seed)
    scale = simulation_scale(fit)
    rows, failed = [], 0
    for _ in range(nsim):
        y = observed_y.copy()  # rows with zero weight keep their value: they take no part in the fit
        y[positive] = draw(sim_family, mu, np.where(positive, weights, 0.0), scale, rng)[positive]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a simulated binary response may well be separated
                r = _abs_std_resid(refitter.refit(y))
        except GLMStatError:
            failed += 1
            continue
        rows.append(np.sort(r[np.isfinite(r)]))
    n = int(np.isfinite(_abs_std_resid(fit)).sum())
    rows = [r for r in rows if r.size == n]
    if not rows:
        raise GLMStatError(f"every one of the {nsim} refits to simulated responses failed")
    return np.vstack(rows), nsim - len(rows)


def halfnormal_figure(fit: "GLMResults", nsim: int = 19, seed: int | None = None) -> "Figure":
    """Half-normal plot of |standardized deviance residuals| with a simulated envelope (module docstring)."""
    sims, failed = simulated_envelope(fit, nsim, seed)  # (first: it may refuse, and then no figure is made)
    fig, axes = new_figure('fit.plot("halfnormal")', 1, 1, panel_size=(5.4, 4.4))
    ax = axes[0, 0]
    r = _abs_std_resid(fit)
    labels = row_labels(fit)
    ok = np.isfinite(r)
    r, labels = r[ok], labels[ok]
    order = np.argsort(r, kind="stable")
    scores = halfnormal_scores(r.size)
    ax.fill_between(scores, sims.min(axis=0), sims.max(axis=0), color="0.85", linewidth=0,
                    label=f"envelope: min and max of {sims.shape[0]} simulations", gid="envelope")
    ax.plot(scores, sims.mean(axis=0), linestyle="--", color="0.4", linewidth=0.9, label="simulated mean",
            gid="envelope-mean")
    ax.plot(scores, r[order], linestyle="none", marker="o", markersize=4, markerfacecolor="none",
            markeredgecolor="black", markeredgewidth=0.7, gid="points")
    for i in extreme_rows(r):
        at = int(np.flatnonzero(order == i)[0])
        ax.annotate(labels[i], (scores[at], r[i]), xytext=(-3, 0), textcoords="offset points", ha="right",
                    va="center", fontsize=7, gid="id")
    note = f" ({failed} refits failed and are left out)" if failed else ""
    ax.set(xlabel="Half-normal scores", ylabel="|Std. deviance resid.|",
           title=f"Half-normal plot with simulated envelope{note}")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    style_axes(ax)
    return literal_text(fig)
