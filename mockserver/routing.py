"""Prefix routing of the root app: each vendor and the control plane under its own path prefix.

Starlette's ``Mount`` matches with a regex whose ``.`` stops at a newline, so a path holding an
encoded newline would miss every mount; plain prefix matching sends every request under a prefix
to that prefix's app, which answers in its own format.

Also the index of a Starlette router's parameterless routes (``StaticRoutes``), which Connexion's
operation routing uses (``mockserver._connexion.IndexedRoutingMiddleware``).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import route_path, send_problem


class PrefixRouter:
    """Dispatches to the app of the longest matching prefix (``""`` matches everything)."""

    def __init__(self, routes: list[tuple[str, ASGIApp]]) -> None:
        self.routes = sorted(routes, key=lambda route: len(route[0]), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return  # lifespan: nothing to start or stop
        # Under a session's path prefix (``mockserver.sessions``), root_path holds it already.
        path: str = route_path(scope) if scope.get("root_path") else scope["path"]
        for prefix, app in self.routes:
            if prefix == "" or path == prefix or path.startswith(prefix + "/"):
                child = dict(scope)
                child["root_path"] = scope.get("root_path", "") + prefix
                await app(child, receive, send)
                return
        await send_problem(send, 404, "Not Found", f"no API is served at {path}")


class StaticRoutes(BaseRoute):
    """A run of a Starlette router's parameterless routes, found by their path instead of one by one.

    Starlette tries a router's routes in order, one regex each: SkyPrep's calls are 174 routes, so a
    request for one of the last paid for 170 regexes. A route without parameters matches one path
    only (its regex's ``$`` also allows a final newline), so the run looks the path up, then asks the
    few routes found, in their order, Starlette's own ``matches``: first full match, else first
    partial. In place of the run inside the router, it gives the same answers in the same order.
    """

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._by_path: dict[str, list[Route]] = {}
        for route in routes:
            self._by_path.setdefault(route.path, []).append(route)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path = route_path(scope)
        candidates = self._by_path.get(path, [])
        if path.endswith("\n"):
            candidates = candidates + self._by_path.get(path[:-1], [])
        partial: tuple[Route, Scope] | None = None
        for route in candidates:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return match, {**child, _MATCHED: route}
            if match is Match.PARTIAL and partial is None:
                partial = (route, child)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _MATCHED: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: Route = scope.pop(_MATCHED)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)


_MATCHED = "lms_sandbox.static_route"


def index_static_routes(router: Router) -> None:
    """Replace each run of two or more parameterless routes of ``router`` by one ``StaticRoutes``."""
    grouped: list[BaseRoute] = []
    run: list[Route] = []
    for route in [*router.routes, None]:
        if type(route) is Route and not route.param_convertors:
            run.append(route)
            continue
        grouped += [StaticRoutes(run)] if len(run) > 1 else run
        run = []
        if route is not None:
            grouped.append(route)
    router.routes[:] = grouped
