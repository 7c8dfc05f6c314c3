"""``predict()`` of a large in-memory ``newdata`` frame works in row blocks, in memory bounded by its output.

A frame of 50 million rows (a number and a factor, 450 MB) was encoded and predicted whole: 2.3 GB of
temporaries beside the 400 MB of predictions (47 bytes a row), and under a tighter memory limit numpy's raw
``MemoryError`` ("Unable to allocate 381. MiB for an array with shape (50000000,)").  The rows are now encoded
and predicted a block at a time into the output; an output that memory cannot hold is refused with a
``DataError`` naming the rows.  Each run here is a subprocess whose peak memory is measured (VmHWM, reset after
the model is fitted and the frame built) under an address-space limit, as the corpus's worker runs a case.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glmstat as gs

ROWS = 7_999_980  # (a multiple of 30: its last 30 rows are its first 30)

_DRIVER = textwrap.dedent("""
    import json, re, resource, sys
    import numpy as np, pandas as pd
    import glmstat as gs

    def kb(field):
        with open("/proc/self/status") as fh:
            return int(re.search(rf"^{{field}}:\\s+(\\d+) kB", fh.read(), re.M).group(1))

    out, rows, headroom, se_fit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "se"
    d = pd.DataFrame({{"y": [2.0, 3, 6, 7, 8, 9, 10, 12, 15, 4], "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                       "g": list("ababcabcac")}})
    fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    new = pd.DataFrame({{"x": np.resize(np.arange(1.0, 11.0), rows),
                         "g": pd.Categorical.from_codes(np.resize(np.arange(3, dtype=np.int8), rows), list("abc"))}})
    resource.setrlimit(resource.RLIMIT_AS, (kb("VmSize") * 1024 + headroom * 2**20, resource.RLIM_INFINITY))
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # (the peak from here on)
    rss0 = kb("VmRSS")
    try:
        p = fit.predict(new, se_fit=se_fit)
    except Exception as e:
        result = {{"raised": type(e).__name__, "glmstat": isinstance(e, gs.GLMStatError), "message": str(e)}}
    else:
        first = fit.predict(new.iloc[:30], se_fit=se_fit)
        head = p.iloc[:30] if se_fit else p.iloc[:30].to_frame()
        tail = p.iloc[-30:] if se_fit else p.iloc[-30:].to_frame()
        first = first if se_fit else first.to_frame()
        result = {{"rows": len(p), "head": head.to_numpy().tolist(), "tail": tail.to_numpy().tolist(),
                   "first": first.to_numpy().tolist(), "index_ok": bool(p.index.equals(new.index))}}
    result["peak_mb"] = (kb("VmHWM") - rss0) / 1024
    with open(out, "w") as fh:
        json.dump(result, fh)
""")


def _run(tmp: Path, rows: int, headroom_mb: int, se_fit: bool) -> dict:
    out = tmp / "result.json"
    out.unlink(missing_ok=True)
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run([sys.executable, "-c", _DRIVER.format(), str(out), str(rows), str(headroom_mb),
                           "se" if se_fit else "fit"], cwd=tmp, capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": root, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert out.exists(), f"the run died: exit {proc.returncode}, stderr {proc.stderr[-800:]}"
    return json.loads(out.read_text())


@pytest.mark.parametrize("se_fit", [False, True], ids=["fit", "se"])
def test_a_large_newdata_frame_is_predicted_in_bounded_memory(tmp_path, se_fit):
    # the output: 8 bytes a row and column (64 MB, or 128 MB with standard errors); the blocks add a bounded
    # amount beside it, where the whole frame's temporaries were 47 bytes a row (376 MB)
    width = 2 if se_fit else 1
    result = _run(tmp_path, ROWS, 1024, se_fit)
    assert "raised" not in result, result
    assert result["rows"] == ROWS and result["index_ok"]
    # (rows 0..29 and the last 30, ROWS being a multiple of 30, are the same ten x and three g in the same order)
    assert np.allclose(result["head"], result["first"], rtol=1e-13, atol=0)
    assert np.allclose(result["tail"], result["first"], rtol=1e-13, atol=0)
    assert result["peak_mb"] < 8 * ROWS * width / 2**20 + 160, result["peak_mb"]


def test_predictions_memory_cannot_hold_are_glmstat_s_refusal(tmp_path):
    # 8 million rows' predictions (61 MB) within 40 MB more address space: numpy's raw MemoryError before
    result = _run(tmp_path, ROWS, 40, False)
    assert result.get("glmstat") is True, result
    assert result["raised"] == "DataError" and f"{ROWS:,} rows" in result["message"], result


def test_blocks_give_the_whole_frame_s_predictions(monkeypatch):
    """Blocks of 7 rows give the numbers (and the warnings) of one block: a factor, a missing value, an
    interval."""
    from glmstat.inference import prediction

    d = pd.DataFrame({"y": [2.0, 3, 6, 7, 8, 9, 10, 12, 15, 4], "x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                      "g": list("ababcabcac")})
    fit = gs.glm("y ~ x + g", d, family=gs.Poisson())
    new = pd.DataFrame({"x": [1.5, np.nan, 3.0, 4.0, 11.0, 0.5, 2.0, 9.0, 7.5, 6.0, 1.0, 2.0, 3.0, 4.0, 5.0,
                              6.0, 7.0], "g": list("abcabcabcabcabcab")}, index=[f"r{i}" for i in range(17)])
    whole = {kind: fit.predict(new, **kw) for kind, kw in
             {"fit": {}, "link": {"type": "link"}, "ci": {"interval": "confidence"},
              "terms": {"type": "terms", "se_fit": True}}.items()}
    monkeypatch.setattr(prediction, "PREDICT_BLOCK_CELLS", 7)
    for kind, kw in {"fit": {}, "link": {"type": "link"}, "ci": {"interval": "confidence"},
                     "terms": {"type": "terms", "se_fit": True}}.items():
        blocked = fit.predict(new, **kw)
        assert type(blocked) is type(whole[kind])
        assert blocked.index.equals(new.index)
        assert np.allclose(np.asarray(blocked), np.asarray(whole[kind]), rtol=1e-13, atol=0, equal_nan=True), kind
        assert blocked.attrs == whole[kind].attrs
