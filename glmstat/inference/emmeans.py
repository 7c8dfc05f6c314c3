"""Estimated marginal means (least-squares means) over a reference grid, as R's ``emmeans`` computes them
with ``type = "response"``, and their pairwise comparisons as ``pairs()``.

The reference grid crosses every level of every factor of the model, and both values of each numeric
variable with at most two distinct values (emmeans' ``cov.keep = "2"``), with every other numeric variable
at its mean over the rows used (a factor read only through its level codes, ``unclass(tobgp)``, is such a
covariate, at the mean of its codes, as emmeans' ``ref_grid`` holds it: :mod:`glmstat.inference.variables`);
the offset is the mean of the model's offset over the rows used (formula offsets and the offset argument
together, as emmeans takes it).  For a level (or combination of levels) of
the chosen variables, with x_j the design rows of the grid points that have it (equal weights) and o the
mean offset:

    L = mean_j x_j,   eta = L b + o,   se_eta = sqrt(L V L')        (on the link scale)
    estimate = g^{-1}(eta),   std_error = |g^{-1}'(eta)| se_eta,
    interval = g^{-1}(eta -/+ q se_eta) (reordered for a decreasing inverse link),

(With nesting -- in the data, every level of a factor A occurs with one level of a factor B only, or in the formula,
A in ``B/A`` = ``B + B:A`` whatever the data: emmeans' ``.find_nests``, :mod:`glmstat.inference.nesting_terms` --
A is averaged within each level of B over the levels that occur there, and the mean is weighted so; the means
of A itself are given within B's levels, as emmeans' ``.nested_emm`` adds the parents to the term (``~ A`` is
``~ A:B``, its index A and then B), and only for the combinations that occur (its ``.find.nonempty.nests``).
With two or more nested factors averaged over, emmeans recurses: the one with the most parents, A, within each
combination of its parents' and the other nested factors' values, over A's levels that occur with those values
together, then the next (:func:`_nested_equal_means`).
For a fit to streamed data the combinations that occur are gathered in one pass over its data.)

q the t quantile on the residual df for the gaussian and Gamma families and the normal quantile (``df`` =
inf) for the others -- emmeans' rule for a glm, which treats quasi families and the inverse Gaussian as
asymptotic although their dispersion is estimated.  A mean that is not estimable (L outside the row space of
the design, with aliased columns) is NaN with its standard error, df and interval, as emmeans reports it
(``nonEst``); so is a comparison whose L_a - L_b is not estimable, while one whose non-estimable parts cancel
is reported.

A transformed response (``log(y)``, ``sqrt(y)``, ``2 * sqrt(y)``, ``log(y + 1)``, ``scale(y)``, ...) is back-transformed
too, after the inverse link, as emmeans does (:mod:`glmstat.inference.response_transform`): the estimate is
h(eta), its standard error |h'(eta)| se_eta and the interval's ends h(eta -/+ q se_eta).

emmeans' ``weights`` other than equal weigh the grid's cells by the rows used that take them (counted in memory,
or in one pass over a streamed fit's data): ``"proportional"`` by the rows of each combination of the averaged
variables' values, ``"outer"`` by the product of their one-way counts, ``"cells"`` by each cell's rows (the
ordinary marginal means of the fitted values, on the link scale), ``"flat"`` 1 for each cell some row takes.
Where a nested factor is averaged over they weigh the cells within each combination of its parents' values by
that combination's rows (the nested factor at the values that occur there), then those combinations by their rows,
as emmeans' ``.nested_emm`` calls itself twice (one nested factor only: more are refused).

With ``by`` (emmeans' ``~ term | by``) the means are those of the combinations of the term's and the by
variables' levels, the same numbers as for ``term:by``, grouped by the by variables' levels (they vary
slowest); pairwise comparisons are made within each group only, and adjusted for that group's comparisons.
With a nested factor in the term the comparisons are made over the rows shown (a group of ``~ A | B`` holds A's
levels that occur with that level of B, and groups may differ in size).  Where the groups are of one size, Tukey's
adjustment there takes k = the number of comparisons in all groups, not the group's means, as emmeans'
``.nested_contrast`` rbinds the groups' contrasts into a grid whose ``famSize`` is their number (its "family of 12
estimates" for two groups of four means; intervals too); groups of different sizes are each adjusted for their
own k, as are the other adjustments always.

Pairwise comparisons (emmeans' ``pairs()``) are made on the link scale: d = eta_a - eta_b, se_d =
sqrt((L_a - L_b) V (L_a - L_b)'), statistic d / se_d, shown back-transformed where that is a ratio (log link:
mu_a / mu_b; logit: the odds ratio; std_error exp(d) se_d; with an identity link and a log, log2 or log10
response without a multiplier, the ratio of the back-transformed means: b^d, std_error b^d log(b) se_d; with
a log link and a response m sqrt(y), whose means are (exp(eta) / m)^2, their ratio e^(2d), std_error
2 e^(2d) se_d) and as the difference otherwise.  p-values are
adjusted for the k(k-1)/2 comparisons: Tukey (emmeans' default: P(Q_{k,df} > sqrt(2) |t|), the studentized
range; below 1e-10, where its integral loses its digits, k(k-1)/2 times the unadjusted p; with more than 100
distinct statistics interpolated between checked evaluations of scipy's integral, to a relative 1e-9, an
absolute 1e-13 below 1e-4: :mod:`glmstat.inference.studentized_range`), Scheffe (P(F_{k-1,df} > t^2 / (k - 1))),
Sidak, Bonferroni, Holm, Hochberg, Hommel, Benjamini-Hochberg ("BH" or "fdr"), Benjamini-Yekutieli ("BY") as R's
``p.adjust`` (:mod:`glmstat.inference.p_adjust`), or none.
Labels follow emmeans: numeric-looking levels carry their variable's name (``cyl4 - cyl6``) and levels holding
``- + / *`` are put in parentheses.

The grid's design rows are built up to :data:`GRID_CELLS` cells (rows x model columns), or up to emmeans' own
limit of 10,000 rows (:data:`GRID_ROWS`) however many columns, and each mean averages its rows over the other
variables' axes; pairwise comparisons are made for up to :data:`MAX_PAIRS` pairs, in blocks of the same size.
Larger requests are refused with the numbers.

For a fit to streamed data (a Parquet path, a dask DataFrame) the grid is the same: the factor levels come
from the model spec, the numeric variables' means and distinct values from one pass over the columns the
model reads, restricted to the rows used (:mod:`glmstat.inference.column_summaries`), the mean offset from a
pass over the model's rows, and, with aliased columns, the null space of the design from X'X (one pass).
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .._scipy import sparse
from ..design.sources import fold
from ..engine.linalg import design_qr
from ..distributions import interval_quantile, normal_sf, t_sf
from .._arguments import confidence_level, finite_or_none, is_one_of, own_scalar, shown, shown_items
from ..errors import GLMStatError
from ..formula.values import label_text
from ..links import domain_limits
from ..report.display import level_percent
from .column_summaries import column_summaries
from .nesting_terms import term_nesting
from .contrast_families import ContrastFamily, check_method, dunnettx_p_values, family_of
from .critical_values import INTERVAL_ADJUSTMENTS, critical_value
from .covariance_factor import combination_variances
from .fit_access import encode, response, used_data
from .response_transform import RESPONSE_TRANSFORMS, back_transform, fitted_response_transform
from .streamed_data import raw_fold
from .p_adjust import P_ADJUST_METHODS, p_adjust, scheffe_p_values
from .studentized_range import tukey_p_values
from .variables import ModelVariable, model_variables, pick, with_columns, with_values

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["emmeans", "emmeans_contrasts", "emmeans_pairs"]

# emmeans' adjustments of pairs() (lower-cased: "BH", "BY"), but its simulated "mvt" and "dunnettx"
_ADJUST = ("tukey", "scheffe", *P_ADJUST_METHODS)


def _spec(term: Any, by: Any = None) -> tuple[list[str], int]:
    """(names, k): the variables of ``term`` and then of ``by`` (none for None), k of them the term's."""
    names = _names(term, "term")
    k = len(names)
    if by is not None:
        names += _names(by, "by")
    seen: set[str] = set()  # (one pass: each name searched among the ones before it was quadratic)
    twice = next((n for n in names if n in seen or seen.add(n)), None)
    if twice is not None:
        what = f"the term {shown(term, 80)}" + ("" if by is None else f" with by={shown(by, 80)}")
        raise GLMStatError(f"{what} names the variable {shown(twice, 80)} more than once")
    return names, k


