"""The fixed-window limiter on the sandbox clock, and the ``limits`` internals it relies on.

``mockserver.ratelimit`` subclasses ``limits``' MemoryStorage (5.x) so windows read the sandbox clock;
if a ``limits`` release changes the attributes it uses, these tests fail first, naming them.
"""

from __future__ import annotations

from limits.storage import MemoryStorage

from mockserver.clock import SandboxClock
from mockserver.ratelimit import RateLimiter, _ClockedMemoryStorage


def test_the_memory_storage_still_has_the_internals_the_clocked_storage_uses() -> None:
    storage = MemoryStorage()
    try:
        for attribute in ("storage", "expirations", "locks", "timer"):
            assert hasattr(storage, attribute), f"limits' MemoryStorage no longer has {attribute!r}"
    finally:
        storage.timer.cancel()
    assert issubclass(_ClockedMemoryStorage, MemoryStorage)


def test_windows_open_and_close_on_the_sandbox_clock_alone() -> None:
    clock = SandboxClock()
    clock.freeze(1_000_000.0)
    limiter = RateLimiter("2 per 1 minute", clock=clock)
    assert [limiter.hit("k"), limiter.hit("k"), limiter.hit("k")] == [None, None, 60]
    assert limiter.hit("other") is None
    clock.advance(59)
    assert limiter.hit("k") == 1
    clock.advance(1)
    assert limiter.hit("k") is None


def test_a_reset_forgets_every_window() -> None:
    clock = SandboxClock()
    clock.freeze(0.0)
    limiter = RateLimiter("1 per 1 hour", clock=clock)
    assert limiter.hit("k") is None
    assert limiter.hit("k") == 3600
    limiter.reset()
    assert limiter.hit("k") is None
