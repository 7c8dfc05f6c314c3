"""Regenerate the README's figures: ``python docs/figures/make_figures.py`` (needs the ``plot`` extra).

first_fit.png -- ``fit.plot()`` for the README's first example, the Gamma regression of the leukaemia
patients' survival (MASS's ``leuk``).

diagnostics.png -- ``fit.plot()`` for a Poisson regression of days absent from school (MASS's ``quine``):
R's four diagnostic panels, here showing the overdispersion a Poisson model leaves (see README).

summary_html.png -- the HTML summary (what a notebook shows for ``fit`` or ``fit.summary()``) of a gamma
regression of ozone on temperature, wind and radiation, as headless Chromium renders the page (skipped,
with a message, when no ``chromium`` is on the PATH).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
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


def summary_html() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium on the PATH: summary_html.png not regenerated")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gs.GLMStatWarning)  # the dropped rows are shown in the summary
        fit = gs.glm("Ozone ~ Temp + Wind + Solar.R", gs.load_dataset("airquality"), family=gs.Gamma(link="log"))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "summary.html"
        page.write_text(fit.summary().to_html(full_document=True), encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=720,540", f"--screenshot={HERE / 'summary_html.png'}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"wrote {HERE.name}/summary_html.png")


def first_fit() -> None:
    fit = gs.glm("time ~ ag + log(wbc)", gs.load_dataset("leuk"), family=gs.Gamma(link="log"))
    fit.plot().savefig(HERE / "first_fit.png", dpi=80)
    print(f"wrote {HERE.name}/first_fit.png")


def main() -> None:
    first_fit()
    fit = gs.glm("Days ~ Eth + Sex + Age + Lrn", quine(), family=gs.Poisson())
    fig = fit.plot()
    fig.savefig(HERE / "diagnostics.png", dpi=80)
    print(f"wrote {HERE.name}/diagnostics.png")
    summary_html()


if __name__ == "__main__":
    main()
