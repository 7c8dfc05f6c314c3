"""Inputs that break the contract on purpose, without glmstat: the harness must report each one as what it is.

Each case's ``call`` does one bad thing directly (runs a shell command, prints a secret, loops in C, aborts the
process...); ``CATEGORY`` says what :func:`harness.category` must make of it.  test_harness.py runs them.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

import glmstat as gs
try:  # imported as security.canaries by pytest, as canaries by worker.py
    from .corpus import ENV_VAR, FIT, REFUSE, SECRET_FILE, SENTINEL, TOUCH, Case, bt
except ImportError:
    from corpus import ENV_VAR, FIT, REFUSE, SECRET_FILE, SENTINEL, TOUCH, Case, bt


def _naive_glm(formula: str) -> None:
    """What a formula front end must never do: evaluate the right-hand side as Python."""
    eval(formula.split("~", 1)[1], {"x": np.arange(3.0)})  # noqa: S307 -- the point of the canary


def _c(cid: str, expect: str, call, category: str, match: str | None = None) -> tuple[Case, str]:
    return Case(id=f"canary-{cid}", cls="canary", expect=expect, kind="call", call=call, match=match), category


def _abort(t):
    os.abort()


def _slow(t):
    while True:
        pass


def _c_loop(t):
    sum(range(10**13))  # a loop inside C that never returns to the interpreter: SIGALRM cannot stop it


def _raise(exc):
    def call(t):
        raise exc
    return call


_ROWS = [
    _c("eval-backtick-payload", REFUSE, lambda t: _naive_glm(f"y ~ x + 0*{bt(TOUCH)}"), "code ran"),
    _c("import-sentinel", FIT, lambda t: __import__(SENTINEL), "code ran"),
    _c("stray-file", FIT, lambda t: open("other.txt", "w").close(), "code ran"),
    _c("leak-env-in-message", REFUSE, lambda t: _raise(gs.FormulaError(os.environ[ENV_VAR]))(t), "leak"),
    _c("leak-file-on-stdout", FIT, lambda t: print(open(SECRET_FILE).read()), "leak"),
    _c("leak-column-in-warning", FIT, lambda t: warnings.warn(f"value {t.column}"), "leak"),
    _c("leak-file-from-child-stderr", FIT, lambda t: os.system(f"cat {SECRET_FILE} >&2"), "leak"),
    _c("leak-in-exception-cause", REFUSE, lambda t: _chained(t), "leak"),
    _c("slow-python-loop", FIT, _slow, "slow"),
    _c("hang-in-c", FIT, _c_loop, "hang"),
    # (a wait is the input's time, however loaded the machine: only time queued for a CPU is not counted)
    _c("sleeping", FIT, lambda t: time.sleep(60), "slow"),
    _c("after-hang", FIT, lambda t: None, "ok"),
    _c("memory-peak", FIT, lambda t: float(np.ones(20_000_000).sum()), "memory"),  # (160 MB: CANARY_MEMORY_MB)
    _c("memory-error", FIT, lambda t: np.ones(10**11), "foreign"),
    _c("abort", FIT, _abort, "crash"),
    _c("after-crash", REFUSE, _raise(gs.DataError("refused")), "ok"),
    _c("keyerror", REFUSE, _raise(KeyError(0)), "foreign KeyError"),
    _c("recursionerror", REFUSE, _raise(RecursionError("deep")), "foreign RecursionError"),
    _c("accepted", REFUSE, lambda t: None, "accepted"),
    _c("refused", FIT, _raise(gs.FormulaError("no")), "refused"),
    _c("message-mismatch", REFUSE, _raise(gs.FormulaError("abc")), "message", match="xyz"),
    _c("message-match", REFUSE, _raise(gs.FormulaError("abc xyz")), "ok", match="xyz"),
    # (a case whose files take longer to write than the wall limit and its grace: the limit counts from the call)
    (Case(id="canary-slow-setup", cls="canary", expect=FIT, kind="call", call=lambda t: None,
          files={"slow.bin": lambda t: time.sleep(7.0) or b""}), "ok"),
]


def _chained(t):
    try:
        int(open(SECRET_FILE).read())
    except ValueError as e:
        raise gs.FormulaError("cannot evaluate the term") from e


CASES = [c for c, _ in _ROWS]
CATEGORY = {c.id: cat for c, cat in _ROWS}
#: two batches, each with a case that costs a worker restart, so that both run in parallel
BATCHES = [[c.id for c in CASES[:11]], [c.id for c in CASES[11:]]]
