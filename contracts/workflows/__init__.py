"""Workflow models: one Hypothesis state machine per vendor, named by the vendor's descriptor.

Covering a new vendor's documented behaviour means writing ``workflows/<vendor>.py`` (a ``Workflow``
subclass) and naming it in the vendor's descriptor (``workflow=``); the Schemathesis phases need
nothing per vendor. Models are imported when first asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mockserver.vendors import REGISTRY, get_vendor, load

from .base import Workflow, WorkflowViolation, bind, writes_allowed


def workflow_for(api: str) -> type[Workflow] | None:
    """The workflow model of ``api``, or ``None`` when the vendor has none yet (or is not registered)."""
    ref = get_vendor(api).workflow if api in REGISTRY else None
    if ref is None:
        return None
    model = load(ref)
    if not (isinstance(model, type) and issubclass(model, Workflow)):
        raise TypeError(f"{api}'s workflow {ref!r} is not a contracts.workflows.Workflow subclass")
    return model


class _Workflows(Mapping[str, type[Workflow]]):
    """API name -> workflow model, for every registered vendor that names one (read from the registry)."""

    def __getitem__(self, api: str) -> type[Workflow]:
        model = workflow_for(api)
        if model is None:
            raise KeyError(api)
        return model

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, vendor in REGISTRY.items() if vendor.workflow is not None])

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
