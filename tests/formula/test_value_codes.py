"""A column's sorted distinct values and each row's code, found by hashing (:mod:`glmstat.formula.value_codes`), are
numpy's: ``np.unique(v, return_inverse=True)`` and ``np.unique(v, return_index=True)``, which sort every row (an argsort
of ten million rows of ``factor(x)``: 1.9 s of CPU time, the hash table 0.08 s)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from glmstat.formula.value_codes import first_rows, sorted_codes

#: doubles as the callers hand them (NaN apart: they code the present rows, or a NaN's stand-in): -0.0 and 0.0,
#: infinities, integers past 2^53 that doubles hold, a few values repeated
_DOUBLES = st.one_of(st.sampled_from([0.0, -0.0, np.inf, -np.inf, 2.0**53, 2.0**53 + 2, -(2.0**63), 1.5, 1e308]),
                     st.floats(allow_nan=False), st.integers(-5, 5).map(float))
#: int64 keys: combinations' codes, a date's days, the bits of doubles (text_formats' view, -0.0 among them)
_INTEGERS = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-3, 3),
                      st.sampled_from([2**53 + 1, 2**53, -(2**63), 2**63 - 1]))


def _arrays(dtype, elements):
    return hnp.arrays(dtype, st.integers(0, 40), elements=elements)


def _assert_numpy_s(v: np.ndarray) -> None:
    want, inverse = np.unique(v, return_inverse=True)
    got, codes = sorted_codes(v, None)
    assert got.dtype == want.dtype and codes.dtype == np.intp
    assert np.array_equal(got, want) and np.array_equal(codes, inverse.reshape(-1))  # (-0.0 == 0.0, as numpy's)
    assert np.array_equal(got[codes], v)
    _, first = np.unique(v, return_index=True)
    assert np.array_equal(first_rows(v), np.sort(first))


@settings(max_examples=200, deadline=None)
@given(_arrays(np.float64, _DOUBLES))
def test_the_codes_of_doubles_are_numpy_s(v):
    _assert_numpy_s(v)


@settings(max_examples=200, deadline=None)
@given(_arrays(np.int64, _INTEGERS))
def test_the_codes_of_integers_are_numpy_s(v):
    _assert_numpy_s(v)


@settings(max_examples=100, deadline=None)
@given(_arrays(np.float64, _DOUBLES))
def test_the_bits_of_doubles_tell_minus_zero_from_zero(v):
    # (sprintf()'s arguments: "%f" writes -0 as "-0.000000", so the bits, not the numbers, are the keys)
    bits = np.ascontiguousarray(v).view(np.int64)
    _assert_numpy_s(bits)
    got, codes = sorted_codes(bits, None)
    assert np.array_equal(np.signbit(got.view(np.float64)[codes]), np.signbit(v))


def test_nan_is_one_value_last_as_numpy_s():
    v = np.array([np.nan, 2.0, -np.nan, -np.inf, 0.0])
    got, codes = sorted_codes(v, None)
    assert np.array_equal(got, [-np.inf, 0.0, 2.0, np.nan], equal_nan=True)
    assert codes.tolist() == [3, 2, 3, 0, 1]
    assert first_rows(v).tolist() == [0, 1, 3, 4]


def test_the_distinct_values_are_counted_before_they_are_sorted():
    seen = []
    sorted_codes(np.array([3.0, 1.0, 3.0, -0.0, 0.0, np.inf]), seen.append)
    assert seen == [4]  # (3, 1, 0 and inf)


def test_an_empty_column_has_no_values():
    got, codes = sorted_codes(np.array([], dtype=float), None)
    assert got.shape == codes.shape == (0,) and got.dtype == np.float64
    assert first_rows(np.array([], dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize("v", [np.zeros((2, 3)), np.array(["a", "b"], dtype=object)])
def test_only_one_column_of_numbers_is_coded(v):
    with pytest.raises(TypeError, match="a 1-D array of numbers"):
        sorted_codes(v, None)
