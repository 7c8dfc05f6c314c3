"""The hostile-input corpus: one :class:`Case` per input, grouped by attack class.

Every case is run by ``worker.py`` in a worker process, in a fresh temporary working directory that holds a
file ``secret.txt`` with a secret token, with a second secret token in the environment variable
``GLMSTAT_SECURITY_TOKEN`` and (in most data sets) a third in the column ``notes`` that the formula does not
use.  Payloads try to create the marker file ``PWNED`` in that directory, to import the sentinel module
``glmstat_security_sentinel`` (whose import creates the marker), or to read a secret into an error message.

Whatever the expectation, a case passes only if no marker or other file appears, no token appears in any
output, warning or exception text, the call returns within the time limit and its peak memory stays within
the memory limit.  The expectation is then one of

* ``REFUSE``: a ``glmstat.GLMStatError`` (any subclass) is raised (the command line: a non-zero exit with one
  line ``glmstat: error: ...`` on stderr), optionally with a message matching ``match``;
* ``FIT``: the call returns a result (a fit, predictions, or exit status 0 for the command line);
* ``EITHER``: a result or a GLMStatError -- for inputs whose R meaning is debatable (a ``#`` comment, 40,000
  nested parentheses around ``x``, a column name with a backtick), where only safety and speed are asserted.

To add an input, append a case to the list of its class below (ids must be unique); see README.md.
"""

from __future__ import annotations

import gzip
import os
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

import glmstat as gs

REFUSE, FIT, EITHER = "refuse", "fit", "either"

#: names shared with worker.py
MARKER = "PWNED"
SECRET_FILE = "secret.txt"
ENV_VAR = "GLMSTAT_SECURITY_TOKEN"
SENTINEL = "glmstat_security_sentinel"
FILE_TOKEN = "@FILE_TOKEN@"  # replaced by the file token in files written for a case
COLUMN_TOKEN = "@COLUMN_TOKEN@"


@dataclass(frozen=True)
class Tokens:
    """The secret tokens of one run: in the environment, in ``secret.txt``, in the unused column ``notes``."""

    env: str
    file: str
    column: str


class _Fifo:
    """Marker for ``Case.files``: create a named pipe (nobody ever writes to it)."""


FIFO = _Fifo()


@dataclass(frozen=True)
class Case:
    """One hostile (or legitimate) input and what must happen to it.

    ``kind`` is ``"glm"`` (``gs.glm(formula, data, family=family, **kwargs)``), ``"predict"`` (a clean fit of
    ``fit_formula`` on ``fit_data`` outside the timed call, then ``fit.predict(newdata, **predict_kwargs)``),
    ``"cli"`` (``glmstat.cli.main(argv)``, files written first) or ``"call"`` (``call(tokens)``: another
    method such as ``fit.update``, or the harness's own self-test).  ``data``, ``fit_data`` and ``newdata`` are names in
    :data:`DATA` or functions of the :class:`Tokens`; ``files`` maps file names to text, bytes, a function of the tokens
    returning either, or :data:`FIFO`.
    """

    id: str
    cls: str
    expect: str
    formula: Any = None
    data: Any = "base"
    family: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "glm"
    fit_formula: str = "y ~ x + g"
    fit_data: Any = "base"
    newdata: Any = None
    predict_kwargs: Mapping[str, Any] = field(default_factory=dict)
    argv: tuple[str, ...] = ()
    files: Mapping[str, Any] = field(default_factory=dict)
    call: Callable[[Tokens], Any] | None = None
    match: str | None = None
    note: str = ""


# -- data -------------------------------------------------------------------------------------------------
N = 12
_Y = [1.2, 0.7, 2.9, 2.1, 3.8, 2.6, 4.9, 3.7, 5.4, 4.1, 6.3, 5.2]
_X = [float(i) for i in range(1, N + 1)]
_Z = [3.1, 1.7, 2.2, 4.5, 0.9, 2.8, 3.3, 1.2, 4.1, 2.6, 1.9, 3.7]
_V = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 5.2, 8.0]  # a further predictor, not collinear
_G = list("abc" * 4)
_S = [3, 5, 2, 6, 4, 7, 3, 8, 5, 6, 4, 9]
_F = [5, 3, 6, 2, 4, 1, 5, 1, 3, 2, 4, 1]
_CNT = [2, 0, 3, 1, 4, 2, 5, 3, 6, 4, 7, 5]
_YB = [0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1]


def base(t: Tokens) -> pd.DataFrame:
    """y, x, z, g (3 levels), s/f (binomial counts), cnt (counts), yb (0/1), MPG.city, and ``notes``, a column
    no formula uses, holding the column token."""
    return pd.DataFrame({
        "y": _Y, "x": _X, "z": _Z, "g": _G, "s": _S, "f": _F, "cnt": _CNT, "yb": _YB,
        "MPG.city": _V, "notes": [f"row{i}:{t.column}" for i in range(N)],
    })


def small(t: Tokens) -> pd.DataFrame:
    """y, x, z only (for ``.``, which uses every column)."""
    return pd.DataFrame({"y": _Y, "x": _X, "z": _Z})


def with_column(label: Any, values: Any = None, start: str = "base") -> Callable[[Tokens], pd.DataFrame]:
    """A data builder: ``start`` plus one column ``label`` (default: a numeric predictor), any label type."""
    def build(t: Tokens) -> pd.DataFrame:
        df = DATA[start](t)
        cols = list(df.columns) + [label]
        arrays = [df[c].to_numpy() for c in df.columns] + [np.asarray(_V) if values is None else _objects(values)]
        out = pd.DataFrame(dict(zip(range(len(cols)), arrays)))
        out.columns = pd.Index(cols, dtype=object, tupleize_cols=False)
        return out
    return build


def _objects(values: list) -> np.ndarray:
    """A 1-d object array holding ``values`` as they are (lists stay list elements, not a second axis)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = v
    return out


def with_labels(labels: list, start: str = "small") -> Callable[[Tokens], pd.DataFrame]:
    """A data builder: ``start``'s columns relabelled (labels of any type, duplicates after str() allowed)."""
    def build(t: Tokens) -> pd.DataFrame:
        df = DATA[start](t)
        extra = len(labels) - df.shape[1]
        arrays = [df[c].to_numpy() for c in df.columns] + [np.asarray(_V) + k for k in range(extra)]
        out = pd.DataFrame(dict(zip(range(len(arrays)), arrays)))
        out.columns = pd.Index(labels, dtype=object, tupleize_cols=False)
        return out
    return build


def many(t: Tokens) -> pd.DataFrame:
    """y and 26 numeric columns a..z, 60 rows."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame({c: rng.normal(size=60) for c in "abcdefghijklmnopqrstuvwxyz"})
    return df.assign(y=rng.normal(size=60))


def levels_10k(t: Tokens) -> pd.DataFrame:
    """10,000 rows; ``a`` and ``b`` have 10,000 levels each."""
    rng = np.random.default_rng(2)
    n = 10_000
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n),
                         "a": [f"a{i}" for i in rng.permutation(n)], "b": [f"b{i}" for i in rng.permutation(n)]})


def levels_100k(t: Tokens) -> pd.DataFrame:
    """100,000 rows, ``id`` has 100,000 levels."""
    rng = np.random.default_rng(3)
    n = 100_000
    return pd.DataFrame({"y": rng.normal(size=n), "id": [f"id{i}" for i in range(n)]})


def distinct_1m(t: Tokens) -> pd.DataFrame:
    """A million rows; ``x`` and ``z`` are a million distinct numbers each (24 MB in all)."""
    rng = np.random.default_rng(5)
    n = 1_000_000
    return pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n), "z": rng.normal(size=n)})


def wide(t: Tokens) -> pd.DataFrame:
    """3 rows, 5,000 numeric columns c0..c4999 and y."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.normal(size=(3, 5000)), columns=[f"c{i}" for i in range(5000)])
    return df.assign(y=[1.0, 2.0, 4.0])


def xz_100(t: Tokens) -> pd.DataFrame:
    """100 rows of y, x, z (2.4 KB of numbers): ``poly(x, k):poly(z, k)`` has k^2 + 1 dense columns."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"y": rng.normal(size=100), "x": rng.normal(size=100), "z": rng.normal(size=100)})


def ticks(t: Tokens) -> pd.DataFrame:
    """Factor levels with a backtick, a '#', a '~' and quotes (legitimate strings)."""
    return base(t).assign(gt=["a`b", "c", "d"] * 4, gh=["#1", "#2", "x"] * 4, gq=["a~b", "it's", 'say "hi"'] * 4)


def unused_categories(t: Tokens) -> pd.DataFrame:
    """base plus ``h``, a pandas Categorical of g's three strings among 300,000 categories no row uses (as
    ``pd.read_parquet`` reads a file's dictionary of that many entries)."""
    cats = [f"c{i}" for i in range(150_000)] + ["a", "b", "c"] + [f"d{i}" for i in range(150_000)]
    return base(t).assign(h=pd.Categorical(_G, categories=cats))


def unused_integer_categories(t: Tokens) -> pd.DataFrame:
    """base plus ``k``, a pandas Categorical of the integers 1 to 3 among 300,000 integer categories."""
    return base(t).assign(k=pd.Categorical([1, 2, 3] * 4, categories=list(range(300_000))))


class Evil:
    """A Python object in a data column whose dunder methods misbehave (raise unusual exceptions)."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __float__(self) -> float:
        raise SystemError("Evil.__float__")

    def __index__(self) -> int:
        raise KeyError("Evil.__index__")

    def __eq__(self, other: object) -> bool:
        raise RecursionError("Evil.__eq__")

    def __hash__(self) -> int:
        raise LookupError("Evil.__hash__")

    def __lt__(self, other: object) -> bool:
        raise MemoryError("Evil.__lt__")


class Labelled:
    """A category of a pandas Categorical: hashable and ordered (so pandas builds the Categorical), whose text
    is code that came with the data -- writing it creates the marker file."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __hash__(self) -> int:
        return hash(self.i)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Labelled) and other.i == self.i

    def __lt__(self, other: "Labelled") -> bool:
        return self.i < other.i

    def __str__(self) -> str:
        open("PWNED", "w").close()
        return f"L{self.i}"

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return str(self)


def _categorical(values: list) -> Callable[[Tokens], pd.DataFrame]:
    """A data builder: base plus ``obj``, a pandas Categorical of ``values`` (categories of an object dtype)."""
    return lambda t: base(t).assign(obj=_object_categorical(_objects(values)))


def _object_categorical(values: np.ndarray) -> pd.Categorical:
    """pd.Categorical(values); pandas 2.0 cannot make one of Python ints beyond 64 bits (it tries floats and
    raises OverflowError), so there its categories are given as an object Index (sorted, as pandas sorts them)."""
    try:
        return pd.Categorical(values)
    except OverflowError:
        ordered = sorted(set(values.tolist()))
        position = {v: i for i, v in enumerate(ordered)}
        return pd.Categorical.from_codes([position[v] for v in values.tolist()],
                                         categories=pd.Index(ordered, dtype=object))


def long_texts(t: Tokens) -> pd.DataFrame:
    """Ten rows; ``g`` ten distinct texts of 150,000 characters ("ab" repeated after a number: 1.5 million)."""
    return pd.DataFrame({"y": np.arange(10, dtype=float), "x": np.arange(10) % 3 * 1.0,
                         "g": [f"{i:06d}" + "ab" * 74_997 for i in range(10)]})


DATA: dict[str, Callable[[Tokens], Any]] = {
    "base": base, "small": small, "many": many, "levels_10k": levels_10k, "levels_100k": levels_100k,
    "wide": wide, "ticks": ticks, "xz_100": xz_100, "distinct_1m": distinct_1m, "long_texts": long_texts,
    "unused_categories": unused_categories, "unused_integer_categories": unused_integer_categories,
}

GAUSS, BINOM, POIS = gs.Gaussian(), gs.Binomial(), gs.Poisson()

# -- payloads ---------------------------------------------------------------------------------------------
TOUCH = "__import__('os').system('touch PWNED')"
TOUCH_DQ = '__import__("os").system("touch PWNED")'
OPEN_W = "open('PWNED', 'w').close()"
IMPORT_SENTINEL = f"__import__('{SENTINEL}')"
PATHLIB = "__import__('pathlib').Path('PWNED').touch()"
EXEC = "exec(\"open('PWNED', 'w').close()\")"
SUBPROC = "__import__('subprocess').call(['touch', 'PWNED'])"
READ_FILE = "int(open('secret.txt').read())"
READ_ENV = f"int(__import__('os').getenv('{ENV_VAR}'))"
READ_COLUMN = ("int([o.get('notes').tolist()[0] for o in __import__('gc').get_objects() "
               "if type(o) is getattr(__import__('pandas'), 'DataFrame') and 'notes' in o.keys()][0])")
WARN_FILE = "__import__('warnings').warn(open('secret.txt').read())"

PAYLOADS = {"touch": TOUCH, "open": OPEN_W, "sentinel": IMPORT_SENTINEL, "pathlib": PATHLIB, "exec": EXEC,
            "subprocess": SUBPROC}


def bt(payload: str, q: str = "'") -> str:
    """The backtick escape: a tuple whose string literals hold backticks, so that text masking backtick-quoted
    names hides the payload between them (``('`', PAYLOAD, '`')[1]``)."""
    return f"({q}`{q}, {payload}, {q}`{q})[1]"


def _cases(cls: str, rows: list[tuple]) -> list[Case]:
    """Cases of one class from (id, expect, formula, options) rows."""
    out = []
    for row in rows:
        cid, expect, formula = row[:3]
        opts = row[3] if len(row) > 3 else {}
        out.append(Case(id=f"{cls}-{cid}", cls=cls, expect=expect, formula=formula, **opts))
    return out


