"""SkyPrep's account, content and payment calls as served: the seeded program and its counts following
writes, every get_data type, materials, and payments filtered (against records that must not match)
and listed newest first on the sandbox clock; bad input refused with a 4xx; XML output."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.vendors.skyprep.factory import SkyprepFactory
from mockserver.xmlcodec import decode

from .helpers import KEYS, call, refused

DATA_TYPES = ("user_count", "admin_count", "learner_count", "course_count", "user_group_count")


def count(api: httpx.Client, data_type: str) -> int:
    answer = call(api, "get_data", data_type=data_type)
    assert isinstance(answer["data"], str)
    return int(answer["data"])


# the program and its data


def test_the_program_is_the_scenarios_account_with_the_counts_get_data_answers(api: httpx.Client) -> None:
    program = call(api, "get_program")
    assert program["acct_key"] == KEYS["acct_key"]
    assert program["name"] == "Your SkyPrep Training Program"
    assert {name: program[name] for name in DATA_TYPES} == {name: count(api, name) for name in DATA_TYPES}
    assert api.get("/get_program", params=KEYS).json() == program


def test_every_data_type_counts_the_records_as_they_are_now(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    users = call(api, "get_users")
    assert count(api, "user_count") == len(users)
    assert count(api, "admin_count") == len([u for u in users if u["role"] == "admin"])
    assert count(api, "learner_count") == len([u for u in users if u["role"] == "learner"])
    assert count(api, "course_count") == len(call(api, "get_courses"))
    assert count(api, "user_group_count") == len(call(api, "get_user_groups"))
    before = {name: count(api, name) for name in DATA_TYPES}
    factory.user(role="admin")
    factory.user(role="manager")
    factory.course()
    call(api, "create_user_group", name="Night Shift")
    after = {name: count(api, name) for name in DATA_TYPES}
    assert {name: after[name] - before[name] for name in DATA_TYPES} == {
        "user_count": 2,
        "admin_count": 1,
        "learner_count": 0,
        "course_count": 1,
        "user_group_count": 1,
    }


def test_get_data_takes_its_data_type_through_get_too(api: httpx.Client) -> None:
    response = api.get("/get_data", params={**KEYS, "data_type": "course_count"})
    assert response.json() == call(api, "get_data", data_type="course_count")


@pytest.mark.parametrize("params", [{}, {"data_type": "pet_count"}, {"data_type": ""}])
def test_a_missing_or_unknown_data_type_is_refused(api: httpx.Client, params: dict[str, Any]) -> None:
    assert refused(api, "get_data", **params) == 400


def test_the_program_and_data_answer_xml(api: httpx.Client) -> None:
    response = api.post("/get_data", params={"format": "xml"}, json={**KEYS, "data_type": "user_count"})
    assert response.headers["content-type"].startswith("application/xml")
    assert decode(response.content) == call(api, "get_data", data_type="user_count")
    program = api.get("/get_program", params={**KEYS, "format": "xml"})
    assert decode(program.content) == call(api, "get_program")


# materials


def test_the_seeded_materials_are_listed_in_id_order_with_a_new_one(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    listed = call(api, "get_materials")
    assert {"Employee Handbook", "Welcome Video"} <= {m["name"] for m in listed}
    assert [m["id"] for m in listed] == sorted(m["id"] for m in listed)
    handbook = next(m for m in listed if m["name"] == "Employee Handbook")
    assert (handbook["material_type"], handbook["content_type"]) == ("document", "application/pdf")
    made = factory.material(name="Lab Safety Slides", material_type="presentation")
    again = call(api, "get_materials")
    assert again[-1] == made
    assert again[:-1] == listed
    assert api.get("/get_materials", params=KEYS).json() == again


def test_materials_answer_xml(api: httpx.Client) -> None:
    response = api.get("/get_materials", params={**KEYS, "format": "xml"})
    assert decode(response.content) == call(api, "get_materials")


# payments


def test_payments_are_listed_newest_first(api: httpx.Client, factory: SkyprepFactory) -> None:
    listed = call(api, "get_payments")
    stamps = [p["created_at"] for p in listed]
    assert stamps == sorted(stamps, reverse=True)
    assert len(listed) == 13
    sample = next(p for p in listed if p["transaction_number"] == "8MC585209K746392H")
    assert (sample["model_type"], sample["amount"], sample["payment_type"]) == ("payment", "49.00", "paypal")
    newest = factory.payment(payment_type="stripe")
    assert call(api, "get_payments")[0] == newest


def test_payment_filters_leave_out_the_payments_that_do_not_match(
    api: httpx.Client, factory: SkyprepFactory, sandbox: Sandbox
) -> None:
    sandbox.clock.freeze(datetime(2026, 3, 10, 12, tzinfo=UTC).timestamp())
    match = factory.payment(status="complete", payment_type="paypal", days_ago=1)
    old = factory.payment(status="complete", payment_type="paypal", days_ago=5)
    stripe = factory.payment(status="complete", payment_type="stripe", days_ago=1)
    pending = factory.payment(status="pending", payment_type="paypal", days_ago=2)
    mine = {p["id"] for p in (match, old, stripe, pending)}

    def found(**filters: Any) -> list[int]:
        return [p["id"] for p in call(api, "get_payments", **filters) if p["id"] in mine]

    assert found(status="complete", created_after_days_ago=3, payment_type="paypal") == [match["id"]]
    # Made at the same instant, the later payment (the higher id) comes first.
    assert found(status="complete") == [stripe["id"], match["id"], old["id"]]
    assert found(payment_type="stripe") == [stripe["id"]]
    assert found(created_after_days_ago=3) == [p for p in found() if p != old["id"]]
    assert found(status="pending") == [pending["id"]]
    # The seeded payments are before the scenario's anchor: none is within 3 days of this clock.
    assert call(api, "get_payments", created_after_days_ago=3) == [
        p for p in call(api, "get_payments") if p["id"] in {match["id"], stripe["id"], pending["id"]}
    ]
    query = {**KEYS, "status": "complete", "created_after_days_ago": "3", "payment_type": "paypal"}
    assert [p["id"] for p in api.get("/get_payments", params=query).json()] == [match["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "paid"},
        {"payment_type": "cash"},
        {"created_after_days_ago": -1},
        {"created_after_days_ago": "three"},
    ],
)
def test_bad_payment_filters_are_refused(api: httpx.Client, params: dict[str, Any]) -> None:
    assert refused(api, "get_payments", **params) == 400


# Found by make fuzz: a window reaching back before year 1 answered 500 (OverflowError).
@pytest.mark.parametrize("days", [1_000_000, 10**20])
def test_a_window_reaching_back_before_the_calendar_keeps_every_payment(api: httpx.Client, days: int) -> None:
    every = call(api, "get_payments")
    assert every
    assert call(api, "get_payments", created_after_days_ago=days) == every
    query = {**KEYS, "created_after_days_ago": str(days)}
    assert api.get("/get_payments", params=query).json() == every


def test_payments_answer_xml(api: httpx.Client) -> None:
    response = api.post(
        "/get_payments", headers={"Accept": "application/xml"}, json={**KEYS, "status": "complete"}
    )
    assert response.headers["content-type"].startswith("application/xml")
    assert decode(response.content) == call(api, "get_payments", status="complete")
