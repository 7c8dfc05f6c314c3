"""The model spec: everything needed to encode new data exactly as the training data was encoded.

A :class:`ModelSpec` is a plain value -- the formula's terms (syntax-tree nodes), the design plan (the factor
levels and codings of the training data), the parameters of stateful transforms (``poly``, ``scale``,
``bs``) and the caller's ``context=`` -- so a fitted model pickles and loads in a fresh process (as long as
the ``context=`` functions themselves pickle), and ``predict`` re-applies the spec without re-parsing the
formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._arguments import real_type, shown, shown_items
from ..errors import DataError, FormulaError
from ..design.base import SMALL_CELLS, Design
from .encode import DesignPlan, build_design
from .data_columns import DataColumns
from .evaluate import Evaluator
from .row_dependence import across_rows_error
from .limits import FormulaLimits
from .deparse import deparse
from .nodes import Call, Name, Node, children, names_read
from .terms import Terms
from .values import (FactorVec, NumMat, NumVec, Value, fill_missing, label_text, missing_mask, number_level_key,
                     take_rows)

__all__ = ["ModelSpec", "model_variable", "align_levels", "all_missing", "new_data_calls"]


def model_variable(value: Value, label: str, n: int) -> NumVec | FactorVec | NumMat:
    """A right-hand-side value as the design uses it: logicals become two-level factors (as R's model.matrix
    codes them), constants are refused."""
    if isinstance(value, NumVec) and value.logical:
        v = value.values
        codes = np.where(np.isnan(v), -1, v != 0).astype(np.intp)
        return FactorVec(codes, (False, True), keep_unused=True)
    if isinstance(value, (NumVec, FactorVec, NumMat)):
        return value
    # (a summary standing as a term is most often arithmetic the formula's operators took as their own: R makes
    # x / sd(x) the terms x and x:sd(x), and reports an aliased coefficient)
    arithmetic = ("; if it came from arithmetic such as x / sd(x): outside I() the formula's + - * / ^ combine terms "
                  "rather than compute, so write I(x / sd(x))") if "(" in label else ""
    raise FormulaError(f"the term {shown(label)} is a constant, not a variable; a constant is absorbed by the "
                       f"intercept (use offset() for a fixed term){arithmetic}")


#: Levels of new data not seen when fitting that a message names (then "...")
_UNSEEN_SHOWN = 10


def _is_number_level(level: Any) -> bool:
    """Whether a factor's level is a number (an R integer or a double), not a logical or a text."""
    return real_type(level) and not isinstance(level, (bool, np.bool_))


def align_levels(f: FactorVec, levels: tuple, label: str) -> FactorVec:
    """New data's factor ``f`` coded by the training ``levels``; an unseen level is an error."""
    index = {label_text(lv): i for i, lv in enumerate(levels)}
    remap = np.full(len(f.levels) + 1, -1, dtype=np.intp)
    unseen = []
    present = np.zeros(len(f.levels), dtype=bool)
    present[f.codes[f.codes >= 0]] = True
    # only the levels some row takes are written as texts, and no more unseen ones than the message shows: the
    # text of each of a million new numbers (R's 15 digits, 30 us each) took 40 s before the prediction was refused
    by_value = None
    for i in np.flatnonzero(present).tolist():
        text = label_text(f.levels[i])
        j = index.get(text)
        if j is None and _is_number_level(f.levels[i]):
            # (a number is its training level by value whether either is R's integer or a double: new data whose
            # id column is float64 where the fit's was int64 -- R writes 100000 and 1e+05 and refuses the level)
            if by_value is None:
                by_value = {}
                for k, lv in enumerate(levels):
                    if _is_number_level(lv):
                        by_value.setdefault(number_level_key(lv), k)
            j = by_value.get(number_level_key(f.levels[i]))
        if j is not None:
            remap[i] = j
            continue
        unseen.append(text)
        if len(unseen) > _UNSEEN_SHOWN:
            break
    if unseen:  # (levels quoted as any value: cut, their line breaks escaped)
        unseen_text = shown_items(unseen, _UNSEEN_SHOWN)
        raise DataError(f"column {shown(label)} of the new data has level(s) {unseen_text} not seen when fitting "
                        f"(levels: {', '.join(shown(label_text(v)) for v in levels[:20])})")
    return FactorVec(remap[f.codes], tuple(levels), f.ordered, f.contrasts, f.keep_unused)


