"""The summary of a fit, built as data and then rendered: text like R's ``summary.glm``, HTML, Markdown, LaTeX.

Nothing statistical is computed here; every number comes from the results object, and every cell, digit
and significance code from :mod:`glmstat.report.display` (R's display rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
from tabulate import tabulate

from . import html as H
from . import latex as L
from . import markdown as M
from .display import (FLAG, FLAG_NOTE, SIGNIF_LEGEND, SUMMARY_DIGITS, coefmat, correlation_cells, correlation_lines,
                      symbolic_correlation_cells, symbolic_correlation_lines, symbolic_legend,
                      indexed_vector_lines, matrix_lines, missing_note, named_vector_lines, negbin_texts)
from .._arguments import flag
from ..errors import DataError
from .call import call_text
from .rformat import cut_label, encode_string, format_r, zapsmall
from .tables import printable_table
from ..inference.per_row import deviance_residual_range
from ..inference.summary_tables import coefficient_correlation, known_dispersion_table

if TYPE_CHECKING:
    from ..inference.results import GLMResults

__all__ = ["Summary", "format_coef_table", "call_text", "FLAG", "FLAG_NOTE"]


def format_coef_table(table: pd.DataFrame, kind: str, stars: bool = True,
                      digits: int = SUMMARY_DIGITS) -> tuple[list[str], list[list[str]]]:
    """R's ``printCoefmat`` cells for a coefficient table as ``summary.glm`` prints it (``digits``, 4 by default,
    as R's ``max(3, getOption("digits") - 3)``): an aliased coefficient's row (its estimate missing) "NA", any
    other missing cell "NaN" (a standard error from the NaN dispersion of a fit without residual degrees of
    freedom, and its statistic and p-value), as R.

    ``table`` has columns estimate, std_error, statistic, p_value; ``kind`` is "z" or "t"; ``stars``: the
    significance codes where some p < 0.1 (False: never, R's ``signif.stars = FALSE``).
    Returns the header (with ``""`` for the significance codes when they are shown) and one list of cells per
    row, padded as R pads them.
    """
    header = ["Estimate", "Std. Error", f"{kind} value", f"Pr(>|{kind}|)"]
    cols = [table[c].to_numpy(dtype=float) for c in ("estimate", "std_error", "statistic", "p_value")]
    t = coefmat(cols, header, digits=digits, cs_ind=(0, 1), tst_ind=(2,), na_print="NA",
                na_rows=np.isnan(cols[0]), stars=stars)
    return list(t.header), [list(r) for r in t.rows]


#: A streamed fit of at most this many rows shows R's quartiles of the deviance residuals (read in one pass,
#: 8 MB); a larger one their extremes only, in one pass without holding them.
QUARTILE_ROWS = 1_000_000
#: Under the iteration count of a fit whose Fisher scoring reached max_iter unconverged and whose Newton steps then
#: reached the maximum (``fit.scoring_converged`` False, ``fit.converged`` True).
_NEWTON_FINISH = "deviance test not met, where R's glm stops; Newton steps then reached the maximum"


def _residual_block(fit: "GLMResults") -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The labels and values of summary.glm's "Deviance Residuals" block: the residuals themselves for 5
    residual df or fewer, else their quartiles -- or, for a streamed fit of more than :data:`QUARTILE_ROWS`
    rows, their minimum and maximum."""
    if not fit.model_frame.in_memory and fit.nobs > QUARTILE_ROWS:
        return ("Min", "Max"), deviance_residual_range(fit)
    resid = np.asarray(fit.residuals("deviance"), dtype=float)  # (a dask fit's: computed, at most 8 MB)
    if fit.df_residual > 5:
        with np.errstate(invalid="ignore"):  # infinite residuals (a mean on the domain's edge)
            return ("Min", "1Q", "Median", "3Q", "Max"), tuple(
                float(v) for v in np.quantile(resid, [0, 0.25, 0.5, 0.75, 1]))
    return tuple(str(i) for i in fit.rows_used), tuple(float(v) for v in resid)


@dataclass(frozen=True)
class Summary:
    """Everything ``summary()`` shows, as plain data.

    ``notes`` are the fit's warnings, worded as the Python warnings are; every rendering shows them once,
    in a block of their own after the fit statistics (the aliasing relations among them).  ``dispersion_given``:
    the dispersion was given (``summary(dispersion=)``), not the family's or the fit's estimate;
    ``correlation``: the correlation of the estimates when asked for, shown after the iteration count (as
    symnum()'s symbols when ``symbolic_correlation``);
    ``stars``: the significance codes where some p < 0.1; ``digits``: print.summary.glm's significant digits.
    """

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
    link: str = ""
    twologlik: float = math.nan  # 2 x log-likelihood, shown with an estimated negative binomial theta (MASS)
    dispersion_given: bool = False
    correlation: pd.DataFrame | None = None
    #: the correlation shown as symbols (R's ``symbolic.cor = TRUE``)
    symbolic_correlation: bool = False
    stars: bool = True
    digits: int = SUMMARY_DIGITS
    #: Fisher scoring did not meet the deviance test in ``iterations`` (R's glm stops there, not converged) and the
    #: Newton steps after it reached the maximum
    newton_finish: bool = False

    @classmethod
    def from_results(cls, fit: "GLMResults", *, dispersion: float | None = None, correlation: bool = False,
                     symbolic_cor: bool = False, stars: bool = True, digits: int = SUMMARY_DIGITS) -> "Summary":
        """The summary of ``fit``; the options are those of :meth:`GLMResults.summary` (already checked)."""
        fam = fit.family
        try:
            labels, values = _residual_block(fit)
        except DataError:  # a loaded fit whose rows stayed on a cluster: no residuals to show
            labels, values = (), ()
        if dispersion is None:
            table = pd.DataFrame({"estimate": fit.coef, "std_error": fit.std_errors, "statistic": fit.statistic,
                                  "p_value": fit.p_values})
        else:
            table = known_dispersion_table(fit, dispersion)
        # (R's print(coef(summary(m))): its column names, the aliased coefficients' rows left out: Table.to_r)
        table.attrs.update(r_print="coefmat", kind=fit.statistic_kind if dispersion is None else "z",
                           aliased=list(fit.aliased))
        sep = fit.separation
        return cls(
            call=call_text(fit),
            residual_labels=labels,
            residual_values=values,
            table=printable_table(table),
            statistic_kind=fit.statistic_kind if dispersion is None else "z",
            n_aliased=len(fit.aliased),
            aliasing=tuple(a.relation for a in fit.aliasing),
            separated=tuple(sep.columns) if sep is not None else (),
            family_label=fam.label,
            dispersion=fit.dispersion if dispersion is None else dispersion,
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
            link=fam.link.name,
            twologlik=2.0 * fit.loglik if fit.theta is not None else math.nan,
            dispersion_given=dispersion is not None,
            correlation=printable_table(coefficient_correlation(fit)) if correlation or symbolic_cor else None,
            symbolic_correlation=symbolic_cor,
            stars=stars,
            newton_finish=fit.converged and not fit.scoring_converged,
            digits=digits,
        )

    # -- the pieces every rendering shares ------------------------------------------------------------
    @property
    def _call_lines(self) -> list[str]:
        """The call's lines (as R wraps them), printable."""
        return [encode_string(ln, backslash=False) for ln in self.call.split("\n")]

    def _coef_cells(self) -> tuple[list[str], list[list[str]]]:
        return format_coef_table(self.table, self.statistic_kind, self.stars, self.digits)

    def _term_names(self) -> list[str]:
        """Coefficient names (cut to :data:`~glmstat.report.rformat.MAX_TABLE_LABEL` characters: each row is padded
        to the longest), those of diverging estimates marked with the flag."""
        return [f"{cut_label(n)} {FLAG}" if n in self.separated else cut_label(n) for n in self.table.index]

    @property
    def _coef_heading(self) -> str:
        return f"({self.n_aliased} not defined because of singularities)" if self.n_aliased else ""

    @property
    def _covariance_line(self) -> str:
        if self.covariance_type == "model":
            return ""
        return f"Standard errors: sandwich ({self.covariance_type}), robust to misspecified variance"

    def _residual_cells(self) -> list[str]:
        return [v.strip() for v in format_r(zapsmall(np.array(self.residual_values), self.digits + 1), self.digits)]

    def _dispersion_text(self) -> str:
        # (NaN without residual degrees of freedom, which R prints as NaN: it is not a missing value)
        if self.dispersion_fixed and not self.dispersion_given:
            return "1"
        return format_r([self.dispersion], 7, na="NaN")[0].strip()

    def _deviance_texts(self) -> list[str]:
        return format_r([self.null_deviance, self.deviance], max(5, self.digits + 1))  # (print.summary.glm's)

    def _aic_text(self) -> str:
        if not math.isfinite(self.aic):  # NA without a likelihood; Inf as R for non-integer Poisson counts
            return "NA" if math.isnan(self.aic) else ("Inf" if self.aic > 0 else "-Inf")
        return format_r([self.aic], max(4, self.digits + 1))[0].strip()

    def _theta_texts(self) -> tuple[str, str, str] | None:
        """An estimated theta, its standard error and 2 x log-likelihood, as MASS prints them."""
        if self.theta is None:
            return None
        se = math.nan if self.theta_se is None else self.theta_se
        return negbin_texts(self.theta, se, self.twologlik)

    @property
    def _iterations_label(self) -> str:
        return f"Number of {'Firth-penalised ' if self.method == 'firth' else ''}Fisher Scoring iterations"

    def _correlation_lines(self) -> list[str]:
        """print.summary.glm's correlation matrix (lower triangle, or its symbols), or nothing."""
        if self.correlation is None:
            return []
        lines = symbolic_correlation_lines if self.symbolic_correlation else correlation_lines
        return lines([cut_label(n) for n in self.correlation.index], self.correlation.to_numpy(dtype=float))

    def _correlation_table(self) -> tuple[list[str], list[str], list[list[str]], str]:
        """The row names, column names and cells of the correlation matrix as the text shows them -- its lower
        triangle without the diagonal (:func:`correlation_cells`) or its symbols with the diagonal
        (:func:`symbolic_correlation_cells`) -- and the symbols' legend (or ""); no cells when not asked for or
        for fewer than two coefficients."""
        if self.correlation is None or len(self.correlation) < 2:
            return [], [], [], ""
        names = [cut_label(n) for n in self.correlation.index]
        r = self.correlation.to_numpy(dtype=float)
        if self.symbolic_correlation:
            return names, names, symbolic_correlation_cells(r), symbolic_legend(r)
        return names[1:], names[:-1], correlation_cells(r), ""

    @property
    def _missing_line(self) -> str:
        return missing_note(self.n_dropped)

    # -- text --------------------------------------------------------------------------------------
    def _table_text(self) -> str:
        header, rows = self._coef_cells()
        lines = matrix_lines(self._term_names(), header, rows)
        if header[-1] == "":
            lines += ["---", SIGNIF_LEGEND]
        return "\n".join(lines)

    def _residual_text(self) -> str:
        if self.df_residual == 0:  # (R's residuals.glm returns them as rep.int(0, n), which has no names)
            return "\n".join(indexed_vector_lines(self._residual_cells()))
        return "\n".join(named_vector_lines(self.residual_labels, self._residual_cells()))

    def _warnings_text(self) -> list[str]:
        """R's console form: ``Warning message:`` and the text, or ``Warning messages:`` and numbered items
        (control characters of the names they quote escaped; their own ``repr`` escapes kept)."""
        notes = [encode_string(n, backslash=False) for n in self.notes]
        if not notes:
            return []
        if len(notes) == 1:
            return ["", "Warning message:", notes[0]]
        return ["", "Warning messages:"] + [f"{k}: {n}" for k, n in enumerate(notes, start=1)]

    def __str__(self) -> str:
        lines = ["", "Call:", *self._call_lines, ""]
        if self.residual_labels:
            lines += ["Deviance Residuals: ", self._residual_text(), ""]
        if self._covariance_line:  # (it names a cluster column)
            lines.append(encode_string(self._covariance_line, backslash=False))
        head = "Coefficients:" + (f" {self._coef_heading}" if self.n_aliased else "")
        lines += [head, self._table_text()] if len(self.table) else ["No Coefficients"]
        if self.separated:
            lines += ["", FLAG_NOTE]
        lines += ["", f"(Dispersion parameter for {self.family_label} family taken to be {self._dispersion_text()})",
                  ""]
        devs = self._deviance_texts()
        dfs = [str(self.df_null), str(self.df_residual)]
        wd = max(len(d) for d in dfs)
        lines.append(f"    Null deviance: {devs[0]}  on {dfs[0].rjust(wd)}  degrees of freedom")
        lines.append(f"Residual deviance: {devs[1]}  on {dfs[1].rjust(wd)}  degrees of freedom")
        if self.n_dropped:
            lines.append(f"  {self._missing_line}")
        lines.append(f"AIC: {self._aic_text()}")
        lines += ["", f"{self._iterations_label}: {self.iterations}"]
        if self.newton_finish:
            lines.append(f"({_NEWTON_FINISH})")
        correlation = self._correlation_lines()
        if correlation:  # (print.summary.glm's block, before MASS's theta lines)
            lines += ["", "Correlation of Coefficients:", *correlation]
        theta = self._theta_texts()
        if theta is not None:  # MASS's print.summary.negbin, after summary.glm's last (blank) line
            lines += ["", "", f"              Theta:  {theta[0]} ", f"          Std. Err.:  {theta[1]} ", "",
                      f" 2 x log-likelihood:  {theta[2]} "]
        lines += self._warnings_text()
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return str(self)

    # -- Markdown and LaTeX --------------------------------------------------------------------------
    def _rows(self, name: Callable[[str], str] = encode_string) -> tuple[list[str], list[list[str]]]:
        """The header and the cells, each coefficient's name written by ``name`` (escaped for the format)."""
        header, rows = self._coef_cells()
        return ["term"] + header, [[name(n)] + [c.strip() for c in r] for n, r in zip(self._term_names(), rows)]

    def _statistics(self) -> list[tuple[str, str, str]]:
        """(label, value, remark) of the fit statistics, formatted as the text summary prints them."""
        devs = [d.strip() for d in self._deviance_texts()]
        stats = [
            ("Dispersion parameter", self._dispersion_text(),
             f"({self.family_label} family" + (", given)" if self.dispersion_given else
                                                ", fixed)" if self.dispersion_fixed else ")")),
            ("Null deviance", devs[0], f"on {self.df_null} degrees of freedom"),
            ("Residual deviance", devs[1], f"on {self.df_residual} degrees of freedom"),
        ]
        if self.n_dropped:
            stats.append(("Observations deleted", str(self.n_dropped), "due to missingness"))
        stats.append(("AIC", self._aic_text(), ""))
        theta = self._theta_texts()
        if theta is not None:
            stats += [("Theta", theta[0], f"(std. err. {theta[1]})"), ("2 x log-likelihood", theta[2], "")]
        label = self._iterations_label[len("Number of "):]  # (str.capitalize would lowercase "Fisher Scoring")
        stats.append((label[0].upper() + label[1:], str(self.iterations),
                      f"({_NEWTON_FINISH})" if self.newton_finish else ""))
        return stats

    def _notes_under_table(self) -> list[str]:
        """The legend of the significance codes (when shown) and of the flag (when used)."""
        header, _ = self._coef_cells()
        return ([SIGNIF_LEGEND] if header[-1] == "" else []) + ([FLAG_NOTE] if self.separated else [])

    def to_markdown(self) -> str:
        """The deviance residuals, the coefficient table, its legends, the fit statistics and the warnings as
        GitHub Markdown (the blocks of the text and HTML summaries); every text from the data (names, levels,
        row names, the call, the warnings) escaped by :mod:`.markdown`."""
        header, rows = self._rows(M.text)
        pipe = lambda cells: [c.replace("|", "\\|") for c in cells]  # noqa: E731  (a literal | in a cell)
        # (no alignment for no rows: tabulate 0.9 raised IndexError, 0.10 ignores it)
        body = tabulate([r[:1] + pipe(r[1:]) for r in rows], headers=pipe(header), tablefmt="pipe",
                        disable_numparse=True, colalign=self._colalign(header) if rows else None)
        parts = [M.code("".join(ln.lstrip() for ln in self._call_lines))]  # R's wrapped lines as one
        if self.residual_labels:  # (the quartiles, or each row's residual, headed by its row name)
            parts.append("**Deviance residuals**\n\n" + tabulate(
                [self._residual_cells()], headers=[M.text(n) for n in self.residual_labels], tablefmt="pipe",
                disable_numparse=True, colalign=("right",) * len(self.residual_labels)))
        if self._covariance_line:
            parts.append(M.text(self._covariance_line, backslash=False))
        parts.append(body if rows else "No coefficients")  # (as the HTML; tabulate wrote a header and no rows)
        parts += [M.code(n) if n == SIGNIF_LEGEND else n for n in self._notes_under_table()]
        parts.append("\n".join(f"- {label}: {value}{' ' + remark if remark else ''}"
                               for label, value, remark in self._statistics()))
        row_names, col_names, cells, legend = self._correlation_table()
        if cells:
            rows = [[M.text(n)] + pipe([c.strip() for c in r]) for n, r in zip(row_names, cells)]
            parts.append("**Correlation of coefficients**\n\n" + tabulate(
                rows, headers=[""] + pipe([M.text(n) for n in col_names]), tablefmt="pipe", disable_numparse=True,
                colalign=("left",) + ("right",) * len(col_names)))
            if legend:
                parts.append(M.code(legend))
        if self.notes:
            parts.append(("**Warning**" if len(self.notes) == 1 else "**Warnings**") + "\n\n"
                         + "\n".join(f"{k}. {M.text(n, backslash=False)}" for k, n in enumerate(self.notes, start=1)))
        return "\n\n".join(parts) + "\n"

    def to_latex(self) -> str:
        """The coefficient table as a LaTeX tabular (booktabs), with a last spanning row that says what its
        marks mean, as ``compare().to_latex()``: a sandwich covariance, R's legend of the significance codes
        and the note of the flag of a diverging estimate, when the table has them."""
        header, rows = self._rows(name=str)  # (raw names: escaped once, by latex.booktabs)
        tex = L.booktabs(rows, header, self._colalign(header))
        notes = [n if n == SIGNIF_LEGEND else n + "." for n in  # (sentences, as compare's footnote)
                 ([self._covariance_line] if self._covariance_line else []) + self._notes_under_table()]
        if notes:  # (the codes and the flag were shown without their meaning)
            lines = tex.splitlines()
            end = next(i for i, ln in enumerate(lines) if ln.strip() == r"\bottomrule")
            note = L.text(" ".join(notes), backslash=False)  # (the covariance line may name a cluster column)
            lines.insert(end + 1, rf"\multicolumn{{{len(header)}}}{{l}}{{\footnotesize {note}}} \\")
            tex = "\n".join(lines)
        return tex + "\n"

    def _colalign(self, header: list[str]) -> tuple[str, ...]:
        """Term names left, numbers right, significance codes left."""
        return ("left",) + ("right",) * 4 + (("left",) if len(header) == 6 else ())

    # -- HTML -------------------------------------------------------------------------------------------
    def to_html(self, full_document: bool = False) -> str:
        """The summary as one styled HTML block (its own scoped stylesheet, no scripts or external
        resources); ``full_document`` wraps it in a complete page for writing to a file."""
        full_document = flag(full_document, "full_document")
        parts = [f'<div class="gs-title">Generalized linear model: {H.esc(self.family_label)} family, '
                 f"{H.esc(self.link)} link</div>",
                 H.paragraph(f"<code>{chr(10).join(H.esc(ln) for ln in self._call_lines)}</code>", raw=True)]
        if self.residual_labels:
            parts += [H.heading("Deviance residuals"),
                      H.table(list(self.residual_labels), [self._residual_cells()], cls="gs-resid")]
        parts.append(H.heading("Coefficients", self._coef_heading))
        if self._covariance_line:
            parts.append(H.paragraph(self._covariance_line, "gs-legend"))
        if len(self.table):
            header, rows = self._coef_cells()
            labels = [H.esc(n) + (f' <span class="gs-flag" title="estimate diverges (separation)">{FLAG}</span>'
                                  if n in self.separated else "") for n in self.table.index]
            parts.append(H.table(header, rows, label_html=labels, stars=header[-1] == "", cls="gs-coef"))
            for note in self._notes_under_table():
                if note == FLAG_NOTE:
                    note_html = f'<span class="gs-flag">{FLAG}</span>{H.esc(note[len(FLAG):])}'
                    parts.append(H.paragraph(note_html, "gs-legend", raw=True))
                else:
                    parts.append(H.paragraph(note, "gs-legend"))
        else:
            parts.append(H.paragraph("No coefficients"))
        parts += [H.heading("Fit"), H.statistics_table(self._statistics())]
        row_names, col_names, cells, legend = self._correlation_table()
        if cells:
            parts += [H.heading("Correlation of coefficients"),
                      H.table(col_names, [[c.strip() for c in r] for r in cells], labels=row_names, cls="gs-corr")]
            if legend:
                parts.append(H.paragraph(legend, "gs-legend"))
        parts.append(H.warnings_block(self.notes))
        block = H.fragment(parts, "glmstat summary")
        return H.document(block, "glmstat summary") if full_document else block

    def _repr_html_(self) -> str:
        return self.to_html()
