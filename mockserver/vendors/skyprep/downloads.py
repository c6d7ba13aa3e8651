"""The report files SkyPrep's answers link to, served under the vendor's prefix.

``xlsx_url`` and ``csv_url`` of a saved advanced report (the doc's ``/admin/advanced_reports/download``)
run it on the state as it is now; an asynchronous report's ``url`` (``/admin/reports/download``) gives
the file it completed with. Like the doc's links (pages of the LMS's site), they take no API keys. An
unknown or unfinished report gets ``404``, bad input ``400``, in the API's error body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ...asgi import route_path, send_body
from ...errors import ModelError
from ...store import VendorData
from ..base import VendorContext
from ..locking import with_data
from . import report_files, reports, saved_reports
from .errors import render_error
from .model import now


def saved_file(data: VendorData, query: Mapping[str, str]) -> report_files.ReportFile:
    """A saved advanced report's file, in its ``file_format``, from the state now."""
    found = saved_reports.find_saved(data, query.get("saved_advanced_report_id"))
    file_format = reports.file_format(query.get("file_format"))
    return report_files.render(saved_reports.run_saved(data, found), file_format, now(data))


def async_file(data: VendorData, query: Mapping[str, str]) -> report_files.ReportFile:
    """A complete asynchronous report's file, in the format it was asked for."""
    found = saved_reports.find_async(data, query.get("report_id"))
    kept = saved_reports.kept_report(found)
    return report_files.render(kept, str(found["format"]), now(data))


FILES = {saved_reports.SAVED_DOWNLOAD: saved_file, saved_reports.ASYNC_DOWNLOAD: async_file}


class Downloads:
    """Serves the report files of ``FILES`` (path -> file); any other path goes to ``app``."""

    def __init__(self, app: ASGIApp, ctx: VendorContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        make = FILES.get(path.rstrip("/"))
        if make is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        head = scope["method"] == "HEAD"
        try:
            made = with_data(self.ctx, make)(query)
        except ModelError as exc:
            body = json.dumps(render_error(exc.status, exc.message, field=exc.field)).encode()
            await send_body(send, exc.status, body, "application/json", head=head)
            return
        disposition = {"Content-Disposition": f'attachment; filename="{made.filename}"'}
        await send_body(send, 200, made.content, made.content_type, disposition, head=head)
