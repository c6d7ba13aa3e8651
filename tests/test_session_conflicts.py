"""A request names one session: two different ``X-Sandbox-Session`` values (two headers, or a header
and the ``/__session__/NAME/`` prefix) are refused with a 400; the same name twice is taken."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver import Sandbox
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY, get_vendor, load

SESSION = "X-Sandbox-Session"
WHY = "names more than one session"


@pytest.fixture
def app(sandbox: Sandbox) -> Iterator[Sandbox]:
    yield sandbox
    sandbox.sessions.close()


def _refused_by_the_api(answer: httpx.Response, api: str) -> None:
    assert answer.status_code == 400, answer.text
    vendor = get_vendor(api)
    # The API's own error body (DfE: its gateway's, for a request no document took).
    expected = load(vendor.edge_errors or vendor.errors)(400, "x")
    assert set(answer.json()) == set(expected)
    assert WHY in answer.text


def _refused_as_a_problem(answer: httpx.Response) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert WHY in answer.json()["detail"]


@pytest.mark.parametrize("api", list(REGISTRY))
def test_two_session_headers_naming_different_sessions_are_refused_in_the_apis_body(
    app: Sandbox, api: str
) -> None:
    prefix = app.apis[api].prefix
    with sync_client(app) as client:
        by_headers = client.get(f"{prefix}/any", headers=[(SESSION, "one"), (SESSION, "two")])
        by_prefix = client.get(f"/__session__/one{prefix}/any", headers={SESSION: "two"})
    _refused_by_the_api(by_headers, api)
    _refused_by_the_api(by_prefix, api)
    assert len(app.sessions) == 0
    assert app.journal.entries() == []


def test_the_control_plane_refuses_two_sessions_as_a_problem(app: Sandbox) -> None:
    with sync_client(app) as client:
        _refused_as_a_problem(client.get("/__sandbox__/journal", headers=[(SESSION, "a"), (SESSION, "b")]))
        _refused_as_a_problem(client.post("/__session__/a/__sandbox__/reset", headers={SESSION: "b"}))
    assert len(app.sessions) == 0


def test_the_same_session_named_twice_is_taken(app: Sandbox) -> None:
    auth = {"Authorization": "sandbox-apprentiscope-token"}
    with sync_client(app, headers=auth) as client:
        twice = client.get("/apprentiscope/read-occupations", headers=[(SESSION, "same"), (SESSION, "same")])
        both = client.get("/__session__/same/apprentiscope/read-occupations", headers={SESSION: "same"})
        listed = client.get("/__sandbox__/journal", headers={SESSION: "same"}).json()
    assert (twice.status_code, both.status_code) == (200, 200)
    assert [s["name"] for s in app.sessions.listed()] == ["same"]
    assert [(e["operation_id"], e["session"]) for e in listed["entries"]] == [("readOccupations", "same")] * 2
    assert app.journal.entries() == []
