"""Seed 004's course and lesson enrollment fields: time spent, access date, course collection, avatar,
the lesson enrollment's names for its course and chapter enrollments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.vendors.absorb.factory import AbsorbFactory
from mockserver.vendors.absorb.model import time_spent

from .helpers import ok

# Seed 004's field lists (and response samples), in the seed's order.
COURSE_ENROLLMENT = (
    "id courseId courseName progress score status dateCompleted dateExpires dateEdited dateAdded fullName "
    "courseVersionId userId acceptedTermsAndConditions timeSpentTicks timeSpent dateStarted enrollmentKeyId "
    "certificateId credits isActive dateDue accessDate jobTitle courseCollectionId avatar"
)
LESSON_ENROLLMENT = (
    "id chapterEnrollmentId type attempts failures lastAttempt courseEnrollmentId chapterId lessonId name "
    "userId fullName status progress score timeSpent dateEnrolled dateStarted dateCompleted dateEdited "
    "dateAdded"
)


def _missing(names: str, record: dict[str, Any]) -> set[str]:
    """The fields of the seed's list ``names`` (space-separated) that ``record`` lacks."""
    return set(names.split()) - set(record)


@pytest.mark.parametrize(
    ("ticks", "written"),
    [
        (0, "00:00:00"),
        ((1 * 3600 + 2 * 60 + 3) * 10_000_000, "01:02:03"),
        (((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 10_000_000 + 5_000_000, "1.02:03:04.5000000"),
        (1, "00:00:00.0000001"),
    ],
)
def test_time_spent_is_written_as_dotnet_writes_a_timespan(ticks: int, written: str) -> None:
    assert time_spent(ticks) == written


def _course_enrollments(api: httpx.Client, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every course enrollment of the scenario, course by course (``params`` on each list)."""
    found: list[dict[str, Any]] = []
    for course in ok(api.get("/courses", headers=admin, params={"_limit": 1000}))["courses"]:
        listed = api.get(
            f"/courses/{course['id']}/enrollments", headers=admin, params={"_limit": 1000, **params}
        )
        found += ok(listed)["enrollments"]
    return found


def test_seeded_course_enrollments_carry_every_field_of_seed_004(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    found = _course_enrollments(api, admin)
    assert found
    for enrollment in found:
        assert not _missing(COURSE_ENROLLMENT, enrollment)
        assert enrollment["timeSpent"] == time_spent(enrollment["timeSpentTicks"])
    # Seeded as real tenants hold them: some set, some null.
    for field in ("accessDate", "courseCollectionId", "avatar"):
        values = [e[field] for e in found]
        assert any(v is not None for v in values), field
        assert any(v is None for v in values), field
    # The named enrollment's finished attempts count as time spent.
    assert any(e["timeSpentTicks"] > 0 for e in found)


def test_finishing_an_attempt_adds_its_time_to_the_lesson_and_the_course_enrollment(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory, sandbox: Sandbox
) -> None:
    user = factory.user()
    course = factory.course(lessons=2)
    lesson, other = (lesson["id"] for lesson in course["lessons"])
    factory.enrollment(user["id"], course["id"])
    base = f"/users/{user['id']}/enrollments/{course['id']}"
    sandbox.clock.freeze()
    attempt = ok(api.post(f"{base}/lessons/{lesson}/attempts", headers=admin), 201)["attemptId"]
    sandbox.clock.advance(hours=1, minutes=2, seconds=3)
    ok(api.put(f"/attempts/{attempt}", headers=admin, json={"status": 5, "score": 10}))
    retry = ok(api.post(f"{base}/lessons/{lesson}/attempts", headers=admin), 201)["attemptId"]
    sandbox.clock.advance(hours=2)
    ok(api.put(f"/attempts/{retry}", headers=admin, json={"status": 3, "score": 90}))

    read = ok(api.get(f"{base}/lessons/{lesson}", headers=admin))
    assert (read["timeSpent"], read["failures"], read["attempts"]) == ("03:02:03", 1, 2)
    assert ok(api.get(f"{base}/lessons/{other}", headers=admin))["timeSpent"] == "00:00:00"
    enrollment = ok(api.get(base, headers=admin))
    assert enrollment["timeSpentTicks"] == (3 * 3600 + 2 * 60 + 3) * 10_000_000
    assert enrollment["timeSpent"] == "03:02:03"
    # A write of the settable fields keeps them.
    ok(
        api.post(
            f"/users/{user['id']}/enrollments", headers=admin, json={"courseId": course["id"], "score": 7}
        )
    )
    kept = ok(api.get(f"/enrollments/{enrollment['id']}", headers=admin))
    assert (kept["score"], kept["timeSpent"], kept["timeSpentTicks"]) == (
        7,
        "03:02:03",
        enrollment["timeSpentTicks"],
    )


def test_course_enrollments_filter_and_sort_on_the_new_fields(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    every = _course_enrollments(api, admin)
    bundled = _course_enrollments(api, admin, _filter="courseCollectionId ne null")
    assert {e["id"] for e in bundled} == {e["id"] for e in every if e["courseCollectionId"] is not None}
    one = bundled[0]["courseCollectionId"]
    assert [
        e["courseCollectionId"]
        for e in _course_enrollments(api, admin, _filter=f"courseCollectionId eq {one}")
    ] == [one]
    gated = _course_enrollments(api, admin, _filter="accessDate ge datetime'2000-01-01T00:00:00Z'")
    assert {e["id"] for e in gated} == {e["id"] for e in every if e["accessDate"] is not None}
    spent = _course_enrollments(api, admin, _filter="timeSpentTicks gt 0")
    assert {e["id"] for e in spent} == {e["id"] for e in every if e["timeSpentTicks"] > 0}
    for course_id in {e["courseId"] for e in every}:
        listed = api.get(
            f"/courses/{course_id}/enrollments", headers=admin, params={"_sort": "-timeSpentTicks,accessDate"}
        )
        ticks = [e["timeSpentTicks"] for e in ok(listed)["enrollments"]]
        assert ticks == sorted(ticks, reverse=True)
    refused = api.get(
        f"/courses/{every[0]['courseId']}/enrollments", headers=admin, params={"_filter": "avatar eq null"}
    )
    assert refused.status_code == 422


def test_lesson_enrollments_name_their_course_and_chapter_enrollments_as_seed_004(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, stranger = factory.user(), factory.user()
    course = factory.course(lessons=2)
    enrollment = factory.enrollment(user["id"], course["id"])
    factory.enrollment(stranger["id"], course["id"])
    base = f"/users/{user['id']}/enrollments/{course['id']}"
    (chapter,) = ok(api.get(f"{base}/chapters", headers=admin))
    lessons = ok(api.get(f"{base}/lessons", headers=admin))
    assert len(lessons) == 2
    for lesson in lessons:
        assert not _missing(LESSON_ENROLLMENT, lesson)
        assert "enrollmentId" not in lesson
        assert lesson["courseEnrollmentId"] == enrollment["id"]
        assert lesson["chapterEnrollmentId"] == chapter["id"]
        assert (lesson["type"], lesson["failures"], lesson["timeSpent"]) == ("ObjectLesson", 0, "00:00:00")
        assert lesson["dateEnrolled"] == lesson["dateEdited"] == enrollment["dateAdded"]
    lesson_id = lessons[0]["lessonId"]
    mine = api.get(
        f"/courses/{course['id']}/lessons/{lesson_id}/enrollments",
        headers=admin,
        params={"_filter": f"courseEnrollmentId eq guid'{enrollment['id']}'"},
    )
    assert [e["userId"] for e in ok(mine)["lessonEnrollments"]] == [user["id"]]
    renamed = api.get(
        f"/courses/{course['id']}/lessons/{lesson_id}/enrollments",
        headers=admin,
        params={"_filter": f"enrollmentId eq guid'{enrollment['id']}'"},
    )
    assert renamed.status_code == 422
