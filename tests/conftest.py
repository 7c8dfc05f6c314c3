"""Shared fixtures: R reference cases copied from R 4.2 output (see tests/fixtures/README.md)."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


def load_ref(case_id: str) -> dict:
    """R's output for one reference case."""
    return json.loads((FIXTURES / "r" / f"{case_id}.json").read_text())


def load_data(name: str) -> pd.DataFrame:
    """A reference data set exactly as R read it."""
    return pd.read_csv(FIXTURES / "data" / f"{name}.csv")


def held_out_case(case_id: str) -> tuple[dict, pd.DataFrame]:
    """R's output for a held-out random case (fixtures/random_held_out) and its data."""
    here = FIXTURES / "random_held_out"
    ref = json.loads((here / "r" / f"{case_id}.json").read_text())
    return ref, pd.read_csv(here / "data" / f"{ref['data']}.csv")


def expression_value(data: pd.DataFrame, expr: str):
    """glmstat's value of the formula expression ``expr`` on the rows of ``data`` (as a model is fitted)."""
    from glmstat.formula.data_columns import DataColumns
    from glmstat.formula.evaluate import Evaluator
    from glmstat.formula.frame import column_names
    from glmstat.formula.limits import DEFAULT_LIMITS
    from glmstat.formula.parser import parse_expression

    names, positions = column_names(data)
    ev = Evaluator(DataColumns(data, names, positions), {}, {}, "fit", DEFAULT_LIMITS)
    return ev.eval(parse_expression(expr))


def traced_peak(call):
    """``call()``'s result and the peak of the memory tracemalloc traced while it ran (bytes)."""
    import tracemalloc

    tracemalloc.start()
    try:
        out = call()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def traced_evaluation(data: pd.DataFrame, expr: str, limits=None, traced: bool = True):
    """The evaluator after ``expr`` is evaluated on ``data`` (the data's own columns read first, coded once as a
    model reads them), and the peak of the memory tracemalloc traced meanwhile (``traced``; else 0: tracing slows
    Python's steps tenfold): what a formula's prices (``ev.held_bytes``, ``ev.text_bytes``, ``ev.work``) are
    compared with."""
    import tracemalloc

    from glmstat.formula.data_columns import DataColumns
    from glmstat.formula.evaluate import Evaluator
    from glmstat.formula.frame import column_names
    from glmstat.formula.limits import DEFAULT_LIMITS
    from glmstat.formula.nodes import names_read
    from glmstat.formula.parser import parse_expression

    names, positions = column_names(data)
    ev = Evaluator(DataColumns(data, names, positions), {}, {}, "fit", DEFAULT_LIMITS if limits is None else limits)
    node = parse_expression(expr)
    for name in names_read(node):
        if name in ev.data:  # (a name that is no column: C(g, sum)'s contrast)
            ev.data.value(name)
    if not traced:
        ev.eval(node)
        return ev, 0
    tracemalloc.start()
    try:
        ev.eval(node)
        return ev, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bernoulli_deviance(fit) -> float:
    """-2 sum log P(y_i) of a fit to 0/1 responses, from its fitted means (the closed form of its deviance)."""
    y, mu = np.asarray(fit.model_frame.y), fit.fitted_values.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-2.0 * np.sum(np.where(y > 0, np.log(mu), np.log1p(-mu))))


def r_string(text: str) -> str:
    """``text`` as an R string literal (backslash, quote, newline and tab escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def r_replace_call(fn: str, case: dict) -> str:
    """The call ``fn(pattern, replacement, s, flags...)`` of a sub()/gsub() fixture case."""
    args = "".join(f", {k} = {'TRUE' if v else 'FALSE'}" for k, v in (case["args"] or {}).items())
    return f"{fn}({r_string(case['pattern'])}, {r_string(case['replacement'])}, s{args})"


def expression_values(data: pd.DataFrame, expr: str) -> np.ndarray:
    """The numbers of :func:`expression_value`."""
    return np.asarray(expression_value(data, expr).values, dtype=float)


def r_double(text: str) -> float:
    """A double as R's ``sprintf("%a")`` wrote it (or "NA", "NaN", "Inf", "-Inf")."""
    return math.nan if text in ("NA", "NaN") else float(text) if text in ("Inf", "-Inf") else float.fromhex(text)


def all_case_ids() -> list[str]:
    return sorted(p.stem for p in (FIXTURES / "r").glob("*.json"))


