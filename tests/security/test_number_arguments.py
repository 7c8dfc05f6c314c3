"""Numbers that float64 cannot hold faithfully, in the arguments of ``gs.glm`` (weights=, offset=, context=,
start=, tol=) and of the families: complex numbers (a cast to float drops the imaginary part with numpy's
ComplexWarning), Python ints beyond double precision (``float(10**400)`` raises OverflowError) and numpy's time
spans (``np.timedelta64`` is an integer to numpy, and ``int()`` of one raises TypeError).

Each is refused with a GLMStatError that names the argument -- never a raw Python or numpy exception, a
leaked numpy warning, or a fit of numbers other than the ones given.  Runs in-process: these inputs run no
code and take no time; the contract checked is the exception type, the message and the silence.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "cnt": [0, 1, 0, 2, 3, 0, 5, 1]})
N = len(D)
COMPLEX = np.array([1 + 5j] * N)


def refused(call, cls: type, match: str) -> gs.GLMStatError:
    """``call()`` raises ``cls`` (a GLMStatError) whose message matches ``match``, and warns nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a leaked numpy warning (ComplexWarning, RuntimeWarning) fails
        with pytest.raises(gs.GLMStatError) as info:
            call()
    assert isinstance(info.value, cls), f"{type(info.value).__name__}: {info.value}"
    assert re.search(match, str(info.value)), str(info.value)
    return info.value


@pytest.mark.parametrize("kwargs,match", [
    ({"weights": COMPLEX}, "^weights holds complex numbers"),
    ({"weights": pd.Series(COMPLEX)}, "^weights holds complex numbers"),
    ({"weights": list(COMPLEX)}, "^weights holds complex numbers"),
    ({"offset": COMPLEX}, "^offset holds complex numbers"),
    ({"offset": 1 + 2j}, "^offset holds complex numbers"),
])
def test_complex_weights_and_offsets_are_refused(kwargs, match):
    refused(lambda: gs.glm("y ~ x", D, **kwargs), gs.DataError, match)


@pytest.mark.parametrize("formula,context,match", [
    ("y ~ x + k", {"k": COMPLEX}, "context= entry 'k' holds complex numbers"),
    ("y ~ x + k", {"k": pd.Series(COMPLEX)}, "context= entry 'k' holds complex numbers"),
    ("y ~ I(x * k)", {"k": COMPLEX}, "context= entry 'k' holds complex numbers"),
    ("y ~ f(x)", {"f": lambda v: v * (1 + 2j)}, r"f\(x\) \(a function from context=\) returned complex numbers"),
    ("y ~ f(x)", {"f": lambda v: pd.Series(v * 1j)}, r"f\(x\) \(a function from context=\) returned complex"),
    ("y ~ f(x)", {"f": lambda v: np.column_stack([v, v * 1j])}, r"f\(x\) \(a function from context=\) returned"),
])
def test_complex_context_values_are_refused(formula, context, match):
    refused(lambda: gs.glm(formula, D, context=context), gs.DataError, match)


BIG = 10**400  # a Python int no double holds: float(BIG) raises OverflowError


@pytest.mark.parametrize("kwargs,match", [
    ({"weights": [BIG] + [1] * (N - 1)}, "^weights has a number too large for double precision \\(an integer of "
                                         "about 1e400\\)"),
    ({"offset": [1] * (N - 1) + [-BIG]}, "^offset has a number too large for double precision \\(an integer of "
                                         "about -1e400\\)"),
    ({"context": {"k": BIG}}, "context= entry 'k' is an integer too large for double precision \\(about 1e400\\)"),
])
def test_python_ints_beyond_double_precision_are_refused(kwargs, match):
    formula = "y ~ I(x * k)" if "context" in kwargs else "y ~ x"
    refused(lambda: gs.glm(formula, D, **kwargs), gs.DataError, match)


@pytest.mark.parametrize("kwargs,cls,match", [
    ({"start": [BIG, 1]}, gs.FitError, "start= needs finite coefficients; start\\[0\\] is an integer of about 1e400"),
    ({"start": [1e308, 1e308]}, gs.FitError, "cannot find valid starting values"),  # X b overflows: no warning
    ({"tol": BIG}, gs.FitError, "tol must be a positive number, got an integer of about 1e400"),
    ({"max_iter": -BIG}, gs.FitError, "max_iter must be a whole number .*, got an integer of about -1e400"),
])
def test_control_arguments_beyond_double_precision(kwargs, cls, match):
    refused(lambda: gs.glm("y ~ x", D, **kwargs), cls, match)


