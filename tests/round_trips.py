"""Per vendor, a stored text field written and read back through every format the vendor serves."""

from __future__ import annotations

import csv
import io
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import httpx
import openpyxl
from openpyxl.utils.escape import unescape

from mockserver.plugin import SandboxHandle

from .bounds_helpers import first_id

Read = dict[str, str]  # format -> the text read back; "sent" -> the text written


def _json_rows(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text[:300]
    return answer.json()


def _apprentiscope(handle: SandboxHandle, text: str) -> Read:
    api = handle.client("apprentiscope")
    text = text[:100]  # the spec's maxLength of a name
    user = {"first_name": text, "last_name": "L", "email": f"{secrets.token_hex(4)}@example.com"}
    made = _json_rows(api.post("/create-user", json={"user": {**user, "user_type": "apprentice"}}), 201)
    return {"json": _json_rows(api.get(f"/read-user/{made['id']}"))["first_name"], "sent": text}


def _dfe(handle: SandboxHandle, text: str) -> Read:
    # Adverts are the factory's to write (the API only reads them); read back through the API.
    vacancy = handle.vendor("dfe").factory.vacancy(title=text)
    api = handle.client("dfe", headers={"X-Version": "2"})
    read = _json_rows(api.get(f"/vacancies/vacancy/{vacancy['vacancyReference']}"))
    return {"json": read["title"], "sent": text}


def skyprep_round_trip(handle: SandboxHandle, text: str) -> Read:
    api = handle.client("skyprep")
    made = _json_rows(
        api.post(
            "/admin/api/create_user",
            json={"email": f"{secrets.token_hex(4)}@example.com", "first_name": text, "last_name": "L"},
        )
    )
    read = {"json": _json_rows(api.get("/admin/api/get_user", params={"user_id": made["id"]}))["first_name"]}
    as_xml = api.get("/admin/api/get_user", params={"user_id": made["id"], "format": "xml"})
    assert as_xml.status_code == 200, as_xml.text[:300]
    read["xml"] = ET.fromstring(as_xml.content).findtext("first_name") or ""
    rows = api.get("/admin/api/get_report", params={"report_type": "all_users"})
    assert rows.status_code == 200, rows.text[:300]
    row = next(r for r in csv.DictReader(io.StringIO(rows.text)) if r["User ID"] == str(made["id"]))
    read["csv"] = row["First Name"]
    book = api.get("/admin/api/get_report", params={"report_type": "all_users", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    header, *cells = list(sheet.iter_rows(values_only=True))
    found = next(dict(zip(header, r, strict=True)) for r in cells if str(r[0]) == str(made["id"]))
    # OOXML writes a CR as its escape _x000D_, which Excel decodes and openpyxl's reader leaves.
    read["xlsx"] = unescape(str(found["First Name"]))
    return {**read, "sent": text}


def _coursepath(handle: SandboxHandle, text: str) -> Read:
    api = handle.client("coursepath")
    text = text[:100]  # the spec's maxLength of a name
    made = _json_rows(
        api.post("/api/v1/members", json={"email": f"{secrets.token_hex(4)}@example.com", "name": text}), 201
    )
    return {"json": _json_rows(api.get(f"/api/v1/members/{made['id']}"))["name"], "sent": text}


def _absorb(handle: SandboxHandle, text: str) -> Read:
    api = handle.client("absorb")
    body = {
        "departmentId": first_id(handle.app, "absorb", "departments"),
        "firstName": text,
        "lastName": "L",
        "username": f"u{secrets.token_hex(4)}",
    }
    made = _json_rows(api.post("/users", json=body), 201)
    return {"json": _json_rows(api.get(f"/users/{made['id']}"))["firstName"], "sent": text}


# Per vendor: write ``text`` into a stored field, read it back through every format the vendor serves.
ROUND_TRIPS: dict[str, Callable[[SandboxHandle, str], Read]] = {
    "apprentiscope": _apprentiscope,
    "dfe": _dfe,
    "skyprep": skyprep_round_trip,
    "coursepath": _coursepath,
    "absorb": _absorb,
}
