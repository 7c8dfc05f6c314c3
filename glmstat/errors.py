"""The error and warning taxonomy: every user-facing problem is one of these.

Errors derive from :class:`GLMStatError` (a ``ValueError``) and name the column, the value and what to do;
warnings derive from :class:`GLMStatWarning`.  Both print with the control and bidi characters and the line
breaks of the names they quote escaped (:mod:`glmstat.printable`): a message is one line, safe to write to a
terminal or a log.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import TYPE_CHECKING

from .printable import escape_unprintable

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "GLMStatError",
    "FormulaError",
    "DataError",
    "DataTypeError",
    "FamilyError",
    "FitError",
    "InvalidStartError",
    "MissingDependencyError",
    "GLMStatWarning",
    "SeparationWarning",
    "ConvergenceWarning",
    "DroppedRowsWarning",
    "AliasingWarning",
    "BoundaryWarning",
    "PerfectFitWarning",
    "DataWarning",
    "ProfileWarning",
    "FormulaWarning",
    "ContrastsWarning",
]


class _PrintableMessage:
    """A message that names columns and values of someone else's data prints without terminal control
    sequences, on one line: a line break is written ``\\n`` too, as R's encodeString writes it (a column name
    holding one, quoted by a message, began a line of its own in a log or on the terminal, which could pass for
    a line glmstat or the application wrote; no message of glmstat's has line breaks of its own)."""

    def __str__(self) -> str:
        return escape_unprintable(super().__str__(), backslash=False)  # type: ignore[misc]


class GLMStatError(_PrintableMessage, ValueError):
    """Base class of every error glmstat raises on bad input or an impossible fit."""


class FormulaError(GLMStatError):
    """The formula cannot be parsed, names something that does not exist, or is not allowed.

    Attributes
    ----------
    span : tuple of int, or None
        For a syntax error, the characters ``[start, end)`` of the text read where it was found (the end of the
        text for one that ends too soon), so that a caller who rewrote a user's text before reading it can point
        into what the user wrote; None otherwise.
    problem : str or None
        For a syntax error, what was wrong there, without the position (``"a ')' is missing"``).
    """

    def __init__(self, message: str, span: tuple[int, int] | None = None, problem: str | None = None) -> None:
        super().__init__(message)
        self.span, self.problem = span, problem


class DataError(GLMStatError):
    """The data cannot be used: wrong type, missing column, values outside the family's support."""


class DataTypeError(DataError, TypeError):
    """A value of a type that cannot be read as a number where numbers go (a dict, pd.NA or a complex number
    among the features of a scikit-learn estimator).  Also a ``TypeError``, as scikit-learn's conventions ask
    of an estimator given such a value (its check ``check_dtype_object``)."""


class FamilyError(GLMStatError):
    """An unknown family or link, an invalid family/link pair, or an invalid family parameter."""


class FitError(GLMStatError):
    """The fit cannot proceed (no valid starting values, step-halving exhausted, invalid control)."""


class InvalidStartError(FitError):
    """No valid starting values: R's starting means (or the ``start=`` coefficients, or the first step from
    R's starting means) give some row a linear predictor outside the link's domain, a mean outside the
    family's, or an infinite deviance; the message names the first such row.  ``first_step``: the coefficients
    of that first step, when it was the step that failed (None otherwise)."""

    def __init__(self, message: str, first_step: "np.ndarray | None" = None) -> None:
        super().__init__(message)
        self.first_step = first_step


class MissingDependencyError(GLMStatError, ImportError):
    """An optional dependency is not installed; the message names the extra that provides it (matplotlib for
    plots: ``pip install glmstat[plot]``).  Also an ``ImportError``, so ``except ImportError`` catches it."""


class GLMStatWarning(_PrintableMessage, UserWarning):
    """Base class of every warning glmstat emits."""


class SeparationWarning(GLMStatWarning):
    """The outcome is (quasi-)completely separated: some maximum-likelihood estimates are infinite."""


class ConvergenceWarning(GLMStatWarning):
    """The fitting algorithm stopped before it converged."""


class DroppedRowsWarning(GLMStatWarning):
    """Rows were dropped because a variable the model uses is missing."""


class AliasingWarning(GLMStatWarning):
    """A column of the design is an exact linear combination of earlier columns."""


class BoundaryWarning(GLMStatWarning):
    """Fitted values are on the boundary of the family's support, or an estimated negative binomial theta is
    on the boundary of its space (infinite: the Poisson limit)."""


class PerfectFitWarning(GLMStatWarning):
    """The model reproduces the response exactly (zero residual deviance or no residual degrees of
    freedom), so an estimated dispersion is 0 or undefined and standard errors are meaningless."""


class ProfileWarning(GLMStatWarning):
    """A profile-likelihood confidence limit could not be found (unbounded likelihood or failed refits); the
    limit is reported as +/-inf or NaN."""


class DataWarning(GLMStatWarning):
    """The data can be fitted but are suspicious for the family (e.g. non-integer counts)."""


class FormulaWarning(GLMStatWarning):
    """The formula is valid but probably does not say what was meant: ``x^2`` (or ``x**2``) of a single term
    is ``x`` in R's formula algebra, not its square (write ``I(x^2)``); the response written again as a term of
    the right-hand side (``y ~ x + y``), which is dropped as R drops it; ``a * b`` or ``a / b`` where ``a`` has no
    term (``(x - x) * g``), which R's terms() makes no term at all."""


class ContrastsWarning(GLMStatWarning):
    """A type III test depends on the coding of what the tested term interacts with: a factor coded by treatment
    contrasts (the test is at that factor's reference level) or a covariate (at the covariate's 0)."""


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)`` reported at the first frame outside glmstat: the user's line that
    called into it, however many of glmstat's functions and wrappers lie between (a fixed ``stacklevel`` pointed
    into glmstat once a decorator wrapped the method)."""
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
