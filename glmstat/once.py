"""``once``: a property computed on first read and kept, for the immutable objects of a fit.

:func:`functools.cached_property` does the same, but on Python 3.11 takes a lock (one per property, shared
by every instance) on each first read; a fit builds its source, frame, plan and results afresh, so nearly
every read is a first read, and the lock costs more than many of the values.  The values here are pure
functions of immutable objects: two threads computing one at the same time compute the same value.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["once"]


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
