"""X'WX and X'W r of a structured design accumulated over row blocks by level: :class:`StructuredGram` keeps the
sums of each group's cells and of each pair of factors' levels, which add block by block, and assembles the
p x p matrix and the p-vector once, on request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import GramSums

if TYPE_CHECKING:
    from .structured import StructuredDesign

__all__ = ["StructuredGram"]


class StructuredGram:
    """Accumulates X'WX and X'W r of a structured design over row blocks; ``gram`` and ``score`` assemble
    the p x p matrix and p-vector from the block sums on request."""

    def __init__(self, design: StructuredDesign) -> None:
        self.p = design.n_cols
        self.intercept = design.intercept
        self.dense_cols = design.dense_cols
        self.factors = tuple(f.columns for f in design.factors)
        self.levels = tuple(f.n_levels for f in design.factors)
        self.groups = design.groups
        k = self.dense_cols.size
        self.sw = 0.0
        self.swr = 0.0
        self.dd = np.zeros((k, k))
        self.d1 = np.zeros(k)  # w'X_d
        self.ud = np.zeros(k)  # X_d' w r
        # per group and cell: sums of w t, w t r, w t x_j (t: the factor's values, 1 without) and of w t^2
        self.cell_w = [np.zeros(g.n_cells) for g in self.groups]
        self.cell_wr = [np.zeros(g.n_cells) for g in self.groups]
        self.cell_wtt = [None if v is None else np.zeros(g.n_cells)
                         for g, v in zip(self.groups, design.group_values)]
        self.cell_d = [np.zeros((g.n_cells, k)) for g in self.groups]
        # pairs of factors in different groups: combined-code bincounts per block
        self.cross: dict[tuple[int, int], np.ndarray] = {}
        gid = {}
        for gi, g in enumerate(self.groups):
            for f in g.members:
                gid[f] = gi
        self.gid = gid
        nf = len(self.factors)
        # (nested pairs, one factor's level implied by the other's: per fine level, the sum of w t_a t_b)
        self.nested: dict[tuple[int, int], tuple[int, int, np.ndarray, np.ndarray]] = {}
        for a in range(nf):
            for b in range(a + 1, nf):
                if gid[a] != gid[b]:
                    if (a, b) in design.nested:
                        fine, coarse, lmap = design.nested[(a, b)]
                        self.nested[(a, b)] = (fine, coarse, lmap, np.zeros(self.levels[fine]))
                    else:
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
            if self.groups or not np.all(w >= 0):
                B = np.multiply(D, w[:, None], order="F")
                self.dd += D.T @ B
                self.d1 += B.sum(axis=0)
            else:
                A = np.multiply(D, np.sqrt(w)[:, None], order="F")
                self.dd += A.T @ A
                self.d1 += w @ D
            self.ud += D.T @ wr
        for gi, (g, cell, t) in enumerate(zip(self.groups, X.cells, X.group_values)):
            C = g.n_cells
            wt, wrt = (w, wr) if t is None else (w * t, wr * t)
            self.cell_w[gi] += np.bincount(cell, wt, minlength=C)
            self.cell_wr[gi] += np.bincount(cell, wrt, minlength=C)
            if t is not None:
                self.cell_wtt[gi] += np.bincount(cell, wt * t, minlength=C)
            if B is not None:
                cd = self.cell_d[gi]
                for j in range(B.shape[1]):
                    cd[:, j] += np.bincount(cell, B[:, j] if t is None else B[:, j] * t, minlength=C)
        for (a, b), acc in self.cross.items():
            La, Lb = self.levels[a], self.levels[b]
            fa, fb = X.factors[a], X.factors[b]
            code = fa.codes.astype(np.int64) * Lb + fb.codes
            acc += np.bincount(code, fb.weighted(fa.weighted(w)), minlength=La * Lb)
        for (a, b), (fine, _, _, acc) in self.nested.items():
            fa, fb = X.factors[a], X.factors[b]
            acc += np.bincount(X.factors[fine].codes, fb.weighted(fa.weighted(w)), minlength=self.levels[fine])

    def _same_layout(self, other: "StructuredGram") -> bool:
        """Sums of blocks encoded alike (the same columns, factors and groups of factors)."""
        return (self.p == other.p and self.intercept == other.intercept
                and np.array_equal(self.dense_cols, other.dense_cols) and self.levels == other.levels
                and all(np.array_equal(a, b) for a, b in zip(self.factors, other.factors))
                and [c.shape for c in self.cell_d] == [c.shape for c in other.cell_d]
                and [a is None for a in self.cell_wtt] == [a is None for a in other.cell_wtt]
                and self.cross.keys() == other.cross.keys() and self.nested.keys() == other.nested.keys())

    def merge(self, other) -> "StructuredGram | GramSums":
        """These sums plus ``other``'s (in place): level by level for the sums of a block encoded alike, else
        as assembled p x p sums."""
        if not isinstance(other, StructuredGram) or not self._same_layout(other):
            return GramSums(self.gram, self.score).merge(other)
        self._marg = None
        self.sw += other.sw
        self.swr += other.swr
        self.dd += other.dd
        self.d1 += other.d1
        self.ud += other.ud
        for mine, theirs in ((self.cell_w, other.cell_w), (self.cell_wr, other.cell_wr), (self.cell_d, other.cell_d)):
            for a, b in zip(mine, theirs):
                a += b
        for a, b in zip(self.cell_wtt, other.cell_wtt):
            if a is not None:
                a += b
        for key, acc in self.cross.items():
            acc += other.cross[key]
        for key, (_, _, _, acc) in self.nested.items():
            acc += other.nested[key][3]
        return self

    def _marginals(self):
        """Per factor: level sums of w t, w t r and w t X_d and of w t^2 (t: the factor's values, 1 without);
        per same-group pair: the level-by-level sums of w."""
        if self._marg is None:
            self._marg = self._compute_marginals()
        return self._marg

    def _compute_marginals(self):
        lw, lwr, ld, lwtt, pair = {}, {}, {}, {}, {}
        for gi, g in enumerate(self.groups):
            if len(g.members) == 1:  # the cells are the levels
                f = g.members[0]
                lw[f], lwr[f], ld[f] = self.cell_w[gi], self.cell_wr[gi], self.cell_d[gi]
                lwtt[f] = self.cell_w[gi] if self.cell_wtt[gi] is None else self.cell_wtt[gi]
                continue
            for f, lev in zip(g.members, g.level_of_cell):
                L = self.levels[f]
                lw[f] = np.bincount(lev, self.cell_w[gi], minlength=L)
                lwr[f] = np.bincount(lev, self.cell_wr[gi], minlength=L)
                M = np.zeros((L, g.n_cells))
                M[lev, np.arange(g.n_cells)] = 1.0
                ld[f] = M @ self.cell_d[gi]
                lwtt[f] = lw[f]
            for ia, a in enumerate(g.members):
                for ib in range(ia + 1, len(g.members)):
                    b = g.members[ib]
                    la, lb = g.level_of_cell[ia], g.level_of_cell[ib]
                    pair[(a, b)] = np.bincount(la * self.levels[b] + lb, self.cell_w[gi],
                                               minlength=self.levels[a] * self.levels[b]).reshape(
                        self.levels[a], self.levels[b])
        for (a, b), acc in self.cross.items():
            pair[(a, b)] = acc.reshape(self.levels[a], self.levels[b])
        return lw, lwr, ld, lwtt, pair

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
        lw, _, ld, lwtt, pair = self._marginals()
        for f, cols in enumerate(self.factors):
            ok = cols >= 0
            c = cols[ok]
            G[c, c] = lwtt[f][ok]
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
        for fine, coarse, lmap, m in self.nested.values():
            cf, cc = self.factors[fine], self.factors[coarse][lmap]
            ok = (cf >= 0) & (cc >= 0)  # (the other entries of the block are 0)
            G[cc[ok], cf[ok]] = m[ok]
            G[cf[ok], cc[ok]] = m[ok]
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
