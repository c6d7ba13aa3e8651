"""Journal assertions: which operations a test's code called, how often, with what.

Failure messages list every call that did happen (method, path, status, operationId and the
request body), so a test that fails says what the code under test did instead.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import json as jsonlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypedDict, Unpack
from urllib.parse import parse_qs

from ..index import ApiIndex
from ..journal import CallFilter, JournalEntry
from ..vendors import get_vendor
from ..vendors.base import load_specs

_MISSING: Any = object()
_BODY_SHOWN = 300


@dataclass(frozen=True, slots=True)
class Call:
    """One request the sandbox answered, with its bodies parsed on demand."""

    seq: int
    api: str
    method: str
    path: str
    query: str
    status: int
    operation_id: str | None
    # The vendor call the operation serves (SkyPrep's POST and GET twins serve one call).
    call: str | None
    request_body: str
    response_body: str

    @classmethod
    def from_entry(cls, entry: JournalEntry) -> Call:
        return cls(**{field.name: getattr(entry, field.name) for field in dataclasses.fields(cls)})

    @property
    def json(self) -> Any:
        """The request body parsed as JSON; None when it is empty or not JSON."""
        return _parse(self.request_body)

    @property
    def response_json(self) -> Any:
        """The response body parsed as JSON; None when it is empty or not JSON."""
        return _parse(self.response_body)

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string, each name with its values in order."""
        return parse_qs(self.query, keep_blank_values=True)

    def describe(self) -> str:
        """``POST /apprentiscope/create-user -> 201 createUser``, plus the body when there is one."""
        target = f"{self.path}?{self.query}" if self.query else self.path
        line = f"{self.method} {target} -> {self.status} {self.operation_id or '(no operation)'}"
        if self.request_body:
            body = self.request_body
            if len(body) > _BODY_SHOWN:
                body = body[:_BODY_SHOWN] + "..."
            line += f"\n       body: {body}"
        return line


def _parse(text: str) -> Any:
    if not text:
        return None
    try:
        return jsonlib.loads(text)
    except ValueError:
        return None


def includes(actual: Any, expected: Any) -> bool:
    """True when ``expected`` is ``actual`` or, for objects, a subset of it (recursively)."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and includes(actual[key], value) for key, value in expected.items()
        )
    return bool(actual == expected)


@cache
def known_operations(api: str) -> frozenset[str]:
    """Every operationId of the documents API ``api`` serves."""
    vendor = get_vendor(api)
    found = ApiIndex(load_specs(vendor.specs)).operation_ids()
    # A bare call name is known too: it names the operation and its twin.
    return frozenset(found) | {str(vendor.call_of(op)) for op in found}


class JournalView(Protocol):
    """What the assertions read: the in-process ``Journal``, or a served sandbox's over HTTP."""

    def entries(self, *, limit: int | None = None, **where: Any) -> list[JournalEntry]: ...

    def matching(self, where: CallFilter | None = None, /, **fields: Any) -> list[JournalEntry]: ...


def _strip_slash(path: str) -> str:
    return path.rstrip("/") or "/"


class Conditions(TypedDict, total=False):
    """What a call must have besides its operation, as ``calls`` and the ``assert_*`` methods take it."""

    method: str | None
    path: str | None
    status: int | None
    query: Mapping[str, str | Sequence[str]] | None
    json: Any
    json_includes: Any


@dataclass(frozen=True, slots=True)
class _Filters:
    """The journal's ``CallFilter`` (operation, method, status) and the conditions only a call can check."""

    where: CallFilter
    # Relative to the handle's prefix, exact or an fnmatch pattern (the journal's ``path`` is a prefix).
    path: str | None
    query: Mapping[str, str | Sequence[str]] | None
    json: Any
    json_includes: Any

    @classmethod
    def of(cls, operation_id: str | None, conditions: Conditions) -> _Filters:
        unknown = sorted(set(conditions) - set(Conditions.__annotations__))
        if unknown:
            raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
        return cls(
            CallFilter(
                method=conditions.get("method"),
                status=conditions.get("status"),
                operation_id=operation_id,
            ),
            path=conditions.get("path"),
            query=conditions.get("query"),
            json=conditions.get("json", _MISSING),
            json_includes=conditions.get("json_includes", _MISSING),
        )

    def matches(self, call: Call, prefix: str) -> bool:
        """The conditions the journal does not check: ``path`` as a pattern, ``query`` and the bodies."""
        if self.path is not None and not fnmatch.fnmatchcase(
            _strip_slash(call.path), _strip_slash(prefix + self.path)
        ):
            return False
        if self.query is not None:
            params = call.params
            for name, wanted in self.query.items():
                values = [wanted] if isinstance(wanted, str) else list(wanted)
                if params.get(name) != values:
                    return False
        if self.json is not _MISSING and call.json != self.json:
            return False
        return self.json_includes is _MISSING or includes(call.json, self.json_includes)

    def describe(self) -> str:
        parts = [self.where.operation_id or "any operation"]
        conditions = [
            f"{name}={value!r}"
            for name, value in (
                ("method", self.where.method),
                ("path", self.path),
                ("status", self.where.status),
                ("query", self.query),
            )
            if value is not None
        ]
        if self.json is not _MISSING:
            conditions.append(f"json={self.json!r}")
        if self.json_includes is not _MISSING:
            conditions.append(f"json_includes={self.json_includes!r}")
        if conditions:
            parts.append("with " + ", ".join(conditions))
        return " ".join(parts)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


