"""Absorb as served, step 3: ILC session enrollments (``cancelSession``), chapter enrollments, a lesson's
enrollments, the bulk enrollment list and the create-or-update enrollment body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.vendors.absorb.factory import AbsorbFactory

from .helpers import NOWHERE, ok

# ILC session enrollments


def _session_enrollments(
    factory: AbsorbFactory, course: str, *, sessions: int
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A new user, a new ILC with ``sessions`` sessions, and the path of the user's session enrollments."""
    user = factory.user()
    ilc = factory.course(course, sessions=sessions)
    return user, ilc, f"/users/{user['id']}/enrollments/{ilc['id']}/sessions"


def test_enrolling_in_a_session_enrolls_in_the_ilc_and_reads_back(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, ilc, path = _session_enrollments(factory, "Crane Operation", sessions=2)
    first = ilc["sessions"][0]["id"]
    made = ok(api.post(f"{path}/{first}", headers=admin), 201)
    assert (made["userId"], made["courseId"], made["sessionId"]) == (user["id"], ilc["id"], first)
    enrollment = ok(api.get(f"/users/{user['id']}/enrollments/{ilc['id']}", headers=admin))
    assert enrollment["id"] == made["enrollmentId"]
    held = ok(api.get(f"{path}/{first}", headers=admin))
    assert (held["id"], held["courseEnrollmentId"], held["status"]) == (
        made["sessionEnrollmentId"],
        enrollment["id"],
        0,
    )
    assert held["name"] == ilc["sessions"][0]["name"]
    assert ok(api.get(path, headers=admin)) == [held]
    again = ok(api.post(f"{path}/{first}", headers=admin), 200)
    assert again == made
    assert ok(api.get(path, headers=admin, params={"status": 3})) == []


def test_cancel_session_moves_the_user_to_another_session_only_when_asked(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, ilc, path = _session_enrollments(factory, "Crane Rigging", sessions=2)
    first, second = (s["id"] for s in ilc["sessions"])
    made = ok(api.post(f"{path}/{first}", headers=admin), 201)
    refused = api.post(f"{path}/{second}", headers=admin)
    assert refused.status_code == 422
    assert refused.json()["validations"][0].startswith("sessionId: ")
    assert [s["sessionId"] for s in ok(api.get(path, headers=admin))] == [first]
    moved = ok(api.post(f"{path}/{second}", headers=admin, params={"cancelSession": "true"}), 201)
    assert moved["enrollmentId"] == made["enrollmentId"]
    assert moved["sessionEnrollmentId"] != made["sessionEnrollmentId"]
    assert [s["sessionId"] for s in ok(api.get(path, headers=admin))] == [second]
    assert api.get(f"{path}/{first}", headers=admin).status_code == 404
    by_session = f"/courses/{ilc['id']}/sessions"
    assert ok(api.get(f"{by_session}/{first}/enrollments", headers=admin))["totalItems"] == 0
    page = ok(api.get(f"{by_session}/{second}/enrollments", headers=admin))
    assert [e["userId"] for e in page["enrollments"]] == [user["id"]]


def test_re_enrolling_in_a_session_keeps_the_previous_one_as_history(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    _, ilc, sessions = _session_enrollments(factory, "Crane Safety", sessions=1)
    session = ilc["sessions"][0]["id"]
    path = f"{sessions}/{session}"
    made = ok(api.post(path, headers=admin), 201)
    again = ok(api.post(path, headers=admin, params={"reEnroll": "true"}), 201)
    assert again["enrollmentId"] != made["enrollmentId"]
    assert ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin))["isActive"] is False
    listed = ok(api.get(f"/courses/{ilc['id']}/sessions/{session}/enrollments", headers=admin))
    assert {e["courseEnrollmentId"] for e in listed["enrollments"]} == {
        made["enrollmentId"],
        again["enrollmentId"],
    }
    assert api.post("/enrollments/unenroll", headers=admin, json=[again["enrollmentId"]]).status_code == 204
    listed = ok(api.get(f"/courses/{ilc['id']}/sessions/{session}/enrollments", headers=admin))
    assert [e["courseEnrollmentId"] for e in listed["enrollments"]] == [made["enrollmentId"]]


@pytest.mark.parametrize(
    ("which", "status"),
    [("online", 422), ("other-session", 404), ("no-course", 404), ("no-user", 404)],
)
def test_a_session_enrollment_that_cannot_be_is_refused_and_changes_nothing(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory, which: str, status: int
) -> None:
    user = factory.user()
    ilc = factory.course("Crane Theory", sessions=1)
    other = factory.course("Crane History", sessions=1)
    online = factory.course("Crane Maths", lessons=1)
    user_id, course_id, session_id = user["id"], ilc["id"], ilc["sessions"][0]["id"]
    if which == "online":
        course_id = online["id"]
    elif which == "other-session":
        session_id = other["sessions"][0]["id"]
    elif which == "no-course":
        course_id = NOWHERE
    else:
        user_id = NOWHERE
    refused = api.post(f"/users/{user_id}/enrollments/{course_id}/sessions/{session_id}", headers=admin)
    assert refused.status_code == status, refused.text
    assert ok(api.get(f"/users/{user['id']}/enrollments", headers=admin))["totalItems"] == 0


# chapter enrollments


def test_chapter_enrollments_sum_up_their_lessons(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    course = factory.course("Boat Handling", lessons=2)
    factory.enrollment(user["id"], course["id"])
    base = f"/users/{user['id']}/enrollments/{course['id']}"
    (chapter,) = ok(api.get(f"{base}/chapters", headers=admin))
    assert (chapter["status"], chapter["progress"], chapter["name"]) == (0, 0, "Chapter 1")
    lessons = ok(api.get(f"{base}/lessons", headers=admin))
    assert chapter["lessonEnrollmentIds"] == [lesson["id"] for lesson in lessons]
    first = course["lessons"][0]["id"]
    attempt = ok(api.post(f"{base}/lessons/{first}/attempts", headers=admin), 201)
    ok(api.put(f"/attempts/{attempt['attemptId']}", headers=admin, json={"status": 3, "score": 80}))
    half = ok(api.get(f"{base}/chapters/{chapter['chapterId']}", headers=admin))
    assert (half["id"], half["status"], half["progress"], half["score"]) == (chapter["id"], 1, 50.0, 80.0)
    assert ok(api.get(f"{base}/chapters", headers=admin, params={"status": 0})) == []
    in_chapter = ok(api.get(f"{base}/chapters/{chapter['chapterId']}/lessons", headers=admin))
    assert [lesson["lessonId"] for lesson in in_chapter] == [lesson["id"] for lesson in course["lessons"]]
    one = ok(api.get(f"{base}/chapters/{chapter['chapterId']}/lessons/{first}", headers=admin))
    assert (one["status"], one["score"]) == (3, 80)
    assert api.get(f"{base}/chapters/{NOWHERE}", headers=admin).status_code == 404
    assert api.get(f"{base}/chapters/{NOWHERE}/lessons/{first}", headers=admin).status_code == 404


# a lesson's enrollments, bulk, create-or-update


def test_a_lessons_enrollments_page_with_every_users_enrollment(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    course = factory.course("Knots", lessons=2)
    users = [factory.user(firstName=name, lastName="Sailor") for name in ("Ann", "Bob", "Cat")]
    for user in users:
        factory.enrollment(user["id"], course["id"])
    lesson = course["lessons"][1]["id"]
    path = f"/courses/{course['id']}/lessons/{lesson}/enrollments"
    page = ok(api.get(path, headers=admin, params={"_limit": 2, "_sort": "fullName"}))
    assert (page["totalItems"], page["returnedItems"]) == (3, 2)
    assert [e["fullName"] for e in page["lessonEnrollments"]] == ["Ann Sailor", "Bob Sailor"]
    assert {e["lessonId"] for e in page["lessonEnrollments"]} == {lesson}
    found = ok(api.get(path, headers=admin, params={"_filter": "startswith(fullName, 'c')"}))
    assert [e["userId"] for e in found["lessonEnrollments"]] == [users[2]["id"]]
    assert api.get(f"/courses/{course['id']}/lessons/{NOWHERE}/enrollments", headers=admin).status_code == 404


def test_bulk_lists_the_named_users_enrollments_in_the_named_courses(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    a, b, c = (factory.user() for _ in range(3))
    one, two = factory.course(lessons=1), factory.course(lessons=1)
    for user in (a, b, c):
        for course in (one, two):
            factory.enrollment(user["id"], course["id"])
    found = ok(
        api.get(
            "/bulk/student-courses",
            headers=admin,
            params=[
                ("userIds", a["id"]),
                ("userIds", b["id"]),
                ("userIds", NOWHERE),
                ("courseIds", two["id"]),
            ],
        )
    )
    assert sorted(e["userId"] for e in found) == sorted([a["id"], b["id"]])
    assert {e["courseId"] for e in found} == {two["id"]}
    assert len(ok(api.get("/bulk/student-courses", headers=admin, params={"userIds": c["id"]}))) == 2


def test_bulk_refuses_an_id_that_is_not_a_guid_naming_it(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    factory.enrollment(user["id"], factory.course(lessons=1)["id"])
    for name in ("userIds", "courseIds"):
        sent = [("userIds", user["id"]), (name, "not-a-guid")]
        refused = api.get("/bulk/student-courses", headers=admin, params=sent)
        assert refused.status_code == 400, refused.text
        index = 1 if name == "userIds" else 0
        assert refused.json()["validations"] == [
            f"{name}[{index}]: The value 'not-a-guid' is not a valid GUID."
        ]
    undashed = api.get(
        "/bulk/student-courses", headers=admin, params={"userIds": user["id"].replace("-", "")}
    )
    assert undashed.status_code == 400
    upper = ok(api.get("/bulk/student-courses", headers=admin, params={"userIds": user["id"].upper()}))
    assert [e["userId"] for e in upper] == [user["id"]]


def test_create_or_update_enrollment_sets_only_the_settable_properties(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    course = factory.course(lessons=1)
    path = f"/users/{user['id']}/enrollments"
    made = ok(api.post(path, headers=admin, json={"courseId": course["id"], "progress": 99, "fullName": "X"}))
    assert (made["userId"], made["courseId"]) == (user["id"], course["id"])
    read = ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin))
    assert (read["status"], read["progress"], read["fullName"]) == (
        0,
        0,
        f"{user['firstName']} {user['lastName']}",
    )
    body = {"courseId": course["id"], "status": 3, "score": 88, "acceptedTermsAndConditions": True}
    updated = ok(api.post(path, headers=admin, json=body))
    assert updated["enrollmentId"] == made["enrollmentId"]
    read = ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin))
    assert (read["status"], read["score"], read["acceptedTermsAndConditions"]) == (3, 88, True)
    assert read["dateCompleted"] is not None
    refused = api.post(
        path, headers=admin, json={"courseId": course["id"], "score": 1, "dateExpires": "soon"}
    )
    assert refused.status_code == 422
    assert ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin)) == read
    again = ok(api.post(path, headers=admin, params={"reEnroll": "true"}, json={"courseId": course["id"]}))
    assert again["enrollmentId"] != made["enrollmentId"]
    assert ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin))["isActive"] is False


