"""scikit-learn estimators over glmstat's engine: every family and link, L2 / L1 / elastic-net penalties
with scikit-learn's objective, R formulas inside pipelines, and glmstat's inference for unpenalized fits.

Example::

    from glmstat.sklearn import GLMClassifier, GLMRegressor
    GLMRegressor(family=gs.Poisson(), alpha=0.1).fit(X, y)     # = PoissonRegressor(alpha=0.1)
    GLMClassifier(alpha=1 / (C * n)).fit(X, y)                 # = LogisticRegression(C=C)
    GLMRegressor(family=gs.Gamma(link="log"), formula="y ~ x + C(g)").fit(df).results_.summary()

Needs scikit-learn (the ``sklearn`` extra).
"""

from ._base import ConvergenceWarning, NoInferenceError
from ._classifier import GLMClassifier
from ._path import GLMPath, glm_path
from ._regressor import GLMRegressor

__all__ = ["GLMClassifier", "GLMRegressor", "glm_path", "GLMPath", "ConvergenceWarning", "NoInferenceError"]
