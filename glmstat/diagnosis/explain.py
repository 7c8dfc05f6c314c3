"""Explaining degenerate fits: which column is aliased with what, and which predictors separate.

R says "not defined because of singularities" and "fitted probabilities numerically 0 or 1 occurred";
glmstat names the culprits.

* Aliasing: an aliased column x_j is an exact linear combination of earlier kept columns; the combination
  is the least-squares solution c of X_K c = x_j, reported as ``score = 50 + 5 * hours``.
* Separation (binomial): the maximum-likelihood estimate does not exist when some direction d satisfies
  x_i'd >= 0 for every success, x_i'd <= 0 for every failure and x_i'd = 0 for rows with both, with at
  least one strict inequality (Albert & Anderson 1984).  Such a d is found with a linear program
  (maximise sum_i s_i x_i'd over the box |d_j| <= 1, s_i = +1 for successes, -1 for failures), repeated for
  the rows it left unmoved until no direction moves another (separating directions add up, so the rows moved
  are every row that can be separated); the coefficients with d_j != 0 diverge to +/- infinity.
* Either kind along the levels of a factor coded by contrasts (sum, Helmert, polynomial) is said by the levels
  (:func:`contrast_levels_text`): no column of such a factor is one level's indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Sequence

import numpy as np

from .._arguments import shown, shown_row
from ..design.sources import fold
from .._scipy import linalg as sla
from .._scipy import optimize

from ..design.base import Design
from ..engine.threads import single_threaded

__all__ = ["NAME_WIDTH", "cut_name", "AliasInfo", "SeparationInfo", "ZeroCountSeparation", "FactorContrasts",
           "explain_aliasing", "separable_without",
           "detect_separation", "one_column_text", "zero_side_text", "combination_text", "contrast_levels_text",
           "coded_by_contrasts",
           "levels_or_combination", "ROWS_NAMED", "row_labels_text", "LP_ROUNDS", "LP_MOVED"]


def _num(x: float) -> str:
    return f"{x:.6g}"


#: A relation names at most this many columns in its text (the rest are counted; ``terms`` keeps them all):
#: an interaction with empty cells can make one column the sum of a thousand others.
MAX_RELATION_TERMS = 8


#: Characters of a name that a warning quotes (a column named by a file's header may be a megabyte long, and the
#: aliasing and separation warnings quoted it several times); ``fit.aliasing`` and ``fit.separation`` keep names whole
NAME_WIDTH = 60


def cut_name(text: str, width: int = NAME_WIDTH) -> str:
    """``text`` cut to ``width`` characters, ``...`` marking the cut."""
    return text if len(text) <= width else text[:width] + "..."


_cut = cut_name


@dataclass(frozen=True)
class AliasInfo:
    """Column ``column`` equals ``constant + sum(coef * term)`` over earlier columns ``terms``."""

    column: str
    terms: tuple[str, ...]
    coefficients: tuple[float, ...]
    constant: float
    all_zero: bool = False
    #: (with ``all_zero``) the column is not zero in some row, but those rows all have weight 0
    weight_zero: bool = False
    #: (a relation) it holds in the rows of positive weight only: some row of weight 0 breaks it
    positive_weight_only: bool = False
    #: no relation holds in the data (the least-squares one leaves a residual): the column is aliased only under
    #: the fit's working weights, which vanish or span too many orders of magnitude where the estimate ran to
    weights_only: bool = False

    @property
    def relation(self) -> str:
        """The relation as text, e.g. ``score = 50 + 5 * hours``."""
        return self.relation_text()

    def relation_text(self, width: int | None = None) -> str:
        """The relation as text, each column's name cut to ``width`` characters (None: whole), as the aliasing
        warning quotes it: a column named by a file's header may be a megabyte long, and the warning repeated it
        whole."""
        text = self._equation(width)
        if self.positive_weight_only:
            return f"{text} (in the rows with a positive weight; some rows of weight 0 break it)"
        return text

    def _equation(self, width: int | None) -> str:
        def name(text: str) -> str:
            return text if width is None else cut_name(text, width)

        column = name(self.column)
        if self.weights_only:
            return (f"{column} is aliased only under the fit's working weights, not in the data (no "
                    f"combination of the earlier columns gives it): the weights vanish, or span too many orders "
                    f"of magnitude, where the estimate ran to")
        if self.all_zero and self.weight_zero:
            return f"{column} is zero in every row used with a positive weight (its other rows have weight 0)"
        if self.all_zero:
            return f"{column} is zero in every row used (an empty cell or an unused level)"
        parts = [] if self.constant == 0 else [_num(self.constant)]
        for t, c in zip(self.terms[:MAX_RELATION_TERMS], self.coefficients):
            sign = "-" if c < 0 else "+"
            mag = "" if abs(c) == 1 else f"{_num(abs(c))} * "
            parts.append(f"{sign} {mag}{name(t)}")
        if not parts:
            return f"{column} = 0"
        more = len(self.terms) - MAX_RELATION_TERMS
        if more > 0:
            parts.append(f"+ ... ({more} more columns)")
        text = " ".join(parts)
        if text.startswith("+ "):
            text = text[2:]
        elif text.startswith("- "):
            text = "-" + text[2:]
        return f"{column} = {text}"

    def __str__(self) -> str:
        return self.relation


def _tidy(c: float, scale: float) -> float:
    """Round away floating-point noise: 4.9999999999 -> 5, 1e-15 -> 0."""
    if abs(c) * scale < 1e-9:
        return 0.0
    r = float(f"{c:.10g}")
    return r if r != 0 else 0.0


def _kept_rows(G: np.ndarray, idx_kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G's rows of the kept columns, k x p; G's diagonal): all the relations read of a Gram matrix G."""
    return G[idx_kept], np.diag(G).copy()


