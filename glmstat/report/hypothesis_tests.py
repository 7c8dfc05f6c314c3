"""Text and HTML of test results: the likelihood-ratio test (as ``lmtest::lrtest`` prints), the
overdispersion check of a Poisson fit (its numbers as ``print.htest`` shows a test), the Hosmer-Lemeshow test
(as ``print.htest`` prints ``ResourceSelection::hoslem.test``, then its groups) and the HTML of a Wald test of
linear hypotheses.

The numbers come from the result objects; cells, digits and significance codes from
:mod:`glmstat.report.display`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import html as H
from .display import (ANOVA_DIGITS, SIGNIF_LEGEND, CoefTable, coefmat, htest_number, htest_pvalue, matrix_lines,
                      signif_legend_lines)
from .rformat import encode_string, format_pval, format_r

if TYPE_CHECKING:
    from ..inference.anova import LRTest
    from ..inference.goodness_of_fit import HosmerLemeshowTest
    from ..inference.hypotheses import WaldTest
    from ..inference.overdispersion import OverdispersionTest

__all__ = ["lrtest_text", "lrtest_html", "overdispersion_text", "overdispersion_html", "hosmer_lemeshow_text",
           "hosmer_lemeshow_html", "wald_html", "wald_result_line"]

_LR_HEADER = ("#Df", "LogLik", "Df", "Chisq", "Pr(>Chisq)")


# -- likelihood-ratio test ------------------------------------------------------------------------------
def _lrtest_cells(t: "LRTest") -> CoefTable:
    """``print.anova``'s cells for lmtest's table: log-likelihoods zapped, Chisq a test statistic."""
    nan = math.nan
    cols = [list(t.df_loglik), list(t.loglik), [nan, t.df_loglik[1] - t.df_loglik[0]], [nan, t.statistic],
            [nan, t.p_value]]
    return coefmat(cols, _LR_HEADER, digits=ANOVA_DIGITS, tst_ind=(3,), zap_ind=(1,), na_print="")


def _models(t: "LRTest") -> list[str]:
    """The models as lmtest writes them: R's ``formula(fit)`` deparsed, lines broken as R's ``deparse`` breaks them
    (``y ~ z + offset(log(t))`` of ``y~z+offset( log(t) )``, a ``.`` written out as its columns), each line made
    printable; the formulas' texts for a test made without them."""
    if not t.models:
        return [encode_string(f, backslash=False) for f in t.formulas]
    return ["\n".join(encode_string(line, backslash=False) for line in m.split("\n")) for m in t.models]


def lrtest_text(t: "LRTest") -> str:
    """The test as R prints ``lmtest::lrtest(m1, m2)``."""
    cells = _lrtest_cells(t)
    lines = ["Likelihood ratio test", ""] + [f"Model {k}: {f}" for k, f in enumerate(_models(t), 1)]
    lines += matrix_lines(["1", "2"], cells.header, cells.rows)
    if cells.stars:
        lines += signif_legend_lines()  # (R's width 80: the legend on one line)
    if getattr(t, "boundary", False):
        lines.append(_BOUNDARY_NOTE)
    return "\n".join(lines)


def lrtest_html(t: "LRTest") -> str:
    """The test as a styled HTML block: the models, lmtest's table, the legend of the codes."""
    cells = _lrtest_cells(t)
    parts = ['<div class="gs-title">Likelihood ratio test</div>']
    parts += [H.paragraph(f"Model {k}: <code>{H.esc(f)}</code>", raw=True) for k, f in enumerate(_models(t), 1)]
    parts.append(H.table(cells.header, cells.rows, labels=["1", "2"], stars=cells.stars, cls="gs-lrtest"))
    if cells.stars:
        parts.append(H.paragraph(SIGNIF_LEGEND, "gs-legend"))
    if getattr(t, "boundary", False):
        parts.append(H.paragraph(_BOUNDARY_NOTE, "gs-note"))
    return H.fragment(parts, "likelihood ratio test")


#: the Poisson model is the negative binomial's boundary theta = infinity (Self and Liang 1987)
_BOUNDARY_NOTE = ("p-value boundary-corrected: theta = infinity (the Poisson model) is on the boundary of the "
                  "parameter space, so p is half the chi-square(1) tail")


# -- overdispersion check ---------------------------------------------------------------------------------
def _estimate(x: float) -> str:
    """A sample estimate as ``print.htest`` shows it (``print(x, digits = 7)``)."""
    return format_r([x], 7)[0].strip()


def _overdispersion_rows(t: "OverdispersionTest") -> list[tuple[str, str, str, str, float]]:
    """(test, statistic, df, estimate, p) for each of the three tests."""
    return [
        ("Pearson chi-square", f"X-squared = {htest_number(t.pearson_chi2)}", htest_number(t.df_residual),
         f"ratio = {htest_number(t.ratio)}", t.pearson_p_value),
        ("Score test, Cameron & Trivedi", f"z = {htest_number(t.score_statistic)}", "",
         f"alpha = {_estimate(t.alpha)}", t.score_p_value),
        ("Score test, Dean & Lawless", f"z = {htest_number(t.dean_lawless_statistic)}", "", "",
         t.dean_lawless_p_value),
    ]


_OD_TITLE = "Overdispersion check of a Poisson fit (alternative: Var = mu + alpha mu^2)"