def _names(term: Any, what: str) -> list[str]:
    if isinstance(term, str):
        names = [t.strip() for t in term.replace("*", ":").split(":")]
    elif isinstance(term, (list, tuple)) and term and all(isinstance(t, str) for t in term):
        names = list(term)
    else:
        raise GLMStatError(f"{what} must be a variable name (or 'a:b', or a list of names), got {shown(term)}")
    if not all(names):
        raise GLMStatError(f"cannot read the {what} {shown(term)}")
    return names


def _axis(v: ModelVariable) -> tuple[tuple, tuple[str, ...]]:
    """The values of a variable on the reference grid and their labels: a factor's levels; a numeric
    variable with at most two distinct values keeps them (emmeans' ``cov.keep = "2"``); else its mean, labelled
    as R's ``as.character`` writes it (146.6875, not the 6 digits 146.688 R prints), as the other labels are."""
    if v.refusal:  # every variable is an axis of the grid, asked for or not
        raise GLMStatError(f"estimated marginal means: {v.refusal}")
    if v.coded is not None:  # a factor read through its level codes: a covariate (see variables' docstring)
        if v.coded.refusal:
            raise GLMStatError(f"estimated marginal means: {v.coded.refusal}")
        return v.coded.values, v.coded.labels
    if v.is_factor:
        return v.levels, v.labels
    if v.distinct:
        return v.distinct, tuple(label_text(x) for x in v.distinct)
    return (v.mean,), (label_text(float(v.mean)),)


def _template(fit: "GLMResults") -> tuple[pd.DataFrame, Any]:
    """(a frame of the data's columns whose first row is a row used, the columns' summaries or None): the
    rows used in memory; for a streamed fit one row and the summaries over the rows used, from one pass over
    the columns the model reads (a categorical may hold only its chunk's levels: ``with_value`` adds others)."""
    if fit.model_frame.in_memory:
        return used_data(fit), None
    spec = fit.model_frame.spec
    columns = tuple(dict.fromkeys(spec.columns + spec.offset_columns))
    summaries = column_summaries(fit, columns)
    return summaries.first, summaries


def _mean_offset(fit: "GLMResults") -> float:
    """The mean of the model's offset over the rows used (formula offsets and the offset argument)."""
    if fit.model_frame.in_memory:
        return float(np.mean(response(fit)[2]))
    source = fit.fit_data.source
    return fold(source, _offset_sum, operator.add, 0.0) / source.n_rows


def _offset_sum(b) -> float:
    return float(np.sum(b.offset))


#: The reference grid's design rows are built only up to this many cells (rows x model columns, 32 MB), or up
#: to :data:`GRID_ROWS` rows whatever the columns: its rows cross every level of every factor of the model, a
#: product that a few factors make huge.
GRID_CELLS = 2**22
#: emmeans' own bound on the grid's rows (its ``rg.limit``): a grid it computes is never refused here (at most
#: 10,000 rows of the formula limits' ``max_columns``, 5,000 by default: 400 MB at most).
GRID_ROWS = 10_000
#: Pairwise comparisons are made for at most this many pairs (a 1000-level factor's 499,500).
MAX_PAIRS = 500_000
#: ... and with labels of at most this many characters in all: each pair's label holds both levels' labels,
#: so 600 levels of 2,000 characters made 720 million characters (800 MB), 1,000 of 10,000 ten gigabytes.
MAX_PAIR_LABEL_CHARS = 50_000_000


def _grid(fit: "GLMResults", data: pd.DataFrame, variables: list[ModelVariable]) -> tuple[np.ndarray, list[int]]:
    """The reference grid's design rows as an array of shape (size of each variable's axis, ..., columns):
    every combination of the variables' values, in itertools.product's order (``data``: the template of
    :func:`_template`); with the positions of the variables whose axes these are: those of more than one
    value (an axis of one value orders nothing, and numpy has at most 64 axes: a model of 64 numeric variables
    raised numpy's ValueError)."""
    axes = [_axis(v) for v in variables]
    sizes = [len(vals) for vals, _ in axes]
    rows, width = math.prod(sizes), max(len(fit.coef), 1)
    wide = [k for k, size in enumerate(sizes) if size > 1]  # (at most 22: 2**22 cells)
    if rows * width > GRID_CELLS and rows > GRID_ROWS:
        crossing = shown_items(wide, each=lambda k: f"{shown(variables[k].name, 80)} ({sizes[k]})", sep=" x ")
        raise GLMStatError(f"the reference grid crosses {crossing}: {rows} rows of {width} model columns, more "
                           f"than the {GRID_CELLS} cells estimated marginal means are computed from beyond "
                           f"{GRID_ROWS:,} rows (emmeans' own limit, its rg.limit); fit a model with fewer or smaller "
                           "factors")
    codes = [np.zeros(rows, dtype=np.intp)] * len(sizes)
    if wide:  # (itertools.product's order: the last varies fastest)
        for k, code in zip(wide, np.unravel_index(np.arange(rows), [sizes[k] for k in wide])):
            codes[k] = code
    grid = data.iloc[np.zeros(rows, dtype=np.intp)].set_axis(pd.RangeIndex(rows))
    # a factor held at the mean of its level codes is that number on the grid (unclass(2.41) is 2.41, as in R)
    at_mean = {v.name for v in variables if v.coded is not None and v.coded.at_mean}
    grid = with_columns(grid, {c: np.zeros(rows) for c in grid.columns if str(c) in at_mean})
    grid = with_values(grid, [(v, np.array(vals, dtype=object if isinstance(vals[0], str) else None)[code])
                              for v, (vals, _), code in zip(variables, axes, codes)])
    X, _, ok = encode(fit, grid)
    if not ok.all():
        raise GLMStatError("the model cannot be evaluated on its reference grid (numeric variables at their "
                           "means); a transformation is undefined there")
    return X.reshape(*[sizes[k] for k in wide], X.shape[1]), wide


