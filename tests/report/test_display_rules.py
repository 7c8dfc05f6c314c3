"""One display rule for every renderer (glmstat.report.display): R's significance codes, printCoefmat cells,
format.pval digits, print.anova of lmtest::lrtest, print.htest numbers, print.glm and print.summary.glm.

Expected text is R 4.2's printed output (tests/fixtures/scripts/make_display_fixtures.R -> display.json).
The p-values at the cutpoints (0.001, 0.01, 0.05, 0.1, and the doubles just above them) are checked in
every renderer: summary text, Markdown, LaTeX and HTML; compare() text, Markdown, LaTeX and HTML; the
likelihood-ratio test's text and HTML.
"""

from __future__ import annotations

import dataclasses
import json
from html import unescape
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, fit_ref, load_data, load_ref
from glmstat.inference.anova import LRTest
from glmstat.report.compare import ModelComparison
from glmstat.report.display import SIGNIF_LEGEND, coefmat, htest_pvalue, matrix_lines, shows_stars, signif_stars
from glmstat.report.rformat import format_pval
from glmstat.report.summary import format_coef_table
from html_check import table_rows

R = json.loads((FIXTURES / "display.json").read_text())
EDGES = R["coefmat"]["edges"]
EDGE_P = [float(p) for p in EDGES["p_value"]]
TERMS = [f"b{k}" for k in range(1, len(EDGE_P) + 1)]


def r_codes(lines: list[str], n: int) -> list[str]:
    """The significance codes R printed: the last field of each of the n table rows after the header."""
    width = len(lines[0]) - len(lines[0].rstrip())  # the codes column is blank in the header
    return [ln[len(ln) - width:].strip() for ln in lines[1:1 + n]]


EDGE_CODES = r_codes(EDGES["lines"], len(EDGE_P))


def test_the_cutpoints_take_the_stronger_code():
    assert EDGE_CODES[:4] == ["***", "**", "*", "."]  # p = 0.001, 0.01, 0.05, 0.1 exactly, as R prints them
    assert EDGE_CODES[6:] == ["**", "."]  # the doubles just above 0.001 and 0.05


def test_signif_stars_is_symnum():
    for p, code in zip(R["symnum"]["p"], R["symnum"]["codes"]):
        assert signif_stars(float(p)) == code.strip(), p
    assert signif_stars(math.nan) == ""


def test_codes_are_shown_only_when_some_p_is_below_one_tenth():
    assert shows_stars([0.1 - 1e-12, 0.5]) and not shows_stars([0.1, 0.5]) and not shows_stars([math.nan])
    assert R["coefmat"]["no_stars"]["lines"][0].rstrip() == R["coefmat"]["no_stars"]["lines"][0]  # R: no column


@pytest.mark.parametrize("name", ["edges", "no_stars"])
def test_coefficient_cells_are_printcoefmat(name):
    case = R["coefmat"][name]
    table = pd.DataFrame({"estimate": case["estimate"], "std_error": case["std_error"],
                          "statistic": case["statistic"], "p_value": [float(p) for p in case["p_value"]]})
    header, rows = format_coef_table(table, case["kind"])
    lines = matrix_lines([f"b{k}" for k in range(1, len(rows) + 1)], header, rows)
    if header[-1] == "":
        lines += ["---", SIGNIF_LEGEND]
    assert lines == case["lines"]


