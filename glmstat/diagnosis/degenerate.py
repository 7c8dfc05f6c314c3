"""Degenerate fits, found after IRLS and reported instead of printed as normal numbers.

R reports most of these silently (a Poisson model with an all-zero factor level gets an intercept of -19
and a p-value of 0.997; a constant Gaussian response gets t values of 1e16).  glmstat checks:

* **Separation** -- some maximum-likelihood estimates are infinite.
  - Binomial: :func:`glmstat.diagnosis.explain.detect_separation` (a direction d with x_i'd >= 0 for successes,
    <= 0 for failures); not with a link that reaches both 0 and 1 at a finite linear predictor (identity, sqrt),
    along which the fit meets an edge at finite coefficients: a boundary optimum.
  - Counts with a log link (Poisson, quasi-Poisson, negative binomial, Tweedie with zeros): a direction d
    with x_i'd <= 0 for every row with y = 0, x_i'd = 0 for every row with y > 0 and x_i'd < 0 somewhere.
    Moving beta along d keeps the fit on the rows with y > 0 and sends the means of the other rows to 0,
    which always lowers the deviance: the coefficients with d_j != 0 diverge (to -infinity along d).
    d lies in the null space of the rows with y > 0, so it is found by a linear program over that null space
    that moves as many zero-count rows as it can (x_i'd <= -t_i, 0 <= t_i <= 1, maximise sum t, d = N c
    free): separating directions add up, so the separated set it finds is the largest; a full-rank design on
    the positive rows rules it out at once.
  Both linear programs run only when the fit looks divergent: it did not converge, fitted values reached
  the boundary, or one more Newton step from the estimate would still move some row's linear predictor by
  more than ``DRIFT_TOL`` (at a finite optimum the step is ~0; along a separating direction every step moves
  the separated rows' linear predictor by about 1, however small their fitted means already are).
  Streamed rows (Parquet, dask) are never all in memory, and a design of more than ``LP_MAX_CELLS`` cells
  would be expanded by the linear programs: there that next step itself is the candidate direction, checked
  against every row in a pass over the blocks (:mod:`.streamed_separation`).
* **Perfect fit** (families with an estimated dispersion) -- the model reproduces the response to machine
  precision, or leaves no residual degrees of freedom: the dispersion estimate is rounding noise (or NaN)
  and so are the standard errors, and the log-likelihood and AIC, whose dispersion is the deviance over n.
* **More columns than rows** -- at most as many coefficients as rows with a positive weight.
* **Converged but still moving** -- the relative-deviance test can stop Fisher scoring far from the optimum
  when it converges only linearly (non-canonical links with large residuals); if one more step would still
  change a coefficient by more than ``STEP_TOL`` of max(|beta_j|, se_j), a ConvergenceWarning says so; so it
  does when the score equations fail at a converged estimate whose link keeps every mean valid (log, logit,
  ...): no edge explains that, and the deviance test was met on a plateau, short of the optimum.  At R's
  criterion (``convergence="R"``) rows settling on an edge with their response (an all-zero level, sqrt link)
  whose deviance is below what that criterion resolves are taken at the edge first: their linear approach to it
  is what R's test stops, silent, and only what still moves beside it is reported.
* **Boundary optimum** -- with a link that lets the mean reach the edge of its domain (identity or sqrt for
  counts), IRLS can converge to a point where some fitted means are 0 and the score equations
  X' diag(w mu'(eta) / V(mu)) (y - mu) = 0 do not hold (relative size above ``SCORE_TOL``): a
  BoundaryWarning says so, since the standard errors assume an interior maximum.  A row whose response sits on
  that edge too, with its fitted mean there, adds the limit of its term, -w mu'(eta_e) / V'(e) (its quotient
  is 0/0 at the edge): 0 where the link's derivative vanishes at the edge (sqrt at a mean of 0: an all-zero
  level fitted at 0 is an interior optimum of the coefficients, as R finds it), w where it does not (identity:
  the optimum needs a negative mean, a boundary).
* **Stopped at the boundary** -- R's glm.fit ends with "algorithm stopped at boundary value" when its last
  iteration's step left the region of valid means (or gave a non-finite deviance) and was halved back into it
  (``FitState.boundary``, R's ``boundary``): at ``convergence="R"`` where it does; at the exact optimum where
  steps were halved back into the domain and the Fisher step still to go leaves it again, so that no iteration
  goes further (a sqrt-link count of 0 whose mean halving holds at 0 while the other rows pull it across).  A
  BoundaryWarning says the fit stopped there, naming the rows at the edge and whether the step still to go
  leaves the domain too -- as it does for a sqrt-link ``y ~ g + h`` with a level of g whose counts are all 0,
  which cannot fit all that level's rows at eta = 0 while halving holds some of them at the edge: there "still
  moving" would suggest that more iterations lead somewhere.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from .._arguments import shown
from .._scipy import optimize, sparse

from ..design.dense import DenseDesign
from ..design.sources import fold, fold_lazy
from ..engine.edges import edge_limits as _edge_limits, hard_edges as _hard_edges
from ..engine.edges import ON_EDGE_TOL, held_on_edges
from ..engine.edges import settled_edges as _settled_edges, steep_edges as _steep_edges
from ..engine.fit_state import Control
from ..engine.irls import irls
from ..engine.step_size import DRIFT_TOL
from ..engine.trajectory import went_away
from ..formula.deparse import deparse
from ..formula.nodes import Name
from ..formula.values import label_text
from .explain import (ROWS_NAMED, FactorContrasts, SeparationInfo, ZeroCountSeparation, coded_by_contrasts,
                      contrast_levels_text, detect_separation, levels_text, row_labels_text, separable_without)
from .streamed_separation import streamed_separation
from ..errors import (AliasingWarning, BoundaryWarning, ConvergenceWarning, GLMStatError, GLMStatWarning,
                      PerfectFitWarning)

if TYPE_CHECKING:
    from ..design.sources import Block, DesignSource, InMemorySource
    from ..engine.fit_state import FitState
    from ..families import Family
    from ..formula.frame import ModelFrame

__all__ = ["ZeroCountSeparation", "ConstantResponse", "NewtonCheck", "diagnose", "find_separation",
           "needed_to_separate", "separated_response", "detect_zero_separation", "newton_check", "fit_findings",
           "boundary_rows", "unfinished_rescue_message", "DRIFT_TOL", "STEP_TOL", "SCORE_TOL", "AT_EDGE_TOL",
           "FAR_MEAN_RATIO"]

#: A converged estimate whose next Newton step exceeds this fraction of max(|beta_j|, se_j) is not at the MLE.
STEP_TOL = 1e-6
#: ... nor is one whose score sum_i s_ij exceeds this fraction of sum_i |s_ij| (a boundary optimum; at an
#: interior optimum the ratio is ~1e-10, at a boundary one it is of order 1).
SCORE_TOL = 1e-3
#: |y - mu| below this fraction of (|y| + mean |y|) in every row is a fit exact to rounding.
EXACT_FIT_TOL = 1e-10
#: A fitted mean this close (relative to s = max(1, mean |y|)) to an edge where the row's response is has reached
#: it: its score term is taken at its limit there.  (Fisher scoring carries such a mean towards the edge linearly
#: -- halving a sqrt-link eta at each step -- and the exact fit stops with it ~1e-15 s away; a sqrt-link term
#: still differs from its limit, 0, by 2 w sqrt(mu), at most 2e-5 w sqrt(s) here, where the terms of the rows not
#: at the edge, 2 w (y - mu) / sqrt(mu) for counts, are of order w.)
AT_EDGE_TOL = 1e-10
#: Where a fit did not converge, fitted means more than this many times the largest |response| are named: means
#: run off without bound (an inverse Gaussian log-link fit whose means reach 1e154, its unit deviance tending to
#: 1/y there, flat in the linear predictor).
FAR_MEAN_RATIO = 1e10


@dataclass(frozen=True)
class ConstantResponse(SeparationInfo):
    """A binomial or count response at the boundary (all 0, or all 1) in every row."""

    def message(self, response: str, quasi: bool = False) -> str:
        return (
            f"{self.explanation}: the maximum-likelihood estimate does not exist (the linear predictor diverges) "
            f"and no coefficient is identified, so every estimate, standard error and p-value is meaningless; "
            f"there is nothing to model"
        )


def _row_labels(frame: "ModelFrame", rows: np.ndarray) -> str:
    return row_labels_text(frame.rows_used[rows[:ROWS_NAMED]], rows.size)


def _describe_rows(frame: "ModelFrame", used: np.ndarray, S: np.ndarray, value: str,
                   diverging: tuple[str, ...] = ()) -> str:
    """Plain words for the set S (a mask over the rows ``used``) of rows whose fitted means diverge
    (``diverging``: the columns whose estimates do)."""
    resp = frame.response_name
    if S.all():
        return f"{resp} is {value} in every row"
    rows = np.flatnonzero(used)
    names = frame.column_names
    for label, cols in zip(frame.term_labels, frame.term_columns):
        if label == "(Intercept)" or not cols:
            continue
        B = np.column_stack([frame.design.column(j)[rows] for j in cols])
        if not np.all((B == 0) | (B == 1)):
            continue
        for i, j in enumerate(cols):  # one level of a factor (or a 0/1 column)
            if np.array_equal(B[:, i] == 1, S):
                return f"every row with {names[j]} = 1 has {resp} = {value}"
        if np.array_equal(~B.any(axis=1), S):
            return f"every row at the reference level of {label} has {resp} = {value}"
        some = [i for i, j in enumerate(cols) if names[j] in diverging]
        if len(some) > 1 and np.array_equal(B[:, some].any(axis=1), S):  # several levels of a factor
            return levels_text([names[cols[i]] for i in some], resp, value)
    idx = np.flatnonzero(used)[S]
    return f"{S.sum()} rows with {resp} = {value} (rows {_row_labels(frame, idx)}) can be fitted exactly"


def detect_zero_separation(frame: "ModelFrame", weights: np.ndarray, kept: np.ndarray, intercept: str | None = None,
                           factors: tuple[FactorContrasts, ...] = ()) -> ZeroCountSeparation | None:
    """Find a direction sending the means of some zero-count rows to 0; None if there is none (``factors``: the
    terms coded by contrasts, whose levels may describe it)."""
    used = weights > 0
    y = frame.y[used]
    # the linear program needs the rows themselves: the (few) columns kept, of the rows with weight
    Xk = frame.design.take(np.flatnonzero(used)).select(np.flatnonzero(kept)).toarray()
    names_k = [n for n, k in zip(frame.column_names, kept) if k]
    zero, pos = y == 0, y > 0
    if not zero.any():
        return None
    scale = np.abs(Xk).max(axis=0)
    scale[scale == 0] = 1.0
    Z = Xk / scale
    p = Z.shape[1]
    if pos.any():
        R = np.linalg.qr(Z[pos], mode="r")
        _, s, vt = np.linalg.svd(R)
        rank = int(np.sum(s > 1e-9 * s.max())) if s.size else 0
        N = vt[rank:].T  # orthonormal basis of {d : z_i'd = 0 for every y_i > 0}
    else:
        N = np.eye(p)
    if N.shape[1] == 0:
        return None
    # as many zero-count rows as possible moved: z_i'd <= -t_i, 0 <= t_i <= 1, maximise sum t (d = N c free).
    # Directions that separate add up, so every row some direction moves gets t_i = 1: the separated set is
    # the largest one (a box on c instead, in N's rotated coordinates, could stop at a vertex that leaves
    # some all-zero levels out).
    A = Z[zero] @ N
    m, k = A.shape
    A_ub = sparse.hstack([sparse.csr_matrix(A), sparse.identity(m, format="csr")], format="csr")  # (t: m x m)
    res = optimize.linprog(np.r_[np.zeros(k), -np.ones(m)], A_ub=A_ub, b_ub=np.zeros(m),
                           bounds=[(None, None)] * k + [(0, 1)] * m, method="highs")
    if res.status != 0 or -res.fun < 0.5:  # (no row moved)
        return None
    d = N @ res.x[:k]
    d /= np.abs(d).max()
    d[np.abs(d) < 1e-7] = 0.0
    S = np.zeros(y.size, dtype=bool)
    S[np.flatnonzero(zero)] = (Z[zero] @ d) < -1e-7
    d_unscaled = d / scale
    d_rel = d_unscaled / np.abs(d_unscaled).max()
    cols = tuple(nm for nm, v in zip(names_k, d) if v != 0)
    complete = bool(S[zero].all()) and not pos.any()
    full = np.zeros(kept.size)
    full[kept] = d_rel
    text = contrast_levels_text(full, list(frame.column_names), coded_by_contrasts(factors), intercept,
                                frame.response_name) or _describe_rows(frame, used, S, "0", cols)
    return ZeroCountSeparation(complete, cols, tuple(float(v) for v in d_rel if v != 0), text)


@dataclass(frozen=True)
class NewtonCheck:
    """One more Fisher-scoring step delta = (X'WX)^{-1} X'W r from the estimate, measured two ways."""

    coef_step: float  # max_j |delta_j| / max(|beta_j|, se_j) (se at unit dispersion)
    column: str  # where that maximum is reached
    eta_drift: float  # max_i |x_i' delta|: how far the step would still move a linear predictor
    score_rel: float  # max_j |sum_i s_ij| / sum_i |s_ij|, s_ij = x_ij w_i mu'(eta_i) (y_i - mu_i) / V(mu_i)
    #                   (|y_i - mu_i| floored at 1e-6 (|y_i| + |mu_i|) in the denominator)
    #: delta itself, every column (0 where aliased); None where no step was taken
    step: np.ndarray | None = field(default=None, repr=False, compare=False)


#: What newton_check would report for a polished interior optimum: no step, no drift, the score at 0.
_AT_OPTIMUM = NewtonCheck(0.0, "", 0.0, 0.0)


def _block_score(blk, family: "Family", beta: np.ndarray, kept: np.ndarray,
                 limits: tuple[tuple[float, float], ...] = (), near: float = 0.0, settled_deviance: float = 0.0,
                 steep: tuple[tuple[float, float], ...] = ()) -> tuple[np.ndarray, np.ndarray, float]:
    """A block's share of the score X'u and of the size of its terms (see :class:`NewtonCheck`), and the
    deviance of the rows taken at an edge; a row whose response is at an edge e of ``limits`` and whose mean is
    within ``near`` of it adds the limit of its term -- so does one whose edge's limit is 0 (a settled edge) and
    whose deviance there is at most ``settled_deviance``.  A row so near an edge of infinite pull (``steep``:
    :func:`~glmstat.engine.edges.steep_edges`) adds nothing: its term (-mu^(-1/2), 2.6e6 at a Tweedie mean of
    1.5e-13) is held by the edge, the covariance of a fit holding it there has x'C = 0 for it, and their product
    would be that term times the rounding of x'C, a step of 6e-5 that is not there."""
    link = family.link
    taken = 0.0
    with np.errstate(all="ignore"):
        eta = blk.X.matvec(beta) + blk.offset
        mu = link.inverse(eta)
        d, v = link.mu_eta(eta), family.variance(mu)
        u = np.where(blk.weights > 0, blk.weights * d * (blk.y - mu) / v, 0.0)
        # the size of the score's terms, floored at 1e-6 of the data's own scale so that an exact fit
        # (every residual at the noise level of the estimate) does not look like a failed score equation
        mag = np.where(blk.weights > 0, np.abs(u) + 1e-6 * blk.weights * np.abs(d) * (np.abs(blk.y) + np.abs(mu))
                       / np.abs(v), 0.0)
        for e, lim in limits:
            # (the quotient is 0/0 at the edge and, near it, all of one sign and as small as the distance left:
            # relative to its own size that reads as a score equation that fails, whatever the distance)
            at = (blk.weights > 0) & (blk.y == e)
            close = np.abs(mu - e) <= near
            if lim == 0.0 and settled_deviance > 0.0:
                dev = blk.weights * family.unit_deviance(blk.y, mu)
                close |= dev <= settled_deviance
                taken += float(np.sum(dev[at & close]))
            at &= close
            if at.any():
                u = np.where(at, blk.weights * lim, u)
                mag = np.where(at, np.abs(u), mag)
        for e, _ in steep:
            at = (blk.weights > 0) & (blk.y == e) & (np.abs(mu - e) <= near)
            if at.any():
                u, mag = np.where(at, 0.0, u), np.where(at, 0.0, mag)
        return blk.X.rmatvec(u)[kept], blk.X.abs_rmatvec(mag)[kept], taken


def _add_pair(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _block_drift(blk, step: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(blk.X.matvec(step)), initial=0.0))


def newton_check(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                 with_drift: bool, shared: "_SharedRange | None" = None, settled_deviance: float = 0.0
                 ) -> NewtonCheck | None:
    """The size of the next Fisher-scoring step (two passes over the rows; one if not ``with_drift``; one more for
    the response's scale where rows may sit on an edge with their response, unless ``shared`` has it).

    ``settled_deviance`` > 0: the step with every row whose response is on a settled edge (:func:`_settled_edges`)
    and whose deviance is at most that taken at the edge, its score term at its limit, 0 -- or None when those
    rows' deviance adds up to more than ``settled_deviance``."""
    k = state.kept
    b = np.where(k, state.coef, 0.0)
    cov = state.cov_unscaled[np.ix_(k, k)]
    if not np.all(np.isfinite(cov)) or not np.any(k):
        return NewtonCheck(np.inf, "", np.inf, np.inf)
    limits, steep = _edge_limits(family), _steep_edges(family)
    near = AT_EDGE_TOL * max(1.0, (shared or _SharedRange(source))().mean_abs) if limits or steep else 0.0
    score, size, taken = fold(source, partial(_block_score, family=family, beta=b, kept=k, limits=limits, near=near,
                                              settled_deviance=settled_deviance, steep=steep),
                              _add_pair, (np.zeros(int(k.sum())), np.zeros(int(k.sum())), 0.0))
    if settled_deviance > 0.0 and not taken <= settled_deviance:
        return None
    with np.errstate(all="ignore"):
        step = cov @ score
        score_rel = float(np.max(np.abs(score) / np.where(size > 0, size, 1.0), initial=0.0))
        rel = np.abs(step) / np.maximum(np.maximum(np.abs(b[k]), np.sqrt(np.maximum(np.diag(cov), 0.0))), 1e-300)
        full = np.zeros(k.size)
        full[k] = step
        drift = fold(source, partial(_block_drift, step=full), max, 0.0) if with_drift else 0.0
    j = int(np.argmax(rel)) if rel.size else 0
    names = [n for n, kk in zip(frame.column_names, k) if kk]
    coef_step = float(rel[j]) if rel.size and np.isfinite(rel[j]) else np.inf
    return NewtonCheck(coef_step, names[j] if names else "", drift if np.isfinite(drift) else np.inf,
                       score_rel if np.isfinite(score_rel) else np.inf, full)


def _zero_separation_possible(family: "Family") -> bool:
    """Counts (a response that can be 0) with a link whose inverse tends to 0 as eta -> -infinity (log) or
    +infinity (negative powers such as Tweedie's default mu^(1 - p))."""
    dom = family.y_domain
    if family.binomial_response or dom.low != 0 or dom.low_open:
        return False
    with np.errstate(all="ignore"):
        ends = family.link.inverse(np.array([-1e8, 1e8]))
    return bool(np.any((ends >= 0) & (ends < 1e-6)))


@dataclass(frozen=True)
class _ResponseRange:
    """min, max and mean |y| of the response over the rows with a positive weight (one pass)."""

    low: float
    high: float
    mean_abs: float
    n: int


def _block_range(b) -> _ResponseRange:
    # (weights are never negative, so a block whose rows all count (most) needs no masked copy)
    y = b.y if b.n_positive == b.y.shape[0] else b.y[b.weights > 0]
    if not y.size:
        return _ResponseRange(np.inf, -np.inf, 0.0, 0)
    # (a sum, not a mean; the ufuncs' reductions: ndarray.min's Python wrapper costs more than a small block)
    return _ResponseRange(float(np.minimum.reduce(y)), float(np.maximum.reduce(y)), float(np.add.reduce(np.abs(y))),
                          y.size)


def _merge_range(a: _ResponseRange, b: _ResponseRange) -> _ResponseRange:
    return _ResponseRange(min(a.low, b.low), max(a.high, b.high), a.mean_abs + b.mean_abs, a.n + b.n)


def _response_range(source) -> _ResponseRange:
    total = fold_lazy(source, _block_range, _merge_range, lambda: _ResponseRange(np.inf, -np.inf, 0.0, 0))
    return _ResponseRange(total.low, total.high, total.mean_abs / total.n if total.n else 0.0, total.n)


class _SharedRange:
    """The response range of ``source`` from one pass, made on the first call: the checks of one
    :func:`diagnose` share it (a quasi family's fit needs it twice; on streamed rows a pass is a read)."""

    __slots__ = ("source", "value")

    def __init__(self, source) -> None:
        self.source, self.value = source, None

    def __call__(self) -> _ResponseRange:
        if self.value is None:
            self.value = _response_range(self.source)
        return self.value


def _all_same(frame: "ModelFrame", response: _ResponseRange, kept: np.ndarray,
              values: tuple[float, ...]) -> ConstantResponse | None:
    """A response that is 0 (or 1) in every row: every estimate is meaningless."""
    for value in values:
        if response.n and response.low == value == response.high:
            cols = tuple(n for n, k in zip(frame.column_names, kept) if k)
            text = f"the response {shown(frame.response_name)} is {value:g} in every row"
            return ConstantResponse(True, cols, tuple(1.0 for _ in cols), text)
    return None


def separation_possible(family: "Family") -> bool:
    """Can some estimates of this family be infinite (a binomial, or counts with a suitable link)?  Not a binomial
    whose link reaches both 0 and 1 at a finite linear predictor (identity, sqrt): a separating direction runs
    into an edge at finite coefficients, a boundary optimum, where the estimates are finite."""
    if family.binomial_response:
        return len(_hard_edges(family)) < 2
    return _zero_separation_possible(family)


#: The linear programs of the in-memory separation tests work on the rows' kept columns as a dense matrix:
#: beyond this many cells (a 100,000-row design with 10 columns) they would expand the design and take seconds
#: to minutes (a QR of the rows, then an LP with a constraint per row), and the fit's own divergence is
#: checked over the rows instead, as for streamed data.
LP_MAX_CELLS = 2**20


def _lp_too_large(frame: "ModelFrame", kept: np.ndarray) -> bool:
    return frame.design.n_rows * int(np.count_nonzero(kept)) > LP_MAX_CELLS


def separated_response(frame: "ModelFrame") -> str:
    """The response as a binomial separation's words name it: ``y`` ("every row with g[T.b] = 1 has y = 1"), and
    for ``cbind(s, f)`` its proportion of successes ``s/(s + f)`` (no row has a value "cbind(s, f) = 1")."""
    if frame.spec.n_response_columns != 2:
        return frame.response_name
    s, f = (deparse(a) if isinstance(a, Name) else f"({deparse(a)})" for a in frame.spec.terms.response.args)
    return f"{s}/({s} + {f})"


def find_separation(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                    intercept: str | None, check: NewtonCheck,
                    shared: _SharedRange | None = None, n_boundary: int | None = None) -> SeparationInfo | None:
    """Separation of a binomial or count response, when the fit looks divergent; None otherwise.

    In memory the separating direction comes from a linear program over the rows; streamed rows are never all
    in memory, so there the direction the fit diverges along (the next step, ``check.step``) is checked to
    separate in a pass over the blocks (:mod:`glmstat.diagnosis.streamed_separation`), and where none of the fit's
    own directions does and it went away from its lowest deviance, those of the exact fit from there
    (:func:`_separation_from_lowest`).  ``shared``: the
    response range of the other checks of the same fit (one pass for all); ``n_boundary``: the fitted means on an
    edge that count (:func:`boundary_rows`; ``state.n_boundary`` if None)."""
    if not separation_possible(family):
        return None
    # (a response at an edge the link reaches at a finite linear predictor is fitted there, not diverging: every
    # probability 1 with the log link is eta = 0)
    reached = tuple(_hard_edges(family))
    same = _all_same(frame, (shared or _SharedRange(source))(), state.kept,
                     tuple(v for v in ((0.0, 1.0) if family.binomial_response else (0.0,)) if v not in reached))
    if same is not None:
        return same
    # (a mean settled on an edge with its response is not one running off: a sqrt-link probability of 0 for a
    # level of failures, whose coefficient is finite)
    n_edge = state.n_boundary if n_boundary is None else n_boundary
    divergent = n_edge > 0 or not state.converged or check.eta_drift > DRIFT_TOL
    if not divergent:
        return None
    factors = contrast_factors(frame)
    if not frame.in_memory or _lp_too_large(frame, state.kept):
        found = None if check.step is None else _streamed(frame, source, family, state, intercept, factors,
                                                          check.step)
        if found is None and len(state.trace) > 1 and went_away(list(state.trace), state.deviance, True) is not None:
            found = _separation_from_lowest(frame, source, family, state, intercept, factors, shared)
        return found
    w = frame.total_weights
    if family.binomial_response:
        return detect_separation(frame.design, frame.y, w, state.kept, list(frame.column_names),
                                 separated_response(frame), intercept, factors, reached)
    return detect_zero_separation(frame, w, state.kept, intercept, factors)


def _streamed(frame: "ModelFrame", source, family: "Family", state: "FitState", intercept: str | None,
              factors: tuple[FactorContrasts, ...], step: np.ndarray) -> SeparationInfo | None:
    """:func:`~glmstat.diagnosis.streamed_separation.streamed_separation` of the fit ``state`` whose next step is
    ``step``."""
    return streamed_separation(source, family.binomial_response, state.kept, step, list(frame.column_names),
                               tuple(zip(frame.term_labels, frame.term_columns)), separated_response(frame),
                               intercept, factors, state.coef, lambda: frame.rows_used, _step_into_lowest(state))


def _separation_from_lowest(frame: "ModelFrame", source, family: "Family", state: "FitState", intercept: str | None,
                            factors: tuple[FactorContrasts, ...], shared: "_SharedRange | None"
                            ) -> SeparationInfo | None:
    """The separation the exact fit from the lowest iterate of ``state`` runs off along, where ``state`` went away
    from that iterate (far above its deviance) and none of its own directions separates; None where that fit finds
    none (or fails).

    Fisher scoring that went away from its lowest deviance before its steps lined up with a separating direction
    leaves no witness of it: R's glm stops there (``convergence="R"``), 504.6 with coefficients of 1e15 and clamped
    means where its run had reached 5.15, and at that lowest iterate one row is still on the wrong side of every
    iterate and step so far (quasibinomial probit, complete separation: random s786_0026).  The exact fit, whose
    rescue restarts from the lowest iterate, runs off along the direction from there (its estimate separates at the
    first step); so does this refit from it."""
    lowest = min(state.trace, key=lambda t: t.deviance)
    try:
        run = irls(source, family, Control(), np.where(lowest.kept, lowest.beta, 0.0))
    except GLMStatError:
        return None
    check = newton_check(frame, source, family, run, with_drift=False, shared=shared)
    if check is None or check.step is None:
        return None
    return _streamed(frame, source, family, run, intercept, factors, check.step)


def _step_into_lowest(state: "FitState") -> np.ndarray | None:
    """The last step of the fit's trace into (or before) its lowest deviance, when the fit ended far above that
    deviance; 0 in the columns it did not keep then.  None otherwise, or when no step kept the same columns at
    both ends.

    A fit that separates runs along a separating direction while its deviance falls, until working weights that
    vanish there set columns aside and scoring leaps away (a cauchit fit with a g:h cell of zeros: from a
    deviance of 17,759 to 28,423, then cycling among estimates of 1e15): neither the estimate it stops at nor
    the next step from there points along the direction any more, but the steps that lowered the deviance do."""
    trace = state.trace
    if len(trace) < 2 or went_away(list(trace), state.deviance, True) is None:
        return None
    lowest = min(range(len(trace)), key=lambda i: trace[i].deviance)
    for i in range(lowest, 0, -1):
        now, before = trace[i], trace[i - 1]
        # (a step across a change of the columns kept mixes two fits' coordinates)
        if np.array_equal(now.kept, before.kept):
            with np.errstate(invalid="ignore"):
                return np.where(now.kept, now.beta - before.beta, 0.0)
    return None


def needed_to_separate(frame: "ModelFrame", kept: np.ndarray, source: "DesignSource | None" = None
                       ) -> np.ndarray | None:
    """Under complete separation of a 0/1 response: for each column, whether every separating direction moves
    it (the other kept columns alone do not separate the rows); None where no linear program runs (a design
    beyond ``LP_MAX_CELLS``, or streamed rows without their ``source``).  One linear program per kept column.
    Streamed rows within ``LP_MAX_CELLS`` are gathered from ``source`` for the programs: the kept columns of the
    rows with weight, at most 8 MB."""
    if frame.in_memory:
        if _lp_too_large(frame, kept):
            return None
        return kept & ~separable_without(frame.design, frame.y, frame.total_weights, kept)
    cols = np.flatnonzero(kept)
    if source is None or source.n_rows * cols.size > LP_MAX_CELLS:
        return None
    parts = fold(source, partial(_weighted_rows, cols=cols), _listed, [])
    if not parts:
        return None
    Z, y, w = (np.concatenate([part[k] for part in parts]) for k in range(3))  # (joined once: no copy a block)
    needed = np.zeros(kept.size, dtype=bool)
    needed[cols] = ~separable_without(DenseDesign(Z), y, w, np.ones(cols.size, dtype=bool))
    return needed


def _weighted_rows(block: "Block", cols: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A block's rows of positive weight: their design columns ``cols`` (dense), response and weights."""
    rows = np.flatnonzero(block.weights > 0)
    return [(block.X.take(rows).select(cols).toarray(), block.y[rows], block.weights[rows])]


def _listed(a: list, b: list) -> list:
    return a + b


def contrast_factors(frame: "ModelFrame") -> tuple[FactorContrasts, ...]:
    """The model's terms that are one factor, with their design columns and contrast matrices, to describe
    separation by their levels."""
    return tuple(FactorContrasts(label, cols, tuple(label_text(v) for v in levels), matrix, indicators)
                 for label, cols, levels, matrix, indicators in frame.spec.plan.factor_contrasts)


def _settled_within_tolerance(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                              shared: _SharedRange, tol: float) -> NewtonCheck | None:
    """The next Fisher step of a fit stopped at R's criterion with the rows settling on an edge with their
    response taken there, when all their deviance is below what that criterion resolves,
    tol (|deviance| + 0.1); None otherwise.

    Fisher scoring carries such rows to their edge at a linear rate (it halves a sqrt-link eta each step: an
    all-zero level's mean of 6e-9 at R's stop, its coefficient still 2e-5 of its size from the optimum, eta = 0),
    removing their deviance, which is what the remaining steps change.  R's test stops there, converged and
    silent; the step with those rows at the edge is the one that says whether anything else still moves."""
    bound = tol * (abs(state.deviance) + 0.1)
    return newton_check(frame, source, family, state, with_drift=False, shared=shared, settled_deviance=bound)


def diagnose(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
             intercept: str | None, method: str, convergence: str = "exact", tol: float = 1e-8
             ) -> tuple[SeparationInfo | None, list[tuple[type[GLMStatWarning], str]], int]:
    """Everything this module checks: (separation or None, [(warning category, message), ...], the fitted means
    on an edge of the domain that count, :func:`boundary_rows`); ``convergence`` is the fit's mode (``"R"``: it
    stopped at R's criterion on purpose) and ``tol`` its relative-deviance tolerance."""
    shared = _SharedRange(source)
    findings = fit_findings(frame, source, family, state, shared)
    n_edge = boundary_rows(source, family, state)
    if method != "irls" or not state.kept.any():  # Firth has its own score equations; an empty model has none
        return None, findings, n_edge
    if state.polished and state.n_boundary == 0:
        # the engine's last step was already negligible at an interior optimum: nothing is still moving,
        # and the score equations hold, so the extra passes of newton_check would find nothing
        check = _AT_OPTIMUM
    else:
        check = newton_check(frame, source, family, state, with_drift=separation_possible(family), shared=shared)
    separation = find_separation(frame, source, family, state, intercept, check, shared, n_edge)
    # means on an edge of the domain that the link reaches at a finite linear predictor (a log-link
    # probability of 1, an identity-link Poisson mean of 0): a boundary of the parameter space, not separation
    edge = _hard_edge_rows(source, family, state) if separation is None and n_edge > 0 else None
    # R's glm.fit halved its last step back into the domain: it warns "algorithm stopped at boundary value";
    # at the exact optimum, steps halved back into the domain and a step still to go that leaves it again hold
    # the estimate on the boundary (not "still moving": no iteration goes further)
    moves = state.boundary and STEP_TOL < check.coef_step < np.inf and check.step is not None
    leaves = _step_leaves(source, family, state, check.step) if moves else None
    stopped = state.boundary and (convergence == "R" or bool(leaves))
    if edge is not None and edge.size:
        # (R's "algorithm stopped at boundary value", where it halved its last step, is this warning too)
        findings.insert(0, (BoundaryWarning, _boundary_message(frame, source, family, state, check, shared, edge)))
    elif stopped:
        # (in place of "still moving": the step still to go often points out of the domain again, the fit held on
        # the boundary -- also where the means on the edge are zero counts fitted at 0, which a settled level
        # alone would be -- and the message says whether it does)
        findings.insert(0, (BoundaryWarning, _stopped_message(frame, source, family, state, check, shared,
                                                              convergence, leaves)))
        return separation, findings, n_edge
    if (separation is None and state.converged and check.coef_step > STEP_TOL and convergence == "R"
            and _settled_edges(family)):
        check = _settled_within_tolerance(frame, source, family, state, shared, tol) or check
    if separation is None and state.converged and check.coef_step > STEP_TOL:
        if edge is not None and edge.size:
            advice = ("it creeps along the boundary of the parameter space (see the boundary warning), which more "
                      "iterations do not cure")
        elif state.at_rounding:  # (more iterations would only move the estimates by rounding)
            advice = ("the columns kept are so nearly singular together that the steps of the fit are rounding "
                      "of its solve, which more iterations do not cure; drop or combine columns")
        elif convergence == "R":  # (more iterations would not run: R's criterion was met)
            advice = ("convergence is slow (a non-canonical link with large residuals?), and convergence='R' stops "
                      "where R's glm stops; the default convergence='exact' iterates to the maximum")
        else:
            advice = ("convergence is slow (a non-canonical link with large residuals?); a refit with start= these "
                      "estimates continues from here")
        findings.insert(0, (ConvergenceWarning,
                            f"IRLS met the deviance criterion, but the estimates are still moving: one more Fisher "
                            f"scoring step would change {check.column} by {check.coef_step:.2g} of its size (or "
                            f"standard error), so the estimates are accurate only to about that; {advice}"))
    elif separation is None and state.converged and n_edge == 0 and check.score_rel > SCORE_TOL:
        if _means_valid_everywhere(family):
            findings.insert(0, (ConvergenceWarning, _short_of_optimum_message(family, check, convergence)))
        else:
            findings.insert(0, (BoundaryWarning, _boundary_message(frame, source, family, state, check, shared)))
    return separation, findings, n_edge


def unfinished_rescue_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                              max_iter: int) -> str | None:
    """The ConvergenceWarning of a fit whose Fisher scoring stopped without meeting R's test (step-halving
    exhausted, or max_iter reached cycling) and whose Newton steps after it did not reach a negligible step: what
    each did, where the deviance ended and how fast it still moved (the relative change |D_k - D_{k-1}| / (|D_k| +
    0.1) of the last two steps), and the rows whose fitted means ran beyond ``FAR_MEAN_RATIO`` times the largest
    |response|.  None for any other fit (the generic message then stands)."""
    steps = len(state.trace) - state.iterations
    if state.converged or state.scoring_converged or steps < 1:
        return None
    if state.iterations >= max_iter:
        why = f"it reached max_iter ({max_iter}) without meeting R's deviance test (R's glm stops there too)"
    else:
        why = ("no halving of its step gave a finite deviance and valid means (R's glm stops there: \"cannot "
               "correct step size\")")
    devs = [r.deviance for r in state.trace]
    rel = abs(devs[-1] - devs[-2]) / (abs(devs[-1]) + 0.1) if len(devs) > 1 else float("nan")
    text = (f"IRLS did not converge: Fisher scoring stopped at iteration {state.iterations}, where {why}; the {steps} "
            f"Newton steps after it lowered the deviance to {state.deviance:.10g} (last relative change {rel:.2g}) "
            f"without reaching a negligible step")
    top = _response_range(source)
    limit = FAR_MEAN_RATIO * max(abs(top.low), abs(top.high), np.finfo(float).tiny)
    rows, largest = _rows_beyond(source, family, state, limit)
    if rows.size:
        text += (f"; the fitted means of {rows.size} rows run off beyond {FAR_MEAN_RATIO:g} times the largest "
                 f"response (up to {largest:.3g}; rows {_row_labels(frame, rows)})")
        if _deviance_levels_off(family):
            text += (f", where the {family.name} deviance of a row levels off (it tends to a finite limit as the "
                     f"mean grows), so the likelihood hardly depends on them")
    return text + "; the estimates are not reliable"


def _deviance_levels_off(family: "Family") -> bool:
    """Does a row's unit deviance tend to a finite limit as its mean grows without bound (variance power above 2:
    the inverse Gaussian's (y - mu)^2 / (y mu^2) -> 1/y), rather than grow with it (Poisson, Gamma)?"""
    with np.errstate(all="ignore"):
        d = family.unit_deviance(np.ones(2), np.array([1e20, 1e40]))
    return bool(np.all(np.isfinite(d)) and abs(d[1] - d[0]) <= 1e-6 * abs(d[0]))


def _rows_beyond(source: "InMemorySource", family: "Family", state: "FitState", limit: float
                 ) -> tuple[np.ndarray, float]:
    """Positions of the rows (with weight) whose fitted mean at the estimate exceeds ``limit`` in size, and the
    largest such size (0 for none)."""
    rows, largest = [], 0.0
    for start, blk, mu in _fitted_means(source, family, state):
        far = np.flatnonzero((np.abs(mu) > limit) & (blk.weights > 0))
        if far.size:
            largest = max(largest, float(np.abs(mu[far]).max()))
            rows.append(start + far)
    return (np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)), largest


