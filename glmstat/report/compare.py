"""Side-by-side regression tables: the coefficients of several models with their standard errors (or
confidence intervals) and significance stars, and rows for the number of observations, deviance, AIC and
BIC -- the table that goes into papers and slides.

The table is built once as data (:class:`ModelComparison`: numbers per model, then formatted cells) and
rendered as text (``str``), Markdown, LaTeX (both via tabulate) or HTML; rendering computes nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from tabulate import SEPARATING_LINE, tabulate

from ..errors import GLMStatError

__all__ = ["compare", "ModelComparison"]

#: R's significance codes (without the "." for p < 0.1).
STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
STAT_ROWS = (("nobs", "Observations"), ("deviance", "Deviance"), ("aic", "AIC"), ("bic", "BIC"))


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    for cut, mark in STARS:
        if p < cut:
            return mark
    return ""


@dataclass(frozen=True)
class ModelComparison:
    """Coefficients and fit statistics of several models, side by side.

    Attributes
    ----------
    names : model (column) names
    estimates, std_errors, p_values, lower, upper : DataFrame
        One row per coefficient (in order of first appearance), one column per model; NaN where the model
        lacks the coefficient (``present`` is False) or it is aliased.
    present : DataFrame of bool
    statistics : DataFrame
        Rows nobs, deviance, aic, bic; one column per model.
    ci, level, digits, stars : how the cells are formatted.
    """

    names: tuple[str, ...]
    estimates: pd.DataFrame
    std_errors: pd.DataFrame
    p_values: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    present: pd.DataFrame
    statistics: pd.DataFrame
    ci: bool
    level: float
    digits: int
    stars: bool
    covariance: str

    # -- cells ---------------------------------------------------------------------------------------------
    def _num(self, x: float) -> str:
        return "NA" if not np.isfinite(x) else f"{x:.{self.digits}f}"

    def coefficient_rows(self) -> list[list[str]]:
        """Two rows per coefficient: the estimate (with stars) and its (se) or [lower, upper]."""
        rows = []
        for term in self.estimates.index:
            est, unc = [term], [""]
            for m in self.names:
                if not self.present.loc[term, m]:
                    est.append("")
                    unc.append("")
                    continue
                b = self.estimates.loc[term, m]
                est.append(self._num(b) + (_stars(self.p_values.loc[term, m]) if self.stars else ""))
                if not np.isfinite(b):
                    unc.append("(aliased)")
                elif self.ci:
                    unc.append(f"[{self._num(self.lower.loc[term, m])}, {self._num(self.upper.loc[term, m])}]")
                else:
                    unc.append(f"({self._num(self.std_errors.loc[term, m])})")
            rows += [est, unc]
        return rows

    def statistic_rows(self) -> list[list[str]]:
        """Observations, deviance, AIC, BIC (blank where the family has no likelihood)."""
        rows = []
        for key, label in STAT_ROWS:
            vals = self.statistics.loc[key]
            if key == "nobs":
                rows.append([label] + [f"{int(v):d}" for v in vals])
            else:
                rows.append([label] + [f"{v:.{min(self.digits, 2)}f}" if np.isfinite(v) else "" for v in vals])
        return rows

    @property
    def header(self) -> list[str]:
        return [""] + list(self.names)

    @property
    def note(self) -> str:
        """The footnote saying what the parentheses and the stars mean."""
        what = (f"{self.level:.0%} confidence intervals in brackets" if self.ci
                else f"standard errors{'' if self.covariance == 'model' else f' ({self.covariance})'} in parentheses")
        stars = "; " + ", ".join(f"{mark} p < {cut:g}" for cut, mark in reversed(STARS)) if self.stars else ""
        return what[0].upper() + what[1:] + stars + "."

    def to_frame(self) -> pd.DataFrame:
        """The formatted cells as a DataFrame of strings (first column: the row labels)."""
        return pd.DataFrame(self.coefficient_rows() + self.statistic_rows(), columns=[""] + list(self.names))

    # -- renderings ----------------------------------------------------------------------------------------
    def __str__(self) -> str:
        rows = self.coefficient_rows() + [SEPARATING_LINE] + self.statistic_rows()
        table = tabulate(rows, headers=self.header, tablefmt="simple", disable_numparse=True,
                         colalign=("left",) + ("right",) * len(self.names))
        return table + "\n" + self.note

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        """A pipe table (GitHub/pandoc Markdown) followed by the footnote."""
        rows = self.coefficient_rows() + self.statistic_rows()
        table = tabulate(rows, headers=self.header, tablefmt="pipe", disable_numparse=True,
                         colalign=("left",) + ("right",) * len(self.names))
        return table + "\n\n" + self.note

    def to_latex(self) -> str:
        """A booktabs tabular (needs ``\\usepackage{booktabs}``), a rule before the fit statistics and the
        footnote in a last spanning row."""
        coef = self.coefficient_rows()
        rows = coef + self.statistic_rows()
        lines = tabulate(rows, headers=self.header, tablefmt="latex_booktabs", disable_numparse=True,
                         colalign=("left",) + ("right",) * len(self.names)).splitlines()
        first_body = next(i for i, ln in enumerate(lines) if ln.strip() == r"\midrule") + 1
        lines.insert(first_body + len(coef), r"\midrule")
        note = self.note.replace("%", r"\%").replace("<", "$<$")
        end = next(i for i, ln in enumerate(lines) if ln.strip() == r"\bottomrule")
        lines.insert(end + 1, rf"\multicolumn{{{len(self.names) + 1}}}{{l}}{{\footnotesize {note}}} \\")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self.header)
        body = []
        for row in self.coefficient_rows():
            cells = "".join(f'<td style="text-align:right">{esc(c)}</td>' for c in row[1:])
            body.append(f'<tr><td style="text-align:left">{esc(row[0])}</td>{cells}</tr>')
        for k, row in enumerate(self.statistic_rows()):
            style = ' style="border-top:1px solid"' if k == 0 else ""
            cells = "".join(f'<td style="text-align:right">{esc(c)}</td>' for c in row[1:])
            body.append(f'<tr{style}><td style="text-align:left">{esc(row[0])}</td>{cells}</tr>')
        foot = f'<tfoot><tr><td colspan="{len(self.header)}" style="text-align:left"><small>{esc(self.note)}</small></td></tr></tfoot>'
        return (f'<table class="glmstat-compare"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
                f"{foot}</table>")


def compare(*fits, names: Sequence[str] | None = None, ci: bool = False, level: float = 0.95,
            ci_method: str = "wald", digits: int = 3, stars: bool = True) -> ModelComparison:
    """Side-by-side table of several fitted models.

    Parameters
    ----------
    *fits : GLMResults
        The models, one column each.
    names : sequence of str, optional
        Column names; default ``(1)``, ``(2)``, ...
    ci : bool
        Show confidence intervals ``[lower, upper]`` instead of standard errors ``(se)``.
    level, ci_method : float, {"wald", "profile"}
        The intervals' coverage and kind (see ``GLMResults.conf_int``).
    digits : int
        Decimals of the coefficients (the fit statistics get at most 2).
    stars : bool
        Mark p < 0.05, 0.01, 0.001 with *, **, *** (R's codes; the p-values are each fit's).

    Returns
    -------
    ModelComparison
        Printable (``str``), with ``to_markdown()``, ``to_latex()``, ``_repr_html_()``, ``to_frame()``.
    """
    from ..inference.results import GLMResults

    if not fits:
        raise GLMStatError("compare() needs at least one fitted model")
    for k, f in enumerate(fits, start=1):
        if not isinstance(f, GLMResults):
            raise GLMStatError(f"compare() takes fitted models from glmstat.glm(); argument {k} is a {type(f).__name__}")
    if names is None:
        names = [f"({k})" for k in range(1, len(fits) + 1)]
    names = [str(n) for n in names]
    if len(names) != len(fits):
        raise GLMStatError(f"names has {len(names)} entries for {len(fits)} models")
    if len(set(names)) != len(names):
        raise GLMStatError(f"model names must be distinct, got {names}")
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise GLMStatError(f"digits must be a non-negative integer, got {digits!r}")
    terms: list[str] = []
    for f in fits:
        terms += [t for t in f.column_names if t not in terms]

    def frame(values) -> pd.DataFrame:
        return pd.DataFrame({n: v.reindex(terms) for n, v in zip(names, values)}, index=terms)

    cis = [f.conf_int(level=level, method=ci_method) if ci else None for f in fits]
    nan = [pd.Series(np.nan, index=f.column_names) for f in fits]
    stats = pd.DataFrame({n: [f.nobs, f.deviance, f.aic, f.bic] for n, f in zip(names, fits)},
                         index=[k for k, _ in STAT_ROWS])
    cov = {f.covariance_type for f in fits}
    return ModelComparison(
        names=tuple(names),
        estimates=frame([f.coef for f in fits]),
        std_errors=frame([f.std_errors for f in fits]),
        p_values=frame([f.p_values for f in fits]),
        lower=frame([c["lower"] if c is not None else s for c, s in zip(cis, nan)]),
        upper=frame([c["upper"] if c is not None else s for c, s in zip(cis, nan)]),
        present=pd.DataFrame({n: [t in f.column_names for t in terms] for n, f in zip(names, fits)}, index=terms),
        statistics=stats,
        ci=bool(ci), level=float(level), digits=int(digits), stars=bool(stars),
        covariance=cov.pop() if len(cov) == 1 else "mixed",
    )
