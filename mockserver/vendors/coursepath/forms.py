"""Coursepath's form bodies, folded into the JSON bodies the spec validates.

Coursepath takes a request body as JSON or as ``application/x-www-form-urlencoded``, where a nested
field is spelled with brackets: ``mail[subject]=Hi`` is ``{"mail": {"subject": "Hi"}}``. This layer,
in front of Connexion's validation, turns a form body into that JSON body, so the handlers see one
shape and a form value is a string, never Connexion's list of the repeated values. A repeated key
keeps its last value. A body that is not UTF-8 is left for Connexion to refuse. A key nested deeper
than a JSON body may be (``bounds.JSON_DEPTH``) is refused with a 400 in Coursepath's body: ``a[b][c]...``
2,000 deep made the folded body too deep to write.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import read_body, replay, rewrite_body, send_json, without_headers
from ...bounds import JSON_DEPTH
from .errors import render_error

FORM = "application/x-www-form-urlencoded"
# ``mail[subject]`` -> ``mail``, ``[subject]``; ``a[b][c]`` nests deeper.
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]+\])+)$")


def fold(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs as a JSON object, bracketed keys nested: ``mail[body]=x`` is ``{"mail": {"body": "x"}}``."""
    folded: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            folded[key] = value
            continue
        path = [match.group(1), *re.findall(r"\[([^\[\]]+)\]", match.group(2))]
        node = folded
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                # ``mail=x&mail[subject]=y``: the nested spelling wins over the plain one.
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return folded


class FoldForms:
    """ASGI middleware: a form-encoded request body becomes the equivalent JSON body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if content_type != FORM:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        deepest = max((_depth(key) for key in _keys(body)), default=0)
        if deepest > JSON_DEPTH:
            message = f"A form key nests {deepest} levels deep; at most {JSON_DEPTH} are accepted."
            await send_json(send, 400, render_error(400, message))
            return
        await rewrite_body(self.app, scope, replay(body, receive), send, _as_json)


def _keys(body: bytes) -> list[str]:
    """The keys of a form body (as far as they decode), without reading its values."""
    text = body.decode("utf-8", "replace")
    return [key for key, _ in parse_qsl(text, keep_blank_values=True)]


def _depth(key: str) -> int:
    """How deep ``key`` nests a value: ``a`` is 1, ``a[b][c]`` 3 (as ``fold`` reads it)."""
    match = _KEY.match(key)
    return 1 if match is None else 1 + match.group(2).count("[")


def _as_json(scope: Scope, body: bytes) -> tuple[Scope, bytes] | None:
    """A form body as its JSON body (one that is not UTF-8 as sent)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    headers = [*without_headers(scope["headers"], b"content-type"), (b"content-type", b"application/json")]
    return {**scope, "headers": headers}, json.dumps(fold(parse_qsl(text, keep_blank_values=True))).encode()


__all__ = ["FORM", "FoldForms", "fold"]
