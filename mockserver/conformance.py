"""The conformance check of an API's state: every stored record must be one the API could serve.

A vendor names, per collection, the component schema of its OpenAPI documents that the collection's
records must satisfy (``Vendor.record_schemas``). From those this module builds one self-contained
JSON schema per API (served at ``/__sandbox__/state/{api}/schema``) and checks exports, imports,
snapshots, the state file and seeded scenarios against it before anything changes.

Stored records may carry internal fields the served shape lacks (a password, a parsed date), so the
check is relaxed: every object admits additional properties; required fields, types, enums and
nullability are checked as the document declares them. Every value must also be one the sandbox can
serve back (``servable``): finite numbers, text XML 1.0 can carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from .errors import SnapshotError
from .index import Refs, reference
from .servable import unservable
from .specs import load_spec
from .vendors import get_vendor

# Where the documents' components go inside the built schema: "#/x-documents/<file>/components/...".
_DOCUMENTS = "x-documents"
# OpenAPI keywords that describe rather than constrain.
_NOT_CHECKED = frozenset({"example", "examples", "discriminator", "xml", "externalDocs"})


class NonConformingState(SnapshotError):
    """State holding a record the API could not serve; names the record and the field."""

    def __init__(self, api: str, message: str) -> None:
        super().__init__(f"{api}: {message}")
        self.api = api


def _parts(ref: str, main: str) -> tuple[str, str]:
    """The file (``main`` when the reference is local) and the pointer of a reference."""
    file, _, pointer = ref.partition("#")
    return file or main, pointer


def _split(ref: str, main: str) -> tuple[str, str]:
    if "#" not in ref or not ref.partition("#")[2].startswith("/components/schemas/"):
        raise ValueError(f"a record schema is '[file]#/components/schemas/Name', got {ref!r}")
    return _parts(ref, main)


def _inside(file: str, pointer: str) -> str:
    """Where ``file``'s ``pointer`` is inside the built schema."""
    return f"#/{_DOCUMENTS}/{file.replace('.', '_')}{pointer}"


_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}


def _relaxed(node: Any, file: str, text_numbers: frozenset[str] = frozenset()) -> Any:
    """An OpenAPI 3.0 schema as a draft-4 one: nullable spelled out, extra properties allowed.

    A property named in ``text_numbers`` that is served as an integer may be stored as its digits.
    """
    if isinstance(node, list):
        return [_relaxed(item, file, text_numbers) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if (key == "additionalProperties" and value is False) or key in _NOT_CHECKED:
            continue
        out[key] = _relaxed(value, file, text_numbers)
    ref = Refs.target(node)
    if ref is not None:
        out.update(reference(_inside(*_parts(ref, file))))
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    properties = node.get("properties")
    if isinstance(properties, dict) and text_numbers:
        out["properties"] = {
            name: {"anyOf": [schema, _DIGITS]}
            if name in text_numbers and isinstance(schema, dict) and schema.get("type") == "integer"
            else schema
            for name, schema in out["properties"].items()
        }
    if isinstance(properties, dict) and isinstance(node.get("required"), list):
        # A write-only field is never served, so a stored record need not hold it.
        out["required"] = [
            name
            for name in node["required"]
            if not (isinstance(properties.get(name), dict) and properties[name].get("writeOnly"))
        ]
    return out


@cache
def state_schema(api: str) -> dict[str, Any]:
    """The JSON schema the export of ``api`` validates against (one per process; do not mutate)."""
    vendor = get_vendor(api)
    main = vendor.specs[0].file
    documents: dict[str, Any] = {}
    for mount in vendor.specs:
        components = load_spec(mount.file).get("components") or {}
        documents[mount.file.replace(".", "_")] = {
            "components": {
                "schemas": _relaxed(
                    components.get("schemas") or {}, mount.file, frozenset(vendor.stored_as_digits)
                )
            }
        }
    collections: dict[str, Any] = {}
    for collection, ref in vendor.record_schemas.items():
        file, pointer = _split(ref, main)
        collections[collection] = {
            "type": "object",
            "additionalProperties": reference(_inside(file, pointer)),
        }
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": f"{vendor.title} state",
        "description": "An export of the API (GET /__sandbox__/state/{api}): each collection named here "
        "holds records of id -> a record the API could serve (extra internal fields allowed).",
        "type": "object",
        "required": ["collections"],
        "properties": {
            "collections": {
                "type": "object",
                "additionalProperties": {"type": "object", "additionalProperties": {"type": "object"}},
                "properties": collections,
            }
        },
        _DOCUMENTS: documents,
    }


@cache
def _validators(api: str) -> tuple[Any, Any]:
    """A compiled Rust validator for the common case (valid), and jsonschema's for the message."""
    schema = state_schema(api)
    Draft4Validator.check_schema(schema)
    return jsonschema_rs.Draft4Validator(schema), Draft4Validator(schema)


def _field(path: list[Any]) -> str:
    return ".".join(str(part) for part in path) or "(the record itself)"


def _check_servable(api: str, state: Mapping[str, Any]) -> None:
    """Refuse state holding NaN, ±Infinity or text XML 1.0 cannot carry: the export would not be valid
    JSON, SkyPrep's XML not well-formed (the door refuses such values in requests; ``servable``)."""
    found = unservable(state)
    if found is None:
        return
    collections = state.get("collections")
    for collection, records in collections.items() if isinstance(collections, Mapping) else ():
        for rid, record in records.items() if isinstance(records, Mapping) else ():
            inside = unservable(record)
            if inside is not None:
                raise NonConformingState(
                    api, f"record {collection}/{rid} cannot be served: field {inside[0]}: {inside[1]}"
                )
    raise NonConformingState(api, f"state at {found[0]} cannot be served: {found[1]}")


def check_state(api: str, state: Mapping[str, Any]) -> None:
    """Raise ``NonConformingState`` naming the first bad record (collection/id) and field of ``state``."""
    _check_servable(api, state)
    fast, slow = _validators(api)
    if fast.is_valid(state):
        return
    errors = sorted(slow.iter_errors(state), key=lambda e: [str(p) for p in e.absolute_path])
    error = errors[0] if errors else None
    if error is None:
        return
    where = list(error.absolute_path)
    if len(where) >= 3 and where[0] == "collections":
        collection, rid, field = where[1], where[2], where[3:]
        if error.validator == "required":
            missing = next((n for n in error.validator_value if n not in error.instance), None)
            field = [*field, missing] if missing else field
        raise NonConformingState(
            api, f"record {collection}/{rid} cannot be served: field {_field(field)}: {error.message}"
        )
    raise NonConformingState(api, f"state at {_field(where)}: {error.message}")