class JournalAssertions:
    """``calls``, ``assert_called``, ``assert_called_once`` and ``assert_not_called`` over the journal.

    Subclasses say which journal and which API (``None``: every API) they look at, and the path
    prefix that ``path=`` is relative to.
    """

    def _journal_scope(self) -> tuple[JournalView, str | None, str]:
        raise NotImplementedError

    def _scope_label(self) -> str:
        _journal, api, _prefix = self._journal_scope()
        return api or "the sandbox"

    def _served_apis(self) -> Sequence[str]:
        _journal, api, _prefix = self._journal_scope()
        return [api] if api else []

    def _check_operation(self, operation_id: str | None) -> None:
        if operation_id is None:
            return
        known: set[str] = set()
        for api in self._served_apis():
            known |= known_operations(api)
        if known and operation_id not in known:
            close = difflib.get_close_matches(operation_id, sorted(known), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise ValueError(
                f"{self._scope_label()} has no operation {operation_id!r}{hint} "
                f"(known: {', '.join(sorted(known))})"
            )

    def all_calls(self) -> list[Call]:
        """Every call this handle covers, oldest first."""
        journal, api, _prefix = self._journal_scope()
        return [Call.from_entry(e) for e in journal.entries(api=api, kind="request")]

    def calls(self, operation_id: str | None = None, **conditions: Unpack[Conditions]) -> list[Call]:
        """The calls matching every condition given, oldest first.

        Args:
            operation_id: the spec's operationId, or the vendor call it serves (SkyPrep's bare
                ``get_user`` matches ``get_user`` and its GET twin ``get_userGet``); checked: a typo
                raises ``ValueError``.
            conditions: ``method`` (HTTP method); ``path`` (the request path relative to the API's
                base URL, exact or an fnmatch pattern such as ``"/read-user/*"``; a trailing slash is
                ignored); ``status`` (response status); ``query`` (query parameters that must have
                exactly these values); ``json`` (the request body, parsed, must equal this);
                ``json_includes`` (the request body, parsed, must contain this; objects compare as
                subsets).
        """
        return self._matching(self._filters(operation_id, conditions))

    def _filters(self, operation_id: str | None, conditions: Conditions) -> _Filters:
        self._check_operation(operation_id)
        return _Filters.of(operation_id, conditions)

    def _matching(self, filters: _Filters) -> list[Call]:
        journal, api, prefix = self._journal_scope()
        entries = journal.matching(dataclasses.replace(filters.where, api=api, kind="request"))
        return [c for c in map(Call.from_entry, entries) if filters.matches(c, prefix)]

    def _failure(self, expectation: str, found: int) -> AssertionError:
        happened = self.all_calls()
        actual = "it was never called" if found == 0 else f"it was called {_times(found)}"
        lines = [f"expected {expectation}, but {actual}."]
        if happened:
            lines.append(f"Calls to {self._scope_label()} during this test ({len(happened)}):")
            lines += [f"  {i}. {c.describe()}" for i, c in enumerate(happened, 1)]
        else:
            lines.append(f"No calls to {self._scope_label()} were made during this test.")
        return AssertionError("\n".join(lines))

    def assert_called(
        self,
        operation_id: str | None = None,
        *,
        times: int | None = None,
        **conditions: Unpack[Conditions],
    ) -> list[Call]:
        """Fail unless matching calls happened (``times`` exactly, or at least once); returns them.

        Conditions are those of ``calls``.
        """
        __tracebackhide__ = True
        filters = self._filters(operation_id, conditions)
        found = self._matching(filters)
        if (times is None and not found) or (times is not None and len(found) != times):
            if times == 0:
                expectation = f"{filters.describe()} not to be called"
            else:
                wanted = "at least once" if times is None else _times(times)
                expectation = f"{filters.describe()} to be called {wanted}"
            raise self._failure(expectation, len(found))
        return found

    def assert_called_once(self, operation_id: str | None = None, **conditions: Unpack[Conditions]) -> Call:
        """Fail unless exactly one matching call happened; returns it."""
        __tracebackhide__ = True
        (call,) = self.assert_called(operation_id, times=1, **conditions)
        return call

    def assert_not_called(self, operation_id: str | None = None, **conditions: Unpack[Conditions]) -> None:
        """Fail if any matching call happened."""
        __tracebackhide__ = True
        self.assert_called(operation_id, times=0, **conditions)
