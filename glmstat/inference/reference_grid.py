"""The reference grid of estimated marginal means and the rows of its means, as R's emmeans builds them
(``ref_grid``, then the means of a term over it): :func:`grid_means` gives each mean's row L of the grid's design
rows, its linear predictor and standard error on the link scale; :mod:`.emmeans` makes the tables, the comparisons
and their adjustments.

The reference grid crosses every level of every factor of the model, and both values of each numeric
variable with at most two distinct values (emmeans' ``cov.keep = "2"``), with every other numeric variable
at its mean over the rows used (a factor read only through its level codes, ``unclass(tobgp)``, is such a
covariate, at the mean of its codes, as emmeans' ``ref_grid`` holds it: :mod:`glmstat.inference.variables`);
the offset is the mean of the model's offset over the rows used (formula offsets and the offset argument
together, as emmeans takes it).  For a level (or combination of levels) of
the chosen variables, with x_j the design rows of the grid points that have it (equal weights) and o the
mean offset:

    L = mean_j x_j,   eta = L b + o,   se_eta = sqrt(L V L')        (on the link scale)

(With nesting -- in the data, every level of a factor A occurs with one level of a factor B only, or in the formula,
A in ``B/A`` = ``B + B:A`` whatever the data: emmeans' ``.find_nests``, :mod:`glmstat.inference.nesting_terms` --
A is averaged within each level of B over the levels that occur there, and the mean is weighted so; the means
of A itself are given within B's levels, as emmeans' ``.nested_emm`` adds the parents to the term (``~ A`` is
``~ A:B``, its index A and then B), and only for the combinations that occur (its ``.find.nonempty.nests``).
With two or more nested factors averaged over, emmeans recurses: the one with the most parents, A, within each
combination of its parents' and the other nested factors' values, over A's levels that occur with those values
together, then the next (:func:`_nested_equal_means`).
For a fit to streamed data the combinations that occur are gathered in one pass over its data.)

emmeans' ``weights`` other than equal weigh the grid's cells by the rows used that take them (counted in memory,
or in one pass over a streamed fit's data): ``"proportional"`` by the rows of each combination of the averaged
variables' values, ``"outer"`` by the product of their one-way counts, ``"cells"`` by each cell's rows (the
ordinary marginal means of the fitted values, on the link scale), ``"flat"`` 1 for each cell some row takes.
Where a nested factor is averaged over they weigh the cells within each combination of its parents' values by
that combination's rows (the nested factor at the values that occur there), then those combinations by their rows,
as emmeans' ``.nested_emm`` calls itself twice (one nested factor only: more are refused).

With ``by`` (emmeans' ``~ term | by``) the means are those of the combinations of the term's and the by
variables' levels, the same numbers as for ``term:by``, grouped by the by variables' levels (they vary
slowest).

``at=`` (emmeans' ``at = list(...)``) holds a numeric variable at the values given instead of its mean, and a
factor at the levels given only, in their order: its axis of the grid is those levels, which the means average
over (or which are the term's), and which rows take them is read off the rows at those levels (emmeans' ``.wgt.``
of its grid's cells), for nesting and for emmeans' weights other than equal (refused with at= of a numeric
variable: the rows seldom take the values given).

``cov_reduce=`` and ``cov_keep=`` (emmeans' ``cov.reduce`` by name and ``cov.keep``) hold the covariates at
other values than their mean: their median, least or greatest value, both ends (``"range"``: an axis, its values
treated as ``at=``'s), or all their distinct values (those named, or of at most n values, in place of emmeans'
default ``"2"``); ``at=`` has the last word (:func:`_covariate_values`).

With ``regrid`` (emmeans' ``regrid = "response"``) each cell of the grid is back-transformed before the means
average over it: the rows averaged are each cell's gradient of mu in b, its mu and whether it is estimable
(:func:`_response_cells`), so every weighting and nesting above averages them as it averages design rows.

The grid's design rows are built up to :data:`GRID_CELLS` cells (rows x model columns), or up to emmeans' own
limit of 10,000 rows (:data:`GRID_ROWS`) however many columns, and each mean averages its rows over the other
variables' axes.  Larger requests are refused with the numbers.

For a fit to streamed data (a Parquet path, a dask DataFrame) the grid is the same: the factor levels come
from the model spec, the numeric variables' means and distinct values from one pass over the columns the
model reads, restricted to the rows used (:mod:`glmstat.inference.column_summaries`), the mean offset from a
pass over the model's rows, and, with aliased columns, the null space of the design from X'X (one pass).

"""