def test_printcoefmat_rounds_as_r_rounds():
    """printCoefmat rounds with R's round(), not np.round: the statistic 0.35 (a double below the tie) to one
    decimal is 0.3 in R, np.round gave 0.4.  R 4.2: printCoefmat(cbind(Estimate = c(1.5, 2.5, 3.25),
    "Std. Error" = c(0.5, 0.25, 0.75), "z value" = c(0.35, 0.45, 2.675), "Pr(>|z|)" = c(0.7, 0.65, 0.0075)),
    digits = 2)."""
    t = coefmat([[1.5, 2.5, 3.25], [0.5, 0.25, 0.75], [0.35, 0.45, 2.675], [0.7, 0.65, 0.0075]],
                ["Estimate", "Std. Error", "z value", "Pr(>|z|)"], digits=2, cs_ind=[0, 1], tst_ind=[2])
    assert matrix_lines(["[1,]", "[2,]", "[3,]"], t.header, t.rows) == [
        "     Estimate Std. Error z value Pr(>|z|)   ",
        "[1,]     1.50       0.50     0.3    0.700   ",
        "[2,]     2.50       0.25     0.4    0.650   ",
        "[3,]     3.25       0.75     2.7    0.007 **",
    ]


@pytest.mark.parametrize("case", R["pval"], ids=lambda c: str(c["p"]))
def test_format_pval_digits(case):
    p = case["p"] if isinstance(case["p"], list) else [case["p"]]
    want3 = case["digits3"] if isinstance(case["digits3"], list) else [case["digits3"]]
    want4 = case["digits4"] if isinstance(case["digits4"], list) else [case["digits4"]]
    assert format_pval(p, 3) == want3 and format_pval(p, 4) == want4


def test_coefmat_rejects_nothing_it_cannot_format():
    t = coefmat([[1.0, math.nan], [0.5, math.nan], [2.0, math.nan], [0.04, math.nan]], ["a", "b", "c", "d"],
                digits=4, cs_ind=(0, 1), tst_ind=(2,), na_print="NA")
    assert t.rows[1][:4] == ("NA", "NA", "NA", "NA") and t.stars and t.rows[0][-1] == "*"


