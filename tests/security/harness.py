"""The parent side: run corpus cases in worker processes under a watchdog, and judge their results.

:func:`run_cases` starts ``worker.py`` once per batch (at most :data:`PARALLEL` at a time), follows the JSON
lines it writes, and kills a worker whose current case has run :data:`KILL_GRACE` seconds past the time limit
(a loop in C that SIGALRM cannot stop, such as ``10**10**10``) or that died; the case is reported as
``killed``/``crashed`` and a new worker continues with the rest of the batch.  :func:`judge` turns a case and
its result into a list of failures (empty when the case passed) and :func:`category` into a short label.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"

#: wall-clock limit of one call (seconds) and extra peak memory (MB); the environment may scale them for
#: a slow machine (GLMSTAT_SECURITY_TIME_LIMIT), never in CI
TIME_LIMIT = float(os.environ.get("GLMSTAT_SECURITY_TIME_LIMIT", "2.0"))
MEMORY_LIMIT_MB = float(os.environ.get("GLMSTAT_SECURITY_MEMORY_MB", "500"))
#: RLIMIT_AS headroom of a worker above its size after importing glmstat: a backstop, beyond the 500 MB check
ADDRESS_SPACE_MB = 1536
#: A call is slow when it takes more than TIME_LIMIT of wall time *and* of its process's CPU time (work it was
#: made to do: the same call took 0.7 s alone and 2.01 s on a machine busy with two test runs, and a BLAS solve
#: on two threads takes twice its wall time of CPU), or more than WALL_LIMIT of wall time whatever it did (a
#: wait: sleeping, blocked on a pipe).  Wall time here is less the time queued for a CPU (:func:`queued_seconds`).
WALL_LIMIT = 2.0 * TIME_LIMIT
#: seconds past the wall limit after which the parent kills the worker (SIGALRM did not stop the case)
KILL_GRACE = 2.5
#: seconds a worker may take to start (import glmstat) before it counts as broken
STARTUP_LIMIT = 120.0
#: seconds a case's setup (writing its files: a 7 KB Parquet file of 400 MB of tensors is made by encoding them)
#: may take before the call; the wall limit counts from the call, so that a loaded machine's setup is not the input's
SETUP_LIMIT = 120.0
PARALLEL = 2


def queued_seconds(pid: int | str = "self") -> float:
    """Seconds the process ``pid``'s main thread has spent runnable but waiting for a CPU (Linux's schedstat), 0.0
    where the kernel does not say.  Time limits count wall time less this: a machine loaded by other work (two
    test runs and R beside them: a load of 12 on two cores) stretched a 2-second case past a 4-second limit, while a
    wait the input causes -- sleeping, blocked on a pipe, a loop in C -- is never time queued for a CPU."""
    try:
        with open(f"/proc/{pid}/schedstat") as fh:
            return int(fh.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0

_ERROR_LINE = re.compile(r"^glmstat(?: \S+)?: error: ")


def make_tokens() -> dict[str, str]:
    """Fresh secret tokens for one run (random, so no source file or message can contain them by chance)."""
    return {kind: f"SECRET{kind.upper()}{secrets.token_hex(12)}" for kind in ("env", "file", "column")}


def _worker_env(tokens: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env["GLMSTAT_SECURITY_TOKEN"] = tokens["env"]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # two workers share two cores; small problems gain nothing from threads
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def _run_batch(ids: list[str], base: Path, tokens: dict[str, str], extra_module: str | None) -> dict[str, dict]:
    """Run ``ids`` in a worker (restarting it after a kill or a crash); results by case id."""
    results: dict[str, dict] = {}
    remaining = list(ids)
    env = _worker_env(tokens)
    while remaining:
        tag = uuid.uuid4().hex[:8]
        workdir = base / f"worker-{tag}"
        workdir.mkdir(parents=True)
        results_path = workdir / "results.jsonl"
        log_path = workdir / "worker.log"
        spec = {"ids": remaining, "results": str(results_path), "base": str(workdir), "tokens": tokens,
                "time_limit": WALL_LIMIT, "address_space_mb": ADDRESS_SPACE_MB, "extra_module": extra_module}
        results_path.touch()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, str(WORKER), json.dumps(spec)], cwd=workdir, env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        current, started, launched, calling, queued = None, 0.0, time.monotonic(), False, 0.0
        buffer, offset = "", 0
        killed_reason, restart = None, False
        while True:
            with open(results_path, "r", encoding="utf-8") as fh:
                fh.seek(offset)
                chunk = fh.read()
                offset = fh.tell()
            buffer += chunk
            *lines, buffer = buffer.split("\n")
            for line in lines:
                msg = json.loads(line)
                if msg["event"] == "start":  # (the case's setup begins)
                    current, started, calling = msg["id"], time.monotonic(), False
                elif msg["event"] == "call":  # (the call under the limits begins)
                    started, calling = time.monotonic(), True
                    queued = queued_seconds(proc.pid)
                elif msg["event"] == "restart":
                    restart = True
                else:
                    msg.pop("event")
                    results[msg["id"]] = msg
                    remaining.remove(msg["id"])
                    current = None
            if proc.poll() is not None and not chunk:
                break
            now = time.monotonic()
            if calling and now - started > WALL_LIMIT + KILL_GRACE:  # (less the time the worker queued for a CPU)
                now -= queued_seconds(proc.pid) - queued
            if current is not None and now - started > (WALL_LIMIT + KILL_GRACE if calling else SETUP_LIMIT):
                killed_reason = "killed" if calling else "setup"
            elif current is None and len(remaining) == len(ids) and now - launched > STARTUP_LIMIT:
                killed_reason = "startup"
            if killed_reason:
                _kill(proc)
                break
            time.sleep(0.02)
        proc.wait()
        log_tail = log_path.read_text(errors="replace")[-1500:]
        if killed_reason == "killed":
            results[current] = {"id": current, "outcome": "killed", "elapsed": now - started}
            remaining.remove(current)
        elif killed_reason == "setup":  # (a broken case, not the input's verdict)
            results[current] = {"id": current, "outcome": "setup-error", "exc_type": "",
                                "message": f"the case's setup took more than {SETUP_LIMIT:g} s"}
            remaining.remove(current)
        elif current is not None:  # died during a case: a crash (segfault, abort, out of memory kill)
            results[current] = {"id": current, "outcome": "crashed", "returncode": proc.returncode, "log": log_tail}
            remaining.remove(current)
        elif remaining and not restart:  # died between cases or never started: the worker itself is broken
            for cid in remaining:
                results[cid] = {"id": cid, "outcome": "worker-error", "returncode": proc.returncode, "log": log_tail}
            remaining = []
    return results


def _kill(proc: subprocess.Popen) -> None:
    """Kill the worker and whatever it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_cases(batches: Iterable[list[str]], base: Path, tokens: dict[str, str] | None = None,
              extra_module: str | None = None) -> dict[str, dict]:
    """Run every batch of case ids, :data:`PARALLEL` workers at a time; results by case id."""
    tokens = tokens or make_tokens()
    batches = [b for b in batches if b]
    out: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for part in pool.map(lambda b: _run_batch(b, base, tokens, extra_module), batches):
            out.update(part)
    return out


