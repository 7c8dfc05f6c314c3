"""Property test: random hostile formulas built from R's formula grammar (data columns, dangerous names,
function calls, operators, parentheses, backticks, string and numeric literals, payloads, random unicode).

Whatever the formula, ``gs.glm`` returns a fit or raises a ``GLMStatError`` -- never another exception --
within the time limit; no file appears in the working directory (payloads try to create ``PWNED``, or import
the sentinel module, whose import creates it); and no secret token (environment, ``secret.txt``, the unused
column ``notes``) appears in a message or warning.  Runs in-process, in a sandbox directory, with the address
space limited as a backstop.  ~200 examples in CI; more with e.g. ``GLMSTAT_SECURITY_EXAMPLES=5000``.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glmstat as gs

from . import harness
from .corpus import ENV_VAR, MARKER, READ_FILE, SECRET_FILE, SENTINEL, TOUCH, bt

EXAMPLES = int(os.environ.get("GLMSTAT_SECURITY_EXAMPLES", "200"))
#: address-space headroom during the test: a generated string or array bomb fails with MemoryError (reported
#: as a failure) instead of taking the machine down
ADDRESS_SPACE_MB = 2048

COLUMNS = ["y", "x", "z", "g", "open", "log", "I", "contr", "MPG.city", "s", "f"]
DANGEROUS = ["__import__", "__builtins__", "__class__", "os", "sys", "np", "eval", "exec", "getattr", "globals",
             "print", "self", "data", "x.__class__", "np.load", "np.lib", "contr.to_csv", "x.to_csv",
             "contr.__dict__", "T", "F", "TRUE", "NULL", "Inf", "NA", "NaN", "pi", "notes_", "_bt0_", "lambda",
             "None", "True", "y.1"]
FUNCTIONS = ["log", "exp", "sqrt", "abs", "I", "factor", "C", "poly", "offset", "cbind", "relevel", "pmax",
             "ifelse", "as.numeric", "as.factor", "np.log", "bs", "scale", "__import__", "eval", "open", "getattr",
             "contr.to_csv", "x.to_csv", "np.save", "contr.plot", "str", "len", "Sys.getenv"]
KEYWORDS = ["ref", "degree", "raw", "df", "backend", "levels", "base", "__class__", "contr"]
ATTRIBUTES = ["__class__", "__dict__", "__globals__", "to_csv", "plot", "system", "load", "lib", "T", "values",
              "str", "city", "R", "1"]
STRINGS = ["'`'", '"`"', "'``'", "'PWNED'", "'touch PWNED'", "'os'", "'#'", "'\\''", '"\\""', "'''`'''", "'%s'",
           "'~'", "'a'", "'b'", "''", f"'{SENTINEL}'", f"'{SECRET_FILE}'", "'\\x60'", "r'`'", "b'`'", "f'{x}'"]
NUMBERS = ["0", "1", "2", "3", "0.5", "-1", "10", "1e308", "1e999", "1e-320", "9", "99", "0x10", "1L", "1i", ".5"]
PAYLOADS = [TOUCH, bt(TOUCH), bt(TOUCH, '"'), "open('PWNED', 'w').close()", f"__import__('{SENTINEL}')",
            bt(READ_FILE), bt(f"int(__import__('os').getenv('{ENV_VAR}'))")]
JUNK = ["#", "\n", "\x00", "`", "'", '"', "\\", "%", "{", "}", "[", "]", ";", ":=", "lambda: ", "**", "..", "...",
        "\t", "\u202e", "\uff40", "$", "@", "!", "?", "<-", "->", "\r\n", "\u200b", "~", "|", ","]
BINARY = [" + ", " - ", " * ", " / ", ":", " ^ ", " %in% ", " ~ ", " | ", ", ", " ** ", " == ", " > ", " & ",
          "%%", " %o% ", "$", "@"]


def _backticked(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return names.map(lambda s: f"`{s}`")


# Atoms, weighted towards what a formula really contains (columns); the hostile ones are common enough that
# a run of 200 examples meets each kind several times.
_ATOMS = st.one_of(
    st.sampled_from(COLUMNS),
    st.sampled_from(COLUMNS),
    st.sampled_from(COLUMNS),
    st.sampled_from(DANGEROUS),
    _backticked(st.sampled_from(COLUMNS + DANGEROUS + ["a b", "a+b", "", "`", "q` + I(1) + `q"])),
    st.sampled_from(NUMBERS),
    st.sampled_from(STRINGS),
    st.sampled_from(PAYLOADS),
    st.text(max_size=3),
)
_TERM_OPS = [" + ", " + ", " + ", ":", " * ", " - ", " / ", " %in% ", " ^ "]


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    call = st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]}({', '.join(t[1])})")
    return st.one_of(
        st.tuples(children, st.sampled_from(_TERM_OPS), children).map("".join),
        st.tuples(children, st.sampled_from(_TERM_OPS), children).map("".join),
        st.tuples(children, st.sampled_from(BINARY), children).map("".join),
        call,
        call,
        st.tuples(st.sampled_from(FUNCTIONS), children, st.sampled_from(KEYWORDS), children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]} = {t[3]})"),
        children.map(lambda s: f"({s})"),
        children.map(lambda s: f"-{s}"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(children, st.sampled_from(ATTRIBUTES)).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(children, st.sampled_from(JUNK), children).map("".join),
    )


EXPRESSIONS = st.recursive(_ATOMS, _extend, max_leaves=8)
#: a payload where a term computes a number: what an attacker writes to keep the fit going
PAYLOAD_TERMS = st.tuples(st.sampled_from(["I", "log", "factor", "C", "exp", "sqrt", "pmax", "abs"]),
                          st.sampled_from(PAYLOADS)).map(lambda t: f"{t[0]}(x + 0*{t[1]})")
FORMULAS = st.one_of(
    EXPRESSIONS.map(lambda s: f"y ~ {s}"),
    EXPRESSIONS.map(lambda s: f"y ~ x + {s}"),
    st.tuples(EXPRESSIONS, PAYLOAD_TERMS).map(lambda t: f"y ~ {t[0]} + {t[1]}"),
    st.tuples(st.sampled_from(["log(y)", "cbind(s, f)", "I(y)", "`y`", "y"]), EXPRESSIONS).map(
        lambda t: f"{t[0]} ~ {t[1]}"),
    st.tuples(EXPRESSIONS, EXPRESSIONS).map(lambda t: f"{t[0]} ~ {t[1]}"),
    EXPRESSIONS.map(lambda s: f"~ {s}"),
    st.text(max_size=40),
)


def _data(column_token: str) -> pd.DataFrame:
    n = 12
    x = np.arange(1.0, n + 1)
    return pd.DataFrame({
        "y": [1.2, 0.7, 2.9, 2.1, 3.8, 2.6, 4.9, 3.7, 5.4, 4.1, 6.3, 5.2], "x": x,
        "z": [3.1, 1.7, 2.2, 4.5, 0.9, 2.8, 3.3, 1.2, 4.1, 2.6, 1.9, 3.7], "g": list("abc" * 4),
        "open": x % 5 + 1.0, "log": (x * 7) % 11 + 1.0, "I": (x * 5) % 7 + 1.0, "contr": (x * 3) % 5 + 1.0,
        "MPG.city": (x * 2) % 9 + 1.0, "s": [3, 5, 2, 6, 4, 7, 3, 8, 5, 6, 4, 9],
        "f": [5, 3, 6, 2, 4, 1, 5, 1, 3, 2, 4, 1],
        "notes": [f"row{i}:{column_token}" for i in range(n)],
    })


class _Hang(BaseException):
    """The example ran past the time limit (raised by SIGALRM)."""


def _on_alarm(signum, frame):
    raise _Hang()


class Sandbox:
    """A working directory with ``secret.txt``, the secret tokens and the sentinel module on sys.path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tokens = harness.make_tokens()
        self.data = _data(self.tokens["column"])

    def reset(self) -> None:
        for p in self.root.iterdir():
            if p.is_dir():
                continue
            p.unlink()
        (self.root / SECRET_FILE).write_text(self.tokens["file"] + "\n")
        sys.modules.pop(SENTINEL, None)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = tmp_path_factory.mktemp("property")
    modules = tmp_path_factory.mktemp("sentinel")
    (modules / f"{SENTINEL}.py").write_text(
        f"open({str(root / MARKER)!r}, 'w').close()\ndef plot(*args, **kwargs):\n    return None\n")
    box = Sandbox(root)
    home, old_env = os.getcwd(), os.environ.get(ENV_VAR)
    old_limit = resource.getrlimit(resource.RLIMIT_AS)
    old_handler = signal.signal(signal.SIGALRM, _on_alarm)
    os.environ[ENV_VAR] = box.tokens["env"]
    sys.path.insert(0, str(modules))
    os.chdir(root)
    try:
        size = int(Path("/proc/self/status").read_text().split("VmSize:")[1].split()[0]) * 1024
        soft = size + ADDRESS_SPACE_MB * 1024 * 1024
        if old_limit[1] == resource.RLIM_INFINITY or soft < old_limit[1]:
            resource.setrlimit(resource.RLIMIT_AS, (soft, old_limit[1]))
    except (OSError, IndexError, ValueError):
        pass  # no /proc: the time limit still applies
    try:
        yield box
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old_limit)
        os.chdir(home)
        sys.path.remove(str(modules))
        signal.signal(signal.SIGALRM, old_handler)
        if old_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old_env


