"""glmstat.sklearn: scikit-learn's estimator checks, equality with scikit-learn's L2 objectives, the elastic
net against saga, R's unpenalized fits through formulas, and inference only where it is valid.

References: scikit-learn's own estimators (LogisticRegression, PoissonRegressor, saga), R 4.2's glm
(tests/fixtures/r), the seed article's published figures, and closed forms (D^2 of the Gaussian = R^2).
"""

from __future__ import annotations

import json
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor  # noqa: E402
from sklearn.metrics import accuracy_score, d2_tweedie_score, mean_absolute_error, r2_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import glmstat as gs  # noqa: E402
from glmstat.sklearn import ConvergenceWarning, GLMClassifier, GLMRegressor, NoInferenceError, glm_path  # noqa: E402

from conftest import FIXTURES, family_of, load_data, load_ref  # noqa: E402


# -- the seed article's data ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    Xtr, Xte, ytr, yte = train_test_split(data.data, data.target, test_size=0.2, random_state=42,
                                          stratify=data.target)
    sc = StandardScaler().fit(Xtr)
    return sc.transform(Xtr), sc.transform(Xte), ytr, yte


@pytest.fixture(scope="module")
def visits():
    # the seed's simulation, bundled (test_datasets checks the file against the seed's code)
    d = gs.load_dataset("customer_visits")
    X = d[["advertising", "temperature", "weekend"]].to_numpy(dtype=float)
    return train_test_split(X, d["visits"].to_numpy(), test_size=0.2, random_state=42)


# -- scikit-learn's estimator checks --------------------------------------------------------------------
@pytest.mark.parametrize("estimator", [
    GLMClassifier(),
    GLMClassifier(family=gs.Binomial(link="probit"), alpha=0.01, l1_ratio=0.5, class_weight="balanced"),
    GLMRegressor(),
    GLMRegressor(family=gs.Poisson()),
    GLMRegressor(family=gs.Gamma(link="log"), alpha=0.05, l1_ratio=1.0),
], ids=["classifier", "probit-enet-balanced", "gaussian", "poisson", "gamma-lasso"])
def test_check_estimator(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        check_estimator(estimator)


# -- the same L2 objectives as scikit-learn -------------------------------------------------------------
def coefs(est):
    return np.r_[np.ravel(est.intercept_), np.ravel(est.coef_)]


def test_logistic_regression_equals_sklearn_and_the_seed(cancer):
    Xtr, Xte, ytr, yte = cancer
    est = GLMClassifier(alpha=1.0 / len(ytr)).fit(Xtr, ytr)  # alpha = 1 / (C n), C = 1
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(Xtr, ytr)
    assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-6
    # scikit-learn's Newton solver converges tighter than its default lbfgs
    newton = LogisticRegression(C=1.0, tol=1e-12, max_iter=1000, solver="newton-cholesky").fit(Xtr, ytr)
    assert np.max(np.abs(coefs(est) - coefs(newton))) < 1e-9
    # the seed article's figures
    assert round(accuracy_score(yte, est.predict(Xte)), 4) == 0.9825
    assert round(roc_auc_score(yte, est.predict_proba(Xte)[:, 1]), 4) == 0.9954


def test_poisson_regressor_equals_sklearn_and_the_seed(visits):
    Xtr, Xte, ytr, yte = visits
    est = GLMRegressor(family=gs.Poisson(), alpha=0.1).fit(Xtr, ytr)
    ref = PoissonRegressor(alpha=0.1, tol=1e-12, max_iter=100000).fit(Xtr, ytr)
    assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-6
    assert np.round(coefs(est), 4).tolist() == [1.9958, 0.0201, 0.0102, 0.4968]
    assert round(mean_absolute_error(yte, est.predict(Xte)), 4) == 4.3530


def test_sample_weights_and_class_weights_as_sklearn(cancer):
    Xtr, _, ytr, _ = cancer
    sw = np.random.default_rng(0).uniform(0.2, 3.0, ytr.size)
    C = 0.5
    est = GLMClassifier(alpha=1.0 / (C * sw.sum())).fit(Xtr, ytr, sample_weight=sw)
    ref = LogisticRegression(C=C, tol=1e-12, solver="newton-cholesky", max_iter=1000).fit(Xtr, ytr, sample_weight=sw)
    assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-9
    # class_weight="balanced": n / (2 * bincount(y)) multiplied into the sample weights
    est = GLMClassifier(alpha=1.0 / (C * ytr.size), class_weight="balanced").fit(Xtr, ytr)
    ref = LogisticRegression(C=C, class_weight="balanced", tol=1e-12, solver="newton-cholesky").fit(Xtr, ytr)
    assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-9
    w = ytr.size / (2 * np.bincount(ytr))
    by_hand = GLMClassifier(alpha=1.0 / (C * ytr.size)).fit(Xtr, ytr, sample_weight=w[ytr])
    assert np.array_equal(coefs(est), coefs(by_hand))


def test_elastic_net_objective_no_larger_than_saga(cancer):
    Xtr, _, ytr, _ = cancer
    C, l1 = 0.05, 0.5
    alpha = 1.0 / (C * ytr.size)

    def objective(b0, b):
        eta = b0 + Xtr @ b
        return np.mean(np.logaddexp(0, eta) - ytr * eta) + alpha * (l1 * np.abs(b).sum() + (1 - l1) / 2 * b @ b)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # penalty= is deprecated in recent scikit-learn
        ref = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=l1, C=C, tol=1e-10,
                                 max_iter=200000).fit(Xtr, ytr)
    est = GLMClassifier(alpha=alpha, l1_ratio=l1).fit(Xtr, ytr)
    mine, theirs = objective(est.intercept_[0], est.coef_[0]), objective(ref.intercept_[0], ref.coef_[0])
    assert mine <= theirs * (1 + 1e-8)
    assert np.sum(est.coef_ == 0) > 0 and np.sum(est.coef_ != 0) > 0  # sparse, exactly
    # optimality: the subgradient of the objective contains zero
    mu = 1 / (1 + np.exp(-(est.intercept_[0] + Xtr @ est.coef_[0])))
    g = Xtr.T @ (mu - ytr) / ytr.size + alpha * (1 - l1) * est.coef_[0]
    b, lam = est.coef_[0], alpha * l1
    viol = np.where(b != 0, np.abs(g + lam * np.sign(b)), np.maximum(np.abs(g) - lam, 0))
    assert max(viol.max(), abs(np.mean(mu - ytr))) < 1e-9


