"""``glmstat.once``: computed on the first read only, kept per instance, on frozen dataclasses too."""

from dataclasses import FrozenInstanceError, dataclass

import pytest

from glmstat.once import once


@dataclass(frozen=True)
class _Point:
    x: float
    calls: list

    @once
    def squared(self) -> float:
        """x squared."""
        self.calls.append(self.x)
        return self.x * self.x


def test_computed_on_first_read_and_kept_per_instance():
    a, b = _Point(3.0, []), _Point(4.0, [])
    assert (a.squared, a.squared, b.squared) == (9.0, 9.0, 16.0)
    assert a.calls == [3.0] and b.calls == [4.0]  # once per instance, never shared
    with pytest.raises(FrozenInstanceError):
        a.x = 5.0  # the instance stays frozen


def test_the_class_attribute_is_the_documented_descriptor():
    assert isinstance(_Point.squared, once) and _Point.squared.__doc__ == "x squared."
