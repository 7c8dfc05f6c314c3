"""The values that cross between a formula and the caller's ``context=``: the mapping checked (no module, no
builtin or system function that reaches the interpreter, files or processes), an array refused where it has no
one reading as numbers, and a formula's value as a trusted ``context=`` function receives it."""

from __future__ import annotations

import inspect
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._arguments import shown
from ..errors import DataError, FormulaError
from .values import FactorVec, NumMat, NumVec, Value

__all__ = ["check_context", "refuse_unreadable", "as_user_arg"]


#: builtins a context= function may be (plain arithmetic); any other builtin, and anything from these
#: modules, reaches the interpreter, the file system or other processes and is refused
_SAFE_BUILTINS = frozenset({"abs", "min", "max", "round", "sum", "pow", "divmod", "float", "int", "bool", "len"})
_SYSTEM_MODULES = frozenset({"os", "posix", "nt", "subprocess", "shutil", "sys", "importlib", "pickle", "marshal",
                             "ctypes", "socket", "io", "pathlib", "runpy", "code", "codeop", "pty", "signal",
                             "tempfile", "glob", "webbrowser", "urllib", "http", "multiprocessing", "threading"})


def _system_object(value: Any) -> str | None:
    """What makes a context= value unsafe to hand to a formula (a module, eval, os.system...), or None."""
    if inspect.ismodule(value):
        return f"the module {value.__name__}"
    module = getattr(value, "__module__", None) or ""
    name = getattr(value, "__qualname__", getattr(value, "__name__", type(value).__name__))
    if module == "builtins" and callable(value) and name not in _SAFE_BUILTINS:
        return f"Python's builtin {name}"
    if isinstance(module, str) and module.split(".")[0] in _SYSTEM_MODULES and callable(value):
        return f"{module}.{name}"
    return None


def check_context(context: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``context=`` as a mapping of usable names: functions and constants the caller trusts.  Modules,
    Python's builtins that reach the interpreter (``eval``, ``open``, ``getattr``...) and functions of the
    system modules (``os``, ``subprocess``...) are refused even there: a formula from someone else must not
    be able to call them, whatever the caller passed by mistake (``context=globals()``)."""
    if context is None:
        return {}
    if not isinstance(context, Mapping):
        raise FormulaError(f"context= must be a mapping of names to values, got {type(context).__name__}")
    out = {}
    for key, value in context.items():
        if not isinstance(key, str) or not key or key.startswith("__") or not all(
                ch.isalnum() or ch in "._" for ch in key):
            raise FormulaError(f"context= key {shown(key)} is not a usable name")
        unsafe = _system_object(value)
        if unsafe is not None:
            raise FormulaError(f"context= entry {shown(key)} is {unsafe}, which a formula must not reach; context= is "
                               "for your own functions and constants")
        out[key] = value
    return out


def refuse_unreadable(values: Any, subject: str) -> None:
    """Refuse an array (a ``context=`` entry, what a ``context=`` function returned) that has no one reading as
    numbers: complex numbers (a cast drops the imaginary part), date-times (days or seconds? numpy's cast of
    nanoseconds made them integers, fitted as a slope per nanosecond), time spans (in which unit?) and pandas'
    periods (dates, as a data column of them is called).  numpy's ``datetime64[D]`` is dates, R's Date (days since
    1970-01-01), as Python's dates in a column are."""
    dtype = getattr(values, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if kind == "c":
        raise DataError(f"{subject} complex numbers; a GLM needs real numbers")
    if kind == "M" and not (isinstance(dtype, np.dtype) and np.datetime_data(dtype)[0] == "D"):
        raise DataError(f"{subject} date-times ({dtype}); which number, days or seconds? Put them in a column of "
                        "the data, where as.Date(), as.numeric(), format(), months() or weekdays() in the formula "
                        "says which, or pass numbers (e.g. days since a reference date)")
    if kind == "m" or isinstance(dtype, pd.PeriodDtype):
        what = "time spans" if kind == "m" else "dates"
        raise DataError(f"{subject} {what} ({dtype}); convert them to numbers in a unit you choose (e.g. days) or to "
                        "strings for a factor")


def as_user_arg(v: Value) -> Any:
    """A value as a trusted ``context=`` function receives it: numpy arrays, a pandas Categorical for a factor."""
    if isinstance(v, NumVec):
        if v.logical and not np.isnan(v.values).any():
            return v.values.astype(bool)
        return v.values
    if isinstance(v, FactorVec):
        return pd.Categorical.from_codes(v.codes, categories=pd.Index(list(v.levels), dtype=object),
                                         ordered=v.ordered)
    if isinstance(v, NumMat):
        return v.values
    return v
