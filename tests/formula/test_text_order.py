"""An order of texts (``<``, ``>``, ``<=``, ``>=`` between texts) is refused, naming the values: R's depends on the
locale it runs in -- R 4.2 on one machine gives ``"B" < "a"`` TRUE under ``LC_ALL=C`` (bytes) and FALSE under
``LC_ALL=C.UTF-8`` (the C library's collation) -- so that no one answer is R's.  An ordered factor beside one of
its levels is ordered by its levels, as R's; an unordered factor gives NA in R ("not meaningful for factors"), refused
here with the value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import expression_values

DATA = pd.DataFrame({"g": ["a", "b", "c", "B"], "h": ["x", "y", "x", "z"], "x": [1.0, 2.0, 3.0, 4.0],
                     "y": [1.0, 2.5, 2.0, 4.0]})


@pytest.mark.parametrize("term, match", [
    ('as.character(g) < "b"', "locale's collation.*here the texts of as.character\\(g\\) and 'b'"),
    ('"b" >= toupper(g)', "locale's collation.*here the texts of toupper\\(g\\) and 'b'"),
    ('paste(g) >= paste(h)', "locale's collation.*here two columns of text"),
    ('"a" < "b"', "locale's collation.*here 'a' and 'b'"),
    ('x < "b"', "compared with a factor or a text column \\(here a column of numbers and 'b'\\)"),
    ('g < "b"', "got 'b' beside a factor that is not ordered"),
    ('ordered(g) < "q"', "got 'q' \\(the levels: 'B', 'a', 'b', 'c'\\)"),
])
def test_an_order_of_texts_is_refused_with_the_values(term, match):
    with pytest.raises(gs.FormulaError, match=match):
        gs.glm(f"y ~ I({term})", DATA)


def test_an_ordered_factor_beside_its_level_is_ordered_by_its_levels():
    # (levels B < a < b < c, as factor() sorts them in the C locale; R's ordered(g) < "b")
    np.testing.assert_array_equal(expression_values(DATA, 'ordered(g) < "b"'), [1, 0, 0, 1])
