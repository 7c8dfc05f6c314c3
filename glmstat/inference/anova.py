"""Analysis of deviance: sequential tables, nested-model comparisons, single-term deletions and
likelihood-ratio tests, as R's ``anova.glm``, ``anova.glmlist``, ``MASS::anova.negbin``, ``drop1.glm`` and
``lmtest::lrtest`` compute them.

Every submodel is refitted with the IRLS engine on a subset of the design columns (same rows, weights and
offset), from R's starting values, or from the model's own estimate where those do not converge (with
``convergence="R"`` only where they fail: R's tables use the refit stopped at max_iter; a submodel that
converges from neither is used with a ConvergenceWarning).  With phi the dispersion (1 for binomial,
Poisson and negative binomial; the full or biggest model's Pearson estimate otherwise) and a term adding ``df``
columns and reducing the deviance by ``dev``:

* ``"Chisq"`` (alias ``"LRT"``):  p = P(chi2_df > dev / phi);
* ``"F"``:  F = dev / df / phi,  p = P(F_{df, df_phi} > F) with df_phi the residual df of the model phi
  came from (a chi-square / df reference when phi is fixed, with a warning as R gives);
* ``"Rao"``:  the score statistic S = r'WX (X'WX)^- X'Wr of the smaller model's working residuals r and
  weights W on the bigger model's columns X (R's weighted regression: null minus residual sum of squares);
  p = P(chi2_df > S / phi).

``test=None`` picks ``"Chisq"`` for fixed-dispersion families and ``"F"`` otherwise; ``"none"`` gives the
table without a test.
"""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd
from ..once import once
from ..distributions import chi2_sf, f_sf

from ..design.base import TRIANGLE_MAX_COLUMNS, Design
from ..design.sources import fold
from ..engine.irls import irls
from ..engine.scoring_pass import covariance_weights_eta
from ..engine.passes import (add_partialled, add_score_parts, add_triangles, partialled_triangle, score_part,
                             score_partialled_part, score_rss_part, score_triangle_part)
from ..engine.kernel import kernel_for
from ..engine.starts import fitted_means_start
from ..engine.linalg import (conditioned_normal_solutions, explained_sums, normal_solutions, posed_normal_solutions,
                             score_triangle)
from ..engine.threads import single_threaded
from .._arguments import own_scalar, real_number, shown, shown_items
from ..errors import AliasingWarning, ConvergenceWarning, FitError, GLMStatError, GLMStatWarning, warn_user
from ..families import Gaussian
from ..report.tables import returns_table
from .covariance_factor import covariance_weights

__all__ = ["sequential_anova", "anova", "drop1", "lrtest", "LRTest", "drop_scope", "check_ml_fit", "table_heading",
           "Submodel", "refit_columns", "rao_statistic"]

_TESTS = {"chisq": "Chisq", "lrt": "Chisq", "f": "F", "rao": "Rao", "none": None}
#: anova() also takes Mallows' Cp (as R's anova.glm; drop1.glm does not)
_ANOVA_TESTS = {**_TESTS, "cp": "Cp"}


