"""Drives a contract run: Schemathesis' engine per spec document, then the vendor's workflow model."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import FlakyFailure
from hypothesis.stateful import run_state_machine_as_test

from mockserver.index import ApiIndex

from ._schemathesis import events, from_schema
from .auth_phase import run_auth_phase
from .documents import READ_METHODS, Contract, Document, load_contract
from .loading import load
from .options import SCHEMATHESIS_PHASES, Reporter, RunOptions, _Silent
from .results import RUN, ContractResult, Failure
from .targets import Target
from .workflows import Workflow, WorkflowViolation, bind, workflow_for

__all__ = ["SCHEMATHESIS_PHASES", "Reporter", "RunOptions", "load", "verify", "verify_api"]


def _curl(recorder: Any, case_id: str, fallback: str) -> str:
    interaction = recorder.interactions.get(case_id)
    node = recorder.cases.get(case_id)
    if interaction is not None and node is not None and interaction.response is not None:
        headers = dict(interaction.request.headers)
        return str(
            node.value.as_curl_command(
                headers={k: v[0] if isinstance(v, list) else v for k, v in headers.items()}
            )
        )
    return fallback


def _label(document: Document, schemathesis_label: str) -> str:
    method, _, path = schemathesis_label.partition(" ")
    return f"{method} {document.base_path}{path}"


def _record_scenario(
    result: ContractResult, document: Document, names: dict[str, str], event: Any, reporter: Reporter
) -> None:
    """Count one finished scenario's requests and answers per operation and keep each failed check."""
    recorder = event.recorder
    phase = str(event.phase.value)
    counted: set[str] = set()
    for case_id, node in recorder.cases.items():
        label = node.value.operation.label
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        operation = result.operation(names.get(label, label), _label(document, label))
        operation.count(phase, response.status_code if response is not None else None)
        if response is not None and 200 <= response.status_code < 300:
            result.accept(operation.operation, document.base_path, interaction.request)
        counted.add(label)
    for case_id, nodes in recorder.checks.items():
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        for check in nodes:
            info = check.failure_info
            if info is not None:
                result.add_failure(
                    Failure(
                        operation=names.get(label, label),
                        phase=phase,
                        title=str(info.failure.title),
                        message=_shortened(str(info.failure.message)),
                        curl=_curl(recorder, case_id, str(info.code_sample)),
                    )
                )
    for label in counted:
        name = names.get(label, label)
        reporter.step(phase, name, not result.operation(name).failures)


# The share of a run's time budget kept for the workflow phase, which runs last.
WORKFLOW_RESERVE = 0.2

# A failure message is read by a person: at most this many lines (the curl comes on its own).
MESSAGE_LINES = 20


def _shortened(message: str, lines: int = MESSAGE_LINES) -> str:
    kept = message.strip().splitlines()
    if len(kept) <= lines:
        return "\n".join(kept)
    return "\n".join([*kept[: lines - 1], f"... ({len(kept) - lines + 1} more line(s))"])


def _run_document(
    result: ContractResult,
    target: Target,
    document: Document,
    options: RunOptions,
    reporter: Reporter,
    deadline: float | None = None,
) -> None:
    wanted = [p for p in SCHEMATHESIS_PHASES if p in options.phases]
    if not wanted:
        return
    names = document.operation_ids()
    reporter.phase("/".join(wanted), document.name)
    schema = load(target, document, options)
    stream = from_schema(schema).execute()
    stopped = False
    for event in stream:
        if deadline is not None and not stopped and time.monotonic() > deadline:
            stopped = True
            stream.stop()
            phase = getattr(getattr(event, "phase", None), "value", None) or "a phase"
            result.notes.append(
                f"{document.name}: the time budget ({options.time_budget:.0f} s) ran out during {phase}; "
                "the Schemathesis phases stopped there"
            )
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            _record_scenario(result, document, names, event, reporter)
        elif isinstance(event, events.NonFatalError) and not target.allow_writes and _links_excluded(event):
            result.notes.append(
                f"{document.name}: no link chain is read-only, so the stateful phase did not run"
            )
        elif isinstance(event, events.NonFatalError):
            label = names.get(event.label, event.label) if event.related_to_operation else RUN
            result.add_failure(Failure(label, str(event.phase or "engine"), "error", str(event.value)))
        elif isinstance(event, events.FatalError):
            result.add_failure(Failure(RUN, "engine", "fatal error", repr(event.exception)))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                result.add_failure(Failure(RUN, "engine", str(failure.title), str(failure.message)))


def _links_excluded(event: Any) -> bool:
    return "excluded by filters" in str(event.value)


def _violation(exc: BaseException | None, seen: frozenset[int] = frozenset()) -> WorkflowViolation | None:
    """The model's finding behind ``exc``: itself, in a group, or what a Hypothesis error was raised from.

    (A 429 that struck a first run but not its replay comes back as FlakyStrategyDefinition.)
    """
    if exc is None or id(exc) in seen:
        return None
    if isinstance(exc, WorkflowViolation):
        return exc
    seen = seen | {id(exc)}
    if isinstance(exc, BaseExceptionGroup | FlakyFailure):
        for inner in exc.exceptions:
            found = _violation(inner, seen)
            if found is not None:
                return found
    return _violation(exc.__cause__ or exc.__context__, seen)


