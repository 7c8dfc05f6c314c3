"""The stateful transforms a formula may call: ``poly`` (R's orthogonal polynomials), ``scale``, ``center``,
``bs`` and ``ns`` (B-splines and natural splines, :mod:`glmstat.formula.splines`).

Each learns its parameters from the data when a model is fitted and keeps them in the evaluator's ``state``
(keyed by the call), so that ``predict`` applies the same transformation to new data, as R's
``makepredictcall`` does."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .._arguments import shown
from ..errors import DataError
from .call_arguments import bind, call_error, flag, numeric, scalar_number, whole_number
from .deparse import deparse
from .nodes import Call
from .splines import bs_knots, bspline_basis, natural_spline_basis, ns_knots
from .values import FactorVec, NumMat, NumVec, Value

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["call_bs", "call_center", "call_ns", "call_poly", "call_scale"]


def call_poly(ev: "Evaluator", call: Call) -> Value:
    """R's ``poly(x, degree, raw)``; with several variables, ``poly(x, z, degree = 2)``, R's ``polym``
    (:func:`_call_polym`)."""
    if len(call.args) >= 2:
        # (R: one unnamed argument after x that is one value is the degree; a column makes it polym)
        second = ev.eval(call.args[1])
        if isinstance(second, (NumVec, FactorVec, NumMat)):
            return _call_polym(ev, call, second)
    a = bind(call, ("x", "degree", "raw"), varargs=False)
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise call_error(call, "needs a column, not a constant")
    k, raw = _degree_and_raw(ev, call, a)
    ev.reserve(call, k)  # before anything of n x k is computed
    names = tuple(str(j) for j in range(1, k + 1))
    if raw:
        # (as R: no test of the distinct values, which would refuse a one-row prediction or a row group of
        # streamed data; powers beyond them are aliased columns, reported as such)
        with np.errstate(all="ignore"):
            return NumMat(_powers(x, k), names)
    state = ev.transform_state(call, x, lambda finite: _learn_poly(call, finite, k))
    if state is None:
        return _placeholder(x, names)
    with np.errstate(all="ignore"):
        return NumMat(_poly_predict(x, *state), names)


def _degree_and_raw(ev: "Evaluator", call: Call, args: dict) -> tuple[int, bool]:
    """``poly()``'s ``degree`` (default 1) and ``raw`` (default FALSE) among the bound ``args``: constants."""
    given = {p: ev.eval(args[p]) for p in ("degree", "raw") if p in args}
    if any(isinstance(v, (NumVec, FactorVec, NumMat)) for v in given.values()):
        raise call_error(call, "the degree and raw arguments must be constants, not columns; the variables of a "
                               "polynomial in several come first, unnamed: poly(x, z, degree = 2)")
    k = whole_number(given["degree"], call, "degree", 1, 2**31) if "degree" in given else 1
    return k, flag(given["raw"], call, "raw") if "raw" in given else False


def polym_exponents(n_vars: int, degree: int) -> list[tuple[int, ...]]:
    """The exponents of ``poly(x_1, ..., x_m, degree = d)``'s columns, in R's order: ``expand.grid`` of 0..d for
    each variable (the first varying fastest), kept where their sum is 1..d -- (1,0), (2,0), (0,1), (1,1), (0,2).
    Made directly, C(d + m, m) of them, not filtered from the (d + 1)^m of the grid."""
    out: list[tuple[int, ...]] = [()]
    for _ in range(n_vars):
        out = [e + (j,) for e in out for j in range(degree + 1 - sum(e))]
    return sorted((e for e in out if sum(e)), key=lambda e: e[::-1])


def polym_columns(n_vars: int, degree: int) -> int:
    """The number of columns of ``poly()`` of ``n_vars`` variables to ``degree``: C(d + m, m) - 1."""
    return math.comb(degree + n_vars, n_vars) - 1


