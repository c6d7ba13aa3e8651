"""SkyPrep's parameters, from wherever a client sends them, folded into what the spec validates.

SkyPrep reads every parameter from the query string, a form body or a JSON body, mixed freely: real
clients send the keys in the query string of a POST whose body is JSON, and a JavaScript client sends
a JSON body on GET. The spec documents GET with query parameters and POST with a body; this layer, in
front of Connexion's validation, gathers the parameters of a call and folds them there: into a JSON
body for POST (strings from the query or a form typed as the body schema says; the query emptied), into
the query string for GET (lists joined with commas; only the parameters the call declares). What Connexion
then sees is declared: an undeclared query parameter (the codec's ``format``) would be logged by it as an
error on every call. A body that cannot be read is left for Connexion to refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import rewrite_body, without_headers
from ...index import ApiIndex, Refs, route_of
from ...numerals import is_numeral

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def _types(refs: Refs, schema: Any) -> dict[str, str]:
    """Property -> declared type (``integer``, ``boolean``, ...) of an object schema."""
    schema = refs.follow(schema) or {}
    return {name: _kind(refs, prop) for name, prop in (schema.get("properties") or {}).items()}


def _kind(refs: Refs, schema: Any) -> str:
    """A property's type; ``boolean`` for the spec's boolean that also takes 1 and 0 (a ``oneOf``)."""
    schema = refs.follow(schema) or {}
    kinds = [str((refs.follow(option) or {}).get("type", "")) for option in schema.get("oneOf") or ()]
    return "boolean" if "boolean" in kinds else str(schema.get("type", ""))


def _typed(value: Any, kind: str) -> Any:
    """A query or form string as the body schema types it (other values as they came).

    A boolean also comes as 1 or 0 (text, or a JSON number), as Rails reads them; the spec says so.
    """
    if kind == "boolean" and type(value) is int and value in (0, 1):
        return bool(value)
    if not isinstance(value, str):
        return value
    if kind == "integer" and is_numeral(value, "integer"):
        return int(value)
    if kind == "boolean" and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return value


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_query_text(item) for item in value)
    return "" if value is None else str(value)


class FoldParameters:
    """ASGI middleware folding a SkyPrep call's parameters into its GET query or its POST JSON body.

    Args:
        app: the Connexion app behind.
        index: the API's index; each path is a call with a ``get`` and a ``post`` twin.
    """

    def __init__(self, app: ASGIApp, index: ApiIndex) -> None:
        self.app = app
        self.calls: dict[str, dict[str, str]] = {}
        for operation in index.operations.values():
            refs = index.refs[operation.base]
            declared = self.calls.setdefault(operation.path, {})
            if operation.method == "POST":
                declared.update(_types(refs, operation.bodies.get("application/json")))
            elif operation.method == "GET":
                for param in operation.parameters:
                    declared.setdefault(str(param["name"]), _kind(refs, param.get("schema")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = route_of(scope) if scope["type"] == "http" else None
        types = self.calls.get(route.path) if route is not None else None
        if types is None or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        await rewrite_body(self.app, scope, receive, send, lambda scope, body: _fold(types, scope, body))


def _fold(types: Mapping[str, str], scope: Scope, body: bytes) -> tuple[Scope, bytes] | None:
    """A call's parameters gathered and folded: a POST's into its JSON body, a GET's into its query."""
    sent = {k.lower(): v for k, v in scope["headers"]}
    content_type = sent.get(b"content-type", b"").decode("latin-1").lower()
    query = scope.get("query_string", b"").decode("latin-1")
    gathered: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body and "x-www-form-urlencoded" in content_type:
        gathered.update(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    elif body and ("json" in content_type or scope["method"] == "GET"):
        try:
            loaded = json.loads(body)
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            # Not an object of parameters: Connexion refuses it as the spec says.
            return None
        gathered.update(loaded)
    elif body:
        return None
    if scope["method"] == "POST":
        folded = json.dumps({k: _typed(v, types.get(k, "")) for k, v in gathered.items()}).encode()
        headers = [
            *without_headers(scope["headers"], b"content-type"),
            (b"content-type", b"application/json"),
        ]
        # Every parameter is in the body now: a query left behind would reach Connexion as query
        # parameters the POST operation does not declare, each logged as an error ("Function argument
        # 'format_' ... not defined in specification": the codec's format=xml on every XML call).
        return {**scope, "headers": headers, "query_string": b""}, folded
    # Only what the call declares: the rest (the codec's ``format``, read already; credentials, read by
    # the edge) would reach the handler's **query through Connexion, which logs each as an error and
    # drops it.
    pairs = [(k, _query_text(v)) for k, v in gathered.items() if k in types]
    pairs = [(k, _boolean_text(v) if types.get(k) == "boolean" else v) for k, v in pairs]
    query_string = urlencode(pairs).encode("ascii")
    return {
        **scope,
        "query_string": query_string,
        "headers": without_headers(scope["headers"], b"content-type"),
    }, b""


def call_params(body: Any, query: Mapping[str, Any]) -> dict[str, Any]:
    """A call's parameters as a handler gets them: the POST body, or the GET query (credentials and
    ``format`` left out)."""
    given = body if isinstance(body, dict) else query
    return {k: v for k, v in given.items() if k not in ("api_key", "acct_key", "format")}


def _boolean_text(value: str) -> str:
    lowered = value.strip().lower()
    return "true" if lowered in _TRUE else "false" if lowered in _FALSE else value


__all__ = ["FoldParameters", "call_params"]
