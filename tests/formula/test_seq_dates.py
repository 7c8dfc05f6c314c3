"""R's seq() of dates and cut() of dates at dates, against R 4.2 (tests/fixtures/seq_dates, made by
scripts/make_seq_dates.R).

``seq(as.Date("2020-01-01"), by = 30, length.out = 3)`` was three plain numbers (its dates' class lost), so that
``d - seq(...)`` was a column of dates near 1970 where R has the days between; ``by = "month"`` (and week,
quarter, year, "2 weeks", "-1 quarter") was refused, and so was ``cut(d, <dates>)``.  Now R's seq.Date (months
past a month's end carried over, as R's POSIXlt: 2020-01-31 and a month is 2020-03-02) and cut.Date's intervals
[a, b) at dates, labelled by their first date.

Breaks within one day (``c(as.Date("2020-06-16") + 0.5, as.Date("2020-06-16"), ...)``, ``seq(..., length.out =
1000)`` over 700 days) write one label twice: each interval was a level of its own, so that a fit was refused for
two design columns of one name (R: one level, ``levels<-`` of cut.Date merging the duplicated label).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_coef_is_r_s, expression_value, r_double
from glmstat.formula.values import RDate

HERE = FIXTURES / "seq_dates"
REF = json.loads((HERE / "ref.json").read_text())
DATA = pd.read_csv(HERE / "data.csv")
DATA["d"] = pd.to_datetime(DATA["d"]).dt.date.astype(object).where(DATA["d"].notna(), None)


@pytest.mark.parametrize("expr", list(REF["values"]))
def test_values_are_r_s(expr):
    want = REF["values"][expr]
    v = expression_value(DATA, expr)
    if "days" in want:
        assert all(isinstance(u, RDate) for u in v)
        assert [float(u) for u in v] == [r_double(t) for t in want["days"]]
    elif "values" in want:
        np.testing.assert_array_equal(np.asarray(v.values, dtype=float), [r_double(t) for t in want["values"]])
        assert not getattr(v, "date", False)  # (days between dates are numbers, not dates)
    else:
        levels = [want["levels"]] if isinstance(want["levels"], str) else want["levels"]
        assert list(v.levels) == levels
        assert [None if c < 0 else int(c) + 1 for c in v.codes] == want["codes"]


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_are_r_s(ref):
    assert_coef_is_r_s(ref, DATA)


@pytest.mark.parametrize("expr, match", [
    ('seq(as.Date("2020-01-01"), by = "DSTday", length.out = 3)', "invalid string for 'by': 'DSTday'"),
    ('seq(as.Date("2020-01-01"), by = "fortnight", length.out = 3)', "invalid string for 'by': 'fortnight'"),
    ('seq(as.Date("2020-01-01"), by = "1.5 months", length.out = 3)', "count '1.5' of 'by'"),
    ('seq(as.Date("2020-01-01"), by = "month")', "exactly two of 'to', 'by' and 'length.out'"),
    ('seq(as.Date("2020-01-01"), 5, by = 1)', "'to' must be a \"Date\" object"),
    ('seq(1, as.Date("2020-01-01"))', "'to' is a date and 'from' is not"),
    ('cut(d, c(as.Date("2020-01-01"), as.Date("2020-01-01")))', "'breaks' are not unique.*'2020-01-01'"),
    ('cut(d, seq(as.Date("2020-01-01"), by = "month", length.out = 3), labels = c("a", "b"))', "labels = is not"),
])
def test_refusals_name_the_value(expr, match):
    with pytest.raises(gs.FormulaError, match=match):
        expression_value(DATA, expr)
