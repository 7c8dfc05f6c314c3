"""The functions a formula may call: R's math, factor and transform functions, and numpy's math names.

Each function receives the evaluator and its call node and evaluates its own arguments, so that arguments
that are names of contrasts (``C(g, sum)``) are read as words, not looked up.  Every function checks what it
is given and refuses the rest with a :class:`~glmstat.errors.FormulaError` that names the call.  Nothing
here can reach a module, a file or a Python object: the arguments are numbers, strings and arrays.

This module holds the math functions and the registry of every function (:data:`BUILTINS`); the factor
functions are in :mod:`glmstat.formula.factor_functions`, ``cut`` in :mod:`glmstat.formula.interval_functions`,
``interaction`` in :mod:`glmstat.formula.combination_functions`, the stateful transforms (``poly``, ``scale``,
``center``, ``bs``, ``ns``) in :mod:`glmstat.formula.basis_functions`, the summaries of whole columns (``mean``,
``sd``, ``median``, ``sum``...) in :mod:`glmstat.formula.summary_functions`, R's normal and logistic
distribution functions and its gamma and beta functions in :mod:`glmstat.formula.distribution_functions`, and
the matching and conversion of arguments in :mod:`glmstat.formula.call_arguments`.
"""

from __future__ import annotations

import math
import operator
from dataclasses import replace
from typing import Any, Callable, TYPE_CHECKING

import numpy as np

from .._arguments import shown
from ..errors import FormulaError
from .basis_functions import call_bs, call_center, call_ns, call_poly, call_scale
from .call_arguments import Builtin, bind, call_error, flag, math1, numeric, scalar_number, whole_number
from .column_functions import COLUMN_FUNCTIONS
from .date_functions import DATE_FUNCTIONS
from .date_sequences import seq_dates
from .group_functions import GROUP_FUNCTIONS
from .combination_functions import call_interaction
from .distribution_functions import DISTRIBUTION_FUNCTIONS
from .number_functions import NUMBER_FUNCTIONS
from .text_formats import TEXT_FORMAT_FUNCTIONS
from .text_functions import NUMBER_TEXT_CHARS, TEXT_FUNCTIONS, TEXTS_PER_COLUMN, count_text_read, number_levels
from .factor_functions import (call_C, call_add_na, call_as_integer, call_as_numeric, call_droplevels, call_relevel,
                               call_unclass, factor_call)
from .interval_functions import call_cut
from .matching import match_positions
from .na_values import R_NA, is_r_na, na_exact, r_na_mask
from .deparse import deparse
from .nodes import BinOp, Call, Const, Node, is_na_constant
from .rounding import r_round
from .distinct_values import DISTINCT_FUNCTIONS
from .subscripts import call_subscript
from .summary_functions import SUMMARY_FUNCTIONS
from .values import (R_INT_MAX, FactorVec, NumVec, RDate, RInteger, Value, factor_from_labels, is_integer_value,
                     r_text)

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["BUILTINS", "CONSTANTS", "DISTINCT_PASSES", "FOREIGN_FUNCTIONS", "REFUSED_FUNCTIONS", "RESERVED_VALUES",
           "FUNCTION_NAMES", "NAMESPACES", "PASSES", "refused_function", "unqualified"]

#: names that stand for a constant when no column or context= entry has that name (in R a column named T masks T)
CONSTANTS: dict[str, Any] = {
    "T": True, "F": False, "True": True, "False": False,
    "pi": math.pi, "np.pi": math.pi, "np.e": math.e, "np.inf": math.inf, "np.nan": math.nan,
}
#: the values of R's reserved constants (a :class:`~glmstat.formula.nodes.Const`): never a column's (NULL has no
#: value of one row or of every row, and is refused where a value is needed)
RESERVED_VALUES: dict[str, Any] = {
    "TRUE": True, "FALSE": False, "Inf": math.inf, "NaN": math.nan, "NA": R_NA, "NA_integer_": R_NA,
    "NA_real_": R_NA, "NA_character_": R_NA, "NA_complex_": R_NA,
}


