"""The apps of one test session: one per distinct configuration, each with at most one live server."""

from __future__ import annotations

from ..app import Sandbox, create_app
from ..options import SandboxOptions
from .live import LiveServer
from .settings import app_key


class SandboxPool:
    """Builds an app the first time a configuration is asked for, and its server the first time one is."""

    def __init__(self) -> None:
        self._apps: dict[tuple[object, ...], Sandbox] = {}
        self._servers: dict[int, LiveServer] = {}

    def app(self, options: SandboxOptions) -> Sandbox:
        key = app_key(options)
        if key not in self._apps:
            self._apps[key] = create_app(options)
        return self._apps[key]

    def server(self, app: Sandbox) -> LiveServer:
        if id(app) not in self._servers:
            self._servers[id(app)] = LiveServer(app).start()
        return self._servers[id(app)]

    def close(self) -> None:
        """Stop every server; the apps go with the pool."""
        servers = list(self._servers.values())
        self._servers.clear()
        for server in servers:
            server.stop()
        for app in self._apps.values():
            app.close()
        self._apps.clear()
