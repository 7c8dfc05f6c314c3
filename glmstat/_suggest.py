"""The "did you mean" of an error: close matches of an unknown name, found in bounded time.

The unknown name and the candidates (the data's columns, the model's coefficients) may come from someone else,
and difflib's similarity ratio takes time quadratic in the two lengths: an unknown name of 19,000 characters
against 100 columns of as many took 16 s, and 5,000 columns of 100 characters over a two-letter alphabet
17 s, to build an error message.  So a name longer than :data:`MAX_NAME` gets no suggestion, and the
candidates compared are the ones nearest the name in length until :data:`BUDGET` (the sum of the products
of the two lengths) is spent: a refusal stays fast (a fraction of a second at worst) whatever the input.
"""

from __future__ import annotations

import difflib
import heapq
from typing import Iterable

__all__ = ["close_matches", "MAX_NAME", "BUDGET"]

#: Longest name, unknown or candidate, that a suggestion compares (a typo hint is for names people type).
MAX_NAME = 100
#: Work of one suggestion: the sum over the candidates compared of len(name) * len(candidate).
BUDGET = 500_000


def close_matches(name: object, candidates: Iterable[object], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """difflib's ``get_close_matches(name, candidates, n, cutoff)``, without regard to case, within the bounds of
    the module docstring.

    Parameters
    ----------
    name : object
        The unknown name; anything but a string of 1 to ``MAX_NAME`` characters gets no suggestion.
    candidates : iterable
        The known names; those that are not strings of at most ``MAX_NAME`` characters are skipped.
    n : int
        Most suggestions returned.
    cutoff : float
        Least similarity ratio (0 to 1) of a suggestion.

    Returns
    -------
    list of str
        The best matches, best first (possibly none).
    """
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        return []
    size = len(name)
    # a candidate whose length alone keeps the ratio under the cutoff (difflib's real_quick_ratio) is never
    # a match: dropped before it costs anything
    pool = [c for c in candidates if isinstance(c, str) and 0 < len(c) <= MAX_NAME
            and 2.0 * min(size, len(c)) / (size + len(c)) >= cutoff]
    pool.sort(key=lambda c: abs(len(c) - size))  # (nearest in length first: the likeliest matches)
    spent, kept = 0, []
    for c in pool:
        spent += size * len(c)
        if spent > BUDGET:
            break
        kept.append(c)
    # (compared without case, as difflib's ratio: 'X' for 'x', 'Log' for 'log' -- a name that differs in case
    # only is the likeliest typo, with a ratio of 1, and had none: one letter of two cases has a ratio of 0)
    folded = name.casefold()
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(folded)
    scored = []
    for c in kept:
        matcher.set_seq1(c.casefold())
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            ratio = matcher.ratio()
            if ratio >= cutoff:
                scored.append((ratio, c))
    return [c for _, c in heapq.nlargest(n, scored)]  # (best first, ties as difflib breaks them)
