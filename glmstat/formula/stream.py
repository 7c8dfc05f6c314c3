"""Streamed data: the model spec learned from every chunk in a first pass, then each chunk encoded alone.

Data too large for memory (a Parquet file, a dask DataFrame) arrive as chunks of rows.  The model spec cannot
come from the first chunk: a factor level may appear only in a later one, and ``poly()``, ``scale()`` and
``bs()`` learn their parameters from all the rows.  So a first pass evaluates the formula on every chunk in
the evaluator's *collect* mode (:func:`summarize`): which rows are dropped for missing values (counted per
column), the levels each factor variable takes in the rows kept, the kind and width of every variable, and
the inputs of the stateful transforms.  :func:`learn_spec` combines the summaries -- levels merged (sorted,
as R's ``factor()`` sorts them, or the categorical's own order when every chunk has the same categories),
transform parameters learned from all the collected inputs -- into the same :class:`~glmstat.formula.spec.ModelSpec`
an in-memory fit makes, and a :class:`ChunkEncoder` that turns any chunk into a block of the model's rows
(:class:`~glmstat.design.sources.Block`) with exactly the numbers the in-memory model frame would give those
rows.  A summary is small (counts, level sets, and only the transforms' inputs), and summaries merge
associatively (:meth:`ChunkSummary.merge`: counts summed, levels appended in the chunks' order), so on a cluster
the first pass is a map over partitions whose summaries are merged on the workers in the merge tree of every
pass (:class:`SummaryMerge`), the client receiving one.  In that pass a transform stands for a
placeholder; a formula that computes on its values (``log(scale(x))``, ``factor(round(scale(x)))``) has the
chunks summarized a second time with the learned parameters, since those values decide the rows and levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._arguments import shown
from ..once import once
from ..design.sources import Block
from ..errors import DataError, DataWarning, FormulaError, warn_user
from ..families import Family
from .call_arguments import bind
from .contrasts import contrasts_argument, with_contrasts
from .date_time_columns import date_times_read
from .deparse import deparse
from .encode import build_design, check_removed_factor
from .context_values import check_context
from .data_columns import DataColumns
from .evaluate import Evaluator, gathered_bytes
from .learners import RowsLearner
from .factor_functions import merge_chunk_levels
from .frame import STRUCTURED, check_finite_design, column_names, model_terms, no_rows_error, plan_for
from .functions import unqualified
from .limits import DEFAULT_LIMITS, FormulaLimits, refuse
from .nodes import Call, Name, Node, Num, Str, children
from .row_dependence import across_rows_error, same_across_chunks
from .rows import (argument_node, complete_arrays, evaluate_rows, missing_order, more_levels_warning,
                   numeric_text_warning, variables_used)
from .spec import ModelSpec, align_levels, all_missing, new_data_calls
from .subset import Subset, subset_argument
from .terms import Terms, lhs_names
from .values import FactorVec, NumMat, NumVec, label_text, level_sort_key, level_texts, missing_mask, take_rows

__all__ = ["ChunkSummary", "SummaryMerge", "ChunkEncoder", "StreamModel", "StreamedFrame", "summarize", "learn_spec",
           "columns_needed"]

#: the chunks whose first rows a context= function is given together, at most (:func:`_refuse_across_chunks`)
CONTEXT_SAMPLES = 64


@dataclass
class _VarInfo:
    """What the chunks say about one variable: its kind, and for a factor its levels."""

    kind: str  # "numeric", "factor" or "matrix"
    width: int = 1
    suffixes: tuple = ()
    full_levels: list = field(default_factory=list)  # each chunk's level tuple (a factor)
    present: set = field(default_factory=set)  # labels present in the rows kept
    #: labels present in any row, those subset= leaves out and those dropped for a missing value too (R's factor()
    #: keeps them, and relevel(x, ref = 2) counts them): for relevel() by position only
    used: set = field(default_factory=set)
    ordered: bool = False
    contrasts: str | None = None
    keep_unused: bool = False
    #: no row of the chunk has a value of it (an empty chunk, a column all missing in one file): its kind there
    #: says nothing (an all-null Parquet column has no type) and its rows are all dropped
    untyped: bool = False

    def absorb_levels(self, other: "_VarInfo") -> None:
        """Add another chunk's levels of the same factor (in place)."""
        # (a chunk's levels as the last chunk's -- every row group of a column with many -- are kept once)
        for t in other.full_levels:
            if not self.full_levels or t != self.full_levels[-1]:
                self.full_levels.append(t)
        self.present |= other.present
        self.used |= other.used
        self.ordered = self.ordered or other.ordered


