"""Separation in streamed rows (and in large designs): the direction the fit diverges along, checked against every
row block by block.

In memory, a linear program over the rows finds a separating direction (:func:`~glmstat.diagnosis.explain.
detect_separation`, :func:`~glmstat.diagnosis.separation.detect_zero_separation`).  Streamed rows (a Parquet
file, a dask DataFrame) are never all in memory, so no linear program can run over them; nor does one run
over an in-memory design beyond ``separation.LP_MAX_CELLS`` cells, which it would expand.  But a fit that
separates diverges along a separating direction, and the next Fisher-scoring step from its estimate points
along it: it moves the separated rows' linear predictors by about 1 and the others' by rounding noise.  That
step, with the components that move no linear predictor by more than a small fraction of the largest one
(``SUPPORT_TOLS``) set to 0, is the candidate d.  One pass over the blocks then checks that it separates:

* binomial: x_i'd >= 0 for every success, x_i'd <= 0 for every failure, x_i'd = 0 for rows with both;
* counts (the means of some rows with y = 0 tend to 0): x_i'd = 0 for every row with y > 0 and x_i'd <= 0
  for every row with y = 0,

where "= 0" means |x_i'd| <= ``ZERO_TOL`` sum_j |d_j| max_i |x_ij| (rounding next to the terms' size), with
some row strictly away from 0.  Where the finite coefficients still settle, the step moves the rows it should leave
alone by more than that: it is then also tried projected onto the directions that move none of them
(``STILL_ROWS``), and, within those directions, as the one that moves the rows furthest towards their outcomes
(memory's linear program with the rows' sides left out; the step there can turn against rows whose clamped means
left it to rounding).  A binomial direction that separates is then read as that one of the directions that leave the
same rows still, where it separates too: memory's, which names the same columns.  A candidate that fails is not
reported: the convergence and boundary warnings still are.  The same pass gathers what the message needs: for each
column of d, its range on either side (a binomial response separated by one predictor is described by its threshold,
as in memory) and, for counts, whether the separated rows are exactly one level of a factor (or its reference level),
and the positions of the first of them (named by their labels otherwise, as in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import Callable

import numpy as np
import pandas as pd

from .._arguments import counted
from .._scipy import optimize
from ..design.sources import fold
from .explain import (LP_MOVED, LP_ROUNDS, ROWS_NAMED, FactorContrasts, SeparationInfo, ZeroCountSeparation,
                      coded_by_contrasts, contrast_levels_text, indicator_text, levels_or_combination, levels_text,
                      one_column_text, row_labels_text, zero_side_text)

__all__ = ["streamed_separation", "SUPPORT_TOLS", "ZERO_TOL"]

#: Components of the step that move the linear predictor by less than this fraction of the largest one's
#: move are taken for noise: first the larger cut (the finite coefficients still settle by about the fitted
#: means of the separated rows, 1e-6 to 1e-11 when the fit stops), then, should that d not separate, the smaller.
SUPPORT_TOLS = (1e-3, 1e-7)
#: |x_i'd| below this fraction of sum_j |d_j| max_i |x_ij| counts as 0 (the last candidate: LOOSE_ZERO_TOL).
ZERO_TOL = 1e-9
LOOSE_ZERO_TOL = 1e-7
#: Where no cut of the step separates, the rows it moves by at most one of these fractions of its largest move are
#: taken for the rows it must leave alone, and the step is projected onto the directions that move none of them (the
#: null space of their X'X, eigenvalues below ``NULL_EIGEN_TOL`` of the largest, on columns scaled to a largest
#: |x| of 1): the finite coefficients still settling move those rows by more than the zero test allows (a
#: quasibinomial cloglog fit with two groups of rows of 0 separated, where memory's linear program finds the
#: direction: at the exact fit's last iteration they move by 7.2e-6 of the separated rows' move, at R's 25th by
#: 6.8e-3; and one with two g1:g2 cells of 0s, whose rows R's 25th step moves by 0.34 to 0.37 while the
#: finite coefficients, still far from settled, move the others by up to 0.041: 11% of the largest move).
STILL_ROWS = (1e-3, 1e-2, 1e-1)
NULL_EIGEN_TOL = 1e-11


@dataclass(frozen=True)
class _Tally:
    """One pass's counts for a candidate d and, per column of d (its ``support``), the ranges of its values."""

    violations: int  # rows on the wrong side of d (or off it where x'd must be 0)
    strict: int  # rows that d moves (x'd strictly away from 0)
    flat_sided: int  # rows of 0 or 1 (counts: of 0) with x'd = 0: the separation is then not complete
    both: int  # binomial: rows with successes and failures; counts: rows with y > 0
    hi_min: np.ndarray  # per support column: min over the successes (counts: over the separated rows)
    hi_max: np.ndarray
    lo_min: np.ndarray  # ... over the failures (counts: over the other rows)
    lo_max: np.ndarray
    binary: np.ndarray  # per support column: every value is 0 or 1
    #: counts, per candidate description (see :func:`_descriptions`): its columns are 0/1, and the rows
    #: where its indicator differs from "separated"
    desc_binary: np.ndarray
    desc_mismatch: np.ndarray
    n: int = 0  # rows seen
    #: counts: the positions among the rows seen of the first separated rows (the message names them)
    first: tuple[int, ...] = ()

    def merge(self, o: "_Tally") -> "_Tally":
        first = (self.first + tuple(self.n + i for i in o.first))[:ROWS_NAMED]
        return _Tally(self.violations + o.violations, self.strict + o.strict, self.flat_sided + o.flat_sided,
                      self.both + o.both, np.minimum(self.hi_min, o.hi_min), np.maximum(self.hi_max, o.hi_max),
                      np.minimum(self.lo_min, o.lo_min), np.maximum(self.lo_max, o.lo_max), self.binary & o.binary,
                      self.desc_binary & o.desc_binary, self.desc_mismatch + o.desc_mismatch, self.n + o.n, first)


