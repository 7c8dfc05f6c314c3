"""How a factor becomes design columns: R's contrast matrices and R's choice between contrasts and indicators.

Contrasts (``stats::contr.*``), for a factor with levels l_1..l_L, an L x (L - 1) matrix whose row i codes a
row with level l_i:

* treatment: the identity without its first column (first level the reference); columns ``g[T.l_j]``;
* sum: the identity without its last column, last row all -1; columns ``g[S.l_j]``;
* helmert: column j is -1 for the first j levels, j for level j + 1, 0 after; columns ``g[H.l_{j+1}]``;
* poly (R's default for ordered factors): orthonormal polynomials in the scores 1..L, from the QR of their
  powers; columns ``g[.L]``, ``g[.Q]``, ``g[.C]``, ``g[^4]``, ... (in other scores, R's
  ``contr.poly(L, scores = ...)``: :func:`poly_contrasts`, as a :class:`ContrastMatrix`);
* treatment against another level (:class:`Reference`: R's ``contr.treatment(n, base = k)`` and ``contr.SAS``,
  the last level the reference): the identity without that level's column; columns ``g[T.l_j]``;
* a matrix of one's own (:class:`ContrastMatrix`: R's ``C(g, cbind(...))``, planned contrasts), L x (L - 1);
  columns named by its column names, or 1..L - 1 as R names them.

Indicators: the L x L identity, columns ``g[l_j]``.

Which one a factor gets in a term is R's rule (``TermCode`` in R's ``model.c``): contrasts when the term
without that factor is empty or is contained in an earlier term, otherwise indicators; in a model without an
intercept the first factor of the first term that has one gets indicators.  For main effects this is plain
contrasts; it differs where margins are missing (``y ~ a:b`` codes ``b`` by indicators).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

from .._arguments import foreign_type, shown, shown_items
from ..errors import DataError, FormulaError
from ..once import once
from .deparse import deparse
from .nodes import Node
from .values import FactorVec, Value, label_text

__all__ = ["FactorCoding", "coding_of", "term_codings", "CONTRASTS", "contrasts_argument", "with_contrasts",
           "Reference", "ContrastMatrix", "contrast_matrix", "held_level", "coding_problem",
           "resolved_contrasts", "FirstColumns", "checked_contrasts", "poly_contrasts"]

#: Names of contrasts, as ``C(g, sum)`` and ``glm(contrasts=)`` accept them (R's function names too).
CONTRASTS = {
    "treatment": "treatment", "contr.treatment": "treatment", "Treatment": "treatment",
    "sum": "sum", "contr.sum": "sum", "Sum": "sum",
    "helmert": "helmert", "contr.helmert": "helmert", "Helmert": "helmert",
    "poly": "poly", "contr.poly": "poly", "Poly": "poly",
}
#: ``glm(contrasts=)`` names at most this many variables (a formula has at most ``max_terms`` terms anyway).
MAX_CONTRASTS_ENTRIES = 10_000
#: A contrast matrix given as values has at most this many entries (a factor of this many levels squared).
MAX_MATRIX_ENTRIES = 250_000


@dataclass(frozen=True)
class Reference:
    """Treatment contrasts against the level at ``position`` (1-based; 0: the last, R's ``contr.SAS``): R's
    ``contr.treatment(n, base = k)``."""

    position: int


@dataclass(frozen=True)
class FirstColumns:
    """R's ``C(g, contr, how.many)``: the first ``k`` columns of ``kind``'s L x (L - 1) matrix (a name of
    :data:`CONTRASTS`, a :class:`Reference` or a :class:`ContrastMatrix`), the factor's effect constrained to them
    (``C(dose, poly, 1)``: a linear trend alone).  Resolved once the levels are known
    (:func:`resolved_contrasts`)."""

    kind: Any
    k: int


@dataclass(frozen=True)
class ContrastMatrix:
    """Contrasts given as a matrix: ``rows`` one per level, ``names`` the columns'; ``levels`` the level each row
    codes (a DataFrame's index: its rows are matched to the factor's levels by their texts), or None: the factor's
    levels in order, as R takes a matrix.  ``fill``: fewer than L - 1 columns are completed as R's ``C()``
    completes them (:func:`resolved_contrasts`); without it (``glm(contrasts=)``, whose matrix R sets with
    ``how.many`` = its columns) the factor takes only the matrix's columns."""

    rows: tuple[tuple[float, ...], ...]
    names: tuple[str, ...]
    levels: tuple[str, ...] | None = None
    fill: bool = False

    def matrix_for(self, levels: Sequence) -> np.ndarray:
        """The L x k matrix in the order of the factor's ``levels`` (checked by :func:`coding_problem`)."""
        M = np.array(self.rows, dtype=float)
        if self.levels is None:
            return M
        at = {text: i for i, text in enumerate(self.levels)}
        return M[[at[label_text(v)] for v in levels]]


def contrast_matrix(values: Any, names: Sequence[str] | None, what: str,
                    levels: Sequence[str] | None = None) -> ContrastMatrix:
    """``values`` (rows of numbers, one per level) as a :class:`ContrastMatrix` whose columns are ``names`` (R
    names unnamed ones 1..k) and whose rows code ``levels`` (None: the factor's, in order); finite numbers only,
    at most ``MAX_MATRIX_ENTRIES`` of them."""
    # (numbers only: a matrix of objects is refused before any of their conversions could run -- numpy's asarray
    # of rows of float subclasses called each one's __float__, so the items of rows given as lists are looked at
    # by their types first)
    foreign = foreign_type(values, depth=1, also=frozenset({np.ndarray})) if isinstance(values, (list, tuple)) \
        else None
    if foreign is not None:
        raise FormulaError(f"{what}: a contrast matrix must be numbers, one row per level (it holds values of the "
                           f"type {shown(foreign.__name__)}, whose conversion is code of its own)")
    if isinstance(values, np.ma.MaskedArray):  # (a masked entry is a missing value, not the number under it)
        masked = int(np.ma.count_masked(values))
        if masked:
            raise FormulaError(f"{what}: a contrast matrix must hold finite numbers, not missing ones ({masked:,} "
                               f"masked {'entry' if masked == 1 else 'entries'})")
        values = np.ma.getdata(values)
    try:
        A = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as e:
        raise FormulaError(f"{what}: a contrast matrix must be numbers, one row per level") from e
    if A.dtype.kind not in "iuf":
        raise FormulaError(f"{what}: a contrast matrix must be numbers, one row per level (got {A.dtype})")
    with np.errstate(over="ignore"):  # (a long double beyond the doubles: inf, refused below without numpy's warning)
        M = A.astype(float)
    if M.ndim != 2 or M.shape[1] == 0 or M.size > MAX_MATRIX_ENTRIES:
        raise FormulaError(f"{what}: a contrast matrix must be a matrix of one row per level and at least one "
                           f"column (at most {MAX_MATRIX_ENTRIES:,} entries); got the shape {M.shape}")
    if not np.isfinite(M).all():
        raise FormulaError(f"{what}: a contrast matrix must hold finite numbers")
    names = tuple(str(j) for j in range(1, M.shape[1] + 1)) if names is None else tuple(names)
    if len(names) != M.shape[1] or len(set(names)) != len(names):
        raise FormulaError(f"{what}: the contrast matrix's {M.shape[1]} columns need as many distinct names")
    if levels is not None and (len(levels) != M.shape[0] or len(set(levels)) != len(levels)):
        raise FormulaError(f"{what}: the contrast matrix's rows need one distinct level each")
    return ContrastMatrix(tuple(map(tuple, M.tolist())), names, None if levels is None else tuple(levels))


def _kind_of(kind: Any, what: str) -> Any:
    """A contrasts value of ``glm(contrasts=)``: a name (:data:`CONTRASTS`, ``contr.SAS``), a contrasts object
    already checked, or a matrix (a 2-D array, nested lists, or a DataFrame whose columns name its columns)."""
    if isinstance(kind, (Reference, ContrastMatrix)):
        return kind
    if isinstance(kind, str):
        if kind in _SAS:
            return Reference(0)
        if kind in CONTRASTS:
            return CONTRASTS[kind]
        raise FormulaError(f"{what}: unknown contrasts {shown(kind)}; use one of treatment, sum, helmert, poly, SAS "
                           "(or contr.treatment, contr.sum, contr.helmert, contr.poly, contr.SAS) or a matrix")
    import pandas as pd

    if isinstance(kind, pd.DataFrame):
        # (an index of labels says which level each row codes; a RangeIndex, the factor's levels in order)
        rows = None if isinstance(kind.index, pd.RangeIndex) else [label_text(v) for v in kind.index]
        if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in kind.dtypes):
            raise FormulaError(f"{what}: a contrast matrix must be numbers, one row per level")
        return contrast_matrix(kind.to_numpy(dtype=float), [str(c) for c in kind.columns], what, rows)
    if isinstance(kind, (np.ndarray, list, tuple)):
        return contrast_matrix(kind, None, what)
    raise FormulaError(f"{what}: contrasts must be a name such as 'contr.sum' or a matrix, got a "
                       f"{type(kind).__name__}")


