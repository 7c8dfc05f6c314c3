"""How a factor becomes design columns: R's contrast matrices and R's choice between contrasts and indicators.

Contrasts (``stats::contr.*``), for a factor with levels l_1..l_L, an L x (L - 1) matrix whose row i codes a
row with level l_i:

* treatment: the identity without its first column (first level the reference); columns ``g[T.l_j]``;
* sum: the identity without its last column, last row all -1; columns ``g[S.l_j]``;
* helmert: column j is -1 for the first j levels, j for level j + 1, 0 after; columns ``g[H.l_{j+1}]``;
* poly (R's default for ordered factors): orthonormal polynomials in the scores 1..L, from the QR of their
  powers; columns ``g[.L]``, ``g[.Q]``, ``g[.C]``, ``g[^4]``, ...

Indicators: the L x L identity, columns ``g[l_j]``.

Which one a factor gets in a term is R's rule (``TermCode`` in R's ``model.c``): contrasts when the term
without that factor is empty or is contained in an earlier term, otherwise indicators; in a model without an
intercept the first factor of the first term that has one gets indicators.  For main effects this is plain
contrasts; it differs where margins are missing (``y ~ a:b`` codes ``b`` by indicators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..once import once
from .values import label_text

__all__ = ["FactorCoding", "coding_of", "term_codings"]


@dataclass(frozen=True, eq=False)
class FactorCoding:
    """A factor's columns in a term: ``matrix`` (L x k) maps each level to its k column values.  The
    matrix and the column suffixes are made on first use: a factor kept as codes never needs them."""

    levels: tuple
    kind: str  # "treatment", "sum", "helmert", "poly" or "indicator"

    @property
    def n_columns(self) -> int:
        L = len(self.levels)
        return L if self.kind == "indicator" else max(L - 1, 0)

    @property
    def is_indicator_like(self) -> bool:
        """Every level's row is a unit vector or zero (treatment or indicators): storable as codes."""
        return self.kind in ("treatment", "indicator")

    @once
    def matrix(self) -> np.ndarray:
        return _matrix(self.kind, len(self.levels))

    @once
    def suffixes(self) -> tuple[str, ...]:
        text = [label_text(v) for v in self.levels]
        return {"indicator": lambda: tuple(text), "treatment": lambda: tuple(f"T.{t}" for t in text[1:]),
                "sum": lambda: tuple(f"S.{t}" for t in text[:-1]), "helmert": lambda: tuple(f"H.{t}" for t in text[1:]),
                "poly": lambda: _poly_names(len(text))}[self.kind]()


def _poly(n: int) -> np.ndarray:
    scores = np.arange(1.0, n + 1)
    y = scores - scores.mean()
    X = np.vander(y, n, increasing=True)
    q, r = np.linalg.qr(X)
    raw = q * np.diag(r)
    Z = raw / np.sqrt(np.sum(raw ** 2, axis=0))
    return Z[:, 1:]


def _poly_names(n: int) -> tuple[str, ...]:
    names = [".L", ".Q", ".C"] + [f"^{j}" for j in range(4, n)]
    return tuple(names[: n - 1])


def _matrix(kind: str, L: int) -> np.ndarray:
    if kind == "indicator":
        return np.eye(L)
    if kind == "treatment":
        return np.eye(L)[:, 1:]
    if kind == "sum":
        return np.vstack([np.eye(L - 1), -np.ones((1, L - 1))]) if L > 1 else np.zeros((L, 0))
    if kind == "helmert":
        M = np.zeros((L, max(L - 1, 0)))
        for j in range(1, L):
            M[:j, j - 1] = -1.0
            M[j, j - 1] = float(j)
        return M
    if kind == "poly":
        return _poly(L) if L > 1 else np.zeros((L, 0))
    raise ValueError(f"unknown contrasts {kind!r}")


def coding_of(levels: Sequence, kind: str) -> FactorCoding:
    """The coding of a factor with ``levels`` by ``kind`` (a contrast name or ``"indicator"``)."""
    if kind not in ("indicator", "treatment", "sum", "helmert", "poly"):
        raise ValueError(f"unknown contrasts {kind!r}")
    return FactorCoding(tuple(levels), kind)


def term_codings(terms: Sequence[Sequence[object]], is_factor: Sequence[bool], intercept: bool,
                 variable_index: dict) -> list[tuple[bool | None, ...]]:
    """For every term and each of its variables: True (contrasts), False (indicators) or None (numeric).

    ``variable_index`` maps a variable to its position in ``is_factor``.
    """
    if not any(is_factor):  # every variable numeric: nothing to choose
        return [(None,) * len(term) for term in terms]
    out: list[tuple[bool | None, ...]] = []
    earlier: list[frozenset] = []
    indicator_given = intercept
    for term in terms:
        names = frozenset(term)
        codes: list[bool | None] = []
        for v in term:
            if not is_factor[variable_index[v]]:
                codes.append(None)
                continue
            rest = names - {v}
            contrasts = not rest or any(rest <= t for t in earlier)
            if not indicator_given:  # no intercept: the first factor met keeps all its levels
                contrasts, indicator_given = False, True
            codes.append(contrasts)
        earlier.append(names)
        out.append(tuple(codes))
    return out
