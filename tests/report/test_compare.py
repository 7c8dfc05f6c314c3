"""Side-by-side model tables (gs.compare): cell contents against R's numbers, and the four renderings."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, fit_ref, load_data, load_ref
from glmstat.report.display import FLAG, FLAG_NOTE, SIGNIF_LEGEND

CASES = ("mtcars_logit", "birthwt_logit")
RFORMAT = json.loads((FIXTURES / "rformat.json").read_text())  # make_format_fixtures.R
R = json.loads((FIXTURES / "compare.json").read_text())  # make_compare_fixtures.R


@pytest.fixture(scope="module")
def table():
    fits = [fit_ref(load_ref(c)) for c in CASES]
    return gs.compare(*fits, names=["Cars", "Births"])


def r_stars(p):
    """R's symnum codes (intervals closed on the right; checked against R in test_display_rules)."""
    return "***" if p <= 0.001 else "**" if p <= 0.01 else "*" if p <= 0.05 else "." if p <= 0.1 else ""


def r_cells(lines: list[str]) -> list[tuple[str, str]]:
    """(estimate, std. error) cells of R's printCoefmat rows (the fields after the row name)."""
    return [tuple(ln.split()[1:3]) for ln in lines[1:] if not ln.startswith(("---", "Signif"))]


def test_cells_hold_r_estimates_standard_errors_and_stars(table):
    cells = table.to_frame().set_index("")
    for name, case in zip(table.names, CASES):
        ref = load_ref(case)
        fit_names = fit_ref(ref).column_names
        r = r_cells(RFORMAT["tables"][case]["coef_lines"])  # R: print(summary(fit)), digits 4
        for term, (b, se), p in zip(fit_names, r, ref["p_values"]):
            rows = cells.index.get_loc(term)
            assert cells.iloc[rows][name] == f"{b}{r_stars(p)}"
            assert cells.iloc[rows + 1][name] == f"({se})"


def test_terms_are_the_union_in_order_of_first_appearance_with_blanks(table):
    terms = list(table.estimates.index)
    assert terms[:3] == ["Intercept", "hp", "wt"] and "smoke" in terms
    cells = table.to_frame().set_index("")
    assert cells.loc["smoke", "Cars"] == "" and cells.loc["hp", "Births"] == ""


def test_statistic_rows_match_r(table):
    cells = table.to_frame().set_index("")
    for name, case in zip(table.names, CASES):
        ref, want = load_ref(case), R["statistics"][case]  # R: format(x, digits = 5)
        assert cells.loc["Observations", name] == str(ref["nobs"])
        for label, key in (("Deviance", "deviance"), ("AIC", "aic"), ("BIC", "bic")):
            assert cells.loc[label, name] == want[key]


def test_confidence_intervals_instead_of_standard_errors():
    ref = load_ref("clotting_gamma")
    c = gs.compare(fit_ref(ref), ci=True)
    cells = c.to_frame()
    r = [ln.split()[1:] for ln in R["clotting_ci_lines"][1:]]  # R: printCoefmat(cbind(b, ci), cs.ind = 1:3)
    assert list(cells.iloc[[0, 2], 1]) == [b + r_stars(p) for (b, _, _), p in zip(r, ref["p_values"])]
    assert list(cells.iloc[[1, 3], 1]) == [f"[{lo}, {hi}]" for _, lo, hi in r]
    assert "95% confidence intervals" in str(c)


def test_quasi_family_has_blank_likelihood_rows_and_aliased_shows_na():
    d = load_data("mtcars")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        alias = gs.glm("mpg ~ cyl + disp + I(cyl + disp)", d, tol=1e-12)
    quasi = fit_ref(load_ref("warpbreaks_quasipoisson"))
    cells = gs.compare(alias, quasi).to_frame().set_index("")
    assert cells.loc["AIC", "(2)"] == "" and cells.loc["BIC", "(2)"] == ""
    row = cells.index.get_loc("I(cyl + disp)")
    assert list(cells.iloc[row : row + 2]["(1)"]) == ["NA", "(aliased)"]


def test_intervals_from_a_sandwich_covariance_say_so_as_standard_errors_do():
    # the footnote of robust standard errors named the covariance, that of robust intervals did not
    fit = fit_ref(load_ref("birthwt_logit"))
    assert gs.compare(fit.robust("HC0"), ci=True).note.startswith("95% confidence intervals (HC0) in brackets.")
    assert gs.compare(fit.robust("HC0")).note.startswith("Standard errors (HC0) in parentheses.")
    assert gs.compare(fit, ci=True).note.startswith("95% confidence intervals in brackets.")


