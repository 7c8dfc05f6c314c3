"""Input validation before any fitting: every bad input is refused with the right gs.GLMStatError subclass and
a message that names the column / value / row count and what to do."""

from __future__ import annotations

import datetime
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs


@pytest.fixture()
def d() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 30
    return pd.DataFrame({
        "y": rng.integers(0, 2, n).astype(float), "x": rng.normal(size=n), "count": rng.poisson(3, n).astype(float),
        "g": rng.choice(list("abc"), n), "pos": rng.gamma(2, 1, n), "expo": rng.uniform(1, 3, n),
        "Solar.R": rng.normal(size=n),
    })


def refuse(cls, match, formula, data, **kw):
    with pytest.raises(cls, match=match) as info:
        gs.glm(formula, data, **kw)
    assert isinstance(info.value, gs.GLMStatError) and isinstance(info.value, ValueError)
    return info.value


# -- names and formulas ------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula,name,hint", [
    ("y ~ xx", "xx", "'x'"),
    ("y ~ x + cuont", "cuont", "'count'"),
    ("yy ~ x", "yy", "'y'"),
    ("y ~ log(poss)", "poss", "'pos'"),
    ("y ~ I(xx^2)", "xx", "'x'"),
    ("count ~ x + offset(log(expos))", "expos", "'expo'"),
    ("cbind(count, faill) ~ x", "faill", None),
    ("y ~ Solar_R", "Solar_R", "'Solar.R'"),
])
def test_unknown_column_is_named_with_suggestions(d, formula, name, hint):
    fam = gs.Binomial() if formula.startswith("cbind") else gs.Gaussian()
    e = refuse(gs.FormulaError, f"the formula uses '{name}', which is not a column of the data", formula, d, family=fam)
    if hint:
        assert f"did you mean {hint}" in str(e)


def test_columns_of_a_multiindex_are_explained(d):
    """A frame of MultiIndex columns (``df.groupby(g).agg(["mean", "sum"])``) names each column by a tuple's
    text: "'y' is not a column" now says why and how to flatten them; the backticked tuple stays a name."""
    data = d[["y", "x"]].set_axis(pd.MultiIndex.from_tuples([("y", "mean"), ("x", "mean")]), axis=1)
    refuse(gs.FormulaError, r"the formula uses 'y', which is not a column of the data; the data's columns are a "
           r"MultiIndex, whose names are tuples such as \"\('y', 'mean'\)\": flatten them first", "y ~ x", data)
    fit = gs.glm("`('y', 'mean')` ~ `('x', 'mean')`", data)
    assert list(fit.coef.index) == ["Intercept", "`('x', 'mean')`"]


@pytest.mark.parametrize("formula,match", [
    ("y ~ x +", "the formula ends where a term is expected"),
    ("y ~ (x", "cannot read the formula"),
    ("y ~ x ++* g", "cannot read the formula"),
    ("y ~ I(x", "cannot read the formula"),
    ("y x", "must have one '~'"),
    ("~ x", "must have one '~' with a response on the left"),
    ("y ~ x ~ g", "must have one '~'"),
    ("y ~ ", "must have one '~'"),
    ("log(y ~ x", "cannot read the formula"),
    ("y ~ x | g", "has '\\|' or '~' at the top level"),
    ("y ~ x - offset(expo)", "'- offset\\(...\\)' is not supported"),
])
def test_formula_syntax_errors(d, formula, match):
    refuse(gs.FormulaError, match, formula, d)


@pytest.mark.parametrize("formula", [None, 3, ["y ~ x"], b"y ~ x"])
def test_formula_must_be_a_string(d, formula):
    refuse(gs.FormulaError, "formula must be a string such as 'y ~ x1 \\+ x2'", formula, d)


@pytest.mark.parametrize("as_dict", [False, True])
def test_data_first_is_named_as_the_wrong_order(d, as_dict):
    data = d.to_dict("list") if as_dict else d
    err = refuse(gs.FormulaError, "the arguments are in the wrong order; glm\\(\\) takes the formula first and "
                 "the data second", data, "y ~ x + secret_term")
    kind = "dict" if as_dict else "DataFrame"
    assert f"got a {kind} as the formula and a string as the data" in str(err)
    assert "secret_term" not in str(err)  # types only, never the arguments' content
    # checked before anything else reads the arguments: an invalid family is not what is reported
    refuse(gs.FormulaError, "wrong order", data, "y ~ x", family="binomial")
    refuse(gs.FormulaError, f"got a {kind} as the formula: the arguments are in the wrong order", data, None)


def test_formula_leaving_no_coefficient_is_an_empty_model_as_in_r(d):
    fit = gs.glm("y ~ 0", d)  # R: no coefficients, mu = 0 (the inverse link of a zero offset)
    assert fit.rank == 0 and fit.deviance == pytest.approx(float(np.sum(np.asarray(d["y"], float) ** 2)))


def test_formula_term_that_fails_to_evaluate_names_the_term(d):
    refuse(gs.FormulaError, "cannot read the formula 'y ~ I\\(x if x else 0\\)'", "y ~ I(x if x else 0)", d)
    refuse(gs.FormulaError, "in the term 'I\\(g \\+ 1\\)': g \\+ 1: the left side of '\\+' is a factor .* "
           "arithmetic is not meaningful",
           "y ~ I(g + 1)", d)


# -- the data object ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,name", [([1, 2, 3], "list"), (np.ones((3, 2)), r"numpy\.ndarray"), (None, "NoneType"),
                                       (pd.Series([1.0, 2.0]), r"pandas\.(core\.series\.)?Series")])
