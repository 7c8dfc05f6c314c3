"""Worker process: run a batch of corpus cases, one after another, and report the facts of each as JSON lines.

Run by harness.py as ``python worker.py SPEC`` where SPEC is a JSON object with ``ids`` (case ids), ``results``
(the file to append JSON lines to), ``base`` (a directory for the cases' working directories), ``tokens``,
``time_limit`` (seconds of wall time: the harness's ``WALL_LIMIT``) and ``address_space_mb`` (the RLIMIT_AS headroom
above the worker's size at the start of each case).  For each case it writes ``{"event": "start", "id": ...}`` before
its setup, ``{"event": "call", "id": ...}`` when the call under the limits begins and ``{"event": "result", ...}``
after it, so that the parent knows which case was running, and since when, if it has to kill the worker; a worker
that a case left much larger than it started writes ``{"event": "restart"}`` and exits, and the parent starts a
fresh one for the rest of the batch.

Per case: a fresh working directory holding ``secret.txt`` and the case's files; stdout and stderr (file
descriptors 1 and 2, so child processes too) captured to files; warnings recorded; the peak resident memory
above the level before the call (Linux: VmHWM, reset through /proc/self/clear_refs); its wall time (less the time
queued for a CPU) and CPU time; a SIGALRM at the time limit that stops pure-Python loops (C loops are left to the
parent's kill).  No verdict is made
here: harness.judge() compares these facts with the case's expectation.
"""

from __future__ import annotations

import gc
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pandas as pd  # noqa: E402

import glmstat as gs  # noqa: E402
import glmstat.cli  # noqa: E402
import corpus  # noqa: E402  (this folder, as a top-level module)
from harness import queued_seconds  # noqa: E402

_SENTINEL_SOURCE = (
    "import os\n"
    "open(os.environ['GLMSTAT_SECURITY_MARKER'], 'w').close()\n"
    "def plot(*args, **kwargs):\n"
    "    return None\n"
)


#: a worker whose resident (or virtual) size grew this much over its start hands the rest of its batch to a
#: fresh worker
RESTART_RSS_MB = 200
RESTART_SIZE_MB = 1024


class _Timeout(BaseException):
    """Raised by the SIGALRM handler when a case exceeds its time limit (not an Exception: nothing in glmstat
    may swallow it)."""


#: the call under the time limit: its start (wall time and time queued for a CPU) and the limit
_CALL = {"t0": 0.0, "queued": 0.0, "limit": 0.0}


def _ran() -> float:
    """Wall time since the call began, less the time queued for a CPU (harness.queued_seconds)."""
    return time.perf_counter() - _CALL["t0"] - (queued_seconds() - _CALL["queued"])


