"""Which handler serves which operationId, declared once, on the handler method.

A vendor's handler class marks each method with ``@operation("createUser")`` (more ids when the
vendor documents the same call at a second path or method); ``operations_of`` collects the
operationId -> bound method table that ``build_connexion_app`` checks against the spec at start-up.
A reader greps the operationId and lands on its handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import UnhandledOperation

__all__ = ["operation", "operations_of"]

_F = TypeVar("_F", bound=Callable[..., Any])
_IDS = "__operation_ids__"


def operation(*operation_ids: str) -> Callable[[_F], _F]:
    """Marks a handler method as serving ``operation_ids``."""
    if not operation_ids:
        raise TypeError("operation() needs the operationId the handler serves")

    def mark(handler: _F) -> _F:
        setattr(handler, _IDS, (*getattr(handler, _IDS, ()), *operation_ids))
        return handler

    return mark


def operations_of(*handlers: object) -> dict[str, Callable[..., Any]]:
    """The operationId -> bound method table of every method of ``handlers`` marked with ``operation``."""
    table: dict[str, Callable[..., Any]] = {}
    for handler in handlers:
        seen: set[str] = set()
        for klass in type(handler).__mro__:
            for name, member in vars(klass).items():
                if name in seen:
                    continue
                seen.add(name)
                for operation_id in getattr(member, _IDS, ()):
                    if operation_id in table:
                        raise UnhandledOperation(
                            f"operationId {operation_id!r} has two handlers: "
                            f"{table[operation_id].__qualname__} and {member.__qualname__}"
                        )
                    table[operation_id] = getattr(handler, name)
    return table
