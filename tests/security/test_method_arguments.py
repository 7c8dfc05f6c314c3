"""Hostile values for the arguments of a fit's methods that a web application may pass on from its users:
confidence levels, ``parm``, the AIC penalty ``k`` and ``steps``, ``at=`` and the variables of marginal
effects, random seeds, ``se_fit``, the anova type and the output path of ``augment``.

Strings, booleans, complex numbers, NaN, infinities, negative numbers, Python ints beyond double precision
(and beyond Python's 4,300-digit repr), objects and lists where a number or a name belongs are refused with a
GLMStatError whose message names the argument and the value -- never a TypeError, ValueError, OverflowError,
UFuncTypeError or OSError, a leaked numpy warning, or a table of NaN (``drop1(k=nan)``).  Each value here
raised one of those, or was silently used, before.  The resource bombs among these arguments (``at=`` lists
whose product is huge, ``nsim=10**9``, seeds of millions of words) are in the corpus (``bomb-at-grid-*``,
``bomb-halfnormal-nsim``, ``bomb-seed-*``).
"""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "z": [3.0, 1, 2, 5, 4, 3, 2, 1], "g": list("aabbccdd"), "cnt": [0, 1, 0, 2, 3, 0, 5, 1]})

STR, BIG, HUGE, NAN, INF, CPLX = "0.9", 10**400, 10**5000, float("nan"), float("inf"), 0.9 + 0j
OBJ = object()
#: what a message shows of each value (shown(): a huge int by its magnitude, an object by its type)
SHOWN = {id(STR): "'0.9'", id(BIG): "an integer of about 1e400", id(HUGE): "an integer of about 1e5000",
         id(NAN): "nan", id(INF): "inf", id(CPLX): "(0.9+0j)", id(OBJ): "a object", id(True): "True", id(-1): "-1"}


@pytest.fixture(scope="module")
def fit() -> gs.GLMResults:
    return gs.glm("y ~ x + g", D)


@pytest.fixture(scope="module")
def pfit() -> gs.GLMResults:
    return gs.glm("cnt ~ x", D, family=gs.Poisson())


