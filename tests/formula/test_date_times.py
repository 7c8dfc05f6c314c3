"""Columns of date-times (pandas' datetime64, R's POSIXct) and of dates (Python's datetime.date, R's Date) against
R 4.2 (tests/fixtures/date_times, made by scripts/make_date_times.R): as.Date() in UTC (R's default) and on the
clock of the column's own time zone (tz =), as.numeric(), format() codes of the date and the clock, months(),
weekdays(), quarters() and julian() across daylight-saving changes, midnight, 1970 and fractions of a second, in
four time zones and every storage (units, a zone or none, Arrow's); fits and predictions; the same on Parquet and
dask; what is refused, by name."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, expression_value, expression_values, r_coef_name

HERE = FIXTURES / "date_times"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"poisson": gs.Poisson(), "gaussian": gs.Gaussian()}
ZONES = {z["zone"]: z for z in REF["zones"]}


def _instants(seconds, zone: str | None, unit: str = "ns") -> pd.Series:
    """Seconds since 1970 (None: missing) as a datetime64 column in ``zone`` (None: no zone, UTC's clock)."""
    s = pd.Series(pd.to_datetime(pd.Series(seconds, dtype=float), unit="s", utc=True))
    s = s.dt.tz_convert(zone) if zone is not None else s.dt.tz_localize(None)
    return s.astype(f"datetime64[{unit}, {zone}]" if zone is not None else f"datetime64[{unit}]")


def _days_as_dates(days) -> pd.Series:
    """Days since 1970 (NaN: missing) as a column of Python's dates (an object column, as pyarrow reads date32)."""
    d = pd.to_datetime(pd.Series(days, dtype=float), unit="D")
    return pd.Series([None if pd.isna(v) else v.date() for v in d], dtype=object)


def _texts(data: pd.DataFrame, expr: str) -> list:
    v = expression_value(data, expr)
    return [None if k < 0 or v.levels[k] == "NA" else v.levels[k] for k in v.codes]


def _numbers(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


#: (time zone, its storage): every zone in nanoseconds, and UTC's clock stored as pandas and Arrow keep it
STORAGES = [(z, None, "ns") for z in ZONES] + [("UTC", "naive", "ns"), ("UTC", "naive", "ms"), ("UTC", "naive", "us"),
                                               ("Europe/Paris", None, "ms"), ("America/New_York", "arrow", "us")]


def _column(zone: str, storage: str | None, unit: str) -> pd.DataFrame:
    t = _instants(REF["seconds"], None if storage == "naive" else zone, unit)
    if storage == "arrow":
        pytest.importorskip("pyarrow")
        import pyarrow as pa

        t = t.astype(pd.ArrowDtype(pa.timestamp(unit, tz=zone)))
    return pd.DataFrame({"t": t})


@pytest.mark.parametrize("zone, storage, unit", STORAGES, ids=[f"{z}-{s}-{u}" for z, s, u in STORAGES])
def test_date_functions_of_date_times_are_r_s(zone, storage, unit):
    ref, data = ZONES[zone], _column(zone, storage, unit)
    own = "" if zone == "UTC" and storage == "naive" else f', tz = "{zone}"'
    np.testing.assert_array_equal(expression_values(data, f"as.numeric(as.Date(t{own}))"), _numbers(ref["dates"]))
    np.testing.assert_array_equal(expression_values(data, 'as.numeric(as.Date(t, tz = "UTC"))'),
                                  _numbers(ref["utc_dates"]))
    np.testing.assert_array_equal(expression_values(data, "as.numeric(t)"), _numbers(ref["numeric"]))
    assert_close(expression_values(data, "julian(t)"), _numbers(ref["julian"]), rtol=1e-15)
    for code, written in ref["written"].items():
        assert _texts(data, f'format(t, "{code}")') == written, code
    assert _texts(data, "months(t)") == ref["months"]
    assert _texts(data, "months(t, abbreviate = TRUE)") == ref["months_short"]
    assert _texts(data, "weekdays(t)") == ref["weekdays"]
    assert _texts(data, "quarters(t)") == [None if q == "QNA" else q for q in ref["quarters"]]


def _data() -> pd.DataFrame:
    d = pd.read_csv(HERE / "data.csv")
    return d.assign(t=_instants(d["t"], "Europe/Paris"), d=_days_as_dates(d["d"]))


def _new() -> pd.DataFrame:
    return pd.DataFrame({"t": _instants(REF["new"]["t"], "Europe/Paris"), "d": _days_as_dates(REF["new"]["d"])})


def _check_fit(fit: gs.GLMResults, ref: dict) -> None:
    assert fit.nobs == ref["nobs"]
    assert_close(fit.coef, ref["coef"], rtol=1e-7)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    assert_close([fit.deviance], [ref["deviance"]], rtol=1e-9)
    assert_close(fit.predict(_new()), ref["predict"], rtol=1e-9)


@pytest.mark.parametrize("ref", REF["fits"], ids=[f["formula"] for f in REF["fits"]])
def test_fits_and_predictions_are_r_s(ref):
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(ref["formula"], _data(), family=FAMILIES[ref["family"]], tol=1e-12, max_iter=100)
    _check_fit(fit, ref)
    # (each level as R names it after its term, whose text differs: R's as.Date() is given its tz =)
    assert [r_coef_name(n).rsplit(")", 1)[-1] for n in fit.coef.index] == [n.rsplit(")", 1)[-1] for n in ref["levels"]]


@pytest.mark.parametrize("kind", ["parquet", "dask"])
def test_streamed_fits_are_the_in_memory_fit(kind, tmp_path):
    from streamed_cases import as_streamed

    ref = REF["fits"][0]
    with pytest.warns(gs.DroppedRowsWarning):
        streamed = gs.glm(ref["formula"], as_streamed(_data(), kind, tmp_path, rows=7), family=gs.Poisson(),
                          tol=1e-12, max_iter=100)
    assert streamed.column_names[1:3] == ['as.Date(t, tz = "Europe/Paris")', "weekdays(t)[T.Monday]"]
    _check_fit(streamed, ref)


def test_factor_of_dates_has_r_s_levels():
    data = pd.DataFrame({"d": _days_as_dates(REF["factor_levels"]["days"])})
    assert list(expression_value(data, "factor(d)").levels) == REF["factor_levels"]["levels"]
    assert list(expression_value(data, "factor(as.Date(d) + 0.5)").levels) == REF["factor_levels"]["levels"]


def test_the_caller_s_columns_are_unchanged():
    data = _data()
    before = data.copy()
    with pytest.warns(gs.DroppedRowsWarning):
        gs.glm(REF["fits"][0]["formula"], data, family=gs.Poisson())
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.parametrize("term, match", [
    ("t", "column 't' holds date-times .*as.Date\\(t, tz = \"Europe/Paris\"\\) for its dates "
          ".*as.numeric\\(t\\) for seconds"),
    ("log(t)", "column 't' holds date-times"),
    ("I(t > 0)", "column 't' holds date-times"),
    ("factor(t)", "column 't' holds date-times"),
    ("`odd name`", "as.Date\\(`odd name`, tz = \"Europe/Paris\"\\)"),
    ("as.Date(t)", "time zone is 'Europe/Paris': R's as.Date\\(\\) takes the date in UTC, the day before .*"
                   'write tz = "Europe/Paris" .* or tz = "UTC"'),
    ('as.Date(t, tz = "America/New_York")', 'tz must be "UTC" or the column\'s own time zone'),
    ('as.Date(t, tz = "../../etc/passwd")', 'tz must be "UTC" or the column\'s own time zone'),
    ('as.Date(t, format = "%Y")', "takes no format = \\(only tz =\\)"),
    ("format(t)", "format\\(\\) of date-times needs format ="),
    ('julian(t, origin = as.Date("2000-01-01"))', "takes no origin ="),
    ('cut(as.Date(t, tz = "UTC"), 3)', "of dates takes breaks = \"day\", \"week\""),
    ("months(y)", "x must be a date .* or a column of date-times"),
    ("span", "column 'span' holds time spans"),
])
def test_refusals(term, match):
    data = _data().assign(span=pd.to_timedelta(np.arange(80), "D"))
    data["odd name"] = data["t"]
    with pytest.raises(gs.GLMStatError, match=match):
        gs.glm(f"y ~ {term}", data)


@pytest.mark.parametrize("kind", ["memory", "parquet"])
def test_inference_beyond_the_fit(kind, tmp_path):
    """A model that reads dates runs every inference method; marginal effects and reference grids, which set a
    variable to other values, refuse the dates by name (and take the other variables when asked by name)."""
    from streamed_cases import as_streamed

    data = _data().assign(g=np.arange(80) % 3)
    source = data if kind == "memory" else as_streamed(data, kind, tmp_path, rows=9)
    formula = 'count ~ as.Date(t, tz = "Europe/Paris") + weekdays(t) + factor(g)'
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(formula, source, family=gs.Poisson())
        mem = gs.glm(formula, data, family=gs.Poisson())
    assert_close(fit.anova()["deviance"].to_numpy()[1:], mem.anova()["deviance"].to_numpy()[1:], rtol=1e-9)
    assert_close(fit.drop1()["deviance"], mem.drop1()["deviance"], rtol=1e-9)
    assert_close(fit.robust("HC0").std_errors, mem.robust("HC0").std_errors, rtol=1e-9)
    ame = fit.average_marginal_effects(variables=["g"])
    assert_close(ame["estimate"], mem.average_marginal_effects(variables=["g"])["estimate"], rtol=1e-9)
    with pytest.raises(gs.GLMStatError, match="marginal effects: 't' holds dates or date-times"):
        fit.average_marginal_effects()
    with pytest.raises(gs.GLMStatError, match="estimated marginal means: 't' holds dates or date-times"):
        fit.emmeans("g")


def test_format_reads_each_value_it_writes_once():
    """format(t, "%H") of many distinct instants writes 24 texts: only the distinct hours are counted against the
    bound on distinct texts (each distinct second was, so that a large column was refused)."""
    seconds = 1704067200.0 + np.arange(200_000) * 7.3
    data = pd.DataFrame({"t": _instants(seconds, "Europe/Paris")})
    hours = _texts(data, 'format(t, "%H")')
    want = pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).dt.tz_convert("Europe/Paris").dt.strftime("%H")
    assert hours == want.tolist()
    minutes = _texts(data.head(5000), 'format(t, "%d %H:%M")')
    want = pd.Series(pd.to_datetime(seconds[:5000], unit="s", utc=True)).dt.tz_convert("Europe/Paris")
    assert minutes == want.dt.strftime("%d %H:%M").tolist()
    with pytest.raises(gs.FormulaError, match="distinct date-times"):
        expression_value(data, 'format(t, "%d %H:%M:%S")')  # (200,000 distinct seconds: more than 100,000)


@pytest.mark.parametrize("formula", ['y ~ as.Date(t, tz = "Europe/Paris")', "y ~ I(as.numeric(t) / 3600)",
                                     "y ~ weekdays(t)", 'y ~ format(t, "%H")', "y ~ julian(t)"])
def test_new_data_holds_what_the_fit_read(formula):
    """A call that read date-times reads date-times of new data, and nothing else: text or seconds there would
    be read as something else (days, text as a number) and give a silently wrong prediction."""
    data = _data()
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm(formula, data)
    assert_close(fit.predict(data.head(3)), fit.fitted_values.to_numpy()[:3], rtol=1e-12)
    for other in (["2024-05-01 10:00:00+02:00"], [1.7e9]):
        with pytest.raises(gs.FormulaError, match="t held date-times when the model was fitted; new data must"):
            fit.predict(pd.DataFrame({"t": other}))
    text = gs.glm("y ~ as.Date(s) + as.numeric(s2)", data.assign(s=data["t"].dt.strftime("%Y-%m-%d"),
                                                                    s2=data["y"].astype(str)).dropna())
    new = data.head(2).assign(s=data["t"].head(2), s2=data["t"].head(2))
    with pytest.raises(gs.FormulaError, match="s holds date-times, where the model was fitted on other values"):
        text.predict(new)


def test_new_data_of_another_kind_than_the_fit_s_text_or_numbers_is_refused():
    data = pd.DataFrame({"y": np.arange(40) % 5 + 1.0, "k": np.arange(40.0),
                         "s": pd.date_range("2024-01-01", periods=40).strftime("%Y-%m-%d")})
    text = gs.glm("y ~ as.Date(s)", data, family=gs.Poisson())
    days = gs.glm('y ~ as.Date(k, origin = "2024-01-01")', data, family=gs.Poisson())
    assert_close(text.predict(data.head(3)), days.predict(data.head(3)), rtol=1e-9)  # (the same dates)
    with pytest.raises(gs.FormulaError, match="x held text when the model was fitted; new data must hold text"):
        text.predict(pd.DataFrame({"s": [19725.0]}))
    with pytest.raises(gs.FormulaError, match="x held numbers when the model was fitted; new data must hold numbers"):
        days.predict(pd.DataFrame({"k": ["3"]}))
