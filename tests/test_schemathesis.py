"""Schemathesis, through its pytest integration, against every document of every vendor in the registry.

For each document: every operation with positive and negative data (examples and fuzzing; the coverage
phase runs in ``test_contracts_api``'s whole contracts) and all default checks plus the
contracts' own (vendor error envelope, auth refusal, pagination), against an in-process sandbox that
validates its own responses; then the stateful phase that follows the document's OpenAPI links. A new
vendor is covered here by its registry line alone. Credentials and required headers come from the
vendor's descriptor through ``contracts.load`` (a key in a header, a field in the query or body, a
login token or a signed token), as ``lms-sandbox contract`` sends them.

Test functions are made per document at import (Schemathesis' ``parametrize`` needs a schema then);
each vendor gets its own sandbox, and each test checks that the sandbox raised nothing while it ran,
so no test depends on another having run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import settings

from contracts import RunOptions, Target, load, load_contract, sandbox_target
from mockserver.vendors import vendor_names

from .contract_budget import some

TARGETS: dict[str, Target] = {}
# Examples, fuzzing and the links. The coverage phase (every boundary and negative value of every
# parameter: most of the requests) runs in each API's whole contract (``test_contracts_api``), which
# is the same Schemathesis engine over the same documents; running it here too doubled its cost.
OPTIONS = RunOptions(max_examples=some(), phases=("examples", "fuzzing", "stateful"))
# The stateful test checks the document's own links hold: positive data only (the other phases send the
# negative), and no links Schemathesis infers itself. An inferred link to a deprecated SkyPrep GET twin
# filled one required query parameter and left out the other, a request the sandbox rightly refused but
# Schemathesis held to be valid; and a negative step's extra, nameless query parameter (`&=true`), which
# the sandbox ignores as the vendor does, read as accepted negative data. Both failed seldom, at random.
STATEFUL = {"phases": {"stateful": {"generation": {"mode": "positive"}, "inference": {"algorithms": []}}}}


def _target(api: str) -> Target:
    if api not in TARGETS:
        TARGETS[api] = sandbox_target(api, validate_responses=True)
    return TARGETS[api]


@contextmanager
def _raising_nothing(target: Target) -> Iterator[None]:
    """Fails unless the sandbox raised nothing while answering this test's requests (each was a 500)."""
    sandbox = target.sandbox
    assert sandbox is not None
    sandbox.errors.clear()
    try:
        yield
    finally:
        errors = list(sandbox.errors)
        sandbox.errors.clear()
    assert errors == []


def _conformance(schema: Any, target: Target) -> Callable[..., None]:
    @schema.parametrize()
    def test(case: Any) -> None:
        with _raising_nothing(target):
            case.call_and_validate()

    return test  # type: ignore[no-any-return]


def _stateful(schema: Any, target: Target) -> Callable[[], None]:
    class Linked(schema.as_state_machine()):  # type: ignore[misc]
        """Schemathesis' link-following state machine, each scenario starting from seeded data."""

        def setup(self) -> None:
            target.reset(0)

    def test() -> None:
        Linked.run(settings=settings(max_examples=some(), stateful_step_count=8, deadline=None))

    return test


def _documents() -> list[tuple[str, str, Any]]:
    found = []
    for api in vendor_names():
        for document in load_contract(api).documents:
            found.append((api, document.name.removesuffix(".yaml").replace("-", "_"), document))
    return found


for _api, _name, _document in _documents():
    _schema = load(_target(_api), _document, OPTIONS)
    globals()[f"test_{_name}_conforms_to_its_spec"] = _conformance(_schema, _target(_api))
    if any("links" in str(op.get("responses", "")) for _, _, op in _document.operations()):
        _linked = load(_target(_api), _document, OPTIONS, settings=STATEFUL)
        globals()[f"test_{_name}_stateful_links_hold"] = _stateful(_linked, _target(_api))
