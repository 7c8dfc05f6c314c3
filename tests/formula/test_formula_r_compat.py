"""R formula syntax that Python reads differently: dotted names and Python keywords used as
column names, and the order of the variables in interactions (column names as R's model.matrix gives them);
R's functions in formulas computing R's numbers (round, ifelse, as.integer, poly, relevel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close
from glmstat.formula.parser import parse
from glmstat.formula.rounding import r_round
from glmstat.formula.terms import expand_terms


def _data():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 5, 40)
    return pd.DataFrame({"class": np.where(x + rng.normal(0, 1, 40) > 3, "b", "a"), "x.val": x,
                         "t.off": rng.uniform(1, 2, 40)})


def test_keyword_and_dotted_names_fit_like_their_backticked_forms():
    d = _data()
    plain = gs.glm("class ~ log(x.val) + offset(log(t.off))", d, family=gs.Binomial())
    quoted = gs.glm("`class` ~ log(`x.val`) + offset(log(`t.off`))", d, family=gs.Binomial())
    np.testing.assert_array_equal(plain.coef.to_numpy(), quoted.coef.to_numpy())
    assert plain.deviance == quoted.deviance


HOUSING = pd.DataFrame({
    "Sat": ["Low", "Medium", "High"] * 6, "Infl": ["Low"] * 6 + ["Medium"] * 6 + ["High"] * 6,
    "Freq": np.arange(1.0, 19.0),
})


def _r_names(columns):
    """glmstat's 'Sat[T.Low]:Infl[High]' written as R writes it, 'SatLow:InflHigh'."""
    return [c.replace("[T.", "").replace("[", "").replace("]", "").replace("Intercept", "(Intercept)")
            for c in columns]


# column names from R 4.2's model.matrix on MASS's housing data, whose Sat and Infl have these levels
@pytest.mark.parametrize("rhs, r_columns", [
    ("Infl + Sat + Sat:Infl", ["(Intercept)", "InflLow", "InflMedium", "SatLow", "SatMedium", "InflLow:SatLow",
                               "InflMedium:SatLow", "InflLow:SatMedium", "InflMedium:SatMedium"]),
    ("Sat:Infl - 1 + Infl", ["InflHigh", "InflLow", "InflMedium", "SatLow:InflHigh", "SatMedium:InflHigh",
                             "SatLow:InflLow", "SatMedium:InflLow", "SatLow:InflMedium", "SatMedium:InflMedium"]),
    ("Sat*Infl - Sat", ["(Intercept)", "InflLow", "InflMedium", "SatLow:InflHigh", "SatMedium:InflHigh",
                        "SatLow:InflLow", "SatMedium:InflLow", "SatLow:InflMedium", "SatMedium:InflMedium"]),
    # no margins: R codes both factors by indicators and aliases the last column (a full-rank recoding would add
    # a 'Infl[T.Low]' column instead)
    ("Sat:Infl", ["(Intercept)", "SatHigh:InflHigh", "SatLow:InflHigh", "SatMedium:InflHigh", "SatHigh:InflLow",
                  "SatLow:InflLow", "SatMedium:InflLow", "SatHigh:InflMedium", "SatLow:InflMedium",
                  "SatMedium:InflMedium"]),
    ("Sat + Infl %in% Sat", ["(Intercept)", "SatLow", "SatMedium", "SatHigh:InflLow", "SatLow:InflLow",
                             "SatMedium:InflLow", "SatHigh:InflMedium", "SatLow:InflMedium", "SatMedium:InflMedium"]),
])
def test_interaction_variables_in_r_order(rhs, r_columns):
    fit = gs.glm(f"Freq ~ {rhs}", HOUSING, family=gs.Poisson())
    assert _r_names(fit.column_names) == r_columns


# term labels from R 4.2's terms(); R's %in% interacts each term on its left with every variable on its right,
# and an interaction's variables are in the order they first appear in the formula's text
@pytest.mark.parametrize("rhs, r_labels", [
    ("hp %in% g", ["hp:g"]),
    ("a + b %in% a", ["a", "a:b"]),
    ("(a+b) %in% (c+d)", ["a:c:d", "b:c:d"]),
    ("a %in% b %in% c", ["a:b:c"]),
    ("x + a %in% b:c", ["x", "a:b:c"]),
    ("a %in% b + c", ["c", "a:b"]),
    ("a * b %in% c", ["a", "b:c", "a:b:c"]),
    ("(a+b):(c+d)", ["a:c", "a:d", "b:c", "b:d"]),
    ("b + a + a:b", ["b", "a", "b:a"]),
    ("a*b - a", ["b", "a:b"]),
    ("c/b", ["c", "c:b"]),
])
def test_term_labels_as_r(rhs, r_labels):
    assert list(expand_terms(parse(f"y ~ {rhs}"), ()).labels) == r_labels