def _call_polym(ev: "Evaluator", call: Call, second: Value) -> Value:
    """R's ``polym(x_1, ..., x_m, degree = d, raw = FALSE)``: for every exponent (e_1, ..., e_m) of total degree 1
    to d, the column prod_i P_i[, e_i], P_i the polynomials of x_i to degree d (orthogonal, each learned from x_i's
    own values as ``poly(x_i, d)``, or raw powers), P_i[, 0] = 1; named by the exponents joined by dots
    (``"1.0"``, ``"0.1"``, ``"1.1"``), as R names them.  ``second``: the second variable's value, already read."""
    kw = dict(call.kwargs)
    unknown = [k for k in kw if k not in ("degree", "raw")]
    if unknown:
        raise call_error(call, f"unknown argument {shown(unknown[0])} (arguments: the variables, degree, raw)")
    k, raw = _degree_and_raw(ev, call, kw)
    ev.reserve(call, polym_columns(len(call.args), k))  # before anything of n x columns is computed
    xs = []
    for j, node in enumerate(call.args):
        x = numeric(second if j == 1 else ev.eval(node), call, f"variable {deparse(node)}")
        if not isinstance(x, np.ndarray):
            raise call_error(call, f"the variable {deparse(node)} is a constant, not a column")
        xs.append(x)
    exponents = polym_exponents(len(call.args), k)
    names = tuple(".".join(map(str, e)) for e in exponents)
    if raw:
        with np.errstate(all="ignore"):
            bases = [_powers(x, k) for x in xs]
    else:
        def learn(records: np.ndarray) -> tuple:
            # (a record per chunk: each variable's finite values)
            return tuple(_learn_poly(call, np.concatenate([r[i] for r in records]), k, deparse(node))
                         for i, node in enumerate(call.args))

        state = ev.summary_state(call, tuple(x[np.isfinite(x)] for x in xs), learn)
        if state is None:
            missing = np.logical_or.reduce([~np.isfinite(x) for x in xs])
            return _placeholder(np.where(missing, np.nan, 0.0), names)
        with np.errstate(all="ignore"):
            bases = [_poly_predict(x, *s) for x, s in zip(xs, state)]
    n = xs[0].shape[0]
    out = np.empty((n, len(exponents)))
    with np.errstate(all="ignore"):
        for j, e in enumerate(exponents):
            col = np.ones(n)
            for basis, power in zip(bases, e):
                if power:
                    col = col * basis[:, power - 1]
            out[:, j] = col
    return NumMat(out, names)


def _powers(x: np.ndarray, k: int) -> np.ndarray:
    return np.column_stack([x ** j for j in range(1, k + 1)])


def _learn_poly(call: Call, finite: np.ndarray, k: int, variable: str | None = None) -> tuple:
    """R's ``poly()`` coefficients of ``finite`` to degree ``k``, refused as R refuses them."""
    of = "" if variable is None else f" of {variable}"
    distinct = np.unique(finite).size
    if k >= distinct:
        raise call_error(call, f"degree ({k}) must be less than the number of distinct values{of} ({distinct}), "
                               "as in R")
    with np.errstate(all="ignore"):
        alpha, norm2, settled = _poly_coefs(finite, k)
    if not (all(np.isfinite(alpha)) and all(np.isfinite(norm2)) and min(norm2[1:]) > 0 and settled):
        raise call_error(call, f"the orthogonal polynomials{of} cannot be computed in double precision (values too "
                               "large or too close together); rescale the variable")
    return alpha, norm2


def _placeholder(x: np.ndarray, suffixes: tuple[str, ...]) -> Value:
    """A stateful transform's value before its parameters are known: the right shape, NaN where x is."""
    v = np.where(np.isfinite(x), 0.0, np.nan)
    return NumVec(v) if not suffixes else NumMat(np.repeat(v[:, None], len(suffixes), axis=1), suffixes)


_EPS = float(np.finfo(float).eps)