def _elementwise(fn: Callable[[Any], Any], logical: bool = False, keeps_integer: bool = False) -> Builtin:
    """``fn`` of each value; ``keeps_integer``: of R's integer an integer (R's ``abs()``)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, ("x",))
        v = ev.eval(a["x"])
        x = numeric(v, call)
        with np.errstate(all="ignore"):
            r = fn(x)
        integer = keeps_integer and is_integer_value(v)
        if isinstance(x, np.ndarray):
            if logical:
                return NumVec(np.asarray(r, dtype=float), logical)
            return math1(x, r, v, integer)
        if x != x and not logical:  # (R's math1 returns a NaN argument itself: numpy's tanh(NA) lost R's payload)
            return float(x)
        return RInteger(r) if integer else float(r)
    return apply


def _log(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "base"))
    v = ev.eval(a["x"])
    x = numeric(v, call)
    with np.errstate(all="ignore"):
        r = np.log(x)
        if "base" in a:
            r = r / np.log(scalar_number(ev.eval(a["base"]), call, "the base"))
    return math1(x, r, v) if isinstance(x, np.ndarray) else float(x if x != x else r)


def _round(ev: "Evaluator", call: Call) -> Value:
    """R's ``round(x, digits)``: the nearer of the two numbers of ``digits`` decimals around x (:func:`r_round`);
    any whole ``digits`` is R's (past 323 or below -308 R's answer no longer depends on it)."""
    a = bind(call, ("x", "digits"))
    x = numeric(ev.eval(a["x"]), call)
    d = whole_number(ev.eval(a["digits"]), call, "digits", -2**31 + 1, 2**31 - 1) if "digits" in a else 0
    r = r_round(x, d)
    return NumVec(r) if isinstance(x, np.ndarray) else float(r)


def _np_round(ev: "Evaluator", call: Call) -> Value:
    """numpy's ``np.round``, which rounds ``x * 10**digits`` (2.675 -> 2.68, where R's round gives 2.67): a
    formula that names numpy's function gets numpy's numbers."""
    a = bind(call, ("x", "digits"))
    x = numeric(ev.eval(a["x"]), call)
    d = whole_number(ev.eval(a["digits"]), call, "digits", -30, 30) if "digits" in a else 0
    r = np.round(x, d)
    return NumVec(np.asarray(r, dtype=float)) if isinstance(x, np.ndarray) else float(r)


def _binary_numeric(fn: Callable[[Any, Any], Any], params: tuple[str, str] = ("x", "y")) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        a = bind(call, params, required=2)
        x, y = (numeric(ev.eval(a[p]), call) for p in params)
        with np.errstate(all="ignore"):
            r = fn(x, y)
        return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)
    return apply


def _keep_first(greater: bool, na_rm: bool) -> Callable[[Any, Any], Any]:
    """R's ``pmax`` (``greater``) or ``pmin`` of two values: ``y`` where it is beyond ``r``, or where it is missing
    (with ``na_rm``, where ``r`` is: a missing value passed over, NA only where both are); else ``r`` -- the first
    of equal values, as R's (``pmax(-0, 0)`` is -0, which sprintf's ``%f`` writes; numpy's maximum takes the
    second)."""
    beyond = operator.gt if greater else operator.lt

    def pick(r: Any, y: Any) -> Any:
        with np.errstate(invalid="ignore"):
            if isinstance(r, np.ndarray) or isinstance(y, np.ndarray):
                return np.where(np.isnan(r if na_rm else y) | beyond(y, r), y, r)
            missing = r != r if na_rm else y != y
            return y if missing or beyond(y, r) else r
    return pick


_r_max, _r_min = _keep_first(True, False), _keep_first(False, False)
_r_max_na_rm, _r_min_na_rm = _keep_first(True, True), _keep_first(False, True)


def _pminmax(fn: Callable[[Any, Any], Any], fn_na_rm: Callable[[Any, Any], Any]) -> Builtin:
    """R's ``pmin``/``pmax`` of one or more numeric arguments, ``fn`` folded over them; with ``na.rm = TRUE``
    ``fn_na_rm``, which passes over a missing value (NA only where every argument is)."""
    def apply(ev: "Evaluator", call: Call) -> Value:
        if not call.args or any(k != "na.rm" for k, _ in call.kwargs):
            raise call_error(call, "takes one or more numeric arguments, and na.rm")
        na_rm = flag(ev.eval(dict(call.kwargs)["na.rm"]), call, "na.rm") if call.kwargs else False
        step = fn_na_rm if na_rm else fn
        # (each argument folded in as it is evaluated: a list of them all held 3,000 columns at once, 2.4 GB for
        # pmax(z + 1, ..., z + 3000) on 100,000 rows, a MemoryError on more)
        first = ev.eval(call.args[0])
        integer = is_integer_value(first)  # (R: of integers an integer)
        exact = na_exact(first)
        r = numeric(first, call)
        for node in call.args[1:]:
            v = ev.eval(node)
            integer = integer and is_integer_value(v)
            exact = exact and na_exact(v)
            r = step(r, numeric(v, call))
        if isinstance(r, np.ndarray):
            # (each row one argument's own value, NaNs too, as R's: the later NaN, pmin(NA, NaN) NaN -- exact about
            # NA where every argument was; paste() took its missing rows from the columns read: "NA")
            return NumVec(np.asarray(r, dtype=float), integer=integer, na_exact=exact and not integer)
        return RInteger(r) if integer else float(r)
    return apply


def _constant_vector(ev: "Evaluator", call: Call, node) -> tuple:
    """The literal values ``node`` gives (``c(8, 6, 4)``, ``seq_len(3)``), as a tuple; a column is refused: the
    function of a column's rows depends on the other rows (REFUSED_FUNCTIONS)."""
    v = ev.eval(node)
    if isinstance(v, (str, bool, int, float)):
        return (v,)
    if not isinstance(v, tuple):
        raise refused_function(unqualified(call.func), of_column=True)
    return v


