"""SkyPrep's report, account, content and payment calls: one handler per call, serving its POST operation
and its deprecated GET twin (``handlers.operations`` adds the twins).

Unlike every other call, the report calls give ``format`` its documented meaning: the file's format
(csv or xlsx). They answer XML (their JSON answers and errors) for ``Accept: application/xml``.
"""

from __future__ import annotations

from typing import Any

import connexion
from connexion.lifecycle import ConnexionResponse

from ...store import Record
from ..base import BoundHandlers
from ..operation import operation
from . import account, report_files, reports, saved_reports
from .model import now


def _fields(body: Any, query: dict[str, Any]) -> dict[str, Any]:
    """A call's parameters, ``format`` kept: the POST body, or the GET query (credentials left out)."""
    given = dict(body) if isinstance(body, dict) else dict(query)
    if "format_" in given:
        # Connexion's pythonic names give a GET's ``format`` (a builtin) a trailing underscore.
        given.setdefault("format", given.pop("format_"))
    return {k: v for k, v in given.items() if k not in ("api_key", "acct_key")}


def _base_url() -> str:
    """The URL the vendor is served at (the host's own, under its prefix), for links it hands out."""
    return str(connexion.request.url).split("/admin/api/", 1)[0]


def file_response(made: report_files.ReportFile) -> ConnexionResponse:
    """A report's file, to download."""
    return ConnexionResponse(
        status_code=200,
        body=made.content,
        content_type=made.content_type,
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )


class ReportCalls(BoundHandlers):
    """The report, account, content and payment handlers of one SkyPrep app, bound to its store."""

    # reports
    @operation("get_report")
    def get_report(self, body: Any = None, **query: Any) -> ConnexionResponse:
        fields = _fields(body, query)
        kind = reports.report_type(fields.get("report_type"))
        file_format = reports.file_format(fields.get("format"))
        made = reports.build(self.data, kind, fields)
        return file_response(report_files.render(made, file_format, now(self.data)))

    @operation("generate_async_report")
    def generate_async_report(self, body: Any = None, **query: Any) -> dict[str, Any]:
        fields = _fields(body, query)
        base = _base_url()
        made = saved_reports.generate(self.data, fields)
        return {"status_url": saved_reports.status_url(base, made), "report_id": int(made["id"])}

    @operation("get_async_report")
    def get_async_report(self, body: Any = None, **query: Any) -> Record:
        fields = _fields(body, query)
        base = _base_url()
        found = saved_reports.find_async(self.data, fields.get("report_id"))
        return saved_reports.async_answer(saved_reports.read(self.data, found), base)

    @operation("get_saved_advanced_reports")
    def get_saved_advanced_reports(self, body: Any = None, **query: Any) -> list[Record]:
        base = _base_url()
        return [saved_reports.saved_answer(r, base) for r in saved_reports.list_saved(self.data)]

    @operation("get_saved_advanced_report")
    def get_saved_advanced_report(self, body: Any = None, **query: Any) -> ConnexionResponse:
        fields = _fields(body, query)
        found = saved_reports.find_saved(self.data, fields.get("saved_advanced_report_id"))
        file_format = reports.file_format(fields.get("format"))
        made = saved_reports.run_saved(self.data, found)
        return file_response(report_files.render(made, file_format, now(self.data)))

    # account
    @operation("get_program")
    def get_program(self, body: Any = None, **query: Any) -> Record:
        return account.program(self.data)

    @operation("get_data")
    def get_data(self, body: Any = None, **query: Any) -> dict[str, str]:
        fields = _fields(body, query)
        return {"data": str(account.count(self.data, fields.get("data_type")))}

    # content and payments
    @operation("get_materials")
    def get_materials(self, body: Any = None, **query: Any) -> list[Record]:
        return [account.material_answer(m) for m in account.list_materials(self.data)]

    @operation("get_payments")
    def get_payments(self, body: Any = None, **query: Any) -> list[Record]:
        fields = _fields(body, query)
        return [account.payment_answer(p) for p in account.list_payments(self.data, fields)]
