"""Coverage counters: per API and operation, the statuses answered and the parameters sent.

Unlike the journal, which keeps the last requests only, the counters keep every request since the
sandbox started or was last reset, in a few integers per operation: what ``GET /__sandbox__/coverage``
and the pytest plugin's ``--sandbox-coverage`` report from (``mockserver.coverage``). Each session keeps
its own (``SessionState.coverage``).

``Counting`` is fed by the journal layer (``JournalMiddleware``'s ``count``) once an API has answered:
the operation comes from the index's match (``index.route_of``), the names sent are those of the
operation's declared parameters (query, path, header, cookie) and top-level body fields, and only
those, so a client sending made-up names cannot grow the counters.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.types import Scope

from .index import ApiIndex, Operation, route_of

# A status the counters note for a dropped connection (a fault's ``drop``): the client met no answer.
DROPPED = 0
# Where the credential edge notes, in scope["extensions"], why it refused a request (a
# ``coverage.RefusalCase``'s cause): one status (a 401) stands for several causes.
REFUSED = "lms_sandbox.refused"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(slots=True)
class _Tally:
    calls: int
    statuses: Counter[int]
    sent: Counter[str]


class Counters:
    """Counts per API and operationId since the start or the last ``clear``; safe across threads.

    ``spill``, when set, is handed what a ``clear`` is about to forget (the pytest plugin keeps the
    counts of every test that way, although the ``sandbox`` fixture resets before each).
    """

    def __init__(self, spill: Callable[[dict[str, Any]], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._unrouted: Counter[str] = Counter()
        self._refused: Counter[tuple[str, str]] = Counter()
        self.since = _now()
        self.spill = spill

    def count(self, api: str, operation: str, status: int, sent: Iterable[str] = ()) -> None:
        """Note one answer of ``api``'s ``operation`` with ``status``, and the names it was sent."""
        key = (api, operation)
        with self._lock:
            tally = self._tallies.get(key)
            if tally is None:
                tally = self._tallies[key] = _Tally(0, Counter(), Counter())
            tally.calls += 1
            tally.statuses[status] += 1
            tally.sent.update(sent)

    def unrouted(self, api: str) -> None:
        """Note a request to ``api`` that fell to no documented operation."""
        with self._lock:
            self._unrouted[api] += 1

    def refused(self, api: str, cause: str) -> None:
        """Note a request ``api``'s edge refused for ``cause``."""
        with self._lock:
            self._refused[api, cause] += 1

    def snapshot(self) -> dict[str, Any]:
        """The counts as JSON: ``{"since", "apis": {api: {"unrouted", "operations": {id: {...}}}}}``."""
        with self._lock:
            tallies = [(key, t.calls, dict(t.statuses), dict(t.sent)) for key, t in self._tallies.items()]
            unrouted = dict(self._unrouted)
            refused = dict(self._refused)
            since = self.since
        apis: dict[str, dict[str, Any]] = {}
        for (api, operation), calls, statuses, sent in tallies:
            entry = apis.setdefault(api, {"unrouted": 0, "operations": {}})
            entry["operations"][operation] = {
                "calls": calls,
                "statuses": {str(status): n for status, n in sorted(statuses.items())},
                "sent": dict(sorted(sent.items())),
            }
        for api, n in unrouted.items():
            apis.setdefault(api, {"unrouted": 0, "operations": {}})["unrouted"] = n
        for (api, cause), n in sorted(refused.items()):
            apis.setdefault(api, {"unrouted": 0, "operations": {}}).setdefault("refused", {})[cause] = n
        return {"since": since, "apis": apis}

    def clear(self) -> None:
        """Forget every count (a reset); ``spill`` gets them first."""
        if self.spill is not None:
            self.spill(self.snapshot())
        with self._lock:
            self._tallies.clear()
            self._unrouted.clear()
            self._refused.clear()
            self.since = _now()


