"""The sandbox clock: one per app, read by every time-dependent rule.

Token lifetimes, signed-token windows, rate-limit windows, "today" in generated data and fault timing
all read it, so a test moves time (``sandbox.clock.advance(hours=4)``) instead of sleeping. It runs
with the real time until frozen, set or advanced; a reset of the sandbox puts it back to real time.

It stays within ``EARLIEST`` .. ``LATEST`` (1970 to the end of 9000): wide enough for any test, narrow
enough that every vendor rule's date arithmetic (expiries, "last N days", ages, a day's end) stays
inside Python's calendar (years 1..9999) and every date is written with four digits. A move outside
is refused with ``ClockOutOfRange``, and the clock stays where it was.
"""

from __future__ import annotations

import abc
import math
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

from .errors import ClockOutOfRange

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 12, 31, 23, 59, 59, tzinfo=UTC)
RANGE = f"{EARLIEST.isoformat().replace('+00:00', 'Z')} .. {LATEST.isoformat().replace('+00:00', 'Z')}"


def in_range(at: float) -> float:
    """``at`` (seconds since the epoch) when the clock supports it; ``ClockOutOfRange`` otherwise."""
    if not math.isfinite(at) or not EARLIEST.timestamp() <= at <= LATEST.timestamp():
        shown = (
            datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
            if _representable(at)
            else f"{at!r} seconds since the epoch"
        )
        raise ClockOutOfRange(f"the sandbox clock runs from {RANGE}; {shown} is outside it")
    return at


def _representable(at: float) -> bool:
    return math.isfinite(at) and datetime.min.replace(tzinfo=UTC).timestamp() <= at < 253402300800


class ClockBase(abc.ABC):
    """A sandbox clock: this process's ``SandboxClock``, or a served sandbox's (``plugin.remote``)."""

    def __call__(self) -> float:
        return self.now()

    @abc.abstractmethod
    def now(self) -> float:
        """The sandbox's current time, in seconds since the epoch."""

    def datetime(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def today(self) -> date:
        return self.datetime().date()

    @property
    @abc.abstractmethod
    def frozen(self) -> bool: ...

    @abc.abstractmethod
    def freeze(self, at: float | None = None) -> None:
        """Stop the clock, at ``at`` or where it is now."""

    @abc.abstractmethod
    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""

    @abc.abstractmethod
    def set(self, at: float) -> None:
        """Move the clock to ``at``; a frozen clock stays frozen there."""

    @abc.abstractmethod
    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> float:
        """Move the clock forward (a negative amount moves it back); returns the new time."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Back to the real time, running."""

    @abc.abstractmethod
    def to_json(self) -> dict[str, Any]: ...


class SandboxClock(ClockBase):
    """Real time, moved by an offset, or frozen at an instant (seconds since the epoch, UTC)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None

    def now(self) -> float:
        frozen = self._frozen
        return frozen if frozen is not None else time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock, at ``at`` or where it is now."""
        with self._lock:
            self._frozen = self.now() if at is None else in_range(float(at))

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - time.time()
                self._frozen = None

    def set(self, at: float) -> None:
        """Move the clock to ``at``; a frozen clock stays frozen there."""
        at = in_range(float(at))
        with self._lock:
            if self._frozen is not None:
                self._frozen = at
            else:
                self._offset = at - time.time()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> float:
        """Move the clock forward (a negative amount moves it back); returns the new time."""
        try:
            delta = float(seconds) + float(minutes) * 60 + float(hours) * 3600 + float(days) * 86400
        except OverflowError:
            delta = math.inf  # an integer too large for a double is past any end of the range
        with self._lock:
            in_range(self.now() + delta)
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta
        return self.now()

    def reset(self) -> None:
        """Back to the real time, running."""
        with self._lock:
            self._offset = 0.0
            self._frozen = None

    def to_json(self) -> dict[str, Any]:
        now = self.now()
        return {
            "now": self.datetime().isoformat().replace("+00:00", "Z"),
            "epoch": now,
            "frozen": self.frozen,
            "offset_seconds": round(now - time.time(), 3) if not self.frozen else None,
        }
