"""Coursepath's form bodies, folded into the JSON bodies the spec validates.

Coursepath takes a request body as JSON or as ``application/x-www-form-urlencoded``, where a nested
field is spelled with brackets: ``mail[subject]=Hi`` is ``{"mail": {"subject": "Hi"}}``. This layer,
in front of Connexion's validation, turns a form body into that JSON body, so the handlers see one
shape and a form value is a string, never Connexion's list of the repeated values. A repeated key
keeps its last value. A body that is not UTF-8 is left for Connexion to refuse.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import rewrite_body, without_headers

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
        await rewrite_body(self.app, scope, receive, send, _as_json)


def _as_json(scope: Scope, body: bytes) -> tuple[Scope, bytes] | None:
    """A form body as its JSON body (one that is not UTF-8 as sent)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    headers = [*without_headers(scope["headers"], b"content-type"), (b"content-type", b"application/json")]
    return {**scope, "headers": headers}, json.dumps(fold(parse_qsl(text, keep_blank_values=True))).encode()


__all__ = ["FORM", "FoldForms", "fold"]
