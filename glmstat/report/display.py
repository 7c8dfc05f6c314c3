"""R's display rules, in one place: every table glmstat shows (the summary as text, Markdown, LaTeX and HTML,
``compare()`` tables, likelihood-ratio tests, the overdispersion check) takes its significance codes,
p-values and digits from here.

* Significance codes are R's ``symnum(p, cutpoints = c(0, 0.001, 0.01, 0.05, 0.1, 1),
  symbols = c("***", "**", "*", ".", " "))``: intervals closed on the right, so a p-value *equal* to a
  cutpoint takes the stronger code (p = 0.01 is ``**``, p = 0.05 is ``*``).
* A table shows the codes (and their legend) only when some p-value is below 0.1, as ``printCoefmat``.
* Cells are ``printCoefmat``'s: estimates and standard errors rounded together to the decimals that keep
  ``digits`` significant digits of the smallest, test statistics rounded to ``dig_tst = max(1, min(5,
  digits - 1))`` decimals, other columns ``format(x, digits)``, p-values ``format.pval(p, dig_tst)``.
  ``summary.glm`` prints with digits 4, ``print.anova`` with 5.
* A negative binomial's theta is MASS's ``print.summary.negbin``: theta and its standard error rounded to
  ``dp = max(2 - floor(log10(SE)), 0)`` decimals, 2 x log-likelihood to 3, each ``format(., nsmall = dp)``.
* A test's one-line result is ``print.htest``'s: ``statistic = format(x, digits = 5)``,
  ``p-value = format.pval(p, digits = 4)`` (or ``p-value < 2.2e-16``).

Nothing here computes a statistic: the functions format numbers they are given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..formula.rounding import r_round
from .rformat import display_width, encode_string, format_pval, format_r, pad_left, pad_right, zapsmall

__all__ = [
    "SIGNIF_CODES", "SIGNIF_LEGEND", "SUMMARY_DIGITS", "ANOVA_DIGITS", "HTEST_DIGITS",
    "signif_stars", "shows_stars", "CoefTable", "coefmat", "matrix_lines", "numeric_matrix_lines", "anova_lines",
    "signif_legend_lines", "left_matrix_lines",
    "correlation_cells", "correlation_lines", "SYMBOLIC_LEGEND", "symbolic_correlation_cells", "symbolic_legend",
    "symbolic_correlation_lines", "named_vector_lines", "indexed_vector_lines", "htest_number",
    "htest_pvalue", "negbin_texts", "level_percent", "confint_labels", "missing_note", "FLAG", "FLAG_NOTE",
]

#: (upper cutpoint, code): p <= cutpoint takes the code (R's symnum with right-closed intervals).
SIGNIF_CODES: tuple[tuple[float, str], ...] = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."))
#: printCoefmat's legend line (its quotes as R prints them in the C locale).
SIGNIF_LEGEND = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"
SUMMARY_DIGITS = 4  # summary.glm: max(3, getOption("digits") - 3)
#: The marker after an estimate that diverges to infinity (separation), and the note that explains it.
FLAG = "!"
FLAG_NOTE = "! estimate diverges to infinity (separation); its standard error and p-value are meaningless"
ANOVA_DIGITS = 5  # print.anova: max(getOption("digits") - 2, 3)
HTEST_DIGITS = 7  # print.htest: getOption("digits")


def signif_stars(p: float) -> str:
    """R's significance code of one p-value: ``***`` for p <= 0.001, ``**`` <= 0.01, ``*`` <= 0.05,
    ``.`` <= 0.1, else (and for NaN) the empty string."""
    p = float(p)
    if math.isnan(p):
        return ""
    for cut, code in SIGNIF_CODES:
        if p <= cut:
            return code
    return ""


def shows_stars(p_values: Sequence[float]) -> bool:
    """Whether a table shows significance codes: some p-value is below 0.1 (printCoefmat's
    ``any(pv < 0.1)``, strict, so a table whose smallest p is exactly 0.1 shows none)."""
    p = np.asarray(p_values, dtype=float)
    return bool(np.any(p[~np.isnan(p)] < 0.1))


@dataclass(frozen=True)
class CoefTable:
    """The formatted cells of a ``printCoefmat`` table.

    ``header`` names the value columns (plus ``""`` for the significance codes when ``stars``); ``rows`` has
    one list of cells per row, padded as R pads them; ``stars`` says whether the codes column is there.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    stars: bool


