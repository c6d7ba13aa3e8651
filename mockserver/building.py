"""Building the APIs' apps after ``serve`` is listening: readiness, and requests that wait for it.

Building an API's app (Connexion reading its documents, the handlers bound, the layers stacked) is
most of what a start costs after the imports. ``serve`` binds its socket first, then builds them in a
thread, in order (``Builder``). A request to an API whose app is not built yet waits for it
(``Deferred``) and gets the answer it would have got later; ``GET /__sandbox__/health`` says which
APIs are ready and which are still being built (``Builder.status``).

What a user's input decides (the scenarios seeded, the state file restored, the faults configured) is
done before the socket is bound, so a mistake there still stops the start with its message. A build
that fails (a document Connexion refuses, an operation without a handler) fails every request to its
API, shows in the health answer, and is handed to the ``on_failure`` callbacks (``serve`` stops).

In-process (``create_app``, the pytest plugin) every app is built before ``create_app`` returns.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["Builder", "Deferred", "Status"]


class Deferred:
    """An API's app that a ``Builder`` builds: a request arriving before it is built waits for it."""

    def __init__(self, api: str, builder: Builder) -> None:
        self.api = api
        self.builder = builder
        self.built: Future[ASGIApp] = Future()
        self._app: ASGIApp | None = None

    @property
    def ready(self) -> bool:
        return self._app is not None

    def set(self, app: ASGIApp) -> None:
        self._app = app
        self.built.set_result(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is None:
            self.builder.start()  # a server that did not start the build: its first request does
            app = await asyncio.wrap_future(self.built)
        await app(scope, receive, send)


@dataclass(frozen=True, slots=True)
class Status:
    """Which APIs are ready, which are still being built, which failed (API -> what went wrong)."""

    ready: tuple[str, ...]
    building: tuple[str, ...]
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def all_ready(self) -> bool:
        return not self.building and not self.failed


class Builder:
    """Builds each deferred API's app, in the order added, once: in a daemon thread (``start``) or in
    the caller's (``build_all``)."""

    def __init__(self) -> None:
        self._jobs: dict[str, tuple[Deferred, Callable[[], ASGIApp]]] = {}
        self._failed: dict[str, BaseException] = {}
        self._lock = threading.Lock()
        self._started = False
        self._done = threading.Event()
        self._on_ready: list[Callable[[], None]] = []
        self._on_failure: list[Callable[[BaseException], None]] = []
        # Called as each API's build begins (tests hold a build there to see the waiting side).
        self.before_build: Callable[[str], None] = lambda api: None

    def defer(self, api: str, build: Callable[[], ASGIApp]) -> Deferred:
        """The app of ``api``, to be built by ``build``."""
        deferred = Deferred(api, self)
        self._jobs[api] = (deferred, build)
        return deferred

    def start(self) -> None:
        """Build in a daemon thread (once; later calls do nothing)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._build, name="lms-sandbox-build", daemon=True).start()

    def build_all(self) -> None:
        """Build every app now, in this thread; the first failure is raised."""
        with self._lock:
            self._started = True
        self._build()
        for error in self._failed.values():
            raise error

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every build has ended (built or failed); whether they all have."""
        return self._done.wait(timeout)

    def on_ready(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (in the building thread) once every app is built."""
        self._on_ready.append(callback)

    def on_failure(self, callback: Callable[[BaseException], None]) -> None:
        """Call ``callback(error)`` (in the building thread) when a build fails."""
        self._on_failure.append(callback)

    def status(self, apis: list[str]) -> Status:
        """Where each of ``apis`` stands (one never deferred was built before it was served)."""
        failed = {api: f"{type(exc).__name__}: {exc}" for api, exc in self._failed.items()}
        pending = {api for api, (deferred, _) in self._jobs.items() if not deferred.ready}
        ready = tuple(api for api in apis if api not in pending)
        return Status(ready, tuple(api for api in apis if api in pending and api not in failed), failed)

    def _build(self) -> None:
        for api, (deferred, build) in self._jobs.items():
            if deferred.ready:
                continue
            try:
                self.before_build(api)
                deferred.set(build())
            except Exception as exc:  # every failure: the requests waiting for the app get it
                self._failed[api] = exc
                deferred.built.set_exception(exc)
                for failed in self._on_failure:
                    failed(exc)
        self._done.set()
        if not self._failed:
            for callback in self._on_ready:
                callback()
