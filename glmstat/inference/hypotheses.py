"""Wald tests of linear hypotheses L b = r about the coefficients, as ``car::linearHypothesis`` for a glm.

With b the estimates, V their covariance (the sandwich matrix for a ``robust()`` result) and q the number of
hypotheses (rows of L, linearly independent):

* ``"chisq"``:  W = (L b - r)' (L V L')^{-1} (L b - r),  p = P(chi2_q > W);
* ``"F"``:  F = W / q,  p = P(F_{q, df_residual} > F).

The hypotheses' text is read by :mod:`glmstat.inference.hypothesis_text`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .._arguments import foreign_type, items_given, own_scalar, shown, shown_items
from .._scipy import linalg as sla
from ..distributions import chi2_sf, f_sf
from ..errors import GLMStatError
from ..printable import escape_unprintable
from ..report.tables import printable_table, returns_table
from .covariance_factor import combination_covariance
from .fit_access import formula_limits
from .hypothesis_text import hypothesis_matrix, unknown_column

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["WaldTest", "wald_test", "wald_quadratic", "singular_covariance_reason"]

_TESTS = {"chisq": "chisq", "chi2": "chisq", "wald": "chisq", "f": "F"}


@dataclass(frozen=True)
class WaldTest:
    """A Wald test of L b = r (see the module docstring): ``statistic``, ``df`` (q), ``p_value``, and for the
    F test ``df_residual``; ``hypotheses`` as given, ``matrix`` L (by column name), ``rhs`` r, ``estimate`` L b
    and its ``std_error`` sqrt(diag(L V L'))."""

    statistic: float
    df: int
    p_value: float
    test: str
    df_residual: float | None
    hypotheses: tuple[str, ...]
    matrix: pd.DataFrame
    rhs: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    covariance_type: str = "model"

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """One row per hypothesis: estimate L b, rhs r, std_error (the joint test is in the attributes)."""
        return pd.DataFrame({"estimate": self.estimate, "rhs": self.rhs, "std_error": self.std_error},
                            index=pd.Index(list(self.hypotheses), name="hypothesis"))

    def result_line(self) -> str:
        """The statistic, its df and p-value in one line (as car's linearHypothesis prints them; the p-value
        by R's display rule, :func:`glmstat.report.hypothesis_tests.wald_result_line`)."""
        from ..report.hypothesis_tests import wald_result_line

        return wald_result_line(self)

    def title(self) -> str:
        """The test's name, and the covariance it used when not the model's."""
        cov = "" if self.covariance_type == "model" else f" (covariance: {self.covariance_type})"
        return f"Linear hypothesis test (Wald{', F' if self.test == 'F' else ', chi-square'}){cov}"

    def __str__(self) -> str:
        lines = [self.title(), ""]
        lines += [f"  {escape_unprintable(h, backslash=False)}" for h in self.hypotheses]  # (text from a user)
        lines += ["", self.result_line()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<WaldTest {self.result_line()}>"

    def _repr_html_(self) -> str:
        from ..report.hypothesis_tests import wald_html

        return wald_html(self)


def _real_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a float array; complex numbers, strings, objects and Python ints beyond double precision
    are refused naming ``what`` (a cast would drop an imaginary part or raise a raw TypeError/OverflowError)."""
    arr = None
    try:
        if type(values) in (list, tuple) and foreign_type(values) is not None:  # (before numpy reads them)
            raise TypeError
        if isinstance(values, numbers.Number) and not own_scalar(values):  # (one number: numpy calls __float__)
            raise TypeError
        arr = np.asarray(values)
        if arr.dtype.kind == "c":
            raise GLMStatError(f"{what} holds complex numbers; it must be real numbers")
        if arr.dtype.kind not in "biuf":
            # (strings, which numpy would read as numbers, and objects: a float subclass's __float__ would run)
            if arr.dtype.kind != "O" or not all(own_scalar(v) and isinstance(v, (int, float, np.number))
                                                for v in arr.ravel()):
                raise TypeError
            arr = arr.astype(float)
    except (TypeError, ValueError, OverflowError, MemoryError) as e:  # (MemoryError: rows of ranges, [range(10**12)])
        if isinstance(e, GLMStatError):
            raise
        kind = f"a {type(values).__name__}" if arr is None else f"values of type {arr.dtype}"
        raise GLMStatError(f"{what} must be finite real numbers, got {kind} (strings, objects or integers beyond "
                           "double precision)") from None
    return arr.astype(float)


def _at_most_one_per_coefficient(count: int, names: Sequence[str]) -> None:
    """Refuse more hypotheses than coefficients before any is read: at most one per coefficient can be
    linearly independent (a million copies of one hypothesis were each parsed, for seconds, before the rank
    check refused them)."""
    if count > len(names):
        raise GLMStatError(f"{count:,} hypotheses on {len(names)} coefficients: at most {len(names)} can be linearly "
                           "independent (the others follow from them); give each once")


def _texts(hypotheses: Any) -> Any:
    """A pandas Series or Index, or a one-dimensional numpy array, of strings as a list of them (car takes a
    character vector; these were read as a matrix of numbers and refused); anything else unchanged."""
    if isinstance(hypotheses, (pd.Series, pd.Index, np.ndarray)) and hypotheses.ndim == 1 and len(hypotheses):
        values = list(hypotheses)
        if all(isinstance(h, str) for h in values):
            return values
    return hypotheses


_EXAMPLE = "e.g. 'x = 0', or a matrix row with one entry per coefficient"


def _as_matrix(fit: "GLMResults", hypotheses: Any, rhs: Any) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = fit.column_names
    hypotheses = _texts(hypotheses)
    if isinstance(hypotheses, (list, tuple)) and not hypotheses:
        raise GLMStatError(f"no hypothesis is given; give at least one, {_EXAMPLE}")
    if isinstance(hypotheses, str) or (isinstance(hypotheses, (list, tuple)) and hypotheses
                                       and all(isinstance(h, str) for h in hypotheses)):
        _at_most_one_per_coefficient(1 if isinstance(hypotheses, str) else len(hypotheses), names)
        if rhs is not None:
            raise GLMStatError("rhs= goes with a hypothesis matrix; write the right-hand side in the hypothesis "
                               "text ('x = 1')")
        L, r = hypothesis_matrix(names, hypotheses, formula_limits(fit))
        texts = (hypotheses,) if isinstance(hypotheses, str) else tuple(hypotheses)
        return L, r, texts
    if isinstance(hypotheses, pd.DataFrame):
        known = set(names)  # (a set: each column searched in the list of names was quadratic)
        unknown = [c for c in hypotheses.columns if c not in known]
        if unknown:
            raise unknown_column(names, str(unknown[0]))
        L = _real_array(hypotheses.reindex(columns=names, fill_value=0.0).to_numpy(), "the hypothesis matrix")
    else:
        given = items_given(hypotheses)  # (counted before read: wald_test(range(10**12)) was a MemoryError)
        if given is not None and given > len(names):
            raise GLMStatError(f"the hypothesis matrix has {given:,} rows (or entries in its row), more than the "
                               f"{len(names)} coefficients: it has one column per coefficient, and at most "
                               f"{len(names)} hypotheses can be linearly independent")
        L = _real_array(hypotheses, "the hypothesis matrix")
    L = np.atleast_2d(L)
    if L.ndim != 2 or L.shape[1] != len(names):
        raise GLMStatError(f"the hypothesis matrix must have one column per coefficient ({len(names)}), "
                           f"got shape {L.shape}")
    if not L.shape[0]:  # (it tested nothing: a ValueError from the empty reduction of the statistic)
        raise GLMStatError(f"the hypothesis matrix has no rows; give at least one hypothesis, {_EXAMPLE}")
    _at_most_one_per_coefficient(L.shape[0], names)
    given = items_given(rhs)
    if given is not None and given != L.shape[0]:  # (before it is read, as the matrix)
        raise GLMStatError(f"rhs must have one value per hypothesis ({L.shape[0]}), got {given:,}")
    r = np.zeros(L.shape[0]) if rhs is None else np.atleast_1d(_real_array(rhs, "rhs"))
    if r.shape != (L.shape[0],):
        raise GLMStatError(f"rhs must have one value per hypothesis ({L.shape[0]}), got {r.size}")
    if not (np.all(np.isfinite(L)) and np.all(np.isfinite(r))):
        raise GLMStatError("the hypothesis matrix and rhs must be finite numbers")
    texts = []
    for row, c in zip(L, r):  # (15 significant digits, as R's as.character: '%g' kept 6, and so misstated them)
        terms = [f"{v:+.15g}*{n}" for v, n in zip(row, names) if v != 0]
        texts.append((" ".join(terms).lstrip("+") or "0") + f" = {c:.15g}")
    return L, r, tuple(texts)


def _nan_covariance(fit: "GLMResults") -> GLMStatError:
    """The refusal of a test whose covariance of L b is NaN because the fit's covariance is: say why (a NaN
    dispersion without residual degrees of freedom), not that L V L' overflowed."""
    if np.isnan(fit.dispersion):
        why = (f"the dispersion is NaN: the fit has {fit.df_residual} residual degrees of freedom, so nothing is "
               "left to estimate it from")
    else:
        why = f"the {fit.covariance_type} covariance has NaN entries"
    return GLMStatError(f"the hypotheses cannot be tested: the covariance of the coefficients they involve is not "
                        f"a number ({why})")


#: A hypothesis whose variance given the hypotheses before it is below this fraction of its own variance (its
#: 1 - R^2 on them) is taken as their combination: the covariance L V L' is then singular in double precision.
#: A covariance of rank below the number of hypotheses (a clustered sandwich over fewer clusters than
#: coefficients) leaves ratios of about 1e-15 there, from rounding, and solving with it gave chi-squares of
#: 1e16 or -1e16; a well-posed test keeps ratios many orders above this.
SINGULAR_RATIO = 1e-12


def wald_quadratic(M: np.ndarray, d: np.ndarray, free: np.ndarray | None = None) -> float | None:
    """d' M^{-1} d for M = L V L', the covariance of L b, or None when M is singular in double precision: a
    variance below the smallest normal double, a hypothesis whose variance given the ones before it is below
    :data:`SINGULAR_RATIO` of its own, or one whose variance is below that fraction of ``free`` (per row of L,
    the variance L b would have with the coefficients' variances and no correlation, sum_k L_jk^2 V_kk: a row
    of L in the null space of a singular V, whose variance is rounding).

    The Cholesky factor of M scaled to unit diagonal gives the second: its j-th pivot squared is 1 - R^2 of
    the j-th hypothesis on the ones before it.  With M so conditioned, W beyond the doubles is infinite, as R's
    (``x = 1e308``: d / s overflows, where scipy's solve refused the infinite value with a ValueError)."""
    var = np.diag(M)
    if not (var >= np.finfo(float).tiny).all():  # (below the smallest normal double: lost to underflow)
        return None
    if free is not None and (var < SINGULAR_RATIO * free).any():
        return None
    s = np.sqrt(var)
    C = M / s[:, None] / s[None, :]
    potrf = sla.lapack.get_lapack_funcs(("potrf",), (C,))[0]
    c, info = potrf(C, lower=True, clean=True)
    if info != 0 or np.min(np.diag(c)) ** 2 < SINGULAR_RATIO:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = d / s
        if not np.isfinite(scaled).all():  # (|d_j| / s_j beyond the doubles: so is W, at least that squared / q)
            return math.inf
        z = sla.solve_triangular(c, scaled, lower=True, check_finite=False)
        W = float(z @ z)
    return W if not math.isnan(W) else math.inf  # (an overflow of z: inf - inf)


def singular_covariance_reason(covariance_type: str) -> str:
    """Why the covariance of L b can be singular, for a fit with the covariance ``covariance_type``."""
    if covariance_type == "model":
        return "coefficients so nearly aliased that their covariance has lost its precision"
    return (f"the covariance ({covariance_type}) has a lower rank than the number of directions tested: a "
            "clustered covariance has rank at most the number of clusters less one")


def _statistic(M: np.ndarray, d: np.ndarray, free: np.ndarray, covariance_type: str) -> float:
    """W = d' M^{-1} d, or a GLMStatError when double precision cannot give it: L V L' (the covariance of L b)
    overflows (entries of L near 1e154 and beyond), or is singular (a row of L so small that its variance
    underflows, a variance of exactly 0, or a covariance V of too low a rank: :func:`wald_quadratic`)."""
    if not (np.isfinite(M).all() and np.isfinite(d).all()):
        raise GLMStatError("the hypotheses cannot be tested in double precision: L b or its covariance L V L' "
                           "overflows; divide each row of the hypothesis matrix (and its rhs) by its largest entry")
    W = wald_quadratic(M, d, free)
    if W is None and covariance_type != "model":
        raise GLMStatError("the hypotheses cannot be tested with this covariance: the covariance L V L' of L b is "
                           f"singular ({singular_covariance_reason(covariance_type)}); test fewer hypotheses at "
                           "once, or use a covariance with more clusters")
    if W is None:
        raise GLMStatError("the hypotheses are degenerate: the covariance L V L' of L b is singular in double "
                           "precision (a row of the hypothesis matrix too small, of zero variance, or "
                           f"{singular_covariance_reason(covariance_type)}); divide each row (and its rhs) by its "
                           "largest entry, or test the nearly aliased coefficients separately")
    return W


def _rank(A: np.ndarray) -> int:
    """numpy 2's ``matrix_rank(A)``: singular values above the largest times max(shape) eps -- that product
    formed as numpy 2 forms it, (max(shape) eps) first; numpy 1.24 multiplied the largest by max(shape) first,
    which overflowed for entries near 1e308 (a RuntimeWarning, and rank 0: "linearly dependent")."""
    S = np.linalg.svd(A, compute_uv=False)
    return int(np.count_nonzero(S > S.max(initial=0.0) * (max(A.shape) * np.finfo(float).eps)))


def wald_test(fit: "GLMResults", hypotheses: Any, rhs: Any = None, test: str = "chisq") -> WaldTest:
    """Wald test of linear hypotheses, as ``car::linearHypothesis`` (see the module docstring).

    Parameters
    ----------
    fit : GLMResults
    hypotheses : str, list of str, array or DataFrame
        Equations in the model's column names, or the matrix L (one column per coefficient; a DataFrame's
        columns are matched by name, missing ones taken as 0).
    rhs : array, optional
        r for a matrix L (default 0).
    test : {"chisq", "F"}

    Raises
    ------
    GLMStatError
        For an unknown column (with close names), a non-linear or empty hypothesis, hypotheses that are
        linearly dependent or inconsistent, or one involving an aliased coefficient.
    """
    key = test.lower() if isinstance(test, str) and own_scalar(test) else None  # (a subclass's lower() never runs)
    if key not in _TESTS:
        raise GLMStatError(f"unknown test {shown(test)}; use 'chisq' or 'F'")
    test = _TESTS[key]
    L, r, texts = _as_matrix(fit, hypotheses, rhs)
    b = fit.coef.to_numpy()
    aliased = np.isnan(b)
    touched = [n for n, a, used in zip(fit.column_names, aliased, np.any(L != 0, axis=0)) if a and used]
    if touched:
        raise GLMStatError(f"the hypotheses involve the aliased coefficient(s) {shown_items(touched)}, which have no "
                           "estimate (a linear combination of other columns); rewrite them without")
    kept = ~aliased
    Lk, bk = L[:, kept], b[kept]
    V = fit.vcov.to_numpy()[np.ix_(kept, kept)]
    F = fit.covariance_factor
    F = None if F is None else F[kept]
    if _rank(Lk) < Lk.shape[0]:
        raise GLMStatError("the hypotheses are linearly dependent (one follows from the others); give each once")
    with np.errstate(all="ignore"):  # (overflow and underflow are refused just below)
        est = Lk @ bk
        d = est - r
        M = combination_covariance(Lk, V, F)
        if np.isnan(M).any() and np.isnan(V).any():  # (not an overflow: the covariance itself is not a number)
            raise _nan_covariance(fit)
        W = _statistic(M, d, (Lk ** 2) @ np.diag(V), fit.covariance_type)
    q = Lk.shape[0]
    if test == "F":
        rdf = float(fit.df_residual)
        stat, p = W / q, float(f_sf(W / q, q, rdf)) if rdf > 0 else float("nan")
    else:
        rdf, stat, p = None, W, float(chi2_sf(W, q))
    return WaldTest(float(stat), int(q), p, test, rdf, texts,
                    printable_table(pd.DataFrame(L, columns=fit.column_names, index=list(texts))), r, est,
                    np.sqrt(np.maximum(np.diag(M), 0.0)), fit.covariance_type)
