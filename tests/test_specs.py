"""Reading a spec: local references followed one way."""

from __future__ import annotations

from mockserver.specs import resolve_ref

SPEC = {
    "components": {
        "schemas": {"Id": {"type": "integer"}, "Alias": {"$ref": "#/components/schemas/Id"}},
        "parameters": {"a/b~c": {"name": "odd"}},
    }
}


def test_a_reference_is_followed_to_what_it_names_through_references() -> None:
    assert resolve_ref(SPEC, {"$ref": "#/components/schemas/Alias"}) == {"type": "integer"}


def test_escaped_pointer_parts_are_unescaped() -> None:
    assert resolve_ref(SPEC, {"$ref": "#/components/parameters/a~1b~0c"}) == {"name": "odd"}


def test_a_node_without_a_reference_is_itself() -> None:
    node = {"type": "string", "items": {"$ref": "#/components/schemas/Id"}}
    assert resolve_ref(SPEC, node) is node
