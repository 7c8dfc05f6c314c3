"""Every pandas table glmstat returns prints safely: a column name, a factor level or a row label holding a
terminal escape (ESC ``[2J`` clears the screen), a carriage return, a newline, BEL or a bidi override
(U+202E) is written as R's ``encodeString`` escape (``\\033``, ``\\r``, ``\\n``, ``\\a``, ``\\u202e``) by the
terminal repr, ``str``, ``to_string``, ``to_markdown``, ``to_html``, the notebook's ``_repr_html_``, ``to_latex``
and ``info`` -- pandas printed them raw -- while the table keeps the exact labels: indexing by the raw label,
values and equality with a plain pandas object are unchanged.
"""

from __future__ import annotations

import io
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from markdown_check import cells, raw_html, shown

H = "h\x1b[2J\u202ex"  # a numeric column: clears the screen, then reverses the rest of the line
Z = "z\x07\r"  # a column add1/step try: a bell and a carriage return
LEVELS = ["a\nb", "c\u202ed", "e\x1b[31m"]  # factor levels: a newline, a bidi override, a colour escape
ROWS = [f"r\x1b]0;t\x07{i}" for i in range(36)]  # row labels: an xterm title escape
# R's encodeString of each (closed form: C escapes, octal for the other C0 controls, \uXXXX for format chars)
ESCAPED = {H: "h\\033[2J\\u202ex", Z: "z\\a\\r", "a\nb": "a\\nb", "c\u202ed": "c\\u202ed",
           "e\x1b[31m": "e\\033[31m", **{r: f"r\\033]0;t\\a{i}" for i, r in enumerate(ROWS)}}


