"""summary()'s options as R's summary.glm and print.summary.glm take them: ``dispersion=`` (a known dispersion: z
tests), ``correlation=True`` (the correlation of the estimates, printed after the iteration count) and
``stars=False`` (``signif.stars = FALSE``), and print.summary.glm's ``digits``.

R's numbers and printed lines come from R 4.2 (tests/fixtures/scripts/make_summary_options.R ->
summary_options/r.json), of fits with ``epsilon = 1e-12``; glmstat fits them with ``convergence="R"`` at that
tolerance, so that the standard errors are R's to the last printed digit (the exact MLE's differ from R's in
the seventh digit where R's last weights are a step behind: 2.318442 against R's 2.318441).  glmstat names
coefficients its own way (``wool[T.B]`` for R's ``woolB``): the text is compared with R's after the names are
put in R's spelling, which moves the columns of the tables (and where the correlation matrix wraps) exactly as
R's names move them.
"""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data
from glmstat.report.display import left_matrix_lines, symbolic_correlation_lines

R = json.loads((FIXTURES / "summary_options" / "r.json").read_text())
CASES = R["cases"]
FAMILIES = {"poisson": gs.Poisson, "quasipoisson": gs.QuasiPoisson, "binomial": gs.Binomial, "Gamma": gs.Gamma,
            "gaussian": gs.Gaussian, "negbin": gs.NegativeBinomial}


def _fit(case: dict) -> gs.GLMResults:
    d = load_data(case["data"])
    if case["data"] == "mtcars":
        d["wt2"] = 2 * d["wt"]  # (as the R script: aliased with wt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(case["formula"], d, family=FAMILIES[case["family"]](), tol=1e-12, max_iter=100,
                      convergence="R")


def _options(case: dict) -> dict:
    options = {{"symbolic.cor": "symbolic_cor"}.get(k, k): v for k, v in (case["summary_args"] or {}).items()}
    printing = case["print_args"] or {}
    if "signif.stars" in printing:
        options["stars"] = printing["signif.stars"]
    if "digits" in printing:
        options["digits"] = printing["digits"]
    return options


def _in_r_names(summary, case: dict):
    """The summary with R's coefficient names (its table's and its correlation matrix's)."""
    table = summary.table.set_axis(case["coef_names"])
    corr = summary.correlation
    if corr is not None:
        kept = [n for n, a in zip(case["coef_names"], case["aliased"]) if not a]
        corr = corr.set_axis(kept, axis=0).set_axis(kept, axis=1)
    return dataclasses.replace(summary, table=table, correlation=corr)


def _after_call(lines: list[str]) -> list[str]:
    """The printed lines from the deviance residuals on (the call is R's script's), without the blank lines that
    end them, nor glmstat's warnings (which R's printed summary leaves out: an aliased column's relation)."""
    out = lines[lines.index("Deviance Residuals: "):]
    out = out[:next((i for i, ln in enumerate(out) if ln.startswith("Warning message")), len(out))]
    while out and out[-1] == "":
        out.pop()
    return out


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_summary_with_options_prints_as_r(case_id):
    case = CASES[case_id]
    summary = _in_r_names(_fit(case).summary(**_options(case)), case)
    assert _after_call(str(summary).splitlines()) == _after_call(case["lines"])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_summary_numbers_are_r_s(case_id):
    case = CASES[case_id]
    summary = _fit(case).summary(**_options(case))
    kept = ~np.asarray(case["aliased"], dtype=bool)
    table = summary.table.to_numpy(dtype=float)[kept]
    for j, column in enumerate(("estimate", "std_error", "statistic", "p_value")):
        assert_close(table[:, j], case[column], rtol=1e-6 if column != "p_value" else 1e-5)
    if case["correlation"] is None:
        assert summary.correlation is None
    else:
        assert_close(summary.correlation.to_numpy(dtype=float), case["correlation"], rtol=1e-6)


@pytest.mark.parametrize("wrap", R["wraps"], ids=lambda w: f"{w['rowname']}-{w['columns']}")
def test_character_matrix_wraps_where_r_wraps(wrap):
    # a block of columns keeps its width below 80: a line of exactly 80 characters wraps (R's printMatrix)
    columns = [f"c{k:03d}" for k in range(1, wrap["columns"] + 1)]
    assert left_matrix_lines([wrap["rowname"]], columns, [["0.50"] * wrap["columns"]]) == wrap["lines"]


