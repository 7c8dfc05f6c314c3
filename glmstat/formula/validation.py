"""Checks of glm()'s arguments and of the model frame, run before anything is fitted.

Each check raises a :mod:`glmstat.errors` class whose message names the argument, column or term, the
offending value (or how many rows are affected) and what to do.  The front end (:mod:`glmstat.formula.frame`)
already refuses what it meets while building the frame (unknown columns, unparseable formulas, missing or
non-numeric responses, infinite values, negative weights, wrong lengths); the checks here need the whole
frame and the family:

* ``check_family``      -- a glmstat family object (not a name, not a class);
* ``check_column_types`` -- no dates, time spans, intervals or complex numbers among the columns used
  (called by the front end before it evaluates anything);
* ``check_model_frame`` -- every formula term has columns (no single-level factor), there is at least one
  coefficient, some row has a positive weight, no variable is so large (or so tiny) that its square
  overflows (or underflows) double precision, and the response lies in the family's support: binomial
  successes and failures given with ``cbind()`` are whole numbers; counts are non-negative (a
  :class:`DataWarning` for non-integer counts, whose likelihood and AIC are not defined).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._arguments import counted, shown, shown_row
from ..design.sources import fold_lazy
from ..errors import DataError, DataWarning, FamilyError
from ..families import Family, get_family
from .deparse import r_name

if TYPE_CHECKING:
    from .frame import ModelFrame

__all__ = ["check_family", "check_column_types", "check_model_frame", "row_label", "MAX_MAGNITUDE"]

#: Largest |value| accepted in the design, response, weights and offset: its square (as X'WX needs)
#: must stay finite in double precision (max ~1.8e308), and so must the inverse of X'WX, with room to spare.
MAX_MAGNITUDE = 1e100
#: Smallest non-zero |value| accepted there: the square of anything smaller underflows towards zero
_TINY = 1.0 / MAX_MAGNITUDE


def check_family(family: Any) -> Family:
    """The glmstat family ``family`` stands for, as R's ``glm(family = )`` reads it: a family instance
    (``Binomial(link="probit")``, R's ``binomial(link = "probit")``), a family class (``Binomial``, R's
    ``binomial``: the family function, its default link) or a family's name (``"binomial"``, R's
    ``"binomial"``; the command line's names, :func:`glmstat.families.get_family`).  Anything else is a
    :class:`FamilyError`."""
    if isinstance(family, Family):
        return family
    if isinstance(family, type) and issubclass(family, Family):
        return family()
    if isinstance(family, str):
        return get_family(family)
    raise FamilyError(
        f"family must be a glmstat family such as glmstat.Binomial(), got {type(family).__name__} {shown(family)}"
    )


def check_column_types(df: pd.DataFrame, columns: Any, dtypes: Any = None) -> None:
    """Refuse columns whose values have no faithful reading as numbers or factor levels: dates and time
    spans (which unit?), complex numbers (casting drops the imaginary part).  ``dtypes`` maps column names
    to their dtypes when the caller already has them."""
    for c in sorted(columns):
        dtype = df[c].dtype if dtypes is None else dtypes[c]
        kind = getattr(dtype, "kind", "O")
        if kind == "M" or isinstance(dtype, pd.DatetimeTZDtype):
            # (as a number, a date-time is R's POSIXct's seconds since 1970: a slope per second about an intercept
            # at 1970, which no one means by y ~ t -- the unit is asked for instead)
            n = r_name(c) if len(c) <= 40 else "x"  # (a name as the formula writes it; a long one stands as x)
            zone = str(getattr(dtype, "tz", None) or "UTC")
            tz = "" if zone in ("UTC", "GMT") or len(zone) > 40 else f", tz = \"{zone}\""  # (its clock's dates)
            raise DataError(
                f"column {shown(c)} holds date-times ({dtype}); say which number: as.Date({n}{tz}) for its dates (days "
                f"since 1970-01-01, R's Date), as.numeric({n}) for seconds since 1970 (R's POSIXct), or "
                f"format({n}, \"%H\"), months({n}), weekdays({n}) or quarters({n}) for a factor"
            )
        if kind == "m" or isinstance(dtype, pd.PeriodDtype):
            what = "time spans" if kind == "m" else "dates"
            raise DataError(
                f"column {shown(c)} holds {what} ({dtype}); convert them to numbers in a unit you choose (e.g. "
                f"days since a reference date) or to strings for a factor"
                + ("; as strings (.dt.strftime(\"%Y-%m-%d\")), as.Date() in the formula reads them as R's dates"
                   if what == "dates" else "")
            )
        if kind == "c":
            raise DataError(f"column {shown(c)} holds complex numbers ({dtype}); a GLM needs real numbers")
        if isinstance(dtype, pd.IntervalDtype):
            raise DataError(f"column {shown(c)} holds intervals ({dtype}); convert them to numbers or to strings")


def _empty_terms(frame: "ModelFrame") -> None:
    """A term with no design columns vanished silently: in practice a factor with a single level."""
    levels = frame.spec.levels
    for label, cols in zip(frame.term_labels, frame.term_columns):
        if cols or label == "(Intercept)":
            continue
        single = [(c, lv[0]) for c in label.split(":") if c in levels and len(levels[c]) == 1 for lv in [levels[c]]]
        why = "; ".join(f"factor {shown(c)} has the single level {shown(v)}" for c, v in single)
        raise DataError(
            f"the term {shown(label)} gives no columns in the {frame.n_rows} rows used"
            f"{': ' + why if why else ' (a factor with a single level?)'}; a factor needs at least two levels "
            "to have an effect -- remove the term, or check the rows dropped for missing values"
        )


def row_label(frame, i: int) -> Any:
    """The label of the i-th row used of a model frame (its position for streamed data), as a plain Python
    value (printed as 0 or 'a', not np.int64(0))."""
    label = frame.rows_used[i]
    return label.item() if isinstance(label, np.generic) else label


@dataclass
class _RowChecks:
    """The row checks' findings over some blocks: ``seen`` maps a problem to [its first value, the position
    of its first row among these blocks' rows, the number of rows], plus the design's column maxima."""

    n: int
    seen: dict
    positive: bool
    big: np.ndarray  # max |x_ij| over all rows, and over the rows with a positive weight
    big_pos: np.ndarray
    y_big: float = 0.0  # max |y| and max |offset| (NaN when a NaN is among them)
    offset_big: float = 0.0

    def merge(self, other: "_RowChecks") -> "_RowChecks":
        for key, (v, i, k) in other.seen.items():
            if key in self.seen:
                self.seen[key][2] += k
            else:
                self.seen[key] = [v, self.n + i, k]
        self.n += other.n
        self.positive = self.positive or other.positive
        self.big = np.maximum(self.big, other.big)
        self.big_pos = np.maximum(self.big_pos, other.big_pos)
        self.y_big = max(self.y_big, other.y_big)
        self.offset_big = max(self.offset_big, other.offset_big)
        return self


def _span(v: np.ndarray) -> tuple[float, float]:
    """The smallest and the largest value of ``v`` (both NaN when it holds a NaN): two reductions that settle
    most row checks at once, so the rows are looked at one by one only when they show something to find."""
    return float(np.minimum.reduce(v, axis=None, initial=np.inf)), float(np.maximum.reduce(v, axis=None,
                                                                                          initial=-np.inf))


def _abs_max(v: np.ndarray) -> float:
    """max |v| (0 for no rows; NaN when ``v`` holds a NaN)."""
    return float(np.maximum.reduce(np.abs(v), axis=None, initial=0.0))


def _block_checks(b, response_name: str, n_response_columns: int, family: Family, p: int) -> _RowChecks:
    """One block's share of :func:`check_model_frame` (runs where the block is)."""
    seen: dict = {}
    w_low, w_high = _span(b.weights)
    y_big, offset_big = _check_block(response_name, n_response_columns, family, b, seen, (w_low, w_high))
    # every weight positive: its minimum is (False with a NaN, as w > 0 is); some weight positive: the maximum
    # is, unless a NaN hides it
    every = w_low > 0
    some = w_high > 0 if w_high == w_high else bool((b.weights > 0).any())
    big = big_pos = np.zeros(p)
    if p:
        big = b.X.column_abs_max()
        big_pos = big if every else b.X.take(np.flatnonzero(b.weights > 0)).column_abs_max()
    return _RowChecks(b.y.shape[0], seen, some, big, big_pos, y_big, offset_big)


