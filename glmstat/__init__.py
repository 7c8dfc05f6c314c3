"""glmstat: generalized linear models with R-exact numbers, an R-style formula interface, and honest
diagnostics.

>>> import glmstat as gs
>>> fit = gs.glm("passed ~ hours", gs.load_dataset("students"), family=gs.Binomial())  # doctest: +SKIP
>>> print(fit.summary())                                                               # doctest: +SKIP
"""

from .errors import (
    AliasingWarning,
    BoundaryWarning,
    ContrastsWarning,
    ConvergenceWarning,
    DataError,
    DataTypeError,
    DataWarning,
    DroppedRowsWarning,
    FamilyError,
    FitError,
    FormulaError,
    FormulaWarning,
    GLMStatError,
    GLMStatWarning,
    InvalidStartError,
    MissingDependencyError,
    PerfectFitWarning,
    ProfileWarning,
    SeparationWarning,
)

__version__ = "0.1.0"


#: Public names, imported on first use (PEP 562): ``import glmstat`` costs little more than numpy and pandas,
#: and a session pays for the layers it uses (tables need tabulate, figures matplotlib) when it first does.
_LAZY = {
    "glm": ".api", "GLMResults": ".inference.results", "FormulaLimits": ".formula.limits",
    **{name: ".families" for name in ("Family", "Gaussian", "Binomial", "Poisson", "Gamma", "InverseGaussian",
                                       "NegativeBinomial", "Tweedie", "QuasiPoisson", "QuasiBinomial", "Quasi")},
    "anova": ".inference.anova", "lrtest": ".inference.anova", "compare": ".report.compare",
    "plot_links": ".report.plots", "list_datasets": ".datasets", "load_dataset": ".datasets",
    "describe_dataset": ".datasets", "links": ".links",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'glmstat' has no attribute {name!r}")
    import importlib

    value = importlib.import_module(module, __name__)
    value = value if name == "links" else getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "glm", "GLMResults", "anova", "lrtest", "compare", "plot_links", "links", "load_dataset", "list_datasets",
    "describe_dataset", "FormulaLimits",
    "Family", "Gaussian", "Binomial", "Poisson", "Gamma", "InverseGaussian", "NegativeBinomial", "Tweedie",
    "QuasiPoisson", "QuasiBinomial", "Quasi",
    "GLMStatError", "FormulaError", "DataError", "DataTypeError", "FamilyError", "FitError", "InvalidStartError",
    "MissingDependencyError", "GLMStatWarning", "SeparationWarning", "ConvergenceWarning", "DroppedRowsWarning",
    "AliasingWarning",
    "BoundaryWarning", "PerfectFitWarning", "DataWarning", "ProfileWarning", "FormulaWarning", "ContrastsWarning",
]