def test_data_must_be_a_dataframe_or_dict(data, name):
    # (the exact type, module and class: a polars or pandas "DataFrame" alone would not say whose)
    refuse(gs.DataError, re.escape("data must be a pandas DataFrame or a dict of columns (or a pyarrow Table, a "
                                   "polars or dask DataFrame, a path to Parquet files), got ") + name + "$", "y ~ x",
           data)


def test_a_string_that_is_no_parquet_path_is_refused_as_such():
    refuse(gs.DataError, re.escape("data is a string, so it must be the path of a Parquet file, a directory of them "
                                   "or a glob; 'y,x\\n1,2' names none"), "y ~ x", "y,x\n1,2")


@pytest.mark.parametrize("text", ["x" * 300, "x" * 10**6, "a/" * 3000, "abc\0def"])
def test_a_string_the_file_system_cannot_look_up_names_no_path(text):
    # (a file name beyond NAME_MAX raised the OS's "File name too long"; a NUL, ValueError)
    pytest.importorskip("pyarrow")
    refuse(gs.DataError, "data is a string, so it must be the path of a Parquet file, a directory of them or a glob; "
                         ".* names none", "y ~ x", text)


def test_a_glob_with_two_recursive_wildcards_is_refused(tmp_path):
    # each '**' walks every directory below the one before: ten of them take hours on a deep tree
    pytest.importorskip("pyarrow")
    refuse(gs.DataError, re.escape("a glob may hold one '**'"), "y ~ x", str(tmp_path / "**" / "**" / "*.parquet"))


def test_dict_of_arrays_is_accepted_and_equals_the_dataframe(d):
    as_dict = {c: d[c].to_numpy() for c in ["y", "x"]}
    a = gs.glm("y ~ x", as_dict, family=gs.Binomial())
    b = gs.glm("y ~ x", d, family=gs.Binomial())
    np.testing.assert_array_equal(a.coef.to_numpy(), b.coef.to_numpy())


@pytest.mark.parametrize("categories, ordered", [(["lo", "mid", "hi"], True), (["mid", "lo", "hi", "top"], False)])
def test_a_categorical_in_a_dict_keeps_its_categories_and_order(categories, ordered):
    """A pandas Categorical among a dict's columns is the factor it is in a DataFrame: its own level order,
    ordered (polynomial contrasts) or not, its unused levels treated alike; new data given as a dict too."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    g = pd.Categorical(rng.choice(["lo", "mid", "hi"], 60), categories=categories, ordered=ordered)
    y = rng.poisson(np.exp(0.3 * x + 0.2 * g.codes)).astype(float)
    a = gs.glm("y ~ x + g", {"y": y, "x": x, "g": g}, family=gs.Poisson())
    b = gs.glm("y ~ x + g", pd.DataFrame({"y": y, "x": x, "g": g}), family=gs.Poisson())
    assert a.column_names == b.column_names
    assert any(name.startswith("g[.L]" if ordered else "g[T.") for name in a.column_names)
    np.testing.assert_allclose(a.coef.to_numpy(), b.coef.to_numpy(), rtol=1e-12)
    new = {"x": x[:5], "g": g[:5]}
    np.testing.assert_allclose(a.predict(new).to_numpy(), b.predict(pd.DataFrame(new)).to_numpy(), rtol=1e-12)


def test_dict_with_unequal_lengths():
    # (counted before pandas reads them, which it did with a ValueError whose text the message quoted)
    refuse(gs.DataError, "data columns must all have the same length: 'y' has 3 values and 'x' 2$", "y ~ x",
           {"y": [0, 1, 0.0], "x": [1, 2.0]})


@pytest.mark.parametrize("as_dict", [True, False])
def test_a_column_name_that_is_not_text_is_refused_by_name(as_dict):
    """A name holding a lone surrogate cannot be written: a dict of columns failed in pandas with 'data columns
    must all have the same length' (an encoding error, a ValueError), and a DataFrame fitted but could not print
    its summary."""
    y, x = np.arange(10.0), np.arange(10.0) ** 2
    if as_dict:
        data = {"y": y, "x\ud800": x}
    else:
        data = pd.DataFrame({"y": y, "x": x})
        data.columns = pd.Index(["y", "x\ud800"], dtype=object)
    for formula in ("y ~ .", "y ~ `x\ud800`"):
        refuse(gs.DataError, r"column name that is not valid text \(a lone surrogate\): 'x\\ud800'; rename", formula,
               data)


def test_duplicate_column_names(d):
    dd = d[["y", "x", "pos"]].copy()
    dd.columns = ["y", "x", "x"]
    refuse(gs.DataError, "data has duplicate column names: 'x'; rename them", "y ~ x", dd)


def test_empty_data(d):
    refuse(gs.DataError, "data has no rows", "y ~ x", d.iloc[:0])


def test_no_complete_rows(d):
    refuse(gs.DataError, "no complete rows: every row has a missing value in a model variable \\(x\\)", "y ~ x",
           d.assign(x=np.nan))


@pytest.mark.parametrize("missing", [None, pd.NA, np.nan])
@pytest.mark.parametrize("family", [gs.Gaussian(), gs.Poisson()])
def test_a_response_of_missing_values_alone_has_no_complete_rows(d, missing, family):
    """An object column of None (or pd.NA) is missing values, as R's logical NA ("0 (non-NA) cases"); as the
    response it was refused as a factor that "holds None"."""
    refuse(gs.DataError, "no complete rows: every row has a missing value in a model variable \\(count\\)",
           "count ~ x", d.assign(count=pd.Series([missing] * len(d), dtype=object)), family=family)


def test_missing_values_with_na_action_raise(d):
    dd = d.copy()
    dd.loc[[0, 4, 9], "x"] = np.nan
    refuse(gs.DataError, "3 rows have missing values \\(x: 3\\) and na_action='raise'", "y ~ x", dd, na_action="raise")


def test_unknown_na_action(d):
    refuse(gs.DataError, "na_action must be 'drop' or 'raise', got 'omit'", "y ~ x", d, na_action="omit")


@pytest.mark.parametrize("column,what", [
    (pd.date_range("2020-01-01", periods=30), "date-times"),
    (pd.to_timedelta(np.arange(30), "D"), "time spans"),
    (np.arange(30) + 1j, "complex numbers"),
])
def test_column_types_without_a_numeric_reading(d, column, what):
    refuse(gs.DataError, f"column 't' holds {what}", "y ~ x + t", d.assign(t=column))


class _LoudFloat(float):
    """A float whose conversion is code of the data's: it records the call and changes the value."""

    calls: list = []

    def __float__(self) -> float:
        _LoudFloat.calls.append(self)
        return 1.0


