"""The response codec: every answer of a vendor, handler or error alike, leaves through here.

Inside, everything speaks JSON: Connexion serialises handlers' results, validates them against the spec
(when response validation is on) and renders errors in the vendor's body. A vendor that offers XML
gets it here, when the client asks by ``Accept`` or by the vendor's format parameter: the JSON
answer, already validated, is encoded as XML, so an XML answer is held to the same schema. Where an
operation documents the format parameter as its own (a report's file format), only ``Accept`` asks.

The parameter is read from the query string here. Where the vendor also takes it in a body, the body is
read further in, once ``RequestBounds`` has bounded and read it: ``BodyFormat`` there changes the choice
``Codec`` put in the scope (``choice_of``), before any answer starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..asgi import header, read_body, replay

Encoder = Callable[[Any], bytes]
XML_TYPES = ("application/xml", "text/xml")
# The scope extension holding a request's ``Choice``.
CHOICE = "lms-sandbox.answer-format"


@dataclass(slots=True)
class Choice:
    """Whether a request's answer leaves as XML; a layer that reads the body may still change it."""

    xml: bool


def choice_of(scope: Scope) -> Choice | None:
    """The ``Choice`` an outer ``Codec`` put in ``scope`` (``None`` when no codec answers for it)."""
    found = scope.get("extensions", {}).get(CHOICE)
    return found if isinstance(found, Choice) else None


def wants_xml(scope: Scope, parameter: str | None) -> bool:
    """Whether the request asks for XML: ``?{parameter}=xml``, else an ``Accept`` preferring XML to JSON."""
    if parameter:
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
            if name == parameter:
                return bool(value.strip().lower() == "xml")
    accept = (header(scope, b"accept") or b"").decode("latin-1").lower()
    # Rank by q-value, then by order: (q, -position), the higher the more preferred; q=0 refuses.
    ranked = [(media, _quality(params), -i) for i, (media, params) in enumerate(_media_ranges(accept))]
    xml = [(q, at) for media, q, at in ranked if media in XML_TYPES and q > 0]
    json_ = [(q, at) for media, q, at in ranked if "json" in media and q > 0]
    return bool(xml) and (not json_ or max(xml) > max(json_))


def _media_ranges(accept: str) -> list[tuple[str, list[str]]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media:
            ranges.append((media, params))
    return ranges


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


class Codec:
    """ASGI middleware answering in XML where the vendor offers it and the client asks for it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        encode: Encoder,
        parameter: str | None = None,
        own_format: Callable[[Scope], bool] = lambda scope: False,
        late: bool = False,
    ) -> None:
        self.app = app
        self.encode = encode
        self.parameter = parameter
        # A ``BodyFormat`` further in may still ask for XML: every request carries a ``Choice``.
        self.late = late
        # Whether a request's operation takes the parameter as its own: then it is not a request for XML.
        self.own_format = own_format

    def _parameter(self, scope: Scope) -> str | None:
        return None if self.own_format(scope) else self.parameter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        choice = Choice(wants_xml(scope, self._parameter(scope)))
        if not choice.xml and not self.late:
            await self.app(scope, receive, send)
            return
        # In the scope's own extensions: layers further in write theirs there for the outer ones to read.
        scope.setdefault("extensions", {})[CHOICE] = choice
        inner = dict(scope)
        if choice.xml:
            # The app behind answers (and validates) JSON; only this layer knows XML was asked for.
            inner["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept"] + [
                (b"accept", b"application/json")
            ]
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if not choice.xml:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._answer(send, start, b"".join(chunks))
            else:
                await send(message)

        await self.app(inner, receive, capture)

    async def _answer(self, send: Send, start: Message, body: bytes) -> None:
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length",)]
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if b"json" in content_type and body:
            body = self.encode(json.loads(body))
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            headers.append((b"content-type", b"application/xml; charset=utf-8"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class BodyFormat:
    """ASGI middleware reading the format parameter from a form or JSON body (``Codec``'s ``late`` choice).

    It sits behind ``RequestBounds``, so the body it reads is bounded and already whole. A body's value
    wins over the query string's (Rails merges a request's body parameters over its query's); an operation
    that owns the parameter (``own_format``) is left alone, as ``Codec`` leaves it.
    """

    def __init__(self, app: ASGIApp, *, parameter: str, own_format: Callable[[Scope], bool]) -> None:
        self.app = app
        self.parameter = parameter
        self.own_format = own_format

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        choice = choice_of(scope) if scope["type"] == "http" else None
        if choice is None or self.own_format(scope):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        asked = _body_parameter(scope, body, self.parameter)
        if asked is not None:
            choice.xml = asked.strip().lower() == "xml"
        await self.app(scope, replay(body, receive), send)


def _body_parameter(scope: Scope, body: bytes, name: str) -> str | None:
    """The value of ``name`` in a form or JSON object body, if it is there as text."""
    if not body:
        return None
    content_type = (header(scope, b"content-type") or b"").lower()
    if b"x-www-form-urlencoded" in content_type:
        found = [v for k, v in parse_qsl(body.decode("latin-1"), keep_blank_values=True) if k == name]
        return found[-1] if found else None
    if b"json" in content_type or not content_type:
        try:
            loaded = json.loads(body)
        except (ValueError, RecursionError):
            return None
        value = loaded.get(name) if isinstance(loaded, dict) else None
        return value if isinstance(value, str) else None
    return None