def refused(call, match: str, value=None) -> str:
    """``call()`` raises a GLMStatError matching ``match`` (and showing ``value``), and warns nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(gs.GLMStatError) as info:
            call()
    text = str(info.value)
    assert re.search(match, text), text
    if id(value) in SHOWN:
        assert SHOWN[id(value)] in text, text
    return text


_LEVELS = [  # (method, argument name, values that raised or were used silently before)
    (lambda f, p, v: f.conf_int(level=v), "level", [STR, OBJ, CPLX, [0.9]]),
    (lambda f, p, v: f.conf_int(level=v, method="profile"), "level", [STR, OBJ, CPLX]),
    (lambda f, p, v: f.tidy(conf_level=v), "conf_level", [STR, OBJ, CPLX]),
    (lambda f, p, v: f.emmeans("g", level=v), "level", [HUGE]),  # (repr of it: ValueError, 4,300 digits)
    (lambda f, p, v: f.predict(D, interval="confidence", level=v), "level", [HUGE]),
    (lambda f, p, v: f.average_marginal_effects("x", level=v), "level", [HUGE]),
    (lambda f, p, v: p.overdispersion(level=v), "level", [STR, OBJ, CPLX]),
]


@pytest.mark.parametrize("call,name,value", [pytest.param(c, n, v, id=f"{i}-{n}-{type(v).__name__}")
                                             for i, (c, n, vs) in enumerate(_LEVELS) for v in vs])
def test_levels_must_be_numbers_between_0_and_1(fit, pfit, call, name, value):
    refused(lambda: call(fit, pfit, value), f"^{name} must be between 0 and 1, got", value)


@pytest.mark.parametrize("method", ["wald", "profile"])
@pytest.mark.parametrize("value", [BIG, NAN, OBJ, CPLX, True, INF, -1], ids=lambda v: type(v).__name__)
def test_parm_must_name_coefficients(fit, method, value):
    refused(lambda: fit.conf_int(method=method, parm=value), "^parm must be a coefficient name or a list", value)


@pytest.mark.parametrize("call", [lambda f, v: f.drop1(k=v), lambda f, v: f.add1("~ . + z", k=v)],
                         ids=["drop1", "add1"])
@pytest.mark.parametrize("value", [STR, BIG, NAN, OBJ, CPLX, True, INF, -1, [2]], ids=lambda v: repr(v)[:12])
def test_aic_penalty_must_be_a_non_negative_number(fit, call, value):
    # k="2" raised numpy's UFuncTypeError, k=nan gave a column of NaN AIC without a word, k=inf a warning
    refused(lambda: call(fit, value), "^k must be a non-negative finite number", value)


@pytest.mark.parametrize("kwargs,match", [
    ({"k": BIG}, "^k must be a non-negative finite number .*an integer of about 1e400"),
    ({"k": HUGE}, "^k must be a non-negative finite number"),
    *[({"steps": v}, "^steps must be a non-negative whole number") for v in (STR, NAN, OBJ, CPLX, True, INF, -1)],
    # trace= is a flag: "no" or 0 taken by its truth would print (or not) what was not asked
    *[({"trace": v}, "^trace must be True or False") for v in (STR, NAN, OBJ, 1, [True])],
])
def test_step_arguments(fit, kwargs, match):
    refused(lambda: fit.step(**kwargs), match)


@pytest.mark.parametrize("value", ["a", STR, BIG, OBJ, CPLX, True, INF], ids=lambda v: repr(v)[:12])
def test_at_values_of_a_numeric_variable_must_be_finite_numbers(fit, value):
    # at={"x": "a"} raised ValueError, 10**400 OverflowError, object() TypeError; 0.9+0j leaked a
    # ComplexWarning, inf a RuntimeWarning; "0.9" and True were used as numbers
    refused(lambda: fit.average_marginal_effects("x", at={"x": value}),
            r"^at\['x'\] must be a finite number \(a value of the numeric variable x\)", value)
    refused(lambda: fit.average_marginal_effects("x", at={"x": [1.0, value]}), r"^at\['x'\] must be", value)


@pytest.mark.parametrize("values", [range(10**12), range(10**20)], ids=["1e12", "1e20"])
def test_at_values_of_a_long_range_are_counted_before_they_are_read(fit, values):
    # list(range(10**12)) was a MemoryError before the combinations were counted
    refused(lambda: fit.average_marginal_effects("x", at={"x": values}), "^at= asks for more than 10,000 combinations")


def test_at_value_of_a_0_d_array_is_one_value(fit):
    # its iteration was a TypeError
    one = fit.average_marginal_effects("x", at={"x": np.array(2.5)})
    assert one.equals(fit.average_marginal_effects("x", at={"x": 2.5}))
    assert len(fit.average_marginal_effects("x", at={"g": np.array("b")})) == 1


@pytest.mark.parametrize("value", [BIG, NAN, OBJ, CPLX, True, INF, -1], ids=lambda v: repr(v)[:12])
def test_marginal_effects_variables_are_names(fit, value):
    refused(lambda: fit.average_marginal_effects(value), "marginal effects are asked by data column name", value)
    refused(lambda: fit.average_marginal_effects([value]), "is not a variable of the model's right-hand side", value)


_SEEDS = [STR, NAN, OBJ, CPLX, True, INF, -1, 1.5, [-1]]


@pytest.mark.parametrize("value", _SEEDS, ids=lambda v: repr(v)[:12])
def test_quantile_residual_seeds(pfit, value):
    refused(lambda: pfit.residuals("quantile", seed=value), "^seed must be None, a non-negative whole number", value)


@pytest.mark.parametrize("value", _SEEDS, ids=lambda v: repr(v)[:12])
def test_halfnormal_plot_seeds(pfit, value):
    pytest.importorskip("matplotlib")
    refused(lambda: pfit.plot("halfnormal", seed=value), "^seed must be None, a non-negative whole number", value)


@pytest.mark.parametrize("value", [BIG, OBJ, True, -1, 1.5, ["f.parquet"], b"f.parquet"], ids=lambda v: repr(v)[:12])
def test_augment_path_must_be_a_path(fit, value):
    refused(lambda: fit.augment(path=value), "^path must be a file path \\(a string or a pathlib.Path\\)", value)


@pytest.mark.parametrize("value,match", [
    ("out\x00.parquet", r"^path='out\\x00.parquet': a file path cannot hold a NUL character$"),
    ("out\ud800.parquet", r"^path='out\\ud800.parquet': a file path must be text \(it holds a lone surrogate\)$"),
], ids=["nul", "surrogate"])
def test_augment_path_that_no_file_can_have_is_refused(fit, value, match):
    # pyarrow's writer raised ArrowInvalid ("Embedded NUL char in path") and UnicodeEncodeError
    refused(lambda: fit.augment(path=value), match)


def test_augment_path_that_cannot_be_written_is_named(fit, tmp_path):
    pytest.importorskip("pyarrow")
    missing = tmp_path / "no such directory" / "f.parquet"
    text = refused(lambda: fit.augment(path=str(missing)), "^path='.*f.parquet': cannot write the file")
    assert "no such directory" in text
    refused(lambda: fit.augment(path=tmp_path), "cannot write the file \\(Is a directory\\)")
    data = tmp_path / "d.parquet"  # a fit to a Parquet file writes block by block (pyarrow's own error before)
    D.to_parquet(data)
    refused(lambda: gs.glm("y ~ x", str(data)).augment(path=str(missing)),
            "cannot write the file \\(No such file or directory\\)")


@pytest.mark.parametrize("name", ["something.csv", "out.TXT", "rows.json"])
def test_augment_path_of_another_format_is_refused(fit, tmp_path, name):
    """augment(path) writes Parquet: a CSV name was written as Parquet (or, without pyarrow, refused as
    "reading Parquet files needs pyarrow"); the message says what augment writes and how to get a CSV."""
    text = refused(lambda: fit.augment(path=str(tmp_path / name)),
                   r"^augment\(path=\.\.\.\) writes a Parquet file, and path='.*' names another format")
    assert "ending in .parquet" in text and "fit.augment().to_csv(...)" in text
    assert list(tmp_path.iterdir()) == []


def test_augment_without_pyarrow_says_it_writes(fit, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow.parquet` raise ImportError
    with pytest.raises(gs.MissingDependencyError, match=r"^writing a Parquet file needs pyarrow: pip install"):
        fit.augment(path=str(tmp_path / "rows.parquet"))


@pytest.mark.parametrize("value", [STR, OBJ, 1, NAN], ids=lambda v: repr(v)[:12])
def test_predict_se_fit_is_a_flag(fit, value):
    refused(lambda: fit.predict(D, se_fit=value), "^se_fit must be True or False", value)


def test_anova_type_of_an_unhashable_value(fit):
    refused(lambda: fit.anova(type=["II"]), "^unknown anova type \\['II'\\]")


@pytest.mark.parametrize("value", ["zz", 5, OBJ, [1.0, "a"]], ids=lambda v: repr(v)[:12])
def test_at_values_of_a_factor_must_be_its_levels(fit, value):
    # pandas made an unknown level a missing value, with a deprecation warning
    refused(lambda: fit.average_marginal_effects("x", at={"g": value}),
            r"^at\['g'\] must be a level of the factor g \('a', 'b', 'c', 'd'\), got")


@pytest.mark.parametrize("data", [5, [1, 2], OBJ], ids=lambda v: type(v).__name__)
def test_update_with_data_of_another_kind(fit, data):
    refused(lambda: fit.update("~ . - x", data=data), "^data= must be a DataFrame, a dict of columns, a Parquet path")


def test_update_with_a_dict_of_columns(fit):
    # a dict is data to glm(), but update(data=dict) raised AttributeError ('dict' has no 'columns')
    new = fit.update("~ . - x", data={c: D[c].tolist() for c in D.columns})
    assert new.term_labels == ["g"]


@pytest.mark.parametrize("kwargs,match", [
    ({"links": 5}, "plot_links takes a link name, a Link or a list of them, got int"),
    ({"links": {"logit"}}, "got set"),
    ({"links": ["logit"] * 21}, r"^plot_links compares at most 20 links in one figure, got 21$"),
    # drawn for 93 s, then a MemoryError
    ({"links": ["logit"] * 100_000}, r"^plot_links compares at most 20 links in one figure, got 100,000$"),
    ({"mu_range": ("a", "b")}, r"^mu_range\[0\] must be a finite number, got 'a'"),
    ({"mu_range": (0, BIG)}, r"^mu_range\[1\] must be a finite number, got an integer of about 1e400"),
    ({"eta_range": (NAN, 1)}, r"^eta_range\[0\] must be a finite number, got nan"),
    ({"eta_range": 5}, r"^eta_range must be two numbers \(low, high\), got 5"),
    ({"eta_range": (-1e308, 1e308)}, "^eta_range must be two increasing finite numbers"),  # a numpy warning
    # (apart by less than the largest double, but matplotlib's ticks of such an axis overflowed: its numpy warning)
    ({"links": "sqrt", "mu_range": (0.0, 1e308)}, r"^mu_range must be two increasing finite numbers of at most 1e\+3"),
    ({"eta_range": (-5e307, 5e307)}, r"^eta_range must be two increasing finite numbers of at most 1e\+300"),
])
def test_plot_links_arguments(kwargs, match):
    pytest.importorskip("matplotlib")
    refused(lambda: gs.plot_links(**kwargs), match)


class _Ran(str):
    """A str whose comparison and hash are someone else's code: they record that they ran."""

    ran: list = []

    def __eq__(self, other):
        _Ran.ran.append("__eq__")
        return True

    def __hash__(self):
        _Ran.ran.append("__hash__")
        return hash(str(self))