# -- inference only where it is valid -------------------------------------------------------------------
def test_unpenalized_fit_offers_glmstat_results(visits):
    Xtr, _, ytr, _ = visits
    est = GLMRegressor(family=gs.Poisson()).fit(Xtr, ytr)
    res = est.results_
    assert isinstance(res, gs.GLMResults)
    assert np.allclose(res.coef.to_numpy(), coefs(est), rtol=1e-8, atol=0)
    assert list(res.coef.index) == ["Intercept", "x0", "x1", "x2"]
    assert np.all(np.isfinite(res.std_errors.to_numpy()))
    assert "Coefficients:" in str(res.summary())
    assert est.results_ is res  # computed once


def test_unpenalized_results_use_feature_names_and_weights():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"mean radius": rng.normal(size=200), "dose": rng.normal(size=200)})
    y = np.where(rng.random(200) < 1 / (1 + np.exp(-X["dose"])), "sick", "well")
    sw = rng.integers(1, 4, 200).astype(float)
    est = GLMClassifier().fit(X, y, sample_weight=sw)
    res = est.results_
    assert [c.strip("`") for c in res.coef.index] == ["Intercept", "mean radius", "dose"]  # R quotes names
    assert np.allclose(res.coef.to_numpy(), coefs(est), rtol=1e-8)
    # integer weights are repeated rows, for the estimates and for the standard errors
    rep = GLMClassifier().fit(X.loc[X.index.repeat(sw.astype(int))], np.repeat(y, sw.astype(int)))
    assert np.allclose(rep.results_.std_errors.to_numpy(), res.std_errors.to_numpy(), rtol=1e-8)


@pytest.mark.parametrize("names", [["Intercept", "b"], ["a`b", "x0"], ["ab", "a\\b"], ["a b\\", "ab"],
                                   ["\u2118", "b"], ["", "b"]],
                         ids=["intercept", "backtick", "backslash", "trailing-backslash", "identifier-not-r-name",
                              "empty"])
def test_results_keep_every_feature_whatever_its_name(names):
    # a feature named like the intercept's column, one renamed (a backtick) onto another's name, or one with a
    # backslash (quoted unescaped, `a\b` was the column ab: a model without the feature), or a Python identifier
    # the formula lexer does not read as a name (U+2118, written bare, was a FormulaError), or an empty name
    # (quoted as ``, "an empty backtick name", a FormulaError): results_ still has one coefficient per feature
    # besides the intercept, equal to the estimator's
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=names)
    y = np.exp(0.2 + 0.3 * X.iloc[:, 0]) + rng.normal(size=60) * 0.1
    est = GLMRegressor().fit(X, y)
    res = est.results_
    assert len(set(res.coef.index)) == 3
    assert np.allclose(res.coef.to_numpy(), coefs(est), rtol=1e-8)


def test_penalized_fit_refuses_standard_errors(visits):
    Xtr, _, ytr, _ = visits
    est = GLMRegressor(family=gs.Poisson(), alpha=0.1).fit(Xtr, ytr)
    with pytest.raises(NoInferenceError, match="biases the estimates"):
        est.results_
    assert not hasattr(est, "results_")


# -- formulas: R's unpenalized fits, and pipelines ------------------------------------------------------
@pytest.mark.parametrize("case", ["ships_offset", "insectsprays_sqrt", "clotting_gamma", "quine_tweedie"])
def test_formula_regressor_matches_r(case):
    ref = load_ref(case)
    est = GLMRegressor(family=family_of(ref["family"]), formula=ref["formula"]).fit(load_data(ref["data"]))
    assert ref["coef_names_r"][0] == "(Intercept)"
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("case", ["pima_cloglog_factor_response", "mtcars_logit"])
def test_formula_classifier_matches_r(case):
    ref = load_ref(case)
    data = load_data(ref["data"])
    est = GLMClassifier(family=family_of(ref["family"]), formula=ref["formula"]).fit(data)
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6, atol=1e-10)
    # classes from the response column; the event is the second level, as R's factor response
    response = ref["formula"].split("~")[0].strip()
    assert list(est.classes_) == sorted(data[response].unique())
    proba = est.predict_proba(data.iloc[[r - 1 for r in ref["predict_rows"]]])[:, 1]
    assert np.allclose(proba, ref["predict_response"], rtol=1e-6)


def test_formula_fit_predict_and_errors():
    rng = np.random.default_rng(5)
    n = 240
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n), "t": rng.uniform(1, 3, n)})
    df["y"] = rng.poisson(df["t"] * np.exp(0.2 + 0.4 * df["x"] + 0.5 * (df["g"] == "b")))
    before = df.copy()
    two_sided = GLMRegressor(family=gs.Poisson(), formula="y ~ x + C(g) + offset(log(t))").fit(df)
    two_sided.results_
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is not modified
    one_sided = GLMRegressor(family=gs.Poisson(),
                             formula="~ x + C(g) + offset(log(t))").fit(df.drop(columns="y"), df["y"])
    assert np.array_equal(coefs(two_sided), coefs(one_sided))
    assert two_sided.coef_names_ == ("x", "C(g)[T.b]", "C(g)[T.c]")
    ref = gs.glm("y ~ x + C(g) + offset(log(t))", df, family=gs.Poisson())
    assert np.allclose(coefs(two_sided), ref.coef.to_numpy(), rtol=1e-8)
    new = df.iloc[:4].drop(columns="y")
    assert np.allclose(two_sided.predict(new), ref.predict(new).to_numpy(), rtol=1e-8)  # offset re-applied
    unseen = new.assign(g=["a", "b", "zz", "c"])
    with pytest.raises(gs.DataError, match="zz"):
        two_sided.predict(unseen)
    with pytest.raises(ValueError, match="missing"):
        two_sided.predict(new.assign(x=[1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="not both"):
        GLMRegressor(family=gs.Poisson(), formula="y ~ x").fit(df, df["y"])
    # (the message said na_action='raise', an argument the estimators do not have)
    with pytest.raises(ValueError, match=r"missing values in 1 row \(x: 1\); the estimators do not drop rows"):
        GLMRegressor(family=gs.Poisson(), formula="y ~ x").fit(df.assign(x=np.where(df.index == 2, np.nan, df.x)))
    with pytest.raises(ValueError, match="fit_intercept=False"):
        GLMRegressor(family=gs.Poisson(), formula="y ~ x", fit_intercept=False).fit(df)
    no_intercept = GLMRegressor(family=gs.Poisson(), formula="y ~ x + C(g) - 1").fit(df)
    assert no_intercept.intercept_ == 0.0 and len(no_intercept.coef_) == 4  # a column per level, as R
    assert two_sided.score(df) == pytest.approx(two_sided.score(df.drop(columns="y"), df["y"]))


def test_formula_in_a_pipeline_and_cross_validation():
    rng = np.random.default_rng(6)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-(df["x"] + (df["g"] == "b")))), "yes", "no")
    log_x = FunctionTransformer(lambda d: d.assign(lx=np.log1p(np.abs(d["x"]))))
    pipe = make_pipeline(log_x, GLMClassifier(formula="~ x + lx + C(g)", alpha=0.01))
    scores = cross_val_score(pipe, df, y, cv=3)
    assert scores.shape == (3,) and np.all((scores > 0.5) & (scores <= 1))
    pipe.fit(df, y)
    assert pipe[-1].coef_names_ == ("x", "lx", "C(g)[T.b]")
    assert set(pipe.predict(df.iloc[:10])) <= {"no", "yes"}


