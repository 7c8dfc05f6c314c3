"""The IRLS engine: a pure function (source, family, control) -> FitState with R's ``glm.fit`` semantics.

One *pass* over the row blocks at coefficients beta computes, for every block,

    eta = X beta + offset,   mu = g^{-1}(eta),   deviance = sum_i w_i d(y_i, mu_i),
    W_i = w_i (d mu/d eta)^2 / V(mu_i),   r_i = (y_i - mu_i) / (d mu/d eta)   (the working residual),

and reduces X'WX and X'Wr (see :mod:`glmstat.engine.linalg`).  The next estimate is beta + (X'WX)^{-1} X'Wr.
As in R:
  * the first pass starts from the family's ``start_mu`` (or from ``start=`` coefficients);
  * a step whose deviance is not finite, or whose eta/mu leave the family's domain, is halved towards the
    previous estimate (one that leaves it by the rounding of its solve only is moved back inside:
    ``ROUNDING_SHORTENING``);
  * the deviance test |dev - dev_old| / (|dev| + 0.1) < tol decides convergence.
Unlike R, the engine then keeps taking Fisher-scoring steps (*polishing*) until the coefficient change is
negligible next to the coefficients and their standard errors (R stops ~1e-6 away from the optimum for
non-canonical links; a fitted mean within 10 eps of the edge of its domain stops this only when the step
still moves the linear predictor, as under separation, or brings a new mean to the edge), and every returned
quantity is evaluated at the final estimate (R evaluates the covariance with the weights of the step before).
Rows whose optimum is on an edge of the domain that pulls them across it (a log-link probability of 1 for a row of
successes), which Fisher scoring approaches only geometrically, are put on the edge by the Fisher step constrained
there (:mod:`glmstat.engine.edge_approach`) once polishing ends.
Where scoring cycles around an interior optimum (a step raised the deviance, and the fit then fails to converge:
max_iter, or polishing that stops shrinking; or steps that turn back on each other, the deviance falling all the
while: polishing steps that still move the linear predictor, or the last steps before max_iter), or still crawls
towards it after ``MAX_POLISH`` polishing steps (a linear rate near 1, the estimate many steps from the optimum),
or reaches max_iter crawling one way at a linear rate below ``CRAWL_RATE`` (these readings of the last iterates
are :mod:`glmstat.engine.trajectory`'s), the exact fit finishes with Newton
steps with the observed information, halved while they raise the deviance (:mod:`glmstat.engine.newton`), and
is converged only once the Fisher step there is negligible; the covariance
is still the inverse expected information, as summary.glm's.  Where scoring has risen far above a deviance it
reached and drifts on to the edge of the domain or steps out of it (away from the optimum: separation only
lowers the deviance), the rescue restarts from the lowest iterate.
``Control(convergence="R")`` stops where R stops and returns what R's ``glm.fit`` returns instead.  The
iterations are counted as R's ``iter`` (polishing steps apart) and recorded in ``FitState.trace``.

Cost: every pass starts on the Cholesky (Gram) path.  If the column-equilibrated X'WX is well conditioned
(condition number below ``linalg.GRAM_MAX_COND``) no column can be aliased at R's QR tolerance, so the
tall-skinny QR that finds R's aliasing runs only when the Cholesky path refuses; a design with more columns than
rows (X'WX singular for certain) takes the QR path throughout, O(n^2 p) a pass.  The per-row work of a
block is a fused kernel for the common family/link pairs (:mod:`glmstat.engine.kernel`); when the working
weights are the prior weights themselves (Gamma/log, Gaussian/identity) X'WX is formed once and later
passes reduce only X'W r.  BLAS runs single-threaded inside the loop (:mod:`glmstat.engine.threads`).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np

from ..design.base import rows_within
from ..design.sources import DesignSource, fold
from ..errors import FitError, InvalidStartError
from ..families import Family
from ..links import eta_outside
from .linalg import MAX_KEPT_COND as _KEPT_COND
from .linalg import GRAM_MAX_COND, GramReducer, QRReducer, ScoreReducer, StepFactor, factor_gram
from .edge_approach import constrained_to_edge
from .edges import pulls_across_edge
from .newton import newton_step
from .threads import single_threaded_blas
from .trajectory import CYCLE_RISE, OSCILLATION_TURNS, crawls, growing, lost_columns, oscillates, went_away
from .kernel import kernel_for

__all__ = ["Control", "FitState", "irls", "CONVERGENCE", "covariance_weights_eta"]

#: ``convergence=`` values: iterate to the exact MLE, or stop where R's glm.fit stops and report what it reports.
CONVERGENCE = ("exact", "R")

#: Polishing stops once every coefficient moves less than this fraction of max(|beta_j|, its std. error).
POLISH_TOL = 1e-11
MAX_POLISH = 200
#: With ``convergence="R"`` the Cholesky path takes X'WX only below this condition number (1e10 otherwise).
#: There R's iterates are the result, not just the way to the MLE: a Cholesky step is off by about eps times
#: cond(X'WX), an error that no later step corrects when the fit stops at R's criterion or at max_iter, and a
#: run of halved steps towards the domain's edge (means near 0, weights spanning 1e10) amplifies it a thousand
#: times, 1e-8 off R after 25 iterations.  R's QR is off by eps sqrt(cond); so is the QR reducer used above this.
R_GRAM_MAX_COND = 1e6
#: ... or once this many steps in a row are no smaller than the smallest so far.  Fisher scoring for a
#: non-canonical link with large residuals converges only linearly (rates up to ~0.95 seen) and not always
#: monotonically: a step can be twice the one before and the next ten smaller still.
POLISH_PATIENCE = 5
#: Beyond this expected relative error of (X'WX)^{-1} (:attr:`StepFactor.inv_error`: a wide factor's block
#: solve whose Schur complement is ill-conditioned, ``f + log(yr) + yr``: 5e-4 of the standard errors) the
#: covariance comes from the QR of the rows instead (:func:`_qr_inverse`).
INV_MAX_ERROR = 1e-10


@dataclass(frozen=True)
class Control:
    """IRLS settings: the relative-deviance tolerance and the iteration limit (R's ``glm.control``).

    ``damped`` also halves a step that raises the deviance (by more than rounding, 1e-12 relative), not
    only one that leaves the family's domain as R does: a fit that must reach its optimum from any start
    (the constrained refits of a profile) cannot cycle; when no halving lowers the deviance it stops there.
    A damped fit does not count a halved step's small deviance change as convergence while the coefficients
    still move (it may be creeping towards an optimum on the edge of the domain).
    """

    tol: float = 1e-8
    max_iter: int = 25
    damped: bool = False
    #: "exact": polish to the MLE after R's criterion is met; "R": stop there and return what R's glm.fit
    #: returns (the covariance from the weights of the step before, R's dispersion)
    convergence: str = "exact"
    #: called as on_iteration(event, iteration, deviance) while fitting, event "step" (the full step's
    #: deviance, as R's trace prints it), "halved" (after a step-halving) or "polish"
    on_iteration: Callable[[str, int, float], None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FitState:
    """The engine's result: estimate, factorisation at the estimate, and the iteration record."""

    coef: np.ndarray  # NaN where aliased
    kept: np.ndarray
    cov_unscaled: np.ndarray | None  # (X'WX)^{-1}, NaN rows/columns where aliased (None: not asked for)
    gram: np.ndarray  # X'WX at the estimate, every column
    deviance: float
    pearson_chi2: float
    n_ok: int
    sum_weights: float
    converged: bool
    iterations: int
    boundary: bool
    n_boundary: int
    last_rel_change: float
    deviance_history: tuple[float, ...]
    polished: bool = False  # the next Fisher-scoring step was below POLISH_TOL: an interior optimum
    #: one record per accepted step: (deviance, step-halvings, coefficients, mask of the columns not aliased);
    #: the first ``iterations`` are R's iterations, the rest polishing steps
    trace: tuple[tuple[float, int, np.ndarray, np.ndarray], ...] = field(default=(), repr=False)
    polish_steps: int = 0
    #: R's criterion was taken as met because a step was no larger than the rounding of the solve that made it
    #: (kept columns nearly singular together): the estimates are determined only to about that
    at_rounding: bool = False
    #: With ``convergence="R"``: the coefficients whose working weights made the covariance -- those at the
    #: start of the last iteration, as R's QR -- where they are not the estimate's; None: the estimate's own
    #: (or, with ``weights_at_start``, the family's starting means').
    weights_beta: np.ndarray | None = field(default=None, repr=False)
    #: With ``convergence="R"``: R's criterion was met at the first iteration, whose working weights are those
    #: of the family's starting means.
    weights_at_start: bool = False


def covariance_weights_eta(b, family: Family, beta: np.ndarray | None, at_start: bool = False) -> np.ndarray:
    """The linear predictor of a block's rows at which the working weights of the covariance are evaluated:
    X beta + offset, or (``at_start``) the link of the family's starting means, as R's first iteration."""
    if at_start:
        with np.errstate(all="ignore"):
            return family.link.link(family.start_mu(b.y, b.mustart_weights))
    return b.X.matvec(beta) + b.offset


@dataclass
class PassResult:
    """What one pass over the data at a given estimate yields: the sums over the rows and the reducer of the
    normal equations.  A block's (or several merged blocks') share while the pass runs; :func:`_pass` returns
    the merged whole, which no one changes afterwards."""

    deviance: float
    pearson: float
    valid: bool
    n_ok: int
    sum_weights: float
    n_boundary: int
    #: the working weights were the prior weights: X'WX is the same next pass
    fixed_weights: bool
    reducer: GramReducer | QRReducer | ScoreReducer = field(repr=False)

    def merge(self, other: "PassResult") -> "PassResult":
        """The sums over both parts' rows (in place: parts are merged as the blocks come)."""
        self.deviance += other.deviance
        self.pearson += other.pearson
        self.valid = self.valid and other.valid
        self.n_ok += other.n_ok
        self.sum_weights += other.sum_weights
        self.n_boundary += other.n_boundary
        self.fixed_weights = self.fixed_weights and other.fixed_weights
        self.reducer.merge(other.reducer)
        return self


def _new_reducer(p: int, use_qr: bool, fixed_gram: np.ndarray | None) -> GramReducer | QRReducer | ScoreReducer:
    if use_qr:
        return QRReducer(p)
    if fixed_gram is not None:
        return ScoreReducer(p, fixed_gram)
    return GramReducer(p)


def _pass_block(family: Family, kernel, beta: np.ndarray | None, use_qr: bool, fixed_gram: np.ndarray | None,
                p: int, b, working: bool = True) -> PassResult:
    """One block's share of a pass at ``beta`` (``None``: R's starting mu): its deviance, Pearson sum,
    counts and reduced normal equations.  Runs where the block is (a dask worker, for a cluster's rows).
    ``working=False`` (with ``beta=None`` only) leaves the working residual out of the starting pass's
    response: the normal equations of the starting linear predictor itself, eta - offset."""
    if beta is None:
        with np.errstate(all="ignore"):
            eta = family.link.link(family.start_mu(b.y, b.mustart_weights))
            wk = kernel(b.y, b.weights, eta)
            # the first pass solves for the coefficients themselves: residual z - offset, not y - mu
            r = eta - b.offset
            if working:
                r += wk.r
            r[~(wk.W > 0)] = 0.0  # (the one zero-weight rule: no residual where the working weight is 0)
            # e.g. log link, y = 0: no starting linear predictor (a finite sum has no inf or NaN term)
            valid = wk.valid and (math.isfinite(_sum(r)) or bool(np.isfinite(r).all()))
    else:
        eta = b.X.matvec(beta)
        if b.has_offset:
            eta += b.offset
        wk = kernel(b.y, b.weights, eta)
        r = wk.r
        valid = wk.valid
    reducer = _new_reducer(p, use_qr, fixed_gram)
    if valid and not (fixed_gram is not None and not wk.fixed_weights):
        reducer.add(b.X, wk.W, r)
    return PassResult(wk.deviance, wk.pearson, valid, b.n_positive, b.sum_weights, wk.n_boundary,
                      wk.fixed_weights, reducer)


def _pass(source: DesignSource, family: Family, beta: np.ndarray | None, use_qr: bool,
          kernel=None, fixed_gram: np.ndarray | None = None, working: bool = True) -> PassResult:
    """Evaluate deviance and the weighted normal equations at ``beta`` (``None``: R's starting mu), as one
    map-reduce over the source's blocks (:func:`_pass_block`, merged by :meth:`PassResult.merge`).

    With ``fixed_gram`` (X'WX of a previous pass whose working weights were the prior weights themselves)
    only the score is reduced; should a block's weights turn out not to be fixed, the pass is redone in full.
    ``working``: see :func:`_pass_block`.
    """
    p = source.n_cols
    if kernel is None:
        kernel = kernel_for(family)
    part = partial(_pass_block, family, kernel, beta, use_qr, fixed_gram, p)  # (positional: binds faster)
    if not working:
        part = partial(part, working=False)
    res = source.map_reduce(part, PassResult.merge)
    if res is None:  # no rows
        res = PassResult(0.0, 0.0, True, 0, 0.0, 0, True, _new_reducer(p, use_qr, fixed_gram))
    if fixed_gram is not None and not res.fixed_weights:
        return _pass(source, family, beta, use_qr, kernel)
    res.valid = res.valid and math.isfinite(res.deviance)
    res.fixed_weights = res.fixed_weights and not use_qr
    return res


def _factor(res: PassResult, kept: np.ndarray | None, max_cond: float) -> StepFactor | None:
    if isinstance(res.reducer, QRReducer):
        return res.reducer.factor(max_cond)
    return factor_gram(res.reducer.gram, res.reducer.score, kept, max_cond, res.reducer.diagonal)


def _evaluate(source, family, beta, use_qr, kept, kernel=None, fixed_gram=None, max_cond=GRAM_MAX_COND):
    """A pass plus its factorisation, falling back to the QR reducer when the Gram matrix's condition number
    exceeds ``max_cond`` (or it is singular)."""
    res = _pass(source, family, beta, use_qr, kernel, fixed_gram)
    if not res.valid:
        return res, None, use_qr
    fac = _factor(res, kept, max_cond)
    if fac is None:  # ill-conditioned or newly aliased: redo this pass with the QR reducer
        use_qr = True
        res = _pass(source, family, beta, use_qr, kernel)
        fac = _factor(res, kept, max_cond)
    return res, fac, use_qr


_EPS = np.finfo(float).eps
_sum, _max = np.add.reduce, np.maximum.reduce
#: A damped fit gives up halving a step after this many halvings (the step is then 1e-12 of the Fisher step).
_MAX_DAMPING = 40


def _moved(new: np.ndarray, old: np.ndarray) -> float:
    """max |new - old| / (1 + max |new|)."""
    return float(np.max(np.abs(new - old), initial=0.0)) / (1.0 + float(np.max(np.abs(new), initial=0.0)))


def _rises(old: PassResult, new: PassResult) -> bool:
    """The deviance rose by more than rounding."""
    return new.deviance > old.deviance + 1e-12 * abs(old.deviance)


#: A step whose means leave the family's domain is halved towards the previous estimate, as R halves it (the
#: first step, with nothing to halve towards, is refused) -- unless moving it at most this fraction of the way
#: towards the coefficients of the starting linear predictor brings them back: it then left the domain by the
#: rounding of its solve only.  Where the exact step ends on the edge (an identity-link mean of 0 for a
#: factor level whose counts are all 0, or a binomial mean of 1 for a level of successes: their working
#: responses are exactly on it), the solve's last bit decides the side, and it falls one way in memory, another
#: for the same sums taken in another order (Parquet row groups, dask partitions) and a third for R's QR: the
#: fit was refused, or crept towards the edge by halvings (25 iterations, 4% short of the optimum), or took the
#: optimum in 3.  (A step that truly leaves the domain needs a shortening of order 1.)  The starting linear
#: predictor's coefficients are the anchor, not the previous estimate: that is on the edge itself after such a
#: step (its mean 1e-15 from 0), so no small move towards it comes back inside.
ROUNDING_SHORTENING = 2.0**-30
#: ... and for a later step, which comes from an estimate that may be approaching an optimum on the edge by
#: halvings: its overshoot shrinks along that path (a log-link probability of 1 overshot by 1e-11 after 13
#: iterations), and only one within the rounding of the linear predictor (1e-15 here) is shortened.
LATER_ROUNDING_SHORTENING = 2.0**-40
#: ... and only where the shortening moves none of the rows that left the domain by more than this many units
#: of the rounding of their linear predictor, eps (sum_j |x_ij beta_j| + |offset_i|): a fixed fraction of the way
#: to the anchor is no measure of rounding, as that way can be long and the overshoot tiny.  Along a path of
#: halvings to an optimum on the edge, the overshoot is real however small: the iterate is 3.7e-15 from the edge
#: (a log-link binomial y ~ x, the row of x = 10 at eta = 0), the Fisher step leaves the domain by 1.1e-14, 26
#: such units, and R halves it (as at the next iteration, 12 units), where 2^-40 of the way shortened it, and the
#: path parted from R's.  Steps that end on the edge exactly (a factor level's rows all 0, or all 1) leave it by
#: at most 4 units (moved back by no more than that in the fixtures).  The last overshoots of such a path are a few
#: units too, and R halves them or not as its QR rounds (its fit moves by 1e-4 with the order of the rows there):
#: no bound separates them from a step that ends on the edge, and glmstat moves them back inside.  (With
#: ``convergence="R"`` only: the exact fit, for which R's path is only the way to the optimum, moves every step
#: that 2^-40 of the way brings back, which keeps the progress the step makes along the edge: halving the real
#: overshoots too left it stopped 4.6e-5 of a standard error from an optimum on the edge it reached before, its
#: polishing steps leaving the domain.)
LATER_ROUNDING_ETA = 8.0
#: The smallest shortening tried, 2^-53: the step is shortened by the smallest power of 2 that brings its means
#: back (found by bisection of the exponent, five passes), so that they stay as near the edge as those of a step
#: that rounded inside it -- within the 10 eps at which the diagnosis counts a mean on the edge.
_LEAST_SHORTENING_EXPONENT = 53


def _shortened(source: DesignSource, family: Family, kernel, new: np.ndarray, toward: np.ndarray, t: float,
               kept: np.ndarray, use_qr: bool, max_cond: float):
    """(coefficients, pass, factor, use_qr) at ``new`` moved the fraction ``t`` towards ``toward``, or None
    when its means leave the domain (or its X'WX has no factor)."""
    beta = new + t * (toward - new)
    res, fac, use_qr = _evaluate(source, family, beta, use_qr, kept, kernel, None, max_cond)
    return (beta, res, fac, use_qr) if res.valid and fac is not None else None


def _outside_rows(family: Family, y: np.ndarray, w: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Row by row, whether a pass at ``eta`` fails there (:func:`glmstat.engine.kernel.generic`'s validity): eta
    outside the link's domain, a mean not finite or (where the family checks its means) outside the family's
    domain, or a deviance term not finite."""
    with np.errstate(all="ignore"):
        mu = family.link.inverse(eta)
        out = eta_outside(family.link, eta) | ~np.isfinite(mu) | ~np.isfinite(w * family.unit_deviance(y, mu))
        if not family.valid_mu(mu):
            out |= ~family.mu_domain.contains(mu)
    return out


def _block_within_rounding(b, family: Family, new: np.ndarray, moved: np.ndarray) -> bool:
    eta = b.X.matvec(new)
    if b.has_offset:
        eta += b.offset
    rows = np.flatnonzero(_outside_rows(family, b.y, b.weights, eta))
    within = True
    for start in range(0, rows.size, rows_within(b.X.n_cols)):
        part = rows[start:start + rows_within(b.X.n_cols)]
        X = b.X.take(part)
        scale = np.abs(X.toarray()) @ np.abs(new) + np.abs(b.offset[part])
        within = within and bool(np.all(np.abs(X.matvec(moved - new)) <= LATER_ROUNDING_ETA * _EPS * scale))
    return within


def _within_eta_rounding(source: DesignSource, family: Family, new: np.ndarray, moved: np.ndarray) -> bool:
    """The move from ``new`` (a step whose means leave the family's domain) to ``moved`` (shortened back inside)
    changes the linear predictor of no row that left the domain by more than :data:`LATER_ROUNDING_ETA` units
    of its rounding, eps (sum_j |x_ij new_j| + |offset_i|): the step left the domain by that rounding only."""
    part = partial(_block_within_rounding, family=family, new=new, moved=moved)
    return fold(source, part, operator.and_, True)


def _start_coefficients(source: DesignSource, family: Family, kernel, kept: np.ndarray, use_qr: bool,
                        max_cond: float) -> np.ndarray | None:
    """The weighted least-squares coefficients of the starting linear predictor itself (working weights those
    of R's starting means; 0 where not ``kept``), or None where that pass gives no factor."""
    start = _pass(source, family, None, use_qr, kernel, working=False)
    fac = _factor(start, kept, max_cond) if start.valid else None
    return None if fac is None else np.where(kept, fac.step, 0.0)


def _inside_by_rounding(source: DesignSource, family: Family, kernel, new: np.ndarray, toward: np.ndarray,
                        kept: np.ndarray, use_qr: bool, max_cond: float, most: float = ROUNDING_SHORTENING):
    """The step to ``new``, whose means leave the family's domain, shortened towards ``toward`` (the starting
    linear predictor's coefficients) by the smallest power of 2 from ``most`` (a power of 2) down to
    2^-:data:`_LEAST_SHORTENING_EXPONENT` that brings them back: (coefficients, pass, factor, use_qr), or None
    when not even ``most`` does (the step truly leaves the domain: halved, or refused, as R does)."""
    inside = _shortened(source, family, kernel, new, toward, most, kept, use_qr, max_cond)
    if inside is None:
        return None  # (one pass decides)
    valid, invalid = round(-math.log2(most)), _LEAST_SHORTENING_EXPONENT + 1
    while invalid - valid > 1:  # (the smallest shortening that keeps the means inside: the largest exponent)
        k = (valid + invalid) // 2
        got = _shortened(source, family, kernel, new, toward, 2.0**-k, kept, use_qr, max_cond)
        if got is None:
            invalid = k
        else:
            valid, inside = k, got
    return inside


#: At a finite optimum the next Fisher step moves no linear predictor by more than rounding (R's criterion
#: leaves it ~1e-6 away at most); along a separating direction every step moves the separated rows' eta by
#: about 1, however close their means already are to the edge.  Fitted means within 10 eps of the edge
#: (a cloglog mean of 1 - 1e-16 at eta = 3.6) are polished unless the step moves some eta by more than this.
DRIFT_TOL = 1e-3


def _block_drift(b, step: np.ndarray) -> float:
    return float(np.max(np.abs(b.X.matvec(step)), initial=0.0))


def _eta_drift(source: DesignSource, step: np.ndarray) -> float:
    """max_i |x_i' step|: how far the next step would move the linear predictors."""
    return fold(source, partial(_block_drift, step=step), max, 0.0)


#: A step is rounding noise when no coefficient moves more than this many times eps * cond * max |beta|.
ROUNDING_STEPS = 10.0


def _at_rounding(new: np.ndarray, beta: np.ndarray, kept: np.ndarray, cond: float) -> bool:
    """The step from ``beta`` to ``new`` is within the rounding of the factorisation that solved it (condition
    number ``cond`` of the kept columns): max_j |new_j - beta_j| <= ROUNDING_STEPS eps cond max_j |new_j|.
    Never for kept columns singular together (``cond`` beyond ``MAX_KEPT_COND``): no step solved on them
    means anything, and the fit has not converged."""
    scale = float(_max(np.abs(new[kept]), initial=0.0))
    step = float(_max(np.abs(new[kept] - beta[kept]), initial=0.0))
    return scale > 0 and cond <= _KEPT_COND and step <= ROUNDING_STEPS * _EPS * cond * scale


def _small(step: np.ndarray, beta: np.ndarray, fac: StepFactor) -> float:
    """Largest |step_j| / max(|beta_j|, se_j) over kept columns (se at unit dispersion)."""
    k = fac.kept
    se = np.sqrt(np.maximum(fac.inv_diagonal(), 0.0))
    scale = np.maximum(np.abs(beta[k]), se)
    scale[~(scale > 0)] = 1.0
    return float(_max(np.abs(step[k]) / scale, initial=0.0))


def _finish_at_edge(source: DesignSource, family: Family, kernel, beta: np.ndarray, res: PassResult,
                    fac: StepFactor, use_qr: bool, max_cond: float, edges: tuple[tuple[float, float], ...],
                    hold: bool = False):
    """(coefficients, pass, factor, use_qr) with the rows that scoring carries to an edge of ``edges`` put on it
    by the Fisher step from ``beta`` constrained there (:func:`~glmstat.engine.edge_approach.constrained_to_edge`),
    or None: no row binds there, or the result has another set of kept columns, or a deviance above ``res``'s.
    ``hold``: a step that only holds rows already on the edge will do too (the Fisher step left the domain).
    The edge itself may be outside the family's domain (a binomial mean of 1): the result is then moved back
    towards ``beta`` by the smallest power of 2 that brings its means inside (:func:`_inside_by_rounding`), to the
    rounding of their linear predictor from the edge (a few ulps for a probability of 1), where R's refits end."""
    edge = constrained_to_edge(source, family, beta, fac, edges)
    if edge is None or not (edge.reaches or hold):
        return None
    new = edge.coef
    new_res, new_fac, new_qr = _evaluate(source, family, new, use_qr, fac.kept, kernel, None, max_cond)
    if not new_res.valid or new_fac is None:
        inside = _inside_by_rounding(source, family, kernel, new, beta, fac.kept, use_qr, max_cond, 0.5)
        if inside is None:
            return None
        new, new_res, new_fac, new_qr = inside
    if _rises(res, new_res) or not np.array_equal(new_fac.kept, fac.kept):
        return None
    return new, new_res, new_fac, new_qr


def irls(
    source: DesignSource, family: Family, control: Control = Control(), start: np.ndarray | None = None,
    covariance: bool = True,
) -> FitState:
    """Fit a GLM by iteratively reweighted least squares.

    Parameters
    ----------
    source : DesignSource
        The rows (design, response, weights, trials, offset), in blocks.
    family : Family
        Error distribution and link.
    control : Control
        ``tol`` for the relative deviance change and ``max_iter``.
    start : ndarray, optional
        Starting coefficients; by default R's starting values for the family.
    covariance : bool
        Invert X'WX at the estimate (``FitState.cov_unscaled``); a refit that needs only its deviance and
        coefficients (a submodel of an anova, a step of theta's iteration) skips the p x p inverse, None.

    Returns
    -------
    FitState
    """
    # small products: BLAS runs them on one thread anyway; a p x p factorisation counts too (a design wider
    # than its rows: 401 columns on 100 rows was 10x slower with two BLAS threads on a loaded 2-core machine)
    if max(source.n_rows, source.n_cols) * source.n_cols < 2**16:
        return _irls(source, family, control, start, covariance)
    with single_threaded_blas():
        return _irls(source, family, control, start, covariance)


def _irls(source: DesignSource, family: Family, control: Control, start: np.ndarray | None,
          covariance: bool = True) -> FitState:
    p = source.n_cols
    if p == 0:  # an empty model (y ~ 0 + offset(...)): mu is fixed by the offset
        res = _pass(source, family, np.zeros(0), use_qr=False)
        if not res.valid:  # as R: "invalid linear predictor values in empty model"
            raise FitError(
                f"the model has no coefficients, and its fixed linear predictor (the offset, or 0) is not a valid "
                f"mean for the {family.name} family with the {family.link.name} link; add the intercept or a term"
            )
        return FitState(np.zeros(0), np.zeros(0, dtype=bool), np.zeros((0, 0)), np.zeros((0, 0)), res.deviance,
                        res.pearson, res.n_ok, res.sum_weights, True, 0, False, res.n_boundary, 0.0,
                        (res.deviance,))
    if start is not None:
        beta = np.asarray(start, dtype=float)
        if beta.shape != (p,) or not np.all(np.isfinite(beta)):
            raise FitError(f"start= needs {p} finite coefficients, one per model column; got {np.shape(start)}")
    else:
        beta = None
    kept = np.ones(p, dtype=bool)
    # The Gram path first: when the equilibrated X'WX is well conditioned no column can be aliased at R's
    # QR tolerance, so R's aliasing is only looked for (with the QR reducer) when the Cholesky path refuses.
    # A design with more columns than rows has a singular X'WX: the QR reducer from the start, whose factor
    # has at most as many rows as the design (O(n p^2) a pass), instead of a p x p Cholesky (O(p^3)) that
    # can only fail.  Later passes solve the kept columns (at most n) by Cholesky, as for any aliased design.
    wide = p > source.n_rows
    use_qr = wide
    max_cond = GRAM_MAX_COND if control.convergence == "exact" else R_GRAM_MAX_COND
    kernel = kernel_for(family)
    # (start= coefficients so large that X beta overflows give an invalid start, refused just below)
    with np.errstate(over="ignore", invalid="ignore"):
        res, fac, use_qr = _evaluate(source, family, beta, use_qr, kept, kernel, max_cond=max_cond)
    if not res.valid or fac is None:
        raise InvalidStartError(
            "cannot find valid starting values: " + (
                "the start= coefficients give" if start is not None else "the family's starting mu gives")
            + " a non-finite deviance, an invalid linear predictor or mean outside the family's domain; pass "
            + ("other " if start is not None else "") + "start= coefficients"
        )
    if use_qr and not wide and fac.kept.any() and factor_gram(fac.gram, np.zeros(p), fac.kept, max_cond,
                                                         res.reducer.diagonal) is not None:
        use_qr = False  # the aliased set is known and X'WX of the others is well conditioned (as in the loop)
    if beta is None:
        beta = np.zeros(p)
    # fixed working weights (Gamma/log, Gaussian/identity): X'WX is formed once, then only X'W r per pass
    fixed_gram = fac.gram if res.fixed_weights else None
    history = [res.deviance]
    dev_old = res.deviance
    converged = boundary = False
    iterations = 0
    rel = np.inf
    polishing = 0
    best_step, since_best = np.inf, 0
    sizes: list[float] = []  # the polishing steps' sizes, for growing
    polished = False
    rounding_optimum = False  # the rescue's steps stopped shrinking at the rounding of its solve
    trace: list[tuple[float, int, np.ndarray, np.ndarray]] = []
    polish_steps = 0
    rechecked = False
    # the factor whose step gave the estimate, and the coefficients it was computed at (None: the starting mu)
    prev_fac, prev_beta = fac, (beta.copy() if start is not None else None)
    report = control.on_iteration
    # Rescue of a cycling fit (exact mode): once Fisher scoring has raised the deviance (``rose``) and then
    # fails to converge (max_iter, or polishing that stops shrinking), take Newton steps with the observed
    # information (:mod:`glmstat.engine.newton`; the Fisher step where that is not positive definite), halved
    # while they raise the deviance, until the Fisher step is negligible (``polished``) as for any fit.
    rescue = not control.damped and control.convergence == "exact"
    rose = rescuing = False
    at_rounding = False  # converged because the last step was rounding noise (see _at_rounding)
    restart_from = None  # the lowest iterate, once scoring is seen to have gone away from the optimum
    swinging = False  # the rescue was started by steps turning back (an oscillation), not by a rise
    anchor = None  # (kept, the starting linear predictor's coefficients): see ROUNDING_SHORTENING
    # the edges where a row's mean can end on the edge at the optimum (exact fits only: R's stop where it stops,
    # and a damped fit's own rule for the edge is the profile's)
    edge_pull = pulls_across_edge(family) if control.convergence == "exact" and not control.damped else ()
    diverging = False  # polishing stopped because the linear predictor still moves (separation)
    while True:
        if restart_from is not None:
            # scoring rose far above a deviance it had reached and then drifts on towards the edge of the domain,
            # or steps out of it: it went away from the optimum (separation only lowers the deviance). Restart
            # from the lowest iterate with the rescue's Newton steps, halved while they raise the deviance.
            beta = np.where(restart_from[3], restart_from[2], 0.0)
            res, fac, use_qr = _evaluate(source, family, beta, use_qr, restart_from[3], kernel, None, max_cond)
            restart_from = None
            if not res.valid or fac is None:
                break
            fixed_gram = fac.gram if res.fixed_weights else None
            rescuing, rescue, polishing, boundary = True, False, 0, False
            best_step, since_best = np.inf, 0
            continue
        if not converged and iterations >= control.max_iter:
            # steps that keep turning back on each other: scoring oscillating about an interior optimum at a rate
            # near -1 (a cauchit fit's -0.996), its deviance falling by 1e-10 of itself a step, so it never rose
            # and R's criterion at a tight tol is met only thousands of iterations on -- a cycling fit all the same
            # (or crawling one way at a linear rate well below 1: Newton steps finish it at the optimum); with means
            # on the edge, only a long run of turns (a divergence there moves one way; a crawl may be one)
            swinging = rescue and oscillates(trace, res.n_boundary > 0, OSCILLATION_TURNS)
            rose = rose or swinging or (rescue and res.n_boundary == 0 and crawls(trace, OSCILLATION_TURNS))
            if not (rescue and rose):
                break
            converged = rescuing = True  # (R's criterion was not met: converged only if the rescue polishes)
            restart_from = went_away(trace, res.deviance, True)
            if restart_from is not None:
                # scoring rose and wandered off far above a deviance it had reached, never meeting R's test (a
                # cloglog fit of 0/1 rows with frequency weights that ran to the edge and cycled there, its
                # deviance 15 times the optimum's after 100 steps): restart from the lowest iterate
                continue
            rescue, polishing = False, 0
        if converged and (control.convergence == "R" or at_rounding):
            break  # (steps at the rounding of the solve: polishing would only move the estimate by noise)
        step = fac.step
        if converged:
            # (checked when means are on the domain's edge, and once polishing takes longer than a few steps)
            # (not when the deviance has risen: scoring cycles, a sign of no optimum at infinity)
            # (nor when the polishing steps keep growing: scoring leaving a plateau where R's criterion was met,
            # the deviance falling faster at every step; a divergence to infinity takes ever smaller steps)
            # (nor in the rescue of an oscillation: its Newton steps may move a linear predictor beyond the clamp)
            if not (rescuing and swinging) and (res.n_boundary > 0 or lost_columns(trace, fac.kept, rose)
                    or (polishing == POLISH_PATIENCE and not rose and not growing(sizes, POLISH_PATIENCE - 1))) \
                    and _eta_drift(source, step) > DRIFT_TOL:
                if rescue and oscillates(trace, res.n_boundary > 0):
                    # the steps turn back: scoring oscillates about an interior optimum (a rate near -1, the
                    # deviance falling by 1e-8 of itself a step), not a divergence to infinity, which moves one
                    # way: finish with the rescue's Newton steps
                    swinging, rose, rescuing, rescue, polishing = True, True, True, False, 0
                else:
                    restart_from = went_away(trace, res.deviance, rescue and rose)
                    if restart_from is None:
                        diverging = True
                        break  # the linear predictor is still moving (separation): the optimum is at infinity
                    continue
            size = _small(step, beta, fac)
            polished = size <= POLISH_TOL
            best_step, since_best = (size, 0) if size < best_step else (best_step, since_best + 1)
            sizes.append(size)
            if polished:
                break
            rose = rose or growing(sizes, POLISH_PATIENCE)
            if polishing >= MAX_POLISH:
                # scoring that still crawls after MAX_POLISH steps (a linear rate near 1: the estimate is then
                # far more than one step from the optimum) finishes as a cycling fit does, with Newton steps
                if not (rescue and not rescuing):
                    break
                rescuing, rescue, polishing = True, False, 0
            if since_best >= POLISH_PATIENCE and not rescuing:  # (a rescue lowers the deviance at every step)
                if not (rescue and rose):
                    break
                rescuing, rescue, polishing = True, False, 0
            if rescuing and since_best >= POLISH_PATIENCE and best_step <= ROUNDING_STEPS * _EPS * fac.cond:
                # the rescue has reached the optimum to the rounding of the solve: its Fisher steps no longer
                # shrink, at 1e-10 of max(|b|, se) where sqrt(W) X has a condition number of 4.5e7 (an inverse
                # Gaussian identity-link fit with weights 1/mu^3 up to 1e15): no later step gets closer.  Not
                # ``polished``, which says the next step is negligible and spares the diagnosis its check: a
                # condition number made of vanishing weights (a cauchit cell of zeros running off, its weights
                # 1e-27) makes any step "rounding", and only the check of the step still to go sees the divergence
                rounding_optimum = True
                break
            polishing += 1
            if rescuing:
                newton = newton_step(source, kernel, beta, fac.kept, fac.gram)
                step = step if newton is None else newton
        kept = fac.kept
        new = beta + step
        if not kept.all():  # (columns are found aliased by the QR reducer, whatever solved the step)
            new[~kept] = 0.0  # as R: a column aliased in this pass gets coefficient 0
        if not converged:
            iterations += 1
        new_res, new_fac, use_qr = _evaluate(source, family, new, use_qr, kept, kernel, fixed_gram, max_cond)
        if report is not None:
            report("polish" if converged else "step", polishing if converged else iterations, new_res.deviance)
        # damping compares with the deviance at the previous coefficients (none before the first step)
        damp = (control.damped and (iterations > 1 or start is not None)) or rescuing
        halvings = 0
        if control.convergence == "R":
            boundary = False  # (as R's glm.fit, whose boundary says whether its last iteration was halved)
        while not new_res.valid or new_fac is None or (damp and _rises(res, new_res)):
            if converged and not rescuing:
                # a polishing step left the domain (or, damped, raised the deviance): keep the estimate -- unless
                # scoring had risen far above a deviance it reached (an inverse Gaussian log-link fit whose means
                # overflow, "converged" at 12.9 where it had reached 9.96 and the optimum is 9.71)
                if not new_res.valid or new_fac is None:
                    restart_from = went_away(trace, res.deviance, rescue and rose)
                break
            first = iterations == 1 and start is None
            if not halvings and (not new_res.valid or first and new_fac is None):
                # a step that left the domain by the rounding of its solve only: shortened back into it
                if anchor is None or not np.array_equal(anchor[0], kept):
                    anchor = (kept, _start_coefficients(source, family, kernel, kept, use_qr, max_cond))
                most = ROUNDING_SHORTENING if first else LATER_ROUNDING_SHORTENING
                inside = None if anchor[1] is None else _inside_by_rounding(source, family, kernel, new, anchor[1],
                                                                            kept, use_qr, max_cond, most)
                if (inside is not None and not first and control.convergence == "R"
                        and not _within_eta_rounding(source, family, new, inside[0])):
                    inside = None  # a real overshoot, however small: halved, as R halves it
                if inside is not None:
                    new, new_res, new_fac, use_qr = inside
                    continue
            if not halvings and not new_res.valid and edge_pull and not (first or rescuing or converged):
                # from an estimate with rows held on an edge that pulls them across (a start at an earlier fit's
                # estimate: the negative binomial's refit at its next theta), the Fisher step crosses the edge by
                # far more than halvings can bring back: the step that holds them there instead
                held = _finish_at_edge(source, family, kernel, beta, res, fac, use_qr, max_cond, edge_pull, hold=True)
                if held is not None:
                    new, new_res, new_fac, use_qr = held
                    continue
            if first:  # as R: nothing to halve towards
                raise InvalidStartError(
                    "no valid set of coefficients has been found: the first step gives a non-finite "
                    "deviance or leaves the family's domain; pass start= coefficients", first_step=new
                )
            halvings += 1
            if damp and halvings > _MAX_DAMPING:
                break  # no step along the Fisher direction lowers the deviance: stop here
            if halvings > control.max_iter and not damp:
                # scoring that rose far above a deviance it had reached and now cannot step back into the domain
                # went away from the optimum: restart from the lowest iterate (and converge only if that polishes)
                restart_from = went_away(trace, res.deviance, rescue and rose)
                if restart_from is not None:
                    converged = True
                    break
                raise FitError(
                    f"step-halving exhausted after {halvings - 1} halvings at iteration {iterations}: "
                    "the deviance stays non-finite or mu leaves the family's domain; pass start= coefficients"
                )
            boundary = boundary or not (rescuing or new_res.valid and new_fac is not None)
            new = (new + beta) / 2
            if not damp and np.all(np.abs(new - beta) <= 4 * _EPS * np.abs(beta)):
                # no representable part of the step stays in the domain (eta = 1e-16 is 0 to rounding): the
                # estimate is on the domain's edge, where R says "algorithm stopped at boundary value"
                converged = boundary = True
                break
            new_res, new_fac, use_qr = _evaluate(source, family, new, use_qr, kept, kernel, fixed_gram, max_cond)
        if restart_from is not None:
            continue
        if report is not None and halvings and not converged:
            report("halved", iterations, new_res.deviance)  # once, after the halvings, as R's trace
        if not new_res.valid or new_fac is None or (damp and _rises(res, new_res)):
            break
        if converged and new_res.n_boundary > res.n_boundary and _eta_drift(source, step) > DRIFT_TOL:
            # polishing brings a mean to the edge of its domain while the linear predictor still moves:
            # creeping to an optimum at infinity.  (A step that barely moves eta goes on: scoring halving its
            # way to an optimum on the edge, eta = 0 of a sqrt-link mean whose rows are all 0, where stopping
            # left eta at 7.5e-8 and the other coefficients 4e-7 away from the optimum.)
            break
        moved = _moved(new, beta) if damp and halvings else 0.0
        if (iterations > 1 or converged) and new_res.deviance > res.deviance + CYCLE_RISE * abs(res.deviance):
            rose = True
        # a full step no larger than the rounding of the solve that made it (kept columns so nearly dependent,
        # cond ~1e13, that the coefficients are ~1e12 and eta = X beta is off by 1e-5): no later step can do
        # better, and the deviance's rounding (1e-8 relative, seen) would keep R's test from ever passing
        noise = (not converged and not halvings and (iterations > 1 or start is not None)
                 and _at_rounding(new, beta, kept, fac.cond))
        if iterations > 1 or start is not None or converged:
            prev_beta = beta
        prev_fac = fac
        beta, res, fac = new, new_res, new_fac
        trace.append((res.deviance, halvings, beta, fac.kept))  # (neither array is modified later)
        polish_steps += converged
        fixed_gram = fac.gram if res.fixed_weights else None
        history.append(res.deviance)
        if not converged:
            rel = abs(res.deviance - dev_old) / (abs(res.deviance) + 0.1)
            # a damped fit whose step was halved is creeping towards the edge of the domain (an optimum on
            # it: sqrt link, eta -> 0): a small deviance change is no sign of the optimum until the
            # coefficients stop moving too (1e-12, as the reference's damped refits)
            if (rel < control.tol or noise) and not (damp and halvings and moved > 1e-12):
                converged = True
                at_rounding = not rel < control.tol
                if not fac.kept.all() and not rechecked:
                    # columns found aliased on the way (a pass whose working weights nearly vanish) may be
                    # fine at the estimate, where R's QR pivots afresh: test them all once more, and carry on
                    # if some come back
                    rechecked = True
                    res2, fac2, _ = _evaluate(source, family, beta, True, np.ones(p, dtype=bool), kernel)
                    if fac2 is not None and fac2.kept.sum() > fac.kept.sum():
                        res, fac, use_qr, converged, at_rounding = res2, fac2, True, False, False
                        fixed_gram = None
            dev_old = res.deviance
        # Once the aliased set is known and X'WX is well conditioned, the cheaper Gram reducer suffices (not
        # for a design wider than its rows: X'WX is then O(n p^2) a pass, the QR reducer's factor O(n^2 p)).
        if use_qr and not wide and fac.kept.any() and factor_gram(fac.gram, np.zeros(p), fac.kept, max_cond,
                                                         res.reducer.diagonal) is not None:
            use_qr = False
    if (converged and edge_pull and not (rescuing or diverging) and fac.kept.any()
            and not np.any(beta[~fac.kept] != 0)):  # (nor where the estimate uses columns set aside: below)
        # rows that scoring carries to an edge of the domain whose optimum is on it only approach it geometrically
        # (their weights grow as 1 / distance, which also makes the steps read as rounding), and polishing stops
        # short of it: the step constrained to the edge finishes the approach (:mod:`glmstat.engine.edge_approach`)
        finished = _finish_at_edge(source, family, kernel, beta, res, fac, use_qr, max_cond, edge_pull)
        if finished is not None:
            prev_beta, prev_fac = beta, fac
            beta, res, fac, use_qr = finished
            trace.append((res.deviance, 0, beta, fac.kept))
            history.append(res.deviance)
            polish_steps += 1
            polished = at_rounding = False  # (the step still to go is the diagnosis's to check)
            if report is not None:
                report("polish", polishing + 1, res.deviance)
    set_aside_used = False
    if (control.convergence == "exact" and not fac.kept.all() and prev_fac is not None
            and np.any(beta[~fac.kept] != 0) and prev_fac.kept[~fac.kept & (beta != 0)].all()):
        # the factor at the estimate set aside columns that the estimate itself uses (the step that made it
        # kept them): working weights that vanish where the linear predictor runs off (a cauchit level of 1s
        # whose weights are 1e-22) make them look aliased, not the design.  Reporting them as NaN would leave
        # coefficients (taken as 0) that are not the deviance's, nor its fitted means; keep the factor that made
        # the estimate, whose columns are the estimate's (and not reported polished: the last step, solved
        # without them, says nothing of the optimum, so the diagnosis checks the step still to go)
        fac, set_aside_used = prev_fac, True
    pearson = res.pearson
    weights_beta, weights_at_start = None, False
    if control.convergence == "R":
        # as R's glm.fit: the covariance from the weighted least squares of the last iteration (weights at the
        # coefficients before it) and summary.glm's dispersion, those weights times the working residuals
        # at the estimate squared
        pearson = _r_pearson(source, family, kernel, prev_beta, beta)
        fac = prev_fac
        # (leverages are those of that least squares fit too, as R's hatvalues from its QR)
        weights_beta, weights_at_start = (None, True) if prev_beta is None else (prev_beta.copy(), False)
    cov = inv = None
    if covariance:
        inv = fac.inv
        if fac.inv_error > INV_MAX_ERROR:
            qr_inv = _qr_inverse(source, family, kernel, prev_beta if control.convergence == "R" else beta, fac.kept)
            inv = inv if qr_inv is None else qr_inv
    if np.count_nonzero(fac.kept) == p:
        coef = beta.copy()
        if covariance:
            cov = np.array(inv)  # own copy
    else:
        coef = np.where(fac.kept, beta, np.nan)
        if covariance:
            k = np.flatnonzero(fac.kept)
            cov = np.full((p, p), np.nan)
            cov[np.ix_(k, k)] = inv
    return FitState(
        coef=coef,
        kept=fac.kept,
        cov_unscaled=cov,
        gram=fac.gram,
        deviance=res.deviance,
        pearson_chi2=pearson,
        n_ok=res.n_ok,
        sum_weights=res.sum_weights,
        converged=converged and (polished or rounding_optimum or not rescuing or rel < control.tol),
        iterations=iterations,
        boundary=boundary,
        n_boundary=res.n_boundary,
        last_rel_change=float(rel),
        deviance_history=tuple(history),
        polished=polished and not boundary and not set_aside_used,
        trace=tuple(trace),
        polish_steps=polish_steps,
        at_rounding=at_rounding and converged,
        weights_beta=weights_beta,
        weights_at_start=weights_at_start,
    )


def _qr_inverse(source: DesignSource, family: Family, kernel, beta: np.ndarray | None,
                kept: np.ndarray) -> np.ndarray | None:
    """(X_K' W X_K)^{-1} on the kept columns from the factor-first QR of sqrt(W) X, W the working weights at
    ``beta`` (None: R's starting means), one more pass; None where its parts do not give it
    (:meth:`~glmstat.engine.structured_qr.FactorFirst.inverse_blocks`).  For a block solve that lost digits
    forming its Schur complement (:attr:`StepFactor.inv_error`): the QR takes the factor's levels out of the
    rows themselves, as R's QR does, and inverts only the triangular factor of what they leave."""
    parts = _pass(source, family, beta, True, kernel).reducer.factor_first_parts
    blocks = None if parts is None else parts.inverse_blocks(kept)
    return None if blocks is None else blocks.inverse(kept)


def _block_r_pearson(b, family: Family, kernel, prev_beta: np.ndarray | None, beta: np.ndarray) -> float:
    at = kernel(b.y, b.weights, b.X.matvec(beta) + b.offset)
    before = kernel(b.y, b.weights, covariance_weights_eta(b, family, prev_beta, prev_beta is None))
    return float(np.sum(np.where(before.W > 0, before.W * at.r * at.r, 0.0)))


def _r_pearson(source: DesignSource, family: Family, kernel, prev_beta: np.ndarray | None, beta: np.ndarray) -> float:
    """sum_i W_i(prev) r_i^2: R's dispersion numerator, working weights at ``prev_beta`` (None: at the
    family's starting mu) and working residuals r = (y - mu) / (d mu/d eta) at ``beta``."""
    part = partial(_block_r_pearson, family=family, kernel=kernel, prev_beta=prev_beta, beta=beta)
    return fold(source, part, operator.add, 0.0)
