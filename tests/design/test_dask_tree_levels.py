"""One builder of a merge tree's levels (``tree_levels`` of glmstat/design/dask.py) serves the ``Delayed`` tree a
pass on a cluster computes and the raw graph a pass over blocks held here hands dask's local threads: both are
the tree the synchronous loop (``tree_reduce``) merges as the parts come, bracket for bracket, so a fit's numbers
do not depend on the scheduler.  The references are the partitions' order and the fan-in (closed forms of the
tree's shape), not glmstat's output.
"""

from __future__ import annotations

import warnings

import pytest

import glmstat as gs
from streamed_cases import data

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from glmstat.design.dask import FAN_IN, tree_levels  # noqa: E402


def _expected_tree(leaves: list, fan_in: int):
    """The tree of consecutive groups of ``fan_in``, level by level, as nested tuples (a leaf alone: itself)."""
    level = list(leaves)
    while len(level) > 1:
        level = [tuple(level[i:i + fan_in]) for i in range(0, len(level), fan_in)]
    return level[0] if level else None


@pytest.mark.parametrize("fan_in", [FAN_IN, 3])
@pytest.mark.parametrize("count", [0, 1, 2, 8, 9, 64, 65, 200])
def test_levels_fold_consecutive_groups_of_the_fan_in(count, fan_in):
    made = []

    def node(depth, j, group):
        made.append((depth, j))
        return tuple(group)

    leaves = list(range(count))
    assert tree_levels(leaves, node, fan_in) == _expected_tree(leaves, fan_in)
    depths = [d for d, _ in made]
    assert depths == sorted(depths)  # (level by level, from the leaves up)
    for d in set(depths):  # (each level's nodes numbered 0, 1, ... in the partitions' order)
        assert [j for depth, j in made if depth == d] == list(range(depths.count(d)))


def test_a_fan_in_below_two_is_refused():
    with pytest.raises(ValueError, match="fan-in of at least 2"):
        tree_levels([1, 2, 3], lambda depth, j, group: group, fan_in=1)


def _first_row(block):
    return int(block.index[0])


def _pair(a, b):
    return (a, b)


def test_the_threads_graph_and_the_synchronous_loop_merge_in_one_tree():
    """A dask fit of 100 partitions (about 24 rows each, a block of them all dropped for missing x1): a pass
    whose merge records its brackets gives the same nested pairs on local threads (the raw graph) as on the
    synchronous scheduler (the loop), and its leaves are the partitions with rows, in order."""
    frame = data()
    ddf = dd.from_pandas(frame, npartitions=100, sort=False)
    with dask.config.set(scheduler="synchronous"), warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("count ~ x1 + g + offset(log(expo))", ddf, family=gs.Poisson())
    source = fit.fit_data.source
    with dask.config.set(scheduler="synchronous"):
        looped = source.map_reduce(_first_row, _pair)
    with dask.config.set(scheduler="threads"):
        graphed = source.map_reduce(_first_row, _pair)
    assert graphed == looped

    firsts = []  # (each partition's first row used, None for one without: the parts)
    for k in range(ddf.npartitions):
        rows = ddf.get_partition(k).compute()
        used = rows.index[rows["x1"].notna()]
        firsts.append(int(used[0]) if len(used) else None)
    assert firsts.count(None) > 0
    assert looped == _folded_tree(firsts, FAN_IN)


def _folded_tree(values: list, fan_in: int):
    """The parts' merge tree as nested pairs: each node folds its group left to right, skipping None."""
    def fold(group):
        acc = None
        for v in group:
            if v is not None:
                acc = v if acc is None else (acc, v)
        return acc

    level = list(values)
    while len(level) > 1:
        level = [fold(level[i:i + fan_in]) for i in range(0, len(level), fan_in)]
    return level[0]
