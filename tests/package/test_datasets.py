"""The bundled data sets: the catalog, R's column types, R's values, R's fits on them, and their documentation.

Reference numbers come from R: tests/fixtures/datasets/summaries.json (checksums of every column, written by
tests/fixtures/scripts/export_datasets.R from R's own data objects) and fits.json (glm fits in R,
tests/fixtures/scripts/make_datasets_fits.R).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
import conftest
from conftest import REPO
from glmstat.datasets import catalog_markdown, dataset_path

FIXTURES = conftest.FIXTURES / "datasets"
DATA_DIR = dataset_path("students").parent
CATALOG = json.loads((DATA_DIR / "datasets.json").read_text(encoding="utf-8"))["datasets"]
NAMES = sorted(CATALOG)
SUMMARIES = json.loads((FIXTURES / "summaries.json").read_text())
FITS = json.loads((FIXTURES / "fits.json").read_text())["fits"]


# -- the list ---------------------------------------------------------------------------------------------
def test_list_is_a_sorted_dataframe_of_at_least_25():
    table = gs.list_datasets()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["name", "rows", "columns", "title", "source"]
    assert len(table) >= 25 and len(table) == len(CATALOG)
    assert list(table["name"]) == sorted(table["name"]) == NAMES
    assert all(n == n.lower() for n in table["name"])
    need = {"students", "students_overlap", "customer_visits", "mtcars", "esoph", "ships", "quine", "birthwt",
            "warpbreaks", "insectsprays", "menarche", "budworm", "dobson", "insurance", "epil", "ucbadmissions",
            "toothgrowth", "airquality", "infert", "pima.tr", "pima.te", "cars93", "whiteside", "anorexia",
            "snails", "cats", "crabs"}
    assert need <= set(table["name"])
    row = table.set_index("name").loc["warpbreaks"]
    assert (row["rows"], row["columns"]) == (54, 3)  # R: dim(warpbreaks)


def test_every_csv_is_in_the_catalog_and_the_data_stay_light():
    assert {p.name for p in DATA_DIR.glob("*.csv")} == {e["file"] for e in CATALOG.values()}
    assert sum(p.stat().st_size for p in DATA_DIR.iterdir()) < 1.5e6


# -- loading, types and values as in R ----------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_loads_with_the_catalog_shape_and_r_types(name):
    entry = CATALOG[name]
    d = gs.load_dataset(name)
    assert isinstance(d, pd.DataFrame)
    assert d.shape == (entry["rows"], len(entry["columns"]))
    assert list(d.columns) == [c["name"] for c in entry["columns"]]
    for c in entry["columns"]:
        col = d[c["name"]]
        assert int(col.isna().sum()) == c["missing"], c["name"]
        if c["type"] == "factor":
            assert isinstance(col.dtype, pd.CategoricalDtype), c["name"]
            assert list(col.cat.categories) == c["levels"] and col.cat.ordered == c["ordered"], c["name"]
        elif c["type"] == "integer":
            assert col.dtype == (np.int64 if c["missing"] == 0 else np.float64), c["name"]
        elif c["type"] == "numeric":
            assert col.dtype == np.float64, c["name"]
        elif c["type"] == "logical":
            assert col.dtype == bool, c["name"]
        else:
            pytest.fail(f"unexpected column type {c['type']!r}")


@pytest.mark.parametrize("name", NAMES)
def test_values_match_r_checksums(name):
    """Each column's NA count, sum and row-weighted sum (factors: of their 1-based codes), as R computed them."""
    d = gs.load_dataset(name)
    for column, want in SUMMARIES[name].items():
        col = d[column]
        v = (col.cat.codes.to_numpy() + 1.0) if isinstance(col.dtype, pd.CategoricalDtype) else col.to_numpy(float)
        v = np.where(col.isna().to_numpy(), np.nan, v)
        i = np.arange(1, len(v) + 1)
        assert int(np.isnan(v).sum()) == want["missing"], column
        scale = np.nansum(np.abs(v * i))  # absolute tolerance for sums near zero (epil's centred lbase)
        np.testing.assert_allclose(np.nansum(v), want["sum"], rtol=1e-12, atol=1e-13 * scale, err_msg=column)
        np.testing.assert_allclose(np.nansum(v * i), want["weighted_sum"], rtol=1e-12, atol=1e-13 * scale,
                                   err_msg=column)


def test_esoph_groups_are_ordered_with_r_levels():
    e = gs.load_dataset("esoph")
    want = {"agegp": ["25-34", "35-44", "45-54", "55-64", "65-74", "75+"],  # R: levels(esoph$agegp)
            "alcgp": ["0-39g/day", "40-79", "80-119", "120+"],
            "tobgp": ["0-9g/day", "10-19", "20-29", "30+"]}
    for column, levels in want.items():
        assert isinstance(e[column].dtype, pd.CategoricalDtype) and e[column].cat.ordered
        assert list(e[column].cat.categories) == levels
    assert e["ncases"].dtype == np.float64  # a double in R


