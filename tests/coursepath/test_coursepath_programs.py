"""Coursepath programs and create-and-add: members made straight into a course or a program."""

from __future__ import annotations

import httpx
import pytest

from mockserver import Sandbox
from mockserver.vendors.coursepath import LEARNER_EMAIL, model
from mockserver.vendors.coursepath.factory import CoursepathFactory

from .helpers import auth

PROGRAM = "sandbox-program"


def in_program(sandbox: Sandbox, program: str, member: str) -> bool:
    data = sandbox.store.vendor("coursepath")
    return f"{program}:{member}" in data.collection(model.PROGRAM_MEMBERS)


def test_a_member_is_added_to_a_program_once_and_removed(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    member = factory.member("grace@example.com")
    path = f"/programs/{PROGRAM}/members/{member['id']}/programmember"

    added = api.post(path, headers=auth())
    again = api.post(path, headers=auth())

    assert added.status_code == 201, added.text
    assert added.json()["programId"] == PROGRAM
    assert added.json()["memberId"] == member["id"]
    assert added.json()["role"] == "learner"
    assert again.status_code == 200
    assert again.json() == added.json()
    assert in_program(sandbox, PROGRAM, member["id"])
    removed = api.delete(path, headers=auth())
    assert removed.status_code == 204
    assert not in_program(sandbox, PROGRAM, member["id"])
    assert api.delete(path, headers=auth()).status_code == 404


def test_removing_from_one_program_leaves_the_others(
    api: httpx.Client, sandbox: Sandbox, factory: CoursepathFactory
) -> None:
    member, other = factory.member("grace@example.com"), factory.program("Second program")
    factory.program_member(PROGRAM, member["id"])
    factory.program_member(other["id"], member["id"])

    removed = api.delete(f"/programs/{PROGRAM}/members/{member['id']}/programmember", headers=auth())

    assert removed.status_code == 204
    assert not in_program(sandbox, PROGRAM, member["id"])
    assert in_program(sandbox, other["id"], member["id"])


def test_create_and_add_to_a_course_makes_the_member_a_learner_there(api: httpx.Client) -> None:
    course = api.get("/courses", headers=auth(), params={"limit": 1}).json()[0]

    made = api.post(
        f"/courses/{course['id']}/members", headers=auth(), json={"email": "ada.byron@example.com"}
    )

    assert made.status_code == 201, made.text
    member = made.json()
    assert member["name"] == "Ada Byron"
    assert api.get(f"/members/{member['id']}", headers=auth()).json() == member
    result = api.get(f"/courses/{course['id']}/members/{member['id']}/coursemember", headers=auth())
    assert result.status_code == 200
    assert result.json()["role"] == "learner"
    listed = api.get(f"/courses/{course['id']}/members", headers=auth(), params={"limit": 1000}).json()
    assert member["id"] in [m["id"] for m in listed]


def test_create_and_add_with_an_email_in_use_enrolls_that_member_unchanged(
    api: httpx.Client, factory: CoursepathFactory
) -> None:
    course = factory.course("Safety")
    learner = api.get("/members/me", headers=auth(LEARNER_EMAIL)).json()

    again = api.post(
        f"/courses/{course['id']}/members", headers=auth(), json={"email": LEARNER_EMAIL, "company": "X"}
    )

    assert again.status_code == 200, again.text
    assert again.json() == learner
    courses = api.get(f"/members/{learner['id']}/courses", headers=auth()).json()
    assert course["id"] in [c["id"] for c in courses]


def test_create_and_add_to_a_program_makes_the_member_a_learner_there(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    made = api.post(f"/programs/{PROGRAM}/members", headers=auth(), json={"email": "alan@example.com"})

    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Alan"
    assert in_program(sandbox, PROGRAM, made.json()["id"])
    assert (
        api.post(f"/programs/{PROGRAM}/members/{made.json()['id']}/programmember", headers=auth()).status_code
        == 200
    )


@pytest.mark.parametrize("path", ["/courses/nope/members", "/programs/nope/members"])
def test_create_and_add_to_an_unknown_course_or_program_is_404_and_makes_no_member(
    api: httpx.Client, path: str
) -> None:
    refused = api.post(path, headers=auth(), json={"email": "nobody.new@example.com"})

    assert refused.status_code == 404
    assert refused.json()["field"] in ("courseId", "programId")
    found = api.get("/members", headers=auth(), params={"email": "nobody.new@example.com"}).json()
    assert found == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/programs/nope/members/{member}/programmember", 404),
        ("POST", "/programs/sandbox-program/members/nope/programmember", 404),
        ("DELETE", "/programs/sandbox-program/members/{member}/programmember", 404),
    ],
)
def test_program_member_errors_are_404_in_coursepaths_error_body(
    api: httpx.Client, factory: CoursepathFactory, method: str, path: str, status: int
) -> None:
    member = factory.member("grace@example.com")

    response = api.request(method, path.format(member=member["id"]), headers=auth())

    assert response.status_code == status, response.text
    assert response.json()["status"] == status


def test_the_seed_puts_members_in_the_named_program(sandbox: Sandbox) -> None:
    data = sandbox.store.vendor("coursepath")
    assert data.collection(model.PROGRAMS)[PROGRAM]["name"] == "Sandbox Onboarding Program"
    assert len(data.collection(model.PROGRAMS)) == 3
    assert data.collection(model.PROGRAM_MEMBERS)