def test_confidence_level_is_not_rounded_to_a_whole_percent():
    # the footnote of 99.5% intervals read "100% confidence intervals" (and the emmeans heading too)
    fit = fit_ref(load_ref("birthwt_logit"))
    assert gs.compare(fit, ci=True, level=0.995).note.startswith("99.5% confidence intervals in brackets.")
    assert gs.compare(fit, ci=True, level=0.9).note.startswith("90% confidence intervals in brackets.")
    heading = fit.emmeans("race", level=0.999).attrs["heading"].split("\n")
    assert heading[0].endswith("-based 99.9% intervals") and "Confidence level used: 0.999" in heading


def test_a_zero_likelihood_shows_inf_as_the_summary():
    # R: AIC(glm(y ~ x, poisson)) of non-integer counts is Inf (dpois of a non-integer is 0), and so is BIC;
    # the summary prints "AIC: Inf", and compare() left the cells blank, as if the family had no likelihood
    d = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6], "y": [0.5, 1.5, 2, 3.5, 4, 6]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y ~ x", d, family=gs.Poisson())
    cells = gs.compare(fit).to_frame().set_index("")
    assert cells.loc["AIC", "(1)"] == "Inf" and cells.loc["BIC", "(1)"] == "Inf"
    assert "AIC: Inf" in str(fit.summary())


def test_no_stars():
    c = gs.compare(fit_ref(load_ref("birthwt_logit")), stars=False)
    assert "*" not in str(c) and "Signif. codes" not in c.note