@dataclass
class ChunkSummary:
    """A chunk's contribution to the first pass (combinable with :meth:`merge`)."""

    n: int = 0
    n_kept: int = 0
    n_excluded: int = 0  # rows subset= leaves out
    max_rows: int = 0
    dropped_by: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)  # node -> _VarInfo
    collected: dict = field(default_factory=dict)  # stateful call -> list of input arrays
    learners: dict = field(default_factory=dict)  # stateful call -> learn function
    response: _VarInfo | None = None  # a binomial factor response's levels (present: in the rows kept)
    has_offset: bool = False
    chunks: int = 0  # chunks with rows
    across_rows: dict = field(default_factory=dict)  # context= calls whose values depend on other rows (as keys)
    #: context= call -> the first row of some chunks (:func:`~glmstat.formula.row_dependence.row_sample`), at most
    #: :data:`CONTEXT_SAMPLES`, which the function is given together (:func:`_refuse_across_chunks`)
    samples: dict = field(default_factory=dict)
    #: stateful call -> the memory of the values ``collected`` holds for it (:func:`_held_bytes`), summed as merged
    gathered: dict = field(default_factory=dict)

    def merge(self, other: "ChunkSummary") -> "ChunkSummary":
        """Add ``other``, the summary of the chunks that follow this one's, into this one (in place; returned):
        counts summed, levels and collected values appended in the chunks' order.  Associative, so the
        summaries merge in any bracketing of their order (a dask fit's merge tree) to the same summary."""
        self.n += other.n
        self.n_kept += other.n_kept
        self.n_excluded += other.n_excluded
        self.max_rows = max(self.max_rows, other.max_rows)
        for k, v in other.dropped_by.items():
            self.dropped_by[k] = self.dropped_by.get(k, 0) + v
        for node, info in other.variables.items():
            mine = self.variables.get(node)
            if mine is None or (mine.untyped and not info.untyped):
                self.variables[node] = info
                continue
            if info.untyped:
                continue
            if mine.kind != info.kind or mine.width != info.width:
                raise DataError(f"the variable {shown(deparse(node))} is a {mine.kind} in one chunk of the data and a "
                                f"{info.kind} in another; give the column one type throughout")
            mine.absorb_levels(info)
        for call, arrays in other.collected.items():
            self.collected.setdefault(call, []).extend(arrays)
        self.learners.update(other.learners)
        if other.response is not None:
            if self.response is None:
                self.response = other.response
            else:
                self.response.absorb_levels(other.response)
        self.has_offset = self.has_offset or other.has_offset
        self.chunks += other.chunks
        self.across_rows.update(other.across_rows)
        for call, rows in other.samples.items():
            mine = self.samples.setdefault(call, [])
            mine.extend(rows[:CONTEXT_SAMPLES - len(mine)])
        for call, size in other.gathered.items():
            self.gathered[call] = self.gathered.get(call, 0) + size
        return self


def columns_needed(terms: Terms, names: Sequence[str], weights: Node | None, offset: Node | None,
                   subset: Subset | None = None) -> list[str]:
    """The data columns a model reads (response, terms, offsets, the columns weights= and offset= read, the
    variables of removed terms, whose missing values drop rows as in R, and the columns of the subset=
    condition)."""
    used: set[str] = set() if subset is None else subset.columns()
    for node in [terms.response, *terms.variables, *terms.removed, *terms.offsets, weights, offset]:
        used |= lhs_names(node)
    return [c for c in names if c in used]