def _fmt_matrix(values: np.ndarray, digits: int) -> np.ndarray:
    """R's ``format`` of a matrix: one common layout for all its elements (column-major)."""
    flat = format_r(values.ravel(order="F"), digits)
    return np.array(flat, dtype=object).reshape(values.shape, order="F")


def coefmat(columns: Sequence[Sequence[float]], header: Sequence[str], *, digits: int,
            cs_ind: Sequence[int] = (), tst_ind: Sequence[int] = (), zap_ind: Sequence[int] = (),
            has_p: bool = True, na_print: str = "NA", na_rows: Sequence[bool] | None = None,
            stars: bool = True) -> CoefTable:
    """The cells R's ``printCoefmat`` prints for a numeric table (NaN is R's NA).

    Parameters
    ----------
    columns : the table's columns, the last one the p-values when ``has_p``.
    header : the column names.
    digits : significant digits (4 for summary.glm, 5 for print.anova).
    cs_ind : columns of estimates and standard errors, rounded together to
        ``max(1, digits - (1 + floor(log10(min |x|))))`` decimals (the smallest non-zero |x|) then formatted.
    tst_ind : test-statistic columns, rounded to ``dig_tst = max(1, min(5, digits - 1))`` decimals.
    zap_ind : columns passed through ``zapsmall(x, digits)`` first.
    has_p : the last column holds p-values, shown as ``format.pval(p, dig_tst)`` with significance codes.
    na_print : what NA cells show.
    na_rows : the rows whose missing cells are R's NA (an aliased coefficient's); a missing cell of any other
        row is a NaN computed from the others (a standard error from a NaN dispersion, its statistic and
        p-value) and shows ``NaN``, as ``printCoefmat`` shows it.  ``None``: every missing cell is NA.
    stars : show the significance codes when some p-value is below 0.1 (``signif.stars``); False: never.

    A non-zero value whose cell reads as 0 is reformatted with ``digits - 1`` significant digits, as R does.
    """
    xm = np.column_stack([np.asarray(c, dtype=float) for c in columns]) if len(columns) else np.empty((0, 0))
    n, nc = xm.shape
    cells = np.full((n, nc), "", dtype=object)
    ina = np.isnan(xm)
    ok = ~ina
    dig_tst = max(1, min(5, digits - 1))
    for i in zap_ind:
        xm[:, i] = zapsmall(xm[:, i], digits)
    cs, tst = list(cs_ind), list(tst_ind)
    if cs and n:
        coef_se = xm[:, cs]
        acs = np.abs(coef_se)
        finite = np.isfinite(acs)
        if finite.any():
            nonzero = acs[finite & (acs != 0)]
            digmin = 1 + (math.floor(math.log10(nonzero.min())) if nonzero.size else 0)
            cells[:, cs] = _fmt_matrix(r_round(coef_se, max(1, digits - digmin)), digits)
    if tst and n:
        cells[:, tst] = _fmt_matrix(r_round(xm[:, tst], dig_tst), digits)
    last = nc - 1 if has_p else nc
    for i in range(nc):
        if i not in cs and i not in tst and i < last and n:
            cells[:, i] = format_r(xm[:, i], digits)
    ok_fix = ok.copy()
    ok_fix[:, tst] = False
    ok_fix = ok_fix[:, :last]
    idx = np.argwhere(ok_fix)
    bad = [(r, c) for r, c in idx if (xm[r, c] == 0) != (_as_number(cells[r, c]) == 0)]
    if bad:  # non-zero values shown as 0 (or the reverse): more digits for those, formatted together
        for (r, c), s in zip(bad, format_r([xm[r, c] for r, c in bad], max(1, digits - 1))):
            cells[r, c] = s
    cells[ina] = na_print
    if na_rows is not None:  # (NaN is not NA: R prints it as NaN, in every column)
        cells[ina & ~np.asarray(na_rows, dtype=bool)[:, None]] = "NaN"
    shown_stars = False
    codes: list[str] = []
    if has_p and nc:
        p = xm[:, -1]
        okp = ok[:, -1]
        if okp.any():
            for r, s in zip(np.flatnonzero(okp), format_pval(p[okp], dig_tst)):
                cells[r, -1] = s
            shown_stars = stars and shows_stars(p[okp])
            if shown_stars:
                codes = [signif_stars(v) for v in p]
                width = max(len(c) for c in codes)
                codes = [c.ljust(width) for c in codes]
    rows = tuple(tuple(str(c) for c in row) + ((codes[k],) if shown_stars else ()) for k, row in enumerate(cells))
    return CoefTable(tuple(header) + (("",) if shown_stars else ()), rows, shown_stars)


