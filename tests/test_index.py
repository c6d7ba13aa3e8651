"""The API index: one walk over an API's documents, references resolved one way, requests routed once."""

from __future__ import annotations

import re

import pytest

from mockserver.index import ApiIndex, Refs, Routed, holds_ref, route_of
from mockserver.testing import sync_client
from mockserver.vendors import get_vendor, vendor_names
from mockserver.vendors.base import load_specs

SPEC = {
    "components": {
        "schemas": {
            "Id": {"type": "integer"},
            "Alias": {"$ref": "#/components/schemas/Id"},
            "Node": {"properties": {"next": {"$ref": "#/components/schemas/Node"}}},
        },
        "parameters": {"a/b~c": {"name": "odd", "in": "query", "schema": {"type": "string"}}},
    }
}


def test_a_reference_is_followed_to_what_it_names_through_references() -> None:
    assert Refs(SPEC).follow({"$ref": "#/components/schemas/Alias"}) == {"type": "integer"}


def test_escaped_pointer_parts_are_unescaped() -> None:
    assert Refs(SPEC).follow({"$ref": "#/components/parameters/a~1b~0c"})["name"] == "odd"


def test_a_node_without_a_reference_is_itself() -> None:
    node = {"type": "string", "items": {"$ref": "#/components/schemas/Id"}}
    assert Refs(SPEC).follow(node) is node


def test_a_reference_to_nothing_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        Refs(SPEC).follow({"$ref": "#/components/schemas/Missing"})


def test_inlining_resolves_every_depth_and_leaves_a_recursive_reference_open() -> None:
    inlined = Refs(SPEC).inline(
        {"items": {"$ref": "#/components/schemas/Alias"}, "n": [{"$ref": "#/components/schemas/Node"}]}
    )
    assert inlined["items"] == {"type": "integer"}
    assert inlined["n"][0] == {"properties": {"next": {}}}
    assert not holds_ref(inlined)
    assert holds_ref(SPEC)
    assert not holds_ref(SPEC, frozenset({"components"}))


DOC = {
    "paths": {
        "/users/{id}": {
            "parameters": [{"$ref": "#/components/parameters/a~1b~0c"}],
            "get": {
                "operationId": "getUser",
                "parameters": [{"name": "odd", "in": "query", "schema": {"type": "integer"}}],
            },
            "delete": {"operationId": "deleteUser", "security": []},
        },
        "/users/upload": {"post": {"operationId": "upload"}},
        "/Health": {"get": {"operationId": "health"}},
    },
    **SPEC,
}


def test_an_operation_holds_its_resolved_parameters_the_operation_s_winning() -> None:
    index = ApiIndex({"/v1": DOC})
    get_user = index.operations["getUser"]
    assert (get_user.method, get_user.path, get_user.secured) == ("GET", "/v1/users/{id}", True)
    assert [p["schema"]["type"] for p in get_user.parameters] == ["integer"]
    assert index.operations["deleteUser"].parameter("odd") == {
        "name": "odd",
        "in": "query",
        "schema": {"type": "string"},
    }
    assert index.operations["deleteUser"].secured is False
    assert index.operation_ids() == ["getUser", "deleteUser", "upload", "health"]


def test_routes_in_document_order_and_allow_lists_every_method_of_the_path() -> None:
    index = ApiIndex({"/v1": DOC})
    assert index.operation_id("GET", "/v1/users/7") == "getUser"
    assert index.operation_id("HEAD", "/v1/users/7/") == "getUser"
    assert index.operation_id("GET", "/v1/users/upload") == "getUser"
    assert index.operation_id("GET", "/v1/health") is None
    assert index.operation_id("GET", "/v2/users/7") is None
    assert index.allowed("/v1/users/7") == "DELETE, GET, HEAD"
    assert index.allowed("/v1/nowhere") == ""


def test_ignoring_case_the_most_literal_template_wins_whatever_the_method() -> None:
    index = ApiIndex({"/v1": DOC}, ignore_case=True)
    assert index.operation_id("get", "/V1/USERS/7".lower()) is None  # (methods are upper-case)
    assert index.operation_id("GET", "/V1/Users/7") == "getUser"
    assert index.operation_id("GET", "/v1/health") == "health"
    # /users/upload has more literal segments than /users/{id}: a GET there is no operation (a 405).
    assert index.operation_id("GET", "/v1/users/UPLOAD") is None
    assert index.allowed("/v1/users/UPLOAD") == "POST"


def _linear(index: ApiIndex, method: str, path: str) -> str | None:
    wanted = "GET" if method == "HEAD" else method
    for template, item in ((b + t, i) for b, d in index.documents.items() for t, i in d["paths"].items()):
        operation = item.get(wanted.lower())
        pattern = re.compile(
            "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/"))) + "/?$", re.DOTALL
        )
        if isinstance(operation, dict) and pattern.match(path):
            return str(operation["operationId"])
    return None


@pytest.mark.parametrize("name", vendor_names())
def test_the_index_finds_what_a_scan_of_every_route_finds(name: str) -> None:
    index = ApiIndex(load_specs(get_vendor(name).specs))
    paths = {"/", "/nowhere", "/admin/api/"}
    for base, spec in index.documents.items():
        for template in spec["paths"]:
            concrete = re.sub(r"\{[^}]+\}", "v1", base + template)
            paths |= {concrete, concrete + "/", concrete + "\n", concrete + "x", concrete.rsplit("/", 1)[0]}
    for path in sorted(paths):
        for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"):
            assert index.operation_id(method, path) == _linear(index, method, path), (method, path)


def test_routed_puts_the_operation_in_the_scope_once_for_every_layer_behind() -> None:
    seen: list[object] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(route_of(scope))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    index = ApiIndex({"/v1": DOC})
    with sync_client(Routed(app, index)) as client:
        client.get("/v1/users/3")
        client.get("/v1/elsewhere")
    assert seen == [index.operations["getUser"], None]


def _secured_spec(security: list[dict[str, list[str]]] | None) -> dict[str, object]:
    login: dict[str, object] = {"operationId": "login", "responses": {"200": {"description": "ok"}}}
    if security is not None:
        login["security"] = security
    return {
        "openapi": "3.0.3",
        "security": [{"Key": [], "Token": []}],
        "components": {
            "securitySchemes": {
                "Key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
                "Token": {"type": "apiKey", "in": "header", "name": "Authorization"},
            }
        },
        "paths": {
            "/login": {"post": login},
            "/users": {"get": {"operationId": "users", "responses": {"200": {"description": "ok"}}}},
        },
    }


@pytest.mark.parametrize(
    ("security", "key", "token"),
    [([{"Key": []}], True, False), (None, True, True), ([], False, False)],
    ids=["the key's scheme only", "the document's", "none"],
)
def test_an_operation_asks_for_the_credentials_its_security_schemes_name(
    security: list[dict[str, list[str]]] | None, key: bool, token: bool
) -> None:
    index = ApiIndex({"": _secured_spec(security)})
    login, users = index.operations["login"], index.operations["users"]
    assert index.asks_for(login, "header", "X-API-Key") is key
    assert index.asks_for(login, "header", "authorization") is token
    assert index.asks_for(users, "header", "Authorization") is True
    # A place no security scheme describes (a body field) follows whether the operation is secured.
    assert index.asks_for(login, "json", "privateKey") is (security != [])
