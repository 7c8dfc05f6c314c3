"""The short print of a fitted model, as R's ``print.glm``: the call, the coefficients, the degrees of
freedom, the deviances and the AIC (``GLMResults.__repr__``; ``summary()`` has the full table)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..formula.rounding import r_signif
from .display import SUMMARY_DIGITS, missing_note, named_vector_lines
from .rformat import encode_string, format_r
from .call import call_lines

if TYPE_CHECKING:
    from ..inference.results import GLMResults

__all__ = ["fit_text"]


def _signif(x: float, digits: int) -> str:
    """``format(signif(x, digits))``: rounded to ``digits`` significant digits as R's ``signif`` rounds (a
    deviance of 98.765 prints 98.76, where Python's ``%.4g`` gives 98.77), printed in full."""
    if not math.isfinite(x):
        return "NA" if math.isnan(x) else ("Inf" if x > 0 else "-Inf")
    return format_r([r_signif(x, digits)], 7)[0].strip()


def fit_text(fit: "GLMResults") -> str:
    """``print.glm``'s lines for ``fit`` (digits 4), with a last line when the fit did not converge."""
    call = [encode_string(ln, backslash=False) for ln in call_lines(fit)]
    lines = ["", "Call:  " + "\n".join(call), ""]
    names = [str(n) for n in fit.column_names]
    if names:
        values = [v.strip() for v in format_r(fit.coef.to_numpy(), SUMMARY_DIGITS)]
        lines += ["Coefficients:"] + named_vector_lines(names, values)
    else:
        lines += ["No coefficients", ""]
    lines += ["", f"Degrees of Freedom: {fit.df_null} Total (i.e. Null);  {fit.df_residual} Residual"]
    if fit.n_dropped:
        lines.append(f"  {missing_note(fit.n_dropped)}")
    lines.append(f"Null Deviance:\t    {_signif(fit.null_deviance, SUMMARY_DIGITS)} ")
    aic = _signif(fit.aic, SUMMARY_DIGITS)
    lines.append(f"Residual Deviance: {_signif(fit.deviance, SUMMARY_DIGITS)} \tAIC: {aic}")
    if not fit.converged:
        lines.append(f"NOT converged after {fit.iterations} iterations: the estimates are not reliable "
                     "(see fit.notes)")
    return "\n".join(lines)
