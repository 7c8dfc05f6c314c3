"""What the last iterates of a fit show: scoring that cycles, oscillates, crawls or went away from its optimum.

The IRLS loop (:mod:`glmstat.engine.irls`) records each iterate in its ``trace``
(:class:`~glmstat.engine.fit_state.TraceRecord`: deviance, step-halvings, coefficients, columns kept).  These
predicates read that record, and the sizes of the polishing steps, to tell the ways Fisher scoring fails to converge
at an interior optimum -- a rise of the deviance (cycling), steps that keep turning back (an oscillation at a rate
near -1), steps that keep one way at a linear rate near 1 (a crawl), a deviance that ended far above one it reached
(gone away) -- from a divergence to an optimum at infinity, which moves one way with the deviance falling.  The loop
finishes the former with Newton steps (:mod:`glmstat.engine.newton`) and reports the latter.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CYCLE_RISE", "OSCILLATION_TURNS", "EDGE_OSCILLATION_TURNS", "CRAWL_RATE", "growing", "went_away",
           "lost_columns", "alternates", "settles", "oscillates", "crawls"]

#: A full Fisher step that raises the deviance by more than this fraction (above the rounding of any deviance
#: the kernels return, 2e-10) shows scoring overshooting; if the fit then fails to converge, it is cycling
#: around an interior optimum (an eigenvalue of I - (X'WX)^{-1} X'W_o X beyond -1, W_o the observed weights)
#: and the exact fit finishes with damped Newton steps (:mod:`glmstat.engine.newton`).
CYCLE_RISE = 1e-9
#: A fit that reaches max_iter with each of its last this many steps turning back on the one before oscillates
#: about an interior optimum (a divergence to infinity, or a crawl at a rate near +1, moves one way): it
#: finishes as a cycling fit does.
OSCILLATION_TURNS = 3
#: ... and so does one whose last OSCILLATION_TURNS + 1 steps all go the same way, each at most this fraction of
#: the one before, while the deviance falls and no mean is on the edge: scoring crawling to an interior optimum at
#: a linear rate (0.952 for a log-binomial fit with means up to 0.985, 1e-4 of the estimate short of it after 100
#: steps; 0.983 for a quasi mu^3 log-link fit, 0.4 standard errors short).  A divergence to infinity takes steps
#: that shrink more slowly or not at all (logit: constant in the end; cauchit: growing), or has means on the edge
#: by then (probit, at a rate 0.96); should the Newton steps find no finite optimum, the fit is not converged.
CRAWL_RATE = 0.99
#: An oscillation with means on the edge of the domain (a probit fit with 6 means at R's clamp, oscillating at a rate
#: of -0.985): a longer run of turns, each step shorter and the deviance falling (:func:`settles`), as a linear
#: predictor still moving there is otherwise read as separation.
EDGE_OSCILLATION_TURNS = 10


def growing(sizes: list[float], times: int) -> bool:
    """Polishing steps that grew ``times`` times in a row: Fisher scoring moving away from an interior
    optimum it started next to (an eigenvalue of its iteration beyond -1, each step ~3 times the one before
    on a negative binomial fit at theta = 0.22), as a rise of the deviance shows it further away.  So close
    to the optimum the deviance moves by the square of the steps, below CYCLE_RISE, and without this the fit
    stopped at the patience limit, farther from the optimum than it started (a warm start of the
    alternation of glmstat.engine.negbin then drifted away by that factor at every refit).  Steps that grow
    while the deviance falls faster and faster are scoring leaving a plateau on its way to the optimum (an
    inverse Gaussian log-link fit whose deviance test was met at 895.66, 1.65 times larger a step each time,
    the optimum at 861.16): the rescue's Newton steps finish either."""
    last = sizes[-(times + 1):]
    return len(last) > times and all(b > a for a, b in zip(last, last[1:]))


def went_away(trace: list, deviance: float, may_restart: bool) -> tuple | None:
    """The lowest iterate of ``trace`` when the fit's ``deviance`` is far (CYCLE_RISE) above it, else None.

    Fisher scoring that rose above a deviance it had reached and then drifts to the edge of the domain went
    away from the optimum: separation and optima on the edge only lower the deviance on the way there.
    ``may_restart``: the fit may still be rescued and its deviance has risen on the way.
    """
    if not (may_restart and trace):
        return None
    best = min(trace, key=lambda t: t.deviance)
    return best if deviance > best.deviance + CYCLE_RISE * abs(best.deviance) else None


