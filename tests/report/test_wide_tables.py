"""Tables wider than R's ``getOption("width")`` (80) print as R prints them: ``Table.to_r(width=80)`` wraps the
columns that do not fit into further blocks, each with the row names, as R's ``print.default`` of a matrix
wraps them (:func:`glmstat.report.display.matrix_lines`), where pandas' repr hides the middle columns behind
``...``.

R's output: tests/fixtures/wide_tables/make_wide_tables.R -> r.json (``capture.output(print(x))`` at width 80,
the coefficients renamed as glmstat names them).
"""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES
from glmstat.report.display import confint_labels, signif_legend_lines
from glmstat.report.rformat import abbreviate
from glmstat.report.tables import printable_table

R = json.loads((FIXTURES / "wide_tables" / "r.json").read_text())
MTCARS = gs.load_dataset("mtcars")


@pytest.fixture(scope="module")
def fit12() -> gs.GLMResults:
    return gs.glm(R["vcov12"]["formula"], MTCARS)


def test_vcov_of_12_coefficients_wraps_as_r(fit12):
    assert fit12.vcov.to_r().split("\n") == R["vcov12"]["lines"]


def test_vcov_wraps_at_the_width_given(fit12):
    assert fit12.vcov.to_r(width=50).split("\n") == R["vcov12_width50"]


@pytest.fixture(scope="module")
def fit_long() -> gs.GLMResults:
    case = R["confint_long"]
    data = MTCARS.rename(columns={"drat": case["rename"]["drat"], "wt": case["rename"]["wt"]})
    return gs.glm(case["formula"], data, family=gs.Poisson())


@pytest.mark.parametrize("level, key", [(0.95, "lines"), (0.9, "lines90")])
def test_confint_with_long_names_wraps_as_r(fit_long, level, key):
    """R heads the columns ``2.5 %`` and ``97.5 %`` (``5 %``, ``95 %``), and rows of 60-character names leave
    room for one column a block."""
    assert fit_long.conf_int(level=level).to_r().split("\n") == R["confint_long"][key]


@pytest.mark.parametrize("case", R["confint_labels"], ids=lambda c: str(c["level"]))
def test_confint_labels_are_r(case):
    """confint.default's ``format.perc(a, 3)`` and MASS's profile ``paste(round(100 * a, 1), "%")``."""
    assert list(confint_labels(case["level"])) == case["wald"]
    assert list(confint_labels(case["level"], profile=True)) == case["profile"]


@pytest.mark.parametrize("case", R["anova_long"], ids=lambda c: c["id"])
def test_anova_with_long_term_names_wraps_as_r(case):
    """print.anova of anova.glm: the heading, then printCoefmat's cells (5 digits, NA blank, the codes a column
    of their own) wrapped into blocks, then the codes' legend."""
    data = MTCARS.rename(columns={"drat": R["confint_long"]["rename"]["drat"], "wt": R["confint_long"]["rename"]["wt"]})
    fit = gs.glm(case["formula"], data, family=case["family"])
    table = fit.anova(test=case["test"])  # ("none": R 4.2's test = NULL, no test)
    assert table.to_r().split("\n") == case["lines"]


def test_anova_at_width_50_breaks_the_legend_as_r():
    """A table within the width is one block; printCoefmat's legend, 62 characters, breaks after its heading."""
    fit = gs.glm("carb ~ wt + drat + hp", MTCARS, family=gs.Poisson())
    assert fit.anova(test="Chisq").to_r(width=50).split("\n") == R["anova_width50"]


@pytest.mark.parametrize("case", R["legend"], ids=lambda c: str(c["width"]))
def test_signif_legend_lines_are_r(case):
    assert signif_legend_lines(case["width"]) == case["lines"]


