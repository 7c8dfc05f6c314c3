"""Formulas in scikit-learn estimators: the fit learns the model spec, predict re-applies it.

Every call into glmstat's formula front end (:mod:`glmstat.formula`) is in :func:`front_end`, the one
adapter; the rest of the package sees only its :class:`Encoded` value.

The response comes either from the formula's left-hand side (``"y ~ x + C(g)"`` with ``y=None``, R's way)
or from ``y`` with a one-sided formula (``"~ x + C(g)"``, scikit-learn's way, which is what ``Pipeline``,
``cross_val_score`` and ``GridSearchCV`` pass); giving both, or neither, is an error.
"""

from __future__ import annotations


from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._arguments import counted, shown
from ..design.base import Design
from ..errors import DataError, FormulaError, warn_user
from ..families import Family

__all__ = ["Encoded", "front_end", "split_formula", "with_response"]


@dataclass(frozen=True)
class Encoded:
    """What the front end gives: the design (with its intercept column, if any), the response, the total
    weights (binomial trials from ``cbind()``, else ones), the offset, and the spec for new data.  For new
    data only ``design`` (of the complete rows), ``offset`` and ``complete`` (rows without a missing value)
    are set.

    ``design`` is glmstat's :class:`~glmstat.design.base.Design`: factors of a model whose terms are single
    variables stay integer codes (a structured design), which the penalized fit and ``matvec`` use as they
    are; ``design.toarray()`` would make a 100,000-row design of a 300-level factor 240 MB."""

    design: Design
    offset: np.ndarray
    spec: Any
    column_names: tuple[str, ...] = ()
    intercept_column: int | None = None
    y: np.ndarray | None = None
    weights: np.ndarray | None = None
    complete: np.ndarray | None = None


# The ONE adapter to the formula front end (glmstat.formula): when its functions change, re-point this
# function and nothing else.
def front_end(data: pd.DataFrame, *, formula: str | None = None, family: Family | None = None,
              spec: Any = None) -> Encoded:
    """With ``formula`` and ``family``: build the model frame of ``data`` (missing values refused) and
    check it.  With ``spec`` (from an earlier call): encode new ``data`` the same way."""
    from ..formula.frame import build_model_frame, encode_new_data
    from ..formula.rows import missing_detail
    from ..design.sources import InMemorySource
    from ..formula.validation import check_model_frame

    if spec is not None:
        design, offset, complete = encode_new_data(spec, data)
        return Encoded(design=design, offset=offset, spec=spec, complete=complete)
    frame = build_model_frame(formula, data, family, na_action="drop")
    if frame.n_dropped:  # (as sklearn's estimators: refused, never dropped behind the user's back)
        detail = missing_detail(frame.dropped_by)
        raise DataError(f"the data have missing values in {counted(frame.n_dropped, 'row')} ({detail}); the "
                        "estimators do not drop rows: impute them (sklearn.impute) or drop them before fitting")
    for category, msg in check_model_frame(frame, InMemorySource(frame.design, frame.y, frame.total_weights,
                                                                 frame.trials, frame.offset), family):
        warn_user(msg, category)
    icol = frame.term_columns[frame.term_labels.index("(Intercept)")][0] if frame.has_intercept else None
    return Encoded(design=frame.design, offset=frame.offset, spec=frame.spec,
                   column_names=tuple(frame.column_names), intercept_column=icol, y=frame.y,
                   weights=frame.total_weights)


def split_formula(formula: str) -> tuple[str, str]:
    """(left, right) of the formula's ``~``; ``left`` is ``""`` for a one-sided formula.

    The ``~`` is found by glmstat's formula lexer, so one inside a string or a backtick-quoted name
    (``"y ~ I(g == '~')"``) is not taken for it.  A formula that is not a string, is longer than
    ``FormulaLimits.max_length``, cannot be read or has no ``~`` or more than one is refused with a
    :class:`~glmstat.errors.FormulaError` (a ``ValueError``, as scikit-learn's conventions ask).
    """
    from ..formula.lexer import tilde_positions
    from ..formula.limits import DEFAULT_LIMITS, refuse

    if not isinstance(formula, str):
        raise FormulaError(f"formula must be a string with one '~', such as 'y ~ x + C(g)' or '~ x + C(g)'; "
                           f"got {shown(formula)}")
    if len(formula) > DEFAULT_LIMITS.max_length:  # (before the lexer reads it)
        raise refuse("max_length", "the formula has more characters than allowed", len(formula), DEFAULT_LIMITS)
    tildes = tilde_positions(formula)
    if len(tildes) != 1:
        raise FormulaError(f"formula must be a string with one '~', such as 'y ~ x + C(g)' or '~ x + C(g)'; "
                           f"got {shown(formula)}")
    left, right = formula[:tildes[0]], formula[tildes[0] + 1:]
    if not right.strip():
        raise FormulaError(f"formula {shown(formula)} has nothing on the right of '~'")
    return left.strip(), right.strip()


def response_column(left: str, data: pd.DataFrame) -> str:
    """The column the left-hand side names (``y`` or ```my y```), for responses read as class labels."""
    from ..formula.lexer import tokenize

    tokens = tokenize(left)  # (a backtick-quoted name as the lexer reads it, its escapes resolved)
    name = tokens[0].value if len(tokens) == 2 and tokens[0].kind == "NAME" else left
    if name not in data.columns:
        raise FormulaError(
            f"the classifier reads its classes from a column: the formula's left-hand side {shown(left)} names no "
            f"column of the data; name the column, or use a one-sided formula ('~ ...') and pass y"
        )
    return name


def with_response(data: pd.DataFrame, values: np.ndarray, right: str) -> tuple[pd.DataFrame, str]:
    """A new frame holding ``data``'s columns and the response ``values`` under an unused name, and the
    two-sided formula that reads it (the caller's frame is not modified)."""
    name = "y"
    while name in data.columns:
        name += "_"
    return data.assign(**{name: values}), f"{name} ~ {right}"
