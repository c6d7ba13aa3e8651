"""Counting what a fuzz run sent: requests and statuses per API, and every answer of 500 or more.

Counted in Schemathesis' ``after_call`` and ``after_network_error`` hooks, so a request is counted once
it has been sent, whichever phase sent it (shrinking and replays included).
"""

from __future__ import annotations

import shlex
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# The status a request that got no answer (a dropped connection, a timeout) is counted under.
NO_ANSWER = "no answer"
# Reproductions kept per operation and status: the rest are only counted.
_KEPT = 3


@dataclass(frozen=True, slots=True)
class ServerError:
    """A request answered with 500 or more (or not at all), and the curl that sends it again."""

    api: str
    operation: str
    status: str
    phase: str
    curl: str

    def describe(self) -> str:
        return f"[{self.phase}] {self.api} {self.operation}: {self.status}\n    reproduce: {self.curl}"


@dataclass(slots=True)
class ApiTally:
    """What one API was sent and how it answered."""

    api: str
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if is_server_error(status))

    def classes(self) -> dict[str, int]:
        """Requests per status class: 2xx, 3xx, 4xx, 5xx and no answer."""
        found: Counter[str] = Counter()
        for status, count in self.statuses.items():
            found[status if status == NO_ANSWER else f"{status[0]}xx"] += count
        return dict(found)


def is_server_error(status: str) -> bool:
    return status == NO_ANSWER or int(status) >= 500


class Tally:
    """Requests and statuses per API, for one run; safe to count into from Schemathesis' worker threads."""

    def __init__(self) -> None:
        self.apis: dict[str, ApiTally] = {}
        self.errors: list[ServerError] = []
        self._kept: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def api(self, api: str) -> ApiTally:
        found = self.apis.get(api)
        if found is None:
            found = self.apis[api] = ApiTally(api)
        return found

    @property
    def requests(self) -> int:
        return sum(tally.requests for tally in self.apis.values())

    @property
    def server_errors(self) -> int:
        return sum(tally.server_errors for tally in self.apis.values())

    def statuses(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for tally in self.apis.values():
            total.update(tally.statuses)
        return total

    def count(
        self, api: str, document: str, operation: str, phase: str, status: str, curl: Callable[[], str]
    ) -> int:
        """Count one request; returns how many ``document`` has been sent so far."""
        with self._lock:
            tally = self.api(api)
            tally.requests += 1
            tally.statuses[status] += 1
            tally.phases[phase] += 1
            tally.documents[document] += 1
            key = (api, operation, status)
            if is_server_error(status) and self._kept[key] < _KEPT:
                self._kept[key] += 1
                self.errors.append(ServerError(api, operation, status, phase, curl()))
            return tally.documents[document]


def _phase(case: Any) -> str:
    meta = getattr(case, "meta", None)
    return str(meta.phase.name.value) if meta is not None else "unknown"


def _curl(case: Any, headers: Mapping[str, Any] | None) -> str:
    try:
        return str(case.as_curl_command(headers=dict(headers or {})))
    except Exception as exc:  # a reproduction that cannot be built must not stop the count
        return f"{case.method} {case.path} (no curl: {exc})"


def prepared_curl(request: Any) -> str:
    """The curl of a request Schemathesis sent itself (a ``requests.PreparedRequest``)."""
    parts = ["curl", "-X", str(request.method)]
    for name, value in (request.headers or {}).items():
        parts += ["-H", f"{name}: {value}"]
    body = request.body
    if body:
        parts += ["-d", body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)]
    parts.append(str(request.url))
    return shlex.join(parts)


def register(
    schema: Any,
    tally: Tally,
    api: str,
    document: str,
    operation_ids: Mapping[str, str],
    sent: Callable[[int], None],
) -> None:
    """Count every request ``schema``'s run sends into ``tally``; ``sent(n)`` hears the document's total."""

    def name(case: Any) -> str:
        label = str(case.operation.label)
        return operation_ids.get(label, label)

    def after_call(context: Any, case: Any, response: Any) -> None:
        request = getattr(response, "request", None)
        headers = getattr(request, "headers", None)
        status = str(response.status_code)
        sent(tally.count(api, document, name(case), _phase(case), status, lambda: _curl(case, headers)))

    def after_network_error(context: Any, case: Any, request: Any) -> None:
        headers = getattr(request, "headers", None)
        sent(tally.count(api, document, name(case), _phase(case), NO_ANSWER, lambda: _curl(case, headers)))

    schema.hook("after_call")(after_call)
    schema.hook("after_network_error")(after_network_error)
