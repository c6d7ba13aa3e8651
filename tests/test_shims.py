"""The ``_<dependency>.py`` shims: each pinned to the range pyproject requires, and what each reaches
into still there and still behaving as the shim expects. A dependency release that moves an
internal fails here first, by name."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import connexion
import pytest
from connexion.resolver import Resolver
from packaging.requirements import Requirement
from starlette.routing import Router
from starlette.types import Receive, Scope, Send

from contracts import _schemathesis
from mockserver import _connexion, _granian, _starlette
from mockserver.index import ROUTE, ApiIndex, Routed
from mockserver.routing import StaticRoutes
from mockserver.testing import sync_client

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _required() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {(req := Requirement(line)).name: req for line in project["dependencies"]}


@pytest.mark.parametrize(
    "shim", [_connexion, _starlette, _granian, _schemathesis], ids=lambda shim: shim.__name__
)
def test_a_shim_is_pinned_to_the_range_pyproject_requires_and_the_installed_version_is_in_it(
    shim: Any,
) -> None:
    pinned = Requirement(shim.REQUIREMENT)
    assert pinned.specifier == _required()[pinned.name].specifier
    assert pinned.specifier.contains(version(pinned.name), prereleases=True)


def test_granians_embedded_server_still_builds_its_socket_where_the_shim_replaces_it() -> None:
    # What _granian.on_socket overrides and sets: the rest is checked over a socket (test_faults.py).
    from granian.server.embed import Server

    server = Server(lambda *_: None)
    assert callable(server._init_shared_socket)
    assert (server._ssp, server._shd, server._sfd) == (None, None, None)


def test_starlettes_route_path_is_the_path_under_the_mount() -> None:
    assert _starlette.get_route_path({"path": "/absorb/users", "root_path": "/absorb"}) == "/users"
    assert _starlette.get_route_path({"path": "/absorb", "root_path": "/absorb"}) == ""
    assert _starlette.get_route_path({"path": "/users", "root_path": ""}) == "/users"


# Every Connexion internal _connexion.py reaches into, as ``<name in _connexion>.<attribute>``.
_CONNEXION_INTERNALS = [
    "Specification._validate_spec",
    "StarletteDecorator._parameter_decorator_cls",
    "AsyncOperation.from_operation",
    "AsyncApi.make_operation",
    "RoutingMiddleware.add_api",
    "OpenAPIURIParser._resolve_param_duplicates",
    "OpenAPIURIParser._split",
    "OpenAPIURIParser.style_defaults",
    "JSONRequestBodyValidator._validator",
    "FormDataValidator._validator",
    "MultiPartFormDataValidator._validator",
    "JSONResponseBodyValidator.validator",
]


@pytest.mark.parametrize("internal", _CONNEXION_INTERNALS)
def test_each_connexion_internal_the_shim_uses_is_still_there(internal: str) -> None:
    owner, name = internal.split(".")
    assert hasattr(getattr(_connexion, owner), name)


def test_connexions_middleware_stack_still_has_the_routing_and_security_the_shim_replaces() -> None:
    defaults = _connexion.ConnexionMiddleware.default_middlewares
    assert _connexion.RoutingMiddleware in defaults
    assert _connexion.SecurityMiddleware in defaults
    assert _connexion.IndexedRoutingMiddleware in _connexion.MIDDLEWARES
    assert _connexion.SecurityMiddleware not in _connexion.MIDDLEWARES
    assert _connexion.ROUTING_CONTEXT == "connexion_routing"


def _bound_app(
    title: str, operations: dict[str, str], handler: Callable[[str], Callable[..., Any]]
) -> tuple[_connexion.BoundApp, dict[str, Any]]:
    """A bound app at ``/v1`` over GET ``operations`` (operationId: path), each served by ``handler(id)``."""
    spec = {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1"},
        "paths": {
            path: {
                "get": {
                    "operationId": name,
                    "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
                }
            }
            for name, path in operations.items()
        },
    }
    app = _connexion.BoundApp(
        "tests", middlewares=list(_connexion.MIDDLEWARES), validator_map=_connexion.validator_map()
    )
    app.add_api(spec, base_path="/v1", resolver=Resolver(handler))
    return app, spec


def _ping_app() -> tuple[_connexion.BoundApp, list[Any]]:
    seen: list[Any] = []

    def ping(**_: Any) -> dict[str, Any]:
        scope = connexion.request.scope
        seen.append(scope)
        return {"base": _connexion.routed_base_path(scope)}

    app, _ = _bound_app(
        "ping", {f"ping{n}": path for n, path in enumerate(["/ping", "/pong", "/pang"])}, lambda _: ping
    )
    return app, seen


def test_a_bound_app_answers_routes_through_its_index_and_names_the_document_routed_to() -> None:
    app, seen = _ping_app()
    with sync_client(app) as client:
        for _ in range(2):
            answer = client.get("/v1/pong")
            assert answer.status_code == 200
            assert answer.json() == {"base": "/v1"}
        assert client.get("/v1/nowhere").status_code == 404
    assert len(seen) == 2
    stack = app.middleware.middleware_stack
    routing = next(m for m in stack if isinstance(m, _connexion.IndexedRoutingMiddleware))
    assert any(isinstance(route, StaticRoutes) for route in _mounted(routing.router).routes)
    apis = app._middleware_app.apis.values()
    operations = [op for listed in apis for api in listed for op in api.operations.values()]
    assert len(operations) == 3
    assert all(isinstance(op, _connexion.BoundOperation) for op in operations)
    assert [op._call is not None for op in operations] == [False, True, False]


def _mounted(router: Router) -> Router:
    """The router of the one API mounted in ``router``."""
    inner = next(route.app for route in router.routes if isinstance(getattr(route, "app", None), Router))
    assert isinstance(inner, Router)
    return inner


def test_importing_the_shim_leaves_connexions_spec_check_alone_until_a_builder_asks() -> None:
    script = (
        "import mockserver._connexion as shim\n"
        "original = shim.Specification.__dict__['_validate_spec'].__func__\n"
        "assert original.__module__ == 'connexion.spec', original.__module__\n"
        "shim.check_specs_once()\n"
        "once = shim.Specification.__dict__['_validate_spec'].__func__\n"
        "assert once is not original and once.checks_once\n"
        "shim.check_specs_once()\n"
        "assert shim.Specification.__dict__['_validate_spec'].__func__ is once\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_repeated_query_parser_keeps_each_repeated_value_whole() -> None:
    param = {"name": "route", "in": "query", "style": "form", "explode": True}
    values = ["Agriculture, environmental and animal care", "Care"]
    parser = _connexion.RepeatedQueryParser
    assert parser._resolve_param_duplicates(values, param, "query") == values
    assert parser._split(values, param, "query") == values
    assert parser._split("a,b", {"name": "x", "in": "query"}, "query") == ["a", "b"]


def test_connexion_takes_the_operation_the_index_found_without_searching_again() -> None:
    routes = {"byId": "/users/{id}", "me": "/users/me"}
    app, spec = _bound_app("two", routes, lambda name: lambda **_: {"handled": name})
    index = ApiIndex({"/v1": spec})

    async def chosen(scope: Scope, receive: Receive, send: Send) -> None:
        # The index picks /users/{id} for /users/me (document order, as Starlette would); here a layer
        # names the other operation, which the path also matches: the one named is the one served.
        if scope["path"] == "/v1/users/me":
            scope.setdefault("extensions", {})[ROUTE] = index.operations["me"]
        await app(scope, receive, send)

    with sync_client(Routed(chosen, index)) as client:
        assert client.get("/v1/users/me").json() == {"handled": "me"}
        assert client.get("/v1/users/7").json() == {"handled": "byId"}
    with sync_client(app) as unrouted:
        # With no operation found in front, Connexion's own search answers (the first match).
        assert unrouted.get("/v1/users/me").json() == {"handled": "byId"}
