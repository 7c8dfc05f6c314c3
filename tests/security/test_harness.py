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


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_canary_is_reported_as_what_it_is(case, canary_results):
    result = canary_results[case.id]
    got = harness.category(harness.judge(case, result))
    assert got.startswith(CATEGORY[case.id]), (got, harness.judge(case, result), result)


def test_tokens_are_fresh_and_distinct():
    a, b = harness.make_tokens(), harness.make_tokens()
    assert len({*a.values(), *b.values()}) == 6