# -- R's printed tables and tests ------------------------------------------------------------------------------
def quiet_fit(formula, data, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(formula, data, family=family, tol=1e-12, max_iter=100)


@pytest.mark.parametrize("case, data", [("mtcars", "mtcars"), ("birthwt", "birthwt")])
def test_lrtest_prints_as_lmtest(case, data):
    ref = R["lrtest"][case]
    d = load_data(data)
    t = gs.lrtest(*(quiet_fit(f, d, gs.Binomial()) for f in ref["formulas"]))
    assert str(t).splitlines() == ref["lines"]
    assert repr(t) == str(t)


@pytest.mark.parametrize("edge", R["lrtest_edges"], ids=lambda e: str(e["p"]))
def test_lrtest_at_the_cutpoints(edge):
    t = LRTest(edge["statistic"], 1, edge["p"], tuple(edge["loglik"]), (2, 3), ("y ~ x", "y ~ x + z"))
    assert str(t).splitlines() == edge["lines"]
    rows = table_rows(t._repr_html_(), "gs-lrtest")
    if edge["lines"][-1] == SIGNIF_LEGEND:  # R shows the codes (p < 0.1 somewhere): the same code in HTML
        assert rows[2][-1].text == signif_stars(edge["p"]) == r_codes(edge["lines"][4:], 2)[1]
    else:  # p = 0.1: R shows no codes column, and neither does the HTML
        assert rows[2][-1].text == "0.1" and not any("gs-stars" in c.classes for r in rows for c in r)


@pytest.mark.parametrize("case, formula", [("dobson", "counts ~ outcome + treatment"),
                                           ("warpbreaks", "breaks ~ wool + tension")])
def test_overdispersion_numbers_print_as_htest(case, formula):
    lines = R["dispersiontest"][case]["lines"]
    stat, pvalue = next(ln for ln in lines if ln.startswith("z = ")).split(", ")
    alpha = lines[lines.index("sample estimates:") + 2].strip()
    text = str(quiet_fit(formula, load_data(case), gs.Poisson()).overdispersion())
    line = next(ln for ln in text.splitlines() if "Cameron & Trivedi" in ln)
    assert stat in line and pvalue in line and f"alpha = {alpha}" in line
    assert htest_pvalue(1e-20) == "p-value < 2.2e-16"


def _coef_values(lines: list[str]) -> list[str]:
    """The coefficient values print.glm printed (every second line of the block after 'Coefficients:')."""
    start = lines.index("Coefficients:") + 1
    block = lines[start:lines.index("", start)]
    return [tok for ln in block[1::2] for tok in ln.split()]


@pytest.mark.parametrize("case", sorted(R["fits"]))
def test_repr_is_print_glm(case):
    ours, r = repr(fit_ref(load_ref(case))).splitlines(), R["fits"][case]["print_glm"]
    tail = lambda lines: lines[next(i for i, ln in enumerate(lines) if ln.startswith("Degrees")):]  # noqa: E731
    assert tail(ours) == tail(r)
    for a, b in zip(_coef_values(ours), _coef_values(r), strict=True):
        assert a == b or abs(float(a)) < 1e-12 > abs(float(b))  # dobson's zero contrasts are rounding noise


@pytest.mark.parametrize("case", ["clotting_gamma", "birthwt_logit", "mtcars_logit"])
def test_summary_text_is_print_summary_glm(case):
    ours = str(fit_ref(load_ref(case)).summary()).splitlines()
    r = R["fits"][case]["summary"]

    def body(lines):
        start = lines.index("Deviance Residuals: ")
        return lines[start:next(i for i, ln in enumerate(lines) if ln.startswith("Number of Fisher")) + 1]

    ours, r = body(ours), body(r)
    assert len(ours) == len(r)
    head = ours.index("Coefficients:")
    assert r.index("Coefficients:") == head
    n_rows = next(i for i in range(head + 1, len(r)) if r[i] in ("---", "")) - head - 2
    width = lambda lines: max(len(ln.split()[0]) for ln in lines[head + 2:head + 2 + n_rows])  # noqa: E731
    wo, wr = width(ours), width(r)
    for k, (a, b) in enumerate(zip(ours, r)):
        if head < k <= head + 1 + n_rows:  # the coefficient table: names are glmstat's, the rest is R's
            assert a[wo:] == b[wr:], (a, b)
        else:
            assert a == b


def _r_residual_block(lines: list[str]) -> tuple[list[str], list[str]]:
    """The labels and values of print.summary.glm's "Deviance Residuals" block (label and value lines in turn)."""
    start = lines.index("Deviance Residuals: ") + 1
    block = lines[start:lines.index("", start)]
    return [t for ln in block[0::2] for t in ln.split()], [t for ln in block[1::2] for t in ln.split()]


@pytest.mark.parametrize("case", sorted(R["fits"]))
def test_summary_markdown_shows_r_s_deviance_residuals(case):
    """The Markdown summary has the text and HTML summaries' residual block: R's quartiles (or, for 5 residual
    df or fewer, each row's residual under its row name), R's digits."""
    md = fit_ref(load_ref(case)).summary().to_markdown()
    block = md.split("**Deviance residuals**\n\n")[1].split("\n\n")[0].splitlines()
    cells = lambda ln: [c.strip() for c in ln.strip().strip("|").split("|")]  # noqa: E731
    assert len(block) == 3 and set(block[1]) <= set("|-:")  # header, alignment, one row
    labels, values = _r_residual_block(R["fits"][case]["summary"])
    if labels[0] == "1":  # (R's row names 1, 2, ...: the data frame's index 0, 1, ... here)
        labels = [str(int(n) - 1) for n in labels]
    assert (cells(block[0]), cells(block[2])) == (labels, values)


# -- the cutpoints in every renderer ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def edge_summary():
    table = pd.DataFrame({"estimate": EDGES["estimate"], "std_error": EDGES["std_error"],
                          "statistic": EDGES["statistic"], "p_value": EDGE_P}, index=TERMS)
    return dataclasses.replace(fit_ref(load_ref("mtcars_logit")).summary(), table=table, statistic_kind="z")


def test_summary_text_at_the_cutpoints(edge_summary):
    assert "\n".join(EDGES["lines"]) in str(edge_summary)


def test_summary_markdown_at_the_cutpoints(edge_summary):
    rows = {c[0]: c for c in ([x.strip() for x in ln.strip().strip("|").split("|")]
                              for ln in edge_summary.to_markdown().splitlines() if ln.startswith("| b"))}
    assert [rows[t][-1] for t in TERMS] == EDGE_CODES
    assert f"`{SIGNIF_LEGEND}`" in edge_summary.to_markdown()


def test_summary_latex_at_the_cutpoints(edge_summary):
    rows = {c[0]: c for c in ([x.strip() for x in ln.rstrip().removesuffix("\\\\").split("&")]
                              for ln in edge_summary.to_latex().splitlines() if ln.strip().startswith("b"))}
    assert [rows[t][-1] for t in TERMS] == EDGE_CODES


def test_summary_html_at_the_cutpoints(edge_summary):
    html = edge_summary._repr_html_()
    rows = table_rows(html, "gs-coef")[1:]
    html = unescape(html)
    assert [r[0].text.strip() for r in rows] == TERMS
    assert [r[-1].text for r in rows] == EDGE_CODES and all("gs-stars" in r[-1].classes for r in rows)
    assert SIGNIF_LEGEND in html


@pytest.fixture(scope="module")
def edge_comparison():
    frame = lambda values: pd.DataFrame({"m": values}, index=TERMS)  # noqa: E731
    nan = [np.nan] * len(TERMS)
    return ModelComparison(
        names=("m",), estimates=frame(EDGES["estimate"]), std_errors=frame(EDGES["std_error"]),
        p_values=frame(EDGE_P), lower=frame(nan), upper=frame(nan), present=frame([True] * len(TERMS)),
        diverging=frame([False] * len(TERMS)),
        statistics=pd.DataFrame({"m": [10, 1.0, 2.0, 3.0]}, index=["nobs", "deviance", "aic", "bic"]),
        ci=False, level=0.95, digits=4, stars=True, covariance="model")


def _codes_after_numbers(cells: dict[str, str]) -> list[str]:
    """The marks after each estimate, which is R's printCoefmat cell (the second field of R's row)."""
    r_estimates = [ln.split()[1] for ln in EDGES["lines"][1:1 + len(TERMS)]]
    assert [cells[t][:len(b)] for t, b in zip(TERMS, r_estimates)] == r_estimates
    return [cells[t].removeprefix(b) for t, b in zip(TERMS, r_estimates)]


def test_compare_text_at_the_cutpoints(edge_comparison):
    cells = {ln.split()[0]: ln.split()[1] for ln in str(edge_comparison).splitlines() if ln.startswith("b")}
    assert _codes_after_numbers(cells) == EDGE_CODES
    assert str(edge_comparison).endswith(SIGNIF_LEGEND)


def test_compare_markdown_at_the_cutpoints(edge_comparison):
    rows = [[x.strip() for x in ln.strip("|").split("|")] for ln in edge_comparison.to_markdown().splitlines()]
    assert _codes_after_numbers({r[0]: r[1] for r in rows if r[0] in TERMS}) == EDGE_CODES


def test_compare_latex_at_the_cutpoints(edge_comparison):
    rows = [[x.strip() for x in ln.rstrip().removesuffix("\\\\").split("&")]
            for ln in edge_comparison.to_latex().splitlines()]
    assert _codes_after_numbers({r[0]: r[1] for r in rows if r[0] in TERMS}) == EDGE_CODES


def test_compare_html_at_the_cutpoints(edge_comparison):
    rows = table_rows(edge_comparison._repr_html_(), "gs-compare")
    marks = {r[0].text: r[1].mark for r in rows if r[0].text in TERMS}
    assert [marks[t] for t in TERMS] == EDGE_CODES
