"""A fuzz run: every phase of Schemathesis, positive and negative data, against ``serve`` over a socket.

The budget (requests in total) is shared among the documents by their number of operations, so every
operation gets about the same attention. A document runs every phase once, then fuzzing and stateful
again with the next seed, until its share is sent; its run stops as soon as the share is reached.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from mockserver.vendors import get_vendor, vendor_names

from .._schemathesis import Ok, PhaseName, events, from_schema
from ..documents import Document, load_contract
from ..runner import SCHEMATHESIS_PHASES, RunOptions, load
from ..targets import Target, url_target
from .corpus import CorpusResult
from .corpus import run as run_corpus
from .server import HOST, ServedSandbox
from .serverlog import Traceback, tracebacks
from .tally import ServerError, Tally, prepared_curl, register
from .wire import socket_sender

DEFAULT_BUDGET = 50_000
DEFAULT_LOG = Path(".fuzz") / "server.log"
# Phases that draw new requests from a new seed; examples and coverage would only send the same again.
REPEATING = ("fuzzing", "stateful")
# The verdict is 5xx and tracebacks only (the contract judges the rest): no other check runs, so no
# time goes into validating and shrinking what is not a server error. Credentials are the sandbox's
# public ones, so curls show them and run as printed.
SETTINGS: dict[str, Any] = {
    "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
    "generation": {"mode": "all"},
    "output": {"sanitization": {"enabled": False}},
    "workers": 1,
    "request-timeout": 30,
}


@dataclass(frozen=True, slots=True)
class FuzzOptions:
    """What to fuzz, how much, and how reproducibly.

    Args:
        budget: requests to send in total, shared among the documents by operation count.
        apis: the APIs to fuzz (default: every registered one).
        phases: among examples, coverage, fuzzing, stateful.
        max_examples: examples per operation (fuzzing) and per stateful run, in each round.
        seed: seed of the first round; round N uses seed + N.
        faults: ``serve --fault`` values (to see the verdict fail on an injected 500).
        validate_responses: ``serve --validate-responses`` (a response against the spec answers 500).
        log: where the server's output goes.
        max_rounds: rounds per document at most, should its share never be reached.
        corpus: after Schemathesis, send the hostile-input corpus (``contracts.fuzz.hostile``) too.
    """

    budget: int = DEFAULT_BUDGET
    apis: tuple[str, ...] = ()
    phases: tuple[str, ...] = SCHEMATHESIS_PHASES
    max_examples: int = 25
    seed: int = 0
    faults: tuple[str, ...] = ()
    validate_responses: bool = False
    log: Path = DEFAULT_LOG
    max_rounds: int = 100
    corpus: bool = True

    def __post_init__(self) -> None:
        unknown = sorted(set(self.phases) - set(SCHEMATHESIS_PHASES))
        if unknown:
            raise ValueError(
                f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(SCHEMATHESIS_PHASES)}"
            )
        if not self.phases:
            raise ValueError("at least one phase is needed")
        if self.budget < 1 or self.max_examples < 1 or self.max_rounds < 1:
            raise ValueError("budget, max_examples and max_rounds must be at least 1")
        for api in self.apis:
            get_vendor(api)


@dataclass(slots=True)
class FuzzResult:
    """What a fuzz run sent, how the server answered, and what its log holds."""

    options: FuzzOptions
    shares: dict[tuple[str, str], int]
    tally: Tally = field(default_factory=Tally)
    tracebacks: list[Traceback] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    server_exit: int | None = None
    seconds: float = 0.0
    corpus: CorpusResult | None = None

    @property
    def server_errors(self) -> list[ServerError]:
        return self.tally.errors

    @property
    def ok(self) -> bool:
        """No answer of 500 or more, no request left unanswered, no traceback, the server still up, and
        the corpus passed (every export valid JSON)."""
        corpus_ok = self.corpus is None or self.corpus.ok
        return not self.tally.server_errors and not self.tracebacks and self.server_exit is None and corpus_ok

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def documents(apis: tuple[str, ...]) -> list[tuple[str, Document]]:
    return [(api, document) for api in apis or vendor_names() for document in load_contract(api).documents]


def shares(budget: int, docs: list[tuple[str, Document]]) -> dict[tuple[str, str], int]:
    """Each document's part of ``budget``, by its number of operations (rounded up: the sum reaches it)."""
    sizes = {(api, doc.name): len(doc.operations()) for api, doc in docs}
    total = sum(sizes.values()) or 1
    return {key: max(1, math.ceil(budget * size / total)) for key, size in sizes.items()}