#: R's names of treatment contrasts against the last level
_SAS = frozenset({"SAS", "contr.SAS"})


def contrasts_argument(contrasts: Any) -> dict[str, Any]:
    """``glm(contrasts=)`` checked: a mapping from a factor variable, as the formula writes it (``"g"``,
    ``"factor(cyl)"``), to the name of its contrasts (``"sum"`` or ``"contr.sum"``, as R's
    ``glm(contrasts = list(g = "contr.sum"))``), or matrices (R's ``list(g = cbind(...))``: a 2-D array, nested
    lists or a DataFrame naming its columns); values are names or numbers only, never called.  Returns name ->
    kind (a name of :data:`CONTRASTS`, a :class:`Reference` or a :class:`ContrastMatrix`)."""
    if contrasts is None:
        return {}
    if not isinstance(contrasts, Mapping):
        raise FormulaError(f"contrasts= must be a mapping from factor names to contrasts, such as "
                           f"{{'g': 'sum'}}; got a {type(contrasts).__name__}")
    if len(contrasts) > MAX_CONTRASTS_ENTRIES:
        raise FormulaError(f"contrasts= names {len(contrasts):,} variables; at most {MAX_CONTRASTS_ENTRIES:,}")
    out = {}
    for name, kind in contrasts.items():
        if not isinstance(name, str):
            raise FormulaError(f"contrasts= must be keyed by factor names (strings); got a {type(name).__name__}")
        out[name] = _kind_of(kind, f"contrasts= for {shown(name)}")
    return out


