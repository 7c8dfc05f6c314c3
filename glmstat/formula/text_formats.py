"""R's ``sprintf(fmt, ...)`` in a formula, for keys and labels (``factor(sprintf("%s-%02d", region, week))``): a
safe subset of its conversions -- ``%s`` (texts, a factor's labels, numbers as R's ``as.character`` writes them: 15
significant digits, ``TRUE``/``FALSE``; a width and precision of text beyond ASCII counted in UTF-8 bytes, as
R's), ``%d`` and ``%i`` (whole numbers: R refuses a double that is not one), ``%f``, ``%e``, ``%E``, ``%g`` and
``%G`` with C's flags (``-+ 0#``), width and precision, and ``%%`` -- each argument one value, or a column (one
value a row; one value is recycled), as R's vectorised sprintf.  A missing value is written as R writes it: ``NA``
(or ``NaN``, ``Inf``) in the conversion's width, its precision dropped for a number of ``%f``, ``%e`` and ``%g``,
kept for ``%d`` and ``%s``; the flags ``+`` and space write ``+Inf``, `` Inf`` and `` NA`` as R's do.

The format must be one string (R's vector of formats is refused), with as many conversions as arguments (R
ignores the extra ones with a warning); ``*`` widths and ``n$`` positions are refused, and so is ``%d`` of a
factor (R writes its level codes) or of text.  Python's ``%`` operator writes each conversion: it is C's printf
for these conversions (doubles rounded exactly, as glibc's) but for two rules of ``%d`` applied here (a precision
makes it ignore the ``0`` flag; 0 of precision 0 writes no digit), and it runs on a spec glmstat parsed and
checked, never on the formula's text itself.

The texts are written for the combinations of the arguments' distinct values that the rows take, never a text a
row, as paste()'s (:mod:`glmstat.formula.text_functions`): each argument's distinct values (at most 20 times
``max_columns``, counted before any is written) are combined argument by argument, the combinations no row takes
pruned, their number bounded as paste()'s; the characters of every text are bounded before any is written (each
conversion's widest text for its value: ``max_design_bytes``, as paste()'s texts; a width or precision at most
8192, R's own bound on one conversion), and a text of values that are one each is no longer than the formula may be
(``max_length``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from .calendar import date_text, writable_date
from .call_arguments import Builtin, call_error
from .date_steps import DATE_TEXT_FORMAT, count_steps, format_steps
from .deparse import deparse
from .factor_functions import drop_unused
from .limits import refuse
from .na_values import is_r_na
from .nodes import Call, is_na_constant
from .text_functions import TEXTS_PER_COLUMN, count_text_read, na_rows
from .text_memory import chars_bytes, hold_texts
from .value_codes import sorted_codes
from .values import FactorVec, NumVec, RDate, RInteger, Value, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["TEXT_FORMAT_FUNCTIONS", "parse_format"]

#: the widest width or precision of a conversion: R's bound on the text one conversion writes (8192 bytes)
MAX_FIELD = 8192
_FLAGS = "-+ 0#"
_NUMBER_CONVERSIONS = "feEgG"


@dataclass(frozen=True)
class Spec:
    """One conversion of a format: ``%[flags][width][.precision]conversion``."""

    flags: str
    width: int | None
    precision: int | None
    conversion: str

    def python(self, conversion: str, precision: bool = True) -> str:
        """The conversion as Python's ``%`` writes it (C's printf for these), ``conversion`` in place of its own,
        without its precision when ``precision`` is false."""
        w = "" if self.width is None else str(self.width)
        p = "" if self.precision is None or not precision else f".{self.precision}"
        return f"%{self.flags}{w}{p}{conversion}"


def parse_format(fmt: str, call: Call) -> list[str | Spec]:
    """The format's literal texts and conversions, in order; what glmstat does not write refused, naming it."""
    pieces: list[str | Spec] = []
    text: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c != "%":
            text.append(c)
            i += 1
            continue
        if fmt[i + 1:i + 2] == "%":
            text.append("%")
            i += 2
            continue
        j = i + 1
        while j < n and fmt[j] in _FLAGS:
            j += 1
        flags = fmt[i + 1:j]
        k = j
        while k < n and fmt[k].isdigit() and fmt[k].isascii():
            k += 1
        width = fmt[j:k]
        precision = None
        if fmt[k:k + 1] == ".":
            m = k + 1
            while m < n and fmt[m].isdigit() and fmt[m].isascii():
                m += 1
            precision, k = fmt[k + 1:m], m
        conversion = fmt[k:k + 1]
        spec_text = fmt[i:k + 1]
        if conversion in ("*", "$"):
            raise call_error(call, f"the conversion {spec_text!r}: '*' widths and 'n$' positions are not supported")
        if conversion not in "sdi" + _NUMBER_CONVERSIONS or not conversion:
            raise call_error(call, f"unrecognised format specification {spec_text!r} (R's words; glmstat writes %s, "
                             "%d, %i, %f, %e, %E, %g, %G and %%)")
        # (the digits checked before they are read: int() of 4,300 digits or more raises Python's ValueError)
        width, precision = (None if d is None else d.lstrip("0") or ("0" if d else "") for d in (width, precision))
        for what, digits in (("width", width), ("precision", precision)):
            if digits and (len(digits) > len(str(MAX_FIELD)) or int(digits) > MAX_FIELD):
                size = f"{int(digits):,}" if len(digits) <= 30 else f"{len(digits):,} digits"
                raise call_error(call, f"the conversion {shown(spec_text)} has a {what} of {size}, more than "
                                 f"{MAX_FIELD:,} (R's bound on the text of one conversion)")
        w = int(width) if width else None
        p = int(precision) if precision else (0 if precision is not None else None)
        if text:
            pieces.append("".join(text))
            text = []
        pieces.append(Spec(flags, w, p, conversion))
        i = k + 1
    if text:
        pieces.append("".join(text))
    return pieces


