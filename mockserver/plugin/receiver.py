"""A webhook receiver on a real socket: a live local URL that collects the deliveries it gets."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from ..errors import SandboxError

# How long a test waits for a delivery unless it says otherwise.
WAIT_TIMEOUT = 5.0


class NoDelivery(AssertionError, SandboxError):
    """No delivery matching what a test waited for arrived in time."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST the receiver got: its path, headers and form fields (``event``, ``courseId``, ...)."""

    path: str
    headers: dict[str, str]
    form: dict[str, str]
    body: bytes = field(repr=False)

    @property
    def event(self) -> str | None:
        return self.form.get("event")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def matches(self, fields: dict[str, str]) -> bool:
        return all(self.form.get(k) == v for k, v in fields.items())


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 and a free port that records every POST and answers ``status``.

    ``wait_for(event="...")`` blocks (on a condition, not a sleep loop) until a matching delivery has
    arrived. Clear ``gate`` to hold every answer until it is set again (a slow receiver).

    Example:
        >>> with WebhookReceiver() as receiver:
        ...     sandbox.webhooks.register("lms", receiver.url)
        ...     delivery = receiver.wait_for(event="MEMBER_ENROLLED", timeout=5)
    """

    def __init__(self, status: int = 200, host: str = "127.0.0.1") -> None:
        self.status = status
        self.gate = threading.Event()
        self.gate.set()
        self._deliveries: list[Delivery] = []
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver._record(Delivery(self.path, headers, form, body))
                receiver.gate.wait(WAIT_TIMEOUT * 2)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads ``deliveries``

        return Handler

    def _record(self, delivery: Delivery) -> None:
        with self._arrived:
            self._deliveries.append(delivery)
            self._arrived.notify_all()

    @property
    def url(self) -> str:
        """Where deliveries go, e.g. ``http://127.0.0.1:51234/webhook``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/webhook"

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, in the order they arrived."""
        with self._arrived:
            return list(self._deliveries)

    def events(self) -> list[str | None]:
        """The ``event`` of every delivery so far, in order."""
        return [d.event for d in self.deliveries]

    def wait_for(self, event: str | None = None, *, timeout: float = WAIT_TIMEOUT, **fields: str) -> Delivery:
        """The first delivery of ``event`` whose form has every field given; waits up to ``timeout`` s."""
        wanted = {**fields, **({"event": event} if event is not None else {})}

        def found() -> Delivery | None:
            return next((d for d in self._deliveries if d.matches(wanted)), None)

        with self._arrived:
            delivery = self._arrived.wait_for(found, timeout)
            if delivery is None:
                got = [d.form for d in self._deliveries]
                raise NoDelivery(f"no delivery with {wanted} within {timeout} s; got {got or 'none'}")
            return delivery

    def start(self) -> WebhookReceiver:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.gate.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


__all__ = ["Delivery", "NoDelivery", "WebhookReceiver"]
