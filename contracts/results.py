"""What a contract run found: per-operation outcomes and each failure with its reproduction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PHASES = ("examples", "coverage", "fuzzing", "stateful", "auth", "workflow")
# The label of a failure that belongs to no single operation (a crashed phase, the sandbox itself).
RUN = "(run)"


@dataclass(frozen=True, slots=True)
class Failure:
    """One broken promise: which operation, found by which phase, why, and how to reproduce it."""

    operation: str
    phase: str
    title: str
    message: str = ""
    curl: str | None = None

    def describe(self) -> str:
        text = f"[{self.phase}] {self.operation}: {self.title}"
        if self.message and self.message != self.title:
            text += "\n    " + self.message.strip().replace("\n", "\n    ")
        if self.curl:
            text += f"\n    reproduce: {self.curl}"
        return text


@dataclass(frozen=True, slots=True)
class Accepted:
    """A request the target answered with a 2xx: what was sent, byte for byte."""

    operation: str
    base_path: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None


def _headers(headers: Any) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(name), str(value))
        for name, values in dict(headers).items()
        for value in (values if isinstance(values, list) else [values])
    )


@dataclass(slots=True)
class OperationResult:
    """How one operation (by operationId) fared across phases."""

    operation: str
    label: str
    requests: int = 0
    # Answers by status class: "2xx", "4xx", "5xx" (and "1xx"/"3xx", or "none" when no answer came).
    answers: dict[str, int] = field(default_factory=dict)
    phases: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def reached(self) -> bool:
        """Whether any request got past every refusal to a 2xx answer."""
        return self.answers.get("2xx", 0) > 0

    def count(self, phase: str, status: int | None) -> None:
        """One request of ``phase`` answered with ``status`` (``None``: no answer)."""
        self.requests += 1
        self.phases.add(phase)
        key = f"{status // 100}xx" if status is not None else "none"
        self.answers[key] = self.answers.get(key, 0) + 1


@dataclass(slots=True)
class ContractResult:
    """The outcome of one contract run."""

    api: str
    target: str
    seed: int
    read_only: bool
    phases: tuple[str, ...]
    operations: dict[str, OperationResult] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Seconds the run took, and the time budget it had (None: no limit).
    seconds: float = 0.0
    budget: float | None = None
    # One request per operation that the target accepted (a 2xx), to probe its auth with.
    accepted: dict[str, Accepted] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def unreached(self) -> list[str]:
        """operationIds that no request reached with a 2xx answer, in document order."""
        return [op.operation for op in self.operations.values() if not op.reached]

    def failed_operations(self) -> set[str]:
        """operationIds (or ``(run)``) with at least one failure."""
        return {failure.operation for failure in self.failures}

    def operation(self, operation: str, label: str = "") -> OperationResult:
        found = self.operations.get(operation)
        if found is None:
            found = self.operations[operation] = OperationResult(operation, label or operation)
        return found

    def accept(self, operation: str, base_path: str, request: Any) -> None:
        """Keep ``request`` (Schemathesis' recorded request) as ``operation``'s accepted one, if none yet."""
        if operation not in self.accepted:
            self.accepted[operation] = Accepted(
                operation,
                base_path,
                str(request.method),
                str(request.uri),
                _headers(request.headers),
                request.body,
            )

    def add_failure(self, failure: Failure) -> None:
        if failure not in self.failures:
            self.failures.append(failure)
            self.operation(failure.operation).failures.append(failure)
