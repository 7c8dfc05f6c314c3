"""R's functions that combine or edit columns row by row: ``rowSums(cbind(...))``, ``rowMeans(cbind(...))`` and
``replace(x, condition, value)``.

* ``rowSums(cbind(a, b, ...), na.rm = FALSE)`` adds the columns (and numbers) row by row in long double, as R's
  C code accumulates, and rounds once; ``rowMeans`` divides that sum by the count before rounding.  Missing
  values make the row's value missing, as in R; with ``na.rm = TRUE`` they are left out (a row with none left
  sums to 0, and its mean is NaN, as R's), and a column read only there drops no row (R's model frame keeps the
  rows where one of the columns is missing).
* ``replace(x, condition, value)`` is x with ``value`` where the condition is TRUE.  R recycles a value of several
  elements over the rows chosen, not row by row, so only one number is taken (``ifelse(condition, v, x)`` takes
  a column row by row); a missing condition is refused, as R refuses it ("NAs are not allowed in subscripted
  assignments").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .call_arguments import Builtin, bind, call_error, flag, numeric
from .nodes import Call
from .summary_functions import MAX_ARGUMENTS
from .values import NumVec, Value

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["COLUMN_FUNCTIONS"]


def _row_sums(mean: bool) -> Builtin:
    """R's ``rowSums(cbind(...), na.rm = FALSE)`` (``mean``: ``rowMeans``)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x", "na.rm", "dims"))
        name = "rowMeans" if mean else "rowSums"
        x = a["x"]
        if not (isinstance(x, Call) and x.func == "cbind" and x.args and not x.kwargs):
            raise call_error(call, f"{name}() takes the columns as cbind(a, b, ...), as in {name}(cbind(x, z))")
        if len(x.args) > MAX_ARGUMENTS:  # (each a pass over the rows)
            raise call_error(call, f"{name}() takes at most {MAX_ARGUMENTS} columns, got {len(x.args):,}")
        if "dims" in a and ev.eval(a["dims"]) != 1:
            raise call_error(call, "only dims = 1 is supported")
        na_rm = flag(ev.eval(a["na.rm"]), call, "na.rm") if "na.rm" in a else False
        total = np.zeros(ev.n, dtype=np.longdouble)
        count = np.zeros(ev.n) if na_rm else float(len(x.args))
        for node in x.args:  # (each column folded in as it is evaluated)
            if na_rm:
                with ev.whole_columns():
                    v = np.broadcast_to(np.asarray(numeric(ev.eval(node), call, "column"), dtype=float), (ev.n,))
                seen = ~np.isnan(v)
                total += np.where(seen, v, 0.0)
                count += seen
            else:
                total += numeric(ev.eval(node), call, "column")
        with np.errstate(all="ignore"):
            out = (total / count).astype(float) if mean else total.astype(float)
        return NumVec(out)
    return apply


def _replace(ev: "Evaluator", call: Call) -> Value:
    """R's ``replace(x, list, values)`` with a condition for ``list`` and one number for ``values``."""
    a = bind(call, ("x", "list", "values"), required=3)
    x = np.asarray(numeric(ev.eval(a["x"]), call, "x"), dtype=float)
    condition = ev.eval(a["list"])
    if not (isinstance(condition, NumVec) and condition.logical or isinstance(condition, (bool, np.bool_))):
        raise call_error(call, "list must be a condition (x > 3, g == \"a\"): positions are not supported")
    value = ev.eval(a["values"])
    if not isinstance(value, (int, float, bool, np.bool_)):
        raise call_error(call, "values must be one number: R recycles several values over the rows chosen, not row "
                         "by row (ifelse(condition, value, x) takes a column row by row)")
    chosen = np.broadcast_to(np.asarray(condition.values if isinstance(condition, NumVec) else float(condition)),
                             (ev.n,))
    if np.isnan(chosen).any():
        raise call_error(call, f"the condition is missing in {int(np.isnan(chosen).sum()):,} rows (R: NAs are not "
                         "allowed in subscripted assignments)")
    return NumVec(np.where(chosen != 0, float(value), np.broadcast_to(x, (ev.n,))))


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
COLUMN_FUNCTIONS: dict[str, Builtin] = {"rowSums": _row_sums(False), "rowMeans": _row_sums(True), "replace": _replace}
