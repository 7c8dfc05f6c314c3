"""The design matrix as an interface (:class:`Design`), its dense and structured stores, and row sources."""

from .base import Design
from .dense import DenseDesign
from .sources import Block, InMemorySource
from .structured import StructuredDesign

__all__ = ["Design", "DenseDesign", "StructuredDesign", "Block", "InMemorySource"]
