"""Serving beyond localhost: the control-plane token (in-process and over a real socket), the banner."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import Sandbox, create_app, server
from mockserver.cli import build_parser
from mockserver.control import CONTROL_SPEC
from mockserver.exposure import CONTROL_TOKEN_ENV, TOKEN_COOKIE, control_headers, is_loopback
from mockserver.index import ApiIndex
from mockserver.options import SERVERS
from mockserver.serve_command import options_from_args
from mockserver.server import Exposure, LiveServer, banner
from mockserver.specs import load_spec
from mockserver.testing import sync_client
from mockserver.vendors import REGISTRY, load, vendor_names

from .serve_process import serve_process

TOKEN = "test-control-token"
FIRST = vendor_names()[0]
OPERATIONS = sorted(ApiIndex({"": load_spec(CONTROL_SPEC)}).operations.values(), key=lambda op: op.id)


@pytest.fixture(scope="module")
def guarded() -> Iterator[Sandbox]:
    app = create_app(apis=(FIRST,), control_token=TOKEN)
    yield app
    app.close()


@pytest.fixture
def control(guarded: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(guarded, base_url="http://sandbox/__sandbox__") as client:
        yield client


def _path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", FIRST, template)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.id)
def test_every_control_operation_but_health_needs_the_token(control: httpx.Client, operation: object) -> None:
    method, path = operation.method.upper(), _path(operation.path)  # type: ignore[attr-defined]

    response = control.request(method, path, json={} if method in ("POST", "PUT") else None)

    if operation.id == "getHealth":  # type: ignore[attr-defined]
        assert response.status_code == 200
        return
    assert response.status_code == 401, (method, path, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize("path", ["/openapi.json", "/ui/", "/no-such-thing"])
def test_the_control_plane_s_spec_ui_and_unknown_paths_need_the_token_too(
    control: httpx.Client, path: str
) -> None:
    assert control.get(path).status_code == 401
    assert control.get(path, headers=control_headers(TOKEN)).status_code != 401


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {TOKEN}"},
        {"Authorization": f"bearer   {TOKEN}"},
        {"X-Sandbox-Token": TOKEN},
    ],
    ids=["bearer", "bearer any case", "x-sandbox-token"],
)
def test_the_token_opens_the_control_plane_and_a_write_takes_effect(
    control: httpx.Client, headers: dict[str, str]
) -> None:
    saved = control.post("/snapshots", json={"name": "guarded"}, headers=headers)

    assert saved.status_code == 201, saved.text
    listed = control.get("/snapshots", headers=headers).json()["snapshots"]
    assert "guarded" in [s["name"] for s in listed]
    assert control.delete("/snapshots/guarded", headers=headers).status_code == 204


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": TOKEN},
        {"Authorization": f"Basic {TOKEN}"},
        {"X-Sandbox-Token": TOKEN[:-1]},
        {"X-Sandbox-Token": ""},
    ],
    ids=["wrong", "no scheme", "basic", "prefix of it", "empty"],
)
def test_a_wrong_token_is_refused_and_changes_nothing(control: httpx.Client, headers: dict[str, str]) -> None:
    assert control.post("/reset", json={"seed": 99}, headers=headers).status_code == 401
    assert control.get("/health").json()["seed"] == 0


def test_without_a_token_the_control_plane_stays_open() -> None:
    with sync_client(create_app(apis=(FIRST,))) as client:
        assert client.get("/__sandbox__/apis").status_code == 200


def test_the_vendor_apis_take_no_control_token(guarded: Sandbox) -> None:
    with sync_client(guarded) as client:
        spec = client.get(guarded.apis[FIRST].spec_url)

    assert spec.status_code == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.test", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_clients_send_the_token_given_else_the_environment_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    assert control_headers() == {}
    monkeypatch.setenv(CONTROL_TOKEN_ENV, "from-env")
    assert control_headers() == {"Authorization": "Bearer from-env"}
    assert control_headers("given") == {"Authorization": "Bearer given"}


def test_the_banner_never_prints_a_token_the_user_gave(guarded: Sandbox) -> None:
    exposed = banner(guarded, "http://127.0.0.1:1", Exposure("0.0.0.0"))
    local = banner(guarded, "http://127.0.0.1:1", Exposure("127.0.0.1"))

    assert TOKEN not in exposed
    assert TOKEN not in local
    assert "not shown" in exposed
    assert "WARNING" in exposed
    assert "WARNING" not in local


def test_a_wildcard_bind_is_announced_with_urls_a_client_can_reach() -> None:
    assert Exposure("0.0.0.0").urls(8000)[0] == "http://127.0.0.1:8000"
    assert Exposure("::").urls(8000)[0] == "http://[::1]:8000"
    assert Exposure("192.168.1.5").urls(8000) == ["http://192.168.1.5:8000"]
    assert Exposure("fd00::5").urls(8000) == ["http://[fd00::5]:8000"]


def test_a_wildcard_bind_also_names_this_machines_address_on_its_default_route(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Here: no address at all, or one that is not loopback (the banner has loopback's already).
    found = server.outbound_address(socket.AF_INET)
    assert found is None or not is_loopback(found)
    routes = {socket.AF_INET: "10.1.2.3", socket.AF_INET6: None}
    monkeypatch.setattr(server, "outbound_address", routes.get)
    assert Exposure("0.0.0.0").urls(8000)[1:] == [
        f"http://{socket.gethostname()}:8000",
        "http://10.1.2.3:8000",
    ]
    assert len(Exposure("::").urls(8000)) == 2


# --- over a real socket: serve bound to 0.0.0.0, reached over 127.0.0.1 only ---------------------


@pytest.fixture(scope="module")
def exposed_serve() -> Iterator[tuple[str, list[str]]]:
    """``serve --host 0.0.0.0 --port 0`` without a token given; its URL and its banner."""
    argv = ("--host", "0.0.0.0", "--port", "0", "--api", FIRST, "--log-level", "warning")
    with serve_process(*argv, without=(CONTROL_TOKEN_ENV,)) as (url, lines, _process):
        yield url, lines


def test_serve_exposed_warns_prints_a_token_and_guards_the_control_plane_over_a_socket(
    exposed_serve: tuple[str, list[str]],
) -> None:
    url, lines = exposed_serve
    text = "\n".join(lines)
    (token,) = re.findall(r"control token (\S+)", text)

    assert "WARNING: bound to 0.0.0.0: the sandbox is reachable from the network" in text
    assert "needs the token" in text
    assert len(token) >= 32
    with httpx.Client(base_url=f"{url}/__sandbox__", timeout=10) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/apis").status_code == 401
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/apis", headers={"Authorization": "Bearer not-it"}).status_code == 401
        assert client.post("/reset", json={"seed": 5}).status_code == 401
        assert client.get("/health").json()["seed"] == 0
        assert client.get("/apis", headers=control_headers(token)).status_code == 200
        assert client.get("/apis", headers={"X-Sandbox-Token": token}).status_code == 200
        assert client.post("/reset", json={"seed": 5}, headers=control_headers(token)).status_code == 200
        assert client.get("/health").json()["seed"] == 5


# --- forwarded headers: believed from the trusted peers only (in-process, the peer set in the scope) ---

PER_CLIENT = [n for n, v in REGISTRY.items() if v.rate_limit is not None and v.rate_limit.per == "client"]


def _a_call(app: Sandbox, api: str, server_url: str) -> tuple[str, str, str, httpx.Auth]:
    """An operation of ``api`` without path parameters: method, base URL, path and credentials."""
    vendor = REGISTRY[api]
    operation = next(op for op in app.contexts[api].index.operations.values() if "{" not in op.path)
    base = f"{server_url}{app.apis[api].prefix}"
    auth = vendor.credentials.auth(vendor.credentials.defaults[0], base_url=base)
    return operation.method.upper(), base, operation.path, auth


def _statuses(app: Sandbox, api: str, peer: str, forwarded: list[str]) -> list[int]:
    """One authenticated call per ``X-Forwarded-For`` value, all from ``peer``: the statuses."""
    method, base, path, auth = _a_call(app, api, "http://sandbox")

    async def send() -> list[int]:
        transport = httpx.ASGITransport(app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=base, auth=auth) as client:
            answers = [await client.request(method, path, headers={"X-Forwarded-For": f}) for f in forwarded]
        return [a.status_code for a in answers]

    return asyncio.run(send())


@pytest.mark.parametrize("api", PER_CLIENT)
@pytest.mark.parametrize(
    ("trusted", "peer", "limited"),
    [
        ((), "127.0.0.1", True),
        (("127.0.0.1",), "127.0.0.1", False),
        (("10.0.0.0/8",), "10.1.2.3", False),
        (("10.0.0.0/8",), "127.0.0.1", True),
    ],
    ids=["nobody trusted", "loopback trusted", "network trusted", "peer outside the trusted network"],
)
def test_a_per_client_limit_counts_the_forwarded_client_only_behind_a_trusted_proxy(
    api: str, trusted: tuple[str, ...], peer: str, limited: bool
) -> None:
    app = create_app(apis=(api,), rate_limits={api: "2/minute"}, forwarded_allow_ips=trusted)

    statuses = _statuses(app, api, peer, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])

    assert (statuses[-1] == 429) is limited, statuses
    assert 429 not in statuses[:2]


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("trusted", "limited"), [((), True), (("127.0.0.1",), False)])
def test_over_a_socket_the_server_believes_no_proxy_header_and_the_app_decides(
    server: str, trusted: tuple[str, ...], limited: bool
) -> None:
    api = PER_CLIENT[0]
    app = create_app(apis=(api,), rate_limits={api: "2/minute"}, forwarded_allow_ips=trusted)
    with LiveServer(app, server=server) as live:
        method, base, path, auth = _a_call(app, api, live.url)
        with httpx.Client(base_url=base, auth=auth) as client:
            forwarded = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
            statuses = [
                client.request(method, path, headers={"X-Forwarded-For": f}).status_code for f in forwarded
            ]
    app.close()
    assert (statuses[-1] == 429) is limited, statuses
    assert 429 not in statuses[:2]


def test_uvicorn_itself_believes_no_proxy_header(guarded: Sandbox) -> None:
    # uvicorn's default trusts X-Forwarded-For from 127.0.0.1: off, the app's layer decides alone.
    from mockserver.server import make_server

    assert make_server(guarded).config.proxy_headers is False


# --- serve --require-control-token (the image sets LMS_SANDBOX_REQUIRE_CONTROL_TOKEN) ---------------


@pytest.mark.parametrize(
    ("argv", "env"),
    [(["--require-control-token"], {}), ([], {"LMS_SANDBOX_REQUIRE_CONTROL_TOKEN": "true"})],
    ids=["flag", "environment"],
)
def test_serve_asked_to_require_a_token_stops_without_one_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str]
) -> None:
    import mockserver.server
    from mockserver.cli import main

    def served(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("serve started without a token")

    monkeypatch.setattr(mockserver.server, "serve", served)
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--host", "0.0.0.0", "--port", "0", *argv])

    assert CONTROL_TOKEN_ENV in str(stopped.value.code)
    assert "--require-control-token" in str(stopped.value.code)


# Opening a session (X-Sandbox-Session, /__session__/NAME/) when the control plane needs its token.
@pytest.fixture(scope="module")
def exposed() -> Iterator[Sandbox]:
    with contextlib.closing(create_app(control_token=TOKEN)) as app:
        yield app


def _listed(app: Sandbox) -> set[str]:
    return {session["name"] for session in app.sessions.listed()}


@pytest.mark.parametrize("api", list(REGISTRY))
def test_a_new_session_needs_the_token_in_the_vendors_envelope_and_a_live_one_is_used_without(
    exposed: Sandbox, api: str
) -> None:
    vendor = REGISTRY[api]
    path = f"{exposed.apis[api].prefix}{vendor.specs[0].base_path}/"
    name = f"new-{api}"
    with sync_client(exposed) as client:
        plain = client.get(path).status_code
        for refused in (
            client.get(path, headers={"X-Sandbox-Session": name}),
            client.get(f"/__session__/{name}{path}"),
            client.get(path, headers={"X-Sandbox-Session": name, "X-Sandbox-Token": "wrong"}),
        ):
            assert refused.status_code == 403, refused.text
            assert set(refused.json()) == set(load(vendor.edge_errors or vendor.errors)(403, "x"))
            assert "needs the control plane's token" in refused.text
        assert name not in _listed(exposed)
        opened = client.get(path, headers={"X-Sandbox-Session": name, "X-Sandbox-Token": TOKEN})
        assert opened.status_code == plain
        assert name in _listed(exposed)
        assert client.get(path, headers={"X-Sandbox-Session": name}).status_code == plain
        assert client.get(f"/__session__/{name}{path}").status_code == plain
    exposed.sessions.delete(name)


def test_the_control_plane_opens_a_session_only_with_the_token_even_for_health(exposed: Sandbox) -> None:
    with sync_client(exposed, base_url="http://sandbox/__sandbox__") as client:
        refused = client.get("/health", headers={"X-Sandbox-Session": "health"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert "needs the control plane's token" in refused.json()["detail"]
        assert "health" not in _listed(exposed)
        bearer = {"Authorization": f"Bearer {TOKEN}", "X-Sandbox-Session": "health"}
        assert client.get("/health", headers=bearer).status_code == 200
        assert client.get("/health", headers={"X-Sandbox-Session": "health"}).status_code == 200
        # The dashboard's cookie is the token too (a read; a write also needs the page's own Origin).
        cookie = {"Cookie": f"{TOKEN_COOKIE}={TOKEN}", "X-Sandbox-Session": "cookie"}
        assert client.get("/health", headers=cookie).status_code == 200
        posted = client.post("/reset", headers={**cookie, "X-Sandbox-Session": "cookie-post"})
        assert posted.status_code == 403
    assert {"health", "cookie"} <= _listed(exposed)
    assert "cookie-post" not in _listed(exposed)
    exposed.sessions.delete("health")
    exposed.sessions.delete("cookie")


def test_open_sessions_lets_anyone_open_one_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(apis=(FIRST,), control_token=TOKEN, open_sessions=True)
    try:
        with sync_client(app) as client:
            answer = client.get("/__sandbox__/health", headers={"X-Sandbox-Session": "anyone"})
            assert answer.status_code == 200
        assert _listed(app) == {"anyone"}
    finally:
        app.close()
    monkeypatch.delenv("LMS_SANDBOX_OPEN_SESSIONS", raising=False)
    assert not options_from_args(_serve()).open_sessions
    assert options_from_args(_serve("--open-sessions")).open_sessions
    monkeypatch.setenv("LMS_SANDBOX_OPEN_SESSIONS", "true")
    assert options_from_args(_serve()).open_sessions


def _serve(*argv: str) -> Any:
    return build_parser().parse_args(["serve", "--no-config", *argv])
