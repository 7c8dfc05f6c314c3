"""Nesting read off a model's terms, as emmeans' ``.find_nests`` reads it off R's ``terms`` "factors" matrix.

R codes each variable v of a term t 1 when t without v lies within an earlier term (v coded by contrasts), else 2
(by indicators); a main effect is coded 1.  A grid variable that is no main effect of the model (B in ``A/B`` =
``A + A:B``) is nested in the variables coded 2 in the terms where it is coded 1 (A in A:B) -- or, where it is
coded 1 nowhere (``A + A:B:C + C``), in the other variables coded 2 where it is coded 2 -- the terms' sets
stripped of their supersets first.  B's labels may well be crossed with A's in the data (b1 within a1 and within
a2): the formula says they are different levels all the same, and emmeans then gives B's means within each level
of A, never averaged over A.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..formula.deparse import deparse
from .fit_access import structure

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["term_nesting"]


def _codes(terms: Sequence[frozenset[str]]) -> list[dict[str, int]]:
    """R's "factors" codes of each term's variables: 1 when the term without the variable lies within an earlier
    term (or the term is that variable alone), else 2 (R's ``TermCode``)."""
    out = []
    for k, term in enumerate(terms):
        out.append({v: 1 if len(term) == 1 or any(term - {v} <= t for t in terms[:k]) else 2 for v in term})
    return out


def _strip_supersets(sets: list[list[str]]) -> list[str]:
    """emmeans' ``.strip.supersets``: drop each set holding a shorter one (by length, later ones first), and the
    union of the rest, in order."""
    sets = sorted(sets, key=len)
    for i in range(len(sets) - 1, 0, -1):
        if any(set(s) <= set(sets[i]) for s in sets[:i]):
            del sets[i]
    return list(dict.fromkeys(v for s in sets for v in s))


def term_nesting(fit: "GLMResults", spellings: Sequence[Sequence[str]]) -> dict[int, list[int]]:
    """The grid variables the model's terms nest (see the module docstring), for the variables of more than one
    value on the grid given by the names they may be read by (``spellings[a]`` for variable ``a``): {a: [its
    parents]}, by position in ``spellings``."""
    of = {s: a for a, names in enumerate(spellings) for s in names}
    terms = [frozenset(deparse(node) for node in nodes) for nodes in structure(fit).variables]
    codes = _codes(terms)
    main = {of[next(iter(t))] for t in terms if len(t) == 1 and next(iter(t)) in of}
    nested: dict[int, list[int]] = {}
    for a in range(len(spellings)):
        if a in main:
            continue
        mine = [(c, n) for c in codes for n in c if of.get(n) == a]  # (the terms holding it, by any spelling)
        pfac = [c for c, n in mine if c[n] == 1]
        if not pfac:  # (coded 1 nowhere: the terms where it is coded 2, it counted as 1 there)
            pfac = [{**c, n: 1} for c, n in mine]
        # (in the grid's order of the variables, as R's rows of the factors matrix)
        sets = [sorted({of[v] for v, code in c.items() if code == 2 and v in of and of[v] != a}) for c in pfac]
        parents = _strip_supersets(sets) if len(sets) > 1 else (sets[0] if sets else [])
        if parents:
            nested[a] = list(dict.fromkeys(parents))
    return nested
