"""Absorb as served: authentication and its refusals, users, custom fields, upload, departments, paging."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.errors import FixtureError
from mockserver.vendors.absorb import ADMIN, CREDENTIALS, DENIED, LEARNER, PRIVATE_KEY
from mockserver.vendors.absorb.factory import AbsorbFactory
from mockserver.vendors.absorb.seed import seed

from .helpers import headers, login

# The default scenario's fixed ids (fixtures/absorb/default.yaml), the ones specs/absorb.yaml's examples name.
HEAD_OFFICE = "5c0e1d2a-7b3f-4e6d-9a8b-1c2d3e4f5a6b"
LEARNER_ID = "0b4a7c2e-3f1d-4c5b-8e9a-6d7f1a2b3c4d"


def _department(api: httpx.Client, admin: dict[str, str]) -> str:
    return str(api.get("/departments", headers=admin).json()["departments"][0]["id"])


# authentication


@pytest.mark.parametrize("bearer", [False, True], ids=["raw token", "Bearer token"])
def test_a_token_is_taken_raw_or_as_bearer_and_the_version_header_is_optional(
    api: httpx.Client, bearer: bool
) -> None:
    sent = headers(login(api), bearer=bearer)
    plain = api.get("/users", headers=sent)
    versioned = api.get("/users", headers={**sent, "x-api-version": "2"})
    assert plain.status_code == versioned.status_code == 200
    assert plain.json() == versioned.json()


def test_each_auth_failure_is_refused_as_absorb_refuses_it(api: httpx.Client) -> None:
    token = login(api)
    no_key = api.get("/users", headers={"Authorization": token})
    wrong_key = api.get(
        "/users", headers={"x-api-key": "00000000-0000-4000-8000-000000000000", "Authorization": token}
    )
    no_token = api.get("/users", headers={"x-api-key": PRIVATE_KEY})
    bad_token = api.get("/users", headers=headers("not-a-token"))
    assert no_key.status_code == 401
    assert wrong_key.status_code == 403
    assert wrong_key.json() == {"message": "Forbidden"}
    for refused in (no_token, bad_token):
        assert refused.status_code == 401
        assert refused.json()["message"] == DENIED
        assert set(refused.json()) == {"validations", "code", "message", "term", "_meta"}


def test_authenticate_refuses_a_wrong_private_key_or_password_in_the_error_body(api: httpx.Client) -> None:
    key = {"x-api-key": PRIVATE_KEY}
    wrong_key = api.post(
        "/authenticate",
        headers=key,
        json={**_body(ADMIN), "privateKey": "00000000-0000-4000-8000-000000000000"},
    )
    wrong_password = api.post("/authenticate", headers=key, json={**_body(ADMIN), "password": "nope"})
    missing = api.post("/authenticate", headers=key, json={"username": "sandbox.admin"})
    assert (wrong_key.status_code, wrong_key.json()["code"]) == (403, 403)
    assert (wrong_password.status_code, wrong_password.json()["message"]) == (
        401,
        "Invalid username or password.",
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == 400


def test_authenticate_needs_x_api_key_like_every_other_call(api: httpx.Client) -> None:
    """Vendor notes 1.2: a login without the key is refused (401), with a wrong one the gateway's 403."""
    without = api.post("/authenticate", json=_body(ADMIN))
    wrong = api.post(
        "/authenticate", headers={"x-api-key": "00000000-0000-4000-8000-000000000000"}, json=_body(ADMIN)
    )
    assert without.status_code == 401
    assert set(without.json()) == {"validations", "code", "message", "term", "_meta"}
    assert (wrong.status_code, wrong.json()) == (403, {"message": "Forbidden"})
    # With the key, and no token yet, the login answers a token that works.
    token = api.post("/authenticate", headers={"x-api-key": PRIVATE_KEY}, json=_body(ADMIN))
    assert token.status_code == 200, token.text
    assert api.get("/departments", headers=headers(token.json())).status_code == 200


def _body(account: dict[str, str]) -> dict[str, str]:
    return {
        "username": account["username"],
        "password": account["password"],
        "privateKey": account["api_key"],
    }


