"""A structured design matrix: numeric columns kept dense, factors kept as integer codes.

A model with an intercept, k numeric columns and factors g_1..g_q (treatment coding) has the design

    X = [ 1 | X_d | E_1 | ... | E_q ]        (columns in any order)

where E_f is the one-hot indicator of g_f without its reference level.  Nothing here ever stores E_f: the
products the IRLS engine needs are computed from the codes.  An interaction of factors coded so (``a:b``)
is a factor too, over the combined levels.  A factor may also carry *values* v (a factor by numeric
interaction ``g:x``, v = x): its columns are then E_f scaled row by row, diag(v) E_f, still one non-zero per
row, and every product below takes v (or v^2) as a weight.

* X beta = X_d beta_d + beta_0 + sum_f v_f beta_f[code_f]     (a lookup per factor);
* X'WX has the blocks
      1'W1 = sum w,   1'W X_d = w'X_d,   X_d'W X_d (BLAS on row blocks),
      E_f'W E_f = diag(bincount(code_f, w v_f^2))              (diagonal),
      E_f'W X_d = grouped sums of w v_f x_j by code_f,
      E_f'W E_g = bincount of the combined codes (code_f, code_g), weights w v_f v_g -- or, when f's level
                  implies g's (g in g:x or g:h, ``Factor.parts``), a bincount of code_f alone;
* X'W r likewise (bincount of w v r by code).

Factors without values whose level counts multiply to at most ``CELL_LIMIT`` are *grouped*
(:mod:`glmstat.design.factor_groups`): one combined cell code per group and row, so a pass computes the grouped
sums of the numeric columns once per group (one bincount per numeric column) and every factor and factor-pair
block of the group is a marginal of the small cell table (:mod:`glmstat.design.structured_gram`).  A factor with
values is a group of its own.

It implements :class:`~glmstat.design.base.Design`: every product is formed from the codes, and only
``toarray()`` (asked for explicitly) makes the dense matrix.  All sums are accumulated in float64.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .base import SMALL_CELLS, Design
from .factor_groups import CELL_LIMIT, Factor, FactorGroup, cell_codes, factor_groups, nested_pairs
from .structured_gram import StructuredGram

__all__ = ["Factor", "StructuredDesign", "StructuredGram", "CELL_LIMIT"]

#: A factor with this many design columns makes X'WX worth solving through its diagonal block: a dense
#: Cholesky factorisation of p x p costs p^3 / 3 per iteration (40 s for 5,000 levels on one core), the
#: block solve (k + m) m^2 for k factor and m other columns.  Measured with 4 other columns (dposvx's
#: equilibration, condition estimate and refinement in both): 30 levels 0.020 ms dense against 0.055 ms by
#: blocks, 100 levels 0.12 against 0.058, 300 levels 1.15 against 0.068 ms -- a profile's refits of a
#: 300-level factor spent a fifth of their time in the dense factorisations.
DIAGONAL_SOLVE_COLUMNS = 64


class StructuredDesign(Design):
    """The design ``X`` (n x p) as an optional intercept column, a dense numeric block and factors.

    Parameters
    ----------
    n_cols : int
        Number of design columns p.
    intercept : int or None
        Column index of the intercept, if any.
    dense : ndarray (n, k) or None
        Numeric columns (float64; Fortran order is fastest).
    dense_cols : sequence of int
        Column index of each numeric column.
    factors : sequence of Factor
    n_rows : int, optional
        Needed only when there is neither a dense block nor a factor.
    groups, cells, nested : optional
        A design of the same factors' (its row views share them); else computed from ``factors``.

    Attributes
    ----------
    groups : tuple of FactorGroup
        The factors that share a table of cell sums (:func:`~glmstat.design.factor_groups.factor_groups`).
    cells : tuple of ndarray
        Per group, each row's cell.
    group_values : tuple of ndarray or None
        Per group, its factor's values (a factor with values is a group of its own), else None.
    nested : dict
        ``(a, b) -> (fine, coarse, level map)`` for the pairs of factors one of which implies the other's level.
    """

    def __init__(self, n_cols: int, intercept: int | None, dense: np.ndarray | None,
                 dense_cols: Sequence[int], factors: Sequence[Factor] = (), n_rows: int | None = None,
                 groups: tuple[FactorGroup, ...] | None = None, cells: tuple[np.ndarray, ...] | None = None,
                 nested: dict[tuple[int, int], tuple[int, int, np.ndarray]] | None = None) -> None:
        self.n_cols = int(n_cols)
        self.intercept = None if intercept is None else int(intercept)
        self.dense = None if dense is None or dense.shape[1] == 0 else dense
        self.dense_cols = np.asarray(dense_cols, dtype=np.intp)
        if self.dense is None:
            self.dense_cols = self.dense_cols[:0]
        self.factors = tuple(factors)
        if self.dense is not None:
            n = self.dense.shape[0]
        elif self.factors:
            n = self.factors[0].codes.shape[0]
        else:
            if n_rows is None:
                raise ValueError("n_rows is needed for a design without numeric columns or factors")
            n = int(n_rows)
        self.n_rows = int(n)
        if groups is None:
            groups = factor_groups([f.n_levels for f in self.factors],
                                   [f.values is not None for f in self.factors]) if self.factors else ()
        self.groups = groups
        self.cells = tuple(cell_codes(g, self.factors) for g in groups) if cells is None else cells
        # per group: its factor's values (a factor with values is a group of its own), or None
        self.group_values = tuple(self.factors[g.members[0]].values if len(g.members) == 1 else None
                                  for g in groups)
        # pairs of factors one of which implies the other's level (g and g:x, g and g:h): a sparse block of
        # X'WX, one entry per level of the finer, not a table of L_a L_b cells
        self.nested = nested_pairs(self.factors) if nested is None else nested

    def __repr__(self) -> str:
        k = 0 if self.dense is None else self.dense.shape[1]
        return (f"<StructuredDesign {self.n_rows} x {self.n_cols}: intercept={self.intercept is not None}, "
                f"{k} numeric, factors {[f.n_levels for f in self.factors]}>")

    @property
    def nbytes(self) -> int:
        """(an upper bound: a cell code that is a factor's own codes is counted twice)"""
        arrays = [self.dense] if self.dense is not None else []
        arrays += [a for f in self.factors for a in (f.codes, f.columns, f.values) if a is not None]
        arrays += list(self.cells)
        return int(sum(a.nbytes for a in arrays))

    def rows(self, start: int, stop: int) -> "StructuredDesign":
        """The rows start..stop-1 as a view (no copy)."""
        s = slice(start, stop)
        return StructuredDesign(
            self.n_cols, self.intercept, None if self.dense is None else self.dense[s], self.dense_cols,
            tuple(f.rows(s) for f in self.factors),
            n_rows=max(0, min(stop, self.n_rows) - start), groups=self.groups, nested=self.nested,
            cells=tuple(c[s] for c in self.cells),
        )

    def _dense_columns(self, cols: np.ndarray) -> np.ndarray:
        """The dense n x len(cols) columns ``cols`` (C order): the intercept, the numeric block and each
        factor's indicators (or values) written into zeros."""
        cols = np.atleast_1d(np.asarray(cols, dtype=np.intp))
        out = np.zeros((self.n_rows, cols.size))
        at = np.full(self.n_cols, -1, dtype=np.intp)  # each design column's place in out (-1: not asked for)
        at[cols] = np.arange(cols.size)
        if self.intercept is not None and at[self.intercept] >= 0:
            out[:, at[self.intercept]] = 1.0
        if self.dense is not None:
            to = at[self.dense_cols]
            asked = to >= 0
            out[:, to[asked]] = self.dense[:, asked]
        for f in self.factors:
            target = f.columns[f.codes]  # each row's column (-1: the reference level, which has none)
            rows = np.flatnonzero(target >= 0)
            place = at[target[rows]]
            asked = place >= 0
            out[rows[asked], place[asked]] = 1.0 if f.values is None else f.values[rows[asked]]
        return out

    def toarray(self) -> np.ndarray:
        """The dense n x p design (C order): :meth:`_dense_columns` of every column, each in its own place
        (no map of the columns asked for: a small design is fitted from this copy, made in every fit)."""
        out = np.zeros((self.n_rows, self.n_cols))
        if self.intercept is not None:
            out[:, self.intercept] = 1.0
        if self.dense is not None:
            out[:, self.dense_cols] = self.dense
        for f in self.factors:
            target = f.columns[f.codes]  # each row's column (-1: the reference level, which has none)
            rows = np.flatnonzero(target >= 0)
            out[rows, target[rows]] = 1.0 if f.values is None else f.values[rows]
        return out

    def tosparse(self):
        """The n x p design as a scipy CSR matrix, from the codes: the intercept, the numeric columns and one
        entry per factor and row (none at a level without a column)."""
        from .._scipy import sparse

        n, at = self.n_rows, np.arange(self.n_rows)
        rows, cols, vals = [], [], []
        if self.intercept is not None:
            rows.append(at)
            cols.append(np.full(n, self.intercept))
            vals.append(np.ones(n))
        if self.dense is not None:
            for j, c in enumerate(self.dense_cols):
                rows.append(at)
                cols.append(np.full(n, c))
                vals.append(self.dense[:, j])
        for f in self.factors:
            target = f.columns[f.codes]
            has = np.flatnonzero(target >= 0)
            rows.append(has)
            cols.append(target[has])
            vals.append(np.ones(has.size) if f.values is None else f.values[has])
        if not rows:
            return sparse.csr_matrix((n, self.n_cols))
        return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                 shape=(n, self.n_cols))

    # -- products ------------------------------------------------------------------------------
    def _cell_lookup(self, beta: np.ndarray) -> list[np.ndarray]:
        """Per group: the sum of the members' coefficients for each cell."""
        out = []
        for g in self.groups:
            lut = np.zeros(g.n_cells)
            for f, lev in zip(g.members, g.level_of_cell):
                cols = self.factors[f].columns
                b = np.where(cols >= 0, beta[np.maximum(cols, 0)], 0.0)
                lut += b[lev]
            out.append(lut)
        return out

    def matvec(self, beta: np.ndarray, luts: list[np.ndarray] | None = None) -> np.ndarray:
        """X beta."""
        beta = np.asarray(beta, dtype=float)
        if self.dense is not None:
            eta = self.dense @ beta[self.dense_cols]
        else:
            eta = np.zeros(self.n_rows)
        if self.intercept is not None:
            eta += beta[self.intercept]
        luts = self._cell_lookup(beta) if luts is None else luts
        for lut, cell, v in zip(luts, self.cells, self.group_values):
            eta += lut[cell] if v is None else lut[cell] * v
        return eta

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        """X' v."""
        return self._rmatvec(v, absolute=False)

    def abs_rmatvec(self, v: np.ndarray) -> np.ndarray:
        """|X|' v (the intercept and factor indicators are their own absolute values)."""
        return self._rmatvec(v, absolute=True)

    def _rmatvec(self, v: np.ndarray, absolute: bool) -> np.ndarray:
        out = np.zeros(self.n_cols)
        if self.intercept is not None:
            out[self.intercept] = v.sum()
        if self.dense is not None:
            out[self.dense_cols] = (np.abs(self.dense) if absolute else self.dense).T @ v
        for f in self.factors:
            t = v * np.abs(f.values) if absolute and f.values is not None else f.weighted(v)
            s = np.bincount(f.codes, t, minlength=f.n_levels)
            ok = f.columns >= 0
            out[f.columns[ok]] = s[ok]
        return out

    def factor(self, i: int) -> Factor:
        return self.factors[i]

    def dense_columns(self, cols: Sequence[int]) -> np.ndarray:
        return self._dense_columns(np.asarray(cols, dtype=np.intp))

    def numeric_block(self) -> tuple[np.ndarray, np.ndarray]:
        return self.dense_cols, (np.zeros((self.n_rows, 0)) if self.dense is None else self.dense)

    def with_numeric_block(self, block: np.ndarray) -> "StructuredDesign":
        return StructuredDesign(self.n_cols, self.intercept, np.asfortranarray(block), self.dense_cols,
                                self.factors, n_rows=self.n_rows, groups=self.groups, cells=self.cells,
                                nested=self.nested)

    def widest_factor(self, min_columns: int) -> int | None:
        """Index of the factor with the most design columns (the first of equals), if at least ``min_columns``
        (with or without values: either way its columns have disjoint supports)."""
        best, width = None, min_columns - 1
        for i, f in enumerate(self.factors):
            k = int(np.count_nonzero(f.columns >= 0))
            if k > width:
                best, width = i, k
        return best

    def diagonal_columns(self) -> np.ndarray | None:
        """The design columns of the factor with the most of them, if at least ``DIAGONAL_SOLVE_COLUMNS``."""
        i = self.widest_factor(DIAGONAL_SOLVE_COLUMNS)
        if i is None:
            return None
        cols = self.factors[i].columns
        return cols[cols >= 0]

    def column_abs_max(self) -> np.ndarray:
        """max_i |x_ij| for every column, without densifying."""
        out = np.zeros(self.n_cols)
        if self.n_rows == 0:
            return out
        if self.intercept is not None:
            out[self.intercept] = 1.0
        if self.dense is not None:
            d = self.dense
            # (small blocks: two calls on a copy |d|; large ones: no copy of the rows)
            out[self.dense_cols] = (np.maximum.reduce(np.abs(d), axis=0) if d.size <= SMALL_CELLS
                                    else np.maximum(np.abs(d.max(axis=0)), np.abs(d.min(axis=0))))
        for f in self.factors:
            if f.values is None:
                top = (np.bincount(f.codes, minlength=f.n_levels) > 0).astype(float)
            else:
                top = np.zeros(f.n_levels)
                np.maximum.at(top, f.codes, np.abs(f.values))
            ok = f.columns >= 0
            out[f.columns[ok]] = top[ok]
        return out

    def quadratic_diag(self, C: np.ndarray, block_rows: int = 4096) -> np.ndarray:
        """q_i = x_i' C x_i for every row (C: p x p, symmetric), without forming X; see
        :meth:`quadratic_form`."""
        q_of = self.quadratic_form(C)
        out = np.empty(self.n_rows)
        for start in range(0, self.n_rows, block_rows):
            stop = min(self.n_rows, start + block_rows)
            out[start:stop] = q_of(self.rows(start, stop))
        return out

    def quadratic_form(self, C: np.ndarray):
        """A function of a row block of this design giving q_i = x_i' C x_i for its rows.

        With the blocks of C by column kind (intercept 0, numeric d, factor levels), a row with numeric
        values x_d and cell c has q = C_00 + x_d' (C_dd x_d + 2 (C_0d + v_c)) + k_c, where per cell
        v_c = sum_f C_{d, f(c)} and k_c = sum_f (C_{f(c) f(c)} + 2 C_{0 f(c)}) + 2 sum_{f<g} C_{f(c) g(c)}
        over the group's factors, plus 2 C_{f(c) g(c)} for pairs of factors in different groups.  A factor
        with values t (its own group) adds t^2 C_{f(c) f(c)} + 2 t C_{0 f(c)} and t v_c, and a pair's term is
        scaled by the product of the two factors' values.
        """
        p = self.n_cols
        Cz = np.zeros((p + 1, p + 1))  # index -1 (a reference level, or no intercept) reads a zero
        Cz[:p, :p] = C
        i0 = p if self.intercept is None else self.intercept
        dc = self.dense_cols
        cdd = Cz[np.ix_(dc, dc)]
        c0d = Cz[i0, dc]
        consts, lins, vecs = [], [], []
        for g, values in zip(self.groups, self.group_values):
            const = np.zeros(g.n_cells)
            vec = np.zeros((g.n_cells, dc.size))
            cols = [self.factors[f].columns[lev] for f, lev in zip(g.members, g.level_of_cell)]
            for a, ca in enumerate(cols):
                const += Cz[ca, ca]
                if values is None:
                    const += 2 * Cz[i0, ca]
                if dc.size:
                    vec += Cz[np.ix_(ca, dc)]
                for cb in cols[a + 1:]:
                    const += 2 * Cz[ca, cb]
            consts.append(const)
            lins.append(None if values is None else 2 * Cz[i0, cols[0]])  # (the term linear in the values)
            vecs.append(2 * vec)
        gid = {f: gi for gi, g in enumerate(self.groups) for f in g.members}
        cross = []
        nf = len(self.factors)
        for a in range(nf):
            for b in range(a + 1, nf):
                if gid[a] != gid[b]:
                    fa, fb = self.factors[a], self.factors[b]
                    if (a, b) in self.nested:  # (a row's two columns are given by its fine level)
                        fine, coarse, lmap = self.nested[(a, b)]
                        cross.append((fine, coarse, 2 * Cz[self.factors[coarse].columns[lmap],
                                                           self.factors[fine].columns]))
                    else:
                        cross.append((a, b, 2 * Cz[np.ix_(fa.columns, fb.columns)]))
        c00 = Cz[i0, i0]

        def q_of(blk: "StructuredDesign") -> np.ndarray:
            q = np.full(blk.n_rows, c00)
            M = None
            if dc.size:
                D = blk.dense
                M = D @ cdd
                M += 2 * c0d
            for const, lin, vec2, cell, t in zip(consts, lins, vecs, blk.cells, blk.group_values):
                if t is None:
                    q += np.take(const, cell)
                    if M is not None:
                        M += np.take(vec2, cell, axis=0)
                else:
                    q += (np.take(const, cell) * t + np.take(lin, cell)) * t
                    if M is not None:
                        M += np.take(vec2, cell, axis=0) * t[:, None]
            if M is not None:
                q += np.einsum("ij,ij->i", D, M)
            for a, b, M2 in cross:
                fa, fb = blk.factors[a], blk.factors[b]
                term = M2[fa.codes] if M2.ndim == 1 else M2[fa.codes, fb.codes]
                if fa.values is not None:
                    term *= fa.values
                if fb.values is not None:
                    term *= fb.values
                q += term
            return q

        return q_of

    def gram(self, w: np.ndarray) -> np.ndarray:
        """X'WX from the codes (weighted bincounts), never the dense design."""
        acc = StructuredGram(self)
        acc.add(self, w, np.zeros_like(w))
        return acc.gram

    def gram_score(self, w: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X'WX and X'W r in one pass."""
        sums = self.gram_sums(w, r)
        return sums.gram, sums.score

    def gram_sums(self, w: np.ndarray, r: np.ndarray) -> "StructuredGram":
        """X'WX and X'W r as the factors' sums by level (see :class:`StructuredGram`): the sums of blocks add
        level by level, and the p x p matrix is assembled once."""
        acc = StructuredGram(self)
        acc.add(self, w, r)
        return acc

    def matmat(self, M: np.ndarray) -> np.ndarray:
        """X M: the numeric block's product plus, per factor, the rows of M looked up by the codes (a block's
        rows of M gathered, no copy of M: with a wide factor M is p x p, larger than a block of rows)."""
        M = np.asarray(M, dtype=float)
        k = M.shape[1]
        out = np.zeros((self.n_rows, k)) if self.dense is None else self.dense @ M[self.dense_cols]
        if self.intercept is not None:
            out += M[self.intercept]
        rows = np.empty_like(out) if self.factors else None  # (one buffer for every factor's rows of M)
        for f in self.factors:
            target = f.columns[f.codes]  # each row's column (-1: the reference level, which has none)
            has = target >= 0
            np.take(M, np.where(has, target, 0), axis=0, out=rows, mode="clip")  # ("raise" would buffer out)
            rows[~has] = 0.0
            if f.values is not None:
                rows *= f.values[:, None]
            out += rows
        return out

    def group_rmatvec(self, v: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """Per group g, sum of v_i x_i over its rows: bincounts of v (times each numeric column) by group,
        and by (group, level) for each factor."""
        G = int(n_groups)
        out = np.zeros((G, self.n_cols))
        if self.intercept is not None:
            out[:, self.intercept] = np.bincount(groups, v, minlength=G)
        for j, c in enumerate(self.dense_cols):
            out[:, c] = np.bincount(groups, v * self.dense[:, j], minlength=G)
        for f in self.factors:
            L = f.n_levels
            cell = groups.astype(np.int64) * L + f.codes
            sums = np.bincount(cell, f.weighted(v), minlength=G * L).reshape(G, L)
            ok = f.columns >= 0
            out[:, f.columns[ok]] = sums[:, ok]
        return out

    def column(self, j: int) -> np.ndarray:
        """Column j: ones, a numeric column, or a factor level's indicator (times the factor's values)."""
        j = int(j)
        if self.intercept == j:
            return np.ones(self.n_rows)
        hit = np.flatnonzero(self.dense_cols == j)
        if hit.size:
            return np.array(self.dense[:, hit[0]])
        for f in self.factors:
            level = np.flatnonzero(f.columns == j)
            if level.size:
                ind = (f.codes == level[0]).astype(float)
                return ind if f.values is None else ind * f.values
        raise IndexError(f"column {j} of a {self.n_cols}-column design")

    def select(self, cols: Sequence[int]) -> "StructuredDesign":
        """The columns ``cols`` in that order; a factor level whose column is left out reads as the
        reference (all zeros), so the factor stays codes."""
        cols = np.asarray(cols, dtype=np.intp)
        new = np.full(self.n_cols + 1, -1, dtype=np.intp)  # old column -> new column (-1: dropped)
        new[cols] = np.arange(cols.size)
        intercept = None if self.intercept is None or new[self.intercept] < 0 else int(new[self.intercept])
        keep = new[self.dense_cols] >= 0 if self.dense is not None else np.zeros(0, dtype=bool)
        dense = None
        dense_cols = np.zeros(0, dtype=np.intp)
        if keep.any():
            dense = self.dense if keep.all() else np.asfortranarray(self.dense[:, keep])
            dense_cols = new[self.dense_cols[keep]]
        factors = []
        for f in self.factors:
            colmap = np.where(f.columns >= 0, new[f.columns], -1)
            if np.any(colmap >= 0):
                factors.append(Factor(f.codes, colmap, f.values, f.parts))
        return StructuredDesign(cols.size, intercept, dense, dense_cols, factors, n_rows=self.n_rows)

    def take(self, rows: np.ndarray) -> "StructuredDesign":
        """The rows at positions ``rows``."""
        rows = np.asarray(rows, dtype=np.intp)
        return StructuredDesign(
            self.n_cols, self.intercept, None if self.dense is None else np.asfortranarray(self.dense[rows]),
            self.dense_cols, tuple(f.rows(rows) for f in self.factors), n_rows=rows.size,
            groups=self.groups, cells=tuple(c[rows] for c in self.cells), nested=self.nested,
        )

    def _same_structure(self, other: Design) -> bool:
        """``other`` is a structured design of the same columns, dense columns and factors (codes aside)."""
        if not isinstance(other, StructuredDesign):
            return False
        return (other.n_cols == self.n_cols and other.intercept == self.intercept
                and np.array_equal(other.dense_cols, self.dense_cols) and len(other.factors) == len(self.factors)
                and all(np.array_equal(f.columns, g.columns) and (f.values is None) == (g.values is None)
                        and f.parts == g.parts for f, g in zip(self.factors, other.factors)))

    def stack(self, others: Sequence[Design]) -> "StructuredDesign":
        """The dense blocks, the factors' codes (and values) and the cell codes each concatenated: the same
        structure (its groups of factors and nested pairs shared), n_1 + ... + n_k rows."""
        for o in others:
            if not self._same_structure(o):
                raise ValueError(f"cannot stack {o!r} under {self!r}: another kind, other columns or other factors")
        parts = (self, *others)
        dense = None if self.dense is None else np.asfortranarray(np.concatenate([d.dense for d in parts]))
        factors = tuple(Factor(np.concatenate([d.factors[i].codes for d in parts]), f.columns,
                               None if f.values is None else np.concatenate([d.factors[i].values for d in parts]),
                               f.parts) for i, f in enumerate(self.factors))
        cells = tuple(np.concatenate([d.cells[k] for d in parts]) for k in range(len(self.cells)))
        return StructuredDesign(self.n_cols, self.intercept, dense, self.dense_cols, factors,
                                n_rows=sum(d.n_rows for d in parts), groups=self.groups, cells=cells,
                                nested=self.nested)