def _rev(ev: "Evaluator", call: Call) -> Value:
    """R's ``rev()`` of literal values (``factor(g, levels = rev(c("lo", "mid", "hi")))``)."""
    a = bind(call, ("x",))
    return _constant_vector(ev, call, a["x"])[::-1]


def _sort(ev: "Evaluator", call: Call) -> Value:
    """R's ``sort(x, decreasing = FALSE)`` of literal values: numbers by value, texts by code point (R's C
    locale, the order of factor levels), without the missing values (R's ``na.last = NA``: ``sort(c(3, NA, 1))``
    is 1, 3); mixed numbers and texts are refused."""
    a = bind(call, ("x", "decreasing"))
    values = tuple(v for v in _constant_vector(ev, call, a["x"]) if not (isinstance(v, float) and math.isnan(v)))
    decreasing = flag(ev.eval(a["decreasing"]), call, "decreasing") if "decreasing" in a else False
    texts = [isinstance(v, str) for v in values]
    if any(texts) and not all(texts):
        raise call_error(call, "sorts numbers or texts, not both")
    return tuple(sorted(values, reverse=decreasing))


def _is_element(ev: "Evaluator", call: Call) -> Value:
    """R's ``is.element(x, table)``: ``x %in% table``."""
    a = bind(call, ("el", "table"), required=2)
    return ev.eval(BinOp("%in%", a["el"], a["table"], call.pos))


def _match(ev: "Evaluator", call: Call) -> Value:
    """R's ``match(x, table, nomatch = NA_integer_)`` of literal values ``table``: the position of each value in
    ``table`` (:func:`~glmstat.formula.matching.match_positions`), R's integers, ``nomatch`` where it has none;
    ``incomparables`` may only be NULL or FALSE (every value comparable)."""
    a = bind(call, ("x", "table", "nomatch", "incomparables"), required=2)
    incomparables = a.get("incomparables")
    if incomparables is not None and not (isinstance(incomparables, Const) and incomparables.id == "NULL") \
            and ev.eval(incomparables) is not False:
        raise call_error(call, "incomparables = is not supported (every value is comparable, as R's default)")
    nomatch = math.nan
    if "nomatch" in a and not is_na_constant(a["nomatch"]):
        nomatch = float(whole_number(ev.eval(a["nomatch"]), call, "nomatch", -R_INT_MAX, R_INT_MAX))
    x = ev.eval(a["x"])
    pos = match_positions(ev, x, ev.eval(a["table"]), a["x"], call, ("match()", "x of match()", "match()'s table"))
    pos = np.where(np.isnan(pos), nomatch, pos)
    if pos.ndim:
        return NumVec(pos, integer=True)
    return R_NA if math.isnan(pos) else RInteger(pos)


def _clip(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("a", "a_min", "a_max"), required=3)
    x, lo, hi = (numeric(ev.eval(a[p]), call) for p in ("a", "a_min", "a_max"))
    r = np.clip(x, lo, hi)
    return NumVec(np.asarray(r, dtype=float)) if isinstance(r, np.ndarray) else float(r)


