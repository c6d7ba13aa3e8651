"""The compiled validators: the same verdicts and the same words as Connexion's, built once per app."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from jsonschema import Draft4Validator, ValidationError

from mockserver import create_app
from mockserver.testing import sync_client
from mockserver.validation import Checked, Compiled, _parameter_validator, rust_schema

USER = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["active", "left"], "nullable": True},
        "note": {"type": "string", "x-nullable": True},
        "secret": {"type": "string", "writeOnly": True},
        "tags": {"type": "array", "items": {"type": "string", "nullable": True}},
        "email": {"type": "string", "format": "email"},
    },
}

VALUES: list[Any] = [
    {"id": 1, "status": "active"},
    {"id": 1, "status": None},
    {"id": 1, "status": "gone"},
    {"id": "1", "status": "active"},
    {"id": 1.0, "status": "active"},
    {"id": True, "status": "active"},
    {"id": 1, "status": "left", "note": None},
    {"id": 1, "status": "left", "secret": "x"},
    {"id": 1, "status": "left", "tags": ["a", None]},
    {"id": 1, "status": "left", "tags": [1]},
    {"id": 1, "status": "left", "email": "not-an-email"},
    {"id": 1},
    [],
    None,
]


def _python(schema: dict[str, Any], response: bool) -> Any:
    cls = Draft4ResponseValidator if response else Draft4RequestValidator
    return cls(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _error(validator: Any, value: Any) -> str | None:
    try:
        validator.validate(value)
    except ValidationError as exc:
        return exc.message
    return None


@pytest.mark.parametrize("response", [False, True], ids=["request", "response"])
@pytest.mark.parametrize("value", VALUES, ids=[str(i) for i in range(len(VALUES))])
def test_the_checked_validator_gives_connexions_verdict_and_message(response: bool, value: Any) -> None:
    python = _python(USER, response)
    checked = Checked(USER, _python(USER, response), write_only=response)
    assert checked.is_valid(value) == python.is_valid(value)
    assert _error(checked, value) == _error(python, value)
    assert [e.message for e in checked.iter_errors(value)] == [e.message for e in python.iter_errors(value)]


PARAMETERS: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer", "minimum": 1}, [1, 0, 1.0, 2.5, True, "1"]),
    ({"type": "string", "format": "date"}, ["2025-09-01", "2025-13-01", "01/09/2025", ""]),
    ({"type": "string", "enum": ["AgeAsc", "AgeDesc"], "nullable": True}, ["AgeAsc", "agedesc", ""]),
    ({"type": "string", "pattern": "^[0-9]{10}$", "maxLength": 10}, ["1234567890", "12345", "x" * 11]),
    ({"type": "array", "items": {"type": "integer"}}, [[1, 2], [1, "a"], []]),
    ({"type": "number", "format": "double"}, [1.5, 1, "x"]),
]


@pytest.mark.parametrize(("schema", "values"), PARAMETERS, ids=[str(s) for s, _ in PARAMETERS])
def test_a_parameter_gets_connexions_verdict(schema: dict[str, Any], values: list[Any]) -> None:
    # (A null never reaches the check: Connexion lets a nullable parameter's null through before it.)
    python = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    checked = _parameter_validator({"name": "p", "in": "query", "schema": schema})
    for value in values:
        assert checked.is_valid(value) == python.is_valid(value), value


def test_nullable_and_write_only_are_spelled_in_draft_4() -> None:
    rewritten = rust_schema(USER, write_only=True)
    assert rewritten["properties"]["status"]["type"] == ["string", "null"]
    assert rewritten["properties"]["status"]["enum"] == ["active", "left", None]
    assert rewritten["properties"]["note"]["type"] == ["string", "null"]
    assert rewritten["properties"]["tags"]["items"]["type"] == ["string", "null"]
    assert rewritten["properties"]["secret"]["not"] == {}
    assert "not" not in rust_schema(USER)["properties"]["secret"]
    # The document itself is left alone.
    assert USER["properties"]["status"]["type"] == "string"


def test_a_property_named_like_a_keyword_is_not_taken_for_one() -> None:
    schema = {"type": "object", "properties": {"nullable": {"type": "boolean"}, "type": {"type": "string"}}}
    assert rust_schema(schema) == schema


def test_a_schema_is_compiled_once_and_by_identity() -> None:
    compiled = Compiled()
    built: list[int] = []

    def build() -> object:
        built.append(1)
        return object()

    schema = {"type": "string"}
    first = compiled.get("body", schema, build)
    assert compiled.get("body", schema, build) is first
    assert compiled.get("body", {"type": "string"}, build) is not first
    assert compiled.get("response", schema, build) is not first
    assert len(built) == 3


def test_requests_keep_connexions_error_words() -> None:
    app = create_app(apis=("apprentiscope",), validate_responses=True)
    client = sync_client(app)
    headers = {"Authorization": "sandbox-apprentiscope-token"}
    bad = client.post("/apprentiscope/create-user", json={"user": {"first_name": 5}}, headers=headers)
    assert bad.status_code == 400
    assert bad.json()["message"] == "'last_name' is a required property - 'user'"
    # Repeated: the compiled validator gives the same answer the second time.
    again = client.post("/apprentiscope/create-user", json={"user": {"first_name": 5}}, headers=headers)
    assert again.json() == bad.json()
    listed = client.get("/apprentiscope/read-users/all", headers=headers)
    assert listed.status_code == 200
    assert listed.json()
