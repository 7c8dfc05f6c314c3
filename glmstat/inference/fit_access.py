"""The few points where the inference features (type II/III tests, Wald tests, VIF, marginal effects,
estimated marginal means, model building, quantile residuals) reach into a fitted model.

Each point is one function here, and the feature modules call only these, so that they can be re-pointed
when the design and engine layers change:

* :func:`refit` -- the model refitted on a subset of its design columns (same rows, weights and offset):
  :func:`glmstat.inference.submodels.refit_columns`;
* :func:`score_test` -- R's score statistic of adding design columns to such a submodel:
  :func:`glmstat.inference.rao_score.rao_statistic`;
* :func:`encode` -- the design of new data: :func:`glmstat.formula.frame.encode_new_data` (:func:`encode_spec`
  with the model spec alone, for work shipped to a cluster's workers; :func:`encode_design` as that Design,
  for products only);
* :func:`structure` -- the term structure: the frame's term labels and columns and the formula's parsed terms;
* :func:`fitted_data`, :func:`used_data` -- the caller's data, and the rows of it that the fit used;
* :func:`factor_levels` -- the training levels of each factor variable; :func:`code_levels` -- those of each
  factor whose level codes the formula takes (``unclass(f)``); :func:`factor_values` -- the factor
  variables' values in the rows used; :func:`variable_codings` -- how each term codes its variables (a
  factor's contrasts, a numeric variable's columns);
* :func:`fit_inputs` -- what ``glm()`` was given besides the formula (weights, offset, family, control), so
  that a model can be refitted with another formula on the same rows;
* :func:`response` -- response, total weights and offset of the rows used; :func:`formula_limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from ..errors import GLMStatError
from ..families import Family, NegativeBinomial
from ..formula.limits import FormulaLimits
from ..formula.nodes import Node

if TYPE_CHECKING:
    from .submodels import Submodel
    from .results import GLMResults

__all__ = ["Structure", "FitInputs", "refit", "score_test", "encode", "encode_spec", "encode_design",
           "encode_spec_design", "structure", "dot_columns", "fitted_data", "used_data", "factor_levels", "code_levels",
           "factor_values", "variable_codings", "fit_inputs", "formula_limits", "response"]


def refit(fit: "GLMResults", cols, start: np.ndarray | None = None) -> "Submodel":
    """The model refitted on the design columns ``cols``: deviance, rank, eta, n_ok (``submodels.refit_columns``;
    ``start``: coefficients on ``cols`` tried where R's start and the model's estimate fail)."""
    from .submodels import refit_columns

    return refit_columns(fit, cols, start)


def score_test(fit: "GLMResults", sub: "Submodel", cols, minus_offset: bool = False) -> float:
    """R's score statistic (centred, as with an intercept) for adding the design columns ``cols`` to the
    submodel ``sub`` of :func:`refit` (``rao_score.rao_statistic``)."""
    from .rao_score import rao_statistic

    return rao_statistic(fit, sub, cols, True, minus_offset)


def encode_design(fit: "GLMResults", data: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """(design, offset, ok) of ``data`` encoded as the training data was: the :class:`~glmstat.design.base.Design`
    of the complete rows (structured where the training design is), for features that need only its products."""
    return encode_spec_design(fit.model_frame.spec, data)


def encode_spec_design(spec: Any, data: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """:func:`encode_design` with the model spec alone (what a dask worker receives instead of the whole fit)."""
    from ..formula.frame import encode_new_data

    return encode_new_data(spec, data)


def encode(fit: "GLMResults", data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, offset, ok) of ``data`` encoded as the training data was (``encode_new_data``): the dense rows of
    a reference grid or of the data the features evaluate derivatives on, NaN rows where a value is missing."""
    return encode_spec(fit.model_frame.spec, data)