def _null_space(fit: "GLMResults") -> np.ndarray | None:
    """An orthonormal basis of the design's null space (None without aliased columns), from the QR reducer of
    the design over the fit's rows of positive weight (in memory or streamed; a wide factor's columns are never
    expanded).  Those rows only, as emmeans reads estimability off the fit's QR of sqrt(w) X: a level whose
    rows all have weight 0 has an aliased column and no estimable mean (the zero-weight rows made its column
    look determined, and its mean was reported as the reference level's)."""
    if not fit.aliased:
        return None
    return design_qr(fit.fit_data.source, positive_weights=True).null_space()


def _estimable(L: np.ndarray, N: np.ndarray | None) -> np.ndarray:
    """Rows of L in the row space of the design (always true without aliased columns, N None):
    |L N| <= 1e-8 |L| for N an orthonormal basis of the design's null space."""
    if N is None:
        return np.ones(L.shape[0], dtype=bool)
    size = np.maximum(np.linalg.norm(L, axis=1), 1e-300)
    return np.linalg.norm(L @ N, axis=1) <= 1e-8 * size


def _axis_codes(axis: tuple, values: pd.Series) -> np.ndarray:
    """Each row's position on a grid axis of the values ``axis`` (-1 for a value not on it)."""
    axis = list(axis)
    try:
        return pd.Categorical(values, categories=axis).codes.astype(np.intp)
    except (TypeError, ValueError):  # (values and levels of different types: matched by their labels)
        return pd.Categorical(values.map(label_text), categories=[label_text(x) for x in axis]).codes.astype(np.intp)


@dataclass(frozen=True)
class _CellCounts:
    """How many rows of a chunk take each grid cell (flat indices over the axes ``shape``), by the combination of
    the columns' values (picklable: runs on dask workers for a dask fit)."""

    columns: tuple[str, ...]
    axes: tuple[tuple, ...]
    shape: tuple[int, ...]

    def __call__(self, rows: pd.DataFrame) -> np.ndarray:
        codes = [_axis_codes(axis, rows[c]) for c, axis in zip(self.columns, self.axes)]
        on_grid = np.all(np.stack([c >= 0 for c in codes]), axis=0)
        flat = np.ravel_multi_index([c[on_grid] for c in codes], self.shape)
        # (a grid has at most GRID_CELLS cells: counting them is cheaper than sorting the rows)
        return np.bincount(flat, minlength=math.prod(self.shape))


@dataclass(frozen=True)
class _CellsPresent(_CellCounts):
    """The grid cells whose combination of the columns' values occurs in a chunk of rows (flat indices)."""

    def __call__(self, rows: pd.DataFrame) -> np.ndarray:
        return np.flatnonzero(super().__call__(rows))


#: emmeans' weights of the cells a marginal mean averages over
WEIGHTS = ("equal", "proportional", "outer", "cells", "flat")


def _cell_counts(fit: "GLMResults", data: pd.DataFrame, variables: list[ModelVariable], wide: list[int],
                 shape: tuple[int, ...]) -> np.ndarray:
    """How many rows used take each cell of the grid (of its wide axes, ``shape``): in memory from ``data``, for a
    streamed fit in one pass over its data."""
    counts = _CellCounts(tuple(variables[k].name for k in wide), tuple(_axis(variables[k])[0] for k in wide),
                         tuple(int(x) for x in shape))
    if fit.model_frame.in_memory:
        flat = counts(data)
    else:
        flat = raw_fold(fit, counts.columns, counts, np.add, np.zeros(math.prod(shape), dtype=np.int64))
    return flat.reshape(shape).astype(float)


def _weights(weights: str, counts: np.ndarray, others: tuple[int, ...]) -> np.ndarray:
    """emmeans' ``weights`` of the grid's cells (``counts`` rows each), for means over the axes ``others``:
    ``"proportional"`` the rows of the combination of the other axes' values (summed over the chosen ones),
    ``"outer"`` the product of each other axis's one-way counts, ``"cells"`` each cell's own rows, ``"flat"`` 1
    for each cell some row takes."""
    chosen = tuple(a for a in range(counts.ndim) if a not in others)
    if weights == "proportional":
        return np.broadcast_to(counts.sum(axis=chosen, keepdims=True), counts.shape)
    if weights == "outer":
        W = np.ones(counts.shape)
        for a in others:
            W = W * counts.sum(axis=tuple(b for b in range(counts.ndim) if b != a), keepdims=True)
        return W
    return counts if weights == "cells" else (counts > 0).astype(float)


class _Nesting(NamedTuple):
    """Nested axes of the grid: each one's ``parents`` (axes), the weights ``W`` of the grid's cells, for each
    nested axis whether each combination of its values and its parents' occurs in the rows used (its axis first,
    then its parents', in that order), and ``cells``: whether some row used takes each cell of the grid (the
    axes of values given by ``at=`` taken by every row)."""

    parents: dict[int, list[int]]
    W: np.ndarray
    occurs: dict[int, np.ndarray]
    cells: np.ndarray


