"""A catalogue of deliberately broken sandboxes, one fault each, to prove the contracts have teeth.

Each ``Fault`` wraps an intact sandbox in an ASGI middleware that breaks one operation; the
product code is never touched. Each vendor's faults are a module of this package (``FAULTS`` in it):
the API, the operationId the contract run must name, the cheapest phases that can catch it, and the
wrapper. ``blocks`` holds what they are built from.
"""

from __future__ import annotations

import importlib
import pkgutil

from .blocks import Fault, Rewrite, lie_about_totals, on_success, rewrite

__all__ = ["FAULTS", "Fault", "Rewrite", "lie_about_totals", "on_success", "rewrite"]


def _catalogue() -> tuple[Fault, ...]:
    found: list[Fault] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name != "blocks":
            found.extend(importlib.import_module(f"{__name__}.{module.name}").FAULTS)
    return tuple(found)


FAULTS: tuple[Fault, ...] = _catalogue()
