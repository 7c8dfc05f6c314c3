"""Separation: some maximum-likelihood estimates are infinite (and a binomial or count response that is 0 or 1
in every row, :class:`ConstantResponse`, where none is identified).

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
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from .._scipy import optimize, sparse
from ..design.dense import DenseDesign
from ..design.sources import fold
from ..engine.edges import hard_edges as _hard_edges
from ..engine.fit_state import Control
from ..errors import GLMStatError
from ..engine.irls import irls
from ..engine.step_size import DRIFT_TOL
from ..engine.trajectory import went_away
from ..formula.deparse import deparse
from ..formula.nodes import Name
from ..formula.values import label_text
from .explain import (FactorContrasts, SeparationInfo, ZeroCountSeparation, coded_by_contrasts,
                      contrast_levels_text, detect_separation, levels_text, separable_without)
from .fitted_rows import row_labels
from .newton_check import NewtonCheck, newton_check
from .response_range import ResponseRange, SharedRange
from .streamed_separation import streamed_separation

if TYPE_CHECKING:
    from ..design.sources import Block, DesignSource, InMemorySource
    from ..engine.fit_state import FitState
    from ..families import Family
    from ..formula.frame import ModelFrame

__all__ = ["ConstantResponse", "ZeroCountSeparation", "separation_possible", "find_separation", "needed_to_separate",
           "separated_response", "detect_zero_separation", "contrast_factors", "LP_MAX_CELLS"]


@dataclass(frozen=True)
class ConstantResponse(SeparationInfo):
    """A binomial or count response at the boundary (all 0, or all 1) in every row."""

    def message(self, response: str, quasi: bool = False) -> str:
        return (
            f"{self.explanation}: the maximum-likelihood estimate does not exist (the linear predictor diverges) "
            f"and no coefficient is identified, so every estimate, standard error and p-value is meaningless; "
            f"there is nothing to model"
        )


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
    return f"{S.sum()} rows with {resp} = {value} (rows {row_labels(frame, idx)}) can be fitted exactly"


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


def _zero_separation_possible(family: "Family") -> bool:
    """Counts (a response that can be 0) with a link whose inverse tends to 0 as eta -> -infinity (log) or
    +infinity (negative powers such as Tweedie's default mu^(1 - p))."""
    dom = family.y_domain
    if family.binomial_response or dom.low != 0 or dom.low_open:
        return False
    with np.errstate(all="ignore"):
        ends = family.link.inverse(np.array([-1e8, 1e8]))
    return bool(np.any((ends >= 0) & (ends < 1e-6)))


def _all_same(frame: "ModelFrame", response: ResponseRange, kept: np.ndarray,
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
                    shared: SharedRange | None = None, n_boundary: int | None = None) -> SeparationInfo | None:
    """Separation of a binomial or count response, when the fit looks divergent; None otherwise.

    In memory the separating direction comes from a linear program over the rows; streamed rows are never all
    in memory, so there the direction the fit diverges along (the next step, ``check.step``) is checked to
    separate in a pass over the blocks (:mod:`glmstat.diagnosis.streamed_separation`), and where none of the fit's
    own directions does and it went away from its lowest deviance, those of the exact fit from there
    (:func:`_separation_from_lowest`).  ``shared``: the response range of the other checks of the same fit (one
    pass for all); ``n_boundary``: the fitted means on an edge that count
    (:func:`~glmstat.diagnosis.fitted_rows.boundary_rows`; ``state.n_boundary`` if None)."""
    if not separation_possible(family):
        return None
    # (a response at an edge the link reaches at a finite linear predictor is fitted there, not diverging: every
    # probability 1 with the log link is eta = 0)
    reached = tuple(_hard_edges(family))
    same = _all_same(frame, (shared or SharedRange(source))(), state.kept,
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
                            factors: tuple[FactorContrasts, ...], shared: "SharedRange | None"
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
