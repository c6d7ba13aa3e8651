"""A SkyPrep report written as the file the API hands out: CSV (the default) or XLSX.

CSV is the standard library's, a header row then one line per row, empty for a missing value. XLSX is
XlsxWriter's (one sheet named after the report type, a bold header row, numbers as numbers); its
document properties carry the sandbox clock's time, so the same state and clock give the same bytes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .reports import Report

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A report's file: its bytes, media type and download name."""

    content: bytes
    content_type: str
    filename: str


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_text(report: Report) -> str:
    """The report as CSV text: a header row, then its rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(report.columns)
    writer.writerows([_cell(v) for v in row] for row in report.rows)
    return out.getvalue()


def xlsx_bytes(report: Report, moment: datetime) -> bytes:
    """The report as an XLSX workbook, created at ``moment`` (the sandbox clock)."""
    import xlsxwriter  # here: a start need not pay for it (mockserver.building)

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties(
        {"title": report.report_type, "author": "SkyPrep", "created": moment.replace(tzinfo=None)}
    )
    sheet = book.add_worksheet(report.report_type[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, report.columns, bold)
    for number, row in enumerate(report.rows, start=1):
        # Booleans stay booleans in a workbook; a missing value is an empty cell.
        sheet.write_row(number, 0, ["" if v is None else v for v in row])
    book.close()
    return out.getvalue()


def render(report: Report, file_format: str, moment: datetime) -> ReportFile:
    """The report as a ``csv`` or ``xlsx`` file."""
    content = xlsx_bytes(report, moment) if file_format == "xlsx" else csv_text(report).encode("utf-8")
    return ReportFile(content, CONTENT_TYPES[file_format], f"{report.report_type}.{file_format}")
