"""A label of a megabyte in a padded table: the text, Markdown and LaTeX of a summary and of ``compare()``, and
the terminal text and Markdown of the tables a fit returns.

Those tables pad every row's first cell to the longest label, as R's ``print`` does, so one long label is written
once per row: a factor of 1,000 levels on 2,000 rows, one level a text of a million characters (a 2 MB CSV file),
made ``str(fit.summary())`` and ``to_markdown()`` a MemoryError past 3 GB, and ``compare()``'s text a numpy
array of 3.7 GB; a model name of 10 MB given to ``compare(names=)`` a table of 150 MB; and ``fit.coef.to_string()``
and ``fit.tidy().to_markdown()`` (pandas' and tabulate's, each row as wide) MemoryErrors too.  A label is now
written at most 1,000 characters long in those renderings, cut with ``...`` (the tables and frames a fit returns
keep the exact labels, and the summary's HTML, which pads nothing, writes them whole).  The work runs in a
subprocess with a memory limit, so that the unfixed code fails the test instead of taking the machine's memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_CHILD = textwrap.dedent("""
    import json, os, resource, warnings
    import numpy as np, pandas as pd
    import glmstat as gs
    warnings.simplefilter("ignore")
    long = "q" * 1_000_000
    levels = [f"l{i:03d}" for i in range(999)] + [long]
    y = np.arange(2000) % 5
    fit = gs.glm("y ~ g", pd.DataFrame({"y": y, "g": levels * 2}), family=gs.Poisson())
    with open("/proc/self/statm") as f:  # (the address space now, and 1.5 GB more at most)
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + (1536 << 20), size + (1536 << 20)))
    out = {}
    for name, make in [("summary", lambda: str(fit.summary())), ("markdown", lambda: fit.summary().to_markdown()),
                       ("latex", lambda: fit.summary().to_latex()), ("compare", lambda: str(gs.compare(fit))),
                       ("compare-names", lambda: str(gs.compare(fit, names=["m" * 10_000_000]))),
                       ("compare-markdown", lambda: gs.compare(fit).to_markdown()),
                       ("coef-to_string", lambda: fit.coef.to_string()),
                       ("tidy-markdown", lambda: fit.tidy().to_markdown()),
                       ("conf_int-to_string", lambda: fit.conf_int().to_string())]:
        try:
            text = make()
            out[name] = [len(text), ("q" * 996 + "...") in text or ("m" * 1000 + "...") in text]
        except MemoryError:
            out[name] = "MemoryError"
    out["html-whole"] = ("g[T." + long + "]") in fit.summary().to_html()
    out["exact"] = ("g[T." + long + "]") in fit.coef.index
    print(json.dumps(out))
""")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="the memory limit reads Linux's /proc")
def test_a_long_label_is_cut_in_padded_tables():
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("summary", "markdown", "latex", "compare", "compare-names", "compare-markdown", "coef-to_string",
                 "tidy-markdown", "conf_int-to_string"):
        assert out[name] != "MemoryError", (name, out)
        size, cut = out[name]
        assert cut and size < 10_000_000, (name, out)  # (2,000 rows of about 1,000 characters at most)
    assert out["html-whole"] and out["exact"], out
