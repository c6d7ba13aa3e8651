"""Coursepath's error body ``{"status", "error", "message", "field"}``, the sandbox's choice."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """Coursepath documents only "a 4xx with a JSON body that says what was wrong"; this is that body."""
    return {"status": status, "error": _phrase(status), "message": message, "field": field}
