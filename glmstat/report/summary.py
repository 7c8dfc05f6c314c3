"""The summary of a fit, built as data and then rendered: text like R's ``summary.glm``, HTML, Markdown, LaTeX.

Nothing statistical is computed here; every number comes from the results object.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from tabulate import tabulate

from .rformat import format_pval, format_r, signif_stars, zapsmall

if TYPE_CHECKING:
    from ..inference.results import GLMResults

__all__ = ["Summary", "format_coef_table"]

_DIGITS = 4  # R: max(3, getOption("digits") - 3)
_LEGEND = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def format_coef_table(table: pd.DataFrame, kind: str) -> tuple[list[str], list[list[str]]]:
    """R's ``printCoefmat`` cells: estimates and std. errors share one format rounded to the decimal that
    keeps 4 significant digits of the smallest, statistics round to 3 decimals, p-values as
    ``format.pval``, then significance stars (only when some p < 0.1).

    ``table`` has columns estimate, std_error, statistic, p_value; ``kind`` is "z" or "t".
    Returns the header and one list of cells per row.
    """
    est, se = table["estimate"].to_numpy(dtype=float), table["std_error"].to_numpy(dtype=float)
    stat, p = table["statistic"].to_numpy(dtype=float), table["p_value"].to_numpy(dtype=float)
    both = np.concatenate([est, se])
    acs = np.abs(both[np.isfinite(both) & (both != 0)])
    if acs.size:
        digmin = 1 + math.floor(math.log10(acs.min()))
        rounded = np.round(both, max(1, _DIGITS - digmin))
    else:
        rounded = both
    cs = format_r(rounded, _DIGITS)
    for i, (orig, txt) in enumerate(zip(both, cs)):  # keep non-zero values from printing as 0
        if math.isfinite(orig) and orig != 0 and float(txt) == 0:
            cs[i] = format_r([orig], _DIGITS - 1)[0]
    n = len(est)
    st = format_r(np.round(stat, 3), _DIGITS)
    pv = format_pval(p, 3)
    show_stars = bool(np.any(p[np.isfinite(p)] < 0.1))
    header = ["Estimate", "Std. Error", f"{kind} value", f"Pr(>|{kind}|)"] + ([""] if show_stars else [])
    rows = []
    for i in range(n):
        cells = [cs[i], cs[n + i], st[i], pv[i]] if math.isfinite(est[i]) else ["NA"] * 4
        if show_stars:
            cells.append(signif_stars(p[i]).ljust(3))
        rows.append(cells)
    return header, rows


@dataclass(frozen=True)
class Summary:
    """Everything ``summary()`` shows, as plain data."""

    call: str
    residual_labels: tuple[str, ...]
    residual_values: tuple[float, ...]
    table: pd.DataFrame  # estimate, std_error, statistic, p_value (NaN where aliased)
    statistic_kind: str
    n_aliased: int
    aliasing: tuple[str, ...]
    separated: tuple[str, ...]
    family_label: str
    dispersion: float
    dispersion_fixed: bool
    covariance_type: str
    null_deviance: float
    deviance: float
    df_null: int
    df_residual: int
    n_dropped: int
    dropped_by: tuple[tuple[str, int], ...]
    aic: float
    iterations: int
    method: str
    theta: float | None
    theta_se: float | None
    notes: tuple[str, ...]

    @classmethod
    def from_results(cls, fit: "GLMResults") -> "Summary":
        fam = fit.family
        resid = fit.residuals("deviance").to_numpy()
        if fit.df_residual > 5:
            labels = ("Min", "1Q", "Median", "3Q", "Max")
            with np.errstate(invalid="ignore"):  # infinite residuals (a mean on the domain's edge)
                values = tuple(float(v) for v in np.quantile(resid, [0, 0.25, 0.5, 0.75, 1]))
        else:
            labels = tuple(str(i) for i in fit.rows_used)
            values = tuple(float(v) for v in resid)
        table = pd.DataFrame({
            "estimate": fit.coef, "std_error": fit.std_errors, "statistic": fit.statistic, "p_value": fit.p_values,
        })
        fam_call = f'{fam.name}(link = "{fam.link.name}")'
        firth = ', method = "firth"' if fit.method == "firth" else ""
        sep = fit.separation
        return cls(
            call=f"glm(formula = {fit.formula}, family = {fam_call}{firth})",
            residual_labels=labels,
            residual_values=values,
            table=table,
            statistic_kind=fit.statistic_kind,
            n_aliased=len(fit.aliased),
            aliasing=tuple(a.relation for a in fit.aliasing),
            separated=tuple(sep.columns) if sep is not None else (),
            family_label=fam.label,
            dispersion=fit.dispersion,
            dispersion_fixed=fam.fixed_dispersion,
            covariance_type=fit.covariance_type,
            null_deviance=fit.null_deviance,
            deviance=fit.deviance,
            df_null=fit.df_null,
            df_residual=fit.df_residual,
            n_dropped=fit.n_dropped,
            dropped_by=tuple(fit.dropped_by.items()),
            aic=fit.aic,
            iterations=fit.iterations,
            method=fit.method,
            theta=fit.theta,
            theta_se=fit.theta_se,
            notes=fit.notes,
        )

    # -- text --------------------------------------------------------------------------------------
    def _coef_cells(self) -> tuple[list[str], list[list[str]]]:
        return format_coef_table(self.table, self.statistic_kind)

    def _table_text(self) -> str:
        header, rows = self._coef_cells()
        names = list(self.table.index)
        if self.separated:
            names = [f"{n} !" if n in self.separated else n for n in names]
        wn = max(len(n) for n in names)
        widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]
        lines = [" " * wn + " " + " ".join(h.rjust(w) if j < 4 else h.ljust(w) for j, (h, w) in enumerate(zip(header, widths)))]
        for nm, r in zip(names, rows):
            lines.append(nm.ljust(wn) + " " + " ".join(c.rjust(w) if j < 4 else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if len(header) == 5:
            lines += ["---", _LEGEND]
        return "\n".join(lines)

    def _residual_text(self) -> str:
        vals = format_r(zapsmall(np.array(self.residual_values), _DIGITS + 1), _DIGITS)
        w = max(max(len(v) for v in vals), max(len(lb) for lb in self.residual_labels))
        cells = [(lb.rjust(w), v.rjust(w)) for lb, v in zip(self.residual_labels, vals)]
        per_line = max(1, 80 // (w + 2))
        out = []
        for i in range(0, len(cells), per_line):
            chunk = cells[i:i + per_line]
            out.append("  ".join(c[0] for c in chunk) + "  ")
            out.append("  ".join(c[1] for c in chunk) + "  ")
        return "\n".join(out)

    def __str__(self) -> str:
        lines = ["", "Call:", self.call, "", "Deviance Residuals: ", self._residual_text(), ""]
        if self.covariance_type != "model":
            lines.append(f"Standard errors: sandwich ({self.covariance_type}), robust to misspecified variance")
        head = "Coefficients:"
        if self.n_aliased:
            head += f" ({self.n_aliased} not defined because of singularities)"
        lines += [head, self._table_text()] if len(self.table) else ["No Coefficients"]
        if self.aliasing:
            lines += ["", "Aliased (exact linear functions of earlier columns):"]
            lines += [f"  {a}" for a in self.aliasing]
        if self.separated:
            lines += ["", "! estimate diverges to infinity (separation); its standard error and p-value are meaningless"]
        disp = "1" if self.dispersion_fixed else format_r([self.dispersion], 7)[0].strip()
        lines += ["", f"(Dispersion parameter for {self.family_label} family taken to be {disp})", ""]
        devs = format_r([self.null_deviance, self.deviance], 5)
        dfs = [str(self.df_null), str(self.df_residual)]
        wd = max(len(d) for d in dfs)
        lines.append(f"    Null deviance: {devs[0]}  on {dfs[0].rjust(wd)}  degrees of freedom")
        lines.append(f"Residual deviance: {devs[1]}  on {dfs[1].rjust(wd)}  degrees of freedom")
        if self.n_dropped:
            detail = ", ".join(f"{c}: {k}" for c, k in self.dropped_by)
            lines.append(f"  ({self.n_dropped} observations deleted due to missingness; {detail})")
        aic = "NA" if not math.isfinite(self.aic) else format_r([self.aic], 5)[0].strip()
        lines.append(f"AIC: {aic}")
        if self.theta is not None:
            th = format_r([self.theta], 5)[0].strip()
            se = "" if self.theta_se is None else f"  Std. Err.: {format_r([self.theta_se], 5)[0].strip()}"
            lines.append(f"Theta: {th}{se}")
        lines += ["", f"Number of {'Firth-penalised ' if self.method == 'firth' else ''}Fisher Scoring iterations: {self.iterations}"]
        for note in self.notes:
            lines += ["", f"Warning: {note}"]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return str(self)

    # -- other renderings -------------------------------------------------------------------------
    def _rows(self) -> tuple[list[str], list[list[str]]]:
        header, rows = self._coef_cells()
        names = [f"{n} !" if n in self.separated else n for n in self.table.index]
        return ["term"] + header, [[n] + [c.strip() for c in r] for n, r in zip(names, rows)]

    def _footer(self) -> list[str]:
        disp = "1" if self.dispersion_fixed else f"{self.dispersion:.7g}"
        foot = [
            f"Dispersion ({self.family_label}): {disp}",
            f"Null deviance: {self.null_deviance:.5g} on {self.df_null} df; "
            f"residual deviance: {self.deviance:.5g} on {self.df_residual} df",
            f"AIC: {'NA' if not math.isfinite(self.aic) else f'{self.aic:.5g}'}",
        ]
        foot += [f"Aliased: {a}" for a in self.aliasing]
        foot += [f"Warning: {n}" for n in self.notes]
        return foot

    def to_markdown(self) -> str:
        """The coefficient table and fit statistics as GitHub Markdown."""
        header, rows = self._rows()
        body = tabulate(rows, headers=header, tablefmt="github", disable_numparse=True)
        return f"`{self.call}`\n\n{body}\n\n" + "\n".join(f"- {f}" for f in self._footer()) + "\n"

    def to_latex(self) -> str:
        """The coefficient table as a LaTeX tabular."""
        header, rows = self._rows()
        return tabulate(rows, headers=header, tablefmt="latex_booktabs", disable_numparse=True) + "\n"

    def _repr_html_(self) -> str:
        header, rows = self._rows()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        trs = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        foot = "".join(f"<li>{html.escape(f)}</li>" for f in self._footer())
        return (
            f"<div class='glmstat-summary'><p><code>{html.escape(self.call)}</code></p>"
            f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table><ul>{foot}</ul></div>"
        )
