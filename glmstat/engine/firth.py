"""Firth's bias-reduced binomial regression: brglm2's ``brglmFit`` with ``type = "AS_mean"``.

The estimate solves the mean-bias-reducing adjusted score equations (Firth 1993; Kosmidis & Firth 2009)

    U*(b) = sum_i x_i [ w_i mu'_i (y_i - mu_i) / V(mu_i)  +  h_i mu''_i / (2 mu'_i) ] = 0,

with mu'_i = d mu / d eta and mu''_i = d^2 mu / d eta^2 at eta_i = x_i'b + offset_i, w_i the prior weights
(binomial trials folded in), V(mu) = mu (1 - mu), and h_i the leverages of the weighted fit, the diagonal of
W^{1/2} X (X'WX)^{-1} X' W^{1/2} with W_i = w_i mu'_i^2 / V(mu_i).  For the logit link mu''/mu' = 1 - 2 mu
and U*(b) = X'(w (y - mu) + h (1/2 - mu)), the gradient of the Jeffreys-penalised log-likelihood
l(b) + log|X'WX| / 2.  The equations are solved by quasi-Fisher scoring,

    b <- b + (X'WX)^{-1} U*(b),

from the maximum-likelihood fit to the responses shifted towards 1/2 (brglm2's start: w + p/n trials with
p/(2n) added successes), halving a step whose successor would be much longer (brglm2 halves when it is
longer at all, which can stall an iteration that oscillates on its way in) or, for the logit link, that
lowers the penalised log-likelihood, and taking a step that turns back on the one before at half its length
(an iteration that oscillates about the root converges fast so, not at the rate near 1 of its oscillation;
see ``RELAXATION``), and, once whole steps keep their direction and shrink at a steady rate r, taking the rest of
their geometric series at once, the step divided by 1 - r (see ``EXTRAPOLATE_AFTER``).  Where the iteration still
stops shrinking (``STALL_AFTER``: the curvature of log |X'WX| / 2 can be several times X'WX's along a factor level
of a few rows), the logit fit finishes by quasi-Newton (BFGS) steps on the penalised log-likelihood, from X'WX
corrected by the changes of U* along the steps, halved until the penalised log-likelihood rises (Armijo).  A fit of
another link, whose U* is not l*'s gradient (nor, in general, any function's), that has not converged after its
quasi-Fisher steps starts again from the start with damped steps (a quarter of the quasi-Fisher step, brglm2's
``slowit = 0.25``) and finishes by at most as many Newton steps on U* = 0, each solved by GMRES from differences of
U* along a few directions and halved until U*' (X'WX)^{-1} U* falls (a fit that converged is never changed by them);
Newton's steps from the end of the undamped iteration are the fallback where that does not converge (see
``DAMPING``: that end is set by rounding).
The root is brglm2's; the path to it may differ (and where the adjusted score of a cauchit fit has several roots, the
root too).
Standard errors are sqrt(diag((X'WX)^{-1})) at the estimate.  Iteration stops when every coefficient moves less than
min(tol, 1e-10) times max(|b_j|, se_j), or when the step is within the rounding of its solve (as IRLS's
``at_rounding``: a tolerance below rounding ends a few steps later, not at max_iter), after at most
max(max_iter, 100) steps (the convergence is linear, not quadratic as in IRLS).

Every sum over the rows is a map-reduce over the source's blocks (:func:`glmstat.design.sources.fold`), so
the same code fits rows in memory, Parquet row groups and dask partitions: one evaluation of U*(b) is two
passes, X'WX and the ordinary score in the first, the adjustment in the second (a block's leverages are
W_i x_i' (X'WX)^{-1} x_i, its rows' ``X.quadratic_diag`` of the inverse that the first pass gave).  The start's
shifted responses are a transform of each block, and the aliasing QR merges the blocks' triangular factors.

The deviance, AIC and residuals are the ordinary ones evaluated at the bias-reduced estimate, and the null
deviance is that of the bias-reduced intercept-only model (with the offset), as R reports them for
``glm(..., method = "brglmFit")``.  Aliased columns are found, as brglm2 does, from the QR decomposition of
the unweighted design (R's tolerance 1e-7); their coefficients are NA.  No separation warning is given:
the bias-reduced estimates are finite under separation.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from .._arguments import shown
from .._scipy import linalg as sla
from ..distributions import normal_pdf

from ..design.sources import Block, DesignSource, fold
from ..errors import FamilyError, FitError
from ..families import Binomial, Family
from ..links import get_link
from .fit_state import Control, FitState, TraceRecord
from .irls import irls
from .aliasing import aliased_in_order
from .linalg import MAX_KEPT_COND, QRReducer, design_qr
from .step_size import ROUNDING_STEPS
from .passes import add_parts
from .pass_memory import keep_pass_memory

__all__ = ["d2mu_deta", "adjusted_score", "fit_firth"]

_EPS = np.finfo(float).eps
#: R's ``qr()`` tolerance, which brglm2 uses to find aliased columns of the unweighted design.
QR_TOL = 1e-7
#: Iterations stop once every coefficient moves less than this fraction of max(|b_j|, se_j) (or ``tol``).
STEP_TOL = 1e-10
#: A step is halved when the next one would be more than GROWTH times longer (the iteration may oscillate
#: on its way in, so a merely longer next step is no reason to halve) or X'WX is singular at its end.
GROWTH = 2.0
#: For the logit link U*(b) is the gradient of the Jeffreys-penalised log-likelihood
#: l*(b) = l(b) + log |X'WX| / 2, so the quasi-Fisher step (X'WX)^{-1} U*(b) points uphill: a step that lowers
#: l* by more than this fraction of 1 + |l*| (its rounding) is halved as well.  The growth rule alone let the
#: iteration cycle between two points on either side of the root (18 rows, 12 columns: deviances 11.45, 10.14,
#: 11.46, 10.14, ... after 100 steps, where brglm2 reaches the root and the highest l*).
PENALISED_ROUNDING = 1e-10
#: A step that turns back on the one before (their inner product negative) is taken at this fraction of its
#: length: the quasi-Fisher iteration is a fixed-point iteration, linear near the root, and an eigenvalue r of
#: it near -1 makes it oscillate about the root, shrinking by |r| a step (0.999 after the penalised rule above,
#: 100 steps leaving it 1e-4 of a standard error away); relaxed by a, that rate becomes 1 - a (1 - r), about
#: 0 at a = 1/2, and a rate near 0 becomes 1/2.
RELAXATION = 0.5
#: A fixed-point iteration whose eigenvalue nearest 1 is positive, r, crawls: its steps keep their direction and
#: shrink by r each (0.9 on biopsy's nine predictors: brglm2 took 215 iterations, and 100 left the estimate 3e-6
#: of itself away).  Once EXTRAPOLATE_AFTER whole steps in a row have had steady ratios r (each within
#: STEADY (1 - r) of the one before, r in (MIN_RATE, MAX_RATE], and their directions within COLLINEAR), the rest of
#: the geometric series is taken at once: the step divided by 1 - r (Aitken's extrapolation).  The step is then
#: checked as any other (GROWTH, the penalised log-likelihood) and convergence is read from a step not extrapolated.
EXTRAPOLATE_AFTER = 3
STEADY = 0.05
MIN_RATE = 0.5
MAX_RATE = 0.99
COLLINEAR = 0.999
#: At most this many halvings of one step (brglm2's ``max_step_factor``).
MAX_HALVINGS = 12
#: Where the quasi-Fisher iteration stops shrinking -- its next step has not fallen below STALL_SHRINK of the
#: smallest mark for STALL_AFTER steps -- the logit fit finishes by quasi-Newton (BFGS) steps on the penalised
#: log-likelihood l*, whose gradient is U*: the curvature of log |X'WX| / 2 that X'WX leaves out can be several
#: times X'WX along a factor level of a few rows, all 0 or all 1, with fractional weights (298 such levels of 2 to
#: 6 rows among 11,235: an eigenvalue near -3.8 of the fixed-point map, which relaxation and halving leave
#: oscillating at 1e-3 for 100 steps, where brglm2 reaches the root).  See :func:`_quasi_newton`.  The other links,
#: whose U* is no gradient, finish by Newton's steps on U* = 0 where the quasi-Fisher steps end unconverged
#: (:func:`_newton_krylov`; triggered by this rule, they took the iteration of 19 of 598 converged random fits, most of
#: them log-link ones still far from the root after 10 steps, somewhere they did not converge).
STALL_AFTER = 10
STALL_SHRINK = 0.5
#: The quasi-Newton step must raise l* by this fraction of what its slope promises (Armijo's rule), less l*'s
#: rounding (PENALISED_ROUNDING).
ARMIJO = 1e-4
#: The quasi-Fisher iteration converges only linearly: allow at least this many iterations (brglm2's
#: default ``maxit``) whatever ``max_iter`` says.
MIN_ITER = 100
#: The Newton finish's products of -dU*/db with a vector u are forward differences of U* over a step of FD_STEP
#: max(1, max |b_j|) / max |u_j| (about the square root of eps: U*'s rounding and the difference's truncation meet).
FD_STEP = 1e-7
#: GMRES stops once its residual is below KRYLOV_TOL of the quasi-Fisher step's length (or after p products).
KRYLOV_TOL = 1e-10
#: A fit of another link that its quasi-Fisher steps left unconverged starts again with steps of DAMPING of the
#: quasi-Fisher step's length (brglm2's ``slowit = 0.25``, which its own iteration needs on such cauchit designs)
#: until the whole step is within DAMPED_NEAR of max(|b_j|, se_j), and Newton's finish from there
#: (:func:`_damped_restart`); Newton's finish from the undamped iteration's end only where that does not converge.
#: The undamped iteration that did not converge can wander about a root that repels it, and where it ends is then
#: rounding's: on cauchit_d92 (tests/fixtures/firth_links_stall, 26 rows) a change of 1e-15 in the start grows about
#: 1.4 times a step (1e-11 at step 40, 4e-5 at 80, 5e-2 at 100), and Newton's finish from the 100th step reached the
#: root of deviance 14.0964363 (a root: brglm2 started there stays, fixtures/firth_links_stall/other_root) from 35
#: of 40 such starts and from this AVX2 processor's rounding, failed from the other 5 and on AVX-512 processors
#: (whose rounding then took the damped restart to brglm2's root, 10.4956996).  The damped steps from the start reach
#: brglm2's root from all of them (8 of 8 perturbed starts, 97 steps), and on all 14 designs of firth_links_stall.
DAMPING = 0.25
DAMPED_NEAR = 1e-3


def _d2_logit(eta):
    logit = get_link("logit")  # R's clamped inverse and mu.eta, as enrichwith uses them
    return logit.mu_eta(eta) * (1.0 - 2.0 * logit.inverse(eta))


def _d2_probit(eta):
    return -eta * np.maximum(normal_pdf(eta), _EPS)


def _d2_cauchit(eta):
    return -2.0 * np.pi * eta * np.maximum((1.0 / (np.pi * (1.0 + eta * eta))) ** 2, _EPS)


def _d2_cloglog(eta):
    with np.errstate(over="ignore"):
        e = np.exp(np.minimum(eta, 700.0))
        return (1.0 - e) * np.maximum(e * np.exp(-e), _EPS)


def _d2_log(eta):
    return np.maximum(np.exp(np.minimum(eta, 709.0)), _EPS)


_D2MU = {"logit": _d2_logit, "probit": _d2_probit, "cauchit": _d2_cauchit, "cloglog": _d2_cloglog, "log": _d2_log}


def d2mu_deta(link_name: str, eta: np.ndarray) -> np.ndarray:
    """Second derivative d^2 mu / d eta^2 of a binomial link's inverse (with enrichwith's clamps).

    logit: mu (1 - mu)(1 - 2 mu); probit: -eta phi(eta); cauchit: -2 eta / (pi (1 + eta^2)^2);
    cloglog: (1 - e^eta) e^eta exp(-e^eta); log: e^eta.
    """
    try:
        return _D2MU[link_name](eta)
    except KeyError:
        raise FamilyError(f"no second derivative for the {shown(link_name)} link") from None


def _check_family(family: Family) -> None:
    if type(family) is not Binomial:
        raise FamilyError(
            f"method='firth' is bias-reduced binomial regression; it needs family=glmstat.Binomial(), "
            f"not the {family.name} family"
        )
    if family.link.name not in _D2MU:
        raise FamilyError(f"method='firth' does not support the {shown(family.link.name)} link; "
                          f"use one of {', '.join(_D2MU)}")


def _info_score_part(b, family: Family, beta: np.ndarray) -> tuple:
    """A block's (X'WX, X' w mu' (y - mu) / V(mu), deviance, number of invalid blocks): 1 and no sums when some
    mean leaves (0, 1) (the log link at eta >= 0)."""
    k = beta.size
    link = family.link
    eta = b.X.matvec(beta) + b.offset
    mu, d1 = link.inverse(eta), link.mu_eta(eta)
    if not (np.all(np.isfinite(eta)) and family.valid_mu(mu)):
        return np.zeros((k, k)), np.zeros(k), 0.0, 1
    ww = b.weights * d1 * d1 / family.variance(mu)
    with np.errstate(all="ignore"):
        r = np.where(ww > 0, (b.y - mu) / d1, 0.0)  # ww r = w mu' (y - mu) / V
    g, u = b.X.gram_score(ww, r)
    return g, u, float(np.sum(b.weights * family.unit_deviance(b.y, mu))), 0


def _info_and_score(source: DesignSource, family: Family, beta: np.ndarray):
    """X'WX, the ordinary score X' w mu' (y - mu) / V(mu) and the deviance, one map-reduce over the blocks;
    None when some mean leaves (0, 1)."""
    k = source.n_cols
    info, score, dev, invalid = fold(source, partial(_info_score_part, family=family, beta=beta), add_parts,
                                     (np.zeros((k, k)), np.zeros(k), 0.0, 0))
    return None if invalid else (info, score, dev)


def _equilibrated_cholesky(a: np.ndarray):
    """The Cholesky factor (scipy's ``cho_factor``) of D^-1 A D^-1 and D = sqrt(diag(A)), or None where A is not
    finite and positive definite."""
    d = np.sqrt(np.diag(a))
    if not (np.all(np.isfinite(a)) and np.all(d > 0)):
        return None
    try:
        return sla.cho_factor(a / d[:, None] / d[None, :], lower=False, check_finite=False), d
    except np.linalg.LinAlgError:
        return None


def _factor(info: np.ndarray):
    """Inverse of X'WX, log |X'WX|, and the condition number ||A||_1 ||A^-1||_1 of the equilibrated form
    A = D^-1 X'WX D^-1 that a Cholesky factorisation inverts with D = sqrt(diag(X'WX)) (log |X'WX| =
    2 sum log diag(chol) + 2 sum log D); None if not positive definite."""
    chol = _equilibrated_cholesky(info)
    if chol is None:
        return None
    c, d = chol
    logdet = 2.0 * float(np.sum(np.log(np.diag(c[0]))) + np.sum(np.log(d)))
    inv_a = sla.cho_solve(c, np.eye(d.size), check_finite=False)
    cond = float(np.linalg.norm(info / d[:, None] / d[None, :], 1) * np.linalg.norm(inv_a, 1))
    return inv_a / d[:, None] / d[None, :], logdet, (cond, d)


def _adjustment_part(b, family: Family, beta: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """A block's share of the adjustment sum_i x_i h_i mu''_i / (2 mu'_i), its leverages
    h_i = W_i x_i' (X'WX)^{-1} x_i from ``inv`` = (X'WX)^{-1} of all the rows."""
    link = family.link
    eta = b.X.matvec(beta) + b.offset
    mu, d1 = link.inverse(eta), link.mu_eta(eta)
    ww = b.weights * d1 * d1 / family.variance(mu)
    h = ww * b.X.quadratic_diag(inv)
    return b.X.rmatvec(0.5 * h * d2mu_deta(link.name, eta) / d1)


def adjusted_score(source: DesignSource, family: Family, beta: np.ndarray):
    """U*(b) of the module docstring, (X'WX)^{-1}, and the adjustment alone, at ``beta`` (the source holds the
    kept columns only): two map-reduces over the blocks, as the leverages need (X'WX)^{-1} of every row.

    Returns ``(u_star, inv_info, adjustment)``, or ``None`` when X'WX is singular or a mean is invalid
    at ``beta``.
    """
    ev = _evaluate(source, family, beta)
    return None if ev is None else ev[:3]


def _evaluate(source: DesignSource, family: Family, beta: np.ndarray):
    """:func:`adjusted_score`'s ``(u_star, inv_info, adjustment)``, the deviance and the Jeffreys-penalised
    log-likelihood -deviance / 2 + log |X'WX| / 2 (up to a constant), (the condition number of the
    equilibrated information matrix inverted, the equilibration D) (:func:`_factor`) and X'WX at ``beta``, or
    None."""
    res = _info_and_score(source, family, beta)
    fac = None if res is None else _factor(res[0])
    if fac is None:
        return None
    inv, logdet, rounding = fac
    adj = fold(source, partial(_adjustment_part, family=family, beta=beta, inv=inv), operator.add,
               np.zeros(source.n_cols))
    return res[1] + adj, inv, adj, res[2], 0.5 * (logdet - res[2]), rounding, res[0]


def _has_zero_weight(b) -> bool:
    return bool(np.any(b.weights == 0))


def _aliased_by(red: QRReducer, p: int) -> np.ndarray:
    R = np.zeros((p, p))
    R[: red.R.shape[0]] = red.R[:p, :p]
    return aliased_in_order(R, QR_TOL)


def _aliased(source: DesignSource) -> np.ndarray:
    """brglm2's aliasing: R's ``qr(x)`` of the unweighted design (zero-weight rows included), the triangular
    factors of the blocks merged; and, beside it, the columns aliased on the rows with a positive weight alone
    (a factor level whose rows all have weight 0), which leave X'WX singular at every coefficient -- brglm2
    stops there ("failed to invert the information matrix"), glm and glmstat's IRLS set them aside."""
    p = source.n_cols
    aliased = _aliased_by(design_qr(source), p)
    if fold(source, _has_zero_weight, operator.or_, False):
        aliased |= _aliased_by(design_qr(source, positive_weights=True), p)
    return aliased


@dataclass(frozen=True)
class _ShiftedResponse:
    """brglm2's start data: ``extra`` more trials in every row, half of them successes, i.e. total weights
    w + a and proportions (w y + a/2) / (w + a) (a block transform, run where the block is)."""

    extra: float

    def __call__(self, b: Block) -> Block:
        w = b.weights + self.extra
        return replace(b, y=(b.weights * b.y + 0.5 * self.extra) / w, weights=w, start_weights=None)


def _start(source: DesignSource, family: Family, control: Control) -> np.ndarray:
    """brglm2's start: ML fit with p/n extra trials, half of them successes (p kept columns, n rows)."""
    shifted = source.with_transform(_ShiftedResponse(source.n_cols / source.n_rows))
    try:
        state = irls(shifted, family, Control(control.tol, max(control.max_iter, 100)), covariance=False)
    except FitError:
        return np.zeros(source.n_cols)
    return np.where(np.isfinite(state.coef), state.coef, 0.0)


def _rate(step: np.ndarray, before: np.ndarray) -> float | None:
    """The ratio of ``step`` to the whole step ``before`` it when the two keep one direction (COLLINEAR), else
    None."""
    dot = float(step @ before)
    scale = float(np.sqrt(float(step @ step) * float(before @ before)))
    if scale == 0.0 or dot < COLLINEAR * scale:
        return None
    return dot / float(before @ before)


def _steady(rates: list[float]) -> bool:
    """Whether the last EXTRAPOLATE_AFTER ratios are steady enough to extrapolate (see EXTRAPOLATE_AFTER)."""
    if len(rates) < EXTRAPOLATE_AFTER:
        return False
    last = rates[-EXTRAPOLATE_AFTER:]
    r = last[-1]
    return MIN_RATE < r <= MAX_RATE and all(abs(a - b) <= STEADY * (1.0 - r) for a, b in zip(last, last[1:]))


def _at_rounding(step: np.ndarray, beta: np.ndarray, rounding: tuple) -> bool:
    """The quasi-Fisher step from ``beta`` is within the rounding of the solve that made it, as IRLS reads it
    (:func:`glmstat.engine.step_size.at_rounding`), in the equilibrated coordinates D b that the Cholesky solve
    works in: max |D_j step_j| <= ROUNDING_STEPS eps cond max |D_j beta_j|, ``rounding`` = (cond, D) of
    :func:`_factor`; never when cond is beyond MAX_KEPT_COND.  (Unscaled, the bound of a coefficient of a
    column with large values, mtcars' hp, is set by the others' size: 5e-9 of score was left at the estimate.)"""
    cond, d = rounding
    scale = float(np.max(np.abs(d * beta), initial=0.0))
    return (scale > 0 and cond <= MAX_KEPT_COND
            and float(np.max(np.abs(d * step), initial=0.0)) <= ROUNDING_STEPS * _EPS * cond * scale)


def _solve(source, family, beta, control, start_given=False):
    """Quasi-Fisher scoring for U*(b) = 0 on the source's columns; returns (beta, inv_info, converged,
    iterations, last size, record), the record one (deviance, halvings, coefficients) per iteration (the
    iterations are reported to ``control.on_iteration`` as they end, as IRLS steps are).  A step is halved
    while its end is invalid, the next step would be GROWTH times longer, or (logit) l* falls
    (PENALISED_ROUNDING); one that turns back on the last is relaxed (RELAXATION), one that follows steady whole
    steps in their direction is extrapolated (EXTRAPOLATE_AFTER); convergence is a step taken whole, not
    extrapolated, whose size is below the tolerance, or a step from the current estimate within the rounding of
    its solve (:func:`_at_rounding`: a tolerance below it would otherwise run to max_iter).  A logit fit whose
    steps stop shrinking (STALL_AFTER) finishes with :func:`_quasi_newton`; a fit of another link that has not
    converged after its steps, with :func:`_damped_restart` from the start (and where that does not converge, with
    :func:`_newton_krylov` from the steps' end)."""
    tol = min(control.tol, STEP_TOL)
    uphill = family.link.name == "logit"  # (U* is a gradient for the canonical link only)
    start = beta
    ev = _evaluate(source, family, beta)
    if ev is None:
        given = "the start= coefficients given" if start_given else "brglm2's starting values"
        raise FitError(f"the bias-reduced fit cannot start from {given}: a fitted probability leaves (0, 1) "
                       "there, or X'WX is singular; pass start= coefficients whose fitted probabilities all lie "
                       "inside (0, 1)")
    inv, penalised, rounding = ev[1], ev[4], ev[5]
    step = inv @ ev[0]
    size = np.inf
    it = 0
    record = []
    last = None  # the step taken before
    whole = None  # ... when it was the step of its start, taken whole
    rates: list[float] = []  # the ratios of the whole steps in a row (see EXTRAPOLATE_AFTER)
    mark, mark_it = np.inf, 0  # the smallest next step's size so far, within STALL_SHRINK, and when (STALL_AFTER)
    for it in range(1, max(control.max_iter, MIN_ITER) + 1):
        if _at_rounding(step, beta, rounding):  # (a tolerance below rounding: no step can meet it)
            return beta, inv, True, it - 1, size, record
        norm = np.sum(np.abs(step))
        extrapolated = relaxed = False
        if last is not None and float(step @ last) < 0.0:
            step = RELAXATION * step
            relaxed = True
        elif whole is not None:
            rate = _rate(step, whole)
            rates = rates + [rate] if rate is not None else []
            if _steady(rates):
                step = step / (1.0 - rates[-1])
                extrapolated = True
                rates = []
        for halvings in range(MAX_HALVINGS + 1):
            new = beta + step
            ev = _evaluate(source, family, new)
            nxt = None if ev is None else ev[1] @ ev[0]  # (the step from ``new``, taken next if ``new`` stays)
            if ev is not None and np.sum(np.abs(nxt)) <= GROWTH * norm and not (
                    uphill and ev[4] < penalised - PENALISED_ROUNDING * (1.0 + abs(penalised))):
                break
            step = step / 2
        if ev is None:
            raise FitError("the bias-reduced fit cannot continue: every shortened step makes X'WX singular or a "
                           "fitted probability leave (0, 1); pass start= coefficients")
        last = new - beta
        whole = last if halvings == 0 and not (relaxed or extrapolated) and float(last @ last) > 0.0 else None
        if whole is None:
            rates = []
        se = np.sqrt(np.maximum(np.diag(ev[1]), 0.0))
        size = float(np.max(np.abs(new - beta) / np.maximum(np.maximum(np.abs(new), se), 1e-300)))
        beta, inv, penalised, rounding = new, ev[1], ev[4], ev[5]
        record.append((ev[3], halvings, beta))
        if control.on_iteration is not None:
            control.on_iteration("step", it, ev[3])
        step = nxt
        if size <= tol and halvings == 0 and not extrapolated:  # (a halved step is short for another reason)
            return beta, inv, True, it, size, record
        if uphill:  # (U* is l*'s gradient: where the iteration stops shrinking, quasi-Newton steps on l* finish)
            pending = _relative_size(step, beta, se)
            if pending <= STALL_SHRINK * mark:
                mark, mark_it = pending, it
            elif it - mark_it >= STALL_AFTER:
                return _quasi_newton(source, family, beta, ev, control, tol, it, size, record)
    if not uphill:  # (U* is no gradient: damped steps from the start, then Newton's steps on U* = 0, finish what
        # the iteration left unconverged; Newton's from the iteration's end only where those do not converge)
        again = _damped_restart(source, family, start, control, tol, it, record)
        if again is not None and again[2]:
            return again
        return _newton_krylov(source, family, beta, ev, control, tol, len(record), size, record)
    return beta, inv, False, it, size, record


def _relative_size(step: np.ndarray, beta: np.ndarray, se: np.ndarray) -> float:
    """max_j |step_j| / max(|beta_j|, se_j), the measure of a step that convergence reads."""
    return float(np.max(np.abs(step) / np.maximum(np.maximum(np.abs(beta), se), 1e-300), initial=0.0))


def _ascent(hess: np.ndarray, grad: np.ndarray) -> np.ndarray | None:
    """hess^{-1} grad for the positive definite ``hess`` (equilibrated, by Cholesky), or None if it is not."""
    chol = _equilibrated_cholesky(hess)
    if chol is None:
        return None
    c, d = chol
    step = sla.cho_solve(c, grad / d, check_finite=False) / d
    return step if np.all(np.isfinite(step)) else None


def _quasi_newton(source, family, beta, ev, control, tol, done, size, record):
    """The logit fit's finish where quasi-Fisher scoring stalls (STALL_AFTER): BFGS steps on the penalised
    log-likelihood l* = l + log |X'WX| / 2, whose gradient is U*, from ``beta`` (``ev`` its :func:`_evaluate`,
    ``done`` the iterations taken).  The curvature -d^2 l* / db db' is approximated by X'WX at ``beta`` (the
    quasi-Fisher step's) corrected by BFGS's rank-two updates from the changes of U* along the steps taken, so
    that the directions where the curvature of log |X'WX| / 2 is large next to X'WX (the exact one needs every
    pair of rows' x_i' (X'WX)^{-1} x_k: n^2 terms) are learnt from the gradients, in p x p arithmetic only; a step
    is halved until l* rises by ARMIJO of its slope (less l*'s rounding).  Convergence is read as in
    :func:`_solve`; returns its tuple."""
    grad, inv, penalised, rounding, hess = ev[0], ev[1], ev[4], ev[5], ev[6]
    it = done
    for it in range(done + 1, max(control.max_iter, MIN_ITER) + 1):
        step = _ascent(hess, grad)
        if step is None:  # (rounding spoilt the updates: start again from X'WX)
            hess, step = ev[6], inv @ grad
        if _at_rounding(step, beta, rounding):
            return beta, inv, True, it - 1, size, record
        slope = float(grad @ step)
        floor = PENALISED_ROUNDING * (1.0 + abs(penalised))
        for halvings in range(MAX_HALVINGS + 1):
            new = beta + step
            nev = _evaluate(source, family, new)
            if nev is not None and nev[4] >= penalised + ARMIJO * slope / 2.0 ** halvings - floor:
                break
            step = step / 2
        if nev is None:
            raise FitError("the bias-reduced fit cannot continue: every shortened step makes X'WX singular or a "
                           "fitted probability leave (0, 1); pass start= coefficients")
        s, change = new - beta, grad - nev[0]  # (l*'s curvature along s: s'change > 0 where l* is concave)
        curvature = float(s @ change)
        if curvature > 0.0:
            hs = hess @ s
            hess = hess - np.outer(hs, hs) / float(s @ hs) + np.outer(change, change) / curvature
        ev = nev
        se = np.sqrt(np.maximum(np.diag(ev[1]), 0.0))
        size = _relative_size(s, new, se)
        beta, grad, inv, penalised, rounding = new, ev[0], ev[1], ev[4], ev[5]
        record.append((ev[3], halvings, beta))
        if control.on_iteration is not None:
            control.on_iteration("step", it, ev[3])
        if size <= tol and halvings == 0:
            return beta, inv, True, it, size, record
    return beta, inv, False, it, size, record


def _jacobian_product(source, family, beta, grad, u):
    """-dU*/db u at ``beta`` by a forward difference of U* (``grad`` = U*(beta)) along ``u``, backward where the
    forward point is invalid; None where neither is valid."""
    h = FD_STEP * max(1.0, float(np.max(np.abs(beta), initial=0.0))) / max(float(np.max(np.abs(u))), 1e-300)
    for sign in (1.0, -1.0):
        ev = _evaluate(source, family, beta + sign * h * u)
        if ev is not None:
            return (grad - ev[0]) / (sign * h)
    return None


def _newton_direction(source, family, beta, grad, inv, d):
    """The Newton step A^{-1} U* for A = -dU*/db at ``beta`` without forming A: GMRES on (X'WX)^{-1} A, in the
    equilibrated coordinates D b (``d`` = D), its products with A differences of U* (:func:`_jacobian_product`).
    Its first Krylov vector is the quasi-Fisher step (X'WX)^{-1} U*, whose directions GMRES then corrects by as
    many products as A's spectrum relative to X'WX needs (at most one per column).  None where a product fails."""
    p = beta.size
    r0 = d * (inv @ grad)
    norm0 = float(np.linalg.norm(r0))
    if norm0 == 0.0:
        return np.zeros(p)
    basis = np.zeros((p + 1, p))
    tri = np.zeros((p, p))  # the Hessenberg matrix's columns rotated to upper-triangular form, R
    cos, sin = np.zeros(p), np.zeros(p)
    g = np.zeros(p + 1)  # the rotated right-hand side, norm0 e_1: |g[j + 1]| is the residual after j + 1 products
    g[0] = norm0
    basis[0] = r0 / norm0
    k = 0
    for j in range(p):
        av = _jacobian_product(source, family, beta, grad, basis[j] / d)
        if av is None:
            return None
        w = d * (inv @ av)
        col = np.zeros(j + 2)
        for _ in range(2):  # (modified Gram-Schmidt, twice: the second pass removes what rounding left)
            for i in range(j + 1):
                c = float(basis[i] @ w)
                col[i] += c
                w = w - c * basis[i]
        below = col[j + 1] = float(np.linalg.norm(w))
        # the least-squares problem min |norm0 e_1 - H y| kept solved by Givens rotations of H's columns as they
        # come (one new rotation a column), not a least-squares solve of all j + 1 columns at every product
        for i in range(j):
            col[i], col[i + 1] = cos[i] * col[i] + sin[i] * col[i + 1], cos[i] * col[i + 1] - sin[i] * col[i]
        rho = float(np.hypot(col[j], col[j + 1]))
        cos[j], sin[j] = (col[j] / rho, col[j + 1] / rho) if rho > 0.0 else (1.0, 0.0)
        tri[: j + 1, j] = col[: j + 1]
        tri[j, j] = rho
        g[j], g[j + 1] = cos[j] * g[j], -sin[j] * g[j]
        k = j + 1
        if abs(g[j + 1]) <= KRYLOV_TOL * norm0 or below <= KRYLOV_TOL * norm0:
            break
        basis[j + 1] = w / below
    if not np.all(np.diag(tri[:k, :k]) != 0.0):
        return None
    y = sla.solve_triangular(tri[:k, :k], g[:k], check_finite=False)
    step = (y @ basis[:k]) / d
    return step if np.all(np.isfinite(step)) else None


def _merit_search(source, family, beta, step, metric, merit):
    """(b, its :func:`_evaluate`, halvings) for the first of ``step``, ``step`` / 2, ... whose end lowers the merit
    U*' M U* (M = ``metric``; ``merit`` its value at ``beta``) by ARMIJO of what a Newton step promises; None if none
    does within MAX_HALVINGS."""
    for halvings in range(MAX_HALVINGS + 1):
        new = beta + step
        nev = _evaluate(source, family, new)
        if nev is not None and float(nev[0] @ metric @ nev[0]) <= (1.0 - 2.0 * ARMIJO / 2.0 ** halvings) * merit:
            return new, nev, halvings
        step = step / 2
    return None


def _newton_krylov(source, family, beta, ev, control, tol, done, size, record):
    """The finish of a fit of a link other than the logit that damped quasi-Fisher steps brought near a root (or,
    where those did not converge, that quasi-Fisher scoring left unconverged: it oscillated, or crawled), ``done``
    steps taken, by at most max(max_iter, MIN_ITER) more: Newton's
    steps A^{-1} U* on U*(b) = 0, A = -dU*/db, solved by GMRES from products of A with vectors, each a difference
    of U* (:func:`_newton_direction`: p x p arithmetic and the passes of :func:`_evaluate`, never a row's pairs).
    For these links U* is no gradient -- l + log |X'WX| / 2 has another maximiser, brglm2's ``MPL_Jeffreys``, not
    the root of U* -- so the merit a step must lower is U*' M U*, 0 at a root and only there, with M the inverse of
    X'WX at the finish's start (fixed: in the metric of each step's own start the merit rose from step to step, and a
    log-link fit ran off to a coefficient of -1145 where U* was 13), which the Newton step descends (it promises to
    lower it by twice itself): halved until it lowers it by ARMIJO of that; where no halving does, the quasi-Fisher
    step is tried likewise.  Convergence is read as in :func:`_solve` (a whole step below the tolerance, or a
    quasi-Fisher step within the rounding of its solve); where neither direction lowers the merit the fit stops there,
    converged only if the quasi-Fisher step is below the tolerance.  Returns :func:`_solve`'s tuple."""
    metric = ev[1]  # (the merit's metric, fixed: the information's at the finish's start)
    it = done
    for it in range(done + 1, done + max(control.max_iter, MIN_ITER) + 1):
        grad, inv, rounding = ev[0], ev[1], ev[5]
        fisher = inv @ grad
        if _at_rounding(fisher, beta, rounding):
            return beta, inv, True, it - 1, size, record
        merit = float(grad @ metric @ grad)
        newton = _newton_direction(source, family, beta, grad, inv, np.sqrt(np.diag(ev[6])))
        found = None
        for direction in ((newton, fisher) if newton is not None else (fisher,)):
            found = _merit_search(source, family, beta, direction, metric, merit)
            if found is not None:
                break
        if found is None:  # (no step lowers the merit: the root to rounding, or no direction descends)
            se = np.sqrt(np.maximum(np.diag(inv), 0.0))
            return beta, inv, _relative_size(fisher, beta, se) <= tol, it - 1, size, record
        new, ev, halvings = found
        se = np.sqrt(np.maximum(np.diag(ev[1]), 0.0))
        size = _relative_size(new - beta, new, se)
        beta = new
        record.append((ev[3], halvings, beta))
        if control.on_iteration is not None:
            control.on_iteration("step", it, ev[3])
        if size <= tol and halvings == 0:
            return beta, ev[1], True, it, size, record
    return beta, ev[1], False, it, size, record


def _damped_restart(source, family, beta, control, tol, done, record):
    """The finish of a fit of a link other than the logit that the quasi-Fisher steps left unconverged
    (:func:`_solve`): from the start ``beta`` again, quasi-Fisher steps of DAMPING of their length
    (brglm2's ``slowit``), each halved while its end is invalid or the step from there would be GROWTH times the
    whole step longer, until the whole step is within DAMPED_NEAR of the coefficients (or after max(max_iter,
    MIN_ITER) steps), then Newton's finish (:func:`_newton_krylov`) from there.  Where the relaxed iteration is
    drawn into a cycle away from the root (a cauchit fit's quasi-Fisher steps alternating between two points 1 apart
    for 90 steps), Newton's steps from its end can descend the merit U*' M U* towards infinity, where the cauchit's
    U* vanishes (its weights and scores fall as |eta|^-3 and |eta|^-1), not to the root; damped steps, as brglm2's
    slowit = 0.25, stay near the root's path, and unlike the end of the undamped steps their end does not depend on
    rounding (DAMPING).  ``done`` steps were taken before; ``record`` goes on.  Returns
    :func:`_solve`'s tuple, or None where the start is no longer valid."""
    ev = _evaluate(source, family, beta)
    if ev is None:
        return None
    size = np.inf
    it = done
    for it in range(done + 1, done + max(control.max_iter, MIN_ITER) + 1):
        whole = ev[1] @ ev[0]
        if _relative_size(whole, beta, np.sqrt(np.maximum(np.diag(ev[1]), 0.0))) <= DAMPED_NEAR:
            it -= 1
            break
        norm = np.sum(np.abs(whole))
        step = DAMPING * whole
        for halvings in range(MAX_HALVINGS + 1):
            nev = _evaluate(source, family, beta + step)
            if nev is not None and np.sum(np.abs(nev[1] @ nev[0])) <= GROWTH * norm:
                break
            step = step / 2
        if nev is None:
            return None
        new = beta + step
        size = _relative_size(step, new, np.sqrt(np.maximum(np.diag(nev[1]), 0.0)))
        beta, ev = new, nev
        record.append((ev[3], halvings, beta))
        if control.on_iteration is not None:
            control.on_iteration("step", it, ev[3])
    return _newton_krylov(source, family, beta, ev, control, tol, it, size, record)


def _estimate_part(b, family: Family, beta: np.ndarray) -> tuple:
    """A block's share of what is reported at the estimate: X'WX over every column, the deviance, the Pearson
    sum, the means at the edge of (0, 1), the rows with a positive weight and the sum of the weights."""
    link = family.link
    eta = b.X.matvec(beta) + b.offset
    mu, d1 = link.inverse(eta), link.mu_eta(eta)
    var = family.variance(mu)
    gram = b.X.gram(b.weights * d1 * d1 / var)
    dev = float(np.sum(b.weights * family.unit_deviance(b.y, mu)))
    pearson = float(np.sum(np.where(b.weights > 0, b.weights * (b.y - mu) ** 2 / var, 0.0)))
    n_boundary = int(np.count_nonzero((mu < 10 * _EPS) | (mu > 1 - 10 * _EPS)))
    return gram, dev, pearson, n_boundary, b.n_positive, b.sum_weights


def fit_firth(source: DesignSource, family: Family, control: Control, start: np.ndarray | None = None
              ) -> FitState:
    """Bias-reduced binomial regression (see the module docstring): a fitter, as ``glm(method="firth")``
    and the null model of its :func:`glmstat.fit.finish` use it."""
    _check_family(family)
    keep_pass_memory(source.n_rows)
    p = source.n_cols
    kept = ~_aliased(source)
    cols = np.flatnonzero(kept)
    sub = source.with_columns(cols)
    if start is not None:
        s = np.asarray(start, dtype=float)
        if s.shape != (p,) or not np.all(np.isfinite(s[kept])):
            raise FitError(f"start= needs {p} finite coefficients, one per model column; got {np.shape(start)}")
        beta0 = s[kept]
    elif cols.size:
        beta0 = _start(sub, family, control)
    if cols.size:
        beta, inv, converged, iterations, size, record = _solve(sub, family, beta0, control, start is not None)
    else:  # no coefficient to estimate (y ~ 0, an offset alone): no adjusted score, the fit is glm's at the offset
        beta, inv, converged, iterations, size, record = np.zeros(0), np.zeros((0, 0)), True, 0, 0.0, []
    full = np.zeros(p)
    full[cols] = beta
    trace = []
    for dev_k, halvings, beta_k in record:  # (FitState.trace's rows: every column, 0 where aliased)
        b_k = np.zeros(p)
        b_k[cols] = beta_k
        trace.append(TraceRecord(dev_k, halvings, b_k, kept, kept))
    info_all, dev, pearson, n_boundary, n_ok, sum_weights = fold(
        source, partial(_estimate_part, family=family, beta=full), add_parts,
        (np.zeros((p, p)), 0.0, 0.0, 0, 0, 0.0))
    cov = np.full((p, p), np.nan)
    cov[np.ix_(cols, cols)] = inv
    return FitState(
        coef=np.where(kept, full, np.nan), kept=kept, cov_unscaled=cov, gram=info_all, deviance=dev,
        pearson_chi2=pearson, n_ok=n_ok, sum_weights=sum_weights,
        converged=converged, iterations=iterations, boundary=False, n_boundary=n_boundary, scoring_converged=converged,
        last_rel_change=size, deviance_history=(dev,), trace=tuple(trace),
    )
