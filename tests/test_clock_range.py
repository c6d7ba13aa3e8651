"""The sandbox clock keeps to its range (1970 .. the end of 9000): a time outside is a 400 naming the range,
and at each end every vendor's rules still answer: one create and one read per vendor (issue 21)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from mockserver import ClockOutOfRange, Sandbox
from mockserver.clock import EARLIEST, LATEST, RANGE
from mockserver.plugin import SandboxHandle
from mockserver.vendors import vendor_names

from .round_trips import ROUND_TRIPS

CLOCK = "/__sandbox__/clock"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "now",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "1969-12-31T23:59:59Z",
        "9001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC
    ],
)
@pytest.mark.parametrize("frozen", [True, None])
def test_setting_the_clock_outside_its_range_is_a_400_naming_it(
    now: str, frozen: bool | None, client: httpx.Client, sandbox: Sandbox
) -> None:
    client.put(CLOCK, json={"now": "2026-06-01T12:00:00Z", "frozen": True})
    body = {"now": now, **({"frozen": frozen} if frozen is not None else {})}
    answer = client.put(CLOCK, json=body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert RANGE in answer.json()["detail"]
    assert client.get(CLOCK).json()["now"] == "2026-06-01T12:00:00Z"


@pytest.mark.parametrize(
    "move",
    [{"seconds": 1e308}, {"days": 2**63}, {"minutes": -1e300}, {"hours": 1e15}, {"days": -30_000}],
)
def test_advancing_past_either_end_is_a_400_and_the_clock_stays(
    move: dict[str, float], client: httpx.Client, sandbox: Sandbox
) -> None:
    client.put(CLOCK, json={"now": "2026-06-01T12:00:00Z", "frozen": True})
    answer = client.post(f"{CLOCK}/advance", json=move)
    assert answer.status_code == 400, answer.text
    assert RANGE in answer.json()["detail"]
    assert client.get(CLOCK).json()["now"] == "2026-06-01T12:00:00Z"


def test_the_ends_themselves_are_in_range(client: httpx.Client, sandbox: Sandbox) -> None:
    for end in (EARLIEST, LATEST):
        answer = client.put(CLOCK, json={"now": _iso(end), "frozen": True})
        assert answer.status_code == 200
        assert answer.json()["now"] == _iso(end)
    assert client.post(f"{CLOCK}/advance", json={"seconds": 1}).status_code == 400


@pytest.mark.parametrize("infinite", [float("inf"), float("-inf"), float("nan")])
def test_the_python_clock_refuses_a_move_that_is_not_finite(infinite: float, sandbox: Sandbox) -> None:
    sandbox.clock.freeze(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
    with pytest.raises(ClockOutOfRange, match="1970"):
        sandbox.clock.advance(infinite)
    with pytest.raises(ClockOutOfRange):
        sandbox.clock.set(infinite)
    with pytest.raises(ClockOutOfRange):
        sandbox.clock.advance(days=10**400)  # an integer no double holds
    assert sandbox.clock.datetime() == datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("end", [EARLIEST, LATEST], ids=["earliest", "latest"])
@pytest.mark.parametrize("name", vendor_names())
def test_every_vendor_creates_and_reads_with_the_clock_at_either_end(
    name: str, end: datetime, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    sandbox.clock.freeze(end.timestamp())
    read = ROUND_TRIPS[name](sandbox_handle, f"At the end {secrets.token_hex(2)}")
    sent = read.pop("sent")
    assert read
    assert all(value == sent for value in read.values()), read


@pytest.mark.parametrize(
    "at",
    [LATEST, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2028, 2, 29, 23, 59, tzinfo=UTC)],
    ids=["the last second", "a year's last second", "a leap day's last minute"],
)
def test_skyprep_login_keys_are_issued_and_redeemed_at_a_days_last_second(
    at: datetime, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    sandbox.clock.freeze(at.timestamp())
    api = sandbox_handle.client("skyprep")
    email = f"{secrets.token_hex(4)}@example.com"
    answer = api.post("/admin/api/get_login_key", json={"user_email": email, "autocreate": True})
    assert answer.status_code == 200, answer.text
    page = sandbox_handle.client().get(answer.json()["url"])
    assert page.status_code == 200, page.text[:200]
    # A daily key ends with the day it was issued on (the day after the range's last is out of range).
    midnight = datetime.combine(at.date() + timedelta(days=1), datetime.min.time(), UTC)
    if midnight <= LATEST:
        sandbox.clock.freeze(midnight.timestamp())
        assert sandbox_handle.client().get(answer.json()["url"]).status_code == 401


@pytest.mark.parametrize("end", [EARLIEST, LATEST], ids=["earliest", "latest"])
def test_dfe_adverts_posted_in_the_last_days_answer_at_either_end(
    end: datetime, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    sandbox.clock.freeze(end.timestamp())
    api = sandbox_handle.client("dfe", headers={"X-Version": "2"})
    for days in (1, 30, 2**31 - 1):
        answer = api.get("/vacancies/vacancy", params={"PostedInLastNumberOfDays": days})
        assert answer.status_code == 200, answer.text[:200]
