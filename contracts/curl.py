"""The curl command that reproduces an HTTP request."""

from __future__ import annotations

import shlex
from collections.abc import Collection

import httpx

# Headers httpx adds on its own; leaving them out keeps the command readable.
_NOISE = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent", "accept"})


def curl_for(request: httpx.Request, filtered: Collection[str] = ()) -> str:
    """``curl -X METHOD -H ... -d BODY URL`` for an ``httpx`` request.

    The values of the headers named in ``filtered`` (lower case; credentials) show as ``[Filtered]``,
    as Schemathesis shows them, so a CI log does not leak them.
    """
    parts = ["curl", "-X", request.method]
    for name, value in request.headers.items():
        if name.lower() not in _NOISE:
            shown = "[Filtered]" if name.lower() in filtered else value
            parts += ["-H", f"{name}: {shown}"]
    body = request.read()
    if body:
        parts += ["-d", body.decode("utf-8", errors="replace")]
    parts.append(str(request.url))
    return shlex.join(parts)
