"""The one place that reaches past Granian's public API: serving on our socket, dropping a connection.

Granian's embedded server (``granian.server.embed.Server``) serves the app object it is given, in
this process, on an asyncio loop of ours: the sandbox built once, its HTTP I/O in Granian's Rust
threads. Two things it has no public way to do:

- Serve a socket bound already. ``serve`` binds it first (port 0 gives the real port at once, for the
  banner) and ``on_socket`` hands Granian a duplicate of it, by file descriptor (Granian closes its
  copy when it stops): ``_init_shared_socket`` is overridden for that.
- Drop a connection. An ASGI app that raises, or returns without answering, gets a 500 from Granian.
  So ``aborting`` puts an ``abort`` in each request's scope (``scope["extensions"][ABORT]``, as
  ``mockserver._uvicorn`` does for uvicorn). Before the answer has started, abort shuts the
  connection's socket down (found among this process' descriptors by its two addresses): the client
  sees it closed without a response. Once a body has started, it only ends the request: Granian then
  closes the connection short of the ``Content-Length`` it sent (a truncated body). Either way
  ``receive`` then says ``http.disconnect``. ``tests/test_faults.py`` drops and truncates over a
  real socket on both servers, so a change in Granian fails loudly there.

Request heads: Granian's HTTP/1 parser (hyper) answers a target over 65,534 bytes with a bare 414,
and more than 100 headers with a bare 431, before the app sees the request (fixed in hyper, no
setting); ``http1_settings`` lets a head up to ``head_size`` through, so the sandbox's own limits
(``bounds.py``: 414, 431 in the API's body) answer everything else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import ABORT

REQUIREMENT = "granian>=2.8,<3"
# Where this process' open descriptors are listed (Linux; the BSDs and macOS have /dev/fd).
_FD_DIR = Path("/proc/self/fd") if Path("/proc/self/fd").is_dir() else Path("/dev/fd")
# The longest request target hyper (Granian's HTTP/1 parser) reads; a longer one gets its bare 414.
PARSER_TARGET_MAX = 65_534
_DISCONNECT: Message = {"type": "http.disconnect"}


def _address(host: str, port: Any) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int] | None:
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip, int(port)


def connection_fd(client: tuple[str, Any], server: tuple[str, Any]) -> int | None:
    """The descriptor of this process' TCP socket from ``server`` to ``client`` (scope addresses)."""
    peer, local = _address(*client), _address(*server)
    if peer is None or local is None:
        return None
    for name in os.listdir(_FD_DIR):
        fd = int(name)
        try:
            sock = socket.socket(fileno=fd)
        except OSError:  # not a socket
            continue
        try:
            if (
                sock.family in (socket.AF_INET, socket.AF_INET6)
                and sock.type == socket.SOCK_STREAM
                and _address(*sock.getpeername()[:2]) == peer
                and _address(*sock.getsockname()[:2]) == local
            ):
                return fd
        except OSError:  # a listening or unconnected socket
            pass
        finally:
            sock.detach()
    return None


class _Exchange:
    """One request's ``receive`` and ``send``, and the ``abort`` that ends its connection."""

    __slots__ = ("_receive", "_send", "aborted", "client", "server", "started")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The connection's own addresses, kept before a proxy layer rewrites the scope's client.
        self.client, self.server = scope["client"], scope["server"]
        self._receive = receive
        self._send = send
        self.started = False
        self.aborted = False

    async def receive(self) -> Message:
        if self.aborted:
            return _DISCONNECT
        return await self._receive()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.body":
            self.started = True
        await self._send(message)

    def abort(self) -> None:
        if self.aborted:
            return
        self.aborted = True
        if self.started:
            return  # the app returns next; Granian closes the connection short of the body
        fd = connection_fd(self.client, self.server)
        if fd is None:
            print("lms-sandbox: could not find the connection to drop; it gets a 500", file=sys.stderr)
            return
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)


def aborting(app: ASGIApp) -> ASGIApp:
    """``app`` with an ``abort`` in each HTTP request's ``scope["extensions"][ABORT]``."""

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        exchange = _Exchange(scope, receive, send)
        scope["extensions"] = {**(scope.get("extensions") or {}), ABORT: exchange.abort}
        await app(scope, exchange.receive, exchange.send)

    return call


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop Granian's own ``auto`` picks: uvloop where installed (as uvicorn's ``auto``
    does), else asyncio's (None)."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


class _NotExperimental(logging.Filter):
    """Granian warns on every start that its embedded server is experimental: known, and not the user's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "experimental" not in record.getMessage()


# One instance: adding it to the logger again is a no-op.
_NOT_EXPERIMENTAL = _NotExperimental()


def on_socket(
    app: ASGIApp, sock: socket.socket, *, runtime_threads: int, head_size: int, log_level: str
) -> Any:
    """Granian's embedded server for ``app`` on ``sock`` (bound and listening); ``await .serve()``,
    ``.stop()`` from its loop. Proxy headers are not Granian's to read (it has no such option):
    ``SandboxOptions.forwarded_allow_ips`` is applied by the app."""
    from granian._granian import SocketHolder
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server.embed import Server

    # Its stub omits the constructor (fd, uds, backlog on Linux and the BSDs; fd, uds elsewhere).
    holder: Any = SocketHolder

    class OnSocket(Server):
        def _init_shared_socket(self) -> None:
            fd = os.dup(sock.fileno())  # Granian's listener owns (and closes) the descriptor it is given
            shared: Any = (
                holder(fd, False, self.backlog)
                if sys.platform.startswith(("linux", "freebsd"))
                else holder(fd, False)
            )
            self._ssp, self._shd, self._sfd = None, shared, cast(Any, fd)

    host, port = sock.getsockname()[:2]
    logging.getLogger("_granian").addFilter(_NOT_EXPERIMENTAL)
    return OnSocket(
        aborting(app),
        address=host,
        port=port,
        # No lifespan: the sandbox is built before serving starts (as uvicorn's lifespan="off").
        interface=Interfaces.ASGINL,
        runtime_threads=runtime_threads,
        http=HTTPModes.http1,
        websockets=False,
        backlog=1024,
        http1_settings=HTTP1Settings(max_buffer_size=head_size),
        log_level=LogLevels(log_level),
        # The sandbox writes its own access lines (mockserver.accesslog), the same on either server.
        log_access=False,
    )
