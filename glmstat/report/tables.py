"""The pandas tables glmstat returns, safe to print: :class:`Table` (a DataFrame) and :class:`Column` (a Series).

A table's row and column labels are term labels, coefficient names and factor levels, which may come from
someone else's data.  pandas prints a label raw, so a column named ``"x\\x1b[2J"`` would clear the terminal of
whoever prints ``fit.anova()``, and a bidi override reorder what they read.  These subclasses render every
label and text cell through :func:`~glmstat.report.rformat.encode_string` (R's ``encodeString`` escapes, as
glmstat's own reports) in each of pandas' renderings -- the terminal repr, ``to_string``, the notebook's
``_repr_html_``, ``to_html`` (as HTML text with ``escape=False`` too), ``to_markdown``, ``to_latex``, ``info`` and
the Styler of ``style`` (as HTML text: pandas' Styler writes labels as HTML) -- while the data keep their exact
labels: ``table.loc["x\\x1b[2J"]``, arithmetic, comparison and export (``to_csv``, ``to_parquet``) are
pandas' own.  ``to_markdown`` writes them as Markdown text too (:func:`glmstat.report.markdown.text`: a level
``<img src=x onerror=...>`` or ``[c](javascript:...)`` would be live markup in a Markdown viewer, a ``|`` would
split the cell).  ``to_latex`` escapes every label, text cell and caption for LaTeX too, with
:func:`glmstat.report.latex.text` (pandas writes them as LaTeX source: a column named ``x^^5cinput{f}`` would
read the file ``f`` when the ``.tex`` is compiled).  Nothing in pandas is changed: no option, no patched
method; results of operations on a table stay tables (pandas' ``_constructor`` protocol), so a slice or a sum
prints safely too.

What pandas returns from the *index* itself (``table.index``, a ``pd.Index``) is pandas' own object and
prints raw.
"""

from __future__ import annotations

import functools
import importlib.util
import numbers
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

from . import latex as L
from . import markdown as M
from .rformat import cut_label, encode_string

__all__ = ["Table", "Column", "printable_table", "returns_table", "r_text", "R_WIDTH"]

#: R's ``getOption("width")``: :meth:`Table.to_r` wraps a table wider than this into blocks of columns.
R_WIDTH = 80

F = TypeVar("F", bound=Callable[..., Any])


def _label(value: Any) -> Any:
    """A label or cell as printed: a string with its unprintable characters escaped, a tuple (the name of a
    row of a table with a MultiIndex, ``emmeans("g:h").iloc[0]``) element by element; anything else as is."""
    if isinstance(value, tuple):  # (pandas prints a tuple name's strings raw, each in its place)
        return tuple(_label(v) for v in value)
    # (cut as a padded table cuts it: pandas' to_string pads each row to the longest label)
    return encode_string(cut_label(value)) if isinstance(value, str) else value


def _index(index: pd.Index, label: Callable[[Any], Any] = _label) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        out = index.set_levels([_index(level, label) for level in index.levels], verify_integrity=False)
    elif isinstance(index, pd.CategoricalIndex):
        out = index.rename_categories([label(c) for c in index.categories])
    elif is_object_dtype(index.dtype) or is_string_dtype(index.dtype):
        out = pd.Index([label(v) for v in index], dtype=index.dtype, name=index.name)
    else:
        out = index
    return out.set_names([label(n) for n in index.names])


def _values(column: pd.Series, label: Callable[[Any], Any] = _label) -> pd.Series:
    """A column with its text cells (strings, categories) escaped."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.rename_categories([label(c) for c in column.cat.categories])
    if is_object_dtype(column.dtype) or is_string_dtype(column.dtype):
        return column.map(label)
    return column


def _shown_frame(table: pd.DataFrame, label: Callable[[Any], Any] = _label) -> pd.DataFrame:
    """A plain DataFrame with ``table``'s labels and text cells escaped by ``label``, to hand to pandas'
    renderers."""
    out = pd.DataFrame(table, copy=True)
    out.index, out.columns = _index(table.index, label), _index(table.columns, label)
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        shown = _values(column, label)
        if shown is not column:
            out.isetitem(j, shown)
    return out


def _shown_series(column: pd.Series, label: Callable[[Any], Any] = _label) -> pd.Series:
    """A plain Series with ``column``'s labels, name and text cells escaped by ``label``."""
    out = _values(pd.Series(column, copy=True), label)
    out.index = _index(column.index, label)
    out.name = label(column.name)
    return out


def _latex_label(value: Any) -> Any:
    """A label or cell as LaTeX source: a string as literal text (:func:`glmstat.report.latex.text`); a number,
    a missing value or a timestamp as pandas writes it; any other object (a tuple label from the data's index,
    bytes) as the literal text of what pandas would write, its ``str()``."""
    if isinstance(value, str):
        return L.text(value)
    if value is None or isinstance(value, (numbers.Number, np.generic, pd.Timestamp, pd.Timedelta, type(pd.NaT))):
        return value
    return L.text(str(value))