def _check_block(response_name: str, n_response_columns: int, family: Family, b, seen: dict,
                 w_span: tuple[float, float]) -> tuple[float, float]:
    """The row checks of one block: finite trials, magnitudes, the family's support; what they find is noted
    in ``seen`` (position within the block) and raised, or warned about, once at the end.  ``w_span``: the
    smallest and largest weight (:func:`_span`).  Returns max |y| and max |offset|, whose smallness is judged
    over all the blocks."""
    y, w, trials = b.y, b.weights, b.trials
    if not math.isfinite(_abs_max(trials)):  # else every trial is finite
        bad = np.flatnonzero(~np.isfinite(trials))
        if bad.size:
            seen.setdefault("trials", [None, bad[0], 0])[2] += bad.size
    y_span = _span(y)
    y_big, offset_big = max(-y_span[0], y_span[1]) if y.size else 0.0, _abs_max(b.offset)
    for what, m in ((None, y_big), ("the weights", max(-w_span[0], w_span[1]) if w.size else 0.0),
                    ("the offset", offset_big)):
        # (max |v| from the span is NaN when v holds a NaN, as np.abs(v).max() is)
        if m > MAX_MAGNITUDE:
            what = what or f"the response {shown(response_name)}"  # (named only when refused)
            raise DataError(f"{what} has values as large as {m:.3g}; rescale it so its square stays finite")
    # a positive weight so small that its square (or w * x^2) underflows gives infinite or zero standard errors;
    # zero weights are legitimate (rows left out)
    if w_span[0] < _TINY:
        bad = np.flatnonzero((w > 0) & (w < _TINY))
        if bad.size:
            seen.setdefault("tiny weights", [w[bad[0]], bad[0], 0])[2] += bad.size
    # the support is an interval: when the smallest and the largest response lie in it, every response does.
    # Rows of weight 0 count too, as R's families check every row (poisson()$initialize: "negative values not
    # allowed"); left to the fit, such a row made its starting means invalid, a FitError that named no row
    # (a binomial proportion is already 0 there, as R sets it)
    if not (family.y_domain.contains(y_span[0]) and family.y_domain.contains(y_span[1])):
        bad = np.flatnonzero(~family.y_domain.contains(y))
        if bad.size:
            seen.setdefault("support", [(y[bad[0]], w[bad[0]]), bad[0], 0])[2] += bad.size
    if family.binomial_response and n_response_columns == 2 and family.fixed_dispersion:
        succ = trials * y
        if not _whole(succ):
            frac = (w > 0) & (np.abs(succ - np.round(succ)) > 1e-3)  # R's tolerance for "non-integer"
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                seen.setdefault("cbind", [(succ[i], trials[i]), i, 0])[2] += int(frac.sum())
    if family.binomial_response and n_response_columns == 1 and family.fixed_dispersion:
        m = w * y
        if not _whole(m):
            frac = (w > 0) & (np.abs(m - np.round(m)) > 1e-3)
            if frac.any():  # R warns too: weights may be sampling weights rather than trials
                i = int(np.flatnonzero(frac)[0])
                seen.setdefault("successes", [m[i], i, 0])[2] += int(frac.sum())
    if family.name in ("poisson", "negative.binomial") and family.has_likelihood and not _whole(y):
        frac = (w > 0) & (np.abs(y - np.round(y)) > 1e-3)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            seen.setdefault("counts", [y[i], i, 0])[2] += int(frac.sum())
    return y_big, offset_big


