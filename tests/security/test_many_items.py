"""Arguments and data of many items -- names in a term, coefficients in a list, levels, columns -- from someone
else: each is read in time linear in its size (a search of a list inside a loop over another made them
quadratic), and a message lists at most some of them, each cut.

Each test runs at a size where the old code took seconds; it checks the result or the message, not the time.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

D = pd.DataFrame({"y": [1.2, .7, 2.9, 2.1, 3.8, 2.6, 4.1, 3.3], "x": [1.0, 2, 3, 4, 5, 6, 7, 8],
                  "g": list("aabbccdd")})
MAX_MESSAGE = 1000


@pytest.fixture(scope="module")
def fit():
    return gs.glm("y ~ x + g", D)


@pytest.mark.parametrize("method", ["emmeans", "emmeans_pairs"])
def test_a_term_of_many_names_is_read_in_one_pass(fit, method):
    # each name was searched among the ones before it: 8 s for 40,000 names
    term = ":".join(f"v{i}" for i in range(40_000)) + ":v39999"
    with pytest.raises(gs.GLMStatError, match="names the variable 'v39999' more than once") as e:
        getattr(fit, method)(term)
    assert len(str(e.value)) < MAX_MESSAGE


@pytest.fixture(scope="module")
def many():
    """A fit of 2,000 coefficients."""
    data = pd.DataFrame({"y": [float(i % 7) for i in range(4000)], "g": [f"l{i // 2}" for i in range(4000)]})
    return gs.glm("y ~ g", data)


def test_a_long_parm_is_read_in_one_pass(many):
    # each name of parm was searched in the list of coefficients: 1.2 s for 40,000 names of 4,000 coefficients
    # (0.6 s for the 2,000 here)
    last, first = many.column_names[-1], many.column_names[1]
    parm = [last, first] * 20_000
    wald = many.conf_int(parm=parm)
    assert wald.shape == (40_000, 2) and list(wald.index[:3]) == [last, first, last]
    with pytest.raises(gs.GLMStatError, match="^parm names no coefficient: 'nope'; the coefficients are "):
        many.conf_int(parm=parm + ["nope"])
    profile = gs.glm("y ~ x + g", D).conf_int(method="profile", parm=["x", "g[T.b]"] * 20_000)
    assert profile.shape == (40_000, 2) and profile.notna().all().all()


def test_a_huge_coefficient_name_is_cut_in_the_list_of_coefficients():
    level = "q" * 10_000_000  # (a coefficient named by a level of the data)
    fit = gs.glm("y ~ x + g", D.assign(g=[level] * 4 + ["b"] * 4))
    with pytest.raises(gs.GLMStatError, match="^parm names no coefficient") as e:
        fit.conf_int(parm="nope")
    assert len(str(e.value)) < MAX_MESSAGE


COLUMNS = ["Intercept", "x"] + [f"g[T.l{i}]" for i in range(4000)]


def test_a_hypothesis_is_matched_against_many_columns_in_one_pass():
    # each column's spellings were tried in turn at each place of the text: 2.7 s for 20,000 characters on
    # 4,000 columns
    from glmstat.inference.hypothesis_text import hypothesis_matrix

    with pytest.raises(gs.GLMStatError, match="^'g' in the hypothesis is not a column of the model") as e:
        hypothesis_matrix(COLUMNS, " + ".join(["g"] * 5000))
    assert len(str(e.value)) < MAX_MESSAGE
    L, r = hypothesis_matrix(COLUMNS, ["g[T.l3999] + 2*gl17 - `g[T.l5]` = x + 1", "gl1 = 0"])
    assert r.tolist() == [1.0, 0.0]
    assert {COLUMNS[j]: L[0, j] for j in L[0].nonzero()[0]} == {"x": -1, "g[T.l3999]": 1, "g[T.l17]": 2,
                                                                "g[T.l5]": -1}
    with pytest.raises(gs.GLMStatError, match="'g\\[T.l10\\]:x' in the hypothesis is not a column"):
        hypothesis_matrix(COLUMNS, "gl1 + g[T.l10]:x = 0")


@pytest.mark.parametrize("text", ["(" * 19_999, "( " * 9_999, "f(" * 9_999])
def test_a_hypothesis_of_many_parentheses_is_read_in_one_pass(text):
    # each '(' copied the text before it, and each character looked through every open parenthesis (0.7 s)
    from glmstat.inference.hypothesis_text import hypothesis_matrix

    with pytest.raises(gs.GLMStatError, match="^cannot read the hypothesis") as e:
        hypothesis_matrix(["Intercept", "x"], text)
    assert len(str(e.value)) < MAX_MESSAGE


def test_a_huge_coefficient_name_is_cut_in_the_columns_a_hypothesis_may_name():
    fit = gs.glm("y ~ x + g", D.assign(g=["q" * 10_000_000] * 4 + ["b"] * 4))
    for hypothesis in ("nope = 0", pd.DataFrame({"nope": [1.0]})):
        with pytest.raises(gs.GLMStatError, match="^'nope' in the hypothesis is not a column") as e:
            fit.wald_test(hypothesis)
        assert len(str(e.value)) < MAX_MESSAGE


def test_a_hypothesis_matrix_of_many_columns_is_read_in_one_pass(many):
    # each of its columns was searched in the list of coefficients: 1.2 s for 40,000 columns on 4,000 coefficients
    last = many.column_names[-1]
    matrix = pd.DataFrame([[0.0] * 40_000], columns=[last] * 39_999 + ["nope"])
    with pytest.raises(gs.GLMStatError, match="^'nope' in the hypothesis is not a column") as e:
        many.wald_test(matrix)
    assert len(str(e.value)) < MAX_MESSAGE
    test = many.wald_test(pd.DataFrame({last: [1.0], many.column_names[1]: [-1.0]}))
    assert test.df == 1 and test.matrix.shape == (1, 2000)


@pytest.fixture(scope="module")
def wide():
    """A fit of 400 numeric variables (on 20 rows: most coefficients aliased)."""
    data = pd.DataFrame({f"c{i}": [float((i * 7 + r * 3) % 11) for r in range(20)] for i in range(400)})
    data["y"] = [float(r % 5) for r in range(20)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm("y ~ " + " + ".join(f"c{i}" for i in range(400)), data)


def test_a_long_list_of_variables_is_read_in_one_pass(wide):
    # each name was searched among every variable's spellings: 2.3 s for 40,000 names of 1,900 variables; the
    # refusal listed every variable
    names = [f"c{i}" for i in range(400)] * 100 + ["nope"]
    with pytest.raises(gs.GLMStatError, match="^'nope' is not a variable of the model's right-hand side "
                                              r"\(variables: 'c0', 'c1', .*'c9', \.\.\.\); ") as e:
        wide.average_marginal_effects(variables=names)
    assert len(str(e.value)) < MAX_MESSAGE


def test_a_variable_named_twice_is_refused(fit):
    # each repeat was computed again (20 ms each on a model of 250 columns, and a gradient row kept per repeat)
    with pytest.raises(gs.GLMStatError, match="^variables= names the variable 'x' more than once$"):
        fit.average_marginal_effects(variables=["x", "g"] * 20_000)


def test_at_values_are_counted_before_they_are_checked(many):
    # every value was checked against every level before their number was: 1.9 s for 10,000 values of a
    # 2,000-level factor, longer without end for a longer list
    last = "l1999"
    with pytest.raises(gs.GLMStatError, match="^at= asks for more than 10,000 combinations of values"):
        many.average_marginal_effects(at={"g": [last] * 1_000_000})
    with pytest.raises(gs.GLMStatError, match=r"^at\['g'\] must be a level of the factor g \('l0', 'l1', 'l10', "
                                              r".*\.\.\.\), got 'nope'$"):
        many.average_marginal_effects(at={"g": [last] * 9_999 + ["nope"]})


def test_a_huge_level_is_cut_in_the_levels_at_may_name():
    fit = gs.glm("y ~ x + g", D.assign(g=["q" * 10_000_000] * 4 + ["b"] * 4))
    with pytest.raises(gs.GLMStatError, match=r"^at\['g'\] must be a level of the factor g") as e:
        fit.average_marginal_effects("x", at={"g": "nope"})
    assert len(str(e.value)) < MAX_MESSAGE


def test_the_factors_a_reference_grid_crosses_are_listed_cut():
    data = pd.DataFrame({f"f{i}": [("a", "b")[(r >> (i % 6)) & 1] for r in range(64)] for i in range(20)})
    data["y"] = [float(r % 5) for r in range(64)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = gs.glm("y ~ " + " + ".join(f"f{i}" for i in range(20)), data)
    with pytest.raises(gs.GLMStatError, match=r"^the reference grid crosses 'f0' \(2\) x .* x 'f9' \(2\) x \.\.\.: "
                                              "1048576 rows of 21 model columns"):
        fit.emmeans("f0")


def test_the_rows_of_leverage_one_a_plot_leaves_out_are_listed_cut():
    pytest.importorskip("matplotlib")
    # a factor of a level per row gives every row leverage one: the warning named each (18,000 characters for
    # 1,000 rows, each label in full)
    data = pd.DataFrame({"y": [float(i % 7) for i in range(1010)], "g": [f"l{i}" for i in range(1000)] + ["a"] * 10},
                        index=[f"row{i}" for i in range(1010)])
    fit = gs.glm("y ~ g", data)
    with pytest.warns(gs.GLMStatWarning, match="^not plotting observations with leverage one: 'row0', 'row1', ") as w:
        fit.plot("diagnostics")
    text = next(str(x.message) for x in w if "leverage one" in str(x.message))
    assert text.endswith(", ...") and text.count(", ") == 10


def test_the_predictors_an_effects_plot_may_show_are_listed_cut(wide):
    pytest.importorskip("matplotlib")
    with pytest.raises(gs.GLMStatError, match=r"^term='nope' is not a predictor of this model; its predictors are "
                                              r"'c0', 'c1', .*'c9', \.\.\.$"):
        wide.plot("effects", term="nope")


def test_the_columns_of_a_polars_frame_pandas_cannot_hold_are_listed_cut():
    from glmstat.formula.arrow_tables import _polars_refusal

    class Column:
        def to_pandas(self):
            raise TypeError("no pandas type")

    class Schema:
        def __getitem__(self, name):
            return "Struct({" + "'f': Int128, " * 1000 + "})"

    class Frame:  # (what the refusal reads of a polars DataFrame, whose every column pandas refuses)
        columns = [f"c{i}" for i in range(40_000)]
        schema = Schema()

        def select(self, name):
            return Column()

    text = _polars_refusal(Frame())
    assert text.startswith("the polars DataFrame cannot be converted for fitting: 'c0' (Struct({'f': Int128, ")
    assert text.count("'c") == 10 and ", ..." in text and len(text) < MAX_MESSAGE


def test_the_caches_keep_no_data_set_names_alive():
    # the terms' cache was keyed by every column name of the data, and the coefficient index's by every
    # coefficient name: 256 and 512 fits' names stayed alive after the fits (10 MB of names per fit grew the
    # process by 10 MB a fit)
    from glmstat.formula.frame import _cached_terms
    from glmstat.inference.results import _cached_index

    gs.glm("y ~ x + g", D).coef
    terms, index = _cached_terms.cache_info().currsize, _cached_index.cache_info().currsize
    for k in range(3):
        names = [f"{k}.{i}" + "q" * 1000 for i in range(200)]
        data = pd.concat([D.assign(g=[f"z{k}" + "q" * 100_000, "b"] * 4),
                          pd.DataFrame(0.0, index=D.index, columns=names)], axis=1)
        assert list(gs.glm("y ~ x + g", data).coef.index[:2]) == ["Intercept", "x"]
    assert _cached_terms.cache_info().currsize == terms  # (a formula without '.': one entry whatever the columns)
    assert _cached_index.cache_info().currsize == index  # (long names: not cached)
    assert gs.glm("y ~ .", D[["y", "x"]]).term_labels == ["x"]
    assert gs.glm("y ~ .", D[["y", "g"]]).term_labels == ["g"]


def test_pairwise_comparisons_of_long_labels_are_refused_before_they_are_written():
    # each pair's label holds both levels' labels: 300 levels of 2,000 characters made 180 million characters
    # (2 s, 200 MB), 600 levels 720 million (800 MB)
    data = pd.DataFrame({"y": [float(i % 7) for i in range(600)],
                         "g": [f"{i % 300:03d}" + "q" * 2000 for i in range(600)]})
    with pytest.raises(gs.GLMStatError, match="^the labels of the 44,850 pairwise comparisons of 300 means would "
                                              "take 179,803,650 characters, more than the 50,000,000") as e:
        gs.glm("y ~ g", data).emmeans_pairs("g")
    assert len(str(e.value)) < MAX_MESSAGE


def test_pairwise_standard_errors_of_a_factor_of_many_levels():
    # diag(D V D') was formed as a dense product, rows x columns^2 (499,500 pairs of a 1,000-level factor: 26 s;
    # with 3,000 more columns, hours); D, a difference of two levels, has two non-zero columns
    import numpy as np

    rng = np.random.default_rng(7)
    data = pd.DataFrame({"y": rng.normal(size=400), "g": [f"l{i % 80:02d}" for i in range(400)],
                         "x": rng.normal(size=400)})
    fit = gs.glm("y ~ g + x", data)
    pairs = fit.emmeans_pairs("g", adjust="none")
    V, b = fit.vcov.to_numpy(), fit.coef.to_numpy()
    for i, j in [(0, 1), (3, 79), (40, 41), (78, 79)]:
        d = np.zeros(len(b))
        for k, sign in ((i, 1.0), (j, -1.0)):
            if k:  # (level 0 is the reference: no column)
                d[k] = sign
        row = pairs.loc[f"l{i:02d} - l{j:02d}"]
        assert row["estimate"] == pytest.approx(d @ b, rel=1e-10, abs=1e-12)
        assert row["std_error"] == pytest.approx(np.sqrt(d @ V @ d), rel=1e-10)


def test_a_reference_grid_of_many_variables_is_set_in_one_frame(wide):
    # each variable was set in a new frame, which copied every column each time: quadratic in the variables
    # (9 s for a grid of 2,000 variables, 0.45 s of 500); also the at= settings of marginal effects (10 s)
    assert wide.emmeans("c0:c1").shape == (1, 5)
    at = {f"c{i}": 1.0 for i in range(400)}
    effects = wide.average_marginal_effects(variables="c0", at=at)
    assert effects.shape[0] == 1 and effects["c399"].tolist() == [1.0]


def test_a_factor_of_many_distinct_numbers_is_refused_before_its_levels_are_written(monkeypatch):
    # the design's columns were counted after the text of every level was written (R's 15 digits, 30 us each)
    # and each level's key made: 18 s for factor(x):factor(z) of a million distinct values, 6 s here
    from glmstat.formula import encode, factor_functions, values

    written, keyed = [], []
    monkeypatch.setattr(encode, "label_text", lambda v: written.append(v) or values.label_text(v))
    monkeypatch.setattr(factor_functions, "number_level_key", lambda v: keyed.append(v) or values.number_level_key(v))
    rng = np.random.default_rng(7)
    n = 200_000
    d = pd.DataFrame({"y": rng.normal(size=n), "x": rng.permutation(n) / 7.0, "z": rng.permutation(n) / 3.0})
    with pytest.raises(gs.FormulaError, match="^the design has more columns than allowed: 40,000,000,001, where the "
                                              "limit max_columns is 5,000"):
        gs.glm("y ~ factor(x):factor(z)", d)
    assert written == [] and keyed == []
    # neighbours alike to 15 digits are still one level, as R's texts
    small = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "x": [0.1 + 0.2, 0.3, 1e15, 1e15 + 0.125, 7.0]})
    assert list(gs.glm("y ~ factor(x)", small).coef.index) == ["Intercept", "factor(x)[T.7]", "factor(x)[T.1e+15]"]
    assert len(keyed) == 4


def test_a_row_group_of_many_distinct_numbers_is_refused_before_its_levels_are_written(tmp_path, monkeypatch):
    # each row group's present levels were written as texts (R's 15 digits, 30 us each) before the merged levels
    # were counted: 3 s a factor for a row group of 100,000 distinct numbers, 111 s for 30 terms factor(x + k)
    # of a file of a million rows
    pytest.importorskip("pyarrow")
    from glmstat.formula import stream, values

    written = []
    monkeypatch.setattr(stream, "label_text", lambda v: written.append(v) or values.label_text(v))
    rng = np.random.default_rng(8)
    path = tmp_path / "ids.parquet"
    n = 40_000
    pd.DataFrame({"y": rng.normal(size=n), "x": rng.permutation(n) / 7.0}).to_parquet(path, row_group_size=n // 2)
    with pytest.raises(gs.FormulaError, match="^the columns of the factor 'factor\\(x \\+ 1\\)' \\(its levels in the "
                                              "rows read so far, less one\\): [0-9,]+, where the limit max_columns"):
        gs.glm("y ~ " + " + ".join(f"factor(x + {k})" for k in range(1, 21)), str(path))
    assert written == []


def test_new_data_of_many_unseen_numbers_is_refused_after_the_levels_it_names(monkeypatch):
    # the text of every level of the new data was written, twice for an unseen one: 40 s for a million new numbers
    # of factor(k) (10 s here) before the prediction was refused
    from glmstat.formula import spec, values

    written = []
    monkeypatch.setattr(spec, "label_text", lambda v: written.append(v) or values.label_text(v))
    data = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "k": [0.5, 1.5, 2.5] * 2})
    fit = gs.glm("y ~ factor(k)", data)
    written.clear()
    new = pd.DataFrame({"k": [1.5] * 10 + [k / 8 + 3 for k in range(200_000)]})
    with pytest.raises(gs.DataError, match=r"^column 'factor\(k\)' of the new data has level\(s\) '3', "
                                           r"'3.125', '3.25', '3.375', '3.5', '3.625', '3.75', '3.875', '4', "
                                           r"'4.125', \.\.\. not seen when fitting \(levels: '0.5', '1.5', '2.5'\)$"):
        fit.predict(new)
    assert len(written) == 3 + 1 + 11 + 3  # (the model's levels, the level seen, the unseen ones named; the levels)
