"""What every vendor's workflow model is: a Hypothesis state machine bound to a target.

A model subclasses ``Workflow``, talks to the target only through ``self.call`` (so every request
can be reproduced), and reports a broken promise with ``self.expect``, naming the operation.
"""

from __future__ import annotations

import itertools
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Protocol

import httpx
from hypothesis.stateful import RuleBasedStateMachine

from ..curl import curl_for
from ..results import RUN
from ..specdata import json_schema_of, resolve, schema_errors
from ..targets import Target
from ..throttle import Throttle


class Tally(Protocol):
    """Told of every answer a workflow gets."""

    def __call__(self, response: httpx.Response) -> None: ...


class WorkflowViolation(AssertionError):
    """The target broke a documented behaviour of one operation."""

    def __init__(self, operation_id: str, message: str, curl: str | None) -> None:
        super().__init__(f"{operation_id}: {message}" + (f"\n  reproduce: {curl}" if curl else ""))
        self.operation_id = operation_id
        self.message = message
        self.curl = curl


class Workflow(RuleBasedStateMachine):
    """Base of a vendor's workflow model.

    Subclasses set ``api`` and write rules that call ``self.call(...)`` and check with
    ``self.expect(...)``. Rules that write must be guarded with ``precondition(writes_allowed)``
    so the model still runs (read-only) against a target without ``--allow-writes``.
    """

    api: ClassVar[str]
    target: ClassVar[Target]
    seed: ClassVar[int] = 0
    # Shared by every example of a run, so the rate holds across them (see ``bind``).
    throttle: ClassVar[Throttle | None] = None
    # Told of every answer, to count the workflow's requests per operation in the run's table.
    tally: ClassVar[Tally | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.target.reset(self.seed)
        self._clients: dict[str, httpx.Client] = {}
        self._counter = itertools.count(1)
        # Against a shared target, names and emails must not collide with earlier runs' records.
        self.nonce = "" if self.target.is_sandbox else secrets.token_hex(3)

    @property
    def writes_allowed(self) -> bool:
        return self.target.allow_writes

    def unique(self, stem: str) -> str:
        """``stem`` made unique within this run (and across runs against a shared target)."""
        return f"{stem}{self.nonce}{next(self._counter)}"

    def call(self, method: str, path: str, *, base_path: str = "", **kwargs: Any) -> httpx.Response:
        """Send one request to the target, under the document served at ``base_path``."""
        client = self._clients.get(base_path)
        if client is None:
            client = self._clients[base_path] = self.target.client(base_path)
        if self.throttle is not None:
            response = self.throttle.send(lambda: client.request(method, path, **kwargs))
            self._tell(response)
            return response
        response = client.request(method, path, **kwargs)
        self._tell(response)
        if response.status_code == 429:
            # Not the model's finding: the run outpaced the target's rate limit.
            raise WorkflowViolation(
                RUN,
                "the target answered 429 Too Many Requests; pass --rate-limit (e.g. 30/m for DfE's "
                "150 per 5 minutes) to keep the run within its limit",
                self.curl(response),
            )
        return response

    def _tell(self, response: httpx.Response) -> None:
        if self.tally is not None:
            self.tally(response)

    def curl(self, response: httpx.Response) -> str:
        """The curl reproducing ``response``'s request (credentials filtered unless against the sandbox)."""
        secret = () if self.target.is_sandbox else {name.lower() for name in self.target.headers}
        return curl_for(response.request, secret)

    def expect(
        self, condition: bool, operation_id: str, message: str, response: httpx.Response | None = None
    ) -> None:
        """Fail the workflow, naming ``operation_id`` and the request to reproduce, unless ``condition``."""
        if not condition:
            curl = self.curl(response) if response is not None else None
            detail = f"{message} (got {response.status_code}: {response.text[:300]})" if response else message
            raise WorkflowViolation(operation_id, detail, curl)

    def expect_status(self, response: httpx.Response, status: int, operation_id: str, what: str) -> None:
        self.expect(response.status_code == status, operation_id, f"{what}: expected {status}", response)

    def teardown(self) -> None:
        for client in self._clients.values():
            client.close()


def writes_allowed(machine: Workflow) -> bool:
    """Precondition of rules that write."""
    return machine.writes_allowed


def bind(
    model: type[Workflow],
    target: Target,
    seed: int = 0,
    tally: Tally | None = None,
) -> type[Workflow]:
    """``model`` bound to ``target``: Hypothesis instantiates state machines without arguments.

    ``tally`` is told of every answer the model gets (the runner counts them per operation).
    """
    throttle = Throttle(target.rate_limit) if target.rate_limit else None
    return type(
        model.__name__,
        (model,),
        {
            "target": target,
            "seed": seed,
            "throttle": throttle,
            "tally": staticmethod(tally) if tally is not None else None,
            "__module__": model.__module__,
        },
    )


# --- shared checks: answers against the spec, bounded page walks, short diffs ----------------------

# The most pages a walk reads: a target that ignores the offset fails on its second page, and a large
# target is read in part (the walk says whether it saw every record).
MAX_PAGES = 25
# How many ids or fields a failure message names before it only counts the rest.
SHOWN = 5


@dataclass(frozen=True)
class Pages:
    """What a bounded page walk read: the ids in order, whether that is every record, the last answer."""

    ids: list[str]
    complete: bool
    last: httpx.Response | None


def _short(value: Any, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _some(ids: Iterable[str], shown: int = SHOWN) -> str:
    listed = list(ids)
    head = ", ".join(listed[:shown])
    return head + (f", ... ({len(listed) - shown} more)" if len(listed) > shown else "")


def id_diff(expected: Iterable[str], got: Iterable[str], *, shown: int = SHOWN) -> str:
    """How the ids answered differ from those expected: counts, the first few missing, unexpected, twice."""
    wanted = list(dict.fromkeys(expected))
    answered = list(got)
    counts = Counter(answered)
    repeated = [i for i, n in counts.items() if n > 1]
    missing = [i for i in wanted if i not in counts]
    known = set(wanted)
    unexpected = [i for i in counts if i not in known]
    parts = [f"expected {len(wanted)}, got {len(answered)}"]
    if missing:
        parts.append(f"missing {len(missing)}: {_some(missing, shown)}")
    if unexpected:
        parts.append(f"unexpected {len(unexpected)}: {_some(unexpected, shown)}")
    if repeated:
        parts.append(f"repeated {len(repeated)}: {_some(repeated, shown)}")
    return "; ".join(parts)


def field_diff(expected: Mapping[str, Any], got: Mapping[str, Any], *, shown: int = SHOWN) -> str:
    """The fields of ``expected`` that ``got`` holds otherwise, each with both values (the first few)."""
    differing = [name for name, value in expected.items() if got.get(name) != value]
    lines = [f"{name}: expected {_short(expected[name])}, got {_short(got.get(name))}" for name in differing]
    more = f"; ... ({len(lines) - shown} more fields)" if len(lines) > shown else ""
    return "; ".join(lines[:shown]) + more


@cache
def _operations(api: str) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """operationId -> (its document, its responses), from the specs bundled for ``api``."""
    from ..documents import load_contract

    return {
        str(op["operationId"]): (document.spec, op.get("responses") or {})
        for document in load_contract(api).documents
        for _, _, op in document.operations()
        if "operationId" in op
    }


@cache
def response_schema(api: str, operation_id: str, status: int) -> tuple[bool, dict[str, Any] | None, str]:
    """(is ``status`` documented, its JSON body schema if any, the OpenAPI version) for one operation."""
    spec, responses = _operations(api)[operation_id]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            schema = json_schema_of(spec, resolve(spec, responses[key]))
            return True, schema, str(spec.get("openapi", "3.0"))
    return False, None, str(spec.get("openapi", "3.0"))


class CheckedWorkflow(Workflow):
    """A ``Workflow`` with checks of its answers: against the operation's documented schema, sets of ids,
    fields, and a bounded page walk. Every check reports through ``expect`` (naming the operation)."""

    def _ok(self, response: httpx.Response, status: int, operation: str, what: str) -> Any:
        """``response`` has ``status``: its parsed body (not checked against the schema)."""
        self.expect_status(response, status, operation, what)
        return response.json()

    def _same(
        self, answer: dict[str, Any], expected: dict[str, Any], operation: str, response: httpx.Response
    ) -> None:
        """Each field of ``expected`` has that value in ``answer``; the first that differs is named."""
        for name, value in expected.items():
            got = answer.get(name)
            self.expect(got == value, operation, f"{name} should be {value!r}, not {got!r}", response)

    def expect_schema(self, response: httpx.Response, operation_id: str, what: str) -> Any:
        """The parsed body of ``response``, checked against what the operation documents for its status.

        An error status must be documented and its body the vendor's error body; every field the
        answer has is checked, not only those the model sent.
        """
        documented, schema, openapi = response_schema(self.api, operation_id, response.status_code)
        self.expect(
            documented, operation_id, f"{what}: status {response.status_code} is not documented", response
        )
        if schema is None:
            return None
        try:
            body = response.json()
        except ValueError:
            self.expect(False, operation_id, f"{what}: the body is not JSON", response)
        errors = schema_errors(schema, body, openapi=openapi)
        kind = "the vendor's error body" if response.status_code >= 400 else "the documented schema"
        self.expect(
            not errors,
            operation_id,
            f"{what}: the answer does not match {kind} ({len(errors)} problem(s)): "
            + "; ".join(errors[:SHOWN]),
            response,
        )
        return body

    def expect_answer(self, response: httpx.Response, status: int, operation_id: str, what: str) -> Any:
        """``response`` has ``status`` and a body matching its documented schema: the parsed body."""
        self.expect(response.status_code == status, operation_id, f"{what}: expected {status}", response)
        return self.expect_schema(response, operation_id, what)

    def expect_error(self, response: httpx.Response, status: int, operation_id: str, what: str) -> Any:
        """``response`` is a ``status`` error in the vendor's documented error body: the parsed body."""
        return self.expect_answer(response, status, operation_id, what)

    def expect_ids(
        self,
        got: Iterable[str],
        expected: Iterable[str],
        operation_id: str,
        what: str,
        response: httpx.Response | None = None,
    ) -> None:
        """``got`` holds exactly the ids ``expected``, each once (order aside)."""
        answered, wanted = list(got), list(expected)
        self.expect(
            sorted(answered) == sorted(set(wanted)) and len(answered) == len(set(answered)),
            operation_id,
            f"{what}: {id_diff(wanted, answered)}",
            response,
        )

    def expect_listing(
        self,
        got: Iterable[str],
        operation_id: str,
        what: str,
        response: httpx.Response | None = None,
        *,
        present: Iterable[str] = (),
        absent: Iterable[str] = (),
    ) -> None:
        """``got`` holds every id of ``present``, none of ``absent``, and none twice."""
        answered = list(got)
        held = set(answered)
        missing = [i for i in present if i not in held]
        unexpected = [i for i in absent if i in held]
        repeated = len(answered) - len(held)
        problems = []
        if missing:
            problems.append(f"missing {len(missing)}: {_some(missing)}")
        if unexpected:
            problems.append(f"listed but should not be {len(unexpected)}: {_some(unexpected)}")
        if repeated:
            problems.append(f"{repeated} id(s) listed twice")
        self.expect(not problems, operation_id, f"{what}: " + "; ".join(problems), response)

    def expect_fields(
        self,
        got: Mapping[str, Any],
        expected: Mapping[str, Any],
        operation_id: str,
        what: str,
        response: httpx.Response | None = None,
    ) -> None:
        """Every field of ``expected`` has that value in ``got`` (those differing named with both values)."""
        self.expect(
            all(got.get(name) == value for name, value in expected.items()),
            operation_id,
            f"{what}: {field_diff(expected, got)}",
            response,
        )

    def expect_all_read(self, pages: Pages, total: int | None, operation_id: str, what: str) -> None:
        """A walk that reached the last page read ``total`` ids (``what`` says so when it did not)."""
        if pages.complete:
            self.expect(len(pages.ids) == total, operation_id, what, pages.last)

    def walk_pages(
        self,
        operation_id: str,
        fetch: Callable[[int], tuple[httpx.Response, list[str], bool]],
        *,
        max_pages: int = MAX_PAGES,
    ) -> Pages:
        """Pages 0, 1, ... read with ``fetch`` (answer, ids on it, is it the last?), at most ``max_pages``.

        A page that repeats an id of an earlier page fails at once: pages partition a list, and a
        target that ignores the offset would otherwise be read until the page limit.
        """
        ids: list[str] = []
        seen: set[str] = set()
        last: httpx.Response | None = None
        for index in range(max_pages):
            last, page, done = fetch(index)
            again = [i for i in page if i in seen]
            self.expect(
                not again and len(page) == len(set(page)),
                operation_id,
                f"page {index} repeats {len(again) or len(page) - len(set(page))} record(s) of earlier pages "
                f"({_some(again)}): pages must partition the list (is the offset ignored?)",
                last,
            )
            ids += page
            seen.update(page)
            if done:
                return Pages(ids, True, last)
        return Pages(ids, False, last)
