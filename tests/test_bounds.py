"""Bounded inputs: 413, 414 and 431 in each vendor's own error body, and slow clients holding no lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.types import Message, Scope

from mockserver import Sandbox, create_app
from mockserver.bounds import format_size, parse_size
from mockserver.cli import build_parser, options_from_args
from mockserver.plugin.handles import SandboxHandle
from mockserver.testing import SyncASGITransport, async_client, sync_client
from mockserver.vendors import get_vendor, load, vendor_names
from mockserver.xmlcodec import encode as encode_xml

from .bounds_helpers import (
    CONTROL,
    HEADER_LIMIT,
    HEADERS_LIMIT,
    IMPORT_LIMIT,
    LIMIT,
    QUERY_LIMIT,
    WRITES,
    WRITTEN,
    Padded,
    Request,
    auth_of,
    client_of,
    count_of,
    invalid,
)
from .vendor_fixtures import reset_and_check


def test_every_vendor_has_its_requests_here() -> None:
    assert set(WRITES) == set(WRITTEN) == set(invalid("x")) == set(vendor_names())


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
    yield from reset_and_check(bounded_app)


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
    with client_of(Padded(bounded, LIMIT + 1, path), bounded, name) as client:
        # Any call logs a login client in first, and a login is a write of its own (Absorb's lastLoginDate).
        client.get("/")
        before = bounded.store.export(name)
        response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == 413
    assert response.json() == _render(name)(413, _too_large(LIMIT, f"Content-Length is {LIMIT + 1}"))
    assert bounded.store.export(name) == before


@pytest.mark.parametrize("name", vendor_names())
def test_a_body_exactly_at_the_limit_is_served(bounded: Sandbox, name: str) -> None:
    method, path, body, headers = WRITES[name](bounded, "edge")
    before = len(bounded.store.export(name)["collections"].get(WRITTEN[name], {}))
    with client_of(Padded(bounded, LIMIT, path), bounded, name) as client:
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


@pytest.mark.parametrize("name", vendor_names())
def test_a_client_stalled_halfway_through_its_body_holds_no_lock(bounded: Sandbox, name: str) -> None:
    """One write's body stops halfway; meanwhile another write and a read are served; then it ends."""
    # One login for both clients: a vendor that revokes a subject's earlier token on login would
    # refuse the stalled request otherwise.
    auth = auth_of(bounded, name)
    stalled = _as_sent(bounded, name, WRITES[name](bounded, "slow"), auth)
    count = count_of(bounded, name)

    def write_and_read() -> tuple[int, int]:
        method, path, body, headers = WRITES[name](bounded, "fast")
        with client_of(bounded, bounded, name, auth) as other:
            wrote = other.request(method, path, json=body, headers=headers)
        with sync_client(bounded) as control:
            read = control.get(f"{CONTROL}/state/{name}").json()
        return wrote.status_code, len(read["collections"].get(WRITTEN[name], {}))

    statuses, lock_free, (wrote, read_count) = asyncio.run(_while_stalled(bounded, stalled, write_and_read))
    assert lock_free
    assert wrote in (200, 201)
    assert read_count == count + 1
    assert statuses in ([200], [201])
    assert count_of(bounded, name) == count + 2


def test_a_state_import_stalled_halfway_holds_no_lock(bounded: Sandbox) -> None:
    name = vendor_names()[0]
    exported = bounded.store.export(name)
    request = httpx.Request("PUT", f"http://sandbox{CONTROL}/state/{name}", json=exported)
    count = count_of(bounded, name)

    def write() -> int:
        method, path, body, headers = WRITES[name](bounded, "during")
        with client_of(bounded, bounded, name) as other:
            return other.request(method, path, json=body, headers=headers).status_code

    statuses, lock_free, wrote = asyncio.run(_while_stalled(bounded, request, write))
    assert lock_free
    assert wrote in (200, 201)
    assert statuses == [200]
    # The import, finished last, put back the state it carried: the write made meanwhile is gone.
    assert count_of(bounded, name) == count


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
