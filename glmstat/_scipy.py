"""scipy's modules, imported on first use: ``import glmstat`` costs what numpy and pandas cost, and a fit
pays for scipy.special, scipy.stats or scipy.linalg only when it first calls into them.

``from glmstat._scipy import special`` gives an object whose attributes are scipy.special's; the module is
imported at the first attribute access (after that, one dictionary lookup per access).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["special", "stats", "linalg", "optimize", "interpolate", "sparse"]


class _Lazy:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


special = _Lazy("scipy.special")
stats = _Lazy("scipy.stats")
linalg = _Lazy("scipy.linalg")
optimize = _Lazy("scipy.optimize")
interpolate = _Lazy("scipy.interpolate")
sparse = _Lazy("scipy.sparse")
