"""DfE error bodies, built in one place: Azure APIM's, ASP.NET's ProblemDetails, Track Progress's.

The gateway (APIM) answers ``{"statusCode", "message"}`` (vendor notes 2.5). Behind it, ASP.NET
``[ApiController]`` answers ProblemDetails, and ValidationProblemDetails for a 400 naming a field.
The Track Progress API answers its 400s as ``{title, status, errors: [{error, description}]}``
(vendor notes 2.6), so its document gets its own renderer.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

# APIM's texts are declared with the vendor (its edge refuses with them); re-exported for the tests.
from . import INVALID_KEY as INVALID_KEY
from . import MISSING_KEY as MISSING_KEY
from . import MISSING_VERSION, RATE_LIMITED, UNKNOWN_VERSION
from .progress import INVALID_START_DATE, KSBS_REQUIRED, START_DATE_PATTERN
from .vacancies import TOO_MANY_ROUTES

VALIDATION_TITLE = "One or more validation errors occurred."
# ASP.NET's ClientErrorMapping links each status to its RFC section.
_RFC_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
    406: "https://tools.ietf.org/html/rfc7231#section-6.5.6",
    409: "https://tools.ietf.org/html/rfc7231#section-6.5.8",
    415: "https://tools.ietf.org/html/rfc7231#section-6.5.13",
    422: "https://tools.ietf.org/html/rfc4918#section-11.2",
    500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
}
# Connexion ends a body validation message with the failing field: "... - 'progress.ksbs.0.value'".
_FIELD_SUFFIX = re.compile(r" - '([^']*)'$")
# Stands in for ASP.NET's Activity id; fixed so the same request gives the same bytes.
TRACE_ID = "00-00000000000000000000000000000000-0000000000000000-00"


def missing_version(versions: tuple[str, ...]) -> str:
    return MISSING_VERSION.format(expected=" or ".join(versions))


def unknown_version(version: str, versions: tuple[str, ...]) -> str:
    return UNKNOWN_VERSION.format(value=version, expected=" or ".join(versions))


def rate_limited(retry_after: int) -> str:
    # Azure APIM's rate-limit-by-key text.
    return RATE_LIMITED.format(retry_after=retry_after)


def apim_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """The gateway's own body (``ApimError`` in the specs)."""
    return {"statusCode": status, "message": message}


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _split_field(message: str, field: str | None) -> tuple[str | None, str]:
    """The field a message is about (given, or named at its end by Connexion) and the bare message."""
    found = _FIELD_SUFFIX.search(message)
    if found is None:
        return field, message
    return field or found.group(1), message[: found.start()]


def render_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """ProblemDetails, or ValidationProblemDetails for a 400 (errors keyed by field, ``$`` if none).

    Like ASP.NET's ``NotFound()``/``Forbid()``, a ProblemDetails carries no ``detail``.
    """
    if status == 400:
        field, message = _split_field(message, field)
        if field == "Routes" and message.endswith("is too long"):
            # The spec states the limit as maxItems (so Connexion checks it); say it in DfE's words.
            message = TOO_MANY_ROUTES
        return {
            "type": _RFC_TYPES[400],
            "title": VALIDATION_TITLE,
            "status": status,
            "errors": {field or "$": [message]},
            "traceId": TRACE_ID,
        }
    return {
        "type": _RFC_TYPES.get(status, "about:blank"),
        "title": _title(status),
        "status": status,
        "traceId": TRACE_ID,
    }


def render_progress_error(status: int, message: str, *, field: str | None = None) -> dict[str, Any]:
    """Track Progress: 400 as ``{title, status, errors: [{error, description}]}``, else ProblemDetails."""
    if status != 400:
        return render_error(status, message, field=field)
    error, description = _progress_error(message, field)
    return {
        "title": _title(status),
        "status": status,
        "errors": [{"error": error, "description": description}],
    }


def _progress_error(message: str, field: str | None) -> tuple[str, str]:
    # The spec states DfE's rules as schema (so Connexion checks them first); say them in DfE's words.
    field, message = _split_field(message, field)
    if START_DATE_PATTERN in message:
        return "plannedStartDate", INVALID_START_DATE
    if (field == "progress.ksbs" and "non-empty" in message) or "'ksbs' is a required property" in message:
        return "ksbs", KSBS_REQUIRED
    return field or "request", message
