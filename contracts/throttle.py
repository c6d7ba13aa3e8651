"""Keeping a contract run within the target's rate limit (``--rate-limit``).

Schemathesis' phases take the rate through its own ``rate-limit`` setting; the workflow model's
requests go through a ``Throttle`` with the same rate (a moving window of the last N send times),
which also waits out a 429 by its ``Retry-After``, since earlier phases may have spent the window.
The window reads an injectable clock and waits through an injectable sleep, so tests move time instead
of sleeping (``limits``' in-memory moving window reads the wall clock itself).
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

# Schemathesis' rate syntax, so one value serves both: N/s, N/m, N/h, N/d, or "auto".
_RATE = re.compile(r"^([1-9][0-9]*)/([smhd])$")
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
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

    def __init__(
        self,
        rate: str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        found = _RATE.match(check_rate(rate))
        self.rate = rate
        self._limit = int(found.group(1)) if found else 0
        self._period = _PERIODS[found.group(2)] if found else 0.0
        self._sent: deque[float] = deque()
        self._sleep = sleep
        self._clock = clock

    def acquire(self) -> None:
        """Block until one more request fits in the rate (at most N in any window of the period)."""
        if not self._limit:
            return
        while True:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self._period:
                self._sent.popleft()
            if len(self._sent) < self._limit:
                self._sent.append(now)
                return
            self._sleep(max(0.01, self._sent[0] + self._period - now))

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