def _fitted_means(source: "InMemorySource", family: "Family", state: "FitState"):
    """(position of its first row, block, fitted means) for each block of ``source`` at the estimate."""
    b = np.where(state.kept, state.coef, 0.0)
    start = 0
    for blk in source.blocks():
        with np.errstate(all="ignore"):
            mu = family.link.inverse(blk.X.matvec(b) + blk.offset)
        yield start, blk, mu
        start += blk.y.shape[0]


def _means_valid_everywhere(family: "Family") -> bool:
    """Does the link give a valid mean at every finite linear predictor (log for a positive mean; logit,
    probit, cloglog and cauchit for a probability, clamped as R clamps them)?  Then no estimate can sit on an
    edge of the region of valid means, and score equations that fail at a converged estimate mean that the
    fit stopped short of the optimum."""
    eta = np.array([-700.0, 700.0])  # (beyond, exp() overflows: every link's mean is then clamped or inf)
    return bool(family.link.valid_eta(eta) and family.valid_mu(family.link.inverse(eta)))


def _short_of_optimum_message(family: "Family", check: NewtonCheck, convergence: str) -> str:
    """A converged fit whose score equations fail where the link keeps every mean valid: R's deviance test
    was met on a plateau of the deviance (an inverse Gaussian log-link fit at means of 1e16, above the null
    model), not at the optimum."""
    if convergence == "R":
        advice = "convergence='R' stops where R's glm stops; the default convergence='exact' iterates to the maximum"
    else:
        advice = "a refit with start= these estimates continues from here"
    return (f"IRLS met the deviance criterion, but the score equations do not hold at the estimate (relative score "
            f"{check.score_rel:.2g}), which no edge of the domain explains (the {family.link.name} link keeps every "
            f"mean inside it): the test was met on a plateau of the deviance, and the estimates are not the "
            f"maximum-likelihood estimates; {advice}")


