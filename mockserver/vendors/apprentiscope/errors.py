"""ApprentiScope's error body (the ``Error`` schema of specs/apprentiscope.yaml), built in one place."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """``{"status", "error", "message"[, "details"]}`` for any failure of this API."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    body: dict[str, Any] = {"status": status, "error": reason, "message": message}
    if field:
        body["details"] = [{"field": field, "message": message}]
    return body
