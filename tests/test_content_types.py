"""Content types as clients send them: a media type in any case is the same type, and a JSON body
sent without a Content-Type is refused (415) in the vendor's own envelope, never a 500."""

from __future__ import annotations

import re

import httpx
import pytest

from mockserver import Sandbox
from mockserver.index import ApiIndex, Operation
from mockserver.vendors import get_vendor, load, vendor_names
from mockserver.vendors.base import load_specs


def _with_bodies(name: str) -> list[Operation]:
    index = ApiIndex(load_specs(get_vendor(name).specs), ignore_case=get_vendor(name).ignore_case)
    return [op for op in index.operations.values() if op.bodies]


def _json_only(name: str) -> list[Operation]:
    """Up to 12 of the vendor's operations whose request bodies are JSON only."""
    return [op for op in _with_bodies(name) if all("json" in m for m in op.bodies)][:12]


WITH_JSON_BODIES = [name for name in vendor_names() if _json_only(name)]


def _path(operation: Operation) -> str:
    return re.sub(r"\{[^}]+\}", "1", operation.path)


def _headers(operation: Operation, **more: str) -> dict[str, str]:
    """The first value of each header enum the operation declares (DfE's X-Version), and ``more``."""
    found = {
        str(p["name"]): str(p["schema"]["enum"][0])
        for p in operation.parameters
        if p.get("in") == "header" and (p.get("schema") or {}).get("enum")
    }
    return {**found, **more}


def test_a_vendor_without_json_only_operations_takes_a_form_wherever_it_takes_a_body() -> None:
    # SkyPrep's and Coursepath's bodies come as JSON or as a form: their own layers read an unlabelled one.
    for name in set(vendor_names()) - set(WITH_JSON_BODIES):
        assert all("application/x-www-form-urlencoded" in op.bodies for op in _with_bodies(name)), name
    assert len(WITH_JSON_BODIES) >= 3


@pytest.mark.parametrize("name", WITH_JSON_BODIES)
def test_a_json_body_without_a_content_type_is_a_415_in_the_vendors_envelope(
    name: str, sandbox: Sandbox, request: pytest.FixtureRequest
) -> None:
    api: httpx.Client = request.getfixturevalue(f"{name}_api")
    vendor = get_vendor(name)
    for operation in _json_only(name):
        mount = next(m for m in vendor.specs if m.base_path == operation.base)
        render = load(mount.errors or vendor.errors)
        answer = api.request(
            operation.method, _path(operation), content=b'{"a": 1}', headers=_headers(operation)
        )
        assert answer.status_code == 415, (operation.id, answer.status_code, answer.text[:200])
        # The vendor's own error body for a 415 (DfE's is ASP.NET's problem details, with no message).
        assert set(answer.json()) == set(render(415, "Unsupported Media Type")), operation.id
    # The sandbox fixture fails the test if any handler raised.


@pytest.mark.parametrize("name", WITH_JSON_BODIES)
def test_a_media_type_in_any_case_is_read_as_json(
    name: str, sandbox: Sandbox, request: pytest.FixtureRequest
) -> None:
    api: httpx.Client = request.getfixturevalue(f"{name}_api")
    for operation in _json_only(name):
        lower = api.request(
            operation.method,
            _path(operation),
            content=b'{"a": 1}',
            headers=_headers(operation, **{"Content-Type": "application/json"}),
        )
        upper = api.request(
            operation.method,
            _path(operation),
            content=b'{"a": 1}',
            headers=_headers(operation, **{"Content-Type": "APPLICATION/JSON"}),
        )
        assert upper.status_code < 500, (operation.id, upper.text[:200])
        # Read as the lower-case type is: the same class of verdict.
        assert upper.status_code // 100 == lower.status_code // 100, (
            operation.id,
            lower.status_code,
            upper.status_code,
        )


def test_the_control_plane_refuses_an_unlabelled_body_and_reads_any_case(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    unlabelled = client.post("/__sandbox__/snapshots", content=b'{"name": "x"}')
    assert unlabelled.status_code == 415
    assert unlabelled.headers["content-type"] == "application/problem+json"

    def names() -> list[str]:
        return [snapshot["name"] for snapshot in client.get("/__sandbox__/snapshots").json()["snapshots"]]

    assert "x" not in names()
    upper = client.post(
        "/__sandbox__/snapshots", content=b'{"name": "y"}', headers={"Content-Type": "APPLICATION/JSON"}
    )
    assert upper.status_code == 201
    assert "y" in names()