@pytest.mark.parametrize("call", [
    lambda f: f.weights(_Ran("prior")),
    lambda f: f.weights(_Ran("nothing")),
    lambda f: f.residuals(_Ran("partial")),
    lambda f: f.residuals(_Ran("quantile")),
    lambda f: f.residuals(_Ran("nothing")),
    lambda f: f.plot(_Ran("partial"), term="x"),
    lambda f: f.plot("partial", term=_Ran("x")),
], ids=["weights", "weights-other", "residuals-partial", "residuals-quantile", "residuals-other", "plot-kind",
        "plot-term"])
def test_a_str_subclass_as_a_kind_runs_none_of_its_methods(fit, call):
    # is_one_of took any str: `kind in options` ran a subclass's __eq__, which said it was "prior" (and so did
    # `kind == "partial"`); the partial plot looked its term up in a dict (__hash__, then __eq__)
    if "plot" in call.__code__.co_names:
        pytest.importorskip("matplotlib")
    _Ran.ran.clear()
    refused(lambda: call(fit), r"^(unknown (weights type|residual kind|plot kind)|term=)")
    assert _Ran.ran == []


@pytest.mark.parametrize("hypothesis, rhs", [("x = 1e308", None), ("x = -1e308", None), ("x + g[T.b] = 1e200", None),
                                             ([[0.0, 1.0, 0.0, 0.0, 0.0]], 1e308)])