@pytest.mark.parametrize("symnum", R["symnums"], ids=lambda s: str(s["values"]))
def test_symbolic_correlation_is_r_s_symnum(symnum):
    # R's symnum(r, abbr.colnames = NULL) of a 4 x 4 correlation matrix whose lower triangle (filled by column, as
    # R's r[lower.tri(r)] <- values) holds values at and beside the cutpoints, negative ones, and NA
    r = np.eye(4)
    below = [(i, j) for j in range(4) for i in range(j + 1, 4)]
    for (i, j), v in zip(below, symnum["values"]):
        r[i, j] = r[j, i] = np.nan if v == "NA" else v
    assert symbolic_correlation_lines(["a", "bb", "ccc", "d"], r) == symnum["lines"]


def test_symbolic_correlation_alone_shows_the_correlation():
    # R's summary(fit, symbolic.cor = TRUE) shows nothing without correlation = TRUE; glmstat shows what was asked
    case = CASES["mtcars_gaussian_symbolic"]
    s = _fit(case).summary(symbolic_cor=True)
    assert _after_call(str(_in_r_names(s, case)).splitlines()) == _after_call(case["lines"])


def test_markdown_and_html_show_the_symbols_and_their_legend():
    case = CASES["mtcars_gaussian_aliased_symbolic"]  # R: qsec's row is "B . + 1"
    s = _fit(case).summary(correlation=True, symbolic_cor=True)
    md, html = s.to_markdown(), s.to_html()
    lines = md.splitlines()
    row = next(ln for ln in lines[lines.index("**Correlation of coefficients**"):] if ln.startswith("| qsec"))
    assert [c.strip() for c in row.strip("|").split("|")] == ["qsec", "B", ".", "+", "1"]
    legend = "0 ' ' 0.3 '.' 0.6 ',' 0.8 '+' 0.9 '*' 0.95 'B' 1"
    assert f"`{legend}`" in md
    cells = html[html.index('gs-corr'):].split("</tr>")[4]  # (the header row, then the rows in order)
    assert [c.split("</td>")[0] for c in cells.split('<td class="gs-num">')[1:]] == ["B", ".", "+", "1"]
    assert '<p class="gs-legend">' + legend.replace("'", "&#x27;") + "</p>" in html


def test_a_known_dispersion_gives_the_fixed_dispersion_family_s_tests():
    # closed form: a quasi-Poisson fit's estimates are the Poisson fit's, and at dispersion 1 its table is the
    # Poisson table (z tests); the fit itself keeps its estimated dispersion and t tests
    d = load_data("warpbreaks")
    quasi = gs.glm("breaks ~ wool + tension", d, family=gs.QuasiPoisson())
    poisson = gs.glm("breaks ~ wool + tension", d, family=gs.Poisson())
    table = quasi.summary(dispersion=1).table
    assert_close(table["std_error"], poisson.std_errors, rtol=1e-12)
    assert_close(table["p_value"], poisson.p_values, rtol=1e-10)
    assert quasi.statistic_kind == "t" and quasi.dispersion > 1
    scaled = quasi.summary(dispersion=4.0).table["std_error"]
    assert_close(scaled, 2.0 * poisson.std_errors, rtol=1e-12)  # se scales with sqrt(phi)


def test_the_correlation_of_one_coefficient_prints_no_block():
    # R: a 1 x 1 correlation matrix prints nothing (p > 1 only)
    fit = gs.glm("dist ~ speed - 1", load_data("cars"))
    s = fit.summary(correlation=True)
    assert "Correlation" not in str(s) and "Correlation" not in s.to_markdown()
    assert "Correlation" not in s.to_html()


def test_markdown_and_html_show_the_correlation_table():
    case = CASES["mtcars_logit_correlation"]
    s = _fit(case).summary(correlation=True)
    md, html = s.to_markdown(), s.to_html()
    assert "**Correlation of coefficients**" in md
    lines = md.splitlines()
    row = next(ln for ln in lines[lines.index("**Correlation of coefficients**"):] if ln.startswith("| wt"))
    assert [c.strip() for c in row.strip("|").split("|")] == ["wt", "-0.96", "-0.77"]
    assert "Correlation of coefficients" in html and 'class="gs-table gs-corr"' in html
    assert html.count("<td") >= 4 and "-0.96" in html