def unprintable(text: str) -> list[str]:
    """The characters a terminal would act on, apart from the line breaks and tabs of the layout."""
    return [c for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def texts(table) -> list[str]:
    """The labels (index, columns or name) and text cells of a table."""
    items = list(table.index) + (list(table.columns) if isinstance(table, pd.DataFrame) else [table.name])
    cells = table.select_dtypes(exclude="number") if isinstance(table, pd.DataFrame) else table.to_frame()
    items += [v for col in cells.columns for v in cells[col].tolist()]
    return [v for v in items if isinstance(v, str)]


def pieces(label: str) -> list[str]:
    """``label`` cut into the hostile names it holds (keys of ESCAPED, row labels) and single characters."""
    out, i = [], 0
    names = sorted(set(ESCAPED) | set(ROWS), key=len, reverse=True)
    while i < len(label):
        k = next((k for k in names if label.startswith(k, i)), label[i])
        out.append(k)
        i += len(k)
    return out


def hostile_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = len(ROWS)
    x, z = rng.normal(size=n), rng.normal(size=n)
    g = np.tile(LEVELS, n // 3)
    y = rng.poisson(np.exp(1 + 0.3 * x + 0.2 * (g == LEVELS[1])))
    return pd.DataFrame({"y": y, H: x, Z: z, "g": g}, index=ROWS)


@pytest.fixture(scope="module")
def fits():
    d = hostile_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = gs.glm(f"y ~ `{H}` + g", d, family=gs.Poisson())
        small = gs.glm("y ~ g", d, family=gs.Poisson())
        stepped = gs.glm(f"y ~ `{H}` + g + `{Z}`", d, family=gs.Poisson()).step()
    return full, small, stepped, d


B = f"`{H}`"  # the coefficient of the hostile column
TABLES = {  # name: (table of the fits, a label of it to index by)
    "coef": (lambda f, s, st, d: f.coef, B),
    "params": (lambda f, s, st, d: f.params, B),
    "std_errors": (lambda f, s, st, d: f.std_errors, B),
    "statistic": (lambda f, s, st, d: f.statistic, B),
    "p_values": (lambda f, s, st, d: f.p_values, B),
    "vcov": (lambda f, s, st, d: f.vcov, B),
    "conf_int": (lambda f, s, st, d: f.conf_int(), B),
    "conf_int-parm": (lambda f, s, st, d: f.conf_int(parm=[B]), B),
    "conf_int-profile": (lambda f, s, st, d: f.conf_int(method="profile"), B),
    "tidy": (lambda f, s, st, d: f.tidy().set_index("term"), B),
    "tidy-term-column": (lambda f, s, st, d: f.tidy(), 1),
    "anova": (lambda f, s, st, d: f.anova(), B),
    "anova-type2": (lambda f, s, st, d: f.anova(type=2), B),
    "anova-type3-wald": (lambda f, s, st, d: f.anova(type=3, test="Wald"), B),
    "anova-models": (lambda f, s, st, d: gs.anova(s, f), 1),
    "drop1": (lambda f, s, st, d: f.drop1(test="Chisq"), B),
    "add1": (lambda f, s, st, d: f.add1(f"~ . + `{Z}`", test="Chisq"), f"`{Z}`"),
    "step_path": (lambda f, s, st, d: st.step_path, 1),
    "vif": (lambda f, s, st, d: f.vif(), B),
    "emmeans": (lambda f, s, st, d: f.emmeans("g"), LEVELS[1]),
    "emmeans_pairs": (lambda f, s, st, d: f.emmeans_pairs("g"), 0),
    "marginal_effects": (lambda f, s, st, d: f.average_marginal_effects(), 0),
    "trace": (lambda f, s, st, d: f.trace, 0),
    "trace_fitted": (lambda f, s, st, d: f.trace_fitted, ROWS[0]),
    "fitted_values": (lambda f, s, st, d: f.fitted_values, ROWS[0]),
    "linear_predictor": (lambda f, s, st, d: f.linear_predictor, ROWS[0]),
    "residuals": (lambda f, s, st, d: f.residuals("pearson"), ROWS[0]),
    "residuals-quantile": (lambda f, s, st, d: f.residuals("quantile", seed=1), ROWS[0]),
    "hat_values": (lambda f, s, st, d: f.hat_values(), ROWS[0]),
    "cooks_distance": (lambda f, s, st, d: f.cooks_distance(), ROWS[0]),
    "std_residuals": (lambda f, s, st, d: f.std_residuals(), ROWS[0]),
    "augment": (lambda f, s, st, d: f.augment(), ROWS[0]),
    "influence_summary": (lambda f, s, st, d: f.influence_summary(), None),
    "dfbeta": (lambda f, s, st, d: f.dfbeta(), ROWS[0]),
    "dfbetas": (lambda f, s, st, d: f.dfbetas(), ROWS[0]),
    "model_matrix": (lambda f, s, st, d: f.model_matrix(), ROWS[0]),
    "model_matrix-newdata": (lambda f, s, st, d: f.model_matrix(d), ROWS[0]),
    "predict": (lambda f, s, st, d: f.predict(d), ROWS[0]),
    "predict-se": (lambda f, s, st, d: f.predict(d, se_fit=True, interval="confidence"), ROWS[0]),
    "glance": (lambda f, s, st, d: f.glance(), 0),
    "simulate": (lambda f, s, st, d: f.simulate(2, seed=1), ROWS[0]),
    "robust-coef": (lambda f, s, st, d: f.robust().std_errors, B),
    "wald_test": (lambda f, s, st, d: f.wald_test([f"{B} = 0"]).to_frame(), 0),
    "wald_test-matrix": (lambda f, s, st, d: f.wald_test([f"{B} = 0"]).matrix, 0),
    "lrtest": (lambda f, s, st, d: gs.lrtest(s, f).to_frame(), 0),
    "compare-estimates": (lambda f, s, st, d: gs.compare(s, f).estimates, B),
    "compare-present": (lambda f, s, st, d: gs.compare(s, f).present, B),
    "compare-to_frame": (lambda f, s, st, d: gs.compare(s, f).to_frame(), 1),
    "summary-table": (lambda f, s, st, d: f.summary().table, B),
}

#: tables of numbers by model or statistic, whose rows and columns name nothing from the data
NO_HOSTILE_LABEL = {"anova-models", "glance"}


def renderings(table) -> dict[str, str]:
    out = {"repr": repr(table), "str": str(table), "to_string": table.to_string(), "to_markdown": table.to_markdown()}
    if isinstance(table, pd.DataFrame):
        out["_repr_html_"] = table._repr_html_()
        out["to_html"] = table.to_html()
        buf = io.StringIO()
        table.info(buf=buf)
        out["info"] = buf.getvalue()
    else:
        out["to_frame"] = repr(table.to_frame())
    return out


@pytest.mark.parametrize("name", list(TABLES))
def test_table_prints_hostile_labels_escaped(fits, name):
    call, label = TABLES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = call(*fits)
    assert isinstance(table, (pd.DataFrame, pd.Series))
    shown = renderings(table)
    for how, text in shown.items():
        assert not unprintable(text), f"{name}: {how} writes {unprintable(text)!r}"
    hostile = [v for v in texts(table) if unprintable(v) or "\n" in v]
    assert hostile or name in NO_HOSTILE_LABEL, f"{name}: no hostile label in the table"  # (not vacuous)
    for v in hostile:
        escaped = "".join(ESCAPED.get(k, k) for k in pieces(v))
        assert escaped in shown["to_string"], f"{name}: {escaped!r} not in to_string()"


@pytest.mark.parametrize("name", [n for n, (_, label) in TABLES.items() if label is not None])
def test_table_keeps_its_exact_labels_and_values(fits, name):
    call, label = TABLES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = call(*fits)
    plain = pd.DataFrame(table) if isinstance(table, pd.DataFrame) else pd.Series(table)
    assert type(plain) in (pd.DataFrame, pd.Series)
    assert table.equals(plain) and plain.equals(table)
    assert list(table.index) == list(plain.index)
    if isinstance(label, str):
        got, want = table.loc[label], plain.loc[label]
    else:
        got, want = table.iloc[label], plain.iloc[label]
    if isinstance(want, pd.Series):
        pd.testing.assert_series_equal(pd.Series(got), want)
        assert ESCAPED.get(label, "\0") not in list(table.index)  # the index holds the raw label, not its escape
    else:
        assert got == want or (pd.isna(got) and pd.isna(want))


def test_results_of_operations_on_a_table_print_safely(fits):
    f = fits[0]
    for derived in (f.coef * 2, f.conf_int()["lower"], f.vcov.loc[[B]], f.anova().T, f.coef.to_frame(),
                    f.conf_int().iloc[1:], f.coef - f.coef):
        assert not unprintable(repr(derived)) and "h\\033[2J\\u202ex" in repr(derived)
    assert f.conf_int().loc[B, "lower"] < f.coef[B] < f.conf_int().loc[B, "upper"]


def test_printing_changes_nothing_in_pandas(fits):
    before = pd.get_option("display.max_rows"), repr(pd.Series([1], index=[H]))
    repr(fits[0].anova())
    assert (pd.get_option("display.max_rows"), repr(pd.Series([1], index=[H]))) == before
    assert "\x1b" in before[1]  # a plain pandas Series still prints as pandas does


# -- Markdown: labels from the data are text, not markup ------------------------------------------------------
MARKUP_X = "x<img src=x onerror=alert(1)>"  # a numeric column: a live tag where Markdown passes HTML through
MARKUP_LEVELS = ["a|b", "[c](javascript:alert(1))", "*d*_`e`"]  # a cell boundary, a link, emphasis and code
MARKUP_ROWS = [f"<script>{i}</script>" for i in range(30)]


@pytest.fixture(scope="module")
def markup_fit():
    rng = np.random.default_rng(11)
    n = len(MARKUP_ROWS)
    d = pd.DataFrame({"y": rng.poisson(3, n), MARKUP_X: rng.normal(size=n), "g": np.tile(MARKUP_LEVELS, n // 3)},
                     index=MARKUP_ROWS)
    return gs.glm(f"y ~ `{MARKUP_X}` + g", d, family=gs.Poisson()), d


MARKDOWN_TABLES = {
    "coef": lambda f, d: f.coef,
    "conf_int": lambda f, d: f.conf_int(),
    "tidy": lambda f, d: f.tidy(),
    "anova": lambda f, d: f.anova(),
    "drop1": lambda f, d: f.drop1(),
    "vif": lambda f, d: f.vif(),
    "emmeans": lambda f, d: f.emmeans("g"),
    "emmeans_pairs": lambda f, d: f.emmeans_pairs("g"),
    "marginal_effects": lambda f, d: f.average_marginal_effects(),
    "augment": lambda f, d: f.augment(),
    "predict": lambda f, d: f.predict(d),
}


@pytest.mark.parametrize("name", list(MARKDOWN_TABLES))
def test_to_markdown_writes_labels_from_the_data_as_text(markup_fit, name):
    """pandas' to_markdown writes labels as they are: a level ``[c](javascript:alert(1))`` was a live link, a
    column ``x<img ...>`` a live tag, ``a|b`` split its row; every table glmstat returns writes them as
    Markdown text (what a reader sees is the label, CommonMark's rules as tests/markdown_check.py reads them)."""
    table = MARKDOWN_TABLES[name](*markup_fit)
    md = table.to_markdown()
    assert raw_html(md) == [], f"{name}: raw HTML {raw_html(md)}"
    assert "](" not in md.replace("\\](", ""), f"{name}: a link"
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len({len(cells(r)) for r in rows}) == 1, f"{name}: a '|' of the data splits a cell"
    seen = shown(md)
    hostile = [t for t in texts(table) if any(c in t for c in "<[|*`")]
    assert hostile, f"{name}: no label with markup in the table"  # (not vacuous)
    for t in hostile:
        assert t in seen, f"{name}: {t!r} is not shown as written"


# -- pandas' Styler: labels from the data are HTML text --------------------------------------------------------
STYLED_TABLES = {k: MARKDOWN_TABLES[k] for k in ("conf_int", "tidy", "anova", "drop1", "augment")}


@pytest.mark.parametrize("name", list(STYLED_TABLES))
def test_style_writes_labels_from_the_data_as_html_text(markup_fit, name):
    """pandas' Styler writes labels, index names and text cells as HTML unless told otherwise: ``table.style``
    in a notebook ran the tag of a level ``<img src=x onerror=alert(1)>`` or a row ``<script>0</script>``.  A
    table's ``style`` writes them as text, escaped as its other renderings, and still takes Styler's methods."""
    pytest.importorskip("jinja2")
    from html_check import check_balanced

    table = STYLED_TABLES[name](*markup_fit)
    page = table.style.format(precision=3).to_html()
    tags = {tag for tag, _ in check_balanced(page)}
    assert tags <= {"style", "table", "thead", "tbody", "tr", "th", "td"}, f"{name}: {tags}"
    hostile = [t for t in texts(table) if "<" in t]
    assert hostile, f"{name}: no label with markup in the table"  # (not vacuous)
    import html
    for t in hostile:
        assert html.escape(t, quote=False) in page or html.escape(t) in page, f"{name}: {t!r} is not shown as written"


def test_style_escapes_an_index_name_a_tuple_label_and_terminal_escapes():
    pytest.importorskip("jinja2")
    rng = np.random.default_rng(2)
    name = "g<svg onload=alert(3)>"
    d = pd.DataFrame({"y": rng.poisson(3, 30), name: np.tile(["a\x1b[2J", "<b>b", "c"], 10)})
    fit = gs.glm(f"y ~ `{name}`", d, family=gs.Poisson())
    page = fit.emmeans(name).style.format_index(str.upper).to_html()
    assert "<svg" not in page and "<b>" not in page and "\x1b" not in page
    assert "g&lt;svg onload=alert(3)&gt;" in page and "A\\033[2J" in page and "&LT;B&GT;B" in page
    rows = pd.Index([("<i>r", k) for k in range(30)], tupleize_cols=False)  # (labels that are not strings)
    page = fit.augment().set_axis(rows).style.to_html()
    assert "<i>" not in page and "(&#x27;&lt;i&gt;r&#x27;, 0)" in page


def test_a_row_of_a_table_with_a_multiindex_prints_its_name_escaped(fits):
    """A row of ``emmeans("a:b")`` is a Series named by a tuple of levels; pandas printed the tuple's strings
    raw (a colour escape of a level reached the terminal from ``table.iloc[0]``)."""
    d = fits[3].assign(h=np.tile(["p\x1b[2J", "q"], len(ROWS) // 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = gs.glm("y ~ g * h", d, family=gs.Poisson()).emmeans("g:h")
    row = table.iloc[0]
    assert row.name == (LEVELS[0], "p\x1b[2J")  # the exact levels, for indexing
    for text in (repr(row), str(row), row.to_string(), repr(row.to_frame())):
        assert not unprintable(text), unprintable(text)
    assert "a\\nb, p\\033[2J" in repr(row)


@pytest.mark.parametrize("name", list(STYLED_TABLES))
def test_to_html_without_escaping_still_writes_labels_from_the_data_as_text(markup_fit, name):
    """``to_html(escape=False)`` is asked for the caller's own markup (what its formatters write); it wrote the
    labels and text cells of the data raw too, so a level ``<img src=x onerror=alert(1)>`` ran as a tag."""
    from html_check import check_balanced

    table = MARKDOWN_TABLES[name](*markup_fit)
    number = next(c for c in table.columns if pd.api.types.is_float_dtype(table[c]))
    page = table.to_html(escape=False, formatters={number: lambda v: f"<b>{v:.3f}</b>"})
    tags = {tag for tag, _ in check_balanced(page)}
    assert tags == {"table", "thead", "tbody", "tr", "th", "td", "b"}, f"{name}: {tags}"  # (the caller's <b>)
    hostile = [t for t in texts(table) if "<" in t]
    assert hostile, f"{name}: no label with markup in the table"  # (not vacuous)
    import html
    for t in hostile:
        assert html.escape(t) in page, f"{name}: {t!r} is not shown as written"
    assert table.to_html(escape=False, columns=[number]).count("<td>") == len(table)  # (by the raw label)