def _nesting(fit: "GLMResults", data: pd.DataFrame, variables: list[ModelVariable], wide: list[int],
             shape: tuple[int, ...], ignore: frozenset[int] = frozenset(),
             counts: np.ndarray | None = None) -> _Nesting | None:
    """The grid's nesting as emmeans finds it (its ``.find_nests``), in the data and in the model's terms: an axis A
    is nested in an axis B when every value of A occurs in the rows used with one value of B only (each city in
    one region), or when the formula nests it (B in ``A/B``, whatever the data: :mod:`.nesting_terms`).  A nested
    axis is averaged within each value of its parents over the values that occur with it, the others equally: a
    cell's weight is the product, over the nested axes, of [the combination occurs] / [how many values of A occur
    with the parents' values].  None when nothing is nested, where every cell weighs the same.  Only which
    combinations occur matters: they are found in the rows used in memory, or in one pass over a streamed fit's
    data -- or from ``counts``, the rows of each cell of the whole grid (:func:`_cell_counts`) where the caller has
    them.  The axes ``ignore`` (values given by ``at=``, which the rows need not take) are neither nested nor
    parents."""
    used = [a for a in range(len(wide)) if a not in ignore]
    if len(used) < 2:
        return None
    used_shape = tuple(int(shape[a]) for a in used)
    if counts is not None:
        cells = np.flatnonzero(counts.sum(axis=tuple(ignore)) if ignore else counts)
    else:
        present = _CellsPresent(tuple(variables[wide[a]].name for a in used),
                                tuple(_axis(variables[wide[a]])[0] for a in used), used_shape)
        if fit.model_frame.in_memory:
            cells = present(data)
        else:
            cells = raw_fold(fit, present.columns, present, np.union1d, np.zeros(0, dtype=np.intp))
    codes = dict(zip(used, np.unravel_index(cells, used_shape)))
    nested: dict[int, list[int]] = {}
    for a in used:  # (emmeans' order: an axis already nested in this one is not its parent)
        excluded = {b for b, parents in nested.items() if a in parents}
        parents = []
        for b in used:
            if b == a or b in excluded:
                continue
            pairs = np.unique(codes[a] * shape[b] + codes[b])  # (a combination as one integer)
            if pairs.size and np.bincount(pairs // shape[b], minlength=shape[a]).max() == 1:
                parents.append(b)
        if parents:
            nested[a] = parents
    # the formula's nesting too (emmeans adds it to the data's)
    spellings = [variables[wide[a]].spellings or (variables[wide[a]].name,) for a in used]
    for i, parents in term_nesting(fit, spellings).items():
        nested[used[i]] = list(dict.fromkeys(nested.get(used[i], []) + [used[j] for j in parents]))
    for a in list(nested):  # the parents of its parents too (emmeans' order, each updated in turn) ...
        nested[a] = list(dict.fromkeys([c for b in nested[a] for c in nested.get(b, [])] + nested[a]))
    for a in list(nested):  # ... and none nested in itself (A:B alone nests A in B and B in A: neither)
        if a in nested[a]:
            del nested[a]
    if not nested:
        return None
    W = np.ones(shape)
    occurring: dict[int, np.ndarray] = {}
    for a, parents in nested.items():
        axes = [a] + parents
        occurs = np.zeros([shape[x] for x in axes])
        occurs[tuple(codes[x] for x in axes)] = 1.0
        occurring[a] = occurs > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            w = occurs / occurs.sum(axis=0, keepdims=True)
        w = np.nan_to_num(w)
        order = np.argsort(axes)  # broadcast onto the grid's axes
        W = W * np.expand_dims(w.transpose(order), [x for x in range(len(shape)) if x not in axes])
    taken = np.zeros(used_shape, dtype=bool)
    taken.flat[cells] = True
    taken = np.broadcast_to(taken.reshape([shape[a] if a in used else 1 for a in range(len(shape))]), shape)
    return _Nesting(nested, W, occurring, taken)


class _Means(NamedTuple):
    """The marginal means on the link scale: their index, the rows L of the grid's means (every column),
    eta and se_eta (NaN where not estimable), which are estimable, the df of their tests, the kept columns,
    the covariance of their coefficients (and its factor), the design's null space (None without aliased columns),
    how many of the index's variables are the term's, and whether a nested one is among them."""

    index: pd.Index
    L: np.ndarray
    eta: np.ndarray
    se: np.ndarray
    estimable: np.ndarray
    df: float
    kept: np.ndarray
    V: np.ndarray
    F: np.ndarray | None  # V = F F' where V is too ill-conditioned for quadratic forms (else None)
    null_space: np.ndarray | None
    n_term: int  # the index's first n_term variables are the term's (with the parents of its nested ones)
    nested: bool  # a nested variable among them (emmeans' nested contrasts)


#: at most this many values of a numeric variable given by ``at=``
MAX_AT_VALUES = 1000


def _at_values(variables: list[ModelVariable], at: Any) -> tuple[list[ModelVariable], set[str]]:
    """``variables`` with the numeric ones ``at`` names (emmeans' ``at = list(x = c(...))``) held at the values
    given, finite numbers, instead of their mean (or their two values); and those variables' names."""
    if not isinstance(at, dict):
        raise GLMStatError(f"at= must be a dict of numeric variables and their values, e.g. {{'x': [1, 2]}}, got "
                           f"{shown(at)}")
    given: dict[int, tuple] = {}
    for name, values in at.items():
        v = pick(variables, [name], "values given by at=")[0]
        if v.is_factor or v.coded is not None:
            raise GLMStatError(f"at= gives values of numeric variables; {shown(name)} is a factor, whose levels are "
                               "all on the grid (compare a subset of them with emmeans_contrasts)")
        raw = values if isinstance(values, (list, tuple, np.ndarray, pd.Series)) else [values]
        numbers = [finite_or_none(x) for x in raw[:MAX_AT_VALUES + 1]]
        if not 0 < len(raw) <= MAX_AT_VALUES or any(x is None for x in numbers):
            raise GLMStatError(f"at= {shown(name)}: give 1 to {MAX_AT_VALUES} finite numbers, got {shown(values)}")
        given[next(i for i, u in enumerate(variables) if u is v)] = tuple(dict.fromkeys(numbers))
    return ([replace(v, distinct=given[i]) if i in given else v for i, v in enumerate(variables)],
            {variables[i].name for i in given})


def _offset_value(offset: Any) -> float:
    """The offset= of emmeans: one finite number on the linear predictor's scale."""
    value = finite_or_none(offset)
    if value is None:
        raise GLMStatError(f"offset= must be one finite number on the linear predictor's scale (0: a rate per unit "
                           f"of a log-exposure offset), got {shown(offset)}")
    return value


def _with_parents(chosen: list[ModelVariable], n_term: int, nesting: _Nesting | None,
                  variables: list[ModelVariable], index_of: dict[str, int],
                  axis: dict[int, int]) -> tuple[list[ModelVariable], int, list[int]]:
    """The variables of the means as emmeans' ``.nested_emm`` makes them (``chosen``: the term's n_term, then the
    by variables): a nested variable among them brings its parents into the term, after the nested ones --
    ``~ B`` with B in A is ``~ B:A`` (B's means within each level of A, never averaged over it); parents given as
    by variables stay there.  Returns (the variables, how many are the term's, the nested variables' axes)."""
    if nesting is None:
        return chosen, n_term, []
    axis_of = [axis.get(index_of[v.name]) for v in chosen]
    nested = [a for a in axis_of if a is not None and a in nesting.parents]
    if not nested:
        return chosen, n_term, []
    by = chosen[n_term:]
    inner = next((v for v, a in zip(by, axis_of[n_term:]) if a in nested), None)
    if inner is not None:
        parents = ", ".join(variables[[k for k, a in axis.items() if a == p][0]].name for p in nesting.parents[
            axis[index_of[inner.name]]])
        raise GLMStatError(f"by={shown(inner.name, 80)} is nested in {parents}: give it as the term (its means "
                           f"within each level of {parents}), not as a by variable")
    variable_of = {a: variables[k] for k, a in axis.items()}
    parents = [p for a in nested for p in nesting.parents[a]]
    term = list({id(v): v for v in [variable_of[a] for a in nested] + [variable_of[p] for p in parents]
                 + chosen[:n_term]}.values())
    term = [v for v in term if not any(v is u for u in by)]
    return term + by, len(term), nested


def _occurring(nested: list[int], nesting: _Nesting, sizes: list[int], chosen: list[ModelVariable],
               index_of: dict[str, int], axis: dict[int, int]) -> np.ndarray:
    """Which rows of the means (every combination of the chosen variables' values, the first varying fastest) hold
    values of each nested variable with values of its parents that occur with them in the rows used: the rows
    emmeans shows (its ``.find.nonempty.nests``)."""
    rows = math.prod(sizes)
    each = reversed(np.unravel_index(np.arange(rows), list(reversed(sizes))))  # (each chosen variable's code)
    codes = {axis[index_of[v.name]]: c for v, c in zip(chosen, each) if index_of[v.name] in axis}
    keep = np.ones(rows, dtype=bool)
    for a in nested:
        keep &= nesting.occurs[a][tuple(codes[x] for x in [a] + nesting.parents[a])]
    return keep


def _nested_weighted_means(grid: np.ndarray, counts: np.ndarray, weights: str, nesting: _Nesting, kept: set[int],
                           averaged: list[int]) -> np.ndarray:
    """The grid's rows averaged over the axes not ``kept`` with emmeans' ``weights`` other than equal where a nested
    axis is averaged over, as its ``.nested_emm`` does for one nested factor, in two steps.  Within each combination
    g of the nested axis's parents' values, over the other axes I not kept (the nested one at the values that occur
    with g), with n the rows of each cell:

        M_g = sum_I w x / sum_I w,   w = sum over the kept axes other than the parents of n ("proportional"),
                                         the product over I of n's one-way sums within g ("outer"), n ("cells"),
                                         [n > 0] ("flat");

    then over the parents not kept, M = sum_g v M_g / sum_g v with v from the rows of each g as :func:`_weights`
    weighs cells.  Returns the means over the kept axes, in the grid's order.  More than one nested axis is refused
    (emmeans recurses through them)."""
    if len(nesting.parents) > 1:
        raise GLMStatError(f"weights = {shown(weights)} with more than one nested factor is not supported; use the "
                           "default equal weights")
    n = averaged[0]
    parents = nesting.parents[n]
    inner_kept = set(kept) | set(parents)
    inner = tuple(a for a in range(counts.ndim) if a not in inner_kept)
    chosen = tuple(a for a in kept if a not in parents)  # (within a group the parents' values are fixed)
    if weights == "proportional":  # (the group's rows of each combination of the values averaged over)
        W = counts.sum(axis=chosen, keepdims=True)
    elif weights == "outer":  # (the product of the group's one-way counts)
        W = np.ones((1,) * counts.ndim)
        for a in inner:
            W = W * counts.sum(axis=tuple(b for b in inner if b != a) + chosen, keepdims=True)
    else:
        W = counts if weights == "cells" else (counts > 0).astype(float)
    # (only the nested values that occur with the parents' values: the group's levels)
    order = np.argsort([n] + parents)
    mask = np.expand_dims(nesting.occurs[n].transpose(order), [x for x in range(counts.ndim)
                                                               if x not in [n] + parents])
    W = np.broadcast_to(W, counts.shape) * mask
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (grid * W[..., None]).sum(axis=inner) / W.sum(axis=inner)[..., None]
    remaining = sorted(inner_kept)
    outer = tuple(remaining.index(a) for a in parents if a not in kept)
    if not outer:
        return means
    V = _weights(weights, counts.sum(axis=inner), outer)  # (by the rows of each combination of the parents' values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (means * V[..., None]).sum(axis=outer) / V.sum(axis=outer)[..., None]


def _nested_equal_means(grid: np.ndarray, occurs: np.ndarray, parents: dict[int, list[int]],
                        kept: set[int]) -> np.ndarray:
    """The grid's rows averaged with equal weights over the axes not ``kept``, where more than one nested axis is
    averaged over, as emmeans' ``.nested_emm`` recurses through them.  Of the nested axes averaged over it takes A,
    the one with the most parents (the last of a tie, in the nesting's order), and groups the cells by the values of
    A's parents and of the other nested axes averaged over, G; within each group it averages over the axes not
    kept outside G, A at the values that occur in some row with the group's values:

        M_{k,G} = sum_R [A occurs with G] x / sum_R [A occurs with G],   R = the axes not kept, less G,

    and then does the same to M over the axes left (``occurs``: whether some row takes each cell, summed over R).
    With one nested axis averaged over this is the weighting of :func:`_nesting` (A's values that occur with its
    parents'); with two, A's values are those that occur with the parents and the other one's value together (g
    in h and f within h: f's values that occur with g and h, then g's that occur with h)."""
    axes = list(range(grid.ndim - 1))
    counts = occurs.astype(float)
    while True:
        averaged = [a for a in parents if a in axes and a not in kept]
        if not averaged:
            rest = tuple(i for i, a in enumerate(axes) if a not in kept)
            return grid.mean(axis=rest) if rest else grid
        most = max(len(parents[a]) for a in averaged)
        nested = [a for a in averaged if len(parents[a]) == most][-1]
        group = set(parents[nested]) | (set(averaged) - {nested})
        # (whether each value of A occurs with the group's values in some row, whatever the other axes' values)
        other = tuple(i for i, a in enumerate(axes) if a not in group and a != nested)
        mask = np.broadcast_to(counts.sum(axis=other, keepdims=True) > 0, counts.shape)
        R = tuple(i for i, a in enumerate(axes) if a not in kept and a not in group)
        with np.errstate(invalid="ignore", divide="ignore"):
            # (np.where: a group no row takes is NaN, and weighs nothing in the next step)
            grid = np.where(mask[..., None], grid, 0.0).sum(axis=R) / mask.sum(axis=R)[..., None]
        counts = counts.sum(axis=R)
        axes = [a for i, a in enumerate(axes) if i not in R]
        parents = {a: p for a, p in parents.items() if a in axes}


def _means_link(fit: "GLMResults", term: Any, by: Any = None, weights: str = "equal", at: Any = None,
                offset: Any = None) -> _Means:
    if not is_one_of(weights, WEIGHTS):
        raise GLMStatError(f"unknown weights {shown(weights)}; use one of {shown_items(list(WEIGHTS))} (emmeans')")
    names, n_named = _spec(term, by)
    data, summaries = _template(fit)
    variables = model_variables(fit, summaries)
    given: set[str] = set()  # (the variables held at values given by at=)
    if at is not None:
        if weights != "equal":
            raise GLMStatError("weights other than equal with at= are not supported: the rows used weigh cells of "
                               "the data's own values")
        variables, given = _at_values(variables, at)
    chosen = pick(variables, names, "estimated marginal means")
    twice = next((v.name for i, v in enumerate(chosen) if any(u is v for u in chosen[:i])), None)
    if twice is not None:  # (two spellings of one variable: dose and factor(dose))
        raise GLMStatError(f"the variable {shown(twice, 80)} is named more than once among {shown_items(names)}")
    grid, wide = _grid(fit, data, variables)
    index_of = {v.name: k for k, v in enumerate(variables)}
    axis = {k: a for a, k in enumerate(wide)}  # a variable's axis of the grid (none for one value)
    ignore = frozenset(axis[k] for k, v in enumerate(variables) if v.name in given and k in axis)
    # (weights need each cell's rows, whose counts say which cells occur too: one pass over the data, not two)
    counts = _cell_counts(fit, data, variables, wide, grid.shape[:-1]) if weights != "equal" else None
    nesting = _nesting(fit, data, variables, wide, grid.shape[:-1], ignore, counts)
    chosen, n_term, nested = _with_parents(chosen, n_named, nesting, variables, index_of, axis)
    position = [axis[index_of[v.name]] for v in chosen if index_of[v.name] in axis]
    # each combination of the chosen variables' values: the mean of the grid rows that have it (equal weights,
    # the mean over the other variables' axes), in emmeans' order -- the first chosen variable varies fastest
    kept = set(position)
    others = tuple(a for a in range(len(wide)) if a not in kept)
    W = None if nesting is None else nesting.W
    averaged = [] if nesting is None else [a for a in nesting.parents if a not in kept]
    if counts is not None and averaged:  # (a nested factor averaged over: within its parents' levels, then over them)
        means = _nested_weighted_means(grid, counts, weights, nesting, kept, averaged)
    elif len(averaged) > 1:  # (nested factors averaged over: which cells occur together, not pairwise)
        means = _nested_equal_means(grid, nesting.cells, nesting.parents, kept)
    else:
        if counts is not None:  # (a nested factor among the chosen: emmeans weighs the grid's cells as without one)
            W = _weights(weights, counts, others)
        if W is None:
            means = grid.mean(axis=others)
        else:  # (a combination that never occurs has no weight: NaN, not estimable)
            with np.errstate(invalid="ignore", divide="ignore"):
                means = (grid * W[..., None]).sum(axis=others) / W.sum(axis=others)[..., None]
    rank = {a: r for r, a in enumerate(sorted(position))}
    L = means.transpose([rank[a] for a in reversed(position)] + [len(position)]).reshape(-1, grid.shape[-1])
    level_lists = [_axis(v)[1] for v in chosen]
    order = [tuple(reversed(c)) for c in itertools.product(*reversed(level_lists))]
    if nested:  # emmeans shows a nested variable's values only with the parents' values they occur with
        shown_rows = _occurring(nested, nesting, [len(x) for x in level_lists], chosen, index_of, axis)
        L, order = L[shown_rows], [c for c, keep in zip(order, shown_rows) if keep]
    # emmeans: the mean of the model's offset, or the offset given (offset = 0: a rate per unit of exposure)
    o = np.full(len(L), _mean_offset(fit) if offset is None else _offset_value(offset))
    b = fit.coef.to_numpy()
    kept = ~np.isnan(b)
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    F = fit.covariance_factor
    F = None if F is None else F[kept]
    Lk = L[:, kept]
    eta = Lk @ b[kept] + o
    se = np.sqrt(np.maximum(combination_variances(Lk, V, F), 0.0))
    N = _null_space(fit)
    estimable = _estimable(L, N)
    eta[~estimable], se[~estimable] = np.nan, np.nan
    # emmeans' rule for a glm: t on the residual df for the gaussian and Gamma families, normal for the others
    # (quasi families and the inverse Gaussian included, although their dispersion is estimated)
    df = float(fit.df_residual) if fit.family.name in ("gaussian", "Gamma") else np.inf
    if len(chosen) == 1:
        index = pd.Index([k[0] for k in order], name=chosen[0].name)
    else:
        index = pd.MultiIndex.from_tuples(order, names=[v.name for v in chosen])
    return _Means(index, L, eta, se, estimable, df, kept, V, F, N, n_term, bool(nested))


def emmeans(fit: "GLMResults", term: Any, level: float = 0.95, by: Any = None, type: str = "response",
            weights: str = "equal", at: dict | None = None, offset: float | None = None) -> pd.DataFrame:
    """Estimated marginal means of ``term`` on the response scale (see the module docstring), or on the scale of
    the linear predictor.

    Parameters
    ----------
    fit : GLMResults
    term : str or list of str
        A variable (``"g"``), or several (``"a:b"``, ``["a", "b"]``): their level combinations.
    level : float
        Coverage of the intervals.
    by : str or list of str, optional
        Variables whose levels group the means (emmeans' ``~ term | by``).
    type : {"response", "link"}
        ``"response"``: back-transformed, as ``emmeans(..., type = "response")``; ``"link"``: eta, its standard
        error and eta -/+ q se, as emmeans' default (its ``emmean`` column, on the scale of the linear
        predictor -- of a transformed response's too).
    weights : {"equal", "proportional", "outer", "cells", "flat"}
        emmeans' weights of the grid's cells each mean averages over: equal (its default); in proportion to the
        rows of each combination of the other variables' values; to the product of their one-way counts; to each
        cell's own rows (the ordinary marginal means of the fitted values, on the link scale); 1 for each cell
        some row takes.
    at : dict, optional
        Numeric variables held at the values given instead of their mean (emmeans' ``at = list(x = c(...))``):
        ``{"x": [100, 150]}``, an axis of the grid (averaged over unless asked for by ``term`` or ``by``).
    offset : float, optional
        The offset of the grid's linear predictor instead of the mean of the model's (emmeans' ``offset =``):
        ``offset=0`` gives a rate per unit of exposure where the model's offset is ``log(exposure)``.

    Returns
    -------
    DataFrame
        Indexed by level (a MultiIndex for several variables, the term's then ``by``'s): ``estimate``,
        ``std_error``, ``df``, ``lower``, ``upper``.
    """
    level = confidence_level(level)
    if not is_one_of(type, ("response", "link")):  # (only Python's own str compared: a subclass's __eq__ never runs)
        raise GLMStatError(f"unknown type {shown(type)}; use 'response' (the means back-transformed, as emmeans' "
                           "type = \"response\") or 'link' (the linear predictor's scale, emmeans' default)")
    means = _means_link(fit, term, by, weights, at, offset)
    eta, se, df = means.eta, means.se, means.df
    q = interval_quantile(level, df)
    grouped = "" if by is None else f" by {', '.join(means.index.names[means.n_term:])}"
    based = f"{'normal' if np.isinf(df) else 't'}-based {level_percent(level)} intervals"
    if type == "link":
        table = pd.DataFrame({"estimate": eta, "std_error": se, "df": np.where(means.estimable, df, np.nan),
                              "lower": eta - q * se, "upper": eta + q * se}, index=means.index)
        table.attrs["heading"] = (f"Estimated marginal means{grouped} on the scale of the linear predictor "
                                  f"({fit.family.link.name} link), {based}")
        return table
    h, dh = back_transform(fit)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # (cut at the link's domain first, as emmeans' own links do: 1/sqrt(pmax(0, eta)) for 1/mu^2)
        a, b = (h(v) for v in domain_limits(fit.family.link, eta, eta - q * se, eta + q * se))
        table = pd.DataFrame({"estimate": h(eta), "std_error": np.abs(dh(eta)) * se,
                              "df": np.where(means.estimable, df, np.nan), "lower": np.fmin(a, b),
                              "upper": np.fmax(a, b)}, index=means.index)
    tr = fitted_response_transform(fit)
    scale = f"{fit.family.link.name} link" + (f", {tr[0]} response" if tr else "")
    table.attrs["heading"] = f"Estimated marginal means{grouped} on the response scale ({scale}), {based}"
    return table


def _adjust(p: np.ndarray, t: np.ndarray, method: str, k: int, rank: int, df: float) -> np.ndarray:
    """The p-values of a family of comparisons of k means, of ``rank``, adjusted by ``method`` (see
    :mod:`.p_adjust`; Tukey's for the k(k-1)/2 pairs, Dunnett's by emmeans' approximation:
    :mod:`.contrast_families`)."""
    if method == "none" or len(p) <= 1:
        return p
    if method == "tukey":  # (P(Q_{k,df} > sqrt(2) |t|); k(k-1)/2 p below 1e-10)
        return tukey_p_values(t, p, k, df)
    if method == "dunnettx":
        return dunnettx_p_values(t, p, df)
    if method == "scheffe":  # (emmeans' rank of the family's contrasts: k - 1 for the pairs of k means)
        return scheffe_p_values(t, rank, df)
    return p_adjust(p, method)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quadratic_rows(D: np.ndarray, V: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """diag(D V D') for the rows of ``D`` (V = F F' where ``F`` is given): through a sparse product when D is
    mostly zeros, as the differences of two means of a factor's levels are (two non-zero columns for a main
    effect), in time of D's non-zeros times the columns rather than its rows times the columns squared (the
    same products, summed in another order: 499,500 pairs of a 1,000-level factor took 26 s, 124,750 of 500
    levels 2.9 s)."""
    return combination_variances(sparse.csr_matrix(D) if np.count_nonzero(D) * 8 < D.size else D, V, F)


def emmeans_pairs(fit: "GLMResults", term: Any, adjust: str = "tukey", by: Any = None,
                  level: float | None = None, weights: str = "equal", at: dict | None = None) -> pd.DataFrame:
    """Pairwise comparisons of the estimated marginal means of ``term`` (see the module docstring): emmeans'
    ``pairs()``, :func:`emmeans_contrasts` with ``method="pairwise"``."""
    return emmeans_contrasts(fit, term, "pairwise", adjust, by, level=level, weights=weights, at=at)


def _adjustment(adjust: Any, family: ContrastFamily) -> tuple[str, str]:
    """(the adjustment made, a note of the one asked for where emmeans makes another): ``adjust`` checked, None
    for the family's default; Tukey's for a family that is not every pair is Sidak's, as emmeans changes it.
    emmeans' ``"mvt"`` (a multivariate t integral computed by simulation, whose p-values change from run to run)
    is refused, asked for or the family's default."""
    default = adjust is None
    if default:
        adjust = family.default_adjust
    method = adjust.lower() if isinstance(adjust, str) and own_scalar(adjust) else None  # (not a subclass's lower)
    known = _ADJUST + ("dunnettx",)
    if method not in known or method == "mvt":
        methods = ", ".join({"bh": "BH", "by": "BY"}.get(a, a) for a in known)
        if method == "mvt":
            why = (f"emmeans' default for {family.method} comparisons, " if default else "") + (
                "\"mvt\" integrates the multivariate t distribution by simulation, whose p-values change from run "
                "to run: not offered")
            raise GLMStatError(f"{why}; give adjust= one of {methods}")
        raise GLMStatError(f"unknown adjustment {shown(adjust)}; use one of {methods}")
    if method == "tukey" and not family.every_pair:
        return "sidak", "; tukey changed to sidak, as emmeans does: Tukey's is for one set of pairwise comparisons"
    return method, ""


def emmeans_contrasts(fit: "GLMResults", term: Any, method: str | dict = "pairwise", adjust: str | None = None,
                      by: Any = None, ref: Any = None, level: float | None = None, weights: str = "equal",
                      at: dict | None = None) -> pd.DataFrame:
    """Comparisons of the estimated marginal means of ``term``, as emmeans' ``contrast(emm, method)`` for the
    methods of :mod:`.contrast_families` (``"pairwise"``, ``"revpairwise"``, ``"trt.vs.ctrl"`` with ``ref``,
    ``"trt.vs.ctrlk"``, ``"consec"``, ``"eff"``, ``"del.eff"``, ``"poly"``, or a dict of contrasts of one's own);
    with ``by``, within each group of its levels, each group's p-values adjusted for its own comparisons (``adjust``
    None: the method's default, as emmeans').

    Returns
    -------
    DataFrame
        Indexed by ``contrast`` (``"a / b"`` for ratios, ``"a - b"`` for differences), after the ``by``
        variables' levels with ``by``: ``estimate``, ``std_error``, ``df``, ``statistic`` (on the link scale),
        ``p_value`` (adjusted); with a ``level``, ``lower`` and ``upper``: simultaneous intervals, as emmeans'
        ``confint()`` adjusts them (:mod:`.critical_values`: R's other p.adjust methods as Bonferroni's), on the
        link scale and shown as the estimates are.
    """
    check_method(method)
    means = _means_link(fit, term, by, weights, at)
    index, df, n_term = means.index, means.df, means.n_term
    names = list(index.names)[:n_term]
    keys = [k if isinstance(k, tuple) else (k,) for k in index]
    # the groups (the by variables' levels vary slowest): each one's first row and its means, which nesting can
    # make differ in number (a parent's levels each with the nested levels that occur with it)
    group_keys = list(dict.fromkeys(k[n_term:] for k in keys))
    group_of = {g: i for i, g in enumerate(group_keys)}
    sizes = np.bincount([group_of[k[n_term:]] for k in keys], minlength=len(group_keys))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    terms = [key[:n_term] for key in keys]
    # emmeans writes numeric-looking levels with their variable's name (cyl4 - cyl6)
    numeric = [all(_is_number(t[j]) for t in terms) for j in range(len(names))]
    all_labels = [" ".join(f"{n}{x}" if num else str(x) for n, x, num in zip(names, t, numeric)) for t in terms]
    all_labels = [f"({x})" if re.search(r"[-+/*]", x) else x for x in all_labels]  # emmeans' default "parens"
    if sizes.min() < 2:
        raise GLMStatError("comparisons need at least two means" + ("" if by is None else " in a group"))
    groups = [(int(a), int(k), all_labels[a:a + k]) for a, k in zip(starts, sizes)]
    families = [family_of(method, ref, labels) for _, _, labels in groups]
    family = families[0]
    adjusted_by, note = _adjustment(adjust, family)
    link = fit.family.link.name
    tr = fitted_response_transform(fit)
    if tr is not None and tr[0] == "identity":  # (I(y + c): emmeans compares on the link's scale, as for y)
        tr = None
    base = np.e if link in ("log", "logit") and tr is None else None
    if tr is not None and link == "identity" and tr[1] == 1:  # a transformed response: its back-transform's ratio
        base = RESPONSE_TRANSFORMS[tr[0]][2]
        link = f"{tr[0]} response"
    elif tr is not None and link == "log" and tr[0] == "sqrt" and tr[2] == 0:  # (exp(eta) / m)^2: ratio e^(2d)
        base = np.e ** 2
        link = "log link, sqrt response"
    ratio = base is not None
    counts = [f.count(k) for f, (_, k, _) in zip(families, groups)]
    n_pairs = sum(counts)
    k_first = groups[0][1]
    if n_pairs > MAX_PAIRS:
        raise GLMStatError(f"{k_first} means{'' if by is None else f' in each of {len(groups)} groups'} make "
                           f"{n_pairs} {'pairwise comparisons' if family.every_pair else 'comparisons'}, more than the "
                           f"{MAX_PAIRS} compared at most; compare the means of a variable with fewer levels")
    lengths = np.array([len(x) for x in all_labels], dtype=np.int64)
    none = np.zeros(0, dtype=np.intp)
    local = [(none, none) if family.linear else f.pairs(k) for f, (_, k, _) in zip(families, groups)]
    if family.linear:
        chars = int(lengths.sum()) + 10 * n_pairs  # ("a effect", "quadratic")
    else:
        chars = sum(int(lengths[a + i].sum() + lengths[a + j].sum()) for (a, _, _), (i, j) in zip(groups, local))
        chars += 3 * n_pairs
    if chars > MAX_PAIR_LABEL_CHARS:
        raise GLMStatError(f"the labels of the {n_pairs:,} pairwise comparisons of {k_first} means would take "
                           f"{chars:,} characters, more than the {MAX_PAIR_LABEL_CHARS:,} written at most (the "
                           "levels' labels are long); recode the levels with shorter labels, or compare the means "
                           "of a variable with fewer levels")
    if family.linear:  # (at most as many comparisons as means: their rows all at once)
        combined = np.vstack([f.combine(means.L[a:a + k]) for f, (a, k, _) in zip(families, groups)])
    else:  # (a group's means are consecutive rows)
        first = np.concatenate([a + i for (a, _, _), (i, _) in zip(groups, local)])
        second = np.concatenate([a + j for (a, _, _), (_, j) in zip(groups, local)])
    d, s, estimable = np.empty(n_pairs), np.empty(n_pairs), np.empty(n_pairs, dtype=bool)
    b = fit.coef.to_numpy()[means.kept]
    step = max(1, GRID_CELLS // max(means.L.shape[1], 1))
    for at in range(0, n_pairs, step):  # (in blocks: L_a - L_b for every pair at once is pairs x columns)
        part = slice(at, at + step)
        D = combined[part] if family.linear else means.L[first[part]] - means.L[second[part]]
        Dk = D[:, means.kept]
        d[part] = Dk @ b  # (the mean offset cancels)
        s[part] = np.sqrt(np.maximum(_quadratic_rows(Dk, means.V, means.F), 0.0))
        estimable[part] = _estimable(D, means.null_space)  # (the means' null space: no second pass)
    d[~estimable], s[~estimable] = np.nan, np.nan
    contrasts = [c for f, (_, _, labels), (i, j) in zip(families, groups, local) for c in (
        f.names(labels) if family.linear else
        [f"{labels[x]} {'/' if ratio else '-'} {labels[y]}" for x, y in zip(i.tolist(), j.tolist())])]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = d / s
    p = 2 * (normal_sf(np.abs(t)) if np.isinf(df) else t_sf(np.abs(t), df))
    # Tukey's k: each group's means -- but where emmeans compares nested means in groups of the same size it rbinds
    # the groups' comparisons into one grid whose family size is the number of them all, and Tukey's k is that (its
    # "family of 12 estimates" for two groups of four means); groups of sizes that differ are each their own
    tukey_k = [n_pairs if means.nested and len(groups) > 1 and len(set(sizes)) == 1 else k for _, k, _ in groups]
    ends = np.cumsum(counts)
    parts = [slice(e - c, e) for e, c in zip(ends, counts)]
    adjusted = np.concatenate([_adjust(p[g], t[g], adjusted_by, kt, f.rank(k), df)
                               for g, kt, f, (_, k, _) in zip(parts, tukey_k, families, groups)])
    est, se_out = (base ** d, base ** d * np.log(base) * s) if ratio else (d, s)
    interval = ""
    if level is not None:
        level = confidence_level(level)
        by_interval = adjusted_by if adjusted_by in INTERVAL_ADJUSTMENTS else "bonferroni"
        q = np.concatenate([np.full(c, critical_value(by_interval, level, c, kt, f.rank(k), df))
                            for c, kt, f, (_, k, _) in zip(counts, tukey_k, families, groups)])
        ends_ci = (d - q * s, d + q * s)
        lower, upper = (base ** e for e in ends_ci) if ratio else ends_ci
        interval = f"; {level:.4g} intervals adjusted by {by_interval}"
    if by is None:
        rows = pd.Index(contrasts, name="contrast")
    else:
        by_names = list(index.names)[n_term:]
        levels = [[g[j] for g, c in zip(group_keys, counts) for _ in range(c)] for j in range(len(by_names))]
        rows = pd.MultiIndex.from_arrays([*levels, contrasts], names=[*by_names, "contrast"])
    table = pd.DataFrame({"estimate": est, "std_error": se_out, "df": np.where(estimable, df, np.nan), "statistic": t,
                          "p_value": adjusted}, index=rows)
    if level is not None:
        table["lower"], table["upper"] = lower, upper
    scale = ("odds ratios" if link == "logit" else "ratios") if ratio else (
        "differences on the link scale" if link != "identity" else "differences")
    within = "" if by is None else f" within each level of {', '.join(list(index.names)[n_term:])}"
    control = f" ({groups[0][2][local[0][1][0]]})" if family.ref is not None or method == "trt.vs.ctrlk" else ""
    per_group = counts[0] if len(set(counts)) == 1 else f"{min(counts)} to {max(counts)}"
    adjusted_text = ("p-values not adjusted" if adjusted_by == "none" else f"p-values adjusted by {adjusted_by} for "
                     f"{per_group} comparisons{'' if by is None else ' a group'}")
    table.attrs["heading"] = (f"{family.description}{control} of estimated marginal means{within} ({scale}; tests "
                              f"on the {link} scale; {adjusted_text}{note}{interval})")
    return table
