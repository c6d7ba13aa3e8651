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
    # What Schemathesis reads: the document without its seed samples (``x-seed-example``). Their values are
    # the vendor doc's ("string", ids the scenario does not hold), and Schemathesis would send a response
    # example's values as parameter examples.
    requests: Mapping[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", ApiIndex({"": self.spec}))
        object.__setattr__(self, "requests", without_seed_samples(self.spec))

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


def _is_seed_sample(example: Any) -> bool:
    return isinstance(example, Mapping) and example.get("x-seed-example") is True


def without_seed_samples(node: Any) -> Any:
    """``node`` without its ``x-seed-example`` examples; the parts that hold none are shared, not copied."""
    if isinstance(node, list):
        items = [without_seed_samples(item) for item in node]
        return items if any(new is not old for new, old in zip(items, node, strict=True)) else node
    if not isinstance(node, Mapping):
        return node
    kept: dict[str, Any] = {}
    changed = False
    for key, value in node.items():
        if key == "examples" and isinstance(value, Mapping) and any(map(_is_seed_sample, value.values())):
            changed = True
            rest = {name: example for name, example in value.items() if not _is_seed_sample(example)}
            if rest:
                kept[key] = rest
            continue
        kept[key] = without_seed_samples(value)
        changed = changed or kept[key] is not value
    return kept if changed else node
