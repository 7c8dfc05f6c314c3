"""drop1(test="Rao") of a structured design with a wide sum-coded factor (fixtures/rao_contrasts_separated, made by
the R script beside it): y ~ C(factor(g), contr.sum) + x, quasi-binomial cauchit, 80 levels of g (a store of g's
indicators mapped by the contrast matrix, 81 columns), four of them separated.  At R's default control the fit stops
with those levels' working weights near 1e-13; drop1.glm's score regression (a QR at tolerance 1e-11) keeps their
columns and fits their rows' residuals.  Solved through X'WX, which squares the condition number, those directions
fell below the least-squares cut: x's statistic was 19.3766149 against R's 19.3766920 (4e-6; R's own with the rows
reversed 3.4e-8 off).  Found by structured hunt 572 (st572_013)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import assert_close, FIXTURES, structured_in_blocks

HERE = FIXTURES / "rao_contrasts_separated"


@pytest.mark.parametrize("blocks", [None, 1000], ids=["one block", "blocks of 1000 rows"])
def test_rao_of_sum_coded_design_at_r_default_control(blocks, monkeypatch):
    if blocks:
        structured_in_blocks(monkeypatch, blocks)
    ref = json.loads((HERE / "ref.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.SeparationWarning)
        fit = gs.glm(ref["formula"], pd.read_csv(HERE / "data.csv"), family=gs.QuasiBinomial(link="cauchit"),
                     convergence="R")
        table = fit.drop1(test="Rao")
    assert type(fit.fit_data.source.X).__name__ == "TransformedDesign"  # (the path of the store and its map)
    assert (fit.iterations, fit.converged) == (ref["iterations"], ref["converged"])
    assert_close([fit.deviance, fit.dispersion], [ref["deviance"], ref["dispersion"]], rtol=1e-8)
    assert list(table.index) == ["<none>", *ref["terms"]]
    assert_close(table["df"].iloc[1:], ref["df"], rtol=0)
    assert_close(table["deviance"].iloc[1:], ref["deviance_dropped"], rtol=1e-8)
    assert_close(table["statistic"].iloc[1:], ref["rao"], rtol=1e-7)
    assert_close(table["p_value"].iloc[1:], ref["p_value"], rtol=1e-6)
