"""In-process HTTP clients for a sandbox: no sockets, for tests and the pytest plugin.

A call builds the ASGI scope from the ``httpx`` request and runs the app on an event loop, as
``httpx.ASGITransport`` does, minus what an in-process call to this app does not need: a second
request object, and an import attempt of ``sniffio`` (missing here) on every call.
Together with running on the calling thread, that halves what a downstream test pays per call
(``make bench``'s P9).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import anyio.from_thread
import httpx
from starlette.types import ASGIApp, Message

# The peer an in-process request comes from, as httpx.ASGITransport has it.
CLIENT = ("127.0.0.1", 123)

_Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


async def exchange(app: ASGIApp, request: httpx.Request, body: bytes | AsyncIterable[bytes]) -> _Answer:
    """Send ``request`` to ``app``: the status, headers and body of its answer.

    ``body`` is the request's whole body, or its chunks as the app asks for them (a streamed body is
    never read further than the app reads it). An exception the app raises is raised here, as
    ``httpx.ASGITransport`` does by default.
    """
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "server": (url.host, url.port),
        "client": CLIENT,
        "root_path": "",
    }
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    parts: list[bytes] = []
    chunks = _chunks(body)
    sent = False
    answered = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await answered.wait()
            return {"type": "http.disconnect"}
        chunk = await anext(chunks, None)
        if chunk is None:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if request.method != "HEAD":
                parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    await app(scope, receive, send)
    return status, headers, b"".join(parts)


async def _chunks(body: bytes | AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(body, bytes):
        if body:
            yield body
        return
    async for chunk in body:
        if chunk:
            yield chunk


class SyncASGITransport(httpx.BaseTransport):
    """An ``httpx`` sync transport that calls an ASGI app in-process, on an event loop of its own.

    A call runs the app on the calling thread's loop (one per thread, made on first use): no hop to
    another thread, which was half of an in-process call's cost. A thread that is itself running an event
    loop (a sync client called from async code) cannot run a second one: its calls go to a loop in a
    helper thread, started then.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._stack = contextlib.ExitStack()
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._guard = threading.Lock()
        self._portal: anyio.from_thread.BlockingPortal | None = None
        # A client dropped without being closed still closes its loops (an open loop warns when collected).
        self._finalizer = weakref.finalize(self, _close_loops, self._loops, self._guard)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if _loop_running():
            status, headers, content = self._helper_thread().call(exchange, self.app, request, body)
        else:
            status, headers, content = self._own_loop().run_until_complete(exchange(self.app, request, body))
        return httpx.Response(status, headers=headers, content=content, request=request)

    def _own_loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
            with self._guard:
                self._loops.append(loop)
        return loop

    def _helper_thread(self) -> anyio.from_thread.BlockingPortal:
        with self._guard:
            if self._portal is None:
                self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
            return self._portal

    def close(self) -> None:
        self._finalizer()
        self._stack.close()


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """An ``httpx`` async transport that calls an ASGI app in-process, on the caller's loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        body = stream if isinstance(stream, httpx.AsyncByteStream) else await request.aread()
        status, headers, content = await exchange(self.app, request, body)
        return httpx.Response(status, headers=headers, content=content, request=request)


def _close_loops(loops: list[asyncio.AbstractEventLoop], guard: threading.Lock) -> None:
    with guard:
        closing, loops[:] = list(loops), []
    for loop in closing:
        # A loop is only run by its own thread's calls, all finished by the time a client closes.
        if not loop.is_running():
            loop.close()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def sync_client(app: ASGIApp, base_url: str = "http://sandbox", **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` wired to ``app`` in-process; close it when done."""
    return httpx.Client(transport=SyncASGITransport(app), base_url=base_url, **kwargs)


def async_client(app: ASGIApp, base_url: str = "http://sandbox", **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` wired to ``app`` in-process."""
    return httpx.AsyncClient(transport=AsyncASGITransport(app), base_url=base_url, **kwargs)