# -- verdicts ---------------------------------------------------------------------------------------------
def _observed(kind: str, r: dict) -> tuple[str, str]:
    """('fit' | 'refused' | 'wrong', detail) for a finished call of this kind."""
    if r["outcome"] == "raised":
        if r.get("glmstat_error"):
            return "refused", f"{r['exc_type']}: {r['message']}"
        return "wrong", f"{r['exc_type']}: {r['message']}"
    if kind == "cli":
        code = r.get("exit_code")
        lines = r.get("stderr_lines", [])
        if code == 0:
            return "fit", "exit 0"
        if code in (1, 2) and len(lines) == 1 and _ERROR_LINE.match(lines[0]) and not r.get("stdout_lines"):
            return "refused", lines[0]
        if lines and "internal error" in lines[-1]:
            m = re.search(r"internal error: (\w+)", lines[-1])
            return "wrong", f"{m.group(1) if m else 'internal error'} (CLI): {lines[-1]}"
        return "wrong", f"exit {code} with stderr {lines!r} and {r.get('stdout_lines')} stdout lines"
    expected = {"glm": ("GLMResults",), "predict": ("Series", "DataFrame"), "call": None}[kind]
    if expected is None or r.get("value_kind") in expected:
        return "fit", f"returned {r.get('value_kind')}"
    return "wrong", f"returned {r.get('value_kind')}"


