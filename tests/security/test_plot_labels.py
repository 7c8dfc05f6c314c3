"""Figures draw the labels that come from the data as the text they hold.

A row name, a factor level or a column name (in a term, the formula, a coefficient name) is text from whoever
wrote the data; matplotlib parsed a label holding ``$...$`` as mathtext, so such a label made the figure fail
to draw when it was shown or saved (a ValueError for ``$x^{$``, a RecursionError for nested ``\\sqrt{``) or
showed as another text.  Every figure ``fit.plot()`` returns is drawn here to a PNG.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

pytest.importorskip("matplotlib")

from matplotlib.text import Text  # noqa: E402

NESTED = "$" + "\\sqrt{" * 60 + "x" + "}" * 60 + "$"  # RecursionError in mathtext's layout
BROKEN = "$x^{$"  # mathtext's ParseSyntaxException (a ValueError)
N = 40


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"y": rng.poisson(3.0, N).astype(float), BROKEN: rng.normal(size=N),
                       "g": rng.choice([NESTED, BROKEN, "plain"], N)})
    df.index = [NESTED if i == 0 else BROKEN if i == 1 else f"r{i}" for i in range(N)]
    df.iloc[0, 0] = 25.0  # an outlier, so that the row labels are written next to their points
    df.iloc[1, 0] = 20.0
    return df


@pytest.fixture(scope="module")
def fit():
    return gs.glm(f"y ~ `{BROKEN}` + g", _data(), family=gs.Poisson())


@pytest.mark.parametrize("kind, kwargs", [
    ("diagnostics", {}), ("effects", {"term": "g"}), ("effects", {"term": BROKEN}), ("trace", {}),
    ("halfnormal", {"nsim": 19, "seed": 1}),
], ids=["diagnostics", "effects-factor", "effects-numeric", "trace", "halfnormal"])
def test_a_figure_draws_mathtext_payloads_as_text(fit, kind, kwargs):
    fig = fit.plot(kind, **kwargs)
    fig = getattr(fig, "figure", fig)
    fig.savefig(io.BytesIO(), format="png")  # (raised before, or ran into the recursion limit)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert any("$" in t for t in texts), "the figure should show a label from the data"
    assert all(not t.get_parse_math() for t in fig.findobj(Text))


TEX = r"\input{/etc/hostname}\immediate\write18{touch PWNED}"  # TeX reads a file, runs a command


@pytest.mark.parametrize("kind, kwargs", [
    ("diagnostics", {}), ("effects", {"term": "g"}), ("trace", {}), ("halfnormal", {"nsim": 5, "seed": 1}),
], ids=["diagnostics", "effects-factor", "trace", "halfnormal"])
def test_a_figure_never_hands_a_label_to_tex(kind, kwargs, monkeypatch):
    """With ``text.usetex`` in the caller's matplotlib settings, matplotlib hands every text to LaTeX as it is
    (``set_parse_math(False)`` does not apply): a level ``\\input{/etc/hostname}`` was measured and drawn by
    TeX, the file's text in the figure.  Every text of glmstat's figures is drawn as text."""
    import matplotlib
    import matplotlib.texmanager as texmanager

    handed = []

    def measure(cls, tex, fontsize, renderer=None):  # (no LaTeX needed: what would be typeset is recorded)
        handed.append(tex)
        return 10.0, 10.0, 2.0

    monkeypatch.setattr(texmanager.TexManager, "get_text_width_height_descent", classmethod(measure))
    df = _data()
    df["g"] = np.where(df["g"] == "plain", TEX, df["g"])
    df.index = [TEX if i == 2 else r for i, r in enumerate(df.index)]
    with matplotlib.rc_context({"text.usetex": True}):
        fit = gs.glm("y ~ g", df, family=gs.Poisson())
        fig = fit.plot(kind, **kwargs)
        fig = getattr(fig, "figure", fig)
        fig.savefig(io.BytesIO(), format="png")  # (raised "latex could not be found" where LaTeX is missing)
    assert handed == []
    assert all(not t.get_usetex() for t in fig.findobj(Text))
    if kind == "effects":
        assert any(t.get_text() == TEX for t in fig.findobj(Text))  # (the label is there, as text)