def test_a_wald_statistic_beyond_the_doubles_is_infinite(fit, hypothesis, rhs):
    """A right-hand side far from the estimate: d / se overflowed and scipy's solve refused the infinite value
    with a ValueError ('array must not contain infs or NaNs'), and a statistic that overflowed was called
    "degenerate"; R's is Inf, its p-value 0."""
    test = fit.wald_test(hypothesis) if rhs is None else fit.wald_test(hypothesis, rhs=rhs)
    assert test.statistic == np.inf and test.p_value == 0.0
    assert test.result_line().startswith("Chisq = Inf on 1 df")


class _RanToo(_Ran):
    """A str whose case changes are someone else's code too (``test.lower()`` ran them before any comparison)."""

    def lower(self):
        _Ran.ran.append("lower")
        return "f"

    def upper(self):
        _Ran.ran.append("upper")
        return "HC3"


class _Number(float):
    """A float whose conversion is someone else's code (numpy's asarray and float() ran it)."""

    def __float__(self):
        _Ran.ran.append("__float__")
        return 2.0


@pytest.mark.parametrize("call", [
    lambda f: f.anova(test=_RanToo("F")),
    lambda f: f.anova(type=_RanToo("II")),
    lambda f: f.anova(type=2, test=_RanToo("LR")),
    lambda f: f.anova(type=_Number(2.0)),
    lambda f: f.drop1(test=_RanToo("F")),
    lambda f: f.add1(scope="~ . + z", test=_RanToo("F")),
    lambda f: f.emmeans_pairs("g", adjust=_RanToo("tukey")),
    lambda f: f.robust(_RanToo("HC3")),
    lambda f: f.wald_test("x = 0", test=_RanToo("F")),
    lambda f: f.wald_test(_Number(1.0)),
    lambda f: f.wald_test([[0.0, 1.0, 0.0, 0.0, 0.0]], rhs=_Number(1.0)),
    lambda f: gs.Gaussian(link=_RanToo("log")),
], ids=["anova-test", "anova-type", "anova-type-test", "anova-type-number", "drop1-test", "add1-test",
        "emmeans-pairs-adjust", "robust-type", "wald-test", "wald-hypothesis-number", "wald-rhs-number", "link"])