def with_contrasts(values: Mapping[Node, Value], contrasts: Mapping[str, Any], columns: Sequence[str]
                   ) -> dict[Node, Value]:
    """The variables' values with ``glm(contrasts=)``'s codings on the factors it names (by the formula's text
    of them).  A name that is only a column of the data is a factor the formula does not use, and is passed
    over (as in a refit that dropped it); a numeric variable, or a name that is neither, is refused."""
    out = dict(values)
    if not contrasts:
        return out
    by_label = {deparse(node): node for node in values}
    known = set(columns)
    for name, kind in contrasts.items():
        node = by_label.get(name)
        if node is None:
            if name in known:
                continue
            factors = [lb for lb, nd in by_label.items() if isinstance(values[nd], FactorVec)]
            listed = shown_items(factors)
            raise FormulaError(f"contrasts= names {shown(name)}, which is neither a variable of the formula nor a "
                               f"column of the data; the formula's factors are {listed or 'none'}")
        v = values[node]
        if not isinstance(v, FactorVec):
            raise FormulaError(f"contrasts= names {shown(name)}, which is not a factor in the model (its values are "
                               "numbers); only factors have contrasts (make it one with factor())")
        out[node] = FactorVec(v.codes, v.levels, v.ordered, kind, v.keep_unused)
    return out


@dataclass(frozen=True, eq=False)
class FactorCoding:
    """A factor's columns in a term: ``matrix`` (L x k) maps each level to its k column values.  The
    matrix and the column suffixes are made on first use: a factor kept as codes never needs them."""

    levels: tuple
    kind: Any  # "treatment", "sum", "helmert", "poly" or "indicator"; a Reference or a ContrastMatrix

    @property
    def n_columns(self) -> int:
        L = len(self.levels)
        if isinstance(self.kind, ContrastMatrix):
            return len(self.kind.names)
        return L if self.kind == "indicator" else max(L - 1, 0)

    @property
    def is_indicator_like(self) -> bool:
        """Every level's row is a unit vector or zero (treatment or indicators): storable as codes."""
        return self.kind in ("treatment", "indicator")

    @once
    def matrix(self) -> np.ndarray:
        if isinstance(self.kind, ContrastMatrix):
            return self.kind.matrix_for(self.levels)
        return _matrix(self.kind, len(self.levels))

    @once
    def sparse_matrix(self):
        """``matrix`` as a scipy sparse matrix (CSR), made without the dense one for the codings whose
        matrices are mostly zeros (treatment, indicators, sum: at most two entries per column)."""
        from .._scipy import sparse

        L = len(self.levels)
        if self.kind in ("indicator", "treatment"):
            k = self.n_columns
            return sparse.csr_matrix((np.ones(k), (np.arange(L - k, L), np.arange(k))), shape=(L, k))
        if self.kind == "sum" and L > 1:
            j = np.arange(L - 1)
            rows, cols = np.concatenate([j, np.full(L - 1, L - 1)]), np.concatenate([j, j])
            data = np.concatenate([np.ones(L - 1), -np.ones(L - 1)])
            return sparse.csr_matrix((data, (rows, cols)), shape=(L, L - 1))
        return sparse.csr_matrix(self.matrix)

    @once
    def suffixes(self) -> tuple[str, ...]:
        if isinstance(self.kind, ContrastMatrix):
            return self.kind.names
        text = [label_text(v) for v in self.levels]
        if isinstance(self.kind, Reference):
            base = _base(self.kind, len(text))
            return tuple(f"T.{t}" for i, t in enumerate(text) if i != base)
        return {"indicator": lambda: tuple(text), "treatment": lambda: tuple(f"T.{t}" for t in text[1:]),
                "sum": lambda: tuple(f"S.{t}" for t in text[:-1]), "helmert": lambda: tuple(f"H.{t}" for t in text[1:]),
                "poly": lambda: _poly_names(len(text))}[self.kind]()


