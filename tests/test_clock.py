"""The sandbox clock: the object, its control-plane endpoints, records stamped on it, the plugin's handle."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from mockserver import Sandbox
from mockserver.clock import SandboxClock

from .apprentiscope_helpers import new_user

CLOCK = "/__sandbox__/clock"
T0 = 1_796_115_600.0  # 2026-12-01T09:00:00Z
T0_ISO = "2026-12-01T09:00:00Z"


def running_clock_is_real(clock: SandboxClock) -> bool:
    """Whether a running clock reads the real time (a generous bound: no test asserts on speed)."""
    return not clock.frozen and abs(clock.now() - time.time()) < 60


# the clock itself


def test_a_new_clock_runs_on_the_real_time() -> None:
    clock = SandboxClock()
    assert running_clock_is_real(clock)
    assert clock.to_json()["frozen"] is False


def test_a_frozen_clock_stays_where_it_was_frozen() -> None:
    clock = SandboxClock()
    clock.freeze(T0)
    assert (clock.now(), clock(), clock.frozen) == (T0, T0, True)
    assert clock.datetime() == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert str(clock.today()) == "2026-12-01"


def test_advance_adds_every_unit_and_may_move_back() -> None:
    clock = SandboxClock()
    clock.freeze(T0)
    assert clock.advance(30, minutes=2, hours=1, days=1) == T0 + 30 + 120 + 3600 + 86400
    assert clock.advance(-30) == T0 + 120 + 3600 + 86400


def test_setting_a_frozen_clock_keeps_it_frozen_and_a_running_one_running() -> None:
    clock = SandboxClock()
    clock.freeze(T0)
    clock.set(T0 + 10)
    assert (clock.now(), clock.frozen) == (T0 + 10, True)
    running = SandboxClock()
    running.set(T0)
    assert not running.frozen
    assert T0 <= running.now() < T0 + 60


def test_an_advanced_running_clock_keeps_its_offset_from_the_real_time() -> None:
    clock = SandboxClock()
    clock.advance(hours=4)
    assert not clock.frozen
    assert abs(clock.now() - (time.time() + 4 * 3600)) < 60
    assert abs(clock.to_json()["offset_seconds"] - 4 * 3600) < 60


def test_unfreezing_runs_on_from_where_the_clock_stood() -> None:
    clock = SandboxClock()
    clock.freeze(T0)
    clock.unfreeze()
    assert not clock.frozen
    assert T0 <= clock.now() < T0 + 60
    clock.unfreeze()
    assert T0 <= clock.now() < T0 + 60


def test_freeze_without_an_instant_freezes_the_current_time() -> None:
    clock = SandboxClock()
    clock.advance(days=2)
    clock.freeze()
    assert clock.frozen
    assert abs(clock.now() - (time.time() + 2 * 86400)) < 60


def test_reset_puts_the_clock_back_to_the_real_time() -> None:
    clock = SandboxClock()
    clock.freeze(T0)
    clock.reset()
    assert running_clock_is_real(clock)
    clock.advance(days=3)
    clock.reset()
    assert running_clock_is_real(clock)


def test_to_json_of_a_frozen_clock() -> None:
    clock = SandboxClock()
    clock.freeze(T0 + 0.5)
    assert clock.to_json() == {
        "now": "2026-12-01T09:00:00.500000Z",
        "epoch": T0 + 0.5,
        "frozen": True,
        "offset_seconds": None,
    }


# the control plane


def test_put_sets_and_freezes_the_clock_exactly_at_the_given_time(client: httpx.Client) -> None:
    answer = client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    assert answer.status_code == 200
    expected = {"now": T0_ISO, "epoch": T0, "frozen": True, "offset_seconds": None}
    assert answer.json() == expected
    assert client.get(CLOCK).json() == expected


def test_put_accepts_any_time_zone_and_refuses_a_naive_or_malformed_time(client: httpx.Client) -> None:
    client.put(CLOCK, json={"frozen": True})
    assert client.put(CLOCK, json={"now": "2026-12-01T10:00:00+01:00"}).json()["epoch"] == T0
    assert client.put(CLOCK, json={"now": "2026-12-01T09:00:00"}).status_code == 400
    malformed = client.put(CLOCK, json={"now": "tomorrow"})
    assert malformed.status_code == 400
    assert client.get(CLOCK).json()["epoch"] == T0


def test_put_unfreezes_and_the_clock_runs_on_from_there(client: httpx.Client) -> None:
    client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    running = client.put(CLOCK, json={"frozen": False}).json()
    assert running["frozen"] is False
    assert T0 <= running["epoch"] < T0 + 60


def test_advance_moves_a_frozen_clock_and_it_stays_frozen(client: httpx.Client) -> None:
    client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    moved = client.post(f"{CLOCK}/advance", json={"hours": 4, "minutes": 30}).json()
    assert moved == {
        "now": "2026-12-01T13:30:00Z",
        "epoch": T0 + 4.5 * 3600,
        "frozen": True,
        "offset_seconds": None,
    }
    assert client.post(f"{CLOCK}/advance", json={"days": -1}).json()["now"] == "2026-11-30T13:30:00Z"


def test_delete_puts_the_clock_back_to_the_real_time(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    answer = client.delete(CLOCK).json()
    assert answer["frozen"] is False
    assert abs(answer["epoch"] - time.time()) < 60
    assert running_clock_is_real(sandbox.clock)


def test_a_sandbox_reset_puts_the_clock_back_to_the_real_time(client: httpx.Client, sandbox: Sandbox) -> None:
    client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    assert client.post("/__sandbox__/reset").status_code == 200
    assert client.get(CLOCK).json()["frozen"] is False
    assert running_clock_is_real(sandbox.clock)


def test_created_users_are_stamped_with_the_sandbox_clock(
    client: httpx.Client, apprentiscope_api: httpx.Client
) -> None:
    client.put(CLOCK, json={"now": T0_ISO, "frozen": True})
    uid = new_user(apprentiscope_api)
    created = apprentiscope_api.get(f"/read-user/{uid}").json()
    assert (created["created_at"], created["updated_at"]) == (T0_ISO, T0_ISO)
    client.post(f"{CLOCK}/advance", json={"hours": 1})
    assert apprentiscope_api.get(f"/read-user/{uid}").json()["created_at"] == T0_ISO
    later = apprentiscope_api.get(
        f"/read-user/{new_user(apprentiscope_api, email='later@example.com')}"
    ).json()
    assert later["created_at"] == "2026-12-01T10:00:00Z"


# the pytest plugin's handle


def test_the_plugins_clock_moves_the_sandbox_and_is_reset_before_each_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import time

        def test_frozen_clock_stamps_records(sandbox, apprentiscope_sandbox):
            assert apprentiscope_sandbox.clock is sandbox.clock
            sandbox.clock.freeze(1796115600.0)
            api = apprentiscope_sandbox.client
            user = {"first_name": "A", "last_name": "B", "email": "ab@example.com", "user_type": "apprentice"}
            uid = api.post("/create-user", json={"user": user}).json()["id"]
            assert api.get(f"/read-user/{uid}").json()["created_at"] == "2026-12-01T09:00:00Z"
            apprentiscope_sandbox.clock.advance(hours=4)
            assert sandbox.client().get("/__sandbox__/clock").json()["now"] == "2026-12-01T13:00:00Z"

        def test_the_next_test_starts_on_the_real_time(sandbox):
            assert not sandbox.clock.frozen
            assert abs(sandbox.clock.now() - time.time()) < 60
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2)