# -- predictions and scores -----------------------------------------------------------------------------
def test_regressor_score_is_d2(visits):
    Xtr, Xte, ytr, yte = visits
    est = GLMRegressor(family=gs.Poisson(), alpha=0.1).fit(Xtr, ytr)
    assert est.score(Xte, yte) == pytest.approx(d2_tweedie_score(yte, est.predict(Xte), power=1), rel=1e-12)
    gauss = GLMRegressor().fit(Xtr, ytr)
    assert gauss.score(Xte, yte) == pytest.approx(r2_score(yte, gauss.predict(Xte)), rel=1e-12)  # D^2 = R^2


def test_classifier_outputs_for_a_non_logit_link(cancer):
    Xtr, Xte, ytr, _ = cancer
    est = GLMClassifier(family=gs.Binomial(link="cloglog"), alpha=0.01).fit(Xtr, ytr)
    p = est.predict_proba(Xte)
    assert np.allclose(p.sum(axis=1), 1.0)
    # log-odds of classes_[1], where neither probability is rounded or clamped (beyond, it keeps growing)
    inside = np.minimum(p[:, 0], p[:, 1]) > 1e-8
    assert 0 < inside.sum() < len(p)
    assert np.allclose(est.decision_function(Xte)[inside], np.log(p[inside, 1] / p[inside, 0]))
    assert np.all(np.abs(est.decision_function(Xte)[~inside]) > -np.log(1e-8))
    assert np.array_equal(est.predict(Xte), (est.decision_function(Xte) > 0).astype(int))
    assert np.allclose(est.predict_log_proba(Xte), np.log(p))
    assert est.coef_.shape == (1, Xtr.shape[1]) and est.intercept_.shape == (1,)


def test_refuses_more_than_two_classes_and_bad_families():
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        GLMClassifier().fit(X, np.arange(30) % 3)
    with pytest.raises(gs.FamilyError, match="binomial family"):
        GLMClassifier(family=gs.Poisson()).fit(X, np.arange(30) % 2)
    with pytest.raises(gs.FamilyError, match="theta"):
        GLMRegressor(family=gs.NegativeBinomial()).fit(X, np.arange(30))
    with pytest.raises(ValueError, match="y must lie in"):
        GLMRegressor(family=gs.Poisson()).fit(X, np.arange(30) - 5.0)


@pytest.mark.parametrize("y", [np.array(["a"] * 30), np.zeros(30, dtype=np.int64)], ids=["str", "int"])
def test_a_class_is_named_by_its_plain_value(y):
    """Messages show 'a' and 0, not numpy's reprs np.str_('a') and np.int64(0)."""
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match=r"^y has only one class \(" + re.escape(repr(y[0].item())) + r"\);"):
        GLMClassifier().fit(X, y)
    two = y.copy()
    two[:15] = "b" if y.dtype.kind == "U" else 1
    sw = np.where(np.arange(30) < 15, 0.0, 1.0)  # (the first class, 'b' or 1, has no weight)
    with pytest.raises(ValueError, match=r"^every sample of class " + re.escape(repr(two[0].item())) + " has"):
        GLMClassifier().fit(X, two, sample_weight=sw)


def test_pickle_round_trip_with_a_power_link():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3))
    y = rng.gamma(2.0, np.exp(0.3 * X[:, 0]))
    est = GLMRegressor(family=gs.Tweedie(1.7, 0.2), alpha=0.01).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    assert np.array_equal(back.predict(X), est.predict(X))


def test_not_converged_warns_for_both_libraries(cancer):
    Xtr, _, ytr, _ = cancer
    with pytest.warns(SkConvergenceWarning) as record:
        GLMClassifier(family=gs.Binomial(link="cauchit"), alpha=1e-3, max_iter=1).fit(Xtr, ytr)
    assert any(isinstance(r.message, gs.ConvergenceWarning) for r in record)
    assert issubclass(ConvergenceWarning, gs.ConvergenceWarning)


# -- paths ----------------------------------------------------------------------------------------------
def test_glm_path_is_a_warm_started_sequence_of_fits(cancer):
    Xtr, _, ytr, _ = cancer
    path = glm_path(Xtr, ytr, family=gs.Binomial(), l1_ratio=1.0, n_alphas=15, eps=1e-2)
    assert path.coefs.shape == (15, Xtr.shape[1])
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] > 5
    for k in (3, 9):
        single = GLMClassifier(alpha=path.alphas[k], l1_ratio=1.0).fit(Xtr, ytr)
        assert np.array_equal(single.coef_[0] == 0, path.coefs[k] == 0)
        assert np.allclose(single.coef_[0], path.coefs[k], atol=1e-8)


def test_unpenalized_separation_is_reported(cancer):
    Xtr, _, ytr, _ = cancer
    with pytest.warns(gs.SeparationWarning, match="diverge"):
        est = GLMClassifier().fit(Xtr, ytr)  # 30 features separate the 455 training tumours completely
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert est.results_.separation is not None  # glmstat.glm's own diagnosis agrees
    assert {r.category for r in record} == {gs.SeparationWarning, gs.ConvergenceWarning}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GLMClassifier().fit(Xtr[:, [20, 21, 27]], ytr)  # three features do not: a finite optimum
        GLMClassifier(alpha=1e-3).fit(Xtr, ytr)  # nor does any penalty


@pytest.mark.parametrize("param,match", [("alpha", "alpha must be a finite number >= 0"),
                                         ("l1_ratio", "l1_ratio must be a number in \\[0, 1\\]"),
                                         ("tol", "tol must be a positive number")])
def test_python_ints_beyond_double_precision_are_invalid_parameters(param, match):
    # float(10**400) raised OverflowError inside the parameter check
    X, y = np.arange(16.0).reshape(8, 2), np.array([1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3])
    with pytest.raises(ValueError, match=match):
        GLMRegressor(**{param: 10**400}).fit(X, y)