def _check_arg(arg: Any, what: str) -> str | None:
    if arg is None or isinstance(arg, str):
        return arg
    raise DataError(f"{what}= must name a column of streamed data (a Parquet file or a dask DataFrame); an array "
                    "of values cannot be matched to its rows")


def summarize(df: pd.DataFrame, terms: Terms, family: Family, weights: str | None, offset: str | None,
              context: Mapping[str, Any], limits: FormulaLimits, state: Mapping[Node, Any] | None = None,
              known: Sequence[str] | None = None, subset: Subset | None = None) -> ChunkSummary:
    """The first pass over one chunk (see the module docstring).

    Without ``state`` the stateful transforms collect their inputs and stand for placeholders; with the
    ``state`` learned from every chunk they are applied, so that expressions of their values are the model's.
    ``known``: every column name of the data (the chunk holds the model's columns only), which a name that is
    no column is matched against for a suggestion.
    """
    names, positions = column_names(df)
    cols = DataColumns(df, names, positions, known)
    ev = Evaluator(cols, context, {}, "collect", limits) if state is None else \
        Evaluator(cols, context, dict(state), "apply", limits)
    rows = evaluate_rows(df, cols, ev, terms, family, weights, offset, subset=subset)
    keep = ~rows.drop
    out = ChunkSummary(n=rows.n, n_kept=int(keep.sum()), n_excluded=rows.excluded, max_rows=rows.n,
                       has_offset=rows.has_offset,
                       chunks=int(rows.n > 0), across_rows=dict.fromkeys(ev.across_rows),
                       samples={c: [row] for c, row in ev.context_samples.items()})
    out.dropped_by = {c: int(m.sum()) for c, m in rows.missing.items() if m.any()}
    # (and the factors that only removed terms name, whose contrasts are checked as R's model.matrix sets them)
    for node, v in [*rows.values.items(), *rows.removed_factors]:
        if isinstance(v, FactorVec):
            codes = v.codes[keep]
            present = np.zeros(len(v.levels), dtype=bool)
            present[codes[codes >= 0]] = True
            # (before the text of each level is written: R's 15 digits of a number take 30 us, and a row group of
            # 100,000 distinct numbers took 3 s a factor before the merged levels were refused)
            _check_levels(node, int(present.sum()), limits)
            out.variables[node] = _VarInfo("factor", full_levels=[tuple(v.levels)],
                                           present={label_text(lv) for lv, p in zip(v.levels, present) if p},
                                           ordered=v.ordered, contrasts=v.contrasts, keep_unused=v.keep_unused)
            if any(not isinstance(r, Str) for r in _relevel_refs(node)):
                used = np.zeros(len(v.levels), dtype=bool)
                used[v.codes[v.codes >= 0]] = True
                out.variables[node].used = {label_text(lv) for lv, u in zip(v.levels, used) if u}
        elif isinstance(v, NumMat):
            out.variables[node] = _VarInfo("matrix", v.values.shape[1], v.suffixes)
        else:
            out.variables[node] = _VarInfo("numeric")
        out.variables[node].untyped = bool(missing_mask(v, rows.n).all())
    if rows.response_levels is not None:
        out.response = _VarInfo("factor", full_levels=[rows.response_categories],
                                present={label_text(lv) for lv in rows.response_levels}, ordered=rows.response_ordered)
    for call, arrays in ev.collected.items():
        out.collected[call] = arrays
    out.gathered = _held_bytes(out)
    out.learners = dict(ev.learners)
    return out