def test_numbers_of_a_subclass_are_refused_without_running_their_conversion(d):
    col = np.array([_LoudFloat(v) for v in d["x"]], dtype=object)
    refuse(gs.DataError, r"column 't' holds values of the type '_LoudFloat', which glmstat does not convert",
           "y ~ t", d.assign(t=col))
    refuse(gs.DataError, r"weights holds values of the type '_LoudFloat'", "y ~ x", d, weights=col)
    assert _LoudFloat.calls == []


@pytest.mark.parametrize("values, held", [
    (np.array(["1", "2"] * 15), "<U1 values such as '1'"),           # texts, which a cast would read
    (["1_0", "2"] * 15, "<U3 values such as '1_0'"),                   # (as 10)
    (pd.date_range("2020-01-01", periods=30), "datetime64"),           # dates, which a cast would count
    (np.array(["1", 2.0] * 15, dtype=object), "values of the type 'str'"),
])
def test_weights_and_offsets_given_as_texts_or_dates_are_refused(d, values, held):
    """R: glm(weights = c("1", "2")) stops ("non-numeric argument"); a cast read "1_0" as 10 and dates as
    nanoseconds."""
    refuse(gs.DataError, f"weights .*{held}", "y ~ x", d, weights=values)
    refuse(gs.DataError, f"offset .*{held}", "y ~ x", d, offset=values)


@pytest.mark.parametrize("kind", ["Decimal", "float64", "float"])
def test_an_object_column_of_python_and_numpy_numbers_is_read_as_numbers(d, kind):
    """Decimals, numpy scalars and floats in an object column are numbers (the test above refuses only other
    types): the fit equals that of the float column."""
    import decimal

    make = {"Decimal": lambda v: decimal.Decimal(repr(v)), "float64": np.float64, "float": float}[kind]
    want = gs.glm("y ~ x", d).coef.to_numpy()
    got = gs.glm("y ~ t", d.assign(t=np.array([make(v) for v in d["x"]], dtype=object))).coef.to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13)


def _mixed_numbers(kind: str, values: np.ndarray) -> np.ndarray:
    """``values`` (every one a multiple of 1/8, exact in each type) as an object array of Fractions, or of
    Decimals every other one an int or a float: pandas calls such a column "mixed", not numbers."""
    import decimal
    import fractions

    def one(i: int, v: float) -> object:
        if kind == "Fraction":
            return fractions.Fraction(v)
        if i % 2 == 0 and (kind == "Decimal+float" or v.is_integer()):  # (an int only where it is exact)
            return float(v) if kind == "Decimal+float" else int(v)
        return decimal.Decimal(repr(v))

    out = np.array([one(i, v) for i, v in enumerate(values.tolist())], dtype=object)
    assert pd.api.types.infer_dtype(out) in ("mixed", "mixed-integer")
    return out


