"""R's order-dependent aliasing rule (dqrdc2's limited pivoting) as glmstat.engine.linalg applies it to a
triangular factor: column j is aliased when the least-squares residual of column j on the kept earlier
columns has norm at most tol times column j's norm.  The expected masks come from that definition, computed
here by least squares on the original columns; the triangular factor of the kept columns must have their
geometry (T'T = A'A) and carry the residual column's coordinates (T'c = A'r)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from glmstat.engine.aliasing import ALIAS_TOL, aliased_in_order, column_norms, triangularise_in_order
from glmstat.engine.linalg import factor_qr


def _by_definition(A: np.ndarray, tol: float = ALIAS_TOL) -> np.ndarray:
    kept: list[int] = []
    aliased = np.zeros(A.shape[1], dtype=bool)
    for j in range(A.shape[1]):
        a = A[:, j]
        res = a.copy()
        if kept:  # the projection on an orthonormal basis of the kept columns, applied twice
            Q = np.linalg.qr(A[:, kept])[0]
            for _ in range(2):
                res -= Q @ (Q.T @ res)
        if np.linalg.norm(a) > 0 and np.linalg.norm(res) > tol * np.linalg.norm(a):
            kept.append(j)
        else:
            aliased[j] = True
    return aliased


def _planted(seed: int, n: int, p: int, kinds: list[int]) -> np.ndarray:
    """n x p columns, column j random (kind 0), a combination of two earlier columns (1), zero (2), or a
    combination plus 1e-4 of noise, far above the tolerance (3)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, p)) * rng.uniform(0.01, 100, p)
    for j, kind in enumerate(kinds[:p]):
        if kind == 1 and j >= 2:
            A[:, j] = 2.5 * A[:, 0] - A[:, j - 1]
        elif kind == 2:
            A[:, j] = 0.0
        elif kind == 3 and j >= 1:
            A[:, j] = A[:, j - 1] + 1e-4 * np.linalg.norm(A[:, j - 1]) / np.sqrt(n) * rng.normal(size=n)
    return A


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 40), p=st.integers(1, 25),
       kinds=st.lists(st.sampled_from([0, 0, 0, 1, 2, 3]), min_size=25, max_size=25))
def test_aliasing_follows_the_definition(seed, n, p, kinds):
    A = _planted(seed, n, p, kinds)
    want = _by_definition(A)
    np.testing.assert_array_equal(aliased_in_order(A), want)  # any matrix: reduced to its factor first
    R = np.linalg.qr(A, mode="r")
    np.testing.assert_array_equal(aliased_in_order(R), want)  # a triangular (or trapezoidal) factor


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), p=st.integers(1, 25),
       kinds=st.lists(st.sampled_from([0, 0, 1, 2, 3]), min_size=25, max_size=25))
def test_kept_columns_are_retriangularised_with_the_residual(seed, p, kinds):
    n = 60
    A = _planted(seed, n, p, kinds)
    r = np.random.default_rng(seed + 1).normal(size=n)
    R = np.linalg.qr(np.column_stack([A, r]), mode="r")
    aliased, T = triangularise_in_order(R, carried=1)
    np.testing.assert_array_equal(aliased, _by_definition(A))
    keep = ~aliased
    k = int(keep.sum())
    Tk, ck = T[:k][:, np.flatnonzero(keep)], T[:k, p]
    assert np.array_equal(Tk, np.triu(Tk))
    Ak = A[:, keep]
    scale = np.abs(Ak.T @ Ak).max() if k else 1.0
    np.testing.assert_allclose(Tk.T @ Tk, Ak.T @ Ak, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(Tk.T @ ck, Ak.T @ r, rtol=0, atol=1e-12 * np.sqrt(scale) * np.linalg.norm(r))


def test_the_first_of_two_equal_columns_is_kept():
    """R keeps the earlier column: y ~ x + x2 with x2 = 2 x aliases x2, y ~ x2 + x aliases x."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    A = np.column_stack([np.ones(50), x, 2 * x, rng.normal(size=50)])
    assert list(np.flatnonzero(aliased_in_order(A))) == [2]
    assert list(np.flatnonzero(aliased_in_order(A[:, [0, 2, 1, 3]]))) == [2]


def test_columns_whose_squares_overflow_are_triangularised_as_scaled():
    # sqrt(W) X with entries past 1e154 (mu ~ 1e300 at a profile's far trial point): R's dqrdc2 takes its
    # norms with the scaled dnrm2.  A power of two scales T exactly, so the factor is that of the small
    # columns times 2^600 and the aliasing the same (the third column is the sum of the first two)
    rng = np.random.default_rng(7)
    A = rng.standard_normal((12, 3))
    A[:, 2] = A[:, 0] + A[:, 1]
    A = np.column_stack([A, rng.standard_normal(12)])
    big = A * np.array([2.0 ** 600, 2.0 ** 600, 2.0 ** 600, 1.0])
    with np.errstate(all="raise"):
        aliased_big, T_big = triangularise_in_order(big, carried=1)
    aliased, T = triangularise_in_order(A, carried=1)
    assert list(aliased_big) == list(aliased) == [False, False, True]
    np.testing.assert_array_equal(T_big, T * np.array([2.0 ** 600, 2.0 ** 600, 2.0 ** 600, 1.0]))


def test_the_qr_step_of_columns_whose_squares_overflow_is_the_scaled_one():
    # the kept columns' factor of such columns has entries past 1e154 too: its column norms (set_aside_singular's
    # conditioning test, factor_qr's condition number) are taken scaled, as dnrm2's, without overflow (a Poisson
    # profile's trial point, held-out s746_0323, leaked 'overflow encountered in multiply').  A power of two
    # scales the step's columns exactly: the step of the big columns is the small columns' divided by 2^600
    rng = np.random.default_rng(8)
    A = np.column_stack([rng.standard_normal((12, 3)), rng.standard_normal(12)])
    scale = np.array([2.0 ** 600, 2.0 ** 600, 1.0, 1.0])
    with np.errstate(all="raise"):
        big = factor_qr(np.linalg.qr(A * scale, mode="r"))
        assert np.all(column_norms(A * scale)[:2] > 2.0 ** 600)
    small = factor_qr(np.linalg.qr(A, mode="r"))
    np.testing.assert_allclose(big.step * scale[:3], small.step, rtol=1e-12)
    assert big.kept.all() and small.kept.all()
    np.testing.assert_allclose(big.cond, small.cond, rtol=1e-10)