def _power_of_ten(v: float) -> str:
    """A power of ten that brings ``v`` (0 < v < 1) near 1, as text (1e300 for 1e-300)."""
    return f"1e{min(-int(math.floor(math.log10(v))), 300)}"


def _whole(v: np.ndarray) -> bool:
    """Every value within R's tolerance 1e-3 of a whole number (False with a NaN or an infinity: the caller
    then looks at the rows with a positive weight one by one)."""
    return not v.size or float(np.maximum.reduce(np.abs(v - np.rint(v)), axis=None)) <= 1e-3


def _refuse_rows(frame, family: Family, seen: dict) -> None:
    """The errors the blocks found, with the first offending row and the count over every block."""
    if "trials" in seen:
        _, i, k = seen["trials"]
        raise DataError(
            f"the successes or failures of {shown(frame.response_name)} have infinite values (row "
            f"{shown_row(row_label(frame, i))}; {counted(k, 'row')}); remove or correct them"
        )
    if "tiny weights" in seen:
        v, i, k = seen["tiny weights"]
        raise DataError(
            f"the weights have positive values below {_TINY:.0e} (row {shown_row(row_label(frame, i))} has {v:.3g}; "
            f"{counted(k, 'row')}); "
            "squares of such numbers underflow double precision -- rescale the weights (e.g. multiply them by "
            f"{_power_of_ten(v)}) or set the negligible ones to 0"
        )
    if "support" in seen:
        (v, weight), i, k = seen["support"]
        zero = ("; that row has weight 0, but the response must lie in the support in every row, as R's families "
                "require: drop such rows from the data") if weight == 0 else ""
        raise DataError(
            f"the response {shown(frame.response_name)} must lie in {family.y_domain} for the {family.name} family; "
            f"row {shown_row(row_label(frame, i))} has {v:g} ({counted(k, 'row')} outside){zero}"
        )
    if "cbind" in seen:
        (succ, trials), i, k = seen["cbind"]
        raise DataError(
            f"cbind() needs whole numbers of successes and failures for the binomial family; row "
            f"{shown_row(row_label(frame, i))} has {succ:g} successes of {trials:g} ({counted(k, 'row')}); "
            "round the counts, or use glmstat.QuasiBinomial() for non-integer data"
        )