def test_in_operator_fits_as_r():
    # R 4.2: glm(mpg ~ hp %in% factor(cyl), data = mtcars) and mpg ~ (wt + hp) %in% (factor(cyl) + factor(am))
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    fit = gs.glm("mpg ~ hp %in% factor(cyl)", d)
    assert_close(fit.coef, [25.38944425304621078, 0.00835224561291318, -0.04491686641105619,
                            -0.04735594732391705])
    assert_close(fit.deviance, 350.67762987814)
    fit = gs.glm("mpg ~ (wt + hp) %in% (factor(cyl) + factor(am))", d)
    assert_close(fit.coef, [36.7592021761447043, -1.6013239269075379, -5.9232898000817693, -2.9622755193296921,
                            -2.8031276166251748, -4.8646722667150222, -10.6880669164331508, -0.1074489076131912,
                            0.0209567686227286, -0.0481970866052407, -0.0399239898167330, -0.0210448486396929,
                            0.0489468558672287])


def test_r_functions_in_formulas_fit_as_r():
    # R 4.2 on mtcars and warpbreaks: relevel(), as.numeric(), ifelse(), poly(raw = TRUE), a logical I()
    d = pd.read_csv(FIXTURES / "data" / "mtcars.csv")
    w = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")
    assert_close(gs.glm("mpg ~ relevel(factor(cyl), ref = '6') + wt", d).coef,
                 [29.73521160716117, 4.25558240197129, -1.81527727851959, -3.20561325619286])
    assert_close(gs.glm("breaks ~ relevel(tension, ref = 'M') + wool", w).coef,
                 [29.27777777777779, -4.72222222222222, 10.0, -5.77777777777778])
    assert_close(gs.glm("mpg ~ as.numeric(cyl) + ifelse(hp > 150, 1, 0)", d).coef,
                 [38.269488683989941, -2.964794635373011, 0.408130762782911])
    assert_close(gs.glm("mpg ~ poly(hp, 2, raw = TRUE)", d).coef,
                 [40.409117202858247708, -0.213308259945318351, 0.000420815629432708])
    assert_close(gs.glm("am ~ wt + I(hp > 150)", d, family=gs.Binomial()).coef,
                 [18.26088037661647, -6.45624676657708, 3.65114681607355], rtol=1e-6)


def test_ifelse_with_string_branches_tests_any_non_zero_number_as_true():
    # R 4.2: glm(y ~ ifelse(cnt, 'pos', 'zero')) -- as.logical(cnt) is TRUE for 1, 2, 3 and 5 alike
    d = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "cnt": [0, 1, 0, 2, 3, 0, 5, 1]})
    fit = gs.glm("y ~ ifelse(cnt, 'pos', 'zero')", d)
    assert list(fit.coef.index) == ["Intercept", 'ifelse(cnt, "pos", "zero")[T.zero]']
    assert_close(fit.coef, [2.799999999999999, -0.566666666666666])
    # R: ifelse(c(NA, 0, -2, 0.5, 3), "p", "z") is NA "z" "p" "p" "p" (the NA row is dropped)
    d2 = pd.DataFrame({"y": [1.0, 2, 3, 4, 6], "t": [np.nan, 0, -2, 0.5, 3]})
    with pytest.warns(gs.DroppedRowsWarning):
        fit2 = gs.glm("y ~ ifelse(t, 'p', 'z')", d2)
    assert_close(fit2.model_frame.X[:, 1], [1.0, 0.0, 0.0, 0.0])


def test_as_integer_is_na_outside_r_integers():
    # R 4.2: as.integer(c(2147483647.9, 2147483648, -2147483647.9, -2147483648, 3.7, -3.7, 5.2, 0.5)) is
    # 2147483647 NA -2147483647 NA 3 -3 5 0 (with a warning); as.integer(Inf) and as.integer(NA) are NA
    d = pd.DataFrame({"y": np.arange(8.0), "x": [2147483647.9, 2147483648, -2147483647.9, -2147483648, 3.7, -3.7,
                                                5.2, 0.5]})
    with pytest.warns(gs.DroppedRowsWarning, match="2 of 8 rows dropped"):
        fit = gs.glm("y ~ as.integer(x)", d)
    assert_close(fit.model_frame.X[:, 1], [2147483647, -2147483647, 3, -3, 5, 0])
    for literal in ("Inf", "-Inf", "NA", "NaN", "3e9"):  # NA in every row: no rows left (R: lm refuses too)
        with pytest.raises(gs.DataError, match="no complete rows"):
            gs.glm(f"y ~ I(x * as.integer({literal}))", d)


