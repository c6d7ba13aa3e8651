"""The contracts have teeth: each broken sandbox fails its contract, naming the broken operation."""

from __future__ import annotations

import pytest

from contracts import RunOptions, sandbox_target, verify
from mockserver.vendors import REGISTRY

from .contract_budget import many, some
from .contract_faults import FAULTS, Fault

IN_REGISTRY = [fault for fault in FAULTS if fault.api in REGISTRY]


def _options(phases: tuple[str, ...]) -> RunOptions:
    # The workflow needs examples to reach create -> update/delete sequences; Schemathesis phases, fewer.
    examples = many() if "workflow" in phases else some()
    return RunOptions(phases=phases, max_examples=examples, seed=0, shrink=False)


@pytest.mark.parametrize("fault", IN_REGISTRY, ids=lambda fault: f"{fault.api}-{fault}")
def test_a_broken_sandbox_fails_its_contract_naming_the_operation(fault: Fault) -> None:
    result = verify(sandbox_target(fault.api, wrap=fault.wrap), _options(fault.phases))
    assert not result.ok
    assert result.exit_code == 1
    assert result.failed_operations() == {fault.operation}, [f.describe() for f in result.failures]
    assert any(fault.expect in f.describe() for f in result.failures)


# Each API with the phases its own faults are caught by (not every API with every phase).
@pytest.mark.parametrize(
    ("api", "phases"),
    sorted({(fault.api, fault.phases) for fault in IN_REGISTRY}),
    ids=lambda value: value if isinstance(value, str) else "+".join(value),
)
def test_the_intact_sandbox_passes_the_phases_each_fault_is_caught_by(
    api: str, phases: tuple[str, ...]
) -> None:
    result = verify(sandbox_target(api), _options(phases))
    assert result.ok, [f.describe() for f in result.failures]


def test_every_fault_names_an_operation_of_its_api() -> None:
    from contracts import load_contract

    for fault in IN_REGISTRY:
        ids = {op["operationId"] for d in load_contract(fault.api).documents for _, _, op in d.operations()}
        assert fault.operation in ids, fault.name
