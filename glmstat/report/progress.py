"""Progress of a long fit: iteration, deviance and rows per second, in a terminal or a notebook.

``glm(..., progress=None)`` (the default) shows nothing for a fit that finishes within
:data:`AFTER_SECONDS`; past that, each IRLS iteration updates one line -- on standard error in a terminal
(rewritten in place when it is a terminal, one line per iteration when it is a file), or one updating output
in a Jupyter notebook.  ``progress=True`` shows every iteration from the first, ``progress=False`` never.

    IRLS iteration 4: deviance 2.034e+07, 20,000,000 rows, 3.1e+06 rows/s, 25.8 s

Rows per second count the rows the engine read: the rows of the model times the passes made so far.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["Progress", "AFTER_SECONDS", "chain"]

#: A fit shows its progress once it has run this long (with progress=None).
AFTER_SECONDS = 3.0


def _notebook_handle() -> Any:
    """A display handle when running in a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    from IPython.display import display

    return display("", display_id=True)


class Progress:
    """An ``on_iteration`` callback of the engine (see :class:`glmstat.engine.fit_state.Control`) that reports
    the fit's progress (see the module docstring)."""

    def __init__(self, n_rows: int, always: bool, stream: Any = None, started: float | None = None,
                 fitter: str = "IRLS") -> None:
        self.n_rows = int(n_rows)
        self.fitter = fitter  # (whose iterations: "IRLS", or "Firth" for the bias-reduced fit's quasi-Fisher steps)
        self.always = always
        self.stream = sys.stderr if stream is None else stream
        self.start = time.perf_counter() if started is None else started  # (the fit's start: reading counts)
        self.passes = 0
        self.shown = False
        self._handle: Any = None

    def line(self, iteration: int, deviance: float) -> str:
        secs = time.perf_counter() - self.start
        rate = self.n_rows * self.passes / secs if secs > 0 else float("inf")
        return (f"{self.fitter} iteration {iteration}: deviance {deviance:.4g}, {self.n_rows:,} rows, "
                f"{rate:.2g} rows/s, {secs:.1f} s")

    def __call__(self, event: str, iteration: int, deviance: float) -> None:
        self.passes += 1
        if not (self.always or time.perf_counter() - self.start >= AFTER_SECONDS):
            return
        text = self.line(iteration, deviance) + (" (polishing)" if event == "polish" else "")
        if not self.shown:
            self._handle = _notebook_handle()
            self.shown = True
        if self._handle is not None:
            self._handle.update(text)
        elif getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\r" + text.ljust(100))
            self.stream.flush()
        else:
            self.stream.write(text + "\n")

    def done(self) -> None:
        """End the line in a terminal (nothing was shown: nothing to end)."""
        if self.shown and self._handle is None and getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\n")
            self.stream.flush()


def chain(*callbacks: Any) -> Any:
    """One ``on_iteration`` callback calling each of ``callbacks`` that is not None, in order."""
    live = [c for c in callbacks if c is not None]
    if len(live) == 1:
        return live[0]

    def both(event: str, iteration: int, deviance: float) -> None:
        for c in live:
            c(event, iteration, deviance)
    return both