def test_raw_poly_beyond_the_distinct_values_is_aliased_as_in_r():
    # R 4.2: glm(y ~ poly(x, 3, raw = TRUE)) on two distinct x gives -1.333333, 3.333333, NA, NA (the line
    # through the means 2 and 16/3 at x = 1 and 2); R's poly() tests the distinct values only when not raw
    d = pd.DataFrame({"x": [1.0, 1, 1, 2, 2, 2], "y": [1.0, 2, 3, 4, 5, 7]})
    with pytest.warns(gs.AliasingWarning, match=r"poly\(x, 3, raw = TRUE\)\[2\]"):
        fit = gs.glm("y ~ poly(x, 3, raw = TRUE)", d)
    assert_close(fit.coef, [-4 / 3, 10 / 3, np.nan, np.nan])


def test_raw_poly_predicts_one_row():
    # a one-row newdata has one distinct value: the columns are its powers, whatever the degree
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=50)})
    d["y"] = rng.poisson(np.exp(0.3 * d.x))
    fit = gs.glm("y ~ poly(x, 2, raw = TRUE)", d, family=gs.Poisson())
    b = fit.coef.to_numpy()
    assert_close(fit.predict(pd.DataFrame({"x": [0.5]}), type="link"), [b[0] + 0.5 * b[1] + 0.25 * b[2]])


POLY_DATA = pd.DataFrame({"y": [2.0, 3, 6, 7, 8, 9, 10, 12, 15, 4, 5, 9],
                          "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 2.5, 3.5, 10],
                          "g": ["a", "b", None, "a", "b", None, "a", "b", "a", "b", "a", "b"]})


def test_poly_is_learned_from_every_row_before_missing_values_drop_rows_as_in_r():
    # R 4.2: glm(y ~ poly(x, 2) + g, poisson, control = glm.control(epsilon = 1e-15)) on POLY_DATA (g NA on two
    # rows): R's model frame evaluates poly(x, 2) on all twelve rows, then na.omit drops two
    with pytest.warns(gs.DroppedRowsWarning, match="2 of 12 rows dropped"):
        fit = gs.glm("y ~ poly(x, 2) + g", POLY_DATA, family=gs.Poisson(), tol=1e-12)
    assert_close(fit.coef, [1.920255170363814, 1.848959365487505, -0.764906064169961, -0.114460593390459])


def test_poly_of_a_variable_with_missing_values_is_learned_from_its_values():
    # R refuses it ("missing values are not allowed in 'poly'"); glmstat builds the polynomials from the values
    # x has, as scale(), bs() and ns() do in R: with x missing on the rows g was, the fit is the fit to the rows
    # that have x (the same basis, the same rows)
    d = POLY_DATA.assign(x=POLY_DATA["x"].where(POLY_DATA["g"].notna()), g="a")
    with pytest.warns(gs.DroppedRowsWarning):
        fit = gs.glm("y ~ poly(x, 2)", d, family=gs.Poisson(), tol=1e-12)
    assert_close(fit.coef, gs.glm("y ~ poly(x, 2)", d.dropna(), family=gs.Poisson(), tol=1e-12).coef)


def _gram_polynomials(n: int, k: int) -> np.ndarray:
    """The orthonormal polynomials of degree 1..k over the points 1..n (discrete Chebyshev, or Gram, polynomials),
    from their closed-form recurrence: p_{i+1} = (x - (n + 1)/2) p_i - b_i p_{i-1},
    b_i = i^2 (n^2 - i^2) / (4 (4 i^2 - 1)), sum p_0^2 = n and sum p_{i+1}^2 = b_{i+1} sum p_i^2."""
    x = np.arange(1.0, n + 1)
    p_prev, p, size = np.zeros(n), np.ones(n), float(n)
    cols = []
    for i in range(k):
        b = 0.0 if i == 0 else i * i * (n * n - i * i) / (4.0 * (4 * i * i - 1))
        p_prev, p = p, (x - (n + 1) / 2) * p - b * p_prev
        size *= (i + 1) ** 2 * (n * n - (i + 1) ** 2) / (4.0 * (4 * (i + 1) ** 2 - 1))
        cols.append(p / np.sqrt(size))
    return np.column_stack(cols)


