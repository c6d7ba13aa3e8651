"""Faults on demand: latency, error statuses, dropped connections and broken bodies, reproducibly.

A fault applies to one API, or to one operation of it (an operationId, or a vendor call name that
matches an operation and its GET twin). It fires with a probability, or for the next ``times`` calls,
or both. Each fault draws from its own ``random.Random`` seeded from the sandbox seed and the fault's
id, so the same seed gives the same sequence of decisions; a reset re-arms the configured faults
(options, scenario files), forgets those added at run time, and re-seeds.

``FaultMiddleware`` sits inside the journal, around one vendor app: it decides before the app runs,
so a refused request (an injected 503) never reaches the vendor's rules and changes no state.
"""

from __future__ import annotations

import asyncio
import http
import itertools
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .asgi import send_json
from .errors import SandboxError
from .index import route_of
from .journal import FAULT, OPERATION
from .servable import finite

KINDS = ("latency", "status", "drop", "truncate", "malformed")
# The server's way to abort a connection, in the scope's extensions: set by ``mockserver.server``
# over a real socket, absent in-process.
ABORT = "lms_sandbox.abort"
HEADER = "x-sandbox-fault"

_FIELDS = (
    "api",
    "operation",
    "kind",
    "status",
    "retry_after",
    "latency_ms",
    "jitter_ms",
    "probability",
    "times",
)
_MALFORMED = b"\x00<!-- lms-sandbox: malformed body -->"


# The longest delay a latency fault adds (and its jitter): longer is no test's wait, and a delay past
# what the event loop's timer holds (1e308 ms) raised OverflowError.
MAX_DELAY_MS = 3_600_000


class InvalidFault(ValueError, SandboxError):
    """A fault that cannot be set: an unknown kind, API or operation, or a value out of range."""


class DroppedConnection(ConnectionResetError, SandboxError):
    """Raised in-process where a fault drops the connection: the transport error a client would see."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What a fault does, as set through the control plane, ``serve --fault``, a scenario or the plugin.

    Args:
        api: the API it applies to.
        operation: an operationId of the API, or a vendor call name; ``None`` for every operation.
        kind: ``latency``, ``status``, ``drop``, ``truncate`` or ``malformed``.
        status: the error status of a ``status`` fault (400-599; default 503).
        retry_after: the ``Retry-After`` seconds of a 429 or 503 (default 1 for a 429).
        latency_ms: the delay of a ``latency`` fault; ``jitter_ms`` adds a seeded 0..jitter on top.
        probability: the chance it fires on a matching call (default 1).
        times: it fires on at most the next ``times`` matching calls (default: no limit).
    """

    api: str
    kind: str
    operation: str | None = None
    status: int | None = None
    retry_after: int | None = None
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    probability: float = 1.0
    times: int | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> FaultSpec:
        """A spec from its JSON form; the kind may be left out where ``status``/``latency_ms`` say it."""
        if not isinstance(body, Mapping):
            raise InvalidFault(f"a fault is an object, e.g. {{'api': ..., 'kind': 'drop'}}; got {body!r}")
        unknown = sorted(set(body) - set(_FIELDS))
        if unknown:
            raise InvalidFault(f"unknown fault field(s) {', '.join(unknown)}; fields: {', '.join(_FIELDS)}")
        kind = body.get("kind") or _inferred_kind(body)
        api = body.get("api")
        if not isinstance(api, str) or not api:
            raise InvalidFault("a fault needs 'api', the API it applies to")
        operation = body.get("operation")
        if operation is not None and (not isinstance(operation, str) or not operation):
            raise InvalidFault(f"'operation' must be an operationId, got {operation!r}")
        return cls(
            api=api,
            kind=str(kind),
            operation=operation,
            status=_number(body, "status", int),
            retry_after=_number(body, "retry_after", int),
            latency_ms=_number(body, "latency_ms", float) or 0.0,
            jitter_ms=_number(body, "jitter_ms", float) or 0.0,
            probability=1.0
            if body.get("probability") is None
            else float(_number(body, "probability", float)),
            times=_number(body, "times", int),
        ).checked()

    def checked(self) -> FaultSpec:
        """This spec, its values checked and its defaults filled in; ``InvalidFault`` otherwise."""
        if self.kind not in KINDS:
            raise InvalidFault(f"unknown fault kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise InvalidFault(f"probability must be between 0 and 1, got {self.probability}")
        if self.times is not None and self.times < 1:
            raise InvalidFault(f"times must be at least 1, got {self.times}")
        if self.latency_ms < 0 or self.jitter_ms < 0:
            raise InvalidFault("latency_ms and jitter_ms must not be negative")
        if self.latency_ms > MAX_DELAY_MS or self.jitter_ms > MAX_DELAY_MS:
            raise InvalidFault(
                f"latency_ms and jitter_ms must be at most {MAX_DELAY_MS} (an hour), "
                f"got {self.latency_ms:g} and {self.jitter_ms:g}"
            )
        if self.kind == "latency" and self.latency_ms == 0 and self.jitter_ms == 0:
            raise InvalidFault("a latency fault needs latency_ms (and optionally jitter_ms)")
        if self.kind != "status":
            if self.status is not None or self.retry_after is not None:
                raise InvalidFault(f"status and retry_after apply to kind 'status', not {self.kind!r}")
            return self
        status = 503 if self.status is None else self.status
        if not 400 <= status <= 599:
            raise InvalidFault(f"an injected status must be 400-599, got {status}")
        if self.retry_after is not None and self.retry_after < 0:
            raise InvalidFault(f"retry_after must not be negative, got {self.retry_after}")
        retry_after = 1 if self.retry_after is None and status == 429 else self.retry_after
        return replace(self, status=status, retry_after=retry_after)

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"api": self.api, "operation": self.operation, "kind": self.kind}
        if self.kind == "status":
            found["status"] = self.status
            if self.retry_after is not None:
                found["retry_after"] = self.retry_after
        if self.kind == "latency":
            found["latency_ms"] = self.latency_ms
            found["jitter_ms"] = self.jitter_ms
        found["probability"] = self.probability
        found["times"] = self.times
        return found


