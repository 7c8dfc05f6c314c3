"""R's subscript ``x[i]`` of literal values in a formula: ``factor(g, levels = levels(g)[1:2])``, ``I(g %in%
levels(g)[-1])``, ``c(3, 1, 4, 2)[2:3]``.

The parser makes ``x[i]`` the call of ``[`` (as R's does); this is that function.  Only literal values are indexed
-- what ``levels()``, ``unique()``, ``c()``, ``rev()``, ``seq()`` give, or one literal value -- and only by literal
positions, as R indexes a vector: positive positions pick the values in the order written (a fraction truncated
towards 0, as R's subscripts are), 0 picks nothing, negative positions exclude.  Nothing is looked up by name and
nothing runs: the positions are bounds checked against the values.  Refused, where R gives a value glmstat would not
want to guess at: a position past the end (R's NA, which then silently leaves a level out of ``factor()``; an
exclusion past the end, which R ignores), positive and negative positions together (R's error), NA, names (R's
``x["a"]``), logical positions, and a column indexed or indexing (a value per row).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .call_arguments import call_error
from .deparse import deparse
from .nodes import Call
from .values import Value

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["call_subscript"]


def _positions(ev: "Evaluator", call: Call) -> tuple[int, ...]:
    """The literal positions of the subscript ``call`` as R uses them: truncated towards 0; refused when missing,
    a text, a logical or a column."""
    node = call.args[1]
    index = ev.eval(node)
    values = index if isinstance(index, tuple) else (index,)
    if any(isinstance(v, bool) for v in values):
        raise call_error(call, "logical positions (R recycles them) are not supported; write the positions, "
                               "c(1, 3)")
    if not all(isinstance(v, (int, float)) for v in values):
        if any(isinstance(v, str) for v in values):
            raise call_error(call, "positions are numbers here (R's x[\"a\"] picks by the values' names, which "
                                   "glmstat's literal values have not)")
        raise call_error(call, f"the positions {deparse(node)} are a column, not literal numbers such as 1:2 or "
                               "-1; a subscript of literal values takes literal positions")
    if any(math.isnan(v) for v in values):
        raise call_error(call, "a missing position (NA) picks R's NA, no value; write the positions")
    return tuple(int(v) if math.isfinite(v) else (1 if v > 0 else -1) * (2 ** 62) for v in values)


def call_subscript(ev: "Evaluator", call: Call) -> Value:
    """R's ``x[i]`` of the literal values ``x`` at the literal positions ``i``: a tuple of the values picked, in the
    order of ``i``, or of those left once ``-i`` are excluded (one value alone, as ``c()`` gives it).  See the
    module's docstring for what is refused."""
    x_node = call.args[0]
    x = ev.eval(x_node)
    values = (x,) if isinstance(x, (str, bool, int, float)) else x
    if not isinstance(values, tuple):
        raise call_error(call, f"only literal values can be indexed here (levels(g), unique(x), c(...)); "
                               f"{deparse(x_node)} has a value per row, not a column's values to pick from")
    positions = tuple(p for p in _positions(ev, call) if p != 0)
    if any(p > 0 for p in positions) and any(p < 0 for p in positions):
        raise call_error(call, "positive and negative positions together (R's error: \"only 0's may be mixed with "
                               "negative subscripts\")")
    n = len(values)
    past = next((p for p in positions if abs(p) > n), None)
    if past is not None and ev.mode != "collect":  # (a chunk of streamed data may have fewer levels than the fit)
        what = "picks R's NA" if past > 0 else "excludes nothing in R"
        raise call_error(call, f"position {past if abs(past) < 2 ** 62 else '-Inf' if past < 0 else 'Inf'} is past "
                               f"the end of {deparse(x_node)} ({n} values): it {what}; write positions 1 to {n}")
    if positions and positions[0] < 0:
        excluded = {-p for p in positions}
        out = tuple(v for j, v in enumerate(values, 1) if j not in excluded)
    else:
        out = tuple(values[p - 1] for p in positions if p <= n)
    return out[0] if len(out) == 1 else out  # (one value as c() gives it: levels(g)[2] is "b", g == levels(g)[2])
