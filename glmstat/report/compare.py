"""Side-by-side regression tables: the coefficients of several models with their standard errors (or
confidence intervals) and significance stars, and rows for the number of observations, deviance, AIC and
BIC -- the table that goes into papers and slides.

The table is built once as data (:class:`ModelComparison`: numbers per model, then formatted cells) and
rendered as text (``str``), Markdown, LaTeX (both via tabulate; LaTeX escaped by :mod:`.latex`) or HTML;
rendering computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
import pandas as pd
from tabulate import tabulate

from .._arguments import MAX_MODELS, confidence_level, integer_type, model_count, shown
from ..errors import GLMStatError
from ..printable import first_unwritable
from . import html as H
from . import latex as L
from . import markdown as M
from .display import (FLAG, FLAG_NOTE, SIGNIF_LEGEND, SUMMARY_DIGITS, coefmat, level_percent, shows_stars,
                      signif_stars)
from .rformat import cut_label, display_width, encode_string, format_r, pad_left, pad_right
from .tables import printable_table, returns_table

__all__ = ["compare", "ModelComparison", "MAX_MODELS", "MAX_CELLS"]

STAT_ROWS = (("nobs", "Observations"), ("deviance", "Deviance"), ("aic", "AIC"), ("bic", "BIC"))
#: Most cells (coefficients x models) one table holds: each is formatted, padded and escaped in Python, about
#: 90 us a cell in its text (10 models of 2,000 coefficients: 1.8 s)
MAX_CELLS = 50_000


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
    diverging : DataFrame of bool
        The estimates that diverge to infinity (separation), flagged as the summary flags them.
    statistics : DataFrame
        Rows nobs, deviance, aic, bic; one column per model.
    ci, level, digits, stars : how the cells are formatted.
    not_converged : the names of the models whose fit did not converge and their iterations; the footnote
        says their estimates are not reliable (as ``print(fit)`` does), since their cells look like any other's.
    """

    names: tuple[str, ...]
    estimates: pd.DataFrame
    std_errors: pd.DataFrame
    p_values: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    present: pd.DataFrame
    diverging: pd.DataFrame
    statistics: pd.DataFrame
    ci: bool
    level: float
    digits: int
    stars: bool
    covariance: str
    not_converged: tuple[tuple[str, int], ...] = ()

    # -- cells ---------------------------------------------------------------------------------------------
    def _model_cells(self, j: int) -> list[tuple[str, str] | None]:
        """(estimate, uncertainty) cells of the coefficients of the ``j``-th model (None where it has no such
        coefficient), as ``printCoefmat`` formats them in its
        summary: estimates and standard errors (or interval bounds) rounded together to the decimals that
        keep ``digits`` significant digits of the smallest, in one common notation, a NaN standard error
        (no residual degrees of freedom) ``(NaN)`` (the summary's rule, :func:`display.coefmat`).  By position,
        never by label: pandas made a list of labels a numpy array of the longest's width (3.7 GB for 1,000
        coefficients of which one was named by a level of a million characters), and each look-up of a label of
        pandas' strings hashed a new copy of it (a model name of 10 MB: minutes)."""
        shown = self.present.iloc[:, j].to_numpy(dtype=bool)
        est = self.estimates.iloc[:, j].to_numpy(dtype=float)[shown]
        others = [self.lower.iloc[:, j], self.upper.iloc[:, j]] if self.ci else [self.std_errors.iloc[:, j]]
        cols = [est] + [o.to_numpy(dtype=float)[shown] for o in others]
        table = coefmat(cols, [""] * len(cols), digits=self.digits, cs_ind=tuple(range(len(cols))), has_p=False,
                        na_rows=np.isnan(est))  # (a NaN standard error of an estimated coefficient: "NaN")
        cells: list[tuple[str, str] | None] = [None] * shown.size
        for i, b, row in zip(np.flatnonzero(shown).tolist(), est, table.rows):
            row = [c.strip() for c in row]
            if not np.isfinite(b):
                cells[i] = (row[0], "(aliased)")
            else:
                cells[i] = (row[0], f"[{row[1]}, {row[2]}]" if self.ci else f"({row[1]})")
        return cells

    @cached_property
    def _cells(self) -> list[list[tuple[str, str] | None]]:
        return [self._model_cells(j) for j in range(len(self.names))]

    @cached_property
    def _marks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whether each model has each coefficient, their p-values and whether they diverge (terms x models)."""
        return (self.present.to_numpy(dtype=bool), self.p_values.to_numpy(dtype=float),
                self.diverging.to_numpy(dtype=bool))

    @cached_property  # (asked once per cell: a scan of the whole table each time was quadratic)
    def shows_codes(self) -> bool:
        """Significance codes (and their legend) are shown: ``stars`` and some p-value below 0.1, as
        ``printCoefmat`` decides for a table."""
        # (a bool mask whatever the frame's dtype: that of a table of no coefficients is object)
        return self.stars and shows_stars(self.p_values.to_numpy(dtype=float)[self.present.to_numpy(dtype=bool)])

    @property
    def shows_flags(self) -> bool:
        """Some shown estimate diverges (and the flag's note is shown)."""
        return bool((self.diverging & self.present).to_numpy().any())

    def _estimate(self, i: int, j: int) -> tuple[str, str]:
        """The cell of the ``i``-th coefficient's estimate in the ``j``-th model and its mark: R's significance
        code (:func:`display.signif_stars`) when the table shows codes, then the flag of a diverging estimate."""
        present, p, diverging = self._marks
        if not present[i, j]:
            return "", ""
        code = signif_stars(p[i, j]) if self.shows_codes else ""
        if diverging[i, j]:
            code += FLAG
        return self._cells[j][i][0], code

    def coefficient_rows(self) -> list[list[str]]:
        """Two rows per coefficient: the estimate (with its significance code) and its (se) or [lower, upper]."""
        rows = []
        present = self._marks[0]
        for i, term in enumerate(self.estimates.index):
            est, unc = [term], [""]
            for j in range(len(self.names)):
                if not present[i, j]:
                    est.append("")
                    unc.append("")
                    continue
                est.append("".join(self._estimate(i, j)))
                unc.append(self._cells[j][i][1])
            rows += [est, unc]
        return rows

    def statistic_rows(self) -> list[list[str]]:
        """Observations, deviance, AIC, BIC as ``print.summary.glm`` prints deviance and AIC
        (``format(x, digits = max(5, digits + 1))``, ``max(4, digits + 1)``); blank where the family has no
        likelihood (NaN), ``Inf`` where the likelihood is 0 (non-integer Poisson counts), as the summary."""
        rows = []
        for key, label in STAT_ROWS:
            vals = self.statistics.loc[key]
            if key == "nobs":
                rows.append([label] + [f"{int(v):d}" for v in vals])
            else:
                d = max(5 if key == "deviance" else 4, self.digits + 1)
                rows.append([label] + [format_r([v], d)[0].strip() if not np.isnan(v) else "" for v in vals])
        return rows

    @property
    def header(self) -> list[str]:
        return [""] + list(self.names)

    def _note_parts(self) -> list[str]:
        """What the brackets mean, then R's legend of the codes when they are shown, then the flag's note
        when an estimate diverges, then which models did not converge."""
        cov = "" if self.covariance == "model" else f" ({self.covariance})"  # (Wald intervals use it too)
        what = (f"{level_percent(self.level)} confidence intervals{cov} in brackets" if self.ci
                else f"standard errors{cov} in parentheses")
        what = encode_string(what[0].upper() + what[1:] + ".", backslash=False)  # (it may name a cluster column)
        return ([what] + ([SIGNIF_LEGEND] if self.shows_codes else [])
                + ([FLAG_NOTE + "."] if self.shows_flags else []) + self._convergence_notes())

    def _convergence_notes(self) -> list[str]:
        """One sentence per model that did not converge, in the words of ``print(fit)``."""
        return [encode_string(f"{cut_label(name)}: NOT converged after {n} iterations; its estimates are not reliable.",
                              backslash=False) for name, n in self.not_converged]

    @property
    def note(self) -> str:
        """The footnote saying what the parentheses, the significance codes (R's legend) and the flag mean."""
        return " ".join(self._note_parts())

    @returns_table
    def to_frame(self) -> pd.DataFrame:
        """The formatted cells as a DataFrame of strings (first column: the row labels)."""
        return pd.DataFrame(self.coefficient_rows() + self.statistic_rows(), columns=[""] + list(self.names))

    # -- renderings ----------------------------------------------------------------------------------------
    def __str__(self) -> str:
        """A plain-text table whose numbers end in one column: each significance code sits in a slot of
        three characters after its number (as R's codes column), where the other rows put their closing
        bracket or nothing.  Term and model names are made printable
        (:func:`~glmstat.report.rformat.encode_string`); columns are padded in terminal columns
        (:func:`~glmstat.report.rformat.display_width`), so names in CJK characters keep them aligned."""
        marks = [self._estimate(i, j)[1] for i in range(len(self.estimates)) for j in range(len(self.names))]
        slot = max([1] + [len(c) for c in marks] + ([3] if self.shows_codes else []))
        coef, unc = [], self.coefficient_rows()[1::2]
        for k, term in enumerate(self.estimates.index):
            estimates = (self._estimate(k, j) for j in range(len(self.names)))
            coef.append([encode_string(cut_label(term))] + [num + code.ljust(slot) for num, code in estimates])
            coef.append([""] + [c + " " * (slot - 1 if c.endswith((")", "]")) else slot) for c in unc[k][1:]])
        stats = [[r[0]] + [c + " " * slot for c in r[1:]] for r in self.statistic_rows()]
        header = [""] + [encode_string(cut_label(n)) + " " * slot for n in self.names]
        widths = [max(display_width(r[j]) for r in [header] + coef + stats) for j in range(len(header))]

        def line(cells: list[str]) -> str:
            return "  ".join([pad_right(cells[0], widths[0])]
                             + [pad_left(c, w) for c, w in zip(cells[1:], widths[1:])]).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(header), rule] + [line(r) for r in coef] + [rule] + [line(r) for r in stats]
                         + [self.note])

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        """A pipe table (GitHub/pandoc Markdown) followed by the footnote; term and model names escaped by
        :mod:`.markdown`."""
        rows = self.coefficient_rows() + self.statistic_rows()
        table = tabulate([[M.text(cut_label(r[0]))] + r[1:] for r in rows],
                         headers=[M.text(cut_label(h)) for h in self.header],
                         tablefmt="pipe", disable_numparse=True, colalign=("left",) + ("right",) * len(self.names))
        # the legend as code, as the summary's Markdown: unquoted, its '***' and '**' would render as emphasis
        note = " ".join(M.code(p) if p == SIGNIF_LEGEND else M.text(p, backslash=False) for p in self._note_parts())
        return table + "\n\n" + note

    def to_latex(self) -> str:
        """A booktabs tabular (needs ``\\usepackage{booktabs}``), a rule before the fit statistics and the
        footnote in a last spanning row."""
        coef = self.coefficient_rows()
        # (raw names: escaped once, by latex.booktabs)
        lines = L.booktabs([[cut_label(r[0])] + r[1:] for r in coef + self.statistic_rows()],
                           [cut_label(h) for h in self.header],
                           ("left",) + ("right",) * len(self.names)).splitlines()
        first_body = next(i for i, ln in enumerate(lines) if ln.strip() == r"\midrule") + 1
        if coef:  # (no coefficients: the header's rule is the one before the statistics)
            lines.insert(first_body + len(coef), r"\midrule")
        note = L.text(self.note, backslash=False)  # (its parts are escaped for the terminal already)
        end = next(i for i, ln in enumerate(lines) if ln.strip() == r"\bottomrule")
        lines.insert(end + 1, rf"\multicolumn{{{len(self.names) + 1}}}{{l}}{{\footnotesize {note}}} \\")
        return "\n".join(lines)

    def to_html(self) -> str:
        """The table as one styled HTML block (the summary's stylesheet): numbers right-aligned, each followed
        by its significance code in a slot of fixed width so the decimal points line up (the flag of a diverging
        estimate as the summary's); the footnote below."""
        def cell(text: str, code: str = "") -> str:
            if not code and text.endswith((")", "]")):  # the closing bracket in the codes' slot
                text, code = text[:-1], text[-1]
            mark = H.esc(code.removesuffix(FLAG)) + (
                f'<span class="gs-flag" title="estimate diverges (separation)">{FLAG}</span>'
                if code.endswith(FLAG) else "")
            return f'<td class="gs-num">{H.esc(text)}<span class="gs-mark">{mark}</span></td>'

        def row(label: str, cells: str, cls: str = "") -> str:
            attr = f' class="{cls}"' if cls else ""
            return f'<tr{attr}><th class="gs-label" scope="row">{H.esc(label)}</th>{cells}</tr>'

        coef, stats = self.coefficient_rows(), self.statistic_rows()
        body = []
        for k, term in enumerate(self.estimates.index):
            body.append(row(term, "".join(cell(*self._estimate(k, j)) for j in range(len(self.names)))))
            body.append(row("", "".join(cell(c) for c in coef[2 * k + 1][1:]), "gs-under"))
        for k, r in enumerate(stats):
            body.append(row(r[0], "".join(cell(c) for c in r[1:]),
                            "gs-rule" if k == 0 else "gs-last" if k == len(stats) - 1 else ""))
        head = '<th class="gs-label" scope="col"></th>' + "".join(f'<th scope="col">{H.esc(n)}</th>'
                                                                  for n in self.names)
        table = (f'<table class="gs-table gs-compare"><thead><tr>{head}</tr></thead>'
                 f'<tbody>{"".join(body)}</tbody></table>')
        return H.fragment([table, H.paragraph(self.note, "gs-legend")], "glmstat model comparison")

    def _repr_html_(self) -> str:
        return self.to_html()


