"""Workflow models: one Hypothesis state machine per vendor, registered here by API name.

Covering a new vendor's documented behaviour means writing ``workflows/<vendor>.py`` (a ``Workflow``
subclass) and adding one line to ``_MODELS``; the Schemathesis phases need nothing per vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .apprentiscope import ApprentiScopeWorkflow
from .base import Workflow, WorkflowViolation, bind, writes_allowed
from .dfe import DfeWorkflow

_MODELS: tuple[type[Workflow], ...] = (ApprentiScopeWorkflow, DfeWorkflow)

WORKFLOWS: Mapping[str, type[Workflow]] = MappingProxyType({model.api: model for model in _MODELS})


def workflow_for(api: str) -> type[Workflow] | None:
    """The workflow model of ``api``, or ``None`` when the vendor has none yet."""
    return WORKFLOWS.get(api)


__all__ = [
    "WORKFLOWS",
    "ApprentiScopeWorkflow",
    "Workflow",
    "WorkflowViolation",
    "bind",
    "workflow_for",
    "writes_allowed",
]