def all_missing(vc: Any, n: int) -> FactorVec | NumVec | NumMat:
    """The variable coded by ``vc`` (a :class:`~glmstat.formula.encode.VariableCoding`) missing on ``n`` rows,
    of the kind the model codes it as: what a value without any non-missing entry is, whatever its own kind
    (an all-null Parquet column stores no type)."""
    if vc.factor is not None:
        return FactorVec(np.full(n, -1, dtype=np.intp), tuple(vc.factor.levels))
    if vc.suffixes:
        return NumMat(np.full((n, vc.width), np.nan), tuple(vc.suffixes))
    return NumVec(np.full(n, np.nan))


def new_data_calls(terms: Terms, offset_node: Node | None, calls: Any) -> tuple[str, ...]:
    """The texts of those of ``calls`` (``context=`` calls whose value for a row depends on the other rows) that new
    data are evaluated on: inside a variable of the right-hand side or an offset (``offset()`` terms and
    ``offset=``).  One in the response, ``weights=`` or ``subset=`` only is not computed again for a prediction, a
    model matrix or a reference grid (the fit's rows had it), and refuses none of them."""
    within: set = set()
    stack = [*terms.variables, *terms.offsets, *([] if offset_node is None else [offset_node])]
    while stack:  # (without recursion: a formula may nest as deeply as its limits allow)
        n = stack.pop()
        if n not in within:
            within.add(n)
            stack += children(n)
    return tuple(deparse(c) for c in calls if c in within)