# -- 1. escapes through literals --------------------------------------------------------------------------
_B = bt(TOUCH)
LITERALS = _cases("literals", [
    # the backtick escape in every position a formula has
    ("bt-I", REFUSE, f"y ~ x + I(x + 0*{_B})"),
    ("bt-factor", REFUSE, f"y ~ x + factor(x + 0*{_B})"),
    ("bt-C", REFUSE, f"y ~ x + C(x + 0*{_B})"),
    ("bt-log", REFUSE, f"y ~ log(x + 0*{_B})"),
    ("bt-lhs", REFUSE, f"I(y + 0*{_B}) ~ x"),
    ("bt-cbind", REFUSE, f"cbind(s, f + 0*{_B}) ~ x", {"family": BINOM}),
    ("bt-offset", REFUSE, f"cnt ~ x + offset(0*{_B})", {"family": POIS}),
    ("bt-interaction", REFUSE, f"y ~ g:I(x + 0*{_B})"),
    ("bt-poly", REFUSE, f"y ~ poly(x + 0*{_B}, 2)"),
    ("bt-relevel", REFUSE, f"y ~ relevel(g, ref = ('`', {TOUCH}, '`', 'b')[3])"),
    ("bt-pmax", REFUSE, f"y ~ pmax(x, 0*{_B})"),
    ("bt-ifelse", REFUSE, f"y ~ ifelse(x > 0*{_B}, 1, 0)"),
    ("bt-in", REFUSE, f"y ~ x %in% I(x + 0*{_B})"),
    ("bt-power", REFUSE, f"y ~ (x + I(x + 0*{_B}))^2"),
    ("bt-nested", REFUSE, f"y ~ log(exp(I(x + 0*{_B})))"),
    ("bt-minus", REFUSE, f"y ~ x - I(x + 0*{_B})"),
    ("bt-dquote", REFUSE, f"y ~ x + I(x + 0*{bt(TOUCH, chr(34))})"),
    ("bt-open", REFUSE, f"y ~ x + I(x + 0*{bt(OPEN_W)})"),
    ("bt-sentinel", REFUSE, f"y ~ x + I(x + 0*{bt(IMPORT_SENTINEL)})"),
    ("bt-pathlib", REFUSE, f"y ~ x + I(x + 0*{bt(PATHLIB)})"),
    ("bt-exec", REFUSE, f"y ~ x + I(x + 0*{bt(EXEC)})"),
    # R's summaries of a column: their arguments are evaluated as any other
    ("bt-mean", REFUSE, f"y ~ I(x - mean(x + 0*{_B}))"),
    ("bt-sum-arguments", REFUSE, f"y ~ I(x/sum(x, 0*{_B}))"),
    ("bt-mean-trim", REFUSE, f"y ~ I(x - mean(x, trim = 0*{_B}))"),
    ("bt-max-na-rm", REFUSE, f"y ~ I(x/max(x, na.rm = {_B}))"),
    ("mean-globals", REFUSE, "y ~ I(mean.__globals__)"),
    ("sum-generator", REFUSE, "y ~ I(x + sum(v for v in x))"),
    ("max-starred", REFUSE, "y ~ I(x/max(*[x, x]))"),
    ("median-kwargs-splat", REFUSE, "y ~ I(x - median(x, **{'na.rm': True}))"),
    ("bt-subprocess", REFUSE, f"y ~ x + I(x + 0*{bt(SUBPROC)})"),
    ("bt-after-name", REFUSE, f"y ~ `x` + I(x + 0*{_B})"),
    ("bt-double", REFUSE, f"y ~ x + I(x + 0*('``', {TOUCH}, '``')[1])"),
    ("bt-three", REFUSE, f"y ~ x + I(x + 0*('`', '`', {TOUCH}, '`')[2])"),
    ("bt-concat", REFUSE, f"y ~ x + I(x + 0*(\"`\" + str({TOUCH}) + \"`\" == ''))"),
    ("bt-triple", REFUSE, f"y ~ x + I(x + 0*('''`''' + str({TOUCH}) + '''`''' == ''))"),
    ("bt-triple-dquote", REFUSE, f'y ~ x + I(x + 0*("""`""" + str({TOUCH}) + """`""" == ""))'),
    ("bt-function-name", REFUSE, f"y ~ `I`(x + 0*{TOUCH})"),
    ("bt-lookalike-fullwidth", REFUSE, f"y ~ x + I(x + 0*('\uff40', {TOUCH}, '\uff40')[1])"),
    ("bt-lookalike-modifier", REFUSE, f"y ~ x + I(x + 0*('\u02cb', {TOUCH}, '\u02cb')[1])"),
    ("bt-escaped", REFUSE, f"y ~ x + I(x + 0*('\\`' + str({TOUCH}) + '\\`' == ''))"),
    ("bt-hex-escape", REFUSE, f"y ~ x + I(x + 0*('\\x60' + str({TOUCH}) == ''))"),
    ("bt-nfkc-name", REFUSE,
     "y ~ x + I(x + 0*('`', __\uff49\uff4d\uff50\uff4f\uff52\uff54__('os').system('touch PWNED'), '`')[1])"),
    ("bt-tilde-inside", REFUSE, f"y ~ x + I(x + 0*('`~`', {TOUCH}, '`~`')[1])"),
    ("bt-lhs-name", REFUSE, f"`y` + 0*{_B} ~ x"),
    # quotes and escapes that a scanner without escape handling gets wrong
    ("quote-escaped-single", REFUSE, f"y ~ x + I(x + 0*('\\'`' + str({TOUCH}) + '`\\'' == ''))"),
    ("quote-escaped-double", REFUSE, f'y ~ x + I(x + 0*("\\"`" + str({TOUCH}) + "`\\"" == ""))'),
    ("quote-unbalanced", REFUSE, f"y ~ x + I('{TOUCH})"),
    ("quote-smart", REFUSE, f"y ~ x + I(x + 0*len(\u2018`\u2019 + str({TOUCH})))"),
    ("raw-string", REFUSE, f"y ~ x + I(x + 0*(r'`' + str({TOUCH}) + r'`' == ''))"),
    ("bytes-literal", REFUSE, f"y ~ x + I(x + 0*(b'`' + bytes({TOUCH}) + b'`' == b''))"),
    # NUL bytes, comments, newlines, line continuations, statements
    ("nul-after-term", REFUSE, f"y ~ x\x00 + I(x + 0*{TOUCH})"),
    ("nul-in-string", REFUSE, f"y ~ x + I(x + 0*('`\x00', {TOUCH}, '`')[1])"),
    ("nul-only-tail", EITHER, "y ~ x\x00"),
    ("comment-payload", EITHER, f"y ~ x # + I(x + 0*{TOUCH})"),
    ("comment-then-newline", REFUSE, f"y ~ x # `\n + I(x + 0*{_B})"),
    ("comment-in-call", REFUSE, f"y ~ x + I(x # )\n + 0*{TOUCH})"),
    ("comment-backtick", REFUSE, f"y ~ x + I(x + 0*{_B}) # `"),
    ("newline-term", REFUSE, f"y ~ x +\n I(x + 0*{_B})"),
    ("newline-crlf", REFUSE, f"y ~ x\r\n + I(x + 0*{TOUCH})"),
    ("line-continuation", REFUSE, f"y ~ x + I(x + \\\n 0*{TOUCH})"),
    ("semicolon", REFUSE, f"y ~ x; {TOUCH}"),
    ("semicolon-in-call", REFUSE, f"y ~ x + I(x; {TOUCH})"),
    # f-strings and formatting
    ("fstring", REFUSE, f"y ~ x + I(x + 0*(f'{{{TOUCH_DQ}}}' == ''))"),
    ("fstring-upper-raw", REFUSE, f"y ~ x + I(x + 0*(RF'{{{TOUCH_DQ}}}' == ''))"),
    ("fstring-in-backticks", REFUSE, f"y ~ x + I(x + 0*(f'`{{{TOUCH_DQ}}}`' == ''))"),
    ("fstring-in-bt-tuple", REFUSE, f"y ~ x + I(x + 0*('`', f'{{{TOUCH_DQ}}}', '`')[2])"),
    ("percent-format", REFUSE, f"y ~ x + I(x + 0*('`%s`' % {TOUCH} == ''))"),
    ("str-format-attribute", REFUSE, "y ~ x + I(x + 0*('{0.__class__.__mro__}'.format(x) == ''))"),
    # unicode look-alikes that Python folds to real names (NFKC)
    ("nfkc-fullwidth-import", REFUSE,
     "y ~ x + I(x + 0*__\uff49\uff4d\uff50\uff4f\uff52\uff54__('os').system('touch PWNED'))"),
    ("nfkc-fullwidth-low-line", REFUSE, "y ~ x + I(x + 0*\uff3f\uff3fimport\uff3f\uff3f('os').system('touch PWNED'))"),
    ("nfkc-math-open", REFUSE,
     "y ~ x + I(x + 0*(\U0001d428\U0001d429\U0001d41e\U0001d427('PWNED', 'w').close() is None))"),
    ("nfkc-fullwidth-eval", REFUSE,
     "y ~ x + I(x + 0*\uff45\uff56\uff41\uff4c(\"__import__('os').system('touch PWNED')\"))"),
    ("cyrillic-import", REFUSE, "y ~ x + I(x + 0*__imp\u043ert__('os').system('touch PWNED'))"),
    ("zero-width-import", REFUSE, "y ~ x + I(x + 0*__imp\u200bort__('os').system('touch PWNED'))"),
    ("bidi-override", REFUSE, f"y ~ x + I(x\u202e + 0*{TOUCH})"),
    # legitimate strings that contain the same characters: these must keep working
    ("ok-relevel", FIT, 'y ~ relevel(g, ref = "b")'),
    ("ok-relevel-single-quotes", FIT, "y ~ relevel(g, ref = 'c')"),
    ("ok-level-with-backtick", FIT, 'y ~ relevel(gt, ref = "a`b")', {"data": "ticks"}),
    ("ok-level-with-hash", FIT, 'y ~ relevel(gh, ref = "#2")', {"data": "ticks"}),
    ("ok-level-with-tilde", FIT, "y ~ relevel(gq, ref = 'a~b')", {"data": "ticks"}),
    ("ok-string-comparison", FIT, 'y ~ x + ifelse(g == "a", 1, 0)'),
    ("ok-newline-between-terms", FIT, "y ~ x +\n  z"),
])

# -- 2. names: dunders, builtins, attribute chains, R-dotted names ---------------------------------------
NAMES = _cases("names", [
    ("dunder-import", REFUSE, "y ~ __import__"),
    ("dunder-import-call", REFUSE, f"y ~ x + I(x + 0*{TOUCH})"),
    ("dunder-builtins", REFUSE, "y ~ x + I(__builtins__)"),
    ("dunder-class-bare", REFUSE, "y ~ __class__"),
    ("x-class", REFUSE, "y ~ x.__class__"),
    ("x-class-in-I", REFUSE, "y ~ I(x.__class__)"),
    ("subclasses", REFUSE, "y ~ I(x.__class__.__mro__[-1].__subclasses__())"),
    ("tuple-class", REFUSE, "y ~ I(().__class__.__base__.__subclasses__())"),
    ("str-class", REFUSE, "y ~ I(''.__class__)"),
    ("int-class", REFUSE, "y ~ I((1).__class__)"),
    ("element-class", REFUSE, "y ~ I(x[0].__class__)"),
    ("to-csv", REFUSE, "y ~ I(x.to_csv('PWNED'))"),
    ("to-pickle", REFUSE, "y ~ x + I(0*len(str(x.to_pickle('PWNED'))))"),
    ("tofile", REFUSE, "y ~ I(x.to_numpy().tofile('PWNED'))"),
    ("values-tofile", REFUSE, "y ~ I(x.values.tofile('PWNED'))"),
    ("pipe-print", REFUSE, "y ~ I(x.pipe(print))"),
    ("apply-eval", REFUSE, "y ~ I(g.apply(eval))"),
    ("series-plot-backend", REFUSE, f"y ~ I(x.plot(backend='{SENTINEL}'))"),
    ("np-load", REFUSE, "y ~ np.load('PWNED')"),
    ("np-save", REFUSE, "y ~ x + I(0*len(str(np.save('PWNED', x))))"),
    ("np-savetxt-lib", REFUSE, "y ~ I(np.lib.npyio.savetxt('PWNED', x))"),
    ("np-lib", REFUSE, "y ~ np.lib"),
    ("np-ctypeslib", REFUSE, "y ~ I(np.ctypeslib)"),
    ("np-testing", REFUSE, "y ~ I(np.testing)"),
    ("np-dict", REFUSE, "y ~ np.__dict__"),
    ("np-log-globals", REFUSE, "y ~ I(np.log.__globals__)"),
    ("np-fromfile", REFUSE, "y ~ I(np.fromfile('secret.txt'))"),
    ("np-loadtxt-secret", REFUSE, "y ~ I(np.loadtxt('secret.txt'))"),
    ("np-genfromtxt-secret", REFUSE, "y ~ I(np.genfromtxt('secret.txt', dtype=str))"),
    ("np-memmap", REFUSE, "y ~ I(np.memmap('PWNED', mode='w+', shape=1))"),
    ("np-vectorize", REFUSE, "y ~ I(np.vectorize(print)(x))"),
    ("np-frompyfunc", REFUSE, "y ~ I(np.frompyfunc(eval, 1, 1)(g))"),
    ("np-where-dunder", REFUSE, "y ~ I(np.where.__self__)"),
    ("contr-dict", REFUSE, "y ~ C(g, contr.__dict__)"),
    ("contr-class", REFUSE, "y ~ C(g, contr.__class__)"),
    ("contr-globals", REFUSE, "y ~ C(g, contr.treatment.__init__.__globals__)"),
    ("contr-module", REFUSE, "y ~ I(contr.treatment.__module__)"),
    ("log-globals", REFUSE, "y ~ I(log.__globals__['np'].save('PWNED', x))"),
    ("factor-globals", REFUSE, "y ~ factor.__globals__"),
    ("pmax-self", REFUSE, "y ~ I(pmax.__self__)"),
    ("C-wrapped", REFUSE, "y ~ I(C.__wrapped__)"),
    ("poly-code", REFUSE, "y ~ I(poly.__code__)"),
    ("getattr", REFUSE, "y ~ I(getattr(x, 'to_csv')('PWNED'))"),
    ("eval", REFUSE, "y ~ I(eval(\"open('PWNED', 'w')\"))"),
    ("exec", REFUSE, f"y ~ I({EXEC})"),
    ("compile", REFUSE, "y ~ I(compile('1', 'f', 'eval'))"),
    ("globals", REFUSE, "y ~ I(globals())"),
    ("vars", REFUSE, "y ~ I(vars())"),
    ("dir", REFUSE, "y ~ I(dir())"),
    ("breakpoint", REFUSE, "y ~ I(breakpoint())"),
    ("input", REFUSE, "y ~ I(input())"),
    ("print", REFUSE, "y ~ I(print(x))"),
    ("type", REFUSE, "y ~ I(type(x))"),
    ("object", REFUSE, "y ~ I(object)"),
    ("help", REFUSE, "y ~ I(help(x))"),
    ("lambda", REFUSE, "y ~ I((lambda: open('PWNED', 'w'))())"),
    ("comprehension", REFUSE, "y ~ I([open('PWNED', 'w') for _ in x])"),
    ("walrus", REFUSE, "y ~ I((z := x))"),
    ("starred", REFUSE, "y ~ pmax(*[x, x])"),
    ("kwargs-splat", REFUSE, "y ~ poly(x, **{'degree': 2})"),
    ("subscript-dunder", REFUSE, "y ~ I(x['__class__'])"),
    ("glmstat-internals", REFUSE, "y ~ x + data + df + self + ns"),
    ("R-special-Error", REFUSE, "y ~ x + Error(g)"),
    ("R-special-strata", REFUSE, "y ~ x + strata(g)"),
    ("R-dots", EITHER, "y ~ ..."),
    ("R-dot-dot-1", REFUSE, "y ~ ..1"),
    ("dotted-not-a-column", REFUSE, "y ~ x.to_csv"),
    ("dotted-call-not-a-column", REFUSE, "y ~ x.to_csv('PWNED')"),
    ("dotted-in-call-not-a-column", REFUSE, "y ~ log(x.to_csv)"),
    ("ok-dotted-column", FIT, "y ~ MPG.city"),
    ("ok-dotted-column-in-call", FIT, "y ~ log(MPG.city)"),
    ("ok-dotted-response", FIT, "MPG.city ~ x"),
    ("ok-dotted-looks-like-method", FIT, "y ~ x.to_csv", {"data": with_column("x.to_csv")}),
    ("ok-dotted-looks-like-method-in-call", FIT, "y ~ log(x.to_csv)", {"data": with_column("x.to_csv")}),
    ("ok-dotted-dunder-column", FIT, "y ~ x.__class__", {"data": with_column("x.__class__")}),
    ("ok-leading-dot-column", FIT, "y ~ .x", {"data": with_column(".x")}),
    ("ok-np-log", FIT, "y ~ np.log(x)"),
    ("ok-as-numeric", FIT, "y ~ as.numeric(x) + as.factor(g)"),
    ("ok-log-base", FIT, "y ~ log(x, 10)"),
])

# -- 3. data columns whose names are dangerous -----------------------------------------------------------
_DANGEROUS = ["contr", "np", "log", "open", "I", "C", "factor", "offset", "eval", "exec", "os", "poly", "cbind",
              "print", "globals", "data", "exp"]
_STR = list("pqr" * 4)
COLUMNS = _cases("columns", [
    *[(f"plain-{n}", FIT, f"y ~ {n}", {"data": with_column(n)}) for n in _DANGEROUS],
    *[(f"backticked-{n}", FIT, f"y ~ `{n}`", {"data": with_column(n)})
      for n in ["__import__", "__builtins__", "__class__", "lambda", "class", "if", "TRUE", "None", "Inf"]],
    ("contr-to-csv", REFUSE, "y ~ I(x + 0*(contr.to_csv('PWNED') is None))", {"data": with_column("contr")}),
    ("contr-plot-backend", REFUSE, f"y ~ x + contr.plot(backend='{SENTINEL}')", {"data": with_column("contr")}),
    ("contr-to-pickle-in-C", REFUSE, "y ~ C(g, contr.to_pickle('PWNED'))", {"data": with_column("contr")}),
    ("contr-string-column-str-cat", REFUSE, "y ~ I(contr.str.cat())", {"data": with_column("contr", _STR)}),
    ("np-column-save", REFUSE, "y ~ x + I(0*len(str(np.save('PWNED', x))))", {"data": with_column("np")}),
    ("np-column-to-csv", REFUSE, "y ~ I(np.to_csv('PWNED'))", {"data": with_column("np")}),
    ("np-column-with-np-log", EITHER, "y ~ np.log(x)", {"data": with_column("np")}),
    ("open-column-called", REFUSE, "y ~ I(open('PWNED', 'w'))", {"data": with_column("open")}),
    ("import-column-called", REFUSE, f"y ~ x + I(0*{TOUCH})", {"data": with_column("__import__")}),
    ("eval-column-called", REFUSE, "y ~ I(eval(\"open('PWNED', 'w')\"))", {"data": with_column("eval")}),
    ("ok-log-column-and-function", FIT, "y ~ log(x) + log", {"data": with_column("log")}),
    ("ok-log-of-log", FIT, "y ~ log(log)", {"data": with_column("log")}),
    ("ok-I-of-I", FIT, "y ~ I(I^2)", {"data": with_column("I")}),
    ("ok-factor-of-factor", FIT, "y ~ factor(factor)", {"data": with_column("factor", _STR)}),
    ("ok-C-of-C", FIT, "y ~ C(C)", {"data": with_column("C", _STR)}),
    ("ok-offset-of-offset", FIT, "cnt ~ x + offset(log(offset))", {"data": with_column("offset"), "family": POIS}),
    ("ok-poly-of-poly", FIT, "y ~ poly(poly, 2)", {"data": with_column("poly")}),
    # R's polym: its columns, C(d + m, m) - 1, counted before the exponents or any column is made
    ("polym-degree-huge", REFUSE, "y ~ poly(x, z, degree = 2147483647)"),
    ("polym-many-variables", REFUSE, "y ~ poly(" + ", ".join(["x", "z"] * 200) + ", degree = 3)"),
    # columns of 4,300 digits and more: the refusal's count raised Python's ValueError (integer string conversion)
    # a width or precision of 5,000 digits: int() of its text raised Python's ValueError (integer string conversion)
    ("sprintf-width-5000-digits", REFUSE, 'y ~ x + sprintf("%' + "9" * 5000 + 'd", s)',
     {"match": "has a width of 5,000 digits, more than 8,192"}),
    ("sprintf-precision-5000-digits", REFUSE, 'y ~ x + sprintf("%.' + "9" * 5000 + 'f", x)',
     {"match": "has a precision of 5,000 digits"}),
    ("ok-sprintf-zero-flags-5000", FIT, 'y ~ x + sprintf("%' + "0" * 5000 + '3d", s)'),
    # a repetition count of 5,000 digits: int() of its text raised Python's ValueError; leading zeros are a zero
    ("grepl-count-5000-digits", REFUSE, 'y ~ x + grepl("a{' + "9" * 5000 + '}", g)',
     {"match": "has the repetition .99999999...}: counts go from 0 to 255"}),
    ("grepl-count-range-5000-digits", REFUSE, 'y ~ x + grepl("a{1,' + "9" * 5000 + '}", g)',
     {"match": "counts go from 0 to 255"}),
    ("ok-grepl-count-leading-zeros", FIT, 'y ~ x + grepl("a{' + "0" * 5000 + '1}", g)'),
    # (so did the levels of interaction() of 4,000 variables of 12 values each, 12^4000, which drop = FALSE counts)
    ("interaction-levels-beyond-text", REFUSE, "y ~ interaction(" + ",".join(["x"] * 4000) + ", drop = FALSE)",
     {"match": "an integer of about 1e"}),
    ("polym-columns-beyond-text", REFUSE, "y ~ poly(" + ",".join(["x"] * 6500) + ", degree = 2147483647)",
     {"match": "more basis columns than allowed: an integer of about 1e"}),
    ("polym-degree-column", REFUSE, "y ~ poly(x, z, degree = x)"),
    ("bt-polym", REFUSE, f"y ~ poly(x, z + 0*{_B}, degree = 2)"),
    ("ok-polym", FIT, "y ~ poly(x, z, degree = 2)"),
    ("ok-open-interaction", FIT, "y ~ open:x + open", {"data": with_column("open")}),
    ("ok-trailing-space-twin", FIT, "y ~ x", {"data": with_column("y ")}),
    # columns holding Python objects
    ("objects-dicts-used", REFUSE, "y ~ x + obj", {"data": with_column("obj", [{"k": i} for i in range(N)])}),
    ("objects-lists-used", REFUSE, "y ~ x + obj", {"data": with_column("obj", [[i] for i in range(N)])}),
    ("objects-evil-used", REFUSE, "y ~ x + obj", {"data": with_column("obj", [Evil(i) for i in range(N)])}),
    ("objects-evil-in-factor", REFUSE, "y ~ factor(obj)", {"data": with_column("obj", [Evil(i) for i in range(N)])}),
    ("objects-evil-response", REFUSE, "obj ~ x", {"data": with_column("obj", [Evil(i) for i in range(N)])}),
    ("objects-modules-used", REFUSE, "y ~ x + obj", {"data": with_column("obj", [os] * N)}),
    ("objects-bytes-used", EITHER, "y ~ x + obj", {"data": with_column("obj", [b"p", b"q", b"r"] * 4)}),
    ("objects-mixed-used", EITHER, "y ~ x + obj", {"data": with_column("obj", ["a", 1, 2.5] * 4)}),
    ("ok-objects-unused", FIT, "y ~ x", {"data": with_column("obj", [Evil(i) for i in range(N)])}),
    # a Categorical's categories are levels as they are: objects of any type, whose text (their __str__) was
    # written for every level, and Python integers whose text Python refuses past 4,300 digits (a ValueError)
    ("categories-objects-used", REFUSE, "y ~ x + obj", {"data": _categorical([Labelled(i % 3) for i in range(N)]),
                                                       "match": "categories of the Categorical column 'obj'"}),
    ("categories-huge-integers-used", REFUSE, "y ~ x + obj",
     {"data": _categorical([10**5000 + i % 3 for i in range(N)]), "match": "too large for double precision"}),
    ("ok-categories-objects-unused", FIT, "y ~ x", {"data": _categorical([Labelled(i % 3) for i in range(N)])}),
    ("ok-categories-mixed-used", FIT, "y ~ x + obj", {"data": _categorical(["a", 1, 2.5] * 4)}),
    ("ok-modules-unused", FIT, "y ~ x + g", {"data": with_column("obj", [os] * N)}),
])

