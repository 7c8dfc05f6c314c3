"""emmeans' families of comparisons between the estimated marginal means of a group (``contrast(emm, method)``),
and the adjustments of their p-values that depend on the family.

For k means m_1..m_k (a factor's levels, in order) each comparison is m_a - m_b, labelled ``"a - b"``:

* ``"pairwise"`` (``pairs()``): every a < b, in the order (1, 2), (1, 3), ..., (2, 3), ...;
* ``"revpairwise"``: every b < a, in the order (2, 1), (3, 1), (3, 2), (4, 1), ...;
* ``"trt.vs.ctrl"``: every level against the reference ``ref`` (the first by default), a != ref, in order;
  ``"trt.vs.ctrlk"``: against the last level;
* ``"consec"``: each level against the one before, (2, 1), (3, 2), ...

emmeans adjusts the first two by Tukey's method by default, the comparisons with a control by ``"dunnettx"`` and
the consecutive ones by ``"mvt"``.  ``"dunnettx"`` is emmeans' approximation of Dunnett's: for m comparisons and
w = (m - 1) / m,

    p = w P(Q_{c,df} > sqrt(2) |t|) + (1 - w) (1 - (1 - p_t)^m),   c = (1 + sqrt(1 + 8 m)) / 2,

a mixture of Tukey's p-value for c means (whose c(c - 1)/2 pairs are m) and Sidak's; emmeans computes it as
``1 - .pdunnx(|t|, m, df)``, 1 less the lower tails, which here are summed as upper tails so that small p-values
keep their digits.  ``"mvt"`` integrates the multivariate t distribution by simulation (mvtnorm's randomised
quasi-Monte Carlo): its p-values differ from run to run in the fourth digit and are not offered.  Tukey's method
applies to a family of every pair of means only: asked for another family it becomes Sidak's, as emmeans
changes it ("only appropriate for one set of pairwise comparisons").

Three more families are linear combinations of the k means, each comparison c'm with c summing to 0:

* ``"eff"``: each mean less the average of all, c = e_a - 1/k (``"a effect"``);
* ``"del.eff"``: each mean less the average of the others, c = e_a - (1 - e_a) / (k - 1) (``"a effect"``);
* ``"poly"``: orthogonal polynomials of degrees 1 to min(6, k - 1) over equally spaced levels, as emmeans scales
  them to whole numbers (``"linear"``, ``"quadratic"``, ``"cubic"``, ``"quartic"``, ``"degree 5"``, ...);
* ``"mean_chg"``: for each level a but the last, the mean of the levels after it less the mean of a and the levels
  before, c_j = 1/(k - a) after and -1/a up to a (``"a|b"``, b the level after a), emmeans' ``mean_chg.emmc``.

emmeans adjusts the first two by ``"fdr"`` (Benjamini-Hochberg), the polynomials not at all, and the changes of
the mean by ``"mvt"``, as the consecutive comparisons (refused by default here too).

And one is no comparison: ``"identity"`` (emmeans' ``identity.emmc``) takes each mean as its own contrast, c = e_a
(labelled by its level), a family of k of rank k, not adjusted by default.  Its coefficients do not sum to 0
(emmeans' ``true.con`` is false, :attr:`ContrastFamily.comparison`), so the grid's offset stays in its linear
predictor (emmeans' offset of a contrast is c'o) and emmeans neither makes ratios of it nor back-transforms it: it is
on the link scale, with the note that the contrasts are still on it.

These are all of emmeans 1.8's ``.emmc`` functions, with their options (:data:`OPTIONS`; :func:`kept_means`,
:func:`family_of`):

* ``exclude`` / ``include`` (all but ``poly``): the means left out of, or kept in, the family, by 1-based position or
  label; the family is made of the means kept, in their order (``include``'s order is not kept, as emmeans'), and its
  size -- Tukey's k, emmeans' ``famSize`` -- is their number; ``eff``'s grand mean is theirs;
* ``reverse`` (``trt.vs.ctrl``: control - level; ``consec``: each level less the one after; ``mean_chg``: the mean up
  to a level less the mean after it, labels kept; ``pairwise``: ``revpairwise``, as emmeans' ``tukey.emmc`` and
  ``pairs(reverse = TRUE)`` make it -- emmeans' ``contrast(emm, "pairwise", reverse = TRUE)`` ignores it);
* ``wts`` (``eff``, ``del.eff``): the grand mean weighted, c_a = (e_a - w / sum(w)) / d, d = 1 for ``eff`` and
  1 - w_a / sum(w) for ``del.eff`` (one weight a mean, or one a mean kept);
* ``max_degree`` (``poly``): polynomials of degrees 1 to max_degree (at most min(20, k - 1)).

emmeans passes an option a family does not take to its ``...``, which ignores it; glmstat refuses it, naming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

from .._arguments import finite_or_none, integer_type, shown, shown_items
from ..errors import GLMStatError
from .studentized_range import tukey_p_values

__all__ = ["ContrastFamily", "FAMILIES", "ALIASES", "OPTIONS", "check_method", "family_of", "kept_means",
           "dunnettx_p_values"]


@dataclass(frozen=True)
class ContrastFamily:
    """A family of comparisons of k means: emmeans' ``method``, what the comparisons are (for headings), the
    adjustment emmeans makes by default, whether the family is every pair (where Tukey's method applies), and
    whether its comparisons are linear combinations of the means (:meth:`combine`) rather than differences
    of two (:meth:`pairs`)."""

    method: str
    description: str
    default_adjust: str
    every_pair: bool
    ref: int | None = None  # (the control's position, 0-based, for the comparisons with a control)
    linear: bool = False
    given: tuple[tuple[float, ...], ...] = ()  # (contrasts of one's own: their coefficients, by name)
    given_names: tuple[str, ...] = ()
    comparison: bool = True  # (the coefficients sum to 0, emmeans' true.con: the offset cancels, ratios are made)
    reverse: bool = False  # (trt.vs.ctrl: control - level; consec: a level less the next; mean_chg: negated)
    weights: tuple[float, ...] = ()  # (eff, del.eff: the grand mean's weights of the means, emmeans' wts)
    max_degree: int | None = None  # (poly: the polynomials' highest degree; None: min(6, k - 1))

    def count(self, k: int) -> int:
        """How many comparisons the family makes of k means (known before any is built)."""
        if self.given:
            return len(self.given)
        if self.method in ("pairwise", "revpairwise"):
            return k * (k - 1) // 2
        if self.method in ("eff", "del.eff", "identity"):
            return k
        return self._degree(k) if self.method == "poly" else k - 1

    def _degree(self, k: int) -> int:
        return _poly_degree(k) if self.max_degree is None else self.max_degree

    def combine(self, L: np.ndarray) -> np.ndarray:
        """A linear family's comparisons of the k means whose rows (of design coefficients) are ``L``: C L."""
        if self.given:
            return np.array(self.given) @ L
        if self.method == "identity":  # (each mean itself)
            return L.copy()
        if self.method == "poly":
            return _polynomials(L.shape[0], self._degree(L.shape[0])) @ L
        if self.method == "mean_chg":
            return (-1.0 if self.reverse else 1.0) * (_mean_changes(L.shape[0]) @ L)
        if self.weights:  # (emmeans' wts: (e_a - w / sum(w)), over 1 - w_a / sum(w) for del.eff)
            w = np.asarray(self.weights) / math.fsum(self.weights)
            C = np.eye(len(w)) - w[None, :]
            if self.method == "del.eff":
                C = C / np.diag(C)[:, None]
            return C @ L
        if self.method == "eff":  # (each mean less the average of all: e_a - 1/k)
            return L - L.mean(axis=0)
        k = L.shape[0]  # ("del.eff": each less the average of the others, e_a - (1 - e_a) / (k - 1))
        return L - (L.sum(axis=0) - L) / (k - 1)

    def names(self, labels: Sequence[str]) -> list[str]:
        """The labels of a linear family's comparisons of the means ``labels``."""
        if self.given:
            return list(self.given_names)
        if self.method == "identity":  # (emmeans' names(M) = levs)
            return list(labels)
        if self.method == "poly":
            return list(_DEGREES[:self._degree(len(labels))])
        if self.method == "mean_chg":  # (emmeans' paste(a, b, sep = "|") of each level and the next)
            return [f"{a}|{b}" for a, b in zip(labels[:-1], labels[1:])]
        return [f"{label} effect" for label in labels]

    def rank(self, k: int) -> int:
        """The rank of the family's comparisons of k means (Scheffe's adjustment): k - 1, the polynomials', k for
        the means themselves (``"identity"``), or that of one's own contrasts."""
        if self.given:
            return int(np.linalg.matrix_rank(np.array(self.given)))
        if self.method == "identity":
            return k
        return self._degree(k) if self.method == "poly" else k - 1

    def pairs(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(a, b): the positions of each comparison's two means, m_a - m_b, in the family's order."""
        if self.method == "pairwise":
            return np.triu_indices(k, 1)
        if self.method == "revpairwise":
            b, a = np.triu_indices(k, 1)
            order = np.lexsort((b, a))  # (by the later mean, then the earlier: (2, 1), (3, 1), (3, 2), ...)
            return a[order], b[order]
        if self.method == "consec":
            return (np.arange(k - 1), np.arange(1, k)) if self.reverse else (np.arange(1, k), np.arange(k - 1))
        ref = self.control(k)
        a = np.array([i for i in range(k) if i != ref], dtype=np.intp)
        control = np.full(a.size, ref, dtype=np.intp)
        return (control, a) if self.reverse else (a, control)

    def control(self, k: int) -> int:
        """The control's position among k means (the comparisons with a control): ``ref``, or the last."""
        ref = k - 1 if self.ref is None else self.ref
        if ref >= k:
            raise GLMStatError(f"ref = {ref + 1} is no mean's position: the group has {k} means")
        return ref


_DEGREES = ("linear", "quadratic", "cubic", "quartic", *(f"degree {d}" for d in range(5, 21)))


def _poly_degree(k: int) -> int:
    return min(6, k - 1)  # (emmeans' max.degree)


def _polynomials(k: int, degree: int) -> np.ndarray:
    """emmeans' ``poly.emmc``: R's orthogonal polynomials over 1..k of degrees 1 to ``degree`` (each the part of
    x^d orthogonal to the lower powers), each scaled by its smallest value above 0.01 and then, while a value is
    more than 0.05 from a whole number, divided by that distance, and rounded: whole numbers (-5, -3, -1, 1, 3, 5)."""
    x = np.arange(1.0, k + 1) - (k + 1) / 2.0
    Q, R = np.linalg.qr(np.vander(x, degree + 1, increasing=True))
    rows = []
    for j in range(1, Q.shape[1]):
        con = Q[:, j] * np.sign(R[j, j])  # (the sign of x^j's own coefficient positive, as R's poly)
        con = con / con[con > 0.01].min()
        z = np.max(np.abs(con - np.round(con)))
        while z > 0.05:
            con = con / z
            z = np.max(np.abs(con - np.round(con)))
        rows.append(np.round(con))
    return np.array(rows)


def _mean_changes(k: int) -> np.ndarray:
    """emmeans' ``mean_chg.emmc`` of k means: row a (1 to k - 1) is -1/a on the first a means and 1/(k - a) on the
    others -- the mean after level a less the mean up to it."""
    a = np.arange(1, k)[:, None]
    return np.where(np.arange(k)[None, :] < a, -1.0 / a, 1.0 / (k - a))


#: emmeans' methods of comparisons, with their default adjustments
FAMILIES = {
    "pairwise": ContrastFamily("pairwise", "Pairwise comparisons", "tukey", True),
    "revpairwise": ContrastFamily("revpairwise", "Pairwise comparisons (reversed)", "tukey", True),
    "trt.vs.ctrl": ContrastFamily("trt.vs.ctrl", "Comparisons with a control", "dunnettx", False, 0),
    "trt.vs.ctrlk": ContrastFamily("trt.vs.ctrlk", "Comparisons with the last level", "dunnettx", False, None),
    "consec": ContrastFamily("consec", "Comparisons of consecutive levels", "mvt", False),
    "eff": ContrastFamily("eff", "Differences from the grand mean", "fdr", False, linear=True),
    "del.eff": ContrastFamily("del.eff", "Differences from the mean of the others", "fdr", False, linear=True),
    "poly": ContrastFamily("poly", "Polynomial contrasts", "none", False, linear=True),
    "mean_chg": ContrastFamily("mean_chg", "Changes of the mean after each level from the mean up to it", "mvt",
                               False, linear=True),
    "identity": ContrastFamily("identity", "Identity contrasts (each mean itself)", "none", False, linear=True,
                               comparison=False),
}


#: emmeans' other names of the same families (``tukey.emmc`` is ``pairwise.emmc``, ``dunnett.emmc`` and
#: ``trt.vs.ctrl1.emmc`` are ``trt.vs.ctrl.emmc`` with the first level as control): the same comparisons, labels,
#: adjustments and notes
ALIASES = {"tukey": "pairwise", "dunnett": "trt.vs.ctrl", "trt.vs.ctrl1": "trt.vs.ctrl"}


def check_method(method: Any) -> None:
    """Refuse a ``method`` that is neither a family's name (or one of emmeans' :data:`ALIASES`) nor a dict of
    contrasts of one's own (before the means are computed)."""
    if not isinstance(method, Mapping) and (
            not isinstance(method, str) or method not in FAMILIES and method not in ALIASES):
        raise GLMStatError(f"unknown comparisons {shown(method)}; use one of {shown_items(list(FAMILIES))}, or a "
                           "dict of contrasts of one's own")


#: The options of emmeans' ``.emmc`` functions each family takes (its aliases take their family's)
OPTIONS = {
    "pairwise": ("exclude", "include", "reverse"),  # (reverse: emmeans' tukey.emmc, pairs(reverse = TRUE))
    "revpairwise": ("exclude", "include"),
    "trt.vs.ctrl": ("exclude", "include", "reverse"),
    "trt.vs.ctrlk": ("exclude", "include", "reverse"),
    "consec": ("exclude", "include", "reverse"),
    "mean_chg": ("exclude", "include", "reverse"),
    "eff": ("exclude", "include", "wts"),
    "del.eff": ("exclude", "include", "wts"),
    "poly": ("max_degree",),
    "identity": ("exclude", "include"),
}


def _check_options(method: Any, options: Mapping[str, Any]) -> None:
    """Refuse an option (given, not None) that the family ``method`` does not take, naming it."""
    given = [k for k, v in options.items() if v is not None and v is not False]
    if not given:
        return
    if isinstance(method, Mapping):
        raise GLMStatError(f"{given[0]}= is not an option of contrasts of one's own (give their coefficients)")
    name = ALIASES.get(method, method)
    for option in given:
        if option not in OPTIONS[name]:
            takers = shown_items([m for m, opts in OPTIONS.items() if option in opts])
            raise GLMStatError(f"{option}= is not an option of method={shown(method)} (emmeans ignores it there); it "
                               f"is for {takers}")


def _positions(values: Any, labels: Sequence[str], option: str) -> list[int]:
    """The 0-based positions ``values`` names among the means ``labels`` (each a 1-based position or a label)."""
    raw = list(values) if isinstance(values, (list, tuple, np.ndarray)) else [values]
    # (a label as shown, or as emmeans' .num.key matches it: the level itself, without the parentheses put round
    # a label holding - + / *)
    known = {label: i for i, label in enumerate(labels)}
    for i, label in enumerate(labels):
        if label.startswith("(") and label.endswith(")"):
            known.setdefault(label[1:-1], i)
    out = []
    for value in raw:
        if type(value) is str and value in known:  # (Python's own str: no subclass's __eq__ runs)
            out.append(known[value])
        elif integer_type(value) and not isinstance(value, bool) and 1 <= value <= len(labels):
            out.append(int(value) - 1)
        else:
            raise GLMStatError(f"{option}= {shown(value)} is no mean's label or position (1 to {len(labels)}); the "
                               f"means: {shown_items(list(labels))}")
    return out


def kept_means(method: Any, labels: Sequence[str], exclude: Any = None, include: Any = None) -> np.ndarray:
    """The positions (0-based, in order) of the means ``labels`` of one group that the family keeps: all of them, or
    those ``include`` names, or all but those ``exclude`` names (emmeans' ``.get.excl``: by 1-based position or by
    label; a name that is neither refused, where emmeans drops it)."""
    _check_options(method, {"exclude": exclude, "include": include})
    if exclude is not None and include is not None:
        raise GLMStatError("give exclude= or include=, not both (emmeans: \"Cannot specify both 'exclude' and "
                           "'include'\")")
    k = len(labels)
    if include is not None:
        kept = sorted(set(_positions(include, labels, "include")))
    elif exclude is not None:
        left_out = set(_positions(exclude, labels, "exclude"))
        kept = [i for i in range(k) if i not in left_out]
    else:
        kept = list(range(k))
    if len(kept) < 2 and (exclude is not None or include is not None) and method != "identity":
        raise GLMStatError(f"{'include' if include is not None else 'exclude'}= leaves {len(kept)} mean"
                           f"{'' if len(kept) == 1 else 's'}; comparisons need at least two")
    return np.asarray(kept, dtype=np.intp)


def family_of(method: Any, ref: Any, labels: Sequence[str], kept: np.ndarray | None = None, reverse: Any = False,
              wts: Any = None, max_degree: Any = None) -> ContrastFamily:
    """The family ``method`` names, with the control ``ref`` (a 1-based position, as emmeans' ``ref =``, or a
    mean's label) for ``"trt.vs.ctrl"``; the means' ``labels`` (of one group) name a control given by label.  The
    family compares the means ``kept`` (positions among ``labels``, :func:`kept_means`; None: all), and takes
    emmeans' options ``reverse``, ``wts`` and ``max_degree`` where :data:`OPTIONS` says it does (see the module
    docstring); the control's position is among the kept means."""
    _check_options(method, {"reverse": reverse, "wts": wts, "max_degree": max_degree})
    if not isinstance(reverse, (bool, np.bool_)):
        raise GLMStatError(f"reverse= must be True or False, got {shown(reverse)}")
    kept = np.arange(len(labels)) if kept is None else kept
    k = len(kept)
    if isinstance(method, Mapping):
        if ref is not None:
            raise GLMStatError("ref= is for method=\"trt.vs.ctrl\" (the control), not for contrasts of one's own")
        return _own_contrasts(method, len(labels))
    check_method(method)
    method = ALIASES.get(method, method)
    fam = FAMILIES[method]
    if method == "pairwise" and reverse:  # (emmeans' tukey.emmc(reverse = TRUE), pairs(reverse = TRUE))
        fam = FAMILIES["revpairwise"]
    elif reverse:
        fam = replace(fam, reverse=True)
    if wts is not None:
        fam = replace(fam, weights=_weights(wts, len(labels), kept, method))
    if max_degree is not None:
        top = min(20, k - 1)
        if not (integer_type(max_degree) and not isinstance(max_degree, bool) and 1 <= max_degree <= top):
            raise GLMStatError(f"max_degree= must be a whole number from 1 to {top} (the polynomials of {k} means), "
                               f"got {shown(max_degree)}")
        fam = replace(fam, max_degree=int(max_degree))
    if method not in ("trt.vs.ctrl", "trt.vs.ctrlk"):
        if ref is not None:
            raise GLMStatError(f"ref= is for method=\"trt.vs.ctrl\" (the control), not {shown(method)}")
        return fam
    if ref is None:  # (the first level, or trt.vs.ctrlk's last, kept or not)
        position = 0 if method == "trt.vs.ctrl" else len(labels) - 1
    elif isinstance(ref, str):
        if ref not in labels:
            raise GLMStatError(f"ref = {shown(ref)} is not one of the means' labels: {shown_items(list(labels))}")
        position = list(labels).index(ref)
    elif integer_type(ref) and not isinstance(ref, bool) and 1 <= ref <= len(labels):
        position = int(ref) - 1
    else:
        raise GLMStatError(f"ref must be a mean's position from 1 to {len(labels)} or its label, got {shown(ref)}")
    if position not in kept:
        raise GLMStatError(f"exclude= leaves out the control {shown(labels[position])} (emmeans: \"'exclude' set "
                           "cannot overlap with 'ref'\")")
    return replace(fam, every_pair=False, ref=int(np.flatnonzero(kept == position)[0]))


def _weights(wts: Any, k: int, kept: np.ndarray, method: str) -> tuple[float, ...]:
    """emmeans' ``wts`` of ``eff`` and ``del.eff``: one weight a mean, or one a mean kept; those of the kept means."""
    raw = list(wts) if isinstance(wts, (list, tuple, np.ndarray)) else None
    numbers = None if raw is None or len(raw) not in (k, len(kept)) else [finite_or_none(x) for x in raw]
    if numbers is None or any(x is None for x in numbers):
        kept_too = "" if len(kept) == k else f", or {len(kept)}, one a mean kept"
        raise GLMStatError(f"wts= must be {k} finite weights, one a mean{kept_too}, got {shown(wts)}")
    w = [numbers[i] for i in kept] if len(numbers) == k else numbers
    size = max(abs(x) for x in w)
    w = [x / size for x in w] if size > 0 else w  # (only their ratios matter: 1e308s summed overflowed)
    total = math.fsum(w)
    if not total > 0:
        raise GLMStatError(f"wts= must sum to more than 0 over the means kept, got {shown(wts)}")
    if method == "del.eff" and any(x == total for x in w):
        raise GLMStatError("wts= puts all the weight on one mean, whose difference from the mean of the others "
                           "(del.eff) is undefined")
    return tuple(float(x) for x in w)


#: contrasts of one's own a family holds at most
MAX_OWN_CONTRASTS = 1000


def _own_contrasts(given: Mapping, k: int) -> ContrastFamily:
    """emmeans' ``contrast(emm, list(name = c(...), ...))``: each a name and k coefficients of the k means (of one
    group), finite and summing to 0 (a comparison: the offset cancels, and its value is a ratio on a log scale);
    p-values not adjusted, as emmeans does for a list."""
    if not 0 < len(given) <= MAX_OWN_CONTRASTS:
        raise GLMStatError(f"contrasts of one's own: give 1 to {MAX_OWN_CONTRASTS} of them, got {len(given):,}")
    names, rows = [], []
    for name, values in given.items():
        if not isinstance(name, str) or not name:
            raise GLMStatError(f"contrasts of one's own are named by texts, got {shown(name)}")
        # (a nested item is no finite number; np.ndim() of a ragged list raised numpy's ValueError)
        raw = list(values) if isinstance(values, (list, tuple)) or \
            isinstance(values, np.ndarray) and values.ndim == 1 else None
        numbers = None if raw is None or len(raw) != k else [finite_or_none(x) for x in raw]
        if numbers is None or any(x is None for x in numbers):
            raise GLMStatError(f"the contrast {shown(name)} must be {k} finite numbers, one per mean, got "
                               f"{shown(values)}")
        scale = max(abs(x) for x in numbers)
        if scale == 0 or abs(math.fsum(numbers)) > 1e-9 * scale:
            raise GLMStatError(f"the contrast {shown(name)}'s coefficients must sum to 0 and not all be 0 (a "
                               "comparison of the means; the means themselves are emmeans()'s)")
        names.append(name)
        rows.append(tuple(numbers))
    return ContrastFamily("custom", "Contrasts of one's own", "none", False, linear=True, given=tuple(rows),
                          given_names=tuple(names))


def dunnettx_p_values(t: np.ndarray, p: np.ndarray, df: float) -> np.ndarray:
    """emmeans' ``"dunnettx"`` p-values of a family of m = len(t) comparisons (see the module docstring): ``t``
    their statistics, ``p`` their unadjusted two-sided p-values on ``df`` degrees of freedom."""
    m = len(t)
    if m <= 1:
        return p
    w = (m - 1) / m
    c = (1.0 + math.sqrt(1.0 + 8.0 * m)) / 2.0  # (c (c - 1) / 2 = m pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        sidak = -np.expm1(m * np.log1p(-p))
    return w * tukey_p_values(t, p, c, df) + (1.0 - w) * sidak