def _rows_at(source: "InMemorySource", family: "Family", state: "FitState",
             edges: list[tuple[float, float]], settled: tuple[float, ...] = ()) -> np.ndarray:
    """Positions of the rows (with weight) whose fitted mean at the estimate is within ``tol`` of an ``edge``,
    for each (edge, tol) of ``edges``, over the blocks of ``source``; not those whose response is at an edge of
    ``settled`` too (:func:`_settled_edges`)."""
    rows = []
    for start, blk, mu in _fitted_means(source, family, state):
        at = np.zeros(mu.shape[0], dtype=bool)
        for v, tol in edges:
            on = np.abs(mu - v) <= tol
            at |= on & (blk.y != v) if v in settled else on
        rows.append(start + np.flatnonzero(at & (blk.weights > 0)))
    return np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)


def _hard_edge_rows(source: "InMemorySource", family: "Family", state: "FitState") -> np.ndarray:
    """Positions of the rows (with weight) whose fitted mean is on a hard edge (:func:`_hard_edges`), but for
    those settled there with their response (:func:`_settled_edges`)."""
    edges = [(v, ON_EDGE_TOL * max(1.0, abs(v))) for v in _hard_edges(family)]
    return _rows_at(source, family, state, edges, _settled_edges(family)) if edges else np.zeros(0, dtype=np.intp)