def _dense_rows_gram(D: np.ndarray, w: np.ndarray, idx_kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_kept_rows` of D'WD from the rows D themselves: (D_K' W D, the squared columns' weighted sums),
    O(n k p) where D'WD is O(n p^2)."""
    return (D[:, idx_kept] * w[:, None]).T @ D, (D * D).T @ w


def _block_gram(b, idx_kept: np.ndarray, rows_dense: bool) -> tuple:
    """A block's X'X over its rows of positive weight (those the fit's aliasing is decided on), max |x_ij| per
    column over every row, sum |x_ij| per column over the rows of positive weight, and X'X over its rows of
    weight 0 (0.0 when it has none: most blocks), where a relation may fail -- each X'X as its rows of the kept
    columns and its diagonal (:func:`_kept_rows`).  ``rows_dense``: from the block's rows made dense, for a design
    wider than its rows (4,680 columns on 200 rows, 200 kept: X'X of every column took a second and 175 MB)."""
    pos = (b.weights > 0).astype(float)
    if rows_dense:
        D = b.X.toarray()  # (n x p, fewer cells than the p x p X'X it replaces)

        def part(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _dense_rows_gram(D, w, idx_kept)
    else:
        def part(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return _kept_rows(b.X.gram(w), idx_kept)
    zero = part(1.0 - pos) if b.n_positive < pos.shape[0] else 0.0
    return part(pos), b.X.column_abs_max(), b.X.abs_rmatvec(pos), zero


def _add_parts(a, b):
    """The sum of two (rows, diagonal) parts, either of which may be 0.0 (no rows)."""
    if np.isscalar(a):
        return b
    if np.isscalar(b):
        return a
    return a[0] + b[0], a[1] + b[1]


def _merge_gram(a: tuple, b: tuple) -> tuple:
    return _add_parts(a[0], b[0]), np.maximum(a[1], b[1]), a[2] + b[2], _add_parts(a[3], b[3])


#: A relation whose residual over the rows of weight 0 exceeds this fraction of the size of its terms there
#: fails in those rows (rounding leaves ~1e-8 of it: the residual's square comes from the Gram matrix)
_BROKEN = 1e-6
#: ... and one whose residual over the rows of positive weight exceeds this fraction holds nowhere in the data,
#: far beyond R's aliasing tolerance (1e-7 of the column) and the rounding of the Gram matrix
_NOT_IN_DATA = 1e-4


def _breaks_test(G, idx_kept: np.ndarray):
    """A function (j, m, c, cut) -> whether x_j = X_E c fails in the rows whose Gram matrix is ``G`` (0.0: no such
    rows, and no function; else its rows of the kept columns and its diagonal, :func:`_kept_rows`), E the first m
    kept columns: ||x_j - X_E c||^2 over them against ``cut``^2 times the size (||x_j|| + sum |c_k| ||x_k||)^2 of
    its terms.  (The kept columns' block and the columns' norms taken once, not for every aliased column.)"""
    if np.isscalar(G):
        return None
    rows, diag = G
    K = rows[:, idx_kept]
    norm = np.sqrt(np.maximum(diag, 0.0))

    def breaks(j: int, m: int, c: np.ndarray, cut: float) -> bool:
        r2 = diag[j] - 2.0 * c @ rows[:m, j] + c @ K[:m, :m] @ c
        size = (norm[j] + np.abs(c) @ norm[idx_kept[:m]]) ** 2
        return bool(size > 0 and r2 > cut ** 2 * size)

    return breaks


def _earlier_solver(K: np.ndarray, d: np.ndarray):
    """A function m, g -> c solving (X_E'X_E) c = g for the first m kept columns E, from one Cholesky factor
    of the kept columns' scaled Gram matrix ``K`` (their d-scaled X'X would be K / outer(d, d)): the factor of a
    leading block is the leading block of the factor, so every aliased column costs two triangular solves, not a
    factorisation of its own (a factor duplicating another one's L levels has L - 1 aliased columns: L SVDs took
    37 s at L = 300).  None when the kept columns are not numerically independent in the Gram matrix (each
    column then takes lstsq)."""
    potrf, trtrs = sla.lapack.get_lapack_funcs(("potrf", "trtrs"), (K,))
    R, info = potrf(K / np.outer(d, d), lower=False, clean=True)
    if info != 0:
        return None

    def solve(m: int, g: np.ndarray) -> np.ndarray | None:
        Rm = R[:m, :m]
        w, info1 = trtrs(Rm, g, lower=False, trans=1)  # R' w = g
        c, info2 = trtrs(Rm, w, lower=False, trans=0)  # R c = w
        return c if info1 == 0 and info2 == 0 and np.all(np.isfinite(c)) else None

    return solve


def _least_squares_by_block(rows: np.ndarray, idx_kept: np.ndarray, cols: np.ndarray, d: np.ndarray) -> dict:
    """The minimum-norm least-squares c of (X_E'X_E) c = X_E'x_j (scaled by ``d``) for each column j of
    ``cols``, E the kept columns before j (``rows``: X'X's rows of the kept columns): one solve per distinct E
    with every such column as a right-hand side (LAPACK's gelsd solves each the same way as alone).  Once the
    kept columns stop, every later aliased column has the same E: 300 of them took 300 SVDs of the same matrix
    (2.6 s, and 40 s with two BLAS threads on a loaded 2-core machine)."""
    n_earlier = np.searchsorted(idx_kept, cols)  # (the number of kept columns before each)
    out: dict = {}
    for m in np.unique(n_earlier[n_earlier > 0]):
        js = cols[n_earlier == m]
        E = idx_kept[:m]
        C, *_ = np.linalg.lstsq(rows[:m][:, E] / np.outer(d[E], d[E]), rows[:m][:, js] / d[E][:, None],
                                rcond=None)
        out.update(zip(js.tolist(), C.T))
    return out


@single_threaded  # (small solves: on a busy machine two BLAS threads spin on each, 100x slower)
def explain_aliasing(source, names: list[str], kept: np.ndarray, intercept: str | None) -> list[AliasInfo]:
    """The linear relation of each aliased column with the earlier kept columns: the least-squares c of
    X_E c = x_j, from the normal equations (X_E'X_E) c = X_E'x_j of the unweighted Gram matrix over the rows of
    positive weight (those the fit's aliasing is decided on: the relation need not hold in a row of weight 0;
    the kept columns are linearly independent there, so X_E'X_E is invertible), summed over the rows of
    ``source`` one block at a time -- no dense design needed (but for a design wider than its rows, whose
    blocks' rows are fewer cells than X'X).  Only X'X's rows of the kept columns are read, and its diagonal.
    The columns are scaled to unit diagonal first."""
    out = []
    idx_kept = np.flatnonzero(kept)
    p = len(names)
    part = partial(_block_gram, idx_kept=idx_kept, rows_dense=source.n_rows < p)
    (rows, diag), size, used, G0 = fold(source, part, _merge_gram,
                                        ((np.zeros((idx_kept.size, p)), np.zeros(p)), np.zeros(p), np.zeros(p), 0.0))
    G = rows, diag
    d = np.sqrt(diag)
    d[d == 0] = 1.0
    aliased = np.flatnonzero(~kept)
    solve = _earlier_solver(rows[:, idx_kept], d[idx_kept]) if aliased.size else None
    # without the factor, the columns with the same earlier kept columns share one least-squares solve
    solved = {} if solve is not None else _least_squares_by_block(rows, idx_kept, aliased[used[aliased] > 0], d)
    breaks_zero, breaks_positive = _breaks_test(G0, idx_kept), _breaks_test(G, idx_kept)
    at_intercept = names.index(intercept) if intercept in names else -1
    for j in aliased.tolist():
        m = int(np.searchsorted(idx_kept, j))
        earlier = idx_kept[:m]  # (the kept columns before j)
        if not used[j] > 0:
            out.append(AliasInfo(names[j], (), (), 0.0, all_zero=True, weight_zero=bool(size[j] > 0)))
            continue
        g = rows[:m, j] / d[earlier]
        if solve is None:
            c = solved.get(j)
        else:
            c = solve(m, g) if m else None
        if c is None:
            c, *_ = np.linalg.lstsq(rows[:m][:, earlier] / np.outer(d[earlier], d[earlier]), g, rcond=None)
        c = c / d[earlier]
        scale = size[earlier] / size[j]
        some = np.abs(c) * scale >= 1e-9  # (the rest are rounding: _tidy makes them 0)
        const, terms, coefs = 0.0, [], []
        for k, cj, sk in zip(earlier[some].tolist(), c[some].tolist(), scale[some].tolist()):
            v = _tidy(cj, sk)
            if v == 0:
                continue
            if k == at_intercept:
                const = v
            else:
                terms.append(names[k])
                coefs.append(v)
        out.append(AliasInfo(names[j], tuple(terms), tuple(coefs), const,
                             positive_weight_only=breaks_zero is not None and breaks_zero(j, m, c, _BROKEN),
                             weights_only=breaks_positive(j, m, c, _NOT_IN_DATA)))
    return out


@dataclass(frozen=True)
class SeparationInfo:
    """A separating direction and what it means for the data."""

    complete: bool
    columns: tuple[str, ...]  # coefficients whose estimates diverge
    directions: tuple[float, ...]  # sign and relative size of the divergence
    explanation: str

    #: the message's words for this kind of separation: after "separation", after "infinite", and the advice
    _what: ClassVar[str] = ""
    _means: ClassVar[str] = ""
    _advice: ClassVar[str] = ('Use method="firth" for finite bias-reduced estimates, or drop or merge the '
                              "separating predictor.")
    #: ... for a quasi-binomial fit, which method="firth" refuses (it maximizes a penalized binomial likelihood)
    _quasi_advice: ClassVar[str] = ('Refit with family=glmstat.Binomial() and method="firth" for finite bias-reduced '
                                    'estimates (method="firth" needs the binomial likelihood), or drop or merge the '
                                    "separating predictor.")

    @property
    def kind(self) -> str:
        return "complete" if self.complete else "quasi-complete"

    @property
    def columns_text(self) -> str:
        """The diverging coefficients for a message: their names, or their number and the first few (a level of
        a sum-coded factor moves every coefficient of the factor and the intercept)."""
        if len(self.columns) > MAX_RELATION_TERMS:
            return f"{len(self.columns)} coefficients ({', '.join(map(_cut, self.columns[:MAX_RELATION_TERMS]))}, ...)"
        return ", ".join(map(_cut, self.columns))

    def message(self, response: str, quasi: bool = False) -> str:
        """The warning's words (``quasi``: a quasi-likelihood family, which method="firth" does not fit)."""
        advice = self._advice
        if quasi and self._quasi_advice:
            advice = self._quasi_advice
        if self.complete:
            # (every row is separated: many directions separate them, and which coefficients the fit pushes to
            # infinity is the direction the fit happens to take, so none is named infinite)
            return (
                f"{self.kind} separation{self._what}: {self.explanation}. No maximum-likelihood estimate exists: the "
                f"fit diverges along a direction that moves {self.columns_text}, so every estimate, standard error "
                f"and p-value is meaningless. {advice}"
            )
        return (
            f"{self.kind} separation{self._what}: {self.explanation}. The maximum-likelihood estimates of "
            f"{self.columns_text} "
            f"are infinite{self._means}, so their estimates, standard errors and p-values are meaningless. "
            f"{advice}"
        )


@dataclass(frozen=True)
class ZeroCountSeparation(SeparationInfo):
    """Separation of a count response: rows with y = 0 fitted by means tending to 0."""

    _what = " (zero counts)"
    _means = " (the fitted means of those rows tend to 0)"
    _advice = "Drop or merge the all-zero group, or report the effect as infinite with a likelihood-ratio test."
    _quasi_advice = ""  # (the same advice for a quasi family)


def zero_side_text(name: str, response: str, d0: float, dk: float) -> str | None:
    """A 0/1 column x in a separating direction with the intercept, d0 + dk x, whose two components cancel (d = (1,
    -1)): the rows moved are those with x = 0 (the reference level of a two-level factor), all with the response on
    d0's side, while the rows with x = 1, where d0 + dk x is 0, may have both: "every row with g[T.b] = 0 has
    y = 1".  None where they do not cancel (:func:`one_column_text` then)."""
    if d0 != 0 and abs(d0 + dk) <= 1e-9 * max(abs(d0), abs(dk)):
        return f"every row with {name} = 0 has {response} = {'1' if d0 > 0 else '0'}"
    return None


def one_column_text(name: str, response: str, positive: bool, binary: bool, t_hi: float, t_lo: float,
                    every_row_sided: bool = False) -> str:
    """Separation by one predictor in words: ``positive`` when larger values go with successes; ``t_hi``
    is the smallest value among the rows on the high side, ``t_lo`` the largest on the low side;
    ``every_row_sided``: every row is a success or a failure (none of a cbind() response has both), and both
    sides have rows."""
    name, response = _cut(name), _cut(response)
    hi_val, lo_val = ("1", "0") if positive else ("0", "1")
    if binary:
        # (the rows of 0 too when every row is on the other side: a two-level factor separating completely)
        zeros = f" and every row with {name} = 0 has {response} = {lo_val}" if every_row_sided and t_lo < t_hi else ""
        return f"every row with {name} = 1 has {response} = {hi_val}{zeros}"
    if t_lo >= t_hi:  # quasi-complete: rows of both values at the one value c (g[T.b]:x is 0 at other levels)
        c = _num(t_hi)
        return (f"{name} separates {response} but at {name} = {c}: every row with {name} > {c} has {response} = "
                f"{hi_val}, every row with {name} < {c} has {response} = {lo_val}, and the rows with {name} = {c} "
                f"have both")
    return (
        f"{name} separates {response}: every row with {name} >= {_num(t_hi)} has {response} = {hi_val} "
        f"and every row with {name} <= {_num(t_lo)} has {response} = {lo_val}"
    )


def levels_text(names: list[str], response: str, value: str, shown_max: int = 10) -> str:
    """"every row with g[T.b], g[T.d] or g[T.e] = 1 has y = 0": the rows of several levels of a factor (the
    first ``shown_max`` named)."""
    response = _cut(response)
    if len(names) > shown_max:
        return (f"every row with a 1 in one of the {len(names)} columns {', '.join(map(_cut, names[:shown_max]))}, "
                f"... has {response} = {value}")
    names = [_cut(n) for n in names]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"every row with {listed} = 1 has {response} = {value}"


#: The rows a message names by their labels (then ``...``).
ROWS_NAMED = 5


def row_labels_text(labels: Sequence[Any], total: int) -> str:
    """``5, 17, 'a', ...``: the labels of the first rows of ``total`` (those past :data:`ROWS_NAMED` left out)."""
    return ", ".join(shown_row(v) for v in list(labels)[:ROWS_NAMED]) + (", ..." if total > ROWS_NAMED else "")


@dataclass(frozen=True)
class FactorContrasts:
    """A term that is one factor: its design columns, its levels and each level's values on those columns (the
    contrast matrix, levels x columns, scipy sparse); ``indicators``: the columns are levels' indicators
    (treatment or indicator coding), which name the rows themselves (sum, Helmert and polynomial columns mix
    several levels)."""

    label: str
    columns: tuple[int, ...]
    levels: tuple[str, ...]
    matrix: Any
    indicators: bool = False


def coded_by_contrasts(factors: tuple[FactorContrasts, ...]) -> tuple[FactorContrasts, ...]:
    """The factors whose columns are not levels' indicators (sum, Helmert, polynomial contrasts)."""
    return tuple(f for f in factors if not f.indicators)


def levels_or_combination(d: np.ndarray, names: list[str], factors: tuple[FactorContrasts, ...],
                          intercept: str | None, response: str, support: np.ndarray) -> str:
    """The last words for a binomial separation: by the levels of a factor whose columns are indicators (the
    reference level of a treatment-coded factor moves with the intercept: "every row at level 'a' of g has
    y = 1"), else the combination of the columns of d (``support``: its non-zero entries)."""
    return contrast_levels_text(d, names, tuple(f for f in factors if f.indicators), intercept, response) \
        or combination_text([names[j] for j in support], d[support] / np.abs(d[support]).max(), response)


def contrast_levels_text(d: np.ndarray, names: list[str], factors: tuple[FactorContrasts, ...],
                         intercept: str | None, response: str) -> str | None:
    """Separation along the levels of a factor coded by contrasts, in words ("every row at level '7' of
    C(g, sum) has y = 0"), or None.

    A direction d (in the design's units, every column) on the intercept and one such term's columns only moves
    the rows at level l by e_l = d_0 + C_l d_term (C_l the level's row of the contrast matrix): the same for
    every row of a level.  d separates, so the levels it moves down hold only rows with y = 0 and those it
    moves up only rows with y = 1 (no column of its own says so: each mixes several levels).
    """
    moved = set(np.flatnonzero(d).tolist())
    i0 = names.index(intercept) if intercept is not None and intercept in names else None
    moved.discard(i0)
    for f in factors:
        if not moved or not moved <= set(f.columns):
            continue
        e = np.asarray(f.matrix @ d[list(f.columns)]).ravel() + (d[i0] if i0 is not None else 0.0)
        tol = 1e-6 * float(np.abs(e).max(initial=0.0))
        up, down = e > tol, e < -tol
        # (every level moved one way is the intercept's doing; moved both ways, every level separates: complete
        # separation by the factor, "every row at levels 'b' or 'c' of g has y = 1 and every row at level 'a'")
        if not (up | down).any() or up.all() or down.all():
            return None
        return " and ".join(f"every row at {_level_list(f, mask)} has {_cut(response)} = {value}"
                            for mask, value in ((up, "1"), (down, "0")) if mask.any())
    return None


def _level_list(f: FactorContrasts, mask: np.ndarray, shown_max: int = 10) -> str:
    """"level '7' of C(g, sum)", "levels 'a', 'b' or 'c' of C(g, sum)" (the first ``shown_max`` named)."""
    names = [shown(f.levels[i]) for i in np.flatnonzero(mask)]
    label = _cut(f.label)
    if len(names) == 1:
        return f"level {names[0]} of {label}"
    if len(names) > shown_max:
        return f"one of the {len(names)} levels {', '.join(names[:shown_max])}, ... of {label}"
    return f"levels {', '.join(names[:-1])} or {names[-1]} of {label}"


def indicator_text(ones: list[str], zeros: list[str], response: str) -> str:
    """Separation by 0/1 columns (levels of factors) in words: every row with a 1 in one of ``ones`` has
    response 1, every row with a 1 in one of ``zeros`` has response 0."""
    parts = [levels_text(names, response, value) for names, value in ((ones, "1"), (zeros, "0")) if names]
    return " and ".join(parts)


def combination_text(names: list[str], d: np.ndarray, response: str) -> str:
    """Separation by a combination of columns (``d`` over ``names``, zeros left out) in words: the first
    :data:`MAX_RELATION_TERMS` terms, the others counted (a model of many columns separates by all of them, and
    the message stays readable; ``fit.separation`` holds every one), a leading minus sign written "-0.5*x"."""
    support = np.flatnonzero(np.abs(d) > 1e-9)
    combo = " ".join(f"{'+' if d[k] > 0 else '-'} {_num(abs(d[k]))}*{_cut(names[k])}"
                     for k in support[:MAX_RELATION_TERMS])
    more = support.size - MAX_RELATION_TERMS
    if more > 0:
        combo += f" + ... ({more} more columns, in fit.separation)"
    combo = combo[2:] if combo.startswith("+ ") else "-" + combo[2:] if combo.startswith("- ") else combo
    response = _cut(response)
    return f"the combination {combo} is >= 0 for every {response} = 1 and <= 0 for every {response} = 0"


def _describe(X, names, d, y, response, intercept):
    """Plain-language description of the separating direction d by its columns, or None (see
    :func:`levels_or_combination`)."""
    nz = [k for k in np.flatnonzero(np.abs(d) > 1e-9) if names[k] != intercept]
    succ, fail = y == 1, y == 0
    if len(nz) == 1:
        k = nz[0]
        x = X[:, k]
        binary = bool(np.all(np.isin(x, (0.0, 1.0))))
        d0 = sum(d[j] for j in range(len(d)) if names[j] == intercept)
        zero_side = binary and zero_side_text(names[k], response, d0, d[k])
        if zero_side:
            return zero_side
        positive = bool(d[k] > 0)
        hi_group, lo_group = (succ, fail) if positive else (fail, succ)
        t_hi = x[hi_group].min() if hi_group.any() else np.nan
        t_lo = x[lo_group].max() if lo_group.any() else np.nan
        sided = bool(succ.any() and fail.any() and (succ | fail).all())
        return one_column_text(names[k], response, positive, binary, t_hi, t_lo, sided)
    mid = ~succ & ~fail
    if len(nz) > 1 and not mid.any() and not any(names[k] == intercept and abs(d[k]) > 1e-9 for k in range(len(d))):
        # 0/1 columns (levels of factors) whose rows with a 1 are all on d's side: in their own words
        ones = [k for k in nz if d[k] > 0]
        zeros = [k for k in nz if d[k] < 0]
        if all(np.all(np.isin(X[:, k], (0.0, 1.0))) for k in nz) and not any(X[fail, k].any() for k in ones) \
                and not any(X[succ, k].any() for k in zeros):
            return indicator_text([names[k] for k in ones], [names[k] for k in zeros], response)
    if succ.any() and fail.any() and not mid.any():
        for k in nz:  # a column of the combination that separates by itself says it more plainly
            x = X[:, k]
            for positive, hi, lo in ((True, x[succ], x[fail]), (False, x[fail], x[succ])):
                if lo.max() < hi.min():
                    return one_column_text(names[k], response, positive, bool(np.all(np.isin(x, (0.0, 1.0)))),
                                           hi.min(), lo.max(), True)
    return None


#: The separating direction's linear programs (here and in :mod:`~glmstat.diagnosis.streamed_separation`, over the
#: passes of streamed data): at most this many rounds, each moving rows the ones before did not; a row is moved when
#: s_i z_i'd exceeds this (z scaled to max |z_ij| = 1, |d_j| <= 1).
LP_ROUNDS = 8
LP_MOVED = 1e-7


def separable_without(X: Design, y: np.ndarray, weights: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """For each column j, whether the kept columns other than j alone separate the 0/1 response completely (a
    direction d with d_j = 0 and x_i'd > 0 for every success, < 0 for every failure, among the rows of positive
    weight); False for the columns not kept.  One linear program per kept column, on the rows signed by the
    response and the columns scaled to max |x| = 1 once for all of them."""
    out = np.zeros(kept.size, dtype=bool)
    rows = weights > 0
    yk = y[rows]
    cols = np.flatnonzero(kept)
    if cols.size < 2 or not np.all((yk == 0) | (yk == 1)):
        return out
    Z = X.take(np.flatnonzero(rows)).select(cols).toarray()
    scale = np.abs(Z).max(axis=0)
    scale[scale == 0] = 1.0
    SZ = np.where(yk == 1, 1.0, -1.0)[:, None] * (Z / scale)
    for k, j in enumerate(cols):
        out[j] = _strictly_separable(np.delete(SZ, k, axis=1))
    return out


def _strictly_separable(SZ: np.ndarray) -> bool:
    """Complete separation: some d with s_i z_i'd >= t > 0 for every row (maximise t, |d_j| <= 1)."""
    n, p = SZ.shape
    c = np.zeros(p + 1)
    c[-1] = -1.0
    A = np.hstack([-SZ, np.ones((n, 1))])  # t - s_i z_i'd <= 0
    res = optimize.linprog(c, A_ub=A, b_ub=np.zeros(n), bounds=[(-1, 1)] * p + [(None, 1)], method="highs")
    return res.status == 0 and -res.fun > 1e-9


def detect_separation(
    X: Design, y: np.ndarray, weights: np.ndarray, kept: np.ndarray, names: list[str],
    response: str, intercept: str | None, factors: tuple[FactorContrasts, ...] = (),
    reached: tuple[float, ...] = (),
) -> SeparationInfo | None:
    """Find (quasi-)complete separation of a binomial response by linear programming; None if none
    (``factors``: the terms coded by contrasts, whose levels may describe it).  ``reached``: the edges, 0 or 1,
    that the link reaches at a finite linear predictor (1 for the log link): a row whose response is there is
    fitted there by finite coefficients, so it is held where it is (z'd = 0), as a proportion is."""
    rows = weights > 0
    # the linear program needs the rows themselves: the kept columns of the rows with weight
    Xk = X.take(np.flatnonzero(rows)).select(np.flatnonzero(kept)).toarray()
    yk = y[rows]
    names_k = [n for n, k in zip(names, kept) if k]
    scale = np.abs(Xk).max(axis=0)
    scale[scale == 0] = 1.0
    Z = Xk / scale
    succ, fail = yk >= 1, yk <= 0
    mid = ~(succ | fail)
    for edge, side in ((0.0, fail), (1.0, succ)):
        if edge in reached:
            mid |= side
    s = np.where(succ, 1.0, -1.0)
    sided = ~mid
    SZ = s[sided, None] * Z[sided]
    A_eq = Z[mid] if mid.any() else None
    b_eq = np.zeros(int(mid.sum())) if mid.any() else None
    d, maximal, everyone = None, False, False
    # maximise sum_i s_i z_i'd over the box |d_j| <= 1 keeping every row on its side (s_i z_i'd >= 0); then again
    # for the rows not moved yet, adding up the directions (they add up: a sum of separating directions
    # separates), until no direction moves another row: the rows moved are every row that can be separated (one
    # optimum can move one level of a sum-coded factor and leave the others out), and all of them is complete
    # separation
    for _ in range(LP_ROUNDS):
        rest = np.ones(SZ.shape[0], dtype=bool) if d is None else SZ @ d <= LP_MOVED
        if not rest.any():
            maximal = everyone = True
            break
        res = optimize.linprog(-SZ[rest].sum(axis=0), A_ub=-SZ, b_ub=np.zeros(SZ.shape[0]), A_eq=A_eq, b_eq=b_eq,
                               bounds=[(-1, 1)] * Z.shape[1], method="highs")
        if res.status != 0 or -res.fun <= 1e-7 * max(1, int(rest.sum())) ** 0.5:
            maximal = True
            break
        step = res.x / np.abs(res.x).max()
        d = step if d is None else d + step
    if d is None:
        return None
    d = d / np.abs(d).max()
    d[np.abs(d) < 1e-7] = 0.0
    complete = not mid.any() and (everyone if maximal else _strictly_separable(SZ))
    d_unscaled = d / scale
    big = np.abs(d_unscaled).max()
    d_rel = d_unscaled / big
    cols = tuple(nm for nm, v in zip(names_k, d) if v != 0)
    full = np.zeros(len(names))
    full[kept] = d_rel
    text = contrast_levels_text(full, names, coded_by_contrasts(factors), intercept, response) \
        or _describe(Xk, names_k, d_rel, np.where(succ, 1.0, np.where(fail, 0.0, 0.5)), response, intercept) \
        or levels_or_combination(full, names, factors, intercept, response, np.flatnonzero(full))
    return SeparationInfo(complete, cols, tuple(float(v) for v in d_rel if v != 0), text)