# no example database: it lives in the working directory, which here is the sandbox the test watches
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(formula=FORMULAS)
def test_random_hostile_formula_is_fitted_or_refused_safely(formula: str, sandbox: Sandbox) -> None:
    sandbox.reset()
    problems, texts = [], []
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        signal.setitimer(signal.ITIMER_REAL, harness.WALL_LIMIT + 0.5)
        try:
            gs.glm(formula, sandbox.data)
        except gs.GLMStatError as e:
            texts.append("".join(traceback.format_exception(e)))
        except _Hang:
            problems.append("hung (stopped by the alarm)")
        except Exception as e:  # noqa: BLE001 -- any other exception type is the failure this test looks for
            problems.append(f"foreign exception {type(e).__name__}: {str(e)[:300]}")
            texts.append("".join(traceback.format_exception(e)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    texts += [str(w.message) for w in caught]
    if min(elapsed, cpu) > harness.TIME_LIMIT or elapsed > harness.WALL_LIMIT:  # (see harness.WALL_LIMIT)
        problems.append(f"took {elapsed:.2f} s, {cpu:.2f} s of CPU (limits {harness.TIME_LIMIT:g} s of both, "
                        f"{harness.WALL_LIMIT:g} s of wall time)")
    created = sorted(p.name for p in sandbox.root.iterdir() if p.name != SECRET_FILE)
    if created or SENTINEL in sys.modules:
        problems.append(f"code ran: created {created}, sentinel imported: {SENTINEL in sys.modules}")
    for kind, token in sandbox.tokens.items():
        if any(token in t for t in texts):
            problems.append(f"leak: the {kind} token is in a message or warning")
    assert not problems, f"formula {formula!r}: " + "; ".join(problems)
