"""R's NA among the formula's numbers: a NaN whose payload is R's (``NA_real_``), told from other NaNs as R tells
them (``R_IsNA``: a NaN whose low 32 bits are 1954).

R keeps NA and NaN apart: ``paste(NA + 1)`` is "NA", ``paste(0/0)`` "NaN"; ``match()`` (so ``%in%``) matches NA
to NA and NaN to NaN only.  The formula's numbers hold both as float NaN; the NA written in a formula (``NA``,
``NA_real_``...) is this NaN, whose payload the arithmetic carries as R's does: the hardware's NaN operations return
the payload of their NaN operand, and numpy's ufuncs of one NaN return it.  Where both operands are NaN, which
one R returns is its compiled loop's choice (R's documentation: "may depend on the R platform"); on x86-64 R gives,
and :func:`carried` reproduces (numpy's loops choose otherwise, and Python's float arithmetic by whether the
interpreter has specialised the instruction yet):

* ``-``, ``/``, ``%/%``: the left operand's (``NA - NaN`` is NA, ``NaN / NA`` NaN);
* ``+``, ``*``: the left's, unless one side is one value and the other a column: then the column's
  (``NA + x`` is NaN where x is NaN, as ``x + NA``);
* ``^``: the right's (``NaN^NA`` is NA);
* ``%%``: NA where either is NA.  A data column's missing value is NA too, whatever its bits (pandas' NaN): the
rows where a column read is missing are found from the columns
(:func:`~glmstat.formula.text_functions.na_rows`).
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["R_NA", "carried", "is_r_na", "na_exact", "r_na_mask"]

#: R's NA_real_: the NaN of low word 1954 (R's arithmetic.c), quiet -- as R's arithmetic leaves it (R's constant is
#: the signalling pattern 0x7FF00000000007A2, which a cast to long double or a comparison flags as invalid)
R_NA: float = struct.unpack("<d", struct.pack("<Q", 0x7FF80000000007A2))[0]

_LOW_WORD = np.uint64(0xFFFFFFFF)
_NA_WORD = np.uint64(1954)


def is_r_na(v: float) -> bool:
    """Whether the one number ``v`` is R's NA: a NaN whose low 32 bits are 1954 (R's ``R_IsNA``)."""
    if v == v:
        return False
    return struct.unpack("<Q", struct.pack("<d", float(v)))[0] & 0xFFFFFFFF == 1954


def r_na_mask(values: np.ndarray) -> np.ndarray:
    """Where the float64 array ``values`` holds R's NA (:func:`is_r_na` of each)."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    return np.isnan(values) & ((bits & _LOW_WORD) == _NA_WORD)


def carried(op: str, x: np.ndarray | float, y: np.ndarray | float, r: np.ndarray) -> np.ndarray:
    """``r``, the result of ``x op y`` (R's arithmetic operator ``op``; ``x`` or ``y`` a float for one value, an
    array for a column), with R's NA or NaN where both operands are NaN, as R chooses it (the module's rules)."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not (np.isnan(xa).any() and np.isnan(ya).any()):
        return r
    both = np.isnan(xa) & np.isnan(ya)
    if op == "%%":
        pick = np.where(r_na_mask(xa) | r_na_mask(ya), R_NA, np.nan)
    elif op == "^" or (op in ("+", "*") and xa.ndim == 0 and ya.ndim > 0):
        pick = ya
    else:
        pick = xa
    return np.where(both, pick, r)


def na_exact(value: object) -> bool:
    """Whether ``value``'s NaNs say exactly which are R's NA: one number (a literal's NA is R's, a computed NaN is
    not), a column marked so (``NumVec.na_exact``), or R's integers or logicals without a missing value."""
    if isinstance(value, (int, float)):
        return True
    if getattr(value, "na_exact", False):
        return True
    # (R's integers and logicals have no NaN, only NA: without a missing value, nothing to tell apart)
    return bool(getattr(value, "integer", False) or getattr(value, "logical", False)) and \
        not np.isnan(value.values).any()