def _as_number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:  # "Inf", "NA": not zero
        return math.nan


def matrix_lines(row_names: Sequence[str], header: Sequence[str], rows: Sequence[Sequence[str]],
                 width: int | None = None) -> list[str]:
    """R's ``print.default`` of a character matrix with ``right = TRUE``: row names left-justified (made
    printable by :func:`~glmstat.report.rformat.encode_string`, as R's print does), every column (header
    included) right-justified to its widest cell, one space between columns; widths are terminal columns
    (:func:`~glmstat.report.rformat.display_width`), as R pads them, so a name in CJK characters keeps the
    columns aligned.

    With a ``width`` (R's ``getOption("width")``, 80), the columns that do not fit on a line wrap into further
    blocks, each with the row names, as R's ``printMatrix`` wraps them: a block takes columns while its width stays
    below ``width`` (a block has at least one column).  None: one block, however wide."""
    names = [encode_string(r) for r in row_names]
    wn = max((display_width(r) for r in names), default=0)
    widths = [max([display_width(h)] + [display_width(r[j]) for r in rows]) for j, h in enumerate(header)]
    blocks = [range(len(header))]
    if width is not None and header:
        blocks, start = [], 0
        while start < len(header):
            stop, used = start + 1, wn + 1 + widths[start]
            while stop < len(header) and used + 1 + widths[stop] < width:
                used += 1 + widths[stop]
                stop += 1
            blocks.append(range(start, stop))
            start = stop
    lines = []
    for cols in blocks:
        lines.append(" " * wn + "".join(" " + pad_left(header[j], widths[j]) for j in cols))
        for name, row in zip(names, rows):
            lines.append(pad_right(name, wn) + "".join(" " + pad_left(row[j], widths[j]) for j in cols))
    return lines


def numeric_matrix_lines(row_names: Sequence[str], col_names: Sequence[str], columns: Sequence[Sequence[float]],
                         digits: int = 7, width: int | None = 80) -> list[str]:
    """R's ``print.default`` of a numeric matrix (``print(vcov(fit))``, ``print(confint(fit))``): each column
    formatted on its own, ``format(x, digits = digits)`` (:func:`~glmstat.report.rformat.format_r`; NaN is R's
    NA), column names made printable, then laid out by :func:`matrix_lines`, wrapping at ``width`` (R's
    ``getOption("width")``, 80; None: one block)."""
    cells = [format_r(np.asarray(c, dtype=float), digits) for c in columns]
    rows = [[cells[j][i] for j in range(len(cells))] for i in range(len(row_names))]
    return matrix_lines(row_names, [encode_string(c) for c in col_names], rows, width)


def anova_lines(row_names: Sequence[str], header: Sequence[str], columns: Sequence[Sequence[float]],
                width: int | None = 80, digits: int = ANOVA_DIGITS, stars: bool = True) -> list[str]:
    """R's ``print.anova`` of a table whose columns R names ``header`` (``Df``, ``Deviance``, ``Resid. Df``,
    ``Pr(>Chi)``, ...), without its heading: ``printCoefmat`` with ``digits`` (5), a last column whose name starts
    ``P(`` or ``Pr(`` the p-values (with the significance codes), the columns named ``F``, ``Cp``, ``Chisq`` or
    ``... value`` test statistics, the others but the ``...Df`` ones zapped, NA printed blank; laid out by
    :func:`matrix_lines`, wrapping at ``width`` (R's ``getOption("width")``; the codes are a column too), then
    the codes' legend when some code shows."""
    header = list(header)
    nc = len(header)
    has_p = bool(nc) and (header[-1].startswith("P(") or header[-1].startswith("Pr("))
    tst = [j for j, h in enumerate(header) if h[1:7] == " value"] + [
        j for j, h in enumerate(header) if h in ("F", "Cp", "Chisq")]
    zap = [j for j in range(nc - 1 if has_p else nc) if j not in tst and not header[j].endswith("Df")]
    cells = coefmat(columns, header, digits=digits, zap_ind=zap, tst_ind=tst, has_p=has_p, na_print="",
                    stars=stars)
    lines = matrix_lines(row_names, [encode_string(h) for h in cells.header], cells.rows, width)
    return lines + (signif_legend_lines(80 if width is None else width) if cells.stars else [])


