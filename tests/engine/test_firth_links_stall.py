"""method="firth" with links other than the logit where the quasi-Fisher iteration does not converge.

The logit fit finishes a stalled iteration by quasi-Newton steps on the penalised log-likelihood, whose gradient is
the adjusted score U*; for the probit, cloglog and cauchit links U* is no gradient, and they had no finish.  On 200
small random designs (10 to 45 rows: near separation, fractional prior weights, a factor of levels of 2 to 4 rows,
some all 0 or all 1) the iteration oscillated with steps of 0.5 to 1 on a level's coefficient, or crawled, and
stopped unconverged after 100 steps in 62 cauchit, 2 probit and 2 cloglog fits, up to 0.1 of the deviance away from
brglm2's root.  A fit of these links that the iteration leaves unconverged now finishes by Newton's steps on U* = 0
(GMRES on differences of U*, halved until U*' M U* falls): 55 of the cauchit fits and all the others converge, and the
598 fits that converged are unchanged.  Seven cauchit fits of those 200 designs still ended unconverged: the relaxed
quasi-Fisher steps caught in a 2-cycle away from the root, Newton's finish from its end descending U*' M U* towards
infinity, where the cauchit's U* vanishes.  They now start again with damped steps (a quarter of the quasi-Fisher step,
brglm2's slowit = 0.25) and Newton's finish from their end: six reach brglm2's root (cauchit_d83 ... cauchit_d187), the
seventh another root (fixtures/firth_cauchit_roots, cauchit_d143).

Which of those seven went that way was rounding's: on an AVX2 processor without AVX-512 cauchit_d92's Newton finish
from the 100th quasi-Fisher step converged (no warning) to another root, deviance 14.0964363 (coefficients 10.400755,
12.907245, -7.502166, ...), where brglm2's root is 23.15402, 30.051299, -16.316497, ... (deviance 10.4956996).  That
point is a root of brglm2's adjusted score too: brglm2 started there (to 10 digits) stays, at slowit = 0.1 in 122
iterations and at slowit = 1 in 10, to 2.3e-14 of each other (fixtures/firth_links_stall/other_root,
make_firth_links_other_root.R).  The undamped iteration wanders about it, a root that repels it: a change of 1e-15 in
the start grows about 1.4 times a step (1e-11 at step 40, 4e-5 at 80, 5e-2 at 100), and of 40 starts so perturbed 35
reached that root, 5 brglm2's.  R's brglm2 is not so: at slowit = 0.1 it reaches its root from the data in 8 row
orders (426 to 433 iterations; at 0.25 and 1 it runs off in all 8).  So the damped steps from the start now come
first (then Newton's finish, from the undamped end only where they do not converge): their path does not depend on
the rounding (8 of 8 perturbed starts at brglm2's root in 97 steps), they reach brglm2's root on all 14 designs
here, and the fits of fixtures/firth_cauchit_roots give the roots they gave.  The other root stays one for glmstat:
started there it stays (test_another_root_of_the_cauchit_adjusted_score_holds_a_fit_started_there).

R 4.2 (fixtures/firth_links_stall, make_firth_links_stall.R): brglm2's brglmFit, type = "AS_mean", epsilon 1e-12,
at slowit = 0.25 where its default slowit = 1 runs off (coefficients of 1e293 and more after 3 steps); each root is
the one a second fit at slowit = 0.1 reaches too (the record ``check``), not one of several that a path picks.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES

HERE = FIXTURES / "firth_links_stall"
CASES = {c["id"]: c for c in json.loads((HERE / "cases.json").read_text())}


def _ref(case_id: str) -> dict:
    ref = json.loads((HERE / "r" / f"{case_id}.json").read_text())
    assert ref["converged"] and ref["check"]["converged"] and ref["check"]["max_rel_diff"] < 1e-10
    return ref


def _values(xs) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in xs], dtype=float)


def _fit(case_id: str, data) -> gs.GLMResults:
    case = CASES[case_id]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(case["formula"], data, family=gs.Binomial(link=case["link"]), method="firth", tol=1e-12,
                     max_iter=100, weights=case.get("weights"))
    assert not [w for w in caught if issubclass(w.category, gs.ConvergenceWarning)]
    return fit


def _check(fit: gs.GLMResults, ref: dict) -> None:
    assert fit.converged
    np.testing.assert_allclose(fit.coef.to_numpy(), _values(ref["coefficients"]), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(fit.std_errors.to_numpy(), _values(ref["std_errors"]), rtol=1e-7)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance], [ref["deviance"], ref["null_deviance"]],
                               rtol=1e-9)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bias_reduced_fit_of_a_stalled_link_reaches_brglm2s_root(case_id):
    _check(_fit(case_id, pd.read_csv(HERE / "data" / f"{case_id}.csv")), _ref(case_id))


def test_another_root_of_the_cauchit_adjusted_score_holds_a_fit_started_there():
    """cauchit_d92's second root (deviance 14.0964363), where brglm2 started near it stays (other_root/cauchit_d92.json,
    R 4.2.2, brglm2 0.9, slowit 0.1, checked at slowit 1): glmstat's fit from R's coefficients stays there too."""
    ref = json.loads((HERE / "other_root" / "cauchit_d92.json").read_text())
    assert ref["converged"] and ref["check"]["converged"] and ref["check"]["max_rel_diff"] < 1e-10
    case = CASES["cauchit_d92"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = gs.glm(case["formula"], pd.read_csv(HERE / "data" / "cauchit_d92.csv"),
                     family=gs.Binomial(link=case["link"]), method="firth", tol=1e-12, max_iter=100,
                     weights=case["weights"], start=ref["coefficients"])
    assert not [w for w in caught if issubclass(w.category, gs.ConvergenceWarning)]
    _check(fit, ref)
    assert abs(fit.deviance - _ref("cauchit_d92")["deviance"]) > 3.0  # (not brglm2's own root)