from __future__ import annotations

import itertools
import math
import operator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from ..design.sources import fold
from ..engine.linalg import design_qr
from .._arguments import finite_or_none, integer_type, is_one_of, own_scalar, shown, shown_items
from ..errors import GLMStatError
from ..formula.validation import MAX_MAGNITUDE
from ..formula.nodes import names_read
from ..formula.values import label_text
from .column_summaries import LEVELS_KEPT, column_summaries
from .nesting_terms import term_nesting
from .response_transform import back_transform
from .covariance_factor import combination_variances
from .fit_access import encode, response, structure, used_data
from .streamed_data import raw_fold
from .update import r_formula
from .variables import ModelVariable, model_variables, pick, with_columns, with_values

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["GridMeans", "grid_means", "estimable_rows", "WEIGHTS", "GRID_CELLS", "GRID_ROWS", "MAX_AT_VALUES",
           "REDUCTIONS"]


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


def estimable_rows(L: Any, N: np.ndarray | None) -> np.ndarray:
    """Rows of L (dense, or scipy sparse) in the row space of the design (always true without aliased columns,
    N None): |L N| <= 1e-8 |L| for N an orthonormal basis of the design's null space."""
    if N is None:
        return np.ones(L.shape[0], dtype=bool)
    if hasattr(L, "multiply"):  # (sparse)
        size = np.sqrt(np.asarray(L.multiply(L).sum(axis=1)).ravel())
    else:
        size = np.linalg.norm(L, axis=1)
    return np.linalg.norm(np.asarray(L @ N), axis=1) <= 1e-8 * np.maximum(size, 1e-300)


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


class GridMeans(NamedTuple):
    """The marginal means on the link scale: their index, the rows L of the grid's means (every column),
    eta and se_eta (NaN where not estimable), which are estimable, the df of their tests, the kept columns,
    the covariance of their coefficients (and its factor), the design's null space (None without aliased columns),
    how many of the index's variables are the term's, whether a nested one is among them, the variables of
    several values the means average over (emmeans' ``avgd.over``), and each mean's offset o (in eta)."""

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
    averaged_over: tuple[str, ...] = ()  # the variables of several values the means average over, in emmeans' order
    offset: np.ndarray | None = None  # each mean's offset (the mean of the model's, or offset=)
    values: np.ndarray | None = None  # regridded: the means on the response scale (L their gradients in b)


#: at most this many values of a numeric variable given by ``at=``
MAX_AT_VALUES = 1000


def _offset_reads(fit: "GLMResults") -> set[str]:
    """The data columns the model's offsets read (``offset(log(t))`` terms and the ``offset=`` argument)."""
    return {r for node in structure(fit).offsets for r in names_read(node)} | set(fit.model_frame.spec.offset_columns)


def _level_position(v: ModelVariable, value: Any) -> int | None:
    """The position among the factor ``v``'s levels of the level ``value`` names: a level itself (a number for a
    factor of numbers, ``factor(cyl)``'s 4, as emmeans takes it; True for a logical's) or its label (``"4"``,
    ``"TRUE"``); None for none."""
    if not own_scalar(value):
        return None
    if isinstance(value, str):
        return next((j for j, label in enumerate(v.labels) if label == value), None)
    if isinstance(value, (bool, np.bool_)):  # (a logical's levels FALSE and TRUE)
        return next((j for j, level in enumerate(v.levels) if isinstance(level, (bool, np.bool_))
                     and bool(level) == bool(value)), None)
    number = finite_or_none(value)
    return None if number is None else next(
        (j for j, level in enumerate(v.levels) if not isinstance(level, str) and own_scalar(level)
         and finite_or_none(level) == number), None)