def _poly(n: int) -> np.ndarray:
    """R's ``contr.poly(n)``: the columns 2..n of ``make.poly(n, 1:n)``, computed as R computes them.

    R takes the orthogonal polynomials from LINPACK's QR with limited pivoting (``qr()``, ``dqrdc2`` at
    tol = 1e-7) of the powers 0..n-1 of the centred scores and applies the first *rank* reflections to the
    diagonal of R (``qr.qy``).  From about 20 levels on the high powers are dependent in double precision:
    ``dqrdc2`` moves the columns it finds negligible to the end (rank 21 of 23 columns at n = 23, 25 of 30),
    and R's higher-degree columns are whatever its arithmetic leaves there -- an orthonormal basis of the same
    space, but not the polynomials a Householder QR without pivoting gives (which differed from R's by 0.9 in
    the columns of degree 21 and up at 23 levels, so the coefficients of an ordered factor's high degrees were
    not R's).  The reflections and norms are therefore formed in the order of R's reference BLAS (sequential
    dot products, the three-accumulator ``dnrm2``): the columns then equal R's to the last bit or so
    for every n R allows (2..95).
    """
    return _r_make_poly(n)[:, 1:]


# --- R's make.poly, step by step (reference BLAS order; R links the reference BLAS of LAPACK 3.11) ---

_TSML = 2.0 ** -511   # dnrm2's thresholds: squares of values below tsml are scaled up by ssml,
_TBIG = 2.0 ** 486    # of values above tbig scaled down by sbig
_SSML = 2.0 ** 537
_SBIG = 2.0 ** -538


def _seq_sum(v: np.ndarray) -> float:
    """The left-to-right sum of ``v`` (the reference BLAS's loop order; np.sum is pairwise)."""
    return float(np.cumsum(v)[-1]) if v.size else 0.0


def _dnrm2(x: np.ndarray) -> float:
    """The reference BLAS's dnrm2 (LAPACK >= 3.10): sums of squares in three accumulators, in order."""
    ax = np.abs(x)
    big = ax > _TBIG
    small = ax < _TSML
    med = ~big & ~small
    amed = _seq_sum(ax[med] * ax[med])
    if big.any():
        abig = _seq_sum((ax[big] * _SBIG) ** 2)
        if amed > 0 or amed != amed:
            abig += (amed * _SBIG) * _SBIG
        return (1.0 / _SBIG) * float(np.sqrt(abig))
    asml = _seq_sum((ax[small] * _SSML) ** 2)
    if asml > 0:
        if amed > 0 or amed != amed:
            amed, asml = float(np.sqrt(amed)), float(np.sqrt(asml)) / _SSML
            ymin, ymax = (amed, asml) if asml > amed else (asml, amed)
            return float(np.sqrt(ymax ** 2 * (1.0 + (ymin / ymax) ** 2)))
        return (1.0 / _SSML) * float(np.sqrt(asml))
    return float(np.sqrt(amed))


