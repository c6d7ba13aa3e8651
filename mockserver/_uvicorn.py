"""The one place that reaches past uvicorn's public API: dropping a connection, reading long targets.

ASGI has no way for an app to close its connection without answering: an exception before the
response makes uvicorn answer 500. So the HTTP protocol class ``make_server`` gives uvicorn puts
the transport's ``abort`` in each request's scope (``scope["extensions"][ABORT]``), wrapping the
``app`` attribute uvicorn's protocols (0.30 and later) call per request. ``tests/test_faults.py``
drops a connection over a real socket, so a change in uvicorn fails loudly there.

httptools reads a request target with http_parser's URL parser, whose offsets are 16 bits: past
65,535 bytes it failed, and uvicorn answered a bare ``400 Invalid HTTP request received.`` before the
sandbox saw the request. The httptools protocol here keeps at most that much of a target, counts the
rest, and hands a longer one on shortened to its first ``_STAND_IN`` bytes of path (the API's prefix
still routes it), its real size in ``scope["extensions"][bounds.TARGET_SIZE]``: ``RequestBounds``
then answers 414 in the API's own body. A target of any length is read this way, holding 64 KiB of it
at most. ``tests/test_corpus_served.py`` sends a 1 MiB query and a 100 KiB path over a socket.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from starlette.types import Receive, Scope, Send

from .bounds import TARGET_SIZE
from .faults import ABORT

# The longest request target httptools' URL parser reads (its offsets and lengths are 16-bit).
PARSER_TARGET_MAX = 65_535
# What a longer target is handed on as: the start of its path, enough for any prefix to route it.
_STAND_IN = 1024


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


def _long_targets(base: type[Any]) -> type[Any]:
    class LongTargets(base):  # type: ignore[misc]
        _target_size = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._target_size = 0

        def on_url(self, url: bytes) -> None:
            self._target_size += len(url)
            kept: bytes = getattr(self, "url")  # noqa: B009  (an attribute of the base mypy cannot see)
            room = PARSER_TARGET_MAX + 1 - len(kept)
            if room > 0:
                super().on_url(url[:room])

        def on_headers_complete(self) -> None:
            if self._target_size > PARSER_TARGET_MAX:
                kept: bytes = getattr(self, "url")  # noqa: B009
                self.url = kept.partition(b"?")[0][:_STAND_IN] or b"/"
                self.scope.setdefault("extensions", {})[TARGET_SIZE] = self._target_size
            super().on_headers_complete()

    return LongTargets


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's ``auto`` choice (httptools when installed, else h11), able to abort a connection and
    to read a request target of any length (see the module's docstring)."""
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _aborting(_long_targets(HttpToolsProtocol))
    from uvicorn.protocols.http.h11_impl import H11Protocol

    return _aborting(H11Protocol)