def test_stars_false_drops_the_codes_everywhere():
    case = CASES["birthwt_logit_no_stars"]
    s = _fit(case).summary(stars=False)
    assert "Signif. codes" not in str(s) and "Signif. codes" not in s.to_markdown()
    assert "Signif. codes" not in s.to_latex() and '<td class="gs-stars">' not in s.to_html()
    assert "Signif. codes" in str(_fit(case).summary())


def test_a_given_dispersion_is_said_in_every_rendering():
    fit = gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.Poisson())
    s = fit.summary(dispersion=2.5)
    assert "(Dispersion parameter for poisson family taken to be 2.5)" in str(s)
    assert "- Dispersion parameter: 2.5 (poisson family, given)" in s.to_markdown()
    assert "z value" in str(s)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1", True, [1.0], None])
def test_a_dispersion_that_is_not_a_positive_number_is_refused(bad):
    fit = gs.glm("breaks ~ wool", load_data("warpbreaks"), family=gs.QuasiPoisson())
    if bad is None:  # (None: the fit's own dispersion)
        assert "taken to be 1)" not in str(fit.summary(dispersion=bad))
        return
    with pytest.raises(gs.GLMStatError, match="dispersion must be a positive finite number"):
        fit.summary(dispersion=bad)


@pytest.mark.parametrize("bad", [0, 23, 3.0, "4", True])
def test_digits_are_a_whole_number_r_takes(bad):
    fit = gs.glm("breaks ~ wool", load_data("warpbreaks"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match="digits must be a whole number from 1 to 22"):
        fit.summary(digits=bad)


@pytest.mark.parametrize("option", ["correlation", "symbolic_cor", "stars"])
def test_the_switches_take_true_or_false_only(option):
    fit = gs.glm("breaks ~ wool", load_data("warpbreaks"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=f"{option} must be True or False"):
        fit.summary(**{option: "yes"})


def test_a_sandwich_summary_takes_no_dispersion_and_correlates_its_own_matrix():
    fit = gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.Poisson()).robust("HC0")
    with pytest.raises(gs.GLMStatError, match=r"sandwich \(HC0\)"):
        fit.summary(dispersion=2.0)
    v = fit.vcov.to_numpy(dtype=float)
    want = v / np.sqrt(np.outer(np.diag(v), np.diag(v)))
    assert_close(fit.summary(correlation=True).correlation.to_numpy(dtype=float), want, rtol=1e-12)


def test_summary_options_leave_the_fit_as_it_was():
    fit = gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.QuasiPoisson())
    before = (fit.std_errors.copy(), fit.dispersion, str(fit.summary()))
    fit.summary(dispersion=1.0, correlation=True, stars=False)
    pd.testing.assert_series_equal(fit.std_errors, before[0])
    assert fit.dispersion == before[1] and str(fit.summary()) == before[2]


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_give_the_in_memory_summary_options(kind, tmp_path):
    from streamed_cases import as_streamed

    d = load_data("warpbreaks")
    mem = gs.glm("breaks ~ wool * tension", d, family=gs.QuasiPoisson())
    streamed = gs.glm("breaks ~ wool * tension", as_streamed(d, kind, tmp_path), family=gs.QuasiPoisson())
    for options in ({"dispersion": 1.0, "correlation": True}, {"correlation": True, "stars": False}):
        a, b = mem.summary(**options), streamed.summary(**options)
        assert_close(b.table, a.table.to_numpy(dtype=float), rtol=1e-9)
        assert_close(b.correlation, a.correlation.to_numpy(dtype=float), rtol=1e-9)
        assert str(a).split("Correlation of Coefficients:")[1] == str(b).split("Correlation of Coefficients:")[1]


def test_the_correlation_of_very_many_coefficients_is_refused(monkeypatch):
    # its cells are text: 5,000 columns would be 25 million strings; the covariance stays available as numbers
    import glmstat.inference.summary_tables as tables

    monkeypatch.setattr(tables, "MAX_CORRELATION", 3)
    fit = gs.glm("breaks ~ wool + tension", load_data("warpbreaks"), family=gs.Poisson())
    with pytest.raises(gs.GLMStatError, match=r"correlation of 4 coefficients would be 16 cells"):
        fit.summary(correlation=True)
    assert fit.vcov.shape == (4, 4)