def _dqrdc2(x: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray, int]:
    """R's ``dqrdc2``: Householder QR with columns of negligible remaining norm (below ``tol`` times their
    original norm) cycled to the end.  Returns the compact QR, qraux and the rank."""
    x = np.array(x, dtype=float)
    n, p = x.shape
    qraux = np.array([_dnrm2(x[:, j]) for j in range(p)])
    orig = np.where(qraux == 0.0, 1.0, qraux)  # (R's work(, 2))
    k = p  # columns not moved to the end
    for l in range(min(n, p)):
        while l < k and qraux[l] < orig[l] * tol:
            x[:, l:] = np.roll(x[:, l:], -1, axis=1)
            qraux[l:] = np.roll(qraux[l:], -1)
            orig[l:] = np.roll(orig[l:], -1)
            k -= 1
        if l == n - 1:
            continue
        nrmxl = _dnrm2(x[l:, l])
        if nrmxl == 0.0:
            continue
        if x[l, l] != 0.0:
            nrmxl = float(np.copysign(nrmxl, x[l, l]))
        x[l:, l] = (1.0 / nrmxl) * x[l:, l]
        x[l, l] = 1.0 + x[l, l]
        v = x[l:, l]
        for j in range(l + 1, p):
            t = -_seq_sum(v * x[l:, j]) / x[l, l]
            x[l:, j] = x[l:, j] + t * v
            if qraux[j] != 0.0:
                tt = max(1.0 - (abs(x[l, j]) / qraux[j]) ** 2, 0.0)
                # (R recomputes a norm that has fallen a lot instead of downdating it)
                qraux[j] = qraux[j] * float(np.sqrt(tt)) if tt >= 1e-6 else _dnrm2(x[l + 1:, j])
        qraux[l] = x[l, l]
        x[l, l] = -nrmxl
    return x, qraux, min(k, n)


def _qr_qy(qr: np.ndarray, qraux: np.ndarray, rank: int, y: np.ndarray) -> np.ndarray:
    """R's ``qr.qy``: Q y with the first ``rank`` Householder reflections of a ``dqrdc2`` QR (``dqrsl``)."""
    n = qr.shape[0]
    out = np.array(y, dtype=float)
    for j in range(min(rank, n - 1) - 1, -1, -1):
        if qraux[j] == 0.0:
            continue
        v = qr[j:, j].copy()
        v[0] = qraux[j]
        for c in range(out.shape[1]):
            t = -_seq_sum(v * out[j:, c]) / v[0]
            out[j:, c] = out[j:, c] + t * v
    return out


def _r_mean(x: np.ndarray) -> float:
    """R's ``mean()`` of doubles: the sum in long double divided by n, then the mean of the residuals added."""
    v = np.asarray(x, dtype=np.longdouble)
    s = np.longdouble(0.0)
    for a in v:
        s += a
    s /= len(v)
    if math.isfinite(float(s)):
        t = np.longdouble(0.0)
        for a in v:
            t += a - s
        s += t / len(v)
    return float(s)


def poly_contrasts(n: int, scores: Sequence[float] | None = None) -> np.ndarray:
    """R's ``contr.poly(n, scores = scores)``: the n x (n - 1) orthonormal polynomials of degrees 1..n - 1 in
    ``scores`` (None: 1..n, R's default), computed as R's ``make.poly`` computes them.

    Parameters
    ----------
    n : int
        The number of levels, 2 to 95 (R refuses more: the polynomials cannot be represented accurately).
    scores : sequence of float, optional
        One distinct finite number per level, in the order of the levels.

    Returns
    -------
    numpy.ndarray
        The n x (n - 1) matrix (read-only), its columns named ``.L``, ``.Q``, ``.C``, ``^4``... by R.

    Raises
    ------
    FormulaError
        For n outside 2..95 or scores that are not n distinct finite numbers (R's "'scores' argument is of the
        wrong length", "'scores' must all be different numbers"), naming the value.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= 95:
        raise FormulaError(f"contr.poly(): n = {shown(n)} must be a number of levels from 2 to 95")
    if scores is None:
        return _poly(int(n))
    if not hasattr(scores, "__len__") or isinstance(scores, (str, bytes)):
        raise FormulaError(f"contr.poly(): scores must be a sequence of {n} numbers, one per level; got "
                           f"{shown(scores)}")
    values = list(scores) if len(scores) <= 95 else list(scores[:11])
    if len(scores) != n:
        raise FormulaError(f"contr.poly(): the scores {shown(tuple(values))} are {len(scores)} for {n} levels (R: "
                           "'scores' argument is of the wrong length)")
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
               for v in values):
        raise FormulaError(f"contr.poly(): the scores {shown(tuple(values))} must be numbers (R: 'scores' must all "
                           "be different numbers)")
    s = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in s):
        raise FormulaError(f"contr.poly(): the scores {shown(s)} must be finite numbers")
    if len(set(s)) != len(s):
        same = next(v for i, v in enumerate(s) if v in s[:i])
        raise FormulaError(f"contr.poly(): the score {shown(same)} is given twice in {shown(s)} (R: 'scores' must all "
                           "be different numbers)")
    return _r_make_poly(int(n), s)[:, 1:]


@functools.lru_cache(maxsize=32)
def _r_make_poly(n: int, scores: tuple[float, ...] | None = None) -> np.ndarray:
    """R's ``make.poly(n, scores)`` (the n x n matrix of which contr.poly drops the first column; scores None:
    1..n, R's default)."""
    y = (np.arange(1.0, n + 1) - (n + 1) / 2.0 if scores is None
         else np.array(scores, dtype=float) - _r_mean(np.array(scores, dtype=float)))
    X = np.array([[math.pow(v, k) if k != 2 else v * v for k in range(n)] for v in y])  # R's ^ (pow; x^2 = x*x)
    qr, qraux, rank = _dqrdc2(X, 1e-7)
    raw = _qr_qy(qr, qraux, rank, np.diag(np.diag(qr)))
    Z = raw / np.array([math.sqrt(math.fsum(raw[:, j] * raw[:, j])) for j in range(n)])
    Z.flags.writeable = False
    return Z


