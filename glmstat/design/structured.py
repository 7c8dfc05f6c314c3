"""A structured design matrix: numeric columns kept dense, factors kept as integer codes.

A model with an intercept, k numeric columns and factors g_1..g_q (treatment coding) has the design

    X = [ 1 | X_d | E_1 | ... | E_q ]        (columns in any order)

where E_f is the one-hot indicator of g_f without its reference level.  Nothing here ever stores E_f: the
products the IRLS engine needs are computed from the codes.

* X beta = X_d beta_d + beta_0 + sum_f beta_f[code_f]     (a lookup per factor);
* X'WX has the blocks
      1'W1 = sum w,   1'W X_d = w'X_d,   X_d'W X_d (BLAS on row blocks),
      E_f'W E_f = diag(bincount(code_f, w))                  (diagonal),
      E_f'W X_d = grouped sums of w x_j by code_f,
      E_f'W E_g = bincount of the combined codes (code_f, code_g);
* X'W r likewise (bincount of w r by code).

Factors whose level counts multiply to at most ``CELL_LIMIT`` are *grouped*: one combined cell code per
group and row, so a pass computes the grouped sums of the numeric columns once per group (one bincount per
numeric column) and every factor and factor-pair block of the group is a marginal of the small cell table.

The class quacks like the dense ndarray it stands for where the engine and the results need it:
``shape``, ``X @ beta``, row slicing ``X[a:b]``, ``X[:, cols]`` (dense), ``toarray()`` and ``np.asarray(X)``.
All sums are accumulated in float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["Factor", "StructuredDesign", "StructuredGram", "CELL_LIMIT", "LazyDense", "design_of", "engine_design"]

#: Largest number of combined cells for which factors share one grouped-sum table.
CELL_LIMIT = 4096


@dataclass(frozen=True)
class Factor:
    """A factor: ``codes`` (one integer level per row, 0..L-1) and ``columns``, the design column of each
    level (-1 for the reference level, which has no column)."""

    codes: np.ndarray
    columns: np.ndarray

    @property
    def n_levels(self) -> int:
        return int(self.columns.shape[0])


@dataclass(frozen=True)
class _Group:
    """Factors that share a cell code: ``cell = sum_f code_f * stride_f``."""

    members: tuple[int, ...]  # indices into the design's factors
    strides: tuple[int, ...]
    n_cells: int
    level_of_cell: tuple[np.ndarray, ...]  # per member: the member's level of each cell


def _make_groups(levels: Sequence[int]) -> tuple[_Group, ...]:
    groups: list[list[int]] = []
    sizes: list[int] = []
    for f, L in enumerate(levels):
        for g, size in enumerate(sizes):
            if size * L <= CELL_LIMIT:
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
        out.append(_Group(tuple(members), tuple(strides), size, lev))
    return tuple(out)


class StructuredDesign:
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
    """

    __array_priority__ = 100  # so that ``beta @ X``-style mixes defer to us

    def __init__(self, n_cols: int, intercept: int | None, dense: np.ndarray | None,
                 dense_cols: Sequence[int], factors: Sequence[Factor] = (), n_rows: int | None = None,
                 _groups: tuple[_Group, ...] | None = None, _cells: tuple[np.ndarray, ...] | None = None) -> None:
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
        if _groups is None:
            _groups = _make_groups([f.n_levels for f in self.factors])
        self._groups = _groups
        if _cells is None:
            _cells = tuple(self._cell_codes(g) for g in _groups)
        self._cells = _cells

    def _cell_codes(self, g: _Group) -> np.ndarray:
        if len(g.members) == 1:
            return self.factors[g.members[0]].codes.astype(np.intp, copy=False)
        cell = None
        for f, st in zip(g.members, g.strides):
            c = self.factors[f].codes
            if cell is None:
                cell = c.astype(np.intp) * st  # a new array: the codes themselves are never modified
            else:
                cell += c.astype(np.intp) * st if st != 1 else c
        return cell

    # -- ndarray-like --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_rows, self.n_cols)

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self):
        return np.dtype(float)

    def __len__(self) -> int:
        return self.n_rows

    def __repr__(self) -> str:
        k = 0 if self.dense is None else self.dense.shape[1]
        return (f"<StructuredDesign {self.n_rows} x {self.n_cols}: intercept={self.intercept is not None}, "
                f"{k} numeric, factors {[f.n_levels for f in self.factors]}>")

    def rows(self, start: int, stop: int) -> "StructuredDesign":
        """The rows start..stop-1 as a view (no copy)."""
        s = slice(start, stop)
        return StructuredDesign(
            self.n_cols, self.intercept, None if self.dense is None else self.dense[s], self.dense_cols,
            tuple(Factor(f.codes[s], f.columns) for f in self.factors),
            n_rows=max(0, min(stop, self.n_rows) - start), _groups=self._groups,
            _cells=tuple(c[s] for c in self._cells),
        )

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            start, stop, _ = key.indices(self.n_rows)
            return self.rows(start, stop)
        if isinstance(key, tuple) and len(key) == 2:
            rows, cols = key
            return self._dense_columns(np.arange(self.n_cols)[cols])[rows]
        return self.toarray()[key]

    def _dense_columns(self, cols: np.ndarray) -> np.ndarray:
        cols = np.atleast_1d(np.asarray(cols, dtype=np.intp))
        out = np.zeros((self.n_rows, cols.size))
        where = {int(c): i for i, c in enumerate(cols)}
        if self.intercept is not None and self.intercept in where:
            out[:, where[self.intercept]] = 1.0
        for j, c in enumerate(self.dense_cols):
            if int(c) in where:
                out[:, where[int(c)]] = self.dense[:, j]
        rows = np.arange(self.n_rows)
        for f in self.factors:
            pos = np.array([where.get(int(c), -1) if c >= 0 else -1 for c in f.columns], dtype=np.intp)
            if np.all(pos < 0):
                continue
            target = pos[f.codes]
            ok = target >= 0
            out[rows[ok], target[ok]] = 1.0
        return out

    def toarray(self) -> np.ndarray:
        """The dense n x p design (C order)."""
        return np.ascontiguousarray(self._dense_columns(np.arange(self.n_cols)))

    def __array__(self, dtype=None, copy=None):
        a = self.toarray()
        return a if dtype is None else a.astype(dtype)

    # Anything else an ndarray offers (``X.T``, ``X * w[:, None]``, ``X.sum(0)``...) works on the dense
    # design, made on demand: code written for dense designs keeps working, only slower on huge data.
    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.toarray(), name)

    def __mul__(self, other):
        return self.toarray() * other

    def __rmul__(self, other):
        return other * self.toarray()

    def __truediv__(self, other):
        return self.toarray() / other

    def __add__(self, other):
        return self.toarray() + other

    def __radd__(self, other):
        return other + self.toarray()

    def __sub__(self, other):
        return self.toarray() - other

    def __rsub__(self, other):
        return other - self.toarray()

    def __rmatmul__(self, other):
        return np.asarray(other) @ self.toarray()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = tuple(x.toarray() if isinstance(x, StructuredDesign) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    # -- products ------------------------------------------------------------------------------
    def _cell_lookup(self, beta: np.ndarray) -> list[np.ndarray]:
        """Per group: the sum of the members' coefficients for each cell."""
        out = []
        for g in self._groups:
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
        for lut, cell in zip(self._cell_lookup(beta) if luts is None else luts, self._cells):
            eta += lut[cell]
        return eta

    def __matmul__(self, other):
        other = np.asarray(other, dtype=float)
        if other.ndim == 1:
            return self.matvec(other)
        return np.column_stack([self.matvec(other[:, j]) for j in range(other.shape[1])])

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        """X' v."""
        out = np.zeros(self.n_cols)
        if self.intercept is not None:
            out[self.intercept] = v.sum()
        if self.dense is not None:
            out[self.dense_cols] = self.dense.T @ v
        for f in self.factors:
            s = np.bincount(f.codes, v, minlength=f.n_levels)
            ok = f.columns >= 0
            out[f.columns[ok]] = s[ok]
        return out

    def abs_rmatvec(self, v: np.ndarray) -> np.ndarray:
        """|X|' v (the intercept and factor indicators are their own absolute values)."""
        out = self.rmatvec(v)
        if self.dense is not None:
            out[self.dense_cols] = np.abs(self.dense).T @ v
        return out

    def column_abs_max(self) -> np.ndarray:
        """max_i |x_ij| for every column, without densifying."""
        out = np.zeros(self.n_cols)
        if self.n_rows == 0:
            return out
        if self.intercept is not None:
            out[self.intercept] = 1.0
        if self.dense is not None:
            out[self.dense_cols] = np.maximum(np.abs(self.dense.max(axis=0)), np.abs(self.dense.min(axis=0)))
        for f in self.factors:
            present = np.bincount(f.codes, minlength=f.n_levels) > 0
            ok = f.columns >= 0
            out[f.columns[ok]] = present[ok]
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
        over the group's factors, plus 2 C_{f(c) g(c)} for pairs of factors in different groups.
        """
        p = self.n_cols
        Cz = np.zeros((p + 1, p + 1))  # index -1 (a reference level, or no intercept) reads a zero
        Cz[:p, :p] = np.nan_to_num(C)
        i0 = p if self.intercept is None else self.intercept
        dc = self.dense_cols
        cdd = Cz[np.ix_(dc, dc)]
        c0d = Cz[i0, dc]
        consts, vecs = [], []
        for g in self._groups:
            const = np.zeros(g.n_cells)
            vec = np.zeros((g.n_cells, dc.size))
            cols = [self.factors[f].columns[lev] for f, lev in zip(g.members, g.level_of_cell)]
            for a, ca in enumerate(cols):
                const += Cz[ca, ca] + 2 * Cz[i0, ca]
                if dc.size:
                    vec += Cz[np.ix_(ca, dc)]
                for cb in cols[a + 1:]:
                    const += 2 * Cz[ca, cb]
            consts.append(const)
            vecs.append(2 * vec)
        gid = {f: gi for gi, g in enumerate(self._groups) for f in g.members}
        cross = []
        nf = len(self.factors)
        for a in range(nf):
            for b in range(a + 1, nf):
                if gid[a] != gid[b]:
                    fa, fb = self.factors[a], self.factors[b]
                    cross.append((a, b, 2 * Cz[np.ix_(fa.columns, fb.columns)]))
        c00 = Cz[i0, i0]

        def q_of(blk: "StructuredDesign") -> np.ndarray:
            q = np.full(blk.n_rows, c00)
            M = None
            if dc.size:
                D = blk.dense
                M = D @ cdd
                M += 2 * c0d
            for const, vec2, cell in zip(consts, vecs, blk._cells):
                q += np.take(const, cell)
                if M is not None:
                    M += np.take(vec2, cell, axis=0)
            if M is not None:
                q += np.einsum("ij,ij->i", D, M)
            for a, b, M2 in cross:
                q += M2[blk.factors[a].codes, blk.factors[b].codes]
            return q

        return q_of

    def weighted_gram(self, w: np.ndarray, r: np.ndarray | None = None):
        """X'WX (and X'W r when ``r`` is given) in one pass."""
        acc = StructuredGram(self)
        acc.add(self, w, np.zeros_like(w) if r is None else r)
        return acc.gram if r is None else (acc.gram, acc.score)


class StructuredGram:
    """Accumulates X'WX and X'W r of a structured design over row blocks; ``gram`` and ``score`` assemble
    the p x p matrix and p-vector from the block sums on request."""

    def __init__(self, design: StructuredDesign) -> None:
        self.p = design.n_cols
        self.intercept = design.intercept
        self.dense_cols = design.dense_cols
        self.factors = tuple(f.columns for f in design.factors)
        self.levels = tuple(f.n_levels for f in design.factors)
        self.groups = design._groups
        k = self.dense_cols.size
        self.sw = 0.0
        self.swr = 0.0
        self.dd = np.zeros((k, k))
        self.d1 = np.zeros(k)  # w'X_d
        self.ud = np.zeros(k)  # X_d' w r
        self.cell_w = [np.zeros(g.n_cells) for g in self.groups]
        self.cell_wr = [np.zeros(g.n_cells) for g in self.groups]
        self.cell_d = [np.zeros((g.n_cells, k)) for g in self.groups]
        # pairs of factors in different groups: combined-code bincounts per block
        self.cross: dict[tuple[int, int], np.ndarray] = {}
        gid = {}
        for gi, g in enumerate(self.groups):
            for f in g.members:
                gid[f] = gi
        self.gid = gid
        nf = len(self.factors)
        for a in range(nf):
            for b in range(a + 1, nf):
                if gid[a] != gid[b]:
                    self.cross[(a, b)] = np.zeros(self.levels[a] * self.levels[b])
        self._marg = None

    def add(self, X: StructuredDesign, w: np.ndarray, r: np.ndarray) -> None:
        self._marg = None
        wr = w * r
        self.sw += float(w.sum())
        self.swr += float(wr.sum())
        D = X.dense
        B = None
        if D is not None:
            if self.groups:
                B = np.multiply(D, w[:, None], order="F")
                self.dd += D.T @ B
                self.d1 += B.sum(axis=0)
            else:
                A = np.multiply(D, np.sqrt(w)[:, None], order="F")
                self.dd += A.T @ A
                self.d1 += w @ D
            self.ud += D.T @ wr
        for gi, (g, cell) in enumerate(zip(self.groups, X._cells)):
            C = g.n_cells
            self.cell_w[gi] += np.bincount(cell, w, minlength=C)
            self.cell_wr[gi] += np.bincount(cell, wr, minlength=C)
            if B is not None:
                cd = self.cell_d[gi]
                for j in range(B.shape[1]):
                    cd[:, j] += np.bincount(cell, B[:, j], minlength=C)
        for (a, b), acc in self.cross.items():
            La, Lb = self.levels[a], self.levels[b]
            code = X.factors[a].codes.astype(np.int64) * Lb + X.factors[b].codes
            acc += np.bincount(code, w, minlength=La * Lb)

    def _marginals(self):
        """Per factor: level sums of w, w r and w X_d; per same-group pair: the level-by-level sums of w."""
        if self._marg is None:
            self._marg = self._compute_marginals()
        return self._marg

    def _compute_marginals(self):
        lw, lwr, ld, pair = {}, {}, {}, {}
        for gi, g in enumerate(self.groups):
            if len(g.members) == 1:  # the cells are the levels
                f = g.members[0]
                lw[f], lwr[f], ld[f] = self.cell_w[gi], self.cell_wr[gi], self.cell_d[gi]
                continue
            for f, lev in zip(g.members, g.level_of_cell):
                L = self.levels[f]
                lw[f] = np.bincount(lev, self.cell_w[gi], minlength=L)
                lwr[f] = np.bincount(lev, self.cell_wr[gi], minlength=L)
                M = np.zeros((L, g.n_cells))
                M[lev, np.arange(g.n_cells)] = 1.0
                ld[f] = M @ self.cell_d[gi]
            for ia, a in enumerate(g.members):
                for ib in range(ia + 1, len(g.members)):
                    b = g.members[ib]
                    la, lb = g.level_of_cell[ia], g.level_of_cell[ib]
                    pair[(a, b)] = np.bincount(la * self.levels[b] + lb, self.cell_w[gi],
                                               minlength=self.levels[a] * self.levels[b]).reshape(
                        self.levels[a], self.levels[b])
        for (a, b), acc in self.cross.items():
            pair[(a, b)] = acc.reshape(self.levels[a], self.levels[b])
        return lw, lwr, ld, pair

    @property
    def gram(self) -> np.ndarray:
        p, i0, dc = self.p, self.intercept, self.dense_cols
        G = np.zeros((p, p))
        dd = (self.dd + self.dd.T) / 2  # exactly symmetric (the grouped path uses gemm, not syrk)
        G[np.ix_(dc, dc)] = dd
        if i0 is not None:
            G[i0, i0] = self.sw
            G[i0, dc] = self.d1
            G[dc, i0] = self.d1
        lw, _, ld, pair = self._marginals()
        for f, cols in enumerate(self.factors):
            ok = cols >= 0
            c = cols[ok]
            G[c, c] = lw[f][ok]
            if i0 is not None:
                G[i0, c] = lw[f][ok]
                G[c, i0] = lw[f][ok]
            if dc.size:
                G[np.ix_(c, dc)] = ld[f][ok]
                G[np.ix_(dc, c)] = ld[f][ok].T
        for (a, b), m in pair.items():
            oka, okb = self.factors[a] >= 0, self.factors[b] >= 0
            ca, cb = self.factors[a][oka], self.factors[b][okb]
            blk = m[np.ix_(oka, okb)]
            G[np.ix_(ca, cb)] = blk
            G[np.ix_(cb, ca)] = blk.T
        return G

    @property
    def score(self) -> np.ndarray:
        u = np.zeros(self.p)
        if self.intercept is not None:
            u[self.intercept] = self.swr
        u[self.dense_cols] = self.ud
        lwr = self._marginals()[1] if self.factors else {}
        for f, cols in enumerate(self.factors):
            ok = cols >= 0
            u[cols[ok]] = lwr[f][ok]
        return u


class LazyDense:
    """Descriptor for a dataclass field that holds a design: it accepts a dense ndarray or a
    :class:`StructuredDesign`, and reading it always gives a dense ndarray (densified once, on first read,
    and cached).  :func:`design_of` returns what was stored, so fitting code never densifies."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        self.slot = f"_{name}_design"
        self.cache = f"_{name}_dense"

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no class-level default: the dataclass field stays required
        d = obj.__dict__
        v = d[self.slot]
        if isinstance(v, np.ndarray):
            return v
        dense = d.get(self.cache)
        if dense is None:
            dense = d[self.cache] = v.toarray()
        return dense

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value
        obj.__dict__.pop(self.cache, None)


def design_of(frame) -> "np.ndarray | StructuredDesign":
    """The design a model frame stores (structured or dense), without densifying it (the dense copy
    when it was already made)."""
    d = frame.__dict__
    stored = d.get("_X_design")
    if stored is None:
        return frame.X
    dense = d.get("_X_dense")
    return stored if dense is None else dense


#: Structured designs with at most this many cells (rows x columns) go to the engine dense: for small fits
#: the bookkeeping of the structured products costs more than the products themselves.
DENSE_BELOW = 2**16


def engine_design(frame) -> "np.ndarray | StructuredDesign":
    """The design to fit with: structured for large data, dense (made once, cached) for small."""
    X = design_of(frame)
    if not isinstance(X, np.ndarray) and X.n_rows * X.n_cols <= DENSE_BELOW:
        return frame.X
    return X
