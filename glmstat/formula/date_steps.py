"""The steps of Python that a formula's dates take to be read from texts or written as texts, bounded together by
``FormulaLimits.max_date_steps`` before any is taken.

A date read or written is some microseconds of Python, where a row's work (``max_eval_work``) is priced in numpy's
nanoseconds: a step here is one character of a text or of its format (some hundreds of nanoseconds), and a month's
or weekday's name read, or a date written, :data:`CODE_STEPS`.  Every place a column of dates becomes texts counts
its distinct dates here before it writes them -- ``format()``, ``months()`` and ``cut()`` of dates
(:mod:`~glmstat.formula.date_functions`), the levels of ``factor()`` of dates (and so ``as.character()``,
``interaction()``, ``levels()``, ``relevel()`` of them: :mod:`~glmstat.formula.factor_functions`), ``paste()`` and
``sprintf()`` of dates (:mod:`~glmstat.formula.text_formats`) -- as ``as.Date()`` counts the texts it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._arguments import shown
from .deparse import deparse
from .limits import refuse
from .nodes import Call

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["CODE_STEPS", "DATE_TEXT_FORMAT", "count_steps", "format_steps"]

#: the steps beyond a format's characters of reading a month's or a weekday's name (24 spellings tried), and of
#: the table of a date's codes written once a date
CODE_STEPS = 24

#: the format of R's text of a date (``as.character()``, a factor's level, ``paste()``): "2024-01-31"
DATE_TEXT_FORMAT = "%Y-%m-%d"


def format_steps(fmt: str, reading: bool) -> int:
    """The steps of reading (``reading``) or writing one text in the format ``fmt``, beside a text's own characters
    (a number's digits among them): a step a character of the format, and :data:`CODE_STEPS` a name read
    (``%b``, ``%B``, ``%h``, ``%a``, ``%A``), or once a date written.

    Writing a date's text in R's format ``"%Y-%m-%d"`` is ``8 + 24 = 32`` steps; 100,000 distinct dates written
    as ``format()`` writes them took 0.66 s of CPU time on a million rows (6.6 microseconds a date, 0.2 a step).
    """
    if not reading:
        return len(fmt) + CODE_STEPS
    return len(fmt) + CODE_STEPS * sum(fmt.count("%" + c) for c in "bBhaA")


def count_steps(ev: "Evaluator", call: Call, steps: int) -> None:
    """Count ``steps`` that ``call`` is about to take reading or writing dates, refusing the formula once its date
    functions' steps together pass ``FormulaLimits.max_date_steps``, before any of them is taken: a call's own
    bound is on its distinct texts, not on the length of its format or its texts, and a step is one of Python
    (some hundreds of nanoseconds), where the rows' work (``max_eval_work``) is priced in numpy's."""
    ev.date_steps += steps
    if ev.date_steps > ev.limits.max_date_steps:
        raise refuse("max_date_steps", f"{shown(deparse(call))}: its texts and format, with those of the formula's "
                     "other date functions, take more steps to read or write than allowed (a character of a "
                     f"distinct text or of the format a step, {CODE_STEPS} a name)", ev.date_steps, ev.limits)
