"""Absorb's ``_filter`` (its whole OData subset on users, departments, courses and enrollments),
``_search``, and the deprecated ``limit``, ``offset``, ``status`` and ``modifiedSince``.

Every filter and search is checked against records made to nearly match it, which must stay out.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.vendors.absorb.factory import AbsorbFactory


@pytest.fixture
def people(factory: AbsorbFactory) -> dict[str, dict[str, Any]]:
    """Four users who differ only where the filters below look."""
    return {
        "ada": factory.user(
            firstName="Ada",
            lastName="Quillfeather",
            emailAddress="ada@quill.example",
            customFields={"decimal1": 92.5, "string2": "Night", "checkbox1": True, "date1": "2024-05-01"},
        ),
        "bea": factory.user(
            firstName="Bea",
            lastName="Quillon",
            emailAddress="bea@quill.example",
            customFields={"decimal1": 80, "string2": "Day", "checkbox1": False, "date1": "2023-05-01"},
        ),
        "cy": factory.user(
            firstName="Cy",
            lastName="Featherquill",
            emailAddress="cy@other.example",
            customFields={"decimal1": 79.99, "string2": "night shift"},
        ),
        "di": factory.user(firstName="Di", lastName="Unrelated", emailAddress=None, jobTitle="Quill Maker"),
    }


def _users_apart(
    sandbox: Sandbox, factory: AbsorbFactory, last_name: str, first_names: list[str], *, seconds: float
) -> list[dict[str, Any]]:
    """Users of ``last_name``, one per first name, made on the frozen sandbox clock ``seconds`` apart."""
    sandbox.clock.freeze()
    made = [factory.user(firstName=first_names[0], lastName=last_name)]
    for first_name in first_names[1:]:
        sandbox.clock.advance(seconds)
        made.append(factory.user(firstName=first_name, lastName=last_name))
    return made


def _listed(
    api: httpx.Client, admin: dict[str, str], path: str, key: str, first_name: str, **params: str
) -> set[str]:
    """Names of every record listed under ``key`` (``first_name`` first, else name or fullName)."""
    response = api.get(path, headers=admin, params={**params, "_limit": 1000})
    assert response.status_code == 200, response.text
    found = response.json()[key]
    assert response.json()["totalItems"] == len(found)
    return {str(r.get(first_name) or r.get("name") or r.get("fullName")) for r in found}


def _names(api: httpx.Client, admin: dict[str, str], path: str, text: str, key: str) -> set[str]:
    return _listed(api, admin, path, key, "firstName", _filter=text)


def _users(api: httpx.Client, admin: dict[str, str], text: str) -> set[str]:
    # Only the four made here: the scenario's users are left out by a filter on a custom field set here.
    scoped = f"({text}) and (substringof('quill', lastName) or substringof('quill', jobTitle))"
    return _names(api, admin, "/users", scoped, "users")


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("customFields/decimal1 gt 80", {"Ada"}),
        ("customFields/decimal1 ge 80", {"Ada", "Bea"}),
        ("customFields/decimal1 lt 80", {"Cy"}),
        ("customFields/decimal1 le 80.0", {"Bea", "Cy"}),
        ("customFields/decimal1 eq null", {"Di"}),
        ("customFields/decimal1 ne null and customFields/decimal1 ne 80", {"Ada", "Cy"}),
        ("customFields/checkbox1 eq true", {"Ada"}),
        ("not (customFields/checkbox1 eq true)", {"Bea", "Cy", "Di"}),
        ("customFields/string2 eq 'NIGHT'", {"Ada"}),
        ("customFields/date1 gt datetime'2024-01-01T00:00:00'", {"Ada"}),
        ("customFields/date1 lt datetime'2024-01-01'", {"Bea"}),
        ("substringof('night', customFields/string2)", {"Ada", "Cy"}),
        ("substringOf('QUILL', emailAddress)", {"Ada", "Bea"}),
        ("startswith(lastName, 'quill')", {"Ada", "Bea"}),
        ("startsWith(lastName, 'Quill') and not endswith(lastName, 'on')", {"Ada"}),
        ("ENDSWITH(lastName, 'quill')", {"Cy"}),
        ("tolower(firstName) eq 'ada' or toupper(firstName) eq 'BEA'", {"Ada", "Bea"}),
        ("(firstName eq 'Ada' or firstName eq 'Cy') and customFields/decimal1 lt 90", {"Cy"}),
        ("emailAddress eq null", {"Di"}),
        ("firstName eq 'Ada' and firstName eq 'Bea'", set()),
    ],
)
def test_users_filter_with_absorbs_operators_and_functions(
    api: httpx.Client, admin: dict[str, str], text: str, wanted: set[str]
) -> None:
    assert _users(api, admin, text) == wanted


def test_guid_literals_in_every_spelling_find_one_user_only(
    api: httpx.Client, admin: dict[str, str], people: dict[str, dict[str, Any]]
) -> None:
    ada = people["ada"]["id"]
    for text in (f"id eq guid'{ada}'", f"id eq GUID'{ada.upper()}'", f"id eq {ada}"):
        assert _users(api, admin, text) == {"Ada"}
    assert _users(api, admin, f"id ne guid'{ada}'") == {"Bea", "Cy", "Di"}
    department = people["ada"]["departmentId"]
    assert _users(api, admin, f"departmentId eq guid'{department}' and firstName ne 'Ada'") == {
        "Bea",
        "Cy",
        "Di",
    }


def test_datetime_literals_compare_with_the_sandbox_clock(
    api: httpx.Client, admin: dict[str, str], sandbox: Sandbox, factory: AbsorbFactory
) -> None:
    before, later = _users_apart(sandbox, factory, "Quillbird", ["Early", "Late"], seconds=3600)
    cut = later["dateAdded"]
    assert before["dateAdded"] < cut
    assert _users(api, admin, f"dateAdded ge datetime'{cut}'") == {"Late"}
    assert _users(api, admin, f"dateAdded lt datetime'{cut}'") == {"Early"}
    assert _users(api, admin, f"dateAdded lt {cut}") == {"Early"}


def test_departments_and_courses_filter_too(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    north = factory.department("Quarry North", external_id="Q-N")
    factory.department("Quarry South", parent_id=north["id"])
    factory.department("Harbour")
    assert _names(api, admin, "/departments", "startswith(name, 'quarry')", "departments") == {
        "Quarry North",
        "Quarry South",
    }
    assert _names(api, admin, "/departments", f"parentId eq guid'{north['id']}'", "departments") == {
        "Quarry South"
    }
    assert _names(api, admin, "/departments", "externalId eq 'Q-N'", "departments") == {"Quarry North"}
    factory.course("Quarry Blasting Basics")
    factory.course("Quarry Blasting Practice", sessions=1)
    factory.course("Harbour Knots")
    found = _names(
        api,
        admin,
        "/courses",
        "substringof('blasting', name) and courseType ne 'InstructorLedCourse'",
        "courses",
    )
    assert found == {"Quarry Blasting Basics"}


def test_enrollments_filter_on_status_score_and_dates(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    course = factory.course("Quill Sharpening", lessons=1)
    users = [factory.user(firstName=name, lastName="Quillman") for name in ("Eve", "Fay")]
    for user in users:
        factory.enrollment(user["id"], course["id"])
    path = f"/courses/{course['id']}/enrollments"
    assert _names(api, admin, path, "status eq 0 and progress lt 1", "enrollments") == {
        "Eve Quillman",
        "Fay Quillman",
    }
    assert _names(api, admin, path, "startswith(fullName, 'eve')", "enrollments") == {"Eve Quillman"}
    assert _names(api, admin, path, "status gt 0 or dateCompleted ne null", "enrollments") == set()


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/users", "firstName eq"),
        ("/users", "(firstName eq 'Ada'"),
        ("/users", "shoeSize gt 3"),
        ("/users", "customFields/decimal9 gt 3"),
        ("/users", "substringof('x')"),
        ("/users", "soundex(lastName) eq 'Q'"),
        ("/users", "id eq guid'not-a-guid'"),
        ("/users", "dateAdded gt datetime'2024-13-01'"),
        ("/users", "firstName gt 3"),
        ("/departments", "customFields/string1 eq 'x'"),
        ("/departments", "username eq 'x'"),
        ("/courses", "lastName eq 'x'"),
    ],
)
def test_a_malformed_filter_or_unknown_field_is_a_422_in_absorbs_body(
    api: httpx.Client, admin: dict[str, str], path: str, text: str
) -> None:
    refused = api.get(path, headers=admin, params={"_filter": text})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["term"] == "ErrorGeneric"
    assert body["validations"][0].startswith("_filter: ")


# _search


def _searched(api: httpx.Client, admin: dict[str, str], path: str, text: str, key: str) -> set[str]:
    return _listed(api, admin, path, key, "username", _search=text)


def test_search_looks_in_names_username_and_email_only(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    factory.user(firstName="Zelda", lastName="Quorn", username="zq1", emailAddress="z@one.example")
    factory.user(firstName="Yuri", lastName="Zeldaman", username="yz1", emailAddress="y@two.example")
    factory.user(firstName="Xan", lastName="Xu", username="zeldafan", emailAddress="x@three.example")
    factory.user(firstName="Wes", lastName="Wu", username="ww1", emailAddress="zelda@four.example")
    factory.user(firstName="Vi", lastName="Vo", username="vv1", jobTitle="Zelda Expert", notes="zelda")
    found = _searched(api, admin, "/users", "ZELDA", "users")
    assert found == {"zq1", "yz1", "zeldafan", "ww1"}
    assert _searched(api, admin, "/users", "zelda quorn", "users") == {"zq1"}
    assert _searched(api, admin, "/users", "two.example", "users") == {"yz1"}


def test_search_on_departments_courses_and_enrollments(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    factory.department("Kelp Farming", external_id="KF-1")
    factory.department("Seaweed", external_id="kelp-2")
    factory.department("Moss")
    assert _searched(api, admin, "/departments", "kelp", "departments") == {"Kelp Farming", "Seaweed"}
    kelp = factory.course("Kelp Harvesting")
    factory.course("Moss Basics", description="no kelp here")
    factory.course("Rock Pools")
    assert _searched(api, admin, "/courses", "kelp", "courses") == {"Kelp Harvesting", "Moss Basics"}
    for name in ("Kelpie", "Otto"):
        user = factory.user(firstName=name, lastName="Tide")
        factory.enrollment(user["id"], kelp["id"])
    path = f"/courses/{kelp['id']}/enrollments"
    assert _searched(api, admin, path, "kelpie tide", "enrollments") == {"Kelpie Tide"}


# the deprecated parameters


def test_deprecated_limit_and_offset_page_like_their_underscored_names(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    def page(params: dict[str, Any]) -> dict[str, Any]:
        response = api.get("/users", headers=admin, params={"_sort": "username", **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    legacy = page({"limit": 2, "offset": 1})
    current = page({"_limit": 2, "_offset": 1})
    assert legacy == current
    assert (legacy["limit"], legacy["offset"], legacy["returnedItems"]) == (2, 1, 2)
    assert page({"limit": 2, "_limit": 3})["limit"] == 3
    assert api.get("/users", headers=admin, params={"limit": 1001}).status_code == 422


def test_modified_since_keeps_what_was_edited_after_it(
    api: httpx.Client, admin: dict[str, str], sandbox: Sandbox, factory: AbsorbFactory
) -> None:
    old, middle, new = _users_apart(sandbox, factory, "Quillstone", ["Old", "Cut", "New"], seconds=300)
    cut = middle["dateEdited"]
    edited = api.put(f"/users/{old['id']}", headers=admin, json={"jobTitle": "Edited"})
    assert edited.status_code == 200, edited.text
    response = api.get("/users", headers=admin, params={"modifiedSince": cut, "_limit": 1000})
    assert response.status_code == 200, response.text
    assert {u["id"] for u in response.json()["users"]} == {old["id"], new["id"]}
    refused = api.get("/users", headers=admin, params={"modifiedSince": "last tuesday"})
    assert refused.status_code == 422
    assert refused.json()["validations"][0].startswith("modifiedSince: ")


def test_deprecated_status_filters_enrollments_and_is_not_read_on_users(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    course = factory.course("Quill Care", lessons=1)
    user = factory.user(firstName="Gil", lastName="Quillby")
    factory.enrollment(user["id"], course["id"])
    path = f"/users/{user['id']}/enrollments"
    assert api.get(path, headers=admin, params={"status": 0}).json()["totalItems"] == 1
    assert api.get(path, headers=admin, params={"status": 3}).json()["totalItems"] == 0
    everyone = api.get("/users", headers=admin).json()["totalItems"]
    assert api.get("/users", headers=admin, params={"status": 3}).json()["totalItems"] == everyone
