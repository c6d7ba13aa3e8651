"""Requests per vendor for the bounded-input tests: a write that adds a record, one that quotes a value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import Sandbox
from mockserver.asgi import read_body, replay
from mockserver.plugin.handles import SandboxHandle
from mockserver.testing import sync_client

LIMIT = 4096
IMPORT_LIMIT = 1024 * 1024
QUERY_LIMIT = 1024
PATH_LIMIT = 1024
HEADER_LIMIT = 512
HEADERS_LIMIT = 2048
BIG = 5 * 1024 * 1024
CONTROL = "/__sandbox__"

# A request = (method, path under the API's base URL, JSON body, extra headers).
Request = tuple[str, str, Any, dict[str, str]]


def first_id(app: Sandbox, api: str, collection: str) -> str:
    return next(iter(app.store.export(api)["collections"][collection]))


def progress(app: Sandbox) -> Request:
    apprenticeship = app.store.export("dfe")["collections"]["apprenticeships"]["1234567890-2025-09-01"]
    ksbs = [{"id": k["id"], "value": 40} for k in apprenticeship["ksbs"]]
    body = {"progress": {"ksbs": ksbs}}
    return "POST", "/apprenticeships/1234567890/2025-09-01/progress", body, {"X-Version": "1"}


# Per vendor, a write that adds a record to WRITTEN's collection; ``tag`` makes its unique fields unique.
WRITES: dict[str, Callable[[Sandbox, str], Request]] = {
    "apprentiscope": lambda app, tag: (
        "POST",
        "/create-user",
        {
            "user": {
                "first_name": "Bo",
                "last_name": tag,
                "email": f"{tag}@example.com",
                "user_type": "apprentice",
            }
        },
        {},
    ),
    "dfe": lambda app, tag: progress(app),
    "skyprep": lambda app, tag: ("POST", "/admin/api/create_user", {"email": f"{tag}@example.com"}, {}),
    "coursepath": lambda app, tag: ("POST", "/api/v1/members", {"email": f"{tag}@example.com"}, {}),
    "absorb": lambda app, tag: (
        "POST",
        "/users",
        {
            "departmentId": first_id(app, "absorb", "departments"),
            "firstName": "Bo",
            "lastName": "Unded",
            "username": f"bo.{tag}",
        },
        {},
    ),
}
WRITTEN = {
    "apprentiscope": "users",
    "dfe": "progress",
    "skyprep": "users",
    "coursepath": "members",
    "absorb": "users",
}


def invalid(value: str) -> dict[str, Callable[[Sandbox], Request]]:
    """Per vendor, a write whose name-like field holds ``value``, which its spec refuses when huge."""
    return {
        "apprentiscope": lambda app: (
            "POST",
            "/create-user",
            {
                "user": {
                    "first_name": value,
                    "last_name": "L",
                    "email": "l@example.com",
                    "user_type": "apprentice",
                }
            },
            {},
        ),
        "dfe": lambda app: (
            "POST",
            "/apprenticeships/1234567890/2025-09-01/progress",
            {"progress": {"ksbs": [{"id": value, "value": 5}]}},
            {"X-Version": "1"},
        ),
        "skyprep": lambda app: ("POST", "/admin/api/create_user", {"email": value}, {}),
        "coursepath": lambda app: ("POST", "/api/v1/members", {"email": value}, {}),
        "absorb": lambda app: (
            "POST",
            "/users",
            {
                "departmentId": first_id(app, "absorb", "departments"),
                "firstName": "F",
                "lastName": "L",
                "username": "u",
                "gender": value,
            },
            {},
        ),
    }


class Padded:
    """Pads each request body with trailing JSON whitespace to ``size`` bytes (after the client's auth)."""

    def __init__(self, app: ASGIApp, size: int, path: str) -> None:
        self.app = app
        self.size = size
        self.path = path  # the request to pad (not a login call the client makes first)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive)
        if body and scope["path"].endswith(self.path):
            body += b" " * (self.size - len(body))
            scope = dict(scope)
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            scope["headers"] = [*headers, (b"content-length", str(len(body)).encode())]
        await self.app(scope, replay(body, receive), send)


def auth_of(app: Sandbox, name: str) -> httpx.Auth | None:
    info = app.apis[name]
    return None if info.vendor.credentials.headers_only else SandboxHandle(app, app.options).auth(name)


def client_of(app: ASGIApp, sandbox: Sandbox, name: str, auth: httpx.Auth | None = None) -> httpx.Client:
    """A client of ``name`` on ``app`` (the sandbox, or a layer in front of it), credentials attached."""
    handle = SandboxHandle(sandbox, sandbox.options)
    info = sandbox.apis[name]
    auth = auth or auth_of(sandbox, name)
    headers = {**info.headers, **info.client_headers}
    return sync_client(app, base_url=handle.base_url(name), headers=headers, auth=auth)


def count_of(app: Sandbox, name: str) -> int:
    return len(app.store.export(name)["collections"].get(WRITTEN[name], {}))
