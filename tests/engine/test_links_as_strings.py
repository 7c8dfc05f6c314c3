"""R's family functions take any name of ``make.link`` as a character string, beyond their usual links
(okLinks): ``binomial("identity")`` is the linear probability model.  glmstat refused such names while it took
the same link as an object; it now takes them, and its fits are R's (tests/fixtures/links_as_strings, from
``make_links_as_strings.R``).  A name R does not know is still refused, naming the family's usual links and
R's others."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import glmstat as gs
from conftest import FIXTURES, assert_close

HERE = FIXTURES / "links_as_strings"
REF = json.loads((HERE / "ref.json").read_text())
FAMILIES = {"binomial": gs.Binomial, "poisson": gs.Poisson, "quasipoisson": gs.QuasiPoisson, "Gamma": gs.Gamma,
            "negbin2": lambda link: gs.NegativeBinomial(theta=2, link=link)}


@pytest.mark.parametrize("ref", REF, ids=[r["id"] for r in REF])
def test_links_beyond_the_familys_usual_ones_fit_as_in_r(ref):
    d = pd.read_csv(HERE / "data.csv")
    family = FAMILIES[ref["family"]](link=ref["link"])
    assert family.link.name == ref["link"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.ConvergenceWarning)  # (the "estimates still moving" note of a slow link)
        fit = gs.glm(f"{ref['y']} ~ x + g", d, family=family)
    assert_close(fit.coef, ref["coef"], rtol=1e-6)
    assert_close(fit.std_errors, ref["se"], rtol=1e-6)
    assert_close([fit.deviance, fit.null_deviance, fit.dispersion],
                 [ref["deviance"], ref["null_deviance"], ref["dispersion"]], rtol=1e-7)
    if isinstance(ref["aic"], float):  # (NA for a quasi family: JSON "NA")
        assert_close([fit.aic], [ref["aic"]], rtol=1e-7)


@pytest.mark.parametrize("family", [gs.Binomial, gs.Poisson, gs.Gamma, gs.Gaussian, gs.QuasiBinomial])
def test_a_link_r_does_not_know_is_refused(family):
    with pytest.raises(gs.FamilyError, match=r"link 'logitt' is not available for the .* family; its usual links "
                                             r"are .*, and R's others are "):
        family(link="logitt")
