"""Non-finite and oversized numbers are refused wherever a client or the control plane can send them, and
state holding them (or text XML cannot carry) is never imported: the export stays valid JSON (issue 21)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from mockserver import Sandbox, SandboxError, create_app
from mockserver.cli import build_parser
from mockserver.errors import SnapshotError
from mockserver.faults import MAX_DELAY_MS, FaultSpec, InvalidFault, parse_fault
from mockserver.plugin import SandboxHandle
from mockserver.statefile import STATE_FILE_FORMAT, STATE_FILE_KIND
from mockserver.vendors import get_vendor, vendor_names
from mockserver.vendors.credentials import SignedScheme

HUGE = ["1e308", str(2**63), "1" + "0" * 400, "NaN", "Infinity", "-Infinity"]
UNSERVABLE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf"), "U+0001": "a\x01"}


def _first_record(state: dict[str, Any]) -> tuple[str, str, dict[str, Any], str]:
    """The first record holding a string field: (collection, id, record, field)."""
    for collection, records in state["collections"].items():
        for rid, record in records.items():
            field = next((k for k, v in record.items() if isinstance(v, str) and k != "id"), None)
            if field is not None:
                return collection, rid, record, field
    raise AssertionError("no record with a string field")


@pytest.mark.parametrize("value", list(UNSERVABLE))
@pytest.mark.parametrize("name", vendor_names())
def test_an_import_holding_what_cannot_be_served_is_refused_naming_the_record_and_field(
    name: str, value: str, sandbox: Sandbox
) -> None:
    state = sandbox.store.export(name)
    collection, rid, record, _ = _first_record(state)
    # An internal field (records may keep fields the API does not serve): only this check looks at it.
    record["sandbox_note"] = UNSERVABLE[value]
    match = f"record {collection}/{rid} cannot be served: field sandbox_note"
    with pytest.raises(SnapshotError, match=match):
        sandbox.store.import_(name, state)
    assert orjson.loads(json.dumps(sandbox.store.export(name), allow_nan=False))


def test_an_import_over_http_with_such_text_is_a_400_naming_the_field(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    state = sandbox.store.export("absorb")
    collection, rid, record, field = _first_record(state)
    record[field] = "\x1b[31m"
    answer = client.put("/__sandbox__/state/absorb", json=state)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert f"{collection}.{rid}.{field}" in answer.json()["detail"]
    assert sandbox.store.export("absorb")["collections"][collection][rid][field] != "\x1b[31m"


def test_a_state_file_holding_nan_stops_the_start_naming_the_record(tmp_path: Path) -> None:
    app = create_app(apis=("absorb",))
    dump = app.store.dump()
    collection, rid, record, _ = _first_record(dump["apis"]["absorb"])
    record["score"] = float("nan")
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"kind": STATE_FILE_KIND, **dump, "format": STATE_FILE_FORMAT}))
    with pytest.raises(SandboxError, match=f"{collection}/{rid}.*score: NaN is not a finite number"):
        create_app(apis=("absorb",), state_file=path)


# a signed token's claims


def _signed(scheme: SignedScheme, credential: Any, iat: str, extra: str = "") -> str:
    def part(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    claims = (
        f'{{"{scheme.subject_claim}": "{credential[scheme.subject_field]}", "iat": {iat}, '
        f'"{scheme.unique_claim}": "{secrets.token_hex(4)}"{extra}}}'
    )
    signing = part(b'{"alg":"HS256","typ":"JWT"}') + b"." + part(claims.encode())
    signature = hmac.new(str(credential[scheme.key_field]).encode(), signing, hashlib.sha256).digest()
    return (signing + b"." + part(signature)).decode()


def _signed_get(
    sandbox: Sandbox, handle: SandboxHandle, name: str, iat: str, extra: str = ""
) -> httpx.Response:
    """A GET of the API's first parameterless operation with a token signed over the claims as written."""
    info = sandbox.apis[name]
    scheme = info.vendor.credentials
    assert isinstance(scheme, SignedScheme)
    path = next(
        op
        for op in sandbox.contexts[name].index.operations.values()
        if op.method == "GET" and "{" not in op.path
    )
    token = scheme.token.carry(_signed(scheme, info.credentials[0], iat, extra))
    with handle.client() as client:
        return client.get(f"{info.prefix}{path.path}", headers={scheme.token.name: token})


def _signed_vendors() -> list[str]:
    return [name for name in vendor_names() if isinstance(get_vendor(name).credentials, SignedScheme)]


@pytest.mark.parametrize("iat", ["NaN", "-Infinity", "Infinity", "1e400", "-1" + "0" * 400])
@pytest.mark.parametrize("name", _signed_vendors())
def test_a_token_with_a_non_finite_or_huge_iat_is_refused_as_a_bad_token(
    name: str, iat: str, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    answer = _signed_get(sandbox, sandbox_handle, name, iat)
    assert answer.status_code == 401, answer.text[:200]
    assert "iat" in answer.text
    # A token that is fine otherwise is accepted: the refusal is the claim's.
    assert _signed_get(sandbox, sandbox_handle, name, str(int(sandbox.clock.now()))).status_code != 401


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("name", _signed_vendors())
def test_a_token_with_a_non_finite_claim_anywhere_is_refused(
    name: str, value: str, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    now = str(int(sandbox.clock.now()))
    answer = _signed_get(sandbox, sandbox_handle, name, now, f', "scores": [1, {value}]')
    assert answer.status_code == 401, answer.text[:200]
    assert "scores[1]" in answer.text


# faults


@pytest.mark.parametrize("value", HUGE)
def test_a_fault_latency_that_is_huge_or_not_finite_is_a_400_problem(
    value: str, client: httpx.Client, sandbox: Sandbox
) -> None:
    body = b'{"api": "absorb", "latency_ms": ' + value.encode() + b"}"
    answer = client.post("/__sandbox__/faults", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/__sandbox__/faults").json() == []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "1e308", str(MAX_DELAY_MS + 1)])
def test_serve_fault_refuses_a_latency_that_is_huge_or_not_finite(value: str) -> None:
    with pytest.raises(InvalidFault, match="latency_ms"):
        parse_fault(f"absorb=latency:{value}")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--fault", f"absorb=latency:{value}"])


@pytest.mark.parametrize("item", ["times:1e400", "times:nan", "probability:nan", "jitter:inf"])
def test_serve_fault_refuses_other_values_that_are_not_finite(item: str) -> None:
    with pytest.raises(InvalidFault):
        parse_fault(f"absorb=latency:5,{item}")


def test_the_longest_delay_is_accepted() -> None:
    assert FaultSpec.from_json({"api": "absorb", "latency_ms": MAX_DELAY_MS}).latency_ms == MAX_DELAY_MS