def _empty(k: int, m: int) -> _Tally:
    inf = np.full(k, np.inf)
    return _Tally(0, 0, 0, 0, inf, -inf, inf.copy(), -inf.copy(), np.ones(k, dtype=bool), np.ones(m, dtype=bool),
                  np.zeros(m, dtype=np.int64))


def _range(x: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    v = x[rows]
    return (float(v.min()), float(v.max())) if v.size else (np.inf, -np.inf)


def _block_tally(blk, d: np.ndarray, support: np.ndarray, binomial: bool, tol: float,
                 descriptions: tuple[tuple[str, str, tuple[int, ...]], ...]) -> _Tally:
    used = blk.weights > 0
    t = blk.X.matvec(d)
    up, down, flat = t > tol, t < -tol, np.abs(t) <= tol
    if binomial:
        hi, lo = used & (blk.y >= 1), used & (blk.y <= 0)
        both = used & ~hi & ~lo
        violations = np.count_nonzero(hi & down) + np.count_nonzero(lo & up) + np.count_nonzero(both & ~flat)
        strict = np.count_nonzero((hi | lo) & ~flat)
        flat_sided = np.count_nonzero((hi | lo) & flat)
    else:
        both = used & (blk.y > 0)
        zero = used & (blk.y == 0)
        violations = np.count_nonzero(both & ~flat) + np.count_nonzero(zero & up)
        hi, lo = zero & down, used & ~(zero & down)  # the separated rows, and the others
        strict, flat_sided = np.count_nonzero(hi), np.count_nonzero(zero & flat)
    k = support.size
    ranges = [np.empty(k) for _ in range(4)]
    binary = np.ones(k, dtype=bool)
    for i, j in enumerate(support):
        x = blk.X.column(j)
        (ranges[0][i], ranges[1][i]), (ranges[2][i], ranges[3][i]) = _range(x, hi), _range(x, lo)
        xu = x[used]
        binary[i] = bool(np.all((xu == 0) | (xu == 1)))
    m = len(descriptions)
    desc_binary, desc_mismatch = np.ones(m, dtype=bool), np.zeros(m, dtype=np.int64)
    separated = hi[used]
    any_one = None  # rows with a 1 in one of the term's columns so far (one column in memory at a time)
    for i, (kind, _, cols) in enumerate(descriptions):
        if kind == "level":
            x = blk.X.column(cols[0])[used]
            one = x == 1
            desc_binary[i] = bool(np.all(one | (x == 0)))
            desc_mismatch[i] = np.count_nonzero(one != separated)
            any_one = one if any_one is None else any_one | one
        elif kind == "reference":  # the reference level of the term whose levels came just before
            desc_binary[i] = bool(desc_binary[i - len(cols):i].all())
            desc_mismatch[i] = np.count_nonzero(any_one == separated)  # (the reference rows: no 1 anywhere)
            any_one = None
        else:  # "levels": the rows of any of several levels (columns of one term, described just before)
            some = np.zeros(separated.shape[0], dtype=bool)
            for j in cols:
                x = blk.X.column(j)[used]
                desc_binary[i] &= bool(np.all((x == 1) | (x == 0)))
                some |= x == 1
            desc_mismatch[i] = np.count_nonzero(some != separated)
    first = () if binomial else tuple(np.flatnonzero(hi)[:ROWS_NAMED].tolist())
    return _Tally(int(violations), int(strict), int(flat_sided), int(np.count_nonzero(both)), *ranges, binary,
                  desc_binary, desc_mismatch, int(used.shape[0]), first)


def _descriptions(support: np.ndarray, names: list[str], terms: tuple[tuple[str, tuple[int, ...]], ...],
                  intercept: str | None) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """What may describe the separated rows of a count response, in memory's order: for each term with a
    column in d, each of its columns ("every row with g[T.c] = 1") and its reference level ("every row at
    the reference level of g")."""
    inside = set(support.tolist())
    out = []
    for label, cols in terms:
        if label == intercept or not cols or not inside.intersection(cols):
            continue
        out.extend(("level", names[j], (j,)) for j in cols)
        out.append(("reference", label, tuple(cols)))
        some = tuple(j for j in cols if j in inside)
        if len(some) > 1:
            out.append(("levels", label, some))
    return tuple(out)


def _column_abs_max(blk) -> np.ndarray:
    return blk.X.column_abs_max()


def streamed_separation(source, binomial: bool, kept: np.ndarray, step: np.ndarray, names: list[str],
                        terms: tuple[tuple[str, tuple[int, ...]], ...], response: str,
                        intercept: str | None, factors: tuple[FactorContrasts, ...] = (),
                        estimate: np.ndarray | None = None,
                        rows_used: Callable[[], pd.Index] | None = None,
                        earlier: np.ndarray | None = None) -> SeparationInfo | None:
    """The separation a diverging fit of streamed rows shows, checked over the rows (a pass for the columns'
    scales, one per cut of the direction tried); None when neither the next Fisher-scoring ``step`` from the
    estimate, the ``estimate`` itself nor an ``earlier`` step separates.

    ``binomial``: a binomial response (else counts whose means tend to 0); ``kept``: the columns not aliased;
    ``terms``: (label, columns) of each term, to describe the separated rows of counts; ``factors``: the terms
    coded by contrasts, whose levels may describe them.  The estimate is the direction tried when the fit has
    run so far along the separating direction (coefficients of 1e15) that the step is rounding noise.
    ``rows_used()``: the labels of the rows in the blocks' order, to name separated rows of counts that no
    level describes (as in memory).  ``earlier``: a step the fit took on its way down, tried last (0 in the columns
    not kept then, which may be kept now), for a fit that left the separating direction
    (``separation._step_into_lowest``).
    """
    scale = fold(source, _column_abs_max, np.maximum, np.zeros(kept.size))
    # the rows' sum of their columns signed by their outcomes (a pass, when first needed)
    toward = cache(lambda: fold(source, partial(_block_toward, binomial=binomial), _summed, (np.zeros(kept.size), 0)))
    found = None
    for direction, kept_then in ((step, kept), (estimate, kept), (earlier, np.ones_like(kept))):
        if direction is not None and found is None:
            found = _check(source, binomial, np.where(kept_then & np.isfinite(direction), direction, 0.0), scale,
                           names, terms, intercept)
    if found is None and step is not None:
        direction = np.where(kept & np.isfinite(step), step, 0.0)
        largest = fold(source, partial(_block_move_max, d=direction), max, 0.0)
        # (the step projected, at every cut, before the box's direction within those directions: a cut that counts
        # rows the step barely moves as still can leave a separated group out of them, which the box cannot bring in)
        nulls = [null for cut in (STILL_ROWS if largest > 0 else ())
                 if (null := _still_null_space(source, direction, scale, kept, cut * largest)) is not None]
        for null in nulls:
            found = _check(source, binomial, _projected(direction, null, scale, kept), scale, names, terms, intercept)
            if found is not None:
                break
        for null in nulls if found is None else ():
            boxed = _box_direction(source, binomial, null, scale, kept, toward())
            found = None if boxed is None else _check(source, binomial, boxed, scale, names, terms, intercept)
            if found is not None:
                break
    if found is not None and binomial:  # (memory's program for counts is another: as many rows moved as it can)
        found = _memory_s_direction(source, found, scale, kept, toward, names, terms, intercept)
    if found is None:
        return None
    d, support, tally, described = found
    rel = d[support] / np.abs(d[support]).max()
    cols = tuple(names[j] for j in support)
    complete = not tally.both and not tally.flat_sided  # every row is moved by d (counts: every row is a 0)
    text = contrast_levels_text(d, names, coded_by_contrasts(factors), intercept, response) or (
        (_binomial_text(tally, support, d, names, response, intercept)
         or levels_or_combination(d, names, factors, intercept, response, support)) if binomial
        else _count_text(tally, described, response, names, rows_used))
    return (SeparationInfo if binomial else ZeroCountSeparation)(complete, cols, tuple(float(v) for v in rel), text)


def _memory_s_direction(source, found: tuple, scale: np.ndarray, kept: np.ndarray,
                        toward: Callable[[], tuple[np.ndarray, int]], names: list[str],
                        terms: tuple[tuple[str, tuple[int, ...]], ...], intercept: str | None) -> tuple:
    """The direction memory's linear program names, where the rows it moves are the rows the separating direction
    ``found`` (:func:`_check`'s answer) moves: within the directions that move none of the rows ``found`` leaves
    still, the one that moves the rows furthest towards their outcomes over the box (:func:`_box_direction`), when it
    separates (a pass to check); ``found`` itself otherwise, or where it leaves no row still.

    A separating direction is one of a cone, and which one a fit's step points along is its trajectory's (from a
    Parquet file in row groups of 8 a log-link fit with a level of failures named -Intercept + 0.047*x2 + ..., where
    memory's linear program names -Intercept - 0.0516*x2 + ...); this one is the linear program's first optimum
    whenever that optimum moves the same rows (its sides then hold at the box's optimum, which the check confirms)."""
    d = found[0]
    null = _still_null_space(source, d, scale, kept, LOOSE_ZERO_TOL * float((np.abs(d) * scale).sum()))
    boxed = None if null is None else _box_direction(source, True, null, scale, kept, toward())
    again = None if boxed is None else _check(source, True, boxed, scale, names, terms, intercept)
    # (not one that moves fewer rows: memory's rounds move every row some direction moves)
    return found if again is None or again[2].strict < found[2].strict else again


def _block_move_max(blk, d: np.ndarray) -> float:
    return float(np.max(np.abs(blk.X.matvec(d)[blk.weights > 0]), initial=0.0))


def _block_still_gram(blk, d: np.ndarray, cut: float) -> np.ndarray:
    still = (blk.weights > 0) & (np.abs(blk.X.matvec(d)) <= cut)
    return blk.X.gram(still.astype(float))


def _still_null_space(source, direction: np.ndarray, scale: np.ndarray, kept: np.ndarray,
                      cut: float) -> np.ndarray | None:
    """An orthonormal basis (columns; coordinates of the kept columns scaled to a largest |x| of 1) of the directions
    that move none of the rows ``direction`` (0 off ``kept``) moves by at most ``cut`` (a pass); None when no such
    direction is left, or no row is that still."""
    gram = fold(source, partial(_block_still_gram, d=direction, cut=cut), np.add,
                np.zeros((direction.size, direction.size)))
    s = _kept_scale(scale, kept)
    values, vectors = np.linalg.eigh(gram[np.ix_(kept, kept)] / np.outer(s, s))
    null = vectors[:, values <= NULL_EIGEN_TOL * max(values.max(initial=0.0), 0.0)]
    if not values.max(initial=0.0) > 0 or null.shape[1] == 0:
        return None
    return null


def _kept_scale(scale: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """The kept columns' largest |x| (1 for a column of zeros): the scaled coordinates' units."""
    return np.where(scale > 0, scale, 1.0)[kept]


def _projected(direction: np.ndarray, null: np.ndarray, scale: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``direction`` projected, within the kept columns, onto the span of ``null`` (:func:`_still_null_space`)."""
    s = _kept_scale(scale, kept)
    out = np.zeros_like(direction)
    out[kept] = null @ (null.T @ (direction[kept] * s)) / s
    return out


def _block_toward(blk, binomial: bool, d: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """sum_i s_i x_i over the block's rows (s_i = 1 for a success, -1 for a failure or a count of 0, else 0) and
    their number; with ``d``, over the rows that d does not move towards their outcomes (s_i x_i'd <= ``LP_MOVED``)."""
    used = blk.weights > 0
    if binomial:
        sign = np.where(used & (blk.y >= 1), 1.0, 0.0) - np.where(used & (blk.y <= 0), 1.0, 0.0)
    else:
        sign = -np.where(used & (blk.y == 0), 1.0, 0.0)
    if d is not None:
        sign = np.where(sign * blk.X.matvec(d) <= LP_MOVED, sign, 0.0)
    return blk.X.rmatvec(sign), int(np.count_nonzero(sign))


def _summed(a: tuple[np.ndarray, int], b: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    return a[0] + b[0], a[1] + b[1]


def _box_direction(source, binomial: bool, null: np.ndarray, scale: np.ndarray, kept: np.ndarray,
                   toward: tuple[np.ndarray, int]) -> np.ndarray | None:
    """Within the span of ``null`` (:func:`_still_null_space`), the direction that moves the rows furthest towards
    their outcomes, sum_i s_i x_i'd (``toward``: sum_i s_i x_i and the number of rows, s_i = 1 for a success, -1 for
    a failure or a count of 0), over the box |d_j| max_i |x_ij| <= 1; then, as in memory, that of the rows it has
    not moved yet added (a pass a round, at most ``LP_ROUNDS``): the in-memory linear program's direction with the
    rows' sides left out, which the pass that checks it then holds to.  None where no direction there moves the rows
    that way.

    Where the rows the step moves are clamped at the edge, their working weights vanish and the step within their
    directions is the rounding of a solve that only their last unclamped rows fix: it can turn against some of them
    (a log-link binomial level of failures, 7 of 8 rows at 2.2e-16: the step moves them by 0.729 - 0.0745*x2, across
    0 over the level's x2), while its span still holds the separating direction."""
    s = _kept_scale(scale, kept)
    k = null.shape[1]
    total = None  # in the scaled coordinates, as memory's
    for _ in range(LP_ROUNDS):
        if total is not None:
            toward = fold(source, partial(_block_toward, binomial=binomial, d=_unscaled(total, s, kept)), _summed,
                          (np.zeros(kept.size), 0))
        rest = toward[1]
        gain = null.T @ (toward[0][kept] / s)
        if not rest:
            break
        res = optimize.linprog(-gain, A_ub=np.vstack([null, -null]), b_ub=np.ones(2 * null.shape[0]),
                               bounds=[(None, None)] * k, method="highs")
        if res.status != 0 or -res.fun <= 1e-7 * max(1, rest) ** 0.5:
            break
        step = null @ res.x
        if not np.abs(step).max() > 0:
            break
        step /= np.abs(step).max()
        total = step if total is None else total + step
    # (the rows' sides left out, a round can undo the last: nothing is left then)
    if total is None or not np.abs(total).max() > 0:
        return None
    return _unscaled(total / np.abs(total).max(), s, kept)


def _unscaled(d: np.ndarray, s: np.ndarray, kept: np.ndarray) -> np.ndarray:
    out = np.zeros(kept.size)
    out[kept] = d / s
    return out


def _check(source, binomial: bool, direction: np.ndarray, scale: np.ndarray, names: list[str],
           terms: tuple[tuple[str, tuple[int, ...]], ...], intercept: str | None) -> tuple | None:
    """(d, its support, the pass's tally, the descriptions tried) for the first cut of ``direction`` that
    separates, else None."""
    move = np.abs(direction) * scale
    if not move.max(initial=0.0) > 0:
        return None
    # each cut of the step, then the whole step read through the smallest cut's columns: columns that combine
    # one factor's levels (sum contrasts) cancel on a level only all together, so without their small components
    # a level the fit keeps finite moves by as much as those (the rows moved are then the whole step's; the
    # columns named, the cut's)
    # (and last the whole step with a looser zero: a cloglog step towards means of 1 shrinks like exp(-eta), so
    # that the rows it keeps still move by rounding, 5e-8 of the separated rows' move)
    d = direction
    for cut, zero in (*((c, ZERO_TOL) for c in SUPPORT_TOLS), (0.0, ZERO_TOL), (0.0, LOOSE_ZERO_TOL)):
        moving = np.where(move < cut * move.max(), 0.0, direction)
        if cut:
            d = moving
        support = np.flatnonzero(d)
        tol = zero * float((np.abs(moving) * scale).sum())
        described = () if binomial else _descriptions(support, names, terms, intercept)
        tally = fold(source, partial(_block_tally, d=moving, support=support, binomial=binomial, tol=tol,
                                     descriptions=described), _Tally.merge, _empty(support.size, len(described)))
        if not tally.violations and tally.strict:
            return d, support, tally, described
    return None


def _binomial_text(tally: _Tally, support: np.ndarray, d: np.ndarray, names: list[str], response: str,
                   intercept: str | None) -> str | None:
    """In memory's words: by the one predictor of d, else by a column of d that separates by itself (with
    the intercept); None otherwise (:func:`~glmstat.diagnosis.explain.levels_or_combination` then)."""
    own = [i for i, j in enumerate(support) if names[j] != intercept]
    if len(own) == 1:
        i = own[0]
        zero_side = bool(tally.binary[i]) and zero_side_text(
            names[support[i]], response, sum(d[j] for j in support if names[j] == intercept), d[support[i]])
        if zero_side:
            return zero_side
        positive = bool(d[support[i]] > 0)
        return _threshold(tally, i, names[support[i]], response, positive)
    if len(own) == len(support) > 1 and not tally.both and tally.binary.all():
        # 0/1 columns whose rows with a 1 are all on d's side (the failures' max of a column of d > 0 is 0)
        ones = [i for i in own if d[support[i]] > 0]
        zeros = [i for i in own if d[support[i]] < 0]
        if all(tally.lo_max[i] <= 0 for i in ones) and all(tally.hi_max[i] <= 0 for i in zeros):
            return indicator_text([names[support[i]] for i in ones], [names[support[i]] for i in zeros], response)
    if not tally.both:
        for i in own:  # a single column whose ranges on the two sides do not overlap
            if tally.lo_max[i] < tally.hi_min[i]:
                return _threshold(tally, i, names[support[i]], response, True)
            if tally.hi_max[i] < tally.lo_min[i]:
                return _threshold(tally, i, names[support[i]], response, False)
    return None


def _threshold(tally: _Tally, i: int, name: str, response: str, positive: bool) -> str:
    t_hi, t_lo = (tally.hi_min[i], tally.lo_max[i]) if positive else (tally.lo_min[i], tally.hi_max[i])
    # (every row a success or a failure, and both seen: a column's range is finite on a side that has rows)
    sided = not tally.both and bool(np.isfinite([tally.hi_min[i], tally.lo_min[i]]).all())
    return one_column_text(name, response, positive, bool(tally.binary[i]), t_hi, t_lo, sided)


def _count_text(tally: _Tally, described: tuple[tuple[str, str, tuple[int, ...]], ...], response: str,
                names: list[str], rows_used: Callable[[], pd.Index] | None = None) -> str:
    for (kind, label, cols), binary, mismatch in zip(described, tally.desc_binary, tally.desc_mismatch):
        if binary and mismatch == 0:
            if kind == "levels":
                return levels_text([names[j] for j in cols], response, "0")
            return (f"every row with {label} = 1 has {response} = 0" if kind == "level"
                    else f"every row at the reference level of {label} has {response} = 0")
    if rows_used is None:
        return f"{counted(tally.strict, 'row')} with {response} = 0 can be fitted exactly (their means tend to 0)"
    labels = row_labels_text(rows_used()[list(tally.first)], tally.strict)
    which = "row" if tally.strict == 1 else "rows"
    return f"{counted(tally.strict, 'row')} with {response} = 0 ({which} {labels}) can be fitted exactly"
