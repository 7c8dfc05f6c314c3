"""A Gaussian fit of a design far wider than its rows: interactions of factors with orthogonal polynomials and a
sum-coded factor, 4,320 columns on 200 rows (4,120 of them aliased), the kind of the formula fuzz's seed 1509
(``relevel(gL, ref = "L3") / poly(x1, 2) * (C(g4, ...) / (C(gcN, sum) / gM)) - ...``, 4,680 columns).  Its cost is the
aliased columns' decisions (the design-order QR of at most the levels with weight and n other rows), two passes of
scoring and the relations of the aliased columns, not the design (built in a few hundredths of a second).

    python -m benchmarks.wide [--reps 3] [--no-r]

Prints glmstat's CPU and wall seconds per fit (a warm-up fit first), and R's glm() of the same data and formula
(``Rscript``, when on the path: its ``system.time``).  The numbers are the script's output, not test assertions; on a
shared machine compare them with each other.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import glmstat as gs

FORMULA = "y ~ a / poly(x, 2) * (b / (C(c, sum) / m))"

R_SCRIPT = """
d <- read.csv(file.path(commandArgs(TRUE)[1], "wide.csv"), stringsAsFactors = TRUE)
reps <- as.integer(commandArgs(TRUE)[2])
m <- glm({formula}, data = d, family = gaussian())
for (i in seq_len(reps)) {{
  t <- system.time(m <- glm({formula}, data = d, family = gaussian()))
  cat(sprintf("R glm: cpu %.2f s (user %.2f, system %.2f), wall %.2f s\\n", t[[1]] + t[[2]], t[[1]], t[[2]], t[[3]]))
}}
cat(sprintf("R glm: %d columns, %d aliased\\n", length(coef(m)), sum(is.na(coef(m)))))
"""


def wide_data(seed: int = 1509, n: int = 200) -> pd.DataFrame:
    """n rows: x normal, factors a (12 levels), b (5), c (4) and m (6), y = x plus normal noise."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"x": rng.normal(size=n), "a": rng.choice([f"a{i:02d}" for i in range(12)], n),
                      "b": rng.choice(list("pqrst"), n), "c": rng.choice(list("wxyz"), n),
                      "m": rng.choice([f"m{i:02d}" for i in range(6)], n)})
    d["y"] = rng.normal(size=n) + d.x
    return d


def fit(d: pd.DataFrame) -> gs.GLMResults:
    """glmstat's fit of FORMULA (its aliasing warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gs.glm(FORMULA, d)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="timed fits of each")
    parser.add_argument("--no-r", action="store_true", help="leave R out")
    args = parser.parse_args()
    d = wide_data()
    f = fit(d)  # (warm-up)
    print(f"glmstat: {f.coef.size} columns, {len(f.aliased)} aliased")
    for _ in range(args.reps):
        cpu, wall = time.process_time(), time.perf_counter()
        fit(d)
        print(f"glmstat: cpu {time.process_time() - cpu:.2f} s, wall {time.perf_counter() - wall:.2f} s")
    if args.no_r or shutil.which("Rscript") is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        d.to_csv(Path(tmp) / "wide.csv", index=False)
        script = Path(tmp) / "wide.R"
        script.write_text(R_SCRIPT.format(formula=FORMULA))
        out = subprocess.run(["Rscript", str(script), tmp, str(args.reps)], capture_output=True, text=True,
                             env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "")})
        print(out.stdout.strip() or out.stderr.strip())


if __name__ == "__main__":
    main()
