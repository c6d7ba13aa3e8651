"""Absorb's error body (vendor notes 1.3): ``{validations, code, message, term, _meta}``."""

from __future__ import annotations

from typing import Any, ClassVar

from ...errors import ModelError

# Absorb documents "ErrorGeneric" for a 422 only (a client's comment); the other terms are the sandbox's.
TERMS = {
    400: "ErrorBadRequest",
    401: "ErrorUnauthorized",
    403: "ErrorForbidden",
    404: "ErrorNotFound",
    405: "ErrorMethodNotAllowed",
    422: "ErrorGeneric",
    429: "ErrorTooManyRequests",
}


class Unauthorized(ModelError, PermissionError):
    """An account /authenticate does not know (a wrong username or password)."""

    status: ClassVar[int] = 401


class Unprocessable(ModelError, ValueError):
    """Parameters Absorb refuses as "semantic errors" (422): a page too big, an unknown field."""

    status: ClassVar[int] = 422


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """Absorb's error body; ``validations`` names the field at fault, when there is one."""
    return {
        "validations": [f"{field}: {message}"] if field else [],
        "code": status,
        "message": message,
        "term": TERMS.get(status, "ErrorInternal" if status >= 500 else "ErrorGeneric"),
        "_meta": {},
    }
