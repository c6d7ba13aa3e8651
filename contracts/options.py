"""How a contract run is told how hard to test, and whom to tell as it goes."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from .results import PHASES, ContractResult

SCHEMATHESIS_PHASES = ("examples", "coverage", "fuzzing", "stateful")


class Reporter(Protocol):
    """Told about a run as it goes (the CLI's progress display)."""

    def started(self, result: ContractResult) -> None: ...

    def phase(self, phase: str, document: str) -> None: ...

    def step(self, phase: str, operation: str, ok: bool) -> None: ...

    def finished(self, result: ContractResult) -> None: ...


class _Silent:
    def started(self, result: ContractResult) -> None: ...

    def phase(self, phase: str, document: str) -> None: ...

    def step(self, phase: str, operation: str, ok: bool) -> None: ...

    def finished(self, result: ContractResult) -> None: ...


@dataclasses.dataclass(frozen=True, slots=True)
class RunOptions:
    """How hard and how reproducibly to test.

    Args:
        phases: among examples, coverage, fuzzing, stateful, auth, workflow.
        max_examples: Hypothesis examples per operation (fuzzing), per stateful/workflow run.
        seed: seed of every random choice; the same seed replays the same run.
        workflow_steps: steps per workflow example.
        shrink: shrink a failing workflow to its shortest sequence (clearer, but slower to report).
        light_deprecated: operations the spec marks ``deprecated`` (twins of current ones, such as
            SkyPrep's GET calls, which share their handlers) get a fifth of ``max_examples`` and no
            coverage phase; ``False`` tests them as hard as the others.
        fail_on_unreached: an operation that no request reached with a 2xx answer, in any phase, is a
            failure (by default it is only listed as unreached).
        time_budget: seconds the whole run may take: the Schemathesis phases stop where they are
            once all but the workflow's reserve is spent (``None``: no limit).
        auth_status: the status a target by URL refuses wrong credentials with (the auth phase);
            by default any status the operation documents for them, or any 4xx.
    """

    phases: tuple[str, ...] = PHASES
    max_examples: int = 25
    seed: int = 0
    workflow_steps: int = 20
    shrink: bool = True
    light_deprecated: bool = True
    fail_on_unreached: bool = False
    time_budget: float | None = None
    auth_status: int | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.phases) - set(PHASES))
        if unknown:
            raise ValueError(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
        if self.max_examples < 1:
            raise ValueError("max_examples must be at least 1")
        if self.auth_status is not None and not 400 <= self.auth_status < 500:
            raise ValueError(f"auth_status must be a 4xx status; got {self.auth_status}")