def _at_levels(v: ModelVariable, name: str, values: Any) -> ModelVariable:
    """The factor ``v`` with the levels ``values`` names only, in the order given (emmeans' ``at = list(B =
    c("b1", "b2"))``: the grid holds B at those levels); a level it does not have, or one given twice, refused."""
    raw = list(values) if isinstance(values, (list, tuple, np.ndarray, pd.Series)) else [values]
    k = len(v.levels)
    if not 0 < len(raw) <= k:
        raise GLMStatError(f"at= {shown(name)}: give 1 to {k} of the factor's levels, got {shown(values)}")
    positions: list[int] = []
    for value in raw:
        j = _level_position(v, value)
        if j is None:
            raise GLMStatError(f"at= {shown(name)}: {shown(value)} is not a level of the factor {shown(v.name)} (its "
                               f"levels: {shown_items(list(v.labels))})")
        if j in positions:  # (emmeans then finds a nesting in it the model does not have)
            raise GLMStatError(f"at= {shown(name)} gives the level {shown(v.labels[j])} twice")
        positions.append(j)
    return replace(v, levels=tuple(v.levels[j] for j in positions), labels=tuple(v.labels[j] for j in positions))


def _at_values(variables: list[ModelVariable], at: Any,
               offset_reads: set[str] | frozenset[str] = frozenset()) -> tuple[list[ModelVariable], set[str]]:
    """``variables`` with the numeric ones ``at`` names (emmeans' ``at = list(x = c(...))``) held at the values
    given, finite numbers of at most ``MAX_MAGNITUDE`` in size (the data's bound), instead of their mean (or their
    two values), and the factors it names at the levels given only (:func:`_at_levels`); and the numeric variables'
    names (their axes, values the rows need not take, are neither nested nor parents; a factor's levels are the
    data's).  A column only the offsets read (``offset_reads``: ``t`` of ``offset(log(t))``) is refused, naming
    ``offset=``: the grid's offset is the mean of the model's (emmeans 1.8 ignores such an ``at``)."""
    if not isinstance(at, dict):
        raise GLMStatError(f"at= must be a dict of variables and their values, e.g. {{'x': [1, 2], 'g': ['a', "
                           f"'b']}}, got {shown(at)}")
    given: dict[int, tuple] = {}
    levels: dict[int, ModelVariable] = {}
    for name, values in at.items():
        if isinstance(name, str) and name in offset_reads and not any(name in v.spellings for v in variables):
            raise GLMStatError(f"at= {shown(name)}: {shown(name)} is read only by the model's offset, which the grid "
                               "holds at the mean of the model's offset; give the grid's offset by offset= on the "
                               "linear predictor's scale (offset=log(1000) for offset(log(t)) at t = 1000)")
        v = pick(variables, [name], "values given by at=")[0]
        if v.coded is not None:
            raise GLMStatError(f"at= {shown(name)}: the model reads this factor only through its level codes "
                               "(unclass(), as.numeric()), a covariate the grid holds at the mean of its codes, as "
                               "emmeans does; at= of its levels is not offered")
        if v.is_factor:
            levels[next(i for i, u in enumerate(variables) if u is v)] = _at_levels(v, name, values)
            continue
        raw = values if isinstance(values, (list, tuple, np.ndarray, pd.Series)) else [values]
        numbers = [finite_or_none(x) for x in raw[:MAX_AT_VALUES + 1]]
        if not 0 < len(raw) <= MAX_AT_VALUES or any(x is None for x in numbers):
            raise GLMStatError(f"at= {shown(name)}: give 1 to {MAX_AT_VALUES} finite numbers, got {shown(values)}")
        huge = next((x for x in numbers if abs(x) > MAX_MAGNITUDE), None)
        if huge is not None:  # (the bound of the data's values: a mean's variance takes their squares)
            raise GLMStatError(f"at= {shown(name)}: {huge:g} is larger than {MAX_MAGNITUDE:g} in size, where the "
                               "squares a standard error takes leave double precision (the data's values are "
                               "refused there too)")
        given[next(i for i, u in enumerate(variables) if u is v)] = tuple(dict.fromkeys(numbers))
    return ([replace(v, distinct=given[i]) if i in given else levels.get(i, v) for i, v in enumerate(variables)],
            {variables[i].name for i in given})


#: emmeans' reductions of a covariate offered by name (``cov.reduce``): the ones that run no code of the caller's
REDUCTIONS = ("mean", "median", "range", "min", "max")


