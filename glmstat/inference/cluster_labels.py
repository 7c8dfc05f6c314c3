"""The ``cluster=`` argument of ``robust()`` read: a column of the fitted data by name, a Series aligned on the
data's index, or one value per row; one code 0..G-1 for each row used, the G clusters' values and a name,
every value compared by glmstat's own code (no object of the data's own class is hashed or compared)."""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._arguments import foreign_type, items_given, shown
from ..errors import DataError
from ..formula.values import factorized_exactly, factor_from_labels
from ..printable import first_unwritable

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["cluster_codes"]


#: Values of an object column that are clusters as they are, besides Python's and numpy's own scalars: pandas'
#: missing values and dates (a cluster per day), decimals
_CLUSTER_TYPES = frozenset({type(pd.NA), type(pd.NaT), pd.Timestamp, pd.Timedelta, pd.Period, datetime.date,
                            datetime.datetime, datetime.timedelta, decimal.Decimal})


def _refuse_foreign_clusters(name: str, foreign: type | None) -> None:
    """Refuse cluster values of the type ``foreign`` (not None): an object that is not Python's, numpy's or
    pandas' own value (a subclass of float or str) is hashed and compared by its own code when the clusters are
    told apart, as data from someone else must never be."""
    if foreign is not None:
        raise DataError(f"cluster {shown(name)} holds values of the type {shown(foreign.__qualname__)}, which glmstat "
                        "does not compare (its comparisons are code of its own); convert them to strings or numbers "
                        "first, e.g. with .astype(str)")


def cluster_codes(cluster: Any, fit: "GLMResults") -> tuple[np.ndarray, list, str]:
    """Cluster codes 0..G-1 for the rows used, the G cluster values (by code), and a name for the summary.

    ``cluster`` is a column name of the data the model was fitted to, a pandas Series (aligned on the
    data's index), or an array with one value per row used (or per row of the data).
    """
    frame = fit.model_frame
    n_used = len(fit.rows_used)
    name = "cluster"
    if isinstance(cluster, str):
        name = cluster
        data = frame.data
        if data is None or frame.row_positions is None:
            raise DataError(f"cluster={shown(cluster)}: the fitted data is not available; pass the cluster values")
        # (by the labels' strings, as the formula names the columns: a column labelled 7 is "7")
        labels = {str(c): c for c in data.columns}
        if cluster not in labels:
            raise DataError(
                f"cluster={shown(cluster)} names no column of the data; columns are {shown(list(labels))}"
            )
        values = data[labels[cluster]].iloc[frame.row_positions]
    elif isinstance(cluster, pd.Series):
        name = str(cluster.name) if cluster.name is not None else name
        data = frame.data
        if cluster.index.is_unique and fit.rows_used.isin(cluster.index).all():
            values = cluster.reindex(fit.rows_used)
        elif data is not None and frame.row_positions is not None and cluster.index.equals(data.index):
            values = cluster.iloc[frame.row_positions]  # (a column of the fitted data, its labels repeated)
        elif len(cluster) == n_used:
            values = cluster
        else:
            raise DataError(
                f"the cluster Series has {len(cluster)} values and its index does not cover the "
                f"{n_used} rows used in the fit"
            )
    else:
        given = items_given(cluster)  # (counted before read: cluster=range(10**12) was a MemoryError)
        rows = len(frame.data) if frame.data is not None and frame.row_positions is not None else n_used
        if given is not None and given not in (n_used, rows):
            raise DataError(f"cluster has {given:,} values; it needs one per row used ({n_used}) or per row of the "
                            "data")
        if type(cluster) in (list, tuple):  # (before numpy reads them: it calls a float subclass's __float__)
            foreign = foreign_type(cluster, depth=0, also=_CLUSTER_TYPES)
            if foreign in (list, tuple, range):
                raise DataError("cluster must be one value per row, got rows of many values each")
            _refuse_foreign_clusters(name, foreign)
        try:
            arr = np.asarray(cluster)
        except MemoryError:  # (rows that are each a huge sequence, [range(10**12)] * n: numpy refuses the array)
            raise DataError("cluster must be one value per row, got rows of many values each") from None
        if arr.ndim != 1:
            raise DataError(f"cluster must be one value per row, got an array of shape {arr.shape}")
        if len(arr) == n_used:
            values = pd.Series(arr)
        elif frame.data is not None and frame.row_positions is not None and len(arr) == len(frame.data):
            values = pd.Series(arr[frame.row_positions])
        else:
            raise DataError(f"cluster has {len(arr)} values; it needs one per row used ({n_used}) or per row "
                            f"of the data")
    try:
        values = pd.Series(values.to_numpy())
    except UnicodeEncodeError:  # (pandas' Arrow-backed strings cannot hold a lone surrogate)
        raise DataError(f"cluster {shown(name)} holds a value that is not valid text (a lone surrogate); replace or "
                        "drop it") from None
    if values.dtype == object:  # (before values are hashed and compared: a float subclass's __eq__ would run)
        _refuse_foreign_clusters(name, foreign_type(values.to_numpy(), depth=0, also=_CLUSTER_TYPES))
    missing = values.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise DataError(f"cluster {shown(name)} is missing for {int(missing.sum())} of the rows used (first: row "
                        f"{shown(fit.rows_used[i])}); drop or impute those rows and refit")
    codes, uniques = pd.factorize(values, sort=True)
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        texts = values.to_numpy(dtype=object)
        if not factorized_exactly(texts, codes, uniques):  # (pandas before 3.1 cut texts at a NUL)
            f = factor_from_labels(texts)
            codes, uniques = f.codes, f.levels
        if first_unwritable([u for u in uniques if isinstance(u, str)]) is not None:  # (pandas before 3: held)
            raise DataError(f"cluster {shown(name)} holds a value that is not valid text (a lone surrogate); "
                            "replace or drop it")
    G = len(uniques)
    if G < 2:
        raise DataError(f"cluster {shown(name)} has {G} distinct value(s) among the rows used; it needs at least 2")
    return codes.astype(np.intp), list(uniques), name
