"""A pass over a dask DataFrame's partitions merges their parts in a tree of fan-in ``FAN_IN``
(glmstat/design/dask.py): on a cluster the merges run on the workers and one value comes back to the client;
on dask's synchronous scheduler they are merged as they come, so this process holds at most one partial sum
a level of the tree, never the P parts of a pass (10,000 partitions of a 300-column design were 7 GB).

The references are the in-memory fit of the same rows (which the R-parity tests tie to R) and a pairwise
merge of every part (the reduction before the tree): the order of the merges may only change the rounding.
"""

from __future__ import annotations

import threading
import warnings
from functools import partial

import numpy as np
import pytest

import glmstat as gs
from streamed_cases import close, data

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from glmstat.design.dask import FAN_IN, reduce_delayed, tree_reduce  # noqa: E402

FORMULA = "count ~ x1 + g + h + offset(log(expo))"
PARTITIONS = 200


def _pairwise(values, merge):
    """The parts merged pairwise, level by level (the reduction that gathered every part first)."""
    level = [v for v in values if v is not None]
    while len(level) > 1:
        level = [merge(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)] + \
            ([level[-1]] if len(level) % 2 else [])
    return level[0]


class Held:
    """Counts the partial results alive in this process: each part made adds one, each merge of two takes one
    away (the merged pair becomes one sum); ``peak`` is the most alive at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> "Held":
        self.alive = self.peak = self.parts = self.merges = 0
        self.threads: set[str] = set()
        return self

    def part(self, fn, block):
        value = fn(block)
        with self.lock:
            self.parts += value is not None
            self.alive += value is not None
            self.peak = max(self.peak, self.alive)
        return value

    def merge(self, fn, a, b):
        with self.lock:
            self.merges += 1
            self.alive -= 1
            self.threads.add(threading.current_thread().name)
        return fn(a, b)


#: the counter the wrappers below add to: by module name, so that the tasks the client pickles for the cluster's
#: in-process workers count here
HELD = Held()


def counted_part(fn, block):
    return HELD.part(fn, block)


def counted_merge(fn, a, b):
    return HELD.merge(fn, a, b)


def _tuple_tree(a, b):
    return (a, b)


@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 63, 64, 65, 200, 513])
def test_merged_as_they_come_is_the_clusters_tree(count):
    """The tree merged as the parts come (synchronous scheduler) is the one the cluster runs, bracket for
    bracket (so a fit's numbers do not depend on the scheduler), in the partitions' order, with partitions
    without rows (None) skipped; at most one partial sum a level is held besides the part being merged."""
    values = [None if k % 5 == 3 else k for k in range(count)]
    held = Held()
    streamed = tree_reduce((held.part(lambda v: v, v) for v in values), partial(held.merge, _tuple_tree))
    with dask.config.set(scheduler="synchronous"):
        root = reduce_delayed([dask.delayed(lambda v: v, pure=False)(v) for v in values], _tuple_tree)
        on_cluster = root.compute()
    assert streamed == on_cluster

    def leaves(t):
        return [t] if not isinstance(t, tuple) else leaves(t[0]) + leaves(t[1])

    expected = [v for v in values if v is not None]
    assert (leaves(streamed) if expected else []) == expected
    assert held.merges == max(0, len(expected) - 1)
    levels = max(1, int(np.ceil(np.log(count) / np.log(FAN_IN) - 1e-12)))
    assert held.peak <= min(FAN_IN, levels + 1)


def test_no_values_reduce_to_none():
    assert tree_reduce(iter(()), _tuple_tree) is None
    assert tree_reduce([None, None], _tuple_tree) is None


def _fits(ddf, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return (gs.glm(FORMULA, ddf, family=gs.Poisson(), tol=1e-12, max_iter=50),
                gs.glm(FORMULA, frame, family=gs.Poisson(), tol=1e-12, max_iter=50))


def _assert_same(streamed, mem, inference: bool = True) -> None:
    """The fit of many tiny partitions is the in-memory one to 1e-10, and (``inference``) so are its anova, HC0
    and clustered HC0."""
    for q in ("coef", "vcov", "deviance", "null_deviance", "aic"):
        close(getattr(streamed, q), getattr(mem, q), rtol=1e-10, what=q)
    close(streamed.robust("HC0").vcov, mem.robust("HC0").vcov, rtol=1e-10, what="HC0")
    if not inference:
        return
    a, b = streamed.anova(test="Chisq"), mem.anova(test="Chisq")
    assert list(a.index) == list(b.index)
    close(a["resid_dev"], b["resid_dev"], rtol=1e-10, what="anova")
    close(a["deviance"].iloc[1:], b["deviance"].iloc[1:], rtol=1e-10, what="anova deviance")
    close(streamed.robust("HC0", cluster="h").vcov, mem.robust("HC0", cluster="h").vcov, rtol=1e-10,
          what="clustered HC0")


def _irls_part(fit):
    from glmstat.engine.kernel import kernel_for
    from glmstat.engine.scoring_pass import pass_block

    return partial(pass_block, fit.family, kernel_for(fit.family), fit.fit_data.beta, False, None,
                   fit.fit_data.source.n_cols)


def test_many_tiny_partitions_on_the_synchronous_scheduler():
    """200 partitions of 12 rows (17 of them all dropped for missing x1): the in-memory numbers; an IRLS pass
    holds at most FAN_IN partial sums here (counted through a wrapper of the merge), at most twice that on two
    local threads, and its X'WX and X'Wz are those of every part merged pairwise to 1e-12."""
    from glmstat.engine.scoring_pass import PassResult

    frame = data()
    ddf = dd.from_pandas(frame, npartitions=PARTITIONS, sort=False)
    assert ddf.npartitions == PARTITIONS
    with dask.config.set(scheduler="synchronous"):
        streamed, mem = _fits(ddf, frame)
        _assert_same(streamed, mem)
        src, part = streamed.fit_data.source, _irls_part(streamed)
        held = HELD.reset()
        out = src.map_reduce(partial(counted_part, part), partial(counted_merge, PassResult.merge))
        assert held.parts > 100 and held.merges == held.parts - 1
        assert held.peak <= FAN_IN
        whole = _pairwise([part(b) for b in src.blocks()], PassResult.merge)
    _assert_same_pass(out, whole)
    with dask.config.set(scheduler="threads", num_workers=2):
        held = HELD.reset()
        threaded = src.map_reduce(partial(counted_part, part), partial(counted_merge, PassResult.merge))
    # two threads run ahead of the merges by a few parts; a task folding a whole group of FAN_IN made the threads
    # hold 17 to 19 parts and merged sums at once (a tree of three levels)
    assert held.merges == held.parts - 1 and held.peak <= 2 * FAN_IN
    _assert_same_pass(threaded, whole)


def _assert_same_pass(a, b) -> None:
    """Two merged IRLS passes: the same counts, and sums equal to 1e-12."""
    assert (a.n_ok, a.n_boundary, a.valid) == (b.n_ok, b.n_boundary, b.valid)
    for what in ("deviance", "pearson", "sum_weights"):
        close(getattr(a, what), getattr(b, what), rtol=1e-12, what=what)
    close(a.reducer.gram, b.reducer.gram, rtol=1e-12, what="X'WX")
    close(a.reducer.score, b.reducer.score, rtol=1e-12, what="X'Wz")


def test_many_tiny_partitions_on_a_cluster():
    """72 partitions of about 33 rows on a distributed cluster (in-process workers, so a wrapper counts; a tree
    of three levels): the in-memory fit and HC0, and every merge of a pass runs on the workers -- the client
    receives the root of the tree, one value, not the parts."""
    distributed = pytest.importorskip("distributed")
    from glmstat.engine.scoring_pass import PassResult

    frame = data()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster):
        ddf = dd.from_pandas(frame, npartitions=72, sort=False)
        assert ddf.npartitions == 72
        streamed, mem = _fits(ddf, frame)
        _assert_same(streamed, mem, inference=False)
        src, part = streamed.fit_data.source, _irls_part(streamed)
        held = HELD.reset()
        out = src.map_reduce(partial(counted_part, part), partial(counted_merge, PassResult.merge))
        whole = _pairwise([part(b) for b in src.blocks()], PassResult.merge)
    assert held.parts > 60 and held.merges == held.parts - 1
    assert threading.current_thread().name not in held.threads
    _assert_same_pass(out, whole)
