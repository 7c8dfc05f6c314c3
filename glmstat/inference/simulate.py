"""Responses simulated from a fitted model, as R's ``simulate()`` of a ``glm`` (and of MASS's ``glm.nb``).

For row i with fitted mean mu_i and prior weight w_i (binomial: the trials, R's ``prior.weights``), each
simulation draws

* gaussian: y_i ~ N(mu_i, phi / w_i), phi = deviance / df_residual;
* binomial: y_i = k_i / w_i, k_i ~ Binomial(w_i, mu_i) (whole numbers of trials only, as R); a factor or
  logical response, one Bernoulli draw per row whatever its weight (R's ``binomial()$simulate``);
* Poisson: y_i ~ Poisson(mu_i), the prior weights ignored (R warns so, and so does glmstat);
* Gamma: y_i ~ Gamma(shape alpha w_i, mean mu_i), alpha the maximum-likelihood shape of ``MASS::gamma.shape``
  (:meth:`~glmstat.GLMResults.gamma_shape`, which with ``convergence="R"`` is MASS's own iteration);
* inverse Gaussian: y_i ~ IG(mu_i, lambda = w_i / phi), phi Pearson's dispersion (``SuppDists::rinvGauss``);
* negative binomial: y_i ~ NB(mu_i, theta) (MASS's ``rnegbin``).

Quasi families and Tweedie have no distribution to draw from (R: "family ... not implemented").  A row of zero
prior weight takes no part in the fit and gets NaN (R draws NaN for some families, values for others), and so
does a count beyond numpy's generators (more than 2^62 trials, a mean above 1e18), where R's draw is NA.

The values are the response as the fit reads it: for a binomial fit the proportion of successes (0/1 for one
trial; for a ``cbind(s, f)`` response R gives the two counts, which are the proportion times the trials,
``fit.weights()``).  The draws come from ``numpy.random.default_rng(seed)``, simulation after simulation, each
in row order, as R fills its columns; numpy's generators are not R's, so the numbers are not R's for the same
seed -- their distribution is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._arguments import integer_type, own_scalar, random_seed, shown
from ..errors import DataWarning, GLMStatError, warn_user
from ..families import Family
from ..formula.limits import refuse_dense
from ..formula.nodes import Name
from .fit_access import formula_limits, structure, used_data

if TYPE_CHECKING:
    from .results import GLMResults

__all__ = ["simulate", "draw", "simulation_scale", "MAX_NSIM", "MAX_DRAWS"]

#: Most simulations in one call (the memory bound on rows x simulations applies as well)
MAX_NSIM = 1_000_000
#: Most draws (simulations x rows) one call makes when it asks for more than one simulation: numpy's generators take
#: 0.2 to 0.35 us a draw, so 2^23 (64 MB) take a few seconds (400,000 simulations of 1,000 rows, within the memory
#: bound, took 135 s and 6.3 GB); one simulation of a fit's rows is never refused
MAX_DRAWS = 1 << 23
#: Draws of one call of a family's generator: simulations are drawn in blocks of about as many
_BLOCK_DRAWS = 1 << 16


def simulation_scale(fit: "GLMResults") -> float:
    """The dispersion R's ``simulate`` draws with: deviance / df_residual for the Gaussian, 1 / alpha of
    ``gamma.shape`` for the Gamma, Pearson's estimate otherwise (used by the inverse Gaussian only)."""
    name = fit.family.name
    if name == "gaussian":
        return fit.deviance / fit.df_residual if fit.df_residual > 0 else float("nan")
    if name == "Gamma":
        return fit.gamma_shape().dispersion
    return fit.dispersion


