"""Profile limits of Tweedie fits whose link has an even inverse (mu = eta^2, mu = eta^-2), where the lowest refit
at a value has the signs of some rows' linear predictors negated.

The deviance depends on |eta| only, so a refit with one coefficient held has an optimum for each pattern of signs of
the rows' linear predictors that the other columns reach, and the profile deviance is the lowest of them.  The
refits warm-started from the estimate (and from its mirror image) follow one pattern, and the limits were too
narrow, without a warning: random cases of seed 815 (make_random_cases.py), whose limits R finds by refits from
many sign-flipped starts at each value (fixtures/profile_even_root, make_profile_even_root.R):

- s815_0043 (p = 1.5, mu = eta^-2, ``y ~ factor(k) + x1:g1``): factor(k)3's interval was +/-0.1621726, where R's
  lowest refit (the rows of level 3 negated) has z = 1.544; R's limits are +/-0.2149192.  So were factor(k)5's
  (+/-0.1052610, R's +/-0.1076932), x1:g1gamma's (+/-1.462738e-4, R's +/-1.627468e-4) and the intercept's upper limit
  (0.4810595, R's 0.4824283).
- s815_0104 (p = 1, mu = eta^2, ``y ~ factor(k) + I(x2^2)``): I(x2^2)'s lower limit was -0.01270524, where R's
  lowest refit (level 5 negated) has z = 1.845; R's limit is -0.01315647.

A limit found is now checked by refits from the estimate's refit there with the signs negated on each cell of each
term (a factor's level, and every row but the level's), and the search goes on along a lower one.  Three limits of
R's are still beyond glmstat's, each reached by R from random patterns of the rows' signs, not from a cell's (left
out below; make_random_cases.py's seed-815 record): s815_0043's intercept lower limit (glmstat 0.3268868, R
0.2962714), s815_0104's factor(k)3 (+/-0.9188380, R +/-0.9309030); and s815_0104's factor(k)5 lower limit, where
R's walk from the estimate meets the first crossing, -1.546218 (minus the upper limit), and glmstat's search steps
over the gap to the crossing of the set's other part, -4.395982.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, held_out_source, r_array

HERE = FIXTURES / "profile_even_root"
REF = {c["id"]: c for c in json.loads((HERE / "profile_even_root.json").read_text())["cases"]}
#: R's limits that glmstat's bounded starts do not reach (see the docstring): (case, coefficient, side)
NOT_REACHED = {("s815_0043", 0, 0), ("s815_0104", 2, 0), ("s815_0104", 2, 1), ("s815_0104", 3, 0)}


def _profile(case_id: str, path: str, tmp_path, monkeypatch, parm=None):
    """R's reference, glmstat's fit and its profile intervals (rows: ``parm``, default all), whose only warnings are
    that the profiles are symmetric (-beta gives the means beta gives) and, once, that a pattern of signs negating
    single rows may cross nearer the estimate (NOT_REACHED: those limits are too narrow)."""
    ref = REF[case_id]
    data = held_out_source(pd.read_csv(HERE / "data" / f"{case_id}.csv"), path, tmp_path, monkeypatch)
    fit = gs.glm(ref["formula"], data, family=gs.Tweedie(var_power=ref["var_power"], link_power=ref["link_power"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ci = fit.conf_int(method="profile", parm=parm).to_numpy()
    others = [str(w.message) for w in caught if "is symmetric" not in str(w.message)]
    assert len(others) == 1 and "negating single rows may cross nearer the estimate" in others[0]
    return ref, fit, ci


@pytest.mark.parametrize("case_id, path", [("s815_0043", "memory"), ("s815_0104", "memory"), ("s815_0043", "blocks"),
                                           ("s815_0104", "blocks"), ("s815_0043", "parquet")])
def test_the_limits_are_where_the_lowest_refit_crosses(case_id, path, tmp_path, monkeypatch):
    # (blocks: the design structured, its passes over blocks of 16 rows; parquet: row groups of 8)
    ref, fit, ci = _profile(case_id, path, tmp_path, monkeypatch)
    np.testing.assert_allclose(fit.coef, ref["coefficients"], rtol=1e-7)
    np.testing.assert_allclose(fit.deviance, ref["deviance"], rtol=1e-9)
    want = r_array(ref["confint_profile"])
    reached = np.array([[(case_id, j, side) not in NOT_REACHED for side in (0, 1)] for j in range(len(want))])
    np.testing.assert_allclose(ci[reached], want[reached], rtol=1e-6)


@pytest.mark.parametrize("case_id, name, side", [("s815_0043", "factor(k)3", 1), ("s815_0104", "I(x2^2)", 0)])
def test_the_limits_the_hunt_found_too_narrow_are_r_s(case_id, name, side, tmp_path, monkeypatch):
    # R's lowest refit at the old limit is inside the interval (z = 1.544, 1.845); the limit is beyond, where R's
    # crosses
    ref = REF[case_id]
    j = ref["names"].index(name)
    old = ref["one_branch_at"][name][-1]
    assert abs(ref["lowest_z_there"][name][-1]) < 1.9
    _, fit, ci = _profile(case_id, "memory", tmp_path, monkeypatch, parm=[gs_name(ref, j)])
    assert abs(ci[0, side]) > abs(old) * (1 + 1e-3)
    assert ci[0, side] == pytest.approx(r_array(ref["confint_profile"])[j, side], rel=1e-6)


def gs_name(ref: dict, j: int) -> str:
    """glmstat's name of R's column j (``factor(k)3`` is ``factor(k)[T.3]``)."""
    name = ref["names"][j]
    return "Intercept" if name == "(Intercept)" else name.replace("factor(k)", "factor(k)[T.") + (
        "]" if name.startswith("factor(k)") else "")


def test_a_lower_pattern_the_search_cannot_follow_is_warned_of(tmp_path, monkeypatch):
    # with no search along a lower branch allowed, the limit on the estimate's pattern is reported with a warning
    # that a refit from a start with signs negated is inside there, not as a silently narrow interval
    import glmstat.inference.profile as profile

    monkeypatch.setattr(profile, "_MAX_BRANCHES", 0)
    ref = REF["s815_0043"]
    j = ref["names"].index("factor(k)3")
    fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data" / "s815_0043.csv"),
                 family=gs.Tweedie(var_power=ref["var_power"], link_power=ref["link_power"]))
    with pytest.warns(gs.ProfileWarning, match="upper profile limit of 'factor.k..T.3.' may be too near the estimate"):
        ci = fit.conf_int(method="profile", parm=[gs_name(ref, j)]).to_numpy()
    assert ci[0, 1] < r_array(ref["confint_profile"])[j, 1] * (1 - 1e-3)