def _summaries(read: "SummaryReader", columns: tuple, summarize_chunk: Callable, terms: Terms,
               limits: FormulaLimits) -> ChunkSummary:
    """``summarize_chunk`` of every chunk of ``columns``, merged by ``read`` with :class:`SummaryMerge`, which
    refuses what the merged summaries hold beyond the limits as soon as a merge holds it (a factor's levels, the
    values the stateful transforms gather); and the merged summary checked once more (one chunk: no merge)."""
    merge = SummaryMerge(tuple(variables_used(terms)), limits)
    total = read(columns, summarize_chunk, merge)
    return merge.checked(ChunkSummary() if total is None else total)


@dataclass(frozen=True)
class SummaryMerge:
    """Merges the summaries of consecutive chunks (:meth:`ChunkSummary.merge`: the first absorbs the second) and
    refuses the merged one when it holds too much: a factor of the model's terms whose levels present in the rows
    read so far already give more design columns than ``limits.max_columns`` (its levels are held until every
    chunk is read, and a small file whose row groups each hold other long strings -- a column of ids, or a
    forged file -- grew them without bound), or values gathered for the stateful transforms to learn from
    (``median(x)``, ``scale(x)``: every value of x) that need more than ``limits.max_design_bytes``.

    Picklable: a dask fit's first pass merges the partitions' summaries with it in the merge tree on the workers
    (:func:`glmstat.design.dask.reduce_delayed`), so that the client receives one summary, not one a partition.
    """

    factors: tuple[Node, ...]
    limits: FormulaLimits

    def __call__(self, first: ChunkSummary, second: ChunkSummary) -> ChunkSummary:
        """``first`` with ``second`` merged into it, checked (:meth:`checked`)."""
        return self.checked(first.merge(second))

    def checked(self, total: ChunkSummary) -> ChunkSummary:
        """``total`` itself, once it holds no more than the limits allow (see the class docstring).

        Raises
        ------
        FormulaError
            Naming the limit, the calls whose values were gathered or the factor, and the amount.
        """
        held = sum(total.gathered.values())
        if held > self.limits.max_design_bytes:
            calls = ", ".join(deparse(c) for c, size in total.gathered.items() if size)
            raise refuse("max_design_bytes", f"the values gathered from every chunk of the data to learn {calls} "
                         "from need more memory than allowed (bytes)", held, self.limits)
        for node in self.factors:
            info = total.variables.get(node)
            if info is not None and info.kind == "factor":
                _check_levels(node, len(info.present), self.limits)
        return total


def _held_bytes(part: ChunkSummary) -> dict[Node, int]:
    """The memory of the values a chunk's summary gathers for each stateful transform (``median(x)`` and
    ``scale(x)`` the values of x, ``mean(x)`` a few numbers: a :class:`~glmstat.formula.summary_functions.Part`)."""
    return {call: sum(map(gathered_bytes, arrays)) for call, arrays in part.collected.items()}


def _check_levels(node: Node, present: int, limits: FormulaLimits) -> None:
    """Refuse the factor ``node`` of the model's terms when its ``present`` levels in the rows read so far already
    give more design columns than ``limits.max_columns``."""
    if present - 1 > limits.max_columns:
        raise refuse("max_columns", f"the columns of the factor {shown(deparse(node))} (its levels in the rows read "
                     "so far, less one)", present - 1, limits)


def _check_rows_kept(total: ChunkSummary, subset: Subset | None) -> None:
    if total.n_kept == 0:
        raise no_rows_error(total.n, total.n_excluded, total.dropped_by, subset)


def _refuse_across_rows(total: ChunkSummary) -> None:
    """A ``context=`` function whose value for a row depends on the other rows (``(x - x.mean()) / x.std()``,
    a rank) is another function on each chunk: refused when the data came in more than one."""
    if total.across_rows and total.chunks > 1:
        raise across_rows_error(deparse(next(iter(total.across_rows))),
                                f"and streamed data (a Parquet file, a dask DataFrame) is evaluated one chunk of rows "
                                f"at a time ({total.chunks} here): on each", "learn from every row")


