"""Text of single estimates that R prints as a small matrix: ``MASS::gamma.shape``'s alpha and its standard
error (``print.gamma.shape``: a 2 x 1 matrix with row names ``Alpha:`` and ``SE:`` and an empty column name,
so its header line is blank, the numbers formatted together as R's ``format`` does, 7 significant digits)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .rformat import format_r

if TYPE_CHECKING:
    from ..inference.gamma_shape import GammaShape

__all__ = ["gamma_shape_text"]


def gamma_shape_text(s: "GammaShape") -> str:
    """R's ``print(gamma.shape(fit))``: a blank header, then ``Alpha:`` and ``SE:`` right-aligned numbers."""
    labels = ["Alpha:", "SE:"]
    cells = format_r([s.alpha, s.se], digits=7)
    lw, cw = max(map(len, labels)), max(map(len, cells))
    return "\n".join([" " * (lw + 1 + cw)] + [f"{lab:<{lw}} {cell:>{cw}}" for lab, cell in zip(labels, cells)])
