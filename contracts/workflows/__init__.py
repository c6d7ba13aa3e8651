"""Workflow models: one Hypothesis state machine per vendor, named by the vendor's descriptor.

Covering a new vendor's documented behaviour means writing ``workflows/<vendor>.py`` (a ``Workflow``
subclass) and naming it in the vendor's descriptor (``workflow=``); the Schemathesis phases need
nothing per vendor. Models are imported when first asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mockserver.vendors import Vendor

from ._named import named_class, naming
from .base import Workflow, WorkflowViolation, bind, writes_allowed


def workflow_for(api: str) -> type[Workflow] | None:
    """The workflow model of ``api``, or ``None`` when the vendor has none yet (or is not registered)."""
    return named_class(api, _workflow, Workflow, "workflow", "contracts.workflows.Workflow subclass")


def _workflow(vendor: Vendor) -> str | None:
    return vendor.workflow


class _Workflows(Mapping[str, type[Workflow]]):
    """API name -> workflow model, for every registered vendor that names one (read from the registry)."""

    def __getitem__(self, api: str) -> type[Workflow]:
        model = workflow_for(api)
        if model is None:
            raise KeyError(api)
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(naming(_workflow))

    def __len__(self) -> int:
        return sum(1 for _ in self)


WORKFLOWS: Mapping[str, type[Workflow]] = _Workflows()

__all__ = [
    "WORKFLOWS",
    "Workflow",
    "WorkflowViolation",
    "bind",
    "workflow_for",
    "writes_allowed",
]
