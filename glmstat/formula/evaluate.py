"""The interpreter: a formula node and the data -> a value, by walking the tree.

It knows R's arithmetic (``+ - * / ^ %% %/%``), comparisons, logical operators (``! & | && ||``), ``%in%``
against literal values, the functions of :mod:`glmstat.formula.functions` and the caller's ``context=``.
A name is resolved, as in R, to a data column first, then to a ``context=`` constant, then to a constant
(``T``, ``pi``); R's reserved constants (``TRUE``, ``Inf``, ``NA``...) are not names but nodes of their own,
never a column (a column named ``Inf`` is `` `Inf` ``); a call's function to a ``context=`` function, then to
glmstat's.  Nothing is ever handed to Python's ``eval``, there is no attribute access, and a name can only ever
mean numbers: a column's values, never the column object.

Arithmetic is float64 on arrays of the data's length, so nothing a formula computes can grow beyond a few
columns of that length (``FormulaLimits`` bounds how many).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from .._arguments import real_type, shown, shown_items, unpadded
from .._suggest import close_matches
from ..errors import DataError, FormulaError
from .arithmetic import r_div, r_mod, r_power
from .call_arguments import numeric
from .context_values import as_user_arg, refuse_unreadable
from .data_columns import DataColumns, multiindex_hint
from .date_functions import date_arith, date_operand, is_date
from .evaluation_prices import DISTINCT_BYTES, evaluation_passes, held_columns, refuse_basis_arguments
from .deparse import deparse
from .factor_functions import refuse_inexact
from .functions import (BUILTINS, CONSTANTS, DISTINCT_PASSES, FOREIGN_FUNCTIONS, FUNCTION_NAMES, REFUSED_FUNCTIONS,
                        RESERVED_VALUES, refused_function, unqualified)
from .learners import RowsLearner
from .limits import LEVEL_BYTES, FormulaLimits, refuse
from .matching import match_positions
from .na_values import R_NA, carried, na_exact
from .nodes import BinOp, Call, Const, Dot, Name, Node, Num, Paren, Str, Unary
from .parser import sum_chain
from .regex import RegexBudget
from .row_dependence import by_rows, row_sample
from .values import (R_INT_MAX, DateTimes, FactorVec, NumMat, NumVec, RInteger, Value, align_by_label,
                     column_value, is_integer_value, is_r_integer, label_text, levels_with_texts, r_text)

__all__ = ["Evaluator", "HINT", "TextLearner", "gathered_bytes"]

HINT = ("formulas may use data columns, math functions (log, exp, sqrt, abs, np.<ufunc>, ...), factor()/C(), "
        "I(), offset(), cbind() and names passed with context= (e.g. context={'myfun': myfun})")


_FLT_EPSILON = 1.1920928955078125e-07  # (R's ':' counts its steps with this tolerance: 1:(3 - 1e-9) is 1, 2, 3)


def gathered_bytes(values: np.ndarray) -> int:
    """The memory of what a stateful transform gathers from a chunk to learn from: the values (``median(x)``,
    ``scale(x)``), or that of each record of an object array (:func:`_record_bytes`)."""
    return sum(map(_record_bytes, values)) if values.dtype == object else int(values.nbytes)


def _record_bytes(record: Any) -> int:
    """A chunk's record's memory: the ``nbytes`` of a summary's :class:`~glmstat.formula.summary_functions.Part`
    (the values a median keeps), or the levels (:data:`LEVEL_BYTES` each, and a string's characters) of the tuples
    of levels ``interaction()`` and ``factor(labels = )`` keep -- each chunk's own, as many as it has, until every
    chunk is read: chunks of 5,000 long ids each piled them up, their number refused only at the end."""
    if hasattr(record, "nbytes"):
        return int(record.nbytes)
    if isinstance(record, tuple):
        return sum(map(_record_bytes, record))
    return LEVEL_BYTES + (len(record) if isinstance(record, str) else 0)


#: the arithmetic whose result of two integers is an integer in R (``/`` and ``^`` make doubles)
_INTEGER_OPS = frozenset({"+", "-", "*", "%/%", "%%"})
#: the operators whose results keep a NaN operand's payload (numpy's ufuncs, formula.na_values.carried)
_PAYLOAD_OPS = frozenset({"+", "-", "*", "/", "^", "%/%"})


def _literal_value(node: Num) -> float:
    """A number literal's value: R's integer for ``5L`` (a whole number within R's integers; R makes ``1.5L`` and
    ``1e10L`` doubles, with a warning), else a double."""
    v = node.value
    if node.text[-1:] == "L" and v == v and abs(v) <= R_INT_MAX and float(v).is_integer():
        return RInteger(v)
    return v


#: why an order of texts is refused: R's depends on where it runs
_COLLATION = ("R orders texts by the locale's collation -- by bytes in the C locale, by ICU's or the C library's "
              "order elsewhere, where \"B\" and \"a\" sort the other way -- which glmstat does not choose for you; "
              "compare numbers, or an ordered factor with one of its levels (ordered(x, levels = c(...)) < \"b\")")


def _shown_value(v: Value) -> str:
    """One side of a comparison as a message shows it: a literal itself, a column by its kind."""
    if isinstance(v, (str, int, float, bool)):
        return shown(v)
    return "a column of text" if isinstance(v, FactorVec) else "a column of numbers"


def _one_literal(v: Value) -> Value:
    """One literal number, c(2) or quantile(x, 0.5), as that number (R's vector of length one): it meets a column
    as a number does (x - quantile(x, 0.5), x > c(3))."""
    return v[0] if isinstance(v, tuple) and len(v) == 1 and isinstance(v[0], (int, float)) else v


def _is_number(v: Any) -> bool:
    """A number (or R's TRUE/FALSE) standing alone, not one value per row."""
    return isinstance(v, (bool, int, float)) and not isinstance(v, np.ndarray)


def _ordered_texts(level: Any) -> tuple[str, ...]:
    """The texts an ordered factor's level is compared by: its label, and a logical's R text (``TRUE``)."""
    return (label_text(level), r_text(level)) if isinstance(level, (bool, np.bool_)) else (label_text(level),)


class TextLearner(RowsLearner):
    """What :meth:`Evaluator.text_state` learns from texts with (``learn``): what it learns decides which rows are
    missing (a text as.Date()'s format does not read), which a first pass's placeholders cannot say, so that
    streamed data is summarized again with it (formula.stream.learn_spec)."""


class Evaluator:
    """Evaluates nodes on ``data`` (all rows).

    Parameters
    ----------
    data : DataColumns
    context : mapping
        Checked ``context=`` (see :func:`check_context`).
    state : dict
        Parameters of stateful transforms (``poly``, ``scale``, ``bs``...) by call node.
    mode : {"fit", "apply", "collect"}
        ``"fit"``: each stateful transform learns its parameters from these rows (into ``state``) and applies
        them; ``"apply"``: the parameters in ``state`` are applied (new data, or a chunk of streamed data);
        ``"collect"``: the inputs of stateful transforms are gathered (``collected``) so that parameters can
        be learned once from every chunk of streamed data, and a placeholder of the right shape is returned.
    limits : FormulaLimits
    """

    MODES = ("fit", "apply", "collect")

    def __init__(self, data: DataColumns, context: Mapping[str, Any], state: dict, mode: str,
                 limits: FormulaLimits) -> None:
        if mode not in self.MODES:
            raise ValueError(f"unknown evaluation mode {mode!r}")
        self.data = data
        self.n = data.n
        self.context = context
        self.state = state
        self.mode = mode
        self.limits = limits
        self.reserved = 0  # dense columns asked for so far (poly, bs), checked against the limits
        self.sequence_values = 0  # values of the sequences (1:5) evaluated so far, checked against max_length
        self.summaries = 0  # summaries of columns computed so far (each a pass over the rows; median() sorts them)
        self.work = 0  # rows x passes over them asked for so far (evaluation_passes), bounded by max_eval_work
        self._inside = False  # (evaluating a node below one whose work is counted)
        self.regex_budget = RegexBudget(limits)  # (the work of the formula's regular expressions, every call's)
        self.text_read = 0  # characters of distinct texts the text functions read (bounded: text_functions)
        self.date_steps = 0  # steps the date functions took reading and writing (bounded: date_functions)
        self.group_texts = 0  # texts of the groups' values ave() wrote (bounded: group_functions)
        self.text_bytes = 0  # memory of the texts the text functions wrote (bounded: text_memory.hold_texts)
        self.held_bytes = 0  # memory of the columns of rows the variable evaluated holds (count_work)
        self.distinct_bytes = 0  # (of it, the most distinct values one of its calls held: count_distinct)
        self.collected: dict[Call, list[np.ndarray]] = {}
        self.collected_bytes = 0  # (their memory, bounded by max_design_bytes)
        self.learners: dict[Call, Any] = {}
        #: mode "collect": the context= calls whose value on these rows is not the values on their halves
        self.across_rows: list[Call] = []
        #: mode "collect": each context= call's first row -- its arguments and its value there (:func:`row_sample`),
        #: which the rows of other chunks are checked together with (:func:`same_across_chunks`)
        self.context_samples: dict[Call, tuple] = {}
        #: a summary of values with a missing one (``median(x)``, no ``na.rm``) is R's NA, not refused (see
        #: :meth:`missing_summaries_are_na`)
        self.missing_summaries_na = False

    def count_summary(self, call: Call, most: int) -> None:
        """Count a summary of columns about to be computed, refusing the formula past ``most`` of them: each reads
        every row (a median or quantile sorts them), so a formula of a thousand medians of a million rows took
        34 s, where the formula's length allowed it."""
        self.summaries += 1
        if self.summaries > most:
            raise FormulaError(f"{deparse(call)}: the formula computes more than {most} summaries of columns "
                               "(mean, median, quantile, ...), each a pass over the rows; compute them once, "
                               "before the fit, and pass the values")

    def text_state(self, call: Call, texts: np.ndarray, learn) -> Any:
        """The parameters ``call`` learns from the distinct texts ``texts`` (an object array: as.Date()'s format),
        as :meth:`transform_state` keeps them."""
        return self._learned(call, None if self.mode == "apply" else texts, TextLearner(learn))

    def transform_state(self, call: Call, x: np.ndarray, learn) -> Any:
        """The parameters of the stateful transform ``call`` on input ``x``: learned from ``x``'s finite values
        (mode "fit"), stored (mode "apply"), or None after recording them (mode "collect")."""
        return self._learned(call, None if self.mode == "apply" else x[np.isfinite(x)], learn)

    def _learned(self, call: Call, values: Any, learn) -> Any:
        """``learn(values)``, kept as ``call``'s state (mode "fit"); the stored state (mode "apply"); or None after
        recording ``values`` for ``learn`` to decide from every chunk's (mode "collect")."""
        if self.mode == "apply":
            state = self.state.get(call)
            if state is None:  # pragma: no cover - a spec always carries the state of its stateful calls
                raise FormulaError(f"{deparse(call)}: no fitted parameters to apply")
            return state
        if self.mode == "collect":
            self._collect(call, values, learn)
            return None
        state = self.state[call] = learn(values)
        return state

    def learned_levels(self, call: Call, levels: tuple, used: tuple, merge) -> tuple | None:
        """The levels, in order, that the factor ``call`` names by position (``factor(x, labels = ...)``):
        ``used`` (the levels these rows take, in their order), learned (mode "fit"); the stored ones ("apply");
        or None after recording this chunk's ``levels`` and ``used`` for ``merge`` to decide from every chunk
        ("collect")."""
        if self.mode == "apply":
            return self.state.get(call)
        if self.mode == "collect":
            chunk = np.empty(1, dtype=object)
            chunk[0] = (levels, used)  # (one element: the chunks' records are concatenated for merge)
            self._collect(call, chunk, merge)
            return None
        self.state[call] = used
        return used

    def summary_state(self, call: Call, part: Any, learn) -> Any:
        """The value of the summary ``call`` (``mean(x)``) that ``learn`` computes from an object array of
        mergeable parts, as :meth:`_learned` keeps it: these rows' ``part`` is that array's one element."""
        record = np.empty(1, dtype=object)
        record[0] = part
        return self._learned(call, record, learn)

    @contextmanager
    def whole_columns(self) -> Iterator[None]:
        """Evaluate the arguments of a summary of whole columns: the columns read there drop no row."""
        before, self.data.recording = self.data.recording, False
        try:
            yield
        finally:
            self.data.recording = before

    @contextmanager
    def missing_summaries_are_na(self) -> Iterator[None]:
        """Evaluate with a summary of values that has a missing one (``median(x)`` without ``na.rm``) NA, as R's,
        where a formula's term refuses it: in a ``subset=`` condition R's three-valued logic keeps rows with it
        (``x > median(x) | g == "a"`` is TRUE where g is "a")."""
        before, self.missing_summaries_na = self.missing_summaries_na, True
        try:
            yield
        finally:
            self.missing_summaries_na = before

    def _collect(self, call: Call, values: np.ndarray, learn) -> None:
        """Mode "collect": keep this chunk's ``values`` for ``learn``, which decides ``call``'s parameters from
        every chunk's once the pass is over (formula.stream.learn_spec).  A call met twice on a chunk
        (``scale(x) + I(scale(x)^2)``) gives the chunk's values once."""
        if call in self.collected:
            return
        # (each call gathers a copy of the chunk's values: a thousand median(x + k) held a thousand, past any bound,
        # before the pass over the chunks checked what they gather)
        self.collected_bytes += gathered_bytes(values)
        if self.collected_bytes > self.limits.max_design_bytes:
            raise refuse("max_design_bytes", f"the values gathered from a chunk of the data to learn {deparse(call)} "
                         "and the formula's other stateful calls from need more memory than allowed (bytes)",
                         self.collected_bytes, self.limits)
        self.collected.setdefault(call, []).append(values)
        self.learners[call] = learn

    # -- limits ---------------------------------------------------------------------------------------
    def reserve(self, call: Call, k: int) -> None:
        """Account for ``k`` new columns of ``n`` rows (one basis term) before they are allocated."""
        # (the call's text cut, as every quoted value: poly() of 6,500 variables is a call of 20,000 characters)
        if k > self.limits.max_basis:
            raise refuse("max_basis", f"{shown(deparse(call))} asks for more basis columns than allowed", k,
                         self.limits)
        self.reserved += k
        if self.reserved > self.limits.max_columns:
            raise refuse("max_columns", f"{shown(deparse(call))} asks for more design columns than allowed",
                         self.reserved, self.limits)
        size = self.reserved * self.n * 8
        if size > self.limits.max_design_bytes:
            raise refuse("max_design_bytes", f"{deparse(call)} needs more memory than allowed (bytes)", size,
                         self.limits)

    def count_work(self, node: Node) -> None:
        """Count the work of evaluating ``node`` (rows x :func:`evaluation_passes`) before any of it is done,
        refusing the formula once its variables' work exceeds ``max_eval_work``, and its memory: the columns of
        rows it holds at once (:func:`~glmstat.formula.evaluation_prices.held_columns`), 8 bytes a row each, with the
        design's columns reserved so far, within ``max_design_bytes`` -- kept (``held_bytes``) for the texts its text
        functions write to be counted beside (:func:`glmstat.formula.text_memory.hold_texts`)."""
        if isinstance(node, (Name, Num, Str, Const)):  # (a column, read once, or a literal)
            return
        self.work += self.n * evaluation_passes(node, self.limits.max_basis)
        refuse_basis_arguments(node, self.limits.max_basis)
        if self.work > self.limits.max_eval_work:
            raise refuse("max_eval_work", f"evaluating {shown(deparse(node))} on {self.n:,} rows, with the formula's "
                         "other variables, needs more work than allowed (rows x passes over them)", self.work,
                         self.limits)
        # (the values its calls hold while the calls inside them are evaluated, beside the design's columns so far)
        held = held_columns(node, self.limits.max_basis)
        size = self.held_bytes = (self.reserved + held) * self.n * 8
        self.distinct_bytes = 0
        if size > self.limits.max_design_bytes:
            raise refuse("max_design_bytes", f"evaluating {shown(deparse(node))} on {self.n:,} rows holds {held:,} "
                         "columns of rows at once (each call's values while the calls inside it are evaluated), "
                         "with the design's columns so far more memory than allowed (bytes)", size, self.limits)

    def count_distinct(self, call: Node, distinct: int) -> None:
        """Count the sort of the ``distinct`` values a call found hashing its rows, before they are sorted
        (:func:`~glmstat.formula.value_codes.sorted_codes`): :data:`~glmstat.formula.functions.DISTINCT_PASSES`
        each, with the work counted so far, refusing the formula once it exceeds ``max_eval_work``.  A call's
        rows are priced from its text (:data:`~glmstat.formula.functions.PASSES`: their hash table); what sorting
        its distinct values costs is known only once they are found (a million distinct numbers: 90 ns each); so is
        the memory they hold, :data:`DISTINCT_BYTES` each, counted with the variable's (``held_bytes``: the most of
        its calls') against ``max_design_bytes``."""
        self.work += distinct * DISTINCT_PASSES
        if self.work > self.limits.max_eval_work:
            raise refuse("max_eval_work", f"{shown(deparse(call))} sorts the {distinct:,} distinct values of its rows "
                         f"on {self.n:,} rows, which with the formula's other work needs more than allowed (rows x "
                         "passes over them)", self.work, self.limits)
        # (held by the variable beside its columns of rows while the call codes them: the most of one call's, as the
        # hash tables of one call are gone before the next's, and texts' levels are priced as texts)
        extra = distinct * DISTINCT_BYTES
        self.held_bytes += max(extra - self.distinct_bytes, 0)
        self.distinct_bytes = max(self.distinct_bytes, extra)
        size = self.held_bytes + self.text_bytes
        if size > self.limits.max_design_bytes:
            raise refuse("max_design_bytes", f"{shown(deparse(call))} holds the {distinct:,} distinct values of its "
                         f"rows on {self.n:,} rows ({DISTINCT_BYTES} bytes each), which with the columns of rows the "
                         "variable holds and the formula's texts need more memory than allowed (bytes)", size,
                         self.limits)

    def expect_work(self, nodes: Sequence[Node]) -> None:
        """Refuse at once, before any is evaluated, variables whose work together (rows x
        :func:`evaluation_passes`, as :meth:`count_work` counts each when it is evaluated) exceeds
        ``max_eval_work``, naming the costliest: twenty terms each within the limit were evaluated one by one
        until their sum passed it."""
        costs = [(self.n * evaluation_passes(node, self.limits.max_basis), i) for i, node in enumerate(nodes)
                 if not isinstance(node, (Name, Num, Str, Const))]
        total = self.work + sum(c for c, _ in costs)
        if total > self.limits.max_eval_work:
            node = nodes[min(costs, key=lambda c: (-c[0], c[1]))[1]]  # (the first of the costliest)
            raise refuse("max_eval_work", f"evaluating {shown(deparse(node))} on {self.n:,} rows, with the formula's "
                         "other variables, needs more work than allowed (rows x passes over them)", total, self.limits)

    # -- evaluation -------------------------------------------------------------------------------------
    def eval(self, node: Node) -> Value:
        """The value of ``node``; the work of one evaluated from outside (a variable, the response, a condition)
        counted first (:meth:`count_work`), with every node below it."""
        if self._inside:
            return self._eval(node)
        self.count_work(node)
        self._inside = True
        try:
            return self._eval(node)
        finally:
            self._inside = False

    def _eval(self, node: Node) -> Value:
        if isinstance(node, Name):
            return self.name(node)
        if isinstance(node, Num):
            return _literal_value(node)
        if isinstance(node, Str):
            return node.value
        if isinstance(node, Const):
            return self.reserved_constant(node)
        if isinstance(node, Paren):
            return self.eval(node.body)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, BinOp):
            if node.op in ("+", "-"):
                chain = sum_chain(node)
                acc = self.eval(chain[0][1])
                for op, operand in chain[1:]:
                    acc = self.arith(op, acc, self.eval(operand), node)
                return acc
            return self.binop(node)
        if isinstance(node, Dot):
            raise FormulaError("'.' (all other columns) can only stand as a term of the right-hand side")
        raise FormulaError(f"cannot evaluate {node!r}")

    def date_times(self, node: Node) -> DateTimes | None:
        """The date-times of the data column ``node`` names (R's POSIXct: see :class:`DateTimes`), or None when
        ``node`` is no such column.  Only the date functions read them; anywhere else such a column is refused."""
        if isinstance(node, Paren):
            return self.date_times(node.body)
        if not (isinstance(node, Name) and node.id in self.data):
            return None
        return self.data.date_times(node.id)

    def name(self, node: Name) -> Value:
        key = node.id
        if key in self.data:
            return self.data.value(key)
        if key in self.context:
            v = self.context[key]
            if callable(v):
                raise FormulaError(f"the formula uses {shown(key)}, a function from context=, as a value; call it: "
                                   f"{key}(...)")
            return self.constant(key, v)
        if key in CONSTANTS:
            return CONSTANTS[key]
        if key in BUILTINS:
            raise FormulaError(f"the formula uses the function {shown(key)} as a value; call it: {key}(...)")
        close = close_matches(key, self.data.known, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise FormulaError(f"the formula uses {shown(key)}, which is not a column of the data{hint}"
                           f"{multiindex_hint(self.data.df)} ({HINT})")

    @staticmethod
    def reserved_constant(node: Const) -> Value:
        """The value of one of R's reserved constants (``TRUE``, ``Inf``, ``NA``...), whatever the data's columns
        are called."""
        if node.id in RESERVED_VALUES:
            return RESERVED_VALUES[node.id]
        raise FormulaError(f"the formula uses {node.id} as a value, which glmstat cannot compute with (leave the "
                           f"argument out, or for a column named {node.id} write `{node.id}`)")

    def constant(self, key: str, v: Any) -> Value:
        """A ``context=`` entry used as a value: a number, string, boolean or one value per row."""
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if real_type(v):
            try:
                return float(v)
            except OverflowError:  # a Python int beyond double precision
                raise DataError(f"context= entry {shown(key)} is an integer too large for double precision (about "
                                f"1e{int(math.log10(abs(v)))})") from None
        if isinstance(v, str):
            return v
        if isinstance(v, np.ma.MaskedArray):  # a masked value is missing, as pandas and R's NA read it
            v = pd.Series(v).to_numpy() if v.ndim == 1 and np.ma.getmaskarray(v).any() else np.ma.getdata(v)
        # (a pandas array -- nullable Int64, Float64, boolean, string, Arrow's, a Categorical -- is read as the values
        # of a Series of it are, by position: its pd.NA is missing)
        if isinstance(v, (np.ndarray, pd.Series, pd.api.extensions.ExtensionArray, list)):
            if self.mode == "collect":  # (streamed data: a chunk's rows, of a length that said nothing)
                raise DataError(f"context= entry {shown(key)} is an array of values, which cannot be matched to the "
                                "rows of streamed data (a Parquet file or a dask DataFrame); make it a column of "
                                "the data")
            # a Series pairs its values with the data's rows by label, as weights= and offset= do
            v = align_by_label(v, self.data.df.index, f"context= entry {shown(key)}",
                               f"context={{{shown(key)}: s.reindex(data.index)}}")
            arr = v.array if isinstance(v, pd.Series) else v
            if isinstance(arr, list):
                try:
                    # (texts numpy would pad to the longest as objects: one of a million characters among 200 rows
                    # made 763 MiB)
                    arr = np.asarray(unpadded(arr))
                except (OverflowError, ValueError, MemoryError) as e:  # (ints beyond 64 bits; ragged; a row a range)
                    raise DataError(f"context= entry {shown(key)} is not an array of numbers, booleans or "
                                    "strings") from e
            if getattr(arr, "ndim", 1) != 1 or len(arr) != self.n:
                raise FormulaError(f"context= entry {shown(key)} must have one value per row ({self.n})")
            refuse_unreadable(arr, f"context= entry {shown(key)} holds")
            return column_value(key, arr)
        raise FormulaError(f"context= entry {shown(key)} is a {type(v).__name__}; context= values must be functions, "
                           "numbers, strings or arrays of one value per row")

    def call(self, node: Call) -> Value:
        fn = self.context.get(node.func)
        if fn is not None:
            if not callable(fn):
                raise FormulaError(f"the formula calls {node.func}(), but context= entry {shown(node.func)} is not a "
                                   "function")
            return self.user_call(node, fn)
        func = unqualified(node.func)  # (splines::ns is ns)
        builtin = BUILTINS.get(func)
        if builtin is not None:
            return builtin(self, node)
        if func == "offset":
            raise FormulaError(f"{deparse(node)}: offset() can only stand as a term of the right-hand side")
        if node.func == "cbind":
            raise FormulaError(f"{deparse(node)}: cbind(successes, failures) can only be the whole left-hand side")
        if func in REFUSED_FUNCTIONS:
            raise refused_function(func)
        if func in FOREIGN_FUNCTIONS:
            raise FormulaError(f"the formula calls {node.func}(), {FOREIGN_FUNCTIONS[func]}")
        close = close_matches(node.func, FUNCTION_NAMES, n=3, cutoff=0.7)
        hint = f"; did you mean {', '.join(c + '()' for c in close)}?" if close else ""
        raise FormulaError(f"the formula calls {node.func}(), which is not a function glmstat knows{hint}; "
                           f"pass your own with context={{{shown(node.func)}: function}} ({HINT})")

    def user_call(self, node: Call, fn: Any) -> Value:
        args = [as_user_arg(self.eval(a)) for a in node.args]
        kwargs = {k: as_user_arg(self.eval(v)) for k, v in node.kwargs}
        try:
            with np.errstate(all="ignore"):
                result = fn(*args, **kwargs)
        except (FormulaError, DataError):
            raise
        except Exception as e:  # the caller's own function failed: report it as a problem of this term
            raise FormulaError(f"cannot evaluate {shown(deparse(node))}: {type(e).__name__}: {e}") from e
        value = self.user_result(node, result)
        # (fitting: a value for a row that depends on the other rows is another function of new data, or of each
        # chunk of streamed data -- found once, from its values on each half of the rows)
        if self.mode != "apply" and node not in self.across_rows and not by_rows(fn, args, kwargs, result, self.n):
            self.across_rows.append(node)
        if self.mode == "collect" and self.n and node not in self.context_samples:
            self.context_samples[node] = row_sample(args, kwargs, result, self.n)
        return value

    def user_result(self, node: Call, result: Any) -> Value:
        if isinstance(result, (bool, np.bool_, str)) or real_type(result):
            return self.constant(node.func, result)
        returned = result
        if isinstance(result, pd.DataFrame):
            result = result.to_numpy()
        if isinstance(result, (pd.Series, pd.Index)):
            result = result.array
        elif not isinstance(result, (np.ndarray, pd.api.extensions.ExtensionArray)):  # (a Categorical, Int64...)
            try:
                result = np.asarray(result)
            except Exception as e:
                raise FormulaError(f"{deparse(node)} returned a {type(result).__name__}, not an array") from e
        refuse_unreadable(result, f"{deparse(node)} (a function from context=) returned")
        if getattr(result, "ndim", 1) == 2 and isinstance(result, np.ndarray):
            if result.shape[0] != self.n or result.dtype.kind not in "fiub":
                raise FormulaError(f"{deparse(node)} returned a {result.shape} array; it needs {self.n} rows of "
                                   "numbers")
            if result.shape[1] == 1:
                result = result[:, 0]
            else:
                k = result.shape[1]
                return NumMat(np.asarray(result, dtype=float), tuple(str(j) for j in range(1, k + 1)))
        if getattr(result, "ndim", 1) == 0:  # (a scalar that is no number, string or boolean: a Timestamp)
            raise FormulaError(f"{deparse(node)} returned a {type(returned).__name__}; it must return a number, a "
                               f"string, a boolean or one value per row ({self.n})")
        if getattr(result, "ndim", 1) != 1 or len(result) != self.n:
            raise FormulaError(f"{deparse(node)} returned {getattr(result, 'shape', '?')} values; it must return one "
                               f"value per row ({self.n})")
        return column_value(deparse(node), result)

    # -- operators ---------------------------------------------------------------------------------------
    def unary(self, node: Unary) -> Value:
        v = self.eval(node.operand)
        if node.op == "!":
            x = numeric(v, node, "operand of '!'")
            with np.errstate(invalid="ignore"):
                r = np.where(np.isnan(x), np.nan, (np.asarray(x) == 0).astype(float)) if isinstance(x, np.ndarray) \
                    else float(x == 0)
            if not isinstance(r, np.ndarray):  # (!NA and !NaN are R's NA: x == 0 of a NaN was FALSE)
                return R_NA if x != x else bool(r)
            return NumVec(r, logical=True)
        if is_date(v) and node.op == "-":
            raise FormulaError(f'{deparse(node)}: unary - is not defined for "Date" objects (R\'s words)')
        if isinstance(v, tuple) and node.op in ("-", "+"):  # (literal values: -c(1, 2); of integers, integers)
            sign = -1.0 if node.op == "-" else 1.0
            return self.literal_arith("*", RInteger(sign) if v and all(isinstance(u, RInteger) for u in v) else sign,
                                      v, node)
        x = numeric(v, node)
        if node.op == "-":  # (R: minus an integer is an integer)
            return NumVec(-x, integer=is_integer_value(v), na_exact=na_exact(v)) if isinstance(x, np.ndarray) else (
                RInteger(-x) if isinstance(v, RInteger) else -x)
        return NumVec(np.asarray(x, dtype=float)) if isinstance(x, np.ndarray) else x

    def arith(self, op: str, a: Value, b: Value, node: Node) -> Value:
        a, b = _one_literal(a), _one_literal(b)
        if is_date(a) or is_date(b):
            return date_arith(op, a, b, node)
        if isinstance(a, tuple) or isinstance(b, tuple):
            return self.literal_arith(op, a, b, node)
        if op in ("%%", "%/%"):
            for v in (a, b):
                refuse_inexact(v, node, f"'{op}' of it would be that of another integer")
        x = numeric(a, node, f"left side of '{op}'")
        y = numeric(b, node, f"right side of '{op}'")
        one = not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray)
        if one:  # (numpy's loops: Python's float arithmetic of two NaNs returns either, as it has specialised it)
            x, y = np.array([x], dtype=float), np.array([y], dtype=float)
        with np.errstate(all="ignore"):
            if op == "+":
                r = x + y
            elif op == "-":
                r = x - y
            elif op == "*":
                r = x * y
            elif op == "/":
                r = np.true_divide(x, y)
            elif op == "^":  # (R's rules beside numpy's where a side is not finite: formula.arithmetic)
                r = r_power(x, y)
            elif op == "%%":
                r = r_mod(x, y)
            elif op == "%/%":
                r = r_div(x, y)
            else:  # pragma: no cover - binop() dispatches only arithmetic here
                raise FormulaError(f"unknown operator {op!r}")
        r = carried(op, x, y, r)  # (R's NA or NaN where both sides are NaN)
        if one:
            r = float(r[0])
        if isinstance(r, np.ndarray) and r.ndim == 1:
            r = r.astype(float, copy=False)
            # (R: integer + - * %/% %% integer is an integer, written in full; a double beside it makes a double)
            if op in _INTEGER_OPS and is_integer_value(a) and is_integer_value(b) and is_r_integer(r):
                return NumVec(r, integer=True)
            # (numpy's + - * / ^ return a NaN operand's payload, and carried() chose between two: R's NA stays
            # exact where both sides' is)
            return NumVec(r, na_exact=op in _PAYLOAD_OPS and na_exact(a) and na_exact(b))
        if op in _INTEGER_OPS and isinstance(a, RInteger) and isinstance(b, RInteger) and abs(r) <= R_INT_MAX:
            return RInteger(r)
        return float(r)

    def literal_arith(self, op: str, a: Value, b: Value, node: Node) -> tuple:
        """Arithmetic of literal values (``c(0, 1, 2) * 100``, ``0:4 / 4``, ``1 - c(0.1, 0.2)``), elementwise with
        R's recycling of the shorter side, as the literal values c() gives: R's vector arithmetic, for the
        arguments of a call (breaks, probabilities, levels).  A side that is a column, or a length that is not a
        multiple of the other's (R warns and recycles part of it), is refused."""
        sides = []
        for side, v in (("left", a), ("right", b)):
            if isinstance(v, tuple) and all(isinstance(u, (bool, int, float)) for u in v):
                sides.append(np.asarray(v, dtype=float))
            elif isinstance(v, (bool, np.bool_, int, float)):
                sides.append(np.array([float(v)]))
            else:
                raise FormulaError(f"{deparse(node)}: the {side} side of '{op}' is not a number or literal numbers "
                                   "(arithmetic of literal values such as c(0, 1, 2) * 100 takes numbers only)")
        x, y = sides
        if x.size and y.size and max(x.size, y.size) % min(x.size, y.size):
            raise FormulaError(f"{deparse(node)}: {x.size} values {op} {y.size} values: the longer is not a multiple "
                               "of the shorter (R recycles part of it, with a warning)")
        n = max(x.size, y.size) if x.size and y.size else 0
        x, y = np.resize(x, n), np.resize(y, n)
        with np.errstate(all="ignore"):
            r = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "^": r_power,
                 "%%": r_mod, "%/%": r_div}[op](x, y)
        r = carried(op, x, y, r)
        # (R: integers + - * %/% %% integers are integers, c(1L, 2L) * 100000L is "100000", "200000")
        if op in _INTEGER_OPS and all(isinstance(u, RInteger) for v in (a, b) for u in (v if isinstance(v, tuple)
                                                                                     else (v,))) \
                and is_r_integer(r):
            return tuple(RInteger(v) for v in r)
        return tuple(float(v) for v in r)

    def binop(self, node: BinOp) -> Value:
        op = node.op
        if op in ("*", "/", "^", "%%", "%/%"):
            return self.arith(op, self.eval(node.left), self.eval(node.right), node)
        if op in ("==", "!=", "<", ">", "<=", ">="):
            return self.compare(op, self.eval(node.left), self.eval(node.right), node)
        if op in ("&", "&&", "|", "||"):
            return self.logic(op, self.eval(node.left), self.eval(node.right), node)
        if op == "%in%":
            return self.member(self.eval(node.left), self.eval(node.right), node)
        if op == ":":
            left, right = self.eval(node.left), self.eval(node.right)
            if _is_number(left) and _is_number(right):
                return self.sequence(float(left), float(right), node)
            raise FormulaError(f"{deparse(node)}: ':' (interaction) cannot be used inside a function call; write "
                               "the interaction as a term, e.g. y ~ a:b (between two numbers it is R's sequence, "
                               "1:5)")
        raise FormulaError(f"the operator {shown(op)} cannot be used in {shown(deparse(node))}")

    def sequence(self, start: float, end: float, node: Node) -> tuple:
        """R's ``start:end`` of two numbers (``1:5``, ``2.5:5``, ``5:1``), as the literal values c() gives:
        steps of 1 from ``start`` towards ``end``, as many as fit with R's tolerance (FLT_EPSILON).  No longer
        than the formula may have characters (``max_length``): c() of as many values could not be written."""
        if math.isnan(start) or math.isnan(end):
            raise FormulaError(f"{deparse(node)}: a sequence needs two numbers, not NA")
        span = abs(end - start)
        if math.isnan(span):  # (Inf:Inf, -Inf:-Inf: "negative length vectors are not allowed", R says)
            raise FormulaError(f"{deparse(node)}: a sequence needs finite numbers; from {r_text(start)} to "
                               f"{r_text(end)} has no length")
        count = self.count_sequence(span + 1 + _FLT_EPSILON, node)
        step = 1.0 if end >= start else -1.0
        last = start + step * (count - 1)
        if start.is_integer() and abs(start) <= R_INT_MAX and abs(last) <= R_INT_MAX:  # (R's 1:5 is integers)
            return tuple(RInteger(start + step * i) for i in range(count))
        return tuple(start + step * i for i in range(count))

    def count_sequence(self, values: float, node: Node) -> int:
        """Count a sequence of about ``values`` values (``1:5``, ``seq(0, 1, 0.1)``) against the formula's length
        (``max_length``): no formula could write as many with c().  Returns int(values)."""
        # (every sequence counts: c(1:19999, 1:19999, ...) fits the text 2,500 times; the values made are counted,
        # not R's tolerance beside them: four 1:5000 were refused under a bound of 20,000 as "20,000")
        count = int(min(values, 2.0 ** 62)) if values == values else 2 ** 62
        if self.sequence_values + count > self.limits.max_length:
            raise refuse("max_length", f"the sequence {deparse(node)} has more values (with the formula's other "
                         "sequences) than the formula may have characters", self.sequence_values + count,
                         self.limits)
        self.sequence_values += count
        return count

    def compare(self, op: str, a: Value, b: Value, node: Node) -> Value:
        a, b = _one_literal(a), _one_literal(b)
        if is_date(a) or is_date(b):  # (a string beside a date is read as one, as R's Ops.Date reads it)
            a, b = date_operand(a), date_operand(b)
        if op in ("==", "!="):  # (rounding keeps the order: x > 2 of such integers is right, x == k may not be)
            for v in (a, b):
                refuse_inexact(v, node, f"'{op}' cannot tell them apart")
        if isinstance(a, FactorVec) or isinstance(b, FactorVec):
            return self.compare_factor(op, a, b, node)
        if isinstance(a, str) or isinstance(b, str):
            why = _COLLATION if op not in ("==", "!=") and isinstance(a, str) and isinstance(b, str) else \
                "a string can only be compared with a factor or a text column"
            raise FormulaError(f"{deparse(node)}: {why} (here {_shown_value(a)} and {_shown_value(b)})")
        x = numeric(a, node, f"left side of '{op}'")
        y = numeric(b, node, f"right side of '{op}'")
        with np.errstate(invalid="ignore"):
            r = {"==": np.equal, "!=": np.not_equal, "<": np.less, ">": np.greater, "<=": np.less_equal,
                 ">=": np.greater_equal}[op](x, y)
        if isinstance(r, np.ndarray):
            out = r.astype(float)
            out[np.isnan(x if isinstance(x, np.ndarray) else np.full(out.shape, x)) |
                np.isnan(y if isinstance(y, np.ndarray) else np.full(out.shape, y))] = np.nan
            return NumVec(out, logical=True)
        return bool(r)

    def compare_factor(self, op: str, a: Value, b: Value, node: Node) -> Value:
        f, other, flip = (a, b, False) if isinstance(a, FactorVec) else (b, a, True)
        if not isinstance(other, (str, int, float)):
            texts = op not in ("==", "!=") and any(isinstance(v, FactorVec) and v.text for v in (a, b))
            raise FormulaError(f"{deparse(node)}: " + (f"{_COLLATION} (here two columns of text)" if texts else
                               "a factor can be compared with one of its levels, e.g. g == \"b\""))
        if isinstance(other, float) and math.isnan(other):  # (R: g == NA is NA on every row, not FALSE)
            return NumVec(np.full(f.codes.shape[0], np.nan), logical=True)
        # (R compares a factor's labels with as.character() of the value: TRUE is "TRUE", which a logical level
        # has among its texts too; label_text's "True" matched the text "True" of a column of text instead)
        target = r_text(other) if isinstance(other, bool) else label_text(other)
        if op in ("==", "!="):  # (only the levels of numbers near the target have their texts written)
            hit = np.append(levels_with_texts(f.levels, {target}), False)
            r = hit[f.codes].astype(float)
            if op == "!=":
                r = 1.0 - r
        else:
            hit = levels_with_texts(f.levels, {target}, _ordered_texts) if f.ordered else None
            if hit is None or not hit.any():
                raise FormulaError(f"{deparse(node)}: " + (
                    f"{_COLLATION} (here the texts of {deparse(node.right if flip else node.left)} and "
                    f"{shown(target)})" if f.text else
                    f"'{op}' needs an ordered factor and one of its levels, got {shown(target)}" + (
                        f" (the levels: {shown_items([label_text(v) for v in f.levels[:10]])})" if f.ordered else
                        " beside a factor that is not ordered (R: NA, \"not meaningful for factors\")")))
            k = int(np.argmax(hit))
            cmp = {"<": np.less, ">": np.greater, "<=": np.less_equal, ">=": np.greater_equal}[op]
            r = (cmp(k, f.codes) if flip else cmp(f.codes, k)).astype(float)
        r[f.codes < 0] = np.nan
        return NumVec(r, logical=True)

    def logic(self, op: str, a: Value, b: Value, node: Node) -> Value:
        x = numeric(a, node, f"left side of '{op}'")
        y = numeric(b, node, f"right side of '{op}'")
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        xt, yt = (x != 0) & ~np.isnan(x), (y != 0) & ~np.isnan(y)
        xf, yf = x == 0, y == 0
        if op in ("&", "&&"):
            r = np.where(xt & yt, 1.0, np.where(xf | yf, 0.0, np.nan))
        else:
            r = np.where(xt | yt, 1.0, np.where(xf & yf, 0.0, np.nan))
        return NumVec(r, logical=True) if r.ndim == 1 else bool(r) if not np.isnan(r) else float("nan")

    def member(self, a: Value, b: Value, node: Node) -> Value:
        """R's ``a %in% b``, ``match(a, b, nomatch = 0) > 0`` (:func:`~glmstat.formula.matching.match_positions`):
        never NA; a missing value of ``a`` is in ``b`` when ``b`` has NA (``g %in% c("a", NA)`` keeps the rows where
        g is missing) and it is R's NA there, and when ``b`` has another NaN and it is NaN there (``log(x) %in%
        NaN``, x negative).  Beside a text in ``b``, or for a factor, NaN is the text "NaN"."""
        x_node = node.left if isinstance(node, BinOp) else node
        pos = match_positions(self, a, b, x_node, node, ("%in%", "left side of %in%", "the right side of %in%"))
        if isinstance(pos, np.ndarray):
            return NumVec((pos == pos).astype(float), logical=True)
        return pos == pos
