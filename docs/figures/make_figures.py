"""Regenerate the README's figures: ``python docs/figures/make_figures.py`` (needs the ``plot`` extra).

diagnostics.png -- ``fit.plot()`` for a Poisson regression of days absent from school (MASS's ``quine``):
R's four diagnostic panels, here showing the overdispersion a Poisson model leaves (see README).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import glmstat as gs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def quine() -> pd.DataFrame:
    try:
        return gs.load_dataset("quine")
    except gs.DataError:  # not bundled yet: the copy kept with the tests
        return pd.read_csv(ROOT / "tests" / "fixtures" / "data" / "quine.csv")


def main() -> None:
    fit = gs.glm("Days ~ Eth + Sex + Age + Lrn", quine(), family=gs.Poisson())
    fig = fit.plot()
    fig.savefig(HERE / "diagnostics.png", dpi=80)
    print(f"wrote {HERE.name}/diagnostics.png")


if __name__ == "__main__":
    main()
