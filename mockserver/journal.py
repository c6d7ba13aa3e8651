"""The request journal: a bounded record of the requests each vendor app answered."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .asgi import route_path

if TYPE_CHECKING:
    from .redaction import Redactor

_BODY_LIMIT = 64 * 1024
# Where ``mockserver.faults`` notes the fault it injected (kept here: the journal must not import it).
FAULT = "lms_sandbox.fault"
# Where a layer before Connexion's routing (the credential edge, the faults) names the operation.
OPERATION = "lms_sandbox.operation_id"
# Where the journal layer notes what it recorded, (api, operationId, status), for the access log.
NOTED = "lms_sandbox.noted"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One answered request."""

    seq: int
    time: str
    api: str
    method: str
    path: str
    query: str
    status: int
    operation_id: str | None
    duration_ms: float
    request_body: str
    response_body: str
    # The vendor call the operation serves (an operation and its GET twin serve one call).
    call: str | None = None
    # "request" (a request the API answered) or "webhook" (a delivery the sandbox sent: ``path`` is the
    # receiver's URL, ``operation_id`` the event, ``status`` the receiver's answer or 0 with ``error``).
    kind: str = "request"
    error: str | None = None
    # The fault the sandbox injected into this response (``mockserver.faults``): its id and kind.
    fault: dict[str, Any] | None = None
    # The session whose journal holds it (``mockserver.sessions``); None: the default session.
    session: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Which journal entries to keep: each field given must match; None matches anything.

    ``path`` matches as a prefix; ``operation_id`` matches the operationId or the vendor call it
    serves (so a bare SkyPrep call name matches its POST and GET twins); ``kind`` is ``request``
    or ``webhook`` (default both). The journal, the control plane's ``GET /journal`` and the
    pytest plugin's call assertions all filter with it.
    """

    api: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    operation_id: str | None = None
    kind: str | None = None

    def matches(self, entry: JournalEntry) -> bool:
        return (
            (self.api is None or entry.api == self.api)
            and (self.method is None or entry.method == self.method.upper())
            and (self.path is None or entry.path.startswith(self.path))
            and (self.status is None or entry.status == self.status)
            and (self.operation_id is None or self.operation_id in (entry.operation_id, entry.call))
            and (self.kind is None or entry.kind == self.kind)
        )


@dataclass(slots=True)
class _Pending:
    """A request recorded as it came: its bodies are decoded and its secrets redacted when the journal
    is read, not in the middle of answering (on a list answer that was a quarter of the journal's cost)."""

    seq: int
    fields: dict[str, Any]
    bodies: tuple[list[bytes], list[bytes]]
    # The request's and the answer's headers (their content types), the path under the API, the
    # redactor if any, and the wall-clock time it was answered.
    headers: tuple[Any, Any]
    route: str
    redactor: Redactor | None
    when: float
    session: str | None
    settled: JournalEntry | None = None

    def entry(self) -> JournalEntry:
        if self.settled is None:
            query = self.fields.pop("query")
            request_body, response_body = (_text(chunks) for chunks in self.bodies)
            redactor = self.redactor
            if redactor is not None:
                asked, answered = (_content_type(h).decode("latin-1") for h in self.headers)
                query = redactor.pairs(query)
                request_body = redactor.body(request_body, asked, self.route)
                response_body = redactor.body(response_body, answered, self.route)
            self.settled = JournalEntry(
                seq=self.seq,
                session=self.session,
                time=datetime.fromtimestamp(self.when, UTC).isoformat(timespec="milliseconds"),
                query=query,
                request_body=request_body,
                response_body=response_body,
                **self.fields,
            )
            self.bodies = ([], [])
        return self.settled


@dataclass(frozen=True, slots=True)
class JournalPage:
    """What a read of the journal found, with where the journal stood then (one consistent view).

    ``last_seq`` is the newest seq handed out, ``epoch`` names the journal's generation (a new one
    after each clear or reset, and for each journal made: a cursor of another epoch must start over);
    ``missed`` counts the entries past the ``since`` read that the bound dropped before this read.
    """

    entries: list[JournalEntry]
    last_seq: int
    epoch: str
    missed: int
    dropped: int


class Journal:
    """The last ``maxlen`` requests, oldest first; safe to use from several threads.

    ``dropped`` counts the entries pushed out past the bound since the journal was last cleared.
    ``session`` names the session the journal is kept for (None: the default one); each entry carries it.
    """

    def __init__(self, maxlen: int = 1000, *, session: str | None = None) -> None:
        self._entries: deque[JournalEntry | _Pending] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self.session = session
        # The newest seq handed out, and the newest one when the journal was last cleared: seqs go on
        # counting across a clear, so the entries after ``_floor`` that are gone were dropped.
        self._last = 0
        self._floor = 0
        # The journal's generation, new at each clear (``JournalPage``).
        self.epoch = secrets.token_hex(6)
        self._dropped = 0
        # Long polls waiting for the next entry (``wait_past``): each its loop and its event.
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def maxlen(self) -> int:
        return self._entries.maxlen or 0

    @property
    def dropped(self) -> int:
        """How many entries were dropped (the oldest first) to keep the bound, since the last clear."""
        return self._dropped

    def record(self, **fields: Any) -> JournalEntry:
        with self._lock:
            entry = JournalEntry(seq=self._next(), session=self.session, **fields)
            self._append(entry)
        return entry

    def record_raw(
        self,
        bodies: tuple[list[bytes], list[bytes]],
        headers: tuple[Any, Any],
        route: str,
        redactor: Redactor | None,
        /,
        **fields: Any,
    ) -> None:
        """Record a request answered now whose ``query`` and ``bodies`` (the kept chunks) are turned into
        text, and redacted by ``redactor`` by the content types in ``headers`` (the request's and the
        answer's) and its ``route``, when the journal is next read."""
        when = time.time()
        with self._lock:
            pending = _Pending(self._next(), fields, bodies, headers, route, redactor, when, self.session)
            self._append(pending)

    def _next(self) -> int:
        self._last += 1
        return self._last

    def _append(self, entry: JournalEntry | _Pending) -> None:
        if len(self._entries) == self._entries.maxlen:
            self._dropped += 1
        self._entries.append(entry)
        self._wake()

    def _wake(self) -> None:
        for loop, event in self._waiters:
            # A closed loop has nobody waiting on it any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def entries(self, *, limit: int | None = None, **where: Any) -> list[JournalEntry]:
        """Entries matching ``CallFilter(**where)``; newest last; only the newest ``limit`` if given."""
        found = self.matching(**where)
        return found[-limit:] if limit else found

    def matching(self, where: CallFilter | None = None, /, **fields: Any) -> list[JournalEntry]:
        """Every entry ``where`` (or ``CallFilter(**fields)``) matches, newest last."""
        return self.page(where or CallFilter(**fields)).entries

    def page(self, where: CallFilter | None = None, *, since: int = 0) -> JournalPage:
        """The entries after seq ``since`` that ``where`` matches (oldest first), and the journal's state."""
        where = where or CallFilter()
        with self._lock:
            found = [e if isinstance(e, JournalEntry) else e.entry() for e in self._entries if e.seq > since]
            oldest = self._entries[0].seq if self._entries else self._last + 1
            missed = max(0, oldest - max(since, self._floor) - 1)
            state = (self._last, self.epoch, missed, self._dropped)
        return JournalPage([e for e in found if where.matches(e)], *state)

    async def wait_past(self, seq: int, timeout: float, gone: asyncio.Future[None] | None = None) -> bool:
        """Wait until an entry after seq ``seq`` is recorded (or ``wake`` is called, or ``gone`` is done:
        the client left), at most ``timeout`` seconds; whether one is."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if self._last > seq:
                return True
            self._waiters.add(waiter)
        woken: asyncio.Future[Any] = asyncio.ensure_future(waiter[1].wait())
        waits: list[asyncio.Future[Any]] = [woken] if gone is None else [woken, gone]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            with self._lock:
                self._waiters.discard(waiter)
        return self._last > seq

    async def follow(
        self, where: CallFilter, since: int, timeout: float, gone: Callable[[], Awaitable[None]] | None = None
    ) -> JournalPage:
        """``page(where, since=since)``, waiting up to ``timeout`` seconds for it to hold an entry (a long
        poll): it answers at the first match, at a clear (a new epoch), at ``wake``, or once ``gone``
        returns (the client left: a closed tab holds nothing up), else empty."""
        # Read in a worker thread: settling a page (decoding, redacting) must not hold up the loop.
        read = functools.partial(anyio.to_thread.run_sync, functools.partial(self.page, where, since=since))
        found = await read()
        deadline = anyio.current_time() + timeout
        left = deadline - anyio.current_time()
        if found.entries or left <= 0:
            return found
        leaving = asyncio.ensure_future(gone()) if gone is not None else None
        try:
            while not found.entries and (left := deadline - anyio.current_time()) > 0:
                more = await self.wait_past(found.last_seq, left, leaving)
                epoch = found.epoch
                found = await read()
                if not more or found.epoch != epoch or (leaving is not None and leaving.done()):
                    break
        finally:
            if leaving is not None:
                leaving.cancel()
        return found

    def wake(self) -> None:
        """End every ``wait_past`` now (the server is stopping: a long poll must not hold it up)."""
        with self._lock:
            self._wake()

    def clear(self) -> None:
        """Forget every entry; a new epoch begins (seqs go on counting)."""
        with self._lock:
            self._entries.clear()
            self._dropped = 0
            self._floor = self._last
            self.epoch = secrets.token_hex(6)
            self._wake()

    def __len__(self) -> int:
        return len(self._entries)


def _content_type(headers: Any) -> bytes:
    return next((v for k, v in headers if k.lower() == b"content-type"), b"")


def _text(chunks: list[bytes]) -> str:
    return b"".join(chunks)[:_BODY_LIMIT].decode("utf-8", errors="replace")


def _keep(chunks: list[bytes], kept: int, body: bytes) -> int:
    """Keep the start of ``body`` while fewer than ``_BODY_LIMIT`` bytes are kept; the new count."""
    if kept < _BODY_LIMIT and body:
        chunks.append(body[: _BODY_LIMIT - kept])
        kept += len(chunks[-1])
    return kept


class JournalMiddleware:
    """Records every HTTP request that reaches one vendor app, with the operationId Connexion routed to."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api: str,
        journal: Journal | Callable[[], Journal],
        call_of: Callable[[str | None], str | None] = lambda operation_id: operation_id,
        routed: Callable[[Scope], str | None] = lambda scope: None,
        redactor: Redactor | None = None,
        count: Callable[[Scope, int, list[bytes]], None] | None = None,
    ) -> None:
        self.app = app
        # Told of each answer (the scope, its status, the request body's kept chunks): the coverage
        # counters (``mockserver.counters.Counting``); None counts nothing.
        self.count = count
        # Credentials' values out of what is recorded (``mockserver.redaction``); None keeps them.
        self.redactor = redactor
        self.api = api
        # The journal, or what gives the request's session's (``mockserver.sessions``).
        self.journal: Callable[[], Journal] = journal if callable(journal) else lambda: journal
        self.call_of = call_of
        # The operationId the app's router routed the request to, read from the scope after the app ran
        # (``_connexion.routed_operation_id``: the journal itself never imports Connexion).
        self.routed = routed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Connexion's routing writes the operationId into this shared dict (the mount copies scope shallowly).
        extensions = scope.setdefault("extensions", {})
        # Only the first _BODY_LIMIT bytes of each body are kept, however large the body.
        request_chunks: list[bytes] = []
        response_chunks: list[bytes] = []
        kept = [0, 0]
        status = 500
        answer_headers: Any = ()
        started = time.perf_counter()

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                kept[0] = _keep(request_chunks, kept[0], message.get("body", b""))
            return message

        recorded = False

        async def send_and_keep(message: Message) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = message.get("headers", ())
            elif message["type"] == "http.response.body":
                kept[1] = _keep(response_chunks, kept[1], message.get("body", b""))
                if not message.get("more_body", False):
                    # Recorded before the answer's last bytes leave: a client that has its answer finds
                    # the call in the journal (a live server's test asserting right after its call).
                    record()
            await send(message)

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            # A request the credential edge refused never reached Connexion's routing.
            operation_id = self.routed(scope) or extensions.get(OPERATION)
            fault = extensions.get(FAULT)
            dropped = fault is not None and fault["kind"] == "drop"
            extensions[NOTED] = (self.api, operation_id, 0 if dropped else status)
            self.journal().record_raw(
                (request_chunks, response_chunks),
                (scope.get("headers", ()), answer_headers),
                route_path(scope) if self.redactor is not None else "",
                self.redactor,
                api=self.api,
                method=scope["method"],
                path=scope["path"],  # starlette keeps the full path under a Mount
                query=scope.get("query_string", b"").decode("latin-1"),
                # A dropped connection got no answer at all.
                status=0 if dropped else status,
                operation_id=operation_id,
                call=self.call_of(operation_id),
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                error=f"connection dropped by fault {fault['id']}" if dropped and fault else None,
                fault=fault,
            )
            if self.count is not None:
                self.count(scope, 0 if dropped else status, request_chunks)

        try:
            await self.app(scope, receive_and_keep, send_and_keep)
        finally:
            record()  # an answer that never finished (a drop, an error) is recorded once the app is done
