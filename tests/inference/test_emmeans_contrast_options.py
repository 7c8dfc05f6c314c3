"""The options of emmeans' contrast families (its ``.emmc`` functions' arguments): ``exclude=`` and ``include=``
(levels left out of or kept in the family, by 1-based position or by label: the family is made of the means kept, in
their order, and Tukey's k is their number -- emmeans' ``famSize``), ``reverse=`` (``trt.vs.ctrl``: control - level;
``consec``: each level less the one after; ``mean_chg``: the mean up to a level less the mean after it; ``pairwise``:
``pairs(reverse = TRUE)``, revpairwise), ``wts=`` for ``eff`` and ``del.eff`` (the grand mean weighted: one weight a
level, or one a level kept), ``max_degree=`` for ``poly``.  glmstat offered none of them.  emmeans ignores an option
its family does not take (its ``...``); glmstat refuses it, naming the option and the family.

R's output: tests/fixtures/emmeans_contrast_options/make_emmeans_contrast_options.R -> r.json (emmeans 1.8.4:
estimates, SEs, z or t ratios, adjusted p-values, 90% simultaneous intervals and the notes printed under each, for
log, logit and identity links, type "response" and "link", with by=).
"""

from __future__ import annotations

import json

import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close, load_data
from emmeans_r_cases import fit_case, listed

R = json.loads((FIXTURES / "emmeans_contrast_options" / "r.json").read_text())


def _options(case: dict) -> dict:
    names = {"max.degree": "max_degree"}
    return {names.get(k, k): v for k, v in case["options"].items()}


@pytest.mark.parametrize("case", R, ids=[f"{c['id']}-{c['type']}" for c in R])
def test_contrast_options_as_emmeans(case):
    fit = fit_case(case)
    by = case["by"] if isinstance(case["by"], str) else None
    adjust = case["adjust"] if isinstance(case["adjust"], str) else None
    for level in (None, 0.9):
        table = fit.emmeans_contrasts(case["term"], case["method"], adjust, by=by, type=case["type"], level=level,
                                      **_options(case))
        notes = case["notes"] if level is None else case["level_notes"]
        assert table.attrs["heading"].split("\n")[1:] == listed(notes)
        assert list(table.index.get_level_values("contrast")) == listed(case["contrast"])
        if by is not None:
            assert list(table.index.get_level_values(by)) == case["by_levels"]
        for column, key in (("estimate", "estimate"), ("std_error", "se"), ("statistic", "statistic")):
            assert_close(table[column], listed(case[key]), rtol=1e-6, atol=1e-12)
        # (Tukey's p-values of 1e-8 and less: R's ptukey is 1 less a coarse lower tail, some 1e-11 off there -- the
        # README's "Tukey's p-values (R's ptukey)"; 6.3e-11 where R's is 5.4e-11 in identity_pairwise_exclude)
        assert_close(table["p_value"], listed(case["p_value"]), rtol=1e-6, atol=1e-10)
    assert_close(table["lower"], listed(case["lower"]), rtol=1e-6, atol=1e-12)
    assert_close(table["upper"], listed(case["upper"]), rtol=1e-6, atol=1e-12)


def test_pairs_reverse_is_revpairwise():
    fit = gs.glm("count ~ spray", load_data("insectsprays"), family=gs.Poisson())
    case = next(c for c in R if c["id"] == "pairwise_reverse" and c["type"] == "response")
    pairs = fit.emmeans_pairs("spray", reverse=True)
    assert list(pairs.index) == case["contrast"]
    assert_close(pairs["p_value"], case["p_value"], rtol=1e-6, atol=1e-12)


@pytest.fixture(scope="module")
def sprays() -> gs.GLMResults:
    return gs.glm("count ~ spray", load_data("insectsprays"), family=gs.Poisson())


@pytest.mark.parametrize("method, options, match", [
    ("poly", dict(exclude=[1]), "exclude= is not an option of method='poly'"),
    ("trt.vs.ctrlk", dict(reverse=True), None),
    ("revpairwise", dict(reverse=True), "reverse= is not an option of method='revpairwise'"),
    ("eff", dict(reverse=True), "reverse= is not an option of method='eff'"),
    ("pairwise", dict(wts=[1] * 6), "wts= is not an option of method='pairwise'"),
    ("eff", dict(max_degree=2), "max_degree= is not an option of method='eff'"),
    ({"a": [1, -1, 0, 0, 0, 0]}, dict(exclude=[1]), "exclude= is not an option of contrasts of one's own"),
    ("pairwise", dict(exclude=[1], include=[2, 3]), "give exclude= or include=, not both"),
    ("pairwise", dict(exclude=["Z"]), r"exclude= 'Z' is no mean's label or position \(1 to 6\)"),
    ("pairwise", dict(exclude=[7]), r"exclude= 7 is no mean's label or position \(1 to 6\)"),
    ("pairwise", dict(exclude=[1, 2, 3, 4, 5]), "leaves 1 mean; comparisons need at least two"),
    ("trt.vs.ctrl", dict(ref=2, exclude=[2]), "exclude= leaves out the control 'B'"),
    ("eff", dict(wts=[1, 2]), r"wts= must be 6 finite weights, one a mean, got \[1, 2\]"),
    ("del.eff", dict(wts=[1, 2], exclude=[1]), "wts= must be 6 finite weights, one a mean, or 5, one a mean kept"),
    ("eff", dict(wts=[1, -1, 0, 0, 0, 0]), "wts= must sum to more than 0"),
    ("eff", dict(wts=[float("nan")] * 6), "wts= must be 6 finite weights"),
    ("eff", dict(wts=[0.0] * 6), "wts= must sum to more than 0"),
    ("pairwise", dict(exclude=[object()]), "exclude= a object is no mean's label or position"),
    ("poly", dict(max_degree=6), "max_degree= must be a whole number from 1 to 5"),
    ("poly", dict(max_degree=True), "max_degree= must be a whole number from 1 to 5"),
    ("poly", dict(max_degree=1.5), "max_degree= must be a whole number from 1 to 5"),
    ("consec", dict(reverse="yes"), "reverse= must be True or False"),
])
def test_options_a_family_does_not_take_are_refused(sprays, method, options, match):
    if match is None:  # (trt.vs.ctrlk takes reverse, as emmeans' trt.vs.ctrl.emmc it calls)
        table = sprays.emmeans_contrasts("spray", method, "none", type="link", **options)
        assert list(table.index) == ["F - A", "F - B", "F - C", "F - D", "F - E"]
        return
    with pytest.raises(gs.GLMStatError, match=match):
        sprays.emmeans_contrasts("spray", method, "none", **options)


def test_huge_weights_are_their_ratios():
    fit = gs.glm("count ~ spray", load_data("insectsprays"), family=gs.Poisson())
    huge = fit.emmeans_contrasts("spray", "eff", "none", type="link", wts=[1e308, 2e307, 1e308, 1e308, 1e308, 1e308])
    small = fit.emmeans_contrasts("spray", "eff", "none", type="link", wts=[10, 2, 10, 10, 10, 10])
    assert_close(huge["estimate"], small["estimate"], rtol=1e-12)