def _reduction(value: Any, what: str) -> str:
    """A reduction's name (:data:`REDUCTIONS`) checked; a function refused, naming ``cov_reduce=``."""
    if callable(value):
        raise GLMStatError(f"cov_reduce={what} takes the name of a reduction ({shown_items(list(REDUCTIONS))}), not a "
                           "function: glmstat runs no code of the caller's to build a reference grid; give the values "
                           "by at= instead")
    if not is_one_of(value, REDUCTIONS):
        raise GLMStatError(f"unknown cov_reduce={what or ''} {shown(value)}; use one of {shown_items(list(REDUCTIONS))}"
                           " (emmeans' cov.reduce by name), or a dict of them by covariate")
    return value


def _numeric_variable(variables: list[ModelVariable], name: Any, argument: str, what: str) -> ModelVariable:
    """The numeric covariate ``name`` (a factor, or a factor read through its codes, refused naming ``argument``)."""
    v = pick(variables, [name], f"covariates given by {argument}=")[0]
    if v.is_factor or v.coded is not None:
        raise GLMStatError(f"{argument}= {shown(name)}: the factor {shown(v.name)} has levels, not values to {what}")
    return v


def _covariate_column(fit: "GLMResults", data: pd.DataFrame, summaries: Any, v: ModelVariable,
                      reduction: str) -> tuple:
    """The values ``reduction`` (or ``"keep"``: all its distinct values, sorted) gives the covariate ``v`` over the
    rows used: in memory from ``data``; for a streamed fit from its columns' summaries (its least and greatest
    values, and its distinct values up to ``LEVELS_KEPT``; a median needs the rows, and is refused)."""
    if summaries is None:
        x = next(data[c] for c in data.columns if str(c) == v.name).to_numpy(dtype=float)
        low, high = float(np.min(x)), float(np.max(x))
        distinct = tuple(np.unique(x).tolist())
        median = float(np.median(x))
    else:
        column = summaries.columns[v.name]
        low, high = float(column.minimum), float(column.maximum)
        distinct = None if column.distinct is None else tuple(sorted(column.distinct))
        median = None
    if reduction == "keep":
        if distinct is None:
            raise GLMStatError(f"cov_keep= {shown(v.name)}: it takes more than {LEVELS_KEPT:,} values in the streamed "
                               "data, too many to keep each on the reference grid")
        return distinct
    if reduction == "median" and median is None:
        raise GLMStatError("cov_reduce= 'median' of a fit to streamed data is not offered (it needs every row at "
                           "once); give the value by at=")
    return {"mean": (), "median": (median,), "min": (low,), "max": (high,),
            "range": tuple(dict.fromkeys((low, high)))}[reduction]


def _covariate_values(fit: "GLMResults", variables: list[ModelVariable], data: pd.DataFrame, summaries: Any,
                      cov_reduce: Any, cov_keep: Any) -> tuple[list[ModelVariable], set[str]]:
    """``variables`` with each numeric covariate at the values emmeans' ``cov.keep`` and ``cov.reduce`` give it:
    kept at all its distinct values when ``cov_keep`` names it (a list of names; a number n: those of at most n
    values; None: emmeans' ``"2"``), else reduced by its ``cov_reduce`` (one name of :data:`REDUCTIONS` for every
    covariate, or a dict of them by covariate, the others at their mean); and the names of those reduced to several
    values (``"range"``: its two ends, values the rows seldom take, as ``at=``'s)."""
    if cov_reduce is None and cov_keep is None:
        return variables, set()
    if isinstance(cov_reduce, dict):
        named = {_numeric_variable(variables, k, "cov_reduce", "reduce").name: _reduction(r, f" {shown(k)}")
                 for k, r in cov_reduce.items()}
        default = "mean"
    else:
        named, default = {}, _reduction("mean" if cov_reduce is None else cov_reduce, "")
    if cov_keep is None:
        threshold, kept = 2, set()
    elif integer_type(cov_keep) and not isinstance(cov_keep, bool) and 0 <= cov_keep <= LEVELS_KEPT:
        threshold, kept = int(cov_keep), set()
    elif isinstance(cov_keep, (list, tuple)) and all(isinstance(k, str) for k in cov_keep):
        threshold, kept = 0, {_numeric_variable(variables, k, "cov_keep", "keep").name for k in cov_keep}
    else:
        raise GLMStatError(f"cov_keep= must be a list of covariates' names or a number of values from 0 to "
                           f"{LEVELS_KEPT:,} (emmeans' cov.keep: covariates of at most that many values keep them), "
                           f"got {shown(cov_keep)}")
    out, several = [], set()
    for v in variables:
        if v.is_factor or v.refusal:
            out.append(v)
            continue
        if v.coded is not None:
            raise GLMStatError(f"cov_reduce= and cov_keep= with a factor read through its level codes "
                               f"({shown(v.name)}: unclass(), as.numeric()) are not offered")
        values = _covariate_column(fit, data, summaries, v, "keep") if v.name in kept else None
        if values is None and threshold:
            if summaries is None:
                values = _covariate_column(fit, data, summaries, v, "keep")
            else:  # (a streamed column past LEVELS_KEPT values keeps none)
                column = summaries.columns[v.name]
                values = None if column.distinct is None else tuple(sorted(column.distinct))
            values = values if values is not None and len(values) <= threshold else None
        if values is None:
            values = _covariate_column(fit, data, summaries, v, named.get(v.name, default))
            if len(values) > 1:
                several.add(v.name)
        out.append(replace(v, distinct=values))
    return out, several


