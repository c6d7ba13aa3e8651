"""Every response sample of the seed documents against the sandbox's real answer to that operation.

The samples are the specs' ``x-seed-example`` examples (``tests/seed_samples.py``). Each test makes the
operation's call from the spec's own request examples, at the default scenario's named records, and holds the
answer against the sample: every key, recursively, with a compatible type. Only the differences the spec
lists next to the sample (``x-seed-differences``) are let through, and each listed one must still occur.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from contracts.documents import load_contract
from mockserver.vendors import REGISTRY

from .seed_samples import SeedSample, differences, seed_samples
from .vendor_fixtures import SandboxHandle

SAMPLES = list(seed_samples())


def _example(node: Mapping[str, Any]) -> Any:
    """A parameter's or a media type's example, as the spec gives it (None when it gives none)."""
    if "example" in node:
        return node["example"]
    examples = list((node.get("examples") or {}).values())
    if examples:
        return examples[0].get("value")
    return (node.get("schema") or {}).get("example")


def _parameters(seed: SeedSample, where: str, *, every: bool = False) -> dict[str, Any]:
    found = {}
    for parameter in seed.operation.parameters:
        value = _example(parameter)
        if parameter.get("in") == where and value is not None and (every or parameter.get("required")):
            found[str(parameter["name"])] = value
    return found


def _body(seed: SeedSample) -> tuple[str, Any] | None:
    """The request body to send: the media type and the spec's example of it.

    A call whose body has no example, and that has a GET twin (the same vendor call, ``Vendor.twin_suffix``),
    sends the twin's query examples as its JSON body.
    """
    if "body" in seed.request:
        return "application/json", seed.request["body"]
    body = seed.refs.follow(seed.operation.definition.get("requestBody")) or {}
    for media, content in (body.get("content") or {}).items():
        content = seed.refs.follow(content)
        value = _example(content)
        if value is None:
            value = seed.refs.follow(content.get("schema") or {}).get("example")
        if value is not None:
            return media, value
    suffix = REGISTRY[seed.api].twin_suffix
    twin = seed.index.operations.get(f"{seed.operation.id}{suffix}") if suffix else None
    if twin is not None and body:
        return "application/json", {
            str(p["name"]): _example(p)
            for p in twin.parameters
            if p.get("in") == "query" and _example(p) is not None
        }
    return None


def answer_to(seed: SeedSample, client: httpx.Client) -> httpx.Response:
    """The sandbox's answer to the sample's operation, called with the spec's examples."""
    path = seed.base_path + seed.operation.path
    for name, value in {**_parameters(seed, "path"), **seed.request.get("path", {})}.items():
        path = path.replace(f"{{{name}}}", str(value))
    query = {
        **_parameters(
            seed,
            "query",
        ),
        **seed.request.get("query", {}),
    }
    body = _body(seed)
    if body is None:
        return client.request(seed.operation.method, path, params=query)
    media, value = body
    if media == "application/x-www-form-urlencoded":
        return client.request(seed.operation.method, path, params=query, data=value)
    return client.request(seed.operation.method, path, params=query, json=value)


@pytest.mark.parametrize("seed", SAMPLES, ids=str)
def test_the_answer_has_every_field_of_the_vendors_sample(
    seed: SeedSample, sandbox_handle: SandboxHandle
) -> None:
    answer = answer_to(seed, sandbox_handle.client(seed.api))
    assert str(answer.status_code) == seed.status, answer.text
    found = differences(seed.value, answer.json(), seed.schema)
    deliberate = seed.deliberate
    unexpected = [f"{path}: {what}" for path, what in found if path not in deliberate]
    stale = sorted(set(deliberate) - {path for path, _ in found})
    assert not unexpected, "the answer differs from the vendor's sample:\n" + "\n".join(unexpected)
    assert not stale, f"listed in {seed} as deliberate differences, but the answer has them right: {stale}"


NULLABLE = {"type": "object", "properties": {"at": {"type": "string", "nullable": True}}}


@pytest.mark.parametrize(
    ("sample", "answer", "schema", "found"),
    [
        ({"a": 1, "b": "x"}, {"a": 2.5, "b": "y", "c": True}, {}, []),
        ({"a": 1, "b": "x"}, {"a": 1}, {}, [("b", "missing")]),
        ({"a": {"b": 1}}, {"a": {"b": "1"}}, {}, [("a.b", "a string, the sample has a number")]),
        ({"a": True}, {"a": 1}, {}, [("a", "a number, the sample has a boolean")]),
        ({"at": None}, {"at": 3}, {}, []),
        ({"at": "2019-08-24"}, {"at": None}, {}, [("at", "null, the sample has a string")]),
        ({"at": "2019-08-24"}, {"at": None}, NULLABLE, []),
        ([{"id": 1, "n": "x"}], [{"id": 2, "n": "y"}, {"id": 3}], {}, [("[].n", "missing")]),
        (
            {"items": [{"id": 1}]},
            {"items": []},
            {},
            [("items", "an empty list: nothing to hold against the sample's items")],
        ),
        ({"items": []}, {"items": [{"id": 1}]}, {}, []),
        ({"a": 1}, [{"a": 1}], {}, [("(root)", "a list, the sample has an object")]),
    ],
)
def test_differences_name_every_key_the_answer_lacks_or_mistypes(
    sample: Any, answer: Any, schema: Any, found: list[tuple[str, str]]
) -> None:
    assert differences(sample, answer, schema) == found


def test_schemathesis_reads_the_documents_without_their_seed_samples() -> None:
    # A seed sample's values are the vendor doc's; Schemathesis would send them as parameter examples.
    seeded = {seed.api for seed in SAMPLES}
    for api in seeded:
        for document in load_contract(api).documents:
            assert "x-seed-example" not in json.dumps(document.requests), document.name
    grades = load_contract("apprentiscope").documents[0].requests["paths"]["/read-grades/{id}"]
    assert list(grades["get"]["responses"]["200"]["content"]["application/json"]["examples"]) == ["sandbox"]
