"""The summary prints numbers exactly as R does (format, format.pval, printCoefmat, print.summary.glm).

Expected strings come from R 4.2 (tests/fixtures/scripts/make_format_fixtures.R -> rformat.json).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, load_data, load_ref
from glmstat.report.rformat import format_pval, format_r, zapsmall
from glmstat.report.summary import format_coef_table
from markdown_check import shown

R = json.loads((FIXTURES / "rformat.json").read_text())


@pytest.mark.parametrize("case", R["format"], ids=lambda c: str(c["x"]))
@pytest.mark.parametrize("digits", [4, 5, 7])
def test_format_matches_r(case, digits):
    assert format_r(case["x"], digits) == case[f"digits{digits}"]


@pytest.mark.parametrize("case", R["pval"], ids=lambda c: str(c["p"]))
def test_format_pval_matches_r(case):
    assert format_pval(case["p"], 3) == case["formatted"]


@pytest.mark.parametrize("case_id", sorted(R["tables"]))
def test_coefficient_table_cells_match_printcoefmat(case_id):
    ref, want = load_ref(case_id), R["tables"][case_id]
    table = pd.DataFrame({k: ref[f] for k, f in [("estimate", "coefficients"), ("std_error", "std_errors"),
                                                 ("statistic", "statistic"), ("p_value", "p_values")]})
    table = table.astype(float)
    header, rows = format_coef_table(table, ref["statistic_kind"])
    r_rows = [ln for ln in want["coef_lines"][1:] if not ln.startswith(("---", "Signif"))]
    for name, ours, line in zip(ref["coef_names_r"], rows, r_rows):
        assert " ".join(ours).split() == line[len(name):].split(), line


@pytest.mark.parametrize("case_id", sorted(R["tables"]))
def test_deviance_residual_line_matches_r(case_id):
    ref, want = load_ref(case_id), R["tables"][case_id]
    r = np.asarray(ref["resid_deviance"], dtype=float)
    if ref["df_residual"] > 5:
        r = np.quantile(r, [0, 0.25, 0.5, 0.75, 1])
    ours = [s.strip() for s in format_r(zapsmall(r, 5), 4)]
    r_tokens = [t for ln in want["resid_lines"] for t in ln.split() if not t.startswith("[")]
    if ref["df_residual"] > 5:
        r_tokens = r_tokens[5:]  # drop the Min 1Q Median 3Q Max labels
    assert ours == r_tokens


def test_dobson_summary_reads_like_r():
    d = load_data("dobson")
    text = str(gs.glm("counts ~ outcome + treatment", d, family=gs.Poisson(), tol=1e-12).summary())
    for line in [
        "(Dispersion parameter for poisson family taken to be 1)",
        "    Null deviance: 10.5814  on 8  degrees of freedom",
        "Residual deviance:  5.1291  on 4  degrees of freedom",
        "AIC: 56.761",
        "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1",
    ]:
        assert line in text
    assert "Intercept        3.045e+00  1.709e-01  17.815   <2e-16 ***" in text
    assert "-0.67125   0.96272  -0.16965" in text


def test_seed_summary_explains_aliasing_and_separation(students):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        text = str(gs.glm("passed ~ hours + score", students, family=gs.Binomial(), max_iter=100).summary())
    assert "Coefficients: (1 not defined because of singularities)" in text
    assert "score = 50 + 5 * hours" in text
    assert "separation" in text and 'method="firth"' in text
    assert "hours !" in text  # the diverging coefficients are marked
    score_row = next(ln for ln in text.splitlines() if ln.startswith("score"))
    assert score_row.split()[1:] == ["NA", "NA", "NA", "NA"]


def test_markdown_latex_html_render_the_same_table():
    d = load_data("dobson")
    s = gs.glm("counts ~ outcome + treatment", d, family=gs.Poisson()).summary()
    md, tex, html = s.to_markdown(), s.to_latex(), s._repr_html_()
    for out in (shown(md), tex, html):  # (Markdown escapes its brackets: outcome\[T.o2\])
        assert "outcome[T.o2]" in out and "-4.543e-01" in out
    assert md.count("\n|") >= 6 and "\\begin{tabular}" in tex and "<table" in html


def test_markdown_of_a_model_without_coefficients_says_so():
    # as the text ("No Coefficients") and the HTML; the Markdown was a table header without rows
    fit = gs.glm("dist ~ 0", load_data("cars"))
    md = fit.summary().to_markdown()
    assert "\n\nNo coefficients\n\n" in md and "| term" not in md
    assert "No Coefficients" in str(fit.summary()) and "No coefficients" in fit.summary().to_html()


def test_latex_of_a_model_without_coefficients_compiles():
    # y ~ 0: the tabular was written "\begin{tabular}{}", which LaTeX refuses (no column for the header's cells)
    fit = gs.glm("dist ~ 0", load_data("cars"))
    lines = fit.summary().to_latex().splitlines()
    assert lines[0] == r"\begin{tabular}{lrrrr}" and lines[2].count("&") == 4
    assert lines[-3:] == [r"\midrule", r"\bottomrule", r"\end{tabular}"]


def test_markdown_and_html_name_the_iterations_as_the_text_summary():
    # str.capitalize() of "Firth-penalised Fisher Scoring iterations" wrote "fisher scoring" in lower case
    d = pd.DataFrame({"y": [0, 0, 0, 1, 0, 1, 1, 1, 1, 1], "x": range(1, 11)})
    for method in ("irls", "firth"):
        s = gs.glm("y ~ x", d, family=gs.Binomial(), method=method).summary()
        label = next(ln for ln in str(s).splitlines() if ln.startswith("Number of "))[len("Number of "):]
        assert "Fisher Scoring iterations: " in label and ("Firth-penalised" in label) == (method == "firth")
        name, count = label.split(": ")
        assert f"- {name}: {count}\n" in s.to_markdown()
        assert f'<th class="gs-label" scope="row">{name}</th><td class="gs-num">{count}</td>' in s._repr_html_()


def test_latex_says_what_the_marks_of_its_table_mean():
    # the tabular showed significance codes, the flag of a diverging estimate and sandwich standard errors
    # without a word on them (compare().to_latex() has its footnote)
    from glmstat.report.display import FLAG_NOTE, SIGNIF_LEGEND

    def footnote(s) -> str:
        lines = s.to_latex().splitlines()
        after = lines[lines.index(r"\bottomrule") + 1:]
        return after[0] if len(after) == 2 else ""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seed = gs.glm("passed ~ hours + score", gs.load_dataset("students"), family=gs.Binomial()).summary()
        quine = load_data("quine")
        plain = gs.glm("Days ~ Sex", quine, family=gs.Poisson())
        clustered = gs.glm("Days ~ Eth + Sex", quine, family=gs.Poisson()).robust("HC0", cluster="Age")
        flat = gs.glm("y ~ x", pd.DataFrame({"y": [0.3, -0.2, 0.1, -0.4, 0.2, 0.05], "x": [1, 2, 3, 4, 5, 6]}))
    assert footnote(seed) == rf"\multicolumn{{5}}{{l}}{{\footnotesize {FLAG_NOTE}.}} \\"
    assert footnote(plain.summary()) == rf"\multicolumn{{6}}{{l}}{{\footnotesize {SIGNIF_LEGEND}}} \\"
    assert footnote(clustered.summary()).startswith(
        r"\multicolumn{6}{l}{\footnotesize Standard errors: sandwich (HC0, clustered by Age, 4 clusters)")
    assert flat.p_values.min() > 0.1 and footnote(flat.summary()) == ""  # no codes, no note