def _response_cells(fit: "GLMResults", grid: np.ndarray, offset: float) -> np.ndarray:
    """The reference grid's cells on the response scale, as emmeans' ``regrid = "response"`` makes them: for each
    cell's design row x, eta = x b + o and mu = h(eta) (the inverse link, then a transformed response's inverse:
    :func:`~glmstat.inference.response_transform.back_transform`), the row ``[h'(eta) x, mu, u]`` -- mu's gradient
    in b, mu, and u = 1 where x is not estimable (0 else).  Each is linear in what the means average, so averaging
    these rows as the design rows are gives each mean's value (the average of its cells' mu), its gradient (its
    standard error sqrt(G V G'), the delta method as emmeans') and whether a cell that is not estimable enters it."""
    shape, p = grid.shape[:-1], grid.shape[-1]
    X = grid.reshape(-1, p)
    b = fit.coef.to_numpy()
    kept = ~np.isnan(b)
    h, dh = back_transform(fit)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        eta = X[:, kept] @ b[kept] + offset
        mu, slope = h(eta), dh(eta)
    bad = ~estimable_rows(X, _null_space(fit))
    return np.column_stack([X * slope[:, None], mu, bad.astype(float)]).reshape(*shape, p + 2)


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


def _formula_order(fit: "GLMResults") -> dict[str, int]:
    """Each variable's position among the formula's right-hand side's variables (R's ``all.vars``)."""
    try:
        return {n: k for k, n in enumerate(dict.fromkeys(names_read(r_formula(fit).rhs)))}
    except (GLMStatError, RecursionError):  # (not expected: the fit parsed it)
        return {}


def _averaged_order(axes: list[int], averaged: set[int], parents: dict[int, list[int]],
                    chosen: list[int]) -> list[int]:
    """The axes ``averaged`` over in emmeans' order of its ``avgd.over`` (the note ``Results are averaged over the
    levels of: G, H``): the grid's order -- but where a nested axis is averaged over, emmeans' ``.nested_emm``
    averages first within each combination of its parents' values (A, the nested axis with the most parents, and
    the other axes averaged over but its parents and the other nested ones, in the grid's order), and then over those
    (in the order of the means it made: the ``chosen`` axes, A's parents, the other nested axes), recursing where a
    nested axis is among them.  ``axes``: the grid's axes in its order; ``parents``: each nested axis's."""
    nested = [a for a in parents if a in averaged]
    if not nested:
        return [a for a in axes if a in averaged]
    most = max(len(parents[a]) for a in nested)
    inner = [a for a in nested if len(parents[a]) == most][-1]  # (emmeans' rev(order(size))[1]: the last of a tie)
    groups = list(dict.fromkeys(parents[inner] + [a for a in nested if a != inner]))
    first = [a for a in axes if a in averaged and a not in groups]
    then = list(dict.fromkeys(chosen + groups))  # (the variables of the means made within the groups)
    rest = _averaged_order(then, {a for a in groups if a in averaged},
                           {a: p for a, p in parents.items() if a in then}, chosen)
    return first + [a for a in rest if a not in first]