def test_poly_of_high_degree_is_the_orthonormal_polynomials():
    # R's poly() takes them from the QR of the powers of x, whose condition grows geometrically with the degree:
    # on 1..200 R refuses degree 30 ("'degree' must be less than number of unique points"), and glmstat's columns
    # taken the same way had norms far from 1 at degree 40; the recurrence gives the closed form's to 1e-12
    d = pd.DataFrame({"x": np.arange(1.0, 201)})
    d["y"] = np.sin(d.x / 20) + np.random.default_rng(1).normal(0, 0.1, 200)
    fit = gs.glm("y ~ poly(x, 40)", d)
    want = _gram_polynomials(200, 40)
    np.testing.assert_allclose(fit.model_frame.X[:, 1:], want, rtol=0, atol=1e-12)
    # the learned recurrence predicts new points on the same polynomials (the fit's own rows, given again)
    assert_close(fit.predict(d.iloc[::7], type="link"), fit.fitted_values.to_numpy()[::7], rtol=1e-10)


def test_relevel_names_a_missing_reference_level():
    w = pd.read_csv(FIXTURES / "data" / "warpbreaks.csv")
    with pytest.raises(gs.FormulaError, match=r'ref = "Q" is not a level \(levels: \'H\', \'L\', \'M\'\)'):
        gs.glm("breaks ~ relevel(tension, ref = 'Q')", w)


