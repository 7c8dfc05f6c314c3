"""The readings of a fit's last iterates (glmstat.engine.trajectory) on traces of known shape.

Each trace entry is a TraceRecord (deviance, step-halvings, coefficients, columns kept), as the IRLS loop records
it.  The coefficients below follow b_k = rate^k d about an optimum at 0 (an oscillation for a negative rate, a
crawl for a positive one), or b_k = k d (a divergence along d, as under separation).
"""

from __future__ import annotations

import numpy as np
import pytest

from glmstat.engine.fit_state import TraceRecord
from glmstat.engine.trajectory import (CRAWL_RATE, EDGE_OSCILLATION_TURNS, OSCILLATION_TURNS, alternates, crawls,
                                       growing, lost_columns, oscillates, settles, went_away)

D = np.array([1.0, -2.0, 0.5])
ALL = np.ones(3, dtype=bool)


def _trace(points, deviances=None, kept=None):
    deviances = [10.0 - k * 1e-3 for k in range(len(points))] if deviances is None else deviances
    kept = [ALL] * len(points) if kept is None else kept
    return [TraceRecord(dev, 0, np.asarray(b, dtype=float), kk, kk) for b, dev, kk in zip(points, deviances, kept)]


def _geometric(rate, n=20):
    return _trace([rate**k * D for k in range(n)])


def test_an_oscillation_contracting_at_a_rate_near_minus_one_alternates_and_settles():
    t = _geometric(-0.985)
    assert alternates(t, OSCILLATION_TURNS) and settles(t, EDGE_OSCILLATION_TURNS)
    assert not crawls(t, OSCILLATION_TURNS)


def test_an_oscillation_whose_steps_grow_or_whose_deviance_rises_does_not_settle():
    t = _geometric(-1.02)
    assert alternates(t, OSCILLATION_TURNS) and not settles(t, EDGE_OSCILLATION_TURNS)
    rising = _trace([(-0.985)**k * D for k in range(20)], deviances=[10.0 + (k % 2) * 1e-3 for k in range(20)])
    assert not settles(rising, EDGE_OSCILLATION_TURNS)


@pytest.mark.parametrize("rate", [0.95, CRAWL_RATE])
def test_a_crawl_at_a_rate_up_to_crawl_rate_crawls(rate):
    t = _geometric(rate)
    assert crawls(t, OSCILLATION_TURNS) and not alternates(t, OSCILLATION_TURNS)


def test_a_divergence_at_constant_steps_neither_crawls_nor_alternates():
    t = _trace([k * D for k in range(20)])
    assert not crawls(t, OSCILLATION_TURNS) and not alternates(t, OSCILLATION_TURNS)
    assert not settles(t, EDGE_OSCILLATION_TURNS)


def test_steps_over_different_kept_columns_are_not_compared():
    kept = [ALL] * 19 + [np.array([True, True, False])]
    t = _trace([(-0.985)**k * D for k in range(20)], kept=kept)
    assert not alternates(t, OSCILLATION_TURNS) and not settles(t, EDGE_OSCILLATION_TURNS)


def test_too_short_a_trace_shows_nothing():
    t = _geometric(-0.985, n=EDGE_OSCILLATION_TURNS + 1)
    assert alternates(t, OSCILLATION_TURNS) and not settles(t, EDGE_OSCILLATION_TURNS)


def test_growing_needs_that_many_growths_in_a_row():
    assert growing([1.0, 2.0, 3.0, 4.0], 3) and not growing([1.0, 2.0, 3.0, 4.0], 4)
    assert not growing([1.0, 2.0, 1.5, 4.0], 2)


def test_went_away_returns_the_lowest_iterate_when_the_deviance_ended_far_above_it():
    t = _trace([D, 2 * D, 3 * D], deviances=[5.0, 4.0, 6.0])
    assert went_away(t, 6.0, True)[0] == 4.0
    assert went_away(t, 4.0 * (1 + 1e-12), True) is None  # (within rounding of the lowest)
    assert went_away(t, 6.0, False) is None


def test_lost_columns_only_after_a_rise():
    t = _trace([D, D], kept=[ALL, ALL])
    fewer = np.array([True, False, True])
    assert lost_columns(t, fewer, rose=True) and not lost_columns(t, fewer, rose=False)
    assert not lost_columns(t, ALL, rose=True)


def test_on_the_edge_an_oscillation_must_also_contract():
    """Off the edge, turning back is enough; with means on the edge, the steps must also shrink."""
    assert oscillates(_geometric(-1.02), False, OSCILLATION_TURNS) and not oscillates(_geometric(-1.02), True)
    assert oscillates(_geometric(-0.985), True)
    assert not oscillates(_trace([(-0.985)**k * D for k in range(8)]), True)  # (fewer than EDGE turns)
