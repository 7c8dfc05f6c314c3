"""The text ``step(trace=True)`` prints, as ``MASS::stepAIC`` prints its search with ``trace = 1``.

* Before the search and after each move, ``cat("Start:  AIC=", format(round(AIC, 2)), "\\n", model, "\\n\\n")``
  (``"\\nStep:  AIC="`` after a move): the AIC rounded to 2 decimals and written with 7 significant digits
  (``157.02``, ``156.7``, ``19491.81``), then the model as R's ``deparse(formula(fit))`` writes it, its lines
  joined by newlines, then a blank line.
* The table of moves is ``print.anova`` of dropterm's and addterm's table (``<none>``, ``- term``, ``+ term``,
  sorted by AIC): ``printCoefmat`` with 5 digits (:data:`~glmstat.report.display.ANOVA_DIGITS`), the Deviance and
  AIC columns zapped (``zapsmall``) and formatted each as one column, NA (the Df of ``<none>``) printed blank, row
  names left-justified; columns past R's width of 80 wrap into blocks, each with the row names, as R's print wraps
  them (a term label of 70 characters).  A negative binomial's table (MASS's ``dropterm.default``) has Df and AIC only.

The numbers come from :func:`glmstat.inference.stepwise.step`; cells and digits from :mod:`glmstat.report.display`.
"""

from __future__ import annotations

from typing import Sequence

from ..formula.rounding import r_round
from .display import ANOVA_DIGITS, coefmat, matrix_lines
from .rformat import encode_string, format_r

__all__ = ["step_model_text", "step_table_text", "PRINT_WIDTH"]

#: R's ``getOption("width")``: a table wider than this wraps its columns into blocks, as R's print does.
PRINT_WIDTH = 80


def step_model_text(first: bool, aic: float, model: str) -> str:
    """stepAIC's heading of a model: ``"Start:  AIC=221.28\\n<model>\\n\\n"`` for the starting model (``first``),
    ``"\\nStep:  AIC=219.43\\n<model>\\n\\n"`` after a move.

    Parameters
    ----------
    first : bool
        The starting model ("Start"), else a model a move reached ("Step", after a blank line).
    aic : float
        The model's AIC (``extractAIC``, with the search's k).
    model : str
        The model as R's ``deparse(formula(fit))`` writes it (:func:`glmstat.inference.update.model_text`), its
        lines joined by newlines; each line is made printable as R's ``cat`` of a deparsed name shows it.

    Returns
    -------
    str
        The text, ending with the blank line R writes.
    """
    value = format_r([float(r_round(float(aic), 2))], 7)[0].strip()
    lines = "\n".join(encode_string(line, backslash=False) for line in model.split("\n"))
    return f"{'Start' if first else chr(10) + 'Step'}:  AIC={value}\n{lines}\n\n"


def step_table_text(labels: Sequence[str], df: Sequence[float], deviance: Sequence[float] | None,
                    aic: Sequence[float]) -> str:
    """``print.anova`` of stepAIC's table of moves, in the order given (sorted by AIC by the caller).

    Parameters
    ----------
    labels : sequence of str
        The rows' names: ``"<none>"``, ``"- term"``, ``"+ term"``.
    df : sequence of float
        Columns each move drops or adds (NaN, printed blank, for ``<none>``).
    deviance : sequence of float or None
        Each model's deviance; None for a table without the column (a negative binomial's, MASS's Df and AIC).
    aic : sequence of float
        Each model's AIC.

    Returns
    -------
    str
        The table's lines, each ended by a newline.
    """
    columns = [list(df)] + ([list(deviance)] if deviance is not None else []) + [list(aic)]
    header = ("Df", "Deviance", "AIC") if deviance is not None else ("Df", "AIC")
    cells = coefmat(columns, header, digits=ANOVA_DIGITS, zap_ind=tuple(range(1, len(columns))), has_p=False,
                    na_print="")
    return "".join(line + "\n" for line in matrix_lines(list(labels), cells.header, cells.rows, width=PRINT_WIDTH))
