"""SkyPrep's instructor-led trainings and course progress as served: write then read back, filters checked
against records that must not match, cascades, and bad input refused with a 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors.skyprep.factory import SkyprepFactory

from .conftest import reset_and_check

KEYS = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}
BASE = "http://sandbox/skyprep/admin/api"


@pytest.fixture(scope="module")
def app() -> Sandbox:
    return create_app(apis=("skyprep",), validate_responses=True)


@pytest.fixture
def sandbox(app: Sandbox) -> Iterator[Sandbox]:
    yield from reset_and_check(app)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(sandbox, base_url=BASE) as client:
        yield client


@pytest.fixture
def factory(sandbox: Sandbox) -> SkyprepFactory:
    return SkyprepFactory(sandbox.store, sandbox.store.vendor("skyprep"))


def call(api: httpx.Client, call_name: str, /, **params: Any) -> Any:
    response = api.post(f"/{call_name}", json={**KEYS, **params})
    assert response.status_code == 200, (call_name, response.text)
    return response.json()


def refused(api: httpx.Client, call_name: str, /, **params: Any) -> int:
    response = api.post(f"/{call_name}", json={**KEYS, **params})
    assert 400 <= response.status_code < 500, (call_name, response.status_code, response.text)
    return response.status_code


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
    assert updated == {**first, "status": "absent"}
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


def test_a_full_timeslot_and_a_second_registration_are_refused(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    slot = factory.timeslot(capacity=1)
    ada, alan = factory.user(), factory.user()
    factory.registration(slot, ada)
    params = {"instructor_led_training_timeslot_id": slot["id"]}
    assert (
        refused(api, "create_instructor_led_training_timeslot_registrations", user_id=ada["id"], **params)
        == 400
    )
    assert (
        refused(api, "create_instructor_led_training_timeslot_registrations", user_id=alan["id"], **params)
        == 400
    )
    assert refused(api, "update_instructor_led_training_timeslot", capacity=0, **params) == 400


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
