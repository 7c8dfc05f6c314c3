"""Checks of the scalar arguments that many public functions share: a real number, a confidence level, a
random seed, an output path.

An argument may come from someone else (a web form), so each check refuses anything but the kind of value
it names -- strings, booleans, complex numbers, NaN, Python ints beyond double precision, arbitrary objects --
with a :class:`~glmstat.errors.GLMStatError` (or the subclass the caller asks for) naming the argument and
the value, instead of the ``TypeError``, ``OverflowError`` or silently wrong number that Python or numpy
would give.  Values are shown by :func:`shown`, which never calls an object's own ``__repr__`` and never
prints a huge integer in full.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .errors import GLMStatError
from .printable import writable_text

__all__ = ["shown", "shown_row", "counted", "shown_items", "own_scalar", "foreign_type", "items_given", "is_one_of",
           "flag", "real_number", "finite_or_none", "confidence_level", "random_seed", "output_path", "writing_to",
           "MAX_MODELS", "model_count", "unpadded", "PADDED_BYTES"]


#: items of a list or tuple a message shows
_SHOWN_ITEMS = 5
#: Python's own scalar types (a subclass of one is not: its methods are someone else's code)
_OWN_SCALARS = frozenset({str, int, float, bool, complex, type(None)})


def integer_type(value: Any) -> bool:
    """Whether ``value`` is Python's or numpy's own integer (a bool is one too: callers that refuse it say so), not
    a subclass's (:func:`own_scalar`: its comparisons and ``int()`` are code of its own, which the callers' bounds
    ran -- ``1 <= max_iter <= 10,000``, ``steps < 0``, ``int(digits)``).  Not numpy's time span:
    ``np.timedelta64`` is an ``np.signedinteger`` to numpy, but ``int()`` and ``float()`` of one raise TypeError."""
    return isinstance(value, (int, np.integer)) and own_scalar(value) and not isinstance(value, np.timedelta64)


def real_type(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer or float (not a complex number, nor ``np.timedelta64``: see
    :func:`integer_type`)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, np.timedelta64)


def plain_real(value: Any) -> bool:
    """Whether ``value`` is a number ``float()`` may read without running code of its own: Python's or numpy's own
    int or float (:func:`own_scalar`, :func:`real_type`), not a bool."""
    return own_scalar(value) and real_type(value) and not isinstance(value, (bool, np.bool_))


def own_scalar(value: Any) -> bool:
    """Whether ``value`` is Python's or numpy's own scalar -- a str, int, float, bool, None, or a numpy scalar of
    numpy's own types -- and not an instance of a subclass, whose conversions, comparisons and ``repr`` are
    code that came with the value (a float subclass's ``__float__`` runs when numpy or ``float()`` reads it)."""
    t = type(value)
    return t in _OWN_SCALARS or (issubclass(t, np.generic) and t.__module__ == "numpy")


def foreign_type(values: Sequence[Any], depth: int = 1, also: frozenset = frozenset()) -> type | None:
    """The type of an item of the list or tuple ``values`` (and of its lists or tuples, ``depth`` levels down:
    a column of one-element rows) that is not Python's or numpy's own scalar (:func:`own_scalar`) nor one of
    the types ``also``, or None.
    Only the items' types are looked at: nothing of theirs runs (``np.asarray`` of a list of float subclasses
    called each one's ``__float__``)."""
    for t in set(map(type, values)):
        if t in (list, tuple) and depth > 0:
            for v in values:
                if type(v) is t and (inner := foreign_type(v, depth - 1, also)) is not None:
                    return inner
        elif not (t in _OWN_SCALARS or t in also or (issubclass(t, np.generic) and t.__module__ == "numpy")):
            return t
    return None


def counted(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless n is 1, as a message counts things: "1 row", "3 rows"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def shown(value: Any, width: int = 60) -> str:
    """``value`` for a message: the repr of a number, a string (cut to ``width`` characters), a bool or None;
    a Python int beyond double precision by its order of magnitude; a list or tuple by its first items, each
    shown so; anything else by its type.

    Every user value a message quotes passes here: ``repr`` of an int of more than 4,300 digits raises
    Python's ``ValueError`` (instead of the message), a 10 MB string would make a 10 MB message, and an
    object's own ``__repr__`` is someone else's code -- so is a subclass's of str, int or float (shown by its
    type, as any other object).
    """
    if type(value) in (list, tuple):
        items = [f"a {type(v).__name__}" if isinstance(v, (list, tuple)) else shown(v, width)  # (one level)
                 for v in value[:_SHOWN_ITEMS]] + (["..."] if len(value) > _SHOWN_ITEMS else [])
        text = ", ".join(items)
        return f"[{text}]" if isinstance(value, list) else f"({text}{',' if len(value) == 1 else ''})"
    if not own_scalar(value):
        return f"a {type(value).__name__}"
    if isinstance(value, (bool, np.bool_)) or value is None:
        return repr(bool(value) if value is not None else None)
    if integer_type(value):
        v = int(value)
        return repr(v) if abs(v) < 10**30 else f"an integer of about {'-' if v < 0 else ''}1e{int(math.log10(abs(v)))}"
    if isinstance(value, (float, np.floating, complex, np.complexfloating)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str):
        return repr(value if len(value) <= width else value[:width] + "...")
    return f"a {type(value).__name__}"


def shown_row(label: Any, width: int = 60) -> str:
    """A row's label (from the data's index: someone else's) for a message, as :func:`shown` shows a value: a
    string cut, an int of 5,000 digits by its magnitude (its ``repr`` raised Python's ValueError in place of
    the message); a numpy scalar as its Python value; a date, time or period (a time series' index) as its
    text; any other object by its type, never by its own ``__repr__``."""
    import datetime

    import pandas as pd

    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, (datetime.date, datetime.time, datetime.timedelta, pd.Period)):  # (Timestamps too)
        return shown(str(label), width)
    return shown(label, width)


def shown_items(items: Sequence[Any], k: int = 10, each: Callable[[Any], str] = shown, sep: str = ", ") -> str:
    """``'a', 'b', ...``: the first ``k`` of ``items``, each written by ``each`` (by default quoted and cut by
    :func:`shown`), joined by ``sep``, then ``...`` when there are more: a list in a message stays bounded
    whatever the number of items and their lengths (a factor of a level per row, 40,000 columns)."""
    return sep.join([each(v) for v in items[:k]] + (["..."] if len(items) > k else []))


def items_given(values: Any) -> int | None:
    """How many items ``values`` holds when numpy would read them one by one into an array -- the ``len()`` of a
    list, a tuple, a ``range`` or any other sized object that is neither an array (numpy's, pandas', Arrow's)
    nor text nor a mapping -- else None (a scalar, an array, a generator).

    An argument is counted by this before it is read: ``range(10**12)`` takes 48 bytes and was read into an
    array of 8 TB (a ``MemoryError``) before its length was compared with the rows.  A ``range`` of more than
    ``sys.maxsize`` items (whose ``len()`` raises ``OverflowError``) is counted from its bounds, any other such
    object as ``sys.maxsize``.
    """
    if isinstance(values, (str, bytes, bytearray, Mapping, np.ndarray, np.generic)) or \
            type(values).__module__.split(".")[0] in ("pandas", "pyarrow", "polars"):
        return None
    try:
        return len(values)
    except OverflowError:
        if isinstance(values, range):  # (ceil((stop - start) / step), or none)
            return max(0, -((values.start - values.stop) // values.step))
        return sys.maxsize
    except TypeError:  # (no length: a scalar, a generator)
        return None


def is_one_of(value: Any, options: Sequence[Any]) -> bool:
    """Whether ``value`` is one of ``options`` (strings, and None where it is one), compared only when it is
    Python's or numpy's own string or None: an array, a Series or a DataFrame compares element by element, and
    ``value in options`` was a raw ValueError ("the truth value of an array ... is ambiguous") instead of the
    argument's refusal; and a subclass of str has its own ``__eq__``, which ``in`` ran."""
    return (value is None or (isinstance(value, str) and own_scalar(value))) and value in options


def flag(value: Any, what: str, error: type[GLMStatError] = GLMStatError) -> bool:
    """``value`` as a bool: True or False (Python's or numpy's), else an ``error`` naming ``what`` -- an array
    or a Series as a condition was a raw ValueError, and any other value was taken by its truth."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{what} must be True or False, got {shown(value)}")
    return bool(value)


def real_number(value: Any, what: str, *, low: float = -math.inf, high: float = math.inf,
                low_open: bool = False, high_open: bool = False, finite: bool = True,
                must: str | None = None, error: type[GLMStatError] = GLMStatError) -> float:
    """``value`` as a float: a real number (Python or numpy; not a bool, a string or a complex number) that
    float64 holds, finite unless ``finite`` is False, not NaN, within [low, high] (open ends as asked).

    Parameters
    ----------
    value : Any
        The argument as given.
    what : str
        Its name in messages (``"level"``, ``"k"``).
    low, high : float
        The bounds; ``low_open``/``high_open`` exclude them.
    finite : bool
        Refuse infinite values (default); when False, +-inf is allowed within the bounds.
    must : str, optional
        What the message says the argument must be (default: "a number", with the bounds).
    error : type
        The GLMStatError subclass to raise.

    Returns
    -------
    float
    """
    if must is None:
        lo, hi = ("(" if low_open else "[", ")" if high_open else "]")
        bounds = "" if (low, high) == (-math.inf, math.inf) else (
            f" from {low:g} to {high:g}" if not (low_open or high_open) else f" in {lo}{low:g}, {high:g}{hi}")
        must = ("a finite number" if finite else "a number") + bounds
    if not plain_real(value):  # (a float subclass: float() would run its __float__)
        raise error(f"{what} must be {must}, got {shown(value)}")
    try:
        v = float(value)
    except OverflowError:  # a Python int beyond double precision
        raise error(f"{what} must be {must}, got {shown(value)}, beyond double precision") from None
    if math.isnan(v) or (finite and math.isinf(v)):
        raise error(f"{what} must be {must}, got {shown(value)}")
    if v < low or v > high or (low_open and v == low) or (high_open and v == high):
        raise error(f"{what} must be {must}, got {shown(value)}")
    return v


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float when it is a real number (Python's or numpy's own, :func:`plain_real`; not a
    bool, a string, NaN, an integer beyond the doubles or a subclass's number), else None: for callers that say
    themselves what they need.  (A float subclass's ``__float__``, which ``float()`` runs, ran here for the
    values of emmeans' ``at=``, its ``offset=`` and contrasts of one's own.)"""
    if not plain_real(value):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def confidence_level(level: Any, what: str = "level") -> float:
    """A confidence level strictly between 0 and 1 (0.95), as a float."""
    return real_number(level, what, low=0.0, high=1.0, low_open=True, high_open=True, must="between 0 and 1")


#: Most models one comparison takes (``compare()``'s table, ``anova()``'s): each costs some milliseconds of pandas
#: and formatting, or a check and a nesting test, whatever its size (10,000 copies of a two-coefficient fit took 37 s
#: to compare; 2,000 took 0.44 s in anova(), and the count had no bound)
MAX_MODELS = 200


def model_count(fits: Sequence[Any], what: str) -> None:
    """Refuse more than :data:`MAX_MODELS` models given to ``what`` (``"compare"``, ``"anova"``), naming the
    count, before anything of any model is read."""
    if len(fits) > MAX_MODELS:
        raise GLMStatError(f"{what}() takes at most {MAX_MODELS:,} models in one table, got {len(fits):,}; "
                           f"{'compare' if what == 'compare' else 'test'} fewer at a time")


#: The most 32-bit words of entropy a seed may hold: numpy's SeedSequence mixes any seed into a pool of 4 words
#: (128 bits), word by word -- a seed of 2**(2**20) took 20 s, a list of 10**6 numbers 7 s, before a draw.
MAX_SEED_WORDS = 1024


def random_seed(seed: Any, what: str = "seed") -> Any:
    """A seed numpy's ``default_rng`` takes: None, a non-negative whole number (a Python or numpy int, or a
    float that is one; not a subclass's) or a list or tuple of them, of at most :data:`MAX_SEED_WORDS` 32-bit
    words in all, a ``numpy.random.Generator``, ``SeedSequence`` or ``BitGenerator`` (returned as they are)."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return seed

    def whole(v: Any) -> int | None:
        if isinstance(v, (bool, np.bool_)) or not own_scalar(v):  # (an int subclass's >= is its own code)
            return None
        if integer_type(v):
            return int(v) if v >= 0 else None
        if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer() and v >= 0:
            return int(v)
        return None

    def words(v: int) -> int:
        return max(1, -(-v.bit_length() // 32))

    one = whole(seed)
    if one is not None:
        return _seed_of_size(one, words(one), what)
    if type(seed) in (list, tuple) and seed:  # (not a subclass: its len and iteration are its own code)
        _seed_of_size(seed, len(seed), what)  # (before its items are read: each is at least one word)
        many = [whole(v) for v in seed]
        if all(v is not None for v in many):
            return _seed_of_size(many, sum(map(words, many)), what)
    raise GLMStatError(f"{what} must be None, a non-negative whole number (or a list of them) or a "
                       f"numpy.random.Generator, got {shown(seed)}")


def _seed_of_size(seed: Any, words: int, what: str) -> Any:
    """``seed`` when its ``words`` (32-bit) are at most :data:`MAX_SEED_WORDS`, else a GLMStatError."""
    if words > MAX_SEED_WORDS:
        raise GLMStatError(f"{what} holds {words} 32-bit words of entropy; at most {MAX_SEED_WORDS} are taken "
                           "(numpy mixes a seed into 128 bits: one number below 2**128 is plenty)")
    return seed


#: a URI's scheme ('s3:', 'file:', 'http:', fsspec's chains 'simplecache::s3:'): two letters or more, so that a
#: Windows drive ('C:') is not one
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+(::[A-Za-z0-9+.\-]+)*:")


def output_path(path: Any, what: str = "path") -> str | os.PathLike:
    """A path to write a file to: a string or an ``os.PathLike`` (returned as given), else a GLMStatError
    naming ``what``.  Whether it can be written is known only by writing: see :func:`writing_to`."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise GLMStatError(f"{what} must be a file path (a string or a pathlib.Path), got {shown(path)}")
    text = os.fspath(path)
    if not isinstance(text, str):  # (a PathLike of bytes)
        raise GLMStatError(f"{what} must be a file path (a string or a pathlib.Path), got {shown(path)}")
    # (no file has such a name: pyarrow's writer failed on them with ArrowInvalid or UnicodeEncodeError)
    if "\x00" in text:
        raise GLMStatError(f"{what}={shown(text, 300)}: a file path cannot hold a NUL character")
    if not writable_text(text):
        raise GLMStatError(f"{what}={shown(text, 300)}: a file path must be text (it holds a lone surrogate)")
    # the writers read more than a path: pandas and dask hand 'scheme://...' to fsspec, pyarrow any 'scheme:...'
    # that is no local file to its file systems (s3://bucket/x.parquet resolved the bucket's region over the
    # network, http://host/x.parquet opened a connection, hdfs:x loaded the JVM), and both expand a leading ~ --
    # where glmstat's own checks of the path (a named pipe, the fit's data file) and its readers read it as written
    scheme = _URI_SCHEME.match(text)
    if scheme:
        # (a local file whose name holds a colon is reached as ./name, which no scheme begins with)
        local = "" if "/" in text[:scheme.end() + 2] else f", e.g. {shown('./' + text, 300)} for a file named so here"
        raise GLMStatError(f"{what}={shown(text, 300)}: names a URL or another file system ({shown(scheme[0])}); "
                           f"glmstat writes a local file: give a path on this machine{local}")
    if text.startswith("~"):
        raise GLMStatError(f"{what}={shown(text, 300)}: glmstat reads a path as written and does not expand a "
                           "leading ~ (the writer would have, elsewhere); give os.path.expanduser(path)")
    # a named pipe (or a device, a socket) where the file would go: opening a pipe to write waits for a reader,
    # so the call hung for ever; a path is a file to write, or a directory for a dask fit's part files
    try:
        mode = os.stat(text).st_mode
    except (OSError, ValueError):  # (nothing there yet, or a path the system cannot look at: the writer says)
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise GLMStatError(f"{what}={shown(text, 300)}: names a named pipe, a device or a socket, not a file to "
                           "write")
    return path


@contextmanager
def writing_to(path: Any, what: str = "path") -> Iterator[None]:
    """Turn an ``OSError`` of writing ``path`` (a missing directory, a directory in its place, no permission,
    a full disk) into a GLMStatError naming ``what`` and the path, with the system's reason only."""
    try:
        yield
    except OSError as e:
        # (pyarrow's errors carry the errno only in their text, after the path)
        code = re.search(r"\[errno (\d+)\]", str(e))
        reason = os.strerror(int(code.group(1))) if code else (e.strerror or str(e).split(":", 1)[0]
                                                              or type(e).__name__)
        raise GLMStatError(f"{what}={shown(os.fspath(path), 300)}: cannot write the file ({reason})") from e


#: Bytes numpy's array of fixed-width texts may take before a list of texts padded in it is read as objects
#: (:func:`unpadded`)
PADDED_BYTES = 2**26


def unpadded(value: Any) -> Any:
    """``value``, or, when it is a flat list or tuple holding texts that numpy would pad to the longest (an array of
    fixed-width texts, 4 bytes a character: a label of a million characters among 1,000 rows made 3.7 GiB from 1 MB,
    a raw MemoryError in scikit-learn's reading of y or sample_weight, and in
    numpy's of a column of data given as a dict), its items in an object array: each text held once, as given.
    Lists whose array would take at most :data:`PADDED_BYTES` (64 MB), or whose texts are all of one length
    (nothing padded), are left as they are: their labels stay numpy's texts.

    Parameters
    ----------
    value : Any
        What the caller gave.

    Returns
    -------
    Any
    """
    if type(value) not in (list, tuple) or not value:
        return value
    longest = total = 0
    for v in value:
        if type(v) in (list, tuple):  # (rows: scikit-learn refuses a 2-d y, numpy reads X's texts as numbers)
            return value
        if isinstance(v, str):
            longest, total = max(longest, len(v)), total + len(v)
    if 4 * len(value) * longest > max(PADDED_BYTES, 4 * total):
        return np.array(value, dtype=object)
    return value
