"""The values of a contrast matrix given to ``glm(contrasts=)``: someone else's numbers, held to the promise of
the threat model ("objects are refused before any conversion of theirs runs", finite numbers only, glmstat's
own errors and no numpy warning).

* a list of rows of float subclasses: numpy's ``asarray`` called each one's ``__float__`` (its code ran and the
  matrix of what it returned was fitted, all four columns aliased);
* a numpy masked array whose entries are masked (missing, as a ``context=`` array's masked entries are): the
  values under the mask were read as the contrasts, silently;
* a ``longdouble`` matrix whose entries no double holds: refused, but after numpy's
  "overflow encountered in cast" warning.

Runs in-process: these inputs take no time; a float subclass's conversion records that it ran.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3, 2.2, 1.9], "g": list("aabbccddee")})
RAN: list[str] = []


class Converting(float):
    """A float subclass whose conversion is code of its own: it records that it ran."""

    def __float__(self) -> float:
        RAN.append("__float__")
        return 1.0

    def __index__(self) -> int:
        RAN.append("__index__")
        return 1


def refused(contrasts, match: str) -> None:
    RAN.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (numpy's RuntimeWarning: overflow encountered in cast)
        with pytest.raises(gs.FormulaError) as info:
            gs.glm("y ~ g", D, contrasts={"g": contrasts})
    assert re.search(match, str(info.value)), str(info.value)
    assert not RAN, f"the value's own code ran: {RAN}"


@pytest.mark.parametrize("rows", [
    [[Converting(1.0)] * 4] * 5,
    [[0.0, 1.0, 0.0, Converting(0.0)]] + [[1.0, 0.0, 0.0, 0.0]] * 4,
    ([Converting(1.0)] * 4,) * 5,
], ids=["all", "one", "tuple"])
def test_rows_of_float_subclasses_are_refused_unread(rows):
    refused(rows, r"^contrasts= for 'g': a contrast matrix must be numbers, one row per level \(it holds values of "
                  r"the type 'Converting'")


def test_masked_entries_are_missing_values_refused():
    m = np.ma.masked_array(np.eye(5)[:, 1:], mask=np.eye(5)[:, 1:].astype(bool))
    refused(m, "^contrasts= for 'g': a contrast matrix must hold finite numbers, not missing ones "
               r"\(4 masked entries\)")


def test_a_masked_array_without_masked_entries_is_its_numbers():
    m = np.eye(5)[:, 1:]
    masked = gs.glm("y ~ g", D, contrasts={"g": np.ma.masked_array(m, mask=False)})
    plain = gs.glm("y ~ g", D, contrasts={"g": m})
    assert masked.coef.equals(plain.coef)


def test_entries_no_double_holds_are_refused_without_numpy_warnings():
    matrix = np.eye(5, dtype=np.longdouble)[:, 1:] * np.longdouble("1e400")
    if not np.isfinite(matrix).all():
        pytest.skip("(this platform's long double is a double)")
    refused(matrix, "^contrasts= for 'g': a contrast matrix must hold finite numbers")
