"""The ASGI plumbing the sandbox's layers share: route paths, whole answers, and request-body rewrites.

Every layer in front of a Connexion app (the edge, faults, bounds, the codec, the vendor fronts) reads
the path under its mount with ``route_path``, answers on its own with ``send_json``/``send_problem``/
``send_body``, and a front that changes a request body gives ``rewrite_body`` a function saying what
it rewrites: reading the body, fixing ``content-length`` and replaying it to the app happen here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._starlette import get_route_path

__all__ = [
    "Headers",
    "Rewrite",
    "base_url",
    "read_body",
    "replay",
    "rewrite_body",
    "route_path",
    "send_body",
    "send_json",
    "send_problem",
    "without_headers",
]

# Extra response headers: names and values as text, or as the raw pairs of an ASGI message.
Headers = Mapping[str, str] | Iterable[tuple[bytes, bytes]]
# A front's rewrite of a request: the scope and body the app should see, or None to pass both as sent.
Rewrite = Callable[[Scope, bytes], tuple[Scope, bytes] | None]


def route_path(scope: Scope) -> str:
    """The request's path under its mount (``path`` minus ``root_path``), as Starlette's routes see it."""
    return get_route_path(scope)


def base_url(scope: Scope, mount: str = "") -> str:
    """The sandbox's base URL as the client reached it: scheme, ``Host`` (else the server's address) and
    the root path outside the sandbox, from a request under ``mount`` (a prefix such as
    ``/__sandbox__``, whose ``root_path`` ends with it)."""
    url = URL(scope=scope)
    root: str = scope.get("root_path", "")
    if mount and root.endswith(mount):
        root = root[: -len(mount)]
    return f"{url.scheme}://{url.netloc}{root}"


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of the request header ``name`` (lower case), or ``None``."""
    return next((value for key, value in scope.get("headers", ()) if key.lower() == name), None)


async def read_body(receive: Receive) -> bytes:
    """The whole request body (empty once the client has gone)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, rest: Receive | None = None) -> Receive:
    """A ``receive`` giving ``body`` once, then whatever the connection says next (its disconnect);
    without ``rest``, a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"} if rest is None else await rest()

    return receive


async def until_disconnected(receive: Receive) -> None:
    """Return once the client has gone (its ``http.disconnect``), skipping any body left unread."""
    while (await receive())["type"] != "http.disconnect":
        pass


def without_headers(headers: Iterable[tuple[bytes, bytes]], *names: bytes) -> list[tuple[bytes, bytes]]:
    """``headers`` (raw ASGI pairs) without those named (lower-case ``names``)."""
    return [(k, v) for k, v in headers if k.lower() not in names]


async def rewrite_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send, rewrite: Rewrite) -> None:
    """Calls ``app`` with the request ``rewrite`` makes of ``scope`` and the body it reads.

    The new body replaces ``content-length`` (an empty body has none); when ``rewrite`` returns None,
    the request goes on as it came, its body replayed.
    """
    body = await read_body(receive)
    rewritten = rewrite(scope, body)
    if rewritten is None:
        await app(scope, replay(body, receive), send)
        return
    scope, body = rewritten
    headers = without_headers(scope["headers"], b"content-length")
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    await app({**scope, "headers": headers}, replay(body, receive), send)


def _raw(headers: Headers | None) -> list[tuple[bytes, bytes]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return list(headers)


async def send_body(
    send: Send,
    status: int,
    body: bytes,
    content_type: str | bytes,
    headers: Headers | None = None,
    *,
    head: bool = False,
) -> None:
    """Answer with ``body``: its ``content-type`` and ``content-length`` first, then ``headers``.

    ``head``: the answer to a HEAD request, whose headers describe the body it does not send.
    """
    kind = content_type.encode("latin-1") if isinstance(content_type, str) else content_type
    listed = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *_raw(headers)]
    await send({"type": "http.response.start", "status": status, "headers": listed})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_json(
    send: Send,
    status: int,
    body: Any,
    headers: Headers | None = None,
    *,
    content_type: str | bytes = "application/json",
) -> None:
    """Answer with ``body`` as JSON (the codec outside turns it into XML where that was asked for)."""
    await send_body(send, status, json.dumps(body).encode(), content_type, headers)


async def send_problem(
    send: Send, status: int, title: str, detail: str, headers: Headers | None = None
) -> None:
    """Answer with an RFC 9457 problem (``application/problem+json``): the sandbox's own errors."""
    problem = {"title": title, "status": status, "detail": detail}
    await send_json(send, status, problem, headers, content_type="application/problem+json")
