"""Example counts for contract runs in the tests, scaled by the Hypothesis settings profile (dev, ci)."""

from __future__ import annotations

from hypothesis import settings


def few() -> int:
    """A handful per operation: enough to reach every operation (dev 3, ci 6)."""
    return max(2, settings().max_examples // 10)


def some() -> int:
    """Enough for a fault to show in a phase's first examples (dev 10, ci 20)."""
    return max(5, settings().max_examples // 3)


def many() -> int:
    """The profile's count, for workflow runs that must reach create -> update/delete sequences."""
    return int(settings().max_examples)