def _poly_names(n: int) -> tuple[str, ...]:
    names = [".L", ".Q", ".C"] + [f"^{j}" for j in range(4, n)]
    return tuple(names[: n - 1])


def _base(kind: Reference, L: int) -> int:
    """The reference level's index of :class:`Reference` contrasts of L levels."""
    return L - 1 if kind.position == 0 else kind.position - 1


def _matrix(kind: Any, L: int) -> np.ndarray:
    if isinstance(kind, ContrastMatrix):
        return np.array(kind.rows, dtype=float)
    if isinstance(kind, Reference):
        return np.delete(np.eye(L), _base(kind, L), axis=1)
    if kind == "indicator":
        return np.eye(L)
    if kind == "treatment":
        return np.eye(L)[:, 1:]
    if kind == "sum":
        return np.vstack([np.eye(L - 1), -np.ones((1, L - 1))]) if L > 1 else np.zeros((L, 0))
    if kind == "helmert":
        M = np.zeros((L, max(L - 1, 0)))
        for j in range(1, L):
            M[:j, j - 1] = -1.0
            M[j, j - 1] = float(j)
        return M
    if kind == "poly":
        return _poly(L) if L > 1 else np.zeros((L, 0))
    raise ValueError(f"unknown contrasts {kind!r}")


def coding_of(levels: Sequence, kind: Any) -> FactorCoding:
    """The coding of a factor with ``levels`` by ``kind`` (a contrast name or ``"indicator"``, a
    :class:`Reference` or a :class:`ContrastMatrix`)."""
    if not isinstance(kind, (Reference, ContrastMatrix)) and kind not in ("indicator", "treatment", "sum", "helmert",
                                                                         "poly"):
        raise ValueError(f"unknown contrasts {kind!r}")
    return FactorCoding(tuple(levels), kind)


