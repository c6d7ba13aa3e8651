"""Nothing is stored that cannot be served back (issue 21).

Odd but valid text (astral emoji, combining marks, right-to-left script, U+2028, ``]]>``, ``<&>'"``,
TAB/CR/LF, 10,000 characters) is written to every vendor and read back unchanged through every format it
serves: JSON, XML where offered, SkyPrep's CSV and XLSX reports, and the state export. Text XML 1.0
cannot carry and invalid UTF-8 are refused at the door (400, in the vendor's envelope, in XML where the
client asked for XML) on every channel: JSON body, form body, query string, path; the state is unchanged.
"""

from __future__ import annotations

import functools
import re
import secrets
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import orjson
import pytest

from mockserver import Sandbox
from mockserver.index import ApiIndex, Operation
from mockserver.plugin import SandboxHandle
from mockserver.servable import xml_text_codec
from mockserver.testing import sync_client
from mockserver.vendors import get_vendor, load, vendor_names
from mockserver.vendors.base import load_specs

from .bounds_helpers import WRITES, auth_of, client_of
from .round_trips import ROUND_TRIPS, skyprep_round_trip

ODD = "\U0001f600 e\u0301 \u05e9\u05dc\u05d5\u05dd \u2028 ]]> <&>'\" tab\there cr\rlf\nend \u00a0\U00010348"
LONG = ("\U0001f600ab\u05e9 <&> ]]>" * 1000)[:10_000]
# Escapes in the JSON text (a JSON encoder writes them so): what XML 1.0 cannot carry.
HOSTILE_TEXT = {"U+0001": "a\x01b", "NUL": "\x00", "ESC": "\x1b", "U+FFFE": "\ufffe", "U+FFFF": "\uffff"}
# Percent-encoded, in a form body, a query string or a path.
HOSTILE_ENCODED = {
    "U+0001": "%01",
    "NUL": "%00",
    "U+FFFE": "%EF%BF%BE",
    "invalid UTF-8 %FF": "%FF",
    "a surrogate's UTF-8 %ED%A0%80": "%ED%A0%80",
}


@functools.cache
def _index(name: str) -> ApiIndex:
    vendor = get_vendor(name)
    return ApiIndex(load_specs(vendor.specs), ignore_case=vendor.ignore_case)


@pytest.mark.parametrize("text", [ODD, LONG], ids=["odd", "10k"])
@pytest.mark.parametrize("name", vendor_names())
def test_odd_but_valid_text_reads_back_unchanged_in_every_format_and_in_the_export(
    name: str, text: str, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    read = ROUND_TRIPS[name](sandbox_handle, text)
    sent = read.pop("sent")
    assert read
    assert all(value == sent for value in read.values()), {k: v[:80] for k, v in read.items()}
    exported = sandbox_handle.client().get(f"/__sandbox__/state/{name}")
    assert exported.status_code == 200
    assert sent in _strings(orjson.loads(exported.content))


def _strings(value: Any) -> set[str]:
    """Every string in JSON-shaped ``value``."""
    if isinstance(value, str):
        return {value}
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*(_strings(child) for child in children)) if children else set()


# refused on every channel


def _envelope(name: str, operation: Operation | None) -> set[str]:
    vendor = get_vendor(name)
    mount = next((m for m in vendor.specs if operation is not None and m.base_path == operation.base), None)
    return set(load((mount.errors if mount else None) or vendor.errors)(400, "x"))


def _assert_refused(name: str, answer: httpx.Response, before: Any, after: Any) -> None:
    assert answer.status_code == 400, answer.text[:300]
    assert "XML 1.0" in answer.text or "UTF-8" in answer.text, answer.text[:300]
    assert set(answer.json()) in (_envelope(name, None), *(_envelope(name, op) for op in _bases(name)))
    assert before == after


def _bases(name: str) -> list[Operation]:
    seen: dict[str, Operation] = {}
    for op in _index(name).operations.values():
        seen.setdefault(op.base, op)
    return list(seen.values())


def _plant(body: Any, text: str) -> None:
    """Put ``text`` into the first string of ``body`` (a dict or list, changed in place)."""
    items = list(body.items()) if isinstance(body, dict) else list(enumerate(body))
    for key, value in items:
        if isinstance(value, str):
            body[key] = value + text
            return
    for _, value in items:
        if isinstance(value, dict | list):
            _plant(value, text)
            return
    body["note"] = text  # no string to hold it: a field of its own


@pytest.mark.parametrize("raw", [b"\xef\xbf\xbe", b"\xef\xbf\xbf"], ids=["U+FFFE", "U+FFFF"])
def test_a_noncharacter_written_raw_in_json_is_refused(raw: bytes, sandbox: Sandbox) -> None:
    before = sandbox.store.export("skyprep")
    with client_of(sandbox, sandbox, "skyprep") as api:
        body = b'{"email": "raw@example.com", "first_name": "a' + raw + b'"}'
        answer = api.post(
            "/admin/api/create_user", content=body, headers={"Content-Type": "application/json"}
        )
    _assert_refused("skyprep", answer, before, sandbox.store.export("skyprep"))


def _form_writers() -> list[str]:
    return [
        name
        for name in vendor_names()
        if any(
            "x-www-form-urlencoded" in media for op in _index(name).operations.values() for media in op.bodies
        )
    ]


def _channels() -> list[tuple[str, str, str]]:
    """(vendor, channel, hostile value): a JSON body and a query everywhere, a form where one is taken."""
    forms = set(_form_writers())
    return [
        *((name, "json", hostile) for name in vendor_names() for hostile in HOSTILE_TEXT),
        *((name, "query", hostile) for name in vendor_names() for hostile in HOSTILE_ENCODED),
        *((name, "form", hostile) for name in vendor_names() if name in forms for hostile in HOSTILE_ENCODED),
    ]