def merge_counts(into: dict[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """``into`` (a ``Counters.snapshot``) with ``other``'s counts added; the earlier ``since`` kept."""
    if other.get("since") and (not into.get("since") or other["since"] < into["since"]):
        into["since"] = other["since"]
    apis = into.setdefault("apis", {})
    for api, entry in other.get("apis", {}).items():
        mine = apis.setdefault(api, {"unrouted": 0, "operations": {}})
        mine["unrouted"] = mine.get("unrouted", 0) + entry.get("unrouted", 0)
        for cause, n in entry.get("refused", {}).items():
            refused = mine.setdefault("refused", {})
            refused[cause] = refused.get(cause, 0) + n
        for operation, tally in entry.get("operations", {}).items():
            kept = mine["operations"].setdefault(operation, {"calls": 0, "statuses": {}, "sent": {}})
            kept["calls"] += tally.get("calls", 0)
            for field in ("statuses", "sent"):
                for name, n in tally.get(field, {}).items():
                    kept[field][name] = kept[field].get(name, 0) + n
    return into


@dataclass(frozen=True, slots=True)
class Declared:
    """The names an operation declares, by where they are sent, as ``where:name`` counter keys."""

    query: Mapping[str, str]  # lower-case name -> key (names are matched in any case, as DfE reads them)
    headers: Mapping[bytes, str]  # lower-case header name -> key
    cookies: Mapping[str, str]
    path: tuple[str, ...]
    body: Mapping[str, str]

    @classmethod
    def of(cls, operation: Operation, index: ApiIndex) -> Declared:
        by_place: dict[str, dict[str, str]] = {}
        for parameter in operation.parameters:
            place, name = str(parameter.get("in")), str(parameter.get("name"))
            by_place.setdefault(place, {})[name.lower()] = f"{place}:{name}"
        return cls(
            query=by_place.get("query", {}),
            headers={name.encode("latin-1"): key for name, key in by_place.get("header", {}).items()},
            cookies=by_place.get("cookie", {}),
            path=tuple(by_place.get("path", {}).values()),
            body={name: f"body:{name}" for name in body_fields(operation, index)},
        )

    def sent(self, scope: Scope, body: list[bytes]) -> list[str]:
        """The counter keys of the declared names ``scope`` (and its ``body``'s kept chunks) carries."""
        found = list(self.path)
        query: bytes = scope.get("query_string", b"")
        if self.query and query:
            for piece in query.split(b"&"):
                key = self.query.get(unquote_plus(piece.partition(b"=")[0].decode("latin-1")).lower())
                if key is not None:
                    found.append(key)
        media = b""
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                media = value
            key = self.headers.get(name)
            if key is not None:
                found.append(key)
            elif name == b"cookie" and self.cookies:
                for pair in value.decode("latin-1").split(";"):
                    cookie = self.cookies.get(pair.partition("=")[0].strip().lower())
                    if cookie is not None:
                        found.append(cookie)
        if self.body and body:
            found.extend(self.body[name] for name in _fields(media, b"".join(body)) if name in self.body)
        return list(dict.fromkeys(found))


def _fields(media: bytes, body: bytes) -> Iterable[str]:
    """The top-level field names of a JSON object or form body (none when it is neither, or cut short)."""
    if b"json" in media:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):  # (not JSON, or nested deeper than the parser goes)
            return ()
        return parsed.keys() if isinstance(parsed, dict) else ()
    if media.startswith(b"application/x-www-form-urlencoded"):
        return (name for name, _ in parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    return ()


def body_fields(operation: Operation, index: ApiIndex) -> list[str]:
    """The top-level properties of ``operation``'s request bodies (an ``allOf``'s parts' too)."""
    refs = index.refs[operation.base]
    names: dict[str, None] = {}
    pending = [schema for schema in operation.bodies.values() if isinstance(schema, Mapping)]
    while pending:
        schema = refs.follow(pending.pop(0))
        if not isinstance(schema, Mapping):
            continue
        names.update(dict.fromkeys(str(name) for name in schema.get("properties") or {}))
        pending.extend(schema.get("allOf") or [])
    return list(names)


class Counting:
    """What the journal layer calls once ``api`` answered: counts the request in its session's counters.

    Args:
        api: the API's name.
        counters: gives the request's session's counters.
        index: the API's index (what each operation declares).
    """

    def __init__(self, api: str, counters: Callable[[], Counters], index: ApiIndex) -> None:
        self.api = api
        self.counters = counters
        self.index = index
        # What each operation declares, found the first time it is called.
        self._declared: dict[Operation, Declared] = {}

    def __call__(self, scope: Scope, status: int, body: list[bytes]) -> None:
        cause = scope.get("extensions", {}).get(REFUSED)
        if cause is not None:
            self.counters().refused(self.api, str(cause))
        operation = route_of(scope)
        if operation is None or not operation.id:
            self.counters().unrouted(self.api)
            return
        declared = self._declared.get(operation)
        if declared is None:
            declared = self._declared[operation] = Declared.of(operation, self.index)
        self.counters().count(self.api, operation.id, status, declared.sent(scope, body))


__all__ = ["DROPPED", "REFUSED", "Counters", "Counting", "Declared", "body_fields", "merge_counts"]
