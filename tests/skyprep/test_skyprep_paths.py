"""SkyPrep's learning paths and catalog as served: write then read back, the enrollment graph through
paths, the catalog, the doc's alias URL, and bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.vendors.skyprep.factory import SkyprepFactory

from .helpers import JOHN, KEYS, assert_bad_input_refused, assert_unenrolled, call, course_ids, status


def test_a_path_made_by_post_reads_back_through_both_methods_and_updates_only_what_is_sent(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user, course, group = factory.user(), factory.course(), factory.user_group()
    made = call(
        api,
        "create_learning_path",
        name="Management 101",
        description="How to be successful in managing your team",
        course_ids=str(course["id"]),
        user_ids=f" {user['id']} ",
        user_group_ids=[group["id"]],
    )
    assert isinstance(made["id"], int)
    assert (made["course_ids"], made["user_ids"], made["user_group_ids"]) == (
        [course["id"]],
        [user["id"]],
        [group["id"]],
    )
    assert made["in_catalog"] is False
    by_get = api.get("/get_learning_path", params={**KEYS, "learning_path_id": made["id"]}).json()
    assert by_get == made == call(api, "get_learning_path", learning_path_id=str(made["id"]))
    answer = call(api, "update_learning_path", learning_path_id=made["id"], name="New Learning Path Name")
    assert answer == {"message": "success"}
    read = call(api, "get_learning_path", learning_path_id=made["id"])
    assert read == {**made, "name": "New Learning Path Name"}
    assert read in call(api, "get_learning_paths")
    assert call(api, "get_course", course_id=course["id"])["learning_path_ids"] == [made["id"]]


def test_the_seeded_scenario_holds_the_docs_named_paths_with_courses_and_a_catalog(api: httpx.Client) -> None:
    listed = call(api, "get_learning_paths")
    assert {"My Learning Path", "Management 101"} <= {p["name"] for p in listed}
    assert all(p["course_ids"] and p["user_ids"] for p in listed)
    assert any(p["in_catalog"] for p in listed)
    assert any(c["in_catalog"] for c in call(api, "get_courses"))
    # Every seeded path's user reaches every course of the path.
    path = listed[0]
    assert set(path["course_ids"]) <= set(course_ids(api, user_id=path["user_ids"][0]))


def test_a_user_reaches_a_paths_courses_directly_or_through_a_group_and_every_read_agrees(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada, bob = factory.user(), factory.user()
    first, second = factory.course(), factory.course()
    group = factory.user_group(user_ids=[bob["id"]])
    path = factory.learning_path(course_ids=[first["id"]], user_ids=[ada["id"]])
    assert course_ids(api, user_id=ada["id"]) == [first["id"]]
    assert status(api, first["id"], user_email=ada["email"]) == "not_started"
    assert course_ids(api, user_id=bob["id"]) == []
    call(api, "add_course_to_learning_path", learning_path_id=path["id"], course_id=second["id"])
    call(api, "add_group_to_learning_path", learning_path_id=path["id"], user_group_id=group["id"])
    both = sorted([first["id"], second["id"]])
    assert course_ids(api, user_id=ada["id"]) == both
    assert course_ids(api, user_email=bob["email"]) == both
    assert status(api, second["id"], user_id=bob["id"]) == "not_started"
    read = call(api, "get_learning_path", learning_path_id=path["id"])
    assert (read["course_ids"], read["user_group_ids"]) == (both, [group["id"]])
    call(api, "remove_course_from_learning_path", learning_path_id=path["id"], course_id=first["id"])
    assert course_ids(api, user_id=ada["id"]) == [second["id"]]
    assert status(api, first["id"], user_id=ada["id"]) == "not_enrolled"
    call(api, "remove_group_from_learning_path", learning_path_id=path["id"], user_group_id=group["id"])
    assert course_ids(api, user_id=bob["id"]) == []
    # A direct enrollment keeps its status when the path also reaches the course.
    factory.enrolment(ada, second, status="passed")
    assert status(api, second["id"], user_id=ada["id"]) == "passed"
    assert course_ids(api, user_id=ada["id"]) == [second["id"]]


def test_mass_enroll_reads_course_bundles_as_learning_paths(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada, bob = factory.user(), factory.user()
    course = factory.course()
    path = factory.learning_path(course_ids=[course["id"]])
    emails = f"{ada['email']},{bob['email']}"
    refused = api.post("/mass_enroll", json={**KEYS, "user_emails": emails, "course_bundle_ids": "999999"})
    assert refused.status_code == 404
    assert call(api, "get_learning_path", learning_path_id=path["id"])["user_ids"] == []
    call(api, "mass_enroll", user_emails=emails, course_bundle_ids=str(path["id"]))
    assert call(api, "get_learning_path", learning_path_id=path["id"])["user_ids"] == [ada["id"], bob["id"]]
    for user in (ada, bob):
        assert course_ids(api, user_id=user["id"]) == [course["id"]]


def test_deleting_a_course_a_path_a_group_or_a_user_removes_its_links(
    api: httpx.Client, sandbox: Sandbox, factory: SkyprepFactory
) -> None:
    user, member = factory.user(), factory.user()
    kept, doomed = factory.course(), factory.course()
    group = factory.user_group(user_ids=[member["id"]])
    path = factory.learning_path(
        course_ids=[kept["id"], doomed["id"]], user_ids=[user["id"]], user_group_ids=[group["id"]]
    )
    factory.in_catalog(
        course_ids=[doomed["id"]], learning_path_ids=[path["id"]], user_group_ids=[group["id"]]
    )
    call(api, "destroy_course", course_id=doomed["id"])
    assert call(api, "get_learning_path", learning_path_id=path["id"])["course_ids"] == [kept["id"]]
    assert course_ids(api, user_id=user["id"]) == [kept["id"]]
    call(api, "destroy_user_group", user_group_id=group["id"])
    read = call(api, "get_learning_path", learning_path_id=path["id"])
    assert (read["user_group_ids"], read["catalog_user_group_ids"], read["in_catalog"]) == ([], [], True)
    assert course_ids(api, user_id=member["id"]) == []
    call(api, "destroy_user", user_id=member["id"])
    call(api, "destroy_learning_path", learning_path_id=path["id"])
    assert course_ids(api, user_id=user["id"]) == []
    assert call(api, "get_course", course_id=kept["id"])["learning_path_ids"] == []
    gone = api.post("/get_learning_path", json={**KEYS, "learning_path_id": path["id"]})
    assert gone.status_code == 404
    data = sandbox.store.vendor("skyprep")
    for name in ("learning_path_courses", "learning_path_users", "learning_path_groups"):
        assert not [r for r in data.collection(name).values() if r["learning_path_id"] == str(path["id"])]
    assert not [k for k in data.collection("catalog_entries") if k.endswith(f":{path['id']}")]
    assert not [k for k in data.collection("catalog_entries") if k == f"course:{doomed['id']}"]


def test_a_destroyed_user_leaves_the_paths_it_was_enrolled_in(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user, other = factory.user(), factory.user()
    path = factory.learning_path(user_ids=[user["id"], other["id"]])
    call(api, "destroy_user", user_email=user["email"])
    assert call(api, "get_learning_path", learning_path_id=path["id"])["user_ids"] == [other["id"]]


def test_the_catalog_lists_restricts_and_unlists_courses_and_paths(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, path = factory.course(), factory.learning_path()
    sales, lab = factory.user_group(), factory.user_group()
    answer = call(
        api,
        "add_course_or_learning_path_to_catalog",
        course_ids=f"{course['id']}",
        learning_path_ids=str(path["id"]),
        user_group_ids=f"{sales['id']}, {lab['id']}",
    )
    assert answer == {"message": "success"}
    read_course = call(api, "get_course", course_id=course["id"])
    assert (read_course["in_catalog"], read_course["catalog_user_group_ids"]) == (
        True,
        sorted([sales["id"], lab["id"]]),
    )
    call(api, "update_catalog_enrollments", course_id=str(course["id"]), user_group_ids=str(lab["id"]))
    assert call(api, "get_course", course_id=course["id"])["catalog_user_group_ids"] == [lab["id"]]
    call(api, "update_catalog_enrollments", learning_path_id=f"{path['id']}")
    read_path = call(api, "get_learning_path", learning_path_id=path["id"])
    assert (read_path["in_catalog"], read_path["catalog_user_group_ids"]) == (True, [])
    form = {**KEYS, "course_id": str(course["id"]), "learning_path_id": str(path["id"])}
    removed = api.post("/remove_course_or_learning_path_from_catalog", data=form)
    assert removed.json() == {"message": "success"}
    read_course = call(api, "get_course", course_id=course["id"])
    assert (read_course["in_catalog"], read_course["catalog_user_group_ids"]) == (False, [])
    assert call(api, "get_learning_path", learning_path_id=path["id"])["in_catalog"] is False
    again = api.get("/remove_course_or_learning_path_from_catalog", params=form)
    assert again.status_code == 404


def test_the_catalog_enrolls_nobody(api: httpx.Client, factory: SkyprepFactory) -> None:
    user, course = factory.user(), factory.course()
    group = factory.user_group(user_ids=[user["id"]])
    factory.in_catalog(course_ids=[course["id"]], user_group_ids=[group["id"]])
    assert_unenrolled(api, user, course)


def test_remove_group_from_course_group_is_the_same_call_under_the_docs_second_url(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    member, course = factory.user(), factory.course()
    group = factory.user_group(user_ids=[member["id"]])
    path = factory.learning_path(course_ids=[course["id"]], user_group_ids=[group["id"]])
    assert course_ids(api, user_id=member["id"]) == [course["id"]]
    response = api.get(
        "/remove_group_from_course_group",
        params={**KEYS, "learning_path_id": path["id"], "user_group_id": group["id"]},
    )
    assert response.json() == {"message": "success"}
    assert call(api, "get_learning_path", learning_path_id=path["id"])["user_group_ids"] == []
    assert course_ids(api, user_id=member["id"]) == []
    again = api.post(
        "/remove_group_from_course_group",
        data={**KEYS, "learning_path_id": str(path["id"]), "user_group_id": str(group["id"])},
    )
    assert again.status_code == 404
    calls = call(api, "available_api_calls")
    assert {"remove_group_from_learning_path", "remove_group_from_course_group", "get_learning_paths"} <= set(
        calls
    )
    assert calls == sorted(calls)


def test_a_path_answers_xml_with_format_xml(api: httpx.Client, factory: SkyprepFactory) -> None:
    path = factory.learning_path(name="Management 101")
    response = api.get("/get_learning_path", params={**KEYS, "learning_path_id": path["id"], "format": "xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<name>Management 101</name>" in response.text


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("get_learning_path", {}, 400),
        ("get_learning_path", {"learning_path_id": 999_999}, 404),
        ("get_learning_path", {"learning_path_id": "abc"}, 400),
        ("create_learning_path", {}, 400),
        ("create_learning_path", {"name": "  "}, 400),
        ("create_learning_path", {"name": "X", "course_ids": "1,,2"}, 400),
        ("create_learning_path", {"name": "X", "user_group_ids": "999999"}, 404),
        ("update_learning_path", {"learning_path_id": 999_999, "name": "x"}, 404),
        ("destroy_learning_path", {}, 400),
        ("add_course_to_learning_path", {"learning_path_id": 999_999, "course_id": 1}, 404),
        ("remove_course_from_learning_path", {"learning_path_id": 999_999, "course_id": 1}, 404),
        ("add_group_to_learning_path", {"learning_path_id": 999_999, "user_group_id": 1}, 404),
        ("remove_group_from_learning_path", {"user_group_id": 1}, 400),
        ("remove_group_from_course_group", {}, 400),
        ("add_course_or_learning_path_to_catalog", {}, 400),
        ("add_course_or_learning_path_to_catalog", {"course_ids": "1;2"}, 400),
        ("add_course_or_learning_path_to_catalog", {"learning_path_ids": "999999"}, 404),
        ("remove_course_or_learning_path_from_catalog", {}, 400),
        ("remove_course_or_learning_path_from_catalog", {"course_id": 999_999}, 404),
        ("update_catalog_enrollments", {"learning_path_id": "x"}, 400),
        ("update_catalog_enrollments", {"course_id": "999999"}, 404),
        ("mass_enroll", {"user_emails": JOHN, "course_bundle_ids": "999999"}, 404),
    ],
)
def test_bad_input_is_a_4xx_in_the_error_body_never_a_500(
    api: httpx.Client, name: str, params: dict[str, Any], expected: int
) -> None:
    assert_bad_input_refused(api, name, params, expected)
