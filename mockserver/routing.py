"""Prefix routing of the root app: each vendor and the control plane under its own path prefix.

Starlette's ``Mount`` matches with a regex whose ``.`` stops at a newline, so a path holding an
encoded newline would miss every mount; plain prefix matching sends every request under a prefix
to that prefix's app, which answers in its own format.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class PrefixRouter:
    """Dispatches to the app of the longest matching prefix (``""`` matches everything)."""

    def __init__(self, routes: list[tuple[str, ASGIApp]]) -> None:
        self.routes = sorted(routes, key=lambda route: len(route[0]), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return  # lifespan: nothing to start or stop
        path: str = scope["path"]
        for prefix, app in self.routes:
            if prefix == "" or path == prefix or path.startswith(prefix + "/"):
                child = dict(scope)
                child["root_path"] = scope.get("root_path", "") + prefix
                await app(child, receive, send)
                return
        body = json.dumps({"title": "Not Found", "status": 404, "detail": f"no API is served at {path}"})
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/problem+json")],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})
