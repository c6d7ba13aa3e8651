"""Sending requests byte for byte: to an ASGI app in-process, or over a socket to a served sandbox.

A hostile request is bytes, not a schema: an HTTP client library would re-encode a path, merge duplicate
headers or refuse a NUL. ``Probe`` holds the request as it goes on the wire; ``asgi_sender`` hands it to
an app as uvicorn would (its path percent-decoded, its headers as sent), and ``socket_sender`` writes it
to a server and reads the answer with the standard library's HTTP response parser. Framing a client
gets wrong (a short body, a bad chunk size, a garbage request line) can only be sent over a socket: each
such case carries its whole ``raw`` request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

__all__ = ["Answer", "Probe", "Sender", "asgi_sender", "socket_sender"]

Header = tuple[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Probe:
    """One request of the corpus, as its bytes go on the wire.

    Args:
        api: the API (or the control plane) it is sent to, for the tally.
        case: what it tries, e.g. ``json: nested 2,000 deep``.
        method: the request method.
        target: the request target (path and query), percent-encoded as sent.
        headers: the headers, in order, duplicates kept (credentials are added when it is sent).
        body: the body.
        raw: the whole request, for framing only a socket can carry (``target`` is then informative).
        authenticated: whether the API's credentials go with it.
        half_close: after sending ``raw``, the client closes its side (a body cut short).
    """

    api: str
    case: str
    method: str
    target: bytes
    headers: tuple[Header, ...] = ()
    body: bytes = b""
    raw: bytes | None = None
    authenticated: bool = True
    half_close: bool = False

    def with_headers(self, extra: list[Header]) -> Probe:
        """The probe with ``extra`` headers first (the credentials), keeping its own."""
        return dataclasses.replace(self, headers=(*extra, *self.headers))

    def sent_headers(self) -> list[Header]:
        """The headers as sent: ``Content-Length`` added for a body that has none, as a client does."""
        headers = list(self.headers)
        if self.body and not any(name.lower() == b"content-length" for name, _ in headers):
            headers.append((b"content-length", str(len(self.body)).encode()))
        return headers

    def head(self) -> bytes:
        """The request line and headers."""
        lines = [self.method.encode("latin-1") + b" " + self.target + b" HTTP/1.1", b"host: sandbox"]
        lines += [name + b": " + value for name, value in self.sent_headers()]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def describe(self) -> str:
        shown = self.target if len(self.target) <= 120 else self.target[:100] + b"..."
        return f"{self.api} {self.case}: {self.method} {shown.decode('latin-1')}"


@dataclass(frozen=True, slots=True)
class Answer:
    """How a probe was answered: a status (``None`` when the connection closed without one), a body."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


Sender = Callable[[Probe], Answer]


def _scope(probe: Probe) -> dict[str, Any]:
    raw_path, _, query = probe.target.partition(b"?")
    # As uvicorn reads a request target: ASCII, percent-decoded as UTF-8 with replacement.
    path = raw_path.decode("latin-1")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": probe.method,
        "scheme": "http",
        "path": unquote(path) if "%" in path else path,
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in probe.sent_headers()],
        "client": ("127.0.0.1", 50000),
        "server": ("sandbox", 80),
        "extensions": {},
    }


def asgi_sender(app: Any) -> Sender:
    """Sends each probe to the ASGI ``app`` in-process (a framing probe cannot be: it is skipped)."""

    async def call(probe: Probe) -> Answer:
        sent = False
        status: int | None = None
        headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": probe.body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers.update(
                    (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in message.get("headers", ())
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await app(_scope(probe), receive, send)
        except Exception as exc:  # what a server would log as a traceback and answer as a 500
            return Answer(status, headers, f"the app raised {exc!r}"[:500].encode())
        return Answer(status, headers, b"".join(chunks))

    def sender(probe: Probe) -> Answer:
        return asyncio.run(call(probe))

    return sender


def socket_sender(host: str, port: int, timeout: float = 30.0) -> Sender:
    """Writes each probe to a new connection to ``host:port`` and reads one answer."""

    def sender(probe: Probe) -> Answer:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            try:
                if probe.raw is not None:
                    sock.sendall(probe.raw)
                    if probe.half_close:
                        # The client is done: a server waiting for more of a body sees the end of it.
                        sock.shutdown(socket.SHUT_WR)
                else:
                    sock.sendall(probe.head() + probe.body)
            except OSError:
                pass  # the server answered (and closed) before taking everything: read that answer
            return _read(sock, probe.method)

    return sender


def _read(sock: socket.socket, method: str) -> Answer:
    response = http.client.HTTPResponse(sock, method=method)
    try:
        response.begin()
        body = response.read()
    except (http.client.HTTPException, OSError):
        return Answer(None)
    finally:
        response.close()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
