"""The "did you mean" of a refusal costs bounded work, whatever names the data and the formula hold.

difflib's similarity ratio is quadratic in the two names' lengths: a formula naming an unknown column of
19,000 characters in data whose 100 columns have names as long spent 16 s in difflib to build the error
message, and 5,000 columns of 100 characters over a two-letter alphabet 17 s.  Every suggestion now goes through
``glmstat._suggest.close_matches``: no suggestion for a name longer than ``MAX_NAME``, and the candidates
nearest in length compared until ``BUDGET`` (the sum of the products of the lengths) is spent.
"""

from __future__ import annotations

import difflib
import random

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

N = 12


def _work(monkeypatch) -> list[int]:
    """Record len(a) * len(b) of every pair difflib's SequenceMatcher compares, through glmstat's suggestion."""
    spent: list[int] = []
    real = difflib.SequenceMatcher.set_seq1

    def counting(self, a):
        spent.append(len(a) * len(self.b or ""))
        return real(self, a)

    # (every comparison sets the candidate as the first sequence, against the unknown name)
    monkeypatch.setattr(difflib.SequenceMatcher, "set_seq1", counting)
    return spent


def _long_names() -> tuple[pd.DataFrame, str]:
    codes = np.random.default_rng(0).integers(0x4E00, 0x4E00 + 6000, size=(101, 19_000))  # CJK ideographs
    names = ["".join(map(chr, row)) for row in codes]
    return pd.DataFrame({"y": np.arange(N, dtype=float), **{c: np.zeros(N) for c in names[1:]}}), names[0]


def _look_alikes() -> tuple[pd.DataFrame, str]:
    rng = random.Random(1)
    key = "".join(rng.choice("ab") for _ in range(100))
    cols = {"".join(rng.sample(key, len(key))): np.zeros(N) for _ in range(5000)}
    return pd.DataFrame({"y": np.arange(N, dtype=float), **cols}), key


@pytest.mark.parametrize("build", [_long_names, _look_alikes], ids=["19k-character-names", "5000-look-alikes"])
def test_an_unknown_column_is_refused_with_bounded_suggestion_work(monkeypatch, build):
    from glmstat import _suggest

    data, unknown = build()
    spent = _work(monkeypatch)
    with pytest.raises(gs.FormulaError, match="not a column of the data"):
        gs.glm(f"y ~ `{unknown}`", data)
    assert sum(spent) <= _suggest.BUDGET  # (the comparisons that took 16 and 17 s before the budget)


def test_a_suggestion_is_still_made_for_names_people_type(monkeypatch):
    d = pd.DataFrame({"y": np.arange(N, dtype=float), "income": np.zeros(N), "age": np.zeros(N)})
    with pytest.raises(gs.FormulaError, match="did you mean 'income'"):
        gs.glm("y ~ incme", d)
    fit = gs.glm("y ~ income", d.assign(income=np.arange(N) % 3))
    with pytest.raises(gs.GLMStatError, match="did you mean 'income'"):
        fit.wald_test("incom = 0")
    with pytest.raises(gs.DataError, match="did you mean 'income'"):
        gs.glm("y ~ age", d, weights="incme")


def test_close_matches_bounds():
    from glmstat import _suggest

    assert _suggest.close_matches("x" * (_suggest.MAX_NAME + 1), ["x" * (_suggest.MAX_NAME + 1)]) == []
    assert _suggest.close_matches("abc", ["abd", "x" * 10_000, 3, None]) == ["abd"]
    many = [f"name{i:05d}" for i in range(100_000)]  # more than the budget compares: a match is still found
    assert _suggest.close_matches("name00001", many, n=1) == ["name00001"]


@pytest.mark.parametrize("formula, suggested", [
    ("y ~ X", "did you mean 'x'"),  # (one letter in the other case: difflib's ratio was 0, no suggestion)
    ("y ~ INCOME", "did you mean 'income'"),
    ("y ~ x + Log(x)", r"did you mean log\(\)"),  # (a function: R's names are lower case)
])
def test_a_name_that_differs_in_case_only_is_suggested(monkeypatch, formula, suggested):
    d = pd.DataFrame({"y": np.arange(N, dtype=float), "income": np.arange(N) % 3, "x": np.arange(N) % 4})
    spent = _work(monkeypatch)
    with pytest.raises(gs.FormulaError, match=suggested):
        gs.glm(formula, d)
    assert spent  # (the comparisons counted, as the bounded-work test counts them)