def _block_settled(blk, family: "Family", beta: np.ndarray, settled: tuple[float, ...]) -> int:
    with np.errstate(all="ignore"):
        mu = family.link.inverse(blk.X.matvec(beta) + blk.offset)
    return int(np.count_nonzero(held_on_edges(blk.y, blk.weights, mu, settled)))


def boundary_rows(source: "InMemorySource", family: "Family", state: "FitState") -> int:
    """The engine's count of fitted means on an edge of the domain (``state.n_boundary``) less the rows settled
    there with their response (:func:`_settled_edges`: a sqrt-link mean of 0 for a count of 0), which are the
    optimum, not a sign of separation or of a boundary; a pass over the rows only when there are both."""
    settled = _settled_edges(family)
    if state.n_boundary == 0 or not settled:
        return state.n_boundary
    b = np.where(state.kept, state.coef, 0.0)
    n = fold(source, partial(_block_settled, family=family, beta=b, settled=settled), lambda a, c: a + c, 0)
    return max(state.n_boundary - n, 0)


def _boundary_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                      check: NewtonCheck, shared: _SharedRange, rows: np.ndarray | None = None) -> str:
    """The optimum lies on the edge of the family's mean domain: either some means sit on an edge the link
    reaches (``rows``, from :func:`_hard_edge_rows`), or the fit converged yet the score equations fail."""
    # (R stops a fit on an edge the link reaches with "algorithm stopped at boundary value")
    why = "" if rows is None else f", which the {family.link.name} link reaches at a finite linear predictor"
    if rows is None:
        tol = 1e-6 * (shared().mean_abs or 1.0)
        rows = _rows_at(source, family, state, [(family.mu_domain.low, tol), (family.mu_domain.high, tol)],
                        _settled_edges(family))
    where = (f"the fitted means of {rows.size} rows (rows {_row_labels(frame, rows)}) are at the edge of the "
             f"{family.name} family's domain {family.mu_domain}" if rows.size else
             "the fit sits on the edge of the region where the means are valid")
    if check.score_rel > SCORE_TOL:
        why += f", and the score equations do not hold there (relative score {check.score_rel:.2g})"
    better = "logit" if family.binomial_response else "log"
    return (f"the estimate is on the boundary of the parameter space: {where}{why}; the standard errors, tests and "
            f"intervals assume an interior maximum and are not valid; a link that keeps the means inside the domain "
            f"(e.g. {better}) avoids this")