class _WorkflowTally:
    """Counts the workflow's answers per operation, found by method and path in the API's documents."""

    def __init__(self, result: ContractResult, contract: Contract, target: Target) -> None:
        self.result = result
        self.routes = ApiIndex({d.base_path: d.spec for d in contract.documents})
        self.root = urlsplit(target.base_url).path.rstrip("/")

    def __call__(self, response: httpx.Response) -> None:
        path = response.request.url.path
        found = self.routes.operation_id(response.request.method, path.removeprefix(self.root) or "/")
        if found is not None:
            self.result.operation(found).count("workflow", response.status_code)


def _run_workflow(
    result: ContractResult,
    target: Target,
    model: type[Workflow],
    options: RunOptions,
    reporter: Reporter,
    contract: Contract,
) -> None:
    reporter.phase("workflow", model.__name__)
    tally = _WorkflowTally(result, contract, target)
    machine = hypothesis_seed(options.seed)(bind(model, target, options.seed, tally))
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=options.max_examples,
                stateful_step_count=options.workflow_steps,
                deadline=None,
                database=None,
                derandomize=False,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
                phases=list(Phase) if options.shrink else [p for p in Phase if p is not Phase.shrink],
            ),
        )
    except Exception as exc:  # a failing model run: report it, never crash the run
        violation = _violation(exc)
        if violation is not None:
            result.add_failure(
                Failure(violation.operation_id, "workflow", violation.message, "", violation.curl)
            )
        else:
            result.add_failure(
                Failure(RUN, "workflow", f"{type(exc).__name__} in {model.__name__}", str(exc))
            )
    reporter.step("workflow", model.__name__, not any(f.phase == "workflow" for f in result.failures))


def verify(
    target: Target,
    options: RunOptions | None = None,
    *,
    contract: Contract | None = None,
    workflow: type[Workflow] | None = None,
    reporter: Reporter | None = None,
) -> ContractResult:
    """Run ``target``'s API contract against it and return what was found.

    Args:
        target: where the implementation is (``sandbox_target(api)`` or ``url_target(api, url)``).
        options: phases, example counts, seed.
        contract: the documents to hold it to; by default the bundled specs of ``target.api``.
        workflow: the model to check behaviour with; by default the one registered for ``target.api``.
        reporter: told about progress (the CLI prints it); silent by default.

    Example:
        >>> result = verify(sandbox_target("apprentiscope"), RunOptions(max_examples=10))
        >>> result.ok, result.failed_operations()
    """
    options = options or RunOptions()
    reporter = reporter or _Silent()
    contract = contract or load_contract(target.api)
    result = ContractResult(
        api=target.api,
        target=target.describe(),
        seed=options.seed,
        read_only=not target.allow_writes,
        phases=options.phases,
    )
    for document in contract.documents:
        for method, path, op in document.operations():
            label = f"{method} {document.base_path}{path}"
            if target.allow_writes or method in READ_METHODS:
                result.operation(str(op.get("operationId", label)), label)
    if result.read_only:
        result.notes.append(
            "read-only run: only GET/HEAD/OPTIONS operations are sent (pass --allow-writes to test writes)"
        )
    reporter.started(result)
    started = time.monotonic()
    deadline = None
    if options.time_budget is not None:
        reserve = WORKFLOW_RESERVE if "workflow" in options.phases else 0.0
        deadline = started + options.time_budget * (1 - reserve)
    for document in contract.documents:
        _run_document(result, target, document, options, reporter, deadline)
    if "auth" in options.phases:
        run_auth_phase(result, target, contract, options, reporter)
    model = workflow or workflow_for(target.api)
    if "workflow" in options.phases:
        if model is None:
            result.notes.append(f"no workflow model is registered for {target.api}")
        else:
            _run_workflow(result, target, model, options, reporter, contract)
    if options.fail_on_unreached:
        for name in result.unreached():
            result.add_failure(
                Failure(
                    name, "reach", "unreached: no request got a 2xx answer in any phase (--fail-on-unreached)"
                )
            )
    if target.sandbox is not None and target.sandbox.errors:
        errors = list(target.sandbox.errors)
        result.add_failure(Failure(RUN, "sandbox", "the sandbox raised", "; ".join(map(repr, errors[:3]))))
    result.seconds = time.monotonic() - started
    result.budget = options.time_budget
    reporter.finished(result)
    return result


def verify_api(api: str, target: Target | None = None, options: RunOptions | None = None) -> ContractResult:
    """``verify`` for a registered API name, against a fresh in-process sandbox unless a target is given."""
    from .targets import sandbox_target

    return verify(target or sandbox_target(api, seed=(options or RunOptions()).seed), options)