def _poly_coefs(x: np.ndarray, k: int) -> tuple[tuple[float, ...], tuple[float, ...], bool]:
    """R's ``poly()`` recurrence coefficients (alpha, norm2) of the polynomials orthogonal over the points ``x``,
    and whether every polynomial stands above rounding.

    The polynomials are p_0 = 1, p_1 = x - alpha_0 and
    p_{i+1} = (x - alpha_i) p_i - (norm2_{i+1} / norm2_i) p_{i-1}, with alpha_i = sum x p_i^2 / sum p_i^2 and
    norm2 = (1, sum p_0^2, sum p_1^2, ..., sum p_k^2), as R's ``poly`` stores them for ``predict``.  They are
    computed by that recurrence itself over the points (Stieltjes' procedure, on x - mean(x)), not from the QR of
    the matrix of powers [1, x - mean, (x - mean)^2, ...] as R computes them: that matrix's condition grows
    geometrically with the degree, and its QR's columns are 1e-7 from the exact polynomials at degree 25 on 2,000
    uniform points (the recurrence: 2e-15), its alpha and norm2 so far off at degree 60 that the recurrence's
    columns had norms of 5 instead of 1.  R refuses such degrees ("'degree' must be less than number of unique
    points", its QR's rank); the recurrence stays exact.  A polynomial is rounding noise when its norm is within
    64 eps of the norms of the two terms it is the difference of (its points are fewer than the degree in
    double precision): then ``settled`` is False.
    """
    xbar = float(np.mean(x))
    xc = x - xbar
    alpha: list[float] = []
    norm2 = [1.0, float(x.shape[0])]
    settled = True
    prev, cur = np.zeros_like(xc), np.ones_like(xc)
    for _ in range(k):
        a = float((xc * cur) @ cur) / norm2[-1]
        term, back = (xc - a) * cur, (norm2[-1] / norm2[-2]) * prev
        nxt = term - back
        size = float(nxt @ nxt)
        noise = 64 * _EPS * (math.sqrt(float(term @ term)) + math.sqrt(float(back @ back)))
        settled = settled and math.sqrt(size) > noise
        alpha.append(a + xbar)
        norm2.append(size)
        prev, cur = cur, nxt
    return tuple(alpha), tuple(norm2), settled


def _poly_predict(x: np.ndarray, alpha: tuple, norm2: tuple) -> np.ndarray:
    """R's ``predict`` of ``poly()``: the three-term recurrence with the fitted alpha and norm2."""
    k = len(alpha)
    Z = np.ones((x.shape[0], k + 1))
    Z[:, 1] = x - alpha[0]
    for i in range(1, k):
        Z[:, i + 1] = (x - alpha[i]) * Z[:, i] - (norm2[i + 1] / norm2[i]) * Z[:, i - 1]
    Z /= np.sqrt(np.asarray(norm2[1:]))
    return np.ascontiguousarray(Z[:, 1:])


def call_scale(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "center", "scale"))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise call_error(call, "needs a column, not a constant")
    c_arg = ev.eval(a["center"]) if "center" in a else True
    s_arg = ev.eval(a["scale"]) if "scale" in a else True

    def learn(ok: np.ndarray) -> tuple:
        center = (float(ok.mean()) if ok.size else 0.0) if c_arg is True else 0.0 if c_arg is False else \
            scalar_number(c_arg, call, "center")
        if s_arg is True:  # R: the root mean square after centring, with n - 1 (scaled to avoid overflow)
            with np.errstate(over="ignore", invalid="ignore"):
                dev = ok - center
                squares = float(np.sum(dev * dev))
            if not math.isfinite(squares):
                # (R's scale() squares the deviations in double precision: its scale is Inf, every value 0, the
                # coefficient NA; sd(x) is refused so)
                raise call_error(call, "the root mean square of x's deviations (R's scale) overflows double "
                                       f"precision: R's scale() would make every value 0; rescale x (values as "
                                       f"large as {float(np.max(np.abs(ok))):.3g})")
            big = float(np.max(np.abs(dev))) if dev.size else 0.0
            big = big if np.isfinite(big) and big > 0 else 1.0
            scale = big * float(np.sqrt(np.sum((dev / big) ** 2) / max(1, ok.size - 1)))
        else:
            scale = 1.0 if s_arg is False else scalar_number(s_arg, call, "scale")
        return center, scale

    state = ev.transform_state(call, x, learn)
    if state is None:
        return _placeholder(x, ())
    center, scale = state
    with np.errstate(all="ignore"):
        return NumVec((x - center) / scale)