@pytest.mark.parametrize("make,match", [
    (lambda: gs.Tweedie(var_power=1e50, link_power=0), "var_power must be a finite number from -1e\\+19 to 1e\\+19"),
    (lambda: gs.Tweedie(var_power=-1e300), "var_power must be a finite number from"),
    (lambda: gs.Tweedie(var_power=BIG), "var_power must be .*, got an integer of about 1e400"),
    (lambda: gs.Tweedie(var_power=1.5, link_power=1e308), "Power link needs a power from -1e\\+19 to 1e\\+19"),
    (lambda: gs.Tweedie(var_power=1.5, link_power=BIG), "Power link needs a finite power, got an integer of about"),
    (lambda: gs.Gamma(link=gs.links.Power(-BIG)), "Power link needs a finite power"),
    (lambda: gs.NegativeBinomial(theta=BIG), "theta must be a positive number, got an integer of about 1e400"),
])
def test_family_powers_whose_computations_overflow(make, match):
    # Tweedie(var_power=1e50) raised OverflowError in its deviance (the command line: 'internal error'); beyond
    # 1e18, mu^p is 0, 1 or inf for every double mu, so no computation with it can hold
    refused(make, gs.FamilyError, match)


_SPAN = np.timedelta64(1, "D")  # an np.signedinteger to numpy, whose int() and float() raise TypeError


@pytest.mark.parametrize("call,match", [
    (lambda f: f.conf_int(level=_SPAN), "^level must be between 0 and 1, got a timedelta64"),
    (lambda f: gs.glm("y ~ x", D, tol=_SPAN), "^tol must be a positive number, got a timedelta64"),
    (lambda f: gs.glm("y ~ x", D, max_iter=_SPAN), "^max_iter must be a whole number .*, got a timedelta64"),
    (lambda f: gs.glm("y ~ x", D, start=[_SPAN, _SPAN]), "^start= must hold numbers only; it holds a timedelta64"),
    (lambda f: gs.glm("y ~ x", D, progress=_SPAN), "^progress must be None, True or False, got a timedelta64"),
    (lambda f: gs.glm("y ~ x + t", D, context={"t": _SPAN}), "^context= entry 't' is a timedelta64"),
    (lambda f: gs.NegativeBinomial(theta=_SPAN), "^theta must be a positive number, got a timedelta64"),
    (lambda f: gs.Tweedie(var_power=_SPAN), "^var_power must be a number, got a timedelta64"),
    (lambda f: gs.Tweedie(var_power=1.5, link_power=_SPAN), "^link_power must be a number, got a timedelta64"),
    (lambda f: f.step(k=_SPAN), "^k must be a non-negative finite number"),
    (lambda f: f.step(steps=_SPAN), "^steps must be a non-negative whole number, got a timedelta64"),
    (lambda f: f.simulate(_SPAN), "^nsim must be a whole number"),
    (lambda f: f.simulate(1, seed=_SPAN), "^seed must be None"),
    (lambda f: f.average_marginal_effects("x", at={"x": [_SPAN]}), r"^at\['x'\] must be a finite number"),
    (lambda f: f.summary(digits=_SPAN), "^digits must be a whole number"),
    (lambda f: f.anova(type=_SPAN), "^unknown anova type"),
], ids=["level", "tol", "max_iter", "start", "progress", "context", "theta", "var_power", "link_power", "k", "steps",
        "nsim", "seed", "at", "digits", "anova-type"])
def test_numpy_time_spans_are_no_numbers(call, match):
    # int() or float() of the span raised a raw TypeError -- in the check, or in the message naming the value
    refused(lambda: call(gs.glm("y ~ x", D, family=gs.Gaussian())), gs.GLMStatError, match)


class _LoudFloat(float):
    """A float whose conversion is code of its own: it records that it ran."""
    ran: list = []

    def __float__(self) -> float:
        _LoudFloat.ran.append(self)
        return 0.5


@pytest.mark.parametrize("make,match", [
    (lambda: gs.links.Power("0.5"), "Power link needs a number, got '0.5'"),
    (lambda: gs.links.Power(np.str_("2")), "Power link needs a number, got np.str_\\('2'\\)"),
    (lambda: gs.links.Power(True), "Power link needs a number, got True"),
    (lambda: gs.Quasi(link=gs.links.Power("1"), variance="mu"), "Power link needs a number, got '1'"),
    (lambda: gs.links.Power(_LoudFloat(0.3)), "Power link needs a number, got a _LoudFloat"),
    (lambda: gs.NegativeBinomial(theta="1"), "theta must be a positive number, got '1'"),
    (lambda: gs.NegativeBinomial(theta=" 1_0 "), "theta must be a positive number, got ' 1_0 '"),
    (lambda: gs.NegativeBinomial(theta=np.True_), "theta must be a positive number, got "),
    (lambda: gs.NegativeBinomial(theta=np.complex128(1)), r"theta must be a positive number, got \(1\+0j\)"),
    (lambda: gs.links.Power(np.complex64(1)), r"Power link needs a number, got \(1\+0j\)"),
])
def test_family_numbers_given_as_text_or_truth_values(make, match):
    # float() read a numeric string ("1_0 " as 10), a bool and a float subclass (running its __float__): a web
    # application passing a user's text on got a fit with Python's reading of it.  R refuses each: power("0.5")
    # and power(TRUE) stop with "invalid argument 'lambda'", and a fit of negative.binomial("1") with
    # "non-numeric argument to mathematical function"; Tweedie's powers were refused so already
    _LoudFloat.ran.clear()
    refused(make, gs.FamilyError, match)
    assert not _LoudFloat.ran
