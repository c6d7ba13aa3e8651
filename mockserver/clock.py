"""The sandbox clock: one per app, read by every time-dependent rule.

Token lifetimes, signed-token windows, rate-limit windows, "today" in generated data and fault timing
all read it, so a test moves time (``sandbox.clock.advance(hours=4)``) instead of sleeping. It runs
with the real time until frozen, set or advanced; a reset of the sandbox puts it back to real time.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from typing import Any


class SandboxClock:
    """Real time, moved by an offset, or frozen at an instant (seconds since the epoch, UTC)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen: float | None = None

    def __call__(self) -> float:
        return self.now()

    def now(self) -> float:
        """The sandbox's current time, in seconds since the epoch."""
        frozen = self._frozen
        return frozen if frozen is not None else time.time() + self._offset

    def datetime(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def today(self) -> date:
        return self.datetime().date()

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock, at ``at`` or where it is now."""
        with self._lock:
            self._frozen = self.now() if at is None else float(at)

    def unfreeze(self) -> None:
        """Let the clock run again from where it stands."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - time.time()
                self._frozen = None

    def set(self, at: float) -> None:
        """Move the clock to ``at``; a frozen clock stays frozen there."""
        with self._lock:
            if self._frozen is not None:
                self._frozen = float(at)
            else:
                self._offset = float(at) - time.time()

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> float:
        """Move the clock forward (a negative amount moves it back); returns the new time."""
        delta = seconds + minutes * 60 + hours * 3600 + days * 86400
        with self._lock:
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
