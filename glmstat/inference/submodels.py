"""The submodels that analyses of deviance compare: a fit's model refitted on a subset of its design columns (same
rows, weights and offset) by the IRLS engine, as R's ``anova.glm``, ``drop1.glm`` and ``add1.glm`` refit with
``glm.fit`` -- from R's starting values, or from the model's own estimate where those do not converge
(:func:`refit_columns`), and the model itself where only aliased columns are left out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..design.sources import StartFromTotalWeights, fold
from ..engine.irls import irls
from ..engine.starts import fitted_means_start
from ..errors import ConvergenceWarning, FitError, warn_user
from ..once import once
from .._arguments import shown, shown_items

__all__ = ["Submodel", "refit_columns", "only_aliased_left_out", "zero_nan"]


@dataclass(frozen=True)
class Submodel:
    """A submodel refitted on the design columns ``cols``: its deviance, rank, coefficients (0 where aliased)
    and nobs; ``source`` is the full model's rows."""

    deviance: float
    rank: int
    beta: np.ndarray
    cols: np.ndarray
    n_ok: int
    source: Any = field(repr=False)
    #: With ``convergence="R"``: the coefficients (on ``cols``) at which the working weights of the last
    #: iteration were evaluated, or whether they were the starting means' (R's ``fit$weights``)
    weights_beta: np.ndarray | None = field(default=None, repr=False)
    weights_at_start: bool = False

    @property
    def df_residual(self) -> int:
        return self.n_ok - self.rank

    @once
    def eta(self) -> np.ndarray:
        """The submodel's linear predictor for every row (rows in memory)."""
        parts = [b.X.select(self.cols).matvec(self.beta) + b.offset for b in self.source.blocks()]
        return np.concatenate(parts) if parts else np.zeros(0)


def _submodel_names(fit, cols: np.ndarray) -> str:
    return (shown_items(cols, each=lambda j: shown(fit.column_names[j])) if cols.size
            else "no columns (eta = the offset)")


def _warm_start(fit, cols: np.ndarray) -> np.ndarray:
    """The model's own estimate on the columns ``cols`` (0 where aliased): a start near the submodel's."""
    return np.nan_to_num(np.asarray(fit.fit_data.coef, dtype=float)[cols], nan=0.0)


def _retry_warm(state, control) -> bool:
    """Whether a submodel refitted from R's starting values is refitted again from the model's own estimate:
    when the first refit failed, or (``convergence="exact"``) did not converge.  With ``convergence="R"`` a
    refit that ran its iterations is the one R's anova.glm, drop1.glm and add1.glm use (glm.fit from the
    family's starting values at the fit's control), converged or not: a warm start gives another number."""
    return state is None or (not state.converged and control.convergence == "exact")


def refit_columns(fit, cols, start: np.ndarray | None = None) -> Submodel:
    """Refit ``fit``'s model on the design columns ``cols`` (possibly none: eta = offset).

    From R's starting values first (as glm.fit); where scoring from there does not converge (it can wander off
    to the edge of the domain and stop at max_iter with a deviance of 1e21), again from the model's own
    estimate on those columns -- with ``convergence="R"`` only where it fails outright, since R reports the
    refit it stopped at max_iter (see :func:`_retry_warm`), and not where it stops above the first (a separated
    submodel, run off towards deviance 0, where the model's own run-off traps the warm start at 72.09 above the
    model's 27.27: fixtures/add1_separated_candidate); a submodel that converges from neither is kept
    with a ConvergenceWarning, as R's glm.fit warns, never silently.  Where neither starts, from ``start``
    (coefficients on ``cols`` known to give valid means: an addition's, the current model's estimate and 0 for
    the added columns), then from the step R's glm takes from the model's fitted means."""
    fd = fit.fit_data
    src = fd.source
    cols = np.asarray(cols, dtype=np.intp)
    if only_aliased_left_out(fit, cols):
        return _the_model_itself(fit, cols)
    # (R refits from glm.fit's starting means at the total prior weights, which for a cbind() response with prior
    # weights are not glm()'s: a path of its own, whose last step's weights R's scores use)
    sub = src.with_columns(cols).with_transform(StartFromTotalWeights())
    try:  # (no columns: the engine checks that eta = offset gives valid means, as R's empty-model check)
        state, failed = irls(sub, fit.family, fd.control, covariance=False), None
    except FitError as e:
        state, failed = None, e
    if _retry_warm(state, fd.control) and cols.size:
        try:
            warm = irls(sub, fit.family, fd.control, start=_warm_start(fit, cols), covariance=False)
        except FitError:
            warm = None
        # (a warm refit that converged is kept unless it stopped above the first: that one, run off towards a
        # separation's infimum, is nearer the submodel's optimum than a warm start trapped by the model's run-off)
        if warm is not None and (state is None or warm.deviance < state.deviance
                                 or (warm.converged and not warm.deviance > state.deviance + 1e-8 * (
                                     abs(state.deviance) + 0.1))):
            state = warm
    if state is None and cols.size and start is not None:
        try:  # (the current model's linear predictor: valid, as that model was fitted)
            state = irls(sub, fit.family, fd.control, start=np.asarray(start, dtype=float), covariance=False)
        except FitError:
            state = None
    if state is None and cols.size:
        # (neither start works -- R's mustart steps out of the domain, and the model's estimate on these columns is
        # outside it: an inverse Gaussian 1/mu^2 fit without g:x1, eta < 0 at some row -- but the step from the
        # model's own fitted means, as R's glm from mustart = fitted(fit), can be inside)
        start = fitted_means_start(src, fit.family, zero_nan(fd.coef), cols)
        if start is not None:
            try:
                state = irls(sub, fit.family, fd.control, start=start, covariance=False)
            except FitError:
                state = None
    if state is None:
        if not cols.size:
            infinite = _infinite_empty_deviance(fit)
            if infinite is not None:
                return Submodel(infinite, 0, np.zeros(0), cols, fd.n_ok, src, None, False)
            raise FitError(f"the submodel with {_submodel_names(fit, cols)} cannot be refitted: {failed}") from None
        # (the engine's advice, start=, is for a fit of one's own: anova and drop1 take no start)
        raise FitError(f"the submodel with {_submodel_names(fit, cols)} cannot be refitted, neither from the "
                       f"family's starting values ({failed}) nor from the model's own estimate on those columns or "
                       f"its fitted means; fit it with gs.glm(..., start=[...]) from coefficients that suit it and "
                       f"compare the two fits with gs.anova(submodel, fit)") from None
    if not state.converged:
        warn_user(f"the submodel with {_submodel_names(fit, cols)} did not converge in {state.iterations} "
                  f"iterations (deviance {state.deviance:.6g}), so the tests that use it are unreliable; "
                  f"refit the model with a larger max_iter", ConvergenceWarning)
    elif _below_model(fit, state.deviance):
        warn_user(f"the submodel with {_submodel_names(fit, cols)} has deviance {state.deviance:.10g}, below the "
                  f"model's {fit.deviance:.10g}, which contains it: the model's fit is a stationary point of the "
                  f"likelihood, not its maximum, so the tests that compare them are not those of the "
                  f"maximum-likelihood fit (a negative statistic); fit the model again from start= coefficients "
                  f"near the maximum (e.g. the submodel's estimate, 0 for the other columns)", ConvergenceWarning)
    return Submodel(state.deviance, int(state.kept.sum()), np.where(state.kept, state.coef, 0.0), cols, state.n_ok, src,
                    zero_nan(state.weights_beta), state.weights_at_start)