def test_a_subclass_as_a_choice_or_a_number_runs_none_of_its_methods(fit, call):
    # each of these read the word with its lower() or upper(), looked it up (__hash__, __eq__), or read the number
    # with numpy or float() (__float__), before it was refused or taken
    _Ran.ran.clear()
    with pytest.raises(gs.GLMStatError):
        call(fit)
    assert _Ran.ran == []


@pytest.mark.parametrize("make", [lambda: gs.NegativeBinomial(theta=_Number(2.0)),
                                  lambda: gs.Tweedie(var_power=_Number(1.5)),
                                  lambda: gs.Tweedie(var_power=1.5, link_power=_Number(0.0))],
                         ids=["theta", "var-power", "link-power"])
def test_a_float_subclass_as_a_family_parameter_runs_none_of_its_methods(make):
    # float() of theta, var_power and link_power ran the subclass's __float__
    _Ran.ran.clear()
    with pytest.raises(gs.FamilyError, match="must be a .*number, got a _Number"):
        make()
    assert _Ran.ran == []


class _Int(int):
    """An int whose comparisons, conversions and hash are someone else's code (they record that they ran)."""

    ran: list[str] = []

    def _ran(self, name):
        _Int.ran.append(name)
        return True

    __ge__ = __le__ = __gt__ = __lt__ = __eq__ = lambda self, other: self._ran("compare")  # noqa: E731
    __index__ = __int__ = lambda self: self._ran("convert") and 3  # noqa: E731
    __hash__ = lambda self: self._ran("hash") and 3  # noqa: E731


class _List(list):
    """A list whose length and iteration are someone else's code."""

    ran: list[str] = []

    def __len__(self):
        _List.ran.append("len")
        return 2

    def __iter__(self):
        _List.ran.append("iter")
        return iter(["(Intercept)", "x"])


class _Str(str):
    ran: list[str] = []

    def __hash__(self):
        _Str.ran.append("hash")
        return 0

    def __eq__(self, other):
        _Str.ran.append("eq")
        return True


@pytest.mark.parametrize("call, match", [
    (lambda f: f.simulate(_Int(3)), "^nsim must be a whole number"),
    (lambda f: f.simulate(2, seed=_Int(3)), "^seed must be None"),
    (lambda f: f.simulate(2, seed=_List([1, 2])), "^seed must be None"),
    (lambda f: f.residuals("quantile", seed=[_Int(1)]), "^seed must be None"),
    (lambda f: f.dose_p(_List([0.5, 0.9])), "^p must be a probability"),
    (lambda f: f.dose_p(0.5, cf=_List(["(Intercept)", "x"])), "^cf must name two coefficients"),
    (lambda f: f.dose_p(0.5, cf=[_Str("(Intercept)"), "x"]), "^cf must name two coefficients"),
], ids=["nsim-int", "seed-int", "seed-list", "seed-list-of-int", "dose-p-list", "dose-cf-list", "dose-cf-str"])
def test_subclasses_of_int_list_and_str_run_none_of_their_methods(call, match):
    # an int subclass as nsim or seed had its >= run, a list subclass as dose_p's p or cf its len, a str subclass
    # in cf its hash: code that came with the value
    bfit = gs.glm("cnt / 5 ~ x", D, family=gs.Binomial(), weights=[5.0] * len(D))
    _Int.ran, _List.ran, _Str.ran = [], [], []
    refused(lambda: call(bfit), match)
    assert _Int.ran == _List.ran == _Str.ran == []