@pytest.mark.parametrize("kind", ["Fraction", "Decimal+int", "Decimal+float"])
def test_an_object_column_of_mixed_python_numbers_is_read_as_numbers(d, kind):
    """Fractions, and Decimals mixed with ints or floats, were refused as a column ("mixes values of types
    Decimal, float") though weights= took the same array: they are numbers, as there.  Reference: the least
    squares solution (a Gaussian fit with the identity link is one), by numpy; the response and the weights
    read from such columns too."""
    rng = np.random.default_rng(3)
    t = rng.integers(-40, 40, 30) / 8.0
    w = rng.integers(1, 5, 30).astype(float)
    X = np.column_stack([np.ones(30), t])
    want = np.linalg.lstsq(X * np.sqrt(w)[:, None], d["pos"].to_numpy() * np.sqrt(w), rcond=None)[0]
    data = d.assign(t=_mixed_numbers(kind, t), w=_mixed_numbers(kind, w))
    np.testing.assert_allclose(gs.glm("pos ~ t", data, weights="w").coef.to_numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(gs.glm("pos ~ t", data, weights=data["w"].to_numpy()).coef.to_numpy(), want,
                               rtol=1e-12)
    data = data.assign(pos=_mixed_numbers(kind, t), t=d["pos"])
    want = np.linalg.lstsq(X[:, :1], t, rcond=None)[0][0]
    np.testing.assert_allclose(gs.glm("pos ~ 1", data).coef["Intercept"], want, rtol=1e-12)


@pytest.mark.parametrize("values,held", [
    ([datetime.datetime(2020, 1, d, 12) for d in range(1, 31)],
     r"holds date-times as Python objects of the type datetime; make it a datetime64 column"),
    ([pd.Period("2020-01", "M")] * 30, r"holds dates \(Python objects of the type Period\)"),
    ([datetime.timedelta(days=d) for d in range(30)], r"holds time spans \(Python objects of the type timedelta\)"),
    ([complex(d, 1) for d in range(30)], "holds complex numbers"),
    ([b"a", b"b"] * 15, "holds values of the type bytes;"),
    (["a", 1.5] * 15, "holds a mixture of values of the types float, str;"),
])
def test_an_object_column_of_other_values_is_refused_for_what_it_holds(d, values, held):
    """An object column of date-times, periods, time spans or complex numbers is refused as a column of their dtype
    is (a column of Python's dates, what pyarrow's date32 becomes, is R's Date: tests/formula/test_date_times.py);
    the message said "mixes values of types date" of a column of one type."""
    refuse(gs.DataError, f"column 't' {held}", "y ~ x + t", d.assign(t=pd.Series(values, dtype=object)))


def test_a_signalling_nan_is_refused_as_data(d):
    import decimal

    col = np.array([decimal.Decimal("1.5"), decimal.Decimal("sNaN")] * 15, dtype=object)
    refuse(gs.DataError, r"column 't' holds a value that cannot be compared with itself", "y ~ t", d.assign(t=col))
    refuse(gs.DataError, r"weights holds a value that cannot be compared with itself", "y ~ x", d, weights=col)


# -- the response and the family's support ------------------------------------------------------------------

@pytest.mark.parametrize("family,values,domain", [
    (gs.Binomial(), [0.0, 1.5], r"\[0, 1\]"),
    (gs.Binomial(), [0.0, -0.2], r"\[0, 1\]"),
    (gs.QuasiBinomial(), [0.0, 2.0], r"\[0, 1\]"),
    (gs.Poisson(), [3.0, -1.0], r"\[0, inf\)"),
    (gs.QuasiPoisson(), [3.0, -1.0], r"\[0, inf\)"),
    (gs.NegativeBinomial(), [3.0, -2.0], r"\[0, inf\)"),
    (gs.NegativeBinomial(theta=2), [3.0, -2.0], r"\[0, inf\)"),
    (gs.Gamma(), [1.0, 0.0], r"\(0, inf\)"),
    (gs.Gamma(), [1.0, -3.0], r"\(0, inf\)"),
    (gs.InverseGaussian(), [1.0, 0.0], r"\(0, inf\)"),
    (gs.Tweedie(var_power=1.5), [1.0, -1.0], r"\[0, inf\)"),
    (gs.Tweedie(var_power=3), [1.0, 0.0], r"\(0, inf\)"),
])
def test_response_outside_the_support(d, family, values, domain):
    dd = d.assign(r=np.resize(np.array(values[:1] * 3 + values[1:]), len(d)))
    n_bad = int(np.sum(dd["r"] == values[1]))
    refuse(gs.DataError, f"the response 'r' must lie in {domain} for the {family.name} family; row 3 has "
           f"{values[1]:g} \\({n_bad} rows? outside\\)", "r ~ x", dd, family=family)


def test_non_integer_successes_in_cbind(d):
    dd = d.assign(s=np.resize([1.0, 2.5, 3.0], len(d)), f=2.0)
    refuse(gs.DataError, "cbind\\(\\) needs whole numbers of successes and failures .* row 1 has 2.5 successes of "
           "4.5 \\(10 rows\\); round the counts, or use glmstat.QuasiBinomial\\(\\)", "cbind(s, f) ~ x", dd,
           family=gs.Binomial())
    gs.glm("cbind(s, f) ~ x", dd, family=gs.QuasiBinomial())  # no error: quasi-likelihood takes them


def test_negative_counts_in_cbind(d):
    refuse(gs.DataError, "'f' must be non-negative counts; row 0 has -1", "cbind(s, f) ~ x",
           d.assign(s=1.0, f=np.r_[-1.0, np.ones(len(d) - 1)]), family=gs.Binomial())


def test_non_integer_successes_from_weights_warn_as_r(d):
    with pytest.warns(gs.DataWarning, match="non-integer number of successes \\(weights x response = 0.66"):
        gs.glm("p ~ x", d.assign(p=0.33), family=gs.Binomial(), weights=np.full(len(d), 2.0))


@pytest.mark.parametrize("family", [gs.Poisson(), gs.NegativeBinomial(theta=3)], ids=lambda f: f.name)
def test_non_integer_counts_warn(d, family):
    with pytest.warns(gs.DataWarning, match="has non-integer values \\(row 0 has 1.5; 30 rows\\).*AIC"):
        gs.glm("c ~ x", d.assign(c=1.5), family=family)


def test_data_warnings_are_kept_in_the_notes_and_the_summary(d):
    # every warning of a fit is kept in fit.notes and shown by summary(), the data checks' ones too; the row
    # is printed as a plain label (0, not np.int64(0))
    with pytest.warns(gs.DataWarning) as seen:
        fits = [gs.glm("c ~ x", d.assign(c=1.5), family=gs.Poisson()),
                gs.glm("p ~ x", d.assign(p=0.33), family=gs.Binomial(), weights=np.full(len(d), 2.0))]
    for fit, w in zip(fits, seen):
        assert fit.notes == (str(w.message),)
        assert str(w.message) in str(fit.summary())
        assert "np." not in str(w.message)


def test_non_integer_poisson_counts_have_no_likelihood_as_in_r():
    # R: m <- glm(y ~ x, poisson, d); c(AIC(m), logLik(m), BIC(m)) is Inf -Inf Inf (dpois of a non-integer
    # count is 0, with a warning), summary(m) prints "AIC: Inf" and drop1(m) an AIC of Inf on every row
    d = pd.DataFrame({"y": [0.5, 1.5, 2, 3, 5.5, 4], "x": [1, 2, 3, 4, 5, 6]})
    with pytest.warns(gs.DataWarning):
        fit = gs.glm("y ~ x", d, family=gs.Poisson())
    assert (fit.aic, fit.loglik, fit.bic) == (np.inf, -np.inf, np.inf)
    assert "AIC: Inf" in str(fit.summary()).splitlines()
    assert np.isposinf(fit.drop1()["aic"]).all()
    with warnings.catch_warnings():  # a zero-weight row's count does not count (R's product is NaN)
        warnings.simplefilter("error")
        kept = gs.glm("y ~ x", d.assign(y=[0.5, 1, 2, 3, 5, 4], w=[0.0, 1, 1, 1, 1, 1]), family=gs.Poisson(),
                      weights="w")
    assert np.isfinite(kept.aic)


@pytest.mark.parametrize("family", [gs.Poisson(), gs.NegativeBinomial(), gs.Gaussian(), gs.Gamma()],
                         ids=lambda f: f.name)
def test_non_numeric_response(d, family):
    refuse(gs.DataError, "the response 'g' must be numeric, but it holds '[abc]'", "g ~ x", d, family=family)


# -- infinite values --------------------------------------------------------------------------------------

@pytest.mark.parametrize("formula,column,match", [
    ("y ~ x", "x", "the design column 'x' has infinite values"),
    ("pos ~ x", "pos", "the response 'pos' has infinite values \\(row 3 has inf\\)"),
    ("y ~ I(1/(x - x))", None, "the design column 'I\\(1/\\(x - x\\)\\)' has infinite values"),
    ("count ~ x + offset(log(expo))", "expo", "the offset has infinite values"),
])
def test_infinite_values(d, formula, column, match):
    dd = d.copy()
    if column:
        dd.loc[3, column] = np.inf
    fam = gs.Poisson() if formula.startswith("count") else gs.Gamma() if formula.startswith("pos") else gs.Gaussian()
    refuse(gs.DataError, match, formula, dd, family=fam)


def test_infinite_weights(d):
    refuse(gs.DataError, "weights must be finite and non-negative; row 2 has inf", "y ~ x", d,
           weights=np.r_[1.0, 1.0, np.inf, np.ones(len(d) - 3)])


def test_negative_weights_in_a_column_name_the_column(d):
    dd = d.assign(w=1.0)
    dd.loc[4, "w"] = -2.0
    refuse(gs.DataError, "^weights column 'w' must be finite and non-negative; row 4 has -2$", "y ~ x", dd,
           weights="w")


@pytest.mark.parametrize("column,match", [("x", "the design column 'x' has values as large as 1e\\+120"),
                                          ("y", "the response 'y' has values as large as 1e\\+120")])
def test_values_whose_squares_overflow(d, column, match):
    dd = d.copy()
    dd.loc[0, column] = 1e120
    refuse(gs.DataError, match + ".*rescale", "y ~ x", dd)


def test_column_too_tiny_for_double_precision(d):
    refuse(gs.DataError, "the design column 'x' has no value larger than .*underflow", "y ~ x",
           d.assign(x=d.x * 1e-200))


def test_response_too_tiny_for_double_precision():
    # y = (2 + 3x + e) * 1e-300 gave standard errors and p-values of exactly 0, without a word
    e = np.array([.1, -.2, .3, -.1, .2, -.3, .1, 0])
    x = np.arange(1.0, 9.0)
    err = refuse(gs.DataError, "the response 'y' has no value larger than 2.6e-299 .*underflow.*rescale it "
                 "\\(e.g. multiply by 1e299\\)", "y ~ x", pd.DataFrame({"y": (2 + 3 * x + e) * 1e-300, "x": x}))
    assert "standard errors" in str(err)
    with pytest.warns(gs.PerfectFitWarning):  # zero is no underflow: an all-zero response still fits
        fit = gs.glm("y ~ x", pd.DataFrame({"y": np.zeros(8), "x": x}))
    assert fit.coef.abs().max() == 0.0


@pytest.mark.parametrize("value", [1e-320, 1e-300, 1e-101])
def test_positive_weights_too_tiny_for_double_precision(d, value):
    # subnormal weights gave infinite standard errors and leaked numpy's 'overflow encountered in matmul'
    w = np.ones(len(d))
    w[[3, 5]] = value
    refuse(gs.DataError, f"the weights have positive values below 1e-100 \\(row 3 has {value:.3g}; 2 rows\\).*"
           "underflow.*rescale the weights", "y ~ x", d, weights=w)
    refuse(gs.DataError, "row 0 has 1e-320; 30 rows", "y ~ x", d, weights=np.full(len(d), 1e-320))
    w[[3, 5]] = 0.0  # zero weights leave rows out: legitimate
    assert gs.glm("y ~ x", d, weights=w).df_residual == len(d) - 2 - 2


def test_offset_too_tiny_for_double_precision(d):
    refuse(gs.DataError, "the offset has no value larger than 1e-320 .*underflow.*rescale it", "count ~ x", d,
           family=gs.Poisson(), offset=np.full(len(d), 1e-320))
    assert gs.glm("count ~ x", d, family=gs.Poisson(), offset=np.zeros(len(d))).converged


# -- weights and offsets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("weights,match", [
    (-np.ones(30), "weights must be finite and non-negative; row 0 has -1"),
    (np.ones(29), "weights has 29 values but the data has 30 rows"),
    (np.ones(31), "weights has 31 values but the data has 30 rows"),
    ("ww", "weights='ww' names no column of the data$"),
    ("xx", "weights='xx' names no column of the data; did you mean 'x'\\?"),
    ("g", "weights column 'g' must be numeric, but it holds '[abc]'"),
    (np.ones((30, 2)), "weights must be one value per row, but it has shape \\(30, 2\\)"),
    (np.zeros(30), "every row used has zero weights"),
    (pd.Series(np.ones(30), index=np.arange(100, 130)), "weights is a Series whose index does not match"),
    ([[1.0, 2.0], [3.0]] + [1.0] * 28, "weights must be numbers, one value per row"),
])
def test_bad_weights(d, weights, match):
    refuse(gs.DataError, match, "y ~ x", d, family=gs.Binomial(), weights=weights)