def family_of(f: dict) -> gs.Family:
    """The glmstat family for a reference case's family spec."""
    name, link = f["name"], f.get("link")
    kw = {} if link is None else {"link": link}
    if name == "binomial":
        return gs.Binomial(**kw)
    if name == "poisson":
        return gs.Poisson(**kw)
    if name == "Gamma":
        return gs.Gamma(**kw)
    if name == "gaussian":
        return gs.Gaussian(**kw)
    if name == "inverse.gaussian":
        return gs.InverseGaussian(**kw)
    if name == "quasipoisson":
        return gs.QuasiPoisson(**kw)
    if name == "quasibinomial":
        return gs.QuasiBinomial(**kw)
    if name == "quasi":
        return gs.Quasi(variance=f["variance"], **kw)
    if name == "negative.binomial":
        return gs.NegativeBinomial(theta=f["theta"], **kw)
    if name == "negative.binomial.estimated":
        return gs.NegativeBinomial(**kw)
    if name == "tweedie":
        return gs.Tweedie(var_power=f["var_power"], link_power=f["link_power"])
    raise ValueError(name)


#: Scalar results compared with R's, by attribute name.
R_SCALARS = ["dispersion", "deviance", "null_deviance", "df_residual", "df_null", "nobs", "rank", "aic", "bic",
             "loglik"]
#: Vector results compared with R's: the fixture's key -> how to read it from a fit.
R_VECTORS = {
    "coefficients": lambda f: f.coef,
    "std_errors": lambda f: f.std_errors,
    "statistic": lambda f: f.statistic,
    "p_values": lambda f: f.p_values,
    "fitted": lambda f: f.fitted_values,
    "linear_predictor": lambda f: f.linear_predictor,
    "resid_deviance": lambda f: f.residuals("deviance"),
    "resid_pearson": lambda f: f.residuals("pearson"),
    "resid_working": lambda f: f.residuals("working"),
    "resid_response": lambda f: f.residuals("response"),
    "vcov": lambda f: f.vcov,
}


def fit_ref(ref: dict, **kw) -> gs.GLMResults:
    """Fit a reference case as R did (tight tolerance: the references are exact MLEs)."""
    d = load_data(ref["data"])
    args = {"family": family_of(ref["family"]), "tol": 1e-12, "max_iter": 100}
    if ref.get("weights"):
        args["weights"] = ref["weights"]
    args.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        return gs.glm(ref["formula"], d, **args)


def r_array(values) -> np.ndarray:
    """R's JSON (null = NA) as a float array."""
    return np.asarray([[np.nan if v is None else v for v in row] if isinstance(row, list) else
                       (np.nan if row is None else row) for row in values], dtype=float)


_R_SPECIAL = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}


def r_values(values) -> np.ndarray:
    """R's JSON numbers, with NA, NaN and infinities written as strings (jsonlite's ``na = "string"``)."""
    return np.array([_R_SPECIAL[v] if isinstance(v, str) else v for v in values], dtype=float)


def assert_close(got, want, rtol=1e-6, atol=1e-10):
    """Elementwise |got - want| <= rtol |want| + atol, with NaN matching NaN (R's NA)."""
    got = np.asarray(got.to_numpy() if hasattr(got, "to_numpy") else got, dtype=float)
    want = r_array(want) if isinstance(want, list) else np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def r_coef_name(name: str) -> str:
    """glmstat's coefficient name as R writes it: 'Intercept' -> '(Intercept)', 'g[T.b]' -> 'gb', a logical's
    'I(x > 1)[T.True]' -> 'I(x > 1)TRUE' (and FALSE)."""
    name = name.replace("[T.True]", "TRUE").replace("[T.False]", "FALSE")
    return "(Intercept)" if name == "Intercept" else re.sub(r"\[(?:T\.)?([^\]]*)\]", r"\1", name)


def assert_type3_is_car_s(fit: gs.GLMResults, ref: dict) -> None:
    """``fit.anova(type=3)`` against car's ``Anova(m, type = 3)`` (``ref``: its terms, statistic and df, the
    intercept's row left out of glmstat's table)."""
    rows = [i for i, t in enumerate(ref["terms"]) if t != "(Intercept)"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.ContrastsWarning)
        table = fit.anova(type=3)
    assert_close(table["statistic"], [ref["statistic"][i] for i in rows], rtol=1e-6)
    assert list(table["df"]) == [ref["df"][i] for i in rows]


def assert_fit_is_r_s(ref: dict, data: pd.DataFrame, family: gs.Family) -> gs.GLMResults:
    """Fit ``ref["formula"]`` at a tight tolerance and compare it with R's glm (``ref``: coef_names, nobs, coef,
    se, as the formula fixtures' R scripts write them); the fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)
        fit = gs.glm(ref["formula"], data, family=family, tol=1e-12, max_iter=100)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert fit.nobs == ref["nobs"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    return fit


def assert_coef_is_r_s(ref: dict, data: pd.DataFrame) -> None:
    """A gaussian fit of ``ref["formula"]`` at a tight tolerance against R's glm, the coefficients to 1e-9 (``ref``:
    coef_names, nobs, and coef written by sprintf("%a"), as the scripts of the formula functions' fixtures write)."""
    fit = gs.glm(ref["formula"], data, tol=1e-12, max_iter=100)
    assert [r_coef_name(n) for n in fit.coef.index] == ref["coef_names"]
    assert fit.nobs == ref["nobs"]
    np.testing.assert_allclose(fit.coef, [r_double(t) for t in ref["coef"]], rtol=1e-9)


