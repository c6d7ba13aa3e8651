"""Checks beyond Schemathesis' own, read from the spec: vendor error envelope, pagination.

Registered with ``schemathesis.check`` on import, so every Schemathesis run in the process (the
contract runner, or a user's own ``schema.parametrize()`` tests) applies them. Each one reads what
the operation's spec documents and is silent where the spec promises nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from xml.parsers.expat import ExpatError

import schemathesis
from schemathesis import Case, CheckContext, Response

from mockserver.xmlcodec import decode as xml_decode

from .specdata import error_schemas, resolve, schema_errors

PAGINATION = "x-pagination"


def decoded(content_type: str, content: bytes | None) -> Any:
    """A body read as its media type says: JSON, or XML (Rails-style typed elements); ``None`` if neither."""
    try:
        if "xml" in content_type.lower():
            return xml_decode(content or b"")
        return json.loads(content or b"")
    except ValueError:
        return None
    except ExpatError:
        return None


def _body(response: Response) -> Any:
    return decoded(" ".join(response.headers.get("content-type", [])), response.content)


def _documented(case: Case[Any]) -> Mapping[str, Any]:
    return case.operation.definition.raw.get("responses") or {}


def _spec(case: Case[Any]) -> Mapping[str, Any]:
    raw: Mapping[str, Any] = case.operation.schema.raw_schema
    return raw


def _version(case: Case[Any]) -> str:
    return str(_spec(case).get("openapi", "3.0"))


@schemathesis.check
def vendor_error_envelope(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An error the operation does not document must still use one of the spec's error bodies.

    Documented statuses are already checked against their own schema by ``response_schema_conformance``;
    this covers the rest (an undocumented 404/405/500...), which must still look like the vendor's errors.
    """
    responses = _documented(case)
    status = str(response.status_code)
    if response.status_code < 400 or status in responses or f"{status[0]}XX" in responses:
        return None
    envelopes = error_schemas(_spec(case))
    if not envelopes or "default" in responses:
        return None
    body = _body(response)
    if body is None:
        raise AssertionError(
            f"Error {status} is not in the vendor's error format: the body is not JSON or XML "
            f"({response.content[:120]!r})"
        )
    problems = [schema_errors(envelope, body, openapi=_version(case)) for envelope in envelopes]
    if all(problems):
        raise AssertionError(
            f"Error {status} is not in the vendor's error format (no documented error schema matches): "
            + "; ".join(problems[0][:3])
        )
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parameter_default(case: Case[Any], name: str) -> int | None:
    spec = _spec(case)
    for parameter in case.operation.definition.raw.get("parameters") or []:
        resolved = resolve(spec, parameter)
        if resolved.get("name") == name:
            return _int((resolved.get("schema") or {}).get("default"))
    return None


@schemathesis.check
def pagination_envelope(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A paged answer's counts agree with each other and with the page asked for (``x-pagination``)."""
    declared = case.operation.definition.raw.get(PAGINATION)
    if not isinstance(declared, Mapping) or not 200 <= response.status_code < 300:
        return None
    body = _body(response)
    if not isinstance(body, Mapping):
        raise AssertionError("A paged answer must be a JSON object carrying the page and its counts")
    query = case.query or {}
    first = int(declared.get("first-page", 1))
    page = _int(query.get(declared["page"])) if declared["page"] in query else first
    size = (
        _int(query.get(declared["size"]))
        if declared["size"] in query
        else declared.get("default-size", _parameter_default(case, declared["size"]))
    )
    items, total, pages = (body.get(declared[key]) for key in ("items", "total", "pages"))
    if not isinstance(items, list) or not isinstance(total, int) or not isinstance(pages, int):
        raise AssertionError(
            f"A paged answer must carry {declared['items']!r} (array), {declared['total']!r} and "
            f"{declared['pages']!r} (integers)"
        )
    grand = declared.get("grand-total")
    if grand is not None and isinstance(body.get(grand), int) and body[grand] < total:
        raise AssertionError(f"{grand}={body[grand]} is less than {declared['total']}={total}")
    if page is None or size is None or size < 1:
        return None
    expected_pages = math.ceil(total / size)
    if pages != expected_pages and not (total == 0 and pages in (0, 1)):
        raise AssertionError(
            f"{declared['pages']}={pages}, but {declared['total']}={total} at {size} per page makes "
            f"{expected_pages} page(s)"
        )
    index = page - first
    expected_items = max(0, min(size, total - index * size)) if index >= 0 else 0
    if len(items) != expected_items:
        raise AssertionError(
            f"Page {page} holds {len(items)} record(s); with {declared['total']}={total} at {size} per page "
            f"it should hold {expected_items}"
        )
    return None


CHECK_NAMES = ("vendor_error_envelope", "pagination_envelope")