def _markdown_label(value: Any) -> Any:
    """A label or cell as Markdown text (:func:`glmstat.report.markdown.text`: no tag, link, emphasis or cell
    boundary of the data is read as markup); a number or missing value as pandas writes it; any other object
    as the literal text of its ``str()``."""
    if isinstance(value, str):
        return M.text(cut_label(value))  # (cut as a padded table cuts it: tabulate pads each row to the longest)
    if value is None or isinstance(value, (numbers.Number, np.generic, pd.Timestamp, pd.Timedelta, type(pd.NaT))):
        return value
    return M.text(cut_label(value))


def _to_latex(table: pd.DataFrame, buf: Any, kwargs: dict[str, Any]) -> str | None:
    """pandas' ``to_latex`` of ``table`` with glmstat's escaping: every label and text cell through
    :func:`_latex_label`, so pandas must not escape them again (``escape=False``, whatever was asked); the
    options that name or replace labels follow: ``columns`` selects by the raw labels, ``formatters`` are
    keyed by them, and replacement headings (``header=[...]``) and the caption (a string, or pandas' pair of
    the full and the short caption) are escaped the same way."""
    if importlib.util.find_spec("jinja2") is None:  # (pandas writes LaTeX through its Styler, which needs it)
        from ..errors import MissingDependencyError

        raise MissingDependencyError("a table's to_latex() writes through pandas' LaTeX writer, which needs jinja2: "
                                     "pip install 'glmstat[latex]' (summaries and compare() tables write LaTeX "
                                     "without it)")
    opts = {**kwargs, "escape": False}
    if opts.get("columns") is not None:
        table = table[list(opts.pop("columns"))]  # (by the raw labels, before they are escaped)
    shown = _shown_frame(table, _latex_label)
    header = opts.get("header", True)
    if not isinstance(header, bool) and len(header) == shown.shape[1]:
        # set here, not passed on: pandas formats an alias with str.format, which would read its \{ \}
        shown.columns = [_latex_label(h) for h in header]
        opts["header"] = True
    if isinstance(opts.get("formatters"), dict):
        opts["formatters"] = {_latex_label(k): f for k, f in opts["formatters"].items()}
    caption = opts.get("caption")
    if isinstance(caption, str):
        opts["caption"] = L.text(caption)
    elif isinstance(caption, tuple):
        opts["caption"] = tuple(L.text(c) if isinstance(c, str) else c for c in caption)
    return shown.to_latex(buf, **opts)


