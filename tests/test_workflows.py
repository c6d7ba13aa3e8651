"""Every registered vendor's workflow model, run under pytest against an in-process sandbox.

The same models are what ``lms-sandbox contract API`` runs against any target; here each runs with the
settings profile's example count, and its sandbox validates its own responses. A vendor is covered by
naming its model in its descriptor: the test case is made here from the registry.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings

from contracts import Target, bind, sandbox_target, workflow_for
from mockserver.vendors import vendor_names


def _case(api: str) -> Any:
    model = workflow_for(api)
    assert model is not None
    target: Target = sandbox_target(api, validate_responses=True)

    class AgainstTheSandbox(bind(model, target)):  # type: ignore[misc]
        def teardown(self) -> None:
            super().teardown()
            assert target.sandbox is not None
            assert target.sandbox.errors == []

    case = AgainstTheSandbox.TestCase
    case.settings = settings(settings(), stateful_step_count=15)
    return case


for _api in vendor_names():
    if workflow_for(_api) is not None:
        globals()[f"Test{_api.title().replace('_', '')}Workflow"] = _case(_api)