@pytest.mark.parametrize("call, match", [
    (lambda f: gs.glm("y ~ x", D, max_iter=_Int(25)), "^max_iter must be a whole number from 1 to 10,000"),
    (lambda f: f.summary(digits=_Int(4)), "^digits must be a whole number from 1 to 22"),
    (lambda f: gs.compare(f, f, digits=_Int(4)), "^digits must be an integer from 1 to 15"),
    (lambda f: f.step(steps=_Int(2)), "^steps must be a non-negative whole number"),
    (lambda f: f.emmeans_contrasts("g", "trt.vs.ctrl", ref=_Int(1)), "^ref must be a mean's position"),
    (lambda f: gs.glm("cnt / 5 ~ x", D, family=gs.Binomial(), weights=[5.0] * len(D)).hosmer_lemeshow(_Int(4)),
     "^groups must be a whole number from 3"),
    (lambda f: gs.FormulaLimits(max_depth=_Int(50)), r"^FormulaLimits.max_depth must be a positive integer"),
], ids=["glm-max-iter", "summary-digits", "compare-digits", "step-steps", "emmeans-ref", "hosmer-lemeshow-groups",
        "formula-limits"])
def test_counts_of_an_int_subclass_run_none_of_its_methods(fit, call, match):
    # whole numbers were taken by isinstance(v, int): an int subclass had its comparisons (1 <= v <= 10,000, v >= 0)
    # and conversion (int(v)) run -- max_iter=_Int(25) fitted 3 iterations, summary(digits=) printed 3 digits,
    # ref= chose the 3rd mean -- or a refusal came after them (steps=, FormulaLimits)
    _Int.ran = []
    refused(lambda: call(fit), match + ".*got a _Int")
    assert _Int.ran == []


def test_halfnormal_nsim_of_an_int_subclass(pfit):
    pytest.importorskip("matplotlib")
    _Int.ran = []
    refused(lambda: pfit.plot("halfnormal", nsim=_Int(3)), "^nsim must be a whole number")
    assert _Int.ran == []


@pytest.mark.parametrize("values", [[[1], -1, 0], [1, [-1, 0], 0], np.array([[1, -1, 0]]), [1.0, "a", [0]]],
                         ids=["ragged", "ragged-2", "2-d", "mixed"])
def test_contrasts_of_ones_own_of_nested_lists(fit, values):
    # np.ndim() of a ragged list raised numpy's ValueError ("inhomogeneous shape") through emmeans_contrasts
    refused(lambda: fit.emmeans_contrasts("g", method={"c": values}),
            r"^the contrast 'c' must be 4 finite numbers, one per mean, got")


@pytest.mark.parametrize("link", ["identity", "log"])
def test_contrasts_of_ones_own_beyond_double_precision(link):
    # coefficients of 1e308 (finite, summing to 0): a table of an infinite estimate and a NaN standard error, with
    # three of numpy's RuntimeWarnings (overflow in multiply, invalid value in reduce, overflow in power)
    f = gs.glm("cnt ~ x + g", D, family=gs.Poisson()) if link == "log" else gs.glm("y ~ x + g", D)
    refused(lambda: f.emmeans_contrasts("g", method={"fine": [1, -1, 0, 0], "huge": [1e308, -1e308, 0, 0]}),
            r"^the contrast 'huge' cannot be computed in double precision: its estimate (\(as a ratio\) )?or its "
            "standard error overflows")
    fine = f.emmeans_contrasts("g", method={"fine": [1, -1, 0, 0]})
    assert np.isfinite(fine[["estimate", "std_error"]].to_numpy(float)).all()


@pytest.mark.parametrize("values", [np.ones((8, 2), dtype=bool), np.array(True), np.ones((2, 8), dtype=bool)],
                         ids=["8x2", "0-d", "2x8"])
def test_subset_flags_of_another_shape(fit, values):
    # a boolean array of 2 columns raised numpy's ValueError (operands could not be broadcast), a 0-d one
    # Python's TypeError (len() of unsized object)
    refused(lambda: gs.glm("y ~ x", D, subset=values), r"^subset= must be one True/False per row, but it has shape")