def _refuse_across_chunks(total: ChunkSummary, context: Mapping[str, Any]) -> None:
    """A ``context=`` function that gives rows of several chunks together other values than it gave each on its own
    chunk (:func:`~glmstat.formula.row_dependence.same_across_chunks`): a rank of chunks of one row each (1 on every
    chunk), a centring of chunks whose rows are alike within each, which each chunk's halves do not tell."""
    for call, rows in total.samples.items():
        fn = context.get(call.func)
        if fn is not None and not same_across_chunks(fn, rows):
            raise across_rows_error(deparse(call), f"and streamed data (a Parquet file, a dask DataFrame) is "
                                    f"evaluated one chunk of rows at a time ({total.chunks} here): on each",
                                    "learn from every row", "on rows of several chunks together it gives them other "
                                    "values than on their own chunks")


def _reads_transform_values(terms: Terms, transforms: Iterable[Node]) -> bool:
    """Whether an expression of the formula computes on a stateful transform's values (``log(scale(x))``,
    ``factor(round(scale(x)))``): the first pass's placeholders then say nothing of the levels it takes or the
    rows it makes missing, and the chunks must be summarized again with the transforms applied.  A transform
    that is itself a variable, an offset or the response is missing exactly where its input is, as its
    placeholder."""
    as_is = {terms.response, *variables_used(terms), *terms.offsets, *terms.removed}
    return any(call not in as_is for call in transforms)


def _gives_factor(total: ChunkSummary, call: Node) -> bool:
    """Whether the stateful call ``call`` is a factor variable of the model: its placeholder's levels in the first
    pass are not the levels it takes (``cut(x, 3)`` before the range of x is known)."""
    info = total.variables.get(call)
    return info is not None and info.kind == "factor"


def _relevel_refs(node: Node) -> list[Node]:
    """The ``ref`` arguments of the relevel() calls in ``node``."""
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            if unqualified(n.func) == "relevel":
                out.append(bind(n, ("x", "ref"), required=2)["ref"])
            stack.extend(n.args)
            stack.extend(v for _, v in n.kwargs)
    return out


def _merge_levels(info: _VarInfo, label: str, node: Node | None = None) -> tuple:
    """A factor's levels over every chunk: the chunks' own order when they all agree (a categorical's
    categories), else sorted (as R's factor() sorts); only the levels present in the rows kept.

    relevel() with a quoted level puts that level first, as on all the rows at once; a position (``ref =
    2``) counts in levels that only all the rows have, so chunks that disagree on the levels are refused, and
    so is a position counting a level no row uses (a chunk keeps a factor's unused levels, which carry a
    categorical's order here; factor() drops them from all the rows before relevel() counts).  The rows that
    subset= leaves out and those dropped for a missing value count: R's relevel() sees every row.
    """
    first = info.full_levels[0]
    refs = _relevel_refs(node) if node is not None else []
    by_position = refs and not (len(refs) == 1 and isinstance(refs[0], Str))
    if all(t == first for t in info.full_levels):
        candidates = list(first)
        counted = max((int(r.value) if isinstance(r, Num) and 1 <= r.value <= len(first) else len(first)
                       for r in refs if not isinstance(r, Str)), default=0)
        if any(label_text(lv) not in info.used for lv in first[:counted]):
            raise DataError(f"{shown(label)}: relevel() with a level's position needs the levels of all the rows, "
                            "and some levels it counts are used by no row; name the level, ref = \"b\", or give "
                            "the order with factor(x, levels = c(...))")
    elif by_position:
        raise DataError(f"{shown(label)}: relevel() with a level's position needs the levels of all the rows, and "
                        "the chunks of the data hold different levels; name the level, ref = \"b\", or give the "
                        "order with factor(x, levels = c(...))")
    elif info.ordered:
        candidates = list(max(info.full_levels, key=len))
        if not all(set(map(label_text, t)) <= set(map(label_text, candidates)) for t in info.full_levels):
            raise DataError(f"the ordered factor {shown(label)} has different levels in different chunks of the data; "
                            "give it one set of ordered categories throughout")
    else:
        by_text: dict[str, Any] = {}
        for t in info.full_levels:
            for lv in t:
                by_text.setdefault(label_text(lv), lv)
        candidates = sorted(by_text.values(), key=level_sort_key)
    if refs and isinstance(refs[0], Str):  # relevel(x, ref = "b"): b first, the others in order
        # (a logical's level by its text or R's, "TRUE", as relevel() matches it in memory)
        ref = [lv for lv in candidates if refs[0].value in level_texts(lv)]
        if not ref:  # (each chunk leaves a factor without that level as it is)
            raise DataError(f"{shown(label)}: ref = {shown(refs[0].value)} is not a level in any chunk of the data")
        candidates = ref + [lv for lv in candidates if lv is not ref[0]]
    if info.keep_unused:
        return tuple(candidates)
    # (strings are their own texts: a file's dictionary of a million declared levels wrote each one's text, 1 s)
    texts = candidates if set(map(type, candidates)) <= {str} else map(label_text, candidates)
    return tuple(lv for lv, text in zip(candidates, texts) if text in info.present)