def test_missing_weights_drop_rows_and_are_counted(d):
    w = np.ones(len(d))
    w[[1, 2]] = np.nan
    with pytest.warns(gs.DroppedRowsWarning, match="2 of 30 rows dropped for missing values \\(weights: 2\\)"):
        fit = gs.glm("y ~ x", d, family=gs.Binomial(), weights=w)
    assert fit.n_dropped == 2 and 1 not in fit.rows_used and 2 not in fit.rows_used


def test_series_weights_are_aligned_by_label(d):
    w = pd.Series(np.arange(1.0, 31.0), index=d.index)[::-1]  # same labels, reversed order
    a = gs.glm("x ~ 1", d, weights=w)
    b = gs.glm("x ~ 1", d, weights=np.arange(1.0, 31.0))
    assert a.coef.iloc[0] == pytest.approx(b.coef.iloc[0], rel=1e-14)


def test_series_in_context_are_aligned_by_label_as_weights():
    # a context= Series was used by position while the same Series as weights= (or a data column) is aligned by
    # label: with its labels reversed, the fit paired every value with the wrong row
    y = np.array([1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3])
    d = pd.DataFrame({"y": y}, index=np.arange(10, 18))
    k = pd.Series([1.0, 3, 2, 5, 4, 7, 6, 8], index=np.arange(17, 9, -1))
    want = np.linalg.lstsq(np.column_stack([np.ones(8), k.reindex(d.index).to_numpy()]), y, rcond=None)[0]
    assert np.allclose(gs.glm("y ~ k", d, context={"k": k}).coef.to_numpy(), want, rtol=1e-12, atol=0)
    # labels that are not the data's are refused, as they are for weights=
    refuse(gs.DataError, "context= entry 'k' is a Series whose index does not match the data's index; align it "
           "first \\(e.g. context=\\{'k': s.reindex\\(data.index\\)\\}\\)", "y ~ k", d,
           context={"k": k.set_axis(np.arange(8))})


