"""R's ``paste(..., sep = " ")`` and ``paste0(...)`` as a model reads them: each argument's values as R's
``as.character`` writes them (a factor's labels, numbers to 15 significant digits, ``TRUE``), joined row by
row, which the model frame makes a factor whose levels are sorted as text -- ``factor(paste(cyl, gear))``, a
group of two columns as one factor.

The texts are written for the combinations the rows take only, never a text a row: each argument is coded by
its distinct values (as ``factor()`` codes it), the codes are combined argument by argument and the
combinations no row takes pruned after each, as R's ``interaction(drop = TRUE)`` prunes them.  Their number
is bounded, as ``as.character()``'s distinct values are, before any text is written.  A missing value is R's
text for it, ``"NA"`` (``"NaN"`` for a number that is NaN); the model frame drops the rows missing a column the
formula reads anyway (the README's deliberate difference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from .call_arguments import Builtin, call_error
from .factor_functions import TEXTS_PER_COLUMN, as_factor
from .nodes import Call
from .values import FactorVec, NumVec, Value, r_text

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["TEXT_FUNCTIONS"]


def _texts(value: Value, call: Call, bound: int) -> tuple[np.ndarray | None, list[str]]:
    """An argument as (codes, texts): codes into texts for a column (the last text for a missing value), or
    (None, [text]) for one value."""
    if isinstance(value, (str, bool, np.bool_, int, float)):
        return None, [r_text(value)]
    if not isinstance(value, (FactorVec, NumVec)):
        raise call_error(call, "each argument must be a column, an expression of one value per row, or one value")
    # (R writes NA for a missing value, NaN for a number that is NaN: a row missing a column the formula reads is
    # dropped anyway, so a NaN here is computed, log(-1))
    missing = "NaN" if isinstance(value, NumVec) and not value.logical else "NA"
    f = as_factor(value, call)
    if len(f.levels) > bound:
        raise call_error(call, f"an argument has {len(f.levels):,} distinct values, more texts than {bound:,} "
                         f"({TEXTS_PER_COLUMN} times the limit max_columns: a factor of so many levels cannot be a "
                         "model term); raise max_columns")
    codes = np.where(f.codes >= 0, f.codes, len(f.levels))
    return codes, [r_text(lv) for lv in f.levels] + [missing]


def _paste(sep_default: str | None) -> Builtin:
    def apply(ev: "Evaluator", call: Call) -> Value:
        options = dict(call.kwargs)
        unknown = [k for k in options if k not in ("sep", "collapse") or (k == "sep" and sep_default is None)]
        if unknown:
            raise call_error(call, f"unknown argument {shown(unknown[0])}: the values are given by position"
                             + ("" if sep_default is None else ", sep = by name"))
        if "collapse" in options:  # (one text of all the rows: no value a row)
            raise call_error(call, "collapse = makes one text of every row, which is no variable of a model")
        sep = ev.eval(options["sep"]) if "sep" in options else (sep_default or "")
        if not isinstance(sep, str):
            raise call_error(call, f"sep must be a string, e.g. sep = \"_\", got {shown(sep)}")
        if not call.args:
            raise call_error(call, "no values given")
        bound = TEXTS_PER_COLUMN * ev.limits.max_columns
        parts = [_texts(ev.eval(node), call, bound) for node in call.args]
        if all(codes is None for codes, _ in parts):
            return sep.join(texts[0] for _, texts in parts)
        # combine the codes argument by argument, keeping only the combinations the rows take (np.unique)
        combined, tuples = np.zeros(ev.n, dtype=np.int64), [()]
        for codes, texts in parts:
            if codes is None:
                tuples = [t + (texts[0],) for t in tuples]
                continue
            pair = combined * len(texts) + codes
            present, combined = np.unique(pair, return_inverse=True)
            if present.size > bound:
                raise call_error(call, f"its arguments take {present.size:,} combinations, more texts than {bound:,} "
                                 f"({TEXTS_PER_COLUMN} times the limit max_columns); raise max_columns")
            tuples = [tuples[p // len(texts)] + (texts[p % len(texts)],) for p in present.tolist()]
            combined = combined.reshape(-1)
        joined = [sep.join(t) for t in tuples]
        levels = tuple(sorted(set(joined)))  # (code-point order, as R's in the C locale; alike texts one level)
        position = {t: k for k, t in enumerate(levels)}
        remap = np.array([position[t] for t in joined], dtype=np.intp)
        return FactorVec(remap[combined], levels)
    return apply


#: name -> function, merged into the formula's functions (:data:`glmstat.formula.functions.BUILTINS`)
TEXT_FUNCTIONS: dict[str, Builtin] = {"paste": _paste(" "), "paste0": _paste(None)}
