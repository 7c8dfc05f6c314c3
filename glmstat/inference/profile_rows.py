"""The per-row sums of a profile's refits (:mod:`glmstat.inference.profile`), each a part for the row source's
map-reduce (:func:`glmstat.design.sources.fold`): a block's share of a point's deviance, its derivative and the
others' slope; of the rise of the deviance along a segment; of a start's least-squares step (on the valid rows,
or pinning the rows a start leaves outside the domain); and the largest or edge-most mean or linear predictor,
for the limits' warnings.  Coefficient j is held at ``value`` (moved into the offset), the others (the columns
``others``) are at ``coef``; blocks never expand a factor: they go through the design interface.
"""

from __future__ import annotations

import numpy as np

from ..engine.kernel import generic
from ..links import eta_outside

__all__ = ["MAX_FLIP_CELLS", "cells_part", "flip_part", "largest_eta_part", "largest_mean_part", "merge_cells",
           "merge_flips", "merge_pinned", "merge_points", "merge_starts", "on_edge_part", "pinned_part", "point_part",
           "rise_part", "start_part", "unweighted_edge_part", "valid_part", "valid_rows_part"]


#: The two-point Gauss-Legendre nodes on [0, 1] (exact for a cubic integrand).
_GAUSS_NODES = (0.5 - 0.5 / np.sqrt(3.0), 0.5 + 0.5 / np.sqrt(3.0))


def point_part(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float) -> tuple:
    """A block's share of a profile point (coefficient j at ``value``, the others at ``coef``): the deviance,
    its derivative in b (envelope theorem: the other coefficients are at their optimum), X_c'W x_j for the
    slope of the others, and whether every eta and mu is valid."""
    x_j = blk.X.column(j)
    eta = blk.offset + value * x_j
    if others.size:
        eta = eta + blk.X.select(others).matvec(coef)
    w, y = blk.weights, blk.y
    with np.errstate(all="ignore"):
        mu = family.link.inverse(eta)
        dev = float(np.sum(w * family.unit_deviance(y, mu)))
        mu_eta = family.link.mu_eta(eta)
        var = family.variance(mu)
        pos = w > 0
        ddev = -2.0 * float(np.sum(np.where(pos, w * (y - mu) * mu_eta / var * x_j, 0.0)))
        wt = np.where(pos, w * mu_eta * mu_eta / var, 0.0)
        # (far out along the profile wt is inf / inf, NaN, at a point then refused as invalid: numpy's warning of
        # its product with the design was printed beside glmstat's)
        u = blk.X.select(others).rmatvec(wt * x_j) if others.size else np.zeros(0)
    return dev, ddev, u, bool(family.link.valid_eta(eta) and family.valid_mu(mu))


def _refit_eta(blk, j: int, others: np.ndarray, coef: np.ndarray, value: float) -> np.ndarray:
    """The block's linear predictor with coefficient j at ``value`` and the others at ``coef``."""
    eta = blk.offset + value * blk.X.column(j)
    if others.size:
        eta = eta + blk.X.select(others).matvec(coef)
    return eta


def _refit_means(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float) -> np.ndarray:
    """The block's fitted means with coefficient j at ``value`` and the others at ``coef``."""
    with np.errstate(all="ignore"):
        return family.link.inverse(_refit_eta(blk, j, others, coef, value))


def largest_mean_part(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float) -> float:
    """The largest |mean| of the block's rows with weight (coefficient j at ``value``, the others at ``coef``)."""
    mu = _refit_means(blk, family, j, others, coef, value)[blk.weights > 0]
    return float(np.max(np.abs(mu), initial=0.0))


def on_edge_part(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float,
                  edges: tuple[tuple[float, bool], ...], tol: float) -> int:
    """How many of the block's rows with weight have a mean within ``tol`` of an edge of ``edges``
    (:func:`~glmstat.engine.edges.pulled_edges`), but for those whose response is on a settled edge."""
    mu = _refit_means(blk, family, j, others, coef, value)
    at = np.zeros(mu.shape[0], dtype=bool)
    for e, settled in edges:
        on = np.abs(mu - e) <= tol
        at |= on & (blk.y != e) if settled else on
    return int(np.count_nonzero(at & (blk.weights > 0)))


def largest_eta_part(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float) -> float:
    """The largest |linear predictor| of the block's rows with weight (coefficient j at ``value``)."""
    eta = _refit_eta(blk, j, others, coef, value)
    return float(np.max(np.abs(eta[blk.weights > 0]), initial=0.0))


