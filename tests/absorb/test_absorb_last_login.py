"""Users' ``lastLoginDate``: null until a login, set by ``POST /authenticate``, filtered and sorted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from mockserver import Sandbox
from mockserver.vendors.absorb import ADMIN, PRIVATE_KEY
from mockserver.vendors.absorb.factory import AbsorbFactory

from .helpers import headers, login, ok

YEARS = range(2021, 2026)


def _user(api: httpx.Client, admin: dict[str, str], user_id: str) -> dict[str, Any]:
    return dict(ok(api.get(f"/users/{user_id}", headers=admin)))


def test_a_login_sets_the_users_last_login_date_to_the_sandbox_clocks_now(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory, sandbox: Sandbox
) -> None:
    sandbox.clock.freeze(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC).timestamp())
    made = factory.user(password="Pass-1234")
    bystander = factory.user(password="Pass-5678")
    assert _user(api, admin, made["id"])["lastLoginDate"] is None
    refused = api.post(
        "/authenticate",
        headers={"x-api-key": PRIVATE_KEY},
        json={"username": made["username"], "password": "wrong", "privateKey": PRIVATE_KEY},
    )
    assert refused.status_code == 401
    assert _user(api, admin, made["id"])["lastLoginDate"] is None
    login(api, {"api_key": PRIVATE_KEY, "username": made["username"], "password": "Pass-1234"})
    admin = headers(login(api))  # the admin's own login is a user's login too
    read = _user(api, admin, made["id"])
    assert read["lastLoginDate"] == "2026-03-04T05:06:07Z"
    assert _user(api, admin, bystander["id"])["lastLoginDate"] is None
    (me,) = ok(api.get("/users", headers=admin, params={"_filter": f"username eq '{ADMIN['username']}'"}))[
        "users"
    ]
    assert me["lastLoginDate"] == "2026-03-04T05:06:07Z"
    # An update does not touch it, and a client cannot write it.
    updated = api.put(f"/users/{made['id']}", headers=admin, json={"jobTitle": "Welder"})
    assert updated.status_code == 200, updated.text
    assert _user(api, admin, made["id"])["lastLoginDate"] == "2026-03-04T05:06:07Z"


def test_the_seeded_users_have_logged_in_at_various_times_and_some_never(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    users = ok(api.get("/users", headers=admin, params={"_limit": 1000}))["users"]
    dates = [u["lastLoginDate"] for u in users]
    assert any(d is None for d in dates)
    assert len({d[:4] for d in dates if d is not None}) > 1


def test_last_login_date_filters_by_null_and_by_range_and_sorts(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    department = factory.department()["id"]
    never = factory.user(departmentId=department)
    old = factory.user(departmentId=department, lastLoginDate="2023-12-31T23:59:59Z")
    new = factory.user(departmentId=department, lastLoginDate="2024-01-01T00:00:00Z")
    mine = f"departmentId eq guid'{department}'"

    def ids(text: str, **params: Any) -> list[str]:
        listed = api.get("/users", headers=admin, params={"_filter": f"{mine} and {text}", **params})
        return [u["id"] for u in ok(listed)["users"]]

    assert ids("lastLoginDate eq null") == [never["id"]]
    assert set(ids("lastLoginDate ne null")) == {old["id"], new["id"]}
    in_2024 = "lastLoginDate ge datetime'2024-01-01T00:00:00Z' and lastLoginDate lt datetime'2025-01-01'"
    assert ids(in_2024) == [new["id"]]
    assert ids("lastLoginDate lt datetime'2024-01-01T00:00:00Z'") == [old["id"]]
    # Nulls sort first, as SQL Server orders them.
    assert ids("id ne null", _sort="lastLoginDate") == [never["id"], old["id"], new["id"]]
    assert ids("id ne null", _sort="-lastLoginDate") == [new["id"], old["id"], never["id"]]


def test_a_department_of_more_than_1000_users_is_listed_whole_by_year_slices_of_last_login(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    """A real client's way past the 1,000-item page: a `_filter` per `lastLoginDate` year, then `eq null`."""
    department = factory.department()["id"]
    made = {
        factory.user(
            departmentId=department,
            username=f"slice.user{n}",
            lastLoginDate=None if n % 7 == 0 else f"{YEARS[n % len(YEARS)]}-0{1 + n % 9}-1{n % 10}T08:00:00Z",
        )["id"]
        for n in range(1030)
    }
    mine = f"departmentId eq guid'{department}'"
    whole = ok(api.get("/users", headers=admin, params={"_filter": mine, "_limit": 1000}))
    assert (whole["totalItems"], whole["returnedItems"]) == (1030, 1000)
    slices = [
        f"{mine} and lastLoginDate ge datetime'{year}-01-01T00:00:00'"
        f" and lastLoginDate lt datetime'{year + 1}-01-01T00:00:00'"
        for year in range(2000, 2031)
    ] + [f"{mine} and lastLoginDate eq null"]
    seen: Counter[str] = Counter()
    for text in slices:
        page = ok(api.get("/users", headers=admin, params={"_filter": text, "_limit": 1000}))
        assert page["totalItems"] == page["returnedItems"] < 1000
        seen.update(u["id"] for u in page["users"])
    assert set(seen) == made
    assert max(seen.values()) == 1
