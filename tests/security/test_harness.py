"""The harness itself: inputs that break the contract on purpose (canaries.py) must be reported as what they
are -- code ran, a leak, a hang inside C, a slow loop, memory, a crash, a foreign exception -- and a worker
killed or crashed on one input must go on with the next."""

from __future__ import annotations

import pytest

from . import harness
from .canaries import BATCHES, CASES, CATEGORY


@pytest.fixture(scope="module")
def canary_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return harness.run_cases(BATCHES, tmp_path_factory.mktemp("canaries"), extra_module="canaries")


#: The canaries' memory limit: the memory canary's 160 MB pass it (against the corpus's 500 MB, 640 MB took 6.6 s of
#: page faults on a machine busy with two test runs, past the wall limit: reported as a hang)
CANARY_MEMORY_MB = 100.0


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_canary_is_reported_as_what_it_is(case, canary_results):
    result = canary_results[case.id]
    fails = harness.judge(case, result, memory_mb=CANARY_MEMORY_MB)
    assert harness.category(fails).startswith(CATEGORY[case.id]), (fails, result)


def test_tokens_are_fresh_and_distinct():
    a, b = harness.make_tokens(), harness.make_tokens()
    assert len({*a.values(), *b.values()}) == 6


@pytest.mark.parametrize("elapsed, cpu, slow", [
    (0.7, 0.7, False),
    (2.01, 0.7, False),  # the machine was busy: the call did 0.7 s of work
    (1.2, 2.4, False),  # two BLAS threads: twice the wall time of CPU
    (2.5, 2.5, True),  # made to work past the limit
    (4.5, 0.1, True),  # a wait past the wall limit (sleeping, blocked)
])
def test_slow_is_work_past_the_limit_or_a_wait_past_the_wall_limit(elapsed, cpu, slow):
    case = next(c for c in CASES if CATEGORY[c.id] == "ok")
    result = {"outcome": "returned", "elapsed": elapsed, "cpu": cpu, "value_kind": "GLMResults", "peak_mb": 0.0}
    fails = harness.judge(case, result, time_limit=2.0, wall_limit=4.0)
    assert any(f.startswith("slow") for f in fails) == slow, fails
