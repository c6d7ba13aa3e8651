"""Absorb as served, step 2: courses with their chapters, lessons and sessions; enrollments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from mockserver import Sandbox
from mockserver.errors import FixtureError
from mockserver.resources import fixture_path, spec_path
from mockserver.scenarios import load_scenario
from mockserver.store import VendorData
from mockserver.vendors.absorb import LEARNER
from mockserver.vendors.absorb.factory import AbsorbFactory
from mockserver.vendors.absorb.seed import seed

from .helpers import ILC_COURSE, NOWHERE, ONLINE_COURSE, headers, login, ok

# The default scenario's named records (fixtures/absorb/default.yaml), as specs/absorb.yaml's examples
# name them.
LEARNER_ID = "0b4a7c2e-3f1d-4c5b-8e9a-6d7f1a2b3c4d"
CHAPTER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
LESSON = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b"
ENROLLMENT = "8f0e2d4c-6b1a-4c3e-9d5f-7a9b1c3d5e7f"
LESSON_ENROLLMENT = "4e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b"
FINISHED_ATTEMPT = "6c5b4a3f-2e1d-4c0b-9a8f-7e6d5c4b3a29"
SESSION = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
SESSION_ENROLLMENT = "7b6a5f4e-3d2c-4b1a-9f8e-7d6c5b4a3f2e"
TO_UNENROLL = "d0c1b2a3-9e8f-4d7c-8b6a-5f4e3d2c1b0a"

# courses


def test_a_course_reads_back_with_its_chapters_lessons_and_sessions(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    online = factory.course("Forklift Safety", lessons=3)
    led = factory.course("Forklift Practice", sessions=2)
    got = ok(api.get(f"/courses/{online['id']}", headers=admin))
    assert got == online
    assert [lesson["name"] for lesson in got["lessons"]] == ["Lesson 1", "Lesson 2", "Lesson 3"]
    assert {lesson["chapterId"] for lesson in got["lessons"]} == {got["chapters"][0]["id"]}
    assert got["courseType"] == "OnlineCourse"
    assert got["sessions"] == []
    ilc = ok(api.get(f"/courses/{led['id'].upper()}", headers=admin))
    assert ilc["courseType"] == "InstructorLedCourse"
    assert len(ilc["sessions"]) == 2


def test_courses_page_sort_and_filter_like_users(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    factory.course("Aardvark Handling")
    every = ok(api.get("/courses", headers=admin, params={"_limit": 1000}))
    names = [c["name"] for c in every["courses"]]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Aardvark Handling"
    assert every["totalItems"] == len(names) >= 7
    seen = []
    for index in range(0, len(names) // 3 + 1):
        page = ok(api.get("/courses", headers=admin, params={"_limit": 3, "_offset": index}))
        seen += [c["name"] for c in page["courses"]]
    assert seen == names
    backwards = ok(api.get("/courses", headers=admin, params={"_sort": "-name", "_limit": 1000}))
    assert [c["name"] for c in backwards["courses"]] == names[::-1]
    found = ok(api.get("/courses", headers=admin, params={"_filter": "name eq 'aardvark handling'"}))
    assert [c["name"] for c in found["courses"]] == ["Aardvark Handling"]
    led = ok(api.get("/courses", headers=admin, params={"_filter": "courseType eq 'InstructorLedCourse'"}))
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


# enrollments


def _user_and_course(factory: AbsorbFactory) -> tuple[str, str]:
    return str(factory.user()["id"]), str(factory.course()["id"])


def test_an_enrollment_reads_back_by_id_by_user_and_course_and_in_both_lists(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, course = _user_and_course(factory)
    answered = ok(api.post(f"/users/{user}/enrollments/{course}", headers=admin), 201)
    # The create answer names the enrollment as the seed's sample does, besides the enrollment's own fields.
    made = {k: v for k, v in answered.items() if k != "enrollmentId"}
    assert answered["enrollmentId"] == made["id"]
    assert made["status"] == 0
    assert made["isActive"] is True
    assert (made["userId"], made["courseId"]) == (user, course)
    assert ok(api.get(f"/enrollments/{made['id']}", headers=admin)) == made
    assert ok(api.get(f"/users/{user}/enrollments/{course}", headers=admin)) == made
    assert ok(api.get(f"/users/{user}/enrollments", headers=admin))["enrollments"] == [made]
    listed = ok(api.get(f"/courses/{course}/enrollments", headers=admin))
    assert listed["enrollments"] == [made]
    again = api.post(f"/users/{user}/enrollments/{course}", headers=admin)
    assert again.status_code == 200
    assert again.json() == answered


def test_re_enrolling_starts_a_new_active_enrollment_and_keeps_the_history(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, course = _user_and_course(factory)
    first = factory.enrollment(user, course)
    second = ok(api.post(f"/users/{user}/enrollments/{course}?reEnroll=true", headers=admin), 201)
    assert second["id"] != first["id"]
    assert second["isActive"] is True
    assert ok(api.get(f"/enrollments/{first['id']}", headers=admin))["isActive"] is False
    assert ok(api.get(f"/users/{user}/enrollments/{course}", headers=admin))["id"] == second["id"]
    every = ok(api.get(f"/users/{user}/enrollments", headers=admin))
    assert {e["id"] for e in every["enrollments"]} == {first["id"], second["id"]}
    current = ok(api.get(f"/users/{user}/enrollments", headers=admin, params={"_filter": "isActive eq true"}))
    assert [e["id"] for e in current["enrollments"]] == [second["id"]]


def test_un_enrolling_removes_the_enrollments_named_all_or_none(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, course = _user_and_course(factory)
    other = str(factory.course()["id"])
    gone = factory.enrollment(user, course)
    kept = factory.enrollment(user, other)
    refused = api.post("/enrollments/unenroll", headers=admin, json=[gone["id"], NOWHERE])
    assert refused.status_code == 404
    assert refused.json()["validations"] == ["[1]: Enrollment not found."]
    assert ok(api.get(f"/enrollments/{gone['id']}", headers=admin)) == gone
    done = api.post("/enrollments/unenroll", headers=admin, json=[gone["id"]])
    assert done.status_code == 204
    assert api.get(f"/enrollments/{gone['id']}", headers=admin).status_code == 404
    missing = api.get(f"/users/{user}/enrollments/{course}", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["message"] == "Enrollment not found."
    assert ok(api.get(f"/users/{user}/enrollments", headers=admin))["enrollments"] == [kept]


def test_enrollment_filters_and_status_leave_out_what_does_not_match(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    course = str(factory.course()["id"])
    users = [str(factory.user()["id"]) for _ in range(3)]
    made = [factory.enrollment(u, course) for u in users]
    chosen = ok(
        api.get(f"/courses/{course}/enrollments", headers=admin, params={"_filter": f"userId eq {users[1]}"})
    )
    assert [e["id"] for e in chosen["enrollments"]] == [made[1]["id"]]
    others = ok(
        api.get(f"/courses/{course}/enrollments", headers=admin, params={"_filter": f"userId ne {users[1]}"})
    )
    assert {e["id"] for e in others["enrollments"]} == {made[0]["id"], made[2]["id"]}
    complete = ok(api.get(f"/courses/{course}/enrollments", headers=admin, params={"status": 3}))
    assert complete["enrollments"] == []
    paged = ok(api.get(f"/courses/{course}/enrollments", headers=admin, params={"_limit": 2, "_offset": 1}))
    assert paged["totalItems"] == 3
    assert paged["returnedItems"] == 1


def test_my_enrollments_act_as_the_tokens_user(api: httpx.Client, factory: AbsorbFactory) -> None:
    learner = headers(login(api, LEARNER))
    mine = ok(api.get("/my-enrollments", headers=learner, params={"_limit": 1000}))
    # Two generated courses and the scenario's two named ones.
    assert mine["totalItems"] == 4
    me = {e["userId"] for e in mine["enrollments"]}
    assert len(me) == 1
    course = str(factory.course()["id"])
    assert api.get(f"/my-enrollments/{course}", headers=learner).status_code == 404
    made = ok(api.post(f"/enroll/{course}", headers=learner), 201)
    assert made["userId"] in me
    assert made["enrollmentId"] == made["id"]
    assert ok(api.get(f"/my-enrollments/{course}", headers=learner)) == {
        k: v for k, v in made.items() if k != "enrollmentId"
    }
    alternative = api.post(f"/my-enrollments/{course}", headers=learner)
    assert alternative.status_code == 200
    assert alternative.json() == made
    assert ok(api.get("/my-enrollments", headers=learner))["totalItems"] == 5
    assert api.get(f"/users/{made['userId']}/enrollments", headers=learner).status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", f"/users/{NOWHERE}/enrollments/{{course}}", None, 404),
        ("POST", f"/users/{{user}}/enrollments/{NOWHERE}", None, 404),
        ("GET", f"/users/{NOWHERE}/enrollments", None, 404),
        ("GET", f"/courses/{NOWHERE}/enrollments", None, 404),
        ("GET", "/users/{user}/enrollments?_sort=shoeSize", None, 422),
        ("GET", "/users/{user}/enrollments?_filter=shoeSize eq 1", None, 422),
        ("GET", "/users/{user}/enrollments?status=13", None, 400),
        ("POST", "/users/{user}/enrollments/{course}?reEnroll=maybe", None, 400),
        ("POST", "/enrollments/unenroll", [], 400),
        ("POST", "/enrollments/unenroll", ["not-a-guid"], 404),
        ("POST", "/enrollments/unenroll", {"id": NOWHERE}, 400),
        # lesson enrollments and attempts
        ("GET", "/users/{user}/enrollments/{course}/lessons", None, 404),
        ("POST", f"/users/{{user}}/enrollments/{{course}}/lessons/{NOWHERE}/attempts", None, 404),
        ("PUT", f"/attempts/{NOWHERE}", {"status": 3}, 404),
        ("PUT", f"/attempts/{NOWHERE}", {"status": 2}, 400),
        ("PUT", f"/attempts/{NOWHERE}", {"score": 3}, 400),
        ("PUT", f"/attempts/{NOWHERE}", {"status": 3, "shoeSize": 1}, 400),
    ],
)
def test_bad_enrollment_or_attempt_input_is_a_4xx_in_absorbs_error_body(
    api: httpx.Client,
    admin: dict[str, str],
    factory: AbsorbFactory,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    user, course = _user_and_course(factory)
    response = api.request(method, path.format(user=user, course=course), headers=admin, json=body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == status


# lesson enrollments and attempts


def test_finishing_attempts_moves_lesson_and_course_progress_to_complete(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user = str(factory.user()["id"])
    course = factory.course(lessons=2)
    base = f"/users/{user}/enrollments/{course['id']}"
    enrollment = ok(api.post(base, headers=admin), 201)
    listed = ok(api.get(f"{base}/lessons", headers=admin))
    assert [(le["lessonId"], le["status"]) for le in listed] == [(le["id"], 0) for le in course["lessons"]]
    first, second = (le["id"] for le in course["lessons"])
    started = ok(api.post(f"{base}/lessons/{first}/attempts", headers=admin), 201)
    assert started["userId"] == user
    assert ok(api.get(f"{base}/lessons/{first}", headers=admin))["status"] == 1
    assert ok(api.get(base, headers=admin))["status"] == 1
    failed = ok(api.put(f"/attempts/{started['attemptId']}", headers=admin, json={"status": 5, "score": 40}))
    assert failed["status"] == 5
    assert failed["completionDate"] is not None
    again = api.put(f"/attempts/{started['attemptId']}", headers=admin, json={"status": 3})
    assert again.status_code == 422
    retry = ok(api.post(f"{base}/lessons/{first}/attempts", headers=admin), 201)
    ok(api.put(f"/attempts/{retry['attemptId']}", headers=admin, json={"status": 3, "score": 80}))
    half = ok(api.get(base, headers=admin))
    assert (half["status"], half["progress"], half["score"]) == (1, 50.0, 80.0)
    lesson = ok(api.get(f"{base}/lessons/{first}", headers=admin))
    assert (lesson["status"], lesson["progress"], lesson["attempts"]) == (3, 100.0, 2)
    assert [a["status"] for a in ok(api.get(f"{base}/lessons/{first}/attempts", headers=admin))] == [5, 3]
    last = ok(api.post(f"{base}/lessons/{second}/attempts", headers=admin), 201)
    # The alternative method of the notes finishes an attempt too.
    ok(api.post(f"/attempts/{last['attemptId']}", headers=admin, json={"status": 3, "score": 100}))
    done = ok(api.get(f"/enrollments/{enrollment['id']}", headers=admin))
    assert (done["status"], done["progress"], done["score"]) == (3, 100.0, 90.0)
    assert done["dateCompleted"] is not None


def test_a_users_lesson_attempt_is_finished_only_on_its_own_path(
    api: httpx.Client, admin: dict[str, str], factory: AbsorbFactory
) -> None:
    user, other = str(factory.user()["id"]), str(factory.user()["id"])
    course = factory.course(lessons=1)
    lesson = course["lessons"][0]["id"]
    factory.enrollment(user, course["id"])
    base = f"/users/{user}/enrollments/{course['id']}/lessons/{lesson}/attempts"
    attempt = ok(api.post(base, headers=admin), 201)["attemptId"]
    wrong = f"/users/{other}/enrollments/{course['id']}/lessons/{lesson}/attempts/{attempt}"
    assert api.put(wrong, headers=admin, json={"status": 3}).status_code == 404
    finished = ok(api.put(f"{base}/{attempt}", headers=admin, json={"status": 3, "score": 70}))
    assert finished["score"] == 70
    assert finished["attemptId"] == finished["id"] == attempt
    assert ok(api.get(f"/users/{user}/enrollments/{course['id']}", headers=admin))["status"] == 3


# the default scenario's named courses and enrollments


def _default_scenario() -> dict[str, Any]:
    return load_scenario(fixture_path("absorb/default.yaml"))


def _seeded(scenario: dict[str, Any], number: int) -> dict[str, dict[str, Any]]:
    data = VendorData("absorb", number)
    seed(data, scenario)
    return {name: dict(records) for name, records in data.collections.items()}


@pytest.mark.parametrize("number", [0, 1, 2])
def test_the_named_courses_and_enrollments_keep_the_spec_examples_ids_at_any_seed(
    api: httpx.Client, sandbox: Sandbox, number: int
) -> None:
    sandbox.reset(number)
    admin = headers(login(api))
    course = ok(api.get(f"/courses/{ONLINE_COURSE}", headers=admin))
    assert [(c["id"], c["name"]) for c in course["chapters"]] == [(CHAPTER, "Chapter 1")]
    assert [lesson["id"] for lesson in course["lessons"]] == [LESSON]
    assert ok(api.get(f"/enrollments/{ENROLLMENT}", headers=admin))["courseId"] == ONLINE_COURSE
    mine = f"/users/{LEARNER_ID}/enrollments/{ONLINE_COURSE}"
    assert (
        ok(api.get(f"{mine}/chapters/{CHAPTER}/lessons/{LESSON}", headers=admin))["id"] == LESSON_ENROLLMENT
    )
    attempts = {a["id"]: a["status"] for a in ok(api.get(f"{mine}/lessons/{LESSON}/attempts", headers=admin))}
    assert attempts == {FINISHED_ATTEMPT: 3, **{rid: 1 for rid in _attempts_to_finish()}}
    held = ok(api.get(f"/users/{LEARNER_ID}/enrollments/{ILC_COURSE}/sessions/{SESSION}", headers=admin))
    assert held["id"] == SESSION_ENROLLMENT
    session = ok(api.get(f"/courses/{ILC_COURSE}/sessions/{SESSION}/enrollments", headers=admin))
    assert [e["id"] for e in session["enrollments"]] == [SESSION_ENROLLMENT]
    assert ok(api.get(f"/enrollments/{TO_UNENROLL}", headers=admin))["courseId"] == ILC_COURSE


def test_the_named_records_are_dated_before_the_anchor_and_finished_through_the_rules(
    sandbox: Sandbox,
) -> None:
    data = sandbox.store.vendor("absorb")
    enrollment = data.collection("enrollments")[ENROLLMENT]
    # The finished attempt completes the course's one lesson, so the enrollment rolls up to Complete.
    assert (enrollment["status"], enrollment["progress"], enrollment["score"]) == (3, 100.0, 92.5)
    named = [
        enrollment,
        data.collection("attempts")[FINISHED_ATTEMPT],
        data.collection("courses")[ILC_COURSE],
    ]
    stamps = [str(r[k]) for r in named for k in ("dateAdded", "dateCompleted", "completionDate") if r.get(k)]
    assert len(stamps) == 4
    assert all(s < "2025-09-01" for s in stamps)


def test_the_named_records_shift_none_of_the_generated_ones() -> None:
    scenario = _default_scenario()
    bare = {
        **scenario,
        "records": {k: v for k, v in scenario["records"].items() if k in ("departments", "users")},
    }
    for number in (0, 1):
        with_named, without = _seeded(scenario, number), _seeded(bare, number)
        for name, records in without.items():
            assert {rid: with_named[name][rid] for rid in records} == records, name


def test_each_operation_that_finishes_an_attempt_has_an_example_of_its_own_in_progress() -> None:
    named = _attempts_to_finish()
    assert len(set(named)) == 4
    attempts = _seeded(_default_scenario(), 0)["attempts"]
    assert all(attempts[rid]["status"] == 1 for rid in named)


def test_an_enrollment_naming_no_course_is_refused_with_its_id() -> None:
    learner = {"id": LEARNER_ID, "username": "lee", "firstName": "Lee", "lastName": "Learner"}
    scenario = {
        "api": "absorb",
        "records": {
            "users": [learner],
            "enrollments": [{"id": ENROLLMENT, "userId": LEARNER_ID, "courseId": NOWHERE}],
        },
    }
    with pytest.raises(FixtureError, match=f"enrollment {ENROLLMENT}: Course not found"):
        seed(VendorData("absorb", 0), scenario)


def _attempts_to_finish() -> list[str]:
    """The attemptId examples of the operations that finish an attempt, read from the spec."""
    spec = yaml.safe_load(spec_path("absorb.yaml").read_text())
    found = []
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "finish" not in str(operation.get("operationId")):
                continue
            for parameter in operation["parameters"]:
                name = parameter["$ref"].rsplit("/", 1)[-1]
                if spec["components"]["parameters"][name]["name"] == "attemptId":
                    found.append(str(spec["components"]["parameters"][name]["example"]))
    return found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/zzz"),
        ("GET", "/departments/zzz"),
        ("GET", "/enrollments/zzz"),
        ("PUT", "/attempts/zzz"),
    ],
)
def test_a_path_id_that_is_no_guid_matches_no_route_and_gets_404(
    api: httpx.Client, admin: dict[str, str], method: str, path: str
) -> None:
    # specs/absorb.yaml, BadRequest's x-sandbox-note: ASP.NET's GUID route constraints, not 400.
    answer = api.request(method, path, headers=admin, json={"status": 3})
    assert answer.status_code == 404, answer.text