@dataclass(frozen=True, eq=False)
class ChunkEncoder:
    """Turns a chunk of the data into a block of the model's rows, as the in-memory frame would (picklable:
    shipped to a cluster's workers)."""

    spec: ModelSpec
    family: Family
    weights: str | None
    offset: str | None
    response_levels: tuple | None
    subset: Subset | None = None

    def encode(self, df: pd.DataFrame) -> Block:
        spec = self.spec
        names, positions = column_names(df)
        cols = DataColumns(df, names, positions)
        ev = Evaluator(cols, spec.context, dict(spec.state), "apply", spec.limits)
        rows = evaluate_rows(df, cols, ev, spec.terms, self.family, self.weights, self.offset, self.response_levels,
                             self.subset)
        used = np.flatnonzero(~rows.drop)
        sel = None if used.size == rows.n else used
        values = {}
        for t in spec.plan.terms:
            for vc in t.variables:
                if used.size == 0:  # (a chunk of no rows used: its values may have no type, or another)
                    values[vc.node] = all_missing(vc, 0)
                    continue
                v = take_rows(rows.values[vc.node], sel)
                if vc.factor is not None:
                    v = align_levels(v, vc.factor.levels, vc.label)
                values[vc.node] = v
        X = build_design(spec.plan, values, used.size, STRUCTURED)
        index = df.index if sel is None else df.index[used]
        check_finite_design(X, spec.plan.column_names, index)
        arrays = complete_arrays(rows, sel, df.index)
        return Block(X, arrays.y, arrays.total_weights, arrays.trials, arrays.offset, index=index,
                     start_weights=arrays.start_weights)

    def kept(self, df: pd.DataFrame) -> np.ndarray:
        """Which rows of the chunk the model uses (no missing value in a model variable)."""
        names, positions = column_names(df)
        cols = DataColumns(df, names, positions)
        ev = Evaluator(cols, self.spec.context, dict(self.spec.state), "apply", self.spec.limits)
        rows = evaluate_rows(df, cols, ev, self.spec.terms, self.family, self.weights, self.offset,
                             self.response_levels, self.subset)
        return ~rows.drop


@dataclass(frozen=True, eq=False)
class StreamModel:
    """What the first pass learned: the spec, the encoder, and the counts of rows."""

    spec: ModelSpec
    encoder: ChunkEncoder
    columns: tuple[str, ...]  # the data columns to read
    n_rows: int  # rows kept
    n_dropped: int
    dropped_by: Mapping[str, int]
    response_name: str
    has_offset: bool


