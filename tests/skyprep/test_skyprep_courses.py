"""SkyPrep's courses and user groups as served: write then read back, the enrollment graph, OTP keys."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client
from mockserver.vendors.skyprep.factory import SkyprepFactory

from .helpers import JOHN, KEYS, assert_bad_input_refused, assert_unenrolled, call, course_ids, status


def test_a_course_made_by_post_reads_back_through_both_methods_and_updates_only_what_is_sent(
    api: httpx.Client,
) -> None:
    made = call(api, "create_course", name="Practice to Perfect", active="true")
    assert isinstance(made["id"], int)
    assert made["active"] is True
    assert made["user_group_ids"] == []
    by_get = api.get("/get_course", params={**KEYS, "course_id": made["id"]}).json()
    assert by_get == made == call(api, "get_course", course_id=str(made["id"]))
    assert call(api, "update_course", course_id=made["id"], active="0") == {"message": "success"}
    updated = call(api, "get_course", course_id=made["id"])
    assert updated == {**made, "active": False}
    assert made["id"] in {c["id"] for c in call(api, "get_courses")}


def test_the_seeded_scenario_holds_the_docs_named_courses_and_groups_and_some_enrollments(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    names = {c["name"] for c in call(api, "get_courses")}
    assert {"My Course", "How to Catch A Serial Killer", "Pratice to Perfect"} <= names
    groups = call(api, "get_user_groups")
    assert {"Sales Team", "Marketing Group", "Forensics Lab"} <= {g["name"] for g in groups}
    assert any(g["users"] and g["course_ids"] for g in groups)
    assert sandbox.store.vendor("skyprep").collection("course_enrollments")
    first = call(api, "get_courses")
    sandbox.reset(0)
    assert call(api, "get_courses") == first


def test_a_user_reaches_a_course_directly_or_through_a_group_and_every_read_agrees(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    direct, grouped = factory.course(), factory.course()
    assert_unenrolled(api, user, direct)
    call(api, "enroll_user_in_course", user_email=user["email"], course_id=direct["id"])
    group = call(api, "create_user_group", name="Sales Team", course_ids=str(grouped["id"]))
    call(api, "enroll_user_in_user_group", user_id=user["id"], user_group_id=group["id"])
    assert course_ids(api, user_email=user["email"]) == sorted([direct["id"], grouped["id"]])
    assert status(api, direct["id"], user_id=user["id"]) == "not_started"
    assert status(api, grouped["id"], user_email=user["email"]) == "not_started"
    assert call(api, "get_course", course_id=grouped["id"])["user_group_ids"] == [group["id"]]
    read = call(api, "get_user_group", user_group_id=group["id"])
    assert [u["id"] for u in read["users"]] == [user["id"]]
    assert read["course_ids"] == [grouped["id"]]
    assert [g["id"] for g in call(api, "get_user_group_enrollments_for_user", user_id=user["id"])] == [
        group["id"]
    ]
    call(api, "remove_user_from_course", user_id=user["id"], course_id=direct["id"])
    call(api, "remove_course_from_user_group", user_group_id=group["id"], course_id=grouped["id"])
    assert_unenrolled(api, user, grouped)


def test_a_direct_enrollments_status_is_kept_and_the_factory_answers_it(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user, course = factory.user(), factory.course()
    assert factory.enrolment(user, course, status="passed") == {"status": "passed"}
    assert status(api, course["id"], user_id=user["id"]) == "passed"
    group = factory.user_group(course_ids=[course["id"]], user_ids=[user["id"]])
    assert group == call(api, "get_user_group", user_group_id=group["id"])
    assert status(api, course["id"], user_id=user["id"]) == "passed"


def test_deleting_a_course_a_user_or_a_group_removes_its_links(
    api: httpx.Client, sandbox: Sandbox, factory: SkyprepFactory
) -> None:
    user, kept, doomed = factory.user(), factory.course(), factory.course()
    group = factory.user_group(course_ids=[kept["id"], doomed["id"]], user_ids=[user["id"]])
    call(api, "enroll_user_in_courses", user_id=user["id"], course_ids=f"{kept['id']}, {doomed['id']}")
    call(api, "destroy_course", course_id=doomed["id"])
    assert course_ids(api, user_id=user["id"]) == [kept["id"]]
    assert call(api, "get_user_group", user_group_id=group["id"])["course_ids"] == [kept["id"]]
    assert api.post("/get_course", json={**KEYS, "course_id": doomed["id"]}).status_code == 404
    call(api, "remove_user_from_course", user_id=user["id"], course_id=kept["id"])
    assert course_ids(api, user_id=user["id"]) == [kept["id"]]  # still through the group
    call(api, "destroy_user_group", user_group_id=group["id"])
    assert course_ids(api, user_id=user["id"]) == []
    call(api, "enroll_user_in_course", user_id=user["id"], course_id=kept["id"])
    call(api, "destroy_user", user_id=user["id"])
    links = sandbox.store.vendor("skyprep")
    for name in ("course_enrollments", "user_group_members", "user_group_courses"):
        assert not [r for r in links.collection(name).values() if str(user["id"]) in (r.get("user_id"), None)]
        assert not [r for r in links.collection(name).values() if r.get("course_id") == str(doomed["id"])]


def test_mass_enroll_puts_every_user_in_every_course_and_group_or_changes_nothing(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada, bob = factory.user(), factory.user()
    course, group = factory.course(), factory.user_group()
    emails = f"{ada['email']}, {bob['email']}"
    refused = api.post(
        "/mass_enroll",
        json={**KEYS, "user_emails": emails, "course_ids": f"{course['id']},999999"},
    )
    assert refused.status_code == 404
    assert course_ids(api, user_id=ada["id"]) == []
    answer = call(
        api,
        "mass_enroll",
        user_emails=emails,
        course_ids=[course["id"]],
        user_group_ids=str(group["id"]),
    )
    assert answer == {"message": "success"}
    for user in (ada, bob):
        assert course_ids(api, user_id=user["id"]) == [course["id"]]
    assert [u["id"] for u in call(api, "get_user_group", user_group_id=group["id"])["users"]] == [
        ada["id"],
        bob["id"],
    ]


def _enroll_page(sandbox: Sandbox, course: int, key: str, email: str) -> httpx.Response:
    with sync_client(sandbox) as browser:
        return browser.get(
            "http://sandbox/skyprep/account/enroll",
            params={"course_id": course, "otp_key": key, "user_email": email},
        )


def test_an_otp_key_enrolls_once_and_follows_the_courses_subscribe_key(
    api: httpx.Client, sandbox: Sandbox, factory: SkyprepFactory
) -> None:
    ada, bob = factory.user(), factory.user()
    course = factory.course(subscribe_key="original")
    first, second = call(api, "get_course_otp", course_id=course["id"], count=2)
    assert first != second
    used = _enroll_page(sandbox, course["id"], first, ada["email"])
    assert used.status_code == 200, used.text
    assert course_ids(api, user_id=ada["id"]) == [course["id"]]
    assert _enroll_page(sandbox, course["id"], first, bob["email"]).status_code == 404
    call(api, "update_course", course_id=course["id"], subscribe_key="changed")
    assert _enroll_page(sandbox, course["id"], second, bob["email"]).status_code == 404
    call(api, "update_course", course_id=course["id"], subscribe_key="original")
    assert _enroll_page(sandbox, course["id"], second, bob["email"]).status_code == 200
    assert course_ids(api, user_id=bob["id"]) == [course["id"]]
    other = factory.course()
    (foreign,) = call(api, "get_course_otp", course_id=other["id"])
    assert _enroll_page(sandbox, course["id"], foreign, bob["email"]).status_code == 404


def test_remove_course_from_course_group_is_the_same_call_under_the_docs_second_url(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course = factory.course()
    group = factory.user_group(course_ids=str(course["id"]))
    response = api.get(
        "/remove_course_from_course_group",
        params={**KEYS, "user_group_id": group["id"], "course_id": course["id"]},
    )
    assert response.json() == {"message": "success"}
    assert call(api, "get_user_group", user_group_id=group["id"])["course_ids"] == []
    again = api.post(
        "/remove_course_from_course_group",
        data={**KEYS, "user_group_id": str(group["id"]), "course_id": str(course["id"])},
    )
    assert again.status_code == 404
    calls = call(api, "available_api_calls")
    assert {"remove_course_from_user_group", "remove_course_from_course_group", "get_course_otp"} <= set(
        calls
    )


def test_a_group_updates_only_what_is_sent_and_a_removed_member_leaves(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    user = factory.user()
    group = factory.user_group(name="Sales Team", user_ids=f" {user['id']} ")
    call(api, "update_user_group", user_group_id=group["id"], description="Everyone who sells")
    read = call(api, "get_user_group", user_group_id=group["id"])
    assert read == {**group, "description": "Everyone who sells"}
    call(api, "remove_user_from_user_group", user_email=user["email"], user_group_id=group["id"])
    assert call(api, "get_user_group", user_group_id=group["id"])["users"] == []
    assert call(api, "get_user_group_enrollments_for_user", user_id=user["id"]) == []


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("get_course", {}, 400),
        ("get_course", {"course_id": 999_999}, 404),
        ("get_course", {"course_id": "abc"}, 400),
        ("create_course", {}, 400),
        ("create_course", {"name": "   "}, 400),
        ("update_course", {"course_id": 999_999, "name": "x"}, 404),
        ("destroy_course", {}, 400),
        ("enroll_user_in_course", {"user_email": JOHN}, 400),
        ("enroll_user_in_course", {"course_id": 999_999, "user_email": JOHN}, 404),
        ("enroll_user_in_courses", {"user_email": JOHN, "course_ids": "1,x"}, 400),
        ("enroll_user_in_courses", {"user_email": JOHN, "course_ids": ""}, 400),
        ("enroll_user_in_courses", {"user_email": JOHN, "course_ids": [999_999]}, 404),
        ("enroll_user_in_courses", {"user_email": JOHN}, 400),
        ("get_user_course_status", {"course_id": 101}, 400),  # no user
        ("get_user_course_status", {"course_id": 999_999, "user_email": JOHN}, 404),
        ("get_course_otp", {"course_id": 999_999}, 404),
        ("get_user_courses", {}, 400),
        ("get_user_courses", {"user_email": "nobody@example.com"}, 404),
        ("mass_enroll", {}, 400),
        ("mass_enroll", {"user_emails": " , "}, 400),
        ("mass_enroll", {"user_emails": JOHN, "user_group_ids": "1;2"}, 400),
        ("get_user_group", {"user_group_id": 999_999}, 404),
        ("create_user_group", {"name": "X", "user_ids": "999999"}, 404),
        ("create_user_group", {"name": "X", "course_ids": "1,,2"}, 400),
        ("enroll_user_in_user_group", {"user_email": JOHN}, 400),
        ("remove_user_from_user_group", {"user_email": JOHN, "user_group_id": 999_999}, 404),
        ("remove_course_from_user_group", {"user_group_id": 999_999, "course_id": 1}, 404),
        ("remove_course_from_course_group", {}, 400),
    ],
)
def test_bad_input_is_a_4xx_in_the_error_body_never_a_500(
    api: httpx.Client, name: str, params: dict[str, Any], expected: int
) -> None:
    assert_bad_input_refused(api, name, params, expected)
