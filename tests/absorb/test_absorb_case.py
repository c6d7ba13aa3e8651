"""Absorb's case-insensitivity, as ASP.NET serves it: paths, query names and JSON property names."""

from __future__ import annotations

import httpx

from mockserver.vendors.absorb import ADMIN, DENIED, PRIVATE_KEY
from mockserver.vendors.absorb.factory import AbsorbFactory

from .helpers import NOWHERE, headers


def test_authenticate_takes_any_case_in_its_path_and_property_names(api: httpx.Client) -> None:
    sent = {"Username": ADMIN["username"], "PASSWORD": ADMIN["password"], "privatekey": PRIVATE_KEY}
    response = api.post("/Authenticate", headers={"X-API-KEY": PRIVATE_KEY}, json=sent)
    assert response.status_code == 200, response.text
    token = response.json()
    assert api.get("/users", headers=headers(token)).status_code == 200
    wrong = api.post("/AUTHENTICATE", headers={"x-api-key": PRIVATE_KEY}, json={**sent, "PASSWORD": "nope"})
    assert wrong.status_code == 401


def test_paths_in_any_case_reach_the_same_operation_behind_the_same_checks(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    course = factory.course(lessons=1)
    factory.enrollment(user["id"], course["id"])
    lower = api.get(f"/users/{user['id']}/enrollments", headers=admin)
    assert lower.status_code == 200, lower.text
    for path in (f"/Users/{user['id']}/Enrollments", f"/USERS/{user['id'].upper()}/enrollments/"):
        response = api.get(path, headers=admin)
        assert response.status_code == 200, response.text
        assert response.json() == lower.json()
    refused = api.get(f"/Users/{user['id']}/Enrollments", headers={"x-api-key": PRIVATE_KEY})
    assert refused.status_code == 401
    assert refused.json()["message"] == DENIED
    assert api.get(f"/Users/{user['id']}/Enrollmentz", headers=admin).status_code == 404


def test_query_names_in_any_case_are_the_declared_parameters(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    page = api.get("/Users", headers=admin, params={"_LIMIT": 2, "_Offset": 1, "_Sort": "-username"})
    assert page.status_code == 200, page.text
    assert (page.json()["limit"], page.json()["offset"], page.json()["returnedItems"]) == (2, 1, 2)
    names = [u["username"] for u in page.json()["users"]]
    assert names == sorted(names, reverse=True)


def test_json_property_names_in_any_case_are_written_and_read_back(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    updated = api.put(
        f"/Users/{user['id']}",
        headers=admin,
        json={
            "FirstName": "Grace",
            "JOBTITLE": "Admiral",
            "CustomFields": {"String1": "Navy", "DECIMAL1": 2},
        },
    )
    assert updated.status_code == 200, updated.text
    read = api.get(f"/users/{user['id']}", headers=admin).json()
    assert (read["firstName"], read["jobTitle"]) == ("Grace", "Admiral")
    assert (read["customFields"]["string1"], read["customFields"]["decimal1"]) == ("Navy", 2.0)
    uploaded = api.post(
        "/Users/Upload",
        headers=admin,
        json=[{"UserName": user["username"], "customfields": {"Checkbox1": True}}],
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == [{"key": user["id"], "value": user["username"]}]
    assert api.get(f"/users/{user['id']}", headers=admin).json()["customFields"]["checkbox1"] is True


def test_a_name_no_schema_declares_is_still_refused(api: httpx.Client, admin: dict[str, str]) -> None:
    user = api.get("/users", headers=admin, params={"_limit": 1}).json()["users"][0]
    refused = api.put(f"/Users/{user['id']}", headers=admin, json={"ShoeSize": 9})
    assert refused.status_code in (400, 422), refused.text
    assert api.get(f"/users/{user['id']}", headers=admin).json() == user


def test_a_literal_path_wins_so_a_method_it_does_not_serve_is_405_not_a_lookup(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    for method, path, allow in (
        ("GET", "/enrollments/unenroll", "POST"),
        ("DELETE", "/Enrollments/Unenroll", "POST"),
        ("PUT", "/users/upload", "POST"),
    ):
        response = api.request(method, path, headers=admin)
        assert response.status_code == 405, response.text
        assert response.headers["allow"] == allow
        assert response.json()["term"] == "ErrorMethodNotAllowed"
    assert api.post("/enrollments/unenroll", headers=admin, json=[NOWHERE]).status_code == 404
