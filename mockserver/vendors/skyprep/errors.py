"""SkyPrep's error body, as the sandbox answers it (SkyPrep's own is undocumented; see the spec)."""

from __future__ import annotations

from typing import Any


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """``{"status", "message"}``, the message naming the parameter where one is at fault."""
    if field and field not in message:
        message = f"{message} ({field})"
    return {"status": status, "message": message}
