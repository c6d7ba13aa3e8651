"""In-process HTTP clients for a sandbox: no sockets, for tests and the pytest plugin."""

from __future__ import annotations

import contextlib
from typing import Any

import anyio.from_thread
import httpx
from starlette.types import ASGIApp


class SyncASGITransport(httpx.BaseTransport):
    """An ``httpx`` sync transport that calls an ASGI app on an event loop in a helper thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._transport = httpx.ASGITransport(app)
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._transport.handle_async_request(inner)
            body = await response.aread()
            return response.status_code, response.headers.raw, body

        status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        self._stack.close()


def sync_client(app: ASGIApp, base_url: str = "http://sandbox", **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` wired to ``app`` in-process; close it when done."""
    return httpx.Client(transport=SyncASGITransport(app), base_url=base_url, **kwargs)


def async_client(app: ASGIApp, base_url: str = "http://sandbox", **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` wired to ``app`` in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base_url, **kwargs)