@pytest.mark.parametrize("field", ["certificateId", "enrollmentKeyId", "id", "courseId"])
def test_create_or_update_enrollment_refuses_a_guid_field_that_is_no_guid(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory, field: str
) -> None:
    user = factory.user()
    course = factory.course(lessons=1)
    path = f"/users/{user['id']}/enrollments"
    refused = api.post(path, headers=admin, json={"courseId": course["id"], field: "AAA"})
    assert refused.status_code == 400, refused.text
    assert "not a valid GUID" in refused.json()["message"]
    assert ok(api.get(path, headers=admin))["totalItems"] == 0


def test_the_notes_alternative_methods_work_as_the_served_ones(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = factory.user()
    course = factory.course(lessons=1)
    made = ok(
        api.put(
            f"/users/{user['id']}/enrollments", headers=admin, json={"courseId": course["id"], "score": 5}
        )
    )
    assert ok(api.get(f"/enrollments/{made['enrollmentId']}", headers=admin))["score"] == 5
    lesson = course["lessons"][0]["id"]
    base = f"/users/{user['id']}/enrollments/{course['id']}/lessons/{lesson}/attempts"
    attempt = ok(api.post(base, headers=admin), 201)["attemptId"]
    finished = ok(api.post(f"{base}/{attempt}", headers=admin, json={"status": 3, "score": 70}))
    assert (finished["id"], finished["status"]) == (attempt, 3)
    assert ok(api.get(f"/users/{user['id']}/enrollments/{course['id']}", headers=admin))["status"] == 3
