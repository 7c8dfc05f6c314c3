"""The first pass of a dask fit (each partition's summary: levels seen, column kinds, row counts) and the labels
of the rows used go through the merge tree of every other pass (glmstat/design/dask.py): the summaries and the
labels are merged on the workers, in order, and the client receives the root -- it gathered every partition's
summary, and every partition's labels, before.

The partial results held are counted through wrappers of the part and of the merge (each part made adds one,
each merge of two takes one away), on dask's synchronous scheduler, where the whole tree runs in this process.
The references are the in-memory fit of the same rows (which the R-parity tests tie to R): the same levels in
the same order, the same rows dropped and the same row labels.
"""

from __future__ import annotations

import threading
import warnings
from functools import partial

import pandas as pd
import pytest

import glmstat as gs
from streamed_cases import close, data

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

import glmstat.formula.stream as stream  # noqa: E402
from glmstat.design.dask import FAN_IN, DaskSource  # noqa: E402

PARTITIONS = 240  # (10 rows each: 20 of them all dropped for missing x1, the level l99 only in the last 4)
#: g's levels sorted, as R's factor() sorts them; k's a categorical's own order (not sorted), which every
#: partition's summary carries and the merged summaries keep
FORMULA = "count ~ x1 + g + h + k + offset(log(expo))"


class Held:
    """The partial results alive: each part made adds one, each merge of two takes one away; ``peak`` is the
    most alive at once."""

    def __init__(self) -> None:
        self.alive = self.peak = self.parts = self.merges = 0

    def part(self, fn, *args, **kwargs):
        value = fn(*args, **kwargs)
        if value is not None:
            self.parts += 1
            self.alive += 1
            self.peak = max(self.peak, self.alive)
        return value

    def merge(self, fn, a, b):
        self.merges += 1
        self.alive -= 1
        return fn(a, b)


def _frame():
    frame = data()
    order = ["k6", "k0", "k3", "k5", "k1", "k4", "k2"]
    frame["k"] = pd.Categorical([f"k{i % 7}" for i in range(len(frame))], categories=order)
    return frame


def test_the_spec_pass_and_the_row_labels_go_through_the_merge_tree(monkeypatch):
    frame = _frame()
    ddf = dd.from_pandas(frame, npartitions=PARTITIONS, sort=False)
    assert ddf.npartitions == PARTITIONS
    summaries = Held()
    monkeypatch.setattr(stream, "summarize", partial(summaries.part, stream.summarize))
    monkeypatch.setattr(stream.ChunkSummary, "merge", lambda self, other, merge=stream.ChunkSummary.merge:
                        summaries.merge(merge, self, other))
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        streamed = gs.glm(FORMULA, ddf, family=gs.Poisson(), tol=1e-12, max_iter=50)
        monkeypatch.undo()
        mem = gs.glm(FORMULA, frame, family=gs.Poisson(), tol=1e-12, max_iter=50)
    assert summaries.parts == PARTITIONS and summaries.merges == PARTITIONS - 1
    # each merge of a node a task of its own on a local scheduler (a chain, in the node's order): a summary is
    # merged once computed; a task folding a whole group waited for the group, which held FAN_IN summaries and up
    # to FAN_IN - 1 merged ones waiting at each level above: 17 here (a tree of three levels)
    assert summaries.peak <= FAN_IN

    # the model is the in-memory one: levels in their order, rows dropped, coefficients
    assert list(streamed.coef.index) == list(mem.coef.index)
    assert [c for c in mem.coef.index if c.startswith("k")] == [f"k[T.{k}]" for k in ["k0", "k3", "k5", "k1", "k4",
                                                                                        "k2"]]
    assert (streamed.nobs, streamed.n_dropped, dict(streamed.dropped_by)) == \
        (mem.nobs, mem.n_dropped, dict(mem.dropped_by))
    close(streamed.coef, mem.coef, rtol=1e-10, what="coef")

    labels = Held()
    reduce = DaskSource.map_reduce

    def counted(self, part, merge):
        return reduce(self, partial(labels.part, part), partial(labels.merge, merge))

    monkeypatch.setattr(DaskSource, "map_reduce", counted)
    with dask.config.set(scheduler="synchronous"):
        rows = streamed.rows_used
    monkeypatch.undo()
    assert labels.parts == PARTITIONS - 20 and labels.merges == labels.parts - 1
    assert labels.peak <= FAN_IN
    assert rows.equals(mem.rows_used) and rows.dtype == mem.rows_used.dtype


class OnThreads:
    """The merges counted and the threads they ran on, for a cluster of in-process workers (the functions below
    are found by module name where the tasks are unpickled, so they count here)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parts = self.merges = 0
        self.threads: set[str] = set()


SEEN = OnThreads()


def merged_on_a_thread(self, other, merge=stream.ChunkSummary.merge):
    with SEEN.lock:
        SEEN.merges += 1
        SEEN.threads.add(threading.current_thread().name)
    return merge(self, other)


def counted_labels(part, block):
    with SEEN.lock:
        SEEN.parts += 1
    return part(block)


def counted_append(merge, a, b):
    with SEEN.lock:
        SEEN.merges += 1
        SEEN.threads.add(threading.current_thread().name)
    return merge(a, b)


def test_on_a_cluster_the_summaries_and_labels_merge_on_the_workers(monkeypatch):
    """72 partitions on a distributed cluster of in-process workers: every merge of the first pass's summaries
    and of the row labels runs on a worker (the client receives the root), and the model and its row labels are
    the in-memory fit's."""
    distributed = pytest.importorskip("distributed")
    frame = _frame()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(frame, npartitions=72, sort=False)
        assert ddf.npartitions == 72
        with_rows = int(ddf.map_partitions(lambda d: pd.Series([d["x1"].notna().any()]), meta=(None, bool)).sum()
                        .compute())
        SEEN.__init__()
        monkeypatch.setattr(stream.ChunkSummary, "merge", merged_on_a_thread)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            streamed = gs.glm(FORMULA, ddf, family=gs.Poisson(), tol=1e-12, max_iter=50)
        monkeypatch.undo()
        assert SEEN.merges == 71 and threading.current_thread().name not in SEEN.threads
        SEEN.__init__()
        reduce = DaskSource.map_reduce
        monkeypatch.setattr(DaskSource, "map_reduce", lambda self, part, merge: reduce(
            self, partial(counted_labels, part), partial(counted_append, merge)))
        rows = streamed.rows_used
        monkeypatch.undo()
    assert 60 < with_rows < 72 and SEEN.parts == with_rows and SEEN.merges == SEEN.parts - 1
    assert threading.current_thread().name not in SEEN.threads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        mem = gs.glm(FORMULA, frame, family=gs.Poisson(), tol=1e-12, max_iter=50)
    assert list(streamed.coef.index) == list(mem.coef.index)
    close(streamed.coef, mem.coef, rtol=1e-10, what="coef")
    assert rows.equals(mem.rows_used) and rows.dtype == mem.rows_used.dtype
