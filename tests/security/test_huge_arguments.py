"""Arguments a web application may pass on from its users, as a Python int of 5,001 digits, a 10 MB string or a
list holding both: each is refused with glmstat's error naming the argument.

``repr()`` or ``str()`` of an int beyond 4,300 digits raises Python's ``ValueError: Exceeds the limit (4300
digits) for integer string conversion``, which came out instead of the message wherever one quoted the value
with ``!r`` (``method=``, ``test=``, ``type=``, ``adjust=``, ``kind=``...); a 10 MB string made a 10 MB
message.  Every message now quotes values through ``glmstat._arguments.shown``: an int by its magnitude, a
string cut to 60 characters.

A numpy array, a pandas Series or a DataFrame where a name or a flag belongs compares element by element:
``type in ("response", "link")`` and ``if exponentiate:`` raised a raw ``ValueError`` ("the truth value of an
array ... is ambiguous").  Options are now compared only when they are strings
(``glmstat._arguments.is_one_of``) and flags must be True or False (``glmstat._arguments.flag``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat._arguments import shown

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "z": [3.0, 1, 2, 5, 4, 3, 2, 1], "g": list("aabbccdd"), "cnt": [0, 1, 0, 2, 3, 0, 5, 1]})
HUGE = 10**5000
LONG = "q" * 10_000_000
BOTH = [HUGE, LONG]
#: a message quotes at most 60 characters of a string: it stays far below this
MAX_MESSAGE = 1000


@pytest.fixture(scope="module")
def fits():
    return gs.glm("y ~ x + g", D), gs.glm("cnt ~ x", D, family=gs.Poisson())


CALLS = [  # (id, call of (gaussian fit, poisson fit, value), the message's start)
    ("glm-method", lambda f, p, v: gs.glm("y ~ x", D, method=v), "unknown method"),
    ("glm-convergence", lambda f, p, v: gs.glm("y ~ x", D, convergence=v), "convergence must be one of"),
    ("glm-trace", lambda f, p, v: gs.glm("y ~ x", D, trace=v), "trace must be True or False"),
    ("glm-progress", lambda f, p, v: gs.glm("y ~ x", D, progress=v), "progress must be None, True or False"),
    ("glm-na_action", lambda f, p, v: gs.glm("y ~ x", D, na_action=v), "na_action must be 'drop' or 'raise'"),
    ("glm-family", lambda f, p, v: gs.glm("y ~ x", D, family=v), "family"),
    ("Binomial-link", lambda f, p, v: gs.Binomial(link=v), "link"),
    ("Quasi-variance", lambda f, p, v: gs.Quasi(variance=v), "unknown quasi variance"),
    ("conf_int-method", lambda f, p, v: f.conf_int(method=v), "unknown interval method"),
    ("anova-test", lambda f, p, v: f.anova(test=v), "unknown test"),
    ("anova-type", lambda f, p, v: f.anova(type=v), "unknown anova type"),
    ("anova-type2-test", lambda f, p, v: f.anova(type=2, test=v), "unknown test"),
    ("gs.anova-test", lambda f, p, v: gs.anova(f, f, test=v), "unknown test"),
    ("drop1-test", lambda f, p, v: f.drop1(test=v), "unknown test"),
    ("add1-test", lambda f, p, v: f.add1("~ . + z", test=v), "unknown test"),
    ("step-direction", lambda f, p, v: f.step(direction=v), "unknown direction"),
    ("wald_test-test", lambda f, p, v: f.wald_test("x = 0", test=v), "unknown test"),
    ("emmeans_pairs-adjust", lambda f, p, v: f.emmeans_pairs("g", adjust=v), "unknown adjustment"),
    ("emmeans_contrasts-method", lambda f, p, v: f.emmeans_contrasts("g", v), "unknown comparisons"),
    ("emmeans_contrasts-adjust", lambda f, p, v: f.emmeans_contrasts("g", adjust=v), "unknown adjustment"),
    ("emmeans_contrasts-ref", lambda f, p, v: f.emmeans_contrasts("g", "trt.vs.ctrl", ref=v), "ref"),
    ("emmeans-weights", lambda f, p, v: f.emmeans("g", weights=v), "unknown weights"),
    ("emmeans-at", lambda f, p, v: f.emmeans("g", at={"x": v}), "at= 'x': give 1 to 1000 finite numbers"),
    ("residuals-kind", lambda f, p, v: f.residuals(v), "unknown residual kind"),
    ("std_residuals-kind", lambda f, p, v: f.std_residuals(v), "unknown standardized residual kind"),
    ("predict-type", lambda f, p, v: f.predict(D, type=v), "unknown prediction type"),
    ("predict-interval", lambda f, p, v: f.predict(D, interval=v), "unknown interval"),
    ("robust-type", lambda f, p, v: f.robust(type=v), "unknown sandwich type"),
    ("plot-kind", lambda f, p, v: f.plot(v), "unknown plot kind"),
    ("compare-digits", lambda f, p, v: gs.compare(f, digits=v), "digits must be an integer from 1 to 15"),
    ("compare-ci_method", lambda f, p, v: gs.compare(f, ci=True, ci_method=v), "unknown interval method"),
    ("load_dataset", lambda f, p, v: gs.load_dataset(v), "data set"),
]
STRING_ONLY = [  # arguments whose strings name a column: an int is refused by a type check that names no value
    ("glm-weights", lambda f, p, v: gs.glm("y ~ x", D, weights=v), "weights="),
    ("glm-offset", lambda f, p, v: gs.glm("y ~ x", D, offset=v), "offset="),
    ("robust-cluster", lambda f, p, v: f.robust(cluster=v), "cluster="),
    ("plot-term", lambda f, p, v: f.plot("effects", term=v), "term="),
]

#: refused by their type, without quoting the value
NAMED_BY_TYPE = {"glm-family", "load_dataset"}


def refused(fits, call, start: str, value) -> str:
    if start.startswith(("unknown plot", "term=")):
        pytest.importorskip("matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a fit's own warnings are not what is checked)
        with pytest.raises(gs.GLMStatError) as info:
            call(*fits, value)
    text = str(info.value)
    assert re.search(re.escape(start), text), text[:300]
    assert len(text) < MAX_MESSAGE, f"{len(text)} characters: {text[:300]}"
    return text


@pytest.mark.parametrize("name,call,start", CALLS, ids=[c[0] for c in CALLS])
@pytest.mark.parametrize("value", [HUGE, LONG, BOTH], ids=["int-5001-digits", "str-10MB", "list"])
def test_huge_argument_is_refused_with_a_bounded_message(fits, name, call, start, value):
    text = refused(fits, call, start, value)
    if value is HUGE and name not in NAMED_BY_TYPE:
        assert "an integer of about 1e5000" in text
    if value is LONG:
        assert "'" + "q" * 60 + "...'" in text and "q" * 61 not in text


@pytest.mark.parametrize("name,call,start", STRING_ONLY, ids=[c[0] for c in STRING_ONLY])
def test_huge_column_name_argument_is_cut(fits, name, call, start):
    text = refused(fits, call, start, LONG)
    assert "q" * 61 not in text


def test_shown_closed_forms():
    assert shown(HUGE) == "an integer of about 1e5000" and shown(-HUGE) == "an integer of about -1e5000"
    assert shown(LONG) == "'" + "q" * 60 + "...'"
    assert shown([HUGE, "a", 1.5, None, True, 7]) == "[an integer of about 1e5000, 'a', 1.5, None, True, ...]"
    assert shown(("II",)) == "('II',)" and shown([[1]]) == "[a list]"
    assert shown(object()) == "a object"


def test_model_names_of_a_comparison_that_str_cannot_write(fits):
    table = gs.compare(*fits, names=[HUGE, "b"])  # str(10**5000) raised ValueError
    assert list(table.names) == ["an integer of about 1e5000", "b"]


@pytest.mark.parametrize("call", [
    lambda fit, level: fit.predict(pd.DataFrame({"x": [1.0], "g": [level]})),
    lambda fit, level: gs.glm("y ~ relevel(g, ref = 'zz')", D.assign(g=[level] * 4 + ["b"] * 4)),
    lambda fit, level: gs.glm("y ~ log(g)", D.assign(g=[level] * 4 + ["b"] * 4)),
    lambda fit, level: gs.glm("y ~ x", D.assign(**{level: 1.0})).robust(cluster="nope")],
    ids=["predict-unseen-level", "relevel-ref-not-a-level", "arithmetic-on-a-factor",
         "cluster-not-a-column"])
def test_a_huge_factor_level_is_cut_in_a_message(fits, call):
    # the levels a message lists were joined as they are: a level of 10 MB (of new data or of the data) made a
    # message of 10 MB (of 30 MB: the level, the training levels), and a line break in one faked a line
    fit = gs.glm("y ~ x + g", D.assign(g=["a\nfake line"] * 4 + ["b"] * 4))
    with pytest.raises(gs.GLMStatError) as e:
        call(fit, LONG + "\nfake line")
    assert len(str(e.value)) < MAX_MESSAGE and "\n" not in str(e.value)


def test_a_huge_level_of_a_binomial_response_is_cut_in_its_warning():
    # a factor response of three levels fits as R (first level failure) with a warning that lists the levels
    with pytest.warns(gs.DataWarning) as caught:
        gs.glm("g ~ x", D.assign(g=[LONG + "\nfake line"] * 4 + ["b"] * 2 + ["c"] * 2), family=gs.Binomial())
    text = str(caught[0].message)
    assert "has 3 levels" in text and len(text) < MAX_MESSAGE and "\n" not in text


def test_duplicate_column_names_are_listed_cut():
    """A frame from someone else may repeat a name of 10 MB, or hold a hundred repeats among 40,000 columns:
    the message lists ten of them, each cut (the repeats were found by counting each name among all the
    others, quadratic: 7 s for 30,000 columns)."""
    names = [f"c{i}" for i in range(40_000)] + [f"c{i}" for i in range(100)] + [LONG, LONG, "y"]
    data = pd.DataFrame([[1.0] * len(names)] * 2, columns=names)
    with pytest.raises(gs.DataError, match="^data has duplicate column names: ") as e:
        gs.glm("y ~ c1", data)
    text = str(e.value)
    assert len(text) < MAX_MESSAGE and "q" * 61 not in text and text.count(", ") == 10 and ", ..." in text


@pytest.mark.parametrize("na_action", ["drop", "raise"])
def test_a_huge_weights_column_name_is_cut_in_the_missing_values_counts(na_action):
    """The weights column is named by the caller, not by the formula (which max_length bounds): a name of 10 MB
    with a line break made the dropped-rows warning, the summary's note and na_action='raise''s refusal 10 MB
    long, and faked a line."""
    data = D.assign(**{LONG + "\nfake line": [1.0, 1, None, 1, 1, 1, 1, 1]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = gs.glm("y ~ x", data, weights=LONG + "\nfake line", na_action=na_action)
        except gs.DataError as e:
            texts = [str(e)]
        else:
            texts = [str(w.message) for w in caught] + [line for line in str(fit.summary()).splitlines()
                                                        if "dropped for missing values" in line]
    assert na_action == "raise" or len(texts) == 2
    for text in texts:
        assert "q" * 81 not in text and "\n" not in text and ("q" * 80 + "...: 1") in text


def test_a_huge_weights_column_name_is_cut_where_its_values_are_refused():
    """A weights column of text was named whole in its refusal: a name of 10 MB, a message of 10 MB."""
    with pytest.raises(gs.DataError, match="must be numeric") as e:
        gs.glm("y ~ x", D.assign(**{LONG: ["a", "b"] * 4}), weights=LONG)
    assert len(str(e.value)) < MAX_MESSAGE and "q" * 61 not in str(e.value)


ARRAYS = {"ndarray-2": lambda: np.array(["a", "b"]), "ndarray-2d": lambda: np.ones((2, 2)),
          "series": lambda: pd.Series(["a", "b"]), "frame": lambda: pd.DataFrame({"a": [1, 2]})}


@pytest.mark.parametrize("name,call,start", CALLS + STRING_ONLY[3:], ids=[c[0] for c in CALLS + STRING_ONLY[3:]])
@pytest.mark.parametrize("kind", list(ARRAYS))
def test_an_array_where_a_name_belongs_is_refused(fits, name, call, start, kind):
    refused(fits, call, start, ARRAYS[kind]())


@pytest.mark.parametrize("call,start", [
    (lambda f, p, v: f.tidy(exponentiate=v), "exponentiate must be True or False"),
    (lambda f, p, v: f.summary().to_html(full_document=v), "full_document must be True or False"),
], ids=["tidy-exponentiate", "summary-to_html-full_document"])
@pytest.mark.parametrize("value", [np.array([True, False]), pd.Series([True]), "yes", 1, None],
                         ids=["ndarray", "series", "str", "int", "none"])
def test_a_flag_is_true_or_false(fits, call, start, value):
    refused(fits, call, start, value)


@pytest.mark.parametrize("how", ["predict-unseen-feature", "fit-duplicate-names", "fit-text-cell"])
def test_scikit_learns_own_reason_is_cut_in_the_estimators_refusals(how):
    """The estimators pass on scikit-learn's reason for refusing X or y, which quotes the data's names and values
    whole: a feature name of 10 MB at predict(), 20,000 repeated column names, a text cell of 10 MB each made a
    message of that size (the first in 6 s)."""
    pytest.importorskip("sklearn")
    from glmstat.sklearn import GLMRegressor

    est = GLMRegressor(family=gs.Poisson())
    X, y = D[["x", "z"]], D["cnt"]
    if how == "predict-unseen-feature":
        call, start = lambda: est.fit(X, y).predict(X.assign(**{LONG: 1.0})), "X (a DataFrame) is refused: The feature"
    elif how == "fit-duplicate-names":
        wide = pd.DataFrame(np.ones((len(D), 40_000)), columns=[f"c{i // 2}" for i in range(40_000)])
        call, start = lambda: est.fit(wide, y), "X (a DataFrame) or y (a Series) is refused: Expected unique column"
    else:
        call, start = lambda: est.fit(X.assign(x=LONG), y), "X (a DataFrame) or y (a Series) is refused: could not"
    with pytest.raises(gs.DataError) as e:
        call()
    text = str(e.value)
    assert text.startswith(start) and len(text) < MAX_MESSAGE and "more characters)" in text