def test_other_ordered_and_unordered_factors_as_in_r():
    w = gs.load_dataset("warpbreaks")
    assert list(w["tension"].cat.categories) == ["L", "M", "H"] and not w["tension"].cat.ordered
    q = gs.load_dataset("quine")
    assert {c: list(q[c].cat.categories) for c in ("Eth", "Sex", "Age", "Lrn")} == {
        "Eth": ["A", "N"], "Sex": ["F", "M"], "Age": ["F0", "F1", "F2", "F3"], "Lrn": ["AL", "SL"]}
    assert not any(q[c].cat.ordered for c in ("Eth", "Sex", "Age", "Lrn")) and q["Days"].dtype == np.int64
    ins = gs.load_dataset("insurance")
    assert ins["Group"].cat.ordered and list(ins["Group"].cat.categories) == ["<1l", "1-1.5l", "1.5-2l", ">2l"]
    assert ins["Age"].cat.ordered and not ins["District"].cat.ordered
    h = gs.load_dataset("housing")
    assert h["Sat"].cat.ordered and list(h["Sat"].cat.categories) == ["Low", "Medium", "High"]
    assert not h["Infl"].cat.ordered and list(h["Type"].cat.categories) == ["Tower", "Apartment", "Atrium", "Terrace"]


def test_text_that_looks_missing_stays_a_level():
    c = gs.load_dataset("cars93")
    assert "None" in c["AirBags"].cat.categories and (c["AirBags"] == "None").sum() == 34  # R: table(AirBags)
    assert list(c["Cylinders"].cat.categories) == ["3", "4", "5", "6", "8", "rotary"]


def test_missing_integers_are_float_nan():
    a = gs.load_dataset("airquality")
    assert a["Ozone"].dtype == np.float64 and a["Ozone"].isna().sum() == 37  # R: sum(is.na(airquality$Ozone))
    assert a["Temp"].dtype == np.int64


def test_informative_row_names_are_the_index():
    m = gs.load_dataset("mtcars")
    assert list(m.index[:3]) == ["Mazda RX4", "Mazda RX4 Wag", "Datsun 710"] and m.index.name is None
    assert m.loc["Valiant", "mpg"] == 18.1  # R: mtcars["Valiant", "mpg"]
    # elsewhere R's automatic row names 1..n (birthwt's "85", "86", ... are not kept)
    assert gs.load_dataset("birthwt").index.equals(pd.RangeIndex(1, 190))
    assert gs.load_dataset("leuk").index.equals(pd.RangeIndex(1, 34))  # R: rownames(MASS::leuk) is 1..33


def test_constructed_classics_as_in_r_help_pages():
    b = gs.load_dataset("budworm")
    assert list(b["ldose"]) == [0, 1, 2, 3, 4, 5] * 2
    assert list(b["numdead"]) == [1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16]
    assert (b["numdead"] + b["numalive"] == 20).all() and list(b["sex"]) == ["M"] * 6 + ["F"] * 6
    assert list(b["sex"].cat.categories) == ["F", "M"]
    d = gs.load_dataset("dobson")
    assert list(d["counts"]) == [18, 17, 15, 20, 10, 20, 25, 13, 12]
    assert list(d["outcome"]) == ["1", "2", "3"] * 3 and list(d["treatment"]) == ["1"] * 3 + ["2"] * 3 + ["3"] * 3


def test_students_files_are_unchanged():
    s = gs.load_dataset("students")
    assert s.to_dict("list") == {"hours": [2, 3, 4, 5, 6, 7, 8], "score": [60, 65, 70, 75, 80, 85, 90],
                                 "passed": [0, 0, 1, 1, 1, 1, 1]}
    assert (s.dtypes == np.int64).all()
    assert list(gs.load_dataset("students_overlap")["passed"]) == [0, 1, 1, 0, 1, 1, 1]
    assert dataset_path("students").read_text().splitlines()[0] == '"hours","score","passed"'


def test_customer_visits_is_the_seed_simulation():
    np.random.seed(42)
    n = 1000
    adv = np.random.uniform(0, 100, n)
    dow = np.random.randint(0, 7, n)
    temp = np.random.normal(20, 5, n)
    wk = (dow >= 5).astype(int)
    y = np.random.poisson(np.exp(2.0 + 0.02 * adv + 0.01 * temp + 0.5 * wk))
    want = pd.DataFrame({"advertising": adv, "temperature": temp, "weekend": wk.astype(np.int64),
                         "day_of_week": dow.astype(np.int64), "visits": y.astype(np.int64)},
                        index=pd.RangeIndex(1, n + 1))
    pd.testing.assert_frame_equal(gs.load_dataset("customer_visits"), want, check_exact=True)


