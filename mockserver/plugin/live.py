"""A sandbox served over a real socket from a background thread, for code that takes a base URL."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from ..app import Sandbox
from ..server import make_server

if TYPE_CHECKING:
    from .handles import SandboxHandle

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


class LiveServer:
    """uvicorn serving one sandbox app on ``host`` and a free port, in a daemon thread."""

    def __init__(self, app: Sandbox, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._server: Any = make_server(app, host=host, port=0)
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
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT)


class LiveSandbox:
    """What ``sandbox_server`` gives a test: URLs and credentials of a sandbox served on a real port.

    It serves the same app as the ``sandbox`` fixture, so data, reset and journal are shared.
    """

    def __init__(self, server: LiveServer, sandbox: SandboxHandle) -> None:
        self.server = server
        self.sandbox = sandbox

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:51234``."""
        return self.server.url

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def base_url(self, api: str) -> str:
        """Where API ``api`` answers, e.g. ``http://127.0.0.1:51234/apprentiscope``."""
        return f"{self.url}{self.sandbox.api(api).prefix}"

    def headers(self, api: str) -> dict[str, str]:
        """The headers that authenticate against ``api`` with its first credential."""
        return self.sandbox.headers(api)

    def credentials(self, api: str) -> tuple[str, ...]:
        return self.sandbox.credentials(api)