def _target(api: str, base_url: str) -> Target:
    vendor = get_vendor(api)
    credential = dict(vendor.credentials.defaults[0])
    return url_target(api, f"{base_url}{vendor.prefix}", credential=credential, allow_writes=True)


def _round_phases(options: FuzzOptions, round_: int) -> tuple[str, ...]:
    if round_ == 0:
        return options.phases
    return tuple(phase for phase in options.phases if phase in REPEATING)


def _note(event: Any, where: str) -> str | None:
    if isinstance(event, events.NonFatalError):
        return f"{where}: {event.label}: {str(event.value).strip().splitlines()[0][:200]}"
    if isinstance(event, events.FatalError):
        return f"{where}: fatal: {event.exception!r}"[:300]
    return None


def _count_probes(result: FuzzResult, api: str, document: str, event: Any) -> None:
    """Count the requests of Schemathesis' probing phase (sent before any test, outside the hooks)."""
    if not isinstance(event, events.PhaseFinished) or event.phase.name != PhaseName.PROBING:
        return
    payload = event.payload.ok() if isinstance(event.payload, Ok) else None
    for probe in getattr(payload, "probes", None) or ():
        # A probe the server refused at the HTTP level (a NUL byte in a header) answers nothing, by design.
        if probe.request is not None and probe.response is not None:
            status = str(probe.response.status_code)
            curl = partial(prepared_curl, probe.request)
            result.tally.count(api, document, "(probe)", "probing", status, curl)


def _fuzz_document(
    result: FuzzResult, target: Target, document: Document, say: Callable[[str], None]
) -> None:
    options = result.options
    share = result.shares[(target.api, document.name)]
    names = document.operation_ids()
    sent = result.tally.api(target.api).documents[document.name]
    for round_ in range(options.max_rounds):
        phases = _round_phases(options, round_)
        if not phases or sent >= share:
            return
        started = time.monotonic()
        before = sent
        run = RunOptions(phases=phases, max_examples=options.max_examples, seed=options.seed + round_)
        schema = load(target, document, run, settings=SETTINGS)
        stream = from_schema(schema).execute()

        def heard(count: int, stop: Callable[[], None] = stream.stop) -> None:
            nonlocal sent
            sent = count
            if count >= share:
                stop()

        register(schema, result.tally, target.api, document.name, names, heard)
        for event in stream:
            _count_probes(result, target.api, document.name, event)
            note = _note(event, f"{target.api} {document.name}")
            if note is not None and note not in result.notes:
                result.notes.append(note)
        say(
            f"  {target.api} {document.name} round {round_} ({', '.join(phases)}, seed {run.seed}): "
            f"{sent - before} requests, {sent}/{share} [{time.monotonic() - started:.1f} s]"
        )
        if sent == before:
            result.notes.append(f"{target.api} {document.name}: round {round_} sent nothing; stopped there")
            return
    if sent < share:
        result.notes.append(
            f"{target.api} {document.name}: {sent} of its {share} requests after {options.max_rounds} rounds"
        )


def fuzz(options: FuzzOptions | None = None, say: Callable[[str], None] | None = None) -> FuzzResult:
    """Fuzz every document of every API (or ``options.apis``) through a ``serve`` child process.

    Args:
        options: budget, APIs, phases, seed, faults, log file.
        say: told a line per document and round as the run goes (the CLI prints them).

    Example:
        >>> result = fuzz(FuzzOptions(budget=2_000, apis=("apprentiscope",)))
        >>> result.ok, result.tally.requests, result.server_errors
    """
    options = options or FuzzOptions()
    say = say or (lambda line: None)
    docs = documents(options.apis)
    result = FuzzResult(options=options, shares=shares(options.budget, docs))
    started = time.monotonic()
    with ServedSandbox(options.log, options.apis, options.faults, options.validate_responses) as server:
        say(f"lms-sandbox serve on {server.url} (log: {options.log})")
        for api, document in docs:
            _fuzz_document(result, _target(api, server.url), document, say)
            if not server.alive():
                break
        if options.corpus and server.alive():
            say("  the hostile-input corpus, over the socket")
            result.corpus = run_corpus(
                options.apis or vendor_names(), socket_sender(HOST, server.port), over_socket=True
            )
        if server.process is not None and server.process.poll() is not None:
            result.server_exit = server.process.returncode
            result.notes.append(f"the server exited with {result.server_exit} during the run")
    result.seconds = time.monotonic() - started
    result.tracebacks = tracebacks(options.log.read_text(errors="replace"))
    return result