def resolved_contrasts(kind: Any, levels: Sequence) -> Any:
    """``kind`` for a factor of ``levels``: :class:`FirstColumns` as the matrix of those columns, a matrix of
    ``C()`` of fewer than L - 1 columns completed (:func:`_completed`); any other ``kind`` as it is.

    Raises :class:`ValueError` with the reason where R fails or would do what was not asked: ``how.many`` above
    L - 1 (R: subscript out of bounds), a matrix of fewer than ``how.many`` < L - 1 columns (R completes it to
    all L - 1 whatever ``how.many`` says), polynomials of more than 95 levels, a factor whose L x (L - 1) matrix
    would have more than ``MAX_MATRIX_ENTRIES`` entries."""
    L = len(levels)
    if isinstance(kind, FirstColumns):
        base, k = kind.kind, kind.k
        if k > L - 1:
            raise ValueError(f"how.many = {k} is more than the {L - 1} columns of the factor's {L} levels")
        if L * (L - 1) > MAX_MATRIX_ENTRIES:
            raise ValueError(f"how.many takes the columns of a {L:,} x {L - 1:,} contrast matrix, more than the "
                             f"{MAX_MATRIX_ENTRIES:,} entries a matrix may have")
        if base == "poly" and L > 95:
            raise ValueError(f"orthogonal polynomials of {L} levels cannot be represented accurately enough (as R "
                             "says)")
        if not isinstance(base, ContrastMatrix):
            coding = coding_of(levels, base)
            return ContrastMatrix(tuple(map(tuple, coding.matrix[:, :k].tolist())), coding.suffixes[:k])
        if len(base.rows) != L or (base.levels is not None
                                   and set(base.levels) != {label_text(v) for v in levels}):
            return base  # (coding_problem says what is wrong with it)
        if len(base.names) >= k:
            M = base.matrix_for(levels)
            return ContrastMatrix(tuple(map(tuple, M[:, :k].tolist())), base.names[:k])
        if k == L - 1:
            return _completed(replace(base, fill=True), levels)
        nc = len(base.names)
        raise ValueError(f"how.many = {k} with a matrix of {nc} column{'s' if nc > 1 else ''}: R completes it to all "
                         f"{L - 1} columns whatever how.many says; leave how.many out for that, or give {k} columns")
    return _completed(kind, levels)


def _completed(kind: Any, levels: Sequence) -> Any:
    """``kind`` with a matrix of fewer than L - 1 columns completed as R's ``contrasts<-`` completes it for
    ``C(g, m)``; any other ``kind`` as it is.

    R factors A = [1 | M] (L x (k + 1)) as A = QR by Householder reflections (LINPACK's: :func:`_linpack_q`)
    and takes columns 2..L of Q, the first k replaced by M's: the added columns are an orthonormal basis of what
    the intercept and M leave, in R's choice.  The coefficients of M's own columns do not depend on that choice;
    the added ones are named by their position (R names them "" when M's columns have names: one name for
    several coefficients).  Raises :class:`ValueError` when [1 | M] is singular (R's "singular contrast matrix",
    by ``dqrdc2``'s rule: a column whose norm left after the earlier ones is below 1e-7 of its own), or when the
    completed matrix would have more than ``MAX_MATRIX_ENTRIES`` entries.
    """
    if not (isinstance(kind, ContrastMatrix) and kind.fill):
        return kind
    M = kind.matrix_for(levels)
    L, k = M.shape
    if M.shape[0] != len(levels) or k >= L - 1:
        return kind  # (as it is: coding_problem says what is wrong with it, if anything)
    if L * (L - 1) > MAX_MATRIX_ENTRIES:  # (priced before the L x L factor is made)
        raise ValueError(f"completing it for {L:,} levels would make {L:,} x {L - 1:,} entries, more than the "
                         f"{MAX_MATRIX_ENTRIES:,} a contrast matrix of one's own may have")
    Q = _linpack_q(np.column_stack([np.ones(L), M]))
    if Q is None:
        raise ValueError("its columns and the intercept are linearly dependent (R: singular contrast matrix)")
    C = Q[:, 1:]
    C[:, :k] = M
    names = kind.names + tuple(str(j) for j in range(k + 1, L))
    return ContrastMatrix(tuple(map(tuple, C.tolist())), names, None, fill=True)


def _linpack_q(A: np.ndarray, tol: float = 1e-7) -> np.ndarray | None:
    """Q (n x n) of A = QR as R's ``qr.qy(qr(A), diag(n))`` computes it, or None when A's rank is below its
    columns (a column whose norm left after the earlier ones is below ``tol`` of its own: ``dqrdc2``'s rule).

    LINPACK's arithmetic, not LAPACK's: column l is scaled by its signed norm s = sign(a_ll) ||a_l|| (+||a_l||
    where a_ll = 0) to u = a_l / s + e_l, each later column a_j takes t = -u'a_j / u_l times u, and Q is the
    reflections applied to the identity in reverse.  Planned contrasts are often orthogonal to the intercept,
    which leaves a pivot of exactly 0: LINPACK's scaling keeps it 0 (a reflection to -||a_l||), where LAPACK's
    leaves a rounding error of either sign and so another Q.
    """
    X = np.array(A, dtype=float)
    n, p = X.shape
    norms = np.linalg.norm(X, axis=0)
    us: list[np.ndarray] = []
    for j in range(p):  # (p < n: the intercept and fewer than n - 1 contrasts)
        x = X[j:, j]
        if not np.linalg.norm(x) >= tol * norms[j] or norms[j] == 0.0:
            return None
        s = float(np.linalg.norm(x))
        s = math.copysign(s, x[0]) if x[0] != 0.0 else s
        u = x / s
        u[0] += 1.0
        X[j:, j + 1:] += np.outer(u, -(u @ X[j:, j + 1:]) / u[0])
        us.append(u)
    Q = np.eye(n)
    for j in range(len(us) - 1, -1, -1):
        u = us[j]
        Q[j:] += np.outer(u, -(u @ Q[j:]) / u[0])
    return Q


