"""glmstat: generalized linear models with R-exact numbers, an R-style formula interface, and honest
diagnostics.

>>> import glmstat as gs
>>> fit = gs.glm("passed ~ hours", gs.load_dataset("students"), family=gs.Binomial())  # doctest: +SKIP
>>> print(fit.summary())                                                               # doctest: +SKIP
"""

from . import links
from .inference.anova import anova, lrtest
from .api import glm
from .report.compare import compare
from .datasets import describe_dataset, list_datasets, load_dataset
from .errors import (
    AliasingWarning,
    BoundaryWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    DroppedRowsWarning,
    FamilyError,
    FitError,
    FormulaError,
    GLMStatError,
    MissingDependencyError,
    GLMStatWarning,
    PerfectFitWarning,
    SeparationWarning,
)
from .families import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
    Quasi,
    QuasiBinomial,
    QuasiPoisson,
    Tweedie,
)
from .formula.limits import FormulaLimits
from .inference.results import GLMResults

__version__ = "0.1.0"


def __getattr__(name: str):
    # plot_links lives with the figures; imported on first use so `import glmstat` stays light
    if name == "plot_links":
        from .report.plots import plot_links

        return plot_links
    raise AttributeError(f"module 'glmstat' has no attribute {name!r}")


__all__ = [
    "glm", "GLMResults", "anova", "lrtest", "compare", "plot_links", "links", "load_dataset", "list_datasets",
    "describe_dataset", "FormulaLimits",
    "Family", "Gaussian", "Binomial", "Poisson", "Gamma", "InverseGaussian", "NegativeBinomial", "Tweedie",
    "QuasiPoisson", "QuasiBinomial", "Quasi",
    "GLMStatError", "FormulaError", "DataError", "FamilyError", "FitError", "MissingDependencyError",
    "GLMStatWarning", "SeparationWarning", "ConvergenceWarning", "DroppedRowsWarning", "AliasingWarning",
    "BoundaryWarning", "PerfectFitWarning", "DataWarning",
]
