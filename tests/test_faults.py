"""Faults on demand: every kind, probability and ``times``, reproducibility, where faults are set."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver import DroppedConnection, FaultSpec, FixtureError, InvalidFault, Sandbox, create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.faults import parse_fault
from mockserver.options import SERVERS
from mockserver.resources import fixture_path
from mockserver.server import LiveServer
from mockserver.testing import sync_client
from mockserver.vendors import get_vendor, load, vendor_names

from .conftest import AUTH

BASE = "/__sandbox__"
USERS = "/apprentiscope/read-users/all"
SKYPREP_USERS = "/skyprep/admin/api/get_users"
SKYPREP_KEYS = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}


@pytest.fixture(scope="module")
def small_app() -> Sandbox:
    # Trusting 127.0.0.1's X-Forwarded-For: a drop over a socket still finds its connection.
    return create_app(apis=("apprentiscope", "skyprep"), forwarded_allow_ips=("127.0.0.1",))


@pytest.fixture
def app(small_app: Sandbox) -> Iterator[Sandbox]:
    small_app.reset(0)
    yield small_app
    small_app.reset(0)


@pytest.fixture
def api(app: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(app) as client:
        yield client


def _add(app: Sandbox, **fields: Any) -> dict[str, Any]:
    return app.faults.add(FaultSpec.from_json(fields)).to_json()


def _statuses(client: httpx.Client, count: int, path: str = USERS) -> list[int]:
    return [client.get(path, headers=AUTH).status_code for _ in range(count)]


# the kinds


@pytest.mark.parametrize("name", vendor_names())
def test_an_injected_status_answers_in_each_vendors_own_error_body(
    sandbox: Sandbox, client: httpx.Client, name: str
) -> None:
    vendor = get_vendor(name)
    _add(sandbox, api=name, status=500)
    response = client.get(f"{sandbox.apis[name].prefix}/any/path")
    render = load(vendor.edge_errors or vendor.errors)
    assert response.status_code == 500
    assert response.json() == render(500, "Internal Server Error (a fault injected by the sandbox)")
    assert response.headers["x-sandbox-fault"] == "id=f1 kind=status status=500"


def test_a_429_carries_retry_after_and_a_503_its_own(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", status=429, times=1)
    _add(app, api="apprentiscope", status=503, retry_after=30, times=1)
    limited, unavailable = api.get(USERS, headers=AUTH), api.get(USERS, headers=AUTH)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert "retry in 1 seconds" in limited.text
    assert unavailable.status_code == 503
    assert unavailable.headers["retry-after"] == "30"


def test_a_refused_write_changes_no_state(app: Sandbox, api: httpx.Client) -> None:
    before = app.store.export("apprentiscope")
    _add(app, api="apprentiscope", operation="createPartner", status=503)
    partner = {"item": {"title": "Never stored", "type": "employer"}}
    assert api.post("/apprentiscope/create-partner", headers=AUTH, json=partner).status_code == 503
    assert app.store.export("apprentiscope") == before


def test_latency_is_added_and_recorded_with_its_seeded_jitter(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", latency_ms=1, jitter_ms=4, times=3)
    responses = [api.get(USERS, headers=AUTH) for _ in range(4)]
    assert [r.status_code for r in responses] == [200] * 4
    delays = [e.fault["latency_ms"] for e in app.journal.entries() if e.fault]
    assert len(delays) == 3
    assert all(1 <= d <= 5 for d in delays)
    assert len(set(delays)) == 3
    assert all(e.duration_ms >= 1 for e in app.journal.entries()[:3])
    assert responses[0].headers["x-sandbox-fault"] == f"id=f1 kind=latency latency_ms={delays[0]}"
    assert "x-sandbox-fault" not in responses[3].headers


def test_latency_and_a_status_both_apply_to_one_request(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", latency_ms=2)
    _add(app, api="apprentiscope", status=500)
    assert api.get(USERS, headers=AUTH).status_code == 500
    (entry,) = app.journal.entries()
    assert entry.fault == {"id": "f2", "kind": "status", "status": 500, "latency_ms": 2.0, "latency_id": "f1"}


def test_a_dropped_connection_is_a_transport_error_in_process(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", kind="drop", times=1)
    with pytest.raises(ConnectionError):
        api.get(USERS, headers=AUTH)
    assert api.get(USERS, headers=AUTH).status_code == 200
    dropped, answered = app.journal.entries()
    assert (dropped.status, dropped.fault, dropped.error) == (
        0,
        {"id": "f1", "kind": "drop"},
        "connection dropped by fault f1",
    )
    assert dropped.operation_id == "readUsers"
    assert answered.fault is None


def test_a_truncated_body_stops_short_of_its_content_length(app: Sandbox, api: httpx.Client) -> None:
    whole = api.get(USERS, headers=AUTH).content
    _add(app, api="apprentiscope", kind="truncate")
    cut = api.get(USERS, headers=AUTH)
    assert cut.headers["content-length"] == str(len(whole))
    assert cut.content == whole[: len(whole) // 2]


def test_a_malformed_body_is_complete_but_does_not_parse(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", kind="malformed")
    broken = api.get(USERS, headers=AUTH)
    assert broken.status_code == 200
    assert broken.headers["content-length"] == str(len(broken.content))
    with pytest.raises(json.JSONDecodeError):
        broken.json()


def test_an_answer_without_a_body_is_left_whole(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", kind="malformed")
    _add(app, api="skyprep", status=599)
    head = api.head(USERS, headers=AUTH)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["x-sandbox-fault"] == "id=f1 kind=malformed"
    # What the app sent, before the client dropped it: left whole.
    assert "malformed" not in app.journal.entries()[-1].response_body
    assert "Error (a fault injected by the sandbox)" in api.get(SKYPREP_USERS).text


@pytest.mark.parametrize("server", SERVERS)
def test_over_a_real_socket_a_drop_and_a_truncation_close_the_connection_without_a_500(
    app: Sandbox, server: str
) -> None:
    with LiveServer(app, server=server) as live, httpx.Client(base_url=live.url, headers=AUTH) as client:
        _add(app, api="apprentiscope", kind="drop", times=1)
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.get(USERS, headers={"X-Forwarded-For": "203.0.113.9"})
        _add(app, api="apprentiscope", kind="truncate", times=1)
        with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
            client.get(USERS)
        assert client.get(USERS).status_code == 200
    assert [e.status for e in app.journal.entries()] == [0, 200, 200]


# probability, times, matching


def test_times_fires_on_the_next_n_calls_only(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", status=503, times=2)
    assert _statuses(api, 3) == [503, 503, 200]
    (fault,) = app.faults.listed()
    assert (fault["remaining"], fault["fired"]) == (0, 2)


def test_probability_zero_never_fires_and_one_always_does(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", status=500, probability=0.0)
    assert _statuses(api, 5) == [200] * 5
    _add(app, api="apprentiscope", status=503, probability=1.0)
    assert _statuses(api, 3) == [503] * 3


def test_a_fault_on_one_operation_leaves_the_others_alone(app: Sandbox, api: httpx.Client) -> None:
    user = api.get(USERS, headers=AUTH).json()[0]["id"]
    _add(app, api="apprentiscope", operation="readUser", status=503)
    assert api.get(f"/apprentiscope/read-user/{user}", headers=AUTH).status_code == 503
    assert api.get(USERS, headers=AUTH).status_code == 200
    assert api.get(SKYPREP_USERS, params=SKYPREP_KEYS).status_code == 200


def test_a_fault_on_a_whole_api_leaves_other_apis_alone(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="skyprep", status=500)
    assert api.get(SKYPREP_USERS, params=SKYPREP_KEYS).status_code == 500
    assert api.get(USERS, headers=AUTH).status_code == 200


def test_a_bare_call_name_matches_both_twins_and_a_twins_id_only_itself(
    app: Sandbox, api: httpx.Client
) -> None:
    _add(app, api="skyprep", operation="get_users", status=503, times=2)
    assert api.get(SKYPREP_USERS, params=SKYPREP_KEYS).status_code == 503
    assert api.post(SKYPREP_USERS, json=SKYPREP_KEYS).status_code == 503
    app.faults.clear()
    _add(app, api="skyprep", operation="get_usersGet", status=503)
    assert api.post(SKYPREP_USERS, json=SKYPREP_KEYS).status_code == 200
    assert api.get(SKYPREP_USERS, params=SKYPREP_KEYS).status_code == 503


# reproducibility


def _sequence(seed: int) -> list[int]:
    sandbox = create_app(apis=("apprentiscope",), seed=seed)
    sandbox.faults.add(FaultSpec.from_json({"api": "apprentiscope", "status": 503, "probability": 0.5}))
    sandbox.faults.add(FaultSpec.from_json({"api": "apprentiscope", "latency_ms": 0.1, "jitter_ms": 1}))
    with sync_client(sandbox) as client:
        statuses = _statuses(client, 24)
    delays = [e.fault["latency_ms"] for e in sandbox.journal.entries() if e.fault]
    return statuses + delays


def test_the_same_seed_gives_the_same_faults_and_another_seed_others() -> None:
    first = _sequence(3)
    assert 503 in first
    assert 200 in first
    assert _sequence(3) == first
    assert _sequence(4) != first


def test_a_reset_replays_the_same_decisions(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", status=503, probability=0.5)
    first = _statuses(api, 12)
    app.reset(0)
    _add(app, api="apprentiscope", status=503, probability=0.5)
    assert _statuses(api, 12) == first


# reset and the journal


def test_a_reset_forgets_added_faults_and_rearms_configured_ones() -> None:
    sandbox = create_app(apis=("apprentiscope",), faults=("apprentiscope:readUsers=status:503,times:1",))
    sandbox.faults.add(FaultSpec.from_json({"api": "apprentiscope", "status": 500}))
    with sync_client(sandbox) as client:
        assert _statuses(client, 2) == [503, 500]
        client.post(f"{BASE}/reset")
        assert [f["id"] for f in client.get(f"{BASE}/faults").json()] == ["f1"]
        assert _statuses(client, 2) == [503, 200]


def test_the_control_planes_journal_marks_injected_responses(app: Sandbox, api: httpx.Client) -> None:
    _add(app, api="apprentiscope", status=503, times=1)
    _statuses(api, 2)
    entries = api.get(f"{BASE}/journal", params={"api": "apprentiscope"}).json()["entries"]
    assert [(e["status"], e["fault"]) for e in entries] == [
        (503, {"id": "f1", "kind": "status", "status": 503}),
        (200, None),
    ]
    assert entries[0]["operation_id"] == "readUsers"


# the control plane


def test_faults_are_added_listed_and_removed_through_the_control_plane(
    app: Sandbox, api: httpx.Client
) -> None:
    added = api.post(f"{BASE}/faults", json={"api": "apprentiscope", "operation": "readUsers", "status": 503})
    assert added.status_code == 201
    assert added.json() == {
        "id": "f1",
        "api": "apprentiscope",
        "operation": "readUsers",
        "kind": "status",
        "status": 503,
        "probability": 1.0,
        "times": None,
        "remaining": None,
        "fired": 0,
    }
    api.post(f"{BASE}/faults", json={"api": "skyprep", "kind": "drop", "times": 1})
    assert [f["id"] for f in api.get(f"{BASE}/faults").json()] == ["f1", "f2"]
    assert api.delete(f"{BASE}/faults/f1").status_code == 204
    assert [f["id"] for f in api.get(f"{BASE}/faults").json()] == ["f2"]
    assert api.get(USERS, headers=AUTH).status_code == 200
    missing = api.delete(f"{BASE}/faults/f1")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Unknown fault"
    assert api.delete(f"{BASE}/faults").status_code == 204
    assert api.get(f"{BASE}/faults").json() == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        # The spec's schema refuses some first, in its own words.
        ({"api": "apprentiscope", "kind": "explode"}, "'explode' is not one of ['latency', 'status'"),
        ({"api": "absorbb", "kind": "drop"}, "API 'absorbb' is not served; served: apprentiscope, skyprep"),
        ({"api": "apprentiscope", "operation": "readUzer", "kind": "drop"}, "no operation 'readUzer'"),
        ({"api": "apprentiscope", "status": 200}, "200 is less than the minimum of 400 - 'status'"),
        ({"api": "apprentiscope", "kind": "drop", "probability": 2}, "2 is greater than the maximum of 1"),
        ({"api": "apprentiscope", "kind": "drop", "times": 0}, "0 is less than the minimum of 1 - 'times'"),
        ({"api": "apprentiscope", "kind": "latency"}, "a latency fault needs latency_ms"),
        ({"api": "apprentiscope", "kind": "drop", "status": 503}, "apply to kind 'status', not 'drop'"),
        ({"api": "apprentiscope", "kind": "drop", "every": 2}, "unknown fault field(s) every"),
        ({"api": "apprentiscope"}, "a fault needs 'kind'"),
    ],
)
def test_an_invalid_fault_is_a_400_problem_and_nothing_is_added(
    api: httpx.Client, body: dict[str, Any], detail: str
) -> None:
    response = api.post(f"{BASE}/faults", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert api.get(f"{BASE}/faults").json() == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"api": "apprentiscope", "kind": "explode"}, "unknown fault kind 'explode'; kinds: latency, status"),
        ({"api": "apprentiscope", "status": 200}, "an injected status must be 400-599, got 200"),
        ({"api": "apprentiscope", "kind": "drop", "probability": 2}, "probability must be between 0 and 1"),
        ({"api": "apprentiscope", "kind": "drop", "times": 0}, "times must be at least 1"),
        ({"api": "apprentiscope", "kind": "drop", "times": 1.5}, "times must be an integer, got 1.5"),
        ({"api": "apprentiscope", "latency_ms": -1}, "must not be negative"),
        ({"kind": "drop"}, "a fault needs 'api'"),
    ],
)
def test_a_fault_spec_checks_its_values_wherever_it_comes_from(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidFault, match=re.escape(message)):
        FaultSpec.from_json(fields)


# serve --fault and scenarios


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apprentiscope:readUser=status:503,times:2", {"operation": "readUser", "status": 503, "times": 2}),
        ("apprentiscope=latency:200,jitter:50,probability:0.5", {"latency_ms": 200.0, "jitter_ms": 50.0}),
        ("apprentiscope=status:429", {"status": 429, "retry_after": 1}),
        ("apprentiscope=status:503,retry_after:9", {"status": 503, "retry_after": 9}),
        ("apprentiscope=drop", {"kind": "drop", "times": None, "probability": 1.0}),
        ("apprentiscope=truncate,times:1", {"kind": "truncate", "times": 1}),
        ("apprentiscope=malformed,probability:0.25", {"kind": "malformed", "probability": 0.25}),
    ],
)
def test_the_compact_form_reads_every_kind(text: str, expected: dict[str, Any]) -> None:
    parsed = parse_fault(text).to_json()
    assert parsed["api"] == "apprentiscope"
    assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("apprentiscope", "expected API[:OPERATION]=KIND"),
        ("apprentiscope=drop:3", "kind 'drop' takes no value"),
        ("apprentiscope=status:503,often:2", "unknown item 'often:2'"),
        ("apprentiscope=status:abc", "'abc' in 'apprentiscope=status:abc' is not a number"),
        ("apprentiscope=boom", "unknown fault kind 'boom'"),
    ],
)
def test_a_bad_compact_form_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(InvalidFault, match=re.escape(message)):
        parse_fault(text)


def test_serve_fault_is_repeatable_and_reaches_the_options() -> None:
    args = build_parser().parse_args(
        ["serve", "--fault", "apprentiscope:readUser=status:503,times:2", "--fault", "skyprep=drop"]
    )
    assert options_from_args(args).faults == ("apprentiscope:readUser=status:503,times:2", "skyprep=drop")


@pytest.mark.parametrize(
    ("value", "message"), [("nope=drop", "unknown API 'nope'"), ("apprentiscope=bogus", "unknown fault kind")]
)
def test_serve_refuses_a_bad_fault_naming_the_problem(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--fault", value])
    assert message in capsys.readouterr().err


def _scenario(tmp_path: Path, faults: Any) -> Path:
    scenario = yaml.safe_load(fixture_path(get_vendor("apprentiscope").default_fixture).read_text())
    path = tmp_path / "faulty.yaml"
    path.write_text(yaml.safe_dump({**scenario, "faults": faults}))
    return path


def test_a_scenarios_faults_apply_to_its_api_and_come_back_after_a_reset(tmp_path: Path) -> None:
    path = _scenario(tmp_path, [{"operation": "readUsers", "status": 503, "times": 1}, {"kind": "drop"}])
    sandbox = create_app(apis=("apprentiscope",), fixtures=(path,))
    listed = sandbox.faults.listed()
    assert [(f["api"], f["kind"], f["operation"]) for f in listed] == [
        ("apprentiscope", "status", "readUsers"),
        ("apprentiscope", "drop", None),
    ]
    sandbox.faults.remove("f2")
    with sync_client(sandbox) as client:
        assert _statuses(client, 2) == [503, 200]
        sandbox.reset()
        assert _statuses(client, 1) == [503]  # the first fault that fires decides; the drop waits
        with pytest.raises(DroppedConnection):
            client.get(USERS, headers=AUTH)


def test_a_scenario_with_an_invalid_fault_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(
        FixtureError, match="the apprentiscope scenario has an invalid fault: unknown fault kind"
    ):
        create_app(apis=("apprentiscope",), fixtures=(_scenario(tmp_path, [{"kind": "boom"}]),))
    with pytest.raises(InvalidFault, match="has no operation 'nope'"):
        create_app(
            apis=("apprentiscope",), fixtures=(_scenario(tmp_path, [{"operation": "nope", "kind": "drop"}]),)
        )