def _diverging(fit) -> tuple[str, ...]:
    """The coefficients whose estimates diverge (separation), as the summary flags them."""
    sep = fit.separation
    return tuple(sep.columns) if sep is not None else ()


def compare(*fits, names: Sequence[str] | None = None, ci: bool = False, level: float = 0.95,
            ci_method: str = "wald", digits: int = SUMMARY_DIGITS, stars: bool = True) -> ModelComparison:
    """Side-by-side table of several fitted models.

    Parameters
    ----------
    *fits : GLMResults
        The models, one column each.
    names : sequence of str, optional
        Column names, distinct and not empty; default ``(1)``, ``(2)``, ...
    ci : bool
        Show confidence intervals ``[lower, upper]`` instead of standard errors ``(se)``.
    level, ci_method : float, {"wald", "profile"}
        The intervals' coverage and kind (see ``GLMResults.conf_int``).
    digits : int
        Significant digits, as the summary's (4): each model's estimates and standard errors (or interval
        bounds) are printCoefmat's cells of its summary; deviance and AIC/BIC get ``max(5, digits + 1)`` and
        ``max(4, digits + 1)``, as print.summary.glm.
    stars : bool
        Mark each estimate with R's significance code of its p-value: ``***`` for p <= 0.001, ``**`` <= 0.01,
        ``*`` <= 0.05, ``.`` <= 0.1, when some p-value is below 0.1, with R's legend (the summary's rule, from
        :mod:`glmstat.report.display`).  An estimate that diverges (separation) is flagged ``!`` either way.

    Returns
    -------
    ModelComparison
        Printable (``str``), with ``to_markdown()``, ``to_latex()``, ``to_html()``, ``to_frame()``.
    """
    from ..inference.results import GLMResults

    if not fits:
        raise GLMStatError("compare() needs at least one fitted model")
    model_count(fits, "compare")  # (before anything of each is read)
    for k, f in enumerate(fits, start=1):
        if not isinstance(f, GLMResults):
            raise GLMStatError(
                f"compare() takes fitted models from glmstat.glm(); argument {k} is a {type(f).__name__}")
    if names is None:
        names = [f"({k})" for k in range(1, len(fits) + 1)]
    if not isinstance(names, (list, tuple, np.ndarray, pd.Index, pd.Series)):  # (a string was read as its letters)
        raise GLMStatError(f"names must be a list of model names, one per model, got {shown(names)}")
    names = [n if isinstance(n, str) else shown(n) for n in names]  # (str() of a 5,000-digit int raises)
    if len(names) != len(fits):
        raise GLMStatError(f"names has {len(names)} entries for {len(fits)} models")
    if len(set(names)) != len(names):
        raise GLMStatError(f"model names must be distinct, got {shown(names)}")
    unwritable = first_unwritable(names)  # (pandas' Arrow-backed strings failed on it)
    if unwritable is not None:
        raise GLMStatError(f"model names must be text, got {shown(unwritable)} (a lone surrogate)")
    if "" in names:  # (to_frame() labels its rows in a column named "": a model so named would be a second)
        raise GLMStatError(f"model names must not be empty (the row labels of to_frame() are the column ''), "
                           f"got {shown(names)}")
    level = confidence_level(level)  # (also without ci: float() of a string or None raised a raw error)
    if isinstance(digits, bool) or not integer_type(digits) or not 1 <= digits <= 15:
        raise GLMStatError(f"digits must be an integer from 1 to 15 (significant digits), got {shown(digits)}")
    # (dicts and sets: each name searched in the list of the others was quadratic in the coefficients)
    terms = list(dict.fromkeys(t for f in fits for t in f.column_names))
    if len(terms) * len(fits) > MAX_CELLS:  # (before any interval, frame or cell is made)
        raise GLMStatError(f"compare() of {len(fits):,} models of {len(terms):,} coefficients in all would make a "
                           f"table of {len(terms) * len(fits):,} cells, more than {MAX_CELLS:,}; compare fewer models, "
                           "or models of fewer coefficients, at a time")
    columns = [set(f.column_names) for f in fits]
    diverging = [set(_diverging(f)) for f in fits]

    def frame(values) -> pd.DataFrame:
        return printable_table(pd.DataFrame({n: v.reindex(terms) for n, v in zip(names, values)}, index=terms))

    cis = [f.conf_int(level=level, method=ci_method) if ci else None for f in fits]
    nan = [pd.Series(np.nan, index=f.column_names) for f in fits]
    stats = printable_table(pd.DataFrame({n: [f.nobs, f.deviance, f.aic, f.bic] for n, f in zip(names, fits)},
                                         index=[k for k, _ in STAT_ROWS]))
    cov = {f.covariance_type for f in fits}
    return ModelComparison(
        names=tuple(names),
        estimates=frame([f.coef for f in fits]),
        std_errors=frame([f.std_errors for f in fits]),
        p_values=frame([f.p_values for f in fits]),
        lower=frame([c["lower"] if c is not None else s for c, s in zip(cis, nan)]),
        upper=frame([c["upper"] if c is not None else s for c, s in zip(cis, nan)]),
        present=printable_table(pd.DataFrame({n: [t in c for t in terms] for n, c in zip(names, columns)},
                                             index=terms)),
        diverging=printable_table(pd.DataFrame({n: [t in d for t in terms] for n, d in zip(names, diverging)},
                                               index=terms)),
        statistics=stats,
        ci=bool(ci), level=float(level), digits=int(digits), stars=bool(stars),
        covariance=cov.pop() if len(cov) == 1 else "mixed",
        not_converged=tuple((n, int(f.iterations)) for n, f in zip(names, fits) if not f.converged),
    )
