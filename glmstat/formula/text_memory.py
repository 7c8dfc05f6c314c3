"""The memory of the texts a formula's text functions write, priced before they are written.

A text function (``paste()``, ``sprintf()``, ``toupper()``, ``gsub()``, ``as.character()``, ...) writes a text for each
distinct value (or combination of values) its rows take, never one a row, and their number is bounded per call
(``TEXTS_PER_COLUMN`` times ``max_columns``, 100,000 by default).  Each such text is a Python str with its places in the
lists, set, dict and tuple that make the texts that coincide one level and number them: measured with tracemalloc on
100,000 distinct texts of some ten characters, ``toupper()`` held 150 bytes a text beyond the columns of rows priced,
``sprintf("%f", x)`` 200, so that the texts alone were 2.7 to 10 times the price of the call on as many rows.  Each
call's texts are priced here (:func:`hold_texts`: :data:`TEXT_BYTES` a text, and its characters) once their count and
characters are known and before any is written, and count, with the formula's other texts, beside the columns of rows
the variable holds (:meth:`glmstat.formula.evaluate.Evaluator.count_work`) against ``FormulaLimits.max_design_bytes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .._arguments import shown
from .deparse import deparse
from .limits import refuse
from .nodes import Call

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["TEXT_BYTES", "STR_BYTES", "NUMBER_CHARS", "chars_bytes", "hold_texts"]

#: What one text a text function writes holds beyond its characters: the str's header (49 bytes), its places in the
#: list of texts written, the sorted list and the tuple of levels (8 bytes each), its entries in the set and the dict
#: that number the levels (about 60), and the number of its level; measured: 150 (``toupper()``) to 200 bytes
#: (``sprintf("%f", x)``, whose texts are written from numbers) for 100,000 distinct texts of ten characters
TEXT_BYTES = 200

#: What the text of an argument's number holds beyond its characters: the str's header and its place in the list
#: of the argument's texts (the texts of an argument's levels of text are the levels' own)
STR_BYTES = 64

#: The most characters of a number's text as R writes it (15 significant digits, a sign, a point, an exponent)
NUMBER_CHARS = 24


def chars_bytes(texts: Iterable[str]) -> int:
    """The bytes of the characters of ``texts`` as Python holds them: one a character of an ASCII text, four (the most:
    a str beyond Latin-1 takes two or four) of any other."""
    return sum(len(t) if t.isascii() else 4 * len(t) for t in texts)


def hold_texts(ev: "Evaluator", call: Call, count: int, chars: int, each: int = TEXT_BYTES) -> None:
    """Count the memory of ``count`` texts of ``chars`` bytes of characters (:func:`chars_bytes`) that ``call`` is
    about to write -- ``count`` times ``each`` (:data:`TEXT_BYTES` for the texts of a result, :data:`STR_BYTES` for
    those of the numbers of an argument) plus ``chars`` -- with the formula's other texts (``ev.text_bytes``),
    refusing the formula, before any is written, when with the columns of rows its variable holds
    (``ev.held_bytes``) they need more than ``FormulaLimits.max_design_bytes``."""
    ev.text_bytes += count * each + chars
    size = ev.held_bytes + ev.text_bytes
    if size > ev.limits.max_design_bytes:
        raise refuse("max_design_bytes", f"{shown(deparse(call))} writes {count:,} distinct texts, which with the "
                     f"formula's other texts ({TEXT_BYTES} bytes a text and its characters) and the columns of rows "
                     "the variable holds need more memory than allowed (bytes)", size, ev.limits)
