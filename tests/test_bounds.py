"""Bounded inputs: 413, 414 and 431 in each vendor's own error body, excerpts in errors, slow clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import Sandbox, create_app
from mockserver.bounds import format_size, parse_size
from mockserver.cli import build_parser, options_from_args
from mockserver.plugin.handles import SandboxHandle
from mockserver.testing import SyncASGITransport, async_client, sync_client
from mockserver.vendors import get_vendor, load, vendor_names
from mockserver.xmlcodec import encode as encode_xml

from .conftest import AUTH

LIMIT = 4096
IMPORT_LIMIT = 1024 * 1024
QUERY_LIMIT = 1024
HEADER_LIMIT = 512
HEADERS_LIMIT = 2048
BIG = 5 * 1024 * 1024
CONTROL = "/__sandbox__"

# A request = (method, path under the API's base URL, JSON body, extra headers).
Request = tuple[str, str, Any, dict[str, str]]


def _first_id(app: Sandbox, api: str, collection: str) -> str:
    return next(iter(app.store.export(api)["collections"][collection]))


def _progress(app: Sandbox) -> Request:
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
    "dfe": lambda app, tag: _progress(app),
    "skyprep": lambda app, tag: ("POST", "/admin/api/create_user", {"email": f"{tag}@example.com"}, {}),
    "coursepath": lambda app, tag: ("POST", "/api/v1/members", {"email": f"{tag}@example.com"}, {}),
    "absorb": lambda app, tag: (
        "POST",
        "/users",
        {
            "departmentId": _first_id(app, "absorb", "departments"),
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


def test_every_vendor_has_its_requests_here() -> None:
    assert set(WRITES) == set(WRITTEN) == set(_invalid("x")) == set(vendor_names())


def _invalid(value: str) -> dict[str, Callable[[Sandbox], Request]]:
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
                "departmentId": _first_id(app, "absorb", "departments"),
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
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if body and scope["path"].endswith(self.path):
            body += b" " * (self.size - len(body))
            scope = dict(scope)
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
            scope["headers"] = [*headers, (b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@pytest.fixture(scope="module")
def bounded_app() -> Sandbox:
    return create_app(
        max_body_size=LIMIT,
        max_import_size=IMPORT_LIMIT,
        max_query_size=QUERY_LIMIT,
        max_header_size=HEADER_LIMIT,
        max_headers_size=HEADERS_LIMIT,
    )


@pytest.fixture
def bounded(bounded_app: Sandbox) -> Iterator[Sandbox]:
    bounded_app.reset(0)
    yield bounded_app
    errors = list(bounded_app.errors)
    bounded_app.errors.clear()
    assert not errors, f"the sandbox raised during the test: {errors!r}"


@pytest.fixture(scope="module")
def roomy_app() -> Sandbox:
    """Bodies up to 8 MiB: room for a 5 MiB value to reach validation."""
    return create_app(max_body_size=8 * 1024 * 1024)


def _client(app: ASGIApp, sandbox: Sandbox, name: str, auth: httpx.Auth | None = None) -> httpx.Client:
    """A client of ``name`` on ``app`` (the sandbox, or a layer in front of it), credentials attached."""
    handle = SandboxHandle(sandbox, sandbox.options)
    info = sandbox.apis[name]
    auth = auth or _auth(sandbox, name)
    headers = {**info.headers, **info.client_headers}
    return sync_client(app, base_url=handle.base_url(name), headers=headers, auth=auth)


def _render(name: str) -> Callable[..., dict[str, Any]]:
    vendor = get_vendor(name)
    return load(vendor.edge_errors or vendor.errors)  # type: ignore[no-any-return]


def _too_large(limit: int, why: str) -> str:
    return f"Request body too large: this sandbox accepts at most {limit} bytes ({format_size(limit)}); {why}"


# request bodies


@pytest.mark.parametrize("name", vendor_names())
def test_a_body_over_the_limit_gets_413_in_the_vendors_body_and_changes_nothing(
    bounded: Sandbox, name: str
) -> None:
    method, path, body, headers = WRITES[name](bounded, "big")
    before = bounded.store.export(name)
    with _client(Padded(bounded, LIMIT + 1, path), bounded, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 413
    assert response.json() == _render(name)(413, _too_large(LIMIT, f"Content-Length is {LIMIT + 1}"))
    assert bounded.store.export(name) == before


@pytest.mark.parametrize("name", vendor_names())
def test_a_body_exactly_at_the_limit_is_served(bounded: Sandbox, name: str) -> None:
    method, path, body, headers = WRITES[name](bounded, "edge")
    before = len(bounded.store.export(name)["collections"].get(WRITTEN[name], {}))
    with _client(Padded(bounded, LIMIT, path), bounded, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    assert len(bounded.store.export(name)["collections"].get(WRITTEN[name], {})) == before + 1


@pytest.mark.parametrize("name", [n for n in vendor_names() if get_vendor(n).offers_xml])
def test_a_413_answers_in_xml_where_the_vendor_offers_it_and_it_was_asked_for(
    bounded: Sandbox, client: httpx.Client, name: str
) -> None:
    vendor = get_vendor(name)
    response = client.post(
        f"{bounded.apis[name].prefix}/any", content=b"x" * (LIMIT + 1), headers={"Accept": "application/xml"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/xml")
    encode = load(vendor.xml) if vendor.xml else encode_xml
    message = _too_large(LIMIT, f"Content-Length is {LIMIT + 1}")
    assert response.content == encode(_render(name)(413, message))


@pytest.fixture
def client(bounded: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(bounded) as c:
        yield c


def test_a_streamed_body_is_refused_at_the_first_byte_past_the_limit_without_reading_the_rest(
    bounded: Sandbox,
) -> None:
    name = vendor_names()[0]
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:  # a body with no end and no Content-Length: only counting can stop it
            sent.append(1024)
            yield b" " * 1024

    async def post() -> httpx.Response:
        async with async_client(bounded) as client:
            return await client.post(f"{bounded.apis[name].prefix}/any", content=endless())

    response = asyncio.run(post())
    assert response.status_code == 413
    assert response.json() == _render(name)(413, _too_large(LIMIT, f"more than {LIMIT} bytes were sent"))
    assert sum(sent) <= LIMIT + 1024


def test_the_default_limit_refuses_a_50_mib_body_by_its_length(
    sandbox: Sandbox, client_default: httpx.Client
) -> None:
    name = vendor_names()[0]
    response = client_default.post(f"{sandbox.apis[name].prefix}/any", content=b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "at most 1048576 bytes (1 MiB)" in response.text
    assert len(response.content) < 512
    (entry,) = sandbox.journal.entries(status=413)
    assert len(entry.request_body) <= 64 * 1024


@pytest.fixture
def client_default(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sync_client(sandbox) as c:
        yield c


def test_a_state_import_takes_a_body_over_the_apis_limit_up_to_its_own(
    bounded: Sandbox, client: httpx.Client
) -> None:
    name = vendor_names()[0]
    exported = client.get(f"{CONTROL}/state/{name}").content
    assert LIMIT < len(exported) < IMPORT_LIMIT
    imported = client.put(
        f"{CONTROL}/state/{name}", content=exported, headers={"Content-Type": "application/json"}
    )
    assert imported.status_code == 200, imported.text
    padded = exported + b" " * (IMPORT_LIMIT + 1 - len(exported))
    refused = client.put(
        f"{CONTROL}/state/{name}", content=padded, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json() == {
        "type": "about:blank",
        "title": "Request Entity Too Large",
        "status": 413,
        "detail": _too_large(IMPORT_LIMIT, f"Content-Length is {IMPORT_LIMIT + 1}"),
    }


def test_the_control_planes_other_operations_take_the_apis_limit(
    bounded: Sandbox, client: httpx.Client
) -> None:
    fault = {"api": vendor_names()[0], "status": 503, "padding": "x" * LIMIT}
    response = client.post(f"{CONTROL}/faults", json=fault)
    assert response.status_code == 413
    assert bounded.faults.listed() == []


# query strings and headers


@pytest.mark.parametrize("name", vendor_names())
def test_a_query_string_over_the_limit_gets_414_in_the_vendors_body(
    bounded: Sandbox, client: httpx.Client, name: str
) -> None:
    query = "q=" + "x" * (QUERY_LIMIT - 1)
    response = client.get(f"{bounded.apis[name].prefix}/any?{query}")
    assert response.status_code == 414
    message = (
        f"Query string too long: {QUERY_LIMIT + 1} bytes; this sandbox accepts at most {QUERY_LIMIT} (1 KiB)"
    )
    assert response.json() == _render(name)(414, message)


@pytest.mark.parametrize("name", vendor_names())
def test_one_header_or_all_headers_over_their_limits_get_431_in_the_vendors_body(
    bounded: Sandbox, client: httpx.Client, name: str
) -> None:
    url = f"{bounded.apis[name].prefix}/any"
    one = client.get(url, headers={"X-Big": "x" * HEADER_LIMIT})
    assert one.status_code == 431
    message = f"Request header 'x-big' too large: {HEADER_LIMIT + 5} bytes with its name; "
    assert one.json() == _render(name)(
        431, message + "this sandbox accepts at most 512 (512 bytes) per header"
    )
    many = client.get(url, headers={f"X-Part-{i}": "x" * 400 for i in range(6)})
    assert many.status_code == 431
    assert "bytes together; this sandbox accepts at most 2048 (2 KiB) in all" in many.text


def test_a_query_and_headers_within_the_limits_are_served(bounded: Sandbox, client: httpx.Client) -> None:
    name = vendor_names()[0]
    response = client.get(
        f"{bounded.apis[name].prefix}/any?q={'x' * (QUERY_LIMIT - 2)}", headers={"X-Big": "x" * 400}
    )
    assert response.status_code not in (413, 414, 431)


# excerpts in errors


@pytest.mark.parametrize("name", vendor_names())
def test_an_error_quotes_an_excerpt_of_a_5_mib_value(roomy_app: Sandbox, name: str) -> None:
    roomy_app.reset(0)
    method, path, body, headers = _invalid("x" * BIG)[name](roomy_app)
    with _client(roomy_app, roomy_app, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert len(response.content) < 1024
    assert f"'{'x' * 64}...' ({BIG} characters)" in response.text
    assert roomy_app.errors == []


@pytest.mark.parametrize("name", vendor_names())
def test_an_error_quotes_a_normal_value_whole(roomy_app: Sandbox, name: str) -> None:
    roomy_app.reset(0)
    value = "y" * 120  # invalid wherever the 5 MiB value is, and short enough to be quoted whole
    method, path, body, headers = _invalid(value)[name](roomy_app)
    with _client(roomy_app, roomy_app, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert f"'{value}'" in response.text
    assert "characters)" not in response.text


@pytest.mark.parametrize("name", vendor_names())
def test_an_unknown_path_is_quoted_as_an_excerpt(roomy_app: Sandbox, name: str) -> None:
    path = f"{roomy_app.apis[name].prefix}/{'p' * 2000}"
    with sync_client(roomy_app) as client:
        response = client.get(path)
    assert 400 <= response.status_code < 500
    assert "p" * 200 not in response.text


@pytest.mark.parametrize("control", [False, True])
def test_a_query_parameter_error_quotes_an_excerpt(roomy_app: Sandbox, control: bool) -> None:
    value = "z" * 5000
    url, params = f"{CONTROL}/journal", {"method": value}
    if not control:  # a vendor's enumerated parameter
        url, params = "/apprentiscope/read-users/" + value, {}
    with sync_client(roomy_app, headers=AUTH) as client:
        response = client.get(url, params=params)
    assert response.status_code == 400
    assert f"'{'z' * 64}...' (5000 characters)" in response.text
    assert len(response.content) < 1024


# a slow client


class Capture(httpx.BaseTransport):
    """Passes requests on to ``inner``, but keeps the one for ``path`` as the client would send it."""

    def __init__(self, inner: httpx.BaseTransport, path: str) -> None:
        self.inner = inner
        self.path = path
        self.kept: httpx.Request | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.path):
            request.read()
            self.kept = request
            return httpx.Response(204)
        return self.inner.handle_request(request)


def _auth(app: Sandbox, name: str) -> httpx.Auth | None:
    info = app.apis[name]
    return None if info.vendor.credentials.headers_only else SandboxHandle(app, app.options).auth(name)


def _as_sent(app: Sandbox, name: str, request: Request, auth: httpx.Auth | None) -> httpx.Request:
    """``request`` with the vendor's credentials, as its client sends it (logged in, token signed)."""
    method, path, body, headers = request
    info = app.apis[name]
    handle = SandboxHandle(app, app.options)
    capture = Capture(SyncASGITransport(app), path)
    sent = {**info.headers, **info.client_headers, **headers}
    with httpx.Client(transport=capture, base_url=handle.base_url(name), headers=sent, auth=auth) as client:
        client.request(method, path, json=body)
    assert capture.kept is not None
    return capture.kept