def _below_model(fit, deviance: float) -> bool:
    """Whether a converged submodel's deviance is below the model's beyond rounding.  The model contains every
    submodel (the same rows, weights and offset; the left-out coefficients 0), so at its maximum-likelihood estimate
    its deviance is at most theirs: a fit that converged above one stopped at another stationary point (a Gaussian
    inverse-link model from glmstat's start, fixtures/anova_stationary_point).  Not for the Firth fit, which
    maximizes a penalized likelihood, nor at R's control, which reports what R reports (as the null model's
    check in ``fit.py``)."""
    model = fit.deviance
    return (fit.converged and fit.method == "irls" and fit.fit_data.control.convergence == "exact"
            and math.isfinite(model) and math.isfinite(deviance) and deviance < model - 1e-7 * (abs(model) + 1.0))


def _infinite_empty_deviance(fit) -> float | None:
    """inf where R's glm.fit takes the empty submodel (eta = offset) -- its ``valideta`` and ``validmu`` accept
    the means -- but its deviance sum w d(y, mu) is infinite: an inverse Gaussian identity-link model's means of
    0 (``inverse.gaussian()$validmu`` is TRUE, and (y - mu)^2 / (y mu^2) is inf).  R's drop1 then reports
    deviance and AIC Inf, and stepAIC goes on without that model (s787_0018); None otherwise (the refusal
    stands: a glm() of the empty model itself is refused, since such a likelihood of 0 fits nothing)."""
    family, link = fit.family, fit.family.link

    def part(b) -> tuple[bool, float]:
        mu = link.inverse(b.offset)
        with np.errstate(all="ignore"):
            return (bool(link.valid_eta(b.offset) and family.valid_mu(mu)),
                    float(np.sum(b.weights * family.unit_deviance(b.y, mu))))

    ok, dev = fold(fit.fit_data.source, part, lambda a, c: (a[0] and c[0], a[1] + c[1]), (True, 0.0))
    return np.inf if ok and dev == np.inf else None


def only_aliased_left_out(fit, cols: np.ndarray) -> bool:
    """Whether every design column not in ``cols`` is aliased in ``fit`` (an NA coefficient, as R's).

    R aliases a column when it lies in the span of the kept columns *before* it (``dqrdc2``'s limited
    pivoting), all of which ``cols`` then keeps: the submodel spans the same space, aliases the same columns
    and its scoring takes the same steps from the same start, so it is the model itself.  Refitting it anyway
    made ``drop1`` and ``step`` of a design of p columns, most of them aliased (``y ~ .`` on 12 rows and 2,000
    columns), p refits of p columns each: 52 s, where the terms that change the model are 11."""
    kept = np.asarray(fit.fit_data.kept, dtype=bool)
    out = np.ones(kept.size, dtype=bool)
    out[cols] = False
    return not kept[out].any()


def _the_model_itself(fit, cols: np.ndarray) -> Submodel:
    """The :class:`Submodel` on ``cols`` of a model whose other columns are all aliased: its own numbers."""
    fd = fit.fit_data
    beta = np.nan_to_num(np.asarray(fd.coef, dtype=float), nan=0.0)
    weights_beta = None if fd.weights_beta is None else zero_nan(fd.weights_beta)[cols]
    return Submodel(fit.deviance, fit.rank, np.where(fd.kept, beta, 0.0)[cols], cols, fd.n_ok, fd.source,
                    weights_beta, fd.weights_at_start)


def zero_nan(beta: np.ndarray | None) -> np.ndarray | None:
    return None if beta is None else np.nan_to_num(np.asarray(beta, dtype=float), nan=0.0)
