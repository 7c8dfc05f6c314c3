"""Estimated marginal means (least-squares means) over a reference grid, as R's ``emmeans`` computes them
with ``type = "response"``, and their pairwise comparisons as ``pairs()``.

The reference grid -- every level of every factor, numeric variables at their mean or their two values -- and,
for a level (or combination of levels) of the chosen variables, the row L of the grid's means, eta = L b + o and
se_eta = sqrt(L V L') on the link scale come from :mod:`.reference_grid` (its docstring: the grid, nesting,
weights, ``by``, and streamed data).  On the response scale:

    estimate = g^{-1}(eta),   std_error = |g^{-1}'(eta)| se_eta,
    interval = g^{-1}(eta -/+ q se_eta) (reordered for a decreasing inverse link),

q the t quantile on the residual df for the gaussian and Gamma families and the normal quantile (``df`` =
inf) for the others -- emmeans' rule for a glm, which treats quasi families and the inverse Gaussian as
asymptotic although their dispersion is estimated.  A mean that is not estimable (L outside the row space of
the design, with aliased columns) is NaN with its standard error, df and interval, as emmeans reports it
(``nonEst``); so is a comparison whose L_a - L_b is not estimable, while one whose non-estimable parts cancel
is reported.

A transformed response (``log(y)``, ``sqrt(y)``, ``2 * sqrt(y)``, ``log(y + 1)``, ``scale(y)``, ...) is back-transformed
too, after the inverse link, as emmeans does (:mod:`glmstat.inference.response_transform`): the estimate is
h(eta), its standard error |h'(eta)| se_eta and the interval's ends h(eta -/+ q se_eta).

With ``by`` (emmeans' ``~ term | by``) the means are those of the combinations of the term's and the by
variables' levels, the same numbers as for ``term:by``, grouped by the by variables' levels (they vary
slowest); pairwise comparisons are made within each group only, and adjusted for that group's comparisons.
With a nested factor in the term the comparisons are made over the rows shown (a group of ``~ A | B`` holds A's
levels that occur with that level of B, and groups may differ in size).  Where the groups are of one size, Tukey's
adjustment there takes k = the number of comparisons in all groups, not the group's means, as emmeans'
``.nested_contrast`` rbinds the groups' contrasts into a grid whose ``famSize`` is their number (its "family of 12
estimates" for two groups of four means; intervals too); groups of different sizes are each adjusted for their
own k, as are the other adjustments always.

Pairwise comparisons (emmeans' ``pairs()``) are made on the link scale: d = eta_a - eta_b, se_d =
sqrt((L_a - L_b) V (L_a - L_b)'), statistic d / se_d, shown back-transformed where that is a ratio (log link:
mu_a / mu_b; logit: the odds ratio; std_error exp(d) se_d; with an identity link and a log, log2 or log10
response without a multiplier, the ratio of the back-transformed means: b^d, std_error b^d log(b) se_d; with
a log link and a response m sqrt(y), whose means are (exp(eta) / m)^2, their ratio e^(2d), std_error
2 e^(2d) se_d) and as the difference otherwise.  p-values are
adjusted for the k(k-1)/2 comparisons: Tukey (emmeans' default: P(Q_{k,df} > sqrt(2) |t|), the studentized
range, each pair's to a relative 1e-13, every pair at once on shared quadrature nodes; below 1e-10 k(k-1)/2 times
the unadjusted p: :mod:`glmstat.inference.studentized_range`), Scheffe (P(F_{k-1,df} > t^2 / (k - 1))),
Sidak, Bonferroni, Holm, Hochberg, Hommel, Benjamini-Hochberg ("BH" or "fdr"), Benjamini-Yekutieli ("BY") as R's
``p.adjust`` (:mod:`glmstat.inference.p_adjust`), or none.
Labels follow emmeans: numeric-looking levels carry their variable's name (``cyl4 - cyl6``) and levels holding
``- + / *`` are put in parentheses.

Pairwise comparisons are made for up to :data:`MAX_PAIRS` pairs, in blocks of the grid's size
(:data:`~glmstat.inference.reference_grid.GRID_CELLS` cells); more are refused with the numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .._scipy import sparse
from ..distributions import interval_quantile, normal_sf, t_sf
from .._arguments import confidence_level, is_one_of, own_scalar, shown
from ..errors import GLMStatError
from ..links import domain_limits
from ..report.display import level_percent
from ..report.rformat import format_r
from .contrast_families import ContrastFamily, check_method, dunnettx_p_values, family_of, kept_means
from .critical_values import INTERVAL_ADJUSTMENTS, critical_value
from .covariance_factor import combination_variances
from .response_transform import RESPONSE_TRANSFORMS, back_transform, fitted_response_transform
from .p_adjust import P_ADJUST_METHODS, p_adjust, scheffe_p_values
from .studentized_range import tukey_p_values
from .reference_grid import estimable_rows, grid_means

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["averaged_note", "contrast_notes", "emmeans", "emmeans_contrasts", "emmeans_pairs", "grid_notes",
           "pair_labels", "transform_name"]

# emmeans' adjustments of pairs() (lower-cased: "BH", "BY"), but its simulated "mvt" and "dunnettx"
_ADJUST = ("tukey", "scheffe", *P_ADJUST_METHODS)


#: Pairwise comparisons are made for at most this many pairs (a 1000-level factor's 499,500).
MAX_PAIRS = 500_000


#: ... and with labels of at most this many characters in all: each pair's label holds both levels' labels,
#: so 600 levels of 2,000 characters made 720 million characters (800 MB), 1,000 of 10,000 ten gigabytes.
MAX_PAIR_LABEL_CHARS = 50_000_000
#: The smallest size of a custom contrast's largest coefficient (on the model's coefficients): below, the squares its
#: variance takes underflow (1e-320: a standard error of 0 and a z ratio of inf, as R's emmeans gives), as weights'.
MIN_CONTRAST_SIZE = 1e-100


def emmeans(fit: "GLMResults", term: Any, level: float = 0.95, by: Any = None, type: str = "response",
            weights: str = "equal", at: dict | None = None, offset: float | None = None, cov_reduce: Any = None,
            cov_keep: Any = None, regrid: str | None = None) -> pd.DataFrame:
    """Estimated marginal means of ``term`` on the response scale (see the module docstring), or on the scale of
    the linear predictor.

    Parameters
    ----------
    fit : GLMResults
    term : str or list of str
        A variable (``"g"``), or several (``"a:b"``, ``["a", "b"]``): their level combinations.
    level : float
        Coverage of the intervals.
    by : str or list of str, optional
        Variables whose levels group the means (emmeans' ``~ term | by``).
    type : {"response", "link"}
        ``"response"``: back-transformed, as ``emmeans(..., type = "response")``; ``"link"``: eta, its standard
        error and eta -/+ q se, as emmeans' default (its ``emmean`` column, on the scale of the linear
        predictor -- of a transformed response's too).
    weights : {"equal", "proportional", "outer", "cells", "flat"}
        emmeans' weights of the grid's cells each mean averages over: equal (its default); in proportion to the
        rows of each combination of the other variables' values; to the product of their one-way counts; to each
        cell's own rows (the ordinary marginal means of the fitted values, on the link scale); 1 for each cell
        some row takes.
    at : dict, optional
        Numeric variables held at the values given instead of their mean (emmeans' ``at = list(x = c(...))``):
        ``{"x": [100, 150]}``, an axis of the grid (averaged over unless asked for by ``term`` or ``by``); factors
        at the levels given only, in that order (``{"tension": ["L", "M"]}``: the means average over those
        levels, or are those levels' where ``term`` or ``by`` names the factor).
    offset : float, optional
        The offset of the grid's linear predictor instead of the mean of the model's (emmeans' ``offset =``):
        ``offset=0`` gives a rate per unit of exposure where the model's offset is ``log(exposure)``.
    cov_reduce : str or dict, optional
        The covariates' values on the grid by emmeans' ``cov.reduce``, by name: ``"mean"`` (the default),
        ``"median"``, ``"min"``, ``"max"``, or ``"range"`` (both ends: an axis of the grid, averaged over unless
        asked for by ``term`` or ``by``); or a dict of them by covariate (the others at their mean).  A function is
        refused (glmstat runs no code of the caller's): give its values by ``at=``.
    cov_keep : list of str or int, optional
        emmeans' ``cov.keep``: covariates kept at all their distinct values (by name; a number n: those of at most
        n values); None: those of at most two values, emmeans' default.  ``at=`` has the last word, then
        ``cov_keep``, then ``cov_reduce``.
    regrid : {None, "response"}
        ``"response"``: emmeans' ``regrid = "response"``, the grid's cells back-transformed before the means
        average over them (each mean the average of its cells' probabilities or rates, its standard error by the
        delta method, its interval the estimate -/+ q SE); ``type`` then has no effect, as in emmeans.

    Returns
    -------
    DataFrame
        Indexed by level (a MultiIndex for several variables, the term's then ``by``'s): ``estimate``,
        ``std_error``, ``df``, ``lower``, ``upper``.
    """
    level = confidence_level(level)
    if not is_one_of(type, ("response", "link")):  # (only Python's own str compared: a subclass's __eq__ never runs)
        raise GLMStatError(f"unknown type {shown(type)}; use 'response' (the means back-transformed, as emmeans' "
                           "type = \"response\") or 'link' (the linear predictor's scale, emmeans' default)")
    regridded = _regrid(regrid)
    means = grid_means(fit, term, by, weights, at, offset, cov_reduce, cov_keep, regridded)
    eta, se, df = means.eta, means.se, means.df
    q = interval_quantile(level, df)
    grouped = "" if by is None else f" by {', '.join(means.index.names[means.n_term:])}"
    based = f"{'normal' if np.isinf(df) else 't'}-based {level_percent(level)} intervals"
    note_lines = grid_notes(fit, means.averaged_over, level, type, regridded)
    notes = "".join(f"\n{line}" for line in note_lines)
    # (what print.summary_emm shows -- the estimate's name, the by groups, the notes: Table.to_r)
    shown_as = dict(r_print="emmeans", notes=note_lines, by=list(means.index.names[means.n_term:]),
                    estimate=_estimate_name(fit, "response" if regridded else type),
                    limits="asymp" if np.isinf(df) else "CL")
    if regridded:  # (the means on the response scale already: their intervals are the estimate -/+ q SE)
        table = pd.DataFrame({"estimate": eta, "std_error": se, "df": np.where(means.estimable, df, np.nan),
                              "lower": eta - q * se, "upper": eta + q * se}, index=means.index)
        table.attrs["heading"] = (f"Estimated marginal means{grouped} on the response scale, regridded (the grid's "
                                  f"cells back-transformed before they are averaged; {fit.family.link.name} link), "
                                  f"{based}{notes}")
        table.attrs.update(shown_as)
        return table
    if type == "link":
        table = pd.DataFrame({"estimate": eta, "std_error": se, "df": np.where(means.estimable, df, np.nan),
                              "lower": eta - q * se, "upper": eta + q * se}, index=means.index)
        table.attrs["heading"] = (f"Estimated marginal means{grouped} on the scale of the linear predictor "
                                  f"({fit.family.link.name} link), {based}{notes}")
        table.attrs.update(shown_as)
        return table
    h, dh = back_transform(fit)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # (cut at the link's domain first, as emmeans' own links do: 1/sqrt(pmax(0, eta)) for 1/mu^2)
        a, b = (h(v) for v in domain_limits(fit.family.link, eta, eta - q * se, eta + q * se))
        table = pd.DataFrame({"estimate": h(eta), "std_error": np.abs(dh(eta)) * se,
                              "df": np.where(means.estimable, df, np.nan), "lower": np.fmin(a, b),
                              "upper": np.fmax(a, b)}, index=means.index)
    tr = fitted_response_transform(fit)
    scale = f"{fit.family.link.name} link" + (f", {tr[0]} response" if tr else "")
    table.attrs["heading"] = f"Estimated marginal means{grouped} on the response scale ({scale}), {based}{notes}"
    table.attrs.update(shown_as)
    return table


def _estimate_name(fit: "GLMResults", type: str) -> str:
    """The name emmeans 1.8 gives the means' column: ``emmean`` on the link scale or where the link is the identity
    and the response untransformed; back-transformed, ``rate`` for a (quasi)Poisson model, ``prob`` for a
    (quasi)binomial one, ``response`` otherwise (a Gamma, negative binomial or ``quasi`` model's, a ``log(y)``
    response's)."""
    if type == "link" or (fit.family.link.name == "identity" and transform_name(fit) is None):
        return "emmean"
    return {"poisson": "rate", "quasipoisson": "rate", "binomial": "prob", "quasibinomial": "prob"}.get(
        fit.family.name, "response")


def _r_number(x: float) -> str:
    """A number as R's ``paste`` writes it (15 significant digits)."""
    return format_r([x], 15)[0].strip()


def transform_name(fit: "GLMResults") -> str | None:
    """emmeans' name of the fit's response transformation (its ``.get.link``): ``log``, ``sqrt``,
    ``asin(sqrt(mu))``, ``atanh(mu)``, ``scale(28.1, 13.2)`` (the centre and scale to 3 significant digits), a
    multiplier before it (``2*sqrt``) and a constant added inside after it (``log(mu + 1)``, ``identity(mu + 1)``),
    each rounded to 3 decimals; None without one."""
    tr = fitted_response_transform(fit)
    if tr is None:
        return None
    name, mult, add = tr
    if name == "scale":  # (emmeans' make.tran("scale"): its centre and scale, signif(., 3))
        centre, sd = -add, 1.0 / mult
        return f"scale({_r_number(float(f'{centre:.3g}'))}, {_r_number(float(f'{sd:.3g}'))})"
    base = {"asin.sqrt": "asin(sqrt(mu))", "atanh": "atanh(mu)"}.get(name, name)
    if mult != 1.0:
        base = f"{_r_number(round(mult, 3))}*{base}"
    if add != 0.0:
        base = f"{base}(mu + {_r_number(round(add, 3))})"
    return base


def averaged_note(fit: "GLMResults", averaged_over: Sequence[str], some: bool = False) -> list[str]:
    """emmeans' note of the variables a grid's means average over (``Results are averaged over the levels of:
    alcgp, tobgp``), in the order given: emmeans', which :func:`~glmstat.inference.reference_grid.grid_means` gives
    (the order of the formula's variables, R's ``all.vars``, as emmeans' grid, ``y ~ H + G:H + D`` is G, D for
    ``~ H``; and a nested factor averaged over within its parents' levels before them, G, H for ``~ D``); none where
    they average over none.  ``some``: ``averaged over some or all of the levels of``, as emmeans qualifies it where
    it binds the comparisons of groups into one grid (its ``rbind``: nested means compared within groups)."""
    qualifier = "some or all of " if some else ""
    return [f"Results are averaged over {qualifier}the levels of: {', '.join(averaged_over)}"] if averaged_over else []


def _regrid(regrid: Any) -> bool:
    """emmeans' ``regrid``: None, or ``"response"`` (its other regrids, to a transformation's scale, are refused)."""
    if regrid is None:
        return False
    if not is_one_of(regrid, ("response",)):
        raise GLMStatError(f"unknown regrid= {shown(regrid)}; use 'response' (emmeans' regrid = \"response\": the "
                           "grid's cells back-transformed before the means average over them) or None")
    return True


def grid_notes(fit: "GLMResults", averaged_over: Sequence[str], level: float, type: str,
               regridded: bool = False) -> list[str]:
    """The notes emmeans prints under its grid of means, in its words and order: the variables the means average
    over, the scale of ``type="link"`` means (the link's, or the response transformation's with an identity
    link), the confidence level, and the scale ``type="response"`` intervals are back-transformed from
    (``sqrt[log]`` for a log link of a ``sqrt(y)`` response); no scale note for an identity link and response, nor
    for ``regridded`` means (on the response scale already, as emmeans' ``regrid = "response"``)."""
    link = fit.family.link.name
    link = None if link == "identity" or regridded else link
    tr = None if regridded else transform_name(fit)
    notes = averaged_note(fit, averaged_over)
    if type == "link" and (link or tr):
        notes.append(f"Results are given on the {link or tr} (not the response) scale.")
    notes.append(f"Confidence level used: {_r_number(level)}")
    if type == "response" and (link or tr):
        notes.append(f"Intervals are back-transformed from the {f'{tr}[{link}]' if link and tr else link or tr} scale")
    return notes


def contrast_notes(fit: "GLMResults", averaged_over: Sequence[str], type: str, ratio_scale: str | None,
                   level: float | None, interval_note: str | None, p_note: str | None,
                   bound: bool = False, regridded: bool = False) -> list[str]:
    """The notes emmeans prints under ``pairs()`` and ``contrast()`` of a grid, in its words and order: the
    variables the means average over (:func:`averaged_note`; ``bound``: "over some or all of the levels", where
    emmeans binds groups' comparisons); where the comparisons are ratios, the scale they
    are on (``ratio_scale``: ``log``, ``log odds ratio``, ``sqrt[log]``) -- ``Results are given on the log odds ratio
    (not the response) scale.`` with ``type="link"``, ``Intervals are back-transformed from`` and ``Tests are
    performed on`` it with ``type="response"`` --, or, where differences are on a scale other than the response's
    (an inverse link, a ``2*sqrt`` response), ``Note: contrasts are still on the inverse scale``, named as emmeans
    names it: by the link, or with an identity link by the response's transformation (an inverse link of a
    ``log(y)`` response is ``inverse``, not the ``log[inverse]`` of its means' back-transformation); with a
    ``level``, the confidence level and ``Conf-level adjustment: {interval_note}``; ``P value adjustment:
    {p_note}``.  ``regridded``: comparisons of means regridded to the response scale, which name no scale."""
    notes = averaged_note(fit, averaged_over, bound)
    link = fit.family.link.name
    # (emmeans' contrast() names the scale by its misc$tran: the link, or without one the response's transformation)
    still = None if regridded else transform_name(fit) if link == "identity" else link
    if ratio_scale is not None and type == "link":
        notes.append(f"Results are given on the {ratio_scale} (not the response) scale.")
    elif ratio_scale is None and still is not None:
        notes.append(f"Note: contrasts are still on the {still} scale")
    back = ratio_scale is not None and type == "response"
    if level is not None:
        notes.append(f"Confidence level used: {_r_number(level)}")
        if interval_note:
            notes.append(f"Conf-level adjustment: {interval_note}")
        if back:
            notes.append(f"Intervals are back-transformed from the {ratio_scale} scale")
    if p_note:
        notes.append(f"P value adjustment: {p_note}")
    if back:
        notes.append(f"Tests are performed on the {ratio_scale} scale")
    return notes


#: Cells (comparisons x model columns) of the block of comparisons whose grid rows are differenced at a time: the
#: block, its copy on the columns kept and the two means' rows it differences are each this size (4 MB), so the
#: 44,850 pairs of a 300-level factor take about 20 MB where blocks of the grid's own bound (``GRID_CELLS``, 32 MB)
#: took 131 MB.
PAIR_BLOCK_CELLS = 2**19


def _pair_blocks(width: np.ndarray, first: np.ndarray, second: np.ndarray, columns: int,
                factored: bool) -> list[slice]:
    """Consecutive blocks of the comparisons of rows ``first`` and ``second`` of a sparse matrix of ``columns``
    columns whose rows have ``width`` non-zeros, each holding at most :data:`PAIR_BLOCK_CELLS` numbers (at least one
    comparison): a comparison's row has at most w = width_a + width_b non-zeros, and its variance takes min(w^2,
    columns) more (the products of its non-zeros' pairs, or a dense row of L V), or ``columns`` with a covariance
    factor (a dense row of L F).  The 499,500 pairs of a 1,000-level factor's means (two non-zeros a row) take 20
    blocks, where blocks of 2^19 / columns comparisons took 954."""
    w = width[first] + width[second]
    cost = w + (np.full(len(w), columns) if factored else np.minimum(w * w, columns))
    total = np.cumsum(cost)
    blocks, at = [], 0
    while at < len(cost):
        end = max(at + 1, int(np.searchsorted(total, (total[at - 1] if at else 0) + PAIR_BLOCK_CELLS, "right")))
        blocks.append(slice(at, end))
        at = end
    return blocks


def _adjust(p: np.ndarray, t: np.ndarray, method: str, k: int, rank: int, df: float) -> np.ndarray:
    """The p-values of a family of comparisons of k means, of ``rank``, adjusted by ``method`` (see
    :mod:`.p_adjust`; Tukey's for the k(k-1)/2 pairs, Dunnett's by emmeans' approximation:
    :mod:`.contrast_families`)."""
    if method == "none" or len(p) <= 1:
        return p
    if method == "tukey":  # (P(Q_{k,df} > sqrt(2) |t|); k(k-1)/2 p below 1e-10)
        return tukey_p_values(t, p, k, df)
    if method == "dunnettx":
        return dunnettx_p_values(t, p, df)
    if method == "scheffe":  # (emmeans' rank of the family's contrasts: k - 1 for the pairs of k means)
        return scheffe_p_values(t, rank, df)
    return p_adjust(p, method)


def _adjustment_note(method: str, tukey_k: Sequence[int], ranks: Sequence[int], counts: Sequence[int],
                     unit: str = "tests") -> str | None:
    """emmeans' words for the adjustment made (after ``P value adjustment:``, or ``Conf-level adjustment:`` with
    ``unit="estimates"``): ``tukey method for comparing a family of 6 estimates`` (Tukey's k, the number of means, or
    emmeans' larger family of nested means), ``scheffe method with rank 5``, ``holm method for 15 tests`` (the
    comparisons of a group), from the numbers the adjustment used; where the groups differ, their least and greatest
    (``3 to 6 tests``: emmeans writes the last group's, or ``(varies)`` for Scheffe's rank).  None with ``"none"``, or
    one comparison a group (emmeans prints no note: an adjustment of one p-value or interval leaves it as it is)."""
    if method == "none" or max(counts) <= 1:
        return None

    def spread(values: Sequence[int]) -> str:
        return f"{min(values)}" if min(values) == max(values) else f"{min(values)} to {max(values)}"

    name = {"bh": "BH", "by": "BY"}.get(method, method)
    what = (f"for comparing a family of {spread(tukey_k)} estimates" if method == "tukey" else
            f"with rank {spread(ranks)}" if method == "scheffe" else f"for {spread(counts)} {unit}")
    return f"{name} method {what}"


def _note_printed(method: str, tukey_k: Sequence[int]) -> bool:
    """Whether emmeans prints its note of an adjustment made (its ``.adj.p.value``'s and ``.adj.critval``'s
    ``do.msg``): not of Tukey's or Scheffe's for a family of fewer than 3 means -- Scheffe's of ``contrast(emm,
    "identity")`` of two means is made (rank 2) and goes unsaid; the heading's first line says it."""
    return method not in ("tukey", "scheffe") or max(tukey_k) >= 3


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quadratic_rows(D: Any, V: np.ndarray, F: np.ndarray | None) -> np.ndarray:
    """diag(D V D') for the rows of ``D`` (dense or scipy sparse; V = F F' where ``F`` is given): through a sparse
    product when D is mostly zeros, as the differences of two means of a factor's levels are (two non-zero columns
    for a main effect), in time of D's non-zeros times the columns rather than its rows times the columns squared
    (the same products, summed in another order: 499,500 pairs of a 1,000-level factor took 26 s, 124,750 of 500
    levels 2.9 s)."""
    if sparse.issparse(D):
        return combination_variances(D, V, F)
    return combination_variances(sparse.csr_matrix(D) if np.count_nonzero(D) * 8 < D.size else D, V, F)


def emmeans_pairs(fit: "GLMResults", term: Any, adjust: str = "tukey", by: Any = None,
                  level: float | None = None, weights: str = "equal", at: dict | None = None,
                  type: str = "response", cov_reduce: Any = None, cov_keep: Any = None, exclude: Any = None,
                  include: Any = None, reverse: bool = False, regrid: str | None = None) -> pd.DataFrame:
    """Pairwise comparisons of the estimated marginal means of ``term`` (see the module docstring): emmeans'
    ``pairs()``, :func:`emmeans_contrasts` with ``method="pairwise"`` (``reverse``: ``"revpairwise"``, as
    ``pairs(reverse = TRUE)``; ``exclude`` / ``include``: the means left out or kept)."""
    return emmeans_contrasts(fit, term, "pairwise", adjust, by, level=level, weights=weights, at=at, type=type,
                             cov_reduce=cov_reduce, cov_keep=cov_keep, exclude=exclude, include=include,
                             reverse=reverse, regrid=regrid)


def pair_labels(labels: Sequence[str], first: np.ndarray, second: np.ndarray, sep: str) -> list[str]:
    """The labels ``labels[a] + sep + labels[b]`` of the pairs (a, b) of ``first`` and ``second``, made at once.

    Parameters
    ----------
    labels : sequence of str
        The means' labels.
    first, second : numpy.ndarray
        Each pair's positions in ``labels``, integer arrays of one length.
    sep : str
        What joins the two labels (``" - "``, ``" / "``).

    Returns
    -------
    list of str
    """
    ahead, after = np.array([x + sep for x in labels], dtype=object), np.array(list(labels), dtype=object)
    return (ahead[np.asarray(first, dtype=np.intp)] + after[np.asarray(second, dtype=np.intp)]).tolist()


def _adjustment(adjust: Any, family: ContrastFamily) -> tuple[str, str]:
    """(the adjustment made, a note of the one asked for where emmeans makes another): ``adjust`` checked, None
    for the family's default; Tukey's for a family that is not every pair is Sidak's, as emmeans changes it.
    emmeans' ``"mvt"`` (a multivariate t integral computed by simulation, whose p-values change from run to run)
    is refused, asked for or the family's default."""
    default = adjust is None
    if default:
        adjust = family.default_adjust
    method = adjust.lower() if isinstance(adjust, str) and own_scalar(adjust) else None  # (not a subclass's lower)
    known = _ADJUST + ("dunnettx",)
    if method not in known or method == "mvt":
        methods = ", ".join({"bh": "BH", "by": "BY"}.get(a, a) for a in known)
        if method == "mvt":
            why = (f"emmeans' default for {family.method} comparisons, " if default else "") + (
                "\"mvt\" integrates the multivariate t distribution by simulation, whose p-values change from run "
                "to run: not offered")
            raise GLMStatError(f"{why}; give adjust= one of {methods}")
        raise GLMStatError(f"unknown adjustment {shown(adjust)}; use one of {methods}")
    if method == "tukey" and not family.every_pair:
        return "sidak", "; tukey changed to sidak, as emmeans does: Tukey's is for one set of pairwise comparisons"
    return method, ""


def emmeans_contrasts(fit: "GLMResults", term: Any, method: str | dict = "pairwise", adjust: str | None = None,
                      by: Any = None, ref: Any = None, level: float | None = None, weights: str = "equal",
                      at: dict | None = None, type: str = "response", cov_reduce: Any = None,
                      cov_keep: Any = None, exclude: Any = None, include: Any = None, reverse: bool = False,
                      wts: Any = None, max_degree: int | None = None, regrid: str | None = None) -> pd.DataFrame:
    """Comparisons of the estimated marginal means of ``term``, as emmeans' ``contrast(emm, method)`` for the
    methods of :mod:`.contrast_families` (``"pairwise"``, ``"revpairwise"``, ``"trt.vs.ctrl"`` with ``ref``,
    ``"trt.vs.ctrlk"``, ``"consec"``, ``"eff"``, ``"del.eff"``, ``"poly"``, ``"mean_chg"``, ``"identity"`` -- each
    mean itself, on the link scale with its offset, never a ratio --, emmeans' other names of
    them, ``"tukey"``, ``"dunnett"`` and ``"trt.vs.ctrl1"``, or a dict of contrasts of one's own);
    with ``by``, within each group of its levels, each group's p-values adjusted for its own comparisons (``adjust``
    None: the method's default, as emmeans').  ``type="link"``: differences on the link scale (of a transformed
    response's too), as contrasts of emmeans' default grid, never ratios.  ``weights``, ``at``, ``cov_reduce`` and
    ``cov_keep``: the grid's, as :func:`emmeans`'s.  emmeans' options of the families
    (:mod:`.contrast_families`): ``exclude`` / ``include`` (means left out of or kept in the family, by 1-based
    position or label), ``reverse`` (``trt.vs.ctrl``, ``consec``, ``mean_chg``; ``pairwise``: ``revpairwise``),
    ``wts`` (``eff``, ``del.eff``), ``max_degree`` (``poly``); each refused for a family that does not take it.
    ``regrid="response"``: comparisons of the means regridded as :func:`emmeans`'s, differences of probabilities or
    rates (never ratios), whatever ``type``, as emmeans' contrasts of a regridded grid.
    The heading carries emmeans' notes (:func:`contrast_notes`).

    Returns
    -------
    DataFrame
        Indexed by ``contrast`` (``"a / b"`` for ratios, ``"a - b"`` for differences), after the ``by``
        variables' levels with ``by``: ``estimate``, ``std_error``, ``df``, ``statistic`` (on the link scale),
        ``p_value`` (adjusted); with a ``level``, ``lower`` and ``upper``: simultaneous intervals, as emmeans'
        ``confint()`` adjusts them (:mod:`.critical_values`: R's other p.adjust methods as Bonferroni's), on the
        link scale and shown as the estimates are.
    """
    check_method(method)
    if not is_one_of(type, ("response", "link")):
        raise GLMStatError(f"unknown type {shown(type)}; use 'response' (ratios where the link or the response's "
                           "transformation makes them, as emmeans' pairs() of type = \"response\" means) or 'link' "
                           "(differences on the linear predictor's scale)")
    regridded = _regrid(regrid)
    means = grid_means(fit, term, by, weights, at, None, cov_reduce, cov_keep, regridded)
    index, df, n_term = means.index, means.df, means.n_term
    names = list(index.names)[:n_term]
    keys = [k if isinstance(k, tuple) else (k,) for k in index]
    # the groups (the by variables' levels vary slowest): each one's first row and its means, which nesting can
    # make differ in number (a parent's levels each with the nested levels that occur with it)
    group_keys = list(dict.fromkeys(k[n_term:] for k in keys))
    group_of = {g: i for i, g in enumerate(group_keys)}
    sizes = np.bincount([group_of[k[n_term:]] for k in keys], minlength=len(group_keys))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    terms = [key[:n_term] for key in keys]
    # emmeans writes numeric-looking levels with their variable's name (cyl4 - cyl6)
    numeric = [all(_is_number(t[j]) for t in terms) for j in range(len(names))]
    all_labels = [" ".join(f"{n}{x}" if num else str(x) for n, x, num in zip(names, t, numeric)) for t in terms]
    all_labels = [f"({x})" if re.search(r"[-+/*]", x) else x for x in all_labels]  # emmeans' default "parens"
    full = [(int(a), int(k), all_labels[a:a + k]) for a, k in zip(starts, sizes)]
    # (each group's means the family keeps, exclude= and include=: their rows, number and labels)
    selected = [kept_means(method, labels, exclude, include) for _, _, labels in full]
    groups = [(a + pos, len(pos), [labels[i] for i in pos]) for (a, _, labels), pos in zip(full, selected)]
    families = [family_of(method, ref, labels, pos, reverse, wts, max_degree)
                for (_, _, labels), pos in zip(full, selected)]
    family = families[0]
    kept_sizes = [k for _, k, _ in groups]
    if min(kept_sizes) < 2 and family.comparison:  # (the means themselves, "identity", may be one)
        raise GLMStatError("comparisons need at least two means" + ("" if by is None else " in a group"))
    adjusted_by, note = _adjustment(adjust, family)
    link = fit.family.link.name
    tr = fitted_response_transform(fit)
    if tr is not None and tr[0] == "identity":  # (I(y + c): emmeans compares on the link's scale, as for y)
        tr = None
    base = np.e if link in ("log", "logit") and tr is None else None
    # (emmeans' name of the scale of the ratios' tests: "log odds ratio", "log", "log10", "sqrt[log]")
    ratio_scale = ("log odds ratio" if link == "logit" else link) if base is not None else None
    if tr is not None and link == "identity" and tr[1] == 1:  # a transformed response: its back-transform's ratio
        base = RESPONSE_TRANSFORMS[tr[0]][2]
        ratio_scale = tr[0] if base is not None else None  # (a sqrt response's differences: "still on" its scale)
        link = f"{tr[0]} response"
    elif tr is not None and link == "log" and tr[0] == "sqrt" and tr[2] == 0:  # (exp(eta) / m)^2: ratio e^(2d)
        base = np.e ** 2
        ratio_scale = "log" if type == "link" else "sqrt[log]"
        link = "log link, sqrt response"
    if type == "link":  # (differences of eta, emmeans' contrasts of its default grid)
        base = None
        if fit.family.link.name in ("log", "logit"):  # (on the link's scale whatever the response's transformation)
            ratio_scale = "log odds ratio" if fit.family.link.name == "logit" else "log"
    if not family.comparison or regridded:  # (the means themselves: emmeans' true.con false, still on the link's
        # scale; regridded means, on the response scale: differences)
        base, ratio_scale = None, None
    if regridded:
        link = "response"
    ratio = base is not None
    counts = [f.count(k) for f, (_, k, _) in zip(families, groups)]
    n_pairs = sum(counts)
    k_first = groups[0][1]
    if n_pairs > MAX_PAIRS:
        raise GLMStatError(f"{k_first} means{'' if by is None else f' in each of {len(groups)} groups'} make "
                           f"{n_pairs} {'pairwise comparisons' if family.every_pair else 'comparisons'}, more than the "
                           f"{MAX_PAIRS} compared at most; compare the means of a variable with fewer levels")
    lengths = np.array([len(x) for x in all_labels], dtype=np.int64)
    none = np.zeros(0, dtype=np.intp)
    local = [(none, none) if family.linear else f.pairs(k) for f, (_, k, _) in zip(families, groups)]
    if family.linear:
        chars = 2 * int(lengths.sum()) + 10 * n_pairs  # ("a effect", "quadratic", "a|b": each label at most twice)
    else:
        chars = sum(int(lengths[a[i]].sum() + lengths[a[j]].sum()) for (a, _, _), (i, j) in zip(groups, local))
        chars += 3 * n_pairs
    if chars > MAX_PAIR_LABEL_CHARS:
        raise GLMStatError(f"the labels of the {n_pairs:,} pairwise comparisons of {k_first} means would take "
                           f"{chars:,} characters, more than the {MAX_PAIR_LABEL_CHARS:,} written at most (the "
                           "levels' labels are long); recode the levels with shorter labels, or compare the means "
                           "of a variable with fewer levels")
    custom = family.method == "custom"
    offsets = None
    if family.linear:  # (at most as many comparisons as means: their rows all at once)
        with np.errstate(over="ignore", invalid="ignore"):  # (one's own coefficients that overflow: refused below)
            combined = np.vstack([f.combine(means.L[a]) for f, (a, _, _) in zip(families, groups)])
        # (emmeans' offset of a contrast c'o: 0 for a comparison, whose coefficients sum to 0; the means' own for
        # "identity")
        offsets = None if family.comparison else np.concatenate(
            [f.combine(means.offset[a][:, None])[:, 0] for f, (a, _, _) in zip(families, groups)])
    else:  # (a group's means are consecutive rows)
        first = np.concatenate([a[i] for (a, _, _), (i, _) in zip(groups, local)])
        second = np.concatenate([a[j] for (a, _, _), (_, j) in zip(groups, local)])
    d, s, estimable = np.empty(n_pairs), np.empty(n_pairs), np.empty(n_pairs, dtype=bool)
    b = fit.coef.to_numpy()[means.kept]
    # (the means' rows as a sparse matrix where they are mostly zeros, a factor's levels' rows: the pairs' rows
    # L_a - L_b then sparse too, never formed dense -- 499,500 dense rows of 1,000 columns took 30 s to form)
    rows = None if family.linear or np.count_nonzero(means.L) * 8 >= means.L.size else sparse.csr_matrix(means.L)
    if rows is None:  # (in blocks: L_a - L_b for every pair at once is pairs x columns)
        step = max(1, PAIR_BLOCK_CELLS // max(means.L.shape[1], 1))
        blocks = [slice(at, at + step) for at in range(0, n_pairs, step)]
    else:  # (in blocks of the numbers a pair's sparse row and its variance take: see _pair_blocks)
        kept_rows = rows if means.kept.all() else rows[:, np.flatnonzero(means.kept)].tocsr()
        blocks = _pair_blocks(np.diff(kept_rows.indptr), first, second, kept_rows.shape[1], means.F is not None)
    for part in blocks:
        if family.linear:
            D = combined[part]
            Dk = D[:, means.kept]
        elif rows is None:
            D = means.L[first[part]] - means.L[second[part]]
            Dk = D[:, means.kept]
        else:
            Dk = kept_rows[first[part]] - kept_rows[second[part]]
            D = Dk if means.null_space is None else rows[first[part]] - rows[second[part]]
        with np.errstate(over="ignore", invalid="ignore"):  # (refused below)
            d[part] = np.asarray(Dk @ b).ravel()  # (the mean offset cancels in a comparison)
            if offsets is not None:
                d[part] += offsets[part]
            s[part] = np.sqrt(np.maximum(_quadratic_rows(Dk, means.V, means.F), 0.0))
        estimable[part] = estimable_rows(D, means.null_space)  # (the means' null space: no second pass)
    if means.values is not None:  # (regridded: differences of the means' values, not of L b)
        values = means.values
        d = np.concatenate([f.combine(values[a][:, None])[:, 0] for f, (a, _, _) in zip(families, groups)]) if \
            family.linear else values[first] - values[second]
    d[~estimable], s[~estimable] = np.nan, np.nan
    if family.linear:
        contrasts = [c for f, (_, _, labels) in zip(families, groups) for c in f.names(labels)]
    else:  # ("a - b" of every pair at once: object arrays' sums, where a loop over 499,500 pairs took 0.3 s)
        contrasts = pair_labels(all_labels, first, second, " / " if ratio else " - ")
    if custom and family.linear:  # (coefficients of 1e-320: the variance's squares underflow, a z ratio of inf)
        size = np.abs(combined[:, means.kept]).max(axis=1, initial=0.0)
        tiny = estimable & (size > 0) & (size < MIN_CONTRAST_SIZE)
        if tiny.any():
            k = int(np.argmax(tiny))
            raise GLMStatError(f"the contrast {shown(contrasts[k])} cannot be computed in double precision: its "
                               f"largest coefficient is {size[k]:.3g} in size, below {MIN_CONTRAST_SIZE:g}, where the "
                               "squares its standard error takes underflow; scale its coefficients up (its test does "
                               "not depend on their scale)")
    if custom:
        with np.errstate(over="ignore"):
            beyond = estimable & ~(np.isfinite(d) & np.isfinite(s) & (np.isfinite(base ** d) if ratio else True))
        if beyond.any():  # (coefficients of 1e200: an infinite ratio, a NaN standard error and numpy's warnings)
            raise GLMStatError(f"the contrast {shown(contrasts[int(np.argmax(beyond))])} cannot be computed in double "
                               f"precision: its estimate{' (as a ratio)' if ratio else ''} or its standard error "
                               "overflows; scale its coefficients down (its test does not depend on their scale)")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = d / s
    p = 2 * (normal_sf(np.abs(t)) if np.isinf(df) else t_sf(np.abs(t), df))
    # Tukey's k: each group's means -- but where emmeans compares nested means in groups of the same size it rbinds
    # the groups' comparisons into one grid whose family size is the number of them all, and Tukey's k is that (its
    # "family of 12 estimates" for two groups of four means); groups of sizes that differ are each their own
    tukey_k = [n_pairs if means.nested and len(groups) > 1 and len(set(kept_sizes)) == 1 else k
               for _, k, _ in groups]
    ends = np.cumsum(counts)
    parts = [slice(e - c, e) for e, c in zip(ends, counts)]
    ranks = [f.rank(k) for f, (_, k, _) in zip(families, groups)]
    adjusted = np.concatenate([_adjust(p[g], t[g], adjusted_by, kt, f.rank(k), df)
                               for g, kt, f, (_, k, _) in zip(parts, tukey_k, families, groups)])
    est, se_out = (base ** d, base ** d * np.log(base) * s) if ratio else (d, s)
    interval_note = None
    if level is not None:
        level = confidence_level(level)
        by_interval = adjusted_by if adjusted_by in INTERVAL_ADJUSTMENTS else "bonferroni"
        q = np.concatenate([np.full(c, critical_value(by_interval, level, c, kt, f.rank(k), df))
                            for c, kt, f, (_, k, _) in zip(counts, tukey_k, families, groups)])
        ends_ci = (d - q * s, d + q * s)
        lower, upper = (base ** e for e in ends_ci) if ratio else ends_ci
        interval_note = _adjustment_note(by_interval, tukey_k, ranks, counts, "estimates")
        interval_note = interval_note if _note_printed(by_interval, tukey_k) else None
    if by is None:
        rows = pd.Index(contrasts, name="contrast")
    else:
        by_names = list(index.names)[n_term:]
        levels = [[g[j] for g, c in zip(group_keys, counts) for _ in range(c)] for j in range(len(by_names))]
        rows = pd.MultiIndex.from_arrays([*levels, contrasts], names=[*by_names, "contrast"])
    table = pd.DataFrame({"estimate": est, "std_error": se_out, "df": np.where(estimable, df, np.nan), "statistic": t,
                          "p_value": adjusted}, index=rows)
    if level is not None:
        table["lower"], table["upper"] = lower, upper
    what = "differences" if family.comparison else "means"
    scale = ("odds ratios" if link == "logit" else "ratios") if ratio else (
        f"{what} of the regridded means, on the response scale" if regridded else
        f"{what} on the link scale" if link != "identity" or type == "link" else what)
    within = "" if by is None else f" within each level of {', '.join(list(index.names)[n_term:])}"
    control = f" ({groups[0][2][family.control(groups[0][1])]})" if family.ref is not None else ""
    adjusted_note = _adjustment_note(adjusted_by, tukey_k, ranks, counts)
    printed = _note_printed(adjusted_by, tukey_k)
    adjusted_text = ("" if printed else f"; p-values adjusted: {adjusted_note}") if adjusted_note else (
        "; p-values not adjusted")
    # (nested means compared within groups: emmeans' .nested_contrast binds the groups' comparisons, rbind)
    notes = contrast_notes(fit, means.averaged_over, type, ratio_scale if type == "link" or ratio else None, level,
                           interval_note, adjusted_note if printed else None, means.nested and len(groups) > 1,
                           regridded)
    table.attrs["heading"] = (f"{family.description}{control} of estimated marginal means{within} ({scale}; tests "
                              f"on the {link} scale{adjusted_text}{note})" + "".join(f"\n{n}" for n in notes))
    # (what print.summary_emm shows -- emmeans' name of the estimate, the null of a ratio, the by groups, the notes:
    # Table.to_r)
    table.attrs.update(r_print="emmeans", notes=notes, by=[] if by is None else list(index.names)[n_term:],
                       estimate=("odds.ratio" if scale == "odds ratios" else "ratio") if ratio else "estimate",
                       limits="asymp" if np.isinf(df) else "CL", null=1.0 if ratio else None)
    return table
