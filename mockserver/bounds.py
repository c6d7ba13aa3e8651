"""Bounded inputs: request bodies, query strings and headers over a limit are refused, in the API's own body.

``RequestBounds`` sits in front of an app (inside a vendor's response codec, or in front of the
control plane). In order it answers 414 for a request target longer than the HTTP server reads
(``TARGET_SIZE``, put in the scope by ``mockserver._uvicorn``), for a path or a query string over its
limit, 431 for a header or a
header block over theirs, and 413 for a body whose ``Content-Length`` says it is over the limit,
without reading it. Otherwise it reads the body, counting as the chunks arrive, and stops at the
first byte past the limit with a 413: no more than the limit (and one chunk) is ever held. A body
within the limit is handed on whole, so nothing behind this layer (the credential edge, a form
layer, Connexion, the handler that takes the store lock) waits on a slow client.

Read whole, a request is refused (400) when its JSON body is not strict JSON, or when its path, query
string, form or JSON body holds a value that could not be served back (``servable``): invalid UTF-8,
or text XML 1.0 cannot carry.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .asgi import header, read_body, replay, route_path, send_json
from .excerpt import excerpt
from .index import route_of
from .options import SandboxOptions
from .servable import request_refusal

__all__ = ["TARGET_SIZE", "Bounds", "RequestBounds", "format_size", "parse_size"]

# Where the HTTP server notes, in scope["extensions"], the size of a request target longer than its
# parser reads (the request then carries a shortened path, and is refused with a 414 here).
TARGET_SIZE = "lms_sandbox.target_size"

Render = Callable[..., dict[str, Any]]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """A size in bytes from ``1048576``, ``512k``, ``1MiB``, ``1.5M`` or ``2MB`` (k/M/G and KiB/MiB/GiB
    count in 1024s, KB/MB/GB in 1000s); ``ValueError`` naming the accepted forms otherwise."""
    found = _SIZE.match(text)
    unit = found.group(2).lower() if found else ""
    if found is None or unit not in _UNITS:
        raise ValueError(f"invalid size {text!r}; write bytes or a unit, e.g. 1048576, 512k, 1MiB, 2MB")
    size = int(float(found.group(1)) * _UNITS[unit])
    if size < 1:
        raise ValueError(f"a size must be at least 1 byte, got {text!r}")
    return size


def format_size(size: int) -> str:
    """``1048576`` as ``1 MiB``, ``1536`` as ``1.5 KiB``: for messages and help texts."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True, slots=True)
class Bounds:
    """The limits one app applies, in bytes: body, query string, one header, all headers, path."""

    body: int
    query: int
    header: int
    headers: int
    path: int = 8 * 1024

    @classmethod
    def of(cls, options: SandboxOptions) -> Bounds:
        """The API limits of ``options`` (the control plane's imports have their own body limit)."""
        return cls(
            body=options.max_body_size,
            query=options.max_query_size,
            header=options.max_header_size,
            headers=options.max_headers_size,
            path=options.max_path_size,
        )