def _inferred_kind(body: Mapping[str, Any]) -> str:
    if body.get("status") is not None:
        return "status"
    if body.get("latency_ms") is not None:
        return "latency"
    raise InvalidFault(f"a fault needs 'kind', one of {', '.join(KINDS)}")


def _number(body: Mapping[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    value = body.get(name)
    if value is None:
        return None
    # NaN, ±Infinity and integers past a double (2**1024) are no number a fault can hold.
    if finite(value) is None or (kind is int and value != int(value)):
        raise InvalidFault(
            f"{name} must be {'an integer' if kind is int else 'a finite number'}, got {value!r}"
        )
    return kind(value)


def parse_fault(text: str) -> FaultSpec:
    """The compact form of ``serve --fault``: ``API[:OPERATION]=KIND[:VALUE][,KEY:VALUE...]``.

    Example: ``apprentiscope:readUser=status:503,times:2``; ``absorb=latency:200,jitter:50,probability:0.5``.
    Keys after the kind: ``times``, ``probability``, ``jitter`` (ms), ``retry_after`` (s).
    """
    target, sep, rest = text.partition("=")
    api, _, operation = target.strip().partition(":")
    items = [item.strip() for item in rest.split(",") if item.strip()]
    if not sep or not api or not items:
        raise InvalidFault(f"expected API[:OPERATION]=KIND[:VALUE][,KEY:VALUE...], got {text!r}")
    kind, _, value = items[0].partition(":")
    body: dict[str, Any] = {"api": api, "kind": kind, "operation": operation or None}
    if value:
        if kind not in ("status", "latency"):
            raise InvalidFault(f"kind {kind!r} takes no value (only status:CODE and latency:MS do)")
        body["status" if kind == "status" else "latency_ms"] = _parsed(value, text)
    names = {
        "times": "times",
        "probability": "probability",
        "jitter": "jitter_ms",
        "retry_after": "retry_after",
    }
    for item in items[1:]:
        key, _, raw = item.partition(":")
        if key not in names or not raw:
            raise InvalidFault(
                f"unknown item {item!r} in {text!r}; after the kind: {', '.join(names)} as KEY:VALUE"
            )
        body[names[key]] = _parsed(raw, text)
    return FaultSpec.from_json(body)


def _parsed(raw: str, text: str) -> int | float:
    try:
        number = float(raw)
    except ValueError:
        raise InvalidFault(f"{raw!r} in {text!r} is not a number") from None
    return int(number) if number.is_integer() and "." not in raw else number


@dataclass(slots=True)
class Fault:
    """A fault in force: its spec, its id, its generator and what is left of its ``times``."""

    id: str
    spec: FaultSpec
    random: random.Random
    remaining: int | None
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.spec.to_json(), "remaining": self.remaining, "fired": self.fired}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the faults that fired on one request do: a delay, then at most one way to fail."""

    delay_ms: float = 0.0
    fault: Fault | None = None
    latency: Fault | None = None

    def record(self) -> dict[str, Any]:
        """What the journal and the ``X-Sandbox-Fault`` header say about it."""
        chosen = self.fault or self.latency
        assert chosen is not None
        found: dict[str, Any] = {"id": chosen.id, "kind": chosen.spec.kind}
        if self.latency is not None:
            found["latency_ms"] = round(self.delay_ms, 3)
            if self.fault is not None:
                found["latency_id"] = self.latency.id
        if self.fault is not None and self.fault.spec.kind == "status":
            found["status"] = self.fault.spec.status
        return found


@dataclass
class Faults:
    """The faults of one sandbox app: those configured at start, and those added since the last reset.

    Args:
        operations: per API, the operationIds and call names a fault may name.
        seed: the sandbox's current seed (read when a fault is armed).
        configured: the faults every reset re-arms.
    """

    operations: Mapping[str, frozenset[str]]
    seed: Callable[[], int]
    configured: tuple[FaultSpec, ...] = ()
    _faults: list[Fault] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.configure(self.configured)

    def configure(self, specs: Iterable[FaultSpec]) -> None:
        """Make ``specs`` the configured faults (checked first), and reset to them."""
        self.configured = tuple(self.check(spec) for spec in specs)
        self.reset()

    def check(self, spec: FaultSpec) -> FaultSpec:
        """``spec`` if this sandbox can apply it: its API is served and its operation exists."""
        known = self.operations.get(spec.api)
        if known is None:
            raise InvalidFault(f"API {spec.api!r} is not served; served: {', '.join(self.operations)}")
        if spec.operation is not None and spec.operation not in known:
            raise InvalidFault(
                f"{spec.api} has no operation {spec.operation!r}; see its spec's operationIds "
                f"(e.g. {', '.join(sorted(known)[:5])})"
            )
        return spec.checked()

    def _arm(self, spec: FaultSpec) -> Fault:
        fault_id = f"f{next(self._ids)}"
        generator = random.Random(f"{self.seed()}:{fault_id}")
        fault = Fault(fault_id, spec, generator, spec.times)
        self._faults.append(fault)
        return fault

    def add(self, spec: FaultSpec) -> Fault:
        """Put ``spec`` in force until the next reset; ``InvalidFault`` when it cannot apply."""
        checked = self.check(spec)
        with self._lock:
            return self._arm(checked)

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            kept = [f for f in self._faults if f.id != fault_id]
            found = len(kept) != len(self._faults)
            self._faults = kept
            return found

    def clear(self) -> None:
        """No faults in force (the configured ones come back at the next reset)."""
        with self._lock:
            self._faults = []

    def reset(self) -> None:
        """Only the configured faults, re-armed: ids restart, generators re-seeded, ``times`` refilled."""
        with self._lock:
            self._faults = []
            self._ids = itertools.count(1)
            for spec in self.configured:
                self._arm(spec)

    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def decide(self, api: str, operation_id: str | None, call: str | None) -> Decision | None:
        """What the faults matching a request do to it, each drawing from its own generator in turn."""
        delay = 0.0
        latency: Fault | None = None
        failing: Fault | None = None
        with self._lock:
            for fault in self._faults:
                spec = fault.spec
                if spec.api != api or (
                    spec.operation is not None and spec.operation not in (operation_id, call)
                ):
                    continue
                if fault.remaining == 0:
                    continue
                if spec.kind != "latency" and failing is not None:
                    continue  # the request already fails; a later fault does not draw for it
                if spec.probability < 1.0 and fault.random.random() >= spec.probability:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                fault.fired += 1
                if spec.kind == "latency":
                    delay += spec.latency_ms + (
                        fault.random.uniform(0, spec.jitter_ms) if spec.jitter_ms else 0.0
                    )
                    latency = latency or fault
                else:
                    failing = fault
        if latency is None and failing is None:
            return None
        return Decision(delay, failing, latency)


Render = Callable[..., dict[str, Any]]


class FaultMiddleware:
    """Applies one API's faults to its requests, in front of the vendor app.

    Args:
        app: the vendor app.
        api: the API's name; ``faults`` the sandbox's faults, or what gives the request's session's.
        call_of: the vendor call an operationId serves (``Vendor.call_of``).
        render: the vendor's error renderer, for injected statuses.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        api: str,
        faults: Faults | Callable[[], Faults],
        call_of: Callable[[str | None], str | None],
        render: Render,
    ) -> None:
        self.app = app
        self.api = api
        self.faults: Callable[[], Faults] = faults if callable(faults) else lambda: faults
        self.call_of = call_of
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = route_of(scope)
        operation_id = (route.id or None) if route is not None else None
        decision = self.faults().decide(self.api, operation_id, self.call_of(operation_id))
        if decision is None:
            await self.app(scope, receive, send)
            return
        extensions = scope.setdefault("extensions", {})
        if operation_id:
            # The journal names the operation of a response the app never routed (the edge's key).
            extensions.setdefault(OPERATION, operation_id)
        record = decision.record()
        extensions[FAULT] = record
        if decision.delay_ms:
            # Never while holding the store lock: the app has not started on this request yet.
            await asyncio.sleep(decision.delay_ms / 1000)
        header = (HEADER.encode(), " ".join(f"{k}={v}" for k, v in record.items()).encode())
        kind = decision.fault.spec.kind if decision.fault else "latency"
        if kind == "drop":
            await _drop(scope, receive)
        elif kind == "status":
            assert decision.fault is not None
            await self._refuse(send, decision.fault.spec, header)
        elif kind in ("truncate", "malformed"):
            await self._break(scope, receive, send, kind, header)
        else:
            await self.app(scope, receive, _with_header(send, header))

    async def _refuse(self, send: Send, spec: FaultSpec, header: tuple[bytes, bytes]) -> None:
        status = int(spec.status or 503)
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:  # a status without a registered name, e.g. 599
            phrase = "Error"
        message = f"{phrase} (a fault injected by the sandbox)"
        if status == 429:
            message = f"Rate limit exceeded; retry in {spec.retry_after} seconds."
        headers = [header]
        if spec.retry_after is not None:
            headers.append((b"retry-after", str(spec.retry_after).encode()))
        await send_json(send, status, self.render(status, message), headers)

    async def _break(
        self, scope: Scope, receive: Receive, send: Send, kind: str, header: tuple[bytes, bytes]
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body = b"".join(chunks)
        if not body or scope["method"] == "HEAD":
            # Nothing to break: a body added to a 204 would be a protocol error, a HEAD's is not sent.
            await send({**start, "headers": [*start.get("headers", []), header]})
            await send({"type": "http.response.body", "body": body})
            return
        kept = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if kind == "malformed":
            broken = kept + _MALFORMED
            headers += [(b"content-length", str(len(broken)).encode()), header]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": broken})
            return
        # Truncated: the headers promise the whole body; the connection ends halfway through it.
        headers += [(b"content-length", str(len(body)).encode()), header]
        await send({**start, "headers": headers})
        abort = scope.get("extensions", {}).get(ABORT)
        if abort is None:
            await send({"type": "http.response.body", "body": kept})
            return
        await send({"type": "http.response.body", "body": kept, "more_body": True})
        abort()
        await _disconnected(receive)


def _with_header(send: Send, header: tuple[bytes, bytes]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending


async def _drop(scope: Scope, receive: Receive) -> None:
    abort = scope.get("extensions", {}).get(ABORT)
    if abort is None:
        raise DroppedConnection("the sandbox dropped the connection (an injected fault)")
    abort()
    await _disconnected(receive)


async def _disconnected(receive: Receive) -> None:
    """Wait until the server has seen the connection go, so it does not answer on it."""
    while (await receive())["type"] != "http.disconnect":
        pass