def signif_legend_lines(width: int = 80) -> list[str]:
    """``printCoefmat``'s ``---`` and codes' legend at R's ``getOption("width")``: ``cat("---\\nSignif. codes:  ",
    legend, sep = "", fill = width + 4)``, the legend first broken by ``strwrap(legend, width - 2, prefix = "  ")``
    when ``width`` is below its 46 characters; ``cat``'s fill starts a new line before an item that would end past
    ``width + 4`` (counting the ``---`` and its newline): one line from a width of 62 (:data:`SIGNIF_LEGEND`), the
    heading alone on its line below that."""
    head = "Signif. codes:  "
    legend = SIGNIF_LEGEND[len(head):]
    items = [legend] if width >= len(legend) else _strwrap(legend, width - 2, "  ")
    lines, line, used = ["---"], head, len("---\n" + head)
    for item in items:
        if used + len(item) > width + 4:
            lines.append(line)
            line, used = "", 0
        line, used = line + item, used + len(item)
    return lines + [line]


def _strwrap(text: str, width: int, prefix: str) -> list[str]:
    """R's ``strwrap(text, width, prefix = prefix)`` of a text of words separated by single spaces: each line the
    prefix and as many words as keep the words' lengths plus one each within ``width`` minus the prefix (at least
    one word)."""
    words, lines, i = text.split(" "), [], 0
    room = width - len(prefix)
    while i < len(words):
        k, used = 0, 0
        while i + k < len(words) and used + len(words[i + k]) + 1 <= room:
            used += len(words[i + k]) + 1
            k += 1
        k = max(k, 1)
        lines.append(prefix + " ".join(words[i:i + k]))
        i += k
    return lines


def left_matrix_lines(row_names: Sequence[str], col_names: Sequence[str], rows: Sequence[Sequence[str]],
                      width: int = 80) -> list[str]:
    """R's ``print(m, quote = FALSE)`` of a character matrix (``right = FALSE``): row names, column names and
    cells left-justified to their column's widest (in terminal columns), one space before each column; the
    columns that do not fit on a line wrap into further blocks, each with the row names, as R's ``printMatrix``
    wraps them: a block takes columns while its width stays below ``width`` (strictly: 80 characters wrap)."""
    names = [encode_string(r) for r in row_names]
    heads = [encode_string(c) for c in col_names]
    wn = max((display_width(r) for r in names), default=0)
    widths = [max([display_width(h)] + [display_width(r[j]) for r in rows]) for j, h in enumerate(heads)]
    lines: list[str] = []
    start = 0
    while start < len(heads):
        stop, used = start + 1, wn + 1 + widths[start]  # (a block has at least one column)
        while stop < len(heads) and used + 1 + widths[stop] < width:
            used += 1 + widths[stop]
            stop += 1
        cols = range(start, stop)
        lines.append(" " * wn + "".join(" " + pad_right(heads[j], widths[j]) for j in cols))
        for name, row in zip(names, rows):
            lines.append(pad_right(name, wn) + "".join(" " + pad_right(row[j], widths[j]) for j in cols))
        start = stop
    return lines


def correlation_cells(corr: np.ndarray) -> list[list[str]]:
    """``print.summary.glm``'s cells of a correlation matrix of p >= 2 coefficients: ``format(round(r, 2),
    nsmall = 2)`` (one common width; -0 as 0), the lower triangle only (the rest ""), from the second row and
    without the last column: p - 1 rows of p - 1 cells."""
    r = np.asarray(r_round(np.asarray(corr, dtype=float), 2), dtype=float) + 0.0
    texts = [["NaN" if math.isnan(v) else f"{v:.2f}" for v in row] for row in r]
    w = max((len(t) for row in texts for t in row), default=0)
    p = len(texts)
    return [[texts[i][j].rjust(w) if i > j else "" for j in range(p - 1)] for i in range(1, p)]


