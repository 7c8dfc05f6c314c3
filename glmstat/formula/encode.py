"""From evaluated variables to the design: column names, term structure and the matrix itself.

A term's columns are the row-wise products of its variables' columns, the first variable varying fastest
(R's order): a numeric variable gives one column (its name), a matrix-valued one (``poly(x, 2)``) one per
column (``poly(x, 2)[1]``), a factor the rows of its coding matrix indexed by its codes
(:mod:`glmstat.formula.contrasts`).

The design is *structured* (:class:`~glmstat.design.structured.StructuredDesign`: factors coded by treatment
contrasts or indicators kept as integer codes, never dummy columns -- their main effects, their interactions by
the combined levels, their interactions with numeric variables, ``g:x``, as the codes and the values of x
(:func:`is_coded`); every other term's columns in one dense block) when every term is one variable, or when
the coded columns outnumber the dense ones or number at least ``CODED_COLUMNS``; otherwise dense.  A term of at
least ``CODED_COLUMNS`` columns with sum, Helmert or polynomial contrasts is kept as the codes of its cells too,
every level's indicator, and the design is that store times the sparse map of the contrast matrices
(:func:`is_contrast_coded`, :class:`~glmstat.design.transformed.TransformedDesign`).  Sizes are checked against
the formula limits before any column is allocated.

The same :class:`TermPlan` encodes new data at ``predict`` time, so the columns there are the training
columns by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .._arguments import shown
from ..design.base import Design
from ..design.dense import DenseDesign
from ..design.structured import Factor, StructuredDesign
from ..design.transformed import TransformedDesign
from ..errors import DataError
from .contrasts import FactorCoding, checked_contrasts, coding_of
from .deparse import deparse
from ..once import once
from .limits import FormulaLimits, refuse
from .nodes import Node
from .values import FactorVec, NumMat, NumVec, Value, label_text

__all__ = ["VariableCoding", "TermPlan", "DesignPlan", "plan_design", "build_design", "factor_levels",
           "check_removed_factor"]


@dataclass(frozen=True, eq=False)
class VariableCoding:
    """How one variable of one term becomes columns: ``factor`` for a factor, else ``width`` numeric columns
    named by ``suffixes`` (empty for a plain vector; a matrix of one column, ``poly(x, 1)``, is named by its label
    alone, as R's model.matrix names it)."""

    node: Node
    label: str
    factor: FactorCoding | None
    width: int
    suffixes: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        if self.factor is not None:
            return tuple(f"{self.label}[{s}]" for s in self.factor.suffixes)
        if len(self.suffixes) <= 1:
            return (self.label,)
        return tuple(f"{self.label}[{s}]" for s in self.suffixes)

    @property
    def n_cols(self) -> int:
        return self.factor.n_columns if self.factor is not None else self.width


@dataclass(frozen=True, eq=False)
class TermPlan:
    label: str
    variables: tuple[VariableCoding, ...]

    @once
    def names(self) -> tuple[str, ...]:
        if len(self.variables) == 1:  # (a main effect: its variable's columns)
            return self.variables[0].names
        out = [""]
        for v in self.variables:
            out = [f"{a}:{b}" if a else b for b in v.names for a in out]
        return tuple(out)

    @once
    def column_map(self):
        """A term stored by its cells' indicators (:func:`is_contrast_coded`): its columns from the stored ones,
        the Kronecker product of its variables' matrices (a factor's contrasts, L x k; a numeric variable's
        identity), the first variable fastest -- scipy sparse, (stored columns) x (the term's columns)."""
        from .._scipy import sparse

        M = None
        for vc in self.variables:
            Mi = vc.factor.sparse_matrix if vc.factor is not None else sparse.identity(vc.width, format="csr")
            M = Mi if M is None else sparse.kron(Mi, M, format="csr")
        return M

    @once
    def coded_layout(self) -> "CodedLayout":
        """Where a coded term's columns go (:func:`is_coded`), from the plan alone: kept with the plan, so that
        encoding new rows (a one-row ``predict``) does not work it out again."""
        return CodedLayout.of(self)


@dataclass(frozen=True, eq=False)
class CodedLayout:
    """A coded term's columns run over its variables' columns, the first variable fastest: column
    ``sum_i j_i s_i`` of the term, with j_i the column of variable i and s_i the product of the earlier
    variables' widths (``strides``).  A factor's level l has column j = l (indicators) or l - 1 (treatment;
    none for the reference).  A row's cell combines its factors' codes, the first fastest: ``offset`` is each
    cell's column within the term (-1 for a cell with a reference level) before the numeric variables'
    shift; ``parts`` names the factors and their level counts (``Factor.parts``)."""

    factor_at: tuple[int, ...]
    numeric_at: tuple[int, ...]
    strides: tuple[int, ...]
    offset: np.ndarray
    parts: tuple[tuple[str, int], ...]

    @staticmethod
    def of(t: TermPlan) -> "CodedLayout":
        # a term with contrasts other than treatment is stored by its cells' indicators, every level of each
        # factor (:func:`is_contrast_coded`); the contrast matrices map those columns to the term's
        full = not is_coded(t)
        strides, s = [], 1
        for vc in t.variables:
            strides.append(s)
            s *= len(vc.factor.levels) if full and vc.factor is not None else vc.n_cols
        factor_at = tuple(i for i, vc in enumerate(t.variables) if vc.factor is not None)
        offset = np.zeros(1, dtype=np.intp)
        for i in factor_at:
            vc = t.variables[i]
            j = np.arange(len(vc.factor.levels), dtype=np.intp) - (vc.factor.kind == "treatment" and not full)
            offset = np.where((j[:, None] >= 0) & (offset[None, :] >= 0), j[:, None] * strides[i] + offset[None, :],
                              -1).ravel()
        return CodedLayout(factor_at, tuple(i for i, vc in enumerate(t.variables) if vc.factor is None),
                           tuple(strides), offset,
                           tuple((t.variables[i].label, len(t.variables[i].factor.levels)) for i in factor_at))


#: A design with an interaction is structured once its factors' codes stand for this many columns, however
#: many dense columns the other terms have (see :attr:`DesignPlan.structured`).
CODED_COLUMNS = 64
#: At most this many interaction terms are stored as codes: every pair of coded terms adds its own sums to a
#: pass, so a design of many interactions (``(a + b + ... + j)^10`` has 1,013 of them) keeps them dense.
MAX_CODED_INTERACTIONS = 64


def is_coded(t: TermPlan) -> bool:
    """A structured design stores the term as codes: it has a factor, and every factor in it is coded by
    treatment contrasts or indicators.  Each of its columns is then one cell's indicator (the cell: a level of
    each factor; a main effect ``g``, or ``g:h`` coded by the combined levels) times a product of numeric
    columns (``g:x``, ``g:poly(x, 2)``: a :class:`~glmstat.design.structured.Factor` with values per column of
    the numeric part).  Numeric terms are dense, and so are terms with sum, Helmert or polynomial contrasts
    unless :func:`is_contrast_coded`."""
    factors = [vc.factor for vc in t.variables if vc.factor is not None]
    return bool(factors) and all(f.is_indicator_like for f in factors)


def is_contrast_coded(t: TermPlan) -> bool:
    """A structured design stores the term by the indicators of its cells and maps them to its columns by its
    contrast matrices (:class:`~glmstat.design.transformed.TransformedDesign`): it has a factor coded by
    sum, Helmert or polynomial contrasts, and at least ``CODED_COLUMNS`` columns (fewer stay dense, as cheap
    as codes and kept on the structured design's own paths)."""
    return (any(vc.factor is not None for vc in t.variables) and not is_coded(t)
            and len(t.names) >= CODED_COLUMNS)


@dataclass(frozen=True, eq=False)
class DesignPlan:
    """The columns of a design: intercept, then each term's columns."""

    intercept: bool
    terms: tuple[TermPlan, ...]

    @once
    def column_names(self) -> tuple[str, ...]:
        return (("Intercept",) if self.intercept else ()) + tuple(n for t in self.terms for n in t.names)

    @once
    def term_labels(self) -> tuple[str, ...]:
        return (("(Intercept)",) if self.intercept else ()) + tuple(t.label for t in self.terms)

    @property
    def spans_constant(self) -> bool:
        """The columns span the constant column: an intercept, or a term of factors each coded by all its
        levels' indicators (``0 + g`` or ``0 + g:h``, as R codes a model without intercept), whose columns sum
        to 1 in every row."""
        return self.intercept or any(
            all(v.factor is not None and v.factor.kind == "indicator" for v in t.variables) for t in self.terms)

    @once
    def term_columns(self) -> tuple[tuple[int, ...], ...]:
        out, col = [], 0
        if self.intercept:
            out.append((0,))
            col = 1
        for t in self.terms:
            k = len(t.names)
            out.append(tuple(range(col, col + k)))
            col += k
        return tuple(out)

    @once
    def coded_terms(self) -> tuple[bool, ...]:
        """Per term: stored as integer codes (see :func:`is_coded` and :func:`is_contrast_coded`; interactions
        only up to ``MAX_CODED_INTERACTIONS`` of them)."""
        coded = [is_coded(t) or is_contrast_coded(t) for t in self.terms]
        if sum(c and len(t.variables) > 1 for t, c in zip(self.terms, coded)) > MAX_CODED_INTERACTIONS:
            coded = [c and len(t.variables) == 1 for t, c in zip(self.terms, coded)]
        return tuple(coded)

    @once
    def contrast_terms(self) -> tuple[bool, ...]:
        """Per term: stored by its cells' indicators and mapped by its contrast matrices (a coded term that is
        not :func:`is_coded`: :func:`is_contrast_coded`)."""
        return tuple(c and not is_coded(t) for t, c in zip(self.terms, self.coded_terms))

    @once
    def factor_contrasts(self) -> tuple[tuple[str, tuple[int, ...], tuple, Any, bool], ...]:
        """(label, design columns, levels, contrast matrix: levels x columns, scipy sparse, whether its columns are
        levels' indicators -- treatment or indicator coding) of each term that is one factor."""
        out = []
        for t, cols in zip(self.terms, self.term_columns[int(self.intercept):]):
            f = t.variables[0].factor if len(t.variables) == 1 else None
            if f is not None:
                out.append((t.label, cols, f.levels, f.sparse_matrix, f.is_indicator_like))
        return tuple(out)

    @once
    def structured(self) -> bool:
        """Coded terms (:func:`is_coded`) stored as codes, every other term's columns in one dense block: when
        every term is one variable (numeric, or a factor stored as codes), when the coded columns outnumber the
        dense ones (``g * x``, ``a * b``, ``g + C(f, sum) * x`` with a wide ``g``), or when the codes stand for
        at least ``CODED_COLUMNS`` columns."""
        if all(len(t.variables) == 1 and (c or t.variables[0].factor is None)
               for t, c in zip(self.terms, self.coded_terms)):
            return True
        coded = sum(len(t.names) for t, c in zip(self.terms, self.coded_terms) if c)
        dense = sum(len(t.names) for t, c in zip(self.terms, self.coded_terms) if not c)
        return coded > 0 and (coded >= dense or coded >= CODED_COLUMNS)


def factor_levels(f: FactorVec) -> tuple[FactorVec, tuple]:
    """``f`` without unused levels (R's ``drop.unused.levels``; logicals keep FALSE and TRUE)."""
    if f.keep_unused:
        return f, f.levels
    used = np.zeros(len(f.levels), dtype=bool)
    used[f.codes[f.codes >= 0]] = True
    if used.all():
        return f, f.levels
    remap = np.cumsum(used) - 1
    codes = np.where(f.codes >= 0, remap[np.maximum(f.codes, 0)], -1)
    levels = tuple(lv for lv, u in zip(f.levels, used) if u)
    return FactorVec(codes, levels, f.ordered, f.contrasts), levels


def _single_level(label: str, levels: tuple, advice: str) -> DataError:
    """R's refusal of contrasts for a factor of one level (or none) in the rows used."""
    lv = f" ({shown(label_text(levels[0]))})" if levels else ""
    return DataError(f"the factor {shown(label)} has a single level{lv} in the rows used: contrasts can be applied "
                     f"only to factors with 2 or more levels (as R says); {advice} or check the rows dropped for "
                     "missing values")


def check_removed_factor(label: str, levels: tuple, contrasts: Any) -> None:
    """Check a factor that the formula names but no term keeps (``- g``, or ``offset(z):g``), on its levels in the
    rows used, as R's model.matrix checks every factor of the model frame: it sets contrasts on it (``contrasts``,
    C()'s, or the default's), and stops for a single level or for contrasts that cannot code the levels.

    Parameters
    ----------
    label : str
        The variable as written in the formula.
    levels : tuple
        Its levels in the rows used (a logical's are FALSE and TRUE whatever its rows, as R codes it).
    contrasts : Any
        The contrasts C() set on it, or None.

    Raises
    ------
    DataError
        A single level, or contrasts that cannot code the levels.
    """
    if len(levels) < 2:
        raise _single_level(label, levels, "no term keeps it, but R's model frame holds every variable the formula "
                            "names and sets contrasts on its factors: leave it out of the formula")
    if contrasts is not None:
        checked_contrasts(label, levels, contrasts)


def _check_distinct_labels(label: str, levels: tuple) -> None:
    """Refuse a factor two of whose levels print alike (``0.1 + 0.2`` and ``0.3``, the text ``"1"`` and the
    number 1 among a Categorical's categories): a level is named, and new data matched to it, by its text, as
    R's factor levels are text (R refuses duplicated levels).  Levels that are all strings are distinct texts."""
    if all(type(v) is str for v in levels):
        return
    first: dict[str, Any] = {}
    for v in levels:
        text = label_text(v)
        if text in first:
            raise DataError(
                f"the factor {shown(label)} has two levels that print alike, {shown(repr(first[text]))} and "
                f"{shown(repr(v))}, both {shown(text)}: levels are named and matched by their text (as R's "
                "factor levels are text); make the values distinct, e.g. round them or turn them into strings")
        first[text] = v


def plan_design(terms: Sequence[Sequence[Node]], intercept: bool, values: dict, codings: Sequence[Sequence],
                n_rows: int, limits: FormulaLimits) -> DesignPlan:
    """The design's columns from the variables' values on the rows used (factors without unused levels).

    Raises :class:`DataError` for a factor with a single level where contrasts are needed (as R does), and
    the limits' errors before any column is allocated.
    """
    plans = []
    total = 1 if intercept else 0
    # the factors whose levels' texts are compared once the design's size is known to be within the limits:
    # the text of each of a million numeric levels took 10 s, before factor(x) was refused for its columns
    # (every factor then has at most max_columns + 1 levels, each in a term of at least that many columns)
    labelled: dict[str, tuple] = {}
    for term, codes in zip(terms, codings):
        vcs = []
        for node, contrasts in zip(term, codes):
            v = values[node]
            label = deparse(node)
            if isinstance(v, FactorVec):
                if len(v.levels) < 2:  # R's model.matrix sets contrasts on every factor, even one coded by indicators
                    raise _single_level(label, v.levels, "remove the term")
                labelled.setdefault(label, v.levels)
                kind = (v.contrasts or ("poly" if v.ordered else "treatment")) if contrasts else "indicator"
                if kind == "poly" and len(v.levels) > 95:  # (R's contr.poly refuses as well)
                    raise DataError(
                        f"the factor {shown(label)} has {len(v.levels)} levels: orthogonal polynomials cannot be "
                        f"represented accurately enough for {len(v.levels) - 1} degrees of freedom (as R says); "
                        "use treatment contrasts (an unordered factor) or fewer levels")
                kind = checked_contrasts(label, v.levels, kind)
                vcs.append(VariableCoding(node, label, coding_of(v.levels, kind), 0, ()))
            elif isinstance(v, NumMat):
                vcs.append(VariableCoding(node, label, None, v.values.shape[1], v.suffixes))
            else:
                vcs.append(VariableCoding(node, label, None, 1, ()))
        tp = TermPlan(":".join(vc.label for vc in vcs), tuple(vcs))
        k = 1
        for vc in vcs:  # Python integers: no overflow, and checked before any column exists
            k *= vc.n_cols
        total += k
        if total > limits.max_columns:
            raise refuse("max_columns", "the design has more columns than allowed", total, limits)
        plans.append(tp)
    for node, v in values.items():
        # (contrasts C() or glm(contrasts=) set are checked where every term takes indicators, or only a removed
        # term names the factor, too: R sets them when the model frame is made, and stops there for a matrix or a
        # base that cannot code the factor)
        if isinstance(v, FactorVec) and v.contrasts is not None and len(v.levels) >= 2:
            checked_contrasts(deparse(node), v.levels, v.contrasts)
    for label, levels in labelled.items():
        _check_distinct_labels(label, levels)
    plan = DesignPlan(intercept, tuple(plans))
    _check_unique_names(plan)
    dense_cols, valued, mapped = total, 0, []  # (no term stored as codes: every column is dense)
    coded = plan.coded_terms
    if plan.structured and any(coded):
        dense_cols = (1 if intercept else 0) + sum(len(t.names) for t, c in zip(plan.terms, coded) if not c)
        # (a structured design also holds a row of combined codes per interaction of factors, and a row of values
        # per numeric column of a coded term)
        valued = sum(_coded_rows(t) for t, c in zip(plan.terms, coded) if c)
        # (a term of contrasts is stored by every cell's indicator: the store's X'WX is the larger one)
        mapped = [t for t, m in zip(plan.terms, plan.contrast_terms) if m]
    stored = total + sum(_cells_width(t) - len(t.names) for t in mapped)
    size = (dense_cols + valued) * n_rows * 8 + WORK_MATRICES * stored * stored * 8
    if size > limits.max_design_bytes:
        raise refuse("max_design_bytes", "the design needs more memory than allowed (bytes)", size, limits)
    work = n_rows * dense_cols * dense_cols
    if work > limits.max_pass_work:
        raise refuse("max_pass_work", f"the design's {dense_cols:,} dense columns on {n_rows:,} rows need more work "
                                      "per iteration than allowed (rows x dense columns^2)", work, limits)
    # the p x p matrices of a fit (X'WX, its factor, the covariance, a sandwich) cost p^3 to factor or multiply:
    # no more than forming X'WX (rows x p^2) while p <= rows, but a design wider than its rows
    # (poly(x, 70):poly(z, 70) on 100 rows: 4,901 columns) would do all its work there
    if dense_cols > n_rows:
        work = dense_cols ** 3
        if work > limits.max_pass_work:
            raise refuse("max_pass_work", f"the design's {dense_cols:,} dense columns, more than its {n_rows:,} rows "
                                          f"({_widest_text(plan)}), need more work per iteration than allowed "
                                          "(dense columns^3, to factor the p x p X'WX)", work, limits)
    # columns of sum, Helmert or polynomial contrasts stored as codes cost nothing per row, but their block of
    # X'WX is dense: solving it costs their number cubed per iteration
    contrast = sum(len(t.names) for t in mapped)
    if work + contrast ** 3 > limits.max_pass_work:
        raise refuse("max_pass_work", f"the design's {contrast:,} columns of sum, Helmert or polynomial contrasts "
                                      "need more work per iteration than allowed (rows x dense columns^2 + "
                                      "contrast columns^3, to solve X'WX)", work + contrast ** 3, limits)
    return plan


def _widest_text(plan: DesignPlan) -> str:
    """"the term poly(x, 70):poly(z, 70) has 4,900 of them": the term of the most design columns, for a message."""
    if not plan.terms:
        return "the intercept alone"
    widest = max(plan.terms, key=lambda t: len(t.names))
    return f"the term {shown(widest.label)} has {len(widest.names):,} of them"


#: p x p matrices a fit holds at its peak besides the design, in the memory estimate of ``max_design_bytes``
#: (measured: an interaction of two 50-level factors, p = 2,501, peaks at the design plus 12 of them).
WORK_MATRICES = 12


def _check_unique_names(plan: DesignPlan) -> None:
    """Refuse two design columns of one name (a data column called ``Intercept`` next to the intercept, or
    `` `g[T.b]` `` next to the factor g): their coefficients would be indistinguishable by name, and one would
    be lost wherever results are looked up by name."""
    names = plan.column_names
    if len(set(names)) == len(names):
        return
    seen: dict[str, str] = {}
    sources = (["the intercept"] if plan.intercept else []) + [
        f"the term {shown(t.label)}" for t in plan.terms for _ in t.names]
    for name, source in zip(names, sources):
        if name in seen:
            raise DataError(
                f"two columns of the design are named {shown(name)}: {seen[name]} and {source}; rename the data "
                "column (or, for the intercept, leave it out with '- 1')")
        seen[name] = source


def _variable_columns(vc: VariableCoding, value: Value, n: int) -> np.ndarray:
    """The (n, k) columns of one variable."""
    if vc.factor is not None:
        codes = value.codes  # type: ignore[union-attr]
        M = vc.factor.matrix[codes]
        if codes.size and np.minimum.reduce(codes) < 0:
            M[codes < 0] = np.nan  # a missing level (code -1): a NaN row
        return M
    return _numeric_columns(value, n)


def _term_columns(t: TermPlan, values: dict, n: int, out: np.ndarray) -> None:
    """Write the term's columns (the row-wise products of its variables' columns, the first varying fastest)
    into ``out`` (n x the term's width)."""
    last = len(t.variables) - 1
    if last == 0:  # a main effect: its variable's columns as they are
        out[...] = _variable_columns(t.variables[0], values[t.variables[0].node], n)
        return
    block = np.ones((n, 1))
    # (inf * 0 is NaN and 1e200 * 1e200 Inf, as R's; check_finite_design refuses them in a fit, without numpy's
    # warning beside the refusal)
    with np.errstate(invalid="ignore", over="ignore"):
        for i, vc in enumerate(t.variables):
            cols = _variable_columns(vc, values[vc.node], n)
            if i == last:  # the term's columns go straight into out (no term-sized temporary: an interaction of
                # two 70-level factors is as large as the design)
                k = block.shape[1]
                for j in range(cols.shape[1]):
                    np.multiply(block, cols[:, j:j + 1], out=out[:, j * k:(j + 1) * k])
            else:  # the earlier variables vary fastest: for each new column, every existing column
                block = (block[:, None, :] * cols[:, :, None]).reshape(n, block.shape[1] * cols.shape[1])


def dense_design(plan: DesignPlan, values: dict, n: int) -> np.ndarray:
    """The dense design (n x p), column by column into one Fortran-ordered array."""
    X = np.empty((n, len(plan.column_names)), order="F")
    col = 0
    if plan.intercept:
        X[:, 0] = 1.0
        col = 1
    for t in plan.terms:
        k = len(t.names)
        _term_columns(t, values, n, X[:, col:col + k])
        col += k
    return X


def _cells_width(t: TermPlan) -> int:
    """The columns of a term stored by its cells' indicators: every level of each factor times the numeric
    variables' columns (Python integers: checked before anything is allocated)."""
    k = 1
    for vc in t.variables:
        k *= len(vc.factor.levels) if vc.factor is not None else vc.width
    return k


def _coded_rows(t: TermPlan) -> int:
    """Arrays of n numbers a coded term adds to a structured design: combined codes, and values per column
    of its numeric part."""
    factors = sum(vc.factor is not None for vc in t.variables)
    numeric = 1
    for vc in t.variables:
        numeric *= vc.width if vc.factor is None else 1
    return int(factors > 1) + (numeric if len(t.variables) > factors else 0)


def _numeric_columns(value: Value, n: int) -> np.ndarray:
    """A numeric variable's columns, shape (n, k)."""
    if isinstance(value, NumMat):
        return value.values
    return np.asarray(value.values if isinstance(value, NumVec) else value, dtype=float).reshape(n, 1)


def _coded_factors(t: TermPlan, values: dict, n: int, first: int, codes_of: dict) -> list[Factor]:
    """A coded term (:func:`is_coded`) as factors of the structured design, its columns from ``first`` on
    (:class:`CodedLayout`): each combination of the numeric variables' columns gives one factor over the
    term's cells, its values the product of those columns."""
    lay = t.coded_layout
    key = tuple(t.variables[i].node for i in lay.factor_at)
    if key not in codes_of:  # (g:x and g share g's codes, a:b:x and a:b their cell codes)
        code, lstride = None, 1
        for i in lay.factor_at:
            vc = t.variables[i]
            c = np.asarray(values[vc.node].codes, dtype=np.intp)
            code = c if code is None else code + c * lstride
            lstride *= len(vc.factor.levels)
        codes_of[key] = code
    if not lay.numeric_at:  # (a main effect, or an interaction of factors: no values)
        return [Factor(codes_of[key], np.where(lay.offset >= 0, lay.offset + first, -1), None, lay.parts)]
    numeric = [(_numeric_columns(values[t.variables[i].node], n), lay.strides[i]) for i in lay.numeric_at]
    out = []
    for combo in np.ndindex(*[m.shape[1] for m, _ in numeric]):
        shift = first + sum(j * st for j, (_, st) in zip(combo, numeric))
        scale = None  # the product of the numeric columns (a new array)
        for j, (m, _) in zip(combo, numeric):
            scale = np.array(m[:, j], dtype=float) if scale is None else scale * m[:, j]
        out.append(Factor(codes_of[key], np.where(lay.offset >= 0, lay.offset + shift, -1), scale, lay.parts))
    return out


def structured_design(plan: DesignPlan, values: dict, n: int) -> StructuredDesign | TransformedDesign:
    """The structured design of a plan (see :attr:`DesignPlan.structured`): its coded terms as codes (and
    values), every other term's columns in the dense block.  Terms with contrasts other than treatment
    (:func:`is_contrast_coded`) are stored by their cells' indicators, and the design is then that store times
    the column map of their contrast matrices (every other column maps to itself)."""
    dense_cols: list[int] = []
    dense_terms: list[tuple[TermPlan, int]] = []  # (term, its first column in the dense block)
    factors: list[Factor] = []
    codes_of: dict = {}  # the code array of each set of factor variables
    col = 1 if plan.intercept else 0  # the next column of the store
    xcol = col  # ... and of the design
    maps = []  # (store column, design column, the term's column map) of each contrast-coded term
    same = [(0, 0, col)] if col else []  # (store column, design column, count) of columns mapped to themselves
    for t, coded, mapped in zip(plan.terms, plan.coded_terms, plan.contrast_terms):
        k = len(t.names)
        if mapped:
            M = t.column_map
            factors.extend(_coded_factors(t, values, n, col, codes_of))
            maps.append((col, xcol, M))
            col, xcol = col + M.shape[0], xcol + k
            continue
        same.append((col, xcol, k))
        if not coded:
            dense_terms.append((t, len(dense_cols)))
            dense_cols.extend(range(col, col + k))
        else:
            factors.extend(_coded_factors(t, values, n, col, codes_of))
        col, xcol = col + k, xcol + k
    dense = None
    if dense_terms:
        dense = np.empty((n, len(dense_cols)), order="F")
        for t, at in dense_terms:
            _term_columns(t, values, n, dense[:, at:at + len(t.names)])
    store = StructuredDesign(col, 0 if plan.intercept else None, dense, dense_cols, factors, n_rows=n)
    if not maps:
        return store
    return TransformedDesign(store, _column_map(maps, same, col, xcol))


def _column_map(maps, same, n_store: int, n_cols: int):
    """The sparse n_store x n_cols map: each contrast-coded term's block, the identity elsewhere."""
    from .._scipy import sparse

    rows, cols, data = [], [], []
    for z, x, k in same:
        rows.append(np.arange(z, z + k))
        cols.append(np.arange(x, x + k))
        data.append(np.ones(k))
    for z, x, M in maps:
        M = M.tocoo()
        rows.append(M.row + z)
        cols.append(M.col + x)
        data.append(M.data)
    return sparse.csc_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(n_store, n_cols))


def build_design(plan: DesignPlan, values: dict, n: int, structured: bool = True) -> Design:
    """The design of the rows whose ``values`` are given: structured when the plan allows it."""
    if structured and plan.structured:
        return structured_design(plan, values, n)
    return DenseDesign(dense_design(plan, values, n))