@pytest.mark.parametrize("value", [0.1, 1.0, -6.5377])
def test_a_constant_feature_gets_coefficient_zero(value):
    # A feature holding one value (a dummy constant within a CV fold) carries no information beside the
    # intercept: scikit-learn gives it 0.  Centering it by its rounded mean left a 1e-16 constant whose
    # coefficient came out 1e12 to 1e16 (the intercept cancelling it), with a RuntimeWarning from sqrt.
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=(100, 2)), np.full(100, value)]
    y = X[:, :2] @ [1.0, 2.0] + rng.normal(size=100)
    yb = (y > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        est = GLMRegressor().fit(X, y)
        clf = GLMClassifier().fit(X, yb)
    ref = LinearRegression().fit(X, y)
    assert est.coef_[2] == 0 and np.allclose(coefs(est), coefs(ref), rtol=1e-10, atol=1e-12)
    # (LogisticRegression splits the intercept between the two: compare with its fit without the column)
    ref = LogisticRegression(C=np.inf, tol=1e-12, solver="newton-cholesky").fit(X[:, :2], yb)
    assert clf.coef_[0, 2] == 0 and np.allclose(np.delete(coefs(clf), 3), coefs(ref), rtol=1e-8, atol=1e-10)


# -- formulas with wide factors: the structured design, never expanded ----------------------------------
@pytest.fixture(scope="module")
def wide_factor():
    rng = np.random.default_rng(7)
    n, levels = 3000, 40  # 3,000 x 41 cells: above the size fitted dense
    df = pd.DataFrame({"x": rng.normal(size=n) + 5, "g": rng.integers(0, levels, n).astype(str),
                       "t": rng.uniform(1, 2, n)})
    effect = rng.normal(scale=0.4, size=levels)[df["g"].astype(int)]
    df["y"] = rng.poisson(df["t"] * np.exp(-1.4 + 0.3 * df["x"] + effect))
    dummies = pd.get_dummies(df[["x", "g"]], columns=["g"], drop_first=True, dtype=float)  # R's coding
    return df, dummies, rng.integers(0, 3, n).astype(float)


def test_formula_factor_is_fitted_and_predicted_as_codes(wide_factor, monkeypatch):
    # A 300-level factor at 100,000 rows made a 240 MB dense design (15 s and 1.2 GB per fit where
    # glmstat.glm takes 0.3 s); the fit and predict now use the structured design's products.
    from glmstat.design.structured import StructuredDesign

    df, dummies, sw = wide_factor

    def refuse(self):
        raise AssertionError("the structured design was made dense")

    monkeypatch.setattr(StructuredDesign, "toarray", refuse)
    est = GLMRegressor(family=gs.Poisson(), alpha=0.01, formula="~ x + g").fit(df, df["y"], sample_weight=sw)
    ref = PoissonRegressor(alpha=0.01, tol=1e-12, solver="newton-cholesky").fit(dummies, df["y"], sample_weight=sw)
    assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-9
    assert np.allclose(est.predict(df), ref.predict(dummies), rtol=1e-9)


def test_formula_factor_elastic_net_with_offset_is_optimal(wide_factor):
    # the elastic net's optimality conditions on the one-hot design (R's coding), by hand: the subgradient
    # of the mean half deviance plus the penalty contains zero (glum agrees to 1e-12, but takes 30 s)
    df, dummies, sw = wide_factor
    alpha, l1 = 0.002, 0.5
    est = GLMRegressor(family=gs.Poisson(), alpha=alpha, l1_ratio=l1, formula="y ~ x + g + offset(log(t))")
    est.fit(df, sample_weight=sw)
    X, y = dummies.to_numpy(), df["y"].to_numpy()
    b0, b = est.intercept_, est.coef_
    mu = df["t"].to_numpy() * np.exp(b0 + X @ b)
    assert np.allclose(est.predict(df), mu, rtol=1e-12)  # the offset re-applied
    g = X.T @ (sw * (mu - y)) / sw.sum() + alpha * (1 - l1) * b
    viol = np.where(b != 0, np.abs(g + alpha * l1 * np.sign(b)), np.maximum(np.abs(g) - alpha * l1, 0))
    assert max(viol.max(), abs(sw @ (mu - y)) / sw.sum()) < 1e-9
    assert 0 < np.sum(b == 0) < b.size


@pytest.mark.parametrize("formula", ["~ x + C(g, sum)", "~ x + g"])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_formula_sum_contrasts_are_fitted_as_codes(formula, l1_ratio, monkeypatch):
    # C(g, sum) with 64 or more columns is stored as the cells' codes and a column map (glm() fits it so);
    # the estimators made it dense, 240 MB at 100,000 rows and 300 levels.  The penalty is on the contrast
    # coefficients: the same objective as scikit-learn's on the sum-coded columns built by hand.
    from glmstat.design.structured import StructuredDesign
    from glmstat.design.transformed import TransformedDesign

    rng = np.random.default_rng(11)
    n, L = 4000, 70
    df = pd.DataFrame({"x": rng.normal(size=n) + 3, "g": rng.integers(0, L, n).astype(str)})
    effect = rng.normal(scale=0.3, size=L)[df["g"].astype(int)]
    y = rng.poisson(np.exp(-1.0 + 0.2 * df["x"] + effect))
    levels = sorted(df["g"].unique())  # R's level order (text)
    if "sum" in formula:  # level j - the last level, for each level but the last
        X = np.column_stack([(df["g"] == lv).to_numpy(float) - (df["g"] == levels[-1]).to_numpy(float)
                             for lv in levels[:-1]])
    else:  # treatment: each level but the first
        X = np.column_stack([(df["g"] == lv).to_numpy(float) for lv in levels[1:]])
    X = np.column_stack([df["x"].to_numpy(), X])

    def refuse(self):
        raise AssertionError("the design was made dense")

    for cls in (StructuredDesign, TransformedDesign):
        monkeypatch.setattr(cls, "toarray", refuse)
    alpha = 0.002
    est = GLMRegressor(family=gs.Poisson(), alpha=alpha, l1_ratio=l1_ratio, formula=formula, tol=1e-10)
    est.fit(df, y)
    b0, b = est.intercept_, est.coef_
    mu = np.exp(b0 + X @ b)
    assert np.allclose(est.predict(df), mu, rtol=1e-12)
    # the optimality conditions of the mean half deviance plus the elastic net
    g = X.T @ (mu - y) / n + alpha * (1 - l1_ratio) * b
    viol = np.where(b != 0, np.abs(g + alpha * l1_ratio * np.sign(b)), np.maximum(np.abs(g) - alpha * l1_ratio, 0))
    assert max(viol.max(), abs(np.sum(mu - y)) / n) < 1e-9
    if l1_ratio == 0:
        ref = PoissonRegressor(alpha=alpha, tol=1e-12, solver="newton-cholesky", max_iter=1000).fit(X, y)
        assert np.max(np.abs(coefs(est) - coefs(ref))) < 1e-7


def test_glm_path_checks_its_arguments_as_the_estimators(cancer):
    # glm_path fitted a Poisson path to y = -1 and a path with l1_ratio=2 or alpha=-1 without a word, and
    # said nothing when fits stopped at max_iter; scikit-learn's PoissonRegressor refuses y = -1 too
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = np.r_[-1.0, np.arange(49) % 4]
    with pytest.raises(ValueError):
        PoissonRegressor().fit(X, y)
    with pytest.raises(ValueError, match="y must lie in"):
        glm_path(X, y, family=gs.Poisson(), n_alphas=3)
    with pytest.raises(ValueError, match="l1_ratio must be a number in"):
        glm_path(X, y + 1, l1_ratio=2.0, n_alphas=3)
    with pytest.raises(ValueError, match=re.escape("alphas[1] = -1")):
        glm_path(X, y + 1, alphas=[1.0, -1.0])
    with pytest.raises(ValueError, match="NaN"):
        glm_path(X, np.r_[np.nan, y[1:] + 1], family=gs.Poisson(), n_alphas=3)
    with pytest.raises(gs.FamilyError, match="glmstat family"):
        glm_path(X, y + 1, family="poisson", n_alphas=3)
    with pytest.raises(ValueError, match="n_alphas must be a positive integer of at most 10,000"):
        glm_path(X, y + 1, family=gs.Poisson(), n_alphas=10**9)  # (a 7.5 GB array of penalties: MemoryError)
    Xtr, _, ytr, _ = cancer
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        path = glm_path(Xtr, ytr, family=gs.Binomial(), n_alphas=4, max_iter=1)
    assert not path.fits[-1].converged


def test_regressor_score_refuses_y_outside_the_family(visits):
    # score() took any y: a Poisson fit scored y = -visits as -3.8e16 and a Gamma fit y = 0 as a finite D^2;
    # scikit-learn's D^2 refuses both, as fit does
    Xtr, Xte, ytr, yte = visits
    est = GLMRegressor(family=gs.Poisson()).fit(Xtr, ytr)
    with pytest.raises(ValueError):
        d2_tweedie_score(-yte, est.predict(Xte), power=1)
    with pytest.raises(ValueError, match="y must lie in"):
        est.score(Xte, -yte)
    gamma = GLMRegressor(family=gs.Gamma(link="log")).fit(Xtr, ytr + 1.0)
    with pytest.raises(ValueError):
        d2_tweedie_score(np.r_[0.0, yte[1:]], gamma.predict(Xte), power=2)
    with pytest.raises(ValueError, match="y must lie in"):
        gamma.score(Xte, np.r_[0.0, yte[1:]])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.score(Xte, yte[:10])
    sw = np.arange(yte.size) % 3.0  # (zero weights included)
    assert gamma.score(Xte, yte + 1.0, sample_weight=sw) == pytest.approx(
        d2_tweedie_score(yte + 1.0, gamma.predict(Xte), power=2, sample_weight=sw), rel=1e-12)


def test_a_tilde_inside_a_string_or_a_backtick_name_is_not_the_formulas():
    """The formula's '~' is found by glmstat's lexer: one inside a quoted string or a backtick-quoted name is
    part of it (``split("~")`` refused ``y ~ I(g == '~')`` as a formula with two)."""
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"y": rng.normal(size=30), "g": np.tile(["~", "a", "b"], 10), "c~": np.tile(["u", "v"], 15)})
    reg = GLMRegressor(formula="y ~ I(g == '~')").fit(df)
    assert np.allclose(reg.results_.coef.to_numpy(), gs.glm("y ~ I(g == '~')", df).coef.to_numpy(), rtol=1e-8)
    clf = GLMClassifier(formula="`c~` ~ I(g == '~')").fit(df)
    assert list(clf.classes_) == ["u", "v"] and 0 <= clf.score(df) <= 1