def _on_alarm(signum, frame):
    ran = _ran()
    if ran < _CALL["limit"]:  # (a loaded machine kept the call waiting for a CPU: the rest of the limit is its own)
        signal.setitimer(signal.ITIMER_REAL, _CALL["limit"] - ran + 0.01)
        return
    raise _Timeout()


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            m = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def _reset_peak() -> bool:
    """Reset the peak resident set size (VmHWM) of this process; False when the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _limit_address_space(headroom_mb: int) -> None:
    size_kb = _status_kb("VmSize")
    if size_kb is None or headroom_mb <= 0:
        return
    limit = size_kb * 1024 + headroom_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _build(spec: Any, tokens: corpus.Tokens) -> Any:
    if spec is None:
        return None
    return corpus.DATA[spec](tokens) if isinstance(spec, str) else spec(tokens)


def _write_files(case: corpus.Case, tokens: corpus.Tokens, where: str) -> None:
    with open(os.path.join(where, corpus.SECRET_FILE), "w") as fh:
        fh.write(tokens.file + "\n")
    for name, content in case.files.items():
        path = os.path.join(where, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)  # (a name may hold directories: "d/a/f.parquet")
        if content is corpus.FIFO:
            os.mkfifo(path)
            continue
        if isinstance(content, tuple) and content[0] == "symlink":
            os.symlink(content[1], path)
            continue
        if callable(content):
            content = content(tokens)
        if isinstance(content, str):
            content = content.replace(corpus.FILE_TOKEN, tokens.file).replace(corpus.COLUMN_TOKEN, tokens.column)
            content = content.encode("utf-8")
        with open(path, "wb") as fh:
            fh.write(content)


def _thunk(case: corpus.Case, tokens: corpus.Tokens, where: str):
    """The call to time, with everything it needs built beforehand (outside the time limit)."""
    if case.kind == "glm":
        data = _build(case.data, tokens)
        kwargs = dict(case.kwargs)
        if case.family is not None:
            kwargs["family"] = case.family
        return lambda: gs.glm(case.formula, data, **kwargs)
    if case.kind == "predict":
        model = gs.glm(case.fit_formula, _build(case.fit_data, tokens))
        newdata = _build(case.newdata, tokens)
        return lambda: model.predict(newdata, **case.predict_kwargs)
    if case.kind == "cli":
        name = os.path.basename(where)
        argv = [a.replace("{case}", name) for a in case.argv]
        return lambda: glmstat.cli.main(argv)
    if case.kind == "call":
        return lambda: case.call(tokens)
    raise ValueError(f"unknown case kind {case.kind!r}")


def _kind_of_value(value: Any) -> str:
    """The kind of a returned value, as harness.judge() expects it ("GLMResults" for any results class)."""
    if isinstance(value, gs.GLMResults):
        return "GLMResults"
    for base in (pd.DataFrame, pd.Series):  # (glmstat's tables are subclasses that print their labels escaped)
        if isinstance(value, base):
            return base.__name__
    return type(value).__name__


def _leaks(tokens: corpus.Tokens, texts: dict[str, str]) -> list[str]:
    found = []
    for kind in ("env", "file", "column"):
        tok = getattr(tokens, kind)
        for where, text in texts.items():
            if tok in text:
                found.append(f"{kind} token in {where}")
    return found


def _tail(text: str, n: int = 600) -> str:
    return text if len(text) <= n else "..." + text[-n:]


def run_case(case: corpus.Case, tokens: corpus.Tokens, base: str, time_limit: float, can_reset: bool,
             headroom_mb: int, announce_call=lambda: None) -> dict:
    where = tempfile.mkdtemp(prefix="case-", dir=base)
    marker = os.path.join(where, corpus.MARKER)
    os.environ["GLMSTAT_SECURITY_MARKER"] = marker
    home = os.getcwd()
    os.chdir(where)
    result: dict[str, Any] = {"id": case.id}
    try:
        try:
            _write_files(case, tokens, where)
            thunk = _thunk(case, tokens, where)
        except BaseException as e:  # a broken case or a fit that should have been clean: not the input's verdict
            result.update(outcome="setup-error", exc_type=type(e).__name__, message=_tail(str(e)),
                          traceback=_tail("".join(traceback.format_exception(e)), 1500))
            return result
        before = set(os.listdir(where))
        out_path, err_path = os.path.join(base, "stdout.cap"), os.path.join(base, "stderr.cap")
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        with open(out_path, "wb") as out_f, open(err_path, "wb") as err_f:
            os.dup2(out_f.fileno(), 1)
            os.dup2(err_f.fileno(), 2)
            exc: BaseException | None = None
            value: Any = None
            _limit_address_space(headroom_mb)  # from the current size: what earlier cases left does not count
            rss0 = _status_kb("VmRSS") or 0
            if can_reset:
                _reset_peak()
            else:
                rss0 = _status_kb("VmHWM") or 0
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                announce_call()
                _CALL.update(t0=time.perf_counter(), queued=queued_seconds(), limit=time_limit + 0.25)
                c0 = time.process_time()
                signal.setitimer(signal.ITIMER_REAL, time_limit + 0.25)
                try:
                    value = thunk()
                except BaseException as e:  # noqa: BLE001 -- every exception is a fact to report
                    exc = e
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                elapsed, cpu = _ran(), time.process_time() - c0
            peak_kb = _status_kb("VmHWM") or 0
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001
                pass
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        stdout = open(out_path, "rb").read().decode("utf-8", "replace")
        stderr = open(err_path, "rb").read().decode("utf-8", "replace")
        warning_texts = [f"{w.category.__name__}: {w.message}" for w in caught]
        result.update(elapsed=elapsed, cpu=cpu, peak_mb=max(0, peak_kb - rss0) / 1024, stdout=_tail(stdout),
                      stderr=_tail(stderr), stdout_lines=len(stdout.splitlines()),
                      stderr_lines=[ln for ln in stderr.splitlines() if ln.strip()][-5:],
                      warnings=[_tail(w, 300) for w in warning_texts[:5]])
        texts = {"stdout": stdout, "stderr": stderr, "warnings": "\n".join(warning_texts)}
        if isinstance(exc, _Timeout):
            tb = [f for f in traceback.extract_tb(exc.__traceback__) if f.name != "_on_alarm"]
            result.update(outcome="timeout", where=[f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                                                    for f in tb[-4:]])
        elif exc is not None:
            text = "".join(traceback.format_exception(exc))
            texts.update(message=str(exc), traceback=text)
            result.update(outcome="raised", exc_type=type(exc).__name__, exc_module=type(exc).__module__,
                          glmstat_error=isinstance(exc, gs.GLMStatError), message=_tail(str(exc)),
                          traceback=_tail(text, 1500))
        else:
            result.update(outcome="returned", value_kind=_kind_of_value(value),
                          exit_code=value if case.kind == "cli" and isinstance(value, int) else None)
        imported = corpus.SENTINEL in sys.modules
        sys.modules.pop(corpus.SENTINEL, None)
        created = sorted(set(os.listdir(where)) - before)
        result.update(marker=os.path.exists(marker) or imported, sentinel_imported=imported,
                      new_files=[_tail(f, 80) for f in created][:5], leaks=_leaks(tokens, texts))
        return result
    finally:
        os.chdir(home)
        shutil.rmtree(where, ignore_errors=True)


def main() -> None:
    spec = json.loads(sys.argv[1])
    tokens = corpus.Tokens(**spec["tokens"])
    base = spec["base"]
    sentinel_dir = os.path.join(base, "sentinel")
    os.makedirs(sentinel_dir, exist_ok=True)
    with open(os.path.join(sentinel_dir, corpus.SENTINEL + ".py"), "w") as fh:
        fh.write(_SENTINEL_SOURCE)
    sys.path.insert(0, sentinel_dir)
    signal.signal(signal.SIGALRM, _on_alarm)
    can_reset = _reset_peak()
    headroom = int(spec["address_space_mb"])
    size0, rss0 = _status_kb("VmSize") or 0, _status_kb("VmRSS") or 0
    results = open(spec["results"], "a", buffering=1)
    by_id = {c.id: c for c in corpus.CASES}
    extra = spec.get("extra_module")
    if extra:  # the harness's self-test cases live in their own module
        import importlib

        by_id.update({c.id: c for c in importlib.import_module(extra).CASES})
    for cid in spec["ids"]:
        results.write(json.dumps({"event": "start", "id": cid}) + "\n")
        try:
            res = run_case(by_id[cid], tokens, base, float(spec["time_limit"]), can_reset, headroom,
                           lambda: results.write(json.dumps({"event": "call", "id": cid}) + "\n"))
        except BaseException as e:  # noqa: BLE001 -- the worker itself must survive to run the next case
            res = {"id": cid, "outcome": "worker-error", "exc_type": type(e).__name__, "message": _tail(str(e))}
        results.write(json.dumps({"event": "result", **res}, default=str) + "\n")
        if res.get("outcome") == "timeout" or res.get("exc_type") == "MemoryError" or res.get("peak_mb", 0) > 100:
            gc.collect()  # an interrupted call leaves cycles (frames, tracebacks) holding its data (~0.1 s)
        size, rss = _status_kb("VmSize") or 0, _status_kb("VmRSS") or 0
        if cid != spec["ids"][-1] and (rss - rss0 > RESTART_RSS_MB * 1024 or size - size0 > RESTART_SIZE_MB * 1024):
            # what a case left behind (caches, fragmented arenas) would distort the next cases' measurements
            results.write(json.dumps({"event": "restart", "id": cid}) + "\n")
            break
    results.close()


if __name__ == "__main__":
    main()