#: ``read(columns, summarize_chunk, merge)``: apply ``summarize_chunk`` to every chunk of the data's ``columns`` (on
#: this machine, or on a cluster's workers) and return the summaries merged in the chunks' order by ``merge`` (a
#: :class:`SummaryMerge`; in any bracketing: a fold, or a dask fit's merge tree on its workers), None without chunks.
SummaryReader = Callable[[tuple, Callable[[pd.DataFrame], ChunkSummary], Callable[[ChunkSummary, ChunkSummary],
                                                                                  ChunkSummary]], ChunkSummary | None]


def learn_spec(formula: str, names: Sequence[str], read: SummaryReader, family: Family, *, weights: Any = None,
               offset: Any = None, context: Mapping[str, Any] | None = None,
               limits: FormulaLimits = DEFAULT_LIMITS, contrasts: Mapping[str, Any] | None = None,
               subset: Any = None) -> StreamModel:
    """The model spec of ``formula`` on streamed data with columns ``names``, from a first pass (``read``)
    that summarizes every chunk of the columns the model uses (see the module docstring); ``subset``: a
    condition choosing the rows (:mod:`glmstat.formula.subset`)."""
    weights, offset = _check_arg(weights, "weights"), _check_arg(offset, "offset")
    chosen = subset_argument(subset, limits, None)
    ctx = check_context(context)
    contrasts = contrasts_argument(contrasts)
    terms = model_terms(formula, tuple(names), limits)
    nodes = {what: None if arg is None else argument_node(arg, set(names).__contains__, names, limits, what)
             for what, arg in (("weights", weights), ("offset", offset))}
    needed = tuple(columns_needed(terms, names, nodes["weights"], nodes["offset"], chosen))
    one = partial(summarize, terms=terms, family=family, weights=weights, offset=offset, context=ctx, limits=limits,
                  known=tuple(names), subset=chosen)
    total = _summaries(read, needed, one, terms, limits)
    if total.n == 0:
        raise DataError("the data has no rows")
    _refuse_across_rows(total)
    _refuse_across_chunks(total, ctx)
    # (factor(x, labels = ...) placeholders carry a chunk's own levels, those of cut(x, 3) and interaction(a, b)
    # none: the levels need every chunk's; as.Date()'s format, which texts are missing)
    again = _reads_transform_values(terms, total.collected) or any(
        total.learners[call] is merge_chunk_levels or isinstance(total.learners[call], RowsLearner)
        or _gives_factor(total, call) for call in total.collected)
    if not again:  # (else placeholders decided the rows kept, and the learners run first)
        _check_rows_kept(total, chosen)
    state = {}
    for call, arrays in total.collected.items():
        nested = [c for c in _inner_calls(call) if c in total.collected]
        if nested and total.learners[call] is not date_times_read:  # (whose state no value decides)
            raise FormulaError(f"{deparse(call)}: a stateful transform inside another ({deparse(nested[0])}) is not "
                               "supported on streamed data; compute the inner one as a column first")
        state[call] = total.learners[call](np.concatenate(arrays) if arrays else np.zeros(0))
    if again:
        total = _summaries(read, needed, partial(one, state=state), terms, limits)
        _check_rows_kept(total, chosen)
    template, levels = {}, {}
    for node in variables_used(terms):
        info = total.variables[node]
        label = deparse(node)
        if info.kind == "factor":
            lv = _merge_levels(info, label, node)
            levels[label] = lv
            if isinstance(node, Name) and (msg := numeric_text_warning(node.id, lv)):
                warn_user(msg, DataWarning)  # (glm's caller, as the response's warning below)
            template[node] = FactorVec(np.zeros(0, dtype=np.intp), lv, info.ordered, info.contrasts, info.keep_unused)
        elif info.kind == "matrix":
            template[node] = NumMat(np.zeros((0, info.width)), info.suffixes)
        else:
            template[node] = NumVec(np.zeros(0))
    template = with_contrasts(template, contrasts, names)
    for node in terms.removed:  # (R's model.matrix sets contrasts on these too)
        info = total.variables.get(node)
        if info is not None and info.kind == "factor":
            check_removed_factor(deparse(node), _merge_levels(info, deparse(node), node), info.contrasts)
    plan = plan_for(terms, template, total.max_rows, limits)
    response_name = deparse(terms.response)
    response_levels = None
    if total.response is not None and total.response.present:
        response_levels = _merge_levels(total.response, response_name, terms.response)  # (relevel(y, "b"): b first)
        if msg := more_levels_warning(response_name, response_levels):
            warn_user(msg, DataWarning)  # (glm's caller: _parquet or _dask, _streamed, ...)
    spec_columns = tuple(c for c in names if c in terms.names_read)
    spec = ModelSpec(formula, terms, plan, state, ctx, offset, limits, levels, spec_columns, contrasts=contrasts,
                     offset_node=nodes["offset"], weights_node=nodes["weights"],
                     across_rows=new_data_calls(terms, nodes["offset"], total.across_rows))
    encoder = ChunkEncoder(spec, family, weights, offset, response_levels, chosen)
    dropped_by = missing_order(total.dropped_by, set(needed) - {weights, offset},
                               [response_name, offset or "offset", weights or "weights"])
    return StreamModel(spec, encoder, needed, total.n_kept, total.n - total.n_kept - total.n_excluded, dropped_by,
                       response_name, total.has_offset or offset is not None)