#: What R's glm.fit did when its ``boundary`` is TRUE, in the words of a BoundaryWarning.
_HALVED = ("the last iteration's step left the region of valid means (or of a finite deviance) and was halved back "
           "into it, and the fit stopped there (R's glm.fit: \"algorithm stopped at boundary value\")")


#: ... and what the exact fit does there: its steps go on leaving the domain and being halved back.
_HELD = ("Fisher scoring's steps leave the region of valid means (or of a finite deviance) and are halved back "
         "into it, which holds the estimate on its edge (R's glm.fit: \"algorithm stopped at boundary value\")")


def _stopped_message(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                     check: NewtonCheck, shared: _SharedRange, convergence: str = "R",
                     leaves: bool | None = None) -> str:
    """A fit stopped at R's criterion right after a step halved back into the domain (``state.boundary`` at
    ``convergence="R"``, R's ``boundary``), or at the exact optimum held on the boundary by halving, with no
    mean on an edge that :func:`_boundary_message` names.  ``leaves``: whether the step still to go leaves the
    domain (:func:`_step_leaves`), when the caller has found it (None: found here).

    Such a fit stops where halving left it, against the edge: a sqrt-link count model with a factor level whose
    counts are all 0 and a second term (``y ~ g + h``) cannot put every row of that level at its optimum,
    eta = 0, so scoring pushes some of them across 0 and halving holds them at the edge; the next Fisher step
    points across it again (it would change a coefficient by max_j |delta_j| / max(|beta_j|, se_j), the
    measure of "still moving", up to 0.25 there).  Rows named: those whose means are within 1e-6 mean |y| of
    an edge of the mean domain, their responses there too or not.  (A step halved for a non-finite deviance --
    a Gamma identity-link mean taken below 0 -- can leave every mean well inside, and the next step with them.)"""
    tol = 1e-6 * (shared().mean_abs or 1.0)
    rows = _rows_at(source, family, state, [(family.mu_domain.low, tol), (family.mu_domain.high, tol)])
    where = ("" if not rows.size else
             f"; the fitted mean of row {_row_labels(frame, rows)} is at the edge of the {family.name} family's "
             f"domain {family.mu_domain}" if rows.size == 1 else
             f"; the fitted means of {rows.size} rows (rows {_row_labels(frame, rows)}) are at the edge of the "
             f"{family.name} family's domain {family.mu_domain}")
    step = ""
    if STEP_TOL < check.coef_step < np.inf and check.step is not None:
        if leaves is None:
            leaves = _step_leaves(source, family, state, check.step)
        where_to = "and would leave the domain too" if leaves else "and stay inside the domain"
        step = (f"; one more Fisher scoring step would change {check.column} by {check.coef_step:.2g} of its size "
                f"(or standard error), {where_to}")
    advice = "" if _means_valid_everywhere(family) else (
        f"; a link that keeps the means inside the domain (e.g. {'logit' if family.binomial_response else 'log'}) "
        f"avoids this")
    return (f"the algorithm stopped at the boundary of the parameter space: "
            f"{_HALVED if convergence == 'R' else _HELD}{where}{step}; the standard "
            f"errors, tests and intervals assume an interior maximum and are not valid{advice}")