@pytest.mark.parametrize("formula,match", [
    ("y ~ x ~ z", "one '~'"), ("y x", "one '~'"), ("y ~ ", "nothing on the right"), (42, "must be None or a string"),
    ("y ~ x +", "ends where a term is expected"), ("y ~ x #", "'#'"), ("y ~ " + "x" * 30_000, "max_length"),
    ("y" + " + 0" * 600 + " ~ x", "max_depth"),
])
def test_a_bad_formula_is_refused_with_glmstats_formula_error(formula, match):
    """A FormulaError with glmstat's message (a ValueError too, as scikit-learn's conventions ask); the
    estimators raised a plain ValueError of their own for the formula's '~'."""
    df = pd.DataFrame({"y": [1.0, 2.0, 2.5, 4.0], "x": [0.0, 1.0, 2.0, 3.0]})
    with pytest.raises(gs.FormulaError, match=match) as info:
        GLMRegressor(formula=formula).fit(df)
    assert isinstance(info.value, ValueError)
    with pytest.raises(gs.FormulaError, match="names no column"):
        GLMClassifier(formula="`c~` ~ x").fit(df.assign(c=[0, 1, 0, 1]))


def test_predict_uses_the_fitted_family_until_the_next_fit():
    """set_params(family=...) takes effect at the next fit, as any parameter: predict applied the new
    family's inverse link to the coefficients fitted with the old one (2.76 became 15.86)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(80, 2))
    y = np.exp(0.5 + 0.3 * X[:, 0]) + rng.normal(size=80) * 0.1
    est = GLMRegressor(alpha=0).fit(X, y)
    before, score = est.predict(X), est.score(X, y)
    est.set_params(family=gs.Poisson())
    np.testing.assert_array_equal(est.predict(X), before)
    assert est.score(X, y) == score
    refit = est.fit(X, y).predict(X)
    assert not np.allclose(refit, before)  # (the next fit is Poisson's)
    clf = GLMClassifier().fit(X, (y > np.median(y)).astype(int))
    proba = clf.predict_proba(X)
    clf.set_params(family=gs.Binomial(link="cloglog"))
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_a_class_weight_of_zero_is_refused_as_a_class_of_zero_weights():
    """class_weight={True: 0, ...} left one class: the fit ran to an intercept of -23.6 with a separation
    warning, where zero sample weights for a class are refused."""
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(40, 2)), np.tile([True, False], 20)
    with pytest.raises(ValueError, match="class_weight gives class True the weight 0"):
        GLMClassifier(class_weight={True: 0, False: 1}).fit(X, y)


@pytest.mark.parametrize("case", ["labels", "zero_one"])
def test_a_dot_formula_leaves_the_class_column_out_as_r(case):
    """'y ~ .' over a frame holding the class column y: the 0/1 response was added under another name, so
    '.' read the labels as a predictor and the fit was of y on itself (separation; with alpha > 0 silently a
    perfect classifier).  R's glm, tests/fixtures/sklearn_formula_dot (make_sklearn_formula_dot.R)."""
    here = FIXTURES / "sklearn_formula_dot"
    ref = json.loads((here / "ref.json").read_text())[case]
    data = pd.read_csv(here / "data.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.SeparationWarning)
        est = GLMClassifier(formula=ref["formula"]).fit(data)
    assert est.coef_names_ == tuple(ref["coef_names"][1:])
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6, atol=1e-10)
    assert np.allclose(est.results_.coef.to_numpy(), ref["coefficients"], rtol=1e-6, atol=1e-10)
    penalized = GLMClassifier(formula=ref["formula"], alpha=0.01).fit(data)
    assert penalized.coef_names_ == tuple(ref["coef_names"][1:])
    # the class column under any name (one named 'self' is DataFrame.assign's own argument), the caller's
    # frame untouched
    renamed = data.rename(columns={"y": "self", "won": "self "})
    before = renamed.copy()
    formula = ref["formula"].replace("won", "`self `").replace("y ~", "self ~").replace("- y", "- self")
    est = GLMClassifier(formula=formula).fit(renamed)
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6, atol=1e-10)
    pd.testing.assert_frame_equal(renamed, before)