def test_subset_flags_of_one_column_are_one_per_row():
    # as weights= takes an (n, 1) array
    kept = np.array([True] * 7 + [False])
    fit = gs.glm("y ~ x", D, subset=kept.reshape(-1, 1))
    assert fit.nobs == 7
    assert np.allclose(fit.params, gs.glm("y ~ x", D, subset=kept).params, rtol=0, atol=0)


@pytest.mark.parametrize("covariance, match", [
    ("HC1", r"^covariance must be a glmstat Covariance, as fit.robust\(\) makes .*got 'HC1'$"),
    (np.eye(5), r"^covariance must be a glmstat Covariance, .*got a ndarray$"),
    (OBJ, r"^covariance must be a glmstat Covariance, .*got a object$"),
    ("3x3", r"^the covariance's matrix must be a 5 x 5 array of floats .*got an array of shape \(3, 3\)"),
    ("objects", r"^the covariance's matrix must be a 5 x 5 array of floats .*and dtype object$"),
    ("list", r"^the covariance's matrix must be a 5 x 5 array of floats .*got \[a list, a list"),
], ids=["str", "array", "object", "3x3", "objects", "list"])
def test_with_covariance_takes_a_covariance(fit, covariance, match):
    # with_covariance() took anything: every later use of the fit (summary, std_errors, conf_int, predict,
    # wald_test, emmeans) raised AttributeError ('str' object has no attribute 'matrix')
    from glmstat.inference.fitdata import Covariance

    made = {"3x3": np.eye(3), "objects": np.eye(5).astype(object), "list": np.eye(5).tolist()}
    if isinstance(covariance, str) and covariance in made:
        covariance = Covariance("HC0", "HC0", made[covariance])
    refused(lambda: fit.with_covariance(covariance), match)
    sandwich = fit.robust("HC0")
    kept = fit.with_covariance(Covariance("HC0", "HC0", sandwich.vcov.to_numpy()))
    assert np.array_equal(kept.std_errors.to_numpy(), sandwich.std_errors.to_numpy())
    assert np.array_equal(fit.with_covariance(None).std_errors.to_numpy(), fit.std_errors.to_numpy())


def test_the_base_family_is_no_family():
    # glmstat.Family is exported (the base of the families) and Family() was made without complaint; fitted, its
    # variance and deviance raised NotImplementedError from the fit's first pass, so each consumer refused it by
    # its exact type (check_family); now it cannot be made, and subclasses (the families, one's own) can
    with pytest.raises(gs.FamilyError, match=r"^family=glmstat.Family\(\) is the base class of the families, "
                                             r"with no distribution: it cannot be made; use one of the families, "
                                             r"such as glmstat.Gaussian\(\), glmstat.Binomial\(\)"):
        gs.Family()
    with pytest.raises(gs.FamilyError, match="cannot be made"):
        gs.Family(link="log")

    class Normal(gs.Family):  # (a family of one's own: the Gaussian's variance and deviance, no likelihood)
        name = "normal"
        has_likelihood = False

        def variance(self, mu):
            return np.ones_like(mu)

        def unit_deviance(self, y, mu):
            return (y - mu) ** 2

    mine, gaussian = gs.glm("y ~ x", D, family=Normal()), gs.glm("y ~ x", D, family=gs.Gaussian())
    assert isinstance(Normal(), gs.Family) and isinstance(gs.Gaussian(), gs.Family)
    np.testing.assert_allclose(mine.params.to_numpy(), gaussian.params.to_numpy(), rtol=1e-12)
    refused(lambda: gs.glm("y ~ x", D, family=gs.Family()), r"^family=glmstat.Family\(\) is the base class of the "
                                                            "families, with no distribution")
    pytest.importorskip("sklearn")
    from glmstat.sklearn import GLMRegressor  # (its own check of the family took it too)

    refused(lambda: GLMRegressor(family=gs.Family()).fit(D[["x", "z"]], D["y"]), r"^family=glmstat.Family\(\)")


