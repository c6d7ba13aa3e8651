"""The one place that reaches past uvicorn's public API: letting a fault drop a connection.

ASGI has no way for an app to close its connection without answering: an exception before the
response makes uvicorn answer 500. So the HTTP protocol class ``make_server`` gives uvicorn puts
the transport's ``abort`` in each request's scope (``scope["extensions"][ABORT]``), wrapping the
``app`` attribute uvicorn's protocols (0.30 and later) call per request. ``tests/test_faults.py``
drops a connection over a real socket, so a change in uvicorn fails loudly there.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .faults import ABORT


def _aborting(base: type[Any]) -> type[asyncio.Protocol]:
    class Aborting(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            app: Any = getattr(self, "app")  # noqa: B009  (an attribute of the base mypy cannot see)

            async def with_abort(scope: Scope, receive: Receive, send: Send) -> None:
                scope.setdefault("extensions", {})[ABORT] = transport.abort
                await app(scope, receive, send)

            self.app = with_abort

    Aborting.__name__ = f"Aborting{base.__name__}"
    return Aborting


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's ``auto`` choice (httptools when installed, else h11), able to abort a connection."""
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _aborting(HttpToolsProtocol)
    return _aborting(H11Protocol)