def correlation_lines(names: Sequence[str], corr: np.ndarray, width: int = 80) -> list[str]:
    """``print.summary.glm``'s block "Correlation of Coefficients" (without its heading): the cells of
    :func:`correlation_cells` printed by :func:`left_matrix_lines`.  Nothing for fewer than two coefficients
    (R prints no block)."""
    if len(names) < 2:
        return []
    return left_matrix_lines(names[1:], names[:-1], correlation_cells(corr), width)


#: symnum()'s cutpoints and symbols for a correlation: |r| in [0, 0.3] is " ", (0.3, 0.6] ".", ... (0.95, 1] "B"
#: (intervals closed on the right), and |r| >= 1 - 1e-5 (symnum's eps) is "1".
SYMBOLIC_CUTS: tuple[tuple[float, str], ...] = ((0.3, " "), (0.6, "."), (0.8, ","), (0.9, "+"), (0.95, "*"),
                                                (1.0, "B"))
#: symnum()'s legend of a correlation matrix (its quotes as R prints them in the C locale); a matrix with a missing
#: value adds ``SYMBOLIC_NA_LEGEND`` (a tab printed as R prints it, escaped).
SYMBOLIC_LEGEND = "0 ' ' 0.3 '.' 0.6 ',' 0.8 '+' 0.9 '*' 0.95 'B' 1"
SYMBOLIC_NA_LEGEND = " \\t    ## NA: '?'"


def symbolic_correlation_cells(corr: np.ndarray) -> list[list[str]]:
    """R's ``symnum(r, abbr.colnames = NULL)`` of a correlation matrix, as ``print.summary.glm(symbolic.cor =
    TRUE)`` shows it: for a = |r|, the symbol of the interval of :data:`SYMBOLIC_CUTS` that holds a (closed on the
    right), "1" where a >= 1 - 1e-5, "?" for a missing value; the lower triangle and the diagonal only (the rest
    ""): p rows of p cells."""
    a = np.abs(np.asarray(corr, dtype=float))
    p = a.shape[0]
    cells = [[""] * p for _ in range(p)]
    for i in range(p):
        for j in range(i + 1):
            v = a[i, j]
            if math.isnan(v):
                cells[i][j] = "?"
            elif v >= 1.0 - 1e-5:
                cells[i][j] = "1"
            else:
                cells[i][j] = next(sym for cut, sym in SYMBOLIC_CUTS if v <= cut)
    return cells


def symbolic_legend(corr: np.ndarray) -> str:
    """symnum()'s legend of ``corr``: :data:`SYMBOLIC_LEGEND`, and the note of "?" when a value is missing."""
    return SYMBOLIC_LEGEND + (SYMBOLIC_NA_LEGEND if np.isnan(np.asarray(corr, dtype=float)).any() else "")


def symbolic_correlation_lines(names: Sequence[str], corr: np.ndarray, width: int = 80) -> list[str]:
    """``print.summary.glm``'s block "Correlation of Coefficients" with ``symbolic.cor = TRUE`` (without its
    heading): the cells of :func:`symbolic_correlation_cells` under blank column names, printed by
    :func:`left_matrix_lines`, then the legend as R prints the attribute.  Nothing for fewer than two
    coefficients (R prints no block)."""
    if len(names) < 2:
        return []
    cells = symbolic_correlation_cells(corr)
    return left_matrix_lines(names, [""] * len(names), cells, width) + [
        'attr(,"legend")', "[1] " + symbolic_legend(corr)]