def overdispersion_text(t: "OverdispersionTest") -> str:
    """The three tests, one line each in ``print.htest``'s words, then the verdict."""
    lines = [_OD_TITLE]
    for name, stat, df, est, p in _overdispersion_rows(t):
        fields = [stat] + ([f"df = {df}"] if df else []) + ([est] if est else []) + [htest_pvalue(p)]
        lines.append(f"  {name}: " + ", ".join(fields))
    return "\n".join(lines + [t.conclusion])


def overdispersion_html(t: "OverdispersionTest") -> str:
    """The three tests as a styled table, then the verdict."""
    rows = _overdispersion_rows(t)
    cells = [[stat.split(" = ")[1], df, est, format_pval([p], 4)[0].strip()] for _, stat, df, est, p in rows]
    labels = [f"{name} ({stat.split(' = ')[0]})" for name, stat, *_ in rows]
    parts = [f'<div class="gs-title">{H.esc(_OD_TITLE)}</div>',
             H.table(["Statistic", "df", "Estimate", "p-value"], cells, labels=labels, label_header="Test",
                     text_cols=(2,), cls="gs-tests"),
             H.paragraph(t.conclusion)]
    return H.fragment(parts, "overdispersion check")


# -- Hosmer-Lemeshow test ------------------------------------------------------------------------------------
_HL_METHOD = "Hosmer and Lemeshow goodness of fit (GOF) test"
_HL_HEADER = ("n", "observed 1", "expected 1", "observed 0", "expected 0")


def _hosmer_lemeshow_line(t: "HosmerLemeshowTest") -> str:
    return f"X-squared = {htest_number(t.statistic)}, df = {htest_number(t.df)}, {htest_pvalue(t.p_value)}"


def _hosmer_lemeshow_cells(t: "HosmerLemeshowTest") -> list[list[str]]:
    """Each group's count, its observed counts of 1s and 0s and their expected counts (two decimals)."""
    tab = t.table
    return [[str(int(n)), str(int(o1)), f"{e1:.2f}", str(int(o0)), f"{e0:.2f}"]
            for n, o1, e1, o0, e0 in tab[["n", "observed_1", "expected_1", "observed_0", "expected_0"]].to_numpy()]


def hosmer_lemeshow_text(t: "HosmerLemeshowTest") -> str:
    """``print.htest``'s lines for the test (R's, word for word), then the observed and expected counts of
    each group of fitted probabilities."""
    lines = ["", f"\t{_HL_METHOD}", "", f"data:  {encode_string(t.data_name, backslash=False)}",
             _hosmer_lemeshow_line(t), ""]
    lines += ["Observed and expected counts by group of fitted probabilities:"]
    lines += matrix_lines(list(t.table.index), _HL_HEADER, _hosmer_lemeshow_cells(t))
    return "\n".join(lines) + "\n"


def hosmer_lemeshow_html(t: "HosmerLemeshowTest") -> str:
    """The test's line, then its groups, as a styled block."""
    parts = [f'<div class="gs-title">{H.esc(_HL_METHOD)}</div>', H.paragraph(_hosmer_lemeshow_line(t)),
             H.table(list(_HL_HEADER), _hosmer_lemeshow_cells(t), labels=list(t.table.index),
                     label_header="fitted", cls="gs-groups")]
    return H.fragment(parts, "Hosmer-Lemeshow test")


# -- Wald test of linear hypotheses -------------------------------------------------------------------------
def _count(x: float) -> str:
    """A count (residual degrees of freedom) in full, whatever its size; R's ``format`` if not whole."""
    return f"{int(x)}" if float(x).is_integer() else format_r([x], 7)[0].strip()


def wald_result_line(t: "WaldTest") -> str:
    """``Chisq = 10.687 on 1 df, p-value = 0.001079`` (``F = ... on q and n df``): the statistic and p-value
    as ``print.htest`` shows them (:func:`~glmstat.report.display.htest_number`: ``format(x, digits = 5)``, the
    five significant digits car's ``linearHypothesis`` table shows too; ``Inf`` beyond the doubles and ``NaN``
    as R's ``format`` writes them; :func:`~glmstat.report.display.htest_pvalue`: ``format.pval(p, digits = 4)``,
    ``p-value < 2.2e-16`` below the machine epsilon, as every other test glmstat prints).  The residual df
    in full (a count of rows: 1000008, which ``%g`` wrote 1.00001e+06)."""
    stat = "NaN" if math.isnan(t.statistic) else htest_number(t.statistic)
    where = f"on {t.df} and {_count(t.df_residual)} df" if t.test == "F" else f"on {t.df} df"
    return f"{'F' if t.test == 'F' else 'Chisq'} = {stat} {where}, {htest_pvalue(t.p_value)}"


def wald_html(t: "WaldTest") -> str:
    """The test as a styled HTML block: the hypotheses as written (text from a user, escaped by
    :func:`~glmstat.report.html.esc`: HTML, control and bidi characters), then the statistic."""
    items = "".join(f"<li><code>{H.esc(h)}</code></li>" for h in t.hypotheses)
    parts = [f'<div class="gs-title">{H.esc(t.title())}</div>', f'<ul class="gs-p">{items}</ul>',
             H.paragraph(t.result_line())]
    return H.fragment(parts, "Wald test")
