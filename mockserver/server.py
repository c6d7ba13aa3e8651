"""Running a sandbox over a real socket, on Granian or uvicorn: in the foreground (``serve``) or a thread."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from ._uvicorn import http_protocol
from .accesslog import LogSettings
from .app import CONTROL_PREFIX, Sandbox
from .auth_text import credential_lines
from .exposure import CONTROL_TOKEN_ENV, TOKEN_HEADER, is_loopback, new_token
from .options import DEFAULT_SERVER, SERVERS, SandboxOptions

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0
# Room in a request head for the request line's method, path and version, beyond the bounded parts.
_HEAD_SLACK = 64 * 1024
# The request target h11 (where httptools is missing) reads whole, so that the sandbox answers its 414:
# a longer head gets h11's bare 400. httptools reads any length (mockserver._uvicorn).
H11_TARGET_MAX = 2 * 1024 * 1024
# Granian's Rust threads: the HTTP parsing and socket writes, outside the GIL.
RUNTIME_THREADS = 2


def outbound_address(family: socket.AddressFamily) -> str | None:
    """This machine's address on its default route (a container's own address, say), or None.

    Connecting a UDP socket sends nothing: the kernel only picks the route and the source address.
    """
    probe = ("2001:db8::1", 9) if family == socket.AF_INET6 else ("192.0.2.1", 9)  # documentation ranges
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(probe)
            address = str(sock.getsockname()[0])
    except OSError:  # no route (no network at all)
        return None
    return None if is_loopback(address) or ipaddress.ip_address(address).is_unspecified else address


@dataclass(frozen=True, slots=True)
class Exposure:
    """How ``serve`` is bound, for the banner: the host, and the control token when it generated one
    (a token the user gave is never printed)."""

    host: str = "127.0.0.1"
    generated_token: str | None = None

    @property
    def exposed(self) -> bool:
        return not is_loopback(self.host)

    @property
    def wildcard(self) -> bool:
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_unspecified
        except ValueError:
            return False

    def urls(self, port: int) -> list[str]:
        """Where clients reach the server: the first is the one the banner's URLs use.

        A wildcard bind (``0.0.0.0``, ``::``) is reached over loopback here, and from elsewhere by this
        machine's name or its address on the default route (``outbound_address``); another address by
        itself.
        """
        if self.wildcard:
            six = ":" in self.host
            local = "[::1]" if six else "127.0.0.1"
            found = [f"http://{local}:{port}", f"http://{socket.gethostname()}:{port}"]
            address = outbound_address(socket.AF_INET6 if six else socket.AF_INET)
            if address is not None:
                found.append(f"http://[{address}]:{port}" if six else f"http://{address}:{port}")
            return found
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return [f"http://{host}:{port}"]

    def lines(self, sandbox: Sandbox, urls: list[str]) -> list[str]:
        """The banner's warning and token lines (none on loopback without a token)."""
        token = sandbox.options.control_token
        out = []
        if self.exposed:
            out += [
                f"  WARNING: bound to {self.host}: the sandbox is reachable from the network"
                + (f" ({', '.join(urls)})" if len(urls) > 1 else "")
                + ".",
                "  Anyone who reaches this port can call the APIs with the sandbox's published credentials.",
            ]
        if token is not None:
            out.append(
                f"  The control plane ({CONTROL_PREFIX}/..., all but GET {CONTROL_PREFIX}/health) needs "
                f"the token: Authorization: Bearer <token> or {TOKEN_HEADER}: <token>"
            )
            shown = (
                token
                if token == self.generated_token
                else f"(given with --control-token or {CONTROL_TOKEN_ENV}; not shown)"
            )
            out.append(f"  control token {shown}")
        return [*out, ""] if out else []