@pytest.mark.parametrize("case", R["drop1_add1_long"], ids=lambda c: c["id"])
@pytest.mark.parametrize("which", ["drop1", "add1"])
def test_drop1_and_add1_with_long_term_labels_wrap_as_r(case, which):
    """print.anova of drop1.glm's and add1.glm's tables: the heading with the model deparsed under ``Model:``,
    R's column names (``LRT``, ``Rao score``, ``F value``), the columns past width 80 in blocks of their own."""
    data = MTCARS.rename(columns={"drat": R["confint_long"]["rename"]["drat"], "wt": R["confint_long"]["rename"]["wt"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(case["formula"], data, family=case["family"])
        table = fit.drop1(test=case["test"]) if which == "drop1" else fit.add1(case["scope"], test=case["test"])
    assert table.to_r().split("\n") == case[which]


@pytest.mark.parametrize("which", ["drop1", "add1", "drop1_50", "add1_50"])
@pytest.mark.parametrize("case", R["drop1_add1_scaled"], ids=lambda c: c["id"])
def test_drop1_and_add1_with_a_dispersion_not_1_print_as_r(case, which):
    """print.anova of drop1.glm's and add1.glm's tables where the dispersion is not 1: a quasi family's without
    the AIC column (R drops it, all NA), the statistics named ``scaled dev.`` and ``scaled Rao sc.`` (a Gaussian
    or Gamma fit's too), ``F value`` for F; at widths 80 and 50."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(case["formula"], MTCARS, family=case["family"])
        table = fit.drop1(test=case["test"]) if which.startswith("drop1") else fit.add1(case["scope"],
                                                                                        test=case["test"])
    assert table.to_r(width=50 if which.endswith("_50") else 80).split("\n") == case[which]


@pytest.mark.parametrize("case", R["car_anova_long"], ids=lambda c: c["id"])
def test_car_anova_with_long_term_labels_wraps_as_r(case):
    """print.anova of car::Anova's tables: car's heading (``Error estimate based on Pearson residuals`` for F),
    its columns in its order (``LR Chisq Df``, ``Df Chisq``, ``Sum Sq Df F value(s)``), wrapped at width 80."""
    data = MTCARS.rename(columns={"drat": R["confint_long"]["rename"]["drat"], "wt": R["confint_long"]["rename"]["wt"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(case["formula"], data, family=case["family"])
        table = fit.anova(type=case["type"], test=case["test"])
    assert table.to_r().split("\n") == case["lines"]


def test_abbreviate_is_r():
    """R's abbreviate(), which names influence.measures' columns: each name alone, and together (names whose
    abbreviations coincide abbreviated again with a character more)."""
    case = R["abbreviate"]
    assert [abbreviate([w])[0] for w in case["words"]] == case["each"]
    assert abbreviate(case["words"]) == case["together"]


def test_influence_measures_of_8_coefficients_wrap_as_r():
    """print.infl: the call, then the data frame of the measures with 3 digits and the ``inf`` marks, R's column
    names (``dfb.1_``, ``dfb.`` and the abbreviated coefficient names, ``cov.r``, ``cook.d``), wrapped at 80."""
    data = MTCARS.reset_index(drop=True)
    data.index = data.index + 1  # (R's rows of vectors: 1 to 32)
    fit = gs.glm(R["influence8"]["formula"], data, family=gs.Poisson())
    assert fit.influence_measures().to_r().split("\n") == R["influence8"]["lines"]


@pytest.mark.parametrize("test", ["chisq", "rao"])
def test_anova_of_nested_models_at_width_40_wraps_as_r(test):
    """print.anova of anova.glmlist: the models under the title, unwrapped; the table and the legend wrapped."""
    case = R["anova_nested40"]
    fits = [gs.glm(f, MTCARS, family=gs.Poisson()) for f in case["formulas"]]
    assert gs.anova(*fits, test={"chisq": "Chisq", "rao": "Rao"}[test]).to_r(width=40).split("\n") == case[test]


@pytest.mark.parametrize("case", R["emmeans_by"], ids=lambda c: c["id"])
def test_emmeans_with_by_factors_wraps_as_r(case):
    """print.summary_emm: a block for each combination of the by factors (``wool = A, shift = day:``), each
    emmeans' character matrix (its digits from the estimates +/- 2 SE, the levels left-justified, no row names)
    wrapped at width 80, then emmeans' notes."""
    data = pd.read_csv(FIXTURES / "wide_tables" / "warpbreaks_long.csv")
    data["tension"] = pd.Categorical(data["tension"], categories=pd.unique(data["tension"]))  # (R's: L, M, H)
    fit = gs.glm(case["formula"], data, family=case["family"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (means over a factor the term interacts with)
        table = fit.emmeans(case["term"], by=case["by"] or None, type=case["type"])
    assert table.to_r().split("\n") == case["lines"]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["emmeans_contrasts"], ids=lambda c: c["id"])
def test_emmeans_comparisons_print_as_r(case, width, key):
    """print.summary_emm of pairs() and contrast(): the contrast, emmeans' name of the estimate (``estimate``,
    ``ratio``, ``odds.ratio``), SE, df, the limits where a level is asked for (summary's ``infer = TRUE``), ``null``
    for ratios, ``z.ratio`` or ``t.ratio`` to 3 decimals and ``p.value`` to 4 (``<.0001``), a block a by group,
    wrapped at the width, then emmeans' notes in its order."""
    if case["data"] == "long":
        data = pd.read_csv(FIXTURES / "wide_tables" / "warpbreaks_long.csv")
        data["tension"] = pd.Categorical(data["tension"], categories=pd.unique(data["tension"]))  # (R's: L, M, H)
    else:
        data = gs.load_dataset("warpbreaks")
    fit = gs.glm(case["formula"], data, family=case["family"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (means over a factor the term interacts with)
        table = fit.emmeans_contrasts(case["term"], case["method"], by=case["by"] or None, type=case["type"],
                                      level=case["level"] or None)
    assert table.to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["emmeans_nonest"], ids=lambda c: c["id"])
def test_emmeans_not_estimable_print_as_r(case, width, key):
    """print.summary_emm of means and comparisons that are not estimable (a cell without rows, its column aliased):
    ``nonEst`` in the estimate's column, ``NA`` in the others."""
    wb = gs.load_dataset("warpbreaks")
    data = wb[~((wb["wool"] == "A") & (wb["tension"] == "H"))]
    fit = gs.glm(case["formula"], data, family=case["family"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        table = (fit.emmeans(case["term"], by=case["by"]) if case["method"] == "means" else
                 fit.emmeans_contrasts(case["term"], case["method"], by=case["by"]))
    assert table.to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["vif"], ids=lambda c: c["id"])
def test_vif_prints_as_car(case, width, key):
    """car::vif's print: the matrix ``GVIF``, ``Df``, ``GVIF^(1/(2*Df))`` where a term has several columns, else the
    named vector of the GVIFs (``print.default``: names and values right-justified to one width, as many a line as
    the width takes)."""
    data = MTCARS.rename(columns={"drat": case["rename"]["drat"], "wt": case["rename"]["wt"]}) if case["rename"] \
        else MTCARS
    fit = gs.glm(case["formula"], data, family=case["family"])
    assert fit.vif().to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["dose_p"], ids=lambda c: c["id"])
def test_dose_p_prints_as_mass(case, width, key):
    """MASS's print.glm.dose: rows ``p = 0.25:`` (``format(p)``, one layout), columns ``Dose`` and ``SE``."""
    fit = gs.glm(case["formula"], MTCARS, family=gs.Binomial(link=case["link"]))
    assert fit.dose_p(case["p"]).to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["step_path"], ids=lambda c: c["id"])
def test_step_path_prints_as_mass(case, width, key):
    """MASS's print.Anova of stepAIC's ``$anova``: ``Stepwise Model Path ``, the initial and final models deparsed
    (on two lines where R's deparse breaks them), rows 1 to n, ``Step`` right-justified, R's column names, 7
    digits, NA blank."""
    fit = gs.glm(case["formula"], MTCARS, family=case["family"])
    chosen = fit.step(direction=case["direction"], scope=case["scope"] or None)
    assert chosen.step_path.to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("width, key", [(80, "lines"), (50, "lines50")])
@pytest.mark.parametrize("case", R["coef_summary"], ids=lambda c: c["id"])
def test_summary_table_prints_as_coef_of_summary(case, width, key):
    """The summary's coefficient table is R's ``print(coef(summary(m)))``: a numeric matrix of 7 digits a column,
    headed ``Estimate``, ``Std. Error``, ``z value`` or ``t value``, ``Pr(>|z|)`` or ``Pr(>|t|)`` (z with a
    dispersion given), an aliased coefficient's row left out, wrapped at the width."""
    data = MTCARS.rename(columns={"drat": R["confint_long"]["rename"]["drat"], "wt": R["confint_long"]["rename"]["wt"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # (the aliased column)
        fit = gs.glm(case["formula"], data, family=case["family"])
    summary = fit.summary(dispersion=case["dispersion"] or None)
    assert summary.table.to_r(width=width).split("\n") == case[key]


@pytest.mark.parametrize("case", R["emmeans_names"], ids=lambda c: f"{c['family']}_{c['link']}_{c['type']}")
def test_emmeans_estimate_is_named_as_r(case):
    """emmeans 1.8's name of the means' column: rate (quasi)Poisson, prob (quasi)binomial, emmean on the link
    scale or with an identity link, response otherwise (a ``log(y)`` response's too)."""
    family = {"poisson": gs.Poisson, "quasipoisson": gs.QuasiPoisson, "binomial": gs.Binomial,
              "quasibinomial": gs.QuasiBinomial, "Gamma": gs.Gamma, "gaussian": gs.Gaussian}[case["family"]]
    fit = gs.glm(case["formula"], gs.load_dataset("warpbreaks"), family=family(link=case["link"]))
    header = fit.emmeans("tension", type=case["type"]).to_r().split("\n")[0].split()
    assert header[1] == case["name"]


def test_names_from_the_data_are_printed_escaped():
    """A column name or factor level with a control character prints escaped (R's encodeString), in every table."""
    data = pd.DataFrame({"y": [1.0, 3.0, 2.0, 5.0, 4.0, 6.0], "x\x1b[2J": [1.0, 2.0, 2.5, 4.0, 5.5, 6.0],
                         "g": ["a\x07", "b", "a\x07", "b", "a\x07", "b"]})
    fit = gs.glm("y ~ `x\x1b[2J` + g", data)
    texts = [fit.vcov.to_r(), fit.conf_int().to_r(), fit.anova(test="F").to_r(), fit.drop1(test="F").to_r(),
             fit.anova(type=2, test="F").to_r(), fit.influence_measures().to_r(), fit.emmeans("g").to_r()]
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize("width", [9, 10001, 80.0, True, "80"])
def test_width_is_r_option_range(width, fit12):
    with pytest.raises(gs.GLMStatError, match="width"):
        fit12.vcov.to_r(width=width)


def test_table_of_text_numbers_and_logicals_prints_as_r_data_frame():
    """A table without a print of its own (average marginal effects, a slice): R's print of a data frame, each
    column formatted on its own, logicals TRUE/FALSE/NA, wrapped at the width (40 here)."""
    case = R["data_frame40"]
    frame = pd.DataFrame(case["columns"], index=[1, 2, 3])
    assert printable_table(frame).to_r(width=40).split("\n") == case["lines"]
