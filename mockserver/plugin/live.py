"""A sandbox served over a real socket from a background thread, for code that takes a base URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ..server import LiveServer

if TYPE_CHECKING:
    from .handles import BaseHandle
    from .remote import ServedSandbox

__all__ = ["LiveSandbox", "LiveServer"]


class LiveSandbox:
    """What ``sandbox_server`` gives a test: URLs and credentials of a sandbox served on a real port.

    It serves the same app as the ``sandbox`` fixture, so data, reset and journal are shared (with
    ``--sandbox-url``, it is that served sandbox, in the run's session); in a test
    with a session of its own (``@pytest.mark.sandbox(isolated=True)``) its clients and ``headers``
    carry the session's header (``session_headers``; add it to clients of your own).
    """

    def __init__(self, server: LiveServer | ServedSandbox, sandbox: BaseHandle) -> None:
        self.server = server
        self.sandbox = sandbox

    @property
    def session_headers(self) -> dict[str, str]:
        """``X-Sandbox-Session`` naming the test's session, when it has one of its own."""
        return self.sandbox.session_headers

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
        """A working set of headers for one call to ``api`` (``SandboxHandle.headers``): fresh on each
        call, good for one call; ``auth(api)`` or ``client(api)`` renew credentials themselves."""
        return self.sandbox.headers(api)

    def credentials(self, api: str) -> tuple[str, ...]:
        return self.sandbox.credentials(api)

    def auth(self, api: str) -> httpx.Auth:
        """The test's ``httpx.Auth`` for ``api`` (``SandboxHandle.auth``): it logs in on this server when a
        request of a client here needs it, and shares its token with ``headers(api)``."""
        return self.sandbox.auth(api)

    def client(self, api: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Client:
        """A real ``httpx.Client`` for ``api`` on this server, credentials and default headers attached.

        Close it when done (or use it in a ``with`` block).
        """
        sent = {**self.sandbox.api(api).client_headers, **self.sandbox.session_headers, **(headers or {})}
        return httpx.Client(base_url=self.base_url(api), headers=sent, auth=self.auth(api), **kwargs)
