"""Indexed routing answers exactly as Starlette's one-route-at-a-time routing."""

from __future__ import annotations

import copy

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, Router

from mockserver.routing import StaticRoutes, index_static_routes


def _endpoint(name: str):  # type: ignore[no-untyped-def]
    async def answer(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{name} {dict(request.path_params)}")

    return answer


def _routes() -> list[Route]:
    return [
        Route("/users/me", _endpoint("me"), methods=["GET"]),
        Route("/users/{uid}", _endpoint("user"), methods=["GET", "PUT"]),
        Route("/users/all", _endpoint("all-shadowed"), methods=["GET", "POST"]),
        Route("/users/all", _endpoint("all-delete"), methods=["DELETE"]),
        Route("/calls/a", _endpoint("a-post"), methods=["POST"]),
        Route("/calls/a", _endpoint("a-get"), methods=["GET"]),
        Route("/calls/b", _endpoint("b"), methods=["POST"]),
        Route("/calls/c/", _endpoint("c-slash"), methods=["POST"]),
        Route("/n/{x:int}", _endpoint("int"), methods=["GET"]),
        Route("/calls/d", _endpoint("d"), methods=["GET"]),
    ]


REQUESTS = [
    ("GET", "/users/me"),
    ("PUT", "/users/me"),
    ("GET", "/users/all"),
    ("POST", "/users/all"),
    ("DELETE", "/users/all"),
    ("PATCH", "/users/all"),
    ("GET", "/calls/a"),
    ("POST", "/calls/a"),
    ("HEAD", "/calls/a"),
    ("DELETE", "/calls/a"),
    ("POST", "/calls/b"),
    ("POST", "/calls/b/"),
    ("POST", "/calls/c"),
    ("POST", "/calls/a%0A"),
    ("GET", "/n/5"),
    ("GET", "/n/x"),
    ("GET", "/calls/d"),
    ("GET", "/nowhere"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path"), REQUESTS, ids=[f"{m} {p}" for m, p in REQUESTS])
async def test_an_indexed_router_answers_as_starlettes(method: str, path: str) -> None:
    plain = Router(routes=_routes())
    indexed = Router(routes=copy.copy(_routes()))
    index_static_routes(indexed)
    assert any(isinstance(route, StaticRoutes) for route in indexed.routes)
    answers = []
    for router in (plain, indexed):
        transport = httpx.ASGITransport(router)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.request(method, path)
        answers.append((response.status_code, response.text, response.headers.get("location")))
    assert answers[0] == answers[1]


def test_runs_of_parameterless_routes_are_grouped_in_place() -> None:
    router = Router(routes=_routes())
    index_static_routes(router)
    kinds = [type(route).__name__ for route in router.routes]
    assert kinds == ["Route", "Route", "StaticRoutes", "Route", "Route"]
    index_static_routes(router)
    assert [type(route).__name__ for route in router.routes] == kinds
    assert router.url_path_for("answer") == "/users/me"