def _block_leaves(blk, family: "Family", beta: np.ndarray) -> bool:
    pos = blk.weights > 0
    with np.errstate(all="ignore"):
        eta = (blk.X.matvec(beta) + blk.offset)[pos]
        mu = family.link.inverse(eta)
    return not (family.link.valid_eta(eta) and family.valid_mu(mu))


def _step_leaves(source: "InMemorySource", family: "Family", state: "FitState", step: np.ndarray) -> bool:
    """Does the full Fisher step from the estimate, beta + delta, give a linear predictor or mean outside the
    family's domain (R's valideta and validmu) in some row with a positive weight?  One pass over the rows."""
    b = np.where(state.kept, state.coef, 0.0) + step
    return bool(fold(source, partial(_block_leaves, family=family, beta=b), operator.or_, False))


def _block_worst(blk, family: "Family", beta: np.ndarray, typical: float) -> float:
    pos = blk.weights > 0
    with np.errstate(all="ignore"):
        mu = family.link.inverse(blk.X.matvec(beta) + blk.offset)[pos]
    y = blk.y[pos]
    scale = np.abs(y) + typical
    return float(np.max(np.abs(y - mu) / np.where(scale > 0, scale, 1.0), initial=0.0))


def _exact_fit(source: "InMemorySource", family: "Family", state: "FitState", typical: float) -> float | None:
    """The largest relative residual |y - mu| / (|y| + mean |y|) when every one is rounding noise, else None."""
    b = np.where(state.kept, state.coef, 0.0)
    worst = fold(source, partial(_block_worst, family=family, beta=b, typical=typical), max, 0.0)
    return worst if worst <= EXACT_FIT_TOL else None


