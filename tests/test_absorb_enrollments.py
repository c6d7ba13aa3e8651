"""Absorb as served, step 2: courses with their chapters, lessons and sessions; enrollments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.absorb import LEARNER
from mockserver.vendors.absorb.factory import AbsorbFactory

from .conftest import reset_and_check
from .test_absorb import headers, login

BASE = "http://sandbox/absorb"
NOWHERE = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def app() -> Sandbox:
    return create_app(apis=("absorb",), validate_responses=True)


@pytest.fixture
def sandbox(app: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(app)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return headers(login(api))


@pytest.fixture
def factory(sandbox: Sandbox) -> AbsorbFactory:
    return AbsorbFactory(sandbox.store, sandbox.store.vendor("absorb"))


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# courses


def test_a_course_reads_back_with_its_chapters_lessons_and_sessions(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    online = factory.course("Forklift Safety", lessons=3)
    led = factory.course("Forklift Practice", sessions=2)
    got = _ok(api.get(f"/courses/{online['id']}", headers=admin))
    assert got == online
    assert [lesson["name"] for lesson in got["lessons"]] == ["Lesson 1", "Lesson 2", "Lesson 3"]
    assert {lesson["chapterId"] for lesson in got["lessons"]} == {got["chapters"][0]["id"]}
    assert got["courseType"] == "OnlineCourse"
    assert got["sessions"] == []
    ilc = _ok(api.get(f"/courses/{led['id'].upper()}", headers=admin))
    assert ilc["courseType"] == "InstructorLedCourse"
    assert len(ilc["sessions"]) == 2


def test_courses_page_sort_and_filter_like_users(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    factory.course("Aardvark Handling")
    every = _ok(api.get("/courses", headers=admin, params={"_limit": 1000}))
    names = [c["name"] for c in every["courses"]]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Aardvark Handling"
    assert every["totalItems"] == len(names) >= 7
    seen = []
    for index in range(0, len(names) // 3 + 1):
        page = _ok(api.get("/courses", headers=admin, params={"_limit": 3, "_offset": index}))
        seen += [c["name"] for c in page["courses"]]
    assert seen == names
    backwards = _ok(api.get("/courses", headers=admin, params={"_sort": "-name", "_limit": 1000}))
    assert [c["name"] for c in backwards["courses"]] == names[::-1]
    found = _ok(api.get("/courses", headers=admin, params={"_filter": "name eq 'aardvark handling'"}))
    assert [c["name"] for c in found["courses"]] == ["Aardvark Handling"]
    led = _ok(api.get("/courses", headers=admin, params={"_filter": "courseType eq 'InstructorLedCourse'"}))
    assert led["courses"]
    assert all(c["sessions"] and not c["lessons"] for c in led["courses"])
    assert "Aardvark Handling" not in {c["name"] for c in led["courses"]}


@pytest.mark.parametrize(
    ("params", "status"),
    [({"_sort": "shoeSize"}, 422), ({"_filter": "shoeSize eq 1"}, 422), ({"_limit": 1001}, 422)],
)
def test_a_course_list_absorb_cannot_answer_is_a_4xx(
    api: httpx.Client, admin: dict[str, str], params: dict[str, Any], status: int
) -> None:
    refused = api.get("/courses", headers=admin, params=params)
    assert refused.status_code == status, refused.text
    assert refused.json()["code"] == status


def test_an_unknown_course_is_a_404_and_a_learner_is_refused(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    missing = api.get(f"/courses/{NOWHERE}", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Course not found."
    assert api.get("/courses/not-a-guid", headers=admin).status_code == 404
    learner = headers(login(api, LEARNER))
    assert api.get("/courses", headers=learner).status_code == 403


def test_the_seeded_courses_are_before_the_anchor_and_the_same_for_a_seed(sandbox: Sandbox) -> None:
    first = sandbox.store.export("absorb")["collections"]["courses"]
    assert first
    assert all(c["dateAdded"] < "2025-09-01" for c in first.values())
    assert {c["courseType"] for c in first.values()} == {"OnlineCourse", "InstructorLedCourse"}
    sandbox.reset(0)
    assert sandbox.store.export("absorb")["collections"]["courses"] == first