@pytest.mark.parametrize(("name", "channel", "hostile"), _channels())
def test_text_xml_cannot_carry_is_refused_on_every_channel_and_nothing_changes(
    name: str, channel: str, hostile: str, sandbox: Sandbox
) -> None:
    method, path, body, headers = WRITES[name](sandbox, secrets.token_hex(4))
    if channel == "form":
        before = sandbox.store.export(name)
        answer = _send_form(sandbox, name, (method, path, body, headers), f"a{HOSTILE_ENCODED[hostile]}")
    else:
        if channel == "json":
            _plant(body, HOSTILE_TEXT[hostile])
        else:
            path = f"{path}?note=a{HOSTILE_ENCODED[hostile]}"
        with client_of(sandbox, sandbox, name) as api:
            # A client that logs in does so on its first call, and a login is a write of its own (Absorb
            # dates the user's lastLoginDate): the state to keep is the one after it.
            api.request("HEAD", path)
            before = sandbox.store.export(name)
            answer = api.request(method, path, json=body, headers=headers)
    _assert_refused(name, answer, before, sandbox.store.export(name))


def _send_form(sandbox: Sandbox, name: str, request: Any, encoded: str) -> httpx.Response:
    """``request``'s body sent as a form as written, plus a field holding ``encoded`` (percent-encoded):
    the client's own form encoding would turn invalid UTF-8 into U+FFFD."""
    method, path, body, headers = request
    form = "&".join(f"{k}={v}" for k, v in body.items()) + f"&name={encoded}"
    params, sent, auth = _outside_the_body(sandbox, name)
    with sync_client(sandbox, base_url=SandboxHandle(sandbox, sandbox.options).base_url(name)) as api:
        return api.request(
            method,
            path,
            params=params,
            content=form.encode("ascii"),
            headers={**headers, **sent, "Content-Type": "application/x-www-form-urlencoded"},
            auth=auth,
        )


def _outside_the_body(sandbox: Sandbox, name: str) -> tuple[dict[str, str], dict[str, str], Any]:
    """Query parameters, headers and an auth that send the credentials without touching a form body
    (the scheme's own auth would re-encode it, and invalid UTF-8 would become U+FFFD on the way)."""
    info = sandbox.apis[name]
    sent = info.vendor.credentials.sent(info.credentials[0], "GET")
    auth = None if sent else auth_of(sandbox, name)  # a signed token travels in a header
    return sent.get("query", {}), sent.get("header", {}), auth


@pytest.mark.parametrize("hostile", ["U+0001", "invalid UTF-8 %FF", "a surrogate's UTF-8 %ED%A0%80"])
@pytest.mark.parametrize("name", vendor_names())
def test_a_path_parameter_holding_them_is_a_400_not_a_404(name: str, hostile: str, sandbox: Sandbox) -> None:
    gets = [op for op in _index(name).operations.values() if op.method == "GET"]
    # An operation with a path parameter; where the API has none, the text ends a literal segment.
    operation = next((op for op in gets if "{" in op.path), gets[0])
    hostile_text = f"a{HOSTILE_ENCODED[hostile]}"
    template = operation.path if "{" in operation.path else operation.path + "{x}"
    path = re.sub(r"\{[^}]+\}", hostile_text, template, count=1)
    path = re.sub(r"\{[^}]+\}", "1", path)
    with client_of(sandbox, sandbox, name) as api:
        headers = {p["name"]: str(p["schema"]["enum"][0]) for p in _enum_headers(operation)}
        answer = api.get(path, headers=headers)
    _assert_refused(name, answer, None, None)


def _enum_headers(operation: Operation) -> list[dict[str, Any]]:
    return [
        p for p in operation.parameters if p.get("in") == "header" and (p.get("schema") or {}).get("enum")
    ]


@pytest.mark.parametrize("where", ["value", "name"])
@pytest.mark.parametrize("name", [n for n in vendor_names() if get_vendor(n).offers_xml])
def test_a_client_that_asked_for_xml_gets_the_refusal_in_xml(name: str, where: str, sandbox: Sandbox) -> None:
    method, path, body, headers = WRITES[name](sandbox, secrets.token_hex(4))
    if where == "value":
        _plant(body, "\x01")
    else:
        body["a\x01b"] = "x"  # the refusal must not quote the name back
    parameter = get_vendor(name).format_parameter
    with client_of(sandbox, sandbox, name) as api:
        params = {parameter: "xml"} if parameter else None
        answer = api.request(method, path, params=params, json=body, headers=headers)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/xml")
    document = ET.fromstring(answer.content)
    assert document.findtext("status") == "400"
    assert "U+0001" in (document.findtext("message") or "")


@pytest.mark.parametrize("text", ["tab\there", "lf\nhere", "cr\rhere", "all\t\r\n"])
def test_tab_lf_and_cr_are_stored_and_read_back(
    text: str, sandbox: Sandbox, sandbox_handle: SandboxHandle
) -> None:
    read = skyprep_round_trip(sandbox_handle, text)
    sent = read.pop("sent")
    assert all(value == sent for value in read.values()), read


def test_the_codec_the_contracts_generate_text_with_refuses_what_xml_cannot_carry() -> None:
    codec = xml_text_codec()
    assert ODD.encode(codec).decode(codec) == ODD
    for hostile in HOSTILE_TEXT.values():
        with pytest.raises(UnicodeEncodeError):
            hostile.encode(codec)
