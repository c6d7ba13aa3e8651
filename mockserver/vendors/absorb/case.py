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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import rewrite_body, route_path, send_json
from ...excerpt import excerpt
from ...specs import resolve_ref, spec_operations
from ..base import VendorContext
from .errors import render_error


@dataclass(frozen=True)
class _Template:
    """One path template: its segments (``None`` for a parameter) and its operations by method."""

    segments: tuple[str | None, ...]
    spelled: tuple[str, ...]
    bodies: Mapping[str, Any]
    queries: Mapping[str, Mapping[str, str]]

    def matches(self, parts: list[str]) -> bool:
        return len(parts) == len(self.segments) and all(
            want is None or want.casefold() == got.casefold()
            for want, got in zip(self.segments, parts, strict=True)
        )

    def spell(self, parts: list[str]) -> str:
        return "/".join(
            sent if want is None else want for want, sent in zip(self.segments, parts, strict=True)
        )


class IgnoreCase:
    """ASGI layer spelling a request's path, query names and JSON property names as the spec does.

    Args:
        app: the credential edge and the Connexion app behind it.
        spec: the Absorb document (its paths start at the vendor's prefix).
    """

    def __init__(self, app: ASGIApp, spec: Mapping[str, Any]) -> None:
        self.app = app
        self.spec = spec
        bodies: dict[str, dict[str, Any]] = {}
        queries: dict[str, dict[str, dict[str, str]]] = {}
        for method, template, operation in spec_operations(spec):
            content = (resolve_ref(spec, operation.get("requestBody")) or {}).get("content") or {}
            bodies.setdefault(template, {})[method.upper()] = (content.get("application/json") or {}).get(
                "schema"
            )
            names = [resolve_ref(spec, p) for p in operation.get("parameters", [])]
            queries.setdefault(template, {})[method.upper()] = {
                str(p["name"]).casefold(): str(p["name"]) for p in names if p.get("in") == "query"
            }
        templates = [
            _Template(
                tuple(None if s.startswith("{") else s for s in template.split("/")),
                tuple(template.split("/")),
                bodies[template],
                queries[template],
            )
            for template in bodies
        ]
        # A template with more literal segments wins: /users/upload before /users/{id}.
        self.templates = sorted(templates, key=lambda t: -sum(s is not None for s in t.segments))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = route_path(scope)
        parts = path.rstrip("/").split("/") if path.rstrip("/") else [""]
        template = next((t for t in self.templates if t.matches(parts)), None)
        if template is None:
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        # A trailing slash is dropped, as ASP.NET routes ignore it.
        spelled = template.spell(parts)
        if spelled != path:
            scope["path"] = root + spelled
            scope["raw_path"] = (root + spelled).encode()
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        if method not in template.queries and method != "OPTIONS":
            await self._not_allowed(send, template, scope["method"], root + spelled)
            return
        declared = template.queries.get(method) or {}
        query = scope.get("query_string", b"").decode("latin-1")
        if query and declared:
            pairs = parse_qsl(query, keep_blank_values=True)
            scope["query_string"] = urlencode([(declared.get(k.casefold(), k), v) for k, v in pairs]).encode()
        schema = template.bodies.get(method)
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

    @staticmethod
    async def _not_allowed(send: Send, template: _Template, method: str, path: str) -> None:
        methods = sorted(template.queries)
        allow = ", ".join([*methods, "HEAD"] if "GET" in methods else methods)
        body = render_error(405, f"Method {method} is not allowed on {excerpt(path)}")
        await send_json(send, 405, body, {"Allow": allow})

    def _spell(self, schema: Any, value: Any) -> Any:
        """``value`` with its property names spelled as ``schema`` declares them, at every depth."""
        schema = resolve_ref(self.spec, schema) or {}
        if isinstance(value, list):
            items = schema.get("items")
            return [self._spell(items, v) for v in value] if items is not None else value
        if not isinstance(value, dict):
            return value
        properties: dict[str, Any] = {}
        for part in (schema, *(resolve_ref(self.spec, s) or {} for s in schema.get("allOf", []))):
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
    return IgnoreCase(app, next(iter(ctx.specs.values())))
