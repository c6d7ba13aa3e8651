"""The contracts have teeth: each broken sandbox fails its contract, naming the broken operation.

A verdict must not depend on the draw: the catalogue runs on three seeds, each fault on one of them in
turn (its place in the catalogue decides which), and the intact sandbox passes each API's fault phases
on all three.
"""

from __future__ import annotations

import dataclasses

import pytest

from contracts import RunOptions, sandbox_target, verify
from mockserver.vendors import REGISTRY

from .contract_budget import few, many, some
from .contract_faults import FAULTS, Fault

IN_REGISTRY = [fault for fault in FAULTS if fault.api in REGISTRY]


SEEDS = (0, 1, 2)
# Each fault with the seed it runs on: the catalogue's order spreads the faults over the seeds.
SEEDED = [(fault, SEEDS[index % len(SEEDS)]) for index, fault in enumerate(IN_REGISTRY)]


def _options(phases: tuple[str, ...], seed: int) -> RunOptions:
    # The workflow needs examples to reach create -> update/delete sequences; Schemathesis phases, fewer.
    examples = many() if "workflow" in phases else some()
    return RunOptions(phases=phases, max_examples=examples, seed=seed, shrink=False)


@pytest.mark.parametrize(
    ("fault", "seed"), SEEDED, ids=[f"{fault.api}-{fault}-seed{seed}" for fault, seed in SEEDED]
)
def test_a_broken_sandbox_fails_its_contract_naming_the_operation(fault: Fault, seed: int) -> None:
    result = verify(sandbox_target(fault.api, seed=seed, wrap=fault.wrap), _options(fault.phases, seed))
    assert not result.ok
    assert result.exit_code == 1
    assert result.failed_operations() == {fault.operation}, [f.describe() for f in result.failures]
    assert any(fault.expect in f.describe() for f in result.failures)


# Each API with the phases its own faults are caught by (not every API with every phase).
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("api", "phases"),
    sorted({(fault.api, fault.phases) for fault in IN_REGISTRY}),
    ids=lambda value: value if isinstance(value, str) else "+".join(value),
)
def test_the_intact_sandbox_passes_the_phases_each_fault_is_caught_by(
    api: str, phases: tuple[str, ...], seed: int
) -> None:
    options = _options(phases, seed)
    if seed != SEEDS[0]:
        # The other seeds' intact runs only look for false alarms a draw could raise: fewer examples.
        options = dataclasses.replace(options, max_examples=few())
    result = verify(sandbox_target(api, seed=seed), options)
    assert result.ok, [f.describe() for f in result.failures]


def test_every_fault_names_an_operation_of_its_api() -> None:
    from contracts import load_contract

    for fault in IN_REGISTRY:
        ids = {op["operationId"] for d in load_contract(fault.api).documents for _, _, op in d.operations()}
        assert fault.operation in ids, fault.name
