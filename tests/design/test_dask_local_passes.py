"""Many-pass features of a fit to a dask DataFrame on dask's local schedulers (synchronous, threads): the
partitions' blocks stay in this process, and every pass hands the scheduler its tasks as they are, without
``dask.compute`` (whose graph building, optimization and ordering cost more than a small pass's work: a profile
interval makes hundreds of passes).  The numbers are R's.
Reference: R 4.2, tests/fixtures/r/birthwt_logit.json (``glm(low ~ age + lwt + race + smoke + ptl + ht + ui,
binomial)``: confint's profile intervals, sandwich::vcovHC type HC0, anova(test = "Chisq"))."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glmstat as gs
from conftest import assert_close, load_data, load_ref

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

REF = load_ref("birthwt_logit")


def _passes_match_r_without_dask_compute(scheduler: str, monkeypatch) -> None:
    data = dd.from_pandas(load_data(REF["data"]), npartitions=4)
    with dask.config.set(scheduler=scheduler):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gs.GLMStatWarning)
            fit = gs.glm(REF["formula"], data, family=gs.Binomial(), tol=1e-12, max_iter=100)
        calls = []
        compute = dask.compute
        monkeypatch.setattr(dask, "compute", lambda *a, **k: calls.append(1) or compute(*a, **k))
        profile = fit.conf_int(method="profile")
        hc0 = fit.robust("HC0").vcov
        table = fit.anova(test="Chisq")
        monkeypatch.undo()
    assert calls == []  # (every pass above ran its tasks without dask.compute)
    assert_close(fit.coef, REF["coefficients"], rtol=1e-8)
    assert_close(profile, REF["confint_profile"], rtol=1e-5)
    assert_close(hc0, REF["vcov_hc0"], rtol=1e-6)
    anova = REF["anova"]
    assert list(table.index) == anova["terms"]
    assert_close(table["deviance"], anova["deviance"], rtol=1e-8)
    assert_close(table["resid_dev"], anova["resid_dev"], rtol=1e-8)
    assert_close(table["p_value"], anova["p_value"], rtol=1e-6)
    assert np.array_equal(table["df"].to_numpy()[1:], np.asarray(anova["df"][1:], dtype=float))


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_many_passes_on_a_local_scheduler_match_r_without_dask_compute(scheduler, monkeypatch):
    _passes_match_r_without_dask_compute(scheduler, monkeypatch)


def test_a_local_scheduler_beside_a_distributed_client(monkeypatch):
    """dask set to its synchronous scheduler while a distributed client is open: the blocks were persisted
    here, and the passes run here too."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                                  silence_logs=50) as cluster, distributed.Client(cluster):
        _passes_match_r_without_dask_compute("synchronous", monkeypatch)
