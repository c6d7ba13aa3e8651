"""Reading what a spec promises: resolved schemas, documented error responses, x- extensions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator

from mockserver.index import Refs

Spec = Mapping[str, Any]


def resolve(spec: Spec, node: Any) -> Any:
    """``node`` with every local reference inlined (a recursive one is left as an open schema)."""
    return Refs(spec).inline(node)


def json_schema_of(spec: Spec, response: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON body schema of a (resolved) response object, if it documents one."""
    content = response.get("content") or {}
    for media_type, body in content.items():
        if "json" in media_type and isinstance(body, Mapping) and "schema" in body:
            return dict(resolve(spec, body["schema"]))
    return None


def error_schemas(spec: Spec) -> list[dict[str, Any]]:
    """Every distinct body schema the spec documents for a 4xx or 5xx response (the vendor's error bodies)."""
    found: list[dict[str, Any]] = []
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, Mapping):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if str(status)[:1] in ("4", "5"):
                    schema = json_schema_of(spec, resolve(spec, response))
                    if schema is not None and schema not in found:
                        found.append(schema)
    return found


def schema_errors(schema: Mapping[str, Any], instance: Any, *, openapi: str = "3.0") -> list[str]:
    """Why ``instance`` does not match ``schema``, read as an OpenAPI ``openapi`` (3.0 or 3.1) schema."""
    validator = (OAS31Validator if openapi.startswith("3.1") else OAS30Validator)(dict(schema))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