def judge(case, r: dict, time_limit: float = TIME_LIMIT, memory_mb: float = MEMORY_LIMIT_MB,
          wall_limit: float = WALL_LIMIT) -> list[str]:
    """Every way ``r`` breaks the contract for ``case``; an empty list when the case passed."""
    fails: list[str] = []
    outcome = r["outcome"]
    if outcome in ("setup-error", "worker-error"):
        return [f"harness: {outcome}: {r.get('exc_type', '')} {r.get('message', '')} {r.get('log', '')}".strip()]
    if r.get("marker"):
        how = "imported the sentinel module" if r.get("sentinel_imported") else "created the marker file"
        fails.append(f"code ran: {how}")
    others = [f for f in r.get("new_files", []) if f != "PWNED"]
    if others:
        fails.append(f"code ran: created files {others}")
    for leak in r.get("leaks", []):
        fails.append(f"leak: {leak}")
    if outcome == "killed":
        fails.append(f"hang: killed after {r['elapsed']:.1f} s (limit {wall_limit:g} s of wall time)")
    elif outcome == "crashed":
        fails.append(f"crash: worker died (exit status {r.get('returncode')}) {r.get('log', '')[-300:]}")
    elif outcome == "timeout":
        fails.append(f"slow: stopped after {r['elapsed']:.1f} s (limit {wall_limit:g} s of wall time) in "
                     f"{r.get('where')}")
    elif r.get("elapsed", 0.0) > wall_limit:
        fails.append(f"slow: took {r['elapsed']:.2f} s (limit {wall_limit:g} s of wall time)")
    elif min(r.get("elapsed", 0.0), r.get("cpu", r.get("elapsed", 0.0))) > time_limit:
        fails.append(f"slow: took {r['elapsed']:.2f} s, {r.get('cpu', r['elapsed']):.2f} s of CPU (limit "
                     f"{time_limit:g} s of both)")
    if r.get("peak_mb", 0.0) > memory_mb:
        fails.append(f"memory: peak {r['peak_mb']:.0f} MB above the start (limit {memory_mb:g} MB)")
    if outcome not in ("returned", "raised"):
        return fails
    got, detail = _observed(case.kind, r)
    if got == "wrong":
        fails.append(f"foreign: {detail}"[:700])
    elif case.expect == "refuse" and got == "fit":
        fails.append(f"accepted: {detail} (expected a GLMStatError)")
    elif case.expect == "fit" and got == "refused":
        fails.append(f"refused: {detail} (expected a fit)"[:700])
    elif got == "refused" and case.match and not re.search(case.match, detail):
        fails.append(f"message: {detail!r} does not match {case.match!r}")
    return fails


def category(fails: list[str]) -> str:
    """A short label of the most serious failure: 'ok', 'code ran', 'leak', 'hang', 'slow', 'memory', ..."""
    if not fails:
        return "ok"
    order = ["harness", "code ran", "leak", "crash", "hang", "memory", "slow", "foreign", "accepted", "refused",
             "message"]
    heads = [f.split(":", 1)[0] for f in fails]
    head = min(heads, key=lambda h: order.index(h) if h in order else len(order))
    if head == "foreign":
        detail = fails[heads.index("foreign")].split(":", 2)[1].strip()
        return f"foreign {detail.split()[0]}"
    return head