def test_a_token_expires_after_four_hours_on_the_sandbox_clock(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.clock.freeze()
    sent = headers(login(api))
    sandbox.clock.advance(hours=4, seconds=-1)
    assert api.get("/users", headers=sent).status_code == 200
    sandbox.clock.advance(seconds=1)
    expired = api.get("/users", headers=sent)
    assert expired.status_code == 401
    assert expired.json()["message"] == DENIED


def test_a_new_token_revokes_the_users_previous_one_but_not_another_users(api: httpx.Client) -> None:
    first = headers(login(api))
    learner = headers(login(api, LEARNER))
    second = headers(login(api))
    assert api.get("/users", headers=first).status_code == 401
    assert api.get("/users", headers=second).status_code == 200
    # The learner's token still works: it is refused for its rights (403), not as revoked (401).
    assert api.get("/users", headers=learner).status_code == 403


def test_a_learners_token_is_refused_on_every_admin_operation(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    learner = headers(login(api, LEARNER))
    some_user = api.get("/users", headers=admin).json()["users"][0]["id"]
    department = _department(api, admin)
    calls: list[tuple[str, str, Any]] = [
        ("GET", "/users", None),
        ("GET", f"/users/{some_user}", None),
        ("PUT", f"/users/{some_user}", {"jobTitle": "Hacker"}),
        ("POST", "/users", {"departmentId": department, "firstName": "A", "lastName": "B", "username": "ab"}),
        ("POST", "/users/upload", [{"username": "sandbox.learner", "jobTitle": "Boss"}]),
        ("GET", "/departments", None),
        ("GET", f"/departments/{department}", None),
    ]
    for method, path, body in calls:
        refused = api.request(method, path, headers=learner, json=body)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["code"] == 403
    assert api.get(f"/users/{some_user}", headers=admin).json()["jobTitle"] != "Hacker"


# users


def test_a_created_user_reads_back_with_its_custom_fields(api: httpx.Client, admin: dict[str, str]) -> None:
    department = _department(api, admin)
    made = api.post(
        "/users",
        headers=admin,
        json={
            "departmentId": department,
            "firstName": "Grace",
            "lastName": "Hopper",
            "username": "grace.hopper",
            "password": "Cobol-1959",
            "customFields": {"string1": "Navy", "decimal2": 12.5, "date1": "2025-01-31", "checkbox3": True},
        },
    )
    assert made.status_code == 201, made.text
    user = made.json()
    assert "password" not in user
    assert user["customFields"]["string1"] == "Navy"
    assert user["customFields"]["decimal2"] == 12.5
    assert user["customFields"]["date1"] == "2025-01-31T00:00:00Z"
    assert user["customFields"]["checkbox3"] is True
    assert user["customFields"]["string2"] is None
    assert api.get(f"/users/{user['id']}", headers=admin).json() == user
    assert api.get(f"/users/{user['id'].upper()}", headers=admin).json() == user
    # The new user can authenticate with the password it was given.
    assert login(api, {"username": "GRACE.HOPPER", "password": "Cobol-1959", "api_key": PRIVATE_KEY})


def test_a_partial_update_changes_only_the_fields_it_names(api: httpx.Client, admin: dict[str, str]) -> None:
    before = api.get("/users", headers=admin, params={"_limit": 1}).json()["users"][0]
    response = api.put(
        f"/users/{before['id']}",
        headers=admin,
        json={"jobTitle": "Rear Admiral", "middleName": None, "customFields": {"string5": "x"}},
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert {k: v for k, v in after.items() if k != "dateEdited"} == {
        **{k: v for k, v in before.items() if k != "dateEdited"},
        "jobTitle": "Rear Admiral",
        "middleName": None,
        "customFields": {**before["customFields"], "string5": "x"},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "sandbox.admin"}, "username"),
        ({"departmentId": "00000000-0000-4000-8000-000000000000"}, "departmentId"),
        ({"dateHired": "last tuesday"}, "dateHired"),
        ({"supervisorId": "00000000-0000-4000-8000-000000000000"}, "supervisorId"),
    ],
)
def test_an_update_absorb_cannot_process_is_a_422_naming_the_field(
    api: httpx.Client, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    learner = next(
        u
        for u in api.get("/users", headers=admin, params={"_limit": 100}).json()["users"]
        if u["username"] == "sandbox.learner"
    )
    refused = api.put(f"/users/{learner['id']}", headers=admin, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["term"] == "ErrorGeneric"
    assert refused.json()["validations"][0].startswith(f"{field}: ")


def test_an_unknown_user_is_a_404_user_not_found(api: httpx.Client, admin: dict[str, str]) -> None:
    missing = api.get("/users/00000000-0000-4000-8000-000000000000", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["message"] == "User not found."


def test_an_upload_of_200_users_creates_and_updates_them_by_username(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    department = _department(api, admin)
    total = api.get("/users", headers=admin).json()["totalItems"]
    batch: list[dict[str, Any]] = [{"username": "SANDBOX.LEARNER", "customFields": {"string1": "Cohort 9"}}]
    batch += [
        {"username": f"bulk{n}", "firstName": "Bulk", "lastName": str(n), "departmentId": department}
        for n in range(199)
    ]
    response = api.post("/users/upload", headers=admin, json=batch)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert [a["value"] for a in answer] == ["sandbox.learner", *(f"bulk{n}" for n in range(199))]
    assert api.get("/users", headers=admin).json()["totalItems"] == total + 199
    learner = api.get(f"/users/{answer[0]['key']}", headers=admin).json()
    assert learner["customFields"]["string1"] == "Cohort 9"
    assert learner["customFields"]["checkbox1"] is True  # untouched by the upload


def test_an_upload_over_200_or_with_one_bad_user_writes_nothing(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    department = _department(api, admin)
    total = api.get("/users", headers=admin).json()["totalItems"]
    too_many = [
        {"username": f"u{n}", "firstName": "U", "lastName": "U", "departmentId": department}
        for n in range(201)
    ]
    one_bad = [too_many[0], {"username": "nameless"}]
    for batch, field in ((too_many, "users"), (one_bad, "[1].departmentId")):
        refused = api.post("/users/upload", headers=admin, json=batch)
        assert refused.status_code == 422, refused.text
        assert refused.json()["validations"][0].startswith(f"{field}: ")
    assert api.get("/users", headers=admin).json()["totalItems"] == total


# paging and sorting


def test_pages_partition_the_users_and_offset_is_a_page_index(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    everyone = api.get("/users", headers=admin, params={"_limit": 1000}).json()
    ids = [u["id"] for u in everyone["users"]]
    assert everyone["totalItems"] == len(ids) > 20
    pages = [api.get("/users", headers=admin, params={"_limit": 7, "_offset": n}).json() for n in range(4)]
    assert [p["offset"] for p in pages] == [0, 1, 2, 3]
    assert [p["returnedItems"] for p in pages] == [len(p["users"]) for p in pages]
    assert [u["id"] for p in pages for u in p["users"]] == ids
    default = api.get("/users", headers=admin).json()
    assert (default["limit"], default["offset"], default["returnedItems"]) == (20, 0, 20)


@pytest.mark.parametrize(
    "params", [{"_limit": 1001}, {"_limit": 0}, {"_offset": 65536}, {"_sort": "shoeSize"}]
)
def test_paging_and_sorting_outside_absorbs_bounds_is_a_422(
    api: httpx.Client, admin: dict[str, str], params: dict[str, Any]
) -> None:
    refused = api.get("/users", headers=admin, params=params)
    assert refused.status_code == 422
    assert refused.json()["code"] == 422


def test_sort_takes_several_fields_and_a_minus_for_descending(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    users = api.get("/users", headers=admin, params={"_limit": 1000, "_sort": "lastName,-firstName"}).json()[
        "users"
    ]
    keys = [(u["lastName"].casefold(), u["firstName"].casefold()) for u in users]
    for (last, first), (next_last, next_first) in itertools.pairwise(keys):
        assert last < next_last or (last == next_last and first >= next_first)
    by_name = api.get("/users", headers=admin, params={"_limit": 1000}).json()["users"]
    assert [u["username"] for u in by_name] == sorted((u["username"] for u in by_name), key=str.casefold)


def test_departments_list_and_read_back(api: httpx.Client, admin: dict[str, str]) -> None:
    listed = api.get("/departments", headers=admin, params={"_limit": 2, "_offset": 1}).json()
    assert (listed["limit"], listed["offset"], listed["returnedItems"]) == (2, 1, 2)
    first = listed["departments"][0]
    assert api.get(f"/departments/{first['id']}", headers=admin).json() == first
    names = [d["name"] for d in api.get("/departments", headers=admin).json()["departments"]]
    assert "Head Office" in names
    assert names == sorted(names, key=str.casefold)


# seed and factory


def test_the_same_seed_gives_the_same_users(sandbox: Sandbox) -> None:
    first = sandbox.store.export("absorb")
    sandbox.reset(0)
    assert sandbox.store.export("absorb") == first
    sandbox.reset(1)
    assert sandbox.store.export("absorb") != first


def test_the_named_records_keep_the_ids_the_spec_examples_use_at_any_seed(
    api: httpx.Client, admin: dict[str, str], sandbox: Sandbox
) -> None:
    for number in (0, 1, 2):
        sandbox.reset(number)
        token = headers(login(api))
        office = api.get(f"/departments/{HEAD_OFFICE}", headers=token)
        assert office.status_code == 200, office.text
        assert office.json()["name"] == "Head Office"
        learner = api.get(f"/users/{LEARNER_ID}", headers=token)
        assert learner.status_code == 200, learner.text
        assert learner.json()["username"] == "sandbox.learner"


def test_a_scenario_id_that_is_not_a_guid_is_refused(sandbox: Sandbox) -> None:
    scenario = {"api": "absorb", "records": {"departments": [{"id": "head-office", "name": "Head Office"}]}}
    with pytest.raises(FixtureError, match="'head-office' is not a GUID"):
        seed(sandbox.store.vendor("absorb"), scenario)


def test_the_factory_makes_records_as_the_api_reads_them(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    department = factory.department("Night Shift")
    user = factory.user(departmentId=department["id"], customFields={"string3": "z"})
    assert api.get(f"/departments/{department['id']}", headers=admin).json() == department
    assert api.get(f"/users/{user['id']}", headers=admin).json() == user
    assert user["customFields"]["string3"] == "z"


def test_the_scenario_accounts_are_listed_with_where_their_credentials_go(client: httpx.Client) -> None:
    entry = next(e for e in client.get("/__sandbox__/apis").json() if e["name"] == "absorb")
    assert entry["credentials"] == [CREDENTIALS.format(ADMIN), CREDENTIALS.format(LEARNER)]
    assert entry["auth"]["login"]["path"] == "/authenticate"


# filters (equality; tests/test_absorb_filters.py has the rest)


def _filtered(api: httpx.Client, admin: dict[str, str], text: str) -> list[dict[str, Any]]:
    response = api.get("/users", headers=admin, params={"_filter": text, "_limit": 1000})
    assert response.status_code == 200, response.text
    users: list[dict[str, Any]] = response.json()["users"]
    assert response.json()["totalItems"] == len(users)
    return users


def test_filter_eq_finds_only_the_matching_users_ignoring_case(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    everyone = _filtered(api, admin, "isActive eq true")
    (learner,) = _filtered(api, admin, "username eq 'SANDBOX.LEARNER'")
    assert learner["lastName"] == "Learner"
    others = _filtered(api, admin, "username ne 'sandbox.learner'")
    assert len(others) == len(everyone) - 1
    assert learner["id"] not in {u["id"] for u in others}
    assert _filtered(api, admin, f"id eq {learner['id'].upper()}") == [learner]


def test_filter_joins_with_and_or_not_and_reads_custom_fields(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    cohort = _filtered(api, admin, "customFields/string1 eq 'cohort 7'")
    assert [u["username"] for u in cohort] == ["sandbox.learner"]
    both = _filtered(
        api, admin, "username eq 'sandbox.admin' or (lastName eq 'Learner' and not (isActive eq false))"
    )
    assert sorted(u["username"] for u in both) == ["sandbox.admin", "sandbox.learner"]
    unset = _filtered(api, admin, "customFields/checkbox1 eq null")
    assert "sandbox.learner" not in {u["username"] for u in unset}
    assert len(unset) == len(_filtered(api, admin, "isActive eq true")) - 1


@pytest.mark.parametrize(
    "text",
    [
        "username eq",
        "shoeSize eq 3",
        "customFields/string99 eq 'x'",
        "bogus(lastName)",
        "dateAdded gt 1",
    ],
)
def test_a_filter_absorb_cannot_apply_is_a_422(api: httpx.Client, admin: dict[str, str], text: str) -> None:
    refused = api.get("/users", headers=admin, params={"_filter": text})
    assert refused.status_code == 422, refused.text
    assert refused.json()["validations"][0].startswith("_filter: ")
