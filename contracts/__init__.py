"""lms-sandbox contracts: verify any implementation of the vendor APIs against the specs.

Example:
    >>> from contracts import RunOptions, sandbox_target, url_target, verify
    >>> result = verify(sandbox_target("apprentiscope"), RunOptions(max_examples=10, seed=1))
    >>> result.ok, result.failed_operations()
    >>> target = url_target("apprentiscope", "https://staging.example.com/apprentiscope",
    ...                     headers={"Authorization": "my-token"})   # read operations only
"""

from __future__ import annotations

from .documents import Contract, Document, load_contract
from .errors import ContractError, TargetError
from .report import ConsoleReporter, junit_xml, summary, write_junit_xml
from .results import PHASES, ContractResult, Failure, OperationResult
from .runner import Reporter, RunOptions, load, verify, verify_api
from .targets import Target, parse_header, sandbox_target, url_target
from .workflows import WORKFLOWS, Workflow, WorkflowViolation, bind, workflow_for, writes_allowed

__all__ = [
    "PHASES",
    "WORKFLOWS",
    "ConsoleReporter",
    "Contract",
    "ContractError",
    "ContractResult",
    "Document",
    "Failure",
    "OperationResult",
    "Reporter",
    "RunOptions",
    "Target",
    "TargetError",
    "Workflow",
    "WorkflowViolation",
    "bind",
    "junit_xml",
    "load",
    "load_contract",
    "parse_header",
    "sandbox_target",
    "summary",
    "url_target",
    "verify",
    "verify_api",
    "workflow_for",
    "write_junit_xml",
    "writes_allowed",
]
