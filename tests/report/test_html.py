"""Every result shows readable text and styled HTML as a notebook cell's value.

The HTML is checked with Python's html.parser: balanced tags, one self-contained block with a stylesheet
scoped to ``.glmstat``, no scripts or external resources, numbers right-aligned, the significance legend and
the ``!`` note when they are used, aliasing listed once, warnings in a titled block of their own.
"""

from __future__ import annotations

import re
import warnings
from html import unescape

import pytest

import glmstat as gs
from conftest import fit_ref, load_data, load_ref
from glmstat.report.display import SIGNIF_LEGEND
from glmstat.report.html import STYLE
from glmstat.report.summary import FLAG_NOTE, format_coef_table
from html_check import check_balanced, table_rows
from markdown_check import shown


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def seed():
    """Separation (the ! marker), an aliased column and two warnings."""
    return quiet(gs.glm, "passed ~ hours + score", gs.load_dataset("students"), family=gs.Binomial())


@pytest.fixture(scope="module")
def birthwt():
    return fit_ref(load_ref("birthwt_logit"))


@pytest.fixture(scope="module")
def results(seed, birthwt):
    """One of each kind of result object, by name."""
    mtcars = load_data("mtcars")
    small, big = (quiet(gs.glm, f, mtcars, family=gs.Binomial()) for f in ("am ~ hp", "am ~ hp + wt"))
    air = quiet(gs.glm, "Ozone ~ Temp + Wind", load_data("airquality"), family=gs.Gamma(link="log"))
    poisson = quiet(gs.glm, "breaks ~ wool + tension", load_data("warpbreaks"), family=gs.Poisson())
    return {
        "fit": birthwt, "summary": birthwt.summary(), "separated summary": seed.summary(),
        "missing rows": air.summary(), "robust": air.robust("HC0").summary(),
        "negative binomial": fit_ref(load_ref("quine_negbin")).summary(),
        "compare": gs.compare(small, big, birthwt), "compare ci": gs.compare(small, big, ci=True, stars=False),
        "lrtest": gs.lrtest(small, big), "overdispersion": poisson.overdispersion(),
    }


NAMES = ["fit", "summary", "separated summary", "missing rows", "robust", "negative binomial", "compare",
         "compare ci", "lrtest", "overdispersion"]


@pytest.mark.parametrize("name", NAMES)
def test_html_is_one_valid_self_contained_block(results, name):
    html = results[name]._repr_html_()
    tags = check_balanced(html)
    assert tags[0] == ("div", {"class": "glmstat", "role": "group", "aria-label": tags[0][1]["aria-label"]})
    assert html.endswith("</div>") and html.count('<div class="glmstat"') == 1
    assert [t for t, _ in tags].count("style") == 1 and f"<style>{STYLE}</style>" in html
    assert not {"script", "link", "img", "iframe", "object", "embed"} & {t for t, _ in tags}
    assert not re.search(r"https?:|url\(|@import|javascript:|\bon\w+=", html)
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)


def test_stylesheet_is_scoped_and_right_aligns_numbers():
    selectors = [sel.strip() for rule in STYLE.split("}") if rule for sel in rule.split("{")[0].split(",")]
    assert selectors and all(sel.startswith(".glmstat") for sel in selectors), selectors
    assert re.search(r"td\.gs-num\{text-align:right;font-family:[^}]*monospace;font-variant-numeric:tabular-nums",
                     STYLE)
    # the host's striped and hovered rows (JupyterLab, VS Code) are overridden
    assert ".glmstat table.gs-table tbody tr:nth-child(odd)" in STYLE


@pytest.mark.parametrize("name", NAMES)
def test_every_result_reads_as_text(results, name):
    obj = results[name]
    text = repr(obj)
    assert text == str(obj) or name == "fit"  # a fit's repr is R's short print, its str the summary
    assert "\n" in text and not text.startswith("<") and "object at 0x" not in text


def test_summary_html_cells_are_the_text_summary_cells(birthwt):
    s = birthwt.summary()
    rows = table_rows(s._repr_html_(), "gs-coef")
    header, cells = format_coef_table(s.table, s.statistic_kind)
    assert [c.text for c in rows[0][1:]] == header
    for row, want, term in zip(rows[1:], cells, s.table.index):
        assert row[0].tag == "th" and row[0].text == term
        assert all("gs-num" in c.classes for c in row[1:5])
        assert [c.text for c in row[1:]] == [w.strip() for w in want]
    assert SIGNIF_LEGEND in unescape(s._repr_html_())


def test_no_legend_without_codes(results):
    html = unescape(results["lrtest"]._repr_html_())
    assert SIGNIF_LEGEND in html  # p = 2.4e-08
    no_codes = gs.lrtest(*(quiet(gs.glm, f, load_data("birthwt"), family=gs.Binomial())
                           for f in ("low ~ age + lwt", "low ~ age + lwt + ftv")))
    assert "Signif. codes" not in no_codes._repr_html_() and "Signif. codes" not in str(no_codes)


def test_the_flag_is_marked_and_explained(seed):
    html = seed.summary()._repr_html_()
    rows = {r[0].text.split()[0]: r for r in table_rows(html, "gs-coef")[1:]}
    assert rows["Intercept"][0].text == "Intercept !" and rows["hours"][0].text == "hours !"
    assert rows["score"][0].text == "score" and [c.text for c in rows["score"][1:]] == ["NA"] * 4
    assert html.count('class="gs-flag"') == 3  # two rows and the note
    assert FLAG_NOTE[1:] in unescape(html)


def test_aliasing_is_listed_once_and_warnings_are_a_titled_block_after_the_statistics(seed):
    s = seed.summary()
    html = unescape(s._repr_html_())
    relation = "score = 50 + 5 * hours"
    for rendering in (html, str(s), shown(s.to_markdown())):  # (Markdown escapes its * as \*)
        assert rendering.count(relation) == 1
    block = html[html.index('<div class="gs-warnings"'):]
    assert html.index('class="gs-table gs-stats"') < html.index('<div class="gs-warnings"')
    assert "Warnings</div>" in block
    assert [li for li in re.findall(r"<li>(.*?)</li>", block)] == list(s.notes) == list(seed.notes)
    for note in seed.notes:
        assert html.count(note) == 1 and str(s).count(note) == 1


def test_a_fit_without_warnings_has_no_warnings_block(birthwt):
    assert '<div class="gs-warnings"' not in birthwt.summary()._repr_html_()
    assert "Warning" not in str(birthwt.summary())


def test_fit_statistics_are_the_text_summary_numbers(results):
    s = results["missing rows"]
    text = str(s)
    stats = {r[0].text: r[1].text for r in table_rows(s._repr_html_(), "gs-stats")}
    assert f"taken to be {stats['Dispersion parameter']})" in text
    assert f"Null deviance: {stats['Null deviance']}  on" in text and f"AIC: {stats['AIC']}" in text
    assert stats["Observations deleted"] == "37" and "(37 observations deleted due to missingness)" in text


def test_full_document_for_a_browser(birthwt):
    page = birthwt.summary().to_html(full_document=True)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and '<meta charset="utf-8">' in page
    check_balanced(page.split("\n", 1)[1])
    assert birthwt.summary()._repr_html_() in page


def test_special_characters_are_escaped():
    import pandas as pd

    d = pd.DataFrame({"y": [1.0, 2.1, 2.9, 4.2, 5.1, 5.8, 7.2], "x<b": [1, 2, 3, 4, 5, 6, 7]})
    html = gs.glm("y ~ `x<b`", d).summary()._repr_html_()
    check_balanced(html)
    assert "x&lt;b" in html and "x<b" not in html
