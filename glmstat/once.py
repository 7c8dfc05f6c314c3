"""``once``: a property computed on first read and kept, for the immutable objects of a fit; ``on_demand``: a
dataclass field given as a value or as the function that computes it.

:func:`functools.cached_property` does the same, but on Python 3.11 takes a lock (one per property, shared
by every instance) on each first read; a fit builds its source, frame, plan and results afresh, so nearly
every read is a first read, and the lock costs more than many of the values.  The values here are pure
functions of immutable objects: two threads computing one at the same time compute the same value.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["once", "on_demand"]


class once:
    """Decorator: ``func(instance)`` computed on first read and kept in the instance's ``__dict__``, where
    later reads find it without calling this (frozen dataclasses included: their ``__setattr__`` is not
    used)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class on_demand:
    """Descriptor for a dataclass field given either as a value or as a function that computes it: read, it is
    always the value (computed on first read, then kept).  The field stays required (no class default), and a
    frozen dataclass keeps it in its ``__dict__`` as ``once`` does."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, f"_{name}_value"

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError(self.name)  # no class default: the dataclass field stays required
        v = obj.__dict__[self.slot]
        if callable(v):
            v = obj.__dict__[self.slot] = v()
        return v

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value

    @staticmethod
    def given(obj: Any, name: str) -> Any:
        """Field ``name`` of ``obj`` as it stands: the value, or the function not called yet (to hand it on to
        another object's field without computing it)."""
        return obj.__dict__[f"_{name}_value"]