def call_center(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x",))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise call_error(call, "needs a column, not a constant")
    state = ev.transform_state(call, x, lambda ok: (float(ok.mean()) if ok.size else 0.0,))
    return _placeholder(x, ()) if state is None else NumVec(x - state[0])


def call_bs(ev: "Evaluator", call: Call) -> Value:
    a = bind(call, ("x", "df", "knots", "degree", "intercept", "Boundary.knots"))
    x = numeric(ev.eval(a["x"]), call)
    if not isinstance(x, np.ndarray):
        raise call_error(call, "needs a column, not a constant")
    degree = whole_number(ev.eval(a["degree"]), call, "degree", 1, 20) if "degree" in a else 3
    intercept = flag(ev.eval(a["intercept"]), call, "intercept") if "intercept" in a else False
    df = whole_number(ev.eval(a["df"]), call, "df", 1, 2**31) if "df" in a else None
    # the knots are checked as ns() checks its own (finite, strictly inside the boundary, a multiplicity that
    # keeps the spline continuous): scipy refuses NaN and Inf with its own ValueError
    knots = _finite_numbers(ev.eval(a["knots"]), call, "knots", "knots = c(10, 20)") if "knots" in a else None
    boundary = _boundary_knots(ev.eval(a["Boundary.knots"]), call) if "Boundary.knots" in a else None
    if boundary is not None and knots is not None:
        _check_inner_knots(knots, boundary, call, "knots", degree=degree)
    # the number of basis columns follows from the arguments alone: checked before any work
    n_inner = len(knots) if knots is not None else max(0, df - degree - 1 + (1 - int(intercept))) if df else 0
    n_basis = n_inner + degree + int(intercept)
    ev.reserve(call, n_basis)

    def learn(ok: np.ndarray) -> tuple:
        if ok.size == 0:
            raise call_error(call, "has no finite values")
        distinct = np.unique(ok).size
        if distinct < 2 and boundary is None:
            # (R's boundary knots are range(x), one point: its basis is 0 on every row; scipy refused the knots
            # with a raw ValueError, "Need at least two internal knots")
            raise call_error(call, f"needs at least two distinct values of x to place its boundary knots (it has "
                                   f"{distinct}), or Boundary.knots = c(...)")
        if (df is not None and df > distinct) or (knots is not None and len(knots) > distinct):
            raise call_error(call, f"df (at most the number of distinct values) must be a whole number from 1 to "
                                   f"{distinct}" if df is not None else f"knots must be at most {distinct} numbers")
        if boundary is None:
            _refuse_overflowing_range(ok, call)
        state = bs_knots(ok, degree, intercept, df, knots, boundary)
        if knots is not None and boundary is None:  # (the boundary knots are the range of x)
            _check_inner_knots(knots, state[3], call, "knots", degree=degree)
        return state

    state = ev.transform_state(call, x, learn)
    names = tuple(str(j) for j in range(1, n_basis + 1))
    if state is None:
        return _placeholder(x, names)
    basis = bspline_basis(x, *state)
    return NumMat(basis, tuple(str(j) for j in range(1, basis.shape[1] + 1)))


def _finite_numbers(value: Value, call: Call, what: str, example: str) -> tuple[float, ...]:
    """Literal finite numbers (one or ``c(...)``); anything else is refused naming ``what``."""
    vals = value if isinstance(value, tuple) else (value,)
    if not vals or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in vals):
        raise call_error(call, f"{what} must be finite numbers, e.g. {example}; got {_shown(vals)}")
    return tuple(float(v) for v in vals)


def _boundary_knots(value: Value, call: Call) -> tuple[float, float]:
    """``Boundary.knots`` of ``bs()`` and ``ns()``: two increasing finite numbers whose distance is finite too
    (the basis is computed from differences of knots)."""
    bv = _finite_numbers(value, call, "Boundary.knots", "c(0, 100)")
    if len(bv) != 2 or not bv[0] < bv[1]:
        raise call_error(call, "Boundary.knots must be two increasing finite numbers, e.g. c(0, 100); got "
                               + _shown(bv))
    if not math.isfinite(bv[1] - bv[0]):
        raise call_error(call, f"Boundary.knots {_shown(bv)} are further apart than double precision holds; rescale x")
    return bv[0], bv[1]


def _refuse_overflowing_range(ok: np.ndarray, call: Call) -> None:
    """Refuse the values ``ok`` of ``bs()``'s or ``ns()``'s x whose range (the boundary knots' distance) overflows
    double precision: the knots and the basis are computed from differences of x and the knots, and such x made
    every row but one NaN, dropped "for missing values" (R's ``ns()`` stops, "NA/NaN/Inf in foreign function
    call"; its ``bs()`` drops the rows so).  The first argument's text, ``Boundary.knots`` given, is checked
    by :func:`_boundary_knots`."""
    lo, hi = float(np.min(ok)), float(np.max(ok))
    if not math.isfinite(hi - lo):
        raise call_error(call, f"the range of x, {lo:.3g} to {hi:.3g}, is wider than double precision holds (the "
                               "knots and the basis are computed from differences of x); rescale x (e.g. divide it "
                               f"by 1e{int(math.log10(max(abs(lo), abs(hi))))})")


