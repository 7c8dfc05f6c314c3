"""Single-threaded BLAS inside the IRLS loop and the inference methods.

The engine's BLAS calls are small products over row blocks sized for one core's cache; a multithreaded
BLAS splits each of them across cores and, on a busy machine, its threads spin waiting for each other
(measured: a 1e4 x 30 Gamma fit 100x slower with two OpenBLAS threads on a loaded 2-core machine).
The inference methods that loop over columns, terms or refits (the nesting check of ``lrtest``, Wald and score
tables, VIF) suffer the same: a dot product of 1e5 numbers took 12 ms with two threads on a loaded machine,
0.02 ms with one, so ``lrtest`` of a 600-column model took 2.6 s instead of 0.7 s.  They run under
:func:`single_threaded`.  When ``threadpoolctl`` is installed the BLAS libraries are limited to one thread
for the duration of a fit or method and restored afterwards; otherwise this does nothing.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

__all__ = ["single_threaded_blas", "single_threaded"]

_controllers: list | None = None


def _blas_controllers() -> list:
    global _controllers
    if _controllers is None:
        # scipy is imported on first use (glmstat._scipy): load its LAPACK, the one the engine's solves call,
        # before the loaded libraries are listed, or its OpenBLAS keeps every thread (measured: a 305-column
        # Cholesky 216 ms instead of 0.3 ms with two threads spinning on a busy 2-core machine)
        from .._scipy import linalg

        linalg.lapack  # noqa: B018 - the attribute access imports scipy.linalg
        try:
            from threadpoolctl import ThreadpoolController

            _controllers = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
        except Exception:  # not installed, or an unknown BLAS: leave the threads alone
            _controllers = []
    return _controllers


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Limit every loaded BLAS to one thread inside the ``with`` block."""
    saved = []
    for c in _blas_controllers():
        try:
            n = c.num_threads
            if n != 1:
                c.set_num_threads(1)
                saved.append((c, n))
        except Exception:
            pass
    try:
        yield
    finally:
        for c, n in saved:
            c.set_num_threads(n)


F = TypeVar("F", bound=Callable)


def single_threaded(func: F) -> F:
    """``func`` run with every loaded BLAS limited to one thread (:func:`single_threaded_blas`)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with single_threaded_blas():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