def _texts(v: Value, node: Node, ev: "Evaluator", call: Call, what: str, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """An ifelse() value (``node``'s) as R's character vector of the rows, and where it is missing: a string or a
    number (written as R's as.character writes it; R's NA is missing, :func:`_missing_literal`); the labels of a
    factor (an inner ifelse() of strings, which R keeps as text: one reference a row, no new string), of at most
    ``bound`` levels, as as.character() writes them: a factor of a million distinct numbers, factor(z), had the
    text of each written, and the rows made a factor of them again (13 s).  A numeric column beside text is
    refused: a text for every row of it would be built, and a column of distinct values a level each."""
    if isinstance(v, (str, bool, int, float)):
        if _missing_literal(v, node, call, what):
            return np.full(ev.n, "", dtype=object), np.ones(ev.n, dtype=bool)
        text = v if isinstance(v, str) else r_text(v)
        return np.full(ev.n, text, dtype=object), np.zeros(ev.n, dtype=bool)
    if isinstance(v, FactorVec) and len(v.levels) > bound:
        raise call_error(call, f"the {what} is a factor of {len(v.levels):,} levels, more texts than {bound:,} "
                         f"({TEXTS_PER_COLUMN} times the limit max_columns, as as.character() writes); compare the "
                         "values themselves, or raise max_columns")
    if isinstance(v, FactorVec):
        count_text_read(ev, call, number_levels(v.levels) * NUMBER_TEXT_CHARS)  # (the formula's numbers' texts)
        labels = np.array([r_text(level) for level in v.levels] + [""], dtype=object)
        return labels[v.codes], v.codes < 0
    raise call_error(call, f"the {what} is a column of numbers beside text; ifelse() of text takes strings, "
                           "numbers or another ifelse() of text (use factor() of the column for its levels)")


def _missing_literal(v: Any, node: Node, call: Call, what: str) -> bool:
    """Whether the one value ``v`` (of ``node``) beside text is R's NA, a missing text: R's ``ifelse(x > 2, NA,
    "a")`` is NA there, not a level, and so is ``NA + 1`` (R's NA carried through arithmetic,
    :func:`~glmstat.formula.na_values.is_r_na`).  R writes another NaN (``NaN``, ``0/0``) as the text "NaN"."""
    return isinstance(v, float) and math.isnan(v) and (is_na_constant(node) or is_r_na(v))


def _ifelse(ev: "Evaluator", call: Call) -> Value:
    """R's ``ifelse(test, yes, no)``: numbers, or text where either value is text -- a string, or a nested
    ``ifelse()`` of strings (``ifelse(x > 2, "high", ifelse(x < 1, "low", "mid"))``) -- as a factor of sorted
    levels, R's character vector in a model frame; a number beside text is written as R's as.character writes
    it.  The value is missing where the test is, or where the value it takes is: ``ifelse(is.na(z), 0, z)`` keeps
    the rows missing z, as R's model frame does."""
    a = bind(call, ("test", "yes", "no"), required=3)
    test = numeric(ev.eval(a["test"]), call, "test")
    yes, no = ev.eval(a["yes"]), ev.eval(a["no"])
    n = ev.n
    t = np.broadcast_to(np.asarray(test, dtype=float), (n,))
    miss = np.isnan(t)
    if any(isinstance(v, (str, FactorVec)) for v in (yes, no)):
        # R's test is as.logical(): any non-zero number is TRUE, as in the numeric branch below
        bound = TEXTS_PER_COLUMN * ev.limits.max_columns
        (yes_text, yes_miss), (no_text, no_miss) = (_texts(v, a[p], ev, call, f"{p} value", bound)
                                                    for v, p in ((yes, "yes"), (no, "no")))
        pick = t != 0
        labels = np.where(pick, yes_text, no_text).astype(object)
        return replace(factor_from_labels(labels, miss | np.where(pick, yes_miss, no_miss)), text=True)
    y_, n_ = numeric(yes, call, "yes value"), numeric(no, call, "no value")
    r = np.where(t != 0, y_, n_).astype(float)
    r[miss] = R_NA  # (R: NA where the test is; each other row the value it takes, NA or NaN as that value's)
    logical = all(isinstance(v, (bool, np.bool_)) or (isinstance(v, NumVec) and v.logical) for v in (yes, no))
    return NumVec(r, logical, integer=is_integer_value(yes) and is_integer_value(no),  # (R: of integers, one)
                  na_exact=na_exact(yes) and na_exact(no))


def _where(ev: "Evaluator", call: Call) -> Value:
    return _ifelse(ev, Call("ifelse", call.args, (), call.pos))


def _identity(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x",))
    return ev.eval(a["x"])


def _as_vector(ev: "Evaluator", call: Call) -> Value:
    """R's ``as.vector(x)``: x without its attributes (``as.vector(scale(x))``); a factor's values become its
    levels' texts, R's character vector (whose levels a model frame sorts)."""
    a = bind(call, ("x", "mode"))
    if "mode" in a and ev.eval(a["mode"]) != "any":
        raise call_error(call, "only mode = \"any\" is supported (as.numeric(), as.character() convert)")
    x = ev.eval(a["x"])
    return TEXT_FUNCTIONS["as.character"](ev, Call("as.character", (a["x"],), (), call.pos)) \
        if isinstance(x, FactorVec) else x


def _c(ev: "Evaluator", call: Call) -> Value:
    """R's ``c()``: literal values combined (``c("a", "b")``, ``c(1, 2)``), or one column as it is (``c(scale(x))``,
    R's idiom for dropping a matrix's attributes)."""
    if call.kwargs:
        raise call_error(call, "c() takes values only")
    if len(call.args) == 1:
        v = ev.eval(call.args[0])
        if isinstance(v, (NumVec, FactorVec)):
            return v
    out = []
    for node in call.args:
        v = ev.eval(node)
        if isinstance(v, tuple):
            out.extend(v)
        elif isinstance(v, (str, bool, int, float)):
            out.append(v)
        else:
            raise call_error(call, "c() combines literal values such as c(\"a\", \"b\") or c(1, 2); columns cannot be "
                             "combined")
    if any(type(v) is float for v in out):  # (R: an integer beside a double is a double, c(1e5, 2L) "1e+05")
        out = [float(v) if isinstance(v, RInteger) else v for v in out]
    return out[0] if len(out) == 1 else tuple(out)  # (R's c(2) is 2: a value where one number is asked for)


_SEQ_PARAMS = ("from", "to", "by", "length.out")


def _seq(ev: "Evaluator", call: Call) -> tuple:
    """R's ``seq(from, to)``, ``seq(from, to, by)``, ``seq(from, to, length.out = n)`` (``length =``, as R's partial
    matching reads it) and ``seq(from, by = , length.out = )`` of literal numbers, as R's ``seq.default``
    computes them: from + (0:n) * by with n = floor((to - from) / by + 1e-10), the last held within ``to``; n
    values from ``from`` to ``to`` exactly, evenly spaced in between.  The values c() gives, counted against the
    formula's length as ``1:5`` is."""
    kwargs = []
    for key, node in call.kwargs:  # (R's partial matching of the names seq users write: length =, len =)
        full = [p for p in _SEQ_PARAMS if p == key] or [p for p in _SEQ_PARAMS if len(key) >= 3 and p.startswith(key)]
        kwargs.append((full[0] if len(full) == 1 else key, node))
    a = bind(Call(call.func, call.args, tuple(kwargs), call.pos), _SEQ_PARAMS, required=0)
    values = {k: ev.eval(node) for k, node in a.items()}
    if isinstance(values.get("from"), RDate):  # (R's seq.Date)
        return seq_dates(ev, call, values, _seq_numbers)
    if isinstance(values.get("to"), RDate):
        raise call_error(call, f"'to' is a date and 'from' is not ({shown(values.get('from', 1.0))}): R's seq() of "
                               "numbers would count days from it; give from = as.Date(...)")
    return _seq_numbers(ev, call, {k: scalar_number(v, call, k) for k, v in values.items()})


def _seq_numbers(ev: "Evaluator", call: Call, given: dict) -> tuple:
    """:func:`_seq` of the numbers ``given`` (of from, to, by, length.out), R's ``seq.default``."""
    for k, v in given.items():
        if not math.isfinite(v):
            raise call_error(call, f"'{k}' must be a finite number (R: seq() refuses {k} = {v})")
    start, end = given.get("from", 1.0), given.get("to", 1.0)
    if "length.out" in given:
        n = math.ceil(given["length.out"])
        if n < 0:
            raise call_error(call, "'length.out' must be a non-negative number")
        if "by" in given and {"from", "to"} <= set(given):
            raise call_error(call, "too many arguments: give two of to, by and length.out")
        n = ev.count_sequence(n, call)
        if "by" in given:
            by = given["by"]
            return tuple(start + i * by for i in range(n)) if "from" in given or "to" not in given else \
                tuple(end - (n - 1 - i) * by for i in range(n))
        if "to" not in given:  # (R: steps of 1 from from, or up to to)
            end = start + (n - 1)
        elif "from" not in given:
            start = end - (n - 1)
        if n > 2:
            return start, *(start + i * ((end - start) / (n - 1)) for i in range(1, n - 1)), end
        return (start, end)[:n]
    if "by" not in given:
        if "to" not in given and "from" in given and len(call.args) == 1:
            raise call_error(call, "seq(n) of one number (R's 1:n) is not supported; write 1:n or seq_len(n)")
        return ev.sequence(start, end, call)
    by, span = given["by"], end - start
    if span == 0 and end == 0:
        return (end,)
    with np.errstate(all="ignore"):
        count = span / by if by else math.inf
    if not math.isfinite(count):
        if by == 0 and span == 0:
            return (start,)
        raise call_error(call, "invalid '(to - from)/by'")
    if count < 0:
        raise call_error(call, "wrong sign in 'by' argument")
    if abs(span) / max(abs(end), abs(start)) < 100 * np.finfo(float).eps:
        return (start,)
    n = ev.count_sequence(int(count + 1e-10) + 1, call)
    values = (start + i * by for i in range(n))
    return tuple(min(v, end) if by > 0 else max(v, end) for v in values)


def _seq_len(ev: "Evaluator", call: Call) -> tuple:
    """R's ``seq_len(n)``: 1, 2, ..., n."""
    n = whole_number(ev.eval(bind(call, ("length.out",))["length.out"]), call, "length.out", 0, 2**31 - 1)
    return tuple(RInteger(i) for i in range(1, ev.count_sequence(n, call) + 1))  # (R's integers)


_NP_UNARY = {
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "sqrt": np.sqrt, "cbrt": np.cbrt, "abs": np.abs, "absolute": np.abs, "square": np.square,
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh,
}
_R_UNARY = {
    "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp, "expm1": np.expm1, "sqrt": np.sqrt,
    "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceiling": np.ceil, "trunc": np.trunc, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
}


def _is_na(ev: "Evaluator", call: Call) -> Value:
    """R's ``is.na(x)``: TRUE where x is missing (NA or NaN; a factor's missing level).  A column read only here
    drops no row: the term's values have no missing value (R's model frame keeps the rows, ``y ~ is.na(x)``
    compares the rows missing x with the others)."""
    a = bind(call, ("x",))
    with ev.whole_columns():
        x = ev.eval(a["x"])
    if isinstance(x, FactorVec):
        return NumVec((x.codes < 0).astype(float), logical=True)
    values = numeric(x, call)
    return NumVec(np.isnan(values).astype(float), logical=True) if isinstance(values, np.ndarray) else \
        float(math.isnan(values))


def _is_nan(ev: "Evaluator", call: Call) -> Value:
    """R's ``is.nan(x)``: TRUE where x is NaN, FALSE where it is R's NA (a column's missing value, the formula's
    ``NA`` and what arithmetic, math functions and ifelse() carry of them) or a number; never missing, as ``is.na()``.
    Of a value whose NaNs do not say which are NA (``NumVec.na_exact``: what other functions compute from a missing
    value), refused rather than guessed; of R's integers and logicals, which hold no NaN, FALSE."""
    a = bind(call, ("x",))
    with ev.whole_columns():
        x = ev.eval(a["x"])
    if isinstance(x, FactorVec):
        raise call_error(call, "is.nan() of a factor: R's is.nan has no method for one (it holds no NaN)")
    values = numeric(x, call)
    if not isinstance(values, np.ndarray):
        return bool(values != values and not is_r_na(values))
    if isinstance(x, NumVec) and (x.logical or x.integer):
        return NumVec(np.zeros(values.shape[0]), logical=True)
    if not na_exact(x):
        raise call_error(call, f"which missing values of {deparse(a['x'])} are NaN rather than NA is not known "
                               "here (it is computed by a function that does not carry R's NA); is.nan() applies to "
                               "columns, arithmetic, math functions such as log() and ifelse() of them")
    return NumVec((np.isnan(values) & ~r_na_mask(values)).astype(float), logical=True)


BUILTINS: dict[str, Builtin] = {
    **{name: _elementwise(fn, keeps_integer=name == "abs") for name, fn in _R_UNARY.items()},
    **{f"np.{name}": _elementwise(fn) for name, fn in _NP_UNARY.items()},
    "log": _log, "round": _round, "np.round": _np_round,
    "np.isnan": _elementwise(lambda x: np.isnan(x), logical=True),
    "np.isfinite": _elementwise(lambda x: np.isfinite(x), logical=True),
    "np.power": _binary_numeric(np.power), "np.minimum": _binary_numeric(np.minimum),
    "np.maximum": _binary_numeric(np.maximum), "np.clip": _clip, "np.where": _where,
    "pmin": _pminmax(_r_min, _r_min_na_rm), "pmax": _pminmax(_r_max, _r_max_na_rm), "ifelse": _ifelse,
    "is.element": _is_element, "match": _match, "rev": _rev, "sort": _sort,
    "as.numeric": call_as_numeric, "as.double": call_as_numeric, "as.integer": call_as_integer, "unclass": call_unclass,
    "I": _identity, "c": _c, "as.vector": _as_vector, "seq": _seq, "seq_len": _seq_len,
    "factor": factor_call(False), "as.factor": factor_call(False, keep_factor=True), "ordered": factor_call(True),
    "as.ordered": factor_call(True, keep_factor=True), "C": call_C, "relevel": call_relevel, "cut": call_cut,
    "interaction": call_interaction,
    "poly": call_poly, "scale": call_scale, "center": call_center, "bs": call_bs, "ns": call_ns,
    "is.na": _is_na, "is.nan": _is_nan,
    **SUMMARY_FUNCTIONS,
    **DISTINCT_FUNCTIONS,
    **DISTRIBUTION_FUNCTIONS,
    **NUMBER_FUNCTIONS,
    **TEXT_FUNCTIONS,
    **TEXT_FORMAT_FUNCTIONS,
    **COLUMN_FUNCTIONS,
    **DATE_FUNCTIONS,
    **GROUP_FUNCTIONS,
    "droplevels": call_droplevels, "addNA": call_add_na,
    "[": call_subscript,  # (R's x[i], as the parser makes it)
}

#: R functions a formula may not call, with the reason (R evaluates them, and its ``predict()`` then computes them
#: again over the new rows alone: another value for the same row, silently)
REFUSED_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(("cumsum", "cumprod", "cummax", "cummin", "diff", "lag", "lead", "rank", "rev", "order", "sort",
                     "seq_along", "rownames", "row.names", "head", "tail", "embed", "filter", "ecdf", "duplicated"),
                    "its value for a row depends on the other rows and their order, so predict() on new data (or a fit "
                    "from Parquet row groups or dask partitions, a part of the rows at a time) would give the same "
                    "row another value"),
    **dict.fromkeys(("runif", "rnorm", "rbinom", "rpois", "rexp", "rgamma", "rbeta", "rt", "rchisq", "rlogis",
                     "rweibull", "rgeom", "rnbinom", "rhyper", "rcauchy", "rlnorm", "sample", "set.seed"),
                    "it draws random numbers: the model could not be refitted, nor applied to new data, with the same "
                    "values"),
}

#: functions of other R packages or other kinds of model that R formulas call, with what a GLM has instead
FOREIGN_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(("s", "te", "ti", "t2", "lo"),
                    "a smooth term of a generalized additive model (mgcv's or gam's gam()), which a GLM has not; "
                    "ns(x, df = 4) or bs(x, df = 4) is a regression spline of fixed degrees of freedom"),
    **dict.fromkeys(("Surv", "strata", "cluster", "frailty", "pspline"),
                    "the survival package's, for survival models, which a GLM is not"),
    **dict.fromkeys(("year", "month", "day", "wday", "yday", "hour", "minute", "ymd", "mdy", "dmy", "ymd_hms"),
                    "lubridate's; base R's as.numeric(format(as.Date(x), \"%Y\")), months() and weekdays() read a "
                    "date's parts, and as.Date() reads a date from text"),
    **dict.fromkeys(("as.POSIXct", "as.POSIXlt", "strptime"),
                    "a formula reads no date-time from text: a column of date-times (datetime64) is R's POSIXct "
                    "itself -- as.numeric(x) its seconds, as.Date(x) its dates, format(x, \"%H\") its hours -- and "
                    "as.Date() reads a date from text"),
}