class RequestBounds:
    """Refuses a request over ``bounds`` before ``app`` sees it; hands on the others with their body read.

    Args:
        app: the app behind.
        bounds: the limits; ``body_limit`` may choose another body limit per request (by path).
        render: the error renderer ``(status, message) -> body`` of the app's own error format.
        content_type: the media type of that body.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        bounds: Bounds,
        render: Render,
        body_limit: Callable[[Scope], int] | None = None,
        content_type: str = "application/json",
        json_render: Callable[[Scope], Render] | None = None,
    ) -> None:
        self.app = app
        self.bounds = bounds
        self.render = render
        # A JSON body the API cannot read is the API's refusal (DfE's own body, not its gateway's).
        self.json_render = json_render or (lambda scope: render)
        self.body_limit = body_limit or (lambda _scope: bounds.body)
        self.content_type = content_type.encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await self._refuse(send, *refusal)
            return
        scope = media_type_lowered(scope)
        limit = self.body_limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, 413, _too_large(limit, f"Content-Length is {declared}"))
            return
        messages: list[Message] = []
        received = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away; the app behind sees it as it would have
            received += len(message.get("body", b""))
            if received > limit:
                await self._refuse(send, 413, _too_large(limit, f"more than {limit} bytes were sent"))
                return
            if not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages)
        loaded, unreadable = _read_json(scope, body)
        if unreadable is None:
            unreadable = _unreadable_path(scope) or request_refusal(
                scope, body, header(scope, b"content-type"), loaded
            )
        if unreadable is not None:
            answer = self.json_render(scope)(400, unreadable)
            await send_json(send, 400, answer, content_type=self.content_type)
            return
        await self.app(scope, _replay(messages, receive), send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        bounds = self.bounds
        target = scope.get("extensions", {}).get(TARGET_SIZE)
        if isinstance(target, int):
            return 414, (
                f"Request target too long: {target} bytes; this sandbox accepts a path of at most "
                f"{bounds.path} ({format_size(bounds.path)}) and a query string of at most {bounds.query}"
            )
        path = len(scope.get("raw_path") or scope.get("path", "").encode())
        if path > bounds.path:
            return 414, (
                f"Request path too long: {path} bytes; "
                f"this sandbox accepts at most {bounds.path} ({format_size(bounds.path)})"
            )
        query = len(scope.get("query_string", b""))
        if query > bounds.query:
            return 414, (
                f"Query string too long: {query} bytes; "
                f"this sandbox accepts at most {bounds.query} ({format_size(bounds.query)})"
            )
        total = 0
        for name, value in scope.get("headers", ()):
            size = len(name) + len(value)
            total += size
            if size > bounds.header:
                shown = excerpt(name.decode("latin-1"))
                return 431, (
                    f"Request header {shown!r} too large: {size} bytes with its name; "
                    f"this sandbox accepts at most {bounds.header} ({format_size(bounds.header)}) per header"
                )
        if total > bounds.headers:
            return 431, (
                f"Request headers too large: {total} bytes together; "
                f"this sandbox accepts at most {bounds.headers} ({format_size(bounds.headers)}) in all"
            )
        return None

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        await send_json(send, status, self.render(status, message), content_type=self.content_type)


def media_type_lowered(scope: Scope) -> Scope:
    """``scope`` with its Content-Type's media type in lower case (RFC 9110: media types are
    case-insensitive; Connexion matches them as written, so ``APPLICATION/JSON`` went unparsed)."""
    headers = scope.get("headers", ())
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"content-type":
            media, sep, rest = value.partition(b";")
            if media.lower() == media:
                return scope
            lowered = list(headers)
            lowered[index] = (name, media.strip().lower() + sep + rest)
            return {**scope, "headers": lowered}
    return scope


class UnlabelledBody:
    """Refuses (415) a body sent without a Content-Type to an operation that takes JSON only.

    Connexion reads such a body as no body at all and hands the handler its bytes; a JSON API refuses it
    as ASP.NET does. It sits behind the credential edge (a request without credentials is refused for
    those first, as the vendors' frameworks do) and in front of Connexion. Where the operation also
    takes forms (SkyPrep), the vendor's own layers read the body.
    """

    def __init__(
        self, app: ASGIApp, *, render: Callable[[Scope], Render], content_type: str = "application/json"
    ) -> None:
        self.app = app
        self.render = render
        self.content_type = content_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = route_of(scope) if scope["type"] == "http" else None
        if route is None or not route.bodies or not all("json" in media for media in route.bodies):
            await self.app(scope, receive, send)
            return
        if header(scope, b"content-type") is not None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if not body:
            await self.app(scope, replay(body, receive), send)
            return
        message = f"Unsupported Media Type: send the body with Content-Type: {', '.join(route.bodies)}"
        await send_json(send, 415, self.render(scope)(415, message), content_type=self.content_type)


# How deep a JSON body may nest: System.Text.Json's default MaxDepth (ASP.NET), below Rails' 100. Deeper
# bodies made Python's parser and the validators recurse past their limit (a 500).
JSON_DEPTH = 64


def _read_json(scope: Scope, body: bytes) -> tuple[Any, str | None]:
    """A JSON body as read (``None`` when there is none), and why it is refused at the door, if it is.

    Read by orjson, as a strict parser: no ``NaN`` or ``Infinity``, no number too large for a double (a
    4,300-digit integer stopped Python's parser), no lone surrogate, and at most ``JSON_DEPTH`` levels.
    An unlabelled body is read when it looks like JSON (SkyPrep's clients send JSON on GET).
    """
    if not body:
        return None, None
    content_type = header(scope, b"content-type")
    if content_type is None:
        if body.lstrip()[:1] not in (b"{", b"["):
            return None, None
    elif b"json" not in content_type.lower():
        return None, None
    try:
        loaded = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return None, f"Request body is not valid JSON: {exc}"
    if _deeper_than(loaded, JSON_DEPTH):
        return None, f"Request body nests deeper than {JSON_DEPTH} levels"
    return loaded, None


def _unreadable_path(scope: Scope) -> str | None:
    """Why a number in the request's path is refused at the door (``None`` when every one is readable).

    A path parameter the spec types as a number is matched by the router's ``[0-9]+`` and then read
    with ``int``: past Python's 4,300 digits that raised (a 500 for a 5,000-digit ULN).
    """
    route = route_of(scope)
    if route is None:
        return None
    numeric = {
        str(p.get("name"))
        for p in route.parameters
        if p.get("in") == "path" and (p.get("schema") or {}).get("type") in ("integer", "number")
    }
    if not numeric:
        return None
    template = route.path.strip("/").split("/")
    sent = route_path(scope).strip("/").split("/")
    for pattern, value in zip(template, sent, strict=False):
        name = pattern[1:-1] if pattern.startswith("{") and pattern.endswith("}") else None
        if name in numeric and len(value) > sys.get_int_max_str_digits() and value.isdigit():
            return f"Path parameter {name!r} is a number of {len(value)} digits, too long to read"
    return None


def _deeper_than(value: Any, limit: int) -> bool:
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _too_large(limit: int, why: str) -> str:
    return f"Request body too large: this sandbox accepts at most {limit} bytes ({format_size(limit)}); {why}"


def _content_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None  # the server refuses a malformed one; in-process, the count decides


def _replay(messages: list[Message], rest: Receive) -> Receive:
    """A ``receive`` giving the messages already read, in order, then whatever the connection says next."""
    pending = iter(messages)

    async def receive() -> Message:
        for message in pending:
            return message
        return await rest()

    return receive