def test_a_seed_is_taken_up_to_its_bound_of_words(pfit):
    # MAX_SEED_WORDS 32-bit words: a number below 2**(32 * MAX_SEED_WORDS) is one seed, one more bit is refused
    from glmstat._arguments import MAX_SEED_WORDS

    top = 2 ** (32 * MAX_SEED_WORDS) - 1
    a = pfit.residuals("quantile", seed=top)
    assert np.array_equal(a, pfit.residuals("quantile", seed=np.random.SeedSequence(top)))
    refused(lambda: pfit.residuals("quantile", seed=top + 1), f"^seed holds {MAX_SEED_WORDS + 1} 32-bit words")
    refused(lambda: pfit.simulate(1, seed=[1] * (MAX_SEED_WORDS + 1)), f"^seed holds {MAX_SEED_WORDS + 1} 32-bit")
    refused(lambda: pfit.simulate(1, seed=[2 ** 40] * (MAX_SEED_WORDS // 2 + 1)),
            f"^seed holds {MAX_SEED_WORDS + 2} 32-bit")


# Poisson counts and two covariates of 60 rows (numpy's default_rng(1), x and z rounded to 4 decimals)
_Y = [4, 4, 4, 2, 2, 6, 3, 4, 2, 5, 3, 4, 4, 1, 4, 4, 3, 7, 2, 2, 2, 0, 2, 4, 5, 3, 3, 3, 5, 1, 2, 8, 1, 1, 4, 3, 3,
      3, 5, 5, 3, 4, 2, 4, 4, 3, 2, 6, 1, 5, 3, 3, 2, 0, 1, 8, 1, 2, 2, 3]
_X = [-0.3548, 0.3249, -0.3396, -0.0597, 0.2458, -0.7467, 0.6787, -0.4699, -0.8697, 0.077, 0.445, -0.2291, -0.8625,
      0.6198, -1.7603, -1.0309, 0.0395, -1.3611, 0.028, -0.0549, 0.8987, -0.9148, -0.6259, 0.3332, -2.4576, 3.1,
      -0.6987, -0.7298, 0.8611, -0.0398, -1.7794, 0.6269, 0.8554, -0.4499, -0.2816, 0.486, -0.9088, 0.4384, 0.1993,
      -0.6749, -1.3921, -0.2256, -0.8754, 1.0014, 0.1441, 0.7821, 0.1346, 0.2629, -0.783, 0.668, 1.7847, -0.3097,
      -0.5928, -0.1578, -0.4813, -0.7015, 0.1382, -0.2909, 1.4389, 0.0002]
_Z = [0.3239, 0.952, -0.3008, 1.4367, -0.6327, -0.8083, -0.3663, -0.1147, -1.4013, -0.0351, -1.6675, 1.3921, -0.081,
      -0.642, -0.9083, -0.3844, -0.2231, -1.0445, -0.9198, -0.1872, -0.5208, 0.9392, 1.1379, 0.016, 0.4736, -1.3352,
      0.6374, -0.0306, 0.4847, 1.6004, -2.2809, 0.2609, -1.0991, 0.5922, -1.3133, -0.4954, 0.2027, 0.6135, 0.0748,
      -0.7928, -0.5535, 0.8845, -0.0055, -1.6838, 0.8437, 0.4162, 0.8734, -0.3366, 0.8282, -1.0611, 0.57, -0.4904,
      0.6744, 1.0056, -0.736, -0.0512, 0.039, 1.1897, 0.7106, -1.2193]
_G = "cbabcaacacbccbacbcacbabbcbabcabaababbbcccbbaacbbbacaaccccbca"


def test_a_step_scope_of_a_near_saturated_term_gives_a_fit_or_a_refusal():
    # step() of 60 counts whose scope adds poly(x, 50): a refit of a 55-column candidate, started from the bigger
    # model's coefficients of 1e10, restarted from its lowest iterate, where exp() overflows -- the engine's state
    # became None and a raw AttributeError ('NoneType' object has no attribute 'all_kept') came out of step()
    d = pd.DataFrame({"y": np.array(_Y, float), "x": _X, "z": _Z, "g": list(_G)})
    d["b"] = (d.y > 3).astype(float)
    fit = gs.glm("y ~ x + z + g", d, family=gs.Poisson())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the candidates that do not converge say so)
        try:
            chosen = fit.step(scope="~ x*z*b + g + poly(x, 50)", direction="forward")
        except gs.GLMStatError:
            return
    assert isinstance(chosen, gs.GLMResults)
