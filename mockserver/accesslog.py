"""The access log: one compact line per request, written by the root app's outermost layer.

Both servers' own access logs are off (``server.make_server``), so each request makes exactly one line,
the same on Granian and uvicorn. The API and operationId come from the journal layer
(``journal.NOTED``), which knows them once the API's app has answered; else from ``routed`` (the
operation the API's index matched, for a request its credential edge refused; Connexion's routing,
for the control plane). Off (``serve --no-access-log``, or ``--log-level warning`` and above), the layer
is not installed at all.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _connexion
from .index import route_of
from .journal import NOTED
from .sessions import SCOPE_KEY

FORMATS = ("text", "json")
_RESET = "\033[0m"
_DIM = "\033[2m"
# By status class: 1xx-2xx green, 3xx cyan, 4xx yellow, 5xx red; 0 (a dropped connection) magenta.
_COLOURS = {0: "\033[35m", 1: "\033[32m", 2: "\033[32m", 3: "\033[36m", 4: "\033[33m", 5: "\033[31m"}


def wants_colour(stream: Any, environ: dict[str, str] | None = None) -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set to anything (https://no-color.org)."""
    environ = dict(os.environ) if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def _printable(path: str) -> str:
    """``path`` on one line: control characters (an encoded newline decodes to one) escaped."""
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in path)


@dataclass(frozen=True, slots=True)
class AccessLine:
    """What one line says."""

    method: str
    path: str
    status: int
    api: str | None
    operation_id: str | None
    duration_ms: float
    # The session the request named (``mockserver.sessions``); None: the default one.
    session: str | None = None

    def text(self, colour: bool) -> str:
        call = ".".join(filter(None, (self.api, self.operation_id))) or "-"
        status = str(self.status) if self.status else "dropped"
        took = f"{self.duration_ms:.1f} ms"
        # A session's name is letters, digits, '-', '_' and '.': it needs no escaping.
        session = f" session={self.session}" if self.session else ""
        if colour:
            status = f"{_COLOURS.get(self.status // 100, '')}{status}{_RESET}"
            took = f"{_DIM}{took}{_RESET}"
        return f"{self.method} {_printable(self.path)} {status} {call} {took}{session}"

    def json(self) -> str:
        return json.dumps(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "method": self.method,
                "path": self.path,
                "status": self.status,
                "api": self.api,
                "operation_id": self.operation_id,
                "duration_ms": round(self.duration_ms, 3),
                "session": self.session,
            },
            ensure_ascii=False,
        )


class AccessLog:
    """``app`` writing one line per HTTP request to ``stream`` once it is answered.

    Args:
        app: the root app.
        stream: where lines go (``serve``: standard output), flushed per line.
        format: ``text`` (colour by status class when ``colour``) or ``json`` (one object per line).
        routed: the operationId a request was routed to where the journal layer did not say: one to
            the control plane, or one an API refused before its router saw it.
    """

    def __init__(
        self,
        app: ASGIApp,
        stream: TextIO,
        *,
        format: str = "text",
        colour: bool = False,
        routed: Callable[[Scope], str | None] = lambda scope: None,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown log format {format!r}; choose one of {', '.join(FORMATS)}")
        self.app = app
        self.stream = stream
        self.routed = routed
        self.render: Callable[[AccessLine], str] = (
            AccessLine.json if format == "json" else lambda line: line.text(colour)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # The layers behind share this dict (a mount copies the scope shallowly): the journal notes in it.
        extensions = scope.get("extensions")
        if extensions is None:
            extensions = scope["extensions"] = {}
        status = 500  # an app that fails before answering: the server answers 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            noted = extensions.get(NOTED)
            api, operation_id, status = noted if noted else (None, None, status)
            line = AccessLine(
                scope["method"],
                scope["path"],
                status,
                api,
                # A request refused before Connexion routed it (by the credential edge): the index's.
                operation_id or self.routed(scope),
                (time.perf_counter() - started) * 1000,
                extensions.get(SCOPE_KEY),
            )
            try:
                self.stream.write(self.render(line) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # the log's pipe closed: the request is still answered
                pass


def _operation_of(scope: Scope) -> str | None:
    """The operation a request was for: the one its API's index matched (mockserver.index), else
    the one Connexion routed it to (the control plane's)."""
    route = route_of(scope)
    return route.id if route is not None else _connexion.routed_operation_id(scope)


@dataclass(frozen=True, slots=True)
class LogSettings:
    """``serve``'s access log: on or off, ``text`` or ``json``, to ``stream`` (standard output by
    default); ``colour`` None decides by the stream (a terminal, ``NO_COLOR`` unset)."""

    access: bool = True
    format: str = "text"
    colour: bool | None = None
    stream: TextIO | None = None

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """``app`` (the sandbox), behind the access log when it is on."""
        if not self.access:
            return app
        stream = self.stream or sys.stdout
        colour = wants_colour(stream) if self.colour is None else self.colour
        return AccessLog(app, stream, format=self.format, colour=colour, routed=_operation_of)