def test_renderings(table):
    text = str(table)
    assert text.splitlines()[0].split() == ["Cars", "Births"]
    assert text.endswith("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
    md = table.to_markdown().splitlines()
    assert md[0].replace(" ", "") == "||Cars|Births|" and set(md[1]) <= set("|:-")
    n_terms = len(table.estimates)
    assert sum(1 for ln in md if ln.startswith("|")) == 2 + 2 * n_terms + 4
    tex = table.to_latex()
    assert tex.count(r"\midrule") == 2 and r"\toprule" in tex and r"\bottomrule" in tex
    assert r"\multicolumn{3}{l}" in tex
    html = table._repr_html_()
    assert html.startswith('<div class="glmstat"') and html.count("<tr") == 1 + 2 * n_terms + 4


def test_special_characters_are_escaped():
    d = pd.DataFrame({"y": [1.0, 2.1, 2.9, 4.2, 5.1, 5.8], "x_1": [1, 2, 3, 4, 5, 6]})
    c = gs.compare(gs.glm("y ~ x_1", d), names=["a<b & c"])
    assert r"x\_1" in c.to_latex() and r"a\ensuremath{<}b \& c" in c.to_latex()
    assert "a&lt;b &amp; c" in c._repr_html_()


def test_bad_arguments_are_refused():
    fit = fit_ref(load_ref("clotting_gamma"))
    with pytest.raises(gs.GLMStatError, match="at least one"):
        gs.compare()
    with pytest.raises(gs.GLMStatError, match="names"):
        gs.compare(fit, fit, names=["one"])
    with pytest.raises(gs.GLMStatError, match="distinct"):
        gs.compare(fit, fit, names=["a", "a"])
    for names in ("ab", 5, {"a": 1}):  # (a string was two models' names, a number a raw TypeError)
        with pytest.raises(gs.GLMStatError, match="names must be a list of model names"):
            gs.compare(fit, fit, names=names)
    with pytest.raises(gs.GLMStatError, match="must not be empty"):  # (to_frame() had two columns '')
        gs.compare(fit, fit, names=["", "b"])
    with pytest.raises(gs.GLMStatError, match="fitted models"):
        gs.compare(fit, "lot1 ~ u")
    with pytest.raises(gs.GLMStatError, match="digits"):
        gs.compare(fit, digits=-1)
    for level in ("abc", None, [0.9], 1.5):  # (without ci=True: float() raised a raw ValueError or TypeError)
        with pytest.raises(gs.GLMStatError, match="level"):
            gs.compare(fit, level=level)


# -- the shared display rule: significant digits, the flag, the legend only with a star --------------------
def compare_case(*cases: str, **kw) -> gs.ModelComparison:
    d = pd.DataFrame(R["data"])
    return gs.compare(*(gs.glm(R["fits"][c]["formula"], d) for c in cases), **kw)


@pytest.mark.parametrize("case", ["tiny", "tiny_negative"])
def test_tiny_estimates_keep_their_significant_digits(case):
    cells = compare_case(case).to_frame()
    r = r_cells(R["fits"][case]["lines"])  # R: 4.324e-07 (not 0.000), -3.182e-09 (not -0.000)
    assert [c.rstrip("*.") for c in cells.iloc[[0, 2], 1]] == [b for b, _ in r]
    assert list(cells.iloc[[1, 3], 1]) == [f"({se})" for _, se in r]


def test_legend_only_when_a_code_is_shown():
    table = compare_case("no_stars")  # R prints no codes column and no legend for it
    assert R["fits"]["no_stars"]["lines"][0].rstrip() == R["fits"]["no_stars"]["lines"][0]
    cells = table.to_frame()
    assert list(cells.iloc[[0, 2, 4], 1]) == [b for b, _ in r_cells(R["fits"]["no_stars"]["lines"])]
    for out in (str(table), table.to_markdown(), table.to_latex(), table.to_html()):
        assert "Signif. codes" not in out and "***" not in out
    assert SIGNIF_LEGEND in str(compare_case("no_stars", "tiny"))  # a star in another model: the legend


def test_diverging_estimates_are_flagged_as_in_the_summary(students):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        sep = gs.glm("passed ~ hours", students, family=gs.Binomial())
    ok = fit_ref(load_ref("mtcars_logit"))
    table = gs.compare(sep, ok)
    flagged = [ln.split()[0] for ln in str(sep.summary()).splitlines() if ln.split()[1:2] == [FLAG]]
    assert flagged == ["Intercept", "hours"]  # the summary's flags
    cells = table.to_frame().set_index("")
    assert [t for t in flagged if cells.loc[t, "(1)"].endswith(FLAG)] == flagged
    assert not any(c.endswith(FLAG) for c in cells["(2)"])
    for out in (str(table), table.to_markdown(), table.to_latex()):
        assert FLAG_NOTE in out
    assert 'class="gs-flag"' in table.to_html()


def test_markdown_legend_is_code_as_in_the_summary(table):
    legend = f"`{SIGNIF_LEGEND}`"  # '***' unquoted would open emphasis in Markdown
    assert legend in fit_ref(load_ref("mtcars_logit")).summary().to_markdown().splitlines()
    assert table.to_markdown().splitlines()[-1] == f"Standard errors in parentheses. {legend}"


def test_models_of_many_coefficients_are_lined_up_in_one_pass():
    # each coefficient was searched in the list of the rows before it and in each model's list of names (0.8 s
    # for 4 models of 2,000 coefficients); the codes' rule scanned the whole table at every cell
    n = 2000
    data = pd.DataFrame({"y": np.arange(2 * n) % 7 * 1.0, **{f"g{k}": [f"l{i // 2}" for i in range(2 * n)]
                                                             for k in range(4)}})
    fits = [gs.glm(f"y ~ g{k}", data) for k in range(4)]
    table = gs.compare(*fits)
    assert table.present.shape == (1 + 4 * (n - 1), 4) and table.present.to_numpy().sum() == 4 * n
    assert list(table.present.index[:3]) == fits[0].column_names[:3]
    assert table.present.index[-1] == fits[3].column_names[-1]
    assert table.present.iloc[-1].tolist() == [False] * 3 + [True]
    assert not table.diverging.to_numpy().any() and table.shows_codes


def test_models_without_coefficients_are_compared():
    # y ~ 0 has no coefficient: compare() raised a raw IndexError (its table of none had dtype object)
    d = load_data("cars")
    none = gs.glm("dist ~ 0", d)
    c = gs.compare(none, gs.glm("dist ~ speed", d))
    lines = str(c).splitlines()
    assert lines[2].startswith("Intercept") and lines[-5].startswith("Observations")
    assert c.to_latex().count(r"\midrule") == 2 and "<table" in c.to_html() and "Observations" in c.to_markdown()
    alone = gs.compare(none)
    assert alone.to_latex().count(r"\midrule") == 1 and str(alone).splitlines()[3].startswith("Observations")


def test_a_model_that_did_not_converge_is_named_in_the_footnote_of_every_rendering():
    # its cells look like any other model's (stars included): print(fit) says the estimates are not reliable,
    # compare() said nothing
    d = load_data("dobson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stopped = gs.glm("counts ~ outcome + treatment", d, family=gs.Poisson(), max_iter=1)
        full = gs.glm("counts ~ outcome + treatment", d, family=gs.Poisson())
    assert not stopped.converged and full.converged
    c = gs.compare(full, stopped, names=["full", "a|b"])
    note = "a|b: NOT converged after 1 iterations; its estimates are not reliable."
    assert str(c).endswith(note) and c.note.endswith(note)
    assert c.to_markdown().endswith(note.replace("|", "\\|"))
    assert r"a\textbar{}b: NOT converged after 1 iterations" in c.to_latex()
    assert f'{note}</p></div>' in c.to_html()
    assert "NOT converged" not in str(gs.compare(full))