def named_vector_lines(names: Sequence[str], values: Sequence[str], gap: int = 2, width: int = 80) -> list[str]:
    """R's ``print.default`` of a named vector of formatted values (``print.gap = gap``, ``width``): every
    name (made printable by :func:`~glmstat.report.rformat.encode_string`) and value right-justified to one
    common width in terminal columns (:func:`~glmstat.report.rformat.display_width`), each followed by the
    gap, as many per line as fit, a line of names above each line of values."""
    names = [encode_string(n) for n in names]
    w = max([display_width(n) for n in names] + [display_width(v) for v in values], default=0)
    per_line = max(1, width // (w + gap))
    lines = []
    for i in range(0, len(names), per_line):
        lines.append("".join(pad_left(n, w) + " " * gap for n in names[i:i + per_line]))
        lines.append("".join(pad_left(v, w) + " " * gap for v in values[i:i + per_line]))
    return lines


def indexed_vector_lines(values: Sequence[str], gap: int = 2, width: int = 80) -> list[str]:
    """R's ``print.default`` of a vector of formatted values without names (``print.gap = gap``, ``width``):
    every value right-justified to one common width and preceded by the gap, as many per line as fit after
    the position of the line's first value, ``[k]``, right-justified to the width of the last one."""
    w = max((display_width(v) for v in values), default=0)
    label_width = len(f"[{len(values)}]")
    per_line = max(1, (width - label_width) // (w + gap))
    return [f"[{i + 1}]".rjust(label_width) + "".join(" " * gap + pad_left(v, w) for v in values[i:i + per_line])
            for i in range(0, len(values), per_line)]


def htest_number(x: float) -> str:
    """A test statistic or parameter as ``print.htest`` shows it: ``format(x, digits = 5)``."""
    return format_r([x], HTEST_DIGITS - 2)[0].strip()


def htest_pvalue(p: float) -> str:
    """``p-value = 0.01235`` or ``p-value < 2.2e-16``, as ``print.htest`` (``format.pval(p, digits = 4)``)."""
    fp = format_pval([p], max(1, HTEST_DIGITS - 3))[0].strip()
    return f"p-value {fp}" if fp.startswith("<") else f"p-value = {fp}"


def missing_note(n_dropped: int) -> str:
    """R's ``naprint.omit`` of the rows dropped for missing values, in parentheses as ``print.glm`` and
    ``print.summary.glm`` write it: ``(1 observation deleted due to missingness)``, ``(2 observations ...)``;
    the empty string when none were."""
    if not n_dropped:
        return ""
    return f"({n_dropped} observation{'' if n_dropped == 1 else 's'} deleted due to missingness)"


def level_percent(level: float) -> str:
    """A confidence level as a percentage, ``"95%"``, with the digits it has (``"99.5%"``, ``"99.9999999%"``):
    ``format(100 * level, digits = 15)`` (so the rounding of 100 * 0.9 does not show), never rounded to a
    whole percent (0.995 is not "100%")."""
    return format_r([100.0 * float(level)], 15)[0].strip() + "%"


def confint_labels(level: float, profile: bool = False) -> tuple[str, str]:
    """The column labels R 4.2 gives a confidence interval's limits, for a = (1 - level) / 2 and 1 - a: Wald
    intervals (``confint.default``) ``format(100 * a, trim = TRUE, scientific = FALSE, digits = 3)`` of the pair,
    then " %" (``"2.5 %"``, ``"97.5 %"``; ``"0.05 %"``, ``"99.95 %"``); profile intervals (MASS's
    ``confint.profile.glm``) ``paste(round(100 * a, 1), "%")`` (``"0.1 %"``, ``"100 %"`` for a level of
    0.999)."""
    a = (1.0 - float(level)) / 2.0
    pair = [100.0 * a, 100.0 * (1.0 - a)]
    if profile:
        texts = [format_r([float(r_round(v, 1))], 15)[0].strip() for v in pair]
    else:
        texts = [t.strip() for t in format_r(pair, 3, scientific=False)]
    return texts[0] + " %", texts[1] + " %"


def negbin_texts(theta: float, se: float, twologlik: float) -> tuple[str, str, str]:
    """Theta, its standard error and 2 x log-likelihood as MASS's ``print.summary.negbin`` prints them:
    ``format(round(x, dp), nsmall = dp)`` with ``dp = max(2 - floor(log10(SE)), 0)`` decimals (3 for the
    log-likelihood, before ``nsmall``); an infinite SE (theta at the Poisson limit) gives dp = 0, as in R.
    An SE that is 0 or NaN (R stops there) leaves the three in R's default format."""
    if not se > 0:
        return tuple(format_r([x], 7)[0].strip() for x in (theta, se, twologlik))  # type: ignore[return-value]
    dp = min(max(2 - math.floor(math.log10(se)), 0), 15) if math.isfinite(se) else 0  # (R refuses nsmall > 20)

    def fmt(x: float, decimals: int) -> str:  # (R's round: at a decimal midpoint it can differ from Python's)
        return format_r([float(r_round(x, decimals))], 7, nsmall=dp)[0].strip()

    return fmt(theta, dp), fmt(se, dp), fmt(twologlik, 3)