def test_each_load_is_a_new_frame():
    first = gs.load_dataset("cars")
    first.loc[1, "dist"] = -1.0
    assert gs.load_dataset("cars").loc[1, "dist"] == 2.0  # R: cars[1, "dist"]


# -- names -------------------------------------------------------------------------------------------------
def test_any_case_is_accepted():
    pd.testing.assert_frame_equal(gs.load_dataset("InsectSprays"), gs.load_dataset("insectsprays"))
    assert gs.load_dataset("Pima.tr").shape == (200, 8)


@pytest.mark.parametrize("name, hint", [("warpbreak", "'warpbreaks'"), ("budwrom", "'budworm'"),
                                        ("no_such_data", "list_datasets()")])
def test_unknown_names_are_refused_with_close_matches(name, hint):
    for fn in (gs.load_dataset, gs.describe_dataset, dataset_path):
        with pytest.raises(gs.DataError, match=repr(name)) as info:
            fn(name)
        assert hint in str(info.value)


def test_a_name_must_be_a_string():
    with pytest.raises(gs.DataError, match="string"):
        gs.load_dataset(3)


# -- documentation ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_variable_is_documented_and_the_source_cited(name):
    entry = CATALOG[name]
    assert entry["title"].strip() and entry["description"].strip() and len(entry["source"].strip()) > 20
    text = gs.describe_dataset(name)
    assert text.startswith(f"{name}: {entry['title']}") and entry["source"].split()[0] in text
    lines = text.splitlines()
    for c in entry["columns"]:
        assert c["description"].strip(), f"{name}.{c['name']} is undocumented"
        assert any(ln.split()[:1] == [c["name"]] and c["description"] in ln for ln in lines), c["name"]


def test_describe_shows_ordered_levels():
    text = gs.describe_dataset("esoph")
    assert "ordered factor: 25-34 < 35-44 < 45-54 < 55-64 < 65-74 < 75+" in text
    assert "Breslow" in text and "88 rows, 5 columns" in text
    assert "simulated" in gs.describe_dataset("customer_visits").lower()
    assert "np.random.seed(42)" in gs.describe_dataset("customer_visits")


def test_docs_catalog_matches_the_data():
    doc = REPO / "docs" / "datasets.md"
    if not doc.is_file():
        pytest.skip("docs/ is not part of this source tree (an sdist)")
    assert doc.read_text(encoding="utf-8") == catalog_markdown(), (
        "docs/datasets.md is out of date: regenerate it with glmstat.datasets.catalog_markdown()")
    table = [ln for ln in catalog_markdown().splitlines() if ln.startswith("| ") and ln.count("|") == 6][1:]
    assert [ln.split(" | ")[0][2:] for ln in table] == NAMES


# -- R's fits on the loaded data -----------------------------------------------------------------------------
@pytest.mark.parametrize("ref", FITS, ids=[f["id"] for f in FITS])
def test_glm_on_loaded_data_matches_r(ref):
    d = gs.load_dataset(ref["data"])
    if ref["unordered"]:  # R fitted with the ordered factors made unordered (treatment contrasts)
        d = d.assign(**{c: d[c].cat.as_unordered() for c in d.columns
                        if isinstance(d[c].dtype, pd.CategoricalDtype) and d[c].cat.ordered})
    if ref["subset"]:
        d = d.query(ref["subset"])
    family = {("poisson", "log"): gs.Poisson(), ("binomial", "logit"): gs.Binomial(),
              ("Gamma", "inverse"): gs.Gamma(), ("Gamma", "log"): gs.Gamma(link="log")}[ref["family"], ref["link"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.DroppedRowsWarning)  # airquality's NA rows, dropped as R does
        fit = gs.glm(ref["formula"], d, family=family, tol=1e-12, max_iter=100)
    assert len(fit.coef) == len(ref["coef"])
    np.testing.assert_allclose(fit.coef.to_numpy(float), ref["coef"], rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(fit.std_errors.to_numpy(float), ref["std_errors"], rtol=1e-6)
    np.testing.assert_allclose([fit.deviance, fit.null_deviance, fit.dispersion],
                               [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-6)
    assert (fit.df_residual, fit.nobs) == (ref["df_residual"], ref["nobs"])


def test_logical_text_becomes_bool():
    """No bundled data set has an R logical column yet; the conversion the catalog would ask for."""
    from glmstat.datasets import _convert

    column = {"name": "flag", "type": "logical", "missing": 0}
    out = _convert(pd.Series(["TRUE", "FALSE", "TRUE"], name="flag"), column, "example")
    assert out.dtype == bool and list(out) == [True, False, True]
    with_na = _convert(pd.Series(["TRUE", np.nan], name="flag"), {**column, "missing": 1}, "example")
    assert str(with_na.dtype) == "boolean" and with_na[0] and with_na.isna()[1]
