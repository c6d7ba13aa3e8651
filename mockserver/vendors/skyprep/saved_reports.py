"""SkyPrep's asynchronous reports and saved advanced reports as plain functions over the store.

An asynchronous report (generate_async_report) is checked when it is asked for, then is ``pending``
until it completes: at its second read by get_async_report, or once the sandbox clock has run
``READY_AFTER`` past its creation, whichever comes first (never the wall clock). It completes with the
state as it is then: its table is kept, so later changes do not alter it, and its file is downloaded
from its ``url``. A report whose records went away before it completed is ``failed``, with the reason.

A saved advanced report (made in the LMS's Advanced Reporting section; the API only reads them) is a
name, a report type and the ids it names; each run reads the state as it is now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ...errors import InvalidInput, ModelError, NotFound
from ...store import Record, VendorData
from . import reports
from .model import new_id, now
from .report_files import csv_text
from .trainings import iso

ASYNC_REPORTS = "async_reports"
SAVED_REPORTS = "saved_advanced_reports"
COLLECTIONS = (ASYNC_REPORTS, SAVED_REPORTS)
# A report is complete at its second read, or this long after it was asked for (sandbox clock).
READY_AFTER = timedelta(seconds=30)
READS_TO_COMPLETE = 2
# Where the sandbox serves the files (under the vendor's prefix): the doc's advanced-report links, and
# the same for asynchronous reports.
SAVED_DOWNLOAD = "/admin/advanced_reports/download"
ASYNC_DOWNLOAD = "/admin/reports/download"


def _find(data: VendorData, collection: str, value: Any, name: str, what: str) -> Record:
    if value is None or str(value).strip() == "":
        raise InvalidInput(f"Send {name} to name the {what}", field=name)
    found = data.collection(collection).get(str(value).strip())
    if found is None:
        raise NotFound(f"No {what} with {name} {value}", field=name)
    return found


# asynchronous reports


def generate(data: VendorData, fields: Mapping[str, Any]) -> Record:
    """generate_async_report: the report type, format and ids checked now (400, 404), kept pending."""
    kind = reports.report_type(fields.get("report_type"))
    file_format = reports.file_format(fields.get("format"))
    ids = reports.id_fields(fields)
    # Checks the ids as get_report would, so a bad request fails now, not when the report completes.
    reports.build(data, kind, ids)
    moment = now(data)
    record: Record = {
        "id": str(new_id(data)),
        "report_type": kind,
        "format": file_format,
        "params": ids,
        "status": "pending",
        "reads": 0,
        "created_at": iso(moment),
        "ready_at": (moment + READY_AFTER).timestamp(),
        "completed_at": None,
        "error": None,
        "columns": None,
        "rows": None,
    }
    return data.insert(ASYNC_REPORTS, record)


def find_async(data: VendorData, report_id: Any) -> Record:
    return _find(data, ASYNC_REPORTS, report_id, "report_id", "report")


def read(data: VendorData, record: Record) -> Record:
    """get_async_report: one more read; a pending report completes at its second or when it is due."""
    reads = int(record["reads"]) + 1
    changes: dict[str, Any] = {"reads": reads}
    due = now(data).timestamp() >= float(record["ready_at"])
    if record["status"] == "pending" and (reads >= READS_TO_COMPLETE or due):
        changes.update(status="complete", completed_at=iso(now(data)))
        try:
            made = reports.build(data, str(record["report_type"]), record["params"])
        except ModelError as exc:
            changes.update(status="failed", error=exc.message)
        else:
            changes.update(columns=list(made.columns), rows=made.rows)
    return data.update(ASYNC_REPORTS, record["id"], changes)


def kept_report(record: Record) -> reports.Report:
    """A complete asynchronous report's table, as it was when it completed."""
    if record["status"] != "complete":
        raise NotFound(f"Report {record['id']} is {record['status']}: there is no file to download")
    return reports.Report(str(record["report_type"]), tuple(record["columns"]), list(record["rows"]))


def status_url(base_url: str, record: Record) -> str:
    return f"{base_url}/admin/api/get_async_report?{urlencode({'report_id': record['id']})}"


def async_answer(record: Record, base_url: str) -> Record:
    """What get_async_report answers: the status, and once complete the file's URL (and CSV's text)."""
    complete = record["status"] == "complete"
    url = f"{base_url}{ASYNC_DOWNLOAD}?{urlencode({'report_id': record['id']})}" if complete else None
    data = None
    if complete and record["format"] == "csv":
        data = csv_text(kept_report(record))
    return {
        "report_id": int(record["id"]),
        "status": record["status"],
        "report_type": record["report_type"],
        "format": record["format"],
        "created_at": record["created_at"],
        "completed_at": record["completed_at"],
        "url": url,
        "data": data,
        "error": record["error"],
        "status_url": status_url(base_url, record),
    }


# saved advanced reports


def create_saved(data: VendorData, fields: Mapping[str, Any], created_at: str | None = None) -> Record:
    """A saved advanced report (the scenario's and the factory's): a name, a report type, its ids."""
    name = str(fields.get("name") or "").strip()
    if not name:
        raise InvalidInput("A saved advanced report needs a name", field="name")
    kind = reports.report_type(fields.get("report_type") or "all_course_progresses", reports.ADVANCED_TYPES)
    stamp = created_at or iso(now(data))
    record: Record = {
        "id": str(new_id(data)),
        "name": name,
        "report_type": kind,
        "params": reports.id_fields(fields),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return data.insert(SAVED_REPORTS, record)


def find_saved(data: VendorData, report_id: Any) -> Record:
    return _find(data, SAVED_REPORTS, report_id, "saved_advanced_report_id", "saved advanced report")


def list_saved(data: VendorData) -> list[Record]:
    return sorted(data.collection(SAVED_REPORTS).values(), key=lambda r: int(r["id"]))


def run_saved(data: VendorData, record: Record) -> reports.Report:
    """A saved advanced report run on the state as it is now."""
    return reports.build(data, str(record["report_type"]), record["params"])


def _epoch(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def saved_answer(record: Record, base_url: str) -> Record:
    """A saved advanced report as get_saved_advanced_reports lists it: the doc's fields."""
    rid = int(record["id"])
    digest = hashlib.sha256(
        json.dumps({"report_type": record["report_type"], **record["params"]}, sort_keys=True).encode()
    ).hexdigest()

    def link(file_format: str) -> str:
        query = urlencode({"file_format": file_format, "saved_advanced_report_id": rid})
        return f"{base_url}{SAVED_DOWNLOAD}?{query}"

    return {
        "created_at": record["created_at"],
        "created_at_int": _epoch(record["created_at"]),
        "updated_at": record["updated_at"],
        "updated_at_int": _epoch(record["updated_at"]),
        "id": rid,
        "saved_advanced_report_id": rid,
        "model_type": "saved_advanced_report",
        "xlsx_url": link("xlsx"),
        "csv_url": link("csv"),
        "report_params_digest": digest,
        "saved_report_type": "saved_report_with_data",
        "name": record["name"],
        "report_type": record["report_type"],
        "report_params": dict(record["params"]),
    }
