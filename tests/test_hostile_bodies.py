"""JSON bodies a strict parser refuses are refused at the door, once, in each vendor's envelope (400),
never a 500: deep nesting, non-finite numbers, numbers too large for a double, lone surrogates."""

from __future__ import annotations

import re

import httpx
import pytest

from mockserver import Sandbox
from mockserver.bounds import JSON_DEPTH
from mockserver.index import ApiIndex, Operation
from mockserver.vendors import get_vendor, load, vendor_names
from mockserver.vendors.base import load_specs

HOSTILE = {
    "nested 2,000 deep": b"[" * 2000 + b"]" * 2000,
    "nested past the depth limit": b'{"a": ' + b"[" * JSON_DEPTH + b"]" * JSON_DEPTH + b"}",
    "NaN": b'{"a": NaN}',
    "-Infinity": b'{"a": -Infinity}',
    "a 5,000-digit integer": b'{"a": ' + b"7" * 5000 + b"}",
    "1e400": b'{"a": 1e400}',
    "a lone surrogate": b'{"a": "\\ud800"}',
}


def _json_operation(name: str) -> Operation:
    """The vendor's first operation taking a JSON body."""
    vendor = get_vendor(name)
    index = ApiIndex(load_specs(vendor.specs), ignore_case=vendor.ignore_case)
    return next(op for op in index.operations.values() if any("json" in media for media in op.bodies))


def _headers(operation: Operation) -> dict[str, str]:
    found = {
        str(p["name"]): str(p["schema"]["enum"][0])
        for p in operation.parameters
        if p.get("in") == "header" and (p.get("schema") or {}).get("enum")
    }
    return {**found, "Content-Type": "application/json"}


@pytest.mark.parametrize("name", vendor_names())
@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_a_body_a_strict_json_parser_refuses_is_a_400_in_the_vendors_envelope(
    name: str, hostile: str, sandbox: Sandbox, client: httpx.Client
) -> None:
    # Refused at the door, before credentials are looked at: the client sends none.
    operation = _json_operation(name)
    path = get_vendor(name).prefix + re.sub(r"\{[^}]+\}", "1", operation.path)
    answer = client.request(operation.method, path, content=HOSTILE[hostile], headers=_headers(operation))
    assert answer.status_code == 400, (operation.id, answer.text[:200])
    vendor = get_vendor(name)
    mount = next(m for m in vendor.specs if m.base_path == operation.base)
    # The error body of the operation's own document (DfE's Track Progress has its own).
    assert set(answer.json()) == set(load(mount.errors or vendor.errors)(400, "x"))
    # The sandbox fixture fails the test if a handler raised.


def test_a_body_just_within_the_depth_limit_is_read(client: httpx.Client, sandbox: Sandbox) -> None:
    within = b'{"name": "deep", "x": ' + b"[" * (JSON_DEPTH - 2) + b"]" * (JSON_DEPTH - 2) + b"}"
    answer = client.post(
        "/__sandbox__/snapshots", content=within, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code != 400 or "nests deeper" not in answer.text


@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_the_control_plane_refuses_them_as_problems(
    hostile: str, client: httpx.Client, sandbox: Sandbox
) -> None:
    answer = client.post(
        "/__sandbox__/snapshots", content=HOSTILE[hostile], headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