def _in_memory_only(what: str):
    def get(self):
        raise DataError(f"{what} of a model fitted to streamed data (a Parquet path or a dask DataFrame) are not "
                        "held in memory; the fit reads them from the data when it needs them")
    return property(get)


@dataclass(frozen=True, eq=False)
class StreamedFrame:
    """The model frame of streamed data: names, terms, the spec and the counts of rows, but not the rows
    themselves (they stay in the files or on the cluster, and a row source reads them when needed).

    ``rows_used`` is made on first read by ``rows_index`` (a pass over the data).
    """

    column_names: tuple[str, ...]
    term_labels: tuple[str, ...]
    term_columns: tuple[tuple[int, ...], ...]
    has_offset: bool
    has_intercept: bool
    n_rows: int
    n_dropped: int
    dropped_by: Mapping[str, int]
    response_name: str
    spec: ModelSpec = field(repr=False)
    rows_index: Callable[[], pd.Index] = field(repr=False, compare=False)
    #: the ``weights=`` column (refits with another formula read the same column)
    weights_column: str | None = None
    #: ``glm(subset=)``'s condition (refits choose the same rows)
    subset: Subset | None = None
    data = None  # the caller's data is not kept: it may not fit in memory
    row_positions = None
    in_memory = False

    y = _in_memory_only("the response values")
    prior_weights = _in_memory_only("the prior weights")
    trials = _in_memory_only("the binomial trials")
    total_weights = _in_memory_only("the weights")
    offset = _in_memory_only("the offsets")
    design = _in_memory_only("the design rows")
    X = _in_memory_only("the design rows")

    @once
    def rows_used(self) -> pd.Index:
        return self.rows_index()

    @classmethod
    def of(cls, model: StreamModel, rows_index: Callable[[], pd.Index]) -> "StreamedFrame":
        plan = model.spec.plan
        return cls(plan.column_names, plan.term_labels, plan.term_columns, model.has_offset,
                   model.spec.terms.intercept, model.n_rows, model.n_dropped, model.dropped_by, model.response_name,
                   model.spec, rows_index, model.encoder.weights, model.encoder.subset)


def _inner_calls(outer: Node) -> list[Node]:
    """The calls inside ``outer``'s arguments, in one walk of its tree: each stateful call was compared with every
    other, a walk of its tree each (1,300 summaries on 100 rows: 7 s)."""
    out, stack = [], list(children(outer))
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            out.append(n)
        stack.extend(children(n))
    return out
