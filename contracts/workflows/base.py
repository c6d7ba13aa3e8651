"""What every vendor's workflow model is: a Hypothesis state machine bound to a target.

A model subclasses ``Workflow``, talks to the target only through ``self.call`` (so every request
can be reproduced), and reports a broken promise with ``self.expect``, naming the operation.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any, ClassVar, Protocol

import httpx
from hypothesis.stateful import RuleBasedStateMachine

from ..curl import curl_for
from ..results import RUN
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