def test_regressor_score_of_a_constant_or_single_y_follows_r2_score():
    """D^2 of a y whose null deviance is 0 (a constant y: a CV fold of Poisson zeros) raised ZeroDivisionError,
    a single row too; a constant y with unequal weights gave -1.8e34 (its rounded weighted mean is another
    number).  Now scikit-learn's conventions for R^2 (which D^2 of the Gaussian is): 0.0 for an imperfect fit
    of a constant, 1.0 for a perfect one, nan with an UndefinedMetricWarning below two rows."""
    from sklearn.exceptions import UndefinedMetricWarning

    rng = np.random.default_rng(10)
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=30)
    gauss = GLMRegressor().fit(X, y)
    assert gauss.score(X, np.full(30, 3.0)) == r2_score(np.full(30, 3.0), gauss.predict(X)) == 0.0
    constant = np.full(30, 0.1)  # (r2_score gives -8.7e33: its mean of 0.1s is not 0.1)
    assert gauss.score(X, constant) == gauss.score(X, constant, sample_weight=rng.uniform(0.1, 3.0, 30)) == 0.0
    assert gauss.score(X, gauss.predict(X)) == 1.0
    pois = GLMRegressor(family=gs.Poisson()).fit(X, rng.poisson(2.0, 30))
    assert pois.score(X, np.zeros(30)) == 0.0
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(gauss.score(X[:1], y[:1]))


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog", "cauchit", "log"])
def test_decision_function_is_the_log_odds_beyond_the_clamped_probabilities(link):
    """decision_function took log(mu / (1 - mu)) from R's clamped mu: 36.04 for every probit eta beyond 8.13
    and every cloglog eta beyond 3.6 (403.4 at eta = 6), so the rows were tied for any ranking (the roc_auc
    scorer reads decision_function).  R's distribution functions, tests/fixtures/sklearn_log_odds
    (make_sklearn_log_odds.R)."""
    from glmstat.links import get_link
    from glmstat.sklearn._classifier import log_odds

    ref = json.loads((FIXTURES / "sklearn_log_odds" / "ref.json").read_text())
    eta = np.array(ref["eta_log" if link == "log" else "eta"])
    assert np.allclose(log_odds(eta, get_link(link)), ref[link], rtol=1e-12, atol=0)
    # the estimator: its decision function is the log-odds of its linear predictor, and positive where it
    # predicts classes_[1]
    rng = np.random.default_rng(11)
    X = rng.normal(size=(200, 1))
    y = np.where(rng.uniform(size=200) < 0.2 * np.exp(0.5 * X[:, 0]), "b", "a")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = GLMClassifier(family=gs.Binomial(link=link)).fit(X, y)
    new = (eta - est.intercept_[0])[:, None] / est.coef_[0, 0]
    decision = est.decision_function(new)
    assert np.allclose(decision, ref[link], rtol=1e-8, atol=1e-8)
    assert np.array_equal(est.predict(new), est.classes_[(decision > 0).astype(int)])


