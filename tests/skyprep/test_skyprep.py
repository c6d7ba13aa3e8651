"""SkyPrep as served: credentials and parameters from anywhere, GET twins, XML, lists, login keys, limits."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client
from mockserver.vendors.skyprep.factory import SkyprepFactory
from mockserver.xmlcodec import decode

from .helpers import BASE, JOHN, KEY_HEADERS, KEYS, call, refusal


def _john(sandbox: Sandbox) -> dict[str, Any]:
    (john,) = [u for u in sandbox.store.vendor("skyprep").collection("users").values() if u["email"] == JOHN]
    return john


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.post("/get_user", json={**KEYS, "user_email": JOHN}), id="json body"),
        pytest.param(lambda c: c.post("/get_user", data={**KEYS, "user_email": JOHN}), id="form body"),
        pytest.param(
            lambda c: c.post("/get_user", params=KEYS, json={"user_email": JOHN}), id="query on a POST"
        ),
        pytest.param(lambda c: c.get("/get_user", params={**KEYS, "user_email": JOHN}), id="query on a GET"),
        pytest.param(
            lambda c: c.get("/get_user", headers=KEY_HEADERS, params={"user_email": JOHN}), id="headers"
        ),
        pytest.param(
            lambda c: c.request("GET", "/get_user", json={**KEYS, "user_email": JOHN}),
            id="json body on a GET",
        ),
    ],
)
def test_credentials_and_parameters_are_taken_from_wherever_clients_send_them(
    api: httpx.Client, sandbox: Sandbox, send: Any
) -> None:
    response = send(api)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == JOHN
    assert response.json()["id"] == int(_john(sandbox)["id"])


def test_missing_and_wrong_credentials_are_refused_in_the_sandboxs_error_body(api: httpx.Client) -> None:
    missing = api.post("/test_connection", json={"api_key": KEYS["api_key"]})
    wrong = api.post("/test_connection", json={**KEYS, "api_key": "nope"})
    assert missing.status_code == 401
    assert missing.json()["status"] == 401
    assert "acct_key" in missing.json()["message"]
    assert wrong.status_code == 403
    assert wrong.json() == {"status": 403, "message": wrong.json()["message"]}
    assert api.post("/test_connection", json=KEYS).json() == {"message": "success"}


def test_a_user_made_by_post_reads_back_by_id_and_email_through_both_methods(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    made = api.post(
        "/create_user", json={**KEYS, "email": "ada@example.com", "first_name": "Ada", "role": "admin"}
    )
    assert made.status_code == 200, made.text
    uid = made.json()["id"]
    assert isinstance(uid, int)
    by_id = api.get("/get_user", headers=KEY_HEADERS, params={"user_id": uid}).json()
    by_email = api.post("/get_user", json={**KEYS, "user_email": "ADA@example.com"}).json()
    assert by_id == by_email == made.json()
    assert by_id["username"] == "ada@example.com"
    assert by_id["role"] == "admin"
    stored = sandbox.store.vendor("skyprep").collection("users")[str(uid)]
    assert stored["first_name"] == "Ada"


def test_an_update_changes_only_the_parameters_sent_and_a_destroy_removes_the_user(api: httpx.Client) -> None:
    before = api.post("/get_user", json={**KEYS, "user_email": JOHN}).json()
    updated = api.post("/update_user", json={**KEYS, "user_email": JOHN, "title": "Lead", "ca_1": "x"}).json()
    assert updated == {
        **before,
        "title": "Lead",
        "custom_attributes": {**before["custom_attributes"], "ca_1": "x"},
    }
    assert api.post("/destroy_user", data={**KEYS, "user_id": str(before["id"])}).json() == {
        "message": "success"
    }
    gone = api.post("/get_user", json={**KEYS, "user_id": before["id"]})
    assert gone.status_code == 404
    assert gone.json()["status"] == 404
    listed = api.post("/get_users", json=KEYS).json()
    assert before["id"] not in {u["id"] for u in listed}


def test_bad_input_is_a_4xx_in_the_error_body_never_a_500(api: httpx.Client) -> None:
    cases = [
        (api.post("/get_user", json=KEYS), 400),  # neither user_id nor user_email
        (api.post("/get_user", json={**KEYS, "user_id": 999_999}), 404),
        (api.post("/create_user", json={**KEYS, "first_name": "No email"}), 400),
        (api.post("/create_user", json={**KEYS, "email": JOHN}), 409),  # the email is taken
        (api.post("/get_login_key", json={**KEYS, "user_email": "nobody@example.com"}), 404),
        (api.post("/get_nothing", json=KEYS), 404),
        (
            api.post(
                "/create_or_update_power_users",
                json={**KEYS, "user_ids": "1,x", "user_role_id": 781, "dataset_ids": "7481"},
            ),
            400,
        ),
        (api.post("/get_user", json={**KEYS, "user_id": "abc"}), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert set(response.json()) == {"status", "message"}


def test_comma_lists_arrays_and_boolean_texts_are_read_alike(api: httpx.Client, sandbox: Sandbox) -> None:
    john = int(_john(sandbox)["id"])
    as_text = api.post(
        "/create_or_update_power_users",
        data={**KEYS, "user_ids": f" {john} ", "user_role_id": "781", "dataset_ids": "7481, 4211"},
    )
    assert as_text.status_code == 200, as_text.text
    assert as_text.json()[0]["permissions"] == {"user_role_id": 781, "dataset_ids": [4211, 7481]}
    as_list = api.post(
        "/create_or_update_power_users",
        json={**KEYS, "user_ids": [john], "user_role_id": 6721, "dataset_ids": [4211]},
    )
    assert as_list.json()[0]["permissions"] == {"user_role_id": 6721, "dataset_ids": [4211]}
    # Besides John, the scenario's two disposable power users (destroy_power_user's examples).
    assert [u["id"] for u in api.post("/get_power_users", json=KEYS).json()] == [john, 9003, 9004]
    made = api.get(
        "/get_login_key", headers=KEY_HEADERS, params={"user_email": "new@example.com", "autocreate": "1"}
    )
    assert made.status_code == 200, made.text
    assert api.post("/get_user", json={**KEYS, "user_email": "new@example.com"}).status_code == 200


def test_format_xml_answers_the_same_data_as_xml(api: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    as_json = api.post("/get_users", json=KEYS)
    with caplog.at_level(logging.WARNING):
        as_xml = api.post("/get_users", params={"format": "xml"}, json=KEYS)
    # The query's format, read by the codec, never reaches Connexion as an undeclared parameter.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert decode(as_xml.content) == as_json.json()
    refused = api.post("/get_users", params={"format": "xml"}, json={**KEYS, "api_key": "nope"})
    assert refused.status_code == 403
    assert decode(refused.content)["status"] == 403


@pytest.mark.parametrize("sent_in", ["form", "json"])
def test_format_sent_in_the_body_chooses_the_answers_format_as_every_parameter_may(
    api: httpx.Client, sent_in: str
) -> None:
    as_json = api.post("/get_users", json=KEYS).json()

    def call(fields: dict[str, str], **query: str) -> httpx.Response:
        body = {**KEYS, **fields}
        return api.post(
            "/get_users", params=query, **({"data": body} if sent_in == "form" else {"json": body})
        )

    as_xml = call({"format": "xml"})
    assert as_xml.status_code == 200, as_xml.text
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert decode(as_xml.content) == as_json
    # The body's value wins over the query's, as Rails merges them; format=json asks for JSON.
    assert call({"format": "json"}, format="xml").json() == as_json
    assert call({"format": "xml"}, format="json").headers["content-type"].startswith("application/xml")
    # Refusals follow the format asked for too.
    refused = call({"format": "xml", "api_key": "nope"})
    assert refused.status_code == 403
    assert decode(refused.content)["status"] == 403


def test_a_report_calls_format_in_the_body_stays_the_files_format(api: httpx.Client) -> None:
    answer = api.post("/get_report", data={**KEYS, "report_type": "all_users", "format": "xlsx"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert answer.content[:2] == b"PK"
    # format=xml is no file format: refused in JSON, not answered in XML.
    refused = api.post("/get_report", data={**KEYS, "report_type": "all_users", "format": "xml"})
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/json")


def test_a_login_keys_url_signs_the_user_in_and_a_one_time_key_only_once(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    daily = api.post("/get_login_key", json={**KEYS, "user_email": JOHN}).json()
    once = api.post("/get_login_key", json={**KEYS, "user_email": JOHN, "key_type": "one_time"}).json()
    assert daily["email"] == JOHN
    assert daily["url"].startswith("http://sandbox/skyprep/account/login?")
    with sync_client(sandbox) as browser:
        assert browser.get(daily["url"]).status_code == 200
        assert browser.get(daily["url"]).status_code == 200
        first = browser.get(once["url"])
        assert first.status_code == 200
        assert "John Doe" in first.text
        assert browser.get(once["url"]).status_code == 401
        sandbox.clock.advance(days=1)
        assert browser.get(daily["url"]).status_code == 401


def test_the_rate_limit_is_100_calls_a_minute_per_client_and_a_reset_clears_it(sandbox: Sandbox) -> None:
    with sync_client(sandbox, base_url=BASE) as client:
        statuses = [client.post("/test_connection", json=KEYS).status_code for _ in range(101)]
        assert statuses[:100] == [200] * 100
        refused = client.post("/test_connection", json=KEYS)
        assert statuses[100] == refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        sandbox.clock.advance(seconds=60)
        assert client.post("/test_connection", json=KEYS).status_code == 200
        sandbox.reset()
        assert client.post("/test_connection", json=KEYS).status_code == 200


def test_available_api_calls_lists_every_call_served(api: httpx.Client) -> None:
    calls = api.post("/available_api_calls", json=KEYS).json()
    assert {"test_connection", "get_users", "create_user", "get_login_key", "destroy_power_user"} <= set(
        calls
    )
    assert not any(name.endswith("Get") for name in calls)


def test_the_bare_call_name_finds_both_twins_in_the_journal(api: httpx.Client, sandbox: Sandbox) -> None:
    api.post("/get_user", json={**KEYS, "user_email": JOHN})
    api.get("/get_user", headers=KEY_HEADERS, params={"user_email": JOHN})
    api.post("/get_users", json=KEYS)
    both = sandbox.journal.entries(operation_id="get_user")
    assert [(e.operation_id, e.call) for e in both] == [("get_user", "get_user"), ("get_userGet", "get_user")]
    assert [e.operation_id for e in sandbox.journal.entries(operation_id="get_userGet")] == ["get_userGet"]
    with sync_client(sandbox) as client:
        listed = client.get("/__sandbox__/journal", params={"operation_id": "get_user"}).json()
    assert [e["operation_id"] for e in listed["entries"]] == ["get_user", "get_userGet"]


def test_a_taken_email_is_a_conflict_on_create_and_update_and_changes_nothing(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada, alan = factory.user(), factory.user()
    created = api.post("/create_user", json={**KEYS, "email": ada["email"], "first_name": "Twin"})
    updated = api.post("/update_user", json={**KEYS, "user_id": int(alan["id"]), "email": ada["email"]})
    assert (created.status_code, updated.status_code) == (409, 409)
    assert created.json()["status"] == 409
    users = api.post("/get_users", json=KEYS).json()
    assert [u["first_name"] for u in users if u["username"] == ada["email"]] == [ada["first_name"]]
    again = api.post("/get_user", json={**KEYS, "user_id": int(alan["id"])}).json()
    assert again["username"] == alan["email"]


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_named_records_keep_their_fixed_ids_at_any_seed_and_new_records_never_take_them(seed: int) -> None:
    from mockserver import create_app
    from mockserver.vendors.skyprep import model

    sandbox = create_app(apis=("skyprep",), seed=seed)
    with sync_client(sandbox, base_url=BASE) as client:
        john = client.post("/get_user", json={**KEYS, "user_id": 32}).json()
        course = client.post("/get_course", json={**KEYS, "course_id": 101}).json()
        skill = client.post("/get_skill", json={**KEYS, "skill_id": 1555}).json()
    assert (john["username"], course["name"], skill["display_name"]) == (
        JOHN,
        "My Course",
        "Excel Proficiency",
    )
    made = {model.new_id(sandbox.store.vendor("skyprep")) for _ in range(7000)}
    assert not {21, 32, 101, 123, 543, 1234, 1555, 1821, 5213, 6294, 6401, 6402, 8877} & made


@pytest.mark.parametrize("address", ["@", "no-at-sign", "two@@signs", "sp ace@example.com"])
def test_create_user_refuses_what_is_no_email_address(api: httpx.Client, address: str) -> None:
    response = refusal(api, "create_user", email=address, first_name="A", last_name="B")
    assert response.status_code == 400
    assert "email" in response.text
    assert not [u for u in call(api, "get_users") if u["email"] == address]


HUGE = "7" * 5000  # past the 4,300 digits Python's int() converts


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.post("/get_user", json={**KEYS, "user_id": HUGE}), id="json string"),
        pytest.param(lambda c: c.post("/get_user", data={**KEYS, "user_id": HUGE}), id="form"),
        pytest.param(lambda c: c.get("/get_user", params={**KEYS, "user_id": HUGE}), id="query"),
        pytest.param(
            lambda c: c.request("GET", "/get_user", json={**KEYS, "user_id": HUGE}), id="json on a GET"
        ),
    ],
)
def test_an_id_too_long_to_be_a_number_is_a_400_wherever_it_is_sent(api: httpx.Client, send: Any) -> None:
    answer = send(api)
    assert answer.status_code == 400, answer.text[:200]
    assert "user_id" in answer.text