def coding_problem(levels: Sequence, kind: Any) -> str | None:
    """Why contrasts ``kind`` cannot code a factor of ``levels`` (None: they can): a reference level beyond the
    levels, or a matrix of another number of rows than levels or of more columns than levels less one (R would
    use the first L - 1 silently).  A matrix of fewer columns from ``C()`` is completed by
    :func:`resolved_contrasts` first; one from ``glm(contrasts=)`` codes the factor with its columns alone, as
    R's ``model.matrix`` does."""
    L = len(levels)
    if isinstance(kind, Reference) and not 0 <= kind.position <= L:
        return f"base = {kind.position} is no level's position (the factor has {L} levels)"
    if isinstance(kind, ContrastMatrix):
        rows, k = len(kind.rows), len(kind.names)
        if kind.levels is not None and set(kind.levels) != {label_text(v) for v in levels}:
            missing = [label_text(v) for v in levels if label_text(v) not in set(kind.levels)]
            other = [t for t in kind.levels if t not in {label_text(v) for v in levels}]
            return ("the contrast matrix's rows name the levels " + shown_items(list(kind.levels))
                    + (f", without {shown_items(missing)}" if missing else "")
                    + (f"; {shown_items(other)} is no level of the factor" if other else ""))
        if rows != L:
            return f"the contrast matrix has {rows} rows for the factor's {L} levels (one row per level, in order)"
        if k > L - 1:
            return (f"the contrast matrix has {k} columns where the factor's {L} levels take at most {L - 1} "
                    "(R would drop the last ones silently)")
    return None


def checked_contrasts(label: str, levels: Sequence, kind: Any) -> Any:
    """``kind`` resolved for the factor ``label`` of ``levels`` (:func:`resolved_contrasts`), or a
    :class:`~glmstat.errors.DataError` that says why it cannot code them (:func:`coding_problem`)."""
    try:
        kind = resolved_contrasts(kind, levels)
    except ValueError as e:
        raise DataError(f"the factor {shown(label)}: {e}") from None
    problem = coding_problem(levels, kind)
    if problem is not None:
        raise DataError(f"the factor {shown(label)}: {problem}")
    return kind


def held_level(kind: Any, levels: Sequence) -> int | None:
    """The level at which treatment-like contrasts code every column 0 (the reference a type III test holds an
    interaction's other factor at), or None for contrasts whose columns each sum to zero over the levels (sum,
    Helmert, polynomial: the test averages over them) and for a matrix that neither does."""
    if kind == "treatment":
        return 0
    if isinstance(kind, Reference):
        return _base(kind, len(levels))
    if isinstance(kind, ContrastMatrix):
        M = kind.matrix_for(levels)
        if np.allclose(M.sum(axis=0), 0.0, atol=1e-12 * max(1.0, float(np.abs(M).max()))):
            return None
        zero = np.flatnonzero(~M.any(axis=1))
        return int(zero[0]) if zero.size == 1 else None
    return None


def term_codings(terms: Sequence[Sequence[object]], is_factor: Sequence[bool], intercept: bool,
                 variable_index: dict) -> list[tuple[bool | None, ...]]:
    """For every term and each of its variables: True (contrasts), False (indicators) or None (numeric).

    ``variable_index`` maps a variable to its position in ``is_factor``.
    """
    if not any(is_factor):  # every variable numeric: nothing to choose
        return [(None,) * len(term) for term in terms]
    out: list[tuple[bool | None, ...]] = []
    earlier: list[frozenset] = []
    indicator_given = intercept
    for term in terms:
        names = frozenset(term)
        codes: list[bool | None] = []
        for v in term:
            if not is_factor[variable_index[v]]:
                codes.append(None)
                continue
            rest = names - {v}
            contrasts = not rest or any(rest <= t for t in earlier)
            if not indicator_given:  # no intercept: the first factor met keeps all its levels
                contrasts, indicator_given = False, True
            codes.append(contrasts)
        earlier.append(names)
        out.append(tuple(codes))
    return out
