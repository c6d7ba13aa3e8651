"""Consumer coverage: which documented operations, answers and parameters a client's calls exercised.

The documented side comes from each API's ``ApiIndex`` (its operations, their responses by status, their
parameters); the exercised side from the counters (``mockserver.counters``). ``build_report`` joins them
into a ``Report``: JSON (``Report.to_json``, described by ``coverage.schema.json`` next to this module) is
what the control plane answers and what pytest-xdist workers send their controller, and
``Report.from_json`` reads it back, so reports merge (``Report.merge``) and render
(``mockserver.coverage_render``) wherever they came from.

Each API also lists the ways its edge refuses a request (``RefusalCase``: a missing or wrong credential, an
expired, revoked or replayed token, the rate limit, a required header), which the counters note by cause,
since one status (Absorb's 401) stands for several of them.

A documented status is *met* when an answer had it: ``404`` by a 404; ``4XX`` by a 4xx no other key of the
operation names; ``default`` by any answer no other key names. An answer with a status the operation
does not document is listed as seen, and met nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .counters import DROPPED, body_fields, merge_counts
from .index import ApiIndex

SCHEMA_ID = "https://lms-sandbox.invalid/coverage.schema.json"
SCHEMA_FILE = Path(__file__).with_name("coverage.schema.json")


def _ranged(key: str) -> int | None:
    """The hundreds a ``4XX``-style key covers, else None."""
    if len(key) == 3 and key[0] in "12345" and key[1:].upper() == "XX":
        return int(key[0])
    return None


def covers(key: str, status: int, keys: Iterable[str]) -> bool:
    """Whether an answer with ``status`` meets documented ``key`` among the operation's ``keys``."""
    if status == DROPPED:
        return False
    if key == str(status):
        return True
    exact = str(status) in keys
    hundreds = _ranged(key)
    if hundreds is not None:
        return not exact and status // 100 == hundreds
    if key == "default":
        return not exact and not any(_ranged(k) == status // 100 for k in keys)
    return False


def is_error(key: str) -> bool:
    """Whether documented status ``key`` is an error answer (4xx, 5xx, their ranges, or ``default``)."""
    return key == "default" or key[:1] in ("4", "5")


@dataclass(slots=True)
class OperationCoverage:
    """One documented operation: what it declares, and how it was called."""

    id: str
    method: str
    path: str
    documented: dict[str, str]  # status key -> the response's description
    parameters: list[str]  # "where:name" keys, as the counters note them
    calls: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # seen status -> answers
    sent: dict[str, int] = field(default_factory=dict)  # "where:name" -> requests carrying it

    def met(self, key: str) -> bool:
        return any(covers(key, int(status), self.documented) for status in self.statuses)

    def never_met(self) -> list[str]:
        return [key for key in self.documented if not self.met(key)]

    def never_sent(self) -> list[str]:
        return [name for name in self.parameters if not self.sent.get(name)]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "calls": self.calls,
            "statuses_seen": dict(self.statuses),
            "statuses_documented": [
                {"status": key, "description": text, "met": self.met(key), "error": is_error(key)}
                for key, text in self.documented.items()
            ],
            "parameters": [
                {"name": name.partition(":")[2], "in": name.partition(":")[0], "sent": self.sent.get(name, 0)}
                for name in self.parameters
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OperationCoverage:
        return cls(
            id=data["id"],
            method=data["method"],
            path=data["path"],
            documented={d["status"]: d["description"] for d in data["statuses_documented"]},
            parameters=[f"{p['in']}:{p['name']}" for p in data["parameters"]],
            calls=data["calls"],
            statuses=dict(data["statuses_seen"]),
            sent={f"{p['in']}:{p['name']}": p["sent"] for p in data["parameters"] if p["sent"]},
        )


@dataclass(frozen=True, slots=True)
class RefusalCase:
    """One way an API's edge refuses a request: its cause (the counters' key), status and situation.

    ``situation`` completes "your tests never met <API>'s <status> for ...": "a token that had expired".
    """

    cause: str
    status: int
    situation: str


@dataclass(frozen=True, slots=True)
class Documented:
    """What an API documents, for a report: its title, its index, the ways its edge refuses."""

    title: str
    index: ApiIndex
    refusals: tuple[RefusalCase, ...] = ()


@dataclass(frozen=True, slots=True)
class Ratio:
    done: int
    of: int

    @classmethod
    def total(cls, ratios: Iterable[Ratio]) -> Ratio:
        """The ratios added up: covered over documented, of every one."""
        found = list(ratios)
        return cls(sum(r.done for r in found), sum(r.of for r in found))

    @property
    def percent(self) -> float:
        return round(100.0 * self.done / self.of, 1) if self.of else 100.0

    def to_json(self) -> dict[str, Any]:
        return {"covered": self.done, "documented": self.of, "percent": self.percent}


@dataclass(slots=True)
class ApiCoverage:
    """One API's operations, in document order, and the requests that fell to none of them."""

    name: str
    title: str
    operations: list[OperationCoverage]
    unrouted: int = 0
    refusal_cases: list[RefusalCase] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)  # cause -> requests refused for it

    @property
    def operation_ratio(self) -> Ratio:
        return Ratio(sum(1 for o in self.operations if o.calls), len(self.operations))

    @property
    def status_ratio(self) -> Ratio:
        return Ratio(
            sum(1 for o in self.operations for key in o.documented if o.met(key)),
            sum(len(o.documented) for o in self.operations),
        )

    def never_met(self) -> list[dict[str, str]]:
        """The documented error answers no call met, each with a sentence for people."""
        found = []
        for operation in self.operations:
            for key in operation.never_met():
                if is_error(key):
                    text = _gist(operation.documented[key])
                    answer = "its default error answer" if key == "default" else f"{self.title}'s {key}"
                    about = f" ({text.rstrip('.')})" if text else ""
                    found.append(
                        {
                            "operation": operation.id,
                            "status": key,
                            "description": operation.documented[key],
                            "sentence": f"your tests never met {answer} from {operation.id}{about}",
                        }
                    )
        return found

    def refusal_sentence(self, case: RefusalCase) -> str:
        return f"your tests never met {self.title}'s {case.status} for {case.situation}"

    def refusals_never_met(self) -> list[str]:
        """A sentence for each way the API refuses that no request met."""
        return [self.refusal_sentence(c) for c in self.refusal_cases if not self.refused.get(c.cause)]

    @property
    def refusal_ratio(self) -> Ratio:
        return Ratio(sum(1 for c in self.refusal_cases if self.refused.get(c.cause)), len(self.refusal_cases))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "operations": self.operation_ratio.to_json(),
            "statuses": self.status_ratio.to_json(),
            "unrouted": self.unrouted,
            "never_met": self.never_met(),
            "refusal_ways": self.refusal_ratio.to_json(),
            "refusals": [
                {
                    "cause": c.cause,
                    "status": c.status,
                    "situation": c.situation,
                    "count": self.refused.get(c.cause, 0),
                    "sentence": None if self.refused.get(c.cause) else self.refusal_sentence(c),
                }
                for c in self.refusal_cases
            ],
            "operation_list": [o.to_json() for o in self.operations],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApiCoverage:
        # "refusals" is absent from the reports of a sandbox older than it.
        refusals = data.get("refusals", [])
        return cls(
            name=data["name"],
            title=data["title"],
            operations=[OperationCoverage.from_json(o) for o in data["operation_list"]],
            unrouted=data["unrouted"],
            refusal_cases=[RefusalCase(r["cause"], r["status"], r["situation"]) for r in refusals],
            refused={r["cause"]: r["count"] for r in refusals if r["count"]},
        )


@dataclass(slots=True)
class Report:
    """Coverage of every API: since when it was counted, and per API."""

    apis: list[ApiCoverage]
    since: str | None = None

    @property
    def operation_ratio(self) -> Ratio:
        return Ratio.total(a.operation_ratio for a in self.apis)

    @property
    def status_ratio(self) -> Ratio:
        return Ratio.total(a.status_ratio for a in self.apis)

    @property
    def refusal_ratio(self) -> Ratio:
        return Ratio.total(a.refusal_ratio for a in self.apis)

    def to_json(self) -> dict[str, Any]:
        return {
            "$schema": SCHEMA_ID,
            "since": self.since,
            "operations": self.operation_ratio.to_json(),
            "statuses": self.status_ratio.to_json(),
            "refusal_ways": self.refusal_ratio.to_json(),
            "apis": [api.to_json() for api in self.apis],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        return cls([ApiCoverage.from_json(a) for a in data["apis"]], data.get("since"))

    def exercised(self) -> Report:
        """Only the APIs some request reached (every API when none was): what a test run reports."""
        called = [api for api in self.apis if api.unrouted or any(o.calls for o in api.operations)]
        return Report(called or list(self.apis), self.since)

    def merge(self, other: Report) -> Report:
        """The two reports' counts added, API by API and operation by operation (their union)."""
        merged = Report.from_json(self.to_json())
        if other.since and (merged.since is None or other.since < merged.since):
            merged.since = other.since
        by_name = {api.name: api for api in merged.apis}
        for api in other.apis:
            mine = by_name.get(api.name)
            if mine is None:
                merged.apis.append(by_name.setdefault(api.name, ApiCoverage.from_json(api.to_json())))
                continue
            mine.unrouted += api.unrouted
            mine.refused = _added(mine.refused, api.refused)
            known = {c.cause for c in mine.refusal_cases}
            mine.refusal_cases += [c for c in api.refusal_cases if c.cause not in known]
            operations = {o.id: o for o in mine.operations}
            for operation in api.operations:
                kept = operations.get(operation.id)
                if kept is None:
                    mine.operations.append(OperationCoverage.from_json(operation.to_json()))
                    continue
                kept.calls += operation.calls
                kept.statuses = _added(kept.statuses, operation.statuses)
                kept.sent = _added(kept.sent, operation.sent)
        return merged


def _gist(text: str, limit: int = 90) -> str:
    """The start of a response's description: up to its first sentence or aside, at most ``limit``."""
    cut = len(text)
    for mark in (". ", "; ", " ("):
        found = text.find(mark)
        if 0 < found < cut:
            cut = found
    gist = text[:cut].strip()
    return gist if len(gist) <= limit else gist[: limit - 3].rstrip() + "..."


def _added(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in dict.fromkeys([*a, *b])}


def api_coverage(name: str, documented: Documented, counts: Mapping[str, Any] | None) -> ApiCoverage:
    """API ``name``'s documented operations and refusals with ``counts`` (its part of a snapshot)."""
    index = documented.index
    counted = (counts or {}).get("operations", {})
    operations = []
    for operation in index.every():
        if not operation.id:
            continue
        tally = counted.get(operation.id, {})
        operations.append(
            OperationCoverage(
                id=operation.id,
                method=operation.method,
                path=operation.path,
                documented={
                    key: str(response.get("description") or "")
                    for key, response in operation.responses.items()
                },
                parameters=[
                    *(f"{p.get('in')}:{p.get('name')}" for p in operation.parameters),
                    *(f"body:{name}" for name in body_fields(operation, index)),
                ],
                calls=tally.get("calls", 0),
                statuses=dict(tally.get("statuses", {})),
                sent=dict(tally.get("sent", {})),
            )
        )
    return ApiCoverage(
        name,
        documented.title,
        operations,
        (counts or {}).get("unrouted", 0),
        list(documented.refusals),
        dict((counts or {}).get("refused", {})),
    )


def build_report(apis: Mapping[str, Documented], *snapshots: Mapping[str, Any]) -> Report:
    """The report of ``apis`` (by name) from counter snapshots (added together)."""
    counts: dict[str, Any] = {}
    for snapshot in snapshots:
        merge_counts(counts, snapshot)
    return Report(
        [
            api_coverage(name, documented, counts.get("apis", {}).get(name))
            for name, documented in apis.items()
        ],
        counts.get("since"),
    )


__all__ = [
    "ApiCoverage",
    "Documented",
    "OperationCoverage",
    "Ratio",
    "RefusalCase",
    "Report",
    "api_coverage",
    "build_report",
    "covers",
    "is_error",
]