def refused_function(func: str, of_column: bool = False) -> FormulaError:
    """The refusal of the R function ``func`` (one of :data:`REFUSED_FUNCTIONS`), with its reason; ``of_column``: a
    function that glmstat computes of literal values (``rev(c(8, 6, 4))``) was given a column."""
    which = f"{func}() of a column" if of_column else f"{func}()"
    literal = f" (of literal values, such as c(8, 6, 4), it is R's {func}())" if of_column else ""
    return FormulaError(f"the formula calls {which}, which glmstat refuses: {REFUSED_FUNCTIONS[func]}; compute it as a "
                        f"column of the data before fitting{literal}")


#: every function name a formula may call without context= (for messages)
FUNCTION_NAMES = tuple(sorted(set(BUILTINS) | {"offset", "cbind"}))

#: R's packages of the R functions above, for a call qualified by its namespace (``splines::ns(x, 3)``, as a
#: script that does not attach splines writes it; ``stats::poly``, ``base::log``)
NAMESPACES: dict[str, frozenset[str]] = {
    "splines": frozenset({"ns", "bs"}),
    "stats": frozenset({"poly", "relevel", "C", "offset", "sd", "var", "median", "quantile", "dnorm", "pnorm", "qnorm",
                        "dlogis", "plogis", "qlogis"}),
}
NAMESPACES["base"] = frozenset(n for n in FUNCTION_NAMES if not n.startswith("np.") and n not in ("center", "[")
                               and not any(n in names for names in NAMESPACES.values()))


