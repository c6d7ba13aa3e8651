"""The shared ASGI helpers: route paths, whole answers, and request-body rewrites."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from mockserver.asgi import (
    read_body,
    replay,
    rewrite_body,
    route_path,
    send_body,
    send_json,
    send_problem,
    without_headers,
)


def test_the_route_path_is_the_path_under_the_mount() -> None:
    def under(path: str, root_path: str) -> str:
        return route_path({"type": "http", "path": path, "root_path": root_path})

    assert under("/absorb/users/7", "/absorb") == "/users/7"
    assert under("/absorb", "/absorb") == ""
    assert under("/users", "") == "/users"
    # Not under the mount after all: Starlette's routes see the whole path.
    assert under("/absorbx/users", "/absorb") == "/absorbx/users"


def _sent(answer: Callable[[Send], Awaitable[None]]) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(answer(send))
    return sent


def test_a_json_answer_has_its_type_and_length_first_then_the_extra_headers() -> None:
    start, body = _sent(lambda send: send_json(send, 405, {"message": "no"}, {"Allow": "GET, HEAD"}))
    assert start == {
        "type": "http.response.start",
        "status": 405,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", b"17"),
            (b"allow", b"GET, HEAD"),
        ],
    }
    assert body == {"type": "http.response.body", "body": b'{"message": "no"}'}


def test_a_problem_answer_is_problem_json_with_title_status_and_detail() -> None:
    start, body = _sent(lambda send: send_problem(send, 404, "Not Found", "no API is served at /x"))
    assert (b"content-type", b"application/problem+json") in start["headers"]
    assert json.loads(body["body"]) == {
        "title": "Not Found",
        "status": 404,
        "detail": "no API is served at /x",
    }


def test_a_head_answer_describes_the_body_it_does_not_send() -> None:
    extra = [(b"content-disposition", b"attachment")]
    start, body = _sent(lambda send: send_body(send, 200, b"a,b\n", "text/csv", extra, head=True))
    assert start["headers"] == [
        (b"content-type", b"text/csv"),
        (b"content-length", b"4"),
        (b"content-disposition", b"attachment"),
    ]
    assert body["body"] == b""


def _receive(*messages: Message) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return receive


def test_a_body_sent_in_chunks_is_read_whole_and_replayed_once_before_the_disconnect() -> None:
    async def run() -> tuple[bytes, list[Message]]:
        receive = _receive(
            {"type": "http.request", "body": b"ab", "more_body": True},
            {"type": "http.request", "body": b"cd", "more_body": False},
        )
        body = await read_body(receive)
        again = replay(body, receive)
        return body, [await again(), await again()]

    body, replayed = asyncio.run(run())
    assert body == b"abcd"
    assert replayed == [
        {"type": "http.request", "body": b"abcd", "more_body": False},
        {"type": "http.disconnect"},
    ]


def _through(rewrite: Any, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[Scope, bytes]:
    seen: dict[str, Any] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen["scope"], seen["body"] = scope, await read_body(receive)

    async def send(message: Message) -> None:
        raise AssertionError("the helper answers nothing itself")

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers, "query_string": b""}
    receive = _receive({"type": "http.request", "body": body, "more_body": False})
    asyncio.run(rewrite_body(app, scope, receive, send, rewrite))
    return seen["scope"], seen["body"]


_FORM = [(b"content-type", b"application/x-www-form-urlencoded"), (b"content-length", b"3"), (b"x-a", b"1")]


def test_a_rewritten_body_reaches_the_app_with_its_own_length() -> None:
    def as_json(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
        headers = [
            *without_headers(scope["headers"], b"content-type"),
            (b"content-type", b"application/json"),
        ]
        return {**scope, "headers": headers}, json.dumps({"a": body.decode()[2:]}).encode()

    scope, body = _through(as_json, _FORM, b"a=1")
    assert body == b'{"a": "1"}'
    assert scope["headers"] == [
        (b"x-a", b"1"),
        (b"content-type", b"application/json"),
        (b"content-length", b"10"),
    ]


def test_a_body_the_front_leaves_reaches_the_app_as_sent() -> None:
    scope, body = _through(lambda scope, body: None, _FORM, b"a=1")
    assert body == b"a=1"
    assert scope["headers"] == _FORM


def test_a_body_rewritten_to_nothing_has_no_length() -> None:
    scope, body = _through(lambda scope, body: ({**scope, "query_string": body}, b""), _FORM, b"a=1")
    assert body == b""
    assert scope["query_string"] == b"a=1"
    assert [name for name, _ in scope["headers"]] == [b"content-type", b"x-a"]