# -- 4. '.' and '-' expansion with hostile column names ---------------------------------------------------
_BT_NAME = "q` + I(0*('`', __import__('os').system('touch PWNED'), '`')[1]) + `q"
def _slug(text: str) -> str:
    """A readable test id fragment for an arbitrary column name."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in text)[:24].strip("_") or "_"


_DOT_FIT = ["a b", "a+b", "a-b", "a*b", "a/b", "a:b", "a^b", "a~b", "a|b", "a%in%b", "(a)", "a)", "a,b", "a'b",
            'a"b', "a\tb", "#a", "a#b", "1a", "1", "-1", "I(x)", "log(x)", "x^2", TOUCH, OPEN_W, "__class__",
            "np.load", "x.__class__", "contr", "%s%s%s", "{0.__class__}", "$(touch PWNED)", "; touch PWNED",
            "\u00e4 \u00f6", "\u540d\u524d", "a\u200bb", "TRUE", "NA", "function", "if", "Inf", "..1"]
_DOT_EITHER = [_BT_NAME, "`", "``", "a`b", "a\nb", "a\x00b", "\x00", "", " ", ".", "...", "\u202e", "\uff58",
               "Intercept", "(Intercept)", "y ~ x", "a" * 10_000]
_NON_STRING = {"int": 0, "float": 1.5, "none": None, "tuple": ("a", "b"), "bool": True, "np-int": np.int64(3),
               "frozenset": frozenset({"a"})}
DOT = _cases("dot", [
    *[(f"fit-{i:02d}-{_slug(n)}", FIT, "y ~ .", {"data": with_column(n, start="small")})
      for i, n in enumerate(_DOT_FIT)],
    *[(f"either-{i:02d}", EITHER, "y ~ .", {"data": with_column(n, start="small"),
                                            "note": f"column {n[:40]!r}"}) for i, n in enumerate(_DOT_EITHER)],
    *[(f"label-{k}", EITHER, "y ~ .", {"data": with_column(v, start="small")}) for k, v in _NON_STRING.items()],
    ("label-int-unused", EITHER, "y ~ x", {"data": with_column(0, start="small")}),
    ("label-tuple-unused", EITHER, "y ~ x", {"data": with_column(("a", "b"), start="small")}),
    ("label-dup-after-str", EITHER, "y ~ .", {"data": with_labels(["y", "x", 1, "1"])}),
    ("label-dup-none", EITHER, "y ~ .", {"data": with_labels(["y", "x", None, "None"])}),
    ("label-dup-float", EITHER, "y ~ .", {"data": with_labels(["y", "x", 1.0, "1.0"])}),
    ("label-all-ints", EITHER, "`0` ~ .", {"data": with_labels([0, 1, 2])}),
    ("minus-bt-name", EITHER, "y ~ . - x", {"data": with_column(_BT_NAME, start="small")}),
    ("minus-the-hostile", FIT, "y ~ . - `a+b`", {"data": with_column("a+b", start="small")}),
    ("minus-notes", FIT, "y ~ . - notes - g - MPG.city - s - f - cnt - yb"),
    ("power-hostile", FIT, "y ~ .^2", {"data": with_column("a:b", start="small")}),
    ("power-bt-name", EITHER, "y ~ .^2", {"data": with_column(_BT_NAME, start="small")}),
    ("times-bt-name", EITHER, "y ~ x * .", {"data": with_column(_BT_NAME, start="small")}),
    ("dot-in-call", EITHER, "y ~ log(.)", {"data": "small"}),
    ("dot-in-I", EITHER, "y ~ I(.)", {"data": with_column(_BT_NAME, start="small")}),
    ("dot-lhs", EITHER, ". ~ x", {"data": with_column(_BT_NAME, start="small")}),
    ("dot-interaction", EITHER, "y ~ .:x", {"data": with_column(_BT_NAME, start="small")}),
    ("dot-in-offset", EITHER, "y ~ x + offset(.)", {"data": with_column(_BT_NAME, start="small")}),
    ("dot-twice-hostile", EITHER, "y ~ . + .", {"data": with_column("a+b", start="small")}),
])


def _csv(label: str) -> Callable[[Tokens], bytes]:
    """A CSV file whose header has column ``label`` (written by pandas, so quoted as CSV needs)."""
    def build(t: Tokens) -> bytes:
        return with_column(label, start="small")(t).to_csv(index=False).encode()
    return build


_CLI_FIT = ("fit", "y ~ .", "data.csv", "--family", "gaussian")
DOT += [
    Case(id="dot-cli-header-bt-payload", cls="dot", expect=EITHER, kind="cli", argv=_CLI_FIT,
         files={"data.csv": _csv(_BT_NAME)}),
    Case(id="dot-cli-header-touch", cls="dot", expect=FIT, kind="cli", argv=_CLI_FIT, files={"data.csv": _csv(TOUCH)}),
    Case(id="dot-cli-header-plus", cls="dot", expect=FIT, kind="cli", argv=_CLI_FIT, files={"data.csv": _csv("a+b")}),
    Case(id="dot-cli-header-quote", cls="dot", expect=FIT, kind="cli", argv=_CLI_FIT, files={"data.csv": _csv("it's")}),
    Case(id="dot-cli-header-newline", cls="dot", expect=EITHER, kind="cli", argv=_CLI_FIT,
         files={"data.csv": _csv("a\nb")}),
    Case(id="dot-cli-header-raw-backticks", cls="dot", expect=EITHER, kind="cli", argv=_CLI_FIT,
         files={"data.csv": "y,x,`q`+I(0*(\"`\";__import__(\"os\").system(\"touch PWNED\");\"`\"))\n"
                            + "".join(f"{a},{b},{c}\n" for a, b, c in zip(_Y, _X, _V))}),
    Case(id="dot-cli-header-duplicates", cls="dot", expect=FIT, kind="cli", argv=_CLI_FIT,
         files={"data.csv": "y,x,x,\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in zip(_Y, _X, _V, _Z))}),
    Case(id="dot-cli-header-bom-nul", cls="dot", expect=EITHER, kind="cli", argv=_CLI_FIT,
         files={"data.csv": b"\xef\xbb\xbfy,x,a\x00b\n"
                + "".join(f"{a},{b},{c}\n" for a, b, c in zip(_Y, _X, _V)).encode()}),
]

def _refit_round_trip(label: Any) -> Callable[[Tokens], Any]:
    """A call: ``y ~ .`` on small plus column ``label``, then the refits that write the model out as formula
    text (update, drop1, step); the updated model must have the columns of ``y ~ . - z`` fitted directly (an
    AssertionError, a failure of the case, if the text read back as another model)."""
    def call(t: Tokens) -> Any:
        d = with_column(label, start="small")(t)
        fit = gs.glm("y ~ .", d)
        new = fit.update("~ . - z")
        if list(new.coef.index) != list(gs.glm("y ~ . - z", d).coef.index):
            raise AssertionError(f"update('~ . - z') fitted {new.formula!r}")
        fit.drop1()
        fit.step()
        return new
    return call


# a column '.' was written bare (read back as '.', every column: update kept z); U+00BD and a leading U+00B2
# were written bare and could not be read back; letter numbers (U+2168) are names
DOT += [Case(id=f"dot-refit-{i:02d}-{_slug(n)}", cls="dot", expect=FIT, kind="call", call=_refit_round_trip(n))
        for i, n in enumerate([".", "\u00bd", "\u00b2x", "\u2168", "a`b", "a\\b", "a+b", "TRUE", "..1", "a\nb",
                               "x ~ y"])]


# -- 5. predict() with hostile new data -------------------------------------------------------------------
def _new(**cols: Any) -> Callable[[Tokens], Any]:
    """New data: the first 4 rows of base (y, x, z, g, notes...) with ``cols`` added or replaced."""
    def build(t: Tokens) -> pd.DataFrame:
        df = base(t).iloc[:4].reset_index(drop=True)
        for k, v in cols.items():
            if v is None:
                df = df.drop(columns=k)
            else:
                df[k] = v
        return df
    return build


def _new_labels(labels: list) -> Callable[[Tokens], pd.DataFrame]:
    def build(t: Tokens) -> pd.DataFrame:
        df = base(t).iloc[:4].reset_index(drop=True)[["x", "g"]]
        df.columns = pd.Index(labels, dtype=object, tupleize_cols=False)
        return df
    return build


def _pred(cid: str, expect: str, newdata: Any, **opts: Any) -> Case:
    return Case(id=f"predict-{cid}", cls="predict", expect=expect, kind="predict", newdata=newdata, **opts)


PREDICT = [
    _pred("ok-clean", FIT, _new()),
    _pred("ok-none", FIT, None),
    _pred("ok-dict", FIT, lambda t: {"x": [1.0, 2.0], "g": ["a", "b"]}),
    _pred("ok-extra-bt-column", FIT, _new(**{_BT_NAME: 1.0})),
    _pred("ok-extra-payload-column", FIT, _new(**{TOUCH: 1.0, "contr": 2.0, "np": 3.0, "__import__": 4.0})),
    _pred("ok-log-factor-model", FIT, _new(), fit_formula="y ~ log(x) + factor(g)"),
    _pred("ok-poly-model", FIT, _new(), fit_formula="y ~ poly(x, 2)"),
    _pred("ok-summary-model", FIT, _new(), fit_formula="y ~ I(x - mean(x)) + I(z/max(z, x))"),
    _pred("x-holds-payload-strings", REFUSE, _new(x=[TOUCH] * 4)),
    _pred("x-holds-bt-strings", REFUSE, _new(x=[_BT_NAME] * 4), fit_formula="y ~ I(x^2) + g"),
    _pred("x-holds-objects", REFUSE, _new(x=[Evil(i) for i in range(4)])),
    _pred("x-holds-modules", REFUSE, _new(x=[os] * 4)),
    _pred("g-new-level-payload", REFUSE, _new(g=[_BT_NAME, "a", "b", "c"])),
    _pred("x-missing", REFUSE, _new(x=None)),
    _pred("int-labels", REFUSE, _new_labels([0, 1])),
    _pred("duplicate-labels", REFUSE, _new_labels(["x", "x"])),
    _pred("tuple-labels", REFUSE, _new_labels([("x",), ("g",)])),
    _pred("list", REFUSE, lambda t: [[1.0, "a"]]),
    _pred("path-to-secret", REFUSE, lambda t: SECRET_FILE),
    _pred("string-formula", REFUSE, lambda t: f"y ~ I({TOUCH})"),
    _pred("type-dunder", REFUSE, _new(), predict_kwargs={"type": "__class__"}),
    _pred("interval-payload", REFUSE, _new(), predict_kwargs={"interval": TOUCH}),
    _pred("model-with-dangerous-column-names", FIT, _new(contr=[1.0, 2.0, 3.0, 4.0]), fit_formula="y ~ contr + x",
          fit_data=with_column("contr")),
    _pred("model-dangerous-column-new-objects", REFUSE, _new(contr=[os] * 4), fit_formula="y ~ contr + x",
          fit_data=with_column("contr")),
    _pred("dot-model-new-hostile-column", FIT, lambda t: small(t).iloc[:3].assign(**{_BT_NAME: 1.0}),
          fit_formula="y ~ .", fit_data="small"),
    Case(id="predict-payload-only-on-new-rows", cls="predict", expect=REFUSE,
         formula=f"y ~ x + I(x + 0*('`', len(x) == {N} or {TOUCH}, '`')[1])",
         note="a payload that runs only when predict() evaluates the formula on new data: refused at the fit"),
]

# -- 6. context= ------------------------------------------------------------------------------------------
def _scale(v):
    return (v - v.mean()) / v.std()


def _ctx(cid: str, expect: str, formula: str, context: Any, **opts: Any) -> Case:
    return Case(id=f"context-{cid}", cls="context", expect=expect, formula=formula, kwargs={"context": context},
                **opts)


CONTEXT = [
    _ctx("dunder-import-key", REFUSE, f"y ~ x + I(x + 0*{TOUCH})", {"__import__": __import__}),
    _ctx("dunder-builtins-key", REFUSE, "y ~ x + I(x + 0*len(__builtins__))", {"__builtins__": __builtins__}),
    _ctx("dunder-key-unused", REFUSE, "y ~ x", {"__class__": 1}),
    _ctx("int-key", REFUSE, "y ~ x", {1: np.log}),
    _ctx("tuple-key", REFUSE, "y ~ x", {("a",): 1}),
    _ctx("none-key", REFUSE, "y ~ x", {None: 1}),
    _ctx("empty-key", REFUSE, "y ~ x", {"": 1}),
    _ctx("space-key", EITHER, "y ~ x", {"a b": 1}),
    _ctx("module-os", REFUSE, "y ~ x + I(x + 0*os.system('touch PWNED'))", {"os": os}),
    _ctx("module-os-term", REFUSE, "y ~ x + os.system('touch PWNED')", {"os": os}),
    _ctx("module-os-R-dotted", REFUSE, "y ~ x + os.system", {"os": os}),
    _ctx("override-np-save", REFUSE, "y ~ x + I(0*len(str(np.save('PWNED', x))))", {"np": np}),
    _ctx("override-np-load", REFUSE, "y ~ I(np.load('PWNED'))", {"np": np}),
    _ctx("override-np-log", EITHER, "y ~ np.log(x)", {"np": np}),
    _ctx("pandas-read-csv", REFUSE, "y ~ I(pd.read_csv('secret.txt'))", {"pd": pd}),
    _ctx("namespace-chain", REFUSE, "y ~ I(cfg.os.system('touch PWNED'))", {"cfg": types.SimpleNamespace(os=os)}),
    _ctx("function-globals", REFUSE, "y ~ I(myscale.__globals__['os'].system('touch PWNED'))", {"myscale": _scale}),
    _ctx("call-result-called", REFUSE, "y ~ I(ga(x, 'to_csv')('PWNED'))", {"ga": getattr}),
    _ctx("blocked-builtin-name", REFUSE, "y ~ I(eval(\"open('PWNED', 'w')\"))", {"eval": eval}),
    _ctx("environ", REFUSE, f"y ~ x + {ENV_VAR}", os.environ),
    _ctx("environ-in-I", REFUSE, f"y ~ x + I(x + {ENV_VAR})", os.environ),
    _ctx("not-a-mapping-module", REFUSE, "y ~ x", os),
    _ctx("not-a-mapping-str", REFUSE, "y ~ x", "os"),
    _ctx("not-a-mapping-list", REFUSE, "y ~ x", [("os", os)]),
    _ctx("ok-function", FIT, "y ~ myscale(x)", {"myscale": _scale}),
    _ctx("ok-constant", FIT, "y ~ I(x * k)", {"k": 2.0}),
    _ctx("ok-override-log", FIT, "y ~ log(x)", {"log": np.log1p}),
    _ctx("shadow-column", EITHER, "y ~ x", {"x": np.arange(N, dtype=float)}),
]

# -- 7. the command line ----------------------------------------------------------------------------------
_ROWS = "".join(f"{a},{b},{c}\n" for a, b, c in zip(_Y, _X, _Z))
_CLEAN_CSV = "y,x,z\n" + _ROWS


def _gzip_bomb(t: Tokens) -> bytes:
    """About 2 GB of CSV rows as concatenated gzip members (a few MB on disk)."""
    chunk = gzip.compress(b"1,2,3\n" * 1_400_000, compresslevel=9)  # 8.4 MB of rows per member
    return gzip.compress(b"y,x,z\n") + chunk * 240


def _cli(cid: str, expect: str, argv: tuple, files: Mapping[str, Any] | None = None, **opts: Any) -> Case:
    return Case(id=f"cli-{cid}", cls="cli", expect=expect, kind="cli", argv=argv, files=files or {}, **opts)


def _fit(formula: str, data: str, *more: str) -> tuple:
    return ("fit", formula, data, "--family", "gaussian", *more)


CLI = [
    _cli("ok-clean", FIT, _fit("y ~ x + z", "data.csv"), {"data.csv": _CLEAN_CSV}),
    _cli("ok-bundled", FIT, ("fit", "passed ~ hours", "students", "--family", "binomial")),
    _cli("ok-subset", FIT, ("fit", "passed ~ hours", "students", "--family", "binomial", "--subset", "hours > 1")),
    _cli("subset-payload", REFUSE, ("fit", "passed ~ hours", "students", "--family", "binomial", "--subset", TOUCH)),
    _cli("secret-one-line", REFUSE, _fit("y ~ x", SECRET_FILE)),
    _cli("secret-dot", REFUSE, _fit("y ~ .", SECRET_FILE)),
    _cli("secret-env-file", REFUSE, _fit("y ~ x", ".env"), {".env": f"API_KEY={FILE_TOKEN}\nDEBUG=1\n"}),
    _cli("secret-pem", REFUSE, _fit("y ~ x", "id_rsa"),
         {"id_rsa": f"-----BEGIN {FILE_TOKEN} PRIVATE KEY-----\n{FILE_TOKEN}\n-----END OPENSSH PRIVATE KEY-----\n"}),
    _cli("secret-passwd-like", REFUSE, _fit("y ~ x", "passwd"), {"passwd": f"root:x:0:0:{FILE_TOKEN}:/root:/bin/sh\n"}),
    _cli("secret-json-commas", REFUSE, _fit("y ~ x", "config.json"),
         {"config.json": f'{{"user": "admin", "token": "{FILE_TOKEN}", "n": 1}}\n'}),
    _cli("secret-two-columns", REFUSE, _fit("y ~ x", "creds.txt"), {"creds.txt": f"admin,{FILE_TOKEN}\n"}),
    _cli("secret-binary", REFUSE, _fit("y ~ x", "blob.bin"),
         {"blob.bin": lambda t: bytes(range(256)) + t.file.encode() + b"\x00\xff" * 64}),
    _cli("secret-traversal", REFUSE, _fit("y ~ x", f"../{{case}}/{SECRET_FILE}"),
         note="{case} is the case directory's name"),
    _cli("secret-parquet-suffix", REFUSE, _fit("y ~ x", "secret.parquet"), {"secret.parquet": f"{FILE_TOKEN}\n"}),
    _cli("secret-symlink-csv", REFUSE, _fit("y ~ x", "link.csv"), {"link.csv": ("symlink", SECRET_FILE)}),
    _cli("proc-environ", REFUSE, _fit("y ~ x", "/proc/self/environ")),
    _cli("directory", REFUSE, _fit("y ~ x", "."), match="director"),
    _cli("fifo", REFUSE, _fit("y ~ x", "pipe.csv"), {"pipe.csv": FIFO}),
    _cli("dev-zero", REFUSE, _fit("y ~ x", "/dev/zero")),
    _cli("gzip-bomb", REFUSE, _fit("y ~ x", "bomb.csv.gz"), {"bomb.csv.gz": _gzip_bomb}),
    _cli("formula-bt-payload", REFUSE, _fit(f"y ~ x + I(x + 0*{_B})", "data.csv"), {"data.csv": _CLEAN_CSV}),
    _cli("formula-read-secret", REFUSE, _fit(f"y ~ x + I(x + 0*{bt(READ_FILE)})", "data.csv"),
         {"data.csv": _CLEAN_CSV}),
    _cli("formula-lhs-chain", REFUSE, _fit("y" + " + 0" * 600 + " ~ x", "data.csv"), {"data.csv": _CLEAN_CSV},
         match="max_depth"),  # was 'internal error: RecursionError'
    _cli("formula-dash", EITHER, ("fit", "-y ~ x", "data.csv", "--family", "gaussian"), {"data.csv": _CLEAN_CSV}),
    _cli("family-payload", REFUSE, ("fit", "y ~ x", "data.csv", "--family", TOUCH), {"data.csv": _CLEAN_CSV}),
    _cli("link-payload", REFUSE, _fit("y ~ x", "data.csv", "--link", TOUCH), {"data.csv": _CLEAN_CSV}),
    _cli("variance-payload", REFUSE, ("fit", "y ~ x", "data.csv", "--family", "quasi", "--variance", TOUCH),
         {"data.csv": _CLEAN_CSV}),
    _cli("weights-payload", REFUSE, _fit("y ~ x", "data.csv", "--weights", TOUCH), {"data.csv": _CLEAN_CSV}),
    _cli("offset-secret-path", REFUSE, _fit("y ~ x", "data.csv", "--offset", SECRET_FILE), {"data.csv": _CLEAN_CSV}),
    _cli("tweedie-powers-overflow", REFUSE, ("fit", "y ~ x", "data.csv", "--family", "tweedie", "--var-power", "1e308",
                                             "--link-power", "1e308"), {"data.csv": _CLEAN_CSV}, match="var_power"),
    _cli("tweedie-var-power-1e50", REFUSE, ("fit", "y ~ x", "data.csv", "--family", "tweedie", "--var-power", "1e50",
                                            "--link-power", "0"), {"data.csv": _CLEAN_CSV}, match="var_power"),
]

# -- 8. leaks of secrets through messages -----------------------------------------------------------------
LEAKS = _cases("leak", [
    ("bt-read-file", REFUSE, f"y ~ x + I(x + 0*{bt(READ_FILE)})"),
    ("bt-read-env", REFUSE, f"y ~ x + I(x + 0*{bt(READ_ENV)})"),
    ("bt-read-unused-column", REFUSE, f"y ~ x + I(x + 0*{bt(READ_COLUMN)})"),
    ("bt-warn-file", REFUSE, f"y ~ x + I(x + 0*{bt(WARN_FILE)})"),
    ("bt-read-file-factor", REFUSE, f"y ~ x + factor({bt(READ_FILE)})"),
    ("bt-read-file-lhs", REFUSE, f"I(y + 0*{bt(READ_FILE)}) ~ x"),
    ("read-file-plain", REFUSE, f"y ~ x + I(x + 0*{READ_FILE})"),
    ("read-env-plain", REFUSE, f"y ~ x + I(x + 0*{READ_ENV})"),
    ("np-loadtxt", REFUSE, "y ~ x + I(x + 0*np.loadtxt('secret.txt'))"),
    ("backticked-file-name", REFUSE, "y ~ x + `secret.txt`"),
    ("env-var-name", REFUSE, f"y ~ x + {ENV_VAR}"),
    ("env-var-R-style", REFUSE, f"y ~ x + I(Sys.getenv('{ENV_VAR}'))"),
    ("misspelled-unused-column", REFUSE, "y ~ x + note"),
    ("unused-column-via-gc-plain", REFUSE, f"y ~ x + I(x + 0*{READ_COLUMN})"),
    ("ok-dot-minus-secret-column", FIT, "y ~ . - notes - g - MPG.city - s - f - cnt - yb"),
    ("ok-unused-secret-column", FIT, "y ~ x + g"),
    ("ok-unused-odd-columns", FIT, "y ~ x",
     {"data": lambda t: base(t).assign(when=pd.date_range("2020-01-01", periods=N), cplx=np.ones(N) * 1j)}),
    ("relevel-missing-level", REFUSE, "y ~ relevel(g, ref = 'zz')"),
    ("weights-secret-path", REFUSE, "y ~ x", {"kwargs": {"weights": SECRET_FILE}}),
    # weights= and offset= text that is no column is R read by the formula's evaluator, never Python
    ("weights-payload", REFUSE, "y ~ x", {"kwargs": {"weights": TOUCH}}),
    ("weights-read-file", REFUSE, "y ~ x", {"kwargs": {"weights": READ_FILE}}),
    ("offset-payload", REFUSE, "y ~ x", {"kwargs": {"offset": f"log(x) + {bt(TOUCH)}"}}),
    ("offset-read-env", REFUSE, "y ~ x", {"kwargs": {"offset": READ_ENV}}),
    ("offset-system", REFUSE, "y ~ x", {"kwargs": {"offset": "system('touch PWNED')"}}),
    ("weights-huge-sequence", REFUSE, "y ~ x", {"kwargs": {"weights": "x %in% 1:1e300"}, "match": "max_length"}),
    ("offset-deep", REFUSE, "y ~ x", {"kwargs": {"offset": "(" * 5000 + "x" + ")" * 5000}}),
    ("offset-expression", FIT, "y ~ x", {"kwargs": {"offset": "log(z)"}}),
    ("offset-secret-path", REFUSE, "y ~ x", {"kwargs": {"offset": SECRET_FILE}}),
    ("data-secret-path", REFUSE, "y ~ x", {"data": lambda t: SECRET_FILE}),
])

# -- 9. resource and recursion bombs ----------------------------------------------------------------------
_AZ = list("abcdefghijklmnopqrstuvwxyz")
_NESTED_PASTE = '"aaaaaaaaaa"'
for _ in range(3):  # (300^3 x 10 characters)
    _NESTED_PASTE = "paste(" + ", ".join(['""'] * 300) + ", sep = " + _NESTED_PASTE + ")"
_MANY = {"data": "many"}
BOMBS = _cases("bomb", [
    ("power-24", REFUSE, f"y ~ ({' + '.join(_AZ[:24])})^24", _MANY),
    ("power-26", REFUSE, f"y ~ ({' + '.join(_AZ)})^26", _MANY),
    ("dot-power-26", REFUSE, "y ~ .^26", _MANY),
    ("star-26", REFUSE, f"y ~ {' * '.join(_AZ)}", _MANY),
    ("colon-26", EITHER, f"y ~ {':'.join(_AZ)}", _MANY),
    ("stacked-powers", REFUSE, f"y ~ ((({' + '.join(_AZ)})^2)^2)^2", _MANY),
    ("right-assoc-powers", REFUSE, f"y ~ ({' + '.join(_AZ)})^2^2^2", _MANY),
    ("dot-star-chain", EITHER, "y ~ .*.*.*.", _MANY),
    ("dot-cubed", EITHER, "y ~ .^3", _MANY),
    ("power-huge-exponent", EITHER, "y ~ (a + b + c)^1000000000", _MANY),
    ("power-2-60", EITHER, "y ~ (a + b)^(2^60)", _MANY),
    ("x-9-9-9", EITHER, "y ~ x^9^9^9"),
    ("I-x-9-9-9", REFUSE, "y ~ I(x^9^9^9)"),
    ("I-10-10-10-R", REFUSE, "y ~ x + I(10^10^10)"),
    ("I-10-10-10-python", REFUSE, "y ~ x + I(10**10**10)"),
    ("I-x-times-10-10-10", REFUSE, "y ~ I(x * 10**10**10)"),
    ("I-pow", REFUSE, "y ~ x + I(x + 0*pow(10, 10**10))"),
    ("I-shift", REFUSE, "y ~ x + I(x + 0*(2 << 10**10))"),
    ("string-times", REFUSE, "y ~ x + I('a' * 10**10)"),
    ("string-times-compared", REFUSE, "y ~ x + I(x + 0*('a' * 10**10 == ''))"),
    ("string-times-stepwise", REFUSE, "y ~ x + I(x + 0*(('a' * 99999) * 99999 == ''))"),
    ("list-times", REFUSE, "y ~ x + I(x + 0*([0] * 10**10 == []))"),
    ("percent-width", REFUSE, "y ~ x + I(x + 0*('%0999999999d' % 1 == ''))"),
    ("percent-star", REFUSE, "y ~ x + I(x + 0*('%*d' % (10**9, 1) == ''))"),
    ("format-width", REFUSE, "y ~ x + I(x + 0*('{:>1000000000}'.format(1) == ''))"),
    ("fstring-width", REFUSE, "y ~ x + I(x + 0*(f'{1:>1000000000}' == ''))"),
    ("ljust", REFUSE, "y ~ x + I(x + 0*('a'.ljust(10**10) == ''))"),
    ("bt-string-bomb", REFUSE, "y ~ x + I(x + 0*" + bt("len('a' * 10**10)") + ")"),
    ("bt-sleep", REFUSE, "y ~ x + I(x + 0*" + bt("__import__('time').sleep(30)") + ")"),
    ("column-string-repeat", REFUSE, "y ~ x + I(g * 10**9)"),
    ("column-string-repeat-R", REFUSE, "y ~ x + I(g * 10^9)"),
    ("huge-float-literal", REFUSE, "y ~ I(x * 1e999999)"),
    ("huge-float-term", REFUSE, "y ~ x + 1e999999"),
    ("huge-int-literal", REFUSE, "y ~ I(x + 1" + "0" * 100_000 + ")"),
    ("str-of-huge-int", REFUSE, "y ~ x + I(x + 0*(str(10**100000) == ''))"),
    ("range-sum", REFUSE, "y ~ x + I(x + 0*sum(range(10**12)))"),
    # summaries: each argument a pass over the rows, so min/max/sum take at most 16; a median sorts a copy
    # (max() priced 8 passes an argument: 1,000 of a million rows are refused by their work first)
    ("max-1000-arguments-1m", REFUSE, "y ~ I(x/max(" + ", ".join(["x"] * 1000) + "))",
     {"data": "distinct_1m", "match": "at most 16 values|max_eval_work"}),
    ("ok-sum-16-arguments-1m", FIT, "y ~ I(x/sum(" + ", ".join(["x"] * 16) + "))", {"data": "distinct_1m"}),
    ("ok-median-sd-1m", FIT, "y ~ I(x - median(x)) + I(z/sd(z))", {"data": "distinct_1m"}),
    # a thousand medians of a million rows, each a sort, took 34 s (the formula's length allowed them): at most 64
    # (the formula's work, 1,000 sorts of a million rows, is refused first, before any is evaluated)
    ("median-1000-summaries-1m", REFUSE, "y ~ I(x - pmax(" + ", ".join(f"median(z + {k})" for k in range(1000)) + "))",
     {"data": "distinct_1m", "match": "more than 64 summaries of columns|max_eval_work"}),
    # R's number functions are vectorized: a million distinct values cost no Python call each
    ("ok-choose-signif-1m", FIT, "y ~ lchoose(abs(x) * 100, 7) + signif(z, abs(x) * 30)", {"data": "distinct_1m"}),
    ("ok-choose-large-k-1m", FIT, "y ~ I(choose(abs(x) * 1000, 45) > 1)", {"data": "distinct_1m"}),
    # the formula's work, rows x passes over them, is bounded (max_eval_work), counted before a variable is evaluated:
    # each node's result is one column, but pmax() of 60 sums of 150 x (18,000 characters) took 4 s, 50 choose(x, 3)
    # 24 s (612 characters), 20 digamma() terms 10 s, a subset= of 20 choose() as long
    ("work-pmax-9000-additions-1m", REFUSE, "y ~ I(pmax(" + ", ".join(["+".join(["x"] * 150)] * 60) + "))",
     {"data": "distinct_1m", "match": "needs more work than allowed.*max_eval_work"}),
    ("work-choose-50-1m", REFUSE, "y ~ I(pmax(" + ", ".join(["choose(x, 3)"] * 50) + "))",
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("work-digamma-20-terms-1m", REFUSE, "y ~ " + " + ".join(f"digamma(x + {k})" for k in range(20)),
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("work-subset-choose-1m", REFUSE, "y ~ x",
     {"data": "distinct_1m", "kwargs": {"subset": " | ".join(f"choose(z, {k}) > 0" for k in range(20))},
      "match": "max_eval_work"}),
    # a basis transform's work is its columns': poly(x, 100) on a million rows took 6 to 13 s to make
    ("work-poly-100-1m", REFUSE, "y ~ poly(x, 100)", {"data": "distinct_1m", "match": "max_eval_work"}),
    ("ok-work-poly-bs-1m", FIT, "y ~ poly(x, 3) + bs(z, df = 5)", {"data": "distinct_1m"}),
    ("ok-work-usual-terms-1m", FIT, "y ~ log(abs(x) + 1) + sqrt(abs(z)) + I(x^2) + cut(x, 5) + I(z > median(z))",
     {"data": "distinct_1m"}),
    # as.character() of a million distinct numbers: refused before it writes a text each (it took 5 s)
    ("paste-distinct-1m", REFUSE, "y ~ I(paste(x, z) == '1 2')", {"data": "distinct_1m",
                                                                   "match": "1,000,000 distinct values"}),
    ("paste-combinations-1m", REFUSE, "y ~ I(paste(round(x, 2), round(z, 2)) == '1 2')",
     {"data": "distinct_1m", "match": "combinations, more texts"}),
    ("toupper-distinct-1m", REFUSE, "y ~ I(toupper(x) == '1')", {"data": "distinct_1m",
                                                                 "match": "1,000,000 distinct values"}),
    ("nchar-distinct-1m", REFUSE, "y ~ nchar(z)", {"data": "distinct_1m", "match": "1,000,000 distinct values"}),
    ("substr-infinite-stop", REFUSE, "y ~ substr(g, 1, Inf)", {"match": "finite number"}),
    ("substr-huge-stop", FIT, "y ~ substr(g, -1e300, 1e300)", {}),
    # paste()'s sep repeated between its values: a text of one value each is the sep of a paste() around it, whose
    # length multiplied by its values' count at each nesting (270 MB from 3 KB), now no longer than the formula
    ("paste-nested-sep", REFUSE, "y ~ I(x + nchar(" + _NESTED_PASTE + "))", {"match": "longer than the formula"}),
    # 9,000 arguments, x's 100 values and 1s: each combination's tuple of texts was copied at every argument (7 s)
    ("ok-paste-9000-arguments", FIT, "y ~ I(paste0(x," + ",".join(["1"] * 9000) + ") == 'a')", {"data": "xz_100"}),
    # the texts of every argument count together: 500 arguments of 100,000 values wrote 50 million (a MemoryError);
    # (its work, 500 arguments of 256 passes on 100,000 rows, is past max_eval_work: raised to reach the texts' bound)
    ("paste-500-arguments-100k", REFUSE, "y ~ I(paste0(" + ",".join(["id"] * 500) + ") == 'a')",
     {"data": "levels_100k", "kwargs": {"limits": gs.FormulaLimits(max_eval_work=10**11)},
      "match": "distinct values .of its arguments together."}),
    # a sep of 10,000 characters between 900 arguments: 9 MB for each of 100 values, counted before written
    ("paste-long-sep-900-arguments", REFUSE, "y ~ I(paste(" + ",".join(["x"] * 900) + ", sep = '" + "a" * 10_000
     + "') == 'a')", {"data": "xz_100", "kwargs": {"limits": gs.FormulaLimits(max_design_bytes=2**27)},
                      "match": "writes 100 distinct texts, which with the formula's other texts.*max_design_bytes"}),
    # ifelse() of a factor beside text writes its levels' texts as as.character() does, and as.logical() and xor() of
    # a factor read its levels as R's spellings of TRUE and FALSE: the texts of a million distinct numbers took 13 s
    # (written, then made a factor again) and 4 s; now refused before any is written, and a number's not written
    ("ifelse-factor-distinct-1m", REFUSE, "y ~ I(ifelse(x > 0, factor(z), 'a') == 'a')",
     {"data": "distinct_1m", "match": "yes value is a factor of 1,000,000 levels"}),
    ("as-logical-factor-distinct-1m", REFUSE, "y ~ x + I(as.logical(factor(z)))",
     {"data": "distinct_1m", "match": "no complete rows"}),
    ("xor-factor-distinct-1m", REFUSE, "y ~ x + I(xor(factor(z), x > 0))",
     {"data": "distinct_1m", "match": "no complete rows"}),
    # the arguments of pmax() and interaction() were evaluated into a list, every one held at once: 700 columns of
    # 100,000 rows, 560 MB (pmax() of 3,000: 2.4 GB); now each is folded in as it is evaluated
    ("pmax-900-arguments-100k", FIT, "y ~ I(pmax(" + ", ".join(f"y + {k}" for k in range(900)) + "))",
     {"data": "levels_100k"}),
    ("interaction-700-arguments-100k", REFUSE, "y ~ interaction(" + ",".join(["cut(y,c(-Inf,Inf))"] * 700) + ")",
     {"data": "levels_100k", "match": "has a single level|max_eval_work"}),
    # regular expressions: never a backtracking engine (Python's re takes exponential time on these), an automaton
    # that reads each of 100,000 texts once; what no automaton can do, or would take too many states, refused
    ("grepl-nested-quantifier-100k", FIT, "y ~ grepl('^(i|d|[0-9]+)+$', id) + grepl('(a+)+$', id)",
     {"data": "levels_100k"}),
    ("grepl-subset-100k", FIT, "y ~ 1", {"data": "levels_100k", "kwargs": {"subset": "!grepl('(d+)*9$', id)"}}),
    ("grepl-backreference", REFUSE, "y ~ grepl('(a)\\\\1', g)", {"match": "back-reference"}),
    ("grepl-state-bomb", REFUSE, "y ~ grepl('((a{255}){255}){255}', g)", {"match": "automaton states"}),
    ("grepl-lookaround", REFUSE, "y ~ grepl('(?=a)', g, perl = TRUE)", {"match": "look-around"}),
    # 5,000 nested groups in a string of the formula: Python's RecursionError, reported as the formula nesting too
    # deeply (it nests two deep); at most 32
    ("grepl-nested-groups", REFUSE, "y ~ grepl('" + "(" * 5000 + "a" + ")" * 5000 + "', g)",
     {"match": "nests groups more than 32 deep"}),
    ("subset-grepl-nested-groups", REFUSE, "y ~ x", {"kwargs": {"subset": "grepl('" + "(" * 5000 + "a" + ")" * 5000
                                                                + "', g)"}, "match": "nests groups more than 32"}),
    ("gsub-backreference", REFUSE, "y ~ gsub('(a)\\\\1', '-', g)", {"match": "back-reference"}),
    ("gsub-groups-repeated", REFUSE, "y ~ gsub('(a)+', '\\\\1', g)", {"match": "repeats its group"}),
    ("date-100k-texts", REFUSE, "y ~ as.Date(id)", {"data": "levels_100k", "match": "standard unambiguous"}),
    ("date-format-bomb", REFUSE, "y ~ format(as.Date('2000-01-01') + round(y * 10000), '" + "%B" * 9000 + "')",
     {"data": "levels_100k", "match": "max_design_bytes"}),
    ("ave-1m-groups", REFUSE, "y ~ ave(y, x)", {"data": "distinct_1m", "match": "groups, more than"}),
    ("ave-100k-groups", FIT, "y ~ I(y - ave(y, id))", {"data": "levels_100k"}),
    ("sub-groups-10k", FIT, "y ~ nchar(sub('^(i)(.*)(.)$', '\\\\3\\\\2\\\\1', substr(id, 1, 6)))",
     {"data": "levels_100k"}),
    ("sub-groups-100k", REFUSE, "y ~ nchar(sub('^id(.*)(.)$', '\\\\2\\\\1', id))",
     {"data": "levels_100k", "match": "steps to find the groups"}),
    ("gsub-10k", FIT, "y ~ nchar(gsub('i.*x|[0-9]', '-', substr(id, 1, 6)))", {"data": "levels_100k"}),
    # the characters the formula's calls search and write are bounded together, not each call's alone: ten grepl()
    # of 1.5 million characters each took 5 s (a thousand fit in the formula), and a replacement of 10,000
    # characters for each of 750,000 matches ended in a MemoryError after 4 GB
    ("ok-grepl-long-texts", FIT, "y ~ x + grepl('c', g)", {"data": "long_texts"}),
    ("grepl-10-calls-long-texts", REFUSE, "y ~ x + I(" + " + ".join(f"grepl('c{k}', g)" for k in range(10)) + ")",
     {"data": "long_texts", "match": "with those the formula's other grepl.*more than 4,000,000 characters"}),
    # 300 patterns of 4,846 states each: bounded each, not together (the states compiled, and visited: 4 s)
    ("grepl-300-big-patterns", REFUSE,
     "y ~ x + I(pmax(" + ", ".join(f"grepl('([[:alpha:]]{{250}}|b{{4}}){{19}}{k}', g, "
     "ignore.case = TRUE)" for k in range(300)) + "))", {"match": "compiles to more than 100,000 automaton states"}),
    ("gsub-long-replacement", REFUSE, "y ~ x + nchar(gsub('a', '" + "b" * 10_000 + "', g))",
     {"data": "long_texts", "match": "would write more than 20,000,000 characters"}),
    ("gsub-fixed-long-replacement", REFUSE, "y ~ x + nchar(gsub('a', '" + "b" * 10_000 + "', g, fixed = TRUE))",
     {"data": "long_texts", "match": "would write more than 20,000,000 characters"}),
    ("as-character-distinct-1m", REFUSE, "y ~ I(as.character(x) == '1')", {"data": "distinct_1m",
                                                                          "match": "texts of 1,000,000 distinct"}),
    ("sum-of-long-sequence", REFUSE, "y ~ I(x/sum(1:1e12))", {"match": "max_length"}),
    ("poly-1e6", REFUSE, "y ~ poly(x, 10**6)"),
    ("poly-100000", REFUSE, "y ~ poly(x, 100000)"),
    ("poly-degree-1e9-float", REFUSE, "y ~ poly(x, degree = 1e9)"),
    ("poly-degree-too-high", REFUSE, f"y ~ poly(x, {N})"),
    ("poly-negative", REFUSE, "y ~ poly(x, -1)"),
    ("bs-df-1e6", REFUSE, "y ~ bs(x, df = 10**6)"),
    ("bs-df-1000000", REFUSE, "y ~ bs(x, df = 1000000)"),
    ("cr-df-1e6", REFUSE, "y ~ cr(x, df = 10**6)"),
    ("hashed-levels", REFUSE, "y ~ hashed(g, levels = 10**9)"),
    ("factor-10k-by-10k", REFUSE, "y ~ factor(a):factor(b)", {"data": "levels_10k"}),
    ("factor-10k-times-10k", REFUSE, "y ~ factor(a)*factor(b)", {"data": "levels_10k"}),
    # (sum and Helmert contrasts are stored as codes: the bound is on their columns and on solving their block)
    ("sum-contrasts-10k-levels", REFUSE, "y ~ x + C(a, sum)", {"data": "levels_10k", "match": "max_columns"}),
    ("helmert-10k-by-10k", REFUSE, "y ~ C(a, helmert) * C(b, sum)", {"data": "levels_10k"}),
    ("factor-100k-levels", REFUSE, "y ~ factor(id)", {"data": "levels_100k"}),
    ("relevel-100k-levels", REFUSE, "y ~ relevel(id, ref = 'id5')", {"data": "levels_100k"}),
    # factors of a million distinct numbers: the text of every level was written before the columns were counted
    # (18 s), and a hundred such factors held 5 GB of codes and levels before any limit was checked
    ("factor-1m-distinct-crossed", REFUSE, "y ~ factor(x):factor(z)", {"data": "distinct_1m", "match": "max_columns"}),
    ("factor-1m-distinct-100-terms", REFUSE, "y ~ " + " + ".join(f"factor(x + {k})" for k in range(100)),
     {"data": "distinct_1m", "kwargs": {"limits": gs.FormulaLimits(max_design_bytes=2**27, max_eval_work=10**11)},
      "match": "factors' codes and levels.*max_design_bytes"}),  # (the work's limit raised: it refuses sooner)
    ("factor-1m-distinct-100-terms-work", REFUSE, "y ~ " + " + ".join(f"factor(x + {k})" for k in range(100)),
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("factor-levels-list-100k", EITHER, "y ~ factor(id, levels = c(" + ", ".join(f"'id{i}'" for i in range(3000))
     + "))", {"data": "levels_100k"}),
    # terms built only to be removed (or nested away) count too: each of these builds 67 million terms
    ("minus-power-26", REFUSE, f"y ~ x - ({' + '.join(_AZ)})^26", _MANY),
    ("unary-minus-power-26", REFUSE, f"y ~ x + -({' + '.join(_AZ)})^26", _MANY),
    ("in-power-26", REFUSE, f"y ~ x + x %in% ({' + '.join(_AZ)})^26", _MANY),
    ("minus-dot-wide", EITHER, "y ~ c0 - .", {"data": "wide"}),
    ("in-dot-wide", EITHER, "y ~ c0 %in% .", {"data": "wide"}),
    ("long-sum-100k", EITHER, "y ~ " + " + ".join(["x"] * 25_000)),
    ("long-name-100k", REFUSE, "y ~ " + "a" * 100_000),
    ("long-name-wide-data", REFUSE, "y ~ " + "c1" * 25_000, {"data": "wide"}),
    ("wide-dot", EITHER, "y ~ .", {"data": "wide"}),
    # a dense design far wider than its rows: its p x p factorisation (p^3) is counted, and a design wider
    # than its rows is fitted by the QR of its n rows (O(n^2 p) a pass), not a p x p Cholesky that can only fail
    ("dense-poly-70-by-70", REFUSE, "y ~ poly(x, 70):poly(z, 70)",
     {"data": "xz_100", "match": r"4,901 dense columns.*'poly\(x, 70\):poly\(z, 70\)' has 4,900.*max_pass_work"}),
    ("dense-poly-20-by-20", FIT, "y ~ poly(x, 20):poly(z, 20)", {"data": "xz_100"}),
    ("many-I-terms", EITHER, "y ~ " + " + ".join(f"I(x + {i})" for i in range(3000))),
    ("long-string-literal", REFUSE, 'y ~ relevel(g, ref = "' + "a" * 1_000_000 + '")'),
    ("spaces-1e6", EITHER, "y ~ x" + " " * 1_000_000),
    ("nested-log-10k", EITHER, "y ~ " + "log(" * 10_000 + "x" + ")" * 10_000),
    ("nested-I-10k", EITHER, "y ~ " + "I(" * 10_000 + "x" + ")" * 10_000),
    ("nested-paren-40k", EITHER, "y ~ " + "(" * 40_000 + "x" + ")" * 40_000),
    ("nested-paren-in-I-40k", EITHER, "y ~ I(" + "(" * 40_000 + "x" + ")" * 40_000 + ")"),
    ("nested-paren-lhs-40k", EITHER, "(" * 40_000 + "y" + ")" * 40_000 + " ~ x"),
    ("unbalanced-open-40k", REFUSE, "y ~ " + "(" * 40_000 + "x"),
    ("unbalanced-close-40k", REFUSE, "y ~ x" + ")" * 40_000),
    ("unary-minus-100k", EITHER, "y ~ " + "-" * 100_000 + "x"),
    ("unary-minus-spaced-100k", EITHER, "y ~ " + "- " * 100_000 + "x"),
    ("unary-minus-in-I-100k", EITHER, "y ~ I(" + "-" * 100_000 + "x)"),
    ("not-100k", REFUSE, "y ~ I(" + "not " * 25_000 + "x)"),
    ("nested-list-10k", REFUSE, "y ~ I(x + 0*len(" + "[" * 10_000 + "]" * 10_000 + "))"),
    ("attribute-chain-10k", REFUSE, "y ~ I(np" + ".np" * 10_000 + ".log(x))"),
    ("subscript-chain-10k", REFUSE, "y ~ I(x" + "[0]" * 10_000 + ")"),
    ("colon-chain-10k", EITHER, "y ~ " + ":".join(["x"] * 10_000)),
    ("in-chain-26", EITHER, "y ~ " + " %in% ".join(_AZ), _MANY),
    ("nest-chain-26", EITHER, "y ~ " + "/".join(_AZ), _MANY),
    ("tilde-10k", REFUSE, "y " + "~ x " * 10_000),
    ("plus-zero-10k", EITHER, "y ~ x" + " + 0" * 10_000),
    # a left-hand side is one variable, hashed and deparsed recursively: its +/- chain counts against max_depth
    # (it raised RecursionError from the hash of the response's node)
    ("plus-zero-lhs-3k", REFUSE, "y" + " + 0" * 3_000 + " ~ x",
     {"match": "left-hand side joins more terms.*max_depth"}),
    ("plus-zero-lhs-900", REFUSE, "y" + " + 0" * 900 + " ~ x", {"match": "max_depth"}),
    ("ok-plus-zero-lhs-150", FIT, "y" + " + 0" * 150 + " ~ x"),
])


def _two_factors(levels: int) -> pd.DataFrame:
    """2 x ``levels`` rows crossing two factors of ``levels`` levels each (every level twice)."""
    i = np.arange(2 * levels)
    return pd.DataFrame({"y": np.sin(i) + 2.0, "a": [f"a{k}" for k in i % levels],
                         "b": [f"b{k}" for k in (i // 2) % levels]})


def _duplicated_factor(levels: int) -> pd.DataFrame:
    """2 x ``levels`` rows of two factors with the same grouping under other labels (b aliased with a)."""
    i = np.arange(2 * levels) % levels
    return pd.DataFrame({"y": np.sin(np.arange(2 * levels)) + 2.0, "a": [f"a{k}" for k in i],
                         "b": [f"b{k}" for k in i]})


def _mostly_aliased(rows: int = 12, cols: int = 600) -> pd.DataFrame:
    """y and ``cols`` numeric columns c0, c1, ... on ``rows`` rows: all but rows - 1 of them aliased."""
    rng = np.random.default_rng(6)
    d = pd.DataFrame(rng.normal(size=(rows, cols)), columns=[f"c{j}" for j in range(cols)])
    return d.assign(y=rng.normal(size=rows))


def _update(formula: str, new: str) -> Callable[[Tokens], Any]:
    """A call: fit ``formula`` on base, then ``update(new)`` (whose '.' nests the old formula inside the new)."""
    def call(t: Tokens) -> Any:
        return gs.glm(formula, base(t)).update(new)
    return call


try:  # (imported with the corpus, outside the timed call: scikit-learn's import alone takes seconds)
    from glmstat.sklearn import GLMClassifier
except ImportError:  # scikit-learn not installed: the case is left out
    GLMClassifier = None


def _classifier_wide(t: Tokens) -> Any:
    """GLMClassifier(formula="~ poly(x, 50):poly(z, 50)") on 60 rows: 2,501 columns."""
    d = xz_100(t).iloc[:60]
    return GLMClassifier(formula="~ poly(x, 50):poly(z, 50)").fit(d[["x", "z"]], (d["y"] > 0).astype(int))


_ABS = "abs(" * 190
BOMBS += [
    Case(id="bomb-update-nested-dot-rhs", cls="bomb", expect=REFUSE, kind="call", match="max_depth",
         call=_update("y ~ " + _ABS + "x" + ")" * 190, "~ " + _ABS + "." + ")" * 190)),
    Case(id="bomb-update-nested-dot-lhs", cls="bomb", expect=REFUSE, kind="call", match="max_depth",
         call=_update(_ABS + "y" + ")" * 190 + " ~ x", _ABS + "." + ")" * 190 + " ~ .")),
    Case(id="bomb-update-long-chain", cls="bomb", expect=EITHER, kind="call",
         call=_update("y ~ x", "~ . " + "+ z " * 3000)),  # a chain the parser does not bound
    # arguments of a fit's methods that ask for work without bound (the product of at= lists; refits)
    Case(id="bomb-at-grid-product", cls="bomb", expect=REFUSE, kind="call", match="combinations",
         call=lambda t: gs.glm("y ~ x + z", base(t)).average_marginal_effects(
             "x", at={"x": list(range(10_000)), "z": list(range(10_000))})),
    Case(id="bomb-halfnormal-nsim", cls="bomb", expect=REFUSE, kind="call", match="nsim",
         call=lambda t: gs.glm("y ~ x", base(t)).plot("halfnormal", nsim=10**9)),
    # numpy's SeedSequence mixes a seed in word by word: 20 s for one number of 2**20 bits, 7 s for a list of
    # 10**6 numbers, before the first draw
    Case(id="bomb-seed-huge-number", cls="bomb", expect=REFUSE, kind="call", match="32-bit words",
         call=lambda t: gs.glm("y ~ x", base(t)).simulate(1, seed=2 ** (2 ** 20))),
    Case(id="bomb-seed-long-list", cls="bomb", expect=REFUSE, kind="call", match="32-bit words",
         call=lambda t: gs.glm("y ~ x", base(t)).residuals("quantile", seed=list(range(10 ** 6)))),
    # a factor duplicating another one's 250 levels under other labels (9 KB of data): 249 aliased columns,
    # each explained by an SVD of its own (O(L^4): 37 s at 300 levels), and R's aliasing read from the
    # dependencies by updating every row per pivot
    Case(id="bomb-duplicated-factor", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ a + b", _duplicated_factor(250))),
    # estimated marginal means: a term naming a variable 16 times asked for 4^16 cells (a MemoryError after
    # 19 s); the reference grid crosses every factor of the model (150 x 150 levels: 22,500 rows of 299
    # columns); each cell's rows were found by a scan of every grid row (100 x 100 levels: minutes)
    Case(id="bomb-emmeans-repeated-variable", cls="bomb", expect=REFUSE, kind="call", match="more than once",
         call=lambda t: gs.glm("y ~ x + g", base(t)).emmeans("g" + ":g" * 15)),
    Case(id="bomb-emmeans-grid", cls="bomb", expect=REFUSE, kind="call", match="reference grid crosses",
         call=lambda t: gs.glm("y ~ a + b", _two_factors(150)).emmeans("a")),
    Case(id="bomb-emmeans-10k-cells", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ a + b", _two_factors(100)).emmeans("a:b")),
    Case(id="bomb-emmeans-pairs-10k-means", cls="bomb", expect=REFUSE, kind="call", match="pairwise comparisons",
         call=lambda t: gs.glm("y ~ a + b", _two_factors(100)).emmeans_pairs("a:b")),
    # the same 10,000 means compared with their average: each comparison's row is its mean's less the average of
    # all, never the 10,000 x 10,000 coefficients (800 MB); the pairs were counted only after they were built
    Case(id="bomb-emmeans-effects-10k-means", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ a + b", _two_factors(100)).emmeans_contrasts("a:b", "eff")),
    # y ~ . on 12 rows and 600 columns (58 KB of numbers): 589 of its terms are aliased (R's NA coefficients).
    # drop1 refitted the model without each of them, which changes nothing (p refits of p columns, with Rao's
    # score a p x p system each: minutes), anova refitted each prefix (16 s), and step listed every term's
    # label for every candidate and compared every pair of terms (5 s a step)
    Case(id="bomb-drop1-mostly-aliased", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ .", _mostly_aliased()).drop1(test="Rao")),
    Case(id="bomb-anova-mostly-aliased", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ .", _mostly_aliased()).anova(test="Rao")),
    Case(id="bomb-step-mostly-aliased", cls="bomb", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ .", _mostly_aliased()).step()),
    # augment(path=...) where a named pipe was put in the file's place: opening it to write waited for a reader,
    # for ever (as a shared directory's "results.parquet" may be made by someone else)
    Case(id="bomb-augment-to-fifo", cls="bomb", expect=REFUSE, kind="call", match="named pipe",
         files={"out.parquet": FIFO}, call=lambda t: gs.glm("y ~ x", base(t)).augment("out.parquet")),
] + ([] if GLMClassifier is None else [
    # the sklearn front end's penalized fit of a design wider than its rows: the rows' SVD, not p x p solves
    Case(id="bomb-classifier-poly-50-by-50", cls="bomb", expect=FIT, kind="call", call=_classifier_wide),
])

# -- 10. foreign exceptions: wrong types and degenerate input ---------------------------------------------
class _StrSub(str):
    """A str subclass, otherwise ordinary."""


FOREIGN = _cases("foreign", [
    ("formula-bytes", REFUSE, b"y ~ x"),
    ("formula-none", REFUSE, None),
    ("formula-int", REFUSE, 42),
    ("formula-float", REFUSE, 1.5),
    ("formula-list", REFUSE, ["y ~ x"]),
    ("formula-tuple", REFUSE, ("y", "x")),
    ("formula-dict", REFUSE, {"y": "x"}),
    ("formula-object", REFUSE, object()),
    ("formula-series", REFUSE, pd.Series(["y ~ x"])),
    ("formula-ndarray", REFUSE, np.array(["y ~ x"])),
    ("ok-formula-np-str", FIT, np.str_("y ~ x")),
    ("ok-formula-str-subclass", FIT, _StrSub("y ~ x")),
    ("formula-empty", REFUSE, ""),
    ("formula-whitespace", REFUSE, "  \n\t "),
    ("formula-only-tilde", REFUSE, "~"),
    ("formula-tilde-spaces", REFUSE, " ~ "),
    ("formula-no-response", REFUSE, "~ x"),
    ("formula-no-rhs", REFUSE, "y ~"),
    ("formula-double-tilde", REFUSE, "y ~ ~ x"),
    ("formula-two-tildes", REFUSE, "y ~ x ~ z"),
    ("formula-no-tilde", REFUSE, "y"),
    ("formula-tildes-only", REFUSE, "~~~"),
    ("formula-trailing-bar", REFUSE, "y ~ x |"),
    ("formula-trailing-comma", REFUSE, "y ~ x,"),
    ("formula-trailing-plus", REFUSE, "y ~ x +"),
    ("formula-empty-parens", REFUSE, "y ~ ()"),
    ("formula-string-term", REFUSE, "y ~ 'x'"),
    ("formula-number-term", REFUSE, "y ~ x + 2"),
    ("formula-bracket-in-parens", REFUSE, "y ~ (x])"),
    ("formula-bracket-nested", REFUSE, "y ~ ((-__import__]))"),
    ("formula-empty-backticks-in-call", REFUSE, "y ~ factor(``)"),
    ("formula-empty-backticks-keyword", REFUSE, "y ~ pmax(``, base = 1)"),
    ("formula-dollar", REFUSE, "y ~ x$y"),
    ("formula-assignment", REFUSE, "y ~ x <- z"),
    ("formula-complex-literal", REFUSE, "y ~ x + 1i"),
    ("formula-fractional-power", REFUSE, "y ~ (x + z)^2.5"),
    ("formula-negative-power", REFUSE, "y ~ x^-1"),
    ("data-none", REFUSE, "y ~ x", {"data": lambda t: None}),
    ("data-int", REFUSE, "y ~ x", {"data": lambda t: 42}),
    ("data-list", REFUSE, "y ~ x", {"data": lambda t: [[1.0, 2.0], [3.0, 4.0]]}),
    ("data-ndarray", REFUSE, "y ~ x", {"data": lambda t: np.ones((5, 2))}),
    ("data-series", REFUSE, "y ~ x", {"data": lambda t: pd.Series(_X, name="x")}),
    ("data-generator", REFUSE, "y ~ x", {"data": lambda t: (v for v in _X)}),
    ("data-dict-unequal", REFUSE, "y ~ x", {"data": lambda t: {"y": [1.0, 2.0, 3.0], "x": [1.0, 2.0]}}),
    ("data-dict-scalars", REFUSE, "y ~ x", {"data": lambda t: {"y": 1.0, "x": 2.0}}),
    ("data-dict-int-keys", REFUSE, "y ~ x", {"data": lambda t: {0: _Y, 1: _X}}),
    ("data-empty-frame", REFUSE, "y ~ x", {"data": lambda t: pd.DataFrame()}),
    ("data-zero-rows", REFUSE, "y ~ x", {"data": lambda t: small(t).iloc[:0]}),
    ("data-one-row", EITHER, "y ~ x", {"data": lambda t: small(t).iloc[:1]}),
    ("data-int-labels", REFUSE, "y ~ x", {"data": with_labels([0, 1, 2])}),
    ("data-int-labels-backticked", EITHER, "`0` ~ `1`", {"data": with_labels([0, 1, 2])}),
    ("data-multiindex-columns", EITHER, "y ~ x",
     {"data": lambda t: small(t).set_axis(pd.MultiIndex.from_tuples([("y", ""), ("x", ""), ("z", "")]), axis=1)}),
    ("data-nan-label", EITHER, "y ~ x", {"data": with_labels(["y", "x", float("nan")])}),
    ("data-all-nan-response", REFUSE, "y ~ x", {"data": lambda t: small(t).assign(y=np.nan)}),
    ("data-huge-strings-unused", FIT, "y ~ x", {"data": lambda t: small(t).assign(big=["a" * 1_000_000] * N)}),
    ("family-string", REFUSE, "y ~ x", {"family": "binomial"}),
    ("family-class", REFUSE, "y ~ x", {"family": gs.Binomial}),
    ("family-int", REFUSE, "y ~ x", {"family": 42}),
    ("weights-missing-column", REFUSE, "y ~ x", {"kwargs": {"weights": "nope"}}),
    ("weights-wrong-length", REFUSE, "y ~ x", {"kwargs": {"weights": [1.0, 2.0]}}),
    ("weights-strings", REFUSE, "y ~ x", {"kwargs": {"weights": "g"}}),
    ("weights-dict", REFUSE, "y ~ x", {"kwargs": {"weights": {"a": 1}}}),
    ("weights-object", REFUSE, "y ~ x", {"kwargs": {"weights": object()}}),
    ("offset-scalar", EITHER, "y ~ x", {"kwargs": {"offset": 0}}),
    ("na-action-payload", REFUSE, "y ~ x", {"kwargs": {"na_action": TOUCH}}),
    # subset= is R code read by the formula's evaluator: a payload is a name or a call it refuses, never Python
    ("subset-payload", REFUSE, "y ~ x", {"kwargs": {"subset": TOUCH}}),
    ("subset-payload-backticked", REFUSE, "y ~ x", {"kwargs": {"subset": f"x > 0 & {bt(TOUCH)}"}}),
    ("subset-read-file", REFUSE, "y ~ x", {"kwargs": {"subset": f"x > {READ_FILE}"}}),
    ("subset-read-env", REFUSE, "y ~ x", {"kwargs": {"subset": f"x > {READ_ENV}"}}),
    ("subset-system", REFUSE, "y ~ x", {"kwargs": {"subset": "system('touch PWNED') == 0"}}),
    ("subset-eval-parse", REFUSE, "y ~ x", {"kwargs": {"subset": "eval(parse(text = 'x > 1'))"}}),
    ("subset-secret-path", REFUSE, "y ~ x", {"kwargs": {"subset": SECRET_FILE}}),
    ("subset-huge-sequence", REFUSE, "y ~ x", {"kwargs": {"subset": "x %in% 1:1e300"}, "match": "max_length"}),
    ("subset-deep", REFUSE, "y ~ x", {"kwargs": {"subset": "(" * 5000 + "x > 1" + ")" * 5000}}),
    ("subset-numbers", REFUSE, "y ~ x", {"kwargs": {"subset": "x"}, "match": "row numbers"}),
    ("subset-range-huge", REFUSE, "y ~ x", {"kwargs": {"subset": range(10**12)}}),
    ("subset-object", REFUSE, "y ~ x", {"kwargs": {"subset": object()}}),
    ("subset-context-function", EITHER, "y ~ x", {"kwargs": {"subset": "keep(x)", "context": {"keep": abs}}}),
    ("subset-none-kept", REFUSE, "y ~ x", {"kwargs": {"subset": "x > 1e9"}, "match": "keeps no row"}),
    ("na-action-none", REFUSE, "y ~ x", {"kwargs": {"na_action": None}}),
    ("method-payload", REFUSE, "y ~ x", {"kwargs": {"method": "exec"}}),
    ("tol-string", REFUSE, "y ~ x", {"kwargs": {"tol": "1e-8"}}),
    ("tol-negative", REFUSE, "y ~ x", {"kwargs": {"tol": -1.0}}),
    ("tol-nan", REFUSE, "y ~ x", {"kwargs": {"tol": float("nan")}}),
    ("max-iter-negative", REFUSE, "y ~ x", {"kwargs": {"max_iter": -5}}),
    ("max-iter-string", REFUSE, "y ~ x", {"kwargs": {"max_iter": "25"}}),
    ("max-iter-huge", EITHER, "y ~ x", {"kwargs": {"max_iter": 10**30}}),
    ("start-wrong-length", REFUSE, "y ~ x", {"kwargs": {"start": [1.0, 2.0, 3.0, 4.0, 5.0]}}),
    ("start-string", REFUSE, "y ~ x", {"kwargs": {"start": "abc"}}),
    ("start-objects", REFUSE, "y ~ x", {"kwargs": {"start": [Evil(0), Evil(1)]}}),
    ("ok-legit-plain", FIT, "y ~ x"),
    ("ok-legit-log-factor", FIT, "y ~ log(x) + factor(g)"),
    ("ok-legit-binomial", FIT, "cbind(s, f) ~ x + g", {"family": BINOM}),
    ("ok-legit-poisson-offset", FIT, "cnt ~ x + offset(log(z))", {"family": POIS}),
    ("ok-legit-power-poly", FIT, "y ~ I(x^2) + poly(z, 2) + g:x"),
    # numbers a double cannot hold in formula text: R's Inf (then refused as an infinite column) or NA
    ("hex-literal-beyond-double", REFUSE, "y ~ I(x * 0x" + "F" * 300 + ")", {"match": "infinite values"}),
    ("hex-literal-huge", REFUSE, "y ~ I(x * 0x" + "F" * 15_000 + ")", {"match": "infinite values"}),
    ("as-integer-inf", REFUSE, "y ~ I(x * as.integer(Inf))", {"match": "no complete rows"}),
    ("as-integer-na", REFUSE, "y ~ I(x * as.integer(NA))", {"match": "no complete rows"}),
    # spline knots that scipy refuses with its own ValueError (or a numpy warning)
    ("bs-knots-na", REFUSE, "y ~ bs(x, knots = c(NA))", {"match": "knots must be finite numbers"}),
    ("bs-knots-inf", REFUSE, "y ~ bs(x, knots = c(Inf))", {"match": "knots must be finite numbers"}),
    # a column of one value (the data's), whose boundary knots are one point: scipy's raw ValueError ("Need at least
    # two internal knots")
    # an infinite date, whose floor raised a raw OverflowError where its text was written (R: "-Inf")
    ("date-infinite-factor", FIT, "y ~ factor(as.Date(log2(x > 2)))"),
    ("date-infinite-paste", REFUSE, "y ~ paste(as.Date(x * -Inf))", {"match": "single level"}),
    ("date-far-sprintf", REFUSE, 'y ~ sprintf("%s", as.Date(x * 1e300))', {"match": "single level"}),
    ("bs-one-value", REFUSE, "y ~ bs(I(x * 0))", {"match": "needs at least two distinct values of x"}),
    ("bs-one-value-df", REFUSE, "y ~ bs(I(0 * z + 3), df = 5)", {"match": "needs at least two distinct values"}),
    ("ok-bs-one-value-boundary", FIT, "y ~ x + bs(I(x * 0), Boundary.knots = c(-1, 1))"),
    ("bs-boundary-equal", REFUSE, "y ~ bs(x, Boundary.knots = c(1, 1))", {"match": "two increasing"}),
    ("bs-boundary-na", REFUSE, "y ~ bs(x, Boundary.knots = c(NA, NA))", {"match": "finite numbers"}),
    ("bs-boundary-inf", REFUSE, "y ~ bs(x, Boundary.knots = c(-Inf, Inf))", {"match": "finite numbers"}),
    ("bs-boundary-span-overflows", REFUSE, "y ~ bs(x, Boundary.knots = c(-1e308, 1e308))", {"match": "apart"}),
    ("ns-boundary-span-overflows", REFUSE, "y ~ ns(x, Boundary.knots = c(-1e308, 1e308))", {"match": "apart"}),
    # R's sequences (1:5) are values, bounded in all by max_length: one huge, or many that the text repeats
    ("sequence-huge", REFUSE, "y ~ I(x %in% 1:1e300)", {"match": "max_length"}),
    ("sequence-many", REFUSE, "y ~ I(x %in% c(" + ", ".join(["1:19999"] * 2000) + "))", {"match": "max_length"}),
    ("sequence-inf", REFUSE, "y ~ I(x %in% 1:Inf)", {"match": "max_length"}),
    # seq() and arithmetic of literal values: bounded as sequences are, whatever the step or the count asked
    ("seq-tiny-step", REFUSE, "y ~ cut(x, seq(0, 1, by = 1e-300))", {"match": "max_length"}),
    ("seq-huge-length", REFUSE, "y ~ cut(x, seq(0, 1, length.out = 1e15))", {"match": "max_length"}),
    ("seq-len-huge", REFUSE, "y ~ I(x %in% seq_len(2147483647))", {"match": "max_length"}),
    ("seq-nan-step", REFUSE, "y ~ cut(x, seq(0, 1, by = NaN))", {"match": "finite number"}),
    ("seq-many", REFUSE, "y ~ I(x %in% c(" + ", ".join(["seq(1, 19999)"] * 2000) + "))", {"match": "max_length"}),
    ("literal-power-overflow", REFUSE, "y ~ cut(x, 10^(300:310))", {"match": "breaks"}),
    ("quantile-many-probs", REFUSE, "y ~ cut(x, quantile(x, seq(0, 1, length.out = 1e12)))", {"match": "max_length"}),
    ("quantile-probs-column", REFUSE, "y ~ cut(x, quantile(x, x))", {"match": "probs must be literal numbers"}),
    # ifelse() of text builds no string a row: a numeric column beside text is refused, nested text is references
    ("ifelse-text-numeric-column", REFUSE, 'y ~ ifelse(x > 0, "a", x)', {"match": "column of numbers beside text"}),
    ("ifelse-text-nested-deep", EITHER, "y ~ " + "ifelse(x > 0, 'a', " * 40 + "'b'" + ")" * 40, {}),
    # R's reserved constants are never a column, whatever the data's columns are called
    ("reserved-inf-column-shadow", FIT, "y ~ I(pmin(x, Inf))", {"data": with_column("Inf")}),
    ("reserved-na-column-shadow", FIT, "y ~ I(ifelse(x > 0, x, NA)) + `NA`", {"data": with_column("NA")}),
    ("reserved-inf-as-term", REFUSE, "y ~ x + Inf", {"data": with_column("Inf"), "match": "R's constant Inf"}),
    ("reserved-null-as-value", REFUSE, "y ~ I(x + NULL)", {"data": with_column("NULL"), "match": "NULL as a value"}),
    # R's NA among literal levels: the key of the number NaN raised a raw ValueError (not enough values to unpack)
    ("factor-levels-na", FIT, "y ~ factor(g, levels = c('b', NA, 'a'))"),
    ("factor-levels-numbers-na", FIT, "y ~ factor(x, levels = c(NA, 1:11))"),
    ("ordered-levels-nan", FIT, "y ~ ordered(x, levels = c(1:6, NaN, 7:11))"),
    ("factor-levels-na-alone", REFUSE, "y ~ factor(x, levels = NA)", {"match": "levels holds NA alone"}),
    ("relevel-ref-na", REFUSE, "y ~ relevel(factor(x), ref = NA)", {"match": "ref = NA must be"}),
    # (R's NA level at its place, tests/formula/test_na_level_at_place.py; x has no missing value here, so the NA
    # level is unused and one level, 1, is left, where R stops too: "contrasts can be applied only to factors with 2
    # or more levels")
    ("factor-levels-na-exclude-null", REFUSE, "y ~ factor(x, levels = c(1, NA), exclude = NULL)",
     {"match": "has a single level \\('1'\\) in the rows used"}),
])

# -- Parquet files given as data= (a path, a directory or a glob): damaged, odd or hostile files ---------------
def _parquet_bytes(columns: Mapping[str, Any], names: list[str] | None = None, **write: Any) -> bytes:
    """A Parquet file of ``columns`` (``names`` may repeat a name), as bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(list(columns.values()), names=names or list(columns))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **write)
    return sink.getvalue().to_pybytes()