def _assert_same_doubles(got, want):
    """The very doubles, the sign of a zero included (R's round(-0.35) is -0)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


ROUND_X = [0.15, 0.25, 0.35, 2.675, 1.005, 0.285, -0.35, 5.5, 6.5, -2.5, 1e300, 1e-300, 123456.785, np.nan, np.inf,
           -np.inf]


# R 4.2: round(c(0.15, 0.25, 0.35, 2.675, 1.005, 0.285, -0.35, 5.5, 6.5, -2.5, 1e300, 1e-300, 123456.785, NaN, Inf,
# -Inf), digits), printed with sprintf("%a"); R takes the nearer of the two candidates as doubles (the double 0.35
# is below 0.35, so 0.3; 2.675 likewise, so 2.67) where np.round, which rounds 0.35 * 10, gives 0.4 and 2.68;
# digits = 0 is round-half-even (5.5 and 6.5 both to 6); past 15 significant digits x is returned unchanged
@pytest.mark.parametrize("digits, r_values", [
    (0, [0.0, 0.0, 0.0, 3.0, 1.0, 0.0, -0.0, 6.0, 6.0, -2.0, 1e300, 0.0, 123457.0, np.nan, np.inf, -np.inf]),
    (1, [0.1, 0.2, 0.3, 2.7, 1.0, 0.3, -0.3, 5.5, 6.5, -2.5, 1e300, 0.0, 123456.8, np.nan, np.inf, -np.inf]),
    (2, [0.15, 0.25, 0.35, 2.67, 1.0, 0.28, -0.35, 5.5, 6.5, -2.5, 1e300, 0.0, 123456.79, np.nan, np.inf, -np.inf]),
    (15, [0.15, 0.25, 0.35, 2.675, 1.005, 0.285, -0.35, 5.5, 6.5, -2.5, 1e300, 0.0, 123456.785, np.nan, np.inf,
          -np.inf]),
    (16, [0.15, 0.25, 0.35, 2.675, 1.005, 0.285, -0.35, 5.5, 6.5, -2.5, 1e300, 0.0, 123456.785, np.nan, np.inf,
          -np.inf]),
    (20, [0.15, 0.25, 0.35, 2.675, 1.005, 0.285, -0.35, 5.5, 6.5, -2.5, 1e300, 0.0, 123456.785, np.nan, np.inf,
          -np.inf]),
])
def test_round_is_rs_round(digits, r_values):
    _assert_same_doubles(r_round(np.array(ROUND_X), digits), r_values)


# R 4.2: round(c(15, 25, 1250, 1350, -15, -1250), -1) and (..., -2): ties of exact doubles go to the even digit
@pytest.mark.parametrize("digits, r_values", [
    (-1, [20.0, 20.0, 1250.0, 1350.0, -20.0, -1250.0]),
    (-2, [0.0, 0.0, 1200.0, 1400.0, -0.0, -1200.0]),
])
def test_round_to_tens_and_hundreds_is_rs_round(digits, r_values):
    _assert_same_doubles(r_round(np.array([15.0, 25, 1250, 1350, -15, -1250]), digits), r_values)


def test_round_of_tiny_numbers_and_extreme_digits_is_rs_round():
    # R 4.2: round(1e-300, 305), round(1.234567e-310, 315), round(1, 400), round(-5, -309), round(-0.04, 1), with
    # sprintf("%a"): 10^305 is split as R splits it (10^308 would overflow), hence not exactly 1e-300
    got = [float(r_round(x, d)) for x, d in [(1e-300, 305), (1.234567e-310, 315), (1.0, 400), (-5.0, -309),
                                             (-0.04, 1)]]
    _assert_same_doubles(got, [9.999999999999995e-301, 1.23457e-310, 1.0, 0.0, -0.0])


def test_glm_on_round_fits_as_r():
    # R 4.2: d <- data.frame(x = c(0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 1.05, 1.15, 1.25, 2.35, 2.45, 2.55),
    # y = c(1, 0, 2, 1, 3, 2, 4, 3, 5, 9, 8, 12)); round(d$x, 1) is 0.1 0.2 0.3 0.4 0.6 0.7 1.0 1.1 1.2 2.4 2.5 2.5
    # (np.round gives 0.2 0.2 0.4 0.4 0.6 0.6 1.0 1.2 1.2 2.4 2.4 2.6);
    # glm(y ~ round(x, 1), poisson, d, control = glm.control(epsilon = 1e-15)) and glm(y ~ round(x, 1), data = d)
    d = pd.DataFrame({"x": [0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 1.05, 1.15, 1.25, 2.35, 2.45, 2.55],
                      "y": [1.0, 0, 2, 1, 3, 2, 4, 3, 5, 9, 8, 12]})
    fit = gs.glm("y ~ round(x, 1)", d, family=gs.Poisson(), tol=1e-12)
    _assert_same_doubles(fit.model_frame.X[:, 1], [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 1.0, 1.1, 1.2, 2.4, 2.5, 2.5])
    assert_close(fit.coef, [0.21099555025350583, 0.84923466052387997], rtol=1e-9)
    assert_close(fit.deviance, 5.7691071128276032, rtol=1e-9)
    assert_close(gs.glm("y ~ round(x, 1)", d).coef, [-0.061269959153361017, 3.902710731526179977], rtol=1e-9)


LOGICAL_DATA = pd.DataFrame({"x": [1.5, 7.2, 3.3, 8.8, 6.1, 2.4, 9.7, 4.6, 5.9, 0.8, 7.7, 3.9],
                             "h": [1.0, 5, 2, 5, 3, 1, 4, 6, 5, 2, 1, 3],
                             "y": [1.2, 2.9, 1.1, 3.4, 2.2, 1.9, 3.1, 1.4, 2.6, 0.7, 2.8, 1.6]})
LOGICAL_DATA["b"] = LOGICAL_DATA["x"] > 5


@pytest.mark.parametrize("formula, r_coef", [
    # R 4.2: coef(glm(<formula>, data = d)) on the data above (d$b <- d$x > 5)
    ("y ~ I(b %in% c('TRUE'))", [1.31666666666667, 1.51666666666667]),
    ("y ~ I(factor(x > 5) == 'TRUE')", [1.31666666666667, 1.51666666666667]),
    ("y ~ factor(b, levels = c('TRUE', 'FALSE'))", [2.83333333333333, -1.51666666666667]),
    ("y ~ relevel(factor(b), ref = 'TRUE')", [2.83333333333333, -1.51666666666667]),
    ("y ~ I(h %in% c('1', '5'))", [1.68333333333333, 0.783333333333333]),
    ("y ~ I(h %in% c(1, '5'))", [1.68333333333333, 0.783333333333333]),
])
def test_texts_match_logicals_and_numbers_as_r_matches_them(formula, r_coef):
    """A logical's levels are R's TRUE/FALSE to a text in the formula, and a number against texts is matched
    as its text (R coerces to character): each of these was an all-zero column (coefficient NA) or every row
    missing, silently or with a misleading message."""
    fit = gs.glm(formula, LOGICAL_DATA)
    np.testing.assert_allclose(fit.coef.to_numpy(), r_coef, rtol=1e-12)