class _NoDunderLabels:
    """pandas reads an attribute it does not find as a label (``table.x`` for a column ``x``), searching the labels
    for the name; ``np.asarray`` asks every array-like for ``__array_struct__`` and ``__array_interface__``, and
    that search, failing through an exception, was two thirds of ``np.asarray(fit.std_errors)``.  A dunder name
    is read as an attribute only, never as a label."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return super().__getattr__(name)  # type: ignore[misc]


class Column(_NoDunderLabels, pd.Series):
    """A pandas Series whose printed forms escape the control and bidi characters of its labels, name and
    text values (see the module docstring); otherwise a Series."""

    @property
    def _constructor(self) -> type[Column]:
        return Column

    @property
    def _constructor_expanddim(self) -> type[Table]:
        return Table

    # pandas' renderings, of a copy whose labels are escaped; the parameters are pandas'
    def __repr__(self) -> str:
        return repr(_shown_series(self))

    def to_string(self, *args: Any, **kwargs: Any) -> str | None:
        return _shown_series(self).to_string(*args, **kwargs)

    def to_markdown(self, *args: Any, **kwargs: Any) -> str | None:
        return _shown_series(self, _markdown_label).to_markdown(*args, **kwargs)

    def to_latex(self, buf: Any = None, **kwargs: Any) -> str | None:
        return _to_latex(self.to_frame(), buf, kwargs)  # (as pandas: a Series is written as its frame)


class Table(_NoDunderLabels, pd.DataFrame):
    """A pandas DataFrame whose printed forms escape the control and bidi characters of its labels and text
    cells (see the module docstring); otherwise a DataFrame."""

    _constructor_sliced = Column

    @property
    def _constructor(self) -> type[Table]:
        return Table

    # pandas' renderings, of a copy whose labels are escaped; the parameters are pandas'
    def __repr__(self) -> str:
        return repr(_shown_frame(self))

    def _repr_html_(self) -> str | None:
        return _shown_frame(self)._repr_html_()

    def to_string(self, *args: Any, **kwargs: Any) -> str | None:
        return _shown_frame(self).to_string(*args, **kwargs)

    def to_html(self, *args: Any, **kwargs: Any) -> str | None:
        if not kwargs.get("escape", True):
            return _to_html_unescaped(self, args, kwargs)
        return _shown_frame(self).to_html(*args, **kwargs)

    def to_markdown(self, *args: Any, **kwargs: Any) -> str | None:
        return _shown_frame(self, _markdown_label).to_markdown(*args, **kwargs)

    def to_latex(self, buf: Any = None, **kwargs: Any) -> str | None:
        return _to_latex(self, buf, kwargs)

    def info(self, *args: Any, **kwargs: Any) -> None:
        return _shown_frame(self).info(*args, **kwargs)

    def to_r(self, width: int = R_WIDTH) -> str:
        """The table as R prints it, at R's ``getOption("width")`` (:func:`r_text`): columns that do not fit in
        ``width`` characters wrap into further blocks, each with the row names.

        Parameters
        ----------
        width : int
            R's ``width`` option, 80 by default (from 10 to 10000, as R allows).

        Returns
        -------
        str
            The lines R prints, joined by newlines (no final newline).
        """
        return r_text(self, width)

    @property
    def style(self) -> Any:
        """pandas' ``Styler`` of the table as printed, its labels, their names and its text cells HTML text:
        pandas' Styler writes them as HTML, so a factor level ``<img src=x onerror=...>`` ran as a tag in the
        notebook that showed ``fit.emmeans("g").style``.  They are escaped in the Styler's data, so that a
        ``format()`` or ``format_index()`` of the caller (which replaces Styler's ``escape=``) keeps them text."""
        return table_styler(self)


def _r_width(width: Any) -> int:
    from .._arguments import integer_type
    from ..errors import GLMStatError

    if not integer_type(width) or isinstance(width, (bool, np.bool_)) or not 10 <= width <= 10000:
        raise GLMStatError(f"width must be a whole number from 10 to 10000 (R's getOption('width')), got {width!r}")
    return int(width)


def _r_cell(value: Any) -> str:
    """A cell of a column of text or logicals as R prints it: ``TRUE``/``FALSE``, ``NA`` where missing, text
    made printable."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "NA"
    return encode_string(str(value))


def r_text(table: pd.DataFrame, width: int = R_WIDTH) -> str:
    """``table`` as R prints the matrix it stands for, wrapping at ``width`` (R's ``getOption("width")``).

    A table whose ``attrs["r_print"]`` names what R prints for it is printed as R prints that: ``print.anova``
    of ``anova.glm``, ``anova.glmlist``, ``drop1.glm``, ``add1.glm`` and ``car::Anova`` (R's headings and column
    names, :func:`glmstat.report.display.anova_lines`), MASS's ``print.Anova`` of ``anova.negbin`` and
    ``stepAIC``, ``print.infl`` of ``influence.measures``, ``print.summary_emm`` of emmeans' means and comparisons
    (a block by group), car's ``vif``, MASS's ``print.glm.dose`` and ``coef(summary(m))`` (the summary's
    table, its aliased rows left out, as R's).  Any other table is R's ``print.default`` of a
    matrix (:func:`glmstat.report.display.numeric_matrix_lines`:
    ``vcov()``, ``confint()``): each numeric column formatted with 7 significant digits (a logical one
    ``TRUE``/``FALSE``, text as it is), headed by its label, or for a confidence interval's limits by R's
    (``"2.5 %"``, ``"97.5 %"``, :func:`glmstat.report.display.confint_labels`).  Every block wraps at ``width``, as
    R's print wraps it; row names, labels and text are made printable, as every label glmstat prints.

    Parameters
    ----------
    table : DataFrame
        A table glmstat returned.
    width : int
        R's ``width`` option (10 to 10000).

    Returns
    -------
    str
        The lines, joined by newlines.
    """
    from .display import confint_labels, matrix_lines, numeric_matrix_lines
    from .rformat import format_r

    width = _r_width(width)
    attrs = table.attrs
    printer = _R_PRINTERS.get(attrs.get("r_print"))
    if printer is not None:
        return "\n".join(printer(table, width))
    labels: dict[Any, str] = {}
    if attrs.get("r_print") == "confint":
        labels = dict(zip(("lower", "upper"), confint_labels(attrs["level"], attrs["method"] == "profile")))
    header = [labels.get(c, str(c)) for c in table.columns]
    names = [str(r) for r in table.index]
    kinds = [table.iloc[:, j].dtype.kind for j in range(table.shape[1])]
    if all(k in "iuf" for k in kinds):
        columns = [table.iloc[:, j].to_numpy(dtype=float) for j in range(table.shape[1])]
        return "\n".join(numeric_matrix_lines(names, header, columns, width=width))
    cells = []  # (a table with text or logical columns: R's print of a data frame, a column formatted on its own)
    for j, kind in enumerate(kinds):
        col = table.iloc[:, j]
        if kind in "iuf":
            cells.append(format_r(col.to_numpy(dtype=float), 7))
        else:
            cells.append([_r_cell(v) for v in col])
    rows = [[c[i] for c in cells] for i in range(len(names))]
    return "\n".join(matrix_lines(names, [encode_string(h) for h in header], rows, width))


#: R's names of anova.glm's columns (the statistic is F, in an F test's table; the p-value's name is the test's)
_ANOVA_GLM_NAMES = {"df": "Df", "deviance": "Deviance", "resid_df": "Resid. Df", "resid_dev": "Resid. Dev",
                    "statistic": "F", "rao": "Rao", "cp": "Cp"}


def _anova_glm_lines(table: pd.DataFrame, width: int) -> list[str]:
    """``print.anova`` of ``anova.glm``'s table (and of ``anova.glmlist``'s, the title, a blank line and the
    models, :func:`glmstat.inference.anova.anova`): each line of the heading followed by a blank line (R's
    ``"\\n\\n"`` between them), a blank line more, then the table (:func:`glmstat.report.display.anova_lines`)."""
    from .display import anova_lines

    p_name = "Pr(>F)" if table.attrs.get("test") == "F" else "Pr(>Chi)"
    header = [p_name if c == "p_value" else _ANOVA_GLM_NAMES.get(c, str(c)) for c in table.columns]
    if table.attrs.get("r_print") == "anova_glmlist":  # (nested models: "Model 1: <formula>" lines, numbered
        models = table.attrs.get("models", [])          # as format(1:n) pads the numbers, under the title)
        numbers = [str(k).rjust(len(str(len(models)))) for k in range(1, len(models) + 1)]
        heading = ["Analysis of Deviance Table", ""] + [encode_string(line, backslash=False) for k, m in
                                                         zip(numbers, models) for line in f"Model {k}: {m}".split("\n")]
    else:
        heading = [line for h in str(table.attrs.get("heading", "")).split("\n")
                   for line in (encode_string(h, backslash=False), "")] + [""]
    columns = [table.iloc[:, j].to_numpy(dtype=float) for j in range(table.shape[1])]
    return heading + anova_lines([str(r) for r in table.index], header, columns, width)


def _coefmat_lines(table: pd.DataFrame, width: int) -> list[str]:
    """R's ``print(coef(summary(m)))``: the summary's table as a numeric matrix under R's column names, its aliased
    rows left out (:func:`glmstat.report.display.numeric_matrix_lines`), wrapped at ``width``."""
    from .display import numeric_matrix_lines

    kind = table.attrs.get("kind", "z")
    shown = table.drop(index=[a for a in table.attrs.get("aliased", ()) if a in table.index])
    columns = [shown[c].to_numpy(dtype=float) for c in ("estimate", "std_error", "statistic", "p_value")]
    return numeric_matrix_lines([str(r) for r in shown.index],
                                ["Estimate", "Std. Error", f"{kind} value", f"Pr(>|{kind}|)"], columns, width=width)


def _vif_lines(table: pd.DataFrame, width: int) -> list[str]:
    """car's ``vif()`` as R prints it: where every term has one column, the named vector of the GVIFs
    (``print.default``, :func:`glmstat.report.display.named_vector_lines` with R's gap of one space); else the
    matrix ``GVIF``, ``Df``, ``GVIF^(1/(2*Df))`` (:func:`glmstat.report.display.numeric_matrix_lines`), wrapped at
    ``width``."""
    from .display import named_vector_lines, numeric_matrix_lines
    from .rformat import format_r

    names = [str(r) for r in table.index]
    if (table["df"].to_numpy(dtype=float) == 1.0).all():
        return named_vector_lines(names, format_r(table["gvif"].to_numpy(dtype=float), 7), gap=1, width=width)
    columns = [table[c].to_numpy(dtype=float) for c in ("gvif", "df", "gvif_adj")]
    return numeric_matrix_lines(names, ["GVIF", "Df", "GVIF^(1/(2*Df))"], columns, width=width)


def _dose_lines(table: pd.DataFrame, width: int) -> list[str]:
    """MASS's ``print.glm.dose`` of ``dose.p``: the matrix of the doses and their standard errors, its rows
    ``p = 0.25:`` (``paste0("p = ", format(p), ":")``, the probabilities in one layout) and its columns ``Dose`` and
    ``SE`` (:func:`glmstat.report.display.numeric_matrix_lines`), wrapped at ``width``."""
    from .display import numeric_matrix_lines
    from .rformat import format_r

    names = [f"p = {p}:" for p in format_r(table.index.to_numpy(dtype=float), 7)]
    columns = [table[c].to_numpy(dtype=float) for c in ("dose", "std_error")]
    return numeric_matrix_lines(names, ["Dose", "SE"], columns, width=width)


#: MASS's names of anova.negbin's columns
_ANOVA_NEGBIN_NAMES = {"theta": "theta", "resid_df": "Resid. df", "twice_loglik": "   2 x log-lik.", "test": "Test",
                       "df": "   df", "statistic": "LR stat.", "p_value": "Pr(Chi)"}
#: MASS's names of stepAIC's ``$anova`` columns
_STEP_PATH_NAMES = {"step": "Step", "df": "Df", "deviance": "Deviance", "resid_df": "Resid. Df",
                    "resid_dev": "Resid. Dev", "aic": "AIC"}


def _mass_anova_lines(heading: list[str], table: pd.DataFrame, names: dict[str, str], width: int,
                      first: tuple[str, list[str]] | None = None) -> list[str]:
    """MASS's ``print.Anova`` (of ``anova.negbin``'s and ``stepAIC``'s tables): the ``heading`` lines, then
    ``print.data.frame`` of ``format.data.frame``'s cells with NA blank -- rows numbered 1 to n, text columns as
    they are (right-justified), each numeric column ``format(x, digits = 7)`` -- under the ``names`` of the columns
    (``first``: a column, its name and cells, before them), laid out by
    :func:`glmstat.report.display.matrix_lines` at ``width``."""
    from .display import matrix_lines
    from .rformat import format_r

    header, cells = ([first[0]], [first[1]]) if first else ([], [])
    for c in table.columns:
        col = table[c]
        if col.dtype.kind in "iuf":
            x = col.to_numpy(dtype=float)
            texts = ["" if np.isnan(v) else t.strip() for v, t in zip(x, format_r(x, 7))]
        else:
            texts = [encode_string(str(v)) for v in col]
        header.append(names.get(c, encode_string(str(c))))
        cells.append(texts)
    rows = [[col[i] for col in cells] for i in range(len(table))]
    return heading + matrix_lines([str(i) for i in range(1, len(table) + 1)], header, rows, width)


def _anova_negbin_lines(table: pd.DataFrame, width: int) -> list[str]:
    """MASS's ``print.Anova`` of ``anova.negbin``'s table (:func:`_mass_anova_lines`): the heading's lines
    (``cat(heading, sep = "\\n")`` of the title, which ends in a newline, and the ``Response:`` lines), then the
    models (right-justified under ``Model``) and the numbers under MASS's names.  The p-values are glmstat's upper
    tails: where MASS's ``1 - pchisq`` reads 0 (below about 1e-16) R prints ``0``, glmstat the tail (R's rounding,
    not a difference of the print)."""
    title, *responses = str(table.attrs.get("heading", "")).split("\n")
    heading = [encode_string(title, backslash=False), ""] + [encode_string(r, backslash=False) for r in responses]
    return _mass_anova_lines(heading, table, _ANOVA_NEGBIN_NAMES, width,
                             ("Model", [encode_string(str(m)) for m in table.index]))


def _step_path_lines(table: pd.DataFrame, width: int) -> list[str]:
    """MASS's ``print.Anova`` of ``stepAIC``'s ``$anova`` (:func:`_mass_anova_lines`): ``cat`` of its heading
    (``"Stepwise Model Path \\nAnalysis of Deviance Table"``, ``"\\nInitial Model:"``, the initial model deparsed,
    ``"\\nFinal Model:"``, the final one, ``"\\n"``: each on its lines, ``attrs["models"]``), then the steps."""
    initial, final = (str(m).split("\n") for m in table.attrs.get("models", ("", "")))
    heading = (["Stepwise Model Path ", "Analysis of Deviance Table", "", "Initial Model:"]
               + [encode_string(line, backslash=False) for line in initial] + ["", "Final Model:"]
               + [encode_string(line, backslash=False) for line in final] + ["", ""])
    return _mass_anova_lines(heading, table, _STEP_PATH_NAMES, width)


#: R's names of drop1.glm's and add1.glm's columns, by test (the statistic's and the p-value's); where the
#: dispersion is not 1 (a quasi, Gaussian or Gamma fit), the names of ``_TERM_CHANGES_SCALED``
_TERM_CHANGES_NAMES = {"df": "Df", "deviance": "Deviance", "aic": "AIC"}
_TERM_CHANGES_TESTS = {"Chisq": ("LRT", "Pr(>Chi)"), "Rao": ("Rao score", "Pr(>Chi)"), "F": ("F value", "Pr(>F)")}
_TERM_CHANGES_SCALED = {"Chisq": ("scaled dev.", "Pr(>Chi)"), "Rao": ("scaled Rao sc.", "Pr(>Chi)")}


def _term_changes_lines(table: pd.DataFrame, width: int) -> list[str]:
    """``print.anova`` of ``drop1.glm``'s or ``add1.glm``'s table: the heading's first line, a blank line,
    ``Model:`` and the model deparsed on the lines below it, then the table
    (:func:`glmstat.report.display.anova_lines`).  Its statistic is named as R names it: ``LRT`` and ``Rao score``,
    or ``scaled dev.`` and ``scaled Rao sc.`` where the fit's dispersion is not 1 (``attrs["scaled"]``), ``F
    value``; a quasi family's table has no AIC column (R drops it, all NA)."""
    from .display import anova_lines

    test = table.attrs.get("test")
    names = _TERM_CHANGES_SCALED if table.attrs.get("scaled") and test in _TERM_CHANGES_SCALED else _TERM_CHANGES_TESTS
    statistic, p_value = names.get(test, ("statistic", "p_value"))
    names = {**_TERM_CHANGES_NAMES, "statistic": statistic, "p_value": p_value}
    header = [names.get(c, str(c)) for c in table.columns]
    title, _, model = str(table.attrs.get("heading", "")).partition("\nModel: ")
    heading = [title, "", "Model:"] + [encode_string(line, backslash=False) for line in model.split("\n")]
    columns = [table.iloc[:, j].to_numpy(dtype=float) for j in range(table.shape[1])]
    return heading + anova_lines([str(r) for r in table.index], header, columns, width)


#: car::Anova's columns, in its order, by test: (glmstat's column, car's name)
_CAR_COLUMNS = {"LR": (("statistic", "LR Chisq"), ("df", "Df"), ("p_value", "Pr(>Chisq)")),
                "Wald": (("df", "Df"), ("statistic", "Chisq"), ("p_value", "Pr(>Chisq)")),
                "F": (("sum_sq", "Sum Sq"), ("df", "Df"), ("statistic", "F value"), ("p_value", "Pr(>F)"))}


def _car_anova_lines(table: pd.DataFrame, width: int) -> list[str]:
    """``print.anova`` of ``car::Anova``'s table: ``Analysis of Deviance Table (Type II tests)``, a blank line,
    ``Response: y`` (and for an F test ``Error estimate based on Pearson residuals `` and a blank line), then
    the table with car's columns in car's order (a type III F test's statistic ``F values``, as car 3.1 names
    it; :func:`glmstat.report.display.anova_lines`)."""
    from .display import anova_lines

    test, typ = table.attrs.get("test"), table.attrs.get("type")
    names = dict(_CAR_COLUMNS.get(test, ()))
    if test == "F" and typ == 3:
        names["statistic"] = "F values"
    order = [c for c in names if c in table.columns] + [c for c in table.columns if c not in names]
    response = [encode_string(h, backslash=False) for h in str(table.attrs.get("heading", "")).split("\n")
                if h.startswith("Response: ")]
    heading = [f"Analysis of Deviance Table (Type {'III' if typ == 3 else 'II'} tests)", ""] + response + (
        ["Error estimate based on Pearson residuals ", ""] if test == "F" else [])
    columns = [table[c].to_numpy(dtype=float) for c in order]
    return heading + anova_lines([str(r) for r in table.index], [names.get(c, str(c)) for c in order], columns,
                                 width)


#: R's names of influence.measures' other columns
_INFL_NAMES = {"dffit": "dffit", "cov_ratio": "cov.r", "cooks_d": "cook.d", "hat": "hat"}


def _infl_lines(table: pd.DataFrame, width: int) -> list[str]:
    """``print.infl`` of ``influence.measures``: ``Influence measures of``, a tab and the call (``cat`` of its
    deparsed lines, joined by spaces) and `` :``, a blank line, then ``print.data.frame`` with 3 digits of the
    measures and ``inf`` (``*`` where a rule flags the row): each column ``format(x, digits = 3)``, the dfbetas
    named ``dfb.`` and R's abbreviation of the coefficient (``1_`` for the intercept), wrapped at ``width`` by
    :func:`glmstat.report.display.matrix_lines`.  Rows of zero weight, which R leaves out, are left out."""
    from .display import matrix_lines
    from .rformat import abbreviate, format_r

    coefficients = list(table.attrs.get("coefficients", ()))
    short = dict(zip(coefficients, abbreviate(["1_" if c == "Intercept" else c for c in coefficients])))
    shown = table[table["hat"].notna()] if "hat" in table.columns else table
    header, cells = [], []
    for c in shown.columns:
        if c in ("influential", "flagged"):
            continue
        name = f"dfb.{short[c[4:]]}" if str(c).startswith("dfb_") and c[4:] in short else _INFL_NAMES.get(c, str(c))
        header.append(encode_string(name))
        cells.append(format_r(shown[c].to_numpy(dtype=float), 3))
    if "influential" in shown.columns:
        header.append("inf")
        cells.append(["*" if flag else " " for flag in shown["influential"].to_numpy(dtype=bool)])
    rows = [[col[i] for col in cells] for i in range(len(shown))]
    call = " ".join(encode_string(line, backslash=False) for line in table.attrs.get("call", ()))
    return (["Influence measures of", f"\t {call} :", ""]
            + matrix_lines([str(r) for r in shown.index], header, rows, width))


def _emm_digits(est: np.ndarray, se: np.ndarray) -> int:
    """emmeans' ``digits``: the most of ``.opt.dig(c(est - 2 se, est, est + 2 se))`` over the rows, where
    ``.opt.dig(x)`` is ``round(1.51 - log10(dz))`` (3 at least, and where dz is 0), dz the first of
    ``zapsmall(c(diff(z), z), 8)`` for z = range(x) / max(|x|)."""
    from ..formula.rounding import r_round
    from .rformat import zapsmall

    best = 3
    for e, s in zip(est, se):
        x = np.array([e - 2.0 * s, e, e + 2.0 * s])
        if np.isnan(x).any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.array([x.min(), x.max()]) / np.abs(x).max()
            dz = float(zapsmall(np.array([z[1] - z[0], z[0], z[1]]), 8)[0])
            zz = float(r_round(1.51 - np.log10(dz), 0)) if dz > 0 else 3.0
        best = max(best, int(zz) if np.isfinite(zz) else 3)
    return best


def _emmeans_lines(table: pd.DataFrame, width: int) -> list[str]:
    """``print.summary_emm`` of emmeans' means and of its comparisons (``pairs()``, ``contrast()``; with a level,
    ``summary(..., infer = TRUE)``): the levels or contrasts (left-justified, headed by the variables' names padded
    to their width) and the numbers -- zapped, df rounded to 2 decimals, each column ``format(x, digits)`` with
    emmeans' digits (:func:`_emm_digits`): the estimate (named by ``attrs["estimate"]``), ``SE``, ``df``, the
    limits, ``null`` (a ratio's 1, ``attrs["null"]``); then a test's ``z.ratio`` (``t.ratio`` on finite df)
    ``format(round(x, 3), nsmall = 3)`` and ``p.value`` ``format(round(p, 4), nsmall = 4)``, ``<.0001`` where that
    is 0 -- each column right-justified to its widest cell or name (an estimate not estimable ``nonEst``, the
    other missing cells ``NA``), without row names; a block for each
    combination of the ``by`` variables in emmeans' order (the last one slowest), headed ``wool = A, shift = day:``
    and followed by a blank line, each laid out by :func:`glmstat.report.display.matrix_lines` at ``width``; then
    emmeans' notes, each followed by a space."""
    from ..formula.rounding import r_round
    from .display import matrix_lines
    from .rformat import format_r, zapsmall

    attrs = table.attrs
    by = [b for b in attrs.get("by", []) if b in table.index.names]
    index = table.index.to_frame(index=False)
    index.columns = [str(c) for c in index.columns]
    limits = attrs.get("limits", "asymp")
    lo, hi = ("asymp.LCL", "asymp.UCL") if limits == "asymp" else ("lower.CL", "upper.CL")
    numbers = {attrs.get("estimate", "estimate"): table["estimate"], "SE": table["std_error"], "df": table["df"]}
    if "lower" in table.columns:
        numbers.update({lo: table["lower"], hi: table["upper"]})
    if attrs.get("null") is not None:
        numbers["null"] = pd.Series(np.full(len(table), float(attrs["null"])))
    tests = {}  # (emmeans' column of its test statistic and of the p-values, and their decimals)
    if "statistic" in table.columns:
        tests["z.ratio" if limits == "asymp" else "t.ratio"] = (table["statistic"], 3)
    if "p_value" in table.columns:
        tests["p.value"] = (table["p_value"], 4)
    digits = _emm_digits(table["estimate"].to_numpy(dtype=float), table["std_error"].to_numpy(dtype=float))
    cells: dict[str, list[str]] = {}
    left: set[str] = set()
    for name in index.columns:
        cells[name] = [encode_string(str(v)) for v in index[name]]
        left.add(name)
    for name, col in numbers.items():
        x = zapsmall(col.to_numpy(dtype=float), 7)
        if name == "df":
            x = np.asarray(r_round(x, 2), dtype=float)
        cells[name] = [c.strip() for c in format_r(x, digits)]
    estimate = attrs.get("estimate", "estimate")  # (a mean or comparison not estimable: emmeans' "nonEst")
    cells[estimate] = ["nonEst" if np.isnan(v) else c for v, c in zip(table["estimate"].to_numpy(dtype=float),
                                                                        cells[estimate])]
    for name, (col, decimals) in tests.items():
        x = np.asarray(r_round(zapsmall(col.to_numpy(dtype=float), 7), decimals), dtype=float)
        texts = [c.strip() for c in format_r(x, 7, nsmall=decimals, scientific=False)]
        cells[name] = ["<.0001" if name == "p.value" and t == "0.0000" else t for t in texts]
    heads = {}
    for name, texts in cells.items():
        w = max([len(name)] + [len(t) for t in texts])
        cells[name] = [t.ljust(w) if name in left else t.rjust(w) for t in texts]
        heads[name] = encode_string(name).ljust(len(cells[name][0])) if name in left and texts else encode_string(name)
    shown = [c for c in cells if c not in by]
    n = len(table)
    groups: list[tuple[str, list[int]]] = []
    if by:
        # (emmeans' order(by, decreasing last): each by level's rank, the grid listing levels in their order)
        ranks = [pd.factorize(index[b])[0] for b in reversed(by)]
        order = sorted(range(n), key=lambda i: tuple(int(r[i]) for r in ranks))
        for i in order:
            label = ", ".join(f"{b} = {cells[b][i].strip()}" for b in by)
            if not groups or groups[-1][0] != label:
                groups.append((label, []))
            groups[-1][1].append(i)
    else:
        groups = [("", list(range(n)))]
    lines: list[str] = []
    for label, rows in groups:
        if label:
            lines.append(label + ":")
        lines += matrix_lines([""] * len(rows), [heads[c] for c in shown], [[cells[c][i] for c in shown] for i in rows],
                              width)
        lines.append("")
    return lines + [f"{note} " for note in attrs.get("notes", [])]


#: The printer of each table whose ``attrs["r_print"]`` names what R prints for it (see :func:`r_text`)
_R_PRINTERS: dict[str, Callable[[pd.DataFrame, int], list[str]]] = {
    "anova_glm": _anova_glm_lines, "anova_glmlist": _anova_glm_lines, "coefmat": _coefmat_lines,
    "vif": _vif_lines, "dose": _dose_lines, "step_path": _step_path_lines, "anova_negbin": _anova_negbin_lines,
    "term_changes": _term_changes_lines, "car_anova": _car_anova_lines, "infl": _infl_lines,
    "emmeans": _emmeans_lines}

def table_styler(table: pd.DataFrame) -> Any:
    """pandas' ``Styler`` of ``table`` (:attr:`Table.style`), its labels and text cells HTML text, whose other
    writers write them as their own text: ``to_latex()`` as LaTeX text (:func:`_latex_label`; the HTML text read as
    TeX: a level ``^^5cinput{/etc/passwd}``, TeX's code for a backslash, made ``\\input`` run, and the ``&`` of an
    entity split a cell), ``to_string()`` as the terminal's, with the styles, formats and caption given to the
    Styler; ``to_typst()``, for which glmstat has no escaping (a ``#`` in Typst's markup starts code), is refused.

    Parameters
    ----------
    table : DataFrame
        The table as glmstat returned it (its labels and text cells as they are).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    from pandas.io.formats.style import Styler

    class TableStyler(Styler):
        def _written(self, label: Callable[[Any], Any]) -> Styler:
            """A Styler of the table's labels and text cells as ``label`` writes them, with this one's styles."""
            other = Styler(_shown_frame(table, label))
            other.use(self.export())
            for name in ("_display_funcs", "_display_funcs_index", "_display_funcs_columns",
                         "_display_funcs_index_names", "_display_funcs_column_names"):
                if hasattr(self, name):  # (the formats given: format(), format_index(), ...)
                    setattr(other, name, getattr(self, name).copy())
            other.caption = self.caption
            return other

        def to_latex(self, *args: Any, **kwargs: Any) -> Any:
            """pandas' ``Styler.to_latex``, the labels and text cells LaTeX text."""
            return self._written(_latex_label).to_latex(*args, **kwargs)

        def to_string(self, *args: Any, **kwargs: Any) -> Any:
            """pandas' ``Styler.to_string``, the labels and text cells as the terminal's repr writes them."""
            return self._written(_label).to_string(*args, **kwargs)

        def to_typst(self, *args: Any, **kwargs: Any) -> Any:
            """Refused: a :class:`~glmstat.GLMStatError`."""
            from ..errors import GLMStatError

            raise GLMStatError("a table's style writes HTML (to_html()), LaTeX (to_latex()) and text (to_string()); "
                               "Typst, whose markup runs what follows a '#', is not written (its labels come from the "
                               "data)")

    return TableStyler(_shown_frame(table, _html_label))


def _html_label(value: Any) -> Any:
    """A label or cell as HTML text, its unprintable characters escaped first; a number or missing value as
    pandas writes it; any other object (a tuple label from the data's index, bytes) as the text of its
    ``str()``, which Styler writes."""
    import html

    if value is None or isinstance(value, (numbers.Number, np.generic, pd.Timestamp, pd.Timedelta, type(pd.NaT))):
        return value
    return html.escape(encode_string(value if isinstance(value, str) else str(value)), quote=True)


def _to_html_unescaped(table: pd.DataFrame, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """pandas' ``to_html(escape=False)`` of ``table``, its labels and text cells from the data still HTML text
    (escaped here, by :func:`_html_label`, as the Styler's): ``escape=False`` is asked for the caller's own
    markup (what its ``formatters`` write, which is written as it is), and a factor level
    ``<img src=x onerror=...>`` ran as a tag.  ``columns`` selects by the raw labels and ``formatters`` are
    keyed by them, as pandas'."""
    opts = dict(kwargs)
    if opts.get("columns") is not None:
        table = table[list(opts.pop("columns"))]  # (by the raw labels, before they are escaped)
    if isinstance(opts.get("formatters"), dict):
        opts["formatters"] = {_html_label(k): f for k, f in opts["formatters"].items()}
    return _shown_frame(table, _html_label).to_html(*args, **opts)


def printable_table(value: Any) -> Any:
    """``value`` as a :class:`Table` or :class:`Column` when it is a pandas DataFrame or Series (the same
    labels and values, its ``attrs`` kept); anything else (a dask collection, a path, None) as it is."""
    if isinstance(value, (Table, Column)):
        return value
    if isinstance(value, pd.DataFrame):
        return Table(value).__finalize__(value)
    if isinstance(value, pd.Series):
        return Column(value).__finalize__(value)
    return value


def returns_table(func: F) -> F:
    """Decorator: the pandas DataFrame or Series that ``func`` returns, as :func:`printable_table` makes it."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return printable_table(func(*args, **kwargs))

    return wrapper  # type: ignore[return-value]