def unweighted_edge_part(blk, family, j: int, others: np.ndarray, coef: np.ndarray, value: float,
                          tol: float) -> int:
    """How many of the block's rows of prior weight 0 have a linear predictor within ``tol`` of where the
    engine's validity rule fails for them (the link's domain, or a mean outside the family's): such a row has no
    say in the deviance, but a refit must keep it inside, so it can hold the refit on an edge the likelihood
    does not have."""
    zero = blk.weights <= 0
    if not zero.any():
        return 0
    eta = _refit_eta(blk, j, others, coef, value)[zero]
    near = np.zeros(eta.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for e in (eta - tol, eta + tol):
            mu = family.link.inverse(e)
            near |= eta_outside(family.link, e) | ~np.isfinite(mu) | ~family.mu_domain.contains(mu)
    return int(np.count_nonzero(near))


def rise_part(blk, family, j: int, others: np.ndarray, start: tuple[float, np.ndarray],
               end: tuple[float, np.ndarray]) -> float:
    """A block's share of D(end) - D(start), two points (b, c) of coefficient j and the others, as the integral of
    the deviance's derivative along the segment between them: with d = eta(end) - eta(start) (taken from the
    differences of the coefficients, not of the two linear predictors),

        D(end) - D(start) = -2 int_0^1 sum_i w_i (y_i - mu_i) mu'(eta_i) / V(mu_i) d_i ds,  eta = eta(start) + s d,

    by two-point Gauss-Legendre (the segment is short: this is used only for rises that D(end) - D(start) would
    lose to cancellation).  Each term is O(|d|) and they cancel to O(|d|^2) only, at the optimum, so the sum
    keeps its relative accuracy however near the two points are."""
    (b0, c0), (b1, c1) = start, end
    x_j = blk.X.column(j)
    eta0 = blk.offset + b0 * x_j
    d = (b1 - b0) * x_j
    if others.size:
        Xo = blk.X.select(others)
        eta0 = eta0 + Xo.matvec(c0)
        d = d + Xo.matvec(c1 - c0)
    w, y = blk.weights, blk.y
    pos = w > 0
    total = 0.0
    with np.errstate(all="ignore"):
        for s in _GAUSS_NODES:
            eta = eta0 + s * d
            mu = family.link.inverse(eta)
            terms = w * (y - mu) * family.link.mu_eta(eta) / family.variance(mu) * d
            total -= float(np.sum(np.where(pos, terms, 0.0)))  # (x 2 for the deviance, x 1/2 the rule's weight)
    return total


def merge_points(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] and b[3]


def merge_starts(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] or b[2]  # (some row of either block has a finite target)


def start_part(blk, family, j: int, others: np.ndarray, value: float) -> tuple:
    """A block's share of the least-squares start: the normal equations of the rows whose target
    g(mu_start) - offset - value x_j is finite (unweighted)."""
    with np.errstate(all="ignore"):
        target = family.link.link(family.start_mu(blk.y, blk.weights)) - blk.offset - value * blk.X.column(j)
    ok = np.isfinite(target) & (blk.weights > 0)
    return blk.X.select(others).gram_score(ok.astype(float), np.where(ok, target, 0.0)) + (bool(ok.any()),)


def valid_rows_part(blk, family, j: int, others: np.ndarray, value: float, coef: np.ndarray) -> tuple:
    """A block's share of one IRLS step from ``coef``: the weighted normal equations X'WX c = X'W z of the rows
    whose mean is inside the family's domain at ``coef`` (W = w mu'(eta)^2 / V(mu), z = eta - offset + (y - mu)
    / mu'(eta), the offset including value x_j)."""
    Xo = blk.X.select(others)
    off = blk.offset + value * blk.X.column(j)
    mu, w, z = _working_rows(blk, family, Xo, off, coef)
    with np.errstate(all="ignore"):
        ok = np.isfinite(mu) & family.mu_domain.contains(mu) & np.isfinite(w) & (w > 0) & np.isfinite(z)
    return Xo.gram_score(np.where(ok, w, 0.0), np.where(ok, z, 0.0)) + (bool(ok.any()),)


def _working_rows(blk, family, Xo, off: np.ndarray, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu, W, z) of the block's rows at ``coef``: the engine's per-row IRLS quantities (:func:`~glmstat.engine.
    kernel.generic`, W = 0 where the prior weight is 0) and the working response less the offset,
    z = eta - offset + (y - mu) / mu'(eta)."""
    eta = Xo.matvec(coef) + off
    k = generic(family, blk.y, blk.weights, eta)
    with np.errstate(all="ignore"):
        return k.mu, k.W, eta - off + k.r


#: A term's cells of rows (a pattern of its columns not 0: a factor's level, a combination of levels) are negated
#: one at a time by :func:`flip_part` when it has at most this many (a term of more has none negated).
MAX_FLIP_CELLS = 64


def _cell_keys(blk, columns: np.ndarray, tags: np.ndarray) -> np.ndarray:
    """Each row's cell of a term, the pattern of its ``columns`` not 0 on the row, as sum_l tags_l [x_il != 0]
    (the same sums in the same order for every row of a pattern: equal keys)."""
    key = np.zeros(blk.y.shape[0])
    for col, tag in zip(columns, tags):
        key += np.where(blk.X.column(int(col)) != 0, tag, 0.0)
    return key


def cells_part(blk, terms: tuple, tags: tuple) -> tuple:
    """A block's cells of each term (the columns of ``terms``, keyed by :func:`_cell_keys` with ``tags``) among
    its rows with weight, each a dict of the cells' rows; None for a term of more than ``MAX_FLIP_CELLS``."""
    used = blk.weights > 0
    out = []
    for columns, tag in zip(terms, tags):
        keys, counts = np.unique(_cell_keys(blk, columns, tag)[used], return_counts=True)
        out.append(None if keys.size > MAX_FLIP_CELLS else dict(zip(keys.tolist(), counts.tolist())))
    return tuple(out)


def merge_cells(a: tuple, b: tuple) -> tuple:
    out = []
    for x, y in zip(a, b):
        if x is None or y is None:
            out.append(None)
            continue
        both = dict(x)
        for key, n in y.items():
            both[key] = both.get(key, 0) + n
        out.append(None if len(both) > MAX_FLIP_CELLS else both)
    return tuple(out)


def flip_part(blk, family, j: int, others: np.ndarray, value: float, coef: np.ndarray, terms: tuple, tags: tuple,
              groups: tuple) -> tuple:
    """A block's share of the IRLS steps from the refit at ``coef`` with the signs of its linear predictor negated
    on the rows of one group at a time (for a link whose inverse is even, mu(-eta) = mu(eta)): each of ``groups``
    is (t, key, complement, absolute), the rows of the cell ``key`` of the term ``terms[t]`` (:func:`_cell_keys`
    with ``tags[t]``), or with ``complement`` the other rows; with ``absolute`` the signs negated are those that
    make the group's rows negative and the others positive.  Negating eta on the rows S leaves mu and the IRLS weights W
    as they are and negates eta + (y - mu) / mu'(eta) there, so the step's normal equations are X'WX c = X'Wz -
    2 X'W 1_S (z + offset), z the working response less the offset (which includes ``value`` x_j): (X'WX, X'Wz,
    the vectors X'W 1_S (z + offset) of the groups as rows, each group's rows with weight, the rows with weight)."""
    Xo = blk.X.select(others)
    off = blk.offset + value * blk.X.column(j)
    _, w, z = _working_rows(blk, family, Xo, off, coef)
    used = np.isfinite(w) & (w > 0) & np.isfinite(z)
    w, z = np.where(used, w, 0.0), np.where(used, z, 0.0)
    G, u = Xo.gram_score(w, z)
    wz = w * (z + np.where(used, off, 0.0))
    keys = {t: _cell_keys(blk, terms[t], tags[t]) for t in sorted({g[0] for g in groups})}
    negative = Xo.matvec(coef) + off < 0
    flips = np.zeros((len(groups), others.size))
    rows = np.zeros(len(groups), dtype=np.int64)
    for g, (t, key, complement, absolute) in enumerate(groups):
        on = (keys[t] != key if complement else keys[t] == key)
        on = (on ^ negative if absolute else on) & used
        rows[g] = np.count_nonzero(on)
        if rows[g]:
            flips[g] = Xo.rmatvec(np.where(on, wz, 0.0))
    return G, u, flips, rows, int(np.count_nonzero(used))


def merge_flips(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]


def pinned_part(blk, family, j: int, others: np.ndarray, value: float, coef: np.ndarray,
                 checks: tuple[np.ndarray, ...]) -> tuple:
    """A block's share of a step from ``coef`` that pins rows back inside the domain: the weighted normal
    equations of the rows valid at ``coef`` and at every one of ``checks`` (IRLS weights and working response at
    ``coef``), and separately those of the other rows, with unit weights and the target g(mu_start) (the
    family's starting mean, inside the domain).  Each as (X'WX, X'Wz); then whether any row is valid.  A row of
    prior weight 0 is pinned only where it is outside: it has no say in the fit, but the engine (as R's
    ``glm.fit``, whose ``valideta``/``validmu`` see every row) needs its mean inside too."""
    Xo = blk.X.select(others)
    used = blk.weights > 0
    with np.errstate(all="ignore"):
        off = blk.offset + value * blk.X.column(j)
        bad = np.zeros(len(off), dtype=bool)
        for c in checks:
            m = family.link.inverse(Xo.matvec(c) + off)
            bad |= ~(np.isfinite(m) & family.mu_domain.contains(m))
        _, w, z = _working_rows(blk, family, Xo, off, coef)
        ok = used & ~bad & np.isfinite(w) & (w > 0) & np.isfinite(z)
        target = family.link.link(family.start_mu(blk.y, blk.weights)) - off
        pin = ((used & ~ok) | bad) & np.isfinite(target)
    G, u = Xo.gram_score(np.where(ok, w, 0.0), np.where(ok, z, 0.0))
    Gp, up = Xo.gram_score(pin.astype(float), np.where(pin, target, 0.0))
    return G, u, Gp, up, bool(ok.any())


def merge_pinned(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] or b[4]


def valid_part(blk, family, j: int, others: np.ndarray, value: float, coef: np.ndarray) -> bool:
    """Whether ``coef`` is a valid start on the block by the engine's own rule (:func:`~glmstat.engine.kernel.
    generic`): every row's linear predictor and mean inside the domain, rows of prior weight 0 included (as R's
    ``glm.fit``, whose ``valideta``/``validmu`` see every row).  A start valid on the weighted rows only is one
    that the refit refuses."""
    return generic(family, blk.y, blk.weights, _refit_eta(blk, j, others, coef, value)).valid
