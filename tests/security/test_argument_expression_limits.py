"""``weights=`` and ``offset=`` given as text beyond the formula limits are refused by the limit, naming it.

Text that is no column is read as an R expression of columns, under the formula's limits.  A refusal by a limit
(``max_depth``: ``"(((...x...)))"`` 5,000 deep, or 3,000 terms ``x + x + ...``; ``max_length``) was taken for
unreadable R and reported as "names no column of the data, nor is it an R expression of them such as
'log(exposure)'" -- a wrong reason, and no word of the limit to raise; ``subset=`` said the limit.  The limit is
now named in the refusal (which still starts with the argument, cut); a syntax error is as it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3, 2, 2], "x": np.arange(1.0, 13.0)})


@pytest.mark.parametrize("what", ["weights", "offset"])
@pytest.mark.parametrize("text, limit", [("(" * 5000 + "x" + ")" * 5000, "max_depth"),
                                         (" + ".join(["x"] * 3000), "max_depth"),
                                         ("x + " * 6000 + "x", "max_length")],
                         ids=["nested", "terms", "long"])
def test_a_limit_is_named(what, text, limit):
    with pytest.raises(gs.DataError, match=rf"^{what}='.{{60}}\.\.\.' names no column of the data, nor an R "
                                            rf"expression of them within the formula limits \(.* where the limit "
                                            rf"{limit} is .*raise it with glm\(\.\.\., limits=glmstat\."
                                            rf"FormulaLimits\({limit}=\.\.\.\)\)\)$"):
        gs.glm("y ~ x", D, family=gs.Poisson(), **{what: text})


@pytest.mark.parametrize("what", ["weights", "offset"])
def test_unreadable_text_is_still_no_column(what):
    with pytest.raises(gs.DataError, match=rf"^{what}='x \+' names no column of the data, nor is it an R expression"):
        gs.glm("y ~ x", D, family=gs.Poisson(), **{what: "x +"})
