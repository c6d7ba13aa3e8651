"""A vendor's contract documents: each OpenAPI spec it serves, with the base path it answers under.

Read from the vendor registry and the bundled specs only (``mockserver.vendors`` and ``mockserver.specs``
are import-light), so a run against a URL imports neither Connexion nor Faker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.index import ApiIndex
from mockserver.specs import load_spec
from mockserver.vendors import get_vendor

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Document:
    """One OpenAPI document of an API; its operations answer under ``{vendor root}{base_path}``."""

    name: str
    base_path: str
    spec: Mapping[str, Any] = field(repr=False)
    # What the document holds, walked once (paths relative to the document).
    index: ApiIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", ApiIndex({"": self.spec}))

    def operations(self) -> list[tuple[str, str, Mapping[str, Any]]]:
        """``(METHOD, path, operation)`` for every operation, in document order."""
        return [(op.method, op.template, op.definition) for op in self.index.every()]

    def operation_ids(self) -> dict[str, str]:
        """Schemathesis' label of each operation (``METHOD /path``) -> its operationId."""
        return {
            f"{method} {path}": str(op.get("operationId", f"{method} {path}"))
            for method, path, op in self.operations()
        }


@dataclass(frozen=True, slots=True)
class Contract:
    """What an implementation of one API must honour: its documents (and, by name, its workflow model)."""

    api: str
    documents: tuple[Document, ...]

    def operation_label(self, document: Document, method: str, path: str) -> str:
        return f"{method} {document.base_path}{path}"


def load_contract(api: str) -> Contract:
    """The contract of registered API ``api``, from the specs bundled with lms-sandbox.

    Raises ``mockserver.UnknownApi`` (a ``LookupError``) for a name not in the registry.
    """
    vendor = get_vendor(api)
    return Contract(
        api=api,
        documents=tuple(
            Document(name=mount.file, base_path=mount.base_path, spec=load_spec(mount.file))
            for mount in vendor.specs
        ),
    )
