"""Profile-likelihood confidence intervals against R (exact roots of the signed root deviance, as
make_reference.R's profile_ci) for every reference case, other levels (fixtures/inference.json), closed forms
and degenerate fits."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glmstat as gs
from glmstat.inference.profile import ProfileWarning
from conftest import FIXTURES, all_case_ids, assert_close, family_of, load_data, load_ref, fit_ref

INFERENCE = {e["id"]: e for e in json.loads((FIXTURES / "inference.json").read_text())["entries"]}
CASES = [c for c in all_case_ids() if load_ref(c).get("confint_profile")]

_cache: dict = {}


def profile(case_id, level=0.95):
    """The fit and its profile intervals, computed once per module (each needs dozens of refits)."""
    key = (case_id, level)
    if key not in _cache:
        fit = fit_ref(load_ref(case_id))
        _cache[key] = (fit, fit.conf_int(level=level, method="profile"))
    return _cache[key]


@pytest.mark.parametrize("case_id", CASES)
def test_profile_intervals_match_r(case_id):
    want = load_ref(case_id)["confint_profile"]
    fit, ci = profile(case_id)
    assert list(ci.columns) == ["lower", "upper"]
    assert list(ci.index) == fit.column_names
    assert_close(ci, want, rtol=1e-5)


@pytest.mark.parametrize("entry_id", ["clotting_gamma_90", "budworm_cbind_99", "ships_offset_80"])
def test_profile_intervals_at_other_levels_match_r(entry_id):
    e = INFERENCE[entry_id]
    kw = {"family": family_of(e["family"]), "tol": 1e-12, "max_iter": 100}
    fit = gs.glm(e["formulas"][0], load_data(e["data"]), **kw)
    ci = fit.conf_int(level=e["level"], method="profile")
    assert_close(ci, np.column_stack([e["lower"], e["upper"]]), rtol=1e-5)


def test_limits_are_where_the_deviance_rises_by_q_squared_times_dispersion():
    """Refit through the public API with the coefficient of ldose fixed at each limit (as an offset)."""
    d = load_data("budworm")
    fit, ci = profile("budworm_cbind")
    q2 = stats.norm.ppf(0.975) ** 2
    for b in ci.loc["ldose"]:
        sub = gs.glm("cbind(numdead, numalive) ~ sex", d, family=gs.Binomial(), offset=b * d["ldose"], tol=1e-12)
        assert_close([sub.deviance - fit.deviance], [q2], rtol=1e-7)


def test_gaussian_identity_profile_equals_the_wald_interval():
    """The Gaussian deviance is quadratic in beta, so z(b) = (b - b_hat) / se exactly."""
    fit, ci = profile("anorexia_offset_gaussian")
    assert_close(ci, fit.conf_int(method="wald"), rtol=1e-9)


def test_aliased_coefficients_get_nan():
    d = load_data("mtcars")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.AliasingWarning)
        fit = gs.glm("mpg ~ cyl + disp + I(cyl + disp) + wt", d, tol=1e-12)
    ci = fit.conf_int(method="profile")
    assert ci.loc["I(cyl + disp)"].isna().all()
    kept = [n for n in fit.column_names if n != "I(cyl + disp)"]
    assert_close(ci.loc[kept], fit.conf_int().loc[kept], rtol=1e-9)


def test_rescaling_a_covariate_rescales_its_interval():
    d = load_data("clotting")
    fit, ci = profile("clotting_gamma")
    d2 = d.assign(lu10=np.log(d["u"]) / 10)
    ci2 = gs.glm("lot1 ~ lu10", d2, family=gs.Gamma(), tol=1e-12).conf_int(method="profile")
    assert_close(ci2.loc["lu10"], ci.loc["log(u)"] * 10, rtol=1e-8)
    assert_close(ci2.loc["Intercept"], ci.loc["Intercept"], rtol=1e-8)


SMALL_LEVEL = json.loads((FIXTURES / "profile_small_level" / "r.json").read_text())["cases"]


@pytest.mark.parametrize("case", SMALL_LEVEL, ids=lambda c: c["id"])
def test_intervals_at_levels_near_zero_have_the_closed_form_width(case):
    """Near the estimate z(b) = (b - b_hat) / se + O((b - b_hat)^2), se from the observed information (a
    canonical link's is summary.glm's): a level-L interval is 2 q se wide to O(q^2) and centred on b_hat to
    O(q se^2) (fixtures/profile_small_level, R's estimates and standard errors).  At L = 1e-8 the rise of the
    deviance there, q^2 phi = 1.6e-16 phi, is below the rounding of D(b) - D_hat: the limits were noise, up to
    14 q se from the estimate."""
    fam = {"binomial": gs.Binomial(), "poisson": gs.Poisson(), "gaussian": gs.Gaussian()}[case["family"]]
    fit = gs.glm(case["formula"], load_data(case["data"]), family=fam, tol=1e-12)
    b, se = np.array(case["estimates"]), np.array(case["std_errors"])
    for level, q in zip(case["levels"], case["q"]):
        ci = fit.conf_int(level=level, method="profile")
        lower, upper = ci["lower"].to_numpy(), ci["upper"].to_numpy()
        np.testing.assert_allclose((upper - lower) / (2 * q * se), 1.0, rtol=1e-6, atol=0)
        np.testing.assert_allclose(((upper + lower) / 2 - b) / (q * se), 0.0, atol=1e-3)


SEPARATED = json.loads((FIXTURES / "profile_separated" / "r.json").read_text())


def _r_limits(entry: dict) -> dict:
    """{(coefficient, side): R's limit} of a complete-separation entry, in glmstat's names."""
    return {(lim["coef"].replace("(Intercept)", "Intercept"), lim["side"]): lim["value"] for lim in entry["limits"]}


def test_complete_separation_gives_one_sided_intervals_with_a_warning():
    # hours separates passed (score is aliased): both coefficients diverge, each interval is unbounded on that
    # side and its other limit is where the profile deviance reaches q^2 above the supremum's 0 (R's refits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = fit_ref(load_ref("students_seed"))
    with pytest.warns(ProfileWarning, match="complete separation: no maximum-likelihood estimate exists"):
        ci = fit.conf_int(method="profile")
    want = _r_limits(SEPARATED["complete"]["students"])
    assert ci.loc["hours", "upper"] == np.inf and ci.loc["Intercept", "lower"] == -np.inf
    assert_close(ci.loc["hours", "lower"], want["hours", "lower"], rtol=1e-8)
    assert_close(ci.loc["Intercept", "upper"], want["Intercept", "upper"], rtol=1e-8)
    assert ci.loc["score"].isna().all()  # aliased


@pytest.mark.parametrize("data", ["in memory", "parquet"])
def test_complete_separation_leaves_the_columns_it_does_not_need_unbounded(data, tmp_path):
    # y2 = (x > 0.2): the intercept and x separate it without g, so g's likelihood is flat at the supremum; which
    # columns the separation needs takes linear programs over the rows, streamed rows gathered for them
    d = pd.read_csv(FIXTURES / "profile_separated" / "data" / "separated.csv")
    d["y2"] = (d["x"] > 0.2).astype(int)
    source = d
    if data == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "sep.parquet", row_group_size=120)  # (two chunks: each refit's pass reads both)
        source = str(tmp_path / "sep.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm("y2 ~ x + g", source, family=gs.Binomial())
    assert fit.separation.complete
    with pytest.warns(ProfileWarning, match="'g\\[T.b\\]', 'g\\[T.c\\]' unbounded: the other columns separate"):
        ci = fit.conf_int(method="profile")
    want = _r_limits(SEPARATED["complete"]["threshold"])
    assert_close(ci.loc["x", "lower"], want["x", "lower"], rtol=1e-8)
    assert_close(ci.loc["Intercept", "upper"], want["Intercept", "upper"], rtol=1e-8)
    assert ci.loc["x", "upper"] == np.inf and ci.loc["Intercept", "lower"] == -np.inf
    assert (ci.loc[["g[T.b]", "g[T.c]"], "lower"] == -np.inf).all()
    assert (ci.loc[["g[T.b]", "g[T.c]"], "upper"] == np.inf).all()


@pytest.mark.parametrize("data", ["in memory", "parquet"])
@pytest.mark.parametrize("case", ["logit", "poisson"])
def test_quasi_separation_profiles_the_other_coefficients_at_the_limit(case, data, tmp_path):
    """Quasi-complete separation by a level whose rows are all successes (all zero counts): its coefficient is
    unbounded on the side it diverges, its other limit where its profile deviance is q^2 above the limit's,
    and every other coefficient's interval is the limit profile's, the model's on the other rows (R's exact
    profiles; R's own confint on all the rows agrees to 4 digits for the logit and stops with an error for the
    Poisson fit)."""
    ref = SEPARATED[case]
    d = pd.read_csv(FIXTURES / "profile_separated" / "data" / "separated.csv")
    source = d
    if data == "parquet":
        pytest.importorskip("pyarrow")
        d.to_parquet(tmp_path / "sep.parquet", row_group_size=50)
        source = str(tmp_path / "sep.parquet")
    family = gs.Binomial() if ref["family"] == "binomial" else gs.Poisson()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.SeparationWarning)
        fit = gs.glm(ref["formula"], source, family=family)
    with pytest.warns(ProfileWarning, match="the other coefficients' intervals are those of the limit"):
        ci = fit.conf_int(method="profile")
    want = pd.DataFrame(ref["limits"], index=["lower", "upper"]).T
    assert_close(ci.loc[want.index], want, rtol=1e-8)
    diverging = ci.loc["g[T.c]"]
    finite = ref["diverging"]["side"]
    assert finite == ("lower" if case == "logit" else "upper")  # all successes: + inf; all zero counts: - inf
    assert diverging.drop(finite).item() == (np.inf if case == "logit" else -np.inf)
    assert_close(diverging[finite], ref["diverging"]["value"], rtol=1e-8)


def test_a_coefficient_only_the_separated_rows_determine_has_a_flat_profile():
    # z is nonzero only on the separated rows (level c): with those fitted exactly in the limit, whatever z's
    # coefficient, the likelihood puts no bound on it; the other intervals are as without z (R's, above)
    d = pd.read_csv(FIXTURES / "profile_separated" / "data" / "separated.csv")
    d["z"] = np.where(d["g"] == "c", np.random.default_rng(5).choice([-1.0, 1.0], len(d)), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.SeparationWarning)
        fit = gs.glm("y ~ x + g + z", d, family=gs.Binomial())
    assert fit.separation.columns == ("g[T.c]",)
    with pytest.warns(ProfileWarning, match="its other limit is where .*'z' unbounded"):
        ci = fit.conf_int(method="profile")
    assert list(ci.loc["z"]) == [-np.inf, np.inf]
    want = pd.DataFrame(SEPARATED["logit"]["limits"], index=["lower", "upper"]).T
    assert_close(ci.loc[want.index], want, rtol=1e-8)
    assert_close(fit.conf_int(method="profile", parm=["x"]).loc[["x"]], want.loc[["x"]], rtol=1e-8)


def test_wald_is_the_default_and_unknown_methods_are_refused():
    fit, _ = profile("clotting_gamma")
    pd.testing.assert_frame_equal(fit.conf_int(), fit.conf_int(method="wald"))
    with pytest.raises(gs.GLMStatError, match="unknown interval method"):
        fit.conf_int(method="bootstrap")
    with pytest.raises(gs.GLMStatError, match="level"):
        fit.conf_int(level=1.5, method="profile")
