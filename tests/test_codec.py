"""The response codec: XML where asked for (format parameter or Accept), JSON inside, bodies intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from mockserver.testing import sync_client
from mockserver.vendors.codec import Codec, wants_xml
from mockserver.xmlcodec import decode, encode

BODY = {"id": 1, "name": "Ada & co", "tags": [], "manager": None, "active": True}


async def inner(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers JSON in two chunks naming the Accept it saw; /text answers plain text, /empty a 204."""
    accept = [v.decode() for k, v in scope["headers"] if k == b"accept"]
    if scope["path"] == "/text":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"plain <text>"})
        return
    if scope["path"] == "/empty":
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    raw = json.dumps({**BODY, "accept": accept}).encode()
    status = 404 if scope["path"] == "/missing" else 200
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
        (b"x-request-id", b"r1"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw[:10], "more_body": True})
    await send({"type": "http.response.body", "body": raw[10:]})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with sync_client(Codec(inner, encode=encode, parameter="format")) as c:
        yield c


def scope_with(query: str = "", accept: str | None = None) -> Scope:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return {"type": "http", "query_string": query.encode(), "headers": headers}


@pytest.mark.parametrize(
    ("accept", "xml"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("application/xml", True),
        ("text/xml", True),
        ("application/XML", True),
        ("application/xml, application/json", True),
        ("application/json, application/xml", False),
        ("application/json;q=0.5, application/xml", True),
        ("application/xml;q=0.5, application/json", False),
        ("application/xml;q=0.9, application/json;q=0.8", True),
        ("application/xml;q=0", False),
        ("text/html, application/xml;q=0.9, */*;q=0.8", True),
    ],
)
def test_accept_asks_for_xml_when_it_prefers_xml_to_json(accept: str | None, xml: bool) -> None:
    assert wants_xml(scope_with(accept=accept), None) is xml


def test_the_format_parameter_wins_over_accept() -> None:
    assert wants_xml(scope_with("format=xml", "application/json"), "format") is True
    assert wants_xml(scope_with("format=XML", None), "format") is True
    assert wants_xml(scope_with("format=json", "application/xml"), "format") is False
    assert wants_xml(scope_with("other=1", "application/xml"), "format") is True
    # A vendor without a format parameter ignores one that happens to be sent.
    assert wants_xml(scope_with("format=xml", None), None) is False


def test_json_is_answered_untouched_when_xml_is_not_asked_for(client: httpx.Client) -> None:
    answer = client.get("/x", headers={"Accept": "application/json"})
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {**BODY, "accept": ["application/json"]}


@pytest.mark.parametrize(
    ("params", "headers"),
    [({"format": "xml"}, {}), ({}, {"Accept": "application/xml"}), ({}, {"Accept": "text/xml"})],
)
def test_xml_answers_encode_the_json_the_app_gave_when_asked_for_json(
    client: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    answer = client.get("/x", params=params, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.headers["x-request-id"] == "r1"
    assert decode(answer.content) == {**BODY, "accept": ["application/json"]}


def test_an_error_keeps_its_status_in_xml(client: httpx.Client) -> None:
    answer = client.get("/missing", params={"format": "xml"})
    assert answer.status_code == 404
    assert decode(answer.content)["name"] == "Ada & co"


def test_a_body_that_is_not_json_passes_through_with_its_type_and_length(client: httpx.Client) -> None:
    answer = client.get("/text", params={"format": "xml"})
    assert answer.headers["content-type"] == "text/plain"
    assert answer.content == b"plain <text>"
    assert answer.headers["content-length"] == str(len(b"plain <text>"))


def test_an_empty_json_answer_stays_empty(client: httpx.Client) -> None:
    answer = client.get("/empty", params={"format": "xml"})
    assert (answer.status_code, answer.content) == (204, b"")


def test_other_scopes_pass_straight_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        return {}

    async def send(message: Any) -> None:
        return None

    anyio.run(Codec(app, encode=encode, parameter="format"), {"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


def _at_report(scope: Scope) -> bool:
    return bool(scope["path"].rstrip("/") == "/report")


def test_where_an_operation_owns_the_format_parameter_only_accept_asks_for_xml() -> None:
    with sync_client(Codec(inner, encode=encode, parameter="format", own_format=_at_report)) as c:
        own = c.get("/report", params={"format": "xml"})
        assert own.headers["content-type"] == "application/json"
        assert own.json()["accept"] == ["*/*"]
        accepted = c.get("/report/", params={"format": "csv"}, headers={"Accept": "application/xml"})
        assert decode(accepted.content)["name"] == "Ada & co"
        # Elsewhere the parameter still asks.
        assert c.get("/other", params={"format": "xml"}).headers["content-type"].startswith("application/xml")