def draw(family: Family, mu: np.ndarray, weights: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """One simulated response per row (the module docstring's draws), NaN where the weight is 0."""
    out = np.full(mu.shape, np.nan)
    pos = weights > 0
    out[pos] = family.simulate(mu[pos], weights[pos], scale, rng)
    return out


def _one_trial(fit: "GLMResults") -> bool:
    """A binomial response read as a factor or logical column (one Bernoulli trial a row, whatever its weight).
    Known for a fit in memory; a streamed fit's is taken as numeric (its rows are not at hand)."""
    if not (fit.family.binomial_response and fit.model_frame.in_memory and fit.model_frame.data is not None):
        return False
    node = structure(fit).response
    if not isinstance(node, Name):
        return False
    data = used_data(fit)
    if node.id not in data.columns:
        return False
    kind = data[node.id].dtype
    return pd.api.types.is_bool_dtype(kind) or not pd.api.types.is_numeric_dtype(kind)


def _nsim(nsim: Any) -> int:
    if (isinstance(nsim, (bool, np.bool_)) or not integer_type(nsim) or not own_scalar(nsim)
            or not 1 <= nsim <= MAX_NSIM):  # (an int subclass's comparisons are its own code)
        raise GLMStatError(f"nsim must be a whole number from 1 to {MAX_NSIM:,}, got {shown(nsim)}")
    return int(nsim)


def _values(x: Any) -> Any:
    """A pandas or dask Series as pandas (a dask fit's per-row results are computed here, within the bound)."""
    return x.compute() if hasattr(x, "compute") else x


def simulate(fit: "GLMResults", nsim: int = 1, seed: Any = None) -> pd.DataFrame:
    """``nsim`` responses simulated from ``fit`` (see the module docstring): a DataFrame indexed by the rows
    used, with columns ``sim_1``, ..., ``sim_<nsim>`` as R names them."""
    nsim = _nsim(nsim)
    seed = random_seed(seed)
    # the rows of the table, those of prior weight 0 (NaN) included: fit.nobs leaves them out, and a fit of a
    # million rows of which ten weigh passed both bounds as ten rows
    rows = fit.model_frame.n_rows
    if nsim > 1 and nsim * rows > MAX_DRAWS:  # (before any draw or any per-row result is computed)
        raise GLMStatError(f"nsim={nsim:,} simulations of {rows:,} rows ask for {nsim * rows:,} draws, more "
                           f"than {MAX_DRAWS:,} in one call; simulate fewer at a time (each call with a seed of its "
                           "own)")
    family = fit.family
    refuse_dense(f"{nsim:,} simulated responses of {rows:,} rows", 8 * nsim * max(rows, 1),
                 formula_limits(fit).max_design_bytes, "simulate fewer at a time, or raise the formula limits' "
                 "max_design_bytes", " in memory")
    family.simulate(np.full(1, 0.5), np.ones(1), 1.0, np.random.default_rng(0))  # (a quasi family refuses now)
    scale = simulation_scale(fit)
    mu = _values(fit.fitted_values)
    weights = _values(fit.weights("prior")).to_numpy(dtype=float)
    if family.name == "poisson" and np.any(weights[weights > 0] != 1):
        warn_user("the Poisson distribution has no prior weights: they are ignored in the simulated "
                  "counts (as R's simulate)", DataWarning)
    if _one_trial(fit):
        weights = np.where(weights > 0, 1.0, 0.0)
    m = mu.to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    sims = np.empty((m.size, nsim))
    # simulation after simulation, as R's column-major fill, a block of them a call: numpy's generators draw an
    # array's elements in order, so a block's draws are its simulations' one by one (a million simulations of ten
    # rows, drawn one a call, took 30 s)
    block = max(1, _BLOCK_DRAWS // max(m.size, 1))
    for k in range(0, nsim, block):
        j = min(nsim, k + block)
        drawn = draw(family, np.tile(m, j - k), np.tile(weights, j - k), scale, rng)
        sims[:, k:j] = drawn.reshape(j - k, m.size).T
    return pd.DataFrame(sims, index=mu.index, columns=[f"sim_{k + 1}" for k in range(nsim)])
