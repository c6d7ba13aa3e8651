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
    """Workflow runs that must reach create -> update/delete sequences: the profile's count, at most 30.

    Each model checks its vendor's promises once per run whatever it draws; more examples only
    repeat drawn rules, so CI's profile runs the same 30 as dev's (the same seed, the same run).
    """
    return min(30, int(settings().max_examples))