def _clean_parquet(t: Tokens) -> bytes:
    return _parquet_bytes({"y": np.array(_Y), "x": np.array(_X), "g": np.array(_G)})


def _damaged_parquet(t: Tokens) -> bytes:
    """A file whose footer is sound but whose column x's compressed page is not (pyarrow: OSError)."""
    import io

    import pyarrow.parquet as pq

    raw = bytearray(_parquet_bytes({"y": np.array(_Y), "x": np.array(_X)}, compression="snappy",
                                   use_dictionary=False))
    chunk = pq.ParquetFile(io.BytesIO(bytes(raw))).metadata.row_group(0).column(1)
    end = chunk.data_page_offset + chunk.total_compressed_size
    raw[end - 40:end] = b"\xff" * 40
    return bytes(raw)


def _forged_rows(rows_in_group: int | None = None) -> bytes:
    """A file of 12 rows in row groups of 7 and 5 whose footer says 13 rows: by the file's count alone, or also by
    its last row group's (``rows_in_group``: 6 where its pages hold 5, a footer consistent with itself).  The counts
    are thrift i64 fields, a byte 0x16 and a zigzag varint: the file's comes first in the footer, the last row
    group's last (after its columns' counts of values)."""
    import io

    import pyarrow.parquet as pq

    raw = bytearray(_parquet_bytes({"y": np.array(_Y), "x": np.array(_X)}, row_group_size=7))
    size = int.from_bytes(raw[-8:-4], "little")
    start = len(raw) - 8 - size
    footer = bytes(raw[start:-8])
    at = start + footer.index(b"\x16" + bytes([2 * 12]))
    raw[at + 1] = 2 * 13
    if rows_in_group is not None:
        at = start + footer.rindex(b"\x16" + bytes([2 * 5]))
        raw[at + 1] = 2 * rows_in_group
    meta = pq.ParquetFile(io.BytesIO(bytes(raw))).metadata  # (the forgery is what it says)
    assert meta.num_rows == 13 and meta.row_group(1).num_rows == (rows_in_group or 5)
    return bytes(raw)