def test_a_categorical_class_column_is_read_in_its_level_order_as_r():
    """A two-sided formula over a Categorical class column with the levels ("low", "high", "none"): the
    classes were sorted, so "low" was the event and every coefficient had the opposite sign of R's glm (and
    of glmstat.glm, and of results_' own summary of the formula).  R's event is the second level held.
    R's glm, tests/fixtures/sklearn_factor_response (make_sklearn_factor_response.R)."""
    here = FIXTURES / "sklearn_factor_response"
    ref = json.loads((here / "ref.json").read_text())
    data = pd.read_csv(here / "data.csv")
    data["risk"] = pd.Categorical(data["risk"], categories=ref["levels"])
    est = GLMClassifier(formula=ref["formula"]).fit(data)
    assert list(est.classes_) == ["low", "high"]
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6, atol=1e-10)
    assert np.allclose(est.predict_proba(data)[:, 1], ref["fitted"], rtol=1e-6)
    assert np.allclose(gs.glm(ref["formula"], data, family=gs.Binomial()).coef.to_numpy(), ref["coefficients"],
                       rtol=1e-6)
    assert est.score(data) == np.mean(est.predict(data) == data["risk"].to_numpy())
    # labels passed as y, scikit-learn's way: sorted, as LogisticRegression sorts them ("high" is classes_[0])
    sk_way = GLMClassifier(formula="~ x + g").fit(data, data["risk"])
    assert list(sk_way.classes_) == ["high", "low"]
    assert np.allclose(coefs(sk_way), -np.asarray(ref["coefficients"]), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("formula", [None, "y ~ x2 + x1"])
def test_results_start_from_the_estimates_where_glm_cannot_start(formula):
    """A Gamma identity-link model the estimator fits but glm cannot start from the family's starting means
    (as R, which asks for start=): results_ raised that FitError, with no way to pass start.  It now starts
    from the estimator's coefficients.  R's glm from start = c(1, 0, 0), tests/fixtures/sklearn_results_start
    (make_sklearn_results_start.R)."""
    here = FIXTURES / "sklearn_results_start"
    ref = json.loads((here / "ref.json").read_text())
    data = pd.read_csv(here / "data.csv")
    with pytest.raises(gs.FitError, match="no valid set of coefficients"):
        gs.glm(ref["formula"], data, family=gs.Gamma(link="identity"))
    est = GLMRegressor(family=gs.Gamma(link="identity"), formula=formula)
    est = est.fit(data) if formula else est.fit(data[["x1", "x2"]], data["y"])
    res = est.results_
    order = [0, 1, 2] if formula is None else [0, 2, 1]  # (the formula's columns: x2 before x1)
    assert np.allclose(res.coef.to_numpy(), np.asarray(ref["coefficients"])[order], rtol=1e-6)
    assert np.allclose(res.std_errors.to_numpy(), np.asarray(ref["std_errors"])[order], rtol=1e-6)
    assert res.deviance == pytest.approx(ref["deviance"], rel=1e-8)
    assert res.dispersion == pytest.approx(ref["dispersion"], rel=1e-6)


def test_a_log_link_mean_above_one_is_refused_as_a_probability():
    """A log-binomial model predicts exp(eta) > 1 at new data beyond the fitted rows (R's predict returns it):
    predict_proba gave it as a probability (1.92 beside -0.92), decision_function nan.  Now predict_proba,
    predict and decision_function refuse such rows with R's mean in the message; rows inside keep R's means.
    R's glm and predict, tests/fixtures/sklearn_log_binomial (make_sklearn_log_binomial.R)."""
    here = FIXTURES / "sklearn_log_binomial"
    ref = json.loads((here / "ref.json").read_text())
    data = pd.read_csv(here / "data.csv")
    est = GLMClassifier(family=gs.Binomial(link="log")).fit(data[["x"]], data["y"])
    assert np.allclose(coefs(est), ref["coefficients"], rtol=1e-6)
    inside, beyond = pd.DataFrame({"x": ref["new_x"][:1]}), pd.DataFrame({"x": ref["new_x"]})
    assert est.predict_proba(inside)[0, 1] == pytest.approx(ref["predicted"][0], rel=1e-6)
    message = f"probability of class 'yes' is {ref['predicted'][1]:.6g} at row 1 of X"
    for method in (est.predict_proba, est.predict, est.decision_function, est.predict_log_proba):
        with pytest.raises(gs.DataError, match=re.escape(message)):
            method(beyond)


def test_regressor_score_without_y_says_so():
    """score(X) without y and without a two-sided formula said "Input y contains NaN" (None read as nan)."""
    rng = np.random.default_rng(12)
    df = pd.DataFrame({"a": rng.normal(size=30)})
    y = rng.poisson(np.exp(0.2 * df["a"]))
    for est in (GLMRegressor(family=gs.Poisson()).fit(df, y),
                GLMRegressor(family=gs.Poisson(), formula="~ a").fit(df, y)):
        with pytest.raises(gs.DataError, match="score needs the response y"):
            est.score(df)
    two_sided = GLMRegressor(family=gs.Poisson(), formula="y ~ a").fit(df.assign(y=y))
    assert two_sided.score(df.assign(y=y)) == two_sided.score(df, y)


@pytest.mark.parametrize("link", ["identity", "sqrt"])
def test_predict_refuses_a_row_where_the_model_gives_no_mean(link):
    """New data beyond the fitted rows can take the linear predictor out of the link's domain: R's predict
    gives the identity link's negative Poisson mean (-3.44; score was then nan) and the sqrt link's eta^2
    (0.09 from eta = -0.30, the other branch), and so did predict.  It now refuses such rows with R's linear
    predictor in the message; rows inside keep R's means.  R's glm and predict,
    tests/fixtures/sklearn_mean_domain (make_sklearn_mean_domain.R)."""
    here = FIXTURES / "sklearn_mean_domain"
    ref = json.loads((here / "ref.json").read_text())
    data = pd.read_csv(here / "data.csv")
    est = GLMRegressor(family=gs.Poisson(link=link)).fit(data[["x"]], data["y"])
    assert np.allclose(coefs(est), ref[link]["coefficients"], rtol=1e-6)
    new = pd.DataFrame({"x": ref["new_x"]})
    assert est.predict(new.iloc[:1])[0] == pytest.approx(ref[link]["mu"][0], rel=1e-6)
    message = f"no poisson mean at row 1 of X: linear predictor {ref[link]['eta'][1]:.6g}"
    with pytest.raises(gs.DataError, match=re.escape(message)):
        est.predict(new)
    with pytest.raises(gs.DataError, match=re.escape(message)):
        est.score(new, [2, 1])


def test_glm_path_warns_of_a_diverging_unpenalized_fit_as_the_estimator():
    """y = (x0 > 0) is completely separated by x0, so the unpenalized estimates are infinite: GLMClassifier
    warns, but glm_path(..., alphas=[..., 0]) returned coefficients of 607 and 48 as converged, silently."""
    rng = np.random.default_rng(13)
    X = rng.normal(size=(50, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(gs.SeparationWarning, match="the path's solution at alpha=0"):
        path = glm_path(X, y, family=gs.Binomial(), alphas=[0.1, 0.01, 0.0])
    with pytest.warns(gs.SeparationWarning, match="coef_ is where the iterations stopped"):
        GLMClassifier().fit(X, y)
    assert np.all(np.abs(path.coefs[:2]) < 10)
    noisy = (X[:, 0] + rng.normal(size=50) > 0).astype(int)  # (not separated: no warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", gs.SeparationWarning)
        glm_path(X, noisy, family=gs.Binomial(), alphas=[0.1, 0.0])


def test_results_of_many_features_with_long_names():
    """results_ refits an array fit through a formula it writes, one term per feature: 450 features of
    45-character names made 20,700 characters, above the formula limit, and results_ refused the model with
    "raise it with glm(..., limits=...)", which results_ cannot take.  Reference: least squares (closed
    form, the Gaussian MLE)."""
    rng = np.random.default_rng(14)
    n, p = 520, 450
    names = [f"measurement_{j:03d}_of_the_very_long_named_probe" for j in range(p)]
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=names)
    y = X.iloc[:, 0].to_numpy() + rng.normal(size=n)
    res = GLMRegressor().fit(X, y).results_
    ols = np.linalg.lstsq(np.c_[np.ones(n), X.to_numpy()], y, rcond=None)[0]
    assert len(res.coef) == p + 1 and np.allclose(res.coef.to_numpy(), ols, rtol=1e-6, atol=1e-9)


# -- hostile arguments: each refusal is glmstat's, naming the argument and the value ----------------------
_HUGE = 10**400  # (a Python int beyond double precision: float() of it raises OverflowError)
_HOSTILE_PARAMETERS = [
    ("alpha", _HUGE, "alpha"), ("alpha", float("nan"), "alpha"), ("alpha", "1", "alpha"), ("alpha", [1], "alpha"),
    ("l1_ratio", -_HUGE, "l1_ratio"), ("tol", pd.NA, "tol"), ("max_iter", 1e308, "max_iter"),
    ("fit_intercept", np.array([1.0]), "fit_intercept"),
    ("class_weight", {0: _HUGE}, "class_weight[0]"), ("class_weight", {0: float("nan")}, "class_weight[0]"),
    ("class_weight", {0: float("inf")}, "class_weight[0]"), ("class_weight", {0: "x"}, "class_weight[0]"),
    ("class_weight", {0: [1]}, "class_weight[0]"), ("class_weight", {0: -1}, "class_weight[0]"),
    ("class_weight", {5: 1}, "class_weight names 5"), ("class_weight", {"a": 1}, "class_weight names 'a'"),
    ("class_weight", "bal", "class_weight"), ("class_weight", ["balanced"], "class_weight"),
    ("class_weight", 3, "class_weight"),
    ("max_iter", np.timedelta64(5, "D"), "max_iter"),  # (an integer to numpy, whose int() raises TypeError)
]


@pytest.mark.parametrize("name, value, named", _HOSTILE_PARAMETERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(_HOSTILE_PARAMETERS)])
def test_a_hostile_parameter_is_refused_by_name(name, value, named):
    """A parameter of the wrong kind, NaN, infinite, or an int too large for a float is a glmstat error (a
    ValueError) naming it: class_weight={0: 10**400} escaped as an OverflowError, class_weight='bal' as
    sklearn's InvalidParameterError, {0: [1]} as numpy's "setting an array element with a sequence"."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
    for formula in (None, "~ a + b"):
        est = GLMClassifier(**{name: value}, formula=formula)
        data = X if formula is None else pd.DataFrame(X, columns=["a", "b"])
        with pytest.raises(gs.GLMStatError, match=re.escape(named)):
            est.fit(data, y)


_HOSTILE_DATA = [
    ("sample_weight", _HUGE, gs.DataError, "sample_weight an integer of about 1e400"),
    ("sample_weight", [_HUGE] * 30, gs.DataError, "sample_weight [an integer of about 1e400"),
    ("sample_weight", float("nan"), gs.DataError, "sample_weight[0] = nan"),
    ("sample_weight", np.full(30, np.inf), gs.DataError, "sample_weight[0] = inf"),
    ("sample_weight", -np.ones(30), gs.DataError, "sample_weight[0] = -1"),
    ("sample_weight", np.zeros(30), gs.DataError, "zero"),
    ("sample_weight", np.array(["a"] * 30), gs.DataError, "sample_weight"),
    ("sample_weight", pd.NA, gs.DataTypeError, "sample_weight a NAType"),
    ("sample_weight", {"a": 1}, gs.DataTypeError, "sample_weight a dict"),
    ("sample_weight", 1j, gs.DataError, "got 1j"),
    ("sample_weight", np.ones(29), gs.DataError, "numbers of at most 1e+100 (one per row), got shape (29,)"),
    ("X", [[_HUGE, 1.0]] * 30, gs.DataError, "X ([a list, a list"),
    ("X", [[{"a": 1}, 1.0]] * 30, gs.DataTypeError, "X ([a list, a list"),
    ("y", [_HUGE] * 30, gs.DataError, "y ("),
]


@pytest.mark.parametrize("estimator", ["classifier", "regressor", "path"])
@pytest.mark.parametrize("name, value, error, named", _HOSTILE_DATA,
                         ids=[f"{n}-{i}" for i, (n, _, _, _) in enumerate(_HOSTILE_DATA)])
def test_hostile_data_are_refused_by_name(estimator, name, value, error, named):
    """X, y and sample_weight that cannot be read as numbers, or are NaN, infinite, negative or all zero, are a
    glmstat error naming the argument and the value: an int beyond double precision escaped as an
    OverflowError, pd.NA or a dict as a TypeError (a DataTypeError now, which is a TypeError too, as
    scikit-learn's check_dtype_object asks), a NaN weight passed for n NaN weights."""
    rng = np.random.default_rng(0)
    args = {"X": rng.normal(size=(30, 2)), "y": rng.poisson(2, 30).astype(float), "sample_weight": None}
    if estimator == "classifier":
        args["y"] = (args["X"][:, 0] > 0).astype(int)
    args[name] = value
    fit = {"classifier": GLMClassifier().fit, "regressor": GLMRegressor(family=gs.Poisson()).fit,
           "path": lambda X, y, sample_weight: glm_path(X, y, family=gs.Poisson(), n_alphas=3,
                                                        sample_weight=sample_weight)}[estimator]
    with pytest.raises(error, match=re.escape(named)):
        fit(**args)


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_hostile_arguments_of_predict_and_score_are_refused_by_name(estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int) if estimator == "classifier" else rng.poisson(2, 30).astype(float)
    est = (GLMClassifier() if estimator == "classifier" else GLMRegressor(family=gs.Poisson())).fit(X, y)
    with pytest.raises(gs.DataError, match=re.escape("X ([a list]) is refused: int too large")):
        est.predict([[_HUGE, 1.0]])
    with pytest.raises(gs.DataTypeError, match=re.escape("X ([a list]) is refused: float() argument")):
        est.predict([[{"a": 1}, 1.0]])
    with pytest.raises(gs.DataError, match=re.escape("X has 1 features")):
        est.predict([[1.0]])
    for y_bad, named in ((_HUGE, "y (an integer of about 1e400)"), ([_HUGE] * 30, "y ([an integer of about 1e400"),
                         ("1", "y ('1')")):
        with pytest.raises(gs.DataError, match=re.escape(named)):
            est.score(X, y_bad)
    with pytest.raises(gs.DataError, match=re.escape("sample_weight an integer of about 1e400")):
        est.score(X, y, sample_weight=_HUGE)


@pytest.mark.parametrize("name, value, named", [
    ("alphas", [_HUGE], "alphas must be finite numbers >= 0, got an integer beyond double precision"),
    ("alphas", "abc", "alphas"), ("alphas", [1j], "alphas must be numbers, got alphas[0] = 1j"),
    ("alphas", [{"a": 1}], "alphas must be numbers, got alphas[0] = a dict"),
    ("n_alphas", _HUGE, "n_alphas"), ("eps", float("nan"), "eps"), ("eps", pd.NA, "eps"),
])
def test_hostile_path_arguments_are_refused_by_name(name, value, named):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.poisson(2, 30).astype(float)
    with pytest.raises(gs.FitError, match=re.escape(named)):
        glm_path(X, y, family=gs.Poisson(), **{name: value})


def test_score_of_a_formula_classifier_refuses_what_is_not_a_data_frame():
    """score read the class column from X before predict checked X: an array or None escaped as AttributeError
    ("'numpy.ndarray' object has no attribute 'columns'"), where the regressor's score refused it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    data = pd.DataFrame(X, columns=["a", "b"]).assign(y=(X[:, 0] > 0).astype(int))
    est = GLMClassifier(formula="y ~ a").fit(data)
    for bad, named in ((X, "a ndarray"), (None, "None"), ({"a": 1}, "a dict")):
        with pytest.raises(gs.DataError, match=re.escape(f"takes a pandas DataFrame, got {named}")):
            est.score(bad)
    assert est.score(data) == accuracy_score(data["y"], est.predict(data))