@pytest.mark.parametrize("offset,match", [
    (np.ones(32), "offset has 32 values but the data has 30 rows"),
    ("nope", "offset='nope' names no column of the data"),
    ("g", "offset column 'g' must be numeric"),
    (np.ones((30, 2)), "offset must be one value per row, but it has shape \\(30, 2\\)"),
    (np.r_[np.inf, np.ones(29)], "the offset has infinite values"),
])
def test_bad_offsets(d, offset, match):
    refuse(gs.DataError, match, "count ~ x", d, family=gs.Poisson(), offset=offset)


# -- family, link and control ----------------------------------------------------------------------------------

@pytest.mark.parametrize("make,match", [
    (lambda: gs.Binomial(link="inverted"), "link 'inverted' is not available for the binomial family; its usual "
                                           "links are logit"),
    (lambda: gs.Poisson(link="Log"), "link 'Log' is not available for the poisson family"),
    (lambda: gs.Gamma(link="probit "), "link 'probit ' is not available for the Gamma family"),
    (lambda: gs.Gaussian(link="foo"), "link 'foo' is not available for the gaussian family"),
    (lambda: gs.Gamma(link=3), "unknown link 3; links are identity, log"),
    (lambda: gs.links.Power("x"), "Power link needs a number, got 'x'"),
    (lambda: gs.links.Power(np.inf), "Power link needs a finite power"),
    (lambda: gs.Quasi(variance="mu^4"), "unknown quasi variance 'mu\\^4'"),
])
def test_invalid_family_or_link(make, match):
    with pytest.raises(gs.FamilyError, match=match):
        make()


@pytest.mark.parametrize("theta", [0, -1, np.nan, np.inf, "a", True, [1]])
def test_invalid_theta(theta):
    with pytest.raises(gs.FamilyError, match="theta must be a positive"):
        gs.NegativeBinomial(theta=theta)


@pytest.mark.parametrize("p,match", [(0.5, "no Tweedie distribution exists for 0 < var_power < 1"),
                                     (0.999, "no Tweedie distribution exists"),
                                     (np.nan, "var_power must be a finite number"),
                                     (True, "var_power must be a finite number"),
                                     ("x", "var_power must be a number"), (None, "var_power must be a number")])
def test_invalid_var_power(p, match):
    with pytest.raises(gs.FamilyError, match=match):
        gs.Tweedie(var_power=p)


def test_tweedie_positional_var_power():
    assert gs.Tweedie(1.5).var_power == 1.5 and gs.Tweedie(1.5).link_power == -0.5
    assert gs.Tweedie(2, 0).link.name == "log"
    with pytest.raises(gs.FamilyError, match="Tweedie takes link_power=, not link="):
        gs.Tweedie(1.5, link="log")


@pytest.mark.parametrize("family,match", [
    ("binomal", "unknown family 'binomal' \\(did you mean 'binomial'\\?\\); families are gaussian, binomial"),
    ("", "unknown family ''; families are"),
    (3, "family must be a glmstat family such as glmstat.Binomial\\(\\), got int 3"),
    (dict, "family must be a glmstat family"),
])
def test_family_must_be_a_family(d, family, match):
    refuse(gs.FamilyError, match, "y ~ x", d, family=family)