@dataclass
class _Argument:
    """An argument by its distinct values: ``codes`` into ``values`` for a column (None: one value), and what
    they are (``kind``: "text", "number", "integer" (R's integer type), "logical", "date", "factor")."""

    codes: np.ndarray | None
    values: list
    kind: str


class _DataNA(float):
    """A missing number that is R's NA, written "NA" (one computed from numbers, ``log(-1)``, is R's NaN, "NaN")."""

    __slots__ = ()


_DATA_NA = _DataNA("nan")


def _argument(value: Value, call: Call, ev: "Evaluator", bound: int, position: int,
              na: np.ndarray | None = None) -> _Argument:
    """An argument's distinct values (at most ``bound``, counted before any text is written); ``na``: where a
    missing number is R's NA (:func:`~glmstat.formula.text_functions.na_rows`), written "NA", not "NaN"."""
    if isinstance(value, str):
        return _Argument(None, [value], "text")
    if isinstance(value, RDate):
        return _Argument(None, [float(value)], "date")
    if isinstance(value, (bool, np.bool_)):
        return _Argument(None, [float(value)], "logical")
    if isinstance(value, RInteger):  # (R's integer: written in full, "NA" where missing)
        return _Argument(None, [float(value)], "integer")
    if isinstance(value, (int, float)):
        return _Argument(None, [float(value)], "number")
    if isinstance(value, FactorVec):
        kind = "text" if value.text else "factor"
        value = drop_unused(value)  # (a level no row takes is written for none: R writes each row's text)
        if len(value.levels) > bound:
            raise call_error(call, f"argument {position} is a factor of {len(value.levels):,} levels, more texts than "
                             f"{bound:,} ({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
        codes = np.where(value.codes >= 0, value.codes, len(value.levels))
        return _Argument(codes, list(value.levels) + [None], kind)
    if isinstance(value, NumVec):
        present = ~np.isnan(value.values)
        # (distinct by their bits: -0 and 0 are one number, but %f, %e and %g write "-0.00" and "0.00", two levels
        # of R's; np.unique of the values made them one, written as whichever sorted first)
        bits, inverse = sorted_codes(np.ascontiguousarray(value.values[present]).view(np.int64),
                                       partial(ev.count_distinct, call))
        uniq = bits.view(np.float64)
        if uniq.size > bound:
            raise call_error(call, f"argument {position} takes {uniq.size:,} distinct values, more texts than "
                             f"{bound:,} ({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
        codes = np.full(value.values.shape[0], uniq.size, dtype=np.int64)
        if na is not None:
            codes[na] = uniq.size + 1
        codes[present] = inverse.reshape(-1)
        kind = "logical" if value.logical else "date" if value.date else "integer" if value.integer else "number"
        return _Argument(codes, uniq.tolist() + [math.nan, _DATA_NA], kind)
    raise call_error(call, f"argument {position} must be a column, an expression of one value per row, or one "
                     "value (R recycles a vector of values along the rows, which glmstat does not)")


def _check_conversion(arg: _Argument, spec: Spec, call: Call, position: int) -> None:
    """Refuse a conversion of a value that R refuses, or writes otherwise than its text shows."""
    c = spec.conversion
    if c == "s":
        return
    if arg.kind == "text":
        raise call_error(call, f"invalid format '%{c}'; use format %s for character objects (R's words: argument "
                         f"{position} is text)")
    if arg.kind == "factor":
        raise call_error(call, f"'%{c}' of a factor (argument {position}) writes its level codes in R, not its "
                         "labels; use %s for its labels, or as.integer() of it for its codes")
    if arg.kind == "date":
        raise call_error(call, f"'%{c}' of a date (argument {position}) is not supported: use %s for its text, "
                         "or as.numeric() of it for its days")
    if c in "di" and arg.kind == "number":
        whole = all(v != v or (float(v).is_integer() and abs(v) <= 2**31 - 1) for v in arg.values)
        if not whole:
            raise call_error(call, f"invalid format '%{c}'; use format %f, %e, %g or %a for numeric objects (R's "
                             f"words: argument {position} holds a number that is not a whole one within R's "
                             "integers)")


def _text_of(value, kind: str) -> str:
    """A value as R's as.character writes it for ``%s``."""
    if kind in ("text", "factor"):
        return "NA" if value is None else r_text(value)
    if kind == "date":
        return date_text(value) if writable_date(value) else "NA"
    if kind == "logical":
        return "NA" if value != value else ("TRUE" if value else "FALSE")
    if kind == "integer":  # (R writes an integer in full: "100000", where the double is "1e+05")
        return "NA" if value != value else str(int(value))
    return "NA" if isinstance(value, _DataNA) else r_text(value)  # (a computed NaN: R's "NaN"; R's NA "NA")


def _write(value, kind: str, spec: Spec) -> str:
    """One conversion of one value, as R's sprintf writes it."""
    c = spec.conversion
    if c == "s":
        text = _text_of(value, kind)
        return spec.python("s") % text if text.isascii() else _bytes_wide(text, spec)
    if c in "di":
        if value != value:  # (R's integer NA: the conversion made %s, its flags, width and precision kept)
            return spec.python("s") % "NA"
        if spec.precision == 0 and value == 0:  # (C: no digit for 0 of precision 0, only the flag's sign or space)
            sign = "+" if "+" in spec.flags else " " if " " in spec.flags else ""
            return spec.python("s", precision=False) % sign
        if spec.precision is not None and "0" in spec.flags:  # (C: a precision makes %d ignore the 0 flag)
            spec = Spec(spec.flags.replace("0", ""), spec.width, spec.precision, spec.conversion)
        return spec.python("d") % int(value)
    if math.isfinite(value):
        return spec.python(c) % float(value)
    # (R's non-finite double: the precision dropped, %s of NA, NaN or Inf, a flag's sign or space before it)
    if math.isinf(value) and value < 0:
        text = "-Inf"
    elif math.isinf(value):
        text = "+Inf" if "+" in spec.flags else " Inf" if " " in spec.flags else "Inf"
    else:
        word = "NA" if kind in ("logical", "integer") or isinstance(value, _DataNA) or is_r_na(value) else "NaN"
        text = f" {word}" if " " in spec.flags else word
    return spec.python("s", precision=False) % text


def _bytes_wide(text: str, spec: Spec) -> str:
    """``%s`` of a text beyond ASCII as R writes it: its width and precision counted in UTF-8 bytes, as C's
    (``"%5s"`` of "é" is three spaces and "é").  Where the precision ends inside a character, R writes part of its
    bytes, which is no text: glmstat writes the whole characters before it."""
    data = text.encode("utf-8")
    if spec.precision is not None and len(data) > spec.precision:
        data = data[:spec.precision].decode("utf-8", errors="ignore").encode("utf-8")
    pad = " " * max(0, (spec.width or 0) - len(data))
    out = data.decode("utf-8")
    return out + pad if "-" in spec.flags else pad + out


def _widest(value, kind: str, spec: Spec) -> int:
    """The most characters :func:`_write` writes for ``value``, without writing it (a text's length is known)."""
    c = spec.conversion
    p = spec.precision
    if c == "s":
        size = len(_text_of(value, kind)) if kind in ("text", "factor") else 24
        size = size if p is None else min(size, p)
    elif c in "di":
        size = max(p or 0, 10) + 2
    elif value != value or math.isinf(value):
        size = 5
    elif c == "f":
        digits = 1 if abs(value) < 10 else int(math.log10(abs(value))) + 2
        size = digits + (6 if p is None else p) + 3
    else:  # (e, E, g, G: a digit, the precision's digits, a sign, a point, an exponent of at most 3 digits)
        size = (6 if p is None else p) + 12
    return max(size, spec.width or 0)


def _combinations(args: list[_Argument], call: Call, ev: "Evaluator", bound: int):
    """The combinations of the arguments' distinct values that the rows take: each row's combination (None
    when every argument is one value), and for each argument the index into its values of each combination --
    pruned argument by argument, as paste()'s combinations (:func:`glmstat.formula.text_functions._combinations`)."""
    combined = np.zeros(ev.n, dtype=np.int64)
    count, columnar, steps = 1, False, []
    for arg in args:
        if arg.codes is None:
            steps.append((np.arange(count), np.zeros(count, dtype=np.int64)))
            continue
        columnar = True
        size = len(arg.values)
        present, combined = sorted_codes(combined * size + arg.codes, partial(ev.count_distinct, call))
        if present.size > bound:
            raise call_error(call, f"its arguments take {present.size:,} combinations, more texts than {bound:,} "
                             f"({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
        combined, count = combined.reshape(-1), present.size
        steps.append((present // size, present % size))
    columns, at = [], np.arange(count)
    for before, index in reversed(steps):
        columns.append(index[at])
        at = before[at]
    return (combined if columnar else None), columns[::-1]


def _sprintf(ev: "Evaluator", call: Call) -> Value:
    """R's ``sprintf(fmt, ...)``: see the module docstring."""
    kwargs = dict(call.kwargs)
    if set(kwargs) - {"fmt"}:
        raise call_error(call, "takes the format and the values by position (fmt = by name)")
    nodes = list(call.args)
    fmt_node = kwargs["fmt"] if "fmt" in kwargs else (nodes.pop(0) if nodes else None)
    if fmt_node is None:
        raise call_error(call, "the argument 'fmt' is missing")
    fmt = ev.eval(fmt_node)
    if not isinstance(fmt, str):
        raise call_error(call, "the format must be one string written in the formula, e.g. \"%s-%02d\"")
    pieces = parse_format(fmt, call)
    specs = [p for p in pieces if isinstance(p, Spec)]
    if len(nodes) < len(specs):
        raise call_error(call, f"too few arguments (R's words): the format has {len(specs)} conversions, "
                         f"{len(nodes)} values are given")
    if len(nodes) > len(specs):
        raise call_error(call, f"{len(nodes) - len(specs)} arguments not used by the format (R ignores them with a "
                         "warning)")
    bound = TEXTS_PER_COLUMN * ev.limits.max_columns
    args = []
    for k, (node, spec) in enumerate(zip(nodes, specs), start=1):
        value = ev.eval(node)
        # (R's NA written in the formula: R's logical NA, "NA" for every conversion; NaN is the number's "NaN")
        na = isinstance(value, float) and value != value and is_na_constant(node)
        arg = _Argument(None, [math.nan], "logical") if na else _argument(value, call, ev, bound, k,
                                                                          na_rows(ev, node, value))
        _check_conversion(arg, spec, call, k)
        if spec.conversion == "s" and arg.kind in ("text", "factor"):
            count_text_read(ev, call, sum(len(r_text(v)) for v in arg.values if v is not None))
        args.append(arg)
    combined, columns = _combinations(args, call, ev, bound)
    count = columns[0].size if columns else 1
    # (a date's text is written for each combination, in Python: counted as the date functions' texts)
    count_steps(ev, call, count * sum(a.kind == "date" for a in args) * format_steps(DATE_TEXT_FORMAT, False))
    literal = [p for p in pieces if isinstance(p, str)]
    size, held = count * sum(map(len, literal)), count * chars_bytes(literal)  # (characters, and their bytes)
    for arg, spec, index in zip(args, specs, columns):
        widths = np.array([_widest(v, arg.kind, spec) for v in arg.values], dtype=np.int64)
        size += int(widths[index].sum())
        # (a text beyond ASCII: four bytes a character, the most a str takes)
        held += int((widths * [1 if not isinstance(v, str) or v.isascii() else 4 for v in arg.values])[index].sum())
    if combined is None:
        if size > ev.limits.max_length:
            raise refuse("max_length", f"{deparse(call)} writes one text longer than the formula may be "
                         "(characters)", size, ev.limits)
    else:  # (the texts' memory, before any is written: text_memory)
        hold_texts(ev, call, count, held)
    written = []
    for row in range(count):
        out, at = [], 0
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
            else:
                arg = args[at]
                out.append(_write(arg.values[columns[at][row]], arg.kind, piece))
                at += 1
        written.append("".join(out))
    if combined is None:
        return written[0]
    levels = tuple(sorted(set(written)))  # (code-point order, as R's in the C locale)
    position = {t: k for k, t in enumerate(levels)}
    remap = np.array([position[t] for t in written], dtype=np.intp)
    return FactorVec(remap[combined], levels, text=True)


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
TEXT_FORMAT_FUNCTIONS: dict[str, Builtin] = {"sprintf": _sprintf}
