"""Exponential-dispersion families, each a small bundle of pure functions as in R's ``family`` objects.

A family provides
  * ``variance(mu)`` -- V(mu);
  * ``unit_deviance(y, mu)`` -- d(y, mu), so the deviance is sum_i w_i d(y_i, mu_i);
  * ``start_mu(y, weights)`` -- R's starting values (``initialize``);
  * ``valid_mu(mu)`` and the response domain ``y_domain`` (data, not code);
  * ``variance_zeros`` -- the edges e of the mean domain where V vanishes linearly, with V'(e) (data): there
    a response at the edge has a score term w mu'(eta) (e - mu) / V(mu) whose limit as mu -> e is
    -w mu'(eta_e) / V'(e), which the boundary diagnosis needs (the quotient itself is 0/0 there);
    ``steep_variance_zeros`` -- the edges where V vanishes faster than linearly, where that limit is infinite;
  * ``loglik_terms(y, mu, weights, trials, scale)`` -- per-row log-likelihood, exactly as R's ``family$aic``
    (``None`` for quasi families, which have no likelihood);
  * ``fixed_dispersion`` -- dispersion 1 and z tests (binomial, Poisson, negative binomial) or estimated
    dispersion and t tests; ``extra_params`` -- parameters beyond the coefficients that R's ``logLik``
    counts (the ML dispersion of Gaussian, Gamma and inverse Gaussian);
  * ``convex_links`` -- the links under which every row's unit deviance is convex in its linear predictor,
    for every response (data; ``convex_deviance`` says whether the family's own link is one of them).

The families are one module each (:mod:`~glmstat.families.gaussian`, :mod:`~glmstat.families.binomial`,
:mod:`~glmstat.families.poisson`, :mod:`~glmstat.families.gamma`, :mod:`~glmstat.families.inverse_gaussian`,
:mod:`~glmstat.families.negative_binomial`, :mod:`~glmstat.families.tweedie`, :mod:`~glmstat.families.quasi`) on
:mod:`~glmstat.families.base`; :func:`get_family` finds one by the name R (and the command line) calls it.
"""

from __future__ import annotations

from .._arguments import own_scalar, shown
from ..errors import FamilyError
from .base import Domain, Family
from .binomial import Binomial, QuasiBinomial
from .gamma import Gamma
from .gaussian import Gaussian
from .inverse_gaussian import InverseGaussian
from .negative_binomial import NegativeBinomial
from .poisson import Poisson, QuasiPoisson
from .quasi import Quasi
from .tweedie import Tweedie

__all__ = [
    "Family",
    "Domain",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "Tweedie",
    "QuasiPoisson",
    "QuasiBinomial",
    "Quasi",
    "get_family",
]


_BY_NAME = {
    "gaussian": Gaussian, "normal": Gaussian, "binomial": Binomial, "logistic": Binomial,
    "poisson": Poisson, "gamma": Gamma, "inverse.gaussian": InverseGaussian,
    "inverse_gaussian": InverseGaussian, "inversegaussian": InverseGaussian,
    "negative.binomial": NegativeBinomial, "negative_binomial": NegativeBinomial,
    "negativebinomial": NegativeBinomial, "negbin": NegativeBinomial, "nb": NegativeBinomial,
    "quasipoisson": QuasiPoisson, "quasibinomial": QuasiBinomial, "quasi": Quasi,
}


def get_family(name: str, link: str | None = None) -> Family:
    """A family by (case-insensitive) name, as the command line names it: ``binomial``, ``Gamma``..."""
    cls = _BY_NAME.get(name.lower() if isinstance(name, str) and own_scalar(name) else None)  # (not a subclass's)
    if cls is None:
        from .._suggest import close_matches

        near = close_matches(name, _BY_NAME, n=1)
        raise FamilyError(
            f"unknown family {shown(name)}" + (f" (did you mean {shown(near[0])}?)" if near else "")
            + "; families are gaussian, binomial, poisson, gamma, inverse.gaussian, negative.binomial, "
            "quasipoisson, quasibinomial, quasi (Tweedie from Python: glmstat.Tweedie)"
        )
    return cls(link=link)
