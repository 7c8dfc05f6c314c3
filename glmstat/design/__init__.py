"""The design matrix as an interface (:class:`Design`), its dense and structured stores (and a structured
store mapped by contrast matrices), and row sources."""

from .base import Design
from .dense import DenseDesign
from .sources import Block, InMemorySource
from .structured import StructuredDesign
from .transformed import TransformedDesign

__all__ = ["Design", "DenseDesign", "StructuredDesign", "TransformedDesign", "Block", "InMemorySource"]
