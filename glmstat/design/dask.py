"""Rows on a dask cluster: each partition encoded once where it lives, and every pass a map-reduce.

:meth:`DaskSource.from_dataframe` turns every partition of a dask DataFrame into a :class:`Block` of the
model's rows *on the worker that holds it* (the encoder travels, the rows do not) and keeps the blocks there
(``persist``).  A pass of the engine or of an inference feature is then :meth:`DaskSource.map_reduce`: one
task per partition computes that block's share (for an IRLS iteration: the p x p matrix X'WX, the p-vector
X'Wz, the deviance and the Pearson sum), and the shares are merged in float64 on the workers, in a tree whose
merge tasks fold :data:`FAN_IN` consecutive shares (or merged sums) each, in the partitions' order
(:func:`reduce_delayed`): the root alone comes back, so the client holds one share's memory whatever the number
of partitions (it gathered all of them before merging: 10,000 partitions of a 300-column design were 7 GB).
What travels per iteration is (p^2 + p + a few) x 8 bytes per partition between workers, never rows.

It runs on whatever scheduler dask is set to use: the ``distributed.Client`` the caller created (a laptop's
``LocalCluster`` or a real cluster), or dask's local threads without one.  Without a cluster, dask's local
schedulers keep the persisted blocks in this process, and a pass hands the scheduler its tasks as a plain graph
with the same merge tree (dask's synchronous scheduler: a loop here, which merges each share as it comes,
:func:`tree_reduce`), not as collections: ``dask.compute`` of new ``Delayed`` objects
spent 2 to 3 ms a pass on 8 partitions building, optimizing and ordering their graph, more than many passes'
own work (a profile interval makes thousands of passes).

Per-row results (fitted values, residuals, leverages, predictions) are returned as dask collections, one
partition per block (:meth:`DaskSource.map_blocks`), indexed by the rows' labels in the caller's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar
from uuid import uuid4

import numpy as np
import pandas as pd

from .._arguments import shown
from ..errors import DataError, GLMStatError
from .sources import Block, FixColumn, HeldBlocks, SelectColumns, WithGroups, block_bytes, transformed

__all__ = ["DaskSource", "DetachedSource", "FAN_IN", "merge_in_order", "tree_reduce", "tree_levels", "reduce_delayed",
           "PREPARE_BYTES", "partition_failure", "block_labels", "append_labels", "chain_node",
           "runs_here"]

T = TypeVar("T")

#: Blocks held in this process that take at most this many bytes are transformed once for a derived source (a
#: refit's columns selected, a coefficient held), not again by each of its passes.
PREPARE_BYTES = 64 * 2**20


def partition_failure(error: Exception) -> DataError | None:
    """The DataError for ``error``, raised by ``dask.compute`` (or ``persist``) while a partition of the caller's
    dask DataFrame was computed -- ``dd.read_csv`` of a malformed file (pandas' ``ParserError``, dask's
    "Mismatched dtypes"), a ``map_partitions`` function that raises or returns no DataFrame --, naming its type
    and its message cut; None when it is glmstat's own (a GLMStatError, or raised in glmstat's code on the worker,
    which is glmstat's bug and is not dressed as the data's).  These came out of ``glm()`` raw."""
    if isinstance(error, GLMStatError):
        return None
    modules, tb, past_compute = [], error.__traceback__, False
    while tb is not None:  # (the frames from dask's compute on: the partition's, and glmstat's tasks' own)
        past_compute = past_compute or tb.tb_frame.f_code.co_name in ("compute", "persist")
        if past_compute:  # (by module name: a worker's glmstat may be installed elsewhere than this one)
            modules.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    if any(m == "glmstat" or m.startswith("glmstat.") for m in modules):
        return None
    return DataError(f"a partition of the dask DataFrame could not be computed ({type(error).__name__}: "
                     f"{shown(str(error), 300)}); check the files or the function that make it")


#: The fan-in of a pass's merge tree: each merge folds at most this many parts (or merged sums) in order.  On a
#: cluster the merges run on the workers and the client receives the root, one value; merged here as the parts
#: come (dask's synchronous scheduler), this process holds one partial sum a level of the tree, ceil(log8 P) of
#: them (5 for 10,000 partitions), besides the part being merged -- never the P parts of a pass.
FAN_IN = 8


def merge_in_order(merge: Callable[[T, T], T], *values: T | None) -> T | None:
    """``merge`` folded over ``values`` left to right, skipping None (a partition without rows): one node of a
    pass's merge tree; None when every value is None.

    Parameters
    ----------
    merge : callable
        Merges two parts into one (it may add the second into the first, as the passes' merges do).
    *values
        The parts or merged sums of consecutive partitions, in the partitions' order.

    Returns
    -------
    The merged value, or None.
    """
    acc = None
    for v in values:
        if v is not None:
            acc = v if acc is None else merge(acc, v)
    return acc


def tree_reduce(values: Iterable[T | None], merge: Callable[[T, T], T], fan_in: int = FAN_IN) -> T | None:
    """The parts ``values`` merged as they come, in the tree of :func:`reduce_delayed` (the same merges in the
    same order: a fit's numbers do not depend on the scheduler), holding one partial sum a level.

    Each level folds its values in groups of ``fan_in`` consecutive ones (:func:`merge_in_order`), a group's
    running sum merged into as each value comes; a full group's sum is a value of the level above.

    Parameters
    ----------
    values : iterable
        The partitions' parts in the partitions' order, None for a partition without rows; consumed once.
    merge : callable
        Merges two parts into one.
    fan_in : int
        The values a node of the tree merges, at least 2.

    Returns
    -------
    The merged value, or None without values (or when every value is None).
    """
    if fan_in < 2:
        raise ValueError("a merge tree needs a fan-in of at least 2")
    sums: list = []  # the running sum of the open group at each level (None: no value yet, or None values only)
    counts: list[int] = []  # the values the open group at each level has taken

    def push(level: int, value: T | None) -> None:
        while True:
            if level == len(sums):
                sums.append(None)
                counts.append(0)
            sums[level] = merge_in_order(merge, sums[level], value)
            counts[level] += 1
            if counts[level] < fan_in:
                return
            value, sums[level], counts[level] = sums[level], None, 0  # (a full group: a value of the level above)
            level += 1

    for v in values:
        push(0, v)
    level = 0  # the open groups, lowest first: each the last value of the level above, until one value is left
    while level < len(sums):
        if level == len(sums) - 1 and counts[level] == 1:
            return sums[level]
        if counts[level]:
            value, sums[level], counts[level] = sums[level], None, 0
            push(level + 1, value)
        level += 1
    return None


def tree_levels(leaves: Sequence[Any], node: Callable[[int, int, list], Any], fan_in: int = FAN_IN) -> Any:
    """The root of the merge tree over ``leaves`` (the partitions' parts, in the partitions' order), built level by
    level with ``node``: each level's nodes fold ``fan_in`` consecutive values of the level below, the last
    fewer; the same tree, bracket for bracket, whatever the nodes are (``Delayed`` tasks for
    :func:`reduce_delayed`, a raw graph's keys for a pass over blocks held here), the tree :func:`tree_reduce`
    merges as the values come.  None without leaves.

    Parameters
    ----------
    leaves : sequence
        The tree's leaves in the partitions' order.
    node : callable
        ``node(depth, j, group)``: the ``j``-th node (0, 1, ...) of level ``depth`` (1 above the leaves), merging
        ``group``, the consecutive values of the level below it folds.
    fan_in : int
        The values a node folds, at least 2.

    Returns
    -------
    The root: the last level's one node, or the one leaf; None without leaves.
    """
    if fan_in < 2:
        raise ValueError("a merge tree needs a fan-in of at least 2")
    level, depth = list(leaves), 0
    if not level:
        return None
    while len(level) > 1:
        depth += 1
        level = [node(depth, j, level[i:i + fan_in]) for j, i in enumerate(range(0, len(level), fan_in))]
    return level[0]


def reduce_delayed(tasks: Sequence[Any], merge: Callable[[T, T], T], fan_in: int = FAN_IN) -> Any:
    """The root of a merge tree over the dask ``Delayed`` parts ``tasks`` (in the partitions' order), its merges
    tasks too: computed, it runs the merges where the parts are and returns one value to the client, the value
    :func:`tree_reduce` gives of the parts.  None without tasks.

    On a cluster a node of the tree is one task folding its ``fan_in`` values (each part moves once, to the
    worker that merges its group).  On dask's local schedulers (:func:`runs_here`), which keep every result in
    this process until its last dependent has run, a node is a chain of tasks merging one value each
    (:func:`chain_node`): a task folding a whole group waits for the group, so a walk of the tree held
    ``fan_in`` parts and up to ``fan_in - 1`` merged sums waiting at each level above (17 summaries at once for
    240 partitions, 22 for 600); the chain makes the node's merges in the node's order, each value merged once
    it is computed.

    Parameters
    ----------
    tasks : sequence of dask.delayed.Delayed
        One part a partition (computing to None for a partition without rows).
    merge : callable
        Merges two parts into one; it travels with every merge task, so it must pickle.
    fan_in : int
        The parts (or merged sums) a merge task folds, at least 2.

    Returns
    -------
    dask.delayed.Delayed or None
    """
    import dask

    fold = partial(merge_in_order, merge)
    if runs_here():
        return tree_levels(tasks, lambda depth, j, group: chain_node(
            group, lambda acc, value: dask.delayed(fold, pure=False)(acc, value)), fan_in)
    return tree_levels(tasks, lambda depth, j, group: dask.delayed(fold, pure=False)(*group), fan_in)


def chain_node(group: Sequence[Any], step: Callable[[Any, Any], Any]) -> Any:
    """A node of the merge tree as a chain, ``step(step(group[0], group[1]), group[2])``...: the merges of
    :func:`merge_in_order` over ``group``, in its order, one task a value, so that a scheduler can merge each
    value once it is computed and free it; the one value itself for a group of one.

    Parameters
    ----------
    group : sequence
        The consecutive values (tasks, or a graph's keys) the node folds, at least one.
    step : callable
        ``step(acc, value)``: the task merging ``value`` into the running sum ``acc``.

    Returns
    -------
    The chain's last task, or ``group[0]``.
    """
    acc = group[0]
    for value in group[1:]:
        acc = step(acc, value)
    return acc


def runs_here() -> bool:
    """Whether the scheduler dask is set to use keeps a graph's results in this process: its local schedulers
    (threads, the default without a distributed client; synchronous; processes, whose workers send each result
    back here), not a distributed client's cluster.

    Returns
    -------
    bool
    """
    import dask.local
    import dask.multiprocessing
    import dask.threaded
    from dask.base import get_scheduler

    return get_scheduler() in (None, dask.threaded.get, dask.local.get_sync, dask.multiprocessing.get)


def _tree_graph(graph: dict, keys: list, merge: Callable, name: str) -> tuple[dict, Any]:
    """``graph`` (a plain task graph whose ``keys`` compute the parts) with the merge tree of
    :func:`reduce_delayed` for a local scheduler added (a new dict: each node a chain, :func:`chain_node`), and
    the root's key."""
    fold, merges = partial(merge_in_order, merge), {}

    def node(depth: int, j: int, group: list) -> Any:
        steps = iter(range(len(group)))

        def step(acc: Any, value: Any) -> tuple:
            key = (f"{name}-merge{depth}", j, next(steps))
            merges[key] = (fold, acc, value)
            return key

        return chain_node(group, step)

    root = tree_levels(keys, node)
    return {**graph, **merges}, root


def block_labels(block: Block) -> pd.Index:
    """The labels of ``block``'s rows in the caller's data (a pass's part: :meth:`DaskSource.row_labels`).

    Parameters
    ----------
    block : Block
        A partition's rows, labelled.

    Returns
    -------
    pandas.Index
    """
    if block.index is None:
        raise GLMStatError("a block of a dask DataFrame's rows without their labels")
    return block.index


def append_labels(first: pd.Index, second: pd.Index) -> pd.Index:
    """The labels ``first`` followed by ``second`` (a new Index): the merge of :meth:`DaskSource.row_labels`.

    Parameters
    ----------
    first, second : pandas.Index
        The labels of consecutive partitions' rows.

    Returns
    -------
    pandas.Index
    """
    return first.append(second)


def _transformed(block: Block, transforms: tuple) -> Block | None:
    if block.y.shape[0] == 0:
        return None  # an empty partition, or one whose rows were all dropped for missing values
    return transformed(block, transforms)


def _apply(block: Block, transforms: tuple, part: Callable) -> Any:
    """One task: this partition's share of a pass (None for a partition without rows)."""
    b = _transformed(block, transforms)
    return None if b is None else part(b)


def _apply_rows(block: Block, transforms: tuple, fn: Callable, empty: Callable) -> Any:
    b = _transformed(block, transforms)
    return empty() if b is None else fn(b)


def _held_here(parts: tuple) -> tuple | None:
    """The persisted ``parts``' blocks themselves when a local scheduler persisted them (its results stay in this
    process, each the value of its part's one-key graph), whether or not a distributed client exists (dask may
    be set to a local scheduler beside one); None when a cluster holds them (futures)."""
    held = tuple(p.__dask_graph__().get(p.key) for p in parts)
    return held if all(isinstance(b, Block) for b in held) else None


def _reduce_here(blocks: tuple, transforms: tuple, part: Callable, merge: Callable) -> Any:
    """``part`` of every block held in this process, by the scheduler dask is set to use, merged in the tree of
    :func:`tree_reduce` (None without rows).

    The tasks go to the scheduler as a graph of their own (its ``get``), not as ``Delayed`` objects through
    ``dask.compute``, whose conversion, optimization and ordering of the graph cost more than the tasks of a
    small pass; dask's synchronous scheduler would run them here one after another, and so does a loop, which
    merges each part as it comes.  Local threads run the merges as tasks of the graph.
    """
    import dask.local
    import dask.threaded
    from dask.base import get_scheduler

    get = get_scheduler() or dask.threaded.get  # (dask's default for Delayed: local threads)
    if get is dask.local.get_sync:
        return tree_reduce((_apply(b, transforms, part) for b in blocks), merge)
    if not blocks:
        return None
    name = f"glmstat-pass-{uuid4().hex}"  # (unique: a client keeps results of the keys it has seen)
    keys = [(name, k) for k in range(len(blocks))]
    graph = {key: (partial(_apply, b, transforms, part),) for key, b in zip(keys, blocks)}
    graph, root = _tree_graph(graph, keys, merge, name)
    return get(graph, root)


def _client() -> Any:
    """The distributed client in use, if any."""
    try:
        from distributed import default_client
        return default_client()
    except (ImportError, ValueError):  # no distributed, or no client: dask's local scheduler
        return None


@dataclass(frozen=True, eq=False)
class DaskSource:
    """The model's rows as one block per partition of a dask DataFrame, held on the cluster (see the module
    docstring).  ``parts`` are dask ``Delayed`` blocks; ``transforms`` apply to each block in order."""

    parts: tuple = field(repr=False)
    n_rows: int
    n_cols: int
    transforms: tuple = ()
    #: the same blocks as a graph from the data (not persisted), and the distributed client that holds the
    #: persisted ones (None: dask's local scheduler, which keeps them in this process)
    graph: tuple = field(default=(), repr=False)
    client: Any = field(default=None, repr=False)
    #: (dask DataFrame, columns, encode, kept): how the blocks were made, to make them again with more columns
    origin: tuple = field(default=(), repr=False)
    #: the persisted blocks themselves when they are in this process (a local scheduler persisted them), else None
    here: tuple | None = field(default=None, repr=False)
    #: the memory ``here`` takes (:func:`~glmstat.design.sources.block_bytes`)
    here_bytes: int = field(default=0, repr=False)
    #: ``here`` with ``transforms`` applied (a partition without rows as it is), made at this source's first pass
    #: when the blocks take at most PREPARE_BYTES; each derived source has its own (:meth:`_with`)
    prepared: HeldBlocks = field(default_factory=HeldBlocks, compare=False, repr=False)

    @classmethod
    def from_dataframe(cls, ddf: Any, columns: Sequence[str], encode: Callable, kept: Callable, n_rows: int,
                       n_cols: int) -> "DaskSource":
        """Encode every partition of ``ddf[columns]`` where it lives (``encode(chunk) -> Block``; ``kept(chunk)``
        marks the rows used, for the blocks' row labels) and keep the blocks on the cluster."""
        import dask

        delayed_parts = ddf[list(columns)].to_delayed()
        blocks = tuple(dask.delayed(encode)(p) for p in delayed_parts)
        try:
            parts = tuple(dask.persist(*blocks))
        except Exception as e:  # (a partition that failed: a file changed since the first pass)
            failure = partition_failure(e)
            if failure is None:
                raise
            raise failure from e
        here = _held_here(parts)
        return cls(parts, int(n_rows), int(n_cols), graph=blocks, client=_client(),
                   origin=(ddf, tuple(columns), encode, kept), here=here,
                   here_bytes=0 if here is None else sum(block_bytes(b) for b in here))

    def with_groups(self, name: str) -> "DaskSource":
        """The same rows, each block carrying the data column ``name`` of its rows (``Block.groups``): the
        partitions encoded again, with that column, where they live."""
        ddf, columns, encode, kept = self.origin
        if name not in ddf.columns:
            raise DataError(f"{shown(name)} names no column of the data")
        cols = columns if name in columns else columns + (name,)
        again = DaskSource.from_dataframe(ddf, cols, WithGroups(encode, kept, name), kept, self.n_rows, self.n_cols)
        return replace(again, transforms=self.transforms)  # (``again`` has a ``prepared`` of its own)

    def live_blocks(self) -> tuple:
        """The persisted blocks while their cluster runs; once its client is closed, the graph that makes
        them again from the data (recomputed by whatever scheduler dask now uses), so a fit outlives its
        cluster."""
        if self.client is None or getattr(self.client, "status", "running") == "running":
            return self.parts
        return self.graph

    def __reduce__(self):
        # a pickled fit (shipped, saved) keeps the model, not the cluster's rows
        return (DetachedSource, (self.n_rows, self.n_cols))

    def map_reduce(self, part: Callable[[Block], T], merge: Callable[[T, T], T]) -> T | None:
        """One task per partition computes ``part(block)``; the parts are merged in a tree of fan-in
        :data:`FAN_IN` on the cluster, whose root alone comes back (merged as they come with blocks held here)."""
        import dask

        held = self._prepared()
        if held is not None:
            return _reduce_here(held, (), part, merge)
        if self.here is not None:  # (too many rows to hold transformed: each pass transforms a block at a time)
            return _reduce_here(self.here, self.transforms, part, merge)
        root = reduce_delayed([dask.delayed(_apply, pure=False)(b, self.transforms, part)
                               for b in self.live_blocks()], merge)
        return None if root is None else dask.compute(root)[0]

    def row_labels(self) -> pd.Index:
        """The labels of the rows used in the caller's data, in the partitions' order: each block's labels,
        appended in the merge tree of a pass (:meth:`map_reduce`), whose root alone comes to the client -- not
        every partition's labels, then appended here.

        Returns
        -------
        pandas.Index
            An empty RangeIndex without rows.
        """
        labels = self.map_reduce(block_labels, append_labels)
        return pd.RangeIndex(0) if labels is None else labels

    def map_blocks(self, fn: Callable[..., Any], empty: Callable[[], Any], numbered: bool = False) -> list:
        """``fn(block)`` per partition, lazily: a list of dask ``Delayed`` (``empty()`` for a partition without
        rows), to be assembled into a dask collection by the caller.  With ``numbered``, ``fn(block, k=k)``,
        k the partition's number (0, 1, ...; empty partitions counted): for results that differ by partition,
        such as random draws seeded per partition."""
        import dask

        return [dask.delayed(_apply_rows, pure=False)(b, self.transforms, partial(fn, k=k) if numbered else fn,
                                                      empty) for k, b in enumerate(self.live_blocks())]

    def blocks(self) -> Iterator[Block]:
        """The blocks brought to this machine one partition at a time (rows travel: only for the few passes
        that need rows here, such as finding the rows at the edge of the domain for a boundary warning)."""
        held, transforms = self._prepared(), ()
        if held is None:
            held = self.here if self.here is not None else (p.compute() for p in self.live_blocks())
            transforms = self.transforms
        for block in held:
            b = _transformed(block, transforms)
            if b is not None:
                yield b

    def _prepared(self) -> tuple | None:
        """The blocks held in this process with ``transforms`` applied, made once (:meth:`HeldBlocks.made_from`);
        None when the blocks are on a cluster, or take more than PREPARE_BYTES."""
        if self.here is None or self.here_bytes > PREPARE_BYTES:
            return None
        return self.prepared.made_from(self.here, self.transforms)

    def with_columns(self, cols: np.ndarray) -> "DaskSource":
        """The same rows with only the design columns ``cols``."""
        cols = np.asarray(cols, dtype=np.intp)
        return replace(self._with(SelectColumns(cols)), n_cols=int(cols.size))

    def with_transform(self, transform: Callable[[Block], Block]) -> "DaskSource":
        """The same partitions with ``transform`` applied to every block where it lives (a row-wise change of
        the response, weights or offset that keeps the columns; it travels, so it must pickle)."""
        return self._with(transform)

    def with_fixed(self, col: int, value: float) -> "DaskSource":
        """The same rows and columns with column ``col``'s coefficient held at ``value`` (offset + value x_col)."""
        return self._with(FixColumn(int(col), float(value)))

    def _with(self, transform: Callable[[Block], Block]) -> "DaskSource":
        return replace(self, transforms=self.transforms + (transform,), prepared=HeldBlocks())


@dataclass(frozen=True)
class DetachedSource:
    """What a pickled dask fit keeps of its rows: their number.  Everything that needs the rows again (per-row
    results, refits, profile intervals, sandwich covariances) says so; the estimates, their covariance, the
    summary and predictions for new data work as before."""

    n_rows: int
    n_cols: int

    def _gone(self):
        raise DataError("this fit was loaded from a pickle and its rows stayed on the dask cluster it was fitted "
                        "on; per-row results, refits and sandwich covariances need the data: fit it again")

    def blocks(self) -> Iterator[Block]:
        self._gone()

    def map_reduce(self, part: Callable, merge: Callable) -> Any:
        self._gone()

    def with_columns(self, cols: np.ndarray) -> "DetachedSource":
        self._gone()

    def with_fixed(self, col: int, value: float) -> "DetachedSource":
        self._gone()

    def with_transform(self, transform: Callable) -> "DetachedSource":
        self._gone()

    def with_groups(self, name: str) -> "DetachedSource":
        self._gone()

    def row_labels(self) -> pd.Index:
        self._gone()
