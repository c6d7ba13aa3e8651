"""contracts.checks reads a response body as its media type says: JSON, or Rails-style XML."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from schemathesis.core.transport import Response

from contracts.checks import _body
from mockserver.xmlcodec import encode

ERROR = {"status": 404, "message": "Not found", "details": [{"field": "id"}], "retry": None}


def response(content: bytes, content_type: str | None) -> Response:
    headers = {} if content_type is None else {"Content-Type": [content_type]}
    return Response(404, headers, content, requests.PreparedRequest(), elapsed=0.0, verify=True)


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (
            b'{"status": 404, "message": "Not found", "details": [{"field": "id"}], "retry": null}',
            "application/json",
            ERROR,
        ),
        (encode(ERROR), "application/xml; charset=utf-8", ERROR),
        (encode(ERROR), "text/xml", ERROR),
        (encode(ERROR), "application/problem+xml", ERROR),
        (b"<error><code>5</code></error>", "application/xml", {"code": "5"}),
        (b'{"a": 1}', None, {"a": 1}),
        (b"", "application/json", None),
        (b"not json", "application/json", None),
        (b"<unclosed>", "application/xml", None),
        (b'<r type="integer">x</r>', "application/xml", None),
        (b"", "application/xml", None),
    ],
)
def test_the_body_is_read_as_its_media_type_says(
    content: bytes, content_type: str | None, expected: Any
) -> None:
    assert _body(response(content, content_type)) == expected
