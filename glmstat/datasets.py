"""Bundled data sets (``data/*.csv`` in the repository, shipped inside the wheel as ``glmstat/data``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import DataError

__all__ = ["list_datasets", "load_dataset", "dataset_path"]


def _data_dir() -> Path:
    packaged = resources.files("glmstat") / "data"
    if packaged.is_dir():  # installed wheel
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "data"  # source checkout / editable install


def list_datasets() -> list[str]:
    """Names of the bundled data sets."""
    return sorted(p.stem for p in _data_dir().glob("*.csv"))


def dataset_path(name: str) -> Path:
    """Path of a bundled data set's CSV file."""
    path = _data_dir() / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"no bundled data set {name!r}; available: {', '.join(list_datasets())}")
    return path


def load_dataset(name: str) -> pd.DataFrame:
    """A bundled data set as a new DataFrame (e.g. ``load_dataset("students")``)."""
    return pd.read_csv(dataset_path(name))
