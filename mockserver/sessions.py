"""Sessions: one served sandbox, an isolated state per test run (``X-Sandbox-Session: NAME``).

A request naming a session, by the header or under the path prefix ``/__session__/NAME/...`` (for
clients that cannot add headers), sees that session's own state: its store (a fork of the seeded
state, each collection copied on first use), journal, clock, faults, webhooks, rate-limit windows,
snapshots and error list. A request naming none sees the default session's: the sandbox as it always was.

The apps are shared: ``SessionLayer``, the root app's outermost layer after the proxy headers, puts
the request's ``Session`` in a context variable, and each stateful object is looked up through it where
it is reached (``Sandbox.state``, ``VendorContext.store``). Sessions live in memory only: they expire
after ``ttl`` seconds unused (on a monotonic clock a test can replace), and at most ``limit`` live at
once; a request that would open one more is refused with a 503 (in the API's own error body) until
one expires or is deleted. When the control plane needs a token (an exposed sandbox), so does opening a
session: a request naming a session that does not live, without the token, is refused with a 403
(``SessionLayer``'s ``token``), so that nobody else can fill the registry; a live one is used freely.
The state file holds the default session's state only.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .clock import SandboxClock
from .counters import Counters
from .errors import SandboxError
from .exposure import TOKEN_HEADER, offers_token
from .faults import Faults
from .journal import Journal
from .store import Store
from .webhooks import Webhooks

HEADER = "X-Sandbox-Session"
_HEADER = HEADER.lower().encode()
PREFIX = "/__session__"
# Where ``SessionLayer`` notes the name of the request's session in the scope's extensions (the access log).
SCOPE_KEY = "lms_sandbox.session"
# A name travels in a header and a URL path segment: letters, digits, '-', '_' and '.', not only dots.
NAME = re.compile(r"(?!\.+$)[A-Za-z0-9._-]{1,64}")
DEFAULT_TTL = 1800.0
DEFAULT_LIMIT = 1000
# What the memory estimate of a session takes (``make bench``'s S1): a session that copied nothing,
# and how much more a copied collection takes in memory than pickled.
BARE_SIZE = 24_000
COPIED_FACTOR = 8

# The session of the request being answered (None: the default session). Set by ``SessionLayer`` or
# ``Sessions.using``; read through ``Sessions.current``.
_CURRENT: ContextVar[Session | None] = ContextVar("lms_sandbox_session", default=None)
# The session of the request being answered, whichever sandbox's (None: the default one): a C call,
# for the default path's checks; ``Sessions.current`` is the one that knows a registry's own.
active = _CURRENT.get


class InvalidSessionName(ValueError, SandboxError):
    """A session name that cannot be one (empty, too long, or a character outside the allowed ones)."""


class TooManySessions(RuntimeError, SandboxError):
    """Every session slot is taken: a new session waits until one expires or is deleted."""


class SessionNeedsToken(PermissionError, SandboxError):
    """A request would open a new session without the control-plane token that opening one needs."""


@dataclass(eq=False, slots=True)
class SessionState:
    """Everything a session keeps of its own: the default session's is the sandbox's.

    ``locals`` holds what a layer keeps per session (the credential edge's rate-limit windows), by
    the layer's own key; a reset of the session's store clears it.
    """

    store: Store
    journal: Journal
    clock: SandboxClock
    faults: Faults
    webhooks: Webhooks
    errors: list[BaseException] = field(default_factory=list)
    locals: dict[object, Any] = field(default_factory=dict)
    # What coverage reports read (``mockserver.counters``): kept from the start or the last reset.
    coverage: Counters = field(default_factory=Counters)

    def local(self, key: object, make: Callable[[], Any]) -> Any:
        """The value kept under ``key``, made by ``make`` on first use."""
        found = self.locals.get(key)
        if found is None:
            found = self.locals[key] = make()
        return found


@dataclass(eq=False, slots=True)
class Session:
    """A named session: its state, when it was made (wall clock) and last used (the registry's clock)."""

    name: str
    state: SessionState
    owner: Sessions
    created: float
    last_used: float
    # Requests being answered in it: a session in use never expires.
    active: int = 0

    def to_json(self, now: float) -> dict[str, Any]:
        store = self.state.store
        counts = store.counts()
        copied, size = 0, 0
        with store.locked():
            for data in store.vendors().values():
                many, grown = data.copied()
                copied, size = copied + many, size + grown
        return {
            "name": self.name,
            "created": datetime.fromtimestamp(self.created, UTC).isoformat().replace("+00:00", "Z"),
            "idle_seconds": round(max(0.0, now - self.last_used), 3),
            "expires_in_seconds": round(max(0.0, self.owner.ttl - (now - self.last_used)), 3),
            "seed": store.seed,
            "records": {api: sum(c.values()) for api, c in counts.items()},
            "collections_copied": copied,
            "memory_estimate_bytes": BARE_SIZE + COPIED_FACTOR * size,
            "journal_entries": len(self.state.journal),
        }


def _shown(name: str) -> str:
    return repr(name if len(name) <= 80 else f"{name[:80]}...")


def check_name(name: str) -> str:
    """``name`` if it can name a session; ``InvalidSessionName`` saying what can otherwise."""
    if NAME.fullmatch(name) is None:
        raise InvalidSessionName(
            f"a session name is 1 to 64 letters, digits, '-', '_' or '.' (not only dots), got {_shown(name)}"
        )
    return name


def _conflict(names: list[str]) -> str:
    """Why a request naming two sessions (by headers, or a header and the path prefix) is refused."""
    differing = ", ".join(_shown(n) for n in dict.fromkeys(names))
    return (
        f"the request names more than one session ({differing}), by {HEADER} headers or a header and the "
        f"{PREFIX}/NAME/ path prefix; name one session, once or always the same"
    )


class Sessions:
    """One sandbox's named sessions: made on first use, expired when idle, at most ``limit`` at once.

    Args:
        make: makes a fresh state for the session of that name (a fork of the seeded state).
        ttl: seconds a session may stay unused before it expires.
        limit: how many sessions may live at once (the default session is not one of them).
        clock: the monotonic clock idleness is measured on (a test passes its own).
    """

    def __init__(
        self,
        make: Callable[[str], SessionState],
        *,
        ttl: float = DEFAULT_TTL,
        limit: int = DEFAULT_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0 or limit < 0:
            raise ValueError(f"sessions need a positive ttl and a limit of 0 or more, got {ttl}, {limit}")
        self.make = make
        self.ttl = float(ttl)
        self.limit = limit
        self.clock = clock
        self._lock = threading.Lock()
        # Least recently used first: the expired ones are found at the front.
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def current(self) -> Session | None:
        """The session of the request being answered, when it is one of this registry's."""
        session = _CURRENT.get()
        return session if session is not None and session.owner is self else None

    def open(self, name: str, *, may_open: Callable[[], bool] = lambda: True) -> Session:
        """Session ``name``, made now if it does not exist (``SessionNeedsToken`` instead unless
        ``may_open()``, asked only then); its idle time starts again."""
        check_name(name)
        closing: list[Session] = []
        try:
            with self._lock:
                now = self.clock()
                closing = self._expired(now)
                session = self._sessions.get(name)
                if session is None:
                    if not may_open():
                        raise SessionNeedsToken(
                            f"session {name!r} does not exist, and opening a session needs the control "
                            f"plane's token: send {TOKEN_HEADER}: <token> with the request that opens it "
                            "(a live session is used without it)"
                        )
                    if len(self._sessions) >= self.limit:
                        raise TooManySessions(
                            f"{len(self._sessions)} sessions are open, the limit; one frees when it has been "
                            f"unused for {self.ttl:g} s or is deleted (DELETE /__sandbox__/sessions/NAME)"
                        )
                    session = Session(name, self.make(name), self, time.time(), now)
                    self._sessions[name] = session
                else:
                    self._sessions.move_to_end(name)
                session.last_used = now
                return session
        finally:
            for gone in closing:
                gone.state.webhooks.close(wait=False)

    def _expired(self, now: float) -> list[Session]:
        gone: list[Session] = []
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if oldest.active or now - oldest.last_used < self.ttl:
                break
            gone.append(self._sessions.pop(oldest.name))
        return gone

    def expire(self) -> list[str]:
        """Forget the sessions unused for ``ttl`` seconds or more; their names."""
        with self._lock:
            gone = self._expired(self.clock())
        for session in gone:
            session.state.webhooks.close(wait=False)
        return [session.name for session in gone]

    def get(self, name: str) -> Session | None:
        """Session ``name`` if it lives (its idle time is not restarted)."""
        self.expire()
        with self._lock:
            return self._sessions.get(name)

    def listed(self) -> list[dict[str, Any]]:
        """Every live session as the control plane lists it, least recently used first."""
        self.expire()
        with self._lock:
            found = list(self._sessions.values())
            now = self.clock()
        return [session.to_json(now) for session in found]

    def delete(self, name: str) -> bool:
        """Forget session ``name`` and its state; whether it lived."""
        with self._lock:
            session = self._sessions.pop(name, None)
        if session is not None:
            session.state.webhooks.close(wait=False)
        return session is not None

    def __len__(self) -> int:
        return len(self._sessions)

    @contextmanager
    def using(self, name: str) -> Iterator[Session]:
        """Run the block in session ``name`` (made if new): the sandbox's state is that session's."""
        session = self.open(name)
        token = _CURRENT.set(session)
        session.active += 1
        try:
            yield session
        finally:
            session.active -= 1
            session.last_used = self.clock()
            _CURRENT.reset(token)

    def wake(self) -> None:
        """End every session's journal long polls now (``Journal.wake``: the server is stopping)."""
        with self._lock:
            found = list(self._sessions.values())
        for session in found:
            session.state.journal.wake()

    def close(self) -> None:
        """Forget every session, finishing their webhook deliveries."""
        with self._lock:
            gone = list(self._sessions.values())
            self._sessions.clear()
        for session in gone:
            session.state.webhooks.close()


# Answers a request refused before it reaches its app: (scope, send, status, message, headers).
Refuse = Callable[[Scope, Send, int, str, dict[str, str]], Awaitable[None]]


def _prefixed(scope: Scope) -> tuple[str | None, Scope]:
    """The session a request's path names (``/__session__/NAME/...``), and its scope with the prefix
    kept in root_path (so the URLs an app builds from the request stay inside the session)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    under = path[len(root) :] if root and path.startswith(root) else path
    if not under.startswith(PREFIX + "/"):
        return None, scope
    name, _, rest = under[len(PREFIX) + 1 :].partition("/")
    child = dict(scope)
    child["root_path"] = f"{root}{PREFIX}/{name}"
    if not rest and not path.endswith("/"):
        child["path"] = f"{path}/"
    return name, child


class SessionLayer:
    """The root app's layer putting each request in the session it names (by header or path prefix).

    Args:
        app: the root app (the prefix router).
        sessions: the sandbox's sessions.
        refuse: answers a bad name (400) or a full registry (503) in the format of the API asked.
        prefixed: whether ``/__session__/NAME/...`` names a session (not under ``serve --root``,
            where the path is the API's own: the header only).
        token: the control plane's token, which a request opening a new session must offer (as the
            control plane takes it); None: anyone may open one.
    """

    def __init__(
        self,
        app: ASGIApp,
        sessions: Sessions,
        refuse: Refuse,
        *,
        prefixed: bool = True,
        token: str | None = None,
    ) -> None:
        self.app, self.sessions, self.refuse = app, sessions, refuse
        self.prefixed, self.token = prefixed, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        named: str | None = None
        if self.prefixed and PREFIX in scope["path"]:
            named, scope = _prefixed(scope)
        names = [value.decode("latin-1") for key, value in scope["headers"] if key == _HEADER]
        if named is not None:
            names.append(named)
        if not names:
            await self.app(scope, receive, send)
            return
        name = names[0]
        if any(other != name for other in names):
            # Which one to act on is not ours to guess: a test writing to one and reading another.
            await self.refuse(scope, send, 400, _conflict(names), {})
            return
        try:
            # The token is read only when the request would open a session, not on each call into one.
            needed = self.token
            session = self.sessions.open(name, may_open=lambda: needed is None or offers_token(scope, needed))
        except InvalidSessionName as exc:
            await self.refuse(scope, send, 400, str(exc), {})
            return
        except SessionNeedsToken as exc:
            await self.refuse(scope, send, 403, str(exc), {})
            return
        except TooManySessions as exc:
            await self.refuse(
                scope, send, 503, str(exc), {"Retry-After": str(max(1, int(self.sessions.ttl)))}
            )
            return
        scope.setdefault("extensions", {})[SCOPE_KEY] = session.name
        token = _CURRENT.set(session)
        session.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            session.active -= 1
            session.last_used = self.sessions.clock()
            _CURRENT.reset(token)


__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_TTL",
    "HEADER",
    "PREFIX",
    "SCOPE_KEY",
    "InvalidSessionName",
    "Session",
    "SessionLayer",
    "SessionNeedsToken",
    "SessionState",
    "Sessions",
    "TooManySessions",
    "active",
    "check_name",
]