@pytest.mark.parametrize("family", ["binomial", "Binomial", gs.Binomial])
def test_family_by_name_or_class_is_r_s_family_function(family):
    # R's glm(family = "binomial"), glm(family = binomial) and glm(family = binomial()) are one model: a family's
    # name or class is that family with its default link (MASS's menarche, R 4.2.2: glm(cbind(Menarche, Total -
    # Menarche) ~ Age, family = "binomial", data = menarche, control = glm.control(epsilon = 1e-14, maxit = 100)))
    fit = gs.glm("cbind(Menarche, Total - Menarche) ~ Age", gs.load_dataset("menarche"), family=family)
    assert fit.family.name == "binomial" and fit.family.link.name == "logit"
    np.testing.assert_allclose(fit.coef.to_numpy(), [-21.22639490517, 1.63196834823], rtol=1e-7)


@pytest.mark.parametrize("kw,match", [
    ({"tol": 0}, "tol must be a positive number, got 0"), ({"tol": -1e-8}, "tol must be a positive number"),
    ({"tol": np.nan}, "tol must be a positive number"), ({"tol": "small"}, "tol must be a positive number"),
    ({"tol": True}, "tol must be a positive number"),
    ({"max_iter": 0}, "max_iter must be a whole number from 1 to 10,000 \\(iterations of IRLS\\), got 0"),
    ({"max_iter": 2.5}, "max_iter must be a whole number"),
    ({"max_iter": True}, "max_iter must be a whole number"),
    ({"start": [1.0]}, "start= needs 2 finite coefficients, one per model column; got \\(1,\\)"),
    ({"start": [np.nan, 1.0]}, "start= needs 2 finite coefficients"),
])
def test_invalid_control(d, kw, match):
    refuse(gs.FitError, match, "y ~ x", d, family=gs.Binomial(), **kw)


def test_unknown_method(d):
    refuse(gs.GLMStatError, "unknown method 'ml'; use one of irls, firth", "y ~ x", d, method="ml")


def test_context_must_be_a_mapping(d):
    refuse(gs.FormulaError, "context= must be a mapping of names to values, got list", "y ~ x", d, context=[1])


def test_valid_input_passes_every_check(d):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = gs.glm("count ~ x + g + offset(log(expo))", d, family=gs.Poisson(), weights=np.ones(len(d)))
    assert fit.converged and fit.nobs == 30


def test_two_design_columns_of_one_name_are_refused(d):
    # a data column named Intercept next to the intercept: one coefficient would be lost in every lookup by name
    refuse(gs.DataError, "two columns of the design are named 'Intercept': the intercept and the term "
           "'Intercept'; rename the data column", "y ~ Intercept", d.assign(Intercept=d["x"]))
    fit = gs.glm("y ~ Intercept - 1", d.assign(Intercept=d["x"]))
    assert fit.column_names == ["Intercept"]


@pytest.mark.parametrize("arg", ["weights", "offset"])
@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_a_flag_as_weights_or_offset_is_refused(d, arg, value):
    """A number for every row broadcasts, but True/False is a flag (``weights=True`` read as "use weights"),
    not a weight of 1 or an offset of 0; R refuses a length-1 weights too ("variable lengths differ")."""
    refuse(gs.DataError, rf"{arg}=(True|False) is a flag, not a value", "count ~ x", d, family=gs.Poisson(),
           **{arg: value})


@pytest.mark.parametrize("kw,match", [
    ({"link_power": "0"}, "link_power must be a number, got '0'"),
    ({"var_power": "1.5"}, "var_power must be a number, got '1.5'"),
    ({"var_power": 1.5, "link_power": b"0"}, "link_power must be a number"),
    ({"var_power": 1.5, "link_power": True}, "link_power must be a number, got True"),
    ({"var_power": 1.5, "link_power": 1j}, "link_power must be a number"),
])
def test_tweedie_powers_must_be_numbers(kw, match):
    """A numeric string ("0") was read by float() and accepted as the log link, True as link_power 1."""
    with pytest.raises(gs.FamilyError, match=match):
        gs.Tweedie(**kw)


@pytest.mark.parametrize("z", [
    np.ma.masked_array([1.0, 4, 2, 7, 3, 99], mask=[0, 0, 0, 0, 0, 1]),
    np.ma.masked_array([1, 4, 2, 7, 3, 99], mask=[0, 0, 0, 0, 0, 1]),
    np.array([1.0, 4, 2, 7, 3, np.nan]),
])
def test_context_array_missing_values_drop_their_rows(z):
    """A masked value of a context= array is missing, as pandas (pd.Series of a masked array) and R's NA read it:
    its row is dropped and counted under the variable's name, as R's na.omit drops a row where a variable from
    the formula's environment is NA.  The mask was ignored (99 fitted as a value), and a NaN in a context= array
    was refused as 'values that are not numbers' instead of dropping its row.  Least squares on the five rows
    left is the closed form."""
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 4, 5]})
    with pytest.warns(gs.DroppedRowsWarning, match=r"1 of 6 rows dropped for missing values \(z: 1\)"):
        fit = gs.glm("y ~ x + z", d, context={"z": z})
    X = np.column_stack([np.ones(5), d["x"][:5], [1.0, 4, 2, 7, 3]])
    want = np.linalg.lstsq(X, d["y"][:5].to_numpy(), rcond=None)[0]
    assert fit.nobs == 5
    np.testing.assert_allclose(fit.coef.to_numpy(), want, rtol=1e-10, atol=1e-12)


