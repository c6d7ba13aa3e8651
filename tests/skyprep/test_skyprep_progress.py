"""SkyPrep's instructor-led trainings and course progress as served: write then read back, filters checked
against records that must not match, cascades, and bad input refused with a 4xx."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from mockserver.vendors.skyprep.factory import SkyprepFactory

from .helpers import KEYS, call, refusal, refused, score_item

# instructor-led trainings


def test_the_seeded_sample_training_reads_back_with_its_timeslots(api: httpx.Client) -> None:
    listed = call(api, "get_instructor_led_trainings")
    sample = next(t for t in listed if t["name"] == "My Instructor Led Training")
    read = call(api, "get_instructor_led_training", instructor_led_training_id=sample["id"])
    assert read == sample
    assert read["description"] == "Instructor Led Training Description"
    slots = call(api, "get_instructor_led_training_timeslots", instructor_led_training_id=sample["id"])
    assert sorted(s["id"] for s in slots) == read["timeslot_ids"]
    assert all(s["start_date"] < "2025-09-01" for s in slots)


def test_a_timeslot_made_by_post_reads_back_through_both_methods_and_updates_only_what_is_sent(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    training = factory.instructor_led_training(name="Forensics Workshop")
    made = call(
        api,
        "create_instructor_led_training_timeslot",
        instructor_led_training_id=training["id"],
        display_timezone="UTC",
        description="Some description",
        capacity="555",
        start_date="2020-01-15T09:00:00Z",
    )
    assert made["capacity"] == 555
    assert made["start_date"] == "2020-01-15T09:00:00.000Z"
    slot_id = made["id"]
    by_get = api.get(
        "/get_instructor_led_training_timeslot",
        params={**KEYS, "instructor_led_training_timeslot_id": slot_id},
    )
    assert by_get.status_code == 200
    assert by_get.json() == made
    call(
        api,
        "update_instructor_led_training_timeslot",
        instructor_led_training_timeslot_id=slot_id,
        location="Lab 2",
    )
    read = call(api, "get_instructor_led_training_timeslot", instructor_led_training_timeslot_id=slot_id)
    assert read == {**made, "location": "Lab 2"}
    training_read = call(api, "get_instructor_led_training", instructor_led_training_id=training["id"])
    assert training_read["timeslot_ids"] == [slot_id]


def test_timeslots_filter_by_start_day_and_leave_out_those_outside(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    training = factory.instructor_led_training()
    inside = factory.timeslot(training, start_date="2020-01-20T09:00:00Z")
    before = factory.timeslot(training, start_date="2019-12-31T23:00:00Z")
    after = factory.timeslot(training, start_date="2020-02-02T09:00:00Z")
    undated = factory.timeslot(training)
    found = call(
        api,
        "get_instructor_led_training_timeslots",
        start_date="2020-01-01",
        end_date="2020-02-01",
        instructor_led_training_id=training["id"],
    )
    assert [s["id"] for s in found] == [inside["id"]]
    everything = call(api, "get_instructor_led_training_timeslots", instructor_led_training_id=training["id"])
    assert {s["id"] for s in everything} == {inside["id"], before["id"], after["id"], undated["id"]}


def test_registrations_are_made_read_updated_and_destroyed(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    slot = factory.timeslot(capacity=2)
    ada, alan = factory.user(), factory.user()
    first = call(
        api,
        "create_instructor_led_training_timeslot_registrations",
        instructor_led_training_timeslot_id=slot["id"],
        user_email=ada["email"],
    )
    assert (first["user_id"], first["status"]) == (ada["id"], "registered")
    second = call(
        api,
        "create_instructor_led_training_timeslot_registrations",
        instructor_led_training_timeslot_id=slot["id"],
        user_id=alan["id"],
        status="attended",
    )
    listed = call(
        api,
        "get_instructor_led_training_timeslot_registrations",
        instructor_led_training_timeslot_id=slot["id"],
    )
    assert listed == [first, second]
    updated = call(
        api,
        "update_instructor_led_training_timeslot_registration",
        instructor_led_training_timeslot_registration_id=first["id"],
        status="absent",
    )
    # The doc's sample names the registration by the call's parameter; the record's fields follow.
    assert updated == {
        "instructor_led_training_timeslot_registration_id": first["id"],
        **first,
        "status": "absent",
    }
    call(
        api,
        "destroy_instructor_led_training_timeslot_registrations",
        instructor_led_training_timeslot_registration_ids=f"{first['id']}, {second['id']}",
    )
    assert (
        call(
            api,
            "get_instructor_led_training_timeslot_registrations",
            instructor_led_training_timeslot_id=slot["id"],
        )
        == []
    )


@pytest.mark.parametrize("day", ["", " 2020-01-01", "20200101", "2020-1-1"])
def test_a_timeslot_date_filter_that_is_no_yyyy_mm_dd_date_is_refused(api: httpx.Client, day: str) -> None:
    response = refusal(api, "get_instructor_led_training_timeslots", start_date="2020-01-01", end_date=day)
    assert response.status_code == 400
    assert "end_date" in response.text


def test_a_full_timeslot_and_a_second_registration_are_refused(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    slot = factory.timeslot(capacity=1)
    ada, alan = factory.user(), factory.user()
    factory.registration(slot, ada)
    params = {"instructor_led_training_timeslot_id": slot["id"]}
    assert (
        refused(api, "create_instructor_led_training_timeslot_registrations", user_id=ada["id"], **params)
        == 409
    )
    assert (
        refused(api, "create_instructor_led_training_timeslot_registrations", user_id=alan["id"], **params)
        == 409
    )
    assert refused(api, "update_instructor_led_training_timeslot", capacity=0, **params) == 409


def test_a_deleted_timeslot_or_user_takes_its_registrations(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    slot = factory.timeslot()
    other = factory.timeslot()
    ada = factory.user()
    gone = factory.registration(slot, ada)
    kept = factory.registration(other, factory.user())
    leaving = factory.registration(other, ada)
    call(api, "delete_instructor_led_training_timeslot", instructor_led_training_timeslot_id=slot["id"])
    assert (
        refused(api, "get_instructor_led_training_timeslot", instructor_led_training_timeslot_id=slot["id"])
        == 404
    )
    ids = str(gone["id"])
    assert (
        refused(
            api,
            "destroy_instructor_led_training_timeslot_registrations",
            **{"instructor_led_training_timeslot_registration_ids": ids},
        )
        == 404
    )
    call(api, "destroy_user", user_id=ada["id"])
    left = call(
        api,
        "get_instructor_led_training_timeslot_registrations",
        instructor_led_training_timeslot_id=other["id"],
    )
    assert [r["id"] for r in left] == [kept["id"]]
    assert leaving["id"] not in [r["id"] for r in left]


@pytest.mark.parametrize(
    ("call_name", "params"),
    [
        ("get_instructor_led_training", {}),
        ("get_instructor_led_training", {"instructor_led_training_id": 999999}),
        ("get_instructor_led_training_timeslots", {"start_date": "January"}),
        ("create_instructor_led_training_timeslot", {"instructor_led_training_id": 999999}),
        ("create_instructor_led_training_timeslot", {"capacity": -1}),
        ("update_instructor_led_training_timeslot", {"instructor_led_training_timeslot_id": 999999}),
        ("destroy_instructor_led_training_timeslot_registrations", {}),
        (
            "destroy_instructor_led_training_timeslot_registrations",
            {"instructor_led_training_timeslot_registration_ids": "1,x"},
        ),
        ("update_instructor_led_training_timeslot_registration", {"status": "attended"}),
    ],
)
def test_bad_training_input_is_refused_with_a_4xx(
    api: httpx.Client, call_name: str, params: dict[str, Any]
) -> None:
    refused(api, call_name, **params)


def test_a_timeslot_that_ends_before_it_starts_or_with_a_bad_time_is_refused(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    training = factory.instructor_led_training()
    base = {"instructor_led_training_id": training["id"]}
    assert refused(api, "create_instructor_led_training_timeslot", start_date="noon", **base) == 400
    assert (
        refused(
            api,
            "create_instructor_led_training_timeslot",
            start_date="2020-01-02T00:00:00Z",
            end_date="2020-01-01T00:00:00Z",
            **base,
        )
        == 400
    )
    assert call(api, "get_instructor_led_training", **base)["timeslot_ids"] == []


def test_an_update_whose_end_falls_before_the_kept_start_is_a_conflict(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    slot = factory.timeslot(start_date="2020-01-15T09:00:00Z", end_date="2020-01-15T17:00:00Z")
    params = {"instructor_led_training_timeslot_id": slot["id"]}
    assert (
        refused(api, "update_instructor_led_training_timeslot", end_date="2020-01-14T17:00:00Z", **params)
        == 409
    )
    both = {"start_date": "2020-01-15T09:00:00Z", "end_date": "2020-01-14T17:00:00Z"}
    assert refused(api, "update_instructor_led_training_timeslot", **both, **params) == 400
    kept = call(api, "get_instructor_led_training_timeslot", **params)
    assert kept["end_date"].startswith("2020-01-15T17:00")


# course progress


def progresses(api: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    return list(call(api, "get_course_progresses", **filters))


def test_a_user_who_reaches_a_course_any_way_has_a_not_started_progress_with_every_field(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course = factory.course(name="General Test Course")
    direct, member, on_path, outsider = (factory.user() for _ in range(4))
    factory.enrolment(direct, course)
    factory.user_group(course_ids=[course["id"]], user_ids=[member["id"]])
    factory.learning_path(course_ids=[course["id"]], user_ids=[on_path["id"]])
    listed = progresses(api, course_id=course["id"])
    assert sorted(p["user_id"] for p in listed) == sorted([direct["id"], member["id"], on_path["id"]])
    assert outsider["id"] not in [p["user_id"] for p in listed]
    first = listed[0]
    assert first["status"] == "not-started"
    assert first["course_name"] == "General Test Course"
    assert first["formatted_completion_date"] == ""
    assert first["certificate_view_link"] is None
    assert call(api, "get_course_progress", course_progress_id=first["id"]) == first
    by_get = api.get("/get_course_progress", params={**KEYS, "course_progress_id": first["id"]})
    assert by_get.json() == first


def test_an_updated_progress_reads_back_with_its_dates_and_agrees_with_the_course_status(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, user = factory.course(), factory.user()
    factory.enrolment(user, course)
    (made,) = progresses(api, course_id=course["id"])
    call(api, "update_course_progress", course_progress_id=made["id"], set_status="passed")
    read = call(api, "get_course_progress", course_progress_id=made["id"])
    assert read["status"] == "passed"
    assert read["completion_date"] is not None
    assert read["commencement_date"] is not None
    day = read["completion_date"][:10]
    assert read["formatted_completion_date"] == date.fromisoformat(day).strftime("%d-%b %Y")
    assert read["certificate_view_link"].endswith(f"course_progress_id={made['id']}&f=pdf")
    assert call(api, "get_user_course_status", user_id=user["id"], course_id=course["id"]) == {
        "status": "passed"
    }
    call(api, "update_course_progress", course_progress_id=made["id"], set_status="not-started")
    reset = call(api, "get_course_progress", course_progress_id=made["id"])
    assert (reset["completion_date"], reset["formatted_completion_date"]) == (None, "")


def test_progresses_filter_by_status_user_and_user_status_and_leave_out_the_rest(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course = factory.course()
    passed, failed, waiting, away = (factory.user() for _ in range(4))
    for user in (passed, failed, waiting, away):
        factory.enrolment(user, course)
    factory.progress(passed, course, status="passed")
    factory.progress(failed, course, status="failed")
    call(api, "update_user", user_id=away["id"], access_end_date="2001-01-01")
    done = progresses(api, course_id=course["id"], status="passed, failed")
    assert sorted(p["user_id"] for p in done) == sorted([passed["id"], failed["id"]])
    assert [
        p["user_id"]
        for p in progresses(api, course_id=course["id"], status="not-started", user_status="active")
    ] == [waiting["id"]]
    assert [p["user_id"] for p in progresses(api, course_id=course["id"], user_status="inactive")] == [
        away["id"]
    ]
    assert progresses(api, course_id=course["id"], user_status="disabled") == []
    mine = progresses(api, user_email=failed["email"])
    assert [(p["course_id"], p["status"]) for p in mine] == [(course["id"], "failed")]


def test_a_destroyed_progress_reads_404_and_the_still_enrolled_user_starts_over(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, user = factory.course(), factory.user()
    factory.enrolment(user, course, status="passed")
    (made,) = progresses(api, course_id=course["id"])
    assert made["status"] == "passed"
    call(api, "destroy_course_progress", course_progress_id=made["id"])
    assert refused(api, "get_course_progress", course_progress_id=made["id"]) == 404
    assert call(api, "get_user_course_status", user_id=user["id"], course_id=course["id"]) == {
        "status": "not_started"
    }
    (again,) = progresses(api, course_id=course["id"])
    assert again["id"] != made["id"]
    assert again["status"] == "not-started"


def test_deleting_a_course_or_a_user_removes_its_progress(api: httpx.Client, factory: SkyprepFactory) -> None:
    course, other, user, kept = factory.course(), factory.course(), factory.user(), factory.user()
    doomed = factory.progress(user, course)
    on_other = factory.progress(user, other)
    survivor = factory.progress(kept, other)
    call(api, "destroy_course", course_id=course["id"])
    assert refused(api, "get_course_progress", course_progress_id=doomed["id"]) == 404
    call(api, "destroy_user", user_id=user["id"])
    assert refused(api, "get_course_progress", course_progress_id=on_other["id"]) == 404
    assert [p["id"] for p in progresses(api, course_id=other["id"])] == [survivor["id"]]


def test_an_item_progress_is_found_by_each_documented_combination_of_ids(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, user = factory.course(), factory.user()
    factory.enrolment(user, course)
    reading = factory.course_item(course)
    exam = factory.course_item(course, item_type="exam", exam_id=4410)
    made = factory.progress(user, course)
    score_item(api, user, exam, "passed", 80)
    by_item_and_user = call(api, "get_course_item_progress", course_item_id=exam["id"], user_id=user["id"])
    by_exam_and_progress = call(api, "get_course_item_progress", exam_id=4410, course_progress_id=made["id"])
    by_exam_course_and_email = call(
        api, "get_course_item_progress", exam_id=4410, course_id=course["id"], user_email=user["email"]
    )
    assert by_item_and_user == by_exam_and_progress == by_exam_course_and_email
    assert (by_item_and_user["status"], by_item_and_user["score"]) == ("passed", 80)
    untouched = call(
        api, "get_course_item_progress", course_item_id=reading["id"], course_progress_id=made["id"]
    )
    assert (untouched["status"], untouched["updated_at"]) == ("not-started", None)
    read = call(api, "get_course_progress", course_progress_id=made["id"])
    assert (read["status"], read["last_course_item_id"], read["percent_viewed"]) == (
        "in-progress",
        exam["id"],
        50,
    )


def test_item_progress_ids_that_disagree_or_are_too_few_are_refused(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, elsewhere, user, stranger = factory.course(), factory.course(), factory.user(), factory.user()
    factory.enrolment(user, course)
    item = factory.course_item(course)
    foreign = factory.course_item(elsewhere)
    made = factory.progress(user, course)
    get = "get_course_item_progress"
    assert refused(api, get, user_id=user["id"]) == 400
    assert refused(api, get, exam_id=1, user_id=user["id"]) == 400
    assert refused(api, get, course_item_id=item["id"]) == 400
    assert refused(api, get, course_item_id=foreign["id"], course_progress_id=made["id"]) == 400
    assert refused(api, get, course_item_id=item["id"], course_id=elsewhere["id"], user_id=user["id"]) == 400
    assert (
        refused(api, get, course_item_id=item["id"], course_progress_id=made["id"], user_id=stranger["id"])
        == 400
    )
    assert refused(api, get, course_item_id=item["id"], user_id=stranger["id"]) == 404
    assert refused(api, get, course_item_id=999999, user_id=user["id"]) == 404
    assert refused(api, get, exam_id=999999, course_id=course["id"], user_id=user["id"]) == 404
    item_call = {"course_item_id": item["id"], "user_id": user["id"]}
    assert refused(api, "set_course_item_progress", set_status="done", **item_call) == 400
    assert refused(api, "set_course_item_progress", set_status="passed", score=101, **item_call) == 400
    assert call(api, get, **item_call)["status"] == "not-started"


@pytest.mark.parametrize(
    ("call_name", "params"),
    [
        ("get_course_progresses", {"status": "finished"}),
        ("get_course_progresses", {"user_status": "sleeping"}),
        ("get_course_progresses", {"course_id": 999999}),
        ("get_course_progress", {}),
        ("get_course_progress", {"course_progress_id": 999999}),
        ("update_course_progress", {"course_progress_id": 999999, "set_status": "passed"}),
        ("destroy_course_progress", {"course_progress_id": 999999}),
        ("set_course_item_progress", {}),
    ],
)
def test_bad_progress_input_is_refused_with_a_4xx(
    api: httpx.Client, call_name: str, params: dict[str, Any]
) -> None:
    refused(api, call_name, **params)


def test_an_update_without_a_known_status_is_refused(api: httpx.Client, factory: SkyprepFactory) -> None:
    made = factory.progress(factory.user(), factory.course())
    assert refused(api, "update_course_progress", course_progress_id=made["id"]) == 400
    assert refused(api, "update_course_progress", course_progress_id=made["id"], set_status="done") == 400
    assert call(api, "get_course_progress", course_progress_id=made["id"])["status"] == "not-started"


def test_a_registration_takes_its_course_from_the_progress_it_counts_for(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    course, user, other = factory.course(), factory.user(), factory.user()
    made = factory.progress(user, course)
    slot = factory.timeslot()
    create = "create_instructor_led_training_timeslot_registrations"
    registration = call(
        api,
        create,
        instructor_led_training_timeslot_id=slot["id"],
        user_id=user["id"],
        course_progress_id=made["id"],
    )
    assert (registration["course_id"], registration["course_progress_id"]) == (course["id"], made["id"])
    params = {"instructor_led_training_timeslot_id": slot["id"], "course_progress_id": made["id"]}
    assert refused(api, create, user_id=other["id"], **params) == 400
    assert (
        refused(
            api,
            create,
            user_id=other["id"],
            instructor_led_training_timeslot_id=slot["id"],
            course_progress_id=999999,
        )
        == 404
    )


def test_the_seeded_progresses_are_dated_before_the_anchor_and_match_the_seeded_enrollments(
    api: httpx.Client,
) -> None:
    listed = progresses(api)
    assert listed
    assert all(p["created_at"] < "2025-09-01" and p["updated_at"] < "2025-09-01" for p in listed)
    for found in listed[:10]:
        status = call(api, "get_user_course_status", user_id=found["user_id"], course_id=found["course_id"])
        assert status == {"status": found["status"].replace("-", "_")}


def test_a_timeslot_in_an_early_year_reads_back_and_filters_by_day(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    training = factory.instructor_led_training()
    made = call(
        api,
        "create_instructor_led_training_timeslot",
        instructor_led_training_id=int(training["id"]),
        start_date="0200-04-22T09:00:00Z",
    )
    assert made["start_date"] == "0200-04-22T09:00:00.000Z"
    found = call(api, "get_instructor_led_training_timeslots", start_date="0200-04-22", end_date="0200-04-22")
    assert [s["id"] for s in found] == [made["id"]]
