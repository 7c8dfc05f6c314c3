"""``glm(max_iter=)`` is at most 10,000 (``MAX_ITER``), and so is the command line's ``--max-iter``.

R's ``glm.control(maxit =)`` takes any number, and so did glmstat: with a ``tol=`` below what rounding lets the
deviance change by (1e-12 and less), a logistic fit whose fitted means reach 1 in double precision never meets
the criterion -- R 4.2.2 stops unconverged after ``maxit`` iterations, and glmstat's iterations go on to
``max_iter`` too, 0.6 ms each on 200 rows: ``max_iter=10**9`` would run for a week (Firth's start, ``max(max_iter,
100)`` iterations, ran past 25 s of CPU time before it was stopped).  Iterations of IRLS that have not converged
in 10,000 cycle or crawl at rounding's scale; more is refused naming the number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glmstat as gs
from glmstat.cli import main

D = pd.DataFrame({"y": [1, 0, 2, 3, 1, 4, 2, 0, 1, 3], "x": np.arange(10.0)})


@pytest.mark.parametrize("method", ["irls", "firth"])
def test_more_iterations_are_refused(method):
    data = D.assign(y=(D["y"] > 1).astype(float))
    with pytest.raises(gs.FitError, match=r"^max_iter must be a whole number from 1 to 10,000 \(iterations of "
                                          r"IRLS\), got 1000000000$"):
        gs.glm("y ~ x", data, family=gs.Binomial(), method=method, max_iter=10**9, tol=1e-300)


def test_the_most_iterations_are_allowed():
    fit = gs.glm("y ~ x", D, family=gs.Poisson(), max_iter=10_000)
    assert fit.converged and fit.iterations < 30


def test_the_command_line_refuses_them(tmp_path, capsys):
    path = tmp_path / "d.csv"
    D.to_csv(path, index=False)
    assert main(["fit", "y ~ x", str(path), "--family", "poisson", "--max-iter", "99999999999999999999"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "max_iter must be a whole number from 1 to 10,000" in err[0]
