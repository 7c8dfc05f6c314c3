"""Every ``to_latex()`` writes names from the data as literal text, never as TeX.

A ``.tex`` file is a program: compiled, ``\\input{/etc/passwd}`` reads a file and ``\\immediate\\write18{...}``
runs a shell command (with shell escape on).  TeX reads ``^^5c`` as a backslash before it sees any command, so
a column named ``x^^5cinput{/etc/passwd}`` is ``x\\input{/etc/passwd}`` unless every ``^`` is escaped; pandas'
``to_latex`` escapes nothing by default, and ``fit.coef.to_latex()`` wrote that name as it is.  Every LaTeX
output -- the tables' (pandas'), the summary's and ``compare()``'s (tabulate's) -- now escapes its labels,
cells, headings and captions with one escaper, :func:`glmstat.report.latex.text`; so does the ``to_latex()`` of a
table's ``style`` (pandas' Styler, whose data are the table's HTML text: it wrote ``^^5cinput`` as it is), whose
``to_typst()`` is refused (Typst's markup runs what follows a ``#``, and glmstat has no escaper for it).
"""

from __future__ import annotations

import re
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.report import latex as L

# a column and a factor level: TeX's ^^ notation for a backslash, every other special character, a plain
# backslash command, a terminal escape and a bidi override
EVIL = "x^^5cinput{/etc/passwd}^^5cimmediate^^5cwrite18{touch PWNED}~%$#&_\\def\\a{}<>\x1b[2J\u202e"
LEVEL = "b^^5cinput{/etc/shadow}~"
SPECIAL = set("\\{}$&#^_%~<>|")