def banner(
    sandbox: Sandbox, base_url: str, exposure: Exposure | None = None, urls: Sequence[str] = ()
) -> str:
    """What ``serve`` prints on start: each API's URL, docs and credentials; a warning when exposed."""
    exposure = exposure or Exposure()
    lines = [f"lms-sandbox serving on {base_url} (seed {sandbox.store.seed})", ""]
    lines += exposure.lines(sandbox, list(urls) or [base_url])
    for api in sandbox.api_list(base_url):
        lines.append(f"  {api['title']}")
        # An API serving several documents (DfE) gets a base URL, Swagger UI and spec line for each.
        for doc in api["specs"]:
            if len(api["specs"]) > 1:
                lines.append(f"    document    {doc['file']}")
            lines += [
                f"    base URL    {doc['base_url'] or base_url}",
                f"    Swagger UI  {doc['docs_url']}",
                f"    spec        {doc['spec_url']}",
            ]
        lines += [
            f"    {'credentials' if i == 0 else '':<11} {text}"
            for i, text in enumerate(credential_lines(api))
        ]
        if api["client_headers"]:
            lines.append(
                "    headers     " + ", ".join(f"{k}: {v}" for k, v in api["client_headers"].items())
            )
        if "xml" in api["formats"]:
            lines.append("    formats     " + ", ".join(api["formats"]))
        for action in api["actions"]:
            lines.append(f"    action      {action['method']} {action['url']}  ({action['summary']})")
        if api["webhook_events"]:
            urls = sandbox.webhooks.urls(api["name"])
            lines.append(f"    webhooks    {', '.join(api['webhook_events'])}")
            lines += [f"    webhook to  {url}" for url in urls]
        lines += [f"    note        {note}" for note in sandbox.vendors[api["name"]].notes]
    lines += ["", f"  control plane {base_url}{CONTROL_PREFIX}/ui/   (Ctrl-C to stop)"]
    return "\n".join(lines)


def _head_size(options: SandboxOptions) -> int:
    """The request head a server reads whole (and not refuses itself): room for the sandbox's own bounds
    to answer first, in the API's error body (414, 431)."""
    return (
        max(options.max_query_size + options.max_path_size, H11_TARGET_MAX)
        + options.max_headers_size
        + _HEAD_SLACK
    )


class _Server(uvicorn.Server):
    """A uvicorn server that prints the banner once it is bound (so port 0 shows the real port)."""

    def __init__(
        self, config: uvicorn.Config, sandbox: Sandbox, quiet: bool = False, exposure: Exposure | None = None
    ) -> None:
        super().__init__(config)
        self.host = config.host
        self.sandbox = sandbox
        self.quiet = quiet
        self.exposure = exposure or Exposure(config.host)
        self.bound = threading.Event()
        self.port = 0

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for server in self.servers:
            for sock in server.sockets:
                self.port = sock.getsockname()[1]
        if not self.quiet:
            urls = self.exposure.urls(self.port)
            print(banner(self.sandbox, urls[0], self.exposure, urls), flush=True)
        self.bound.set()
        # Listening: the APIs' apps are built now (at once if they already are; mockserver.building).
        self.sandbox.building.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn waits for the requests under way: a journal long poll answers now, not at its timeout.
        self.sandbox.wake()
        await super().shutdown(sockets)
        # Here, not after run(): uvicorn re-raises a caught SIGTERM once serving ends, which would
        # end the process before any code after run() (or in a finally) could write the file.
        self.sandbox.save_state()

    def stop(self) -> None:
        """Ask the server to stop (from any thread); ``run`` returns once it has."""
        self.should_exit = True


