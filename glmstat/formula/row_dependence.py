"""Whether a ``context=`` function's value for a row depends on the other rows (a rank, ``(x - x.mean()) /
x.std()``, noise): such a function is another function on new data, and on each chunk of streamed data, and is
refused there (:func:`across_rows_error`).  It is found from its values on parts of the rows -- each half of the
fit's rows (:func:`by_rows`), the first rows of several streamed chunks together (:func:`same_across_chunks`) --
which is a test, not a proof: data can be shaped so that it passes."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .._arguments import shown
from ..errors import FormulaError

__all__ = ["across_rows_error", "by_rows", "row_sample", "same_across_chunks"]


def _halves(v: Any, n: int, h: int) -> tuple[Any, Any]:
    """A ``context=`` function's argument for the first ``h`` of ``n`` rows and for the others (one that is not
    one value per row, for both)."""
    if isinstance(v, (np.ndarray, pd.Categorical)) and v.ndim >= 1 and len(v) == n:
        return v[:h], v[h:]
    return v, v


def _as_rows(result: Any) -> np.ndarray:
    """A ``context=`` function's result as an array (a constant as one value), labels for a categorical."""
    if isinstance(result, (pd.Series, pd.Index, pd.DataFrame)):
        result = result.to_numpy()
    if isinstance(result, pd.Categorical):
        return np.asarray(result, dtype=object)
    return np.asarray(result)


def _same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two results hold the same values (numbers to rounding: a vectorized math function may round an
    element by its position in the array)."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        return bool(np.allclose(a.astype(float), b.astype(float), rtol=1e-12, atol=0.0, equal_nan=True))
    na, nb = pd.isna(a), pd.isna(b)
    return bool(np.array_equal(na, nb) and (a[~na] == b[~nb]).all())


def across_rows_error(call: str, where: str, instead: str,
                      found: str = "on half of them it gives other values") -> FormulaError:
    """The refusal of the ``context=`` call ``call`` whose value for a row depends on the other rows (``found`` so:
    by :func:`by_rows`, or :func:`same_across_chunks`): ``where`` it would be computed again over other rows, and
    what ``instead`` keeps."""
    return FormulaError(f"{shown(call)}: the context= function's value for a row depends on the other rows ({found}), "
                        f"{where}, it would give other values than the fit's rows had; compute the column before "
                        f"fitting, or use scale(), poly(), ns() or bs(), which {instead}")


def by_rows(fn: Any, args: list, kwargs: dict, result: Any, n: int) -> bool:
    """Whether ``fn``'s ``result`` on ``n`` rows is its results on the first half and on the second, put
    together: each row's value then comes from that row alone, as streamed data, evaluated a chunk at a time,
    needs (a function of every row, ``(x - x.mean()) / x.std()`` or a rank, is another function on each
    chunk).  A function that fails on a half is left to fail on a chunk of its own."""
    if n < 2:
        return True
    h = n // 2
    pairs = [_halves(a, n, h) for a in args]
    kw_pairs = {k: _halves(v, n, h) for k, v in kwargs.items()}
    try:
        with np.errstate(all="ignore"):
            parts = [_as_rows(fn(*[p[i] for p in pairs], **{k: p[i] for k, p in kw_pairs.items()})) for i in (0, 1)]
    except Exception:
        return True
    whole = _as_rows(result)
    if whole.ndim == 0:  # (a constant: the same on every part of the rows)
        return all(_same_rows(whole, p) for p in parts)
    if any(p.ndim != whole.ndim for p in parts):
        return False
    return _same_rows(whole, np.concatenate(parts))


def _first_row(v: Any, n: int) -> Any:
    """A ``context=`` function's argument or value for the first of ``n`` rows (one that is not one a row, as it is);
    None for a factor, whose categories -- every level of its chunk -- a row would keep, for each of many chunks."""
    if isinstance(v, pd.Categorical):
        return None
    if isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == n:
        return v[:1]
    return v


def row_sample(args: list, kwargs: dict, result: Any, n: int) -> tuple:
    """A ``context=`` call's first row of ``n``: (its arguments there, its keyword arguments there, its value
    there) -- of a chunk of streamed data, which :func:`same_across_chunks` puts beside other chunks' rows."""
    rows = _as_rows(result)
    return (tuple(_first_row(a, n) for a in args), {k: _first_row(v, n) for k, v in kwargs.items()},
            rows[:1] if rows.ndim >= 1 and len(rows) == n else rows)


def _joined(parts: list) -> Any:
    """Rows of several chunks (:func:`_first_row`) as one argument; a value that is not one a row, if the same in
    every chunk; None where they cannot be put together (a factor's)."""
    if all(isinstance(p, np.ndarray) and p.ndim >= 1 for p in parts):
        return np.concatenate(parts) if len({p.shape[1:] for p in parts}) == 1 else None
    first = parts[0]
    if first is None:
        return None
    same = all(type(p) is type(first) and not isinstance(p, np.ndarray) and p == first for p in parts)
    return first if same else None


def same_across_chunks(fn: Any, samples: Sequence[tuple]) -> bool:
    """Whether a ``context=`` function gives the first rows of several chunks of streamed data (``samples``, each
    :func:`row_sample`) together the values it gave each on its own chunk: a rank, or a centring, of chunks whose
    rows are alike within each (``[5, 5]`` and ``[7, 7]``; or one row each), is the same on each chunk's halves,
    which :func:`by_rows` compares, but not on rows of several chunks.  Rows that cannot be put together, or a
    function that fails on them, are left to the check of each chunk."""
    if len(samples) < 2:
        return True
    args = [_joined(list(parts)) for parts in zip(*(s[0] for s in samples))]
    keys = samples[0][1].keys()
    if any(s[1].keys() != keys for s in samples):
        return True
    kwargs = {k: _joined([s[1][k] for s in samples]) for k in keys}
    expected = _joined([s[2] for s in samples])
    if any(a is None for a in args) or any(v is None for v in kwargs.values()) or expected is None:
        return True
    try:
        with np.errstate(all="ignore"):
            got = _as_rows(fn(*args, **kwargs))
    except Exception:
        return True
    return _same_rows(np.asarray(expected), got)
