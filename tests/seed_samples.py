"""The seed documents' response samples in the specs, and how an answer is held against one.

Each sample the vendor's own documentation shows is an example of its operation's response (an OpenAPI
``examples`` entry) marked ``x-seed-example: true``. Two more keys may sit beside it:

- ``x-seed-differences``: where the sandbox answers otherwise on purpose, ``[{path, reason}]`` (or
  ``paths``, several paths for one reason). A path names a key as ``a.b``, a list's items as ``[]``
  (``enrollments[].id``, ``[].id``), the whole answer as ``(root)``.
- ``x-seed-request``: what to send instead of the operation's own examples, when those would not reach
  that answer: ``path`` and ``query`` (name -> value, over the examples), ``body`` (the whole JSON body).

See README, "Seed samples".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.documents import load_contract
from mockserver.index import ApiIndex, Operation, Refs
from mockserver.vendors import REGISTRY

SEED_EXAMPLE = "x-seed-example"
DIFFERENCES = "x-seed-differences"
REQUEST = "x-seed-request"


@dataclass(frozen=True)
class SeedSample:
    """One seed sample: the operation and status it documents, and what the spec says next to it."""

    api: str
    base_path: str
    name: str
    status: str
    operation: Operation = field(repr=False)
    index: ApiIndex = field(repr=False)
    refs: Refs = field(repr=False)
    example: Mapping[str, Any] = field(repr=False)
    # The response's JSON schema, every $ref inlined: where the sample and the answer disagree on null.
    schema: Any = field(repr=False)

    def __str__(self) -> str:
        return f"{self.api}:{self.operation.id}:{self.status}:{self.name}"

    @property
    def value(self) -> Any:
        return self.example["value"]

    @property
    def deliberate(self) -> dict[str, str]:
        """The declared differences: path -> reason (an entry gives one ``path`` or several ``paths``)."""
        return {
            str(path): str(entry["reason"])
            for entry in self.example.get(DIFFERENCES, [])
            for path in entry.get("paths", [entry.get("path")])
        }

    @property
    def request(self) -> Mapping[str, Any]:
        return dict(self.example.get(REQUEST) or {})


def seed_samples() -> Iterator[SeedSample]:
    """Every ``x-seed-example`` of every registered API's documents, in document order."""
    for api in REGISTRY:
        for document in load_contract(api).documents:
            index = document.index
            refs = index.refs[""]
            for operation in index.every():
                for status, response in operation.responses.items():
                    media = (response.get("content") or {}).get("application/json") or {}
                    for name, example in (media.get("examples") or {}).items():
                        example = refs.follow(example)
                        if example.get(SEED_EXAMPLE):
                            schema = refs.inline(media.get("schema", {}))
                            yield SeedSample(
                                api, document.base_path, name, status, operation, index, refs, example, schema
                            )


def differences(sample: Any, answer: Any, schema: Any, path: str = "") -> list[tuple[str, str]]:
    """Where ``answer`` lacks a key of ``sample`` or holds an incompatible type, recursively.

    A list's answer items are each held against the sample's first item. ``null`` in the sample goes with
    anything; ``null`` in the answer goes with a sample value only where the schema says nullable.
    """
    where = path or "(root)"
    if sample is None:
        return []
    if answer is None:
        return [] if _nullable(schema) else [(where, f"null, the sample has {_kind(sample)}")]
    if _kind(sample) != _kind(answer):
        return [(where, f"{_kind(answer)}, the sample has {_kind(sample)}")]
    found: list[tuple[str, str]] = []
    if isinstance(sample, dict):
        for key, value in sample.items():
            inner = f"{path}.{key}" if path else key
            if key not in answer:
                found.append((inner, "missing"))
            else:
                found += differences(value, answer[key], _child(schema, key), inner)
    elif isinstance(sample, list) and sample:
        if not answer:
            found.append((where, "an empty list: nothing to hold against the sample's items"))
        for item in answer:
            found += differences(sample[0], item, _items(schema), f"{path}[]")
    return found


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _alternatives(schema: Any) -> list[Mapping[str, Any]]:
    """The schema and the schemas it combines (allOf, anyOf, oneOf), one level deep each."""
    if not isinstance(schema, Mapping):
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(keyword, []):
            found += _alternatives(part)
    return found


def _nullable(schema: Any) -> bool:
    for part in _alternatives(schema):
        kind = part.get("type")
        if part.get("nullable") is True or kind == "null" or (isinstance(kind, list) and "null" in kind):
            return True
    return False


def _child(schema: Any, key: str) -> Any:
    for part in _alternatives(schema):
        properties = part.get("properties") or {}
        if key in properties:
            return properties[key]
    return {}


def _items(schema: Any) -> Any:
    return next((part["items"] for part in _alternatives(schema) if "items" in part), {})