def _path(name: str) -> Callable[[Tokens], str]:
    return lambda t: name


class _Touching(float):
    """A float subclass whose conversions, comparisons and text create the marker file: numpy's ``asarray`` of a
    list of them calls ``__float__``, pandas' ``factorize`` their ``__hash__`` and ``__eq__``."""

    def __float__(self) -> float:
        open(MARKER, "w").close()
        return 1.0

    def __hash__(self) -> int:
        open(MARKER, "w").close()
        return 1

    def __eq__(self, other: object) -> bool:
        open(MARKER, "w").close()
        return True

    def __repr__(self) -> str:
        open(MARKER, "w").close()
        return "t"

    __str__ = __format__ = __repr__


def _touching_column(t: Tokens) -> pd.DataFrame:
    """base plus ``c``, an object column of :class:`_Touching` values (three clusters by value)."""
    return base(t).assign(c=_objects([_Touching(i % 3) for i in range(N)]))


_OBJECT_OF_ITS_OWN = "holds values of the type '_Touching'"
# Objects of a subclass of float in the data or an argument: a cluster column (its values hashed and compared by
# pandas' factorize), a list given as weights=, cluster= or a hypothesis matrix (numpy's asarray called each
# one's __float__), a confidence level or an at= value (float() of it): each ran its code, where an object
# column the formula uses, or an object array given as offset=, is refused (the threat model's promise).
FOREIGN += [
    Case(id="foreign-cluster-column-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match=_OBJECT_OF_ITS_OWN, call=lambda t: gs.glm("y ~ x", _touching_column(t)).robust(cluster="c")),
    Case(id="foreign-cluster-list-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match=_OBJECT_OF_ITS_OWN,
         call=lambda t: gs.glm("y ~ x", base(t)).robust(cluster=[_Touching(i % 3) for i in range(N)])),
    Case(id="foreign-cluster-column-of-evil", cls="foreign", expect=REFUSE, kind="call", match="type 'Evil'",
         call=lambda t: gs.glm("y ~ x", with_column("c", [Evil(i) for i in range(N)])(t)).robust(cluster="c")),
    Case(id="foreign-weights-list-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match=_OBJECT_OF_ITS_OWN, call=lambda t: gs.glm("y ~ x", base(t), weights=[_Touching(1.0)] * N)),
    Case(id="foreign-level-float-subclass", cls="foreign", expect=REFUSE, kind="call", match="got a _Touching",
         call=lambda t: gs.glm("y ~ x", base(t)).conf_int(level=_Touching(0.9))),
    Case(id="foreign-at-float-subclass", cls="foreign", expect=REFUSE, kind="call", match="got a _Touching",
         call=lambda t: gs.glm("y ~ x + g", base(t)).average_marginal_effects(at={"x": [_Touching(1.0)]})),
    Case(id="foreign-hypothesis-matrix-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         call=lambda t: gs.glm("y ~ x", base(t)).wald_test([[_Touching(0.0), _Touching(1.0)]])),
    # emmeans' numbers: an at= value, its offset= and a contrast of one's own (each read by float(), which ran the
    # subclass's __float__: the marker file was made and the means computed at 1.0)
    Case(id="foreign-emmeans-at-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match="got \\[a _Touching\\]",
         call=lambda t: gs.glm("y ~ x + g", base(t)).emmeans("g", at={"x": [_Touching(1.0)]})),
    Case(id="foreign-emmeans-offset-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match="got a _Touching",
         call=lambda t: gs.glm("y ~ x + g", base(t)).emmeans("g", offset=_Touching(1.0))),
    Case(id="foreign-emmeans-contrast-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match="got \\[a _Touching, -1.0, 0.0\\]",
         call=lambda t: gs.glm("y ~ x + g", base(t)).emmeans_contrasts("g", {"c": [_Touching(1.0), -1.0, 0.0]})),
    # subset= given as one value per row: each value that is no bool was asked whether it is NaN by np.isnan,
    # which called a float subclass's __float__ (the refusal came after its code ran)
    Case(id="foreign-subset-list-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match="value 0 is a _Touching",
         call=lambda t: gs.glm("y ~ x", base(t), subset=[_Touching(1.0)] * N)),
    # a column given as a list in a dict (data or new data): numpy's asarray of it called each float subclass's
    # __float__ before the object column could be refused (the fit used what they returned)
    Case(id="foreign-data-dict-list-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match=_OBJECT_OF_ITS_OWN,
         call=lambda t: gs.glm("y ~ x", {"y": list(_Y), "x": [_Touching(v) for v in _X]})),
    Case(id="foreign-newdata-dict-list-of-float-subclass", cls="foreign", expect=REFUSE, kind="call",
         match=_OBJECT_OF_ITS_OWN,
         call=lambda t: gs.glm("y ~ x + g", base(t)).predict({"x": [_Touching(1.0)], "g": ["a"]})),
    Case(id="ok-cluster-column-of-dates", cls="foreign", expect=FIT, kind="call",
         call=lambda t: gs.glm("y ~ x", base(t).assign(c=_objects(
             [pd.Timestamp("2026-01-01") + pd.Timedelta(days=i % 3) for i in range(N)]))).robust(cluster="c")),
]

#: a directory whose symbolic links lead back into it: Python's glob listed 2**40 paths for d/**/*.parquet
_LINK_LOOPS = {"d/a/f.parquet": _clean_parquet, "d/self": ("symlink", "."), "d/a/up": ("symlink", ".."),
               "d/a/me": ("symlink", ".")}

FOREIGN += _cases("foreign", [
    ("parquet-duplicate-column", REFUSE, "y ~ x", {
        "data": _path("dup.parquet"), "match": "two columns named 'x'",
        "files": {"dup.parquet": lambda t: _parquet_bytes({"y": np.array(_Y), "x": np.array(_X), "x2": np.array(_Z)},
                                                           names=["y", "x", "x"])}}),
    ("parquet-damaged-page", REFUSE, "y ~ x", {
        "data": _path("damaged.parquet"), "match": "row group 0 of 'damaged.parquet'",
        "files": {"damaged.parquet": _damaged_parquet}}),
    ("ok-parquet-clean", FIT, "y ~ x + g",
     {"data": _path("clean.parquet"), "files": {"clean.parquet": _clean_parquet}}),
    # a footer's counts of rows that do not agree: refused as damaged when the file is opened (its count and its
    # row groups'), or when the row groups are read (pages holding fewer rows than the footer gives), not as a
    # file that "changed since the fit"
    ("parquet-footer-rows-forged", REFUSE, "y ~ x", {
        "data": _path("rows.parquet"), "files": {"rows.parquet": lambda t: _forged_rows()},
        "match": "'rows.parquet': it is damaged or not valid Parquet "
                 "\\(its footer gives 13 rows, its row groups 12\\)"}),
    ("parquet-row-group-rows-forged", REFUSE, "y ~ x", {
        "data": _path("rows.parquet"), "files": {"rows.parquet": lambda t: _forged_rows(6)},
        "match": "row groups 0 to 1 of 'rows.parquet': its data is damaged or not valid Parquet \\(the footer gives "
                 "13 rows, the pages hold 12\\)"}),
])


def _not_utf8_parquet(t: Tokens, dictionary: bool = True) -> bytes:
    """A file whose string column g holds bytes that are not UTF-8 (a stray 0xff, an encoded surrogate): pyarrow
    writes and reads them unchecked, and converting them to Python strings raised a raw ArrowException
    ('Unknown error: Wrapping ... failed')."""
    import pyarrow as pa

    g = pa.array([b"a\xff", b"b", b"\xed\xa0\x80"] * 4, pa.binary()).view(pa.string())
    return _parquet_bytes({"y": np.array(_Y), "x": np.array(_X), "g": g}, use_dictionary=dictionary)


_NOT_UTF8 = "column 'g' holds bytes that are not UTF-8 text"
FOREIGN += _cases("foreign", [
    ("parquet-strings-not-utf8", REFUSE, "y ~ x + g", {
        "data": _path("bytes.parquet"), "files": {"bytes.parquet": _not_utf8_parquet}, "match": _NOT_UTF8}),
    ("parquet-strings-not-utf8-plain", REFUSE, "y ~ x + g", {
        "data": _path("bytes.parquet"), "files": {"bytes.parquet": lambda t: _not_utf8_parquet(t, False)},
        "match": _NOT_UTF8}),
    ("arrow-table-strings-not-utf8", REFUSE, "y ~ x + g", {
        "data": lambda t: __import__("pyarrow.parquet").parquet.read_table(__import__("io").BytesIO(
            _not_utf8_parquet(t, False))), "match": _NOT_UTF8}),
    ("ok-parquet-strings-not-utf8-unused", FIT, "y ~ x", {
        "data": _path("bytes.parquet"), "files": {"bytes.parquet": _not_utf8_parquet}}),
])
CLI += [_cli("parquet-strings-not-utf8", REFUSE, _fit("y ~ x + g", "bytes.parquet"),
             {"bytes.parquet": _not_utf8_parquet}, match=_NOT_UTF8)]

def _many_levels_parquet(t: Tokens, groups: int = 40, per: int = 5000, width: int = 1000) -> bytes:
    """A 1.4 MB file whose column g holds another 5,000 strings of 1 KB in each of its 40 row groups: 200 MB of
    factor levels, all held until the last row group was read (and 8 s) before the column count was refused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("y", pa.float64()), ("x", pa.float64()), ("g", pa.string())])
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for r in range(groups):
            rows = np.arange(per, dtype=float)
            ids = [f"{'L' * width}{r}-{i}" for i in range(per)]
            writer.write_table(pa.table({"y": rows % 7, "x": rows, "g": ids}, schema=schema))
    return sink.getvalue().to_pybytes()


def _list_column_parquet(t: Tokens, rows: int = 500, width: int = 100_000) -> bytes:
    """A 15 KB file whose column l holds a list of 100,000 zeros in each of its 500 rows: 400 MB of arrays
    were read (beyond the time limit) before the column was refused as no column of numbers."""
    import pyarrow as pa

    offsets = pa.array(np.arange(0, (rows + 1) * width, width, dtype=np.int32))
    lists = pa.ListArray.from_arrays(offsets, pa.array(np.zeros(rows * width)))
    return _parquet_bytes({"y": np.linspace(0, 1, rows), "x": np.arange(rows, dtype=float), "l": lists},
                          compression="zstd")


def _tensor_column_parquet(t: Tokens, rows: int = 500, width: int = 100_000) -> bytes:
    """A 7 KB file whose column t holds a tensor of 100,000 zeros in each of its 500 rows: an Arrow extension
    type stored as a list, read (1 GB, 5 s) before it was refused as no column of numbers."""
    import pyarrow as pa

    storage = pa.FixedSizeListArray.from_arrays(pa.array(np.zeros(rows * width)), width)
    tensors = pa.ExtensionArray.from_storage(pa.fixed_shape_tensor(pa.float64(), [width]), storage)
    return _parquet_bytes({"y": np.linspace(0, 1, rows), "x": np.arange(rows, dtype=float), "t": tensors},
                          compression="zstd")


def _repeated_string_parquet(t: Tokens, rows: int = 600) -> bytes:
    """An 8 KB file whose column g is stored as a dictionary of two strings of 1 MB, without the Arrow schema
    that says so: read as strings, each of its 600 rows was a copy (600 MB)."""
    import pyarrow as pa

    codes = pa.array(np.arange(rows) % 2, pa.int32())
    g = pa.DictionaryArray.from_arrays(codes, pa.array(["a" * 2**20, "b" * 2**20]))
    return _parquet_bytes({"y": np.linspace(0, 1, rows) ** 2, "x": np.arange(rows, dtype=float), "g": g},
                          compression="zstd", store_schema=False)


def _duplicate_header(n: int, last: str | None = None) -> str:
    """A CSV file whose header repeats one name n times (y, x, a, a, ..., a, and ``last``) over 12 rows."""
    end = "" if last is None else ","
    return "y,x," + ",".join(["a"] * n) + end + (last or "") + "\n" + "".join(
        f"{a},{b}," + ",".join(["1"] * n) + end + (last and "0" or "") + "\n" for a, b in zip(_Y, _X))


CLI += [
    # pandas renames each repeat (a.1, a.2, ...) searching the whole header for every candidate: quadratic, 7 s
    # for these 20,000 (more than 2 minutes for a 1 MB header of 200,000); the names are now computed apart
    _cli("csv-duplicate-header-bomb", FIT, _fit("y ~ x + a.19999", "wide.csv"),
         {"wide.csv": _duplicate_header(20_000)}),
    # ... also when a header field is longer than the csv module's 128 KB field limit (it gave up: 8 s)
    _cli("csv-duplicate-header-bomb-long-field", FIT, _fit("y ~ x + a.19999", "wide.csv"),
         {"wide.csv": _duplicate_header(20_000, last="b" * 200_000)}),
    # ... and when its lines end in a lone \r (old Mac line ends, or the header's alone: the csv module refused it)
    _cli("csv-duplicate-header-bomb-cr", FIT, _fit("y ~ x + a.19999", "wide.csv"),
         {"wide.csv": _duplicate_header(20_000).replace("\n", "\r")}),
    _cli("csv-duplicate-header-bomb-header-cr", FIT, _fit("y ~ x + a.19999", "wide.csv"),
         {"wide.csv": _duplicate_header(20_000).replace("\n", "\r", 1)}),
    _cli("ok-csv-duplicate-header-empty-cells", FIT, _fit("y ~ x + a.1 + `Unnamed: 5`", "dups.csv"),
         {"dups.csv": "y,x,a,a,,\n" + _ROWS.replace("\n", ",1,1,1\n")}),
    _cli("parquet-repeated-strings", FIT, _fit("y ~ x + g", "strings.parquet"),
         {"strings.parquet": _repeated_string_parquet}),
    # y ~ . on a 6 MB file of 200,000 columns: every column was read (12 s), and each taken from the frame to look
    # for a NUL character (25 s), before glm() refused the 199,999 terms; now refused from the header
    _cli("csv-wide-dot", REFUSE, _fit("y ~ .", "wide.csv"),
         {"wide.csv": "y,x," + ",".join(f"c{j}" for j in range(200_000)) + "\n"
          + "".join(f"{a},{b}," + ",".join(["1"] * 200_000) + "\n" for a, b in zip(_Y, _X))},
         match="expands to more terms than allowed.*max_terms is 2,000"),
    _cli("ok-csv-dot-within-the-limit", FIT, _fit("y ~ . - c1", "wide.csv"),
         {"wide.csv": "y," + ",".join(f"c{j}" for j in range(1_500)) + "\n"
          + "".join(f"{a}," + ",".join([str(b)] * 1_500) + "\n" for a, b in zip(_Y, _X))}),
    # a file that starts with five million empty lines (5 MB): its header was looked for line by line (3.5 s)
    _cli("csv-empty-lines-before-the-header", FIT, _fit("y ~ x", "blank.csv"),
         {"blank.csv": "\n" * 5_000_000 + _CLEAN_CSV}),
    # a field of digits and a letter, typed as R's type.convert types it: the pattern of a decimal number split a
    # run of digits in as many ways as it is long (30,000 digits: 20 s; these 100,000: minutes), unused or not
    _cli("csv-field-of-digits-and-a-letter", FIT, _fit("y ~ x", "digits.csv"),
         {"digits.csv": "y,x,g\n" + "".join(f"{a},{b},{k}.5\n" for k, (a, b) in enumerate(zip(_Y[1:], _X[1:])))
          + f"{_Y[0]},{_X[0]}," + "1" * 100_000 + "x\n"}),
    # a first row of more fields than the header: pandas made the extra ones a multi-level index of the rows, a
    # level a field (100,000 fields: 25 s; this million, 2 MB: hours); R refuses more than one extra field
    # ("more columns than column names"), and one extra is the rows' names
    _cli("csv-first-row-beyond-the-header", REFUSE, _fit("y ~ x", "long.csv"), {"long.csv": "y,x\n" + "1," * 1_000_000},
         match="more fields than the header's 2 names"),
    _cli("csv-first-row-beyond-the-header-quoted", REFUSE, _fit("y ~ x", "long.csv"),
         {"long.csv": 'y,x\n"a,b",' + '"",' * 500_000 + "\n" + _ROWS}, match="more fields than the header's 2 names"),
    # the first row's scan read a quoted field as one pattern, '"(?:[^"]|"")*"', for which Python's regular
    # expressions kept a record a character (or doubled quote): a quoted field of 5 MB took 600 MB (20 MB: 2.3 GB,
    # a MemoryError), one of 5 million doubled quotes 600 MB
    _cli("ok-csv-first-row-long-quoted-field", FIT, _fit("y ~ x", "note.csv"),
         {"note.csv": "y,x,note\n" + "".join(f'{a},{b},"{"n" * (5_000_000 if k == 0 else 1)}"\n'
                                             for k, (a, b) in enumerate(zip(_Y, _X)))}),
    _cli("csv-first-row-unclosed-quote", REFUSE, _fit("y ~ x", "open.csv"),
         {"open.csv": 'y,x\n"' + "a" * 5_000_000 + "\n" + _ROWS}),
    _cli("ok-csv-first-row-doubled-quotes", FIT, _fit("y ~ x", "quotes.csv"),
         {"quotes.csv": "y,x,note\n" + "".join(f'{a},{b},"{chr(34) * 10_000_000 if k == 0 else "q"}"\n'
                                               for k, (a, b) in enumerate(zip(_Y, _X)))}),
    _cli("ok-csv-first-row-with-row-names", FIT, _fit("y ~ x + z", "names.csv"),
         {"names.csv": "y,x,z\n" + "".join(f"r{i},{row}" for i, row in enumerate(_ROWS.splitlines(True)))}),
]

def _long_strings_parquet(t: Tokens, rows: int = 64) -> bytes:
    """A 6 KB file whose column g holds strings of 1 MB (two, alternating) stored plainly, not as a dictionary:
    64 MB when read, whatever the limit on the design's memory."""
    g = np.array(["a" * 2**20, "b" * 2**20] * (rows // 2), dtype=object)
    return _parquet_bytes({"y": np.linspace(0, 1, rows) ** 2, "x": np.arange(rows, dtype=float), "g": g},
                          compression="zstd", use_dictionary=False)


def _unused_dictionary_parquet(t: Tokens, entries: int = 200_000) -> bytes:
    """A 70 KB file of 12 rows whose column g is a dictionary of 200,000 strings of which its rows use three:
    every entry was a level (sorted, converted, matched) until the model frame dropped it, 6 s to fit and
    minutes with relevel() (a million: 22 s, 620 MB)."""
    import pyarrow as pa

    g = pa.DictionaryArray.from_arrays(pa.array(np.arange(N) % 3, pa.int32()), [f"c{i}" for i in range(entries)])
    return _parquet_bytes({"y": np.array(_Y), "x": np.array(_X), "g": g}, compression="zstd")


_SMALL_DESIGN = {"limits": gs.FormulaLimits(max_design_bytes=2**24)}

BOMBS += _cases("bomb", [
    ("parquet-long-strings", REFUSE, "y ~ x + g", {
        "data": _path("long.parquet"), "files": {"long.parquet": _long_strings_parquet}, "kwargs": _SMALL_DESIGN,
        "match": "row group 0 of 'long.parquet' expands to .* for the column 'g'.* max_design_bytes=16,777,216"}),
    ("ok-parquet-long-strings-unused", FIT, "y ~ x", {
        "data": _path("long.parquet"), "files": {"long.parquet": _long_strings_parquet}, "kwargs": _SMALL_DESIGN}),
    ("parquet-list-column", REFUSE, "y ~ x + l", {
        "data": _path("lists.parquet"), "files": {"lists.parquet": _list_column_parquet},
        "match": "column 'l' of 'lists.parquet' holds list"}),
    ("parquet-tensor-column", REFUSE, "y ~ x + t", {
        "data": _path("tensors.parquet"), "files": {"tensors.parquet": _tensor_column_parquet},
        "match": "column 't' of 'tensors.parquet' holds extension<arrow.fixed_shape_tensor"}),
    ("parquet-levels-every-row-group", REFUSE, "y ~ x + g", {
        "data": _path("ids.parquet"), "files": {"ids.parquet": _many_levels_parquet}, "match": "max_columns"}),
    ("parquet-glob-link-loops", FIT, "y ~ x", {"data": _path("d/**/*.parquet"), "files": _LINK_LOOPS}),
    # a Categorical's categories no row uses were each converted one by one (2.5 s a million, Arrow-backed
    # strings) and matched level by level by relevel() and factor(levels = ) (13 s and more for a million)
    ("categorical-unused-categories", FIT, "y ~ x + h", {"data": "unused_categories"}),
    ("categorical-unused-categories-relevel", FIT, "y ~ relevel(h, ref = 'b')", {"data": "unused_categories"}),
    ("categorical-unused-categories-position", FIT, "y ~ relevel(h, ref = 150002)", {"data": "unused_categories"}),
    ("categorical-unused-categories-levels", FIT, "y ~ factor(h, levels = c('c', 'b', 'a'))",
     {"data": "unused_categories"}),
    ("categorical-unused-integer-categories-relevel", FIT, "y ~ relevel(k, ref = '2')",
     {"data": "unused_integer_categories"}),
    ("parquet-unused-dictionary", FIT, "y ~ x + g", {
        "data": _path("dict.parquet"), "files": {"dict.parquet": _unused_dictionary_parquet}}),
    ("parquet-unused-dictionary-relevel", FIT, "y ~ relevel(g, ref = 'c1')", {
        "data": _path("dict.parquet"), "files": {"dict.parquet": _unused_dictionary_parquet}}),
    ("parquet-glob-stars-link-loops", EITHER, "y ~ x", {"data": _path("d/" + "*/" * 30 + "*.parquet"),
                                                        "files": _LINK_LOOPS}),
    # a level read against the pattern of a number written as text (the warning of numbers fitted as a factor):
    # 200,000 digits and a letter, which a pattern with two ways to split a run of digits rejects in quadratic time
    ("ok-level-of-digits-and-a-letter", FIT, "y ~ x + t", {
        "data": with_column("t", [f"{k}.5" for k in range(N - 1)] + ["1" * 200_000 + "x"])}),
])

# interaction() of 12 x 12 x 12 levels and 1,900 arguments of one level each, joined by a sep of 9,000 characters:
# 1,728 levels of 17 MB each (29 GB) were written before the design's check, a MemoryError
_ONE_LEVEL_ARGUMENTS = "interaction(x, z, MPG.city, " + "one, " * 1_900 + "sep = '" + "s" * 9_000 + "')"
BOMBS += _cases("bomb", [
    ("interaction-long-sep-one-level-arguments", REFUSE, f"y ~ {_ONE_LEVEL_ARGUMENTS}",
     {"data": with_column("one", ["a"] * N), "match": "levels, its arguments' levels joined by sep, need more memory"}),
    ("ok-interaction-sep", FIT, "y ~ interaction(g, x > 6, sep = '" + "s" * 1_000 + "')"),
])


def _distinct_ids(t: Tokens, rows: int = 20_000) -> pd.DataFrame:
    """20,000 rows, each of its own id (a text function writes 20,000 texts of them)."""
    x = np.linspace(0.0, 1.0, rows)
    return pd.DataFrame({"y": x ** 2 + 1.0, "x": x, "id": np.array([f"id{k:06d}" for k in range(rows)], dtype=object)})


# the text functions' texts were not priced, only their number per call (and each argument's) bounded: sprintf() of
# 40 toupper() of 20,000 distinct ids held 80 x 20,000 texts (100 MB, 6 s) where the design was allowed 16 MB
_UPPER_IDS = f"nchar(sprintf('{'%s' * 40}', " + ", ".join(f"toupper(paste0(id, {k}))" for k in range(40)) + "))"
BOMBS += _cases("bomb", [
    ("texts-of-distinct-ids", REFUSE, f"y ~ x + {_UPPER_IDS}", {
        "data": _distinct_ids, "kwargs": _SMALL_DESIGN, "match": "writes 20,000 distinct texts, which with the"}),
    ("ok-texts-of-distinct-ids", FIT, "y ~ x + nchar(paste(toupper(id), x > 0.5))", {"data": _distinct_ids}),
])


def _one_row_group_parquet(t: Tokens, rows: int = 400_000) -> bytes:
    """y and x in one row group of 400,000 rows (6.4 MB when read)."""
    x = np.random.default_rng(1).normal(size=rows)
    return _parquet_bytes({"y": np.exp(x) + 1.0, "x": x}, row_group_size=rows)


# a median gathers a copy of x from each chunk: 300 of them held 300 copies of the row group (960 MB) before the
# pass over the chunks checked what they gather, after the chunk
_MEDIANS = [" + ".join(f"median(x + {k})" for k in range(j, j + 150)) for j in (0, 150)]  # (a chain of 150)
BOMBS += _cases("bomb", [
    ("parquet-300-medians-one-row-group", REFUSE, f"y ~ I(x * ({_MEDIANS[0]})) + I(x^2 * ({_MEDIANS[1]}))", {
        "data": _path("one.parquet"), "files": {"one.parquet": _one_row_group_parquet},
        "kwargs": {"limits": gs.FormulaLimits(max_design_bytes=2**24, max_eval_work=10**11)},  # (see above)
        "match": "the values gathered from a chunk of the data to learn median"}),
])


# the first pass over streamed data compared each stateful call with every other, a walk of its tree each: 1,200
# summaries of a file of 12 rows took 5 s
_MEANS = " + ".join("I(x^%d*(%s))" % (j, "+".join(f"mean(x+{k})" for k in range(150 * j, 150 * j + 150)))
                    for j in range(1, 9))
BOMBS += _cases("bomb", [
    ("parquet-1200-summaries", EITHER, f"y ~ {_MEANS}", {
        "data": _path("clean.parquet"), "files": {"clean.parquet": _clean_parquet}}),
])


def _nested_text_ifelse(depth: int) -> str:
    """ifelse() of text nested ``depth`` deep: ``ifelse(x > 0.98, "l59", ifelse(x > 0.97, "l58", ...))``."""
    text = '"end"'
    for k in range(depth):
        text = f'ifelse(x > {k / depth:.4f}, "l{k}", {text})'
    return text


# functions that cost more than their price in passes over the rows (max_eval_work), each within the limit before (CPU
# time): 150 sinpi() of a million rows (C's sin one value at a time, 100 ns a row, priced 32 passes) 15 s, 35 signif()
# (priced 128, 220 ns a row) 8 s, 9 choose(x, 40 + k) (R's log-gamma in Python for each of 500,000 distinct pairs,
# 4.7 us each) 21 s, an ifelse() of text nested 60 deep (150 ns a row a level, priced 24) 9 s
BOMBS += _cases("bomb", [
    ("work-sinpi-150-terms-1m", REFUSE, "y ~ I(" + " + ".join(["sinpi(x)"] * 150) + ")",
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("work-signif-35-terms-1m", REFUSE, "y ~ I(" + " + ".join(f"signif(x, {k % 15 + 1})" for k in range(35)) + ")",
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("work-choose-large-k-pairs-1m", REFUSE, "y ~ I(" + " + ".join(f"choose(x, {40 + k})" for k in range(9)) + ")",
     {"data": "distinct_1m", "match": "computes R's log-gamma of .* distinct pairs .*max_eval_work"}),
    ("work-text-ifelse-nested-60-1m", REFUSE, "y ~ " + _nested_text_ifelse(60),
     {"data": "distinct_1m", "match": "max_eval_work"}),
    ("ok-work-text-ifelse-summary-1m", FIT, 'y ~ ifelse(x > 1, "high", ifelse(x < -1, "low", "mid")) + I(x / sd(x))',
     {"data": "distinct_1m"}),
])


def _unseen_level_rows(t: Tokens, rows: int = 5_000_000) -> pd.DataFrame:
    """New data of 5 million rows (pandas' Arrow-backed strings: 40 MB for g) whose factor g holds one level
    the model never saw."""
    return pd.DataFrame({"x": np.ones(rows), "g": pd.array(["zz"] * rows, dtype="str")})


PREDICT += [
    # a factor of Arrow-backed strings was made a Python string a row before its levels were read: 560 MB and
    # 1.4 s before the unseen level was refused (1.1 GB for 10 million rows)
    _pred("unseen-level-5m-rows", REFUSE, _unseen_level_rows, match="level\\(s\\) 'zz' not seen when fitting"),
    # new data in a Parquet file: every column was read, the model's or not (400 MB of lists, past the limit)
    _pred("parquet-unused-list-column", FIT, _path("lists.parquet"), fit_formula="y ~ x",
          files={"lists.parquet": _list_column_parquet}),
    _pred("parquet-used-list-column", REFUSE, _path("lists.parquet"), fit_formula="y ~ x + l",
          fit_data=lambda t: small(t).assign(l=np.arange(N, dtype=float)),
          files={"lists.parquet": _list_column_parquet},
          match="column 'l' of 'lists.parquet' holds list"),
]

#: every case of the corpus, in class order
CASES: list[Case] = [*LITERALS, *NAMES, *COLUMNS, *DOT, *PREDICT, *CONTEXT, *CLI, *LEAKS, *BOMBS, *FOREIGN]
BY_ID: dict[str, Case] = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
CLASSES: list[str] = list(dict.fromkeys(c.cls for c in CASES))