def grid_means(fit: "GLMResults", term: Any, by: Any = None, weights: str = "equal", at: Any = None,
               offset: Any = None, cov_reduce: Any = None, cov_keep: Any = None, regrid: bool = False) -> GridMeans:
    """The means of ``term`` (with ``by``) over the reference grid (see the module docstring): ``weights``
    emmeans' weights, ``at`` values given, ``offset`` the grid's offset, ``cov_reduce`` and ``cov_keep`` the
    covariates' values as emmeans' ``cov.reduce`` (by name: :data:`REDUCTIONS`) and ``cov.keep``; ``regrid``:
    the cells on the response scale before they are averaged, as emmeans' ``regrid = "response"``
    (:func:`_response_cells`)."""
    if not is_one_of(weights, WEIGHTS):
        raise GLMStatError(f"unknown weights {shown(weights)}; use one of {shown_items(list(WEIGHTS))} (emmeans')")
    names, n_named = _spec(term, by)
    data, summaries = _template(fit)
    variables = model_variables(fit, summaries)
    # (the variables held at values given by at=, or reduced to several, cov_reduce="range": values the rows seldom
    # take; at= has the last word, as emmeans')
    variables, reduced = _covariate_values(fit, variables, data, summaries, cov_reduce, cov_keep)
    given: set[str] = set()
    if at is not None:
        variables, given = _at_values(variables, at, _offset_reads(fit))
    reduced -= given
    # (a factor's levels given by at=: its cells are weighed by their rows, as emmeans')
    if weights != "equal" and (given or reduced):
        what = (f"at= of a numeric variable ({shown_items(sorted(given))})" if given else
                f"cov_reduce='range' ({shown_items(sorted(reduced))})")
        raise GLMStatError(f"weights other than equal with {what} are not supported: the rows used weigh cells of the "
                           "data's own values, which they seldom take")
    given |= reduced
    chosen = pick(variables, names, "estimated marginal means")
    twice = next((v.name for i, v in enumerate(chosen) if any(u is v for u in chosen[:i])), None)
    if twice is not None:  # (two spellings of one variable: dose and factor(dose))
        raise GLMStatError(f"the variable {shown(twice, 80)} is named more than once among {shown_items(names)}")
    grid, wide = _grid(fit, data, variables)
    # emmeans: the mean of the model's offset, or the offset given (offset = 0: a rate per unit of exposure)
    o_value = _mean_offset(fit) if offset is None else _offset_value(offset)
    width = grid.shape[-1]
    if regrid:  # (each cell's gradient, value and non-estimability, averaged as the design rows are)
        grid = _response_cells(fit, grid, o_value)
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
    # (emmeans' avgd.over: a covariate held at one value is not among them, one given several by at= is)
    # (in the order of the formula's variables, R's all.vars, as emmeans' grid: y ~ H + G:H + D is H, G, D)
    first = _formula_order(fit)
    grid_order = sorted(range(len(wide)), key=lambda a: first.get(variables[wide[a]].name, len(first)))
    averaged_over = tuple(variables[wide[a]].name for a in _averaged_order(
        grid_order, {a for a in grid_order if a not in kept}, {} if nesting is None else nesting.parents, position))
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
    values = None
    if regrid:
        L, values, unestimable = L[:, :width], L[:, width], L[:, width + 1]
    o = np.full(len(L), 0.0 if regrid else o_value)
    b = fit.coef.to_numpy()
    kept = ~np.isnan(b)
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    F = fit.covariance_factor
    F = None if F is None else F[kept]
    Lk = L[:, kept]
    eta = Lk @ b[kept] + o if values is None else values.copy()
    se = np.sqrt(np.maximum(combination_variances(Lk, V, F), 0.0))
    N = _null_space(fit)
    estimable = estimable_rows(L, N)
    if values is not None:  # (a mean over a cell that is not estimable is not; nor one of no cell, NaN)
        estimable &= np.isfinite(values) & (unestimable == 0)
        values = np.where(estimable, values, np.nan)
    eta[~estimable], se[~estimable] = np.nan, np.nan
    # emmeans' rule for a glm: t on the residual df for the gaussian and Gamma families, normal for the others
    # (quasi families and the inverse Gaussian included, although their dispersion is estimated)
    df = float(fit.df_residual) if fit.family.name in ("gaussian", "Gamma") else np.inf
    if len(chosen) == 1:
        index = pd.Index([k[0] for k in order], name=chosen[0].name)
    else:
        index = pd.MultiIndex.from_tuples(order, names=[v.name for v in chosen])
    return GridMeans(index, L, eta, se, estimable, df, kept, V, F, N, n_term, bool(nested), averaged_over, o,
                     values)
