"""Absorb's case-insensitivity, as ASP.NET serves it: paths, query names and JSON property names.

Real clients call ``/Authenticate`` with ``{"Username": .., "Password": .., "PrivateKey": ..}`` and
``/Users/{id}/Enrollments`` (vendor notes 1.2). ``IgnoreCase`` sits in front of the credential edge
(which routes by the spec's paths to know which calls need credentials) and rewrites a request to the
spec's spelling before anything reads it: the path's literal segments to the template's casing, the
query's names to the declared parameters', and a JSON body's property names, at any depth, to the
names its schema declares. Names the spec does not know, and path parameters' values, are left as
sent; a body that is not JSON is left for Connexion to refuse.

It also routes as ASP.NET does with Absorb's GUID route constraints: the template with the most literal
segments wins, so ``GET /enrollments/unenroll`` is a method ``/enrollments/unenroll`` does not serve (405),
not a request for the enrollment whose id is "unenroll".
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import rewrite_body, route_path, send_json
from ...excerpt import excerpt
from ...index import ApiIndex, route_of
from ..base import VendorContext
from .errors import render_error


class IgnoreCase:
    """ASGI layer spelling a request's path, query names and JSON property names as the spec does.

    The API's index routes as ASP.NET does (``ApiIndex(ignore_case=True)``): it found the request's
    operation, whatever the spelling; this layer spells the request as that operation declares it.

    Args:
        app: the credential edge and the Connexion app behind it.
        index: the Absorb document's index.
    """

    def __init__(self, app: ASGIApp, index: ApiIndex) -> None:
        self.app = app
        self.index = index
        self.refs = next(iter(index.refs.values()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = route_path(scope)
        route = route_of(scope)
        if route is None:
            allow = self.index.allowed(path)
            if allow and scope["method"] != "OPTIONS":
                refusal = render_error(
                    405, f"Method {scope['method']} is not allowed on {excerpt(scope['path'])}"
                )
                await send_json(send, 405, refusal, {"Allow": allow})
                return
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        # A trailing slash is dropped, as ASP.NET routes ignore it.
        parts = path.rstrip("/").split("/")
        spelled = "/".join(
            sent if want.startswith("{") else want
            for want, sent in zip(route.path.split("/"), parts, strict=True)
        )
        if spelled != path:
            scope["path"] = root + spelled
            scope["raw_path"] = (root + spelled).encode()
        declared = {
            str(p["name"]).casefold(): str(p["name"]) for p in route.parameters if p.get("in") == "query"
        }
        query = scope.get("query_string", b"").decode("latin-1")
        if query and declared:
            pairs = parse_qsl(query, keep_blank_values=True)
            scope["query_string"] = urlencode([(declared.get(k.casefold(), k), v) for k, v in pairs]).encode()
        schema = route.bodies.get("application/json")
        if schema is None:
            await self.app(scope, receive, send)
            return
        await rewrite_body(
            self.app, scope, receive, send, lambda scope, body: self._respell(schema, scope, body)
        )

    def _respell(self, schema: Any, scope: Scope, body: bytes) -> tuple[Scope, bytes] | None:
        """A JSON body with its property names spelled as ``schema`` declares them (other bodies as sent)."""
        try:
            loaded = json.loads(body) if body else None
        except ValueError:
            loaded = None
        if loaded is None:
            return None
        return scope, json.dumps(self._spell(schema, loaded)).encode()

    def _spell(self, schema: Any, value: Any) -> Any:
        """``value`` with its property names spelled as ``schema`` declares them, at every depth."""
        schema = self.refs.follow(schema) or {}
        if isinstance(value, list):
            items = schema.get("items")
            return [self._spell(items, v) for v in value] if items is not None else value
        if not isinstance(value, dict):
            return value
        properties: dict[str, Any] = {}
        for part in (schema, *(self.refs.follow(s) or {} for s in schema.get("allOf", []))):
            properties.update(part.get("properties") or {})
        names = {name.casefold(): name for name in properties}
        extra: Any = schema.get("additionalProperties")
        spelled: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key) if key in properties else names.get(str(key).casefold(), str(key))
            inner: Any = properties.get(name, extra if isinstance(extra, dict) else None)
            spelled[name] = self._spell(inner, item) if inner is not None else item
        return spelled


def ignore_case(app: ASGIApp, ctx: VendorContext) -> ASGIApp:
    """The descriptor's ``front``: ``IgnoreCase`` around the edge, for the Absorb document."""
    return IgnoreCase(app, ctx.index)