def fit_findings(frame: "ModelFrame", source: "InMemorySource", family: "Family", state: "FitState",
                 shared: _SharedRange | None = None) -> list[tuple[type[GLMStatWarning], str]]:
    """Warnings (category, message) about a degenerate fit beyond aliasing, separation and convergence
    (``shared``: as in :func:`find_separation`)."""
    out: list[tuple[type[GLMStatWarning], str]] = []
    n_pos = state.n_ok
    p = len(frame.column_names)
    if p > n_pos:
        out.append((AliasingWarning,
                    f"the design has {p} columns but only {n_pos} rows with a positive weight: at most {n_pos} "
                    f"coefficients can be estimated and the other {p - n_pos} are set to NA"))
    if family.fixed_dispersion:
        return out
    rank = int(state.kept.sum())
    response = (shared or _SharedRange(source))()
    constant = response.n > 0 and response.low == response.high
    what = f"the response {shown(frame.response_name)} is constant ({response.low:g} in every row)" if constant else ""
    # the likelihood's dispersion is the deviance over n, whose exact value is 0 here (the log-likelihood +inf):
    # its log is that of rounding noise, in R's AIC too
    noise = ("; the log-likelihood, AIC and BIC, whose dispersion is taken from the deviance, are rounding noise too"
             if family.has_likelihood else "")
    if n_pos - rank <= 0:
        out.append((PerfectFitWarning,
                    f"no residual degrees of freedom ({n_pos} rows, {rank} coefficients): the dispersion cannot "
                    "be estimated, so standard errors, test statistics and p-values are NaN"
                    + (f"; {what}" if what else "") + noise))
        return out
    worst = _exact_fit(source, family, state, response.mean_abs)
    if worst is not None:
        lead = what or "the model reproduces the response exactly"
        out.append((PerfectFitWarning,
                    f"essentially perfect fit: {lead} (largest relative residual {worst:.2g}), so the estimated "
                    "dispersion is rounding noise and the standard errors, test statistics and p-values are "
                    "meaningless" + noise))
    return out