def test_masked_context_factor_drops_the_masked_row():
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 4, 5]})
    g = np.ma.masked_array(list("abbaab"), mask=[0, 0, 0, 0, 0, 1])
    with pytest.warns(gs.DroppedRowsWarning, match=r"\(g: 1\)"):
        fit = gs.glm("y ~ x + g", d, context={"g": g})
    X = np.column_stack([np.ones(5), d["x"][:5], [0.0, 1, 1, 0, 0]])
    want = np.linalg.lstsq(X, d["y"][:5].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.coef.to_numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype, values, column", [
    ("Int64", [1, 4, 2, 7, 3, None], [1.0, 4, 2, 7, 3]),
    ("Float64", [1.0, 4, 2, 7, 3, None], [1.0, 4, 2, 7, 3]),
    ("boolean", [True, False, False, True, True, None], [1.0, 0, 0, 1, 1]),
    ("string[python]", ["a", "b", "b", "a", "a", None], [0.0, 1, 1, 0, 0]),
    ("string[pyarrow]", ["a", "b", "b", "a", "a", None], [0.0, 1, 1, 0, 0]),
])
def test_context_nullable_array_missing_values_drop_their_rows(dtype, values, column):
    """A pandas nullable array in context= (pd.array([..., None], dtype="Int64"), "Float64", "boolean", the string
    dtypes) was refused ("context= entry 'z' is a IntegerArray"), where a Series of it was read; it is read by
    position as a masked array is, its pd.NA missing: the row dropped and counted under the variable's name (a
    boolean is R's logical, zTRUE; strings a factor).  The data's row labels are not 0..5: the array is used by
    position, not aligned.  Least squares on the five rows left is the closed form."""
    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 4, 5]}, index=[15, 14, 13, 12, 11, 10])
    with pytest.warns(gs.DroppedRowsWarning, match=r"1 of 6 rows dropped for missing values \(z: 1\)"):
        fit = gs.glm("y ~ x + z", d, context={"z": pd.array(values, dtype=dtype)})
    X = np.column_stack([np.ones(5), d["x"][:5], column])
    want = np.linalg.lstsq(X, d["y"][:5].to_numpy(), rcond=None)[0]
    assert fit.nobs == 5
    np.testing.assert_allclose(fit.coef.to_numpy(), want, rtol=1e-10, atol=1e-12)


_DAYS = np.array([0, 3, 6, 9, 12, 15])


@pytest.mark.parametrize("formula,context,match", [
    # (a Series of pandas' datetime64 was called "Python objects of the type Timestamp" to be made "a datetime64
    # column", which it was; numpy's nanoseconds were cast to integers and fitted as a slope per nanosecond)
    ("y ~ x + z", {"z": pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(_DAYS, "D"))},
     r"^context= entry 'z' holds date-times \(datetime64\[\w+\]\); which number, days or seconds\?"),
    ("y ~ x + z", {"z": _DAYS.astype("datetime64[D]").astype("datetime64[ns]")},
     r"^context= entry 'z' holds date-times \(datetime64\[ns\]\)"),
    ("y ~ x + z", {"z": _DAYS.astype("datetime64[D]").astype("datetime64[s]")},
     r"^context= entry 'z' holds date-times \(datetime64\[s\]\)"),
    ("y ~ x + z", {"z": pd.Series(pd.date_range("2020-01-01", periods=6, tz="Europe/Paris"))},
     r"^context= entry 'z' holds date-times \(datetime64\[\w+, Europe/Paris\]\)"),
    ("y ~ x + z", {"z": pd.Series(pd.to_timedelta(_DAYS, "D"))},
     r"^context= entry 'z' holds time spans \(timedelta64\[\w+\]\); convert them to numbers"),
    ("y ~ x + f(x)", {"f": lambda v: pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(v, "D"))},
     r"^f\(x\) \(a function from context=\) returned date-times \(datetime64\[\w+\]\)"),
    ("y ~ x + f(x)", {"f": lambda v: np.asarray(v, dtype=np.int64).astype("timedelta64[D]")},
     r"^f\(x\) \(a function from context=\) returned time spans \(timedelta64\[D\]\)"),
    ("y ~ x + f(x)", {"f": lambda v: pd.array(pd.period_range("2020-01", periods=len(v), freq="M"))},
     r"^f\(x\) \(a function from context=\) returned dates \(period\[M\]\)"),
])
def test_context_date_times_and_time_spans_are_refused_as_such(formula, context, match):
    """Date-times and time spans in context= (or returned by a context= function) are refused as what they are, as
    a data column of them is: as a number, a date-time is days or seconds, a time span in some unit."""
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 4, 5]})
    with pytest.raises(gs.DataError, match=match):
        gs.glm(formula, d, context=context)


def test_context_function_returning_one_timestamp_is_refused_by_its_type():
    """A scalar that is no number, string or boolean was refused as "returned () values" (its empty shape)."""
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 4, 5]})
    with pytest.raises(gs.FormulaError, match=r"^f\(x\) returned a Timestamp; it must return a number, a string, a "
                                              r"boolean or one value per row \(6\)"):
        gs.glm("y ~ x + f(x)", d, context={"f": lambda v: pd.Timestamp("2020-01-01")})


def test_context_numpy_dates_are_days_since_1970():
    """numpy's datetime64[D] is dates, as Python's dates in a column are R's Date: days since 1970-01-01 (here 3 days
    apart from 2020-01-01, day 18262).  Least squares on the days is the closed form."""
    d = pd.DataFrame({"y": [0.1, 1.2, 1.9, 3.2, 3.9, 5.3], "x": [0.0, 1, 2, 3, 5, 4]})
    z = (np.datetime64("2020-01-01") + _DAYS).astype("datetime64[D]")
    fit = gs.glm("y ~ x + z", d, context={"z": z})
    X = np.column_stack([np.ones(6), d["x"], 18262.0 + _DAYS])
    want = np.linalg.lstsq(X, d["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fit.coef.to_numpy(), want, rtol=1e-8)
