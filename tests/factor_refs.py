"""What the tests of ``cut()`` and ``interaction()`` share: R's reference (tests/fixtures/cut_interaction, made by
``make_cut_interaction.R``), its data, R's names of glmstat's columns, and a formula expression's value."""

from __future__ import annotations

import json

import pandas as pd

import glmstat as gs
from conftest import FIXTURES
from glmstat.formula import values
from glmstat.formula.data_columns import DataColumns
from glmstat.formula.evaluate import Evaluator
from glmstat.formula.frame import as_frame, column_names
from glmstat.formula.limits import DEFAULT_LIMITS
from glmstat.formula.parser import parse_expression

HERE = FIXTURES / "cut_interaction"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson(), "binomial": gs.Binomial()}


def reference_data() -> pd.DataFrame:
    """The data R fitted, as it read them."""
    return pd.read_csv(HERE / "data.csv")


def new_rows() -> pd.DataFrame:
    """The new rows R predicted."""
    return pd.DataFrame(REF["new"])


def r_names(columns) -> list[str]:
    """glmstat's column names written as R names its coefficients: ``cut(x, 3)[T.(0.9,2.1]]`` is
    ``cut(x, 3)(0.9,2.1]``, ``ordered(x)[.L]`` is ``ordered(x).L``."""
    out = []
    for name in columns:
        if name == "Intercept":
            out.append("(Intercept)")
        elif name.endswith("]") and "[T." in name:
            term, _, level = name[:-1].partition("[T.")
            out.append(term + level)
        elif name.endswith("]") and "[." in name:
            term, _, contrast = name[:-1].rpartition("[.")
            out.append(f"{term}.{contrast}")
        else:
            out.append(name)
    return out


def fit_as_r(ref: dict, data) -> gs.GLMResults:
    """The fit of one of R's fits (its formula and family) to ``data``."""
    return gs.glm(ref["formula"], data, family=FAMILIES[ref["family"]], tol=1e-12)


def formula_value(expression: str, frame: pd.DataFrame) -> values.Value:
    """What ``expression`` evaluates to on ``frame``, as a model frame evaluates its terms."""
    df = as_frame(frame)
    names, positions = column_names(df)
    ev = Evaluator(DataColumns(df, names, positions), {}, {}, "fit", DEFAULT_LIMITS)
    return ev.eval(parse_expression(expression))
