"""The loop's moves at an edge of the family's domain, after scoring has stopped (:mod:`glmstat.engine.irls`
calls them in this order): rows whose optimum is on an edge that pulls them across are held there by Newton
steps where the loop stopped on the weights of rows landed beside it (:meth:`EdgeMoves.hold_on_steep_edge`),
put on it by the Fisher step constrained there (:meth:`EdgeMoves.approach_edge`) and held there while the other
coefficients settle (:meth:`EdgeMoves.hold_on_edge`); rows frozen at an edge that the others pull back inside
are freed (:meth:`EdgeMoves.leave_edge`).  A mixin of the loop: each move reads and sets the loop's state.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..design.sources import DesignSource, fold
from ..families import Family
from .edges import ON_EDGE_TOL, steep_edges
from .fit_state import TraceRecord
from .linalg import StepFactor
from .newton import NEAR_EDGE_TOL, newton_step_near_edge, newton_step_off_edge
from .scoring_pass import PassResult, evaluate, rises, scoring_pass
from .set_aside import set_aside_in_use
from .shortening import LATER_ROUNDING_SHORTENING, finish_at_edge, inside_by_rounding
from .starts import start_coefficients
from .steep_edge import held_factor
from .step_size import MAX_DAMPING, MAX_POLISH, POLISH_PATIENCE, POLISH_TOL, relative_step

__all__ = ["EdgeMoves"]

#: The move of rows held on an edge of infinite pull onto it is halved at most this many times back towards where
#: the held Newton steps left them, while it leaves the domain (a linear predictor a rounding below the edge).
ROUNDING_STEPS_ONTO_EDGE = 8
#: What an ``accept`` of :meth:`EdgeMoves._held_newton` returns to give up the held steps.
_ABANDON = object()


class EdgeMoves:
    """The edge moves of :class:`glmstat.engine.irls._Loop` (its state: ``beta``, ``res``, ``fac`` and the flags
    its docstring lists)."""

    __slots__ = ()

    def approach_edge(self) -> None:
        """Rows that scoring carries to an edge of the domain whose optimum is on it only approach it
        geometrically (their weights grow as 1 / distance, which also makes the steps read as rounding), and
        polishing stops short of it: the step constrained to the edge finishes the approach
        (:mod:`glmstat.engine.edge_approach`).  So it does after the rescue: a row whose mean approaches the edge
        at a rate near 1 (2.7% of the distance left a step, a log-binomial row of successes) makes scoring crawl
        to max_iter, and the rescue's Newton steps then stop 6e-10 from the edge, where the row's growing weight
        makes them read as rounding -- unless the rescue stopped unfinished (no estimate to finish)."""
        fac = self.fac
        if not (self.converged and self.edge_pull and not self.diverging and fac.kept.any()
                and not np.any(self.beta[~fac.kept] != 0)):  # (nor where the estimate uses columns set aside)
            return
        if self.rescuing and not (self.polished or self.rounding_optimum):
            return
        # (steps that read as rounding perhaps only because the weights of rows near the edge grow, or scoring that met
        # its test while still swinging about an optimum on the edge, s762_0116: the others need not have settled,
        # and hold_on_edge goes on from here, with the edge step or without it; it keeps only a held optimum)
        self.holding = (self.at_rounding or not self.polished) and not self.rescuing
        finished = finish_at_edge(self.source, self.family, self.kernel, self.beta, self.res, fac, self.use_qr,
                                  self.max_cond, self.edge_pull)
        if finished is None:
            return
        self.prev_beta, self.prev_fac = self.beta, fac
        self.beta, self.res, self.fac, self.use_qr = finished
        self.trace.append(TraceRecord(self.res.deviance, 0, self.beta, self.fac.kept, fac.kept))
        self.history.append(self.res.deviance)
        self.polish_steps += 1
        self.polished = self.at_rounding = False  # (the step still to go is the diagnosis's to check)
        # (a finished rescue stays finished: the edge step is its last move, and result() reads its convergence
        # from these flags)
        self.rounding_optimum = self.rounding_optimum or self.rescuing
        if self.report is not None:
            self.report("polish", self.polishing + 1, self.res.deviance)

    def hold_on_edge(self) -> bool:
        """Where polishing stopped because its steps read as the rounding of the solve (``at_rounding``: the weights
        of rows approaching an edge, growing as 1 / distance, make the condition number, 3e9 for a negative binomial
        identity-link fit whose others' steps were still 1e-4 of their coefficients), or stopped unpolished (scoring
        that met R's test while it swung about an optimum on the edge, each step -0.8 times the last: s762_0116), the
        other coefficients need not have settled, with the edge step of :meth:`approach_edge` or without it (the
        Fisher step there need not carry the row on towards the edge): Newton steps holding the rows on or near the
        edge whose multipliers pull across it (:func:`~glmstat.engine.newton.newton_step_near_edge`; the edge step
        leaves them at the rounding of their linear predictor, 6e-15 there), halved while they raise the deviance,
        go on until the held step is negligible (``POLISH_TOL``).  Kept only where they get there (that fit:
        12.1521739578810, R's optimum with the row held at 0, from 12.1521739583 and 3e-3 away in a coefficient, or
        12.152173965 and 1.3e-2 away on the structured path, whose edge step did not apply); else the estimate stays
        where polishing left it.  True where they were kept."""
        if not self.holding:
            return False

        def accept(new, fac, state):
            res, use_qr = state
            new_res, new_fac, new_qr = evaluate(self.source, self.family, new, use_qr, fac.kept, self.kernel, None,
                                                self.max_cond)
            if not (new_res.valid and new_fac is not None and not rises(res, new_res)):
                return None
            return (new_res, new_fac, (new_res, new_qr)) if np.array_equal(new_fac.kept, fac.kept) else _ABANDON

        held = self._held_newton(self.beta, self.fac, (self.res, self.use_qr), self.edge_pull, accept)
        if held is None:
            return False
        taken, (beta, fac, (res, use_qr)) = held
        self._record_held(taken, self.polishing + 2)
        if taken:
            self.prev_beta, self.prev_fac = (taken[-2][0], taken[-2][2]) if len(taken) > 1 else (self.beta, self.fac)
        self.beta, self.res, self.fac, self.use_qr = beta, res, fac, use_qr
        self.fixed_gram = fac.gram if res.fixed_weights else None
        # (not ``polished``, which says an interior optimum: the Fisher step still to go crosses the edge, and the
        # diagnosis reads from it that the optimum is on the edge)
        self.at_rounding = False
        return True

    def hold_on_steep_edge(self) -> bool:
        """Where the loop stopped because the factor at the estimate set aside columns the estimate uses, and rows
        whose response is on an edge of infinite pull are within ``NEAR_EDGE_TOL`` of it
        (:func:`~glmstat.engine.edges.steep_edges`: a Tweedie p = 1.5 identity-link 0, landed at a mean of 2e-16 by a
        step of scoring, its weight 3.5e23), those columns are set aside by the held rows' weights, not by a run-off:
        Newton steps holding the rows there (:func:`~glmstat.engine.newton.newton_step_near_edge`, their scores left
        out), halved while they raise the deviance, go on until negligible against the factor that holds them
        without their weights (:func:`~glmstat.engine.steep_edge.held_factor`), which the result keeps.  Kept only
        where they get there; else the loop's stop stands.  True where they were kept."""
        # (every fit passes here: the loop's own flags first, the family's edges only where the loop stopped so)
        if not (self.diverging and not self.fac.all_kept and self.control.convergence == "exact"
                and not self.control.damped and set_aside_in_use(self.beta, self.fac, self.prev_fac)):
            return False
        steep = steep_edges(self.family)
        if not steep:
            return False
        source, family, kernel = self.source, self.family, self.kernel
        edges = self.edge_pull + steep
        # (the columns of the step that made the estimate: those it uses, the design's aliased ones set aside)
        beta, res, kept = self.beta, self.res, self.prev_fac.kept
        held = held_factor(source, family, kernel, beta, kept, edges, NEAR_EDGE_TOL)
        if held is None:
            return False

        def accept(new, fac, state):
            others, _ = state
            new_res = scoring_pass(source, family, new, self.use_qr, kernel)
            held = held_factor(source, family, kernel, new, kept, edges, NEAR_EDGE_TOL) if new_res.valid else None
            # (judged by the other rows' deviance: the held rows' is the rounding of their linear predictor)
            if held is None or new_res.deviance - held.deviance > others + 1e-12 * abs(others):
                return None
            return new_res, held.factor, (new_res.deviance - held.deviance, held)

        steps = self._held_newton(beta, held.factor, (res.deviance - held.deviance, held), edges, accept)
        if steps is None:
            return False
        taken, (beta, fac, (_, held)) = steps
        res = taken[-1][1] if taken else res
        # the held rows where the steps left them (a mean of 2.5e-13 where x'beta rounds at 2e-14, its deviance
        # 4 mu^(1/2) 1e-7 of the fit's) moved onto the edge, or halfway back while that leaves the domain
        for halvings in range(ROUNDING_STEPS_ONTO_EDGE):
            new = beta + held.onto_edge / 2.0**halvings
            new_res = scoring_pass(source, family, new, self.use_qr, kernel)
            settled = held_factor(source, family, kernel, new, kept, edges, NEAR_EDGE_TOL) if new_res.valid else None
            if settled is not None and new_res.deviance < res.deviance:
                beta, res, fac = new, new_res, settled.factor
                taken.append((beta, res, fac, halvings))
                break
        self._record_held(taken, 1)
        self.prev_beta, self.prev_fac = (taken[-2][0], taken[-2][2]) if len(taken) > 1 else (self.beta, fac)
        self.beta, self.res, self.fac, self.fixed_gram = beta, res, fac, None
        # converged on the edge, as R's "algorithm stopped at boundary value"; not ``polished`` (an interior
        # optimum): the diagnosis reads the boundary from the Fisher step still to go
        self.converged = self.boundary = True
        self.diverging = self.rescuing = self.at_rounding = self.polished = False
        self.leap = None
        return True

    def _held_newton(self, beta: np.ndarray, fac: StepFactor, state, edges: tuple[tuple[float, float], ...],
                     accept) -> tuple[list, tuple] | None:
        """Newton steps from ``beta`` holding the rows on or near ``edges`` whose multipliers pull across them
        (:func:`~glmstat.engine.newton.newton_step_near_edge`), each halved until ``accept(new, fac, state)`` takes
        it -- or, where the whole step is refused, cut where it brings the first row of an edge's response to that
        edge (:func:`_to_first_edge`, the next step holding it there) -- returning the (pass, factor, state) at
        ``new``, None to halve on, or ``_ABANDON`` -- until the held step is negligible against ``fac``
        (``POLISH_TOL``).  Returns the steps taken, (coefficients, pass, factor, halvings) each, and the
        (coefficients, factor, state) they end at; None where a step is missing, halving is exhausted or abandoned,
        or the steps stop shrinking (no optimum held there)."""
        taken: list[tuple[np.ndarray, PassResult, StepFactor, int]] = []
        sizes: list[float] = []
        for _ in range(MAX_POLISH):
            step = newton_step_near_edge(self.source, self.family, self.kernel, beta, fac.kept, fac.gram, edges)
            if step is None:
                return None
            size = relative_step(step, beta, fac)
            if size <= POLISH_TOL:
                return taken, (beta, fac, state)
            if len(sizes) >= POLISH_PATIENCE and size >= min(sizes):
                return None
            sizes.append(size)
            for halvings in range(MAX_DAMPING + 1):
                new = beta + step / 2.0**halvings
                got = accept(new, fac, state)
                if got is not None:
                    break
                if not halvings:
                    # the step carries another row of the edge's response across it: up to that edge instead (the
                    # next step holds it there if it pulls across: _cut_at_edge), not halved towards it, which
                    # approaches it only geometrically and never lets the steps shrink (a negative binomial
                    # identity-link refit brought a count of 0 from 1.3e-3 towards 0 by six halvings a step, reached
                    # 57.2892 and gave the steps up, staying at 57.3195, no optimum; R's optimum 57.2887357,
                    # tests/engine/test_negbin_edge_refit.py)
                    cut = self._cut_at_edge(beta, step, fac, state, edges, accept)
                    if cut is not None:
                        new, got = cut
                        break
            else:
                return None
            if got is _ABANDON:
                return None
            res, fac, state = got
            beta = new
            taken.append((beta, res, fac, halvings))
        return None

    def _cut_at_edge(self, beta: np.ndarray, step: np.ndarray, fac: StepFactor, state, edges, accept):
        """(coefficients, what ``accept`` gave there) for the held step from ``beta`` cut where it brings the first
        row of an edge's response to that edge, or None (no row crosses, or no cut is accepted).  The cut puts that
        row on the edge; where the rows already held there leave the domain by the rounding of their linear
        predictor (a mean of 7e-18 from terms of size 1 going to 0), the cut is moved back inside towards the
        starting linear predictor's coefficients by the smallest power of 2 that does
        (:func:`~glmstat.engine.shortening.inside_by_rounding`); else it stops ``NEAR_EDGE_TOL / 2`` short of the
        edge, where the next held step holds the row."""
        short = _to_first_edge(self.source, self.family, beta, step, edges, ON_EDGE_TOL / 2)
        if short is None:
            return None
        new = beta + short * step
        got = accept(new, fac, state)
        if got is None:
            anchor = start_coefficients(self.source, self.family, self.kernel, fac.kept, self.use_qr, self.max_cond)
            inside = None if anchor is None else inside_by_rounding(
                self.source, self.family, self.kernel, new, anchor, fac.kept, self.use_qr, self.max_cond,
                LATER_ROUNDING_SHORTENING)
            if inside is not None:
                new = inside[0]
                got = accept(new, fac, state)
        if got is None:
            short = _to_first_edge(self.source, self.family, beta, step, edges, NEAR_EDGE_TOL / 2)
            if short is None:
                return None
            new = beta + short * step
            got = accept(new, fac, state)
        return None if got is None else (new, got)

    def _record_held(self, taken: list, first: int) -> None:
        """The held steps ``taken`` into the trace and deviance history, reported as polishing steps from
        ``first``."""
        for i, (b, r, f, halvings) in enumerate(taken):
            # (each step solved on the columns of the factor before it, which the held steps keep throughout)
            self.trace.append(TraceRecord(r.deviance, halvings, b, f.kept, f.kept))
            self.history.append(r.deviance)
            if self.report is not None:
                self.report("polish", first + i, r.deviance)
        self.polish_steps += len(taken)

    def leave_edge(self) -> bool:
        """Rows on an edge that pulls them across, where the others pull every one of them back inside (no
        multiplier holds them: :func:`~glmstat.engine.newton.newton_step_off_edge`), are not at a boundary
        optimum: a step of scoring overshot the edge and was shortened back to within ulps of it, where the
        row's Fisher weight w / V(mu) (1e15) freezes its mean, and polishing then stops there (a Tweedie
        identity-link fit held a count of 0 at a mean of 2e-15, deviance 77.70035, where R's optimum has that
        mean at 0.352 and a deviance of 77.64802).  Take the Newton step that frees them (halved while it raises
        the deviance) and go on with the rescue's Newton steps; True where that step was taken."""
        fac = self.fac
        if not (self.converged and self.free_pull and not self.diverging and not self.rescuing
                and fac.kept.any() and not np.any(self.beta[~fac.kept] != 0)):
            return False
        step = newton_step_off_edge(self.source, self.family, self.kernel, self.beta, fac.kept, fac.gram,
                                    self.free_pull)
        if step is None:
            return False
        saved = (self.rescuing, self.rescue, self.polishing, self.best_step, self.since_best, self.sizes,
                 self.polished, self.rounding_optimum, self.at_rounding, self.boundary)
        self.rescuing, self.rescue, self.polishing = True, False, 0
        self.best_step, self.since_best, self.sizes = np.inf, 0, []
        self.polished = self.rounding_optimum = self.at_rounding = False
        if self._take(step) and self.restart_from is None:
            return True
        self.restart_from = None
        (self.rescuing, self.rescue, self.polishing, self.best_step, self.since_best, self.sizes, self.polished,
         self.rounding_optimum, self.at_rounding, self.boundary) = saved
        return False


def _block_first_edge(b, family: Family, beta: np.ndarray, step: np.ndarray, edges: tuple[tuple[float, float], ...],
                      margin: float) -> float:
    """A block's share of :func:`_to_first_edge`: the least fraction of ``step`` at which a row whose response is on
    one of ``edges`` would reach it, short of it by ``margin`` times max(1, |e|); inf where none does."""
    eta = b.X.matvec(beta)
    if b.has_offset:
        eta = eta + b.offset
    move = b.X.matvec(step)
    least = np.inf
    with np.errstate(all="ignore"):
        for e, _ in edges:
            eta_e = float(family.link.link(np.array([e]))[0])
            rows = (b.y == e) & (b.weights > 0) & (move != 0)
            gap = eta_e - eta[rows]
            towards = gap / move[rows]
            short_by = margin * max(1.0, abs(e)) / np.abs(move[rows])
            t = towards - short_by
            t = t[(towards > 0) & (towards < 1) & (t > 0)]
            if t.size:
                least = min(least, float(t.min()))
    return least


def _to_first_edge(source: DesignSource, family: Family, beta: np.ndarray, step: np.ndarray,
                   edges: tuple[tuple[float, float], ...], margin: float) -> float | None:
    """The fraction of ``step`` from ``beta`` that takes the first row whose response is on one of ``edges`` to
    ``margin`` times max(1, |e|) short of that edge (one pass over the blocks), or None where no such row crosses
    it."""
    least = fold(source, partial(_block_first_edge, family=family, beta=beta, step=step, edges=edges,
                                 margin=margin), min, np.inf)
    return float(least) if np.isfinite(least) else None
