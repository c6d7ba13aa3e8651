"""Keeping a contract run within the target's rate limit (``--rate-limit``).

Schemathesis' phases take the rate through its own ``rate-limit`` setting; the workflow model's
requests go through a ``Throttle`` with the same rate (the ``limits`` library's moving window),
which also waits out a 429 by its ``Retry-After``, since earlier phases may have spent the window.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx
from limits import (
    RateLimitItem,
    RateLimitItemPerDay,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# Schemathesis' rate syntax, so one value serves both: N/s, N/m, N/h, N/d, or "auto".
_RATE = re.compile(r"^([1-9][0-9]*)/([smhd])$")
_ITEMS: dict[str, type[RateLimitItem]] = {
    "s": RateLimitItemPerSecond,
    "m": RateLimitItemPerMinute,
    "h": RateLimitItemPerHour,
    "d": RateLimitItemPerDay,
}
AUTO = "auto"
# The longest Retry-After honoured (DfE's window is five minutes) and how often one request retries.
MAX_WAIT = 300.0
RETRIES = 3


def check_rate(rate: str) -> str:
    """``rate`` if it is ``N/s``, ``N/m``, ``N/h``, ``N/d`` or ``auto``; else ``ValueError`` saying so."""
    if rate != AUTO and not _RATE.match(rate):
        raise ValueError(f"expected a rate such as 30/m (N/s, N/m, N/h or N/d) or 'auto'; got {rate!r}")
    return rate


def retry_after(response: httpx.Response) -> float:
    """Seconds a 429 asks to wait (``Retry-After`` in seconds or as a date; 1 s when absent), capped."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 1.0
    return max(0.0, min(MAX_WAIT, seconds))


class Throttle:
    """Spaces requests to at most ``rate`` (none for ``auto``) and retries a 429 after its wait."""

    def __init__(self, rate: str, sleep: Callable[[float], None] = time.sleep) -> None:
        found = _RATE.match(check_rate(rate))
        self.rate = rate
        self._item = _ITEMS[found.group(2)](int(found.group(1))) if found else None
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._sleep = sleep

    def acquire(self) -> None:
        """Block until one more request fits in the rate."""
        if self._item is None:
            return
        while not self._limiter.hit(self._item):
            reset, _remaining = self._limiter.get_window_stats(self._item)
            self._sleep(max(0.01, reset - time.time()))

    def send(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        """``request()`` within the rate, again after ``Retry-After`` while it answers 429 (a few times)."""
        for _ in range(RETRIES):
            self.acquire()
            response = request()
            if response.status_code != 429:
                return response
            self._sleep(retry_after(response))
        self.acquire()
        return request()
