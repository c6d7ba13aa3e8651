"""Reading what a spec promises: resolved schemas, documented error responses, x- extensions."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator

from mockserver.index import Refs

Spec = Mapping[str, Any]


def resolve(spec: Spec, node: Any) -> Any:
    """``node`` with every local reference inlined (a recursive one is left as an open schema)."""
    return Refs(spec).inline(node)


def json_schema_of(spec: Spec, response: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON body schema of a (resolved) response object, if it documents one."""
    return _body_schema(Refs(spec), response)


def error_schemas(spec: Spec) -> list[dict[str, Any]]:
    """Every distinct body schema the spec documents for a 4xx or 5xx response (the vendor's error bodies).

    Worked out once per document: a contract run asks for them on every undocumented error it meets
    (thousands of times in a coverage phase), and inlining every error response of a large spec each time
    was more than half of a run's time.
    """
    return [dict(schema) for schema in _error_schemas(_Same(spec))]


class _Same:
    """A spec as a cache key: the same document, not an equal one (hashing a whole spec costs a walk).

    Schemathesis gets a shallow copy of each document (``dict(document.requests)``), so the key is the
    identity of its ``paths`` object, which every copy shares. The cache holds the key, and with it the
    ``paths`` object, so the identity cannot be reused by another document while the entry lives.
    """

    __slots__ = ("paths", "spec")

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.paths = spec.get("paths", {})

    def __hash__(self) -> int:
        return id(self.paths)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.paths is self.paths


@lru_cache(maxsize=64)
def _error_schemas(key: _Same) -> tuple[dict[str, Any], ...]:
    spec = key.spec
    refs = Refs(spec)
    found: list[dict[str, Any]] = []
    for item in key.paths.values():
        for operation in item.values():
            if not isinstance(operation, Mapping):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if str(status)[:1] in ("4", "5"):
                    schema = _body_schema(refs, refs.inline(response))
                    if schema is not None and schema not in found:
                        found.append(schema)
    return tuple(found)


def _body_schema(refs: Refs, response: Mapping[str, Any]) -> dict[str, Any] | None:
    content = response.get("content") or {}
    for media_type, body in content.items():
        if "json" in media_type and isinstance(body, Mapping) and "schema" in body:
            return dict(refs.inline(body["schema"]))
    return None


def schema_errors(schema: Mapping[str, Any], instance: Any, *, openapi: str = "3.0") -> list[str]:
    """Why ``instance`` does not match ``schema``, read as an OpenAPI ``openapi`` (3.0 or 3.1) schema."""
    validator = (OAS31Validator if openapi.startswith("3.1") else OAS30Validator)(dict(schema))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
