"""A fixed-window rate limit per key (``limits``' fixed-window strategy), read on the sandbox clock.

``limits``' ``MemoryStorage`` reads ``time.time()`` itself; the subclass below reads an injectable clock
so a test moves time instead of sleeping. It relies on limits 5.x's storage internals (pinned in
pyproject.toml); tests/test_ratelimit.py fails loudly if they change.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

Clock = Callable[[], float]


class _ClockedMemoryStorage(MemoryStorage):
    """limits' in-memory fixed-window counters, reading the time from ``clock``.

    ``MemoryStorage`` reads ``time.time()`` itself; a clock a test can move makes window resets
    deterministic, with no sleeping.
    """

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        # The parent's background expiry reads the real time and would drop windows a moved clock
        # still holds; expiry happens in ``get`` instead (a few keys, so nothing piles up).
        self.timer.cancel()
        self._clock = clock

    def get(self, key: str) -> int:
        with self.locks[key]:
            if self.expirations.get(key, 0) <= self._clock():
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
            return int(self.storage.get(key, 0))

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self.locks[key]:
            self.get(key)
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = self._clock() + expiry
            return int(self.storage[key])

    def get_expiry(self, key: str) -> float:
        return float(self.expirations.get(key, self._clock()))


class RateLimiter:
    """A fixed-window limit per subscription key (``limits``' fixed-window strategy)."""

    def __init__(self, limit: str, clock: Clock = time.time) -> None:
        self.item: RateLimitItem = parse_rate_limit(limit)
        self._clock = clock
        self._storage = _ClockedMemoryStorage(clock)
        self._limiter = FixedWindowRateLimiter(self._storage)

    def hit(self, key: str) -> int | None:
        """Count one request of ``key``: ``None`` if allowed, else the seconds until the window resets."""
        if self._limiter.hit(self.item, key):
            return None
        reset_at = self._limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset_at - self._clock()))

    def reset(self) -> None:
        """Forget every window (the control plane's reset calls this)."""
        self._storage.reset()


def parse_rate_limit(text: str) -> RateLimitItem:
    """A ``limits`` rate-limit string ("150 per 5 minutes", "150/5minutes"); ValueError if malformed."""
    try:
        return parse(text)
    except ValueError as exc:
        raise ValueError(
            f"invalid rate limit {text!r}; write e.g. '150 per 5 minutes' or '150/5minutes'"
        ) from exc