def _priced(passes: int, names: str) -> dict[str, int]:
    """Each of the space-separated ``names`` priced at ``passes`` (:data:`PASSES`)."""
    return dict.fromkeys(names.split(), passes)


#: What a function or an operator costs per argument that is not a literal, in passes over the rows (one pass: a
#: numpy addition, 1 ns a row on one core), as measured on a million rows (CPU time, not wall time: on a busy machine
#: a long call is descheduled where a short one is not); anything else is one pass.  The
#: formula's work, rows x passes, is bounded by ``FormulaLimits.max_eval_work`` before each variable is evaluated.
PASSES: dict[str, int] = {
    "I": 0, "c": 0, "unclass": 0,  # (the values themselves)
    # comparisons, logic, tests, and the math of some nanoseconds a row
    **_priced(8, "^ == != < > <= >= & && | || ! xor ifelse np.where replace rowSums rowMeans is.na is.nan np.isnan "
                 "np.isfinite as.logical log np.log log2 np.log2 log10 np.log10 sqrt np.sqrt np.cbrt expm1 np.expm1 "
                 "pmin pmax np.minimum findInterval as.integer floor np.floor ceiling np.ceil trunc np.trunc sinh "
                 "np.sinh cosh np.cosh asinh acosh atanh tanh np.tanh atan2"),
    # the summaries of a column, bounded by their count (64) but not by the rows, each priced a pass: mean(x) took
    # 5 ns a row of CPU time, sd(x) and var(x) 10, IQR(x) 16 and mad(x) 25 (the last two sort them, as median())
    **_priced(8, "mean sum max min"), **_priced(16, "sd var"), **_priced(32, "IQR mad"),
    # the columns of rowSums(cbind(...)) and rowMeans(), each added in long double (12 ns a row, where a numpy
    # addition of doubles takes 1: 16 columns of a million rows priced one pass each took 15 times their price)
    "cbind": 16,
    # trigonometry, modular arithmetic, R's distribution functions and the gamma function: tens of ns a row
    **_priced(32, "sin np.sin cos np.cos tan np.tan asin np.arcsin acos np.arccos atan np.arctan dnorm pnorm qnorm "
                  "dlogis plogis qlogis gamma lgamma factorial lfactorial"),
    # what sorts the rows or their distinct values: factors' levels, texts, dates, cut points, %in%, the basis
    # transforms' knots, medians and quantiles, groups (ave(x, g): 16 grouping variables of a million rows took 6 s,
    # priced at one pass each)
    **_priced(64, "droplevels cut as.numeric as.double scale center poly bs ns median quantile startsWith "
                  "endsWith as.Date format months weekdays quarters levels unique"),
    # what codes each row by the sorted distinct values of a column: a hash table of its rows, then a sort of the
    # distinct values found, each priced DISTINCT_PASSES besides (value_codes.sorted_codes; np.unique's argsort of
    # the rows took 150 to 270 ns a row, priced 192).  Measured on a million rows (CPU time) of 100 numbers, of
    # 100,000 and of a million distinct ones: factor(x), relevel(x, "1.5"), addNA(x), C(x), x %in% c("1.5") 9 to 15
    # ns a row, 47 to 75 of 100,000 values (priced 96 + 45 for them), 196 to 350 of a million (96 + 448);
    # ave(z, x) and interaction(x, h) 17 to 21 an argument; reorder(x, z) 15 (of 100,000 levels of text 600 ns a
    # row, their texts bounded by max_text_chars), substr(g, 1, 3), nchar(g) 62 and 45 of 100,000 texts; grepl(),
    # sub() and gsub() bounded by their characters searched (max_regex_chars)
    **_priced(96, "factor as.factor ordered as.ordered ave interaction reorder relevel addNA C %in% is.element substr "
                  "nchar grepl sub gsub"),
    # the text functions whose texts' own work a row is past that (the rows coded 13 ns, as factor(x)):
    # as.character(g), toupper(g), tolower(g), casefold(g), trimws(g) and strtoi(g) of 100,000 distinct texts 89 to
    # 120 ns a row, substring(g, 2, k) 250 for its two arguments; paste(g) 145 and sprintf("%s", g) 246, paste() and
    # sprintf() of 100 numbers 15 to 20 an argument (before: paste(x) 240 to 370 ns a row)
    **_priced(192, "as.character substring toupper tolower casefold trimws strtoi"),
    **_priced(256, "paste paste0 sprintf"),
    # R's rounding to digits and the beta function
    # C's sin, cos and tan one value at a time (R's sinpi, cospi and tanpi, exact: 80 to 110 ns a row of CPU time,
    # where each was priced 32)
    **_priced(128, "round beta lbeta sinpi cospi tanpi"),
    # R's signif(), a score of masked steps a row (220 ns a row of CPU time)
    "signif": 256,
    # R's modulus and integer division: C's long double steps where the quotient is past 2^10 (formula.arithmetic),
    # 300 ns a row for x %% 1e-5 (x %% 2: 40)
    **_priced(256, "%% %/%"),
    # R's choose and the digamma functions: hundreds of ns a row
    **_priced(512, "choose lchoose digamma trigamma"),
}


