"""Average marginal effects on the response scale, with delta-method standard errors.

Over the n rows used (each row's own values of the other variables; unweighted, as R's ``margins`` and
``marginaleffects`` average), with mu_i(b) = g^{-1}(x_i' b + o_i):

* numeric variable x (through every term it enters: interactions, ``I(x^2)``, ``log(x)``..., and the formula's
  offsets: ``t`` in ``offset(log(t))`` is a variable too, d mu / d t = mu / t there): the central
  difference  AME = (1/n) sum_i (mu_i(x_i + h) - mu_i(x_i - h)) / (2h),  h = 1e-4 sd(x);
* factor: for each level l other than the reference r,  AME_l = (1/n) sum_i (mu_i(l) - mu_i(r)).

The gradient in b is exact for these formulas: d mu_i / d b = g^{-1}'(eta_i) x_i, so for a numeric
variable G = (1/n) sum_i (g^{-1}'(eta_i^+) x_i^+ - g^{-1}'(eta_i^-) x_i^-) / (2h), and
se = sqrt(G' V G) with V the fit's covariance (robust if the fit is).  z = AME / se, p = 2 P(Z > |z|),
interval AME -/+ z_{(1+level)/2} se (normal, as ``marginaleffects``).  A factor that the model reads only in
terms of its own (no interaction) shifts every row's eta by the same c_l b_T when set to level l (c_l: its
columns' values at l), so its levels are evaluated from one encoding of the rows.  ``at`` sets variables to given
values in every row first (marginal effects at representative values, a numeric variable's own effect then
taken at its given value; several values give one row each).

With aliased columns an effect whose gradient moves them otherwise than the rows fitted with positive weight
determine (a level whose rows all have weight 0; a variable moved apart from a column aliased with it) is the
one with the aliased coefficients taken as 0, as R's ``predict()`` gives it, with an ``AliasingWarning`` that
names it, as ``predict()`` warns of such new rows.

The sums over the rows (of the effects and of their gradients) are computed chunk by chunk and added, so a
fit to streamed data (a Parquet path, a dask DataFrame) gets the same numbers: each chunk of the data's rows
used is re-encoded with the variable changed, row group by row group here or partition by partition on the
cluster (one pass over the columns the model reads, after one that summarizes them for sd(x)).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from .._arguments import confidence_level, real_number, shown, shown_items
from ..distributions import interval_quantile, normal_sf
from ..errors import AliasingWarning, DataError, GLMStatError, warn_user
from ..formula.nodes import Name, names_read
from ..formula.validation import MAX_MAGNITUDE
from .covariance_factor import combination_variances
from .fit_access import encode_spec_design, fit_inputs, structure, used_data
from .prediction import ESTIMABLE_TOL, aliasing_relations
from .streamed_data import raw_fold
from .variables import ModelVariable, model_variables, pick, with_columns, with_value, with_values

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["average_marginal_effects", "evaluations_per_setting", "MAX_AT_EVALUATIONS"]


@dataclass(frozen=True, eq=False)
class _Means:
    """mu and d mu / d b over the rows of a data frame, for the fit's kept columns: the model spec, the kept
    coefficients and the link (small and picklable: shipped to a dask cluster's workers)."""

    spec: Any
    kept: np.ndarray
    b: np.ndarray
    link: Any
    extra: Any  # an offset given as values (one per row used; in memory only), else 0

    @classmethod
    def of(cls, fit: "GLMResults") -> "_Means":
        b = fit.coef.to_numpy()
        kept = ~np.isnan(b)
        extra = fit_inputs(fit).offset  # an offset given as values (one per row used) is not in encode()
        return cls(fit.model_frame.spec, kept, np.where(kept, b, 0.0),  # an aliased column adds nothing to eta
                   fit.family.link, extra if isinstance(extra, np.ndarray) else 0.0)

    def __call__(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """mu per row and the sum over the rows of d mu / d b (= X' g^{-1}'(eta): one product with the
        design as encoded -- factor codes for a structured one -- not the n x p matrix of per-row gradients),
        over every column, aliased ones too (which show whether the effect is estimable)."""
        X, off, ok = encode_spec_design(self.spec, data)
        if not ok.all():
            raise DataError(f"the model cannot be evaluated at {int((~ok).sum())} of the rows after changing a "
                            "variable (a transformation such as log() is undefined there)")
        eta = X.matvec(self.b) + off + self.extra
        return self.link.inverse(eta), X.rmatvec(self.link.mu_eta(eta))


def _main_effect_sums(means: _Means, data: pd.DataFrame, var: ModelVariable,
                      columns: tuple[int, ...]) -> list[tuple[float, np.ndarray]] | None:
    """(sum of mu, sum of d mu / d b) over the rows with ``var`` set to each of its levels, for a factor that
    the model reads only in terms of its own (no interaction; ``columns`` their design columns T).  Setting
    the factor to level l in every row sets the row's T part to the same c_l, so with X the design of the
    rows as they are, eta_i(l) = (X b)_i - (X_T b_T)_i + c_l b_T and the gradient is X' g^{-1}'(eta(l))
    outside T and c_l times the sum of g^{-1}'(eta(l)) on T: one encoding of the rows, not one per level
    (each a dense n x p design when the model has interactions).  None where a row cannot be encoded."""
    X, off, ok = encode_spec_design(means.spec, data)
    probe = data.iloc[:1]
    rows = [encode_spec_design(means.spec, with_value(probe, var, level)) for level in var.levels]
    if not ok.all() or not all(r[2].all() for r in rows):
        return None
    T = np.asarray(columns, dtype=np.intp)
    b_T = np.zeros_like(means.b)
    b_T[T] = means.b[T]
    eta_rest = X.matvec(means.b) - X.matvec(b_T) + off + means.extra
    out = []
    for design, _, _ in rows:
        c = design.toarray()[0, T]
        eta = eta_rest + c @ means.b[T]
        d = means.link.mu_eta(eta)
        grad = X.rmatvec(d)
        grad[T] = c * np.sum(d)
        out.append((float(np.sum(means.link.inverse(eta))), grad))
    return out


def _effects(means: _Means, data: pd.DataFrame, var: ModelVariable,
             main_columns: tuple[int, ...] | None = None) -> list[tuple[str, float, np.ndarray]]:
    """(contrast, sum over the rows of the effect, sum of its gradient) for one variable (``main_columns``:
    the design columns of a factor read only in terms of its own, see :func:`_main_effect_sums`)."""
    if var.is_factor and main_columns is not None and len(var.levels) >= 2:
        sums = _main_effect_sums(means, data, var, main_columns)
        if sums is not None:
            (mu_r, G_r), rest = sums[0], sums[1:]
            return [(label, mu_a - mu_r, G_a - G_r) for label, (mu_a, G_a) in zip(var.labels[1:], rest)]
    if not var.is_factor:
        h = 1e-4 * var.sd if np.isfinite(var.sd) and var.sd > 0 else 1e-4
        x = next(data[c] for c in data.columns if str(c) == var.name).to_numpy(dtype=float)
        mu_hi, G_hi = means(with_value(data, var, x + h))
        mu_lo, G_lo = means(with_value(data, var, x - h))
        return [("dydx", float(np.sum((mu_hi - mu_lo) / (2 * h))), (G_hi - G_lo) / (2 * h))]
    if len(var.levels) < 2:
        return []
    mu_r, G_r = means(with_value(data, var, var.levels[0]))
    out = []
    for level, label in zip(var.levels[1:], var.labels[1:]):
        mu_a, G_a = means(with_value(data, var, level))
        out.append((label, float(np.sum(mu_a - mu_r)), G_a - G_r))
    return out


@dataclass(frozen=True)
class _Sums:
    """Over some rows: their number, and per (setting, variable, contrast) the sums of the effect and of its
    gradient (mergeable: :func:`_merge`)."""

    n: int
    keys: tuple
    estimates: np.ndarray
    gradients: np.ndarray


@dataclass(frozen=True, eq=False)
class _EffectSums:
    """The :class:`_Sums` of the rows of a frame, for every ``at`` setting and chosen variable (the frame may
    be a chunk of streamed data, whose categoricals may hold only its own levels: ``with_value`` adds others)."""

    means: _Means
    settings: tuple
    every: tuple
    chosen: tuple
    main_columns: tuple = ()  # (variable name, design columns) of the factors read only in terms of their own

    def __call__(self, base: pd.DataFrame) -> _Sums | None:
        if len(base) == 0:
            return None
        keys, ests, grads = [], [], []
        for k, setting in enumerate(self.settings):
            data = with_values(base, list(zip(pick(self.every, list(setting), "values in at="), setting.values())))
            main = dict(self.main_columns)
            for var in self.chosen:  # a variable set by ``at`` has its effect at that value
                for contrast, est, grad in _effects(self.means, data, var, main.get(var.name)):
                    keys.append((k, var.name, contrast))
                    ests.append(est)
                    grads.append(grad)
        p = len(self.means.kept)
        return _Sums(len(base), tuple(keys), np.array(ests), np.array(grads).reshape(len(keys), p))


def _merge(a: _Sums | None, b: _Sums | None) -> _Sums | None:
    if a is None or b is None:
        return a if b is None else b
    return _Sums(a.n + b.n, a.keys, a.estimates + b.estimates, a.gradients + b.gradients)


def _plain_factor_columns(fit: "GLMResults", variables: list[ModelVariable]) -> set[str]:
    """Factor variables that the formula reads only as bare names (``g``, ``g:x``), never inside a call or
    an operator: their columns may be given as categoricals of the same labels without changing the model."""
    bare: dict[str, bool] = {}
    nodes = [n for term in structure(fit).variables for n in term] + list(structure(fit).offsets)
    for node in nodes:
        if isinstance(node, Name):
            bare.setdefault(node.id, True)
        else:
            for name in names_read(node):
                bare[name] = False
    return {v.name for v in variables if v.is_factor and bare.get(v.name, False)}


def _main_effect_columns(fit: "GLMResults", variables: list[ModelVariable]) -> tuple:
    """(name, design columns) of each factor variable that the model reads only in terms of one variable
    each (``g``, ``factor(k)``; not in an interaction, another variable's call or an offset)."""
    st = structure(fit)
    # (the names each term reads, found once: walking every term again for each variable was quadratic)
    reads = [[names_read(n) for n in nodes] for nodes in st.variables]
    terms_of: dict[str, list[int]] = {}
    for j, names in enumerate(reads):
        for name in dict.fromkeys(x for r in names for x in r):
            terms_of.setdefault(name, []).append(j)
    in_offsets = {x for n in st.offsets for x in names_read(n)}
    out = []
    for v in variables:
        if not v.is_factor:
            continue
        terms = terms_of.get(v.name, [])
        alone = all(len(reads[j]) == 1 and reads[j][0] == [v.name] for j in terms)
        if terms and alone and v.name not in in_offsets:
            out.append((v.name, tuple(sorted(c for j in terms for c in st.columns[j]))))
    return tuple(out)


def _as_categoricals(data: pd.DataFrame, columns: set[str]) -> pd.DataFrame:
    """``data`` with the string columns named in ``columns`` as categoricals of their own labels (sorted, as
    the model's levels are): each evaluation then encodes them from integer codes instead of hashing every
    row's string again (on 1e5 rows and a 250-level factor, most of the time of the marginal effects)."""
    out = {}
    for c in data.columns:
        col = data[c]
        if str(c) in columns and isinstance(c, str) and (pd.api.types.is_string_dtype(col.dtype)
                                                         and not isinstance(col.dtype, pd.CategoricalDtype)):
            out[c] = pd.Series(pd.Categorical(col.to_numpy(dtype=object)), index=data.index)
    return with_columns(data, out) if out else data


#: Most settings ``at=`` may ask for (the product of its numbers of values): each costs an evaluation of the
#: model on every row, and the product of a few long lists would not even fit in memory
MAX_SETTINGS = 10_000


_SCALARS = (str, int, float, bool, np.generic)


def _hashed(values: Any) -> set:
    """The scalar ``values`` (str, int, float, bool or numpy scalars) as a set, each looked up by hash: a value
    compared with every level was quadratic (2 s for 10,000 values of a 2,000-level factor)."""
    out = set()
    for v in values:
        if isinstance(v, _SCALARS):
            try:
                out.add(v)
            except TypeError:  # (an unhashable numpy scalar: no value of at= equals it)
                pass
    return out


def _among(v: Any, values: set) -> bool:
    """``v`` is a scalar equal to one of ``values`` (a comparison that cannot raise or broadcast)."""
    try:
        return isinstance(v, _SCALARS) and v in values
    except TypeError:
        return False


#: Most evaluations of the model (each an encoding of every row used) the settings of ``at=`` may ask for together,
#: when it gives more than one: 2,000 settings of a model of two numbers and a factor of three levels (8 each) took
#: more than 30 s on 60 rows, 16 ms a setting
MAX_AT_EVALUATIONS = 4096


def evaluations_per_setting(variables: list[ModelVariable], main_effects: set[str]) -> int:
    """The evaluations of the model the effects of ``variables`` take (:func:`_effects`): a numeric variable 2 (a
    central difference), a factor one per level, one more for a factor read only in terms of its own
    (``main_effects``: the rows encoded once, and each level's one row)."""
    total = 0
    for var in variables:
        if not var.is_factor:
            total += 2
        elif len(var.levels) >= 2:
            total += len(var.levels) + (var.name in main_effects)
    return total


def _refuse_evaluations(settings: int, variables: list[ModelVariable], main_effects: set[str]) -> None:
    """Refuse settings of ``at=`` that ask for more than :data:`MAX_AT_EVALUATIONS` evaluations of the model
    together, before any is made; one setting asks for what the effects without ``at=`` do, and is not refused."""
    each = evaluations_per_setting(variables, main_effects)
    if settings > 1 and settings * each > MAX_AT_EVALUATIONS:
        raise GLMStatError(f"at= asks for {settings:,} settings of {each:,} evaluations of the model each "
                           f"({settings * each:,}), more than {MAX_AT_EVALUATIONS:,} (each evaluation encodes every "
                           "row used); give fewer values, or ask for fewer variables= at a time")


def _grid(at: Mapping[str, Any] | None, variables: list[ModelVariable]) -> list[dict[str, Any]]:
    """The settings of ``at=``: one dict per combination of its values.  A numeric variable's values must be
    finite real numbers (a string, a complex number or an int beyond double precision has no place in its
    column); a factor's are checked against its levels where they are set."""
    if at is None:
        return [{}]
    if not isinstance(at, Mapping):
        raise GLMStatError(f"at= must be a dict of variable -> value (or list of values), got {shown(at)}")
    names, values, count = list(at), [], 1
    for n, given in at.items():
        var = pick(variables, n, "values in at=")[0]
        array = isinstance(given, np.ndarray)
        many = isinstance(given, (list, tuple, range, pd.Series, pd.Index)) or array and given.ndim > 0
        # (no more values than the limit are read: list(range(10**12)) was a MemoryError; a 0-d array is one value,
        # not a TypeError of its iteration)
        vals = list(itertools.islice(given, MAX_SETTINGS + 1)) if many else [given[()] if array else given]
        if not vals:
            raise GLMStatError(f"at= gives no value for {shown(n)}")
        count *= len(vals)
        if count > MAX_SETTINGS:  # (before the values are checked: a list of any length may come)
            raise GLMStatError(f"at= asks for more than {MAX_SETTINGS:,} combinations of values (each evaluates the "
                               "model on every row); give fewer values")
        levels, labels = (_hashed(var.levels), set(var.labels)) if var.is_factor else (set(), set())
        for v in vals:
            if not var.is_factor:
                x = real_number(v, f"at[{shown(n)}]",
                                must=f"a finite number (a value of the numeric variable {var.name})")
                if abs(x) > MAX_MAGNITUDE:  # (emmeans' at= bound, the data's: the effects' variances take squares)
                    raise GLMStatError(f"at[{shown(n)}]: {x:g} is larger than {MAX_MAGNITUDE:g} in size, where the "
                                       "squares a standard error takes leave double precision (the data's values are "
                                       "refused there too)")
            elif not _among(v, levels) and not (isinstance(v, str) and v in labels):
                # (pandas would make it a missing value, with a deprecation warning)
                shown_levels = shown_items(var.labels)
                raise GLMStatError(f"at[{shown(n)}] must be a level of the factor {var.name} ({shown_levels}), got "
                                   f"{shown(v)}")
        values.append(vals)
    return [dict(zip(names, combo)) for combo in itertools.product(*values)] if names else [{}]


def _warn_not_estimable(fit: "GLMResults", total: _Sums) -> None:
    """An ``AliasingWarning`` naming the effects that the data do not determine: those whose gradient in b
    changes the aliased columns otherwise than the relations the fit found among its rows of positive weight
    (:func:`~glmstat.inference.prediction.broken_relations`' rule, for the gradient instead of a new row) --
    a level whose rows all have weight 0, or a variable moved apart from a column aliased with it.  Their
    values are those with the aliased coefficients set to 0, as R's predict() gives them (0 with standard
    error 0 for the level), like the predictions of such rows."""
    relations = aliasing_relations(fit) if fit.aliased else None
    if relations is None or not len(total.keys):
        return
    G = total.gradients / total.n
    with np.errstate(invalid="ignore"):
        size = np.column_stack([np.linalg.norm(G[:, relations[:, k] != 0], axis=1)
                                for k in range(relations.shape[1])]) * np.linalg.norm(relations, axis=0)
        broken = np.abs(G @ relations) > ESTIMABLE_TOL * size
    if not broken.any():
        return
    effects = [f"{name}: {contrast}" for (_, name, contrast), b in zip(total.keys, broken.any(axis=1)) if b]
    aliased = [fit.column_names[j] for j in np.flatnonzero(np.isnan(fit.coef.to_numpy()))[broken.any(axis=0)]]
    warn_user(f"the average marginal effect(s) {shown_items(effects)} are not estimable from this fit: they "
              f"move the aliased column(s) {shown_items(aliased)} otherwise than the rows fitted (with positive "
              "weight) determine, so they are those with the aliased coefficients set to 0 (as R's predict() "
              "gives them), which the data do not determine", AliasingWarning)


def average_marginal_effects(fit: "GLMResults", variables: Any = None, at: Mapping[str, Any] | None = None,
                             level: float = 0.95) -> pd.DataFrame:
    """Average marginal effects of ``variables`` (default: every variable of the right-hand side).

    Parameters
    ----------
    fit : GLMResults
    variables : str or list of str, optional
        Data columns (``"x"``, or ``"cyl"`` for ``factor(cyl)``).
    at : dict, optional
        Variables held at a value (or each of a list of values) in every row.
    level : float
        Coverage of the intervals.

    Returns
    -------
    DataFrame
        Columns ``term``, ``contrast`` (``"dydx"`` or the level), ``estimate``, ``std_error``, ``statistic``,
        ``p_value``, ``conf_low``, ``conf_high``, preceded by one column per ``at`` variable.
    """
    level = confidence_level(level)
    every = model_variables(fit, offsets=True)
    chosen = pick(every, variables, "marginal effects")
    if not chosen:
        raise GLMStatError("the model has no variables on its right-hand side")
    seen: set[str] = set()  # (a variable given again was computed again: 20 ms each on 250 columns, and memory)
    twice = next((v for v in chosen if v.name in seen or seen.add(v.name)), None)
    if twice is not None:
        raise GLMStatError(f"variables= names the variable {shown(twice.name, 80)} more than once")
    means = _Means.of(fit)
    settings = _grid(at, every)
    main_columns = _main_effect_columns(fit, every)
    _refuse_evaluations(len(settings), chosen, {name for name, _ in main_columns})
    sums = _EffectSums(means, tuple(settings), tuple(every), tuple(chosen), main_columns)
    if fit.model_frame.in_memory:
        total = sums(_as_categoricals(used_data(fit), _plain_factor_columns(fit, every)))
    else:  # every chunk of the data's rows used, re-encoded with the variables changed, where the rows are
        spec = fit.model_frame.spec
        columns = tuple(dict.fromkeys(spec.columns + spec.offset_columns))
        total = raw_fold(fit, tuple(dict.fromkeys(columns)), sums, _merge, None)
    _warn_not_estimable(fit, total)
    V = fit.vcov.to_numpy()[np.ix_(means.kept, means.kept)]
    F = fit.covariance_factor
    F = None if F is None else F[means.kept]
    q = interval_quantile(level)
    rows = []
    for (k, name, contrast), est_sum, grad_sum in zip(total.keys, total.estimates, total.gradients):
        est, grad = float(est_sum / total.n), grad_sum[means.kept] / total.n  # the means over the rows used
        se = float(np.sqrt(max(combination_variances(grad[None, :], V, F)[0], 0.0)))
        z = est / se if se > 0 else np.nan
        rows.append({**settings[k], "term": name, "contrast": contrast, "estimate": est, "std_error": se,
                     "statistic": z, "p_value": 2 * normal_sf(abs(z)),
                     "conf_low": est - q * se, "conf_high": est + q * se})
    table = pd.DataFrame(rows)
    table.attrs["heading"] = "Average marginal effects on the response scale (delta-method standard errors)"
    return table
