"""The factors of a structured design and how they share work: a :class:`Factor` (codes, the design column of each
level, optional values), the groups of factors whose combined cells are few enough to share one table of sums
(:func:`factor_groups`, :func:`cell_codes`), and the pairs of factors one of which implies the other's level
(:func:`nested_pairs`: g and g:x, g and g:h), whose block of X'WX is sparse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["CELL_LIMIT", "Factor", "FactorGroup", "level_map", "nested_pairs", "factor_groups", "cell_codes"]

#: Largest number of combined cells for which factors share one grouped-sum table.
CELL_LIMIT = 4096


@dataclass(frozen=True)
class Factor:
    """A factor: ``codes`` (one integer level per row, 0..L-1) and ``columns``, the design column of each
    level (-1 for a level without one, as the reference level).  With ``values`` (float, one per row: the
    numeric variable of a ``g:x`` interaction) the column of level l is ``values * (codes == l)``, not the
    indicator.  ``parts`` names the factors whose levels the codes combine, ``((name, n_levels), ...)``, the
    first fastest (``(("g", 300),)`` for g and g:x, ``(("a", 3), ("b", 4))`` for a:b): factors of the same
    parts, or of parts among another's, have a sparse block of X'WX (see :func:`level_map`)."""

    codes: np.ndarray
    columns: np.ndarray
    values: np.ndarray | None = None
    parts: tuple[tuple[str, int], ...] | None = None

    @property
    def n_levels(self) -> int:
        return int(self.columns.shape[0])

    def rows(self, rows: slice | np.ndarray) -> "Factor":
        """The factor on the rows ``rows`` (a slice: views)."""
        return Factor(self.codes[rows], self.columns, None if self.values is None else self.values[rows], self.parts)

    def weighted(self, w: np.ndarray) -> np.ndarray:
        """w times the rows' values: each row's weight in a sum over its level's column."""
        return w if self.values is None else w * self.values


@dataclass(frozen=True)
class FactorGroup:
    """Factors that share a cell code: ``cell = sum_f code_f * stride_f``."""

    members: tuple[int, ...]  # indices into the design's factors
    strides: tuple[int, ...]
    n_cells: int
    level_of_cell: tuple[np.ndarray, ...]  # per member: the member's level of each cell


def level_map(fine: tuple[tuple[str, int], ...], coarse: tuple[tuple[str, int], ...]) -> np.ndarray | None:
    """Each level of a factor with parts ``fine`` mapped to the level of a factor with parts ``coarse``
    (``Factor.parts``) that it implies, when coarse's factors are among fine's (g in g:h, g:x in g); else None.

    A row's level of the coarse factor is then a function of its fine level, so the rows at two levels
    (l, m) share none unless m = map[l]: the block of X'WX between the two is sparse, one entry per fine level.
    """
    if not set(coarse) <= set(fine):
        return None
    cell = np.arange(int(np.prod([L for _, L in fine])), dtype=np.intp)
    level, stride = {}, 1
    for name, L in fine:
        level[name] = (cell // stride) % L
        stride *= L
    out, stride = np.zeros(cell.size, dtype=np.intp), 1
    for name, L in coarse:
        out += level[name] * stride
        stride *= L
    return out


def nested_pairs(factors: Sequence[Factor]) -> dict[tuple[int, int], tuple[int, int, np.ndarray]]:
    """Pairs (a, b), a < b, where one factor's level implies the other's: (fine, coarse, level map)."""
    out = {}
    # (two factors of one part each are related only when it is the same part, g and g:x: pairs of main
    # effects, of which a design may have thousands, are not compared)
    multi = [f.parts is not None and len(f.parts) > 1 for f in factors]
    by_part: dict = {}
    for i, f in enumerate(factors):
        if f.parts is not None and len(f.parts) == 1:
            by_part.setdefault(f.parts, []).append(i)
    candidates = {(a, b) for same in by_part.values() for k, a in enumerate(same) for b in same[k + 1:]}
    candidates |= {(min(a, b), max(a, b)) for a in range(len(factors)) if multi[a]
                   for b in range(len(factors)) if b != a and factors[b].parts is not None}
    for a, b in sorted(candidates):
        for fine, coarse in ((b, a), (a, b)):
            m = level_map(factors[fine].parts, factors[coarse].parts)
            if m is not None:
                out[(a, b)] = (fine, coarse, m)
                break
    return out


def factor_groups(levels: Sequence[int], alone: Sequence[bool]) -> tuple[FactorGroup, ...]:
    """Groups of factors by their level counts; a factor marked ``alone`` (one with values) is one group."""
    groups: list[list[int]] = []
    sizes: list[int] = []
    for f, L in enumerate(levels):
        for g, size in enumerate(sizes):
            if not alone[f] and not alone[groups[g][0]] and size * L <= CELL_LIMIT:
                groups[g].append(f)
                sizes[g] *= L
                break
        else:
            groups.append([f])
            sizes.append(L)
    out = []
    for members, size in zip(groups, sizes):
        strides, s = [], 1
        for f in reversed(members):
            strides.append(s)
            s *= levels[f]
        strides.reverse()
        cells = np.arange(size)
        lev = tuple((cells // st) % levels[f] for f, st in zip(members, strides))
        out.append(FactorGroup(tuple(members), tuple(strides), size, lev))
    return tuple(out)


def cell_codes(group: FactorGroup, factors: Sequence[Factor]) -> np.ndarray:
    """Each row's cell of ``group``: sum_f code_f * stride_f over its members (a factor alone: its own codes)."""
    if len(group.members) == 1:
        return factors[group.members[0]].codes.astype(np.intp, copy=False)
    cell = None
    for f, st in zip(group.members, group.strides):
        c = factors[f].codes
        if cell is None:
            cell = c.astype(np.intp) * st  # a new array: the codes themselves are never modified
        else:
            cell += c.astype(np.intp) * st if st != 1 else c
    return cell