def _listening(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` and listening (port 0: a free one, known at once)."""
    bare = host.strip("[]")
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(bare).version == 6 else socket.AF_INET
    except ValueError:  # a name, e.g. localhost
        family = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((bare, port), family=family, backlog=1024)


@dataclass(eq=False)
class _GranianServer:
    """Granian serving a sandbox on a socket bound here, the banner printed once bound.

    ``run`` blocks until ``stop`` (from any thread) or, in the main thread, SIGINT/SIGTERM; then it
    writes the state file, as uvicorn's shutdown does.
    """

    sandbox: Sandbox
    host: str
    asked_port: int
    log_level: str
    quiet: bool
    exposure: Exposure
    app: ASGIApp
    bound: threading.Event = dataclasses.field(default_factory=threading.Event)
    port: int = 0
    _stopping: threading.Event = dataclasses.field(default_factory=threading.Event)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: Any = None

    def run(self) -> None:
        from . import _granian

        with _listening(self.host, self.asked_port) as sock:
            self.port = sock.getsockname()[1]
            server = _granian.on_socket(
                self.app,
                sock,
                runtime_threads=RUNTIME_THREADS,
                head_size=_head_size(self.sandbox.options),
                log_level=self.log_level,
            )
            try:
                with asyncio.Runner(loop_factory=_granian.loop_factory()) as runner:
                    runner.run(self._serve(server))
            finally:
                self.sandbox.save_state()

    async def _serve(self, server: Any) -> None:
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.stop)
        self._loop, self._server = loop, server
        if not self.quiet:
            urls = self.exposure.urls(self.port)
            print(banner(self.sandbox, urls[0], self.exposure, urls), flush=True)
        self.bound.set()
        # Listening: the APIs' apps are built now (at once if they already are; mockserver.building).
        self.sandbox.building.start()
        if not self._stopping.is_set():
            await server.serve()

    def stop(self) -> None:
        """Ask the server to stop (from any thread); ``run`` returns once it has."""
        self._stopping.set()
        # A journal long poll under way answers now: the server need not wait for its timeout.
        self.sandbox.wake()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._server.stop)


def make_server(
    sandbox: Sandbox,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    quiet: bool = True,
    exposure: Exposure | None = None,
    server: str = "uvicorn",
    log: LogSettings | None = None,
) -> Any:
    """A ``server`` (``granian`` or ``uvicorn``) for ``sandbox``; ``.run()`` it, or start it in a thread
    and wait on ``.bound``; ``.stop()`` ends it, ``.port`` is the bound port.

    The servers' own access logs are off: ``log`` (none by default) writes one line per request, the
    same on either server.
    """
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
    exposure = exposure or Exposure(host)
    app = (log or LogSettings(access=False)).wrap(sandbox)
    if server == "granian":
        return _GranianServer(sandbox, host, port, log_level, quiet, exposure, app)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=http_protocol(),
        # No API speaks WebSocket: none of uvicorn's WebSocket implementations imported at start.
        ws="none",
        # Proxy headers are the app's to trust (``SandboxOptions.forwarded_allow_ips``), not uvicorn's:
        # by default uvicorn believes X-Forwarded-For from 127.0.0.1, which any local client can send.
        proxy_headers=False,
        # h11 (where httptools is missing) refuses a request head over 16 KiB with a bare 400.
        h11_max_incomplete_event_size=_head_size(sandbox.options),
    )
    return _Server(config, sandbox, quiet=quiet, exposure=exposure)


def serve(
    options: SandboxOptions,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    server: str = DEFAULT_SERVER,
    log: LogSettings | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM stops cleanly, writing the state file if any).

    ``log``: the access log (default: text lines on standard output).

    Bound to a non-loopback ``host`` without a ``control_token``, the control plane gets a new one,
    printed in the banner.
    """
    # The start makes objects that live as long as the process: no collection until it is done.
    gc.disable()
    generated = None
    if options.control_token is None and not is_loopback(host):
        generated = new_token()
        options = dataclasses.replace(options, control_token=generated)
    sandbox = Sandbox(options, background=True)
    exposure = Exposure(host, generated)
    running = make_server(
        sandbox,
        host=host,
        port=port,
        log_level=log_level,
        quiet=False,
        exposure=exposure,
        server=server,
        log=log or LogSettings(),
    )
    failures: list[BaseException] = []

    def failed(error: BaseException) -> None:
        failures.append(error)
        running.stop()

    sandbox.building.on_failure(failed)
    sandbox.building.on_ready(_settled)
    try:
        running.run()
    finally:
        sandbox.close()
        gc.enable()
    if failures:
        raise failures[0]


def _settled() -> None:
    """Once every app is built: what the start built (specs, compiled validators, the seeded store)
    lives as long as the process; out of the cyclic collector's sight, a full collection no longer
    walks it in the middle of a request (measured in-process: a single 0.8 s pause in 3,000 requests
    before, none after)."""
    gc.freeze()
    gc.enable()


class LiveServer:
    """One sandbox app served on ``host`` and a free port, in a daemon thread: on uvicorn by default (the
    pytest plugin's: it runs inside a user's test process), or ``server="granian"``."""

    def __init__(self, app: Sandbox, host: str = "127.0.0.1", server: str = "uvicorn") -> None:
        self.app = app
        self.host = host
        self._server: Any = make_server(app, host=host, port=0, server=server)
        self._thread = threading.Thread(target=self._server.run, name="lms-sandbox-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LiveServer:
        """Start serving and wait until the socket is bound."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.bound.wait(0.05):
            if not self._thread.is_alive():
                raise RuntimeError(f"the sandbox server on {self.host} stopped before it was listening")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"the sandbox server on {self.host} did not start in {_START_TIMEOUT:.0f} s"
                )
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