#: What sorting one distinct value of a column costs, in passes over the rows (a pass: 1 ns a row), counted by
#: :meth:`glmstat.formula.evaluate.Evaluator.count_distinct` once a call coding its rows by their sorted distinct
#: values has found them (:func:`glmstat.formula.value_codes.sorted_codes`) and before it sorts them.  Their hash
#: table's rows are priced by :data:`PASSES` (96 a row for factor()); a million distinct numbers of a million rows
#: took 196 to 350 ns a row of CPU time (factor(x), relevel(x, "1.5"), addNA(x), x %in% c("1.5"): the hash table
#: past the caches, the sort, the levels), priced 96 + 448
DISTINCT_PASSES = 448


def unqualified(func: str) -> str:
    """The function a call names: ``ns`` for ``splines::ns`` (or ``splines:::ns``); ``func`` itself when it
    is not qualified.  A qualified name that is not one of glmstat's functions of that R package is refused."""
    pkg, sep, name = func.partition("::")
    if not sep:
        return func
    name = name.removeprefix(":")
    if name not in NAMESPACES.get(pkg, ()):
        known = ", ".join(f"{p}::" for p in sorted(NAMESPACES))
        raise FormulaError(f"the formula calls {func}(), which is not a function glmstat knows (it reads {known} "
                           f"calls of its own functions: {', '.join(sorted(NAMESPACES.get(pkg, ()))) or 'none'} "
                           f"from {pkg})")
    return name