# -- small pieces --------------------------------------------------------------------------------------------
def _resolve_test(test: str | None, fit) -> str | None:
    if test is None:
        return "Chisq" if fit.family.fixed_dispersion else "F"
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (not a subclass's lower)
    if key not in _ANOVA_TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'Chisq' (or 'LRT'), 'F', 'Rao', 'Cp' or 'none'")
    return _ANOVA_TESTS[key]


def check_ml_fit(fit, what: str) -> None:
    from .results import GLMResults

    if not isinstance(fit, GLMResults):
        raise GLMStatError(f"{what} needs fitted models from glmstat.glm(), got {type(fit).__name__}")
    if fit.method != "irls":
        raise GLMStatError(f"{what} needs maximum-likelihood fits; this model was fitted with "
                           f"method={shown(fit.method)}")


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
    sub = src.with_columns(cols)
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
        start = fitted_means_start(src, fit.family, _zero_nan(fd.coef), cols)
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
    return Submodel(state.deviance, int(state.kept.sum()), np.where(state.kept, state.coef, 0.0), cols, state.n_ok, src,
                    _zero_nan(state.weights_beta), state.weights_at_start)


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
    weights_beta = None if fd.weights_beta is None else _zero_nan(fd.weights_beta)[cols]
    return Submodel(fit.deviance, fit.rank, np.where(fd.kept, beta, 0.0)[cols], cols, fd.n_ok, fd.source,
                    weights_beta, fd.weights_at_start)


def _zero_nan(beta: np.ndarray | None) -> np.ndarray | None:
    return None if beta is None else np.nan_to_num(np.asarray(beta, dtype=float), nan=0.0)


def _weights_eta(b, family, cols: np.ndarray, beta: np.ndarray | None, at_start: bool) -> np.ndarray:
    """The linear predictor of a block's rows at which a submodel on the columns ``cols`` evaluated the working
    weights of its last iteration: X_cols beta + offset, or the link of the family's starting means."""
    if at_start:
        return covariance_weights_eta(b, family, None, at_start=True)
    return b.X.select(cols).matvec(beta) + b.offset if cols.size else b.offset


def _sub_weights_eta(fit, sub: Submodel):
    """:func:`_weights_eta` for ``sub`` as a function of a block, or None when its weights are those at its
    estimate (a fit carried to the exact MLE)."""
    if sub.weights_beta is None and not sub.weights_at_start:
        return None
    return partial(_weights_eta, family=fit.family, cols=sub.cols, beta=sub.weights_beta, at_start=sub.weights_at_start)


def rao_statistic(fit, sub: Submodel, cols: np.ndarray, intercept: bool, minus_offset: bool = False) -> float:
    """R's score statistic for adding the columns ``cols`` to the submodel ``sub`` (glm.fit of the working
    residuals r on X_cols with the working weights W at the submodel; with ``minus_offset`` of r - offset, as
    add1.glm passes the offset): the null weighted sum of squares of r (about its weighted mean with an
    intercept) minus the residual one of z (r or r - offset) on X_cols, from sums over the blocks and, where the
    design's rows are not held dense, a second pass over them (:func:`_score_statistic`)."""
    rows = dict(kernel=kernel_for(fit.family), beta=sub.beta, sub_cols=sub.cols, cols=np.asarray(cols, dtype=np.intp),
                minus_offset=minus_offset, weights_eta=_sub_weights_eta(fit, sub))
    k = len(cols)
    source = fit.fit_data.source
    sums = fold(source, partial(score_part, **rows), add_score_parts,
                (np.zeros((k, k)), np.zeros(k), 0.0, 0.0, 0.0, 0.0, None, None))

    def rss_of(solution: np.ndarray) -> float:
        return fold(source, partial(score_rss_part, solution=solution, **rows), operator.add, 0.0)

    def partialled_of(a_cols, d_cols, Bd, cd) -> tuple:
        return fold(source, partial(score_partialled_part, a_cols=a_cols, d_cols=d_cols, Bd=Bd, cd=cd, **rows),
                    add_partialled, (np.zeros((0, a_cols.size + 1)), 0.0))

    def triangle_of() -> np.ndarray | None:
        return fold(source, partial(score_triangle_part, **rows), add_triangles, np.zeros((0, k + 1)))

    return _score_statistic(*sums[:6], sums[7], intercept=intercept, triangle=sums[6], rss_of=rss_of,
                            partialled_of=partialled_of, triangle_of=triangle_of,
                            rows_qr_columns=_rows_qr_columns(source.n_rows))


def _triangle_explained(R_aug: np.ndarray) -> float:
    """||Q_1' W^(1/2) z||^2 from the triangular factor ``R_aug`` of W^(1/2) [X | z], as R's glm.fit finds it: a
    pivoted QR of its first columns (the column norms and rank decisions of W^(1/2) X itself), columns whose
    residual norm falls below 1e-11 of their own norm set aside as aliased (R's tolerance at the default
    epsilon)."""
    from scipy.linalg import qr

    k = R_aug.shape[1] - 1
    A, y = R_aug[:, :k], R_aug[:, k]
    if A.shape[0] == 0 or k == 0:
        return 0.0
    Q, R, piv = qr(A, mode="economic", pivoting=True)
    norms = np.linalg.norm(A, axis=0)[piv]
    rank = 0
    for j in range(min(R.shape)):
        if not abs(R[j, j]) > 1e-11 * norms[j]:
            break
        rank += 1
    qy = Q[:, :rank].T @ y
    return float(qy @ qy)


def _score_statistic(G: np.ndarray, u: np.ndarray, wzz: float, wr: float, wrr: float, ww: float,
                     diagonal: np.ndarray | None, intercept: bool, triangle: np.ndarray | None = None,
                     rss_of: Callable[[np.ndarray], float] | None = None,
                     partialled_of: Callable[..., tuple] | None = None,
                     triangle_of: Callable[[], np.ndarray | None] | None = None, rows_qr_columns: int = 0) -> float:
    """sum W (r - centre)^2 - RSS, RSS the residual sum of squares of the weighted regression of z on X, from
    G = X'WX, u = X'Wz, sum W z^2, sum W r, sum W r^2, sum W (and the columns whose block of G is diagonal, if
    any).  RSS = sum W z^2 - ||Q'W^(1/2) z||^2 from the triangular factor of W^(1/2) [X | z] where the design's
    rows are dense; else sum W (z - X b)^2 at the solution b of G b = u, from the rows (``rss_of(b)``, a pass over
    them): an error in b moves it only to second order, where sum W z^2 - u'b loses the digits X'WX squares
    away (nearly collinear columns beside a structured factor: 5e-5 for R's 3.675).  Where the
    design has a wide factor's columns (``diagonal``) and few others, from the QR of the others with the factor
    partialled out row by row (``partialled_of``: :func:`_partialled_rss`), whose rank decisions are the QR's,
    not X'WX's.  Where X'WX is too ill conditioned to decide the rank
    (:func:`~glmstat.engine.linalg.posed_normal_solutions`: a direction R's QR keeps, W^(1/2) X's smallest singular
    value above 1e-11 of the largest, is rounding in X'WX), from the QR of the rows of up to ``rows_qr_columns``
    columns (the partialled columns, or ``triangle_of()``, a pass over every column made dense a chunk at a time;
    :func:`_rows_qr_columns`); beyond that budget, from X'WX by least squares, with an AliasingWarning where that
    cannot resolve it either (``UNRESOLVED_RCOND``)."""
    if not (np.isfinite(G).all() and np.isfinite(u).all()):
        return np.nan  # (working weights not finite at the submodel: LAPACK would refuse, and print)
    rss = None
    wide_factor = partialled_of is not None and diagonal is not None and len(diagonal)
    if triangle is not None:
        rss = wzz - _triangle_explained(triangle)
    elif wide_factor:
        rss = _partialled_rss(G, u, diagonal, partialled_of, TRIANGLE_MAX_COLUMNS)
    b = None
    if rss is None:
        b = posed_normal_solutions(G, u, diagonal)
    if rss is None and b is None:
        # (rare: the O(n p^2) QR of the rows, whatever their width, only where X'WX cannot decide)
        rss = _partialled_rss(G, u, diagonal, partialled_of, rows_qr_columns) if wide_factor else None
        wide = triangle_of() if rss is None and triangle_of is not None and G.shape[0] <= rows_qr_columns else None
        rss = rss if wide is None else wzz - _triangle_explained(wide)
        if rss is None:
            b, rcond = conditioned_normal_solutions(G, u, diagonal)
            if rcond < UNRESOLVED_RCOND:
                warn_user(_unresolved_message(G.shape[0], rcond, rows_qr_columns), AliasingWarning)
    if rss is None:
        b = normal_solutions(G, u, diagonal) if b is None else b
        rss = wzz - float(u @ b) if rss_of is None else rss_of(b)
    centre = wr / ww if intercept else 0.0
    return (wrr - 2 * centre * wr + centre * centre * ww) - rss


#: Where X'WX cannot decide the rank of a score's regression, the QR of its rows (O(n p^2)) is taken for up to this
#: many flops, a few seconds (p = 293 columns at 1e5 rows, 92 at 1e6); beyond, the least-squares solve of X'WX
#: stands.
ROWS_QR_MAX_FLOPS = 2**33


#: Below this reciprocal condition number of the X'WX a score's least squares solve (scaled to unit diagonal), the
#: statistic's error from X'WX's rounding -- on rao_two_factors_ill's scores 1e-7 of it at 4e-9, 1e-3 at 6.5e-13
#: and 23% at 5e-14 -- can pass the 1e-6 of R's that the project holds to, where R's QR of the
#: rows resolves W^(1/2) X's singular values down to 1e-11 (X'WX's down to 1e-22): a statistic solved there says so.
UNRESOLVED_RCOND = 1e-9


def _unresolved_message(k: int, rcond: float, rows_qr_columns: int) -> str:
    """What a Rao score statistic solved from an X'WX too ill conditioned to resolve it says (the QR of its rows,
    which would, beyond its budget)."""
    return (f"a Rao score statistic's regression on {k} columns is too ill conditioned for X'WX to resolve it (its "
            f"smallest eigenvalue {rcond:.1g} of the largest), and the QR of its rows, which R's glm.fit takes, is "
            f"beyond glmstat's budget ({rows_qr_columns} columns at this number of rows): the statistic comes from "
            f"X'WX's least-squares solve and may differ from R's beyond its sixth digit, in its leading digits as the "
            f"eigenvalue nears X'WX's rounding")


def _rows_qr_columns(n_rows: int) -> int:
    """The most columns whose QR of ``n_rows`` rows stays within ``ROWS_QR_MAX_FLOPS``."""
    return math.isqrt(ROWS_QR_MAX_FLOPS // max(n_rows, 1))


def _partialled_rss(G: np.ndarray, u: np.ndarray, diagonal: np.ndarray, partialled_of,
                    max_columns: int) -> float | None:
    """The residual sum of squares of the score's regression with the columns ``diagonal`` (a wide factor's, D
    their diagonal block of G, B the other columns' cross-products with them) partialled out: sum W z~^2 -
    ||Q' z~||^2 from the triangular factor of sqrt(W) [X_a - X_d D^-1 B' | z - X_d D^-1 u_d]
    (:func:`~glmstat.engine.passes.partialled_triangle`, a pass over the rows).  None where a level has no weight
    or more than ``max_columns`` other columns would be made dense."""
    in_d = np.zeros(G.shape[0], dtype=bool)
    in_d[diagonal] = True
    d_cols, a_cols = np.flatnonzero(in_d), np.flatnonzero(~in_d)
    dd = G[d_cols, d_cols]
    if not np.all(dd > 0) or a_cols.size > max_columns:
        return None
    R, total = partialled_of(a_cols, d_cols, G[np.ix_(a_cols, d_cols)] / dd, u[d_cols] / dd)
    if R is None or not np.isfinite(total):
        return None
    return total - _triangle_explained(R)


def _working(fit, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Working residuals (y - mu) / mu'(eta) and working weights w mu'(eta)^2 / V(mu) at ``eta``, from the
    engine's per-row kernel (zero where the weight or mu'(eta) is zero); rows in memory.  For a fit stopped
    as R stops the weights are those of its last iteration (R's ``fit$weights``, as its score tests use)."""
    fd = fit.fit_data
    src = fd.source
    kernel = kernel_for(fit.family)
    with np.errstate(all="ignore"):
        wk = kernel(src.y, src.weights, eta)
    if fd.weights_beta is None and not fd.weights_at_start:
        return wk.r, wk.W
    return wk.r, np.concatenate([covariance_weights(b, fd, kernel) for b in src.blocks()])


def _score(r: np.ndarray, w: np.ndarray, X: Design, intercept: bool) -> float:
    """:func:`rao_statistic`'s statistic from whole arrays (two models' rows, in memory)."""
    G, u = X.gram_score(w, r)
    wrr = float(np.sum(w * r * r))
    use = w > 0
    triangle = score_triangle(X, np.where(use, w, 0.0), np.where(use, r, 0.0))

    def rss_of(b: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            e = np.where(use, r - X.matvec(b), 0.0)
        return float(np.sum(np.where(use, w, 0.0) * e * e))

    def partialled_of(a_cols, d_cols, Bd, cd) -> tuple:
        return partialled_triangle(w, r, X, a_cols, d_cols, Bd, cd)

    def triangle_of() -> np.ndarray | None:
        return X.weighted_triangle(np.where(use, w, 0.0), np.where(use, r, 0.0), max_columns=None)

    return _score_statistic(G, u, wrr, float(np.sum(w * r)), wrr, float(np.sum(w)), X.diagonal_columns(),
                            intercept, triangle, rss_of, partialled_of, triangle_of, _rows_qr_columns(X.n_rows))


def _models_score(small, big) -> float:
    """R's score statistic of the smaller of two nested models' working residuals on the bigger one's columns.

    Rows in memory: from the smaller model's linear predictor and the bigger model's design (nested in any
    parametrisation, as :func:`_nested_in` checks).  Streamed rows: the two designs cannot be read side by
    side, and the models are nested by their terms with the same offsets (:func:`_nested_terms`), so the
    smaller model's linear predictor is the bigger design's columns of the same names times its coefficients,
    evaluated in the one pass over the bigger model's blocks that :func:`rao_statistic` makes."""
    if small.model_frame.in_memory and big.model_frame.in_memory:
        r, w = _working(small, small.linear_predictor.to_numpy())
        return _score(r, w, big.fit_data.source.X, small.model_frame.has_intercept)
    position = {name: j for j, name in enumerate(big.column_names)}
    fd = small.fit_data
    names = [n for n, k in zip(small.column_names, fd.kept) if k]
    for name in names:
        if name not in position:
            raise GLMStatError(f"the Rao test of models fitted to streamed data needs each column of the smaller "
                               f"model in the bigger one; {shown(name)} is not among {big.formula}'s columns")
    cols = np.array([position[n] for n in names], dtype=np.intp)
    weights_beta = None if fd.weights_beta is None else _zero_nan(fd.weights_beta)[fd.kept]
    sub = Submodel(small.deviance, fd.rank, fd.beta[fd.kept], cols, fd.n_ok, big.fit_data.source, weights_beta,
                   fd.weights_at_start)
    return rao_statistic(big, sub, np.arange(len(big.column_names)), small.model_frame.has_intercept)


def _f_sf(F: np.ndarray, df1: np.ndarray, df2: float) -> np.ndarray:
    if np.isinf(df2):
        return chi2_sf(F * df1, df1)
    return f_sf(F, df1, df2)


def _add_test(table: pd.DataFrame, test: str | None, dev_col: str, scale: float, df_scale: float,
              score: np.ndarray | None = None, n_rows: int | None = None) -> pd.DataFrame:
    """R's ``stat.anova``: append the statistic and p-value columns for the chosen test (for ``"Cp"``, the
    column cp = resid_dev + 2 scale (n_rows - resid_df), n_rows the rows of the model frame)."""
    if test is None:
        return table
    out = table.copy()
    if test == "Cp":
        out["cp"] = out["resid_dev"].to_numpy(dtype=float) + 2.0 * scale * (
            n_rows - out["resid_df"].to_numpy(dtype=float))
        return out
    dfs = out["df"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "F":
            F = out[dev_col].to_numpy(dtype=float) / dfs / scale
            F[(dfs == 0) | (F < 0)] = np.nan
            out["statistic"] = F
            out["p_value"] = _f_sf(F, np.abs(dfs), df_scale)
        else:
            vals = (score if test == "Rao" else out[dev_col].to_numpy(dtype=float)) / scale * np.sign(dfs)
            vals[(dfs == 0) | (vals < 0)] = np.nan
            if test == "Rao":
                out["rao"] = score
            out["p_value"] = chi2_sf(vals, np.abs(dfs))
    return out


def _warn_f_fixed(fit) -> None:
    warn_user(f"an F test with a fixed-dispersion family ({fit.family.label}) is inappropriate: the "
              f"dispersion is not estimated, so this is a chi-square test divided by its df",
              GLMStatWarning)


def _term_map(fit) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Term labels (intercept excluded), each column's term number (0 = intercept) and intercept columns."""
    frame = fit.model_frame
    labels, assign = [], np.zeros(len(frame.column_names), dtype=int)
    for label, cols in zip(frame.term_labels, frame.term_columns):
        if label == "(Intercept)":
            continue
        labels.append(label)
        assign[list(cols)] = len(labels)
    return labels, assign, np.flatnonzero(assign == 0)


def table_heading(fit) -> str:
    return f"Model: {fit.family.label}, link: {fit.family.link.name}\nResponse: {fit.model_frame.response_name}"


# -- the sequential table -------------------------------------------------------------------------------------
def sequential_anova(fit, test: str | None = None) -> pd.DataFrame:
    """Sequential analysis of deviance (terms added first to last), as R's ``anova.glm``.

    Parameters
    ----------
    fit : GLMResults
    test : {None, "Chisq", "LRT", "F", "Rao", "Cp", "none"}
        None: "Chisq" for fixed-dispersion families, "F" otherwise.

    Returns
    -------
    DataFrame
        Index ``"NULL"`` then the term labels; columns ``df``, ``deviance`` (the drop in deviance when the
        term is added, floored at 0), ``resid_df``, ``resid_dev``, then ``rao`` (Rao only), ``statistic``
        (F only) and ``p_value``, or ``cp`` (Cp only: Mallows' resid_dev + 2 phi (n - resid_df)).  The
        dispersion used is the full model's.
    """
    check_ml_fit(fit, "anova")
    test = _resolve_test(test, fit)
    if fit.theta_se is not None:
        warn_user(f"tests made without re-estimating theta (held at {fit.theta:.6g}, as MASS's anova.negbin "
                  f"does); compare refitted models with glmstat.anova(m1, m2) or lrtest", GLMStatWarning)
    labels, assign, icpt_cols = _term_map(fit)
    nvars = len(labels)
    has_icpt = fit.model_frame.has_intercept
    resdf = [fit.df_null]
    resdev = [fit.null_deviance]
    score = np.full(nvars + 1, np.nan)
    prev = refit_columns(fit, icpt_cols) if test == "Rao" else None
    kept = np.asarray(fit.fit_data.kept, dtype=bool)
    for i in range(1, nvars + 1):
        if i < nvars and not kept[assign == i].any():
            # a term of aliased columns only (R's NA coefficients) lies in the span of the kept columns
            # before it: adding it changes nothing, and the previous model is not refitted again (p refits of
            # up to p columns when most of a wide design is aliased); R's row is the same refit's: 0 on 0 df
            resdf.append(resdf[-1])
            resdev.append(resdev[-1])
            score[i] = 0.0
            continue
        cols = np.flatnonzero(assign <= i)
        sub = refit_columns(fit, cols) if i < nvars else None
        if test == "Rao":
            score[i] = rao_statistic(fit, prev, cols[kept[cols]], has_icpt)  # (the aliased explain nothing more)
            prev = sub
        resdf.append(sub.df_residual if sub is not None else fit.df_residual)
        resdev.append(sub.deviance if sub is not None else fit.deviance)
    resdf, resdev = np.asarray(resdf, dtype=float), np.asarray(resdev, dtype=float)
    table = pd.DataFrame({
        # (earlier minus later, not -np.diff: an aliased term's 0 is then 0, not -0, as R prints it)
        "df": np.concatenate([[np.nan], resdf[:-1] - resdf[1:]]),
        "deviance": np.concatenate([[np.nan], np.maximum(0.0, resdev[:-1] - resdev[1:])]),
        "resid_df": resdf,
        "resid_dev": resdev,
    }, index=pd.Index(["NULL"] + labels, name="term"))
    disp = fit.dispersion
    df_disp = np.inf if fit.family.fixed_dispersion else float(fit.df_residual)
    if test == "F" and np.isinf(df_disp):
        _warn_f_fixed(fit)
    table = _add_test(table, test, "deviance", disp, df_disp, score, fit.fit_data.n_rows)
    table.attrs["heading"] = ("Analysis of Deviance Table\n" + table_heading(fit)
                              + "\nTerms added sequentially (first to last)")
    table.attrs["test"] = test
    return table


# -- nested models --------------------------------------------------------------------------------------------
def _same_data(fits) -> None:
    a = fits[0]
    for k, b in enumerate(fits[1:], start=2):
        if not a.rows_used.equals(b.rows_used):
            hint = "; a variable only one model uses has missing values" if a.n_dropped != b.n_dropped else ""
            raise GLMStatError(
                f"models 1 and {k} were fitted to different rows ({len(a.rows_used)} vs {len(b.rows_used)} rows "
                f"used{hint}); refit every model on the same rows (e.g. data.dropna(subset=[...all variables...]))"
            )
        fa, fb = a.model_frame, b.model_frame
        if not _same_response(a, b):
            raise GLMStatError(f"models 1 and {k} have different responses or weights "
                               f"({shown(fa.response_name)} vs {shown(fb.response_name)}); they cannot be compared")


def _response_sums(b) -> np.ndarray:
    return np.array([b.y.shape[0], np.sum(b.y), np.sum(b.y * b.y), np.sum(b.weights), np.sum(b.weights * b.y)])


def _same_response(a, b) -> bool:
    """Whether two fits have the same response and weights: the arrays for rows in memory, else sums over
    the rows (the same rows read and encoded the same way give the same sums to the bit)."""
    if a.model_frame.in_memory and b.model_frame.in_memory:
        return bool(np.array_equal(a.model_frame.y, b.model_frame.y)
                    and np.array_equal(a.fit_data.source.weights, b.fit_data.source.weights))
    sums = [fold(f.fit_data.source, _response_sums, operator.add, np.zeros(5)) for f in (a, b)]
    return bool(np.array_equal(sums[0], sums[1]))


def _family_key(fit):
    fam = fit.family
    if fit.theta_se is not None:  # negative binomial with theta estimated: each model has its own theta
        return (type(fam).__name__, fam.link, "theta estimated")  # (the Link: two power links may share a name)
    return fam


def _same_family(fits) -> None:
    keys = [_family_key(f) for f in fits]
    for k, key in enumerate(keys[1:], start=2):
        if key != keys[0]:
            a, b = str(fits[0].family), str(fits[k - 1].family)
            if a == b:  # (two power links that R's name rounds alike: say which powers)
                a, b = (f"{t} of power {f.family.link.recipe[1][0]!r}" if f.family.link.recipe else t
                        for t, f in ((a, fits[0]), (b, fits[k - 1])))
            raise GLMStatError(f"models 1 and {k} have different families ({a} vs {b}); "
                               f"analysis of deviance compares models of one family")


def _nested_in(small, big, i: int, j: int) -> None:
    """Raise unless model i's mean space {offset_i + X_i b} lies within model j's: every kept column of X_i
    (and the offset difference) has a negligible residual after projection on X_j's columns, computed from
    the designs' products (m'm - u'G^- u with G = X_j'X_j, u = X_j'm), never their dense matrices."""
    if not (small.model_frame.in_memory and big.model_frame.in_memory):
        _nested_terms(small, big, i, j)
        return
    ds, db = small.fit_data, big.fit_data
    pos = np.flatnonzero(ds.source.weights > 0)
    Xb = db.source.X.take(pos).select(np.flatnonzero(db.kept))
    Xs = ds.source.X.take(pos)
    names = [n for n, k in zip(small.column_names, ds.kept) if k] + ["(offset)"]
    # (one column at a time: the small model's design is never expanded)
    columns = (Xs.column(c) for c in np.flatnonzero(ds.kept))
    offset = (ds.source.offset - db.source.offset)[pos]
    norms, u = np.zeros(len(names)), np.zeros((Xb.n_cols, len(names)))
    for c, m in enumerate(itertools.chain(columns, [offset])):
        norms[c] = float(m @ m)
        u[:, c] = Xb.rmatvec(m)
    explained = explained_sums(Xb.gram(np.ones(pos.size)), u, Xb.diagonal_columns())
    for name, mm, ex in zip(names, norms, explained):
        if mm == 0:
            continue
        if mm - ex > 1e-12 * mm:  # a residual above 1e-6 of the column's norm
            detail = ("its offset differs from model {j}'s by more than a combination of model {j}'s columns"
                      if name == "(offset)" else
                      f"its column {shown(name)} is not a linear combination of model {{j}}'s columns")
            raise GLMStatError(f"model {i} ({small.formula}) is not nested in model {j} ({big.formula}): "
                               + detail.format(j=j) + "; analysis of deviance needs nested models")


def _nested_terms(small, big, i: int, j: int) -> None:
    """Streamed rows (two models' designs cannot be read side by side): nested when model i's terms are among
    model j's, model j's columns span the constant where model i has an intercept (its own intercept, or a
    factor coded by all its levels: ``y ~ 1`` within ``y ~ 0 + g``), and the offsets are the same expressions,
    as the formulas say.  A term is its set of variables: ``x1:g`` (as ``update`` deparses ``y ~ x1 + g:x1``)
    is the term ``g:x1``."""
    ts, tb = small.model_frame.spec.terms, big.model_frame.spec.terms
    ok = ({frozenset(t) for t in ts.terms} <= {frozenset(t) for t in tb.terms}
          and (not ts.intercept or big.model_frame.spec.plan.spans_constant)
          and tuple(ts.offsets) == tuple(tb.offsets)
          and small.model_frame.spec.offset_column_arg == big.model_frame.spec.offset_column_arg)
    if not ok:
        raise GLMStatError(f"model {i} ({small.formula}) is not nested in model {j} ({big.formula}) term by term; "
                           "for streamed data analysis of deviance needs each model's terms (and offset) among "
                           "the next model's")


def _check_nested(fits) -> None:
    for k in range(len(fits) - 1):
        a, b = fits[k], fits[k + 1]
        if a.df_residual >= b.df_residual:
            _nested_in(a, b, k + 1, k + 2)
        else:
            _nested_in(b, a, k + 2, k + 1)


@returns_table
@single_threaded
def anova(*fits, test: str | None = None) -> pd.DataFrame:
    """Analysis of deviance for one model (sequential) or for nested models (as R's ``anova``).

    Parameters
    ----------
    *fits : GLMResults
        One model, or two or more nested models of one family fitted to the same rows, in any order.
    test : {None, "Chisq", "LRT", "F", "Rao", "Cp", "none"}
        None: "Chisq" for fixed-dispersion families, "F" otherwise.

    Returns
    -------
    DataFrame
        One row per model (index 1, 2, ...): ``resid_df``, ``resid_dev``, ``df`` and ``deviance`` (the
        change from the previous model), then ``rao``, ``statistic`` and ``p_value`` as the test gives them (or ``cp``).
        The dispersion is the biggest model's (the smallest residual df).  For negative binomial models
        with theta estimated the table is MASS's likelihood-ratio table: ``theta``, ``resid_df``,
        ``twice_loglik``, ``df``, ``statistic`` (the LR statistic) and ``p_value``, models ordered by
        decreasing residual df.

    Raises
    ------
    GLMStatError
        When the models are not nested, use different rows, responses, weights or families.
    """
    if not fits:
        raise GLMStatError("anova() needs at least one fitted model")
    for f in fits:
        check_ml_fit(f, "anova")
    if len(fits) == 1:
        return sequential_anova(fits[0], test)
    _same_data(fits)
    _same_family(fits)
    _check_nested(fits)
    if fits[0].theta_se is not None:
        return _negbin_table(fits, test)
    test = _resolve_test(test, fits[0])
    resdf = np.array([f.df_residual for f in fits], dtype=float)
    resdev = np.array([f.deviance for f in fits])
    table = pd.DataFrame({
        "resid_df": resdf, "resid_dev": resdev,
        "df": np.concatenate([[np.nan], resdf[:-1] - resdf[1:]]),
        "deviance": np.concatenate([[np.nan], resdev[:-1] - resdev[1:]]),
    }, index=pd.RangeIndex(1, len(fits) + 1, name="model"))
    score = None
    if test == "Rao":
        score = np.full(len(fits), np.nan)
        for k in range(len(fits) - 1):
            grows = resdf[k] > resdf[k + 1]
            small, big = (fits[k], fits[k + 1]) if grows else (fits[k + 1], fits[k])
            s = _models_score(small, big)
            score[k + 1] = s if grows else -s
    big = fits[int(np.argmin(resdf))]
    df_disp = np.inf if big.family.fixed_dispersion else float(resdf.min())
    if test == "F" and np.isinf(df_disp):
        _warn_f_fixed(big)
    table = _add_test(table, test, "deviance", big.dispersion, df_disp, score, big.fit_data.n_rows)
    table.attrs["heading"] = "Analysis of Deviance Table\n" + "\n".join(
        f"Model {k}: {f.formula}" for k, f in enumerate(fits, start=1))
    table.attrs["test"] = test
    return table


def _negbin_table(fits, test) -> pd.DataFrame:
    """MASS's ``anova.negbin``: likelihood-ratio tests of negative binomial fits, theta re-estimated."""
    if test is not None and _resolve_test(test, fits[0]) != "Chisq":
        warn_user("only chi-square likelihood-ratio tests are available for negative binomial models "
                  "with theta estimated", GLMStatWarning)
    order = sorted(range(len(fits)), key=lambda k: -fits[k].df_residual)
    fs = [fits[k] for k in order]
    dfs = np.array([f.df_residual for f in fs], dtype=float)
    ll2 = np.array([2 * f.loglik for f in fs])
    df = np.concatenate([[np.nan], dfs[:-1] - dfs[1:]])
    lr = np.concatenate([[np.nan], np.diff(ll2)])
    with np.errstate(invalid="ignore"):
        p = chi2_sf(lr, df)
    table = pd.DataFrame({"theta": [f.theta for f in fs], "resid_df": dfs, "twice_loglik": ll2, "df": df,
                          "statistic": lr, "p_value": p},
                         index=pd.Index([f.formula for f in fs], name="model"))
    table.attrs["heading"] = "Likelihood ratio tests of negative binomial models"
    table.attrs["test"] = "Chisq"
    return table


# -- single-term deletions ------------------------------------------------------------------------------------
def _factors(label: str) -> frozenset[str]:
    """The variables of an interaction label ``a:b:c``, splitting at ``:`` outside brackets, backtick-quoted
    names and string literals.  A label is R's deparsed text, whose quoted names and strings escape a backtick
    or a quote with a backslash (a column named with a backtick, crossed with b, is labelled with a backslash
    and two backticks before ``:b``), and a string may hold a bracket (``I(g == ")"):b``).  Read as plain
    characters, either was one variable, so ``drop1`` offered to drop a main effect under its interaction."""
    parts, depth, quote, escaped, cur = [], 0, "", False, []
    for ch in label:
        if quote:  # (inside a backtick name or a string: only its closing quote ends it)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "`'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == ":" and depth == 0 and not quote:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return frozenset(parts)


def contained_elsewhere(sets: list[frozenset], strict: bool = False) -> list[bool]:
    """For each of ``sets``, whether another one holds all its members (with ``strict``, another one with
    more members: a set equal to it does not count).

    The sets holding a set's members are the intersection of its members' lists of the sets that hold them,
    smallest first, so that a model of p main effects takes O(p) and not p^2 comparisons of sets (1 s for
    2,000 terms, again in every step of ``step``)."""
    holders: dict[Any, set[int]] = {}
    for j, s in enumerate(sets):
        for v in s:
            holders.setdefault(v, set()).add(j)
    everyone = set(range(len(sets)))
    out = []
    for i, s in enumerate(sets):
        lists = sorted((holders[v] for v in s), key=len)
        common = set(lists[0]).intersection(*lists[1:]) if lists else everyone
        out.append(any(len(sets[j]) > len(s) for j in common) if strict else len(common) > 1)
    return out


def drop_scope(labels: list[str]) -> list[str]:
    """The terms that can be dropped while respecting marginality (R's ``drop.scope``): those whose
    variables are not all contained in another term (``a`` and ``b`` stay while ``a:b`` is in the model)."""
    inside = contained_elsewhere([_factors(t) for t in labels])
    return [t for t, held in zip(labels, inside) if not held]


def _given_scope(fit, scope: Any, labels: list[str]) -> list[str]:
    """The model's term labels named by ``scope`` (R's ``drop1(scope = )``): a list of term labels, or a formula
    whose terms (``.`` the model's, as ``update.formula``) are read as labels; an interaction matches whatever
    the order of its variables.  Any term not in the model is refused, as R's "scope is not a subset of term
    labels"."""
    from .stepwise import fit_columns, updated_formula
    from ..formula.deparse import deparse

    if isinstance(scope, str):
        wanted = [":".join(deparse(v) for v in term) for term in updated_formula(fit, scope, fit_columns(fit)).terms]
    elif isinstance(scope, (list, tuple)) and all(isinstance(t, str) for t in scope):
        wanted = list(scope)
    else:
        raise GLMStatError(f"scope must be a formula such as '~ x1 + x2' or a list of term labels, got {shown(scope)}")
    by_variables = {_factors(t): t for t in labels}
    unknown = [t for t in wanted if _factors(t) not in by_variables]
    if unknown:
        raise GLMStatError(f"scope is not a subset of the model's term labels: {shown_items(unknown, 5)} not among "
                           f"{shown_items(labels, 20)}")
    return list(dict.fromkeys(by_variables[_factors(t)] for t in wanted))


def drop1(fit, test: str = "none", k: float = 2.0, scope: Any = None) -> pd.DataFrame:
    """Single-term deletions, as R's ``drop1.glm``: each droppable term (``drop_scope``) removed in turn, or
    each term of ``scope``.

    Parameters
    ----------
    fit : GLMResults
    test : {"none", "Chisq", "LRT", "F", "Rao"}
    k : float
        Penalty per parameter in the AIC column (2: AIC; log(n): BIC).
    scope : str or list of str, optional
        The terms to drop, as R's ``scope``: a formula (``"~ x1 + x2"``) or term labels.  As in R, these are
        dropped even where marginality would keep them (a main effect under its interaction: the interaction's
        columns stay as they are coded).  Default: every term no other term contains (R's ``drop.scope``).

    Returns
    -------
    DataFrame
        Index ``"<none>"`` then the terms; columns ``df`` (columns dropped), ``deviance`` (of the reduced
        model), ``aic`` (when the family has a likelihood), then ``statistic`` and ``p_value``.
        With L = n log(D / n) for the Gaussian family and D / phi otherwise (phi the full model's
        dispersion, n the number of rows): AIC = L + k rank, shifted so the full model's equals R's
        ``extractAIC`` (for a negative binomial with theta estimated MASS's, which leaves theta out); Chisq:
        statistic max(0, L_i - L_full); Rao: the score statistic over phi; F:
        ((D_i - D_full) / df) / (D_full / df_residual) on (df, df_residual) -- all as R.
    """
    check_ml_fit(fit, "drop1")
    k = real_number(k, "k", low=0.0, must="a non-negative finite number (2: AIC, log(n): BIC)")
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (not a subclass's lower)
    if key not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'none', 'Chisq' (or 'LRT'), 'F' or 'Rao'")
    test = _TESTS[key]
    labels, assign, _ = _term_map(fit)
    scope = drop_scope(labels) if scope is None else _given_scope(fit, scope, labels)
    n = fit.fit_data.n_rows
    devs, ranks, score = [fit.deviance], [fit.rank], [np.nan]
    # the score of adding back every column is that of the kept ones: an aliased column lies in their span,
    # so it explains nothing more (and a p x p system of mostly aliased columns is p^3 work for each term)
    kept_cols = np.flatnonzero(fit.fit_data.kept)
    for t in scope:
        cols = np.flatnonzero(assign != labels.index(t) + 1)
        sub = refit_columns(fit, cols)
        devs.append(sub.deviance)
        ranks.append(sub.rank)
        if test == "Rao":  # (0 for a term of aliased columns only, dropped without a change: R's is rounding)
            score.append(0.0 if only_aliased_left_out(fit, cols) else rao_statistic(fit, sub, kept_cols, True))
    devs, ranks, score = np.asarray(devs), np.asarray(ranks, dtype=float), np.asarray(score)
    disp = fit.dispersion
    with np.errstate(divide="ignore"):
        loglik = n * np.log(devs / n) if isinstance(fit.family, Gaussian) else devs / disp
    aic = loglik + k * ranks
    edf = n - fit.df_residual
    # R's extractAIC: the fit's AIC + (k - 2) edf; MASS's for glm.nb leaves theta out: -2 loglik + k edf
    base = -2 * fit.loglik + k * edf if fit.theta_se is not None else fit.aic + (k - 2) * edf
    aic = aic + (base - aic[0])
    dfs = ranks[0] - ranks
    dfs[0] = np.nan
    table = pd.DataFrame({"df": dfs, "deviance": devs}, index=pd.Index(["<none>"] + scope, name="term"))
    if not np.all(np.isnan(aic)):
        table["aic"] = aic
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq" or test == "Rao":
            stat = np.maximum(0.0, loglik - loglik[0]) if test == "Chisq" else np.maximum(0.0, score) / disp
            stat[0] = np.nan
            table["statistic"] = stat
            table["p_value"] = chi2_sf(stat, dfs)
        elif test == "F":
            if fit.family.name in ("binomial", "poisson"):
                warn_user(f"the F test assumes the quasi{fit.family.name} family (an estimated dispersion)",
                          GLMStatWarning)
            rdf = fit.df_residual
            F = (np.maximum(0.0, devs - devs[0]) / dfs) / (devs[0] / rdf)
            F[~(dfs >= 1e-4)] = np.nan
            table["statistic"] = F
            table["p_value"] = f_sf(F, dfs, rdf)
    table.attrs["heading"] = f"Single term deletions\nModel: {fit.formula}"
    table.attrs["test"] = test
    return table


# -- likelihood-ratio test ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LRTest:
    """Likelihood-ratio test of two nested models: statistic = 2 |loglik_2 - loglik_1| on
    |k_2 - k_1| degrees of freedom (k: parameters counted by the log-likelihood, as ``lmtest::lrtest``)."""

    statistic: float
    df: int
    p_value: float
    loglik: tuple[float, float]
    df_loglik: tuple[int, int]
    formulas: tuple[str, str]
    # Poisson against a negative binomial with theta estimated: theta = infinity (the Poisson) lies on the
    # boundary, and p is the 50:50 mixture of chi-square tails (Self and Liang 1987)
    boundary: bool = False

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """lmtest's table: one row per model with df_loglik, loglik, then df, statistic, p_value."""
        return pd.DataFrame({
            "df_loglik": list(self.df_loglik), "loglik": list(self.loglik),
            "df": [np.nan, self.df_loglik[1] - self.df_loglik[0]],
            "statistic": [np.nan, self.statistic], "p_value": [np.nan, self.p_value],
        }, index=pd.Index(list(self.formulas), name="model"))

    def __str__(self) -> str:
        from ..report.hypothesis_tests import lrtest_text

        return lrtest_text(self)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import lrtest_html

        return lrtest_html(self)


def _poisson_negbin(fits) -> bool:
    """A Poisson model and a negative binomial with theta estimated, with the same link."""
    names = sorted((f.family.name, f.theta_se is not None) for f in fits)
    return names == [("negative.binomial", True), ("poisson", False)] and fits[0].family.link == fits[1].family.link


@single_threaded
def lrtest(fit1, fit2) -> LRTest:
    """Likelihood-ratio test of two nested models of one family fitted to the same rows.

    statistic = 2 |loglik_2 - loglik_1|, df = |k_2 - k_1| with k the parameters the log-likelihood
    counts (coefficients plus the family's scale or theta), p = P(chi2_df > statistic).

    A Poisson model against a negative binomial with theta estimated (same link, the Poisson mean model
    nested in the negative binomial's) is allowed: the Poisson is the limit theta -> infinity, a boundary of
    the parameter space, so the statistic's null distribution is the 50:50 mixture of chi-square with df and
    df - 1 degrees of freedom: p = 1/2 P(chi2_df > statistic) + 1/2 P(chi2_{df-1} > statistic) (with the
    same mean model, df = 1 and p = 1/2 P(chi2_1 > statistic)); ``boundary`` is then True.

    Raises
    ------
    GLMStatError
        For quasi families (no likelihood), non-nested models, different rows, or equal parameter counts.
    """
    fits = (fit1, fit2)
    for f in fits:
        check_ml_fit(f, "lrtest")
        if not np.isfinite(f.loglik):
            raise GLMStatError(f"lrtest needs a likelihood; the {f.family.label} family has none "
                               f"(use anova(m1, m2, test='F') for quasi families)")
    _same_data(fits)
    boundary = _poisson_negbin(fits)
    if not boundary:
        _same_family(fits)
    _check_nested(fits)
    ks = (fit1.df_loglik, fit2.df_loglik)
    if ks[0] == ks[1]:
        raise GLMStatError("the two models have the same number of parameters; a likelihood-ratio test "
                           "compares a model with a bigger one that contains it")
    if boundary and (fit1.family.name == "poisson") != (ks[0] < ks[1]):
        raise GLMStatError("the Poisson model must be the smaller one: its mean model nested in the negative "
                           "binomial's")
    stat = 2.0 * abs(fit2.loglik - fit1.loglik)
    df = abs(ks[1] - ks[0])
    p = float(chi2_sf(stat, df))
    if boundary:
        below = float(chi2_sf(stat, df - 1)) if df > 1 else 0.0  # chi2 with 0 df: a point mass at 0
        p = 0.5 * p + 0.5 * below
    return LRTest(float(stat), int(df), p, (fit1.loglik, fit2.loglik), ks, (fit1.formula, fit2.formula), boundary)
