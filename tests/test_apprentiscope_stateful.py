"""ApprentiScope's workflow model (contracts.workflows.apprentiscope) against the in-process sandbox.

The same model is what ``lms-sandbox contract apprentiscope`` runs against any target; here it runs
under pytest with the settings profile's example count, and the sandbox validates its own responses.
"""

from __future__ import annotations

from hypothesis import settings

from contracts import bind, sandbox_target
from contracts.workflows.apprentiscope import ApprentiScopeWorkflow

TARGET = sandbox_target("apprentiscope", validate_responses=True)


class ApprentiScopeAgainstTheSandbox(bind(ApprentiScopeWorkflow, TARGET)):  # type: ignore[misc]
    def teardown(self) -> None:
        super().teardown()
        assert TARGET.sandbox is not None
        assert TARGET.sandbox.errors == []


TestApprentiScopeWorkflow = ApprentiScopeAgainstTheSandbox.TestCase
TestApprentiScopeWorkflow.settings = settings(settings(), stateful_step_count=15)
