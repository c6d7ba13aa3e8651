"""The compiled fast path of Connexion's document check: it accepts the bundled documents, and never a
document Connexion's own check refuses."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.spec import OpenAPISpecification, create_spec_validator
from jsonschema import ValidationError  # type: ignore[import-untyped]

from mockserver.speccheck import surely_valid
from mockserver.specs import load_spec
from mockserver.vendors import REGISTRY

_BUNDLED = sorted({mount.file for vendor in REGISTRY.values() for mount in vendor.specs} | {"sandbox.yaml"})


def _connexion_accepts(document: dict[str, Any]) -> bool:
    """Connexion's own check, as its ``Specification._validate_spec`` runs it (without our wrapper)."""
    try:
        create_spec_validator(document)(OpenAPISpecification.openapi_schema).validate(document)
    except ValidationError:
        return False
    return True


def _document(schema: dict[str, Any], **components: Any) -> dict[str, Any]:
    parameter = {"name": "n", "in": "query", "schema": schema}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"parameters": [parameter], "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": components},
    }


@pytest.mark.parametrize("file", _BUNDLED)
def test_a_bundled_document_is_surely_valid_and_connexion_agrees(file: str) -> None:
    document = load_spec(file)
    assert surely_valid(OpenAPISpecification, document)
    assert _connexion_accepts(document)


_REFUSED = {
    "a default of the wrong type": _document({"type": "integer", "default": "ten"}),
    "a nullable default outside its enum": _document(
        {"type": "string", "nullable": True, "enum": ["a"], "default": None}
    ),
    "a default against a referenced schema": _document(
        {
            "type": "object",
            "properties": {"size": {"$ref": "#/components/schemas/Small"}},
            "default": {"size": 50},
        },
        Small={"type": "integer", "maximum": 10},
    ),
    "a default missing its pattern": _document({"type": "string", "pattern": "^[0-9]+$", "default": "x1"}),
    "a response that is no mapping": {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": "not a mapping"}}},
    },
    "no info": {"openapi": "3.0.3", "paths": {}},
}


@pytest.mark.parametrize("document", _REFUSED.values(), ids=_REFUSED.keys())
def test_a_document_connexion_refuses_is_never_surely_valid(document: dict[str, Any]) -> None:
    assert not _connexion_accepts(document)
    assert not surely_valid(OpenAPISpecification, document)


_ACCEPTED = {
    "null for a nullable default": _document({"type": "string", "nullable": True, "default": None}),
    "a default within a referenced schema": _document(
        {
            "type": "object",
            "properties": {"size": {"$ref": "#/components/schemas/Small"}},
            "default": {"size": 5},
        },
        Small={"type": "integer", "maximum": 10},
    ),
}


@pytest.mark.parametrize("document", _ACCEPTED.values(), ids=_ACCEPTED.keys())
def test_a_document_connexion_accepts_takes_the_fast_path(document: dict[str, Any]) -> None:
    assert _connexion_accepts(document)
    assert surely_valid(OpenAPISpecification, document)


def test_what_the_fast_path_cannot_follow_is_doubt_left_to_connexion() -> None:
    elsewhere = _document({"$ref": "other.yaml#/components/schemas/X", "default": 1})
    assert not surely_valid(OpenAPISpecification, elsewhere)