def _scope(request: httpx.Request) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "root_path": "",
        "query_string": request.url.query,
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": ("127.0.0.1", 50000),
        "server": ("sandbox", 80),
    }


def _lock_is_free(app: Sandbox) -> bool:
    """Whether this thread can take the store lock now (never waiting for it)."""
    lock = app.store._lock
    if not lock.acquire(blocking=False):
        return False
    lock.release()
    return True


async def _while_stalled(
    app: Sandbox, request: httpx.Request, meanwhile: Callable[[], Any]
) -> tuple[list[int], bool, Any]:
    """Sends ``request`` to ``app`` but stalls halfway through its body; meanwhile, in another thread,
    checks that the store lock is free and runs ``meanwhile``; then lets the body finish.

    Returns the stalled request's statuses, whether the lock was free, and what ``meanwhile`` returned.
    """
    content = request.content
    halfway, go_on = asyncio.Event(), asyncio.Event()
    parts = [content[: len(content) // 2], content[len(content) // 2 :]]

    async def receive() -> Message:
        if len(parts) == 2:
            return {"type": "http.request", "body": parts.pop(0), "more_body": True}
        if parts:
            halfway.set()
            await go_on.wait()  # the client stalls here, halfway through its body
            return {"type": "http.request", "body": parts.pop(0), "more_body": False}
        await asyncio.Event().wait()  # the connection stays open until the answer is sent
        return {"type": "http.disconnect"}

    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    task = asyncio.create_task(app(_scope(request), receive, send))
    await halfway.wait()
    lock_free = await asyncio.to_thread(_lock_is_free, app)
    done = await asyncio.to_thread(meanwhile)
    go_on.set()
    await task
    return statuses, lock_free, done


def _count(app: Sandbox, name: str) -> int:
    return len(app.store.export(name)["collections"].get(WRITTEN[name], {}))


@pytest.mark.parametrize("name", vendor_names())
def test_a_client_stalled_halfway_through_its_body_holds_no_lock(bounded: Sandbox, name: str) -> None:
    """One write's body stops halfway; meanwhile another write and a read are served; then it ends."""
    # One login for both clients: a vendor that revokes a subject's earlier token on login would
    # refuse the stalled request otherwise.
    auth = _auth(bounded, name)
    stalled = _as_sent(bounded, name, WRITES[name](bounded, "slow"), auth)
    count = _count(bounded, name)

    def write_and_read() -> tuple[int, int]:
        method, path, body, headers = WRITES[name](bounded, "fast")
        with _client(bounded, bounded, name, auth) as other:
            wrote = other.request(method, path, json=body, headers=headers)
        with sync_client(bounded) as control:
            read = control.get(f"{CONTROL}/state/{name}").json()
        return wrote.status_code, len(read["collections"].get(WRITTEN[name], {}))

    statuses, lock_free, (wrote, read_count) = asyncio.run(_while_stalled(bounded, stalled, write_and_read))
    assert lock_free
    assert wrote in (200, 201)
    assert read_count == count + 1
    assert statuses in ([200], [201])
    assert _count(bounded, name) == count + 2


def test_a_state_import_stalled_halfway_holds_no_lock(bounded: Sandbox) -> None:
    name = vendor_names()[0]
    exported = bounded.store.export(name)
    request = httpx.Request("PUT", f"http://sandbox{CONTROL}/state/{name}", json=exported)
    count = _count(bounded, name)

    def write() -> int:
        method, path, body, headers = WRITES[name](bounded, "during")
        with _client(bounded, bounded, name) as other:
            return other.request(method, path, json=body, headers=headers).status_code

    statuses, lock_free, wrote = asyncio.run(_while_stalled(bounded, request, write))
    assert lock_free
    assert wrote in (200, 201)
    assert statuses == [200]
    # The import, finished last, put back the state it carried: the write made meanwhile is gone.
    assert _count(bounded, name) == count


# configuration


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1048576),
        ("512k", 512 * 1024),
        ("1MiB", 1024**2),
        ("1.5M", 1536 * 1024),
        ("2MB", 2_000_000),
    ],
)
def test_sizes_are_read_in_bytes_or_with_a_unit(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "1 parsec", "-1", "0"])
def test_a_size_that_is_not_one_is_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 1048576, 512k, 1MiB|at least 1 byte"):
        parse_size(text)


def test_serve_takes_the_limits_as_sizes() -> None:
    args = build_parser().parse_args(
        ["serve", "--max-body-size", "512k", "--max-import-size", "1GiB", "--max-query-size", "2048"]
    )
    options = options_from_args(args)
    assert (options.max_body_size, options.max_import_size, options.max_query_size) == (524288, 1024**3, 2048)
    assert (options.max_header_size, options.max_headers_size) == (8192, 32768)


def test_serve_refuses_a_limit_that_is_not_a_size(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-body-size", "lots"])
    assert "invalid size 'lots'" in capsys.readouterr().err


def test_a_limit_below_one_byte_is_refused() -> None:
    with pytest.raises(ValueError, match="max_body_size must be at least 1 byte"):
        create_app(max_body_size=0)
