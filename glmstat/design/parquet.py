"""A design source that streams row groups from a Parquet file (needs ``pyarrow``).

The IRLS engine only iterates ``source.blocks()`` and adds up per-block sums, so a model whose rows do not
fit in memory can be fitted from disk: :func:`write_parquet` stores a model's rows (response, weights,
trials, offset, the numeric design columns, the factor codes and a ``g:x`` factor's values -- never dummy
columns) with the design's structure in the file's metadata, and :class:`ParquetSource` yields one
:class:`~glmstat.design.Block` per row group, each with a :class:`~glmstat.design.structured.StructuredDesign`
(or a dense block for a dense design).

>>> write_parquet("rows.parquet", source, row_group_rows=100_000)        # doctest: +SKIP
>>> state = irls(ParquetSource("rows.parquet"), Binomial())               # doctest: +SKIP
"""

from __future__ import annotations

import json
from typing import Iterator

import numpy as np

from .sources import Block, SequentialSource
from .dense import DenseDesign
from .structured import Factor, StructuredDesign

__all__ = ["ParquetSource", "write_parquet"]

_META_KEY = b"glmstat.design"


def _pa():
    from ..formula.readers import pyarrow_parquet  # (a pyarrow that unpickles extension types is refused there)

    pq = pyarrow_parquet("a Parquet source")
    import pyarrow as pa

    return pa, pq


def write_parquet(path, source, row_group_rows: int = 65536) -> None:
    """Write the rows of an in-memory design source to ``path``, ``row_group_rows`` rows per row group."""
    pa, pq = _pa()
    X = source.X
    cols = {"y": source.y, "weights": source.weights, "trials": source.trials, "offset": source.offset}
    if not isinstance(X, StructuredDesign):
        meta = {"kind": "dense", "n_cols": int(X.n_cols)}
        for j in range(X.n_cols):
            cols[f"x{j}"] = np.ascontiguousarray(X.column(j))
    else:
        k = 0 if X.dense is None else X.dense.shape[1]
        meta = {
            "kind": "structured", "n_cols": X.n_cols, "intercept": X.intercept,
            "dense_cols": [int(c) for c in X.dense_cols],
            "factor_columns": [[int(c) for c in f.columns] for f in X.factors],
            "factor_values": [f.values is not None for f in X.factors],
            "factor_parts": [None if f.parts is None else [list(p) for p in f.parts] for f in X.factors],
        }
        for j in range(k):
            cols[f"x{j}"] = np.ascontiguousarray(X.dense[:, j])
        for i, f in enumerate(X.factors):
            cols[f"f{i}"] = f.codes.astype(np.int32)
            if f.values is not None:
                cols[f"v{i}"] = f.values
    table = pa.table(cols)
    table = table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()})
    pq.write_table(table, path, row_group_size=int(row_group_rows))


class ParquetSource(SequentialSource):
    """Rows read from a Parquet file written by :func:`write_parquet`, one row group per block.

    Only one row group is in memory at a time; ``n_rows`` and ``n_cols`` come from the file's metadata.
    """

    def __init__(self, path) -> None:
        _, pq = _pa()
        self.path = path
        self._file = pq.ParquetFile(path)
        self._meta = json.loads(self._file.schema_arrow.metadata[_META_KEY])
        self.n_rows = int(self._file.metadata.num_rows)
        self.n_cols = int(self._meta["n_cols"])

    def _block(self, table) -> Block:
        col = {name: table.column(name).to_numpy() for name in table.column_names}
        meta = self._meta
        m = table.num_rows
        if meta["kind"] == "dense":
            X = DenseDesign(np.column_stack([col[f"x{j}"] for j in range(meta["n_cols"])]) if meta["n_cols"]
                            else np.zeros((m, 0)))
        else:
            k = len(meta["dense_cols"])
            dense = np.empty((m, k), order="F")
            for j in range(k):
                dense[:, j] = col[f"x{j}"]
            k_f = len(meta["factor_columns"])
            valued = meta.get("factor_values", [False] * k_f)
            parts = [None if p is None else tuple((str(a), int(b)) for a, b in p)
                     for p in meta.get("factor_parts", [None] * k_f)]
            factors = [Factor(col[f"f{i}"].astype(np.intp), np.asarray(c, dtype=np.intp),
                              col[f"v{i}"] if v else None, pp)
                       for i, (c, v, pp) in enumerate(zip(meta["factor_columns"], valued, parts))]
            X = StructuredDesign(meta["n_cols"], meta["intercept"], dense if k else None, meta["dense_cols"],
                                 factors, n_rows=m)
        return Block(X, col["y"], col["weights"], col["trials"], col["offset"])

    def blocks(self) -> Iterator[Block]:
        for i in range(self._file.num_row_groups):
            yield self._block(self._file.read_row_group(i))