@dataclass(frozen=True, eq=False)
class ModelSpec:
    """How a model's formula turned data into a design (see the module docstring)."""

    formula: str
    terms: Terms
    plan: DesignPlan = field(repr=False)
    state: Mapping[Node, Any] = field(repr=False)
    context: Mapping[str, Any] = field(repr=False)
    offset_column_arg: str | None
    limits: FormulaLimits = field(repr=False)
    levels: Mapping[str, tuple] = field(repr=False)  # factor variable label -> training levels
    columns: tuple[str, ...] = ()  # data columns the right-hand side and offsets read
    offset_array: bool = False  # glm(offset=) was an array of values: new data cannot supply it
    #: glm(contrasts=): factor name -> contrasts (the plan holds the codings; refits with another formula reuse it)
    contrasts: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: offset= and weights= given as text, parsed (:func:`~glmstat.formula.rows.argument_node`): a column's Name
    #: or an R expression of columns (``log(service)``), which new data are evaluated on as R's predict() does
    offset_node: Node | None = field(default=None, repr=False)
    weights_node: Node | None = field(default=None, repr=False)
    #: the context= calls whose value for a row depends on the other rows (a rank, (x - x.mean()) / x.std()):
    #: computed again on new data, they would give its rows other values than the fit's, so new data is refused
    across_rows: tuple[str, ...] = ()

    @property
    def offset_columns(self) -> tuple[str, ...]:
        """The data columns the ``offset=`` argument reads (none when it was values or not given)."""
        return () if self.offset_node is None else tuple(names_read(self.offset_node))

    @property
    def n_response_columns(self) -> int:
        """2 for ``cbind(successes, failures)``, else 1."""
        r = self.terms.response
        return 2 if isinstance(r, Call) and r.func == "cbind" else 1

    def aliased_only(self, kept: np.ndarray) -> frozenset[Node]:
        """The variables whose every design column is aliased (``kept``: the columns that are not): a
        prediction multiplies them by 0, so a new row missing one of them is predicted, as R's
        ``predict.lm`` multiplies the kept columns only."""
        spans = self.plan.term_columns[1:] if self.plan.intercept else self.plan.term_columns
        variables = {vc.node for t in self.plan.terms for vc in t.variables}
        used = {vc.node for t, cols in zip(self.plan.terms, spans) if kept[list(cols)].any() for vc in t.variables}
        return frozenset(variables - used)

    def encode(self, data: pd.DataFrame, names: tuple[str, ...], positions: Mapping[str, int],
               offset_completes: bool = True, aliased_only: frozenset[Node] = frozenset()
               ) -> tuple[Design, np.ndarray, np.ndarray]:
        """The design of new data's complete rows, the offset of every row, and the complete-row mask (see
        :func:`glmstat.formula.frame.encode_new_data`).  With ``offset_completes=False`` a row whose variables
        are complete has its design row whatever its offset (NaN where missing): predictions, whose standard
        error on the link scale does not involve the offset (R's ``predict.glm`` gives it).  A missing value of
        a variable in ``aliased_only`` (:meth:`aliased_only`) leaves its row complete, the value filled
        (:func:`~glmstat.formula.values.fill_missing`): a prediction does not read it."""
        if self.across_rows:
            raise across_rows_error(self.across_rows[0], "so on new data (a prediction, a model matrix, a reference "
                                    "grid or the shifted rows of a marginal effect)", "keep what they learned")
        absent = [c for c in self.columns if c not in positions]
        absent += [c for c in self.offset_columns if c not in positions and c not in absent]
        if absent:
            # (the first ten, each cut: a model of y ~ . on 5,000 columns named by a file's header listed them all)
            raise DataError(f"new data lacks the column(s) {shown_items(sorted(absent))} that the model uses"
                            + (f" ({len(absent):,} of them)" if len(absent) > 10 else ""))
        cols = DataColumns(data, names, positions)
        n = cols.n
        ev = self._evaluator(cols)
        values: dict[Node, Value] = {}
        missing = np.zeros(n, dtype=bool)
        for t in self.plan.terms:
            for vc in t.variables:
                if vc.node in values:
                    continue
                v = self._variable(ev, vc, n)
                v = values[vc.node] = fill_missing(v) if vc.node in aliased_only else v
                missing |= missing_mask(v, n)
        off = np.zeros(n)
        for node in self.terms.offsets:
            v = ev.eval(node)
            off = off + (v.values if isinstance(v, NumVec) else float(v) if isinstance(v, (int, float)) else
                         _not_numeric(node))
        if self.offset_node is not None:
            node = self.offset_node
            o = cols.value(node.id) if isinstance(node, Name) else ev.eval(node)
            off = off + (o.values if isinstance(o, NumVec) else _not_numeric(self.offset_column_arg))
        if offset_completes:
            missing |= np.isnan(off)
        ok = ~missing
        rows = np.flatnonzero(ok)
        used = {k: take_rows(v, None if rows.size == n else rows) for k, v in values.items()}
        # (a few rows, as a one-row predict: the dense rows cost less than the structured store's bookkeeping)
        small = rows.size * len(self.plan.column_names) <= SMALL_CELLS
        return build_design(self.plan, used, rows.size, structured=not small), off, ok

    def factor_variables(self, data: pd.DataFrame, names: tuple[str, ...],
                         positions: Mapping[str, int]) -> tuple[tuple[str, FactorVec], ...]:
        """The model's factor variables on the rows of ``data``, coded by the training levels, as R's ``xlevels``
        lists them: (label, values) in order of first appearance in the formula, logicals left out (R's
        model frame holds them as logicals, not factors)."""
        codings = {}
        for t in self.plan.terms:
            for vc in t.variables:
                if vc.factor is not None:
                    codings.setdefault(vc.node, vc)
        ev = self._evaluator(DataColumns(data, names, positions))
        out = []
        for node in self.terms.variables:
            vc = codings.get(node)
            if vc is not None:
                v = self._variable(ev, vc, len(data))
                if not v.keep_unused:
                    out.append((vc.label, v))
        return tuple(out)

    def _evaluator(self, cols: DataColumns) -> Evaluator:
        return Evaluator(cols, self.context, dict(self.state), "apply", self.limits)

    @staticmethod
    def _variable(ev: Evaluator, vc: Any, n: int) -> NumVec | FactorVec | NumMat:
        """The variable coded by ``vc`` on the evaluator's rows, of the kind the model codes it as (a factor
        coded by the training levels), or a DataError when the data hold another kind."""
        v = model_variable(ev.eval(vc.node), vc.label, n)
        if missing_mask(v, n).all():  # (no value: no type either; these rows predict NaN)
            v = all_missing(vc, n)
        if vc.factor is not None:
            if not isinstance(v, FactorVec):
                raise DataError(f"{shown(vc.label)} is a factor in the model but numeric in the new data")
            return align_levels(v, vc.factor.levels, vc.label)
        if isinstance(v, FactorVec) or (isinstance(v, NumMat) != bool(vc.suffixes)) or (
                isinstance(v, NumMat) and v.values.shape[1] != vc.width):
            raise DataError(f"{shown(vc.label)} is numeric in the model but holds strings or levels in the new "
                            "data" if isinstance(v, FactorVec) else
                            f"{shown(vc.label)} does not have the model's columns in the new data")
        return v


def _not_numeric(what: Any) -> np.ndarray:
    label = what if isinstance(what, str) else deparse(what)
    raise DataError(f"the offset {shown(label)} must be numeric in the new data")