def hostile_data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    return pd.DataFrame({"y": rng.poisson(3, size=n), EVIL: rng.normal(size=n),
                         "g": np.tile(["a", LEVEL, "c"], n // 3)})


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm("y ~ .", hostile_data(), family=gs.Poisson())


OUTPUTS = {  # name: the LaTeX of one output of the fit
    "coef": lambda f: f.coef.to_latex(),
    "std_errors": lambda f: f.std_errors.to_latex(),
    "vcov": lambda f: f.vcov.to_latex(),
    "model_matrix": lambda f: f.model_matrix().to_latex(),
    "conf_int": lambda f: f.conf_int().to_latex(),
    "tidy": lambda f: f.tidy().to_latex(),
    "anova": lambda f: f.anova().to_latex(),
    "drop1": lambda f: f.drop1(test="Chisq").to_latex(),
    "emmeans": lambda f: f.emmeans("g").to_latex(),
    "emmeans_pairs": lambda f: f.emmeans_pairs("g").to_latex(),
    "summary": lambda f: f.summary().to_latex(),
    "summary-table": lambda f: f.summary().table.to_latex(),
    "compare": lambda f: gs.compare(f, names=[LEVEL]).to_latex(),
    "compare-to_frame": lambda f: gs.compare(f, names=[LEVEL]).to_frame().to_latex(),
    "coef-caption": lambda f: f.coef.to_latex(caption=EVIL),
    "conf_int-caption-pair-headings": lambda f: f.conf_int().to_latex(caption=(EVIL, LEVEL), header=[EVIL, LEVEL]),
    # pandas' Styler of a table (its HTML for notebooks) wrote its HTML text as LaTeX: ^^5c and the & of entities raw
    "emmeans-style": lambda f: f.emmeans("g").style.format(precision=3).to_latex(),
    "tidy-style": lambda f: f.tidy().style.hide(axis="index").to_latex(),
    "conf_int-style": lambda f: f.conf_int().style.to_latex(),
}


def unescaped(tex: str) -> list[str]:
    """The special characters of ``tex`` that no escape of :func:`L.text` accounts for, outside the LaTeX
    that pandas and tabulate write themselves (``\\begin{tabular}{lr}``, ``\\toprule``, ``&``, ``\\\\``...)."""
    rest = tex
    for escape in sorted(set(L._ESCAPES.values()), key=len, reverse=True):
        rest = rest.replace(escape, "")
    rest = re.sub(r"\\(begin|end)\{(tabular|table)\}(\{[lrc]*\})?|\\(toprule|midrule|bottomrule)"
                  r"|\\multicolumn\{\d+\}\{l\}\{\\footnotesize|\\caption(\[[^\]\\{}]*\])?\{|\\\\", "", rest)
    rest = rest.replace("&", "")  # (the cell separators; the data's are \& and removed above)
    return sorted(c for c in set(rest) if c in SPECIAL - {"{", "}"})


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_latex_writes_hostile_names_as_text(fit, name):
    pytest.importorskip("jinja2")  # (pandas' to_latex, under the tables' to_latex, needs it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tex = OUTPUTS[name](fit)
    assert "^^" not in tex and "~" not in tex  # TeX's ^^5c backslash, an active ~ (was: written as they are)
    for command in ("\\input", "\\immediate", "\\write18", "\\def"):
        assert command not in tex, f"{name}: {command} reaches the .tex"
    assert not [c for c in tex if c not in "\n" and unicodedata.category(c) in ("Cc", "Cf")]
    assert unescaped(tex) == [], f"{name}: {unescaped(tex)} unescaped in {tex}"
    assert "5cinput" in tex  # (a hostile label is there, escaped: not vacuous)


def test_the_escaper_escapes_every_tex_special_character():
    out = L.text("\\{}$&#^_%~<>|")  # (a backslash is doubled first, as R's encodeString writes it)
    assert out == (r"\textbackslash{}\textbackslash{}\{\}\$\&\#\^{}\_\%\textasciitilde{}\ensuremath{<}\ensuremath{>}"
                   r"\textbar{}")
    assert L.text("a\x1b[2J\u202e") == r"a\textbackslash{}033[2J\textbackslash{}u202e"  # R's escapes, escaped
    assert L.text("plain name.1 (x)") == "plain name.1 (x)"


def test_a_table_still_writes_what_pandas_is_asked_for(fit):
    """``columns`` selects by the raw labels and ``formatters`` are keyed by them; ``escape=True`` does not
    escape twice."""
    pytest.importorskip("jinja2")
    table = fit.conf_int()
    tex = table.to_latex(columns=["lower"], formatters={"lower": lambda v: "LOW"})
    assert tex.count("LOW") == len(table) and "upper" not in tex
    assert fit.coef.to_latex(escape=True) == fit.coef.to_latex()


def test_labels_and_cells_that_are_not_strings_are_written_as_escaped_text():
    """A row label of the data may be a tuple or bytes, which pandas writes as its ``str()``: escaped too."""
    pytest.importorskip("jinja2")
    from glmstat.report.tables import Table

    table = Table(pd.DataFrame({"a": [1.5, np.nan], "b": [("x^^5cinput{f}", 1), b"^^5cdef"]},
                               index=pd.Index([("r^^5cinput{g}", 1), 3], dtype=object)))
    tex = table.to_latex()
    assert "^^" not in tex and unescaped(tex) == []
    assert r"('r\^{}\^{}5cinput\{g\}', 1)" in tex and "1.500000" in tex and "NaN" in tex


def test_a_styled_table_writes_text_and_refuses_typst(fit):
    pytest.importorskip("jinja2")
    styler = fit.emmeans("g").style.format(precision=2).set_caption("means")
    tex = styler.to_latex()
    assert r"\caption{means}" in tex and "5cinput" in tex and "^^" not in tex  # (the caption and format kept)
    assert re.search(r"^a & \d+\.\d\d & ", tex, re.M), tex
    text = styler.to_string()
    assert LEVEL in text and "&" not in text.replace(LEVEL, "")  # (the level as written, no HTML entity)
    with pytest.raises(gs.GLMStatError, match="Typst"):
        styler.to_typst()