def lost_columns(trace: list, kept: np.ndarray, rose: bool) -> bool:
    """After scoring rose, the estimate keeps fewer columns than an earlier iterate did: columns lost to working
    weights that vanish where the linear predictor runs off (a Gaussian inverse-link mean running to 0, its
    weights mu^4 of 1e-84, makes every column look aliased), not aliased in the design.  Checked like a mean on
    the edge of the domain: a drift away from the optimum, or towards one at infinity."""
    return rose and not kept.all() and any(np.count_nonzero(t.kept) > np.count_nonzero(kept) for t in trace)


def _last_steps(trace: list, turns: int) -> tuple[np.ndarray, list] | None:
    """The last ``turns + 1`` steps of ``trace`` (a row each, over the kept columns) and the ``turns + 2`` iterates
    they join; None when there are fewer or the columns kept changed on the way (the steps are then not alike)."""
    if len(trace) < turns + 2:
        return None
    last = trace[-(turns + 2):]
    kept = last[-1].kept
    if not all(np.array_equal(t.kept, kept) for t in last):
        return None
    return np.diff(np.array([t.beta[kept] for t in last]), axis=0), last


def alternates(trace: list, turns: int = 1) -> bool:
    """Each of the last ``turns`` steps of ``trace`` points against the step before it (their inner product is
    negative), the columns kept the same throughout.

    Fisher scoring whose iteration has an eigenvalue near -1 oscillates about an interior optimum, each step
    turning back on the one before, while the deviance falls a little at every step (so it never rises, the
    sign of cycling the rescue otherwise waits for); a divergence to infinity (separation) moves the same way.
    """
    found = _last_steps(trace, turns)
    if found is None:
        return False
    steps = found[0]
    return bool(np.all(np.einsum("ij,ij->i", steps[1:], steps[:-1]) < 0.0))


def settles(trace: list, turns: int = EDGE_OSCILLATION_TURNS) -> bool:
    """Each of the last ``turns`` steps of ``trace`` turns back on the one before and is shorter than it, and the
    deviance fell at each: an oscillation contracting to an optimum (a separated cauchit fit also turns back,
    its steps growing and shrinking, its deviance rising and falling, on its way to infinity)."""
    found = _last_steps(trace, turns)
    if found is None:
        return False
    steps, last = found
    norms = np.sqrt(np.einsum("ij,ij->i", steps, steps))
    return bool(np.all(np.einsum("ij,ij->i", steps[1:], steps[:-1]) < 0.0) and np.all(norms[1:] < norms[:-1])
                and all(b[0] < a[0] for a, b in zip(last, last[1:])))


def oscillates(trace: list, on_edge: bool, turns: int = 1) -> bool:
    """Scoring oscillating about an interior optimum: the last ``turns`` steps each turn back on the one before
    (:func:`alternates`); with means on the edge of the domain (``on_edge``), where a linear predictor still
    moving is otherwise read as separation, only a longer run that contracts with the deviance falling
    (:func:`settles`, ``EDGE_OSCILLATION_TURNS``)."""
    return settles(trace) if on_edge else alternates(trace, turns)


def crawls(trace: list, turns: int = OSCILLATION_TURNS) -> bool:
    """Each of the last ``turns`` steps of ``trace`` goes the way of the step before it and is at most
    CRAWL_RATE times its length, and the deviance fell at each, the columns kept the same throughout: scoring
    converging linearly, slowly, to an interior optimum."""
    found = _last_steps(trace, turns)
    if found is None:
        return False
    steps, last = found
    if not all(b[0] < a[0] for a, b in zip(last, last[1:])):
        return False
    norms = np.sqrt(np.einsum("ij,ij->i", steps, steps))
    return bool(np.all(np.einsum("ij,ij->i", steps[1:], steps[:-1]) > 0.0)
                and np.all(norms[1:] <= CRAWL_RATE * norms[:-1]))