def encode_spec(spec: Any, data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`encode` with the model spec alone (what a dask worker receives instead of the whole fit)."""
    design, offset, ok = encode_spec_design(spec, data)
    X = np.full((ok.size, design.n_cols), np.nan)
    X[ok] = design.toarray()
    return X, offset, ok


@dataclass(frozen=True)
class Structure:
    """A model's terms: ``labels`` (R's term labels, no intercept), each term's design ``columns``, its
    ``variables`` (formula nodes, R's order), the intercept's columns, the response node, the offsets."""

    labels: tuple[str, ...]
    columns: tuple[tuple[int, ...], ...]
    variables: tuple[tuple[Node, ...], ...]
    intercept_columns: tuple[int, ...]
    intercept: bool
    response: Node
    offsets: tuple[Node, ...]

    def term_of_column(self, p: int) -> np.ndarray:
        """For each of the ``p`` design columns its term number, 1-based; 0 for the intercept."""
        assign = np.zeros(p, dtype=int)
        for k, cols in enumerate(self.columns, start=1):
            assign[list(cols)] = k
        return assign


def structure(fit: "GLMResults") -> Structure:
    """The term structure of ``fit`` (see :class:`Structure`)."""
    frame = fit.model_frame
    terms = frame.spec.terms
    labels, columns, icpt = [], [], ()
    for label, cols in zip(frame.term_labels, frame.term_columns):
        if label == "(Intercept)":
            icpt = tuple(cols)
            continue
        labels.append(label)
        columns.append(tuple(cols))
    if len(labels) != len(terms.terms):
        raise GLMStatError("the model's term labels and its formula's terms disagree")  # cannot happen
    return Structure(tuple(labels), tuple(columns), tuple(tuple(t) for t in terms.terms), icpt, terms.intercept,
                     terms.response, tuple(terms.offsets))


def dot_columns(fit: "GLMResults") -> tuple[str, ...]:
    """The data columns the ``.`` of ``fit``'s formula stood for (empty without one)."""
    return fit.model_frame.spec.terms.dot_columns


def fitted_data(fit: "GLMResults") -> tuple[pd.DataFrame | None, np.ndarray | None]:
    """The caller's data as given to ``glm()`` (None if not kept) and the positions of the rows used in it."""
    frame = fit.model_frame
    return frame.data, frame.row_positions


def used_data(fit: "GLMResults") -> pd.DataFrame:
    """The rows of the fitted data the fit used, in order (a new frame; the caller's data is untouched)."""
    frame = fit.model_frame
    if not frame.in_memory:
        raise GLMStatError("this needs the model's rows in memory, which a fit to streamed data (a Parquet path or a "
                           "dask DataFrame) does not hold; fit a sample or the aggregated data as a DataFrame, or "
                           "fit the other models with gs.glm() on the same data")
    if frame.data is None:
        raise GLMStatError("this needs the fitted data, and this fit does not keep it")
    if frame.row_positions is None:
        return frame.data.loc[fit.rows_used]
    return frame.data.iloc[frame.row_positions]


def factor_levels(fit: "GLMResults") -> Mapping[str, tuple]:
    """Factor variable label (``"g"``, ``"factor(cyl)"``) -> its training levels, in the model's order."""
    return dict(fit.model_frame.spec.levels)


def code_levels(fit: "GLMResults") -> Mapping[Node, tuple]:
    """The formula's calls that took a factor's level codes (``unclass(f)``, ``as.numeric(f)``...: R's codes
    1..k) -> the levels, in order, whose codes they give (learned from the fit's rows, streamed ones too)."""
    from ..formula.factor_functions import LEVEL_CODE_CALLS
    from ..formula.nodes import Call

    return {node: tuple(levels) for node, levels in fit.model_frame.spec.state.items()
            if isinstance(node, Call) and node.func.rpartition("::")[2].lstrip(":") in LEVEL_CODE_CALLS
            and isinstance(levels, tuple)}


def factor_values(fit: "GLMResults") -> tuple[tuple[str, np.ndarray, tuple[Any, ...]], ...]:
    """The model's factor variables in the rows used, as R's ``x$xlevels`` and ``model.frame(x)`` hold them:
    (label, 0-based codes, training levels) in order of first appearance in the formula, logicals left out.
    A variable is the model's (``factor(x > 10)``, levels FALSE and TRUE), not the data column it reads."""
    from ..formula.frame import column_names

    data = used_data(fit)
    names, positions = column_names(data)
    return tuple((label, v.codes, v.levels)
                 for label, v in fit.model_frame.spec.factor_variables(data, names, positions))


def variable_codings(fit: "GLMResults") -> tuple[tuple[tuple[Node, str, Any, tuple], ...], ...]:
    """Per term (``structure``'s order), per variable: (node, label, the contrasts coding it -- ``"treatment"``,
    ``"sum"``, ``"helmert"``, ``"poly"`` or ``"indicator"``, a :class:`~glmstat.formula.contrasts.Reference` or
    :class:`~glmstat.formula.contrasts.ContrastMatrix`; None for a numeric variable --, the factor's levels)."""
    return tuple(tuple((vc.node, vc.label, None if vc.factor is None else vc.factor.kind,
                        () if vc.factor is None else vc.factor.levels) for vc in t.variables)
                 for t in fit.model_frame.spec.plan.terms)


@dataclass(frozen=True)
class FitInputs:
    """What ``glm()`` was given for ``fit`` besides the formula and the data, for the rows used:
    ``weights`` (the ``weights=`` column name when given as one -- always, for streamed data --, else an array
    of the values for the rows used, or None when all 1),
    ``offset`` (a column name, an array of the offset argument's values for the rows used, or None), ``family``
    (theta free again for a negative binomial with theta estimated), the
    fitting ``method``, ``tol``, ``max_iter``, ``context``, ``limits``, ``contrasts`` (``glm(contrasts=)``),
    ``convergence`` (a refit stops where the fit did: R's ``update`` keeps the call's ``control``) and ``subset``
    (``glm(subset=)``: R's ``update`` evaluates the call's condition again)."""

    weights: np.ndarray | str | None
    offset: str | np.ndarray | None
    family: Family
    method: str
    tol: float
    max_iter: int
    context: Mapping[str, Any]
    limits: FormulaLimits
    contrasts: Mapping[str, Any] = field(default_factory=dict)
    convergence: str = "exact"
    #: ``glm(subset=)``: its condition's text, or its values for the rows of the fitted data (None: every row)
    subset: str | np.ndarray | None = None


class _SameSubset:
    """``update()``'s default ``subset=``: the rows the fit chose (R's ``update`` keeps the call's ``subset``)."""

    def __repr__(self) -> str:
        return "the fit's subset"


#: ``update(subset=SAME_SUBSET)``: keep the fit's subset (``subset=None``: every row)
SAME_SUBSET = _SameSubset()


def fit_inputs(fit: "GLMResults") -> FitInputs:
    """The inputs to refit ``fit``'s model with another formula on the rows it used (see :class:`FitInputs`)."""
    frame, spec = fit.model_frame, fit.model_frame.spec
    weights: np.ndarray | str | None
    if frame.in_memory:
        used_data(fit)  # (refused when the fit does not keep its data, with the reason)
    if frame.weights_column is not None or not frame.in_memory:
        # the column's name (streamed data take weights and offset= as names only, formula.stream._check_arg):
        # the refit's call names it as R's does, and other data given to update() have it
        weights = frame.weights_column
    else:
        prior = np.asarray(frame.prior_weights, dtype=float)
        weights = None if np.all(prior == 1.0) else prior.copy()
    offset: str | np.ndarray | None = spec.offset_column_arg
    if offset is None and frame.has_offset and frame.in_memory:
        _, formula_offset, _ = encode_design(fit, used_data(fit))  # the offset() terms alone (no dense design)
        extra = np.asarray(frame.offset, dtype=float) - formula_offset
        offset = extra if np.any(extra != 0) else None
    family = fit.family
    if fit.theta_se is not None:  # MASS::glm.nb: every refit estimates its own theta
        family = NegativeBinomial(link=family.link)
    control = fit.fit_data.control
    chosen = getattr(frame, "subset", None)
    subset = None if chosen is None else chosen.text if chosen.node is not None else chosen.values
    return FitInputs(weights, offset, family, fit.method, control.tol, control.max_iter, dict(spec.context),
                     formula_limits(fit), dict(getattr(spec, "contrasts", {})), control.convergence, subset)


def formula_limits(fit: "GLMResults") -> FormulaLimits:
    """The formula limits the model was fitted under (they also bound hypotheses and scope formulas)."""
    return fit.model_frame.spec.limits


def response(fit: "GLMResults") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, total weights, offset) of the rows used (y a proportion and the weights the trials for binomial)."""
    frame = fit.model_frame
    return (np.asarray(frame.y, dtype=float), np.asarray(frame.total_weights, dtype=float),
            np.asarray(frame.offset, dtype=float))
