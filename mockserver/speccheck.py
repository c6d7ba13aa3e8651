"""A compiled fast path for Connexion's check of an OpenAPI document: valid, or Connexion decides.

Connexion checks each document it is given against the OpenAPI schema with jsonschema, in Python, and
then each ``default`` against the schema it sits in: half a second for the five APIs' documents, the
largest part of a first start. ``surely_valid`` answers the common case, a valid document, in a few
milliseconds: ``jsonschema-rs`` checks the document against the same OpenAPI schema, and jsonschema
checks every ``default`` of the document, as Connexion does, against the schema holding it.

It is never looser than Connexion: it checks at least every default Connexion does (each mapping with a
``default`` key, wherever it is), and anything it cannot decide for sure (a reference it does not
follow, a mapping that is no schema) counts as doubt. A document in doubt or found invalid goes to
Connexion's own check, which accepts it or raises its own error, worded as before.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from .index import holds_ref
from .validation import rust_schema

__all__ = ["surely_valid"]


@functools.cache
def _compiled(spec_class: type) -> Any:
    """The OpenAPI schema of a Connexion specification class, compiled (once per process)."""
    return jsonschema_rs.Draft4Validator(spec_class.openapi_schema, validate_formats=False)  # type: ignore[attr-defined]


def _mappings(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in ``node``, itself included."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _default_is_valid(holder: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether ``holder['default']`` satisfies ``holder`` as Connexion's check reads it: Draft 4,
    ``nullable`` admitting ``null`` where ``type`` would not (spelled here as a type list), formats
    unchecked, references resolved from a root holding the document's component schemas only (one
    elsewhere cannot be resolved: doubt)."""
    schema = rust_schema(holder, nullable_enum=False)
    Draft4Validator.check_schema(schema)
    if not holds_ref(holder):
        return bool(Draft4Validator(schema).is_valid(holder["default"]))
    rewritten = {name: rust_schema(sub, nullable_enum=False) for name, sub in schemas.items()}
    root = Draft4Validator({"components": {"schemas": rewritten}})
    return bool(root.evolve(schema=schema).is_valid(holder["default"]))


def surely_valid(spec_class: type, document: dict[str, Any]) -> bool:
    """True when ``document`` is one the check of ``spec_class`` (Connexion's ``Specification`` for the
    document's version, whose ``openapi_schema`` it reads) accepts; False when in doubt."""
    try:
        if not _compiled(spec_class).is_valid(document):
            return False
        components = document.get("components") or {}
        schemas = components.get("schemas") or {} if isinstance(components, dict) else {}
        holders = (item for item in _mappings(document) if "default" in item)
        return all(_default_is_valid(holder, schemas) for holder in holders)
    except Exception:  # any doubt (a schema that is no schema, a cycle): Connexion decides
        return False