@pytest.fixture(autouse=True)
def row_group_by_row_group(monkeypatch):
    """Parquet files read one row group per chunk, as a file of long row groups is: the tests' files hold
    small row groups to exercise what happens across chunks (levels, dropped rows, refusals), which reading
    short row groups together (glmstat.formula.readers.RUN_ROWS) would merge into one chunk.
    tests/design/test_parquet_input.py checks that reading them together gives the same fits."""
    from glmstat.formula import readers

    monkeypatch.setattr(readers, "RUN_ROWS", 1)


@pytest.fixture(scope="session")
def students() -> pd.DataFrame:
    return load_data("students")


class dense_only:
    """Context manager: build every design dense (no structured design), to compare the two encodings."""

    def __enter__(self):
        import glmstat.formula.frame as frontend

        self._saved = frontend.STRUCTURED
        frontend.STRUCTURED = False
        return self

    def __exit__(self, *exc):
        import glmstat.formula.frame as frontend

        frontend.STRUCTURED = self._saved
        return False


def structured_in_blocks(monkeypatch, rows: int) -> None:
    """Keep every design structured however small (``DENSE_BELOW`` 0) and run its passes over blocks of ``rows``
    rows: the other side of the design's size thresholds, on a fixture of a few hundred rows."""
    import glmstat.design.policy as policy

    monkeypatch.setattr(policy, "DENSE_BELOW", 0)
    monkeypatch.setattr(policy, "MAX_BLOCK_ROWS", rows)
    monkeypatch.setattr(policy, "MAX_STRUCTURED_BLOCK_ROWS", rows)


def held_out_source(data, path: str, tmp_path, monkeypatch, rows: int = 16):
    """What a case is fitted from on ``path``: ``data`` itself ("memory"); ``data`` with every design structured and
    its passes over blocks of ``rows`` rows ("blocks", :func:`structured_in_blocks`); or the path of a Parquet file of
    ``data`` in row groups of 8 rows, written under ``tmp_path`` ("parquet"; skipped without pyarrow)."""
    if path == "parquet":
        pytest.importorskip("pyarrow")
        data.to_parquet(tmp_path / "case.parquet", row_group_size=8)
        return str(tmp_path / "case.parquet")
    if path == "blocks":
        structured_in_blocks(monkeypatch, rows)
    elif path != "memory":
        raise ValueError(f"path must be 'memory', 'blocks' or 'parquet', got {path!r}")
    return data


def structured_frame(formula, data, family, **kw):
    """The model frame when the front end builds a structured design for it, else None."""
    from glmstat.formula.frame import build_model_frame
    from glmstat.design.structured import StructuredDesign

    frame = build_model_frame(formula, data, family, **kw)
    return frame if isinstance(frame.design, StructuredDesign) else None


# Property tests draw the same examples on every run (reproducible CI); set HYPOTHESIS_PROFILE=explore
# to draw new ones, e.g. for a long fuzzing session.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("ci", derandomize=True, deadline=None)
_hyp_settings.register_profile("explore", derandomize=False, deadline=None)
_hyp_settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


class CountingPattern:
    """A compiled pattern whose ``match`` calls are counted (work measured in steps, not time)."""

    def __init__(self, pattern) -> None:
        self.pattern, self.calls = pattern, 0

    def match(self, *args):
        self.calls += 1
        return self.pattern.match(*args)


@pytest.fixture
def unread(monkeypatch):
    """The command line must refuse a file before reading its fields: reading them fails the test."""
    from glmstat import cli

    def fail(*args, **kwargs):
        raise AssertionError("the file's fields were read")

    monkeypatch.setattr(cli, "read_fields", fail)
    monkeypatch.setattr(cli, "_header_names", fail)


def cli_fit(path) -> tuple[int, str]:
    """``glmstat fit "y ~ x" PATH --family gaussian`` in this process: its exit status and what it wrote to stderr."""
    import io
    import sys

    from glmstat import cli

    err = io.StringIO()
    real, sys.stderr = sys.stderr, err
    try:
        status = cli.main(["fit", "y ~ x", str(path), "--family", "gaussian"])
    finally:
        sys.stderr = real
    return status, err.getvalue()
