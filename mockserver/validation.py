"""Connexion's validators, each schema compiled once per app instead of once per request.

Connexion builds a new jsonschema validator for every parameter, request body and response it checks;
building one (its reference resolver above all) costs more than the validation itself. The classes
made by ``validator_map`` are Connexion's own, with the same schemas, the same jsonschema validator
classes and so the same error messages: they only keep each compiled validator for the app's life.
They go through Connexion's extension point, the ``validator_map`` of the app; the classes themselves
live in ``mockserver._connexion`` (they reach into Connexion's validators), this module holds what
they compile.

A schema is keyed by its identity: Connexion hands the validators the very dicts of the loaded
document, which live as long as the app. The cache holds each schema beside its validator, so an
identity can never be reused for another schema while it is cached.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator, ValidationError  # type: ignore[import-untyped]

from .excerpt import excerpt, shorten
from .index import holds_ref

__all__ = ["Checked", "Compiled", "Excerpting", "rust_schema"]

# A compiled jsonschema validator (jsonschema ships no type stubs here).
Validator = Any


class Compiled:
    """One app's compiled validators: (kind, schema identity) -> (schema, validator)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[Any, Validator]] = {}

    def get(self, kind: str, schema: Any, build: Callable[[], Validator]) -> Validator:
        key = (kind, id(schema))
        hit = self._cache.get(key)
        if hit is None or hit[0] is not schema:
            hit = (schema, build())
            self._cache[key] = hit
        return hit[1]

    def __len__(self) -> int:
        return len(self._cache)


class Excerpting:
    """A jsonschema validator whose errors quote an excerpt of a long value, not the value.

    jsonschema words a message with the value's ``repr`` (``'xxx…' is too long``): Connexion then
    logs it and answers it, 5 MiB for a 5 MiB name. Cut here, the message and the path of field
    names after it are short wherever they go; a normal value's message is unchanged.
    """

    def __init__(self, inner: Validator) -> None:
        self.inner = inner

    def validate(self, instance: Any) -> None:
        try:
            self.inner.validate(instance)
        except ValidationError as error:
            error.message = shorten(error.message)
            path = error.relative_path
            for i, part in enumerate(path):
                if isinstance(part, str):
                    path[i] = excerpt(part)
            raise

    def is_valid(self, instance: Any) -> bool:
        return bool(self.inner.is_valid(instance))

    def iter_errors(self, instance: Any) -> Any:
        return self.inner.iter_errors(instance)


class Checked:
    """A jsonschema validator behind a compiled fast path: Rust says valid, or jsonschema decides.

    ``jsonschema-rs`` checks the same document, rewritten for Connexion's OpenAPI keywords (see
    ``rust_schema``): a value it accepts, the Python validator would accept too. Anything it refuses
    goes to the Python validator, so every error a client reads is worded exactly as before, and a
    value only the stricter side refuses (a format, say) is still accepted.
    """

    def __init__(self, schema: Any, slow: Validator, *, write_only: bool = False) -> None:
        self.slow = slow
        try:
            fast = jsonschema_rs.Draft4Validator(
                rust_schema(_inlined(schema), write_only=write_only), validate_formats=True
            )
        except (ValueError, RecursionError):
            # A schema the Rust side cannot compile (one that refers to itself, say): Python alone.
            fast = None
        self.fast = fast

    def _fast_ok(self, instance: Any) -> bool:
        return self.fast is not None and bool(self.fast.is_valid(instance))

    def validate(self, instance: Any) -> None:
        if not self._fast_ok(instance):
            self.slow.validate(instance)

    def is_valid(self, instance: Any) -> bool:
        return self._fast_ok(instance) or bool(self.slow.is_valid(instance))

    def iter_errors(self, instance: Any) -> Any:
        if self._fast_ok(instance):
            return iter(())
        return self.slow.iter_errors(instance)


def _inlined(schema: Any) -> Any:
    """``schema`` without the ``components`` Connexion attaches, unless a reference still needs them.

    Connexion inlines references when it loads a document, then hangs the document's components on
    each schema it validates with; those components can contain the schema itself (a cycle).
    """
    if isinstance(schema, dict) and "components" in schema and not holds_ref(schema, _COMPONENTS):
        return {key: value for key, value in schema.items() if key != "components"}
    return schema


_COMPONENTS = frozenset({"components"})


# Keywords whose value is a map of name -> schema, a schema, a list of schemas; the rest is data.
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "schemas")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "additionalItems")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items")


def rust_schema(schema: Any, *, write_only: bool = False, nullable_enum: bool = True) -> Any:
    """``schema`` with Connexion's extensions of Draft 4 spelled in Draft 4.

    Connexion lets ``nullable`` (or ``x-nullable``) admit ``null`` where ``type`` or ``enum`` would
    refuse it (``type`` only in its check of a document's defaults: ``nullable_enum=False``), and, in
    responses, fails any subschema that says ``writeOnly``/``x-writeOnly``.
    """
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    flags = {"write_only": write_only, "nullable_enum": nullable_enum}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: rust_schema(sub, **flags) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [rust_schema(sub, **flags) for sub in value]
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = rust_schema(value, **flags)
    if schema.get("nullable") or schema.get("x-nullable") is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if nullable_enum and isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if write_only and ("writeOnly" in schema or "x-writeOnly" in schema):
        out["not"] = {}
    return out


def _parameter_validator(param: dict[str, Any]) -> Checked:
    """Connexion's check of a parameter's value (Draft 4, formats checked), with the fast path."""
    schema = copy.deepcopy(param.get("schema", param))
    return Checked(schema, Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER))