def _data_findings(frame, family: Family, seen: dict) -> tuple[tuple[type, str], ...]:
    """The (DataWarning, message) findings the blocks made: data the fit accepts but whose likelihood is not
    the family's."""
    found = []
    if "successes" in seen:
        v, i, k = seen["successes"]
        found.append((DataWarning,
            f"non-integer number of successes (weights x response = {v:g} in row {shown_row(row_label(frame, i))}; "
            f"{counted(k, 'row')}): a binomial response with weights= needs the numbers of trials as "
            "weights; with other weights the estimates are quasi-likelihood estimates and the AIC is not "
            "defined"))
    if "counts" in seen:
        v, i, k = seen["counts"]
        found.append((DataWarning,
            f"the {family.name} response {shown(frame.response_name)} has non-integer values (row "
            f"{shown_row(row_label(frame, i))} has {v:g}; {counted(k, 'row')}): the estimates are quasi-likelihood "
            f"estimates and the log-likelihood and AIC are not defined; use glmstat.QuasiPoisson() for "
            "non-integer data"))
    return tuple(found)


def check_model_frame(frame, source, family: Family) -> tuple[tuple[type, str], ...]:
    """Refuse a model that cannot be fitted honestly with ``family``, one block of rows at a time (see the
    module docstring): ``frame`` gives the names, ``source`` the rows.  Returns the ``(DataWarning,
    message)`` findings about data the fit accepts, for the caller to warn and keep in the fit's notes."""
    _empty_terms(frame)
    p = len(frame.column_names)
    part = partial(_block_checks, response_name=frame.response_name,
                   n_response_columns=frame.spec.n_response_columns, family=family, p=p)
    found = fold_lazy(source, part, _RowChecks.merge, lambda: _RowChecks(0, {}, False, np.zeros(p), np.zeros(p)))
    seen, positive, big, big_pos = found.seen, found.positive, found.big, found.big_pos
    _refuse_rows(frame, family, seen)
    if not positive:
        try:
            prior = frame.prior_weights
        except DataError:  # streamed rows: not in memory
            prior = None
        what = "binomial trials (successes + failures)" if prior is not None and np.any(prior > 0) else "weights"
        raise DataError(f"every row used has zero {what}; at least one row needs a positive weight")
    # (fmax/fmin skip NaN as the comparisons do: each reduction says whether any column needs the message)
    top = np.fmax.reduce(big) if p else 0.0
    if p and not (top if big_pos is big else np.fmax.reduce(big_pos)) > 0:
        raise DataError(
            f"every column of the design ({', '.join(frame.column_names)}) is zero in the rows used, so no "
            "coefficient can be estimated; add the intercept or a non-zero predictor"
        )
    huge = np.flatnonzero(big > MAX_MAGNITUDE) if top > MAX_MAGNITUDE else ()
    for j in huge:
        raise DataError(
            f"the design column {shown(frame.column_names[j])} has values as large as {big[j]:.3g}; squares of "
            f"such numbers overflow double precision -- rescale it (e.g. divide by 1e{int(np.log10(big[j]))})"
        )
    # (an all-zero response or offset is legitimate; NaN compares False)
    for what, m, effect in ((f"the response {shown(frame.response_name)}", found.y_big,
                             "the dispersion and the standard errors come out as 0"),
                            ("the offset", found.offset_big, "it is lost in the linear predictor")):
        if 0 < m < _TINY:
            raise DataError(
                f"{what} has no value larger than {m:.3g} in absolute value (below {_TINY:.0e}); squares of such "
                f"numbers underflow double precision and {effect} -- rescale it (e.g. multiply by "
                f"{_power_of_ten(m)})"
            )
    tiny = _TINY
    small = np.flatnonzero((big > 0) & (big < tiny)) if p and np.fmin.reduce(big) < tiny else ()
    for j in small:
        raise DataError(
            f"the design column {shown(frame.column_names[j])} has no value larger than {big[j]:.3g}; squares of "
            "such numbers underflow double precision -- rescale it (e.g. multiply by "
            f"1e{-int(np.log10(big[j]))})"
        )
    return _data_findings(frame, family, seen)
