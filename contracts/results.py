"""What a contract run found: per-operation outcomes and each failure with its reproduction."""

from __future__ import annotations

from dataclasses import dataclass, field

PHASES = ("examples", "coverage", "fuzzing", "stateful", "workflow")
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


@dataclass(slots=True)
class OperationResult:
    """How one operation (by operationId) fared across phases."""

    operation: str
    label: str
    requests: int = 0
    phases: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


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

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def failed_operations(self) -> set[str]:
        """operationIds (or ``(run)``) with at least one failure."""
        return {failure.operation for failure in self.failures}

    def operation(self, operation: str, label: str = "") -> OperationResult:
        found = self.operations.get(operation)
        if found is None:
            found = self.operations[operation] = OperationResult(operation, label or operation)
        return found

    def add_failure(self, failure: Failure) -> None:
        if failure not in self.failures:
            self.failures.append(failure)
            self.operation(failure.operation).failures.append(failure)