def _shown(vals: tuple) -> str:
    return ", ".join(repr(v) for v in vals[:8]) + (", ..." if len(vals) > 8 else "")


def call_ns(ev: "Evaluator", call: Call) -> Value:
    """R's ``splines::ns(x, df, knots, intercept, Boundary.knots)``: a natural cubic spline basis.

    The knots are learned once from all the training rows (the boundary knots ``range(x)``, the interior
    knots the quantiles of x at ``seq(0, 1, length = df - intercept + 1)``'s inner points) and kept for
    ``predict``, which continues the basis linearly beyond the boundary knots, as R's ``predict.ns``.
    """
    a = bind(call, ("x", "df", "knots", "intercept", "Boundary.knots"))
    x = numeric(ev.eval(a["x"]), call, "x")
    if not isinstance(x, np.ndarray):
        raise call_error(call, "needs a column, not a constant")
    intercept = flag(ev.eval(a["intercept"]), call, "intercept") if "intercept" in a else False
    low_df = 1 + int(intercept)  # R silently raises a smaller df to this (with a warning): refused here
    df = whole_number(ev.eval(a["df"]), call, "df", low_df, 2**31) if "df" in a else None
    knots = _finite_numbers(ev.eval(a["knots"]), call, "knots", "knots = c(10, 20)") if "knots" in a else None
    boundary = _boundary_knots(ev.eval(a["Boundary.knots"]), call) if "Boundary.knots" in a else None
    if boundary is not None and knots is not None:
        _check_inner_knots(knots, boundary, call, "knots")
    # the number of columns follows from the arguments alone: checked before any work
    n_basis = (len(knots) if knots is not None else max(0, (df or low_df) - low_df)) + 1 + int(intercept)
    ev.reserve(call, n_basis)
    bad = np.isinf(x)
    if bad.any():  # (NaN is a missing value; an infinite one has no place on a spline)
        raise DataError(f"{deparse(call)}: x must be finite, but {int(bad.sum())} value(s) are infinite (the first "
                        f"is {shown(float(x[bad][0]))})")

    def learn(ok: np.ndarray) -> tuple:
        inside = ok if boundary is None else ok[(ok >= boundary[0]) & (ok <= boundary[1])]
        distinct = np.unique(inside).size
        # (R puts the boundary knots of a single value v at 7v/8 and 9v/8, an arbitrary spline: refused too)
        if distinct < 2 and (boundary is None or knots is None):
            where = "" if boundary is None else " inside Boundary.knots"
            raise call_error(call, f"needs at least two distinct values of x{where} to place its knots (it has "
                                   f"{distinct})")
        if df is not None and knots is None and df > distinct:
            raise call_error(call, f"df (at most the number of distinct values) must be a whole number from {low_df} "
                                   f"to {distinct}")
        if boundary is None:
            _refuse_overflowing_range(ok, call)
        state = ns_knots(ok, intercept, df, knots, boundary)
        # quantile knots of heavily tied x can fall on a boundary knot, where R's basis degenerates
        if knots is not None:
            _check_inner_knots(knots, state[2], call, "knots")
        else:
            _check_inner_knots(state[0][4:-4], state[2], call, "the quantile knots",
                               " (x has many tied values); give knots = or a smaller df")
        return state

    state = ev.transform_state(call, x, learn)
    names = tuple(str(j) for j in range(1, n_basis + 1))
    if state is None:
        return _placeholder(x, names)
    return NumMat(natural_spline_basis(x, *state), names)


def _check_inner_knots(knots: tuple, boundary: tuple[float, float], call: Call, what: str, hint: str = "",
                       degree: int = 3) -> None:
    """Interior knots strictly inside the boundary and repeated at most ``degree`` times (the spline stays
    continuous; a cubic's knots at most triple)."""
    lo, hi = boundary
    outside = [k for k in knots if not lo < k < hi]
    if outside:
        raise call_error(call, f"{what} must lie strictly inside the boundary knots ({shown(lo)}, {shown(hi)}); got "
                               f"{shown(outside[0])}" + hint)
    values, counts = np.unique(np.asarray(knots, dtype=float), return_counts=True)
    if counts.size and counts.max() > degree:
        spline = "the cubic" if degree == 3 else f"a spline of degree {degree}"
        raise call_error(call, f"{what} repeat {shown(float(values[np.argmax(counts)]))} {int(counts.max())} times "
                               f"(at most {degree}, which keep {spline} continuous)" + hint)
